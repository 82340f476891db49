"""The review screen, kind by kind and action by action."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from flashdesk.model import GradeMode, Kind, Queue
from flashdesk.ui.card_html import qt_html
from flashdesk.ui.card_views import OrderList
from flashdesk.ui.dialogs.edit_note import EditNoteDialog
from flashdesk.ui.main_window import Screen
from flashdesk.ui.reviewer import Stage
from flashdesk.ui.theme import current_theme

from uihelpers import KINDS_DECK, focused, press, study, write_deck

Key = Qt.Key

REVERSE_DECK = '''
[deck]
id = "rev"
name = "Reverse"

[[notes]]
id = "term"
kind = "basic"
front = "HEAT"
back = "Hear, Empathise, Apologise, Take ownership"
reverse = true

[[notes]]
id = "hint"
kind = "cloze"
text = "The {{c1::A::a verb}} in HEAT, then {{c2::T}}."
'''


@pytest.fixture
def kinds(col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    return col



def skip_to(qtbot, reviewer, kind):
    """Bury cards until one of ``kind`` shows."""
    while reviewer.card.kind != kind:
        press(qtbot, Key.Key_Minus)


def test_a_reverse_card_asks_back_to_front_and_cloze_hints_show(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "r.toml", REVERSE_DECK)])
    col.decks.set_options("rev", bury_siblings=False)  # see every card of each note today
    reviewer = study(window, "rev")
    seen = {}
    while reviewer.card is not None:
        card = reviewer.card
        seen[(card.kind, card.ord)] = reviewer.view
        if card.kind == Kind.BASIC and card.ord == 1:
            assert reviewer.view._question.text().startswith("Hear, Empathise")
            assert "reverse" in reviewer._kind_label.text().lower()
        if card.kind == Kind.CLOZE and card.ord == 1:
            assert "[a verb]" in reviewer.view._text.text()
        press(qtbot, Key.Key_Space)
        press(qtbot, Key.Key_4)  # Easy: no re-drill
    assert set(seen) == {(Kind.BASIC, 0), (Kind.BASIC, 1), (Kind.CLOZE, 1), (Kind.CLOZE, 2)}
    assert window.screen == Screen.SUMMARY


def test_cloze_shows_a_blank_then_the_highlighted_answer(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    skip_to(qtbot, reviewer, Kind.CLOZE)
    question = reviewer.view._text.text()
    assert "Empathise" not in question and "[ … ]" in question
    press(qtbot, Key.Key_Space)
    answer = reviewer.view._text.text()
    mark = current_theme().colors["mark_bg"]
    assert f"background-color:{mark}" in answer and "Empathise" in answer


def test_grade_buttons_show_the_next_interval_and_explain_the_loop_sign(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    assert not any(b.isVisible() for b in reviewer.grade_buttons)
    assert reviewer.reveal_button.isVisible()
    assert "Space or Enter" in reviewer.reveal_button.toolTip()
    press(qtbot, Key.Key_Space)
    again, hard, good, easy = reviewer.grade_buttons
    assert again.interval_text == "1d ↻"
    assert "comes back later in this session" in again.toolTip()
    assert "key 1" in again.toolTip() and again.accessibleName().startswith("Again, key 1")
    assert good.interval_text == "1d" and "↻" not in good.toolTip()
    assert focused() is good  # Enter takes Good
    assert good.property("suggested") == "true"


def test_six_grade_mode_answers_with_keys_0_to_5(qtbot, window, kinds):
    kinds.set_grade_mode(GradeMode.SIX_GRADES)
    window.reviewer.apply_preferences()
    reviewer = study(window, "kinds")
    press(qtbot, Key.Key_Space)
    assert [b.grade_name for b in reviewer.grade_buttons] == [
        "Blackout", "Wrong", "Almost", "Hard", "Good", "Perfect"]
    first = reviewer.card.id
    press(qtbot, Key.Key_5)
    assert kinds.notes.history(first)[-1]["quality"] == 5


def test_number_keys_do_not_grade_before_the_answer_shows(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    card = reviewer.card.id
    press(qtbot, Key.Key_3)
    assert reviewer.card.id == card and reviewer.stage == Stage.QUESTION
    assert kinds.notes.history(card) == []


def test_choice_needs_a_pick_and_enter_alone_says_so(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    skip_to(qtbot, reviewer, Kind.CHOICE)
    assert reviewer.reveal_button.isHidden()
    assert focused() is reviewer  # no option has the focus: Space and Enter cannot pick one
    for key in (Key.Key_Space, Key.Key_Return):
        press(qtbot, key)
        assert reviewer.stage == Stage.QUESTION
        assert "choose an option" in reviewer._notice.text().lower()
    press(qtbot, Key.Key_9)  # no such option
    assert reviewer.stage == Stage.QUESTION
    assert reviewer.card.id not in [e["card_id"] for e in kinds.notes.history(reviewer.card.id)]
    reviewer.view.options[reviewer.view.right_number - 1].click()  # the mouse works too
    assert reviewer.stage == Stage.ANSWER
    assert reviewer.default_button().grade_name == "Good"
    assert "H is Hear" in reviewer.view._explanation[0].text()


def test_choice_options_come_in_a_fresh_order_and_keys_follow_it(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    skip_to(qtbot, reviewer, Kind.CHOICE)
    view = reviewer.view
    options = reviewer.card.fields["options"]
    shown = [b.accessibleName().split(": ", 1)[1] for b in view.options]
    assert shown == [options[i] for i in view.order] and sorted(shown) == sorted(options)
    assert shown[view.right_number - 1] == "Listen without interrupting"
    press(qtbot, getattr(Key, f"Key_{view.right_number}"))
    assert view.suggested == 4 and "✓ Right" in view.verdict.text()


def test_order_items_move_with_alt_or_ctrl_and_arrows(qtbot):
    items = OrderList()
    qtbot.addWidget(items)
    for i, text in enumerate(["one", "two", "three"]):
        items.addItem(text)
        items.item(i).setData(Qt.ItemDataRole.UserRole, i)
    items.setCurrentRow(0)
    qtbot.keyClick(items, Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert items.order() == [1, 0, 2] and items.currentRow() == 1
    qtbot.keyClick(items, Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert items.order() == [1, 2, 0]
    qtbot.keyClick(items, Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert items.order() == [1, 0, 2]
    assert not items.move_current(-5)
    assert "Your order: 1. two" in items.accessibleDescription()


def test_a_wrong_order_is_marked_and_suggests_a_lower_grade(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    skip_to(qtbot, reviewer, Kind.ORDER)
    press(qtbot, Key.Key_Return)  # check the shuffled order as it is
    view = reviewer.view
    assert view.check.mistakes > 0
    assert "✗" in view.result.text() and "you put" in view.result.text()
    assert reviewer.default_button().quality == view.check.suggested < 4


def test_scenario_ticks_change_the_suggested_grade(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    skip_to(qtbot, reviewer, Kind.SCENARIO)
    view = reviewer.view
    press(qtbot, Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert view.tally.text() == "0 of 4 marking points made."
    assert reviewer.default_button().grade_name == "Again"
    for point in view.points:
        point.set_checked(True)
    assert reviewer.default_button().grade_name == "Good"
    assert view.points[0].box.accessibleName() == "Listens"


def test_e_edits_the_note_and_the_card_shows_the_new_text(qtbot, window, kinds, monkeypatch):
    def fake_ask(cls, parent, col, note_id, now, card_id=None):
        kind, fields = col.notes.get(note_id)
        return col.notes.update(note_id, {**fields, "front": "What does HEAT mean?"}, now())

    monkeypatch.setattr(EditNoteDialog, "ask", classmethod(fake_ask))
    reviewer = study(window, "kinds")
    press(qtbot, Key.Key_E)
    assert reviewer.view._question.text() == "What does HEAT mean?"
    assert "saved" in reviewer._notice.text()


def test_the_edit_dialog_saves_fields_and_refuses_bad_ones(qtbot, kinds):
    from flashdesk.review import local_now

    dialog = EditNoteDialog(kinds, "kinds/c-choice", local_now)
    qtbot.addWidget(dialog)
    form = dialog.editor.form
    form.editor("options").setPlainText("Refund\nListen\nPolicy\nIgnore them")
    form.editor("question").setPlainText("")
    dialog.accept()
    problem = form.findChild(QLabel, "problem_question")
    assert not problem.isHidden() and problem.text() == "Required for a choice note"
    assert kinds.notes.get("kinds/c-choice")[1]["question"] == "What do you do first?"
    form.editor("question").setPlainText("First?")
    dialog.accept()
    kind, fields = kinds.notes.get("kinds/c-choice")
    assert fields["options"] == ["Refund", "Listen", "Policy", "Ignore them"]
    assert fields["question"] == "First?" and fields["answer"] == 2
    assert dialog.changes.note_text and problem.isHidden()


def test_suspend_and_bury_take_the_card_out(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    first = reviewer.card.id
    press(qtbot, Key.Key_At)
    assert reviewer.card.id != first
    assert "suspended" in reviewer._notice.text().lower()
    second = reviewer.card.id
    press(qtbot, Key.Key_Minus)
    assert reviewer.card.id != second
    assert kinds.study.card(first, reviewer._clock()).queue == Queue.SUSPENDED
    assert kinds.study.card(second, reviewer._clock()).queue == Queue.BURIED
    assert reviewer.counts == (3, 0, 0)


def test_undo_from_the_summary_brings_the_card_back(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "r.toml", REVERSE_DECK)])
    col.decks.set_limits("rev", new_limit=1)
    reviewer = study(window, "rev")
    last = reviewer.card.id
    press(qtbot, Key.Key_Space)
    press(qtbot, Key.Key_3)
    assert window.screen == Screen.SUMMARY
    assert window.summary.summary.studied == 1
    press(qtbot, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.screen == Screen.REVIEW and reviewer.card.id == last
    assert reviewer.tally.studied == 0


def test_nothing_to_undo_says_so(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    press(qtbot, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert reviewer._notice.text() == "Nothing to undo."


def test_card_text_never_loads_from_elsewhere(tmp_path):
    colors = current_theme().colors
    media = tmp_path / "media"
    media.mkdir()
    (media / "chart.png").write_bytes(b"\x89PNG")
    html = qt_html('<p>a <img src="http://evil.example/x.png"> b <img src="chart.png" alt="A chart">'
                   ' <img src="missing.png" alt="gone"> <mark>key</mark></p>', colors, media)
    assert "evil" not in html and "http" not in html
    assert (media / "chart.png").as_uri() in html
    assert "<i>[gone]</i>" in html
    assert "<mark>" not in html and colors["mark_bg"] in html
    assert "img" not in qt_html('<img src="chart.png">', colors, None)


NESTED_DECK = '''
[deck]
id = "nested"
name = "Nested"

[[notes]]
id = "heat"
kind = "cloze"
text = "The {{c1::HEAT {{c2::model}} is used}} for complaints"
'''


def test_nested_clozes_show_anki_s_two_cards(qtbot, window, col, tmp_path):
    """Issue 13, case 1: card 1 hides the whole phrase, card 2 only the inner part."""
    col.files.import_files([write_deck(tmp_path, "n.toml", NESTED_DECK)])
    col.decks.set_options("nested", bury_siblings=False)  # both cards today
    reviewer = study(window, "nested")
    seen = {}
    while reviewer.card is not None:
        question = reviewer.view._text.text()
        press(qtbot, Key.Key_Space)
        seen[reviewer.card.ord] = (question, reviewer.view._text.text())
        press(qtbot, Key.Key_4)
    assert set(seen) == {1, 2}
    assert "HEAT" not in seen[1][0] and "[ … ]" in seen[1][0] and "{{" not in seen[1][0]
    assert "HEAT" in seen[2][0] and "model" not in seen[2][0] and "is used" in seen[2][0]
    assert "model" in seen[2][1] and "{{" not in seen[2][1] and "}}" not in seen[2][1]
