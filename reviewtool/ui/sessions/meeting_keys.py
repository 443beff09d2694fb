"""The meeting's keys: every step of the meeting can be done without the mouse.

Single letters (K, J, L, B) act only when no text box has the keyboard -- a text box takes its own
letters first -- so typing a comment never plays the clip. Play/pause and the clip keys also bring
the clip page forward, so the presenter never plays sound over a black screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from reviewtool.ui.sessions.meeting_window import MeetingWindow

CLIP, SCORING, REVIEW = 0, 1, 2

KEYS = (
    ("Page Down, Alt+Down", "Next item"),
    ("Page Up, Alt+Up", "Previous item"),
    ("K, or Space on the clip", "Play / pause (goes to the clip)"),
    ("J / L", "Back / forward 5 seconds"),
    (", / .", "Previous / next frame"),
    ("Ctrl+1, Ctrl+2, Ctrl+3", "Clip / Scoring / Reveal and consensus"),
    ("Alt+1 … Alt+9", "Scoring form of member 1 … 9"),
    ("1 … 9, Delete", "On a scoring row: choose an answer, clear it"),
    ("Up / Down", "On a scoring row: previous / next row"),
    ("Ctrl+Z", "On a scoring form: put back the answer before the last change"),
    ("Ctrl+R", "Reveal the answers (asks first)"),
    ("Ctrl+M", "Comment at the time on screen"),
    ("Ctrl+Enter", "Record the consensus"),
    ("B", "Black presenter screen on / off"),
    ("F5", "Reload from the database"),
    ("F1", "This list"),
)

def install_shortcuts(window: "MeetingWindow") -> None:
    def key(sequence: str, slot: Callable[[], object], widget: QWidget | None = None,
            context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut) -> None:
        shortcut = QShortcut(QKeySequence(sequence), widget or window)
        shortcut.setContext(context)
        shortcut.activated.connect(slot)

    for seq in ("PgDown", "Alt+Down"):
        key(seq, lambda: window.go(1))
    for seq in ("PgUp", "Alt+Up"):
        key(seq, lambda: window.go(-1))
    key("K", window.play_pause)
    key("Space", window.play_pause, window.clip, Qt.ShortcutContext.WidgetWithChildrenShortcut)
    key("J", lambda: window.on_clip(lambda: window.clip.skip(-5.0)))
    key("L", lambda: window.on_clip(lambda: window.clip.skip(5.0)))
    key(",", lambda: window.on_clip(window.clip.step_back))
    key(".", lambda: window.on_clip(window.clip.step))
    for n, page in enumerate((CLIP, SCORING, REVIEW), start=1):
        key(f"Ctrl+{n}", lambda p=page: window.show_page(p))
    for n in range(1, 10):
        key(f"Alt+{n}", lambda m=n - 1: window.score_member(m))
    key("Ctrl+R", window.reveal)
    key("Ctrl+M", window.comment_now)
    key("B", lambda: window.black_action.toggle())
    key("F5", window.refresh)
    key("F1", window.show_keys)


class KeysDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keys for the meeting")
        layout = QVBoxLayout(self)
        text = QTextBrowser()
        rows = "".join(f"<tr><td style='padding-right:18px'><b>{k}</b></td><td>{v}</td></tr>" for k, v in KEYS)
        text.setHtml(f"<table>{rows}</table>")
        text.setMinimumSize(520, 400)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
