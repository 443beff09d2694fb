"""The player façade and the video view: what is painted is the player's finished frame, and only that.

Checked through the real path (libvlc, identification, rendering) on a frame-numbered synthetic clip:
the picture the view actually painted (grabbed from the widget) is read back -- its frame-number band
says which frame it is, and every true face box of that frame must be black. Protected frames carry
the notice and no picture. The frame hand-over (pins) is checked on a real FramePool.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtGui import QImage

from reviewtool.core.db import Database
from reviewtool.media.frame_pool import FramePool
from reviewtool.media.player import PlayerState, RedactedPlayer
from reviewtool.media.redaction import RedactionSet
from reviewtool.media.synth import read_frame_number
from reviewtool.ui.video.player_facade import PlayerFacade
from reviewtool.ui.video.video_view import PROTECTED_NOTICE, VideoView

from support.editor_clips import VLC_ARGS, face_tracks, ingest_clip

pytestmark = [pytest.mark.gui]
WAIT_MS = 8000


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from reviewtool.core.auth import Actor

    folder = tmp_path_factory.mktemp("view-clip")
    db = Database.open(f"sqlite:///{folder / 'db.sqlite'}")
    try:
        yield ingest_clip(db, Actor(username="liaison1", role="liaison"), folder, duration_s=2.0, seed=21)
    finally:
        db.dispose()


def grab_rgb(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def inner(box, width, height):
    x, y, w, h = box
    return (slice(int(np.ceil(y * height)), int(np.floor((y + h) * height))),
            slice(int(np.ceil(x * width)), int(np.floor((x + w) * width))))


def make_view(qtbot, facade: PlayerFacade, size=(320, 180)) -> VideoView:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_source(facade)
    view.show()
    return view


def settled_on(qtbot, facade: PlayerFacade, view: VideoView) -> int:
    """Wait until the player has landed and the view shows that frame; its index."""
    assert facade.player.wait_until_settled()
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.frame_index == facade.player.frame_index,
                    timeout=WAIT_MS)
    return view.frame.frame_index


@pytest.mark.vlc
@pytest.mark.media
def test_view_paints_redacted_frames_with_faces_hidden(qtbot, clip):
    player = RedactedPlayer(clip.path, clip.sha256, clip.index_path, face_tracks(clip), vlc_args=VLC_ARGS)
    facade = PlayerFacade(player)
    positions = []
    facade.positionChanged.connect(lambda i, t: positions.append((i, t)))
    view = make_view(qtbot, facade)
    try:
        facade.open()
        assert facade.mode == "redacted" and facade.frame_count == clip.truth.frame_count
        facade.seek(1.0)
        checked = []
        for move in (None, facade.step, facade.step_back, facade.step):
            if move is not None:
                move()
            n = settled_on(qtbot, facade, view)
            qtbot.waitUntil(lambda: read_frame_number(grab_rgb(view)) == n, timeout=WAIT_MS)
            painted = grab_rgb(view)
            for box in clip.truth.faces_at(n):
                rows, cols = inner(box, 320, 180)
                assert painted[rows, cols].max() == 0, f"face {box} of frame {n} visible in the view"
            checked.append(n)
        assert checked[1:] == [checked[0] + 1, checked[0], checked[0] + 1]
        assert positions and positions[-1][0] == checked[-1]
        assert facade.time == pytest.approx(clip.truth.frames[checked[-1]].pts)
        assert facade.state == PlayerState.PAUSED
    finally:
        view.set_source(None)
        facade.release()
    assert facade.frame is None and view.frame is None


@pytest.mark.vlc
@pytest.mark.media
def test_protected_frames_show_only_the_notice(qtbot, clip):
    # No frame index: nothing can be identified, so every frame is protected (black).
    player = RedactedPlayer(clip.path, clip.sha256, None, RedactionSet(clip.sha256, ()), vlc_args=VLC_ARGS)
    facade = PlayerFacade(player)
    view = make_view(qtbot, facade, size=(480, 270))
    states = []
    facade.stateChanged.connect(states.append)
    try:
        facade.play()
        qtbot.waitUntil(lambda: view.frame is not None, timeout=WAIT_MS)
        assert view.frame.protected and view.frame.frame_index is None
        painted = grab_rgb(view)
        assert read_frame_number(painted) is None
        lit = np.argwhere(painted.max(axis=2) > 0)
        assert len(lit), "the notice is painted"
        rect = view.frame_rect()
        centre_y = rect.center().y()
        # Only the notice in the middle is lit; the rest of the frame is black.
        assert lit[:, 0].min() > centre_y - 40 and lit[:, 0].max() < centre_y + 40
        assert PROTECTED_NOTICE.startswith("Protected")
        assert PlayerState.PLAYING in states or facade.state == PlayerState.PLAYING
    finally:
        facade.release()


@pytest.mark.vlc
@pytest.mark.media
def test_two_views_share_a_facade_and_switching_source_drops_the_old_frame(qtbot, clip):
    raw = PlayerFacade(RedactedPlayer(clip.path, clip.sha256, clip.index_path, None, mode="raw",
                                      vlc_args=VLC_ARGS))
    redacted = PlayerFacade(RedactedPlayer(clip.path, clip.sha256, clip.index_path, face_tracks(clip),
                                           vlc_args=VLC_ARGS))
    editor_view = make_view(qtbot, raw)
    presenter_view = make_view(qtbot, redacted, size=(640, 360))
    second = make_view(qtbot, redacted, size=(320, 180))
    try:
        raw.seek(0.5)
        redacted.seek(0.5)
        n = settled_on(qtbot, raw, editor_view)
        settled_on(qtbot, redacted, presenter_view)
        qtbot.waitUntil(lambda: second.frame is not None and second.frame.seq == presenter_view.frame.seq,
                        timeout=WAIT_MS)
        # The raw view shows the face; the redacted ones do not.
        face = clip.truth.faces_at(n)[0]
        rows, cols = inner(face, 320, 180)
        assert grab_rgb(editor_view)[rows, cols].max() > 0
        assert grab_rgb(second)[rows, cols].max() == 0
        # Switching the editor view to the redacted façade lets go of the raw frame at once.
        raw_frame = editor_view.frame
        editor_view.set_source(redacted)
        assert editor_view.frame is not raw_frame and not editor_view.frame.protected
        assert editor_view.frame.seq == redacted.frame.seq
        assert grab_rgb(editor_view)[rows, cols].max() == 0
    finally:
        for view in (editor_view, presenter_view, second):
            view.set_source(None)
        raw.release()
        redacted.release()


class _PoolPlayer:
    """Drives a real FramePool from a producer thread, the way libvlc's display thread drives the
    player's pool, behind the part of RedactedPlayer's interface the façade uses."""

    mode = "redacted"
    index = None
    length = None
    rate = 1.0
    state = PlayerState.PAUSED

    def __init__(self) -> None:
        self.pool = FramePool(16, 8)
        self.sinks = []

    def add_sink(self, sink):
        self.sinks.append(sink)

    def remove_sink(self, sink):
        self.sinks.remove(sink)

    def add_listener(self, listener):
        pass

    def release(self):
        pass

    def produce(self, count: int) -> None:
        for value in range(count):
            slot = self.pool.begin_write()
            if slot is None:
                continue
            number, buffer = slot
            buffer[...] = value % 256
            frame = self.pool.publish(number, frame_index=value, pts=value / 30, blanked=False, protected=False)
            for sink in list(self.sinks):
                sink(frame)


def test_hand_over_skips_overtaken_frames_and_keeps_painted_buffers_intact(qtbot):
    player = _PoolPlayer()
    facade = PlayerFacade(player)
    view = make_view(qtbot, facade, size=(64, 32))
    shown = []
    facade.frameReady.connect(lambda frame: shown.append(frame.seq))
    producer = threading.Thread(target=player.produce, args=(400,))
    producer.start()
    while producer.is_alive():
        qtbot.wait(5)
        frame = view.frame
        if frame is not None:  # the pinned picture is the one announced, never a later write
            assert int(frame.image[0, 0, 0]) == frame.frame_index % 256
    producer.join()
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.frame_index == 399, timeout=WAIT_MS)
    assert shown == sorted(shown) and len(set(shown)) == len(shown)
    assert player.pool.dropped == 0  # a slow GUI skips frames; it never makes the producer drop them
    pinned = [s.pins for s in player.pool._slots]
    assert sum(pinned) == 2  # the façade's and the view's pin on the frame on screen
    view.set_source(None)
    facade.release()
    assert sum(s.pins for s in player.pool._slots) == 0
