"""Stops & footage: the stop records imported from the force and the clips ingested for them.

Two tabs.  *Stop records* (anyone with VIEW_STOPS: liaison, supervisor, administrator) lists every
stop with filters for area, month, officer and outcome, and — for the liaison — imports new files.
*Footage* (INGEST: the liaison only; supervisors never handle footage) lists every clip with whether it
can be played (file present, FrameIndex present), its redaction state, and how many days remain
before the force deletes its copy; it ingests, verifies, and opens a clip in the redaction editor.

Lists are read off the GUI thread (`tasks.run_task`) and long work runs as core jobs
(`tasks.run_job`) with the delayed, cancellable progress dialog.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Permission
from reviewtool.core.browse import StopRow, list_stops
from reviewtool.core.stop_import import FileImportReport, StopImportService
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.models import Column
from reviewtool.ui.prefs import last_folder, remember_folder
from reviewtool.ui.result_dialogs import ResultDialog, import_result
from reviewtool.ui.table_panel import TablePanel

log = logging.getLogger(__name__)


def _when(row: StopRow) -> str:
    return f"{row.local_time:%d %b %Y %H:%M}"


def _clips(row: StopRow) -> str:
    n = len(row.clips)
    if n:
        return f"{n} clip" if n == 1 else f"{n} clips"
    return "named, not ingested" if row.footage_refs else "—"


STOP_COLUMNS: tuple[Column[StopRow], ...] = (
    Column("Reference", lambda r: r.reference, width=140),
    Column("Date and time", lambda r: r.occurred_at.isoformat(), text=_when, width=150),
    Column("Area", lambda r: r.area, width=135),
    Column("Officer", lambda r: r.officer, width=80),
    Column("Outcome", lambda r: r.outcome, width=200, tooltip=lambda r: r.outcome),
    Column("Object of search", lambda r: r.object_of_search, width=170, tooltip=lambda r: r.object_of_search),
    Column("Type", lambda r: r.type, width=170),
    Column("Footage", lambda r: len(r.clips), text=_clips, width=90),
    Column("Legislation", lambda r: r.legislation, width=260, tooltip=lambda r: r.legislation),
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class StopsTab(QWidget):
    """The stop-record list, its filters, a detail pane for the selected stop, and Import."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.last_result: ResultDialog | None = None
        self.panel = TablePanel(STOP_COLUMNS, ("stop record", "stop records"),
                                search_hint="Reference, officer, type, object, outcome…",
                                sort=(1, Qt.SortOrder.DescendingOrder))
        self.panel.setObjectName("stopsPanel")
        self.panel.add_choice_filter("area", "&Area:", lambda r: r.area, "All areas")
        self.panel.add_choice_filter("month", "&Month:", lambda r: r.month, "All months", newest_first=True)
        self.panel.add_choice_filter("officer", "O&fficer:", lambda r: r.officer, "All officers")
        self.panel.add_choice_filter("outcome", "O&utcome:", lambda r: r.outcome, "All outcomes")
        self.import_button: QPushButton | None = None
        if ctx.can(Permission.IMPORT):
            self.import_button = QPushButton("&Import stop records…")
            self.import_button.setObjectName("importStops")
            self.import_button.setToolTip("Add stop records from a police.uk CSV or JSON file or a force export")
            self.import_button.clicked.connect(self.import_stops)
            self.panel.add_action_button(self.import_button)
        self.panel.finish_actions("" if ctx.can(Permission.IMPORT) else "Read only: stop records are imported by the "
                                  "community liaison officer.")

        self.details = QLabel()
        self.details.setObjectName("stopDetails")
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setMinimumHeight(90)
        self.panel.selection_changed.connect(self._show_details)
        self._show_details(None)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("stopsSplit")
        split.setChildrenCollapsible(False)
        split.addWidget(self.panel)
        split.addWidget(self.details)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(split)

    # -- data ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        db, actor = self.ctx.db, self.ctx.actor
        tasks.run_task(self, lambda: list_stops(db, actor), self._loaded, title="Reading stop records")

    def _loaded(self, rows: Sequence[StopRow]) -> None:
        self.panel.set_rows(rows)

    @Slot(object)
    def _show_details(self, row: StopRow | None) -> None:
        if row is None:
            self.details.setText("<i>Select a stop record to see its grounds and footage.</i>")
            return
        clips = ", ".join(row.clips) if self.ctx.can(Permission.INGEST) else _clips(row)
        if not row.clips and row.footage_refs:
            clips = f"named in the file ({row.footage_refs}) but not ingested yet"
        facts = " · ".join(_escape(x) for x in (_when(row), row.area, row.team, f"officer {row.officer}"
                                                 if row.officer else "", row.type) if x)
        self.details.setText(
            f"<b>{_escape(row.reference)}</b> — {facts}<br>"
            f"<b>Power:</b> {_escape(row.legislation or '(not recorded)')}; "
            f"<b>object:</b> {_escape(row.object_of_search or '(not recorded)')}; "
            f"<b>outcome:</b> {_escape(row.outcome or '(not recorded)')}<br>"
            f"<b>Grounds:</b> {_escape(row.grounds or '(none written)')}<br>"
            f"<b>Footage:</b> {_escape(clips or '—')}")

    # -- import ----------------------------------------------------------------------------------------
    def choose_files(self) -> list[Path]:
        """Ask for the files to import (the tests replace this method)."""
        folder = last_folder("stops")
        names, _ = QFileDialog.getOpenFileNames(self, "Import stop records", folder,
                                                "Stop records (*.csv *.json);;All files (*)")
        if names:
            remember_folder("stops", Path(names[0]).parent)
        return [Path(n) for n in names]

    @Slot()
    def import_stops(self) -> None:
        paths = self.choose_files()
        if not paths:
            return
        service = self.ctx.service(StopImportService)
        actor = self.ctx.actor
        tasks.run_job(self, lambda: service.import_files(actor, paths), "Importing stop records", self._imported)

    def _imported(self, reports: list[FileImportReport]) -> None:
        log.info("imported: %s", "; ".join(r.summary() for r in reports))
        self.last_result = import_result(reports, self)
        self.last_result.open()
        self.refresh()


class StopsArea(QWidget):
    """The shell's "Stops & footage" area."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stopsArea")
        self.ctx = ctx
        heading = QLabel("Stops & footage" if ctx.can(Permission.INGEST) else "Stop records")
        heading.setObjectName("areaHeading")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("stopsTabs")
        self.stops = StopsTab(ctx)
        self.tabs.addTab(self.stops, "Stop &records")
        self.footage = None
        if ctx.can(Permission.INGEST):
            from reviewtool.ui.footage_tab import FootageTab

            self.footage = FootageTab(ctx)
            self.tabs.addTab(self.footage, "F&ootage")
        else:
            self.tabs.tabBar().hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 10)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)
        refresh = QShortcut(QKeySequence.StandardKey.Refresh, self)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.activated.connect(self.activated)

    @Slot()
    def activated(self) -> None:
        """Brought to the front: re-read the lists (another window may have changed them)."""
        self.stops.refresh()
        if self.footage is not None:
            self.footage.refresh()
