"""A widget that paints the player's finished frames: the only place a picture of footage reaches Qt.

It paints what its `PlayerFacade` announces and nothing else -- there is no other way to give it a
picture, so in redacted mode it can only ever show redacted, blank or protected frames (DESIGN 5.5: a
QImage over a finished buffer, painted by QPainter; no native video window with widgets on top).

Buffers: on `frameReady` the view pins the frame (`DisplayedFrame.pin()`), keeps that pin until the
next frame has replaced it, and releases it only then. The QImage is built over the pinned buffer inside
`paintEvent` (no copy) and dropped before the paint returns, so it never outlives the pin and the
player never writes a buffer that is being painted. Any number of views may show one façade (the
editor and a presenter screen): each holds its own pin.

A frame the player could not show redacted ("protected": black) gets a calm notice over it, so the
audience knows the black is deliberate. Blank ranges stay plain black: they are an editorial choice.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from reviewtool.media.frame_pool import DisplayedFrame, FramePin
from reviewtool.ui.video.player_facade import PlayerFacade

PROTECTED_NOTICE = "Protected — this frame cannot be shown"
#: The pool's buffers are B, G, R, X bytes in memory: Qt's RGB32 (0xffRRGGBB words) on little-endian
#: machines. Elsewhere the picture is converted on paint (correct, one copy per paint).
_NATIVE_RGB32 = sys.byteorder == "little"


class VideoView(QWidget):
    """Paints the latest frame of its source façade, aspect-fitted on black.

    `frameRectChanged(QRectF)`: where the picture is drawn changed (resize, new frame size); the editor's
    overlay maps box fractions through `frame_rect()`. `frameChanged(DisplayedFrame | None)`: the frame
    being shown changed (None: nothing shown); read `frame.image` only through a pin of your own.
    """

    frameRectChanged = Signal(QRectF)
    frameChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source: PlayerFacade | None = None
        self._pin: FramePin | None = None
        self._frame_size: tuple[int, int] | None = None
        self._rect = QRectF()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMinimumSize(160, 90)
        self.setAccessibleName("Video")

    # --- source --------------------------------------------------------------------------------------

    @property
    def source(self) -> PlayerFacade | None:
        return self._source

    def set_source(self, facade: PlayerFacade | None) -> None:
        """Show `facade`'s frames from now on (None: show nothing). The previous source's frame is let go
        at once, so a raw frame from an editing player is never painted once a redacted one is set."""
        if facade is self._source:
            return
        if self._source is not None:
            try:
                self._source.frameReady.disconnect(self._on_frame)
            except (RuntimeError, TypeError):
                pass  # the old façade is already gone
        self._drop_pin()
        self._source = facade
        if facade is not None:
            facade.frameReady.connect(self._on_frame)
            index = facade.index
            if index is not None:
                self._set_frame_size(index.width, index.height)
            current = facade.frame
            if current is not None:
                self._on_frame(current)
        self.update()

    @property
    def frame(self) -> DisplayedFrame | None:
        """The frame being shown (pinned by this view), or None."""
        return None if self._pin is None else self._pin.frame

    def frame_rect(self) -> QRectF:
        """Where the picture is (or will be) painted, in widget coordinates; empty before any frame."""
        return QRectF(self._rect)

    def clear(self) -> None:
        """Show black and let go of the frame (e.g. while a clip is being switched)."""
        self._drop_pin()
        self.update()

    # --- frames --------------------------------------------------------------------------------------

    def _on_frame(self, frame: DisplayedFrame) -> None:
        pin = frame.pin()
        if pin is None:  # overtaken before we got to it: keep the frame we have
            return
        old, self._pin = self._pin, pin
        if old is not None:
            old.release()
        self._set_frame_size(frame.width, frame.height)
        self.update()
        self.frameChanged.emit(frame)

    def _drop_pin(self) -> None:
        pin, self._pin = self._pin, None
        if pin is not None:
            pin.release()
            self.frameChanged.emit(None)

    def _set_frame_size(self, width: int, height: int) -> None:
        if self._frame_size != (width, height):
            self._frame_size = (width, height)
            self._update_rect()

    def _update_rect(self) -> None:
        rect = QRectF()
        if self._frame_size is not None:
            fw, fh = self._frame_size
            w, h = self.width(), self.height()
            scale = min(w / fw, h / fh) if fw and fh else 0.0
            dw, dh = fw * scale, fh * scale
            rect = QRectF((w - dw) / 2.0, (h - dh) / 2.0, dw, dh)
        if rect != self._rect:
            self._rect = rect
            self.frameRectChanged.emit(QRectF(rect))

    # --- Qt ------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_rect()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), Qt.GlobalColor.black)
            pin = self._pin
            if pin is None or self._rect.isEmpty():
                return
            frame = pin.frame
            image = _image_over(pin)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(self._rect, image)
            del image  # the QImage must not outlive the pin; it is released only on the next frame
            if frame.protected:
                self._paint_notice(painter)
        finally:
            painter.end()

    def _paint_notice(self, painter: QPainter) -> None:
        rect = self._rect
        font = QFont(self.font())
        font.setPixelSize(max(12, min(28, int(rect.height() / 16))))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        text_w = metrics.horizontalAdvance(PROTECTED_NOTICE)
        pad = font.pixelSize()
        box_w = min(rect.width() - 8, text_w + 2 * pad)
        box_h = metrics.height() + pad
        box = QRectF(rect.center().x() - box_w / 2, rect.center().y() - box_h / 2, box_w, box_h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(120, 120, 120), 1))
        painter.setBrush(QColor(40, 40, 40, 230))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(QColor(230, 230, 230))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, PROTECTED_NOTICE)


def _image_over(pin: FramePin) -> QImage:
    """A QImage over the pinned buffer (no copy on little-endian machines)."""
    array = pin.image
    height, width = array.shape[:2]
    if _NATIVE_RGB32:
        return QImage(array.data, width, height, array.strides[0], QImage.Format.Format_RGB32)
    rgbx = array[..., [2, 1, 0, 3]].copy()  # big-endian: reorder to R, G, B, X bytes
    image = QImage(rgbx.data, width, height, rgbx.strides[0], QImage.Format.Format_RGBX8888)
    return image.copy()
