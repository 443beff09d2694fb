"""The sampling certificate on screen, and as a PDF to print or a JSON file to verify.

Shown straight after the draw (in the planning dialog) and from a session's page later. The screen
shows the fields a panel member would check by hand -- seed, its commitment, filters, quotas, the
population digest, the selection in order and the stops skipped for want of footage -- and the
PDF is the report renderer's, so screen and paper say the same thing.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.paths import data_dir
from reviewtool.core.planning import PlanningService, RunSummary, certificate_json, stratum_label
from reviewtool.core.sampling import seed_commitment
from reviewtool.ui.context import AppContext
from reviewtool.core.errors import ValidationError
from reviewtool.ui.sessions.common import OK_COLOUR, PROBLEM_COLOUR, attempt, heading, open_file, quiet, show_problem


def _selectable(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _mono(text: str) -> QLabel:
    label = _selectable(text)
    font = label.font()
    font.setFamily("monospace")
    font.setStyleHint(font.StyleHint.Monospace)
    label.setFont(font)
    return label


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "certificate"


class CertificateView(QWidget):
    """The certificate's fields, with buttons to save or open the PDF and to save the JSON."""

    def __init__(self, ctx: AppContext, run: RunSummary, *, published_commitment: str = "",
                 session_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("certificateView")
        self.ctx = ctx
        self.run = run
        self.published_commitment = published_commitment.strip().lower()
        self.session_name = session_name
        self.last_pdf: Path | None = None
        cert = run.certificate
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("Sampling certificate", 2))

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Algorithm:", _selectable(cert.get("algorithm", "")))
        self.seed_label = _mono(cert.get("seed", ""))
        self.seed_label.setObjectName("certificateSeed")
        form.addRow("Seed:", self.seed_label)
        self.commitment_label = _mono(run.seed_commitment)
        self.commitment_label.setObjectName("certificateCommitment")
        form.addRow("Seed commitment (SHA-256):", self.commitment_label)
        if self.published_commitment:
            matches = self.published_commitment == seed_commitment(cert.get("seed", ""))
            check = QLabel("✓ matches the commitment published before the meeting" if matches else
                           "✗ does NOT match the commitment published before the meeting")
            check.setStyleSheet(f"color:{OK_COLOUR if matches else PROBLEM_COLOUR}; font-weight:600;")
            form.addRow("", check)
        filters = cert.get("filters") or {}
        form.addRow("Filters:", _selectable(_filters_text(filters)))
        strata = cert.get("strata_field") or "not stratified"
        allocation = cert.get("allocation", "")
        if allocation == "proportional":
            allocation = f"proportional, sample size {cert.get('sample_size')}"
        form.addRow("Strata:", _selectable(f"{strata}; {allocation}"))
        quotas = cert.get("quotas") or {}
        if cert.get("strata_field"):
            quota_text = ", ".join(f"{stratum_label(k)}: {v}" for k, v in quotas.items()) or "—"
        else:
            quota_text = f"all eligible stops: {sum(quotas.values())}"
        form.addRow("Quotas:", _selectable(quota_text))
        cap = cert.get("max_per_officer")
        form.addRow("Per-officer cap:", QLabel("none" if cap is None else f"{cap} stops"))
        form.addRow("Footage:", QLabel("required" if cert.get("require_footage") else "not required"))
        self.population_label = QLabel(f"{cert.get('population_size', 0):,} eligible stops")
        self.population_label.setObjectName("certificatePopulation")
        form.addRow("Population:", self.population_label)
        form.addRow("Population digest:", _mono(cert.get("population_digest", "")))
        form.addRow("Drawn:", QLabel(f"{_london(cert.get('created_at', ''))} by {cert.get('created_by', '')}"))
        if cert.get("audit_head"):
            form.addRow("Audit head:", _mono(str(cert["audit_head"])))
        layout.addLayout(form)

        selection = cert.get("selection") or []
        skipped = cert.get("skipped_no_footage") or []
        layout.addWidget(QLabel(f"<b>Selection, in the order drawn</b> ({len(selection)})"))
        self.selection_text = QPlainTextEdit("\n".join(f"{n:>3}. {ref}" for n, ref in enumerate(selection, 1)))
        self.selection_text.setObjectName("certificateSelection")
        self.selection_text.setReadOnly(True)
        self.selection_text.setMinimumHeight(90)
        layout.addWidget(self.selection_text, 1)
        if skipped:
            layout.addWidget(quiet(f"Skipped because they have no footage ({len(skipped)}), findings to follow up: "
                                   + ", ".join(skipped)))

        buttons = QHBoxLayout()
        self.save_pdf_button = QPushButton("Save PDF…")
        self.save_pdf_button.setObjectName("savePdfButton")
        self.save_pdf_button.clicked.connect(self.save_pdf)
        self.print_button = QPushButton("Open PDF to print")
        self.print_button.setObjectName("openPdfButton")
        self.print_button.clicked.connect(self.open_pdf)
        self.save_json_button = QPushButton("Save certificate file…")
        self.save_json_button.setToolTip("The JSON file that `reviewtool sample verify` checks")
        self.save_json_button.clicked.connect(self.save_json)
        self.copy_button = QPushButton("Copy commitment")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(run.seed_commitment))
        for b in (self.print_button, self.save_pdf_button, self.save_json_button, self.copy_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    # --- files ------------------------------------------------------------------------------------------

    def _base_name(self) -> str:
        return _safe_name(f"sampling-certificate-{self.session_name or self.run.run_id}")

    def write_pdf(self, path: Path) -> bool:
        service = self.ctx.service(PlanningService)
        pdf: list[bytes] = []
        ok = attempt(self, lambda: pdf.append(service.certificate_pdf(self.ctx.actor, self.run.run_id,
                                                                       self.published_commitment)))
        if not ok:
            return False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf[0])
        except OSError as exc:
            show_problem(self, ValidationError(f"{path}: the PDF could not be written ({exc.strerror or exc})"))
            return False
        self.last_pdf = path
        return True

    def save_pdf(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the sampling certificate", f"{self._base_name()}.pdf",
                                              "PDF (*.pdf)")
        if name:
            self.write_pdf(Path(name))

    def open_pdf(self) -> None:
        """Write the PDF beside the app's data and open it in the system's viewer, which prints it."""
        path = data_dir() / "certificates" / f"{self._base_name()}.pdf"
        if self.write_pdf(path):
            open_file(str(path))

    def save_json(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the certificate file", f"{self._base_name()}.json",
                                              "Certificate (*.json)")
        if name:
            try:
                Path(name).write_text(certificate_json(self.run.certificate), encoding="utf-8")
            except OSError as exc:
                show_problem(self, ValidationError(f"{name}: the file could not be written ({exc.strerror or exc})"))


class CertificateDialog(QDialog):
    def __init__(self, ctx: AppContext, run: RunSummary, session_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Sampling certificate — {session_name}" if session_name else "Sampling certificate")
        self.setObjectName("certificateDialog")
        self.resize(720, 640)
        layout = QVBoxLayout(self)
        self.view = CertificateView(ctx, run, session_name=session_name)
        layout.addWidget(self.view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def _london(stamp: str) -> str:
    """The certificate's UTC time as the people in the room read it (Europe/London)."""
    try:
        moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return stamp
    return moment.astimezone(ZoneInfo("Europe/London")).strftime("%a %d %b %Y, %H:%M")


def _filters_text(filters: dict) -> str:
    parts = []
    if filters.get("area"):
        parts.append(f"area {filters['area']}")
    if filters.get("from") or filters.get("to"):
        parts.append(f"dates {filters.get('from') or 'any'} to {filters.get('to') or 'any'}")
    for k, v in (filters.get("where") or {}).items():
        parts.append(f"{k} = {v if v != '' else '(no value)'}")
    return "; ".join(parts) or "none: every stop on record"
