"""Reports: officer feedback that has to reach officers, through their supervisors.

A supervisor sees the officers they supervise who have reviewed searches waiting for a report, or a
report still on its way (draft, approved, given to the officer); the liaison officer and the admin
see every officer. Choosing one shows their report and the next step (`ReportDetail`). "Make all
drafts" runs the batch as a cancellable job with a progress dialog; each officer's draft is its own
transaction, so cancelling keeps the drafts already made.

The area is laid out for a 1280x720 laptop screen without widening the window: four sized-to-fit
columns in the list, the report's steps wrapping onto a second line, and the preview and the
supervisor's words sharing the height (every step has an Alt+letter).

Session minutes, certificates and the public summary are made from the command line
(`reviewtool report session|certificate|public`) in this version.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from reviewtool.core.auth import Permission
from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.feedback import BatchOutcome, FeedbackService, OfficerFeedbackStatus
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.models import RIGHT, Column
from reviewtool.ui.reports_detail import ReportDetail
from reviewtool.ui.table_panel import TablePanel

log = logging.getLogger(__name__)

_STATUS = {None: "No report yet", "draft": "Draft", "approved": "Approved", "sent": "Given to officer"}


def _status(row: OfficerFeedbackStatus) -> str:
    return _STATUS.get(row.open_report.status if row.open_report else None, "")


def _tone(row: OfficerFeedbackStatus) -> str | None:
    report = row.open_report
    if report is None or report.status == "draft":
        return "warn"
    return "muted"


def _waiting_tip(row: OfficerFeedbackStatus) -> str:
    n = row.pending_searches
    return f"{n} reviewed search{'' if n == 1 else 'es'} not yet in an approved report"


# Four columns fit beside the report at 1280 px; the next step is in the Report cell's tooltip and
# spelled out on the right, and the team is found by the search and shown in the heading.
COLUMNS: tuple[Column[OfficerFeedbackStatus], ...] = (
    Column("Collar number", lambda r: r.identifier),
    Column("Officer", lambda r: r.name, tooltip=lambda r: r.team and f"Team: {r.team}"),
    Column("Waiting", lambda r: r.pending_searches, align=RIGHT, searchable=False, tooltip=_waiting_tip),
    Column("Report", _status, colour=_tone, tooltip=lambda r: f"Next step: {r.next_step}"),
    Column("Team", lambda r: r.team),  # hidden
)
STRETCHED_COLUMN, TEAM_COLUMN = 3, 4
MAX_COLUMN_WIDTH = 200  # a long name is cut (the full text is in the tooltip) rather than widen the list


class ReportsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportsArea")
        self.ctx = ctx
        self.service: FeedbackService = ctx.service(FeedbackService)
        self.last_batch: BatchOutcome | None = None
        self._reloading = False

        title = QLabel("Officer feedback")
        title.setObjectName("areaHeading")  # the house style of every area's heading
        supervising = ctx.can(Permission.SUPERVISE_FEEDBACK)
        intro = QLabel("The officers you supervise whose searches the panel has reviewed. Make the report, add "
                       "your words, approve it, give it to the officer and record their response."
                       if supervising else
                       "Every officer whose searches the panel has reviewed, and where their feedback has got "
                       "to. Their supervisor approves each report and records that it reached the officer.")
        intro.setObjectName("areaIntro")
        intro.setWordWrap(True)

        self.officers = TablePanel(COLUMNS, ("officer", "officers"), search_hint="Collar number, name or team")
        self.officers.setObjectName("officerTable")
        self.officers.table.setColumnHidden(TEAM_COLUMN, True)
        headings = self.officers.table.horizontalHeader()
        headings.setStretchLastSection(False)  # the last column (Team) is hidden: Report takes the rest
        headings.setSectionResizeMode(STRETCHED_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setObjectName("refreshButton")
        self.refresh_button.clicked.connect(self.refresh)
        self.batch_button = QPushButton("&Make all drafts…")
        self.batch_button.setObjectName("batchButton")
        self.batch_button.setToolTip("A draft report for every officer in this list with searches waiting")
        self.batch_button.clicked.connect(self.make_all_drafts)
        self.officers.add_action_button(self.refresh_button)
        self.officers.add_action_button(self.batch_button)
        self.officers.finish_actions()
        self.status = QLabel()
        self.status.setObjectName("areaStatus")
        self.status.setWordWrap(True)
        self.batch_result = QLabel()
        self.batch_result.setObjectName("batchResult")
        self.batch_result.setWordWrap(True)

        self.detail = ReportDetail(ctx, self)
        self.detail.changed.connect(self.refresh)
        self.officers.selection_changed.connect(self._officer_selected)

        # The list on the left, the chosen officer's report on the right; at 1280 px wide both fit
        # without the window growing (the divider can be dragged, and neither side can be lost).
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("reportsSplitter")
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.officers, 1)
        left_layout.addWidget(self.status)
        left_layout.addWidget(self.batch_result)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([490, 550])

        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        layout.addLayout(header)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        self._fit_columns()
        self.refresh()

    # -- the shell's hooks -------------------------------------------------------------------------
    def activated(self) -> None:
        self.refresh()

    def shutdown(self) -> None:
        self.detail.forget_opened_files()

    # -- the list ----------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        tasks.run_task(self, lambda: self.service.officers_with_pending_feedback(self.ctx.actor), self._loaded,
                       self._failed, title="Loading officers")

    @Slot(object)
    def _loaded(self, rows: list[OfficerFeedbackStatus]) -> None:
        current = self.detail.officer
        self._reloading = True  # the table's own reselection must not switch the officer shown
        try:
            self.officers.set_rows(rows)
            self.officers.table.clearSelection()
        finally:
            self._reloading = False
        self._fit_columns()
        self.batch_button.setEnabled(any(r.pending_searches for r in rows))
        if not rows:
            self.status.setText("No officer has feedback waiting.")
            return
        self.status.setText(f"{sum(1 for r in rows if r.pending_searches)} officers with searches waiting for a "
                            "report.")
        if current is not None:
            # An officer whose feedback is complete leaves the list; their report stays on the right
            # until another officer is chosen, so the last step (the response) can still be recorded.
            self.select_officer(current.identifier)

    def _fit_columns(self) -> None:
        """Each column as wide as its heading and its widest entry (capped); the Report column takes the rest."""
        table = self.officers.table
        for n in range(STRETCHED_COLUMN):
            table.resizeColumnToContents(n)
            table.setColumnWidth(n, min(table.columnWidth(n), MAX_COLUMN_WIDTH))

    def select_officer(self, identifier: str) -> bool:
        """Select the officer's row (after a refresh, or from a test); False if they are not listed."""
        view, proxy = self.officers.table, self.officers.proxy
        for n in range(proxy.rowCount()):
            row = proxy.row_at(proxy.index(n, 0))
            if row.identifier == identifier:
                view.selectRow(n)  # shows the officer, unless they were shown already
                if row != self.detail.officer:
                    self.detail.show_officer(row)  # same row, fresher figures
                return True
        return False

    @Slot(object)
    def _officer_selected(self, row: Any) -> None:
        if row is not None and not self._reloading and row != self.detail.officer:
            self.detail.show_officer(row)

    # -- the batch ---------------------------------------------------------------------------------
    @Slot()
    def make_all_drafts(self) -> None:
        self.batch_button.setEnabled(False)
        self.batch_result.setText("Making the drafts…")
        tasks.run_job(self, lambda: self.service.generate_officer_reports(self.ctx.actor),
                      "Making feedback reports", self._batch_done, self._failed,
                      on_cancelled=self._batch_cancelled)

    @Slot(object)
    def _batch_done(self, outcome: BatchOutcome) -> None:
        self.last_batch = outcome
        text = f"{len(outcome.generated)} draft reports made."
        if outcome.skipped:
            text += " Not made: " + "; ".join(f"{who}: {why}" for who, why in outcome.skipped)
        self.batch_result.setText(text)
        self.refresh()

    @Slot()
    def _batch_cancelled(self) -> None:
        self.batch_result.setText("Stopped. The drafts made before you cancelled are kept.")
        self.refresh()

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self.batch_button.setEnabled(True)
        if isinstance(exc, ReviewtoolError):
            self.status.setText(str(exc))
            return
        tasks.report_error(self, exc, "Reports")
