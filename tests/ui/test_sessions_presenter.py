"""The presenter window without a running clip: it is black unless given a redacted façade, refuses any
other, shows the wellbeing notice as text only, blacks out on the idle lock, and follows screens
coming and going (the screen signals are delivered to its handlers as Qt would)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QWidget

from reviewtool.media.player import RedactedPlayer
from reviewtool.media.redaction import RedactionSet
from reviewtool.ui.app_events import KEEP_WHEN_LOCKED, app_events
from reviewtool.ui.sessions.presenter import OFF, WINDOW, PresenterScreens, PresenterWindow
from reviewtool.ui.video.player_facade import PlayerFacade

pytestmark = [pytest.mark.gui]


def grab(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


@pytest.fixture
def presenter(qtbot):
    window = PresenterWindow()
    qtbot.addWidget(window)
    window.resize(480, 270)
    window.show()
    return window


def unopened_facade(tmp_path, mode: str) -> PlayerFacade:
    sha = "0" * 64
    redactions = RedactionSet(sha, ()) if mode == "redacted" else None
    return PlayerFacade(RedactedPlayer(tmp_path / "clip.mp4", sha, None, redactions, mode=mode))


def test_black_by_default_and_text_only_for_the_notice(presenter):
    assert presenter.frame() is None and not presenter.showing_clip
    assert grab(presenter).max() <= 8
    assert presenter.property(KEEP_WHEN_LOCKED) is True  # the idle lock leaves it up, black
    presenter.show_notice("Some of the footage may be distressing.")
    assert presenter.frame() is None and grab(presenter).max() > 100  # words, no picture
    presenter.blank()
    assert grab(presenter).max() <= 8


def test_only_a_redacted_facade_is_accepted(presenter, tmp_path):
    raw = unopened_facade(tmp_path, "raw")
    redacted = unopened_facade(tmp_path, "redacted")
    try:
        with pytest.raises(ValueError, match="redacted footage only"):
            presenter.show_clip(raw)
        assert presenter.source is None and not presenter.showing_clip
        presenter.show_clip(redacted)
        assert presenter.source is redacted and presenter.showing_clip
        with pytest.raises(ValueError):
            presenter.show_clip(raw)  # refused even over a redacted one: it goes black
        assert presenter.source is None and not presenter.showing_clip
    finally:
        raw.release()
        redacted.release()
    with pytest.raises(ValueError):
        presenter.show_clip(redacted)  # a released façade is not shown either
    assert grab(presenter).max() <= 8


def test_the_idle_lock_blacks_it_out_and_unlocking_restores(presenter, tmp_path):
    redacted = unopened_facade(tmp_path, "redacted")
    try:
        presenter.show_clip(redacted)
        app_events().locked.emit()
        try:
            assert presenter.source is None and grab(presenter).max() <= 8
            presenter.show_clip(redacted)  # asked while locked: remembered, still black
            assert presenter.source is None
        finally:
            app_events().unlocked.emit()
        assert presenter.source is redacted
    finally:
        redacted.release()


def test_follows_screens_coming_and_going(qtbot, presenter):
    controller = QWidget()
    qtbot.addWidget(controller)
    controller.show()
    screens = PresenterScreens(presenter, controller)
    messages: list[str] = []
    screens.message.connect(messages.append)
    (only,) = QGuiApplication.screens()
    assert screens.default_choice() == OFF and screens.waiting_for_screen  # one screen: wait for another
    screens.apply(OFF)
    assert not presenter.isVisible()

    screens.apply(WINDOW)
    assert presenter.isVisible() and not presenter.windowState() & Qt.WindowState.WindowFullScreen

    screens.apply(only)
    assert presenter.isVisible() and presenter.windowState() & Qt.WindowState.WindowFullScreen
    assert presenter.screen() is only

    screens._screen_removed(only)  # the projector cable is pulled
    assert not presenter.isVisible() and screens.choice == OFF and screens.waiting_for_screen
    assert "disconnected" in messages[-1]

    controller.screen = lambda: None  # a screen that is not the controller's is plugged in
    screens._screen_added(only)
    assert screens.choice is only and presenter.isVisible()
    assert presenter.windowState() & Qt.WindowState.WindowFullScreen
    assert "new screen" in messages[-1]
