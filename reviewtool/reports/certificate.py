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


def commitment_text(seed: str, published: str) -> str:
    """The seed's commitment, compared with the one published before the meeting when there was one."""
    computed = seed_commitment(seed)
    if not published.strip():
        return f"{computed} (SHA-256 of the seed; no commitment was published in advance)"
    if published.strip().lower() == computed:
        return f"{computed} (matches the commitment published in advance)"
    return f"DOES NOT MATCH: published {published.strip()}, SHA-256 of the seed {computed}"


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
            ("Seed commitment", commitment_text(cert.seed, cert.published_commitment)),
            ("Created", f"{london(cert.created_at)}, by {cert.created_by}"),
        ], key_width=34 * mm),
        heading("Population"),
        key_values([
            ("Eligible stops", str(cert.population_size)),
            ("Population digest", cert.population_digest),
        ], key_width=34 * mm),
        Spacer(1, 2 * mm),
        _filters(cert),
        heading("Strata and quotas"),
        key_values([
            ("Stratified by", cert.strata_field or "Not stratified (one stratum)"),
            ("Allocation", _allocation(cert)),
            ("Per-officer cap", "None" if cert.max_per_officer is None else f"{cert.max_per_officer} stops"),
            ("Footage", "Required: stops without footage are skipped and listed below"
                        if cert.require_footage else "Not required"),
        ], key_width=34 * mm),
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
