"""Sampling certificate: every field needed to recompute the sample, and how to do it."""

from __future__ import annotations

import hashlib
import hmac

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reviewtool.reports.base import (
    CONTENT_WIDTH,
    RenderedReport,
    build_pdf,
    data_table,
    document_control,
    heading,
    key_values,
    label,
    london,
    para,
    title_block,
)
from reviewtool.reports.data import SamplingCertificate

TITLE = "Sampling certificate"
_KEYS = 40 * mm  # wide enough for "Published commitment" on one line

_HOW_TO_VERIFY = (
    "Anyone holding this certificate and the same stop records can check the sample. "
    "<b>With reviewtool:</b> <i>reviewtool sample verify CERTIFICATE.json</i> draws it again and prints "
    "MATCH, or names the first difference. <b>By hand:</b> (1) the SHA-256 of the seed text (UTF-8) "
    "must equal the commitment published before the meeting; (2) take the references of every stop "
    "that passes the filters, sort them, join them with line feeds: their SHA-256 must equal the "
    "population digest; (3) each stop's key is HMAC-SHA256 with the seed's UTF-8 as the key and the "
    "reference's UTF-8 as the message, read as a big-endian number (the first digits are printed "
    "beside each selected stop); (4) in each stratum, in ascending order of stratum value, take stops in "
    "ascending key order, passing over a stop whose officer already has the maximum and, when footage is "
    "required, listing a stop without footage as skipped, until the quota is met. Proportional quotas "
    "are the sample size times the stratum's share of the population, rounded down, the places left "
    "going to the largest remainders (ties to the smaller stratum value)."
)


def seed_commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


NO_COMMITMENT = "No commitment recorded in reviewtool"
MATCHES = "matches the seed"
DOES_NOT_MATCH = "does NOT match the seed"


def normalised_commitment(text: str) -> str:
    """A commitment as pasted (perhaps grouped in eights, over two lines, in capitals) as 64 hex digits."""
    return "".join(text.split()).lower()


def commitment_check(seed: str, published: str) -> str:
    """`NO_COMMITMENT`, `MATCHES` or `DOES_NOT_MATCH`: the published commitment against the seed.

    reviewtool records no commitment of its own (there is nowhere to keep one with a sampling run), so
    "none recorded" says only that nobody gave one to reviewtool, not that none was published."""
    published = normalised_commitment(published)
    if not published:
        return NO_COMMITMENT
    return MATCHES if published == seed_commitment(seed) else DOES_NOT_MATCH


def commitment_rows(seed: str, published: str) -> list[tuple[str, str]]:
    """The seed's commitment and the published one with the check, as rows for a key-value block."""
    if not seed:
        return [("Seed commitment", "No recorded draw: there is no seed to check")]
    check = commitment_check(seed, published)
    if check == NO_COMMITMENT:
        shown = (f"{NO_COMMITMENT}. If one was published before the meeting, it must equal the seed "
                 "commitment above.")
    elif check == MATCHES:
        shown = f"{normalised_commitment(published)}\nChecked: it {MATCHES}."
    else:
        shown = (f"{normalised_commitment(published)}\nChecked: it {DOES_NOT_MATCH}. The seed used is not "
                 "the one committed to before the meeting; ask the liaison officer why.")
    return [("Seed commitment", f"{seed_commitment(seed)}\nthe SHA-256 of the seed"),
            ("Published commitment", shown)]


def _key_prefix(seed: str, reference: str) -> str:
    return hmac.new(seed.encode("utf-8"), reference.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def render_sampling_certificate(cert: SamplingCertificate) -> RenderedReport:
    story: list[Flowable] = [
        *title_block(TITLE, f"Drawn {london(cert.created_at)} by {cert.created_by}"),
        *document_control(cert.meta, [("Certificate file", cert.certificate_sha256)]),
        heading("Draw"),
        key_values([
            ("Algorithm", cert.algorithm),
            ("Seed", cert.seed),
            *commitment_rows(cert.seed, cert.published_commitment),
            ("Created", f"{london(cert.created_at)}, by {cert.created_by}"),
        ], key_width=_KEYS),
        heading("Population"),
        key_values([
            ("Eligible stops", str(cert.population_size)),
            ("Population digest", cert.population_digest),
        ], key_width=_KEYS),
        Spacer(1, 2 * mm),
        _filters(cert),
        heading("Strata and quotas"),
        key_values([
            ("Stratified by", cert.strata_field or "Not stratified (one stratum)"),
            ("Allocation", _allocation(cert)),
            ("Per-officer cap", "None" if cert.max_per_officer is None else f"{cert.max_per_officer} stops"),
            ("Footage", "Required: stops without footage are skipped and listed below"
                        if cert.require_footage else "Not required"),
        ], key_width=_KEYS),
        Spacer(1, 2 * mm),
        _quotas(cert),
        heading("Selection, in order drawn"),
        _selection(cert),
        heading("Skipped: no footage"),
        _skipped(cert),
        heading("How to verify"),
        label(_HOW_TO_VERIFY, "Body"),
    ]
    return build_pdf(cert.meta, TITLE, story)


def _allocation(cert: SamplingCertificate) -> str:
    if cert.allocation == "proportional" and cert.sample_size is not None:
        return f"Proportional, sample size {cert.sample_size}"
    return cert.allocation.capitalize()


def _filters(cert: SamplingCertificate) -> Flowable:
    widths = [50 * mm, CONTENT_WIDTH - 50 * mm]
    return data_table(["Filter", "Value"], [list(pair) for pair in cert.filters], widths,
                      empty="No filters: every stop on record was eligible.")


def _quotas(cert: SamplingCertificate) -> Flowable:
    widths = [26 * mm, 26 * mm, 26 * mm]
    widths.insert(0, CONTENT_WIDTH - sum(widths))
    rows = [[q.value or "(no value recorded)", "—" if q.population is None else str(q.population), str(q.quota),
             "—" if q.selected is None else str(q.selected)] for q in cert.quotas]
    return data_table(["Stratum", "Eligible", "Quota", "Selected"], rows, widths,
                      empty="No quotas recorded.")


def _selection(cert: SamplingCertificate) -> Flowable:
    widths = [12 * mm, 48 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    rows = [[str(n), reference, _key_prefix(cert.seed, reference) + "…"]
            for n, reference in enumerate(cert.selection, start=1)]
    return data_table(["#", "Reference", "Key (first 16 hex digits)"], rows, widths,
                      empty="No stops were selected.")


def _skipped(cert: SamplingCertificate) -> Flowable:
    if not cert.skipped_no_footage:
        return para("None: every stop reached by the draw had footage."
                    if cert.require_footage else "Footage was not required for this draw.", "Small")
    return para(", ".join(cert.skipped_no_footage), "Body")
