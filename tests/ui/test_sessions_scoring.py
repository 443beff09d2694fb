"""Scoring in the GUI: every answer committed as entered (read back through the service), stale edits
refused with a reload, the blind rule on a panel member's own screen, reveal with the spread of answers
and agreement, and the consensus."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from reviewtool.core.db import Database
from reviewtool.core.planning import PlanningService
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import SessionService
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.sessions.consensus_form import ConsensusForm
from reviewtool.ui.sessions.my_session import MySessionView
from reviewtool.ui.sessions.review_page import ReviewPage
from reviewtool.ui.sessions.scoring_form import ScoringForm
from reviewtool.ui.sessions.scoring_page import ScoringPage

from support.sessions_screens import (
    LIAISON,
    activate,
    cached_meeting_db,
    copy_meeting_db,
    panel_actor,
    start_meeting,
)

pytestmark = [pytest.mark.gui, pytest.mark.media]


@pytest.fixture
def meeting(tmp_path_factory, tmp_path):
    template = cached_meeting_db(tmp_path_factory)
    copy = copy_meeting_db(template, tmp_path / "db")
    db = Database.open(copy.url)
    start_meeting(db, copy.session_id)
    view = SessionService(db).get(LIAISON, copy.session_id)
    with tasks.synchronous():
        yield db, view
    db.dispose()


def clip_items(view):
    return [it for it in view.items if it.status != "removed" and not it.no_footage]


def stored(db, item_id, member_id) -> dict[str, tuple[str | None, str | None]]:
    return {a.criterion_id: (a.answer, a.comment) for a in ScoringService(db).answers_for(LIAISON, item_id)
            if a.member_id == member_id}


def form_for(qtbot, db, view, member_index: int = 0, actor=LIAISON) -> ScoringForm:
    rubric = PlanningService(db).rubric_for_session(actor, view.id)
    member = view.attendance[member_index]
    form = ScoringForm(actor, ScoringService(db), rubric, member.member_id, member.name)
    qtbot.addWidget(form)
    form.show()
    return form


def test_each_answer_is_committed_as_it_is_entered(qtbot, meeting):
    db, view = meeting
    item = clip_items(view)[0]
    page = ScoringPage(AppContext(db=db, actor=LIAISON), PlanningService(db).rubric_for_session(LIAISON, view.id))
    qtbot.addWidget(page)
    activate(page)
    page.set_members([a for a in view.attendance if a.counts_for_quorum])
    page.set_item(item, running=True)
    assert page.member_tabs.count() == 3
    form = page.current_form()
    member = form.member_id

    form.findChild(type(form.rows["grounds_explained"].buttons["yes"]), "answer_grounds_explained_yes").click()
    assert stored(db, item.id, member)["grounds_explained"] == ("yes", None)
    assert form.rows["grounds_explained"].tick.text() == "✓ saved"

    row = form.rows["respect"]  # keyboard: the row has focus, a number key picks an answer
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_4)
    assert stored(db, item.id, member)["respect"] == ("4", None)
    qtbot.keyClick(row, Qt.Key.Key_Delete)
    assert stored(db, item.id, member)["respect"] == (None, None)
    assert not any(b.isChecked() for b in row.buttons.values())

    overall = form.rows["overall"]
    overall.buttons["amber"].click()
    assert "What went well" in form.progress.text()  # required once the rating is amber
    went_well = form.rows["went_well"]
    went_well.text_edit.setFocus()
    qtbot.keyClicks(went_well.text_edit, "Calm tone throughout")
    form.rows["could_be_better"].text_edit.setFocus()  # leaving the box commits it
    assert stored(db, item.id, member)["went_well"] == ("Calm tone throughout", None)

    respect = form.rows["grounds_explained"]
    respect.comment_toggle.click()
    qtbot.keyClicks(respect.comment_edit, "explained twice")
    qtbot.keyClick(respect.comment_edit, Qt.Key.Key_Return)
    assert stored(db, item.id, member)["grounds_explained"] == ("yes", "explained twice")
    assert page.member_tabs.tabText(0).endswith(f"3/{len(form.rows)}")

    # another member's form starts empty: nothing crosses between members
    page.show_member(1)
    other = page.current_form()
    assert other.member_id != member and not any(r.answer for r in other.rows.values())


def test_a_stale_edit_is_refused_and_reload_shows_the_other_answer(qtbot, meeting):
    db, view = meeting
    item = clip_items(view)[0]
    first, second = form_for(qtbot, db, view), form_for(qtbot, db, view)
    first.set_item(item.id, revealed=False)
    second.set_item(item.id, revealed=False)
    first.rows["camera_started"].buttons["yes"].click()
    second.rows["camera_started"].buttons["late"].click()  # based on the empty answer it last saw

    assert stored(db, item.id, first.member_id)["camera_started"] == ("yes", None)
    assert second.rows["camera_started"].tick.text() == "not saved"
    assert second.banner.isVisible() and "changed by someone else" in second.banner.label.text()
    assert second.banner.button.text() == "Reload"
    second.banner.button.click()
    assert second.rows["camera_started"].answer == "yes"
    assert second.rows["camera_started"].buttons["yes"].isChecked()
    second.rows["camera_started"].buttons["late"].click()  # now a deliberate change, on the latest
    assert stored(db, item.id, first.member_id)["camera_started"] == ("late", None)


def test_panel_member_sees_only_their_own_answers_until_reveal(qtbot, meeting):
    db, view = meeting
    item = clip_items(view)[0]
    scoring, sessions = ScoringService(db), SessionService(db)
    me = panel_actor(db, "panel1")
    mine = next(a for a in view.attendance if a.name == "Amira Haddad")
    other = next(a for a in view.attendance if a.name == "Grace Okafor")
    scoring.record_answer(LIAISON, item.id, other.member_id, "overall", "red")
    scoring.record_answer(LIAISON, item.id, other.member_id, "respect", "1", comment="SECRET-OTHER-COMMENT")
    scoring.add_comment(LIAISON, item.id, other.member_id, "SECRET-OTHER-NOTE", 1.0)

    screen = MySessionView(AppContext(db=db, actor=me))
    qtbot.addWidget(screen)
    screen.show()
    assert "not reached its first item" in screen.waiting.text()
    sessions.mark_shown(LIAISON, item.id)
    screen.refresh()
    assert screen.item is not None and screen.item.id == item.id
    form = screen.form
    assert form.member_id == mine.member_id
    assert not any(r.answer for r in form.rows.values())
    assert not screen.tabs.isTabEnabled(1) and not screen.after.isVisible()
    texts = " ".join(w.text() for w in screen.findChildren(QLabel)) + \
        " ".join(screen.comments.list.item(n).text() for n in range(screen.comments.list.count()))
    assert "SECRET-OTHER" not in texts and "Red" not in texts

    form.rows["overall"].buttons["amber"].click()  # the member enters their own answer
    assert stored(db, item.id, mine.member_id)["overall"] == ("amber", None)

    scoring.reveal(LIAISON, item.id)
    screen.refresh()
    assert screen.tabs.isTabEnabled(1) and screen.after.isVisible()
    assert not form.rows["overall"].buttons["green"].isEnabled()  # fixed after reveal
    assert "Red (1)" in screen.reveal_panel.answers_text("overall")
    assert "Amber (1)" in screen.reveal_panel.answers_text("overall")


def test_reveal_shows_the_spread_and_agreement(qtbot, meeting):
    db, view = meeting
    first, second = clip_items(view)[:2]
    scoring = ScoringService(db)
    members = [a.member_id for a in view.attendance]
    for item, answers in ((first, ("amber", "amber", "green")), (second, ("red", "red", "red"))):
        for member, answer in zip(members, answers):
            scoring.record_answer(LIAISON, item.id, member, "overall", answer)
            scoring.record_answer(LIAISON, item.id, member, "respect", {"amber": "3", "green": "4", "red": "1"}[answer])
    ctx = AppContext(db=db, actor=LIAISON)
    page = ReviewPage(ctx, view.id, PlanningService(db).rubric_for_session(LIAISON, view.id))
    page.members = [a for a in view.attendance if a.counts_for_quorum]
    qtbot.addWidget(page)
    page.show()
    page.set_item(first, running=True)
    assert page.stack.currentWidget() is page.blind
    assert page.counts_label.text().startswith("3 of 3 members present have given the overall rating")
    assert "amber" not in (page.counts_label.text() + page.member_counts.text()).lower()
    assert page.member_counts.text().count("overall rating given") == 3

    scoring.reveal(LIAISON, first.id)
    page.set_item(SessionService(db).get(LIAISON, view.id).item(first.id), running=True)
    assert page.stack.currentWidget() is page.revealed
    assert "<b>Amber (2)</b>" in page.reveal_panel.answers_text("overall")
    assert "Green (1)" in page.reveal_panel.answers_text("overall")
    assert page.reveal_panel.alpha_for("overall") == "—"  # one revealed item: alpha undefined

    scoring.reveal(LIAISON, second.id)
    page.set_item(SessionService(db).get(LIAISON, view.id).item(second.id), running=True)
    alpha = scoring.agreement(LIAISON, session_id=view.id)["overall"].alpha
    assert alpha is not None
    assert page.reveal_panel.alpha_for("overall") == f"{alpha:.2f}"
    assert "Red (3)" in page.reveal_panel.answers_text("overall")


def test_consensus_is_recorded_and_a_stale_one_refused(qtbot, meeting):
    db, view = meeting
    item = clip_items(view)[0]
    scoring = ScoringService(db)
    scoring.reveal(LIAISON, item.id)
    form = ConsensusForm(LIAISON, scoring)
    qtbot.addWidget(form)
    activate(form)
    form.set_item(item.id, None, enabled=True)
    assert not form.refer.isEnabled()
    form.rag_buttons["red"].click()
    assert form.refer.isEnabled()
    form.record()  # red needs a summary: refused, nothing stored
    assert "summary" in form.banner.label.text() and scoring.consensus(LIAISON, item.id) is None
    form.summary.setPlainText("Force used before any attempt to explain the grounds.")
    form.learning.setPlainText("Explain grounds first; use the GOWISELY prompt card.")
    form.refer.setChecked(True)
    form.summary.setFocus()
    qtbot.keyClick(form.summary, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    saved = scoring.consensus(LIAISON, item.id)
    assert (saved.rag, saved.refer, saved.learning_points) == ("red", True, "Explain grounds first; use the GOWISELY "
                                                                             "prompt card.")
    assert SessionService(db).get(LIAISON, view.id).item(item.id).status == "agreed"
    assert form.state.text().startswith("✓ Recorded RED")

    scoring.record_consensus(LIAISON, item.id, "amber", "Changed elsewhere", expected_version=saved.version)
    form.rag_buttons["green"].click()
    form.record()
    assert "changed by someone else" in form.banner.label.text()
    assert scoring.consensus(LIAISON, item.id).rag == "amber"
    form.banner.button.click()  # reload
    assert form.rag() == "amber" and form.summary.toPlainText() == "Changed elsewhere"


def test_undo_puts_back_the_previous_answer(qtbot, meeting):
    db, view = meeting
    item = clip_items(view)[0]
    form = form_for(qtbot, db, view)
    activate(form)
    form.set_item(item.id, revealed=False)
    row = form.rows["record_offered"]
    row.buttons["yes"].click()
    row.buttons["no"].click()
    assert stored(db, item.id, form.member_id)["record_offered"] == ("no", None)
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(db, item.id, form.member_id)["record_offered"] == ("yes", None)
    assert row.buttons["yes"].isChecked() and not row.buttons["no"].isChecked()
    qtbot.keyClick(row, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(db, item.id, form.member_id)["record_offered"] == (None, None)
    qtbot.keyClick(row, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # nothing more to undo
    assert stored(db, item.id, form.member_id)["record_offered"] == (None, None)
