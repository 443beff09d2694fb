"""Write stop records as CSV: ``reference`` plus every stop field, snake_case, safe to open in a spreadsheet.

Cells are written in the public file's conventions (UTC ISO times with offset, ``True``/``False``, empty
for missing; footage clips joined by ``;``), so the export re-imports through `parse_stop_file` with the
same values.  Every cell goes through `reviewtool.core.csvsafe.neutralise` (formula injection); plain
negative numbers such as a longitude stay as they are.  The file is UTF-8 **with a BOM** by default,
because Excel otherwise misreads non-ASCII text (names in grounds, Ł, é); our parser strips it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any, TextIO

from ..csvsafe import neutralise
from .fields import STOP_FIELDS
from .values import UTC


def stop_export_columns() -> list[str]:
    """``reference`` then every canonical stop field (public, force, derived) in canonical order."""
    return ["reference"] + [f.name for f in STOP_FIELDS if f.name != "reference"]


def format_cell(value: Any) -> str:
    """One value as export text (not yet neutralised).  A naive datetime is taken to be UTC, which is
    what the storage layer keeps."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ";".join(format_cell(v) for v in value)
    return str(value)


def _as_mapping(row: Any) -> Mapping[str, Any]:
    if isinstance(row, Mapping):
        return row
    as_dict = getattr(row, "as_dict", None)
    if as_dict is None:
        raise TypeError(f"cannot export {type(row).__name__}: expected a mapping or an object with as_dict()")
    return as_dict()


def _write(rows: Iterable[Mapping[str, Any] | Any], stream: TextIO) -> int:
    columns = stop_export_columns()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        mapping = _as_mapping(row)
        get = mapping.get
        writer.writerow([neutralise(format_cell(get(column))) for column in columns])
        count += 1
    return count


def write_stops_csv(rows: Iterable[Mapping[str, Any] | Any], out_path: str | PathLike[str] | TextIO,
                    *, bom: bool = True) -> int:
    """Write ``rows`` (mappings keyed by the export columns, or `StopRow`s) and return how many.

    Columns missing from a mapping are written empty; other keys are ignored.  ``out_path`` may be a
    path (written to a temporary file beside it and renamed into place, so a failed export never
    leaves half a file) or an open text stream (written as is; ``bom`` ignored).
    """
    if hasattr(out_path, "write"):
        return _write(rows, out_path)  # type: ignore[arg-type]
    target = Path(out_path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with open(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
            count = _write(rows, stream)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return count
