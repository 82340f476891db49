"""What a reader hands to the collection: decks of notes, plus rows it skipped
and things the user should know."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..model import DeckData

__all__ = ["ReadResult", "derived_key", "safe_key", "slug"]

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


@dataclass
class ReadResult:
    format: str
    decks: list[DeckData]
    skipped: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    #: media file name → content, for files referenced by the notes
    media: dict[str, bytes] = field(default_factory=dict)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64] or "deck"


def safe_key(text: str) -> str:
    """``text`` when it is a valid note key, else a stable key derived from it."""
    text = text.strip()
    return text if _KEY.match(text) else derived_key(text)


def derived_key(first_field: str) -> str:
    """A note key for files without ids: stable for the same first field."""
    norm = " ".join(first_field.split()).casefold()
    return "h" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:15]
