"""The synthetic clips are the ground truth of every media test, so their truth is checked against PyAV."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from reviewtool.media.synth import ClipTruth, make_audio_only, make_clip, read_frame_number

pytestmark = pytest.mark.media


def decode(path):
    """(frame, rgb picture as stored) for every frame, in display order."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame, frame.to_ndarray(format="rgb24")


def test_constant_rate_clip_matches_its_truth(synth_clip):
    path, truth = synth_clip(duration_s=2.0, width=320, height=180, fps=30.0, faces=2)
    assert truth.frame_count == 60
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert [s.codec_context.name for s in container.streams.audio] == ["aac"]
    frames = list(decode(path))
    assert len(frames) == truth.frame_count
    for i, (frame, rgb) in enumerate(frames):
        assert frame.format.name == "yuv420p"
        assert (frame.width, frame.height) == (320, 180)
        assert frame.time == pytest.approx(truth.frames[i].pts, abs=1e-6)
        assert truth.frames[i].pts == pytest.approx(i / 30.0, abs=1e-9)
        assert read_frame_number(rgb) == i


def test_vfr_clip_has_irregular_timestamps_that_match_the_truth(synth_clip):
    path, truth = synth_clip(duration_s=2.0, vfr=True)
    assert truth.vfr
    gaps = np.diff(truth.pts)
    assert gaps.min() < 1 / 30 < gaps.max()
    assert len(set(np.round(gaps, 4))) > 3
    frames = list(decode(path))
    assert len(frames) == truth.frame_count
    decoded = np.array([frame.time for frame, _ in frames])
    np.testing.assert_allclose(decoded, truth.pts, atol=1e-4)
    assert [read_frame_number(rgb) for _, rgb in frames] == list(range(truth.frame_count))


def test_frame_number_survives_scaling_and_bgra_layout(synth_clip):
    path, _ = synth_clip()
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            half = frame.reformat(width=160, height=90, format="rgb24").to_ndarray()
            bgra = frame.to_ndarray(format="bgra")  # libvlc's RV32 layout: B, G, R, X
            assert read_frame_number(half) == i
            assert read_frame_number(bgra) == i


def test_frame_number_is_none_without_a_band(synth_clip):
    path, _ = synth_clip(frame_numbers=False)
    rng = np.random.default_rng(5)
    assert read_frame_number(np.zeros((180, 320, 4), np.uint8)) is None  # a black "protected" frame
    assert read_frame_number(rng.integers(0, 256, (180, 320, 3), dtype=np.uint8)) is None
    numbers = [read_frame_number(rgb) for _, rgb in decode(path)]
    assert numbers == [None] * len(numbers)


def test_faces_are_drawn_where_the_truth_says(synth_clip):
    path, truth = synth_clip(faces=3, seed=4)
    for i, (_, rgb) in enumerate(decode(path)):
        faces = truth.faces_at(i)
        assert len(faces) == 3
        for x, y, w, h in faces:
            assert 0 <= x and 0 <= y and x + w <= 1 and y + h <= 1
            cx, cy = int((x + w / 2) * 320), int((y + h / 2) * 180)
            r, g, b = (int(c) for c in rgb[cy, cx])
            assert r > g > b, f"frame {i}: no skin tone at the centre of box {x, y, w, h}"


def test_faces_move_deterministically(synth_clip, tmp_path):
    _, truth = synth_clip(seed=11)
    again = make_clip(tmp_path / "again.mp4", duration_s=2.0, width=320, height=180, seed=11, audio=False)
    assert [f.faces for f in again.frames] == [f.faces for f in truth.frames]
    assert truth.faces_at(0) != truth.faces_at(30)
    with pytest.raises(IndexError):
        truth.faces_at(truth.frame_count)


def test_truth_round_trips_through_json(synth_clip):
    _, truth = synth_clip(vfr=True)
    text = truth.to_json()
    assert ClipTruth.from_json(text) == truth
    assert json.loads(text)["frames"][1]["index"] == 1


def test_rotation_is_written_as_a_display_matrix(synth_clip):
    path, truth = synth_clip(width=320, height=180, rotate=90)
    assert (truth.width, truth.height) == (180, 320)
    assert (truth.encoded_width, truth.encoded_height) == (320, 180)
    for i, (frame, rgb) in enumerate(decode(path)):
        assert frame.rotation == -90  # PyAV: counter-clockwise degrees
        assert (frame.width, frame.height) == (320, 180)
        assert read_frame_number(rgb, rotate=90) == i
        display = np.rot90(rgb, k=-1)  # what a player shows: turned clockwise
        assert read_frame_number(display) == i
        x, y, w, h = truth.faces_at(i)[0]
        cx, cy = int((x + w / 2) * 180), int((y + h / 2) * 320)
        r, g, b = (int(c) for c in display[cy, cx])
        assert r > g > b


def test_odd_sizes_colour_tags_and_no_audio(synth_clip):
    path, truth = synth_clip(width=322, height=182, colour="bt709", full_range=True, audio=False, duration_s=0.5)
    with av.open(str(path)) as container:
        assert not container.streams.audio
        frames = list(container.decode(video=0))
    assert len(frames) == truth.frame_count == 15
    assert (frames[0].width, frames[0].height) == (322, 182)
    assert frames[0].colorspace == 1  # AVCOL_SPC_BT709
    assert frames[0].color_range == 2  # AVCOL_RANGE_JPEG


def test_audio_only_file(tmp_path):
    path = tmp_path / "voice.m4a"
    make_audio_only(path, duration_s=1.0)
    with av.open(str(path)) as container:
        assert not container.streams.video
        assert container.streams.audio[0].codec_context.name == "aac"


@pytest.mark.parametrize(
    "kwargs",
    [dict(width=321, height=180), dict(width=320, height=180, rotate=45), dict(width=32, height=32),
     dict(width=320, height=180, faces=-1), dict(width=320, height=180, colour="srgb")],
)
def test_bad_arguments_are_refused(tmp_path, kwargs):
    with pytest.raises(ValueError):
        make_clip(tmp_path / "bad.mp4", duration_s=1.0, **kwargs)
