"""Generate a realistic data.police.uk stop-and-search CSV for the import benchmark.

The shape follows the real monthly files (see /work/shared/domain/police-data-format.md): the 15 public
columns, CRLF line endings, times in UTC with ``+00:00`` and minute precision (plus date-only midnight
clusters), 6-decimal snap-point coordinates on most rows (a few forces never map), vehicle-only searches
with empty person fields, current, 2021-census and legacy 2016-era vocabulary, and exact duplicate rows
(group searches).  Deterministic for a given seed.

Run as a script to generate a file and time `parse_stop_file` on it::

    .venv/bin/python bench/make_public_csv.py [rows] [--keep PATH]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from itertools import accumulate
from datetime import datetime, timedelta, timezone
from pathlib import Path

HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
    "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
    "Outcome linked to object of search,Removal of more than just outer clothing"
)

_TYPES = (("Person search", 78), ("Person and Vehicle search", 12), ("Vehicle search", 10))
_GENDERS = (("Male", 88), ("Female", 11), ("Other", 1))
_AGES = (("18-24", 34), ("25-34", 27), ("over 34", 20), ("10-17", 18), ("under 10", 1))
_SELF_DEFINED = (
    ("White - English/Welsh/Scottish/Northern Irish/British", 52), ("Other ethnic group - Not stated", 14),
    ("White - Any other White background", 4), ("White - Irish", 1), ("White - Gypsy or Irish Traveller", 1),
    ("Asian/Asian British - Pakistani", 4), ("Asian/Asian British - Bangladeshi", 1),
    ("Asian/Asian British - Indian", 1), ("Asian/Asian British - Any other Asian background", 2),
    ("Asian/Asian British - Chinese", 1), ("Black/African/Caribbean/Black British - African", 3),
    ("Black/African/Caribbean/Black British - Caribbean", 2),
    ("Black/African/Caribbean/Black British - Any other Black/African/Caribbean background", 2),
    ("Mixed/Multiple ethnic groups - White and Black Caribbean", 2),
    ("Mixed/Multiple ethnic groups - White and Asian", 1),
    ("Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background", 1),
    ("Other ethnic group - Arab", 1), ("Other ethnic group - Any other ethnic group", 1), ("", 6),
)
_LEGACY_SELF_DEFINED = (
    ("White - White British (W1)", 60), ("Not Stated (NS)", 12), ("White - Any other White ethnic background (W9)", 4),
    ("Asian or Asian British - Pakistani (A2)", 5), ("Black or Black British - African (B2)", 4),
    ("Black or Black British - Caribbean (B1)", 3), ("Mixed - White and Black Caribbean (M1)", 3),
    ("Chinese or other ethnic group - Chinese (O1)", 1),
    ("Chinese or other ethnic group - Any other ethnic group (09)", 1), ("", 7),
)
_OFFICER_DEFINED = (("White", 75), ("Black", 9), ("Asian", 10), ("Other", 3), ("Mixed", 1), ("", 2))
_POWERS = (  # (legislation, objects of search)
    ("Misuse of Drugs Act 1971 (section 23)", (("Controlled drugs", 1),), 60),
    ("Police and Criminal Evidence Act 1984 (section 1)",
     (("Stolen goods", 30), ("Offensive weapons", 25), ("Article for use in theft", 25),
      ("Articles for use in criminal damage", 8), ("Anything to threaten or harm anyone", 6), ("Fireworks", 2)), 35),
    ("Criminal Justice and Public Order Act 1994 (section 60)", (("Offensive weapons", 1),), 2),
    ("Firearms Act 1968 (section 47)", (("Firearms", 1),), 1),
    ("Criminal Justice Act 1988 (section 139B)", (("Offensive weapons", 1),), 1),
    ("Psychoactive Substances Act 2016 (s36(2))", (("Psychoactive substances", 1),), 1),
    ("", (("", 1),), 1),
)
_OUTCOMES = (
    ("A no further action disposal", 70), ("Arrest", 12), ("Khat or Cannabis warning", 6),
    ("Community resolution", 4), ("Summons / charged by post", 3), ("Caution (simple or conditional)", 1),
    ("Penalty Notice for Disorder", 1), ("", 3),
)
_LEGACY_OUTCOMES = (
    ("Nothing found - no further action", 70), ("Suspect arrested", 12),
    ("Offender given drugs possession warning", 6), ("Local resolution", 5), ("Suspect summonsed to court", 3),
    ("Offender cautioned", 2), ("Offender given penalty notice", 1),
    ("Article found - Detailed outcome unavailable", 1),
)
_OPERATIONS = ("Operation Venture", "Op Sceptre", "Operation Trident")


def _table(pairs):
    """(values, cumulative weights) for ``random.choices`` (cumulative: no re-summing per draw)."""
    values = [v for v, _ in pairs]
    return values, list(accumulate(w for _, w in pairs))


def generate_public_csv(path: str | Path, rows: int = 100_000, seed: int = 0) -> Path:
    """Write ``rows`` stop rows (plus header) to ``path`` and return it."""
    rng = random.Random(seed)
    types, type_w = _table(_TYPES)
    genders, gender_w = _table(_GENDERS)
    ages, age_w = _table(_AGES)
    sdes, sde_w = _table(_SELF_DEFINED)
    legacy_sdes, legacy_sde_w = _table(_LEGACY_SELF_DEFINED)
    odes, ode_w = _table(_OFFICER_DEFINED)
    outcomes, outcome_w = _table(_OUTCOMES)
    legacy_outcomes, legacy_outcome_w = _table(_LEGACY_OUTCOMES)
    power_w = list(accumulate(w for _, _, w in _POWERS))
    objects = [_table(objs) for _, objs, _ in _POWERS]
    # A pool of snap points, as the anonymisation gives: many stops share a point.
    points = [(f"{rng.uniform(50.2, 55.8):.6f}", f"{rng.uniform(-4.5, 1.6):.6f}") for _ in range(max(50, rows // 40))]
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    minutes_in_year = 365 * 24 * 60

    lines = [HEADER]
    previous = ""
    for _ in range(rows):
        if previous and rng.random() < 0.01:
            lines.append(previous)  # exact duplicate row: a group search
            continue
        legacy = rng.random() < 0.15
        kind = rng.choices(types, cum_weights=type_w)[0]
        if rng.random() < 0.03:
            when = (start + timedelta(days=rng.randrange(365))).strftime("%Y-%m-%dT00:00:00+00:00")
        else:
            when = (start + timedelta(minutes=rng.randrange(minutes_in_year))).strftime("%Y-%m-%dT%H:%M:00+00:00")
        in_operation = rng.random() < 0.07
        operation = rng.choice(_OPERATIONS) if in_operation and rng.random() < 0.5 else ""
        lat, lon = rng.choice(points) if rng.random() < 0.85 else ("", "")
        if kind == "Vehicle search":
            gender = age = sde = ode = removal = ""
        else:
            gender = rng.choices(genders, cum_weights=gender_w)[0]
            age = rng.choices(ages, cum_weights=age_w)[0]
            if legacy:
                sde = rng.choices(legacy_sdes, cum_weights=legacy_sde_w)[0]
            else:
                sde = rng.choices(sdes, cum_weights=sde_w)[0]
            ode = rng.choices(odes, cum_weights=ode_w)[0]
            removal = rng.choice(("False", "False", "False", "True", ""))
        power_index = rng.choices(range(len(_POWERS)), cum_weights=power_w)[0]
        legislation = _POWERS[power_index][0]
        object_values, object_weights = objects[power_index]
        obj = rng.choices(object_values, cum_weights=object_weights)[0]
        outcome = (rng.choices(legacy_outcomes, cum_weights=legacy_outcome_w)[0] if legacy
                   else rng.choices(outcomes, cum_weights=outcome_w)[0])
        linked = rng.choice(("True", "False", "False", ""))
        previous = ",".join((
            kind, when, "True" if in_operation else rng.choice(("False", "")), operation, lat, lon, gender, age,
            sde, ode, legislation, obj, outcome, linked, removal,
        ))
        lines.append(previous)
    path = Path(path)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def time_parse(path: str | Path, repeats: int = 3) -> float:
    """Best-of-``repeats`` wall time in seconds for `parse_stop_file` on ``path`` (CPU time printed too,
    since a busy machine inflates wall time)."""
    from reviewtool.core.stops import parse_stop_file

    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        parsed = parse_stop_file(path)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"{parsed.summary()}; parse best of {repeats}: {best_wall:.3f} s wall, {best_cpu:.3f} s CPU")
    return best_wall


def main(argv: list[str]) -> int:
    rows = int(argv[0]) if argv and not argv[0].startswith("--") else 100_000
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    with tempfile.TemporaryDirectory() as tmp:
        target = keep or Path(tmp) / "bench-stop-and-search.csv"
        began = time.perf_counter()
        generate_public_csv(target, rows=rows)
        print(f"generated {rows} rows ({target.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - began:.2f} s")
        time_parse(target)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main(sys.argv[1:]))
