"""A new user's third look at the window: the deck list has the keys from
the start however the profile is set up, and keeps them through a merge in
the background; a card up a second time today says truly why."""

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from flashdesk.model import CustomKind, CustomStudy, Kind
from flashdesk.sync import set_sync_folder
from flashdesk.sync.classroom import share
from flashdesk.ui.card_views import ChoiceView
from flashdesk.ui.dialogs.custom_study import CustomStudyDialog
from flashdesk.ui.main_window import Screen

from uihelpers import KINDS_DECK, focused, plain, press, type_text, write_deck

Key = Qt.Key

def _now() -> datetime:
    return datetime.now().astimezone()


def _merged(window) -> bool:
    """The merge the window starts with is over (at once when there is none)."""
    watch = window.sync_watch
    started = not watch.active or watch.summaries > 0 or watch.last_report is not None
    return started and not window.busy


@pytest.mark.parametrize("sync_folder,sharing", [(False, False), (True, False), (False, True),
                                                 (True, True)],
                         ids=["alone", "sync-folder", "class-sharing", "both"])
def test_the_deck_list_has_the_keys_from_the_start(qtbot, make_window, col, tmp_path,
                                                  sync_folder, sharing):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    if sync_folder:
        (tmp_path / "sync").mkdir()
        set_sync_folder(col, tmp_path / "sync")
    if sharing:
        (tmp_path / "class").mkdir()
        share(col, tmp_path / "class", "Sam", None, _now())
    window = make_window(col)
    qtbot.waitUntil(lambda: _merged(window), timeout=10000)

    assert focused() is window.decks.tree
    press(qtbot, Key.Key_Down)  # Kinds, under Test
    assert window.decks.current_deck_id() == "kinds"
    press(qtbot, Key.Key_Return)
    assert window.screen == Screen.REVIEW


def test_with_no_deck_the_keys_go_to_making_one(qtbot, window):
    assert focused() is window.decks.new_deck_button


def test_a_merge_while_typing_a_note_leaves_the_keys_in_the_field(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    (tmp_path / "sync").mkdir()
    set_sync_folder(col, tmp_path / "sync")
    window.sync_watch.show_last()
    window.refresh_decks(select="kinds")
    add = window.open_add("kinds")
    add.activateWindow()
    qtbot.waitUntil(add.isActiveWindow)
    add.form.focus_first()
    type_text(qtbot, "Who approves")
    with qtbot.waitSignal(window.sync_watch.synced, timeout=10000):
        assert window.sync_watch.sync_now()
    type_text(qtbot, " refunds?")
    assert add.form.texts()["front"] == "Who approves refunds?"
    # and back on the deck list, after the same kind of merge
    add.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.decks.focus_tree()
    with qtbot.waitSignal(window.sync_watch.synced, timeout=10000):
        assert window.sync_watch.sync_now()
    assert focused() is window.decks.tree


# -- 2. why a card is up a second time today ------------------------------------------------


def _caption(window) -> str:
    return window.reviewer._kind_label.text()


def test_review_ahead_never_says_a_good_answer_was_below_good(qtbot, window, col, tmp_path,
                                                              monkeypatch):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    window.refresh_decks(select="kinds")
    window.study_current()
    reviewer = window.reviewer
    good, failed = reviewer.card.id, None
    reviewer.reveal()
    reviewer.grade(3)  # Good
    failed = reviewer.card.id
    reviewer.reveal()
    reviewer.grade(1)  # Again: a re-drill today
    while reviewer.card.id != failed:
        view = reviewer.view
        if isinstance(view, ChoiceView):
            view.pick(view.right_number)
        else:
            reviewer.reveal()
        reviewer.grade(3)
    assert _caption(window) == "Fill the gap · again: answered below Good earlier today"
    reviewer.reveal()
    reviewer.grade(3)  # the re-drill done: nothing is owed today
    window.show_decks()

    # review ahead: the card answered Good today is not offered, and the message says why
    monkeypatch.setattr(CustomStudyDialog, "ask", classmethod(
        lambda cls, *args: CustomStudy(CustomKind.AHEAD, days=7)))
    window.custom_study("kinds")
    assert window.screen == Screen.DECKS
    assert "other than any you answered today" in plain(window.decks._message.text())

    # a cram shows it with no claim about how it was answered
    monkeypatch.setattr(CustomStudyDialog, "ask", classmethod(
        lambda cls, *args: CustomStudy(CustomKind.CRAM)))
    window.custom_study("kinds")
    assert reviewer.card.id == good
    assert _caption(window) == "Question"


# -- 3. the Add window says what was typed --------------------------------------------------


def test_the_added_message_and_the_duplicate_warning_keep_angle_brackets(qtbot, window, col):
    deck = col.decks.create("My workplace", _now()).deck_id
    window.refresh_decks(select=deck)
    add = window.open_add(deck)
    add.activateWindow()
    qtbot.waitUntil(add.isActiveWindow)
    front = "Who approves refunds over <50> at my store?"
    add.form.focus_first()
    type_text(qtbot, front)
    press(qtbot, Key.Key_Tab)
    type_text(qtbot, "The duty manager & no one else")
    press(qtbot, Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert plain(add.status.text()) == f"Added “{front}” to My workplace: 1 card."
    assert col.notes.duplicates(deck, add.note_kind, {"front": front})  # stored right

    type_text(qtbot, front)  # the same question again
    add.follow_now()
    assert not add.duplicate.isHidden()
    assert f"already has a note that starts like this: “{front}”" in plain(add.duplicate.text())


# -- 5. the preview numbers the options as the Right option field does ------------------------


def test_the_preview_shows_choice_options_as_typed_and_names_the_right_one(qtbot, window, col):
    deck = col.decks.create("My workplace", _now()).deck_id
    window.refresh_decks(select=deck)
    add = window.open_add(deck)
    add.set_kind(Kind.CHOICE)
    add.form.set_texts({"question": "Which is NOT part of HEAT?",
                        "options": "Hear\nEscalate\nEmpathise"})
    add.follow_now()
    view = add.preview.view
    assert isinstance(view, ChoiceView)
    assert [b.accessibleName() for b in view.options] == [
        "Option 1: Hear", "Option 2: Escalate", "Option 3: Empathise"]
    assert add.preview.note.text().startswith("Right option: not chosen yet.")

    add.form.set_texts({"question": "Which is NOT part of HEAT?",
                        "options": "Hear\nEscalate\nEmpathise", "answer": "2"})
    add.follow_now()
    view = add.preview.view
    assert view.right_number == 2  # the second shown, as the field counts
    assert add.preview.note.text().startswith("Right option: 2, “Escalate”.")
    add.preview.answer_side.setChecked(True)
    assert add.preview.view.right_number == 2
    assert "Escalate" in add.preview.view.verdict.text()
    added = add.add_note()
    assert added is not None
    assert col.study.card(added.card_ids[0], _now()).fields["answer"] == 2


def test_the_preview_shows_order_items_as_typed(qtbot, window, col):
    deck = col.decks.create("My workplace", _now()).deck_id
    add = window.open_add(deck)
    add.set_kind(Kind.ORDER)
    add.form.set_texts({"prompt": "Put HEAT in order.",
                        "items": "Hear\nEmpathise\nApologise\nTake ownership"})
    add.follow_now()
    items = add.preview.view.list
    assert [items.item(i).text() for i in range(items.count())] == [
        "Hear", "Empathise", "Apologise", "Take ownership"]
    assert "studying shuffles them" in add.preview.note.text()


# -- 6. a drop-down's open list shows every row ---------------------------------------------


def _open_list_fits(qtbot, combo) -> str:
    """Open ``combo``'s list as a learner does – the box has the focus – and
    say what is wrong with it ('' when every row shows whole)."""
    combo.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(combo.hasFocus)
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    try:
        if combo.count() > combo.maxVisibleItems():
            return ""
        last = view.visualRect(view.model().index(combo.count() - 1, combo.modelColumn()))
        if view.verticalScrollBar().maximum() > 0 or last.bottom() >= view.viewport().height():
            return (f"{combo.accessibleName()}: row {combo.count()} ends at {last.bottom()}, "
                    f"the list shows {view.viewport().height()} pixels")
        return ""
    finally:
        combo.hidePopup()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_drop_down_opens_with_all_its_rows(qtbot, window, col, tmp_path, theme,
                                                 monkeypatch):
    from flashdesk.ui.theme import ThemeChoice

    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    window.prefs.set_theme(ThemeChoice(theme))
    window.apply_theme()
    window.refresh_decks(select="kinds")
    wrong = []
    settings = window.open_settings()
    qtbot.waitExposed(settings)
    wrong.append(_open_list_fits(qtbot, settings.theme_combo))
    settings.reject()
    add = window.open_add("kinds")
    qtbot.waitExposed(add)
    wrong += [_open_list_fits(qtbot, add.kind), _open_list_fits(qtbot, add.deck)]
    add.close()
    stats = window.show_statistics()
    qtbot.waitExposed(stats)
    wrong += [_open_list_fits(qtbot, combo) for combo in stats.findChildren(QComboBox)
              if combo.isVisible()]
    stats.close()
    tutor = window.show_class()
    qtbot.waitExposed(tutor)
    wrong += [_open_list_fits(qtbot, combo) for combo in tutor.findChildren(QComboBox)]
    tutor.close()
    assert [w for w in wrong if w] == []


# -- 7. the Class screen claims nothing about a class it cannot see ---------------------------


def test_the_class_screen_without_a_folder_says_how_to_choose_one(qtbot, window, tmp_path):
    tutor = window.show_class()
    titles = " ".join(label.text() for label in tutor._titles.values())
    assert "with the Class folder button" in tutor.folder_label.text()  # whole or shorter
    assert "with the Class folder button in the tool bar" in tutor.folder_label.full_text()
    assert "Everyone has studied" not in titles and "No card has lapsed" not in titles
    assert titles.count("No class folder chosen yet.") == 3

    (tmp_path / "class").mkdir()  # a folder no learner has shared into yet
    with qtbot.waitSignal(tutor.shown_class, timeout=10000):
        tutor.set_folder(tmp_path / "class")
    titles = " ".join(label.text() for label in tutor._titles.values())
    assert "Everyone has studied" not in titles and "No card has lapsed" not in titles
    assert titles.count("No learner has shared a summary in this folder yet.") == 3


# -- 8. counts agree with their nouns --------------------------------------------------------


def test_the_deck_list_counts_one_card_and_one_review_in_the_singular(qtbot, window, col):
    deck = col.decks.create("My workplace", _now()).deck_id
    col.notes.add(deck, Kind.BASIC, {"front": "Q", "back": "A"}, _now())
    col.decks.set_limits(deck, review_limit=1)
    window.refresh_decks(select=deck)
    assert window.decks._total.text() == "1 card in all · up to 20 new and 1 review a day"
    tip = window.decks.model.index_of(deck).data(Qt.ItemDataRole.ToolTipRole)
    assert "<br>1 card in all · today: 1 new," in tip


def test_changing_the_kind_from_a_field_leaves_the_keys_in_the_form(qtbot, window, col):
    deck = col.decks.create("My workplace", _now()).deck_id
    add = window.open_add(deck)
    add.activateWindow()
    qtbot.waitUntil(add.isActiveWindow)
    add.form.focus_first()
    type_text(qtbot, "Who approves refunds?")
    add.set_kind(Kind.TYPED)  # as Ctrl+… or a click on the kind would, from the field
    assert focused() is add.form.editor("prompt")
    assert add.form.texts()["prompt"] == ""  # a basic front is not a typed prompt
