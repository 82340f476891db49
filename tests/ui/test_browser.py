"""The card browser over a real collection file."""

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from flashdesk.collection import Collection
from flashdesk.model import BrowseQuery, CardFilter
from flashdesk.ui.browser import BrowserWindow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def col(tmp_path):
    c = Collection.open(tmp_path / "p" / "collection.db", bundled=False, backups=False)
    c.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
    yield c
    c.close()


@pytest.fixture
def browser(qtbot, col):
    w = BrowserWindow(col)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.results_shown, timeout=5000):
        w.show()
    return w


def wait_results(qtbot, browser, action):
    with qtbot.waitSignal(browser.results_shown, timeout=5000) as blocker:
        action()
    return blocker.args[0]


def test_model_is_a_sound_qt_model(qtmodeltester, browser):
    qtmodeltester.check(browser.model)
    assert browser.model.rowCount() == 37


def test_search_filter_and_sort(qtbot, browser):
    assert wait_results(qtbot, browser, lambda: browser._search.setText("paraphras")) == 1
    assert wait_results(qtbot, browser, lambda: browser._search.setText("")) == 37
    assert wait_results(qtbot, browser, lambda: browser._deck.setCurrentIndex(
        browser._deck.findData("basics"))) == 30
    header = browser._table.horizontalHeader()
    wait_results(qtbot, browser, lambda: header.setSortIndicator(1, Qt.SortOrder.DescendingOrder))
    fronts = [browser.model.data(browser.model.index(r, 1)) for r in range(30)]
    assert fronts == sorted(fronts, key=str.casefold, reverse=True)


def test_editing_a_note_saves_on_the_spot(qtbot, browser, col):
    wait_results(qtbot, browser, lambda: browser._search.setText("Question 7"))
    browser.select_row(0)
    assert browser.editor.note_id == "basics/b07"
    back = browser.editor.form.editor("back")
    assert isinstance(back, QPlainTextEdit)
    back.setPlainText("Answer seven")
    browser.editor.save()
    kind, fields = col.notes.get("basics/b07")
    assert fields["back"] == "Answer seven"


def test_suspend_delete_and_undo(qtbot, browser, col, monkeypatch):
    now = datetime.now().astimezone()
    wait_results(qtbot, browser, lambda: browser._search.setText("Question 1"))
    browser.select_row(0)
    card = browser.selected_cards()[0]
    browser.toggle_suspend()
    assert col.study.card(card, now).queue.name == "SUSPENDED"
    browser.toggle_suspend()
    assert col.study.card(card, now).queue.name == "NEW"
    monkeypatch.setattr(browser, "ask_yes_no", lambda text: True)
    count = browser.model.rowCount()
    wait_results(qtbot, browser, browser.delete_selected)
    assert browser.model.rowCount() == count - 1
    wait_results(qtbot, browser, browser.undo_delete)
    assert browser.model.rowCount() == count


def test_tags_and_change_deck(qtbot, browser, col, monkeypatch):
    wait_results(qtbot, browser, lambda: browser._search.setText("Question 2"))
    browser.select_row(0)
    note = browser.selected_notes()[0]
    monkeypatch.setattr(browser, "ask_text", lambda *a: "week1")
    browser.add_tag()
    tagged = col.notes.browse(BrowseQuery(tag="week1"), datetime.now().astimezone())
    assert [c.split("#")[0] for c in tagged] == [note]
    assert browser._tag.findData("week1") >= 0  # the tag filter offers the new tag
    monkeypatch.setattr(browser, "ask_choice", lambda *a: "Example › HEAT model")
    card = browser.selected_cards()[0]
    browser.move_selected()
    assert card in col.notes.browse(BrowseQuery(deck_id="example-heat"), datetime.now().astimezone())


def test_main_window_opens_browser_and_statistics(qtbot, make_window, col):
    window = make_window(col)
    browser = window.show_browse()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 37, timeout=5000)
    assert window.show_browse() is browser  # one browser, brought forward
    stats = window.show_statistics()
    qtbot.waitUntil(lambda: stats.statistics is not None, timeout=10000)
    # a change made in the browser shows in the deck list's counts
    browser._search.setText("Question")
    qtbot.waitUntil(lambda: browser.model.rowCount() == 30, timeout=5000)
    browser._table.selectAll()
    browser.toggle_suspend()
    qtbot.waitUntil(lambda: next(s for s in window.decks.model.summaries()
                                 if s.id == "basics").new == 0, timeout=5000)


def test_the_card_actions_work_on_many_notes_at_once(qtbot, browser, col, monkeypatch):
    """Ctrl+A, or a run of rows from several notes: every card action is on,
    and Ctrl+J (the shortcut, through the window) suspends every selected
    card; one row alone keeps them on; nothing selected turns them off."""
    now = datetime.now().astimezone()
    wait_results(qtbot, browser, lambda: browser._search.setText("Question"))
    browser.activateWindow()
    qtbot.waitUntil(browser.isActiveWindow, timeout=5000)
    browser._table.setFocus()
    qtbot.keyClick(browser._table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    cards = browser.selected_cards()
    assert len(cards) == 30 and len(browser.selected_notes()) > 1
    assert all(a.isEnabled() for a in browser._card_actions)
    qtbot.keyClick(browser._table, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert {col.study.card(c, now).queue.name for c in cards} == {"SUSPENDED"}
    assert browser._suspend_action.text() == "Unsuspend"
    # a run of three rows of different notes, as a shift-click makes it
    browser.select_row(0)
    qtbot.keyClick(browser._table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(browser._table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    three = browser.selected_cards()
    assert len(three) == 3 and len(browser.selected_notes()) == 3
    monkeypatch.setattr(browser, "ask_text", lambda *a: "three")
    assert all(a.isEnabled() for a in browser._card_actions)
    next(a for a in browser._card_actions if a.text().startswith("Add tag")).trigger()
    tagged = col.notes.browse(BrowseQuery(tag="three"), now)
    assert sorted(tagged) == sorted(three)
    browser.select_row(1)
    assert all(a.isEnabled() for a in browser._card_actions)
    browser._table.clearSelection()
    assert not any(a.isEnabled() for a in browser._card_actions)


def test_anki_search_words_set_the_filters(qtbot, browser, col):
    """tag:, deck: and is: words, as Anki users type them, go into the
    filters they name once a space or Enter follows; a name that is not
    there stays in the box and the count says so; Down goes on into the list."""
    tag = col.notes.tags()[0]
    assert wait_results(qtbot, browser, lambda: browser._search.setText(f"TAG:{tag.upper()} ")) > 0
    assert browser._tag.currentData() == tag and browser._search.text() == ""
    by_tag = browser.model.rowCount()
    assert by_tag == len(col.notes.browse(BrowseQuery(tag=tag), datetime.now().astimezone()))
    wait_results(qtbot, browser, lambda: (browser._search.setText('deck:"basics" is:new'),
                                          browser._search.returnPressed.emit()))
    assert (browser._deck.currentData(), browser._state.currentData()) == ("basics", CardFilter.NEW)
    assert browser._search.text() == ""
    wait_results(qtbot, browser, lambda: browser._tag.setCurrentIndex(0))
    assert wait_results(qtbot, browser, lambda: browser._search.setText("tag:nosuchtag ")) == 0
    assert "no tag called 'nosuchtag'" in browser._count.text()
    assert browser._search.text() == "tag:nosuchtag "
    wait_results(qtbot, browser, lambda: browser._search.setText(""))
    browser._table.clearSelection()
    qtbot.keyClick(browser._search, Qt.Key.Key_Down)
    assert browser.selected_rows() == [0] and browser._table.hasFocus()


def test_the_kind_column_tells_a_note_s_cards_apart(qtbot, tmp_path):
    """A basic note's reverse card and a cloze's gaps: the Kind column says
    which card a row is, where a long front cannot hide it."""
    c = Collection.open(tmp_path / "k" / "collection.db", bundled=False, backups=False)
    try:
        path = tmp_path / "k.toml"
        path.write_text('[deck]\nid = "k"\nname = "K"\n\n[[notes]]\nid = "r"\nkind = "basic"\n'
                        f'front = "{"Long question " * 20}"\nback = "B"\nreverse = true\n\n'
                        '[[notes]]\nid = "c"\nkind = "cloze"\ntext = "{{c1::One}} and {{c2::two}}"\n',
                        encoding="utf-8")
        c.files.import_files([path])
        w = BrowserWindow(c)
        qtbot.addWidget(w)
        with qtbot.waitSignal(w.results_shown, timeout=5000):
            w.show()
        kinds = sorted(w.model.data(w.model.index(r, 2)) for r in range(w.model.rowCount()))
        assert kinds == ["basic", "basic · reverse", "cloze 1", "cloze 2"]
        fronts = {w.model.data(w.model.index(r, 1)) for r in range(w.model.rowCount())}
        assert ("Long question " * 20).strip() in {f.strip() for f in fronts}
    finally:
        c.close()


def test_select_all_reads_the_selection_by_ranges(qtbot, tmp_path):
    """Ctrl+A over thousands of rows: the selection is read from its ranges,
    the editor shows no note, and every card is there for an action."""
    rows = "\n".join(f"q{i},Question {i}?,Answer {i}." for i in range(3000))
    path = tmp_path / "many.csv"
    path.write_text("id,front,back\n" + rows + "\n", encoding="utf-8")
    c = Collection.open(tmp_path / "many" / "collection.db", bundled=False, backups=False)
    try:
        c.files.import_files([path])
        w = BrowserWindow(c)
        qtbot.addWidget(w)
        with qtbot.waitSignal(w.results_shown, timeout=5000):
            w.show()
        w._table.selectAll()
        assert len(w.selected_rows()) == 3000
        assert w.selected_rows(limit=5) == [0, 1, 2, 3, 4]
        assert len(set(w.selected_cards())) == 3000
        assert w.editor.note_id is None
        w._table.clearSelection()
        w.select_row(7)
        assert w.selected_cards() == [w.model.card_id(7)]
        assert w.model.row_of(w.model.card_id(2999)) == 2999
    finally:
        c.close()


def test_suspended_cards_look_different(qtbot, browser, col):
    from PySide6.QtCore import Qt

    from flashdesk.ui.theme import current_theme

    model = browser.model
    first = model.card_id(0)
    col.study.suspend([first], __import__("datetime").datetime.now().astimezone())
    model.reload_rows()
    index = model.index(0, 1)
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) == current_theme().color("muted")
    assert model.data(index, Qt.ItemDataRole.FontRole).italic()
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ForegroundRole) is None


def test_the_deck_column_shows_the_deck_by_its_own_name(qtbot, col, tmp_path):
    """A sub-deck's cells read its own name, never a cut-off parent; the
    tooltip gives the whole path as people read it."""
    deck = tmp_path / "sub.toml"
    deck.write_text('[deck]\nid = "models"\nname = "Challenging Customers::Models"\n\n'
                    '[[notes]]\nid = "m1"\nkind = "basic"\nfront = "Quokka question"\n'
                    'back = "A model"\n', encoding="utf-8")
    col.files.import_files([deck])
    browser = BrowserWindow(col)
    qtbot.addWidget(browser)
    with qtbot.waitSignal(browser.results_shown, timeout=5000):
        browser.show()
    wait_results(qtbot, browser, lambda: browser._search.setText("Quokka"))
    index = browser.model.index(0, 0)
    assert browser.model.data(index) == "Models"
    assert "Challenging Customers › Models" in browser.model.data(index,
                                                                 Qt.ItemDataRole.ToolTipRole)
    # the column is wide enough for the name
    width = browser._table.fontMetrics().horizontalAdvance("Models") + 12
    assert browser._table.columnWidth(0) >= width
