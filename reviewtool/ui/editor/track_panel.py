"""The editor's side panel: the list of boxes (tracks) with each one's label, effect and shape, and the
whole-frame ranges (blank picture, muted sound).

It only shows the current `RedactionSet` and reports what the person asked for; the editor makes the
edits (through the undo stack, saved at once). Widgets here take focus only by click, so the editor's
keys (arrows, Space, K, H…) keep working after a choice in a list.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.media.redaction import EFFECTS, LABELS, SHAPES, RedactionSet
from reviewtool.ui.video.timeline import clock_text, track_title

EFFECT_WORDS = {"solid": "Solid black (safest)", "pixelate": "Pixelate", "blur": "Blur"}
SHAPE_WORDS = {"rect": "Rectangle", "ellipse": "Ellipse"}
RANGE_WORDS = {"blank": "Blank picture", "mute": "Mute sound"}


class TrackPanel(QWidget):
    """Signals: `trackSelected(str)` ("" for none), `propertyChanged(track_id, field, value)`,
    `endRequested()`, `deleteRequested()`, `rangeRequested(kind)`, `rangeRemoveRequested(kind, span)`."""

    trackSelected = Signal(str)
    propertyChanged = Signal(str, str, str)
    endRequested = Signal()
    deleteRequested = Signal()
    rangeRequested = Signal(str)
    rangeRemoveRequested = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._set: RedactionSet | None = None
        self._selected: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        boxes = QGroupBox("Boxes")
        box_layout = QVBoxLayout(boxes)
        self.tracks = QListWidget()
        self.tracks.setObjectName("trackList")
        self.tracks.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.tracks.setWordWrap(True)  # a long name wraps in the narrow panel, never scrolls sideways
        self.tracks.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tracks.currentItemChanged.connect(self._current_changed)
        box_layout.addWidget(self.tracks, 1)
        form = QFormLayout()
        self.label = self._combo("labelCombo", [(k, v) for k, v in LABELS.items()])
        self.effect = self._combo("effectCombo", [(e, EFFECT_WORDS[e]) for e in EFFECTS])
        self.shape = self._combo("shapeCombo", [(s, SHAPE_WORDS[s]) for s in SHAPES])
        form.addRow("What it hides", self.label)
        form.addRow("Effect", self.effect)
        form.addRow("Shape", self.shape)
        box_layout.addLayout(form)
        buttons = QHBoxLayout()
        self.end_button = self._button("End here (H)", self.endRequested.emit)
        self.delete_button = self._button("Delete box", self.deleteRequested.emit)
        buttons.addWidget(self.end_button)
        buttons.addWidget(self.delete_button)
        box_layout.addLayout(buttons)
        layout.addWidget(boxes, 3)

        ranges = QGroupBox("Whole picture / sound")
        range_layout = QVBoxLayout(ranges)
        self.ranges = QListWidget()
        self.ranges.setObjectName("rangeList")
        self.ranges.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.ranges.setWordWrap(True)
        self.ranges.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        range_layout.addWidget(self.ranges, 1)
        row = QHBoxLayout()
        row.addWidget(self._button("Blank…", lambda: self.rangeRequested.emit("blank")))
        row.addWidget(self._button("Mute…", lambda: self.rangeRequested.emit("mute")))
        self.remove_range_button = self._button("Remove", self._remove_range)
        row.addWidget(self.remove_range_button)
        range_layout.addLayout(row)
        layout.addWidget(ranges, 2)
        self.setMinimumWidth(250)
        self._sync_editors()

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        # Long names ("Screen (phone, computer, in-car terminal)") must not widen the panel: the box
        # shows what fits, the list that opens shows every name in full.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        for key, text in items:
            combo.addItem(text, key)
        field = {"labelCombo": "label", "effectCombo": "effect", "shapeCombo": "shape"}[name]
        combo.activated.connect(lambda _i, c=combo, f=field: self._property_chosen(f, c.currentData()))
        return combo

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    # --- from the editor -----------------------------------------------------------------------------

    def set_document(self, rs: RedactionSet | None) -> None:
        self._set = rs
        with QSignalBlocker(self.tracks):
            self.tracks.clear()
            for track in () if rs is None else rs.tracks:
                item = QListWidgetItem(track_title(track))
                item.setData(Qt.ItemDataRole.UserRole, track.id)
                self.tracks.addItem(item)
        with QSignalBlocker(self.ranges):
            self.ranges.clear()
            for kind in ("blank", "mute"):
                for span in () if rs is None else getattr(rs, kind):
                    item = QListWidgetItem(f"{RANGE_WORDS[kind]}  {clock_text(span[0])} – {clock_text(span[1])}")
                    item.setData(Qt.ItemDataRole.UserRole, (kind, span))
                    self.ranges.addItem(item)
        self.set_selected(self._selected)

    def set_selected(self, track_id: str | None) -> None:
        self._selected = track_id
        with QSignalBlocker(self.tracks):
            self.tracks.setCurrentRow(-1)
            for row in range(self.tracks.count()):
                if self.tracks.item(row).data(Qt.ItemDataRole.UserRole) == track_id:
                    self.tracks.setCurrentRow(row)
        self._sync_editors()

    def set_editable(self, editable: bool) -> None:
        for widget in (self.label, self.effect, self.shape, self.end_button, self.delete_button):
            widget.setEnabled(editable and self._selected is not None)
        for widget in (self.remove_range_button,):
            widget.setEnabled(editable)
        self._editable = editable

    # --- internals -----------------------------------------------------------------------------------

    def _sync_editors(self) -> None:
        track = None
        if self._set is not None and self._selected is not None:
            track = next((t for t in self._set.tracks if t.id == self._selected), None)
        for combo, value in ((self.label, track.label if track else None),
                             (self.effect, track.effect if track else None),
                             (self.shape, track.shape if track else None)):
            with QSignalBlocker(combo):
                combo.setCurrentIndex(combo.findData(value) if value is not None else -1)
        self.set_editable(getattr(self, "_editable", True))

    def _current_changed(self, current: QListWidgetItem | None, _previous) -> None:
        track_id = current.data(Qt.ItemDataRole.UserRole) if current is not None else ""
        self._selected = track_id or None
        self._sync_editors()
        self.trackSelected.emit(track_id)

    def _property_chosen(self, field: str, value: str) -> None:
        if self._selected is not None and value is not None:
            self.propertyChanged.emit(self._selected, field, value)

    def _remove_range(self) -> None:
        item = self.ranges.currentItem()
        if item is not None:
            kind, span = item.data(Qt.ItemDataRole.UserRole)
            self.rangeRemoveRequested.emit(kind, span)


class RangeDialog(QDialog):
    """Asks for a blank or mute range, starting at the frame shown."""

    def __init__(self, kind: str, start: float, duration: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rangeDialog")
        self.setWindowTitle(RANGE_WORDS[kind])
        layout = QVBoxLayout(self)
        explain = {"blank": "The panel sees a black picture between these times.",
                   "mute": "The panel hears nothing between these times (with a little margin each side)."}
        text = QLabel(explain[kind])
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.start = QDoubleSpinBox()
        self.end = QDoubleSpinBox()
        for spin in (self.start, self.end):
            spin.setRange(0.0, max(0.01, duration))
            spin.setDecimals(2)
            spin.setSingleStep(0.1)
            spin.setSuffix(" s")
        self.start.setValue(start)
        self.end.setValue(min(duration, start + 1.0))
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def span(self) -> tuple[float, float]:
        return (self.start.value(), self.end.value())
