"""Finished frames and the buffers they live in: how a redacted picture is handed to the screen(s).

Zero-copy: libvlc decodes straight into one of a few pool buffers, the player identifies and redacts
that buffer in place, and consumers get an immutable `DisplayedFrame` whose `image` is a read-only view
of it. So between decoding and redaction a buffer holds raw pixels, and the whole design rests on one
rule: **a buffer is visible to consumers only after the pipeline has finished with it, and is never
written while anyone may read it.**

Hand-over protocol (`FramePool`):
1. For each picture the producer (libvlc's lock callback, on its video output thread) takes a slot with
   `begin_write()`: one that is neither the latest published frame nor pinned by any consumer. If every
   slot is taken it adds one, up to `max_count`; beyond that it gets None (the player then lets libvlc
   decode into a scratch buffer that is never published: the frame is dropped and the screen keeps its
   last finished frame). From this moment the slot is unreachable: its previous frame's pins are refused
   (the generation changed) and it is not the latest.
2. libvlc writes the picture; the display callback identifies it and redacts it in place, or blackens
   it (no match, no index, any exception or doubt), and only then calls `publish()`, which makes it the
   latest frame. A slot that is given back unpublished (`abort()`) is blackened first.
3. Sinks are called on the producer's thread right after publishing. During the call the frame is the
   latest, so it cannot be overwritten. A consumer that reads the image later (a GUI paint on another
   thread) must pin it first:
   - `pool.pin_latest()` -> `FramePin` of the newest frame (always succeeds once a frame exists; the
     simplest pattern: the sink only says "a frame is ready", the paint pins the latest), or
   - `frame.pin()` -> `FramePin`, or None if that frame's buffer has been reused already.
   A pin is released by `release()` or by leaving its `with` block; until then the producer skips that
   buffer. A pin that is never released makes the pool grow to `max_count` and then drop frames -- the
   picture freezes, nothing leaks.
Reading `DisplayedFrame.image` outside a sink call without holding a pin is a bug: the buffer may be
half-way through a later picture's decoding.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

DEFAULT_BUFFERS = 3
MAX_BUFFERS = 8
_ALIGN = 64


def aligned_frame(height: int, width: int) -> np.ndarray:
    """A zeroed HxWx4 uint8 buffer whose start is 64-byte aligned (libvlc decodes into it; it needs 32)."""
    raw = np.zeros(height * width * 4 + _ALIGN, dtype=np.uint8)
    offset = (-raw.ctypes.data) % _ALIGN
    return raw[offset:offset + height * width * 4].reshape(height, width, 4)


class _Slot:
    __slots__ = ("buffer", "view", "generation", "pins", "writing", "published_seq")

    def __init__(self, height: int, width: int) -> None:
        self.buffer = aligned_frame(height, width)
        self.view = self.buffer.view()
        self.view.flags.writeable = False
        self.generation = 0
        self.pins = 0
        self.writing = False
        self.published_seq = -1


@dataclass(frozen=True, slots=True)
class DisplayedFrame:
    """One finished frame as the screen shows it; `image` is HxWx4 (B, G, R, A in memory), read-only.

    `frame_index`/`pts`: the FrameIndex entry the picture was identified as (best match), None when
    unidentified. `blanked`: inside a blank range (black). `protected`: black because the picture could
    not be shown redacted (unidentified, no index, an error) -- the UI draws the notice over it.
    """

    image: np.ndarray = field(repr=False, compare=False)
    seq: int
    frame_index: int | None
    pts: float | None
    blanked: bool
    protected: bool
    width: int
    height: int
    _pool: FramePool | None = field(default=None, repr=False, compare=False)
    _slot: int = field(default=-1, repr=False, compare=False)
    _generation: int = field(default=-1, repr=False, compare=False)

    @property
    def identified(self) -> bool:
        return self.frame_index is not None

    def pin(self) -> FramePin | None:
        """Keep this frame's buffer from being reused; None if it already has been."""
        if self._pool is None:
            return None
        return self._pool._pin(self)


class FramePin:
    """A consumer's hold on one published frame; the buffer is not written until `release()`."""

    __slots__ = ("frame", "_pool", "_released", "__weakref__")

    def __init__(self, pool: FramePool, frame: DisplayedFrame) -> None:
        self.frame = frame
        self._pool = pool
        self._released = False

    @property
    def image(self) -> np.ndarray:
        if self._released:
            raise RuntimeError("frame pin already released")
        return self.frame.image

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._pool._unpin(self.frame._slot)

    def __enter__(self) -> FramePin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:  # a forgotten pin must not hold a buffer for ever
        try:
            self.release()
        except Exception:
            pass


class FramePool:
    """The output buffers of one player (see the module docstring for the protocol)."""

    def __init__(self, width: int, height: int, count: int = DEFAULT_BUFFERS,
                 max_count: int = MAX_BUFFERS) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"frame size must be positive, got {width}x{height}")
        if count < 3 or max_count < count:
            raise ValueError(f"need 3 <= count <= max_count, got {count}, {max_count}")
        self.width = width
        self.height = height
        self.max_count = max_count
        self._lock = threading.RLock()  # re-entrant: FramePin.__del__ may run while it is held
        self._slots = [_Slot(height, width) for _ in range(count)]
        self._latest: DisplayedFrame | None = None
        self._seq = 0
        self.dropped = 0

    @property
    def size(self) -> int:
        return len(self._slots)

    @property
    def latest(self) -> DisplayedFrame | None:
        return self._latest

    # --- producer side (one thread) ------------------------------------------------------------------

    def begin_write(self) -> tuple[int, np.ndarray] | None:
        """A slot to render into, as (slot number, writable buffer); None if all are in use."""
        with self._lock:
            latest = self._latest._slot if self._latest is not None else -1
            free = [i for i, s in enumerate(self._slots) if i != latest and s.pins == 0 and not s.writing]
            if free:
                number = min(free, key=lambda i: self._slots[i].published_seq)  # oldest first
            elif len(self._slots) < self.max_count:
                self._slots.append(_Slot(self.height, self.width))
                number = len(self._slots) - 1
            else:
                self.dropped += 1
                return None
            slot = self._slots[number]
            slot.writing = True
            slot.generation += 1  # from here on, pins of its previous frame are refused
            return number, slot.buffer

    def abort(self, number: int) -> None:
        """Give a slot back unpublished: its content is not to be shown, so it is blackened first
        (best effort: an unpublished slot is unreachable anyway until it is written and published)."""
        with self._lock:
            slot = self._slots[number]
            if not slot.writing:
                return
            try:
                slot.buffer.fill(0)
            finally:
                slot.writing = False

    def publish(self, number: int, *, frame_index: int | None, pts: float | None, blanked: bool,
                protected: bool) -> DisplayedFrame:
        with self._lock:
            slot = self._slots[number]
            if not slot.writing:
                raise RuntimeError(f"slot {number} was not being written")
            slot.writing = False
            self._seq += 1
            slot.published_seq = self._seq
            frame = DisplayedFrame(slot.view, self._seq, frame_index, pts, blanked, protected,
                                   self.width, self.height, self, number, slot.generation)
            self._latest = frame
            return frame

    # --- consumer side (any thread) ------------------------------------------------------------------

    def pin_latest(self) -> FramePin | None:
        """Pin the newest frame (None before the first one)."""
        with self._lock:
            frame = self._latest
            return None if frame is None else self._pin(frame)

    def _pin(self, frame: DisplayedFrame) -> FramePin | None:
        with self._lock:
            slot = self._slots[frame._slot]
            if slot.generation != frame._generation or slot.writing:
                return None
            slot.pins += 1
            return FramePin(self, frame)

    def _unpin(self, number: int) -> None:
        with self._lock:
            slot = self._slots[number]
            if slot.pins <= 0:
                raise RuntimeError(f"slot {number} is not pinned")
            slot.pins -= 1
