"""Redacted playback: libvlc decodes into our memory, every frame is identified by content and redacted
before anything can show it (DESIGN section 5). Qt-free: the UI adapts the plain callbacks to signals.

Why by content: libvlc 3 cannot say which frame is on screen (get_time lags and jumps, seeks show old
frames, rate changes skip and repeat, pause re-delivers), so a box keyed on time would land on the wrong
picture. `FramePipeline` (no libvlc, unit-testable) takes each picture VLC hands us, computes its
signature, looks it up in the clip's FrameIndex and renders the union of the redactions of *every* index
frame within tolerance. Fail-closed, as explicit branches: no index, no match, or any exception gives a
black "protected" frame; a clip whose SHA-256 differs from the ingested one never plays (`ClipChanged`).

`RedactedPlayer` wraps one libvlc media player around that pipeline: `video_set_callbacks` into our own
RV32 buffers (never a native window), software decoding, audio to the normal output. libvlc callbacks
run on VLC's threads and never call back into libvlc: they record what they saw (the latest frame, the
wanted mute state, events) and a small controller thread applies it (`audio_set_mute`, pausing a primed
start, stepping a paused seek onto its exact frame) and tells listeners. Control methods may be called
from any thread except a libvlc callback (a sink): there they raise RuntimeError instead of deadlocking.

Measured on this project's machine (libvlc 3.0.24, docs/player.md): with `video_set_format` at the
clip's displayed size VLC's RV32 pictures give distance 0.0 to PyAV's rgb24 for the true frame, also for
1088-coded 1080p and 362-line clips; VLC turns rotated (display-matrix) clips itself before vmem, so
the index must be built from turned pictures and the player asks for the turned size. A seek while
paused shows a frame 3-4 before the target, hence the stepping; rate changes take ~0.4 s to apply and
lowering the rate stalls the picture for a while.
"""

from __future__ import annotations

import collections
import enum
import logging
import math
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from reviewtool.media.frame_index import FrameIndex, FrameIndexError
from reviewtool.media.frame_pipeline import MODES, FramePipeline, PipelineStats
from reviewtool.media.frame_pool import DEFAULT_BUFFERS, MAX_BUFFERS, DisplayedFrame, FramePin, FramePool
from reviewtool.media.ingest import MediaError, display_rotation, sha256_file
from reviewtool.media.redaction import MIN_MUTE_PAD, RedactionSet
from reviewtool.media.render import DEFAULT_MARGIN

log = logging.getLogger(__name__)

MIN_RATE, MAX_RATE = 0.25, 4.0
#: Options every player instance gets: software decoding so pictures match the PyAV-built index, and
#: nothing VLC would blend into our pictures (subtitles, OSD, title) or change (deinterlacing).
BASE_VLC_ARGS = (
    "--avcodec-hw=none", "--no-video-title-show", "--no-osd", "--no-spu", "--no-sub-autodetect-file",
    "--deinterlace=0", "--no-snapshot-preview", "--no-stats", "--no-xlib", "--quiet",
)
#: Muted while no new frame has been identified for this long during play (a stalled picture with
#: audio running on would otherwise carry the sound past a mute range).
STALL_MUTE_S = 0.3
#: A seek keeps audio muted until a frame this close to the target is identified, or this time passes.
SEEK_LANDING_S = 1.0
SEEK_TIMEOUT_S = 4.0
#: Single steps towards a paused seek's exact frame: at most this many, each waiting for a new picture.
LANDING_MAX_STEPS = 30
LANDING_STEP_WAIT_S = 0.15
LANDING_MAX_RESEEKS = 2
SEEK_REISSUE_S = 1.0
PAUSE_SETTLE_S = 0.3
_CONTROLLER_TICK_S = 0.04
_ALIGN = 64

_in_callback = threading.local()


class ClipChanged(MediaError):
    """The clip's bytes are not the ones ingested (SHA-256 differs): it must not be played."""

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        self.path = path
        self.expected = expected
        self.actual = actual
        super().__init__(f"{path.name} has changed since it was ingested (SHA-256 {actual[:12]}…, "
                         f"expected {expected[:12]}…); it will not be played")


class PlayerState(str, enum.Enum):
    IDLE = "idle"
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"
    STOPPED = "stopped"
    ERROR = "error"


def verify_clip(path: str | Path, expected_sha256: str) -> None:
    """Re-hash the whole file; raise ClipChanged unless it is byte-for-byte the ingested clip."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"clip not found: {path}")
    actual = sha256_file(path)
    if actual.lower() != expected_sha256.lower():
        raise ClipChanged(path, expected_sha256.lower(), actual.lower())


def presented_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of the picture as VLC presents it: the decoded size, turned by the rotation.
    Only needed without an index (the index records the size it was built at)."""
    import av  # local: importing the player should not load PyAV

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError(f"{Path(path).name} has no video stream")
            frame = next(container.decode(container.streams.video[0]), None)
            if frame is None:
                raise MediaError(f"{Path(path).name} has no decodable video frame")
            width, height = frame.width, frame.height
            rotation = display_rotation(frame)
    except av.FFmpegError as exc:
        raise MediaError(f"cannot read {Path(path).name}: {exc}") from exc
    return (height, width) if rotation in (90, 270) else (width, height)


def load_index(index: FrameIndex | str | Path | None, expected_sha256: str) -> FrameIndex | None:
    """The clip's FrameIndex, or None -- every frame then protected -- if it is missing, unreadable
    or another clip's."""
    if index is None:
        log.error("no frame index: every frame will be protected")
        return None
    if isinstance(index, FrameIndex):
        if index.sha256 and index.sha256 != expected_sha256.lower():
            log.error("frame index belongs to clip %s…, not %s…: every frame will be protected",
                      index.sha256[:12], expected_sha256[:12])
            return None
        return index
    try:
        return FrameIndex.load(index, expected_sha256=expected_sha256)
    except (FrameIndexError, OSError, ValueError) as exc:
        log.error("frame index unusable, every frame will be protected: %s", exc)
        return None


def _aligned_frame(height: int, width: int) -> np.ndarray:
    """An HxWx4 uint8 buffer whose start is 64-byte aligned (libvlc requires 32)."""
    raw = np.zeros(height * width * 4 + _ALIGN, dtype=np.uint8)
    offset = (-raw.ctypes.data) % _ALIGN
    return raw[offset:offset + height * width * 4].reshape(height, width, 4)


def _vlc():
    """python-vlc, imported on first use (it loads libvlc and reads PYTHON_VLC_* at import)."""
    import vlc

    return vlc


class _Core:
    """Everything libvlc's threads touch. Holds no reference to the façade, so the façade can be
    collected (its finalizer then stops VLC) while the ctypes callbacks stay alive with this object."""

    def __init__(self, pipeline: FramePipeline, width: int, height: int) -> None:
        self.pipeline = pipeline
        self.sources = [_aligned_frame(height, width) for _ in range(3)]
        self._next_source = 0
        self.lock = threading.Lock()
        self.frame_cv = threading.Condition(self.lock)
        self.sinks: list[Callable[[DisplayedFrame], None]] = []
        self.latest: DisplayedFrame | None = None
        self.last_identified: DisplayedFrame | None = None
        self.last_new_frame_at = 0.0  # monotonic time a different frame was last identified
        self.repeats = 0  # consecutive pictures identified as the last identified frame
        self.latest_at = 0.0  # monotonic time of the latest picture
        self.mute_wanted = True
        self.events: collections.deque[tuple[str, float]] = collections.deque()
        self.wake = threading.Event()
        self.callbacks: tuple[Any, ...] = ()

    # --- libvlc callbacks (VLC threads): record, hand over, return ----------------------------------

    def on_lock(self, opaque: Any, planes: Any) -> int:
        _in_callback.active = True
        try:
            number = self._next_source
            self._next_source = (number + 1) % len(self.sources)
            planes[0] = self.sources[number].ctypes.data
            return number + 1
        finally:
            _in_callback.active = False

    def on_unlock(self, opaque: Any, picture: Any, planes: Any) -> None:
        return None

    def on_display(self, opaque: Any, picture: Any) -> None:
        _in_callback.active = True
        try:
            number = (int(picture) - 1) if picture else (self._next_source - 1) % len(self.sources)
            frame, mute = self.pipeline.process(self.sources[number])
            if frame is None:
                with self.lock:
                    self.mute_wanted = self.mute_wanted or mute
                self.wake.set()
                return
            now = time.monotonic()
            with self.lock:
                previous = self.last_identified
                self.latest = frame
                self.latest_at = now
                if frame.frame_index is not None:
                    if previous is None or previous.frame_index != frame.frame_index:
                        self.last_new_frame_at = now
                        self.repeats = 1
                    else:
                        self.repeats += 1
                    self.last_identified = frame
                self.mute_wanted = mute
                sinks = list(self.sinks)
                self.frame_cv.notify_all()
            self.wake.set()
            for sink in sinks:
                try:
                    sink(frame)
                except Exception:
                    log.exception("frame sink %r failed", sink)
        except BaseException:  # never let anything propagate into libvlc
            log.exception("display callback failed")
        finally:
            _in_callback.active = False

    def on_event(self, event: Any) -> None:
        _in_callback.active = True
        try:
            self.events.append((str(event.type), time.monotonic()))
            self.wake.set()
        finally:
            _in_callback.active = False


def _guard_not_in_callback() -> None:
    if getattr(_in_callback, "active", False):
        raise RuntimeError("player controls must not be called from a libvlc callback (a frame sink)")


@dataclass(slots=True)
class _Seek:
    """A seek in progress: audio stays muted until it lands; a paused one is stepped onto its frame."""

    t: float
    target: int | None
    started: float
    landing: bool
    base_seq: int  # pictures up to this sequence number were shown before the seek
    old_index: int | None  # the frame on screen when it began (libvlc shows it a little longer)
    steps: int = 0
    stepped_from: int | None = None
    stepped_at: float = 0.0
    reseeks: int = 0
    issued_at: float = 0.0
    unsent: bool = False  # a paused seek waits for the paused picture to settle before set_time


class _Controller(threading.Thread):
    """Applies what the callbacks recorded: mute state, paused start, paused-seek landing, events."""

    def __init__(self, core: _Core, mp: Any, index_pts: np.ndarray | None, stall_s: float,
                 notify: Callable[[str], None]) -> None:
        super().__init__(name="reviewtool-player-control", daemon=True)
        self.core = core
        self.mp = mp
        self.index_pts = index_pts
        self.stall_s = stall_s
        self.notify = notify
        self.stopping = False
        self.applied_mute: bool | None = None
        self.mute_log: collections.deque[tuple[float, float | None, bool]] = collections.deque(maxlen=5000)
        self.want_playing = False
        self.lock = threading.Lock()
        # paused start: pause as soon as a picture after this sequence number is shown
        self.pause_after_seq: int | None = None
        self.seek: _Seek | None = None
        self.vlc_paused = False  # libvlc has confirmed our latest pause (Paused event after it)
        self.pause_sent_at = 0.0
        self.seek_timeouts = 0

    def run(self) -> None:
        while not self.stopping:
            self.core.wake.wait(_CONTROLLER_TICK_S)
            self.core.wake.clear()
            if self.stopping:
                break
            try:
                self._tick()
            except Exception:
                log.exception("player controller tick failed")

    def _tick(self) -> None:
        while self.core.events:
            name, at = self.core.events.popleft()
            if name.endswith("MediaPlayerPaused"):
                self.vlc_paused = at >= self.pause_sent_at  # not a stale event of an earlier pause
            elif name.endswith(("MediaPlayerPlaying", "MediaPlayerStopped", "MediaPlayerEndReached")):
                self.vlc_paused = False
            self.notify(name)
        now = time.monotonic()
        with self.core.lock:
            latest = self.core.latest
            last = self.core.last_identified
            repeats = self.core.repeats
            wanted = self.core.mute_wanted
            last_new = self.core.last_new_frame_at
        with self.lock:
            if self.pause_after_seq is not None and latest is not None and latest.seq > self.pause_after_seq:
                self.pause_after_seq = None
                self.send_pause()
            if self.seek is not None:
                wanted = True
                self._advance_seek(self.seek, last, repeats, now)
            if self.pause_after_seq is not None:
                wanted = True
        if self.want_playing and now - last_new > self.stall_s:
            wanted = True
        if wanted != self.applied_mute:
            self.mp.audio_set_mute(bool(wanted))
            self.applied_mute = wanted
            self.mute_log.append((now, last.pts if last is not None else None, wanted))

    def send_pause(self) -> None:
        self.pause_sent_at = time.monotonic()
        self.vlc_paused = False
        self.mp.set_pause(1)

    def send_play(self) -> None:
        self.vlc_paused = False
        self.mp.set_pause(0)

    def _send_seek(self, seek: _Seek, last: DisplayedFrame | None, now: float, back: float = 0.0) -> None:
        """set_time (`back` seconds before the target), then wait for a picture after the one now
        shown, and not of the same frame."""
        seek.issued_at = now
        seek.base_seq = self.core.latest.seq if self.core.latest is not None else 0
        seek.old_index = None if last is None else last.frame_index
        seek.steps = 0
        seek.stepped_from = None
        self.mp.set_time(int(math.floor(max(0.0, seek.t - back) * 1000)))

    def _advance_seek(self, seek: _Seek, last: DisplayedFrame | None, repeats: int, now: float) -> None:
        if now - seek.started > SEEK_TIMEOUT_S:
            log.warning("seek to %.3f s not completed in %.1f s (showing frame %s)", seek.t, SEEK_TIMEOUT_S,
                        None if last is None else last.frame_index)
            self.seek = None
            self.seek_timeouts += 1
            return
        if seek.unsent:
            # A seek sent while libvlc is still pausing is often lost or misplaced (seen: paused for good
            # on the old picture; or a jump 10 frames past the target), and its Paused event comes at
            # once, before the picture stops. So a paused seek waits for the picture to settle (the
            # same frame delivered twice).
            settled = self.vlc_paused and (repeats >= 2 if self.index_pts is not None
                                           else now - seek.started > PAUSE_SETTLE_S)
            if settled or now - seek.started > SEEK_REISSUE_S:
                seek.unsent = False
                self._send_seek(seek, last, now)
            return
        # Should one be lost all the same (no picture at all for a while, where a paused libvlc
        # re-delivers every ~70 ms, or settled on the old one), send it once more.
        if seek.landing and self.vlc_paused and now - seek.issued_at > SEEK_REISSUE_S \
                and seek.reseeks < LANDING_MAX_RESEEKS and (
                    now - self.core.latest_at > SEEK_REISSUE_S
                    or (seek.steps == 0 and repeats >= 2 and last is not None
                        and last.frame_index == seek.old_index != seek.target)):
            seek.reseeks += 1
            self._send_seek(seek, last, now)
            return
        if last is None or last.seq <= seek.base_seq or last.frame_index is None or last.pts is None:
            return
        if not seek.landing:
            if abs(last.pts - seek.t) <= SEEK_LANDING_S:
                self.seek = None
            return
        assert seek.target is not None
        if seek.steps == 0 and last.frame_index == seek.old_index and seek.old_index != seek.target:
            return  # still the picture from before the seek
        # Decide on a settled picture: libvlc confirmed paused and re-delivering the same frame (or,
        # as it sometimes stops re-delivering, no picture for a while). Commands sent before that race
        # with it (seen: a seek sent while pausing lost for good, a step sent as the previous step's
        # picture arrives ignored). Reaching the target by a step needs no settling.
        stepped = seek.steps > 0 and last.frame_index != seek.stepped_from
        if last.frame_index == seek.target and stepped:
            self.seek = None
            return
        if not self.vlc_paused or (repeats < 2 and now - self.core.latest_at < PAUSE_SETTLE_S):
            return
        if last.frame_index == seek.target:
            self.seek = None
            return
        if last.frame_index > seek.target:
            if seek.reseeks >= LANDING_MAX_RESEEKS or self.index_pts is None:
                self.seek = None
                return
            # Overshot: a paused start stops a frame or two late, and a seek to just before a keyframe
            # can land on it. Seek again, earlier each time; single steps then walk onto the target.
            seek.reseeks += 1
            self._send_seek(seek, last, now, back=0.25 * seek.reseeks)
            return
        if seek.steps >= LANDING_MAX_STEPS:
            self.seek = None
            return
        if seek.stepped_from is None or last.frame_index != seek.stepped_from \
                or now - seek.stepped_at > LANDING_STEP_WAIT_S:  # a step that showed nothing: again
            self.mp.next_frame()
            seek.steps += 1
            seek.stepped_from = last.frame_index
            seek.stepped_at = now


def _shutdown(instance: Any, mp: Any, controller: _Controller | None, core: _Core) -> None:
    """Stop and free libvlc; runs from release(), garbage collection of the player, or atexit."""
    if getattr(_in_callback, "active", False):  # never stop VLC from inside its own thread
        threading.Thread(target=_shutdown, args=(instance, mp, controller, core), daemon=False).start()
        return
    if controller is not None:
        controller.stopping = True
        core.wake.set()
    try:
        if mp is not None:
            mp.stop()
            mp.release()
        if instance is not None:
            instance.release()
    except Exception:
        log.exception("releasing libvlc failed")
    if controller is not None and controller.is_alive() and controller is not threading.current_thread():
        controller.join(timeout=2.0)
    core.callbacks = ()  # libvlc is gone: the ctypes callbacks may now be freed


class RedactedPlayer:
    """Plays one ingested clip; consumers receive finished frames only (see `frame_pool`).

    `mode="redacted"` (panels, presenter, audit) needs a RedactionSet; `mode="raw"` (the redaction
    editor of a user allowed to see raw footage -- the caller checks that) shows decoded pictures
    unredacted but still identifies them. Construction does no I/O; `open()` (or the first control call)
    hashes the file and starts libvlc.
    """

    def __init__(self, clip_path: str | Path, expected_sha256: str,
                 frame_index: FrameIndex | str | Path | None, redactions: RedactionSet | None,
                 *, mode: str = "redacted", vlc_args: Sequence[str] = (), tolerance: float | None = None,
                 margin: float = DEFAULT_MARGIN, size: tuple[int, int] | None = None,
                 buffers: int = DEFAULT_BUFFERS, max_buffers: int = MAX_BUFFERS) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode == "redacted" and redactions is None:
            raise ValueError("redacted playback needs a RedactionSet (an empty one if nothing is hidden)")
        if redactions is not None and redactions.footage_sha256 != expected_sha256.lower():
            raise ValueError("the redactions were made for another clip (footage_sha256 differs)")
        self.clip_path = Path(clip_path)
        self.expected_sha256 = expected_sha256.lower()
        self.mode = mode
        self.redactions = redactions
        self._index_arg = frame_index
        self._vlc_args = tuple(vlc_args)
        self._tolerance = tolerance
        self._margin = margin
        self._size = size
        self._buffers = (buffers, max_buffers)
        self._rate = 1.0
        self._state = PlayerState.IDLE
        self._listeners: list[Callable[[PlayerState], None]] = []
        self._pending_sinks: list[Callable[[DisplayedFrame], None]] = []
        self.index: FrameIndex | None = None
        self._core: _Core | None = None
        self._mp: Any = None
        self._instance: Any = None
        self._controller: _Controller | None = None
        self._finalizer: weakref.finalize | None = None
        self._started = False
        self._clock_disturbed = False  # single steps were taken since the last play
        self._lock = threading.RLock()

    # --- set-up ---------------------------------------------------------------------------------------

    def open(self) -> None:
        """Verify the clip's bytes and prepare libvlc (nothing is shown until play/seek/step)."""
        _guard_not_in_callback()
        with self._lock:
            if self._mp is not None:
                return
            verify_clip(self.clip_path, self.expected_sha256)
            self.index = load_index(self._index_arg, self.expected_sha256)
            if self._size is not None:
                width, height = self._size
            elif self.index is not None:
                width, height = self.index.width, self.index.height  # as indexed = as VLC presents it
            else:
                width, height = presented_size(self.clip_path)
            pool = FramePool(width, height, *self._buffers)
            pipeline = FramePipeline(pool, self.index, self.redactions, self.mode,
                                     tolerance=self._tolerance, margin=self._margin)
            core = _Core(pipeline, width, height)
            core.sinks.extend(self._pending_sinks)
            vlc = _vlc()
            instance = vlc.Instance([*BASE_VLC_ARGS, *self._vlc_args])
            if instance is None:
                raise MediaError(f"libvlc could not start with options {list(self._vlc_args)}")
            mp = instance.media_player_new()
            lock_cb = vlc.CallbackDecorators.VideoLockCb(core.on_lock)
            unlock_cb = vlc.CallbackDecorators.VideoUnlockCb(core.on_unlock)
            display_cb = vlc.CallbackDecorators.VideoDisplayCb(core.on_display)
            mp.video_set_format("RV32", width, height, width * 4)
            mp.video_set_callbacks(lock_cb, unlock_cb, display_cb, None)
            mp.audio_set_mute(True)  # until a frame is identified outside every mute range
            events = mp.event_manager()
            for kind in (vlc.EventType.MediaPlayerPlaying, vlc.EventType.MediaPlayerPaused,
                         vlc.EventType.MediaPlayerStopped, vlc.EventType.MediaPlayerEndReached,
                         vlc.EventType.MediaPlayerEncounteredError):
                events.event_attach(kind, core.on_event)
            core.callbacks = (lock_cb, unlock_cb, display_cb, events)
            controller = _Controller(core, mp, None if self.index is None else self.index.pts,
                                     self._stall_seconds(), _EventRelay(weakref.ref(self)))
            self._core, self._mp, self._instance, self._controller = core, mp, instance, controller
            self._finalizer = weakref.finalize(self, _shutdown, instance, mp, controller, core)
            controller.start()

    def _stall_seconds(self) -> float:
        step = 1 / 30
        if self.index is not None and len(self.index.pts) > 1:
            step = float(np.median(np.diff(self.index.pts)))
        return max(STALL_MUTE_S, 2.5 * step / min(self._rate, 1.0))

    def release(self) -> None:
        """Stop playback and free libvlc; the player cannot be used afterwards. Idempotent."""
        _guard_not_in_callback()
        if self._finalizer is not None:
            self._finalizer()
        self._state = PlayerState.STOPPED

    def __enter__(self) -> RedactedPlayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # --- consumers ------------------------------------------------------------------------------------

    def add_sink(self, sink: Callable[[DisplayedFrame], None]) -> None:
        """Call `sink(frame)` for every finished frame, on VLC's thread: copy or pin, return quickly,
        and do not call the player's controls from it."""
        if self._core is None:
            self._pending_sinks.append(sink)
        else:
            with self._core.lock:
                self._core.sinks.append(sink)

    def remove_sink(self, sink: Callable[[DisplayedFrame], None]) -> None:
        if sink in self._pending_sinks:
            self._pending_sinks.remove(sink)
        if self._core is not None:
            with self._core.lock:
                if sink in self._core.sinks:
                    self._core.sinks.remove(sink)

    def add_listener(self, listener: Callable[[PlayerState], None]) -> None:
        """`listener(state)` on the player's controller thread after each state change."""
        self._listeners.append(listener)

    def pin_latest(self) -> FramePin | None:
        """The newest finished frame, held until the pin is released (for painting on another thread)."""
        return None if self._core is None else self._core.pipeline.pool.pin_latest()

    def wait_for_frame(self, predicate: Callable[[DisplayedFrame], bool], timeout: float
                       ) -> DisplayedFrame | None:
        """Block (not in a sink) until the latest frame satisfies `predicate`; None on timeout."""
        _guard_not_in_callback()
        if self._core is None:
            return None
        deadline = time.monotonic() + timeout
        with self._core.frame_cv:
            while True:
                frame = self._core.latest
                if frame is not None and predicate(frame):
                    return frame
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._core.frame_cv.wait(remaining)

    def wait_until_settled(self, timeout: float = SEEK_TIMEOUT_S + 0.5) -> bool:
        """Wait until no seek, step or paused start is in progress. False on timeout, or when one
        was given up (libvlc did not show the target within SEEK_TIMEOUT_S)."""
        controller = self._controller
        if controller is None:
            return True
        failures = controller.seek_timeouts
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with controller.lock:
                if controller.seek is None and controller.pause_after_seq is None:
                    return controller.seek_timeouts == failures
            time.sleep(0.01)
        return False

    # --- state ----------------------------------------------------------------------------------------

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def latest(self) -> DisplayedFrame | None:
        return None if self._core is None else self._core.latest

    @property
    def frame_index(self) -> int | None:
        """The index of the last identified frame (what the editor keys on)."""
        last = None if self._core is None else self._core.last_identified
        return None if last is None else last.frame_index

    @property
    def time(self) -> float | None:
        """Media time of the last identified frame (not libvlc's lagging get_time)."""
        last = None if self._core is None else self._core.last_identified
        return None if last is None else last.pts

    @property
    def length(self) -> float | None:
        """Media time at the end of the last frame."""
        if self.index is not None:
            return float(self.index.pts[0]) + self.index.duration
        if self._mp is not None and not getattr(_in_callback, "active", False):
            ms = self._mp.get_length()  # no index: libvlc's idea (never asked from its own threads)
            return ms / 1000.0 if ms > 0 else None
        return None

    @property
    def mute_wanted(self) -> bool:
        return True if self._core is None else self._core.mute_wanted

    @property
    def muted(self) -> bool | None:
        """The mute state last applied to libvlc (None before the first)."""
        return None if self._controller is None else self._controller.applied_mute

    @property
    def mute_log(self) -> list[tuple[float, float | None, bool]]:
        """(monotonic time, media time of the last identified frame, muted) at each mute change."""
        return [] if self._controller is None else list(self._controller.mute_log)

    def stats(self) -> PipelineStats | None:
        return None if self._core is None else self._core.pipeline.stats()

    # --- controls -------------------------------------------------------------------------------------

    def play(self) -> None:
        self._control()
        with self._lock:
            self._controller.want_playing = True
            if not self._started or self._state in (PlayerState.ENDED, PlayerState.STOPPED,
                                                    PlayerState.ERROR):
                self._start(None, paused=False)
            else:
                with self._controller.lock:
                    self._controller.pause_after_seq = None
                    self._controller.seek = None
                self._controller.send_play()
                if self._clock_disturbed and self.time is not None:
                    # After single steps libvlc 3 resumes ahead of the picture by about the time spent
                    # paused; a seek to the frame on screen puts it back. (Seeking first, while still
                    # paused, races with the resume in libvlc and can restart the clip from 0.)
                    self._begin_seek(self.time, self.frame_index, landing=False)
                    self._mp.set_time(int(math.floor(self.time * 1000)))
            self._clock_disturbed = False
            self._state = PlayerState.PLAYING

    def pause(self) -> None:
        self._control()
        with self._lock:
            self._controller.want_playing = False
            if self._started and self._state == PlayerState.PLAYING:
                self._controller.send_pause()
                self._state = PlayerState.PAUSED

    def toggle(self) -> None:
        if self._state == PlayerState.PLAYING:
            self.pause()
        else:
            self.play()

    def seek(self, t: float) -> None:
        """Go to media time `t` (clamped to the clip), keeping the play/pause state."""
        self._control()
        if not math.isfinite(t):
            raise ValueError(f"seek time must be finite, got {t}")
        with self._lock:
            target = self._frame_at(t)
            if target is not None and self.index is not None:
                t = float(self.index.pts[target])
            length = self.length
            t = max(0.0, min(t, length) if length else t)
            paused = not self._controller.want_playing
            if not self._started or self._state in (PlayerState.ENDED, PlayerState.STOPPED,
                                                    PlayerState.ERROR):
                self._start(t, paused=paused, target=target)
                return
            # A paused seek is sent by the controller once the picture has settled (see _Seek.unsent).
            self._begin_seek(t, target, landing=paused, unsent=paused)
            self._clock_disturbed = self._clock_disturbed or paused
            if not paused:
                self._mp.set_time(int(math.floor(t * 1000)))

    def set_rate(self, rate: float) -> None:
        self._control()
        if not (math.isfinite(rate) and MIN_RATE <= rate <= MAX_RATE):
            raise ValueError(f"rate must be between {MIN_RATE} and {MAX_RATE}, got {rate}")
        with self._lock:
            self._rate = float(rate)
            self._core.pipeline.mute_pad = MIN_MUTE_PAD * max(1.0, rate)
            self._controller.stall_s = self._stall_seconds()
            self._mp.set_rate(float(rate))

    def step(self) -> None:
        """Show the next indexed frame and stay paused.

        libvlc's next_frame sometimes shows nothing (the first step after a seek), so the step is a
        landing on frame + 1 that the controller repeats until that frame is on screen; steps pressed
        faster than libvlc shows them add up."""
        self._control()
        with self._lock:
            self._controller.want_playing = False
            if not self._started or self._state in (PlayerState.ENDED, PlayerState.STOPPED,
                                                    PlayerState.ERROR):
                self._start(0.0, paused=True, target=0)
                return
            if self._state == PlayerState.PLAYING:
                self._controller.send_pause()
                self._state = PlayerState.PAUSED
            self._clock_disturbed = True
            base = self._pending_target()
            n = len(self.index) if self.index is not None else 0
            with self._controller.lock:
                pending = self._controller.seek is not None
                self._controller.pause_after_seq = None
                if base is None or base + 1 >= n:
                    self._controller.seek = None
                else:
                    now = time.monotonic()
                    latest = self._core.latest
                    self._controller.seek = _Seek(
                        float(self.index.pts[base + 1]), base + 1, now, True,
                        latest.seq if latest is not None else 0, base,
                        steps=1, stepped_from=base, stepped_at=now, issued_at=now)
            if not pending:
                self._mp.next_frame()
            self._core.wake.set()

    def step_back(self) -> None:
        """Show the previous indexed frame and stay paused (a paused seek to its time)."""
        self._control()
        with self._lock:
            base = self._pending_target()
            if base is None or base == 0 or self.index is None:
                return
            self.pause()
            self.seek(float(self.index.pts[base - 1]))

    def _pending_target(self) -> int | None:
        """The frame a landing in progress is heading for, else the frame on screen."""
        with self._controller.lock:
            seek = self._controller.seek
            if seek is not None and seek.landing and seek.target is not None:
                return seek.target
        return self.frame_index

    def stop(self) -> None:
        self._control()
        with self._lock:
            self._controller.want_playing = False
            with self._controller.lock:
                self._controller.seek = None
                self._controller.pause_after_seq = None
            self._mp.stop()
            self._state = PlayerState.STOPPED
            self._core.mute_wanted = True

    # --- internals ------------------------------------------------------------------------------------

    def _control(self) -> None:
        _guard_not_in_callback()
        if self._finalizer is not None and not self._finalizer.alive:
            raise RuntimeError("the player has been released")
        self.open()

    def _frame_at(self, t: float) -> int | None:
        """The index frame shown at media time t: the last one whose pts is <= t."""
        return None if self.index is None else self.index.frame_at(t + 1e-6)

    def _begin_seek(self, t: float, target: int | None, *, landing: bool, unsent: bool = False) -> None:
        core, controller = self._core, self._controller
        with core.lock:
            base_seq = core.latest.seq if core.latest is not None else 0
            old = core.last_identified.frame_index if core.last_identified is not None else None
            core.mute_wanted = True
        core.pipeline.forget_position()
        with controller.lock:
            controller.seek = _Seek(t, target, time.monotonic(), landing and target is not None,
                                    base_seq, old, issued_at=time.monotonic(), unsent=unsent)
        core.wake.set()

    def _start(self, t: float | None, *, paused: bool, target: int | None = None) -> None:
        """(Re)open the input in libvlc, from `t`; a paused start pauses on its first picture."""
        if self._started:
            verify_clip(self.clip_path, self.expected_sha256)  # libvlc re-reads the file: check again
        vlc = _vlc()
        media = self._instance.media_new_path(str(self.clip_path))
        if t:
            media.add_option(f":start-time={t:.6f}")
        self._mp.set_media(media)
        self._mp.audio_set_mute(True)
        self._controller.applied_mute = True
        self._mp.set_rate(self._rate)
        with self._core.lock:
            base_seq = self._core.latest.seq if self._core.latest is not None else 0
            self._core.last_identified = None
        if paused:
            with self._controller.lock:
                self._controller.pause_after_seq = base_seq
        if t is not None:
            self._begin_seek(t, target, landing=paused)
            self._clock_disturbed = paused
        else:
            self._core.pipeline.forget_position()
        self._controller.vlc_paused = False
        if self._mp.play() != 0:
            self._state = PlayerState.ERROR
            raise MediaError(f"libvlc could not play {self.clip_path.name}")
        del vlc
        self._started = True
        self._state = PlayerState.PAUSED if paused else PlayerState.PLAYING

    def _on_event(self, name: str) -> None:
        """Controller thread: libvlc told us its state changed."""
        state = {
            "EventType.MediaPlayerPlaying": PlayerState.PLAYING,
            "EventType.MediaPlayerPaused": PlayerState.PAUSED,
            "EventType.MediaPlayerStopped": PlayerState.STOPPED,
            "EventType.MediaPlayerEndReached": PlayerState.ENDED,
            "EventType.MediaPlayerEncounteredError": PlayerState.ERROR,
        }.get(name)
        if state is None:
            return
        if state in (PlayerState.ENDED, PlayerState.ERROR):
            if self._core is not None:
                self._core.mute_wanted = True
            if self._controller is not None:
                self._controller.want_playing = False
        if state == PlayerState.ERROR:
            log.error("libvlc reported an error playing %s", self.clip_path.name)
        if state in (PlayerState.ENDED, PlayerState.ERROR) or state == self._state:
            self._state = state
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:
                log.exception("player listener %r failed", listener)


class _EventRelay:
    """Forwards controller events to the player while it exists (a weak reference, so the
    controller thread does not keep the façade alive)."""

    def __init__(self, ref: weakref.ref[RedactedPlayer]) -> None:
        self._ref = ref

    def __call__(self, name: str) -> None:
        player = self._ref()
        if player is not None:
            player._on_event(name)
