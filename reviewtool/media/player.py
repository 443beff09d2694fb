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
run on VLC's threads and never call back into libvlc: they record what they saw and a small controller
thread applies it (`player_threads`). Control methods may be called from any thread except a libvlc
callback (a sink): there they raise RuntimeError instead of deadlocking.

Measured on this project's machine (libvlc 3.0.24, docs/player.md): with `video_set_format` at the
clip's displayed size VLC's RV32 pictures give distance 0.0 to PyAV's rgb24 for the true frame, also for
1088-coded 1080p and 362-line clips; VLC turns rotated (display-matrix) clips itself before vmem, so
the index must be built from turned pictures and the player asks for the turned size. A seek while
paused shows a frame 1-4 before the target, hence the stepping; rate changes take ~0.4 s to apply and
lowering the rate stalls the picture for a while.
"""

from __future__ import annotations

import enum
import logging
import math
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from reviewtool.media.frame_index import FrameIndex, FrameIndexError
from reviewtool.media.frame_pipeline import MODES, FramePipeline, PipelineStats
from reviewtool.media.frame_pool import DEFAULT_BUFFERS, MAX_BUFFERS, DisplayedFrame, FramePin, FramePool
from reviewtool.media.ingest import MediaError, display_rotation, sha256_file
from reviewtool.media.player_threads import (
    FILE_CACHING_MS,
    SEEK_TIMEOUT_S,
    STALL_MUTE_S,
    CallbackCore,
    Controller,
    SeekInProgress,
    guard_not_in_callback,
    in_callback,
    shutdown_vlc,
)
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


def verify_clip(path: str | Path, expected_sha256: str) -> tuple[int, ...] | None:
    """Re-hash the whole file; raise ClipChanged unless it is byte-for-byte the ingested clip.

    Returns the file's identity (`file_identity`) if it stayed the same while it was hashed, else None.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"clip not found: {path}")
    before = file_identity(path)
    actual = sha256_file(path)
    if actual.lower() != expected_sha256.lower():
        raise ClipChanged(path, expected_sha256.lower(), actual.lower())
    return before if file_identity(path) == before else None


def file_identity(path: Path) -> tuple[int, ...]:
    """Device, inode, size, modification and change times: any write to the file or replacement of it
    changes one of them (the change time cannot be set back short of changing the system clock)."""
    st = path.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


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

def _vlc():
    """python-vlc, imported on first use (it loads libvlc and reads PYTHON_VLC_* at import)."""
    import vlc

    return vlc

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
        self._core: CallbackCore | None = None
        self._mp: Any = None
        self._instance: Any = None
        self._controller: Controller | None = None
        self._finalizer: weakref.finalize | None = None
        self._started = False
        self._clock_disturbed = False  # single steps were taken since the last play
        self._verified: tuple[int, ...] | None = None  # file_identity when its hash was last checked
        self._lock = threading.RLock()

    # --- set-up ---------------------------------------------------------------------------------------

    def open(self) -> None:
        """Verify the clip's bytes and prepare libvlc (nothing is shown until play/seek/step)."""
        guard_not_in_callback()
        with self._lock:
            if self._mp is not None:
                return
            self._verified = verify_clip(self.clip_path, self.expected_sha256)
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
            core = CallbackCore(pipeline, width, height)
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
            controller = Controller(core, mp, None if self.index is None else self.index.pts,
                                    self._stall_seconds(), _EventRelay(weakref.ref(self)))
            core.near_end_from = controller.landing_limit
            self._core, self._mp, self._instance, self._controller = core, mp, instance, controller
            self._finalizer = weakref.finalize(self, shutdown_vlc, instance, mp, controller, core)
            controller.start()

    def _stall_seconds(self) -> float:
        step = 1 / 30
        if self.index is not None and len(self.index.pts) > 1:
            step = float(np.median(np.diff(self.index.pts)))
        return max(STALL_MUTE_S, 2.5 * step / min(self._rate, 1.0))

    def release(self) -> None:
        """Stop playback and free libvlc; the player cannot be used afterwards. Idempotent."""
        guard_not_in_callback()
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
        """`listener(state)` on the player's controller thread whenever libvlc reports a state change
        (the argument is the player's `state`, which control calls also change without notifying)."""
        self._listeners.append(listener)

    def pin_latest(self) -> FramePin | None:
        """The newest finished frame, held until the pin is released (for painting on another thread)."""
        return None if self._core is None else self._core.pipeline.pool.pin_latest()

    def wait_for_frame(self, predicate: Callable[[DisplayedFrame], bool], timeout: float
                       ) -> DisplayedFrame | None:
        """Block (not in a sink) until the latest frame satisfies `predicate`; None on timeout."""
        guard_not_in_callback()
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
        was given up (libvlc did not show the target within SEEK_TIMEOUT_S, or a paused seek ended
        on another frame)."""
        controller = self._controller
        if controller is None:
            return True
        failures = controller.seek_timeouts + controller.landing_failures
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with controller.lock:
                if controller.seek is None and controller.pause_after_seq is None:
                    return controller.seek_timeouts + controller.landing_failures == failures
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
        if self._mp is not None and not getattr(in_callback, "active", False):
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
                if self._clock_disturbed and self.time is not None and self._core.shown_near_end:
                    self._start(self.time, paused=False)  # near the end, no set_time (see _start)
                else:
                    self._controller.send_play()
                    if self._clock_disturbed and self.time is not None:
                        # After single steps libvlc 3 resumes ahead of the picture by about the time
                        # spent paused; a seek to the frame on screen puts it back. (Seeking first,
                        # while still paused, races with the resume in libvlc and can restart the
                        # clip from 0.)
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
                                                    PlayerState.ERROR) or self._core.shown_near_end:
                self._start(t, paused=paused, target=target)
                return
            # A paused seek is sent by the controller once the picture has settled (see SeekInProgress.unsent).
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
                seek = self._controller.seek
                self._controller.pause_after_seq = None
                now = time.monotonic()
                if base is None or base + 1 >= n:
                    if seek is None or not seek.landing:  # at the last frame: nothing to do
                        self._controller.seek = None
                elif seek is not None and seek.landing:
                    # Pressed again before the last one showed: the landing in progress goes one further.
                    seek.t, seek.target, seek.started = float(self.index.pts[base + 1]), base + 1, now
                else:
                    latest = self._core.latest
                    self._controller.seek = SeekInProgress(
                        float(self.index.pts[base + 1]), base + 1, now, True,
                        latest.seq if latest is not None else 0, None, issued_at=now)
                    if seek is None:  # a seek still playing out settles first; otherwise step now
                        self._controller.send_step(self._controller.seek, base, now)
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
        guard_not_in_callback()
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
            controller.seek = SeekInProgress(t, target, time.monotonic(), landing and target is not None,
                                    base_seq, old, issued_at=time.monotonic(), unsent=unsent)
        core.wake.set()

    def _start(self, t: float | None, *, paused: bool, target: int | None = None) -> None:
        """(Re)open the input in libvlc, from `t`; a paused start pauses on its first picture.

        Also how the player seeks once the picture has been near the end of the clip: libvlc 3 may
        then have read to the end of the file and asked its decoder to drain, and a seek does not
        cancel that request. The stale drain fires later, mid-stream, and flushes the decoder: every
        picture up to the next keyframe comes out broken (grey, unidentifiable, shown black). A
        fresh input has no such request (docs/player.md)."""
        start = t
        if paused and t is not None and target is not None:
            start = self._controller.lead_start(target)  # it pauses a frame or two late: then steps
        self._open_input(start)
        with self._core.lock:
            base_seq = self._core.latest.seq if self._core.latest is not None else 0
            self._core.last_identified = None
        with self._controller.lock:
            self._controller.pause_after_seq = base_seq if paused else None
            self._controller.seek = None
        if t is not None:
            self._begin_seek(t, target, landing=paused)
            self._clock_disturbed = paused
        else:
            self._core.pipeline.forget_position()
        self._play_input()
        self._state = PlayerState.PAUSED if paused else PlayerState.PLAYING

    def _open_input(self, start: float | None) -> None:
        """Give libvlc the clip again (hashed again first: libvlc re-reads the file), from `start`."""
        if self._started:
            # libvlc reads the file again: hashed again unless it is provably the file hashed before
            # (near the end of a clip every seek re-opens; a long clip takes seconds to hash).
            if self._verified is None or file_identity(self.clip_path) != self._verified:
                self._verified = verify_clip(self.clip_path, self.expected_sha256)
            # Stopped first, so that its video output shows nothing of the old input afterwards (a
            # paused one re-delivers its picture, which would pass for the new input's first).
            self._mp.stop()
        media = self._instance.media_new_path(str(self.clip_path))
        media.add_option(f":file-caching={FILE_CACHING_MS}")  # what the paused landing relies on
        if start:
            media.add_option(f":start-time={start:.6f}")
        self._mp.set_media(media)
        self._mp.audio_set_mute(True)
        self._controller.applied_mute = True
        self._mp.set_rate(self._rate)
        with self._core.lock:
            self._core.shown_near_end = False

    def _play_input(self) -> None:
        self._controller.vlc_paused = False
        if self._mp.play() != 0:
            self._state = PlayerState.ERROR
            raise MediaError(f"libvlc could not play {self.clip_path.name}")
        self._started = True

    def _reopen_for_landing(self, start: float, ready: Callable[[], None]) -> bool:
        """Controller thread: a paused landing near the end goes on from a fresh input (see
        `_start`); `ready()` sets the landing up once the old input is gone, before the new one plays.
        False if the clip cannot be played (it is then stopped)."""
        try:
            self._open_input(start)
            ready()
            self._play_input()
            return True
        except Exception:  # ClipChanged included: the clip must not play on
            log.exception("re-opening %s for a paused seek failed", self.clip_path.name)
            try:
                self._mp.stop()
            except Exception:
                log.exception("stopping libvlc failed")
            self._state = PlayerState.ERROR
            return False

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
        if state in (PlayerState.ENDED, PlayerState.ERROR):
            self._state = state
        # Otherwise the state is the one the controls set (libvlc's events lag them, and a paused start
        # plays for a moment): listeners are told the player's state, whichever event woke them.
        for listener in list(self._listeners):
            try:
                listener(self._state)
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

    def reopen(self, start: float, ready: Callable[[], None]) -> bool:
        player = self._ref()
        return player is not None and player._reopen_for_landing(start, ready)
