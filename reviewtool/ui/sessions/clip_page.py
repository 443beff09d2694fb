"""The controller's clip page: the redacted clip, its transport and timeline, and the comments.

The page shows the same `PlayerFacade` the presenter shows (a redacted player from
`PlaybackService.open_redacted`, the privacy gate), so the facilitator sees exactly what the room
sees. It owns no player: the meeting window opens and releases them, one per item.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from reviewtool.media.player import PlayerState
from reviewtool.ui.sessions.comments_panel import CommentsPanel
from reviewtool.ui.sessions.common import clock
from reviewtool.ui.video.player_facade import PlayerFacade
from reviewtool.ui.video.timeline import Timeline
from reviewtool.ui.video.video_view import VideoView

SKIP_S = 5.0


class ClipPage(QWidget):
    """Signals: `markDiscussed()` (an item without footage was talked through)."""

    markDiscussed = Signal()

    def __init__(self, comments: CommentsPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipPage")
        self.facade: PlayerFacade | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)

        self.screen_stack = QStackedWidget()
        self.video = VideoView()
        self.video.setObjectName("controllerVideo")
        self.notice = QLabel("")
        self.notice.setObjectName("clipNotice")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background:#1B1D21; color:#E6E6E6; font-size:15px; padding:24px;")
        self.discussed_button = QPushButton("Mark as discussed")
        self.discussed_button.setObjectName("markDiscussed")
        self.discussed_button.clicked.connect(self.markDiscussed)
        notice_page = QWidget()
        notice_layout = QVBoxLayout(notice_page)
        notice_layout.setContentsMargins(0, 0, 0, 0)
        notice_layout.addWidget(self.notice, 1)
        notice_layout.addWidget(self.discussed_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.discussed_button.hide()
        self.screen_stack.addWidget(self.video)
        self.screen_stack.addWidget(notice_page)
        self.notice_page = notice_page
        top_layout.addWidget(self.screen_stack, 1)

        transport = QHBoxLayout()
        self.back_button = QPushButton(f"◀◀ {SKIP_S:.0f} s")
        self.back_button.setToolTip("Back 5 seconds (J)")
        self.play_button = QPushButton("▶ Play")
        self.play_button.setObjectName("playButton")
        self.play_button.setToolTip("Play / pause (K or Space)")
        self.play_button.setMinimumWidth(110)
        self.forward_button = QPushButton(f"{SKIP_S:.0f} s ▶▶")
        self.forward_button.setToolTip("Forward 5 seconds (L)")
        self.step_back_button = QPushButton("◀|")
        self.step_back_button.setToolTip("Previous frame (,)")
        self.step_button = QPushButton("|▶")
        self.step_button.setToolTip("Next frame (.)")
        self.time_label = QLabel("–")
        self.time_label.setObjectName("clipTime")
        for w in (self.back_button, self.play_button, self.forward_button, self.step_back_button, self.step_button):
            w.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            transport.addWidget(w)
        transport.addSpacing(12)
        transport.addWidget(self.time_label)
        transport.addStretch(1)
        top_layout.addLayout(transport)
        self.timeline = Timeline()
        self.timeline.setObjectName("clipTimeline")
        top_layout.addWidget(self.timeline)
        splitter.addWidget(top)
        self.comments = comments
        splitter.addWidget(comments)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([460, 170])
        layout.addWidget(splitter)

        self.play_button.clicked.connect(self.toggle)
        self.back_button.clicked.connect(lambda: self.skip(-SKIP_S))
        self.forward_button.clicked.connect(lambda: self.skip(SKIP_S))
        self.step_button.clicked.connect(self.step)
        self.step_back_button.clicked.connect(self.step_back)
        self.timeline.seekRequested.connect(self.seek)
        comments.seekRequested.connect(self.seek)
        self.show_notice("Choose an item on the left.")

    # --- what the page shows ----------------------------------------------------------------------------

    def show_notice(self, text: str, *, discussable: bool = False) -> None:
        self.set_facade(None)
        self.notice.setText(text)
        self.discussed_button.setVisible(discussable)
        self.screen_stack.setCurrentWidget(self.notice_page)

    def set_facade(self, facade: PlayerFacade | None) -> None:
        if self.facade is not None and self.facade is not facade:
            for signal, slot in ((self.facade.positionChanged, self._position),
                                 (self.facade.stateChanged, self._state)):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
        self.facade = facade
        self.video.set_source(facade)
        enabled = facade is not None
        for w in (self.back_button, self.play_button, self.forward_button, self.step_back_button, self.step_button):
            w.setEnabled(enabled)
        if facade is None:
            self.video.clear()
            self.timeline.set_frames(None, None)
            self.timeline.set_document(None)
            self.timeline.set_position(None, None)
            self.time_label.setText("–")
            self.play_button.setText("▶ Play")
            return
        facade.positionChanged.connect(self._position)
        facade.stateChanged.connect(self._state)
        index = facade.index
        self.timeline.set_frames(None if index is None else index.pts, facade.length)
        self.timeline.set_document(facade.player.redactions)
        self.timeline.set_position(facade.time, facade.frame_index)
        self.screen_stack.setCurrentWidget(self.video)
        self.discussed_button.hide()
        self._state(facade.state)
        self._position(facade.frame_index or 0, facade.time or 0.0)

    # --- controls ---------------------------------------------------------------------------------------

    def time(self) -> float | None:
        return None if self.facade is None else self.facade.time

    def toggle(self) -> None:
        if self.facade is not None:
            self.facade.toggle()

    def pause(self) -> None:
        if self.facade is not None and self.facade.state == PlayerState.PLAYING:
            self.facade.pause()

    def skip(self, seconds: float) -> None:
        if self.facade is not None:
            self.facade.skip(seconds)

    def seek(self, t: float) -> None:
        if self.facade is not None:
            self.facade.seek(t)

    def step(self) -> None:
        if self.facade is not None:
            self.facade.step()

    def step_back(self) -> None:
        if self.facade is not None:
            self.facade.step_back()

    def _position(self, frame_index: int, seconds: float) -> None:
        self.timeline.set_position(seconds, frame_index)
        length = self.facade.length if self.facade is not None else None
        self.time_label.setText(f"{clock(seconds)} / {clock(length)}")

    def _state(self, state: PlayerState) -> None:
        self.play_button.setText("❚❚ Pause" if state == PlayerState.PLAYING else "▶ Play")
