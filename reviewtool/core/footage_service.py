"""Footage in the database: ingest (one PyAV pass per clip), links to stops, verification, retention.

A clip that is corrupt, truncated, audio-only or not media at all gets a one-line error and nothing
is stored for it (the FrameIndex is written to a temporary file and renamed only on success).
`verify` re-hashes every clip in full: a changed byte anywhere decodes silently (DESIGN section 11),
so neither mtime nor a partial hash is trusted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from sqlalchemy import select

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.footage_links import link_by_reference, link_footage_to_stops
from reviewtool.core.models import Footage, FrameIndexRecord
from reviewtool.core.paths import index_dir_for
from reviewtool.progress import Job, Progress

if TYPE_CHECKING:
    from reviewtool.media.ingest import ClipProbe

MEDIA_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".avi", ".mts", ".ts", ".3gp", ".webm", ".wmv"}


@dataclass
class IngestOutcome:
    path: Path
    footage_id: int | None = None
    sha256: str = ""
    already_ingested: bool = False
    links: int = 0
    error: str = ""


@dataclass
class VerifyOutcome:
    checked: int = 0
    ok: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def all_ok(self) -> bool:
        return not self.changed and not self.missing


def expand_media_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders expanded to the media files inside them (sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in MEDIA_SUFFIXES))
        else:
            out.append(p)
    return out


class FootageService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.index_dir = index_dir_for(db.url)

    def ingest(self, actor: Actor, paths: Sequence[Path], *, link: str | None = None) -> "Job[list[IngestOutcome]]":
        from reviewtool.media.ingest import MediaError, ingest_pass

        actor.require(Permission.INGEST)
        files = expand_media_paths(paths)
        outcomes: list[IngestOutcome] = []
        for n, path in enumerate(files):
            outcome = IngestOutcome(path=path)
            outcomes.append(outcome)
            try:
                if not path.is_file():
                    raise MediaError(f"{path}: no such file")
                job = ingest_pass(path, self.index_dir)
                while True:
                    try:
                        step = next(job)
                    except StopIteration as stop:
                        probe = stop.value
                        break
                    frac = step.fraction or 0.0
                    yield Progress(n * 1000 + int(frac * 1000), len(files) * 1000, f"{path.name}: {step.message}")
            except MediaError as exc:
                outcome.error = str(exc)
                continue
            self._store(actor, path, probe, outcome, link)
        yield Progress(len(files) * 1000, len(files) * 1000, "done")
        return outcomes

    def _store(self, actor: Actor, path: Path, probe: "ClipProbe", outcome: IngestOutcome, link: str | None) -> None:
        from reviewtool.media.frame_index import FORMAT_NAME as FRAME_INDEX_FORMAT
        from reviewtool.media.frame_index import FORMAT_VERSION as FRAME_INDEX_VERSION
        from reviewtool.media.ingest import sha256_file

        outcome.sha256 = probe.sha256
        with self.db.session() as s:
            footage = s.scalar(select(Footage).where(Footage.sha256 == probe.sha256))
            if footage is not None:
                outcome.already_ingested = True
                if footage.file_path != str(path.resolve()) and not Path(footage.file_path).exists():
                    footage.file_path = str(path.resolve())
            else:
                footage = Footage(
                    sha256=probe.sha256, file_path=str(path.resolve()), file_name=path.name,
                    size_bytes=probe.size_bytes, duration_s=probe.duration_s, frame_count=probe.frame_count,
                    width=probe.width, height=probe.height, codec=probe.codec, rotation=probe.rotation,
                    variable_frame_rate=probe.vfr, average_fps=probe.average_fps,
                    has_audio=probe.has_audio, decode_errors=probe.decoder_errors,
                    thumbnail_strip=probe.thumbnail_png, ingested_at=utcnow(), ingested_by=actor.username,
                )
                s.add(footage)
                s.flush()
                s.add(FrameIndexRecord(footage_id=footage.id, path=str(probe.index_path),
                                       file_sha256=sha256_file(probe.index_path), frame_count=probe.frame_count,
                                       signature_version=f"{FRAME_INDEX_FORMAT}/{FRAME_INDEX_VERSION}"))
                audit.record(s, actor=actor.username, role=actor.role, action=Actions.INGEST_FOOTAGE,
                             object_type="footage", object_id=footage.id,
                             details={"file": path.name, "sha256": probe.sha256, "frames": probe.frame_count,
                                      "decode_errors": probe.decoder_errors})
            outcome.footage_id = footage.id
            outcome.links = link_footage_to_stops(s, actor, footage)
            if link:
                outcome.links += link_by_reference(s, actor, footage, link)

    def verify(self, actor: Actor) -> "Job[VerifyOutcome]":
        from reviewtool.media.ingest import sha256_file

        actor.require(Permission.INGEST)
        with self.db.read() as s:
            clips = list(s.execute(select(Footage.id, Footage.file_path, Footage.sha256)
                                   .where(Footage.purged_at.is_(None)).order_by(Footage.id)).all())
        result = VerifyOutcome()
        for n, (fid, file_path, sha) in enumerate(clips):
            yield Progress(n, len(clips), os.path.basename(file_path))
            result.checked += 1
            if not Path(file_path).is_file():
                result.missing.append(file_path)
            elif sha256_file(Path(file_path)) != sha:
                result.changed.append(file_path)
            else:
                result.ok.append(file_path)
        with self.db.session() as s:
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.VERIFY_FOOTAGE,
                         object_type="footage", object_id="all",
                         details={"checked": result.checked, "changed": result.changed, "missing": result.missing})
        yield Progress(len(clips), len(clips), "done")
        return result
