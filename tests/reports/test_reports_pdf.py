"""Render every report and read it back with pdftotext (poppler-utils, a system dependency)."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import subprocess
from enum import Enum
from pathlib import Path

import pytest

from reportlab.platypus import PageBreak

from reviewtool.reports.base import (
    DRAFT_MARKING,
    MARGIN_X,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PROTECTIVE_MARKING,
    RenderedReport,
    build_pdf,
    para,
)
from reviewtool.reports.certificate import (
    DOES_NOT_MATCH,
    MATCHES,
    NO_COMMITMENT,
    render_sampling_certificate,
    seed_commitment,
)
from reviewtool.reports.data import (
    ActionItem,
    AuditHead,
    Consensus,
    CriterionAgreement,
    FacilitatorNote,
    FeedbackResponse,
    GroupRag,
    MissingFootage,
    Officer,
    PanelComment,
    PublicAction,
    Rag,
    RagCounts,
    RemovedItem,
    ReportMeta,
    SignOff,
    Theme,
)
from reviewtool.reports.minutes import render_session_minutes
from reviewtool.reports.officer import render_officer_report
from reviewtool.reports.public_summary import render_public_summary
from reviewtool.reports.samples import (
    sample_certificate,
    sample_meta,
    sample_minutes,
    sample_officer_report,
    sample_public_summary,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")

HOSTILE = (
    "<b>x</b>",
    "a & b",
    '<img src="/etc/passwd">',
    "<<<",
    "&amp; &lt;not-an-entity&gt; </para>",
    "W" + "x" * 298 + "Z",  # a 300-character word
)
LONG_WORD = HOSTILE[-1]
NAMES = ("Zoë Ångström-Łukasiewicz", "Δημήτρης Παπαδόπουλος", "Наталья Иванова", "Siobhán Ó Dónaill")
OTHER_SCRIPTS = "警察 مراجعة 😀 ᚠᛇᚻ"


def pages_of(rendered: RenderedReport, tmp_path: Path) -> list[str]:
    path = tmp_path / f"{rendered.report_id}-{rendered.sha256[:8]}.pdf"
    path.write_bytes(rendered.pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                         timeout=60).stdout.decode("utf-8")
    return out.split("\f")[: rendered.page_count]


def squash(text: str) -> str:
    """Text without whitespace: wrapping may break a line anywhere, including inside a long word."""
    return re.sub(r"\s+", "", text)


def word_boxes(rendered: RenderedReport, tmp_path: Path) -> list[tuple[float, float, str]]:
    path = tmp_path / "boxes.pdf"
    path.write_bytes(rendered.pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    return [(float(x0), float(x1), word) for x0, x1, word in
            re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', html)]


def in_order(value: str, text: str) -> bool:
    """Every word of `value` appears in `text` in order: true even when a table row is split over two
    pages, with the page footer, the next page's header and the repeated column headings in between."""
    position = 0
    for word in value.split():
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


def title_of(rendered: RenderedReport, tmp_path: Path) -> str:
    path = tmp_path / "title.pdf"
    path.write_bytes(rendered.pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, timeout=60).stdout.decode()
    return re.search(r"^Title:\s+(.*)$", info, re.M).group(1).strip()


def page_count_by_poppler(rendered: RenderedReport, tmp_path: Path) -> int:
    path = tmp_path / "info.pdf"
    path.write_bytes(rendered.pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, timeout=60).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def grey_pages(rendered: RenderedReport, tmp_path: Path, dpi: int = 20) -> list[tuple[int, int, bytes]]:
    """Each page rendered by poppler as 8-bit grey pixels: (width, height, pixels), 255 is white."""
    path = tmp_path / "grey.pdf"
    path.write_bytes(rendered.pdf)
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(path), str(tmp_path / "grey")], check=True,
                   timeout=60)
    pages = []
    for image in sorted(tmp_path.glob("grey-*.pgm")):
        data = image.read_bytes()
        magic, width, height, depth, pixels = data.split(maxsplit=4)
        assert magic == b"P5" and depth == b"255"
        pages.append((int(width), int(height), pixels[: int(width) * int(height)]))
        image.unlink()
    return pages


def centre_ink(page: tuple[int, int, bytes]) -> int:
    """How many pixels in the middle fifth of the page (across and down) are not white."""
    width, height, pixels = page
    return sum(1 for y in range(height * 2 // 5, height * 3 // 5)
               for x in range(width * 2 // 5, width * 3 // 5) if pixels[y * width + x] < 250)


def all_reports() -> list[tuple[str, RenderedReport]]:
    return [
        ("officer", render_officer_report(sample_officer_report(0, signed=True))),
        ("minutes", render_session_minutes(sample_minutes())),
        ("certificate", render_sampling_certificate(sample_certificate())),
        ("public", render_public_summary(sample_public_summary())),
    ]


# --- Every page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, rendered", all_reports(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_page_carries_marking_id_page_number_and_audit_head(kind, rendered, tmp_path):
    pages = pages_of(rendered, tmp_path)
    assert rendered.sha256 == hashlib.sha256(rendered.pdf).hexdigest()
    assert rendered.pdf.startswith(b"%PDF-")
    assert len(pages) == rendered.page_count == page_count_by_poppler(rendered, tmp_path)
    total = rendered.page_count
    for number, text in enumerate(pages, start=1):
        assert text.count(PROTECTIVE_MARKING) >= 2, f"{kind} page {number}: marking in header and footer"
        assert rendered.report_id in text
        assert f"Page {number} of {total}" in text
        assert "Audit head: seq 1042, hash " in text
    full_head = hashlib.sha256(b"audit-1042").hexdigest()
    assert full_head in squash(pages[0])
    assert f"--expect-head1042:{full_head}" in squash(pages[0])


@pytest.mark.parametrize("kind, rendered", all_reports(), ids=lambda v: v if isinstance(v, str) else "")
def test_only_the_bundled_fonts_are_used_and_embedded(kind, rendered, tmp_path):
    path = tmp_path / "fonts.pdf"
    path.write_bytes(rendered.pdf)
    rows = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, timeout=60,
                          text=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert "DejaVuSans" in name and emb == "yes", row
    info = subprocess.run(["pdfinfo", "-isodates", str(path)], check=True, capture_output=True, timeout=60,
                          text=True).stdout
    assert re.search(r"CreationDate:\s+2024-03-21T16:45:00(Z|\+00)", info), info


def test_column_headings_appear_once_per_page(tmp_path):
    # A row that does not fit under the rows above it moves to the next page whole: it is not split
    # on the same page under a second copy of the headings.
    minutes = sample_minutes()
    rendered = render_session_minutes(minutes)
    pages = pages_of(rendered, tmp_path)
    for number, page in enumerate(pages, start=1):
        for heading in ("Panel's summary", "Reason recorded", "Follow-up", "Reading"):
            assert page.count(heading) <= 1, (number, heading)
    for item in minutes.items:  # each row whole on one page
        assert any(item.reference in page and in_order(item.consensus.summary, page) for page in pages), item.number


def test_same_data_same_bytes():
    first = render_officer_report(sample_officer_report(3))
    second = render_officer_report(sample_officer_report(3))
    assert first.pdf == second.pdf and first.sha256 == second.sha256


def test_a_long_report_counts_its_pages(tmp_path):
    rendered = render_officer_report(sample_officer_report(1, stops=12))
    pages = pages_of(rendered, tmp_path)
    assert rendered.page_count >= 5
    assert "Page 1 of" in pages[0]
    assert f"Page {rendered.page_count} of {rendered.page_count}" in pages[-1]
    assert all(PROTECTIVE_MARKING in page for page in pages)


# --- Drafts ------------------------------------------------------------------------------------


def test_a_draft_says_so_on_every_page_and_an_approved_report_does_not(tmp_path):
    draft = render_officer_report(sample_officer_report(1, stops=6))
    pages = pages_of(draft, tmp_path)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert DRAFT_MARKING in text, f"page {number}: the draft band"
        assert text.count("DRAFT") == 1, f"page {number}: the watermark is drawn, not text"
        assert f"Page {number} of {len(pages)}" in text and text.count(PROTECTIVE_MARKING) >= 2
    approved = render_officer_report(sample_officer_report(1, stops=6, signed=True))
    assert all("DRAFT" not in text for text in pages_of(approved, tmp_path))
    assert title_of(draft, tmp_path).endswith("(DRAFT)")  # the PDF's title says so too
    assert "DRAFT" not in title_of(approved, tmp_path)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_the_draft_watermark_is_on_every_page(tmp_path):
    # The middle of these pages holds no text: any ink there is the watermark.
    story = [para("One."), PageBreak(), para("Two."), PageBreak(), para("Three.")]
    draft = build_pdf(sample_meta("R-DRAFT", draft=True), "Officer feedback", list(story))
    final = build_pdf(sample_meta("R-FINAL"), "Officer feedback", list(story))
    draft_pages, final_pages = grey_pages(draft, tmp_path), grey_pages(final, tmp_path)
    assert len(draft_pages) == len(final_pages) == 3
    assert all(centre_ink(page) == 0 for page in final_pages)
    for page in draft_pages:
        ink = centre_ink(page)
        width, height, pixels = page
        assert ink > 20, "a diagonal watermark crosses the middle of the page"
        middle = [pixels[y * width + x] for y in range(height * 2 // 5, height * 3 // 5)
                  for x in range(width * 2 // 5, width * 3 // 5)]
        assert min(middle) >= 200, "and it is light: text printed over it stays readable"
    assert PAGE_HEIGHT > PAGE_WIDTH


# --- Officer feedback ---------------------------------------------------------------------------


def test_officer_report_shows_the_searches_and_the_panels_view(tmp_path):
    report = sample_officer_report(0, signed=True)
    text = "\n".join(pages_of(render_officer_report(report), tmp_path))
    flat = squash(text)
    assert "Officer feedback" in text
    assert squash(report.officer.name) in flat
    for stop in report.stops:
        for value in (stop.reference, stop.search_type, stop.legislation, stop.object_of_search, stop.outcome,
                      stop.consensus.summary, *stop.consensus.commendations, *stop.consensus.learning_points,
                      *stop.gowisely_missed):
            assert squash(value) in flat, value
        assert stop.consensus.rag.label.upper() in text
    # 3 Feb 2024 22:40 UTC is GMT; a summer stop is shown in BST.
    assert "3 Feb 2024, 22:40 GMT" in text
    assert "Panel member 1" in text and "Panel member 3" in text
    assert squash(report.supervisor_note) in flat and squash(report.officer_response) in flat
    assert flat.count(squash(report.summary)) == 1
    assert "Sgt Aoife Ní Bhriain" in text and "25 Mar 2024" in text and "28 Mar 2024" in text
    # the chart's category names and the exact answer counts
    assert "GOWISELY: Station" in text and "Respect and courtesy" in text
    assert "Good practice" in text and "Can't tell" in text


def test_the_supervisors_summary_comes_first_under_its_own_heading(tmp_path):
    report = sample_officer_report(2, signed=True)
    text = squash("\n".join(pages_of(render_officer_report(report), tmp_path)))
    summary = squash(report.summary)
    assert text.index(squash("Officer feedback")) < text.index(squash("Supervisor's summary")) \
        < text.index(summary) < text.index(squash("At a glance"))
    note = text.index(squash("Supervisor's note"))
    assert text.index(summary) < note and text.count(summary) == 1  # not repeated in the note's box
    blank = dataclasses.replace(report, summary="  ")
    assert "The supervisor has not written a summary." in "\n".join(pages_of(render_officer_report(blank), tmp_path))


def test_facilitators_notes_are_shown_as_such(tmp_path):
    report = sample_officer_report(1)  # search 1 is amber: the sample facilitator's note is there
    stop = report.stops[0]
    [note] = stop.facilitator_notes
    text = "\n".join(pages_of(render_officer_report(report), tmp_path))
    flat = squash(text)
    assert squash("Facilitator's note (at 01:38)") in flat and squash(note.text) in flat
    # after the panel's comments on the same search
    assert flat.index(squash(stop.comments[-1].text)) < flat.index(squash(note.text))
    untimed = dataclasses.replace(report, stops=(dataclasses.replace(stop, comments=(), facilitator_notes=(
        FacilitatorNote("Clip ends before the search is over."),)),))
    text = squash("\n".join(pages_of(render_officer_report(untimed), tmp_path)))
    assert squash("Comments") in text and squash("Facilitator's noteClip ends before") in text
    assert {f.name for f in dataclasses.fields(FacilitatorNote)} == {"text", "clip_time"}  # nobody's name


def test_officer_report_commendations_come_before_learning_points(tmp_path):
    report = sample_officer_report(1)  # search 1 is amber: both lists
    text = squash("\n".join(pages_of(render_officer_report(report), tmp_path)))
    stop = report.stops[0]
    assert stop.consensus.commendations and stop.consensus.learning_points
    assert text.index(squash(stop.consensus.commendations[0])) < text.index(squash(stop.consensus.learning_points[0]))


def test_officer_report_shows_summer_times_in_bst(tmp_path):
    from datetime import UTC, datetime

    report = sample_officer_report(0)
    summer = dataclasses.replace(report.stops[0], occurred_at=datetime(2024, 7, 1, 23, 30, tzinfo=UTC))
    report = dataclasses.replace(report, stops=(summer,))
    text = "\n".join(pages_of(render_officer_report(report), tmp_path))
    assert "2 Jul 2024, 00:30 BST" in text


def test_panel_member_names_never_reach_the_officer_report(tmp_path):
    # What the reporting service holds: the session's roster. What it passes: member numbers only.
    roster = {1: "Margaret Okonkwo-Hale", 2: "Jerzy Wiśniewski", 3: "Ελένη Κωνσταντίνου"}
    report = sample_officer_report(2)
    stops = tuple(dataclasses.replace(stop, comments=tuple(
        PanelComment(number, f"Comment {number} on {stop.reference}") for number in roster))
        for stop in report.stops)
    report = dataclasses.replace(report, stops=stops)
    text = "\n".join(pages_of(render_officer_report(report), tmp_path))
    for number, name in roster.items():
        assert f"Panel member {number}" in text
        for part in name.split():
            assert part not in text, part
    assert {f.name for f in dataclasses.fields(PanelComment)} == {
        "member_number", "text", "criterion_label", "clip_time"}


def test_unsigned_report_leaves_room_to_sign(tmp_path):
    text = "\n".join(pages_of(render_officer_report(sample_officer_report(4)), tmp_path))
    assert "Supervisor's note" in text and "Officer's response" in text
    assert "Acknowledged on" in text and "______" in text


# --- Names and scripts --------------------------------------------------------------------------


def test_accented_greek_and_cyrillic_names_round_trip(tmp_path):
    report = sample_officer_report(0)
    report = dataclasses.replace(
        report,
        officer=Officer(NAMES[0], "4417", NAMES[3]),
        supervisor_note=NAMES[1],
        officer_response=NAMES[2],
        sign_off=SignOff(supervisor_name=NAMES[1]),
    )
    text = "\n".join(pages_of(render_officer_report(report), tmp_path))
    for name in NAMES:
        assert name in text


def test_other_scripts_never_break_a_report(tmp_path):
    report = sample_officer_report(0)
    stop = dataclasses.replace(report.stops[0], outcome=OTHER_SCRIPTS,
                               consensus=Consensus(Rag.AMBER, OTHER_SCRIPTS, (OTHER_SCRIPTS,), (OTHER_SCRIPTS,)),
                               comments=(PanelComment(1, OTHER_SCRIPTS, OTHER_SCRIPTS, 3.0),))
    report = dataclasses.replace(report, officer=Officer(OTHER_SCRIPTS, OTHER_SCRIPTS, OTHER_SCRIPTS),
                                 stops=(stop,), supervisor_note=OTHER_SCRIPTS)
    rendered = render_officer_report(report)
    pages = pages_of(rendered, tmp_path)
    assert rendered.page_count >= 1 and "Page 1 of" in pages[0]
    minutes = sample_minutes()
    minutes = dataclasses.replace(minutes, session_title=OTHER_SCRIPTS, location=OTHER_SCRIPTS)
    assert render_session_minutes(minutes).page_count >= 1


# --- Hostile and empty text ---------------------------------------------------------------------


def _hostile_officer_report():
    report = sample_officer_report(0)
    text = " ".join(HOSTILE)
    stop = dataclasses.replace(
        report.stops[0],
        reference=HOSTILE[0], search_type=HOSTILE[1], legislation=HOSTILE[2], object_of_search=HOSTILE[3],
        outcome=HOSTILE[4],
        consensus=Consensus(Rag.RED, text, HOSTILE, HOSTILE, referred=True),
        gowisely_missed=HOSTILE,
        comments=tuple(PanelComment(n, value, value, 61.0) for n, value in enumerate(HOSTILE, start=1)),
    )
    return dataclasses.replace(report, officer=Officer(HOSTILE[1], HOSTILE[3], HOSTILE[2]),
                               session_title=HOSTILE[0], stops=(stop,), supervisor_note=text,
                               officer_response=LONG_WORD, sign_off=SignOff(supervisor_name=HOSTILE[2]))


def test_hostile_text_appears_literally_in_the_officer_report(tmp_path):
    rendered = render_officer_report(_hostile_officer_report())
    flat = squash("\n".join(pages_of(rendered, tmp_path)))
    for value in HOSTILE:
        assert squash(value) in flat, value
    assert b"/Subtype /Image" not in rendered.pdf  # reportlab did not go looking for an image


def test_a_300_character_word_wraps_inside_the_page(tmp_path):
    rendered = render_officer_report(_hostile_officer_report())
    boxes = word_boxes(rendered, tmp_path)
    pieces = [word for _, _, word in boxes if re.fullmatch(r"W?x+Z?", word)]
    assert len(pieces) > 3, "the long word should be split over several lines"
    right_edge = PAGE_WIDTH - MARGIN_X + 1
    assert all(x1 <= right_edge for _, x1, _ in boxes), max(x1 for _, x1, _ in boxes)


def test_hostile_text_appears_literally_in_minutes_certificate_and_summary(tmp_path):
    text = " ".join(HOSTILE)
    minutes = sample_minutes()
    minutes = dataclasses.replace(
        minutes, session_title=HOSTILE[0], location=HOSTILE[2],
        items=(dataclasses.replace(minutes.items[0], reference=HOSTILE[3], outcome=LONG_WORD,
                                   consensus=Consensus(Rag.GREEN, text)),),
        missing_footage=(MissingFootage(HOSTILE[1], minutes.items[0].occurred_at, HOSTILE[4], text),),
        agreement=(CriterionAgreement(HOSTILE[0], "nominal", 0.5, 3),),
        actions=(ActionItem(text, HOSTILE[1]),),
        responses=(FeedbackResponse(HOSTILE[3], HOSTILE[2], Rag.AMBER, text),),
    )
    cert = dataclasses.replace(sample_certificate(), seed=HOSTILE[2], created_by=HOSTILE[0],
                               filters=((HOSTILE[1], HOSTILE[4]),), selection=HOSTILE,
                               skipped_no_footage=(LONG_WORD,), strata_field=HOSTILE[3])
    summary = dataclasses.replace(sample_public_summary(), period_label=HOSTILE[0],
                                  themes=(Theme(HOSTILE[2], text),), actions=(PublicAction(text, HOSTILE[3]),),
                                  responses=(LONG_WORD, HOSTILE[1]))
    for rendered in (render_session_minutes(minutes), render_sampling_certificate(cert),
                     render_public_summary(summary)):
        flat = squash("\n".join(pages_of(rendered, tmp_path)))
        for value in HOSTILE:
            assert squash(value) in flat, (rendered.report_id, value)
    assert seed_commitment(HOSTILE[2]) in squash("\n".join(pages_of(render_sampling_certificate(cert), tmp_path)))


def test_empty_text_everywhere_renders(tmp_path):
    def blank(value):
        """Every text field of a (nested) report dataclass set to "", at any depth."""
        if isinstance(value, str) and not isinstance(value, Enum):
            return ""
        if isinstance(value, tuple):
            return tuple(blank(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.replace(value, **{f.name: blank(getattr(value, f.name))
                                                 for f in dataclasses.fields(value)})
        return value

    for render, data in ((render_officer_report, sample_officer_report(0, signed=True)),
                         (render_session_minutes, sample_minutes()),
                         (render_sampling_certificate, sample_certificate()),
                         (render_public_summary, sample_public_summary())):
        empty = blank(data)
        rendered = render(empty)
        pages = pages_of(rendered, tmp_path)
        assert f"Page 1 of {rendered.page_count}" in pages[0]
        assert PROTECTIVE_MARKING in pages[0]


def test_reports_with_no_rows_say_so(tmp_path):
    report = dataclasses.replace(sample_officer_report(0), stops=(), answers=())
    text = "\n".join(pages_of(render_officer_report(report), tmp_path))
    assert "No reviewed searches in this report." in text
    assert "No answers were recorded" in text
    minutes = dataclasses.replace(sample_minutes(), items=(), missing_footage=(), agreement=(), actions=(),
                                  responses=(), attendance=())
    text = "\n".join(pages_of(render_session_minutes(minutes), tmp_path))
    assert "Every sampled search had footage." in text
    assert "No actions were agreed." in text


# --- Minutes, certificate, public summary -------------------------------------------------------


def test_minutes_record_attendance_sample_findings_agreement_actions_responses(tmp_path):
    minutes = sample_minutes()
    text = "\n".join(pages_of(render_session_minutes(minutes), tmp_path))
    flat = squash(text)
    assert "A. K. (Chair)" in text and "Δ. Π. (Panel member)" in text
    assert "Apologies" in text and "J. W. (Panel member)" in text
    s = minutes.sampling
    for value in (s.seed, s.population_digest, s.published_commitment, "412 searches", "8 searches"):
        assert squash(value) in flat
    assert squash(f"Checked: it {MATCHES}.") in flat
    assert flat.index(squash("Searches taken off the agenda")) < flat.index(squash(minutes.removed[0].reason)) \
        < flat.index(squash("Findings: sampled searches without footage"))
    assert minutes.removed[0].reference in text
    for finding in minutes.missing_footage:
        assert finding.reference in text and squash(finding.follow_up) in flat
    for item in minutes.items:
        assert item.reference in text and in_order(item.consensus.summary, text), item.reference
    assert "0.82" in text and "0.64" in text and "Not defined" in text
    for action in minutes.actions:
        assert squash(action.text) in flat
    for response in minutes.responses:
        assert response.report_id in text and squash(response.response) in flat


def test_minutes_flag_a_seed_that_does_not_match_its_commitment(tmp_path):
    minutes = sample_minutes()
    minutes = dataclasses.replace(minutes, sampling=dataclasses.replace(minutes.sampling, published_commitment="ab" * 32))
    text = " ".join("\n".join(pages_of(render_session_minutes(minutes), tmp_path)).split())
    assert f"Checked: it {DOES_NOT_MATCH}." in text and "ab" * 32 in text.replace(" ", "")


def test_with_no_commitment_recorded_the_paper_says_so_and_claims_nothing_more(tmp_path):
    minutes = sample_minutes()
    minutes = dataclasses.replace(minutes, sampling=dataclasses.replace(minutes.sampling, published_commitment=""))
    cert = dataclasses.replace(sample_certificate(), published_commitment="")
    for rendered in (render_session_minutes(minutes), render_sampling_certificate(cert)):
        text = " ".join("\n".join(pages_of(rendered, tmp_path)).split())
        assert NO_COMMITMENT in text, rendered.report_id
        assert "no commitment was published" not in text.lower() and "published in advance" not in text
        assert seed_commitment(cert.seed) in text.replace(" ", "")  # the number to compare with


def test_minutes_without_a_recorded_draw_have_no_seed_to_check(tmp_path):
    minutes = sample_minutes()
    minutes = dataclasses.replace(minutes, sampling=dataclasses.replace(
        minutes.sampling, certificate="none: the searches were chosen without a recorded draw", algorithm="—",
        seed="", published_commitment=""))
    text = " ".join("\n".join(pages_of(render_session_minutes(minutes), tmp_path)).split())
    assert "No recorded draw: there is no seed to check" in text
    assert seed_commitment("") not in text.replace(" ", "") and NO_COMMITMENT not in text


def test_removed_searches_have_their_own_section(tmp_path):
    minutes = sample_minutes()
    minutes = dataclasses.replace(minutes, removed=(
        *minutes.removed, RemovedItem(8, "DBY-2024-010499", minutes.items[0].occurred_at, "Vehicle search", "")))
    text = " ".join("\n".join(pages_of(render_session_minutes(minutes), tmp_path)).split())
    assert "DBY-2024-010499" in text and "No reason recorded." in text
    actions = text[text.index("Actions"):]
    assert all(r.reference not in actions for r in minutes.removed)
    none = dataclasses.replace(minutes, removed=())
    assert "No searches were taken off the agenda." in "\n".join(pages_of(render_session_minutes(none), tmp_path))


def test_certificate_prints_every_field_and_how_to_verify(tmp_path):
    cert = sample_certificate()
    text = "\n".join(pages_of(render_sampling_certificate(cert), tmp_path))
    flat = squash(text)
    for value in (cert.algorithm, cert.seed, cert.population_digest, str(cert.population_size),
                  cert.strata_field, "Proportional, sample size 12", "2 stops", cert.created_by,
                  "14 Mar 2024, 18:42 GMT", cert.certificate_sha256, seed_commitment(cert.seed)):
        assert squash(value) in flat, value
    for name, value in cert.filters:
        assert squash(name) in flat and squash(value) in flat
    positions = [flat.index(reference) for reference in cert.selection]
    assert positions == sorted(positions), "selection printed in the order drawn"
    for reference in cert.skipped_no_footage:
        assert reference in text
    assert "How to verify" in text and "reviewtool sample verify" in text


def test_public_summary_has_counts_and_no_personal_data(tmp_path):
    summary = sample_public_summary()
    text = "\n".join(pages_of(render_public_summary(summary), tmp_path))
    assert "1,238" in text and "27" in text
    assert "16 green (59%)" in text
    for group in (*summary.by_search_type, *summary.by_outcome_group):
        assert group.label in text
    for theme in summary.themes:
        assert theme.title in text
    # Nothing from the officer reports or minutes can reach it: the data has nowhere to hold it.
    officer = sample_officer_report(0)
    assert officer.officer.name not in text and officer.officer.collar_number not in text
    assert not re.search(r"DBY-\d{4}-\d{6}", text), "no stop references"
    public_types = (type(summary), RagCounts, GroupRag, Theme, PublicAction, ReportMeta, AuditHead)
    field_names = {f.name for cls in public_types for f in dataclasses.fields(cls)}
    assert not field_names & {"officer", "name", "collar_number", "reference", "subject", "member_number"}


def test_very_long_text_flows_over_pages_instead_of_failing(tmp_path):
    huge = ("A long paragraph of observations about the search. " * 30 + "\n") * 3  # > a page in a column
    report = sample_officer_report(0)
    stop = dataclasses.replace(report.stops[0], legislation=huge, consensus=Consensus(Rag.RED, huge, (huge,), (huge,)),
                               comments=(PanelComment(1, huge, huge),))
    report = dataclasses.replace(report, officer=Officer(huge, huge, huge), stops=(stop,), supervisor_note=huge,
                                 officer_response=huge, sign_off=SignOff(supervisor_name=huge),
                                 meta=dataclasses.replace(report.meta, organisation=huge, report_id="R-" + "9" * 200))
    minutes = sample_minutes()
    minutes = dataclasses.replace(minutes, location=huge, actions=(ActionItem(huge, huge),),
                                  items=(dataclasses.replace(minutes.items[0], consensus=Consensus(Rag.RED, huge)),))
    cert = dataclasses.replace(sample_certificate(), seed=huge, filters=(("x", huge),))
    summary = dataclasses.replace(sample_public_summary(), themes=(Theme(huge, huge),), actions=(PublicAction(huge, huge),))
    for rendered in (render_officer_report(report), render_session_minutes(minutes),
                     render_sampling_certificate(cert), render_public_summary(summary)):
        pages = pages_of(rendered, tmp_path)
        assert rendered.page_count > 2
        assert f"Page {rendered.page_count} of {rendered.page_count}" in pages[-1]
        assert all(page.count(PROTECTIVE_MARKING) >= 2 for page in pages)
