"""`export scores`: one row per answer, revealed items only, formula cells neutralised, audited."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from sqlalchemy import func, select

from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor
from reviewtool.core.csvsafe import is_neutralised_safe, unneutralise
from reviewtool.core.errors import NotFound, PermissionDenied, ValidationError
from reviewtool.core.models import AuditEvent, PanelMember, Score, SessionItem
from reviewtool.core.score_export import COLUMNS, ScoreExportService
from support.feedback_data import PANEL_NAMES, populate

LIAISON = Actor("liaison", "liaison")
HOSTILE = ("=HYPERLINK(\"http://x\",\"click\")", "+44 20 7946 0000", "-1+2", "@SUM(A1:A9)", "\tTabbed", "'quoted")


@pytest.fixture
def world(sqlite_db):
    world = populate(sqlite_db, officers=2, stops_per_officer=1)
    with sqlite_db.session() as s:  # test set-up: comments a spreadsheet would run, and a blind answer
        scores = s.scalars(select(Score).where(Score.item_id == world.item_ids[0], Score.criterion_id == "respect")
                           .order_by(Score.id)).all()
        for score, text in zip(scores, HOSTILE):
            score.comment = text
        pending = s.scalar(select(SessionItem).where(SessionItem.footage_id.is_(None)))
        member = s.scalar(select(PanelMember).order_by(PanelMember.id))
        s.add(Score(item_id=pending.id, panel_member_id=member.id, criterion_id="respect", answer="2",
                    entered_by="liaison"))
    return world


def test_one_row_per_revealed_answer_with_formulas_neutralised(sqlite_db, world, tmp_path):
    out = tmp_path / "scores.csv"
    result = ScoreExportService(sqlite_db).export_csv(LIAISON, world.session_name, out, recipient="Force analyst")
    raw = out.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == result.sha256
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    with sqlite_db.read() as s:
        revealed = s.scalar(select(func.count()).select_from(Score).where(Score.item_id.in_(world.item_ids)))
    assert len(rows) - 1 == result.rows == revealed  # the blind answer on the unrevealed item stays private
    assert result.items_skipped == 1
    body = [dict(zip(COLUMNS, r)) for r in rows[1:]]
    assert {r["reference"] for r in body} == set(world.references)
    assert {r["member"] for r in body} == {"Panel member 1", "Panel member 2", "Panel member 3"}
    for cell in (c for r in rows for c in r):
        assert is_neutralised_safe(cell), cell
    comments = [r["comment"] for r in body if r["criterion_id"] == "respect" and r["reference"] == world.references[0]]
    assert sorted(unneutralise(c) for c in comments) == sorted(HOSTILE[:3])
    assert all(c.startswith("'") for c in comments)
    went_well = next(r for r in body if r["criterion_id"] == "went_well")
    assert went_well["answer"] == "" and went_well["answer_label"].startswith("Kept hands visible")
    overall = next(r for r in body if r["criterion_id"] == "overall")
    assert overall["answer_label"] in ("Green", "Amber", "Red") and overall["answer"] in ("green", "amber", "red")
    text = raw.decode("utf-8-sig")
    for name in PANEL_NAMES:
        assert name not in text.replace(f"({name} noted)", "")  # names appear only if typed into a comment

    with sqlite_db.read() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == Actions.EXPORT,
                                                  AuditEvent.object_type == "scores"))
    assert event.details["recipient"] == "Force analyst" and event.details["sha256"] == result.sha256
    assert event.details["rows"] == result.rows


def test_export_refusals(sqlite_db, world, tmp_path):
    service = ScoreExportService(sqlite_db)
    with pytest.raises(PermissionDenied):
        service.export_csv(Actor("panel1", "panel"), world.session_name, tmp_path / "x.csv", recipient="me")
    with pytest.raises(NotFound):
        service.export_csv(LIAISON, "No such session", tmp_path / "x.csv", recipient="me")
    with pytest.raises(ValidationError, match="recipient"):
        service.export_csv(LIAISON, world.session_name, tmp_path / "x.csv", recipient=" ")
    with pytest.raises(ValidationError, match="cannot write"):
        service.export_csv(LIAISON, world.session_name, tmp_path / "missing-dir" / "x.csv", recipient="me")
    assert not (tmp_path / "x.csv").exists()
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == Actions.EXPORT)) == 0
