"""Session minutes, the sampling certificate and the public summary, gathered from the database.

The minutes are the panel's record of a meeting: initials only, the sample's provenance (and whether
the seed matches a commitment published before the meeting, when one is given), each search's
outcome, the searches taken off the agenda with the reason recorded, the stops without footage as
findings, agreement per question, actions, and the officers' responses received since the previous
session.

The public summary names no one: its figures are counts, its themes and actions are sentences made
here from counts and rubric wording, and the only free text in it, officers' responses, is scrubbed
of every name and number the application knows (officers, users, panel members, stop references).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewtool.core.agreement import figure
from reviewtool.core.models import (
    Attendance,
    FeedbackReport,
    FeedbackReportItem,
    Officer as OfficerRow,
    PanelMember,
    ReviewSession,
    SamplingRun,
    Score,
    SessionItem,
    StopRecord,
    User,
)
from reviewtool.core.report_data import (
    FINAL_STATUSES,
    GatherCache,
    consensus_data,
    gowisely_missed,
    lines_of,
    local_bounds,
    reviewed_items_query,
    scrub,
    session_day,
    session_held_at,
    worst_rag,
)
from reviewtool.core.rubric import RubricDefinition
from reviewtool.reports.data import (
    ActionItem,
    Attendee,
    CriterionAgreement,
    FeedbackResponse,
    GroupRag,
    MinutesItem,
    MissingFootage,
    PublicAction,
    PublicSummary,
    Rag,
    RagCounts,
    RemovedItem,
    ReportMeta,
    SamplingCertificate,
    SamplingSummary,
    SessionMinutes,
    StratumQuota,
    Theme,
)

REVEALED = ("revealed", "agreed")
LIAISON_ROLE = "Police liaison"
NO_FOOTAGE_FOLLOW_UP = "Ask the officer's supervisor why no footage was recorded; report back at the next session."
SKIPPED_FOLLOW_UP = "Reached by the draw but has no footage (skipped); ask why, and report back."
NAME_REMOVED = "[name removed]"
OUTCOME_GROUP_LABELS = {"nfa": "No further action", "positive": "Other outcomes (arrest, warning, caution…)",
                        "": "Outcome not recorded"}


def certificate_file_sha256(certificate: Mapping[str, Any]) -> str:
    """SHA-256 of the certificate file exactly as `sample run --out` writes it."""
    text = json.dumps(certificate, indent=2, ensure_ascii=False) + "\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _initials(name: str) -> str:
    letters = [w[0] for w in name.replace("(", " ").split() if w[:1].isalpha()]
    return ". ".join(letters[:3]).upper() + "." if letters else "?"


# --- Session minutes ------------------------------------------------------------------------------------


def build_minutes(s: Session, meta: ReportMeta, review: ReviewSession, rubrics: GatherCache, *,
                  published_commitment: str = "") -> SessionMinutes:
    rubric = rubrics.get(s, review.rubric_id)
    items = list(s.execute(select(SessionItem, StopRecord).join(StopRecord, StopRecord.id == SessionItem.stop_id)
                           .where(SessionItem.session_id == review.id).order_by(SessionItem.position)))
    consensus = {item.id: row for item, _, row in s.execute(
        reviewed_items_query().where(SessionItem.session_id == review.id))}

    minutes_items, missing, removed, actions = [], [], [], []
    for item, stop in items:
        where = f"Search {item.position} ({stop.reference})"
        if item.status == "removed":
            removed.append(RemovedItem(item.position, stop.reference, stop.occurred_at, stop.type,
                                       (item.removed_reason or "").strip()))
            continue
        row = consensus.get(item.id)
        if item.footage_id is None:
            missing.append(MissingFootage(stop.reference, stop.occurred_at, stop.type,
                                          "; ".join(lines_of(row.actions)) if row and row.actions.strip()
                                          else NO_FOOTAGE_FOLLOW_UP))
        if row is None:
            if item.footage_id is not None:
                actions.append(ActionItem(f"{where} was not reviewed at this session: carry it over to the next.",
                                          LIAISON_ROLE))
            continue
        agreed = consensus_data(row)
        minutes_items.append(MinutesItem(item.position, stop.reference, stop.occurred_at, stop.type,
                                         stop.outcome or "", agreed))
        for line in lines_of(row.actions):
            actions.append(ActionItem(f"Search {item.position}: {line}", LIAISON_ROLE))
        if agreed.referred:
            actions.append(ActionItem(f"Search {item.position}: refer to a senior officer and report back at the "
                                      "next session.", LIAISON_ROLE))
    run = s.get(SamplingRun, review.sampling_run_id) if review.sampling_run_id else None
    listed = {m.reference for m in missing}
    if run is not None:
        skipped = [r for r in run.certificate.get("skipped_no_footage", []) if r not in listed]
        for stop in s.scalars(select(StopRecord).where(StopRecord.reference.in_(skipped))
                              .order_by(StopRecord.occurred_at)):
            missing.append(MissingFootage(stop.reference, stop.occurred_at, stop.type, SKIPPED_FOLLOW_UP))

    return SessionMinutes(
        meta=meta,
        session_title=review.name,
        held_at=session_held_at(s, review),
        location="",
        rubric_version=f"{rubric.key} v{rubric.version}",
        attendance=_attendance(s, review),
        sampling=_sampling_summary(run, published_commitment),
        items=tuple(minutes_items),
        missing_footage=tuple(missing),
        removed=tuple(removed),
        agreement=_agreement(s, rubric, [item for item, _ in items if item.status in REVEALED]),
        actions=tuple(actions),
        responses=_responses_since_previous_session(s, review),
    )


def _attendance(s: Session, review: ReviewSession) -> tuple[Attendee, ...]:
    rows = s.execute(select(Attendance, PanelMember).join(PanelMember, PanelMember.id == Attendance.panel_member_id)
                     .where(Attendance.session_id == review.id).order_by(PanelMember.initials, PanelMember.id))
    people = [Attendee(member.initials, "Panel member", bool(row.present)) for row, member in rows]
    liaison = s.scalar(select(User).where(User.username == review.created_by))
    if liaison is not None:
        people.append(Attendee(_initials(liaison.display_name), LIAISON_ROLE, True))
    return tuple(people)


def _sampling_summary(run: SamplingRun | None, published_commitment: str) -> SamplingSummary:
    if run is None:
        return SamplingSummary("none: the searches were chosen without a recorded draw", "—", "",
                               published_commitment, 0, "—", 0)
    cert = run.certificate
    return SamplingSummary(f"sampling run {run.id}, file SHA-256 {certificate_file_sha256(cert)}",
                           run.algorithm, run.seed, published_commitment, run.population_size,
                           run.population_digest, len(cert.get("selection", [])))


def _agreement(s: Session, rubric: RubricDefinition, items: Sequence[SessionItem]) -> tuple[CriterionAgreement, ...]:
    """Krippendorff's alpha per choice question over the revealed items, with the scoring service's
    rules: answers outside a question's scale ("Can't tell"; N/A on ordinal scales) are missing values."""
    if not items:
        return ()
    by_key: dict[tuple[int, str], dict[int, str | None]] = defaultdict(dict)
    for item_id, member_id, criterion_id, answer in s.execute(select(
            Score.item_id, Score.panel_member_id, Score.criterion_id, Score.answer).where(
            Score.item_id.in_([it.id for it in items]))):
        by_key[(item_id, criterion_id)][member_id] = answer
    rows = []
    for c in rubric.criteria:
        if c.type != "choice":
            continue
        if c.scale == "ordinal":
            categories = [a for a in c.answer_ids() if c.ordinal_rank(a) is not None]
        else:
            categories = [a for a in c.answer_ids() if a != "cant_tell"]
        units = [{m: (a if a in categories else None) for m, a in by_key.get((it.id, c.id), {}).items()}
                 for it in items]
        result = figure(units, "ordinal" if c.scale == "ordinal" else "nominal", categories)
        rows.append(CriterionAgreement(c.label, result.metric, result.alpha, result.n_units))
    return tuple(rows)


def _responses_since_previous_session(s: Session, review: ReviewSession) -> tuple[FeedbackResponse, ...]:
    """Officers' responses received after the previous session's day, up to this session's day, to
    reports on searches from other sessions."""
    this_day = session_day(s, review)
    earlier = [session_day(s, other) for other in s.scalars(select(ReviewSession).where(ReviewSession.id != review.id))]
    previous = max((d for d in earlier if d < this_day), default=None)
    query = select(FeedbackReport).where(FeedbackReport.kind == "officer", FeedbackReport.status.in_(FINAL_STATUSES),
                                         FeedbackReport.response_received_on.is_not(None),
                                         FeedbackReport.response_received_on <= this_day)
    if previous is not None:
        query = query.where(FeedbackReport.response_received_on > previous)
    responses = []
    for report in s.scalars(query.order_by(FeedbackReport.response_received_on, FeedbackReport.id)):
        covered = list(s.execute(select(SessionItem.session_id, ReviewSession.name, FeedbackReportItem.item_id)
                                 .join(SessionItem, SessionItem.id == FeedbackReportItem.item_id)
                                 .join(ReviewSession, ReviewSession.id == SessionItem.session_id)
                                 .where(FeedbackReportItem.report_row_id == report.id)))
        if not covered or any(session_id == review.id for session_id, _, _ in covered):
            continue
        rags = _rags_of(s, [i for _, _, i in covered])
        responses.append(FeedbackResponse(report.report_id, "; ".join(sorted({name for _, name, _ in covered})),
                                          worst_rag(rags) or Rag.GREEN, report.officer_response,
                                          report.response_received_on))
    return tuple(responses)


def _rags_of(s: Session, item_ids: Sequence[int]) -> list[Rag]:
    return [Rag(consensus.rag) for _, _, consensus in s.execute(
        reviewed_items_query().where(SessionItem.id.in_(list(item_ids))))]


# --- Sampling certificate ----------------------------------------------------------------------------


def build_certificate(s: Session, meta: ReportMeta, cert: Mapping[str, Any], *, certificate_sha256: str,
                      published_commitment: str = "") -> SamplingCertificate:
    """A certificate (as recorded with its run, or as read from its JSON file) ready to print. The number
    selected per stratum is counted from the stops' recorded values."""
    try:
        created_at = datetime.fromisoformat(str(cert["created_at"]).replace("Z", "+00:00"))
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=timezone.utc)
        selection = tuple(str(r) for r in cert["selection"])
        strata_field = cert.get("strata_field")
        quotas_raw = {str(k): int(v) for k, v in (cert.get("quotas") or {}).items()}
        filters = _filters_text(cert.get("filters") or {})
        fields = dict(algorithm=str(cert["algorithm"]), seed=str(cert["seed"]), allocation=str(cert["allocation"]),
                      sample_size=cert.get("sample_size"), max_per_officer=cert.get("max_per_officer"),
                      require_footage=bool(cert.get("require_footage")),
                      population_size=int(cert["population_size"]),
                      population_digest=str(cert["population_digest"]),
                      skipped=tuple(str(r) for r in cert.get("skipped_no_footage", [])),
                      created_by=str(cert["created_by"]))
    except (KeyError, TypeError, ValueError) as exc:
        from reviewtool.core.errors import ValidationError

        raise ValidationError(f"certificate: not a sampling certificate ({exc})") from None
    selected: Counter[str] = Counter()
    if strata_field:
        from reviewtool.core.sampling_service import field_column

        column = field_column(strata_field)
        query = select(column).select_from(StopRecord).where(StopRecord.reference.in_(selection))
        if strata_field == "officer":
            query = query.join(OfficerRow, OfficerRow.id == StopRecord.officer_id)
        for (value,) in s.execute(query):
            selected["" if value is None else str(value)] += 1
    else:
        selected[""] = len(selection)
    quotas = tuple(StratumQuota(value, quota, None, selected.get(value, 0))
                   for value, quota in sorted(quotas_raw.items()))
    return SamplingCertificate(
        meta=meta, algorithm=fields["algorithm"], seed=fields["seed"], filters=filters, strata_field=strata_field,
        allocation=fields["allocation"], sample_size=fields["sample_size"], quotas=quotas,
        max_per_officer=fields["max_per_officer"], require_footage=fields["require_footage"],
        population_size=fields["population_size"], population_digest=fields["population_digest"],
        selection=selection, skipped_no_footage=fields["skipped"], created_at=created_at,
        created_by=fields["created_by"], published_commitment=published_commitment,
        certificate_sha256=certificate_sha256)


def _filters_text(filters: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for name, value in sorted((filters.get("where") or {}).items()):
        out.append((name, str(value) if value != "" else "(no value recorded)"))
    for key, label in (("from", "first day"), ("to", "last day"), ("area", "area")):
        if filters.get(key):
            out.append((label, str(filters[key])))
    return tuple(out)


# --- Public summary ------------------------------------------------------------------------------------


def build_public_summary(s: Session, meta: ReportMeta, day_from: date, day_to: date, period_label: str,
                         rubrics: GatherCache) -> PublicSummary:
    """Counts over the stops made on the local days `day_from`..`day_to` (inclusive)."""
    start, end = local_bounds(day_from, day_to)
    in_period = (StopRecord.occurred_at >= start, StopRecord.occurred_at < end)
    searches = s.scalar(select(func.count()).select_from(StopRecord).where(*in_period)) or 0
    sampled = list(s.execute(select(SessionItem, StopRecord).join(StopRecord, StopRecord.id == SessionItem.stop_id)
                             .where(*in_period, SessionItem.status != "removed")))
    reviewed = list(s.execute(reviewed_items_query().where(*in_period)))
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    by_outcome: dict[str, Counter[str]] = defaultdict(Counter)
    for _, stop, consensus in reviewed:
        by_type[stop.type][consensus.rag] += 1
        by_outcome[OUTCOME_GROUP_LABELS.get(stop.outcome_group or "", OUTCOME_GROUP_LABELS[""])][consensus.rag] += 1
    total = Counter(consensus.rag for _, _, consensus in reviewed)
    return PublicSummary(
        meta=meta, period_label=period_label, period_start=day_from, period_end=day_to,
        sessions_held=len({item.session_id for item, _, _ in reviewed}),
        searches_in_period=searches, sampled=len(sampled),
        no_footage=sum(1 for item, _ in sampled if item.footage_id is None),
        rag=_counts(total),
        by_search_type=_groups(by_type), by_outcome_group=_groups(by_outcome),
        themes=_themes(s, reviewed, rubrics),
        actions=_public_actions(s, reviewed),
        responses=_public_responses(s, reviewed),
    )


def _counts(counter: Mapping[str, int]) -> RagCounts:
    return RagCounts(green=counter.get("green", 0), amber=counter.get("amber", 0), red=counter.get("red", 0))


def _groups(groups: Mapping[str, Counter[str]]) -> tuple[GroupRag, ...]:
    ordered = sorted(groups.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    return tuple(GroupRag(label, _counts(counts)) for label, counts in ordered)


def _themes(s: Session, reviewed: Sequence[tuple[SessionItem, StopRecord, Any]],
            rubrics: GatherCache) -> tuple[Theme, ...]:
    """Themes from the panel's answers, in rubric words: no free text, so no one can be named."""
    if not reviewed:
        return ()
    scores: dict[int, list[Score]] = defaultdict(list)
    for score in s.scalars(select(Score).where(Score.item_id.in_([item.id for item, _, _ in reviewed]))):
        scores[score.item_id].append(score)
    missed: Counter[str] = Counter()
    camera_late = commended = 0
    for item, _, consensus in reviewed:
        rubric = rubrics.get(s, item.session.rubric_id)
        missed.update(gowisely_missed(rubric, scores[item.id]))
        camera = [sc.answer for sc in scores[item.id] if sc.criterion_id == "camera_started" and sc.answer]
        if camera and sum(a in ("late", "no") for a in camera) * 2 > len(camera):
            camera_late += 1
        if lines_of(consensus.commendations):
            commended += 1
    n = len(reviewed)
    themes = []
    if missed:
        top = "; ".join(f"{_short(label)} ({count})" for label, count in missed.most_common(3))
        themes.append(Theme("Information given before a search (GOWISELY)",
                            f"Of the {n} searches reviewed, the items the panel most often found were not given "
                            f"(number of searches): {top}."))
    else:
        themes.append(Theme("Information given before a search (GOWISELY)",
                            f"The panel found every GOWISELY item given in the {n} searches reviewed."))
    if camera_late:
        themes.append(Theme("Starting the camera", f"In {camera_late} of {n} searches most members found the camera "
                                                   "was started late or not at all."))
    if commended:
        themes.append(Theme("Good practice", f"The panel recorded commendations for {commended} of {n} searches."))
    return tuple(themes)


def _short(label: str) -> str:
    """A GOWISELY label without its letter and notes: "S — Station the officer works from" → "Station …"."""
    text = label.split("—", 1)[-1].split("(", 1)[0].strip()
    return text or label


def _reports_for(s: Session, item_ids: Sequence[int]) -> list[FeedbackReport]:
    return list(s.scalars(select(FeedbackReport).distinct().join(
        FeedbackReportItem, FeedbackReportItem.report_row_id == FeedbackReport.id).where(
        FeedbackReport.kind == "officer", FeedbackReportItem.item_id.in_(list(item_ids))).order_by(FeedbackReport.id)))


def _public_actions(s: Session, reviewed: Sequence[tuple[SessionItem, StopRecord, Any]]) -> tuple[PublicAction, ...]:
    if not reviewed:
        return ()
    item_ids = [item.id for item, _, _ in reviewed]
    reports = [r for r in _reports_for(s, item_ids) if r.status in FINAL_STATUSES]
    covered = set(s.scalars(select(FeedbackReportItem.item_id).where(
        FeedbackReportItem.report_row_id.in_([r.id for r in reports])))) & set(item_ids)
    acknowledged = sum(1 for r in reports if r.status == "acknowledged")
    actions = [PublicAction(
        f"Feedback on the reviewed searches given to each officer through their supervisor: {len(covered)} of "
        f"{len(item_ids)} searches in approved reports; {acknowledged} of {len(reports)} reports acknowledged by "
        "the officer.",
        "Done" if reports and acknowledged == len(reports) and len(covered) == len(item_ids)
        else "In progress" if reports else "Open")]
    referred = sum(1 for _, _, consensus in reviewed if consensus.refer)
    if referred:
        actions.append(PublicAction(f"{referred} searches referred to a senior officer for review.", "Referred"))
    return tuple(actions)


def _public_responses(s: Session, reviewed: Sequence[tuple[SessionItem, StopRecord, Any]]) -> tuple[str, ...]:
    """Officers' responses, each introduced by the rating it answers, scrubbed of every known name."""
    item_ids = [item.id for item, _, _ in reviewed]
    reports = [r for r in _reports_for(s, item_ids) if r.status in FINAL_STATUSES and r.officer_response.strip()]
    if not reports:
        return ()
    names: list[str] = []
    for display, identifier in s.execute(select(OfficerRow.display_name, OfficerRow.identifier)):
        names += [display or "", identifier, *(display or "").split()[-1:]]  # full name, collar, surname
    names += [n for n in s.scalars(select(User.display_name))]
    names += [n for n in s.scalars(select(User.username))]
    names += [n for n in s.scalars(select(PanelMember.name))]
    names += [stop.reference for _, stop, _ in reviewed]
    out = []
    for report in reports:
        rag = worst_rag(_rags_of(s, list(s.scalars(select(FeedbackReportItem.item_id).where(
            FeedbackReportItem.report_row_id == report.id))))) or Rag.GREEN
        out.append(f"Response to feedback on {rag.label.lower()}-rated searches: "
                   f"{scrub(report.officer_response.strip(), names, NAME_REMOVED)}")
    return tuple(out)

