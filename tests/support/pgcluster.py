"""A throwaway PostgreSQL cluster for the data-layer tests.

pytest-postgresql's process fixture refuses to run as root ("pg_ctl: cannot be run as root") and CI
runs as root, so as root we run initdb/pg_ctl as the `postgres` user (runuser) in a temporary folder
on a free port; otherwise directly.  pytest-postgresql's `postgresql_noproc` then connects to it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_pg_bin() -> Path | None:
    for pattern in ("/usr/lib/postgresql/*/bin",):
        found = sorted(glob.glob(pattern), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
        for candidate in reversed(found):
            if (Path(candidate) / "initdb").exists():
                return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = find_pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="reviewtool-pg-"))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0
        self.started = False
        # What pytest-postgresql's `postgresql_noproc(depends_on=...)` reads from the fixture it depends on.
        self.host = "127.0.0.1"
        self.user = "postgres"
        self.password: str | None = None
        self.options = ""
        self.maintenance_dbname = "postgres"
        self.template_dbname: str | None = None

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found: run `make setup`")
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8")
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                  "-w", "start")
        self.started = True

    def stop(self) -> None:
        if self.started:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)
