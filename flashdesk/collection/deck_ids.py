"""Deck names and ids: a deck found by its id or name (``find``), a name
as stored (``check_name``), a new id made from a name, the decks of a
name's path created, and the id and details a deck from a file gets
(``id_for``, ``ensure``). ``DeckManager`` forwards to these functions."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..formats.result import name_slug
from ..formats.sanitize import clean_plain
from ..model import DeckId, FlashdeskError
from ..store import queries as q
from ..study import parent_names
from ..text import close_matches, deck_path, did_you_mean
from .marks import DESCRIBED, Marks

if TYPE_CHECKING:
    from . import Collection

__all__ = ["MAX_NAME", "find", "check_name", "new_id", "create_path", "id_for", "ensure"]

#: characters in a deck's full name
MAX_NAME = 500


def find(col: "Collection", text: str) -> DeckId:
    """A deck by its id, its full name (``Parent::Child``, or with ``›``
    or ``/`` between the parts), or its own name alone when no other deck
    has it – all without regard to case. Raises ``FlashdeskError`` naming
    ``flashdesk decks`` and the decks whose names or ids are close to
    ``text`` (a typo), or the decks to choose from when the name is
    ambiguous."""
    wanted = text.strip()
    decks = col.decks.rows()
    if wanted in decks:
        return DeckId(wanted)
    parts = [p.strip().casefold() for p in re.split(r"::|›|/", wanted)]
    full = [d for d, row in decks.items()
            if [p.casefold() for p in row["name"].split("::")] == parts]
    if len(full) == 1:
        return DeckId(full[0])
    tail = [d for d, row in decks.items()
            if [p.casefold() for p in row["name"].split("::")][-len(parts):] == parts]
    if len(tail) == 1:
        return DeckId(tail[0])
    if tail:
        names = "; ".join(f"{deck_path(decks[d]['name'])} ({d})" for d in tail[:6])
        raise FlashdeskError(f"more than one deck is called '{wanted}': {names}. "
                             "Give its full name or its id")
    raise FlashdeskError(f"no deck called '{wanted}'{_close_decks(wanted, decks)} "
                         "(see `flashdesk decks`)")


def _close_decks(wanted: str, decks: dict) -> str:
    """The decks whose id, full name or own name is close to ``wanted``,
    as ``did_you_mean`` says them ("" when none is)."""
    names: dict[str, str] = {}  # id, full name or own name → the deck's full name
    for deck_id, row in decks.items():
        for text in (deck_id, row["name"], row["name"].rsplit("::", 1)[-1]):
            names.setdefault(text, row["name"])
    return did_you_mean(list(dict.fromkeys(names[n] for n in close_matches(wanted, names))))


def check_name(name: str) -> str:
    """A deck name as stored: plain text, parts separated by ``::`` with
    spaces trimmed. Raises ``FlashdeskError`` for an empty name or part."""
    text = clean_plain(name)
    parts = [p.strip() for p in text.split("::")]
    if not text.strip() or any(not p for p in parts):
        raise FlashdeskError("a deck needs a name; sub-decks are separated by '::' "
                             "(Parent::Child)")
    full = "::".join(parts)
    if len(full) > MAX_NAME:
        raise FlashdeskError(f"a deck's name may have at most {MAX_NAME} characters")
    return full


def new_id(col: "Collection", name: str, avoid: frozenset[str] = frozenset()) -> str:
    """An unused id made from a name: lower-case letters, digits and '-'
    (and none of ``avoid``)."""
    base = name_slug(name.replace("::", " "))
    new_id, n = base, 1
    while new_id in avoid or q.get_deck(col.db, new_id) is not None:
        n += 1
        new_id = f"{base}-{n}"
    return new_id


def create_path(col: "Collection", name: str, now_ms: int, *, last: bool = True,
                avoid: frozenset[str] = frozenset()) -> list[str]:
    """Create the missing decks of ``name``'s path (``name`` itself too
    with ``last``), inside the caller's transaction; their ids, top first.
    New ids are never one of ``avoid`` (the id a deck file is about to take)."""
    db = col.db
    created = []
    for path in [*parent_names(name), *([name] if last else [])]:
        if q.deck_by_name(db, path) is None:
            deck_id = new_id(col, path, avoid)
            q.insert_deck(db, {"id": deck_id, "name": path, "description": "",
                               "version": "", "source_path": "", "now": now_ms})
            created.append(deck_id)
    return created


def id_for(col: "Collection", deck_id: str, name: str) -> str:
    """The id a deck from a file gets: its own, else the id of the deck
    with that name, else a new one made from the name."""
    if deck_id:
        return deck_id
    db = col.db
    row = q.deck_by_name(db, name)
    return row["id"] if row is not None else new_id(col, name)


def ensure(col: "Collection", deck_id: str, name: str, description: str, version: str,
           source: str, now_ms: int) -> None:
    """Create the deck (and any missing parents) or update its details,
    inside the caller's transaction. A deck already in the collection
    keeps its name and place (the learner may have renamed or moved it:
    files find decks by id), and a description the learner wrote. Raises
    ``FlashdeskError`` when the name belongs to another deck."""
    db = col.db
    current = q.get_deck(db, deck_id)
    if current is not None:
        name = current["name"]
        if deck_id in Marks(db).get(DESCRIBED):
            description = current["description"]
    create_path(col, name, now_ms, last=False, avoid=frozenset({deck_id}))
    row = {"id": deck_id, "name": name, "description": description, "version": version,
           "source_path": source, "now": now_ms}
    other = q.deck_by_name(db, name)
    if other is not None and other["id"] != deck_id:
        raise FlashdeskError(f"{source}: deck name '{name}' is already used by deck "
                             f"'{other['id']}'; give this deck another name")
    if current is None:
        q.insert_deck(db, row)
    elif description or version or current["name"] != name:
        # files without deck details (CSV, Anki) keep the details already there
        row["description"] = description or current["description"]
        row["version"] = version or current["version"]
        q.update_deck(db, row)
