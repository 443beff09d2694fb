"""Administration: database, users, audit log."""

from __future__ import annotations

import argparse
import getpass
import os

from reviewtool.cli.context import acting_user, open_db
from reviewtool.core import audit
from reviewtool.core.auth import UserService
from reviewtool.core.errors import ValidationError
from reviewtool.core.models import ROLES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dbsub = p.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="apply pending migrations")
    up.set_defaults(handler=cmd_db_upgrade)

    p = sub.add_parser("users", help="manage users")
    usub = p.add_subparsers(dest="users_command", required=True)
    add = usub.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--password", help="initial password (default: asked; env REVIEWTOOL_NEW_PASSWORD)")
    add.set_defaults(handler=cmd_users_add)
    lst = usub.add_parser("list", help="list users")
    lst.set_defaults(handler=cmd_users_list)
    pw = usub.add_parser("passwd", help="set a user's password")
    pw.add_argument("username")
    pw.add_argument("--password", help="new password (default: asked; env REVIEWTOOL_NEW_PASSWORD)")
    pw.set_defaults(handler=cmd_users_passwd)

    p = sub.add_parser("audit", help="the audit log")
    asub = p.add_subparsers(dest="audit_command", required=True)
    ver = asub.add_parser("verify", help="walk the hash chain and name the first broken link")
    ver.add_argument("--expect-head", metavar="N:HASH", help="the head published on a PDF or certificate")
    ver.set_defaults(handler=cmd_audit_verify)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    db = open_db(args)
    print(f"database at revision {db.current_revision()}")
    return 0


def _new_password(given: str | None) -> str:
    if given:
        return given
    env = os.environ.get("REVIEWTOOL_NEW_PASSWORD")
    if env:
        return env
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise ValidationError("password: the two entries differ")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db, default_role="admin")
    user = UserService(db).add(actor, args.username, args.name, args.role, _new_password(args.password))
    print(f"added {user.username} ({user.role})")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db, default_role="admin")
    for user in UserService(db).list(actor):
        state = "" if user.active else "  (disabled)"
        print(f"{user.username:<20} {user.role:<11} {user.display_name}{state}")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db, default_role="admin")
    UserService(db).set_password(actor, args.username, _new_password(args.password))
    print(f"password changed for {args.username}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    db = open_db(args)
    expect = audit.AuditHead.parse(args.expect_head) if args.expect_head else None
    with db.read() as s:
        check = audit.verify_chain(s, expect_head=expect)
    if check.ok:
        print(f"OK: {check.events} events, head {check.head}")
        return 0
    print(f"BROKEN: {check.problem}")
    return 1
