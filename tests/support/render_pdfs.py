"""Render the first page of each report, made from the realistic sample data, to PNG.

    python tests/support/render_pdfs.py OUTDIR [--dpi 80] [--keep-pdf]

Used by `make screenshots` to look at the layouts; needs pdftoppm (poppler-utils).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewtool.reports.certificate import render_sampling_certificate  # noqa: E402
from reviewtool.reports.minutes import render_session_minutes  # noqa: E402
from reviewtool.reports.officer import render_officer_report  # noqa: E402
from reviewtool.reports.public_summary import render_public_summary  # noqa: E402
from reviewtool.reports.samples import (  # noqa: E402
    sample_certificate,
    sample_minutes,
    sample_officer_report,
    sample_public_summary,
)


def reports():
    yield "report-officer-feedback", render_officer_report(sample_officer_report(0, signed=True))
    yield "report-session-minutes", render_session_minutes(sample_minutes())
    yield "report-sampling-certificate", render_sampling_certificate(sample_certificate())
    yield "report-public-summary", render_public_summary(sample_public_summary())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--dpi", type=int, default=80)
    parser.add_argument("--keep-pdf", action="store_true", help="also write each whole PDF")
    args = parser.parse_args(argv)
    if shutil.which("pdftoppm") is None:
        print("render_pdfs: pdftoppm not found (install poppler-utils)", file=sys.stderr)
        return 2
    args.outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, rendered in reports():
            pdf = (args.outdir if args.keep_pdf else Path(scratch)) / f"{name}.pdf"
            pdf.write_bytes(rendered.pdf)
            subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", "1", "-l", "1", "-singlefile",
                            str(pdf), str(args.outdir / name)], check=True, timeout=120)
            print(f"{args.outdir / name}.png  ({rendered.page_count} pages, sha256 {rendered.sha256[:12]}…)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
