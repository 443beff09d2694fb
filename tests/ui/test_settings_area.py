"""Settings: an administrator's changes are saved through SettingsService and audited; a refused value
is named and the others still saved; everyone else reads; the rubric is shown question by question."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor
from reviewtool.core.errors import PermissionDenied
from reviewtool.core.models import AuditEvent
from reviewtool.core.rubric import default_rubric
from reviewtool.core.settings import SETTINGS, SettingsService
from reviewtool.ui.main_window import MainWindow
from reviewtool.ui.settings_area import GROUPS, SettingsArea

pytestmark = pytest.mark.usefixtures("sync_tasks", "app_events_reset")


def open_settings(qtbot, ctx) -> SettingsArea:
    area = SettingsArea(ctx)
    qtbot.addWidget(area)
    area.resize(1100, 800)
    area.show()
    area.activated()
    return area


def setting_events(db) -> list[tuple[str, str, dict]]:
    with db.read() as s:
        return [(e.actor, e.object_id, e.details) for e in
                s.scalars(select(AuditEvent).where(AuditEvent.action == Actions.SETTING).order_by(AuditEvent.seq))]


def test_admin_changes_are_saved_and_audited(qtbot, ctx_for, demo_db, app_events_reset):
    area = open_settings(qtbot, ctx_for("admin"))
    assert area.editable and area.save_button.isVisible()
    assert area.value_of("idle_lock_minutes") == 10 and area.value_of("redact_subject_face") is True
    changed: list[str] = []
    app_events_reset.setting_changed.connect(changed.append)

    area.editors["idle_lock_minutes"].setValue(15)
    area.editors["retention_days"].setValue(20)
    area.editors["redact_subject_face"].setChecked(False)
    assert set(area.changed()) == {"idle_lock_minutes", "retention_days", "redact_subject_face"}
    qtbot.mouseClick(area.save_button, Qt.MouseButton.LeftButton)

    service = SettingsService(demo_db)
    assert (service.get("idle_lock_minutes"), service.get("retention_days"), service.get("redact_subject_face")) == \
        (15, 20, False)
    assert area.banner.text().startswith("Saved") and "audit log" in area.banner.text()
    assert sorted(changed) == ["idle_lock_minutes", "redact_subject_face", "retention_days"]
    events = {key: details for actor, key, details in setting_events(demo_db) if actor == "admin"}
    assert events["idle_lock_minutes"] == {"old": 10, "new": 15}
    assert events["redact_subject_face"] == {"old": True, "new": False}
    assert area.changed() == {}
    assert "Changed by admin" in area.notes["idle_lock_minutes"].text()


def test_every_setting_has_a_place_on_the_screen():
    shown = [key for _, keys in GROUPS for key in keys]
    assert sorted(shown) == sorted(SETTINGS) and len(shown) == len(set(shown))


def test_force_deletion_days_sits_with_our_copies_and_is_saved_apart(qtbot, ctx_for, demo_db, app_events_reset):
    area = open_settings(qtbot, ctx_for("admin"))
    force, ours = area.editors["force_deletion_days"], area.editors["retention_days"]
    assert force.parentWidget() is ours.parentWidget()
    assert force.parentWidget().title() == "Keeping footage"
    assert (force.suffix(), force.minimum(), force.maximum(), force.value()) == (" days", 1, 3650, 31)
    assert force.accessibleName() == SETTINGS["force_deletion_days"].label
    assert "The default value" in area.notes["force_deletion_days"].text()
    changed: list[str] = []
    app_events_reset.setting_changed.connect(changed.append)

    force.setFocus()
    force.selectAll()
    qtbot.keyClicks(force, "90")
    assert area.changed() == {"force_deletion_days": 90}
    area.save()

    service = SettingsService(demo_db)
    assert (service.get("force_deletion_days"), service.get("retention_days")) == (90, 31)
    assert changed == ["force_deletion_days"]
    assert [(key, details) for _, key, details in setting_events(demo_db)] == \
        [("force_deletion_days", {"old": 31, "new": 90})]
    assert "Changed by admin" in area.notes["force_deletion_days"].text()
    assert "The default value" in area.notes["retention_days"].text()


def test_a_refused_value_is_named_and_the_rest_saved(qtbot, ctx_for, demo_db):
    area = open_settings(qtbot, ctx_for("admin"))
    area.editors["wellbeing_notice"].setPlainText("   ")
    area.editors["default_quorum"].setValue(4)
    area.save()
    text = area.banner.text()
    assert "Not saved: setting wellbeing_notice: must not be empty" in text
    assert text.startswith("Saved: panel members needed for a quorum.")
    assert area.banner.property("tone") == "error"
    assert SettingsService(demo_db).get("default_quorum") == 4
    assert SettingsService(demo_db).get("wellbeing_notice").startswith("Some of the footage")


def test_nothing_changed_means_nothing_written(qtbot, ctx_for, demo_db):
    area = open_settings(qtbot, ctx_for("admin"))
    before = len(setting_events(demo_db))
    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow, timeout=3000)
    spin = area.editors["default_quorum"]
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Nothing to save" in area.banner.text()
    assert len(setting_events(demo_db)) == before


@pytest.mark.parametrize("user", ["liaison", "supervisor"])
def test_staff_read_settings_but_cannot_change_them(qtbot, ctx_for, demo_db, user):
    ctx = ctx_for(user)
    area = open_settings(qtbot, ctx)
    assert not area.editable and not area.save_button.isVisible()
    assert all(not w.isEnabled() for w in area.editors.values())
    assert area.value_of("retention_days") == 31
    area.save()  # the shortcut path does nothing for them ...
    with pytest.raises(PermissionDenied):  # ... and the service refuses anyway
        SettingsService(demo_db).set(ctx.actor, "retention_days", 5)
    assert setting_events(demo_db) == []


def test_rubric_is_shown_with_every_question(qtbot, ctx_for):
    area = open_settings(qtbot, ctx_for("admin"))
    rubric = default_rubric()
    assert area.value_of("active_rubric") == f"{rubric.key}/{rubric.version}"
    text = area.criteria.toPlainText()
    for criterion in rubric.criteria:
        assert criterion.label in text
    for _, section_title in rubric.sections:
        assert section_title in text
    assert f"{len(rubric.criteria)} questions" in area.rubric_title.text()


def test_saved_idle_minutes_reach_the_idle_lock(qtbot, ctx_for):
    ctx = ctx_for("admin")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    area = window.show_area("settings")
    area.editors["idle_lock_minutes"].setValue(25)
    area.save()
    assert window.idle_lock.timeout_ms == 25 * 60_000


def test_other_users_get_the_new_value_through_the_service(demo_db):
    SettingsService(demo_db).set(Actor("admin", "admin"), "default_quorum", 5)
    assert SettingsService(demo_db).all()["default_quorum"] == 5
