"""The panel's agreed view of one stop, after reveal: red / amber / green, and the words for the officer.

Recording it is a deliberate act (a button, or Ctrl+Enter), because it is what the officer will read.
It can be changed later in the meeting; each change names the version it replaces, so two people
recording at once get "changed by someone else -- reload", never a silent overwrite.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Actor
from reviewtool.core.errors import Conflict, ReviewtoolError
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import ConsensusView
from reviewtool.ui.sessions.common import RAG_COLOURS, RAG_TEXT_COLOURS, Banner, heading

RAG_MEANING = {
    "green": "Good practice: commend, share for peer learning",
    "amber": "Learning point: advice through the supervisor",
    "red": "Concern: refer to a senior officer / professional standards",
}


def _text(placeholder: str, name: str, height: int = 58) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


class ConsensusForm(QWidget):
    recorded = Signal(object)  # ConsensusView

    def __init__(self, actor: Actor, scoring: ScoringService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.scoring = scoring
        self.item_id: int | None = None
        self.version = 0
        self.setObjectName("consensusForm")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("Consensus", 2))
        self.banner = Banner()
        self.banner.setObjectName("consensusBanner")
        self.banner.button.clicked.connect(self.reload)
        layout.addWidget(self.banner)
        rag_row = QHBoxLayout()
        self.rag_group = QButtonGroup(self)
        self.rag_buttons: dict[str, QPushButton] = {}
        for rag in ("green", "amber", "red"):
            button = QPushButton(rag.capitalize())
            button.setObjectName(f"rag_{rag}")
            button.setCheckable(True)
            button.setToolTip(RAG_MEANING[rag])
            button.setMinimumWidth(90)
            button.setStyleSheet(
                f"QPushButton {{ padding:5px 14px; border:2px solid {RAG_COLOURS[rag]}; border-radius:5px;"
                f" background:#FFFFFF; color:#1B1B1B; font-weight:600; }}"
                f" QPushButton:checked {{ background:{RAG_COLOURS[rag]}; color:{RAG_TEXT_COLOURS[rag]}; }}")
            self.rag_group.addButton(button)
            self.rag_buttons[rag] = button
            rag_row.addWidget(button)
        self.meaning = QLabel("")
        self.meaning.setWordWrap(True)
        rag_row.addWidget(self.meaning, 1)
        layout.addLayout(rag_row)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.summary = _text("What the officer should hear from the panel (required for amber and red)",
                             "consensusSummary", 70)
        self.commendations = _text("What went well", "consensusCommendations")
        self.learning = _text("What could be better", "consensusLearning")
        self.actions = _text("Follow-up actions (who does what)", "consensusActions", 46)
        self.refer = QCheckBox("Refer to a senior officer / professional standards")
        self.refer.setObjectName("consensusRefer")
        form.addRow("Summary for the officer:", self.summary)
        form.addRow("Commendations:", self.commendations)
        form.addRow("Learning points:", self.learning)
        form.addRow("Actions:", self.actions)
        form.addRow("", self.refer)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.state = QLabel("")
        self.state.setObjectName("consensusState")
        self.state.setWordWrap(True)
        buttons.addWidget(self.state, 1)
        self.record_button = QPushButton("Record the consensus")
        self.record_button.setObjectName("recordConsensus")
        self.record_button.setToolTip("Ctrl+Enter")
        self.record_button.clicked.connect(self.record)
        buttons.addWidget(self.record_button)
        layout.addLayout(buttons)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(seq), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.record)
        self.rag_group.buttonToggled.connect(self._rag_changed)
        self._rag_changed()

    def rag(self) -> str | None:
        for rag, button in self.rag_buttons.items():
            if button.isChecked():
                return rag
        return None

    def set_rag(self, rag: str | None) -> None:
        self.rag_group.setExclusive(False)
        for r, button in self.rag_buttons.items():
            button.setChecked(r == rag)
        self.rag_group.setExclusive(True)
        self._rag_changed()

    def _rag_changed(self, *args) -> None:
        rag = self.rag()
        self.meaning.setText(RAG_MEANING.get(rag, "Choose the panel's overall rating.") if rag else
                             "Choose the panel's overall rating.")
        self.refer.setEnabled(rag == "red")
        if rag != "red":
            self.refer.setChecked(False)

    def set_item(self, item_id: int | None, current: ConsensusView | None, enabled: bool) -> None:
        self.item_id = item_id
        self.banner.hide()
        self.show_consensus(current)
        for w in (*self.rag_buttons.values(), self.summary, self.commendations, self.learning, self.actions,
                  self.record_button):
            w.setEnabled(enabled)
        self.refer.setEnabled(enabled and self.rag() == "red")

    def show_consensus(self, current: ConsensusView | None) -> None:
        self.version = 0 if current is None else current.version
        self.set_rag(None if current is None else current.rag)
        self.summary.setPlainText("" if current is None else current.summary)
        self.commendations.setPlainText("" if current is None else current.commendations)
        self.learning.setPlainText("" if current is None else current.learning_points)
        self.actions.setPlainText("" if current is None else current.actions)
        self.refer.setChecked(bool(current and current.refer))
        if current is None:
            self.state.setText("Not recorded yet.")
        else:
            when = current.recorded_at.astimezone().strftime("%H:%M")
            self.state.setText(f"✓ Recorded {current.rag.upper()} by {current.recorded_by} at {when}.")
        self.record_button.setText("Record the consensus" if current is None else "Record the change")

    def reload(self) -> None:
        if self.item_id is None:
            return
        try:
            current = self.scoring.consensus(self.actor, self.item_id)
        except ReviewtoolError as exc:
            self.banner.show_message(str(exc), "problem")
            return
        self.banner.hide()
        self.show_consensus(current)

    def record(self) -> None:
        if self.item_id is None or not self.record_button.isEnabled():
            return
        rag = self.rag()
        if rag is None:
            self.banner.show_message("Choose green, amber or red first.", "warn")
            return
        try:
            view = self.scoring.record_consensus(
                self.actor, self.item_id, rag, self.summary.toPlainText(), self.commendations.toPlainText(),
                self.learning.toPlainText(), self.refer.isChecked(), self.actions.toPlainText(),
                expected_version=self.version)
        except Conflict as exc:
            self.banner.show_message(f"{exc} Your text is still here; reload to see theirs.", "warn", button="Reload")
            return
        except ReviewtoolError as exc:
            self.banner.show_message(str(exc), "warn")
            return
        self.banner.hide()
        self.show_consensus(view)
        self.recorded.emit(view)
