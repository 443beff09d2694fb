"""The privacy gate: the only way a UI (or the CLI) gets a player for a clip.

Who sees what (DESIGN sections 1 and 5):
- redacted footage needs VIEW_REDACTED_FOOTAGE **and** an approved redaction set; it is played with the
  force's policy applied. A panel member (who neither plans sessions nor redacts) sees a clip only
  through a running review session that contains it, once recorded present with confidentiality
  acknowledged.
- raw footage needs VIEW_RAW_FOOTAGE (the liaison officer, for redacting); a supervisor sees no footage.
- every opening is audited (Actions.VIEW_REDACTED / VIEW_RAW, with the session) before it is returned.

What must hold before a frame is shown is checked here or in the player, never skipped:
- the clip's bytes are re-hashed in full in `RedactedPlayer.open()`; a changed or missing file is a
  `ValidationError` naming the file, the player is released and nothing plays;
- the FrameIndex file must be the one recorded at ingest (its SHA-256); a missing, changed or unreadable
  index is passed on as *no index*, and the player then shows every frame black and protected.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database
from reviewtool.core.errors import NotFound, PermissionDenied, ValidationError
from reviewtool.core.models import (
    Attendance,
    Footage,
    FrameIndexRecord,
    PanelMember,
    RedactionSetRecord,
    ReviewSession,
    SessionItem,
)
from reviewtool.core.redactions import (
    RedactionService,
    document_digest,
    get_footage,
    read_redaction_file,
    require_not_purged,
)
from reviewtool.core.settings import SettingsService
from reviewtool.media.audit_run import ActionScriptError, AuditSummary, run_redaction_audit
from reviewtool.media.ingest import MediaError, sha256_file
from reviewtool.media.player import ClipChanged, RedactedPlayer
from reviewtool.media.redaction import RedactionSet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipInfo:
    """What a UI needs to lay out a clip before playing it (no pixels)."""

    footage_id: int
    file_name: str
    file_path: str
    sha256: str
    duration_s: float
    frame_count: int
    width: int
    height: int
    average_fps: float
    rotation: int
    has_audio: bool
    index_path: str | None
    index_present: bool
    redaction_state: str  # none | draft | approved
    purged: bool


class PlaybackService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def clip_info(self, actor: Actor, footage_id: int) -> ClipInfo:
        if not any(actor.can(p) for p in (Permission.VIEW_REDACTED_FOOTAGE, Permission.VIEW_RAW_FOOTAGE,
                                          Permission.EDIT_REDACTIONS)):
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not see footage")
        with self.db.read() as s:
            clip = get_footage(s, footage_id)
            index = _index_record(s, footage_id)
            state = s.scalar(select(RedactionSetRecord.state).where(RedactionSetRecord.footage_id == footage_id))
            return ClipInfo(
                footage_id=clip.id, file_name=clip.file_name, file_path=clip.file_path, sha256=clip.sha256,
                duration_s=clip.duration_s, frame_count=clip.frame_count, width=clip.width, height=clip.height,
                average_fps=clip.average_fps, rotation=clip.rotation, has_audio=clip.has_audio,
                index_path=index.path if index is not None else None,
                index_present=index is not None and Path(index.path).is_file(),
                redaction_state=state or "none", purged=clip.purged_at is not None)

    def open_redacted(self, actor: Actor, footage_id: int, session_id: int | None = None,
                      vlc_args: Sequence[str] = ()) -> RedactedPlayer:
        """An opened player showing the clip with its approved redactions (policy applied)."""
        actor.require(Permission.VIEW_REDACTED_FOOTAGE)
        with self.db.read() as s:
            clip = get_footage(s, footage_id)
            require_not_purged(clip)
            session_name = self._check_session(s, actor, clip, session_id)
            index = _checked_index(s, clip)
        policy = SettingsService(self.db).policy()
        redactions = RedactionService(self.db).approved_set_for_playback(footage_id, policy)
        if redactions is None:
            raise ValidationError(f"redactions for {clip.file_name} are not approved; it cannot be shown yet")
        player = self._opened(actor, clip, index, redactions, "redacted", vlc_args)
        details = {"file": clip.file_name, "sha256": clip.sha256, "session": session_id,
                   "session_name": session_name, "redactions_sha256": document_digest(redactions),
                   "redact_subject_face": policy.redact_subject_face, "index": index is not None}
        self._audit_view(player, actor, Actions.VIEW_REDACTED, clip, details)
        return player

    def open_raw(self, actor: Actor, footage_id: int, vlc_args: Sequence[str] = (),
                 reason: str = "redaction") -> RedactedPlayer:
        """An opened player showing the clip unredacted (the redaction editor; liaison only)."""
        actor.require(Permission.VIEW_RAW_FOOTAGE)
        with self.db.read() as s:
            clip = get_footage(s, footage_id)
            require_not_purged(clip)
            index = _checked_index(s, clip)
        player = self._opened(actor, clip, index, None, "raw", vlc_args)
        self._audit_view(player, actor, Actions.VIEW_RAW, clip,
                         {"file": clip.file_name, "sha256": clip.sha256, "index": index is not None},
                         reason=reason)
        return player

    def open_preview(self, actor: Actor, footage_id: int, redactions: RedactionSet,
                     vlc_args: Sequence[str] = ()) -> RedactedPlayer:
        """An opened player showing the clip redacted with a set that need not be approved (the
        editor's "as the panel will see it" view), with the force's policy applied."""
        actor.require(Permission.EDIT_REDACTIONS)
        with self.db.read() as s:
            clip = get_footage(s, footage_id)
            require_not_purged(clip)
            index = _checked_index(s, clip)
        if redactions.footage_sha256 != clip.sha256:
            raise ValidationError(f"these redactions were made for another clip, not {clip.file_name}")
        policy = SettingsService(self.db).policy()
        effective = redactions.effective(policy)
        player = self._opened(actor, clip, index, effective, "redacted", vlc_args)
        self._audit_view(player, actor, Actions.VIEW_REDACTED, clip,
                         {"file": clip.file_name, "sha256": clip.sha256, "session": None, "preview": True,
                          "redactions_sha256": document_digest(effective), "index": index is not None})
        return player

    def audit_clip(self, actor: Actor, footage_id: int, actions: Any, out_dir: str | Path, scale: float = 0.5,
                   redactions_path: str | Path | None = None, vlc_args: Sequence[str] = (), *,
                   redactions: RedactionSet | None = None) -> AuditSummary:
        """Play the clip through the real player path following `actions` and write what the screen
        showed (frames.jsonl + redacted PNGs) into `out_dir` (DESIGN section 10). Blocks while it plays.

        Uses the approved set; or the file at `redactions_path`, or the set `redactions` (the editor's
        unsaved draft), to check a set before approval. The force's policy is applied either way. A
        clip whose bytes changed since ingest is refused and nothing is written."""
        actor.require(Permission.EDIT_REDACTIONS)
        if redactions_path is not None and redactions is not None:
            raise ValueError("give a redaction file or a redaction set, not both")
        if not (isinstance(scale, (int, float)) and math.isfinite(scale) and 0 < scale <= 1):
            raise ValidationError(f"scale: must be more than 0 and at most 1, got {scale}")
        out = Path(out_dir)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ValidationError(f"{out}: the output folder must be new or empty")
        with self.db.read() as s:
            clip = get_footage(s, footage_id)
            require_not_purged(clip)
            index = _checked_index(s, clip)
        policy = SettingsService(self.db).policy()
        if redactions_path is not None:
            source = Path(redactions_path).name
            redactions = read_redaction_file(Path(redactions_path), clip.sha256).effective(policy)
        elif redactions is not None:
            if redactions.footage_sha256 != clip.sha256:
                raise ValidationError(f"these redactions were made for another clip, not {clip.file_name}")
            source = "unsaved"
            redactions = redactions.effective(policy)
        else:
            source = "approved"
            redactions = RedactionService(self.db).approved_set_for_playback(footage_id, policy)
            if redactions is None:
                raise ValidationError(f"redactions for {clip.file_name} are not approved; give a redaction "
                                      "file to audit a draft")
        try:
            # No sound is heard in an audit: a dummy audio output keeps it from needing a sound card.
            summary = run_redaction_audit(clip.file_path, clip.sha256, index, redactions, actions, out, scale,
                                          vlc_args=("--aout=dummy", *vlc_args))
        except ClipChanged as exc:
            self._record_changed(actor, clip, exc)
            raise ValidationError(str(exc)) from None
        except ActionScriptError as exc:
            raise ValidationError(f"action script: {exc}") from None
        except MediaError as exc:
            raise ValidationError(str(exc)) from None
        with self.db.session() as s:
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.VIEW_REDACTED,
                         object_type="footage", object_id=clip.id, reason="redaction audit",
                         details={"file": clip.file_name, "sha256": clip.sha256, "redactions": source,
                                  "redactions_sha256": document_digest(redactions), "out_dir": str(out),
                                  "frames_written": summary.written, "identified": summary.identified,
                                  "blanked": summary.blanked, "protected": summary.protected,
                                  "redact_subject_face": policy.redact_subject_face, "index": index is not None})
        return summary

    # --- internals --------------------------------------------------------------------------------------

    def _check_session(self, s: Session, actor: Actor, clip: Footage, session_id: int | None) -> str | None:
        """A panel member sees a clip only in a running session that shows it, after being recorded
        present with confidentiality acknowledged. Staff who plan sessions or redact need no session."""
        in_meeting_only = not actor.can(Permission.PLAN_SESSIONS) and not actor.can(Permission.EDIT_REDACTIONS)
        if session_id is None:
            if in_meeting_only:
                raise PermissionDenied(f"{actor.username} ({actor.role}) may see footage only in a review session")
            return None
        review = s.get(ReviewSession, session_id)
        if review is None:
            raise NotFound(f"no review session with id {session_id}")
        shown = s.scalar(select(SessionItem.id).where(SessionItem.session_id == session_id,
                                                      SessionItem.footage_id == clip.id).limit(1))
        if shown is None:
            raise ValidationError(f"{clip.file_name} is not part of session {review.name!r}")
        if in_meeting_only:
            if review.status != "running":
                raise PermissionDenied(f"session {review.name!r} is not running; its clips are shown only "
                                       "during the meeting")
            attending = s.scalar(
                select(Attendance.id).join(PanelMember, PanelMember.id == Attendance.panel_member_id)
                .where(Attendance.session_id == session_id, PanelMember.user_id == actor.user_id,
                       PanelMember.user_id.is_not(None), Attendance.present.is_(True),
                       Attendance.confidentiality_acknowledged_at.is_not(None)).limit(1))
            if attending is None:
                raise PermissionDenied(f"{actor.username} is not recorded present with confidentiality "
                                       f"acknowledged in session {review.name!r}")
        return review.name

    def _opened(self, actor: Actor, clip: Footage, index: str | None, redactions: RedactionSet | None,
                mode: str, vlc_args: Sequence[str]) -> RedactedPlayer:
        player = RedactedPlayer(clip.file_path, clip.sha256, index, redactions, mode=mode, vlc_args=vlc_args)
        try:
            player.open()  # re-hashes the whole clip
        except ClipChanged as exc:
            player.release()
            self._record_changed(actor, clip, exc)
            raise ValidationError(str(exc)) from None
        except MediaError as exc:
            player.release()
            raise ValidationError(f"{clip.file_name}: {exc}") from None
        except BaseException:
            player.release()
            raise
        return player

    def _audit_view(self, player: RedactedPlayer, actor: Actor, action: str, clip: Footage,
                    details: dict[str, Any], reason: str = "") -> None:
        try:
            with self.db.session() as s:
                audit.record(s, actor=actor.username, role=actor.role, action=action, object_type="footage",
                             object_id=clip.id, reason=reason, details=details)
        except BaseException:
            player.release()  # an unlogged view must not happen
            raise

    def _record_changed(self, actor: Actor, clip: Footage, exc: ClipChanged) -> None:
        """A clip found changed is a security event: the refusal is logged, not only shown."""
        with self.db.session() as s:
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.VERIFY_FOOTAGE,
                         object_type="footage", object_id=clip.id,
                         details={"file": clip.file_name, "changed": True, "expected": exc.expected,
                                  "actual": exc.actual})


def _index_record(s: Session, footage_id: int) -> FrameIndexRecord | None:
    return s.scalar(select(FrameIndexRecord).where(FrameIndexRecord.footage_id == footage_id))


def _checked_index(s: Session, clip: Footage) -> str | None:
    """The clip's FrameIndex path if the file is the one written at ingest, else None (fail closed)."""
    record = _index_record(s, clip.id)
    if record is None:
        log.error("%s has no frame index: every frame will be protected", clip.file_name)
        return None
    path = Path(record.path)
    try:
        actual = sha256_file(path)
    except (OSError, MediaError) as exc:
        log.error("frame index of %s is unreadable (%s): every frame will be protected", clip.file_name, exc)
        return None
    if actual != record.file_sha256:
        log.error("frame index of %s changed since ingest: every frame will be protected", clip.file_name)
        return None
    return str(path)
