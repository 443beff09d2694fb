"""The frozen build's runtime hook and the desktop entry (PyInstaller itself is not needed to check them)."""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "packaging" / "rthook_reviewtool.py"
NAMES = ("REVIEWTOOL_RESOURCES", "REVIEWTOOL_MIGRATIONS", "PYTHON_VLC_LIB_PATH", "PYTHON_VLC_MODULE_PATH")


def run_hook(bundle: Path) -> dict[str, str | None]:
    script = (f"import json, os, sys\nsys._MEIPASS = {str(bundle)!r}\n"
              f"exec(compile(open({str(HOOK)!r}).read(), 'rthook', 'exec'))\n"
              f"print(json.dumps({{n: os.environ.get(n) for n in {NAMES!r}}}))")
    env = {k: v for k, v in __import__("os").environ.items() if k not in NAMES}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60,
                         check=True)
    return json.loads(out.stdout)


def test_hook_points_at_the_bundle(tmp_path):
    for folder in ("resources", "db", "vlc/plugins"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "vlc" / "libvlc.so.5").write_bytes(b"")
    env = run_hook(tmp_path)
    assert env["REVIEWTOOL_RESOURCES"] == str(tmp_path / "resources")
    assert env["REVIEWTOOL_MIGRATIONS"] == str(tmp_path / "db")
    if sys.platform.startswith("linux"):
        assert env["PYTHON_VLC_LIB_PATH"] == str(tmp_path / "vlc" / "libvlc.so.5")
        assert env["PYTHON_VLC_MODULE_PATH"] == str(tmp_path / "vlc" / "plugins")


def test_hook_never_sets_a_vlc_path_that_is_not_there(tmp_path):
    (tmp_path / "resources").mkdir()
    env = run_hook(tmp_path)
    assert env["PYTHON_VLC_LIB_PATH"] is None and env["PYTHON_VLC_MODULE_PATH"] is None  # python-vlc would exit
    assert env["REVIEWTOOL_MIGRATIONS"] is None and env["REVIEWTOOL_RESOURCES"] == str(tmp_path / "resources")


def test_desktop_entry():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "packaging" / "reviewtool.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Exec"] == "reviewtool"
    assert section["Icon"] == "reviewtool" and section["Terminal"] == "false"
    assert section["Categories"].endswith(";")


def test_spec_bundles_resources_and_migrations():
    spec = (ROOT / "packaging" / "reviewtool.spec").read_text(encoding="utf-8")
    compile(spec, "reviewtool.spec", "exec")
    assert '(str(ROOT / "resources"), "resources")' in spec and '(str(ROOT / "db"), "db")' in spec
    assert "rthook_reviewtool.py" in spec
