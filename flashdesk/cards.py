"""What each kind of note asks and answers: the cards a note yields, cloze
rendering and the grade an objective answer suggests. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import cloze
from .model import FIELDS, LIST_FIELDS, REQUIRED, Grade, Kind, plain_text  # noqa: F401 (re-exported)

__all__ = [
    "FIELDS", "REQUIRED", "card_ords", "first_field", "cloze_numbers", "cloze_problem",
    "NO_CLOZE", "MAX_FIELD_CHARS", "oversized_field", "may_be_oversized", "too_long",
    "cloze_question", "cloze_answer", "suggest_choice", "OrderCheck",
    "check_order", "suggest_scenario", "plain_text", "KEY_TERM", "TypedCheck", "check_typed",
    "key_terms", "typed_answer_text", "lenient", "terminal_text",
]


def cloze_numbers(text: str) -> list[int]:
    """The card numbers of a cloze text, ascending (Anki's grammar: nested
    clozes, ``c1,2``, numbers above 9; see ``flashdesk.cloze``)."""
    return cloze.numbers(text)


_IMG = re.compile(r"<img\b([^>]*)>", re.I)
_IMG_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def _image_placeholder(match: re.Match) -> str:
    src = _IMG_SRC.search(match.group(1))
    name = (src.group(1) if src.group(1) is not None else src.group(2)) if src else ""
    return f"[image: {name}]" if name else "[image]"  # the name stays escaped: plain_text decodes it


def terminal_text(fragment: str) -> str:
    """Card HTML as a terminal shows it: ``plain_text``, with each image
    standing as ``[image: heat.png]`` (``[image]`` without a source), so a
    front that is only a picture is not a blank line. (Card text holds no
    sound: the sanitiser keeps no audio element, and Anki's ``[sound:…]``
    stays those characters.)"""
    if "<" in fragment and "<img" in fragment.lower():
        fragment = _IMG.sub(_image_placeholder, fragment)
    return plain_text(fragment)


#: what is wrong with a cloze note's text that has no gap at all
NO_CLOZE = "a cloze note needs at least one {{c1::hidden part}}"


def _blank_gap(fragment: str) -> bool:
    """True when a gap's card HTML shows nothing: no image, no text."""
    return "<img" not in fragment.lower() and not plain_text(fragment).strip()


def cloze_problem(text: str) -> str | None:
    """Why a cloze note's ``text`` (card HTML) cannot make proper cards, or
    None: a cloze never closed, an opening without a number, clozes nested
    too deep, an empty gap (``flashdesk.cloze.problems``), or no gap at all
    (``NO_CLOZE``). The one rule of the window, the editor and every
    importer."""
    found = cloze.problems(text, _blank_gap)
    if found:
        return "; ".join(found)
    return None if cloze.has_cloze(text) else NO_CLOZE


#: the most characters one field (or one item of a list field) may hold, as
#: stored: card HTML, so markup and entities (``&lt;`` for ``<``) count. A
#: page of text is about 3,000; the longest bundled field is under 1,000.
#: Far bigger text freezes the window that draws it.
MAX_FIELD_CHARS = 100_000


def oversized_field(fields: Mapping[str, Any], source: str = "") -> tuple[str, int] | None:
    """The first field of a note (a list field: any of its items; or its
    ``source``) longer than ``MAX_FIELD_CHARS``, with its length; None when
    every one fits."""
    for name, value in [*fields.items(), ("source", source)]:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and len(item) > MAX_FIELD_CHARS:
                return name, len(item)
    return None


def may_be_oversized(chars: int, fields: int, markup: bool) -> bool:
    """Whether a note read from ``chars`` characters of text in ``fields``
    cells could hold a field longer than ``MAX_FIELD_CHARS`` once stored,
    so that ``oversized_field`` must measure it. Text without a tag grows at
    most sixfold as card HTML (``\xa0`` → ``&nbsp;``) and joined fields gain
    ``<br>`` each; markup (``markup``) the sanitiser may make far longer
    (it closes and reopens tags in every paragraph), so it is always measured."""
    return markup or 6 * chars + 4 * fields >= MAX_FIELD_CHARS


def too_long(length: int) -> str:
    """The problem of a field ``length`` characters long."""
    return (f"too long: {length:,} characters, and a field holds at most "
            f"{MAX_FIELD_CHARS:,}; split it into several notes")


def card_ords(kind: Kind, fields: dict) -> list[int]:
    """The card ordinals a note yields: basic 0 (and 1 when reversed), one per
    cloze number, else 0."""
    if kind == Kind.BASIC:
        return [0, 1] if fields.get("reverse") else [0]
    if kind == Kind.CLOZE:
        return cloze_numbers(fields.get("text", ""))
    return [0]


def first_field(kind: Kind, fields: dict) -> str:
    """A note's first field (its question, prompt or text) as stored."""
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
    """An order card checked: which positions were right, and the grade that suggests."""
    correct: tuple[bool, ...]
    suggested: Grade

    @property
    def mistakes(self) -> int:
        """Items in the wrong place."""
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


# -- typed answers ------------------------------------------------------------

#: a key term in a typed card's answer: *Equality Act 2010*
KEY_TERM = re.compile(r"\*([^*]+)\*")
#: at or above this likeness (0–1) a typed answer with every key term is Hard, not Again
TYPED_CLOSE = 0.8


def typed_answer_text(answer: str) -> str:
    """The answer as the learner sees it: key-term stars taken away."""
    return KEY_TERM.sub(r"\1", plain_text(answer))


def key_terms(answer: str) -> list[str]:
    """The terms of an answer that must be typed exactly."""
    return [m.group(1).strip() for m in KEY_TERM.finditer(plain_text(answer))]


def lenient(text: str) -> str:
    """Text compared leniently: case, accents, punctuation and spacing ignored."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch if ch.isalnum() else " " for ch in folded
                      if not unicodedata.combining(ch))
    return " ".join(letters.split())


def _strict(text: str) -> str:
    """Text compared strictly (key terms): letters, digits and accents as they
    are; only case and the spaces between words are forgiven."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class TypedCheck:
    """A typed answer checked against a typed card's answer.

    ``diff`` spells the comparison out as (what, text) pieces, in order:
    "same" (typed and right), "wrong" (typed, not in the answer), "missing"
    (in the answer, not typed).
    """

    expected: str
    typed: str
    exact: bool
    missing_terms: tuple[str, ...]
    likeness: float
    diff: tuple[tuple[str, str], ...]
    suggested: Grade

    @property
    def right(self) -> bool:
        """Matched, with every key term exactly right."""
        return self.exact and not self.missing_terms


def check_typed(answer: str, typed: str, accept: list[str] | tuple[str, ...] = ()) -> TypedCheck:
    """Compare what the learner typed with a typed card's ``answer`` (and the
    other right answers in ``accept``): leniently for case, spacing,
    punctuation and accents, strictly for *key terms* (see ``KEY_TERM``).

    Suggests Good when it matches, Hard when it is close (likeness at least
    ``TYPED_CLOSE``) with every key term right, else Again.
    """
    from difflib import SequenceMatcher

    best: TypedCheck | None = None
    for candidate in [answer, *accept]:
        expected = typed_answer_text(candidate)
        want, got = lenient(expected), lenient(typed)
        strict_typed = _strict(typed)
        missing = tuple(t for t in key_terms(candidate) if _strict(t) not in strict_typed)
        likeness = SequenceMatcher(None, got, want).ratio() if want or got else 1.0
        exact = bool(want) and got == want
        if exact and not missing:
            suggested = GOOD
        elif likeness >= TYPED_CLOSE and not missing:
            suggested = HARD
        else:
            suggested = AGAIN
        matcher = SequenceMatcher(None, typed.strip().lower(), expected.lower(), autojunk=False)
        t, e = typed.strip(), expected
        diff: list[tuple[str, str]] = []
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                diff.append(("same", t[a1:a2]))
            else:
                if a2 > a1:
                    diff.append(("wrong", t[a1:a2]))
                if b2 > b1:
                    diff.append(("missing", e[b1:b2]))
        check = TypedCheck(expected, typed, exact, missing, round(likeness, 3), tuple(diff),
                           suggested)
        if best is None or (check.suggested, check.likeness) > (best.suggested, best.likeness):
            best = check
    assert best is not None
    return best
