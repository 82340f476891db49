"""The one tag rule, for every format (deck files, spreadsheets, Anki
packages and text exports) and for tags typed in the window.

A tag is one word: no spaces, commas or semicolons (those separate tags in
a spreadsheet cell), no control characters, at most ``MAX_TAG`` characters.
``::`` makes a hierarchy (``Level2::Unit04::HEAT``), as in Anki. Tags are
compared without regard to case; the first spelling wins.

What each tag goes through (``normalise_tag``) follows Anki's own tag
normalisation (``rslib/src/tags/register.rs``, read, not copied): Unicode NFC,
control characters removed, each ``::`` part trimmed, an empty part becomes
``blank``. flashdesk also splits at commas and semicolons, which Anki keeps
inside a tag (Anki's ``a,b`` is flashdesk's ``a`` and ``b``), and refuses a
tag longer than ``MAX_TAG`` characters instead of storing it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from .sanitize import clean_plain

__all__ = ["MAX_TAG", "split_tags", "normalise_tag", "normalise_tags", "tag_problem"]

#: the longest tag kept, in characters (Anki has no limit; hierarchical tags
#: written by tutors run to about 70)
MAX_TAG = 200
#: what separates tags: whitespace (including the ideographic space Anki
#: accepts), commas and semicolons
_SEPARATORS = re.compile(r"[\s,;\u3000]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def split_tags(text: str) -> list[str]:
    """The tags written in one cell or header (``"unit3, handout heat"`` →
    ``["unit3", "handout", "heat"]``), not yet normalised."""
    return [t for t in _SEPARATORS.split(clean_plain(text)) if t]


def normalise_tag(tag: str) -> str:
    """One tag as stored: NFC, control characters and bidirectional
    controls removed, each ``::`` part trimmed (an empty part becomes
    ``blank``, as in Anki). Separators inside are not handled here: see
    ``tag_problem``."""
    tag = _CONTROL.sub("", clean_plain(unicodedata.normalize("NFC", tag)))
    if "::" not in tag:
        return tag.strip()
    return "::".join(part.strip() or "blank" for part in tag.split("::"))


def tag_problem(tag: str) -> str | None:
    """Why ``tag`` (already normalised) cannot be a tag, or None."""
    if not tag:
        return "a tag cannot be empty"
    if _SEPARATORS.search(tag):
        return f"a tag is one word without spaces, commas or semicolons: {tag!r}"
    if len(tag) > MAX_TAG:
        return f"a tag has at most {MAX_TAG} characters ({len(tag)}: {tag[:40]!r}…)"
    return None


def normalise_tags(tags: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """Tags from any source (each item may hold several, separated by
    spaces, commas or semicolons): (the tags kept, normalised, each once
    without regard to case, first spelling first; the problems of the tags
    left out, one message each)."""
    kept: dict[str, str] = {}
    problems: list[str] = []
    for item in tags:
        for raw in split_tags(item):
            tag = normalise_tag(raw)
            problem = tag_problem(tag)
            if problem:
                problems.append(problem)
            elif tag.casefold() not in kept:
                kept[tag.casefold()] = tag
    return tuple(kept.values()), problems
