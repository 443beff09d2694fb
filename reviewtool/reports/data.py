"""What each report needs, as plain frozen data.

The reporting service fills these from the database; the renderers never see a session, a model or a
user table. Two rules are built into the shapes rather than left to care:

* people on the panel appear only as a number (`PanelComment.member_number`) or initials
  (`Attendee.initials`): there is nowhere to put a panel member's name in an officer report;
* the public summary holds only counts and panel-authored text: it has no field for an officer, a stop
  reference or a subject.

Datetimes are UTC-aware instants (the renderers show them in Europe/London time); a naive datetime is
rejected on construction because its meaning would be a guess. Text fields are shown literally: "" is
printed as empty (or as "none recorded" where absence means something), never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


def _require_aware(owner: object, name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{type(owner).__name__}.{name} must be timezone-aware, got naive {value!r}")


class Rag(StrEnum):
    """The panel's traffic-light outcome for one stop."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AnswerTone(StrEnum):
    """How a rubric answer reads, so one chart can show criteria with different answer scales.

    The reporting service maps each rubric answer to a tone (e.g. Yes/Given/4-5 → GOOD,
    Partly/Late/3 → PARTLY, No/Not given/1-2/Cut short → CONCERN, Not applicable → NOT_APPLICABLE,
    Can't tell/Not audible → CANT_TELL).
    """

    GOOD = "good"
    PARTLY = "partly"
    CONCERN = "concern"
    NOT_APPLICABLE = "not_applicable"
    CANT_TELL = "cant_tell"


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The audit chain's head when the report was made (`audit verify --expect-head SEQ:HASH`)."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """Printed on every page: who the report is from, its id, and the audit head it was made at.

    `draft` marks a document that is not final (an officer report its supervisor has not approved):
    every page then says so, in a band under the header and a light diagonal watermark."""

    report_id: str
    generated_at: datetime
    audit_head: AuditHead
    organisation: str
    draft: bool = False

    def __post_init__(self) -> None:
        _require_aware(self, "generated_at", self.generated_at)


@dataclass(frozen=True, slots=True)
class Consensus:
    """What the panel agreed after discussion for one stop."""

    rag: Rag
    summary: str
    commendations: tuple[str, ...] = ()
    learning_points: tuple[str, ...] = ()
    referred: bool = False


# --- Officer feedback ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Officer:
    name: str
    collar_number: str
    team: str = ""


@dataclass(frozen=True, slots=True)
class PanelComment:
    """A panel member's comment. Members are numbered within the session; names never reach here."""

    member_number: int
    text: str
    criterion_label: str = ""
    clip_time: float | None = None  # seconds into the clip, when the comment is pinned to a moment


@dataclass(frozen=True, slots=True)
class FacilitatorNote:
    """A note the meeting's facilitator pinned to the clip: context for the officer, not a panel
    member's judgement, so it is kept apart from `PanelComment` and never numbered as a member."""

    text: str
    clip_time: float | None = None


@dataclass(frozen=True, slots=True)
class ReviewedStop:
    """One stop as the officer sees it: the search, not the person searched."""

    reference: str
    occurred_at: datetime
    search_type: str
    legislation: str
    object_of_search: str
    outcome: str
    consensus: Consensus
    gowisely_missed: tuple[str, ...] = ()  # labels of the GOWISELY items the panel found not given
    comments: tuple[PanelComment, ...] = ()
    facilitator_notes: tuple[FacilitatorNote, ...] = ()  # in clip-time order

    def __post_init__(self) -> None:
        _require_aware(self, "occurred_at", self.occurred_at)


@dataclass(frozen=True, slots=True)
class AnswerCount:
    label: str  # the rubric's answer label, e.g. "Partly", "Not given", "4"
    count: int
    tone: AnswerTone


@dataclass(frozen=True, slots=True)
class CriterionAnswers:
    """All panel members' answers to one criterion over the officer's stops, in rubric order."""

    label: str
    answers: tuple[AnswerCount, ...]


@dataclass(frozen=True, slots=True)
class SignOff:
    """Filled in as the report moves on; empty parts print as lines to sign on paper."""

    supervisor_name: str = ""
    supervisor_approved_on: date | None = None
    officer_acknowledged_on: date | None = None


@dataclass(frozen=True, slots=True)
class OfficerFeedbackReport:
    meta: ReportMeta
    officer: Officer
    session_title: str
    session_date: date
    stops: tuple[ReviewedStop, ...]
    answers: tuple[CriterionAnswers, ...] = ()
    summary: str = ""  # the supervisor's summary for the officer, printed first under its own heading
    supervisor_note: str = ""  # the supervisor's own note (e.g. of the debrief), in its box near the end
    officer_response: str = ""
    sign_off: SignOff = field(default_factory=SignOff)


# --- Session minutes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attendee:
    initials: str
    role: str  # e.g. "Chair", "Panel member", "Police liaison", "Observer"
    present: bool = True


@dataclass(frozen=True, slots=True)
class SamplingSummary:
    certificate: str  # how the certificate is known: its file name or SHA-256
    algorithm: str
    seed: str  # "" when the searches were not chosen by a recorded draw
    published_commitment: str  # the commitment published before the meeting; "" when none was recorded
    population_size: int
    population_digest: str
    selection_count: int


@dataclass(frozen=True, slots=True)
class MinutesItem:
    number: int
    reference: str
    occurred_at: datetime
    search_type: str
    outcome: str
    consensus: Consensus

    def __post_init__(self) -> None:
        _require_aware(self, "occurred_at", self.occurred_at)


@dataclass(frozen=True, slots=True)
class MissingFootage:
    """A sampled stop with no footage: a finding to follow up, not a gap to skip."""

    reference: str
    occurred_at: datetime
    search_type: str
    follow_up: str

    def __post_init__(self) -> None:
        _require_aware(self, "occurred_at", self.occurred_at)


@dataclass(frozen=True, slots=True)
class RemovedItem:
    """A sampled search taken off the agenda, with the reason recorded when it was removed."""

    number: int
    reference: str
    occurred_at: datetime
    search_type: str
    reason: str

    def __post_init__(self) -> None:
        _require_aware(self, "occurred_at", self.occurred_at)


@dataclass(frozen=True, slots=True)
class CriterionAgreement:
    label: str
    metric: str  # "nominal" or "ordinal"
    alpha: float | None  # None when alpha is undefined (too few pairable answers, or no variation)
    n: int  # items the criterion was answered on by at least two members


@dataclass(frozen=True, slots=True)
class ActionItem:
    text: str
    owner: str  # a role or initials
    due: date | None = None


@dataclass(frozen=True, slots=True)
class FeedbackResponse:
    """An officer's (or supervisor's) response to feedback from an earlier session."""

    report_id: str
    session_title: str
    rag: Rag
    response: str
    received_on: date | None = None


@dataclass(frozen=True, slots=True)
class SessionMinutes:
    meta: ReportMeta
    session_title: str
    held_at: datetime
    location: str
    rubric_version: str
    attendance: tuple[Attendee, ...]
    sampling: SamplingSummary
    items: tuple[MinutesItem, ...]
    missing_footage: tuple[MissingFootage, ...] = ()
    removed: tuple[RemovedItem, ...] = ()
    agreement: tuple[CriterionAgreement, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    responses: tuple[FeedbackResponse, ...] = ()

    def __post_init__(self) -> None:
        _require_aware(self, "held_at", self.held_at)


# --- Sampling certificate -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StratumQuota:
    value: str  # "" is the stratum of stops with no value for the field
    quota: int
    population: int | None = None  # known from the run itself; a certificate file holds quotas only
    selected: int | None = None


@dataclass(frozen=True, slots=True)
class SamplingCertificate:
    """A sampling certificate's fields (`reviewtool.core.sampling.make_certificate`), ready to print.

    The seed's SHA-256 (the commitment) and each selected stop's key are derived by the renderer, so
    the paper shows what a hand check would compute.
    """

    meta: ReportMeta
    algorithm: str
    seed: str
    filters: tuple[tuple[str, str], ...]  # (filter name, value as text), as recorded
    strata_field: str | None
    allocation: str  # "proportional" or "fixed"
    sample_size: int | None  # proportional allocation only
    quotas: tuple[StratumQuota, ...]  # in stratum (string) order
    max_per_officer: int | None
    require_footage: bool
    population_size: int
    population_digest: str
    selection: tuple[str, ...]  # references in ascending key order, as drawn
    skipped_no_footage: tuple[str, ...]  # references reached by the draw but without footage
    created_at: datetime
    created_by: str
    published_commitment: str = ""  # the commitment published before the meeting; "" when none was recorded
    certificate_sha256: str = ""  # SHA-256 of the certificate's JSON file, tying this PDF to it

    def __post_init__(self) -> None:
        _require_aware(self, "created_at", self.created_at)


# --- Public summary -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RagCounts:
    green: int = 0
    amber: int = 0
    red: int = 0

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red

    def of(self, rag: Rag) -> int:
        return {Rag.GREEN: self.green, Rag.AMBER: self.amber, Rag.RED: self.red}[rag]


@dataclass(frozen=True, slots=True)
class GroupRag:
    label: str  # a search type or an outcome group, never a person
    counts: RagCounts


@dataclass(frozen=True, slots=True)
class Theme:
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class PublicAction:
    text: str
    status: str  # e.g. "Open", "In progress", "Done"


@dataclass(frozen=True, slots=True)
class PublicSummary:
    meta: ReportMeta
    period_label: str
    period_start: date
    period_end: date
    sessions_held: int
    searches_in_period: int
    sampled: int
    no_footage: int
    rag: RagCounts  # stops reviewed, by the panel's agreed rating
    by_search_type: tuple[GroupRag, ...] = ()
    by_outcome_group: tuple[GroupRag, ...] = ()
    themes: tuple[Theme, ...] = ()
    actions: tuple[PublicAction, ...] = ()
    responses: tuple[str, ...] = ()  # the force's responses, as published
