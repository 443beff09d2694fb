"""The one background-task helper: work off the GUI thread, answers back on it.

Long work lives in the core as a plain callable or as a `Job` (a generator yielding `Progress` and
returning its result).  This module runs either on a `QThreadPool` and hands the outcome back on the
GUI thread, as Picard's `run_task` does: the worker never touches a widget; it emits a signal on a
relay object that lives in the GUI thread, and the relay's *method* (not a lambda) calls your
`on_done(result)` or `on_error(exc)` there.

    run_task(self, lambda: service.verify(actor), self._verified)
    run_job(self, lambda: service.ingest(actor, paths), "Ingesting footage", self._ingested)

`run_job` shows a progress dialog only if the job is still running after ~600 ms (Anki), so quick
jobs never flash a window.  Cancel sets a flag that the worker checks between `Progress` yields; it
then closes the generator, so the job's `finally`/`with` blocks run and an open transaction rolls
back.  A job that finishes before it sees the flag reports its result: it really did finish.

Errors are never swallowed: without an `on_error`, a `ReviewtoolError` is shown calmly with its own
message and anything else goes to `sys.excepthook` (the crash dialog) with its traceback.

Tests switch to synchronous mode (`with synchronous(): ...`, like Picard's synchronous pool): work
runs in the calling thread and the callbacks are called before `run_task`/`run_job` return.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import sys
import threading
import time
from typing import Any, Callable, Iterator

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton, QWidget

from reviewtool.core.errors import ReviewtoolError
from reviewtool.progress import Job, Progress

log = logging.getLogger(__name__)

PROGRESS_DELAY_MS = 600
# The worker forwards progress at most this often; the dialog cannot show more and the event queue
# must not fill with thousands of updates from a fast job.
PROGRESS_INTERVAL_S = 0.1
_DIALOG_STEPS = 1000

Callback = Callable[[Any], None]

_synchronous = False
_pool: QThreadPool | None = None
_relay: "_Relay | None" = None
_active: set["TaskHandle"] = set()
_active_lock = threading.Lock()


class TaskHandle:
    """One running piece of work; `cancel()` is safe from the GUI thread at any time."""

    def __init__(self, parent: QWidget | None, title: str, on_done: Callback | None,
                 on_error: Callback | None, on_cancelled: Callable[[], None] | None, cancellable: bool) -> None:
        self.title = title
        self._parent = parent
        self._on_done = on_done
        self._on_error = on_error
        self._on_cancelled = on_cancelled
        self.cancellable = cancellable
        self._cancel = threading.Event()
        self.finished = False
        self.outcome: str | None = None  # "done", "error" or "cancelled" once finished
        self.last_progress: Progress | None = None
        self.dialog: QProgressDialog | None = None
        self._timer: QTimer | None = None

    # -- called from any thread ------------------------------------------------------------------
    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        if self.cancellable and not self.finished:
            log.info("cancel requested: %s", self.title)
            self._cancel.set()
            if self.dialog is not None and shiboken6.isValid(self.dialog):
                self.dialog.stopping()

    # -- GUI thread only -------------------------------------------------------------------------
    def _parent_alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _start_dialog_timer(self) -> None:
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(PROGRESS_DELAY_MS)
        self._timer.timeout.connect(_relay_instance().show_dialog_for_pending)
        _relay_instance().pending_dialogs[self._timer] = self
        self._timer.start()

    def show_dialog(self) -> None:
        if self.finished or not self._parent_alive():
            return
        dialog = JobProgressDialog(self, self._parent)
        self.dialog = dialog
        if self.last_progress is not None:
            dialog.show_progress(self.last_progress)
        dialog.show()

    def arrive(self, kind: str, payload: Any) -> None:
        if kind == "progress":
            self.last_progress = payload
            if self.dialog is not None and shiboken6.isValid(self.dialog) and not self.cancel_requested:
                self.dialog.show_progress(payload)
            return
        self._finish(kind, payload)

    def _finish(self, kind: str, payload: Any) -> None:
        self.finished = True
        self.outcome = kind
        with _active_lock:
            _active.discard(self)
        if self._timer is not None:
            self._timer.stop()
            _relay_instance().pending_dialogs.pop(self._timer, None)
            self._timer = None
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.finish()
        self.dialog = None
        if not self._parent_alive():
            # The window that asked is gone; its callbacks would touch deleted widgets.
            if kind == "error":
                log.error("%s failed after its window closed", self.title, exc_info=payload)
            return
        if kind == "done":
            if self._on_done is not None:
                self._on_done(payload)
        elif kind == "cancelled":
            log.info("cancelled: %s", self.title)
            if self._on_cancelled is not None:
                self._on_cancelled()
        else:
            if self._on_error is not None:
                self._on_error(payload)
            else:
                report_error(self._parent, payload, self.title)


class JobProgressDialog(QProgressDialog):
    """The delayed progress dialog of one job; Esc and the close button mean Cancel (if allowed)."""

    def __init__(self, handle: TaskHandle, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._handle = handle
        self.setWindowTitle(handle.title)
        self.setLabelText(f"{handle.title}…")
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(0)
        self.setRange(0, 0)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        self._cancel_button: QPushButton | None = None
        if handle.cancellable:
            self._cancel_button = QPushButton("&Cancel", self)
            self.setCancelButton(self._cancel_button)
        else:
            self.setCancelButton(None)
        self.canceled.disconnect()
        self.canceled.connect(self._cancel_requested)
        self._done = False

    @Slot()
    def _cancel_requested(self) -> None:
        self._handle.cancel()

    def stopping(self) -> None:
        self.setLabelText("Stopping after the current step…")
        if self._cancel_button is not None:
            self._cancel_button.setEnabled(False)

    def show_progress(self, progress: Progress) -> None:
        if progress.message:
            self.setLabelText(progress.message)
        fraction = progress.fraction
        if fraction is None:
            self.setRange(0, 0)
        else:
            self.setRange(0, _DIALOG_STEPS)
            self.setValue(int(fraction * _DIALOG_STEPS))

    @property
    def finished(self) -> bool:
        return self._done

    def finish(self) -> None:
        self._done = True
        self.hide()
        self.deleteLater()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._done:
            event.accept()
            return
        event.ignore()
        self._handle.cancel()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self._handle.cancel()
            event.accept()
            return
        super().keyPressEvent(event)


class _Relay(QObject):
    """Lives in the GUI thread; workers emit `delivered`, which Qt queues to `_deliver` there."""

    delivered = Signal(object, str, object)

    def __init__(self) -> None:
        super().__init__()
        self.pending_dialogs: dict[QTimer, TaskHandle] = {}
        self.delivered.connect(self._deliver)

    @Slot(object, str, object)
    def _deliver(self, handle: TaskHandle, kind: str, payload: Any) -> None:
        handle.arrive(kind, payload)

    @Slot()
    def show_dialog_for_pending(self) -> None:
        timer = self.sender()
        handle = self.pending_dialogs.pop(timer, None)  # type: ignore[arg-type]
        if handle is not None:
            handle._timer = None
            handle.show_dialog()


def _relay_instance() -> _Relay:
    global _relay
    if _relay is None or not shiboken6.isValid(_relay):
        _relay = _Relay()
    return _relay


def thread_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(max(2, min(4, QThreadPool.globalInstance().maxThreadCount())))
    return _pool


# -- the work, run in a pool thread (or inline in synchronous mode) ------------------------------

def _emit(handle: TaskHandle, kind: str, payload: Any) -> None:
    if _synchronous:
        handle.arrive(kind, payload)
    else:
        _relay_instance().delivered.emit(handle, kind, payload)


def _run_callable(handle: TaskHandle, fn: Callable[[], Any]) -> None:
    try:
        result = fn()
    except BaseException as exc:  # everything reaches the GUI thread; nothing dies silently here
        _log_failure(handle, exc)
        _emit(handle, "error", exc)
        return
    _emit(handle, "done", result)


def _run_job(handle: TaskHandle, job_factory: Callable[[], Job]) -> None:
    job: Job | None = None
    try:
        job = job_factory()
        if not inspect.isgenerator(job):
            raise TypeError(f"{handle.title}: job_factory must return a generator, not {type(job).__name__}")
        last_sent = 0.0
        while True:
            if handle.cancel_requested:
                job.close()  # GeneratorExit inside the job: its finally blocks and rollbacks run
                _emit(handle, "cancelled", None)
                return
            try:
                progress = next(job)
            except StopIteration as stop:
                _emit(handle, "done", stop.value)
                return
            now = time.monotonic()
            if now - last_sent >= PROGRESS_INTERVAL_S:
                last_sent = now
                _emit(handle, "progress", progress)
    except BaseException as exc:
        _log_failure(handle, exc)
        _emit(handle, "error", exc)


def _log_failure(handle: TaskHandle, exc: BaseException) -> None:
    if isinstance(exc, ReviewtoolError):
        log.info("%s: %s", handle.title, exc)
    else:
        log.error("%s failed", handle.title, exc_info=exc)


def _start(handle: TaskHandle, work: Callable[[], None]) -> TaskHandle:
    with _active_lock:
        _active.add(handle)
    if _synchronous:
        work()
    else:
        _relay_instance()  # created here, in the GUI thread, before any worker can emit
        thread_pool().start(work)
    return handle


# -- public API ----------------------------------------------------------------------------------

def run_task(parent: QWidget | None, fn: Callable[[], Any], on_done: Callback | None = None,
             on_error: Callback | None = None, title: str = "Working") -> TaskHandle:
    """Run `fn()` off the GUI thread; `on_done(result)` or `on_error(exc)` run on the GUI thread.

    No dialog is shown: use this for short reads that must not block painting."""
    handle = TaskHandle(parent, title, on_done, on_error, None, cancellable=False)
    return _start(handle, functools.partial(_run_callable, handle, fn))


def run_job(parent: QWidget | None, job_factory: Callable[[], Job], title: str,
            on_done: Callback | None = None, on_error: Callback | None = None, cancellable: bool = True,
            on_cancelled: Callable[[], None] | None = None) -> TaskHandle:
    """Run a core Job off the GUI thread with a progress dialog that appears after ~600 ms.

    `job_factory()` is called in the worker thread and must return the generator."""
    handle = TaskHandle(parent, title, on_done, on_error, on_cancelled, cancellable)
    if not _synchronous:
        handle._start_dialog_timer()
    return _start(handle, functools.partial(_run_job, handle, job_factory))


def report_error(parent: QWidget | None, exc: BaseException, title: str = "reviewtool") -> None:
    """The default `on_error`: people's errors calmly, programming errors to the crash dialog."""
    if isinstance(exc, ReviewtoolError):
        box = QMessageBox(QMessageBox.Icon.Warning, title, str(exc), QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("taskErrorBox")
        box.setInformativeText("Nothing was changed by the step that failed.")
        box.exec()
        return
    sys.excepthook(type(exc), exc, exc.__traceback__)


def set_synchronous(on: bool) -> None:
    """Tests: run every task inline, callbacks before the call returns (Picard's synchronous pool)."""
    global _synchronous
    _synchronous = on


def is_synchronous() -> bool:
    return _synchronous


@contextlib.contextmanager
def synchronous() -> Iterator[None]:
    previous = _synchronous
    set_synchronous(True)
    try:
        yield
    finally:
        set_synchronous(previous)


def active_tasks() -> list[TaskHandle]:
    with _active_lock:
        return list(_active)


def shutdown(timeout_ms: int = 5000) -> bool:
    """Ask every running job to stop and wait for the pool; True if all threads finished in time."""
    for handle in active_tasks():
        if handle.cancellable:
            handle._cancel.set()
    if _pool is None:
        return True
    return _pool.waitForDone(timeout_ms)
