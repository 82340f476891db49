"""Shared pieces of the window tests: deck files, a fake answer clock and
keyboard helpers that press keys on whatever has the focus, as a learner would."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

KINDS_DECK = '''
[deck]
id = "kinds"
name = "Test::Kinds"
description = "One note of each kind."

[[notes]]
id = "a-basic"
kind = "basic"
front = "What does <b>HEAT</b> stand for?"
back = "Hear, Empathise, Apologise, Take ownership"
extra = "A complaint-handling model."

[[notes]]
id = "b-cloze"
kind = "cloze"
text = "In HEAT, the E stands for {{c1::Empathise}}."

[[notes]]
id = "c-choice"
kind = "choice"
question = "What do you do first?"
options = ["Offer a refund", "Listen without interrupting", "Quote the policy"]
answer = 2
explanation = "H is Hear."

[[notes]]
id = "d-order"
kind = "order"
prompt = "Put the steps of HEAT in order."
items = ["Hear", "Empathise", "Apologise", "Take ownership"]

[[notes]]
id = "e-scenario"
kind = "scenario"
prompt = "A caller is angry that nobody called back."
model_answer = "Listen, apologise, and say when you will call."
marking_points = ["Listens", "Apologises", "Gives a time", "Follows up"]
'''

BAD_DECK = '''
[deck]
id = "bad"
name = "Bad"

[[notes]]
id = "one"
kind = "flip"
front = "x"
'''


def write_deck(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class Clock:
    """A monotonic clock for answer times that moves 2.5 s on each reading."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 2.5
        return self.now


def focused():
    return QApplication.focusWidget()


def plain(text: str) -> str:
    """Text as read aloud: without the isolates around names (U+2068, U+2069)."""
    return text.replace("\u2068", "").replace("\u2069", "")


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier, widget=None):
    """Press ``key`` on the focused widget, as a learner would."""
    target = widget or focused()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def type_text(qtbot, text: str):
    qtbot.keyClicks(focused(), text)


def activate(qtbot, window):
    """Make ``window`` the active window again (after a dialog closed)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


# -- making cards from the keyboard ---------------------------------------------------

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
Key = Qt.Key


def open_add_by_keyboard(qtbot, window):
    """``a`` on the deck list opens the Add window on the selected deck."""
    window.decks.focus_tree()
    press(qtbot, Key.Key_A)  # as in Anki: a on the deck list
    add = window.add_window
    assert add is not None and add.isVisible()
    add.activateWindow()
    qtbot.waitUntil(add.isActiveWindow)
    return add


def choose_kind(qtbot, add, kind) -> None:
    """From the first field: Shift+Tab to the kind chooser, Down to the next
    kind (the chooser lists them in order), Tab back to the first field."""
    add.form.focus_first()
    press(qtbot, Key.Key_Backtab)
    press(qtbot, Key.Key_Backtab)
    assert focused() is add.kind
    press(qtbot, Key.Key_Down)
    assert add.note_kind == kind
    press(qtbot, Key.Key_Tab)
    press(qtbot, Key.Key_Tab)
    assert focused() is add.form.editor(add.form.spec.first)


def lines(qtbot, *items):
    """Type one item per line into the focused box."""
    for i, item in enumerate(items):
        if i:
            press(qtbot, Key.Key_Return)
        type_text(qtbot, item)


def add_each_kind_by_keyboard(qtbot, add):
    """One note of each kind typed into the Add window and added with Ctrl+Enter:
    a reversed basic note, a cloze made with Ctrl+Shift+C, a choice, an order,
    a scenario and a typed answer (seven cards)."""
    from flashdesk.model import Kind

    # basic, with its reverse card
    type_text(qtbot, "Who approves refunds over £50?")
    press(qtbot, Key.Key_Tab)
    type_text(qtbot, "The duty manager")
    press(qtbot, Key.Key_Tab)
    press(qtbot, Key.Key_Space)  # Reverse card
    press(qtbot, Key.Key_Return, CTRL)
    assert "2 cards" in add.status.text()
    assert focused() is add.form.editor("front") and add.form.texts()["front"] == ""

    # cloze: the selection becomes the next cloze with Ctrl+Shift+C
    choose_kind(qtbot, add, Kind.CLOZE)
    type_text(qtbot, "Give one calm warning, then end the call")
    for _ in range(3):
        press(qtbot, Key.Key_Left, CTRL | SHIFT)  # select "end the call"
    press(qtbot, Key.Key_C, CTRL | SHIFT)
    assert add.form.texts()["text"] == "Give one calm warning, then {{c1::end the call}}"
    press(qtbot, Key.Key_Return, CTRL)

    # multiple choice: the options one per line, the right one by number
    choose_kind(qtbot, add, Kind.CHOICE)
    type_text(qtbot, "A customer swears at you. First?")
    press(qtbot, Key.Key_Tab)
    lines(qtbot, "End the call", "Warn them calmly", "Swear back")
    press(qtbot, Key.Key_Tab)
    type_text(qtbot, "2")
    press(qtbot, Key.Key_Return, CTRL)

    # put in order
    choose_kind(qtbot, add, Kind.ORDER)
    type_text(qtbot, "Our complaint steps")
    press(qtbot, Key.Key_Tab)
    lines(qtbot, "Listen", "Log it", "Follow up")
    press(qtbot, Key.Key_Return, CTRL)

    # scenario with marking points
    choose_kind(qtbot, add, Kind.SCENARIO)
    type_text(qtbot, "A regular shouts about a price rise.")
    press(qtbot, Key.Key_Tab)
    type_text(qtbot, "Let them finish, acknowledge, explain.")
    press(qtbot, Key.Key_Tab)
    lines(qtbot, "Lets them finish", "Acknowledges", "Explains")
    press(qtbot, Key.Key_Return, CTRL)

    # typed: the answer with a key term, and other answers accepted
    choose_kind(qtbot, add, Kind.TYPED)
    type_text(qtbot, "Who signs off a refund over £50?")
    press(qtbot, Key.Key_Tab)
    type_text(qtbot, "the *duty manager*")
    press(qtbot, Key.Key_Tab)
    lines(qtbot, "duty manager")
    press(qtbot, Key.Key_Return, CTRL)


def study_by_keyboard(qtbot, window):
    """Answer every card of the session from the keyboard; the kinds seen."""
    from flashdesk.ui.card_views import ChoiceView, OrderView, ScenarioView, TypedView
    from flashdesk.ui.main_window import Screen

    kinds = []
    while window.screen == Screen.REVIEW:
        reviewer = window.reviewer
        kinds.append(reviewer.card.kind)
        view = reviewer.view
        if isinstance(view, ChoiceView):
            press(qtbot, getattr(Key, f"Key_{view.right_number}"))
            press(qtbot, Key.Key_Return)
        elif isinstance(view, OrderView):
            press(qtbot, Key.Key_Return)
            press(qtbot, Key.Key_4)
        elif isinstance(view, ScenarioView):
            press(qtbot, Key.Key_Return, CTRL)
            press(qtbot, Key.Key_4)
        elif isinstance(view, TypedView):
            type_text(qtbot, "duty manager")
            press(qtbot, Key.Key_Return)  # check
            press(qtbot, Key.Key_4)
        else:
            press(qtbot, Key.Key_Space)
            press(qtbot, Key.Key_4)
    return kinds


def study(window, deck_id):
    """Select ``deck_id`` on the deck list and start studying it."""
    from flashdesk.ui.main_window import Screen

    window.refresh_decks(select=deck_id)
    window.decks.focus_tree()
    window.study_current()
    assert window.screen == Screen.REVIEW
    return window.reviewer
