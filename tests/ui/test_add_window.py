"""The Add window, driven from the keyboard as a learner would: every kind
added and then studied, the cloze key, problems under their fields, the
duplicate warning, sticky choices, tag completion, the live preview, undo."""

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from flashdesk.model import Kind, Queue
from flashdesk.ui.add_window import NEW_DECK
from flashdesk.ui.card_views import ChoiceView
from flashdesk.ui.dialogs.questions import Ask
from flashdesk.ui.main_window import Screen

from uihelpers import (
    add_each_kind_by_keyboard, focused, open_add_by_keyboard, plain, press, study_by_keyboard,
    type_text,
)

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def deck(col):
    return col.decks.create("My workplace", _now()).deck_id


def _now():
    from datetime import datetime

    return datetime.now().astimezone()


def test_a_note_of_each_kind_is_added_from_the_keyboard_and_studied(qtbot, window, col, deck):
    window.refresh_decks(select=deck)
    add = open_add_by_keyboard(qtbot, window)
    assert add.deck_id == deck and add.note_kind == Kind.BASIC

    add_each_kind_by_keyboard(qtbot, add)

    assert add.note_kind == Kind.TYPED and add.deck_id == deck  # both stay
    summary = next(s for s in col.decks.summaries(_now()) if s.id == deck)
    assert (summary.new, summary.total) == (7, 7)
    press(qtbot, Key.Key_Escape)
    assert not add.isVisible()

    # study them: the deck list shows them, Enter studies
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.decks.current_summary().new == 7
    window.decks.focus_tree()
    press(qtbot, Key.Key_Return)
    assert window.screen == Screen.REVIEW
    kinds = study_by_keyboard(qtbot, window)
    assert sorted(kinds) == sorted(Kind)  # the reverse card waits for tomorrow (its sibling)
    assert window.screen == Screen.SUMMARY
    queues = {c: col.study.card(c, _now()).queue for c in col.notes.browse(_query(deck), _now())}
    assert sorted(queues.values()) == [Queue.BURIED] + [Queue.REVIEW] * 6


def _query(deck_id):
    from flashdesk.model import BrowseQuery

    return BrowseQuery(deck_id=deck_id)


def test_problems_show_under_their_fields_and_nothing_is_added(qtbot, window, col, deck):
    window.refresh_decks(select=deck)
    add = open_add_by_keyboard(qtbot, window)
    add.set_kind(Kind.CHOICE)
    add.form.focus_first()
    type_text(qtbot, "First?")
    press(qtbot, Key.Key_Tab)
    type_text(qtbot, "Only one option")
    press(qtbot, Key.Key_Tab)
    type_text(qtbot, "3")
    press(qtbot, Key.Key_Return, CTRL)
    problem = add.form.findChild(QLabel, "problem_options")
    assert not problem.isHidden()
    assert problem.text() == "A choice note needs at least two options"
    assert add.form.findChild(QLabel, "problem_answer").text() == \
        "Must be between 1 and 1, the number of options"
    assert add.form.findChild(QLabel, "problem_question").isHidden()
    assert focused() is add.form.editor("options")  # the first field to mend
    assert "Not added" in add.status.text()
    assert next(s for s in col.decks.summaries(_now()) if s.id == deck).total == 0


def test_adding_keeps_deck_kind_and_tags_and_warns_of_a_duplicate(qtbot, window, col, deck):
    other = col.decks.create("Other", _now()).deck_id
    window.refresh_decks(select=deck)
    add = window.open_add()
    add.set_kind(Kind.BASIC)
    add.form.set_texts({"front": "What is HEAT?", "back": "A model"})
    add.tags.setText("models heat")
    add.source.setText("Handbook")
    assert add.add_note() is not None
    assert add.note_kind == Kind.BASIC and add.deck_id == deck
    assert add.tags.text() == "models heat" and add.source.text() == "Handbook"
    assert add.form.texts()["front"] == ""

    add.form.set_texts({"front": "what is <b>heat</b>?", "back": "again"})
    add.follow_now()
    assert not add.duplicate.isHidden()
    assert "My workplace already has a note that starts like this: “What is HEAT?”" in \
        plain(add.duplicate.text())
    add.set_deck(other)
    add.follow_now()
    assert add.duplicate.isHidden()  # another deck: no duplicate
    added = add.add_note()  # a duplicate is only a warning
    assert added is not None and added.note_id.startswith("other/")
    assert col.study.card(added.card_ids[0], _now()).tags == ("models", "heat")


def test_tags_complete_from_the_tags_in_use(qtbot, window, col, deck):
    col.notes.add(deck, Kind.BASIC, {"front": "Q", "back": "A"}, _now(), tags=["refunds"])
    window.refresh_decks(select=deck)
    add = open_add_by_keyboard(qtbot, window)
    add.tags.setFocus()
    type_text(qtbot, "phone re")
    popup = add.tags.completer_popup
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().data(popup.model().index(0, 0)) == "refunds"
    popup.setCurrentIndex(popup.model().index(0, 0))
    press(qtbot, Key.Key_Return, widget=popup)
    assert add.tags.text() == "phone refunds "


def test_the_preview_draws_each_card_as_study_does(qtbot, window, col, deck):
    window.refresh_decks(select=deck)
    add = window.open_add()
    preview = add.preview
    assert preview.cards == []
    add.set_kind(Kind.CLOZE)
    add.form.set_texts({"text": "{{c1::Hear}}, {{c2::Empathise}}, Apologise"})
    add.follow_now()
    assert [c.ord for c in preview.cards] == [1, 2]
    assert preview.tabs.count() == 2 and preview.tabs.tabText(1) == "Cloze 2"
    preview.tabs.setCurrentIndex(1)
    assert "Hear" in preview.view._text.text() and "Empathise" not in preview.view._text.text()
    preview.answer_side.setChecked(True)
    assert "Empathise" in preview.view._text.text()

    add.set_kind(Kind.CHOICE)
    add.form.set_texts({"question": "First?", "options": "Listen\nRefund", "answer": "1"})
    add.follow_now()
    assert isinstance(preview.view, ChoiceView)
    assert "✓ Right" in preview.view.verdict.text()  # the answer side, picked right
    preview.answer_side.setChecked(False)
    assert not preview.view.is_revealed

    # while a required field is still empty the card shows with a gap to fill
    add.set_kind(Kind.BASIC)
    add.form.set_texts({"front": "Only a front so far"})
    add.follow_now()
    assert len(preview.cards) == 1 and preview.cards[0].fields["back"] == "…"
    # nothing in the preview takes the keyboard
    assert all(w.focusPolicy() == Qt.FocusPolicy.NoFocus
               for w in preview.view.findChildren(QPlainTextEdit))


def test_a_new_deck_is_made_from_the_deck_chooser(qtbot, window, col, deck, monkeypatch):
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, *a, **k: "Work::Phones"))
    add = window.open_add()
    add.deck.setCurrentIndex(add.deck.findData(NEW_DECK))
    add.deck.activated.emit(add.deck.currentIndex())
    assert col.decks.name(add.deck_id) == "Work::Phones"
    assert add.deck.currentText() == "Work › Phones"
    assert window.decks.model.index_of(add.deck_id).isValid()  # the deck list followed


def test_typing_in_the_deck_chooser_never_asks_for_a_new_deck(qtbot, window, col, deck,
                                                               monkeypatch):
    """Keys typed into the closed deck list pick decks by their first
    letters; 'N' (as in "Name the Act", typed one field too early) does not
    land on the new-deck entry and open its question."""
    def asked(cls, *a, **k):
        raise AssertionError("the new deck question opened")

    monkeypatch.setattr(Ask, "text", classmethod(asked))
    add = window.open_add()
    add.activateWindow()
    qtbot.waitUntil(add.isActiveWindow, timeout=5000)
    add.deck.setFocus()
    before = add.deck_id
    qtbot.keyClicks(add.deck, "Name the Act")
    assert add.deck.currentData() != NEW_DECK and add.deck_id == before
    assert [d.name for d in col.decks.summaries(datetime.now().astimezone())
            if "ame" in d.name] == []


def test_adding_is_undone_from_the_window(qtbot, window, col, deck):
    window.refresh_decks(select=deck)
    add = window.open_add()
    add.form.set_texts({"front": "Q", "back": "A"})
    added = add.add_note()
    assert window.decks.current_summary().total == 1
    add.undo_button.click()
    assert col.notes.card_ids(added.note_id) == []
    assert window.decks.current_summary().total == 0
    assert add.status.text() == "Undone: add note."
    assert add.undo_button.isHidden()


def test_ctrl_n_adds_to_the_deck_being_studied(qtbot, window, col, deck):
    other = col.decks.create("Other", _now()).deck_id
    col.notes.add(other, Kind.BASIC, {"front": "Q", "back": "A"}, _now())
    window.refresh_decks(select=other)
    window.study_current()
    assert window.screen == Screen.REVIEW
    press(qtbot, Key.Key_N, CTRL)
    assert window.add_window.isVisible() and window.add_window.deck_id == other
    assert QApplication.activeModalWidget() is None  # study stays open behind it
