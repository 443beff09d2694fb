"""Reveal and consensus: the end of the blind phase for an item, and the panel's agreed view.

Before reveal the page says only how many members have answered (never what), so the facilitator
knows whether to wait. Revealing asks first. After reveal it shows the spread of answers and the
agreement figures, then the consensus form; "Reopen for corrections" is there for a mistaken entry.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.rubric import RubricDefinition
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import AttendanceView, ItemView
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.common import heading, quiet
from reviewtool.ui.sessions.consensus_form import ConsensusForm
from reviewtool.ui.sessions.reveal_panel import RevealPanel


class ReviewPage(QWidget):
    revealRequested = Signal()
    reopenRequested = Signal()

    def __init__(self, ctx: AppContext, session_id: int, rubric: RubricDefinition,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session_id = session_id
        self.members: list[AttendanceView] = []  # present with confidentiality confirmed (the meeting window sets it)
        self.rubric = rubric
        self.scoring: ScoringService = ctx.service(ScoringService)
        self.item: ItemView | None = None
        self.setObjectName("reviewPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)

        # before reveal
        blind = QWidget()
        blind_layout = QVBoxLayout(blind)
        blind_layout.addStretch(1)
        hidden = heading("The answers are hidden until you reveal them")
        hidden.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blind_layout.addWidget(hidden)
        self.counts_label = QLabel("")
        self.counts_label.setObjectName("answerCounts")
        self.counts_label.setWordWrap(True)
        self.counts_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blind_layout.addWidget(self.counts_label)
        self.member_counts = quiet("")
        self.member_counts.setObjectName("memberCounts")
        self.member_counts.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blind_layout.addWidget(self.member_counts)
        self.reveal_button = QPushButton("Reveal the answers…  (Ctrl+R)")
        self.reveal_button.setObjectName("revealButton")
        self.reveal_button.setMinimumWidth(260)
        self.reveal_button.clicked.connect(self.revealRequested)
        blind_layout.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignHCenter)
        note = quiet("Revealing shows everyone's answers for this item, here and on members' own screens. "
                     "It does not show them on the presenter screen.")
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blind_layout.addWidget(note)
        blind_layout.addStretch(2)
        self.stack.addWidget(blind)

        # after reveal
        revealed = QWidget()
        revealed_layout = QVBoxLayout(revealed)
        revealed_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.revealed_title = heading("How the panel answered", 2)
        top.addWidget(self.revealed_title)
        top.addStretch(1)
        self.reopen_button = QPushButton("Reopen for corrections…")
        self.reopen_button.setObjectName("reopenButton")
        self.reopen_button.clicked.connect(self.reopenRequested)
        top.addWidget(self.reopen_button)
        revealed_layout.addLayout(top)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.reveal_panel = RevealPanel(rubric)
        splitter.addWidget(self.reveal_panel)
        self.consensus = ConsensusForm(ctx.actor, self.scoring)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 6, 0, 0)
        holder_layout.addWidget(self.consensus)
        splitter.addWidget(holder)
        splitter.setSizes([330, 360])
        revealed_layout.addWidget(splitter, 1)
        self.stack.addWidget(revealed)

        # nothing to reveal
        self.none_label = quiet("")
        self.none_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.none_label)
        self.blind, self.revealed = blind, revealed

    def set_item(self, item: ItemView | None, running: bool) -> None:
        previous = self.item
        self.item = item
        if item is None or item.status == "removed":
            self.none_label.setText("This item was removed from the session." if item else "")
            self.stack.setCurrentWidget(self.none_label)
            return
        if not item.revealed:
            self.stack.setCurrentWidget(self.blind)
            self.reveal_button.setEnabled(running)
            self.refresh_counts()
            return
        self.stack.setCurrentWidget(self.revealed)
        self.reopen_button.setEnabled(running)
        changed = previous is None or previous.id != item.id or previous.status != item.status or \
            previous.revealed_at != item.revealed_at
        if changed:
            self._load_results(item)
            self.consensus.set_item(item.id, item.consensus, enabled=running)
        elif item.consensus is not None and item.consensus.version != self.consensus.version:
            self.consensus.show_consensus(item.consensus)

    def _load_results(self, item: ItemView) -> None:
        actor = self.ctx.actor
        try:
            distribution = self.scoring.distribution(actor, item.id)
            on_item = self.scoring.agreement(actor, item_id=item.id)
        except ReviewtoolError as exc:
            self.reveal_panel.summary.setText(str(exc))
            return
        try:
            over_session = self.scoring.agreement(actor, session_id=self.session_id)
        except ReviewtoolError:
            over_session = None
        self.reveal_panel.show_results(distribution, on_item, over_session)

    def answer_counts(self) -> str:
        """"2 of 3 members present have given the overall rating; …" -- counts only, never answers."""
        return self._counts()[0]

    def _counts(self) -> tuple[str, list[str]]:
        item = self.item
        if item is None:
            return "", []
        try:
            answers = self.scoring.answers_for(self.ctx.actor, item.id)
        except ReviewtoolError as exc:
            return str(exc), []
        answered: dict[int, set[str]] = {}
        for a in answers:
            if a.answer:
                answered.setdefault(a.member_id, set()).add(a.criterion_id)
        required = [c.id for c in self.rubric.criteria if c.required]
        total = len(self.rubric.criteria)
        lines, rated, complete = [], 0, 0
        for member in self.members:
            done = answered.get(member.member_id, set())
            missing = [self.rubric.criterion(c).label for c in required if c not in done]
            rated += not missing
            complete += len(done) == total
            state = f"still to give: {', '.join(missing)}" if missing else "overall rating given"
            lines.append(f"{member.name}: {len(done)} of {total} answered — {state}")
        summary = (f"{rated} of {len(self.members)} members present have given the overall rating; "
                   f"{complete} have answered every question.")
        return summary, lines

    def refresh_counts(self) -> None:
        if self.item is not None and not self.item.revealed and self.item.status != "removed":
            summary, lines = self._counts()
            self.counts_label.setText(summary)
            self.member_counts.setText("\n".join(lines))
