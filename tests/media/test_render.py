"""Pixel rendering of redactions: coverage, effect strength, edges, fail-closed buffers."""

from __future__ import annotations

import math
import statistics
import time

import numpy as np
import pytest

from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack, Region
from reviewtool.media.render import (
    MIN_BLOCK_PX,
    redact_in_place,
    render_blank,
    render_protected,
    render_redacted,
)

H, W = 360, 640
MARGIN = 0.02
OPAQUE_BLACK = np.array([0, 0, 0, 255], dtype=np.uint8)


@pytest.fixture
def src() -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, size=(H, W, 4), dtype=np.uint8)


def render(src: np.ndarray, *regions: Region, margin: float = MARGIN) -> np.ndarray:
    out = np.empty_like(src)
    render_redacted(src, list(regions), out, margin=margin)
    return out


def padded_pixels(box, margin=MARGIN, height=H, width=W) -> tuple[int, int, int, int]:
    """The padded box rounded outwards to whole pixels and clipped: (x0, y0, x1, y1)."""
    x, y, w, h = box
    return (max(0, math.floor((x - margin) * width)), max(0, math.floor((y - margin) * height)),
            min(width, math.ceil((x + w + margin) * width)), min(height, math.ceil((y + h + margin) * height)))


def changed(src: np.ndarray, out: np.ndarray) -> np.ndarray:
    return (src != out).any(axis=2)


def is_black(pixels: np.ndarray) -> np.ndarray:
    return (pixels == OPAQUE_BLACK).all(axis=-1)


def blocks_of(window: np.ndarray) -> tuple[list[int], list[int]]:
    """Block edges of a pixelated window, found where whole pixels change along its first row/column."""
    as32 = np.ascontiguousarray(window).view(np.uint32)[..., 0]
    cols = [0, *(np.flatnonzero(as32[0, 1:] != as32[0, :-1]) + 1), as32.shape[1]]
    rows = [0, *(np.flatnonzero(as32[1:, 0] != as32[:-1, 0]) + 1), as32.shape[0]]
    return rows, cols


# --- buffers -----------------------------------------------------------------------------------------

def test_no_regions_is_an_exact_copy_into_a_separate_buffer(src):
    before = src.copy()
    out = render(src)
    assert np.array_equal(out, src) and not np.shares_memory(out, src)
    render(src, Region((0.1, 0.1, 0.3, 0.3), "rect", "pixelate", "plate"))
    assert np.array_equal(src, before)  # the raw frame is only read


def test_out_aliasing_src_is_refused(src):
    with pytest.raises(ValueError, match="separate buffer"):
        render_redacted(src, [], src)
    assert is_black(src).all()  # fail closed: whatever buffer was passed as out holds no picture


@pytest.mark.parametrize("bad_out", [
    np.zeros((H, W, 3), np.uint8), np.zeros((H, W + 1, 4), np.uint8), np.zeros((H, W, 4), np.uint16),
])
def test_unusable_buffers_raise_and_leave_out_without_picture(src, bad_out):
    with pytest.raises(ValueError):
        render_redacted(src, [], bad_out)
    assert not bad_out.any() or (bad_out[..., :3] == 0).all()


def test_failure_part_way_leaves_out_black(src):
    out = np.empty_like(src)
    good = Region((0.1, 0.1, 0.2, 0.2), "rect", "pixelate", "plate")
    with pytest.raises(AttributeError):
        render_redacted(src, [good, object()], out)  # type: ignore[list-item]
    assert is_black(out).all()
    with pytest.raises(ValueError, match="margin"):
        render_redacted(src, [good], out, margin=math.nan)
    assert is_black(out).all()


def test_blank_and_protected_are_opaque_black(src):
    for fill in (render_blank, render_protected):
        out = src.copy()
        fill(out)
        assert is_black(out).all()
    strided = src.copy()[:, ::2]  # not C-contiguous: still no picture left in it
    render_protected(strided)
    assert is_black(strided).all()


# --- in place (what the player does with the buffer libvlc decoded into) ------------------------------

@pytest.mark.parametrize("effect", ["solid", "pixelate", "blur"])
@pytest.mark.parametrize("shape", ["rect", "ellipse"])
def test_in_place_gives_the_same_pixels_as_into_a_separate_buffer(src, effect, shape):
    regions = [Region((0.41, 0.22, 0.08, 0.14), shape, effect, "face_bystander"),
               Region((0.0, 0.5, 0.3, 0.5), shape, "pixelate", "plate"),
               Region((0.35, 0.2, 0.2, 0.2), shape, effect, "screen")]
    frame = src.copy()
    redact_in_place(frame, regions, MARGIN)
    assert np.array_equal(frame, render(src, *regions))


def test_in_place_failure_part_way_leaves_the_whole_frame_black(src):
    frame = src.copy()
    good = Region((0.1, 0.1, 0.2, 0.2), "rect", "pixelate", "plate")
    with pytest.raises(AttributeError):
        redact_in_place(frame, [good, object()])  # type: ignore[list-item]
    assert is_black(frame).all()
    frame = src.copy()
    with pytest.raises(ValueError, match="margin"):
        redact_in_place(frame, [good], -0.1)
    assert is_black(frame).all()


def test_in_place_refuses_buffers_it_cannot_redact(src):
    frozen = src.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        redact_in_place(frozen, [])
    strided = src.copy()[:, ::2]
    with pytest.raises(ValueError, match="C-contiguous"):
        redact_in_place(strided, [])
    assert is_black(strided).all()  # writeable, so no picture is left in it
    with pytest.raises(ValueError, match="HxWx4"):
        redact_in_place(np.zeros((H, W, 3), np.uint8), [])


# --- solid -------------------------------------------------------------------------------------------

def test_solid_rect_covers_exactly_the_padded_box(src):
    box = (0.41, 0.22, 0.08, 0.14)
    out = render(src, Region(box, "rect", "solid", "face_bystander"))
    x0, y0, x1, y1 = padded_pixels(box)
    assert is_black(out[y0:y1, x0:x1]).all()
    outside = np.ones((H, W), bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(out[outside], src[outside])
    # the padding really is the margin: 0.02 of 640 px is 12.8 px each side
    assert x1 - x0 >= round((0.08 + 2 * MARGIN) * W) and y1 - y0 >= round((0.14 + 2 * MARGIN) * H)


def test_ellipse_covers_the_inscribed_ellipse_and_leaves_the_corners(src):
    box = (0.30, 0.25, 0.20, 0.40)
    out = render(src, Region(box, "ellipse", "solid", "face_bystander"))
    x, y, w, h = box
    yy, xx = np.mgrid[0:H, 0:W] + 0.5
    # every pixel whose centre lies in the ellipse inscribed in the *unpadded* box (a synthetic face)
    face = ((xx - (x + w / 2) * W) / (w / 2 * W)) ** 2 + ((yy - (y + h / 2) * H) / (h / 2 * H)) ** 2 <= 1
    assert is_black(out[face]).all()
    unpadded = render(src, Region(box, "ellipse", "solid", "face_bystander"), margin=0.0)
    assert is_black(unpadded[face]).all()  # even with no margin at all
    # and of the padded box's inscribed ellipse
    px, py, pw, ph = x - MARGIN, y - MARGIN, w + 2 * MARGIN, h + 2 * MARGIN
    padded = ((xx - (px + pw / 2) * W) / (pw / 2 * W)) ** 2 + ((yy - (py + ph / 2) * H) / (ph / 2 * H)) ** 2 <= 1
    assert is_black(out[padded]).all()
    x0, y0, x1, y1 = padded_pixels(box)
    assert np.array_equal(out[y0, x0], src[y0, x0]) and np.array_equal(out[y1 - 1, x1 - 1], src[y1 - 1, x1 - 1])
    assert not changed(src, out)[~padded_box_mask(box)].any()


def padded_box_mask(box) -> np.ndarray:
    x0, y0, x1, y1 = padded_pixels(box)
    mask = np.zeros((H, W), bool)
    mask[y0:y1, x0:x1] = True
    return mask


# --- pixelate ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("box", [(0.41, 0.22, 0.08, 0.14), (0.1, 0.1, 0.6, 0.7), (0.5, 0.5, 0.01, 0.01)])
def test_pixelate_blocks_are_uniform_coarse_and_means(src, box):
    out = render(src, Region(box, "rect", "pixelate", "plate"))
    x0, y0, x1, y1 = padded_pixels(box)
    window, raw = out[y0:y1, x0:x1], src[y0:y1, x0:x1].astype(np.float64)
    rows, cols = blocks_of(window)
    larger_side = max((box[2] + 2 * MARGIN) * W, (box[3] + 2 * MARGIN) * H)
    least = min(max(MIN_BLOCK_PX, math.ceil(larger_side / 12)), x1 - x0, y1 - y0)
    assert min(np.diff(rows)) >= least and min(np.diff(cols)) >= least
    for top, bottom in zip(rows, rows[1:]):
        for left, right in zip(cols, cols[1:]):
            block = window[top:bottom, left:right]
            assert np.ptp(block.reshape(-1, 4), axis=0).max() == 0  # no variance left inside a block
            mean = raw[top:bottom, left:right].reshape(-1, 4).mean(axis=0)
            assert np.abs(block[0, 0] - mean).max() <= 0.5 + 1e-9
    assert not changed(src, out)[~padded_box_mask(box)].any()


def test_pixelate_ellipse_touches_only_the_ellipse(src):
    box = (0.2, 0.2, 0.3, 0.4)
    out = render(src, Region(box, "ellipse", "pixelate", "face_subject"))
    diff = changed(src, out)
    x0, y0, x1, y1 = padded_pixels(box)
    assert diff[(y0 + y1) // 2, (x0 + x1) // 2]
    assert not diff[y0, x0] and not diff[~padded_box_mask(box)].any()


# --- blur --------------------------------------------------------------------------------------------

def test_blur_keeps_nothing_of_the_detail_inside_blocks(src):
    box = (0.3, 0.2, 0.25, 0.4)
    x0, y0, x1, y1 = padded_pixels(box)
    rows, cols = blocks_of(render(src, Region(box, "rect", "pixelate", "other"))[y0:y1, x0:x1])
    # A second picture with the same block means but different detail: shuffle pixels within each block.
    rng = np.random.default_rng(1)
    other = src.copy()
    for top, bottom in zip(rows, rows[1:]):
        for left, right in zip(cols, cols[1:]):
            block = other[y0 + top:y0 + bottom, x0 + left:x0 + right].reshape(-1, 4)
            other[y0 + top:y0 + bottom, x0 + left:x0 + right] = rng.permutation(block).reshape(
                bottom - top, right - left, 4)
    assert not np.array_equal(other, src)
    blurred = render(src, Region(box, "rect", "blur", "other"))
    assert np.array_equal(render(other, Region(box, "rect", "blur", "other")), blurred)  # not invertible

    # Proxy on a natural-looking picture: the fine detail of the original is uncorrelated with the output.
    natural = natural_picture()
    out = render(natural, Region(box, "rect", "blur", "other"))
    original = natural[y0:y1, x0:x1, 1].astype(float)
    detail = original - box_filter(original, 9)
    result = out[y0:y1, x0:x1, 1].astype(float)
    assert abs(np.corrcoef(detail.ravel(), (result - box_filter(result, 9)).ravel())[0, 1]) < 0.05
    assert abs(np.corrcoef(detail.ravel(), result.ravel())[0, 1]) < 0.05


def natural_picture() -> np.ndarray:
    """Smooth shapes plus sensor-like noise, grey in every channel."""
    yy, xx = np.mgrid[0:H, 0:W]
    noise = np.random.default_rng(3).normal(0, 25, (H, W))
    picture = (128 + 60 * np.sin(xx / 23.0) * np.cos(yy / 31.0) + noise).clip(0, 255).astype(np.uint8)
    return np.repeat(picture[..., None], 4, axis=2)


def box_filter(a: np.ndarray, k: int) -> np.ndarray:
    padded = np.pad(a, k // 2, mode="edge")
    c = padded.cumsum(0).cumsum(1)
    c = np.pad(c, ((1, 0), (1, 0)))
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)


def test_blur_is_smooth_not_blocky():
    picture, box = natural_picture(), (0.3, 0.2, 0.25, 0.4)
    x0, y0, x1, y1 = padded_pixels(box)
    blurred = render(picture, Region(box, "rect", "blur", "other"))[y0:y1, x0:x1]
    pixelated = render(picture, Region(box, "rect", "pixelate", "other"))[y0:y1, x0:x1]
    for axis in (0, 1):
        blur_step = np.abs(np.diff(blurred[..., 0].astype(int), axis=axis)).max()
        assert blur_step < np.abs(np.diff(pixelated[..., 0].astype(int), axis=axis)).max()
    rows, cols = blocks_of(pixelated)
    varying = [np.ptp(blurred[top:bottom, left:right, 0]) > 0
               for top, bottom in zip(rows, rows[1:]) for left, right in zip(cols, cols[1:])]
    assert sum(varying) >= len(varying) // 3  # shades across blocks instead of filling them flat


# --- edges and overlaps ------------------------------------------------------------------------------

@pytest.mark.parametrize("effect", ["solid", "pixelate", "blur"])
@pytest.mark.parametrize("shape", ["rect", "ellipse"])
@pytest.mark.parametrize("box", [(0.0, 0.0, 0.1, 0.1), (0.92, 0.9, 0.08, 0.1), (0.0, 0.4, 1.0, 0.2)])
def test_regions_at_frame_edges_are_clipped(src, effect, shape, box):
    out = render(src, Region(box, shape, effect, "other"))
    assert not changed(src, out)[~padded_box_mask(box)].any()
    if effect == "solid":
        x, y, w, h = box  # the box's own centre is always covered
        assert is_black(out[int((y + h / 2) * H), int((x + w / 2) * W)])
        if shape == "rect":  # right up to the frame's edges
            x0, y0, x1, y1 = padded_pixels(box)
            assert is_black(out[y0:y1, x0:x1]).all() and (x0 == 0 or x1 == W)
    assert changed(src, out).any()


def test_a_sliver_still_covers_a_pixel(src):
    out = render(src, Region((0.5, 0.5, 1e-12, 1e-12), "rect", "solid", "other"), margin=0.0)
    assert is_black(out[H // 2, W // 2]) and changed(src, out).sum() == 1


def test_solid_wins_over_a_weaker_effect_whatever_the_order(src):
    solid = Region((0.2, 0.2, 0.2, 0.2), "rect", "solid", "document")
    pixel = Region((0.25, 0.25, 0.3, 0.3), "rect", "pixelate", "screen")
    for order in ((solid, pixel), (pixel, solid)):
        out = render(src, *order)
        x0, y0, x1, y1 = padded_pixels(solid.box)
        assert is_black(out[y0:y1, x0:x1]).all()


def test_rendering_a_redaction_set_frame():
    frame = np.full((H, W, 4), 200, np.uint8)
    tr = RedactionTrack("t", "child", "solid", "ellipse",
                        (Keyframe(1.0, (0.1, 0.1, 0.1, 0.1)), Keyframe(2.0, (0.5, 0.5, 0.1, 0.1))))
    rs = RedactionSet("ab" * 32, (tr,))
    out = render(frame, *rs.regions_for_times([1.0, 2.0]))
    assert is_black(out[int(0.15 * H), int(0.15 * W)]) and is_black(out[int(0.55 * H), int(0.55 * W)])


def test_fast_enough_for_every_frame():
    """A loose guard against a per-pixel Python loop creeping in (bench/bench_render.py measures)."""
    frame = np.random.default_rng(0).integers(0, 256, size=(1080, 1920, 4), dtype=np.uint8)
    out = np.empty_like(frame)
    boxes = ((0.41, 0.22, 0.08, 0.14), (0.10, 0.50, 0.06, 0.11), (0.80, 0.05, 0.09, 0.16))
    for effect in ("solid", "pixelate", "blur"):
        regions = [Region(box, "ellipse", effect, "face_bystander") for box in boxes]
        times = []
        for _ in range(7):
            start = time.perf_counter()
            render_redacted(frame, regions, out)
            times.append(time.perf_counter() - start)
        assert statistics.median(times) < 0.05, effect
