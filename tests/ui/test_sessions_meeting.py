"""The meeting window through the real player path (libvlc, identification, redaction): the presenter
paints only redacted frames from a redacted-mode façade, and black between items, while the
facilitator is on another page, when blacked out and while the app is locked; and the whole flow
runs from the keyboard."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QImage

from reviewtool.core.db import Database
from reviewtool.core.redactions import RedactionService
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import SessionService
from reviewtool.media.player import PlayerState, RedactedPlayer
from reviewtool.ui import tasks
from reviewtool.ui.app_events import app_events
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.common import clock
from reviewtool.ui.sessions.meeting_window import CLIP, REVIEW, SCORING, MeetingWindow
from reviewtool.ui.sessions.presenter import WINDOW
from reviewtool.ui.video.player_facade import PlayerFacade

from support.sessions_screens import (
    LIAISON,
    activate,
    answer_next_box,
    cached_meeting_db,
    copy_meeting_db,
    start_meeting,
)

pytestmark = [pytest.mark.gui, pytest.mark.media, pytest.mark.vlc]
WAIT_MS = 10000
CONTINUE = "The panel has heard it — play the clip"


@pytest.fixture
def meeting(tmp_path_factory, tmp_path, qtbot):
    pytest.importorskip("vlc")
    template = cached_meeting_db(tmp_path_factory)
    copy = copy_meeting_db(template, tmp_path / "db")
    db = Database.open(copy.url)
    start_meeting(db, copy.session_id)
    with tasks.synchronous():
        window = MeetingWindow(AppContext(db=db, actor=LIAISON), copy.session_id)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        activate(window)
        yield db, window
        window.close()
    db.dispose()


def grab(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def assert_black(widget) -> None:
    assert grab(widget).max() <= 8, "the presenter painted something other than black"


def face_box_at(db, footage_id: int, t: float) -> tuple[float, float, float, float]:
    (region,) = RedactionService(db).get(LIAISON, footage_id).document.regions_at(t)
    return region.box


def test_presenter_shows_only_redacted_frames_and_black_otherwise(qtbot, meeting):
    db, window = meeting
    presenter = window.presenter
    window.choose_presenter(WINDOW)
    presenter.resize(640, 360)
    item = window.item
    assert item is not None and item.footage is not None
    facade = window.facade
    assert facade is not None and facade.mode == "redacted"
    assert presenter.frame() is None  # nothing before the wellbeing notice
    assert_black(presenter)

    answer_next_box(qtbot, CONTINUE)
    window.play_pause()
    assert window.wellbeing_shown
    assert presenter.source is facade and presenter.showing_clip
    qtbot.waitUntil(lambda: presenter.frame() is not None and presenter.frame().identified, timeout=WAIT_MS)
    facade.pause()
    qtbot.waitUntil(lambda: facade.state == PlayerState.PAUSED, timeout=WAIT_MS)
    frame = presenter.frame()
    assert not frame.protected and not frame.blanked
    assert frame.seq == presenter.video.frame.seq  # what it paints is the façade's frame
    # the face box of the frame on screen is painted black (solid redaction), inside a small margin
    x, y, w, h = face_box_at(db, item.footage.id, frame.pts)
    pixels = grab(presenter.video)
    rect = presenter.video.frame_rect()
    left, top = rect.left() + (x * rect.width()), rect.top() + (y * rect.height())
    inner = pixels[int(top) + 4: int(top + h * rect.height()) - 4, int(left) + 4: int(left + w * rect.width()) - 4]
    assert inner.size and inner.max() <= 8
    assert pixels.max() > 60  # and the rest of the picture is there
    qtbot.waitUntil(lambda: SessionService(db).get(LIAISON, window.session_id).item(item.id).status == "shown",
                    timeout=WAIT_MS)

    window.show_page(SCORING)  # the facilitator is on anything else: black
    assert presenter.frame() is None and presenter.source is None
    assert_black(presenter)
    window.show_page(CLIP)
    assert presenter.source is facade

    window.black_action.trigger()
    assert presenter.frame() is None
    assert_black(presenter)
    window.black_action.trigger()
    assert presenter.source is facade

    app_events().locked.emit()  # the idle lock
    try:
        assert presenter.frame() is None
        assert_black(presenter)
    finally:
        app_events().unlocked.emit()
    assert presenter.source is facade

    # to a stop without footage: black between items, and the old player let go
    window.items.setCurrentRow(next(n for n, it in enumerate(window.view.items) if it.no_footage))
    assert window.item.no_footage
    assert facade.released and window.facade is None
    assert presenter.frame() is None
    assert_black(presenter)
    assert "no footage" in window.clip.notice.text()

    # a player in raw mode is never accepted by the presenter
    raw = RedactedPlayer(_clip_path(db, item.footage.id), item.footage.sha256, None, None, mode="raw")
    raw_facade = PlayerFacade(raw)
    try:
        with pytest.raises(ValueError):
            presenter.show_clip(raw_facade)
        assert presenter.frame() is None
    finally:
        raw_facade.release()


def _clip_path(db, footage_id: int) -> str:
    from reviewtool.core.models import Footage

    with db.read() as s:
        return s.get(Footage, footage_id).file_path


def test_the_meeting_runs_from_the_keyboard(qtbot, meeting):
    db, window = meeting
    items = window.view.items
    assert window.items.currentRow() == 0
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.item.id == items[1].id
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert window.item.id == items[0].id

    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # jump to scoring
    assert window.tabs.currentIndex() == SCORING
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # the second member's form
    form = window.scoring_page.current_form()
    assert window.scoring_page.member_tabs.currentIndex() == 1
    focused = window.focusWidget()
    assert focused is form.rows["grounds_explained"]
    qtbot.keyClick(focused, Qt.Key.Key_1)  # first answer: Yes
    qtbot.keyClick(focused, Qt.Key.Key_Down)
    assert window.focusWidget() is form.rows["grounds_reasonable"]
    answers = ScoringService(db).answers_for(LIAISON, items[0].id)
    assert [(a.member_id, a.criterion_id, a.answer) for a in answers] == \
        [(form.member_id, "grounds_explained", "yes")]

    answer_next_box(qtbot, "Cancel")
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # reveal asks first
    assert SessionService(db).get(LIAISON, window.session_id).item(items[0].id).status == "pending"
    activate(window)  # offscreen, nothing hands activation back after a modal box
    asked = answer_next_box(qtbot, "Reveal answers")
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert asked and items[0].stop.reference in asked[0]
    assert SessionService(db).get(LIAISON, window.session_id).item(items[0].id).status == "revealed"
    assert window.tabs.currentIndex() == REVIEW
    assert "Yes (1)" in window.review_page.reveal_panel.answers_text("grounds_explained")
    activate(window)

    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == CLIP
    answer_next_box(qtbot, CONTINUE)
    qtbot.keyClick(window, Qt.Key.Key_K)  # play: the wellbeing notice first, then the clip
    qtbot.waitUntil(lambda: window.facade is not None and window.facade.state == PlayerState.PLAYING,
                    timeout=WAIT_MS)
    activate(window)
    qtbot.keyClick(window, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: window.facade.state == PlayerState.PAUSED, timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_B)
    assert window.presenter_black and window.presenter.frame() is None
    qtbot.keyClick(window, Qt.Key.Key_B)
    assert not window.presenter_black

    facade = window.facade
    facade.seek(2.0)
    qtbot.waitUntil(lambda: facade.time is not None and abs(facade.time - 2.0) < 0.05, timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)  # a comment at the time on screen
    assert window.focusWidget() is window.comments.text
    qtbot.keyClicks(window.comments.text, "Officer explains the grounds clearly")
    qtbot.keyClick(window.comments.text, Qt.Key.Key_Return)
    (comment,) = ScoringService(db).comments(LIAISON, items[0].id)
    assert comment.text == "Officer explains the grounds clearly" and abs(comment.media_time - 2.0) < 0.05
    assert window.comments.list.count() == 1
    assert window.comments.list.item(0).text().startswith(f"[{clock(comment.media_time)}] Facilitator:")
    facade.seek(0.5)
    qtbot.waitUntil(lambda: abs(facade.time - 0.5) < 0.05, timeout=WAIT_MS)
    entry = window.comments.list.item(0)
    qtbot.mouseClick(window.comments.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.comments.list.visualItemRect(entry).center())  # clicking it goes back there
    qtbot.waitUntil(lambda: abs(facade.time - comment.media_time) < 0.05, timeout=WAIT_MS)
    activate(window)

    answer_next_box(qtbot, "Close")
    qtbot.keyClick(window, Qt.Key.Key_F1)


def inside(widget, outer) -> bool:
    rect = QRect(widget.mapTo(outer, QPoint(0, 0)), widget.size())
    return outer.rect().contains(rect)


def test_the_meeting_fits_a_laptop_screen_and_the_form_scrolls_down_only(qtbot, meeting):
    _db, window = meeting
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720
    for size in (QSize(1280, 720), hint):
        window.resize(size)
        for page in (CLIP, SCORING, REVIEW):
            window.show_page(page)
            assert window.grab().size() == size  # no page makes the window grow
        window.show_page(SCORING)
        form = window.scoring_page.current_form()
        viewport = form.scroll.viewport()
        assert form.scroll.horizontalScrollBar().maximum() == 0
        for row in form.rows.values():
            left = row.mapTo(viewport, QPoint(0, 0)).x()
            assert 0 <= left and left + row.width() <= viewport.width(), row.criterion.id
            assert all(inside(button, row) for button in row.buttons.values()), row.criterion.id
            assert inside(row.label, row) and inside(row.tick, row)
        assert inside(window.stop_panel, window) and inside(window.items, window)

    # at the smallest size the longest row of answers wraps onto a second line
    widest = max(form.rows.values(), key=lambda r: sum(b.sizeHint().width() for b in r.buttons.values()))
    assert len({b.y() for b in widest.buttons.values()}) > 1

    # keyboard focus on the last question scrolls down (never sideways); the next item starts at the top
    window.resize(1280, 720)
    activate(window)
    window.scoring_page.focus_form()
    for _ in range(10):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Down)
    focused = window.focusWidget()
    assert focused in form.rows.values() and focused is not form.first_row()
    assert form.scroll.verticalScrollBar().value() > 0 and form.scroll.horizontalScrollBar().value() == 0
    top = focused.mapTo(viewport, QPoint(0, 0)).y()
    assert 0 <= top and top + focused.height() <= viewport.height()
    window.go(1)
    assert form.scroll.verticalScrollBar().value() == 0 and form.scroll.horizontalScrollBar().value() == 0


def test_the_area_closes_its_meeting_windows_when_the_app_shuts_down(qtbot, meeting):
    db, window = meeting
    window.close()
    from reviewtool.ui.sessions.area import SessionsArea

    area = SessionsArea(AppContext(db=db, actor=LIAISON))
    qtbot.addWidget(area)
    opened = area.open_meeting(window.session_id)
    assert area.open_meeting(window.session_id) is opened  # one window per session
    qtbot.waitUntil(lambda: opened.facade is not None, timeout=WAIT_MS)
    facade = opened.facade
    area.shutdown()
    assert facade.released and not area.meetings
