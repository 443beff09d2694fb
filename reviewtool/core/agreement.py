"""How far the panel agreed: Krippendorff's alpha for nominal and ordinal answers, with absent members.

The coincidence-matrix formulation of Krippendorff (2011, "Computing Krippendorff's Alpha-
Reliability"): every unit (here: a stop, for one criterion) contributes the ordered pairs of values
its coders gave, each pair weighted 1/(m_u - 1), where m_u is how many values the unit has.  Units
with fewer than two values (one member answered, or none) are not pairable and drop out; that is
how absent members and "Can't tell" answers are handled.  Then

    alpha = 1 - (n - 1) * sum_ck o_ck d2_ck / sum_ck n_c n_k d2_ck

with d2 = 0/1 for nominal data, and for ordinal data d2_ck = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 over
the ordered categories (the marginal frequencies n_g, so distances reflect how answers were used).
Alpha is undefined (None) when no unit is pairable or when every pairable value is the same
(no variation: expected disagreement 0).

Units for the meeting: for the session minutes, a criterion's units are the session's revealed
items (each answered by the members present).  A single item is a single unit per criterion, over
which alpha is undefined, so per item we report None and the distribution of answers instead; for
the same reason `figure` reports None while fewer than two units are pairable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Sequence

import numpy as np

METRICS = ("nominal", "ordinal")
MIN_UNITS_FOR_ALPHA = 2


@dataclass(frozen=True, slots=True)
class AlphaResult:
    alpha: float | None
    pairable_units: int  # units with at least two values
    pairable_values: int  # n: values in pairable units
    observed_disagreement: float | None
    expected_disagreement: float | None
    percent_agreement: float | None  # share of pairable value pairs that agree exactly


@dataclass(frozen=True, slots=True)
class AgreementFigure:
    """Agreement on one criterion, as the facilitator and the minutes show it."""

    alpha: float | None  # None when undefined (one unit, no pairable answers, or no variation)
    n_members: int  # members who gave at least one pairable answer
    n_units: int  # items the criterion was answered on by at least two members
    metric: str  # "nominal" | "ordinal"
    percent_agreement: float | None = None


def coincidence_matrix(units: Sequence[Sequence[Hashable | None]], categories: Sequence[Hashable]) -> np.ndarray:
    """o_ck: each unit's ordered value pairs (from different coders) weighted 1/(m_u - 1).
    `None` is a missing value; a value not in `categories` is an error (callers map answers first)."""
    index = {c: i for i, c in enumerate(categories)}
    counts = np.zeros((len(units), len(categories)), dtype=float)
    for u, values in enumerate(units):
        for v in values:
            if v is None:
                continue
            try:
                counts[u, index[v]] += 1.0
            except KeyError:
                raise ValueError(f"value {v!r} is not one of the categories") from None
    m = counts.sum(axis=1)
    pairable = counts[m >= 2]
    if pairable.shape[0] == 0:
        return np.zeros((len(categories), len(categories)))
    weights = 1.0 / (pairable.sum(axis=1) - 1.0)
    weighted = pairable * weights[:, None]
    return weighted.T @ pairable - np.diag(weighted.sum(axis=0))


def distance_matrix(marginals: np.ndarray, metric: str) -> np.ndarray:
    """Squared distances d2_ck between categories (in their given order for ordinal data)."""
    k = marginals.shape[0]
    if metric == "nominal":
        return 1.0 - np.eye(k)
    if metric == "ordinal":
        cumulative = np.concatenate(([0.0], np.cumsum(marginals)))
        # sum_{g=c..k} n_g for c <= k is cumulative[k+1] - cumulative[c]
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        spanned = cumulative[hi + 1] - cumulative[lo]
        return (spanned - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2
    raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")


def krippendorff(units: Sequence[Sequence[Hashable | None]], metric: str = "nominal",
                 categories: Sequence[Hashable] | None = None) -> AlphaResult:
    """Alpha with its working.  `units`: one sequence of values per unit (one value per coder, None
    where that coder gave none).  `categories`: every possible value, in scale order for ordinal
    data (default: the values seen, sorted)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    if categories is None:
        categories = sorted({v for unit in units for v in unit if v is not None})  # type: ignore[type-var]
    o = coincidence_matrix(units, categories)
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    pairable_units = sum(1 for unit in units if sum(v is not None for v in unit) >= 2)
    if n <= 1.0:
        return AlphaResult(None, pairable_units, int(round(n)), None, None, None)
    d2 = distance_matrix(n_c, metric)
    observed = float((o * d2).sum()) / n
    expected = float((np.outer(n_c, n_c) * d2).sum()) / (n * (n - 1.0))
    agree = float(np.trace(o)) / n
    if expected <= 0.0:
        return AlphaResult(None, pairable_units, int(round(n)), observed, expected, agree)
    return AlphaResult(1.0 - observed / expected, pairable_units, int(round(n)), observed, expected, agree)


def alpha(units: Sequence[Sequence[Hashable | None]], metric: str = "nominal",
          categories: Sequence[Hashable] | None = None) -> float | None:
    """Krippendorff's alpha, or None where it is undefined."""
    return krippendorff(units, metric, categories).alpha


def figure(units_by_member: Sequence[dict[int, Hashable | None]], metric: str,
           categories: Sequence[Hashable]) -> AgreementFigure:
    """The figure for one criterion: `units_by_member` has one mapping member id → value per unit."""
    members = sorted({m for unit in units_by_member for m, v in unit.items() if v is not None})
    pairable_members: set[int] = set()
    for unit in units_by_member:
        given = [m for m, v in unit.items() if v is not None]
        if len(given) >= 2:
            pairable_members.update(given)
    matrix = [[unit.get(m) for m in members] for unit in units_by_member]
    result = krippendorff(matrix, metric, categories)
    # Over one unit alpha is 0 whenever the answers differ and undefined when they do not: it says
    # nothing about reliability, so it is reported as undefined (show the distribution instead).
    value = result.alpha if result.pairable_units >= MIN_UNITS_FOR_ALPHA else None
    return AgreementFigure(alpha=value, n_members=len(pairable_members), n_units=result.pairable_units,
                           metric=metric, percent_agreement=result.percent_agreement)
