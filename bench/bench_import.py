"""Import of a 100,000-row public CSV into a fresh SQLite database (target <= 3 s).

Times the whole service path a liaison officer triggers: parse, reference check, bulk insert,
audit, commit.  Prints the figure and its ratio to the target.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("REVIEWTOOL_HOME", tempfile.mkdtemp(prefix="reviewtool-bench-"))

from make_public_csv import generate_public_csv  # noqa: E402

from reviewtool.core.auth import Actor  # noqa: E402
from reviewtool.core.db import Database  # noqa: E402
from reviewtool.core.stop_import import StopImportService  # noqa: E402
from reviewtool.progress import run_to_end  # noqa: E402

TARGET_S = 3.0


def bench_import(rows: int = 100_000, repeats: int = 3) -> tuple[float, int]:
    work = Path(tempfile.mkdtemp(prefix="reviewtool-bench-import-"))
    csv_path = generate_public_csv(work / "2025-06-bench-stop-and-search.csv", rows=rows, seed=1)
    actor = Actor("bench", "liaison")
    best = float("inf")
    added = 0
    for n in range(repeats):
        db = Database.open(f"sqlite:///{work / f'bench-{n}.db'}")
        started = time.perf_counter()
        [report] = run_to_end(StopImportService(db).import_files(actor, [csv_path]))
        best = min(best, time.perf_counter() - started)
        added = report.added
        db.dispose()
    return best, added


def main() -> int:
    seconds, added = bench_import()
    print(f"import 100,000-row public CSV into SQLite: {seconds:.2f} s for {added} stops "
          f"(target {TARGET_S:.1f} s, ratio {seconds / TARGET_S:.2f} of target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
