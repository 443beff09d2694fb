"""Pixel rendering of redactions onto HxWx4 uint8 frames (RV32 from libvlc: B, G, R, X in memory).

The player redacts every displayed frame where libvlc decoded it: `redact_in_place` works on a buffer
that no consumer can reach yet (`frame_pool`), so there is no per-frame copy, and the work is
proportional to the regions' area: 0.35 ms (solid) to 1.4 ms (blur, ellipse) for a 1080p frame with
three face-size regions on the project's 2-core machine (bench/bench_render.py). If anything fails
part-way the whole frame is blacked out before the exception propagates, so a half-redacted picture
cannot be handed on by an over-eager caller. `render_redacted` is the same into a separate buffer (the
raw frame only read), for callers that must keep the source.

Each region's box is padded by a margin, rounded outwards to whole pixels and clipped to the frame; an
ellipse covers every pixel that touches the ellipse inscribed in the padded box. Effects, strongest
last so that overlapping regions never weaken each other (each one reads the already-redacted buffer,
not the raw frame):
- pixelate: blocks of at least 16 px and at least 1/12 of the padded box's larger side, each the mean of
  its pixels. Blocks are spread evenly over the box, so none is a thin sliver that keeps fine detail.
- blur: the same coarse block means, spread smoothly over the box (a Gaussian one block wide, evaluated
  on cells a quarter block wide). It is not a blur of the picture, which an inverse filter could
  largely undo: the output is a function of the block means alone, so two pictures with equal block
  means render identically and no detail inside a block survives to be recovered. At most the block
  means can be estimated back, and pixelate shows those anyway.
- solid: opaque black, the ICO's safest choice and the default.
Pixelate and blur treat the fourth byte like the colour bytes; solid and black frames set it to 255.

Blank and protected frames are both opaque black and nothing else. "Protected" (a frame that matched no
index entry, a missing index, an error anywhere in the redaction path) is the caller's knowledge, not a
mark in the pixels: the UI paints the notice over a frame it rendered protected, and the audit writes the
black frame as it is. Keeping the notice out of the buffer means no text rendering (and no font) below
the UI, and a protected frame and a blank range look the same to anyone reading the pixels.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

import numpy as np

from reviewtool.media.redaction import Region

MIN_BLOCK_PX = 16
BLOCKS_PER_SIDE = 12
DEFAULT_MARGIN = 0.02
# The in-memory bytes B=0, G=0, R=0, A=255 as one uint32, whatever the machine's byte order.
_OPAQUE_BLACK = np.frombuffer(bytes((0, 0, 0, 255)), dtype=np.uint32)[0]
_STRENGTH = {"pixelate": 0, "blur": 1, "solid": 2}


def redact_in_place(frame: np.ndarray, regions: Sequence[Region], margin: float = DEFAULT_MARGIN) -> None:
    """Redact every region of `frame` where it lies, each box padded by `margin` of the frame size.

    `margin` is a fraction of the frame width (left and right) and height (top and bottom). The frame
    must not be visible to anyone while this runs (the player redacts a buffer it has not published).
    Raises ValueError on an unusable buffer; on any failure the whole frame is left black.
    """
    try:
        _check_frame(frame, "frame")
        if not (math.isfinite(margin) and margin >= 0):
            raise ValueError(f"margin must be a finite fraction >= 0, got {margin}")
        frame32 = frame.view(np.uint32)[..., 0]
        for region in sorted(regions, key=lambda r: _STRENGTH[r.effect]):
            _apply(frame, frame32, region, margin)
    except BaseException:
        _black_after_failure(frame)
        raise


def render_redacted(src: np.ndarray, regions: Sequence[Region], out: np.ndarray, *,
                    margin: float = DEFAULT_MARGIN) -> None:
    """Copy `src` into `out` and redact it there (`redact_in_place`); `src` is only read.

    Raises ValueError on unusable buffers; on any failure `out` is left black.
    """
    try:
        _check_buffers(src, out)
        np.copyto(out, src)
    except BaseException:
        _black_after_failure(out)
        raise
    redact_in_place(out, regions, margin)


def render_blank(out: np.ndarray) -> None:
    """A frame inside a blank range: opaque black, in place."""
    _fill_black(out)


def render_protected(out: np.ndarray) -> None:
    """A frame that cannot be shown redacted: opaque black in place (the UI draws the notice over it)."""
    _fill_black(out)


def _fill_black(out: np.ndarray) -> None:
    if out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 4 and out.flags.c_contiguous:
        out.view(np.uint32).fill(_OPAQUE_BLACK)
    else:  # any other buffer still ends up with no picture in it
        out.fill(0)
        if out.ndim == 3 and out.shape[2] == 4:
            out[..., 3] = 255


def _black_after_failure(frame: object) -> None:
    """Leave no picture in a buffer whose rendering failed (a read-only one cannot hold a result anyway:
    the original error is what the caller must see)."""
    if isinstance(frame, np.ndarray) and frame.flags.writeable:
        _fill_black(frame)


def _check_frame(frame: np.ndarray, name: str, *, written: bool = True) -> None:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 4:
        shape = getattr(frame, "shape", None)
        dtype = getattr(frame, "dtype", type(frame).__name__)
        raise ValueError(f"{name} must be an HxWx4 uint8 array, got {dtype} {shape}")
    if written and (not frame.flags.c_contiguous or not frame.flags.writeable):
        raise ValueError(f"{name} must be a writeable C-contiguous buffer")


def _check_buffers(src: np.ndarray, out: np.ndarray) -> None:
    _check_frame(src, "src", written=False)
    _check_frame(out, "out")
    if out.shape != src.shape:
        raise ValueError(f"out has shape {out.shape} but src has {src.shape}")
    if np.may_share_memory(src, out):
        raise ValueError("out must be a separate buffer from src (the raw frame is never written)")


def _apply(out: np.ndarray, out32: np.ndarray, region: Region, margin: float) -> None:
    """Redact one region of `out` (reads only `out`, already redacted by any weaker region)."""
    height, width = out.shape[:2]
    x, y, w, h = region.box
    # The padded box in pixels (may extend past the frame), then its pixels rounded outwards and clipped.
    left, right = (x - margin) * width, (x + w + margin) * width
    top, bottom = (y - margin) * height, (y + h + margin) * height
    # A Region's box lies inside the frame with positive size, so even a sliver keeps at least one pixel.
    x0, y0 = max(0, math.floor(left)), max(0, math.floor(top))
    x1, y1 = min(width, max(math.ceil(right), x0 + 1)), min(height, max(math.ceil(bottom), y0 + 1))
    if x0 >= x1 or y0 >= y1:
        return
    mask = _ellipse_mask(left, top, right, bottom, x0, y0, x1, y1) if region.shape == "ellipse" else None

    if region.effect == "solid":
        target = out32[y0:y1, x0:x1]
        if mask is None:
            target.fill(_OPAQUE_BLACK)
        else:
            target[mask] = _OPAQUE_BLACK
        return

    window = out[y0:y1, x0:x1]
    block = max(MIN_BLOCK_PX, math.ceil(max(right - left, bottom - top) / BLOCKS_PER_SIDE))
    means, row_counts, col_counts = _block_means(window, block)
    if region.effect == "pixelate":
        cells, cell_rows, cell_cols = means, row_counts, col_counts
    else:
        cells, cell_rows, cell_cols = _smooth_cells(means, y1 - y0, x1 - x0, block)
    # Whole pixels as uint32 from here on: numpy is several times faster than on an (h, w, 4) array.
    result = np.repeat(np.repeat(cells.view(np.uint32)[..., 0], cell_rows, axis=0), cell_cols, axis=1)
    target = out32[y0:y1, x0:x1]
    if mask is None:
        target[...] = result
    else:
        np.copyto(target, result, where=mask)


def _ellipse_mask(left: float, top: float, right: float, bottom: float,
                  x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """Pixels of [y0:y1, x0:x1] that touch the ellipse inscribed in the padded box (not just centres)."""
    cx, cy = (left + right) / 2, (top + bottom) / 2
    rx, ry = (right - left) / 2, (bottom - top) / 2
    # The nearest point of each pixel square to the centre, per axis: the ellipse test is separable.
    dx = (np.maximum(np.abs(np.arange(x0, x1) + 0.5 - cx) - 0.5, 0.0) / rx).astype(np.float32)
    dy = (np.maximum(np.abs(np.arange(y0, y1) + 0.5 - cy) - 0.5, 0.0) / ry).astype(np.float32)
    return (dy * dy)[:, None] + (dx * dx)[None, :] <= 1.0


# Region sizes repeat from frame to frame (a track's box rarely changes size), so the per-size arrays are
# cached; they are returned read-only so that no caller can corrupt the cache.
@lru_cache(maxsize=1024)
def _even_edges(n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths of parts covering n pixels, each at least `size` long (or all n if fewer)."""
    parts = max(1, n // size)
    starts = (np.arange(parts) * n) // parts
    counts = np.diff(np.append(starts, n))
    starts.flags.writeable = counts.flags.writeable = False
    return starts, counts


def _block_means(window: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of each block of an (h, w, 4) window: (by, bx, 4) uint8 C-contiguous, and block sizes."""
    row_starts, row_counts = _even_edges(window.shape[0], block)
    col_starts, col_counts = _even_edges(window.shape[1], block)
    # At most BLOCKS_PER_SIDE bands: summing each band of rows is far faster than a strided reduceat.
    band_sums = np.empty((len(row_starts), window.shape[1], 4), dtype=np.uint32)
    for band, (start, count) in enumerate(zip(row_starts, row_counts)):
        np.sum(window[start:start + count], axis=0, dtype=np.uint32, out=band_sums[band])
    sums = np.add.reduceat(band_sums, col_starts, axis=1)
    counts = np.outer(row_counts, col_counts).astype(np.uint32)[..., None]
    return ((sums + counts // 2) // counts).astype(np.uint8), row_counts, col_counts


@lru_cache(maxsize=1024)
def _smoothing(n: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """For n pixels in blocks of `block`: (cells x blocks) weights, a Gaussian one block wide around each
    block centre with rows summing to 1, and the sizes of the cells (a quarter block: fine enough to look
    smooth, coarse enough to be cheap)."""
    _, block_counts = _even_edges(n, block)
    cell_starts, cell_counts = _even_edges(n, max(1, block // 4))
    block_centres = np.cumsum(block_counts) - block_counts / 2.0
    cell_centres = cell_starts + cell_counts / 2.0
    sigma = float(block_counts.mean())
    weights = np.exp(-0.5 * ((cell_centres[:, None] - block_centres[None, :]) / sigma) ** 2)
    weights = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
    weights.flags.writeable = False
    return weights, cell_counts


def _smooth_cells(means: np.ndarray, height: int, width: int, block: int,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread block means smoothly over cells: (cy, cx, 4) uint8 C-contiguous, and the cell sizes."""
    rows, cell_rows = _smoothing(height, block)   # (cy, by)
    cols, cell_cols = _smoothing(width, block)    # (cx, bx)
    by, bx = means.shape[:2]
    down = (rows @ means.reshape(by, bx * 4).astype(np.float32)).reshape(-1, bx, 4)  # (cy, bx, 4)
    smooth = np.tensordot(down, cols, axes=([1], [1]))                               # (cy, 4, cx)
    cells = np.clip(smooth + 0.5, 0, 255).astype(np.uint8).transpose(0, 2, 1)
    return np.ascontiguousarray(cells), cell_rows, cell_cols
