"""`reviewtool report …` and `export scores` end to end: real PDFs read back with pdftotext."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reviewtool.cli import main
from reviewtool.core.db import Database
from reviewtool.core.models import FeedbackReport, SamplingRun
from support.feedback_data import PANEL_NAMES, template_database

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return template_database(tmp_path_factory.mktemp("reports-cli"))


@pytest.fixture
def env(template, tmp_path):
    path, world = template
    copy = tmp_path / "cli.db"
    shutil.copyfile(path, copy)
    return f"sqlite:///{copy}", world


def run(url: str, *args: str) -> int:
    return main(["--db", url, *args])


def text_of(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_officer_report_and_minutes(env, tmp_path, capsys):
    url, world = env
    out = tmp_path / "officer.pdf"
    assert run(url, "report", "officer", world.officers[0], "--out", str(out), "--recipient", "Sgt N") == 0
    printed = capsys.readouterr().out
    report_id = re.search(r"wrote (OFB-\d{8}-[0-9A-F]{8})", printed).group(1)
    assert hashlib.sha256(out.read_bytes()).hexdigest() in printed
    text = text_of(out)
    assert "Officer feedback" in text and "Page 1 of" in text and report_id in flat(text)
    assert world.references[0] in text and "Panel member 1" in text
    for name in PANEL_NAMES:
        assert name not in text and name.split()[-1] not in text
    head = re.search(r"audit head printed on it: (\d+):([0-9a-f]{64})", printed)
    assert f"seq {head.group(1)}, hash {head.group(2)}" in flat(text)
    assert run(url, "audit", "verify", "--expect-head", f"{head.group(1)}:{head.group(2)}") == 0

    minutes = tmp_path / "minutes.pdf"
    assert run(url, "report", "session", world.session_name, "--out", str(minutes)) == 0
    text = flat(text_of(minutes))
    assert "Session minutes" in text and "Page 1 of" in text and world.session_name in text
    assert "AH (Panel member)" in text and "DE (Panel member)" in text  # present and apologies, by initials
    assert world.no_footage_references[0] in text  # a stop without footage is a finding
    assert "Krippendorff" in text
    for name in PANEL_NAMES:
        assert name not in text

    again = tmp_path / "again.pdf"
    assert run(url, "report", "pdf", report_id, "--out", str(again)) == 0
    assert again.read_bytes() == out.read_bytes()
    capsys.readouterr()
    assert run(url, "report", "officer", "NOBODY", "--out", str(tmp_path / "x.pdf")) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("reviewtool: ") and "NOBODY" in err and "\n" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_batch_certificate_public_summary_and_score_export(env, tmp_path, capsys):
    url, world = env
    folder = tmp_path / "drafts"
    assert run(url, "report", "officers", "--out-dir", str(folder)) == 0
    written = sorted(p.name for p in folder.glob("*.pdf"))
    assert len(written) == len(world.officers)
    assert all(any(p.endswith(f"-{o}.pdf") for p in written) for o in world.officers)
    assert "Page 1 of" in text_of(folder / written[0])

    db = Database.open(url)
    with db.read() as s:
        run_row = s.query(SamplingRun).one()
        certificate, run_id = run_row.certificate, run_row.id
        stored = {r.report_id: r.pdf_sha256 for r in s.query(FeedbackReport)}
    db.dispose()
    assert {p.split("-DBY")[0] for p in written} <= set(stored)
    cert_file = tmp_path / "cert.json"
    cert_file.write_text(json.dumps(certificate, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    by_file, by_run = tmp_path / "cert-file.pdf", tmp_path / "cert-run.pdf"
    assert run(url, "report", "certificate", str(cert_file), "--out", str(by_file)) == 0
    assert run(url, "report", "certificate", str(run_id), "--out", str(by_run)) == 0
    digest = hashlib.sha256(cert_file.read_bytes()).hexdigest()
    for pdf in (by_file, by_run):  # the recorded run and its file name the same certificate
        text = flat(text_of(pdf))
        assert "Sampling certificate" in text and digest in text.replace(" ", "") and "Page 1 of" in text
    assert run(url, "report", "certificate", "no-such-file.json", "--out", str(tmp_path / "c.pdf")) == 1

    public = tmp_path / "public.pdf"
    assert run(url, "report", "public", "--from", "2024-02-01", "--to", "2024-02-29", "--label", "February 2024",
               "--out", str(public)) == 0
    text = flat(text_of(public))
    assert "Public summary" in text and "February 2024" in text and "Page 1 of" in text
    for private in (*world.officers, *world.references, *PANEL_NAMES, "Ní Bhriain"):
        assert private not in text

    scores = tmp_path / "scores.csv"
    capsys.readouterr()
    assert run(url, "export", "scores", "--session", world.session_name, "--out", str(scores)) == 0
    rows = list(csv.reader(scores.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:3] == ["session", "item", "reference"] and len(rows) > 1
    assert f"wrote {len(rows) - 1} answers" in capsys.readouterr().out
    assert run(url, "export", "scores", "--session", "Nope", "--out", str(tmp_path / "n.csv")) == 1


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_report_screens_render_page_one_of_each_report(env, tmp_path, capsys):
    from support.report_screens import render_report_pngs

    url, _ = env
    written = render_report_pngs(url, tmp_path / "shots", dpi=30)
    assert [p.name for p in written] == ["report-officer-feedback-demo.png", "report-session-minutes-demo.png",
                                         "report-sampling-certificate-demo.png", "report-public-summary-demo.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in written)


def test_seed_commitment_check_is_printed(env, tmp_path, capsys):
    url, world = env
    db = Database.open(url)
    with db.read() as s:
        run_id = s.query(SamplingRun).one().id
    db.dispose()
    committed = hashlib.sha256(b"seed 1").hexdigest()  # the test world's seed
    capsys.readouterr()
    for command in (["certificate", str(run_id)], ["session", world.session_name]):
        out = tmp_path / "doc.pdf"
        assert run(url, "report", *command, "--out", str(out)) == 0
        assert "seed commitment: No commitment recorded in reviewtool (give --commitment" in capsys.readouterr().out
        assert run(url, "report", *command, "--commitment", committed.upper(), "--out", str(out)) == 0
        assert "seed commitment: matches the seed\n" in capsys.readouterr().out
        assert run(url, "report", *command, "--commitment", "ab" * 32, "--out", str(out)) == 0
        assert "seed commitment: does NOT match the seed\n" in capsys.readouterr().out
        assert "does NOT match the seed" in flat(text_of(out))
        assert run(url, "report", *command, "--commitment", "abc", "--out", str(tmp_path / "bad.pdf")) == 1
        assert "64 hex digits" in capsys.readouterr().err and not (tmp_path / "bad.pdf").exists()
    assert run(url, "report", "officer", world.officers[0], "--out", str(tmp_path / "o.pdf")) == 0
    assert "seed commitment" not in capsys.readouterr().out
