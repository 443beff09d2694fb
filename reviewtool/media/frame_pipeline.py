"""The fail-closed frame pipeline: one decoded picture in, one finished frame out (DESIGN section 5).

No libvlc here, so every branch is unit-tested with pictures decoded by PyAV; `RedactedPlayer` runs it
in libvlc's display callback. libvlc has decoded the picture straight into a pool slot that no consumer
can reach (`frame_pool`); `finish` works on that slot in place and publishes it only when done:
1. signature, then `FrameIndex.identify` (window after the last identified frame, then the whole clip):
   every index frame within tolerance;
2. redacted mode: a blank range at any matched frame's time -> black; else the union of the regions
   at all matched times, each padded by `margin`, redacted in place (`render.redact_in_place`);
3. raw mode (the redaction editor, for a user allowed raw footage): the picture as decoded, still
   identified so the editor knows the frame number.
Fail-closed, as explicit branches rather than side effects of exceptions: no index, no match, or an
exception anywhere in 1-2 blackens the slot in place and publishes it `protected`; if even that fails
the slot is given back unpublished. The audio decision (mute) comes out with the frame: muted in a
padded mute range at any matched time and whenever the frame is protected.
"""

from __future__ import annotations

import collections
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from reviewtool.media.frame_index import FrameIndex
from reviewtool.media.frame_pool import DisplayedFrame, FramePool
from reviewtool.media.redaction import MIN_MUTE_PAD, RedactionSet
from reviewtool.media.render import DEFAULT_MARGIN, redact_in_place, render_blank, render_protected
from reviewtool.media.signature import frame_signature

log = logging.getLogger(__name__)

MODES = ("redacted", "raw")


@dataclass(frozen=True, slots=True)
class PipelineStats:
    displayed: int
    identified: int
    unidentified: int
    protected: int
    blanked: int
    errors: int
    dropped: int
    identify_ms_median: float | None
    identify_ms_p95: float | None


class FramePipeline:
    """Decoded pool slot -> finished `DisplayedFrame`, in place. `finish` and `process` never raise.

    Runs on one thread (VLC's display thread); only `mute_pad` is set from others.
    """

    def __init__(self, pool: FramePool, index: FrameIndex | None, redactions: RedactionSet | None,
                 mode: str = "redacted", *, tolerance: float | None = None,
                 margin: float = DEFAULT_MARGIN) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode == "redacted" and redactions is None:
            # "No redactions" must be said explicitly (an empty RedactionSet), never assumed.
            raise ValueError("redacted playback needs a RedactionSet (an empty one if nothing is hidden)")
        self.pool = pool
        self.index = index
        self.redactions = redactions
        self.mode = mode
        self.margin = margin
        self.mute_pad = MIN_MUTE_PAD
        self._identify_kwargs: dict[str, Any] = {} if tolerance is None else {"tolerance": tolerance}
        self._last: int | None = None
        self._identify_ms: collections.deque[float] = collections.deque(maxlen=20000)
        self.displayed = self.identified = self.protected = self.blanked = self.errors = 0

    def forget_position(self) -> None:
        """After a seek the next picture is not near the last one: search the whole clip first."""
        self._last = None

    def process(self, src: np.ndarray) -> tuple[DisplayedFrame | None, bool]:
        """Take a slot, put `src` in it as libvlc would, and `finish` it (for tests and tools that
        have a picture rather than a decoder; the player's decoder writes the slot itself)."""
        slot = self.pool.begin_write()
        if slot is None:
            self.displayed += 1
            return None, True
        number, buffer = slot
        try:
            np.copyto(buffer, src)
        except Exception:
            self.displayed += 1
            self._log_error("copying a picture")
            return self._protect_slot(number, buffer, None, None)
        return self.finish(number, buffer)

    def finish(self, number: int, buffer: np.ndarray) -> tuple[DisplayedFrame | None, bool]:
        """Identify the picture decoded into pool slot `number` and redact (or blacken) it in place, then
        publish it. Returns (the published frame, or None if it had to be withheld; whether audio should
        be muted). Never raises; the slot is published finished or given back blackened."""
        try:
            return self._finish(number, buffer)
        except BaseException:  # a bug outside the explicit branches below: still never show the picture
            self._log_error("finishing a frame")
            return self._protect_slot(number, buffer, None, None)

    def _finish(self, number: int, buffer: np.ndarray) -> tuple[DisplayedFrame | None, bool]:
        self.displayed += 1
        matches: list[int] = []
        try:
            matches = self._identify(buffer)
        except Exception:
            self._log_error("identifying a frame")
            return self._protect_slot(number, buffer, None, None)
        best = matches[0] if matches else None
        times = [float(t) for t in self.index.pts[matches]] if matches else []
        best_pts = times[0] if times else None
        if self.mode == "raw":  # the editor's view: the picture as decoded (the caller checked the user)
            return self._publish(number, best, best_pts, blanked=False, protected=False), False
        if self.index is None or best is None:
            # no index / no match: explicit, not an error
            return self._protect_slot(number, buffer, best, best_pts)
        try:
            assert self.redactions is not None
            blank = any(self.redactions.is_blank(t) for t in times)
            mute = any(self.redactions.is_muted(t, pad=self.mute_pad) for t in times)
            regions = [] if blank else self.redactions.regions_for_times(times)
        except Exception:
            self._log_error("looking up redactions")
            return self._protect_slot(number, buffer, best, best_pts)
        try:
            if blank:
                render_blank(buffer)
            else:
                redact_in_place(buffer, regions, self.margin)
        except Exception:
            self._log_error("rendering redactions")
            return self._protect_slot(number, buffer, best, best_pts)
        self.blanked += blank
        return self._publish(number, best, best_pts, blanked=blank, protected=False), mute

    # --- steps ---------------------------------------------------------------------------------------

    def _identify(self, picture: np.ndarray) -> list[int]:
        if self.index is None:
            return []
        start = time.perf_counter()
        sig = frame_signature(picture)
        matches = list(self.index.identify(sig, after=self._last, **self._identify_kwargs))
        self._identify_ms.append((time.perf_counter() - start) * 1000.0)
        if matches:
            self._last = int(matches[0])
            self.identified += 1
        return [int(m) for m in matches]

    def _publish(self, number: int, best: int | None, pts: float | None, *, blanked: bool,
                 protected: bool) -> DisplayedFrame:
        return self.pool.publish(number, frame_index=best, pts=pts, blanked=blanked, protected=protected)

    def _protect_slot(self, number: int, buffer: np.ndarray, best: int | None, pts: float | None
                      ) -> tuple[DisplayedFrame | None, bool]:
        """Blacken the slot in place and publish it as protected; give it back unpublished if that fails."""
        try:
            render_protected(buffer)
        except Exception:
            self._log_error("blacking out a protected frame")
            try:
                buffer.fill(0)
            except Exception:
                self.pool.abort(number)  # nothing trustworthy in it: do not publish
                return None, True
        try:
            frame = self._publish(number, best, pts, blanked=False, protected=True)
        except Exception:
            self._log_error("publishing a protected frame")
            self.pool.abort(number)
            return None, True
        self.protected += 1
        return frame, True

    def _log_error(self, doing: str) -> None:
        self.errors += 1
        if self.errors <= 5 or self.errors % 500 == 0:
            log.exception("error while %s (frame shown protected; %d errors so far)", doing, self.errors)

    def stats(self) -> PipelineStats:
        times = np.array(self._identify_ms) if self._identify_ms else None
        return PipelineStats(
            displayed=self.displayed, identified=self.identified,
            unidentified=self.displayed - self.identified, protected=self.protected,
            blanked=self.blanked, errors=self.errors, dropped=self.pool.dropped,
            identify_ms_median=None if times is None else float(np.median(times)),
            identify_ms_p95=None if times is None else float(np.percentile(times, 95)),
        )
