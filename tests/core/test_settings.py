"""Settings: typed values with defaults, validation naming the setting, admin-only changes, every change
audited; a damaged stored value falls back to the (safe) default."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reviewtool.core.auth import Actor
from reviewtool.core.errors import PermissionDenied, ValidationError
from reviewtool.core.models import AuditEvent, Setting
from reviewtool.core.settings import DEFAULT_WELLBEING_NOTICE, SETTINGS, SettingsService
from reviewtool.media.redaction import RedactionPolicy

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def setting_events(db) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "alteration.setting")
                              .order_by(AuditEvent.seq)))


def test_defaults_changes_and_audit(db, admin):
    settings = SettingsService(db)
    assert settings.all() == {"redact_subject_face": True, "idle_lock_minutes": 10, "force_deletion_days": 31,
                              "retention_days": 31, "default_quorum": 3, "active_rubric": "default/1",
                              "wellbeing_notice": DEFAULT_WELLBEING_NOTICE}
    assert "step out" in DEFAULT_WELLBEING_NOTICE
    assert settings.policy() == RedactionPolicy(redact_subject_face=True)

    assert settings.set(admin, "redact_subject_face", False, reason="force policy 2026/14") is False
    assert settings.set(admin, "idle_lock_minutes", "15") == 15  # text from the command line
    assert settings.set(admin, "wellbeing_notice", "  Take a break whenever you need.  ") == \
        "Take a break whenever you need."
    assert settings.set(admin, "redact_subject_face", False) is False  # a repeat is still audited
    assert settings.policy() == RedactionPolicy(redact_subject_face=False)
    assert settings.get("idle_lock_minutes") == 15

    events = setting_events(db)
    assert [(e.object_id, e.details["old"], e.details["new"]) for e in events] == [
        ("redact_subject_face", True, False), ("idle_lock_minutes", 10, 15),
        ("wellbeing_notice", DEFAULT_WELLBEING_NOTICE, "Take a break whenever you need."),
        ("redact_subject_face", False, False)]
    assert events[0].reason == "force policy 2026/14" and events[0].actor == "admin1"

    entries = {e.key: e for e in settings.entries()}
    assert entries["idle_lock_minutes"].updated_by == "admin1" and not entries["idle_lock_minutes"].is_default
    assert entries["retention_days"].is_default and entries["retention_days"].updated_by is None

    assert settings.reset(admin, "idle_lock_minutes") == 10
    assert settings.get("idle_lock_minutes") == 10


INVALID = [
    ("idle_lock_minutes", 0, "setting idle_lock_minutes: must be from 1 to 30, got 0"),
    ("idle_lock_minutes", 31, "setting idle_lock_minutes: must be from 1 to 30, got 31"),
    ("idle_lock_minutes", "ten", "setting idle_lock_minutes: expected a whole number"),
    ("idle_lock_minutes", True, "setting idle_lock_minutes: expected a whole number"),
    ("idle_lock_minutes", 2.5, "setting idle_lock_minutes: expected a whole number"),
    ("retention_days", 0, "setting retention_days: must be from 1"),
    ("force_deletion_days", 0, "setting force_deletion_days: must be from 1 to 3650, got 0"),
    ("force_deletion_days", 3651, "setting force_deletion_days: must be from 1 to 3650, got 3651"),
    ("force_deletion_days", "a month", "setting force_deletion_days: expected a whole number"),
    ("default_quorum", -1, "setting default_quorum: must be from 1"),
    ("redact_subject_face", "perhaps", "setting redact_subject_face: expected yes or no"),
    ("redact_subject_face", 1, "setting redact_subject_face: expected yes or no"),
    ("active_rubric", "default", "setting active_rubric: expected KEY/VERSION"),
    ("active_rubric", "default/2", "setting active_rubric: no rubric default/2 is installed (available: default/1)"),
    ("wellbeing_notice", "   ", "setting wellbeing_notice: must not be empty"),
    ("wellbeing_notice", "x" * 2001, "setting wellbeing_notice: at most 2000 characters"),
    ("colour", "blue", "setting 'colour' does not exist"),
]


@sqlite_only
def test_invalid_values_are_refused_naming_the_setting(db, admin):
    settings = SettingsService(db)
    before = settings.all()
    for key, value, message in INVALID:
        with pytest.raises(ValidationError) as caught:
            settings.set(admin, key, value)
        assert str(caught.value).startswith(message), (key, value)
    assert settings.all() == before and setting_events(db) == []


@sqlite_only
def test_only_admins_change_settings_anyone_reads(db, liaison):
    settings = SettingsService(db)
    for actor in (liaison, Actor("p", "panel"), Actor("s", "supervisor")):
        with pytest.raises(PermissionDenied):
            settings.set(actor, "idle_lock_minutes", 5)
    assert settings.get("idle_lock_minutes") == 10
    assert set(settings.all()) == set(SETTINGS)


@sqlite_only
def test_the_forces_deletion_and_our_own_retention_are_separate_settings(db, admin):
    settings = SettingsService(db)
    force, ours = SETTINGS["force_deletion_days"], SETTINGS["retention_days"]
    assert (force.default, force.minimum, force.maximum) == (31, 1, 3650)
    assert "after it was recorded" in force.help and "counts down" in force.help
    assert "after the last session" in ours.help
    assert settings.set(admin, "force_deletion_days", "90") == 90
    assert (settings.get("force_deletion_days"), settings.get("retention_days")) == (90, 31)
    settings.set(admin, "retention_days", 7)
    assert (settings.get("force_deletion_days"), settings.get("retention_days")) == (90, 7)
    assert [(e.object_id, e.details["old"], e.details["new"]) for e in setting_events(db)] == [
        ("force_deletion_days", 31, 90), ("retention_days", 31, 7)]


def test_damaged_stored_value_falls_back_to_the_safe_default(db, caplog):
    with db.session() as s:
        s.add(Setting(key="redact_subject_face", value="no", updated_by="someone"))  # text, not a boolean
        s.add(Setting(key="idle_lock_minutes", value=90, updated_by="someone"))  # out of range
    settings = SettingsService(db)
    assert settings.get("redact_subject_face") is True
    assert settings.policy().redact_subject_face is True
    assert settings.get("idle_lock_minutes") == 10
    entry = {e.key: e for e in settings.entries()}["idle_lock_minutes"]
    assert entry.is_default and entry.updated_by is None
    assert "idle_lock_minutes is not valid" in caplog.text


@sqlite_only
def test_an_installed_rubric_row_may_be_chosen(db, admin):
    from reviewtool.core.models import Rubric

    with db.session() as s:
        s.add(Rubric(key="cmg-london", version=2, title="London CMG", definition={}, sha256="0" * 64))
    assert SettingsService(db).set(admin, "active_rubric", "cmg-london/2") == "cmg-london/2"
