""""My session": what a panel member sees on their own device during the meeting.

The stop record and their own scoring form for the item being discussed -- nobody else's answers
until the facilitator reveals (the service enforces it: `answers_for` gives a member only their own
before reveal); after reveal, how the panel answered and, once recorded, the consensus. The clip
itself is on the room's presenter screen, not here.

The item being discussed is the latest one the facilitator has shown (or revealed); the member can
look back at earlier ones. The view reads the session again every few seconds so a reveal or the next
item appears without anyone touching anything.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.planning import PlanningService
from reviewtool.core.rubric import RubricDefinition
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import ItemView, SessionService, SessionView
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.comments_panel import CommentsPanel
from reviewtool.ui.sessions.common import STATUS_WORDS, Banner, heading, quiet, rag_chip_style
from reviewtool.ui.sessions.reveal_panel import RevealPanel
from reviewtool.ui.sessions.scoring_form import ScoringForm
from reviewtool.ui.sessions.stop_panel import StopPanel

POLL_MS = 4000


def current_item(view: SessionView) -> ItemView | None:
    """The item under discussion: the latest shown or revealed one, else the latest agreed one."""
    live = [it for it in view.items if it.status in ("shown", "revealed")]
    if live:
        return live[-1]
    agreed = [it for it in view.items if it.status == "agreed"]
    return agreed[-1] if agreed else None


class MySessionView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sessions: SessionService = ctx.service(SessionService)
        self.scoring: ScoringService = ctx.service(ScoringService)
        self.setObjectName("mySessionView")
        self.view: SessionView | None = None
        self.rubric: RubricDefinition | None = None
        self.form: ScoringForm | None = None
        self.item: ItemView | None = None
        self.following = True  # follow the facilitator's current item until the member picks another
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        top = QHBoxLayout()
        self.title = heading("My session")
        self.title.setObjectName("mySessionTitle")
        top.addWidget(self.title, 1)
        self.item_label = QLabel("Item:")
        top.addWidget(self.item_label)
        self.item_combo = QComboBox()
        self.item_combo.setObjectName("myItemCombo")
        self.item_combo.setMinimumWidth(260)
        self.item_combo.activated.connect(self._item_picked)
        top.addWidget(self.item_combo)
        layout.addLayout(top)
        self.state = QLabel("")
        self.state.setObjectName("myItemState")
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.waiting = quiet("")
        self.waiting.setObjectName("myWaiting")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.waiting)
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.stop_panel = StopPanel()
        self.body.addWidget(self.stop_panel)
        self.right = QWidget()
        self.right_layout = QVBoxLayout(self.right)
        self.right_layout.setContentsMargins(8, 0, 0, 0)
        self.body.addWidget(self.right)
        self.body.setSizes([300, 760])
        self.stack.addWidget(self.body)
        self.after = QWidget()
        self.after.setObjectName("myResults")
        after_layout = QVBoxLayout(self.after)
        after_layout.setContentsMargins(4, 6, 4, 0)
        self.consensus_label = QLabel("")
        self.consensus_label.setObjectName("myConsensus")
        self.consensus_label.setWordWrap(True)
        after_layout.addWidget(self.consensus_label)
        self.reveal_panel: RevealPanel | None = None
        self.after_layout = after_layout
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    # --- reading ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.form is not None:
            self.form.flush()
        try:
            sessions = [s for s in self.sessions.list_sessions(self.ctx.actor) if s.status != "closed"]
        except ReviewtoolError as exc:
            self._wait(str(exc))
            return
        if not sessions:
            self._wait("You are not recorded as present at a meeting yet. At the start of the meeting the "
                       "facilitator records who is present and each member's confidentiality agreement; this page "
                       "then shows your scoring form.")
            return
        running = [s for s in sessions if s.status == "running"] or sessions
        try:
            view = self.sessions.get(self.ctx.actor, running[0].id)
        except ReviewtoolError as exc:
            self._wait(str(exc))
            return
        if self.view is None or self.view.id != view.id or self.rubric is None:
            try:
                self.rubric = self.ctx.service(PlanningService).rubric_for_session(self.ctx.actor, view.id)
            except ReviewtoolError as exc:
                self._wait(str(exc))
                return
            self._build_form(view)
        self.view = view
        self.title.setText(view.name)
        self._fill_items(view)
        target = current_item(view) if self.following or self.item is None else self._same_item(view)
        if target is None:
            self._wait("The meeting has not reached its first item yet. Your form appears here when the "
                       "facilitator shows the first clip.")
            return
        self._show_item(target)

    def _same_item(self, view: SessionView) -> ItemView | None:
        assert self.item is not None
        try:
            return view.item(self.item.id)
        except ReviewtoolError:
            return current_item(view)

    def _wait(self, text: str) -> None:
        self.waiting.setText(text)
        self.stack.setCurrentWidget(self.waiting)
        self.item_combo.clear()
        self.item_combo.hide()
        self.item_label.hide()
        self.state.setText("")

    def _build_form(self, view: SessionView) -> None:
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
        assert self.rubric is not None and view.viewer_member_id is not None
        me = next((a for a in view.attendance if a.member_id == view.viewer_member_id), None)
        self.form = ScoringForm(self.ctx.actor, self.scoring, self.rubric, view.viewer_member_id,
                                me.name if me else "You")
        self.comments = CommentsPanel(self.ctx.actor, self.scoring, lambda: None)
        self.comments.heading.setText("<b>My notes on this item</b> (the facilitator sees them; the panel after "
                                      "the reveal)")
        self.comments.set_members([(None, "Me")])
        self.comments.who.hide()
        self.comments.pin.setChecked(False)
        self.comments.pin.hide()
        self.comments.list.setMaximumHeight(110)
        if self.reveal_panel is not None:
            self.reveal_panel.setParent(None)
        self.reveal_panel = RevealPanel(self.rubric, facilitator=False)
        self.after_layout.addWidget(self.reveal_panel, 1)
        while self.right_layout.count():
            taken = self.right_layout.takeAt(0)
            if taken.widget() is not None:
                taken.widget().setParent(None)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("myTabs")
        self.tabs.addTab(self.form, "My answers")
        self.tabs.addTab(self.after, "How the panel answered")
        self.right_layout.addWidget(self.tabs, 1)
        self.right_layout.addWidget(self.comments)

    def _fill_items(self, view: SessionView) -> None:
        self.item_combo.blockSignals(True)
        self.item_combo.clear()
        for it in view.items:
            if it.status in ("pending", "removed"):
                continue
            self.item_combo.addItem(f"{it.position}. {it.stop.reference} — {STATUS_WORDS.get(it.status, it.status)}",
                                    it.id)
        self.item_combo.blockSignals(False)

    def _item_picked(self, index: int) -> None:
        if self.view is None:
            return
        item = self.view.item(self.item_combo.itemData(index))
        live = current_item(self.view)
        self.following = live is None or item.id == live.id
        self._show_item(item)

    # --- showing ----------------------------------------------------------------------------------------

    def _show_item(self, item: ItemView) -> None:
        assert self.form is not None and self.view is not None
        changed = self.item is None or item.id != self.item.id or item.status != self.item.status
        self.item = item
        self.item_combo.show()
        self.item_label.show()
        self.item_combo.setCurrentIndex(self.item_combo.findData(item.id))
        self.stack.setCurrentWidget(self.body)
        self.stop_panel.show_item(item)
        running = self.view.status == "running"
        if item.revealed:
            self.state.setText("The answers have been revealed: yours are fixed now. Here is how the panel answered.")
        elif running:
            self.state.setText("Your answers are saved as you enter them. Nobody sees them until the facilitator "
                               "reveals this item.")
        else:
            self.state.setText("The meeting has not started yet.")
        if not changed:
            return
        self.form.set_item(item.id, revealed=item.revealed or not running)
        self.comments.set_item(item.id, enabled=running)
        self.tabs.setTabEnabled(1, item.revealed)
        self.tabs.setTabToolTip(1, "" if item.revealed else "Shown once the facilitator reveals the answers")
        self.tabs.setCurrentIndex(1 if item.revealed else 0)
        if item.revealed:
            self._show_results(item)

    def _show_results(self, item: ItemView) -> None:
        assert self.reveal_panel is not None and self.view is not None
        try:
            distribution = self.scoring.distribution(self.ctx.actor, item.id)
            on_item = self.scoring.agreement(self.ctx.actor, item_id=item.id)
        except ReviewtoolError as exc:
            self.banner.show_message(str(exc), "problem")
            return
        try:
            over_session = self.scoring.agreement(self.ctx.actor, session_id=self.view.id)
        except ReviewtoolError:
            over_session = None
        self.reveal_panel.show_results(distribution, on_item, over_session)
        consensus = item.consensus
        if consensus is None:
            self.consensus_label.setText("The panel is discussing this item; the consensus is not recorded yet.")
            self.consensus_label.setStyleSheet("")
        else:
            self.consensus_label.setText(f"Consensus: {consensus.rag.upper()} — {consensus.summary or 'no summary'}")
            self.consensus_label.setStyleSheet(rag_chip_style(consensus.rag) + " padding:6px;")

    def shutdown(self) -> None:
        self.timer.stop()
        if self.form is not None:
            self.form.flush()
