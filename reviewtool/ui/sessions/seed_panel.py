"""The seed of a draw, and its commitment: the part of planning the panel watches most closely.

A seed typed in the room (dice rolls, words chosen by members) or generated at random; it is used
exactly as typed, and the panel is told when it has a leading or trailing space. Its SHA-256 -- the
commitment -- is shown the moment it changes, in groups of eight digits to read aloud, with a Copy
button for publishing it before the meeting. A commitment published earlier can be pasted in; the
panel then sees at once whether the seed revealed in the room matches it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.sampling import generate_seed, seed_commitment
from reviewtool.ui.sessions.common import OK_COLOUR, PROBLEM_COLOUR, quiet

EXACT = "The seed is used exactly as typed, spaces and capitals included."


def grouped(hex_digits: str) -> str:
    """64 hex digits in groups of eight, two lines: easier to read aloud and to compare by eye."""
    groups = [hex_digits[i:i + 8] for i in range(0, len(hex_digits), 8)]
    return " ".join(groups[:4]) + "\n" + " ".join(groups[4:])


class SeedPanel(QGroupBox):
    """`changed()` whenever the seed or the published commitment changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("3. The seed", parent)
        self._generated: str | None = None
        layout = QVBoxLayout(self)
        self.typed_radio = QRadioButton("Typed in the room (dice rolls, chosen words)")
        self.typed_radio.setObjectName("typedSeedRadio")
        self.typed_radio.setChecked(True)
        self.generated_radio = QRadioButton("Generated at random")
        self.generated_radio.setObjectName("generatedSeedRadio")
        kind = QButtonGroup(self)
        kind.addButton(self.typed_radio)
        kind.addButton(self.generated_radio)
        kinds = QHBoxLayout()
        kinds.addWidget(self.typed_radio)
        kinds.addWidget(self.generated_radio)
        kinds.addStretch(1)
        layout.addLayout(kinds)
        row = QHBoxLayout()
        self.seed_edit = QLineEdit()
        self.seed_edit.setObjectName("seedEdit")
        self.seed_edit.setPlaceholderText("e.g. 4 2 6 1 3 5 5 2 — or some words chosen by the panel")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generateSeed")
        self.generate_button.clicked.connect(self.generate)
        row.addWidget(self.seed_edit, 1)
        row.addWidget(self.generate_button)
        layout.addLayout(row)
        self.note = quiet(EXACT)
        layout.addWidget(self.note)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.commitment_label = QLabel("—")
        self.commitment_label.setObjectName("commitmentLabel")
        self.commitment_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.commitment_label.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        self.commitment_label.setFont(font)
        self.commitment_label.setWordWrap(True)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the commitment (64 hex digits) to publish it")
        self.copy_button.clicked.connect(self.copy_commitment)
        commitment_row = QHBoxLayout()
        commitment_row.addWidget(self.commitment_label, 1)
        commitment_row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow("Commitment (SHA-256):", commitment_row)
        form.addRow("", quiet("Publish the commitment before the meeting; reveal the seed in it. Anyone can then "
                              "check the seed was not changed after the fact."))
        self.published_edit = QLineEdit()
        self.published_edit.setObjectName("publishedCommitment")
        self.published_edit.setPlaceholderText("optional: paste the commitment published beforehand")
        form.addRow("Published beforehand:", self.published_edit)
        self.published_check = QLabel("")
        self.published_check.setObjectName("publishedCheck")
        form.addRow("", self.published_check)
        layout.addLayout(form)

        self.seed_edit.textChanged.connect(self._update)
        self.published_edit.textChanged.connect(self._update)
        self.typed_radio.toggled.connect(self._kind_changed)
        self._kind_changed()
        self._update()

    def seed(self) -> str:
        return self.seed_edit.text()

    def published(self) -> str:
        return self.published_edit.text().strip().lower()

    def mismatch(self) -> bool:
        """A commitment was published and this seed does not match it."""
        return bool(self.published() and self.seed() and self.published() != seed_commitment(self.seed()))

    def generate(self) -> None:
        self._generated = generate_seed()
        self.seed_edit.setText(self._generated)

    def copy_commitment(self) -> None:
        if self.seed():
            QGuiApplication.clipboard().setText(seed_commitment(self.seed()))

    def _kind_changed(self) -> None:
        generated = self.generated_radio.isChecked()
        self.generate_button.setEnabled(generated)
        self.seed_edit.setReadOnly(generated)
        if generated:
            self.generate()
        else:
            if self.seed_edit.text() == self._generated:
                self.seed_edit.clear()  # back to a seed typed in the room
            self.seed_edit.setFocus()

    def _update(self) -> None:
        seed = self.seed()
        self.commitment_label.setText(grouped(seed_commitment(seed)) if seed else "— (type or generate a seed)")
        self.copy_button.setEnabled(bool(seed))
        self.note.setText("Note: the seed begins or ends with a space; it is used exactly as typed."
                          if seed and seed != seed.strip() else EXACT)
        published = self.published()
        if not published:
            self.published_check.setText("")
        elif seed and published == seed_commitment(seed):
            self.published_check.setText("✓ the seed matches the published commitment")
            self.published_check.setStyleSheet(f"color:{OK_COLOUR}; font-weight:600;")
        else:
            self.published_check.setText("✗ this seed does not match the published commitment")
            self.published_check.setStyleSheet(f"color:{PROBLEM_COLOUR}; font-weight:600;")
        self.changed.emit()
