"""The editor's keyboard: one table that both binds the keys and prints the F1 sheet, so the sheet can
never disagree with what the keys do. Keys follow CVAT and Shotcut where those agree (Space, arrows,
K for a keyframe, Ctrl+Z / Ctrl+Shift+Z)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget


@dataclass(frozen=True)
class Shortcut:
    name: str  # the editor method bound to it
    keys: tuple[str, ...]  # QKeySequence strings; the first is shown first
    description: str
    group: str
    also: tuple[str, ...] = ()  # bound too, not shown (how Qt spells the same key press)


EDITOR_SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("toggle_play", ("Space",), "Play or pause", "Moving through the clip"),
    Shortcut("step_forward", ("Right",), "Next frame", "Moving through the clip"),
    Shortcut("step_back", ("Left",), "Previous frame", "Moving through the clip"),
    Shortcut("skip_forward", ("Shift+Right",), "Forward 1 second", "Moving through the clip"),
    Shortcut("skip_back", ("Shift+Left",), "Back 1 second", "Moving through the clip"),
    Shortcut("next_keyframe", ("]",), "Next keyframe of the selected box", "Moving through the clip"),
    Shortcut("previous_keyframe", ("[",), "Previous keyframe of the selected box", "Moving through the clip"),
    Shortcut("go_start", ("Home",), "First frame", "Moving through the clip"),
    Shortcut("go_end", ("End",), "Last frame", "Moving through the clip"),
    Shortcut("add_keyframe", ("K",), "Keyframe the selected box on this frame", "Boxes"),
    Shortcut("hide_from_here", ("H",), "End the selected box from this frame (hide from here)", "Boxes"),
    Shortcut("delete_keyframe", ("Del",), "Delete the selected box's keyframe on this frame", "Boxes"),
    Shortcut("delete_track", ("Shift+Del",), "Delete the selected box on every frame", "Boxes"),
    Shortcut("next_track", ("Tab",), "Select the next box", "Boxes"),
    Shortcut("previous_track", ("Shift+Tab",), "Select the previous box", "Boxes",
             also=("Backtab", "Shift+Backtab")),  # Shift+Tab arrives as Backtab
    Shortcut("deselect", ("Esc",), "Select nothing", "Boxes"),
    Shortcut("undo", ("Ctrl+Z",), "Undo", "Changes (each one is saved at once)"),
    Shortcut("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo", "Changes (each one is saved at once)"),
    Shortcut("toggle_preview", ("P",), "Switch between editing and the panel's (redacted) view", "Views"),
    Shortcut("show_shortcuts", ("F1",), "This sheet", "Views"),
)
MOUSE_HELP = (
    ("Drag on the picture", "Draw a new box on this frame (it stays until you end it)"),
    ("Drag a box", "Move it: a keyframe is made on this frame"),
    ("Drag a handle", "Resize the selected box: a keyframe is made on this frame"),
    ("Click the timeline", "Go to that moment; drag a keyframe along its row to move it"),
)


def key_text(keys: tuple[str, ...]) -> str:
    return " or ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)


class ShortcutsSheet(QDialog):
    """The F1 sheet: every key of the editor, grouped, and what the mouse does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsSheet")
        self.setWindowTitle("Redaction editor — keys")
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        row = 0
        group = None
        for shortcut in EDITOR_SHORTCUTS:
            if shortcut.group != group:
                group = shortcut.group
                heading = QLabel(f"<b>{group}</b>")
                grid.addWidget(heading, row, 0, 1, 2)
                row += 1
            keys = QLabel(key_text(shortcut.keys))
            keys.setObjectName("shortcutKeys")
            keys.setStyleSheet("font-family: monospace; padding: 1px 6px; border: 1px solid #888; border-radius: 3px;")
            grid.addWidget(keys, row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(QLabel(shortcut.description), row, 1)
            row += 1
        grid.addWidget(QLabel("<b>Mouse</b>"), row, 0, 1, 2)
        row += 1
        for what, does in MOUSE_HELP:
            grid.addWidget(QLabel(what), row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(QLabel(does), row, 1)
            row += 1
        layout.addLayout(grid)
        note = QLabel("Every change is saved the moment you make it, and recorded in the audit log.")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        """(keys, description) of every keyboard line, as shown."""
        return [(key_text(s.keys), s.description) for s in EDITOR_SHORTCUTS]
