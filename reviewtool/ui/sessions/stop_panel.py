"""The stop record beside the clip: what the panel needs to judge the search, and nothing about the person.

Panels find *why* a search happened harder to judge than *how* (the grounds are rarely visible on
camera), so the officer's written grounds sit next to the picture. The panel sees the type of search,
the power used, the object searched for and the outcome -- never the subject's gender, age, ethnicity
or location, and not the officer: `StopSummary` carries no such field, so this panel cannot show one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from reviewtool.core.sessions import ItemView
from reviewtool.ui.sessions.common import STATUS_WORDS, heading, quiet


def _value() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class StopPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stopPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(200)
        layout = QVBoxLayout(self)
        self.title = heading("The stop, as recorded", 2)
        layout.addWidget(self.title)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setVerticalSpacing(2)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("reference", "Reference"), ("when", "Date and time"), ("type", "Type of search"),
                           ("legislation", "Legislation"), ("object", "Object of search"), ("outcome", "Outcome"),
                           ("status", "In this meeting")):
            self.fields[key] = _value()
            self.fields[key].setObjectName(f"stop_{key}")
            form.addRow(f"<b>{label}</b>", self.fields[key])
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>The officer's written grounds</b>"))
        self.grounds = _value()
        self.grounds.setObjectName("stop_grounds")
        self.grounds.setStyleSheet("background:#F6F7F9; border:1px solid #DADDE1; border-radius:4px; padding:6px;")
        self.grounds.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.grounds)
        layout.addWidget(quiet("The record of the person searched is not shown to the panel."))
        layout.addStretch(1)

    def show_item(self, item: ItemView | None) -> None:
        if item is None:
            for label in self.fields.values():
                label.setText("")
            self.grounds.setText("")
            return
        stop = item.stop
        self.fields["reference"].setText(stop.reference)
        self.fields["when"].setText(f"{stop.local_date:%a %d %b %Y}, {stop.local_time}")
        self.fields["type"].setText(stop.type or "—")
        self.fields["legislation"].setText(stop.legislation or "—")
        self.fields["object"].setText(stop.object_of_search or "—")
        self.fields["outcome"].setText(stop.outcome or "—")
        status = STATUS_WORDS.get(item.status, item.status)
        if item.no_footage:
            status += " · no footage (a finding to follow up)"
        self.fields["status"].setText(status)
        self.grounds.setText(stop.grounds or "No grounds were written on the record.")
