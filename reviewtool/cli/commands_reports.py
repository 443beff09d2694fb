"""Reports and score exports: `report officer|officers|session|certificate|public|pdf`, `export scores`.

Every document written here is recorded first (its id, SHA-256 and the audit head printed on it) and
audited as a disclosure to `--recipient` (default: the person running the command).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from datetime import date
from pathlib import Path

from reviewtool.cli.context import acting_user, open_db
from reviewtool.cli.progress import run_with_bar
from reviewtool.core.errors import ValidationError
from reviewtool.core.feedback import NO_COMMITMENT, FeedbackService, GeneratedDocument
from reviewtool.core.score_export import ScoreExportService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="officer feedback, session minutes, certificates, public summary (PDF)")
    rsub = p.add_subparsers(dest="report_command", required=True)

    officer = rsub.add_parser("officer", help="an officer's feedback report (draft) from their reviewed searches")
    officer.add_argument("officer", metavar="OFFICER", help="collar number, as imported")
    _period(officer)
    _output(officer)
    officer.set_defaults(handler=cmd_officer)

    batch = rsub.add_parser("officers", help="draft feedback reports for every officer with searches waiting")
    _period(batch)
    batch.add_argument("--out-dir", type=Path, required=True, metavar="DIR")
    batch.add_argument("--recipient", metavar="WHO", help="who the documents are for (default: you)")
    batch.set_defaults(handler=cmd_officers)

    session = rsub.add_parser("session", help="the minutes of a session")
    session.add_argument("session", metavar="SESSION", help="session name (or number)")
    session.add_argument("--commitment", metavar="SHA256", help="the seed commitment published before the meeting")
    _output(session)
    session.set_defaults(handler=cmd_session)

    cert = rsub.add_parser("certificate", help="a sampling certificate as a PDF")
    cert.add_argument("certificate", metavar="CERT", help="certificate JSON file, or a sampling run number")
    cert.add_argument("--commitment", metavar="SHA256", help="the seed commitment published before the meeting")
    _output(cert)
    cert.set_defaults(handler=cmd_certificate)

    public = rsub.add_parser("public", help="anonymised public summary of a period (no personal data)")
    public.add_argument("--from", dest="date_from", type=_day, required=True, metavar="YYYY-MM-DD")
    public.add_argument("--to", dest="date_to", type=_day, required=True, metavar="YYYY-MM-DD")
    public.add_argument("--label", metavar="TEXT", help='how the period is named, e.g. "January to March 2024"')
    _output(public)
    public.set_defaults(handler=cmd_public)

    stored = rsub.add_parser("pdf", help="write a recorded document (e.g. an approved report) again")
    stored.add_argument("report_id", metavar="REPORT_ID")
    _output(stored)
    stored.set_defaults(handler=cmd_pdf)


def register_export_scores(esub: argparse._SubParsersAction) -> None:
    """`export scores`, added to the `export` group that commands_data registers."""
    scores = esub.add_parser("scores", help="every panel answer of a session as CSV (revealed items only)")
    scores.add_argument("--session", required=True, metavar="SESSION", help="session name (or number)")
    scores.add_argument("--out", type=Path, required=True, metavar="F.csv")
    scores.add_argument("--recipient", metavar="WHO", help="who the export is for (default: you)")
    scores.set_defaults(handler=cmd_export_scores)


def _period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", type=_day, metavar="YYYY-MM-DD",
                        help="only stops made on or after this day (UK time)")
    parser.add_argument("--to", dest="date_to", type=_day, metavar="YYYY-MM-DD",
                        help="only stops made on or before this day (UK time)")


def _output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="F.pdf")
    parser.add_argument("--recipient", metavar="WHO", help="who the document is for (default: you)")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _session_ref(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def write_file(path: Path, data: bytes) -> None:
    """Write beside the destination, then move into place: never a half-written PDF under its name."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        partial.unlink(missing_ok=True)


def _written(document: GeneratedDocument, path: Path) -> None:
    write_file(path, document.pdf)
    report = document.report
    print(f"wrote {report.report_id} to {path} ({document.page_count} pages, SHA-256 {report.pdf_sha256})")
    print(f"audit head printed on it: {document.audit_head}")
    if document.commitment_check is not None:
        hint = " (give --commitment to check the one published before the meeting)" \
            if document.commitment_check == NO_COMMITMENT else ""
        print(f"seed commitment: {document.commitment_check}{hint}")


def cmd_officer(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    document = FeedbackService(db).generate_officer_report(actor, args.officer, date_from=args.date_from,
                                                           date_to=args.date_to, recipient=args.recipient)
    _written(document, args.out)
    report = document.report
    print(f"draft for officer {report.officer_identifier}: {report.searches} searches "
          f"({report.green} green, {report.amber} amber, {report.red} red); their supervisor approves it")
    return 0


def cmd_officers(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    service = FeedbackService(db)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    outcome = run_with_bar(service.generate_officer_reports(actor, date_from=args.date_from, date_to=args.date_to,
                                                            recipient=args.recipient), "reports")
    for report in outcome.generated:
        pdf = service.export_pdf(actor, report.id, recipient=args.recipient or actor.username)
        path = args.out_dir / f"{report.report_id}-{report.officer_identifier}.pdf"
        write_file(path, pdf)
        print(f"wrote {path.name} ({report.searches} searches)")
    for identifier, why in outcome.skipped:
        print(f"skipped officer {identifier}: {why}")
    print(f"{len(outcome.generated)} draft reports, {len(outcome.skipped)} skipped")
    return 1 if outcome.skipped else 0


def cmd_session(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    document = FeedbackService(db).session_minutes(actor, _session_ref(args.session), recipient=args.recipient,
                                                   published_commitment=args.commitment or "")
    _written(document, args.out)
    return 0


def cmd_certificate(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    service = FeedbackService(db)
    path = Path(args.certificate)
    if path.is_file():
        raw = path.read_bytes()
        try:
            certificate = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(f"{path.name}: not a readable certificate ({exc})") from None
        if not isinstance(certificate, dict):
            raise ValidationError(f"{path.name}: not a sampling certificate (expected a JSON object)")
        document = service.sampling_certificate(actor, certificate=certificate,
                                                certificate_sha256=hashlib.sha256(raw).hexdigest(),
                                                recipient=args.recipient, published_commitment=args.commitment or "")
    elif args.certificate.isdigit():
        document = service.sampling_certificate(actor, int(args.certificate), recipient=args.recipient,
                                                published_commitment=args.commitment or "")
    else:
        raise ValidationError(f"{args.certificate}: no such certificate file (or give a sampling run number)")
    _written(document, args.out)
    return 0


def cmd_public(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    document = FeedbackService(db).public_summary(actor, args.date_from, args.date_to, period_label=args.label,
                                                  recipient=args.recipient)
    _written(document, args.out)
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    service = FeedbackService(db)
    pdf = service.export_pdf(actor, args.report_id, recipient=args.recipient or actor.username)
    write_file(args.out, pdf)
    report = service.get_report(actor, args.report_id)
    print(f"wrote {report.report_id} ({report.status}) to {args.out} (SHA-256 {report.pdf_sha256})")
    return 0


def cmd_export_scores(args: argparse.Namespace) -> int:
    db = open_db(args)
    actor = acting_user(args, db)
    result = ScoreExportService(db).export_csv(actor, _session_ref(args.session), args.out,
                                               recipient=args.recipient or actor.username)
    print(f"wrote {result.rows} answers to {args.out} (SHA-256 {result.sha256})")
    if result.items_skipped:
        print(f"  {result.items_skipped} items not revealed (or removed) were left out: their answers stay private")
    return 0
