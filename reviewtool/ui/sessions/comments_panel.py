"""Comments pinned to a moment in the clip ("at 0:42 the officer did not give the station").

A comment is added as a member (spoken in the room) or as the facilitator's own note, pinned to the
time on screen unless unticked. Clicking a pinned comment asks the clip to go back to that moment.
Comments are never edited or deleted (ScoringService), so the list only grows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Actor
from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.scoring import CommentView, ScoringService
from reviewtool.ui.sessions.common import Banner, clock


class CommentsPanel(QWidget):
    seekRequested = Signal(float)

    def __init__(self, actor: Actor, scoring: ScoringService, time_source, parent: QWidget | None = None) -> None:
        """`time_source()` gives the clip time on screen (seconds) or None."""
        super().__init__(parent)
        self.actor = actor
        self.scoring = scoring
        self.time_source = time_source
        self.item_id: int | None = None
        self.setObjectName("commentsPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("<b>Notes and comments</b> — click a time to go back to it")
        layout.addWidget(self.heading)
        self.list = QListWidget()
        self.list.setObjectName("commentsList")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.banner = Banner()
        layout.addWidget(self.banner)
        row = QHBoxLayout()
        self.who = QComboBox()
        self.who.setObjectName("commentWho")
        self.who.setToolTip("Who said it")
        self.text = QLineEdit()
        self.text.setObjectName("commentText")
        self.text.setPlaceholderText("Type a comment and press Enter")
        self.text.returnPressed.connect(self.add)
        self.pin = QCheckBox("at the time on screen")
        self.pin.setObjectName("commentPin")
        self.pin.setChecked(True)
        add = QPushButton("Add")
        add.clicked.connect(self.add)
        row.addWidget(self.who)
        row.addWidget(self.text, 1)
        row.addWidget(self.pin)
        row.addWidget(add)
        layout.addLayout(row)

    def set_members(self, members: list[tuple[int | None, str]]) -> None:
        """(member id or None for the facilitator, label) in the order to offer them."""
        current = self.who.currentData()
        self.who.clear()
        for member_id, label in members:
            self.who.addItem(label, member_id)
        index = self.who.findData(current)
        self.who.setCurrentIndex(max(0, index))

    def set_item(self, item_id: int | None, enabled: bool = True) -> None:
        self.item_id = item_id
        self.text.setEnabled(enabled and item_id is not None)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        self.banner.hide()
        if self.item_id is None:
            return
        try:
            comments = self.scoring.comments(self.actor, self.item_id)
        except ReviewtoolError as exc:
            self.banner.show_message(str(exc), "problem")
            return
        for comment in comments:
            self._append(comment)

    def _append(self, comment: CommentView) -> None:
        who = comment.member_initials or "Facilitator"
        when = f"[{clock(comment.media_time)}] " if comment.media_time is not None else ""
        entry = QListWidgetItem(f"{when}{who}: {comment.text}")
        entry.setData(Qt.ItemDataRole.UserRole, comment.media_time)
        if comment.media_time is not None:
            entry.setToolTip(f"Go to {clock(comment.media_time)} in the clip")
        self.list.addItem(entry)

    def add(self) -> None:
        text = self.text.text().strip()
        if not text or self.item_id is None:
            return
        media_time = self.time_source() if self.pin.isChecked() else None
        try:
            self.scoring.add_comment(self.actor, self.item_id, self.who.currentData(), text, media_time)
        except ReviewtoolError as exc:
            self.banner.show_message(f"Not saved: {exc}", "problem")
            return
        self.text.clear()
        self.reload()

    def focus_new_comment(self) -> None:
        self.pin.setChecked(True)
        self.text.setFocus()

    def _activated(self, entry: QListWidgetItem) -> None:
        media_time = entry.data(Qt.ItemDataRole.UserRole)
        if media_time is not None:
            self.seekRequested.emit(float(media_time))
