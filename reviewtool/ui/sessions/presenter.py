"""The presenter (audience) window: the screen the panel watches.

It shows only two things: the redacted frames of the clip being played, or black. Frames reach it
only through a `PlayerFacade` whose player is in redacted mode (`show_clip` refuses any other), via
the same `VideoView` the editor uses -- so what the room sees is exactly what the player rendered,
redacted, blank or protected. Between items, while the facilitator is on anything but the clip, and
whenever the app's idle lock engages, it is black. The wellbeing notice (text, no footage) is the one
other thing it may show, before the first clip.

Screens come and go (a projector plugged in late, a cable pulled): `PresenterScreens` follows
`QGuiApplication.screenAdded/screenRemoved`. If the presenter's screen disappears the presenter
hides (it must not land on the facilitator's laptop screen over the controller); if it was waiting
for a second screen, it moves to the new one.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPaintEvent, QScreen
from PySide6.QtWidgets import QStackedLayout, QWidget

from reviewtool.media.frame_pool import DisplayedFrame
from reviewtool.ui.app_events import KEEP_WHEN_LOCKED, app_events
from reviewtool.ui.video.player_facade import PlayerFacade
from reviewtool.ui.video.video_view import VideoView

OFF = "off"
WINDOW = "window"


class _Black(QWidget):
    """Plain black, with optional calm text (the wellbeing notice)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), Qt.GlobalColor.black)
            if self.text:
                font = QFont(self.font())
                font.setPixelSize(max(14, min(40, self.height() // 18)))
                painter.setFont(font)
                painter.setPen(QColor(235, 235, 235))
                margin = self.width() // 8
                box = self.rect().adjusted(margin, margin // 2, -margin, -margin // 2)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.text)
        finally:
            painter.end()


class PresenterWindow(QWidget):
    """Top-level audience window. `show_clip(facade)` / `blank()` / `show_notice(text)`.
    `closedByUser()`: someone closed it with the window's own close button (the choice becomes Off)."""

    closedByUser = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("presenterWindow")
        self.setWindowTitle("reviewtool — presenter")
        self.setProperty(KEEP_WHEN_LOCKED, True)
        self.setStyleSheet("background:black;")
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.resize(960, 540)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self.black = _Black()
        self.video = VideoView()
        self.video.setObjectName("presenterVideo")
        self._stack.addWidget(self.black)
        self._stack.addWidget(self.video)
        self._stack.setCurrentWidget(self.black)
        self._locked = app_events().is_locked()
        app_events().locked.connect(self._on_locked)
        app_events().unlocked.connect(self._on_unlocked)
        self._wanted: PlayerFacade | None = None  # what the controller would show if not locked

    # --- what is shown ----------------------------------------------------------------------------------

    @property
    def source(self) -> PlayerFacade | None:
        return self.video.source

    @property
    def showing_clip(self) -> bool:
        return self._stack.currentWidget() is self.video and self.video.source is not None

    def frame(self) -> DisplayedFrame | None:
        """The frame being painted, or None when black."""
        return self.video.frame if self.showing_clip else None

    def show_clip(self, facade: PlayerFacade) -> None:
        """Show this façade's frames. Only a redacted player is accepted: anything else stays black."""
        if facade.mode != "redacted" or facade.released:
            self.blank()
            raise ValueError("the presenter shows redacted footage only")
        self._wanted = facade
        if self._locked:
            self._go_black("")
            return
        self.black.text = ""
        self.video.set_source(facade)
        self._stack.setCurrentWidget(self.video)

    def blank(self) -> None:
        self._wanted = None
        self._go_black("")

    def show_notice(self, text: str) -> None:
        """Calm text on black (the wellbeing notice); never footage."""
        self._wanted = None
        self._go_black("" if self._locked else text)

    def _go_black(self, text: str) -> None:
        self.video.set_source(None)
        self.video.clear()
        self.black.text = text
        self._stack.setCurrentWidget(self.black)
        self.black.update()

    def _on_locked(self) -> None:
        self._locked = True
        wanted = self._wanted
        self._go_black("")
        self._wanted = wanted

    def _on_unlocked(self) -> None:
        self._locked = False
        if self._wanted is not None and not self._wanted.released:
            self.show_clip(self._wanted)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        self.blank()
        if event.spontaneous():
            self.closedByUser.emit()
        super().closeEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt)
        # Keys typed at the audience screen go to the controller (the owner), not to nowhere.
        owner = self.parentWidget()
        if owner is not None:
            owner.activateWindow()
        super().keyPressEvent(event)


def describe_screen(screen: QScreen, n: int) -> str:
    size = screen.geometry()
    name = screen.name() or screen.model() or f"Screen {n}"
    return f"Screen {n}: {name} ({size.width()}×{size.height()})"


class PresenterScreens(QObject):
    """Puts the presenter on the chosen screen, full screen, and follows screens coming and going.

    `choice` is OFF, WINDOW (a normal window, e.g. to share in an online meeting) or a QScreen.
    `screensChanged()` tells the controller to refresh its list; `message(str)` explains a change
    that was not asked for (a screen unplugged)."""

    screensChanged = Signal()
    message = Signal(str)

    def __init__(self, presenter: PresenterWindow, controller: QWidget) -> None:
        super().__init__(controller)
        self.presenter = presenter
        self.controller = controller
        self.choice: object = OFF
        self.waiting_for_screen = False
        app = QGuiApplication.instance()
        app.screenAdded.connect(self._screen_added)
        app.screenRemoved.connect(self._screen_removed)
        presenter.closedByUser.connect(self._closed_by_user)

    def screens(self) -> list[QScreen]:
        return list(QGuiApplication.screens())

    def default_choice(self) -> object:
        """A screen other than the controller's if there is one; otherwise off, waiting for one."""
        own = self.controller.screen()
        others = [s for s in self.screens() if s is not own]
        if others:
            return others[0]
        self.waiting_for_screen = True
        return OFF

    def apply(self, choice: object) -> None:
        self.choice = choice
        presenter = self.presenter
        if isinstance(choice, str) and choice == OFF:
            presenter.hide()
            return
        self.waiting_for_screen = False
        if isinstance(choice, str):  # WINDOW
            presenter.showNormal()
            if presenter.windowState() & Qt.WindowState.WindowFullScreen:
                presenter.setWindowState(Qt.WindowState.WindowNoState)
            presenter.show()
            return
        screen: QScreen = choice  # type: ignore[assignment]
        presenter.hide()
        presenter.setScreen(screen)
        geometry: QRect = screen.geometry()
        presenter.setGeometry(geometry)
        presenter.showFullScreen()

    def _closed_by_user(self) -> None:
        self.choice = OFF
        self.waiting_for_screen = False
        self.screensChanged.emit()

    def _screen_added(self, screen: QScreen) -> None:
        self.screensChanged.emit()
        if self.waiting_for_screen and isinstance(self.choice, str) and self.choice == OFF and screen is not self.controller.screen():
            self.apply(screen)
            self.message.emit(f"A new screen appeared; the presenter is now on {screen.name() or 'it'}.")

    def _screen_removed(self, screen: QScreen) -> None:
        if self.choice is screen:
            self.presenter.blank()
            self.presenter.hide()
            self.choice = OFF
            self.waiting_for_screen = True
            self.message.emit("The presenter's screen was disconnected. The presenter is off and will move to "
                              "the next screen connected.")
        self.screensChanged.emit()
