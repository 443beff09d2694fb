"""SessionService on SQLite and PostgreSQL: the agenda as the panel sees it, readiness, attendance,
the session's lifecycle, panel members, who may do what; and the `session` commands."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import select

from reviewtool.cli import main
from reviewtool.core import audit
from reviewtool.core.auth import Actor
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import NotFound, PermissionDenied, ValidationError
from reviewtool.core.models import AuditEvent, Footage, RedactionSetRecord, User
from reviewtool.core.sessions import ItemView, SessionActions, SessionService, SessionView, StopSummary
from support.scoring_driver import LIAISON, make_meeting

SUBJECT_FIELDS = {"gender", "age_range", "self_defined_ethnicity", "self_defined_ethnicity_group",
                  "officer_defined_ethnicity", "latitude", "longitude", "officer", "officer_id"}


def _attend_all(sessions: SessionService, meeting, acknowledged: bool = True) -> None:
    for member_id in meeting.member_ids:
        sessions.record_attendance(LIAISON, meeting.session_id, member_id, True, acknowledged)


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_view_shows_the_stop_as_the_panel_needs_it_and_nothing_about_the_person(db):
    meeting = make_meeting(db, items=3, no_footage=(2,))
    with db.session() as s:  # the second clip's redactions are still a draft
        s.scalar(select(RedactionSetRecord).where(RedactionSetRecord.footage_id == meeting.footage_ids[1])).state = "draft"
    view = SessionService(db).get(LIAISON, meeting.session_id)
    assert [it.position for it in view.items] == [1, 2, 3]
    assert (view.rubric_key, view.rubric_version, view.status, view.quorum) == ("default", 1, "planned", 3)
    first = view.items[0]
    assert first.stop.reference == "R001"
    # 22:30 UTC on 1 June is 23:30 in London (BST).
    assert (first.stop.local_date, first.stop.local_time) == (date(2024, 6, 1), "23:30")
    assert first.stop.legislation.startswith("Misuse of Drugs") and first.stop.grounds == "Smell of cannabis (R001)"
    assert (first.footage.file_name, first.footage.duration_s) == ("R001.mp4", 30.0)
    assert [it.redaction for it in view.items] == ["approved", "draft", "none"]
    assert [it.no_footage for it in view.items] == [False, False, True]
    assert view.items[2].footage is None
    # No view type has a field for the person searched or the officer, and no value leaks through.
    for cls in (SessionView, ItemView, StopSummary):
        assert not SUBJECT_FIELDS & {f.name for f in dataclasses.fields(cls)}
    assert "SECRET" not in repr(view) and "Female" not in repr(view) and "53.38" not in repr(view)


def test_readiness_blocks_on_redactions_and_quorum_and_lists_missing_footage(db):
    meeting = make_meeting(db, items=4, no_footage=(3,), redactions=None)
    sessions = SessionService(db)
    with db.session() as s:
        s.add(RedactionSetRecord(footage_id=meeting.footage_ids[0], state="approved", document={}, updated_by="t"))
        s.add(RedactionSetRecord(footage_id=meeting.footage_ids[1], state="draft", document={}, updated_by="t"))
    ready = sessions.readiness(LIAISON, meeting.session_id)
    assert [(p.reference, p.kind) for p in ready.blocking] == [("R002", "redactions_draft"),
                                                               ("R003", "redactions_missing")]
    assert [(p.reference, p.kind) for p in ready.findings] == [("R004", "no_footage")]
    assert (ready.quorum, ready.quorum_present, ready.quorum_met, ready.can_start) == (3, 0, False, False)

    # Present without the confidentiality acknowledgement does not count; absent never does.
    sessions.record_attendance(LIAISON, meeting.session_id, meeting.member_ids[0], True, False)
    sessions.record_attendance(LIAISON, meeting.session_id, meeting.member_ids[1], False, False)
    sessions.record_attendance(LIAISON, meeting.session_id, meeting.member_ids[2], True, True)
    assert sessions.readiness(LIAISON, meeting.session_id).quorum_present == 1
    with pytest.raises(ValidationError) as refused:
        sessions.start(LIAISON, meeting.session_id)
    message = str(refused.value)
    assert "cannot start" in message and "R002" in message and "R003" in message and "quorum" in message

    # A purged clip blocks too, even with approved redactions.
    with db.session() as s:
        s.get(Footage, meeting.footage_ids[0]).purged_at = utcnow()
    assert "footage_purged" in {p.kind for p in sessions.readiness(LIAISON, meeting.session_id).blocking}


def test_start_when_ready_then_close(db):
    meeting = make_meeting(db, items=2, no_footage=(1,))
    sessions = SessionService(db)
    _attend_all(sessions, meeting)
    ready = sessions.readiness(LIAISON, meeting.session_id)
    assert ready.can_start and ready.findings  # missing footage is a finding, not a blocker
    sessions.start(LIAISON, meeting.session_id)
    assert sessions.get(LIAISON, meeting.session_id).status == "running"
    with pytest.raises(ValidationError, match="running"):
        sessions.start(LIAISON, meeting.session_id)
    sessions.mark_shown(LIAISON, meeting.item_ids[0])
    sessions.mark_shown(LIAISON, meeting.item_ids[0])  # repeating is harmless
    assert sessions.get(LIAISON, meeting.session_id).items[0].status == "shown"
    sessions.close(LIAISON, meeting.session_id)
    assert sessions.get(LIAISON, meeting.session_id).status == "closed"
    with pytest.raises(ValidationError, match="closed"):
        sessions.record_attendance(LIAISON, meeting.session_id, meeting.member_ids[0], False, False)
    changes = [e.details["change"] for e in _events(db, SessionActions.SESSION_CHANGE)]
    assert changes == ["start", "shown", "close"]


def test_remove_item_needs_a_reason_and_keeps_the_item(db):
    meeting = make_meeting(db, items=3, redactions=None)
    sessions = SessionService(db)
    with pytest.raises(ValidationError, match="reason"):
        sessions.remove_item(LIAISON, meeting.item_ids[1], "   ")
    sessions.remove_item(LIAISON, meeting.item_ids[1], "Clip shows a child throughout")
    view = sessions.get(LIAISON, meeting.session_id)
    removed = view.item(meeting.item_ids[1])
    assert (removed.status, removed.removed_reason) == ("removed", "Clip shows a child throughout")
    assert len(view.items) == 3 and len(view.active_items) == 2
    # A removed item no longer blocks the start.
    assert {p.reference for p in sessions.readiness(LIAISON, meeting.session_id).blocking} == {"R001", "R003"}
    with pytest.raises(ValidationError, match="already removed"):
        sessions.remove_item(LIAISON, meeting.item_ids[1], "again")
    event = _events(db, SessionActions.SESSION_CHANGE)[-1]
    assert (event.reason, event.details["change"], event.details["reference"]) == (
        "Clip shows a child throughout", "remove", "R002")
    summary = sessions.list_sessions(LIAISON)[0]
    assert (summary.items, summary.removed) == (2, 1)
    for item_id in (meeting.item_ids[0], meeting.item_ids[2]):
        sessions.remove_item(LIAISON, item_id, "clip unusable")
    _attend_all(sessions, meeting)
    ready = sessions.readiness(LIAISON, meeting.session_id)
    assert ready.active_items == 0 and not ready.can_start
    with pytest.raises(ValidationError, match="no items to review"):
        sessions.start(LIAISON, meeting.session_id)


def test_attendance_stores_the_acknowledgement_time(db):
    meeting = make_meeting(db, items=1)
    sessions = SessionService(db)
    member = meeting.member_ids[0]
    with pytest.raises(ValidationError, match="present"):
        sessions.record_attendance(LIAISON, meeting.session_id, member, False, True)
    first = sessions.record_attendance(LIAISON, meeting.session_id, member, True, True)
    assert first.confidentiality_acknowledged_at is not None and first.counts_for_quorum
    again = sessions.record_attendance(LIAISON, meeting.session_id, member, True, True)
    assert again.confidentiality_acknowledged_at == first.confidentiality_acknowledged_at
    withdrawn = sessions.record_attendance(LIAISON, meeting.session_id, member, True, False)
    assert withdrawn.confidentiality_acknowledged_at is None and not withdrawn.counts_for_quorum
    view = sessions.get(LIAISON, meeting.session_id)
    assert [(a.name, a.present) for a in view.attendance] == [("Amira Haddad", True)]
    details = [e.details for e in _events(db, SessionActions.ATTENDANCE)]
    assert [d["confidentiality_acknowledged"] for d in details] == [True, True, False]
    with pytest.raises(NotFound):
        sessions.record_attendance(LIAISON, meeting.session_id, 9999, True, True)


def test_quorum(db):
    meeting = make_meeting(db, items=1, members=2)
    sessions = SessionService(db)
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ValidationError, match="quorum"):
            sessions.set_quorum(LIAISON, meeting.session_id, bad)
    sessions.set_quorum(LIAISON, meeting.session_id, 2)
    _attend_all(sessions, meeting)
    assert sessions.readiness(LIAISON, meeting.session_id).quorum_met
    sessions.set_quorum(LIAISON, meeting.session_id, 3)
    assert not sessions.readiness(LIAISON, meeting.session_id).quorum_met


def test_panel_members(db):
    meeting = make_meeting(db, items=1, members=2)
    sessions = SessionService(db)
    with db.session() as s:
        user = User(username="newpanel", display_name="New", role="panel", password_hash="-")
        supervisor = User(username="sup", display_name="Sup", role="supervisor", password_hash="-")
        s.add_all([user, supervisor])
        s.flush()
        user_id, supervisor_id = user.id, supervisor.id
    added = sessions.add_panel_member(LIAISON, "  Femi Adebayo ", "fa", user_id=user_id)
    assert (added.name, added.initials, added.username) == ("Femi Adebayo", "FA", "newpanel")
    for name, initials, uid, field in (("", "XX", None, "name"), ("Someone", "", None, "initials"),
                                       ("amira haddad", "ZZ", None, "name"), ("Someone", "ah", None, "initials"),
                                       ("Someone", "SO", supervisor_id, "user"), ("Someone", "SO", user_id, "user")):
        with pytest.raises(ValidationError, match=field):
            sessions.add_panel_member(LIAISON, name, initials, user_id=uid)
    assert [m.name for m in sessions.list_panel_members(LIAISON)] == ["Amira Haddad", "Femi Adebayo",
                                                                      "Tomasz Kowalski"]
    assert sessions.find_panel_member(LIAISON, "tk").id == meeting.member_ids[1]
    assert sessions.find_panel_member(LIAISON, "AMIRA HADDAD").id == meeting.member_ids[0]
    with pytest.raises(NotFound):
        sessions.find_panel_member(LIAISON, "nobody")
    assert _events(db, SessionActions.PANEL_MEMBER)[-1].details["user"] == "newpanel"


def test_panel_member_sees_only_sessions_they_take_part_in(db):
    meeting = make_meeting(db, items=2)
    sessions = SessionService(db)
    amira, tomasz = meeting.panel[0], meeting.panel[1]
    assert sessions.list_sessions(amira) == []
    with pytest.raises(PermissionDenied):
        sessions.get(amira, meeting.session_id)
    sessions.record_attendance(LIAISON, meeting.session_id, meeting.member_ids[0], True, False)
    with pytest.raises(PermissionDenied, match="confidentiality"):
        sessions.get(amira, meeting.session_id)
    sessions.record_attendance(LIAISON, meeting.session_id, meeting.member_ids[0], True, True)
    view = sessions.get(amira, meeting.session_id)
    assert view.viewer_member_id == meeting.member_ids[0] and len(view.items) == 2
    assert [s.name for s in sessions.list_sessions(amira)] == ["March panel"]
    with pytest.raises(PermissionDenied):
        sessions.get(tomasz, meeting.session_id)
    supervisor = Actor("sup", "supervisor")
    for call in (lambda: sessions.list_sessions(supervisor), lambda: sessions.get(supervisor, meeting.session_id)):
        with pytest.raises(PermissionDenied):
            call()
    # Planning and running are the facilitator's alone.
    for call in (lambda: sessions.readiness(amira, meeting.session_id),
                 lambda: sessions.start(amira, meeting.session_id),
                 lambda: sessions.close(amira, meeting.session_id),
                 lambda: sessions.remove_item(amira, meeting.item_ids[0], "not for me"),
                 lambda: sessions.mark_shown(amira, meeting.item_ids[0]),
                 lambda: sessions.set_quorum(amira, meeting.session_id, 1),
                 lambda: sessions.record_attendance(amira, meeting.session_id, meeting.member_ids[1], True, True),
                 lambda: sessions.list_panel_members(amira),
                 lambda: sessions.add_panel_member(amira, "X Y", "XY")):
        with pytest.raises(PermissionDenied):
            call()


def test_every_change_is_in_a_sound_audit_chain(db):
    meeting = make_meeting(db, items=2)
    sessions = SessionService(db)
    _attend_all(sessions, meeting)
    sessions.set_quorum(LIAISON, meeting.session_id, 4)
    sessions.remove_item(LIAISON, meeting.item_ids[1], "duplicate of another stop")
    sessions.start(LIAISON, meeting.session_id)
    sessions.close(LIAISON, meeting.session_id)
    with db.read() as s:
        check = audit.verify_chain(s)
    assert check.ok and check.events == 4 + 4


def test_session_commands(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database.open(url)
    meeting = make_meeting(db, items=3, no_footage=(2,))
    db.dispose()

    def run(*args: str) -> int:
        return main(["--db", url, *args])

    assert run("session", "list") == 0
    assert "March panel: planned, 3 items, quorum 3" in capsys.readouterr().out
    assert run("session", "show", "March panel") == 0
    out = capsys.readouterr().out
    assert "R001" in out and "NO FOOTAGE" in out and "finding: item 3 (R003): no footage" in out
    assert "not ready" in out and "quorum not met: 0 of 3" in out
    assert run("session", "attend", "March panel", "--member", "AH", "--confidentiality-acknowledged") == 0
    assert "Amira Haddad: present, confidentiality acknowledged; quorum 1 of 3" in capsys.readouterr().out
    assert run("session", "attend", "March panel", "--member", "Tomasz Kowalski") == 0
    assert "does not count for the quorum" in capsys.readouterr().out
    assert run("session", "attend", "March panel", "--member", "Nobody") == 1
    assert "no active panel member is called 'Nobody'" in capsys.readouterr().err
    assert run("session", "start", "March panel") == 1
    assert "cannot start" in capsys.readouterr().err
    for who in ("TK", "GO"):
        assert run("session", "attend", "March panel", "--member", who, "--confidentiality-acknowledged") == 0
    assert run("session", "remove-item", "March panel", "R002", "--reason", "wrong stop linked") == 0
    assert run("session", "start", "March panel") == 0
    assert run("session", "show", "Nope") == 1
    capsys.readouterr()
    assert run("session", "show", "March panel") == 0
    out = capsys.readouterr().out
    assert "running" in out and "[removed] — wrong stop linked" in out
    assert meeting.session_name == "March panel"
