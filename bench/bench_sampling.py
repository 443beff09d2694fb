"""Benchmark: draw an `hmac-bottomk/1` sample from 1,000,000 eligible stops, keys included.

Synthetic population: 5 strata (officer-defined ethnicity), 30,000 officers (1 stop in 20 with no
officer), 98 % with footage; proportional allocation N=40, at most 2 stops per officer, footage
required. The figure is the best of 3 calls of `draw_sample`; target 2 s.

Input order matters for the population digest, which sorts the references: the loader is expected
to read the stops in reference order (`ORDER BY reference`: SQLite's default BINARY collation, or
COLLATE "C" on PostgreSQL), which makes that sort almost free; this is the headline figure and the
exit status. Shuffled input (the worst case, about 0.7 s more) and a list of `Candidate` objects
are printed too. `bench_algorithm()` gives the headline, for a benchmark that adds the DB load.

    .venv/bin/python bench/bench_sampling.py [--stops N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviewtool.core.sampling import Candidate, Population, SamplingSpec, draw_sample  # noqa: E402

TARGET_SECONDS = 2.0
STRATA_FIELD = "officer_defined_ethnicity"
STRATA = ("White", "Black", "Asian", "Other", None)
SPEC = SamplingSpec(
    seed="bench 4 6 1 3 3 5",
    strata_field=STRATA_FIELD,
    allocation="proportional",
    sample_size=40,
    max_per_officer=2,
    require_footage=True,
)


def synthetic_population(n: int, *, shuffled: bool = True, rng_seed: int = 2024) -> Population:
    rng = random.Random(rng_seed)
    weights = (60, 20, 12, 5, 3)
    references = [f"SYN-{i:07d}" for i in range(n)]
    if shuffled:
        rng.shuffle(references)
    officers = [None if rng.random() < 0.05 else f"OFF{rng.randrange(30_000):05d}" for _ in range(n)]
    footage = [rng.random() < 0.98 for _ in range(n)]
    values = rng.choices(STRATA, weights=weights, k=n)
    return Population(STRATA_FIELD, references, officers, footage, values)


def best_of(runs: int, population: Population | list[Candidate]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        result = draw_sample(SPEC, population)
        best = min(best, time.perf_counter() - started)
    assert len(result.selection) == SPEC.sample_size, result.strata
    return best


def bench_algorithm(n: int = 1_000_000, *, reference_order: bool = True) -> float:
    """Best of 3 `draw_sample` calls on n synthetic stops given as columns, in seconds."""
    return best_of(3, synthetic_population(n, shuffled=not reference_order))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    n = args.stops

    headline = bench_algorithm(n)
    print(f"draw_sample, {n:,} stops, reference order:    {headline:6.3f} s  (target {TARGET_SECONDS} s)")
    shuffled = bench_algorithm(n, reference_order=False)
    print(f"draw_sample, {n:,} stops, shuffled:           {shuffled:6.3f} s  (worst case)")
    columns = synthetic_population(n)
    started = time.perf_counter()
    candidates = [
        Candidate(r, o, f, {STRATA_FIELD: v})
        for r, o, f, v in zip(columns.references, columns.officers, columns.has_footage, columns.strata_values)
    ]
    built = time.perf_counter() - started
    print(f"draw_sample, {n:,} Candidate objects:         {best_of(3, candidates):6.3f} s"
          f"  (building them: {built:.3f} s)")
    return 0 if headline <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
