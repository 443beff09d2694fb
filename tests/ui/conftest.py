"""Fixtures for the GUI tests: a demo database, contexts for its users, strict Qt logging.

Every test in tests/ui is marked `gui` and fails on any Qt warning (qutebrowser's rule: a warning is
a bug we have not understood yet).  The one message ignored is the offscreen platform saying it
cannot propagate size hints — a limitation of the test platform, not of the app.

The demo (`build_demo(stops=60, clips=2)`, ~15 s) is built once per test session; each test gets its
own copy of the database file, so tests may write freely.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from reviewtool.core.auth import Actor, UserService
from reviewtool.core.db import Database

HERE = Path(__file__).parent
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo folder (database, clips, frame indexes) built once; tests copy its database."""
    from reviewtool.cli.demo_data import build_demo
    from reviewtool.progress import run_to_end

    folder = tmp_path_factory.mktemp("demo")
    db = run_to_end(build_demo(folder, stops=60, clips=2))
    db.dispose()  # checkpoints the WAL into the main file
    return folder


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path):
    """This test's own copy of the demo database (clips and frame indexes stay shared, read-only)."""
    target = tmp_path / "reviewtool.db"
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{demo_template / 'reviewtool.db'}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{target}{suffix}")
    db = Database.open(f"sqlite:///{target}")
    yield db
    db.dispose()


@pytest.fixture
def demo_password() -> Callable[[str], str]:
    from reviewtool.cli.demo_data import DEMO_USERS

    passwords = {u.username: u.password for u in DEMO_USERS}
    return passwords.__getitem__


@pytest.fixture
def ctx_for(demo_db: Database, demo_password):
    """`ctx_for("liaison")`: an AppContext signed in (through UserService.login) as that demo user."""
    from reviewtool.ui.context import AppContext

    def make(username: str) -> AppContext:
        actor: Actor = UserService(demo_db).login(username, demo_password(username))
        return AppContext(db=demo_db, actor=actor)

    return make


@pytest.fixture
def sync_tasks():
    """Background tasks run inline, callbacks before the call returns (Picard's synchronous pool)."""
    from reviewtool.ui import tasks

    with tasks.synchronous():
        yield


@pytest.fixture
def app_events_reset():
    """A fresh app-wide event object, so one test's lock state never leaks into the next."""
    from reviewtool.ui import app_events as module

    previous = module._events
    module._events = None
    yield module.app_events()
    module._events = previous


@pytest.fixture
def require_module() -> Callable[[str], None]:
    """`require_module("reviewtool.ui.reports_area")` skips the test, saying why, when a colleague's
    module is not in this checkout yet. Only tests skip: the product never shows a stand-in."""
    import importlib

    def require(name: str) -> None:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                pytest.skip(f"{name} is not in this checkout yet")
            raise

    return require
