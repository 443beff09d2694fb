"""What runs on libvlc's threads and on the player's controller thread (used by `player.py`).

libvlc calls `CallbackCore`'s lock/display/event callbacks on its own threads. They never call back into
libvlc: they run the frame pipeline, record what they saw (latest frame, wanted mute state, events) and
return. The `Controller` thread applies it: `audio_set_mute`, pausing a primed start, and landing a
paused seek or a step exactly on its frame, working round the libvlc 3 behaviour in docs/player.md
(paused seeks landing early, seeks lost when sent while pausing, single steps dropped or shown late,
paused seeks near the end of the file that never finish, a drain a seek does not cancel).
Neither object references the façade, so a forgotten player can be collected and its finalizer
(`shutdown_vlc`) stop libvlc while the ctypes callbacks are still referenced.
"""

from __future__ import annotations

import collections
import itertools
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from reviewtool.media.frame_pipeline import FramePipeline
from reviewtool.media.frame_pool import DisplayedFrame, aligned_frame

log = logging.getLogger(__name__)

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
#: A paused seek this few frames ahead is done by single steps; going back, it aims this much earlier.
NEAR_FRAMES = 10
NEAR_BACK_S = 0.05
#: libvlc's input buffering (ms; VLC 3's default, set on every media so that it is known). Paused,
#: libvlc 3 stops reading at the end of the file while its decoder waits for that buffering, which then
#: never completes: a paused seek to within this of the end shows one early picture and no step moves
#: it (docs/player.md). So a paused landing never seeks (set_time) into the last FILE_CACHING_MS +
#: END_MARGIN_S of a clip: it re-opens the input there, which plays, so its buffering completes at the
#: end of the file, and pauses on its first picture. (300 ms would shrink that zone, but then 2x play
#: shows broken, unidentifiable pictures.)
FILE_CACHING_MS = 1000
END_MARGIN_S = 0.25
#: A fresh input for a paused landing starts this many frames before the target.
LANDING_LEAD_FRAMES = 4
#: A landing whose single steps have not moved the picture for this long seeks again, from earlier.
LANDING_STUCK_S = 0.6
#: While a landing's steps show nothing, another is sent this often (up to the frames left); when
#: every frame left has been asked for, they count as dropped after LANDING_STEP_WAIT_S.
LANDING_RETRY_S = 0.04
_CONTROLLER_TICK_S = 0.04

in_callback = threading.local()


class CallbackCore:
    """Everything libvlc's threads touch. Holds no reference to the façade, so the façade can be
    collected (its finalizer then stops VLC) while the ctypes callbacks stay alive with this object.

    Zero-copy hand-over (`frame_pool`): the lock callback lends libvlc a pool slot to decode into, the
    display callback has the pipeline identify and redact that very slot in place, and only then is it
    published and given to the sinks. libvlc's picture handle is a token naming the lent slot; anything
    that does not add up (a display for a picture that was not lent, a lent picture never displayed) is
    blackened and withheld. When the pool has no free slot, libvlc decodes into a scratch buffer that is
    never published (the frame is dropped, the screen keeps its last finished frame).
    """

    def __init__(self, pipeline: FramePipeline, width: int, height: int) -> None:
        self.pipeline = pipeline
        self.scratch = aligned_frame(height, width)
        self._tokens = itertools.count(1)
        self._lent: tuple[int, int | None, np.ndarray] | None = None  # (token, slot or None, buffer)
        self._lent_lock = threading.Lock()  # libvlc locks and displays on one thread, but a new video
                                            # output (after set_media) brings a new thread
        self.withheld = 0  # pictures blackened and not shown because the hand-over did not add up
        self.lock = threading.Lock()
        self.frame_cv = threading.Condition(self.lock)
        self.sinks: list[Callable[[DisplayedFrame], None]] = []
        self.latest: DisplayedFrame | None = None
        self.last_identified: DisplayedFrame | None = None
        self.last_new_frame_at = 0.0  # monotonic time a different frame was last identified
        self.repeats = 0  # consecutive pictures identified as the last identified frame
        self.latest_at = 0.0  # monotonic time of the latest picture
        # Media time from which a picture shown means libvlc may have read to the end of the file
        # (see Controller.landing_limit), and whether one has been shown since the input was opened.
        self.near_end_from = math.inf
        self.shown_near_end = False
        self.mute_wanted = True
        self.events: collections.deque[tuple[str, float]] = collections.deque()
        self.wake = threading.Event()
        self.callbacks: tuple[Any, ...] = ()

    # --- libvlc callbacks (VLC threads): record, hand over, return ----------------------------------

    def on_lock(self, opaque: Any, planes: Any) -> int:
        """libvlc wants memory for the next picture: lend it a pool slot (or the scratch buffer)."""
        in_callback.active = True
        try:
            token, buffer = self.lend()
            planes[0] = buffer.ctypes.data
            return token
        finally:
            in_callback.active = False

    def lend(self) -> tuple[int, np.ndarray]:
        """(token, buffer) for libvlc to decode the next picture into; never raises."""
        with self._lent_lock:
            token = next(self._tokens)
            try:
                self._withhold_lent()  # locked but never displayed: libvlc dropped that picture
                slot = self.pipeline.pool.begin_write()
            except Exception:
                log.exception("lending a frame buffer failed; this picture will not be shown")
                slot = None
            number, buffer = slot if slot is not None else (None, self.scratch)
            self._lent = (token, number, buffer)
            return token, buffer

    def on_unlock(self, opaque: Any, picture: Any, planes: Any) -> None:
        return None

    def on_display(self, opaque: Any, picture: Any) -> None:
        in_callback.active = True
        try:
            frame, mute = self.finish(picture)
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
                    if frame.pts is not None and frame.pts >= self.near_end_from:
                        self.shown_near_end = True
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
            in_callback.active = False

    def finish(self, token: Any) -> tuple[DisplayedFrame | None, bool]:
        """libvlc has finished writing the picture lent under `token`: identify, redact (or blacken) and
        publish it. (None, True) when there is nothing to show."""
        with self._lent_lock:
            lent = self._lent
            if lent is None or token != lent[0]:
                log.error("libvlc displayed picture %r, which was not the one lent (%r); not shown", token,
                          None if lent is None else lent[0])
                self._withhold_lent()
                return None, True
            self._lent = None
        _, number, buffer = lent
        if number is None:  # the scratch buffer: no pool slot was free
            self._blacken(buffer)
            return None, True
        return self.pipeline.finish(number, buffer)

    def _withhold_lent(self) -> None:
        """Blacken the picture lent to libvlc and give its slot back unpublished (`_lent_lock` held)."""
        lent, self._lent = self._lent, None
        if lent is None:
            return
        self.withheld += 1
        _, number, buffer = lent
        if number is None:
            self._blacken(buffer)
        else:
            self.pipeline.pool.abort(number)

    @staticmethod
    def _blacken(buffer: np.ndarray) -> None:
        try:
            buffer.fill(0)
        except Exception:
            log.exception("blackening a withheld picture failed")

    def on_event(self, event: Any) -> None:
        in_callback.active = True
        try:
            self.events.append((str(event.type), time.monotonic()))
            self.wake.set()
        finally:
            in_callback.active = False


def guard_not_in_callback() -> None:
    if getattr(in_callback, "active", False):
        raise RuntimeError("player controls must not be called from a libvlc callback (a frame sink)")


@dataclass(slots=True)
class SeekInProgress:
    """A seek in progress: audio stays muted until it lands; a paused one is stepped onto its frame."""

    t: float
    target: int | None
    started: float
    landing: bool
    base_seq: int  # pictures up to this sequence number were shown before the seek
    old_index: int | None  # the frame on screen when it began (libvlc shows it a little longer)
    steps: int = 0
    stepped_at: float = 0.0
    reseeks: int = 0
    issued_at: float = 0.0
    unsent: bool = False  # a paused seek waits for the paused picture to settle before set_time
    moved_at: float = 0.0  # monotonic time a step last moved the picture
    seen: int | None = None  # the frame shown when the landing last looked
    in_flight: int = 0  # steps sent that have not shown a frame yet
    written_off: bool = False  # steps in flight were taken as dropped (they may still show)


class Controller(threading.Thread):
    """Applies what the callbacks recorded: mute state, paused start, paused-seek landing, events."""

    def __init__(self, core: CallbackCore, mp: Any, index_pts: np.ndarray | None, stall_s: float,
                 notify: Callable[[str], None]) -> None:
        super().__init__(name="reviewtool-player-control", daemon=True)
        self.core = core
        self.mp = mp
        self.index_pts = index_pts
        self.landing_limit = landing_limit(index_pts)
        self.stall_s = stall_s
        self.notify = notify
        self.stopping = False
        self.applied_mute: bool | None = None
        self.mute_log: collections.deque[tuple[float, float | None, bool]] = collections.deque(maxlen=5000)
        self.want_playing = False
        self.lock = threading.Lock()
        # paused start: pause as soon as a picture after this sequence number is shown
        self.pause_after_seq: int | None = None
        self.seek: SeekInProgress | None = None
        self.vlc_paused = False  # libvlc has confirmed our latest pause (Paused event after it)
        self.pause_sent_at = 0.0
        self.seek_timeouts = 0
        self.landing_failures = 0  # paused landings that ended on another frame than their target

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
            if self.stopping:  # libvlc is being released (shutdown_vlc waited for this lock)
                return
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
        if wanted != self.applied_mute and not self.stopping:
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

    def _send_seek(self, seek: SeekInProgress, last: DisplayedFrame | None, now: float, back: float = 0.0) -> None:
        """set_time (`back` seconds before the target), then wait for a picture after the one now
        shown, and not of the same frame."""
        seek.issued_at = now
        seek.base_seq = self.core.latest.seq if self.core.latest is not None else 0
        seek.old_index = None if last is None else last.frame_index
        seek.steps = 0
        seek.in_flight = 0
        seek.written_off = False
        seek.seen = None
        t = max(0.0, seek.t - back)
        if not (self.core.shown_near_end or t > self.landing_limit):
            self.mp.set_time(int(math.floor(t * 1000)))
            return
        # Near the end a paused seek would never finish buffering (FILE_CACHING_MS), and once libvlc
        # has read to the end a seek would leave a drain pending that later breaks the decoding
        # (RedactedPlayer._start): the landing goes on from a fresh input, which plays from a few
        # frames before the target and pauses on its first picture.
        t = self.lead_start(seek.target, back)

        def ready() -> None:  # the old input is gone: from here on pictures are the new input's
            with self.core.lock:
                self.core.last_identified = None
                seek.base_seq = self.core.latest.seq if self.core.latest is not None else 0
            seek.old_index = None
            self.pause_after_seq = seek.base_seq
            self.vlc_paused = False

        reopen = getattr(self.notify, "reopen", None)
        if self.stopping or reopen is None or not reopen(t, ready):
            self.pause_after_seq = None
            self._give_up(seek, last)

    def _advance_seek(self, seek: SeekInProgress, last: DisplayedFrame | None, repeats: int,
                      now: float) -> None:
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
                shown = None if last is None else last.frame_index
                if seek.target is None or shown is None or not 0 <= seek.target - shown <= NEAR_FRAMES:
                    # Landing a few frames early must not land on the frame already shown (then the
                    # landing could not be told from the old picture): going back, aim further back.
                    near_back = shown is not None and seek.target is not None and 0 < shown - seek.target
                    self._send_seek(seek, last, now, back=NEAR_BACK_S if near_back else 0.0)
                    return
                # A few frames ahead: no seek, just single steps from the frame shown.
                seek.base_seq = last.seq - 1
                seek.old_index = None
            else:
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
        if seek.steps == 0 and last.frame_index == seek.old_index != seek.target and seek.reseeks == 0:
            # Still the picture from before the seek -- or libvlc landed on that very frame, which only
            # the re-send (after SEEK_REISSUE_S) tells apart; after it, the frame counts as landed.
            return
        stepping = seek.steps > 0
        if stepping:
            self._count_moves(seek, last.frame_index, now)
            if last.frame_index == seek.target:  # walked onto it (stepping starts before the target)
                # Steps unaccounted for (or written off as dropped) may yet be shown late: then done
                # once the picture has been shown again (near the end of the file, where libvlc has
                # been seen to hold steps for 0.2 s, once nothing has moved for a while). A late one
                # moves the picture past the target: seek again.
                unsure = seek.in_flight > 0 or seek.written_off
                quiet = now - max(seek.moved_at, seek.stepped_at)
                if not unsure or (quiet > LANDING_STEP_WAIT_S if self.core.shown_near_end
                                  else repeats >= 2):
                    self.seek = None
                return
        else:
            # Decide on a settled picture: libvlc confirmed paused and re-delivering the same frame (or,
            # as it sometimes stops re-delivering, no picture for a while). Commands sent before that
            # race with it (seen: a seek sent while pausing lost for good, the first step after a seek
            # ignored).
            if not self.vlc_paused or (repeats < 2 and now - self.core.latest_at < PAUSE_SETTLE_S):
                return
            if last.frame_index == seek.target:
                self.seek = None
                return
        if last.frame_index > seek.target:
            if seek.reseeks >= LANDING_MAX_RESEEKS or self.index_pts is None:
                self._give_up(seek, last)
                return
            # Overshot: a paused start stops a frame or two late, and a seek to just before a keyframe
            # can land on it. Seek again, earlier each time; single steps then walk onto the target.
            seek.reseeks += 1
            self._send_seek(seek, last, now, back=0.25 * seek.reseeks)
            return
        if seek.steps >= LANDING_MAX_STEPS:
            self._give_up(seek, last)
            return
        if stepping:
            # Steps in flight either show the next frame, show it late (libvlc sometimes holds several
            # and then shows them at once) or are dropped (no picture ready yet). Never more in flight
            # than frames to the target, so late ones cannot carry the picture past it.
            quiet = now - max(seek.moved_at, seek.stepped_at)
            if now - max(seek.moved_at, seek.issued_at, seek.started) > LANDING_STUCK_S \
                    and seek.reseeks < LANDING_MAX_RESEEKS:
                # libvlc no longer steps from here (see FILE_CACHING_MS): seek again, from earlier.
                seek.reseeks += 1
                self._send_seek(seek, last, now, back=0.25 * seek.reseeks)
                return
            if seek.in_flight >= seek.target - last.frame_index:
                if quiet <= LANDING_STEP_WAIT_S:
                    return
                seek.in_flight = 0  # nothing moved for a while: taken as dropped
                seek.written_off = True
            elif seek.moved_at <= seek.stepped_at and now - seek.stepped_at <= LANDING_RETRY_S:
                return  # the last step has not shown yet: give it a moment before sending another
        self.send_step(seek, last.frame_index, now)

    def lead_start(self, target: int | None, back: float = 0.0) -> float:
        """Where a fresh input should start for a paused landing on `target`: LANDING_LEAD_FRAMES
        earlier (it pauses a frame or two after its first picture), and `back` seconds before that."""
        if target is None or self.index_pts is None:
            return 0.0
        return max(0.0, float(self.index_pts[max(0, target - LANDING_LEAD_FRAMES)]) - back)

    def send_step(self, seek: SeekInProgress, shown: int, now: float) -> None:
        """next_frame towards a landing's target, from frame `shown`."""
        if seek.steps == 0:
            seek.seen, seek.moved_at = shown, now
        self.mp.next_frame()
        seek.steps += 1
        seek.in_flight += 1
        seek.stepped_at = now

    @staticmethod
    def _count_moves(seek: SeekInProgress, shown: int, now: float) -> None:
        if seek.seen is not None and shown != seek.seen:
            if shown > seek.seen:
                seek.in_flight = max(0, seek.in_flight - (shown - seek.seen))
            seek.moved_at = now
        seek.seen = shown

    def _give_up(self, seek: SeekInProgress, last: DisplayedFrame | None) -> None:
        log.warning("paused seek to frame %s gave up on frame %s", seek.target,
                    None if last is None else last.frame_index)
        self.seek = None
        self.landing_failures += 1


def landing_limit(index_pts: np.ndarray | None) -> float:
    """The latest media time a paused landing may seek to with set_time: the start of the last
    FILE_CACHING_MS + END_MARGIN_S of the clip (a picture shown after it means libvlc may have read to
    the end of the file)."""
    if index_pts is None or len(index_pts) < 2:
        return math.inf
    end = float(index_pts[-1] + (index_pts[-1] - index_pts[-2]))
    return max(float(index_pts[0]), end - FILE_CACHING_MS / 1000 - END_MARGIN_S)


def shutdown_vlc(instance: Any, mp: Any, controller: Controller | None, core: CallbackCore) -> None:
    """Stop and free libvlc; runs from release(), garbage collection of the player, or atexit."""
    if getattr(in_callback, "active", False):  # never stop VLC from inside its own thread
        threading.Thread(target=shutdown_vlc, args=(instance, mp, controller, core), daemon=False).start()
        return
    held = False
    if controller is not None:
        controller.stopping = True
        core.wake.set()
        if controller is not threading.current_thread():
            # Let a tick in progress finish: it may be re-opening the input for a landing.
            held = controller.lock.acquire(timeout=SEEK_TIMEOUT_S)
    try:
        if mp is not None:
            mp.stop()
            mp.release()
        if instance is not None:
            instance.release()
    except Exception:
        log.exception("releasing libvlc failed")
    finally:
        if held:
            controller.lock.release()
    if controller is not None and controller.is_alive() and controller is not threading.current_thread():
        controller.join(timeout=2.0)
    core.callbacks = ()  # libvlc is gone: the ctypes callbacks may now be freed
