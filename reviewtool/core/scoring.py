"""Scoring in the meeting: answers, the blind phase, reveal, consensus, comments, agreement.

No panel member's judgement is lost or altered:
- One answer is one transaction, committed (with its audit event) before `record_answer` returns.
- A stale edit is refused with `Conflict`, never silently overwritten.  Callers pass
  `expected_version`: the version of the answer they last saw, or 0 for "there was no answer yet".
  None skips the check (one-shot tools); SQLAlchemy's version column still refuses a write that
  loses a race (`StaleDataError`, and on a first answer the unique constraint) → `Conflict`.
- Blind phase: before an item is revealed, a panel member sees only their own answers and comments.
  The facilitator (SEE_UNREVEALED_SCORES) may see all; whether to show them is the GUI's choice.
- After reveal, answers are frozen for everyone: a member may not change a judgement after seeing
  the others'.  The facilitator may `reopen` an item (with a recorded reason, audited); it returns
  to "shown", answers can be corrected, and it must be revealed again.  A recorded consensus stays.
- Comments are never edited or deleted; they may be added while the session runs, also after reveal
  (discussion).  Before reveal a member sees only their own; after, everyone sees all.

Who enters what: a panel member (ENTER_OWN_SCORES) only for the PanelMember linked to their user
account, only while the session runs and only before reveal; the liaison (ENTER_SCORES_FOR_OTHERS)
for any member present with confidentiality acknowledged (paper or spoken answers).  Consensus,
reveal and reopen are the facilitator's (PLAN_SESSIONS).  `score import` (paper forms keyed in
afterwards) is all-or-nothing; it never changes an existing answer, and it may fill in a missing
answer on a revealed item because a paper form was completed blind in the room.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from reviewtool.core import audit
from reviewtool.core.agreement import AgreementFigure, figure
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from reviewtool.core.models import ClipComment, Consensus, PanelMember, ReviewSession, Score, SessionItem
from reviewtool.core.rubric import Criterion, RubricDefinition, rubric_of
from reviewtool.core.sessions import (
    REVEALED_STATUSES,
    load_session_by_name,
    ConsensusView,
    SessionActions,
    consensus_view,
    load_item,
    load_session,
    member_for_actor,
    participant_member,
    require_status,
    takes_part,
)

RAGS = ("green", "amber", "red")

IMPORT_COLUMNS = ("reference", "member", "criterion", "answer", "comment")
IMPORT_REQUIRED = ("reference", "member", "criterion", "answer")
MAX_ERRORS_IN_MESSAGE = 5


@dataclass(frozen=True, slots=True)
class ScoreView:
    id: int
    item_id: int
    member_id: int
    member_name: str
    member_initials: str
    criterion_id: str
    criterion_label: str
    answer: str | None  # an answer id, free text for text criteria, None when cleared
    answer_label: str  # the rubric's label for the answer ("" when none)
    comment: str | None
    entered_by: str
    entered_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class ImportRowError:
    row: int  # spreadsheet row: the header is row 1
    field: str  # a column name, or "file"
    reason: str

    def __str__(self) -> str:
        return f"row {self.row} {self.field}: {self.reason}"


class ScoreImportError(ValidationError):
    """Nothing was imported; `errors` lists every problem found (the message names the first few)."""

    def __init__(self, message: str, errors: list[ImportRowError]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportScoresReport:
    session_name: str
    file_name: str
    rows: int  # data rows read (blank lines not counted)
    imported: int  # answers stored
    unchanged: int  # rows identical to an answer already stored (or repeated in the file)
    blank: int  # rows with neither an answer nor a comment, ignored
    items: int  # distinct items answered in the file
    members: int  # distinct members in the file


@dataclass(frozen=True, slots=True)
class CommentView:
    id: int
    item_id: int
    member_id: int | None  # None: the facilitator's own note
    member_initials: str
    media_time: float | None  # seconds into the clip, None when not pinned
    text: str
    created_at: datetime
    created_by: str


def _is_revealed(item: SessionItem) -> bool:
    return item.status in REVEALED_STATUSES


def _score_view(row: Score, member: PanelMember, criterion: Criterion) -> ScoreView:
    label = "" if row.answer in (None, "") else (row.answer if criterion.type == "text" else criterion.label_of(row.answer))
    return ScoreView(id=row.id, item_id=row.item_id, member_id=member.id, member_name=member.name,
                     member_initials=member.initials, criterion_id=row.criterion_id, criterion_label=criterion.label,
                     answer=row.answer, answer_label=label, comment=row.comment, entered_by=row.entered_by,
                     entered_at=row.entered_at, version=row.version)


def _answer_conflict(member: PanelMember, criterion: Criterion, current: Score | None) -> Conflict:
    if current is None:
        now = "it has no answer now"
    elif current.answer in (None, ""):
        now = "it is now blank"
    else:
        shown = current.answer if criterion.type == "text" else criterion.label_of(current.answer)
        now = f"it now reads {shown!r}"
    return Conflict(f"{member.name}'s answer to {criterion.label!r} was changed by someone else a moment ago; "
                    f"{now}. Reload to see it.")


class ScoringService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # answers ------------------------------------------------------------------------------------------
    def record_answer(self, actor: Actor, item_id: int, member_id: int, criterion_id: str, answer: str | None,
                      comment: str | None = None, expected_version: int | None = None) -> ScoreView:
        """Save one answer now (its own transaction, audited).  `answer` None or "" clears the answer;
        `comment` None keeps the stored comment and "" clears it.  Re-sending what is stored changes
        nothing and returns the stored answer."""
        answer = None if answer is None or answer.strip() == "" else answer.strip()
        keep_comment = comment is None
        comment = None if comment is None or comment.strip() == "" else comment.strip()
        try:
            with self.db.session() as s:
                item, member, rubric = self._entry_checks(s, actor, item_id, member_id)
                criterion = rubric.criterion(criterion_id)
                rubric.check_answer(criterion_id, answer)
                row = s.scalar(select(Score).where(Score.item_id == item.id, Score.panel_member_id == member.id,
                                                   Score.criterion_id == criterion_id))
                current_version = 0 if row is None else row.version
                if expected_version is not None and expected_version != current_version:
                    raise _answer_conflict(member, criterion, row)
                if keep_comment and row is not None:
                    comment = row.comment
                if row is not None and row.answer == answer and row.comment == comment:
                    return _score_view(row, member, criterion)
                previous = None if row is None else row.answer
                if row is None:
                    row = Score(item_id=item.id, panel_member_id=member.id, criterion_id=criterion_id)
                    s.add(row)
                row.answer, row.comment = answer, comment
                row.entered_by, row.entered_at = actor.username, utcnow()
                s.flush()
                audit.record(s, actor=actor.username, role=actor.role, action=Actions.SCORE, object_type="score",
                             object_id=row.id, details={
                                 "item": item.id, "session": item.session_id, "member": member.id,
                                 "criterion": criterion_id, "answer": answer if criterion.type == "choice" else "(text)",
                                 "previous": previous if criterion.type == "choice" else "(text)",
                                 "comment": comment is not None, "version": row.version})
                view = _score_view(row, member, criterion)
        except (StaleDataError, IntegrityError) as exc:
            raise self._reload_conflict(item_id, member_id, criterion_id) from exc
        return view

    def _reload_conflict(self, item_id: int, member_id: int, criterion_id: str) -> Conflict:
        with self.db.read() as s:
            item = load_item(s, item_id)
            member = s.get(PanelMember, member_id)
            criterion = rubric_of(item.session.rubric).criterion(criterion_id)
            current = s.scalar(select(Score).where(Score.item_id == item_id, Score.panel_member_id == member_id,
                                                   Score.criterion_id == criterion_id))
            assert member is not None
            return _answer_conflict(member, criterion, current)

    def _entry_checks(self, s: Session, actor: Actor, item_id: int,
                      member_id: int) -> tuple[SessionItem, PanelMember, RubricDefinition]:
        item = load_item(s, item_id)
        review = item.session
        member = s.get(PanelMember, member_id)
        if member is None:
            raise NotFound(f"there is no panel member with id {member_id}")
        if not actor.can(Permission.ENTER_SCORES_FOR_OTHERS):
            actor.require(Permission.ENTER_OWN_SCORES)
            own = member_for_actor(s, actor)
            if own is None or own.id != member.id:
                raise PermissionDenied(f"{actor.username} may enter answers only for themselves, not for {member.name}")
            participant_member(s, actor, review.id)
        require_status(review, "running", doing="record answers")
        if not takes_part(s, review.id, member.id):
            raise ValidationError(f"member: {member.name} is not recorded as present at session {review.name!r} "
                                  "with confidentiality acknowledged")
        where = f"item {item.position} ({item.stop.reference})"
        if item.status == "removed":
            raise ValidationError(f"{where} was removed from the session")
        if _is_revealed(item):
            raise ValidationError(f"{where}: answers were revealed and are now fixed; "
                                  "the facilitator can reopen the item to correct them")
        return item, member, rubric_of(review.rubric)

    def answers_for(self, actor: Actor, item_id: int) -> list[ScoreView]:
        """Answers to an item, by member then rubric order.  Blind until reveal for panel members."""
        with self.db.read() as s:
            item = load_item(s, item_id)
            viewer = self._viewer(s, actor, item.session)
            query = select(Score, PanelMember).join(PanelMember, Score.panel_member_id == PanelMember.id).where(
                Score.item_id == item.id)
            if viewer is not None and not _is_revealed(item):
                query = query.where(Score.panel_member_id == viewer.id)
            rubric = rubric_of(item.session.rubric)
            order = {c.id: i for i, c in enumerate(rubric.criteria)}
            rows = sorted(s.execute(query).all(), key=lambda r: (r[1].name, order.get(r[0].criterion_id, len(order))))
            return [_score_view(score, member, rubric.criterion(score.criterion_id)) for score, member in rows]

    def _viewer(self, s: Session, actor: Actor, review: ReviewSession) -> PanelMember | None:
        """None for someone who may see everything (facilitator); else the participating member."""
        if actor.can(Permission.SEE_UNREVEALED_SCORES) and actor.can(Permission.PLAN_SESSIONS):
            return None
        member = participant_member(s, actor, review.id)
        if member is None:  # a planner without SEE_UNREVEALED_SCORES: sees nothing unrevealed
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not see unrevealed answers")
        return member

    # reveal, reopen, consensus -------------------------------------------------------------------------
    def reveal(self, actor: Actor, item_id: int) -> datetime:
        """End the blind phase for an item: everyone in the session now sees all answers.  Revealing
        an item that is already revealed changes nothing and returns when it was revealed."""
        actor.require(Permission.PLAN_SESSIONS)
        with self.db.session() as s:
            item = load_item(s, item_id)
            require_status(item.session, "running", doing="reveal answers")
            if item.status == "removed":
                raise ValidationError(f"item {item.position} ({item.stop.reference}) was removed from the session")
            if _is_revealed(item):
                assert item.revealed_at is not None
                return item.revealed_at
            item.status, item.revealed_at = "revealed", utcnow()
            answers = len(s.scalars(select(Score.id).where(Score.item_id == item.id)).all())
            self._item_event(s, actor, item, "reveal", {"answers": answers})
            assert item.revealed_at is not None
            return item.revealed_at

    def reopen(self, actor: Actor, item_id: int, reason: str) -> None:
        """Return a revealed item to scoring (to correct a mistaken answer); the reason is recorded."""
        actor.require(Permission.PLAN_SESSIONS)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("reason: say why the answers are reopened (it is recorded in the audit log)")
        with self.db.session() as s:
            item = load_item(s, item_id)
            require_status(item.session, "running", doing="reopen answers")
            if not _is_revealed(item):
                raise ValidationError(f"item {item.position} ({item.stop.reference}) has not been revealed")
            before = item.status
            item.status, item.revealed_at = "shown", None
            self._item_event(s, actor, item, "reopen", {"from": before}, reason=reason)

    def record_consensus(self, actor: Actor, item_id: int, rag: str, summary: str, commendations: str = "",
                         learning_points: str = "", refer: bool = False, actions: str = "",
                         expected_version: int | None = None) -> ConsensusView:
        """The panel's agreed view after reveal.  A summary is required for amber and red; `refer`
        is stored as given (the GUI offers referral for red).  The item becomes "agreed"."""
        actor.require(Permission.PLAN_SESSIONS)
        rag = (rag or "").strip().lower()
        if rag not in RAGS:
            raise ValidationError(f"rag: choose green, amber or red, not {rag!r}")
        summary = (summary or "").strip()
        if rag in ("amber", "red") and not summary:
            raise ValidationError(f"summary: a {rag} rating needs a short summary for the officer")
        try:
            with self.db.session() as s:
                item = load_item(s, item_id)
                where = f"item {item.position} ({item.stop.reference})"
                require_status(item.session, "running", doing="record a consensus")
                if not _is_revealed(item):
                    raise ValidationError(f"{where}: reveal the answers before recording the consensus")
                row = s.scalar(select(Consensus).where(Consensus.item_id == item.id))
                current = 0 if row is None else row.version
                if expected_version is not None and expected_version != current:
                    raise self._consensus_conflict(where, row)
                if row is None:
                    row = Consensus(item_id=item.id)
                    s.add(row)
                previous = None if row.rag is None else row.rag
                row.rag, row.summary, row.commendations = rag, summary, (commendations or "").strip()
                row.learning_points, row.refer, row.actions = (learning_points or "").strip(), bool(refer), \
                    (actions or "").strip()
                row.recorded_at, row.recorded_by = utcnow(), actor.username
                item.status = "agreed"
                s.flush()
                audit.record(s, actor=actor.username, role=actor.role, action=Actions.CONSENSUS,
                             object_type="consensus", object_id=row.id,
                             details={"item": item.id, "session": item.session_id, "rag": rag,
                                      "previous": previous or "", "refer": bool(refer), "version": row.version})
                view = consensus_view(row)
        except (StaleDataError, IntegrityError) as exc:
            with self.db.read() as s:
                item = load_item(s, item_id)
                row = s.scalar(select(Consensus).where(Consensus.item_id == item_id))
                raise self._consensus_conflict(f"item {item.position} ({item.stop.reference})", row) from exc
        return view

    @staticmethod
    def _consensus_conflict(where: str, row: Consensus | None) -> Conflict:
        now = "there is no consensus now" if row is None else f"it is now {row.rag} (by {row.recorded_by})"
        return Conflict(f"The consensus for {where} was changed by someone else a moment ago; {now}. Reload to see it.")

    def consensus(self, actor: Actor, item_id: int) -> ConsensusView | None:
        with self.db.read() as s:
            item = load_item(s, item_id)
            participant_member(s, actor, item.session_id)
            row = s.scalar(select(Consensus).where(Consensus.item_id == item.id))
            return None if row is None else consensus_view(row)

    # comments ------------------------------------------------------------------------------------------
    def add_comment(self, actor: Actor, item_id: int, member_id: int | None, text: str,
                    media_time: float | None = None) -> CommentView:
        """A comment, optionally pinned to a time in the clip.  A panel member comments as themselves
        (member_id None means themselves); the facilitator as a member or, with None, as facilitator."""
        text = (text or "").strip()
        if not text:
            raise ValidationError("comment: write something first")
        if media_time is not None and not (media_time >= 0.0 and media_time < 1e7):
            raise ValidationError("media_time: a time in the clip, in seconds from its start")
        with self.db.session() as s:
            item = load_item(s, item_id)
            member: PanelMember | None = None
            if not actor.can(Permission.ENTER_SCORES_FOR_OTHERS):
                member = participant_member(s, actor, item.session_id)
                if member is None or (member_id is not None and member_id != member.id):
                    raise PermissionDenied(f"{actor.username} may comment only as themselves")
            elif member_id is not None:
                member = s.get(PanelMember, member_id)
                if member is None:
                    raise NotFound(f"there is no panel member with id {member_id}")
                if not takes_part(s, item.session_id, member.id):
                    raise ValidationError(f"member: {member.name} is not recorded as present at this session")
            require_status(item.session, "running", doing="add comments")
            if item.status == "removed":
                raise ValidationError(f"item {item.position} ({item.stop.reference}) was removed from the session")
            row = ClipComment(item_id=item.id, panel_member_id=member.id if member else None, media_time=media_time,
                              text=text, created_by=actor.username)
            s.add(row)
            s.flush()
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.SCORE, object_type="clip_comment",
                         object_id=row.id, details={"item": item.id, "session": item.session_id,
                                                    "member": member.id if member else None,
                                                    "media_time": media_time})
            return CommentView(id=row.id, item_id=item.id, member_id=row.panel_member_id,
                               member_initials=member.initials if member else "", media_time=media_time, text=text,
                               created_at=row.created_at, created_by=row.created_by)

    def comments(self, actor: Actor, item_id: int) -> list[CommentView]:
        """In clip order (unpinned last), then as written.  Panel members: own only before reveal."""
        with self.db.read() as s:
            item = load_item(s, item_id)
            viewer = self._viewer(s, actor, item.session)
            query = select(ClipComment, PanelMember).outerjoin(
                PanelMember, ClipComment.panel_member_id == PanelMember.id).where(ClipComment.item_id == item.id)
            if viewer is not None and not _is_revealed(item):
                query = query.where(ClipComment.panel_member_id == viewer.id)
            rows = s.execute(query).all()
            rows.sort(key=lambda r: (r[0].media_time is None, r[0].media_time or 0.0, r[0].created_at, r[0].id))
            return [CommentView(id=c.id, item_id=c.item_id, member_id=c.panel_member_id,
                                member_initials=m.initials if m else "", media_time=c.media_time, text=c.text,
                                created_at=c.created_at, created_by=c.created_by) for c, m in rows]

    # distribution and agreement (after reveal) -----------------------------------------------------------
    def distribution(self, actor: Actor, item_id: int) -> dict[str, dict[str, int]]:
        """criterion id → answer id → count, for the choice criteria, every answer listed in rubric order."""
        with self.db.read() as s:
            item = load_item(s, item_id)
            self._after_reveal(s, actor, item)
            rubric = rubric_of(item.session.rubric)
            out = {c.id: dict.fromkeys(c.answer_ids(), 0) for c in rubric.criteria if c.type == "choice"}
            for criterion_id, answer in s.execute(select(Score.criterion_id, Score.answer).where(
                    Score.item_id == item.id)):
                if criterion_id in out and answer in out[criterion_id]:
                    out[criterion_id][answer] += 1
            return out

    def agreement(self, actor: Actor, *, item_id: int | None = None,
                  session_id: int | None = None) -> dict[str, AgreementFigure]:
        """Krippendorff's alpha per choice criterion.  Over a session: units are its revealed items
        (ValidationError when none is revealed yet).  Over one item (after reveal): alpha is undefined
        on a single unit and reported as None; `n_members` and `percent_agreement` still say something,
        and `distribution` shows the answers."""
        if (item_id is None) == (session_id is None):
            raise ValueError("give exactly one of item_id and session_id")
        with self.db.read() as s:
            if item_id is not None:
                item = load_item(s, item_id)
                self._after_reveal(s, actor, item)
                items, review = [item], item.session
            else:
                review = load_session(s, session_id)  # type: ignore[arg-type]
                if not actor.can(Permission.PLAN_SESSIONS):
                    participant_member(s, actor, review.id)
                items = [it for it in review.items if _is_revealed(it)]
                if not items:
                    raise ValidationError(f"session {review.name!r}: no item has been revealed yet")
            return _figures(s, rubric_of(review.rubric), items)

    def _after_reveal(self, s: Session, actor: Actor, item: SessionItem) -> None:
        if not actor.can(Permission.PLAN_SESSIONS):
            participant_member(s, actor, item.session_id)
        if not _is_revealed(item):
            raise ValidationError(f"item {item.position} ({item.stop.reference}): answers are not revealed yet")

    # bulk entry ------------------------------------------------------------------------------------------
    def import_scores_csv(self, actor: Actor, session_name: str, path: Path) -> ImportScoresReport:
        """Paper or online forms keyed in bulk: all rows commit together or none do (ScoreImportError,
        a ValidationError carrying every row's problem)."""
        actor.require(Permission.ENTER_SCORES_FOR_OTHERS)
        with self.db.session() as s:
            return import_scores(s, actor, session_name, Path(path))

    # helpers --------------------------------------------------------------------------------------------
    @staticmethod
    def _item_event(s: Session, actor: Actor, item: SessionItem, change: str, details: dict, reason: str = "") -> None:
        try:
            s.flush()
        except StaleDataError:
            raise Conflict(f"Item {item.position} ({item.stop.reference}) was changed by someone else a moment ago. "
                           "Reload to see it.") from None
        audit.record(s, actor=actor.username, role=actor.role, action=SessionActions.SESSION_CHANGE,
                     object_type="session_item", object_id=item.id, reason=reason,
                     details={"change": change, "session": item.session_id, "reference": item.stop.reference,
                              **details})


def _figures(s: Session, rubric: RubricDefinition, items: list[SessionItem]) -> dict[str, AgreementFigure]:
    """Answers outside a criterion's scale ("Can't tell"; N/A on ordinal scales) are missing values."""
    by_key: dict[tuple[int, str], dict[int, str | None]] = {}
    for item_id, member_id, criterion_id, answer in s.execute(select(
            Score.item_id, Score.panel_member_id, Score.criterion_id, Score.answer).where(
            Score.item_id.in_([it.id for it in items]))):
        by_key.setdefault((item_id, criterion_id), {})[member_id] = answer
    out: dict[str, AgreementFigure] = {}
    for c in rubric.criteria:
        if c.type != "choice":
            continue
        if c.scale == "ordinal":
            categories = [a for a in c.answer_ids() if c.ordinal_rank(a) is not None]
            metric = "ordinal"
        else:
            categories = [a for a in c.answer_ids() if a not in ("cant_tell",)]
            metric = "nominal"
        units = []
        for it in items:
            answers = by_key.get((it.id, c.id), {})
            units.append({m: (a if a in categories else None) for m, a in answers.items()})
        out[c.id] = figure(units, metric, categories)
    return out


# --- score import (paper or online forms keyed in bulk) -----------------------------------------------


def _read_csv(path: Path) -> list[list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path.name}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationError(f"{path.name}: not a readable CSV file ({exc})") from None


def _match_answer(criterion: Criterion, given: str) -> str | None:
    """An answer id from an id or a label, ignoring case; None when it is neither."""
    folded = given.casefold()
    for a in criterion.answers:
        if a.id.casefold() == folded or a.label.casefold() == folded:
            return a.id
    return None


def import_scores(s: Session, actor: Actor, session_name: str, path: Path) -> ImportScoresReport:
    """Validate every row first; store only when no row has a problem (the caller's transaction)."""
    review = load_session_by_name(s, session_name)
    if review.status == "planned":
        raise ValidationError(f"session {review.name!r} has not started: answers are imported once it runs")
    records = _read_csv(path)
    if not records or not any(cell.strip() for cell in records[0]):
        raise ValidationError(f"{path.name}: empty file; expected the columns {', '.join(IMPORT_COLUMNS)}")
    header = [cell.strip().lower() for cell in records[0]]
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    missing = [c for c in IMPORT_REQUIRED if c not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if unknown or missing or duplicated:
        parts = ([f"unknown column(s) {', '.join(map(repr, unknown))}"] if unknown else []) + \
                ([f"missing column(s) {', '.join(missing)}"] if missing else []) + \
                ([f"repeated column(s) {', '.join(duplicated)}"] if duplicated else [])
        raise ValidationError(f"{path.name}: row 1: {'; '.join(parts)} (expected {', '.join(IMPORT_COLUMNS)})")
    col = {h: i for i, h in enumerate(header)}
    rubric = rubric_of(review.rubric)
    items = {it.stop.reference: it for it in review.items}
    members = list(s.scalars(select(PanelMember)))
    by_name = {m.name.casefold(): m for m in members}
    by_initials: dict[str, list[PanelMember]] = {}
    for m in members:
        by_initials.setdefault(m.initials.casefold(), []).append(m)
    existing = {(sc.item_id, sc.panel_member_id, sc.criterion_id): sc for sc in s.scalars(
        select(Score).where(Score.item_id.in_([it.id for it in review.items])))}
    taking_part = {m.id for m in members if takes_part(s, review.id, m.id)}

    errors: list[ImportRowError] = []
    planned: dict[tuple[int, int, str], tuple[int, str | None, str | None]] = {}
    rows = blank = unchanged = 0
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        rows += 1
        if len(record) > len(header):
            errors.append(ImportRowError(number, "file", f"{len(record)} cells but {len(header)} columns"))
            continue
        cell = {h: (record[i].strip() if i < len(record) else "") for h, i in col.items()}
        item = items.get(cell["reference"])
        if item is None:
            errors.append(ImportRowError(number, "reference", f"{cell['reference']!r} is not in session {review.name!r}"
                                         if cell["reference"] else "empty"))
        elif item.status == "removed":
            errors.append(ImportRowError(number, "reference", f"{item.stop.reference} was removed from the session"))
            item = None
        member = by_name.get(cell["member"].casefold())
        if member is None:
            matches = by_initials.get(cell["member"].casefold(), [])
            member = matches[0] if len(matches) == 1 else None
            if len(matches) > 1:
                errors.append(ImportRowError(number, "member", f"initials {cell['member']!r} fit several members; "
                                             "use the name"))
            elif member is None:
                errors.append(ImportRowError(number, "member", f"{cell['member']!r} is not a panel member"
                                             if cell["member"] else "empty"))
        if member is not None and member.id not in taking_part:
            errors.append(ImportRowError(number, "member", f"{member.name} is not recorded as present at the session "
                                         "with confidentiality acknowledged"))
            member = None
        criterion = next((c for c in rubric.criteria if c.id == cell["criterion"].lower()), None)
        if criterion is None:
            errors.append(ImportRowError(number, "criterion", f"{cell['criterion']!r} is not a criterion of rubric "
                                         f"{rubric.key} v{rubric.version}" if cell["criterion"] else "empty"))
            continue
        answer: str | None = cell["answer"] or None
        comment = cell.get("comment") or None
        if answer is not None and criterion.type == "choice":
            matched = _match_answer(criterion, answer)
            if matched is None:
                errors.append(ImportRowError(number, "answer", f"{answer!r} is not an answer to {criterion.id} "
                                             f"(allowed: {', '.join(criterion.answer_ids())})"))
                continue
            answer = matched
        if answer is None and comment is None:
            blank += 1
            continue
        if item is None or member is None:
            continue
        key = (item.id, member.id, criterion.id)
        if key in planned:
            first, first_answer, first_comment = planned[key]
            if (first_answer, first_comment) != (answer, comment):
                errors.append(ImportRowError(number, "answer", f"row {first} gives {member.name}'s {criterion.id} for "
                                             f"{item.stop.reference} differently"))
            else:
                unchanged += 1
            continue
        stored = existing.get(key)
        if stored is not None:
            if stored.answer == answer and comment in (None, stored.comment):
                unchanged += 1
                planned[key] = (number, answer, comment)
                continue
            errors.append(ImportRowError(number, "answer", f"{member.name} already answered {criterion.id} for "
                                         f"{item.stop.reference} ({stored.answer!r}, entered by {stored.entered_by}); "
                                         "an import never changes an answer"))
            continue
        planned[key] = (number, answer, comment)

    if errors:
        shown = "; ".join(str(e) for e in errors[:MAX_ERRORS_IN_MESSAGE])
        more = f"; and {len(errors) - MAX_ERRORS_IN_MESSAGE} more" if len(errors) > MAX_ERRORS_IN_MESSAGE else ""
        raise ScoreImportError(f"{path.name}: nothing imported, {len(errors)} problem(s): {shown}{more}", errors)

    imported = 0
    now = utcnow()
    for (item_id, member_id, criterion_id), (number, answer, comment) in planned.items():
        if (item_id, member_id, criterion_id) in existing:
            continue
        row = Score(item_id=item_id, panel_member_id=member_id, criterion_id=criterion_id, answer=answer,
                    comment=comment, entered_by=actor.username, entered_at=now)
        s.add(row)
        s.flush()
        is_choice = rubric.criterion(criterion_id).type == "choice"
        audit.record(s, actor=actor.username, role=actor.role, action=Actions.SCORE, object_type="score",
                     object_id=row.id, details={"item": item_id, "session": review.id, "member": member_id,
                                                "criterion": criterion_id,
                                                "answer": answer if is_choice else "(text)", "previous": None,
                                                "comment": comment is not None, "version": row.version,
                                                "source": f"import {path.name} row {number}"})
        imported += 1
    return ImportScoresReport(session_name=review.name, file_name=path.name, rows=rows, imported=imported,
                              unchanged=unchanged, blank=blank, items=len({k[0] for k in planned}),
                              members=len({k[1] for k in planned}))
