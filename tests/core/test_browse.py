"""The browsing queries: plain rows, permission checks, and what the footage list says about each clip."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timezone

import pytest

from reviewtool.core.auth import Actor
from reviewtool.core.browse import FootageRow, StopRow, available_rubrics, list_footage, list_stops, own_display_name
from reviewtool.core.errors import PermissionDenied
from reviewtool.core.models import Footage, FrameIndexRecord, RedactionSetRecord, StopFootage, StopRecord, User
from reviewtool.core.rubric import default_rubric

LIAISON = Actor("liaison1", "liaison")


def _stop(ref: str, when: datetime, **extra) -> StopRecord:
    return StopRecord(reference=ref, type="Person search", occurred_at=when, area=extra.pop("area", "North"),
                      outcome="Arrest", gender="Male", officer_defined_ethnicity="White", **extra)


def _clip(n: int, path: str, **extra) -> Footage:
    return Footage(sha256=f"{n:064x}", file_path=path, file_name=f"clip{n}.mp4", size_bytes=10, duration_s=12.0,
                   frame_count=300, width=640, height=360, codec="h264", average_fps=25.0,
                   ingested_by="liaison1", **extra)


@pytest.fixture
def filled(db, tmp_path):
    present = tmp_path / "clip1.mp4"
    present.write_bytes(b"x")
    index = tmp_path / "clip1.fidx"
    index.write_bytes(b"x")
    with db.session() as s:
        late = _stop("R-2", datetime(2025, 3, 31, 23, 30, tzinfo=timezone.utc))  # 1 April in London (BST)
        early = _stop("R-1", datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc), area=None)
        s.add_all([late, early])
        a = _clip(1, str(present), captured_at=datetime(2025, 4, 1, 9, 0, tzinfo=timezone.utc),
                  ingested_at=datetime(2025, 4, 1, 12, 0, tzinfo=timezone.utc))
        b = _clip(2, str(tmp_path / "gone.mp4"), ingested_at=datetime(2025, 4, 2, 9, 0, tzinfo=timezone.utc))
        c = _clip(3, str(present), ingested_at=datetime(2025, 4, 3, 9, 0, tzinfo=timezone.utc),
                  purged_at=datetime(2025, 4, 20, tzinfo=timezone.utc))
        s.add_all([a, b, c])
        s.flush()
        s.add(FrameIndexRecord(footage_id=a.id, path=str(index), file_sha256="0" * 64, frame_count=300,
                               signature_version="t/1"))
        s.add(FrameIndexRecord(footage_id=c.id, path=str(tmp_path / "nowhere.fidx"), file_sha256="0" * 64,
                               frame_count=300, signature_version="t/1"))
        s.add(RedactionSetRecord(footage_id=a.id, state="approved", document={}, updated_by="liaison1"))
        s.add(RedactionSetRecord(footage_id=b.id, state="draft", document={}, updated_by="liaison2"))
        s.add(StopFootage(stop_id=late.id, footage_id=a.id, linked_by="liaison1"))
        ids = {"a": a.id, "b": b.id, "c": c.id}
    return ids


def test_stop_rows_are_plain_newest_first_and_carry_no_identity(db, filled):
    rows = list_stops(db, LIAISON)
    assert [r.reference for r in rows] == ["R-2", "R-1"]
    late = rows[0]
    assert isinstance(late, StopRow) and late.month == "2025-04" and late.local_time.hour == 0
    assert late.clips == ("clip1.mp4",) and rows[1].clips == () and rows[1].area == ""
    names = {f.name for f in fields(StopRow)}
    assert not names & {"gender", "age_range", "self_defined_ethnicity", "officer_defined_ethnicity",
                        "latitude", "longitude"}


def test_footage_rows_say_what_stops_a_clip_playing(db, filled):
    rows = {r.id: r for r in list_footage(db, LIAISON, force_deletion_days=31, today=date(2025, 4, 25))}
    a, b, c = rows[filled["a"]], rows[filled["b"]], rows[filled["c"]]
    assert isinstance(a, FootageRow)
    assert (a.status, a.redaction, a.stops, a.file_exists, a.index_ok) == ("ready", "approved", ("R-2",), True, True)
    assert (b.status, b.redaction, b.redaction_by) == ("file missing", "draft", "liaison2")
    assert (c.status, c.redaction) == ("purged", "none")
    # capture time when known (1 April, London), else ingest time
    assert a.kept_until == date(2025, 5, 2) and a.days_left == 7
    assert b.kept_until == date(2025, 5, 3) and b.days_left == 8
    assert list(rows) == [filled["c"], filled["b"], filled["a"]]  # newest ingest first
    # the force's period, whatever it is set to (90 days: still well ahead)
    later = {r.id: r for r in list_footage(db, LIAISON, force_deletion_days=90, today=date(2025, 4, 25))}
    assert later[filled["a"]].kept_until == date(2025, 6, 30) and later[filled["a"]].days_left == 66


def test_index_missing_is_its_own_status(db, filled, tmp_path):
    (tmp_path / "clip1.fidx").unlink()
    row = next(r for r in list_footage(db, LIAISON, force_deletion_days=31) if r.id == filled["a"])
    assert row.status == "index missing" and not row.index_ok


@pytest.mark.parametrize("role", ["panel", "supervisor", "admin"])
def test_only_those_who_ingest_see_the_footage_list(db, role):
    with pytest.raises(PermissionDenied):
        list_footage(db, Actor("someone", role), force_deletion_days=31)


def test_panel_members_do_not_browse_stops(db):
    with pytest.raises(PermissionDenied):
        list_stops(db, Actor("panel1", "panel"))
    assert list_stops(db, Actor("sup", "supervisor")) == []


def test_own_display_name_and_rubrics(db):
    with db.session() as s:
        s.add(User(username="lee", display_name="Lee Liaison", role="liaison", password_hash="x"))
    assert own_display_name(db, Actor("lee", "liaison")) == "Lee Liaison"
    assert own_display_name(db, Actor("ghost", "liaison")) == "ghost"
    rubric = default_rubric()
    assert [(r.key, r.version) for r in available_rubrics(db)] == [(rubric.key, rubric.version)]
