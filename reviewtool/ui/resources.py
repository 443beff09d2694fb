"""Icons and the stylesheet, read from the `resources/` folder wherever it is (source tree, installed,
frozen: see `reviewtool.core.paths.resources_dir`)."""

from __future__ import annotations

import logging
from functools import lru_cache

from PySide6.QtGui import QIcon

from reviewtool.core.paths import resources_dir

log = logging.getLogger(__name__)


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """`resources/icons/<name>.svg` as an icon; a missing file is a packaging error, logged loudly."""
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.is_file():
        log.error("icon %s is missing (%s)", name, path)
        return QIcon()
    return QIcon(str(path))


def stylesheet() -> str:
    path = resources_dir() / "styles" / "reviewtool.qss"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        log.error("stylesheet %s cannot be read: %s", path, exc)
        return ""
    # url() in a stylesheet is relative to the working directory, not to the file: make it absolute.
    return text.replace("@ICONS@", (resources_dir() / "icons").as_posix())
