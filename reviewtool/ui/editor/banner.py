"""Calm messages in the editor: a one-line banner with an optional action, and a question before a step
that matters (Cancel is the default, so a stray Enter changes nothing)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

OK, WARN, PROBLEM = "#1E7B3A", "#8A5300", "#B3261E"


def ask(parent: QWidget | None, title: str, text: str, go: str) -> bool:
    """A calm question before a step that matters; Cancel is the default."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("editorQuestion")
    go_button = box.addButton(go, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is go_button


class Banner(QFrame):
    """A calm one-line message over the video with an optional action ("Reload")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editorBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        layout.addWidget(self.text, 1)
        self.action = QPushButton()
        self.action.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.action)
        close = QPushButton("OK")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self._slot = None
        self.action.clicked.connect(self._act)
        self.hide()

    def show_message(self, text: str, colour: str = WARN, action: str = "", slot=None) -> None:
        self.setStyleSheet(f"#editorBanner {{ border: 1px solid {colour}; border-radius: 4px; }}"
                           f" QLabel {{ color: {colour}; }}")
        self.text.setText(text)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self._slot = slot
        self.show()

    def _act(self) -> None:
        slot, self._slot = self._slot, None
        self.hide()
        if slot is not None:
            slot()
