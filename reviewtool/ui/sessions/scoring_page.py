"""The facilitator's scoring page: one form per panel member present, for the item in hand.

The facilitator enters what each member says or wrote on paper (members with their own device enter
their own; both go through the same service and land in the same place). A member's tab shows how
many criteria they have answered, so nobody is forgotten before the reveal.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from reviewtool.core.rubric import RubricDefinition
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import AttendanceView, ItemView
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.common import quiet
from reviewtool.ui.sessions.scoring_form import ScoringForm


class ScoringPage(QWidget):
    def __init__(self, ctx: AppContext, rubric: RubricDefinition, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rubric = rubric
        self.scoring: ScoringService = ctx.service(ScoringService)
        self.setObjectName("scoringPage")
        self.item: ItemView | None = None
        self.running = False
        self.forms: dict[int, ScoringForm] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        self.title = QLabel("")
        self.title.setObjectName("scoringTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(quiet("Enter each member's answers as they give them, spoken or on paper. Every answer is "
                               "saved the moment it is entered. Nobody else's answers are shown until you reveal."))
        self.member_tabs = QTabWidget()
        self.member_tabs.setObjectName("memberTabs")
        layout.addWidget(self.member_tabs, 1)
        self.empty = quiet("No member is recorded as present with the confidentiality agreement confirmed. "
                           "Record attendance on the session's page first.")
        layout.addWidget(self.empty)

    def set_members(self, present: list[AttendanceView]) -> None:
        wanted = [(a.member_id, a.name, a.initials) for a in present]
        if [m for m, _, _ in wanted] == list(self.forms):
            return
        self.flush()
        current = self.member_tabs.currentIndex()
        self.member_tabs.clear()
        for form in self.forms.values():
            form.deleteLater()
        self.forms = {}
        for member_id, name, initials in wanted:
            form = ScoringForm(self.ctx.actor, self.scoring, self.rubric, member_id, name)
            form.initials = initials
            form.answerSaved.connect(lambda _v, f=form: self._update_tab(f))
            self.forms[member_id] = form
            self.member_tabs.addTab(form, initials)
        self.empty.setVisible(not self.forms)
        self.member_tabs.setVisible(bool(self.forms))
        if self.forms:
            self.member_tabs.setCurrentIndex(max(0, min(current, len(self.forms) - 1)))
        if self.item is not None:
            self.set_item(self.item, self.running, force=True)

    def set_item(self, item: ItemView | None, running: bool, *, force: bool = False) -> None:
        same = item is not None and self.item is not None and item.id == self.item.id and \
            item.status == self.item.status and running == self.running
        self.item, self.running = item, running
        if same and not force:
            return
        if item is None:
            self.title.setText("")
        else:
            self.title.setText(f"<b>Item {item.position}: {item.stop.reference}</b> — {item.stop.type}, "
                               f"{item.stop.local_date:%d %b %Y}")
        for form in self.forms.values():
            usable = item is not None and item.status != "removed"
            form.set_item(item.id if usable else None, revealed=not running or (item is not None and item.revealed))
            self._update_tab(form)

    def _update_tab(self, form: ScoringForm) -> None:
        index = self.member_tabs.indexOf(form)
        if index < 0:
            return
        done = sum(1 for a in form.answers().values() if a)
        self.member_tabs.setTabText(index, f"{form.initials}  {done}/{len(form.rows)}")
        self.member_tabs.setTabToolTip(index, f"{form.member_name}: {done} of {len(form.rows)} answered")

    def show_member(self, n: int) -> None:
        if 0 <= n < self.member_tabs.count():
            self.member_tabs.setCurrentIndex(n)
            self.focus_form()

    def current_form(self) -> ScoringForm | None:
        widget = self.member_tabs.currentWidget()
        return widget if isinstance(widget, ScoringForm) else None

    def focus_form(self) -> None:
        form = self.current_form()
        if form is None:
            return
        first_open = next((r for r in form.rows.values() if r.editable and not r.answer), form.first_row())
        if first_open is not None:
            first_open.setFocus()
            form.show_row(first_open)

    def flush(self) -> None:
        for form in self.forms.values():
            form.flush()
