"""The wellbeing notice read to the panel before the first clip (text from the `wellbeing_notice`
setting). The meeting window shows the same words on the presenter screen while this is open."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from reviewtool.ui.sessions.common import heading, quiet


class WellbeingDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wellbeingDialog")
        self.setWindowTitle("Before the first clip")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("A word before we watch"))
        body = QLabel(text)
        body.setObjectName("wellbeingText")
        body.setWordWrap(True)
        font = body.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        body.setFont(font)
        layout.addWidget(body)
        layout.addWidget(quiet("The notice is on the presenter screen too. Read it aloud, then continue."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go = buttons.addButton("The panel has heard it — play the clip", QDialogButtonBox.ButtonRole.AcceptRole)
        self.go.setObjectName("wellbeingContinue")
        self.go.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
