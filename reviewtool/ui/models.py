"""Qt item models over Qt-free lists (napari's pattern).

The core returns plain lists of frozen dataclasses (`reviewtool.core.browse`); `RowTableModel` shows
such a list as a table without copying or converting it, and `RowFilterProxy` filters and sorts it
for the view.  Columns are declared once as data (`Column`), so a table's look, its sort order and
what the search box matches all come from the same place.

Roles: DisplayRole is the column's text; `SORT_ROLE` a plain comparable value (str, int or float —
never None, so sorting cannot compare unlike types); `ROW_ROLE` the row object itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, Sequence, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    value: Callable[[T], str | int | float]       # sort value (and the text, unless `text` is given)
    text: Callable[[T], str] | None = None
    tooltip: Callable[[T], str] | None = None
    align: Qt.AlignmentFlag = LEFT
    colour: Callable[[T], str | None] | None = None  # a named tone from TONES, or None
    searchable: bool = True
    width: int = 0                                  # preferred width in pixels (0 = fit contents)

    def display(self, row: T) -> str:
        return self.text(row) if self.text is not None else str(self.value(row))


# Calm tones for status cells: dark enough on white for WCAG AA contrast.
TONES = {"good": QColor("#1b6e3a"), "warn": QColor("#8a5300"), "bad": QColor("#a61b1b"), "muted": QColor("#5b6470")}


class RowTableModel(QAbstractTableModel, Generic[T]):
    """A read-only table over a sequence of row objects (replaced whole by `set_rows`)."""

    def __init__(self, columns: Sequence[Column[T]], rows: Iterable[T] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[T] = list(rows)
        self._haystacks: list[str | None] = [None] * len(self._rows)

    # -- the list ------------------------------------------------------------------------------------
    def set_rows(self, rows: Iterable[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._haystacks = [None] * len(self._rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row(self, n: int) -> T:
        return self._rows[n]

    def search_text(self, n: int) -> str:
        """Every searchable column's text of row n, folded for case-free matching (cached)."""
        text = self._haystacks[n]
        if text is None:
            row = self._rows[n]
            text = "\t".join(c.display(row) for c in self.columns if c.searchable).casefold()
            self._haystacks[n] = text
        return text

    # -- QAbstractTableModel ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or \
                not (0 <= index.column() < len(self.columns)):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(row)
        if role == SORT_ROLE:
            return column.value(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            tone = column.colour(row)
            return QBrush(TONES[tone]) if tone else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{column.title}: {column.display(row)}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(self.columns[section].align.value)
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._rows):
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class RowFilterProxy(QSortFilterProxyModel):
    """Free-text search (every word must appear somewhere in the row) plus named row predicates."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._predicates: dict[str, Callable[[Any], bool]] = {}
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def set_search(self, text: str) -> None:
        words = text.casefold().split()
        if words == self._words:
            return
        self.beginFilterChange()
        self._words = words
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_filter(self, name: str, predicate: Callable[[Any], bool] | None) -> None:
        """Add, replace or (with None) remove one named condition on the row object."""
        self.beginFilterChange()
        if predicate is None:
            self._predicates.pop(name, None)
        else:
            self._predicates[name] = predicate
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 - Qt API
        model = self.sourceModel()
        if not isinstance(model, RowTableModel):
            return True
        row = model.row(source_row)
        if not all(predicate(row) for predicate in self._predicates.values()):
            return False
        if self._words:
            haystack = model.search_text(source_row)
            return all(word in haystack for word in self._words)
        return True

    def row_at(self, proxy_index: QModelIndex) -> Any:
        return self.data(proxy_index, ROW_ROLE) if proxy_index.isValid() else None

    def visible_rows(self) -> list[Any]:
        return [self.data(self.index(r, 0), ROW_ROLE) for r in range(self.rowCount())]
