"""Entry point: `reviewtool` with a subcommand runs headless; with none it opens the GUI.

This module sits above both `reviewtool.cli` and `reviewtool.ui` so that neither has to import the
other (the CLI must never create a QApplication).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from reviewtool import cli

    if cli.wants_gui(args):
        try:
            from reviewtool.ui.app import run_gui
        except ImportError as exc:  # the GUI package is optional for headless installs
            print(f"reviewtool: the desktop app is not available ({exc})", file=sys.stderr)
            return 2
        return run_gui(cli.gui_options(args))
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
