"""A small meeting database for the Sessions tests, and the Sessions screens rendered to PNG.

`build_meeting_db(folder)` makes what a liaison officer has the morning of a meeting: users and panel
members, 60 stop records, three tiny real clips (320x180, 3 s) ingested through FootageService,
redactions saved through RedactionService (two approved, one left as a draft), and a planned session
drawn by SamplingService with five items: three with clips and two without footage (findings).

`render_session_pngs(db_url, out_dir)` (for the screenshots script) opens the Sessions area and its
windows over such a database and writes one PNG per screen; it returns the paths written.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from reviewtool.cli.demo_data import FOCUS_AREA, write_force_export
from reviewtool.core.auth import Actor, UserService
from reviewtool.core.db import Database
from reviewtool.core.footage_service import FootageService
from reviewtool.core.models import Footage, PanelMember, User
from reviewtool.core.redactions import RedactionService
from reviewtool.core.sampling import SamplingSpec
from reviewtool.core.sampling_service import SamplingService
from reviewtool.core.stop_import import StopImportService
from reviewtool.media.redaction import RedactionSet
from reviewtool.progress import run_to_end

TODAY = date(2026, 3, 16)
SESSION_NAME = "Community Monitoring Group — March 2026"
SEED = "3 1 4 1 5 9 2 6"
PANEL = (("panel1", "Amira Haddad"), ("panel2", "Tomasz Kowalski"), ("panel3", "Grace Okafor"))
LIAISON = Actor(username="liaison", role="liaison")
PASSWORD = "test-password-123"


@dataclass(frozen=True)
class MeetingDb:
    folder: Path
    url: str
    session_id: int
    clip_names: tuple[str, ...]
    draft_clip: str  # the clip whose redactions are still a draft
    focus_from: date


def face_redactions(sha256: str) -> RedactionSet:
    return RedactionSet.from_json({
        "format": "reviewtool-redactions/1", "footage_sha256": sha256,
        "tracks": [{"label": "face", "effect": "solid", "shape": "rect",
                    "keyframes": [{"t": 0.0, "box": [0.1, 0.1, 0.3, 0.4]}, {"t": 2.5, "box": [0.5, 0.4, 0.3, 0.4]}]}],
        "blank": [], "mute": []}, expected_sha256=sha256)


def build_meeting_db(folder: Path, *, clips: int = 3) -> MeetingDb:
    from reviewtool.media.synth import make_clip

    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'reviewtool.db'}"
    db = Database.open(url)
    setup = Actor(username="test-setup", role="admin")
    users = UserService(db)
    users.add(setup, "liaison", "Lee Liaison", "liaison", PASSWORD)
    users.add(setup, "supervisor", "Sam Supervisor", "supervisor", PASSWORD)
    for username, name in PANEL:
        users.add(setup, username, name, "panel", PASSWORD)
    with db.session() as s:
        for username, name in PANEL:
            user = s.scalar(select(User).where(User.username == username))
            initials = "".join(part[0] for part in name.split()).upper()
            s.add(PanelMember(name=name, initials=initials, user_id=user.id))
    export = folder / "stops.csv"
    clip_names, focus_from = write_force_export(export, stops=60, clips=clips, today=TODAY)
    run_to_end(StopImportService(db).import_files(LIAISON, [export]))
    paths = []
    for n, name in enumerate(clip_names):
        path = folder / "footage" / name
        path.parent.mkdir(exist_ok=True)
        make_clip(path, duration_s=3.0, width=320, height=180, fps=25.0, seed=20 + n, faces=1, audio=False)
        paths.append(path)
    outcomes = run_to_end(FootageService(db).ingest(LIAISON, paths))
    assert not any(o.error for o in outcomes), [o.error for o in outcomes]
    redactions = RedactionService(db)
    with db.read() as s:
        clips_by_name = {f.file_name: (f.id, f.sha256) for f in s.scalars(select(Footage))}
    for name in clip_names:
        footage_id, sha = clips_by_name[name]
        state = redactions.save(LIAISON, footage_id, face_redactions(sha), expected_version=0)
        if name != clip_names[-1]:
            redactions.approve(LIAISON, footage_id, expected_version=state.version)
    spec = SamplingSpec(seed=SEED, allocation="proportional", sample_size=clips + 2, require_footage=False,
                        filters={"area": FOCUS_AREA, "from": focus_from.isoformat(), "to": TODAY.isoformat()})
    outcome = SamplingService(db).run(LIAISON, spec, session_name=SESSION_NAME)
    db.dispose()
    return MeetingDb(folder, url, outcome.session_id, tuple(clip_names), clip_names[-1], focus_from)


def copy_meeting_db(template: MeetingDb, folder: Path) -> MeetingDb:
    """A private copy of the database file (the clips and frame indexes are shared, read-only)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template.folder / "reviewtool.db", folder / "reviewtool.db")
    return MeetingDb(folder, f"sqlite:///{folder / 'reviewtool.db'}", template.session_id, template.clip_names,
                     template.draft_clip, template.focus_from)


def cached_meeting_db(tmp_path_factory) -> MeetingDb:
    """One template per test run, shared by the Sessions test modules (built by the first to ask)."""
    folder = tmp_path_factory.getbasetemp() / "sessions-meeting-template"
    marker = folder / "built.txt"
    if marker.is_file():
        session_id, draft, focus = marker.read_text().split("\n")[:3]
        clips = tuple(sorted(p.name for p in (folder / "footage").glob("*.mp4")))
        return MeetingDb(folder, f"sqlite:///{folder / 'reviewtool.db'}", int(session_id), clips, draft,
                         date.fromisoformat(focus))
    built = build_meeting_db(folder)
    marker.write_text(f"{built.session_id}\n{built.draft_clip}\n{built.focus_from.isoformat()}\n")
    return built


def answer_next_box(qtbot, button_text: str, *, typed: str | None = None) -> list[str]:
    """Click `button_text` on the next modal dialog or message box that opens (typing `typed` into its
    first text box first). Returns a list that receives the dialog's text, for the test to check."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QPlainTextEdit

    seen: list[str] = []

    def act() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, act)
            return
        seen.append(box.text() if isinstance(box, QMessageBox) else box.windowTitle())
        if typed is not None:
            box.findChild(QPlainTextEdit).setPlainText(typed)
        for button in box.findChildren(QAbstractButton):
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r} on {box.windowTitle()!r}")

    QTimer.singleShot(0, act)
    return seen


def start_meeting(db: Database, session_id: int) -> None:
    """Remove the item whose clip is still a draft (with a reason), record everyone present with the
    confidentiality agreement confirmed, and start the session -- through the services."""
    from reviewtool.core.sessions import SessionService

    sessions = SessionService(db)
    view = sessions.get(LIAISON, session_id)
    for item in view.items:
        if item.redaction == "draft":
            sessions.remove_item(LIAISON, item.id, "Redactions could not be finished before the meeting")
    for member in sessions.list_panel_members(LIAISON):
        sessions.record_attendance(LIAISON, session_id, member.id, True, True)
    sessions.start(LIAISON, session_id)


def panel_actor(db: Database, username: str = "panel1") -> Actor:
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
        return Actor(username=user.username, role=user.role, user_id=user.id)


def activate(widget) -> None:
    """Show a top-level widget and make it the active window (offscreen needs asking), so keyboard
    focus, focus-out commits and window shortcuts behave as on a desktop."""
    from PySide6.QtTest import QTest

    widget.show()
    QTest.qWaitForWindowExposed(widget)
    widget.windowHandle().requestActivate()
    if not QTest.qWaitForWindowActive(widget, 3000):
        raise AssertionError(f"{widget.objectName() or widget} did not become the active window")
