"""A meeting to test against, and a subprocess driver for the scoring reliability tests.

`make_meeting(db, ...)` builds, straight in the database, what a meeting needs: panel users and
members, stops (with their sensitive fields filled, so tests can prove the views leave them out),
clips with approved redactions, and a planned session bound to the default rubric.

Run as a script it drives the app's real scoring path (`ScoringService.record_answer`) in its own
process, so the tests can kill it or race two of them:

    scoring_driver.py record URL SESSION_ID [SEED]
        Record answers one by one (every member, item, choice criterion, not yet answered), printing
        "ACK <n> <item> <member> <criterion> <answer>" (flushed) after each committed answer.
    scoring_driver.py zygote URL SESSION_ID
        Import the app once; for each "RUN <seed>" line on stdin fork a child that does `record`
        (a real, separate process the test can SIGKILL), printing "CHILD <pid>" and "EXIT <code>".
    scoring_driver.py worker URL
        One write per stdin line (an answer or a consensus): read the current version, print
        "READY <version>", wait for a line, write with that expected version, print "OK <version>"
        or "CONFLICT <message>" (see `worker`).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from reviewtool.core.auth import Actor  # noqa: E402
from reviewtool.core.db import Database  # noqa: E402
from reviewtool.core.models import (  # noqa: E402
    Footage,
    PanelMember,
    RedactionSetRecord,
    ReviewSession,
    Score,
    SessionItem,
    StopFootage,
    StopRecord,
    User,
)
from reviewtool.core.rubric import default_rubric, ensure_rubric  # noqa: E402

LIAISON = Actor(username="liaison1", role="liaison")
MEMBER_NAMES = (("Amira Haddad", "AH"), ("Tomasz Kowalski", "TK"), ("Grace Okafor", "GO"), ("Dafydd Evans", "DE"),
                ("Priya Shah", "PS"), ("Ola Nowak", "ON"))


@dataclass(frozen=True)
class Meeting:
    session_id: int
    session_name: str
    item_ids: tuple[int, ...]
    references: tuple[str, ...]
    member_ids: tuple[int, ...]
    panel: tuple[Actor, ...]  # panel users, linked to member_ids in order
    footage_ids: tuple[int | None, ...]


def make_meeting(db: Database, *, items: int = 3, members: int = 4, no_footage: tuple[int, ...] = (),
                 redactions: str | None = "approved", name: str = "March panel", prefix: str = "R") -> Meeting:
    """`no_footage`: 0-based item indexes without a clip; `redactions`: state of every clip's
    RedactionSetRecord ("approved", "draft") or None for none."""
    rubric = default_rubric()
    with db.session() as s:
        rubric_row = ensure_rubric(s, rubric)
        panel_actors, member_ids = [], []
        for n in range(members):
            full, initials = MEMBER_NAMES[n]
            username = f"{prefix.lower()}panel{n + 1}"
            user = User(username=username, display_name=full, role="panel", password_hash="-")
            s.add(user)
            s.flush()
            member = PanelMember(name=full if prefix == "R" else f"{full} {prefix}",
                                 initials=initials if prefix == "R" else f"{initials}{prefix}", user_id=user.id)
            s.add(member)
            s.flush()
            panel_actors.append(Actor(username=username, role="panel", user_id=user.id))
            member_ids.append(member.id)
        review = ReviewSession(name=name, rubric_id=rubric_row.id, created_by=LIAISON.username, quorum=min(3, members))
        s.add(review)
        s.flush()
        item_ids, references, footage_ids = [], [], []
        for n in range(items):
            reference = f"{prefix}{n + 1:03d}"
            stop = StopRecord(reference=reference, type="Person search",
                              occurred_at=datetime(2024, 6, 1 + n % 28, 22, 30, tzinfo=timezone.utc),
                              legislation="Misuse of Drugs Act 1971 (section 23)", object_of_search="Controlled drugs",
                              outcome="A no further action disposal", grounds=f"Smell of cannabis ({reference})",
                              gender="Female", age_range="18-24", self_defined_ethnicity="SECRET-ETHNICITY",
                              officer_defined_ethnicity="SECRET-ODE", latitude="53.38", longitude="-1.47",
                              extra={})
            s.add(stop)
            s.flush()
            clip_id = None
            if n not in no_footage:
                clip = Footage(sha256=f"{prefix}{n:063d}"[-64:], file_path=f"/clips/{reference}.mp4",
                               file_name=f"{reference}.mp4", size_bytes=1000, duration_s=30.0 + n, frame_count=750,
                               width=640, height=360, codec="h264", average_fps=25.0, ingested_by="test")
                s.add(clip)
                s.flush()
                s.add(StopFootage(stop_id=stop.id, footage_id=clip.id, linked_by="test"))
                if redactions is not None:
                    s.add(RedactionSetRecord(footage_id=clip.id, state=redactions, document={"tracks": []},
                                             updated_by="test"))
                clip_id = clip.id
            item = SessionItem(session_id=review.id, stop_id=stop.id, position=n + 1, footage_id=clip_id)
            s.add(item)
            s.flush()
            item_ids.append(item.id)
            references.append(reference)
            footage_ids.append(clip_id)
        return Meeting(review.id, name, tuple(item_ids), tuple(references), tuple(member_ids), tuple(panel_actors),
                       tuple(footage_ids))


def running_meeting(db: Database, **kwargs: object) -> Meeting:
    """A meeting with every member present (acknowledged) and the session started."""
    from reviewtool.core.sessions import SessionService

    meeting = make_meeting(db, **kwargs)  # type: ignore[arg-type]
    sessions = SessionService(db)
    for member_id in meeting.member_ids:
        sessions.record_attendance(LIAISON, meeting.session_id, member_id, True, True)
    sessions.start(LIAISON, meeting.session_id)
    return meeting


# --- subprocess modes ---------------------------------------------------------------------------------


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def answer_for(item_id: int, member_id: int, criterion_id: str, answers: tuple[str, ...]) -> str:
    """The answer the driver gives for a key: fixed, so a test can check any acknowledged answer."""
    return answers[(item_id * 7 + member_id * 3 + len(criterion_id)) % len(answers)]


def record(url: str, session_id: int, seed: int) -> None:
    from reviewtool.core.scoring import ScoringService

    db = Database.open(url, upgrade=False)
    rubric = default_rubric()
    with db.read() as s:
        items = list(s.scalars(select(SessionItem.id).where(SessionItem.session_id == session_id)))
        members = list(s.scalars(select(PanelMember.id).order_by(PanelMember.id)))
        done = {tuple(r) for r in s.execute(select(Score.item_id, Score.panel_member_id, Score.criterion_id))}
    todo = [(i, m, c) for i in items for m in members for c in rubric.criteria
            if c.type == "choice" and (i, m, c.id) not in done]
    random.Random(seed).shuffle(todo)
    service = ScoringService(db)
    _say(f"READY {len(todo)}")
    for n, (item_id, member_id, criterion) in enumerate(todo, start=1):
        answer = answer_for(item_id, member_id, criterion.id, criterion.answer_ids())
        service.record_answer(LIAISON, item_id, member_id, criterion.id, answer, expected_version=0)
        _say(f"ACK {n} {item_id} {member_id} {criterion.id} {answer}")
    _say("DONE")


def zygote(url: str, session_id: int) -> None:
    """Import the app once, then fork a `record` child per "RUN <seed>" line on stdin, so a test can
    kill many writers without paying Python's start-up each time.  Prints "CHILD <pid>" per child and
    "EXIT <code>" when it ends (-9 when killed).  Each child opens its own database connections."""
    import os
    import traceback

    from reviewtool.core.scoring import ScoringService  # noqa: F401  (imported before forking)

    _say("ZYGOTE")
    for line in sys.stdin:
        seed = int(line.split()[1])
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                record(url, session_id, seed)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _say(f"CHILD {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"EXIT {os.waitstatus_to_exitcode(status)}")


def worker(url: str) -> None:
    """Take one write per line of stdin (tab-separated), each in two steps so two workers can be
    released together: read the current version and print "READY <version>", wait for a line, then
    write with that expected version and print "OK <version>" or "CONFLICT <message>".

        edit<TAB>ITEM<TAB>MEMBER<TAB>CRITERION<TAB>ANSWER
        consensus<TAB>ITEM<TAB>RAG<TAB>SUMMARY
    """
    from reviewtool.core.errors import Conflict
    from reviewtool.core.scoring import ScoringService

    service = ScoringService(Database.open(url, upgrade=False))
    _say("WORKER")
    for line in sys.stdin:
        kind, *args = line.rstrip("\n").split("\t")
        item_id = int(args[0])
        if kind == "edit":
            member_id, criterion_id, answer = int(args[1]), args[2], args[3]
            current = {(a.member_id, a.criterion_id): a.version for a in service.answers_for(LIAISON, item_id)}
            version = current.get((member_id, criterion_id), 0)
        else:
            rag, summary = args[1], args[2]
            existing = service.consensus(LIAISON, item_id)
            version = 0 if existing is None else existing.version
        _say(f"READY {version}")
        sys.stdin.readline()
        try:
            if kind == "edit":
                view_version = service.record_answer(LIAISON, item_id, member_id, criterion_id, answer,
                                                     expected_version=version).version
            else:
                view_version = service.record_consensus(LIAISON, item_id, rag, summary, expected_version=version).version
        except Conflict as exc:
            _say(f"CONFLICT {exc}")
        else:
            _say(f"OK {view_version}")


def main(argv: list[str]) -> int:
    mode, url, *rest = argv
    if mode == "record":
        record(url, int(rest[0]), int(rest[1]) if len(rest) > 1 else 0)
    elif mode == "zygote":
        zygote(url, int(rest[0]))
    elif mode == "worker":
        worker(url)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
