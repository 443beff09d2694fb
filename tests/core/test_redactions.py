"""The redaction store on SQLite and PostgreSQL: the approval state machine, stale edits refused,
import/export of the interchange format, the force policy, permissions and the audit trail.

No media is needed here: the clips are Footage rows (the playback gate tests use real clips)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewtool.core.auth import Actor
from reviewtool.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from reviewtool.core.models import AuditEvent, Footage, RedactionSetRecord
from reviewtool.core.redactions import RedactionService, document_digest, find_footage
from reviewtool.core.settings import SettingsService
from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack

# Logic above the storage runs on SQLite only; what touches queries, JSON and versions runs on both.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PANEL = Actor("panel1", "panel")
SUPERVISOR = Actor("sup1", "supervisor")


def add_clip(db, name: str) -> Footage:
    sha = hashlib.sha256(name.encode()).hexdigest()
    with db.session() as s:
        clip = Footage(sha256=sha, file_path=f"/evidence/{name}", file_name=name, size_bytes=1000, duration_s=10.0,
                       frame_count=300, width=320, height=180, codec="h264", average_fps=30.0, ingested_by="t")
        s.add(clip)
        s.flush()
        return clip


def track(track_id: str, label: str = "face_bystander", t0: float = 1.0, x: float = 0.1) -> RedactionTrack:
    return RedactionTrack(track_id, label, "solid", "rect",
                          (Keyframe(t0, (x, 0.2, 0.1, 0.1)), Keyframe(t0 + 2.0, (x + 0.1, 0.2, 0.1, 0.1))))


def actions(db, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


@pytest.fixture
def clip(db) -> Footage:
    return add_clip(db, "BWV-0001.mp4")


@pytest.fixture
def service(db) -> RedactionService:
    return RedactionService(db)


def test_state_machine_draft_approve_edit_back_to_draft(db, clip, service, liaison):
    fresh = service.get(liaison, clip.id)
    assert (fresh.version, fresh.state, fresh.document.tracks) == (0, "draft", ())
    assert service.approved_set_for_playback(clip.id) is None

    doc = RedactionSet(clip.sha256, (track("a"),), blank=((4.0, 5.0),))
    saved = service.save(liaison, clip.id, doc, expected_version=0)
    assert (saved.state, saved.version, saved.updated_by) == ("draft", 1, "liaison1")
    assert saved.document == doc
    assert service.approved_set_for_playback(clip.id) is None  # a draft never plays

    approved = service.approve(liaison, clip.id, expected_version=1)
    assert approved.approved and approved.approved_by == "liaison1" and approved.approved_at is not None
    assert service.approved_set_for_playback(clip.id) == doc
    again = service.approve(liaison, clip.id, expected_version=approved.version)  # idempotent
    assert again.version == approved.version and len(actions(db, "alteration.redaction_approve")) == 1

    # saving the identical document changes nothing, not even the approval
    same = service.save(liaison, clip.id, doc, expected_version=approved.version)
    assert same.approved and same.version == approved.version

    edited = service.save(liaison, clip.id, doc.with_track(track("b", x=0.5)), expected_version=approved.version)
    assert edited.state == "draft" and edited.approved_by is None and edited.approved_at is None
    assert service.approved_set_for_playback(clip.id) is None

    changes = actions(db, "alteration.redaction")
    assert len(changes) == 2
    first, second = (e.details for e in changes)
    assert (first["was"], first["tracks"], first["keyframes"], first["blank"], first["mute"]) == ("new", 1, 2, 1, 0)
    assert first["tracks_added"] == ["a"]
    assert second["was"] == "approved" and second["state"] == "draft" and second["tracks_added"] == ["b"]
    approval = actions(db, "alteration.redaction_approve")[0]
    assert approval.object_id == str(clip.id) and approval.details["document_sha256"] == document_digest(doc)


def test_stale_save_and_stale_approval_are_refused(db, clip, service, liaison):
    other = Actor("liaison2", "liaison")
    opened_by_me = service.get(liaison, clip.id)
    opened_by_other = service.get(other, clip.id)
    mine = service.save(liaison, clip.id, RedactionSet(clip.sha256, (track("mine"),)), opened_by_me.version)
    with pytest.raises(Conflict, match="reload"):
        service.save(other, clip.id, RedactionSet(clip.sha256, (track("theirs"),)), opened_by_other.version)
    with pytest.raises(Conflict):
        service.approve(other, clip.id, expected_version=opened_by_other.version)
    stored = service.get(liaison, clip.id)
    assert [t.id for t in stored.document.tracks] == ["mine"] and stored.version == mine.version
    assert stored.state == "draft"


@sqlite_only
def test_empty_set_needs_an_explicit_confirmation(db, clip, service, liaison):
    with pytest.raises(ValidationError, match="BWV-0001.mp4.*empty"):
        service.approve(liaison, clip.id, expected_version=0)
    approved = service.approve(liaison, clip.id, expected_version=0, confirm_empty=True)
    assert approved.approved and approved.version == 1
    assert service.approved_set_for_playback(clip.id) == RedactionSet(clip.sha256, ())
    assert actions(db, "alteration.redaction_approve")[0].details["empty"] is True


@sqlite_only
def test_set_for_another_clip_cannot_be_saved(db, clip, service, liaison):
    other = add_clip(db, "BWV-0002.mp4")
    with pytest.raises(ValidationError, match="not BWV-0001.mp4"):
        service.save(liaison, clip.id, RedactionSet(other.sha256, (track("a"),)), 0)
    with pytest.raises(NotFound):
        service.get(liaison, 9999)


@sqlite_only
def test_import_rejects_another_clips_file_and_malformed_keyframes(db, clip, service, liaison, tmp_path):
    other = add_clip(db, "BWV-0002.mp4")
    foreign = tmp_path / "for-other-clip.json"
    foreign.write_text(RedactionSet(other.sha256, (track("a"),)).to_json_text())
    with pytest.raises(ValidationError) as caught:
        service.import_file(liaison, clip.id, foreign)
    assert str(caught.value).startswith("for-other-clip.json: footage_sha256 differs")

    doc = RedactionSet(clip.sha256, (track("a"),)).to_json()
    doc["tracks"][0]["keyframes"][1]["t"] = 0.5  # before the first keyframe
    bad = tmp_path / "unsorted.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ValidationError, match=r"^unsorted\.json: tracks\[0\]\.keyframes\[1\]\.t: keyframes must be in time order"):
        service.import_file(liaison, clip.id, bad)
    doc["tracks"][0]["keyframes"][1] = {"t": 3.0, "box": [0.1, 0.2, 0.0, 0.1]}
    bad.write_text(json.dumps(doc))
    with pytest.raises(ValidationError, match=r"tracks\[0\]\.keyframes\[1\]\.box: width must be > 0"):
        service.import_file(liaison, clip.id, bad)
    (tmp_path / "broken.json").write_text('{"format": ')
    with pytest.raises(ValidationError, match=r"^broken\.json: not valid JSON"):
        service.import_file(liaison, clip.id, tmp_path / "broken.json")
    with pytest.raises(ValidationError, match=r"^missing\.json: cannot read"):
        service.import_file(liaison, clip.id, tmp_path / "missing.json")

    assert service.get(liaison, clip.id).version == 0  # nothing of a rejected file was stored
    assert actions(db, "alteration.redaction") == []


def test_export_import_round_trip_and_audit(db, clip, service, liaison, tmp_path):
    original = RedactionSet(clip.sha256, (track("face"), track("plate", "plate", t0=0.0, x=0.6)),
                            blank=((7.0, 8.0),), mute=((2.0, 2.5),))
    saved = service.save(liaison, clip.id, original, 0)
    out = tmp_path / "exports" / "r.json"
    exported = service.export_file(liaison, clip.id, out)
    assert exported.version == saved.version
    with db.read() as s:  # what is stored is the interchange document itself
        row = s.scalar(select(RedactionSetRecord).where(RedactionSetRecord.footage_id == clip.id))
        assert row.document == json.loads(out.read_text()) and row.document["format"] == "reviewtool-redactions/1"
    assert RedactionSet.from_json_text(out.read_text(), expected_sha256=clip.sha256) == original

    replaced = service.save(liaison, clip.id, RedactionSet(clip.sha256, (track("other"),)), saved.version)
    imported = service.import_file(liaison, clip.id, out)
    assert imported.document == original and imported.state == "draft" and imported.version == replaced.version + 1

    export_event = actions(db, "disclosure.export")[-1]
    assert export_event.details["to"] == "r.json" and export_event.details["tracks"] == 2
    import_event = actions(db, "alteration.redaction")[-1]
    assert import_event.details["source"] == "import" and import_event.details["import_file"] == "r.json"
    assert import_event.details["tracks_added"] == ["face", "plate"]
    assert import_event.details["tracks_removed"] == ["other"]


def test_policy_drops_only_the_subject_face(db, clip, service, liaison, admin):
    doc = RedactionSet(clip.sha256, (track("subject", "face_subject"), track("bystander", "face_bystander"),
                                     track("plate", "plate", x=0.6)))
    state = service.save(liaison, clip.id, doc, 0)
    service.approve(liaison, clip.id, state.version)
    assert [t.label for t in service.approved_set_for_playback(clip.id).tracks] == \
        ["face_subject", "face_bystander", "plate"]
    SettingsService(db).set(admin, "redact_subject_face", False)
    shown = service.approved_set_for_playback(clip.id)
    assert [t.id for t in shown.tracks] == ["bystander", "plate"]
    assert service.get(liaison, clip.id).document == doc  # the stored set keeps the track


@sqlite_only
def test_only_redaction_editors_may_touch_redactions(db, clip, service, liaison, admin, tmp_path):
    for actor in (PANEL, SUPERVISOR, admin):
        with pytest.raises(PermissionDenied):
            service.get(actor, clip.id)
        with pytest.raises(PermissionDenied):
            service.save(actor, clip.id, RedactionSet(clip.sha256, ()), 0)
        with pytest.raises(PermissionDenied):
            service.approve(actor, clip.id, 0, confirm_empty=True)
        with pytest.raises(PermissionDenied):
            service.export_file(actor, clip.id, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


@sqlite_only
def test_purged_clip_cannot_be_redacted_or_played(db, clip, service, liaison):
    state = service.approve(liaison, clip.id, 0, confirm_empty=True)
    with db.session() as s:
        from reviewtool.core.db import utcnow

        s.get(Footage, clip.id).purged_at = utcnow()
    assert service.approved_set_for_playback(clip.id) is None
    with pytest.raises(ValidationError, match="erased under the retention rule"):
        service.save(liaison, clip.id, RedactionSet(clip.sha256, (track("a"),)), state.version)


def test_find_footage_by_name_stem_sha_prefix_and_id(db, clip):
    second = add_clip(db, "BWV-0002.mp4")
    with db.read() as s:
        assert find_footage(s, "BWV-0001.mp4").id == clip.id
        assert find_footage(s, "bwv-0001").id == clip.id
        assert find_footage(s, clip.sha256[:8].upper()).id == clip.id
        assert find_footage(s, str(second.id)).id == second.id
        with pytest.raises(NotFound, match="BWV-9999"):
            find_footage(s, "BWV-9999")
        with pytest.raises(ValidationError):
            find_footage(s, "  ")
        with pytest.raises(NotFound):
            find_footage(s, "BWV_0001")  # "_" is not a wildcard


@sqlite_only
def test_damaged_stored_document_never_plays(db, clip, service, liaison):
    state = service.save(liaison, clip.id, RedactionSet(clip.sha256, (track("a"),)), 0)
    service.approve(liaison, clip.id, state.version)
    with db.session() as s:
        row = s.scalar(select(RedactionSetRecord).where(RedactionSetRecord.footage_id == clip.id))
        document = dict(row.document)
        document["tracks"] = [{**document["tracks"][0], "labell": "x"}]
        row.document = document
    with pytest.raises(ValidationError, match="stored redactions of BWV-0001.mp4 are unreadable"):
        service.approved_set_for_playback(clip.id)


@sqlite_only
def test_states_lists_each_clip(db, clip, service, liaison):
    second = add_clip(db, "BWV-0002.mp4")
    service.approve(liaison, second.id, 0, confirm_empty=True)
    assert service.states(liaison) == {clip.id: "none", second.id: "approved"}
    assert service.states(liaison, [clip.id]) == {clip.id: "none"}


@sqlite_only
def test_export_path_that_cannot_be_written_names_the_file(db, clip, service, liaison, tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValidationError, match="^r.json: cannot write"):
        service.export_file(liaison, clip.id, blocker / "r.json")


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
def test_a_save_racing_another_is_a_conflict_not_an_overwrite(db, clip, service, liaison):
    """Both saves pass the version check; the other one commits first. The row's version column makes
    the late UPDATE match nothing (StaleDataError), which reaches the person as Conflict."""
    from sqlalchemy import event

    first = service.save(liaison, clip.id, RedactionSet(clip.sha256, (track("base"),)), 0)
    theirs = RedactionSet(clip.sha256, (track("theirs"),))
    raced = []

    def other_writer_commits_first(mapper, connection, target):
        if not raced:
            raced.append(True)
            with db.session() as s:
                row = s.scalar(select(RedactionSetRecord).where(RedactionSetRecord.footage_id == clip.id))
                row.document = theirs.to_json()

    event.listen(RedactionSetRecord, "before_update", other_writer_commits_first)
    try:
        with pytest.raises(Conflict, match="changed by someone else"):
            service.save(liaison, clip.id, RedactionSet(clip.sha256, (track("mine"),)), first.version)
    finally:
        event.remove(RedactionSetRecord, "before_update", other_writer_commits_first)
    assert raced and service.get(liaison, clip.id).document == theirs
    assert [e.details["tracks_added"] for e in actions(db, "alteration.redaction")] == [["base"]]
