"""The foundation through the command line, as the README shows it: import, ingest, sample, verify, audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtool.cli import main
from reviewtool.media.synth import make_clip

DATA = Path(__file__).parent.parent / "data"
FORCE_HEADER = ("Reference,Type,Date,Legislation,Object of search,Outcome,Officer-defined ethnicity,Officer,Area,"
                "Footage,Grounds")


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(url: str, *args: str) -> int:
    return main(["--db", url, *args])


def _force_export(path: Path, n: int = 40) -> None:
    lines = [FORCE_HEADER]
    for i in range(n):
        eth = ["White", "Black", "Asian", "Other"][i % 4]
        footage = f"clip-{i}.mp4" if i < 3 else ""
        lines.append(f"R{i:03d},Person search,2024-03-{1 + i % 28:02d}T12:00:00+00:00,"
                     f"Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,{eth},PC{i % 7},"
                     f"{'North' if i % 2 else 'South'},{footage},Smell of cannabis")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_import_export_and_errors(url, tmp_path, capsys):
    assert run(url, "import", "stops", str(DATA / "2020-01-derbyshire-stop-and-search.csv")) == 0
    assert "189 added" in capsys.readouterr().out
    assert run(url, "import", "stops", str(DATA / "2020-01-derbyshire-stop-and-search.csv")) == 0
    assert "0 added, 189 already present" in capsys.readouterr().out
    assert run(url, "import", "stops", str(DATA / "not-stops.csv")) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("reviewtool: ") and "not-stops.csv" in err and "\n" not in err
    out = tmp_path / "stops.csv"
    assert run(url, "export", "stops", "--out", str(out)) == 0
    assert "wrote 189 stops" in capsys.readouterr().out


@pytest.mark.media
def test_ingest_link_sample_verify_and_audit(url, tmp_path, capsys):
    export = tmp_path / "force.csv"
    _force_export(export)
    assert run(url, "import", "stops", str(export)) == 0
    clips = tmp_path / "clips"
    clips.mkdir()
    for i in range(3):
        make_clip(clips / f"clip-{i}.mp4", duration_s=1.0, width=320, height=180, seed=i, audio=False)
    (clips / "notes.mp4").write_text("not a video")
    assert run(url, "footage", "ingest", str(clips)) == 1  # one bad file among them
    captured = capsys.readouterr()
    assert captured.out.count("linked to 1 stop") == 3
    assert "notes.mp4" in captured.err

    extra = tmp_path / "extra.mp4"
    make_clip(extra, duration_s=1.0, width=320, height=180, seed=9, audio=False)
    assert run(url, "footage", "ingest", str(extra), "--link", "R010") == 0
    assert "linked to 1 stop" in capsys.readouterr().out

    cert = tmp_path / "cert.json"
    assert run(url, "sample", "run", "--seed", "dice 4 2 6", "--strata", "officer_defined_ethnicity",
               "--size", "8", "--max-per-officer", "2", "--require-footage", "--session", "March panel",
               "--out", str(cert)) == 0
    out = capsys.readouterr().out
    assert "session 'March panel' created" in out
    certificate = json.loads(cert.read_text())
    assert certificate["algorithm"] == "hmac-bottomk/1" and certificate["population_size"] == 40
    assert set(certificate["selection"]) <= {"R000", "R001", "R002", "R010"}

    assert run(url, "sample", "verify", str(cert)) == 0
    assert capsys.readouterr().out.strip() == "MATCH"
    certificate["seed"] = "dice 4 2 5"
    cert.write_text(json.dumps(certificate))
    assert run(url, "sample", "verify", str(cert)) == 1
    assert capsys.readouterr().out.startswith("DIFFERENT:")

    assert run(url, "footage", "verify") == 0
    capsys.readouterr()
    with open(clips / "clip-1.mp4", "r+b") as fh:
        fh.seek(2000)
        fh.write(b"\x00\x00\x00\x00")
    (clips / "clip-2.mp4").unlink()
    assert run(url, "footage", "verify") == 1
    out = capsys.readouterr().out
    assert "CHANGED:" in out and "clip-1.mp4" in out and "MISSING:" in out and "clip-2.mp4" in out

    assert run(url, "audit", "verify") == 0
    assert capsys.readouterr().out.startswith("OK:")


def test_sample_commit_and_users(url, capsys, monkeypatch):
    assert run(url, "sample", "commit", "four words chosen here") == 0
    import hashlib

    assert capsys.readouterr().out.strip() == hashlib.sha256(b"four words chosen here").hexdigest()
    assert run(url, "users", "add", "sam", "--role", "supervisor", "--password", "a long password") == 0
    assert run(url, "users", "list") == 0
    assert "sam" in capsys.readouterr().out
    monkeypatch.setenv("REVIEWTOOL_PASSWORD", "a long password")
    # A supervisor may not import stops: refused by the service, not just hidden.
    assert run(url, "--user", "sam", "import", "stops", str(DATA / "2020-01-derbyshire-stop-and-search.csv")) == 1
    assert "may not import" in capsys.readouterr().err


def test_sampling_run_records_the_audit_head_it_printed(url, tmp_path, capsys):
    from sqlalchemy import select

    from reviewtool.core.db import Database
    from reviewtool.core.models import SamplingRun

    assert run(url, "import", "stops", str(DATA / "2020-01-derbyshire-stop-and-search.csv")) == 0
    cert = tmp_path / "cert.json"
    assert run(url, "sample", "run", "--seed", "x y z", "--size", "5", "--out", str(cert)) == 0
    printed = json.loads(cert.read_text())["audit_head"]
    db = Database.open(url)
    with db.read() as s:
        stored = s.scalars(select(SamplingRun)).one().certificate
    assert stored["audit_head"] == printed
    capsys.readouterr()
    assert run(url, "audit", "verify", "--expect-head", printed) == 0


def test_published_commitment_is_checked_and_recorded(url, tmp_path, capsys):
    import hashlib

    from sqlalchemy import select

    from reviewtool.core.db import Database
    from reviewtool.core.models import SamplingRun

    assert run(url, "import", "stops", str(DATA / "2020-01-derbyshire-stop-and-search.csv")) == 0
    seed = "6 6 1 2 kettle"
    wrong = hashlib.sha256(b"another seed").hexdigest()
    assert run(url, "sample", "run", "--seed", seed, "--size", "3", "--commitment", wrong) == 1
    assert "does not match the commitment" in capsys.readouterr().err
    right = hashlib.sha256(seed.encode()).hexdigest()
    assert run(url, "sample", "run", "--seed", seed, "--size", "3", "--commitment", right.upper()) == 0
    with Database.open(url).read() as s:
        assert s.scalars(select(SamplingRun)).one().published_commitment == right


def test_certificate_pdf_reports_the_commitment_recorded_at_the_draw(url, tmp_path, capsys):
    import hashlib
    import subprocess

    assert run(url, "import", "stops", str(DATA / "2020-01-derbyshire-stop-and-search.csv")) == 0
    seed = "3 3 5 owl"
    commitment = hashlib.sha256(seed.encode()).hexdigest()
    assert run(url, "sample", "run", "--seed", seed, "--size", "3", "--commitment", commitment,
               "--out", str(tmp_path / "cert.json")) == 0
    pdf = tmp_path / "cert.pdf"
    assert run(url, "report", "certificate", "1", "--out", str(pdf)) == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "matches the seed" in text and "No commitment recorded" not in text
