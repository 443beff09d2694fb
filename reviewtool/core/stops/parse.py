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
a force export as Europe/London local time (a file-level warning says which).

References: a row without one gets ``PUB-<first 12 hex of source_digest>-<row number:05d>``.  The digest is
of the normalised content (see `ParsedFile`), so re-importing the same file, or a re-download with other
line endings or a BOM, gives the same references, and identical rows in one file stay distinct stops.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from os import PathLike
from pathlib import Path
from typing import Any

from ..csvsafe import unneutralise
from .fields import FIELD_BY_NAME, PUBLIC_FIELDS, REQUIRED_FIELDS, StopField, field_for_column
from .records import LONDON, ParsedFile, RowIssue, StopFileError, StopFileFormat, StopRow
from .values import UTC, check_coordinates, parse_bool, parse_datetime, split_footage
from .vocab import VOCAB_FIELDS, VocabValue, ethnicity_group, normalise, outcome_group

_PUBLIC_NAMES = frozenset(f.name for f in PUBLIC_FIELDS)
_BOOL_FIELDS = ("part_of_policing_operation", "outcome_linked_to_object_of_search",
                "removal_of_more_than_just_outer_clothing")
_TEXT_FIELDS = ("policing_operation", "officer", "team", "area", "grounds")
_ROW_VOCAB_FIELDS = tuple(f for f in VOCAB_FIELDS if f != "type")

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


# -- rows to StopRow ---------------------------------------------------------------------------------


class _RowBuilder:
    """Turns one row's cleaned cells (field name → stripped text) into a StopRow or a skip reason."""

    def __init__(self, parsed: ParsedFile, naive_zone, reference_column: str | None) -> None:
        self.parsed = parsed
        self.naive_zone = naive_zone
        self.reference_column = reference_column
        self.ref_prefix = f"PUB-{parsed.source_digest[:12]}-"
        self.seen_refs: dict[str, int] = {}
        self.saw_naive_time = False
        self._vocab_cache: dict[str, dict[str, VocabValue]] = {f: {} for f in VOCAB_FIELDS}
        self._group_cache: dict[str, str | None] = {}

    def skip(self, row_number: int, field: str | None, value: str | None, reason: str) -> None:
        self.parsed.skipped.append(RowIssue(row_number, field, value or None, reason))

    def build(self, n: int, cells: dict[str, str], extra: dict[str, str],
              outcome_id: str | None = None) -> StopRow | None:
        get = cells.get
        problems: list[tuple[str, str, str]] = []
        warnings: list[RowIssue] = []

        kind = get("type", "")
        if not kind:
            problems.append(("type", "", "missing Type (every stop needs one)"))
        when_text = get("datetime", "")
        when = None
        if not when_text:
            problems.append(("datetime", "", "missing Date"))
        else:
            when, naive, note = parse_datetime(when_text, self.naive_zone)
            if when is None:
                problems.append(("datetime", when_text, "unparseable date (expected e.g. 2019-12-01T00:21:59+00:00)"))
            else:
                if naive:
                    self.saw_naive_time = True
                if note:
                    warnings.append(RowIssue(n, "datetime", when_text, note))

        reference = get("reference", "")
        derived = not reference
        if reference:
            first = self.seen_refs.get(reference)
            if first is not None:
                problems.append(("reference", reference, f"duplicate reference (first on row {first})"))
        else:
            reference = f"{self.ref_prefix}{n:05d}"
            if self.reference_column is not None:
                warnings.append(RowIssue(n, "reference", None,
                                         f"empty {self.reference_column}; derived {reference}"))

        if problems:
            field, value, reason = problems[0]
            for other_field, other_value, other_reason in problems[1:]:
                shown = f" {other_value!r}" if other_value else ""
                reason += f"; also {other_field}{shown}: {other_reason}"
            self.skip(n, field, value, reason)
            return None

        values: dict[str, Any] = {}
        values["type"] = self._vocab("type", kind, n, warnings)
        for name in _ROW_VOCAB_FIELDS:
            text = get(name, "")
            values[name] = self._vocab(name, text, n, warnings) if text else None
        for name in _BOOL_FIELDS:
            text = get(name, "")
            flag, understood = parse_bool(text)
            if not understood:
                warnings.append(RowIssue(n, name, text, "not True/False; left empty"))
            values[name] = flag
        for name in _TEXT_FIELDS:
            values[name] = get(name) or None
        lat, lon, problem = check_coordinates(get("latitude", ""), get("longitude", ""))
        if problem:
            warnings.append(RowIssue(n, "latitude", None, problem))
        sde = values["self_defined_ethnicity"]
        group = None
        if sde:
            group = self._group_cache.get(sde, "?")
            if group == "?":
                group = self._group_cache[sde] = ethnicity_group(sde)

        if warnings:
            self.parsed.warnings.extend(warnings)
        self.seen_refs.setdefault(reference, n)
        return StopRow(
            row_number=n,
            reference=reference,
            reference_is_derived=derived,
            datetime=when,  # type: ignore[arg-type]  # checked above
            latitude=lat,
            longitude=lon,
            footage=split_footage(get("footage", "")),
            self_defined_ethnicity_group=group,
            outcome_group=outcome_group(values["outcome"], outcome_id),
            extra=extra,
            **values,
        )

    def _vocab(self, field: str, text: str, n: int, warnings: list[RowIssue]) -> str:
        cache = self._vocab_cache[field]
        result = cache.get(text)
        if result is None:
            result = cache[text] = normalise(field, text)
        if not result.known:
            warnings.append(RowIssue(n, field, text, "unknown value, kept as written"))
        return result.value

    def finish(self) -> None:
        if self.saw_naive_time:
            zone = "UTC" if self.naive_zone is UTC else "Europe/London local time"
            self.parsed.warnings.append(RowIssue(None, "datetime", None,
                                                 f"times without a UTC offset were read as {zone}"))


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
        delimiter = first_line.strip()[4]
        start = len(first_line) + 1
    stream = io.StringIO(text)
    stream.seek(start)
    while True:  # leading blank lines before the header
        line_start = stream.tell()
        line = stream.readline()
        if line.strip() or not line:
            break
    if delimiter is None:
        delimiter = _sniff_delimiter(line.rstrip("\n"))
    stream.seek(line_start)
    line_offset = text.count("\n", 0, line_start)
    reader = csv.reader(stream, delimiter=delimiter)
    header = next(reader, [])

    fields_at: list[tuple[int, str]] = []
    extra_at: list[tuple[int, str, bool]] = []  # (index, key, keep when empty)
    given: dict[str, str] = {}
    extra_names: set[str] = set()
    for index, raw_header in enumerate(header):
        heading = raw_header.strip()
        if not heading:
            extra_at.append((index, f"column {index + 1}", False))
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

    is_public = set(given) == _PUBLIC_NAMES and not extra_names
    fmt: StopFileFormat = "police-csv" if is_public else "force-export-csv"
    parsed = ParsedFile(
        source_name=name, format=fmt, source_digest=digest, raw_digest=raw_digest,
        columns=tuple(h.strip() for h in header), unknown_columns=tuple(sorted(extra_names)),
    )
    absent = [f.column for f in PUBLIC_FIELDS if f.name not in given]
    if absent:
        parsed.warnings.append(RowIssue(None, None, None, f"no column for {', '.join(absent)}; left empty"))
    builder = _RowBuilder(parsed, UTC if is_public else LONDON, given.get("reference"))
    _read_csv_rows(reader, parsed, builder, fields_at, extra_at, len(header), delimiter, "'" in text, name,
                   line_offset)
    builder.finish()
    return parsed


def _read_csv_rows(reader, parsed: ParsedFile, builder: _RowBuilder, fields_at, extra_at, width: int,
                   delimiter: str, may_be_neutralised: bool, name: str, line_offset: int) -> None:
    """Rows after the header; ``line_offset`` = physical lines before the header (for messages)."""
    rows = parsed.rows
    n = 0
    last_line = reader.line_num
    try:
        for row in reader:
            n += 1
            first_line, last_line = last_line + 1, reader.line_num
            if not any(row):
                parsed.blank_rows += 1
                continue
            if len(row) != width:
                if len(row) > width:
                    surplus = [c for c in row[width:] if c.strip()]
                    if surplus:
                        builder.skip(n, None, surplus[0],
                                     f"row has {len(row)} cells but the header has {width} (misaligned row?)")
                        continue
                    row = row[:width]
                else:
                    parsed.warnings.append(RowIssue(n, None, None,
                                                    f"row has {len(row)} cells, the header {width}; "
                                                    "missing cells read as empty"))
                    row = row + [""] * (width - len(row))
            cells = {field: row[index].strip() for index, field in fields_at}
            if may_be_neutralised:
                for field, value in cells.items():
                    if value[:1] == "'":
                        cells[field] = unneutralise(value).strip()
            extra = {}
            for index, key, keep_empty in extra_at:
                value = row[index].strip()
                if may_be_neutralised and value[:1] == "'":
                    value = unneutralise(value).strip()
                if value or keep_empty:
                    extra[key] = value
            if last_line > first_line and _swallowed_rows(row, delimiter, width):
                builder.skip(n, None, None,
                             f"a quoted cell runs from line {first_line + line_offset} to line "
                             f"{last_line + line_offset} and contains "
                             "what look like further rows (unbalanced quote?)")
                continue
            stop = builder.build(n, cells, extra)
            if stop is not None:
                rows.append(stop)
    except csv.Error as exc:
        raise StopFileError(f"{name}: line {reader.line_num + line_offset}: unreadable CSV ({exc})") from exc


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
                    key_fields[key] = field_for_column(key)
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
    builder = _RowBuilder(parsed, UTC, "reference" if "reference" in present else None)
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
            if known is not None:
                if known.name == "outcome" and value is False:
                    value = None  # old API responses: false = no outcome recorded
                cells[known.name] = _json_text(value)
            elif key == "location":
                _json_location(value, cells, extra, n, parsed)
            elif key == "outcome_object" and isinstance(value, dict):
                outcome_id = _json_text(value.get("id")) or None
                outcome_name = _json_text(value.get("name"))
                if outcome_id:
                    extra["outcome_id"] = outcome_id
            else:
                extra[key] = _json_text(value)
        if not cells.get("outcome") and outcome_name:
            cells["outcome"] = outcome_name
        stop = builder.build(n, cells, extra, outcome_id)
        if stop is not None:
            parsed.rows.append(stop)
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
