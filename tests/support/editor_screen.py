"""Render the redaction editor to PNG, for `screenshots.py` and for looking at the editor by eye.

    render_editor_png(db_url, out_path)

Opens the first ingested clip as the first liaison user, through `open_redaction_editor` (the real
window, libvlc with a dummy audio output), goes to a frame a little into the clip, and grabs the
window. A clip with no saved redactions gets boxes drawn through the editor first -- real edits, saved
as a draft and audited like any other -- over the synthetic faces on that frame (found by their skin
colour, which the textured background never has), so the screenshot shows the overlay, the timeline
rows and keyframes the way a liaison officer would leave them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

VLC_ARGS = ("--aout=dummy",)
SIZE = (1280, 720)


def _wait(app, condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def _landed(app, window, frame: int | None = None) -> None:
    facade = window.facade
    facade.player.wait_until_settled()

    def shown() -> bool:
        shown_frame = window.view.frame
        return (shown_frame is not None and shown_frame.frame_index is not None
                and shown_frame.frame_index == facade.player.frame_index
                and (frame is None or shown_frame.frame_index == frame))

    _wait(app, shown)


def face_like_boxes(bgra, limit: int = 3) -> list[tuple[float, float, float, float]]:
    """Boxes (frame fractions) around skin-coloured blobs: the faces `synth.make_clip` draws."""
    import numpy as np

    step = 4
    small = bgra[::step, ::step, :3].astype(np.float32)
    b, g, r = small[..., 0], small[..., 1], small[..., 2]
    cb = 128 - 0.1687 * r - 0.3313 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.4187 * g - 0.0813 * b
    mask = (cb < 108) & (cr > 140)
    h, w = mask.shape
    seen = np.zeros_like(mask)
    blobs = []
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        stack, pixels = [(y0, x0)], []
        seen[y0, x0] = True
        while stack:
            y, x = stack.pop()
            pixels.append((y, x))
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        if len(pixels) >= 12:
            ys, xs = zip(*pixels)
            blobs.append((len(pixels), min(ys), max(ys), min(xs), max(xs)))
    boxes = []
    for _, top, bottom, left, right in sorted(blobs, reverse=True)[:limit]:
        boxes.append((max(0.0, (left - 1) / w), max(0.0, (top - 1) / h),
                      min(1.0, (right - left + 3) / w), min(1.0, (bottom - top + 3) / h)))
    return boxes


def render_editor_png(db_url: str, out_path: str | Path, *, at: float = 2.0) -> Path:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from reviewtool.core.auth import Actor
    from reviewtool.core.db import Database
    from reviewtool.core.models import Footage, User
    from reviewtool.ui import tasks
    from reviewtool.ui.context import AppContext
    from reviewtool.ui.editor import open_redaction_editor
    from reviewtool.ui.editor.editor_window import EditorWindow

    app = QApplication.instance() or QApplication([])
    db = Database.open(db_url)
    try:
        with db.read() as s:
            footage_id = s.scalar(select(Footage.id).where(Footage.purged_at.is_(None)).order_by(Footage.id))
            user = s.scalars(select(User).where(User.role == "liaison").order_by(User.id)).first()
            if footage_id is None or user is None:
                raise RuntimeError("the database needs an ingested clip and a liaison user")
            actor = Actor(user.username, user.role, user.id)
        with tasks.synchronous():
            window = open_redaction_editor(AppContext(db=db, actor=actor), footage_id, vlc_args=VLC_ARGS)
            if not isinstance(window, EditorWindow):
                raise RuntimeError(f"the editor did not open: {window.text()}")
            window.resize(*SIZE)
            if not _wait(app, lambda: window.facade is not None):
                raise RuntimeError("the clip did not open")
            _landed(app, window)
            length = window.facade.length or at
            window.seek(min(at, length / 2))
            _landed(app, window)
            if not window.document.current.tracks:
                with window.view.frame.pin() as pin:
                    boxes = face_like_boxes(pin.image)
                for box in boxes:
                    window.draw_box(box)
                if boxes:
                    window.set_track_property(window.selected, "effect", "pixelate")
                    window.select_track(window.document.current.tracks[0].id)
            _landed(app, window)
            for _ in range(5):
                app.processEvents()
            out = Path(out_path)
            out.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(out)):
                raise RuntimeError(f"could not write {out}")
            window.close()
            app.processEvents()
        return out
    finally:
        db.dispose()


if __name__ == "__main__":
    import sys

    print(render_editor_png(sys.argv[1], sys.argv[2]))
