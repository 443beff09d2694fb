"""Read a stop-and-search file (data.police.uk CSV or JSON, or a force export CSV) into `ParsedFile`.

The format is told by content, not by file name: text starting with ``[``/``{`` is JSON, anything else is
CSV whose header must name the required columns (``Type``, ``Date``, ``Legislation``, ``Object of search``,
``Outcome``).  A CSV whose columns are exactly the 15 public ones is ``police-csv``; one with any other
set of columns (force columns, unknown extras kept in ``StopRow.extra``, optional public columns absent)
is ``force-export-csv``.  The delimiter is whichever of ``,`` ``;`` tab makes the header recognisable
(Excel in some locales writes ``;``), and an Excel ``sep=`` first line is honoured.

Rows, not files, carry most problems:

* **skipped** (not imported, one `RowIssue` each): missing ``Type``; missing or unparseable ``Date``;
  cells beyond the header that are not empty (the row is misaligned); a duplicate ``Reference`` within
  the file; a quoted cell that swallows what look like further rows (an unbalanced quote).
* **warned** (imported): unknown vocabulary (kept as written); a boolean that is not True/False/yes/no
  (left empty); an invalid or half location (both coordinates left empty); a short row (missing cells
  read as empty); an empty ``Reference`` in a force export (a reference is derived); an ambiguous
  local time.  Rows whose cells are all empty are not stops: counted in ``blank_rows``, not reported.

Times: public files are UTC; an offset-less time in a public file (old API responses) is read as UTC, in
a force export as Europe/London local time (a file-level warning says which).  Force exports may write
``dd/mm/yyyy hh:mm`` (day first, never month first) and may split the time into a ``Time`` column,
which is joined onto a ``Date`` that has no time of its own.

Text: UTF-8 (BOM stripped) or UTF-16 with a BOM (Excel "Unicode text"); nothing else is guessed, so a
cp1252 file is refused with the line of its first bad byte rather than read with wrong characters.
Cells are stripped, and a leading apostrophe that our own export added is removed again
(`reviewtool.core.csvsafe`), so an export re-imports unchanged.

References: a row without one gets ``PUB-<first 12 hex of source_digest>-<row number:05d>``.  The digest is
of the normalised content (see `ParsedFile`), so re-importing the same file, or a re-download with other
line endings or a BOM, gives the same references, and identical rows in one file stay distinct stops.
The price: if data.police.uk republishes a month with any row corrected, every derived reference of that
file changes, and the import service must notice the overlap (same force and month) itself.  A reference
from the row's content instead would survive that, but two forces' unmapped rows can be identical, and a
collision would silently drop a stop; the design (section 3) chose digest + row number.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import io
import json
from contextlib import contextmanager
from itertools import repeat
from os import PathLike
from pathlib import Path
from typing import Any

from ..csvsafe import unneutralise
from .fields import (
    FIELD_BY_NAME,
    PUBLIC_FIELDS,
    REQUIRED_FIELDS,
    StopField,
    field_for_column,
    field_for_json_key,
    normalise_column_name,
)
from .records import LONDON, ParsedFile, RowIssue, StopFileError, StopFileFormat
from .rowbuild import INPUT_FIELDS, RowBuilder
from .values import UTC

_PUBLIC_NAMES = frozenset(f.name for f in PUBLIC_FIELDS)
# A force export may split the stop time into Date + Time columns; the time is joined onto the date.
_TIME_COLUMNS = frozenset({"time", "search time", "time of search", "stop time", "time of stop"})

_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF8", "a GIF image"),
    (0, b"%PDF", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive or Excel workbook; save it as CSV"),
    (0, b"\xd0\xcf\x11\xe0", "an Office document (.xls); save it as CSV"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
    (4, b"ftyp", "a video file"),
    (0, b"\x1a\x45\xdf\xa3", "a video file"),
)


def parse_stop_file(path: str | PathLike[str]) -> ParsedFile:
    """Read and parse one stop file.  Raises `StopFileError` (one line, naming the file)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StopFileError(f"{path.name}: cannot read: {exc.strerror or exc}") from exc
    return parse_stop_bytes(data, path.name)


def parse_stop_bytes(data: bytes, name: str) -> ParsedFile:
    """Parse the bytes of a stop file called ``name`` (used in messages and as ``source_name``)."""
    with _collector_paused():
        return _parse(data, name)


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while building rows.

    Parsing allocates a few hundred thousand long-lived containers (rows, their dicts, cell lists) and
    nothing cyclic; the collector's repeated full passes over them measured ~40 % of the time for
    100,000 rows.  Reference counting still frees everything.  Only re-enabled if we disabled it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(data: bytes, name: str) -> ParsedFile:
    text = _decode(data, name)
    if not text.strip():
        raise StopFileError(f"{name}: empty file")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n") + "\n"
    raw_digest = hashlib.sha256(data).hexdigest()
    if text.lstrip()[:1] in ("[", "{"):
        return _parse_json(text, name, raw_digest)
    normalised = text.encode("utf-8")
    digest = raw_digest if normalised == data else hashlib.sha256(normalised).hexdigest()
    return _parse_csv(text, name, digest, raw_digest)


# -- bytes to text -----------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    if not data:
        raise StopFileError(f"{name}: empty file")
    for offset, magic, what in _MAGIC:
        if data[offset:offset + len(magic)] == magic:
            raise StopFileError(f"{name}: not a stop-and-search file: {what}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", data
    else:
        if b"\x00" in data[:4096]:
            raise StopFileError(f"{name}: not a stop-and-search file: binary data, not CSV or JSON text")
        encoding, body = "utf-8", data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-16":
            line = body[:exc.start - exc.start % 2].decode("utf-16", "replace").count("\n") + 1
        else:
            line = body.count(b"\n", 0, exc.start) + 1
        bad = body[exc.start]
        raise StopFileError(
            f"{name}: line {line}: not {encoding.upper()} text (byte 0x{bad:02x}); save the file as UTF-8 CSV"
        ) from exc
    return text[1:] if text.startswith("\ufeff") else text


# -- CSV ---------------------------------------------------------------------------------------------


def _sniff_delimiter(first_line: str) -> str:
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t"):
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        score = sum(1 for h in header if field_for_column(h) is not None)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _missing_columns_error(name: str, present: set[str]) -> StopFileError:
    missing = [FIELD_BY_NAME[f].column for f in REQUIRED_FIELDS if f not in present]
    return StopFileError(f"{name}: not a stop-and-search file: missing columns {', '.join(missing)}")


def _parse_csv(text: str, name: str, digest: str, raw_digest: str) -> ParsedFile:
    start = 0
    first_line = text[:text.find("\n")]
    delimiter = None
    if first_line.lower().startswith("sep=") and len(first_line.strip()) == 5:
        delimiter = first_line.strip()[4]  # Excel's delimiter hint line
        start = len(first_line) + 1
    header_start = start
    while header_start < len(text):  # blank lines before the header
        header_end = text.find("\n", header_start)
        if text[header_start:header_end].strip():
            break
        header_start = header_end + 1
    header_end = text.find("\n", header_start)
    header_line = text[header_start:header_end]
    if delimiter is None:
        delimiter = _sniff_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    line_offset = text.count("\n", 0, header_start) + 1  # physical lines before the first data line

    fields_at: list[tuple[int, str]] = []
    extra_at: list[tuple[int, str, bool]] = []  # (index, key, keep when empty)
    given: dict[str, str] = {}
    extra_names: set[str] = set()
    time_at: int | None = None
    for index, raw_header in enumerate(header):
        heading = raw_header.strip()
        if not heading:
            extra_at.append((index, f"column {index + 1}", False))
            continue
        if normalise_column_name(heading) in _TIME_COLUMNS:
            if time_at is not None:
                raise StopFileError(f"{name}: columns {header[time_at].strip()!r} and {heading!r} both give the time")
            time_at = index
            continue
        known = field_for_column(heading)
        if known is None:
            if heading in extra_names:
                raise StopFileError(f"{name}: column {heading!r} appears twice")
            extra_names.add(heading)
            extra_at.append((index, heading, True))
        elif known.source == "derived":
            continue  # our own export's derived columns: recomputed, not read
        elif known.name in given:
            raise StopFileError(
                f"{name}: columns {given[known.name]!r} and {heading!r} both give {known.column}; keep one")
        else:
            given[known.name] = heading
            fields_at.append((index, known.name))
    if not all(f in given for f in REQUIRED_FIELDS):
        raise _missing_columns_error(name, set(given))

    is_public = set(given) == _PUBLIC_NAMES and not extra_names and time_at is None
    fmt: StopFileFormat = "police-csv" if is_public else "force-export-csv"
    parsed = ParsedFile(
        source_name=name, format=fmt, source_digest=digest, raw_digest=raw_digest,
        columns=tuple(h.strip() for h in header), unknown_columns=tuple(sorted(extra_names)),
    )
    absent = [f.column for f in PUBLIC_FIELDS if f.name not in given]
    if absent:
        parsed.warnings.append(RowIssue(None, None, None, f"no column for {', '.join(absent)}; left empty"))
    builder = RowBuilder(parsed, UTC if is_public else LONDON, given.get("reference"))
    body = text[header_end + 1:]
    numbers, rows = _read_csv_rows(body, parsed, builder, len(header), delimiter, name, line_offset)

    width = len(header)
    raw_columns = list(zip(*rows)) if rows else [()] * width
    clean = _unneutralised if "'" in body else str.strip
    columns = {field: raw_columns[index] for index, field in fields_at}
    if time_at is not None:
        columns["datetime"] = list(map(_date_and_time, columns["datetime"], raw_columns[time_at]))
    if extra_at:
        keys = [key for _, key, _ in extra_at]
        values = [list(map(clean, raw_columns[index])) for index, _, _ in extra_at]
        extras = [dict(zip(keys, row_values)) for row_values in zip(*values)] if rows else []
        unnamed = [key for _, key, keep in extra_at if not keep]
        for extra in extras if unnamed else ():
            for key in unnamed:
                if not extra[key]:
                    del extra[key]
    else:
        extras = [{} for _ in numbers]
    builder.build(numbers, columns, extras, clean=clean)
    builder.finish()
    return parsed


def _read_csv_rows(body: str, parsed: ParsedFile, builder: RowBuilder, width: int, delimiter: str, name: str,
                   line_offset: int) -> tuple[list[int], list[list[str]]]:
    """(row numbers, rows of exactly ``width`` cells) for the data rows worth building.

    Blank rows are counted, misaligned rows skipped, short rows padded (with a warning).  Without any
    quote character in the body (every real public file) a line is a row and ``str.split`` reads it;
    otherwise the csv module does, and its line numbers locate rows with multi-line cells.
    """
    ends: list[int] | None = None
    if '"' not in body:
        lines = body.split("\n")
        lines.pop()  # after the final newline
        rows = list(map(str.split, lines, repeat(delimiter)))
        if set(map(len, rows)) <= {width} and all(map(any, rows)):
            return list(range(1, len(rows) + 1)), rows
    else:
        reader = csv.reader(io.StringIO(body), delimiter=delimiter)
        rows, ends = [], []
        try:
            for row in reader:
                rows.append(row)
                ends.append(reader.line_num)
        except csv.Error as exc:
            raise StopFileError(f"{name}: line {reader.line_num + line_offset}: unreadable CSV ({exc})") from exc

    numbers: list[int] = []
    kept: list[list[str]] = []
    previous_end = 0
    for index, row in enumerate(rows):
        n = index + 1
        first_line, last_line = previous_end + 1, (ends[index] if ends is not None else n)
        previous_end = last_line
        if not any(row):
            parsed.blank_rows += 1
            continue
        if len(row) > width:
            surplus = [c for c in row[width:] if c.strip()]
            if surplus:
                builder.skip(n, None, surplus[0],
                             f"row has {len(row)} cells but the header has {width} (misaligned row?)")
                continue
            del row[width:]
        elif len(row) < width:
            parsed.warnings.append(RowIssue(n, None, None, f"row has {len(row)} cells, the header {width}; "
                                                           "missing cells read as empty"))
            row.extend([""] * (width - len(row)))
        if last_line > first_line and _swallowed_rows(row, delimiter, width):
            builder.skip(n, None, None,
                         f"a quoted cell runs from line {first_line + line_offset} to line "
                         f"{last_line + line_offset} and contains what look like further rows "
                         "(unbalanced quote?)")
            continue
        numbers.append(n)
        kept.append(row)
    return numbers, kept


def _date_and_time(date_cell: str, time_cell: str) -> str:
    """Join a separate Time column (force exports) onto a Date that has no time of its own."""
    date_text, time_text = date_cell.strip(), time_cell.strip()
    if date_text and time_text and ":" not in date_text:
        return f"{date_text} {time_text}"
    return date_text


def _unneutralised(cell: str) -> str:
    cell = cell.strip()
    return unneutralise(cell).strip() if cell[:1] == "'" else cell


def _swallowed_rows(row: list[str], delimiter: str, width: int) -> bool:
    for cell in row:
        if "\n" in cell:
            for line in cell.split("\n"):
                if width > 2 and line.count(delimiter) >= width - 1:
                    return True
    return False


# -- JSON --------------------------------------------------------------------------------------------


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _parse_json(text: str, name: str, raw_digest: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StopFileError(f"{name}: line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, list):
        found = "an object" if isinstance(data, dict) else f"a {type(data).__name__}"
        raise StopFileError(
            f"{name}: not a stop-and-search file: expected a JSON array of stops (data.police.uk API), found {found}")
    key_fields: dict[str, StopField | None] = {}
    present: set[str] = set()
    objects = 0
    for item in data:
        if isinstance(item, dict):
            objects += 1
            for key in item:
                if key not in key_fields:
                    key_fields[key] = field_for_json_key(key)
                known = key_fields[key]
                if known is not None:
                    present.add(known.name)
                elif key == "location":
                    present.update(("latitude", "longitude"))
    if data and not objects:
        raise StopFileError(f"{name}: not a stop-and-search file: the JSON array holds no objects")
    if data and not all(f in present for f in REQUIRED_FIELDS):
        missing = [FIELD_BY_NAME[f].json_key or f for f in REQUIRED_FIELDS if f not in present]
        raise StopFileError(f"{name}: not a stop-and-search file: JSON objects lack keys {', '.join(missing)}")

    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    parsed = ParsedFile(
        source_name=name, format="police-json",
        source_digest=hashlib.sha256(canonical.encode("utf-8")).hexdigest(), raw_digest=raw_digest,
        columns=tuple(key_fields), unknown_columns=tuple(sorted(
            k for k, f in key_fields.items() if f is None and k not in ("location", "outcome_object"))),
    )
    builder = RowBuilder(parsed, UTC, "reference" if "reference" in present else None)
    numbers: list[int] = []
    rows: list[dict[str, str]] = []
    extras: list[dict[str, str]] = []
    outcome_ids: list[str | None] = []
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            builder.skip(n, None, _json_text(item)[:40], "not a JSON object")
            continue
        cells: dict[str, str] = {}
        extra: dict[str, str] = {}
        outcome_id = None
        outcome_name = ""
        for key, value in item.items():
            known = key_fields[key]
            if known is not None and not (known.name == "outcome" and isinstance(value, dict)):
                if known.name == "outcome" and value is False:
                    value = None  # old API responses: false = no outcome recorded
                cells[known.name] = _json_text(value)
            elif key == "location":
                _json_location(value, cells, extra, n, parsed)
            elif key in ("outcome_object", "outcome"):  # {id, name}
                if isinstance(value, dict):
                    outcome_id = _json_text(value.get("id")) or None
                    outcome_name = _json_text(value.get("name"))
                    if outcome_id:
                        extra["outcome_id"] = outcome_id
            else:
                extra[key] = _json_text(value)
        if not cells.get("outcome") and outcome_name:
            cells["outcome"] = outcome_name
        numbers.append(n)
        rows.append(cells)
        extras.append(extra)
        outcome_ids.append(outcome_id)
    columns = {field: [cells.get(field, "") for cells in rows] for field in INPUT_FIELDS}
    builder.build(numbers, columns, extras, outcome_ids)
    builder.finish()
    return parsed


def _json_location(value: Any, cells: dict[str, str], extra: dict[str, str], n: int, parsed: ParsedFile) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        parsed.warnings.append(RowIssue(n, "latitude", _json_text(value)[:40], "location is not an object; left empty"))
        return
    cells["latitude"] = _json_text(value.get("latitude"))
    cells["longitude"] = _json_text(value.get("longitude"))
    street = value.get("street")
    if isinstance(street, dict):
        if street.get("id") is not None:
            extra["street_id"] = _json_text(street.get("id"))
        if street.get("name"):
            extra["street_name"] = _json_text(street.get("name"))
