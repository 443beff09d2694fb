"""Read-only lists for the browsing screens: stop records and footage as plain, frozen rows.

The GUI shows these in tables (a Qt model wraps the list; see `reviewtool.ui.models`), the tests read
them directly.  Each list is read in one short read-only session and returned as dataclasses, so no
database object escapes and nothing can lazy-load later.  Permissions are checked here: stop records
need VIEW_STOPS, the footage list (file paths, redaction state) needs INGEST — supervisors and
administrators read stops but never handle footage.

What a stop row carries is what the liaison needs to find a stop (when, where, who, what power, what
outcome, which clips); the searched person's gender, age and ethnicity are deliberately not in it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database
from reviewtool.core.errors import ValidationError
from reviewtool.core.models import (
    Footage,
    FrameIndexRecord,
    Officer,
    RedactionSetRecord,
    Rubric,
    StopFootage,
    StopRecord,
    User,
)
from reviewtool.core.paths import resources_dir
from reviewtool.core.rubric import RubricDefinition, load_rubric_file, rubric_of

LONDON = ZoneInfo("Europe/London")
NO_REDACTIONS = "none"


@dataclass(frozen=True, slots=True)
class StopRow:
    id: int
    reference: str
    occurred_at: datetime          # UTC
    local_time: datetime           # Europe/London, for display
    month: str                     # "YYYY-MM" in Europe/London (DESIGN section 3)
    area: str
    team: str
    officer: str                   # collar number, "" when the record names none
    type: str
    legislation: str
    object_of_search: str
    outcome: str
    outcome_group: str
    grounds: str
    footage_refs: str              # as written in the imported file
    clips: tuple[str, ...]         # file names of the linked, ingested clips


@dataclass(frozen=True, slots=True)
class FootageRow:
    id: int
    file_name: str
    file_path: str
    sha256: str
    duration_s: float
    width: int
    height: int
    has_audio: bool
    decode_errors: int
    ingested_at: datetime
    ingested_by: str
    captured_at: datetime | None
    purged_at: datetime | None
    file_exists: bool
    index_ok: bool                 # a FrameIndex is recorded and its file is present
    redaction: str                 # "none" | "draft" | "approved"
    redaction_by: str
    stops: tuple[str, ...]         # references of the linked stops
    kept_until: date               # the force deletes its copy on this day (force_deletion_days)
    days_left: int                 # negative once past

    @property
    def status(self) -> str:
        """One word for the status column: what stops this clip being played, if anything."""
        if self.purged_at is not None:
            return "purged"
        if not self.file_exists:
            return "file missing"
        if not self.index_ok:
            return "index missing"
        return "ready" if self.redaction == "approved" else "ingested"


def list_stops(db: Database, actor: Actor) -> list[StopRow]:
    """Every stop record, newest first."""
    actor.require(Permission.VIEW_STOPS)
    with db.read() as s:
        clips: dict[int, list[str]] = defaultdict(list)
        for stop_id, name in s.execute(select(StopFootage.stop_id, Footage.file_name)
                                       .join(Footage, Footage.id == StopFootage.footage_id)
                                       .order_by(Footage.file_name)):
            clips[stop_id].append(name)
        rows = s.execute(
            select(StopRecord.id, StopRecord.reference, StopRecord.occurred_at, StopRecord.area, StopRecord.team,
                   Officer.identifier, StopRecord.type, StopRecord.legislation, StopRecord.object_of_search,
                   StopRecord.outcome, StopRecord.outcome_group, StopRecord.grounds, StopRecord.footage_refs)
            .outerjoin(Officer, Officer.id == StopRecord.officer_id)
            .order_by(StopRecord.occurred_at.desc(), StopRecord.reference)
        ).all()
    out = []
    for (sid, ref, when, area, team, officer, kind, legislation, obj, outcome, group, grounds, refs) in rows:
        local = when.astimezone(LONDON)
        out.append(StopRow(sid, ref, when, local, f"{local:%Y-%m}", area or "", team or "", officer or "",
                           kind or "", legislation or "", obj or "", outcome or "", group or "", grounds or "",
                           refs or "", tuple(clips.get(sid, ()))))
    return out


def list_footage(db: Database, actor: Actor, *, force_deletion_days: int,
                 today: date | None = None) -> list[FootageRow]:
    """Every ingested clip with what the footage screen shows about it, newest first.

    `kept_until` is the day the force deletes its copy: `force_deletion_days` (a setting) counted from
    capture, or from ingest when the capture time is not known. Looks at the disk for each clip and its
    FrameIndex (a moved drive shows up here before a meeting)."""
    actor.require(Permission.INGEST)
    today = today or datetime.now(LONDON).date()
    with db.read() as s:
        stops: dict[int, list[str]] = defaultdict(list)
        for footage_id, ref in s.execute(select(StopFootage.footage_id, StopRecord.reference)
                                         .join(StopRecord, StopRecord.id == StopFootage.stop_id)
                                         .order_by(StopRecord.reference)):
            stops[footage_id].append(ref)
        rows = s.execute(
            select(Footage, FrameIndexRecord.path, RedactionSetRecord.state, RedactionSetRecord.updated_by)
            .outerjoin(FrameIndexRecord, FrameIndexRecord.footage_id == Footage.id)
            .outerjoin(RedactionSetRecord, RedactionSetRecord.footage_id == Footage.id)
            .order_by(Footage.ingested_at.desc(), Footage.id.desc())
        ).all()
    out = []
    for clip, index_path, state, redaction_by in rows:
        base = (clip.captured_at or clip.ingested_at).astimezone(LONDON).date()
        kept_until = base + timedelta(days=force_deletion_days)
        out.append(FootageRow(
            id=clip.id, file_name=clip.file_name, file_path=clip.file_path, sha256=clip.sha256,
            duration_s=clip.duration_s, width=clip.width, height=clip.height, has_audio=clip.has_audio,
            decode_errors=clip.decode_errors, ingested_at=clip.ingested_at, ingested_by=clip.ingested_by,
            captured_at=clip.captured_at, purged_at=clip.purged_at,
            file_exists=Path(clip.file_path).is_file(),
            index_ok=bool(index_path) and Path(index_path).is_file(),
            redaction=state or NO_REDACTIONS, redaction_by=redaction_by or "",
            stops=tuple(stops.get(clip.id, ())), kept_until=kept_until, days_left=(kept_until - today).days,
        ))
    return out


def own_display_name(db: Database, actor: Actor) -> str:
    """The signed-in person's own name for the status bar (anyone may read their own)."""
    with db.read() as s:
        name = s.scalar(select(User.display_name).where(User.username == actor.username))
    return name or actor.username


def available_rubrics(db: Database) -> list[RubricDefinition]:
    """Every rubric a session could use: those already in the database, then those installed in
    `resources/rubrics/` — one entry per key and version, sorted by key and version."""
    found: dict[tuple[str, int], RubricDefinition] = {}
    with db.read() as s:
        for row in s.scalars(select(Rubric).order_by(Rubric.key, Rubric.version)):
            found[(row.key, row.version)] = rubric_of(row)
    folder = resources_dir() / "rubrics"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            rubric = load_rubric_file(path)
        except ValidationError:
            continue
        found.setdefault((rubric.key, rubric.version), rubric)
    return [found[k] for k in sorted(found)]
