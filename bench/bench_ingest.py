"""Ingest speed against plain PyAV decoding of the same 1080p30 H.264 clip (target: ratio >= 0.9).

The ingest pass hashes the file, decodes every frame, computes each frame's signature as libvlc will
show it, captures FFmpeg's log, makes the thumbnail strip and writes the index; the baseline only
decodes. Both use PyAV's automatic frame threading. Runs alternate (decode, ingest, decode, ...) so
a busy machine slows both alike; the best and the median of each are printed, in wall-clock frames
per second and in process CPU milliseconds per frame, and the ratio in several ways (a shared
machine makes single runs noisy). Per-clip costs (open, thumbnails, PNG, index file) weigh more on
a 10 s clip than on real footage; `--seconds 60` shows the steady state.

    .venv/bin/python bench/bench_ingest.py [--seconds 10] [--rounds 3] [--preset veryfast]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewtool.media.frame_index import FrameIndex  # noqa: E402
from reviewtool.media.ingest import ingest_pass  # noqa: E402
from reviewtool.media.synth import make_clip  # noqa: E402
from reviewtool.progress import run_to_end  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def decode_only(path: Path) -> tuple[int, float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            frames += 1
    return frames, time.perf_counter() - wall, cpu_seconds() - cpu


def ingest(path: Path, index_dir: Path) -> tuple[int, float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    probe = run_to_end(ingest_pass(path, index_dir))
    return probe.frame_count, time.perf_counter() - wall, cpu_seconds() - cpu


def identify_cost(index: FrameIndex, frames: Iterable[int]) -> tuple[float, float]:
    """Median and 95th percentile milliseconds of `identify`, visiting `frames` in that order."""
    times = []
    previous = None
    for i in frames:
        start = time.perf_counter()
        hits = index.identify(index.signatures[i], after=previous)
        times.append((time.perf_counter() - start) * 1000)
        previous = hits[0]
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def long_signatures(n: int, seed: int = 0) -> np.ndarray:
    """Footage-like signatures of n frames: scenes of 3-50 s that drift as a random walk."""
    rng = np.random.default_rng(seed)
    sigs = np.empty((n, 240), dtype=np.float32)
    start = 0
    while start < n:
        length = min(int(rng.integers(100, 1500)), n - start)
        walk = rng.uniform(30, 200, 240) + np.cumsum(rng.normal(0, 0.9, (length, 240)), axis=0)
        sigs[start : start + length] = np.clip(walk, 0, 255)
        start += length
    return sigs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--preset", default="veryfast", help="libx264 preset of the test clip")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        clip = Path(tmp) / "bench-1080p30.mp4"
        start = time.perf_counter()
        truth = make_clip(clip, duration_s=args.seconds, width=1920, height=1080, fps=30.0, preset=args.preset)
        print(f"clip: 1920x1080 30 fps H.264 ({args.preset}) + AAC, {truth.frame_count} frames, "
              f"{clip.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - start:.1f} s")
        decode_runs, ingest_runs = [], []
        for round_no in range(args.rounds):
            decode_runs.append(decode_only(clip))
            ingest_runs.append(ingest(clip, Path(tmp) / "index"))
            d, i = decode_runs[-1], ingest_runs[-1]
            print(f"  round {round_no + 1}: decode {d[0] / d[1]:6.1f} fps ({d[2] * 1000 / d[0]:.2f} cpu-ms/frame)   "
                  f"ingest {i[0] / i[1]:6.1f} fps ({i[2] * 1000 / i[0]:.2f} cpu-ms/frame)")
        assert all(r[0] == truth.frame_count for r in decode_runs + ingest_runs)

        def fps(runs):
            return [r[0] / r[1] for r in runs]

        def cpu_ms(runs):
            return [r[2] * 1000 / r[0] for r in runs]

        d_best, i_best = max(fps(decode_runs)), max(fps(ingest_runs))
        d_med, i_med = statistics.median(fps(decode_runs)), statistics.median(fps(ingest_runs))
        d_cpu, i_cpu = min(cpu_ms(decode_runs)), min(cpu_ms(ingest_runs))
        print(f"PyAV decode only : best {d_best:6.1f} fps, median {d_med:6.1f} fps, {d_cpu:.2f} cpu-ms/frame")
        print(f"ingest_pass      : best {i_best:6.1f} fps, median {i_med:6.1f} fps, {i_cpu:.2f} cpu-ms/frame "
              f"({i_best / truth.fps / 1:.1f}x real time)")
        paired = statistics.median(i / d for i, d in zip(fps(ingest_runs), fps(decode_runs)))
        print(f"ratio ingest/decode (target >= 0.9): best/best {i_best / d_best:.3f}, "
              f"median/median {i_med / d_med:.3f}, median of rounds {paired:.3f}, cpu {d_cpu / i_cpu:.3f}")
        index = FrameIndex.load(next((Path(tmp) / "index").glob("*.npz")))
        median_ms, p95_ms = identify_cost(index, range(len(index)))
        print(f"identify, this clip ({len(index)} frames), playing through: median {median_ms:.3f} ms, "
              f"p95 {p95_ms:.3f} ms")
    signatures = long_signatures(54_000)
    start = time.perf_counter()
    index = FrameIndex(np.arange(len(signatures)) / 30.0, signatures, 1920, 1080)
    built = time.perf_counter() - start
    rng = np.random.default_rng(1)
    median_ms, p95_ms = identify_cost(index, range(0, len(index), 9))
    seek_median, seek_p95 = identify_cost(index, rng.integers(0, len(index), 3000))
    print(f"identify, synthetic 30 min index (54000 frames, built in {built:.2f} s): playing median "
          f"{median_ms:.3f} ms p95 {p95_ms:.3f} ms; seeking median {seek_median:.3f} ms p95 {seek_p95:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
