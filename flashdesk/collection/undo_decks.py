"""The undo entries of deck actions (``col.decks``): create, rename and
move (``DeckNamesUndo``), and delete (``DeckDeleteUndo``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Changes, FlashdeskError, UndoResult
from ..store import queries as q, transaction
from .journal import ms
from .undo import UndoRefused

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection
    from .note_values import DeletedNotes

__all__ = ["DeckNamesUndo", "DeckDeleteUndo"]


@dataclass(frozen=True)
class DeckNamesUndo:
    """Create, rename or move decks: each deck gets back the name it had,
    if it still has the one the action gave it; decks the action created go
    again if nothing has been put in them since."""

    name: str
    #: (deck id, name before, name after)
    renames: tuple[tuple[str, str, str], ...] = ()
    created: tuple[str, ...] = ()

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        db = col.db
        ids = [d for d, _, _ in self.renames]
        with transaction(db):
            rows = {r["id"]: r for r in q.deck_rows(db, [*ids, *self.created])}
            back = [(d, before) for d, before, after in self.renames
                    if d in rows and rows[d]["name"] == after]
            for deck_id, before in back:
                other = q.deck_by_name(db, before)
                if other is not None and other["id"] not in ids:
                    raise UndoRefused(f"another deck is called “{before}” now; nothing was "
                                      "changed")
            for deck_id, before in back:
                q.rename_deck(db, deck_id, before, ms(now))
            for deck_id in sorted(self.created, key=lambda d: -len(rows.get(d, {}).get("name", ""))):
                if deck_id in rows and q.deck_is_empty(db, deck_id):
                    q.delete_decks(db, [deck_id])
        col.study.invalidate()
        return UndoResult(self.name, Changes(decks=True, study_queues=True))


@dataclass(frozen=True)
class DeckDeleteUndo:
    """Delete a deck: it comes back with its sub-decks, notes, cards and
    their progress, unless a deck of that id or name exists again."""

    decks: tuple[dict, ...]
    deleted: "DeletedNotes"
    #: the bundled decks this deletion marked as deleted
    marked: tuple[str, ...] = ()
    #: cards taken from notes that kept other cards (``notes`` is empty)
    cards: "DeletedNotes | None" = None
    #: (deck id, note id): where the notes that kept cards elsewhere were made
    homes: tuple[tuple[str, str], ...] = ()
    name: str = "Delete Deck"

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        from .marks import DELETED_DECKS, Marks

        db = col.db
        with transaction(db):
            for row in self.decks:
                if q.get_deck(db, row["id"]) or q.deck_by_name(db, row["name"]):
                    raise UndoRefused(f"a deck called “{row['name']}” exists again; nothing "
                                      "was changed")
            q.restore_decks(db, list(self.decks))
            try:
                col.notes.undelete(self.deleted, now)
                if self.cards is not None:
                    col.notes.undelete(self.cards, now)
            except FlashdeskError as exc:
                raise UndoRefused(str(exc)) from None
            q.set_note_decks(db, list(self.homes))
            Marks(db).undelete(DELETED_DECKS, self.marked)
        col.study.invalidate()
        return UndoResult(self.name, Changes(decks=True, notes=True, cards=True,
                                             study_queues=True, tags=True))
