"""Anki's cloze grammar, parsed once: a small tokenizer and a tree, used for
card generation, the question and answer views (window and terminal),
search text and every export.

The grammar is the one Anki 2.1.50+ reads (``rslib/src/cloze.rs``, read,
not copied):

- a cloze opens with ``{{c`` followed by one or more numbers separated by
  commas, then ``::`` (``{{c1::``, ``{{c1,2::``, ``{{c12::``) and closes at
  the next ``}}``; clozes nest (``{{c1::HEAT {{c2::model}} is used}}``);
- inside a cloze, text after the first ``::`` of a text run is the hint
  (``{{c1::Listen::first step}}``); the last hint given wins;
- a note gets one card per number above 0 found at any depth; ``c0`` makes
  no card, and its text is always shown;
- ``}}`` outside any cloze is plain text.

Where Anki would lose text, flashdesk keeps it as written: a cloze still
open at the end of the text, and clozes nested deeper than ten levels, stay
literal text (Anki drops the first and ignores the opening of the second).
``parse`` never fails; ``problems`` says what is wrong with such text, and
the validator refuses a cloze note that has any: a cloze never closed, an
opening without a card number (``{{c::``), clozes nested too deep, and a
gap that hides nothing (``{{c2::}}``).

Pure functions over strings; nothing here knows about HTML beyond passing
it through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

__all__ = ["Cloze", "Node", "parse", "numbers", "question", "answer", "reveal_all",
           "has_cloze", "MAX_DEPTH", "is_image_occlusion", "problems"]

#: clozes nested deeper than this stay literal text (Anki's limit is the same)
MAX_DEPTH = 10
_TOKEN = re.compile(r"\{\{c([\d,]*)::|\}\}")
_IMAGE_OCCLUSION = "image-occlusion:"


@dataclass(frozen=True, slots=True)
class Cloze:
    """One cloze: the card numbers it belongs to (sorted, without repeats),
    its content (text and nested clozes, in order) and its hint (None when
    it has none)."""

    ordinals: tuple[int, ...]
    nodes: tuple["Node", ...]
    hint: str | None = None

    def contains(self, number: int) -> bool:
        return number in self.ordinals


#: a piece of parsed text: literal text, or a cloze
Node = Union[str, Cloze]


def _ordinals(digits: str) -> tuple[int, ...]:
    """``"1,2"`` → (1, 2); numbers Anki cannot store (over 65535) are left out."""
    found = {int(part) for part in digits.split(",") if part.isdigit() and int(part) <= 0xFFFF}
    return tuple(sorted(found))


class _Frame:
    __slots__ = ("raw_open", "ordinals", "nodes", "start")

    def __init__(self, raw_open: str, ordinals: tuple[int, ...], start: int = 0):
        self.raw_open = raw_open
        self.ordinals = ordinals
        self.nodes: list[Node] = []
        self.start = start


@dataclass
class _Faults:
    """What ``_parse`` kept as literal text although it looks like a cloze:
    where each cloze never closed starts, each opening without a card
    number, and whether clozes went deeper than ``MAX_DEPTH``."""

    unclosed: list[int]
    nameless: list[str]
    too_deep: bool = False


def _close(frame: _Frame) -> Cloze:
    """The cloze a frame becomes at its ``}}``: each text run of its own
    (not of nested clozes) is cut at its first ``::``, the rest being the
    hint; a later hint replaces an earlier one, as in Anki."""
    hint = None
    nodes: list[Node] = []
    for node in frame.nodes:
        if isinstance(node, str) and "::" in node and not node.startswith(_IMAGE_OCCLUSION):
            node, hint = node.split("::", 1)
        nodes.append(node)
    return Cloze(frame.ordinals, tuple(n for n in nodes if n != ""), hint)


def _append(nodes: list[Node], text: str) -> None:
    if not text:
        return
    if nodes and isinstance(nodes[-1], str):
        nodes[-1] += text
    else:
        nodes.append(text)


def parse(text: str) -> tuple[Node, ...]:
    """The text as a tree of literal text and clozes.

    Never fails: anything that is not a well-formed cloze is literal text.
    ``parse(t)`` rendered with every cloze opened (``reveal_all``) gives the
    text without its cloze markers and hints."""
    return _parse(text)[0]


def _parse(text: str) -> tuple[tuple[Node, ...], _Faults]:
    top: list[Node] = []
    stack: list[_Frame] = []
    faults = _Faults([], [])
    ignored = 0  # opens beyond MAX_DEPTH, kept as text; their closes are text too
    pos = 0
    for match in _TOKEN.finditer(text):
        target = stack[-1].nodes if stack else top
        _append(target, text[pos:match.start()])
        pos = match.end()
        token = match.group(0)
        if token == "}}":
            if ignored:
                ignored -= 1
                _append(target, token)
            elif stack:
                cloze = _close(stack.pop())
                (stack[-1].nodes if stack else top).append(cloze)
            else:
                _append(target, token)
            continue
        ordinals = _ordinals(match.group(1))
        if not ordinals:  # "{{c::" or "{{c,::": not a cloze
            faults.nameless.append(token)
            _append(target, token)
        elif len(stack) >= MAX_DEPTH or ignored:
            faults.too_deep = True
            ignored += 1
            _append(target, token)
        else:
            stack.append(_Frame(token, ordinals, match.start()))
    _append(stack[-1].nodes if stack else top, text[pos:])
    faults.unclosed = [frame.start for frame in stack]
    while stack:  # never closed: the marker and what followed it stay as written
        frame = stack.pop()
        target = stack[-1].nodes if stack else top
        _append(target, frame.raw_open)
        for node in frame.nodes:
            if isinstance(node, str):
                _append(target, node)
            else:
                target.append(node)
    return tuple(top), faults


def _walk_numbers(nodes: tuple[Node, ...], found: set[int]) -> None:
    for node in nodes:
        if isinstance(node, Cloze):
            found.update(o for o in node.ordinals if o != 0)
            _walk_numbers(node.nodes, found)


def numbers(text: str) -> list[int]:
    """The card numbers of a cloze text, ascending: every cloze number
    above 0, at any depth (``{{c1,2::x}}`` → [1, 2]; nested
    ``{{c1::a {{c2::b}}}}`` → [1, 2]; ``{{c0::x}}`` → [])."""
    if "{{c" not in text:
        return []
    found: set[int] = set()
    _walk_numbers(parse(text), found)
    return sorted(found)


def has_cloze(text: str) -> bool:
    """True when the text makes at least one cloze card."""
    return bool(numbers(text))


def is_image_occlusion(text: str) -> bool:
    """True when a cloze of the text is one of Anki's image-occlusion shapes
    (``{{c1::image-occlusion:rect:…}}``), which flashdesk cannot show."""
    if _IMAGE_OCCLUSION not in text:
        return False
    stack = list(parse(text))
    while stack:
        node = stack.pop()
        if isinstance(node, Cloze):
            if node.nodes and isinstance(node.nodes[0], str) \
                    and node.nodes[0].startswith(_IMAGE_OCCLUSION):
                return True
            stack.extend(node.nodes)
    return False


def _render(nodes: tuple[Node, ...], visit: Callable[[Cloze], str]) -> str:
    return "".join(node if isinstance(node, str) else visit(node) for node in nodes)


def question(text: str, number: int, blank: str = "[…]") -> str:
    """The question side of card ``number``: each cloze with that number
    becomes ``blank`` (or ``[hint]`` when it has a hint), hiding everything
    nested in it; every other cloze shows its content (with its own nested
    clozes treated the same way)."""
    def visit(cloze: Cloze) -> str:
        if cloze.contains(number):
            return f"[{cloze.hint}]" if cloze.hint is not None else blank
        return _render(cloze.nodes, visit)

    return _render(parse(text), visit)


def answer(text: str, number: int, mark: Callable[[str], str] = lambda s: f"<b>{s}</b>") -> str:
    """The answer side of card ``number``: each cloze with that number shows
    its content passed through ``mark``; every other cloze shows its content."""
    def visit(cloze: Cloze) -> str:
        inner = _render(cloze.nodes, visit)
        return mark(inner) if cloze.contains(number) else inner

    return _render(parse(text), visit)


def reveal_all(text: str) -> str:
    """The text with every cloze opened and hints left out (search text,
    sort text, previews)."""
    if "{{c" not in text:
        return text

    def visit(cloze: Cloze) -> str:
        return _render(cloze.nodes, visit)

    return _render(parse(text), visit)


def _quoted(text: str, limit: int = 30) -> str:
    return f"“{text if len(text) <= limit else text[:limit - 1] + '…'}”"


def problems(text: str, blank: Callable[[str], bool] = lambda s: not s.strip()) -> list[str]:
    """What makes a cloze note's ``text`` show raw markers or empty gaps
    while studying, each in a few words (empty: nothing): a cloze never
    closed with ``}}``, an opening without a card number (``{{c::``),
    clozes nested deeper than ``MAX_DEPTH``, and a gap whose content is
    ``blank`` (``{{c2::}}``, ``{{c1::::hint}}``; ``blank`` judges the text
    of a gap without nested clozes, e.g. as HTML). Whether the text has a
    gap at all is ``has_cloze``."""
    if "{{" not in text:
        return []
    nodes, faults = _parse(text)
    found = [f"the cloze {_quoted(text[start:])} is never closed with }}}}"
             for start in faults.unclosed]
    found += [f"{_quoted(token)} has no card number (write {{{{c1::…}}}}, {{{{c2::…}}}} …)"
              for token in dict.fromkeys(faults.nameless)]
    if faults.too_deep:
        found.append(f"clozes are nested more than {MAX_DEPTH} deep")
    queue = list(nodes)
    for node in queue:  # breadth first: the gaps in the order they are met
        if not isinstance(node, Cloze):
            continue
        if not any(isinstance(n, Cloze) for n in node.nodes) \
                and blank("".join(n for n in node.nodes if isinstance(n, str))):
            numbers_ = ",".join(str(o) for o in node.ordinals)
            found.append(f"the gap {{{{c{numbers_}::}}}} is empty: put the hidden words in it")
        queue.extend(node.nodes)
    return found
