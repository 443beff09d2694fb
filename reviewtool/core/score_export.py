"""`export scores`: every panel answer of a session as one CSV row, safe to open in a spreadsheet.

Only answers the room has seen are exported: items revealed or agreed. Before reveal an answer is a
member's blind judgement, and an export would end the blind phase behind the panel's back.

Members appear as "Panel member N", numbered within the session as on officer reports; the answer is
given both as its stable id (for analysis) and its label. Every text cell goes through
`csvsafe.neutralise`, because comments are typed by people and a cell starting with "=" would run as a
formula in Excel or LibreOffice. The file is written beside its destination and moved into place only
after the export is recorded in the audit log (with its SHA-256 and recipient), so no file exists whose
disclosure was not recorded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.csvsafe import neutralise
from reviewtool.core.db import Database
from reviewtool.core.errors import NotFound, ValidationError
from reviewtool.core.models import ReviewSession, Score, SessionItem, StopRecord
from reviewtool.core.report_data import GatherCache, local_day, member_numbers

COLUMNS = ("session", "item", "reference", "stop_date", "criterion_id", "criterion", "member", "answer",
           "answer_label", "comment", "entered_at")
EXPORTED_STATUSES = ("revealed", "agreed")


@dataclass(frozen=True)
class ScoreExport:
    path: Path
    rows: int
    sha256: str
    items_skipped: int  # items not yet revealed (or removed): their answers stay private


class ScoreExportService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._rubrics = GatherCache()

    def scores_csv(self, actor: Actor, session: int | str) -> tuple[bytes, int, int]:
        """The CSV bytes, the number of answer rows and of items left out (not revealed)."""
        actor.require(Permission.EXPORT)
        with self.db.read() as s:
            if isinstance(session, int):
                review = s.get(ReviewSession, session)
            else:
                review = s.scalar(select(ReviewSession).where(ReviewSession.name == session.strip()))
            if review is None:
                raise NotFound(f"no session {session!r}")
            rubric = self._rubrics.get(s, review.rubric_id)
            order = {c.id: n for n, c in enumerate(rubric.criteria)}
            criteria = {c.id: c for c in rubric.criteria}
            numbers = member_numbers(s, [review.id])
            items = list(s.execute(select(SessionItem, StopRecord).join(StopRecord, StopRecord.id == SessionItem.stop_id)
                                   .where(SessionItem.session_id == review.id)))
            shown = {item.id: (item, stop) for item, stop in items if item.status in EXPORTED_STATUSES}
            scores = list(s.scalars(select(Score).where(Score.item_id.in_(list(shown)))))
            scores.sort(key=lambda sc: (shown[sc.item_id][0].position, numbers.get((review.id, sc.panel_member_id), 0),
                                        order.get(sc.criterion_id, len(order)), sc.criterion_id))
            buffer = io.StringIO()
            out = csv.writer(buffer, lineterminator="\r\n")
            out.writerow(COLUMNS)
            for sc in scores:
                item, stop = shown[sc.item_id]
                criterion = criteria.get(sc.criterion_id)
                label = criterion.label if criterion else sc.criterion_id
                answer = sc.answer or ""
                answer_label = criterion.label_of(answer) if criterion and criterion.type == "choice" else answer
                cells = [review.name, str(item.position), stop.reference, local_day(stop.occurred_at).isoformat(),
                         sc.criterion_id, label, f"Panel member {numbers.get((review.id, sc.panel_member_id), 0)}",
                         answer if not criterion or criterion.type == "choice" else "", answer_label,
                         sc.comment or "", sc.entered_at.isoformat()]
                out.writerow([neutralise(cell) for cell in cells])
            data = buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8
            return data, len(scores), len(items) - len(shown)

    def export_csv(self, actor: Actor, session: int | str, out: Path, *, recipient: str) -> ScoreExport:
        """Write the CSV to `out`; the export is audited (rows, SHA-256, recipient) before the file appears."""
        if not recipient or not recipient.strip():
            raise ValidationError("recipient: say who the export is for")
        data, rows, skipped = self.scores_csv(actor, session)
        digest = hashlib.sha256(data).hexdigest()
        out = Path(out)
        partial = out.with_name(f".{out.name}.partial")
        try:
            partial.write_bytes(data)
            with self.db.session() as s:
                audit.record(s, actor=actor.username, role=actor.role, action=Actions.EXPORT, object_type="scores",
                             object_id=str(session), details={"file": out.name, "rows": rows, "sha256": digest,
                                                              "recipient": recipient.strip(),
                                                              "items_not_revealed": skipped})
            os.replace(partial, out)
        except OSError as exc:
            raise ValidationError(f"{out}: cannot write the export ({exc.strerror or exc})") from None
        finally:
            partial.unlink(missing_ok=True)
        return ScoreExport(out, rows, digest, skipped)
