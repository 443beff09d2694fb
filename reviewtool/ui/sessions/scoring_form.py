"""One panel member's scoring form for one item, generated from the session's rubric.

Every answer is committed the moment it is entered (`ScoringService.record_answer`, its own
transaction): there is no Save button, only a small "✓ saved" beside the row. A choice is one click
(or, with the row focused, a number key: 1 for the first answer; Delete clears; Ctrl+Z puts back the
answer before the last change); free text is saved
when the box loses focus or after a short pause in typing; a comment on a criterion is saved the
same way. Each save names the version of the answer the form last saw, so an answer someone else
changed meanwhile is refused (`Conflict`) and the form says "changed by someone else -- reload"
rather than overwriting it.

Blind until reveal is the service's rule (`answers_for`); this form shows what it is given. After
reveal the answers are fixed and the form turns read-only.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Actor
from reviewtool.core.errors import Conflict, ReviewtoolError
from reviewtool.core.rubric import Criterion, RubricDefinition
from reviewtool.core.scoring import ScoreView, ScoringService
from reviewtool.ui.flow_layout import FlowLayout
from reviewtool.ui.sessions.common import WARN_COLOUR, Banner, SavedTick, heading, quiet

TEXT_SAVE_DELAY_MS = 1500
_BUTTON_STYLE = (
    "QPushButton { padding:3px 10px; border:1px solid #9AA3AD; border-radius:4px; background:#FFFFFF; color:#1B1B1B; }"
    " QPushButton:hover { border-color:#2B5B9A; }"
    " QPushButton:checked { background:#2B5B9A; color:#FFFFFF; border-color:#2B5B9A; }"
    " QPushButton:disabled { color:#777777; }"
    " QPushButton:checked:disabled { background:#6F87A8; color:#FFFFFF; }"
)


class _CommitText(QPlainTextEdit):
    """Free text that commits on focus-out (and after a pause in typing, see the row)."""

    focusLost = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt)
        super().focusOutEvent(event)
        self.focusLost.emit()


class CriterionRow(QFrame):
    """One criterion: its label, its answers (or a text box), an optional comment and the tick."""

    def __init__(self, criterion: Criterion, commit: Callable[["CriterionRow"], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.criterion = criterion
        self._commit = commit
        self.setObjectName(f"criterion_{criterion.id}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if criterion.type == "choice" else Qt.FocusPolicy.NoFocus)
        self.setStyleSheet(f"QFrame#criterion_{criterion.id}:focus {{ border:2px solid #2B5B9A; border-radius:6px; }}")
        self.answer: str | None = None
        self.comment: str | None = None
        self.stored_answer: str | None = None  # as last read from or written to the database
        self.stored_comment: str | None = None
        self.version = 0
        self.editable = True
        self.buttons: dict[str, QPushButton] = {}
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setHorizontalSpacing(8)
        layout.setVerticalSpacing(3)
        self.label = QLabel(criterion.label + (" *" if criterion.required else ""))
        self.label.setWordWrap(True)
        if criterion.help:
            self.label.setToolTip(criterion.help)
        layout.addWidget(self.label, 0, 0)
        self.comment_toggle = QToolButton()
        self.comment_toggle.setAutoRaise(True)
        self.comment_toggle.setText("+ comment")
        self.comment_toggle.setCheckable(True)
        self.comment_toggle.setToolTip("Add a comment to this answer")
        self.comment_toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tick = SavedTick()
        head = QHBoxLayout()
        head.addStretch(1)
        if criterion.type == "choice":
            head.addWidget(self.comment_toggle)
        head.addWidget(self.tick)
        layout.addLayout(head, 0, 1)
        layout.setColumnStretch(0, 1)
        if criterion.type == "choice":
            # The answers wrap onto a second line in a narrow window rather than widening the form.
            self.answer_box = QWidget()
            self.answer_box.setObjectName(f"answers_{criterion.id}")
            answers = FlowLayout(self.answer_box, spacing=4)
            for n, answer in enumerate(criterion.answers, start=1):
                button = QPushButton(answer.label)
                button.setObjectName(f"answer_{criterion.id}_{answer.id}")
                button.setCheckable(True)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setStyleSheet(_BUTTON_STYLE)
                button.setToolTip(f"Key {n}" if n <= 9 else "")
                button.clicked.connect(lambda checked, a=answer.id: self._clicked(a, checked))
                self.buttons[answer.id] = button
                answers.addWidget(button)
            layout.addWidget(self.answer_box, 1, 0, 1, 2)
            self.comment_edit = QLineEdit()
            self.comment_edit.setObjectName(f"comment_{criterion.id}")
            self.comment_edit.setPlaceholderText("Comment on this answer (saved when you press Enter or move on)")
            self.comment_edit.hide()
            self.comment_edit.editingFinished.connect(self._comment_finished)
            self.comment_toggle.toggled.connect(self._toggle_comment)
            layout.addWidget(self.comment_edit, 2, 0, 1, 2)
            self.text_edit = None
        else:
            self.text_edit = _CommitText()
            self.text_edit.setObjectName(f"text_{criterion.id}")
            self.text_edit.setTabChangesFocus(True)
            self.text_edit.setFixedHeight(64)
            self.text_edit.setPlaceholderText("Saved as you type")
            self._text_timer = QTimer(self)
            self._text_timer.setSingleShot(True)
            self._text_timer.setInterval(TEXT_SAVE_DELAY_MS)
            self._text_timer.timeout.connect(self._text_finished)
            self.text_edit.textChanged.connect(self._text_changed)
            self.text_edit.focusLost.connect(self._text_finished)
            layout.addWidget(self.text_edit, 1, 0, 1, 2)
        self._loading = False

    # --- state ------------------------------------------------------------------------------------------

    def show_stored(self, view: ScoreView | None) -> None:
        """Show the answer as stored (None: no answer yet)."""
        self._loading = True
        try:
            self.answer = None if view is None else view.answer
            self.comment = None if view is None else view.comment
            self.stored_answer, self.stored_comment = self.answer, self.comment
            self.version = 0 if view is None else view.version
            if self.criterion.type == "choice":
                for answer_id, button in self.buttons.items():
                    button.setChecked(answer_id == self.answer)
                self.comment_edit.setText(self.comment or "")
                if self.comment:
                    self.comment_toggle.setChecked(True)
            elif self.text_edit is not None:
                self._text_timer.stop()
                if self.text_edit.toPlainText().strip() != (self.answer or ""):  # keep the cursor while typing
                    self.text_edit.setPlainText(self.answer or "")
            if view is not None and (view.answer or view.comment):
                self.tick.saved(fresh=False)
            else:
                self.tick.clear_state()
        finally:
            self._loading = False

    def set_editable(self, editable: bool) -> None:
        self.editable = editable
        for button in self.buttons.values():
            button.setEnabled(editable)
        if self.criterion.type == "choice":
            self.comment_edit.setReadOnly(not editable)
        elif self.text_edit is not None:
            self.text_edit.setReadOnly(not editable)

    def pending_answer(self) -> tuple[str | None, str | None]:
        """What the row now shows (to be committed)."""
        if self.criterion.type == "choice":
            comment = self.comment_edit.text().strip()  # "" clears a stored comment; None would keep it
            return self.answer, comment
        assert self.text_edit is not None
        return (self.text_edit.toPlainText().strip() or None), None

    # --- input ------------------------------------------------------------------------------------------

    def choose(self, answer_id: str | None) -> None:
        """Select an answer (None clears) and commit it."""
        if not self.editable:
            return
        self.answer = answer_id
        for a, button in self.buttons.items():
            button.setChecked(a == answer_id)
        self._commit(self)

    def _clicked(self, answer_id: str, checked: bool) -> None:
        self.choose(answer_id if checked else None)

    def _toggle_comment(self, on: bool) -> None:
        self.comment_edit.setVisible(on)
        if on and not self._loading:
            self.comment_edit.setFocus()

    def _comment_finished(self) -> None:
        if not self._loading and self.editable and (self.comment_edit.text().strip() or None) != self.comment:
            self._commit(self)

    def _text_changed(self) -> None:
        if not self._loading and self.editable:
            self._text_timer.start()

    def _text_finished(self) -> None:
        self._text_timer.stop()
        if not self._loading and self.editable and self.pending_answer()[0] != self.answer:
            self._commit(self)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt)
        if self.criterion.type == "choice" and self.editable:
            key = event.key()
            ids = list(self.buttons)
            if Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and key - Qt.Key.Key_1 < len(ids):
                self.choose(ids[key - Qt.Key.Key_1])
                return
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_0):
                self.choose(None)
                return
        if event.key() == Qt.Key.Key_Down:
            self.focusNextChild()
            return
        if event.key() == Qt.Key.Key_Up:
            self.focusPreviousChild()
            return
        super().keyPressEvent(event)


class ScoringForm(QWidget):
    """The rubric for one member and one item. `load()` reads the stored answers; entries commit."""

    answerSaved = Signal(object)  # ScoreView
    conflict = Signal(str)

    def __init__(self, actor: Actor, scoring: ScoringService, rubric: RubricDefinition, member_id: int,
                 member_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.scoring = scoring
        self.rubric = rubric
        self.member_id = member_id
        self.member_name = member_name
        self.item_id: int | None = None
        self._undo: list[tuple[str, str | None, str | None]] = []
        self.setObjectName(f"scoringForm_{member_id}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner = Banner()
        self.banner.setObjectName("scoringBanner")
        self.banner.button.clicked.connect(self.load)
        outer.addWidget(self.banner)
        self.progress = QLabel("")
        self.progress.setObjectName("scoringProgress")
        self.progress.setWordWrap(True)
        outer.addWidget(self.progress)
        # The form scrolls down only: labels and answer rows wrap to the width there is, so the start
        # of a question can never be scrolled out of sight.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.rows_layout = QVBoxLayout(inner)
        self.rows_layout.setContentsMargins(0, 0, 8, 0)
        self.rows_layout.setSpacing(2)
        self.rows: dict[str, CriterionRow] = {}
        for section_id, title in rubric.sections:
            criteria = [c for c in rubric.criteria if c.section == section_id]
            if not criteria:
                continue
            section = heading(f"{section_id}. {title}", 2)
            section.setWordWrap(True)
            self.rows_layout.addWidget(section)
            for criterion in criteria:
                row = CriterionRow(criterion, self._commit_row)
                self.rows[criterion.id] = row
                self.rows_layout.addWidget(row)
                line = QFrame()
                line.setFrameShape(QFrame.Shape.HLine)
                line.setStyleSheet("color:#E0E3E7;")
                self.rows_layout.addWidget(line)
        self.rows_layout.addWidget(quiet("* required. Every answer is saved the moment it is entered."))
        self.rows_layout.addStretch(1)
        scroll.setWidget(inner)
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        outer.addWidget(scroll, 1)
        self.scroll = scroll
        undo = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self.undo)

    # --- loading ----------------------------------------------------------------------------------------

    def set_item(self, item_id: int | None, revealed: bool) -> None:
        if item_id != self.item_id:
            self._undo.clear()
            self.scroll_to_start()
        self.item_id = item_id
        self.revealed = revealed
        self.load()

    def load(self) -> None:
        """Read this member's stored answers for the item (the service decides what may be seen)."""
        self.banner.hide()
        if self.item_id is None:
            for row in self.rows.values():
                row.show_stored(None)
                row.set_editable(False)
            self._update_progress()
            return
        try:
            views = [v for v in self.scoring.answers_for(self.actor, self.item_id) if v.member_id == self.member_id]
        except ReviewtoolError as exc:
            self.banner.show_message(str(exc), "problem")
            return
        by_criterion = {v.criterion_id: v for v in views}
        for cid, row in self.rows.items():
            row.show_stored(by_criterion.get(cid))
            row.set_editable(not self.revealed)
        if self.revealed:
            self.banner.show_message("The answers have been revealed and are now fixed. The facilitator can "
                                     "reopen the item to correct one.", "info")
        self._update_progress()

    def answers(self) -> dict[str, str | None]:
        return {cid: row.answer for cid, row in self.rows.items()}

    def _update_progress(self) -> None:
        answers = self.answers()
        done = sum(1 for a in answers.values() if a)
        missing = self.rubric.missing_required(answers)
        text = f"{self.member_name}: {done} of {len(self.rows)} answered"
        if missing:
            labels = ", ".join(self.rubric.criterion(c).label for c in missing)
            text += f" — still needed: {labels}"
            self.progress.setStyleSheet(f"color:{WARN_COLOUR};" if done else "")
        else:
            self.progress.setStyleSheet("")
        self.progress.setText(text)

    # --- committing -------------------------------------------------------------------------------------

    def _commit_row(self, row: CriterionRow) -> None:
        if self.item_id is None:
            return
        before = (row.criterion.id, row.stored_answer, row.stored_comment)
        if self._save(row, *row.pending_answer()):
            self._undo.append(before)

    def _save(self, row: CriterionRow, answer: str | None, comment: str | None) -> bool:
        """Commit one answer now; on a refusal say why and keep what is stored. True if saved."""
        assert self.item_id is not None
        try:
            view = self.scoring.record_answer(self.actor, self.item_id, self.member_id, row.criterion.id, answer,
                                              comment, expected_version=row.version)
        except Conflict as exc:
            row.tick.failed(str(exc))
            self.banner.show_message(str(exc) + " Nothing was overwritten.", "warn", button="Reload")
            self.conflict.emit(str(exc))
            return False
        except ReviewtoolError as exc:
            row.tick.failed(str(exc))
            self.banner.show_message(f"Not saved: {exc}", "problem", button="Reload")
            return False
        row.show_stored(view)
        row.tick.saved()
        self._update_progress()
        self.answerSaved.emit(view)
        return True

    def undo(self) -> None:
        """Put back the answer as it was before the last change made in this form (itself a change,
        saved and audited like any other; a change made meanwhile by someone else is not undone)."""
        if not self._undo or self.item_id is None:
            return
        criterion_id, answer, comment = self._undo.pop()
        row = self.rows[criterion_id]
        if row.editable:
            self._save(row, answer, comment)
            row.setFocus()

    def flush(self) -> None:
        """Commit any text still being typed (before switching item or member)."""
        for row in self.rows.values():
            if row.criterion.type == "text" and row.editable:
                row._text_finished()
            elif row.criterion.type == "choice" and row.editable and row.comment_edit.isVisible():
                row._comment_finished()

    def first_row(self) -> CriterionRow | None:
        return next(iter(self.rows.values()), None)

    def scroll_to_start(self) -> None:
        self.scroll.horizontalScrollBar().setValue(0)
        self.scroll.verticalScrollBar().setValue(0)

    def show_row(self, row: CriterionRow) -> None:
        """Scroll (down or up only) until `row` is in view."""
        self.scroll.ensureWidgetVisible(row, 0, 24)
        self.scroll.horizontalScrollBar().setValue(0)
