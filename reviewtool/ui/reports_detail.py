"""One officer's feedback: the report in progress, the supervisor's words, and each step of the loop.

The panel shows what the next step is and offers only that: make the draft; edit the summary and note,
open the PDF, approve (after a confirmation saying it becomes final); mark it given to the officer;
record the acknowledgement and the officer's response. Buttons for the supervisor's steps are shown
to the liaison officer too, disabled, with the reason: the service is what refuses.

Every call goes through `reviewtool.ui.tasks` (off the GUI thread); an expected refusal (someone else
changed the report, a date out of order) appears calmly under the buttons, and nothing is lost: the
edits stay in the boxes until they are saved.

"Open PDF" writes the stored document to a private temporary folder (the export is audited with the
person as recipient) and asks the desktop to open it; the files are deleted when the area closes.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Permission
from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.feedback import FeedbackService, OfficerFeedbackStatus, ReportView
from reviewtool.core.report_data import plain_text
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.flow_layout import FlowLayout
from reviewtool.ui.reports_dialogs import DayDialog, ResponseDialog, approval_box

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")

STATUS_WORDS = {"draft": "Draft — not yet approved", "approved": "Approved (final) — not yet given to the officer",
                "sent": "Given to the officer — waiting for their acknowledgement",
                "acknowledged": "Acknowledged by the officer"}

NEXT_WORDS = {"draft": "next: read it, add your words, save and approve",
              "approved": "next: give it to the officer and mark it given",
              "sent": "next: record the officer's acknowledgement",
              "acknowledged": "complete; the officer's response can still be recorded"}


def today() -> date:
    return datetime.now(LONDON).date()


def searches(n: int) -> str:
    return f"{n} search" if n == 1 else f"{n} searches"


def local_day(moment: datetime | None) -> date:
    return moment.astimezone(LONDON).date() if moment else today()


class ReportDetail(QWidget):
    changed = Signal()  # a report was made or moved on: the officer list should refresh

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service: FeedbackService = ctx.service(FeedbackService)
        self.officer: OfficerFeedbackStatus | None = None
        self.reports: list[ReportView] = []
        self.report: ReportView | None = None
        self.pdf_opener: Callable[[QUrl], Any] = QDesktopServices.openUrl
        self._scratch: Path | None = None
        self.opened_files: list[Path] = []
        self._dialog: Any = None

        self.heading = QLabel("Choose an officer on the left to see their feedback.")
        self.heading.setObjectName("detailHeading")
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.facts = QLabel()
        self.facts.setObjectName("facts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choice = QComboBox()
        self.choice.setObjectName("reportChoice")
        self.choice.setAccessibleName("Report")
        # A long report id must not widen the window: the box takes the width it is given.
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(24)
        self.choice.currentIndexChanged.connect(self._report_chosen)
        choice_label = QLabel("Repor&t:")
        choice_label.setBuddy(self.choice)

        self.preview = QTextBrowser()
        self.preview.setObjectName("preview")
        self.preview.setAccessibleName("Report preview")
        self.preview.setOpenLinks(False)
        self.preview.setMinimumHeight(120)

        self.summary = self._words_box("summary", "Summary for the officer")
        self.note = self._words_box("supervisorNote", "Supervisor's note")
        words = QGroupBox("Your words on the report")
        words.setObjectName("words")
        grid = QGridLayout(words)
        grid.setContentsMargins(8, 4, 8, 8)
        grid.setVerticalSpacing(4)
        for column, (caption, box) in enumerate((("S&ummary for the officer", self.summary),
                                                 ("Your &note (debrief)", self.note))):
            label = QLabel(caption)
            label.setBuddy(box)
            grid.addWidget(label, 0, column)
            grid.addWidget(box, 1, column)
            grid.setColumnStretch(column, 1)
        self.words = words

        # The preview and the supervisor's words share the height; the divider can be dragged.
        self.reading = QSplitter(Qt.Orientation.Vertical)
        self.reading.setObjectName("readingSplitter")
        self.reading.setChildrenCollapsible(False)
        self.reading.addWidget(self.preview)
        self.reading.addWidget(words)
        self.reading.setStretchFactor(0, 3)
        self.reading.setStretchFactor(1, 2)

        self.generate_button = self._button("Make the &draft", "generateButton", self.generate)
        self.save_button = self._button("Sa&ve changes", "saveButton", self.save)
        self.open_button = self._button("&Open PDF", "openPdfButton", self.open_pdf)
        self.approve_button = self._button("&Approve…", "approveReportButton", self.ask_approve)
        self.sent_button = self._button("Mark g&iven to officer…", "sentButton", self.ask_sent)
        self.ack_button = self._button("Mark ac&knowledged…", "ackButton", self.ask_acknowledged)
        self.response_button = self._button("Record res&ponse…", "responseButton", self.ask_response)
        self.step_buttons = (self.generate_button, self.save_button, self.open_button, self.approve_button,
                             self.sent_button, self.ack_button, self.response_button)
        buttons = FlowLayout()  # the steps wrap onto a second line in a narrow window
        for b in self.step_buttons:
            buttons.addWidget(b)
        self.message = QLabel()
        self.message.setObjectName("reportMessage")
        self.message.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        top = QHBoxLayout()
        top.addWidget(choice_label)
        top.addWidget(self.choice, 1)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addWidget(self.reading, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        chain = [self.choice, self.preview, self.summary, self.note, *self.step_buttons]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        self._update_buttons()

    def _words_box(self, name: str, accessible: str) -> QPlainTextEdit:
        box = QPlainTextEdit()
        box.setObjectName(name)
        box.setAccessibleName(accessible)
        box.setTabChangesFocus(True)
        box.setMinimumHeight(60)
        return box

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # -- what is shown -----------------------------------------------------------------------------
    def show_officer(self, officer: OfficerFeedbackStatus | None) -> None:
        self.officer = officer
        self.message.clear()
        if officer is None:
            self.heading.setText("Choose an officer on the left to see their feedback.")
            self.reports, self.report = [], None
            self._fill_choice()
            return
        self.heading.setText(f"{officer.name} — collar number {officer.identifier}"
                             + (f", {officer.team}" if officer.team else ""))
        identifier = officer.identifier
        tasks.run_task(self, lambda: self.service.reports_for_officer(self.ctx.actor, identifier),
                       self._reports_loaded, self._failed, title="Loading reports")

    @Slot(object)
    def _reports_loaded(self, reports: list[ReportView]) -> None:
        self.reports = reports
        self._fill_choice()

    def _fill_choice(self, keep: int | None = None) -> None:
        self.choice.blockSignals(True)
        self.choice.clear()
        for report in self.reports:
            self.choice.addItem(f"{report.report_id} — {report.status} ({searches(report.searches)})", report.id)
        self.choice.blockSignals(False)
        wanted = keep if keep is not None else (self.officer.open_report.id
                                                if self.officer and self.officer.open_report else None)
        index = next((n for n, r in enumerate(self.reports) if r.id == wanted), 0 if self.reports else -1)
        self.choice.setCurrentIndex(index)
        self._report_chosen(index)

    @Slot(int)
    def _report_chosen(self, index: int) -> None:
        self.report = self.reports[index] if 0 <= index < len(self.reports) else None
        report = self.report
        self.summary.setPlainText(report.summary if report else "")
        self.note.setPlainText(report.supervisor_note if report else "")
        self.preview.clear()
        if report is None:
            waiting = self.officer.pending_searches if self.officer else 0
            self.facts.setText(("1 reviewed search is waiting for a report." if waiting == 1 else
                                f"{waiting} reviewed searches are waiting for a report.") if waiting else "")
        else:
            self.facts.setText(self._facts(report))
            if report.status == "draft":
                report_id = report.id
                tasks.run_task(self, lambda: self.service.officer_report_data(self.ctx.actor, report_id),
                               self._preview_loaded, self._failed, title="Preparing the preview")
            else:
                self.preview.setPlainText(
                    "This report is final. Open the PDF to read exactly what was approved.\n\n"
                    + (f"Officer's response ({report.response_received_on:%d %b %Y}):\n{report.officer_response}"
                       if report.officer_response else "No response from the officer recorded yet."))
        self._update_buttons()

    @Slot(object)
    def _preview_loaded(self, data: Any) -> None:
        self.preview.setPlainText(plain_text(data))

    def _facts(self, r: ReportView) -> str:
        """The report's state, its figures, its steps so far and its fingerprint, a line each."""
        figures = f"{searches(r.searches)}: {r.green} green, {r.amber} amber, {r.red} red"
        if r.period_from and r.period_to:
            figures += f" · stops from {r.period_from:%d %b %Y} to {r.period_to:%d %b %Y}"
        steps = []
        if r.approved_by and r.approved_at:
            steps.append(f"approved by {r.approved_by} on {local_day(r.approved_at):%d %b %Y}")
        if r.sent_on:
            steps.append(f"given to the officer on {r.sent_on:%d %b %Y}")
        if r.acknowledged_on:
            steps.append(f"acknowledged on {r.acknowledged_on:%d %b %Y}")
        lines = [f"<b>{escape(STATUS_WORDS.get(r.status, r.status))}</b>"
                 + (f" · {escape(NEXT_WORDS[r.status])}" if r.status in NEXT_WORDS else ""), escape(figures)]
        if steps:
            said = " · ".join(steps)
            lines.append(escape(said[0].upper() + said[1:]))
        lines.append(f'<span style="color: #5b6470; font-size: small;">SHA-256 <code>{escape(r.pdf_sha256)}</code>'
                     '</span>')
        return "<br>".join(lines)

    def _may_supervise(self) -> bool:
        return bool(self.officer and self.ctx.can(Permission.SUPERVISE_FEEDBACK)
                    and self.officer.supervisor_id is not None and self.officer.supervisor_id == self.ctx.actor.user_id)

    def _update_buttons(self) -> None:
        report, supervise = self.report, self._may_supervise()
        status = report.status if report else None
        waiting = bool(self.officer and self.officer.pending_searches)
        self.generate_button.setEnabled(bool(self.officer) and (waiting or status == "draft"))
        self.generate_button.setText("Make the &draft again" if status == "draft" else "Make the &draft")
        self.save_button.setEnabled(supervise and status == "draft")
        self.words.setEnabled(supervise and status == "draft")
        self.open_button.setEnabled(report is not None)
        self.approve_button.setEnabled(supervise and status == "draft")
        self.sent_button.setEnabled(supervise and status == "approved")
        self.ack_button.setEnabled(supervise and status == "sent")
        self.response_button.setEnabled(supervise and status in ("approved", "sent", "acknowledged"))
        why = "" if supervise else "Only the officer's supervisor can do this."
        for b in (self.save_button, self.approve_button, self.sent_button, self.ack_button, self.response_button):
            b.setToolTip(why)

    # -- steps ------------------------------------------------------------------------------------------
    def generate(self) -> None:
        if self.officer is None:
            return
        identifier = self.officer.identifier
        self._busy("Making the draft…")
        tasks.run_task(self, lambda: self.service.generate_officer_report(self.ctx.actor, identifier),
                       self._document_made, self._failed, title="Making the draft")

    def save(self) -> None:
        report = self.report
        if report is None:
            return
        summary, note = self.summary.toPlainText(), self.note.toPlainText()
        self._busy("Saving…")
        tasks.run_task(self, lambda: self.service.update_draft(self.ctx.actor, report.id, summary=summary,
                                                               supervisor_note=note,
                                                               expected_version=report.version),
                       self._document_made, self._failed, title="Saving the draft")

    def ask_approve(self) -> None:
        if self.report is None or self.officer is None:
            return
        if self.summary.toPlainText() != self.report.summary or self.note.toPlainText() != self.report.supervisor_note:
            self.message.setText("Save your changes first: approval makes the saved draft final.")
            return
        box = approval_box(self, self.report.report_id, self.officer.name)
        box.accepted.connect(self._approve_confirmed)
        self._dialog = box
        box.open()

    @Slot()
    def _approve_confirmed(self) -> None:
        report = self.report
        assert report is not None
        self._busy("Approving…")
        tasks.run_task(self, lambda: self.service.approve(self.ctx.actor, report.id, expected_version=report.version),
                       self._document_made, self._failed, title="Approving the report")

    def ask_sent(self) -> None:
        report = self.report
        if report is None:
            return
        dialog = DayDialog("Given to the officer", "Given to the officer on", earliest=local_day(report.approved_at),
                           today=today(), parent=self, object_name="sentDialog")
        dialog.accepted.connect(self._sent_chosen)
        self._dialog = dialog
        dialog.open()

    @Slot()
    def _sent_chosen(self) -> None:
        report, on = self.report, self._dialog.chosen()
        assert report is not None
        tasks.run_task(self, lambda: self.service.mark_sent(self.ctx.actor, report.id, on,
                                                            expected_version=report.version),
                       self._moved_on, self._failed, title="Recording the date")

    def ask_acknowledged(self) -> None:
        report = self.report
        if report is None or report.sent_on is None:
            return
        dialog = DayDialog("Acknowledged", "Acknowledged by the officer on", earliest=report.sent_on, today=today(),
                           parent=self, object_name="ackDialog")
        dialog.accepted.connect(self._ack_chosen)
        self._dialog = dialog
        dialog.open()

    @Slot()
    def _ack_chosen(self) -> None:
        report, on = self.report, self._dialog.chosen()
        assert report is not None
        tasks.run_task(self, lambda: self.service.mark_acknowledged(self.ctx.actor, report.id, on,
                                                                    expected_version=report.version),
                       self._moved_on, self._failed, title="Recording the acknowledgement")

    def ask_response(self) -> None:
        report = self.report
        if report is None or self.officer is None:
            return
        dialog = ResponseDialog(self.officer.name, current=report.officer_response,
                                earliest=local_day(report.approved_at), today=today(), parent=self)
        dialog.accepted.connect(self._response_given)
        self._dialog = dialog
        dialog.open()

    @Slot()
    def _response_given(self) -> None:
        report, text, on = self.report, self._dialog.response(), self._dialog.received_on()
        assert report is not None
        tasks.run_task(self, lambda: self.service.record_response(self.ctx.actor, report.id, text, on,
                                                                  expected_version=report.version),
                       self._moved_on, self._failed, title="Recording the response")

    def open_pdf(self) -> None:
        report = self.report
        if report is None:
            return
        recipient = f"{self.ctx.actor.username} (opened on screen)"
        tasks.run_task(self, lambda: self.service.export_pdf(self.ctx.actor, report.id, recipient=recipient),
                       self._pdf_ready, self._failed, title="Opening the PDF")

    @Slot(object)
    def _pdf_ready(self, pdf: bytes) -> None:
        assert self.report is not None
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="reviewtool-reports-"))
        path = self._scratch / f"{self.report.report_id}.pdf"
        path.write_bytes(pdf)
        path.chmod(0o600)
        self.opened_files.append(path)
        self.pdf_opener(QUrl.fromLocalFile(str(path)))
        self.message.setText(f"Opened {path.name}. The copy is deleted when you leave the app.")

    def forget_opened_files(self) -> None:
        """Delete the PDFs written for viewing: personal data does not linger in temp folders."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        self.opened_files.clear()

    # -- outcomes --------------------------------------------------------------------------------------
    def _busy(self, text: str) -> None:
        self.message.setText(text)

    @Slot(object)
    def _document_made(self, document: Any) -> None:
        self.message.setText(f"{document.report.report_id}: {STATUS_WORDS.get(document.report.status, '')} "
                             f"({document.page_count} pages).")
        self._after_change(document.report)

    @Slot(object)
    def _moved_on(self, report: ReportView) -> None:
        self.message.setText(f"{report.report_id}: {STATUS_WORDS.get(report.status, report.status)}.")
        self._after_change(report)

    def _after_change(self, report: ReportView) -> None:
        self.reports = [report] + [r for r in self.reports if r.id != report.id]
        self.reports.sort(key=lambda r: r.id, reverse=True)
        self._fill_choice(keep=report.id)
        self.changed.emit()

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ReviewtoolError):
            self.message.setText(str(exc))
            log.info("report step refused: %s", exc)
            return
        tasks.report_error(self, exc, "Reports")
