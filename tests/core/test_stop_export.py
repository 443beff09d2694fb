"""Exporting stops as CSV: columns, formula neutralising, and the export → import round trip."""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
import os
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtool.core.csvsafe import FORMULA_PREFIXES, is_neutralised_safe, neutralise, unneutralise
from reviewtool.core.stops import (
    STOP_FIELDS,
    ethnicity_group,
    outcome_group,
    parse_stop_bytes,
    parse_stop_file,
    stop_export_columns,
    write_stops_csv,
)
from reviewtool.core.stops import vocab

DATA = Path(__file__).resolve().parent.parent / "data"
REPO = Path(__file__).resolve().parent.parent.parent
UTC = timezone.utc


def comparable(row: Any) -> dict[str, Any]:
    """A row's values minus what an export does not carry (provenance, unknown columns)."""
    values = row.as_dict() if hasattr(row, "as_dict") else dict(row)
    for key in ("row_number", "reference_is_derived", "extra"):
        values.pop(key, None)
    values["footage"] = list(values["footage"])
    return values


def read_cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def test_export_columns() -> None:
    columns = stop_export_columns()
    assert columns[0] == "reference"
    assert columns == ["reference", "type", "datetime", "part_of_policing_operation", "policing_operation",
                       "latitude", "longitude", "gender", "age_range", "self_defined_ethnicity",
                       "officer_defined_ethnicity", "legislation", "object_of_search", "outcome",
                       "outcome_linked_to_object_of_search", "removal_of_more_than_just_outer_clothing",
                       "officer", "team", "area", "footage", "grounds", "self_defined_ethnicity_group",
                       "outcome_group"]
    assert set(columns) == {f.name for f in STOP_FIELDS}


@pytest.mark.parametrize("name", ["2020-01-derbyshire-stop-and-search.csv",
                                  "2019-12-south-yorkshire-stop-and-search.csv",
                                  "force-export.csv", "stops-legacy-2016.csv", "stops-force-2024-03.json"])
def test_round_trip_through_export(name: str, tmp_path: Path) -> None:
    original = parse_stop_file(DATA / name)
    out = tmp_path / "export.csv"
    assert write_stops_csv(original.rows, out) == len(original.rows)
    again = parse_stop_file(out)
    assert again.format == "force-export-csv" and again.ok
    assert [w for w in again.warnings if w.row_number is not None] == []
    assert [comparable(r) for r in again.rows] == [comparable(r) for r in original.rows]
    assert all(not r.reference_is_derived for r in again.rows)  # the export's references are kept


def test_export_cells(tmp_path: Path) -> None:
    rows = parse_stop_file(DATA / "force-export.csv").rows
    out = tmp_path / "force.csv"
    write_stops_csv(rows, out)
    raw = out.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and b"\r\n" in raw
    header, first, second, third, _ = read_cells(out)
    cell = dict(zip(header, first))
    assert cell["reference"] == "SS/2021/004512"
    assert cell["datetime"] == "2021-03-27T23:40:00+00:00"
    assert cell["longitude"] == "-0.127758"  # a plain negative number stays a number
    assert cell["part_of_policing_operation"] == "False" and cell["outcome_linked_to_object_of_search"] == "True"
    assert cell["self_defined_ethnicity_group"] == "Black" and cell["outcome_group"] == "nfa"
    assert dict(zip(header, second))["footage"] == "BWV-20210328-1405-PC3310.mp4;BWV-20210328-1405-PC3310-2.mp4"
    grounds = dict(zip(header, third))["grounds"]
    assert grounds.startswith("'=HYPERLINK(")  # formula neutralised
    assert dict(zip(header, third))["removal_of_more_than_just_outer_clothing"] == ""
    assert "extra" not in header and "Station" not in header


def test_export_accepts_plain_mappings(tmp_path: Path) -> None:
    rows = [
        {"reference": "=cmd|' /C calc'!A0", "type": "Person search",
         "datetime": datetime(2021, 6, 1, 9, 30),  # naive: taken as UTC
         "latitude": Decimal("51.455940"), "longitude": Decimal("-2.596910"),
         "officer": "+44 7700 900123", "team": "@team", "area": "-North-", "grounds": "\tindented",
         "footage": ("a.mp4", "b.mp4"), "policing_operation": "'quoted", "outcome": None,
         "ignored": "not a column"},
        {"reference": "R2", "datetime": date(2021, 6, 2)},
    ]
    stream = io.StringIO()
    assert write_stops_csv(rows, stream) == 2
    header, first, second = list(csv.reader(io.StringIO(stream.getvalue())))
    cell = dict(zip(header, first))
    assert cell["reference"] == "'=cmd|' /C calc'!A0"
    assert cell["datetime"] == "2021-06-01T09:30:00+00:00"
    assert (cell["latitude"], cell["longitude"]) == ("51.455940", "-2.596910")
    assert cell["officer"] == "'+44 7700 900123" and cell["team"] == "'@team" and cell["area"] == "'-North-"
    assert cell["grounds"] == "'\tindented" and cell["policing_operation"] == "''quoted"
    assert cell["footage"] == "a.mp4;b.mp4" and cell["outcome"] == ""
    assert dict(zip(header, second))["datetime"] == "2021-06-02" and dict(zip(header, second))["type"] == ""
    assert all(is_neutralised_safe(value) for value in first + second)


def test_failed_export_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("previous export")

    def rows():
        yield {"reference": "R1"}
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_stops_csv(rows(), out)
    assert out.read_text() == "previous export"
    assert os.listdir(tmp_path) == ["out.csv"]
    with pytest.raises(TypeError, match="cannot export int"):
        write_stops_csv([1], tmp_path / "other.csv")
    assert os.listdir(tmp_path) == ["out.csv"]


def test_export_without_bom(tmp_path: Path) -> None:
    out = tmp_path / "plain.csv"
    write_stops_csv([], out, bom=False)
    assert out.read_bytes() == (",".join(stop_export_columns()) + "\r\n").encode()


# -- csvsafe ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-1.316167", "-1.316167"), ("-5", "-5"), ("-1e5", "'-1e5"), ("-.5", "'-.5"),
    ("'=x", "''=x"), ("'plain", "''plain"), ("plain", "plain"), ("", ""), ("1-2", "1-2"),
])
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected
    assert unneutralise(expected) == value
    assert is_neutralised_safe(expected)


@given(st.text())
def test_neutralise_round_trips_and_is_safe(value: str) -> None:
    safe = neutralise(value)
    assert unneutralise(safe) == value
    assert is_neutralised_safe(safe)
    if safe[:1] in FORMULA_PREFIXES:
        assert safe[0] == "-" and float(safe) < 0


# -- property: any valid rows survive export → import --------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85")
                | st.sampled_from("\n\t=+-@'\";,"), max_size=20).map(str.strip)
_optional_text = st.one_of(st.none(), _text.filter(bool))
_clip = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters=";\x85"),
                min_size=1, max_size=12).map(str.strip).filter(bool)


def _optional(values) -> st.SearchStrategy:
    return st.sampled_from((None, *values))


@st.composite
def stop_mappings(draw) -> dict[str, Any]:
    lat = draw(st.one_of(st.none(), st.floats(-90, 90).map(lambda x: f"{x:.6f}")))
    lon = None if lat is None else draw(st.floats(-180, 180).map(lambda x: f"{x:.6f}"))
    values = {
        "reference": draw(_text.filter(bool)),
        "type": draw(st.sampled_from(vocab.TYPES)),
        "datetime": draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1),
                                      timezones=st.just(UTC))),
        "part_of_policing_operation": draw(st.sampled_from((None, True, False))),
        "policing_operation": draw(_optional_text),
        "latitude": lat,
        "longitude": lon,
        "gender": draw(_optional(vocab.GENDERS)),
        "age_range": draw(_optional(vocab.AGE_RANGES)),
        "self_defined_ethnicity": draw(_optional(vocab.SELF_DEFINED_ETHNICITIES
                                                 + vocab.LEGACY_SELF_DEFINED_ETHNICITIES)),
        "officer_defined_ethnicity": draw(_optional(vocab.OFFICER_DEFINED_ETHNICITIES)),
        "legislation": draw(_optional(vocab.LEGISLATION)),
        "object_of_search": draw(_optional(vocab.OBJECTS_OF_SEARCH)),
        "outcome": draw(_optional(vocab.OUTCOMES)),
        "outcome_linked_to_object_of_search": draw(st.sampled_from((None, True, False))),
        "removal_of_more_than_just_outer_clothing": draw(st.sampled_from((None, True, False))),
        "officer": draw(_optional_text),
        "team": draw(_optional_text),
        "area": draw(_optional_text),
        "footage": draw(st.lists(_clip, max_size=3, unique=True)),
        "grounds": draw(_optional_text),
    }
    values["self_defined_ethnicity_group"] = ethnicity_group(values["self_defined_ethnicity"])
    values["outcome_group"] = outcome_group(values["outcome"])
    return values


@settings(max_examples=75, deadline=None)
@given(rows=st.lists(stop_mappings(), max_size=8, unique_by=lambda r: r["reference"]))
def test_any_valid_rows_survive_export_and_import(rows: list[dict[str, Any]]) -> None:
    stream = io.StringIO()
    write_stops_csv(rows, stream)
    parsed = parse_stop_bytes(stream.getvalue().encode("utf-8"), "export.csv")
    assert parsed.skipped == []
    assert [w for w in parsed.warnings if w.row_number is not None] == []
    assert [comparable(r) for r in parsed.rows] == [comparable(r) for r in rows]


# -- the benchmark generator ------------------------------------------------------------------------


def _bench_module():
    spec = importlib.util.spec_from_file_location("make_public_csv", REPO / "bench" / "make_public_csv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_public_csv_is_realistic(tmp_path: Path) -> None:
    path = _bench_module().generate_public_csv(tmp_path / "gen.csv", rows=2000, seed=7)
    assert b"\r\n" in path.read_bytes()[:400]
    parsed = parse_stop_file(path)
    assert parsed.format == "police-csv" and len(parsed.rows) == 2000
    assert parsed.ok and parsed.warnings == []
    assert {r.type for r in parsed.rows} == set(vocab.TYPES)
    assert {r.outcome_group for r in parsed.rows} == {"nfa", "positive", ""}
    assert any(r.outcome == "Nothing found - no further action" for r in parsed.rows)  # legacy wording
    assert any(r.latitude is None for r in parsed.rows) and any(r.latitude for r in parsed.rows)
    assert len({r.local_month for r in parsed.rows}) >= 12
    assert _bench_module().generate_public_csv(tmp_path / "again.csv", rows=2000, seed=7).read_bytes() \
        == path.read_bytes()

