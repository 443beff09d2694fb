"""FrameIndex: look-up completeness (redaction takes the union of every match), storage that refuses
anything it did not write, and identification of every frame of real decoded clips."""

from __future__ import annotations

import io
import zipfile

import av
import numpy as np
import pytest

from reviewtool.progress import run_to_end
from reviewtool.media.frame_index import (
    DEFAULT_TOLERANCE,
    FORMAT_VERSION,
    FrameIndex,
    FrameIndexError,
    index_path,
)
from reviewtool.media.ingest import display_picture, ingest_pass
from reviewtool.media.signature import SIGNATURE_LEN, distances_to_all, frame_signature
from reviewtool.media.synth import read_frame_number

pytestmark = pytest.mark.media

SHA = "ab" * 32


def random_signatures(n: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(20, 230, size=(n, SIGNATURE_LEN)).astype(np.float32)


def index_of(sigs: np.ndarray) -> FrameIndex:
    return FrameIndex(np.arange(len(sigs)) / 30.0, sigs, 640, 360, sha256=SHA)


def random_index(n: int = 200, seed: int = 0) -> FrameIndex:
    return index_of(random_signatures(n, seed))


# --- construction and time ------------------------------------------------------------------------


def test_construction_checks_its_arrays():
    sigs = np.zeros((3, SIGNATURE_LEN), np.float32)
    with pytest.raises(ValueError):
        FrameIndex(np.arange(2.0), sigs, 10, 10)
    with pytest.raises(ValueError):
        FrameIndex(np.arange(3.0), np.zeros((3, 10), np.float32), 10, 10)
    with pytest.raises(ValueError):
        FrameIndex(np.array([0.0, 0.2, 0.1]), sigs, 10, 10)
    with pytest.raises(ValueError):
        FrameIndex(np.arange(3.0), sigs, 0, 10)
    with pytest.raises(ValueError):
        FrameIndex(np.zeros(0), np.zeros((0, SIGNATURE_LEN), np.float32), 10, 10)


def test_time_lookups():
    pts = np.array([0.0, 0.04, 0.065, 0.105, 0.13])
    index = FrameIndex(pts, np.zeros((5, SIGNATURE_LEN), np.float32), 320, 180)
    assert index.frame_at(-1.0) == 0
    assert index.frame_at(0.05) == 1
    assert index.frame_at(0.065) == 2
    assert index.frame_at(9.0) == 4
    assert index.nearest_frame_at(0.05) == 1
    assert index.nearest_frame_at(0.06) == 2
    assert index.nearest_frame_at(0.0525) == 1  # a tie goes to the earlier frame
    assert index.nearest_frame_at(-3) == 0
    assert index.nearest_frame_at(3) == 4
    assert index.frame_before(3) == 2
    assert index.frame_before(0) is None
    with pytest.raises(IndexError):
        index.frame_before(5)
    assert index.time_of(2) == 0.065
    assert index.duration == pytest.approx(0.13 + 0.025)


# --- identification ---------------------------------------------------------------------------------


def test_identify_exact_and_no_match():
    index = random_index()
    for i in (0, 17, 199):
        assert index.identify(index.signatures[i])[0] == i
        assert index.identify(index.signatures[i], after=i - 1)[0] == i
    far = np.full(SIGNATURE_LEN, 255.0, np.float32)
    assert index.identify(far) == []
    assert index.identify(np.full(SIGNATURE_LEN, np.nan, np.float32)) == []


def test_identify_returns_every_frame_within_tolerance_best_first():
    sigs = random_signatures()
    base = sigs[50].copy()
    # A still scene: frames 120..124 within tolerance of frame 50, at growing distances.
    for k, i in enumerate(range(120, 125)):
        sigs[i] = base + 0.1 * (k + 1)
    index = index_of(sigs)
    query = base + 0.02
    hits = index.identify(query, after=10)
    assert hits[0] == 50
    assert set(hits) == {50, 120, 121, 122, 123, 124}
    distances = distances_to_all(query, index.signatures[hits])
    assert list(distances) == sorted(distances)


def test_window_after_the_last_frame_wins_ties():
    sigs = random_signatures()
    twin = 150
    sigs[twin] = sigs[5]
    index = index_of(sigs)
    assert index.identify(index.signatures[5], after=4) == [5, twin]
    assert index.identify(index.signatures[5], after=twin - 1) == [twin, 5]
    assert index.identify(index.signatures[5], after=5) == [5, twin]  # paused: the same frame again


def walking_signatures(n: int, seed: int) -> np.ndarray:
    """Footage-like signatures: a random walk with scene cuts and a still stretch."""
    rng = np.random.default_rng(seed)
    sigs = np.empty((n, SIGNATURE_LEN), np.float32)
    current = rng.uniform(30, 200, SIGNATURE_LEN)
    for i in range(n):
        if rng.random() < 0.01:
            current = rng.uniform(30, 200, SIGNATURE_LEN)
        current = np.clip(current + rng.normal(0, 0.5, SIGNATURE_LEN), 0, 255)
        sigs[i] = current
    sigs[n // 2 : n // 2 + 200] = sigs[n // 2] + rng.normal(0, 0.05, (200, SIGNATURE_LEN))
    return sigs


def test_identify_is_complete_against_brute_force():
    """Pruning must never drop a frame within tolerance (it would drop its redaction regions)."""
    rng = np.random.default_rng(3)
    sigs = walking_signatures(4000, seed=3)
    index = index_of(sigs)
    for trial in range(80):
        source = int(rng.integers(0, len(sigs)))
        query = (sigs[source] + rng.normal(0, 0.4, SIGNATURE_LEN)).astype(np.float32)
        tolerance = float(rng.uniform(0.3, 2.5))
        expected = set(np.flatnonzero(distances_to_all(query, index.signatures) <= tolerance).tolist())
        after = int(rng.integers(0, len(sigs))) if trial % 2 else None
        got = index.identify(query, after=after, tolerance=tolerance)
        assert set(got) == expected
        assert len(got) == len(expected)
        d = distances_to_all(query, index.signatures[got]) if got else []
        assert list(d) == sorted(d)


# --- storage ------------------------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path):
    index = random_index()
    index.rotation = 90
    path = index.save(index_path(tmp_path / "idx", SHA))
    assert path == tmp_path / "idx" / f"{SHA}.npz"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left behind
    loaded = FrameIndex.load(path, expected_sha256=SHA.upper())
    np.testing.assert_array_equal(loaded.pts, index.pts)
    np.testing.assert_array_equal(loaded.signatures, index.signatures)
    assert (loaded.width, loaded.height, loaded.rotation, loaded.sha256) == (640, 360, 90, SHA)
    index.save(path)  # overwriting is atomic too
    assert FrameIndex.load(path).sha256 == SHA


def test_load_refuses_missing_damaged_and_foreign_files(tmp_path):
    with pytest.raises(FrameIndexError, match="missing"):
        FrameIndex.load(tmp_path / "none.npz")
    path = random_index().save(tmp_path / "good.npz")
    data = path.read_bytes()

    with pytest.raises(FrameIndexError, match="belongs to clip"):
        FrameIndex.load(path, expected_sha256="cd" * 32)

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(FrameIndexError, match="damaged"):
        FrameIndex.load(truncated)

    flipped = bytearray(data)
    middle = len(flipped) // 2
    flipped[middle : middle + 8] = bytes(b ^ 0xFF for b in flipped[middle : middle + 8])
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    with pytest.raises(FrameIndexError, match="damaged"):
        FrameIndex.load(tmp_path / "flipped.npz")

    text = tmp_path / "text.npz"
    text.write_text("not an index\n")
    with pytest.raises(FrameIndexError, match="damaged"):
        FrameIndex.load(text)


def rewrite(path, out, **changes):
    with np.load(path, allow_pickle=False) as data:
        fields = {key: data[key] for key in data.files}
    fields.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del fields[key]
    buffer = io.BytesIO()
    np.savez(buffer, **fields)
    out.write_bytes(buffer.getvalue())
    return out


def test_load_refuses_other_versions_missing_fields_and_edited_arrays(tmp_path):
    path = random_index().save(tmp_path / "good.npz")
    with pytest.raises(FrameIndexError, match="version"):
        FrameIndex.load(rewrite(path, tmp_path / "v2.npz", version=np.array(FORMAT_VERSION + 1)))
    with pytest.raises(FrameIndexError, match="missing digest"):
        FrameIndex.load(rewrite(path, tmp_path / "nodigest.npz", digest=None))
    with pytest.raises(FrameIndexError, match="not a frame index"):
        FrameIndex.load(rewrite(path, tmp_path / "other.npz", format=np.array("something-else")))
    with np.load(path) as data:
        sigs = data["signatures"].copy()
    sigs[3, 7] += 1.0  # a quietly edited signature, zip CRCs recomputed by savez
    with pytest.raises(FrameIndexError, match="digest"):
        FrameIndex.load(rewrite(path, tmp_path / "edited.npz", signatures=sigs))
    with pytest.raises(FrameIndexError, match="damaged"):
        FrameIndex.load(rewrite(path, tmp_path / "shape.npz", signatures=sigs[:5]))
    assert zipfile.is_zipfile(path)


# --- real clips -----------------------------------------------------------------------------------------


def indexed(synth_clip, tmp_path, **clip_args):
    path, truth = synth_clip(**clip_args)
    probe = run_to_end(ingest_pass(path, tmp_path / "index"))
    return path, truth, FrameIndex.load(probe.index_path, expected_sha256=probe.sha256)


@pytest.mark.parametrize(
    "clip_args",
    [dict(), dict(vfr=True), dict(rotate=90), dict(width=322, height=182, colour="bt709", rotate=270)],
    ids=["constant", "vfr", "rotate90", "odd-bt709-rotate270"],
)
def test_every_decoded_frame_is_identified(synth_clip, tmp_path, clip_args):
    path, truth, index = indexed(synth_clip, tmp_path, **clip_args)
    assert len(index) == truth.frame_count
    assert (index.width, index.height) == (truth.width, truth.height)
    np.testing.assert_allclose(index.pts, truth.pts, atol=1e-4)
    previous = None
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            picture = display_picture(frame)  # what playback sees: turned, BT.601
            assert read_frame_number(picture) == i
            hits = index.identify(frame_signature(picture), after=previous)
            assert hits and hits[0] == i, f"frame {i} identified as {hits[:3]}"
            assert all(distances_to_all(frame_signature(picture), index.signatures[hits]) <= DEFAULT_TOLERANCE)
            previous = hits[0]


def test_identification_after_seeks(synth_clip, tmp_path):
    path, _, index = indexed(synth_clip, tmp_path, duration_s=2.0)
    rng = np.random.default_rng(8)
    order = rng.permutation(len(index))
    previous = None
    for i in order:  # a player jumping about: the window never holds the frame
        hits = index.identify(index.signatures[i], after=previous)
        assert hits[0] == i
        previous = hits[0]


@pytest.mark.vlc
def test_libvlc_pictures_are_identified(synth_clip, tmp_path, vlc_capture):
    """The playback path itself: libvlc (vmem RV32, software decoding) vs the PyAV index."""
    path, truth, index = indexed(synth_clip, tmp_path, duration_s=3.0, width=640, height=360, rotate=90)
    frames = vlc_capture(path, index.width, index.height, 1.5)
    read = [f for f in frames if f.number is not None]
    assert len(read) >= 10, f"libvlc delivered {len(frames)} pictures, {len(read)} readable"
    previous = None
    for frame in read:
        hits = index.identify(frame.signature, after=previous)
        assert hits and hits[0] == frame.number
        assert distances_to_all(frame.signature, index.signatures[frame.number : frame.number + 1])[0] <= 0.01
        previous = hits[0]
