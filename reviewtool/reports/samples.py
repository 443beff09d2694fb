"""Realistic example data for every report: previews (`make screenshots`), the benchmark and tests.

Invented people and searches in the shape of a real panel's month; nothing here is a real record.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, date, datetime, timedelta

from reviewtool.reports.data import (
    ActionItem,
    AnswerCount,
    AnswerTone,
    Attendee,
    AuditHead,
    Consensus,
    CriterionAgreement,
    CriterionAnswers,
    FacilitatorNote,
    FeedbackResponse,
    GroupRag,
    MinutesItem,
    MissingFootage,
    Officer,
    OfficerFeedbackReport,
    PanelComment,
    PublicAction,
    PublicSummary,
    Rag,
    RagCounts,
    RemovedItem,
    ReportMeta,
    ReviewedStop,
    SamplingCertificate,
    SamplingSummary,
    SessionMinutes,
    SignOff,
    StratumQuota,
    Theme,
)

ORGANISATION = "Derbyshire Stop and Search Scrutiny Panel"
SEED = "4 2 6 6 1 3 five-pennies"
SEED_COMMITMENT = hashlib.sha256(SEED.encode()).hexdigest()
PANEL_MEMBERS = 4

_YES_PARTLY_NO = (("Yes", AnswerTone.GOOD), ("Partly", AnswerTone.PARTLY), ("No", AnswerTone.CONCERN))
_GOWISELY = (("Given", AnswerTone.GOOD), ("Not given", AnswerTone.CONCERN),
             ("Not applicable", AnswerTone.NOT_APPLICABLE), ("Not audible", AnswerTone.CANT_TELL))
_FIVE = (("5", AnswerTone.GOOD), ("4", AnswerTone.GOOD), ("3", AnswerTone.PARTLY),
         ("2", AnswerTone.CONCERN), ("1", AnswerTone.CONCERN))
_YES_NO_NA = (("Yes", AnswerTone.GOOD), ("No", AnswerTone.CONCERN), ("Not applicable", AnswerTone.NOT_APPLICABLE))
_YES_NO = (("Yes", AnswerTone.GOOD), ("No", AnswerTone.CONCERN))
_CAMERA = (("Yes", AnswerTone.GOOD), ("Late", AnswerTone.PARTLY), ("No", AnswerTone.CONCERN))

# (label, answers) in rubric order; every criterion also allows "Can't tell".
CRITERIA = (
    ("Grounds explained", _YES_PARTLY_NO),
    ("GOWISELY: Grounds", _GOWISELY),
    ("GOWISELY: Object", _GOWISELY),
    ("GOWISELY: Warrant card", _GOWISELY),
    ("GOWISELY: Identity", _GOWISELY),
    ("GOWISELY: Station", _GOWISELY),
    ("GOWISELY: Entitlement to record", _GOWISELY),
    ("GOWISELY: Legal power", _GOWISELY),
    ("GOWISELY: You are detained", _GOWISELY),
    ("Search proportionate", _YES_NO_NA),
    ("Respect and courtesy", _FIVE),
    ("Communication", _FIVE),
    ("Force proportionate", _YES_NO_NA),
    ("Self-defined ethnicity asked", _YES_NO),
    ("Record offered", _YES_NO),
    ("Camera started in time", _CAMERA),
    ("Outcome appropriate", _FIVE),
)

_OFFICERS = (
    Officer("PC Zoë Ångström-Łukasiewicz", "4417", "Derby North Response"),
    Officer("PC Δημήτρης Παπαδόπουλος", "2391", "Chesterfield Neighbourhood"),
    Officer("PC Наталья Иванова", "3058", "Operation Intercept"),
    Officer("PC Siobhán O'Sullivan", "1176", "Roads Policing"),
    Officer("PC Tomás Ruiz-Núñez", "5522", "Derby City Centre"),
)

_STOPS = (
    ("Person search", "Misuse of Drugs Act 1971 (section 23)", "Controlled drugs",
     "A no further action disposal"),
    ("Person and Vehicle search", "Police and Criminal Evidence Act 1984 (section 1)", "Stolen goods",
     "Arrest"),
    ("Person search", "Police and Criminal Evidence Act 1984 (section 1)", "Offensive weapons",
     "Community resolution"),
    ("Person search", "Criminal Justice and Public Order Act 1994 (section 60)", "Offensive weapons",
     "A no further action disposal"),
)

_SUMMARIES = {
    Rag.GREEN: "Calm, courteous search. Grounds were explained clearly before the search began and the "
               "officer checked the person understood.",
    Rag.AMBER: "Professional overall, but the officer did not give a station or offer the record, and the "
               "camera started after the first exchange.",
    Rag.RED: "The search went beyond outer clothing in a busy street and the person was not told why they "
             "were being searched.",
}
_COMMENDATIONS = {
    Rag.GREEN: ("Explained the grounds in plain words before touching the person.",
                "Kept a calm tone when a bystander began filming and shouting."),
    Rag.AMBER: ("Polite throughout and thanked the person at the end.",),
    Rag.RED: (),
}
_LEARNING = {
    Rag.GREEN: (),
    Rag.AMBER: ("Give the station and offer the search record every time (GOWISELY S and E).",
                "Start the camera before approaching, not once the conversation has begun."),
    Rag.RED: ("Only outer coat, jacket and gloves may be removed in public (PACE Code A 3.5).",
              "State the grounds and object before the search starts, not after."),
}
_MISSED = {Rag.GREEN: (), Rag.AMBER: ("Station", "Entitlement to a copy of the record"),
           Rag.RED: ("Grounds", "Object", "Legal power")}
_COMMENTS = (
    (1, "Good eye contact and the officer kept their hands visible; it lowered the tension.", "Respect", 74.0),
    (3, "The person asked twice why they were stopped; the answer came only at the end.", "Grounds explained",
     131.5),
    (2, "Camera clearly on before the approach — helpful for everyone.", "", None),
)
_FACILITATOR_NOTE = FacilitatorNote("The sound drops out for about ten seconds here: a fault in the recording, "
                                    "not a redaction.", 98.0)
_SUMMARY_CLOSE = {
    Rag.GREEN: "Thank you: this is the standard the panel hopes to see, and your searches may be shared for "
               "peer learning.",
    Rag.AMBER: "Overall professional work. Let's go through the learning points together at your next "
               "one-to-one.",
    Rag.RED: "One search raised a concern that has been referred to a senior officer; we will talk it "
             "through before then.",
}


def sample_meta(report_id: str, *, seq: int = 1042, draft: bool = False) -> ReportMeta:
    head = hashlib.sha256(f"audit-{seq}".encode()).hexdigest()
    return ReportMeta(report_id=report_id, generated_at=datetime(2024, 3, 21, 16, 45, tzinfo=UTC),
                      audit_head=AuditHead(seq, head), organisation=ORGANISATION, draft=draft)


def _answers(rng: random.Random, stops: int) -> tuple[CriterionAnswers, ...]:
    result = []
    for label, answers in CRITERIA:
        total = stops * PANEL_MEMBERS
        weights = [6, 2, 1, 1, 1][: len(answers)]
        picks = rng.choices(range(len(answers) + 1), weights=[*weights, 1], k=total)
        counts = [AnswerCount(text, picks.count(i), tone) for i, (text, tone) in enumerate(answers)]
        counts.append(AnswerCount("Can't tell", picks.count(len(answers)), AnswerTone.CANT_TELL))
        result.append(CriterionAnswers(label, tuple(counts)))
    return tuple(result)


def sample_officer_report(index: int = 0, *, stops: int = 3, signed: bool = False) -> OfficerFeedbackReport:
    """An officer's report; `signed` is the approved, signed-off version, otherwise it is a draft."""
    rng = random.Random(index)
    ratings = (Rag.GREEN, Rag.AMBER, Rag.GREEN, Rag.RED)
    start = datetime(2024, 2, 3, 22, 40, tzinfo=UTC)
    reviewed = []
    for n in range(stops):
        rag = ratings[(index + n) % len(ratings)]
        search_type, legislation, obj, outcome = _STOPS[(index + n) % len(_STOPS)]
        comments = tuple(PanelComment(member, text, criterion, at)
                         for member, text, criterion, at in _COMMENTS[: 1 + (index + n) % len(_COMMENTS)])
        reviewed.append(ReviewedStop(
            reference=f"DBY-2024-{10231 + 37 * n + index:06d}",
            occurred_at=start + timedelta(days=5 * n + index % 20, hours=7 * n),
            search_type=search_type, legislation=legislation, object_of_search=obj, outcome=outcome,
            consensus=Consensus(rag, _SUMMARIES[rag], _COMMENDATIONS[rag], _LEARNING[rag],
                                referred=rag is Rag.RED),
            gowisely_missed=_MISSED[rag], comments=comments,
            facilitator_notes=(_FACILITATOR_NOTE,) if rag is Rag.AMBER else (),
        ))
    sign_off = SignOff()
    note = response = ""
    if signed:
        sign_off = SignOff("Sgt Aoife Ní Bhriain", date(2024, 3, 25), date(2024, 3, 28))
        note = ("Discussed with PC on 25 March. Agreed to start the camera on approach and to use the "
                "GOWISELY prompt card; follow up at the May session.")
        response = ("Thank you for the feedback. I have changed how I start recordings and now carry the "
                    "prompt card.")
    ratings_given = [stop.consensus.rag for stop in reviewed]
    counts = ", ".join(f"{ratings_given.count(rag)} {rag.label.lower()}" for rag in Rag if rag in ratings_given)
    worst = max(ratings_given, key=list(Rag).index, default=Rag.GREEN)
    summary = (f"The community scrutiny panel reviewed {len(reviewed)} of your searches: {counts}. "
               f"{_SUMMARY_CLOSE[worst]}")
    return OfficerFeedbackReport(
        meta=sample_meta(f"FR-2024-03-{index + 1:04d}", draft=not signed),
        officer=_OFFICERS[index % len(_OFFICERS)],
        session_title="March 2024 panel session",
        session_date=date(2024, 3, 14),
        stops=tuple(reviewed),
        answers=_answers(rng, stops),
        summary=summary,
        supervisor_note=note,
        officer_response=response,
        sign_off=sign_off,
    )


def sample_minutes() -> SessionMinutes:
    items = []
    for n, rag in enumerate((Rag.GREEN, Rag.AMBER, Rag.GREEN, Rag.RED, Rag.GREEN, Rag.AMBER), start=1):
        search_type, _, _, outcome = _STOPS[n % len(_STOPS)]
        items.append(MinutesItem(n, f"DBY-2024-{10100 + 53 * n:06d}",
                                 datetime(2024, 2, 1, 9, 15, tzinfo=UTC) + timedelta(days=4 * n, hours=5 * n),
                                 search_type, outcome, Consensus(rag, _SUMMARIES[rag], referred=rag is Rag.RED)))
    agreement = (
        CriterionAgreement("Grounds explained", "nominal", 0.82, 6),
        CriterionAgreement("Grounds reasonable", "ordinal", 0.71, 6),
        CriterionAgreement("GOWISELY: Station", "nominal", 0.64, 5),
        CriterionAgreement("Respect and courtesy", "ordinal", 0.88, 6),
        CriterionAgreement("Communication", "ordinal", 0.77, 6),
        CriterionAgreement("De-escalation", "ordinal", None, 1),
        CriterionAgreement("Overall rating", "ordinal", 0.91, 6),
    )
    return SessionMinutes(
        meta=sample_meta("MIN-2024-03"),
        session_title="March 2024 panel session",
        held_at=datetime(2024, 3, 14, 18, 30, tzinfo=UTC),
        location="Derby Divisional HQ, meeting room 2 (and online)",
        rubric_version="default-v1",
        attendance=(Attendee("A. K.", "Chair"), Attendee("Z. Ł.", "Panel member"), Attendee("M. O.", "Panel member"),
                    Attendee("Δ. Π.", "Panel member"), Attendee("R. S.", "Police liaison"),
                    Attendee("J. W.", "Panel member", present=False)),
        sampling=SamplingSummary("sample-2024-03.json", "hmac-bottomk/1", SEED, SEED_COMMITMENT, 412,
                                 hashlib.sha256(b"population-2024-02").hexdigest(), 8),
        items=tuple(items),
        removed=(RemovedItem(7, "DBY-2024-010471", datetime(2024, 2, 24, 1, 10, tzinfo=UTC), "Person search",
                             "The clip is evidence in a live prosecution; the CPS asked that it is not shown."),),
        missing_footage=(
            MissingFootage("DBY-2024-010388", datetime(2024, 2, 17, 23, 5, tzinfo=UTC), "Person search",
                           "Ask the inspector why no footage was recorded; report back in April."),
            MissingFootage("DBY-2024-010402", datetime(2024, 2, 19, 14, 50, tzinfo=UTC), "Vehicle search",
                           "Camera fault reported by the officer; confirm the fault log."),
        ),
        agreement=agreement,
        actions=(
            ActionItem("Share search 1 with the training lead as a peer-learning example.", "R. S.", date(2024, 4, 11)),
            ActionItem("Refer search 4 to the professional standards lead and report back.", "R. S.", date(2024, 4, 11)),
            ActionItem("Publish the seed commitment for April a week before the session.", "A. K.", date(2024, 4, 4)),
        ),
        responses=(
            FeedbackResponse("FR-2024-02-0003", "February 2024 panel session", Rag.AMBER,
                             "The officer has completed the GOWISELY refresher and now carries the prompt card.",
                             date(2024, 3, 2)),
            FeedbackResponse("FR-2024-02-0005", "February 2024 panel session", Rag.RED,
                             "Management action taken; the supervisor will attend the April session.",
                             date(2024, 3, 9)),
        ),
    )


def sample_certificate(selected: int = 12) -> SamplingCertificate:
    strata = (("", 15), ("Asian or Asian British", 58), ("Black or Black British", 71), ("Mixed", 19),
              ("Other ethnic group", 9), ("White", 240))
    population = sum(size for _, size in strata)
    floors = {value: selected * size // population for value, size in strata}
    by_remainder = sorted(strata, key=lambda s: (-(selected * s[1] % population), s[0]))
    for value, _ in by_remainder[: selected - sum(floors.values())]:
        floors[value] += 1
    quotas = [StratumQuota(value, floors[value], size, floors[value]) for value, size in strata]
    selection = sorted(
        (f"DBY-2024-{10050 + 31 * n + 7 * k:06d}" for n, q in enumerate(quotas) for k in range(q.quota)),
        key=lambda ref: hmac.new(SEED.encode(), ref.encode(), hashlib.sha256).digest(),
    )
    return SamplingCertificate(
        meta=sample_meta("CERT-2024-03-01"),
        algorithm="hmac-bottomk/1",
        seed=SEED,
        filters=(("date_from", "2024-02-01"), ("date_to", "2024-02-29"), ("force", "Derbyshire"),
                 ("type", "Person search, Person and Vehicle search")),
        strata_field="officer_defined_ethnicity",
        allocation="proportional",
        sample_size=selected,
        quotas=tuple(quotas),
        max_per_officer=2,
        require_footage=True,
        population_size=population,
        population_digest=hashlib.sha256(b"population-2024-02").hexdigest(),
        selection=tuple(selection),
        skipped_no_footage=("DBY-2024-010388", "DBY-2024-010402"),
        created_at=datetime(2024, 3, 14, 18, 42, tzinfo=UTC),
        created_by="R. Singh (police liaison)",
        published_commitment=SEED_COMMITMENT,
        certificate_sha256=hashlib.sha256(b"certificate-json").hexdigest(),
    )


def sample_public_summary() -> PublicSummary:
    return PublicSummary(
        meta=sample_meta("PUB-2024-Q1"),
        period_label="January to March 2024",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 3, 31),
        sessions_held=3,
        searches_in_period=1238,
        sampled=30,
        no_footage=3,
        rag=RagCounts(green=16, amber=8, red=3),
        by_search_type=(GroupRag("Person search", RagCounts(12, 6, 2)),
                        GroupRag("Person and Vehicle search", RagCounts(3, 2, 1)),
                        GroupRag("Vehicle search", RagCounts(1, 0, 0))),
        by_outcome_group=(GroupRag("No further action", RagCounts(9, 5, 2)),
                          GroupRag("Arrest", RagCounts(4, 1, 1)),
                          GroupRag("Other outcomes", RagCounts(3, 2, 0))),
        themes=(
            Theme("Explaining the grounds", "Where officers explained their grounds early, encounters stayed "
                  "calm; the panel saw this in most green-rated searches."),
            Theme("Station and record", "The station and the entitlement to a copy of the record were the "
                  "GOWISELY items most often missed."),
            Theme("Starting the camera", "Several recordings began after the first exchange, losing the "
                  "reason for the stop."),
        ),
        actions=(PublicAction("GOWISELY prompt cards issued to response teams.", "Done"),
                 PublicAction("Training on starting body-worn video on approach.", "In progress"),
                 PublicAction("Follow-up on searches without footage.", "Open")),
        responses=("The force welcomes the panel's findings and has added the GOWISELY items to its "
                   "supervisors' monthly dip-sample.",),
    )
