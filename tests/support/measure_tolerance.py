"""Measure how far libvlc's pictures are from the FrameIndex, to set `frame_index.DEFAULT_TOLERANCE`.

Identification (DESIGN section 5) rests on two numbers: the distance between the signature libvlc's
picture gives and the index entry of the *same* frame (must be ~0), and the distance to the nearest
*other* frame (must be well above the tolerance). This script makes synthetic clips whose frames carry
their own number, ingests them (PyAV), plays them through libvlc exactly as the player does (vmem RV32
callbacks, software decoding), reads each delivered picture's frame number back, and prints both
distances per clip, plus what a player that converts BT.709-tagged video with the BT.709 matrix would
see (PyAV's default, not libvlc's).

    .venv/bin/python tests/support/measure_tolerance.py [--seconds 2.5] [--quick]

`capture_vlc` is also used by the vlc-marked tests in tests/media.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewtool.progress import run_to_end  # noqa: E402
from reviewtool.media.frame_index import DEFAULT_TOLERANCE, FrameIndex  # noqa: E402
from reviewtool.media.ingest import ingest_pass  # noqa: E402
from reviewtool.media.signature import distances_to_all, frame_signature  # noqa: E402
from reviewtool.media.synth import make_clip, read_frame_number  # noqa: E402


@dataclass
class VlcFrame:
    number: int | None  # read from the picture's band; None when unreadable
    signature: np.ndarray


def capture_vlc(path: str | Path, width: int, height: int, seconds: float) -> list[VlcFrame]:
    """Play `path` through libvlc into an RV32 buffer of width x height for `seconds` of wall time.

    Set up as the player is: `--avcodec-hw=none`, `--no-audio`, `video_set_callbacks` +
    `video_set_format("RV32", w, h, w*4)`. Each displayed picture's signature and frame number are
    taken in the display callback (on libvlc's thread, as in the player). The player is stopped before
    returning and the ctypes callbacks stay referenced until then.
    """
    import vlc

    instance = vlc.Instance(["--avcodec-hw=none", "--no-audio", "--quiet", "--no-video-title-show"])
    player = instance.media_player_new()
    player.set_media(instance.media_new_path(str(path)))
    buffer = np.zeros((height, width, 4), dtype=np.uint8)
    frames: list[VlcFrame] = []
    lock = threading.Lock()

    @vlc.CallbackDecorators.VideoLockCb
    def on_lock(opaque, planes):
        planes[0] = buffer.ctypes.data
        return None

    @vlc.CallbackDecorators.VideoUnlockCb
    def on_unlock(opaque, picture, planes):
        return None

    @vlc.CallbackDecorators.VideoDisplayCb
    def on_display(opaque, picture):
        sig = frame_signature(buffer)
        number = read_frame_number(buffer)
        with lock:
            frames.append(VlcFrame(number, sig))

    callbacks = (on_lock, on_unlock, on_display)
    player.video_set_callbacks(*callbacks, None)
    player.video_set_format("RV32", width, height, width * 4)
    try:
        player.play()
        time.sleep(seconds)
    finally:
        player.stop()
        player.release()
        instance.release()
    del callbacks
    with lock:
        return list(frames)


@dataclass
class Measurement:
    label: str
    delivered: int
    read: int
    true_max: float
    true_mean: float
    other_min: float
    misidentified: int
    wrong_matrix_true_max: float | None


def measure_clip(label: str, workdir: Path, seconds: float, **clip_args) -> Measurement:
    path = workdir / f"{label}.mp4"
    truth = make_clip(path, duration_s=seconds + 1.0, **clip_args)
    probe = run_to_end(ingest_pass(path, workdir / "index"))
    index = FrameIndex.load(probe.index_path, probe.sha256)
    frames = capture_vlc(path, index.width, index.height, seconds)
    true_d, other_d = [], []
    misidentified = 0
    previous = None
    for frame in frames:
        if frame.number is None or frame.number >= len(index):
            continue
        d = distances_to_all(frame.signature, index.signatures)
        true_d.append(float(d[frame.number]))
        other_d.append(float(np.delete(d, frame.number).min()))
        ids = index.identify(frame.signature, after=previous)
        if not ids or ids[0] != frame.number:
            misidentified += 1
        previous = ids[0] if ids else previous
    wrong = _wrong_matrix_distance(path, index) if clip_args.get("colour") == "bt709" else None
    assert truth.frame_count == len(index), (truth.frame_count, len(index))
    return Measurement(
        label=label,
        delivered=len(frames),
        read=len(true_d),
        true_max=max(true_d) if true_d else float("nan"),
        true_mean=float(np.mean(true_d)) if true_d else float("nan"),
        other_min=min(other_d) if other_d else float("nan"),
        misidentified=misidentified,
        wrong_matrix_true_max=wrong,
    )


def _wrong_matrix_distance(path: Path, index: FrameIndex) -> float:
    """Largest true-frame distance if pictures were converted with the stream's own (BT.709) matrix."""
    import av

    worst = 0.0
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            sig = frame_signature(frame.to_ndarray(format="rgb24"))
            worst = max(worst, float(np.abs(sig - index.signatures[i]).mean()))
    return worst


def pyav_nearest_other(label: str, workdir: Path, seconds: float, **clip_args) -> tuple[float, float]:
    """Nearest other frame by PyAV alone over a longer clip: (minimum, 5th percentile)."""
    path = workdir / f"{label}-long.mp4"
    make_clip(path, duration_s=seconds, audio=False, **clip_args)
    probe = run_to_end(ingest_pass(path, workdir / "index"))
    index = FrameIndex.load(probe.index_path, probe.sha256)
    nearest = []
    for i in range(len(index)):
        d = distances_to_all(index.signatures[i], index.signatures)
        d[i] = np.inf
        nearest.append(float(d.min()))
    return float(np.min(nearest)), float(np.percentile(nearest, 5))


CLIPS = [
    ("640x360", dict(width=640, height=360)),
    ("640x360-vfr", dict(width=640, height=360, vfr=True)),
    ("rotate90", dict(width=640, height=360, rotate=90)),
    ("rotate270", dict(width=640, height=360, rotate=270, preset="veryfast")),
    ("full-range", dict(width=640, height=360, full_range=True)),
    ("1080p", dict(width=1920, height=1080, preset="veryfast")),
    ("1080p-bt709", dict(width=1920, height=1080, colour="bt709")),
    ("1280x722", dict(width=1280, height=722, colour="bt601")),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.5, help="wall seconds of VLC playback per clip")
    parser.add_argument("--quick", action="store_true", help="only the first three clips")
    args = parser.parse_args(argv)
    clips = CLIPS[:3] if args.quick else CLIPS
    with tempfile.TemporaryDirectory(prefix="measure-tolerance-") as tmp:
        workdir = Path(tmp)
        print(f"tolerance in use: {DEFAULT_TOLERANCE}")
        print(f"{'clip':14} {'shown':>5} {'read':>5} {'true max':>9} {'true mean':>9} {'other min':>9} "
              f"{'wrong id':>8} {'709-matrix true max':>20}")
        results = []
        for label, clip_args in clips:
            m = measure_clip(label, workdir, args.seconds, **clip_args)
            results.append(m)
            wrong = f"{m.wrong_matrix_true_max:.3f}" if m.wrong_matrix_true_max is not None else "-"
            print(f"{m.label:14} {m.delivered:5d} {m.read:5d} {m.true_max:9.3f} {m.true_mean:9.3f} "
                  f"{m.other_min:9.3f} {m.misidentified:8d} {wrong:>20}")
        print("PyAV only, nearest other frame over 10 s clips (min / 5th percentile):")
        for label, clip_args in (("640x360", dict(width=640, height=360)), ("1080p", dict(width=1920, height=1080))):
            low, p5 = pyav_nearest_other(label, workdir, 10.0, **clip_args)
            print(f"  {label:10} {low:.3f} / {p5:.3f}")
        read = sum(m.read for m in results)
        print(f"summary: {read} VLC frames read back; true-frame distance max "
              f"{max(m.true_max for m in results):.3f}; nearest other min {min(m.other_min for m in results):.3f}; "
              f"misidentified {sum(m.misidentified for m in results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
