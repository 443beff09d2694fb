"""Feedback that reaches officers: the supervisor's loop, permissions, disclosures and what each document holds.

The panel's meeting runs through SessionService and ScoringService (tests/support/feedback_data.py); the
documents are real PDFs, read back with pdftotext where their text matters.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from reviewtool.core import audit
from reviewtool.core.audit import Actions, AuditHead
from reviewtool.core.auth import Actor
from reviewtool.core.db import Database
from reviewtool.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from reviewtool.core.feedback import NOTHING_TO_CHECK, FeedbackService
from reviewtool.core.minutes_data import build_minutes, certificate_file_sha256
from reviewtool.core.models import AuditEvent, ClipComment, FeedbackReport, Officer, ReviewSession, SessionItem
from reviewtool.core.report_data import GatherCache, lines_of, plain_text, scrub, tone_of
from reviewtool.progress import Progress
from reviewtool.reports.base import DRAFT_MARKING
from reviewtool.reports.certificate import DOES_NOT_MATCH, MATCHES, NO_COMMITMENT, seed_commitment
from reviewtool.reports.data import AnswerTone, AuditHead as PrintedHead, FacilitatorNote, Rag, ReportMeta
from support.feedback_data import PANEL_NAMES, FeedbackWorld, populate

TODAY = datetime.now(ZoneInfo("Europe/London")).date()
LIAISON = Actor("liaison", "liaison")
ADMIN = Actor("admin1", "admin")
PANEL = Actor("panel1", "panel", 3)

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")


def report_events(db, report_ids: set[str] | None = None) -> list[AuditEvent]:
    with db.read() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == Actions.REPORT).order_by(AuditEvent.seq)))
    return [e for e in events if report_ids is None or e.object_id in report_ids]


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):
    """One populated SQLite database per module, copied for each test: the meeting is the slow part."""
    path = tmp_path_factory.mktemp("feedback") / "template.db"
    database = Database.open(f"sqlite:///{path}")
    world = populate(database, officers=3, stops_per_officer=1)
    database.dispose()  # the last connection checkpoints the WAL into the file
    return path, world


def _sqlite_copy(template, tmp_path: Path) -> tuple[Database, FeedbackWorld]:
    path, world = template
    copy = tmp_path / "feedback.db"
    shutil.copyfile(path, copy)
    return Database.open(f"sqlite:///{copy}"), world


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def env(request, tmp_path, sqlite_template):
    """The populated database on each backend, with what was put in it."""
    if request.param == "sqlite":
        database, world = _sqlite_copy(sqlite_template, tmp_path)
    else:
        info = request.getfixturevalue("pg_connection").info
        database = Database.open(f"postgresql+psycopg://{info.user}@{info.host}:{info.port}/{info.dbname}")
        world = populate(database, officers=3, stops_per_officer=1)
    yield database, world
    database.dispose()


@pytest.fixture
def sqlite_env(tmp_path, sqlite_template):
    """The populated database on SQLite only, for what does not depend on the backend."""
    database, world = _sqlite_copy(sqlite_template, tmp_path)
    yield database, world
    database.dispose()


def test_approval_makes_the_report_final_and_keeps_its_hash(env):
    db, world = env
    service = FeedbackService(db)
    sup = world.supervisor
    officer = world.officers[0]
    draft = service.generate_officer_report(sup, officer)
    assert draft.report.status == "draft" and draft.report.searches == 1
    edited = service.update_draft(sup, draft.report.id, summary="Good work overall.", supervisor_note="Discussed.",
                                  expected_version=draft.report.version)
    assert edited.report.report_id != draft.report.report_id  # every document its own id
    with pytest.raises(Conflict):  # a stale edit is refused, not silently applied
        service.update_draft(sup, draft.report.id, summary="Overwrite", expected_version=draft.report.version)

    final = service.approve(sup, edited.report.id, expected_version=edited.report.version)
    kept = final.report.pdf_sha256
    assert final.report.status == "approved" and final.report.approved_by == "sup1"
    for attempt in (lambda: service.regenerate(sup, final.report.id),
                    lambda: service.update_draft(sup, final.report.id, summary="changed"),
                    lambda: service.approve(sup, final.report.id)):
        with pytest.raises(Conflict, match="final"):
            attempt()
    # Asking for the officer's report again makes nothing new: every search is already in a final report.
    with pytest.raises(ValidationError, match="no reviewed searches waiting"):
        service.generate_officer_report(sup, officer)

    with pytest.raises(ValidationError, match="in the future"):
        service.mark_sent(sup, final.report.id, TODAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="mark it sent"):
        service.mark_acknowledged(sup, final.report.id, TODAY)
    sent = service.mark_sent(sup, final.report.id, TODAY)
    with pytest.raises(ValidationError, match="before the day it was sent"):
        service.mark_acknowledged(sup, sent.id, TODAY - timedelta(days=1))
    acknowledged = service.mark_acknowledged(sup, sent.id, TODAY, expected_version=sent.version)
    answered = service.record_response(sup, acknowledged.id, "I now give my station every time.", TODAY)
    assert (answered.status, answered.sent_on, answered.acknowledged_on) == ("acknowledged", TODAY, TODAY)
    assert answered.officer_response.startswith("I now give") and answered.response_received_on == TODAY
    assert answered.pdf_sha256 == kept and answered.report_id == final.report.report_id
    assert service.export_pdf(sup, answered.report_id, recipient="PC 4400") == final.pdf
    with db.read() as s:
        row = s.get(FeedbackReport, final.report.id)
        assert row.pdf == final.pdf and row.pdf_sha256 == kept


def test_only_the_officers_supervisor_runs_the_loop(env):
    db, world = env
    service = FeedbackService(db)
    mine, theirs = world.officers[0], world.officers[-1]  # the last officer is supervised by sup2
    assert [o.identifier for o in service.officers_with_pending_feedback(world.supervisor)] == world.officers[:-1]
    assert [o.identifier for o in service.officers_with_pending_feedback(world.other_supervisor)] == [theirs]
    assert {o.identifier for o in service.officers_with_pending_feedback(LIAISON)} == set(world.officers)
    for denied in (lambda: service.generate_officer_report(world.supervisor, theirs),
                   lambda: service.reports_for_officer(world.supervisor, theirs),
                   lambda: service.officers_with_pending_feedback(PANEL),
                   lambda: service.generate_officer_report(PANEL, mine),
                   lambda: service.session_minutes(PANEL, world.session_id)):
        with pytest.raises(PermissionDenied):
            denied()

    # The liaison officer (and the admin) may draft and read; only the supervisor approves and sends.
    draft = service.generate_officer_report(LIAISON, mine)
    assert service.get_report(ADMIN, draft.report.id).report_id == draft.report.report_id
    for actor in (LIAISON, ADMIN, world.other_supervisor, PANEL):
        with pytest.raises(PermissionDenied):
            service.approve(actor, draft.report.id)
        with pytest.raises(PermissionDenied):
            service.update_draft(actor, draft.report.id, supervisor_note="x")
    final = service.approve(world.supervisor, draft.report.id)
    for actor in (LIAISON, world.other_supervisor):
        with pytest.raises(PermissionDenied):
            service.mark_sent(actor, final.report.id, TODAY)
    with pytest.raises(PermissionDenied):
        service.export_pdf(world.other_supervisor, final.report.id, recipient="someone")

    with db.session() as s:  # an officer with no supervisor recorded
        s.scalar(select(Officer).where(Officer.identifier == world.officers[1])).supervisor_id = None
    orphan = service.generate_officer_report(LIAISON, world.officers[1])
    with pytest.raises(PermissionDenied, match="no supervisor is recorded"):
        service.approve(world.supervisor, orphan.report.id)


def test_every_document_is_an_audited_disclosure_with_its_recipient(env, tmp_path):
    db, world = env
    service = FeedbackService(db)
    sup = world.supervisor
    draft = service.generate_officer_report(sup, world.officers[0], recipient="Sgt Ní Bhriain (debrief)")
    final = service.approve(sup, draft.report.id)
    service.export_pdf(sup, final.report.id, recipient="Inspector Grey")
    service.mark_sent(sup, final.report.id, TODAY)
    minutes = service.session_minutes(LIAISON, world.session_name, recipient="Panel chair")

    events = report_events(db)
    by_event = {(e.details["event"], e.object_id): e for e in events}
    generated = by_event[("generate", draft.report.report_id)]
    assert generated.details["recipient"] == "Sgt Ní Bhriain (debrief)"
    assert generated.details["sha256"] == draft.report.pdf_sha256 and generated.actor == "sup1"
    assert by_event[("approve", final.report.report_id)].details["sha256"] == final.report.pdf_sha256
    assert by_event[("export", final.report.report_id)].details["recipient"] == "Inspector Grey"
    assert by_event[("sent", final.report.report_id)].details["recipient"] == f"officer {world.officers[0]}"
    assert by_event[("generate", minutes.report.report_id)].details["recipient"] == "Panel chair"

    # The head printed on each document is the chain's head when it was made, and verifies.
    assert generated.details["audit_head"] == draft.audit_head
    with db.read() as s:
        head = AuditHead.parse(final.audit_head)
        assert head.seq == by_event[("approve", final.report.report_id)].seq - 1
        assert audit.verify_chain(s, head).ok
    with pytest.raises(ValidationError, match="recipient"):
        service.export_pdf(sup, final.report.id, recipient="  ")


@needs_pdftotext
def test_officer_report_shows_the_search_not_the_person_and_no_panel_names(sqlite_env, tmp_path):
    db, world = sqlite_env
    service = FeedbackService(db)
    document = service.generate_officer_report(world.supervisor, world.officers[0])
    text = text_of(document.pdf, tmp_path)
    assert "Page 1 of" in text and world.references[0] in text
    assert "Misuse of Drugs Act" in text and "Controlled drugs" in text
    assert "Panel member 1" in text and "[panel member]" in text  # a name typed into a comment is removed
    for name in PANEL_NAMES:
        assert name not in text
        assert name.split()[-1] not in text
    for personal in ("Smell of cannabis", "18-24", "Male", "White"):
        assert personal not in text
    assert f"seq {document.audit_head.split(':')[0]}" in text


def test_report_data_details(sqlite_env):
    db, world = sqlite_env
    service = FeedbackService(db)
    amber_officer = world.officers[1]  # the second officer's search was rated amber
    draft = service.generate_officer_report(world.supervisor, amber_officer)
    data = service.officer_report_data(world.supervisor, draft.report.id)
    [stop] = data.stops
    assert stop.consensus.rag is Rag.AMBER
    assert stop.consensus.commendations == ("Explained the grounds in plain words.", "Kept a calm tone.")
    assert "S — Station the officer works from" in stop.gowisely_missed  # every member said "not given"
    assert {c.member_number for c in stop.comments} <= {1, 2, 3}
    assert data.officer.collar_number == amber_officer and data.session_title == world.session_name
    overall = next(c for c in data.answers if c.label.lower().startswith("overall"))
    assert {a.label: a.count for a in overall.answers}["Amber"] == 3  # three members present
    assert data.summary == "The community scrutiny panel reviewed one of your searches and rated it amber."
    assert data.supervisor_note == ""  # the summary has its own place; the note's box is the supervisor's
    assert data.meta.draft and stop.facilitator_notes == ()


@needs_pdftotext
def test_a_draft_is_marked_until_approval_and_the_summary_leads(sqlite_env, tmp_path):
    db, world = sqlite_env
    service = FeedbackService(db)
    sup = world.supervisor
    draft = service.generate_officer_report(sup, world.officers[0])
    edited = service.update_draft(sup, draft.report.id, summary="Well done: calm and clear throughout.",
                                  supervisor_note="Debrief held on 2 April.")
    for document in (draft, edited):
        text = text_of(document.pdf, tmp_path)
        assert text.count(DRAFT_MARKING) == text.count("Page ") >= 1  # on every page
    data = service.officer_report_data(sup, edited.report.id)
    assert data.meta.draft and plain_text(data).startswith(DRAFT_MARKING)
    flat = " ".join(text_of(edited.pdf, tmp_path).split())
    summary = flat.index("Well done: calm and clear throughout.")
    assert flat.index("Supervisor's summary") < summary < flat.index("At a glance") < flat.index("Supervisor's note")
    assert flat.count("Well done: calm") == 1 and flat.index("Debrief held on 2 April.") > flat.index("Supervisor's note")

    # Approval renders the report once more, as final: no draft marking on the PDF that is kept.
    final = service.approve(sup, edited.report.id)
    text = text_of(final.pdf, tmp_path)
    assert "DRAFT" not in text and "Well done: calm and clear throughout." in text and "Sgt Aoife" in text
    assert not service.officer_report_data(sup, final.report.id).meta.draft
    assert service.export_pdf(sup, final.report.id, recipient="PC") == final.pdf


@needs_pdftotext
def test_facilitators_clip_notes_reach_the_officer_report_as_such(sqlite_env, tmp_path):
    db, world = sqlite_env
    service = FeedbackService(db)
    item_id = world.item_ids[0]  # the first officer's search
    with db.session() as s:  # the facilitator's own note: no panel member
        s.add(ClipComment(item_id=item_id, panel_member_id=None, media_time=12.4, created_by="liaison",
                          text="Sound drops out here; Amira Haddad asked to replay it."))
        s.add(ClipComment(item_id=item_id, panel_member_id=None, media_time=3.0, created_by="liaison", text="  "))
    draft = service.generate_officer_report(world.supervisor, world.officers[0])
    [stop] = service.officer_report_data(world.supervisor, draft.report.id).stops
    assert stop.facilitator_notes == (FacilitatorNote("Sound drops out here; [panel member] asked to replay it.",
                                                      12.4),)
    assert {c.member_number for c in stop.comments} <= {1, 2, 3}  # the members keep their numbers
    flat = " ".join(text_of(draft.pdf, tmp_path).split())
    assert "Facilitator's note (at 00:12)" in flat and "[panel member] asked to replay it" in flat
    assert "Amira" not in flat


def test_searches_taken_off_the_agenda_have_their_own_place_in_the_minutes(sqlite_env):
    db, world = sqlite_env
    with db.session() as s:
        item = s.scalar(select(SessionItem).where(SessionItem.session_id == world.session_id,
                                                  SessionItem.footage_id.is_(None)))
        item.status, item.removed_reason = "removed", "Duplicate of search 2 (one group search)."
        position = item.position
    with db.read() as s:
        meta = ReportMeta("MIN-T", datetime.now(ZoneInfo("UTC")), PrintedHead(1, "0" * 64), "Panel")
        minutes = build_minutes(s, meta, s.get(ReviewSession, world.session_id), GatherCache())
    [removed] = minutes.removed
    assert (removed.number, removed.reference) == (position, world.no_footage_references[0])
    assert removed.reason == "Duplicate of search 2 (one group search)." and removed.search_type == "Vehicle search"
    assert all(world.no_footage_references[0] not in a.text and "off the agenda" not in a.text
               for a in minutes.actions)
    assert minutes.missing_footage == ()  # taken off the agenda: not a finding


def test_seed_commitment_checked_on_the_minutes_and_the_certificate(sqlite_env, tmp_path):
    db, world = sqlite_env
    service = FeedbackService(db)
    with db.read() as s:
        run_id = s.get(ReviewSession, world.session_id).sampling_run_id
    committed = seed_commitment("seed 1")  # populate's seed
    grouped = " ".join(committed[i:i + 8] for i in range(0, 64, 8)).upper()
    for make in (lambda **kw: service.session_minutes(LIAISON, world.session_name, **kw),
                 lambda **kw: service.sampling_certificate(LIAISON, run_id, **kw)):
        unchecked = make()
        matching = make(published_commitment=grouped)
        different = make(published_commitment="ab" * 32)
        assert (unchecked.commitment_check, matching.commitment_check, different.commitment_check) == (
            NO_COMMITMENT, MATCHES, DOES_NOT_MATCH)
        if shutil.which("pdftotext"):
            assert NO_COMMITMENT in " ".join(text_of(unchecked.pdf, tmp_path).split())
            assert f"Checked: it {MATCHES}." in " ".join(text_of(matching.pdf, tmp_path).split())
            assert f"Checked: it {DOES_NOT_MATCH}." in " ".join(text_of(different.pdf, tmp_path).split())
        with pytest.raises(ValidationError, match="64 hex digits"):
            make(published_commitment=committed[:-1])
    events = {e.object_id: e.details for e in report_events(db)}
    assert events[matching.report.report_id]["published_commitment"] == committed
    assert events[different.report.report_id]["commitment_check"] == DOES_NOT_MATCH
    assert "published_commitment" not in events[unchecked.report.report_id]
    assert service.generate_officer_report(world.supervisor, world.officers[0]).commitment_check is None

    with db.session() as s:  # a session whose searches were not drawn by reviewtool
        s.get(ReviewSession, world.session_id).sampling_run_id = None
    assert service.session_minutes(LIAISON, world.session_name,
                                   published_commitment=committed).commitment_check == NOTHING_TO_CHECK


def test_pending_searches_and_a_second_session(sqlite_env):
    db, world = sqlite_env
    service = FeedbackService(db)
    sup = world.supervisor
    officer = world.officers[0]
    final = service.approve(sup, service.generate_officer_report(sup, officer).report.id)
    status = {o.identifier: o for o in service.officers_with_pending_feedback(sup)}
    assert status[officer].pending_searches == 0 and status[officer].open_report.id == final.report.id
    assert status[officer].next_step == "Give it to the officer and mark sent"

    populate(db, officers=3, stops_per_officer=1, with_users=False, seed=2, session_name="April panel",
             day=date(2024, 4, 11))
    status = {o.identifier: o for o in service.officers_with_pending_feedback(sup)}
    assert status[officer].pending_searches == 1
    second = service.generate_officer_report(sup, officer)
    assert second.report.id != final.report.id and second.report.searches == 1
    with pytest.raises(ValidationError, match="is after"):
        service.generate_officer_report(sup, officer, date_from=date(2024, 3, 1), date_to=date(2024, 2, 1))
    with pytest.raises(ValidationError, match="no reviewed searches waiting for feedback for stops from"):
        service.generate_officer_report(sup, officer, date_from=date(2030, 1, 1), date_to=date(2030, 1, 31))
    with pytest.raises(NotFound):
        service.generate_officer_report(sup, "NO-SUCH-OFFICER")


def test_response_reaches_the_next_minutes_and_the_public_summary(env, tmp_path):
    db, world = env
    service = FeedbackService(db)
    sup = world.supervisor
    officer = world.officers[0]
    final = service.approve(sup, service.generate_officer_report(sup, officer).report.id)
    service.mark_sent(sup, final.report.id, TODAY)
    service.record_response(sup, final.report.id,
                            f"Thank you. PC Zoë Ångström ({officer}) will give the station every time.", TODAY)
    populate(db, officers=1, stops_per_officer=1, with_users=False, seed=2, session_name="April panel",
             day=TODAY)

    with db.read() as s:
        april = s.scalar(select(ReviewSession).where(ReviewSession.name == "April panel"))
        march = s.get(ReviewSession, world.session_id)
        meta = ReportMeta("MIN-T", datetime.now(ZoneInfo("UTC")), PrintedHead(1, "0" * 64), "Panel")
        next_minutes = build_minutes(s, meta, april, GatherCache())
        own_minutes = build_minutes(s, meta, march, GatherCache())
        certificate = march.sampling_run.certificate
    [response] = next_minutes.responses
    assert response.report_id == final.report.report_id and response.session_title == world.session_name
    assert response.response.startswith("Thank you.") and response.received_on == TODAY
    assert own_minutes.responses == ()  # a report on this session's own searches is not "earlier feedback"
    assert [m.reference for m in own_minutes.missing_footage] == world.no_footage_references
    assert len(own_minutes.items) == 3 and [a.initials for a in own_minutes.attendance if not a.present] == ["DE"]
    assert own_minutes.sampling.certificate.endswith(certificate_file_sha256(certificate))
    assert {a.label for a in own_minutes.agreement} >= {"Grounds explained to the person"}

    public = service.public_summary(LIAISON, date(2024, 2, 1), date(2024, 2, 29), period_label="February 2024")
    text = text_of(public.pdf, tmp_path) if shutil.which("pdftotext") else ""
    if text:
        flat = " ".join(text.split())
        assert "will give the station every time" in flat and "[name removed]" in flat
        for leak in ("Ångström", officer, world.references[0], "Amira", "Sgt Aoife"):
            assert leak not in flat
        assert "February 2024" in flat
    with db.read() as s:
        row = s.get(FeedbackReport, public.report.id)
        assert row.kind == "public_summary" and row.period_from == date(2024, 2, 1)


def test_batch_job_reports_progress_and_respects_scope(sqlite_env):
    db, world = sqlite_env
    service = FeedbackService(db)
    job = service.generate_officer_reports(world.supervisor)
    seen: list[Progress] = []
    try:
        while True:
            seen.append(next(job))
    except StopIteration as stop:
        outcome = stop.value
    assert [r.officer_identifier for r in outcome.generated] == world.officers[:-1]
    assert seen[0].total == 2 and seen[-1].done == seen[-1].total == 2
    again = service.generate_officer_reports(LIAISON)
    while True:
        try:
            next(again)
        except StopIteration as stop:
            everyone = stop.value
            break
    # Drafts are refreshed in place: still one draft per officer.
    assert {r.officer_identifier for r in everyone.generated} == set(world.officers)
    with db.read() as s:
        drafts = s.scalars(select(FeedbackReport).where(FeedbackReport.kind == "officer")).all()
    assert len(drafts) == len(world.officers)


def test_certificate_from_a_recorded_run(sqlite_env):
    db, world = sqlite_env
    service = FeedbackService(db)
    with db.read() as s:
        run_id = s.get(ReviewSession, world.session_id).sampling_run_id
    document = service.sampling_certificate(LIAISON, run_id)
    assert document.pdf.startswith(b"%PDF") and document.report.kind == "certificate"
    with pytest.raises(NotFound):
        service.sampling_certificate(LIAISON, 9999)
    with pytest.raises(ValidationError, match="not a sampling certificate"):
        service.sampling_certificate(LIAISON, certificate={"seed": "x"}, certificate_sha256="0" * 64)


def test_small_helpers():
    assert lines_of("- one\n\n• two\n3. three\n  ") == ("one", "two", "three")
    assert tone_of("given") is AnswerTone.GOOD and tone_of("not_audible") is AnswerTone.CANT_TELL
    assert tone_of("late") is AnswerTone.PARTLY and tone_of("cut_short") is AnswerTone.CONCERN
    assert scrub("Amira Haddad said so; amira haddad too", ["Amira Haddad"], "[x]") == "[x] said so; [x] too"
    assert scrub("a long day with Long", ["Long"], "[x]") == "a long day with [x]"
