"""What an import, ingest or verification did, said plainly, with the details in a table to copy.

A bad row is never silently dropped (DESIGN section 3): after an import every skipped row is listed
with its row number, field and reason, so the liaison can correct the file and import it again (rows
already imported are recognised and not duplicated).
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.footage_service import IngestOutcome, VerifyOutcome
from reviewtool.core.stop_import import FileImportReport


class ResultDialog(QDialog):
    """A heading, a sentence or two, and (when there is something to list) a table."""

    def __init__(self, title: str, heading: str, summary: str, headers: Sequence[str],
                 rows: Sequence[Sequence[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultDialog")
        self.setWindowTitle(title)
        self.rows = [list(r) for r in rows]
        self.headers = list(headers)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        head = QLabel(heading)
        head.setObjectName("dialogHeading")
        head.setWordWrap(True)
        layout.addWidget(head)
        self.summary = QLabel(summary)
        self.summary.setObjectName("resultSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.table: QTableWidget | None = None
        if self.rows:
            table = QTableWidget(len(self.rows), len(self.headers))
            table.setObjectName("resultTable")
            table.setHorizontalHeaderLabels(self.headers)
            table.verticalHeader().hide()
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setTabKeyNavigation(False)
            for r, row in enumerate(self.rows):
                for c, text in enumerate(row):
                    table.setItem(r, c, QTableWidgetItem(text))
            table.resizeColumnsToContents()
            table.horizontalHeader().setSectionResizeMode(len(self.headers) - 1, QHeaderView.ResizeMode.Stretch)
            layout.addWidget(table, 1)
            self.table = table
            copy = QPushButton("&Copy list")
            copy.clicked.connect(self.copy_rows)
            buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
            self.resize(760, 460)
        else:
            self.resize(520, 180)
        layout.addWidget(buttons)

    @Slot()
    def copy_rows(self) -> None:
        lines = ["\t".join(self.headers)] + ["\t".join(r) for r in self.rows]
        QGuiApplication.clipboard().setText("\n".join(lines))


def import_result(reports: Sequence[FileImportReport], parent: QWidget | None = None) -> ResultDialog:
    added = sum(r.added for r in reports)
    present = sum(r.already_present for r in reports)
    skipped = [(r.source_name, row, field, reason) for r in reports for row, field, reason in r.skipped]
    warnings = [(r.source_name, row, field, reason) for r in reports for row, field, reason in r.warnings]
    files = "1 file" if len(reports) == 1 else f"{len(reports)} files"
    parts = [f"{added} stop record{'s' if added != 1 else ''} added from {files}."]
    if present:
        parts.append(f"{present} were already in the database and were left as they are.")
    if skipped:
        parts.append(f"{len(skipped)} row{'s were' if len(skipped) != 1 else ' was'} skipped — listed below "
                     "with the reason. Correct the file and import it again; rows already imported are not "
                     "added twice.")
    if warnings:
        parts.append(f"{len(warnings)} note{'s' if len(warnings) != 1 else ''} about values that were "
                     "read but look unusual are listed too.")
    rows = [(name, str(row), field, f"Skipped: {reason}") for name, row, field, reason in skipped]
    rows += [(name, str(row), field, f"Note: {reason}") for name, row, field, reason in warnings]
    heading = "Import finished" if not skipped else "Import finished — some rows were skipped"
    return ResultDialog("Stop records imported", heading, " ".join(parts), ("File", "Row", "Field", "What happened"),
                        rows, parent)


def ingest_result(outcomes: Sequence[IngestOutcome], parent: QWidget | None = None) -> ResultDialog:
    new = [o for o in outcomes if not o.error and not o.already_ingested]
    again = [o for o in outcomes if not o.error and o.already_ingested]
    failed = [o for o in outcomes if o.error]
    parts = [f"{len(new)} clip{'s' if len(new) != 1 else ''} ingested."]
    if again:
        parts.append(f"{len(again)} had been ingested before (same content) and were not added twice.")
    if failed:
        parts.append(f"{len(failed)} could not be ingested; nothing was stored for {'them' if len(failed) > 1 else 'it'}.")
    rows = []
    for o in outcomes:
        if o.error:
            what = f"Not ingested: {o.error}"
        elif o.already_ingested:
            what = "Already ingested"
        else:
            what = "Ingested"
        if not o.error and o.links:
            what += f"; linked to {o.links} stop record{'s' if o.links != 1 else ''}"
        rows.append((o.path.name, what))
    heading = "Footage ingested" if not failed else "Footage ingested — some files were not"
    return ResultDialog("Footage ingest", heading, " ".join(parts), ("File", "What happened"), rows, parent)


def verify_result(outcome: VerifyOutcome, parent: QWidget | None = None) -> ResultDialog:
    if outcome.all_ok:
        summary = (f"All {outcome.checked} clip{'s' if outcome.checked != 1 else ''} are present and unchanged "
                   "since they were ingested (checked byte for byte).")
        heading = "Footage verified"
    else:
        summary = ("Some clips are missing or have changed since they were ingested. They will not play until "
                   "this is resolved: put the original file back where it was, or ingest it again.")
        heading = "Footage needs attention"
    rows = [(p, "Changed since ingest") for p in outcome.changed] + [(p, "Missing") for p in outcome.missing]
    return ResultDialog("Footage verification", heading, summary, ("File", "Problem"), rows, parent)
