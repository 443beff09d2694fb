"""Redactions from the command line: `redaction import|export|approve|status|audit` (DESIGN section 10).

CLIP is the clip's file name (with or without extension), a prefix of its SHA-256 (6+ hex digits) or
its id. `redaction audit` plays the clip through the real player path and writes what the screen showed
(frames.jsonl and redacted PNGs); a clip whose bytes changed since ingest is refused before anything is
written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reviewtool.cli.context import acting_user, open_db
from reviewtool.core.db import Database
from reviewtool.core.errors import ValidationError
from reviewtool.core.playback import PlaybackService
from reviewtool.core.redactions import RedactionService, RedactionState, find_footage

MAX_ACTIONS_BYTES = 1024 * 1024


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("redaction", help="a clip's redactions: import, export, approve, audit")
    rsub = p.add_subparsers(dest="redaction_command", required=True)

    imp = rsub.add_parser("import", help="replace a clip's redactions with a reviewtool-redactions/1 file")
    imp.add_argument("clip", metavar="CLIP", help="file name, SHA-256 prefix or id")
    imp.add_argument("file", type=Path, metavar="R.json")
    imp.set_defaults(handler=cmd_import)

    exp = rsub.add_parser("export", help="write a clip's redactions as a reviewtool-redactions/1 file")
    exp.add_argument("clip", metavar="CLIP")
    exp.add_argument("--out", type=Path, required=True, metavar="R.json")
    exp.set_defaults(handler=cmd_export)

    app = rsub.add_parser("approve", help="approve a clip's redactions for showing to the panel")
    app.add_argument("clip", metavar="CLIP")
    app.add_argument("--confirm-empty", action="store_true",
                     help="approve although nothing is redacted (the clip needs nothing hidden)")
    app.set_defaults(handler=cmd_approve)

    st = rsub.add_parser("status", help="show a clip's redaction state")
    st.add_argument("clip", metavar="CLIP")
    st.set_defaults(handler=cmd_status)

    aud = rsub.add_parser("audit", help="play a clip redacted following an action script and keep every frame shown")
    aud.add_argument("clip", metavar="CLIP")
    aud.add_argument("--redactions", type=Path, metavar="R.json",
                     help="check this redaction file instead of the approved set")
    aud.add_argument("--actions", type=Path, required=True, metavar="A.json",
                     help='action script, e.g. [{"play": 5}, {"seek": 20.0}, {"pause": 1}, {"step": 10}]')
    aud.add_argument("--out", type=Path, required=True, metavar="DIR", help="new or empty folder for the frames")
    aud.add_argument("--scale", type=float, default=0.5, metavar="S", help="size of the PNGs (default 0.5)")
    aud.set_defaults(handler=cmd_audit)


def _clip_id(db: Database, ref: str) -> int:
    with db.read() as s:
        return find_footage(s, ref).id


def _describe(state: RedactionState) -> str:
    c = state.counts
    return (f"{c.tracks} track(s), {c.keyframes} keyframe(s), {c.blank} blank and {c.mute} mute range(s); "
            f"{state.state} (version {state.version})")


def cmd_import(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    state = RedactionService(db).import_file(actor, _clip_id(db, args.clip), args.file)
    print(f"{args.file.name}: imported into {state.file_name}: {_describe(state)}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    state = RedactionService(db).export_file(actor, _clip_id(db, args.clip), args.out)
    print(f"{state.file_name}: wrote {args.out}: {_describe(state)}")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    service = RedactionService(db)
    footage_id = _clip_id(db, args.clip)
    current = service.get(actor, footage_id)
    if current.approved:
        print(f"{current.file_name}: already approved by {current.approved_by} "
              f"on {current.approved_at:%d %b %Y %H:%M} UTC: {_describe(current)}")
        return 0
    state = service.approve(actor, footage_id, current.version, confirm_empty=args.confirm_empty)
    print(f"{state.file_name}: approved by {state.approved_by}: {_describe(state)}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    state = RedactionService(db).get(actor, _clip_id(db, args.clip))
    print(f"{state.file_name} (sha256 {state.footage_sha256[:12]}…): {_describe(state)}")
    if state.version:
        print(f"  last changed by {state.updated_by} on {state.updated_at:%d %b %Y %H:%M} UTC")
    if state.approved:
        print(f"  approved by {state.approved_by} on {state.approved_at:%d %b %Y %H:%M} UTC")
    return 0


def _read_actions(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_ACTIONS_BYTES:
            raise ValidationError(f"{path.name}: too large for an action script")
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"{path.name}: cannot read the action script ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path.name}: not valid JSON ({exc})") from None


def cmd_audit(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    actions = _read_actions(args.actions)
    footage_id = _clip_id(db, args.clip)
    try:
        summary = PlaybackService(db).audit_clip(actor, footage_id, actions, args.out, scale=args.scale,
                                                 redactions_path=args.redactions)
    except ValidationError as exc:
        if str(exc).startswith("action script:"):
            raise ValidationError(f"{args.actions.name}: {exc}") from None
        raise
    print(f"{summary.written} frames written to {summary.out_dir}: {summary.identified} identified, "
          f"{summary.blanked} blanked, {summary.protected} protected "
          f"({summary.distinct_frames} distinct frames, {summary.dropped} dropped, {summary.errors} errors)")
    if summary.errors:
        print(f"reviewtool: {summary.errors} frame(s) failed in the player and were shown protected; "
              "see the log (-v)", file=sys.stderr)
        return 1
    return 0
