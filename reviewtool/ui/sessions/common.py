"""Small pieces every Sessions screen shares: calm confirmations, the Conflict message, the "saved"
tick, status words and colours.

The meeting is run by people who are not engineers, in front of an audience. So every irreversible
step asks first (in words that say what will happen and what will not), a stale edit is explained
as "changed by someone else -- reload", and nothing is ever shown as an error code.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, QSize, QTimer, QUrl, Qt
from PySide6.QtGui import QColor, QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.errors import Conflict, ReviewtoolError

STATUS_WORDS = {
    "pending": "Not shown yet",
    "shown": "Shown",
    "revealed": "Answers revealed",
    "agreed": "Agreed",
    "removed": "Removed",
}
SESSION_STATUS_WORDS = {"planned": "Planned", "running": "Meeting in progress", "closed": "Closed"}
REDACTION_WORDS = {"approved": "Approved", "draft": "Not approved (draft)", "none": "No redactions yet"}
RAG_COLOURS = {"green": "#1E7B3A", "amber": "#F2A818", "red": "#B3261E"}
RAG_TEXT_COLOURS = {"green": "#FFFFFF", "amber": "#1B1B1B", "red": "#FFFFFF"}
OK_COLOUR = "#1E7B3A"
WARN_COLOUR = "#8A5300"
PROBLEM_COLOUR = "#B3261E"


# The smallest screen the meeting is run on: a 1366x768 laptop, less the taskbar and the title bar.
LAPTOP = (1280, 720)
_WINDOW_FRAME = 40  # title bar and frame, which the available geometry still includes


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Open a window at `width` x `height`, or smaller where the screen is smaller (its layouts let it
    go down to LAPTOP and below)."""
    screen = window.screen()
    if screen is not None:
        area = screen.availableGeometry()
        width, height = min(width, area.width()), min(height, area.height() - _WINDOW_FRAME)
    window.resize(width, height)


def clock(seconds: float | None) -> str:
    """m:ss (or h:mm:ss) of a media time; an empty string for None."""
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def rag_chip_style(rag: str) -> str:
    return (f"background:{RAG_COLOURS[rag]}; color:{RAG_TEXT_COLOURS[rag]}; border-radius:4px;"
            " padding:1px 8px; font-weight:600;")


def confirm(parent: QWidget | None, title: str, text: str, go: str, *, detail: str = "",
            danger: bool = False) -> bool:
    """Ask before an irreversible step. `go` names the action on the button ("Reveal answers");
    the safe choice (Cancel) is the default, so a stray Enter changes nothing."""
    box = QMessageBox(QMessageBox.Icon.Warning if danger else QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirmBox")
    if detail:
        box.setInformativeText(detail)
    go_button = box.addButton(go, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is go_button


def show_problem(parent: QWidget | None, exc: BaseException, title: str = "That did not work") -> None:
    """A person's error, calmly: the service's own sentence, and what happened to their work."""
    if isinstance(exc, Conflict):
        text = str(exc)
        more = "Nothing of yours was overwritten and nothing of theirs was lost. Reload to see the latest."
        title = "Changed by someone else"
    elif isinstance(exc, ReviewtoolError):
        text, more = str(exc), "Nothing was changed."
    else:
        raise exc
    box = QMessageBox(QMessageBox.Icon.Information if isinstance(exc, Conflict) else QMessageBox.Icon.Warning,
                      title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("problemBox")
    box.setInformativeText(more)
    box.exec()


def attempt(parent: QWidget | None, action: Callable[[], object], title: str = "That did not work") -> bool:
    """Run a quick service call; on a person's error (validation, permission, conflict) say so and
    return False. Programming errors are not caught here: they reach the crash dialog."""
    try:
        action()
    except ReviewtoolError as exc:
        show_problem(parent, exc, title)
        return False
    return True


class ReasonDialog(QDialog):
    """Asks why (removing an item, reopening answers): the reason goes into the minutes and the log."""

    def __init__(self, parent: QWidget | None, title: str, question: str, go: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("reasonDialog")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        label = QLabel(question)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.text = QPlainTextEdit()
        self.text.setObjectName("reasonText")
        self.text.setPlaceholderText("The reason is recorded in the minutes and the audit log.")
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(90)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go = buttons.addButton(go, QDialogButtonBox.ButtonRole.AcceptRole)
        self.go.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.text.textChanged.connect(lambda: self.go.setEnabled(bool(self.reason())))

    def reason(self) -> str:
        return self.text.toPlainText().strip()


def ask_reason(parent: QWidget | None, title: str, question: str, go: str) -> str | None:
    dialog = ReasonDialog(parent, title, question, go)
    return dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None


class SavedTick(QLabel):
    """A small, quiet "✓ saved" that shows an answer reached the database; it fades back to a plain
    tick after a moment so a long form does not shout."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("savedTick")
        self.setMinimumWidth(62)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(2500)
        self._timer.timeout.connect(self._settle)
        self.state = "empty"
        self.clear_state()

    def clear_state(self) -> None:
        self.state = "empty"
        self.setText("")
        self.setToolTip("")

    def saved(self, fresh: bool = True) -> None:
        self.state = "saved"
        self.setText("✓ saved" if fresh else "✓")
        self.setStyleSheet(f"color:{OK_COLOUR};")
        self.setToolTip("Saved in the database")
        if fresh:
            self._timer.start()

    def failed(self, message: str) -> None:
        self.state = "failed"
        self._timer.stop()
        self.setText("not saved")
        self.setStyleSheet(f"color:{PROBLEM_COLOUR}; font-weight:600;")
        self.setToolTip(message)

    def _settle(self) -> None:
        if self.state == "saved":
            self.setText("✓")


class Banner(QFrame):
    """A calm coloured strip with a sentence and, optionally, one button (e.g. "Reload")."""

    def __init__(self, parent: QWidget | None = None, *, kind: str = "info") -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.button = QPushButton()
        self.button.hide()
        layout.addWidget(self.button)
        self.set_kind(kind)
        self.hide()

    def set_kind(self, kind: str) -> None:
        colours = {"info": ("#E8F0FB", "#1B3A63"), "ok": ("#E6F4EA", "#174D27"), "warn": ("#FFF4E0", "#5C3B00"),
                   "problem": ("#FCE8E6", "#7A1A14")}
        back, ink = colours[kind]
        # By class, not object name: screens name their banners for tests and keyboard users.
        self.setStyleSheet(f"Banner {{ background:{back}; border:1px solid {ink}55; border-radius:6px; }}"
                           f" Banner > QLabel {{ color:{ink}; background:transparent; }}")

    def show_message(self, text: str, kind: str = "info", button: str | None = None) -> None:
        self.set_kind(kind)
        self.label.setText(text)
        self.button.setVisible(button is not None)
        if button is not None:
            self.button.setText(button)
        self.show()


def heading(text: str, level: int = 1) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * (1.35 if level == 1 else 1.12))
    font.setBold(True)
    label.setFont(font)
    return label


def quiet(text: str) -> QLabel:
    """Secondary text: smaller, greyer, wrapped."""
    label = QLabel(text)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#555555"))
    label.setPalette(palette)
    return label


class DownOnlyScroll(QScrollArea):
    """A scroll area that scrolls down only: it asks its layout for the width its contents need, so
    they are never cut off at the side nor scrolled sideways."""

    def __init__(self, inner: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(inner)
        inner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # a row was added: the contents may need more width
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt)
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        needed = inner.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return QSize(max(hint.width(), needed), hint.height())


# Opening a file in the system's viewer (a PDF to print). Tests replace this to see what was opened.
def open_file(path: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))
