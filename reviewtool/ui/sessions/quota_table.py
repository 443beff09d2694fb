"""The planning dialog's table of eligible stops per group, with each group's quota.

It reads as a plain table: the quotas are numbers in cells, not a column of spin boxes. With a
proportional sample they are the draw's own allocation, shown greyed and not editable; with a fixed
number per group the person sets each quota in place -- a spin box opens only in the cell being
edited (double-click, F2, or start typing a number on the selected cell) and closes on Enter or on
leaving the cell, so the table never shows a stale editor over another cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

GROUP, ELIGIBLE, WITH_FOOTAGE, QUOTA = range(4)
MAX_QUOTA = 500
_COMPUTED = QColor("#6B7280")
_SET_HERE = QColor("#1B1B1B")
_EDIT_HINT = "Type a number (or double-click, or press F2) to set this group's quota; Enter keeps it."
_FIXED_TRIGGERS = (QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.SelectedClicked
                   | QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.AnyKeyPressed)


@dataclass(frozen=True)
class StratumRow:
    value: str  # the stratum's value as the sampler knows it
    label: str  # as people read it
    eligible: int
    with_footage: int


class QuotaDelegate(QStyledItemDelegate):
    """A spin box for the one quota cell being edited; the value goes to the cell on Enter or focus-out."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # noqa: N802 (Qt)
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        spin = QSpinBox(parent)
        spin.setObjectName("quotaEditor")
        spin.setRange(0, MAX_QUOTA)
        spin.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        spin.setAccessibleName("Quota for " + str(index.siblingAtColumn(GROUP).data() or "this group"))
        return spin

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        assert isinstance(editor, QSpinBox)
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole) or 0))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,  # noqa: N802 (Qt)
                     index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


class QuotaTable(QTableWidget):
    """`show_strata(rows)`, `set_fixed(bool)`, `set_quotas({value: n})`, `quotas()`; `quotaEdited` when
    the person changes a quota."""

    quotaEdited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setObjectName("previewTable")
        self.setAccessibleName("Eligible stops and quotas per group")
        self.setHorizontalHeaderLabels(["Group", "Eligible", "With footage", "Quota"])
        header = self.horizontalHeader()
        header.setSectionResizeMode(GROUP, QHeaderView.ResizeMode.Stretch)
        for col in (ELIGIBLE, WITH_FOOTAGE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(QUOTA, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(QUOTA, 86)
        self.verticalHeader().setDefaultSectionSize(32)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # long names wrap
        self.setWordWrap(True)
        self.verticalHeader().hide()
        self.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        self.setMaximumHeight(460)
        self.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move between cells
        self.setItemDelegateForColumn(QUOTA, QuotaDelegate(self))
        self.fixed = False
        self._filling = False
        self.itemChanged.connect(self._item_changed)
        self.set_fixed(False)

    def show_strata(self, rows: list[StratumRow]) -> None:
        """New counts; a group seen before keeps the quota it had."""
        previous = self.quotas()
        self._filling = True
        try:
            self.setRowCount(len(rows))
            for n, stratum in enumerate(rows):
                group = QTableWidgetItem(stratum.label)
                group.setData(Qt.ItemDataRole.UserRole, stratum.value)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.setItem(n, GROUP, group)
                for col, number in ((ELIGIBLE, stratum.eligible), (WITH_FOOTAGE, stratum.with_footage)):
                    cell = QTableWidgetItem(f"{number:,}")
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.setItem(n, col, cell)
                quota = QTableWidgetItem()
                quota.setData(Qt.ItemDataRole.EditRole, previous.get(stratum.value, 0))
                quota.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(n, QUOTA, quota)
        finally:
            self._filling = False
        self.set_fixed(self.fixed)

    def set_fixed(self, fixed: bool) -> None:
        """Fixed: the quotas are the person's to set. Otherwise they are computed and only shown."""
        editor = self.indexWidget(self.currentIndex()) if self.state() == self.State.EditingState else None
        if not fixed and editor is not None:  # a quota half typed is dropped: the computed ones replace it
            self.closeEditor(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)
        self.fixed = fixed
        self._filling = True
        try:
            for row in range(self.rowCount()):
                item = self.item(row, QUOTA)
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                item.setFlags(flags | Qt.ItemFlag.ItemIsEditable if fixed else flags)
                item.setForeground(QBrush(_SET_HERE if fixed else _COMPUTED))
                item.setToolTip(_EDIT_HINT if fixed else "The draw's own share of the sample size for this group.")
        finally:
            self._filling = False
        self.setEditTriggers(_FIXED_TRIGGERS if fixed else QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection if fixed
                              else QAbstractItemView.SelectionMode.NoSelection)
        if fixed and self.rowCount() and self.currentColumn() != QUOTA:
            self.setCurrentCell(0, QUOTA)  # typing a number after Tab sets the first group's quota
        elif not fixed:
            self.clearSelection()

    def set_quotas(self, quotas: dict[str, int]) -> None:
        """Show computed quotas (not an edit: `quotaEdited` is not emitted)."""
        self._filling = True
        try:
            for row in range(self.rowCount()):
                value = self.item(row, GROUP).data(Qt.ItemDataRole.UserRole)
                self.item(row, QUOTA).setData(Qt.ItemDataRole.EditRole, quotas.get(value, 0))
        finally:
            self._filling = False

    def quotas(self) -> dict[str, int]:
        out = {}
        for row in range(self.rowCount()):
            group, quota = self.item(row, GROUP), self.item(row, QUOTA)
            if group is not None and quota is not None:
                out[group.data(Qt.ItemDataRole.UserRole)] = int(quota.data(Qt.ItemDataRole.EditRole) or 0)
        return out

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if not self._filling and item.column() == QUOTA:
            self.quotaEdited.emit()
