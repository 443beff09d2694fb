"""Engine, sessions and migrations: one place that knows SQLite from PostgreSQL.

SQLite (the embedded default) is opened with `busy_timeout` before WAL, `synchronous=FULL` and
foreign keys on, and write transactions begin with `BEGIN IMMEDIATE`: pysqlite's default begins
lazily, and a deferred transaction in WAL fails with "database is locked" when it later tries to
write (DESIGN section 11).  Read-only work uses a deferred transaction so it never waits on a writer.
Schema changes are Alembic migrations in `db/`; `Database.open()` upgrades a database that is behind.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite has no time zones; we store naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        from sqlalchemy.pool import NullPool, StaticPool

        memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(
            url,
            poolclass=StaticPool if memory else NullPool,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _install_sqlite_pragmas(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


class Database:
    """A database the app talks to: engine, unit-of-work sessions, migrations."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        read_engine = self.engine.execution_options(sqlite_begin="DEFERRED") if self.is_sqlite else self.engine
        self._read = sessionmaker(read_engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> "Database":
        db = cls(url)
        if upgrade:
            db.upgrade()
        return db

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write unit of work: commits when the block ends, rolls back on any exception."""
        with self._write() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (never commits).  Closing it ends the transaction without expiring what
        was loaded, so services can return the objects to callers as plain, detached data."""
        with self._read() as session:
            yield session

    # -- migrations -------------------------------------------------------------------------
    def alembic_config(self) -> Any:
        from alembic.config import Config

        from reviewtool.core.paths import migrations_dir

        import sys

        cfg = Config(stdout=sys.stdout)  # Alembic's default binds the stdout of its import time
        cfg.set_main_option("script_location", str(migrations_dir()))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        cfg.attributes["engine"] = self.engine
        return cfg

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def upgrade(self) -> None:
        if self.current_revision() == self.head_revision():
            return
        from alembic import command

        log.info("upgrading database %s to %s", make_url(self.url).render_as_string(), self.head_revision())
        command.upgrade(self.alembic_config(), "head")

    def dispose(self) -> None:
        self.engine.dispose()
