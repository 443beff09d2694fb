"""The fail-closed frame pipeline: one decoded picture in, one finished frame out (DESIGN section 5).

No libvlc here, so every branch is unit-tested with pictures decoded by PyAV; `RedactedPlayer` runs it
in libvlc's display callback. For each picture:
1. signature, then `FrameIndex.identify` (window after the last identified frame, then the whole clip):
   every index frame within tolerance;
2. redacted mode: a blank range at any matched frame's time -> black; else the union of the regions
   at all matched times, each padded by `margin`, rendered into a pool buffer (`frame_pool`);
3. raw mode (the redaction editor, for a user allowed raw footage): the picture as decoded, still
   identified so the editor knows the frame number.
Fail-closed, as explicit branches rather than side effects of exceptions: no index, no match, or an
exception anywhere in 1-2 (or in copying, in raw mode) renders the frame black and `protected`. The
audio decision (mute) comes out with the frame: muted in a padded mute range at any matched time and
whenever the frame is protected.
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
from reviewtool.media.render import DEFAULT_MARGIN, render_blank, render_protected, render_redacted
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
    """Source picture -> finished `DisplayedFrame` in the pool. `process` never raises.

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
        """Render one source picture; returns (frame or None if dropped, whether audio should be muted)."""
        self.displayed += 1
        matches: list[int] = []
        try:
            matches = self._identify(src)
        except Exception:
            self._log_error("identifying a frame")
            return self._fallback(src, None, None)
        best = matches[0] if matches else None
        times = [float(t) for t in self.index.pts[matches]] if matches else []
        best_pts = times[0] if times else None
        if self.mode == "raw":
            return self._render_raw(src, best, best_pts)
        if self.index is None or best is None:
            return self._render_protected(best, best_pts)  # no index / no match: explicit, not an error
        try:
            assert self.redactions is not None
            blank = any(self.redactions.is_blank(t) for t in times)
            mute = any(self.redactions.is_muted(t, pad=self.mute_pad) for t in times)
            regions = [] if blank else self.redactions.regions_for_times(times)
        except Exception:
            self._log_error("looking up redactions")
            return self._fallback(src, best, best_pts)
        slot = self.pool.begin_write()
        if slot is None:
            return None, mute
        number, out = slot
        try:
            if blank:
                render_blank(out)
            else:
                render_redacted(src, regions, out, margin=self.margin)
        except Exception:
            self._log_error("rendering redactions")
            return self._protect_slot(number, out, best, best_pts)
        self.blanked += blank
        frame = self.pool.publish(number, frame_index=best, pts=best_pts, blanked=blank, protected=False)
        return frame, mute

    # --- steps ---------------------------------------------------------------------------------------

    def _identify(self, src: np.ndarray) -> list[int]:
        if self.index is None:
            return []
        start = time.perf_counter()
        sig = frame_signature(src)
        matches = list(self.index.identify(sig, after=self._last, **self._identify_kwargs))
        self._identify_ms.append((time.perf_counter() - start) * 1000.0)
        if matches:
            self._last = int(matches[0])
            self.identified += 1
        return [int(m) for m in matches]

    def _render_raw(self, src: np.ndarray, best: int | None, pts: float | None
                    ) -> tuple[DisplayedFrame | None, bool]:
        """The editor's view: the picture as decoded (the caller checked the user may see it)."""
        slot = self.pool.begin_write()
        if slot is None:
            return None, False
        number, out = slot
        try:
            np.copyto(out, src)
        except Exception:
            self._log_error("copying a raw frame")
            return self._protect_slot(number, out, best, pts)
        return self.pool.publish(number, frame_index=best, pts=pts, blanked=False, protected=False), False

    def _render_protected(self, best: int | None, pts: float | None) -> tuple[DisplayedFrame | None, bool]:
        slot = self.pool.begin_write()
        if slot is None:
            return None, True
        return self._protect_slot(*slot, best, pts)

    def _fallback(self, src: np.ndarray, best: int | None, pts: float | None
                  ) -> tuple[DisplayedFrame | None, bool]:
        """After an error: protected, whatever the mode."""
        return self._render_protected(best, pts)

    def _protect_slot(self, number: int, out: np.ndarray, best: int | None, pts: float | None
                      ) -> tuple[DisplayedFrame | None, bool]:
        try:
            render_protected(out)
        except Exception:
            self._log_error("blacking out a protected frame")
            try:
                out.fill(0)
            except Exception:
                self.pool.abort(number)  # nothing trustworthy in it: do not publish
                return None, True
        self.protected += 1
        return self.pool.publish(number, frame_index=best, pts=pts, blanked=False, protected=True), True

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
