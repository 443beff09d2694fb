"""The redaction editor: one clip, its raw picture with boxes over it, the timeline, and approval.

The liaison officer works on the raw footage (opening it is audited as a raw view by
`PlaybackService.open_raw`) and can switch to the panel's view at any time (`open_preview`: the
same player path the meeting uses, with the current boxes and the force's policy -- audited as a
redacted view). Switching replaces the player behind the `VideoView`, which lets go of the old
player's frame at once, so the preview can never show a raw picture. Editing is paused in the preview.

Every edit goes through `RedactionDocument` (commands.py): saved and audited the moment it is made, on
the version it was based on, and undoable. A refused save (someone else changed the clip's redactions)
leaves the screen as stored and offers to reload -- nothing is silently overwritten.

Approval records who and when (`RedactionService.approve`); the header says which state the clip is in.
"Check redactions" plays the clip through the panel's player off the GUI thread and shows what the
screen showed, frame by frame (check_dialog.py).

On the idle lock the editor pauses and paints nothing; the shell hides the window as well.
"""

from __future__ import annotations

import functools
import logging
import sys
from datetime import datetime
from html import escape
from typing import Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from reviewtool.core.errors import Conflict
from reviewtool.core.playback import ClipInfo, PlaybackService
from reviewtool.core.redactions import RedactionState
from reviewtool.media.player import PlayerState, RedactedPlayer
from reviewtool.media.redaction import Box, RedactionSet
from reviewtool.ui import tasks
from reviewtool.ui.app_events import app_events, is_locked
from reviewtool.ui.context import AppContext
from reviewtool.ui.editor import actions
from reviewtool.ui.editor.banner import OK as _OK
from reviewtool.ui.editor.banner import PROBLEM as _PROBLEM
from reviewtool.ui.editor.banner import WARN as _WARN
from reviewtool.ui.editor.banner import Banner, ask
from reviewtool.ui.editor.commands import RedactionDocument
from reviewtool.ui.editor.overlay import BoxOverlay
from reviewtool.ui.editor.shortcuts import EDITOR_SHORTCUTS, ShortcutsSheet
from reviewtool.ui.editor.track_panel import RangeDialog, TrackPanel
from reviewtool.ui.flow_layout import FlowLayout
from reviewtool.ui.video.player_facade import PlayerFacade
from reviewtool.ui.video.timeline import Timeline
from reviewtool.ui.video.video_view import VideoView

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
EDIT, PREVIEW = "edit", "preview"


PANEL_WIDTH = 340  # the side panel's starting width; the splitter lets the liaison officer change it
_WINDOW_FRAME = 40  # title bar and frame, which a screen's available geometry still includes


def when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(LONDON).strftime("%d %b %Y %H:%M")


def _fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Open at `width` x `height`, or smaller on a smaller screen (a laptop: 1280x720 inside the taskbar
    and title bar); the layout lets the window go that small."""
    screen = window.screen()
    if screen is not None:
        area = screen.availableGeometry()
        width, height = min(width, area.width()), min(height, area.height() - _WINDOW_FRAME)
    window.resize(width, height)


class EditorWindow(QWidget):
    """The editor for one clip. Build it with `open_redaction_editor` (which checks permissions)."""

    def __init__(self, ctx: AppContext, document: RedactionDocument, info: ClipInfo,
                 parent: QWidget | None = None, *, vlc_args: Sequence[str] = ()) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("redactionEditor")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.ctx = ctx
        self.document = document
        self.info = info
        self.vlc_args = tuple(vlc_args)
        self.facade: PlayerFacade | None = None
        self.mode = EDIT
        self.selected: str | None = None
        self.check_dialog: QWidget | None = None
        self._opening: tasks.TaskHandle | None = None
        self._closed = False
        self.setWindowTitle(f"Redactions — {info.file_name}")
        _fit_to_screen(self, 1240, 820)
        self._build()
        document.changed.connect(self._document_changed)
        document.stateChanged.connect(self._state_changed)
        document.problem.connect(self._problem)
        document.undo_stack.canUndoChanged.connect(self._sync_actions)
        document.undo_stack.canRedoChanged.connect(self._sync_actions)
        events = app_events()
        events.locked.connect(self._locked)
        events.unlocked.connect(self._unlocked)
        events.shutting_down.connect(self.close)
        self._document_changed(document.current, None)
        self._state_changed(document.state)
        self._open_player(EDIT, 0.0)

    # --- layout --------------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        # The header fits a laptop screen: the clip's name and states wrap onto a second line beside
        # the buttons rather than pushing the window wider.
        header = QHBoxLayout()
        status = QWidget()
        status.setObjectName("editorStatus")
        status_flow = FlowLayout(status, spacing=4)
        title = QLabel(f"<b>{escape(self.info.file_name)}</b>")
        title.setTextFormat(Qt.TextFormat.RichText)
        status_flow.addWidget(title)
        self.state_label = QLabel()
        self.state_label.setObjectName("redactionState")
        status_flow.addWidget(self.state_label)
        self.mode_label = QLabel()
        self.mode_label.setObjectName("editorMode")
        status_flow.addWidget(self.mode_label)
        header.addWidget(status, 1)
        self.preview_button = self._button("Show the panel's view (P)", self.toggle_preview)
        self.preview_button.setCheckable(True)
        self.check_button = self._button("Check redactions…", self.check_redactions)
        self.approve_button = self._button("Approve for the panel…", self.approve)
        help_button = self._button("Keys (F1)", self.show_shortcuts)
        for button in (self.preview_button, self.check_button, self.approve_button, help_button):
            header.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        root.addLayout(header)

        self.banner = Banner(self)
        root.addWidget(self.banner)

        middle = QSplitter(Qt.Orientation.Horizontal)
        middle.setObjectName("editorSplitter")
        middle.setChildrenCollapsible(False)
        self.view = VideoView(self)
        self.overlay = BoxOverlay(self.view)
        middle.addWidget(self.view)
        self.panel = TrackPanel(self)
        middle.addWidget(self.panel)
        middle.setStretchFactor(0, 1)
        middle.setStretchFactor(1, 0)
        middle.setSizes([900, PANEL_WIDTH])
        root.addWidget(middle, 1)

        transport = QHBoxLayout()
        self.play_button = self._button("Play", self.toggle_play)
        for text, slot in (("−1 s", self.skip_back), ("◀ Frame", self.step_back)):
            transport.addWidget(self._button(text, slot))
        transport.addWidget(self.play_button)
        for text, slot in (("Frame ▶", self.step_forward), ("+1 s", self.skip_forward)):
            transport.addWidget(self._button(text, slot))
        self.position_label = QLabel()
        self.position_label.setObjectName("positionLabel")
        self.position_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        transport.addSpacing(16)
        transport.addWidget(self.position_label)
        transport.addStretch(1)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        transport.addWidget(self.saved_label)
        root.addLayout(transport)

        self.timeline = Timeline(self)
        root.addWidget(self.timeline)

        self.overlay.boxDrawn.connect(self.draw_box)
        self.overlay.boxChanged.connect(self.change_box)
        self.overlay.trackSelected.connect(lambda tid: self.select_track(tid or None))
        self.overlay.pauseRequested.connect(self._pause)
        self.overlay.notice.connect(self.notice)
        self.timeline.seekRequested.connect(self.seek)
        self.timeline.trackSelected.connect(self.select_track)
        self.timeline.keyframeMoved.connect(self.move_keyframe)
        self.panel.trackSelected.connect(lambda tid: self.select_track(tid or None))
        self.panel.propertyChanged.connect(self.set_track_property)
        self.panel.endRequested.connect(self.hide_from_here)
        self.panel.deleteRequested.connect(self.delete_track)
        self.panel.rangeRequested.connect(self.ask_range)
        self.panel.rangeRemoveRequested.connect(self.remove_range)

        self.shortcuts: dict[str, list[QShortcut]] = {}
        for shortcut in EDITOR_SHORTCUTS:
            slot = getattr(self, shortcut.name)
            for keys in (*shortcut.keys, *shortcut.also):
                sc = QShortcut(QKeySequence(keys), self)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(slot)
                self.shortcuts.setdefault(shortcut.name, []).append(sc)

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda _checked=False: slot())
        button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        return button

    # --- the player ----------------------------------------------------------------------------------

    def _open_player(self, mode: str, at: float) -> None:
        playback: PlaybackService = self.ctx.service(PlaybackService)
        actor, footage_id, args = self.ctx.actor, self.document.footage_id, self.vlc_args
        if mode == EDIT:
            opener = functools.partial(playback.open_raw, actor, footage_id, args)
        else:
            opener = functools.partial(playback.open_preview, actor, footage_id, self.document.current, args)
        self.mode_label.setText("Opening the clip…")
        self.preview_button.setEnabled(False)
        self._opening = tasks.run_task(self, opener, functools.partial(self._player_ready, mode, at),
                                       self._player_failed, title="Opening the clip")

    def _player_ready(self, mode: str, at: float, player: RedactedPlayer) -> None:
        self._opening = None
        if self._closed:
            player.release()
            return
        facade = PlayerFacade(player, self)
        facade.positionChanged.connect(self._position_changed)
        facade.stateChanged.connect(self._player_state_changed)
        facade.failed.connect(lambda text: self.notice(text, _PROBLEM))
        old, self.facade = self.facade, facade
        self.mode = mode
        if not is_locked():
            self.view.set_source(facade)  # drops the old player's frame before anything else is shown
        if old is not None:
            old.release()
            old.deleteLater()
        index = facade.index
        self.timeline.set_frames(None if index is None else index.pts, facade.length)
        if index is None:
            self.notice("This clip's frame index is missing or changed, so every frame is shown black. "
                        "Ingest the clip again to edit it.", _PROBLEM)
        self._sync_mode()
        facade.seek(at)

    def _player_failed(self, exc: BaseException) -> None:
        self._opening = None
        self.mode_label.setText("")
        self.preview_button.setEnabled(self.facade is not None)
        self.preview_button.setChecked(self.mode == PREVIEW)
        self.notice(f"The clip could not be opened: {exc}", _PROBLEM)

    def _position_changed(self, frame_index: int, t: float) -> None:
        self.timeline.set_position(t, frame_index)
        self.position_label.setText(self.timeline.position_text())

    def _player_state_changed(self, state: PlayerState) -> None:
        playing = state == PlayerState.PLAYING
        self.play_button.setText("Pause" if playing else "Play")
        self.overlay.set_playing(playing)

    def _pause(self) -> None:
        if self.facade is not None:
            self.facade.pause()

    # --- moving through the clip ---------------------------------------------------------------------

    def toggle_play(self) -> None:
        if self.facade is not None:
            self.facade.toggle()

    def step_forward(self) -> None:
        if self.facade is not None:
            self.facade.step()

    def step_back(self) -> None:
        if self.facade is not None:
            self.facade.step_back()

    def skip_forward(self) -> None:
        if self.facade is not None:
            self.facade.skip(1.0)

    def skip_back(self) -> None:
        if self.facade is not None:
            self.facade.skip(-1.0)

    def seek(self, t: float) -> None:
        if self.facade is not None:
            self.facade.seek(t)

    def go_start(self) -> None:
        self.seek(0.0)

    def go_end(self) -> None:
        if self.facade is not None and self.facade.frame_count:
            self.facade.seek_frame(self.facade.frame_count - 1)

    def next_keyframe(self) -> None:
        self._jump_keyframe(1)

    def previous_keyframe(self) -> None:
        self._jump_keyframe(-1)

    def _jump_keyframe(self, direction: int) -> None:
        t = actions.neighbour_keyframe(self.document.current, self.selected, self.overlay.time, direction)
        if t is not None:
            self.seek(t)

    # --- editing (each a command, saved at once) -----------------------------------------------------

    def draw_box(self, box: Box) -> None:
        self._apply(actions.draw_box(self.document.current, self._edit_time(), box, self._end_time()))

    def change_box(self, track_id: str, box: Box) -> None:
        self._apply(actions.change_box(self.document.current, track_id, self._edit_time(), box))

    def add_keyframe(self) -> None:
        self._apply(actions.add_keyframe(self.document.current, self.selected, self._edit_time()))

    def hide_from_here(self) -> None:
        self._apply(actions.hide_from(self.document.current, self.selected, self._edit_time()))

    def delete_keyframe(self) -> None:
        self._apply(actions.delete_keyframe(self.document.current, self.selected, self._edit_time()))

    def delete_track(self) -> None:
        self._apply(actions.delete_track(self.document.current, self.selected, self._edit_ok()))

    def move_keyframe(self, track_id: str, from_t: float, to_t: float) -> None:
        self._apply(actions.move_keyframe(self.document.current, track_id, from_t, to_t, self._edit_ok()))

    def set_track_property(self, track_id: str, field: str, value: str) -> None:
        self._apply(actions.set_property(self.document.current, track_id, field, value, self._edit_ok()))

    def add_range(self, kind: str, start: float, end: float) -> None:
        self._apply(actions.add_range(self.document.current, kind, start, end, self._edit_ok()))

    def remove_range(self, kind: str, span: tuple[float, float]) -> None:
        self._apply(actions.remove_range(self.document.current, kind, span, self._edit_ok()))

    def ask_range(self, kind: str) -> None:
        if not self._edit_ok():
            return
        dialog = RangeDialog(kind, self.overlay.time or 0.0, self.facade.length if self.facade else 0.0, self)
        if dialog.exec():
            self.add_range(kind, *dialog.span())

    def undo(self) -> None:
        if self._edit_ok():
            self.document.undo_stack.undo()

    def redo(self) -> None:
        if self._edit_ok():
            self.document.undo_stack.redo()

    def _apply(self, outcome: actions.Outcome | None) -> None:
        if outcome is None:
            return
        if outcome.refusal:
            self.notice(outcome.refusal)
            return
        if outcome.select is not None:
            self.selected = outcome.select
        self.document.edit(outcome.text, outcome.after, outcome.select)

    def _edit_ok(self) -> bool:
        if self.document.needs_reload:
            self.notice("Reload the redactions before changing them: someone else changed them.", _PROBLEM,
                        action="Reload", slot=self.reload)
            return False
        if self.mode != EDIT or self.facade is None:
            self.notice("Editing is paused while you see the panel's view. Press P to go back to editing.")
            return False
        return True

    def _edit_time(self) -> float | None:
        """The media time of the frame shown, if an edit may be made on it now; else None (and why)."""
        if not self._edit_ok():
            return None
        if self.facade.state == PlayerState.PLAYING:
            self.facade.pause()
            self.notice("Paused: boxes are edited on a still frame.")
            return None
        if self.overlay.time is None:
            self.notice("This frame could not be identified, so it cannot be edited. Step to the next frame.")
            return None
        return self.overlay.time

    def _end_time(self) -> float:
        index = self.facade.index if self.facade is not None else None
        return float(index.pts[-1]) if index is not None else 0.0

    # --- selection -----------------------------------------------------------------------------------

    def select_track(self, track_id: str | None) -> None:
        self.selected = track_id or None
        self.overlay.set_selected(self.selected)
        self.timeline.set_selected(self.selected)
        self.panel.set_selected(self.selected)

    def next_track(self) -> None:
        self.select_track(actions.neighbour_track(self.document.current, self.selected, 1))

    def previous_track(self) -> None:
        self.select_track(actions.neighbour_track(self.document.current, self.selected, -1))

    def deselect(self) -> None:
        self.select_track(None)

    # --- document and state --------------------------------------------------------------------------

    def _document_changed(self, rs: RedactionSet, track_id: str | None) -> None:
        ids = {t.id for t in rs.tracks}
        if track_id in ids:
            self.selected = track_id
        if self.selected not in ids:
            self.selected = None
        self.overlay.set_document(rs)
        self.timeline.set_document(rs)
        self.panel.set_document(rs)
        self.select_track(self.selected)

    def _state_changed(self, state: RedactionState) -> None:
        if state.approved:
            text, colour = f"Approved by {state.approved_by}, {when(state.approved_at)}", _OK
        elif state.version == 0:
            text, colour = "No redactions saved yet — not approved", _WARN
        else:
            text, colour = "Draft — not approved for the panel", _WARN
        self.state_label.setText(text)
        self.state_label.setStyleSheet(f"color: {colour}; font-weight: 600; padding: 0 8px;")
        if state.updated_at is not None:
            self.saved_label.setText(f"Saved {when(state.updated_at)} by {state.updated_by}")
        self.approve_button.setEnabled(not state.approved)
        self._sync_actions()

    def _problem(self, exc: Exception) -> None:
        if isinstance(exc, Conflict):
            self.notice("Someone else changed these redactions while you were working, so your last change "
                        "was not saved. Reload to see their version, then make your change again.",
                        _PROBLEM, action="Reload", slot=self.reload)
        elif self.document.needs_reload:
            self.notice(f"That change was not saved: {exc}", _PROBLEM, action="Reload", slot=self.reload)
        else:
            self.notice(f"That was not saved: {exc}. Nothing was changed.", _PROBLEM)

    def reload(self) -> None:
        self.document.reload()
        self.notice("Reloaded: you are looking at the redactions as stored now.", _OK)

    def approve(self) -> None:
        if self.document.needs_reload:
            self.notice("Reload the redactions before approving them.", _PROBLEM, action="Reload", slot=self.reload)
            return
        counts = self.document.state.counts
        if counts.empty:
            if not ask(self, "Approve with nothing hidden?",
                       "This clip has no boxes, blank or mute ranges. Approve it as needing nothing hidden? "
                       "Your name and the time are recorded.", "Approve with nothing hidden"):
                return
            self.document.approve(confirm_empty=True)
            return
        if ask(self, "Approve for the panel?",
               f"Approve {counts.tracks} box(es), {counts.blank} blank and {counts.mute} mute range(s) for "
               "showing to the panel? Your name and the time are recorded; any later change withdraws "
               "the approval.", "Approve"):
            self.document.approve()

    def _sync_actions(self, *_ignored) -> None:
        editable = self.mode == EDIT and not self.document.needs_reload and self.facade is not None
        self.panel.set_editable(editable)
        self.overlay.set_editable(self.mode == EDIT and not self.document.needs_reload)

    def _sync_mode(self) -> None:
        preview = self.mode == PREVIEW
        self.preview_button.setEnabled(True)
        self.preview_button.setChecked(preview)
        self.preview_button.setText("Back to editing (P)" if preview else "Show the panel's view (P)")
        self.mode_label.setText("Panel's view (redacted) — editing paused" if preview else "Editing raw footage")
        self.mode_label.setStyleSheet(f"color: {_OK if preview else _WARN}; padding: 0 8px;")
        self._sync_actions()

    def notice(self, text: str, colour: str = _WARN, action: str = "", slot=None) -> None:
        self.banner.show_message(text, colour, action, slot)

    # --- views and windows ---------------------------------------------------------------------------

    def toggle_preview(self) -> None:
        if self._opening is not None or self.facade is None:
            self.preview_button.setChecked(self.mode == PREVIEW)
            return
        at = self.facade.time or 0.0
        self.facade.pause()
        self._open_player(PREVIEW if self.mode == EDIT else EDIT, at)

    def show_shortcuts(self) -> None:
        sheet = ShortcutsSheet(self)
        sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        sheet.show()

    def check_redactions(self) -> None:
        from reviewtool.ui.editor.check_dialog import CheckRedactionsDialog

        if self.facade is not None:
            self.facade.pause()
        if self.check_dialog is not None:
            self.check_dialog.close()
        self.check_dialog = CheckRedactionsDialog(self.ctx, self.document.footage_id, self.document.current,
                                                  self.document.state.approved, parent=self,
                                                  vlc_args=self.vlc_args)
        self.check_dialog.show()

    def _locked(self) -> None:
        self._pause()
        self.view.set_source(None)

    def _unlocked(self) -> None:
        if self.facade is not None:
            self.view.set_source(self.facade)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._exclude_from_capture)

    def _exclude_from_capture(self) -> None:
        """Raw footage: keep this window out of screen capture where the system allows it (Windows)."""
        if sys.platform != "win32" or self._closed:
            return
        import ctypes

        wda_exclude_from_capture = 0x11
        if not ctypes.windll.user32.SetWindowDisplayAffinity(int(self.winId()), wda_exclude_from_capture):
            log.warning("could not exclude the redaction editor from screen capture")

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        if self.check_dialog is not None:
            self.check_dialog.close()
        self.view.set_source(None)
        if self.facade is not None:
            self.facade.release()
        events = app_events()
        for signal, slot in ((events.locked, self._locked), (events.unlocked, self._unlocked),
                             (events.shutting_down, self.close)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        super().closeEvent(event)
