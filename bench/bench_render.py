"""Render time of `render_redacted` on a 1080p BGRA frame: median ms over many runs.

Run: .venv/bin/python bench/bench_render.py [--runs N]
Prints the region lookup (3 moving tracks, 3 candidate times), the plain frame copy (the floor every
redacted frame pays), then 3 regions per effect and shape at face size, and a worst case of 3 large
regions. The player's budget is a few ms per frame.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack, Region
from reviewtool.media.render import render_blank, render_redacted

WIDTH, HEIGHT = 1920, 1080
FACE_BOXES = ((0.41, 0.22, 0.08, 0.14), (0.10, 0.50, 0.06, 0.11), (0.80, 0.05, 0.09, 0.16))
LARGE_BOXES = ((0.0, 0.0, 0.35, 0.5), (0.4, 0.3, 0.3, 0.45), (0.7, 0.5, 0.3, 0.5))


def timings_ms(fn, runs: int) -> str:
    """Median wall time, its minimum, and the median CPU time of this thread (steady when other
    processes share the cores, which inflates wall times)."""
    for _ in range(5):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn()
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return (f"{statistics.median(wall) * 1000:7.3f} {min(wall) * 1000:7.3f} "
            f"{statistics.median(cpu) * 1000:7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    src = rng.integers(0, 256, size=(HEIGHT, WIDTH, 4), dtype=np.uint8)
    out = np.empty_like(src)

    print(f"render_redacted at {WIDTH}x{HEIGHT} BGRA, {args.runs} runs (ms)")
    print(f"  {'case':<34} {'median':>7} {'min':>7} {'cpu med':>7}")
    tracks = tuple(
        RedactionTrack(f"face{i}", "face_bystander", "blur", "ellipse",
                       tuple(Keyframe(k * 0.5, (x + 0.001 * k, y, w, h)) for k in range(120)))
        for i, (x, y, w, h) in enumerate(FACE_BOXES))
    redactions = RedactionSet("0" * 64, tracks)
    lookup = timings_ms(lambda: redactions.regions_for_times([20.0, 20.033, 20.067]), args.runs)
    print(f"  {'regions_for_times (lookup only)':<34} {lookup}")
    print(f"  {'copy only (no regions)':<34} {timings_ms(lambda: render_redacted(src, [], out), args.runs)}")
    print(f"  {'render_blank':<34} {timings_ms(lambda: render_blank(out), args.runs)}")
    for boxes, size in ((FACE_BOXES, "face-size"), (LARGE_BOXES, "large")):
        for effect in ("solid", "pixelate", "blur"):
            for shape in ("rect", "ellipse"):
                regions = [Region(box, shape, effect, "face_bystander") for box in boxes]
                result = timings_ms(lambda: render_redacted(src, regions, out), args.runs)
                print(f"  {f'3 {size} {effect} {shape}':<34} {result}")

if __name__ == "__main__":
    main()
