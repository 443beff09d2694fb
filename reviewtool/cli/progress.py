"""The terminal side of long work: drive a core job, drawing a progress bar on stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO, TypeVar

from reviewtool.progress import Job, Progress

T = TypeVar("T")


def run_with_bar(job: "Job[T]", label: str, stream: TextIO | None = None) -> T:
    stream = stream or sys.stderr
    interactive = stream.isatty()
    last_draw = time.monotonic()  # quick jobs never draw; slow ones report every 0.1 s (tty) or 5 s (log)
    last: Progress | None = None
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            if interactive and last is not None:
                stream.write("\r\x1b[K")
            return stop.value
        last = progress
        now = time.monotonic()
        if now - last_draw < (0.1 if interactive else 5.0):
            continue
        last_draw = now
        stream.write(_line(label, progress, interactive))
        stream.flush()


def _line(label: str, p: Progress, interactive: bool) -> str:
    if p.fraction is not None:
        width = 30
        filled = int(p.fraction * width)
        bar = "#" * filled + "-" * (width - filled)
        text = f"{label} [{bar}] {p.fraction * 100:5.1f}% {p.message}"
    else:
        text = f"{label} {p.done} {p.message}"
    return f"\r\x1b[K{text[:120]}" if interactive else text + "\n"
