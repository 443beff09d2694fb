"""The small dialogs of the supervisor's loop: confirm approval, a day it happened, the officer's response.

They are window-modal and opened with `open()`, never `exec()`: the rest of the app keeps painting, and
each reports through `accepted` so the caller acts only on a clear yes. Dates cannot be in the future
or before the step they follow (the service checks again).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

MAX_RESPONSE = 10_000


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def approval_box(parent: QWidget, report_id: str, officer: str) -> QMessageBox:
    """'This becomes final': the one step that cannot be undone, said plainly."""
    box = QMessageBox(QMessageBox.Icon.Question, "Approve the report",
                      f"Approve report {report_id} for {officer}?", parent=parent)
    box.setObjectName("approveConfirm")
    box.setInformativeText("The PDF will be made once more with your name and today's date, and then it is "
                           "final: it cannot be edited or made again. Its fingerprint (SHA-256) is kept so "
                           "anyone can check the copy the officer receives.")
    approve = box.addButton("Approve — make it final", QMessageBox.ButtonRole.AcceptRole)
    approve.setObjectName("approveButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    return box


class DayDialog(QDialog):
    """Which day something happened (given to the officer; acknowledged by them)."""

    def __init__(self, title: str, question: str, *, earliest: date, today: date, parent: QWidget | None = None,
                 object_name: str = "dayDialog") -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.day = QDateEdit(to_qdate(today))
        self.day.setObjectName("day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("d MMM yyyy")
        self.day.setMinimumDate(to_qdate(min(earliest, today)))
        self.day.setMaximumDate(to_qdate(today))
        self.day.setAccessibleName(question)
        form = QFormLayout()
        form.addRow(question, self.day)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("buttons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> date:
        return from_qdate(self.day.date())


class ResponseDialog(QDialog):
    """The officer's response, in their words, and the day it was received."""

    def __init__(self, officer: str, *, current: str, earliest: date, today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("responseDialog")
        self.setWindowTitle("Officer's response")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(520, 360)
        intro = QLabel(f"What {officer} said about the feedback, in their words. It is included in the next "
                       "session's minutes and, with names and numbers removed, in the public summary: "
                       "please do not add anyone's name.")
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(current)
        self.text.setObjectName("responseText")
        self.text.setAccessibleName("Officer's response")
        self.text.setTabChangesFocus(True)
        self.day = QDateEdit(to_qdate(today))
        self.day.setObjectName("receivedOn")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("d MMM yyyy")
        self.day.setMinimumDate(to_qdate(min(earliest, today)))
        self.day.setMaximumDate(to_qdate(today))
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet("color: #a61b1b;")
        self.problem.hide()
        form = QFormLayout()
        form.addRow("Received on", self.day)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("buttons")
        self.buttons.accepted.connect(self._check_and_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _check_and_accept(self) -> None:
        text = self.response()
        if not text.strip():
            self.problem.setText("Write the officer's response first.")
            self.problem.show()
            return
        if len(text) > MAX_RESPONSE:
            self.problem.setText(f"That is {len(text)} characters; keep it under {MAX_RESPONSE}.")
            self.problem.show()
            return
        self.accept()

    def response(self) -> str:
        return self.text.toPlainText()

    def received_on(self) -> date:
        return from_qdate(self.day.date())
