"""What each kind of note asks and answers: the cards a note yields, cloze
rendering and the grade an objective answer suggests. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import CLOZE_PATTERN as _CLOZE, FIELDS, LIST_FIELDS, REQUIRED, Grade, Kind, plain_text  # noqa: F401 (re-exported)

__all__ = [
    "FIELDS", "REQUIRED", "card_ords", "first_field", "cloze_numbers",
    "cloze_question", "cloze_answer", "suggest_choice", "OrderCheck",
    "check_order", "suggest_scenario", "plain_text",
]


def cloze_numbers(text: str) -> list[int]:
    return sorted({int(m.group(1)) for m in _CLOZE.finditer(text)})


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
    """The text with cloze ``number`` hidden (its hint shown if it has one) and
    every other cloze shown as plain text."""

    def sub(m: re.Match) -> str:
        if int(m.group(1)) != number:
            return m.group(2)
        return f"[{m.group(3)}]" if m.group(3) else blank

    return _CLOZE.sub(sub, text)


def cloze_answer(text: str, number: int, mark=lambda s: f"<b>{s}</b>") -> str:
    """The text with cloze ``number`` revealed through ``mark``."""
    return _CLOZE.sub(lambda m: mark(m.group(2)) if int(m.group(1)) == number else m.group(2), text)


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
