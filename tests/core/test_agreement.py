"""Krippendorff's alpha against the published worked example, and against a pair-by-pair recount."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtool.core.agreement import alpha, coincidence_matrix, figure, krippendorff

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers
# (A-D) coding twelve units on a 1-5 scale, with missing values (None).
N = None
A = [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N]
B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3]
C = [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N]
D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]
PAPER_UNITS = [list(unit) for unit in zip(A, B, C, D)]
SCALE = [1, 2, 3, 4, 5]


def test_paper_example_nominal_and_ordinal():
    assert round(alpha(PAPER_UNITS, "nominal"), 3) == 0.743
    assert round(alpha(PAPER_UNITS, "ordinal", SCALE), 3) == 0.815


def test_paper_example_coincidences():
    o = coincidence_matrix(PAPER_UNITS, SCALE)
    # Unit 12 has a single value and is not pairable: n = 40 pairable values, as in the paper.
    assert o.sum() == pytest.approx(40.0)
    assert np.allclose(o, o.T)
    assert np.allclose(o.sum(axis=1), [9, 13, 10, 5, 3])
    assert o[0, 0] == pytest.approx(7.0) and o[0, 1] == pytest.approx(4 / 3) and o[4, 4] == pytest.approx(3.0)
    result = krippendorff(PAPER_UNITS, "nominal")
    assert (result.pairable_units, result.pairable_values) == (11, 40)
    assert result.percent_agreement == pytest.approx(0.8)


def test_undefined_cases():
    assert alpha([[1, None], [None, 2]]) is None  # nothing pairable
    assert alpha([[3, 3, 3], [3, 3, None]]) is None  # no variation: expected disagreement 0
    assert alpha([]) is None
    assert alpha([[1, 1], [2, 2], [1, 1]]) == pytest.approx(1.0)


def test_unknown_metric_or_value_is_refused():
    with pytest.raises(ValueError):
        alpha(PAPER_UNITS, "interval")
    with pytest.raises(ValueError):
        coincidence_matrix([[1, 9]], [1, 2])


def test_ordinal_uses_the_given_scale_order():
    # Same answers; relabelled in reverse scale order the ordinal alpha is unchanged.
    relabelled = [[None if v is None else 6 - v for v in unit] for unit in PAPER_UNITS]
    assert alpha(relabelled, "ordinal", SCALE) == pytest.approx(alpha(PAPER_UNITS, "ordinal", SCALE))
    # A near miss costs less than a far one on an ordinal scale, the same on a nominal one.
    near = [[1, 2], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]
    far = [[1, 5], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]
    assert alpha(near, "ordinal", SCALE) > alpha(far, "ordinal", SCALE)
    assert alpha(near, "nominal", SCALE) == pytest.approx(alpha(far, "nominal", SCALE))


def test_figure_per_criterion():
    units = [{1: "4", 2: "4", 3: "5"}, {1: "2", 2: "2"}, {1: "1", 3: None}]
    fig = figure(units, "ordinal", ["1", "2", "3", "4", "5"])
    assert fig.n_units == 2 and fig.n_members == 3 and fig.metric == "ordinal"
    assert fig.alpha == pytest.approx(alpha([["4", "4", "5"], ["2", "2", None]], "ordinal", ["1", "2", "3", "4", "5"]))
    # One unit alone: alpha says nothing (0 or undefined), so it is reported as undefined.
    single = figure([{1: "4", 2: "5"}], "ordinal", ["1", "2", "3", "4", "5"])
    assert single.alpha is None and single.n_units == 1 and single.percent_agreement == 0.0


def _alpha_by_pairs(units: list[list[int | None]], metric: str, scale: list[int]) -> float | None:
    """Alpha recounted pair by pair (no matrices): the definition, slowly."""
    pairs: list[tuple[int, int, float]] = []
    for unit in units:
        values = [v for v in unit if v is not None]
        if len(values) < 2:
            continue
        for i, j in itertools.permutations(range(len(values)), 2):
            pairs.append((values[i], values[j], 1.0 / (len(values) - 1)))
    n_c = {c: 0.0 for c in scale}
    for c, _, w in pairs:
        n_c[c] += w
    n = sum(n_c.values())
    if n <= 1:
        return None

    def d2(c: int, k: int) -> float:
        if metric == "nominal":
            return 0.0 if c == k else 1.0
        lo, hi = sorted((scale.index(c), scale.index(k)))
        return (sum(n_c[g] for g in scale[lo:hi + 1]) - (n_c[c] + n_c[k]) / 2) ** 2

    observed = sum(w * d2(c, k) for c, k, w in pairs)
    expected = sum(n_c[c] * n_c[k] * d2(c, k) for c in scale for k in scale) / (n - 1)
    return None if expected == 0 else 1 - observed / expected


unit_values = st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.lists(unit_values, min_size=1, max_size=12), st.sampled_from(["nominal", "ordinal"]))
def test_matches_the_pairwise_definition(units, metric):
    expected = _alpha_by_pairs(units, metric, SCALE)
    got = alpha(units, metric, SCALE)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.lists(unit_values, min_size=2, max_size=10), st.randoms(use_true_random=False))
def test_order_of_units_and_coders_and_absent_coders_do_not_matter(units, rnd):
    base = alpha(units, "ordinal", SCALE)
    shuffled = [list(u) for u in units]
    rnd.shuffle(shuffled)
    perm = list(range(4))
    rnd.shuffle(perm)
    shuffled = [[u[p] for p in perm] + [None] for u in shuffled]  # plus a coder who never answered
    got = alpha(shuffled, "ordinal", SCALE)
    assert (got is None) == (base is None)
    if base is not None:
        assert got == pytest.approx(base, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 2)), min_size=3, max_size=3), min_size=2, max_size=10))
def test_two_categories_ordinal_equals_nominal(units):
    a, b = alpha(units, "nominal", [1, 2]), alpha(units, "ordinal", [1, 2])
    assert (a is None) == (b is None)
    if a is not None:
        assert a == pytest.approx(b, abs=1e-9)
