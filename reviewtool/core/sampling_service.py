"""Sampling against the database: build the eligible population from the filters, draw with
`hmac-bottomk/1` (reviewtool.core.sampling), record the run and its certificate, and optionally
create the review session with its items.

Filters are recorded in the certificate exactly as given (`where`, `from`, `to`, `area`), so
`verify` rebuilds the same population from the certificate alone.  Dates are local
(Europe/London) calendar days, inclusive, turned into UTC bounds here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import ValidationError
from reviewtool.core.models import Officer, ReviewSession, SamplingRun, SessionItem, StopFootage, StopRecord
from reviewtool.core.rubric import RubricDefinition, default_rubric, ensure_rubric
from reviewtool.core.sampling import (
    CertificateError,
    Population,
    SampleResult,
    SamplingSpec,
    VerifyResult,
    draw_sample,
    make_certificate,
    seed_commitment,
    verify_certificate,
)

LONDON = ZoneInfo("Europe/London")

# Stop fields that can filter or stratify, and the column holding each.
_FIELD_COLUMNS: dict[str, Any] = {
    "type": StopRecord.type,
    "part_of_policing_operation": StopRecord.part_of_policing_operation,
    "policing_operation": StopRecord.policing_operation,
    "gender": StopRecord.gender,
    "age_range": StopRecord.age_range,
    "self_defined_ethnicity": StopRecord.self_defined_ethnicity,
    "self_defined_ethnicity_group": StopRecord.self_defined_ethnicity_group,
    "officer_defined_ethnicity": StopRecord.officer_defined_ethnicity,
    "legislation": StopRecord.legislation,
    "object_of_search": StopRecord.object_of_search,
    "outcome": StopRecord.outcome,
    "outcome_group": StopRecord.outcome_group,
    "outcome_linked_to_object_of_search": StopRecord.outcome_linked_to_object_of_search,
    "removal_of_more_than_just_outer_clothing": StopRecord.removal_of_more_than_just_outer_clothing,
    "team": StopRecord.team,
    "area": StopRecord.area,
    "officer": Officer.identifier,
}
SAMPLING_FIELDS = tuple(sorted(_FIELD_COLUMNS))
_BOOLEAN_FIELDS = {"part_of_policing_operation", "outcome_linked_to_object_of_search",
                   "removal_of_more_than_just_outer_clothing"}


def field_column(name: str) -> Any:
    try:
        return _FIELD_COLUMNS[name]
    except KeyError:
        raise ValidationError(f"field: {name!r} is not a stop field (use one of {', '.join(SAMPLING_FIELDS)})") from None


def local_day_bounds(day_from: date | None, day_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive local calendar days → [start, end) in UTC (a 'June' runs from 23:00 UTC on 31 May)."""
    start = datetime.combine(day_from, time.min, LONDON).astimezone(timezone.utc) if day_from else None
    end = datetime.combine(day_to + timedelta(days=1), time.min, LONDON).astimezone(timezone.utc) if day_to else None
    return start, end


@dataclass(frozen=True)
class SamplingFilters:
    where: Mapping[str, str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    area: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.where:
            out["where"] = dict(sorted(self.where.items()))
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        if self.area:
            out["area"] = self.area
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "SamplingFilters":
        unknown = set(data) - {"where", "from", "to", "area"}
        if unknown:
            raise ValidationError(f"filters: unknown keys {', '.join(sorted(unknown))}")
        try:
            return cls(where=data.get("where") or None,
                       date_from=date.fromisoformat(data["from"]) if data.get("from") else None,
                       date_to=date.fromisoformat(data["to"]) if data.get("to") else None,
                       area=data.get("area"))
        except ValueError as exc:
            raise ValidationError(f"filters: {exc}") from None

    def conditions(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        for name, value in (self.where or {}).items():
            column = field_column(name)
            if name in _BOOLEAN_FIELDS:
                if value not in ("True", "False", ""):
                    raise ValidationError(f"--where {name}: use True, False or an empty value")
                conds.append(column.is_(None) if value == "" else column.is_(value == "True"))
            else:
                conds.append(column.is_(None) if value == "" else column == value)
        start, end = local_day_bounds(self.date_from, self.date_to)
        if start is not None:
            conds.append(StopRecord.occurred_at >= start)
        if end is not None:
            conds.append(StopRecord.occurred_at < end)
        if self.area:
            conds.append(StopRecord.area == self.area)
        return conds


def _raw_rows(session: Session, query: Any) -> list[tuple[Any, ...]]:
    """Plain driver tuples for a million-row read: the columns here are text and integers, which
    need no result processing, and skipping SQLAlchemy's Row objects halves the time."""
    result = session.connection().execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def load_population(session: Session, filters: SamplingFilters, strata_field: str | None) -> Population:
    """The eligible stops as columns, in reference (code-point) order.

    Officers are identified by their row id (one row per collar number), so the per-officer cap
    groups exactly as it would by collar number without joining the officers table for a million
    rows.  Which stops have footage is read once from the (much smaller) link table."""
    uses_officer = strata_field == "officer" or "officer" in (filters.where or {})
    strata_col = field_column(strata_field) if strata_field else StopRecord.id
    query = select(StopRecord.id, StopRecord.reference, StopRecord.officer_id, strata_col).select_from(StopRecord)
    if uses_officer:
        query = query.outerjoin(Officer, StopRecord.officer_id == Officer.id)
    conds = filters.conditions()
    if conds:
        query = query.where(and_(*conds))
    # In code-point order, so the population digest's sort has almost nothing to do.
    reference = StopRecord.reference if session.get_bind().dialect.name == "sqlite" else StopRecord.reference.collate("C")
    rows = _raw_rows(session, query.order_by(reference))
    with_footage = {r[0] for r in _raw_rows(session, select(StopFootage.stop_id).distinct())}
    if not rows:
        return Population(strata_field, [], [], [], [] if strata_field else None)
    ids, references, officers, values = zip(*rows)
    if strata_field in _BOOLEAN_FIELDS:  # raw SQLite gives 0/1
        values = tuple(None if v is None else bool(v) for v in values)
    has_footage = [i in with_footage for i in ids]
    return Population(strata_field, references, officers, has_footage, values if strata_field else None)


def population_by_stratum(session: Session, filters: SamplingFilters, strata_field: str | None) -> dict[str, int]:
    """Preview for the planning dialog: eligible stops per stratum value."""
    population = load_population(session, filters, strata_field)
    counts: dict[str, int] = {}
    values = population.strata_values if population.strata_values is not None else [""] * len(population)
    for v in values:
        key = "" if v is None else (str(v))
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class SamplingOutcome:
    run_id: int
    certificate: dict[str, Any]
    result: SampleResult
    session_id: int | None
    session_name: str | None


class SamplingService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def run(self, actor: Actor, spec: SamplingSpec, *, session_name: str | None = None,
            rubric: RubricDefinition | None = None, published_commitment: str | None = None) -> SamplingOutcome:
        """Draw and record a sample.  `published_commitment`, when the seed's commitment was published
        before the meeting, must match the seed (else nothing is drawn) and is recorded with the run."""
        actor.require(Permission.SAMPLE)
        filters = SamplingFilters.from_json(spec.filters)
        if published_commitment is not None:
            published_commitment = published_commitment.strip().lower()
            if published_commitment != seed_commitment(spec.seed):
                raise ValidationError("seed: it does not match the commitment published before the meeting "
                                      f"({published_commitment[:16]}…); check the seed as typed")
        with self.db.session() as s:
            if session_name is not None:
                if not session_name.strip():
                    raise ValidationError("--session: the session needs a name")
                if s.scalar(select(ReviewSession.id).where(ReviewSession.name == session_name)) is not None:
                    raise ValidationError(f"--session: a session called {session_name!r} already exists")
            population = load_population(s, filters, spec.strata_field)
            result = draw_sample(spec, population)
            certificate = make_certificate(spec, result, actor.username, utcnow())
            run = SamplingRun(algorithm=certificate["algorithm"], seed=spec.seed,
                              seed_commitment=seed_commitment(spec.seed), published_commitment=published_commitment,
                              population_size=result.population_size,
                              population_digest=result.population_digest, certificate=certificate,
                              created_by=actor.username)
            s.add(run)
            s.flush()
            event = audit.record(s, actor=actor.username, role=actor.role, action=Actions.SAMPLE,
                                 object_type="sampling_run", object_id=run.id,
                                 details={"population": result.population_size, "selected": len(result.selection),
                                          "skipped_no_footage": len(result.skipped_no_footage),
                                          "digest": result.population_digest, "session": session_name or ""})
            certificate = {**certificate, "audit_head": f"{event.seq}:{event.hash}"}
            run.certificate = certificate
            flag_modified(run, "certificate")  # JSON columns do not track changes inside the value
            session_id = None
            if session_name is not None:
                session_id = self._create_session(s, actor, session_name, run, result, rubric or default_rubric())
        return SamplingOutcome(run.id, certificate, result, session_id, session_name)

    def _create_session(self, s: Session, actor: Actor, name: str, run: SamplingRun, result: SampleResult,
                        rubric: RubricDefinition) -> int:
        rubric_row = ensure_rubric(s, rubric)
        review = ReviewSession(name=name, rubric_id=rubric_row.id, sampling_run_id=run.id, created_by=actor.username)
        s.add(review)
        s.flush()
        stops = {st.reference: st for st in s.scalars(select(StopRecord).where(StopRecord.reference.in_(result.selection)))}
        for position, reference in enumerate(result.selection, start=1):
            stop = stops[reference]
            clip = min(stop.footage, key=lambda f: f.id) if stop.footage else None
            s.add(SessionItem(session_id=review.id, stop_id=stop.id, position=position,
                              footage_id=clip.id if clip else None))
        s.flush()
        audit.record(s, actor=actor.username, role=actor.role, action=Actions.SESSION_CREATE,
                     object_type="review_session", object_id=review.id,
                     details={"name": name, "items": len(result.selection), "sampling_run": run.id,
                              "rubric": f"{rubric.key}/{rubric.version}"})
        return review.id

    def verify(self, actor: Actor, certificate: Mapping[str, Any], commitment: str | None = None) -> VerifyResult:
        try:
            filters = SamplingFilters.from_json(certificate.get("filters") or {})
        except AttributeError:
            raise CertificateError("certificate: not a JSON object") from None
        with self.db.read() as s:
            population = load_population(s, filters, certificate.get("strata_field"))
        return verify_certificate(certificate, population, commitment=commitment)
