"""The controller: the facilitator's window for running the meeting (on the laptop).

Left, the agenda; in the middle, three pages for the item in hand -- the clip (with its timeline and
comments), the scoring forms (one per member present), and reveal-and-consensus; right, the stop
record. The presenter window (the room's screen) follows it: it shows the clip's redacted frames only
while this window is on the clip page of an item with a clip; otherwise, between items, while the
facilitator scores or discusses, when "Black screen" is on, and when the app locks, it is black.

Each item gets its own player from `PlaybackService.open_redacted` (the privacy gate: approved
redactions only, audited), opened off the GUI thread because it re-hashes the clip. Switching item
first blanks the presenter and releases the previous player.

The whole meeting can be run from the keyboard (`meeting_keys`; F1 lists the keys). Irreversible steps (reveal,
close) ask first; a stale edit says "changed by someone else -- reload" and overwrites nothing.
"""

from __future__ import annotations

import logging
import weakref

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.playback import PlaybackService
from reviewtool.core.planning import PlanningService
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import ItemView, SessionService, SessionView
from reviewtool.core.settings import SettingsService
from reviewtool.media.player import PlayerState
from reviewtool.ui.app_events import app_events
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.clip_page import ClipPage
from reviewtool.ui.sessions.comments_panel import CommentsPanel
from reviewtool.ui.sessions.common import STATUS_WORDS, ask_reason, attempt, confirm, fit_to_screen
from reviewtool.ui.sessions.meeting_keys import CLIP, REVIEW, SCORING, KeysDialog, install_shortcuts
from reviewtool.ui.sessions.presenter import OFF, WINDOW, PresenterScreens, PresenterWindow, describe_screen
from reviewtool.ui.sessions.review_page import ReviewPage
from reviewtool.ui.sessions.session_page import confirm_and_close
from reviewtool.ui.sessions.scoring_page import ScoringPage
from reviewtool.ui.sessions.stop_panel import StopPanel
from reviewtool.ui.sessions.wellbeing import WellbeingDialog
from reviewtool.ui.tasks import run_task
from reviewtool.ui.video.player_facade import PlayerFacade

log = logging.getLogger(__name__)

REFRESH_MS = 8000

STATUS_MARKS = {"pending": "○", "shown": "◐", "revealed": "◑", "agreed": "●", "removed": "✕"}


class MeetingWindow(QMainWindow):
    """`MeetingWindow(ctx, session_id)`; `closed` is emitted when it closes."""

    closed = Signal()

    def __init__(self, ctx: AppContext, session_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.session_id = session_id
        self.sessions: SessionService = ctx.service(SessionService)
        self.scoring: ScoringService = ctx.service(ScoringService)
        self.playback: PlaybackService = ctx.service(PlaybackService)
        self.setObjectName("meetingWindow")
        fit_to_screen(self, 1360, 820)
        self.view: SessionView = self.sessions.get(ctx.actor, session_id)
        self.rubric = ctx.service(PlanningService).rubric_for_session(ctx.actor, session_id)
        self.item: ItemView | None = None
        self.facade: PlayerFacade | None = None
        self._open_generation = 0
        self.presenter_black = False
        # The notice comes before the first clip of the meeting (not again if this window is reopened).
        self.wellbeing_shown = any(it.status in ("shown", "revealed", "agreed") for it in self.view.items)
        self._closing = False

        # presenter
        self.presenter = PresenterWindow(self)
        self.screens = PresenterScreens(self.presenter, self)
        self.screens.screensChanged.connect(self._fill_screen_choices)
        self.screens.message.connect(lambda text: self.statusBar().showMessage(text, 15000))

        # pages
        self.comments = CommentsPanel(ctx.actor, self.scoring, lambda: self.clip.time())
        self.clip = ClipPage(self.comments)
        self.clip.markDiscussed.connect(self.mark_discussed)
        self.scoring_page = ScoringPage(ctx, self.rubric)
        self.review_page = ReviewPage(ctx, session_id, self.rubric)
        self.review_page.revealRequested.connect(self.reveal)
        self.review_page.reopenRequested.connect(self.reopen)
        self.review_page.consensus.recorded.connect(lambda _view: self.refresh())
        self.tabs = QTabWidget()
        self.tabs.setObjectName("meetingTabs")
        self.tabs.addTab(self.clip, "1  Clip")
        self.tabs.addTab(self.scoring_page, "2  Scoring")
        self.tabs.addTab(self.review_page, "3  Reveal and consensus")
        self.tabs.currentChanged.connect(self._page_changed)
        self.items = QListWidget()
        self.items.setObjectName("agendaList")
        self.items.setMinimumWidth(170)
        self.items.currentRowChanged.connect(self._item_chosen)
        self.stop_panel = StopPanel()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.addWidget(QLabel("<b>Agenda</b>"))
        left_layout.addWidget(self.items, 1)
        self.legend = QLabel("○ not shown   ◐ shown\n◑ revealed   ● agreed\n✕ removed")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color:#555555;")
        left_layout.addWidget(self.legend)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.stop_panel)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([230, 770, 280])  # on a laptop (1280 wide) the pages keep most of the width
        self.setCentralWidget(splitter)
        self._build_toolbar()
        self._build_shortcuts()

        events = app_events()
        events.locked.connect(self._on_locked)
        events.unlocked.connect(self._on_unlocked)
        events.shutting_down.connect(self.release_player)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._poll)
        self._refresh_timer.start()

        self._show_view()
        self._fill_screen_choices()
        self._presenter_placed = False
        first = next((n for n, it in enumerate(self.view.items) if it.status not in ("removed", "agreed")), 0)
        if self.view.items:
            self.items.setCurrentRow(first)

    # --- layout -----------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar("Meeting")
        bar.setObjectName("meetingToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        self.prev_action = QAction("◀ Previous item", self)
        self.prev_action.triggered.connect(lambda: self.go(-1))
        self.next_action = QAction("Next item ▶", self)
        self.next_action.triggered.connect(lambda: self.go(1))
        bar.addAction(self.prev_action)
        bar.addAction(self.next_action)
        bar.addSeparator()
        bar.addWidget(QLabel(" Presenter: "))
        self.screen_combo = QComboBox()
        self.screen_combo.setObjectName("presenterScreen")
        self.screen_combo.setMinimumWidth(240)
        self.screen_combo.activated.connect(self._screen_chosen)
        bar.addWidget(self.screen_combo)
        self.black_action = QAction("Black screen", self)
        self.black_action.setCheckable(True)
        self.black_action.setToolTip("Black out the presenter screen (B)")
        self.black_action.toggled.connect(self.set_presenter_black)
        bar.addAction(self.black_action)
        bar.addSeparator()
        self.reveal_action = QAction("Reveal answers…", self)
        self.reveal_action.setToolTip("Show everyone's answers for this item (Ctrl+R)")
        self.reveal_action.triggered.connect(self.reveal)
        bar.addAction(self.reveal_action)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding,
                             spacer.sizePolicy().verticalPolicy().Preferred)
        bar.addWidget(spacer)
        keys = QAction("Keys (F1)", self)
        keys.triggered.connect(self.show_keys)
        bar.addAction(keys)
        self.close_session_action = QAction("Close the session…", self)
        self.close_session_action.triggered.connect(self.close_session)
        bar.addAction(self.close_session_action)

    def _build_shortcuts(self) -> None:
        install_shortcuts(self)

    # --- session data -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the session again (statuses, attendance) and show it; the item in hand stays."""
        try:
            self.view = self.sessions.get(self.ctx.actor, self.session_id)
        except ReviewtoolError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return
        self._show_view()
        if self.item is not None:
            try:
                self.item = self.view.item(self.item.id)
            except ReviewtoolError:
                self.item = None
            self._show_item_state()

    def _poll(self) -> None:
        # Members may enter answers on their own devices; keep the facilitator's picture current
        # without disturbing anything being typed.
        if self.isVisible() and not self._closing:
            self.refresh()
            if self.tabs.currentIndex() == REVIEW:
                self.review_page.refresh_counts()

    def _show_view(self) -> None:
        view = self.view
        signature = (view.version, view.status, tuple((it.id, it.status, it.version, it.consensus.version
                                                        if it.consensus else 0) for it in view.items),
                     tuple((a.member_id, a.counts_for_quorum) for a in view.attendance))
        if signature == getattr(self, "_shown_signature", None):
            return  # nothing changed: leave the list (and the keyboard focus in it) alone
        self._shown_signature = signature
        present = [a for a in view.attendance if a.counts_for_quorum]
        self.setWindowTitle(f"{view.name} — meeting ({len(present)} members present)")
        self.scoring_page.set_members(present)
        self.review_page.members = present
        self.comments.set_members([(None, "Facilitator")] + [(a.member_id, a.initials) for a in present])
        current = self.items.currentRow()
        self.items.blockSignals(True)
        self.items.clear()
        for it in view.items:
            mark = STATUS_MARKS.get(it.status, "")
            clip = "no footage" if it.no_footage else ""
            rag = f" — {it.consensus.rag.upper()}" if it.consensus is not None else ""
            entry = QListWidgetItem(f"{mark} {it.position}. {it.stop.reference}{rag}\n    "
                                    f"{STATUS_WORDS.get(it.status, it.status)}{' · ' + clip if clip else ''}")
            entry.setData(Qt.ItemDataRole.UserRole, it.id)
            if it.status == "removed":
                entry.setForeground(Qt.GlobalColor.gray)
                entry.setToolTip(f"Removed: {it.removed_reason}")
            self.items.addItem(entry)
        self.items.setCurrentRow(current)
        self.items.blockSignals(False)
        running = view.status == "running"
        self.close_session_action.setEnabled(running)
        if not running:
            self.statusBar().showMessage(f"The session is {view.status}: answers can be entered only while it runs.")

    # --- items ------------------------------------------------------------------------------------------

    def go(self, step: int) -> None:
        rows = self.items.count()
        if not rows:
            return
        row = self.items.currentRow()
        target = row + step
        while 0 <= target < rows and self.view.items[target].status == "removed":
            target += step
        if 0 <= target < rows:
            self.items.setCurrentRow(target)

    def _item_chosen(self, row: int) -> None:
        if row < 0 or row >= len(self.view.items):
            return
        item = self.view.items[row]
        if self.item is not None and item.id == self.item.id:
            return
        self.scoring_page.flush()
        self.release_player()
        self.item = item
        self.stop_panel.show_item(item)
        self.comments.set_item(item.id, enabled=self.view.status == "running" and item.status != "removed")
        self._show_item_state()
        self._open_clip(item)

    def _show_item_state(self) -> None:
        item = self.item
        if item is None:
            return
        self.stop_panel.show_item(item)
        running = self.view.status == "running"
        self.scoring_page.set_item(item, running)
        self.review_page.set_item(item, running)
        self.reveal_action.setEnabled(running and item.status in ("pending", "shown"))
        self.prev_action.setEnabled(self.items.currentRow() > 0)
        self.next_action.setEnabled(self.items.currentRow() < self.items.count() - 1)

    def _open_clip(self, item: ItemView) -> None:
        self._open_generation += 1
        generation = self._open_generation
        if item.status == "removed":
            self.clip.show_notice(f"This item was removed from the session.\n\nReason: {item.removed_reason}")
            return
        if item.no_footage or item.footage is None:
            self.clip.show_notice("There is no footage for this stop.\n\nA sampled stop without footage is a "
                                  "finding: note it for follow-up. The panel can still discuss the record.",
                                  discussable=self.view.status == "running" and item.status == "pending")
            return
        if item.redaction != "approved":
            self.clip.show_notice(f"The redactions of {item.footage.file_name} are not approved, so it cannot be "
                                  "shown. Approve them in the redaction editor, or remove the item.")
            return
        self.clip.show_notice(f"Opening {item.footage.file_name}…\n\n(checking the file is the one ingested)")
        footage_id = item.footage.id
        actor, session_id, playback = self.ctx.actor, self.session_id, self.playback
        window = weakref.ref(self)
        # No parent for the task: if this window is gone when the player arrives, the player must
        # still be released (a libvlc player left running aborts Python at exit).
        run_task(None, lambda: playback.open_redacted(actor, footage_id, session_id),
                 lambda player: _deliver_player(window, generation, player),
                 on_error=lambda exc: _deliver_failure(window, generation, exc), title="Opening the clip")

    def _player_ready(self, generation: int, player) -> None:
        if generation != self._open_generation or self._closing:
            player.release()  # the facilitator moved on meanwhile
            return
        facade = PlayerFacade(player, self)
        facade.stateChanged.connect(self._player_state)
        facade.failed.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.facade = facade
        self.clip.set_facade(facade)
        facade.seek(0.0)  # the first (redacted) frame, paused, so the facilitator sees what is coming
        self._update_presenter()

    def _player_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._open_generation:
            return
        if not isinstance(exc, ReviewtoolError):
            raise exc
        self.clip.show_notice(f"The clip cannot be shown:\n\n{exc}")

    def release_player(self) -> None:
        """Black the presenter first, then let the player go."""
        self.presenter.blank()
        facade, self.facade = self.facade, None
        self.clip.set_facade(None)
        if facade is not None:
            facade.release()
            facade.deleteLater()

    def _player_state(self, state: PlayerState) -> None:
        item = self.item
        if state == PlayerState.PLAYING and item is not None and item.status == "pending":
            if attempt(self, lambda: self.sessions.mark_shown(self.ctx.actor, item.id)):
                self.refresh()

    def mark_discussed(self) -> None:
        item = self.item
        if item is not None and attempt(self, lambda: self.sessions.mark_shown(self.ctx.actor, item.id)):
            self.refresh()
            self.clip.discussed_button.hide()

    # --- pages and the presenter ------------------------------------------------------------------------

    def show_page(self, page: int) -> None:
        self.tabs.setCurrentIndex(page)

    def _page_changed(self, page: int) -> None:
        if page != CLIP:
            self.clip.pause()
        if page == SCORING:
            self.scoring_page.focus_form()
        elif page == REVIEW:
            self.scoring_page.flush()
            self.review_page.refresh_counts()
        self._update_presenter()

    def presenter_should_show_clip(self) -> bool:
        return (self.facade is not None and self.tabs.currentIndex() == CLIP and not self.presenter_black
                and self.wellbeing_shown and not app_events().is_locked() and not self._closing)

    def _update_presenter(self) -> None:
        if self.presenter_should_show_clip():
            assert self.facade is not None
            self.presenter.show_clip(self.facade)
        else:
            self.presenter.blank()

    def set_presenter_black(self, on: bool) -> None:
        self.presenter_black = on
        self._update_presenter()
        self.statusBar().showMessage("The presenter screen is black." if on else "The presenter screen follows the clip.",
                                     5000)

    def _on_locked(self) -> None:
        # The presenter blacks itself out on `locked`; the clip stops so no sound plays on either.
        self.clip.pause()
        self._update_presenter()

    def _on_unlocked(self) -> None:
        self._update_presenter()

    def _fill_screen_choices(self) -> None:
        current = self.screens.choice
        self.screen_combo.clear()
        self.screen_combo.addItem("Off", OFF)
        for n, screen in enumerate(self.screens.screens(), start=1):
            mine = " — this window's screen" if screen is self.screen() else ""
            self.screen_combo.addItem(describe_screen(screen, n) + mine, screen)
        self.screen_combo.addItem("In a window (to share online)", WINDOW)
        index = self.screen_combo.findData(current)
        self.screen_combo.setCurrentIndex(max(0, index))

    def choose_presenter(self, choice: object) -> None:
        """Put the presenter on a screen, in a window (WINDOW) or off (OFF), as the list would."""
        index = self.screen_combo.findData(choice)
        if index >= 0:
            self.screen_combo.setCurrentIndex(index)
        self.screens.apply(choice)
        self._update_presenter()

    def _screen_chosen(self, index: int) -> None:
        choice = self.screen_combo.itemData(index)
        if choice is not None and not isinstance(choice, str) and choice is self.screen():
            if not confirm(self, "Use this screen for the presenter?",
                           "The presenter would cover this window on the same screen.", "Use it anyway"):
                self.screen_combo.setCurrentIndex(max(0, self.screen_combo.findData(self.screens.choice)))
                return
        self.screens.apply(choice)
        self._update_presenter()

    # --- playing ----------------------------------------------------------------------------------------

    def on_clip(self, action) -> None:
        if self.tabs.currentIndex() != CLIP:
            self.show_page(CLIP)
        action()

    def play_pause(self) -> None:
        if self.facade is None:
            return
        if self.tabs.currentIndex() != CLIP:
            self.show_page(CLIP)
        if not self.wellbeing_shown and self.facade.state != PlayerState.PLAYING:
            if not self.show_wellbeing():
                return
        self.clip.toggle()

    def show_wellbeing(self) -> bool:
        """The wellbeing notice, before the first clip: on this screen and on the presenter."""
        text = self.ctx.service(SettingsService).get("wellbeing_notice")
        self.presenter.show_notice(text)
        dialog = WellbeingDialog(text, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if accepted:
            self.wellbeing_shown = True
        self._update_presenter()
        return accepted

    # --- scoring, reveal, consensus ---------------------------------------------------------------------

    def score_member(self, n: int) -> None:
        self.show_page(SCORING)
        self.scoring_page.show_member(n)

    def comment_now(self) -> None:
        self.show_page(CLIP)
        self.clip.pause()
        self.comments.focus_new_comment()

    def reveal(self) -> None:
        item = self.item
        if item is None or self.view.status != "running" or item.status not in ("pending", "shown"):
            return
        self.scoring_page.flush()
        counts = self.review_page.answer_counts()
        if not confirm(self, "Reveal the answers?",
                       f"Show everyone's answers for item {item.position} ({item.stop.reference})?",
                       "Reveal answers",
                       detail=f"{counts} After reveal the answers are fixed: nobody can change a judgement "
                              "after seeing the others'. You can reopen the item, with a reason, to correct a "
                              "mistake."):
            return
        if attempt(self, lambda: self.scoring.reveal(self.ctx.actor, item.id), "The answers were not revealed"):
            self.refresh()
            self.show_page(REVIEW)
            self.review_page.consensus.rag_buttons["green"].setFocus()

    def reopen(self) -> None:
        item = self.item
        if item is None:
            return
        reason = ask_reason(self, "Reopen the answers?",
                            f"Why reopen item {item.position} ({item.stop.reference})? The answers can then be "
                            "corrected and must be revealed again.", "Reopen")
        if reason and attempt(self, lambda: self.scoring.reopen(self.ctx.actor, item.id, reason)):
            self.refresh()
            self.show_page(SCORING)

    def close_session(self) -> None:
        self.scoring_page.flush()
        if confirm_and_close(self, self.ctx, self.view):
            self.close()

    def show_keys(self) -> None:
        KeysDialog(self).exec()

    # --- closing ----------------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        if not self._presenter_placed:
            # Once this window is on a screen: the presenter goes to another screen if there is one
            # (black until a clip is shown), otherwise it waits for one to be connected.
            self._presenter_placed = True
            self.choose_presenter(self.screens.default_choice())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt)
        self._closing = True
        self._refresh_timer.stop()
        self.scoring_page.flush()
        self.release_player()
        self.presenter.hide()
        if shiboken6.isValid(self.presenter):
            self.presenter.close()
        super().closeEvent(event)
        self.closed.emit()


def _alive(window_ref: "weakref.ref[MeetingWindow]") -> MeetingWindow | None:
    window = window_ref()
    return window if window is not None and shiboken6.isValid(window) else None


def _deliver_player(window_ref: "weakref.ref[MeetingWindow]", generation: int, player) -> None:
    window = _alive(window_ref)
    if window is None:
        player.release()
        return
    window._player_ready(generation, player)


def _deliver_failure(window_ref: "weakref.ref[MeetingWindow]", generation: int, exc: BaseException) -> None:
    window = _alive(window_ref)
    if window is not None:
        window._player_failed(generation, exc)
    elif not isinstance(exc, ReviewtoolError):
        raise exc
