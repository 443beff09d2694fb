"""The one way a time benchmark reports against its target (shared by the report benchmarks)."""

from __future__ import annotations

import os


def verdict(total: float, cpu: float, target: float) -> int:
    """Print OK / busy machine / SLOWER THAN TARGET; the exit status for the script."""
    if total <= target:
        print("  OK")
        return 0
    if cpu <= target:
        # Our own cost is within budget; other work on the machine stretched the clock.
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"  over the target on the clock but within it in CPU time: the machine was busy "
              f"(load average {load:.1f} on {os.cpu_count()} CPUs); rerun on a quiet machine")
        return 0
    print("  SLOWER THAN TARGET")
    return 1
