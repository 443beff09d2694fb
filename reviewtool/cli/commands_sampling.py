"""Verifiable sampling: `sample run`, `sample verify`, `sample commit`."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from reviewtool.cli.context import acting_user, open_db
from reviewtool.core.errors import ValidationError
from reviewtool.core.sampling import CertificateError, SamplingSpec, generate_seed, seed_commitment
from reviewtool.core.sampling_service import SAMPLING_FIELDS, SamplingFilters, SamplingService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="verifiable random sampling (hmac-bottomk/1)")
    ssub = p.add_subparsers(dest="sample_command", required=True)

    run = ssub.add_parser("run", help="draw a sample and write its certificate")
    run.add_argument("--seed", help="seed text (dice rolls, words); random when absent")
    run.add_argument("--where", action="append", default=[], metavar="FIELD=VALUE",
                     help=f"only stops with this value (repeatable); fields: {', '.join(SAMPLING_FIELDS)}")
    run.add_argument("--from", dest="date_from", type=_day, metavar="YYYY-MM-DD", help="first day (Europe/London)")
    run.add_argument("--to", dest="date_to", type=_day, metavar="YYYY-MM-DD", help="last day, inclusive")
    run.add_argument("--area", help="only stops in this area")
    run.add_argument("--strata", metavar="FIELD", help="stratify by this stop field")
    run.add_argument("--allocation", choices=("proportional", "fixed"), default="proportional")
    run.add_argument("--size", type=int, metavar="N", help="sample size (proportional allocation)")
    run.add_argument("--quota", action="append", default=[], metavar="VALUE=N", help="fixed quota per stratum")
    run.add_argument("--max-per-officer", type=int, metavar="K")
    run.add_argument("--require-footage", action="store_true",
                     help="stops without footage are listed as findings (skipped_no_footage), not selected")
    run.add_argument("--session", metavar="NAME", help="create the review session with the selected items")
    run.add_argument("--commitment", metavar="SHA256",
                     help="the seed commitment published before the meeting (checked, and recorded)")
    run.add_argument("--out", type=Path, metavar="CERT.json", help="write the certificate here")
    run.set_defaults(handler=cmd_run)

    ver = ssub.add_parser("verify", help="recompute a certificate against the database")
    ver.add_argument("certificate", type=Path, metavar="CERT")
    ver.add_argument("--commitment", metavar="SHA256", help="the seed commitment published before the meeting")
    ver.set_defaults(handler=cmd_verify)

    com = ssub.add_parser("commit", help="print the SHA-256 commitment of a seed, to publish before the meeting")
    com.add_argument("seed", nargs="?", help="seed text (a new random seed when absent)")
    com.set_defaults(handler=cmd_commit)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _pairs(items: list[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"{option} {item!r}: expected NAME=VALUE")
        pairs.append((key.strip(), value.strip()))
    return pairs


def cmd_run(args: argparse.Namespace) -> int:
    filters = SamplingFilters(where=dict(_pairs(args.where, "--where")) or None, date_from=args.date_from,
                              date_to=args.date_to, area=args.area)
    quotas = None
    if args.allocation == "fixed":
        quotas = {}
        for value, n in _pairs(args.quota, "--quota"):
            if not n.isdigit():
                raise ValidationError(f"--quota {value}={n}: the quota must be a whole number")
            quotas[value] = int(n)
    seed = args.seed or generate_seed()
    try:
        spec = SamplingSpec(seed=seed, strata_field=args.strata, allocation=args.allocation,
                            sample_size=args.size if args.allocation == "proportional" else None, quotas=quotas,
                            max_per_officer=args.max_per_officer, require_footage=args.require_footage,
                            filters=filters.as_json())
    except ValueError as exc:
        raise ValidationError(f"sample: {exc}") from None
    db = open_db(args)
    actor = acting_user(args, db)
    outcome = SamplingService(db).run(actor, spec, session_name=args.session, published_commitment=args.commitment)
    cert = outcome.certificate
    text = json.dumps(cert, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(f"population {cert['population_size']} (digest {cert['population_digest'][:16]}…), "
          f"selected {len(cert['selection'])}, without footage {len(cert['skipped_no_footage'])}")
    if not args.seed:
        print(f"seed (generated): {seed}")
    for value, stratum in outcome.result.strata.items():
        if stratum.shortfall:
            print(f"  stratum {value or '(none)'!r}: quota {stratum.quota}, only {stratum.selected} available")
    if outcome.session_name:
        print(f"session {outcome.session_name!r} created with {len(cert['selection'])} items")
    print(f"certificate written to {args.out}" if args.out else text)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        cert = json.loads(args.certificate.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{args.certificate}: not a readable certificate ({exc})") from None
    db = open_db(args)
    actor = acting_user(args, db)
    try:
        result = SamplingService(db).verify(actor, cert, commitment=args.commitment)
    except CertificateError as exc:
        raise ValidationError(f"{args.certificate.name}: {exc}") from None
    if result.match:
        print("MATCH")
        return 0
    print(f"DIFFERENT: {result.difference}")
    return 1


def cmd_commit(args: argparse.Namespace) -> int:
    seed = args.seed or generate_seed()
    if not args.seed:
        print(f"seed: {seed}")
    print(seed_commitment(seed))
    return 0
