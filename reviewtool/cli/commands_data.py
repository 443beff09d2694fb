"""Stop records in and out: `import stops`, `export stops`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewtool.cli.context import acting_user, open_db
from reviewtool.cli.progress import run_with_bar
from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.stop_export import StopExportService
from reviewtool.core.stop_import import StopImportService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import data")
    isub = p.add_subparsers(dest="import_command", required=True)
    stops = isub.add_parser("stops", help="import stop-and-search records (data.police.uk CSV/JSON, force export)")
    stops.add_argument("files", nargs="+", type=Path, metavar="FILE")
    stops.add_argument("--strict", action="store_true", help="a file with any bad row imports nothing")
    stops.add_argument("--report", type=Path, metavar="CSV", help="write the per-row report of skipped rows here")
    stops.set_defaults(handler=cmd_import_stops)

    p = sub.add_parser("export", help="export data")
    esub = p.add_subparsers(dest="export_command", required=True)
    st = esub.add_parser("stops", help="stop records as CSV: reference plus every stop field (snake_case)")
    st.add_argument("--out", type=Path, required=True, metavar="F.csv")
    st.set_defaults(handler=cmd_export_stops)
    from reviewtool.cli.commands_reports import register_export_scores  # `export scores`
    register_export_scores(esub)


def cmd_import_stops(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    service = StopImportService(db)
    failures = 0
    all_skipped: list[tuple[str, int, str, str]] = []
    for path in args.files:
        try:
            [report] = run_with_bar(service.import_files(actor, [path], strict=args.strict), "import")
        except ReviewtoolError as exc:
            print(f"reviewtool: {exc}", file=sys.stderr)
            failures += 1
            continue
        print(report.summary())
        for row, field, reason in report.skipped[:20]:
            print(f"  skipped row {row}: {field}: {reason}")
        if len(report.skipped) > 20:
            print(f"  … and {len(report.skipped) - 20} more skipped rows" +
                  (f" (all in {args.report})" if args.report else " (use --report F.csv to list them all)"))
        all_skipped.extend((report.source_name, *t) for t in report.skipped)
    if args.report:
        import csv

        with args.report.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["file", "row", "field", "reason"])
            w.writerows(all_skipped)
    return 1 if failures else 0


def cmd_export_stops(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    count = StopExportService(db).export_csv(actor, args.out)
    print(f"wrote {count} stops to {args.out}")
    return 0
