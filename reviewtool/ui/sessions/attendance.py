"""Who is in the room: each panel member present, and each confirming the confidentiality agreement
for this meeting. Only members present *with* the agreement confirmed count towards the quorum, see
clips on their own devices, or have answers entered for them.

Each tick is recorded at once (and audited) by `SessionService.record_attendance`; unticking
"present" also withdraws the confirmation, because only someone in the room can give it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.errors import ReviewtoolError
from reviewtool.core.sessions import SessionService, SessionView
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.common import OK_COLOUR, WARN_COLOUR, quiet, show_problem

CONFIDENTIALITY_TEXT = (
    "Read the confidentiality agreement aloud. Each member confirms that they will not record, copy or "
    "discuss outside this meeting anything seen or heard in it, and that they will say if they recognise "
    "anyone in a clip (they then step out for that item)."
)


class AttendancePanel(QWidget):
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sessions: SessionService = ctx.service(SessionService)
        self.view: SessionView | None = None
        self.setObjectName("attendancePanel")
        layout = QVBoxLayout(self)
        layout.addWidget(quiet(CONFIDENTIALITY_TEXT))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("attendanceTable")
        self.table.setHorizontalHeaderLabels(["Panel member", "Present", "Confidentiality agreed for this meeting"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        layout.addWidget(self.table, 1)
        quorum_row = QHBoxLayout()
        quorum_row.addWidget(QLabel("Quorum: at least"))
        self.quorum = QSpinBox()
        self.quorum.setObjectName("quorumSpin")
        self.quorum.setRange(1, 50)
        self.quorum.setKeyboardTracking(False)
        self.quorum.valueChanged.connect(self._quorum_changed)
        quorum_row.addWidget(self.quorum)
        quorum_row.addWidget(QLabel("members present with the agreement confirmed."))
        quorum_row.addStretch(1)
        layout.addLayout(quorum_row)
        self.quorum_state = QLabel("")
        self.quorum_state.setObjectName("quorumState")
        layout.addWidget(self.quorum_state)
        self.checks: dict[int, tuple[QCheckBox, QCheckBox]] = {}
        self._shown_session: int | None = None
        self._loading = False

    def show_session(self, view: SessionView) -> None:
        self._loading = True
        try:
            self.view = view
            editable = view.status in ("planned", "running")
            try:
                members = self.sessions.list_panel_members(self.ctx.actor)
            except ReviewtoolError as exc:
                self.quorum_state.setText(str(exc))
                return
            recorded = {a.member_id: a for a in view.attendance}
            if [m.id for m in members] == list(self.checks) and self._shown_session == view.id:
                self._update_in_place(recorded, editable)  # keeps the keyboard focus where it is
                self.quorum.setValue(view.quorum)
                self.quorum.setEnabled(editable)
                self._show_quorum()
                return
            self._shown_session = view.id
            self.table.setRowCount(len(members))
            self.checks = {}
            for row, member in enumerate(members):
                record = recorded.get(member.id)
                name = QTableWidgetItem(f"{member.name} ({member.initials})")
                name.setData(Qt.ItemDataRole.UserRole, member.id)
                self.table.setItem(row, 0, name)
                present = QCheckBox("present")
                present.setObjectName(f"present_{member.id}")
                present.setChecked(bool(record and record.present))
                agreed = QCheckBox("confirmed")
                agreed.setObjectName(f"confidential_{member.id}")
                agreed.setChecked(bool(record and record.confidentiality_acknowledged_at))
                if record and record.confidentiality_acknowledged_at:
                    agreed.setToolTip(f"Confirmed at {record.confidentiality_acknowledged_at.astimezone():%H:%M}, "
                                      f"recorded by {record.recorded_by}")
                agreed.setEnabled(editable and present.isChecked())
                present.setEnabled(editable)
                present.toggled.connect(lambda on, m=member.id: self.record(m, present=on))
                agreed.toggled.connect(lambda on, m=member.id: self.record(m, agreed=on))
                self.checks[member.id] = (present, agreed)
                for col, box in ((1, present), (2, agreed)):
                    holder = QWidget()
                    box_layout = QHBoxLayout(holder)
                    box_layout.setContentsMargins(8, 0, 8, 0)
                    box_layout.addWidget(box)
                    self.table.setCellWidget(row, col, holder)
            self.quorum.setValue(view.quorum)
            self.quorum.setEnabled(editable)
            self._show_quorum()
        finally:
            self._loading = False

    def _update_in_place(self, recorded: dict, editable: bool) -> None:
        for member_id, (present, agreed) in self.checks.items():
            record = recorded.get(member_id)
            present.setChecked(bool(record and record.present))
            agreed.setChecked(bool(record and record.confidentiality_acknowledged_at))
            present.setEnabled(editable)
            agreed.setEnabled(editable and present.isChecked())

    def _show_quorum(self) -> None:
        counted = sum(1 for p, a in self.checks.values() if p.isChecked() and a.isChecked())
        needed = self.quorum.value()
        if counted >= needed:
            self.quorum_state.setText(f"✓ Quorum met: {counted} of {needed} needed.")
            self.quorum_state.setStyleSheet(f"color:{OK_COLOUR}; font-weight:600;")
        else:
            self.quorum_state.setText(f"Quorum not met yet: {counted} of {needed} needed.")
            self.quorum_state.setStyleSheet(f"color:{WARN_COLOUR}; font-weight:600;")

    def record(self, member_id: int, *, present: bool | None = None, agreed: bool | None = None) -> None:
        if self._loading or self.view is None:
            return
        present_box, agreed_box = self.checks[member_id]
        is_present = present_box.isChecked() if present is None else present
        is_agreed = (agreed_box.isChecked() if agreed is None else agreed) and is_present
        try:
            self.sessions.record_attendance(self.ctx.actor, self.view.id, member_id, is_present, is_agreed)
        except ReviewtoolError as exc:
            show_problem(self, exc, "Attendance not recorded")
            self.changed.emit()  # reload what is stored
            return
        self._loading = True
        agreed_box.setEnabled(is_present)
        agreed_box.setChecked(is_agreed)
        self._loading = False
        self._show_quorum()
        self.changed.emit()

    def _quorum_changed(self, value: int) -> None:
        if self._loading or self.view is None or value == self.view.quorum:
            self._show_quorum()
            return
        try:
            self.sessions.set_quorum(self.ctx.actor, self.view.id, value)
        except ReviewtoolError as exc:
            show_problem(self, exc, "Quorum not changed")
        self.changed.emit()
