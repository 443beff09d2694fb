"""The first page of each report, made from a database's real data (the demo's), as PNG.

    render_report_pngs("sqlite:///demo/reviewtool.db", Path("docs/screenshots"))

For `make screenshots`: over the demo database (`build_demo(..., clips=6)` holds last month's meeting
to its end, so the panel has agreed on searches), the officer report is the first officer's with
reviewed searches waiting, the minutes are those of the latest closed session (the latest session
when none has closed), the certificate is the latest draw's. The reports go through FeedbackService
like any other, so each is recorded and audited (recipient "screenshots"). What the database cannot
support is skipped with the reason printed: an officer report needs a search the panel has agreed
on. Needs pdftoppm (poppler-utils).

    python tests/support/report_screens.py DB_URL OUTDIR [--dpi 80]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select  # noqa: E402

from reviewtool.core.auth import Actor  # noqa: E402
from reviewtool.core.db import Database  # noqa: E402
from reviewtool.core.errors import ReviewtoolError  # noqa: E402
from reviewtool.core.feedback import FeedbackService, GeneratedDocument  # noqa: E402
from reviewtool.core.models import ReviewSession, SamplingRun, StopRecord  # noqa: E402
from reviewtool.core.report_data import local_day  # noqa: E402

ACTOR = Actor("screenshots", "liaison")
RECIPIENT = "screenshots"


def _documents(db: Database) -> list[tuple[str, GeneratedDocument | str]]:
    """(name, document or the reason there is none) for each kind of report."""
    service = FeedbackService(db)
    with db.read() as s:
        newest_first = select(ReviewSession).order_by(ReviewSession.id.desc()).limit(1)
        session = s.scalar(newest_first.where(ReviewSession.status == "closed")) or s.scalar(newest_first)
        run_id = s.scalar(select(SamplingRun.id).order_by(SamplingRun.id.desc()).limit(1))
        first, last = s.execute(select(func.min(StopRecord.occurred_at), func.max(StopRecord.occurred_at))).one()
    out: list[tuple[str, GeneratedDocument | str]] = []

    def attempt(name: str, make) -> None:
        try:
            out.append((name, make()))
        except ReviewtoolError as exc:
            out.append((name, str(exc)))

    waiting = [o for o in service.officers_with_pending_feedback(ACTOR) if o.pending_searches]
    if waiting:
        attempt("report-officer-feedback-demo",
                lambda: service.generate_officer_report(ACTOR, waiting[0].identifier, recipient=RECIPIENT))
    else:
        out.append(("report-officer-feedback-demo", "no officer has a search the panel agreed on yet"))
    if session is not None:
        attempt("report-session-minutes-demo",
                lambda: service.session_minutes(ACTOR, session.id, recipient=RECIPIENT))
    else:
        out.append(("report-session-minutes-demo", "no session in the database"))
    if run_id is not None:
        attempt("report-sampling-certificate-demo",
                lambda: service.sampling_certificate(ACTOR, run_id, recipient=RECIPIENT))
    else:
        out.append(("report-sampling-certificate-demo", "no sampling run in the database"))
    if first is not None:
        attempt("report-public-summary-demo",
                lambda: service.public_summary(ACTOR, local_day(first), local_day(last), recipient=RECIPIENT))
    else:
        out.append(("report-public-summary-demo", "no stop records in the database"))
    return out


def render_report_pngs(db_url: str, out_dir: Path, *, dpi: int = 80) -> list[Path]:
    """Render page 1 of each report made from the database at `db_url` to `out_dir/<name>.png`;
    returns the PNGs written (reports the data cannot support yet are skipped, with the reason printed)."""
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm not found (install poppler-utils)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    db = Database.open(db_url)
    written: list[Path] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for name, document in _documents(db):
                if isinstance(document, str):
                    print(f"{name}: skipped ({document})")
                    continue
                pdf = Path(scratch) / f"{name}.pdf"
                pdf.write_bytes(document.pdf)
                subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                                str(out_dir / name)], check=True, timeout=120)
                written.append(out_dir / f"{name}.png")
                print(f"{out_dir / name}.png  ({document.report.report_id}, {document.page_count} pages)")
    finally:
        db.dispose()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db_url")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    render_report_pngs(args.db_url, args.outdir, dpi=args.dpi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
