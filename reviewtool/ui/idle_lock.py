"""The idle lock: after the configured minutes without input, nothing is on show until the same person
types their password again (or signs out).

An application-wide event filter notes the time of every key press, click, wheel turn and mouse move;
a timer compares it with the limit (`idle_lock_minutes`, default 10, at most 30 — DESIGN section 11).
Locking, in this order, so no footage outlives the decision:
1. `app_events().locked` is emitted — the presenter window goes black, the editor blanks itself;
2. every other visible top-level window is hidden (a window that blanks itself on `locked`, like the
   presenter, opts out with the `KEEP_WHEN_LOCKED` property). A modal dialog that was open is closed
   as cancelled: it cannot stay over a locked screen, and every change is saved when it is entered;
3. the main window shows the lock screen instead of its areas, with menus disabled.
Unlocking checks the password through `UserService.login` (a wrong password counts towards the
account lockout, as at sign-in) and reverses the steps.
"""

from __future__ import annotations

import logging
import time

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Actor
from reviewtool.ui.app_events import KEEP_WHEN_LOCKED, app_events
from reviewtool.ui.context import AppContext
from reviewtool.ui.login import PasswordForm
from reviewtool.ui.resources import icon
from reviewtool.ui.tasks import JobProgressDialog

log = logging.getLogger(__name__)

DEFAULT_MINUTES = 10
_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove, QEvent.Type.HoverMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate, QEvent.Type.TabletPress, QEvent.Type.Shortcut,
})


class LockScreen(QWidget):
    """Shown in place of the main window's areas while locked."""

    unlocked = Signal(object)  # the Actor who typed the password
    sign_out_requested = Signal()

    def __init__(self, ctx: AppContext, display_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.ctx = ctx
        picture = QLabel()
        picture.setPixmap(QIcon(icon("lock")).pixmap(72, 72))
        picture.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        heading = QLabel("reviewtool is locked")
        heading.setObjectName("lockHeading")
        heading.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        explain = QLabel(f"It locked itself after a while without use. {display_name}, enter your password "
                         "to carry on where you left off — or sign out so someone else can sign in.")
        explain.setWordWrap(True)
        explain.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        self.form = PasswordForm(ctx.db, username=ctx.actor.username, fixed_username=True, submit_text="&Unlock")
        self.form.on_success(self._password_ok)
        self.sign_out = QPushButton("Sign &out")
        self.sign_out.setObjectName("signOut")
        self.sign_out.setAutoDefault(False)
        self.sign_out.clicked.connect(self.sign_out_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out)
        buttons.addStretch(1)
        buttons.addWidget(self.form.submit)

        card = QWidget()
        card.setObjectName("lockCard")
        card.setMaximumWidth(520)
        inner = QVBoxLayout(card)
        inner.setSpacing(14)
        inner.addWidget(picture)
        inner.addWidget(heading)
        inner.addWidget(explain)
        inner.addWidget(self.form)
        inner.addLayout(buttons)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 2)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.setTabOrder(self.form.password, self.form.submit)
        self.setTabOrder(self.form.submit, self.sign_out)

    def reset(self) -> None:
        self.form.password.clear()
        self.form.message.hide()
        self.form.password.setFocus()

    def _password_ok(self, actor: Actor) -> None:
        if actor.username != self.ctx.actor.username:  # cannot happen with a fixed name; refuse anyway
            self.form.show_message("Only the person who was signed in can unlock. Sign out instead.")
            return
        self.unlocked.emit(actor)


class IdleLock(QObject):
    """Watches input for the whole application and locks `window` when it has been idle too long.

    `window` provides `show_lock_screen()` and `hide_lock_screen()` (the main window)."""

    def __init__(self, window: QWidget, minutes: int = DEFAULT_MINUTES) -> None:
        super().__init__(window)
        self.window = window
        self._timeout_s = minutes * 60.0
        self._last_input = time.monotonic()
        self._locked = False
        self._hidden: list[QWidget] = []
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self._apply_interval()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer.start()

    # -- configuration -------------------------------------------------------------------------------
    def set_minutes(self, minutes: int) -> None:
        self.set_timeout_ms(int(minutes * 60_000))

    def set_timeout_ms(self, ms: int) -> None:
        """Tests use milliseconds; people get minutes from the settings."""
        self._timeout_s = ms / 1000.0
        self._apply_interval()
        self.touch()

    @property
    def timeout_ms(self) -> int:
        return int(self._timeout_s * 1000)

    def _apply_interval(self) -> None:
        # Check often enough to lock within a quarter of the limit, but never more than every 5 s.
        self._timer.setInterval(max(10, min(5000, int(self._timeout_s * 250))))

    # -- input ---------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in _INPUT_EVENTS:
            self._last_input = time.monotonic()
        return False

    def touch(self) -> None:
        self._last_input = time.monotonic()

    @Slot()
    def _check(self) -> None:
        if not self._locked and time.monotonic() - self._last_input >= self._timeout_s:
            log.info("idle for %.0f s: locking", self._timeout_s)
            self.lock()

    # -- locking -------------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self._locked

    def lock(self) -> None:
        if self._locked:
            return
        self._locked = True
        app_events().locked.emit()
        self._hide_other_windows()
        self.window.show_lock_screen()

    def unlock(self) -> None:
        if not self._locked:
            return
        self._locked = False
        self.window.hide_lock_screen()
        for w in self._hidden:
            if shiboken6.isValid(w) and not (isinstance(w, JobProgressDialog) and w.finished):
                w.show()
        self._hidden = []
        self.touch()
        app_events().unlocked.emit()

    def _hide_other_windows(self) -> None:
        for w in QApplication.topLevelWidgets():
            if w is self.window or not w.isVisible() or w.property(KEEP_WHEN_LOCKED):
                continue
            if isinstance(w, QDialog) and w.isModal() and not isinstance(w, JobProgressDialog):
                log.info("closing dialog %r on lock", w.windowTitle())
                w.reject()
                continue
            w.hide()
            self._hidden.append(w)

    def shutdown(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
