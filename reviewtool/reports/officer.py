"""Officer feedback report: what the panel saw in this officer's searches, for a supervisor's debrief.

It describes searches, never the people searched, and quotes panel members by number only.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reviewtool.reports.base import (
    CONTENT_WIDTH,
    RagChip,
    RenderedReport,
    bullets,
    boxed,
    build_pdf,
    callout,
    data_table,
    day,
    document_control,
    grid,
    heading,
    keep,
    key_values,
    label,
    london,
    para,
    title_block,
)
from reviewtool.reports.charts import answers_chart
from reviewtool.reports.data import FacilitatorNote, OfficerFeedbackReport, PanelComment, Rag, ReviewedStop

TITLE = "Officer feedback"

_INTRO = (
    "The community scrutiny panel watched redacted body-worn video of the searches below, each member "
    "scored them on their own, and the panel then agreed a rating. <b>Green</b>: good practice, shared "
    "for peer learning. <b>Amber</b>: a learning point, for discussion with your supervisor. "
    "<b>Red</b>: a concern, referred to a senior officer. Panel members are named by number only."
)


def render_officer_report(report: OfficerFeedbackReport) -> RenderedReport:
    officer = report.officer
    subtitle = f"{officer.name} ({officer.collar_number})" if officer.collar_number else officer.name
    story: list[Flowable] = [
        *title_block(TITLE, subtitle),
        keep(heading("Supervisor's summary"),
             callout([para(report.summary, "Lead", empty="The supervisor has not written a summary.")])),
        *document_control(report.meta, [
            ("Team", officer.team),
            ("Panel session", f"{report.session_title}, {day(report.session_date)}"),
        ]),
        label(_INTRO, "Small"),
        heading("At a glance"),
        para(_tally(report.stops), "Body"),
        Spacer(1, 2 * mm),
        _overview_table(report.stops),
    ]
    for number, stop in enumerate(report.stops, start=1):
        story.extend(_stop_section(number, stop))
    story.append(heading("Panel answers across these searches"))
    if any(a.count for c in report.answers for a in c.answers):
        story += [
            label("Every panel member's answer to each question, over all the searches above. Bars group "
                  "answers by how they read; the exact answers and counts are listed on the right.",
                  "Small"),
            Spacer(1, 2 * mm),
            answers_chart(report.answers),
        ]
    else:
        story.append(label("No answers were recorded for these searches.", "Small"))
    story += _responses(report)
    story += _sign_off(report)
    return build_pdf(report.meta, TITLE, story)


def _tally(stops: tuple[ReviewedStop, ...]) -> str:
    counts = {rag: sum(1 for s in stops if s.consensus.rag is rag) for rag in Rag}
    noun = "search" if len(stops) == 1 else "searches"
    parts = ", ".join(f"{counts[rag]} {rag.label.lower()}" for rag in Rag)
    return f"{len(stops)} {noun} reviewed: {parts}."


def _overview_table(stops: tuple[ReviewedStop, ...]) -> Flowable:
    widths = [8 * mm, 34 * mm, 30 * mm, 33 * mm, 28 * mm, 17 * mm]
    widths.insert(5, CONTENT_WIDTH - sum(widths))  # the outcome takes what is left
    rows = [[str(n), london(s.occurred_at), s.search_type, s.legislation, s.object_of_search, s.outcome,
             RagChip(s.consensus.rag, width=15 * mm)]
            for n, s in enumerate(stops, start=1)]
    return data_table(["#", "Date (UK time)", "Type", "Legislation", "Object", "Outcome", "Rating"],
                      rows, widths, empty="No reviewed searches in this report.")


def _stop_section(number: int, stop: ReviewedStop) -> list[Flowable]:
    consensus = stop.consensus
    chip_row = grid([[RagChip(consensus.rag), para(consensus.summary, "Body", empty="No summary recorded.")]],
                    [21 * mm, CONTENT_WIDTH - 21 * mm],
                    [("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 1)])
    head = [
        heading(f"Search {number}: {london(stop.occurred_at)}"),
        key_values([
            ("Reference", stop.reference),
            ("Type", stop.search_type),
            ("Legislation", stop.legislation),
            ("Object of search", stop.object_of_search),
            ("Outcome", stop.outcome),
        ], key_width=32 * mm),
        Spacer(1, 2 * mm),
        chip_row,
    ]
    if consensus.referred:
        head.append(label("The panel referred this search to a senior officer.", "Small"))
    missed = "; ".join(item for item in stop.gowisely_missed if item.strip())
    section: list[Flowable] = [
        keep(*head),
        heading("What went well", 2),
        *bullets(consensus.commendations, empty="No commendations recorded."),
        heading("Learning points", 2),
        *bullets(consensus.learning_points, empty="No learning points recorded."),
        heading("GOWISELY items missed", 2),
        para(missed, "Body", empty="None: the panel found every GOWISELY item given."),
    ]
    if stop.comments or stop.facilitator_notes:
        # "Comments", not "Panel comments": a facilitator's note is context, not the panel's judgement,
        # and each line says whose it is.
        section.append(heading("Comments", 2))
        section.extend(_comment(c) for c in stop.comments)
        section.extend(_facilitator_note(n) for n in stop.facilitator_notes)
    return section


def _comment(comment: PanelComment) -> Flowable:
    where = [part for part in (comment.criterion_label.strip(), _clip_time(comment.clip_time)) if part]
    return _attributed(f"Panel member {comment.member_number}" + (f" ({', '.join(where)})" if where else ""),
                       comment.text)


def _facilitator_note(note: FacilitatorNote) -> Flowable:
    at = _clip_time(note.clip_time)
    return _attributed("Facilitator's note" + (f" ({at})" if at else ""), note.text)


def _attributed(attribution: str, text: str) -> Flowable:
    return grid([[para(attribution, "Key"), para(text, "Cell", empty="(no text)")]],
                [48 * mm, CONTENT_WIDTH - 48 * mm], [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ])


def _clip_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    return f"at {whole // 60:02d}:{whole % 60:02d}"


def _responses(report: OfficerFeedbackReport) -> list[Flowable]:
    return [
        keep(
            heading("Supervisor's note"),
            boxed([para(report.supervisor_note, "Body")], min_height=28 * mm),
        ),
        keep(
            heading("Officer's response"),
            boxed([para(report.officer_response, "Body")], min_height=28 * mm),
        ),
    ]


def _sign_off(report: OfficerFeedbackReport) -> list[Flowable]:
    sign = report.sign_off
    line = "______________________"
    widths = [CONTENT_WIDTH / 2 - 3 * mm, CONTENT_WIDTH / 2 - 3 * mm]
    supervisor = key_values([
        ("Supervisor", sign.supervisor_name or line),
        ("Approved on", day(sign.supervisor_approved_on, empty=line)),
        ("Signature", line),
    ], key_width=26 * mm, width=widths[0])
    officer = key_values([
        ("Officer", report.officer.name or line),
        ("Acknowledged on", day(sign.officer_acknowledged_on, empty=line)),
        ("Signature", line),
    ], key_width=30 * mm, width=widths[1])
    table = grid([[supervisor, officer]], [w + 3 * mm for w in widths], [("LEFTPADDING", (0, 0), (-1, -1), 0)])
    return [keep(heading("Sign-off"), table)]
