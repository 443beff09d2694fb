"""Benchmark: 100 officer feedback reports made through FeedbackService from a populated database.

Each report is the whole path a supervisor's click takes: gather the officer's reviewed searches,
answers and comments, render the PDF, store it with its SHA-256 and audit the disclosure (one write
transaction per report). Target: 10 s for the 100 in one process. The database (one panel session
reviewing 3 searches of each of 100 officers, with three members' answers to every question, their
comments and the panel's consensus, written as rows) is built first and not timed. CPU time is
printed beside wall time because a busy machine stretches the clock; so is the share of the time
spent in the renderer (`reviewtool.reports`), to show where the time goes.

    .venv/bin/python bench/bench_officer_reports_db.py [--officers N] [--stops S] [--db URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from verdict import verdict  # noqa: E402  (bench/ is the script's folder)

from reviewtool.core.auth import Actor  # noqa: E402
from reviewtool.core.db import Database  # noqa: E402
from reviewtool.core import feedback  # noqa: E402
from reviewtool.core.feedback import FeedbackService  # noqa: E402
from support.feedback_data import populate  # noqa: E402

TARGET_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=100)
    parser.add_argument("--stops", type=int, default=3, help="reviewed searches per officer")
    parser.add_argument("--db", help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        url = args.db or f"sqlite:///{Path(scratch) / 'bench.db'}"
        db = Database.open(url)
        began = time.perf_counter()
        populate(db, officers=args.officers, stops_per_officer=args.stops, direct=True)
        print(f"database: {args.officers} officers x {args.stops} reviewed searches, built in "
              f"{time.perf_counter() - began:.1f} s (not timed)")
        liaison = Actor("liaison", "liaison")
        service = FeedbackService(db)
        render_cpu = [0.0]
        render = feedback.render_officer_report

        def timed_render(data):  # the renderer's share of the CPU time, measured in passing
            begin = time.process_time()
            try:
                return render(data)
            finally:
                render_cpu[0] += time.process_time() - begin

        feedback.render_officer_report = timed_render
        officers = [o.identifier for o in service.officers_with_pending_feedback(liaison)]

        started, cpu_started = time.perf_counter(), time.process_time()
        timings: list[float] = []
        pages = size = 0
        for identifier in officers:
            begin = time.perf_counter()
            document = service.generate_officer_report(liaison, identifier)
            timings.append(time.perf_counter() - begin)
            pages += document.page_count
            size += len(document.pdf)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        feedback.render_officer_report = render
        db.dispose()

    count = len(officers)
    print(f"officer reports through the service: {count} x {args.stops} searches in {total:.2f} s "
          f"(CPU {cpu:.2f} s; target {TARGET_SECONDS:.0f} s for 100)")
    print(f"  per report: median {statistics.median(timings) * 1000:.0f} ms, first {timings[0] * 1000:.0f} ms, "
          f"max {max(timings) * 1000:.0f} ms; {pages} pages, {size / count / 1024:.0f} KiB per report")
    print(f"  CPU: rendering {render_cpu[0]:.2f} s ({render_cpu[0] / cpu * 100:.0f}%), gathering, storing and "
          f"auditing {cpu - render_cpu[0]:.2f} s")
    target = TARGET_SECONDS * count / 100
    return verdict(total, cpu, target)


if __name__ == "__main__":
    sys.exit(main())
