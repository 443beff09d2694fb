"""The Reports area offscreen: a supervisor takes one officer's feedback from draft to response."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QMessageBox, QPushButton, QWidget

from reviewtool.core.auth import Actor
from reviewtool.core.db import Database
from reviewtool.core.feedback import FeedbackService
from reviewtool.ui.context import AppContext
from reviewtool.ui.reports_area import ReportsArea
from support.feedback_data import template_database


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return template_database(tmp_path_factory.mktemp("reports-ui"))


@pytest.fixture
def env(template, tmp_path):
    path, world = template
    copy = tmp_path / "ui.db"
    shutil.copyfile(path, copy)
    database = Database.open(f"sqlite:///{copy}")
    yield database, world
    database.dispose()


def listed(area: ReportsArea) -> list[str]:
    return [row.identifier for row in area.officers.model.rows()]


def test_supervisor_takes_feedback_from_draft_to_response(qtbot, env, sync_tasks):
    db, world = env
    area = ReportsArea(AppContext(db=db, actor=world.supervisor))
    qtbot.addWidget(area)
    detail = area.detail
    opened = []
    detail.pdf_opener = opened.append
    assert listed(area) == world.officers[:-1]  # only the officers this supervisor supervises
    officer = world.officers[0]
    assert area.select_officer(officer)
    assert detail.generate_button.isEnabled() and not detail.approve_button.isEnabled()

    detail.generate_button.click()
    assert detail.report is not None and detail.report.status == "draft"
    assert world.references[0] in detail.preview.toPlainText()
    assert "Panel member 1" in detail.preview.toPlainText()
    detail.note.setPlainText("Discussed with the officer; camera on earlier from now on.")
    detail.approve_button.click()  # unsaved words: approval waits for them
    assert "Save your changes first" in detail.message.text()
    first_id = detail.report.report_id
    detail.save_button.click()
    assert detail.report.supervisor_note.startswith("Discussed") and detail.report.report_id != first_id

    detail.open_button.click()
    [url] = opened
    pdf = detail.opened_files[0]
    assert url.toLocalFile() == str(pdf) and pdf.read_bytes().startswith(b"%PDF")

    detail.approve_button.click()
    box = area.findChild(QMessageBox, "approveConfirm")
    assert box is not None and box.isVisible() and "final" in box.informativeText()
    box.findChild(QPushButton, "approveButton").click()
    assert detail.report.status == "approved"
    final_hash = detail.report.pdf_sha256
    assert not detail.save_button.isEnabled() and not detail.approve_button.isEnabled()
    assert "final" in detail.preview.toPlainText()

    detail.sent_button.click()
    dialog = area.findChild(QDialogButtonBox, "buttons").parent()
    assert dialog.objectName() == "sentDialog"
    dialog.accept()
    assert detail.report.status == "sent"
    detail.ack_button.click()
    dialog = detail._dialog
    assert dialog.objectName() == "ackDialog"
    dialog.accept()
    assert detail.report.status == "acknowledged"
    detail.response_button.click()
    dialog = detail._dialog
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()  # empty: refused in the dialog
    assert dialog.isVisible() and dialog.problem.text()
    dialog.text.setPlainText("Thank you; I start the camera before approaching now.")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert detail.report.officer_response.startswith("Thank you")
    assert detail.report.pdf_sha256 == final_hash
    assert officer not in listed(area)  # nothing left to do for this officer

    stored = FeedbackService(db).get_report(world.supervisor, detail.report.id)
    assert (stored.status, stored.pdf_sha256) == ("acknowledged", final_hash)
    area.shutdown()
    assert not pdf.exists()


def test_liaison_sees_everyone_drafts_in_batch_but_cannot_approve(qtbot, env, sync_tasks):
    db, world = env
    area = ReportsArea(AppContext(db=db, actor=Actor("liaison", "liaison")))
    qtbot.addWidget(area)
    assert sorted(listed(area)) == sorted(world.officers)
    area.batch_button.click()
    assert area.last_batch is not None and len(area.last_batch.generated) == len(world.officers)
    assert area.batch_result.text() == f"{len(world.officers)} draft reports made."
    assert area.select_officer(world.officers[1])
    detail = area.detail
    assert detail.report is not None and detail.report.status == "draft"
    assert not detail.approve_button.isEnabled() and "supervisor" in detail.approve_button.toolTip()
    assert not detail.save_button.isEnabled() and detail.open_button.isEnabled()
    assert all(row.open_report is not None for row in area.officers.model.rows())


def test_batch_runs_off_the_gui_thread(qtbot, env):
    db, world = env
    area = ReportsArea(AppContext(db=db, actor=world.supervisor))
    qtbot.addWidget(area)
    qtbot.waitUntil(lambda: len(listed(area)) == len(world.officers) - 1, timeout=10_000)
    area.batch_button.click()
    qtbot.waitUntil(lambda: area.last_batch is not None, timeout=30_000)
    assert [r.officer_identifier for r in area.last_batch.generated] == world.officers[:-1]
    qtbot.waitUntil(lambda: all(r.open_report is not None for r in area.officers.model.rows()), timeout=10_000)


def mnemonics(widget: QWidget) -> list[str]:
    """The Alt+letter of every button and label in `widget` that has one."""
    letters = []
    for child in widget.findChildren(QPushButton) + widget.findChildren(QLabel):
        text = child.text().replace("&&", "")
        if "&" in text and child.isVisibleTo(widget):
            letters.append(text[text.index("&") + 1].lower())
    return letters


def test_fits_a_1280_by_720_window_and_every_step_has_a_key(qtbot, env, sync_tasks):
    from reviewtool.ui.main_window import MainWindow

    db, world = env
    window = MainWindow(AppContext(db=db, actor=world.supervisor), display_name="Supervisor")
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    area = window.show_area("reports")
    assert area.select_officer(world.officers[0])
    area.detail.generate_button.click()  # a draft: the longest report choice, facts and fingerprint
    assert area.detail.report is not None and area.detail.report.status == "draft"
    QApplication.processEvents()
    assert window.minimumSizeHint().width() <= 1280 and window.width() == 1280
    assert window.grab().size().toTuple() == (1280, 720)

    header = area.officers.table.horizontalHeader()
    titles = [header.model().headerData(n, Qt.Orientation.Horizontal) for n in range(header.count())]
    shown = [n for n in range(header.count()) if not header.isSectionHidden(n)]
    assert [titles[n] for n in shown] == ["Collar number", "Officer", "Waiting", "Report"]
    for n in shown:  # no heading cut short ("Collar numb…")
        assert header.sectionSize(n) >= header.sectionSizeHint(n), titles[n]
    rows = area.officers.model.rows()
    team = rows[0].team
    assert team and not any(team in r.name or team in r.identifier for r in rows)
    area.officers.search.setText(team)  # the hidden Team column is still searched
    assert area.officers.proxy.rowCount() == sum(r.team == team for r in rows) > 0
    area.officers.search.clear()

    letters = mnemonics(area)
    assert len(letters) == len(set(letters)), letters  # one Alt+letter, one control
    assert not set(letters) & {"f", "g", "h"}  # the menu bar's File, Go and Help
    steps = area.detail.step_buttons
    assert all("&" in b.text() for b in steps)
    assert all(b.focusPolicy() != Qt.FocusPolicy.NoFocus for b in steps)
