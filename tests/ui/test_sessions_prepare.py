"""Preparing a meeting in the GUI: readiness, removing an item with a reason, attendance with the
confidentiality agreement, the quorum, and starting (with its confirmation)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from reviewtool.core.db import Database
from reviewtool.core.errors import ValidationError
from reviewtool.core.sessions import SessionService
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.area import SessionsArea
from reviewtool.ui.sessions.session_page import SessionPage

from support.sessions_screens import LIAISON, answer_next_box, cached_meeting_db, copy_meeting_db

pytestmark = [pytest.mark.gui, pytest.mark.media]


@pytest.fixture
def meeting(tmp_path_factory, tmp_path):
    template = cached_meeting_db(tmp_path_factory)
    copy = copy_meeting_db(template, tmp_path / "db")
    db = Database.open(copy.url)
    with tasks.synchronous():
        yield copy, db
    db.dispose()


def page_for(qtbot, db, session_id) -> SessionPage:
    page = SessionPage(AppContext(db=db, actor=LIAISON))
    qtbot.addWidget(page)
    page.show_session(session_id)
    page.show()
    return page


def tick(box) -> None:
    box.click()


def attend_everyone(page: SessionPage) -> None:
    for present, agreed in page.attendance.checks.values():
        if not present.isChecked():
            tick(present)
        if not agreed.isChecked():
            tick(agreed)


def draft_row(page: SessionPage, draft_clip: str) -> int:
    table = page.agenda.table
    return next(r for r in range(table.rowCount()) if table.item(r, 4).text() == draft_clip)


def test_session_cannot_start_while_a_clip_is_not_approved(qtbot, meeting):
    copy, db = meeting
    page = page_for(qtbot, db, copy.session_id)
    attend_everyone(page)
    assert "Quorum met" in page.attendance.quorum_state.text()
    assert not page.start_button.isEnabled()
    assert "not approved" in page.readiness_banner.label.text()
    assert copy.draft_clip in page.start_button.toolTip()
    row = draft_row(page, copy.draft_clip)
    assert page.agenda.table.item(row, 5).text() == "Draft"
    assert page.agenda.table.item(row, 5).toolTip() == "Not approved (draft)"
    # stops without footage are findings, listed but not blocking
    assert page.findings_banner.isVisible() and page.findings_banner.label.text().count("no footage") == 2
    with pytest.raises(ValidationError, match="not approved"):
        SessionService(db).start(LIAISON, copy.session_id)


def test_remove_item_with_a_reason_then_start(qtbot, meeting):
    copy, db = meeting
    page = page_for(qtbot, db, copy.session_id)
    attend_everyone(page)
    row = draft_row(page, copy.draft_clip)
    page.agenda.table.selectRow(row)
    assert page.agenda.remove_button.isEnabled()
    answer_next_box(qtbot, "Remove the item", typed="Redactions could not be finished before the meeting")
    page.agenda.remove_button.click()

    view = SessionService(db).get(LIAISON, copy.session_id)
    removed = [it for it in view.items if it.status == "removed"]
    assert [it.footage.file_name for it in removed] == [copy.draft_clip]
    assert removed[0].removed_reason == "Redactions could not be finished before the meeting"
    assert "Removed: Redactions could not be finished" in page.agenda.table.item(row, 6).text()
    assert page.start_button.isEnabled()
    assert "Ready to start" in page.readiness_banner.label.text()

    opened: list[int] = []
    page.openMeeting.connect(opened.append)
    asked = answer_next_box(qtbot, "Start the meeting")
    page.start_button.click()
    assert asked and "3 members present" in asked[0]
    assert SessionService(db).get(LIAISON, copy.session_id).status == "running"
    assert opened == [copy.session_id]
    assert page.open_button.isVisible() and page.close_button.isVisible()
    assert not page.start_button.isVisible()


def test_cancelling_the_reason_removes_nothing(qtbot, meeting):
    copy, db = meeting
    page = page_for(qtbot, db, copy.session_id)
    page.agenda.table.selectRow(draft_row(page, copy.draft_clip))
    answer_next_box(qtbot, "Cancel", typed="changed my mind")
    page.agenda.remove_button.click()
    assert all(it.status != "removed" for it in SessionService(db).get(LIAISON, copy.session_id).items)


def test_attendance_confidentiality_and_quorum_are_recorded(qtbot, meeting):
    copy, db = meeting
    page = page_for(qtbot, db, copy.session_id)
    service = SessionService(db)
    (first_id, (present, agreed)), *_ = page.attendance.checks.items()
    assert not agreed.isEnabled()  # only someone present can confirm
    tick(present)
    assert agreed.isEnabled()
    record = {a.member_id: a for a in service.get(LIAISON, copy.session_id).attendance}[first_id]
    assert record.present and record.confidentiality_acknowledged_at is None
    tick(agreed)
    record = {a.member_id: a for a in service.get(LIAISON, copy.session_id).attendance}[first_id]
    assert record.confidentiality_acknowledged_at is not None
    assert "1 of 3" in page.attendance.quorum_state.text()

    page.attendance.quorum.setValue(1)
    assert service.get(LIAISON, copy.session_id).quorum == 1
    assert "Quorum met" in page.attendance.quorum_state.text()
    assert service.readiness(LIAISON, copy.session_id).quorum_met

    tick(present)  # leaves the room: the confirmation goes with them
    record = {a.member_id: a for a in service.get(LIAISON, copy.session_id).attendance}[first_id]
    assert not record.present and record.confidentiality_acknowledged_at is None
    assert not agreed.isChecked() and not agreed.isEnabled()
    assert "0 of 1" in page.attendance.quorum_state.text()


def test_area_lists_sessions_and_shows_the_chosen_one(qtbot, meeting):
    copy, db = meeting
    area = SessionsArea(AppContext(db=db, actor=LIAISON))
    qtbot.addWidget(area)
    assert area.list.count() == 1
    assert area.current_session_id() == copy.session_id
    assert area.page.title.text().startswith("Community Monitoring Group")
    assert "Planned" in area.list.item(0).text()
    assert area.list.item(0).data(Qt.ItemDataRole.UserRole) == copy.session_id
