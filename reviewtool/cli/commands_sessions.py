"""The meeting without the GUI: `session list|show|attend|start|close|remove-item`, `score import`.

`score import` is how paper (or online) forms reach the database after the meeting: every row is
checked first and nothing is stored unless all are good, so a typo never leaves half a form in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewtool.cli.context import acting_user, open_db
from reviewtool.core.scoring import ScoreImportError, ScoringService
from reviewtool.core.sessions import LONDON, SessionService, SessionView


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("session", help="review sessions (meetings)")
    ssub = p.add_subparsers(dest="session_command", required=True)
    lst = ssub.add_parser("list", help="list sessions")
    lst.set_defaults(handler=cmd_list)
    show = ssub.add_parser("show", help="a session's items, attendance and readiness to start")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(handler=cmd_show)
    att = ssub.add_parser("attend", help="record a member as present (or absent) at a session")
    att.add_argument("name", metavar="NAME", help="session name")
    att.add_argument("--member", required=True, metavar="MEMBER", help="panel member's name or initials")
    att.add_argument("--confidentiality-acknowledged", action="store_true",
                     help="the member has acknowledged the confidentiality agreement")
    att.add_argument("--absent", action="store_true", help="record the member as absent")
    att.set_defaults(handler=cmd_attend)
    start = ssub.add_parser("start", help="start the meeting (refused while anything blocks it)")
    start.add_argument("name", metavar="NAME")
    start.set_defaults(handler=cmd_start)
    close = ssub.add_parser("close", help="close the meeting")
    close.add_argument("name", metavar="NAME")
    close.set_defaults(handler=cmd_close)
    rem = ssub.add_parser("remove-item", help="take a stop off the agenda, with a recorded reason")
    rem.add_argument("name", metavar="NAME")
    rem.add_argument("reference", metavar="REFERENCE")
    rem.add_argument("--reason", required=True)
    rem.set_defaults(handler=cmd_remove_item)

    p = sub.add_parser("score", help="panel answers")
    scsub = p.add_subparsers(dest="score_command", required=True)
    imp = scsub.add_parser("import", help="import answers from a CSV (reference, member, criterion, answer, comment)")
    imp.add_argument("session", metavar="SESSION")
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.set_defaults(handler=cmd_score_import)


def _services(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    db = open_db(args)
    return SessionService(db), ScoringService(db), acting_user(args, db)


def cmd_list(args: argparse.Namespace) -> int:
    sessions, _, actor = _services(args)
    rows = sessions.list_sessions(actor)
    if not rows:
        print("no sessions")
    for r in rows:
        removed = f", {r.removed} removed" if r.removed else ""
        day = f" for {r.planned_for:%d %b %Y}" if r.planned_for else ""
        print(f"{r.name}: {r.status}{day}, {r.items} items{removed}, quorum {r.quorum}")
    return 0


def _print_session(view: SessionView) -> None:
    print(f"{view.name} — {view.status}; rubric {view.rubric_key} v{view.rubric_version}; quorum {view.quorum}")
    for it in view.items:
        stop = it.stop
        clip = (f"{it.footage.file_name} ({it.footage.duration_s:.0f} s, redactions {it.redaction})"
                if it.footage else "NO FOOTAGE")
        line = f"  {it.position:>2}. {stop.reference}  {stop.local_date:%d %b %Y} {stop.local_time}  {stop.type}  " \
               f"{clip}  [{it.status}]"
        if it.status == "removed":
            line += f" — {it.removed_reason}"
        elif it.consensus is not None:
            line += f" — {it.consensus.rag}"
        print(line)
    for a in view.attendance:
        if not a.present:
            state = "absent"
        elif a.confidentiality_acknowledged_at:
            state = f"present, confidentiality acknowledged {a.confidentiality_acknowledged_at.astimezone(LONDON):%H:%M}"
        else:
            state = "present, confidentiality NOT acknowledged"
        print(f"  member {a.name} ({a.initials}): {state}")


def cmd_show(args: argparse.Namespace) -> int:
    sessions, _, actor = _services(args)
    view = sessions.get_by_name(actor, args.name)
    _print_session(view)
    ready = sessions.readiness(actor, view.id)
    for problem in ready.findings:
        print(f"finding: {problem.message}")
    if view.status == "planned":
        print("ready to start" if ready.can_start else "not ready: " + "; ".join(ready.reasons_not_to_start()))
    return 0


def cmd_attend(args: argparse.Namespace) -> int:
    sessions, _, actor = _services(args)
    view = sessions.get_by_name(actor, args.name)
    member = sessions.find_panel_member(actor, args.member)
    row = sessions.record_attendance(actor, view.id, member.id, present=not args.absent,
                                     confidentiality_acknowledged=args.confidentiality_acknowledged and not args.absent)
    ready = sessions.readiness(actor, view.id)
    state = "absent" if not row.present else (
        "present, confidentiality acknowledged" if row.confidentiality_acknowledged_at else
        "present, confidentiality not acknowledged (does not count for the quorum)")
    print(f"{member.name}: {state}; quorum {ready.quorum_present} of {ready.quorum}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    sessions, _, actor = _services(args)
    view = sessions.get_by_name(actor, args.name)
    sessions.start(actor, view.id)
    print(f"session {view.name!r} started")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    sessions, _, actor = _services(args)
    view = sessions.get_by_name(actor, args.name)
    sessions.close(actor, view.id)
    print(f"session {view.name!r} closed")
    return 0


def cmd_remove_item(args: argparse.Namespace) -> int:
    sessions, _, actor = _services(args)
    view = sessions.get_by_name(actor, args.name)
    matches = [it for it in view.items if it.stop.reference == args.reference]
    if not matches:
        print(f"reviewtool: {args.reference!r} is not in session {view.name!r}", file=sys.stderr)
        return 1
    sessions.remove_item(actor, matches[0].id, args.reason)
    print(f"item {matches[0].position} ({args.reference}) removed")
    return 0


def cmd_score_import(args: argparse.Namespace) -> int:
    _, scoring, actor = _services(args)
    try:
        report = scoring.import_scores_csv(actor, args.session, args.file)
    except ScoreImportError as exc:
        print(f"reviewtool: {args.file.name}: nothing imported; {len(exc.errors)} problem(s):", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    extra = []
    if report.unchanged:
        extra.append(f"{report.unchanged} already present")
    if report.blank:
        extra.append(f"{report.blank} blank rows ignored")
    print(f"imported {report.imported} answers for {report.items} items from {report.members} members"
          + (f" ({', '.join(extra)})" if extra else "") + f" into session {report.session_name!r}")
    return 0
