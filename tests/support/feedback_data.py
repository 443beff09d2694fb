"""A scored, agreed panel session in the database, for feedback tests and the benchmark.

Rows are written with the models directly (test set-up, not a path under test): users, officers and their
supervisors, stops, a session bound to the default rubric, panel members with attendance, every member's
answers and comments, and the panel's consensus on each item. Names and words are invented.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from reviewtool.core.auth import Actor
from reviewtool.core.db import Database
from reviewtool.core.models import (
    Attendance,
    ClipComment,
    Consensus,
    Footage,
    Officer,
    PanelMember,
    ReviewSession,
    SamplingRun,
    Score,
    SessionItem,
    StopRecord,
    User,
)
from reviewtool.core.rubric import default_rubric, ensure_rubric

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
             reference_prefix: str = "DBY", with_users: bool = True) -> FeedbackWorld:
    """One agreed session reviewing `stops_per_officer` searches of each of `officers` officers, plus one
    sampled stop without footage (no consensus: a finding)."""
    rng = random.Random(seed)
    rubric = default_rubric()
    start = first_stop or datetime(2024, 2, 3, 22, 40, tzinfo=UTC)
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
        members = s.query(PanelMember).order_by(PanelMember.id).all()
        rubric_row = ensure_rubric(s, rubric)
        run = SamplingRun(algorithm="hmac-bottomk/1", seed=f"seed {seed}",
                          seed_commitment=hashlib.sha256(f"seed {seed}".encode()).hexdigest(),
                          population_size=400, population_digest=hashlib.sha256(b"population").hexdigest(),
                          certificate={"algorithm": "hmac-bottomk/1", "seed": f"seed {seed}", "filters": {},
                                       "strata_field": None, "allocation": "proportional", "sample_size": 4,
                                       "quotas": {"": 4}, "max_per_officer": None, "require_footage": True,
                                       "population_size": 400,
                                       "population_digest": hashlib.sha256(b"population").hexdigest(),
                                       "selection": [], "skipped_no_footage": [],
                                       "created_at": "2024-03-14T18:42:00Z", "created_by": "liaison"},
                          created_by="liaison")
        s.add(run)
        review = ReviewSession(name=session_name, planned_for=day, status="closed", rubric_id=rubric_row.id,
                               sampling_run_id=run.id if run.id else None, created_by="liaison")
        s.add(review)
        s.flush()
        review.sampling_run_id = run.id
        for member in members:
            s.add(Attendance(session_id=review.id, panel_member_id=member.id, present=member is not members[-1],
                             confidentiality_acknowledged_at=datetime(2024, 3, 14, 18, 0, tzinfo=UTC),
                             recorded_by="liaison"))
        world = FeedbackWorld(Actor("sup1", "supervisor", sup.id), Actor("sup2", "supervisor", other.id), [],
                              review.id, session_name, [])
        position = 0
        rags = ("green", "amber", "red", "green")
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
                s.add(stop)
                s.flush()
                clip = Footage(sha256=hashlib.sha256(reference.encode()).hexdigest(), file_path=f"/clips/{reference}.mp4",
                               file_name=f"{reference}.mp4", size_bytes=1000, duration_s=30.0, frame_count=750,
                               width=640, height=360, codec="h264", average_fps=25.0, ingested_by="liaison")
                s.add(clip)
                s.flush()
                item = SessionItem(session_id=review.id, stop_id=stop.id, position=position, footage_id=clip.id,
                                   status="agreed", revealed_at=datetime(2024, 3, 14, 18, 30, tzinfo=UTC)
                                   + timedelta(minutes=10 * position))
                s.add(item)
                s.flush()
                world.item_ids.append(item.id)
                world.references.append(reference)
                rag = rags[(o + k) % len(rags)]
                _scores(s, rng, rubric, item, members[:-1], rag)
                s.add(Consensus(item_id=item.id, rag=rag, summary=SUMMARIES[rag],
                                commendations="Explained the grounds in plain words.\n- Kept a calm tone."
                                if rag != "red" else "",
                                learning_points="" if rag == "green" else
                                "Give the station and offer the record every time.",
                                refer=rag == "red", actions="Share with the training lead." if rag == "green" else "",
                                recorded_by="liaison"))
        # A sampled stop without footage: a finding for the minutes.
        position += 1
        missing = StopRecord(reference=f"{reference_prefix}-{seed}-NOCLIP", type="Vehicle search",
                             occurred_at=start + timedelta(days=1, hours=5), legislation="Police and Criminal "
                             "Evidence Act 1984 (section 1)", object_of_search="Stolen goods", outcome="Arrest",
                             outcome_group="positive", officer_id=s.query(Officer).filter_by(
                                 identifier=world.officers[0]).one().id, extra={})
        s.add(missing)
        s.flush()
        s.add(SessionItem(session_id=review.id, stop_id=missing.id, position=position, footage_id=None,
                          status="pending"))
        world.no_footage_references.append(missing.reference)
    return world


def _scores(s, rng: random.Random, rubric, item: SessionItem, members, rag: str) -> None:
    for member in members:
        for criterion in rubric.criteria:
            if criterion.type == "text":
                if criterion.id == "went_well":
                    s.add(Score(item_id=item.id, panel_member_id=member.id, criterion_id=criterion.id,
                                answer="Kept hands visible; =calm tone", entered_by="liaison"))
                continue
            if criterion.id == "overall":
                answer = rag
            elif criterion.id == "gowisely_station" and rag != "green":
                answer = "not_given"
            else:
                answer = rng.choice(criterion.answer_ids())
            comment = None
            if criterion.id == "respect" and member is members[0]:
                comment = f"Good eye contact from the officer ({member.name} noted)."
            s.add(Score(item_id=item.id, panel_member_id=member.id, criterion_id=criterion.id, answer=answer,
                        comment=comment, entered_by="liaison"))
    s.add(ClipComment(item_id=item.id, panel_member_id=members[1].id, media_time=74.5,
                      text="The person asked twice why they were stopped.", created_by="liaison"))
