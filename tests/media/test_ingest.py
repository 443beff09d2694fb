"""The ingest pass: probe figures, an index equal to what playback computes, hashes, thumbnails, and
clean refusals (nothing written) for files that are not whole, readable video."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zlib

import av
import numpy as np
import pytest

from reviewtool.progress import Progress, run_to_end
from reviewtool.media.frame_index import FrameIndex, index_path
from reviewtool.media.ingest import (
    THUMBNAIL_COUNT,
    THUMBNAIL_WIDTH,
    ClipProbe,
    MediaError,
    SignatureReader,
    display_picture,
    display_rotation,
    encode_png,
    ingest_pass,
    sha256_file,
    verify_sha256,
)
from reviewtool.media.signature import frame_signature
from reviewtool.media.synth import make_audio_only, make_clip

pytestmark = pytest.mark.media


def drive(job):
    """Run a job, returning (all Progress yielded, result)."""
    steps = []
    while True:
        try:
            steps.append(next(job))
        except StopIteration as stop:
            return steps, stop.value


def test_constant_rate_probe(synth_clip, tmp_path):
    path, truth = synth_clip(duration_s=3.0, width=320, height=180)
    steps, probe = drive(ingest_pass(path, tmp_path / "index"))
    assert isinstance(probe, ClipProbe)
    assert probe.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert probe.size_bytes == path.stat().st_size
    assert (probe.codec, probe.pix_fmt) == ("h264", "yuv420p")
    assert (probe.width, probe.height, probe.rotation) == (320, 180, 0)
    assert probe.frame_count == truth.frame_count == 90
    assert probe.duration_s == pytest.approx(3.0, abs=1e-6)
    assert probe.mean_interval_s == pytest.approx(1 / 30, abs=1e-6)
    assert probe.min_interval_s == pytest.approx(1 / 30, abs=1e-4)
    assert probe.max_interval_s == pytest.approx(1 / 30, abs=1e-4)
    assert probe.average_fps == pytest.approx(30.0, abs=1e-3)
    assert probe.nominal_fps == pytest.approx(30.0)
    assert not probe.vfr
    assert probe.has_audio and probe.audio_codec == "aac"
    assert probe.decoder_errors == 0 and probe.decoder_messages == ()
    assert probe.index_path == str(index_path(tmp_path / "index", probe.sha256))
    json.dumps(probe.as_dict())  # the CLI prints it

    assert all(isinstance(s, Progress) for s in steps)
    hashing = [s for s in steps if s.message.startswith("Hashing")]
    indexing = [s for s in steps if s.message.startswith("Indexing")]
    assert hashing and indexing and steps.index(indexing[0]) > steps.index(hashing[-1])
    assert [s.done for s in indexing] == sorted(s.done for s in indexing)
    assert indexing[-1].done == indexing[-1].total == 90

    index = FrameIndex.load(probe.index_path, expected_sha256=probe.sha256)
    assert len(index) == 90 and (index.width, index.height) == (320, 180)


def test_vfr_probe(synth_clip, tmp_path):
    path, truth = synth_clip(duration_s=2.0, vfr=True)
    probe = run_to_end(ingest_pass(path, tmp_path))
    gaps = np.diff(truth.pts)
    assert probe.vfr
    assert probe.frame_count == truth.frame_count
    assert probe.min_interval_s == pytest.approx(gaps.min(), abs=1e-4)
    assert probe.max_interval_s == pytest.approx(gaps.max(), abs=1e-4)
    assert probe.mean_interval_s == pytest.approx(gaps.mean(), abs=1e-4)


def test_rotated_clip_is_indexed_as_displayed(synth_clip, tmp_path):
    path, truth = synth_clip(rotate=90, audio=False)
    probe = run_to_end(ingest_pass(path, tmp_path))
    assert probe.rotation == 90
    assert (probe.width, probe.height) == (180, 320)
    assert (probe.encoded_width, probe.encoded_height) == (320, 180)
    assert not probe.has_audio and probe.audio_codec is None
    index = FrameIndex.load(probe.index_path)
    assert (index.width, index.height, index.rotation) == (180, 320, 90)


@pytest.mark.parametrize(
    "clip_args",
    [
        dict(),
        dict(rotate=90),
        dict(rotate=180, width=326, height=186),
        dict(rotate=270, width=330, height=190, colour="bt709"),
        dict(full_range=True),
        dict(width=640, height=362, colour="bt601", preset="veryfast"),
    ],
    ids=["plain", "rotate90", "rotate180-odd", "rotate270-bt709", "full-range", "veryfast-362"],
)
def test_fast_signatures_equal_whole_picture_signatures(synth_clip, clip_args):
    """The ingest shortcut (convert only sampled pixels) must be bit-identical to converting it all."""
    path, _ = synth_clip(duration_s=0.5, **clip_args)
    reader = SignatureReader()
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            rotation = display_rotation(frame)
            assert rotation == clip_args.get("rotate", 0)
            expected = frame_signature(display_picture(frame, rotation))
            np.testing.assert_array_equal(reader.signature(frame, rotation), expected)


def test_playback_matrix_ignores_bt709_tag(synth_clip):
    """libvlc 3 converts with BT.601 whatever the tag says (measured); the index must do the same."""
    path, _ = synth_clip(duration_s=0.2, colour="bt709")
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    as_tagged = frame_signature(frame.to_ndarray(format="rgb24"))
    as_vlc = frame_signature(display_picture(frame))
    assert np.abs(as_tagged - as_vlc).mean() > 0.2


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]
    return width, height


def decode_png(data: bytes) -> np.ndarray:
    with av.open(io.BytesIO(data), format="png_pipe") as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_thumbnail_strip_is_a_valid_png(synth_clip, tmp_path):
    path, truth = synth_clip(duration_s=2.0, width=320, height=180)
    probe = run_to_end(ingest_pass(path, tmp_path))
    assert png_size(probe.thumbnail_png) == (THUMBNAIL_COUNT * THUMBNAIL_WIDTH, 90)
    strip = decode_png(probe.thumbnail_png)
    assert strip.shape == (90, THUMBNAIL_COUNT * THUMBNAIL_WIDTH, 3)
    assert len(probe.thumbnail_times) == THUMBNAIL_COUNT
    assert list(probe.thumbnail_times) == sorted(probe.thumbnail_times)
    assert 0 < probe.thumbnail_times[0] < probe.thumbnail_times[-1] < truth.duration_s
    assert strip.std() > 10  # pictures, not a blank


def test_thumbnails_of_a_short_rotated_clip(synth_clip, tmp_path):
    path, truth = synth_clip(duration_s=0.2, rotate=90)
    probe = run_to_end(ingest_pass(path, tmp_path))
    width, height = png_size(probe.thumbnail_png)
    assert width == len(probe.thumbnail_times) * THUMBNAIL_WIDTH
    assert 1 <= len(probe.thumbnail_times) <= truth.frame_count
    assert height == round(THUMBNAIL_WIDTH * 320 / 180 / 2) * 2  # portrait, as displayed


def test_encode_png_round_trip():
    rgb = np.random.default_rng(2).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    data = encode_png(rgb)
    assert png_size(data) == (30, 20)
    np.testing.assert_array_equal(decode_png(data), rgb)


def test_sha256_helpers(synth_clip, clip_copy):
    path = clip_copy(synth_clip()[0])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sha256_file(path) == digest
    assert verify_sha256(path, digest)
    assert verify_sha256(path, digest.upper() + "\n")
    assert not verify_sha256(path, "0" * 64)
    assert not verify_sha256(path.with_suffix(".gone"), digest)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4] = b"\x00\x01\x02\x03"  # 4 bytes overwritten
    path.write_bytes(bytes(data))
    assert not verify_sha256(path, digest)


def test_decoder_log_settings_are_restored(synth_clip, tmp_path):
    before = (av.logging.get_level(), av.logging.get_skip_repeated())
    run_to_end(ingest_pass(synth_clip()[0], tmp_path))
    assert (av.logging.get_level(), av.logging.get_skip_repeated()) == before


# --- damaged and unsuitable files -------------------------------------------------------------------


def flip_bytes(path, count: int, seed: int) -> None:
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(seed)
    for p in rng.integers(len(data) // 10, len(data) * 8 // 10, count):
        data[p] ^= 0xFF
    path.write_bytes(bytes(data))


def assert_refused(path, index_dir, match: str, **kwargs) -> MediaError:
    with pytest.raises(MediaError, match=match) as caught:
        run_to_end(ingest_pass(path, index_dir, **kwargs))
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    assert not index_dir.exists() or not any(index_dir.iterdir()), "nothing may be written on failure"
    return caught.value


def test_quiet_corruption_is_counted_and_refused_when_strict(synth_clip, clip_copy, tmp_path):
    path = clip_copy(synth_clip(duration_s=3.0)[0])
    flip_bytes(path, count=10, seed=1)
    probe = run_to_end(ingest_pass(path, tmp_path / "lenient"))
    assert probe.frame_count == 90  # every frame still decodes ...
    assert probe.decoder_errors > 0  # ... and only the log tells
    assert any("h264" in m for m in probe.decoder_messages)
    assert_refused(path, tmp_path / "strict", "decoder reported", strict=True)


def test_frames_lost_to_corruption_are_refused(synth_clip, clip_copy, tmp_path):
    path = clip_copy(synth_clip(duration_s=3.0)[0])
    flip_bytes(path, count=200, seed=1)
    assert_refused(path, tmp_path / "index", "truncated or damaged")


@pytest.mark.parametrize("faststart", [False, True], ids=["index-at-end", "index-at-front"])
def test_truncated_clip_is_refused(synth_clip, clip_copy, tmp_path, faststart):
    path = clip_copy(synth_clip(duration_s=3.0, faststart=faststart)[0])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_refused(path, tmp_path / "index", "not a readable media file|truncated")


def test_damaged_header_is_refused(synth_clip, clip_copy, tmp_path):
    path = clip_copy(synth_clip()[0])
    data = bytearray(path.read_bytes())
    data[:64] = b"x" * 64
    path.write_bytes(bytes(data))
    assert_refused(path, tmp_path / "index", "not a readable media file")


def test_audio_only_file_is_refused(tmp_path):
    path = tmp_path / "voice.m4a"
    make_audio_only(path, duration_s=1.0)
    assert_refused(path, tmp_path / "index", r"no video stream \(audio only\)")


@pytest.mark.parametrize(
    "content",
    [b"hello officer\n" * 50, b"reference,date\n1,2020-01-01\n", b"\x00" * 4096, b"%PDF-1.4\n" + bytes(range(256)) * 8],
    ids=["text", "csv", "zeros", "pdf-ish"],
)
def test_non_media_files_are_refused(tmp_path, content):
    path = tmp_path / "notes.mp4"
    path.write_bytes(content)
    assert_refused(path, tmp_path / "index", "not a readable media file|not a video file|no video stream")


def test_still_image_is_refused(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(encode_png(np.full((64, 64, 3), 120, np.uint8)))
    assert_refused(path, tmp_path / "index", "not a video file")


def test_missing_and_empty_files_are_refused(tmp_path):
    assert_refused(tmp_path / "absent.mp4", tmp_path / "index", "cannot be read")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert_refused(empty, tmp_path / "index", "empty")


def test_file_changed_during_ingest_is_refused(synth_clip, clip_copy, tmp_path):
    path = clip_copy(synth_clip(duration_s=3.0)[0])
    job = ingest_pass(path, tmp_path / "index")
    for step in job:
        if step.message.startswith("Indexing"):
            with open(path, "ab") as f:  # someone writes to the file mid-pass
                f.write(b"\0" * 16)
            break
    with pytest.raises(MediaError, match="changed while it was being ingested"):
        for _ in job:
            pass
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())


def test_reingesting_the_same_clip_is_stable(synth_clip, tmp_path):
    path, _ = synth_clip(duration_s=1.0)
    first = run_to_end(ingest_pass(path, tmp_path))
    second = run_to_end(ingest_pass(path, tmp_path))
    assert first.sha256 == second.sha256 and first.index_path == second.index_path
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{first.sha256}.npz"]
    a = FrameIndex.load(first.index_path)
    np.testing.assert_array_equal(a.signatures, FrameIndex.load(second.index_path).signatures)


def test_clip_made_with_b_frames_keeps_display_order(tmp_path):
    path = tmp_path / "bframes.mp4"
    truth = make_clip(path, duration_s=1.0, width=320, height=180, preset="veryfast", audio=False)
    probe = run_to_end(ingest_pass(path, tmp_path / "index"))
    index = FrameIndex.load(probe.index_path)
    np.testing.assert_allclose(index.pts, truth.pts, atol=1e-4)
    assert probe.profile == "High"


def test_cancelled_pass_writes_nothing(synth_clip, tmp_path):
    before = (av.logging.get_level(), av.logging.get_skip_repeated())
    job = ingest_pass(synth_clip(duration_s=3.0)[0], tmp_path / "index")
    for step in job:
        if step.message.startswith("Indexing"):
            break
    job.close()  # what the progress dialog's Cancel does
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())
    assert (av.logging.get_level(), av.logging.get_skip_repeated()) == before


def test_too_small_picture_is_refused(tmp_path):
    path = tmp_path / "tiny.mp4"
    make_clip(path, duration_s=0.2, width=96, height=64, audio=False)
    assert_refused(path, tmp_path / "index", "too small to index")


def test_shortcut_is_checked_against_the_shared_signature(synth_clip, tmp_path, monkeypatch):
    """A grid shortcut that drifted from frame_signature must stop the pass, not write a wrong index."""
    from reviewtool.media import ingest

    original = ingest._SampledGrid.signature
    monkeypatch.setattr(ingest._SampledGrid, "signature", lambda self, green: original(self, green) + 0.5)
    with pytest.raises(RuntimeError, match="disagrees with frame_signature"):
        run_to_end(ingest_pass(synth_clip()[0], tmp_path / "index"))
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())


def test_stored_thumbnails_keep_no_detail_finer_than_a_block():
    import numpy as np

    from reviewtool.media.ingest import THUMBNAIL_BLOCK, coarsen

    rng = np.random.default_rng(3)
    picture = rng.integers(0, 256, size=(90, 160, 3), dtype=np.uint8)
    coarse = coarsen(picture, THUMBNAIL_BLOCK)
    for y in range(0, 90, THUMBNAIL_BLOCK):
        for x in range(0, 160, THUMBNAIL_BLOCK):
            tile = coarse[y:y + THUMBNAIL_BLOCK, x:x + THUMBNAIL_BLOCK].reshape(-1, 3)
            assert (tile == tile[0]).all()
