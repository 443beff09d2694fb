"""`reviewtool demo`: build a demo database with synthetic footage, then open the app on it."""

from __future__ import annotations

import argparse
from pathlib import Path

from reviewtool.cli.demo_data import DEMO_USERS, build_demo
from reviewtool.cli.progress import run_with_bar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="build a demo database with synthetic stops and footage (and open the app)")
    p.add_argument("--dir", type=Path, default=Path("demo"), help="folder for reviewtool.db and footage/")
    p.add_argument("--no-gui", action="store_true", help="only build it")
    p.add_argument("--stops", type=int, default=300, help=argparse.SUPPRESS)
    p.add_argument("--clips", type=int, default=10, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    db = run_with_bar(build_demo(args.dir, stops=args.stops, clips=args.clips), "demo")
    db.dispose()
    url = f"sqlite:///{(args.dir / 'reviewtool.db').resolve()}"
    print(f"demo database: {url}")
    print("users (user name / password / role):")
    for u in DEMO_USERS:
        print(f"  {u.username:<11} {u.password:<22} {u.role}")
    if args.no_gui:
        print(f"open it with: reviewtool --db {url}")
        return 0
    return open_gui(url)


def open_gui(url: str) -> int:
    """Hand over to the desktop app (the CLI itself never creates a QApplication)."""
    import os
    import subprocess
    import sys

    headless = sys.platform.startswith("linux") and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    if headless:
        print("no screen here (no DISPLAY): the demo is built; open it on a desktop with "
              f"`reviewtool --db {url}`")
        return 0
    return subprocess.call([sys.executable, "-m", "reviewtool", "--db", url])
