"""Linking stops to clips by the force export's `Footage` column (file names or clip ids, `;`-separated).

A token matches a clip when it equals the clip's file name or its name without extension, ignoring
case: forces write `BWV-0012.mp4` in one export and `BWV-0012` in another.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor
from reviewtool.core.models import Footage, StopFootage, StopRecord

_CHUNK = 900


def clip_keys(file_name: str) -> set[str]:
    name = file_name.strip().casefold()
    return {name, PurePath(name).stem} if name else set()


def footage_tokens(footage_refs: str | None) -> list[str]:
    return [t.strip() for t in (footage_refs or "").split(";") if t.strip()]


def _footage_by_key(session: Session) -> dict[str, int]:
    keys: dict[str, int] = {}
    for fid, name in session.execute(select(Footage.id, Footage.file_name).where(Footage.purged_at.is_(None))):
        for key in clip_keys(name):
            keys.setdefault(key, fid)
    return keys


def _existing_links(session: Session, stop_ids: Sequence[int]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for start in range(0, len(stop_ids), _CHUNK):
        chunk = stop_ids[start:start + _CHUNK]
        found.update(session.execute(select(StopFootage.stop_id, StopFootage.footage_id)
                                     .where(StopFootage.stop_id.in_(chunk))).all())
    return found


def _link(session: Session, actor: Actor, pairs: set[tuple[int, int]], how: str) -> int:
    if not pairs:
        return 0
    existing = _existing_links(session, sorted({s for s, _ in pairs}))
    new = sorted(pairs - existing)
    for stop_id, footage_id in new:
        session.add(StopFootage(stop_id=stop_id, footage_id=footage_id, linked_by=actor.username))
    if new:
        session.flush()
        audit.record(session, actor=actor.username, role=actor.role, action=Actions.LINK_FOOTAGE,
                     object_type="stop_footage", object_id=f"{len(new)} links",
                     details={"how": how, "pairs": [list(p) for p in new[:200]]})
    return len(new)


def link_stops_to_footage(session: Session, actor: Actor, references: Iterable[str] | None = None) -> int:
    """Link the given stops (default: every stop naming footage) to the ingested clips they name."""
    keys = _footage_by_key(session)
    if not keys:
        return 0
    query = select(StopRecord.id, StopRecord.footage_refs).where(StopRecord.footage_refs.is_not(None))
    rows: list[tuple[int, str]] = []
    if references is None:
        rows = list(session.execute(query).all())
    else:
        refs = list(references)
        for start in range(0, len(refs), _CHUNK):
            rows.extend(session.execute(query.where(StopRecord.reference.in_(refs[start:start + _CHUNK]))).all())
    pairs = {(stop_id, keys[t.casefold()]) for stop_id, refs in rows for t in footage_tokens(refs) if t.casefold() in keys}
    return _link(session, actor, pairs, "footage column")


def link_footage_to_stops(session: Session, actor: Actor, footage: Footage) -> int:
    """After a clip is ingested: link it to every stop whose Footage column names it."""
    keys = clip_keys(footage.file_name)
    stem = PurePath(footage.file_name).stem
    candidates = session.execute(
        select(StopRecord.id, StopRecord.footage_refs).where(StopRecord.footage_refs.ilike(f"%{stem}%"))).all()
    pairs = {(sid, footage.id) for sid, refs in candidates if any(t.casefold() in keys for t in footage_tokens(refs))}
    return _link(session, actor, pairs, "footage column")


def link_by_reference(session: Session, actor: Actor, footage: Footage, reference: str) -> int:
    stop_id = session.scalar(select(StopRecord.id).where(StopRecord.reference == reference))
    if stop_id is None:
        from reviewtool.core.errors import NotFound

        raise NotFound(f"--link: no stop with reference {reference!r}")
    return _link(session, actor, {(stop_id, footage.id)}, "--link")
