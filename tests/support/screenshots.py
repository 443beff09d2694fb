"""`make screenshots`: render each main screen of the app to PNG, from a demo database, offscreen.

    python tests/support/screenshots.py docs/screenshots [--demo DIR]

Builds a small demo (users, stops, two clips, a planned session) in a temporary folder — or reuses
the demo in DIR if it holds one — signs in as the demo users and grabs each window with
`QWidget.grab()`.  Areas written by other parts of the app (sessions, reports, the editor) are
rendered when they can be imported; one that cannot is reported and skipped, never faked.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the package, and `support.*` helpers of other areas

SIZE = (1280, 800)


def _demo(folder: Path):
    from reviewtool.cli.demo_data import build_demo
    from reviewtool.core.db import Database
    from reviewtool.progress import run_to_end

    if (folder / "reviewtool.db").is_file():
        return Database.open(f"sqlite:///{folder / 'reviewtool.db'}")
    print(f"building a demo database in {folder} …", flush=True)
    return run_to_end(build_demo(folder, stops=160, clips=3))


def _settle(app) -> None:
    for _ in range(5):
        app.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--demo", type=Path, help="demo folder to use (built there if missing)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="reviewtool-shots-"))
    os.environ["REVIEWTOOL_HOME"] = str(home)  # window state and logs stay out of the real profile

    from reviewtool.cli.demo_data import DEMO_USERS
    from reviewtool.core.auth import UserService
    from reviewtool.core.browse import own_display_name
    from reviewtool.ui import tasks
    from reviewtool.ui.app import make_application
    from reviewtool.ui.context import AppContext
    from reviewtool.ui.crash_dialog import CrashDialog, format_exception
    from reviewtool.ui.login import LoginDialog
    from reviewtool.ui.main_window import MainWindow, database_label

    app = make_application([sys.argv[0]])
    tasks.set_synchronous(True)
    db = _demo(args.demo or home / "demo")
    passwords = {u.username: u.password for u in DEMO_USERS}
    written: list[str] = []
    skipped: list[str] = []

    def save(widget, name: str) -> None:
        _settle(app)
        path = args.out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise RuntimeError(f"could not write {path}")
        written.append(path.name)

    def window_for(username: str) -> MainWindow:
        actor = UserService(db).login(username, passwords[username])
        window = MainWindow(AppContext(db=db, actor=actor), display_name=own_display_name(db, actor))
        window.resize(*SIZE)
        window.show()
        _settle(app)
        return window

    def area_shot(window: MainWindow, key: str, name: str, after: Callable | None = None) -> None:
        if key not in window.area_keys():
            skipped.append(f"{name}: area {key} is not offered to {window.ctx.actor.role}")
            return
        try:
            page = window.show_area(key)
        except ImportError as exc:
            skipped.append(f"{name}: {exc}")
            return
        if after is not None:
            after(page)
        save(window, name)

    login = LoginDialog(db, username="liaison", database_label=database_label(db.url))
    login.show()
    save(login, "login")
    login.form.password.setText("not the password")
    login.form.try_login()
    save(login, "login-refused")
    login.close()

    liaison = window_for("liaison")

    def select_first_stop(page) -> None:
        page.tabs.setCurrentIndex(0)
        page.stops.panel.select_first()

    def show_footage(page) -> None:
        page.tabs.setCurrentWidget(page.footage)
        page.footage.panel.select_first()

    area_shot(liaison, "stops", "stops", select_first_stop)
    area_shot(liaison, "stops", "footage", show_footage)
    area_shot(liaison, "sessions", "sessions")
    area_shot(liaison, "settings", "settings-read-only")
    liaison.lock_now()
    save(liaison, "locked")
    liaison.idle_lock.unlock()
    area_shot(liaison, "reports", "reports-liaison")  # last: an area may widen the window for the rest
    liaison.close()

    admin = window_for("admin")
    area_shot(admin, "settings", "settings")
    admin.close()

    supervisor = window_for("supervisor")
    area_shot(supervisor, "stops", "stops-supervisor")
    area_shot(supervisor, "reports", "reports")
    supervisor.close()

    panel = window_for("panel1")
    area_shot(panel, "sessions", "my-session")
    panel.close()

    try:
        raise ValueError("an example error, to show the crash dialog")
    except ValueError as exc:
        crash = CrashDialog(format_exception(type(exc), exc, exc.__traceback__), home / "logs" / "reviewtool.log")
    crash.show()
    save(crash, "crash-dialog")
    crash.close()

    failed = _colleague_screens(db.url, args.out, written, skipped)
    db.dispose()
    for name in written:
        print(f"wrote {args.out / name}")
    for reason in skipped:
        print(f"skipped {reason}")
    return 1 if failed else 0


def _colleague_screens(db_url: str, out: Path, written: list[str], skipped: list[str]) -> bool:
    """The screens other areas render themselves (sessions, reports as PDFs, the editor — last, because
    it saves a draft). Returns True if one of them failed."""
    failed = False
    renderers = (
        ("support.sessions_screens", "render_session_pngs", lambda f: f(db_url, out)),
        ("support.report_screens", "render_report_pngs", lambda f: f(db_url, out)),
        ("support.editor_screen", "render_editor_png", lambda f: [f(db_url, out / "redaction-editor.png")]),
    )
    for module_name, function, call in renderers:
        try:
            module = __import__(module_name, fromlist=[function])
            render = getattr(module, function)
        except (ImportError, AttributeError) as exc:
            skipped.append(f"{module_name}.{function}: {exc}")
            continue
        try:
            written.extend(Path(p).name for p in call(render))
        except Exception:
            failed = True
            traceback.print_exc()
            skipped.append(f"{module_name}.{function}: failed (traceback above)")
    return failed


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(1)
