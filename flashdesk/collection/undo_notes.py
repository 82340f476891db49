"""The undo entries of note actions (``col.notes``): reset, change deck,
tags, edit, add and delete. Each takes back exactly what its action did,
and only where nobody changed it since (see ``undo``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Changes, FlashdeskError, NoteId, UndoResult
from ..store import queries as q, transaction
from .journal import ms
from .undo import UndoRefused

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection
    from .note_values import DeletedNotes

__all__ = ["ResetUndo", "MoveUndo", "TagsUndo", "EditUndo", "AddUndo", "DeleteUndo"]


@dataclass(frozen=True)
class ResetUndo:
    """Reset (forget): progress comes back, unless a card was answered since."""

    #: the cards' rows before the reset (``queries.card_states``)
    rows: tuple[dict, ...]
    log_ids: tuple[str, ...]
    seq: int
    name: str = "Reset"

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        db = col.db
        with transaction(db, immediate=True):
            later = [r["id"] for r in self.rows if q.changed_after(db, r["id"], self.seq)]
            if later:
                raise UndoRefused(f"{len(later)} of these cards have been answered or "
                                  "rescheduled since the reset; nothing was changed")
            q.restore_schedules(db, list(self.rows))
            col.journal.undos(self.log_ids, [r["id"] for r in self.rows], ms(now),
                              col.today(now))
        col.study.invalidate()
        return UndoResult(self.name, Changes(cards=True, study_queues=True))


@dataclass(frozen=True)
class MoveUndo:
    """Change deck: each card goes back to its deck, if it is still where
    the move put it."""

    #: (card id, deck before)
    cards: tuple[tuple[str, str], ...]
    deck_after: str
    name: str = "Change Deck"

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        with transaction(col.db):
            q.set_card_decks(col.db, [(before, cid, self.deck_after)
                                      for cid, before in self.cards])
        col.study.invalidate()
        return UndoResult(self.name, Changes(cards=True, decks=True, study_queues=True))


@dataclass(frozen=True)
class TagsUndo:
    """Add or remove tags: each note gets its tags back if they are still
    what the change left."""

    #: (note id, tags before, tags after)
    notes: tuple[tuple[str, str, str], ...]
    name: str = "Change Tags"

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        with transaction(col.db):
            for row in q.notes_rows(col.db, [n for n, _, _ in self.notes]):
                before, after = next((b, a) for n, b, a in self.notes if n == row["id"])
                if row["tags"] == after:
                    q.set_note_tags(col.db, row["id"], before)
        return UndoResult(self.name, Changes(tags=True, notes=True))


@dataclass(frozen=True)
class EditUndo:
    """A note edit: its text, tags and source come back, cards the edit
    added go and cards it removed come back – if the note still holds the
    edit and nobody has answered a card it added."""

    note_id: NoteId
    #: the note's row before the edit (``queries.get_note``)
    before: dict
    after_fields: str
    after_tags: str
    added_cards: tuple[str, ...] = ()
    #: card rows the edit removed (never answered: an edit never removes progress)
    removed_cards: tuple[dict, ...] = ()
    seq: int = 0
    #: the note was marked as edited by the learner before this edit
    was_edited: bool = True
    name: str = "Edit Note"

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        from .marks import EDITED, Marks

        db = col.db
        with transaction(db, immediate=True):
            current = q.get_note(db, self.note_id)
            if current is None or (current["fields"], current["tags"]) != (
                    self.after_fields, self.after_tags):
                raise UndoRefused("that note has been changed or deleted since; nothing "
                                  "was changed")
            if any(q.changed_after(db, c, self.seq) for c in self.added_cards):
                raise UndoRefused("a card this edit added has been answered or rescheduled "
                                  "since; nothing was changed")
            b = self.before
            q.set_note_content(db, {key: b[key] for key in (
                "id", "fields", "tags", "source", "checksum", "sort_text", "search_text")}
                | {"now": ms(now)})
            q.delete_cards(db, list(self.added_cards))
            q.restore_rows(db, "cards", list(self.removed_cards))
            if not self.was_edited:
                Marks(db).discard(EDITED, [self.note_id])
        cards = bool(self.added_cards or self.removed_cards)
        if cards:
            col.study.invalidate()
        return UndoResult(self.name, Changes(
            note_text=True, tags=b["tags"] != self.after_tags, notes=cards, cards=cards,
            study_queues=cards))


@dataclass(frozen=True)
class AddUndo:
    """A note added in the window: it goes again with its cards, unless one
    of them has been answered since."""

    note_id: NoteId
    card_ids: tuple[str, ...]
    seq: int
    name: str = "Add Note"

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        db = col.db
        with transaction(db, immediate=True):
            if q.get_note(db, self.note_id) is None:
                raise UndoRefused("that note has been deleted since; nothing was changed")
            if any(q.changed_after(db, c, self.seq) for c in self.card_ids):
                raise UndoRefused("a card of that note has been answered or rescheduled "
                                  "since (perhaps in another window or terminal); nothing "
                                  "was changed")
            q.delete_notes(db, [self.note_id])
        col.study.invalidate()
        return UndoResult(self.name, Changes(notes=True, cards=True, study_queues=True,
                                             tags=True, decks=True))

@dataclass(frozen=True)
class DeleteUndo:
    """Delete notes: they come back with their cards' progress."""

    deleted: "DeletedNotes"
    name: str = "Delete"

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        try:
            changes = col.notes.undelete(self.deleted, now)
        except FlashdeskError as exc:
            raise UndoRefused(str(exc)) from None
        return UndoResult(self.name, changes)
