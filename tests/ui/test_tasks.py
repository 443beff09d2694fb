"""The background-task helper: results on the GUI thread, the delayed progress dialog, cancellation that
closes the job, errors that always reach someone, and the synchronous mode tests rely on."""

from __future__ import annotations

import sys
import threading

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget

from reviewtool.core.errors import ValidationError
from reviewtool.progress import Progress
from reviewtool.ui import tasks

WAIT_MS = 5000


class Recorder:
    def __init__(self) -> None:
        self.done: list = []
        self.errors: list = []
        self.cancelled = 0
        self.threads: list[str] = []

    def on_done(self, result) -> None:
        self.done.append(result)
        self.threads.append(threading.current_thread().name)

    def on_error(self, exc) -> None:
        self.errors.append(exc)
        self.threads.append(threading.current_thread().name)

    def on_cancelled(self) -> None:
        self.cancelled += 1


@pytest.fixture
def parent(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_callable_result_and_error_arrive_on_the_gui_thread(qtbot, parent):
    rec = Recorder()
    worker_threads: list[str] = []

    def work():
        worker_threads.append(threading.current_thread().name)
        return 42

    tasks.run_task(parent, work, rec.on_done, rec.on_error)
    tasks.run_task(parent, lambda: 1 / 0, rec.on_done, rec.on_error)
    qtbot.waitUntil(lambda: len(rec.threads) == 2, timeout=WAIT_MS)
    assert rec.done == [42]
    assert isinstance(rec.errors[0], ZeroDivisionError) and rec.errors[0].__traceback__ is not None
    assert set(rec.threads) == {threading.main_thread().name}
    assert worker_threads and worker_threads[0] != threading.main_thread().name


def test_quick_job_never_shows_a_dialog(qtbot, parent):
    rec = Recorder()

    def job():
        yield Progress(0, 2, "one")
        yield Progress(1, 2, "two")
        return "finished"

    handle = tasks.run_job(parent, job, "Quick", rec.on_done, rec.on_error)
    qtbot.waitUntil(lambda: handle.finished, timeout=WAIT_MS)
    assert rec.done == ["finished"] and handle.outcome == "done"
    assert handle.dialog is None


def test_slow_job_shows_progress_and_cancel_closes_the_generator(qtbot, parent):
    rec = Recorder()
    release = threading.Event()
    closed = threading.Event()

    def job():
        try:
            n = 0
            while True:
                yield Progress(n, 100, f"step {n}")
                n += 1
                release.wait(0.02)
        finally:
            closed.set()

    handle = tasks.run_job(parent, job, "Slow work", rec.on_done, rec.on_error, on_cancelled=rec.on_cancelled)
    qtbot.waitUntil(lambda: handle.dialog is not None and handle.dialog.isVisible(), timeout=WAIT_MS)
    dialog = handle.dialog
    assert dialog.windowTitle() == "Slow work"
    qtbot.waitUntil(lambda: dialog.labelText().startswith("step"), timeout=WAIT_MS)
    dialog._cancel_button.click()
    qtbot.waitUntil(lambda: handle.finished, timeout=WAIT_MS)
    assert closed.is_set(), "the job's finally block must run (GeneratorExit)"
    assert handle.outcome == "cancelled" and rec.cancelled == 1 and not rec.done and not rec.errors
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()


def test_job_that_is_not_cancellable_has_no_cancel_button(qtbot, parent):
    go = threading.Event()

    def job():
        while not go.wait(0.01):
            yield Progress(0, None, "waiting")
        return 1

    handle = tasks.run_job(parent, job, "Must finish", cancellable=False)
    qtbot.waitUntil(lambda: handle.dialog is not None and handle.dialog.isVisible(), timeout=WAIT_MS)
    assert handle.dialog._cancel_button is None
    handle.cancel()
    assert not handle.cancel_requested
    go.set()
    qtbot.waitUntil(lambda: handle.finished, timeout=WAIT_MS)
    assert handle.outcome == "done"


def test_default_error_handling_is_calm_for_people_and_loud_for_bugs(qtbot, parent, monkeypatch):
    shown: list[str] = []
    hooked: list[BaseException] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    monkeypatch.setattr(sys, "excepthook", lambda t, e, tb: hooked.append(e))

    def refuse():
        raise ValidationError("stops.csv: row 3, Date: not a date")

    with tasks.synchronous():
        tasks.run_task(parent, refuse)
        tasks.run_task(parent, lambda: {}["missing"])
    assert shown == ["stops.csv: row 3, Date: not a date"]
    assert len(hooked) == 1 and isinstance(hooked[0], KeyError)


def test_synchronous_mode_runs_inline(parent):
    rec = Recorder()

    def job():
        yield Progress(1, 1, "")
        return "ok"

    with tasks.synchronous():
        handle = tasks.run_job(parent, job, "Inline", rec.on_done, rec.on_error)
        assert handle.finished and rec.done == ["ok"]
        assert rec.threads == [threading.main_thread().name]
    assert not tasks.is_synchronous()


def test_callbacks_are_dropped_when_the_window_is_gone(qtbot):
    rec = Recorder()
    widget = QWidget()
    gate = threading.Event()
    handle = tasks.run_task(widget, lambda: gate.wait(WAIT_MS / 1000) and "late", rec.on_done, rec.on_error)
    widget.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(widget), timeout=WAIT_MS)
    gate.set()
    qtbot.waitUntil(lambda: handle.finished, timeout=WAIT_MS)
    assert rec.done == [] and rec.errors == []
