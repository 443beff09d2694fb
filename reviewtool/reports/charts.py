"""Charts drawn with reportlab.graphics: vector, in the report's fonts, no image files."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reviewtool.reports.base import CONTENT_WIDTH, INK, MUTED, RAG_COLOURS, RULE, fit
from reviewtool.reports.data import AnswerTone, CriterionAnswers, Rag, RagCounts
from reviewtool.reports.fonts import FONT_REGULAR, register_fonts

TONE_COLOURS = {
    AnswerTone.GOOD: colors.HexColor("#2F855A"),
    AnswerTone.PARTLY: colors.HexColor("#ECC94B"),
    AnswerTone.CONCERN: colors.HexColor("#C53030"),
    AnswerTone.NOT_APPLICABLE: colors.HexColor("#A0AEC0"),
    AnswerTone.CANT_TELL: colors.HexColor("#E2E8F0"),
}
TONE_LABELS = {
    AnswerTone.GOOD: "Good practice",
    AnswerTone.PARTLY: "Partly",
    AnswerTone.CONCERN: "Concern",
    AnswerTone.NOT_APPLICABLE: "Not applicable",
    AnswerTone.CANT_TELL: "Can't tell",
}

_FONT_SIZE = 7.5
_NOTE_SIZE = 6.5
_NOTE_LEADING = 7.2
_ROW = 16.0  # points per category row: room for a two-line note
_LEGEND = 18.0
_AXIS = 20.0


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    colour: colors.Color
    values: tuple[int, ...]


def _step(maximum: int) -> int:
    """A whole-number axis step (1, 2 or 5 times a power of ten) giving at most six ticks."""
    raw = max(1, maximum) / 6
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    return max(1, int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)))


def stacked_bars(categories: Sequence[str], series: Sequence[Series], *,
                 notes: Sequence[Sequence[str]] = (), width: float = CONTENT_WIDTH,
                 label_width: float = 150.0, note_width: float = 0.0) -> Drawing:
    """Horizontal stacked bars, one row per category (top to bottom), a legend underneath and an
    optional note at the end of each row, given as parts joined by " · " over at most two lines.
    Labels are cut to fit: a chart cannot wrap text."""
    register_fonts()
    rows = max(1, len(categories))
    height = rows * _ROW + _AXIS + _LEGEND + 6
    drawing = Drawing(width, height, initialFontName=FONT_REGULAR)

    chart = HorizontalBarChart()
    chart.x = label_width
    chart.y = _AXIS + _LEGEND
    chart.width = width - label_width - note_width - 8
    chart.height = rows * _ROW
    # A zero would still be drawn as an empty bar segment; None draws nothing.
    chart.data = [[value or None for value in s.values] for s in series]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.reverseDirection = 1
    # Category names are drawn as plain Strings below: reportlab's axis Labels cost a third of the
    # chart's render time, and these never need rotating or boxing.
    chart.categoryAxis.visibleLabels = 0
    chart.categoryAxis.strokeColor = RULE
    chart.categoryAxis.tickLeft = 0
    chart.barWidth = _ROW * 0.62
    chart.groupSpacing = _ROW * 0.38
    chart.barSpacing = 0
    totals = [sum(values) for values in zip(*(s.values for s in series))] if series else []
    top = max(totals, default=0)
    step = _step(top)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step, math.ceil(top / step) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = FONT_REGULAR
    chart.valueAxis.labels.fontSize = _FONT_SIZE - 0.5
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.labelTextFormat = "%d"
    chart.valueAxis.strokeColor = RULE
    for index, s in enumerate(series):
        chart.bars[index].fillColor = s.colour
        chart.bars[index].strokeColor = colors.white
        chart.bars[index].strokeWidth = 0.5
    drawing.add(chart)

    for row, category in enumerate(categories):
        y = chart.y + chart.height - (row + 0.5) * _ROW - _FONT_SIZE / 3
        drawing.add(String(label_width - 5, y, fit(category, FONT_REGULAR, _FONT_SIZE, label_width - 8),
                           fontName=FONT_REGULAR, fontSize=_FONT_SIZE, fillColor=INK, textAnchor="end"))
        if note_width and row < len(notes):
            lines = _note_lines(notes[row], note_width)
            for line_number, line in enumerate(lines):
                offset = (len(lines) - 1) * _NOTE_LEADING / 2 - line_number * _NOTE_LEADING
                drawing.add(String(width - note_width, y + offset, line, fontName=FONT_REGULAR,
                                   fontSize=_NOTE_SIZE, fillColor=MUTED))

    legend = Legend()
    legend.x = label_width
    legend.y = _LEGEND - 4
    legend.boxAnchor = "nw"
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 7
    legend.deltax = 8
    legend.dxTextSpace = 4
    legend.fontName = FONT_REGULAR
    legend.fontSize = _FONT_SIZE
    legend.fillColor = INK
    legend.strokeColor = None
    legend.colorNamePairs = [(s.colour, s.name) for s in series]
    drawing.add(legend)
    return drawing


def _note_lines(parts: Sequence[str], width: float) -> list[str]:
    """Greedy line filling of `parts` (joined by " · ") into at most two lines, the last cut to fit."""
    lines: list[str] = []
    for part in parts:
        candidate = f"{lines[-1]} · {part}" if lines else part
        if lines and stringWidth(candidate, FONT_REGULAR, _NOTE_SIZE) <= width:
            lines[-1] = candidate
        elif len(lines) < 2:
            lines.append(part)
        else:
            lines[-1] = candidate
    return [fit(line, FONT_REGULAR, _NOTE_SIZE, width) for line in lines]


def answers_chart(criteria: Sequence[CriterionAnswers], width: float = CONTENT_WIDTH) -> Drawing:
    """Panel answers per criterion, stacked by how each answer reads, with the counts per answer
    written out at the end of each bar (tones group answers; the note keeps the exact ones)."""
    tones = [t for t in AnswerTone if any(a.tone is t and a.count for c in criteria for a in c.answers)]
    series = [Series(TONE_LABELS[tone], TONE_COLOURS[tone],
                     tuple(sum(a.count for a in c.answers if a.tone is tone) for c in criteria))
              for tone in tones]
    notes = [[f"{a.label}: {a.count}" for a in c.answers if a.count] for c in criteria]
    return stacked_bars([c.label for c in criteria], series, notes=notes, width=width,
                        label_width=135.0, note_width=150.0)


def rag_bars(groups: Sequence[tuple[str, RagCounts]], width: float = CONTENT_WIDTH) -> Drawing:
    """Reviewed stops per group, stacked by the panel's rating."""
    series = [Series(rag.label, RAG_COLOURS[rag][0], tuple(counts.of(rag) for _, counts in groups))
              for rag in Rag]
    notes = [[f"{counts.total} reviewed"] for _, counts in groups]
    return stacked_bars([name for name, _ in groups], series, notes=notes, width=width,
                        label_width=150.0, note_width=70.0)
