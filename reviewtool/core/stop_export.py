"""`export stops`: every stop as a CSV row, `reference` plus every stop field in snake_case."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database
from reviewtool.core.models import StopRecord
from reviewtool.core.stops import write_stops_csv

_FIELD_FOR_COLUMN = {"occurred_at": "datetime"}


def stop_as_fields(stop: StopRecord) -> dict[str, Any]:
    """A stored stop as the parser's field names (the shape `write_stops_csv` and sampling expect)."""
    row: dict[str, Any] = {}
    for column in StopRecord.__table__.columns.keys():
        if column in ("id", "import_batch_id", "row_number", "officer_id", "extra", "reference_is_derived",
                      "footage_refs"):
            continue
        row[_FIELD_FOR_COLUMN.get(column, column)] = getattr(stop, column)
    row["officer"] = stop.officer.identifier if stop.officer else None
    row["footage"] = [t for t in (stop.footage_refs or "").split(";") if t]
    row["extra"] = dict(stop.extra or {})
    return row


class StopExportService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def export_csv(self, actor: Actor, out: Path) -> int:
        actor.require(Permission.EXPORT)
        with self.db.read() as s:
            stops = s.scalars(select(StopRecord).options(selectinload(StopRecord.officer)).order_by(StopRecord.id))

            def rows() -> Iterator[dict[str, Any]]:
                for stop in stops:
                    yield stop_as_fields(stop)

            count = write_stops_csv(rows(), out)
        with self.db.session() as s:
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.EXPORT, object_type="stops",
                         object_id="all", details={"file": str(out), "rows": count})
        return count
