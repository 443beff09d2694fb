"""No acknowledged answer is lost when the app dies (DESIGN section 11).

The real scoring path (`ScoringService.record_answer` on a SQLite file) runs in a separate process
that prints "ACK …" after each committed answer; we SIGKILL it at random moments, more than twenty
times, and after each kill reopen the database: every acknowledged answer must be there as
acknowledged, `PRAGMA integrity_check` must say "ok", and every stored answer must have its audit
event (an answer and its audit record commit together or not at all).

Python's start-up costs about a second of CPU, so the writers are forked from a driver that has
imported the app once (tests/support/scoring_driver.py, mode `zygote`); each writer is still its own
process with its own database connection, killed with SIGKILL.  The first writer is a fresh
interpreter, as the app would be.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import func, select

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.db import Database
from reviewtool.core.models import AuditEvent, Score
from reviewtool.core.rubric import default_rubric
from support.scoring_driver import answer_for, running_meeting

DRIVER = Path(__file__).resolve().parents[1] / "support" / "scoring_driver.py"
KILLS = 24


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:  # it finished first
        return False


def _until(stream: IO[str], predicate, what: str) -> list[str]:
    lines = []
    while True:
        line = stream.readline()
        if not line:
            pytest.fail(f"scoring driver ended while waiting for {what}; got {lines[-3:]}")
        lines.append(line.rstrip("\n"))
        if predicate(lines):
            return lines


def _fresh_process_run(url: str, session_id: int, delay: float) -> list[str]:
    proc = subprocess.Popen([sys.executable, str(DRIVER), "record", url, str(session_id), "999"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    _until(proc.stdout, lambda ls: ls[-1].startswith("READY"), "READY")
    time.sleep(delay)
    _kill(proc.pid)
    proc.wait()
    lines = proc.stdout.read().splitlines()
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return lines


def _check(path: Path, acknowledged: dict, choices: dict, run: int) -> None:
    with sqlite3.connect(path) as raw:  # reopened after every kill, as the app would be
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {(i, m, c): a for i, m, c, a in raw.execute(
            "SELECT item_id, panel_member_id, criterion_id, answer FROM scores")}
        events = raw.execute("SELECT count(*) FROM audit_events WHERE action = ?", (Actions.SCORE,)).fetchone()[0]
    missing = {k: v for k, v in acknowledged.items() if stored.get(k) != v}
    assert not missing, f"run {run}: acknowledged answers lost or altered: {sorted(missing.items())[:5]}"
    assert events == len(stored), f"run {run}: {len(stored)} answers but {events} audit events"
    for (item, member, criterion), answer in stored.items():  # committed but unacknowledged: whole, never torn
        assert answer == answer_for(item, member, criterion, choices[criterion])


def _acks(lines: list[str], into: dict) -> int:
    n = 0
    for line in lines:
        if line.startswith("ACK "):
            _, _, item, member, criterion, answer = line.split(" ")
            into[(int(item), int(member), criterion)] = answer
            n += 1
    return n


@pytest.mark.slow
def test_every_acknowledged_answer_survives_kill_9(tmp_path):
    path = tmp_path / "meeting.db"
    url = f"sqlite:///{path}"
    setup = Database.open(url)
    meeting = running_meeting(setup, items=20, members=4)
    setup.dispose()
    choices = {c.id: c.answer_ids() for c in default_rubric().criteria if c.type == "choice"}
    rng = random.Random(20240611)
    acknowledged: dict[tuple[int, int, str], str] = {}

    _acks(_fresh_process_run(url, meeting.session_id, rng.uniform(0.1, 0.5)), acknowledged)
    _check(path, acknowledged, choices, 0)
    kills, runs_with_acks = 1, 0

    zygote = subprocess.Popen([sys.executable, str(DRIVER), "zygote", url, str(meeting.session_id)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    assert zygote.stdin is not None and zygote.stdout is not None
    try:
        _until(zygote.stdout, lambda ls: ls[-1] == "ZYGOTE", "start-up")
        for run in range(1, KILLS):
            zygote.stdin.write(f"RUN {run}\n")
            zygote.stdin.flush()
            lines = _until(zygote.stdout, lambda ls: any(x.startswith("READY") for x in ls)
                           and any(x.startswith("CHILD") for x in ls), "READY")
            child = int(next(x for x in lines if x.startswith("CHILD")).split()[1])
            time.sleep(rng.uniform(0.02, 0.5))
            killed = _kill(child)
            lines += _until(zygote.stdout, lambda ls: ls[-1].startswith("EXIT"), "EXIT")
            code = int(lines[-1].split()[1])
            if killed and code == -signal.SIGKILL:
                kills += 1
            else:
                assert code == 0 and "DONE" in lines, f"run {run}: writer failed (exit {code})"
            runs_with_acks += _acks(lines, acknowledged) > 0
            _check(path, acknowledged, choices, run)
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
        zygote.stdout.close()

    assert kills >= 20 and runs_with_acks >= 15  # the kills landed while answers were being written
    db = Database.open(url)
    with db.read() as s:
        assert audit.verify_chain(s).ok
        scores = s.scalar(select(func.count()).select_from(Score))
        assert scores >= len(acknowledged)
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == Actions.SCORE)) == scores
    db.dispose()
