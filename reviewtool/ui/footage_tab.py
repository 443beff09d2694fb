"""The Footage tab of Stops & footage: every ingested clip, whether it can be played, its redactions,
and how long the force keeps it.

Status, in the order a liaison would fix things: *file missing* (the clip is not where it was
ingested from), *index missing* (its FrameIndex is gone: ingest it again), *ingested* (needs approved
redactions before a panel may see it), *ready*.  "Keep until" and "Days left" count the force's own
deletion period, `force_deletion_days` (a setting), from capture, or from ingest when the capture time
is unknown -- not `retention_days`, which is how long this tool keeps its own copies after a session.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFileDialog, QPushButton, QVBoxLayout, QWidget

from reviewtool.core.auth import Permission
from reviewtool.core.browse import FootageRow, list_footage
from reviewtool.core.footage_service import MEDIA_SUFFIXES, FootageService, IngestOutcome, VerifyOutcome
from reviewtool.core.settings import SettingsService
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.models import RIGHT, Column
from reviewtool.ui.prefs import last_folder, remember_folder
from reviewtool.ui.result_dialogs import ResultDialog, ingest_result, verify_result
from reviewtool.ui.table_panel import TablePanel

log = logging.getLogger(__name__)

STATUS_TEXT = {"ready": "Ready", "ingested": "Ingested", "file missing": "File missing",
               "index missing": "Index missing", "purged": "Purged"}
STATUS_TONE = {"ready": "good", "ingested": None, "file missing": "bad", "index missing": "bad", "purged": "muted"}
REDACTION_TEXT = {"none": "None yet", "draft": "Draft", "approved": "Approved"}
REDACTION_TONE = {"none": "warn", "draft": "warn", "approved": "good"}


def _length(row: FootageRow) -> str:
    seconds = int(round(row.duration_s))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _days_left(row: FootageRow) -> str:
    if row.purged_at is not None:
        return "—"
    if row.days_left < 0:
        return f"{-row.days_left} days ago"
    return "today" if row.days_left == 0 else f"{row.days_left} day{'s' if row.days_left != 1 else ''}"


def _days_tone(row: FootageRow) -> str | None:
    if row.purged_at is not None:
        return "muted"
    return "bad" if row.days_left <= 3 else "warn" if row.days_left <= 7 else None


def _status_tip(row: FootageRow) -> str:
    return {"file missing": f"Not found at {row.file_path}. Put it back, or ingest it again from where it is now.",
            "index missing": "The frame index is missing: ingest the clip again before it can be played.",
            "ingested": "Needs approved redactions before the panel may see it.",
            "ready": "Present, indexed and redactions approved.",
            "purged": "This tool's copies were erased under its retention rule (days after the last session)."
            }.get(row.status, "")


FOOTAGE_COLUMNS: tuple[Column[FootageRow], ...] = (
    Column("File", lambda r: r.file_name, width=190, tooltip=lambda r: r.file_path),
    Column("Stop records", lambda r: ", ".join(r.stops), text=lambda r: ", ".join(r.stops) or "not linked", width=170),
    Column("Length", lambda r: r.duration_s, text=_length, align=RIGHT, width=70),
    Column("Status", lambda r: r.status, text=lambda r: STATUS_TEXT[r.status], width=120,
           colour=lambda r: STATUS_TONE[r.status], tooltip=_status_tip),
    Column("Redactions", lambda r: r.redaction, text=lambda r: REDACTION_TEXT.get(r.redaction, r.redaction),
           width=110, colour=lambda r: REDACTION_TONE.get(r.redaction),
           tooltip=lambda r: f"Last saved by {r.redaction_by}" if r.redaction_by else ""),
    Column("Keep until", lambda r: r.kept_until.isoformat(), text=lambda r: f"{r.kept_until:%d %b %Y}", width=120,
           tooltip=lambda r: "The force deletes its copy on this day: its deletion period (a setting) counted "
                             "from capture (or from ingest when the capture time is not known)."),
    Column("Days left", lambda r: r.days_left, text=_days_left, align=RIGHT, width=100, colour=_days_tone),
    Column("Ingested", lambda r: r.ingested_at.isoformat(), text=lambda r: f"{r.ingested_at:%d %b %Y}",
           tooltip=lambda r: f"by {r.ingested_by}", width=110),
)


class FootageTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.last_result: ResultDialog | None = None
        self.panel = TablePanel(FOOTAGE_COLUMNS, ("clip", "clips"), search_hint="File name or stop reference…",
                                sort=(6, Qt.SortOrder.AscendingOrder))
        self.panel.setObjectName("footagePanel")
        self.panel.add_choice_filter("status", "S&tatus:", lambda r: STATUS_TEXT[r.status], "Any status")
        self.panel.add_choice_filter("redaction", "Re&dactions:",
                                     lambda r: REDACTION_TEXT.get(r.redaction, r.redaction), "Any")

        self.ingest_button = QPushButton("I&ngest footage…")
        self.ingest_button.setObjectName("ingestFootage")
        self.ingest_button.setToolTip("Add body-worn-video clips: each is hashed and indexed frame by frame")
        self.ingest_button.clicked.connect(self.ingest)
        self.verify_button = QPushButton("&Verify footage")
        self.verify_button.setObjectName("verifyFootage")
        self.verify_button.setToolTip("Check every clip is still present and unchanged, byte for byte")
        self.verify_button.clicked.connect(self.verify)
        self.panel.add_action_button(self.ingest_button)
        self.panel.add_action_button(self.verify_button)
        self.editor_button: QPushButton | None = None
        if ctx.can(Permission.EDIT_REDACTIONS):
            self.editor_button = QPushButton("Open in redaction &editor")
            self.editor_button.setObjectName("openEditor")
            self.editor_button.setEnabled(False)
            self.editor_button.clicked.connect(self.open_editor)
            self.panel.add_action_button(self.editor_button)
            self.panel.activated.connect(self._open_row)
        self.panel.finish_actions()
        self.panel.selection_changed.connect(self._selection_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.panel)

    # -- data ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        db, actor = self.ctx.db, self.ctx.actor
        settings = self.ctx.service(SettingsService)

        def read() -> list[FootageRow]:
            return list_footage(db, actor, force_deletion_days=int(settings.get("force_deletion_days")))

        tasks.run_task(self, read, self._loaded, title="Reading footage")

    def _loaded(self, rows: Sequence[FootageRow]) -> None:
        self.panel.set_rows(rows)

    @Slot(object)
    def _selection_changed(self, row: FootageRow | None) -> None:
        if self.editor_button is not None:
            self.editor_button.setEnabled(row is not None and row.status in ("ready", "ingested"))

    # -- ingest and verify -----------------------------------------------------------------------------
    def choose_files(self) -> list[Path]:
        """Ask for the clips to ingest (the tests replace this method)."""
        patterns = " ".join(f"*{s}" for s in sorted(MEDIA_SUFFIXES))
        names, _ = QFileDialog.getOpenFileNames(self, "Ingest footage", last_folder("footage"),
                                                f"Video clips ({patterns});;All files (*)")
        if names:
            remember_folder("footage", Path(names[0]).parent)
        return [Path(n) for n in names]

    @Slot()
    def ingest(self) -> None:
        paths = self.choose_files()
        if not paths:
            return
        service, actor = self.ctx.service(FootageService), self.ctx.actor
        tasks.run_job(self, lambda: service.ingest(actor, paths), "Ingesting footage", self._ingested)

    def _ingested(self, outcomes: list[IngestOutcome]) -> None:
        self.last_result = ingest_result(outcomes, self)
        self.last_result.open()
        self.refresh()

    @Slot()
    def verify(self) -> None:
        service, actor = self.ctx.service(FootageService), self.ctx.actor
        tasks.run_job(self, lambda: service.verify(actor), "Verifying footage", self._verified)

    def _verified(self, outcome: VerifyOutcome) -> None:
        self.last_result = verify_result(outcome, self)
        self.last_result.open()
        self.refresh()

    # -- the redaction editor --------------------------------------------------------------------------
    @Slot(object)
    def _open_row(self, row: FootageRow) -> None:
        if self.editor_button is not None and self.editor_button.isEnabled():
            self.open_editor()

    @Slot()
    def open_editor(self) -> None:
        row = self.panel.selected_row()
        if row is None:
            return
        from reviewtool.ui.editor import open_redaction_editor

        open_redaction_editor(self.ctx, row.id, self)
