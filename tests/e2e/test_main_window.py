"""End to end: a fresh data folder gets the bundled decks, a learner studies
with the keyboard, sees the summary, and finds the progress after a restart."""

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from flashdesk.model import Kind, Queue
from flashdesk.paths import bundled_decks, data_dir, profile_path
from flashdesk.ui.app import Launcher
from flashdesk.ui.main_window import Screen

Key = Qt.Key
SESSION = 4  # new cards to study


def launch(qtbot, profile, settings):
    launcher = Launcher(profile, settings)
    with qtbot.waitSignal(launcher.opened, timeout=30000) as blocker:
        launcher.start()
    window = blocker.args[0]
    qtbot.addWidget(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return launcher, window


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClick(widget, key, modifier)


def answer_right_by_keyboard(qtbot, reviewer):
    """Answer the card on screen as a learner who knows it, keys only."""
    card = reviewer.card
    if card.kind == Kind.CHOICE:
        press(qtbot, getattr(Key, f"Key_{reviewer.view.right_number}"))  # shuffled
        press(qtbot, Key.Key_Return)  # the suggested grade: Good
    elif card.kind == Kind.SCENARIO:
        qtbot.keyClicks(QApplication.focusWidget(), "Listen, apologise, act.")
        press(qtbot, Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        press(qtbot, Key.Key_3)  # Good
    elif card.kind == Kind.ORDER:
        press(qtbot, Key.Key_Return)  # check the order as it stands
        press(qtbot, Key.Key_3)  # and grade it Good anyway
    else:
        press(qtbot, Key.Key_Space)
        press(qtbot, Key.Key_3)
    return card.id


def test_first_run_study_by_keyboard_then_progress_survives_a_restart(qtbot, tmp_path):
    assert bundled_decks(), "flashdesk ships with decks"
    profile = profile_path(data_dir(tmp_path / "data"))
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)

    launcher, window = launch(qtbot, profile, settings)
    decks = window.decks.model.summaries()
    deck = next(s for s in decks if s.depth == 1 and s.new > 0)
    before_new = next(s for s in decks if s.id == deck.id).new

    # a short session: the deck's daily new cards set in its options
    dialog = window.open_deck_options(deck.id)
    dialog.new_limit.setValue(SESSION)
    dialog.accept()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    window.decks.select_deck(deck.id)
    window.decks.focus_tree()
    press(qtbot, Key.Key_Return)
    assert window.screen == Screen.REVIEW
    studied = []
    while window.screen == Screen.REVIEW and len(studied) < 3 * SESSION:
        studied.append(answer_right_by_keyboard(qtbot, window.reviewer))
    assert window.screen == Screen.SUMMARY
    summary = window.summary.summary
    assert summary.studied == SESSION == len(studied)
    assert summary.correct == SESSION and window.summary.value_text("correct") == "100%"
    press(qtbot, Key.Key_Return)
    assert window.screen == Screen.DECKS
    assert window.decks.current_summary().new == 0 < before_new
    window.close()
    launcher.close()

    # a restart on the same profile: the answers are there
    launcher, window = launch(qtbot, profile, settings)
    try:
        col = window.collection
        row = next(s for s in window.decks.model.summaries() if s.id == deck.id)
        assert (row.new, row.new_limit) == (0, SESSION)
        assert window.decks.current_deck_id() == deck.id
        now = window.reviewer._clock()
        assert col.reports.stats(now).reviews_today == SESSION
        for card_id in studied:
            assert col.study.card(card_id, now).queue == Queue.REVIEW
        window.close()
    finally:
        launcher.close()
