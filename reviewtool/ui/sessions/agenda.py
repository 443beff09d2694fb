"""A session's agenda before and during the meeting: the sampled stops in order, whether each has a
clip and whether its redactions are approved, and the removal of an item with a recorded reason.

Removing is the one way round a clip that cannot be approved in time; the item stays in the record
(and the minutes) as removed, with the reason, and its answers and comments are kept.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.sessions import ItemView, SessionService, SessionView
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.common import (
    OK_COLOUR,
    PROBLEM_COLOUR,
    REDACTION_WORDS,
    STATUS_WORDS,
    WARN_COLOUR,
    ask_reason,
    attempt,
)

COLUMNS = ["#", "Reference", "Date", "Type of search", "Clip", "Redactions", "Status"]
SHORT_REDACTION_WORDS = {"approved": "Approved", "draft": "Draft", "none": "None yet"}


class AgendaPanel(QWidget):
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sessions: SessionService = ctx.service(SessionService)
        self.view: SessionView | None = None
        self.setObjectName("agendaPanel")
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("agendaTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(4, 170)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.remove_button = QPushButton("Remove from the session…")
        self.remove_button.setObjectName("removeItemButton")
        self.remove_button.setToolTip("Take the selected stop off the agenda, with a reason for the minutes")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setEnabled(False)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def show_session(self, view: SessionView) -> None:
        selected = self.selected_item()
        self.view = view
        self.table.setRowCount(len(view.items))
        for row, item in enumerate(view.items):
            clip = "No footage — a finding" if item.no_footage else (item.footage.file_name if item.footage else "")
            redaction = "—" if item.no_footage else SHORT_REDACTION_WORDS.get(item.redaction, item.redaction)
            status = STATUS_WORDS.get(item.status, item.status)
            if item.status == "removed":
                status += f": {item.removed_reason}"
            elif item.consensus is not None:
                status += f" ({item.consensus.rag.upper()})"
            cells = [str(item.position), item.stop.reference, f"{item.stop.local_date:%d %b %Y}", item.stop.type,
                     clip, redaction, status]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, item.id)
                cell.setToolTip(text if col != 5 or item.no_footage else REDACTION_WORDS.get(item.redaction, ""))
                if item.status == "removed":
                    cell.setForeground(QColor("#888888"))
                elif col == 5 and not item.no_footage:
                    cell.setForeground(QColor(OK_COLOUR if item.redaction == "approved" else PROBLEM_COLOUR))
                elif col == 4 and item.no_footage:
                    cell.setForeground(QColor(WARN_COLOUR))
                self.table.setItem(row, col, cell)
        if selected is not None:
            self.select_item(selected.id)
        self._selection_changed()

    def selected_item(self) -> ItemView | None:
        if self.view is None:
            return None
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item_id = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return self.view.item(item_id)

    def select_item(self, item_id: int) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == item_id:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        item = self.selected_item()
        editable = self.view is not None and self.view.status in ("planned", "running")
        self.remove_button.setEnabled(editable and item is not None and item.status not in ("removed", "agreed"))

    def remove_selected(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        reason = ask_reason(self, "Remove from the session?",
                            f"Why is item {item.position} ({item.stop.reference}) removed? It stays in the record as "
                            "removed, with this reason, and anything entered for it is kept.",
                            "Remove the item")
        if reason and attempt(self, lambda: self.sessions.remove_item(self.ctx.actor, item.id, reason),
                              "The item was not removed"):
            self.changed.emit()
