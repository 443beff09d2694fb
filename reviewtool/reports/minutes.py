"""Session minutes: who attended, how the sample was drawn, what the panel found and agreed."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reviewtool.reports.base import (
    CONTENT_WIDTH,
    RagChip,
    RenderedReport,
    build_pdf,
    data_table,
    day,
    document_control,
    heading,
    key_values,
    label,
    london,
    para,
    title_block,
)
from reviewtool.reports.certificate import commitment_rows
from reviewtool.reports.data import CriterionAgreement, Rag, SessionMinutes

TITLE = "Session minutes"
_KEYS = 40 * mm  # wide enough for "Published commitment" on one line


def render_session_minutes(minutes: SessionMinutes) -> RenderedReport:
    story: list[Flowable] = [
        *title_block(TITLE, minutes.session_title),
        *document_control(minutes.meta, [
            ("Held", london(minutes.held_at)),
            ("Where", minutes.location),
            ("Rubric", minutes.rubric_version),
        ]),
        heading("Attendance"),
        _attendance(minutes),
        heading("Sample"),
        _sampling(minutes),
        heading("Searches reviewed"),
        para(_tally(minutes), "Body"),
        Spacer(1, 2 * mm),
        _items(minutes),
        heading("Searches taken off the agenda"),
        _removed(minutes),
        heading("Findings: sampled searches without footage"),
        _missing_footage(minutes),
        heading("Agreement between panel members"),
        label("Krippendorff's alpha per question, over the searches reviewed: 1 is full agreement, 0 is "
              "no better than chance. n is the number of searches answered by at least two members. "
              "0.80 or more is commonly read as reliable, 0.667 to 0.80 as tentative.", "Small"),
        Spacer(1, 2 * mm),
        _agreement(minutes.agreement),
        heading("Actions"),
        _actions(minutes),
        heading("Responses to earlier feedback"),
        _responses(minutes),
    ]
    return build_pdf(minutes.meta, TITLE, story)


def _attendance(minutes: SessionMinutes) -> Flowable:
    def listing(present: bool) -> str:
        return ", ".join(f"{a.initials} ({a.role})" if a.role else a.initials
                         for a in minutes.attendance if a.present is present)

    return key_values([("Present", listing(True)), ("Apologies", listing(False))], key_width=30 * mm)


def _sampling(minutes: SessionMinutes) -> Flowable:
    s = minutes.sampling
    return key_values([
        ("Certificate", s.certificate),
        ("Algorithm", s.algorithm),
        ("Seed", s.seed),
        *commitment_rows(s.seed, s.published_commitment),
        ("Population", f"{s.population_size} searches"),
        ("Population digest", s.population_digest),
        ("Selected", f"{s.selection_count} searches"),
    ], key_width=_KEYS)


def _tally(minutes: SessionMinutes) -> str:
    counts = {rag: sum(1 for item in minutes.items if item.consensus.rag is rag) for rag in Rag}
    parts = ", ".join(f"{counts[rag]} {rag.label.lower()}" for rag in Rag)
    return f"{len(minutes.items)} reviewed: {parts}."


def _items(minutes: SessionMinutes) -> Flowable:
    widths = [8 * mm, 30 * mm, 32 * mm, 26 * mm, 20 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    rows = [[str(item.number), f"{london(item.occurred_at)}\n{item.reference}", item.search_type,
             item.outcome, RagChip(item.consensus.rag, width=16 * mm),
             item.consensus.summary + ("\nReferred to a senior officer." if item.consensus.referred else "")]
            for item in minutes.items]
    return data_table(["#", "Date, reference", "Type", "Outcome", "Rating", "Panel's summary"],
                      rows, widths, empty="No searches were reviewed at this session.")


def _removed(minutes: SessionMinutes) -> Flowable:
    widths = [8 * mm, 34 * mm, 32 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    rows = [[str(r.number), f"{london(r.occurred_at)}\n{r.reference}", r.search_type,
             para(r.reason, "Cell", empty="No reason recorded.")] for r in minutes.removed]
    return data_table(["#", "Date, reference", "Type", "Reason recorded"], rows, widths,
                      empty="No searches were taken off the agenda.")


def _missing_footage(minutes: SessionMinutes) -> Flowable:
    widths = [34 * mm, 32 * mm, 30 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    rows = [[f.reference, london(f.occurred_at), f.search_type, f.follow_up] for f in minutes.missing_footage]
    return data_table(["Reference", "Date (UK time)", "Type", "Follow-up"], rows, widths,
                      empty="Every sampled search had footage.")


def _reading(agreement: CriterionAgreement) -> str:
    if agreement.alpha is None:
        return "Not defined (too few answers or no variation)"
    if agreement.alpha >= 0.8:
        return "Reliable"
    if agreement.alpha >= 0.667:
        return "Tentative"
    return "Low"


def _agreement(rows: tuple[CriterionAgreement, ...]) -> Flowable:
    widths = [62 * mm, 20 * mm, 16 * mm, 12 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    cells = [[a.label, a.metric, "—" if a.alpha is None else f"{a.alpha:.2f}", str(a.n), _reading(a)]
             for a in rows]
    return data_table(["Question", "Metric", "Alpha", "n", "Reading"], cells, widths,
                      empty="No agreement figures: fewer than two members answered.")


def _actions(minutes: SessionMinutes) -> Flowable:
    widths = [8 * mm, 28 * mm, 24 * mm]
    widths.insert(1, CONTENT_WIDTH - sum(widths))
    rows = [[str(n), a.text, a.owner, day(a.due, empty="—")] for n, a in enumerate(minutes.actions, start=1)]
    return data_table(["#", "Action", "Owner", "Due"], rows, widths, empty="No actions were agreed.")


def _responses(minutes: SessionMinutes) -> Flowable:
    widths = [30 * mm, 36 * mm, 20 * mm, 22 * mm]
    widths.insert(3, CONTENT_WIDTH - sum(widths))
    rows = [[r.report_id, r.session_title, RagChip(r.rag, width=16 * mm), r.response, day(r.received_on, empty="—")]
            for r in minutes.responses]
    return data_table(["Report", "From session", "Rating", "Response", "Received"], rows, widths,
                      empty="No responses to earlier feedback were received.")
