"""What the planning dialog asks before a sample is drawn, the certificate it prints afterwards, and
the rubric a session's scoring forms are generated from.

The liaison officer chooses filters, strata and quotas while the panel watches, so the dialog needs
quick answers: which values a field takes, how many eligible stops each stratum holds (and how many
of those have footage), what the proportional quotas would come to. The draw itself is
`SamplingService.run`; this module only reads, through the same population query the draw uses
(`load_population`), so a preview can never disagree with the certificate.

The certificate PDF (`certificate_pdf`) turns a stored `SamplingRun` into the report renderer's plain
data. Generating it is a disclosure of the seed and the selection, so it is audited as a report.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Mapping

from sqlalchemy import func, select

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import NotFound, ValidationError
from reviewtool.core.models import ReviewSession, SamplingRun, StopRecord
from reviewtool.core.rubric import RubricDefinition, rubric_of
from reviewtool.core.sampling import SamplingSpec, allocate_proportional, population_digest
from reviewtool.core.sampling_service import (
    LONDON,
    SAMPLING_FIELDS,
    SamplingFilters,
    field_column,
    load_population,
)
from reviewtool.core.sessions import load_session, participant_member

#: Plain-English names of the fields a sample can be filtered or stratified by.
FIELD_LABELS: dict[str, str] = {
    "age_range": "Age range",
    "area": "Area",
    "gender": "Gender",
    "legislation": "Legislation",
    "object_of_search": "Object of search",
    "officer": "Officer (collar number)",
    "officer_defined_ethnicity": "Officer-defined ethnicity",
    "outcome": "Outcome",
    "outcome_group": "Outcome group",
    "outcome_linked_to_object_of_search": "Outcome linked to object",
    "part_of_policing_operation": "Part of a policing operation",
    "policing_operation": "Policing operation",
    "removal_of_more_than_just_outer_clothing": "More than outer clothing removed",
    "self_defined_ethnicity": "Self-defined ethnicity",
    "self_defined_ethnicity_group": "Self-defined ethnicity group",
    "team": "Team",
    "type": "Type of search",
}
MAX_VALUES = 500
ORGANISATION = "Community scrutiny of stop and search"


@dataclass(frozen=True)
class SamplingField:
    name: str  # snake_case, as in certificates and `--where`
    label: str


@dataclass(frozen=True)
class StratumPreview:
    value: str  # "" is the stratum of stops with no value recorded
    eligible: int
    with_footage: int


@dataclass(frozen=True)
class PopulationPreview:
    strata_field: str | None
    strata: tuple[StratumPreview, ...]  # in stratum (string) order, as the draw walks them

    @property
    def eligible(self) -> int:
        return sum(s.eligible for s in self.strata)

    @property
    def with_footage(self) -> int:
        return sum(s.with_footage for s in self.strata)

    def counts(self) -> dict[str, int]:
        return {s.value: s.eligible for s in self.strata}

    def proportional_quotas(self, sample_size: int) -> dict[str, int]:
        """The quotas `hmac-bottomk/1` would give each stratum for this sample size."""
        return allocate_proportional(sample_size, self.counts())


@dataclass(frozen=True)
class DataSpan:
    """What the stop records on file cover: the default date range of a plan."""

    stops: int
    first_day: date | None  # Europe/London calendar days
    last_day: date | None
    areas: tuple[str, ...]


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    seed: str
    seed_commitment: str
    population_size: int
    selected: int
    skipped_no_footage: int
    created_at: datetime
    created_by: str
    certificate: dict[str, Any]


def stratum_label(value: str) -> str:
    return value if value else "(no value recorded)"


class PlanningService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- what can be chosen ----------------------------------------------------------------------

    @staticmethod
    def fields() -> list[SamplingField]:
        return sorted((SamplingField(name, FIELD_LABELS.get(name, name.replace("_", " ").capitalize()))
                       for name in SAMPLING_FIELDS), key=lambda f: f.label)

    def span(self, actor: Actor) -> DataSpan:
        actor.require(Permission.SAMPLE)
        with self.db.read() as s:
            count, first, last = s.execute(select(func.count(StopRecord.id), func.min(StopRecord.occurred_at),
                                                  func.max(StopRecord.occurred_at))).one()
            areas = tuple(a for a in s.scalars(select(StopRecord.area).distinct().order_by(StopRecord.area)) if a)
        return DataSpan(count or 0, _local_day(first), _local_day(last), areas)

    def values(self, actor: Actor, field: str, filters: SamplingFilters | None = None) -> list[str]:
        """The values `field` takes among the (filtered) stops, as the draw would spell them as strata;
        "" stands for stops with no value. At most MAX_VALUES, most frequent first then alphabetical."""
        actor.require(Permission.SAMPLE)
        with self.db.read() as s:
            population = load_population(s, filters or SamplingFilters(), field)
        counts: dict[str, int] = {}
        for v in population.strata_values or ():
            key = _stratum_text(v)
            counts[key] = counts.get(key, 0) + 1
        ordered = sorted(counts, key=lambda v: (-counts[v], v))
        return ordered[:MAX_VALUES]

    def preview(self, actor: Actor, filters: SamplingFilters, strata_field: str | None) -> PopulationPreview:
        """Eligible stops per stratum, and how many of them have footage (for "require footage")."""
        actor.require(Permission.SAMPLE)
        if strata_field is not None:
            field_column(strata_field)  # names the field in a ValidationError if unknown
        with self.db.read() as s:
            population = load_population(s, filters, strata_field)
        eligible: dict[str, int] = {}
        footage: dict[str, int] = {}
        values = population.strata_values if population.strata_values is not None else [None] * len(population)
        for value, has in zip(values, population.has_footage):
            key = _stratum_text(value)
            eligible[key] = eligible.get(key, 0) + 1
            footage[key] = footage.get(key, 0) + (1 if has else 0)
        strata = tuple(StratumPreview(v, eligible[v], footage[v]) for v in sorted(eligible))
        return PopulationPreview(strata_field, strata)

    # --- the meeting's form ------------------------------------------------------------------------

    def rubric_for_session(self, actor: Actor, session_id: int) -> RubricDefinition:
        """The rubric version the session is bound to (the scoring forms are generated from it).
        Anyone who may see the session may read it: its planners and the members taking part."""
        with self.db.read() as s:
            review = load_session(s, session_id)
            participant_member(s, actor, review.id)
            return rubric_of(review.rubric)

    # --- after the draw ----------------------------------------------------------------------------

    def run_for_session(self, actor: Actor, session_id: int) -> RunSummary | None:
        """The sampling run a session was drawn by (None for a session planned without a draw)."""
        _require_certificate_reader(actor)
        with self.db.read() as s:
            review = s.get(ReviewSession, session_id)
            if review is None:
                raise NotFound(f"there is no session with id {session_id}")
            run = review.sampling_run
            return None if run is None else _summary(run)

    def run(self, actor: Actor, run_id: int) -> RunSummary:
        _require_certificate_reader(actor)
        with self.db.read() as s:
            run = s.get(SamplingRun, run_id)
            if run is None:
                raise NotFound(f"there is no sampling run with id {run_id}")
            return _summary(run)

    def certificate_pdf(self, actor: Actor, run_id: int, published_commitment: str = "") -> bytes:
        """The sampling certificate as a PDF (audited as a report). `published_commitment` is the seed
        commitment published before the meeting, if there was one: the PDF says whether it matches."""
        from reviewtool.reports.certificate import render_sampling_certificate
        from reviewtool.reports.data import AuditHead, ReportMeta, SamplingCertificate, StratumQuota

        _require_certificate_reader(actor)
        with self.db.session() as s:
            run = s.get(SamplingRun, run_id)
            if run is None:
                raise NotFound(f"there is no sampling run with id {run_id}")
            cert = dict(run.certificate)
            head = audit.head(s)
            now = utcnow()
            report_id = f"CERT-{run.id}-{now:%Y%m%d%H%M%S}"
            with_population = _stratum_populations(s, cert)
            data = SamplingCertificate(
                meta=ReportMeta(report_id=report_id, generated_at=now, audit_head=AuditHead(head.seq, head.hash),
                                organisation=ORGANISATION),
                algorithm=cert["algorithm"], seed=cert["seed"],
                filters=tuple((k, _filter_text(v)) for k, v in sorted((cert.get("filters") or {}).items())),
                strata_field=cert.get("strata_field"), allocation=cert["allocation"],
                sample_size=cert.get("sample_size"),
                quotas=tuple(StratumQuota(v, q, with_population.get(v), None) for v, q in cert["quotas"].items()),
                max_per_officer=cert.get("max_per_officer"), require_footage=bool(cert.get("require_footage")),
                population_size=cert["population_size"], population_digest=cert["population_digest"],
                selection=tuple(cert["selection"]), skipped_no_footage=tuple(cert["skipped_no_footage"]),
                created_at=datetime.strptime(cert["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc),
                created_by=cert["created_by"],
                published_commitment=(published_commitment.strip() or run.published_commitment or ""),
                certificate_sha256=certificate_sha256(cert))
            rendered = render_sampling_certificate(data)
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.REPORT,
                         object_type="sampling_run", object_id=run.id,
                         details={"kind": "certificate", "report_id": report_id, "pdf_sha256": rendered.sha256,
                                  "pages": rendered.page_count})
        return rendered.pdf


def certificate_json(cert: Mapping[str, Any]) -> str:
    """The certificate as the file `sample verify` reads (stable key order, UTF-8)."""
    return json.dumps(cert, indent=2, ensure_ascii=False) + "\n"


def certificate_sha256(cert: Mapping[str, Any]) -> str:
    return hashlib.sha256(certificate_json(cert).encode("utf-8")).hexdigest()


def spec_problem(spec_args: Mapping[str, Any]) -> str | None:
    """Why these choices do not make a valid `SamplingSpec`, as one sentence (None if they do)."""
    try:
        SamplingSpec(**spec_args)
    except ValueError as exc:
        return str(exc)
    return None


def _require_certificate_reader(actor: Actor) -> None:
    if not (actor.can(Permission.SAMPLE) or actor.can(Permission.VIEW_REPORTS)):
        actor.require(Permission.SAMPLE)


def _summary(run: SamplingRun) -> RunSummary:
    cert = dict(run.certificate)
    return RunSummary(run.id, run.seed, run.seed_commitment, run.population_size, len(cert.get("selection", [])),
                      len(cert.get("skipped_no_footage", [])), run.created_at, run.created_by, cert)


def _stratum_populations(s: Any, cert: Mapping[str, Any]) -> dict[str, int]:
    """Eligible stops per stratum at the draw. The certificate holds only the quotas, so they are
    counted again -- and given only if the stops on file are still exactly the drawn population."""
    try:
        population = load_population(s, SamplingFilters.from_json(cert.get("filters") or {}), cert.get("strata_field"))
    except ValidationError:
        return {}
    if population_digest(population.references) != cert.get("population_digest"):
        return {}
    counts: dict[str, int] = {}
    values = population.strata_values if population.strata_values is not None else [None] * len(population)
    for v in values:
        key = _stratum_text(v)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _stratum_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _filter_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} = {v if v != '' else '(no value)'}" for k, v in value.items())
    return str(value)


def _local_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(LONDON).date()
