"""A scored, agreed panel session in the database, for feedback tests and the benchmark.

Users, officers and their supervisors, stops, clips and the planned session are written with the models
(test set-up); the meeting runs through SessionService and ScoringService. Names and words are invented.
"""

from __future__ import annotations

import csv
import hashlib
import random
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from reviewtool.core.auth import Actor
from reviewtool.core.db import Database
from reviewtool.core.models import (
    Attendance,
    ClipComment,
    Consensus,
    Footage,
    Officer,
    PanelMember,
    RedactionSetRecord,
    ReviewSession,
    SamplingRun,
    Score,
    SessionItem,
    StopRecord,
    User,
)
from reviewtool.core.rubric import default_rubric, ensure_rubric
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import SessionService

PANEL_NAMES = ("Amira Haddad", "Tomasz Kowalski", "Grace Okafor", "Dafydd Evans")
OFFICER_NAMES = ("PC Zoë Ångström", "PC Δημήτρης Παπαδόπουλος", "PC Siobhán O'Sullivan", "PC Tomás Ruiz")
SUMMARIES = {
    "green": "Calm, courteous search; grounds explained before it began.",
    "amber": "Professional, but the station was not given and the record was not offered.",
    "red": "Went beyond outer clothing in a busy street; grounds were not explained.",
}


@dataclass
class FeedbackWorld:
    supervisor: Actor
    other_supervisor: Actor
    officers: list[str]  # collar numbers; officers[:-1] are supervised by `supervisor`, the last by the other
    session_id: int
    session_name: str
    item_ids: list[int]
    panel_names: tuple[str, ...] = PANEL_NAMES
    references: list[str] = field(default_factory=list)
    no_footage_references: list[str] = field(default_factory=list)


def _user(s, username: str, name: str, role: str) -> User:
    user = User(username=username, display_name=name, role=role, password_hash="not-a-login")
    s.add(user)
    s.flush()
    return user


def populate(db: Database, *, officers: int = 3, stops_per_officer: int = 2, session_name: str = "March panel",
             day: date = date(2024, 3, 14), seed: int = 1, first_stop: datetime | None = None,
             reference_prefix: str = "DBY", with_users: bool = True, direct: bool = False) -> FeedbackWorld:
    """One agreed session reviewing `stops_per_officer` searches of each of `officers` officers, plus one
    sampled stop without footage (no consensus: a finding).

    The structure (users, officers, stops, clips with approved redactions, the planned session) is
    written directly; the meeting itself goes through the services a liaison officer uses: attendance,
    start, the panel's answers as a bulk score import, reveal, comments, consensus, close (or, with
    `direct`, the same rows written in one transaction, for benchmarks)."""
    rng = random.Random(seed)
    rubric = default_rubric()
    start = first_stop or datetime(2024, 2, 3, 22, 40, tzinfo=UTC)
    liaison = Actor("liaison", "liaison")
    with db.session() as s:
        if with_users:
            sup = _user(s, "sup1", "Sgt Aoife Ní Bhriain", "supervisor")
            other = _user(s, "sup2", "Sgt Ray Other", "supervisor")
            for n, name in enumerate(PANEL_NAMES, start=1):
                user = _user(s, f"panel{n}", name, "panel")
                s.add(PanelMember(name=name, initials="".join(p[0] for p in name.split()), user_id=user.id))
            s.flush()
        else:
            sup = s.query(User).filter_by(username="sup1").one()
            other = s.query(User).filter_by(username="sup2").one()
        member_names = {m.id: m.name for m in s.query(PanelMember).order_by(PanelMember.id)}
        member_ids = list(member_names)
        rubric_row = ensure_rubric(s, rubric)
        digest = hashlib.sha256(f"population {seed}".encode()).hexdigest()
        run = SamplingRun(algorithm="hmac-bottomk/1", seed=f"seed {seed}",
                          seed_commitment=hashlib.sha256(f"seed {seed}".encode()).hexdigest(),
                          population_size=400, population_digest=digest, created_by="liaison",
                          certificate={"algorithm": "hmac-bottomk/1", "seed": f"seed {seed}", "filters": {},
                                       "strata_field": None, "allocation": "proportional",
                                       "sample_size": officers * stops_per_officer + 1, "quotas": {},
                                       "max_per_officer": None, "require_footage": False, "population_size": 400,
                                       "population_digest": digest, "selection": [], "skipped_no_footage": [],
                                       "created_at": "2024-03-14T18:42:00Z", "created_by": "liaison"})
        s.add(run)
        s.flush()
        review = ReviewSession(name=session_name, planned_for=day, rubric_id=rubric_row.id, sampling_run_id=run.id,
                               quorum=2, created_by="liaison")
        s.add(review)
        s.flush()
        world = FeedbackWorld(Actor("sup1", "supervisor", sup.id), Actor("sup2", "supervisor", other.id), [],
                              review.id, session_name, [])
        position = 0
        for o in range(officers):
            identifier = f"{reference_prefix}{4400 + o}"
            officer = s.query(Officer).filter_by(identifier=identifier).one_or_none()
            if officer is None:
                officer = Officer(identifier=identifier, display_name=OFFICER_NAMES[o % len(OFFICER_NAMES)]
                                  if o % 3 != 2 else None, team="Response A",
                                  supervisor_id=(other if o == officers - 1 and officers > 1 else sup).id)
                s.add(officer)
                s.flush()
            world.officers.append(identifier)
            for k in range(stops_per_officer):
                position += 1
                reference = f"{reference_prefix}-{seed}-{position:05d}"
                stop = StopRecord(reference=reference, type="Person search",
                                  occurred_at=start + timedelta(days=position, hours=k),
                                  legislation="Misuse of Drugs Act 1971 (section 23)",
                                  object_of_search="Controlled drugs", outcome="A no further action disposal",
                                  outcome_group="nfa", gender="Male", age_range="18-24",
                                  officer_defined_ethnicity="White", officer_id=officer.id, team="Response A",
                                  area="North", grounds="Smell of cannabis", extra={})
                clip = Footage(sha256=hashlib.sha256(reference.encode()).hexdigest(),
                               file_path=f"/clips/{reference}.mp4", file_name=f"{reference}.mp4", size_bytes=1000,
                               duration_s=30.0, frame_count=750, width=640, height=360, codec="h264",
                               average_fps=25.0, ingested_by="liaison")
                s.add_all([stop, clip])
                s.flush()
                s.add(RedactionSetRecord(footage_id=clip.id, state="approved", updated_by="liaison",
                                         approved_by="liaison", approved_at=datetime(2024, 3, 10, tzinfo=UTC),
                                         document={"format": "reviewtool-redactions/1", "footage_sha256": clip.sha256,
                                                   "tracks": [], "blank": [], "mute": []}))
                item = SessionItem(session_id=review.id, stop_id=stop.id, position=position, footage_id=clip.id)
                s.add(item)
                s.flush()
                world.item_ids.append(item.id)
                world.references.append(reference)
        # A sampled stop without footage: a finding for the minutes.
        missing = StopRecord(reference=f"{reference_prefix}-{seed}-NOCLIP", type="Vehicle search",
                             occurred_at=start + timedelta(days=1, hours=5),
                             legislation="Police and Criminal Evidence Act 1984 (section 1)",
                             object_of_search="Stolen goods", outcome="Arrest", outcome_group="positive",
                             officer_id=s.query(Officer).filter_by(identifier=world.officers[0]).one().id, extra={})
        s.add(missing)
        s.flush()
        s.add(SessionItem(session_id=review.id, stop_id=missing.id, position=position + 1, footage_id=None))
        world.no_footage_references.append(missing.reference)

    present = member_ids[:-1]  # the last member sends apologies
    rags = ("green", "amber", "red", "green")
    rag_of = {item_id: rags[(n // stops_per_officer + n % stops_per_officer) % len(rags)]
              for n, item_id in enumerate(world.item_ids)}
    with tempfile.TemporaryDirectory() as scratch:
        form = Path(scratch) / "scores.csv"
        _write_forms(form, rng, rubric, world, [(m, member_names[m]) for m in present], rag_of)
        if direct:
            _meeting_written_directly(db, review.id, member_ids, present, form, rag_of)
        else:
            _meeting_through_services(db, liaison, review.id, session_name, member_ids, present, form, rag_of,
                                      world.item_ids)
    return world


def _consensus_words(rag: str) -> dict:
    return dict(summary=SUMMARIES[rag],
                commendations="Explained the grounds in plain words.\n- Kept a calm tone." if rag != "red" else "",
                learning_points="" if rag == "green" else "Give the station and offer the record every time.",
                refer=rag == "red", actions="Share with the training lead." if rag == "green" else "")


def _meeting_through_services(db: Database, liaison: Actor, session_id: int, session_name: str, member_ids,
                              present, form: Path, rag_of: dict[int, str], item_ids: list[int]) -> None:
    sessions, scoring = SessionService(db), ScoringService(db)
    for member_id in member_ids:
        sessions.record_attendance(liaison, session_id, member_id, member_id in present, member_id in present)
    sessions.start(liaison, session_id)
    scoring.import_scores_csv(liaison, session_name, form)
    for item_id in item_ids:
        rag = rag_of[item_id]
        scoring.reveal(liaison, item_id)
        scoring.add_comment(liaison, item_id, present[1], "The person asked twice why they were stopped.", 74.5)
        scoring.record_consensus(liaison, item_id, rag, **_consensus_words(rag))
    sessions.close(liaison, session_id)


def _meeting_written_directly(db: Database, session_id: int, member_ids, present, form: Path,
                              rag_of: dict[int, str]) -> None:
    """The same meeting as rows in one transaction: set-up for benchmarks that need hundreds of searches
    (the services audit every answer in its own step, which is right in a meeting and slow here)."""
    when = datetime.now(UTC)
    with db.session() as s:
        names = {m.name: m.id for m in s.query(PanelMember)}
        items = {i.stop.reference: i for i in s.query(SessionItem).filter_by(session_id=session_id)}
        for member_id in member_ids:
            s.add(Attendance(session_id=session_id, panel_member_id=member_id, present=member_id in present,
                             confidentiality_acknowledged_at=when if member_id in present else None,
                             recorded_by="liaison"))
        with form.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                s.add(Score(item_id=items[row["reference"]].id, panel_member_id=names[row["member"]],
                            criterion_id=row["criterion"], answer=row["answer"], comment=row["comment"] or None,
                            entered_by="liaison", entered_at=when))
        for item_id, rag in rag_of.items():
            item = s.get(SessionItem, item_id)
            item.status, item.revealed_at = "agreed", when
            s.add(ClipComment(item_id=item_id, panel_member_id=present[1], media_time=74.5,
                              text="The person asked twice why they were stopped.", created_by="liaison"))
            s.add(Consensus(item_id=item_id, rag=rag, recorded_by="liaison", **_consensus_words(rag)))
        s.get(ReviewSession, session_id).status = "closed"


def _write_forms(path: Path, rng: random.Random, rubric, world: FeedbackWorld, present: list[tuple[int, str]],
                 rag_of: dict[int, str]) -> None:
    """The panel's forms as `score import` takes them: one row per answer."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["reference", "member", "criterion", "answer", "comment"])
        for reference, item_id in zip(world.references, world.item_ids):
            rag = rag_of[item_id]
            for member_id, name in present:
                for criterion in rubric.criteria:
                    comment = ""
                    if criterion.type == "text":
                        if criterion.id != "went_well":
                            continue
                        answer = "Kept hands visible; =calm tone"
                    elif criterion.id == "overall":
                        answer = rag
                    elif criterion.id == "gowisely_station" and rag != "green":
                        answer = "not_given"
                    else:
                        answer = rng.choice(criterion.answer_ids())
                    if criterion.id == "respect" and member_id == present[0][0]:
                        comment = f"Good eye contact from the officer ({name} noted)."
                    out.writerow([reference, name, criterion.id, answer, comment])


def template_database(folder: Path, *, officers: int = 3, stops_per_officer: int = 1) -> tuple[Path, FeedbackWorld]:
    """A populated SQLite file to copy for each test (populating it once per module saves the time)."""
    path = folder / "template.db"
    database = Database.open(f"sqlite:///{path}")
    world = populate(database, officers=officers, stops_per_officer=stops_per_officer)
    database.dispose()
    return path, world
