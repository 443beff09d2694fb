"""After reveal: how the panel answered each criterion, and how far they agreed.

Each choice criterion gets a row with its answers as a small stacked bar (one colour per answer, in
rubric order) and the counts in words, so a facilitator can read it aloud. Agreement is shown twice:
on this clip as the share of member pairs who gave the same answer, and over the session so far as
Krippendorff's alpha (ordinal where the scale is ordered; alpha needs at least two revealed items,
so on the first clip it reads "—").
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from reviewtool.core.agreement import AgreementFigure
from reviewtool.core.rubric import RubricDefinition

# Ordinary answers in shades of one blue (dark = first answer); only the RAG answers carry traffic-light
# colours and the "no answer possible" kinds are greys, so a bar never suggests a rating it is not.
_PALETTE = ("#1F3F6E", "#2B5B9A", "#4F7FBF", "#7FA6D6", "#AFC8E8", "#D5E3F3")
_GOOD_TO_BAD = {"green": "#1E7B3A", "amber": "#F2A818", "red": "#B3261E", "cant_tell": "#A0A0A0",
                "not_applicable": "#C8C8C8", "not_audible": "#8C8C8C"}


def answer_colour(criterion_answers: tuple[str, ...], answer_id: str) -> str:
    if answer_id in _GOOD_TO_BAD:
        return _GOOD_TO_BAD[answer_id]
    ordinary = [a for a in criterion_answers if a not in _GOOD_TO_BAD]
    return _PALETTE[ordinary.index(answer_id) % len(_PALETTE)] if answer_id in ordinary else "#777777"


def alpha_text(figure: AgreementFigure | None) -> str:
    if figure is None or figure.alpha is None:
        return "—"
    return f"{figure.alpha:.2f}"


def agreement_text(figure: AgreementFigure | None) -> str:
    if figure is None or figure.percent_agreement is None:
        return "—"
    return f"{figure.percent_agreement * 100:.0f} %"


class DistributionBar(QWidget):
    """A stacked bar of answer counts (paints only; the counts are also in the row's text)."""

    def __init__(self, parts: list[tuple[str, int]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parts = parts
        self.setMinimumHeight(14)

    def sizeHint(self) -> QSize:
        return QSize(140, 16)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        painter = QPainter(self)
        try:
            total = sum(n for _, n in self.parts)
            height = min(12.0, self.height() - 6.0)
            rect = QRectF(2, (self.height() - height) / 2, self.width() - 4, height)
            painter.fillRect(rect, QColor("#EEF0F2"))
            if not total:
                return
            x = rect.left()
            for colour, n in self.parts:
                width = rect.width() * n / total
                painter.fillRect(QRectF(x, rect.top(), width, rect.height()), QColor(colour))
                x += width
        finally:
            painter.end()


class RevealPanel(QWidget):
    def __init__(self, rubric: RubricDefinition, parent: QWidget | None = None, *, facilitator: bool = True) -> None:
        super().__init__(parent)
        self.rubric = rubric
        self.facilitator = facilitator
        self.setObjectName("revealPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel("")
        self.summary.setObjectName("revealSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("distributionTable")
        self.table.setHorizontalHeaderLabels(["Criterion", "", "Answers", "Same answer\n(this clip)",
                                              "Alpha\n(session so far)"])
        self.table.horizontalHeaderItem(3).setToolTip("Share of pairs of members who gave the same answer")
        self.table.horizontalHeaderItem(4).setToolTip(
            "Krippendorff's alpha over the items revealed so far (1 = full agreement, 0 = no better than chance)")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 120)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        layout.addWidget(self.table, 1)

    def show_results(self, distribution: dict[str, dict[str, int]], on_item: dict[str, AgreementFigure],
                     over_session: dict[str, AgreementFigure] | None) -> None:
        # The required criteria (the overall rating) first, then the rest in the rubric's order; a
        # criterion nobody answered is left out (and counted), so the table reads as the discussion.
        every = [c for c in self.rubric.criteria if c.id in distribution]
        criteria = [c for c in every if c.required and sum(distribution[c.id].values())] + \
                   [c for c in every if not c.required and sum(distribution[c.id].values())]
        unanswered = len(every) - len(criteria)
        self.table.setRowCount(len(criteria))
        answered = max((sum(distribution[c.id].values()) for c in every), default=0)
        text = f"Answers from {answered} member{'s' if answered != 1 else ''}."
        if self.facilitator:
            text += " Read the spread aloud, discuss, then agree the consensus."
        if unanswered:
            text += f" {unanswered} question{'s' if unanswered != 1 else ''} nobody answered {'are' if unanswered != 1 else 'is'} not listed."
        self.summary.setText(text)
        for row, criterion in enumerate(criteria):
            counts = distribution[criterion.id]
            ids = criterion.answer_ids()
            name = QTableWidgetItem(criterion.label)
            name.setData(Qt.ItemDataRole.UserRole, criterion.id)
            self.table.setItem(row, 0, name)
            self.table.setCellWidget(row, 1, DistributionBar([(answer_colour(ids, a), counts.get(a, 0)) for a in ids]))
            top = max(counts.values()) if counts else 0
            words = [(f"<b>{criterion.label_of(a)} ({n})</b>" if n == top else f"{criterion.label_of(a)} ({n})")
                     for a, n in counts.items() if n]
            label = QLabel(" · ".join(words) or "<span style='color:#777777'>no answers</span>")
            label.setObjectName(f"answers_{criterion.id}")
            label.setWordWrap(True)
            label.setContentsMargins(4, 0, 4, 0)
            self.table.setCellWidget(row, 2, label)
            for col, text in ((3, agreement_text(on_item.get(criterion.id))),
                              (4, alpha_text((over_session or {}).get(criterion.id)))):
                cell = QTableWidgetItem(text)
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, cell)
        self.table.resizeRowsToContents()

    def _row_of(self, criterion_id: str) -> int:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == criterion_id:
                return row
        raise KeyError(criterion_id)

    def alpha_for(self, criterion_id: str) -> str:
        """What the alpha column says for a criterion."""
        return self.table.item(self._row_of(criterion_id), 4).text()

    def answers_text(self, criterion_id: str) -> str:
        """What the answers column says for a criterion (rich text)."""
        label = self.table.cellWidget(self._row_of(criterion_id), 2)
        return label.text() if isinstance(label, QLabel) else ""
