"""Parsing stop-and-search files: real public files, every format, row problems, file errors, references."""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtool.core.stops import (
    FIELD_BY_NAME,
    STOP_FIELDS,
    ParsedFile,
    RowIssue,
    StopFileError,
    StopRow,
    ethnicity_group,
    field_for_column,
    field_for_json_key,
    outcome_group,
    parse_stop_bytes,
    parse_stop_file,
    public_columns,
)
from reviewtool.core.stops import vocab

DATA = Path(__file__).resolve().parent.parent / "data"
SOUTH_YORKSHIRE = DATA / "2019-12-south-yorkshire-stop-and-search.csv"
DERBYSHIRE = DATA / "2020-01-derbyshire-stop-and-search.csv"
HEADER = ",".join(public_columns())
UTC = timezone.utc
DERIVED_REF = re.compile(r"PUB-[0-9a-f]{12}-\d{5,}")


def public_row(**cells: str) -> str:
    """One public CSV line: a valid person search, with the given cells (by field name) replaced."""
    values = {
        "type": "Person search", "datetime": "2020-01-01T01:20:00+00:00", "part_of_policing_operation": "False",
        "policing_operation": "", "latitude": "53.191806", "longitude": "-1.316167", "gender": "Male",
        "age_range": "18-24", "self_defined_ethnicity": "White - English/Welsh/Scottish/Northern Irish/British",
        "officer_defined_ethnicity": "White", "legislation": "Misuse of Drugs Act 1971 (section 23)",
        "object_of_search": "Controlled drugs", "outcome": "A no further action disposal",
        "outcome_linked_to_object_of_search": "False", "removal_of_more_than_just_outer_clothing": "False",
    }
    values.update(cells)
    return ",".join(values.values())


def public_csv(*lines: str) -> bytes:
    return ("\n".join((HEADER, *lines)) + "\n").encode("utf-8")


def one_line_error(excinfo: pytest.ExceptionInfo[StopFileError], name: str) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    return message


# -- the real public files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def south_yorkshire() -> ParsedFile:
    return parse_stop_file(SOUTH_YORKSHIRE)


@pytest.fixture(scope="module")
def derbyshire() -> ParsedFile:
    return parse_stop_file(DERBYSHIRE)


def test_real_files_parse_completely(south_yorkshire: ParsedFile, derbyshire: ParsedFile) -> None:
    for parsed, count in ((south_yorkshire, 1322), (derbyshire, 189)):
        assert parsed.format == "police-csv"
        assert len(parsed.rows) == count
        assert parsed.skipped == [] and parsed.warnings == []  # every value is known vocabulary
        assert parsed.ok and not parsed.has_problems
        assert [r.row_number for r in parsed.rows] == list(range(1, count + 1))
        assert all(r.datetime.tzinfo is UTC for r in parsed.rows)


def test_real_files_values(south_yorkshire: ParsedFile, derbyshire: ParsedFile) -> None:
    first = south_yorkshire.rows[0]
    assert first.type == "Person search"
    assert first.datetime == datetime(2019, 12, 1, 0, 2, tzinfo=UTC)
    assert first.part_of_policing_operation is False
    assert first.removal_of_more_than_just_outer_clothing is None
    assert first.self_defined_ethnicity_group == "White" and first.outcome_group == "nfa"
    assert first.policing_operation is None
    assert all(r.latitude is None and r.longitude is None for r in south_yorkshire.rows)  # never mapped

    row = derbyshire.rows[0]
    assert (row.latitude, row.longitude) == ("53.191806", "-1.316167")
    assert derbyshire.rows[1].longitude == "-1.680060"  # kept as published, trailing zero and all
    assert row.self_defined_ethnicity_group == "Not stated"
    assert row.outcome == "Community resolution" and row.outcome_group == "positive"
    assert {r.legislation for r in derbyshire.rows} >= {"Aviation Security Act 1982 (section 27(1))"}


def test_vehicle_only_searches_have_empty_person_fields(south_yorkshire: ParsedFile, derbyshire: ParsedFile) -> None:
    for parsed, count in ((south_yorkshire, 145), (derbyshire, 10)):
        vehicles = [r for r in parsed.rows if r.type == "Vehicle search"]
        assert len(vehicles) == count
        empty_person = [r for r in vehicles if r.gender is None and r.age_range is None
                        and r.self_defined_ethnicity is None and r.officer_defined_ethnicity is None]
        assert empty_person and all(r.self_defined_ethnicity_group is None for r in empty_person)
    second = derbyshire.rows[1]
    assert second.type == "Vehicle search" and second.gender is None and second.outcome is None
    assert second.removal_of_more_than_just_outer_clothing is None


def test_outcome_linked_is_never_read_as_found(derbyshire: ParsedFile) -> None:
    # Derbyshire sets "linked" True on 181 rows, most of them no-further-action disposals.
    linked_nfa = [r for r in derbyshire.rows
                  if r.outcome_linked_to_object_of_search and r.outcome == "A no further action disposal"]
    assert len(linked_nfa) > 100
    assert all(r.outcome_group == "nfa" for r in linked_nfa)
    empty = [r for r in derbyshire.rows if r.outcome is None]
    assert len(empty) == 9 and all(r.outcome_group == "" for r in empty)
    assert any(r.outcome_linked_to_object_of_search for r in empty)


def test_identical_rows_are_distinct_stops(south_yorkshire: ParsedFile) -> None:
    rows = south_yorkshire.rows
    contents = [repr({k: v for k, v in r.as_dict().items() if k not in ("row_number", "reference")}) for r in rows]
    assert len(set(contents)) < len(rows)  # the file has exact duplicates (group searches)
    refs = [r.reference for r in rows]
    assert len(set(refs)) == len(rows)
    assert all(r.reference_is_derived and DERIVED_REF.fullmatch(r.reference) for r in rows)


def test_references_are_stable_and_name_independent(south_yorkshire: ParsedFile) -> None:
    data = SOUTH_YORKSHIRE.read_bytes()
    again = parse_stop_bytes(data, "renamed.csv")
    assert [r.reference for r in again.rows] == [r.reference for r in south_yorkshire.rows]
    assert south_yorkshire.rows[0].reference == f"PUB-{south_yorkshire.source_digest[:12]}-00001"
    assert again.source_name == "renamed.csv"


def test_line_endings_and_bom_do_not_change_digest_or_references() -> None:
    lf = parse_stop_file(DATA / "stops-lf-nobom.csv")
    bom_crlf = parse_stop_file(DATA / "stops-bom-crlf.csv")
    assert (DATA / "stops-bom-crlf.csv").read_bytes().startswith(codecs.BOM_UTF8)
    assert lf.source_digest == bom_crlf.source_digest
    assert lf.raw_digest != bom_crlf.raw_digest
    assert [r.as_dict() for r in lf.rows] == [r.as_dict() for r in bom_crlf.rows]
    # a re-download that lost (or gained) the final newline is the same content too
    stripped = (DATA / "stops-lf-nobom.csv").read_bytes().rstrip(b"\n")
    assert parse_stop_bytes(stripped, "x.csv").source_digest == lf.source_digest
    changed = (DATA / "stops-lf-nobom.csv").read_bytes().replace(b"07:15", b"07:16", 1)
    assert parse_stop_bytes(changed, "x.csv").source_digest != lf.source_digest


def test_as_dict_field_order_and_copying() -> None:
    row = parse_stop_file(DATA / "stops-lf-nobom.csv").rows[0]
    d = row.as_dict()
    assert list(d) == ["row_number", "reference", "reference_is_derived",
                       *[f.name for f in STOP_FIELDS if f.name != "reference"], "extra"]
    assert d["footage"] == [] and isinstance(d["extra"], dict)
    d["extra"]["x"] = "y"
    assert row.extra == {}
    with pytest.raises(AttributeError):
        row.type = "Vehicle search"  # type: ignore[misc]
    assert row == parse_stop_file(DATA / "stops-lf-nobom.csv").rows[0]
    assert hash(row) == hash(parse_stop_file(DATA / "stops-lf-nobom.csv").rows[0])


def test_rows_built_by_the_parser_equal_constructed_rows() -> None:
    parsed = parse_stop_file(DATA / "force-export.csv")
    for row in parsed.rows:
        values = row.as_dict()
        values["footage"] = tuple(values["footage"])
        rebuilt = StopRow(**values)
        assert rebuilt == row and repr(rebuilt) == repr(row)
        assert vars(rebuilt) == vars(row)  # every field present, none extra


def test_fast_row_construction_sets_each_field_by_name() -> None:
    from reviewtool.core.stops import rowbuild

    row = rowbuild._make_row(rowbuild._ROW_KEYS)
    assert vars(row) == {name: name for name in rowbuild._ROW_KEYS}
    assert set(rowbuild._ROW_KEYS) == {f.name for f in dataclasses.fields(StopRow)}


def test_local_month_is_london() -> None:
    rows = parse_stop_file(DATA / "stops-lf-nobom.csv").rows
    last = rows[-1]
    assert last.datetime == datetime(2021, 6, 30, 23, 5, tzinfo=UTC)
    assert last.local_month == "2021-07"  # 00:05 BST on 1 July
    assert last.local_datetime.hour == 0


# -- the other shapes ------------------------------------------------------------------------------


def test_lf_fixture_values() -> None:
    parsed = parse_stop_file(DATA / "stops-lf-nobom.csv")
    assert parsed.format == "police-csv" and len(parsed.rows) == 6 and not parsed.has_problems
    first, second = parsed.rows[:2]
    assert first.reference != second.reference  # identical rows
    assert parsed.rows[2].self_defined_ethnicity == "White - Gypsy or Irish Traveller"
    assert parsed.rows[2].self_defined_ethnicity_group == "White"
    op = parsed.rows[4]
    assert op.part_of_policing_operation is True and op.policing_operation == "Operation Sceptre"
    assert op.self_defined_ethnicity_group == "Other"  # Other ethnic group - Arab
    assert op.latitude is None and op.longitude is None


def test_legacy_2016_vocabulary() -> None:
    parsed = parse_stop_file(DATA / "stops-legacy-2016.csv")
    assert parsed.format == "police-csv" and not parsed.has_problems
    groups = [(r.self_defined_ethnicity_group, r.outcome_group) for r in parsed.rows]
    assert groups == [
        ("White", "nfa"), ("Asian", "positive"), ("Black", "positive"), ("Mixed", "positive"),
        ("Asian", "positive"),  # legacy Chinese (written with a zero) is grouped as Asian
        ("Not stated", "positive"), ("Other", "positive"), ("White", "positive"),
    ]
    assert parsed.rows[0].self_defined_ethnicity == "White - White British (W1)"  # original kept
    assert parsed.rows[0].outcome == "Nothing found - no further action"


def test_force_export() -> None:
    parsed = parse_stop_file(DATA / "force-export.csv")
    assert parsed.format == "force-export-csv"
    assert parsed.unknown_columns == ("Station", "Supervisor reviewed")
    assert parsed.skipped == []
    first, second, third, fourth = parsed.rows
    assert first.reference == "SS/2021/004512" and not first.reference_is_derived
    assert first.officer == "PC 4521" and first.team == "Central Response Team 2" and first.area == "Westminster"
    assert first.footage == ("BWV-20210327-2340-PC4521.mp4",)
    assert first.grounds is not None and "\nthen walking away" in first.grounds
    assert first.extra == {"Supervisor reviewed": "Yes", "Station": "Charing Cross"}
    assert first.part_of_policing_operation is False and first.outcome_linked_to_object_of_search is True
    assert second.footage == ("BWV-20210328-1405-PC3310.mp4", "BWV-20210328-1405-PC3310-2.mp4")
    assert second.self_defined_ethnicity == "White - Roma" and second.self_defined_ethnicity_group == "White"
    # dd/mm/yyyy local times: GMT before the clocks change, BST after
    assert first.datetime == datetime(2021, 3, 27, 23, 40, tzinfo=UTC)
    assert second.datetime == datetime(2021, 3, 28, 13, 5, tzinfo=UTC)
    assert third.datetime == datetime(2021, 6, 1, 1, 15, tzinfo=UTC)
    assert third.reference_is_derived and DERIVED_REF.fullmatch(third.reference)
    assert third.grounds is not None and third.grounds.startswith("=HYPERLINK(")  # stored as written
    assert fourth.removal_of_more_than_just_outer_clothing is False and fourth.extra["Supervisor reviewed"] == ""
    warnings = [str(w) for w in parsed.warnings]
    assert warnings == [
        "file: datetime: times without a UTC offset were read as Europe/London local time",
        f"row 3: reference: empty Search reference; derived {third.reference}",
    ]


def test_json_api_current_shape() -> None:
    parsed = parse_stop_file(DATA / "stops-force-2024-03.json")
    assert parsed.format == "police-json" and parsed.ok and not parsed.warnings
    assert parsed.unknown_columns == ("involved_person",)
    first, arrest, vehicle, last = parsed.rows
    assert first.datetime == datetime(2024, 3, 2, 21, 14, tzinfo=UTC)
    assert (first.latitude, first.longitude) == ("52.629729", "-1.131592")
    assert first.extra["street_name"] == "On or near Granby Street" and first.extra["street_id"] == "1737432"
    assert first.part_of_policing_operation is False and first.policing_operation is None
    assert first.removal_of_more_than_just_outer_clothing is False and first.outcome_group == "nfa"
    assert arrest.outcome == "Arrest" and arrest.outcome_group == "positive"
    assert arrest.removal_of_more_than_just_outer_clothing is None and arrest.part_of_policing_operation is None
    assert vehicle.latitude is None and vehicle.gender is None and vehicle.outcome is None
    assert vehicle.outcome_group == "" and vehicle.extra["involved_person"] == "False"
    assert last.local_month == "2024-03" and last.self_defined_ethnicity_group == "Not stated"
    assert all(DERIVED_REF.fullmatch(r.reference) for r in parsed.rows)


def test_json_api_old_shape() -> None:
    parsed = parse_stop_file(DATA / "stops-street-2015-04.json")
    assert parsed.format == "police-json" and parsed.ok
    summons, no_outcome, nothing_found = parsed.rows
    assert summons.datetime == datetime(2015, 4, 1, 17, 30, tzinfo=UTC)  # no offset in old responses: UTC
    assert no_outcome.outcome is None and no_outcome.outcome_group == ""  # "outcome": false
    assert nothing_found.outcome_group == "nfa" and nothing_found.outcome_linked_to_object_of_search is True
    assert [str(w) for w in parsed.warnings] == ["file: datetime: times without a UTC offset were read as UTC"]


def test_json_digest_ignores_formatting() -> None:
    data = json.loads((DATA / "stops-force-2024-03.json").read_text())
    compact = parse_stop_bytes(json.dumps(data, separators=(",", ":")).encode(), "a.json")
    pretty = parse_stop_bytes(json.dumps(data, indent=4, sort_keys=True).encode(), "b.json")
    assert compact.source_digest == pretty.source_digest
    assert [r.reference for r in compact.rows] == [r.reference for r in pretty.rows]


def test_json_outcome_object_alone_and_non_object_items() -> None:
    item = json.loads((DATA / "stops-force-2024-03.json").read_text())[1]
    item["outcome"] = ""
    parsed = parse_stop_bytes(json.dumps([item, 7]).encode(), "api.json")
    assert parsed.rows[0].outcome == "Arrest" and parsed.rows[0].outcome_group == "positive"
    assert [(s.row_number, s.reason) for s in parsed.skipped] == [(2, "not a JSON object")]
    item["outcome"] = {"id": "bu-no-further-action", "name": "A no further action disposal"}
    item["outcome_object"] = None
    row = parse_stop_bytes(json.dumps([item]).encode(), "api.json").rows[0]
    assert row.outcome == "A no further action disposal" and row.outcome_group == "nfa"
    assert "outcome_object" not in row.extra and row.extra["outcome_id"] == "bu-no-further-action"
    assert parse_stop_bytes(b"[]", "empty-month.json").rows == []


def test_header_variants_and_any_column_order() -> None:
    header = ("DATE,type,Legislation,OBJECT_OF_SEARCH,outcome,Self defined ethnicity,Record number,"
              "Warrant number,BCU,Footage reference,Grounds")
    line = ("2020-01-01T10:00:00+00:00,person search,misuse of drugs act 1971 (section 23),Controlled drugs,"
            "ARREST,asian/asian british - pakistani,R1,W99,North,clip-1;clip-2; ;clip-1,Smell of cannabis")
    parsed = parse_stop_bytes(f"{header}\n{line}\n".encode(), "variants.csv")
    assert parsed.format == "force-export-csv" and not parsed.skipped
    row = parsed.rows[0]
    assert row.type == "Person search" and row.outcome == "Arrest"  # published spelling
    assert row.self_defined_ethnicity == "Asian/Asian British - Pakistani"
    assert (row.reference, row.officer, row.area) == ("R1", "W99", "North")
    assert row.footage == ("clip-1", "clip-2")
    assert row.gender is None and row.latitude is None
    assert str(parsed.warnings[0]).startswith("file: no column for Part of a policing operation, Policing operation")
    for spelling in ("Collar number", "Officer number", "BWV", "BWV clip reference", "Clip", "Borough",
                     "Search reference", "Grounds for search", "self_defined_ethnicity", "Age-Range"):
        assert field_for_column(spelling) is not None, spelling
    assert field_for_column("Crime type") is None
    assert field_for_column("Operation") is None  # a name, most likely: kept in extra
    assert field_for_json_key("operation") is FIELD_BY_NAME["part_of_policing_operation"]
    assert field_for_json_key("removal_of_more_than_outer_clothing") is FIELD_BY_NAME[
        "removal_of_more_than_just_outer_clothing"]
    assert field_for_json_key("Collar number") is FIELD_BY_NAME["officer"]


def test_separate_time_column_is_joined_to_the_date() -> None:
    header = "Reference,Date,Time,Type,Legislation,Object of search,Outcome"
    lines = ("A,01/06/2021,02:15,Person search,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest",
             "B,2021-06-02,,Person search,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest",
             "C,2021-06-03T10:00:00+00:00,11:00,Person search,Misuse of Drugs Act 1971 (section 23),"
             "Controlled drugs,Arrest")
    parsed = parse_stop_bytes(("\n".join((header, *lines)) + "\n").encode(), "split-time.csv")
    assert [r.datetime for r in parsed.rows] == [
        datetime(2021, 6, 1, 1, 15, tzinfo=UTC),  # 02:15 BST
        datetime(2021, 6, 1, 23, 0, tzinfo=UTC),  # date only: local midnight
        datetime(2021, 6, 3, 10, 0, tzinfo=UTC),  # the Date's own time wins
    ]
    assert parsed.unknown_columns == () and all(r.extra == {} for r in parsed.rows)
    with pytest.raises(StopFileError, match="columns 'Time' and 'Search time' both give the time"):
        parse_stop_bytes(f"{header},Search time\n".encode(), "two-times.csv")


def test_semicolon_delimiter_and_excel_sep_line() -> None:
    body = HEADER.replace(",", ";") + "\n" + public_row().replace(",", ";") + "\n"
    assert len(parse_stop_bytes(body.encode(), "semi.csv").rows) == 1
    hinted = parse_stop_bytes(("sep=;\n" + body).encode(), "hinted.csv")
    assert len(hinted.rows) == 1 and hinted.rows[0].row_number == 1


def test_utf16_tab_separated_excel_text() -> None:
    body = HEADER.replace(",", "\t") + "\r\n" + public_row().replace(",", "\t") + "\r\n"
    parsed = parse_stop_bytes(codecs.BOM_UTF16_LE + body.encode("utf-16-le"), "unicode.txt")
    assert len(parsed.rows) == 1 and parsed.rows[0].legislation == "Misuse of Drugs Act 1971 (section 23)"


# -- row problems ------------------------------------------------------------------------------------


def test_bad_dates_and_missing_type_are_skipped_with_reasons() -> None:
    parsed = parse_stop_bytes(public_csv(
        public_row(),
        public_row(datetime="2019-13-45T00:00:00+00:00"),
        public_row(type=""),
        public_row(datetime=""),
        public_row(type="", datetime="yesterday"),
        public_row(),
    ), "bad.csv")
    assert [r.row_number for r in parsed.rows] == [1, 6]
    assert not parsed.ok and parsed.has_problems
    issues = [(s.row_number, s.field, s.value) for s in parsed.skipped]
    assert issues == [(2, "datetime", "2019-13-45T00:00:00+00:00"), (3, "type", None), (4, "datetime", None),
                      (5, "type", None)]
    assert "unparseable date" in parsed.skipped[0].reason
    assert "missing Type" in parsed.skipped[1].reason
    assert parsed.skipped[2].reason == "missing Date"
    assert "also datetime 'yesterday': unparseable date" in parsed.skipped[3].reason
    assert str(parsed.skipped[0]).startswith("row 2: datetime '2019-13-45T00:00:00+00:00': unparseable date")
    # the row numbers of kept rows do not shift: references stay tied to the file's rows
    assert parsed.rows[1].reference.endswith("-00006")


def test_unknown_vocabulary_is_kept_with_a_warning() -> None:
    parsed = parse_stop_bytes(public_csv(
        public_row(gender="Not recorded", outcome="Warning given", legislation="Some Act 2030 (section 1)"),
        public_row(type="Drone search", self_defined_ethnicity="Martian - Any other"),
    ), "unknown.csv")
    assert parsed.ok and len(parsed.rows) == 2
    first, second = parsed.rows
    assert first.gender == "Not recorded" and first.legislation == "Some Act 2030 (section 1)"
    assert first.outcome == "Warning given" and first.outcome_group == "positive"  # classified by keyword
    assert second.type == "Drone search" and second.self_defined_ethnicity_group is None
    assert [(w.row_number, w.field, w.value) for w in parsed.warnings] == [
        (1, "gender", "Not recorded"), (1, "legislation", "Some Act 2030 (section 1)"),
        (1, "outcome", "Warning given"), (2, "type", "Drone search"),
        (2, "self_defined_ethnicity", "Martian - Any other"),
    ]
    assert all(w.reason == "unknown value, kept as written" for w in parsed.warnings)


def test_bad_booleans_and_coordinates_are_warned_and_emptied() -> None:
    parsed = parse_stop_bytes(public_csv(
        public_row(part_of_policing_operation="maybe", removal_of_more_than_just_outer_clothing="yes"),
        public_row(latitude="95.000000"),
        public_row(longitude=""),
        public_row(latitude="nan", longitude="inf"),
        public_row(latitude=" 53.191806 ", longitude="-1.316167"),
    ), "flags.csv")
    assert parsed.ok and len(parsed.rows) == 5
    first = parsed.rows[0]
    assert first.part_of_policing_operation is None and first.removal_of_more_than_just_outer_clothing is True
    assert [(r.latitude, r.longitude) for r in parsed.rows[1:4]] == [(None, None)] * 3
    assert (parsed.rows[4].latitude, parsed.rows[4].longitude) == ("53.191806", "-1.316167")
    reasons = [(w.row_number, w.field, w.reason) for w in parsed.warnings]
    assert reasons[0] == (1, "part_of_policing_operation", "not True/False; left empty")
    assert [r[0] for r in reasons[1:]] == [2, 3, 4]
    assert "latitude '95.000000' is not a decimal between -90 and 90" in reasons[1][2]
    assert "only one of Latitude/Longitude" in reasons[2][2]


def test_blank_misaligned_and_short_rows() -> None:
    lines = (public_row(), "", ",,,,,,,,,,,,,,", public_row() + ",surplus", public_row() + ",,",
             ",".join(public_row().split(",")[:13]), public_row())
    parsed = parse_stop_bytes(public_csv(*lines), "ragged.csv")
    assert parsed.blank_rows == 2
    assert [r.row_number for r in parsed.rows] == [1, 5, 6, 7]  # blank lines still count
    assert [(s.row_number, s.value) for s in parsed.skipped] == [(4, "surplus")]
    assert "misaligned" in parsed.skipped[0].reason
    assert [(w.row_number, w.reason) for w in parsed.warnings] == [
        (6, "row has 13 cells, the header 15; missing cells read as empty")]
    assert parsed.rows[2].outcome_linked_to_object_of_search is None
    assert parsed.data_rows == 5


def test_duplicate_references_in_a_force_export() -> None:
    header = HEADER + ",Reference"
    body = "\n".join((header, public_row() + ",A1", public_row() + ",A2", public_row() + ",A1")) + "\n"
    parsed = parse_stop_bytes(body.encode(), "dupes.csv")
    assert [r.reference for r in parsed.rows] == ["A1", "A2"]
    assert [(s.row_number, s.field, s.value, s.reason) for s in parsed.skipped] == [
        (3, "reference", "A1", "duplicate reference (first on row 1)")]


def test_unbalanced_quote_is_not_silently_swallowed() -> None:
    header = HEADER + ",Grounds"
    lines = (public_row() + ',"fine, multi-line\ngrounds"', public_row() + ',"unterminated', public_row() + ",x",
             public_row() + ",y")
    parsed = parse_stop_bytes(("\n".join((header, *lines)) + "\n").encode(), "quote.csv")
    assert parsed.rows[0].grounds == "fine, multi-line\ngrounds"
    assert len(parsed.rows) == 1
    assert parsed.skipped[0].row_number == 2
    assert "runs from line 4 to line 6" in parsed.skipped[0].reason


def test_naive_local_times_around_clock_changes() -> None:
    header = HEADER + ",Reference"
    lines = (public_row(datetime="2021-10-31 01:30") + ",back",
             public_row(datetime="28/03/2021 01:30") + ",forward",
             public_row(datetime="2021-07-01") + ",dateonly",
             public_row(datetime="2021-07-01T09:00:00+01:00") + ",offset")
    parsed = parse_stop_bytes(("\n".join((header, *lines)) + "\n").encode(), "local.csv")
    back, forward, date_only, offset = parsed.rows
    assert back.datetime == datetime(2021, 10, 31, 0, 30, tzinfo=UTC)  # the first 01:30, BST
    assert forward.datetime == datetime(2021, 3, 28, 1, 30, tzinfo=UTC)
    assert date_only.datetime == datetime(2021, 6, 30, 23, 0, tzinfo=UTC) and date_only.local_month == "2021-07"
    assert offset.datetime == datetime(2021, 7, 1, 8, 0, tzinfo=UTC)
    notes = {w.row_number: w.reason for w in parsed.warnings if w.row_number}
    assert "happened twice" in notes[1] and "does not exist" in notes[2]


def test_header_only_file_is_valid_and_empty() -> None:
    parsed = parse_stop_bytes((HEADER + "\r\n").encode(), "2020-02-empty.csv")
    assert parsed.rows == [] and parsed.ok and parsed.format == "police-csv"


# -- not a stop file ----------------------------------------------------------------------------


def test_other_csv_is_rejected_naming_missing_columns() -> None:
    with pytest.raises(StopFileError) as excinfo:
        parse_stop_file(DATA / "not-stops.csv")
    assert one_line_error(excinfo, "not-stops.csv") == (
        "not-stops.csv: not a stop-and-search file: missing columns Type, Date, Legislation, Object of search, Outcome")
    with pytest.raises(StopFileError) as excinfo:
        parse_stop_bytes(b"Type,Date,Outcome\nPerson search,2020-01-01,Arrest\n", "partial.csv")
    assert str(excinfo.value).endswith("missing columns Legislation, Object of search")


@pytest.mark.parametrize(("data", "name", "expected"), [
    (b"", "empty.csv", "empty.csv: empty file"),
    (b"\r\n  \n", "blank.csv", "blank.csv: empty file"),
    (codecs.BOM_UTF8, "bom-only.csv", "bom-only.csv: empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "photo.png: not a stop-and-search file: a PNG image"),
    (b"PK\x03\x04\x14\x00\x06\x00", "stops.xlsx",
     "stops.xlsx: not a stop-and-search file: a ZIP archive or Excel workbook; save it as CSV"),
    (b"\x00\x01\x02garbage", "blob.bin", "blob.bin: not a stop-and-search file: binary data, not CSV or JSON text"),
    (b'{"type": "Person search"}', "object.json",
     "object.json: not a stop-and-search file: expected a JSON array of stops (data.police.uk API), found an object"),
    (b'[{"name": "Leicestershire Police", "id": "leicestershire"}]', "forces.json",
     "forces.json: not a stop-and-search file: JSON objects lack keys type, datetime, legislation, "
     "object_of_search, outcome"),
    (b"[1, 2, 3]", "numbers.json", "numbers.json: not a stop-and-search file: the JSON array holds no objects"),
    (b'[\n{"type": "Person search",\n"datetime" "x"}]', "broken.json",
     "broken.json: line 3: not valid JSON (Expecting ':' delimiter)"),
])
def test_not_a_stop_file(data: bytes, name: str, expected: str) -> None:
    with pytest.raises(StopFileError) as excinfo:
        parse_stop_bytes(data, name)
    assert one_line_error(excinfo, name) == expected


def test_undecodable_bytes_name_the_line() -> None:
    data = public_csv(public_row(), public_row(policing_operation="Op \xa3".encode("latin-1").decode("latin-1")))
    data = data.replace("Op \xa3".encode("utf-8"), "Op \xa3".encode("latin-1"))
    with pytest.raises(StopFileError) as excinfo:
        parse_stop_bytes(data, "latin1.csv")
    assert one_line_error(excinfo, "latin1.csv") == (
        "latin1.csv: line 3: not UTF-8 text (byte 0xa3); save the file as UTF-8 CSV")


def test_ambiguous_or_repeated_columns_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(StopFileError) as excinfo:
        parse_stop_bytes(f"{HEADER},Officer,Collar number\n".encode(), "two-officers.csv")
    assert one_line_error(excinfo, "two-officers.csv") == (
        "two-officers.csv: columns 'Officer' and 'Collar number' both give Officer; keep one")
    with pytest.raises(StopFileError, match="column 'Notes' appears twice"):
        parse_stop_bytes(f"{HEADER},Notes,Notes\n".encode(), "notes.csv")
    with pytest.raises(StopFileError) as excinfo:
        parse_stop_file(tmp_path / "missing.csv")
    assert one_line_error(excinfo, "missing.csv").startswith("missing.csv: cannot read: ")


# -- vocabulary ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "group"), [
    ("White - English/Welsh/Scottish/Northern Irish/British", "White"),
    ("White - Gypsy or Irish Traveller", "White"),
    ("Other ethnic group - Arab", "Other"),
    ("Other ethnic group - Not stated", "Not stated"),
    ("Asian/Asian British - Chinese", "Asian"),
    ("Chinese or other ethnic group - Chinese (O1)", "Asian"),
    ("Chinese or other ethnic group - Any other ethnic group (O9)", "Other"),
    ("Not Stated (NS)", "Not stated"),
    ("Mixed - Any other Mixed ethnic background (M9)", "Mixed"),
    ("black or black british  -  somali (b9)", "Black"),  # unseen detail, group from the code
    ("Black/African/Caribbean/Black British - Somali", "Black"),  # unseen detail, group from the prefix
    ("White", "White"),
    ("Martian", None),
    ("", None),
    (None, None),
])
def test_ethnicity_groups(value: str | None, group: str | None) -> None:
    assert ethnicity_group(value) == group


@pytest.mark.parametrize(("outcome", "outcome_id", "group"), [
    ("A no further action disposal", None, "nfa"),
    ("Nothing found - no further action", None, "nfa"),
    ("Suspected psychoactive substances seized - No further action", None, "nfa"),
    ("Arrest", None, "positive"),
    ("Summons / charged by post", None, "positive"),
    ("summons/charged by post", None, "positive"),
    ("Offender given drugs possession warning", None, "positive"),
    ("Article found - Detailed outcome unavailable", None, "positive"),
    ("", None, ""),
    (None, None, ""),
    ("Something unfair happened", None, ""),  # neither; "nfa" must be a word, not part of "unfair"
    ("", "bu-no-further-action", "nfa"),
    ("whatever", "bu-penalty-notice", "positive"),
])
def test_outcome_groups(outcome: str | None, outcome_id: str | None, group: str) -> None:
    assert outcome_group(outcome, outcome_id) == group


def test_vocabulary_lists_are_consistent() -> None:
    assert set(vocab.OUTCOMES_NFA).isdisjoint(vocab.OUTCOMES_POSITIVE)
    for value in vocab.SELF_DEFINED_ETHNICITIES + vocab.LEGACY_SELF_DEFINED_ETHNICITIES:
        assert ethnicity_group(value) in vocab.ETHNICITY_GROUPS
        assert vocab.normalise("self_defined_ethnicity", value.upper()).value == value
    assert FIELD_BY_NAME["footage"].kind == "list"
    assert RowIssue(None, None, None, "x").__str__() == "file: x"


# -- properties ---------------------------------------------------------------------------------------

_row_cells = st.fixed_dictionaries({
    "type": st.sampled_from(vocab.TYPES),
    "datetime": st.datetimes(min_value=datetime(2014, 1, 1), max_value=datetime(2030, 12, 31),
                             timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0).isoformat()),
    "gender": st.sampled_from(("", *vocab.GENDERS)),
    "outcome": st.sampled_from(("", *vocab.OUTCOMES)),
    "self_defined_ethnicity": st.sampled_from(("", *vocab.SELF_DEFINED_ETHNICITIES,
                                               *vocab.LEGACY_SELF_DEFINED_ETHNICITIES)),
})


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row_cells, min_size=1, max_size=30), repeats=st.integers(0, 3), crlf=st.booleans())
def test_derived_references_are_unique_and_stable(rows: list[dict[str, str]], repeats: int, crlf: bool) -> None:
    rows = rows + rows[:repeats]  # exact duplicates
    lines = [public_row(**cells) for cells in rows]
    data = public_csv(*lines)
    first = parse_stop_bytes(data, "a.csv")
    assert len(first.rows) == len(rows) and first.ok
    refs = [r.reference for r in first.rows]
    assert len(set(refs)) == len(refs)
    other = data.replace(b"\n", b"\r\n") if crlf else codecs.BOM_UTF8 + data
    again = parse_stop_bytes(other, "b.csv")
    assert [r.reference for r in again.rows] == refs
    assert [r.as_dict() for r in again.rows] == [r.as_dict() for r in first.rows]


_cell = st.one_of(st.text(max_size=12), st.sampled_from((
    "True", "False", "", "Person search", "2020-01-01T00:00:00+00:00", "53.1", "-1.2", '"', "'", "'=", "\n",
    "\r", ";", "\t", "nan", "01/02/2020 10:00", "2021-03-28 01:30")))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(_cell, max_size=18), max_size=6), delimiter=st.sampled_from((",", ";", "\t")),
       extra=st.sampled_from(("", "Reference", "Grounds", "Time", "Footage")))
def test_any_csv_text_parses_or_fails_in_one_line(rows: list[list[str]], delimiter: str, extra: str) -> None:
    header = HEADER.replace(",", delimiter) + (delimiter + extra if extra else "")
    text = "\n".join([header] + [delimiter.join(row) for row in rows])
    try:
        parsed = parse_stop_bytes(text.encode("utf-8", "surrogatepass"), "fuzz.csv")
    except StopFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.csv: ")
    else:
        assert parsed.data_rows + parsed.blank_rows <= text.count("\n") + text.count("\r") + 1
        assert len({r.reference for r in parsed.rows}) == len(parsed.rows)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=200))
def test_any_bytes_parse_or_fail_in_one_line(data: bytes) -> None:
    try:
        parse_stop_bytes(data, "blob")
    except StopFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("blob: ")
