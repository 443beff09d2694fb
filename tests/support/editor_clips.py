"""Tiny ingested clips for the playback and editor GUI tests (and the editor screenshot).

Clips are drawn by `synth.make_clip` (frame numbers in a top band, moving faces) and ingested through
the real `FootageService`, so the tests play exactly what the application would: the stored file, its
SHA-256 and its FrameIndex.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from reviewtool.core.auth import Actor
from reviewtool.core.db import Database
from reviewtool.core.footage_service import FootageService
from reviewtool.core.models import FrameIndexRecord
from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack
from reviewtool.media.synth import ClipTruth, make_clip
from reviewtool.progress import run_to_end

VLC_ARGS = ("--aout=dummy",)


@dataclass(frozen=True)
class IngestedClip:
    footage_id: int
    path: Path
    sha256: str
    index_path: Path
    truth: ClipTruth


def ingest_clip(db: Database, actor: Actor, folder: Path, name: str = "clip.mp4", *,
                duration_s: float = 2.0, width: int = 320, height: int = 180, faces: int = 2,
                seed: int = 3) -> IngestedClip:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    truth = make_clip(path, duration_s=duration_s, width=width, height=height, faces=faces, seed=seed)
    return ingest_file(db, actor, path, truth)


def ingest_file(db: Database, actor: Actor, path: Path, truth: ClipTruth) -> IngestedClip:
    """Ingest a clip already made (several databases can share one encode)."""
    (outcome,) = run_to_end(FootageService(db).ingest(actor, [path]))
    if outcome.error:
        raise RuntimeError(outcome.error)
    with db.read() as s:
        index_path = s.scalar(select(FrameIndexRecord.path).where(FrameIndexRecord.footage_id == outcome.footage_id))
    return IngestedClip(outcome.footage_id, path, outcome.sha256, Path(index_path), truth)


def face_tracks(clip: IngestedClip, *, every: int = 1, effect: str = "solid") -> RedactionSet:
    """One track per face, keyframed on every `every`-th frame (and the last)."""
    frames = clip.truth.frames
    keep = list(range(0, len(frames), every))
    if keep[-1] != len(frames) - 1:
        keep.append(len(frames) - 1)
    tracks = tuple(
        RedactionTrack(f"face{k}", "face_bystander", effect, "rect",
                       tuple(Keyframe(frames[i].pts, tuple(frames[i].faces[k])) for i in keep))
        for k in range(len(frames[0].faces)))
    return RedactionSet(clip.sha256, tracks)
