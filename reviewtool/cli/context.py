"""What every command needs: the database and the acting user."""

from __future__ import annotations

import argparse
import getpass
import os

from reviewtool.core.auth import Actor, UserService, system_actor
from reviewtool.core.db import Database
from reviewtool.core.paths import default_db_url


def open_db(args: argparse.Namespace) -> Database:
    return Database.open(args.db or default_db_url())


def acting_user(args: argparse.Namespace, db: Database, *, default_role: str = "liaison") -> Actor:
    if not getattr(args, "user", None):
        base = system_actor()
        return Actor(username=base.username, role=default_role)
    password = os.environ.get("REVIEWTOOL_PASSWORD") or getpass.getpass(f"Password for {args.user}: ")
    return UserService(db).login(args.user, password)
