"""Retention: erase the tool's own copies of a clip some days after the sessions that showed it closed.

The force keeps (and deletes) its original body-worn video under its own rules; this tool must not keep
its derived copies longer than it needs them (DESIGN section 5, UK DPA 2018 Part 3). When a clip is due,
`purge` erases:
- the clip's FrameIndex file (signatures of every frame);
- the thumbnail strip stored in the database (small *unredacted* pictures of the clip);
- the clip file itself **only if it lies inside the tool's own data folders** (the user data folder or
  the frame-index folder beside the database) -- a copy the tool made or was given to keep. A file
  anywhere else is the force's original: it is never touched, whatever its age.
and sets `Footage.purged_at`, after which no service will play, audit or redact the clip. Each purge is
one transaction with its `Actions.ERASURE` audit event, and the files are deleted inside it: if a
deletion fails the clip is left as it was (reported, retried next time); if the commit failed after the
deletion the clip is still due and the next run finishes it.

When is a clip due? It must appear in at least one review session, every such session must be closed,
and `retention_days` (a setting) must have passed since the *last* of them closed. The model has no
closing time, so the time a session closed is read from the audit log: the newest event recorded against
that session (object type `review_session`). Nothing changes a closed session, so for a closed session
that event is its closing. A clip never sampled into a session is not due: it may still be reviewed.
The redaction document and the audit trail are kept: they hold no pictures, and they prove what was done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import PermissionDenied
from reviewtool.core.models import AuditEvent, Footage, FrameIndexRecord, ReviewSession, SessionItem
from reviewtool.core.paths import data_dir, index_dir_for
from reviewtool.core.settings import SettingsService

log = logging.getLogger(__name__)

SESSION_OBJECT = "review_session"


@dataclass(frozen=True)
class RetentionItem:
    """A clip whose copies are due for erasure, and why."""

    footage_id: int
    file_name: str
    sha256: str
    sessions: tuple[str, ...]
    last_closed_at: datetime
    due_at: datetime
    index_path: str | None
    clip_path: str
    clip_is_tool_copy: bool  # the clip file lies in the tool's own folders and will be deleted


@dataclass
class PurgeOutcome:
    item: RetentionItem
    erased: list[str] = field(default_factory=list)  # what was (or, in a dry run, would be) erased
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class RetentionService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def tool_folders(self) -> tuple[Path, ...]:
        """The folders whose files the tool owns (a clip in one of them is the tool's own copy)."""
        return (data_dir().resolve(), index_dir_for(self.db.url).resolve())

    def due(self, actor: Actor, now: datetime | None = None) -> list[RetentionItem]:
        """Clips due for erasure at `now`, oldest first."""
        _require(actor)
        now = now or utcnow()
        days = SettingsService(self.db).get("retention_days")
        folders = self.tool_folders()
        with self.db.read() as s:
            return [item for item in _candidates(s, days, folders) if item.due_at <= now]

    def purge(self, actor: Actor, dry_run: bool = False, now: datetime | None = None) -> list[PurgeOutcome]:
        """Erase the copies of every clip due at `now`; each clip one audited transaction."""
        outcomes = []
        for item in self.due(actor, now):
            outcome = PurgeOutcome(item, _what_to_erase(item))
            outcomes.append(outcome)
            if dry_run:
                continue
            try:
                self._purge_one(actor, item, outcome)
            except OSError as exc:
                outcome.error = f"{item.file_name}: could not erase ({exc.strerror or exc}); nothing was changed"
                log.error("%s", outcome.error)
        return outcomes

    def _purge_one(self, actor: Actor, item: RetentionItem, outcome: PurgeOutcome) -> None:
        days = SettingsService(self.db).get("retention_days")
        with self.db.session() as s:
            clip = s.get(Footage, item.footage_id)
            if clip is None or clip.purged_at is not None:
                outcome.erased = []
                return
            clip.thumbnail_strip = None
            clip.purged_at = utcnow()
            s.flush()
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.ERASURE, object_type="footage",
                         object_id=clip.id, reason=f"retention: {days} days after the last session closed",
                         details={"file": clip.file_name, "sha256": clip.sha256, "sessions": list(item.sessions),
                                  "last_closed_at": item.last_closed_at, "retention_days": days,
                                  "erased": outcome.erased, "clip_file_kept": not item.clip_is_tool_copy})
            # Last, so that a failed deletion rolls the record back; missing files are already erased.
            if item.index_path:
                Path(item.index_path).unlink(missing_ok=True)
            if item.clip_is_tool_copy:
                Path(item.clip_path).unlink(missing_ok=True)


def _require(actor: Actor) -> None:
    if not (actor.can(Permission.INGEST) or actor.can(Permission.CHANGE_SETTINGS)):
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not manage footage retention")


def _what_to_erase(item: RetentionItem) -> list[str]:
    erased = ["thumbnails"]
    if item.index_path:
        erased.append("frame index")
    if item.clip_is_tool_copy:
        erased.append("clip copy")
    return erased


def _inside(path: Path, folders: tuple[Path, ...]) -> bool:
    try:
        resolved = path.resolve()
    except OSError:
        return False
    return any(resolved.is_relative_to(folder) for folder in folders)


def _session_close_times(s: Session) -> dict[int, tuple[str, datetime | None]]:
    """Every session's name and, for closed ones, when it closed (its newest audit event)."""
    last_event = dict(s.execute(
        select(AuditEvent.object_id, func.max(AuditEvent.occurred_at))
        .where(AuditEvent.object_type == SESSION_OBJECT).group_by(AuditEvent.object_id)).all())
    out: dict[int, tuple[str, datetime | None]] = {}
    for sid, name, status, created_at in s.execute(
            select(ReviewSession.id, ReviewSession.name, ReviewSession.status, ReviewSession.created_at)):
        if status != "closed":
            out[sid] = (name, None)
        else:
            out[sid] = (name, last_event.get(str(sid)) or created_at)
    return out


def _candidates(s: Session, days: int, folders: tuple[Path, ...]) -> list[RetentionItem]:
    sessions = _session_close_times(s)
    shown: dict[int, set[int]] = {}
    for footage_id, session_id in s.execute(select(SessionItem.footage_id, SessionItem.session_id)
                                            .where(SessionItem.footage_id.is_not(None)).distinct()):
        shown.setdefault(footage_id, set()).add(session_id)
    if not shown:
        return []
    items = []
    rows = s.execute(select(Footage.id, Footage.file_name, Footage.sha256, Footage.file_path, FrameIndexRecord.path)
                     .outerjoin(FrameIndexRecord, FrameIndexRecord.footage_id == Footage.id)
                     .where(Footage.purged_at.is_(None), Footage.id.in_(list(shown))))
    for fid, file_name, sha, clip_path, index_path in rows:
        closes = [sessions[sid][1] for sid in shown[fid]]
        if any(when is None for when in closes):
            continue  # still planned or running somewhere
        last = max(when for when in closes if when is not None)
        items.append(RetentionItem(
            footage_id=fid, file_name=file_name, sha256=sha,
            sessions=tuple(sorted(sessions[sid][0] for sid in shown[fid])), last_closed_at=last,
            due_at=last + timedelta(days=days), index_path=index_path, clip_path=clip_path,
            clip_is_tool_copy=_inside(Path(clip_path), folders)))
    items.sort(key=lambda item: (item.due_at, item.footage_id))
    return items
