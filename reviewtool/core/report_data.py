"""From the database to the reports' plain data (`reviewtool.reports.data`): the gathering half of feedback.

The renderers never see a model; this module decides what of the database reaches paper, and that is
where privacy is kept:

* an officer report shows the search (date in UK time, type, legislation, object, outcome), never the
  person searched (no gender, age, ethnicity, location or grounds' free text about them);
* panel members are "Panel member N", numbered within their session in a fixed order (their panel
  member id), never by name, initials or user name; a clip comment the facilitator made (no panel
  member) is a "Facilitator's note", kept apart from the panel's comments;
* the public summary is counts and sentences made here from counts; no free text typed by anyone
  reaches it except officers' responses, which are scrubbed of the names and numbers we know.

Everything is read in the caller's session so one report is one consistent snapshot.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from reviewtool.core.models import (
    Attendance,
    ClipComment,
    Consensus as ConsensusRow,
    FeedbackReport,
    FeedbackReportItem,
    Officer as OfficerRow,
    PanelMember,
    ReviewSession,
    Rubric as RubricRow,
    Score,
    SessionItem,
    StopRecord,
)
from reviewtool.core.rubric import Criterion, RubricDefinition, rubric_of
from reviewtool.reports.data import (
    AnswerCount,
    AnswerTone,
    Consensus,
    CriterionAnswers,
    FacilitatorNote,
    Officer,
    OfficerFeedbackReport,
    PanelComment,
    Rag,
    ReportMeta,
    ReviewedStop,
    SignOff,
)

LONDON = ZoneInfo("Europe/London")
FINAL_STATUSES = ("approved", "sent", "acknowledged")
REVIEWED_STATUSES_EXCLUDED = ("removed",)
GOWISELY_PREFIX = "gowisely_"
PANEL_NAME_REMOVED = "[panel member]"

# How each answer id of the default rubric reads on the officer's chart (reports.data.AnswerTone).
_TONES: dict[str, AnswerTone] = {
    **dict.fromkeys(("yes", "given", "strongly_agree", "agree", "green", "4", "5"), AnswerTone.GOOD),
    **dict.fromkeys(("partly", "late", "neither", "amber", "3"), AnswerTone.PARTLY),
    **dict.fromkeys(("no", "not_given", "disagree", "strongly_disagree", "red", "cut_short", "1", "2"),
                    AnswerTone.CONCERN),
    "not_applicable": AnswerTone.NOT_APPLICABLE,
    **dict.fromkeys(("cant_tell", "not_audible"), AnswerTone.CANT_TELL),
}
_RAG_ORDER = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")


def tone_of(answer_id: str) -> AnswerTone:
    """An answer's tone; an answer id outside the default rubric's vocabulary reads as "partly"."""
    return _TONES.get(answer_id, AnswerTone.PARTLY)


def lines_of(text: str | None) -> tuple[str, ...]:
    """A multi-line text field as bullet items: one per non-blank line, typed bullets removed."""
    return tuple(_BULLET.sub("", line).strip() for line in (text or "").splitlines() if line.strip())


def scrub(text: str, names: Iterable[str], replacement: str) -> str:
    """`text` with every known name or number in `names` replaced, as whole words: free text is where a
    panel member's or an officer's name slips through. Full names and numbers match in any case; a
    single word (a surname) only as capitalised, so "Long" goes and "long" stays."""
    if not text:
        return text
    words = sorted({n.strip() for n in names if n and len(n.strip()) >= 3}, key=len, reverse=True)
    any_case = [w for w in words if not w.isalpha()]
    exact = [w for w in words if w.isalpha()]
    for group, flags in ((any_case, re.IGNORECASE), (exact, 0)):
        if group:
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in group) + r")(?!\w)", flags)
            text = pattern.sub(replacement, text)
    return text


def panel_member_names(s: Session) -> list[str]:
    return list(s.scalars(select(PanelMember.name)))


def local_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def local_bounds(day_from: date | None, day_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive local calendar days as a half-open UTC range (a 'June' starts at 23:00 UTC on 31 May)."""
    start = datetime.combine(day_from, time.min, LONDON).astimezone(timezone.utc) if day_from else None
    end = datetime.combine(day_to + timedelta(days=1), time.min, LONDON).astimezone(timezone.utc) if day_to else None
    return start, end


def worst_rag(rags: Iterable[Rag]) -> Rag | None:
    return max(rags, key=_RAG_ORDER.__getitem__, default=None)


def officer_data(row: OfficerRow) -> Officer:
    """The officer as printed: their name when the force recorded one, otherwise their collar number."""
    if row.display_name and row.display_name.strip():
        return Officer(row.display_name.strip(), row.identifier, row.team or "")
    return Officer(f"Officer {row.identifier}", "", row.team or "")


# --- Rubrics and sessions --------------------------------------------------------------------------


class GatherCache:
    """What does not change between reports: parsed rubrics by row id, and for closed sessions (whose
    attendance, answers and comments the services no longer change) the members' numbers and the day.
    A batch of officer reports from one session then reads these once."""

    def __init__(self) -> None:
        self._rubrics: dict[int, RubricDefinition] = {}
        self._numbers: dict[int, dict[tuple[int, int], int]] = {}
        self._days: dict[int, date] = {}

    def get(self, s: Session, rubric_id: int) -> RubricDefinition:
        if rubric_id not in self._rubrics:
            row = s.get(RubricRow, rubric_id)
            assert row is not None  # a foreign key guarantees it
            self._rubrics[rubric_id] = rubric_of(row)
        return self._rubrics[rubric_id]

    def member_numbers(self, s: Session, sessions: Iterable[ReviewSession]) -> dict[tuple[int, int], int]:
        sessions = list(sessions)
        missing = [r.id for r in sessions if r.id not in self._numbers]
        found = member_numbers(s, missing)
        for review in sessions:
            if review.id in missing and review.status == "closed":
                self._numbers[review.id] = {k: v for k, v in found.items() if k[0] == review.id}
        for review in sessions:
            found.update(self._numbers.get(review.id, {}))
        return found

    def day(self, s: Session, review: ReviewSession) -> date:
        if review.id in self._days:
            return self._days[review.id]
        result = session_day(s, review)
        if review.status == "closed":
            self._days[review.id] = result
        return result


def session_held_at(s: Session, review: ReviewSession) -> datetime:
    """When the session took place: its first reveal, else its first agreed consensus, else the
    planned day (midnight, UK time), else when it was created."""
    first_reveal = s.scalar(select(func.min(SessionItem.revealed_at)).where(SessionItem.session_id == review.id))
    if first_reveal is not None:
        return first_reveal
    first_consensus = s.scalar(select(func.min(ConsensusRow.recorded_at)).join(
        SessionItem, SessionItem.id == ConsensusRow.item_id).where(SessionItem.session_id == review.id))
    if first_consensus is not None:
        return first_consensus
    if review.planned_for is not None:
        return datetime.combine(review.planned_for, time.min, LONDON).astimezone(timezone.utc)
    return review.created_at


def session_day(s: Session, review: ReviewSession) -> date:
    return review.planned_for or local_day(session_held_at(s, review))


def member_numbers(s: Session, session_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """(session id, panel member id) → the member's number within that session, 1, 2, … in panel
    member id order over everyone who attended, scored or commented. Numbers never leave the session."""
    ids = list(set(session_ids))
    if not ids:
        return {}
    members: dict[int, set[int]] = defaultdict(set)
    for session_id, member_id in s.execute(select(Attendance.session_id, Attendance.panel_member_id)
                                           .where(Attendance.session_id.in_(ids))):
        members[session_id].add(member_id)
    for model in (Score, ClipComment):
        rows = s.execute(select(SessionItem.session_id, model.panel_member_id).distinct()
                         .join(SessionItem, SessionItem.id == model.item_id)
                         .where(SessionItem.session_id.in_(ids), model.panel_member_id.is_not(None)))
        for session_id, member_id in rows:
            members[session_id].add(member_id)
    return {(session_id, member_id): number
            for session_id, found in members.items()
            for number, member_id in enumerate(sorted(found), start=1)}


# --- Which searches an officer report covers -------------------------------------------------------


def reviewed_items_query(officer_id: int | None = None):
    """Session items the panel agreed a consensus on (not removed), with their stop and consensus."""
    query = (select(SessionItem, StopRecord, ConsensusRow)
             .join(StopRecord, StopRecord.id == SessionItem.stop_id)
             .join(ConsensusRow, ConsensusRow.item_id == SessionItem.id)
             .where(SessionItem.status.not_in(REVIEWED_STATUSES_EXCLUDED)))
    if officer_id is not None:
        query = query.where(StopRecord.officer_id == officer_id)
    return query


def final_item_ids(s: Session, officer_id: int | None = None, *, excluding_report: int | None = None) -> set[int]:
    """Items already in an approved (or later) officer report: they have reached, or are on their way
    to, the officer, and are not fed back twice."""
    query = (select(FeedbackReportItem.item_id)
             .join(FeedbackReport, FeedbackReport.id == FeedbackReportItem.report_row_id)
             .where(FeedbackReport.kind == "officer", FeedbackReport.status.in_(FINAL_STATUSES)))
    if officer_id is not None:
        query = query.where(FeedbackReport.officer_id == officer_id)
    if excluding_report is not None:
        query = query.where(FeedbackReport.id != excluding_report)
    return set(s.scalars(query))


def pending_items(s: Session, officer_id: int, day_from: date | None = None,
                  day_to: date | None = None) -> list[tuple[SessionItem, StopRecord, ConsensusRow]]:
    """The officer's reviewed searches (stop dates within the local days given) not yet in a final
    report, oldest first."""
    start, end = local_bounds(day_from, day_to)
    query = reviewed_items_query(officer_id)
    if start is not None:
        query = query.where(StopRecord.occurred_at >= start)
    if end is not None:
        query = query.where(StopRecord.occurred_at < end)
    done = final_item_ids(s, officer_id)
    rows = [(item, stop, consensus) for item, stop, consensus in s.execute(query) if item.id not in done]
    rows.sort(key=lambda r: (r[1].occurred_at, r[1].reference))
    return rows


def covered_items(s: Session, report_row_id: int) -> list[tuple[SessionItem, StopRecord, ConsensusRow]]:
    """The items a report covers (as linked), oldest stop first."""
    query = reviewed_items_query().join(FeedbackReportItem, and_(FeedbackReportItem.item_id == SessionItem.id,
                                                                 FeedbackReportItem.report_row_id == report_row_id))
    rows = list(s.execute(query))
    rows.sort(key=lambda r: (r[1].occurred_at, r[1].reference))
    return rows


# --- Officer feedback -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerReportText:
    """What the supervisor adds: an overall summary, their note, and the sign-off so far."""

    summary: str = ""
    supervisor_note: str = ""
    officer_response: str = ""
    sign_off: SignOff = SignOff()


def default_summary(rags: Sequence[Rag]) -> str:
    """The first draft of the supervisor's summary: the panel's ratings in a sentence."""
    if len(rags) == 1:
        return f"The community scrutiny panel reviewed one of your searches and rated it {rags[0].label.lower()}."
    counts = Counter(rags)
    parts = [f"{counts[rag]} {rag.label.lower()}" for rag in Rag if counts[rag]]
    return f"The community scrutiny panel reviewed {len(rags)} of your searches: {', '.join(parts)}."


def build_officer_report(s: Session, meta: ReportMeta, officer: OfficerRow,
                         rows: Sequence[tuple[SessionItem, StopRecord, ConsensusRow]], text: OfficerReportText,
                         rubrics: GatherCache | None = None) -> OfficerFeedbackReport:
    """The officer report's data for the given reviewed items (see `pending_items`)."""
    rubrics = rubrics or GatherCache()
    panel_names = panel_member_names(s)
    item_ids = [item.id for item, _, _ in rows]
    sessions = {item.session_id: item.session for item, _, _ in rows}
    numbers = rubrics.member_numbers(s, sessions.values())
    # Plain rows rather than ORM objects: an officer's report reads a few hundred answers.
    scores: dict[int, list[Any]] = defaultdict(list)
    comments: dict[int, list[Any]] = defaultdict(list)
    if item_ids:
        for score in s.execute(select(Score.item_id, Score.panel_member_id, Score.criterion_id, Score.answer,
                                      Score.comment).where(Score.item_id.in_(item_ids)).order_by(Score.id)):
            scores[score.item_id].append(score)
        for comment in s.execute(select(ClipComment.item_id, ClipComment.panel_member_id, ClipComment.media_time,
                                        ClipComment.text).where(ClipComment.item_id.in_(item_ids))
                                 .order_by(ClipComment.media_time, ClipComment.id)):
            comments[comment.item_id].append(comment)

    stops: list[ReviewedStop] = []
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    criteria_in_order: dict[str, Criterion] = {}
    for item, stop, consensus in rows:
        rubric = rubrics.get(s, sessions[item.session_id].rubric_id)
        for criterion in rubric.criteria:
            if criterion.type == "choice":
                criteria_in_order.setdefault(criterion.id, criterion)
        item_scores = scores[item.id]
        for score in item_scores:
            if score.answer and score.criterion_id in criteria_in_order \
                    and criteria_in_order[score.criterion_id].type == "choice":
                tallies[score.criterion_id][score.answer] += 1
        stops.append(ReviewedStop(
            reference=stop.reference,
            occurred_at=stop.occurred_at,
            search_type=stop.type,
            legislation=stop.legislation or "",
            object_of_search=stop.object_of_search or "",
            outcome=stop.outcome or "",
            consensus=consensus_data(consensus),
            gowisely_missed=gowisely_missed(rubric, item_scores),
            comments=tuple(PanelComment(c.member_number, scrub(c.text, panel_names, PANEL_NAME_REMOVED),
                                        c.criterion_label, c.clip_time)
                           for c in _panel_comments(rubric, item, item_scores, comments[item.id], numbers)),
            facilitator_notes=tuple(FacilitatorNote(scrub(c.text.strip(), panel_names, PANEL_NAME_REMOVED),
                                                    c.media_time)
                                    for c in comments[item.id]
                                    if c.panel_member_id is None and c.text and c.text.strip()),
        ))
    answers = tuple(CriterionAnswers(c.label, tuple(AnswerCount(a.label, tallies[c.id][a.id], tone_of(a.id))
                                                     for a in c.answers))
                    for c in criteria_in_order.values())
    titles = sorted(sessions.values(), key=lambda r: (rubrics.day(s, r), r.id))
    return OfficerFeedbackReport(
        meta=meta,
        officer=officer_data(officer),
        session_title="; ".join(r.name for r in titles) if titles else "No session",
        session_date=rubrics.day(s, titles[-1]) if titles else local_day(meta.generated_at),
        stops=tuple(stops),
        answers=answers,
        summary=text.summary.strip(),
        supervisor_note=text.supervisor_note.strip(),
        officer_response=text.officer_response,
        sign_off=text.sign_off,
    )


def consensus_data(row: ConsensusRow) -> Consensus:
    return Consensus(rag=Rag(row.rag), summary=row.summary or "", commendations=lines_of(row.commendations),
                     learning_points=lines_of(row.learning_points), referred=bool(row.refer))


def gowisely_missed(rubric: RubricDefinition, item_scores: Sequence[Any]) -> tuple[str, ...]:
    """GOWISELY items more than half of the members who answered found "not given"."""
    answers: dict[str, list[str]] = defaultdict(list)
    for score in item_scores:
        if score.criterion_id.startswith(GOWISELY_PREFIX) and score.answer:
            answers[score.criterion_id].append(score.answer)
    missed = []
    for criterion in rubric.criteria:
        given = answers.get(criterion.id)
        if given and given.count("not_given") * 2 > len(given):
            missed.append(criterion.label)
    return tuple(missed)


def _panel_comments(rubric: RubricDefinition, item: SessionItem, item_scores: Sequence[Any],
                    clip_comments: Sequence[Any],
                    numbers: dict[tuple[int, int], int]) -> tuple[PanelComment, ...]:
    """Comments on answers, free-text answers ("what went well") and comments pinned to the clip,
    attributed by member number; criteria in rubric order, then the clip's timeline."""
    order = {c.id: n for n, c in enumerate(rubric.criteria)}
    labels = {c.id: c.label for c in rubric.criteria}
    kinds = {c.id: c.type for c in rubric.criteria}
    found: list[tuple[int, int, PanelComment]] = []
    for score in item_scores:
        number = numbers.get((item.session_id, score.panel_member_id), 0)
        label = labels.get(score.criterion_id, score.criterion_id)
        rank = order.get(score.criterion_id, len(order))
        if kinds.get(score.criterion_id) == "text" and score.answer and score.answer.strip():
            found.append((rank, number, PanelComment(number, score.answer.strip(), label)))
        if score.comment and score.comment.strip():
            found.append((rank, number, PanelComment(number, score.comment.strip(), label)))
    found.sort(key=lambda f: (f[0], f[1]))
    # A clip comment with no panel member is the facilitator's note, not the panel's judgement: it is
    # gathered separately (`FacilitatorNote`).
    pinned = [PanelComment(numbers.get((item.session_id, c.panel_member_id), 0), c.text.strip(), "", c.media_time)
              for c in clip_comments if c.panel_member_id is not None and c.text and c.text.strip()]
    return tuple(comment for _, _, comment in found) + tuple(pinned)


def plain_text(report: OfficerFeedbackReport) -> str:
    """An officer report as plain text, for the on-screen preview (the PDF is the document)."""
    from reviewtool.reports.base import DRAFT_MARKING, london

    officer = report.officer
    lines = [DRAFT_MARKING, ""] if report.meta.draft else []
    lines += [f"Officer feedback: {officer.name}" + (f" ({officer.collar_number})" if officer.collar_number else ""),
              f"Panel session: {report.session_title}", "",
              "Supervisor's summary:", report.summary or "(none yet)", ""]
    for number, stop in enumerate(report.stops, start=1):
        consensus = stop.consensus
        lines += [f"Search {number} ({stop.reference}): {london(stop.occurred_at)} — {consensus.rag.label.upper()}"
                  + (" (referred to a senior officer)" if consensus.referred else ""),
                  f"  {stop.search_type}; {stop.legislation}; object: {stop.object_of_search}; "
                  f"outcome: {stop.outcome}",
                  f"  Panel's summary: {consensus.summary or 'none recorded'}"]
        lines += [f"  + {item}" for item in consensus.commendations]
        lines += [f"  → {item}" for item in consensus.learning_points]
        if stop.gowisely_missed:
            lines.append(f"  GOWISELY items missed: {'; '.join(stop.gowisely_missed)}")
        for comment in stop.comments:
            where = f" ({comment.criterion_label})" if comment.criterion_label else ""
            lines.append(f"  Panel member {comment.member_number}{where}: {comment.text}")
        for note in stop.facilitator_notes:
            lines.append(f"  Facilitator's note: {note.text}")
        lines.append("")
    lines += ["Supervisor's note:", report.supervisor_note or "(none yet)"]
    return "\n".join(lines)
