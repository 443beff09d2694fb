"""Per-user interface preferences: window geometry, the last area and user name, the last folders used.

Kept in a small INI file in the user data folder (`window.ini`), never in the database: none of it
is shared, and none of it is worth an audit record.  `REVIEWTOOL_HOME` moves it with everything else.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from reviewtool.core.paths import data_dir


def window_settings() -> QSettings:
    return QSettings(str(data_dir() / "window.ini"), QSettings.Format.IniFormat)


def last_folder(kind: str) -> str:
    """Where the last file dialog of this kind was pointed (the home folder at first)."""
    value = window_settings().value(f"folders/{kind}", "")
    return str(value) if value and Path(str(value)).is_dir() else str(Path.home())


def remember_folder(kind: str, folder: Path) -> None:
    settings = window_settings()
    settings.setValue(f"folders/{kind}", str(folder))
    settings.sync()
