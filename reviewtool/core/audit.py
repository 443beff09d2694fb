"""The hash-chained audit log (DESIGN section 9; UK DPA 2018 s.62).

Each event's hash is SHA-256(prev_hash + canonical JSON of the event).  Canonical JSON: sorted keys,
no spaces, UTF-8, UTC timestamps as fixed ISO strings, and no floats (a float's text form is not
stable across platforms, so callers' details are normalised: floats become decimal strings).
Appends happen inside the caller's transaction, so an operation and its audit record commit together.
On PostgreSQL appends are serialised with a transaction-scoped advisory lock; on SQLite the write
transaction (BEGIN IMMEDIATE) already serialises them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from reviewtool.core.db import utcnow
from reviewtool.core.models import AuditEvent

GENESIS_HASH = "0" * 64
_PG_AUDIT_LOCK = 0x52455654  # "REVT": one advisory lock id for the whole log


class Actions:
    """The vocabulary of audited actions, grouped as s.62 groups them."""

    LOGIN = "login"
    LOGIN_FAILED = "login.failed"
    LOGOUT = "logout"
    USER_ADD = "user.add"
    USER_PASSWORD = "user.password"
    USER_CHANGE = "user.change"
    IMPORT_STOPS = "collection.import_stops"
    INGEST_FOOTAGE = "collection.ingest_footage"
    LINK_FOOTAGE = "combination.link_footage"
    VERIFY_FOOTAGE = "consultation.verify_footage"
    VIEW_RAW = "consultation.view_raw"
    VIEW_REDACTED = "consultation.view_redacted"
    SAMPLE = "combination.sample"
    SESSION_CREATE = "collection.session_create"
    REDACTION_CHANGE = "alteration.redaction"
    REDACTION_APPROVE = "alteration.redaction_approve"
    SCORE = "collection.score"
    CONSENSUS = "collection.consensus"
    REPORT = "disclosure.report"
    EXPORT = "disclosure.export"
    SETTING = "alteration.setting"
    ERASURE = "erasure"


def _normalise(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    return value


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_event(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "occurred_at": iso_utc(event.occurred_at),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "reason": event.reason,
        "details": _normalise(event.details or {}),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_event(event)).hexdigest()


@dataclass(frozen=True)
class AuditHead:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text_form: str) -> "AuditHead":
        seq, _, digest = text_form.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise ValueError(f"expected a head as SEQ:HASH (64 hex digits), got {text_form!r}")
        return cls(int(seq), digest.lower())


def head(session: Session) -> AuditHead:
    last = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return AuditHead(0, GENESIS_HASH) if last is None else AuditHead(last.seq, last.hash)


def record(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str | int,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction and return it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    previous = head(session)
    event = AuditEvent(
        seq=previous.seq + 1,
        occurred_at=utcnow(),
        actor=actor,
        role=role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        details=_normalise(dict(details or {})),
        prev_hash=previous.hash,
    )
    event.hash = chain_hash(previous.hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    head: AuditHead
    problem: str = ""


def _walk(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session, expect_head: AuditHead | None = None) -> ChainCheck:
    """Walk the chain; name the first broken link.  With `expect_head`, also prove that the event
    published as the head (on a PDF or certificate) is still there, unchanged."""
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    matched_head = expect_head is None
    for event in _walk(session):
        if event.seq != expected_seq:
            return ChainCheck(False, count, AuditHead(expected_seq - 1, prev),
                              f"event {expected_seq} is missing (next present is {event.seq})")
        if event.prev_hash != prev:
            return ChainCheck(False, count, AuditHead(event.seq - 1, prev),
                              f"event {event.seq} does not follow event {event.seq - 1} (prev_hash differs)")
        digest = chain_hash(prev, event)
        if digest != event.hash:
            return ChainCheck(False, count, AuditHead(event.seq - 1, prev),
                              f"event {event.seq} ({event.action}) was altered: its content no longer matches its hash")
        if expect_head is not None and event.seq == expect_head.seq:
            if event.hash != expect_head.hash:
                return ChainCheck(False, count, AuditHead(event.seq, event.hash),
                                  f"event {event.seq} differs from the published head {expect_head.hash[:12]}…: "
                                  "the log was rewritten")
            matched_head = True
        prev = event.hash
        expected_seq += 1
        count += 1
    final = AuditHead(expected_seq - 1, prev)
    if not matched_head:
        assert expect_head is not None
        return ChainCheck(False, count, final,
                          f"the published head seq {expect_head.seq} is gone: the log ends at seq {final.seq}")
    return ChainCheck(True, count, final)
