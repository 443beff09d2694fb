"""The command line: the headless twin of the GUI, and what tests and benchmarks drive.

Every command opens the database (upgrading it if behind), acts through the core services as an
Actor, and exits 0 on success or non-zero with a one-line reason.  Without `--user`, the operating-
system account running the command acts (recorded in the audit log as `os:<name>`): whoever can run
commands on the machine holding a SQLite file can already read it.  With `--user NAME` the command
logs in (password from the prompt or REVIEWTOOL_PASSWORD) and runs with that user's role.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable, Sequence

from reviewtool import __version__
from reviewtool.core.errors import ReviewtoolError

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    from reviewtool.cli import (
        commands_admin,
        commands_data,
        commands_demo,
        commands_footage,
        commands_redaction,
        commands_reports,
        commands_sampling,
        commands_sessions,
        commands_settings,
    )

    parser = argparse.ArgumentParser(prog="reviewtool", description="Community scrutiny of stop and search.")
    parser.add_argument("--version", action="version", version=f"reviewtool {__version__}")
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (commands_demo, commands_admin, commands_data, commands_footage, commands_sampling,
                   commands_redaction, commands_settings, commands_sessions, commands_reports):
        module.register(sub)
    return parser


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", default=os.environ.get("REVIEWTOOL_DB"),
                        help="database URL (default: SQLite in the user data folder; env REVIEWTOOL_DB)")
    parser.add_argument("--user", metavar="NAME", help="act as this reviewtool user (asks for the password)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")


def wants_gui(argv: Sequence[str]) -> bool:
    """Only global options (or none) means: open the desktop app."""
    if any(a in ("-h", "--help", "--version") for a in argv):
        return False
    parser = argparse.ArgumentParser(add_help=False)
    _global_options(parser)
    _, rest = parser.parse_known_args(list(argv))
    return not rest


def gui_options(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="reviewtool")
    _global_options(parser)
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 2
    handler: Handler = args.handler
    try:
        return handler(args)
    except ReviewtoolError as exc:
        print(f"reviewtool: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("reviewtool: cancelled", file=sys.stderr)
        return 130
