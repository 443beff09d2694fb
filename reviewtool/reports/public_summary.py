"""Public summary of a period: counts, themes, actions and responses; nothing about any person.

The data it takes (`PublicSummary`) has no field for an officer, a stop reference or a subject, so
nothing personal can reach this document except through the panel's own free text.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reviewtool.reports.base import (
    BAND,
    CONTENT_WIDTH,
    RenderedReport,
    build_pdf,
    bullets,
    data_table,
    day,
    document_control,
    grid,
    heading,
    keep,
    label,
    para,
    title_block,
)
from reviewtool.reports.charts import rag_bars
from reviewtool.reports.data import GroupRag, PublicSummary, Rag

TITLE = "Public summary"

_ABOUT = (
    "Community volunteers on the panel watch a random sample of body-worn video of stop and search, "
    "with bystanders and personal details hidden, and rate each search. <b>Green</b>: good practice. "
    "<b>Amber</b>: a learning point, taken up with the officer by their supervisor. <b>Red</b>: a concern, "
    "referred to a senior officer. This summary gives counts only and names no one."
)


def render_public_summary(summary: PublicSummary) -> RenderedReport:
    period = f"{summary.period_label} ({day(summary.period_start)} to {day(summary.period_end)})"
    story: list[Flowable] = [
        *title_block(TITLE, period),
        *document_control(summary.meta),
        label(_ABOUT, "Small"),
        Spacer(1, 4 * mm),
        _figures(summary),
        heading("Ratings"),
        para(_rag_sentence(summary), "Body"),
    ]
    if summary.rag.total:
        story += [Spacer(1, 2 * mm), rag_bars([("All reviewed searches", summary.rag)])]
    story += _groups("By type of search", summary.by_search_type)
    story += _groups("By outcome", summary.by_outcome_group)
    story += [
        heading("Themes"),
        *_themes(summary),
        heading("Actions"),
        _actions(summary),
        heading("Responses from the force"),
        *bullets(summary.responses, empty="No responses were received for this period."),
    ]
    return build_pdf(summary.meta, TITLE, story)


def _figures(summary: PublicSummary) -> Flowable:
    figures = [
        (summary.searches_in_period, "searches recorded"),
        (summary.sampled, "sampled for the panel"),
        (summary.rag.total, "reviewed on video"),
        (summary.no_footage, "sampled without footage"),
        (summary.sessions_held, "panel sessions"),
    ]
    width = CONTENT_WIDTH / len(figures)
    return grid([[label(f"{value:,}", "Figure") for value, _ in figures],
                 [label(text, "FigureLabel") for _, text in figures]], [width] * len(figures), [
        ("BACKGROUND", (0, 0), (-1, -1), BAND),
        ("LINEAFTER", (0, 0), (-2, -1), 2, "white"),
        ("TOPPADDING", (0, 0), (-1, 0), 8),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
    ])


def _rag_sentence(summary: PublicSummary) -> str:
    total = summary.rag.total
    if not total:
        return "No searches were reviewed in this period."
    parts = [f"{summary.rag.of(rag)} {rag.label.lower()} ({summary.rag.of(rag) * 100 / total:.0f}%)"
             for rag in Rag]
    return f"Of {total} searches reviewed: {', '.join(parts)}."


def _groups(title: str, groups: tuple[GroupRag, ...]) -> list[Flowable]:
    if not groups:
        return [heading(title), label("No breakdown for this period.", "Small")]
    widths = [18 * mm, 18 * mm, 18 * mm, 18 * mm]
    widths.insert(0, CONTENT_WIDTH - sum(widths))
    rows = [[g.label, str(g.counts.green), str(g.counts.amber), str(g.counts.red), str(g.counts.total)]
            for g in groups]
    table = data_table(["", "Green", "Amber", "Red", "Reviewed"], rows, widths, empty="")
    if not any(g.counts.total for g in groups):
        return [keep(heading(title), table)]
    return [keep(heading(title), table, Spacer(1, 2 * mm), rag_bars([(g.label, g.counts) for g in groups]))]


def _themes(summary: PublicSummary) -> list[Flowable]:
    if not summary.themes:
        return [label("The panel recorded no themes for this period.", "Small")]
    flowables: list[Flowable] = []
    for theme in summary.themes:
        flowables += [para(theme.title, "Heading2"), para(theme.text, "Body")]
    return flowables


def _actions(summary: PublicSummary) -> Flowable:
    widths = [8 * mm, 30 * mm]
    widths.insert(1, CONTENT_WIDTH - sum(widths))
    rows = [[str(n), a.text, a.status] for n, a in enumerate(summary.actions, start=1)]
    return data_table(["#", "Action", "Status"], rows, widths, empty="No actions for this period.")
