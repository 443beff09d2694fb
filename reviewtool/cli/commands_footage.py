"""Body-worn video: `footage ingest`, `footage verify`, `footage list`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewtool.cli.context import acting_user, open_db
from reviewtool.cli.progress import run_with_bar
from reviewtool.core.footage_service import FootageService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("footage", help="body-worn video clips")
    fsub = p.add_subparsers(dest="footage_command", required=True)
    ing = fsub.add_parser("ingest", help="hash, probe and index clips (files or folders)")
    ing.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ing.add_argument("--link", metavar="REFERENCE", help="link the clip(s) to this stop reference")
    ing.set_defaults(handler=cmd_ingest)
    ver = fsub.add_parser("verify", help="re-hash every clip and name each changed or missing one")
    ver.set_defaults(handler=cmd_verify)


def cmd_ingest(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    outcomes = run_with_bar(FootageService(db).ingest(actor, args.paths, link=args.link), "ingest")
    failed = 0
    for o in outcomes:
        if o.error:
            failed += 1
            print(f"reviewtool: {o.error}", file=sys.stderr)
        else:
            state = "already ingested" if o.already_ingested else "ingested"
            links = f", linked to {o.links} stop(s)" if o.links else ""
            print(f"{o.path.name}: {state} (sha256 {o.sha256[:12]}…){links}")
    if not outcomes:
        print("reviewtool: no media files found", file=sys.stderr)
        return 1
    return 1 if failed else 0


def cmd_verify(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    result = run_with_bar(FootageService(db).verify(actor), "verify")
    for path in result.changed:
        print(f"CHANGED: {path}")
    for path in result.missing:
        print(f"MISSING: {path}")
    print(f"{result.checked} clips checked: {len(result.ok)} unchanged, {len(result.changed)} changed, "
          f"{len(result.missing)} missing")
    return 0 if result.all_ok else 1
