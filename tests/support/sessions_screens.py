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

import csv
import random
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

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
LONDON = ZoneInfo("Europe/London")
AREAS = ("Sheffield North", "Sheffield South", "Rotherham")
FOCUS_AREA = AREAS[0]
_TYPES = ("Person search", "Person search", "Person search", "Person and Vehicle search", "Vehicle search")
_POWERS = (("Misuse of Drugs Act 1971 (section 23)", "Controlled drugs"),
           ("Police and Criminal Evidence Act 1984 (section 1)", "Stolen goods"),
           ("Police and Criminal Evidence Act 1984 (section 1)", "Offensive weapons"))
_OUTCOMES = ("A no further action disposal", "A no further action disposal", "Arrest", "Community resolution",
             "Khat or Cannabis warning")
_GROUNDS = ("Strong smell of cannabis; seen passing a small item to another person in an alley.",
            "Matched the description circulated for a shop theft 20 minutes earlier.",
            "Seen concealing an object in waistband on seeing police; recent knife-crime reports.")
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


def face_redactions(sha256: str, truth) -> RedactionSet:
    """A solid box over every face of a `make_clip` clip, keyed on every frame from its ground truth."""
    frames = truth.frames
    return RedactionSet.from_json({
        "format": "reviewtool-redactions/1", "footage_sha256": sha256,
        "tracks": [{"label": "face_bystander", "effect": "solid", "shape": "rect",
                    "keyframes": [{"t": f.pts, "box": list(f.faces[k])} for f in frames]}
                   for k in range(len(frames[0].faces))],
        "blank": [], "mute": []}, expected_sha256=sha256)


def whole_picture_pixelated(sha256: str, duration_s: float) -> RedactionSet:
    """For a clip whose faces are not known here (screenshots over someone else's demo): pixelate it all."""
    return RedactionSet.from_json({
        "format": "reviewtool-redactions/1", "footage_sha256": sha256,
        "tracks": [{"label": "face_bystander", "effect": "pixelate", "shape": "rect",
                    "keyframes": [{"t": 0.0, "box": [0.0, 0.0, 1.0, 1.0]},
                                  {"t": max(duration_s, 0.1), "box": [0.0, 0.0, 1.0, 1.0]}]}],
        "blank": [], "mute": []}, expected_sha256=sha256)


def write_stops_csv(path: Path, *, stops: int, clips: int, today: date = TODAY) -> tuple[list[str], date]:
    """A force-export CSV (the public columns plus Officer, Team, Area, Footage, Grounds). The focus
    area's latest `clips + 2` stops are the meeting's: the first `clips` name a clip, two have none.
    Returns the clip names and the local day of the first of those stops."""
    rng = random.Random(7)
    start = datetime.combine(today - timedelta(days=90), time(), LONDON)
    rows = []
    for n in range(stops):
        when = (start + timedelta(minutes=rng.randrange(0, 88 * 24 * 60))).astimezone(timezone.utc)
        kind = rng.choice(_TYPES)
        power, wanted = rng.choice(_POWERS)
        person = kind != "Vehicle search"
        rows.append({
            "Reference": f"SS-{when:%y%m}-{n + 1:05d}", "Type": kind, "Date": when.isoformat(timespec="seconds"),
            "Part of a policing operation": "False", "Policing operation": "", "Latitude": "53.38",
            "Longitude": "-1.47", "Gender": rng.choice(["Male", "Female"]) if person else "",
            "Age range": rng.choice(["18-24", "25-34"]) if person else "",
            "Self-defined ethnicity": "White - English/Welsh/Scottish/Northern Irish/British" if person else "",
            "Officer-defined ethnicity": "White" if person else "", "Legislation": power, "Object of search": wanted,
            "Outcome": rng.choice(_OUTCOMES), "Outcome linked to object of search": "False",
            "Removal of more than just outer clothing": "False" if person else "",
            "Officer": f"SY{4100 + rng.randrange(12)}", "Team": "Response A", "Area": AREAS[n % 3], "Footage": "",
            "Grounds": rng.choice(_GROUNDS)})
    rows.sort(key=lambda r: r["Date"])
    focus = [r for r in rows if r["Area"] == FOCUS_AREA][-(clips + 2):]
    names = [f"BWV-{today:%Y%m}-{n:04d}.mp4" for n in range(1, clips + 1)]
    for row, name in zip(focus, names):
        row["Footage"] = name
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return names, datetime.fromisoformat(focus[0]["Date"]).astimezone(LONDON).date()


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
    clip_names, focus_from = write_stops_csv(export, stops=60, clips=clips)
    run_to_end(StopImportService(db).import_files(LIAISON, [export]))
    paths, truths = [], {}
    for n, name in enumerate(clip_names):
        path = folder / "footage" / name
        path.parent.mkdir(exist_ok=True)
        truths[name] = make_clip(path, duration_s=3.0, width=320, height=180, fps=25.0, seed=20 + n, faces=1,
                                 audio=False)
        paths.append(path)
    outcomes = run_to_end(FootageService(db).ingest(LIAISON, paths))
    assert not any(o.error for o in outcomes), [o.error for o in outcomes]
    redactions = RedactionService(db)
    with db.read() as s:
        clips_by_name = {f.file_name: (f.id, f.sha256) for f in s.scalars(select(Footage))}
    for name in clip_names:
        footage_id, sha = clips_by_name[name]
        state = redactions.save(LIAISON, footage_id, face_redactions(sha, truths[name]), expected_version=0)
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


# --- screenshots ----------------------------------------------------------------------------------

def _settle(app, seconds: float = 0.0, until=None) -> None:
    import time

    end = time.monotonic() + seconds
    while True:
        for _ in range(5):
            app.processEvents()
        if until is not None and until():
            return
        if time.monotonic() >= end:
            return
        time.sleep(0.03)


def _working_copy(db_url: str, folder: Path) -> str:
    """Screens change the session (attendance, answers): work on a copy of a SQLite file."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix):
        return db_url
    source = Path(db_url[len(prefix):])
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / "reviewtool.db")
    return f"{prefix}{folder / 'reviewtool.db'}"


def _prepare_clips(db: Database, session_id: int) -> None:
    """Give every clip in the session approved redactions (a face box where there are none yet)."""
    from reviewtool.core.sessions import SessionService

    redactions = RedactionService(db)
    for item in SessionService(db).get(LIAISON, session_id).items:
        if item.footage is None or item.redaction == "approved":
            continue
        state = redactions.get(LIAISON, item.footage.id)
        if item.redaction == "none":
            document = whole_picture_pixelated(item.footage.sha256, item.footage.duration_s)
            state = redactions.save(LIAISON, item.footage.id, document, state.version)
        redactions.approve(LIAISON, item.footage.id, state.version)


def render_session_pngs(db_url: str, out_dir: Path) -> list[Path]:
    """Render the Sessions screens over (a copy of) the database at `db_url` into `out_dir`.

    Needs a planned session with at least one clip and at least two panel members linked to users
    (the demo database and `build_meeting_db` both have them). Returns the PNG paths written."""
    import tempfile

    from PySide6.QtWidgets import QApplication

    from reviewtool.core.scoring import ScoringService
    from reviewtool.core.sessions import SessionService
    from reviewtool.ui import tasks
    from reviewtool.ui.context import AppContext
    from reviewtool.ui.sessions.area import SessionsArea
    from reviewtool.ui.sessions.certificate import CertificateDialog
    from reviewtool.ui.sessions.meeting_window import REVIEW, SCORING, MeetingWindow
    from reviewtool.ui.sessions.planning_dialog import PlanningDialog
    from reviewtool.ui.sessions.presenter import WINDOW
    from reviewtool.ui.sessions.wellbeing import WellbeingDialog
    from reviewtool.core.planning import PlanningService
    from reviewtool.core.settings import SettingsService

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    was_synchronous = tasks.is_synchronous()
    tasks.set_synchronous(True)
    work = Path(tempfile.mkdtemp(prefix="reviewtool-session-shots-"))
    db = Database.open(_working_copy(db_url, work))
    written: list[Path] = []

    def save(widget, name: str, seconds: float = 0.0) -> None:
        _settle(app, seconds)
        path = out_dir / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise RuntimeError(f"could not write {path}")
        written.append(path)

    try:
        ctx = AppContext(db=db, actor=LIAISON)
        sessions = SessionService(db)
        planned = [s for s in sessions.list_sessions(LIAISON) if s.status == "planned"]
        if not planned:
            raise ValueError("the database has no planned session to show")
        session_id = planned[0].id

        area = SessionsArea(ctx)
        area.resize(1280, 800)
        area.show()
        area.reload(select=session_id)
        save(area, "sessions-planned")

        dialog = PlanningDialog(ctx, area)
        dialog.seed_edit.setText("4 2 6 1 3 5 5 2")
        dialog.strata_combo.setCurrentIndex(dialog.strata_combo.findData("type"))
        dialog.footage_check.setChecked(False)
        dialog.from_check.setChecked(False)
        dialog.refresh_preview()
        dialog.show()
        save(dialog, "sessions-plan-dialog")
        dialog.close()

        run = PlanningService(db).run_for_session(LIAISON, session_id)
        if run is not None:
            certificate = CertificateDialog(ctx, run, planned[0].name)
            certificate.show()
            save(certificate, "sessions-certificate")
            certificate.close()

        _prepare_clips(db, session_id)
        for member in sessions.list_panel_members(LIAISON):
            sessions.record_attendance(LIAISON, session_id, member.id, True, True)
        area.reload(select=session_id)
        area.page.tabs.setCurrentIndex(1)
        save(area, "sessions-attendance")
        area.page.tabs.setCurrentIndex(0)
        sessions.start(LIAISON, session_id)

        window = MeetingWindow(ctx, session_id)
        window.resize(1280, 720)
        window.show()
        window.wellbeing_shown = True
        window.choose_presenter(WINDOW)
        window.presenter.resize(960, 540)
        _settle(app, 4.0, until=lambda: window.clip.video.frame is not None)
        save(window, "sessions-meeting-clip")
        save(window.presenter, "sessions-presenter")

        view = sessions.get(LIAISON, session_id)
        item = window.item
        scoring = ScoringService(db)
        members = [a.member_id for a in view.attendance if a.counts_for_quorum]
        spoken = [("overall", ("amber", "amber", "green", "amber")), ("respect", ("4", "3", "4", "4")),
                  ("grounds_explained", ("partly", "yes", "partly", "no")),
                  ("gowisely_station", ("not_given", "not_given", "given", "not_given"))]
        for criterion, answers in spoken:
            for member, answer in zip(members[1:], answers[1:]):
                scoring.record_answer(LIAISON, item.id, member, criterion, answer)
        window.show_page(SCORING)
        form = window.scoring_page.current_form()
        form.rows["grounds_explained"].choose("partly")
        form.rows["respect"].choose("4")
        save(window, "sessions-meeting-scoring")

        from reviewtool.ui.sessions.my_session import MySessionView

        with db.read() as s:
            member_user = s.scalar(select(User).join(PanelMember, PanelMember.user_id == User.id)
                                   .where(PanelMember.id == members[0]))
        member_actor = Actor(username=member_user.username, role="panel", user_id=member_user.id)
        sessions.mark_shown(LIAISON, item.id)
        mine = MySessionView(AppContext(db=db, actor=member_actor))
        mine.resize(1280, 800)
        mine.show()
        mine.refresh()
        save(mine, "sessions-my-session-blind")

        window.show_page(REVIEW)
        window.refresh()
        save(window, "sessions-meeting-before-reveal")
        scoring.reveal(LIAISON, item.id)
        window.refresh()
        window.review_page.consensus.rag_buttons["amber"].click()
        window.review_page.consensus.summary.setPlainText(
            "Calm and polite throughout; the station was not given and the grounds were explained only in part.")
        save(window, "sessions-meeting-reveal")
        mine.refresh()
        save(mine, "sessions-my-session-revealed")
        mine.close()

        notice = WellbeingDialog(SettingsService(db).get("wellbeing_notice"), window)
        notice.show()
        save(notice, "sessions-wellbeing")
        notice.close()
        window.close()
        area.close()
    finally:
        tasks.set_synchronous(was_synchronous)
        db.dispose()
    return written
