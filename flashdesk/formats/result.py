"""What a reader hands to the collection: decks of notes, plus rows it skipped
and things the user should know."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..model import DeckData, DeckId, NoteData

__all__ = ["ReadResult", "derived_key", "safe_key", "slug", "name_slug", "ascii_fold", "scope_of",
           "scoped_identity", "anki_identity", "given_identity", "DeckGroups"]

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_SCOPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9 _-]+$")


@dataclass
class ReadResult:
    """What a reader found in one file: its decks of notes, rows or notes
    it skipped (each with its place and reason), messages for the user, the
    media the notes use, and (Anki packages) each card's Anki progress."""

    format: str
    decks: list[DeckData]
    skipped: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    #: media file name → content, for files referenced by the notes
    media: dict[str, bytes] = field(default_factory=dict)
    #: note identity → {flashdesk card ord: the card's state in the file's
    #: own scheduler (an ``AnkiCard`` for packages: an ``AnkiProgress``, read
    #: only through ``items()``, ``len`` and look-ups)}; empty for other formats
    progress: Mapping[str, Mapping[int, Any]] = field(default_factory=dict)
    #: the study day the file's collection was created (Anki's ``crt``, as
    #: seconds since the Unix epoch); None when unknown
    created: int | None = None
    #: things the sanitiser removed from the file's card text
    sanitised: int = 0
    #: which deck each skipped row belongs to, where the reader knows it:
    #: index in ``skipped`` → the deck name the row gives (as in ``decks``)
    skipped_decks: dict[int, str] = field(default_factory=dict)
    #: of ``sanitised``, how many were removed from each deck's rows, where
    #: the reader knows it: deck name → count
    sanitised_decks: dict[str, int] = field(default_factory=dict)

    def by_deck(self) -> tuple[dict[str, list[str]], dict[str, int], list[str], int]:
        """Skipped rows and sanitiser removals sorted out by deck: (deck name
        → its skipped rows, deck name → its removals, the skipped rows of no
        deck of ``decks``, the removals of none). A file of one deck gives
        that deck everything; a file of several gives each deck what
        ``skipped_decks`` and ``sanitised_decks`` say is its, and the rest
        is the file's."""
        names = [d.name for d in self.decks]
        if len(names) == 1:
            return ({names[0]: list(self.skipped)}, {names[0]: self.sanitised}, [], 0)
        # a skipped row's deck may be spelled in another case than its deck's
        folded = {name.casefold(): name for name in names}
        skipped: dict[str, list[str]] = {}
        rest: list[str] = []
        for index, line in enumerate(self.skipped):
            deck = folded.get((self.skipped_decks.get(index) or "").casefold())
            (skipped.setdefault(deck, []) if deck is not None else rest).append(line)
        sanitised: dict[str, int] = {}
        for given, count in self.sanitised_decks.items():
            deck = folded.get(given.casefold())
            if deck is not None and count:
                sanitised[deck] = sanitised.get(deck, 0) + count
        return skipped, sanitised, rest, max(0, self.sanitised - sum(sanitised.values()))


def scope_of(deck_name: str) -> str:
    """The scope of a spreadsheet's note ids: its top-level deck (the part
    before the first ``::``), as a deck-id-like slug. Names that lose
    letters on the way (accents, other scripts) get a short hash, so two
    such decks never share a scope."""
    root = deck_name.split("::", 1)[0].strip()
    base = slug(root)
    if _PLAIN_NAME.match(root):
        return base
    digest = hashlib.sha1(root.casefold().encode("utf-8")).hexdigest()[:6]
    return f"{base[:57]}-{digest}"


def scoped_identity(deck_name: str, key: str) -> str:
    """A spreadsheet note's identity: ``SCOPE/KEY`` (see ``scope_of``), the
    same in every sub-deck of one top-level deck."""
    return f"{scope_of(deck_name)}/{key}"


def anki_identity(guid: str) -> str:
    """An Anki note's identity: its guid, which Anki keeps unique across
    every collection, whatever the deck."""
    return f"anki:{guid}"


def given_identity(text: str) -> tuple[str, str] | None:
    """(identity, key) when ``text`` is a whole identity as flashdesk's own
    exports write it (``SCOPE/KEY`` or ``anki:GUID``), else None."""
    text = text.strip()
    if text.startswith("anki:") and len(text) > 5 and not any(c.isspace() for c in text):
        return text, safe_key(text[5:])
    scope, slash, key = text.partition("/")
    if slash and _SCOPE.match(scope) and _KEY.match(key):
        return text, key
    return None


class DeckGroups:
    """Notes grouped by deck as a file names them; names that differ only
    in case are one deck (Anki's rule), under the first spelling met. A
    note's identity may appear once in the whole file."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._notes: dict[str, list[NoteData]] = {}
        self._seen: dict[str, str] = {}
        #: identities of notes a collection has as these rows make them (rows not read)
        self._unchanged: dict[str, list[str]] = {}
        #: identity → (deck, note or None for a row not read), made by ``first``
        #: when a file has a duplicate and kept from then on: most files
        #: have none, and pay nothing for it
        self._met: dict[str, tuple[str, NoteData | None]] | None = None
        #: spellings met that differ only in case from the name kept
        self.merged: dict[str, set[str]] = {}

    def name_for(self, name: str) -> str:
        """The deck name the file's group for ``name`` goes by."""
        kept = self._names.setdefault(name.casefold(), name)
        if kept != name:
            self.merged.setdefault(kept, set()).add(name)
        return kept

    def message(self, shown: str) -> str | None:
        """What the user should know about deck names merged, or None."""
        if not self.merged:
            return None
        pairs = "; ".join(f"{', '.join(sorted(others))} → {kept}"
                          for kept, others in sorted(self.merged.items()))
        return (f"{shown}: deck names that differ only in case are one deck in flashdesk: "
                f"{pairs}")

    def add(self, deck: str, note: NoteData, where: str) -> str | None:
        """Add ``note`` to ``deck``; returns where the same note was met
        before (the note is then not added), else None."""
        identity = note.identity or note.key
        if identity in self._seen:
            return self._seen[identity]
        self._seen[identity] = where
        name = self.name_for(deck)
        self._notes.setdefault(name, []).append(note)
        if self._met is not None:
            self._met[identity] = name, note
        return None

    def add_unchanged(self, deck: str, identity: str, where: str) -> str | None:
        """Note that the collection holds the note ``identity`` of ``deck``
        as this row makes it (the row is not read); returns where the same
        note was met before, else None."""
        if identity in self._seen:
            return self._seen[identity]
        self._seen[identity] = where
        name = self.name_for(deck)
        self._notes.setdefault(name, [])
        self._unchanged.setdefault(name, []).append(identity)
        if self._met is not None:
            self._met[identity] = name, None
        return None

    def first(self, identity: str) -> tuple[str, str, NoteData | None] | None:
        """Where the note ``identity`` was first met, its deck, and the note
        (None when it came from ``add_unchanged``: a row not read); None
        when it was not met."""
        if identity not in self._seen:
            return None
        if self._met is None:
            self._met = {i: (name, None) for name, ids in self._unchanged.items() for i in ids}
            self._met.update((n.identity or n.key, (name, n))
                             for name, notes in self._notes.items() for n in notes)
        return (self._seen[identity], *self._met[identity])

    def decks(self, path: str) -> list[DeckData]:
        """The groups as decks (no id yet: the importer gives them theirs),
        in the order the file first names them; ``path`` names the file."""
        return [DeckData(id=DeckId(""), name=name, notes=tuple(notes), path=path,
                         unchanged=tuple(self._unchanged.get(name, ())))
                for name, notes in self._notes.items()]


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by '-'. Frozen: spreadsheet
    note scopes (``scope_of``) are made with it, and must not change."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64] or "deck"


#: letters that have no accent to take off but a usual spelling in ASCII
_SPELT = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o",
                        "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
                        "þ": "th", "Þ": "th", "ı": "i", "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t"})


def ascii_fold(text: str) -> str:
    """``text`` with its accents taken off ("Ünïcode" → "Unicode", "Straße" →
    "Strasse"); letters with no ASCII spelling stay as they are."""
    text = unicodedata.normalize("NFKD", text.translate(_SPELT))
    return "".join(c for c in text if not unicodedata.combining(c))


def name_slug(name: str) -> str:
    """The id a new deck gets from its name (at most 58 characters of
    ``[a-z0-9-]``): accents come off ("Ünïcode" → ``unicode``), and a name
    with letters that have no ASCII spelling (Greek, Arabic, Chinese …) gets
    a short hash of the name, so two such names never share an id."""
    text = ascii_fold(name)
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if any(c.isalnum() and not c.isascii() for c in text):
        digest = hashlib.sha1(name.casefold().encode("utf-8")).hexdigest()[:6]
        base = f"{base[:51].strip('-')}-{digest}" if base else f"deck-{digest}"
    return base[:58].strip("-") or "deck"


def safe_key(text: str) -> str:
    """``text`` when it is a valid note key, else a stable key derived from it."""
    text = text.strip()
    return text if _KEY.match(text) else derived_key(text)


def derived_key(first_field: str) -> str:
    """A note key for files without ids: stable for the same first field."""
    norm = " ".join(first_field.split()).casefold()
    return "h" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:15]
