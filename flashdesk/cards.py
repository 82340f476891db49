"""What each kind of note asks and answers: the cards a note yields, cloze
rendering and the grade an objective answer suggests. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import cloze
from .model import FIELDS, LIST_FIELDS, REQUIRED, Grade, Kind, plain_text  # noqa: F401 (re-exported)

__all__ = [
    "FIELDS", "REQUIRED", "card_ords", "first_field", "cloze_numbers",
    "cloze_question", "cloze_answer", "suggest_choice", "OrderCheck",
    "check_order", "suggest_scenario", "plain_text",
]


def cloze_numbers(text: str) -> list[int]:
    """The card numbers of a cloze text, ascending (Anki's grammar: nested
    clozes, ``c1,2``, numbers above 9; see ``flashdesk.cloze``)."""
    return cloze.numbers(text)


def card_ords(kind: Kind, fields: dict) -> list[int]:
    """The card ordinals a note yields: basic 0 (and 1 when reversed), one per
    cloze number, else 0."""
    if kind == Kind.BASIC:
        return [0, 1] if fields.get("reverse") else [0]
    if kind == Kind.CLOZE:
        return cloze_numbers(fields.get("text", ""))
    return [0]


def first_field(kind: Kind, fields: dict) -> str:
    return str(fields.get(FIELDS[kind][0], ""))


def cloze_question(text: str, number: int, blank: str = "[…]") -> str:
    """The text with cloze ``number`` hidden (``[hint]`` when it has a hint,
    else ``blank``, hiding whatever is nested in it) and every other cloze
    shown as its text (``flashdesk.cloze.question``)."""
    return cloze.question(text, number, blank)


def cloze_answer(text: str, number: int,
                 mark: Callable[[str], str] = lambda s: f"<b>{s}</b>") -> str:
    """The text with cloze ``number`` revealed through ``mark`` and every
    other cloze shown as its text (``flashdesk.cloze.answer``)."""
    return cloze.answer(text, number, mark)


# Suggested grades: the learner confirms or changes them.
AGAIN, HARD, GOOD = Grade.AGAIN, Grade.HARD, Grade.GOOD


def suggest_choice(answer: int, chosen: int) -> Grade:
    """Quality suggested for picking option ``chosen`` (1-based) when ``answer`` is right."""
    return GOOD if chosen == answer else AGAIN


@dataclass(frozen=True)
class OrderCheck:
    #: per position of the learner's order: was the item in its right place?
    correct: tuple[bool, ...]
    suggested: Grade

    @property
    def mistakes(self) -> int:
        return self.correct.count(False)


def check_order(items: list[str], attempt: list[str]) -> OrderCheck:
    """Compare the learner's ``attempt`` with the right order ``items``."""
    if sorted(attempt) != sorted(items):
        raise ValueError("the attempt must hold exactly the note's items")
    correct = tuple(a == b for a, b in zip(attempt, items))
    wrong = correct.count(False)
    if wrong == 0:
        suggested = GOOD
    elif wrong <= max(2, len(items) // 3):
        suggested = HARD
    else:
        suggested = AGAIN
    return OrderCheck(correct, suggested)


def suggest_scenario(points_total: int, points_hit: int) -> Grade:
    """Quality suggested when the learner ticks ``points_hit`` of the marking points."""
    if points_total <= 0 or points_hit >= points_total:
        return GOOD
    return HARD if points_hit * 2 >= points_total else AGAIN
