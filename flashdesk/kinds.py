"""What a note form shows for each kind: its fields in order with their
labels, which are required, and the shape each takes – text, one item per
line, a yes/no flag or a number.

The Add window and the note editor are built from ``kind_spec`` alone. It is
derived from ``FIELDS``, ``REQUIRED`` and ``LIST_FIELDS`` (the rules the deck
file's validator checks), so a kind added there gets a working form with no
new code: its field names become labels until ``FIELD_LABELS`` names them.
Pure functions, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable, Mapping

from .cards import cloze_numbers
from .model import FIELDS, LIST_FIELDS, REQUIRED, Kind

__all__ = ["Shape", "FieldSpec", "KindSpec", "kind_spec", "kind_specs", "FIELD_LABELS",
           "form_values", "form_texts", "next_cloze", "wrap_cloze", "field_of_problem",
           "KIND_TITLES", "KIND_FIELD_LABELS"]


class Shape(StrEnum):
    """How a field is typed in a form."""

    TEXT = "text"      # text; line breaks are kept
    LINES = "lines"    # a list: one item per line
    FLAG = "flag"      # yes or no
    NUMBER = "number"  # a whole number


#: field name → (label, hint shown in the empty box)
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "front": ("Front", "The question"),
    "back": ("Back", "The answer"),
    "reverse": ("Reverse card", "Also ask back → front"),
    "extra": ("Extra", "Shown with the answer (optional)"),
    "text": ("Text", "Select a part and press Ctrl+Shift+C to hide it: {{c1::like this}}"),
    "question": ("Question", "What the learner is asked"),
    "options": ("Options", "One option per line"),
    "answer": ("Answer", "What the learner types; mark key terms *like this*"),
    "accept": ("Also accepted", "Other answers that count as right, one per line (optional)"),
    "explanation": ("Explanation", "Shown with the answer (optional)"),
    "prompt": ("Prompt", "The situation or the task"),
    "items": ("Items", "One per line, in the right order (they are shuffled when studied)"),
    "model_answer": ("Model answer", "What a good answer says"),
    "marking_points": ("Marking points", "One per line: what the examiner credits"),
}

#: labels a field has in one kind only (the choice's answer is a number)
KIND_FIELD_LABELS: dict[tuple[Kind, str], tuple[str, str]] = {
    (Kind.CHOICE, "answer"): ("Right option", "The number of the right option, counting from 1"),
}

#: kind → (title in the kind chooser, one line on what it is)
KIND_TITLES: dict[Kind, tuple[str, str]] = {
    Kind.BASIC: ("Basic", "A front and a back; it can ask the other way round too."),
    Kind.CLOZE: ("Cloze", "A sentence with gaps: one card for each {{c1::…}} number."),
    Kind.CHOICE: ("Multiple choice", "A question, its options and the number of the right one."),
    Kind.ORDER: ("Put in order", "Items the learner puts back in the right order."),
    Kind.SCENARIO: ("Scenario", "A situation, a model answer and the examiner's marking points."),
    Kind.TYPED: ("Typed answer", "A prompt and the answer to type; *key terms* must be exact."),
}

#: the field of a kind whose {{cN::…}} markers make its cards
CLOZE_FIELDS: dict[Kind, str] = {Kind.CLOZE: "text"}
#: fields that hold a yes/no or a number (as the deck-file validator reads them)
_SHAPES: dict[tuple[Kind | None, str], Shape] = {
    (None, "reverse"): Shape.FLAG, (Kind.CHOICE, "answer"): Shape.NUMBER,
}


@dataclass(frozen=True)
class FieldSpec:
    """One field of a kind's form."""

    name: str
    label: str
    hint: str
    required: bool
    shape: Shape


@dataclass(frozen=True)
class KindSpec:
    """A kind as a form: its title, what it is, its fields in order."""

    kind: Kind
    title: str
    summary: str
    fields: tuple[FieldSpec, ...]
    #: the field cloze markers go in (None: the kind has no clozes)
    cloze_field: str | None = None

    @property
    def first(self) -> str:
        """The first field: what the deck shows and duplicates are checked on."""
        return self.fields[0].name

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


def _label(kind: Kind, name: str) -> tuple[str, str]:
    return KIND_FIELD_LABELS.get((kind, name)) or FIELD_LABELS.get(
        name, (name.replace("_", " ").capitalize(), ""))


def _shape(kind: Kind, name: str) -> Shape:
    if name in LIST_FIELDS:
        return Shape.LINES
    return _SHAPES.get((kind, name)) or _SHAPES.get((None, name)) or Shape.TEXT


def kind_spec(kind: Kind) -> KindSpec:
    """The form of ``kind``."""
    kind = Kind(kind)
    fields = tuple(FieldSpec(
        name=name, label=_label(kind, name)[0], hint=_label(kind, name)[1],
        required=name in REQUIRED[kind], shape=_shape(kind, name))
        for name in FIELDS[kind])
    title, summary = KIND_TITLES.get(kind, (kind.value.replace("_", " ").capitalize(), ""))
    return KindSpec(kind, title, summary, fields, CLOZE_FIELDS.get(kind))


def kind_specs() -> list[KindSpec]:
    """Every kind's form, in the order of ``Kind``."""
    return [kind_spec(k) for k in Kind]


_BR = re.compile(r"<br\s*/?>", re.I)


def form_values(kind: Kind, texts: Mapping[str, Any]) -> dict[str, Any]:
    """What a form holds (``field → str | bool | int``) as the fields of a
    note, ready for the deck file's validator (``formats.deckfile.check_note``):
    lists split into lines, flags and numbers as they are, empty optional
    fields left out. Text is not cleaned here: the validator cleans it."""
    values: dict[str, Any] = {}
    for spec in kind_spec(kind).fields:
        raw = texts.get(spec.name)
        if raw is None:
            continue
        if spec.shape == Shape.FLAG:
            if raw:
                values[spec.name] = bool(raw)
        elif spec.shape == Shape.NUMBER:
            text = str(raw).strip()
            if text:
                values[spec.name] = int(text) if re.fullmatch(r"[+-]?\d{1,9}", text) else text
        elif spec.shape == Shape.LINES:
            items = [line.strip() for line in str(raw).splitlines() if line.strip()]
            if items:
                values[spec.name] = items
        else:
            text = str(raw).strip()
            if text:
                values[spec.name] = text
    return values


def form_texts(kind: Kind, fields: Mapping[str, Any],
               editable: Callable[[str], str] | None = None) -> dict[str, Any]:
    """A note's fields as a form shows them: ``<br>`` as line breaks, a list
    as one item per line, flags and numbers as they are. ``editable``
    (``formats.sanitize.editable_text``) turns each stored text into what a
    person types (``&lt;`` as ``<`` where that reads back the same)."""
    if editable is not None:
        fields = {name: [editable(str(v)) for v in value] if isinstance(value, list)
                  else editable(value) if isinstance(value, str) else value
                  for name, value in fields.items()}
    texts: dict[str, Any] = {}
    for spec in kind_spec(kind).fields:
        value = fields.get(spec.name)
        if spec.shape == Shape.FLAG:
            texts[spec.name] = bool(value)
        elif spec.shape == Shape.NUMBER:
            texts[spec.name] = "" if value is None else str(value)
        elif spec.shape == Shape.LINES:
            texts[spec.name] = "\n".join(str(v) for v in value or [])
        else:
            texts[spec.name] = _BR.sub("\n", str(value or ""))
    return texts


def next_cloze(text: str) -> int:
    """The number a new cloze in ``text`` gets: one more than the highest."""
    return max(cloze_numbers(text), default=0) + 1


def wrap_cloze(text: str, start: int, end: int, number: int | None = None) -> tuple[str, int]:
    """``text`` with ``text[start:end]`` wrapped as cloze ``number`` (the next
    one by default), and where the cursor goes: after the new marker, or
    inside it when nothing was selected (to type the hidden part)."""
    start, end = sorted((max(0, start), min(len(text), end)))
    number = next_cloze(text) if number is None else number
    head = f"{{{{c{number}::"
    wrapped = f"{head}{text[start:end]}}}}}"
    cursor = start + len(head) if start == end else start + len(wrapped)
    return text[:start] + wrapped + text[end:], cursor


_PROBLEM = re.compile(r"^field '([^']+)': (.*)$", re.S)


def field_of_problem(problem: str) -> tuple[str | None, str]:
    """A validator problem ("field 'back': required for a basic note") as
    the field it is about and what is wrong (None for the note as a whole)."""
    match = _PROBLEM.match(problem)
    return (match.group(1), match.group(2)) if match else (None, problem)
