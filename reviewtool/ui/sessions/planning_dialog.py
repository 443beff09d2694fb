"""Plan a session: draw a verifiable random sample (hmac-bottomk/1) and create the session from it.

The dialog is used in front of the panel, so it shows its workings: how many stops each choice leaves
eligible (per stratum, and how many have footage), the quotas the draw will use, and the seed's
commitment the moment a seed is typed -- the number to publish before the meeting and check after.
The seed may be typed in the room (dice rolls, words) or generated; it is used exactly as typed.

The draw itself is `SamplingService.run`; previews come from `PlanningService` (the same population
query), so what the dialog says and what the certificate records cannot disagree.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.planning import DataSpan, PlanningService, PopulationPreview, spec_problem, stratum_label
from reviewtool.core.sampling import ALGORITHM, SamplingSpec
from reviewtool.core.sampling_service import SamplingFilters, SamplingService
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.certificate import CertificateView
from reviewtool.ui.sessions.quota_table import QuotaTable, StratumRow
from reviewtool.ui.sessions.seed_panel import SeedPanel
from reviewtool.ui.sessions.common import (
    WARN_COLOUR,
    Banner,
    DownOnlyScroll,
    confirm,
    heading,
    quiet,
    show_problem,
)
from reviewtool.ui.tasks import run_task

PREVIEW_DELAY_MS = 300
ANY = "__any__"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def previous_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def month_of(day: date) -> tuple[date, date]:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day.replace(day=1), following - timedelta(days=1)


def default_period(today: date, last_stop: date) -> tuple[date, date]:
    """Last calendar month, as panels usually review; if the stops on file end before it, the month
    of the latest stop instead, so the first preview is not an empty one."""
    start, end = previous_month(today)
    return (start, end) if last_stop >= start else month_of(last_stop)


class WhereRow(QWidget):
    """One "only stops where FIELD is VALUE" condition."""

    changed = Signal()
    removeRequested = Signal(object)

    def __init__(self, fields: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.field = QComboBox()
        self.field.setObjectName("whereField")
        for name, label in fields:
            self.field.addItem(label, name)
        self.value = QComboBox()
        self.value.setObjectName("whereValue")
        self.value.setEditable(True)
        self.value.setMinimumWidth(220)
        self.value.lineEdit().setPlaceholderText("value")
        remove = QToolButton()
        remove.setText("✕")
        remove.setToolTip("Remove this condition")
        remove.clicked.connect(lambda: self.removeRequested.emit(self))
        layout.addWidget(self.field, 2)
        layout.addWidget(QLabel("is"))
        layout.addWidget(self.value, 3)
        layout.addWidget(remove)
        self.field.currentIndexChanged.connect(self.changed)
        self.value.currentTextChanged.connect(self.changed)

    def condition(self) -> tuple[str, str] | None:
        """(field, value) or None while no value is given; "(no value recorded)" means ""."""
        text = self.value.currentText()
        index = self.value.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            return self.field.currentData(), self.value.itemData(index)
        return (self.field.currentData(), text) if text.strip() else None

    def set_values(self, values: list[str]) -> None:
        current = self.value.currentText()
        self.value.blockSignals(True)
        self.value.clear()
        for v in values:
            self.value.addItem(stratum_label(v), v)
        self.value.setCurrentIndex(-1)
        self.value.setEditText(current)
        self.value.blockSignals(False)


class PlanningDialog(QDialog):
    """`exec()`; afterwards `session_id` is the new session (None if cancelled)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("planningDialog")
        self.setWindowTitle("Plan a session — draw a random sample")
        self.resize(1140, 680)  # fits a laptop screen (1280x720 inside the taskbar and title bar)
        self.session_id: int | None = None
        self.outcome = None
        self.preview: PopulationPreview | None = None
        self._preview_generation = 0
        self._planning = ctx.service(PlanningService)
        self._fields = [(f.name, f.label) for f in self._planning.fields()]
        today = today or date.today()
        self._today = today

        outer = QVBoxLayout(self)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages)
        self.pages.addWidget(self._build_plan_page(today))
        self.result_page = QWidget()
        self.result_layout = QVBoxLayout(self.result_page)
        self.pages.addWidget(self.result_page)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.draw_button = self.buttons.addButton("Draw the sample and create the session",
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.draw_button.setObjectName("drawButton")
        self.draw_button.setDefault(False)
        self.draw_button.setAutoDefault(False)
        self.draw_button.clicked.connect(self.draw)
        self.done_button = self.buttons.addButton("Done", QDialogButtonBox.ButtonRole.AcceptRole)
        self.done_button.hide()
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.accept)
        outer.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self._load_span()
        self._update_allocation()
        self.refresh_preview()

    # --- layout -----------------------------------------------------------------------------------------

    def _build_plan_page(self, today: date) -> QWidget:
        page = QWidget()
        columns = QHBoxLayout(page)
        columns.setContentsMargins(0, 0, 0, 0)
        left_inner = QWidget()
        left = QVBoxLayout(left_inner)
        left.setContentsMargins(0, 0, 8, 0)
        columns.addWidget(DownOnlyScroll(left_inner), 3)
        right = QVBoxLayout()
        columns.addLayout(right, 2)

        left.addWidget(heading("Plan a session"))
        left.addWidget(quiet(f"The sample is drawn with {ALGORITHM}: anyone with the seed and the stop records "
                             "can draw it again and get the same stops. Nothing here is saved until you draw."))
        session_box = QFormLayout()
        self.name_edit = QLineEdit(f"Community Monitoring Group — {today:%B %Y}")
        self.name_edit.setObjectName("sessionName")
        session_box.addRow("Session name:", self.name_edit)
        left.addLayout(session_box)

        # Which stops are eligible
        eligible = QGroupBox("1. Which stops are eligible")
        form = QFormLayout(eligible)
        self.area_combo = QComboBox()
        self.area_combo.setObjectName("areaCombo")
        self.area_combo.addItem("Any area", ANY)
        form.addRow("Area:", self.area_combo)
        dates = QHBoxLayout()
        start, end = previous_month(today)
        self.from_check = QCheckBox("From")
        self.from_check.setObjectName("fromCheck")
        self.from_check.setChecked(True)
        self.from_date = QDateEdit(_qdate(start))
        self.from_date.setObjectName("fromDate")
        self.to_check = QCheckBox("to")
        self.to_check.setObjectName("toCheck")
        self.to_check.setChecked(True)
        self.to_date = QDateEdit(_qdate(end))
        self.to_date.setObjectName("toDate")
        for d in (self.from_date, self.to_date):
            d.setCalendarPopup(True)
            d.setDisplayFormat("d MMM yyyy")
        for w in (self.from_check, self.from_date, self.to_check, self.to_date):
            dates.addWidget(w)
        dates.addStretch(1)
        form.addRow("Dates (inclusive):", dates)
        self.span_label = quiet("")
        form.addRow("", self.span_label)
        self.where_rows: list[WhereRow] = []
        self.where_box = QVBoxLayout()
        self.where_box.setContentsMargins(0, 0, 0, 0)
        add_where = QPushButton("Add a condition…")
        add_where.setObjectName("addWhere")
        add_where.clicked.connect(lambda: self.add_where())
        where_holder = QVBoxLayout()
        where_holder.addLayout(self.where_box)
        where_holder.addWidget(add_where, 0, Qt.AlignmentFlag.AlignLeft)
        form.addRow("Only stops where:", where_holder)
        left.addWidget(eligible)

        # Strata and quotas
        strata = QGroupBox("2. Strata and quotas")
        sform = QFormLayout(strata)
        self.strata_combo = QComboBox()
        self.strata_combo.setObjectName("strataCombo")
        self.strata_combo.addItem("Do not stratify (one group)", None)
        for name, label in self._fields:
            self.strata_combo.addItem(label, name)
        sform.addRow("Stratify by:", self.strata_combo)
        self.proportional = QRadioButton("Proportional to each group's size, sample size")
        self.proportional.setObjectName("proportionalRadio")
        self.proportional.setChecked(True)
        self.sample_size = QSpinBox()
        self.sample_size.setObjectName("sampleSize")
        self.sample_size.setRange(0, 500)
        self.sample_size.setValue(8)
        prop_row = QHBoxLayout()
        prop_row.addWidget(self.proportional)
        prop_row.addWidget(self.sample_size)
        prop_row.addStretch(1)
        self.fixed = QRadioButton("A fixed number from each group (set them in the table)")
        self.fixed.setObjectName("fixedRadio")
        allocation = QButtonGroup(self)
        allocation.addButton(self.proportional)
        allocation.addButton(self.fixed)
        alloc_box = QVBoxLayout()
        alloc_box.addLayout(prop_row)
        alloc_box.addWidget(self.fixed)
        sform.addRow("How many:", alloc_box)
        cap_row = QHBoxLayout()
        self.cap_check = QCheckBox("At most")
        self.cap_check.setObjectName("capCheck")
        self.cap_check.setChecked(True)
        self.cap_spin = QSpinBox()
        self.cap_spin.setObjectName("capSpin")
        self.cap_spin.setRange(1, 50)
        self.cap_spin.setValue(2)
        cap_row.addWidget(self.cap_check)
        cap_row.addWidget(self.cap_spin)
        cap_row.addWidget(QLabel("stops per officer"))
        cap_row.addStretch(1)
        sform.addRow("Per-officer cap:", cap_row)
        self.footage_check = QCheckBox("Require footage")
        self.footage_check.setObjectName("footageCheck")
        self.footage_check.setChecked(True)
        sform.addRow("Footage:", self.footage_check)
        sform.addRow("", quiet("A stop the draw reaches that has no footage is passed over and listed on the "
                               "certificate as a finding to follow up."))
        left.addWidget(strata)

        # Seed
        self.seed_panel = SeedPanel()
        self.seed_panel.changed.connect(self._update_problems)
        # the dialog's own names for the panel's parts (tests and keyboard users reach them here)
        for name in ("typed_radio", "generated_radio", "seed_edit", "generate_button", "commitment_label",
                     "published_edit", "published_check"):
            setattr(self, name, getattr(self.seed_panel, name))
        left.addWidget(self.seed_panel)
        left.addStretch(1)

        # Preview (right column)
        right.addWidget(heading("Eligible stops", 2))
        self.preview_summary = QLabel("Counting…")
        self.preview_summary.setObjectName("previewSummary")
        self.preview_summary.setWordWrap(True)
        right.addWidget(self.preview_summary)
        self.preview_table = QuotaTable()
        self.preview_table.quotaEdited.connect(self._update_problems)
        right.addWidget(self.preview_table)
        self.quota_note = QLabel("")
        self.quota_note.setObjectName("quotaNote")
        self.quota_note.setWordWrap(True)
        right.addWidget(self.quota_note)
        self.problem_banner = Banner()
        self.problem_banner.setObjectName("planProblem")
        right.addWidget(self.problem_banner)
        right.addStretch(1)

        # wiring
        for signal in (self.area_combo.currentIndexChanged, self.from_check.toggled, self.to_check.toggled,
                       self.from_date.dateChanged, self.to_date.dateChanged, self.strata_combo.currentIndexChanged):
            signal.connect(self.schedule_preview)
        self.from_check.toggled.connect(self.from_date.setEnabled)
        self.to_check.toggled.connect(self.to_date.setEnabled)
        for signal in (self.proportional.toggled, self.sample_size.valueChanged, self.cap_check.toggled,
                       self.footage_check.toggled):
            signal.connect(self._update_allocation)
        self.cap_check.toggled.connect(self.cap_spin.setEnabled)
        self.name_edit.textChanged.connect(self._update_problems)
        return page

    # --- choices ----------------------------------------------------------------------------------------

    def _load_span(self) -> None:
        try:
            span: DataSpan = self._planning.span(self.ctx.actor)
        except ReviewtoolError as exc:
            self.span_label.setText(str(exc))
            return
        for area in span.areas:
            self.area_combo.addItem(area, area)
        if span.first_day and span.last_day:
            self.span_label.setText(f"Stop records on file: {span.stops:,}, from {span.first_day:%d %b %Y} "
                                    f"to {span.last_day:%d %b %Y}.")
            start, end = default_period(self._today, span.last_day)
            self.from_date.setDate(_qdate(start))
            self.to_date.setDate(_qdate(end))
        else:
            self.span_label.setText("There are no stop records on file yet: import some first.")

    def add_where(self, field: str | None = None, value: str | None = None) -> WhereRow:
        row = WhereRow(self._fields)
        if field is not None:
            row.field.setCurrentIndex(row.field.findData(field))
        self.where_rows.append(row)
        self.where_box.addWidget(row)
        row.changed.connect(self.schedule_preview)
        row.removeRequested.connect(self._remove_where)
        row.field.currentIndexChanged.connect(lambda: self._load_values(row))
        self._load_values(row)
        if value is not None:
            row.value.setEditText(value)
        self.schedule_preview()
        return row

    def _remove_where(self, row: WhereRow) -> None:
        self.where_rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.schedule_preview()

    def _load_values(self, row: WhereRow) -> None:
        field = row.field.currentData()
        run_task(self, lambda: self._planning.values(self.ctx.actor, field), row.set_values,
                 on_error=self._values_failed, title="Reading values")

    def _values_failed(self, exc: BaseException) -> None:
        # The list of values only saves typing; without it a value can still be typed.
        if not isinstance(exc, ReviewtoolError):
            raise exc
        self.span_label.setText(f"The values of that field could not be listed ({exc}); type one instead.")

    def filters(self) -> SamplingFilters:
        where = {}
        for row in self.where_rows:
            condition = row.condition()
            if condition is not None:
                where[condition[0]] = condition[1]
        area = self.area_combo.currentData()
        return SamplingFilters(where=where or None,
                               date_from=_pydate(self.from_date.date()) if self.from_check.isChecked() else None,
                               date_to=_pydate(self.to_date.date()) if self.to_check.isChecked() else None,
                               area=None if area == ANY else area)

    def strata_field(self) -> str | None:
        return self.strata_combo.currentData()

    def seed(self) -> str:
        return self.seed_panel.seed()

    def generate(self) -> None:
        self.seed_panel.generate()

    # --- preview ----------------------------------------------------------------------------------------

    def schedule_preview(self) -> None:
        self.preview_summary.setText("Counting…")
        self._timer.start()

    def refresh_preview(self) -> None:
        """Count the eligible stops per stratum now (off the GUI thread; the newest request wins)."""
        self._timer.stop()
        self._preview_generation += 1
        generation = self._preview_generation
        filters, strata = self.filters(), self.strata_field()
        run_task(self, lambda: self._planning.preview(self.ctx.actor, filters, strata),
                 lambda preview: self._show_preview(generation, preview),
                 on_error=lambda exc: self._preview_failed(generation, exc), title="Counting eligible stops")

    def _preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._preview_generation:
            return
        if not isinstance(exc, ReviewtoolError):
            raise exc
        self.preview = None
        self.preview_table.setRowCount(0)
        self.preview_summary.setText(str(exc))
        self._update_problems()

    def _show_preview(self, generation: int, preview: PopulationPreview) -> None:
        if generation != self._preview_generation:
            return
        self.preview = preview
        self.preview_table.show_strata([
            StratumRow(stratum.value, stratum_label(stratum.value) if preview.strata_field else "All eligible stops",
                       stratum.eligible, stratum.with_footage) for stratum in preview.strata])
        self.preview_summary.setText(
            f"<b>{preview.eligible:,}</b> eligible stops, {preview.with_footage:,} of them with footage"
            + (f", in {len(preview.strata)} groups" if preview.strata_field else "") + ".")
        self._update_allocation()

    def quotas(self) -> dict[str, int]:
        """The quotas the draw will use: computed (proportional) or as set in the table (fixed)."""
        if self.preview is None:
            return {}
        if self.proportional.isChecked():
            return self.preview.proportional_quotas(self.sample_size.value())
        return self.preview_table.quotas()

    def _update_allocation(self) -> None:
        proportional = self.proportional.isChecked()
        self.sample_size.setEnabled(proportional)
        self.preview_table.set_fixed(not proportional)
        if proportional:
            self.preview_table.set_quotas(self.quotas())
        self._update_problems()

    def _update_problems(self) -> None:
        """Say what stands in the way of drawing (and what to expect), and enable the button."""
        problems, notes = [], []
        if not self.name_edit.text().strip():
            problems.append("Give the session a name.")
        if not self.seed():
            problems.append("Type the seed chosen in the room, or generate one.")
        if self.seed_panel.mismatch():
            problems.append("The seed does not match the commitment published beforehand.")
        if self.preview is None:
            problems.append("The eligible stops have not been counted yet.")
        else:
            quotas = self.quotas()
            total = sum(quotas.values())
            if total == 0:
                problems.append("The sample would be empty: set a sample size or quotas.")
            if self.preview.eligible == 0:
                problems.append("No stop matches these filters.")
            if self.footage_check.isChecked():
                short = [s for s in self.preview.strata if quotas.get(s.value, 0) > s.with_footage]
                if short:
                    notes.append("Some groups have fewer stops with footage than their quota; they will give "
                                 "what they have and the shortfall is recorded.")
            notes.insert(0, f"The sample will take {total} stop{'s' if total != 1 else ''}.")
            problem = spec_problem(self._spec_args("x"))
            if problem and not problems:
                problems.append(problem[0].upper() + problem[1:] + ".")
        self.quota_note.setText(" ".join(notes))
        self.quota_note.setStyleSheet(f"color:{WARN_COLOUR};" if len(notes) > 1 else "")
        if problems:
            self.problem_banner.show_message(" ".join(problems), "warn")
        else:
            self.problem_banner.hide()
        self.draw_button.setEnabled(not problems)

    # --- the draw ---------------------------------------------------------------------------------------

    def _spec_args(self, seed: str) -> dict:
        proportional = self.proportional.isChecked()
        return dict(seed=seed, strata_field=self.strata_field(),
                    allocation="proportional" if proportional else "fixed",
                    sample_size=self.sample_size.value() if proportional else None,
                    quotas=None if proportional else self.quotas(),
                    max_per_officer=self.cap_spin.value() if self.cap_check.isChecked() else None,
                    require_footage=self.footage_check.isChecked(), filters=self.filters().as_json())

    def spec(self) -> SamplingSpec:
        return SamplingSpec(**self._spec_args(self.seed()))

    def draw(self) -> None:
        if not self.draw_button.isEnabled():
            return
        try:
            spec = self.spec()
        except ValueError as exc:
            self.problem_banner.show_message(str(exc), "problem")
            return
        name = self.name_edit.text().strip()
        if not confirm(self, "Draw the sample?",
                       f"Draw {sum(self.quotas().values())} stops with the seed “{spec.seed}” and create "
                       f"the session “{name}”?",
                       "Draw the sample",
                       detail="The draw is recorded with its certificate and in the audit log. The same seed "
                              "and the same stop records always give the same sample."):
            return
        self.draw_button.setEnabled(False)
        service = self.ctx.service(SamplingService)
        published = self.published_edit.text().strip() or None
        run_task(self, lambda: service.run(self.ctx.actor, spec, session_name=name, published_commitment=published),
                 self._drawn,
                 on_error=self._draw_failed, title="Drawing the sample")

    def _draw_failed(self, exc: BaseException) -> None:
        self.draw_button.setEnabled(True)
        if not isinstance(exc, ReviewtoolError):
            raise exc
        show_problem(self, exc, "The sample was not drawn")

    def _drawn(self, outcome) -> None:
        self.outcome = outcome
        self.session_id = outcome.session_id
        run = self._planning.run(self.ctx.actor, outcome.run_id)
        self.result_layout.addWidget(heading(f"Session “{outcome.session_name}” created"))
        skipped = len(outcome.result.skipped_no_footage)
        shortfall = outcome.result.shortfall
        text = (f"{len(outcome.result.selection)} stops were drawn from {outcome.result.population_size:,} "
                "eligible stops.")
        if skipped:
            text += f" {skipped} stop{'s' if skipped != 1 else ''} reached by the draw had no footage: listed as findings."
        if shortfall:
            text += f" {shortfall} place{'s' if shortfall != 1 else ''} could not be filled."
        self.result_layout.addWidget(quiet(text))
        self.certificate_view = CertificateView(self.ctx, run, published_commitment=self.published_edit.text(),
                                                session_name=outcome.session_name or "")
        self.result_layout.addWidget(self.certificate_view, 1)
        self.pages.setCurrentWidget(self.result_page)
        self.draw_button.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()
        self.done_button.show()
        self.done_button.setFocus()
