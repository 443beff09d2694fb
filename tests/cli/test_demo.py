"""The demo is built through the real services; last month's meeting is held to its end."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from reviewtool.cli.demo_data import DEMO_USERS, build_demo
from reviewtool.core import audit
from reviewtool.core.auth import UserService
from reviewtool.core.feedback import FeedbackService
from reviewtool.core.models import Consensus, RedactionSetRecord, ReviewSession, Score
from reviewtool.progress import run_to_end

pytestmark = [pytest.mark.media, pytest.mark.slow]


def test_demo_has_a_finished_meeting_and_a_planned_one(tmp_path):
    db = run_to_end(build_demo(tmp_path / "demo", stops=80, clips=6, today=date(2026, 11, 30), clip_seconds=3))
    with db.read() as s:
        sessions = {r.name: r.status for r in s.scalars(select(ReviewSession))}
        assert sorted(sessions.values()) == ["closed", "planned"]
        assert s.scalar(select(func.count()).select_from(Consensus)) >= 1
        assert s.scalar(select(func.count()).select_from(Score)) > 20
        assert {r.state for r in s.scalars(select(RedactionSetRecord))} == {"approved"}
        assert audit.verify_chain(s).ok
    supervisor = next(u for u in DEMO_USERS if u.role == "supervisor")
    actor = UserService(db).login(supervisor.username, supervisor.password)
    waiting = FeedbackService(db).officers_with_pending_feedback(actor)
    assert waiting and all(o.name.startswith("PC ") for o in waiting)
    outcome = run_to_end(FeedbackService(db).generate_officer_reports(actor))
    assert outcome.generated
