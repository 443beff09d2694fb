"""Boxes over the video: drawing, moving and resizing redaction boxes on the frame that is shown.

A transparent child of the `VideoView`, the same size, mapping box fractions through the view's
`frame_rect()`. It is keyed on the *identified* frame the view is painting (its pts from the
FrameIndex), never on a clock, so a box is drawn and edited on exactly the picture under the mouse.
A frame that could not be identified cannot be edited (there is no time to key an edit on).

Editing mode (raw footage): every box visible on this frame is outlined -- solid where the track has a
keyframe on this frame, dashed where the box is interpolated between keyframes -- with its label; the
selected one has handles. Drag on empty picture to draw a new box, drag a box to move it, drag a
handle to resize. Nothing is changed until the mouse is released; the editor then makes the edit
(a keyframe on this frame) through the undo stack.

Preview mode (the redacted picture the panel will see): outlines only, no labels, handles or editing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from reviewtool.media.frame_pool import DisplayedFrame
from reviewtool.media.redaction import LABELS, TIME_EPS, Box, RedactionSet
from reviewtool.ui.video.video_view import VideoView

HANDLE_PX = 8
MIN_BOX_PX = 6
_SELECTED = QColor("#ffd54a")
_OTHER = QColor("#7fb2ff")
_PREVIEW = QColor(255, 255, 255, 170)
_DRAWING = QColor("#ffffff")
# Handles: (name, x factor, y factor) on the box: corners and edge midpoints.
_HANDLES = (("tl", 0, 0), ("t", 0.5, 0), ("tr", 1, 0), ("r", 1, 0.5), ("br", 1, 1), ("b", 0.5, 1),
            ("bl", 0, 1), ("l", 0, 0.5))
_CURSORS = {"tl": Qt.CursorShape.SizeFDiagCursor, "br": Qt.CursorShape.SizeFDiagCursor,
            "tr": Qt.CursorShape.SizeBDiagCursor, "bl": Qt.CursorShape.SizeBDiagCursor,
            "t": Qt.CursorShape.SizeVerCursor, "b": Qt.CursorShape.SizeVerCursor,
            "l": Qt.CursorShape.SizeHorCursor, "r": Qt.CursorShape.SizeHorCursor}


class BoxOverlay(QWidget):
    """Signals: `boxDrawn(box)` (a new box on this frame), `boxChanged(track_id, box)` (moved or
    resized on this frame), `trackSelected(track_id or "")`, `pauseRequested()` (a press while
    playing: editing needs a still frame), `notice(str)` (why a press did nothing)."""

    boxDrawn = Signal(object)
    boxChanged = Signal(str, object)
    trackSelected = Signal(str)
    pauseRequested = Signal()
    notice = Signal(str)

    def __init__(self, view: VideoView) -> None:
        super().__init__(view)
        self._view = view
        self._set: RedactionSet | None = None
        self._selected: str | None = None
        self._t: float | None = None
        self._editable = True
        self._playing = False
        self._drag: dict | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, True)
        self.setMouseTracking(True)
        self.setGeometry(view.rect())
        view.installEventFilter(self)
        view.frameRectChanged.connect(self.update)
        view.frameChanged.connect(self._frame_changed)
        self._frame_changed(view.frame)

    # --- state from the editor -----------------------------------------------------------------------

    def set_document(self, rs: RedactionSet | None) -> None:
        self._set = rs
        self.update()

    def set_selected(self, track_id: str | None) -> None:
        self._selected = track_id
        self.update()

    def set_editable(self, editable: bool) -> None:
        """False in preview mode: outlines only, and the mouse does nothing."""
        self._editable = editable
        self._drag = None
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.update()

    def set_playing(self, playing: bool) -> None:
        self._playing = playing

    @property
    def time(self) -> float | None:
        """Media time of the identified frame shown (what edits are keyed on), None if unidentified."""
        return self._t

    def box_rect(self, box: Box) -> QRectF:
        """Widget rectangle of a box given in frame fractions."""
        fr = self._view.frame_rect()
        x, y, w, h = box
        return QRectF(fr.x() + x * fr.width(), fr.y() + y * fr.height(), w * fr.width(), h * fr.height())

    def visible_boxes(self) -> list[tuple[str, Box, bool]]:
        """(track id, box, keyframe on this frame) for every track showing on the frame shown."""
        if self._set is None or self._t is None:
            return []
        out = []
        for track in self._set.tracks:
            box = track.box_at(self._t)
            if box is not None:
                keyed = any(abs(kf.t - self._t) <= TIME_EPS for kf in track.keyframes)
                out.append((track.id, box, keyed))
        return out

    # --- internals -----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._view.rect())
        return False

    def _frame_changed(self, frame: DisplayedFrame | None) -> None:
        identified = frame is not None and frame.frame_index is not None and not frame.protected
        t = frame.pts if identified else None
        if t != self._t:
            self._t = t
            if self._drag is not None and self._drag.get("t") != t:
                self._drag = None  # the picture changed under the mouse: drop the unfinished edit
            self.update()

    def _to_box(self, rect: QRectF) -> Box | None:
        fr = self._view.frame_rect()
        rect = rect.normalized().intersected(fr)
        if fr.isEmpty() or rect.width() < MIN_BOX_PX or rect.height() < MIN_BOX_PX:
            return None
        return ((rect.x() - fr.x()) / fr.width(), (rect.y() - fr.y()) / fr.height(),
                rect.width() / fr.width(), rect.height() / fr.height())

    def _handle_rects(self, rect: QRectF) -> list[tuple[str, QRectF]]:
        half = HANDLE_PX / 2
        return [(name, QRectF(rect.x() + fx * rect.width() - half, rect.y() + fy * rect.height() - half,
                              HANDLE_PX, HANDLE_PX)) for name, fx, fy in _HANDLES]

    def _hit(self, pos: QPointF) -> tuple[str, str] | None:
        """(track id, "move" or a handle name) under `pos`; the selected track wins."""
        boxes = self.visible_boxes()
        selected = [b for b in boxes if b[0] == self._selected]
        for track_id, box, _ in selected:
            for name, handle in self._handle_rects(self.box_rect(box)):
                if handle.adjusted(-2, -2, 2, 2).contains(pos):
                    return track_id, name
        for track_id, box, _ in selected + list(reversed(boxes)):
            if self.box_rect(box).contains(pos):
                return track_id, "move"
        return None

    # --- painting ------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        boxes = self.visible_boxes()
        if not boxes and self._drag is None:
            return
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setClipRect(self._view.frame_rect())
            if not self._editable:
                for _, box, keyed in boxes:
                    pen = QPen(_PREVIEW, 1, Qt.PenStyle.SolidLine if keyed else Qt.PenStyle.DashLine)
                    p.setPen(pen)
                    p.drawRect(self.box_rect(box))
                return
            font = QFont(self.font())
            font.setPixelSize(11)
            p.setFont(font)
            dragged = self._drag.get("track") if self._drag else None
            for track_id, box, keyed in boxes:
                rect = self._drag["rect"] if track_id == dragged and "rect" in self._drag else self.box_rect(box)
                self._paint_box(p, track_id, rect, keyed or track_id == dragged, track_id == self._selected)
            if self._drag is not None and self._drag.get("mode") == "draw" and "rect" in self._drag:
                p.setPen(QPen(_DRAWING, 1.5, Qt.PenStyle.DashLine))
                p.setBrush(QColor(255, 255, 255, 40))
                p.drawRect(self._drag["rect"].normalized())
        finally:
            p.end()

    def _paint_box(self, p: QPainter, track_id: str, rect: QRectF, keyed: bool, selected: bool) -> None:
        colour = _SELECTED if selected else _OTHER
        p.setPen(QPen(colour, 2 if selected else 1.5, Qt.PenStyle.SolidLine if keyed else Qt.PenStyle.DashLine))
        p.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 40 if selected else 0))
        p.drawRect(rect)
        track = next(t for t in self._set.tracks if t.id == track_id)
        tag = f"{LABELS.get(track.label, track.label)} · {track.effect}" + ("" if keyed else " · between keyframes")
        metrics = p.fontMetrics()
        tag_rect = QRectF(rect.x(), rect.y() - metrics.height() - 2, metrics.horizontalAdvance(tag) + 8,
                          metrics.height() + 2)
        if tag_rect.y() < self._view.frame_rect().y():
            tag_rect.moveTop(rect.bottom() + 1)
        p.fillRect(tag_rect, QColor(0, 0, 0, 170))
        p.setPen(colour)
        p.drawText(tag_rect, Qt.AlignmentFlag.AlignCenter, tag)
        if selected:
            p.setBrush(colour)
            p.setPen(QPen(QColor(0, 0, 0), 1))
            for _, handle in self._handle_rects(rect):
                p.drawRect(handle)
        p.setBrush(Qt.BrushStyle.NoBrush)

    # --- mouse ---------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._editable:
            return super().mousePressEvent(event)
        if self._playing:
            self.pauseRequested.emit()
            return
        if self._t is None:
            self.notice.emit("This frame could not be identified, so it cannot be edited. "
                             "Step to the next frame.")
            return
        pos = event.position()
        if not self._view.frame_rect().contains(pos):
            return
        hit = self._hit(pos)
        if hit is None:
            if self._selected is not None:
                self._selected = None
                self.trackSelected.emit("")
            self._drag = {"mode": "draw", "start": pos, "t": self._t}
        else:
            track_id, part = hit
            if track_id != self._selected:
                self._selected = track_id
                self.trackSelected.emit(track_id)
            box = next(b for tid, b, _ in self.visible_boxes() if tid == track_id)
            self._drag = {"mode": part, "track": track_id, "start": pos, "origin": self.box_rect(box),
                          "t": self._t, "moved": False}
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        drag = self._drag
        if drag is None:
            self._update_cursor(pos)
            return
        if drag["mode"] == "draw":
            drag["rect"] = QRectF(drag["start"], pos).normalized().intersected(self._view.frame_rect())
        else:
            delta = pos - drag["start"]
            if abs(delta.x()) + abs(delta.y()) < 2 and not drag["moved"]:
                return
            drag["moved"] = True
            drag["rect"] = self._dragged_rect(drag["origin"], drag["mode"], delta)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self.update()
        if drag.get("t") != self._t or "rect" not in drag:
            return
        box = self._to_box(drag["rect"])
        if box is None:
            if drag["mode"] == "draw" and drag["rect"].width() * drag["rect"].height() > 4:
                self.notice.emit("That box is too small; drag a larger one.")
            return
        if drag["mode"] == "draw":
            self.boxDrawn.emit(box)
        elif drag["moved"]:
            self.boxChanged.emit(drag["track"], box)

    def _dragged_rect(self, origin: QRectF, mode: str, delta: QPointF) -> QRectF:
        fr = self._view.frame_rect()
        if mode == "move":
            rect = origin.translated(delta)
            dx = max(fr.left() - rect.left(), 0) - max(rect.right() - fr.right(), 0)
            dy = max(fr.top() - rect.top(), 0) - max(rect.bottom() - fr.bottom(), 0)
            return rect.translated(dx, dy)
        left, top, right, bottom = origin.left(), origin.top(), origin.right(), origin.bottom()
        if "l" in mode:
            left += delta.x()
        if "r" in mode:
            right += delta.x()
        if "t" in mode:
            top += delta.y()
        if "b" in mode:
            bottom += delta.y()
        return QRectF(QPointF(left, top), QPointF(right, bottom)).normalized().intersected(fr)

    def _update_cursor(self, pos: QPointF) -> None:
        if not self._editable or self._t is None:
            self.setCursor(Qt.CursorShape.ArrowCursor)
            return
        hit = self._hit(pos)
        if hit is None:
            inside = self._view.frame_rect().contains(pos)
            self.setCursor(QCursor(Qt.CursorShape.CrossCursor if inside else Qt.CursorShape.ArrowCursor))
        elif hit[1] == "move":
            self.setCursor(Qt.CursorShape.SizeAllCursor)
        else:
            self.setCursor(_CURSORS[hit[1]])
