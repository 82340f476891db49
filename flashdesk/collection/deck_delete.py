"""Deleting a deck with its sub-decks, as Anki does: the cards in them go,
wherever their notes were made, and so do the notes left with no card; a
note keeps its cards in other decks (and moves to one of those decks if it
was made in a deleted one). ``DeckManager`` forwards to these functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Changes, DeckId, NoteId
from ..store import queries as q, transaction
from .journal import ms
from .marks import BUNDLED, DELETED_DECKS, Marks
from .note_values import DeletedNotes
from .undo_decks import DeckDeleteUndo

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["DeckContents", "contents", "delete"]


@dataclass(frozen=True)
class DeckContents:
    """What deleting a deck takes with it: the deck and its sub-decks, the
    notes left with no card, the cards in these decks, and how many of
    those have been studied."""

    decks: int
    notes: int
    cards: int
    studied: int


def _taken(col: "Collection", subtree: list[str]
           ) -> tuple[list[str], list[dict], list[tuple[str, str, str]]]:
    """What deleting the decks ``subtree`` (ids) takes, by where the cards
    are: the ids of the notes whose every card is in these decks (or that
    have none and were made in them), the rows of the other cards in these
    decks (their notes keep the cards they have elsewhere), and (new deck
    id, note id, old deck id) for the notes that stay but were made in one
    of these decks: each moves to the deck of the first card it keeps."""
    inside = set(subtree)
    candidates = q.notes_of_decks(col.db, subtree)
    cards = q.cards_of_notes(col.db, candidates)
    by_note: dict[str, list[dict]] = {}
    for card in cards:
        by_note.setdefault(card["note_id"], []).append(card)
    homes = {n["id"]: n["deck_id"] for n in q.notes_by_id(col.db, candidates).values()}
    whole: list[str] = []
    partial: list[dict] = []
    rehome: list[tuple[str, str, str]] = []
    for note_id in candidates:
        own = by_note.get(note_id, [])
        kept = sorted((c for c in own if c["deck_id"] not in inside), key=lambda c: c["ord"])
        if not kept:
            if homes.get(note_id) in inside or own:
                whole.append(note_id)
            continue
        partial.extend(c for c in own if c["deck_id"] in inside)
        if homes.get(note_id) in inside:
            rehome.append((kept[0]["deck_id"], note_id, homes[note_id]))
    return whole, partial, rehome


def contents(col: "Collection", deck_id: DeckId) -> DeckContents:
    """What deleting ``deck_id`` would take with it: its sub-decks, the
    cards in them and the notes left with no card. Raises
    ``FlashdeskError`` for an unknown deck."""
    with col._lock:
        subtree = col.decks.subtree(deck_id)
        whole, partial, _ = _taken(col, subtree)
        cards = q.cards_of_notes(col.db, whole) + partial
    return DeckContents(len(subtree), len(whole), len(cards),
                        sum(1 for c in cards if c["type"] != 0))


def delete(col: "Collection", deck_id: DeckId, now: "datetime") -> Changes:
    """Delete a deck with its sub-decks and the cards in them, and the notes
    that have no card left (a note keeps its cards in other decks, and moves
    to one of those decks if it was made in a deleted one; the review log
    keeps the history and records the deletion as resets). Undoable while
    the collection is open. A bundled deck stays deleted when the bundled
    decks are updated. ``now``: aware local time of the deletion. Raises
    ``FlashdeskError`` for an unknown deck."""
    with col._lock:
        subtree = col.decks.subtree(deck_id)
        rows = q.deck_rows(col.db, subtree)
        with transaction(col.db):
            whole, partial, rehome = _taken(col, subtree)
            deleted = col.notes._delete([NoteId(n) for n in whole], now)
            log_ids = col.journal.resets(partial, ms(now), col.today(now))
            q.delete_cards(col.db, [c["id"] for c in partial])
            q.set_note_decks(col.db, [(new, note) for new, note, _ in rehome])
            q.delete_decks(col.db, subtree)
            marks = Marks(col.db)
            marked = [d for d in subtree if d in marks.get(BUNDLED)]
            marks.add(DELETED_DECKS, marked)
        cards = DeletedNotes((), tuple(partial), tuple(log_ids))
        col.undo.push(DeckDeleteUndo(tuple(rows), deleted, tuple(marked), cards=cards,
                                     homes=tuple((old, note) for _, note, old in rehome)))
        col.study.invalidate()
    return Changes(decks=True, notes=True, cards=True, study_queues=True, tags=True)
