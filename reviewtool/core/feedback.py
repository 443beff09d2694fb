"""Feedback that reaches officers: reports made from the panel's conclusions, and the supervisor's loop.

What the panel agreed reaches the officer through their supervisor, and the force can show it did:

* an officer report covers the officer's reviewed searches not yet in a final report (optionally only
  stops within some local days); the searches it covers are recorded (`FeedbackReportItem`), so each
  one reaches the officer in exactly one final report and "pending feedback" is a query;
* a draft can be regenerated and edited (the supervisor's summary for the officer, printed first, and
  their note); every page of a draft's PDF says it is a draft. Approval renders it one last time,
  without the draft marking and with the sign-off, and makes it final: the PDF and its SHA-256 are
  kept and never replaced, and regenerating or editing it is refused; then it is marked sent and
  acknowledged (dates), and the officer's response is recorded for the next session's minutes and the
  public summary;
* every document made or handed out is a disclosure: it is written to the audit log, in the same
  transaction, with its id, SHA-256, the audit head printed on it and its recipient.

Who may do what (decided here, enforced here):
* reading, generating drafts and exporting PDFs of an officer's reports: the officer's supervisor
  (`Officer.supervisor_id`), and the roles that run the scheme (liaison; admin) for every officer;
* editing, approving, marking sent/acknowledged and recording the response: only the officer's
  supervisor (the person who debriefs the officer);
* session minutes, certificates and the public summary: anyone who may view reports;
* panel members: none of it (they have no VIEW_REPORTS).

Every generation gets a new document id (`OFB-20240321-7F3A9C21`): two different PDFs never share an
id, and the audit log lists every id and hash that ever left the application. A report row keeps its
latest id; services take either the row id (int) or the current document id (str).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from reviewtool.core.minutes_data import (
    build_certificate,
    build_minutes,
    build_public_summary,
    certificate_file_sha256,
)
from reviewtool.core.models import (
    FeedbackReport,
    FeedbackReportItem,
    Officer,
    ReviewSession,
    SamplingRun,
    StopRecord,
    User,
)
from reviewtool.core.report_data import (
    FINAL_STATUSES,
    LONDON,
    OfficerReportText,
    GatherCache,
    build_officer_report,
    covered_items,
    default_summary,
    final_item_ids,
    local_bounds,
    local_day,
    officer_data,
    pending_items,
    reviewed_items_query,
    worst_rag,
)
from reviewtool.progress import Job, Progress
from reviewtool.reports.base import RenderedReport
from reviewtool.reports.data import AuditHead, OfficerFeedbackReport, Rag, ReportMeta, SignOff
from reviewtool.reports.certificate import (
    NO_COMMITMENT as NO_COMMITMENT,  # re-exported: the CLI names it without reaching past core
    commitment_check,
    normalised_commitment,
    render_sampling_certificate,
)
from reviewtool.reports.minutes import render_session_minutes
from reviewtool.reports.officer import render_officer_report
from reviewtool.reports.public_summary import render_public_summary

DEFAULT_ORGANISATION = "Community Stop and Search Scrutiny Panel"
KINDS = ("officer", "session", "certificate", "public_summary")
_PREFIX = {"officer": "OFB", "session": "MIN", "certificate": "CERT", "public_summary": "PUB"}
MAX_TEXT = 10_000


# --- What callers get back (plain data) -------------------------------------------------------------


@dataclass(frozen=True)
class ReportView:
    """A report as the Reports area and the CLI show it."""

    id: int  # the row: stable while the document id changes with each draft
    report_id: str  # the current document's id, printed on it
    kind: str
    status: str  # draft | approved | sent | acknowledged (only officer reports go past draft)
    officer_identifier: str | None
    officer_name: str
    supervisor_id: int | None
    session_id: int | None
    period_from: date | None
    period_to: date | None
    summary: str
    supervisor_note: str
    officer_response: str
    response_received_on: date | None
    pdf_sha256: str | None
    generated_at: datetime
    generated_by: str
    approved_at: datetime | None
    approved_by: str | None
    sent_on: date | None
    acknowledged_on: date | None
    version: int
    searches: int = 0
    green: int = 0
    amber: int = 0
    red: int = 0

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def worst(self) -> Rag | None:
        return worst_rag([rag for rag, n in ((Rag.GREEN, self.green), (Rag.AMBER, self.amber),
                                             (Rag.RED, self.red)) if n])


@dataclass(frozen=True)
class OfficerFeedbackStatus:
    """One officer in a supervisor's list: searches waiting for a report, and the report in progress."""

    officer_id: int
    identifier: str
    name: str
    team: str
    supervisor_id: int | None
    pending_searches: int  # reviewed, not yet in a final report
    open_report: ReportView | None  # the latest report not yet acknowledged (draft, approved or sent)

    @property
    def next_step(self) -> str:
        if self.open_report is None:
            return "Generate the report" if self.pending_searches else "Nothing to do"
        return {"draft": "Review and approve", "approved": "Give it to the officer and mark sent",
                "sent": "Record the acknowledgement"}.get(self.open_report.status, "Nothing to do")


@dataclass(frozen=True)
class GeneratedDocument:
    """A document just made (and recorded): the PDF itself and the row it is recorded in."""

    report: ReportView
    pdf: bytes
    page_count: int
    audit_head: str  # "SEQ:HASH" printed on the document
    # Minutes and certificates: the published seed commitment checked against the seed, as printed
    # (reports.certificate: "No commitment recorded in reviewtool", "matches the seed", "does NOT match
    # the seed", or why there was nothing to check); None for the other documents.
    commitment_check: str | None = None


@dataclass(frozen=True)
class BatchOutcome:
    generated: tuple[ReportView, ...]
    skipped: tuple[tuple[str, str], ...]  # (officer identifier, why)


# --- The service -------------------------------------------------------------------------------------


class FeedbackService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.organisation = DEFAULT_ORGANISATION
        self._rubrics = GatherCache()

    # -- reading ---------------------------------------------------------------------------------------

    def officers_with_pending_feedback(self, actor: Actor) -> list[OfficerFeedbackStatus]:
        """The officers `actor` may see (a supervisor: the officers they supervise) who have reviewed
        searches waiting for a report or a report not yet acknowledged, by collar number."""
        actor.require(Permission.VIEW_REPORTS)
        with self.db.read() as s:
            officers = list(s.scalars(self._scoped_officers(actor).order_by(Officer.identifier)))
            ids = [o.id for o in officers]
            if not ids:
                return []
            pending: Counter[int] = Counter()
            done = final_item_ids(s)
            for item, stop, _ in s.execute(reviewed_items_query().where(StopRecord.officer_id.in_(ids))):
                if item.id not in done:
                    pending[stop.officer_id] += 1
            open_rows = s.scalars(select(FeedbackReport).where(
                FeedbackReport.kind == "officer", FeedbackReport.officer_id.in_(ids),
                FeedbackReport.status.in_(("draft", "approved", "sent"))).order_by(FeedbackReport.id))
            open_by_officer = {row.officer_id: row for row in open_rows}  # the latest wins
            result = []
            for officer in officers:
                row = open_by_officer.get(officer.id)
                if not pending[officer.id] and row is None:
                    continue
                result.append(OfficerFeedbackStatus(
                    officer_id=officer.id, identifier=officer.identifier, name=officer_data(officer).name,
                    team=officer.team or "", supervisor_id=officer.supervisor_id,
                    pending_searches=pending[officer.id],
                    open_report=self._view(s, row, officer) if row is not None else None))
            return result

    def reports_for_officer(self, actor: Actor, officer: str | int) -> list[ReportView]:
        """Every report on one officer, newest first."""
        with self.db.read() as s:
            row = self._officer(s, officer)
            self._require_read(actor, row)
            reports = s.scalars(select(FeedbackReport).where(FeedbackReport.kind == "officer",
                                                             FeedbackReport.officer_id == row.id)
                                .order_by(FeedbackReport.id.desc()))
            return [self._view(s, r, row) for r in reports]

    def get_report(self, actor: Actor, report: int | str) -> ReportView:
        with self.db.read() as s:
            row = self._report(s, report)
            officer = self._require_report_read(actor, s, row)
            return self._view(s, row, officer)

    def officer_report_data(self, actor: Actor, report: int | str) -> OfficerFeedbackReport:
        """The data of an officer report as it would print now (for the on-screen preview)."""
        with self.db.read() as s:
            row = self._report(s, report, kind="officer")
            officer = self._require_report_read(actor, s, row)
            return self._officer_data(s, row, officer, audit.head(s), row.report_id, utcnow())

    # -- officer reports: drafts -------------------------------------------------------------------------

    def generate_officer_report(self, actor: Actor, officer: str | int, *, date_from: date | None = None,
                                date_to: date | None = None, recipient: str | None = None) -> GeneratedDocument:
        """Make (or refresh) the officer's draft report from their reviewed searches not yet in a final
        report, optionally only stops on the local days `date_from`..`date_to`.

        One officer has at most one draft: a second call replaces its selection and PDF, keeping the
        supervisor's note (and their summary, once they have edited it)."""
        if date_from and date_to and date_from > date_to:
            raise ValidationError(f"period: {date_from.isoformat()} is after {date_to.isoformat()}")
        with self._writing("report") as s:
            officer_row = self._officer(s, officer, lock=True)
            self._require_read(actor, officer_row)
            rows = pending_items(s, officer_row.id, date_from, date_to)
            if not rows:
                raise ValidationError(f"officer {officer_row.identifier}: no reviewed searches waiting for "
                                      f"feedback{_period_words(date_from, date_to)}")
            draft = s.scalar(select(FeedbackReport).where(
                FeedbackReport.kind == "officer", FeedbackReport.officer_id == officer_row.id,
                FeedbackReport.status == "draft").order_by(FeedbackReport.id.desc()).limit(1))
            rags = [Rag(c.rag) for _, _, c in rows]
            if draft is None:
                draft = FeedbackReport(kind="officer", officer_id=officer_row.id, summary=default_summary(rags),
                                       report_id=new_report_id("officer"), generated_by=actor.username)
                s.add(draft)
                s.flush()
            else:
                previous = [Rag(c.rag) for _, _, c in covered_items(s, draft.id)]
                if draft.summary.strip() in ("", default_summary(previous)):
                    draft.summary = default_summary(rags)  # not edited yet: keep it in step
            s.execute(delete(FeedbackReportItem).where(FeedbackReportItem.report_row_id == draft.id))
            s.add_all(FeedbackReportItem(report_row_id=draft.id, item_id=item.id) for item, _, _ in rows)
            draft.period_from = date_from or local_day(rows[0][1].occurred_at)
            draft.period_to = date_to or local_day(rows[-1][1].occurred_at)
            sessions = {item.session_id for item, _, _ in rows}
            draft.session_id = sessions.pop() if len(sessions) == 1 else None
            s.flush()
            return self._render_and_record(s, actor, draft, officer_row, "generate",
                                           recipient or actor.username, rows)

    def regenerate(self, actor: Actor, report: int | str, *, recipient: str | None = None) -> GeneratedDocument:
        """Render a draft again from the current data (same searches). Refused once approved."""
        with self._writing("report") as s:
            row = self._report(s, report, kind="officer")
            officer = self._require_report_read(actor, s, row)
            _require_draft(row, "regenerated")
            return self._render_and_record(s, actor, row, officer, "regenerate", recipient or actor.username)

    def update_draft(self, actor: Actor, report: int | str, *, summary: str | None = None,
                     supervisor_note: str | None = None, expected_version: int | None = None) -> GeneratedDocument:
        """The supervisor's words: the summary for the officer and their note. Renders the draft again."""
        with self._writing("report") as s:
            row = self._report(s, report, kind="officer")
            officer = self._require_supervisor(actor, s, row)
            _check_version(row, expected_version)
            _require_draft(row, "edited")
            if summary is not None:
                row.summary = _text("summary", summary)
            if supervisor_note is not None:
                row.supervisor_note = _text("supervisor's note", supervisor_note)
            return self._render_and_record(s, actor, row, officer, "edit", actor.username)

    # -- officer reports: the supervisor's loop ------------------------------------------------------

    def approve(self, actor: Actor, report: int | str, *, expected_version: int | None = None) -> GeneratedDocument:
        """Make the report final: rendered once more with the supervisor's sign-off, then never again."""
        with self._writing("report") as s:
            row = self._report(s, report, kind="officer")
            officer = self._require_supervisor(actor, s, row)
            _check_version(row, expected_version)
            _require_draft(row, "approved again")
            covered = {item.id for item, _, _ in covered_items(s, row.id)}
            if not covered:
                raise ValidationError(f"report {row.report_id}: it covers no reviewed searches; generate it again")
            clash = covered & final_item_ids(s, row.officer_id, excluding_report=row.id)
            if clash:
                raise Conflict(f"report {row.report_id}: {len(clash)} of its searches are already in an approved "
                               "report; generate the draft again")
            row.status = "approved"
            row.approved_by = actor.username
            row.approved_at = utcnow()
            return self._render_and_record(s, actor, row, officer, "approve", actor.username)

    def mark_sent(self, actor: Actor, report: int | str, on: date, *,
                  expected_version: int | None = None) -> ReportView:
        """The approved report was given to the officer on `on` (a disclosure to the officer)."""
        with self._writing("report") as s:
            row = self._report(s, report, kind="officer")
            officer = self._require_supervisor(actor, s, row)
            _check_version(row, expected_version)
            if row.status != "approved":
                raise ValidationError(f"report {row.report_id}: only an approved report can be marked sent "
                                      f"(it is {row.status})")
            assert row.approved_at is not None
            _check_day("sent on", on, not_before=local_day(row.approved_at), what="the approval")
            row.status, row.sent_on = "sent", on
            self._audit(s, actor, row, "sent", f"officer {officer.identifier}", {"sent_on": on.isoformat()})
            s.flush()
            return self._view(s, row, officer)

    def mark_acknowledged(self, actor: Actor, report: int | str, on: date, *,
                          expected_version: int | None = None) -> ReportView:
        """The officer acknowledged the report on `on`."""
        with self._writing("report") as s:
            row = self._report(s, report, kind="officer")
            officer = self._require_supervisor(actor, s, row)
            _check_version(row, expected_version)
            if row.status != "sent":
                raise ValidationError(f"report {row.report_id}: mark it sent before acknowledged (it is {row.status})")
            assert row.sent_on is not None
            _check_day("acknowledged on", on, not_before=row.sent_on, what="the day it was sent")
            row.status, row.acknowledged_on = "acknowledged", on
            self._audit(s, actor, row, "acknowledged", f"officer {officer.identifier}",
                        {"acknowledged_on": on.isoformat()})
            s.flush()
            return self._view(s, row, officer)

    def record_response(self, actor: Actor, report: int | str, response: str, received_on: date, *,
                        expected_version: int | None = None) -> ReportView:
        """The officer's response to a final report. It appears in the next session's minutes and in the
        public summary (scrubbed of the names and numbers known to the application)."""
        with self._writing("report") as s:
            row = self._report(s, report, kind="officer")
            officer = self._require_supervisor(actor, s, row)
            _check_version(row, expected_version)
            if row.status not in FINAL_STATUSES:
                raise ValidationError(f"report {row.report_id}: approve it before recording the officer's response")
            text = _text("officer's response", response)
            if not text.strip():
                raise ValidationError("officer's response: it is empty")
            assert row.approved_at is not None
            _check_day("response received on", received_on, not_before=local_day(row.approved_at),
                       what="the approval")
            replaced = bool(row.officer_response)
            row.officer_response, row.response_received_on = text, received_on
            self._audit(s, actor, row, "response", actor.username,
                        {"received_on": received_on.isoformat(), "replaced": replaced, "characters": len(text)})
            s.flush()
            return self._view(s, row, officer)

    def export_pdf(self, actor: Actor, report: int | str, *, recipient: str) -> bytes:
        """The stored PDF of any report, handed to `recipient` (audited as a disclosure)."""
        if not recipient.strip():
            raise ValidationError("recipient: say who the document is for")
        with self._writing("report") as s:
            row = self._report(s, report)
            self._require_report_read(actor, s, row)
            if row.pdf is None:
                raise NotFound(f"report {row.report_id} has no stored document")
            if hashlib.sha256(row.pdf).hexdigest() != row.pdf_sha256:
                raise Conflict(f"report {row.report_id}: the stored document no longer matches its recorded "
                               "SHA-256; do not use it, and tell the administrator")
            self._audit(s, actor, row, "export", recipient.strip(), {})
            return row.pdf

    # -- the other documents ---------------------------------------------------------------------------

    def session_minutes(self, actor: Actor, session: int | str, *, recipient: str | None = None,
                        published_commitment: str = "") -> GeneratedDocument:
        """The minutes of a session (by id or name), including officers' responses received since the
        previous session."""
        actor.require(Permission.VIEW_REPORTS)
        published = _published_commitment(published_commitment)
        with self._writing("report") as s:
            review = self._session(s, session)
            if not published and review.sampling_run is not None:
                published = review.sampling_run.published_commitment or ""  # recorded at the draw
            head, at, report_id = audit.head(s), utcnow(), new_report_id("session")
            data = build_minutes(s, self._meta(report_id, head, at), review, self._rubrics,
                                 published_commitment=published)
            check = (commitment_check(data.sampling.seed, published) if data.sampling.seed
                     else NOTHING_TO_CHECK)
            row = FeedbackReport(kind="session", session_id=review.id, report_id=report_id,
                                 generated_by=actor.username)
            return self._record_document(s, actor, row, render_session_minutes(data), head, at,
                                         recipient or actor.username,
                                         {"session": review.name, **_commitment_details(published, check)},
                                         commitment_check=check)

    def sampling_certificate(self, actor: Actor, run_id: int | None = None, *,
                             certificate: Mapping[str, Any] | None = None, certificate_sha256: str = "",
                             recipient: str | None = None, published_commitment: str = "") -> GeneratedDocument:
        """A sampling certificate as a PDF: a recorded run's (`run_id`), or a certificate file's content
        (`certificate`, with the file's SHA-256), tying the paper to the JSON."""
        actor.require(Permission.VIEW_REPORTS)
        if (run_id is None) == (certificate is None):
            raise ValueError("give exactly one of run_id and certificate")
        published = _published_commitment(published_commitment)
        with self._writing("report") as s:
            if run_id is not None:
                run = s.get(SamplingRun, run_id)
                if run is None:
                    raise NotFound(f"no sampling run {run_id}")
                certificate = run.certificate
                certificate_sha256 = certificate_sha256 or certificate_file_sha256(run.certificate)
                published = published or run.published_commitment or ""  # recorded at the draw
            assert certificate is not None
            head, at, report_id = audit.head(s), utcnow(), new_report_id("certificate")
            data = build_certificate(s, self._meta(report_id, head, at), certificate,
                                     certificate_sha256=certificate_sha256, published_commitment=published)
            check = commitment_check(data.seed, published)
            row = FeedbackReport(kind="certificate", report_id=report_id, generated_by=actor.username)
            return self._record_document(s, actor, row, render_sampling_certificate(data), head, at,
                                         recipient or actor.username,
                                         {"sampling_run": run_id or 0, "certificate_sha256": certificate_sha256,
                                          **_commitment_details(published, check)},
                                         commitment_check=check)

    def public_summary(self, actor: Actor, date_from: date, date_to: date, *, period_label: str | None = None,
                       recipient: str | None = None) -> GeneratedDocument:
        """The anonymised public summary of the stops made on the local days `date_from`..`date_to`."""
        actor.require(Permission.VIEW_REPORTS)
        if date_from > date_to:
            raise ValidationError(f"period: {date_from.isoformat()} is after {date_to.isoformat()}")
        label = (period_label or "").strip() or f"{date_from.isoformat()} to {date_to.isoformat()}"
        with self._writing("report") as s:
            head, at, report_id = audit.head(s), utcnow(), new_report_id("public_summary")
            data = build_public_summary(s, self._meta(report_id, head, at), date_from, date_to, label, self._rubrics)
            row = FeedbackReport(kind="public_summary", period_from=date_from, period_to=date_to, report_id=report_id,
                                 generated_by=actor.username)
            return self._record_document(s, actor, row, render_public_summary(data), head, at,
                                         recipient or actor.username, {"period": label})

    # -- batch ---------------------------------------------------------------------------------------

    def generate_officer_reports(self, actor: Actor, *, date_from: date | None = None,
                                 date_to: date | None = None, recipient: str | None = None) -> Job[BatchOutcome]:
        """Drafts for every officer in `actor`'s scope with reviewed searches waiting (stop dates in the
        period when given). Each officer is its own transaction: cancelling keeps the drafts made."""
        actor.require(Permission.VIEW_REPORTS)
        if date_from and date_to and date_from > date_to:
            raise ValidationError(f"period: {date_from.isoformat()} is after {date_to.isoformat()}")
        start, end = local_bounds(date_from, date_to)
        with self.db.read() as s:
            done = final_item_ids(s)
            query = reviewed_items_query().where(StopRecord.officer_id.is_not(None))
            if start is not None:
                query = query.where(StopRecord.occurred_at >= start)
            if end is not None:
                query = query.where(StopRecord.occurred_at < end)
            waiting = {stop.officer_id for item, stop, _ in s.execute(query) if item.id not in done}
            officers = [(o.id, o.identifier) for o in s.scalars(self._scoped_officers(actor)
                                                                .order_by(Officer.identifier)) if o.id in waiting]
        generated: list[ReportView] = []
        skipped: list[tuple[str, str]] = []
        total = len(officers)
        for n, (officer_id, identifier) in enumerate(officers):
            yield Progress(n, total, f"officer {identifier}")
            try:
                document = self.generate_officer_report(actor, officer_id, date_from=date_from, date_to=date_to,
                                                        recipient=recipient)
            except (ValidationError, Conflict, PermissionDenied) as exc:
                skipped.append((identifier, str(exc)))
                continue
            generated.append(document.report)
        yield Progress(total, total, f"{len(generated)} reports made")
        return BatchOutcome(tuple(generated), tuple(skipped))

    # -- internals -----------------------------------------------------------------------------------

    @contextmanager
    def _writing(self, what: str) -> Iterator[Session]:
        try:
            with self.db.session() as s:
                yield s
        except StaleDataError:
            raise Conflict(f"This {what} was changed by someone else; reload it and try again.") from None

    def _scoped_officers(self, actor: Actor) -> Any:
        query = select(Officer)
        if actor.can(Permission.SUPERVISE_FEEDBACK):
            query = query.where(Officer.supervisor_id == actor.user_id)
        return query

    def _officer(self, s: Session, officer: str | int, *, lock: bool = False) -> Officer:
        """The officer by row id or collar number; `lock` holds their row until the transaction ends
        (PostgreSQL; SQLite's write transaction already serialises), so two people making the same
        officer's report at once cannot create two drafts."""
        query = select(Officer).where(Officer.id == officer if isinstance(officer, int)
                                      else Officer.identifier == officer.strip())
        row = s.scalar(query.with_for_update() if lock else query)
        if row is None:
            raise NotFound(f"no officer {officer!r} (use the collar number as imported)")
        return row

    def _report(self, s: Session, report: int | str, *, kind: str | None = None) -> FeedbackReport:
        if isinstance(report, int):
            row = s.get(FeedbackReport, report)
        else:
            row = s.scalar(select(FeedbackReport).where(FeedbackReport.report_id == report.strip()))
        if row is None:
            raise NotFound(f"no report {report!r} (a draft's id changes each time it is made again)")
        if kind is not None and row.kind != kind:
            raise ValidationError(f"report {row.report_id} is a {row.kind.replace('_', ' ')} document, "
                                  f"not an {kind} report")
        return row

    def _session(self, s: Session, session: int | str) -> ReviewSession:
        if isinstance(session, int):
            row = s.get(ReviewSession, session)
        else:
            row = s.scalar(select(ReviewSession).where(ReviewSession.name == session.strip()))
        if row is None:
            raise NotFound(f"no session {session!r}")
        return row

    def _record_document(self, s: Session, actor: Actor, row: FeedbackReport, rendered: RenderedReport,
                         head: audit.AuditHead, at: datetime, recipient: str, details: dict[str, Any], *,
                         commitment_check: str | None = None) -> GeneratedDocument:
        """A minutes, certificate or public summary document: a new row each time (they do not go
        through the sign-off loop), recorded and audited like every other."""
        s.add(row)
        s.flush()
        row.pdf, row.pdf_sha256, row.generated_at = rendered.pdf, rendered.sha256, at
        s.flush()
        self._audit(s, actor, row, "generate", recipient,
                    {"pages": rendered.page_count, "audit_head": str(head), **details})
        return GeneratedDocument(self._view(s, row, None), rendered.pdf, rendered.page_count, str(head),
                                 commitment_check)

    def _require_read(self, actor: Actor, officer: Officer) -> None:
        actor.require(Permission.VIEW_REPORTS)
        if actor.can(Permission.SUPERVISE_FEEDBACK) and officer.supervisor_id != actor.user_id:
            raise PermissionDenied(f"{actor.username} does not supervise officer {officer.identifier}")

    def _require_report_read(self, actor: Actor, s: Session, row: FeedbackReport) -> Officer | None:
        if row.officer_id is None:
            actor.require(Permission.VIEW_REPORTS)
            return None
        officer = s.get(Officer, row.officer_id)
        assert officer is not None
        self._require_read(actor, officer)
        return officer

    def _require_supervisor(self, actor: Actor, s: Session, row: FeedbackReport) -> Officer:
        actor.require(Permission.SUPERVISE_FEEDBACK)
        officer = s.get(Officer, row.officer_id) if row.officer_id is not None else None
        assert officer is not None  # kind == "officer"
        if officer.supervisor_id is None:
            raise PermissionDenied(f"no supervisor is recorded for officer {officer.identifier}; "
                                   "ask an administrator to record one")
        if officer.supervisor_id != actor.user_id:
            raise PermissionDenied(f"{actor.username} does not supervise officer {officer.identifier}")
        return officer

    def _meta(self, report_id: str, head: audit.AuditHead, at: datetime, *, draft: bool = False) -> ReportMeta:
        return ReportMeta(report_id=report_id, generated_at=at, audit_head=AuditHead(head.seq, head.hash),
                          organisation=self.organisation, draft=draft)

    def _officer_data(self, s: Session, row: FeedbackReport, officer: Officer | None, head: audit.AuditHead,
                      report_id: str, at: datetime, rows: list[Any] | None = None) -> OfficerFeedbackReport:
        assert officer is not None
        sign_off = SignOff()
        if row.approved_by:
            approver = s.scalar(select(User).where(User.username == row.approved_by))
            sign_off = SignOff(supervisor_name=approver.display_name if approver else row.approved_by,
                               supervisor_approved_on=local_day(row.approved_at) if row.approved_at else None,
                               officer_acknowledged_on=row.acknowledged_on)
        text = OfficerReportText(summary=row.summary, supervisor_note=row.supervisor_note,
                                 officer_response=row.officer_response, sign_off=sign_off)
        # A draft until approved: `approve` sets the status before its final rendering, so the kept PDF
        # carries no draft marking.
        meta = self._meta(report_id, head, at, draft=row.status == "draft")
        return build_officer_report(s, meta, officer,
                                    covered_items(s, row.id) if rows is None else rows, text, self._rubrics)

    def _render_and_record(self, s: Session, actor: Actor, row: FeedbackReport, officer: Officer | None,
                           event: str, recipient: str, rows: list[Any] | None = None) -> GeneratedDocument:
        """Render the officer report from `rows` (the items it covers; read when not given) and store it."""
        rows = covered_items(s, row.id) if rows is None else rows
        head = audit.head(s)
        at = utcnow()
        report_id = new_report_id(row.kind)
        rendered = render_officer_report(self._officer_data(s, row, officer, head, report_id, at, rows))
        return self._store(s, actor, row, officer, rendered, head, at, event, recipient,
                           Counter(c.rag for _, _, c in rows))

    def _store(self, s: Session, actor: Actor, row: FeedbackReport, officer: Officer | None,
               rendered: RenderedReport, head: audit.AuditHead, at: datetime, event: str,
               recipient: str, rags: Counter[str] | None = None) -> GeneratedDocument:
        row.report_id = rendered.report_id
        row.pdf, row.pdf_sha256 = rendered.pdf, rendered.sha256
        row.generated_at, row.generated_by = at, actor.username
        s.flush()
        self._audit(s, actor, row, event, recipient, {"pages": rendered.page_count, "audit_head": str(head)})
        return GeneratedDocument(self._view(s, row, officer, rags), rendered.pdf, rendered.page_count, str(head))

    def _audit(self, s: Session, actor: Actor, row: FeedbackReport, event: str, recipient: str,
               details: dict[str, Any]) -> None:
        officer = s.get(Officer, row.officer_id) if row.officer_id is not None else None
        audit.record(s, actor=actor.username, role=actor.role, action=Actions.REPORT, object_type="feedback_report",
                     object_id=row.report_id,
                     details={"event": event, "kind": row.kind, "row": row.id, "status": row.status,
                              "sha256": row.pdf_sha256 or "", "recipient": recipient,
                              "officer": officer.identifier if officer else "", **details})

    def _view(self, s: Session, row: FeedbackReport, officer: Officer | None,
              rags: Counter[str] | None = None) -> ReportView:
        if rags is None:
            rags = Counter(c.rag for _, _, c in covered_items(s, row.id)) if row.kind == "officer" else Counter()
        return ReportView(
            id=row.id, report_id=row.report_id, kind=row.kind, status=row.status,
            officer_identifier=officer.identifier if officer else None,
            officer_name=officer_data(officer).name if officer else "",
            supervisor_id=officer.supervisor_id if officer else None,
            session_id=row.session_id, period_from=row.period_from, period_to=row.period_to,
            summary=row.summary, supervisor_note=row.supervisor_note, officer_response=row.officer_response,
            response_received_on=row.response_received_on, pdf_sha256=row.pdf_sha256,
            generated_at=row.generated_at, generated_by=row.generated_by, approved_at=row.approved_at,
            approved_by=row.approved_by, sent_on=row.sent_on, acknowledged_on=row.acknowledged_on,
            version=row.version, searches=sum(rags.values()), green=rags["green"], amber=rags["amber"],
            red=rags["red"])


# --- Helpers ----------------------------------------------------------------------------------------


def new_report_id(kind: str) -> str:
    """A fresh document id: kind, the local day, 8 random hex digits (never reused, never guessable)."""
    return f"{_PREFIX[kind]}-{datetime.now(LONDON):%Y%m%d}-{secrets.token_hex(4).upper()}"


def _period_words(date_from: date | None, date_to: date | None) -> str:
    if date_from and date_to:
        return f" for stops from {date_from.isoformat()} to {date_to.isoformat()}"
    if date_from:
        return f" for stops from {date_from.isoformat()}"
    if date_to:
        return f" for stops up to {date_to.isoformat()}"
    return ""


def _require_draft(row: FeedbackReport, doing: str) -> None:
    if row.status != "draft":
        raise Conflict(f"report {row.report_id} is {row.status} and final: it cannot be {doing} "
                       f"(its SHA-256 {row.pdf_sha256} is kept)")


def _check_version(row: FeedbackReport, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise Conflict(f"report {row.report_id} was changed by someone else; reload it and try again")


def _check_day(field: str, value: date, *, not_before: date, what: str) -> None:
    today = datetime.now(LONDON).date()
    if value > today:
        raise ValidationError(f"{field}: {value.isoformat()} is in the future")
    if value < not_before:
        raise ValidationError(f"{field}: {value.isoformat()} is before {what} ({not_before.isoformat()})")


NOTHING_TO_CHECK = "not checked: the session's searches were not chosen by a recorded draw"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _published_commitment(text: str) -> str:
    """The commitment as given (spaces, line breaks and capitals allowed, as the planning dialog groups
    it), as 64 lower-case hex digits, or "" when none was given. Anything else is refused rather than
    reported as a mismatch: a pasting slip is not evidence that the seed was changed."""
    value = normalised_commitment(text or "")
    if value and not _SHA256_HEX.fullmatch(value):
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise ValidationError(f"commitment: expected the 64 hex digits of a SHA-256, got {shown!r} "
                              f"({len(value)} characters)")
    return value


def _commitment_details(published: str, check: str) -> dict[str, str]:
    return {"published_commitment": published, "commitment_check": check} if published else {}


def _text(field: str, value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValidationError(f"{field}: at most {MAX_TEXT} characters (this has {len(value)})")
    return value.replace("\r\n", "\n").replace("\r", "\n")
