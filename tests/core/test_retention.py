"""Retention: which clips are due (every session that showed them closed, N days ago), what a purge
erases (frame index, thumbnails, the tool's own copy -- never the force's original), each purge audited
as erasure, a failed deletion leaving the clip as it was."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewtool.core import audit
from reviewtool.core.auth import Actor
from reviewtool.core.db import utcnow
from reviewtool.core.errors import PermissionDenied
from reviewtool.core.models import AuditEvent, Footage, FrameIndexRecord, ReviewSession, SessionItem, StopRecord
from reviewtool.core.paths import data_dir, index_dir_for
from reviewtool.core.retention import RetentionService
from reviewtool.core.rubric import default_rubric, ensure_rubric
from reviewtool.core.settings import SettingsService

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def add_clip(db, clip_path: Path) -> int:
    clip_path.parent.mkdir(parents=True, exist_ok=True)
    clip_path.write_bytes(b"clip bytes " + clip_path.name.encode())
    sha = hashlib.sha256(clip_path.read_bytes()).hexdigest()
    index = index_dir_for(db.url) / f"{sha}.npz"
    index.write_bytes(b"index")
    with db.session() as s:
        clip = Footage(sha256=sha, file_path=str(clip_path), file_name=clip_path.name, size_bytes=20, duration_s=3.0,
                       frame_count=90, width=320, height=180, codec="h264", average_fps=30.0, ingested_by="t",
                       thumbnail_strip=b"\x89PNG thumbnails")
        s.add(clip)
        s.flush()
        s.add(FrameIndexRecord(footage_id=clip.id, path=str(index), file_sha256="0" * 64, frame_count=90,
                               signature_version="x/1"))
        return clip.id


def add_session(db, name: str, clip_ids: list[int]) -> int:
    with db.session() as s:
        rubric = ensure_rubric(s, default_rubric())
        review = ReviewSession(name=name, rubric_id=rubric.id, created_by="t")
        s.add(review)
        s.flush()
        for position, footage_id in enumerate(clip_ids, 1):
            stop = StopRecord(reference=f"{name}-{position}", type="Person search", occurred_at=utcnow())
            s.add(stop)
            s.flush()
            s.add(SessionItem(session_id=review.id, stop_id=stop.id, position=position, footage_id=footage_id))
        audit.record(s, actor="t", role="liaison", action="collection.session_create", object_type="review_session",
                     object_id=review.id)
        return review.id


def close_session(db, session_id: int) -> None:
    """What the meeting does when it ends: the status, and an audit event against the session."""
    with db.session() as s:
        s.get(ReviewSession, session_id).status = "closed"
        audit.record(s, actor="t", role="liaison", action="alteration.session", object_type="review_session",
                     object_id=session_id, details={"change": "close"})


def footage(db, footage_id: int) -> Footage:
    with db.read() as s:
        return s.get(Footage, footage_id)


def index_file(db, footage_id: int) -> Path:
    with db.read() as s:
        return Path(s.scalar(select(FrameIndexRecord.path).where(FrameIndexRecord.footage_id == footage_id)))


def erasures(db) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "erasure").order_by(AuditEvent.seq)))


@pytest.fixture
def world(db, tmp_path):
    """Clips: `original` (the force's file), `copy` (inside the tool's data folder), `again` (also in a
    session still planned), `unsampled` (in no session). Session "March" showed the first three, closed."""
    clips = {
        "original": add_clip(db, tmp_path / "evidence" / "BWV-1.mp4"),
        "copy": add_clip(db, data_dir() / "copies" / "BWV-2.mp4"),
        "again": add_clip(db, tmp_path / "evidence" / "BWV-3.mp4"),
        "unsampled": add_clip(db, tmp_path / "evidence" / "BWV-4.mp4"),
    }
    march = add_session(db, "March", [clips["original"], clips["copy"], clips["again"]])
    add_session(db, "April", [clips["again"]])
    close_session(db, march)
    return clips


def test_due_and_purge(db, world, liaison):
    service = RetentionService(db)
    now = utcnow()
    assert service.due(liaison, now) == []
    assert service.due(liaison, now + timedelta(days=30)) == []
    later = now + timedelta(days=31, minutes=5)
    due = service.due(liaison, later)
    assert [item.footage_id for item in due] == [world["original"], world["copy"]]
    original, copy = due
    assert original.sessions == ("March",) and not original.clip_is_tool_copy and copy.clip_is_tool_copy
    assert timedelta(days=31) == original.due_at - original.last_closed_at
    assert abs(original.last_closed_at - now) < timedelta(minutes=1)

    dry = service.purge(liaison, dry_run=True, now=later)
    assert [o.erased for o in dry] == [["thumbnails", "frame index"], ["thumbnails", "frame index", "clip copy"]]
    assert footage(db, world["original"]).purged_at is None and index_file(db, world["original"]).exists()
    assert erasures(db) == []

    done = service.purge(liaison, now=later)
    assert all(o.ok for o in done) and len(done) == 2
    for name in ("original", "copy"):
        clip = footage(db, world[name])
        assert clip.purged_at is not None and clip.thumbnail_strip is None
        assert not index_file(db, world[name]).exists()
    assert Path(footage(db, world["original"]).file_path).exists()  # the force's original is never touched
    assert not Path(footage(db, world["copy"]).file_path).exists()  # the tool's own copy is erased
    for name in ("again", "unsampled"):
        clip = footage(db, world[name])
        assert clip.purged_at is None and clip.thumbnail_strip is not None and index_file(db, world[name]).exists()

    events = erasures(db)
    assert [e.object_id for e in events] == [str(world["original"]), str(world["copy"])]
    assert events[0].details["erased"] == ["thumbnails", "frame index"] and events[0].details["clip_file_kept"]
    assert events[1].details["erased"] == ["thumbnails", "frame index", "clip copy"]
    assert events[0].details["sessions"] == ["March"] and events[0].details["retention_days"] == 31
    assert "31 days" in events[0].reason

    assert service.purge(liaison, now=later) == []  # nothing left to do


@sqlite_only
def test_retention_days_setting_and_later_sessions(db, world, liaison, admin):
    SettingsService(db).set(admin, "retention_days", 5)
    service = RetentionService(db)
    in_six_days = utcnow() + timedelta(days=6)
    assert {i.footage_id for i in service.due(liaison, in_six_days)} == {world["original"], world["copy"]}
    # a clip shown again in a later session is kept until that one has closed too
    may = add_session(db, "May", [world["original"]])
    assert {i.footage_id for i in service.due(liaison, in_six_days)} == {world["copy"]}
    close_session(db, may)
    assert {i.footage_id for i in service.due(admin, in_six_days)} == {world["original"], world["copy"]}


@sqlite_only
def test_failed_deletion_leaves_the_clip_as_it_was(db, world, liaison):
    blocked = index_file(db, world["original"])
    blocked.unlink()
    blocked.mkdir()  # a folder where the index file was: unlink fails
    (blocked / "keep").write_text("x")
    outcomes = RetentionService(db).purge(liaison, now=utcnow() + timedelta(days=40))
    failed = [o for o in outcomes if not o.ok]
    assert len(failed) == 1 and failed[0].item.footage_id == world["original"]
    assert "BWV-1.mp4: could not erase" in failed[0].error
    clip = footage(db, world["original"])
    assert clip.purged_at is None and clip.thumbnail_strip is not None
    assert [e.object_id for e in erasures(db)] == [str(world["copy"])]


@sqlite_only
def test_only_staff_manage_retention(db, world):
    for actor in (Actor("p", "panel"), Actor("s", "supervisor")):
        with pytest.raises(PermissionDenied):
            RetentionService(db).due(actor)
        with pytest.raises(PermissionDenied):
            RetentionService(db).purge(actor)
