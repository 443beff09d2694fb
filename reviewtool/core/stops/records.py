"""What the parser hands to the import service: parsed rows, per-row issues and the file summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .fields import STOP_FIELDS

StopFileFormat = Literal["police-csv", "force-export-csv", "police-json"]

LONDON = ZoneInfo("Europe/London")


class StopFileError(ValueError):
    """The file is not a readable stop-and-search file.  ``str(error)`` is one line naming the file."""


@dataclass(frozen=True, slots=True)
class RowIssue:
    """Why a row was skipped, or what is odd about a row that was kept.

    ``row_number`` counts data rows from 1, **not counting the header**: row 1 is the first line after
    the header, i.e. spreadsheet row ``row_number + 1``.  Blank lines count (so the numbering matches a
    spreadsheet view of the file).  In JSON it is the 1-based position in the array.  ``None`` means the
    issue concerns the whole file (e.g. a missing optional column).
    """

    row_number: int | None
    field: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = "file" if self.row_number is None else f"row {self.row_number}"
        what = f" {self.field}" if self.field else ""
        shown = f" {self.value!r}" if self.value else ""
        return f"{where}:{what}{shown}: {self.reason}" if what or shown else f"{where}: {self.reason}"


@dataclass(frozen=True)
class StopRow:
    """One stop, with every canonical field typed.

    Empty strings are ``None``; booleans are tri-state (``None`` = not recorded); coordinates are the
    published decimal strings (``"-1.316167"``: exact, and the anonymised snap point is an identifier
    rather than a measurement); ``datetime`` is timezone-aware UTC.  ``footage`` is a tuple of clip names
    or ids (``as_dict`` gives a list).  ``extra`` holds columns/keys the parser does not know, as text.

    No ``slots``: the parser (``rowbuild._make_row``) hands each row a ready ``__dict__`` in one step; a
    frozen dataclass's ``__init__`` sets its 26 fields one ``object.__setattr__`` call at a time, which
    measured 3-5x the cost and dominated parsing 100,000 rows.  Constructing a StopRow normally works
    the same (tests check both give equal rows).
    """

    row_number: int
    reference: str
    reference_is_derived: bool
    type: str
    datetime: datetime
    part_of_policing_operation: bool | None = None
    policing_operation: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    gender: str | None = None
    age_range: str | None = None
    self_defined_ethnicity: str | None = None
    officer_defined_ethnicity: str | None = None
    legislation: str | None = None
    object_of_search: str | None = None
    outcome: str | None = None
    outcome_linked_to_object_of_search: bool | None = None
    removal_of_more_than_just_outer_clothing: bool | None = None
    officer: str | None = None
    team: str | None = None
    area: str | None = None
    footage: tuple[str, ...] = ()
    grounds: str | None = None
    self_defined_ethnicity_group: str | None = None
    outcome_group: str = ""
    extra: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def local_datetime(self) -> datetime:
        """The stop time in Europe/London (for display and month buckets)."""
        return self.datetime.astimezone(LONDON)

    @property
    def local_month(self) -> str:
        """``YYYY-MM`` of the stop in Europe/London, the month data.police.uk files it under."""
        return self.local_datetime.strftime("%Y-%m")

    def as_dict(self) -> dict[str, Any]:
        """``row_number``, ``reference``, ``reference_is_derived``, every stop field in canonical order
        (footage as a list) and ``extra`` (a copy)."""
        out = {**_AS_DICT_TEMPLATE, **self.__dict__}  # template fixes the key order; one C-level merge
        out["footage"] = list(self.footage)
        out["extra"] = dict(self.extra)
        return out


_AS_DICT_TEMPLATE: dict[str, Any] = dict.fromkeys((
    "row_number", "reference", "reference_is_derived",
    *(f.name for f in STOP_FIELDS if f.name != "reference"), "extra"))
@dataclass(slots=True)
class ParsedFile:
    """Everything read from one file.  Nothing here has touched the database.

    ``source_digest`` is the SHA-256 of the **normalised** content (UTF-8 without BOM, LF line endings,
    one final newline; JSON re-serialised with sorted keys) so that a re-download of the same month with
    other line endings or a BOM digests, and therefore derives references, identically.
    ``raw_digest`` is the SHA-256 of the bytes exactly as given (for the audit log).
    """

    source_name: str
    format: StopFileFormat
    source_digest: str
    raw_digest: str
    columns: tuple[str, ...]
    unknown_columns: tuple[str, ...]
    rows: list[StopRow] = field(default_factory=list)
    skipped: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    blank_rows: int = 0

    @property
    def ok(self) -> bool:
        """True when no data row was skipped (warnings allowed): what ``--strict`` requires."""
        return not self.skipped

    @property
    def has_problems(self) -> bool:
        """True when anything was skipped or warned about."""
        return bool(self.skipped or self.warnings)

    @property
    def data_rows(self) -> int:
        """Rows that carried data: imported plus skipped (blank rows excluded)."""
        return len(self.rows) + len(self.skipped)

    def summary(self) -> str:
        """One line for a progress log or the CLI."""
        parts = [f"{self.source_name}: {len(self.rows)} stops ({self.format})"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warnings")
        return ", ".join(parts)
