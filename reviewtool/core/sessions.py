"""Running a meeting: the agenda, who is in the room, whether the session may start, and its lifecycle.

A session moves planned → running → closed.  It may start only when every clip it will play has
approved redactions (fail-closed: a clip with no redactions, draft redactions or a purged file
blocks the start) and enough members are present *with confidentiality acknowledged* to make the
quorum.  A sampled stop with no footage is a *finding* to follow up, never a gap skipped silently.

What the panel sees of a stop is what the meeting needs to judge the search: reference, local
date and time, type, legislation, object of search, outcome and the officer's written grounds.
Nothing about the person searched (gender, age, ethnicity, location) and nothing about the officer
leaves this module in a view; the view types below simply have no field for it.

Who may do what (enforced here, not by hiding buttons):
- PLAN_SESSIONS (the liaison/facilitator): everything in this module.
- A panel member (ENTER_OWN_SCORES) takes part in a session once recorded present with
  confidentiality acknowledged; from then on they may `get` it and see it in `list_sessions`.
  Session views carry no answers at all: answers go through `ScoringService.answers_for`, which
  keeps the blind phase.

Everything that changes a session is audited in the same transaction.  The audit vocabulary in
`reviewtool.core.audit.Actions` has no session, attendance or panel-membership actions, so this
module names its own (same s.62 grouping): see `SessionActions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from reviewtool.core import audit
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from reviewtool.core.models import (
    Attendance,
    Consensus,
    Footage,
    PanelMember,
    RedactionSetRecord,
    ReviewSession,
    SessionItem,
    User,
)

LONDON = ZoneInfo("Europe/London")

SESSION_STATUSES = ("planned", "running", "closed")
ITEM_STATUSES = ("pending", "shown", "revealed", "agreed", "removed")
REVEALED_STATUSES = ("revealed", "agreed")


class SessionActions:
    """Audit actions for the meeting that `audit.Actions` does not name (grouped as s.62 groups them)."""

    SESSION_CHANGE = "alteration.session"  # start, close, quorum, item removed/shown/revealed/reopened
    ATTENDANCE = "collection.attendance"  # present/absent, confidentiality acknowledged
    PANEL_MEMBER = "collection.panel_member"


# --- plain views handed to the GUI and the CLI ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class StopSummary:
    """The stop as the panel sees it: no subject identity, no officer."""

    reference: str
    occurred_at: datetime  # UTC
    local_date: date  # Europe/London
    local_time: str  # "HH:MM", Europe/London
    type: str
    legislation: str
    object_of_search: str
    outcome: str
    grounds: str


@dataclass(frozen=True, slots=True)
class FootageSummary:
    id: int
    file_name: str
    duration_s: float
    sha256: str
    purged: bool


@dataclass(frozen=True, slots=True)
class ConsensusView:
    item_id: int
    rag: str  # green | amber | red
    summary: str
    commendations: str
    learning_points: str
    refer: bool
    actions: str
    recorded_at: datetime
    recorded_by: str
    version: int


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    position: int
    status: str  # pending | shown | revealed | agreed | removed
    stop: StopSummary
    footage: FootageSummary | None
    redaction: str  # "none" | "draft" | "approved" (state of the clip's RedactionSetRecord)
    no_footage: bool  # a finding: the sampled stop has no clip to show
    removed_reason: str | None
    revealed_at: datetime | None
    consensus: ConsensusView | None
    version: int

    @property
    def revealed(self) -> bool:
        return self.status in REVEALED_STATUSES


@dataclass(frozen=True, slots=True)
class AttendanceView:
    member_id: int
    name: str
    initials: str
    present: bool
    confidentiality_acknowledged_at: datetime | None
    recorded_by: str

    @property
    def counts_for_quorum(self) -> bool:
        return self.present and self.confidentiality_acknowledged_at is not None


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    name: str
    status: str  # planned | running | closed
    planned_for: date | None
    quorum: int
    rubric_key: str
    rubric_version: int
    rubric_title: str
    sampling_run_id: int | None
    notes: str
    created_at: datetime
    created_by: str
    version: int
    items: tuple[ItemView, ...]  # in position order, removed items included (status "removed")
    attendance: tuple[AttendanceView, ...]  # by name
    viewer_member_id: int | None  # the panel member the viewing actor is, if any

    def item(self, item_id: int) -> ItemView:
        for it in self.items:
            if it.id == item_id:
                return it
        raise NotFound(f"item {item_id} is not in session {self.name!r}")

    @property
    def active_items(self) -> tuple[ItemView, ...]:
        return tuple(it for it in self.items if it.status != "removed")


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    name: str
    status: str
    planned_for: date | None
    items: int  # not removed
    removed: int
    quorum: int
    created_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing the facilitator should know before starting; `kind` is stable for code to test."""

    item_id: int
    position: int
    reference: str
    kind: str  # redactions_missing | redactions_draft | footage_purged | no_footage
    message: str


@dataclass(frozen=True, slots=True)
class Readiness:
    blocking: tuple[Problem, ...]  # the session cannot start while any remain
    findings: tuple[Problem, ...]  # to follow up (no footage); they do not block
    quorum: int
    quorum_present: int  # present with confidentiality acknowledged
    session_status: str
    active_items: int  # items not removed

    @property
    def quorum_met(self) -> bool:
        return self.quorum_present >= self.quorum

    @property
    def can_start(self) -> bool:
        return self.session_status == "planned" and not self.blocking and self.quorum_met and self.active_items > 0

    def reasons_not_to_start(self) -> list[str]:
        reasons = []
        if self.session_status != "planned":
            reasons.append(f"the session is {self.session_status}")
        if self.active_items == 0:
            reasons.append("the session has no items to review")
        reasons.extend(p.message for p in self.blocking)
        if not self.quorum_met:
            reasons.append(f"quorum not met: {self.quorum_present} of {self.quorum} members present "
                           "with confidentiality acknowledged")
        return reasons


@dataclass(frozen=True, slots=True)
class PanelMemberView:
    id: int
    name: str
    initials: str
    user_id: int | None
    username: str | None
    active: bool


# --- access helpers shared with the scoring service ---------------------------------------------


def member_for_actor(s: Session, actor: Actor) -> PanelMember | None:
    """The PanelMember linked to the actor's user account (by user id, else by user name)."""
    if actor.user_id is not None:
        return s.scalar(select(PanelMember).where(PanelMember.user_id == actor.user_id))
    return s.scalar(select(PanelMember).join(User, PanelMember.user_id == User.id)
                    .where(User.username == actor.username))


def attendance_of(s: Session, session_id: int, member_id: int) -> Attendance | None:
    return s.scalar(select(Attendance).where(Attendance.session_id == session_id,
                                             Attendance.panel_member_id == member_id))


def takes_part(s: Session, session_id: int, member_id: int) -> bool:
    """Present and confidentiality acknowledged: the condition to see, score and comment."""
    row = attendance_of(s, session_id, member_id)
    return row is not None and row.present and row.confidentiality_acknowledged_at is not None


def load_session(s: Session, session_id: int) -> ReviewSession:
    review = s.get(ReviewSession, session_id)
    if review is None:
        raise NotFound(f"there is no session with id {session_id}")
    return review


def load_session_by_name(s: Session, name: str) -> ReviewSession:
    review = s.scalar(select(ReviewSession).where(ReviewSession.name == name))
    if review is None:
        raise NotFound(f"there is no session called {name!r}")
    return review


def load_item(s: Session, item_id: int) -> SessionItem:
    item = s.get(SessionItem, item_id)
    if item is None:
        raise NotFound(f"there is no session item with id {item_id}")
    return item


def participant_member(s: Session, actor: Actor, session_id: int) -> PanelMember | None:
    """For an actor without PLAN_SESSIONS: their PanelMember if they take part in the session, else
    PermissionDenied.  For a planner: None (they see the session as facilitator)."""
    if actor.can(Permission.PLAN_SESSIONS):
        return None
    actor.require(Permission.ENTER_OWN_SCORES)
    member = member_for_actor(s, actor)
    if member is None or not takes_part(s, session_id, member.id):
        raise PermissionDenied(f"{actor.username} is not recorded as present at this session "
                               "(with confidentiality acknowledged)")
    return member


def require_status(review: ReviewSession, *allowed: str, doing: str) -> None:
    if review.status not in allowed:
        raise ValidationError(f"session {review.name!r} is {review.status}: cannot {doing}")


def stop_summary(item: SessionItem) -> StopSummary:
    stop = item.stop
    local = stop.occurred_at.astimezone(LONDON)
    return StopSummary(reference=stop.reference, occurred_at=stop.occurred_at, local_date=local.date(),
                       local_time=local.strftime("%H:%M"), type=stop.type or "", legislation=stop.legislation or "",
                       object_of_search=stop.object_of_search or "", outcome=stop.outcome or "",
                       grounds=stop.grounds or "")


def consensus_view(row: Consensus) -> ConsensusView:
    return ConsensusView(item_id=row.item_id, rag=row.rag, summary=row.summary, commendations=row.commendations,
                         learning_points=row.learning_points, refer=row.refer, actions=row.actions,
                         recorded_at=row.recorded_at, recorded_by=row.recorded_by, version=row.version)


def _stale(what: str) -> Conflict:
    return Conflict(f"{what} was changed by someone else a moment ago. Reload to see it.")


# --- the service -----------------------------------------------------------------------------------


class SessionService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # reading ------------------------------------------------------------------------------------
    def list_sessions(self, actor: Actor) -> list[SessionSummary]:
        """All sessions for a planner; for a panel member, the sessions they take part in."""
        with self.db.read() as s:
            query = select(ReviewSession).order_by(ReviewSession.created_at.desc(), ReviewSession.id.desc())
            if not actor.can(Permission.PLAN_SESSIONS):
                actor.require(Permission.ENTER_OWN_SCORES)
                member = member_for_actor(s, actor)
                if member is None:
                    return []
                query = query.join(Attendance, Attendance.session_id == ReviewSession.id).where(
                    Attendance.panel_member_id == member.id, Attendance.present.is_(True),
                    Attendance.confidentiality_acknowledged_at.is_not(None))
            sessions = list(s.scalars(query))
            tallies: dict[int, list[int]] = {r.id: [0, 0] for r in sessions}
            rows = s.execute(select(SessionItem.session_id, SessionItem.status, func.count())
                             .where(SessionItem.session_id.in_(list(tallies)))
                             .group_by(SessionItem.session_id, SessionItem.status))
            for sid, status, n in rows:
                tallies[sid][1 if status == "removed" else 0] += n
            return [SessionSummary(id=r.id, name=r.name, status=r.status, planned_for=r.planned_for,
                                   items=tallies[r.id][0], removed=tallies[r.id][1], quorum=r.quorum,
                                   created_at=r.created_at, version=r.version) for r in sessions]

    def get(self, actor: Actor, session_id: int) -> SessionView:
        """The session as the meeting sees it (no answers in it: see ScoringService.answers_for)."""
        with self.db.read() as s:
            review = load_session(s, session_id)
            member = participant_member(s, actor, review.id)
            return self._view(s, review, member)

    def get_by_name(self, actor: Actor, name: str) -> SessionView:
        with self.db.read() as s:
            review = load_session_by_name(s, name)
            member = participant_member(s, actor, review.id)
            return self._view(s, review, member)

    def _view(self, s: Session, review: ReviewSession, member: PanelMember | None) -> SessionView:
        items = list(review.items)
        footage_ids = [it.footage_id for it in items if it.footage_id is not None]
        states = dict(s.execute(select(RedactionSetRecord.footage_id, RedactionSetRecord.state)
                                .where(RedactionSetRecord.footage_id.in_(footage_ids))).all())
        consensus = {c.item_id: c for c in s.scalars(select(Consensus).where(
            Consensus.item_id.in_([it.id for it in items])))}
        views = []
        for it in items:
            clip: Footage | None = it.footage
            views.append(ItemView(
                id=it.id, position=it.position, status=it.status, stop=stop_summary(it),
                footage=None if clip is None else FootageSummary(clip.id, clip.file_name, clip.duration_s, clip.sha256,
                                                                 clip.purged_at is not None),
                redaction=states.get(it.footage_id, "none") if it.footage_id is not None else "none",
                no_footage=it.footage_id is None, removed_reason=it.removed_reason, revealed_at=it.revealed_at,
                consensus=consensus_view(consensus[it.id]) if it.id in consensus else None, version=it.version))
        rows = s.execute(select(Attendance, PanelMember).join(PanelMember, Attendance.panel_member_id == PanelMember.id)
                         .where(Attendance.session_id == review.id).order_by(PanelMember.name)).all()
        attendance = tuple(AttendanceView(member_id=m.id, name=m.name, initials=m.initials, present=a.present,
                                          confidentiality_acknowledged_at=a.confidentiality_acknowledged_at,
                                          recorded_by=a.recorded_by) for a, m in rows)
        rubric = review.rubric
        return SessionView(id=review.id, name=review.name, status=review.status, planned_for=review.planned_for,
                           quorum=review.quorum, rubric_key=rubric.key, rubric_version=rubric.version,
                           rubric_title=rubric.title, sampling_run_id=review.sampling_run_id, notes=review.notes or "",
                           created_at=review.created_at, created_by=review.created_by, version=review.version,
                           items=tuple(views), attendance=attendance,
                           viewer_member_id=member.id if member is not None else None)

    def readiness(self, actor: Actor, session_id: int) -> Readiness:
        actor.require(Permission.PLAN_SESSIONS)
        with self.db.read() as s:
            return _readiness(s, load_session(s, session_id))

    # panel members --------------------------------------------------------------------------------
    def list_panel_members(self, actor: Actor, *, include_inactive: bool = False) -> list[PanelMemberView]:
        actor.require(Permission.PLAN_SESSIONS)
        with self.db.read() as s:
            query = select(PanelMember, User.username).outerjoin(User, PanelMember.user_id == User.id)
            if not include_inactive:
                query = query.where(PanelMember.active.is_(True))
            return [_member_view(m, username) for m, username in s.execute(query.order_by(PanelMember.name))]

    def find_panel_member(self, actor: Actor, name_or_initials: str) -> PanelMemberView:
        """An active member by full name or initials (case-insensitive), as paper forms name them."""
        actor.require(Permission.PLAN_SESSIONS)
        wanted = (name_or_initials or "").strip().casefold()
        members = self.list_panel_members(actor)
        for match in ([m for m in members if m.name.casefold() == wanted],
                      [m for m in members if m.initials.casefold() == wanted]):
            if len(match) == 1:
                return match[0]
        raise NotFound(f"member: no active panel member is called {name_or_initials!r} (name or initials)")

    def add_panel_member(self, actor: Actor, name: str, initials: str, user_id: int | None = None) -> PanelMemberView:
        """A new panel member.  Names and initials are unique (case-insensitive) among active members,
        because paper forms and `score import` name members by either."""
        actor.require(Permission.PLAN_SESSIONS)
        name, initials = (name or "").strip(), (initials or "").strip().upper()
        if not name:
            raise ValidationError("name: a panel member needs a name")
        if not initials or len(initials) > 10 or " " in initials:
            raise ValidationError("initials: give 1 to 10 letters without spaces")
        with self.db.session() as s:
            for m in s.scalars(select(PanelMember).where(PanelMember.active.is_(True))):
                if m.name.casefold() == name.casefold():
                    raise ValidationError(f"name: {name!r} is already a panel member")
                if m.initials.casefold() == initials.casefold():
                    raise ValidationError(f"initials: {initials!r} are already used by {m.name}")
            username = None
            if user_id is not None:
                user = s.get(User, user_id)
                if user is None:
                    raise ValidationError(f"user: there is no user with id {user_id}")
                if user.role != "panel":
                    raise ValidationError(f"user: {user.username} has the role {user.role}, not panel")
                if s.scalar(select(PanelMember.id).where(PanelMember.user_id == user_id)) is not None:
                    raise ValidationError(f"user: {user.username} is already linked to a panel member")
                username = user.username
            member = PanelMember(name=name, initials=initials, user_id=user_id)
            s.add(member)
            s.flush()
            audit.record(s, actor=actor.username, role=actor.role, action=SessionActions.PANEL_MEMBER,
                         object_type="panel_member", object_id=member.id,
                         details={"change": "add", "initials": initials, "user": username or ""})
            return _member_view(member, username)

    # planning and running --------------------------------------------------------------------------
    def record_attendance(self, actor: Actor, session_id: int, member_id: int, present: bool,
                          confidentiality_acknowledged: bool) -> AttendanceView:
        """Present/absent and the confidentiality acknowledgement (stored with its time; an earlier
        acknowledgement keeps its time; withdrawing it clears it).  Absent members never count.  The quorum
        is checked when the session starts; a member who leaves later loses access to it, not their answers."""
        actor.require(Permission.PLAN_SESSIONS)
        if confidentiality_acknowledged and not present:
            raise ValidationError("attendance: only a member who is present can acknowledge confidentiality")
        try:
            return self._record_attendance(actor, session_id, member_id, present, confidentiality_acknowledged)
        except IntegrityError:  # two people recorded the same member's first attendance at once
            raise Conflict("This member's attendance was recorded by someone else a moment ago. "
                           "Reload to see it.") from None

    def _record_attendance(self, actor: Actor, session_id: int, member_id: int, present: bool,
                           confidentiality_acknowledged: bool) -> AttendanceView:
        with self.db.session() as s:
            review = load_session(s, session_id)
            require_status(review, "planned", "running", doing="change attendance")
            member = s.get(PanelMember, member_id)
            if member is None:
                raise NotFound(f"there is no panel member with id {member_id}")
            if not member.active:
                raise ValidationError(f"member: {member.name} is no longer an active panel member")
            row = attendance_of(s, review.id, member.id)
            if row is None:
                row = Attendance(session_id=review.id, panel_member_id=member.id, recorded_by=actor.username)
                s.add(row)
            row.present = present
            row.recorded_by = actor.username
            if not confidentiality_acknowledged:
                row.confidentiality_acknowledged_at = None
            elif row.confidentiality_acknowledged_at is None:
                row.confidentiality_acknowledged_at = utcnow()
            s.flush()
            audit.record(s, actor=actor.username, role=actor.role, action=SessionActions.ATTENDANCE,
                         object_type="review_session", object_id=review.id,
                         details={"member": member.id, "initials": member.initials, "present": present,
                                  "confidentiality_acknowledged": confidentiality_acknowledged})
            return AttendanceView(member_id=member.id, name=member.name, initials=member.initials, present=row.present,
                                  confidentiality_acknowledged_at=row.confidentiality_acknowledged_at,
                                  recorded_by=row.recorded_by)

    def set_quorum(self, actor: Actor, session_id: int, quorum: int) -> None:
        actor.require(Permission.PLAN_SESSIONS)
        if isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1:
            raise ValidationError("quorum: give a whole number of members, at least 1")
        with self.db.session() as s:
            review = load_session(s, session_id)
            require_status(review, "planned", "running", doing="change the quorum")
            before = review.quorum
            review.quorum = quorum
            self._change(s, actor, review, "quorum", {"from": before, "to": quorum})

    def remove_item(self, actor: Actor, item_id: int, reason: str) -> None:
        """Take a stop off the agenda with a recorded reason.  Nothing is deleted: its answers and
        comments stay, and the minutes list it as removed with the reason."""
        actor.require(Permission.PLAN_SESSIONS)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("reason: say why the item is removed (it is recorded in the minutes and the audit log)")
        with self.db.session() as s:
            item = load_item(s, item_id)
            require_status(item.session, "planned", "running", doing="remove items")
            if item.status == "removed":
                raise ValidationError(f"item {item.position} ({item.stop.reference}) is already removed")
            if item.status == "agreed":
                raise ValidationError(f"item {item.position} ({item.stop.reference}) has an agreed consensus "
                                      "and cannot be removed")
            before = item.status
            item.status = "removed"
            item.removed_reason = reason
            self._item_change(s, actor, item, "remove", {"from": before}, reason=reason)

    def start(self, actor: Actor, session_id: int) -> None:
        actor.require(Permission.PLAN_SESSIONS)
        with self.db.session() as s:
            review = load_session(s, session_id)
            require_status(review, "planned", doing="start")
            ready = _readiness(s, review)
            if not ready.can_start:
                reasons = ready.reasons_not_to_start()
                more = f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else ""
                raise ValidationError(f"session {review.name!r} cannot start: " + "; ".join(reasons[:3]) + more)
            review.status = "running"
            self._change(s, actor, review, "start", {"quorum": review.quorum, "present": ready.quorum_present})

    def close(self, actor: Actor, session_id: int) -> None:
        """End the meeting.  Items never reached stay as they are (the minutes show them)."""
        actor.require(Permission.PLAN_SESSIONS)
        with self.db.session() as s:
            review = load_session(s, session_id)
            require_status(review, "running", doing="close")
            review.status = "closed"
            open_items = sum(1 for it in review.items if it.status in ("pending", "shown"))
            self._change(s, actor, review, "close", {"items_not_revealed": open_items})

    def mark_shown(self, actor: Actor, item_id: int) -> None:
        """The clip has been played to the room (pending → shown; later states are left alone)."""
        actor.require(Permission.PLAN_SESSIONS)
        with self.db.session() as s:
            item = load_item(s, item_id)
            require_status(item.session, "running", doing="show items")
            if item.status == "removed":
                raise ValidationError(f"item {item.position} ({item.stop.reference}) was removed from the session")
            if item.status == "pending":
                item.status = "shown"
                self._item_change(s, actor, item, "shown", {})

    # audit helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _change(s: Session, actor: Actor, review: ReviewSession, change: str, details: dict) -> None:
        try:
            s.flush()
        except StaleDataError:
            raise _stale(f"Session {review.name!r}") from None
        audit.record(s, actor=actor.username, role=actor.role, action=SessionActions.SESSION_CHANGE,
                     object_type="review_session", object_id=review.id, details={"change": change, **details})

    @staticmethod
    def _item_change(s: Session, actor: Actor, item: SessionItem, change: str, details: dict, reason: str = "") -> None:
        try:
            s.flush()
        except StaleDataError:
            raise _stale(f"Item {item.position} ({item.stop.reference})") from None
        audit.record(s, actor=actor.username, role=actor.role, action=SessionActions.SESSION_CHANGE,
                     object_type="session_item", object_id=item.id, reason=reason,
                     details={"change": change, "session": item.session_id, "reference": item.stop.reference, **details})


def _member_view(m: PanelMember, username: str | None) -> PanelMemberView:
    return PanelMemberView(id=m.id, name=m.name, initials=m.initials, user_id=m.user_id, username=username,
                           active=m.active)


def _readiness(s: Session, review: ReviewSession) -> Readiness:
    items = [it for it in review.items if it.status != "removed"]
    states = dict(s.execute(select(RedactionSetRecord.footage_id, RedactionSetRecord.state).where(
        RedactionSetRecord.footage_id.in_([it.footage_id for it in items if it.footage_id is not None]))).all())
    blocking: list[Problem] = []
    findings: list[Problem] = []
    for it in items:
        ref = it.stop.reference
        where = f"item {it.position} ({ref})"
        if it.footage_id is None:
            findings.append(Problem(it.id, it.position, ref, "no_footage",
                                    f"{where}: no footage; follow it up (it is a finding, not a gap)"))
            continue
        clip = it.footage
        assert clip is not None
        if clip.purged_at is not None:
            blocking.append(Problem(it.id, it.position, ref, "footage_purged",
                                    f"{where}: the clip {clip.file_name} was purged; remove the item or re-ingest it"))
        state = states.get(it.footage_id)
        if state is None:
            blocking.append(Problem(it.id, it.position, ref, "redactions_missing",
                                    f"{where}: the clip {clip.file_name} has no redactions yet"))
        elif state != "approved":
            blocking.append(Problem(it.id, it.position, ref, "redactions_draft",
                                    f"{where}: the redactions of {clip.file_name} are not approved"))
    present = s.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.session_id == review.id, Attendance.present.is_(True),
        Attendance.confidentiality_acknowledged_at.is_not(None))) or 0
    return Readiness(blocking=tuple(blocking), findings=tuple(findings), quorum=review.quorum, quorum_present=present,
                     session_status=review.status, active_items=len(items))
