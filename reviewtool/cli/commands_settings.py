"""Settings and retention: `settings list|set`, `retention due|purge`.

Without `--user`, the operating-system account running the command acts as an administrator for
`settings set` (it can already read and write the database file) and is audited under its own name.
"""

from __future__ import annotations

import argparse
import sys

from reviewtool.cli.context import acting_user, open_db
from reviewtool.core.retention import RetentionService
from reviewtool.core.settings import SettingsService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help="the force's settings")
    ssub = p.add_subparsers(dest="settings_command", required=True)
    lst = ssub.add_parser("list", help="show every setting, its value and what it may be")
    lst.set_defaults(handler=cmd_settings_list)
    st = ssub.add_parser("set", help="change a setting (administrators)")
    st.add_argument("key", metavar="KEY")
    st.add_argument("value", metavar="VALUE")
    st.add_argument("--reason", default="", help="why (kept in the audit log)")
    st.set_defaults(handler=cmd_settings_set)

    p = sub.add_parser("retention", help="erase the tool's copies of clips after their sessions")
    rsub = p.add_subparsers(dest="retention_command", required=True)
    due = rsub.add_parser("due", help="list the clips whose copies are due for erasure")
    due.set_defaults(handler=cmd_retention_due)
    purge = rsub.add_parser("purge", help="erase the copies that are due (each erasure is audited)")
    purge.add_argument("--dry-run", action="store_true", help="say what would be erased, erase nothing")
    purge.set_defaults(handler=cmd_retention_purge)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def cmd_settings_list(args: argparse.Namespace) -> int:
    db = open_db(args)
    for entry in SettingsService(db).entries():
        origin = "default" if entry.is_default else f"set by {entry.updated_by} on {entry.updated_at:%d %b %Y}"
        print(f"{entry.key} = {_shown(entry.value)}    ({origin}; {entry.spec.describe_range()})")
        print(f"    {entry.spec.label}")
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db, default_role="admin")
    value = SettingsService(db).set(actor, args.key, args.value, reason=args.reason)
    print(f"{args.key} = {_shown(value)}")
    return 0


def cmd_retention_due(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    items = RetentionService(db).due(actor)
    for item in items:
        copy = ", and the clip file (the tool's own copy)" if item.clip_is_tool_copy else ""
        print(f"{item.file_name}: due since {item.due_at:%d %b %Y} (sessions: {', '.join(item.sessions)}; "
              f"last closed {item.last_closed_at:%d %b %Y}): frame index and thumbnails{copy}")
    print(f"{len(items)} clip(s) due for erasure")
    return 0


def cmd_retention_purge(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    outcomes = RetentionService(db).purge(actor, dry_run=args.dry_run)
    failed = 0
    for outcome in outcomes:
        if outcome.error:
            failed += 1
            print(f"reviewtool: {outcome.error}", file=sys.stderr)
        else:
            verb = "would erase" if args.dry_run else "erased"
            print(f"{outcome.item.file_name}: {verb} {', '.join(outcome.erased)}")
    done = len(outcomes) - failed
    summary = f"{done} clip(s) would be erased (dry run)" if args.dry_run else f"{done} clip(s) erased"
    print(summary + (f", {failed} failed" if failed else ""))
    return 1 if failed else 0
