"""Users, roles, passwords and permissions, enforced in the services (not only by hiding buttons).

Passwords are hashed with argon2id (argon2-cffi's defaults, which exceed OWASP's minimum).  Tests
set `REVIEWTOOL_FAST_HASH=1` for a cheap profile; it is never used otherwise.  An account locks for
10 minutes after 5 failed logins (DESIGN section 11).
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import AuthError, NotFound, PermissionDenied, ValidationError
from reviewtool.core.models import ROLES, User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=10)
MIN_PASSWORD_LENGTH = 10


class Permission(enum.Enum):
    MANAGE_USERS = "manage users"
    CHANGE_SETTINGS = "change settings"
    IMPORT = "import stop records"
    INGEST = "ingest footage"
    VIEW_RAW_FOOTAGE = "view unredacted footage"
    EDIT_REDACTIONS = "edit redactions"
    VIEW_REDACTED_FOOTAGE = "view redacted footage"
    SAMPLE = "draw samples"
    PLAN_SESSIONS = "plan and run sessions"
    ENTER_OWN_SCORES = "enter own scores"
    ENTER_SCORES_FOR_OTHERS = "enter scores for panel members"
    SEE_UNREVEALED_SCORES = "see unrevealed scores"
    VIEW_STOPS = "view stop records"
    VIEW_REPORTS = "view reports"
    SUPERVISE_FEEDBACK = "approve and send feedback"
    EXPORT = "export data"
    VERIFY_AUDIT = "verify the audit log"


_P = Permission
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset({_P.MANAGE_USERS, _P.CHANGE_SETTINGS, _P.VIEW_STOPS, _P.VERIFY_AUDIT, _P.VIEW_REPORTS, _P.EXPORT}),
    "liaison": frozenset({
        _P.IMPORT, _P.INGEST, _P.VIEW_RAW_FOOTAGE, _P.EDIT_REDACTIONS, _P.VIEW_REDACTED_FOOTAGE, _P.SAMPLE,
        _P.PLAN_SESSIONS, _P.ENTER_SCORES_FOR_OTHERS, _P.SEE_UNREVEALED_SCORES, _P.VIEW_STOPS, _P.VIEW_REPORTS,
        _P.EXPORT, _P.VERIFY_AUDIT,
    }),
    "panel": frozenset({_P.VIEW_REDACTED_FOOTAGE, _P.ENTER_OWN_SCORES}),
    "supervisor": frozenset({_P.VIEW_REPORTS, _P.SUPERVISE_FEEDBACK, _P.VIEW_STOPS, _P.EXPORT}),
}


@dataclass(frozen=True)
class Actor:
    """Who is doing something: passed into every service call."""

    username: str
    role: str
    user_id: int | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"{self.username} ({self.role}) may not {permission.value}")


# The operating-system user running a CLI command on the machine that holds the database acts as
# this actor when no --user is given; it is recorded in the audit log under its own name.
def system_actor() -> Actor:
    import getpass

    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = "system"
    return Actor(username=f"os:{name}", role="liaison")


def admin_system_actor() -> Actor:
    return Actor(username=system_actor().username, role="admin")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    if os.environ.get("REVIEWTOOL_FAST_HASH") == "1":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"password: use at least {MIN_PASSWORD_LENGTH} characters")


class UserService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, actor: Actor, username: str, display_name: str, role: str, password: str) -> User:
        actor.require(Permission.MANAGE_USERS)
        username = username.strip()
        if not username:
            raise ValidationError("username: must not be empty")
        if role not in ROLES:
            raise ValidationError(f"role: must be one of {', '.join(ROLES)}, not {role!r}")
        _check_password_rules(password)
        with self.db.session() as s:
            if s.scalar(select(User).where(User.username == username)) is not None:
                raise ValidationError(f"username: {username!r} already exists")
            user = User(username=username, display_name=display_name or username, role=role,
                        password_hash=hash_password(password))
            s.add(user)
            s.flush()
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.USER_ADD, object_type="user",
                         object_id=username, details={"role": role})
            return user

    def list(self, actor: Actor) -> list[User]:
        actor.require(Permission.MANAGE_USERS)
        with self.db.read() as s:
            return list(s.scalars(select(User).order_by(User.username)))

    def set_password(self, actor: Actor, username: str, password: str) -> None:
        if actor.username != username:
            actor.require(Permission.MANAGE_USERS)
        _check_password_rules(password)
        with self.db.session() as s:
            user = _get_user(s, username)
            user.password_hash = hash_password(password)
            user.failed_logins = 0
            user.locked_until = None
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.USER_PASSWORD, object_type="user",
                         object_id=username)

    def set_active(self, actor: Actor, username: str, active: bool) -> None:
        actor.require(Permission.MANAGE_USERS)
        with self.db.session() as s:
            user = _get_user(s, username)
            user.active = active
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.USER_CHANGE, object_type="user",
                         object_id=username, details={"active": active})

    def login(self, username: str, password: str) -> Actor:
        """Check a password; returns the Actor or raises AuthError with a message fit to show.

        A failed attempt is committed (counter, lock, audit event) before the error is raised."""
        refused = "That user name and password do not match an active account."
        username = username.strip()
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            now = utcnow()
            error: str | None = None
            if user is None or not user.active:
                audit.record(s, actor=username or "?", role="", action=Actions.LOGIN_FAILED, object_type="user",
                             object_id=username or "?", details={"why": "unknown or inactive user"})
                error = refused
            elif user.locked_until is not None and user.locked_until > now:
                minutes = int((user.locked_until - now).total_seconds() // 60) + 1
                error = f"This account is locked after too many attempts. Try again in {minutes} minutes."
            elif not _password_matches(user.password_hash, password):
                user.failed_logins += 1
                locked = user.failed_logins >= MAX_FAILED_LOGINS
                if locked:
                    user.locked_until = now + LOCKOUT
                    user.failed_logins = 0
                audit.record(s, actor=username, role=user.role, action=Actions.LOGIN_FAILED, object_type="user",
                             object_id=username, details={"locked": locked})
                error = refused
            else:
                if _hasher().check_needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                user.failed_logins = 0
                user.locked_until = None
                audit.record(s, actor=username, role=user.role, action=Actions.LOGIN, object_type="user",
                             object_id=username)
                actor = Actor(username=user.username, role=user.role, user_id=user.id)
        if error is not None:
            raise AuthError(error)
        return actor

    def logout(self, actor: Actor, reason: str = "") -> None:
        with self.db.session() as s:
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.LOGOUT, object_type="user",
                         object_id=actor.username, reason=reason)


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _get_user(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user called {username!r}")
    return user
