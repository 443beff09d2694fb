"""One session as the liaison officer prepares, starts, runs and closes it.

At the top: what state it is in and the one or two things to do next. Below that, "before the
meeting can start": every clip whose redactions are not approved (the session cannot start until they
are, or the item is removed with a reason), the quorum, and -- not blocking -- the sampled stops with
no footage, which are findings to follow up. Then the agenda and the attendance.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.planning import PlanningService
from reviewtool.core.sessions import Readiness, SessionService, SessionView
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.agenda import AgendaPanel
from reviewtool.ui.sessions.attendance import AttendancePanel
from reviewtool.ui.sessions.certificate import CertificateDialog
from reviewtool.ui.sessions.common import (
    SESSION_STATUS_WORDS,
    Banner,
    attempt,
    confirm,
    heading,
    quiet,
    show_problem,
)


class SessionPage(QWidget):
    """Signals: `openMeeting(int)` (session id) and `changed()` (status, items or attendance)."""

    openMeeting = Signal(int)
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sessions: SessionService = ctx.service(SessionService)
        self.view: SessionView | None = None
        self.readiness: Readiness | None = None
        self.setObjectName("sessionPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.title = heading("")
        self.title.setObjectName("sessionTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.subtitle = quiet("")
        self.subtitle.setObjectName("sessionSubtitle")
        layout.addWidget(self.subtitle)

        actions = QHBoxLayout()
        self.start_button = QPushButton("Start the meeting…")
        self.start_button.setObjectName("startButton")
        self.start_button.clicked.connect(self.start)
        self.open_button = QPushButton("Open the meeting window")
        self.open_button.setObjectName("openMeetingButton")
        self.open_button.clicked.connect(lambda: self.view and self.openMeeting.emit(self.view.id))
        self.close_button = QPushButton("Close the session…")
        self.close_button.setObjectName("closeSessionButton")
        self.close_button.clicked.connect(self.close_session)
        self.certificate_button = QPushButton("Sampling certificate…")
        self.certificate_button.setObjectName("certificateButton")
        self.certificate_button.clicked.connect(self.show_certificate)
        for b in (self.start_button, self.open_button, self.close_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.certificate_button)
        layout.addLayout(actions)

        self.readiness_banner = Banner()
        self.readiness_banner.setObjectName("readinessBanner")
        layout.addWidget(self.readiness_banner)
        self.findings_banner = Banner()
        self.findings_banner.setObjectName("findingsBanner")
        layout.addWidget(self.findings_banner)

        self.tabs = QTabWidget()
        self.agenda = AgendaPanel(ctx)
        self.attendance = AttendancePanel(ctx)
        self.tabs.addTab(self.agenda, "Agenda")
        self.tabs.addTab(self.attendance, "Attendance and quorum")
        layout.addWidget(self.tabs, 1)
        self.agenda.changed.connect(self.reload)
        self.attendance.changed.connect(self.reload)
        self.empty = QLabel("")

    # --- data -------------------------------------------------------------------------------------------

    def show_session(self, session_id: int) -> None:
        try:
            self.view = self.sessions.get(self.ctx.actor, session_id)
            self.readiness = self.sessions.readiness(self.ctx.actor, session_id)
        except ReviewtoolError as exc:
            show_problem(self, exc, "The session could not be read")
            return
        self._show()

    def reload(self) -> None:
        if self.view is not None:
            self.show_session(self.view.id)
            self.changed.emit()

    def _show(self) -> None:
        view, ready = self.view, self.readiness
        assert view is not None and ready is not None
        self.title.setText(view.name)
        items = view.active_items
        removed = len(view.items) - len(items)
        when = view.created_at.astimezone().strftime("%d %b %Y")
        self.subtitle.setText(
            f"{SESSION_STATUS_WORDS.get(view.status, view.status)} · {len(items)} item{'s' if len(items) != 1 else ''}"
            + (f" ({removed} removed)" if removed else "") + f" · planned by {view.created_by} on {when}"
            + f" · form: {view.rubric_title} (v{view.rubric_version})")
        planned, running = view.status == "planned", view.status == "running"
        self.start_button.setVisible(planned)
        self.start_button.setEnabled(ready.can_start)
        self.start_button.setToolTip("" if ready.can_start else "\n".join(ready.reasons_not_to_start()))
        self.open_button.setVisible(running)
        self.close_button.setVisible(running)
        self.certificate_button.setEnabled(view.sampling_run_id is not None)
        if planned:
            reasons = ready.reasons_not_to_start()
            if reasons:
                text = "<b>Before the meeting can start:</b><ul>" + "".join(f"<li>{_html(r)}</li>" for r in reasons) + \
                       "</ul>Approve the redactions in the redaction editor, or remove the item with a reason."
                if ready.blocking == () and not ready.quorum_met:
                    text = "<b>Before the meeting can start:</b><ul>" + "".join(
                        f"<li>{_html(r)}</li>" for r in reasons) + "</ul>Record attendance on the second tab."
                self.readiness_banner.show_message(text, "warn")
            else:
                self.readiness_banner.show_message("✓ Ready to start: every clip's redactions are approved and the "
                                                   "quorum is met.", "ok")
        elif running:
            self.readiness_banner.show_message("The meeting is in progress. Open the meeting window to run it.", "info")
        else:
            self.readiness_banner.show_message("This session is closed. Its answers and consensus are kept for the "
                                               "minutes and officer feedback.", "info")
        if ready.findings:
            self.findings_banner.show_message(
                "<b>Findings to follow up (not blocking):</b><ul>"
                + "".join(f"<li>{_html(p.message)}</li>" for p in ready.findings) + "</ul>", "info")
        else:
            self.findings_banner.hide()
        self.agenda.show_session(view)
        self.attendance.show_session(view)

    # --- actions ----------------------------------------------------------------------------------------

    def start(self) -> None:
        view, ready = self.view, self.readiness
        if view is None or ready is None:
            return
        if not ready.can_start:
            show_problem(self, ReviewtoolError("The session cannot start yet: " + "; ".join(ready.reasons_not_to_start())))
            return
        if not confirm(self, "Start the meeting?",
                       f"Start “{view.name}” with {ready.quorum_present} members present?",
                       "Start the meeting",
                       detail="Once started, the agenda is fixed except for removing an item with a reason, and "
                              "answers can be entered. The wellbeing notice is shown before the first clip."):
            return
        if attempt(self, lambda: self.sessions.start(self.ctx.actor, view.id), "The meeting did not start"):
            self.reload()
            self.openMeeting.emit(view.id)

    def close_session(self) -> None:
        if self.view is not None and confirm_and_close(self, self.ctx, self.view):
            self.reload()

    def show_certificate(self) -> None:
        view = self.view
        if view is None:
            return
        try:
            run = self.ctx.service(PlanningService).run_for_session(self.ctx.actor, view.id)
        except ReviewtoolError as exc:
            show_problem(self, exc)
            return
        if run is not None:
            CertificateDialog(self.ctx, run, view.name, self).exec()


def confirm_and_close(parent: QWidget, ctx: AppContext, view: SessionView) -> bool:
    """Ask, then close the session; True if it was closed."""
    open_items = [it for it in view.items if it.status in ("pending", "shown")]
    detail = "Nothing more can be scored or agreed once it is closed."
    if open_items:
        detail = (f"{len(open_items)} item(s) have not been revealed; they stay as they are and the minutes "
                  "show them. " + detail)
    if not confirm(parent, "Close the session?", f"Close “{view.name}” and end the meeting?", "Close the session",
                   detail=detail, danger=True):
        return False
    sessions: SessionService = ctx.service(SessionService)
    return attempt(parent, lambda: sessions.close(ctx.actor, view.id), "The session was not closed")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
