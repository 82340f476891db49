"""The deck tree model and the deck list screen."""

from PySide6.QtCore import QModelIndex, Qt

from flashdesk.model import DeckSummary
from flashdesk.ui.deck_list import DECK_ID_ROLE, Column, DeckTreeModel
from flashdesk.ui.main_window import MainWindow, Screen

from uihelpers import KINDS_DECK, plain, press, write_deck


def summary(deck_id, name, new=0, learning=0, due=0, total=10):
    return DeckSummary(deck_id, name, new, learning, due, total, depth=name.count("::"))


SUMMARIES = [
    summary("a", "Alpha", 5, 1, 2),
    summary("a-b", "Alpha::Beta", 3, 0, 2),
    summary("a-b-c", "Alpha::Beta::Gamma", 1, 0, 0),
    summary("a-d", "Alpha::Delta", 2, 1, 0),
    summary("z", "Zulu", 0, 0, 0),
]


def test_the_deck_model_passes_the_model_tester(qtmodeltester):
    model = DeckTreeModel()
    model.set_summaries(SUMMARIES)
    qtmodeltester.check(model)
    model.set_summaries(SUMMARIES[:2])
    qtmodeltester.check(model)
    model.set_summaries([])
    qtmodeltester.check(model)


def test_the_deck_model_is_a_tree_with_counts():
    model = DeckTreeModel()
    model.set_summaries(SUMMARIES)
    assert model.rowCount() == 2
    alpha = model.index(0, 0)
    assert alpha.data() == "Alpha"
    assert model.rowCount(alpha) == 2
    beta = model.index(0, 0, alpha)
    assert beta.data() == "Beta" and beta.data(DECK_ID_ROLE) == "a-b"
    assert model.index(0, 0, beta).data() == "Gamma"
    assert model.parent(model.index(0, 0, beta)) == beta
    assert model.parent(alpha) == QModelIndex()
    row = [model.index(0, c, alpha).data() for c in range(model.columnCount())]
    assert row == ["Beta", "3", "0", "2"]
    assert model.headerData(Column.DUE, Qt.Orientation.Horizontal) == "Due"
    assert "Alpha › Beta" in beta.data(Qt.ItemDataRole.ToolTipRole)
    assert beta.data(Qt.ItemDataRole.AccessibleTextRole) == "Beta: 3 new, 0 learning, 2 due"
    assert model.index_of("a-b-c").data() == "Gamma"
    assert model.top_level_totals() == (5, 1, 2)


def test_first_run_shows_the_bundled_decks_with_counts(qtbot, make_window, profile_path):
    from flashdesk.collection import Collection
    from flashdesk.paths import bundled_decks

    col = Collection.open(profile_path)  # first run: creates the profile, imports the decks
    try:
        window = make_window(col)
        rows = col.decks.summaries(window.reviewer._clock())
        model = window.decks.model
        assert [(s.id, s.new, s.learning, s.due) for s in model.summaries()] == \
            [(s.id, s.new, s.learning, s.due) for s in rows]
        assert bool(rows) == bool(bundled_decks())
        if rows:
            assert window.decks.current_deck_id() == rows[0].id
            assert window.decks.study_button.isEnabled()
        window.close()
    finally:
        col.close()


def test_enter_on_a_deck_starts_studying_and_esc_comes_back(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    window.refresh_decks(select="kinds")
    window.decks.focus_tree()
    press(qtbot, Qt.Key.Key_Return)
    assert window.screen == Screen.REVIEW
    assert window.reviewer.deck_id == "kinds"
    press(qtbot, Qt.Key.Key_Escape)
    assert window.screen == Screen.DECKS
    assert window.decks.tree.hasFocus()
    assert window.decks.current_deck_id() == "kinds"


def test_a_deck_with_nothing_due_says_so(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    col.decks.set_limits("kinds", new_limit=0)
    window.refresh_decks(select="kinds")
    window.study_action.trigger()
    assert window.screen == Screen.DECKS
    assert "Nothing to study in Test › Kinds" in plain(window.decks._message.text())


def test_no_decks_shows_how_to_import(qtbot, window):
    assert window.decks._stack.currentIndex() == 1
    assert not window.study_action.isEnabled()
    assert window.import_action.isEnabled()


def test_window_size_position_and_last_deck_are_remembered(qtbot, make_window, col, tmp_path,
                                                          settings):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    window = make_window(col)
    window.resize(780, 540)
    window.decks.select_deck("kinds")
    window.close()
    assert settings.value("decks/last") == "kinds"

    again = MainWindow(col, settings)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (780, 540)
    assert again.decks.current_deck_id() == "kinds"
