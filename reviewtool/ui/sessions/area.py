"""The Sessions area of the main window: the monthly workflow of a community liaison officer.

Plan (draw a verifiable sample, publish its commitment, print the certificate), prepare (approve or
remove clips, record attendance and the confidentiality agreement), run the meeting (the meeting
window and the presenter screen), close. A panel member signed in on their own device gets "My
session" instead: their own scoring form for the item being discussed, blind until reveal.

Entry point: `SessionsArea(ctx, parent)`.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Permission
from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.sessions import SessionService, SessionSummary
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.common import SESSION_STATUS_WORDS, heading, quiet
from reviewtool.ui.sessions.meeting_window import MeetingWindow
from reviewtool.ui.sessions.my_session import MySessionView
from reviewtool.ui.sessions.planning_dialog import PlanningDialog
from reviewtool.ui.sessions.session_page import SessionPage


class SessionsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("sessionsArea")
        self.meetings: dict[int, MeetingWindow] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.my_session: MySessionView | None = None
        self.page: SessionPage | None = None
        if ctx.can(Permission.PLAN_SESSIONS):
            layout.addWidget(self._build_planner())
            self.reload()
        elif ctx.can(Permission.ENTER_OWN_SCORES):
            self.my_session = MySessionView(ctx)
            layout.addWidget(self.my_session)
        else:
            message = quiet("Review sessions are planned and run by the community liaison officer; panel members "
                            "take part in them. There is nothing here for your role.")
            message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(message)

    # --- the liaison officer's view ---------------------------------------------------------------------

    def _build_planner(self) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        left_layout.addWidget(heading("Sessions", 2))
        self.plan_button = QPushButton("Plan a session…")
        self.plan_button.setObjectName("planSessionButton")
        self.plan_button.setToolTip("Draw a verifiable random sample and create a session from it")
        self.plan_button.setEnabled(self.ctx.can(Permission.SAMPLE))
        self.plan_button.clicked.connect(self.plan)
        left_layout.addWidget(self.plan_button)
        self.list = QListWidget()
        self.list.setObjectName("sessionList")
        self.list.setMinimumWidth(200)
        self.list.setSpacing(2)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._chosen)
        left_layout.addWidget(self.list, 1)
        splitter.addWidget(left)
        self.stack = QStackedWidget()
        self.empty = quiet("Choose a session on the left, or plan a new one.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
        self.page = SessionPage(self.ctx)
        self.page.openMeeting.connect(self.open_meeting)
        self.page.changed.connect(self._page_changed)
        self.stack.addWidget(self.page)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 960])
        shortcut = QShortcut(QKeySequence("F5"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.reload)
        return splitter

    def reload(self, select: int | None = None) -> None:
        if self.page is None:
            return
        current = select if select is not None else self.current_session_id()
        try:
            sessions = self.ctx.service(SessionService).list_sessions(self.ctx.actor)
        except ReviewtoolError as exc:
            self.empty.setText(str(exc))
            return
        self.list.blockSignals(True)
        self.list.clear()
        for summary in sessions:
            self.list.addItem(_list_entry(summary))
        self.list.blockSignals(False)
        row = next((n for n, s in enumerate(sessions) if s.id == current), None)
        if row is None and sessions:
            row = next((n for n, s in enumerate(sessions) if s.status != "closed"), 0)
        if row is not None:
            self.list.setCurrentRow(row)
        else:
            self.stack.setCurrentWidget(self.empty)

    def current_session_id(self) -> int | None:
        entry = self.list.currentItem() if self.page is not None else None
        return None if entry is None else entry.data(Qt.ItemDataRole.UserRole)

    def _chosen(self, entry: QListWidgetItem | None, _previous=None) -> None:
        if entry is None or self.page is None:
            self.stack.setCurrentWidget(self.empty)
            return
        self.page.show_session(entry.data(Qt.ItemDataRole.UserRole))
        self.stack.setCurrentWidget(self.page)

    def _page_changed(self) -> None:
        session_id = self.current_session_id()
        sessions = {e.data(Qt.ItemDataRole.UserRole): e for e in (self.list.item(n) for n in range(self.list.count()))}
        if session_id in sessions and self.page is not None and self.page.view is not None:
            view = self.page.view
            entry = sessions[session_id]
            entry.setText(_entry_text(view.name, view.status, len(view.active_items)))

    def plan(self) -> PlanningDialog:
        dialog = PlanningDialog(self.ctx, self)
        dialog.exec()
        if dialog.session_id is not None:
            self.reload(select=dialog.session_id)
        return dialog

    def open_meeting(self, session_id: int) -> MeetingWindow | None:
        window = self.meetings.get(session_id)
        if window is not None and shiboken6.isValid(window):
            window.showNormal()
            if QGuiApplication.platformName() != "offscreen":  # no stacking order there (Qt warns)
                window.raise_()
            window.activateWindow()
            return window
        try:
            window = MeetingWindow(self.ctx, session_id)
        except ReviewtoolError as exc:
            from reviewtool.ui.sessions.common import show_problem

            show_problem(self, exc, "The meeting window could not open")
            return None
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        window.closed.connect(lambda sid=session_id: self._meeting_closed(sid))
        self.meetings[session_id] = window
        window.show()
        return window

    def _meeting_closed(self, session_id: int) -> None:
        self.meetings.pop(session_id, None)
        if self.page is not None and self.page.view is not None and self.page.view.id == session_id:
            self.page.reload()
        self.reload()

    def shutdown(self) -> None:
        """Called by the main window before it closes (and on signing out): the meeting windows close,
        committing any text being typed and releasing their players; My session stops polling."""
        for window in list(self.meetings.values()):
            if shiboken6.isValid(window):
                window.close()
        self.meetings.clear()
        if self.my_session is not None:
            self.my_session.shutdown()


def _entry_text(name: str, status: str, items: int) -> str:
    return f"{name}\n{SESSION_STATUS_WORDS.get(status, status)} · {items} item{'s' if items != 1 else ''}"


def _list_entry(summary: SessionSummary) -> QListWidgetItem:
    entry = QListWidgetItem(_entry_text(summary.name, summary.status, summary.items))
    entry.setData(Qt.ItemDataRole.UserRole, summary.id)
    if summary.status == "closed":
        entry.setForeground(Qt.GlobalColor.darkGray)
    return entry


__all__ = ["SessionsArea"]
