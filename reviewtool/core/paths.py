"""Where things live: user data (database, frame indexes), logs, and the project's own resources.

platformdirs for every per-user path, with overrides for development, tests and frozen builds:
`REVIEWTOOL_HOME` moves all per-user data; `REVIEWTOOL_RESOURCES` / `REVIEWTOOL_MIGRATIONS` point at
the `resources/` and `db/` folders when they are not beside the package (a PyInstaller build sets
them from `sys._MEIPASS`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "reviewtool"
APP_AUTHOR = "reviewtool"


def _home_override() -> Path | None:
    home = os.environ.get("REVIEWTOOL_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    home = _home_override()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    home = _home_override()
    path = home / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'reviewtool.db'}"


def _project_root_candidates() -> list[Path]:
    roots = [Path(__file__).resolve().parents[2]]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        roots.insert(0, Path(frozen))
    return roots


def _find(env: str, name: str) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override)
    for root in _project_root_candidates():
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the '{name}' folder; set {env} to its path")


def resources_dir() -> Path:
    return _find("REVIEWTOOL_RESOURCES", "resources")


def migrations_dir() -> Path:
    return _find("REVIEWTOOL_MIGRATIONS", "db")


def index_dir_for(db_url: str) -> Path:
    """FrameIndexes live beside the database (keyed by the clip's SHA-256); for a server database,
    in the user data directory."""
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        path = Path(db_url.removeprefix("sqlite:///")).resolve().parent / "frame-indexes"
    else:
        path = data_dir() / "frame-indexes"
    path.mkdir(parents=True, exist_ok=True)
    return path
