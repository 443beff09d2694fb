"""Roles through the services (not the buttons): what a panel member, a supervisor and an
administrator may and may not do in a meeting.  The blind phase is checked on both backends."""

from __future__ import annotations

import pytest

from reviewtool.core.auth import Actor
from reviewtool.core.errors import PermissionDenied, ValidationError
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import SessionService
from support.scoring_driver import LIAISON, running_meeting


def test_a_panel_member_never_sees_another_members_unrevealed_judgement(db):
    meeting = running_meeting(db, items=2, members=3)
    sessions, scoring = SessionService(db), ScoringService(db)
    amira, tomasz = meeting.panel[0], meeting.panel[1]
    item = meeting.item_ids[0]
    scoring.record_answer(tomasz, item, meeting.member_ids[1], "overall", "red", comment="TOMASZ-SECRET-COMMENT")
    scoring.record_answer(tomasz, item, meeting.member_ids[1], "went_well", "TOMASZ-SECRET-TEXT")
    scoring.add_comment(tomasz, item, None, "TOMASZ-SECRET-PIN", media_time=4.0)
    scoring.record_answer(amira, item, meeting.member_ids[0], "overall", "green")

    seen = [scoring.answers_for(amira, item), scoring.comments(amira, item),
            sessions.get(amira, meeting.session_id), sessions.list_sessions(amira)]
    assert [a.member_id for a in seen[0]] == [meeting.member_ids[0]]
    assert seen[1] == []
    assert "TOMASZ" not in repr(seen)
    assert [(a.criterion_id, a.answer) for a in seen[0]] == [("overall", "green")]
    for call in (lambda: scoring.distribution(amira, item), lambda: scoring.agreement(amira, item_id=item),
                 lambda: scoring.agreement(amira, session_id=meeting.session_id)):
        with pytest.raises(ValidationError):
            call()
    # The other item, still blind, stays blind after this one is revealed.
    scoring.record_answer(tomasz, meeting.item_ids[1], meeting.member_ids[1], "respect", "2")
    scoring.reveal(LIAISON, item)
    assert {a.member_id for a in scoring.answers_for(amira, item)} == set(meeting.member_ids[:2])
    assert "TOMASZ-SECRET-PIN" in repr(scoring.comments(amira, item))
    assert scoring.answers_for(amira, meeting.item_ids[1]) == []
    with pytest.raises(ValidationError):
        scoring.distribution(amira, meeting.item_ids[1])


def test_what_a_panel_member_may_not_do(sqlite_db):
    db = sqlite_db
    meeting = running_meeting(db, items=2, members=3)
    sessions, scoring = SessionService(db), ScoringService(db)
    amira = meeting.panel[0]
    item, other = meeting.item_ids[0], meeting.member_ids[1]
    scoring.record_answer(LIAISON, item, other, "respect", "4")
    refused = {
        "enter for another member": lambda: scoring.record_answer(amira, item, other, "respect", "1"),
        "change another member's answer": lambda: scoring.record_answer(amira, item, other, "respect", "1",
                                                                        expected_version=1),
        "comment as another member": lambda: scoring.add_comment(amira, item, other, "as Tomasz"),
        "remove an item": lambda: sessions.remove_item(amira, item, "I disagree with it"),
        "start the session": lambda: sessions.start(amira, meeting.session_id),
        "close the session": lambda: sessions.close(amira, meeting.session_id),
        "reveal": lambda: scoring.reveal(amira, item),
        "reopen": lambda: scoring.reopen(amira, item, "let me change mine"),
        "record the consensus": lambda: scoring.record_consensus(amira, item, "green", "fine"),
        "import scores": lambda: scoring.import_scores_csv(amira, meeting.session_name, "forms.csv"),
        "record attendance": lambda: sessions.record_attendance(amira, meeting.session_id, other, False, False),
        "see readiness": lambda: sessions.readiness(amira, meeting.session_id),
        "manage panel members": lambda: sessions.add_panel_member(amira, "New Person", "NP"),
    }
    for what, call in refused.items():
        with pytest.raises(PermissionDenied):
            call()
            pytest.fail(f"a panel member could {what}")
    scoring.reveal(LIAISON, item)
    with pytest.raises(PermissionDenied):
        scoring.record_consensus(amira, item, "green", "")
    assert [a.answer for a in scoring.answers_for(LIAISON, item)] == ["4"]  # nothing changed


def test_a_member_who_left_loses_access(sqlite_db):
    db = sqlite_db
    meeting = running_meeting(db, items=1, members=3)
    sessions, scoring = SessionService(db), ScoringService(db)
    amira = meeting.panel[0]
    scoring.record_answer(amira, meeting.item_ids[0], meeting.member_ids[0], "respect", "4")
    sessions.record_attendance(LIAISON, meeting.session_id, meeting.member_ids[0], False, False)
    for call in (lambda: sessions.get(amira, meeting.session_id),
                 lambda: scoring.answers_for(amira, meeting.item_ids[0]),
                 lambda: scoring.record_answer(amira, meeting.item_ids[0], meeting.member_ids[0], "respect", "5"),
                 lambda: scoring.add_comment(amira, meeting.item_ids[0], None, "still here?")):
        with pytest.raises(PermissionDenied):
            call()
    # Her answer stays: leaving loses access, never judgement.
    assert [a.answer for a in scoring.answers_for(LIAISON, meeting.item_ids[0])] == ["4"]


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_administrators_take_no_part_in_the_meeting(sqlite_db, role):
    db = sqlite_db
    meeting = running_meeting(db, items=1, members=3)
    sessions, scoring = SessionService(db), ScoringService(db)
    actor = Actor(f"some-{role}", role)
    item = meeting.item_ids[0]
    for call in (lambda: sessions.list_sessions(actor), lambda: sessions.get(actor, meeting.session_id),
                 lambda: scoring.answers_for(actor, item), lambda: scoring.comments(actor, item),
                 lambda: scoring.record_answer(actor, item, meeting.member_ids[0], "respect", "3"),
                 lambda: scoring.reveal(actor, item), lambda: scoring.consensus(actor, item)):
        with pytest.raises(PermissionDenied):
            call()
