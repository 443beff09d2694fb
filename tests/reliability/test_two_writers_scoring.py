"""Two people change the same answer (or consensus) at the same moment, from two processes, on one
SQLite file and on one PostgreSQL database: exactly one change wins, the other is refused with a
Conflict naming what it now reads, and nothing is lost or silently overwritten.

Both writers first read the current version ("READY <version>"), then are released together; the
same two writer processes run every race.
On SQLite the write transactions are serialised (BEGIN IMMEDIATE) and the loser's expected version
no longer matches; on PostgreSQL both may pass that check and the loser's UPDATE finds no row at its
version (StaleDataError) or its INSERT hits the unique key: every route ends in Conflict.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.models import AuditEvent
from reviewtool.core.scoring import ScoringService
from support.scoring_driver import LIAISON, running_meeting

DRIVER = Path(__file__).resolve().parents[1] / "support" / "scoring_driver.py"


class Writers:
    """Two writer processes (tests/support/scoring_driver.py, mode `worker`) on one database."""

    def __init__(self, url: str) -> None:
        self.procs = [subprocess.Popen([sys.executable, str(DRIVER), "worker", url], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
                      for _ in range(2)]
        for p in self.procs:
            self._expect(p, "WORKER")

    @staticmethod
    def _expect(p: subprocess.Popen, prefix: str) -> str:
        line = p.stdout.readline().rstrip("\n")
        if not line.startswith(prefix):
            p.kill()
            raise AssertionError(f"writer said {line!r}, expected {prefix}: {p.stderr.read()}")
        return line

    def race(self, *commands: tuple[str, ...]) -> list[str]:
        """Each writer reads the current version; once both have, release them together."""
        for p, command in zip(self.procs, commands):
            p.stdin.write("\t".join(command) + "\n")
            p.stdin.flush()
        versions = {self._expect(p, "READY") for p in self.procs}
        assert len(versions) == 1  # both saw the same version
        for p in self.procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        return [p.stdout.readline().strip() for p in self.procs]

    def close(self) -> None:
        for p in self.procs:
            p.stdin.close()
            p.wait(timeout=30)
            p.stdout.close()
            p.stderr.close()


def _one_wins(results: list[str]) -> tuple[int, str]:
    ok = [i for i, r in enumerate(results) if r.startswith("OK ")]
    refused = [r for r in results if r.startswith("CONFLICT ")]
    assert len(ok) == 1 and len(refused) == 1, results
    return ok[0], refused[0]


def test_two_writers_on_one_answer_and_one_consensus(db):
    meeting = running_meeting(db, items=1, members=3)
    scoring = ScoringService(db)
    item, amira, tomasz = meeting.item_ids[0], meeting.member_ids[0], meeting.member_ids[1]
    item_arg = str(item)

    writers = Writers(db.url)
    try:
        # An answer both change.
        scoring.record_answer(LIAISON, item, amira, "respect", "3")
        results = writers.race(("edit", item_arg, str(amira), "respect", "4"), ("edit", item_arg, str(amira), "respect", "5"))
        winner, refusal = _one_wins(results)
        won, label = (("4", "4"), ("5", "5 (excellent)"))[winner]
        assert refusal == (f"CONFLICT Amira Haddad's answer to 'Respect and courtesy' was changed by someone else a "
                           f"moment ago; it now reads '{label}'. Reload to see it.")
        # An answer both give first.
        results = writers.race(("edit", item_arg, str(tomasz), "overall", "green"),
                               ("edit", item_arg, str(tomasz), "overall", "red"))
        winner2, refusal2 = _one_wins(results)
        won2 = ("green", "red")[winner2]
        assert f"it now reads '{won2.capitalize()}'" in refusal2
        answers = {(a.member_id, a.criterion_id): (a.answer, a.version) for a in scoring.answers_for(LIAISON, item)}
        assert answers == {(amira, "respect"): (won, 2), (tomasz, "overall"): (won2, 1)}

        # The consensus, first recorded and then changed, by two facilitators at once.
        scoring.reveal(LIAISON, item)
        results = writers.race(("consensus", item_arg, "green", "Good"), ("consensus", item_arg, "amber", "Explain more"))
        first, refusal3 = _one_wins(results)
        assert "The consensus for item 1 (R001) was changed by someone else" in refusal3
        results = writers.race(("consensus", item_arg, "red", "Refer"), ("consensus", item_arg, "amber", "Advice"))
        second, _ = _one_wins(results)
    finally:
        writers.close()
    final = scoring.consensus(LIAISON, item)
    assert (final.rag, final.version) == (("red", "amber")[second], 2)

    with db.read() as s:  # every accepted change is in the log, the refused ones are not
        scores = list(s.scalars(select(AuditEvent).where(AuditEvent.action == Actions.SCORE)))
        consensus = list(s.scalars(select(AuditEvent).where(AuditEvent.action == Actions.CONSENSUS)))
        assert audit.verify_chain(s).ok
    assert [e.details["answer"] for e in scores] == ["3", won, won2]
    assert [e.details["rag"] for e in consensus] == [("green", "amber")[first], final.rag]
