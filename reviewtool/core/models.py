"""The schema: typed SQLAlchemy 2 models.  Every change here is an Alembic migration in `db/`.

Rows that people edit concurrently (sessions, items, scores, consensus, reports, redaction sets)
carry a `version` column used as SQLAlchemy's `version_id_col`, so a stale edit raises
`StaleDataError` instead of silently overwriting someone else's work (DESIGN section 11).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewtool.core.db import Base, utcnow

ROLES = ("admin", "liaison", "panel", "supervisor")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(80), unique=True)  # collar / warrant number
    display_name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(120))
    area: Mapped[str | None] = mapped_column(String(120))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_name: Mapped[str] = mapped_column(String(500))
    source_digest: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(40))
    rows_in_file: Mapped[int] = mapped_column(Integer)
    rows_added: Mapped[int] = mapped_column(Integer)
    rows_already_present: Mapped[int] = mapped_column(Integer)
    rows_skipped: Mapped[int] = mapped_column(Integer)
    report: Mapped[list[Any]] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(80))


class StopRecord(Base):
    __tablename__ = "stop_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    reference_is_derived: Mapped[bool] = mapped_column(Boolean, default=False)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    row_number: Mapped[int | None] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    part_of_policing_operation: Mapped[bool | None] = mapped_column(Boolean)
    policing_operation: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[str | None] = mapped_column(String(20))
    longitude: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(40))
    age_range: Mapped[str | None] = mapped_column(String(40))
    self_defined_ethnicity: Mapped[str | None] = mapped_column(String(200))
    self_defined_ethnicity_group: Mapped[str | None] = mapped_column(String(40))
    officer_defined_ethnicity: Mapped[str | None] = mapped_column(String(80))
    legislation: Mapped[str | None] = mapped_column(String(200))
    object_of_search: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(200))
    outcome_group: Mapped[str | None] = mapped_column(String(20))
    outcome_linked_to_object_of_search: Mapped[bool | None] = mapped_column(Boolean)
    removal_of_more_than_just_outer_clothing: Mapped[bool | None] = mapped_column(Boolean)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))  # indexed with occurred_at
    team: Mapped[str | None] = mapped_column(String(120))
    area: Mapped[str | None] = mapped_column(String(120), index=True)
    grounds: Mapped[str | None] = mapped_column(Text)
    footage_refs: Mapped[str | None] = mapped_column(Text)  # as in the file, ';'-separated
    extra: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    officer: Mapped[Officer | None] = relationship()
    footage: Mapped[list["Footage"]] = relationship(secondary="stop_footage", back_populates="stops")


class Footage(Base):
    __tablename__ = "footage"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_path: Mapped[str] = mapped_column(String(1000))
    file_name: Mapped[str] = mapped_column(String(300), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    duration_s: Mapped[float] = mapped_column(Float)
    frame_count: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    codec: Mapped[str] = mapped_column(String(40))
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    variable_frame_rate: Mapped[bool] = mapped_column(Boolean, default=False)
    average_fps: Mapped[float] = mapped_column(Float)
    has_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    decode_errors: Mapped[int] = mapped_column(Integer, default=0)
    thumbnail_strip: Mapped[bytes | None] = mapped_column(LargeBinary)
    captured_at: Mapped[datetime | None]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    ingested_by: Mapped[str] = mapped_column(String(80))
    purged_at: Mapped[datetime | None]

    stops: Mapped[list[StopRecord]] = relationship(secondary="stop_footage", back_populates="footage")
    frame_index: Mapped["FrameIndexRecord | None"] = relationship(back_populates="footage", uselist=False)


class StopFootage(Base):
    __tablename__ = "stop_footage"

    stop_id: Mapped[int] = mapped_column(ForeignKey("stop_records.id", ondelete="CASCADE"), primary_key=True)
    footage_id: Mapped[int] = mapped_column(ForeignKey("footage.id", ondelete="CASCADE"), primary_key=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_by: Mapped[str] = mapped_column(String(80))


class FrameIndexRecord(Base):
    """Where a clip's FrameIndex file is and what it holds (the file sits beside the database)."""

    __tablename__ = "frame_indexes"

    id: Mapped[int] = mapped_column(primary_key=True)
    footage_id: Mapped[int] = mapped_column(ForeignKey("footage.id", ondelete="CASCADE"), unique=True)
    path: Mapped[str] = mapped_column(String(1000))
    file_sha256: Mapped[str] = mapped_column(String(64))
    frame_count: Mapped[int] = mapped_column(Integer)
    signature_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    footage: Mapped[Footage] = relationship(back_populates="frame_index")


class RedactionSetRecord(Base):
    """A clip's redactions (interchange JSON) and their approval state."""

    __tablename__ = "redaction_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    footage_id: Mapped[int] = mapped_column(ForeignKey("footage.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")  # draft | approved
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80))
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Rubric(Base):
    __tablename__ = "rubrics"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SamplingRun(Base):
    __tablename__ = "sampling_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(40))
    seed: Mapped[str] = mapped_column(String(500))
    seed_commitment: Mapped[str] = mapped_column(String(64))
    # The commitment published before the meeting, when one was; checked against the seed when recorded.
    published_commitment: Mapped[str | None] = mapped_column(String(64))
    population_size: Mapped[int] = mapped_column(Integer)
    population_digest: Mapped[str] = mapped_column(String(64))
    certificate: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))


class ReviewSession(Base):
    __tablename__ = "review_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    planned_for: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned | running | closed
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"))
    sampling_run_id: Mapped[int | None] = mapped_column(ForeignKey("sampling_runs.id"))
    quorum: Mapped[int] = mapped_column(Integer, default=3)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)

    rubric: Mapped[Rubric] = relationship()
    sampling_run: Mapped[SamplingRun | None] = relationship()
    items: Mapped[list["SessionItem"]] = relationship(
        back_populates="session", order_by="SessionItem.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class SessionItem(Base):
    __tablename__ = "session_items"
    __table_args__ = (UniqueConstraint("session_id", "stop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("review_sessions.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("stop_records.id"))
    position: Mapped[int] = mapped_column(Integer)
    footage_id: Mapped[int | None] = mapped_column(ForeignKey("footage.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|shown|revealed|agreed|removed
    removed_reason: Mapped[str | None] = mapped_column(Text)
    revealed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    session: Mapped[ReviewSession] = relationship(back_populates="items")
    stop: Mapped[StopRecord] = relationship()
    footage: Mapped[Footage | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class PanelMember(Base):
    __tablename__ = "panel_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    initials: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "panel_member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("review_sessions.id", ondelete="CASCADE"))
    panel_member_id: Mapped[int] = mapped_column(ForeignKey("panel_members.id"))
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    confidentiality_acknowledged_at: Mapped[datetime | None]
    recorded_by: Mapped[str] = mapped_column(String(80))

    member: Mapped[PanelMember] = relationship()


class Score(Base):
    """One panel member's answer to one criterion for one item, saved the moment it is entered."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("item_id", "panel_member_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("session_items.id", ondelete="CASCADE"), index=True)
    panel_member_id: Mapped[int] = mapped_column(ForeignKey("panel_members.id"))
    criterion_id: Mapped[str] = mapped_column(String(80))
    answer: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ClipComment(Base):
    """A comment pinned (optionally) to a time in the clip."""

    __tablename__ = "clip_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("session_items.id", ondelete="CASCADE"), index=True)
    panel_member_id: Mapped[int | None] = mapped_column(ForeignKey("panel_members.id"))
    media_time: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))


class Consensus(Base):
    __tablename__ = "consensus"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("session_items.id", ondelete="CASCADE"), unique=True)
    rag: Mapped[str] = mapped_column(String(10))  # green | amber | red
    summary: Mapped[str] = mapped_column(Text, default="")
    commendations: Mapped[str] = mapped_column(Text, default="")
    learning_points: Mapped[str] = mapped_column(Text, default="")
    refer: Mapped[bool] = mapped_column(Boolean, default=False)
    actions: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class FeedbackReport(Base):
    __tablename__ = "feedback_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # officer | session | certificate | public_summary
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("review_sessions.id"))
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft|approved|sent|acknowledged
    summary: Mapped[str] = mapped_column(Text, default="")
    supervisor_note: Mapped[str] = mapped_column(Text, default="")
    officer_response: Mapped[str] = mapped_column(Text, default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(80))
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(80))
    sent_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    response_received_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class FeedbackReportItem(Base):
    """The reviewed searches (session items) an officer feedback report covers, so each one reaches
    the officer in exactly one final report and "pending feedback" is a query, not a guess."""

    __tablename__ = "feedback_report_items"

    report_row_id: Mapped[int] = mapped_column(ForeignKey("feedback_reports.id", ondelete="CASCADE"),
                                               primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("session_items.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80))


class AuditEvent(Base):
    """Append-only, hash-chained (DESIGN section 9).  UPDATE/DELETE are refused by triggers."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_stop_records_officer_occurred", StopRecord.officer_id, StopRecord.occurred_at)
