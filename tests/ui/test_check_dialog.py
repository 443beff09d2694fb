"""Check redactions: the audit runs off the GUI thread through the real player, and the contact sheet
shows what the screen showed -- every tile redacted (checked against the frame-number band of the
picture itself, not against what the player claims), numbered, and protected frames flagged."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtGui import QImage

from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor
from reviewtool.core.db import Database
from reviewtool.core.models import AuditEvent
from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack
from reviewtool.media.synth import read_frame_number
from reviewtool.ui.context import AppContext
from reviewtool.ui.editor.check_dialog import CheckRedactionsDialog, contact_sheet, quick_script
from sqlalchemy import select

from support.editor_clips import VLC_ARGS, face_tracks, ingest_clip

pytestmark = [pytest.mark.gui, pytest.mark.vlc, pytest.mark.media]
LIAISON = Actor(username="liaison1", role="liaison")


@pytest.fixture
def clip(tmp_path):
    db = Database.open(f"sqlite:///{tmp_path / 'reviewtool.db'}")
    yield db, ingest_clip(db, LIAISON, tmp_path / "clips", duration_s=2.0, seed=31)
    db.dispose()


def rgb(path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()  # image is freed on return


def inner(box, width, height):
    x, y, w, h = box
    return (slice(int(np.ceil(y * height)), int(np.floor((y + h) * height))),
            slice(int(np.ceil(x * width)), int(np.floor((x + w) * width))))


def run_check(qtbot, db, clip, redactions, *, quick: bool) -> CheckRedactionsDialog:
    dialog = CheckRedactionsDialog(AppContext(db=db, actor=LIAISON), clip.footage_id, redactions, False,
                                   vlc_args=VLC_ARGS)
    qtbot.addWidget(dialog)
    dialog.show()
    (dialog.quick if quick else dialog.whole).setChecked(True)
    dialog.start_button.click()
    assert not dialog.start_button.isEnabled() and dialog.busy.isVisible()  # running in the background
    qtbot.waitUntil(lambda: dialog.summary is not None or "could not" in dialog.status.text(), timeout=30000)
    assert dialog.summary is not None, dialog.status.text()
    return dialog


def test_whole_clip_check_shows_every_frame_redacted_and_numbered(qtbot, clip):
    db, c = clip
    dialog = run_check(qtbot, db, c, face_tracks(c, every=10), quick=False)
    summary = dialog.summary
    assert summary.protected == 0 and summary.written > 0
    assert dialog.sheet.count() == len(dialog.tiles) > 30  # one tile per distinct frame
    frames = [t.frame for t in dialog.tiles]
    assert frames == sorted(frames) and len(set(frames)) == len(frames)
    for tile in dialog.tiles:
        picture = rgb(tile.png)
        n = read_frame_number(picture)
        assert n == tile.frame, f"tile says frame {tile.frame}, the picture is frame {n}"
        height, width = picture.shape[:2]
        for box in c.truth.faces_at(n):
            rows, cols = inner(box, width, height)
            assert picture[rows, cols].max() == 0, f"face {box} visible on the contact sheet tile of frame {n}"
    first = dialog.sheet.item(0)
    assert first.text().startswith(f"Frame {dialog.tiles[0].frame + 1}")
    assert "0 protected" in dialog.status.text()
    # The check is itself audited as a redacted view of the clip, with the draft it used.
    with db.read() as s:
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == Actions.VIEW_REDACTED))
        assert event.reason == "redaction audit" and event.details["frames_written"] == summary.written
    lines = (summary.out_dir / "frames.jsonl").read_text().splitlines()
    assert len(lines) == summary.written and all(json.loads(x)["png"] for x in lines)
    # Above the tile limit the sheet samples, in display order.
    sampled = contact_sheet(summary.out_dir, limit=5)
    assert len(sampled) == 5 and [t.seq for t in sampled] == sorted(t.seq for t in sampled)


def test_quick_check_visits_every_keyframe(qtbot, clip):
    db, c = clip
    frames = c.truth.frames
    track = RedactionTrack("face", "face_bystander", "solid", "rect",
                           tuple(Keyframe(frames[i].pts, tuple(frames[i].faces[0])) for i in (6, 18, 27)))
    redactions = RedactionSet(c.sha256, (track,), blank=((frames[12].pts, frames[14].pts),))
    script = quick_script(redactions, 2.0)
    seeks = [step["seek"] for step in script if "seek" in step]
    assert seeks == [0.0] + [round(frames[i].pts, 6) for i in (6, 12, 14, 18, 27)] + [1.95]
    dialog = run_check(qtbot, db, c, redactions, quick=True)
    shown = {t.frame for t in dialog.tiles}
    assert {0, 6, 18, 27} <= shown  # each keyframe's frame is on the sheet
    blanked = [t for t in dialog.tiles if t.blanked]
    assert blanked and all(12 <= t.frame <= 14 and "Blanked" in t.caption for t in blanked)
    for tile in dialog.tiles:
        if tile.frame in (6, 18, 27):
            picture = rgb(tile.png)
            rows, cols = inner(c.truth.faces_at(tile.frame)[0], *picture.shape[1::-1])
            assert picture[rows, cols].max() == 0


def test_check_flags_protected_frames(qtbot, clip):
    db, c = clip
    c.index_path.unlink()  # no frame index: nothing can be identified, so every frame is protected
    dialog = run_check(qtbot, db, c, face_tracks(c, every=20), quick=False)
    assert dialog.summary.protected == dialog.summary.written > 0
    assert dialog.tiles and all(t.protected for t in dialog.tiles)
    item = dialog.sheet.item(0)
    assert "PROTECTED" in item.text()
    assert item.background().color().name() == "#f6d5d2"
    assert "could not be shown redacted" in dialog.status.text()
    for tile in dialog.tiles:
        assert rgb(tile.png).max() == 0  # black, and nothing else
