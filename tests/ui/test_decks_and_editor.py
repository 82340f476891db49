"""Decks made, renamed, moved (by menu and by drag) and deleted in the
window, with undo; one deck options dialog; the one note editor, from study
(E) and from the browser, with its card info; what an update of the bundled
decks left alone, told once."""

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QGroupBox, QLabel

from flashdesk.collection.files import BundledUpdate
from flashdesk.model import Grade, Kind
from flashdesk.ui.browser import BrowserWindow
from flashdesk.ui.dialogs.edit_note import EditNoteDialog
from flashdesk.ui.dialogs.questions import Ask
from flashdesk.ui.main_window import MainWindow, Screen
from flashdesk.ui.note_editor import NoteEditor

from uihelpers import plain, press

Key = Qt.Key


def now():
    return datetime.now().astimezone()


@pytest.fixture
def answers(monkeypatch):
    """What the learner answers to the window's questions, in order."""
    given: dict[str, list] = {"text": [], "choice": [], "confirm": []}
    asked: list[tuple] = []

    def reply(kind):
        def answer(cls, parent, *args):
            asked.append((kind, *args))
            return given[kind].pop(0)
        return classmethod(answer)

    for kind in given:
        monkeypatch.setattr(Ask, kind, reply(kind))
    given["asked"] = asked  # type: ignore[assignment]
    return given


def names(window: MainWindow) -> dict[str, str]:
    return {s.id: s.name for s in window.decks.model.summaries()}


def test_decks_are_made_renamed_moved_and_deleted_with_undo(qtbot, window, col, answers):
    window.decks.focus_tree()
    answers["text"] += ["My workplace", "Phones", "Shop floor"]
    press(qtbot, Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert names(window) == {"my-workplace": "My workplace"}
    assert window.decks.current_deck_id() == "my-workplace"
    window.new_deck()
    window.new_deck("my-workplace")  # a sub-deck: the name starts with its parent's
    assert answers["asked"][2][3] == "My workplace::"
    assert names(window)["shop-floor"] == "Shop floor"
    col.notes.add("phones", Kind.BASIC, {"front": "Q", "back": "A"}, now())
    card = col.notes.card_ids("phones/q")[0]
    col.study.answer(card, Grade.GOOD, now())

    # rename with F2: the sub-decks follow, the ids stay
    window.refresh_decks(select="my-workplace")
    window.decks.focus_tree()
    answers["text"].append("Work")
    press(qtbot, Key.Key_F2)
    assert names(window) == {"my-workplace": "Work", "phones": "Phones",
                             "shop-floor": "Shop floor"}

    # move by the menu: Phones under Work
    window.decks.select_deck("phones")
    answers["choice"].append("Work")
    assert window.move_deck()
    assert names(window)["phones"] == "Work::Phones"
    assert answers["asked"][-1][3] == ["(the top: no parent deck)", "Shop floor", "Work"]

    # move by dragging Shop floor onto Work, then Phones back to the top
    model = window.decks.model
    data = model.mimeData([model.index_of("shop-floor")])
    assert not model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0,
                                     model.index_of("shop-floor"))  # not onto itself
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0,
                              model.index_of("my-workplace")) is False
    qtbot.waitUntil(lambda: names(window)["shop-floor"] == "Work::Shop floor")
    data = model.mimeData([model.index_of("phones")])
    model.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    qtbot.waitUntil(lambda: names(window)["phones"] == "Phones")
    data = model.mimeData([model.index_of("my-workplace")])
    assert not model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0,
                                     model.index_of("shop-floor"))  # not into its own sub-deck

    # delete with Delete: the question says how many cards and that progress goes
    window.decks.select_deck("phones")
    window.decks.focus_tree()
    answers["confirm"].append(True)
    press(qtbot, Key.Key_Delete)
    kind, title, text, details, action = answers["asked"][-1]
    assert plain(text) == "Delete “Phones” with 1 card?"
    assert details.startswith("Their progress goes with them: you have studied 1 card of 1.")
    assert "Ctrl+Z brings it all back" in details and action == "Delete deck"
    assert "phones" not in names(window)
    assert "Deleted “Phones” (1 card)" in plain(window.statusBar().currentMessage())

    # Ctrl+Z brings it back with its progress, then the moves and the rename
    assert window.undo_action.text() == "&Undo delete deck"
    press(qtbot, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert names(window)["phones"] == "Phones"
    assert col.study.card(card, now()).state.interval == 1
    for _ in range(3):  # the drag back to the top, the drag onto Work, the menu's move
        window.undo_last()
    assert names(window) == {"my-workplace": "Work", "phones": "Phones",
                             "shop-floor": "Shop floor"}

    # refusing the question deletes nothing
    answers["confirm"].append(False)
    window.decks.select_deck("phones")
    assert not window.delete_deck()
    assert "phones" in names(window)


def test_the_deck_menu_and_the_context_menu_hold_the_deck_actions(qtbot, window, col):
    col.decks.create("Work", now())
    window.refresh_decks(select="work")
    texts = [a.text() for a in window.menuBar().actions()]
    assert "De&ck" in texts
    index = window.decks.model.index_of("work")
    rect = window.decks.tree.visualRect(index)
    window.decks.tree.customContextMenuRequested.emit(rect.center())
    menu = window.last_menu
    assert [a.text() for a in menu.actions() if a.text()] == [
        "&Study", "&Add cards…", "&New deck…", "New &sub-deck…", "&Rename deck…",
        "&Move deck…", "Deck &options…", "&Export…", "&Delete deck…"]
    menu.close()
    assert all(a.isEnabled() for a in menu.actions())


def test_an_empty_collection_offers_to_make_a_deck(qtbot, window, answers):
    assert window.decks.empty and window.decks.new_deck_button.isVisible()
    answers["text"].append("My workplace")
    window.decks.new_deck_button.click()
    assert not window.decks.empty
    assert "No cards yet" in window.decks._total.text()


def test_one_options_dialog_holds_every_option_of_a_deck(qtbot, window, col):
    col.decks.create("Work", now())
    window.refresh_decks(select="work")
    window.decks.options_button.click()
    dialog = window.deck_options
    assert dialog.new_limit.value() == 20 and dialog.description.toPlainText() == ""
    assert [g.title() for g in dialog.findChildren(QGroupBox)] == [
        "Daily limits", "Studying", "Description"]
    assert dialog.bury_siblings.isChecked() and not dialog.has_exam.isChecked()
    dialog.new_limit.setValue(5)
    dialog.bury_siblings.setChecked(False)
    exam = date.today() + timedelta(days=30)
    dialog.has_exam.setChecked(True)
    dialog.exam_date.setDate(exam)
    dialog.description.setPlainText("Our own procedures")
    dialog.accept()
    summary = window.decks.current_summary()
    assert (summary.new_limit, summary.description, summary.bury_siblings, summary.exam) == (
        5, "Our own procedures", False, exam)
    assert window.decks._description.text() == "Our own procedures"
    assert "days to your exam" in window.decks._exam.text()
    window.open_deck_options("work")
    window.deck_options.has_exam.setChecked(False)  # and the exam goes again
    window.deck_options.accept()
    assert window.decks.current_summary().exam is None


def _history(col, note_id):
    """A hand-built history: Good on day 0 and 1, Easy on day 7, Again on day 22."""
    card = col.notes.card_ids(note_id)[0]
    start = now() - timedelta(days=30)
    for offset, grade in ((0, Grade.GOOD), (1, Grade.GOOD), (7, Grade.EASY), (22, Grade.AGAIN)):
        col.study.answer(card, grade, start + timedelta(days=offset))
    return card


def test_e_in_study_and_the_browser_edit_through_the_same_editor(qtbot, window, col):
    col.decks.create("Work", now())
    note = col.notes.add("work", Kind.BASIC, {"front": "Who approves refunds?",
                                              "back": "The manager"}, now(),
                         source="Staff handbook").note_id
    card = _history(col, note)
    window.refresh_decks(select="work")
    col.reports.check(now())
    window.study_current()
    assert window.screen == Screen.REVIEW and window.reviewer.card.id == card

    seen = {}

    def edit_in_dialog():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, EditNoteDialog)
        editor = dialog.editor
        seen["study"] = editor
        info = editor.card_info
        seen["rows"] = info.history_rows()
        seen["figures"] = {k: info.value(k) for k in ("interval", "ease", "lapses", "answers",
                                                       "source", "state")}
        editor.form.editor("back").setPlainText("The duty manager")
        editor.tags.setText("refunds")
        dialog.accept()

    QTimer.singleShot(0, edit_in_dialog)
    press(qtbot, Key.Key_E)
    assert isinstance(seen["study"], NoteEditor)
    assert seen["rows"] == [  # newest first
        (seen["rows"][0][0], "Again", "2w → 1d", "2.60 → 2.60"),
        (seen["rows"][1][0], "Easy", "6d → 2w", "2.50 → 2.60"),
        (seen["rows"][2][0], "Good", "1d → 6d", "2.50 → 2.50"),
        (seen["rows"][3][0], "Good", "new → 1d", "2.50 → 2.50"),
    ]
    assert seen["figures"] == {"interval": "1 day", "ease": "2.60", "lapses": "1",
                               "answers": "4", "source": "Staff handbook", "state": "Review"}
    assert window.reviewer.view._answer.text() == "The duty manager"
    assert col.study.card(card, now()).tags == ("refunds",)
    assert window.undo_action.text() == "&Undo edit note"

    # the browser shows the same editor, saved when a field is left
    browser = window.show_browse()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1)
    browser.select_row(0)
    editor = browser.editor
    assert type(editor) is type(seen["study"])
    assert editor.form.texts()["back"] == "The duty manager"
    assert editor.card_info.value("lapses") == "1"
    editor.form.editor("front").setPlainText("Who approves refunds over £50?")
    assert editor.dirty and editor.save()
    assert col.notes.get(note)[1]["front"] == "Who approves refunds over £50?"
    browser.close()


def test_the_editor_moves_the_note_and_shows_problems_by_their_field(qtbot, col):
    col.decks.create("Work", now())
    col.decks.create("Home", now())
    note = col.notes.add("work", Kind.CHOICE, {"question": "First?", "options": ["a", "b"],
                                               "answer": 1}, now()).note_id
    browser = BrowserWindow(col)
    qtbot.addWidget(browser)
    with qtbot.waitSignal(browser.results_shown, timeout=5000):
        browser.show()
    browser.select_row(0)
    editor = browser.editor
    editor.form.editor("answer").setValue(3)
    assert not editor.save()
    assert editor.form.findChild(QLabel, "problem_answer").text() == \
        "Must be between 1 and 2, the number of options"
    editor.form.editor("answer").setValue(2)
    editor.deck.setCurrentIndex(editor.deck.findData("home"))
    assert editor.save()
    assert col.study.card(col.notes.card_ids(note)[0], now()).deck_id == "home"
    col.undo.undo(now())  # one undo takes back the text and the move together
    card = col.study.card(col.notes.card_ids(note)[0], now())
    assert (card.deck_id, card.fields["answer"]) == ("work", 1)


def test_an_update_of_the_bundled_decks_is_told_once(qtbot, col, settings):
    from flashdesk.store import queries as q

    q.set_config(col.db, "bundled_report", BundledUpdate(
        (("cc/x", "Models", "What is HEAT?"),), 2, ()).to_dict())
    window = MainWindow(col, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_dialog is not None)
    box = window.last_dialog
    assert box.text().startswith("This version of flashdesk updates the bundled decks.")
    assert "Models: What is HEAT?" in box.informativeText()
    assert "You deleted 2 bundled notes" in box.informativeText()
    box.close()
    assert not col.files.take_bundled_report()
