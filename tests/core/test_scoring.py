"""ScoringService on SQLite and PostgreSQL: answers committed one by one, stale edits refused, the
blind phase, reveal and reopen, consensus, pinned comments, agreement, and `score import`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from reviewtool.cli import main
from reviewtool.core import audit
from reviewtool.core.agreement import alpha
from reviewtool.core.audit import Actions
from reviewtool.core.db import Database
from reviewtool.core.errors import Conflict, PermissionDenied, ValidationError
from reviewtool.core.models import AuditEvent, Score
from reviewtool.core.scoring import ScoreImportError, ScoringService
from reviewtool.core.sessions import SessionService
from support.scoring_driver import LIAISON, make_meeting, running_meeting


@pytest.fixture
def meeting(db):
    return running_meeting(db, items=3, members=4)


def test_an_answer_is_committed_audited_and_shown_with_labels(db, meeting):
    scoring = ScoringService(db)
    amira = meeting.panel[0]
    item, member = meeting.item_ids[0], meeting.member_ids[0]
    view = scoring.record_answer(amira, item, member, "grounds_explained", "partly", comment=" mumbled ",
                                 expected_version=0)
    assert (view.answer, view.answer_label, view.comment, view.version) == ("partly", "Partly", "mumbled", 1)
    assert (view.member_name, view.criterion_label, view.entered_by) == ("Amira Haddad",
                                                                         "Grounds explained to the person", "rpanel1")
    # Committed: a fresh database object sees it.
    other = Database(db.url)
    with other.read() as s:
        assert s.scalar(select(Score.answer).where(Score.id == view.id)) == "partly"
    other.dispose()
    # Re-sending the same answer changes nothing (autosave may repeat itself).
    assert scoring.record_answer(amira, item, member, "grounds_explained", "partly", "mumbled").version == 1
    changed = scoring.record_answer(amira, item, member, "grounds_explained", "yes", expected_version=1)
    assert (changed.version, changed.comment) == (2, "mumbled")  # no comment given: the stored one stays
    with db.read() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == Actions.SCORE)))
        assert audit.verify_chain(s).ok
    assert [(e.details["answer"], e.details["previous"], e.details["criterion"]) for e in events] == [
        ("partly", None, "grounds_explained"), ("yes", "partly", "grounds_explained")]
    assert events[0].details["item"] == item and events[0].details["member"] == member


def test_answers_are_checked_against_the_rubric(db, meeting):
    scoring = ScoringService(db)
    args = (LIAISON, meeting.item_ids[0], meeting.member_ids[0])
    with pytest.raises(ValidationError, match="not an answer to respect"):
        scoring.record_answer(*args, "respect", "6")
    with pytest.raises(ValidationError, match="criterion"):
        scoring.record_answer(*args, "charm", "5")
    text_view = scoring.record_answer(*args, "went_well", "Calm, explained the power clearly")
    assert text_view.answer_label == "Calm, explained the power clearly"
    cleared = scoring.record_answer(*args, "went_well", "", expected_version=1)
    assert cleared.answer is None and cleared.version == 2
    commented = scoring.record_answer(*args, "respect", "3", comment="hesitant")
    assert scoring.record_answer(*args, "respect", "3", comment="").comment is None  # "" clears it
    assert commented.comment == "hesitant"


def test_a_stale_edit_is_refused_with_a_clear_message(db, meeting):
    scoring = ScoringService(db)
    item, amira = meeting.item_ids[0], meeting.member_ids[0]
    scoring.record_answer(LIAISON, item, amira, "respect", "3", expected_version=0)
    scoring.record_answer(LIAISON, item, amira, "respect", "4", expected_version=1)  # someone else, first
    with pytest.raises(Conflict) as refused:
        scoring.record_answer(meeting.panel[0], item, amira, "respect", "5", expected_version=1)
    assert str(refused.value) == ("Amira Haddad's answer to 'Respect and courtesy' was changed by someone else a "
                                  "moment ago; it now reads '4'. Reload to see it.")
    with pytest.raises(Conflict, match="changed by someone else"):  # "I saw no answer", but there is one
        scoring.record_answer(LIAISON, item, amira, "respect", "1", expected_version=0)
    assert [a.answer for a in scoring.answers_for(LIAISON, item)] == ["4"]


def test_who_may_enter_answers(db, meeting):
    scoring = ScoringService(db)
    sessions = SessionService(db)
    amira, tomasz = meeting.panel[0], meeting.panel[1]
    item = meeting.item_ids[0]
    with pytest.raises(PermissionDenied, match="only for themselves"):
        scoring.record_answer(amira, item, meeting.member_ids[1], "respect", "1")
    scoring.record_answer(LIAISON, item, meeting.member_ids[1], "respect", "4")  # spoken or on paper
    sessions.record_attendance(LIAISON, meeting.session_id, meeting.member_ids[2], False, False)
    with pytest.raises(ValidationError, match="not recorded as present"):
        scoring.record_answer(LIAISON, item, meeting.member_ids[2], "respect", "4")
    with pytest.raises(PermissionDenied):
        scoring.record_answer(meeting.panel[2], item, meeting.member_ids[2], "respect", "4")
    sessions.remove_item(LIAISON, meeting.item_ids[2], "clip corrupt")
    with pytest.raises(ValidationError, match="removed"):
        scoring.record_answer(tomasz, meeting.item_ids[2], meeting.member_ids[1], "respect", "4")


def test_no_answers_outside_a_running_session(db):
    meeting = make_meeting(db, items=1, members=3)
    sessions, scoring = SessionService(db), ScoringService(db)
    for member_id in meeting.member_ids:
        sessions.record_attendance(LIAISON, meeting.session_id, member_id, True, True)
    with pytest.raises(ValidationError, match="planned"):
        scoring.record_answer(LIAISON, meeting.item_ids[0], meeting.member_ids[0], "respect", "4")
    sessions.start(LIAISON, meeting.session_id)
    sessions.close(LIAISON, meeting.session_id)
    with pytest.raises(ValidationError, match="closed"):
        scoring.record_answer(LIAISON, meeting.item_ids[0], meeting.member_ids[0], "respect", "4")


def test_blind_until_reveal_then_frozen_until_reopened(db, meeting):
    scoring = ScoringService(db)
    item = meeting.item_ids[0]
    for actor, member_id, answer in zip(meeting.panel, meeting.member_ids, ("4", "5", "2")):
        scoring.record_answer(actor, item, member_id, "respect", answer)
    amira = meeting.panel[0]
    assert [(a.member_name, a.answer) for a in scoring.answers_for(amira, item)] == [("Amira Haddad", "4")]
    assert len(scoring.answers_for(LIAISON, item)) == 3  # the facilitator may see them all
    for call in (lambda: scoring.distribution(LIAISON, item), lambda: scoring.agreement(LIAISON, item_id=item),
                 lambda: scoring.record_consensus(LIAISON, item, "green", "")):
        with pytest.raises(ValidationError, match="reveal"):
            call()

    with pytest.raises(PermissionDenied):
        scoring.reveal(amira, item)
    revealed_at = scoring.reveal(LIAISON, item)
    assert scoring.reveal(LIAISON, item) == revealed_at  # once
    assert [a.answer for a in scoring.answers_for(amira, item)] == ["4", "2", "5"]  # by name: Amira, Grace, Tomasz
    with pytest.raises(ValidationError, match="revealed and are now fixed"):
        scoring.record_answer(amira, item, meeting.member_ids[0], "respect", "5", expected_version=1)
    with pytest.raises(ValidationError, match="revealed and are now fixed"):
        scoring.record_answer(LIAISON, item, meeting.member_ids[3], "respect", "5")

    with pytest.raises(PermissionDenied):
        scoring.reopen(amira, item, "typo")
    with pytest.raises(ValidationError, match="reason"):
        scoring.reopen(LIAISON, item, "")
    scoring.reopen(LIAISON, item, "Grace meant 4, pressed 2")
    view = SessionService(db).get(LIAISON, meeting.session_id).item(item)
    assert (view.status, view.revealed_at) == ("shown", None)
    assert [a.answer for a in scoring.answers_for(amira, item)] == ["4"]  # blind again
    scoring.record_answer(meeting.panel[2], item, meeting.member_ids[2], "respect", "4", expected_version=1)
    scoring.reveal(LIAISON, item)
    assert scoring.distribution(amira, item)["respect"] == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1, "cant_tell": 0}


def test_consensus(db, meeting):
    scoring = ScoringService(db)
    item = meeting.item_ids[0]
    scoring.record_answer(LIAISON, item, meeting.member_ids[0], "overall", "amber")
    scoring.reveal(LIAISON, item)
    with pytest.raises(ValidationError, match="summary"):
        scoring.record_consensus(LIAISON, item, "amber", "  ")
    with pytest.raises(ValidationError, match="rag"):
        scoring.record_consensus(LIAISON, item, "purple", "x")
    with pytest.raises(PermissionDenied):
        scoring.record_consensus(meeting.panel[0], item, "green", "")
    green = scoring.record_consensus(LIAISON, item, "GREEN", "", commendations="Calm and clear", expected_version=0)
    assert (green.rag, green.version, green.commendations) == ("green", 1, "Calm and clear")
    assert SessionService(db).get(LIAISON, meeting.session_id).item(item).consensus == green
    assert SessionService(db).get(LIAISON, meeting.session_id).item(item).status == "agreed"
    red = scoring.record_consensus(LIAISON, item, "red", "Grounds not explained; search beyond outer clothing",
                                   refer=True, actions="Refer to PSD", expected_version=1)
    assert (red.rag, red.refer, red.version) == ("red", True, 2)
    with pytest.raises(Conflict) as refused:
        scoring.record_consensus(LIAISON, item, "amber", "softer", expected_version=1)
    assert "it is now red (by liaison1)" in str(refused.value)
    assert scoring.consensus(meeting.panel[1], item) == red
    with db.read() as s:
        rags = [e.details["rag"] for e in s.scalars(select(AuditEvent).where(AuditEvent.action == Actions.CONSENSUS))]
    assert rags == ["green", "red"]


def test_comments_are_pinned_and_blind_until_reveal(db, meeting):
    scoring = ScoringService(db)
    item = meeting.item_ids[0]
    amira, tomasz = meeting.panel[0], meeting.panel[1]
    scoring.add_comment(amira, item, None, "Officer introduces himself", media_time=12.5)
    scoring.add_comment(tomasz, item, meeting.member_ids[1], "Hands in pockets", media_time=3.0)
    scoring.add_comment(LIAISON, item, None, "Audio drops here", media_time=20.0)
    scoring.add_comment(LIAISON, item, meeting.member_ids[2], "Said aloud: calm throughout")
    with pytest.raises(PermissionDenied):
        scoring.add_comment(amira, item, meeting.member_ids[1], "as Tomasz")
    with pytest.raises(ValidationError, match="comment"):
        scoring.add_comment(amira, item, None, "   ")
    with pytest.raises(ValidationError, match="media_time"):
        scoring.add_comment(amira, item, None, "x", media_time=-1.0)
    assert [c.text for c in scoring.comments(amira, item)] == ["Officer introduces himself"]
    every = scoring.comments(LIAISON, item)
    assert [(c.media_time, c.member_initials) for c in every] == [(3.0, "TK"), (12.5, "AH"), (20.0, ""), (None, "GO")]
    scoring.reveal(LIAISON, item)
    assert len(scoring.comments(amira, item)) == 4
    scoring.add_comment(amira, item, None, "After discussion: agree with TK", media_time=3.2)  # discussion goes on
    assert scoring.comments(tomasz, item)[1].text == "After discussion: agree with TK"


def test_agreement_across_the_session_and_per_item(db):
    meeting = running_meeting(db, items=4, members=3)
    scoring = ScoringService(db)
    answers = {  # respect (ordinal 1-5) per item, per member; "cant_tell" is a missing value
        0: ("4", "4", "5"), 1: ("2", "2", "cant_tell"), 2: ("1", "2", "1"), 3: ("5", "5", "5")}
    for n, triple in answers.items():
        for member_id, answer in zip(meeting.member_ids, triple):
            scoring.record_answer(LIAISON, meeting.item_ids[n], member_id, "respect", answer)
            scoring.record_answer(LIAISON, meeting.item_ids[n], member_id, "record_offered",
                                  "yes" if answer != "1" else "no")
    with pytest.raises(ValidationError, match="no item has been revealed"):
        scoring.agreement(LIAISON, session_id=meeting.session_id)
    for item in meeting.item_ids[:3]:
        scoring.reveal(LIAISON, item)
    figures = scoring.agreement(LIAISON, session_id=meeting.session_id)  # the three revealed items only
    expected = alpha([["4", "4", "5"], ["2", "2", None], ["1", "2", "1"]], "ordinal", ["1", "2", "3", "4", "5"])
    respect = figures["respect"]
    assert respect.alpha == pytest.approx(expected)
    assert (respect.metric, respect.n_units, respect.n_members) == ("ordinal", 3, 3)
    assert figures["record_offered"].metric == "nominal"
    assert figures["grounds_explained"].alpha is None and figures["grounds_explained"].n_units == 0
    assert "went_well" not in figures  # free text has no agreement figure
    single = scoring.agreement(meeting.panel[0], item_id=meeting.item_ids[0])["respect"]
    assert single.alpha is None and single.n_units == 1 and single.n_members == 3
    with pytest.raises(ValueError):
        scoring.agreement(LIAISON)


@pytest.mark.pg
def test_stale_write_that_loses_a_race_becomes_a_conflict(pg_connection):
    """PostgreSQL lets two transactions read the same version; the losing UPDATE finds no row at
    that version (StaleDataError) and the losing INSERT hits the unique key: both become Conflict."""
    info = pg_connection.info
    db = Database.open(f"postgresql+psycopg://{info.user}@{info.host}:{info.port}/{info.dbname}")
    meeting = running_meeting(db, items=1, members=3)
    scoring = ScoringService(db)
    item, amira, tomasz = meeting.item_ids[0], meeting.member_ids[0], meeting.member_ids[1]
    scoring.record_answer(LIAISON, item, amira, "respect", "3")

    def someone_else(sql: str) -> None:
        def before_flush(session: Session, *_: object) -> None:
            with db.engine.begin() as conn:
                conn.execute(text(sql), {"item": item, "amira": amira, "tomasz": tomasz})
        event.listen(Session, "before_flush", before_flush, once=True)

    someone_else("UPDATE scores SET answer = '4', version = version + 1 WHERE item_id = :item "
                 "AND panel_member_id = :amira")
    with pytest.raises(Conflict, match="it now reads '4'"):
        scoring.record_answer(LIAISON, item, amira, "respect", "5", expected_version=1)
    someone_else("INSERT INTO scores (item_id, panel_member_id, criterion_id, answer, entered_by, entered_at, version)"
                 " VALUES (:item, :tomasz, 'respect', '2', 'other', now(), 1)")
    with pytest.raises(Conflict, match="Tomasz Kowalski's answer .* it now reads '2'"):
        scoring.record_answer(LIAISON, item, tomasz, "respect", "5", expected_version=0)
    assert {a.member_id: a.answer for a in scoring.answers_for(LIAISON, item)} == {amira: "4", tomasz: "2"}
    db.dispose()


# --- score import ----------------------------------------------------------------------------------------


def _write(path: Path, rows: list[str], *, bom: bool = True, crlf: bool = True) -> Path:
    body = ("\r\n" if crlf else "\n").join(rows) + ("\r\n" if crlf else "\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    return path


def test_import_paper_forms(db, meeting, tmp_path):
    scoring = ScoringService(db)
    scoring.record_answer(LIAISON, meeting.item_ids[0], meeting.member_ids[0], "respect", "4")
    scoring.reveal(LIAISON, meeting.item_ids[1])
    path = _write(tmp_path / "forms.csv", [
        "Reference,Member,Criterion,Answer,Comment",
        "R001,Amira Haddad,respect,4,",  # already entered on screen: unchanged
        "R001,TK,respect,5,Polite throughout",
        "R001,tk,overall,Green,",  # a label instead of an id is forgiven
        "R001,Grace Okafor,went_well,\"Explained the power, and why\",",
        ",,,,",
        "R002,GO,grounds_explained,cant_tell,",  # revealed item, missing answer from a blind paper form
        "R002,DE,respect,,",  # blank: ignored
        "R001,TK,respect,5,Polite throughout",  # repeated identically
    ])
    report = scoring.import_scores_csv(LIAISON, "March panel", path)
    assert (report.rows, report.imported, report.unchanged, report.blank, report.items, report.members) == (
        7, 4, 2, 1, 2, 3)
    answers = {(a.member_initials, a.criterion_id): (a.answer, a.comment) for a in
               scoring.answers_for(LIAISON, meeting.item_ids[0])}
    assert answers[("TK", "overall")] == ("green", None)
    assert answers[("GO", "went_well")] == ("Explained the power, and why", None)
    assert answers[("TK", "respect")] == ("5", "Polite throughout")
    with db.read() as s:
        sources = [e.details.get("source") for e in s.scalars(select(AuditEvent).where(AuditEvent.action == Actions.SCORE))]
    assert sources[1:] == [f"import forms.csv row {n}" for n in (3, 4, 5, 7)]
    # Importing the same file again changes nothing; a row without the stored comment matches too.
    again = scoring.import_scores_csv(LIAISON, "March panel", path)
    assert (again.imported, again.unchanged) == (0, 6)
    bare = _write(tmp_path / "bare.csv", ["reference,member,criterion,answer", "R001,TK,respect,5"])
    assert scoring.import_scores_csv(LIAISON, "March panel", bare).unchanged == 1


def test_import_is_all_or_nothing_with_every_row_named(db, meeting, tmp_path):
    scoring = ScoringService(db)
    SessionService(db).record_attendance(LIAISON, meeting.session_id, meeting.member_ids[3], False, False)
    scoring.record_answer(LIAISON, meeting.item_ids[0], meeting.member_ids[0], "respect", "4")
    path = _write(tmp_path / "bad.csv", [
        "reference,member,criterion,answer,comment",
        "R001,TK,respect,5,",  # fine, but must not be stored
        "R999,TK,respect,5,",
        "R001,Zed,respect,5,",
        "R001,TK,charm,5,",
        "R001,TK,communication,7,",
        "R001,Amira Haddad,respect,2,",  # would change an answer
        "R001,DE,respect,3,",  # absent
        "R001,GO,respect,3,",
        "R001,GO,respect,4,",  # contradicts the row above
        "R001,TK,overall,green,extra,cell",
    ], bom=False, crlf=False)
    with pytest.raises(ScoreImportError) as refused:
        scoring.import_scores_csv(LIAISON, "March panel", path)
    errors = [(e.row, e.field) for e in refused.value.errors]
    assert errors == [(3, "reference"), (4, "member"), (5, "criterion"), (6, "answer"), (7, "answer"),
                      (8, "member"), (10, "answer"), (11, "file")]
    message = str(refused.value)
    assert message.startswith("bad.csv: nothing imported, 8 problem(s): row 3 reference: 'R999' is not in session")
    assert "and 3 more" in message and "\n" not in message
    assert len(scoring.answers_for(LIAISON, meeting.item_ids[0])) == 1


@pytest.mark.parametrize("content, problem", [
    (b"", "empty file"),
    (b"reference,member,criterion\nR001,TK,respect\n", "missing column(s) answer"),
    (b"reference,member,criterion,answer,coment\n", "unknown column(s) 'coment'"),
    (b"reference,member,criterion,answer,answer\n", "repeated column(s) answer"),
    (b"reference,member,criterion,answer\nR001,\xe9,respect,4\n", "not UTF-8"),
])
def test_import_refuses_unreadable_files(sqlite_db, tmp_path, content, problem):
    running_meeting(sqlite_db, items=1, members=3)  # reading the file is not the data layer: SQLite suffices
    path = tmp_path / "forms.csv"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as refused:
        ScoringService(sqlite_db).import_scores_csv(LIAISON, "March panel", path)
    assert problem in str(refused.value) and str(refused.value).startswith("forms.csv: ")


def test_import_needs_a_started_session_and_the_liaison(db, tmp_path):
    meeting = make_meeting(db, items=1)
    path = _write(tmp_path / "forms.csv", ["reference,member,criterion,answer", "R001,AH,respect,4"])
    with pytest.raises(ValidationError, match="has not started"):
        ScoringService(db).import_scores_csv(LIAISON, "March panel", path)
    with pytest.raises(PermissionDenied):
        ScoringService(db).import_scores_csv(meeting.panel[0], "March panel", path)


def test_score_import_command(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database.open(url)
    running_meeting(db, items=2, members=3)
    db.dispose()
    good = _write(tmp_path / "good.csv", ["reference,member,criterion,answer,comment", "R001,AH,respect,4,",
                                          "R002,TK,overall,red,Handcuffed without reason", "R002,GO,respect,,"])
    assert main(["--db", url, "score", "import", "March panel", str(good)]) == 0
    assert capsys.readouterr().out.strip() == ("imported 2 answers for 2 items from 2 members (1 blank rows ignored) "
                                               "into session 'March panel'")
    bad = _write(tmp_path / "bad.csv", ["reference,member,criterion,answer", "R001,AH,respect,9", "R003,AH,respect,4"])
    assert main(["--db", url, "score", "import", "March panel", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "reviewtool: bad.csv: nothing imported; 2 problem(s):"
    assert err[1].startswith("  row 2 answer: '9' is not an answer to respect")
    assert err[2] == "  row 3 reference: 'R003' is not in session 'March panel'"
    assert main(["--db", url, "score", "import", "No such", str(good)]) == 1
    assert "no session called 'No such'" in capsys.readouterr().err
