"""PyInstaller runtime hook: point reviewtool and python-vlc at what the bundle carries.

Runs before any application code.  `resources/` and `db/` (migrations) are found through
REVIEWTOOL_RESOURCES / REVIEWTOOL_MIGRATIONS (see reviewtool/core/paths.py).  python-vlc reads
PYTHON_VLC_LIB_PATH / PYTHON_VLC_MODULE_PATH when `vlc` is imported and exits the process if the path
is wrong, so they are set only when the bundled files are really there; otherwise python-vlc looks for a
system-wide VLC as usual.
"""

import os
import sys

_BUNDLE = getattr(sys, "_MEIPASS", None)

_LIBVLC_NAMES = {"win32": "libvlc.dll", "darwin": "libvlc.dylib"}


def _set_if_present(name: str, path: str) -> None:
    if os.path.exists(path):
        os.environ.setdefault(name, path)


if _BUNDLE:
    _set_if_present("REVIEWTOOL_RESOURCES", os.path.join(_BUNDLE, "resources"))
    _set_if_present("REVIEWTOOL_MIGRATIONS", os.path.join(_BUNDLE, "db"))
    _vlc_dir = os.path.join(_BUNDLE, "vlc")
    _lib = os.path.join(_vlc_dir, _LIBVLC_NAMES.get(sys.platform, "libvlc.so.5"))
    if os.path.exists(_lib):
        os.environ.setdefault("PYTHON_VLC_LIB_PATH", _lib)
        _set_if_present("PYTHON_VLC_MODULE_PATH", os.path.join(_vlc_dir, "plugins"))
        if sys.platform == "win32":  # libvlc.dll loads libvlccore.dll from its own folder
            os.add_dll_directory(_vlc_dir)
