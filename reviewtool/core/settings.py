"""The force's settings: a few typed values with defaults, kept in the `settings` table.

Settings change what people see (whether the subject's face is shown, the wellbeing notice), how long
copies are kept and how the app locks itself, so changing one is an admin's job (CHANGE_SETTINGS) and
every change is written to the audit log with the old and new value in the same transaction. Anyone
signed in may read them: the meeting screen needs the notice, the player needs the policy.

Each setting is declared once in `SETTINGS` (type, default, bounds, a plain-English label). A value in
the table that no longer validates (hand-edited, or from an older version with other bounds) is ignored
in favour of the default and logged: for the one privacy setting the default is the safe side
(redact the subject's face), so a damaged row can never show more than intended.

Two day counts are about keeping footage and are deliberately separate: `force_deletion_days` is the
force's own rule (non-evidential BWV is deleted that long after it was recorded; the footage list
counts down to it so a clip is sampled before it goes), while `retention_days` is this tool's rule
for its own copies (frame indexes, working files), counted from the last session that showed a clip.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from sqlalchemy import select

from reviewtool.core import audit
from reviewtool.core.audit import Actions
from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database, utcnow
from reviewtool.core.errors import ValidationError
from reviewtool.core.models import Rubric, Setting
from reviewtool.media.redaction import RedactionPolicy

log = logging.getLogger(__name__)

MAX_TEXT = 2000
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_RUBRIC_REF = re.compile(r"([a-z0-9][a-z0-9_-]*)/([1-9][0-9]*)")

DEFAULT_WELLBEING_NOTICE = (
    "Some of the footage you are about to see may be distressing. "
    "You may step out of the room at any time, for as long as you need; "
    "nobody will ask why, and the meeting can pause for you."
)


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its type, default and limits, and words for the settings screen."""

    key: str
    kind: type  # bool, int or str
    default: Any
    label: str
    help: str
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    check: Callable[[Any], str | None] | None = None  # extra rule: a problem to report, or None

    def coerce(self, value: Any) -> Any:
        """`value` as this setting's type, or ValidationError naming the setting.

        Text such as "true" or "15" is accepted for booleans and numbers (the command line gives text)."""
        name = self.key
        if self.kind is bool:
            if isinstance(value, bool):
                result: Any = value
            elif isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                result = value.strip().lower() in _TRUE
            else:
                raise ValidationError(f"setting {name}: expected yes or no (true/false), got {_show(value)}")
        elif self.kind is int:
            if isinstance(value, bool):
                raise ValidationError(f"setting {name}: expected a whole number, got {_show(value)}")
            if isinstance(value, int):
                result = value
            elif isinstance(value, float) and value.is_integer():
                result = int(value)
            elif isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
                result = int(value)
            else:
                raise ValidationError(f"setting {name}: expected a whole number, got {_show(value)}")
            if self.minimum is not None and result < self.minimum or \
                    self.maximum is not None and result > self.maximum:
                raise ValidationError(f"setting {name}: must be from {self.minimum} to {self.maximum}, got {result}")
        else:
            if not isinstance(value, str):
                raise ValidationError(f"setting {name}: expected text, got {_show(value)}")
            result = value.strip()
            if not result:
                raise ValidationError(f"setting {name}: must not be empty")
            if self.max_length is not None and len(result) > self.max_length:
                raise ValidationError(f"setting {name}: at most {self.max_length} characters, got {len(result)}")
        if self.check is not None:
            problem = self.check(result)
            if problem:
                raise ValidationError(f"setting {name}: {problem}")
        return result

    def describe_range(self) -> str:
        if self.kind is bool:
            return "yes or no"
        if self.kind is int:
            return f"whole number from {self.minimum} to {self.maximum}"
        return f"text, at most {self.max_length} characters" if self.max_length else "text"


def _show(value: Any) -> str:
    text = json.dumps(value, default=repr, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _rubric_ref_shape(value: str) -> str | None:
    if not _RUBRIC_REF.fullmatch(value):
        return f"expected KEY/VERSION such as 'default/1', got {_show(value)}"
    return None


_SPECS = (
    SettingSpec("redact_subject_face", bool, True, "Redact the face of the person searched",
                "Force policy. Bystanders, children, plates, screens and documents are always redacted; "
                "this decides whether the searched person's face is too."),
    SettingSpec("idle_lock_minutes", int, 10, "Lock the app after this many idle minutes",
                "The app asks for the password again after this long without use.", minimum=1, maximum=30),
    SettingSpec("force_deletion_days", int, 31, "The force deletes footage this many days after recording",
                "The force deletes non-evidential footage this many days after it was recorded; the footage "
                "list counts down to it so clips are sampled and kept in time.", minimum=1, maximum=3650),
    SettingSpec("retention_days", int, 31, "Keep our copies this many days after the session",
                "Frame indexes and the app's own copies of a clip are erased this many days after the "
                "last session that showed it has closed.", minimum=1, maximum=3650),
    SettingSpec("default_quorum", int, 3, "Panel members needed for a quorum",
                "How many panel members must be present for a session to score clips.", minimum=1, maximum=50),
    SettingSpec("active_rubric", str, "default/1", "Scoring form for new sessions",
                "The rubric (KEY/VERSION) that new sessions use.", max_length=90, check=_rubric_ref_shape),
    SettingSpec("wellbeing_notice", str, DEFAULT_WELLBEING_NOTICE, "Wellbeing notice",
                "Shown to the panel before footage is played.", max_length=MAX_TEXT),
)
SETTINGS: Mapping[str, SettingSpec] = {spec.key: spec for spec in _SPECS}


@dataclass(frozen=True)
class SettingValue:
    """A setting as the settings screen shows it."""

    spec: SettingSpec
    value: Any
    is_default: bool
    updated_by: str | None
    updated_at: datetime | None

    @property
    def key(self) -> str:
        return self.spec.key


def spec_of(key: str) -> SettingSpec:
    try:
        return SETTINGS[key]
    except KeyError:
        raise ValidationError(f"setting {key!r} does not exist (known: {', '.join(SETTINGS)})") from None


class SettingsService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> Any:
        spec = spec_of(key)
        with self.db.read() as s:
            row = s.get(Setting, key)
            return self._valid(spec, row)

    def all(self) -> dict[str, Any]:
        """Every setting's current value, in declaration order."""
        return {entry.key: entry.value for entry in self.entries()}

    def entries(self) -> list[SettingValue]:
        """Every setting with its description and who last changed it (for the settings screen)."""
        with self.db.read() as s:
            rows = {row.key: row for row in s.scalars(select(Setting).where(Setting.key.in_(list(SETTINGS))))}
        out = []
        for spec in _SPECS:
            row = rows.get(spec.key)
            value = self._valid(spec, row)
            stored = row is not None and value == row.value
            out.append(SettingValue(spec, value, not stored,
                                    row.updated_by if stored else None, row.updated_at if stored else None))
        return out

    def set(self, actor: Actor, key: str, value: Any, reason: str = "") -> Any:
        """Change a setting (admins); returns the value as stored. Audited with the old and new value."""
        actor.require(Permission.CHANGE_SETTINGS)
        spec = spec_of(key)
        new = spec.coerce(value)
        with self.db.session() as s:
            if spec.key == "active_rubric":
                self._check_rubric_known(s, new)
            row = s.get(Setting, key)
            old = self._valid(spec, row)
            if row is None:
                row = Setting(key=key, value=new, updated_at=utcnow(), updated_by=actor.username)
                s.add(row)
            else:
                row.value = new
                row.updated_at = utcnow()
                row.updated_by = actor.username
            s.flush()
            audit.record(s, actor=actor.username, role=actor.role, action=Actions.SETTING, object_type="setting",
                         object_id=key, reason=reason, details={"old": _audit_value(old), "new": _audit_value(new)})
        return new

    def reset(self, actor: Actor, key: str, reason: str = "") -> Any:
        """Put a setting back to its default (audited like any change)."""
        return self.set(actor, key, spec_of(key).default, reason)

    def policy(self) -> RedactionPolicy:
        return RedactionPolicy(redact_subject_face=self.get("redact_subject_face"))

    # --- internals ------------------------------------------------------------------------------------

    @staticmethod
    def _valid(spec: SettingSpec, row: Setting | None) -> Any:
        if row is None:
            return spec.default
        try:
            if spec.kind is not str and isinstance(row.value, str):
                raise ValidationError("stored as text")  # only the command line may give text
            return spec.coerce(row.value)
        except ValidationError as exc:
            log.error("stored value of setting %s is not valid (%s); using the default %r", spec.key, exc,
                      spec.default)
            return spec.default

    @staticmethod
    def _check_rubric_known(s: Any, ref: str) -> None:
        from reviewtool.core.paths import resources_dir
        from reviewtool.core.rubric import load_rubric_file

        key, version = ref.split("/")
        if s.scalar(select(Rubric.id).where(Rubric.key == key, Rubric.version == int(version))) is not None:
            return
        known = []
        folder = resources_dir() / "rubrics"
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            try:
                rubric = load_rubric_file(path)
            except ValidationError:
                continue
            known.append(f"{rubric.key}/{rubric.version}")
            if rubric.key == key and rubric.version == int(version):
                return
        raise ValidationError(f"setting active_rubric: no rubric {ref} is installed"
                              f" (available: {', '.join(known) or 'none'})")


def _audit_value(value: Any) -> Any:
    """Long texts go into the audit log shortened (the log is not a document store)."""
    if isinstance(value, str) and len(value) > 200:
        return value[:199] + "…"
    return value
