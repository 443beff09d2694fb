"""hmac-bottomk/1: known answers, the allocation and walk rules, certificates, and properties against
an independent, deliberately naive implementation of docs/sampling.md."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import random
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtool.core.sampling import (
    ALGORITHM,
    CERTIFICATE_KEYS,
    Candidate,
    CertificateError,
    Population,
    SamplingSpec,
    allocate_proportional,
    draw_sample,
    generate_seed,
    make_certificate,
    population_digest,
    sampling_key,
    seed_commitment,
    spec_from_certificate,
    verify_certificate,
)

FIELD = "officer_defined_ethnicity"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "sampling.md"
WHEN = datetime(2024, 5, 1, 18, 30, 5, 123456, tzinfo=timezone.utc)


def hmac_hex(seed: str, reference: str) -> str:
    return hmac.new(seed.encode("utf-8"), reference.encode("utf-8"), hashlib.sha256).hexdigest()


def stop(ref: str, stratum: object = None, officer: str | None = None, footage: bool = True) -> Candidate:
    return Candidate(ref, officer, footage, {FIELD: stratum})


# ---- naive reference implementation (full sorts, Fractions, hmac module) ----------------------


def naive_draw(spec: SamplingSpec, stops: list[Candidate]):
    def key(c: Candidate) -> int:
        return int(hmac_hex(spec.seed, c.reference), 16)

    def text(c: Candidate) -> str:
        value = c.fields.get(spec.strata_field) if spec.strata_field else None
        return "" if value is None else str(value)

    strata: dict[str, list[Candidate]] = {}
    for c in stops:
        strata.setdefault(text(c), []).append(c)
    if spec.allocation == "proportional":
        n = len(stops)
        shares = {s: Fraction(spec.sample_size * len(m), n) if n else Fraction(0) for s, m in strata.items()}
        quotas = {s: int(share) for s, share in shares.items()}
        by_fraction = sorted(shares, key=lambda s: (-(shares[s] - int(shares[s])), s))
        for s in by_fraction[: (spec.sample_size - sum(quotas.values())) if n else 0]:
            quotas[s] += 1
    else:
        quotas = {s: 0 for s in strata} | dict(spec.quotas)
    taken: dict[str, int] = {}
    chosen, skipped = [], []
    for s in sorted(quotas):
        got = 0
        for c in sorted(strata.get(s, []), key=key):
            if got == quotas[s]:
                break
            if spec.max_per_officer and c.officer and taken.get(c.officer, 0) >= spec.max_per_officer:
                continue
            if spec.require_footage and not c.has_footage:
                skipped.append(c)
                continue
            chosen.append(c)
            got += 1
            if c.officer:
                taken[c.officer] = taken.get(c.officer, 0) + 1
    refs = lambda cs: tuple(c.reference for c in sorted(cs, key=key))  # noqa: E731
    return refs(chosen), refs(skipped), dict(sorted(quotas.items()))


# ---- known answers ------------------------------------------------------------------------------


def test_key_is_rfc4231_hmac_sha256_of_reference_under_the_seed():
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert sampling_key("Jefe", "what do ya want for nothing?") == int(expected, 16)


@pytest.mark.parametrize(
    "seed",
    ["4 2 6 1 3 5", "x" * 64, "y" * 65, "a long sentence chosen in the room " * 5, "Łódź café ☕",
     generate_seed()],
)
def test_keys_agree_with_the_hmac_module_for_short_long_and_non_ascii_seeds(seed):
    for ref in ["S-001", "", "PUB-2019-12-0000042", "ref with ünïcödé", "r" * 200]:
        assert sampling_key(seed, ref) == int(hmac_hex(seed, ref), 16)


def test_selection_follows_ascending_hmac_computed_by_hand():
    seed = "panel 2024-05-01"
    refs = [f"SYS-{i:03d}" for i in range(12)]
    by_hand = sorted(refs, key=lambda r: hmac.new(seed.encode(), r.encode(), hashlib.sha256).digest())
    result = draw_sample(SamplingSpec(seed=seed, sample_size=5), [Candidate(r) for r in refs])
    assert result.selection == tuple(by_hand[:5])
    assert list(result.selection) == sorted(result.selection, key=lambda r: int(hmac_hex(seed, r), 16))


def test_generated_seed_is_hex_text_and_its_text_is_the_key():
    seed = generate_seed()
    assert re.fullmatch(r"[0-9a-f]{32}", seed)
    assert generate_seed() != seed
    # the 32 characters are hashed, not the 16 bytes they spell
    assert sampling_key(seed, "S-1") == int(hmac.new(seed.encode(), b"S-1", "sha256").hexdigest(), 16)
    assert sampling_key(seed, "S-1") != int(hmac.new(bytes.fromhex(seed), b"S-1", "sha256").hexdigest(), 16)


def test_seed_commitment_is_sha256_of_utf8_text():
    assert seed_commitment("4 2 6 1 3 5") == hashlib.sha256(b"4 2 6 1 3 5").hexdigest()
    assert seed_commitment("é") == hashlib.sha256("é".encode("utf-8")).hexdigest()


def test_population_digest_is_sha256_of_sorted_references_joined_by_newline():
    refs = ["b", "a", "Z", "é", "a2"]
    assert population_digest(refs) == hashlib.sha256("Z\na\na2\nb\né".encode()).hexdigest()
    assert population_digest([]) == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("refs", [["a", "b", "a"], ["a", ""], ["a", "b\nc"]])
def test_ambiguous_references_are_refused(refs):
    with pytest.raises(ValueError):
        population_digest(refs)
    with pytest.raises(ValueError):
        draw_sample(SamplingSpec(seed="s", sample_size=1), [Candidate(r) for r in refs])


# ---- worked example of docs/sampling.md ---------------------------------------------------------

EXAMPLE = [
    ("S-001", "White", "PC 101", True),
    ("S-002", "Black", "PC 102", True),
    ("S-003", "White", "PC 101", True),
    ("S-004", "Asian", "PC 103", True),
    ("S-005", "White", "PC 104", True),
    ("S-006", "Black", "PC 101", True),
    ("S-007", "White", None, True),
    ("S-008", "Asian", "PC 102", False),
    ("S-009", "White", "PC 102", True),
    ("S-010", "Black", "PC 105", True),
]
EXAMPLE_SPEC = SamplingSpec(
    seed="4 2 6 1 3 5", strata_field=FIELD, sample_size=5, max_per_officer=1, require_footage=True
)


def example_stops() -> list[Candidate]:
    return [stop(r, e, o, f) for r, e, o, f in EXAMPLE]


def test_worked_example_in_the_docs_is_what_the_code_does():
    result = draw_sample(EXAMPLE_SPEC, example_stops())
    assert result.quotas == {"Asian": 1, "Black": 2, "White": 2}
    assert result.selection == ("S-006", "S-007", "S-005", "S-002", "S-004")
    assert result.skipped_no_footage == ("S-008",)
    assert result.strata["White"].passed_over_cap == 3
    docs = DOCS.read_text(encoding="utf-8")
    assert result.population_digest in docs
    assert seed_commitment(EXAMPLE_SPEC.seed) in docs
    for ref, *_ in EXAMPLE:
        assert f"`{hmac_hex(EXAMPLE_SPEC.seed, ref)[:16]}` | {ref} |" in docs
    assert "**S-006, S-007, S-005, S-002, S-004**" in docs


# ---- allocation ---------------------------------------------------------------------------------


def test_proportional_floors_then_largest_remainders():
    # 10 * (50, 30, 20) / 100 exact; 7 * ... = 3.5, 2.1, 1.4 -> floors 3, 2, 1 (6); .5 is largest
    assert allocate_proportional(10, {"a": 50, "b": 30, "c": 20}) == {"a": 5, "b": 3, "c": 2}
    assert allocate_proportional(7, {"a": 50, "b": 30, "c": 20}) == {"a": 4, "b": 2, "c": 1}
    # 7 * (4, 3, 3) / 10 = 2.8, 2.1, 2.1: floors 6, the unit goes to .8
    assert allocate_proportional(7, {"x": 4, "y": 3, "z": 3}) == {"x": 3, "y": 2, "z": 2}


def test_proportional_ties_go_to_the_smaller_stratum_value():
    # 3 over three equal strata of 1: one each. 2 over three: fractions .667 each, ties by string order
    assert allocate_proportional(2, {"White": 1, "Black": 1, "Asian": 1}) == {"Asian": 1, "Black": 1, "White": 0}
    assert allocate_proportional(1, {"b": 5, "a": 5, "": 5, "B": 5}) == {"": 1, "B": 0, "a": 0, "b": 0}
    # code point order, not alphabetical-ignoring-case: "Z" < "a"
    assert allocate_proportional(1, {"a": 1, "Z": 1}) == {"Z": 1, "a": 0}


def test_proportional_edge_cases():
    assert allocate_proportional(0, {"a": 3, "b": 1}) == {"a": 0, "b": 0}
    assert allocate_proportional(5, {"a": 0, "b": 0}) == {"a": 0, "b": 0}
    assert allocate_proportional(5, {}) == {}
    assert allocate_proportional(30, {"a": 2, "b": 1}) == {"a": 20, "b": 10}  # more than there are
    with pytest.raises(ValueError):
        allocate_proportional(-1, {"a": 1})
    with pytest.raises(ValueError):
        allocate_proportional(1, {"a": -1})


@given(st.integers(0, 500), st.dictionaries(st.text(max_size=3), st.integers(0, 1000), max_size=8))
def test_proportional_sums_to_n_and_each_share_is_within_one_unit(n_sample, counts):
    quotas = allocate_proportional(n_sample, counts)
    assert list(quotas) == sorted(counts)
    total = sum(counts.values())
    if total:
        assert sum(quotas.values()) == n_sample
        for s, c in counts.items():
            assert abs(quotas[s] - Fraction(n_sample * c, total)) < 1
    else:
        assert set(quotas.values()) <= {0}


# ---- fixed quotas, strata, shortfall --------------------------------------------------------------


def population_of(sizes: dict[object, int], officers: int = 0) -> list[Candidate]:
    stops, i = [], 0
    for value, size in sizes.items():
        for _ in range(size):
            officer = f"PC {i % officers}" if officers else None
            stops.append(stop(f"R-{i:05d}", value, officer))
            i += 1
    return stops


def test_fixed_quotas_zero_for_unlisted_strata_and_absent_values_recorded():
    stops = population_of({"White": 20, "Black": 10, None: 5})
    spec = SamplingSpec(seed="s", strata_field=FIELD, allocation="fixed", quotas={"Black": 3, "Mixed": 2})
    result = draw_sample(spec, stops)
    assert result.quotas == {"": 0, "Black": 3, "Mixed": 2, "White": 0}
    assert len(result.selection) == 3
    assert all(r in {c.reference for c in stops[20:30]} for r in result.selection)
    mixed = result.strata["Mixed"]
    assert (mixed.population, mixed.quota, mixed.selected, mixed.shortfall) == (0, 2, 0, 2)
    assert result.shortfall == 2


def test_quota_larger_than_stratum_takes_all_and_records_shortfall():
    stops = population_of({"Asian": 2, "White": 50})
    spec = SamplingSpec(seed="s", strata_field=FIELD, allocation="fixed", quotas={"Asian": 5, "White": 5})
    result = draw_sample(spec, stops)
    assert result.strata["Asian"].selected == 2 and result.strata["Asian"].shortfall == 3
    assert len(result.selection) == 7


def test_missing_and_empty_values_are_one_stratum_and_booleans_read_as_text():
    stops = [stop("a", None), stop("b", ""), stop("c", True), stop("d", False), stop("e", "True")]
    result = draw_sample(SamplingSpec(seed="s", strata_field=FIELD, sample_size=0), stops)
    assert {v: s.population for v, s in result.strata.items()} == {"": 2, "False": 1, "True": 2}
    no_field = draw_sample(SamplingSpec(seed="s", sample_size=5), [Candidate("a"), Candidate("b")])
    assert list(no_field.strata) == [""] and no_field.quotas == {"": 5}


@pytest.mark.parametrize("value", [3, 2.5, ["x"]])
def test_non_text_stratum_values_are_refused(value):
    with pytest.raises(ValueError, match="stratum values"):
        draw_sample(SamplingSpec(seed="s", strata_field=FIELD, sample_size=1), [stop("a", value)])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seed": ""},
        {"sample_size": None},
        {"sample_size": -1},
        {"sample_size": True},
        {"sample_size": 3, "quotas": {"a": 1}},
        {"allocation": "fixed", "quotas": None},
        {"allocation": "fixed", "sample_size": 2, "quotas": {"": 2}},
        {"allocation": "fixed", "quotas": {"White": 2}},  # no strata field: only ""
        {"allocation": "fixed", "quotas": {"": -1}},
        {"allocation": "random", "sample_size": 1},
        {"sample_size": 1, "strata_field": "Officer-defined ethnicity"},
        {"sample_size": 1, "max_per_officer": 0},
        {"sample_size": 1, "require_footage": "yes"},
        {"sample_size": 1, "filters": {"since": datetime(2024, 1, 1)}},
    ],
)
def test_bad_specs_are_refused(kwargs):
    with pytest.raises(ValueError):
        SamplingSpec(**({"seed": "s"} | kwargs))


# ---- officer cap and footage ------------------------------------------------------------------------


def test_cap_counts_across_strata_in_string_order_of_stratum():
    # one officer made every stop; cap 1: the first stratum in string order ("Asian") gets them
    stops = [stop(f"A{i}", "Asian", "PC 1") for i in range(5)] + [stop(f"W{i}", "White", "PC 1") for i in range(5)]
    spec = SamplingSpec(seed="s", strata_field=FIELD, allocation="fixed", quotas={"Asian": 1, "White": 1},
                        max_per_officer=1)
    result = draw_sample(spec, stops)
    assert len(result.selection) == 1 and result.selection[0].startswith("A")
    assert result.strata["White"].shortfall == 1 and result.strata["White"].passed_over_cap == 5


def test_unknown_officers_are_not_capped_together():
    stops = [stop(f"U{i}", "x", None) for i in range(6)] + [stop(f"E{i}", "x", "") for i in range(6)]
    result = draw_sample(SamplingSpec(seed="s", sample_size=8, max_per_officer=1), stops)
    assert len(result.selection) == 8


def test_no_officer_exceeds_the_cap_and_the_walk_skips_to_the_next_stop():
    stops = population_of({"x": 400}, officers=3)
    result = draw_sample(SamplingSpec(seed="s", sample_size=10, max_per_officer=2), stops)
    assert len(result.selection) == 6 and result.shortfall == 4
    assert result.strata[""].passed_over_cap == 394  # walked the whole stratum


def test_require_footage_fills_the_quota_from_stops_with_footage_and_lists_the_others():
    seed = "footage"
    refs = sorted((f"F{i:02d}" for i in range(20)), key=lambda r: sampling_key(seed, r))
    missing = {refs[0], refs[2]}  # first and third in key order have no footage
    stops = [Candidate(r, None, r not in missing) for r in refs]
    result = draw_sample(SamplingSpec(seed=seed, sample_size=3, require_footage=True), stops)
    assert result.selection == (refs[1], refs[3], refs[4])
    assert result.skipped_no_footage == (refs[0], refs[2])
    # without the requirement the same stops are simply taken
    plain = draw_sample(SamplingSpec(seed=seed, sample_size=3), stops)
    assert plain.selection == tuple(refs[:3]) and plain.skipped_no_footage == ()


def test_stop_without_footage_does_not_use_up_its_officers_cap_and_capped_stops_are_not_findings():
    seed = "cap+footage"
    refs = sorted((f"G{i:02d}" for i in range(6)), key=lambda r: sampling_key(seed, r))
    stops = [
        Candidate(refs[0], "PC 7", False),  # no footage: listed, PC 7 still at 0
        Candidate(refs[1], "PC 7", True),  # selected, PC 7 now at 1
        Candidate(refs[2], "PC 7", False),  # PC 7 at cap: passed over, NOT a footage finding
        Candidate(refs[3], "PC 8", True),
        Candidate(refs[4], "PC 9", True),
        Candidate(refs[5], "PC 9", True),
    ]
    result = draw_sample(SamplingSpec(seed=seed, sample_size=3, max_per_officer=1, require_footage=True), stops)
    assert result.selection == (refs[1], refs[3], refs[4])
    assert result.skipped_no_footage == (refs[0],)


def test_deep_walks_widen_the_window_and_agree_with_a_full_sort():
    # cap 1 with few officers forces the walk far past the first 2q+16 keys, several widenings
    rng = random.Random(7)
    stops = [stop(f"D{i:05d}", rng.choice("ab"), f"PC {rng.randrange(40)}", rng.random() < 0.7) for i in range(5000)]
    for cap, footage in [(1, True), (1, False), (3, True)]:
        spec = SamplingSpec(seed="deep", strata_field=FIELD, sample_size=60, max_per_officer=cap,
                            require_footage=footage)
        result = draw_sample(spec, stops)
        assert (result.selection, result.skipped_no_footage, result.quotas) == naive_draw(spec, stops)


# ---- population input -----------------------------------------------------------------------------------


def test_population_columns_and_rows_give_the_same_result_as_candidates():
    stops = example_stops()
    rows = [(c.reference, c.officer, c.has_footage, c.fields[FIELD]) for c in stops]
    expected = draw_sample(EXAMPLE_SPEC, stops)
    assert draw_sample(EXAMPLE_SPEC, Population.from_rows(rows, FIELD)) == expected
    assert draw_sample(EXAMPLE_SPEC, Population.from_candidates(stops, FIELD)) == expected
    assert draw_sample(EXAMPLE_SPEC, Population.from_rows(iter([]), FIELD)).population_size == 0


def test_population_loaded_for_another_field_is_refused():
    population = Population.from_candidates(example_stops(), "gender")
    with pytest.raises(ValueError, match="strata field"):
        draw_sample(EXAMPLE_SPEC, population)
    with pytest.raises(ValueError):
        Population(FIELD, ["a"], [None], [True], None)
    with pytest.raises(ValueError):
        Population(None, ["a", "b"], [None], [True])


# ---- certificates and verification ---------------------------------------------------------------------


def certificate(spec: SamplingSpec = EXAMPLE_SPEC, stops: list[Candidate] | None = None) -> dict:
    stops = example_stops() if stops is None else stops
    cert = make_certificate(spec, draw_sample(spec, stops), "liaison.one", WHEN)
    return json.loads(json.dumps(cert))  # as read back from the file


def test_certificate_has_exactly_the_documented_fields():
    spec = replace(EXAMPLE_SPEC, filters={"month": "2024-04", "legislation": ["PACE s1"]})
    cert = make_certificate(spec, draw_sample(spec, example_stops()), "liaison.one",
                            WHEN.astimezone(timezone(timedelta(hours=1))))
    assert tuple(cert) == CERTIFICATE_KEYS
    assert set(cert) >= {"algorithm", "seed", "filters", "strata_field", "quotas", "population_size",
                         "population_digest", "selection", "skipped_no_footage", "created_at", "created_by"}
    assert cert["algorithm"] == ALGORITHM == "hmac-bottomk/1"
    assert cert["created_at"] == "2024-05-01T18:30:05Z"
    assert cert["filters"] == {"month": "2024-04", "legislation": ["PACE s1"]}
    assert cert["quotas"] == {"Asian": 1, "Black": 2, "White": 2}
    assert cert["selection"] == ["S-006", "S-007", "S-005", "S-002", "S-004"]
    assert (cert["allocation"], cert["sample_size"], cert["max_per_officer"], cert["require_footage"]) == (
        "proportional", 5, 1, True)
    assert json.loads(json.dumps(cert)) == cert
    assert spec_from_certificate(cert) == spec


def test_certificate_needs_an_aware_time_and_a_user():
    result = draw_sample(EXAMPLE_SPEC, example_stops())
    with pytest.raises(ValueError):
        make_certificate(EXAMPLE_SPEC, result, "liaison", datetime(2024, 5, 1))
    with pytest.raises(ValueError):
        make_certificate(EXAMPLE_SPEC, result, "", WHEN)


def test_verify_matches_its_own_certificate_and_fixed_quotas_round_trip():
    assert verify_certificate(certificate(), example_stops()).message == "MATCH"
    stops = population_of({"White": 30, "Black": 12, None: 4}, officers=5)
    spec = SamplingSpec(seed="fixed", strata_field=FIELD, allocation="fixed", quotas={"Black": 4, "Other": 1},
                        max_per_officer=2)
    cert = certificate(spec, stops)
    assert cert["quotas"] == {"": 0, "Black": 4, "Other": 1, "White": 0}
    assert spec_from_certificate(cert).quotas == cert["quotas"]
    outcome = verify_certificate(cert, list(reversed(stops)))
    assert outcome.match and outcome.difference is None and outcome.recomputed.selection == tuple(cert["selection"])


def test_verify_checks_the_published_commitment():
    cert = certificate()
    assert verify_certificate(cert, example_stops(), commitment=seed_commitment("4 2 6 1 3 5")).match
    outcome = verify_certificate(cert, example_stops(), commitment=seed_commitment("4 2 6 1 3 6"))
    assert not outcome.match and outcome.difference.startswith("seed does not match the published commitment")


def test_verify_names_a_changed_population():
    stops = example_stops()
    outcome = verify_certificate(certificate(), stops[:-1])
    assert not outcome.match
    assert re.fullmatch(
        r"population digest differs: certificate 0f42abea60e7… vs database [0-9a-f]{12}… \(population 10 vs 9\)",
        outcome.difference,
    )
    big = [Candidate(f"P-{i:05d}") for i in range(1204)]
    spec = SamplingSpec(seed="s", sample_size=3)
    assert "(population 1,204 vs 1,203)" in verify_certificate(certificate(spec, big), big[1:]).difference


def test_verify_names_a_tampered_size_quota_selection_or_skipped_list():
    stops = example_stops()
    cases = {
        "population_size": (11, "population size differs: certificate 11, database 10 (the digests agree)"),
        "quotas": ({"Asian": 1, "Black": 1, "White": 3},
                   "quota differs for stratum 'Black': certificate 1, recomputed 2"),
        "selection": (["S-006", "S-007", "S-009", "S-002", "S-004"],
                      "selection differs at position 3: certificate S-009, recomputed S-005"),
        "skipped_no_footage": ([], "skipped (no footage) list differs at position 1: certificate list ends "
                                   "after 0, recomputed S-008"),
    }
    for name, (value, sentence) in cases.items():
        cert = certificate() | {name: value}
        outcome = verify_certificate(cert, stops)
        assert (outcome.match, outcome.difference) == (False, sentence), name
        assert outcome.message == f"MISMATCH: {sentence}"
    shorter = certificate() | {"selection": ["S-006", "S-007", "S-005", "S-002"]}
    assert verify_certificate(shorter, stops).difference == (
        "selection differs at position 5: certificate list ends after 4, recomputed S-004")
    longer = certificate() | {"selection": ["S-006", "S-007", "S-005", "S-002", "S-004", "S-010"]}
    assert verify_certificate(longer, stops).difference == (
        "selection differs at position 6: certificate S-010, recomputed list ends after 5")
    extra_quota = certificate() | {"quotas": {"Asian": 1, "Black": 2, "White": 2, "Mixed": 0}}
    assert verify_certificate(extra_quota, stops).difference == (
        "quota differs for stratum 'Mixed': certificate 0, recomputed none")


def test_verify_with_a_different_seed_names_the_selection():
    outcome = verify_certificate(certificate() | {"seed": "4 2 6 1 3 6"}, example_stops())
    assert not outcome.match and outcome.difference.startswith(("selection differs", "quota"))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"algorithm": "hmac-bottomk/2"}, "algorithm"),
        ({"selection": "S-001"}, "'selection' is malformed"),
        ({"population_digest": "abc"}, "'population_digest' is malformed"),
        ({"quotas": {"White": -1}}, "'quotas' is malformed"),
        ({"seed": ""}, "seed"),
        ({"max_per_officer": 0}, "max_per_officer"),
        ({"allocation": "fixed"}, "fixed"),
    ],
)
def test_unreadable_certificates_raise(change, message):
    with pytest.raises(CertificateError, match=message):
        verify_certificate(certificate() | change, example_stops())


def test_certificate_missing_a_field_raises():
    cert = certificate()
    del cert["require_footage"]
    with pytest.raises(CertificateError, match="lacks 'require_footage'"):
        spec_from_certificate(cert)
    with pytest.raises(CertificateError):
        spec_from_certificate(["not", "a", "dict"])


# ---- the standalone script in the docs -----------------------------------------------------------------


def docs_script(tmp_path: Path) -> Path:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```python\n(# verify_sample\.py.*?)```", text, re.S)
    assert block, "verify_sample.py block missing from docs/sampling.md"
    path = tmp_path / "verify_sample.py"
    path.write_text(block.group(1), encoding="utf-8")
    return path


def run_docs_script(tmp_path: Path, cert: dict, stops: list[Candidate]) -> str:
    (tmp_path / "cert.json").write_text(json.dumps(cert, ensure_ascii=False), encoding="utf-8")
    with open(tmp_path / "population.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["reference", "officer", FIELD, "has_footage"])
        for c in stops:
            value = c.fields.get(FIELD)
            writer.writerow([c.reference, c.officer or "", "" if value is None else value,
                             "true" if c.has_footage else "false"])
    done = subprocess.run(
        [sys.executable, "-I", str(docs_script(tmp_path)),
         str(tmp_path / "cert.json"), str(tmp_path / "population.csv")],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return done.stdout


def test_docs_script_confirms_the_applications_certificates(tmp_path):
    rng = random.Random(3)
    stops = [stop(f"PUB-{i:05d}", rng.choice(["White", "Black", "Asian", "Other", None]),
                  rng.choice([None, *(f"PC {k}" for k in range(25))]), rng.random() < 0.9) for i in range(600)]
    specs = [
        EXAMPLE_SPEC,
        SamplingSpec(seed=generate_seed(), strata_field=FIELD, sample_size=37, max_per_officer=2, require_footage=True),
        SamplingSpec(seed="Łódź 6 6 1", strata_field=FIELD, allocation="fixed",
                     quotas={"Black": 9, "": 2, "Mixed": 1}, max_per_officer=1),
        SamplingSpec(seed="no strata", sample_size=12),
    ]
    for spec in specs:
        population = example_stops() if spec is EXAMPLE_SPEC else stops
        out = run_docs_script(tmp_path, certificate(spec, population), population)
        assert "digest OK" in out and "quotas: OK" in out and "selection: MATCH" in out, (spec, out)
    tampered = certificate(EXAMPLE_SPEC) | {"selection": ["S-006", "S-007", "S-009", "S-002", "S-004"]}
    assert "selection: DIFFERENT" in run_docs_script(tmp_path, tampered, example_stops())
    assert "digest DIFFERS" in run_docs_script(tmp_path, certificate(), example_stops()[1:])


# ---- properties -----------------------------------------------------------------------------------------

references = st.sets(st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)),
                             min_size=1, max_size=8), max_size=60)
strata_values = st.sampled_from(["White", "Black", "Asian", "", None])
officers = st.sampled_from([None, "", "PC 1", "PC 2", "PC 3", "PC 4"])


@st.composite
def populations(draw) -> list[Candidate]:
    refs = sorted(draw(references))
    return [Candidate(r, draw(officers), draw(st.booleans()), {FIELD: draw(strata_values)}) for r in refs]


@st.composite
def specs(draw) -> SamplingSpec:
    field = draw(st.sampled_from([None, FIELD]))
    common = dict(
        seed=draw(st.text(min_size=1, max_size=12)),
        strata_field=field,
        max_per_officer=draw(st.none() | st.integers(1, 4)),
        require_footage=draw(st.booleans()),
    )
    if draw(st.booleans()):
        return SamplingSpec(**common, sample_size=draw(st.integers(0, 30)))
    names = ["White", "Black", "Asian", "", "Mixed"] if field else [""]
    quotas = draw(st.dictionaries(st.sampled_from(names), st.integers(0, 12), max_size=5))
    return SamplingSpec(**common, allocation="fixed", quotas=quotas)


@settings(max_examples=300, deadline=None)
@given(specs(), populations())
def test_agrees_with_the_naive_implementation(spec, stops):
    result = draw_sample(spec, stops)
    assert (result.selection, result.skipped_no_footage, result.quotas) == naive_draw(spec, stops)


@settings(max_examples=200, deadline=None)
@given(specs(), populations(), st.randoms(use_true_random=False))
def test_invariants(spec, stops, rng):
    result = draw_sample(spec, stops)
    by_ref = {c.reference: c for c in stops}
    selected = [by_ref[r] for r in result.selection]
    # ascending keys, no repeats, nothing both selected and skipped
    assert list(result.selection) == sorted(result.selection, key=lambda r: sampling_key(spec.seed, r))
    assert len(set(result.selection)) == len(result.selection)
    assert not set(result.selection) & set(result.skipped_no_footage)
    # no officer above the cap
    if spec.max_per_officer:
        counts: dict[str, int] = {}
        for c in selected:
            if c.officer:
                counts[c.officer] = counts.get(c.officer, 0) + 1
        assert max(counts.values(), default=0) <= spec.max_per_officer
    # footage rules
    if spec.require_footage:
        assert all(c.has_footage for c in selected)
        assert not any(by_ref[r].has_footage for r in result.skipped_no_footage)
    else:
        assert result.skipped_no_footage == ()
    # per-stratum bookkeeping adds up; a short stratum has nothing usable left
    assert sum(s.selected for s in result.strata.values()) == len(result.selection)
    assert {v: s.quota for v, s in result.strata.items()} == result.quotas
    for s in result.strata.values():
        assert 0 <= s.selected <= s.quota
    final = {}
    for c in selected:
        final[c.officer] = final.get(c.officer, 0) + 1
    chosen = set(result.selection)
    for c in stops:
        value = c.fields[FIELD] if spec.strata_field else ""
        if result.strata[value or ""].shortfall and c.reference not in chosen:
            at_cap = bool(spec.max_per_officer and c.officer and final.get(c.officer, 0) >= spec.max_per_officer)
            assert at_cap or (spec.require_footage and not c.has_footage)
    # deterministic, and independent of the order the stops arrive in
    shuffled = list(stops)
    rng.shuffle(shuffled)
    assert draw_sample(spec, shuffled) == result
    assert result.population_digest == population_digest(c.reference for c in shuffled)
    # the certificate always verifies
    cert = json.loads(json.dumps(make_certificate(spec, result, "prop", WHEN)))
    assert verify_certificate(cert, shuffled).match


@settings(max_examples=200, deadline=None)
@given(specs(), populations())
def test_quotas_are_met_whenever_enough_stops_are_eligible(spec, stops):
    spec = replace(spec, max_per_officer=None, require_footage=False)
    result = draw_sample(spec, stops)
    for s in result.strata.values():
        assert s.selected == min(s.quota, s.population)
    if all(s.population >= s.quota for s in result.strata.values()):
        assert len(result.selection) == sum(result.quotas.values())
        if spec.allocation == "proportional" and stops:
            assert len(result.selection) == spec.sample_size


def test_different_seeds_usually_give_different_selections():
    stops = [Candidate(f"S-{i:04d}") for i in range(200)]
    base = draw_sample(SamplingSpec(seed="seed 0", sample_size=10), stops).selection
    others = [draw_sample(SamplingSpec(seed=f"seed {k}", sample_size=10), stops).selection for k in range(1, 101)]
    assert sum(o != base for o in others) >= 99
    assert len({frozenset(o) for o in others}) >= 99


def test_large_population_is_fast_enough_to_run_in_the_suite():
    rng = random.Random(1)
    n = 100_000
    population = Population(FIELD, [f"L-{i:06d}" for i in range(n)],
                            [f"PC {rng.randrange(3000)}" for _ in range(n)], [True] * n,
                            [rng.choice(["a", "b", "c"]) for _ in range(n)])
    spec = SamplingSpec(seed="speed", strata_field=FIELD, sample_size=40, max_per_officer=2)
    result = draw_sample(spec, population)
    assert len(result.selection) == 40
