"""A clip's redactions in the database, and the approval that lets the panel see the clip.

One `RedactionSetRecord` per clip holds the interchange document (`reviewtool-redactions/1`, see
docs/formats.md) and its state. The state machine is deliberately small:

    (nothing) --save--> draft --approve--> approved --save of a changed document--> draft

Only an approved set is ever played to a panel (`approved_set_for_playback`), and it is played with the
force's policy applied (`RedactionSet.effective`). Approving an empty set (no tracks, no blank or mute
ranges) needs `confirm_empty=True`: "this clip needs nothing hidden" must be said, never assumed.

Edits are optimistic: every save and approval names the version it was based on; if someone else saved
in between, `Conflict` is raised and nothing is overwritten (the editor reloads and shows the other
person's work). Every change, approval, import and export is audited in the same transaction, with a
summary of the document (counts of tracks, keyframes, blank and mute ranges) and which tracks changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import Conflict, NotFound, ValidationError
from reviewtool.core.footage_links import clip_keys
from reviewtool.core.models import Footage, RedactionSetRecord
from reviewtool.media.redaction import RedactionFormatError, RedactionPolicy, RedactionSet

DRAFT = "draft"
APPROVED = "approved"
MIN_SHA_PREFIX = 6
MAX_FILE_BYTES = 50 * 1024 * 1024  # a redaction file is small; a bigger one is the wrong file


@dataclass(frozen=True)
class RedactionCounts:
    tracks: int
    keyframes: int
    blank: int
    mute: int

    @classmethod
    def of(cls, rs: RedactionSet) -> RedactionCounts:
        return cls(len(rs.tracks), sum(len(t.keyframes) for t in rs.tracks), len(rs.blank), len(rs.mute))

    @property
    def empty(self) -> bool:
        return not (self.tracks or self.blank or self.mute)

    def as_dict(self) -> dict[str, int]:
        return {"tracks": self.tracks, "keyframes": self.keyframes, "blank": self.blank, "mute": self.mute}


@dataclass(frozen=True)
class RedactionState:
    """A clip's redactions as stored. `version` 0 means nothing has been saved yet (an empty draft);
    pass `version` back as `expected_version` when saving or approving."""

    footage_id: int
    file_name: str
    footage_sha256: str
    document: RedactionSet
    state: str  # draft | approved
    version: int
    updated_by: str | None
    updated_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None

    @property
    def approved(self) -> bool:
        return self.state == APPROVED

    @property
    def counts(self) -> RedactionCounts:
        return RedactionCounts.of(self.document)

    @property
    def document_sha256(self) -> str:
        return document_digest(self.document)


def document_digest(rs: RedactionSet) -> str:
    """SHA-256 of the canonical JSON of a set: names exactly what was approved or exported."""
    text = json.dumps(rs.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_footage(s: Session, ref: str | int) -> Footage:
    """The clip named by `ref`: its id, its file name (with or without extension, any case) or a prefix
    of at least 6 hex digits of its SHA-256. A reference matching several clips is refused, naming them."""
    text = str(ref).strip()
    if not text:
        raise ValidationError("clip: give a file name, a SHA-256 prefix or an id")
    found: dict[int, Footage] = {}
    if text.isdigit():
        clip = s.get(Footage, int(text))
        if clip is not None:
            found[clip.id] = clip
    keys = clip_keys(text)
    stem = Path(text).stem
    for clip in s.scalars(select(Footage).where(Footage.file_name.ilike(f"{_like_escape(stem)}%", escape="\\"))):
        if clip_keys(clip.file_name) & keys:
            found[clip.id] = clip
    lowered = text.lower()
    if len(lowered) >= MIN_SHA_PREFIX and all(c in "0123456789abcdef" for c in lowered):
        for clip in s.scalars(select(Footage).where(Footage.sha256.startswith(lowered))):
            found[clip.id] = clip
    if not found:
        raise NotFound(f"clip {text!r}: no ingested clip has that file name, SHA-256 prefix or id")
    if len(found) > 1:
        names = ", ".join(f"{c.file_name} (id {c.id}, {c.sha256[:12]}…)" for c in found.values())
        raise ValidationError(f"clip {text!r} matches more than one clip: {names}; use the id")
    return next(iter(found.values()))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_footage(s: Session, footage_id: int) -> Footage:
    clip = s.get(Footage, footage_id)
    if clip is None:
        raise NotFound(f"no clip with id {footage_id}")
    return clip


def require_not_purged(clip: Footage) -> None:
    if clip.purged_at is not None:
        raise ValidationError(f"{clip.file_name} was erased under the retention rule on "
                              f"{clip.purged_at:%d %b %Y}; it can no longer be used")


def describe_changes(old: RedactionSet | None, new: RedactionSet) -> dict[str, Any]:
    """Which tracks were added, removed or changed, and whether blank/mute ranges changed."""
    before = {t.id: t for t in old.tracks} if old is not None else {}
    after = {t.id: t for t in new.tracks}
    return {
        "tracks_added": sorted(set(after) - set(before)),
        "tracks_removed": sorted(set(before) - set(after)),
        "tracks_changed": sorted(k for k in set(before) & set(after) if before[k] != after[k]),
        "blank_changed": (old.blank if old else ()) != new.blank,
        "mute_changed": (old.mute if old else ()) != new.mute,
    }


class RedactionService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reading ----------------------------------------------------------------------------------------

    def get(self, actor: Actor, footage_id: int) -> RedactionState:
        actor.require(Permission.EDIT_REDACTIONS)
        with self.db.read() as s:
            clip = get_footage(s, footage_id)
            return _state(clip, _record(s, footage_id))

    def states(self, actor: Actor, footage_ids: list[int] | None = None) -> dict[int, str]:
        """Each clip's redaction state, "none" where nothing was saved (for lists of clips)."""
        actor.require(Permission.EDIT_REDACTIONS)
        with self.db.read() as s:
            query = select(Footage.id)
            if footage_ids is not None:
                query = query.where(Footage.id.in_(footage_ids))
            result = {fid: "none" for fid in s.scalars(query)}
            rows = select(RedactionSetRecord.footage_id, RedactionSetRecord.state)
            if footage_ids is not None:
                rows = rows.where(RedactionSetRecord.footage_id.in_(footage_ids))
            for fid, state in s.execute(rows):
                result[fid] = state
            return result

    def approved_set_for_playback(self, footage_id: int, policy: RedactionPolicy | None = None) -> RedactionSet | None:
        """The approved set with the force's policy applied, or None if the clip's redactions are not
        approved (or the clip was erased). The only way redactions reach a panel."""
        from reviewtool.core.settings import SettingsService

        with self.db.read() as s:
            clip = s.get(Footage, footage_id)
            if clip is None or clip.purged_at is not None:
                return None
            record = _record(s, footage_id)
            if record is None or record.state != APPROVED:
                return None
            document = _parse_stored(clip, record)
        return document.effective(policy if policy is not None else SettingsService(self.db).policy())

    # --- changing ---------------------------------------------------------------------------------------

    def save(self, actor: Actor, footage_id: int, redaction_set: RedactionSet, expected_version: int,
             *, source: str = "editor") -> RedactionState:
        """Store a new document. A changed document makes the state draft again (approval withdrawn);
        saving an identical document changes nothing. Raises Conflict if `expected_version` is stale."""
        actor.require(Permission.EDIT_REDACTIONS)
        if not isinstance(redaction_set, RedactionSet):
            raise ValidationError(f"redactions: expected a RedactionSet, got {type(redaction_set).__name__}")
        with self._writing(footage_id) as s:
            clip = get_footage(s, footage_id)
            require_not_purged(clip)
            if redaction_set.footage_sha256 != clip.sha256:
                raise ValidationError(f"redactions were made for clip {redaction_set.footage_sha256[:12]}…, "
                                      f"not {clip.file_name} ({clip.sha256[:12]}…)")
            record = _record(s, footage_id)
            _check_version(clip, record, expected_version)
            self._store(s, actor, clip, record, redaction_set, {"source": source})
            s.flush()
            return _state(clip, _record(s, footage_id))

    def approve(self, actor: Actor, footage_id: int, expected_version: int, *,
                confirm_empty: bool = False) -> RedactionState:
        """Approve the stored document for showing to the panel; records who and when. Approving an
        already approved set changes nothing."""
        actor.require(Permission.EDIT_REDACTIONS)
        with self._writing(footage_id) as s:
            clip = get_footage(s, footage_id)
            require_not_purged(clip)
            record = _record(s, footage_id)
            _check_version(clip, record, expected_version)
            if record is not None and record.state == APPROVED:
                return _state(clip, record)
            document = _parse_stored(clip, record) if record is not None else RedactionSet(clip.sha256, ())
            counts = RedactionCounts.of(document)
            if counts.empty and not confirm_empty:
                raise ValidationError(f"the redactions for {clip.file_name} are empty; confirm that the clip "
                                      "needs nothing hidden to approve it as it is")
            now = utcnow()
            if record is None:
                record = RedactionSetRecord(footage_id=clip.id, document=document.to_json(), state=APPROVED,
                                            updated_at=now, updated_by=actor.username)
                s.add(record)
            record.state = APPROVED
            record.approved_by = actor.username
            record.approved_at = now
            s.flush()
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.REDACTION_APPROVE,
                         object_type="footage", object_id=clip.id,
                         details={"file": clip.file_name, "sha256": clip.sha256, "version": record.version,
                                  "document_sha256": document_digest(document), "empty": counts.empty,
                                  **counts.as_dict()})
            return _state(clip, record)

    def import_file(self, actor: Actor, footage_id: int, path: str | Path,
                    expected_version: int | None = None) -> RedactionState:
        """Replace the clip's redactions with a `reviewtool-redactions/1` file (the result is a draft).

        A file for another clip, or with anything malformed in it, is rejected whole with the reason,
        naming the file. Without `expected_version` the import replaces whatever is stored."""
        actor.require(Permission.EDIT_REDACTIONS)
        path = Path(path)
        with self.db.read() as s:
            sha = get_footage(s, footage_id).sha256
        imported = read_redaction_file(path, sha)
        with self._writing(footage_id) as s:
            clip = get_footage(s, footage_id)
            require_not_purged(clip)
            record = _record(s, footage_id)
            if expected_version is not None:
                _check_version(clip, record, expected_version)
            self._store(s, actor, clip, record, imported, {"source": "import", "import_file": path.name},
                        always_audit=True)
            s.flush()
            return _state(clip, _record(s, footage_id))

    def export_file(self, actor: Actor, footage_id: int, path: str | Path) -> RedactionState:
        """Write the stored document (whatever its state) as a `reviewtool-redactions/1` file; audited
        as an export. The file is written whole or not at all."""
        actor.require(Permission.EDIT_REDACTIONS)
        path = Path(path)
        with self.db.session() as s:
            clip = get_footage(s, footage_id)
            state = _state(clip, _record(s, footage_id))
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.EXPORT,
                         object_type="footage", object_id=clip.id,
                         details={"what": "redactions", "file": clip.file_name, "to": path.name,
                                  "state": state.state, "version": state.version,
                                  "document_sha256": state.document_sha256, **state.counts.as_dict()})
            _write_atomically(path, state.document.to_json_text())
        return state

    # --- internals --------------------------------------------------------------------------------------

    def _writing(self, footage_id: int) -> AbstractContextManager[Session]:
        return _conflict_guard(self.db, footage_id)

    def _store(self, s: Session, actor: Actor, clip: Footage, record: RedactionSetRecord | None,
               new: RedactionSet, details: dict[str, Any], *, always_audit: bool = False) -> None:
        old = _parse_stored(clip, record) if record is not None else None
        unchanged = old is not None and old.to_json() == new.to_json()
        if unchanged and not always_audit:
            return
        was = "new" if record is None else record.state
        now = utcnow()
        if record is None:
            record = RedactionSetRecord(footage_id=clip.id, document=new.to_json(), state=DRAFT,
                                        updated_at=now, updated_by=actor.username)
            s.add(record)
        elif not unchanged:
            record.document = new.to_json()
            record.state = DRAFT
            record.approved_by = None
            record.approved_at = None
            record.updated_at = now
            record.updated_by = actor.username
        s.flush()
        audit.record(s, actor=actor.username, role=actor.role, action=Actions.REDACTION_CHANGE,
                     object_type="footage", object_id=clip.id,
                     details={**details, "file": clip.file_name, "sha256": clip.sha256, "was": was,
                              "state": record.state, "version": record.version, "unchanged": unchanged,
                              "document_sha256": document_digest(new), **RedactionCounts.of(new).as_dict(),
                              **describe_changes(old, new)})


def read_redaction_file(path: Path, expected_sha256: str) -> RedactionSet:
    """Read and check a redaction file for the clip with `expected_sha256`; ValidationError names the file."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name}: too large for a redaction file "
                                  f"({path.stat().st_size // (1024 * 1024)} MB)")
        text = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    try:
        return RedactionSet.from_json_text(text, expected_sha256=expected_sha256)
    except RedactionFormatError as exc:
        raise ValidationError(f"{path.name}: {exc}") from None


@contextmanager
def _conflict_guard(db: Database, footage_id: int) -> Iterator[Session]:
    """A write unit of work in which a lost race (stale version, simultaneous first save) is a Conflict."""
    try:
        with db.session() as s:
            yield s
    except StaleDataError:
        raise Conflict(f"the redactions of clip {footage_id} were changed by someone else just now; "
                       "reload them and make your change again") from None
    except IntegrityError:
        raise Conflict(f"someone else saved redactions for clip {footage_id} at the same moment; "
                       "reload them and make your change again") from None


def _record(s: Session, footage_id: int) -> RedactionSetRecord | None:
    return s.scalar(select(RedactionSetRecord).where(RedactionSetRecord.footage_id == footage_id))


def _check_version(clip: Footage, record: RedactionSetRecord | None, expected: int) -> None:
    current = 0 if record is None else record.version
    if expected != current:
        who = "" if record is None else f" by {record.updated_by}"
        raise Conflict(f"the redactions of {clip.file_name} were changed{who} since you opened them "
                       f"(version {current}, yours {expected}); reload them and make your change again")


def _parse_stored(clip: Footage, record: RedactionSetRecord) -> RedactionSet:
    try:
        return RedactionSet.from_json(record.document, expected_sha256=clip.sha256)
    except RedactionFormatError as exc:
        # Never played: approved_set_for_playback and the player both fail closed on this.
        raise ValidationError(f"the stored redactions of {clip.file_name} are unreadable: {exc}") from None


def _state(clip: Footage, record: RedactionSetRecord | None) -> RedactionState:
    if record is None:
        return RedactionState(clip.id, clip.file_name, clip.sha256, RedactionSet(clip.sha256, ()), DRAFT, 0,
                              None, None, None, None)
    return RedactionState(clip.id, clip.file_name, clip.sha256, _parse_stored(clip, record), record.state,
                          record.version, record.updated_by, record.updated_at, record.approved_by,
                          record.approved_at)


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ValidationError(f"{path.name}: cannot write the file ({exc.strerror or exc})") from None
