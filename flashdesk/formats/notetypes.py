"""Anki note types, evaluated the way Anki evaluates them: which cards a
note has, and which fields each side of a card shows.

Anki decides that a template makes a card when its front, rendered with the
note's fields, shows at least one non-empty field; ``{{#Field}}…{{/Field}}``
shows its content only when the field is non-empty, ``{{^Field}}…{{/Field}}``
only when it is empty (``template_is_empty`` and ``field_is_empty`` in
``rslib/src/template.rs``, read, not copied). Text written in the template
itself never makes a card. The same rule serves packages, whose note types
come with their templates, and Anki's text exports, which name a note type:
those are Anki's standard note types (``STOCK``).

A flashdesk basic note has a front, a back, an optional reverse card and an
extra; ``map_note`` reads them off the note type's templates:

- the first template that makes a card is flashdesk's card 1: the fields
  its front shows make the front, the fields its back shows (and the front
  does not) make the back; a template whose back names no field of its
  own (only ``{{FrontSide}}``, or nothing) has the note's other fields as
  its back;
- another template that makes a card and asks only fields of that back is
  the reverse card; any other card is left out, with a message;
- a field used only to switch a card on or off (*Add Reverse*) is not
  content and is not stored; other non-empty fields no card shows become
  the extra, so nothing written is lost.

A cloze note type's text is the field its template fills with ``{{cloze:…}}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Sequence, Union

from ..cards import cloze_numbers, cloze_problem
from ..cloze import is_image_occlusion
from ..model import Kind

__all__ = ["Template", "NoteType", "Mapped", "STOCK", "DEFAULT_NOTETYPE", "parse_template",
           "renders", "shown_fields", "field_is_empty", "map_note", "generic_notetype"]

#: fields every template may name that are not note fields (Anki's special fields)
SPECIAL = frozenset({"FrontSide", "Tags", "Deck", "Subdeck", "Card", "CardFlag", "Type", "CardID"})


@dataclass(frozen=True)
class Template:
    """One card template: its name and its front and back formats."""

    name: str
    qfmt: str
    afmt: str = ""


@dataclass(frozen=True)
class NoteType:
    """A note type: its name, its fields in order, its templates in order
    (a template's position is its number, Anki's ``ord``), and whether it is
    a cloze type."""

    name: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    cloze: bool = False

    @cached_property
    def _hash(self) -> int:
        return hash((self.name, self.fields, self.templates, self.cloze))

    def __hash__(self) -> int:
        """Hashed once: a note type is the key of the layouts cached for it,
        looked up for every note."""
        return self._hash


# -- templates --------------------------------------------------------------------

@dataclass(frozen=True)
class _Field:
    key: str
    filters: tuple[str, ...]


@dataclass(frozen=True)
class _Section:
    key: str
    negated: bool
    children: tuple["_Node", ...]


_Node = Union[str, _Field, _Section]
_TOKEN = re.compile(r"\{\{(.*?)\}\}|<!--.*?-->", re.S)


def parse_template(text: str) -> tuple[_Node, ...]:
    """A template as a tree of text, field replacements (``{{Front}}``,
    ``{{type:Back}}``: the key is the part after the last ``:``) and
    sections (``{{#F}}…{{/F}}``, ``{{^F}}…{{/F}}``).

    Lenient where Anki would show an error: a ``{{/F}}`` that closes nothing
    open is ignored, and sections left open close at the end. Comments
    (``<!-- … -->``) are text."""
    stack: list[tuple[str, bool, list[_Node]]] = [("", False, [])]
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() > pos:
            stack[-1][2].append(text[pos:match.start()])
        pos = match.end()
        if match.group(1) is None:  # a comment
            stack[-1][2].append(match.group(0))
            continue
        inner = match.group(1).lstrip("{").strip()
        head, rest = inner[:1], inner[1:].strip()
        if len(inner) >= 2 and head in "#^":
            stack.append((rest, head == "^", []))
        elif len(inner) >= 2 and head == "/":
            keys = [frame[0] for frame in stack[1:]]
            if rest in keys:
                while True:
                    key, negated, children = stack.pop()
                    stack[-1][2].append(_Section(key, negated, tuple(children)))
                    if key == rest:
                        break
        else:
            *filters, key = inner.split(":")
            stack[-1][2].append(_Field(key, tuple(reversed(filters))))
    if pos < len(text):
        stack[-1][2].append(text[pos:])
    while len(stack) > 1:
        key, negated, children = stack.pop()
        stack[-1][2].append(_Section(key, negated, tuple(children)))
    return tuple(stack[0][2])


def renders(nodes: tuple[_Node, ...], nonempty: set[str]) -> bool:
    """Whether a template's front makes a card: some field replacement it
    shows (outside sections whose condition fails) names a non-empty field."""
    for node in nodes:
        if isinstance(node, _Field):
            if node.key in nonempty:
                return True
        elif isinstance(node, _Section):
            if (node.key in nonempty) != node.negated and renders(node.children, nonempty):
                return True
    return False


def shown_fields(nodes: tuple[_Node, ...], nonempty: set[str], *, question: bool) -> list[str]:
    """The non-empty note fields a side shows, in order, each once. On a
    front (``question``), ``{{type:F}}`` shows a box to type in, not F."""
    out: list[str] = []

    def walk(items: tuple[_Node, ...]) -> None:
        for node in items:
            if isinstance(node, _Field):
                if node.key in nonempty and node.key not in out and not (
                        question and "type" in node.filters):
                    out.append(node.key)
            elif isinstance(node, _Section) and (node.key in nonempty) != node.negated:
                walk(node.children)

    walk(nodes)
    return out


def _references(nodes: tuple[_Node, ...], replaced: set[str], switches: set[str],
                cloze: set[str]) -> None:
    for node in nodes:
        if isinstance(node, _Field):
            replaced.add(node.key)
            if "cloze" in node.filters:
                cloze.add(node.key)
        elif isinstance(node, _Section):
            switches.add(node.key)
            _references(node.children, replaced, switches, cloze)


_EMPTY_FIELD = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.I)


def field_is_empty(text: str) -> bool:
    """Anki's test: only white space and empty ``<br>``/``<div>`` tags."""
    return _EMPTY_FIELD.match(text) is not None


def _filled(text: str) -> bool:
    """``not field_is_empty(text)``, without the pattern for the usual field
    (one that starts with neither white space nor a tag)."""
    if not text:
        return False
    first = text[0]
    return (first != "<" and not first.isspace()) or _EMPTY_FIELD.match(text) is None


# -- Anki's standard note types -------------------------------------------------------

_ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"
#: Anki 26.9's standard note types (English names), as its own library
#: creates them; tests/fixtures/import/anki-stock-notetypes.json holds what
#: Anki itself reports, and a test compares. Image Occlusion's templates are
#: kept to the field they fill with ``{{cloze:…}}``, all that is evaluated.
STOCK: dict[str, NoteType] = {nt.name: nt for nt in (
    NoteType("Basic", ("Front", "Back"), (Template("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),)),
    NoteType("Basic (and reversed card)", ("Front", "Back"), (
        Template("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),
        Template("Card 2", "{{Back}}", _ANSWER + "{{Front}}"))),
    NoteType("Basic (optional reversed card)", ("Front", "Back", "Add Reverse"), (
        Template("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),
        Template("Card 2", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", _ANSWER + "{{Front}}"))),
    NoteType("Basic (type in the answer)", ("Front", "Back"), (
        Template("Card 1", "{{Front}}\n\n{{type:Back}}",
                 "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}"),)),
    NoteType("Cloze", ("Text", "Back Extra"), (
        Template("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"),), cloze=True),
    NoteType("Image Occlusion", ("Occlusion", "Image", "Header", "Back Extra", "Comments"), (
        Template("Image Occlusion", "{{cloze:Occlusion}}", "{{cloze:Occlusion}}"),), cloze=True),
)}
#: the note type Anki uses for a text file that names none
DEFAULT_NOTETYPE = STOCK["Basic"]


def generic_notetype(name: str, width: int) -> NoteType:
    """A stand-in for a note type flashdesk does not know (a text export of
    a tutor's own note type): the first field is the front, the second the
    back; any others become the extra."""
    names = tuple(["Front", "Back"] + [f"Field {i}" for i in range(3, max(2, width) + 1)])
    return NoteType(name, names, (Template("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),))


# -- a note, mapped onto a flashdesk kind ---------------------------------------------

@dataclass(frozen=True)
class Mapped:
    """A note of an Anki note type as a flashdesk note: its kind and fields,
    which Anki card becomes which flashdesk card (``cards``: Anki's card
    number, its ``ord``, → flashdesk's), and what the user should know
    (``left_out``: names of Anki cards flashdesk cannot show)."""

    kind: Kind
    fields: dict
    cards: dict[int, int]
    left_out: tuple[str, ...] = ()
    #: names of non-empty fields no template of the note type shows, kept as the extra
    unshown: tuple[str, ...] = field(default=())


@lru_cache(maxsize=64)
def _analysed(notetype: NoteType) -> tuple[list[tuple[Template, tuple[_Node, ...], tuple[_Node, ...]]],
                                           frozenset[str], frozenset[str], frozenset[str]]:
    """A note type's templates parsed once (every note of a file shares
    them): (template, front tree, back tree) in order, the fields they
    replace, those used only as switches (``{{#F}}``), and the cloze fields."""
    parsed = [(t, parse_template(t.qfmt), parse_template(t.afmt)) for t in notetype.templates]
    replaced: set[str] = set()
    switches: set[str] = set()
    cloze_fields: set[str] = set()
    for _, q, a in parsed:
        _references(q, replaced, switches, cloze_fields)
        _references(a, replaced, switches, set())
    return parsed, frozenset(replaced), frozenset(switches - replaced), frozenset(cloze_fields)


def _joined(values: dict[str, str], names: Sequence[str]) -> str:
    """The fields ``names`` of ``values`` that are not empty, joined by ``<br>``."""
    if len(names) == 1:
        value = values.get(names[0], "")
        return value if _filled(value) else ""
    return "<br>".join(values[n] for n in names if _filled(values.get(n, "")))


@lru_cache(maxsize=64)
def _two_texts(notetype: NoteType) -> tuple[int, bool, tuple, tuple, tuple] | None:
    """For a two-field, non-cloze note type whose layout with both fields
    filled puts one field on the front and the other on the back, nothing
    else: (the index of the front field, whether the note is reversed, the
    cards, the cards left out, unshown fields not replaced – as ``map_note``
    makes them); else None."""
    names = notetype.fields
    if notetype.cloze or len(names) != 2:
        return None
    layout = _layout(notetype, frozenset(names))
    if isinstance(layout, str):
        return None
    _, front_fields, back_fields, card_pairs, left_out, unshown, unreplaced = layout
    if len(front_fields) != 1 or len(back_fields) != 1 or unshown:
        return None
    return (names.index(front_fields[0]), 1 in dict(card_pairs).values(), card_pairs,
            left_out, unreplaced)


@lru_cache(maxsize=1024)
def _layout(notetype: NoteType, nonempty: frozenset[str]) -> str | tuple:
    """Where a note's fields go, which depends only on its note type and
    which of its fields are empty (so every note of a file with the same
    empty fields shares it): the reason it cannot be a note (text), else
    ``("cloze", text fields, extra fields, unshown fields not replaced)`` or
    ``("basic", front fields, back fields, cards as (Anki ord, flashdesk
    ord) pairs, names of cards left out, extra fields, unshown fields not
    replaced)``."""
    names = list(notetype.fields)
    parsed, replaced, only_switches, cloze_fields = _analysed(notetype)
    if notetype.cloze:
        texts = [n for n in names if n in cloze_fields] or names[:1]
        shown_after = shown_fields(parsed[0][2], set(nonempty), question=False) if parsed else []
        extras = [n for n in shown_after if n not in texts]
        unshown = [n for n in names if n in nonempty and n not in texts and n not in extras
                   and n not in only_switches]
        return ("cloze", tuple(texts), tuple(extras + unshown),
                tuple(n for n in unshown if n not in replaced))

    shown = set(nonempty)
    made = [(index, t, q, a) for index, (t, q, a) in enumerate(parsed) if renders(q, shown)]
    if not made:
        return "Anki makes no card from it (every card's front is empty)"
    first, _, q, a = made[0]
    front_fields = shown_fields(q, shown, question=True)
    back_fields = [n for n in shown_fields(a, shown, question=False) if n not in front_fields]
    if not back_fields and not any(isinstance(node, (_Field, _Section)) and not (
            isinstance(node, _Field) and node.key == "FrontSide") for node in a):
        # a template with no back of its own (only {{FrontSide}}, or none at
        # all): the other fields, in order, make the back
        back_fields = [n for n in names if n in nonempty and n not in front_fields
                       and n not in only_switches]
    cards = {first: 0}
    left_out = []
    for index, template, q2, _ in made[1:]:
        asks = set(shown_fields(q2, shown, question=True))
        if 1 not in cards.values() and asks and asks <= set(back_fields):
            cards[index] = 1
        else:
            left_out.append(template.name)
    # every field listed is non-empty: a side with none shows nothing
    if not front_fields:
        return "its front is empty"
    if not back_fields:
        return "it has no back (its card shows no field after the front)"
    shown_anywhere = set(front_fields) | set(back_fields)
    unshown = [n for n in names if n in nonempty and n not in shown_anywhere
               and n not in only_switches]
    return ("basic", tuple(front_fields), tuple(back_fields), tuple(cards.items()),
            tuple(left_out), tuple(unshown), tuple(n for n in unshown if n not in replaced))


def map_note(notetype: NoteType, values: list[str]) -> Mapped | str:
    """Map a note (its field values in the note type's order, already
    sanitised) onto a flashdesk note, or say why it cannot be one (the
    reason, as text). See the module's description for the rule."""
    names = notetype.fields
    simple = _two_texts(notetype) if len(values) == 2 else None
    if simple is not None:  # both fields filled, neither starting with a tag or a space
        first, second = values
        if first and second and first[0] != "<" and second[0] != "<" \
                and not first[0].isspace() and not second[0].isspace():
            front, reverse, pairs, left_out, unreplaced = simple
            texts: dict = {"front": first, "back": second} if front == 0 else \
                {"front": second, "back": first}
            if reverse:
                texts["reverse"] = True
            return Mapped(Kind.BASIC, texts, dict(pairs), left_out, unreplaced)
    if len(values) < len(names):
        values = list(values) + [""] * (len(names) - len(values))
    extra_values = values[len(names):]
    fmap = dict(zip(names, values))
    layout = _layout(notetype, frozenset([n for n, v in fmap.items() if _filled(v)]))
    if isinstance(layout, str):
        return layout
    if layout[0] == "cloze":
        _, texts, rest, unreplaced = layout
        text = _joined(fmap, list(texts))
        broken = cloze_problem(text)
        if broken:
            return f"its cloze text: {broken}"
        if is_image_occlusion(text):
            return "an image occlusion note (flashdesk cannot show its masks)"
        data: dict = {"text": text}
        extra = "<br>".join(p for p in (_joined(fmap, list(rest)), *extra_values)
                            if not field_is_empty(p))
        if extra:
            data["extra"] = extra
        return Mapped(Kind.CLOZE, data, {n - 1: n for n in cloze_numbers(text)},
                      unshown=unreplaced)

    _, front_fields, back_fields, card_pairs, left_out, unshown, unreplaced = layout
    cards = dict(card_pairs)
    # the layout lists only fields that are not empty
    data = {"front": fmap[front_fields[0]] if len(front_fields) == 1 else
            "<br>".join(fmap[n] for n in front_fields),
            "back": fmap[back_fields[0]] if len(back_fields) == 1 else
            "<br>".join(fmap[n] for n in back_fields)}
    if 1 in cards.values():
        data["reverse"] = True
    extra = "<br>".join(p for p in (_joined(fmap, unshown), *extra_values)
                        if _filled(p)) if unshown or extra_values else ""
    if extra:
        data["extra"] = extra
    return Mapped(Kind.BASIC, data, cards, left_out, unreplaced)
