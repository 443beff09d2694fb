"""The main window: navigation on the left, one area at a time on the right, the idle lock over all.

Which areas appear depends on the signed-in actor (see `reviewtool.ui.areas`); each is built the first
time it is chosen.  The window remembers its size, layout and last area per user in a small INI file
in the user data folder (`window.ini`), never in the database.
"""

from __future__ import annotations

import logging
import platform
from pathlib import Path

import shiboken6
from PySide6.QtCore import QByteArray, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

from reviewtool import __version__
from reviewtool.core.auth import UserService
from reviewtool.core.settings import SettingsService
from reviewtool.ui.app_events import app_events
from reviewtool.ui.areas import Area, areas_for
from reviewtool.ui.context import AppContext
from reviewtool.ui.idle_lock import IdleLock, LockScreen
from reviewtool.ui.prefs import window_settings
from reviewtool.ui.resources import icon

log = logging.getLogger(__name__)

ROLE_NAMES = {"admin": "administrator", "liaison": "community liaison officer", "panel": "panel member",
              "supervisor": "supervisor"}


def database_label(url: str) -> str:
    """The database as people recognise it: a file path, or a server without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database).resolve()) if parsed.database else "(in memory)"
    return parsed.render_as_string(hide_password=True)


class MainWindow(QMainWindow):
    sign_out_requested = Signal()

    def __init__(self, ctx: AppContext, *, display_name: str = "", log_path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.ctx = ctx
        self.display_name = display_name or ctx.actor.username
        self.log_path = log_path
        self._closing = False
        self.signing_out = False
        self.setWindowTitle(f"reviewtool — {self.display_name}")
        self.setWindowIcon(icon("app"))

        self.areas: list[Area] = areas_for(ctx)
        self.pages: dict[str, QWidget] = {}    # area key -> built area widget
        self._holders: dict[str, QWidget] = {}  # area key -> container in the stack

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setAccessibleName("Areas")
        self.navigation.setIconSize(QSize(26, 26))
        self.navigation.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.navigation.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.stack.setObjectName("areaStack")
        for n, area in enumerate(self.areas):
            item = QListWidgetItem(icon(area.icon), area.title(ctx))
            item.setData(Qt.ItemDataRole.UserRole, area.key)
            item.setToolTip(f"{area.description} (Ctrl+{n + 1})")
            item.setSizeHint(QSize(200, 48))
            self.navigation.addItem(item)
            holder = QWidget()
            holder.setObjectName(f"holder_{area.key}")
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self._holders[area.key] = holder
            self.stack.addWidget(holder)
        self.navigation.setFixedWidth(216)
        self.navigation.currentRowChanged.connect(self._show_row)

        body = QWidget()
        body.setObjectName("body")
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.navigation)
        row.addWidget(self.stack, 1)

        self.lock_screen = LockScreen(ctx, self.display_name)
        self.lock_screen.unlocked.connect(self._unlocked)
        self.lock_screen.sign_out_requested.connect(self.sign_out)
        self.central = QStackedWidget()
        self.central.addWidget(body)
        self.central.addWidget(self.lock_screen)
        self.setCentralWidget(self.central)

        self._build_menus()
        self._build_status_bar()
        self.idle_lock = IdleLock(self, _idle_minutes(ctx))
        app_events().setting_changed.connect(self._setting_changed)
        self._restore_state()

    # -- menus and status ----------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut: QKeySequence | str | None = None, name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setObjectName(name or text.replace("&", "").replace("…", "").strip().lower().replace(" ", "_"))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work whichever widget has focus
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.lock_action = self._action("&Lock now", self.lock_now, "Ctrl+L", "lock_now")
        self.sign_out_action = self._action("Sign &out", self.sign_out, "Ctrl+Shift+L", "sign_out")
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q", "quit")
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        go_menu = bar.addMenu("&Go")
        self.area_actions: dict[str, QAction] = {}
        for n, area in enumerate(self.areas):
            title = area.title(self.ctx).replace("&", "&&")
            action = self._action(f"&{n + 1} {title}", lambda _=False, k=area.key: self.show_area(k),
                                  f"Ctrl+{n + 1}", f"go_{area.key}")
            action.setIcon(icon(area.icon))
            action.setProperty("shortcutLabel", f"Go to {area.title(self.ctx)}")
            go_menu.addAction(action)
            self.area_actions[area.key] = action

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard shortcuts", self.show_shortcuts,
                                         "F1", "shortcuts"))
        help_menu.addAction(self._action("Where is the &log file?", self.show_log_location, None, "log_location"))
        help_menu.addSeparator()
        help_menu.addAction(self._action("&About reviewtool", self.show_about, None, "about"))

    def _build_status_bar(self) -> None:
        role = ROLE_NAMES.get(self.ctx.actor.role, self.ctx.actor.role)
        self.user_label = QLabel(f"Signed in as <b>{_escape(self.display_name)}</b> ({_escape(role)})")
        self.user_label.setObjectName("statusUser")
        self.db_label = QLabel(f"Database: {_escape(database_label(self.ctx.db.url))}")
        self.db_label.setObjectName("statusDatabase")
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.db_label)

    # -- areas -----------------------------------------------------------------------------------------
    def area_keys(self) -> list[str]:
        return [a.key for a in self.areas]

    def current_area(self) -> str | None:
        row = self.navigation.currentRow()
        return self.areas[row].key if 0 <= row < len(self.areas) else None

    def show_area(self, key: str) -> QWidget:
        row = self.area_keys().index(key)
        self._build(self.areas[row])  # here, so a failure reaches the caller
        if self.navigation.currentRow() != row:
            self.navigation.setCurrentRow(row)
        else:
            self._show_row(row)
        return self.pages[key]

    def _build(self, area: Area) -> QWidget:
        page = self.pages.get(area.key)
        if page is None:
            holder = self._holders[area.key]
            page = area.build(self.ctx, holder)
            page.setObjectName(page.objectName() or f"area_{area.key}")
            holder.layout().addWidget(page)
            self.pages[area.key] = page
            log.info("area %s built", area.key)
        return page

    @Slot(int)
    def _show_row(self, row: int) -> None:
        if not 0 <= row < len(self.areas):
            return
        area = self.areas[row]
        page = self._build(area)
        self.stack.setCurrentWidget(self._holders[area.key])
        activated = getattr(page, "activated", None)
        if callable(activated):
            activated()

    # -- the lock ------------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.idle_lock.locked

    @Slot()
    def lock_now(self) -> None:
        self.idle_lock.lock()

    def show_lock_screen(self) -> None:
        """Called by the idle lock: nothing of the areas stays on screen or reachable."""
        self.central.setCurrentWidget(self.lock_screen)
        self.menuBar().setEnabled(False)
        for action in self.actions():
            action.setEnabled(False)
        self.lock_screen.reset()

    def hide_lock_screen(self) -> None:
        for action in self.actions():
            action.setEnabled(True)
        self.menuBar().setEnabled(True)
        self.central.setCurrentIndex(0)
        page = self.pages.get(self.current_area() or "")
        if page is not None:
            page.setFocus()

    @Slot(object)
    def _unlocked(self, _actor) -> None:
        log.info("unlocked by %s", self.ctx.actor.username)
        self.idle_lock.unlock()

    @Slot(str)
    def _setting_changed(self, key: str) -> None:
        if key == "idle_lock_minutes":
            self.idle_lock.set_minutes(_idle_minutes(self.ctx))

    # -- leaving -------------------------------------------------------------------------------------
    @Slot()
    def sign_out(self) -> None:
        try:
            UserService(self.ctx.db).logout(self.ctx.actor, reason="signed out")
        except Exception:  # the audit write failing must not trap the person in the app
            log.exception("could not record the sign-out")
        self.signing_out = True
        self.sign_out_requested.emit()
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop everything that holds a player or a file; save the window; once."""
        if self._closing:
            return
        self._closing = True
        app_events().shutting_down.emit()
        for key, page in self.pages.items():
            stop = getattr(page, "shutdown", None)
            if callable(stop) and shiboken6.isValid(page):
                try:
                    stop()
                except Exception:
                    log.exception("area %s did not shut down cleanly", key)
        self.idle_lock.shutdown()
        if self.idle_lock.locked:  # signed out from the lock screen: the lock ends with the session
            app_events().unlocked.emit()
        self._save_state()

    def _save_state(self) -> None:
        settings = window_settings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        area = self.current_area()
        if area:
            settings.setValue(f"main/area/{self.ctx.actor.username}", area)
        settings.sync()

    def _restore_state(self) -> None:
        settings = window_settings()
        geometry = settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1180, 760)
        state = settings.value("main/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        last = settings.value(f"main/area/{self.ctx.actor.username}")
        keys = self.area_keys()
        if keys:  # through the signal: an area that fails to build reaches the crash dialog, not the caller
            self.navigation.setCurrentRow(keys.index(last if last in keys else keys[0]))

    # -- help ----------------------------------------------------------------------------------------
    @Slot()
    def show_shortcuts(self) -> None:
        ShortcutsDialog(self).exec()

    @Slot()
    def show_log_location(self) -> None:
        path = str(self.log_path) if self.log_path else "(logging to the terminal only)"
        box = QMessageBox(QMessageBox.Icon.Information, "Log file", "reviewtool writes its log to:", parent=self)
        box.setInformativeText(path)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_button = box.addButton("&Open folder", QMessageBox.ButtonRole.ActionRole) if self.log_path else None
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if open_button is not None and box.clickedButton() is open_button:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_path.parent)))

    @Slot()
    def show_about(self) -> None:
        from PySide6 import __version__ as pyside_version

        QMessageBox.about(self, "About reviewtool", (
            f"<h3>reviewtool {__version__}</h3>"
            "<p>Community scrutiny of stop and search: verifiable sampling, redacted playback, "
            "panel scoring and officer feedback.</p>"
            f"<p>Database: {_escape(database_label(self.ctx.db.url))}<br>"
            f"Log file: {_escape(str(self.log_path) if self.log_path else '-')}<br>"
            f"Python {platform.python_version()}, PySide6 {pyside_version}</p>"))


class ShortcutsDialog(QDialog):
    """Every shortcut of the main window, read from its actions so the list cannot go stale."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(a.property("shortcutLabel") or a.text().replace("&&", "\0").replace("&", "").replace("\0", "&"),
                 a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                for a in window.actions() if not a.shortcut().isEmpty()]
        rows += [("Search the list you are looking at", "Ctrl+F"),
                 ("Read the lists again (Stops & footage)", "F5"),
                 ("Save changed settings (administrators)", "Ctrl+S"),
                 ("Move between fields and buttons", "Tab / Shift+Tab"),
                 ("Press a button or open a menu by its underlined letter", "Alt+letter"),
                 ("Choose an area in the list on the left", "Up / Down"),
                 ("Close a dialog without changing anything", "Esc")]
        table = QTableWidget(len(rows), 2)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, (what, keys) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(what))
            table.setItem(r, 1, QTableWidgetItem(keys))
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(560, 460)


def _idle_minutes(ctx: AppContext) -> int:
    return int(ctx.service(SettingsService).get("idle_lock_minutes"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
