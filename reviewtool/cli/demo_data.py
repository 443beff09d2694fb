"""Synthetic but realistic demo data: a force export of stops, clips made with PyAV, users, a session.

Everything goes through the same services a liaison officer uses (import, ingest, sampling), so the
demo is also a smoke test of the real paths.  Nothing here is a real person or a real search.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from reviewtool.core.auth import Actor, UserService
from reviewtool.core.db import Database
from reviewtool.core.footage_service import FootageService
from reviewtool.core.models import Footage, Officer, PanelMember, User
from reviewtool.core.sampling import SamplingSpec
from reviewtool.core.sampling_service import SamplingService
from reviewtool.core.stop_import import StopImportService
from reviewtool.progress import Job, Progress, run_to_end

if TYPE_CHECKING:
    from reviewtool.media.synth import ClipTruth

LONDON = ZoneInfo("Europe/London")
AREAS = ("Sheffield North", "Sheffield South", "Rotherham")
FOCUS_AREA = AREAS[0]
TEAMS = ("Response A", "Response B", "Neighbourhood", "Proactive")

_TYPES = [("Person search", 70), ("Person and Vehicle search", 18), ("Vehicle search", 12)]
_LEGISLATION = [
    ("Misuse of Drugs Act 1971 (section 23)", 62), ("Police and Criminal Evidence Act 1984 (section 1)", 30),
    ("Criminal Justice and Public Order Act 1994 (section 60)", 3), ("Firearms Act 1968 (section 47)", 2),
    ("Criminal Justice Act 1988 (section 139B)", 2), ("Psychoactive Substances Act 2016 (s36(2))", 1),
]
_OBJECT_FOR_POWER = {
    "Misuse of Drugs Act 1971 (section 23)": ["Controlled drugs"],
    "Police and Criminal Evidence Act 1984 (section 1)": ["Stolen goods", "Offensive weapons", "Article for use in theft",
                                                          "Articles for use in criminal damage"],
    "Criminal Justice and Public Order Act 1994 (section 60)": ["Offensive weapons"],
    "Firearms Act 1968 (section 47)": ["Firearms"],
    "Criminal Justice Act 1988 (section 139B)": ["Offensive weapons"],
    "Psychoactive Substances Act 2016 (s36(2))": ["Psychoactive substances"],
}
_OUTCOMES = [("A no further action disposal", 68), ("Arrest", 12), ("Khat or Cannabis warning", 7),
             ("Community resolution", 7), ("Summons / charged by post", 3), ("Penalty Notice for Disorder", 2),
             ("Caution (simple or conditional)", 1)]
_AGES = [("10-17", 18), ("18-24", 36), ("25-34", 26), ("over 34", 20)]
_SELF = [("White - English/Welsh/Scottish/Northern Irish/British", 55), ("Asian/Asian British - Pakistani", 10),
         ("Black/African/Caribbean/Black British - African", 6), ("Black/African/Caribbean/Black British - Caribbean", 4),
         ("Mixed/Multiple ethnic groups - White and Black Caribbean", 4), ("White - Any other White background", 5),
         ("Other ethnic group - Arab", 2), ("White - Gypsy or Irish Traveller", 1), ("Other ethnic group - Not stated", 13)]
# Written grounds that fit each power, as officers write them.
_GROUNDS = {
    "Misuse of Drugs Act 1971 (section 23)": [
        "Strong smell of cannabis from the person; seen passing a small item to another male in an alley known for supply.",
        "Vehicle linked on PNC to supply of controlled drugs; occupants seen making a short meeting in a car park.",
        "Admitted on questioning to having cannabis on them for personal use.",
    ],
    "Police and Criminal Evidence Act 1984 (section 1)": [
        "Matched the description circulated for a shop theft 20 minutes earlier (clothing, direction of travel).",
        "Seen trying door handles of parked cars; carrying a rucksack and a screwdriver visible in hand.",
        "Seen concealing an object in waistband on seeing police; area subject to recent knife-crime reports.",
    ],
    "Criminal Justice and Public Order Act 1994 (section 60)": [
        "Section 60 authorisation in force after a stabbing; group matched the description given by witnesses.",
    ],
    "Firearms Act 1968 (section 47)": [
        "Caller reported a male showing a handgun outside a shop; person matched the description and location.",
    ],
    "Criminal Justice Act 1988 (section 139B)": [
        "On school premises after hours; staff reported a pupil from another school carrying a knife.",
    ],
    "Psychoactive Substances Act 2016 (s36(2))": [
        "Seen inhaling from a balloon next to a canister; a bag of further canisters at his feet.",
    ],
}
_OFFICER_NAMES = ["Alex Morgan", "Priya Shah", "Tom Walsh", "Hannah Clarke", "Kwame Mensah", "Sophie Turner",
                  "Daniel Hughes", "Aisha Khan", "Liam O'Connor", "Rebecca Lloyd"]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    values, weights = zip(*weighted)
    return rng.choices(values, weights=weights)[0]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    name: str
    password: str


DEMO_USERS = (
    DemoUser("admin", "admin", "Alex Admin", "demo-admin-pass"),
    DemoUser("liaison", "liaison", "Lee Liaison (CLO)", "demo-liaison-pass"),
    DemoUser("supervisor", "supervisor", "Sgt Sam Supervisor", "demo-supervisor-pass"),
    DemoUser("panel1", "panel", "Amira Haddad", "demo-panel1-pass"),
    DemoUser("panel2", "panel", "Tomasz Kowalski", "demo-panel2-pass"),
    DemoUser("panel3", "panel", "Grace Okafor", "demo-panel3-pass"),
    DemoUser("panel4", "panel", "Dafydd Evans", "demo-panel4-pass"),
)


@dataclass(frozen=True)
class DemoFootagePlan:
    """Which clips the force export names: `recent` for the planned session (the focus area's latest
    stops, all but two with a clip), `past` for last month's finished meeting (one stop without)."""

    recent: list[str]
    recent_from: date
    past: list[str]
    past_from: date | None
    past_to: date | None


def write_force_export(path: Path, *, stops: int, clips: int, today: date, seed: int = 7) -> DemoFootagePlan:
    """Write a force-export CSV whose Footage column names the demo clips."""
    rng = random.Random(seed)
    officers = [(f"SY{4100 + i}", AREAS[i % 3], TEAMS[i % 4]) for i in range(30)]
    start = datetime.combine(today - timedelta(days=90), datetime.min.time(), LONDON)
    header = ["Reference", "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
              "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation",
              "Object of search", "Outcome", "Outcome linked to object of search",
              "Removal of more than just outer clothing", "Officer", "Team", "Area", "Footage", "Grounds"]
    rows = []
    for n in range(stops):
        officer, area, team = rng.choice(officers)
        when = start + timedelta(minutes=rng.randrange(0, 90 * 24 * 60))
        kind = _pick(rng, _TYPES)
        power = _pick(rng, _LEGISLATION)
        outcome = _pick(rng, _OUTCOMES)
        person = kind != "Vehicle search"
        self_defined = _pick(rng, _SELF) if person else ""
        ode = {"White": "White", "Asian": "Asian", "Black": "Black", "Mixed": rng.choice(["Black", "White", "Other"]),
               "Other": rng.choice(["Other", "Asian", "White"])}[self_defined.split("/")[0].split(" ")[0] or "Other"] \
            if person else ""
        lat, lon = (f"{53.38 + rng.uniform(-0.06, 0.06):.6f}", f"{-1.47 + rng.uniform(-0.08, 0.08):.6f}")
        rows.append([f"SS-{when:%y%m}-{n + 1:05d}", kind, when.astimezone(timezone.utc).isoformat(timespec="seconds"),
                     "False", "", lat, lon, rng.choice(["Male"] * 9 + ["Female"]) if person else "",
                     _pick(rng, _AGES) if person else "", self_defined, ode, power,
                     rng.choice(_OBJECT_FOR_POWER[power]), outcome,
                     "True" if outcome != "A no further action disposal" else rng.choice(["False", "False", "True"]),
                     "False" if person else "", officer, team, area, "", rng.choice(_GROUNDS[power])])
    rows.sort(key=lambda r: r[2])
    focus_rows = [r for r in rows if r[18] == FOCUS_AREA]
    n_past = clips // 3 if clips >= 6 else 0
    n_recent = clips - n_past
    recent = focus_rows[-(n_recent + 2):]
    chosen = recent[:n_recent]
    past_from = past_to = None
    if n_past:
        older = [r for r in focus_rows if _local_day(r[2]) <= today - timedelta(days=35)][-(n_past + 1):]
        chosen = older[1:] + chosen
        past_from, past_to = _local_day(older[0][2]), _local_day(older[-1][2])
    names = []
    for n, row in enumerate(chosen, start=1):  # named as cameras name them: the day, then a number
        row[19] = f"BWV-{_local_day(row[2]):%Y%m%d}-{n:04d}.mp4"
        names.append(row[19])
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return DemoFootagePlan(names[n_past:], _local_day(recent[0][2]), names[:n_past], past_from, past_to)


def _local_day(iso_utc: str) -> date:
    return datetime.fromisoformat(iso_utc).astimezone(LONDON).date()


def make_demo_clips(folder: Path, names: list[str], seed: int = 11, seconds: float | None = None
                    ) -> "Job[dict[str, tuple[Path, ClipTruth]]]":
    """Make (or reuse) the synthetic clips; each clip's known face positions are kept beside it."""
    from reviewtool.media.synth import ClipTruth, make_clip

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    clips: dict[str, tuple[Path, ClipTruth]] = {}
    for n, name in enumerate(names):
        yield Progress(n, len(names), f"making {name}")
        path = folder / name
        truth_path = folder / f"{name}.truth.json"
        duration = rng.choice([20, 25, 30, 40, 60]) if n else 20
        duration = seconds or duration  # tests make short clips
        fps, faces = rng.choice([25.0, 30.0]), rng.choice([1, 2, 3])
        if path.exists() and truth_path.exists():
            truth = ClipTruth.from_json(truth_path.read_text(encoding="utf-8"))
        else:
            truth = make_clip(path, duration_s=duration, width=640, height=360, fps=fps, vfr=(n == 1),
                              seed=seed + n, faces=faces)
            truth_path.write_text(truth.to_json(), encoding="utf-8")
        clips[name] = (path, truth)
    yield Progress(len(names), len(names), "clips ready")
    return clips


def build_demo(directory: Path, *, stops: int = 300, clips: int = 10, today: date | None = None,
               clip_seconds: float | None = None) -> "Job[Database]":
    today = today or date.today()
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "reviewtool.db"
    if db_path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db = Database.open(f"sqlite:///{db_path}")
    setup = Actor(username="demo-setup", role="admin")
    liaison = Actor(username="liaison", role="liaison")

    yield Progress(0, 5, "users")
    users = UserService(db)
    for u in DEMO_USERS:
        users.add(setup, u.username, u.name, u.role, u.password)
    with db.session() as s:
        for u in DEMO_USERS:
            if u.role == "panel":
                user = s.scalar(select(User).where(User.username == u.username))
                initials = "".join(part[0] for part in u.name.split()[:2]).upper()
                s.add(PanelMember(name=u.name, initials=initials, user_id=user.id if user else None))

    yield Progress(1, 5, "stop records")
    export = directory / "stops-force-export.csv"
    plan = write_force_export(export, stops=stops, clips=clips, today=today)
    run_to_end(StopImportService(db).import_files(liaison, [export]))
    with db.session() as s:
        supervisor = s.scalar(select(User).where(User.username == "supervisor"))
        for n, officer in enumerate(s.scalars(select(Officer).order_by(Officer.identifier))):
            officer.supervisor_id = supervisor.id
            first_last = _OFFICER_NAMES[n % len(_OFFICER_NAMES)]
            officer.display_name = f"PC {first_last}" if n < len(_OFFICER_NAMES) else f"PC {first_last[0]}. {n}"

    yield Progress(2, 5, "footage")
    made = yield from make_demo_clips(directory / "footage", plan.past + plan.recent, seconds=clip_seconds)
    yield Progress(3, 5, "indexing footage")
    outcomes = yield from FootageService(db).ingest(liaison, [path for path, _ in made.values()])
    failed = [o.error for o in outcomes if o.error]
    if failed:
        raise RuntimeError("demo footage could not be ingested: " + "; ".join(failed))
    truths = {o.footage_id: made[o.path.name][1] for o in outcomes if o.footage_id is not None}
    with db.session() as s:  # a clip was recorded at the stop it shows (the force's system says so)
        for footage in s.scalars(select(Footage)):
            if footage.stops:
                footage.captured_at = min(stop.occurred_at for stop in footage.stops)

    yield Progress(4, 5, "sessions")
    sampling = SamplingService(db)
    if plan.past:
        from reviewtool.cli.demo_meeting import run_finished_meeting

        last_month = today.replace(day=1) - timedelta(days=1)
        past = SamplingSpec(seed="october dice: 6 2 5 5 1 4", allocation="proportional", sample_size=len(plan.past),
                            max_per_officer=2, require_footage=True,
                            filters={"area": FOCUS_AREA, "from": plan.past_from.isoformat(),
                                     "to": plan.past_to.isoformat()})
        outcome = sampling.run(liaison, past, session_name=f"Community Monitoring Group — {last_month:%B %Y}")
        run_finished_meeting(db, outcome.session_id, truths)
    spec = SamplingSpec(seed="demo seed: 3 1 4 1 5 9", allocation="proportional",
                        sample_size=min(6, len(plan.recent)), max_per_officer=2, require_footage=True,
                        filters={"area": FOCUS_AREA, "from": plan.recent_from.isoformat(), "to": today.isoformat()})
    sampling.run(liaison, spec, session_name=f"Community Monitoring Group — {today:%B %Y}")
    yield Progress(5, 5, "done")
    return db
