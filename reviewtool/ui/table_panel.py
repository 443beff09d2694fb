"""A searchable, filterable table: the search box, drop-down filters, the table and a row count.

Used by the stop and footage lists.  The filters offer the values actually present in the rows, so
nobody picks an area that has no stops; a filter's choice is kept across refreshes when it still
exists.  Keyboard: Ctrl+F goes to the search box, Esc in it clears the search, Enter in it moves to
the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QItemSelection, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewtool.ui.flow_layout import FlowLayout
from reviewtool.ui.models import Column, RowFilterProxy, RowTableModel

NONE_TEXT = "(not recorded)"


@dataclass
class _ChoiceFilter:
    name: str
    combo: QComboBox
    value: Callable[[Any], str]
    all_text: str
    newest_first: bool


def _captioned(text: str, control: QWidget) -> QWidget:
    """A label and its control kept together on one line (the label's mnemonic focuses the control)."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    caption = QLabel(text)
    caption.setBuddy(control)
    row.addWidget(caption)
    row.addWidget(control)
    return box


class TablePanel(QWidget):
    selection_changed = Signal(object)  # the selected row object, or None
    activated = Signal(object)          # a row was double-clicked or Enter was pressed on it

    def __init__(self, columns: Sequence[Column], noun: tuple[str, str], *, search_hint: str,
                 sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.noun = noun
        self.model = RowTableModel(columns, parent=self)
        self.proxy = RowFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._filters: list[_ChoiceFilter] = []

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(search_hint)
        self.search.setAccessibleName("Search")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_search)
        self.search.textChanged.connect(self._update_count)
        self.search.setMinimumWidth(280)

        # Row one: the area's actions (and a note, e.g. "read only"); row two: search and filters.
        # Both wrap in a narrow window instead of widening it.
        self.actions_row = FlowLayout()
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.note.hide()
        self.filter_row = FlowLayout(spacing=14)
        self.filter_row.addWidget(_captioned("&Search:", self.search))
        self.clear_button = QPushButton("C&lear filters")
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.setToolTip("Clear the search and show every row")
        self.clear_button.clicked.connect(self.clear_filters)
        self._action_buttons: list[QPushButton] = []

        self.table = QTableView()
        self.table.setObjectName("table")
        self.table.setModel(self.proxy)
        self.table.sortByColumn(*sort)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for n, column in enumerate(columns):
            if column.width:
                self.table.setColumnWidth(n, column.width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._row_activated)
        self.table.activated.connect(self._row_activated)

        self.count = QLabel()
        self.count.setObjectName("rowCount")
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(self.actions_row)
        layout.addWidget(self.note)
        layout.addLayout(self.filter_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        self.search.returnPressed.connect(self.table.setFocus)
        self._update_count()

    # -- building --------------------------------------------------------------------------------------
    def add_choice_filter(self, name: str, label: str, value: Callable[[Any], str], all_text: str,
                          *, newest_first: bool = False) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"filter_{name}")
        combo.setAccessibleName(label.replace("&", ""))
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMaximumWidth(300)
        combo.addItem(all_text, None)
        self.filter_row.addWidget(_captioned(label, combo))
        spec = _ChoiceFilter(name, combo, value, all_text, newest_first)
        self._filters.append(spec)
        combo.currentIndexChanged.connect(lambda _i, f=spec: self._apply_choice(f))
        return combo

    def add_action_button(self, button: QPushButton) -> None:
        self.actions_row.addWidget(button)
        self._action_buttons.append(button)

    def finish_actions(self, hint: str = "") -> None:
        """Call once the filters and buttons are added: places the note, sets the tab order."""
        if hint:
            self.note.setText(hint)
            self.note.show()
        self.filter_row.addWidget(self.clear_button)
        chain: list[QWidget] = [*self._action_buttons, self.search, *(f.combo for f in self._filters),
                                self.clear_button, self.table]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    # -- data ------------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        selected = self.selected_row()
        self.model.set_rows(rows)
        for f in self._filters:
            self._fill_choices(f, rows)
        self._reselect(selected)
        self._update_count()

    def _fill_choices(self, f: _ChoiceFilter, rows: Sequence[Any]) -> None:
        current = f.combo.currentData()
        values = sorted({f.value(r) for r in rows}, reverse=f.newest_first)
        f.combo.blockSignals(True)
        f.combo.clear()
        f.combo.addItem(f.all_text, None)
        for v in values:
            f.combo.addItem(v or NONE_TEXT, v)
        index = f.combo.findData(current) if current is not None else 0
        f.combo.setCurrentIndex(max(index, 0))
        f.combo.blockSignals(False)
        self._apply_choice(f)

    def _apply_choice(self, f: _ChoiceFilter) -> None:
        wanted = f.combo.currentData()
        self.proxy.set_filter(f.name, None if wanted is None else (lambda row, w=wanted, v=f.value: v(row) == w))
        self._update_count()

    def choose(self, name: str, value: str | None) -> None:
        """Set a filter by value (None = all); used by keyboard users via the combo and by tests."""
        for f in self._filters:
            if f.name == name:
                index = f.combo.findData(value) if value is not None else 0
                if index < 0:
                    raise ValueError(f"{name}: {value!r} is not among the values shown")
                f.combo.setCurrentIndex(index)
                return
        raise KeyError(name)

    @Slot()
    def clear_filters(self) -> None:
        self.search.clear()
        for f in self._filters:
            f.combo.setCurrentIndex(0)

    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- selection -------------------------------------------------------------------------------------
    def selected_row(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.row_at(rows[0]) if rows else None

    def select_first(self) -> None:
        if self.proxy.rowCount():
            self.table.selectRow(0)

    def _reselect(self, row: Any) -> None:
        if row is None:
            return
        key = getattr(row, "id", None)
        for r in range(self.proxy.rowCount()):
            candidate = self.proxy.row_at(self.proxy.index(r, 0))
            if getattr(candidate, "id", None) == key:
                self.table.selectRow(r)
                return

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, *_args) -> None:
        self.selection_changed.emit(self.selected_row())

    @Slot()
    def _row_activated(self, *_args) -> None:
        row = self.selected_row()
        if row is not None:
            self.activated.emit(row)

    @Slot()
    def _update_count(self, *_args) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        singular, plural = self.noun
        if total == 0:
            self.count.setText(f"No {plural} yet.")
        elif shown == total:
            self.count.setText(f"{total} {singular if total == 1 else plural}")
        else:
            self.count.setText(f"Showing {shown} of {total} {plural}")
