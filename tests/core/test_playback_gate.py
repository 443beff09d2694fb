"""The privacy gate on real clips: who may open which player, approved redactions only (with the force
policy), a changed clip never plays, a missing or changed FrameIndex shows every frame protected, and
every opening is audited."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np
import pytest
from sqlalchemy import select

from reviewtool.core.auth import Actor
from reviewtool.core.db import utcnow
from reviewtool.core.errors import NotFound, PermissionDenied, ValidationError
from reviewtool.core.footage_service import FootageService
from reviewtool.core.models import (
    Attendance,
    AuditEvent,
    FrameIndexRecord,
    PanelMember,
    ReviewSession,
    SessionItem,
    StopRecord,
    User,
)
from reviewtool.core.playback import PlaybackService
from reviewtool.core.redactions import RedactionService
from reviewtool.core.rubric import default_rubric, ensure_rubric
from reviewtool.core.settings import SettingsService
from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack
from reviewtool.media.synth import make_clip
from reviewtool.progress import run_to_end

pytestmark = pytest.mark.media
VLC_ARGS = ("--aout=dummy",)
SUPERVISOR = Actor("sup1", "supervisor")


@pytest.fixture(scope="module")
def clip_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gate-clips") / "BWV-gate.mp4"
    make_clip(path, duration_s=2.0, width=320, height=180, seed=5, faces=2, audio=False)
    return path


@pytest.fixture
def clip(sqlite_db, clip_file, tmp_path, liaison) -> int:
    """The clip ingested into a fresh database, from a private copy (tests may damage it)."""
    copy = tmp_path / clip_file.name
    shutil.copyfile(clip_file, copy)
    (outcome,) = run_to_end(FootageService(sqlite_db).ingest(liaison, [copy]))
    assert not outcome.error
    return outcome.footage_id


def approve(db, liaison, footage_id: int, *labels: str) -> RedactionSet:
    service = RedactionService(db)
    state = service.get(liaison, footage_id)
    tracks = tuple(RedactionTrack(f"t{i}", label, "solid", "rect",
                                  (Keyframe(0.0, (0.1 + 0.2 * i, 0.1, 0.15, 0.2)), Keyframe(2.0, (0.1 + 0.2 * i, 0.1, 0.15, 0.2))))
                   for i, label in enumerate(labels))
    doc = RedactionSet(state.footage_sha256, tracks)
    saved = service.save(liaison, footage_id, doc, state.version)
    service.approve(liaison, footage_id, saved.version, confirm_empty=not labels)
    return doc


def events(db, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def file_path(db, footage_id: int) -> Path:
    return Path(PlaybackService(db).clip_info(Actor("l", "liaison"), footage_id).file_path)


def add_session(db, footage_id: int, status: str) -> int:
    with db.session() as s:
        review = ReviewSession(name=f"session {status}", status=status,
                               rubric_id=ensure_rubric(s, default_rubric()).id, created_by="t")
        stop = StopRecord(reference=f"R-{status}", type="Person search", occurred_at=utcnow())
        s.add_all([review, stop])
        s.flush()
        s.add(SessionItem(session_id=review.id, stop_id=stop.id, position=1, footage_id=footage_id))
        return review.id


def panel_member(db, session_id: int, *, acknowledged: bool) -> Actor:
    with db.session() as s:
        user = User(username="panel1", display_name="Panel One", role="panel", password_hash="x")
        s.add(user)
        s.flush()
        member = PanelMember(name="Panel One", initials="PO", user_id=user.id)
        s.add(member)
        s.flush()
        s.add(Attendance(session_id=session_id, panel_member_id=member.id, present=True, recorded_by="t",
                         confidentiality_acknowledged_at=utcnow() if acknowledged else None))
        return Actor(user.username, user.role, user.id)


def test_supervisors_see_no_footage_and_panel_no_raw(sqlite_db, clip, liaison, admin, tmp_path):
    approve(sqlite_db, liaison, clip, "face_bystander")
    gate = PlaybackService(sqlite_db)
    for call in (lambda a: gate.open_redacted(a, clip), lambda a: gate.open_raw(a, clip),
                 lambda a: gate.clip_info(a, clip),
                 lambda a: gate.audit_clip(a, clip, [{"play": 0.1}], tmp_path / "out")):
        with pytest.raises(PermissionDenied):
            call(SUPERVISOR)
        with pytest.raises(PermissionDenied):
            call(admin)
    panel = Actor("panel1", "panel", 99)
    with pytest.raises(PermissionDenied):
        gate.open_raw(panel, clip)
    with pytest.raises(PermissionDenied, match="only in a review session"):
        gate.open_redacted(panel, clip)
    assert not (tmp_path / "out").exists()
    assert events(sqlite_db, "consultation.view_raw") == events(sqlite_db, "consultation.view_redacted") == []


def test_unapproved_redactions_never_play(sqlite_db, clip, liaison, tmp_path):
    gate = PlaybackService(sqlite_db)
    with pytest.raises(ValidationError, match="redactions for BWV-gate.mp4 are not approved"):
        gate.open_redacted(liaison, clip)
    service = RedactionService(sqlite_db)
    doc = approve(sqlite_db, liaison, clip, "plate")
    state = service.get(liaison, clip)
    service.save(liaison, clip, doc.without_track("t0"), state.version)  # back to draft
    with pytest.raises(ValidationError, match="not approved"):
        gate.open_redacted(liaison, clip)
    with pytest.raises(ValidationError, match="not approved"):
        gate.audit_clip(liaison, clip, [{"play": 0.1}], tmp_path / "out")
    with pytest.raises(NotFound):
        gate.open_redacted(liaison, 12345)
    info = gate.clip_info(liaison, clip)
    assert (info.redaction_state, info.frame_count, info.width, info.height, info.index_present) == \
        ("draft", 60, 320, 180, True)


def test_changed_clip_is_refused_and_logged(sqlite_db, clip, liaison, tmp_path):
    approve(sqlite_db, liaison, clip, "face_bystander")
    path = file_path(sqlite_db, clip)
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4] = b"\x00\x01\x02\x03"
    path.write_bytes(bytes(data))
    gate = PlaybackService(sqlite_db)
    with pytest.raises(ValidationError, match="BWV-gate.mp4 has changed since it was ingested"):
        gate.open_redacted(liaison, clip)
    with pytest.raises(ValidationError, match="BWV-gate.mp4 has changed"):
        gate.open_raw(liaison, clip)
    with pytest.raises(ValidationError, match="BWV-gate.mp4 has changed"):
        gate.audit_clip(liaison, clip, [{"play": 0.5}], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert len(events(sqlite_db, "consultation.verify_footage")) == 3
    assert events(sqlite_db, "consultation.view_redacted") == events(sqlite_db, "consultation.view_raw") == []
    path.unlink()
    with pytest.raises(ValidationError, match="clip not found"):
        gate.open_redacted(liaison, clip)


@pytest.mark.vlc
def test_panel_sees_a_clip_only_in_its_running_session(sqlite_db, clip, liaison):
    approve(sqlite_db, liaison, clip, "face_bystander")
    gate = PlaybackService(sqlite_db)
    planned = add_session(sqlite_db, clip, "planned")
    panel = panel_member(sqlite_db, planned, acknowledged=True)
    with pytest.raises(PermissionDenied, match="not running"):
        gate.open_redacted(panel, clip, session_id=planned)
    running = add_session(sqlite_db, clip, "running")
    with pytest.raises(PermissionDenied, match="confidentiality"):
        gate.open_redacted(panel, clip, session_id=running)
    with sqlite_db.session() as s:
        member = s.scalar(select(PanelMember).where(PanelMember.user_id == panel.user_id))
        s.add(Attendance(session_id=running, panel_member_id=member.id, present=True, recorded_by="t",
                         confidentiality_acknowledged_at=utcnow()))
    player = gate.open_redacted(panel, clip, session_id=running, vlc_args=VLC_ARGS)
    try:
        assert player.mode == "redacted" and player.index is not None
    finally:
        player.release()
    (view,) = events(sqlite_db, "consultation.view_redacted")
    assert (view.actor, view.details["session"], view.details["session_name"]) == ("panel1", running, "session running")


@pytest.mark.vlc
def test_policy_applies_and_views_are_audited(sqlite_db, clip, liaison, admin):
    approve(sqlite_db, liaison, clip, "face_subject", "face_bystander")
    gate = PlaybackService(sqlite_db)
    player = gate.open_redacted(liaison, clip, vlc_args=VLC_ARGS)
    assert [t.label for t in player.redactions.tracks] == ["face_subject", "face_bystander"]
    player.release()
    SettingsService(sqlite_db).set(admin, "redact_subject_face", False)
    player = gate.open_redacted(liaison, clip, vlc_args=VLC_ARGS)
    assert [t.label for t in player.redactions.tracks] == ["face_bystander"]  # bystanders always
    player.release()
    raw = gate.open_raw(liaison, clip, vlc_args=VLC_ARGS)
    assert raw.mode == "raw" and raw.redactions is None
    raw.release()
    views = events(sqlite_db, "consultation.view_redacted")
    assert [v.details["redact_subject_face"] for v in views] == [True, False]
    assert all(v.details["session"] is None and v.details["index"] for v in views)
    (raw_view,) = events(sqlite_db, "consultation.view_raw")
    assert raw_view.actor == "liaison1" and raw_view.reason == "redaction"


def _all_black(png: Path) -> bool:
    with av.open(str(png)) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="rgb24")
    return int(np.max(picture)) <= 16


@pytest.mark.vlc
def test_missing_or_changed_frame_index_protects_every_frame(sqlite_db, clip, liaison, tmp_path):
    approve(sqlite_db, liaison, clip, "face_bystander")
    gate = PlaybackService(sqlite_db)
    with sqlite_db.read() as s:
        index = Path(s.scalar(select(FrameIndexRecord.path).where(FrameIndexRecord.footage_id == clip)))
    saved = index.read_bytes()

    index.write_bytes(saved + b"\x00")  # changed since ingest: not trusted
    player = gate.open_redacted(liaison, clip, vlc_args=VLC_ARGS)
    assert player.index is None
    player.release()

    index.unlink()
    assert gate.clip_info(liaison, clip).index_present is False
    summary = gate.audit_clip(liaison, clip, [{"play": 0.6}], tmp_path / "audit", scale=0.25)
    assert summary.written > 0
    assert summary.protected == summary.written and summary.identified == 0
    pngs = sorted((tmp_path / "audit").glob("*.png"))
    assert len(pngs) == summary.written and all(_all_black(p) for p in pngs)
    (audit_event,) = [e for e in events(sqlite_db, "consultation.view_redacted") if e.reason == "redaction audit"]
    assert audit_event.details["index"] is False and audit_event.details["protected"] == summary.written


@pytest.mark.vlc
def test_audit_of_an_unsaved_set_and_refused_output_folders(sqlite_db, clip, liaison, tmp_path):
    gate = PlaybackService(sqlite_db)
    sha = gate.clip_info(liaison, clip).sha256
    used = tmp_path / "used"
    used.mkdir()
    (used / "old.txt").write_text("x")
    with pytest.raises(ValidationError, match="must be new or empty"):
        gate.audit_clip(liaison, clip, [{"play": 0.1}], used, redactions=RedactionSet(sha, ()))
    with pytest.raises(ValidationError, match="scale"):
        gate.audit_clip(liaison, clip, [{"play": 0.1}], tmp_path / "a", scale=1.5, redactions=RedactionSet(sha, ()))
    with pytest.raises(ValidationError, match="action script: actions\\[0\\]"):
        gate.audit_clip(liaison, clip, [{"play": -1}], tmp_path / "a", redactions=RedactionSet(sha, ()))
    with pytest.raises(ValidationError, match="another clip"):
        gate.audit_clip(liaison, clip, [{"play": 0.1}], tmp_path / "a", redactions=RedactionSet("ab" * 32, ()))
    assert not (tmp_path / "a").exists()

    whole_clip_blank = RedactionSet(sha, (), blank=((0.0, 5.0),))
    summary = gate.audit_clip(liaison, clip, [{"play": 0.5}], tmp_path / "blank", scale=0.25,
                              redactions=whole_clip_blank)
    assert summary.written > 0 and summary.blanked == summary.identified == summary.written
    (event,) = events(sqlite_db, "consultation.view_redacted")
    assert event.details["redactions"] == "unsaved" and event.details["blanked"] == summary.written
    assert RedactionService(sqlite_db).get(liaison, clip).version == 0  # nothing was saved
