"""The redaction editor: who may open it, what opening records, and editing with the mouse and the keys
on a real clip (libvlc, identification) -- every change saved and audited at once, undoable, refused
calmly when someone else changed the clip's redactions, and a preview that only ever shows the panel's
redacted picture.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from sqlalchemy import select

from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor
from reviewtool.core.db import Database
from reviewtool.core.models import AuditEvent
from reviewtool.core.redactions import RedactionService
from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack
from reviewtool.media.synth import make_clip
from reviewtool.ui.app_events import app_events
from reviewtool.ui.context import AppContext
from reviewtool.ui.editor import actions, editor_window, open_redaction_editor
from reviewtool.ui.editor.editor_window import PREVIEW, EditorWindow
from reviewtool.ui.editor.shortcuts import EDITOR_SHORTCUTS, ShortcutsSheet
from reviewtool.ui.video.timeline import GUTTER_W, RULER_H, RANGE_ROW_H, TRACK_ROW_H, Timeline

from support.editor_clips import VLC_ARGS, ingest_file

pytestmark = [pytest.mark.gui]
WAIT_MS = 10000
LIAISON = Actor(username="liaison1", role="liaison")


@pytest.fixture(scope="module")
def clip_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editor-clip")
    path = folder / "BWV-test.mp4"
    return path, make_clip(path, duration_s=3.0, width=320, height=180, faces=2, seed=3)


@pytest.fixture
def clip(clip_file, tmp_path):
    db = Database.open(f"sqlite:///{tmp_path / 'reviewtool.db'}")
    path, truth = clip_file
    yield db, ingest_file(db, LIAISON, path, truth)
    db.dispose()


def audit_actions(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def stored(db: Database, footage_id: int):
    return RedactionService(db).get(LIAISON, footage_id)


def open_editor(qtbot, db, clip, actor=LIAISON) -> EditorWindow:
    window = open_redaction_editor(AppContext(db=db, actor=actor), clip.footage_id, vlc_args=VLC_ARGS)
    qtbot.addWidget(window)
    assert isinstance(window, EditorWindow)
    window.resize(1100, 700)
    qtbot.waitUntil(lambda: window.facade is not None and window.view.frame is not None, timeout=WAIT_MS)
    landed(qtbot, window)
    return window


def landed(qtbot, window: EditorWindow) -> int:
    """Wait until the player has settled and the overlay is keyed on the frame shown."""
    assert window.facade.player.wait_until_settled()
    target = window.facade.player.frame_index
    qtbot.waitUntil(lambda: window.view.frame is not None and window.view.frame.frame_index == target
                    and window.overlay.time is not None, timeout=WAIT_MS)
    return target


def go_to(qtbot, window: EditorWindow, t: float) -> int:
    window.seek(t)
    return landed(qtbot, window)


def point(window: EditorWindow, fx: float, fy: float) -> QPoint:
    rect = window.view.frame_rect()
    return QPoint(round(rect.x() + fx * rect.width()), round(rect.y() + fy * rect.height()))


def drag(qtbot, widget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    mid = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    qtbot.mouseMove(widget, mid)
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def close(window: EditorWindow) -> None:
    facade = window.facade
    window.close()
    assert facade is None or facade.released


# --- who may open it -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["panel", "supervisor", "admin"])
def test_editor_refuses_calmly_for_anyone_but_the_liaison(qtbot, sqlite_db, role):
    window = open_redaction_editor(AppContext(db=sqlite_db, actor=Actor(username="someone", role=role)), 1)
    qtbot.addWidget(window)
    assert window.objectName() == "editorRefused" and not isinstance(window, EditorWindow)
    assert "liaison officer" in window.text() and window.isVisible()
    assert not audit_actions(sqlite_db, Actions.VIEW_RAW)


def test_unknown_clip_is_a_calm_message(qtbot, sqlite_db):
    window = open_redaction_editor(AppContext(db=sqlite_db, actor=LIAISON), 999)
    qtbot.addWidget(window)
    assert window.objectName() == "editorRefused" and "999" in window.text()


# --- editing through the real player ---------------------------------------------------------------


@pytest.mark.vlc
@pytest.mark.media
def test_opening_audits_a_raw_view_and_edits_are_saved_audited_and_undoable(qtbot, clip):
    db, c = clip
    window = open_editor(qtbot, db, c)
    try:
        (view,) = audit_actions(db, Actions.VIEW_RAW)
        assert view.actor == "liaison1" and view.object_id == str(c.footage_id)
        assert window.facade.mode == "raw"

        # Draw a box over the first face on frame 15 with the mouse.
        n = go_to(qtbot, window, 0.5)
        t15 = c.truth.frames[n].pts
        x, y, w, h = c.truth.faces_at(n)[0]
        drag(qtbot, window.overlay, point(window, x, y), point(window, x + w, y + h))
        state = stored(db, c.footage_id)
        (track,) = state.document.tracks
        assert window.selected == track.id
        # Held still to the clip's last frame, so it stays covered until ended.
        assert [kf.t for kf in track.keyframes] == pytest.approx([t15, c.truth.frames[-1].pts])
        assert track.keyframes[0].box == pytest.approx((x, y, w, h), abs=0.01)

        # Three frames on (→ key), drag the box by its middle: a keyframe there; the end follows it.
        for _ in range(3):
            qtbot.keyClick(window, Qt.Key.Key_Right)
            landed(qtbot, window)
        n2 = window.facade.frame_index
        assert n2 == n + 3
        bx, by, bw, bh = window.overlay.visible_boxes()[0][1]
        drag(qtbot, window.overlay, point(window, bx + bw / 2, by + bh / 2),
             point(window, bx + bw / 2 + 0.05, by + bh / 2))
        track = stored(db, c.footage_id).document.tracks[0]
        assert len(track.keyframes) == 3
        assert track.keyframes[1].t == pytest.approx(c.truth.frames[n2].pts)
        assert track.keyframes[1].box[0] == pytest.approx(bx + 0.05, abs=0.01)
        assert track.keyframes[2].box == track.keyframes[1].box
        # Resize by the bottom-right handle on the same frame: that keyframe's box grows.
        mx, my, mw, mh = track.keyframes[1].box
        drag(qtbot, window.overlay, point(window, mx + mw, my + mh), point(window, mx + mw + 0.05, my + mh + 0.1))
        track = stored(db, c.footage_id).document.tracks[0]
        assert len(track.keyframes) == 3
        assert track.keyframes[1].box[:2] == pytest.approx((mx, my), abs=0.01)
        assert track.keyframes[1].box[2:] == pytest.approx((mw + 0.05, mh + 0.1), abs=0.01)

        # One frame back (← key): between keyframes the box is interpolated (dashed).
        qtbot.keyClick(window, Qt.Key.Key_Left)
        landed(qtbot, window)
        assert [keyed for _, _, keyed in window.overlay.visible_boxes()] == [False]
        qtbot.keyClick(window, Qt.Key.Key_K)  # K: keyframe here
        assert len(stored(db, c.footage_id).document.tracks[0].keyframes) == 4
        qtbot.keyClick(window, Qt.Key.Key_Delete)  # Del: that keyframe again
        assert len(stored(db, c.footage_id).document.tracks[0].keyframes) == 3

        # H: hide from here (forward 1 s with Shift+→), the held end is dropped.
        qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        n3 = landed(qtbot, window)
        assert n3 > n2
        qtbot.keyClick(window, Qt.Key.Key_H)
        track = stored(db, c.footage_id).document.tracks[0]
        assert track.keyframes[-1].box is None and track.keyframes[-1].t == pytest.approx(c.truth.frames[n3].pts)
        assert track.box_at(c.truth.frames[-1].pts) is None

        # Ctrl+Z undoes (saved again), Ctrl+Shift+Z redoes.
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert stored(db, c.footage_id).document.tracks[0].keyframes[-1].box is not None
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert stored(db, c.footage_id).document.tracks[0].keyframes[-1].box is None

        # Label and effect per track, from the side panel.
        window.panel.effect.setCurrentIndex(window.panel.effect.findData("pixelate"))
        window.panel.effect.activated.emit(window.panel.effect.currentIndex())
        window.panel.label.setCurrentIndex(window.panel.label.findData("plate"))
        window.panel.label.activated.emit(window.panel.label.currentIndex())
        track = stored(db, c.footage_id).document.tracks[0]
        assert (track.effect, track.label) == ("pixelate", "plate")

        # Every save was audited as a redaction change: draw, move, resize, K, Del, H, undo, redo, effect,
        # label.
        changes = audit_actions(db, Actions.REDACTION_CHANGE)
        assert len(changes) == 10 and all(e.actor == "liaison1" for e in changes)
        assert stored(db, c.footage_id).version >= 10
        # Shift+Del deletes the box everywhere.
        qtbot.keyClick(window, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
        assert stored(db, c.footage_id).document.tracks == ()
        assert window.selected is None
    finally:
        close(window)


def inside(widget, window) -> bool:
    return window.rect().contains(QRect(widget.mapTo(window, QPoint(0, 0)), widget.size()))


@pytest.mark.vlc
@pytest.mark.media
def test_the_editor_fits_a_laptop_screen(qtbot, clip):
    db, c = clip
    window = open_editor(qtbot, db, c)
    try:
        window.draw_box((0.1, 0.1, 0.2, 0.2))
        window.set_track_property(window.selected, "label", "screen")  # the longest name there is
        hint = window.minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 720
        window.resize(1280, 720)
        assert window.grab().size() == QSize(1280, 720)  # nothing in it makes the window grow
        for size in (QSize(1280, 720), hint):  # ... and at its smallest everything is still in sight
            window.resize(size)
            shot = window.grab().size()
            assert shot.width() <= 1280 and shot.height() <= 720
            for widget in (window.state_label, window.mode_label, window.preview_button, window.check_button,
                           window.approve_button, window.view, window.panel, window.panel.label,
                           window.position_label, window.saved_label, window.timeline):
                assert widget.isVisible() and inside(widget, window), widget.objectName() or widget.text()
            assert window.panel.tracks.horizontalScrollBar().maximum() == 0
        window.resize(1280, 720)
        assert window.panel.width() < 400 and window.view.width() > 3 * window.panel.width() // 2
    finally:
        close(window)


@pytest.mark.vlc
@pytest.mark.media
def test_a_stale_edit_is_refused_with_a_reload_offer(qtbot, clip):
    db, c = clip
    window = open_editor(qtbot, db, c)
    try:
        go_to(qtbot, window, 0.3)
        window.draw_box((0.1, 0.1, 0.2, 0.2))
        mine = stored(db, c.footage_id)
        # Someone else saves meanwhile (another liaison officer on another machine).
        other = RedactionSet(c.sha256, (RedactionTrack("theirs", "plate", "solid", "rect",
                                                       (Keyframe(0.0, (0.5, 0.5, 0.2, 0.2)),)),))
        RedactionService(db).save(Actor("liaison2", "liaison"), c.footage_id, other, mine.version)
        window.draw_box((0.6, 0.1, 0.2, 0.2))
        assert stored(db, c.footage_id).document == other  # theirs kept, nothing overwritten
        assert window.banner.isVisible() and "Someone else changed" in window.banner.text.text()
        assert window.document.needs_reload
        window.draw_box((0.6, 0.6, 0.1, 0.1))  # further edits wait for the reload
        assert stored(db, c.footage_id).document == other
        window.banner.action.click()  # Reload
        assert window.document.current == other and not window.document.needs_reload
        assert not window.document.undo_stack.canUndo()
        assert [t.id for t in window.timeline._tracks()] == ["theirs"]
    finally:
        close(window)


@pytest.mark.vlc
@pytest.mark.media
def test_preview_shows_the_panels_redacted_picture_only(qtbot, clip):
    db, c = clip
    window = open_editor(qtbot, db, c)
    try:
        n = go_to(qtbot, window, 1.0)
        for face in c.truth.faces_at(n):
            window.draw_box(tuple(face))
        raw_facade = window.facade
        qtbot.keyClick(window, Qt.Key.Key_P)
        qtbot.waitUntil(lambda: window.mode == PREVIEW and window.facade is not raw_facade, timeout=WAIT_MS)
        assert raw_facade.released and window.view.source is window.facade
        assert window.facade.mode == "redacted"
        assert window.view.frame is None or window.view.frame.seq <= window.facade.frame.seq
        m = landed(qtbot, window)
        assert m == n
        # What the view paints now is the redacted frame: the faces are black.
        image = window.view.grab().toImage()
        rect = window.view.frame_rect()
        for x, y, w, h in c.truth.faces_at(m):
            for fx, fy in ((x + w / 2, y + h / 2), (x + w * 0.3, y + h * 0.3), (x + w * 0.7, y + h * 0.7)):
                colour = image.pixelColor(round(rect.x() + fx * rect.width()), round(rect.y() + fy * rect.height()))
                assert (colour.red(), colour.green(), colour.blue()) == (0, 0, 0)
        previews = [e for e in audit_actions(db, Actions.VIEW_REDACTED) if e.details.get("preview")]
        assert len(previews) == 1
        # Editing is paused in the preview: a drag draws nothing.
        before = stored(db, c.footage_id).document
        drag(qtbot, window.overlay, point(window, 0.05, 0.6), point(window, 0.3, 0.9))
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert stored(db, c.footage_id).document == before
        # Back to editing: raw again (a second audited raw view).
        qtbot.keyClick(window, Qt.Key.Key_P)
        qtbot.waitUntil(lambda: window.mode == "edit" and window.facade.mode == "raw", timeout=WAIT_MS)
        assert len(audit_actions(db, Actions.VIEW_RAW)) == 2
    finally:
        close(window)


@pytest.mark.vlc
@pytest.mark.media
def test_approve_records_who_and_when(qtbot, clip, monkeypatch):
    db, c = clip
    questions = []
    monkeypatch.setattr(editor_window, "ask", lambda parent, title, text, go: questions.append(go) or True)
    window = open_editor(qtbot, db, c)
    try:
        window.approve()  # nothing drawn: approving says "nothing hidden" explicitly
        assert questions == ["Approve with nothing hidden"]
        state = stored(db, c.footage_id)
        assert state.approved and state.approved_by == "liaison1" and state.approved_at is not None
        assert "Approved by liaison1" in window.state_label.text()
        go_to(qtbot, window, 0.5)
        window.draw_box((0.2, 0.2, 0.2, 0.2))  # a change withdraws the approval
        assert not stored(db, c.footage_id).approved and "Draft" in window.state_label.text()
        window.approve()
        assert questions[-1] == "Approve" and stored(db, c.footage_id).approved
        assert len(audit_actions(db, Actions.REDACTION_APPROVE)) == 2
    finally:
        close(window)


@pytest.mark.vlc
@pytest.mark.media
def test_f1_sheet_and_every_shortcut_is_bound(qtbot, clip):
    db, c = clip
    window = open_editor(qtbot, db, c)
    try:
        for shortcut in EDITOR_SHORTCUTS:
            assert callable(getattr(window, shortcut.name))
            assert len(window.shortcuts[shortcut.name]) == len(shortcut.keys) + len(shortcut.also)
        window.draw_box((0.1, 0.1, 0.2, 0.2))
        window.draw_box((0.5, 0.1, 0.2, 0.2))
        assert window.selected == "box-2"
        qtbot.keyClick(window, Qt.Key.Key_Tab)
        assert window.selected == "box-1" and window.timeline.selected == "box-1"
        qtbot.keyClick(window, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert window.selected == "box-2"
        qtbot.keyClick(window, Qt.Key.Key_Escape)
        assert window.selected is None
        # The idle lock: the editor pauses and paints nothing until unlocked.
        app_events().locked.emit()
        try:
            assert window.view.frame is None and window.view.source is None
        finally:
            app_events().unlocked.emit()
        assert window.view.source is window.facade and window.view.frame is not None
        qtbot.keyClick(window, Qt.Key.Key_F1)
        sheets = window.findChildren(ShortcutsSheet)
        assert len(sheets) == 1 and sheets[0].isVisible()
        assert len(sheets[0].rows()) == len(EDITOR_SHORTCUTS)
        # Space plays, Space again pauses; the frame number advances while playing.
        start = window.facade.frame_index
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: (window.facade.frame_index or 0) > start + 5, timeout=WAIT_MS)
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.play_button.text() == "Play", timeout=WAIT_MS)
        assert "Frame" in window.position_label.text()
    finally:
        close(window)


# --- pieces without a player ----------------------------------------------------------------------


def test_timeline_seeks_selects_and_moves_keyframes(qtbot):
    sha = "ab" * 32
    pts = np.arange(60) / 30.0
    rs = RedactionSet(sha, (RedactionTrack("box-1", "face_bystander", "solid", "rect",
                                           (Keyframe(float(pts[10]), (0.1, 0.1, 0.2, 0.2)),
                                            Keyframe(float(pts[40]), (0.3, 0.1, 0.2, 0.2)))),),
                      blank=((0.5, 0.8),), mute=((1.0, 1.5),))
    timeline = Timeline()
    qtbot.addWidget(timeline)
    timeline.resize(GUTTER_W + 600 + 10, timeline.height())
    timeline.set_frames(pts, 2.0)
    timeline.set_document(rs)
    timeline.show()
    seeks, selected, moved = [], [], []
    timeline.seekRequested.connect(seeks.append)
    timeline.trackSelected.connect(selected.append)
    timeline.keyframeMoved.connect(lambda *a: moved.append(a))
    ruler_y = RULER_H // 2
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(GUTTER_W + 300, ruler_y))
    assert seeks[-1] == pytest.approx(1.0)  # half way along, snapped to a frame time
    row_y = RULER_H + 2 * RANGE_ROW_H + TRACK_ROW_H // 2
    kf_x = round(timeline._x(float(pts[40])))
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(kf_x, row_y))
    assert selected == ["box-1"] and seeks[-1] == pytest.approx(pts[40])
    qtbot.mouseMove(timeline, QPoint(kf_x + 60, row_y))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(kf_x + 60, row_y))
    assert moved == [("box-1", pytest.approx(pts[40]), pytest.approx(pts[46]))]
    assert "Frame" in timeline.position_text()
    image = timeline.grab().toImage()
    assert image.width() == timeline.width()


def test_edit_actions_hold_boxes_to_the_end_until_hidden():
    sha = "cd" * 32
    rs = RedactionSet(sha, ())
    drawn = actions.draw_box(rs, 1.0, (0.1, 0.1, 0.2, 0.2), 5.0)
    rs = drawn.after
    (track,) = rs.tracks
    assert [kf.t for kf in track.keyframes] == [1.0, 5.0] and track.box_at(4.9) == (0.1, 0.1, 0.2, 0.2)
    rs = actions.change_box(rs, track.id, 2.0, (0.3, 0.1, 0.2, 0.2)).after
    track = rs.tracks[0]
    assert track.box_at(5.0) == pytest.approx((0.3, 0.1, 0.2, 0.2))  # held at its new place
    assert track.box_at(1.5) == pytest.approx((0.2, 0.1, 0.2, 0.2))  # interpolated before
    rs = actions.hide_from(rs, track.id, 3.0).after
    track = rs.tracks[0]
    assert track.box_at(3.0) is None and track.box_at(5.0) is None and track.keyframes[-1].t == 3.0
    assert actions.hide_from(rs, track.id, 4.0).refusal  # already hidden there
    assert actions.add_keyframe(rs, None, 2.5).refusal  # nothing selected
    # Deleting keyframes until nothing would show removes the track.
    rs = actions.delete_keyframe(rs, track.id, 1.0).after
    rs2 = actions.delete_keyframe(rs, track.id, 2.0)
    assert rs2.after.tracks == () and rs2.select is None
    assert actions.add_range(rs, "blank", 2.0, 1.0).refusal
    rs = actions.add_range(rs, "mute", 1.0, 2.0).after
    assert rs.mute == ((1.0, 2.0),)
    assert actions.remove_range(rs, "mute", (1.0, 2.0)).after.mute == ()
    assert actions.neighbour_track(rs, None, 1) == track.id
