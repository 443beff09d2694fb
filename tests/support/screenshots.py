"""`make screenshots`: render each main screen of the app to PNG, from a demo database, offscreen.

    python tests/support/screenshots.py docs/screenshots [--demo DIR]

Builds a demo (users, 120 stops, six clips, last month's meeting held to its end so officer
feedback exists, this month's planned session) in a temporary folder — or reuses the demo in DIR if
it holds one — signs in as the demo users and grabs each window with `QWidget.grab()` at 1280x720, a
laptop screen (a window that had to grow is reported).  The Reports area is shown with an officer
chosen and a draft made through the area itself (recorded and audited like any other).  Areas
written by other parts of the app (sessions, reports as PDFs, the editor) are rendered when they can
be imported; one that cannot is reported and skipped, never faked.
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

SIZE = (1280, 720)  # a 1366x768 laptop, less the taskbar and title bar


def _demo(folder: Path):
    from reviewtool.cli.demo_data import build_demo
    from reviewtool.core.db import Database
    from reviewtool.progress import run_to_end

    if (folder / "reviewtool.db").is_file():
        return Database.open(f"sqlite:///{folder / 'reviewtool.db'}")
    print(f"building a demo database in {folder} …", flush=True)
    return run_to_end(build_demo(folder, stops=120, clips=6))  # clips >= 6: last month's meeting is held


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
        if isinstance(widget, MainWindow) and widget.size().toTuple() != SIZE:
            skipped.append(f"{name}: the window grew to {widget.width()}x{widget.height()} (shot anyway)")
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
        """The newest stop with a clip, so the detail below the list names its footage."""
        page.tabs.setCurrentIndex(0)
        panel = page.stops.panel
        rows = panel.proxy.visible_rows()
        panel.table.selectRow(next((n for n, row in enumerate(rows) if row.clips), 0))

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
    liaison.close()

    admin = window_for("admin")
    area_shot(admin, "settings", "settings")
    admin.close()

    drafted: list[str] = []  # the officer whose draft the supervisor made, for the liaison's view

    def make_a_draft(page) -> None:
        """Choose the first officer with reviewed searches waiting and make their draft, as a supervisor
        would: through the area's own button."""
        waiting = [r for r in page.officers.model.rows() if r.pending_searches]
        if not waiting:
            skipped.append("reports: no officer has reviewed searches waiting (no closed session?)")
            return
        page.select_officer(waiting[0].identifier)
        page.detail.generate_button.click()
        if page.detail.report is None:
            skipped.append(f"reports: no draft was made ({page.detail.message.text()})")
            return
        drafted.append(waiting[0].identifier)

    supervisor = window_for("supervisor")
    area_shot(supervisor, "stops", "stops-supervisor", select_first_stop)
    area_shot(supervisor, "reports", "reports", make_a_draft)
    supervisor.close()

    def show_the_draft(page) -> None:
        if drafted:
            page.select_officer(drafted[0])

    liaison = window_for("liaison")
    area_shot(liaison, "reports", "reports-liaison", show_the_draft)
    liaison.close()

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

    _approve_planned_redactions(db, skipped)  # the meeting screens then show boxed faces, not a mosaic
    failed = _colleague_screens(db.url, args.out, written, skipped)
    db.dispose()
    for name in written:
        print(f"wrote {args.out / name}")
    for reason in skipped:
        print(f"skipped {reason}")
    return 1 if failed else 0


def _approve_planned_redactions(db, skipped: list[str]) -> None:
    """Box the faces in the planned session's clips and approve them, as the liaison officer does in the
    editor before a meeting (through RedactionService: saved, approved and audited). The demo keeps
    where it drew each face beside the clip (`<clip>.truth.json`); a clip without one is left alone."""
    from sqlalchemy import select

    from reviewtool.cli.demo_meeting import redactions_from_truth
    from reviewtool.core.auth import Actor
    from reviewtool.core.models import Footage
    from reviewtool.core.redactions import RedactionService
    from reviewtool.core.sessions import SessionService
    from reviewtool.media.synth import ClipTruth

    liaison = Actor("liaison", "liaison")
    sessions, redactions = SessionService(db), RedactionService(db)
    for planned in (s for s in sessions.list_sessions(liaison) if s.status == "planned"):
        for item in sessions.get(liaison, planned.id).active_items:
            if item.footage is None or item.redaction == "approved":
                continue
            with db.read() as s:
                clip_path = s.scalar(select(Footage.file_path).where(Footage.id == item.footage.id))
            truth_file = Path(f"{clip_path}.truth.json")
            if not truth_file.is_file():
                skipped.append(f"redactions for {item.footage.file_name}: no {truth_file.name} beside the clip")
                continue
            truth = ClipTruth.from_json(truth_file.read_text(encoding="utf-8"))
            state = redactions.get(liaison, item.footage.id)
            saved = redactions.save(liaison, item.footage.id, redactions_from_truth(item.footage.sha256, truth),
                                    state.version)
            redactions.approve(liaison, item.footage.id, saved.version)


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
