"""When something breaks: a calm dialog with copyable details, and the hooks that open it.

Two kinds of crash reach people (qutebrowser's split):
- a Python exception nobody handled: `sys.excepthook` (and `threading.excepthook`) log it with its
  traceback and open `CrashDialog` — the app keeps running unless the person chooses to quit;
- a native crash (libvlc, a Qt bug): Python cannot catch it, so `faulthandler` writes the stacks to a
  file in the log folder; on the next start `take_previous_native_crash` finds it and the dialog says
  what happened last time.

Nothing is swallowed: every exception is logged, and shown.  The message says what is safe —
scores, comments and redactions are committed the moment they are entered — and what may not be:
the one step that failed.
"""

from __future__ import annotations

import faulthandler
import logging
import platform
import sys
import threading
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool import __version__

log = logging.getLogger(__name__)

NATIVE_CRASH_FILE = "native-crash.log"
_HEADER_LINES = 2  # written by `NativeCrashRecorder.enable`

WHAT_IS_SAFE = (
    "Scores, comments, redactions and settings are saved the moment they are entered, so everything "
    "finished before this point is kept. The step that was running when this happened may not have "
    "completed: please check it and try again."
)


class CrashDialog(QDialog):
    """Says what happened in plain words; the technical details are there to copy, not to read."""

    def __init__(self, details: str, log_path: Path | None, *, previous_run: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("reviewtool closed unexpectedly" if previous_run else "Something went wrong")
        self.setModal(True)
        self.quit_requested = False
        layout = QVBoxLayout(self)
        layout.setSpacing(12)

        heading = QLabel("reviewtool closed unexpectedly last time." if previous_run
                         else "Sorry — something went wrong in reviewtool.")
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        layout.addWidget(heading)

        body = QLabel(WHAT_IS_SAFE if not previous_run else
                      "Work entered before it closed was saved as it was entered. If it happens again, "
                      "please send the details below to whoever supports reviewtool.")
        body.setWordWrap(True)
        layout.addWidget(body)

        if log_path is not None:
            where = QLabel(f"The log file is: <b>{_html_escape(str(log_path))}</b>")
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            where.setWordWrap(True)
            layout.addWidget(where)

        details_label = QLabel("&Details (for support):")
        layout.addWidget(details_label)
        self.details = QPlainTextEdit()
        self.details.setObjectName("crashDetails")
        self.details.setReadOnly(True)
        self.details.setPlainText(details)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumSize(560, 220)
        details_label.setBuddy(self.details)
        layout.addWidget(self.details, 1)

        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("&Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        if not previous_run:
            self.quit_button = QPushButton("&Quit reviewtool")
            self.quit_button.clicked.connect(self._quit)
            buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.close_button = QPushButton("C&ontinue" if not previous_run else "&Close")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout.addWidget(buttons)
        self.close_button.setFocus()

    def append(self, details: str) -> None:
        self.details.appendPlainText("\n" + details)

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText("Copied")

    @Slot()
    def _quit(self) -> None:
        self.quit_requested = True
        self.accept()


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def environment_summary() -> str:
    from PySide6 import __version__ as pyside_version

    return (f"reviewtool {__version__}; Python {platform.python_version()}; PySide6 {pyside_version}; "
            f"{platform.platform()}")


def format_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    return f"{stamp}\n{environment_summary()}\n\n{text}"


class CrashHandler(QObject):
    """Owns the exception hooks; shows one dialog at a time (later errors are added to it)."""

    # Exceptions from other threads come back to the GUI thread through this signal.
    _from_thread = Signal(str)

    def __init__(self, log_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self._dialog: CrashDialog | None = None
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._from_thread.connect(self.show_details)
        self.shown: list[str] = []  # every report shown in this run (tests and the About box read it)

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook

    def handle(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc, tb)
            return
        log.critical("unhandled exception", exc_info=(exc_type, exc, tb))
        details = format_exception(exc_type, exc, tb)
        if QApplication.instance() is None or threading.current_thread() is not threading.main_thread():
            self._previous_hook(exc_type, exc, tb)
            if QApplication.instance() is not None:
                self._from_thread.emit(details)
            return
        self.show_details(details)

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        log.critical("unhandled exception in thread %s", getattr(args.thread, "name", "?"),
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # type: ignore[arg-type]
        if args.exc_value is not None:
            self._from_thread.emit(format_exception(args.exc_type, args.exc_value, args.exc_traceback))

    @Slot(str)
    def show_details(self, details: str) -> None:
        self.shown.append(details)
        if self._dialog is not None:  # an error while the dialog is up: add it, do not stack dialogs
            self._dialog.append(details)
            return
        self._dialog = CrashDialog(details, self.log_path, parent=QApplication.activeWindow())
        try:
            self._dialog.exec()
            if self._dialog.quit_requested:
                log.info("quit chosen in the crash dialog")
                QApplication.exit(1)
        finally:
            self._dialog.deleteLater()
            self._dialog = None


# -- native crashes ------------------------------------------------------------------------------

class NativeCrashRecorder:
    """faulthandler writes to a file for the whole run; a clean exit removes it."""

    def __init__(self, log_dir: Path) -> None:
        self.path = log_dir / NATIVE_CRASH_FILE
        self._file: IO[str] | None = None

    def take_previous(self) -> str | None:
        """The report a crashed previous run left behind (kept beside the log with a time stamp)."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace").strip()
        except FileNotFoundError:
            return None
        body = text.splitlines()[_HEADER_LINES:]
        if not any(line.strip() for line in body):
            # Killed or powered off without a native fault: nothing to report.
            log.info("the previous run did not exit cleanly (no crash report written)")
            self.path.unlink(missing_ok=True)
            return None
        kept = self.path.with_name(f"native-crash-{datetime.now():%Y%m%d-%H%M%S}.log")
        self.path.replace(kept)
        log.warning("the previous run crashed natively; report kept in %s", kept)
        return f"{text}\n\n(kept in {kept})"

    def enable(self) -> None:
        self._file = self.path.open("w", encoding="utf-8")
        self._file.write(f"reviewtool native crash report — {environment_summary()}\n"
                         f"started {datetime.now().astimezone().isoformat(timespec='seconds')}\n")
        self._file.flush()
        faulthandler.enable(self._file, all_threads=True)

    def disable(self) -> None:
        """A clean exit: no crash to report next time."""
        if self._file is None:
            return
        faulthandler.disable()
        self._file.close()
        self._file = None
        self.path.unlink(missing_ok=True)
