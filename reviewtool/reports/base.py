"""The frame every report shares: fonts, one stylesheet, page templates, "Page X of Y", escaping.

Shaped after pretix's invoice renderer: named styles in one sheet, a first-page and a later-page
template, a canvas that learns the page count at save time, and bytes out. Every piece of user text
goes through `para()`, because a reportlab Paragraph is markup: unescaped `<` breaks the build,
`<b>` silently bolds and `<img src=…>` makes reportlab open a file or URL.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reviewtool.reports.data import Rag, ReportMeta
from reviewtool.reports.fonts import FONT_BOLD, FONT_REGULAR, register_fonts

PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"
DRAFT_MARKING = "DRAFT — not yet approved by the supervisor"
LONDON = ZoneInfo("Europe/London")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 22 * mm
FIRST_PAGE_BAND = 14 * mm  # extra room under the marking for the letterhead on page 1
DRAFT_BAND_GAP = 2.5 * mm  # a draft's band: this far under the header rule,
DRAFT_BAND_HEIGHT = 7 * mm  # this tall,
DRAFT_BAND_SPACE = 3 * mm  # and this far above the text
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#52606D")
RULE = colors.HexColor("#CBD2D9")
BAND = colors.HexColor("#F0F4F8")
ACCENT = colors.HexColor("#243B53")
DRAFT_FILL = colors.HexColor("#FFF6DB")  # a soft amber: noticeable, not alarming
DRAFT_EDGE = colors.HexColor("#D9A521")
DRAFT_INK = colors.HexColor("#5C4305")

RAG_COLOURS = {
    Rag.GREEN: (colors.HexColor("#1E7B3A"), colors.white),
    Rag.AMBER: (colors.HexColor("#F2A818"), INK),
    Rag.RED: (colors.HexColor("#B3261E"), colors.white),
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# C0/C1 controls other than tab and newline: reportlab draws them as boxes or chokes on them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class RenderedReport:
    pdf: bytes
    sha256: str
    report_id: str
    page_count: int


# --- Text ---------------------------------------------------------------------------------------


class _Paragraph(Paragraph):
    """A Paragraph that keeps its line breaking for the width it was last wrapped at.

    A table cell is wrapped once to size the row and again to draw it, and KeepTogether adds a third;
    line breaking depends only on the width, and it is the largest single cost of a report. (`split`
    drops the breaking when it gives up on a page, hence the check that it is still there.)
    """

    _wrapped_width: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if availWidth == self._wrapped_width and "blPara" in self.__dict__:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_width = availWidth
        return size



def markup(text: str | None) -> str:
    """User text as safe Paragraph markup: escaped, controls dropped, line breaks kept.

    Words longer than a line are split by the Paragraph itself (`splitLongWords`, on in every style).
    """
    if not text:
        return ""
    # Lone surrogates (from a bad decode upstream) cannot be encoded into the PDF.
    clean = text.encode("utf-8", "replace").decode("utf-8")
    clean = _CONTROL.sub("", clean.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return escape(clean).replace("\n", "<br/>")


def para(text: str | None, style: ParagraphStyle | str = "Body", *, empty: str = "",
         bullet: str | None = None) -> Paragraph:
    """A Paragraph of user text, shown literally: the one way user text reaches a Paragraph.
    `empty` is what to show for "", blanks or None."""
    if isinstance(style, str):
        style = stylesheet()[style]
    shown = text if text and text.strip() else empty
    return _Paragraph(markup(shown), style, bulletText=bullet)


def label(text: str, style: str = "Body") -> Paragraph:
    """A Paragraph of the report's own fixed wording (may use markup; never pass user text)."""
    return _Paragraph(text, stylesheet()[style])


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` points, for canvas strings that cannot wrap."""
    if stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)  # longest prefix that fits with the ellipsis, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def london(moment: datetime) -> str:
    """An instant as people in England and Wales read it, e.g. "12 Mar 2024, 14:05 GMT".

    Month names come from a fixed table: strftime's follow the process locale, which Qt changes.
    """
    local = moment.astimezone(LONDON)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {local.tzname()}"


def day(value: date | None, *, empty: str = "") -> str:
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


# --- Styles and building blocks -----------------------------------------------------------------

_stylesheet: StyleSheet1 | None = None


def stylesheet() -> StyleSheet1:
    """The one stylesheet; built once (after the fonts are registered) and shared."""
    global _stylesheet
    if _stylesheet is None:
        register_fonts()
        sheet = StyleSheet1()
        base = ParagraphStyle(
            "Body", fontName=FONT_REGULAR, fontSize=9.5, leading=13, textColor=INK, splitLongWords=1
        )
        sheet.add(base)
        sheet.add(ParagraphStyle("Title", parent=base, fontName=FONT_BOLD, fontSize=19, leading=24,
                                 textColor=ACCENT, spaceAfter=2))
        sheet.add(ParagraphStyle("Subtitle", parent=base, fontSize=11, leading=15, textColor=MUTED,
                                 spaceAfter=8))
        sheet.add(ParagraphStyle("Lead", parent=base, fontSize=10.5, leading=15))
        sheet.add(ParagraphStyle("Heading1", parent=base, fontName=FONT_BOLD, fontSize=13, leading=17,
                                 textColor=ACCENT, spaceBefore=12, spaceAfter=5, keepWithNext=1))
        sheet.add(ParagraphStyle("Heading2", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=14,
                                 textColor=INK, spaceBefore=8, spaceAfter=3, keepWithNext=1))
        sheet.add(ParagraphStyle("Small", parent=base, fontSize=8, leading=10.5, textColor=MUTED))
        sheet.add(ParagraphStyle("Bullet", parent=base, leftIndent=12, bulletIndent=2, spaceAfter=2,
                                 bulletFontName=FONT_REGULAR))
        sheet.add(ParagraphStyle("Cell", parent=base, fontSize=8.5, leading=11))
        sheet.add(ParagraphStyle("Key", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=11,
                                 textColor=MUTED))
        sheet.add(ParagraphStyle("Figure", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22,
                                 textColor=ACCENT, alignment=TA_CENTER))
        sheet.add(ParagraphStyle("FigureLabel", parent=base, fontSize=8, leading=10, textColor=MUTED,
                                 alignment=TA_CENTER))
        _stylesheet = sheet
    return _stylesheet


def title_block(title: str, subtitle: str = "") -> list[Flowable]:
    """The report's own title (fixed wording) and a subtitle of user text."""
    flowables: list[Flowable] = [label(escape(title), "Title")]
    if subtitle:
        flowables.append(para(subtitle, "Subtitle"))
    return flowables


def heading(text: str, level: int = 1) -> Paragraph:
    return para(text, f"Heading{level}")


def bullets(items: Iterable[str], *, empty: str) -> list[Flowable]:
    """A bullet list of user text; `empty` (fixed wording) when there are no non-blank items."""
    rows = [para(item, "Bullet", bullet="•") for item in items if item and item.strip()]
    return rows or [para(empty, "Small")]


class RagChip(Flowable):
    """The rating as a coloured chip that also says its name (colour is never the only signal).

    Drawn straight on the canvas: a one-cell Table per chip cost more than the rest of a stop's row.
    """

    def __init__(self, rag: Rag, width: float = 17 * mm, height: float = 5 * mm) -> None:
        super().__init__()
        self.rag, self.width, self.height = rag, width, height
        self.hAlign = "LEFT"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        (background, foreground), text = RAG_COLOURS[self.rag], self.rag.label.upper()
        canvas = self.canv
        canvas.setFillColor(background)
        canvas.roundRect(0, 0, self.width, self.height, 2, stroke=0, fill=1)
        canvas.setFillColor(foreground)
        canvas.setFont(FONT_BOLD, 7.5)
        canvas.drawCentredString(self.width / 2, self.height / 2 - 2.6, text)


class _Grid(Table):
    """A Table whose rows move whole to the next page, and are split only at the top of a page.

    reportlab's own split, when a row does not fit below the rows before it, splits that row inside
    on the same page: the rest of the table then starts with its repeated header row, so the page
    shows the column headings twice with half a row under the second. A row is split inside only
    when it would not fit even on a fresh page (its text is longer than a page)."""

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        frame = getattr(self, "_frame", None)  # set by Frame.split while it asks
        if frame is not None and not frame._atTop:
            self._calc(availWidth, availHeight)
            if self._width > availWidth:
                return []
            return self._splitRows(availHeight, doInRowSplit=False)
        return super().split(availWidth, availHeight)


def grid(rows: Sequence[Sequence[object]], widths: Sequence[float], commands: Sequence[tuple] = (), *,
         repeat_rows: int = 0, row_heights: Sequence[float | None] | None = None) -> Table:
    """Every table in the reports: cells aligned at the top, and rows allowed to split across pages,
    so no amount of user text can make a cell taller than the page (reportlab's LayoutError)."""
    table = _Grid([list(row) for row in rows], colWidths=list(widths), rowHeights=row_heights,
                  repeatRows=repeat_rows, splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),
                               *commands]))
    return table


def key_values(rows: Sequence[tuple[str, Flowable | str]], key_width: float = 42 * mm,
               width: float = CONTENT_WIDTH) -> Table:
    """A block of fixed labels (drawn as plain strings: never user text) and values (user text)."""
    cells = [[key, value if isinstance(value, Flowable) else para(value, "Cell", empty="—")]
             for key, value in rows]
    return grid(cells, [key_width, width - key_width], [
        *_fixed_text(0, 0, 0, -1),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ])


def _fixed_text(col0: int, row0: int, col1: int, row1: int) -> list[tuple]:
    """Table style for cells holding the report's own short labels as plain strings. Strings skip
    Paragraph parsing and line breaking: labels are most of a report's cells and half its cost."""
    cells = (col0, row0), (col1, row1)
    return [("FONTNAME", *cells, FONT_BOLD), ("FONTSIZE", *cells, 8), ("LEADING", *cells, 11),
            ("TEXTCOLOR", *cells, MUTED)]


def data_table(header: Sequence[str], rows: Sequence[Sequence[Flowable | str]],
               widths: Sequence[float], *, empty: str) -> Flowable:
    """A ruled table with a repeating header of fixed labels; string cells in `rows` are user text.
    `empty` (fixed wording) is shown instead when there are no rows."""
    if not rows:
        return para(empty, "Small")
    body = [[cell if isinstance(cell, Flowable) else para(cell, "Cell", empty="—") for cell in row]
            for row in rows]
    return grid([list(header), *body], widths, [
        *_fixed_text(0, 0, -1, 0),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ], repeat_rows=1)


def boxed(flowables: list[Flowable], *, min_height: float = 0, width: float = CONTENT_WIDTH) -> Table:
    """A light panel round some content; `min_height` leaves room to write by hand."""
    padding = 6
    needed = sum(f.wrap(width - 2 * padding, PAGE_HEIGHT)[1] for f in flowables) + 2 * padding
    return grid([[flowables]], [width], [
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FAFBFC")),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ], row_heights=[min_height if needed < min_height else None])


def callout(flowables: list[Flowable], *, width: float = CONTENT_WIDTH) -> Table:
    """Content to be read first: a tinted panel with an accent bar on its left."""
    return grid([[flowables]], [width], [
        ("BACKGROUND", (0, 0), (-1, -1), BAND),
        ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
        ("LEFTPADDING", (0, 0), (-1, -1), 9),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 7),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ])


def document_control(meta: ReportMeta, extra: Sequence[tuple[str, str]] = ()) -> list[Flowable]:
    """Report id, when it was made and the full audit head, so the paper can be checked later."""
    head = meta.audit_head
    rows: list[tuple[str, Flowable | str]] = [
        ("Report ID", meta.report_id),
        ("Generated", london(meta.generated_at)),
        *extra,
        ("Audit head", f"seq {head.seq}, hash {head.hash}"),
    ]
    return [
        Spacer(1, 2 * mm),
        key_values(rows, key_width=30 * mm),
        para(f"To check this document against the audit log: reviewtool audit verify "
             f"--expect-head {head.seq}:{head.hash}", "Small"),
        Spacer(1, 3 * mm),
    ]


def keep(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))


# --- Pages --------------------------------------------------------------------------------------


def _short_hash(value: str) -> str:
    return value[:16] + "…" if len(value) > 16 else value


class _ReportDocTemplate(BaseDocTemplate):
    def __init__(self, target: io.BytesIO, meta: ReportMeta, title: str) -> None:
        super().__init__(
            target,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"{title} {meta.report_id}" + (" (DRAFT)" if meta.draft else ""),
            author=meta.organisation,
            creator="reviewtool",
            subject=PROTECTIVE_MARKING,
            invariant=1,  # same data, same bytes: the SHA-256 identifies the content
            initialFontName=FONT_REGULAR,  # else every page names Helvetica, a font it never embeds
            lang="en-GB",
        )
        self.meta = meta
        self.report_title = title
        first_top = PAGE_HEIGHT - MARGIN_TOP - FIRST_PAGE_BAND
        later_top = PAGE_HEIGHT - MARGIN_TOP
        if meta.draft:  # the text starts under the draft band
            first_top = min(first_top, _draft_band_bottom(_FIRST_RULE_Y) - DRAFT_BAND_SPACE)
            later_top = min(later_top, _draft_band_bottom(_LATER_RULE_Y) - DRAFT_BAND_SPACE)
        first = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_WIDTH, first_top - MARGIN_BOTTOM,
                      id="first", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        later = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_WIDTH, later_top - MARGIN_BOTTOM,
                      id="later", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate(id="First", frames=[first], onPage=self._first_page, onPageEnd=self._page_end, pagesize=A4),
            PageTemplate(id="Later", frames=[later], onPage=self._later_page, onPageEnd=self._page_end, pagesize=A4),
        ])

    def beforeDocument(self) -> None:  # noqa: N802 (reportlab's hook)
        # With `invariant` the PDF's creation date would read 1 Jan 2000; give it the report's own.
        stamp = self.meta.generated_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
        self.canv.setDateFormatter(lambda *_: stamp)

    def _marking_and_footer(self, canvas: Canvas) -> None:
        meta = self.meta
        canvas.setFillColor(INK)
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 11 * mm, PROTECTIVE_MARKING)
        canvas.drawCentredString(PAGE_WIDTH / 2, 8 * mm, PROTECTIVE_MARKING)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, 17 * mm, PAGE_WIDTH - MARGIN_X, 17 * mm)
        canvas.setFont(FONT_REGULAR, 7.5)
        canvas.setFillColor(MUTED)
        left = f"Report {meta.report_id}"
        canvas.drawString(MARGIN_X, 13 * mm, fit(left, FONT_REGULAR, 7.5, CONTENT_WIDTH * 0.6))
        head = f"Audit head: seq {meta.audit_head.seq}, hash {_short_hash(meta.audit_head.hash)}"
        canvas.drawString(MARGIN_X, 9.5 * mm, fit(head, FONT_REGULAR, 7.5, CONTENT_WIDTH * 0.35))

    def _first_page(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        self._marking_and_footer(canvas)
        top = PAGE_HEIGHT - MARGIN_TOP
        canvas.setFillColor(ACCENT)
        canvas.setFont(FONT_BOLD, 10)
        canvas.drawString(MARGIN_X, top - 2 * mm,
                          fit(self.meta.organisation, FONT_BOLD, 10, CONTENT_WIDTH * 0.7))
        canvas.setFont(FONT_REGULAR, 8)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, top - 2 * mm,
                               fit(self.meta.report_id, FONT_REGULAR, 8, CONTENT_WIDTH * 0.28))
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.2)
        canvas.line(MARGIN_X, _FIRST_RULE_Y, PAGE_WIDTH - MARGIN_X, _FIRST_RULE_Y)
        if self.meta.draft:
            _draw_draft_band(canvas, _FIRST_RULE_Y)
        canvas.restoreState()

    def _later_page(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        self._marking_and_footer(canvas)
        top = PAGE_HEIGHT - MARGIN_TOP + 6 * mm
        canvas.setFont(FONT_REGULAR, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN_X, top, fit(f"{self.report_title} · {self.meta.organisation}",
                                             FONT_REGULAR, 8, CONTENT_WIDTH * 0.7))
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, top,
                               fit(self.meta.report_id, FONT_REGULAR, 8, CONTENT_WIDTH * 0.28))
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, _LATER_RULE_Y, PAGE_WIDTH - MARGIN_X, _LATER_RULE_Y)
        if self.meta.draft:
            _draw_draft_band(canvas, _LATER_RULE_Y)
        canvas.restoreState()

    def _page_end(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        """A draft's large, faint diagonal "DRAFT" over the finished page: drawn last and nearly
        transparent, so it shows across tinted panels too and never hides a word."""
        if self.meta.draft:
            _draw_watermark(canvas)


# The header rules: page 1's under the letterhead, later pages' under the running header.
_FIRST_RULE_Y = PAGE_HEIGHT - MARGIN_TOP - 5 * mm
_LATER_RULE_Y = PAGE_HEIGHT - MARGIN_TOP + 4 * mm


def _draft_band_bottom(rule_y: float) -> float:
    return rule_y - DRAFT_BAND_GAP - DRAFT_BAND_HEIGHT


# The watermark's letters as strokes in a box one unit high: (width, [polyline or Bézier pieces]).
# Drawn as lines rather than as text, so it is not part of the document's text: copying, searching,
# screen readers and pdftotext see the band's sentence once, not stray "DR", "A", "FT" between lines.
_K = 0.5523  # Bézier control distance for a quarter ellipse
_WATERMARK_LETTERS: tuple[tuple[float, list[tuple[str, tuple[float, ...]]]], ...] = (
    (0.62, [("M", (0, 0)), ("L", (0, 1)), ("L", (0.28, 1)),  # D
            ("C", (0.28 + _K * 0.34, 1, 0.62, 0.5 + _K * 0.5, 0.62, 0.5)),
            ("C", (0.62, 0.5 - _K * 0.5, 0.28 + _K * 0.34, 0, 0.28, 0)), ("Z", ())]),
    (0.58, [("M", (0, 0)), ("L", (0, 1)), ("L", (0.3, 1)),  # R
            ("C", (0.3 + _K * 0.28, 1, 0.58, 0.73 + _K * 0.27, 0.58, 0.73)),
            ("C", (0.58, 0.73 - _K * 0.27, 0.3 + _K * 0.28, 0.46, 0.3, 0.46)), ("L", (0, 0.46)),
            ("M", (0.28, 0.46)), ("L", (0.58, 0))]),
    (0.7, [("M", (0, 0)), ("L", (0.35, 1)), ("L", (0.7, 0)),  # A
           ("M", (0.119, 0.34)), ("L", (0.581, 0.34))]),
    (0.5, [("M", (0, 0)), ("L", (0, 1)), ("L", (0.5, 1)), ("M", (0, 0.53)), ("L", (0.42, 0.53))]),  # F
    (0.6, [("M", (0, 1)), ("L", (0.6, 1)), ("M", (0.3, 1)), ("L", (0.3, 0))]),  # T
)
_WATERMARK_GAP = 0.24


def _draw_watermark(canvas: Canvas) -> None:
    height = 105.0
    width = (sum(w for w, _ in _WATERMARK_LETTERS) + _WATERMARK_GAP * (len(_WATERMARK_LETTERS) - 1)) * height
    canvas.saveState()
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(54)
    canvas.translate(-width / 2, -height / 2)
    path = canvas.beginPath()
    x = 0.0
    for letter_width, pieces in _WATERMARK_LETTERS:
        for op, values in pieces:
            points = [(x + values[i]) * height if i % 2 == 0 else values[i] * height for i in range(len(values))]
            if op == "M":
                path.moveTo(*points)
            elif op == "L":
                path.lineTo(*points)
            elif op == "C":
                path.curveTo(*points)
            else:
                path.close()
        x += letter_width + _WATERMARK_GAP
    canvas.setStrokeColor(DRAFT_EDGE)
    canvas.setStrokeAlpha(0.12)
    canvas.setLineWidth(14)
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.restoreState()


def _draw_draft_band(canvas: Canvas, rule_y: float) -> None:
    """The band under the header of every page of a draft, saying plainly what it is."""
    bottom = _draft_band_bottom(rule_y)
    canvas.setFillColor(DRAFT_FILL)
    canvas.setStrokeColor(DRAFT_EDGE)
    canvas.setLineWidth(0.6)
    canvas.roundRect(MARGIN_X, bottom, CONTENT_WIDTH, DRAFT_BAND_HEIGHT, 1.5 * mm, stroke=1, fill=1)
    canvas.setFillColor(DRAFT_INK)
    canvas.setFont(FONT_BOLD, 9)
    canvas.drawCentredString(PAGE_WIDTH / 2, bottom + DRAFT_BAND_HEIGHT / 2 - 3.1, DRAFT_MARKING)


class _NumberedCanvas(Canvas):
    """Holds every page until save, when the total is known, then stamps "Page X of Y"."""

    def __init__(self, *args: object, page_counts: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._saved_page_states: list[dict] = []
        self._page_counts = page_counts

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._saved_page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_page_states)
        for state in self._saved_page_states:
            self.__dict__.update(state)
            self.setFont(FONT_REGULAR, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(PAGE_WIDTH - MARGIN_X, 13 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()
        self._page_counts.append(total)


def build_pdf(meta: ReportMeta, title: str, story: list[Flowable]) -> RenderedReport:
    """Lay `story` out on the house pages and return the PDF with its SHA-256."""
    register_fonts()
    buffer = io.BytesIO()
    doc = _ReportDocTemplate(buffer, meta, title)
    page_counts: list[int] = []
    doc.build([NextPageTemplate("Later"), *story], canvasmaker=partial(_NumberedCanvas, page_counts=page_counts))
    pdf = buffer.getvalue()
    return RenderedReport(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), report_id=meta.report_id,
                          page_count=page_counts[-1])
