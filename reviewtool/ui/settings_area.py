"""Settings: the force's policy and the app's behaviour, readable by staff, changed by an administrator.

Every setting comes from `SettingsService` with its label, help text and limits (declared once in
`reviewtool.core.settings`), so this screen has no rules of its own: it shows each value with who last
changed it, and "Save changes" hands each changed value to the service, which validates it and writes
it with an audit record (old and new value) in the same transaction.  If one value is refused, the
message names it; the others are saved and the screen shows what is now stored.

The scoring form (rubric) is shown read-only with every criterion: rubrics are versioned data, never
edited here; an administrator only chooses which installed version new sessions use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Permission
from reviewtool.core.browse import available_rubrics
from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.rubric import RubricDefinition
from reviewtool.core.settings import SettingsService, SettingValue, spec_of
from reviewtool.ui import tasks
from reviewtool.ui.app_events import app_events
from reviewtool.ui.context import AppContext

log = logging.getLogger(__name__)

GROUPS = (
    ("Force policy", ("redact_subject_face",)),
    ("Keeping footage", ("force_deletion_days", "retention_days")),
    ("Security", ("idle_lock_minutes",)),
    ("Meetings", ("default_quorum", "wellbeing_notice", "active_rubric")),
)
UNITS = {"force_deletion_days": " days", "retention_days": " days", "idle_lock_minutes": " minutes",
         "default_quorum": " members"}


@dataclass
class _Loaded:
    entries: list[SettingValue]
    rubrics: list[RubricDefinition]


class SettingsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsArea")
        self.ctx = ctx
        self.editable = ctx.can(Permission.CHANGE_SETTINGS)
        self.service: SettingsService = ctx.service(SettingsService)
        self.entries: dict[str, SettingValue] = {}
        self.editors: dict[str, QWidget] = {}
        self.notes: dict[str, QLabel] = {}
        self.rubrics: list[RubricDefinition] = []

        heading = QLabel("Settings")
        heading.setObjectName("areaHeading")
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Settings message")
        if not self.editable:
            self._say("Read only: only an administrator can change these settings.", "info")
        else:
            self.banner.hide()

        left = QVBoxLayout()
        left.setSpacing(12)
        for title, keys in GROUPS:
            box = QGroupBox(title)
            rows = QVBoxLayout(box)
            rows.setSpacing(14)
            for key in keys:
                self._add_row(rows, key)
            left.addWidget(box)
        left.addStretch(1)

        self.rubric_box = QGroupBox("Scoring form")
        rubric_layout = QVBoxLayout(self.rubric_box)
        self.rubric_title = QLabel()
        self.rubric_title.setObjectName("rubricTitle")
        self.rubric_title.setWordWrap(True)
        self.criteria = QTextBrowser()
        self.criteria.setObjectName("criteria")
        self.criteria.setOpenLinks(False)
        self.criteria.setAccessibleName("Questions of the scoring form")
        self.criteria.document().setDefaultStyleSheet(
            "h3 { color: #1f4e79; margin-top: 12px; margin-bottom: 4px; }"
            "p.q { margin: 6px 0 0 0; } p.a { margin: 1px 0 0 16px; color: #4a5563; }")
        rubric_layout.addWidget(self.rubric_title)
        rubric_layout.addWidget(QLabel("Rubrics are versioned: a changed form is a new version, never an edit."))
        rubric_layout.addWidget(self.criteria, 1)

        columns = QHBoxLayout()
        columns.setSpacing(18)
        columns.addLayout(left, 4)
        columns.addWidget(self.rubric_box, 6)
        inner = QWidget()
        inner.setObjectName("settingsInner")
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 6, 0)
        inner_layout.addLayout(columns)
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)

        self.save_button = QPushButton("&Save changes")
        self.save_button.setObjectName("saveSettings")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("&Undo changes")
        self.revert_button.setObjectName("revertSettings")
        self.revert_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        for b in (self.save_button, self.revert_button):
            b.setVisible(self.editable)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        if self.editable:
            save = QShortcut(QKeySequence.StandardKey.Save, self)
            save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            save.activated.connect(self.save)

    # -- building --------------------------------------------------------------------------------------
    def _add_row(self, rows: QVBoxLayout, key: str) -> None:
        """Label, editor, what it means, and whether it is the default or who changed it."""
        spec = spec_of(key)
        editor: QWidget
        stretch_editor = True
        if key == "active_rubric":
            combo = QComboBox()
            combo.currentIndexChanged.connect(self._show_rubric)
            editor = combo
        elif spec.kind is bool:
            editor = QCheckBox(spec.label)
        elif spec.kind is int:
            spin = QSpinBox()
            spin.setRange(spec.minimum or 0, spec.maximum or 1_000_000)
            spin.setSuffix(UNITS.get(key, ""))
            spin.setMinimumWidth(170)
            editor = spin
            stretch_editor = False
        elif (spec.max_length or 0) > 200:
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setMinimumHeight(100)
            text.setMaximumHeight(140)
            editor = text
        else:
            editor = QLineEdit()
            editor.setMaxLength(spec.max_length or 200)
        editor.setObjectName(f"setting_{key}")
        editor.setAccessibleName(spec.label)
        editor.setAccessibleDescription(spec.help)
        editor.setEnabled(self.editable)
        self.editors[key] = editor

        cell = QVBoxLayout()
        cell.setSpacing(4)
        if not isinstance(editor, QCheckBox):
            label = QLabel(spec.label)
            label.setObjectName("settingLabel")
            label.setWordWrap(True)
            label.setBuddy(editor)
            cell.addWidget(label)
        line = QHBoxLayout()
        line.addWidget(editor, 1 if stretch_editor else 0)
        if not stretch_editor:
            line.addStretch(1)
        cell.addLayout(line)
        help_text = QLabel(spec.help)
        help_text.setObjectName("hint")
        help_text.setWordWrap(True)
        cell.addWidget(help_text)
        state = QLabel()
        state.setObjectName("settingState")
        cell.addWidget(state)
        self.notes[key] = state
        rows.addLayout(cell)

    # -- reading ---------------------------------------------------------------------------------------
    @Slot()
    def activated(self) -> None:
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        service, db = self.service, self.ctx.db
        tasks.run_task(self, lambda: _Loaded(service.entries(), available_rubrics(db)), self._loaded,
                       title="Reading settings")

    def _loaded(self, loaded: _Loaded) -> None:
        self.entries = {e.key: e for e in loaded.entries}
        self.rubrics = loaded.rubrics
        for key, entry in self.entries.items():
            if key in self.editors:
                self._set_editor(key, entry.value)
                if entry.is_default:
                    self.notes[key].setText("<i>The default value.</i>")
                elif entry.updated_at is not None:
                    self.notes[key].setText(f"<i>Changed by {_escape(entry.updated_by or '?')} "
                                            f"on {entry.updated_at:%d %b %Y}.</i>")
        self._show_rubric()

    def _set_editor(self, key: str, value: Any) -> None:
        editor = self.editors[key]
        if isinstance(editor, QComboBox):
            editor.blockSignals(True)
            editor.clear()
            refs = [f"{r.key}/{r.version}" for r in self.rubrics]
            if value not in refs:
                refs.append(value)
            for ref in refs:
                rubric = self._rubric(ref)
                editor.addItem(f"{rubric.title} (version {rubric.version})" if rubric else ref, ref)
            editor.setCurrentIndex(editor.findData(value))
            editor.blockSignals(False)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))

    def value_of(self, key: str) -> Any:
        editor = self.editors[key]
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText().strip()
        assert isinstance(editor, QLineEdit)
        return editor.text().strip()

    def _rubric(self, ref: str) -> RubricDefinition | None:
        for r in self.rubrics:
            if f"{r.key}/{r.version}" == ref:
                return r
        return None

    @Slot()
    def _show_rubric(self, *_args) -> None:
        combo = self.editors["active_rubric"]
        assert isinstance(combo, QComboBox)
        rubric = self._rubric(combo.currentData() or "")
        if rubric is None:
            self.rubric_title.setText("The chosen scoring form is not installed on this computer.")
            self.criteria.clear()
            return
        self.rubric_title.setText(f"<b>{_escape(rubric.title)}</b> — version {rubric.version}, "
                                  f"{len(rubric.criteria)} questions (* must be answered)")
        html = []
        for section_id, section_title in rubric.sections:
            html.append(f"<h3>{_escape(section_title)}</h3>")
            for c in rubric.criteria:
                if c.section != section_id:
                    continue
                answers = "Free text" if c.type == "text" else " · ".join(a.label for a in c.answers)
                star = " *" if c.required else ""
                html.append(f"<p class='q'>{_escape(c.label)}{star}</p><p class='a'>{_escape(answers)}</p>")
        self.criteria.setHtml("".join(html))

    # -- saving ----------------------------------------------------------------------------------------
    def changed(self) -> dict[str, Any]:
        return {k: self.value_of(k) for k, e in self.entries.items()
                if k in self.editors and self.value_of(k) != e.value}

    @Slot()
    def save(self) -> None:
        if not self.editable:
            return
        changes = self.changed()
        if not changes:
            self._say("Nothing to save: no setting was changed.", "info")
            return
        service, actor = self.service, self.ctx.actor

        def write() -> tuple[list[str], list[str]]:
            saved, refused = [], []
            for key, value in changes.items():
                try:
                    service.set(actor, key, value)
                    saved.append(key)
                except ReviewtoolError as exc:
                    refused.append(str(exc))
            return saved, refused

        tasks.run_task(self, write, self._saved, title="Saving settings")

    def _saved(self, outcome: tuple[list[str], list[str]]) -> None:
        saved, refused = outcome
        for key in saved:
            app_events().setting_changed.emit(key)
        labels = ", ".join(self.entries[k].spec.label.lower() for k in saved)
        if refused:
            text = ("Saved: " + labels + ". " if saved else "") + "Not saved: " + "; ".join(refused)
            self._say(text, "error")
        else:
            self._say(f"Saved ({labels}). The change is recorded in the audit log.", "ok")
        log.info("settings saved: %s; refused: %s", saved, refused)
        self.refresh()

    def _say(self, text: str, tone: str) -> None:
        self.banner.setText(text)
        self.banner.setProperty("tone", tone)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner.show()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
