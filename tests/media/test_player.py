"""Redacted playback: the frame pool's hand-over rule, the fail-closed pipeline, and leak tests through
the real libvlc path (`run_redaction_audit`) on frame-numbered synthetic clips with moving faces.

The leak check trusts nothing the player says about itself: for every PNG the audit wrote, the frame
that was really decoded is read from the frame-number band in the output picture (never redacted), and
every true face box of *that* frame must be solid black. A picture without a readable band must be
black all over. `frames.jsonl`'s identified index is only a claim, checked against the band.
"""

from __future__ import annotations

import ctypes
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from reviewtool.media import frame_pipeline
from reviewtool.media.audit_run import ActionScriptError, downscale, parse_actions, run_redaction_audit
from reviewtool.media.frame_index import FrameIndex
from reviewtool.media.frame_pipeline import FramePipeline
from reviewtool.media.frame_pool import FramePool
from reviewtool.media.ingest import ClipProbe, display_picture, ingest_pass, sha256_file
from reviewtool.media.player import ClipChanged, PlayerState, RedactedPlayer
from reviewtool.media.player_threads import CallbackCore
from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack
from reviewtool.media.signature import frame_signature
from reviewtool.media.synth import ClipTruth, read_frame_number
from reviewtool.progress import run_to_end

pytestmark = pytest.mark.media
vlc_test = pytest.mark.vlc
VLC_ARGS = ("--aout=dummy",)


# --- fixtures and helpers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Clip:
    path: Path
    truth: ClipTruth
    probe: ClipProbe

    @property
    def sha(self) -> str:
        return self.probe.sha256


@pytest.fixture(scope="module")
def ingested(synth_clip, tmp_path_factory):
    """`ingested(**make_clip_args) -> Clip`, ingested once per module."""
    index_dir = tmp_path_factory.mktemp("player-indexes")
    done: dict[tuple, Clip] = {}

    def get(**kwargs) -> Clip:
        key = tuple(sorted(kwargs.items()))
        if key not in done:
            path, truth = synth_clip(**kwargs)
            done[key] = Clip(path, truth, run_to_end(ingest_pass(path, index_dir)))
        return done[key]

    return get


@pytest.fixture(scope="module")
def cfr(ingested) -> Clip:
    return ingested(duration_s=6.0, width=320, height=180, faces=2, seed=11)


@pytest.fixture(scope="module")
def vfr(ingested) -> Clip:
    return ingested(duration_s=6.0, width=320, height=180, faces=2, seed=12, vfr=True)


def face_redactions(clip: Clip, *, every: int = 1, blank=(), mute=()) -> RedactionSet:
    """One solid track per face, keyframed on every `every`-th frame (and the last), interpolated between."""
    frames = clip.truth.frames
    keep = list(range(0, len(frames), every))
    if keep[-1] != len(frames) - 1:
        keep.append(len(frames) - 1)
    faces = len(frames[0].faces)
    tracks = tuple(
        RedactionTrack(f"face{k}", "face_bystander", "solid", "rect",
                       tuple(Keyframe(frames[i].pts, tuple(frames[i].faces[k])) for i in keep))
        for k in range(faces))
    return RedactionSet(clip.sha, tracks, blank=tuple(blank), mute=tuple(mute))


def read_png(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def inner_pixels(box, width: int, height: int) -> tuple[slice, slice]:
    """The pixels lying wholly inside a box given in frame fractions."""
    x, y, w, h = box
    x0, x1 = int(np.ceil(x * width)), int(np.floor((x + w) * width))
    y0, y1 = int(np.ceil(y * height)), int(np.floor((y + h) * height))
    return slice(y0, max(y0, y1)), slice(x0, max(x0, x1))


@dataclass
class AuditCheck:
    lines: list[dict]
    true_frames: list[int | None]
    leaks: list[str]
    misidentified: list[str]


def check_audit(out_dir: Path, truth: ClipTruth, scale: float) -> AuditCheck:
    lines = [json.loads(line) for line in (out_dir / "frames.jsonl").read_text().splitlines()]
    assert lines, "the audit recorded no frame"
    assert sorted(p.name for p in out_dir.glob("*.png")) == sorted(line["png"] for line in lines)
    seqs = [line["seq"] for line in lines]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    true_frames, leaks, wrong = [], [], []
    for line in lines:
        image = read_png(out_dir / line["png"])
        height, width = image.shape[:2]
        assert (width, height) == (round(truth.width * scale), round(truth.height * scale))
        n = read_frame_number(image)
        true_frames.append(n)
        if n is None:
            if image.max() != 0:
                leaks.append(f"seq {line['seq']}: no readable frame number, yet not black")
            continue
        if line["blanked"] or line["protected"]:
            leaks.append(f"seq {line['seq']}: marked blanked/protected but shows frame {n}")
        if line["frame"] != n:
            wrong.append(f"seq {line['seq']}: identified as {line['frame']}, really frame {n}")
        for box in truth.faces_at(n):
            rows, cols = inner_pixels(box, width, height)
            if image[rows, cols].size and image[rows, cols].max() != 0:
                leaks.append(f"seq {line['seq']}: face {box} of frame {n} visible")
    return AuditCheck(lines, true_frames, leaks, wrong)


def bgra(rgb: np.ndarray) -> np.ndarray:
    """An RV32 picture (B, G, R, A in memory) from RGB, as libvlc hands it over."""
    out = np.empty(rgb.shape[:2] + (4,), dtype=np.uint8)
    out[..., :3] = rgb[..., ::-1]
    out[..., 3] = 255
    return out


@pytest.fixture(scope="module")
def cfr_pictures(cfr) -> list[np.ndarray]:
    """The CFR clip's first 40 frames as libvlc presents them (BGRA), decoded by PyAV."""
    pictures = []
    with av.open(str(cfr.path)) as container:
        for frame in container.decode(video=0):
            pictures.append(bgra(display_picture(frame)))
            if len(pictures) == 40:
                break
    return pictures


# --- the frame pool's hand-over rule (no libvlc) -------------------------------------------------


def _publish(pool: FramePool, value: int):
    number, buffer = pool.begin_write()
    buffer[...] = value
    return pool.publish(number, frame_index=value, pts=None, blanked=False, protected=False)


def test_pool_never_writes_the_latest_or_a_pinned_frame():
    pool = FramePool(8, 4)
    first = _publish(pool, 1)
    pin = first.pin()
    assert pin is not None
    for value in range(2, 12):  # many frames later, the pinned picture is intact
        _publish(pool, value)
        assert (pin.image == 1).all()
        assert (pool.latest.image == value).all()
    pin.release()
    with pytest.raises(RuntimeError):
        _ = pin.image
    for value in range(12, 16):
        _publish(pool, value)
    assert first.pin() is None  # its buffer has been reused since: refused, not handed out
    with pool.pin_latest() as latest:
        assert latest.frame.frame_index == 15


def test_pool_grows_then_drops_when_consumers_hold_every_buffer():
    pool = FramePool(8, 4, count=3, max_count=4)
    pins = []
    for value in range(1, 5):
        pins.append(_publish(pool, value).pin())
    assert pool.size == 4
    assert pool.begin_write() is None  # all held: the frame is dropped, nothing is overwritten
    assert pool.dropped == 1
    assert [int(p.image[0, 0, 0]) for p in pins] == [1, 2, 3, 4]
    pins[0].release()
    assert pool.begin_write() is not None


def test_displayed_image_is_read_only():
    frame = _publish(FramePool(8, 4), 7)
    with pytest.raises(ValueError):
        frame.image[0, 0, 0] = 0


# --- the pipeline (no libvlc) ------------------------------------------------------------------


def _pipeline(clip: Clip, redactions, *, index="load", mode="redacted") -> FramePipeline:
    if index == "load":
        index = FrameIndex.load(clip.probe.index_path)
    return FramePipeline(FramePool(clip.truth.width, clip.truth.height), index, redactions, mode)


def test_pipeline_redacts_every_frame_within_tolerance(cfr, cfr_pictures):
    """A picture matching two index frames (a still scene) gets the regions of both."""
    index = FrameIndex.load(cfr.probe.index_path)
    signatures = index.signatures.copy()
    signatures[21] = signatures[20]  # frames 20 and 21 now look the same
    twin = FrameIndex(index.pts, signatures, index.width, index.height, sha256=index.sha256)
    t21 = float(index.pts[21])
    box = (0.5, 0.5, 0.2, 0.2)
    only_at_21 = RedactionSet(cfr.sha, (RedactionTrack("x", "plate", "solid", "rect", (Keyframe(t21, box),)),))
    pipeline = FramePipeline(FramePool(cfr.truth.width, cfr.truth.height), twin, only_at_21)
    frame, mute = pipeline.process(cfr_pictures[20])
    assert frame.frame_index in (20, 21) and not frame.protected and not mute
    rows, cols = inner_pixels(box, frame.width, frame.height)
    assert frame.image[rows, cols, :3].max() == 0
    assert frame.image[:, : frame.width // 3, :3].max() > 0  # the rest is the picture


def test_pipeline_redacts_identified_frames_and_keeps_the_band(cfr, cfr_pictures):
    pipeline = _pipeline(cfr, face_redactions(cfr))
    for i in (0, 1, 2, 30, 7):  # in order, then a jump back (whole-clip search)
        frame, mute = pipeline.process(cfr_pictures[i])
        assert (frame.frame_index, frame.protected, frame.blanked, mute) == (i, False, False, False)
        assert frame.pts == pytest.approx(cfr.truth.frames[i].pts)
        assert read_frame_number(frame.image) == i
        for box in cfr.truth.faces_at(i):
            rows, cols = inner_pixels(box, frame.width, frame.height)
            assert frame.image[rows, cols, :3].max() == 0


def test_pipeline_protects_an_unidentified_picture(cfr):
    pipeline = _pipeline(cfr, face_redactions(cfr))
    noise = np.random.default_rng(1).integers(0, 256, (cfr.truth.height, cfr.truth.width, 4), dtype=np.uint8)
    frame, mute = pipeline.process(noise)
    assert frame.protected and frame.frame_index is None and mute
    assert frame.image[..., :3].max() == 0


def test_pipeline_without_index_protects_every_frame(cfr, cfr_pictures):
    pipeline = _pipeline(cfr, face_redactions(cfr), index=None)
    for picture in cfr_pictures[:5]:
        frame, mute = pipeline.process(picture)
        assert frame.protected and mute and frame.image[..., :3].max() == 0


def test_pipeline_error_gives_a_black_frame(cfr, cfr_pictures, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(frame_pipeline, "redact_in_place", broken)
    pipeline = _pipeline(cfr, face_redactions(cfr))
    with caplog.at_level(logging.ERROR):
        frame, mute = pipeline.process(cfr_pictures[3])
    assert frame.protected and mute and frame.image[..., :3].max() == 0
    assert frame.frame_index == 3  # identified, but could not be shown redacted
    assert pipeline.errors == 1 and "injected" in caplog.text


def test_pipeline_blank_and_mute_ranges(cfr, cfr_pictures):
    t10 = cfr.truth.frames[10].pts
    pipeline = _pipeline(cfr, face_redactions(cfr, blank=[(t10 - 0.01, t10 + 0.01)], mute=[(0.0, 0.1)]))
    frame, mute = pipeline.process(cfr_pictures[10])
    assert frame.blanked and not frame.protected and frame.image[..., :3].max() == 0
    assert mute  # 0.333 s is within the mute range padded by 0.3 s
    frame, mute = pipeline.process(cfr_pictures[13])
    assert not frame.blanked and not mute  # 0.433 s: past the padding


def test_raw_mode_shows_the_picture_and_still_identifies(cfr, cfr_pictures):
    pipeline = _pipeline(cfr, None, mode="raw")
    frame, mute = pipeline.process(cfr_pictures[5])
    assert frame.frame_index == 5 and not frame.protected and not mute
    assert np.array_equal(frame.image, cfr_pictures[5])


# --- zero-copy hand-over: libvlc's part played by hand (no libvlc) ----------------------------------


class FakeDecoder:
    """Does what libvlc's vmem output does with the callbacks: lock (get an address), write the
    picture there, display (hand the lock's token back)."""

    def __init__(self, core: CallbackCore, width: int, height: int) -> None:
        self.core = core
        self.shape = (height, width, 4)
        self.planes = (ctypes.c_void_p * 3)()

    def lock(self) -> int:
        return self.core.on_lock(None, self.planes)

    def memory(self) -> np.ndarray:
        """The buffer libvlc was given by the last lock, as libvlc sees it (its raw address)."""
        size = int(np.prod(self.shape))
        return np.ctypeslib.as_array((ctypes.c_uint8 * size).from_address(self.planes[0])).reshape(self.shape)

    def write(self, picture: np.ndarray) -> None:
        np.copyto(self.memory(), picture)

    def decode(self, picture: np.ndarray) -> int:
        token = self.lock()
        self.write(picture)
        self.core.on_display(None, token)
        return token


def _core(clip: Clip, redactions, *, mode="redacted", max_buffers=8) -> tuple[CallbackCore, FakeDecoder]:
    index = FrameIndex.load(clip.probe.index_path)
    pool = FramePool(clip.truth.width, clip.truth.height, max_count=max_buffers)
    core = CallbackCore(FramePipeline(pool, index, redactions, mode), clip.truth.width, clip.truth.height)
    return core, FakeDecoder(core, clip.truth.width, clip.truth.height)


def _faces_black(frame, clip: Clip, n: int) -> bool:
    return all(frame.image[inner_pixels(box, frame.width, frame.height)][..., :3].max() == 0
               for box in clip.truth.faces_at(n))


def test_a_frame_handed_to_a_sink_is_never_overwritten_while_the_next_is_decoded(cfr, cfr_pictures):
    """The sink pins frame 0 and keeps it; libvlc then decodes frames 1.. into other buffers, and
    while one is being written (and not yet redacted) consumers only ever reach finished frames."""
    core, decoder = _core(cfr, face_redactions(cfr))
    pins, copies = [], []

    def sink(frame):
        if not pins:
            pins.append(frame.pin())
            copies.append(frame.image.copy())

    core.sinks.append(sink)
    decoder.decode(cfr_pictures[0])
    held = pins[0].frame
    assert held.frame_index == 0 and _faces_black(held, cfr, 0)
    for n in range(1, 12):
        token = decoder.lock()
        memory = decoder.memory()
        assert not np.shares_memory(memory, held.image)
        decoder.write(cfr_pictures[n])  # raw pixels, being "decoded"
        latest = core.pipeline.pool.pin_latest()  # a GUI paint right now gets the last finished frame
        assert latest.frame.frame_index == n - 1 and not np.shares_memory(latest.image, memory)
        assert _faces_black(latest.frame, cfr, n - 1)
        latest.release()
        core.on_display(None, token)
        assert core.latest.frame_index == n and _faces_black(core.latest, cfr, n)
        assert np.array_equal(held.image, copies[0])  # the pinned frame is untouched
    assert core.pipeline.pool.size <= 4 and core.pipeline.pool.dropped == 0
    pins[0].release()


def test_a_frame_overtaken_while_unpinned_cannot_be_pinned_later(cfr, cfr_pictures):
    core, decoder = _core(cfr, face_redactions(cfr))
    seen = []
    core.sinks.append(seen.append)
    for n in range(6):
        decoder.decode(cfr_pictures[n])
    assert seen[0].pin() is None  # its buffer was lent to libvlc again since: refused
    with seen[-1].pin() as pin:
        assert pin.frame.frame_index == 5


@pytest.mark.parametrize("where", ["identify", "lookup", "render", "raw identify"])
def test_an_exception_between_decode_and_redaction_leaves_the_buffer_black(
        cfr, cfr_pictures, monkeypatch, where):
    def broken(*args, **kwargs):
        raise RuntimeError("injected")

    redactions = face_redactions(cfr)
    if where.endswith("identify"):
        monkeypatch.setattr(frame_pipeline, "frame_signature", broken)
    elif where == "lookup":
        monkeypatch.setattr(RedactionSet, "regions_for_times", broken)
    else:
        monkeypatch.setattr(frame_pipeline, "redact_in_place", broken)  # raises before touching a pixel
    core, decoder = _core(cfr, None if where.startswith("raw") else redactions,
                          mode="raw" if where.startswith("raw") else "redacted")
    seen = []
    core.sinks.append(seen.append)
    token = decoder.lock()
    memory = decoder.memory()
    decoder.write(cfr_pictures[4])
    assert memory[..., :3].max() > 0
    core.on_display(None, token)
    assert len(seen) == 1 and seen[0].protected and core.mute_wanted
    assert np.shares_memory(seen[0].image, memory)  # the very buffer libvlc wrote: blackened in place
    assert memory[..., :3].max() == 0 and seen[0].image[..., :3].max() == 0
    assert core.pipeline.errors == 1


def test_pictures_that_do_not_add_up_are_blackened_and_never_shown(cfr, cfr_pictures):
    core, decoder = _core(cfr, face_redactions(cfr))
    seen = []
    core.sinks.append(seen.append)
    decoder.lock()  # a picture libvlc locks, writes and never displays
    dropped = decoder.memory()
    decoder.write(cfr_pictures[2])
    token = decoder.lock()
    assert dropped[..., :3].max() == 0 and not seen  # blackened when the next one was lent
    decoder.write(cfr_pictures[3])
    core.on_display(None, token + 7)  # a display for a picture that was not lent
    assert not seen and decoder.memory()[..., :3].max() == 0
    core.on_display(None, token)  # and the real one can no longer be displayed
    assert not seen and core.withheld == 2
    decoder.decode(cfr_pictures[5])
    assert [f.frame_index for f in seen] == [5]


def test_with_every_buffer_held_libvlc_decodes_into_scratch_and_nothing_is_shown(cfr, cfr_pictures):
    core, decoder = _core(cfr, face_redactions(cfr), max_buffers=3)
    seen = []
    core.sinks.append(lambda frame: seen.append(frame.pin()))  # a consumer that never lets go
    for n in range(3):
        decoder.decode(cfr_pictures[n])
    assert [p.frame.frame_index for p in seen] == [0, 1, 2]
    token = decoder.lock()
    assert np.shares_memory(decoder.memory(), core.scratch)
    decoder.write(cfr_pictures[3])
    core.on_display(None, token)
    assert len(seen) == 3 and core.latest.frame_index == 2 and core.scratch[..., :3].max() == 0
    assert core.pipeline.pool.dropped == 1 and core.mute_wanted
    for pin in seen:
        pin.release()
    decoder.decode(cfr_pictures[4])
    assert core.latest.frame_index == 4


def test_raw_mode_publishes_the_decoded_buffer_itself(cfr, cfr_pictures):
    core, decoder = _core(cfr, None, mode="raw")
    token = decoder.lock()
    memory = decoder.memory()
    decoder.write(cfr_pictures[7])
    core.on_display(None, token)
    assert core.latest.frame_index == 7 and not core.latest.protected
    assert np.shares_memory(core.latest.image, memory) and np.array_equal(core.latest.image, cfr_pictures[7])


def _plain_signature(frame: np.ndarray) -> np.ndarray:
    """DESIGN section 4 computed the plain way: green of every 8th pixel, means of 15x16 cells."""
    green = frame[::8, ::8, 1].astype(np.float64)
    h, w = green.shape
    rows, cols = [*(np.arange(15) * h) // 15, h], [*(np.arange(16) * w) // 16, w]
    means = [[green[rows[i]:rows[i + 1], cols[j]:cols[j + 1]].mean() for j in range(16)] for i in range(15)]
    return np.array(means, dtype=np.float32).reshape(240)


@pytest.mark.parametrize("shape", [(1080, 1920, 4), (1088, 1920, 4), (720, 1280, 4), (362, 640, 4),
                                   (180, 320, 4), (640, 362, 4), (360, 640, 3)])
def test_the_players_signature_is_the_ingest_definition_bit_for_bit(shape):
    """Identification looks signatures up in an index built at ingest: the quick way the player
    computes them (a strided view of libvlc's buffer, equal cells summed in one pass) must give
    exactly the same floats."""
    frame = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    assert np.array_equal(frame_signature(frame), _plain_signature(frame))


def test_redacted_playback_needs_an_explicit_redaction_set(cfr):
    with pytest.raises(ValueError, match="RedactionSet"):
        _pipeline(cfr, None)
    with pytest.raises(ValueError, match="RedactionSet"):
        RedactedPlayer(cfr.path, cfr.sha, cfr.probe.index_path, None)
    other = RedactionSet("0" * 64, ())
    with pytest.raises(ValueError, match="another clip"):
        RedactedPlayer(cfr.path, cfr.sha, cfr.probe.index_path, other)


def test_downscale_averages_so_a_single_bright_pixel_shows():
    image = np.zeros((4, 6, 3), dtype=np.uint8)
    image[1, 3] = 255
    small = downscale(image, 0.5)
    assert small.shape == (2, 3, 3) and small[0, 1].max() > 0 and small.sum() == small[0, 1].sum()
    assert downscale(image, 1.0) is image
    assert downscale(np.zeros((90, 160, 3), np.uint8), 0.3).shape == (27, 48, 3)


# --- action scripts ------------------------------------------------------------------------------


@pytest.mark.parametrize(("script", "message"), [
    ({"play": 1}, "must be a list"),
    ([{"play": 1, "pause": 1}], r"actions\[0\]: each action is an object with exactly one key"),
    (["play"], r"actions\[0\]: each action"),
    ([{"play": 1}, {"jump": 3}], r"actions\[1\]: unknown action 'jump'"),
    ([{"play": "5"}], r"actions\[0\]\.play: must be a finite number"),
    ([{"play": True}], r"actions\[0\]\.play: must be a finite number"),
    ([{"pause": -1}], r"actions\[0\]\.pause: wall seconds must be between 0"),
    ([{"seek": float("nan")}], r"actions\[0\]\.seek: must be a finite number"),
    ([{"seek": -2}], r"actions\[0\]\.seek: media time must be >= 0"),
    ([{"rate": 8}], r"actions\[0\]\.rate: must be between 0.25 and 4.0"),
    ([{"step": 2.5}], r"actions\[0\]\.step: must be a whole number"),
    ([{"step": 0}], r"actions\[0\]\.step: must be a whole number"),
])
def test_bad_action_scripts_are_refused(script, message):
    with pytest.raises(ActionScriptError, match=message):
        parse_actions(script)


def test_bad_script_or_scale_writes_nothing(cfr, tmp_path):
    out = tmp_path / "audit"
    with pytest.raises(ActionScriptError):
        run_redaction_audit(cfr.path, cfr.sha, cfr.probe.index_path, face_redactions(cfr), [{"wait": 1}], out)
    with pytest.raises(ValueError, match="scale"):
        run_redaction_audit(cfr.path, cfr.sha, cfr.probe.index_path, face_redactions(cfr), [], out, scale=2)
    assert not out.exists()
    assert parse_actions([{"play": 5}, {"seek": 20.0}, {"pause": 1}, {"rate": 2.0}, {"step": 10}])[4].value == 10


def test_tampered_clip_is_refused_and_nothing_written(cfr, clip_copy, tmp_path):
    tampered = clip_copy(cfr.path)
    with open(tampered, "r+b") as f:  # 4 bytes overwritten: still decodes, but is not the ingested clip
        f.seek(tampered.stat().st_size // 2)
        f.write(b"\x00\x01\x02\x03")
    assert sha256_file(tampered) != cfr.sha
    out = tmp_path / "audit"
    with pytest.raises(ClipChanged, match="changed since it was ingested"):
        run_redaction_audit(tampered, cfr.sha, cfr.probe.index_path, face_redactions(cfr), [{"play": 1}], out)
    assert not out.exists()
    player = RedactedPlayer(tampered, cfr.sha, cfr.probe.index_path, face_redactions(cfr), vlc_args=VLC_ARGS)
    with pytest.raises(ClipChanged):
        player.play()
    assert player.latest is None and player.state == PlayerState.IDLE


@vlc_test
def test_reopening_hashes_the_clip_again_only_if_the_file_changed(cfr, clip_copy, monkeypatch):
    """Near the end every seek re-opens the input; a long clip takes seconds to hash, so a re-open
    trusts the hash taken while the file's identity (device, inode, size, times) stays the same.
    Any write to the file changes it: the next re-open hashes again and refuses the clip."""
    from reviewtool.media import player as player_module

    clip = clip_copy(cfr.path)
    hashed = []
    real_sha256 = player_module.sha256_file
    monkeypatch.setattr(player_module, "sha256_file", lambda path: hashed.append(path) or real_sha256(path))
    player = RedactedPlayer(clip, cfr.sha, cfr.probe.index_path, face_redactions(cfr), vlc_args=VLC_ARGS)
    with player:
        for t in (5.5, 5.8, 1.0):  # the last two re-open the input (the picture has been near the end)
            player.seek(t)
            assert player.wait_until_settled()
        assert player.frame_index == 30 and len(hashed) == 1
        with open(clip, "r+b") as f:  # same size, 4 bytes changed
            f.seek(clip.stat().st_size // 2)
            f.write(b"\x00\x01\x02\x03")
        player.stop()
        with pytest.raises(ClipChanged):
            player.play()
        assert len(hashed) == 2


# --- through libvlc --------------------------------------------------------------------------------


@vlc_test
def test_no_leak_constant_rate_with_seeks_pauses_rates_and_steps(cfr, tmp_path):
    """Keyframes on every frame; blank and mute ranges; default scale 0.5."""
    redactions = face_redactions(cfr, blank=[(3.0, 3.4)], mute=[(1.0, 1.3)])
    script = [{"play": 2.5}, {"seek": 4.5}, {"play": 0.6}, {"seek": 1.0}, {"pause": 0.3}, {"step": 3},
              {"seek": 0.5}, {"rate": 2.0}, {"play": 1.0}, {"rate": 0.5}, {"play": 1.0}, {"rate": 1.0},
              {"seek": 2.8}, {"play": 0.8}]
    summary = run_redaction_audit(cfr.path, cfr.sha, cfr.probe.index_path, redactions, script,
                                  tmp_path / "audit", vlc_args=VLC_ARGS)
    check = check_audit(tmp_path / "audit", cfr.truth, 0.5)
    assert check.leaks == []
    assert check.misidentified == []
    assert summary.written == len(check.lines) == summary.displayed
    assert summary.errors == 0 and summary.dropped == 0

    steady = [line for line in check.lines if line["action"] == 0]  # 2.5 s of 1x play from the start
    assert len(steady) >= 60
    assert sum(line["blanked"] or line["protected"] for line in steady) <= 0.005 * len(steady)

    by_action: dict[int, list[int | None]] = {}
    for line, n in zip(check.lines, check.true_frames):
        by_action.setdefault(line["action"], []).append(n)
    assert max(n for n in by_action[2] if n is not None) >= round(4.5 * 30)  # the seek forward happened
    paused_on = by_action[4][-1]
    assert by_action[5][-1] == paused_on + 3  # three single steps from the paused frame
    assert any(line["blanked"] for line in check.lines)  # the blank range was played through


@vlc_test
def test_no_leak_variable_rate_interpolated_keyframes(vfr, tmp_path):
    """Keyframes on every third frame, boxes interpolated in between; full-size PNGs."""
    script = [{"play": 1.5}, {"pause": 0.3}, {"seek": 4.0}, {"step": 4}, {"seek": 2.0}, {"rate": 2.0},
              {"play": 1.0}, {"seek": 0.3}, {"rate": 0.5}, {"play": 1.0}]
    summary = run_redaction_audit(vfr.path, vfr.sha, vfr.probe.index_path, face_redactions(vfr, every=3),
                                  script, tmp_path / "audit", scale=1.0, vlc_args=VLC_ARGS)
    check = check_audit(tmp_path / "audit", vfr.truth, 1.0)
    assert check.leaks == []
    assert check.misidentified == []
    assert summary.protected == 0 and summary.errors == 0
    steady = [line for line in check.lines if line["action"] == 0]
    assert len(steady) >= 25
    assert sum(line["protected"] for line in steady) <= 0.005 * len(steady)


@vlc_test
def test_missing_index_protects_every_frame(cfr, tmp_path):
    summary = run_redaction_audit(cfr.path, cfr.sha, tmp_path / "missing.npz", face_redactions(cfr),
                                  [{"play": 1.0}], tmp_path / "audit", vlc_args=VLC_ARGS)
    check = check_audit(tmp_path / "audit", cfr.truth, 0.5)
    assert summary.written > 10
    assert all(line["protected"] and line["frame"] is None for line in check.lines)
    assert check.true_frames == [None] * len(check.lines) and check.leaks == []


@vlc_test
def test_exception_in_the_frame_path_gives_black(cfr, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(frame_pipeline, "redact_in_place", broken)
    summary = run_redaction_audit(cfr.path, cfr.sha, cfr.probe.index_path, face_redactions(cfr),
                                  [{"play": 1.0}], tmp_path / "audit", vlc_args=VLC_ARGS)
    check = check_audit(tmp_path / "audit", cfr.truth, 0.5)
    assert summary.written > 10 and summary.errors == summary.written
    assert all(line["protected"] for line in check.lines)
    assert check.true_frames == [None] * len(check.lines) and check.leaks == []


@vlc_test
def test_rotated_clip_with_odd_lines_is_identified(ingested, tmp_path):
    """640x362 stored, turned 90 degrees by the display matrix: libvlc presents 362x640, turned."""
    clip = ingested(duration_s=2.0, width=640, height=362, faces=1, seed=13, rotate=90)
    assert (clip.probe.width, clip.probe.height) == (362, 640)
    summary = run_redaction_audit(clip.path, clip.sha, clip.probe.index_path, face_redactions(clip),
                                  [{"play": 1.0}, {"seek": 1.5}, {"pause": 0.2}], tmp_path / "audit",
                                  vlc_args=VLC_ARGS)
    check = check_audit(tmp_path / "audit", clip.truth, 0.5)
    assert check.leaks == [] and check.misidentified == []
    assert summary.protected == 0 and summary.identified == summary.written > 10


@vlc_test
def test_raw_player_controls_mute_and_time(cfr):
    """Raw mode (the editor): pictures unredacted but identified; time from the identified frame;
    exact seek and steps while paused; controls refuse to run inside a sink."""
    player = RedactedPlayer(cfr.path, cfr.sha, cfr.probe.index_path, None, mode="raw", vlc_args=VLC_ARGS)
    seen: list[tuple[int | None, int | None]] = []
    refused: list[Exception] = []

    def sink(frame):
        seen.append((frame.frame_index, read_frame_number(frame.image)))
        if len(seen) == 3:
            try:
                player.pause()
            except RuntimeError as exc:
                refused.append(exc)

    player.add_sink(sink)
    with player:
        player.play()
        time.sleep(0.8)
        player.pause()
        shown = player.wait_for_frame(lambda f: f.frame_index is not None, 2.0)
        assert player.time == pytest.approx(cfr.truth.frames[player.frame_index].pts)
        assert shown is not None and player.length == pytest.approx(6.0, abs=1e-6)
        player.seek(2.0)
        assert player.wait_until_settled()
        assert player.frame_index == 60
        player.step_back()
        assert player.wait_until_settled()
        assert player.frame_index == 59
        player.step()
        player.step()
        assert player.wait_until_settled()
        assert player.frame_index == 61
    assert player.state == PlayerState.STOPPED
    assert len(refused) == 1 and "libvlc callback" in str(refused[0])
    assert len(seen) > 15 and all(index == band for index, band in seen)  # raw pictures, band readable


@vlc_test
def test_mute_follows_the_identified_time(cfr):
    """Mute range [1.0, 1.3] s padded by 0.3 s: wanted on exactly the frames in [0.7, 1.6] s, and
    applied to libvlc while they play (the controller thread, never a callback, calls libvlc)."""
    redactions = face_redactions(cfr, mute=[(1.0, 1.3)])
    player = RedactedPlayer(cfr.path, cfr.sha, cfr.probe.index_path, redactions, vlc_args=VLC_ARGS)
    seen: list[tuple[float, bool, bool | None]] = []
    player.add_sink(lambda frame: seen.append((frame.pts, player.mute_wanted, player.muted)))
    with player:
        player.seek(0.3)
        player.play()
        time.sleep(1.8)
        log = player.mute_log
    assert player.muted is None or isinstance(player.muted, bool)
    playing = [(pts, wanted) for pts, wanted, _ in seen if pts is not None]
    assert any(pts > 1.7 for pts, _ in playing)
    for pts, wanted in playing:
        if 0.7 <= pts <= 1.6:
            assert wanted, pts
        elif 0.45 < pts < 0.65 or pts > 1.65:
            assert not wanted, pts
    muted_at = [pts for _, pts, muted in log if muted and pts is not None and pts > 0.6]
    unmuted_at = [pts for _, pts, muted in log if not muted and pts is not None and pts > 1.0]
    assert muted_at and 0.6 < muted_at[0] < 0.8  # applied on the first frame inside the padding
    assert unmuted_at and 1.6 < unmuted_at[0] < 1.75


def _on_screen(player: RedactedPlayer) -> tuple[int | None, int | None]:
    """(the frame the player says is shown, the frame number read from the picture itself)."""
    with player.pin_latest() as pin:
        return pin.frame.frame_index, read_frame_number(pin.image)


@vlc_test
def test_paused_seeks_and_steps_land_near_the_end_of_a_short_clip(ingested):
    """Paused, libvlc 3 never finishes buffering a seek into the last FILE_CACHING_MS of a clip and
    then ignores single steps (a seek to 1.5 s of a 2 s clip used to show frame 44 and give up after
    4 s): the player lands such seeks from earlier. And once libvlc has read to the end, a seek would
    leave a drain pending that later breaks the decoding (grey pictures, shown black): seeks from
    there re-open the input. Frames 0..59, each checked by its band; no picture may go unidentified."""
    clip = ingested(duration_s=2.0, width=320, height=180, faces=1, seed=21)
    last = len(clip.truth.frames) - 1
    player = RedactedPlayer(clip.path, clip.sha, clip.probe.index_path, face_redactions(clip),
                            vlc_args=VLC_ARGS)
    with player:
        player.seek(0.5)
        assert player.wait_until_settled() and _on_screen(player) == (15, 15)
        for t, expected in ((1.5, 45), (1.9, 57), (clip.truth.frames[last].pts, last), (1.2, 36)):
            player.seek(t)
            assert player.wait_until_settled(), t
            assert _on_screen(player) == (expected, expected), t
        player.seek(clip.truth.frames[last - 2].pts)
        assert player.wait_until_settled() and _on_screen(player) == (last - 2, last - 2)
        for step, expected in ((player.step, last - 1), (player.step, last), (player.step, last),
                               (player.step_back, last - 1), (player.step_back, last - 2),
                               (player.step, last - 1), (player.step, last)):
            step()
            assert player.wait_until_settled(), (step.__name__, expected)
            assert _on_screen(player) == (expected, expected), step.__name__
        assert player.state == PlayerState.PAUSED
        stats = player.stats()
        assert stats.protected == 0 and stats.identified == stats.displayed
