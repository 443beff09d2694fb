"""The clip's timeline: a ruler, blank and mute ranges, one row per redaction track, and the playhead.

Custom-painted (a few hundred shapes; no scene graph needed) from plain values: the clip's frame
times, the current `RedactionSet` and the position. It knows nothing of the player or the database:
it says what was asked for (`seekRequested`, `trackSelected`, `keyframeMoved`) and the editor decides.

Each track row shows where the track is visible (bars), its keyframes (filled diamonds: a box; hollow
with a bar: "hidden from here"), and the selected track highlighted. Blank ranges are hatched, mute
ranges striped in amber, so a glance says what the panel will not see or hear.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from reviewtool.media.redaction import LABELS, RedactionSet, RedactionTrack

RULER_H = 24
RANGE_ROW_H = 14
TRACK_ROW_H = 20
GUTTER_W = 150
RIGHT_PAD = 10
KEYFRAME_HIT_PX = 6
DRAG_START_PX = 3
_TICK_STEPS = (0.04, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)

_BG = QColor("#1f2125")
_ROW_BG = QColor("#26292e")
_ROW_SELECTED = QColor("#2f3a4a")
_TEXT = QColor("#d8dadd")
_MUTED_TEXT = QColor("#9aa0a6")
_TRACK = QColor("#5b8def")
_TRACK_SELECTED = QColor("#8fb3ff")
_BLANK = QColor("#8c8c8c")
_MUTE = QColor("#e0a030")
_PLAYHEAD = QColor("#ff5a4e")


def clock_text(t: float | None, *, fine: bool = True) -> str:
    """m:ss.ss (fine) or m:ss of a media time."""
    if t is None or not math.isfinite(t):
        return "–"
    t = max(0.0, t)
    minutes, seconds = divmod(t, 60.0)
    hours, minutes = divmod(int(minutes), 60)
    sec = f"{seconds:05.2f}" if fine else f"{int(seconds):02d}"
    return f"{hours}:{minutes:02d}:{sec}" if hours else f"{minutes}:{sec}"


def track_title(track: RedactionTrack) -> str:
    name = LABELS.get(track.label, track.label)
    return f"{track.id} · {name}"


class Timeline(QWidget):
    """Signals: `seekRequested(float)` (click or drag on the ruler or an empty part of a row),
    `trackSelected(str)` (a click on a row), `keyframeMoved(str, float, float)` (a keyframe dragged
    along its row: track id, from, to -- snapped to a frame time)."""

    seekRequested = Signal(float)
    trackSelected = Signal(str)
    keyframeMoved = Signal(str, float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pts: np.ndarray = np.zeros(0)
        self._duration = 0.0
        self._set: RedactionSet | None = None
        self._t: float | None = None
        self._frame: int | None = None
        self._selected: str | None = None
        self._drag: dict | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Timeline")
        self._update_height()

    # --- data ----------------------------------------------------------------------------------------

    def set_frames(self, pts: np.ndarray | None, duration: float | None) -> None:
        """The clip's frame times (for snapping and the frame count) and its length."""
        self._pts = np.zeros(0) if pts is None else np.asarray(pts, dtype=np.float64)
        self._duration = float(duration) if duration else (float(self._pts[-1]) if len(self._pts) else 0.0)
        self.update()

    def set_document(self, rs: RedactionSet | None) -> None:
        self._set = rs
        if rs is not None and self._selected not in {t.id for t in rs.tracks}:
            self._selected = None
        self._update_height()
        self.update()

    def set_position(self, t: float | None, frame_index: int | None) -> None:
        self._t, self._frame = t, frame_index
        self.update()

    def set_selected(self, track_id: str | None) -> None:
        self._selected = track_id
        self.update()

    @property
    def selected(self) -> str | None:
        return self._selected

    def position_text(self) -> str:
        count = len(self._pts)
        frame = "–" if self._frame is None else str(self._frame + 1)
        return (f"Frame {frame} of {count}   {clock_text(self._t)} / {clock_text(self._duration)}")

    # --- geometry ------------------------------------------------------------------------------------

    def _tracks(self) -> tuple[RedactionTrack, ...]:
        return () if self._set is None else self._set.tracks

    def _update_height(self) -> None:
        rows = max(1, len(self._tracks()))
        self.setFixedHeight(RULER_H + 2 * RANGE_ROW_H + rows * TRACK_ROW_H + 6)

    def _x(self, t: float) -> float:
        span = self._duration or 1.0
        width = max(1.0, self.width() - GUTTER_W - RIGHT_PAD)
        return GUTTER_W + (t / span) * width

    def _t_at(self, x: float) -> float:
        span = self._duration or 1.0
        width = max(1.0, self.width() - GUTTER_W - RIGHT_PAD)
        return min(span, max(0.0, (x - GUTTER_W) / width * span))

    def _snap(self, t: float) -> float:
        if not len(self._pts):
            return t
        i = int(np.searchsorted(self._pts, t))
        candidates = [j for j in (i - 1, i) if 0 <= j < len(self._pts)]
        return float(self._pts[min(candidates, key=lambda j: abs(self._pts[j] - t))])

    def _row_top(self, row: int) -> int:
        return RULER_H + 2 * RANGE_ROW_H + row * TRACK_ROW_H

    def _row_at(self, y: float) -> int | None:
        top = RULER_H + 2 * RANGE_ROW_H
        if y < top:
            return None
        row = int((y - top) // TRACK_ROW_H)
        return row if row < len(self._tracks()) else None

    def _keyframe_hit(self, row: int, x: float) -> float | None:
        track = self._tracks()[row]
        best = min(track.keyframes, key=lambda kf: abs(self._x(kf.t) - x))
        return best.t if abs(self._x(best.t) - x) <= KEYFRAME_HIT_PX else None

    # --- Qt ------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(800, self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), _BG)
            font = QFont(self.font())
            font.setPixelSize(11)
            p.setFont(font)
            self._paint_ruler(p)
            self._paint_ranges(p)
            self._paint_tracks(p)
            self._paint_playhead(p)
        finally:
            p.end()

    def _paint_ruler(self, p: QPainter) -> None:
        p.setPen(_TEXT)
        p.drawText(QRectF(6, 0, GUTTER_W - 10, RULER_H), Qt.AlignmentFlag.AlignVCenter, self.position_text()
                   .split("   ")[0])
        if self._duration <= 0:
            return
        width = max(1.0, self.width() - GUTTER_W - RIGHT_PAD)
        step = next((s for s in _TICK_STEPS if s / self._duration * width >= 70), _TICK_STEPS[-1])
        p.setPen(QPen(_MUTED_TEXT, 1))
        n = 0
        while n * step <= self._duration + 1e-9:
            t = n * step
            x = self._x(t)
            p.drawLine(QPointF(x, RULER_H - 6), QPointF(x, RULER_H))
            label = clock_text(t, fine=step < 1)
            p.drawText(QRectF(x + 3, 2, 80, RULER_H - 6), Qt.AlignmentFlag.AlignLeft, label)
            n += 1

    def _paint_ranges(self, p: QPainter) -> None:
        rows = (("Blank (picture hidden)", () if self._set is None else self._set.blank, _BLANK,
                 Qt.BrushStyle.BDiagPattern),
                ("Mute (sound off)", () if self._set is None else self._set.mute, _MUTE,
                 Qt.BrushStyle.Dense4Pattern))
        for i, (title, spans, colour, pattern) in enumerate(rows):
            top = RULER_H + i * RANGE_ROW_H
            p.fillRect(QRectF(0, top, self.width(), RANGE_ROW_H - 1), _ROW_BG)
            p.setPen(_MUTED_TEXT)
            p.drawText(QRectF(6, top, GUTTER_W - 10, RANGE_ROW_H), Qt.AlignmentFlag.AlignVCenter, title)
            for start, end in spans:
                rect = QRectF(self._x(start), top + 2, max(2.0, self._x(end) - self._x(start)), RANGE_ROW_H - 5)
                p.fillRect(rect, QBrush(colour, pattern))
                p.setPen(QPen(colour, 1))
                p.drawRect(rect)

    def _paint_tracks(self, p: QPainter) -> None:
        tracks = self._tracks()
        if not tracks:
            p.setPen(_MUTED_TEXT)
            p.drawText(QRectF(6, self._row_top(0), self.width() - 12, TRACK_ROW_H),
                       Qt.AlignmentFlag.AlignVCenter, "No boxes yet — drag on the picture to draw one")
            return
        for row, track in enumerate(tracks):
            top = self._row_top(row)
            selected = track.id == self._selected
            p.fillRect(QRectF(0, top, self.width(), TRACK_ROW_H - 1), _ROW_SELECTED if selected else _ROW_BG)
            p.setPen(_TEXT if selected else _MUTED_TEXT)
            p.drawText(QRectF(6, top, GUTTER_W - 10, TRACK_ROW_H), Qt.AlignmentFlag.AlignVCenter,
                       p.fontMetrics().elidedText(track_title(track), Qt.TextElideMode.ElideRight, GUTTER_W - 12))
            colour = _TRACK_SELECTED if selected else _TRACK
            for start, end in track.visible_spans():
                x0, x1 = self._x(start), self._x(end)
                p.fillRect(QRectF(x0, top + 7, max(2.0, x1 - x0), TRACK_ROW_H - 15), colour.darker(130))
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for kf in track.keyframes:
                self._paint_keyframe(p, self._x(kf.t), top + TRACK_ROW_H / 2 - 0.5, kf.box is not None, colour)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    @staticmethod
    def _paint_keyframe(p: QPainter, x: float, y: float, has_box: bool, colour: QColor) -> None:
        r = 5.0
        diamond = QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)])
        p.setPen(QPen(colour.lighter(140), 1.2))
        p.setBrush(colour if has_box else Qt.BrushStyle.NoBrush)
        p.drawPolygon(diamond)
        if not has_box:  # "hidden from here": a bar after the hollow diamond
            p.drawLine(QPointF(x + r + 1, y - r), QPointF(x + r + 1, y + r))
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_playhead(self, p: QPainter) -> None:
        if self._t is None or self._duration <= 0:
            return
        x = self._x(self._t)
        p.setPen(QPen(_PLAYHEAD, 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    # --- mouse ---------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        row = self._row_at(pos.y())
        if row is not None:
            track = self._tracks()[row]
            if track.id != self._selected:
                self._selected = track.id
                self.trackSelected.emit(track.id)
                self.update()
            hit = self._keyframe_hit(row, pos.x()) if pos.x() >= GUTTER_W else None
            if hit is not None:
                self._drag = {"track": track.id, "from": hit, "x0": pos.x(), "moving": False}
                self.seekRequested.emit(hit)
                return
        if pos.x() >= GUTTER_W:
            self._drag = {"seek": True}
            self.seekRequested.emit(self._snap(self._t_at(pos.x())))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        drag = self._drag
        if drag is None:
            return
        x = event.position().x()
        if "track" in drag:
            if abs(x - drag["x0"]) >= DRAG_START_PX:
                drag["moving"] = True
                drag["to"] = self._snap(self._t_at(x))
                self._t = drag["to"]
                self.update()
        else:
            self.seekRequested.emit(self._snap(self._t_at(x)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None or "track" not in drag or not drag["moving"]:
            return
        to = drag.get("to", drag["from"])
        if abs(to - drag["from"]) > 1e-6:
            self.keyframeMoved.emit(drag["track"], drag["from"], to)
            self.seekRequested.emit(to)

