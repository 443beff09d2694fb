"""App-wide signals that windows outside the main window must follow.

The presenter (audience) window and the redaction editor are separate top-level windows owned by other
areas; the shell cannot reach into them.  Instead it announces what happened here and they react:

    from reviewtool.ui.app_events import app_events
    app_events().locked.connect(self.blackout)        # the presenter goes black, the editor hides
    app_events().unlocked.connect(self.restore)
    app_events().shutting_down.connect(self.release_player)   # stop libvlc before Python exits

`is_locked()` answers for a window opened while the app is already locked.  All signals are emitted on
the GUI thread.  A window that handles `locked` itself (the presenter must stay up, showing black) sets
the Qt property `KEEP_WHEN_LOCKED` to True; every other visible top-level window is hidden by the lock
and shown again after unlocking.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

# Qt dynamic property on a top-level window: "I blank myself on `locked`; do not hide me".
KEEP_WHEN_LOCKED = "reviewtoolKeepWhenLocked"


class AppEvents(QObject):
    locked = Signal()
    unlocked = Signal()
    # Emitted once, before the main window closes: stop and release players, end background work.
    shutting_down = Signal()
    # The signed-in user changed a setting that others read (key).
    setting_changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._locked = False
        self.locked.connect(self._mark_locked)
        self.unlocked.connect(self._mark_unlocked)

    def is_locked(self) -> bool:
        return self._locked

    def _mark_locked(self) -> None:
        self._locked = True

    def _mark_unlocked(self) -> None:
        self._locked = False


_events: AppEvents | None = None


def app_events() -> AppEvents:
    """The one AppEvents of this process (created on first use, in the GUI thread)."""
    global _events
    if _events is None:
        _events = AppEvents()
    return _events


def is_locked() -> bool:
    return app_events().is_locked()
