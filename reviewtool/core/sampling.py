"""Verifiable random sampling, algorithm ``hmac-bottomk/1`` (DESIGN.md section 7, docs/sampling.md).

The whole point of this module is that anyone holding the seed and the list of eligible stops can
recompute the sample with a few lines of standard-library Python, so it deals in plain data only:
the caller applies the filters (in the database) and hands over the eligible stops; we rank them by
``HMAC-SHA256(seed, reference)`` and walk each stratum in that order.

Decisions fixed here (and in docs/sampling.md, which a panel member can follow by hand):

* Keys are compared as 32-byte strings. For a fixed-length big-endian number that is the same order
  as the integer, so no conversion is needed.
* Strata are processed in ascending string order of their value; the per-officer cap counts stops
  across all strata, so that order matters and is part of the algorithm.
* A stop whose officer already has ``max_per_officer`` selected stops is passed over. A stop with no
  officer (``None`` or ``""``) is never capped: each unknown officer is counted as a different person.
* With ``require_footage`` the quota counts stops *with* footage. A stop without footage that the
  walk reaches (and that the cap did not pass over) is listed in ``skipped_no_footage`` -- a finding
  for the panel -- does not count toward its officer's cap, and the walk goes on to the next stop.
* A stratum with fewer usable stops than its quota gives all it has; the shortfall is recorded.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from operator import eq
from types import MappingProxyType
from typing import Any, Iterable, Literal, Mapping, Sequence

ALGORITHM = "hmac-bottomk/1"
ALLOCATIONS = ("proportional", "fixed")

#: Keys of a certificate, in the order they are written.
CERTIFICATE_KEYS = (
    "algorithm",
    "seed",
    "filters",
    "strata_field",
    "allocation",
    "sample_size",
    "quotas",
    "max_per_officer",
    "require_footage",
    "population_size",
    "population_digest",
    "selection",
    "skipped_no_footage",
    "created_at",
    "created_by",
)

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_EMPTY: Mapping[str, object] = MappingProxyType({})


def _sha256_for_pads():
    # CPython's own SHA-256 copies a context with a memcpy; OpenSSL 3's EVP copy costs more than the
    # hashing of one short reference, and the loop below copies two contexts per stop. Both give the
    # same digests (test_sampling checks every key against the hmac module), so this is speed only.
    for module in ("_sha2", "_sha256"):
        try:
            return __import__(module).sha256
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256


_SHA256 = _sha256_for_pads()


class CertificateError(ValueError):
    """The certificate cannot be read (missing or malformed field, unknown algorithm)."""


# --------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True, slots=True)
class Candidate:
    """One eligible stop. ``fields`` holds stop fields by snake_case name (only the strata field is read)."""

    reference: str
    officer: str | None = None
    has_footage: bool = False
    fields: Mapping[str, object] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class Population:
    """The eligible stops as parallel columns: the fast path for a million rows from the database.

    ``strata_values[i]`` is the value of ``strata_field`` for stop ``i`` (text, ``None`` or a
    tri-state boolean, which becomes ``"True"``/``"False"`` as in the public CSV).
    """

    strata_field: str | None
    references: Sequence[str]
    officers: Sequence[str | None]
    has_footage: Sequence[bool]
    strata_values: Sequence[object] | None = None

    def __post_init__(self) -> None:
        n = len(self.references)
        if len(self.officers) != n or len(self.has_footage) != n:
            raise ValueError("population columns differ in length")
        if self.strata_field is None:
            if self.strata_values is not None:
                raise ValueError("strata values given without a strata field")
        else:
            _check_field_name(self.strata_field)
            if self.strata_values is None or len(self.strata_values) != n:
                raise ValueError("one strata value per stop is needed")

    def __len__(self) -> int:
        return len(self.references)

    @classmethod
    def from_candidates(cls, candidates: Iterable[Candidate], strata_field: str | None) -> Population:
        stops = list(candidates)
        return cls(
            strata_field,
            [c.reference for c in stops],
            [c.officer for c in stops],
            [c.has_footage for c in stops],
            None if strata_field is None else [c.fields.get(strata_field) for c in stops],
        )

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]], strata_field: str | None) -> Population:
        """Rows of ``(reference, officer, has_footage, strata_value)``, e.g. straight from a query.

        The fourth item is ignored when ``strata_field`` is None.
        """
        columns = [list(c) for c in zip(*rows)] or [[], [], [], []]
        if len(columns) != 4:
            raise ValueError("each row must be (reference, officer, has_footage, strata_value)")
        refs, officers, footage, values = columns
        return cls(strata_field, refs, officers, footage, None if strata_field is None else values)


@dataclass(frozen=True)
class SamplingSpec:
    """What the liaison officer (or the panel) chose. Everything needed to recompute the sample."""

    seed: str
    strata_field: str | None = None
    allocation: Literal["proportional", "fixed"] = "proportional"
    sample_size: int | None = None
    quotas: Mapping[str, int] | None = None
    max_per_officer: int | None = None
    require_footage: bool = False
    filters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, str) or not self.seed:
            raise ValueError("the seed must be non-empty text")
        if self.strata_field is not None:
            _check_field_name(self.strata_field)
        if self.allocation == "proportional":
            if not _is_count(self.sample_size):
                raise ValueError("proportional allocation needs a sample size (a whole number >= 0)")
            if self.quotas:
                raise ValueError("fixed quotas given with proportional allocation")
            object.__setattr__(self, "quotas", None)
        elif self.allocation == "fixed":
            if self.sample_size is not None:
                raise ValueError("fixed allocation takes quotas, not a sample size")
            if self.quotas is None:
                raise ValueError("fixed allocation needs quotas (stratum value -> number)")
            for value, quota in self.quotas.items():
                if not isinstance(value, str) or not _is_count(quota):
                    raise ValueError(f"bad quota {value!r}={quota!r}: need text = whole number >= 0")
            if self.strata_field is None and set(self.quotas) - {""}:
                raise ValueError('without a strata field the only stratum is "" (all stops)')
            object.__setattr__(self, "quotas", dict(sorted(self.quotas.items())))
        else:
            raise ValueError(f"allocation must be one of {ALLOCATIONS}, not {self.allocation!r}")
        cap = self.max_per_officer
        if cap is not None and (not _is_count(cap) or cap < 1):
            raise ValueError("max_per_officer must be a whole number >= 1 (or None for no cap)")
        if not isinstance(self.require_footage, bool):
            raise ValueError("require_footage must be True or False")
        try:  # recorded verbatim in the certificate, so it must be plain JSON data
            filters = json.loads(json.dumps(dict(self.filters)))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"filters must be plain JSON data: {exc}") from None
        object.__setattr__(self, "filters", filters)


# --------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class StratumOutcome:
    value: str
    population: int  # eligible stops in the stratum (with or without footage)
    quota: int
    selected: int
    skipped_no_footage: int  # reached by the walk but without footage
    passed_over_cap: int  # reached by the walk, officer already at the cap

    @property
    def shortfall(self) -> int:
        return self.quota - self.selected


@dataclass(frozen=True)
class SampleResult:
    selection: tuple[str, ...]  # ascending key order, across strata
    skipped_no_footage: tuple[str, ...]  # ascending key order, across strata
    quotas: dict[str, int]  # every stratum present or given a quota, in string order
    population_size: int
    population_digest: str
    strata: dict[str, StratumOutcome]

    @property
    def shortfall(self) -> int:
        return sum(s.shortfall for s in self.strata.values())


@dataclass(frozen=True)
class VerifyResult:
    match: bool
    difference: str | None  # the first difference, as a sentence; None on a match
    recomputed: SampleResult | None = None

    @property
    def message(self) -> str:
        return "MATCH" if self.match else f"MISMATCH: {self.difference}"


# --------------------------------------------------------------------------------------------------
# The algorithm


def generate_seed() -> str:
    """16 random bytes as 32 hex digits. The *text* is the seed: its UTF-8 (32 bytes) is the key."""
    return secrets.token_hex(16)


def seed_commitment(seed: str) -> str:
    """SHA-256 (hex) of the seed's UTF-8, to publish before the meeting."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def sampling_key(seed: str, reference: str) -> int:
    """The rank of one stop: HMAC-SHA256(seed, reference) as a big-endian integer (smallest first)."""
    return int.from_bytes(_keys(seed, [reference])[0], "big")


def population_digest(references: Iterable[str]) -> str:
    """SHA-256 hex of the references sorted by code point, joined by "\\n", as UTF-8.

    Raises ValueError for an empty, duplicate or multi-line reference: each would make the digest
    or the ranking ambiguous.
    """
    return _digest_sorted(sorted(references))


def allocate_proportional(sample_size: int, counts: Mapping[str, int]) -> dict[str, int]:
    """Largest-remainder allocation of ``sample_size`` over strata of ``counts[s]`` stops.

    Each stratum gets ``floor(N * n_s / n)``; the units still missing go one each to the largest
    fractional parts, ties to the smaller stratum value in string order. Exact integer arithmetic.
    """
    if not _is_count(sample_size):
        raise ValueError("sample size must be a whole number >= 0")
    if any(not _is_count(c) for c in counts.values()):
        raise ValueError("stratum counts must be whole numbers >= 0")
    total = sum(counts.values())
    if total == 0:
        return {s: 0 for s in sorted(counts)}
    quotas = {s: sample_size * c // total for s, c in counts.items()}
    remainders = {s: sample_size * c % total for s, c in counts.items()}  # fraction = remainder/total
    missing = sample_size - sum(quotas.values())
    for s in sorted(counts, key=lambda s: (-remainders[s], s))[:missing]:
        quotas[s] += 1
    return dict(sorted(quotas.items()))


def draw_sample(spec: SamplingSpec, candidates: Population | Iterable[Candidate]) -> SampleResult:
    """Draw the sample from the eligible stops (the caller has applied ``spec.filters``)."""
    if isinstance(candidates, Population):
        population = candidates
        if population.strata_field != spec.strata_field:
            raise ValueError(
                f"population was loaded for strata field {population.strata_field!r}, "
                f"the spec stratifies by {spec.strata_field!r}"
            )
    else:
        population = Population.from_candidates(candidates, spec.strata_field)

    refs = population.references
    digest = population_digest(refs)
    keys = _keys(spec.seed, refs)
    groups = _strata(population.strata_values, len(refs))
    counts = {value: len(members) for value, members in groups.items()}
    if spec.allocation == "proportional":
        quotas = allocate_proportional(spec.sample_size, counts)
    else:
        quotas = dict(sorted(({v: 0 for v in counts} | dict(spec.quotas)).items()))

    officers, footage = population.officers, population.has_footage
    cap, require_footage = spec.max_per_officer, spec.require_footage
    per_officer: dict[str, int] = {}
    chosen: list[tuple[bytes, str]] = []
    no_footage: list[tuple[bytes, str]] = []
    outcomes: dict[str, StratumOutcome] = {}
    for value, quota in quotas.items():  # string order of the stratum value
        members = groups.get(value, ())
        selected = skipped = passed_over = 0
        if quota:
            for key, i in _ascending(keys, members, quota):
                officer = officers[i] or None
                if cap is not None and officer is not None and per_officer.get(officer, 0) >= cap:
                    passed_over += 1
                    continue
                if require_footage and not footage[i]:
                    no_footage.append((key, refs[i]))
                    skipped += 1
                    continue
                chosen.append((key, refs[i]))
                selected += 1
                if officer is not None:
                    per_officer[officer] = per_officer.get(officer, 0) + 1
                if selected == quota:
                    break
        outcomes[value] = StratumOutcome(value, len(members), quota, selected, skipped, passed_over)
    chosen.sort()
    no_footage.sort()
    return SampleResult(
        selection=tuple(ref for _, ref in chosen),
        skipped_no_footage=tuple(ref for _, ref in no_footage),
        quotas=quotas,
        population_size=len(refs),
        population_digest=digest,
        strata=outcomes,
    )


# --------------------------------------------------------------------------------------------------
# Certificates


def make_certificate(
    spec: SamplingSpec, result: SampleResult, created_by: str, created_at: datetime
) -> dict[str, Any]:
    """The certificate as plain JSON data; with the population it is enough to recompute the sample."""
    if not isinstance(created_by, str) or not created_by:
        raise ValueError("created_by must name who ran the sampling")
    if not isinstance(created_at, datetime) or created_at.utcoffset() is None:
        raise ValueError("created_at must be a timezone-aware datetime")
    values = {
        "algorithm": ALGORITHM,
        "seed": spec.seed,
        "filters": json.loads(json.dumps(spec.filters)),
        "strata_field": spec.strata_field,
        "allocation": spec.allocation,
        "sample_size": spec.sample_size,
        "quotas": dict(result.quotas),
        "max_per_officer": spec.max_per_officer,
        "require_footage": spec.require_footage,
        "population_size": result.population_size,
        "population_digest": result.population_digest,
        "selection": list(result.selection),
        "skipped_no_footage": list(result.skipped_no_footage),
        "created_at": created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_by": created_by,
    }
    return {k: values[k] for k in CERTIFICATE_KEYS}


def spec_from_certificate(cert: Mapping[str, Any]) -> SamplingSpec:
    """Rebuild the spec a certificate was drawn with. Raises CertificateError if it cannot be read."""
    _check_certificate(cert)
    allocation = cert["allocation"]
    try:
        return SamplingSpec(
            seed=cert["seed"],
            strata_field=cert["strata_field"],
            allocation=allocation,
            sample_size=cert["sample_size"],
            quotas=cert["quotas"] if allocation == "fixed" else None,
            max_per_officer=cert["max_per_officer"],
            require_footage=cert["require_footage"],
            filters=cert["filters"],
        )
    except ValueError as exc:
        raise CertificateError(f"certificate: {exc}") from None


def verify_certificate(
    cert: Mapping[str, Any],
    candidates: Population | Iterable[Candidate],
    *,
    commitment: str | None = None,
) -> VerifyResult:
    """Recompute the sample from the certificate and the eligible stops now in the database.

    ``candidates`` must be the stops matching the certificate's filters. ``commitment``, if given,
    is the seed commitment published before the meeting. Returns the first difference found, in the
    order: seed commitment, population, quotas, selection, skipped stops.
    """
    spec = spec_from_certificate(cert)
    if commitment is not None and seed_commitment(spec.seed) != commitment.strip().lower():
        return VerifyResult(
            False,
            f"seed does not match the published commitment: commitment {_short(commitment)}, "
            f"SHA-256 of the certificate's seed {_short(seed_commitment(spec.seed))}",
        )
    result = draw_sample(spec, candidates)
    if result.population_digest != cert["population_digest"]:
        return VerifyResult(
            False,
            f"population digest differs: certificate {_short(cert['population_digest'])} vs "
            f"database {_short(result.population_digest)} "
            f"(population {cert['population_size']:,} vs {result.population_size:,})",
            result,
        )
    if result.population_size != cert["population_size"]:
        return VerifyResult(
            False,
            f"population size differs: certificate {cert['population_size']:,}, "
            f"database {result.population_size:,} (the digests agree)",
            result,
        )
    for value in sorted(set(cert["quotas"]) | set(result.quotas)):
        stated, recomputed = cert["quotas"].get(value), result.quotas.get(value)
        if stated != recomputed:
            return VerifyResult(
                False,
                f"quota differs for stratum {value!r}: certificate {_count_or_none(stated)}, "
                f"recomputed {_count_or_none(recomputed)}",
                result,
            )
    for name, label in (("selection", "selection"), ("skipped_no_footage", "skipped (no footage) list")):
        difference = _first_difference(label, cert[name], getattr(result, name))
        if difference:
            return VerifyResult(False, difference, result)
    return VerifyResult(True, None, result)


# --------------------------------------------------------------------------------------------------
# Internals


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_field_name(name: object) -> None:
    if not isinstance(name, str) or not _FIELD_NAME.match(name):
        raise ValueError(f"strata field must be a snake_case stop field name, not {name!r}")


def _keys(seed: str, references: Iterable[str]) -> list[bytes]:
    """HMAC-SHA256 (RFC 2104) of each reference, with the pads hashed once instead of per stop."""
    secret = seed.encode("utf-8")
    if len(secret) > 64:  # the SHA-256 block size; longer keys are hashed first (RFC 2104)
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(64, b"\0")
    inner_copy = _SHA256(bytes(b ^ 0x36 for b in secret)).copy
    outer_copy = _SHA256(bytes(b ^ 0x5C for b in secret)).copy
    keys: list[bytes] = []
    append = keys.append
    for reference in references:
        inner = inner_copy()
        inner.update(reference.encode())  # UTF-8; the argument-free call is measurably faster
        outer = outer_copy()
        outer.update(inner.digest())
        append(outer.digest())
    return keys


def _digest_sorted(ordered: Sequence[str]) -> str:
    """Digest of already sorted references, checking the things that would make it ambiguous."""
    if ordered and (not isinstance(ordered[0], str) or not ordered[0]):
        raise ValueError(f"a stop reference must be non-empty text, not {ordered[0]!r}")
    if any(map(eq, ordered, islice(ordered, 1, None))):
        duplicate = next(a for a, b in zip(ordered, islice(ordered, 1, None)) if a == b)
        raise ValueError(f"stop reference {duplicate!r} occurs more than once in the population")
    joined = "\n".join(ordered)
    if joined.count("\n") != max(len(ordered) - 1, 0):
        raise ValueError("a stop reference contains a line break")
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _stratum_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    raise ValueError(f"stratum values must be text, None or True/False, not {value!r}")


def _strata(values: Sequence[object] | None, n: int) -> dict[str, Sequence[int]]:
    """Indices of the stops in each stratum, keyed by the stratum's text."""
    if values is None:
        return {"": range(n)} if n else {}
    raw: dict[object, list[int]] = {}
    try:
        for i, value in enumerate(values):
            members = raw.get(value)
            if members is None:
                raw[value] = members = []
            members.append(i)
    except TypeError:  # unhashable value
        raise ValueError(f"stratum values must be text, None or True/False, not {value!r}") from None
    groups: dict[str, list[int]] = {}
    for value, members in raw.items():
        text = _stratum_text(value)
        groups[text] = groups[text] + members if text in groups else members  # None joins ""
    return groups


def _ascending(keys: list[bytes], members: Sequence[int], wanted: int):
    """Yield (key, index) for the members in ascending key order, without sorting all of them.

    Usually only a few more than ``wanted`` are needed, so take the k smallest (one linear pass) and
    widen k fourfold only when the cap or missing footage used them up. Keys are unique (references
    are), so the k smallest are always a prefix of the 4k smallest.
    """
    if isinstance(members, range) and len(members) == len(keys):
        pairs = lambda: zip(keys, members)  # noqa: E731  (whole population, no indirection)
    else:
        pairs = lambda: zip(map(keys.__getitem__, members), members)  # noqa: E731
    done, k = 0, 2 * wanted + 16
    while 4 * k < len(members):
        batch = heapq.nsmallest(k, pairs())
        yield from islice(batch, done, None)
        done, k = k, 4 * k
    yield from islice(sorted(pairs()), done, None)


def _short(hex_digest: str) -> str:
    return f"{hex_digest[:12]}…"


def _count_or_none(value: int | None) -> str:
    return "none" if value is None else str(value)


def _first_difference(label: str, stated: Sequence[str], recomputed: Sequence[str]) -> str | None:
    for position, (a, b) in enumerate(zip(stated, recomputed), start=1):
        if a != b:
            return f"{label} differs at position {position}: certificate {a}, recomputed {b}"
    if len(stated) > len(recomputed):
        position = len(recomputed) + 1
        return (
            f"{label} differs at position {position}: certificate {stated[position - 1]}, "
            f"recomputed list ends after {len(recomputed)}"
        )
    if len(recomputed) > len(stated):
        position = len(stated) + 1
        return (
            f"{label} differs at position {position}: certificate list ends after {len(stated)}, "
            f"recomputed {recomputed[position - 1]}"
        )
    return None


def _check_certificate(cert: Mapping[str, Any]) -> None:
    if not isinstance(cert, Mapping):
        raise CertificateError("certificate: not a JSON object")
    missing = [k for k in CERTIFICATE_KEYS if k not in cert]
    if missing:
        raise CertificateError(f"certificate lacks {', '.join(map(repr, missing))}")
    if cert["algorithm"] != ALGORITHM:
        raise CertificateError(
            f"certificate uses algorithm {cert['algorithm']!r}; this tool implements {ALGORITHM!r}"
        )
    checks = {
        "quotas": isinstance(cert["quotas"], Mapping)
        and all(isinstance(k, str) and _is_count(v) for k, v in cert["quotas"].items()),
        "filters": isinstance(cert["filters"], Mapping),
        "population_size": _is_count(cert["population_size"]),
        "population_digest": isinstance(cert["population_digest"], str)
        and bool(_HEX64.match(cert["population_digest"])),
        "selection": isinstance(cert["selection"], list)
        and all(isinstance(r, str) for r in cert["selection"]),
        "skipped_no_footage": isinstance(cert["skipped_no_footage"], list)
        and all(isinstance(r, str) for r in cert["skipped_no_footage"]),
    }
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        raise CertificateError(f"certificate field {bad[0]!r} is malformed")


__all__ = [
    "ALGORITHM",
    "CERTIFICATE_KEYS",
    "Candidate",
    "CertificateError",
    "Population",
    "SampleResult",
    "SamplingSpec",
    "StratumOutcome",
    "VerifyResult",
    "allocate_proportional",
    "draw_sample",
    "generate_seed",
    "make_certificate",
    "population_digest",
    "sampling_key",
    "seed_commitment",
    "spec_from_certificate",
    "verify_certificate",
]
