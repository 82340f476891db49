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


def study(window, deck_id):
    """Select ``deck_id`` on the deck list and start studying it."""
    from flashdesk.ui.main_window import Screen

    window.refresh_decks(select=deck_id)
    window.decks.focus_tree()
    window.study_current()
    assert window.screen == Screen.REVIEW
    return window.reviewer
