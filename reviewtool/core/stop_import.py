"""Importing stop records into the database: one file, one transaction.

Parsing (formats, vocabularies, stable references) lives in `reviewtool.core.stops`; this service
stores what parsed.  A file either commits whole — with a per-row report of what was skipped and
why — or, in strict mode or on any error, not at all.  Re-importing a file adds nothing: references
are stable (derived from the normalised file content and row number when the file has none), and
rows whose reference is already stored are counted, not duplicated.  Bulk Core inserts keep a
100,000-row file within the benchmark target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterable, Sequence

from sqlalchemy import JSON, Table, select
from sqlalchemy.orm import Session

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import ValidationError
from reviewtool.core.footage_links import link_stops_to_footage
from reviewtool.core.models import ImportBatch, Officer, StopRecord
from reviewtool.core.stops import STOP_FIELDS, ParsedFile, StopFileError, StopRow, parse_stop_file
from reviewtool.progress import Job, Progress

_CHUNK = 900  # below SQLite's default bound-parameter limit

# StopRow field -> StopRecord column, where the names differ.
_COLUMN_FOR_FIELD = {"datetime": "occurred_at", "footage": "footage_refs"}
_NOT_STORED_AS_COLUMNS = {"officer", "reference"}


@dataclass
class FileImportReport:
    source_name: str
    format: str
    rows_in_file: int
    added: int
    already_present: int
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (row, field, reason)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.source_name}: {self.added} added"]
        if self.already_present:
            parts.append(f"{self.already_present} already present")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warnings")
        return ", ".join(parts)


def _issue_tuples(issues: Iterable[Any]) -> list[tuple[int, str, str]]:
    return [(i.row_number, i.field, i.reason) for i in issues]


# The StopRecord columns filled from a StopRow, and the StopRow attribute feeding each.
_ROW_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (_COLUMN_FOR_FIELD.get(f.name, f.name), f.name)
    for f in STOP_FIELDS if f.name not in _NOT_STORED_AS_COLUMNS
) + (("reference", "reference"), ("reference_is_derived", "reference_is_derived"), ("row_number", "row_number"),
     ("extra", "extra"))
_FOOTAGE_POSITION = [c for c, _ in _ROW_COLUMNS].index("footage_refs")
_read_row = attrgetter(*(attr for _, attr in _ROW_COLUMNS))


def stop_record_tuple(row: StopRow) -> list[Any]:
    values = list(_read_row(row))
    footage = values[_FOOTAGE_POSITION]
    values[_FOOTAGE_POSITION] = ";".join(footage) if footage else None
    return values


def _bulk_insert(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """One executemany of pre-processed rows.

    Core's executemany builds a parameter dict per row and runs every type's bind processor through
    it, which is most of the cost of a 100,000-row file; here the same bind processors (so the stored
    form is exactly SQLAlchemy's) run once per value, and the rows go to the driver as they are."""
    dialect = session.get_bind().dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    if compiled.positional:
        order = [columns.index(key) for key in compiled.positiontup]
    else:
        order = list(range(len(columns)))
        if {compiled.bind_names[b] for b in compiled.binds.values()} != set(columns):
            raise RuntimeError("unexpected bind names in the stop insert")
    processors = []
    for position, i in enumerate(order):
        column_type = table.c[columns[i]].type
        process = column_type._cached_bind_processor(dialect)
        if process is not None:
            processors.append((position, _json_once_for_empty(process) if isinstance(column_type, JSON) else process))
    processed: list[Any] = []
    for row in rows:
        values = [row[i] for i in order]
        for position, process in processors:
            values[position] = process(values[position])
        processed.append(tuple(values))
    params: list[Any] = processed if compiled.positional else [dict(zip(columns, v)) for v in processed]
    session.connection().exec_driver_sql(compiled.string, params)


def _json_once_for_empty(process: Any) -> Any:
    """Most stops have no extra columns: serialise the empty mapping once, not once per row."""
    empty = process({})

    def run(value: Any) -> Any:
        return empty if value == {} else process(value)

    return run


def _existing_references(session: Session, references: Sequence[str]) -> set[str]:
    """Which of these references are stored already: one range scan of the unique index (a file's
    derived references share a prefix), then set arithmetic — not a hundred IN lists."""
    if not references:
        return set()
    low, high = min(references), max(references)
    stored = session.scalars(select(StopRecord.reference).where(StopRecord.reference.between(low, high)))
    return set(stored).intersection(references)


def _officer_ids(session: Session, rows: Sequence[StopRow]) -> dict[str, int]:
    wanted = sorted({r.officer for r in rows if r.officer})
    ids: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        ids.update(session.execute(select(Officer.identifier, Officer.id).where(Officer.identifier.in_(chunk))).all())
    for identifier in wanted:
        if identifier not in ids:
            first = next(r for r in rows if r.officer == identifier)
            officer = Officer(identifier=identifier, team=first.team, area=first.area)
            session.add(officer)
            session.flush()
            ids[identifier] = officer.id
    return ids


class StopImportService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def import_files(self, actor: Actor, paths: Sequence[Path], *, strict: bool = False) -> "Job[list[FileImportReport]]":
        """Import each file in its own transaction; yields progress per file and stage."""
        actor.require(Permission.IMPORT)
        reports: list[FileImportReport] = []
        for n, path in enumerate(paths):
            yield Progress(n, len(paths), f"reading {Path(path).name}")
            try:
                parsed = parse_stop_file(Path(path))
            except StopFileError as exc:
                raise ValidationError(str(exc)) from None
            except OSError as exc:
                raise ValidationError(f"{path}: cannot be read ({exc.strerror or exc})") from None
            yield Progress(n, len(paths), f"storing {parsed.source_name}")
            reports.append(self.store(actor, parsed, strict=strict))
        yield Progress(len(paths), len(paths), "done")
        return reports

    def store(self, actor: Actor, parsed: ParsedFile, *, strict: bool = False) -> FileImportReport:
        actor.require(Permission.IMPORT)
        report = FileImportReport(
            source_name=parsed.source_name, format=parsed.format,
            rows_in_file=len(parsed.rows) + len(parsed.skipped), added=0, already_present=0,
            skipped=_issue_tuples(parsed.skipped), warnings=_issue_tuples(parsed.warnings),
        )
        if strict and parsed.skipped:
            first = parsed.skipped[0]
            raise ValidationError(
                f"{parsed.source_name}: nothing imported (--strict): {len(parsed.skipped)} bad rows, the first "
                f"at row {first.row_number}, {first.field}: {first.reason}")
        with self.db.session() as s:
            existing = _existing_references(s, [r.reference for r in parsed.rows])
            new_rows = [r for r in parsed.rows if r.reference not in existing]
            report.already_present = len(parsed.rows) - len(new_rows)
            batch = ImportBatch(source_name=parsed.source_name, source_digest=parsed.source_digest,
                                format=parsed.format, rows_in_file=report.rows_in_file, rows_added=len(new_rows),
                                rows_already_present=report.already_present, rows_skipped=len(report.skipped),
                                report=[list(t) for t in report.skipped[:1000]], imported_at=utcnow(),
                                imported_by=actor.username)
            s.add(batch)
            s.flush()
            officer_ids = _officer_ids(s, new_rows)
            columns = [c for c, _ in _ROW_COLUMNS] + ["import_batch_id", "officer_id"]
            values = []
            for row in new_rows:
                v = stop_record_tuple(row)
                v.append(batch.id)
                v.append(officer_ids.get(row.officer) if row.officer else None)
                values.append(v)
            if values:
                _bulk_insert(s, StopRecord.__table__, columns, values)
            report.added = len(values)
            linked = link_stops_to_footage(s, actor, [r.reference for r in new_rows if r.footage])
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.IMPORT_STOPS,
                         object_type="import_batch", object_id=batch.id,
                         details={"file": parsed.source_name, "digest": parsed.source_digest,
                                  "format": parsed.format, "added": report.added,
                                  "already_present": report.already_present, "skipped": len(report.skipped),
                                  "footage_links": linked, "strict": strict})
        return report
