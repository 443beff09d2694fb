"""Cell-level conversions shared by the CSV and JSON readers: dates, booleans, coordinates, clip lists."""

from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo

UTC = timezone.utc

_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")

BOOL_WORDS: dict[str, bool | None] = {
    "true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
    "t": True, "f": False, "1": True, "0": False, "null": None, "none": None, "n/a": None,
}


def parse_bool(text: str) -> tuple[bool | None, bool]:
    """(value, understood).  ``True``/``False``/empty as published; yes/no, y/n, 1/0 too (any case)."""
    if text == "True":
        return True, True
    if text == "False":
        return False, True
    if not text:
        return None, True
    key = text.lower()
    if key in BOOL_WORDS:
        return BOOL_WORDS[key], True
    return None, False


def parse_datetime(text: str, naive_zone: tzinfo) -> tuple[datetime | None, bool, str | None]:
    """Parse a stop time to aware UTC.  Returns (datetime or None, was_naive, note).

    Accepts ISO 8601 (``2019-12-01T00:21:59+00:00`` as published, ``Z``, a space for ``T``, date only)
    and the UK day-first form a spreadsheet writes (``01/12/2019 00:21[:59]``; never month-first).
    A value without an offset is read in ``naive_zone``.  In Europe/London an hour that happens twice
    (clocks back) is read as the first (BST) and an hour that never happens (clocks forward) as GMT;
    ``note`` says so.
    """
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        match = _UK_DATE.fullmatch(text)
        if match is None:
            return None, False, None
        day, month, year, hour, minute, second = match.groups()
        try:
            dt = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        except ValueError:
            return None, False, None
    zone = dt.tzinfo
    if zone is UTC:
        return dt, False, None
    if zone is not None:
        return dt.astimezone(UTC), False, None
    if naive_zone is UTC:
        return dt.replace(tzinfo=UTC), True, None
    local = dt.replace(tzinfo=naive_zone)
    as_utc = local.astimezone(UTC)
    note = None
    if as_utc.astimezone(naive_zone).replace(tzinfo=None) != dt:
        note = "local time that does not exist (clocks went forward); read as GMT"
    elif local.replace(fold=1).utcoffset() != local.utcoffset():
        note = "local time that happened twice (clocks went back); read as the first, BST"
    return as_utc, True, note


_COORD = re.compile(r"[+-]?\d{1,3}(?:\.\d+)?")


def check_coordinates(latitude: str, longitude: str) -> tuple[str | None, str | None, str | None]:
    """(latitude, longitude, problem).  Both or neither: a half or invalid location is dropped whole,
    since a wrong point on a map is worse than none.  Valid values are kept as written."""
    if not latitude and not longitude:
        return None, None, None
    if not latitude or not longitude:
        return None, None, "only one of Latitude/Longitude given; location left empty"
    if not (_COORD.fullmatch(latitude) and -90.0 <= float(latitude) <= 90.0):
        return None, None, f"latitude {latitude!r} is not a decimal between -90 and 90; location left empty"
    if not (_COORD.fullmatch(longitude) and -180.0 <= float(longitude) <= 180.0):
        return None, None, f"longitude {longitude!r} is not a decimal between -180 and 180; location left empty"
    return latitude, longitude, None


_CLIP_SEPARATORS = re.compile(r"[;\n]")


def split_footage(text: str) -> tuple[str, ...]:
    """Clip names or ids from one cell: separated by ``;`` (or line breaks from a spreadsheet cell),
    blanks dropped, duplicates dropped keeping the first."""
    if not text:
        return ()
    seen: dict[str, None] = {}
    for part in _CLIP_SEPARATORS.split(text):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return tuple(seen)
