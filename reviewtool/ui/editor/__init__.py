"""The redaction editor (liaison officers): draw, track and approve what the panel must not see.

Entry point: `open_redaction_editor(ctx, footage_id, parent=None)` returns the editor's top-level
window, shown -- or, when the signed-in person may not edit redactions or see raw footage, or the
clip cannot be found, a calm message window saying so (the services decide; nothing raw is opened).
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from reviewtool.core.auth import Permission
from reviewtool.core.errors import NotFound, PermissionDenied, ValidationError
from reviewtool.core.playback import PlaybackService
from reviewtool.core.redactions import RedactionService
from reviewtool.ui.context import AppContext

__all__ = ["open_redaction_editor"]


def open_redaction_editor(ctx: AppContext, footage_id: int, parent: QWidget | None = None, *,
                          vlc_args: Sequence[str] = ()) -> QWidget:
    """The editor window for one clip (shown), or a calm refusal (shown) if it cannot be opened.

    `vlc_args` go to libvlc (tests pass `("--aout=dummy",)`)."""
    from reviewtool.ui.editor.commands import RedactionDocument
    from reviewtool.ui.editor.editor_window import EditorWindow

    try:
        if not ctx.can(Permission.VIEW_RAW_FOOTAGE):  # the service checks again when the clip opens
            ctx.actor.require(Permission.VIEW_RAW_FOOTAGE)
        document = RedactionDocument(ctx.service(RedactionService), ctx.actor, footage_id)
        info = ctx.service(PlaybackService).clip_info(ctx.actor, footage_id)
        if info.purged:
            raise ValidationError(f"{info.file_name} was erased under the retention rule; it can no longer "
                                  "be edited")
    except PermissionDenied:
        return _refusal(parent, "Redactions are prepared by the community liaison officer",
                        "Your account cannot open the redaction editor, because it shows the footage "
                        "without redactions. Ask the liaison officer if a clip needs changing.")
    except (NotFound, ValidationError) as exc:
        return _refusal(parent, "This clip cannot be opened", str(exc))
    window = EditorWindow(ctx, document, info, parent, vlc_args=vlc_args)
    document.setParent(window)
    window.show()
    return window


def _refusal(parent: QWidget | None, title: str, text: str) -> QWidget:
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("editorRefused")
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.show()
    return box
