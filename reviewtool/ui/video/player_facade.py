"""The player as the GUI sees it: a QObject with signals over one `RedactedPlayer` (Qt-free, media layer).

Why a façade: libvlc calls us on its own threads, where nothing may touch a widget or call back into
libvlc (STYLE point 4). The player's frame sink therefore only *pins* the finished frame (so its buffer
is not reused, see `reviewtool.media.frame_pool`) and leaves it in a one-place mailbox; the first frame
into an empty mailbox posts one queued wake-up to the GUI thread. When the GUI thread gets round to it,
it takes the newest pin, releasing any frame that was overtaken meanwhile -- so a slow GUI skips frames
instead of queueing them, and holds at most two buffers (the mailbox and the frame on screen).

On the GUI thread the façade keeps the pin of the frame it last announced and emits `frameReady(frame)`.
Views connected directly (they live on the GUI thread) take their own pin during that call and keep it
while they paint; the façade releases its pin when the next frame arrives. Several views (the editor and
a presenter screen) can show one façade at once, each with its own pin.

What reaches the views is exactly what the player rendered: in redacted mode a redacted, blank or black
"protected" frame, never the decoded picture. The façade never makes a frame itself.

Controls (`play`, `seek`, `step`, ...) are ordinary GUI-thread calls; the player applies them through
its own controller thread. A control that fails (the clip changed on disk since ingest, libvlc refused
to start) emits `failed(message)` with a one-line reason instead of raising into a key handler.
"""

from __future__ import annotations

import logging
import math
import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot

from reviewtool.media.frame_index import FrameIndex
from reviewtool.media.frame_pool import DisplayedFrame, FramePin
from reviewtool.media.ingest import MediaError
from reviewtool.media.player import MAX_RATE, MIN_RATE, PlayerState, RedactedPlayer

log = logging.getLogger(__name__)

__all__ = ["PlayerFacade", "PlayerState"]


class _Wakeups(QObject):
    """Lives on the GUI thread; its signals are emitted from VLC's and the controller's threads and are
    delivered (queued) to the façade's slots on the GUI thread."""

    frameWaiting = Signal()
    stateWaiting = Signal()


class _FrameMailbox:
    """The player's frame sink (runs on VLC's display thread): pin, put in the mailbox, return."""

    def __init__(self, wakeups: _Wakeups) -> None:
        self._wakeups = wakeups
        self._lock = threading.Lock()
        self._pending: FramePin | None = None
        self._closed = False

    def __call__(self, frame: DisplayedFrame) -> None:
        pin = frame.pin()  # during the sink call the frame is the latest: this succeeds
        if pin is None:
            return
        with self._lock:
            if self._closed:
                overtaken, wake = pin, False
            else:
                overtaken, self._pending = self._pending, pin
                wake = overtaken is None  # otherwise a wake-up is already on its way
        if overtaken is not None:
            overtaken.release()
        if wake:
            self._wakeups.frameWaiting.emit()

    def take(self) -> FramePin | None:
        with self._lock:
            pin, self._pending = self._pending, None
        return pin

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pin, self._pending = self._pending, None
        if pin is not None:
            pin.release()


class _StateRelay:
    """The player's state listener (runs on its controller thread): only posts a wake-up."""

    def __init__(self, wakeups: _Wakeups) -> None:
        self._wakeups = wakeups

    def __call__(self, state: PlayerState) -> None:
        self._wakeups.stateWaiting.emit()


class PlayerFacade(QObject):
    """One `RedactedPlayer` for the GUI. Create, connect views, `open()` (hashes the clip), then control.

    Signals (all delivered on the GUI thread):
    - `frameReady(DisplayedFrame)`: a new finished frame. Valid to read only while pinned: a receiver
      that keeps it calls `frame.pin()` during the emission (this succeeds, the façade holds a pin
      until its next frame) and releases that pin when done with it.
    - `stateChanged(PlayerState)`: playing, paused, ended, stopped, error.
    - `positionChanged(int frame_index, float seconds)`: the identified frame on screen changed.
    - `failed(str)`: a control could not be carried out (one calm sentence).
    """

    frameReady = Signal(object)
    stateChanged = Signal(object)
    positionChanged = Signal(int, float)
    failed = Signal(str)

    def __init__(self, player: RedactedPlayer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = player
        self._wakeups = _Wakeups(self)
        self._mailbox = _FrameMailbox(self._wakeups)
        self._state_relay = _StateRelay(self._wakeups)
        self._wakeups.frameWaiting.connect(self._take_frame, Qt.ConnectionType.QueuedConnection)
        self._wakeups.stateWaiting.connect(self._refresh_state, Qt.ConnectionType.QueuedConnection)
        player.add_sink(self._mailbox)
        player.add_listener(self._state_relay)
        self._pin: FramePin | None = None
        self._state = player.state
        self._position: tuple[int, float] | None = None
        self._released = False

    # --- what is on screen ---------------------------------------------------------------------------

    @property
    def player(self) -> RedactedPlayer:
        return self._player

    @property
    def mode(self) -> str:
        """"redacted" or "raw" -- fixed for the player's life; switch modes by switching façades."""
        return self._player.mode

    @property
    def frame(self) -> DisplayedFrame | None:
        """The last frame announced by `frameReady` (pin it before reading its image later)."""
        return None if self._pin is None else self._pin.frame

    @property
    def frame_index(self) -> int | None:
        """Index of the identified frame on screen (None before the first, or if never identified)."""
        return None if self._position is None else self._position[0]

    @property
    def time(self) -> float | None:
        """Media time (seconds) of the identified frame on screen."""
        return None if self._position is None else self._position[1]

    @property
    def index(self) -> FrameIndex | None:
        """The clip's FrameIndex once opened (None if missing: every frame is then protected)."""
        return self._player.index

    @property
    def length(self) -> float | None:
        return self._player.length

    @property
    def frame_count(self) -> int:
        return 0 if self._player.index is None else len(self._player.index)

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def rate(self) -> float:
        return self._player.rate

    @property
    def released(self) -> bool:
        return self._released

    def frame_time(self, frame_index: int) -> float:
        """Media time of an indexed frame."""
        index = self._require_index()
        return float(index.pts[frame_index])

    def frame_at(self, t: float) -> int | None:
        """The indexed frame shown at media time `t` (the last whose pts <= t)."""
        index = self._player.index
        return None if index is None else index.frame_at(t + 1e-6)

    # --- controls (GUI thread) -----------------------------------------------------------------------

    def open(self) -> None:
        """Hash the clip and start libvlc; raises `ClipChanged`/`MediaError` (call it where a failure
        can be shown, e.g. in a background task). Nothing is shown until play, seek or step."""
        self._player.open()

    def play(self) -> None:
        self._control(self._player.play)

    def pause(self) -> None:
        self._control(self._player.pause)

    def toggle(self) -> None:
        self._control(self._player.toggle)

    def seek(self, t: float) -> None:
        """Go to media time `t` (clamped to the clip), keeping play/pause."""
        if math.isfinite(t):
            self._control(lambda: self._player.seek(max(0.0, t)))

    def seek_frame(self, frame_index: int) -> None:
        index = self._player.index
        if index is not None and len(index):
            self.seek(float(index.pts[max(0, min(frame_index, len(index) - 1))]))

    def skip(self, seconds: float) -> None:
        """Jump by `seconds` (negative: back) from the frame on screen."""
        now = self.time if self.time is not None else 0.0
        self.seek(now + seconds)

    def step(self) -> None:
        """Next indexed frame, paused."""
        self._control(self._player.step)

    def step_back(self) -> None:
        """Previous indexed frame, paused (a paused seek onto it)."""
        self._control(self._player.step_back)

    def set_rate(self, rate: float) -> None:
        self._control(lambda: self._player.set_rate(min(MAX_RATE, max(MIN_RATE, rate))))

    def stop(self) -> None:
        self._control(self._player.stop)

    def release(self) -> None:
        """Stop libvlc and let go of every buffer. Idempotent; the façade is inert afterwards."""
        if self._released:
            return
        self._released = True
        self._mailbox.close()
        self._player.remove_sink(self._mailbox)
        try:
            self._player.release()
        except Exception:
            log.exception("releasing the player failed")
        self._mailbox.close()  # a frame that was in flight during remove_sink
        if self._pin is not None:
            self._pin.release()
            self._pin = None
        self._set_state(PlayerState.STOPPED)

    # --- internals -----------------------------------------------------------------------------------

    def _require_index(self) -> FrameIndex:
        if self._player.index is None:
            raise LookupError("the clip has no frame index")
        return self._player.index

    def _control(self, action) -> None:
        if self._released:
            return
        try:
            action()
        except MediaError as exc:
            log.warning("player control failed: %s", exc)
            self.failed.emit(str(exc))
        except (RuntimeError, ValueError) as exc:
            log.exception("player control failed")
            self.failed.emit(f"The player could not do that: {exc}")
        self._set_state(self._player.state)

    @Slot()
    def _take_frame(self) -> None:
        pin = self._mailbox.take()
        if pin is None:
            return
        if self._released:
            pin.release()
            return
        previous, self._pin = self._pin, pin
        frame = pin.frame
        try:
            self.frameReady.emit(frame)
            if frame.frame_index is not None and frame.pts is not None:
                position = (frame.frame_index, frame.pts)
                if position != self._position:
                    self._position = position
                    self.positionChanged.emit(*position)
        finally:
            if previous is not None:
                previous.release()

    @Slot()
    def _refresh_state(self) -> None:
        if not self._released:
            self._set_state(self._player.state)

    def _set_state(self, state: PlayerState) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)
