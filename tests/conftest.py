"""Suite-wide fixtures: isolated user dirs, cheap password hashing, and the `db` fixture that runs
data-layer tests on SQLite and on a real PostgreSQL cluster started by the suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["REVIEWTOOL_FAST_HASH"] = "1"

sys.path.insert(0, str(Path(__file__).parent))  # tests/support importable as `support`

from pytest_postgresql import factories  # noqa: E402

from support.pgcluster import Cluster, free_port  # noqa: E402

PG_PORT = free_port()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("REVIEWTOOL_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = Cluster(PG_PORT)
    try:
        cluster.start()
    except Exception as exc:  # make the failure say what is missing
        cluster.stop()
        pytest.fail(f"could not start PostgreSQL for the tests: {exc}")
    yield cluster
    cluster.stop()


pg_noproc = factories.postgresql_noproc(depends_on="pg_cluster")
pg_connection = factories.postgresql("pg_noproc")


def _pg_url(conn) -> str:
    info = conn.info
    return f"postgresql+psycopg://{info.user}@{info.host}:{info.port}/{info.dbname}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reviewtool.db'}"
    conn = request.getfixturevalue("pg_connection")
    return _pg_url(conn)


@pytest.fixture
def db(db_url: str):
    from reviewtool.core.db import Database

    database = Database.open(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path):
    from reviewtool.core.db import Database

    database = Database.open(f"sqlite:///{tmp_path / 'reviewtool.db'}")
    yield database
    database.dispose()


@pytest.fixture
def liaison():
    from reviewtool.core.auth import Actor

    return Actor(username="liaison1", role="liaison")


@pytest.fixture
def admin():
    from reviewtool.core.auth import Actor

    return Actor(username="admin1", role="admin")
