"""Stops & footage: the item models, the filters, import and ingest through the UI, verification, the
footage status columns and the hand-over to the redaction editor."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from reviewtool.core.auth import Actor
from reviewtool.core.browse import list_footage, list_stops
from reviewtool.core.settings import SettingsService
from reviewtool.ui.models import RowFilterProxy, RowTableModel
from reviewtool.ui.stops_area import STOP_COLUMNS, StopsArea

pytestmark = pytest.mark.usefixtures("sync_tasks")
LONDON = ZoneInfo("Europe/London")

HEADER = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
          "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
          "Outcome linked to object of search,Removal of more than just outer clothing")
GOOD = ("Person search,2021-06-0{day}T07:15:00+00:00,False,,51.45,-2.59,Male,18-24,,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False")
BAD = ("Person search,not a date,False,,51.45,-2.59,Male,18-24,,White,"
       "Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False")


def open_area(qtbot, ctx) -> StopsArea:
    area = StopsArea(ctx)
    qtbot.addWidget(area)
    area.resize(1200, 700)
    area.show()
    area.activated()
    return area


def test_models_pass_the_model_tester(qtmodeltester, demo_db):
    rows = list_stops(demo_db, Actor("liaison", "liaison"))
    model = RowTableModel(STOP_COLUMNS, rows)
    qtmodeltester.check(model)
    proxy = RowFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("sheffield")
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(proxy)
    model.set_rows(rows[:5])
    qtmodeltester.check(model)


def test_stop_filters_and_search(qtbot, ctx_for):
    area = open_area(qtbot, ctx_for("liaison"))
    panel = area.stops.panel
    rows = panel.model.rows()
    assert len(rows) == 60 and panel.count.text() == "60 stop records"

    area_counts = Counter(r.area for r in rows)
    busiest = area_counts.most_common(1)[0][0]
    panel.choose("area", busiest)
    shown = panel.proxy.visible_rows()
    assert {r.area for r in shown} == {busiest} and len(shown) == area_counts[busiest]
    assert panel.count.text() == f"Showing {len(shown)} of 60 stop records"

    month = max(r.month for r in shown)
    panel.choose("month", month)
    shown = panel.proxy.visible_rows()
    assert shown and all(r.area == busiest and r.month == month for r in shown)

    panel.clear_filters()
    officer = rows[0].officer
    panel.choose("officer", officer)
    assert {r.officer for r in panel.proxy.visible_rows()} == {officer}
    panel.choose("officer", None)
    panel.choose("outcome", "Arrest")
    assert {r.outcome for r in panel.proxy.visible_rows()} == {"Arrest"}

    panel.clear_filters()
    qtbot.keyClicks(panel.search, f"{rows[3].reference}")
    assert [r.reference for r in panel.proxy.visible_rows()] == [rows[3].reference]
    panel.search.clear()
    qtbot.keyClicks(panel.search, "controlled ARREST")  # every word, any column, any case
    assert all("Controlled" in r.object_of_search and r.outcome == "Arrest" for r in panel.proxy.visible_rows())

    panel.clear_filters()
    assert panel.proxy.rowCount() == 60


def test_stop_details_show_the_grounds(qtbot, ctx_for):
    area = open_area(qtbot, ctx_for("liaison"))
    panel = area.stops.panel
    panel.select_first()
    row = panel.selected_row()
    text = area.stops.details.text()
    assert row.reference in text and "Grounds:" in text


def test_import_through_the_ui_reports_skipped_rows(qtbot, ctx_for, tmp_path):
    area = open_area(qtbot, ctx_for("liaison"))
    path = tmp_path / "june.csv"
    path.write_text("\n".join([HEADER, GOOD.format(day=1), BAD, GOOD.format(day=2)]) + "\n", encoding="utf-8")
    area.stops.choose_files = lambda: [path]
    qtbot.mouseClick(area.stops.import_button, Qt.MouseButton.LeftButton)

    dialog = area.stops.last_result
    assert dialog is not None and dialog.isVisible()
    assert dialog.summary.text().startswith("2 stop records added from 1 file.")
    assert "1 row was skipped" in dialog.summary.text()
    assert dialog.rows[0][:2] == ["june.csv", "2"] and dialog.rows[0][3].startswith("Skipped:")
    assert area.stops.panel.model.rowCount() == 62
    dialog.close()

    qtbot.mouseClick(area.stops.import_button, Qt.MouseButton.LeftButton)  # the same file again
    again = area.stops.last_result
    assert "0 stop records added" in again.summary.text() and "2 were already in the database" in again.summary.text()
    assert area.stops.panel.model.rowCount() == 62


def test_footage_table_status_redactions_and_days_left(qtbot, ctx_for, demo_db):
    ctx = ctx_for("liaison")
    area = open_area(qtbot, ctx)
    footage = area.footage
    rows = footage.panel.model.rows()
    assert len(rows) == 2 and footage.panel.count.text() == "2 clips"
    assert all(r.status == "ingested" and r.redaction == "none" and r.file_exists and r.index_ok for r in rows)
    # the force's period counts from capture (the demo records the stop's time), else from ingest
    assert all(r.captured_at is not None for r in rows)
    assert all(r.kept_until == r.captured_at.astimezone(LONDON).date() + timedelta(days=31) for r in rows)

    settings, admin = SettingsService(demo_db), Actor("admin", "admin")
    settings.set(admin, "retention_days", 5)  # how long our own copies are kept: not the force's date
    area.activated()
    assert [r.kept_until for r in footage.panel.model.rows()] == [r.kept_until for r in rows]
    settings.set(admin, "force_deletion_days", 10)
    area.activated()
    again = footage.panel.model.rows()
    assert [r.kept_until - rows[n].kept_until for n, r in enumerate(again)] == [timedelta(days=-21)] * 2
    model = footage.panel.model
    days_column = [c.title for c in model.columns].index("Days left")
    d = again[0].days_left  # the demo's clips were recorded weeks ago: the day may have passed
    assert model.data(model.index(0, days_column)) == (f"{-d} days ago" if d < 0 else f"{d} days")

    with pytest.raises(ValueError):  # only states that occur are offered
        footage.panel.choose("redaction", "Approved")
    footage.panel.choose("redaction", "None yet")
    assert footage.panel.proxy.rowCount() == 2


def test_verify_through_the_ui(qtbot, ctx_for):
    area = open_area(qtbot, ctx_for("liaison"))
    qtbot.mouseClick(area.footage.verify_button, Qt.MouseButton.LeftButton)
    dialog = area.footage.last_result
    assert dialog is not None and dialog.isVisible()
    assert "All 2 clips are present and unchanged" in dialog.summary.text()


@pytest.mark.media
def test_ingest_through_the_ui(qtbot, ctx_for, tmp_path):
    from reviewtool.media.synth import make_clip

    clip = tmp_path / "BWV-new.mp4"
    make_clip(clip, duration_s=1.0, width=320, height=180, fps=10.0, seed=5)
    area = open_area(qtbot, ctx_for("liaison"))
    area.footage.choose_files = lambda: [clip, tmp_path / "missing.mp4"]
    qtbot.mouseClick(area.footage.ingest_button, Qt.MouseButton.LeftButton)
    dialog = area.footage.last_result
    assert dialog.rows[0] == ["BWV-new.mp4", "Ingested"], dialog.rows
    assert dialog.summary.text().startswith("1 clip ingested.") and "1 could not be ingested" in dialog.summary.text()
    assert dialog.rows[0] == ["BWV-new.mp4", "Ingested"] and dialog.rows[1][1].startswith("Not ingested:")
    assert "BWV-new.mp4" in [r.file_name for r in area.footage.panel.model.rows()]


def test_moved_clip_shows_as_missing(qtbot, ctx_for, demo_db, tmp_path):
    liaison = Actor("liaison", "liaison")
    clip = list_footage(demo_db, liaison, force_deletion_days=31)[0]
    from reviewtool.core.models import Footage

    with demo_db.session() as s:
        s.get(Footage, clip.id).file_path = str(tmp_path / "moved-away.mp4")
    area = open_area(qtbot, ctx_for("liaison"))
    row = next(r for r in area.footage.panel.model.rows() if r.id == clip.id)
    assert row.status == "file missing"
    area.footage.panel.choose("status", "File missing")
    assert [r.id for r in area.footage.panel.proxy.visible_rows()] == [clip.id]
    area.footage.panel.select_first()
    assert not area.footage.editor_button.isEnabled()


def test_open_in_redaction_editor_hands_over_the_clip(qtbot, ctx_for, monkeypatch, require_module):
    require_module("reviewtool.ui.editor")
    import reviewtool.ui.editor as editor

    calls = []
    monkeypatch.setattr(editor, "open_redaction_editor", lambda ctx, footage_id, parent: calls.append(
        (ctx.actor.username, footage_id, parent)))
    area = open_area(qtbot, ctx_for("liaison"))
    assert not area.footage.editor_button.isEnabled()
    area.footage.panel.select_first()
    chosen = area.footage.panel.selected_row()
    qtbot.mouseClick(area.footage.editor_button, Qt.MouseButton.LeftButton)
    assert calls == [("liaison", chosen.id, area.footage)]


def test_supervisor_and_admin_read_stops_but_handle_no_footage(qtbot, ctx_for):
    for user in ("supervisor", "admin"):
        area = open_area(qtbot, ctx_for(user))
        assert area.footage is None and area.stops.import_button is None
        assert area.stops.panel.model.rowCount() == 60
        assert "Read only" in area.stops.panel.note.text()
