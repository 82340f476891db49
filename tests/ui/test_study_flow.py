"""The whole study flow with the keyboard only: import a deck with one note of
each kind, study it card by card, undo, see the summary, back to the decks."""

from PySide6.QtCore import Qt

from flashdesk.model import Kind
from flashdesk.ui.card_views import ChoiceView, OrderView, ScenarioView
from flashdesk.ui.main_window import Screen
from flashdesk.ui.reviewer import Stage

from uihelpers import activate, focused, press, type_text

Key = Qt.Key
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def import_and_wait(qtbot, window, *paths):
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        assert window.import_paths([str(p) for p in paths]) is not None
    return blocker.args[0]


def put_in_order_by_keyboard(qtbot, view: OrderView):
    """Select each item with Up/Down and move it up with Alt+Up until the list is right."""
    items = view.list
    assert focused() is items
    for pos in range(len(view.items)):
        row = items.order().index(pos)
        while items.currentRow() > row:
            press(qtbot, Key.Key_Up)
        while items.currentRow() < row:
            press(qtbot, Key.Key_Down)
        for _ in range(row - pos):
            press(qtbot, Key.Key_Up, ALT)
    assert items.order() == list(range(len(view.items)))


def row_counts(window, deck_id):
    s = next(s for s in window.decks.model.summaries() if s.id == deck_id)
    return s.new, s.learning, s.due


def test_study_every_kind_by_keyboard_with_undo_and_summary(qtbot, window, col, kinds_deck):
    reports = import_and_wait(qtbot, window, kinds_deck)
    assert reports[0].added == 5
    window.last_dialog.close()
    activate(qtbot, window)
    assert row_counts(window, "kinds") == (5, 0, 0)

    # choose the deck in the tree and press Enter
    window.decks.select_deck("kinds")
    window.decks.focus_tree()
    press(qtbot, Key.Key_Return)
    assert window.screen == Screen.REVIEW
    reviewer = window.reviewer
    assert reviewer.counts == (5, 0, 0)

    # basic: Space shows the answer (and the extra), 3 = Good
    assert reviewer.card.kind == Kind.BASIC
    assert "HEAT" in reviewer.view._question.text()
    press(qtbot, Key.Key_Space)
    assert reviewer.stage == Stage.ANSWER
    assert reviewer.view._answer.isVisible()
    assert [b.interval_text for b in reviewer.grade_buttons] == ["1d ↻", "1d ↻", "1d", "1d"]
    press(qtbot, Key.Key_3)

    # cloze: Enter shows it, Enter again takes the default (Good)
    assert reviewer.card.kind == Kind.CLOZE
    assert "Empathise" not in reviewer.view._text.text()
    press(qtbot, Key.Key_Return)
    assert "Empathise" in reviewer.view._text.text()
    assert reviewer.default_button().grade_name == "Good"
    press(qtbot, Key.Key_Return)

    # choice: a wrong pick by its number key, so Again is suggested and Enter accepts it
    assert reviewer.card.kind == Kind.CHOICE
    view = reviewer.view
    assert isinstance(view, ChoiceView)
    right = view.right_number
    wrong = 1 if right != 1 else 2
    press(qtbot, getattr(Key, f"Key_{wrong}"))
    assert view.options[wrong - 1].property("verdict") == "wrong"
    assert view.options[right - 1].property("verdict") == "right"
    # the verdict names the options by their words, not by their shuffled numbers
    picked = ["Offer a refund", "Listen without interrupting", "Quote the policy"][
        view.order[wrong - 1]]
    assert view.verdict.text() == (f"✗ Not quite: the answer is “Listen without "
                                   f"interrupting”, not “{picked}”.")
    assert reviewer.default_button().grade_name == "Again"
    press(qtbot, Key.Key_Return)

    # order: moved into place with the keyboard, checked with Enter, Good suggested
    assert reviewer.card.kind == Kind.ORDER
    view = reviewer.view
    assert view.list.order() != [0, 1, 2, 3]  # shuffled
    put_in_order_by_keyboard(qtbot, view)
    press(qtbot, Key.Key_Return)
    assert view.check.mistakes == 0
    assert reviewer.default_button().grade_name == "Good"
    press(qtbot, Key.Key_Return)

    # scenario: type an answer, Ctrl+Enter, tick two of four points with Space/Tab
    assert reviewer.card.kind == Kind.SCENARIO
    scenario_id = reviewer.card.id
    view = reviewer.view
    assert isinstance(view, ScenarioView)
    assert focused() is view.editor
    type_text(qtbot, "I would listen 1 2 3")  # digits type, they do not grade
    assert view.editor.toPlainText() == "I would listen 1 2 3"
    press(qtbot, Key.Key_Return, CTRL)
    assert reviewer.stage == Stage.ANSWER
    assert focused() is view.points[0].box
    press(qtbot, Key.Key_Space)
    press(qtbot, Key.Key_Tab)
    press(qtbot, Key.Key_Space)
    assert view.hits == 2
    assert reviewer.default_button().grade_name == "Hard"
    press(qtbot, Key.Key_Return)
    assert reviewer.tally.studied == 5

    # Ctrl+Z takes the scenario answer back: it shows again, question side up
    press(qtbot, Key.Key_Z, CTRL)
    assert reviewer.card.id == scenario_id
    assert reviewer.stage == Stage.QUESTION
    assert reviewer.tally.studied == 4
    press(qtbot, Key.Key_Return, CTRL)
    press(qtbot, Key.Key_3)  # Good this time

    # the choice card answered Again comes back in this session
    assert reviewer.card.kind == Kind.CHOICE
    assert reviewer.card.redrill
    press(qtbot, getattr(Key, f"Key_{reviewer.view.right_number}"))
    assert reviewer.default_button().grade_name == "Good"
    press(qtbot, Key.Key_Return)

    # summary: 5 studied, 4 right first time (the choice was wrong), tomorrow's reviews
    assert window.screen == Screen.SUMMARY
    summary = window.summary.summary
    assert (summary.studied, summary.correct, summary.answers) == (5, 4, 6)
    assert window.summary.value_text("correct") == "80%"
    assert summary.due_tomorrow == col.reports.stats(reviewer._clock(), "kinds").forecast[1] == 5
    assert summary.seconds > 0
    # the status bar under the summary has today's counts as they are now
    assert window._totals.text().startswith("Today: 0 new · 0 learning · 0 due")

    # every answer carries its time
    log = col.notes.history(scenario_id)
    assert [e["kind"] for e in log] == ["review", "undo", "review"]
    assert all(e["time_ms"] > 0 for e in log if e["kind"] == "review")

    press(qtbot, Key.Key_Escape)
    assert window.screen == Screen.DECKS
    assert row_counts(window, "kinds") == (0, 0, 0)
    answered = col.reports.stats(reviewer._clock()).reviews_today
    assert window._totals.text() == f"Today: 0 new · 0 learning · 0 due · {answered} answered"


def test_the_installed_pyside6_keeps_none_true_and_false_alive(qtbot):
    """PySide6 6.12.0 on Python 3.11 hands back None/True/False without the
    reference a call must return, so a window open all day aborts the
    interpreter ("deallocating None"); pyproject.toml excludes that release.
    This catches any installed PySide6 with the same fault."""
    import sys

    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = [sys.getrefcount(x) for x in (None, True, False)]
    for _ in range(200):
        label.setText("x")  # returns None
        label.windowTitleChanged.emit("x")  # returns True
        label.property("flashdesk-unset")  # an empty QVariant: None
    after = [sys.getrefcount(x) for x in (None, True, False)]
    assert all(a >= b for a, b in zip(after, before)), (before, after)
