"""Planning a session in the GUI: the preview counts, the seed commitment, the draw and its certificate.

The expected counts are worked out here from the CSV file the stops were imported from (plain Python,
Europe/London days), not through the service the dialog uses.
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QSpinBox, QWidget

from reviewtool.core.db import Database
from reviewtool.core.planning import PlanningService
from reviewtool.core.sampling import seed_commitment
from reviewtool.core.sampling_service import SamplingService
from reviewtool.core.sessions import SessionService
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions import common
from reviewtool.ui.sessions.area import SessionsArea
from reviewtool.ui.sessions.planning_dialog import PlanningDialog
from reviewtool.ui.sessions.seed_panel import grouped

from support.sessions_screens import LIAISON, TODAY, activate, answer_next_box, cached_meeting_db, copy_meeting_db

pytestmark = [pytest.mark.gui, pytest.mark.media]
LONDON = ZoneInfo("Europe/London")
AREA = "Sheffield North"
FROM, TO = date(2026, 1, 1), date(2026, 2, 28)
SEED = "6 6 2 4 1 5 — rolled by the panel"


@pytest.fixture
def meeting(tmp_path_factory, tmp_path):
    template = cached_meeting_db(tmp_path_factory)
    copy = copy_meeting_db(template, tmp_path / "db")
    db = Database.open(copy.url)
    yield template, db
    db.dispose()


@pytest.fixture(autouse=True)
def _synchronous_tasks():
    with tasks.synchronous():
        yield


def expected_counts(template, *, outcome: str | None = None) -> Counter:
    counts: Counter = Counter()
    with (template.folder / "stops.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            day = datetime.fromisoformat(row["Date"]).astimezone(LONDON).date()
            if row["Area"] == AREA and FROM <= day <= TO and (outcome is None or row["Outcome"] == outcome):
                counts[row["Type"]] += 1
    return counts


def table_counts(dialog: PlanningDialog) -> dict[str, tuple[int, int]]:
    table = dialog.preview_table
    return {table.item(r, 0).text(): (int(table.item(r, 1).text().replace(",", "")),
                                      int(table.item(r, 2).text().replace(",", "")))
            for r in range(table.rowCount())}


def choose(dialog: PlanningDialog, *, strata: str | None = "type", size: int = 4) -> None:
    dialog.area_combo.setCurrentIndex(dialog.area_combo.findData(AREA))
    dialog.from_date.setDate(QDate(FROM.year, FROM.month, FROM.day))
    dialog.to_date.setDate(QDate(TO.year, TO.month, TO.day))
    dialog.strata_combo.setCurrentIndex(dialog.strata_combo.findData(strata))
    dialog.sample_size.setValue(size)
    dialog.cap_check.setChecked(False)
    dialog.footage_check.setChecked(False)
    dialog.refresh_preview()


def test_preview_counts_per_stratum_match_the_stops_on_file(qtbot, meeting):
    template, db = meeting
    dialog = PlanningDialog(AppContext(db=db, actor=LIAISON), today=TODAY)
    qtbot.addWidget(dialog)
    choose(dialog)
    expected = expected_counts(template)
    shown = table_counts(dialog)
    assert {k: v[0] for k, v in shown.items()} == dict(expected)
    assert sum(v[0] for v in shown.values()) == sum(expected.values())
    assert f"{sum(expected.values())}" in dialog.preview_summary.text()
    # proportional quotas are the draw's own allocation of the sample size
    assert sum(dialog.quotas().values()) == 4
    assert {dialog.preview_table.item(r, 0).text(): int(dialog.preview_table.item(r, 3).text())
            for r in range(dialog.preview_table.rowCount())} == dialog.quotas()

    # a "where" condition narrows the population
    dialog.add_where("outcome", "Arrest")
    dialog.refresh_preview()
    narrowed = expected_counts(template, outcome="Arrest")
    assert {k: v[0] for k, v in table_counts(dialog).items()} == dict(narrowed)


def editors_in(table) -> list[QWidget]:
    children = table.viewport().findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return [w for w in children if w.isVisible()]


def test_quotas_read_as_a_table_and_are_typed_in_place_when_fixed(qtbot, meeting):
    _template, db = meeting
    dialog = PlanningDialog(AppContext(db=db, actor=LIAISON), today=TODAY)
    qtbot.addWidget(dialog)
    activate(dialog)
    choose(dialog)
    choose(dialog)  # counted again: the table is refilled, never left with an editor over a cell
    table = dialog.preview_table
    rows = table.rowCount()
    assert rows >= 2 and editors_in(table) == []
    assert not any(table.item(r, 3).flags() & Qt.ItemFlag.ItemIsEditable for r in range(rows))
    computed = dialog.quotas()

    dialog.fixed.setChecked(True)
    assert editors_in(table) == [] and table.currentRow() == 0 and table.currentColumn() == 3
    assert all(table.item(r, 3).flags() & Qt.ItemFlag.ItemIsEditable for r in range(rows))
    table.setFocus()
    qtbot.keyClicks(table, "3")  # typing on the selected quota opens a spin box in that cell only
    (editor,) = editors_in(table)
    assert isinstance(editor, QSpinBox) and editor.objectName() == "quotaEditor"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editors_in(table) == [], timeout=3000)  # the delegate closes it when idle
    first = table.item(0, 0).data(Qt.ItemDataRole.UserRole)
    assert dialog.quotas()[first] == 3 and table.item(0, 3).text() == "3"
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    (editor,) = editors_in(table)
    editor.selectAll()
    qtbot.keyClicks(editor, "5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editors_in(table) == [], timeout=3000)
    second = table.item(1, 0).data(Qt.ItemDataRole.UserRole)
    assert dialog.quotas()[second] == 5
    dialog.seed_edit.setText(SEED)
    assert dialog.spec().quotas == dialog.quotas() and dialog.spec().allocation == "fixed"
    assert f"will take {sum(dialog.quotas().values())} stop" in dialog.quota_note.text()

    dialog.refresh_preview()  # the same groups keep the quotas typed
    assert dialog.quotas()[first] == 3 and editors_in(table) == []
    dialog.proportional.setChecked(True)
    assert dialog.quotas() == computed
    assert {table.item(r, 0).data(Qt.ItemDataRole.UserRole): int(table.item(r, 3).text())
            for r in range(rows)} == computed
    qtbot.keyClicks(table, "7")
    assert editors_in(table) == [] and dialog.quotas() == computed


def test_seed_commitment_is_shown_and_checked_against_the_published_one(qtbot, meeting):
    _template, db = meeting
    dialog = PlanningDialog(AppContext(db=db, actor=LIAISON), today=TODAY)
    qtbot.addWidget(dialog)
    choose(dialog)
    assert not dialog.draw_button.isEnabled()  # no seed yet
    assert "seed" in dialog.problem_banner.label.text()
    dialog.seed_edit.setText(SEED)
    digest = hashlib.sha256(SEED.encode("utf-8")).hexdigest()
    assert dialog.commitment_label.text() == grouped(digest)
    assert dialog.commitment_label.text().replace(" ", "").replace("\n", "") == digest
    assert dialog.draw_button.isEnabled()
    dialog.published_edit.setText("0" * 64)
    assert "does not match" in dialog.published_check.text()
    assert not dialog.draw_button.isEnabled()
    dialog.published_edit.setText(digest.upper())
    assert "matches" in dialog.published_check.text()
    assert dialog.draw_button.isEnabled()
    dialog.generated_radio.setChecked(True)
    generated = dialog.seed()
    assert len(generated) == 32 and generated != SEED
    assert dialog.seed_edit.isReadOnly()


def test_drawing_creates_the_session_and_shows_a_printable_certificate(qtbot, meeting, monkeypatch, tmp_path):
    _template, db = meeting
    ctx = AppContext(db=db, actor=LIAISON)
    area = SessionsArea(ctx)
    qtbot.addWidget(area)
    opened: list[str] = []
    monkeypatch.setattr(common, "open_file", lambda path: opened.append(path) or True)
    from reviewtool.ui.sessions import certificate

    monkeypatch.setattr(certificate, "open_file", lambda path: opened.append(path) or True)
    dialog = PlanningDialog(ctx, area, today=TODAY)
    qtbot.addWidget(dialog)
    choose(dialog)
    dialog.name_edit.setText("CMG — April 2026")
    dialog.seed_edit.setText(SEED)
    dialog.published_edit.setText(seed_commitment(SEED))
    asked = answer_next_box(qtbot, "Draw the sample")
    dialog.draw()
    assert asked and SEED in asked[0]
    assert dialog.session_id is not None
    assert dialog.pages.currentWidget() is dialog.result_page

    view = SessionService(db).get(LIAISON, dialog.session_id)
    assert view.name == "CMG — April 2026" and len(view.items) == 4
    run = PlanningService(db).run_for_session(LIAISON, view.id)
    assert run.seed == SEED and run.seed_commitment == seed_commitment(SEED)
    assert SamplingService(db).verify(LIAISON, run.certificate).match

    cert_view = dialog.certificate_view
    assert cert_view.seed_label.text() == SEED
    assert cert_view.commitment_label.text() == seed_commitment(SEED)
    assert [line.split(". ", 1)[1] for line in cert_view.selection_text.toPlainText().splitlines()] == \
        [it.stop.reference for it in view.items]
    cert_view.open_pdf()
    assert len(opened) == 1
    text = subprocess.run(["pdftotext", "-layout", opened[0], "-"], capture_output=True, text=True, check=True).stdout
    squashed = "".join(text.split())
    assert seed_commitment(SEED) in squashed
    assert "matches" in squashed and "notmatch" not in squashed.lower()  # the published commitment was checked
    for item in view.items:
        assert item.stop.reference in text

    dialog.accept()
    area.reload(select=dialog.session_id)
    assert area.current_session_id() == dialog.session_id


def test_planning_service_on_both_backends(db, tmp_path):
    """The dialog's Qt-free service: previews, values, span, certificate PDF (audited) and the rubric."""
    from sqlalchemy import func, select

    from support.sessions_screens import write_stops_csv
    from reviewtool.core.auth import Actor
    from reviewtool.core.errors import PermissionDenied
    from reviewtool.core.models import AuditEvent
    from reviewtool.core.sampling import SamplingSpec
    from reviewtool.core.sampling_service import SamplingFilters
    from reviewtool.core.stop_import import StopImportService
    from reviewtool.progress import run_to_end

    export = tmp_path / "stops.csv"
    write_stops_csv(export, stops=80, clips=0)
    run_to_end(StopImportService(db).import_files(LIAISON, [export]))
    planning = PlanningService(db)
    filters = SamplingFilters(area=AREA, date_from=FROM, date_to=TO)
    preview = planning.preview(LIAISON, filters, "type")
    with export.open(encoding="utf-8") as fh:
        expected = Counter(row["Type"] for row in csv.DictReader(fh)
                           if row["Area"] == AREA and FROM <= datetime.fromisoformat(row["Date"]).astimezone(LONDON)
                           .date() <= TO)
    assert preview.counts() == dict(expected) and preview.with_footage == 0
    assert sum(preview.proportional_quotas(5).values()) == 5
    assert set(planning.values(LIAISON, "type", filters)) == set(expected)
    span = planning.span(LIAISON)
    assert span.stops == 80 and AREA in span.areas and span.first_day <= FROM
    with pytest.raises(PermissionDenied):
        planning.preview(Actor(username="sam", role="supervisor"), filters, None)

    outcome = SamplingService(db).run(LIAISON, SamplingSpec(seed=SEED, sample_size=3, filters=filters.as_json()),
                                      session_name="Backend check")
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    pdf = planning.certificate_pdf(LIAISON, outcome.run_id, seed_commitment(SEED))
    assert pdf.startswith(b"%PDF")
    with db.read() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
    assert (last.action, last.object_type, last.details["kind"]) == ("disclosure.report", "sampling_run", "certificate")
    assert planning.run_for_session(LIAISON, outcome.session_id).seed == SEED
    assert planning.rubric_for_session(LIAISON, outcome.session_id).key == "default"
    with pytest.raises(PermissionDenied):  # a panel member not recorded present sees nothing
        planning.rubric_for_session(Actor(username="nobody", role="panel"), outcome.session_id)
