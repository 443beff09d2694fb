"""Long work is a generator yielding `Progress`; the CLI and the GUI each wrap it once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generator, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int | None
    message: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


# A job yields Progress and returns its result (read from StopIteration.value).
Job = Generator[Progress, None, T]


def run_to_end(job: "Job[T]") -> T:
    """Drive a job without showing progress (tests, scripts)."""
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value
