"""Benchmark: render 100 officer feedback reports (3 searches and a chart each) in one process.

The target is 10 s for the 100, fonts registered once; the figure printed includes the first report
(font registration) and building the sample data. CPU time is printed beside wall time because a
busy machine (other test runs) stretches the wall figure.

    .venv/bin/python bench/bench_reports.py [--count N] [--stops S]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdict import verdict  # noqa: E402  (bench/ is the script's folder)

from reviewtool.reports.officer import render_officer_report  # noqa: E402
from reviewtool.reports.samples import sample_officer_report  # noqa: E402

TARGET_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--stops", type=int, default=3)
    args = parser.parse_args(argv)

    started, cpu_started = time.perf_counter(), time.process_time()
    timings: list[float] = []
    pages = size = 0
    for index in range(args.count):
        begin = time.perf_counter()
        rendered = render_officer_report(sample_officer_report(index, stops=args.stops, signed=index % 2 == 0))
        timings.append(time.perf_counter() - begin)
        pages += rendered.page_count
        size += len(rendered.pdf)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    print(f"officer reports: {args.count} x {args.stops} searches + chart in {total:.2f} s "
          f"(CPU {cpu:.2f} s; target {TARGET_SECONDS:.0f} s for 100)")
    print(f"  per report: median {statistics.median(timings) * 1000:.0f} ms, "
          f"first {timings[0] * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms")
    print(f"  {pages} pages, {size / args.count / 1024:.0f} KiB per report")
    target = TARGET_SECONDS * args.count / 100
    return verdict(total, cpu, target)

if __name__ == "__main__":
    sys.exit(main())
