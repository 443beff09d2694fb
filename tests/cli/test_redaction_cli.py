"""`reviewtool redaction …`, `settings …` and `retention …` end to end through `main()`: a tiny clip is
made, ingested, redacted from a file, approved and audited through the real player path; a tampered
clip is refused with a non-zero exit and no frame written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from reviewtool.cli import main
from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack
from reviewtool.media.synth import ClipTruth, make_clip


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> tuple[Path, ClipTruth]:
    path = tmp_path_factory.mktemp("cli-clips") / "BWV-0007.mp4"
    return path, make_clip(path, duration_s=2.0, width=320, height=180, seed=3, faces=1, audio=False)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def ingested(url, tiny_clip, tmp_path, capsys) -> tuple[Path, ClipTruth, str]:
    """(private copy of the clip, its truth, its sha256), ingested."""
    source, truth = tiny_clip
    copy = tmp_path / "clips" / source.name
    copy.parent.mkdir()
    shutil.copyfile(source, copy)
    assert run(url, "footage", "ingest", str(copy)) == 0
    sha = capsys.readouterr().out.split("sha256 ")[1][:12]
    return copy, truth, sha


def run(url: str, *args: str) -> int:
    return main(["--db", url, *args])


def face_file(path: Path, truth: ClipTruth, sha256: str) -> Path:
    """A redaction file covering the clip's face on every frame."""
    frames = truth.frames
    track = RedactionTrack("face", "face_bystander", "solid", "rect",
                           tuple(Keyframe(f.pts, tuple(f.faces[0])) for f in frames))
    path.write_text(RedactionSet(sha256, (track,)).to_json_text())
    return path


def sha_of(url: str, name: str) -> str:
    from reviewtool.core.db import Database
    from reviewtool.core.redactions import find_footage

    db = Database.open(url)
    try:
        with db.read() as s:
            return find_footage(s, name).sha256
    finally:
        db.dispose()


@pytest.mark.media
def test_import_export_approve_status(url, ingested, tmp_path, capsys):
    clip, truth, short_sha = ingested
    sha = sha_of(url, clip.name)
    r = face_file(tmp_path / "r.json", truth, sha)

    assert run(url, "redaction", "approve", "BWV-0007") == 1
    assert "BWV-0007.mp4 are empty" in capsys.readouterr().err

    assert run(url, "redaction", "import", "BWV-0007", str(r)) == 0
    out = capsys.readouterr().out
    assert out.startswith("r.json: imported into BWV-0007.mp4: 1 track(s), 60 keyframe(s)") and "draft (version 1)" in out

    other = tmp_path / "other.json"
    other.write_text(RedactionSet("ab" * 32, ()).to_json_text())
    assert run(url, "redaction", "import", short_sha, str(other)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("reviewtool: other.json: footage_sha256 differs") and "\n" not in err

    assert run(url, "redaction", "approve", "1") == 0
    assert "BWV-0007.mp4: approved by os:" in capsys.readouterr().out
    assert run(url, "redaction", "approve", "bwv-0007.MP4") == 0
    assert "already approved" in capsys.readouterr().out
    assert run(url, "redaction", "status", "BWV-0007") == 0
    assert "approved (version 2)" in capsys.readouterr().out

    exported = tmp_path / "out" / "again.json"
    assert run(url, "redaction", "export", "BWV-0007", "--out", str(exported)) == 0
    assert RedactionSet.from_json_text(exported.read_text(), sha) == RedactionSet.from_json_text(r.read_text(), sha)
    assert run(url, "redaction", "export", "BWV-9999", "--out", str(exported)) == 1
    assert "BWV-9999" in capsys.readouterr().err


def _picture(png: Path) -> np.ndarray:
    with av.open(str(png)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


@pytest.mark.media
@pytest.mark.vlc
def test_redaction_audit_end_to_end_and_tampered_clip(url, ingested, tmp_path, capsys):
    clip, truth, _ = ingested
    sha = sha_of(url, clip.name)
    r = face_file(tmp_path / "r.json", truth, sha)
    actions = tmp_path / "a.json"
    actions.write_text(json.dumps([{"play": 0.5}, {"pause": 0.2}, {"seek": 1.0}, {"step": 3}]))

    # a draft is checked from its file; without one, only an approved set may be audited
    assert run(url, "redaction", "import", "BWV-0007", str(r)) == 0
    assert run(url, "redaction", "audit", "BWV-0007", "--actions", str(actions), "--out", str(tmp_path / "x")) == 1
    assert "not approved" in capsys.readouterr().err
    out_dir = tmp_path / "audit"
    assert run(url, "redaction", "audit", "BWV-0007", "--redactions", str(r), "--actions", str(actions),
               "--out", str(out_dir), "--scale", "0.5") == 0
    summary = capsys.readouterr().out
    lines = [json.loads(line) for line in (out_dir / "frames.jsonl").read_text().splitlines()]
    assert summary.startswith(f"{len(lines)} frames written to {out_dir}: ")
    identified = [line for line in lines if line["frame"] is not None]
    assert f"{len(identified)} identified, 0 blanked" in summary and len(identified) > 5
    assert {line["png"] for line in lines} == {p.name for p in out_dir.glob("*.png")}
    for line in identified:  # the face of the identified frame is covered in what was written
        picture = _picture(out_dir / line["png"])
        x, y, w, h = truth.frames[line["frame"]].faces[0]
        ph, pw = picture.shape[:2]
        inner = picture[int(np.ceil(y * ph)) + 1:int((y + h) * ph) - 1, int(np.ceil(x * pw)) + 1:int((x + w) * pw) - 1]
        assert inner.size and int(inner.max()) <= 16, f"face visible in {line['png']}"

    bad_script = tmp_path / "bad.json"
    bad_script.write_text(json.dumps([{"jump": 1}]))
    assert run(url, "redaction", "audit", "BWV-0007", "--redactions", str(r), "--actions", str(bad_script),
               "--out", str(tmp_path / "y")) == 1
    assert "bad.json: action script: actions[0]: unknown action 'jump'" in capsys.readouterr().err

    data = bytearray(clip.read_bytes())  # four bytes overwritten: decodes fine, must not play
    data[len(data) // 3: len(data) // 3 + 4] = b"\xde\xad\xbe\xef"
    clip.write_bytes(bytes(data))
    tampered_out = tmp_path / "tampered"
    assert run(url, "redaction", "audit", "BWV-0007", "--redactions", str(r), "--actions", str(actions),
               "--out", str(tampered_out)) == 1
    err = capsys.readouterr().err
    assert "BWV-0007.mp4 has changed since it was ingested" in err and "will not be played" in err
    assert not tampered_out.exists()


def test_settings_and_retention_commands(url, capsys):
    assert run(url, "settings", "list") == 0
    out = capsys.readouterr().out
    assert "redact_subject_face = yes    (default; yes or no)" in out and "idle_lock_minutes = 10" in out
    assert run(url, "settings", "set", "idle_lock_minutes", "20", "--reason", "policy review") == 0
    assert capsys.readouterr().out.strip() == "idle_lock_minutes = 20"
    assert run(url, "settings", "set", "redact_subject_face", "no") == 0
    assert capsys.readouterr().out.strip() == "redact_subject_face = no"
    assert run(url, "settings", "set", "idle_lock_minutes", "45") == 1
    assert capsys.readouterr().err.strip() == "reviewtool: setting idle_lock_minutes: must be from 1 to 30, got 45"
    assert run(url, "settings", "set", "colour", "blue") == 1
    assert "setting 'colour' does not exist" in capsys.readouterr().err
    assert run(url, "settings", "list") == 0
    assert "idle_lock_minutes = 20    (set by os:" in capsys.readouterr().out

    assert run(url, "retention", "due") == 0
    assert "0 clip(s) due for erasure" in capsys.readouterr().out
    assert run(url, "retention", "purge", "--dry-run") == 0
    assert capsys.readouterr().out.strip() == "0 clip(s) would be erased (dry run)"
