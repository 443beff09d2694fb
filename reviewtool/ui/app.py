"""Starting the desktop app: logging, crash handling, the database, sign-in, the main window.

Order matters.  Logging and the native-crash file come first so that anything after them is recorded;
the exception hook is installed before any window exists; the database is opened (and upgraded)
before anyone is asked for a password, so a wrong path is reported as such, not as a failed login.
Signing out returns to the sign-in window; quitting stops every background task and player before the
interpreter exits (libvlc threads must not outlive Python's — DESIGN section 5).
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
from pathlib import Path

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from reviewtool import __version__
from reviewtool.core.browse import own_display_name
from reviewtool.core.db import Database
from reviewtool.core.paths import default_db_url, log_dir
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.crash_dialog import CrashDialog, CrashHandler, NativeCrashRecorder
from reviewtool.ui.resources import icon, stylesheet

log = logging.getLogger(__name__)

LOG_FILE = "reviewtool.log"
LOG_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 5
_LOG_FORMAT = "%(asctime)s %(levelname)-7s [%(threadName)s] %(name)s: %(message)s"

_QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}


def setup_logging(verbose: bool = False) -> Path:
    """A rotating log file in the user log folder (and stderr with --verbose); returns its path."""
    path = log_dir() / LOG_FILE
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    root.addHandler(handler)
    if verbose:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(_LOG_FORMAT))
        root.addHandler(stream)
    logging.captureWarnings(True)
    return path


def install_qt_message_log() -> None:
    """Qt's own warnings go to our log (they often explain a blank widget or a missing plugin)."""
    qt_log = logging.getLogger("qt")
    previous = None

    def handler(mode: QtMsgType, context, message: str) -> None:
        qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s", message)
        if previous is not None:
            previous(mode, context, message)

    previous = qInstallMessageHandler(handler)


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName("reviewtool")
    app.setApplicationDisplayName("reviewtool")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("reviewtool")
    app.setDesktopFileName("reviewtool")
    app.setWindowIcon(icon("app"))
    apply_style(app)
    return app


def apply_style(app: QApplication) -> None:
    font = QFont(app.font())
    if font.pointSizeF() < 10.5:  # readable for everyone at meeting distance, whatever the desktop says
        font.setPointSizeF(10.5)
    app.setFont(font)
    app.setStyle("Fusion")
    app.setPalette(app.style().standardPalette())  # the stylesheet's contrast assumes the light palette
    app.setStyleSheet(stylesheet())


def open_database(url: str | None) -> Database:
    return Database.open(url or default_db_url())


def run_gui(args: argparse.Namespace) -> int:
    """The desktop app; returns the process exit status."""
    log_path = setup_logging(bool(getattr(args, "verbose", False)))
    log.info("reviewtool %s starting (pid %d)", __version__, os.getpid())
    recorder = NativeCrashRecorder(log_path.parent)
    previous_crash = recorder.take_previous()
    recorder.enable()
    install_qt_message_log()
    app = make_application()
    crashes = CrashHandler(log_path)
    crashes.install()
    try:
        if previous_crash:
            CrashDialog(previous_crash, log_path, previous_run=True).exec()
        try:
            db = open_database(getattr(args, "db", None))
        except Exception as exc:  # a wrong path or an unreachable server is not a crash
            log.exception("cannot open the database")
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            box = QMessageBox(QMessageBox.Icon.Warning, "reviewtool", "The database could not be opened.",
                              QMessageBox.StandardButton.Close)
            box.setObjectName("databaseError")
            box.setInformativeText(f"{reason}\n\nNothing was changed. The details are in the log file:\n{log_path}")
            box.exec()
            print(f"reviewtool: cannot open the database: {reason}", file=sys.stderr)
            return 1
        try:
            return _sign_in_loop(app, db, log_path)
        finally:
            tasks.shutdown()
            db.dispose()
    finally:
        crashes.uninstall()
        recorder.disable()
        log.info("reviewtool stopped")


def _sign_in_loop(app: QApplication, db: Database, log_path: Path) -> int:
    from reviewtool.ui.login import LoginDialog
    from reviewtool.ui.main_window import MainWindow, database_label
    from reviewtool.ui.prefs import window_settings

    settings = window_settings()
    while True:
        login = LoginDialog(db, username=str(settings.value("login/last_user", "") or ""),
                            database_label=database_label(db.url))
        if login.exec() != LoginDialog.DialogCode.Accepted or login.actor is None:
            return 0
        actor = login.actor
        login.deleteLater()
        settings.setValue("login/last_user", actor.username)
        settings.sync()
        window = MainWindow(AppContext(db=db, actor=actor), display_name=own_display_name(db, actor),
                            log_path=log_path)
        window.show()
        status = app.exec()
        window.shutdown()  # idempotent: the close already did it, unless the app was quit otherwise
        tasks.shutdown()
        signing_out = window.signing_out
        window.deleteLater()
        if not signing_out:
            return status
        log.info("%s signed out", actor.username)
        QGuiApplication.processEvents()
