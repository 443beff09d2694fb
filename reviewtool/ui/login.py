"""Signing in: a user name and password checked by `UserService.login`.

The service decides everything (wrong password, unknown user, the 10-minute lockout after five
failures) and says it in a sentence fit to show; this dialog shows that sentence as it is, in the
window, without alarm.  The password check (argon2id) runs off the GUI thread so the window stays
responsive; the form is disabled meanwhile so a double press cannot count as two failures.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.auth import Actor, UserService
from reviewtool.core.db import Database
from reviewtool.core.errors import ReviewtoolError
from reviewtool.ui import tasks
from reviewtool.ui.resources import icon

log = logging.getLogger(__name__)


class PasswordForm(QWidget):
    """User name + password + a message line; used by the login dialog and the lock screen."""

    def __init__(self, db: Database, *, username: str = "", fixed_username: bool = False,
                 submit_text: str = "&Sign in", submit_on_return: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self._on_success = None
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.username.setAccessibleName("User name")
        self.username.setReadOnly(fixed_username)
        self.username.setMaxLength(80)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        user_label = QLabel("&User name:")
        user_label.setBuddy(self.username)
        pass_label = QLabel("&Password:")
        pass_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(pass_label, self.password)

        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sign-in message")
        self.message.hide()

        self.submit = QPushButton(submit_text)
        self.submit.setObjectName("submit")
        self.submit.setDefault(True)
        self.submit.setAutoDefault(True)
        self.submit.clicked.connect(self.try_login)
        # In a dialog, Return already presses the default button: a second handler would make one
        # keypress count as two failed attempts towards the lockout.
        if submit_on_return:
            self.password.returnPressed.connect(self.try_login)
        self.username.returnPressed.connect(self.password.setFocus)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.setTabOrder(self.username, self.password)  # the submit button follows where it is placed

    def focus_first(self) -> None:
        (self.password if self.username.text() else self.username).setFocus()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    @Slot()
    def try_login(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.show_message("Please enter your user name and password.")
            self.focus_first()
            return
        self._set_busy(True)
        service = UserService(self.db)
        tasks.run_task(self, lambda: service.login(username, password), self._logged_in, self._refused,
                       title="Signing in")

    def _set_busy(self, busy: bool) -> None:
        for w in (self.username, self.password, self.submit):
            w.setEnabled(not busy)
        if not busy:
            self.submit.setDefault(True)  # disabling it cleared the dialog's default button
        if busy:
            self.show_message("Checking…")

    def _logged_in(self, actor: Actor) -> None:
        self._set_busy(False)
        self.password.clear()
        self.message.hide()
        self.actor = actor
        log.info("signed in: %s (%s)", actor.username, actor.role)
        if self._on_success is not None:
            self._on_success(actor)

    def _refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, ReviewtoolError):
            tasks.report_error(self, exc, "Signing in")
            return
        self.password.clear()
        self.show_message(str(exc))
        self.password.setFocus()

    def on_success(self, callback) -> None:
        self._on_success = callback


class LoginDialog(QDialog):
    """The first window: who is using reviewtool, against which database."""

    def __init__(self, db: Database, *, username: str = "", database_label: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle("Sign in — reviewtool")
        self.setWindowIcon(icon("app"))
        self.actor: Actor | None = None

        logo = QLabel()
        logo.setPixmap(QIcon(icon("app")).pixmap(56, 56))
        title = QLabel("reviewtool")
        title.setObjectName("appTitle")
        subtitle = QLabel("Community scrutiny of stop and search")
        subtitle.setObjectName("subtitle")
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(subtitle)
        top = QHBoxLayout()
        top.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(heading, 1)

        self.form = PasswordForm(db, username=username, submit_on_return=False)
        self.form.on_success(self._accept_actor)

        buttons = QDialogButtonBox()
        buttons.addButton(self.form.submit, QDialogButtonBox.ButtonRole.AcceptRole)
        quit_button = buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        quit_button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addWidget(self.form)
        if database_label:
            where = QLabel(f"Database: {database_label}")
            where.setObjectName("hint")
            where.setWordWrap(True)
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(where)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        QWidget.setTabOrder(self.form.password, self.form.submit)
        QWidget.setTabOrder(self.form.submit, quit_button)
        self.form.focus_first()

    def _accept_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()
