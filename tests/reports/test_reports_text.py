"""The pieces under every report: escaping, dates, resources and fonts, data rules. No PDF parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from reportlab.platypus import SimpleDocTemplate

from reviewtool.reports import fonts
from reviewtool.reports.base import day, fit, london, markup, para
from reviewtool.reports.data import AuditHead, ReportMeta, ReviewedStop
from reviewtool.reports.fonts import FONT_REGULAR, RESOURCES_ENV, register_fonts, resources_dir
from reviewtool.reports.samples import sample_officer_report


@pytest.mark.parametrize("text, expected", [
    ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
    ("a & b", "a &amp; b"),
    ('<img src="/etc/passwd">', '&lt;img src="/etc/passwd"&gt;'),
    ("<<<", "&lt;&lt;&lt;"),
    ("&amp;", "&amp;amp;"),
    ("line one\nline two\r\nthree", "line one<br/>line two<br/>three"),
    ("tab\there", "tab here"),
    ("bell\x07 null\x00 esc\x1b", "bell null esc"),
    ("lone \ud800 surrogate", "lone ? surrogate"),
    ("", ""),
    (None, ""),
])
def test_markup_escapes_user_text(text, expected):
    assert markup(text) == expected


def test_para_builds_hostile_and_empty_text(tmp_path):
    flowables = [para(text) for text in ("<b>x</b>", "a & b", '<img src="/etc/passwd">', "<<<", "", "   ",
                                         "x" * 300, "</para><para>", "&#0;", "\x0c")]
    flowables.append(para("", "Small", empty="Nothing recorded."))
    plain = [f.getPlainText() for f in flowables]
    SimpleDocTemplate(str(tmp_path / "p.pdf")).build(list(flowables))
    assert plain[0] == "<b>x</b>"
    assert plain[2] == '<img src="/etc/passwd">'
    assert plain[7] == "</para><para>"
    assert plain[-1] == "Nothing recorded."


def test_london_time_follows_gmt_and_bst():
    assert london(datetime(2024, 1, 15, 9, 5, tzinfo=UTC)) == "15 Jan 2024, 09:05 GMT"
    assert london(datetime(2024, 6, 30, 23, 30, tzinfo=UTC)) == "1 Jul 2024, 00:30 BST"
    assert london(datetime(2024, 3, 31, 0, 59, tzinfo=UTC)) == "31 Mar 2024, 00:59 GMT"
    assert london(datetime(2024, 3, 31, 1, 0, tzinfo=UTC)) == "31 Mar 2024, 02:00 BST"
    paris = timezone(timedelta(hours=2))
    assert london(datetime(2024, 7, 1, 12, 0, tzinfo=paris)) == "1 Jul 2024, 11:00 BST"


def test_day_formats_dates_and_blanks():
    assert day(date(2024, 3, 4)) == "4 Mar 2024"
    assert day(None, empty="—") == "—"
    assert day(datetime(2024, 6, 30, 23, 30, tzinfo=UTC)) == "1 Jul 2024"


def test_fit_cuts_with_an_ellipsis():
    register_fonts()
    assert fit("short", FONT_REGULAR, 8, 200) == "short"
    cut = fit("GOWISELY: Entitlement to a copy of the search record", FONT_REGULAR, 8, 80)
    assert cut.endswith("…") and len(cut) < 30
    assert fit("x" * 50, FONT_REGULAR, 8, 1) == "…"


def test_naive_datetimes_are_refused():
    stop = sample_officer_report(0).stops[0]
    with pytest.raises(ValueError, match="timezone-aware"):
        ReviewedStop(stop.reference, datetime(2024, 1, 1, 12, 0), stop.search_type, stop.legislation,
                     stop.object_of_search, stop.outcome, stop.consensus)
    with pytest.raises(ValueError, match="generated_at"):
        ReportMeta("R-1", datetime(2024, 1, 1), AuditHead(1, "0" * 64), "Panel")


def test_resources_found_from_the_source_checkout(monkeypatch):
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    found = resources_dir()
    assert (found / "fonts" / "DejaVuSans.ttf").is_file()
    assert (found / "fonts" / "LICENSE-DejaVu.txt").is_file()
    assert found == Path(fonts.__file__).resolve().parents[2] / "resources"


def test_resources_env_override(monkeypatch, tmp_path):
    (tmp_path / "fonts").mkdir()
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    assert resources_dir() == tmp_path
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match=RESOURCES_ENV):
        resources_dir()


def test_fonts_register_once(monkeypatch):
    register_fonts()
    calls = []
    monkeypatch.setattr(fonts, "TTFont", lambda *args: calls.append(args))
    register_fonts()
    assert calls == []


def test_resources_found_inside_an_installed_package(monkeypatch, tmp_path):
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    package = tmp_path / "site-packages" / "reviewtool"
    (package / "resources" / "fonts").mkdir(parents=True)
    monkeypatch.setattr(fonts, "__file__", str(package / "reports" / "fonts.py"))
    assert resources_dir() == package / "resources"


def test_missing_resources_name_where_they_were_looked_for(monkeypatch, tmp_path):
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.setattr(fonts, "__file__", str(tmp_path / "reviewtool" / "reports" / "fonts.py"))
    with pytest.raises(FileNotFoundError, match=RESOURCES_ENV):
        resources_dir()


def test_remembered_line_breaking_changes_nothing_on_the_page(monkeypatch):
    import dataclasses

    from reportlab.platypus import Paragraph

    from reviewtool.reports import base
    from reviewtool.reports.officer import render_officer_report

    long_note = ("A long paragraph of observations about the search. " * 30 + "\n") * 3
    report = sample_officer_report(0, signed=True)
    reports = [report, sample_officer_report(1, stops=9),
               dataclasses.replace(report, supervisor_note=long_note,
                                   stops=(dataclasses.replace(report.stops[0], legislation=long_note),))]
    remembered = [render_officer_report(r).sha256 for r in reports]
    monkeypatch.setattr(base._Paragraph, "wrap", Paragraph.wrap)
    assert [render_officer_report(r).sha256 for r in reports] == remembered


def test_a_published_commitment_is_checked_however_it_was_pasted():
    from reviewtool.reports.certificate import (
        DOES_NOT_MATCH,
        MATCHES,
        NO_COMMITMENT,
        commitment_check,
        seed_commitment,
    )

    seed = "4 2 6 1 3 5"
    digest = seed_commitment(seed)
    grouped = " ".join(digest[i:i + 8] for i in range(0, 32, 8)) + "\n" + \
        " ".join(digest[i:i + 8] for i in range(32, 64, 8))  # as the planning dialog shows it
    assert commitment_check(seed, digest) == commitment_check(seed, grouped.upper()) == MATCHES
    assert commitment_check(seed, "") == commitment_check(seed, "  \n") == NO_COMMITMENT
    assert commitment_check(seed + " ", digest) == commitment_check(seed, "ab" * 32) == DOES_NOT_MATCH
