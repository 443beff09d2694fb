"""The shell: sign-in, the areas each role gets, the idle lock, crash reporting, window state, start-up."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from sqlalchemy import select

from reviewtool.core.audit import Actions
from reviewtool.core.models import AuditEvent
from reviewtool.ui.app_events import KEEP_WHEN_LOCKED
from reviewtool.ui.crash_dialog import CrashDialog, CrashHandler, NativeCrashRecorder
from reviewtool.ui.login import LoginDialog
from reviewtool.ui.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("sync_tasks", "app_events_reset")
WAIT_MS = 5000


def audit_actions(db, actor: str) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.actor == actor).order_by(AuditEvent.seq)))


def sign_in(qtbot, dialog: LoginDialog, password: str) -> None:
    dialog.form.password.clear()
    qtbot.keyClicks(dialog.form.password, password)
    qtbot.mouseClick(dialog.form.submit, Qt.MouseButton.LeftButton)


def make_window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx, display_name=ctx.actor.username)
    qtbot.addWidget(window)
    window.show()
    return window


# -- sign-in -----------------------------------------------------------------------------------------

def test_login_success(qtbot, demo_db, demo_password):
    dialog = LoginDialog(demo_db, username="liaison", database_label="demo")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        sign_in(qtbot, dialog, demo_password("liaison"))
    assert dialog.actor is not None and (dialog.actor.username, dialog.actor.role) == ("liaison", "liaison")
    assert audit_actions(demo_db, "liaison")[-1] == Actions.LOGIN


def test_login_failure_is_said_calmly_in_the_window(qtbot, demo_db):
    dialog = LoginDialog(demo_db, username="liaison")
    qtbot.addWidget(dialog)
    dialog.show()
    sign_in(qtbot, dialog, "not-the-password")
    assert dialog.actor is None and dialog.isVisible()
    assert dialog.form.message.isVisible()
    assert dialog.form.message.text() == "That user name and password do not match an active account."
    assert dialog.form.password.text() == "" and dialog.focusWidget() is dialog.form.password
    assert dialog.form.submit.isEnabled()
    assert audit_actions(demo_db, "liaison")[-1] == Actions.LOGIN_FAILED


def test_return_in_the_password_field_is_one_attempt(qtbot, demo_db):
    dialog = LoginDialog(demo_db, username="liaison")
    qtbot.addWidget(dialog)
    dialog.show()
    before = audit_actions(demo_db, "liaison").count(Actions.LOGIN_FAILED)
    qtbot.keyClicks(dialog.form.password, "wrong-password")
    qtbot.keyClick(dialog.form.password, Qt.Key.Key_Return)
    assert audit_actions(demo_db, "liaison").count(Actions.LOGIN_FAILED) == before + 1
    assert "do not match" in dialog.form.message.text()


def test_empty_fields_are_asked_for_not_checked(qtbot, demo_db):
    dialog = LoginDialog(demo_db)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.form.submit, Qt.MouseButton.LeftButton)
    assert dialog.form.message.text() == "Please enter your user name and password."
    assert audit_actions(demo_db, "?") == []


def test_lockout_message_after_five_failures(qtbot, demo_db, demo_password):
    dialog = LoginDialog(demo_db, username="panel2")
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(5):
        sign_in(qtbot, dialog, "wrong-password")
    sign_in(qtbot, dialog, demo_password("panel2"))
    assert dialog.actor is None
    assert dialog.form.message.text().startswith("This account is locked after too many attempts.")
    assert "Try again in 10 minutes" in dialog.form.message.text()


# -- areas by role -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "areas"), [
    ("liaison", ["stops", "sessions", "reports", "settings"]),
    ("supervisor", ["stops", "reports", "settings"]),
    ("admin", ["stops", "reports", "settings"]),
])
def test_staff_areas_follow_the_role(qtbot, ctx_for, user, areas):
    window = make_window(qtbot, ctx_for(user))
    assert window.area_keys() == areas
    assert window.navigation.count() == len(areas)
    assert [a.objectName() for a in window.findChildren(type(window.lock_action)) if
            a.objectName().startswith("go_")] == [f"go_{k}" for k in areas]


def test_panel_member_sees_only_their_session(qtbot, ctx_for, require_module):
    require_module("reviewtool.ui.sessions.area")
    window = make_window(qtbot, ctx_for("panel1"))
    assert window.area_keys() == ["sessions"]
    assert window.navigation.item(0).text() == "My session"
    assert window.current_area() == "sessions"


def test_supervisor_gets_no_footage_and_no_import(qtbot, ctx_for):
    window = make_window(qtbot, ctx_for("supervisor"))
    stops = window.show_area("stops")
    assert window.navigation.item(0).text() == "Stop records"
    assert stops.footage is None and stops.stops.import_button is None
    assert stops.tabs.count() == 1
    assert stops.stops.panel.model.rowCount() == 60


def test_liaison_gets_every_action_but_settings_are_read_only(qtbot, ctx_for):
    window = make_window(qtbot, ctx_for("liaison"))
    stops = window.show_area("stops")
    assert stops.stops.import_button is not None and stops.footage is not None
    assert stops.footage.ingest_button.isEnabled() and stops.footage.verify_button.isEnabled()
    assert stops.footage.editor_button is not None
    settings = window.show_area("settings")
    assert not settings.editable and not settings.save_button.isVisible()
    assert all(not editor.isEnabled() for editor in settings.editors.values())
    assert "only an administrator" in settings.banner.text()


def test_keyboard_reaches_every_area(qtbot, ctx_for):
    window = make_window(qtbot, ctx_for("liaison"))
    window.activateWindow()
    shortcuts = {a.objectName(): a.shortcut().toString() for a in window.actions()}
    assert shortcuts["go_stops"] == "Ctrl+1" and shortcuts["go_settings"] == "Ctrl+4"
    assert shortcuts["lock_now"] == "Ctrl+L" and shortcuts["quit"] == "Ctrl+Q"
    window.area_actions["settings"].trigger()
    assert window.current_area() == "settings"
    window.navigation.setFocus()
    qtbot.keyClick(window.navigation, Qt.Key.Key_Up)
    assert window.current_area() == "reports"


# -- idle lock ---------------------------------------------------------------------------------------

def test_idle_lock_engages_hides_everything_and_unlocks_with_the_password(qtbot, ctx_for, demo_password,
                                                                          app_events_reset):
    events = app_events_reset
    window = make_window(qtbot, ctx_for("liaison"))
    assert window.idle_lock.timeout_ms == 10 * 60_000  # the default setting
    other = QWidget()
    qtbot.addWidget(other)
    other.setWindowTitle("some other window")
    other.show()
    presenter = QWidget()
    qtbot.addWidget(presenter)
    presenter.setProperty(KEEP_WHEN_LOCKED, True)
    presenter.show()

    with qtbot.waitSignal(events.locked, timeout=WAIT_MS):
        window.idle_lock.set_timeout_ms(120)
    assert window.locked and events.is_locked()
    assert window.central.currentWidget() is window.lock_screen
    assert not window.stack.isVisible() and not window.menuBar().isEnabled()
    assert not other.isVisible(), "other windows are hidden while locked"
    assert presenter.isVisible(), "the presenter blanks itself on `locked` and stays up"

    window.lock_screen.form.password.setText("wrong password!")
    window.lock_screen.form.try_login()
    assert window.locked and "do not match" in window.lock_screen.form.message.text()

    window.idle_lock.set_timeout_ms(60_000)
    with qtbot.waitSignal(events.unlocked, timeout=WAIT_MS):
        qtbot.keyClicks(window.lock_screen.form.password, demo_password("liaison"))
        qtbot.keyClick(window.lock_screen.form.password, Qt.Key.Key_Return)
    assert not window.locked and not events.is_locked()
    assert window.stack.isVisible() and window.menuBar().isEnabled() and other.isVisible()
    assert audit_actions(window.ctx.db, "liaison")[-2:] == [Actions.LOGIN_FAILED, Actions.LOGIN]


def test_input_keeps_the_lock_away(qtbot, ctx_for):
    window = make_window(qtbot, ctx_for("liaison"))
    window.idle_lock.set_timeout_ms(400)
    page = window.show_area("stops")
    for _ in range(6):
        qtbot.wait(100)
        qtbot.keyClick(page.stops.panel.search, Qt.Key.Key_A)
        assert not window.locked
    qtbot.waitUntil(lambda: window.locked, timeout=WAIT_MS)


def test_sign_out_from_the_lock_screen(qtbot, ctx_for, app_events_reset):
    window = make_window(qtbot, ctx_for("liaison"))
    window.lock_now()
    with qtbot.waitSignal(window.sign_out_requested, timeout=WAIT_MS):
        qtbot.mouseClick(window.lock_screen.sign_out, Qt.MouseButton.LeftButton)
    assert window.signing_out and not window.isVisible()
    assert not app_events_reset.is_locked(), "the next person does not inherit the lock"
    assert audit_actions(window.ctx.db, "liaison")[-1] == Actions.LOGOUT


# -- crashes -----------------------------------------------------------------------------------------

def test_crash_dialog_shows_copyable_details(qtbot, tmp_path):
    dialog = CrashDialog("Traceback (most recent call last):\nValueError: boom", tmp_path / "reviewtool.log")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "ValueError: boom" in dialog.details.toPlainText() and dialog.details.isReadOnly()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.details.toPlainText()
    labels = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert str(tmp_path / "reviewtool.log") in labels and "saved the moment they are entered" in labels


def test_unhandled_exception_is_logged_and_shown(qtbot, tmp_path, monkeypatch, caplog):
    shown: list[str] = []
    monkeypatch.setattr(CrashDialog, "exec", lambda self: shown.append(self.details.toPlainText()) or 0)
    handler = CrashHandler(tmp_path / "reviewtool.log")
    try:
        raise RuntimeError("nobody caught this")
    except RuntimeError:
        handler.handle(*sys.exc_info())
    assert len(shown) == 1 and "RuntimeError: nobody caught this" in shown[0] and "Traceback" in shown[0]
    assert any(r.levelname == "CRITICAL" and r.exc_info for r in caplog.records)


def test_native_crash_is_shown_on_the_next_start(tmp_path):
    script = textwrap.dedent(f"""
        import faulthandler, pathlib
        from reviewtool.ui.crash_dialog import NativeCrashRecorder
        NativeCrashRecorder(pathlib.Path({str(tmp_path)!r})).enable()
        faulthandler._sigsegv()
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode != 0
    recorder = NativeCrashRecorder(tmp_path)
    report = recorder.take_previous()
    assert report is not None and "Segmentation fault" in report
    assert not recorder.path.exists() and list(tmp_path.glob("native-crash-*.log"))
    assert recorder.take_previous() is None  # shown once


def test_clean_exit_leaves_no_crash_report(tmp_path):
    recorder = NativeCrashRecorder(tmp_path)
    recorder.enable()
    recorder.disable()
    assert NativeCrashRecorder(tmp_path).take_previous() is None


# -- window state and start-up -------------------------------------------------------------------------

def test_window_size_and_area_are_restored(qtbot, ctx_for):
    ctx = ctx_for("liaison")
    first = make_window(qtbot, ctx)
    first.resize(760, 560)  # within the offscreen screen (800x600): restoring clamps to it
    first.show_area("settings")
    first.close()
    second = make_window(qtbot, ctx)
    assert (second.width(), second.height()) == (760, 560)
    assert second.current_area() == "settings"


def test_run_gui_signs_in_signs_out_and_quits(qtbot, demo_db, demo_password, monkeypatch, tmp_path):
    """The whole start-up path: log file, sign-in, main window, sign out, back to sign-in, quit."""
    import argparse

    from reviewtool.core.paths import log_dir
    from reviewtool.ui import app as app_module

    monkeypatch.setattr(app_module, "setup_logging", lambda verbose=False: log_dir() / "reviewtool.log")
    steps: list[str] = []
    ticks = iter(range(500))  # 10 s at 20 ms: a stuck start-up fails the test instead of hanging it

    def drive() -> None:
        modal = QApplication.activeModalWidget()
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if next(ticks, None) is None or (modal is not None and not isinstance(modal, LoginDialog)):
            said = modal.form.message.text() if isinstance(modal, LoginDialog) else ""
            steps.append(f"unexpected: {type(modal).__name__} {said}")
            if modal is not None:
                modal.close()
            for w in windows:
                w.close()
            return
        if isinstance(modal, LoginDialog) and not steps:
            steps.append("login")
            modal.form.username.setText("liaison")
            modal.form.password.setText(demo_password("liaison"))
            modal.form.try_login()
        elif windows and steps == ["login"]:
            steps.append("window")
            windows[0].sign_out()
        elif isinstance(modal, LoginDialog) and steps == ["login", "window"]:
            steps.append("quit")
            modal.reject()
            return
        QTimer.singleShot(20, drive)

    QTimer.singleShot(20, drive)
    status = app_module.run_gui(argparse.Namespace(db=demo_db.url, verbose=False))
    assert status == 0 and steps == ["login", "window", "quit"]
    assert audit_actions(demo_db, "liaison")[-2:] == [Actions.LOGIN, Actions.LOGOUT]
    assert not (log_dir() / "native-crash.log").exists()


def test_log_file_rotates_in_the_user_log_folder():
    import logging

    from reviewtool.core.paths import log_dir
    from reviewtool.ui.app import LOG_BACKUPS, LOG_BYTES, setup_logging

    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    path = setup_logging()
    try:
        added = [h for h in root.handlers if h not in before]
        assert path == log_dir() / "reviewtool.log" and len(added) == 1
        handler = added[0]
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        assert (handler.maxBytes, handler.backupCount) == (LOG_BYTES, LOG_BACKUPS)
        logging.getLogger("reviewtool.test").warning("written to the log file")
        handler.flush()
        assert "written to the log file" in path.read_text(encoding="utf-8")
    finally:
        for h in root.handlers[:]:
            if h not in before:
                root.removeHandler(h)
                h.close()
        root.setLevel(level)
