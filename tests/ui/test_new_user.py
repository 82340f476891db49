"""Done when: a new user, with no file at hand, makes a deck "My workplace",
adds one card of each kind, studies them, renames the deck, and sees each
card's history – from the keyboard, on a fresh profile with the bundled decks."""

from datetime import datetime

from flashdesk.collection import Collection
from flashdesk.model import BrowseQuery, Kind
from flashdesk.ui.dialogs.questions import Ask
from flashdesk.ui.main_window import Screen

from uihelpers import (
    CTRL, SHIFT, Key, activate, add_each_kind_by_keyboard, open_add_by_keyboard, press,
    study_by_keyboard,
)


def test_a_new_user_makes_studies_renames_and_sees_the_history(qtbot, make_window, tmp_path,
                                                               monkeypatch):
    col = Collection.open(tmp_path / "fresh" / "collection.db", backups=False)
    try:
        names = iter(["My workplace", "Our shop"])
        monkeypatch.setattr(Ask, "text", classmethod(lambda cls, *args: next(names)))
        window = make_window(col)
        bundled = {s.id for s in window.decks.model.summaries()}
        assert bundled  # a new profile has the bundled decks

        window.decks.focus_tree()
        press(qtbot, Key.Key_N, CTRL | SHIFT)  # New deck…
        deck = window.decks.current_deck_id()
        assert deck == "my-workplace" and deck not in bundled

        add = open_add_by_keyboard(qtbot, window)
        assert add.deck_id == deck
        add_each_kind_by_keyboard(qtbot, add)
        press(qtbot, Key.Key_Escape)
        activate(qtbot, window)

        window.decks.focus_tree()
        press(qtbot, Key.Key_Return)  # study My workplace
        assert window.screen == Screen.REVIEW
        kinds = study_by_keyboard(qtbot, window)
        assert sorted(kinds) == sorted(Kind)  # the basic note's reverse waits for tomorrow
        press(qtbot, Key.Key_Escape)  # the summary, back to the decks
        assert window.screen == Screen.DECKS

        window.decks.select_deck(deck)
        window.decks.focus_tree()
        press(qtbot, Key.Key_F2)  # rename: the id stays
        assert col.decks.name(deck) == "Our shop"

        press(qtbot, Key.Key_B, CTRL)  # the browser: each card's history
        browser = window.browser
        now = datetime.now().astimezone()
        cards = col.notes.browse(BrowseQuery(deck_id=deck), now)
        assert len(cards) == 7
        qtbot.waitUntil(lambda: browser.model.rowCount() > 7)
        for card in cards:
            row = browser.model.row_of(card)
            browser.select_row(row)
            info = browser.editor.card_info
            assert info.info.card_id == card
            assert info.value("deck") == "Our shop"
            if card.endswith("#1") and info.info.kind == Kind.BASIC:  # the sibling held back
                assert info.value("answers") == "0" and info.history_rows() == []
                assert info.value("state") == "Buried until tomorrow"
                continue
            assert info.value("answers") == "1"
            [(_date, answer, interval, ease)] = info.history_rows()
            assert interval == "new → 1d"
            assert (answer, ease) in (("Easy", "2.50 → 2.60"),   # the keys pressed
                                      ("Good", "2.50 → 2.50"))   # a choice's suggestion
        browser.close()
    finally:
        col.close()
