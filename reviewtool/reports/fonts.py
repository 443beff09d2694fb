"""Bundled fonts for the PDF reports.

reportlab's built-in Helvetica has no Ł, Greek or Cyrillic (they print as boxes), and names on these
reports come from every community, so the reports embed DejaVu Sans from `resources/fonts/`.
Fonts are registered with reportlab once per process: parsing a 700 KB TTF costs ~20 ms, which
would dominate the cost of rendering a short report.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

RESOURCES_ENV = "REVIEWTOOL_RESOURCES"

FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"

_FONT_FILES = {
    FONT_REGULAR: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}

_lock = threading.Lock()
_registered = False


def resources_dir() -> Path:
    """The `resources/` directory, wherever reviewtool is running from.

    The same rule as `reviewtool.core.paths.resources_dir`, which this library layer may not import
    (reports sit below core): `$REVIEWTOOL_RESOURCES` (packagers, tests); a frozen build's bundle
    root; `resources` inside the package (a wheel shipping it as package data); `resources` next to
    the package (a source checkout or an editable install). A set but wrong override is an error
    rather than a silent fall-back, so a packaging mistake shows at once.
    """
    override = os.environ.get(RESOURCES_ENV)
    if override:
        path = Path(override)
        if not path.is_dir():
            raise FileNotFoundError(f"{RESOURCES_ENV}={override!r} is not a directory")
        return path
    package = Path(__file__).resolve().parent.parent
    candidates = [package / "resources", package.parent / "resources"]
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.insert(0, Path(frozen_root) / "resources")
    for candidate in candidates:
        if (candidate / "fonts").is_dir():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"reviewtool resources not found (looked in {looked}); set {RESOURCES_ENV}")


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def register_fonts() -> None:
    """Register the report fonts with reportlab; cheap after the first call."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        directory = fonts_dir()
        for name, file_name in _FONT_FILES.items():
            path = directory / file_name
            if not path.is_file():
                raise FileNotFoundError(f"report font missing: {path}")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # <b> and <i> inside a Paragraph look the family up through these mappings. There is no
        # bold-oblique face bundled: bold is the more important of the two to keep.
        addMapping(FONT_REGULAR, 0, 0, FONT_REGULAR)
        addMapping(FONT_REGULAR, 1, 0, FONT_BOLD)
        addMapping(FONT_REGULAR, 0, 1, FONT_ITALIC)
        addMapping(FONT_REGULAR, 1, 1, FONT_BOLD)
        _registered = True
