"""Stop import into the database, on SQLite and PostgreSQL: real published files, re-import, strict mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewtool.core.audit import Actions, verify_chain
from reviewtool.core.auth import Actor
from reviewtool.core.errors import PermissionDenied, ValidationError
from reviewtool.core.models import AuditEvent, ImportBatch, Officer, StopRecord
from reviewtool.core.stop_export import StopExportService
from reviewtool.core.stop_import import StopImportService
from reviewtool.core.stops import parse_stop_file
from reviewtool.progress import run_to_end

DATA = Path(__file__).parent.parent / "data"
SOUTH_YORKSHIRE = DATA / "2019-12-south-yorkshire-stop-and-search.csv"
DERBYSHIRE = DATA / "2020-01-derbyshire-stop-and-search.csv"


def _count(db, model=StopRecord) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_real_files_import_once_and_reimport_adds_nothing(db, liaison):
    service = StopImportService(db)
    reports = run_to_end(service.import_files(liaison, [SOUTH_YORKSHIRE, DERBYSHIRE]))
    assert [r.added for r in reports] == [1322, 189]
    assert _count(db) == 1511
    again = run_to_end(service.import_files(liaison, [SOUTH_YORKSHIRE]))
    assert again[0].added == 0 and again[0].already_present == 1322
    assert _count(db) == 1511
    with db.read() as s:
        vehicle = s.scalars(select(StopRecord).where(StopRecord.type == "Vehicle search")).first()
        assert vehicle.gender is None and vehicle.officer_defined_ethnicity is None
        assert vehicle.occurred_at.tzinfo is not None
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == Actions.IMPORT_STOPS)) == 3
        assert verify_chain(s).ok


def test_force_export_links_officers_and_keeps_unknown_columns(db, liaison):
    run_to_end(StopImportService(db).import_files(liaison, [DATA / "force-export.csv"]))
    with db.read() as s:
        stop = s.scalars(select(StopRecord).where(StopRecord.reference == "SS/2021/004512")).one()
        assert stop.officer is not None and stop.officer.identifier == "PC 4521"
        assert stop.area == "Westminster" and "passing a small item" in stop.grounds
        assert stop.footage_refs == "BWV-20210327-2340-PC4521.mp4"
        assert stop.extra.get("Station") == "Charing Cross"
        assert s.scalar(select(func.count()).select_from(Officer)) >= 1


def test_identical_rows_in_one_file_stay_distinct(db, liaison, tmp_path):
    header = SOUTH_YORKSHIRE.read_text(encoding="utf-8").splitlines()[0]
    row = "Person search,2019-12-01T00:02:00+00:00,False,,,,Male,25-34,,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,"
    path = tmp_path / "group.csv"
    path.write_text("\n".join([header, row, row, row]) + "\n", encoding="utf-8")
    [report] = run_to_end(StopImportService(db).import_files(liaison, [path]))
    assert report.added == 3


def test_bad_rows_are_reported_and_strict_imports_nothing(db, liaison, tmp_path):
    header = SOUTH_YORKSHIRE.read_text(encoding="utf-8").splitlines()[0]
    good = "Person search,2019-12-01T00:02:00+00:00,False,,,,Male,25-34,,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,"
    bad = "Person search,not a date,False,,,,Male,25-34,,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,"
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([header, good, bad, good]) + "\n", encoding="utf-8")
    service = StopImportService(db)
    with pytest.raises(ValidationError, match=r"mixed\.csv: nothing imported \(--strict\).*row 2"):
        run_to_end(service.import_files(liaison, [path], strict=True))
    assert _count(db) == 0 and _count(db, ImportBatch) == 0
    [report] = run_to_end(service.import_files(liaison, [path]))
    assert report.added == 2
    assert report.skipped and report.skipped[0][0] == 2


def test_not_a_stop_file_is_one_line_error(db, liaison):
    with pytest.raises(ValidationError) as info:
        run_to_end(StopImportService(db).import_files(liaison, [DATA / "not-stops.csv"]))
    message = str(info.value)
    assert "not-stops.csv" in message and "\n" not in message
    assert _count(db) == 0


def test_panel_members_cannot_import(db):
    with pytest.raises(PermissionDenied):
        run_to_end(StopImportService(db).import_files(Actor("p", "panel"), [DERBYSHIRE]))


def test_export_round_trips_through_the_parser(db, liaison, tmp_path):
    run_to_end(StopImportService(db).import_files(liaison, [DERBYSHIRE, DATA / "force-export.csv"]))
    out = tmp_path / "stops.csv"
    count = StopExportService(db).export_csv(liaison, out)
    assert count == _count(db)
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[0] == "reference"
    for column in ("officer_defined_ethnicity", "outcome", "officer", "area", "grounds", "footage"):
        assert column in header
    reparsed = parse_stop_file(out)
    assert len(reparsed.rows) == count and not reparsed.skipped
