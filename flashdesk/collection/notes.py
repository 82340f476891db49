"""Notes and their cards outside study: finding them (the browser), editing
a note's text, tags, moving cards, resetting progress, deleting.

Every change here goes on the undo stack and returns its ``Changes``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from ..cards import card_ords
from ..model import (
    BrowseQuery, BrowseRow, CardFilter, CardId, Changes, DeckId, FlashdeskError, Kind, NoteId,
    Queue, SortKey, note_texts,
)
from ..store import queries as q, transaction
from .journal import ms
from .undo import LEECH_TAG, DeleteUndo, EditUndo, MoveUndo, ResetUndo, TagsUndo

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["NoteManager", "DeletedNotes", "fields_json", "checksum", "tags_text"]

_FIELDS_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def fields_json(fields: dict) -> str:
    """A note's fields as stored: JSON with sorted keys."""
    return _FIELDS_ENCODER.encode(fields)


def checksum(kind: str, fields: str, tags: Sequence[str], source: str) -> str:
    """What a re-import compares to learn whether a note changed (SHA-1, hex)."""
    blob = "\x1f".join([kind, fields, " ".join(tags), source])
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def tags_text(tags: Iterable[str]) -> str:
    """Tags as stored: space-separated, each once, in order."""
    return " ".join(dict.fromkeys(t for t in tags if t))


@dataclass(frozen=True)
class DeletedNotes:
    """Deleted rows, kept so the deletion can be undone."""

    notes: tuple[dict, ...]
    cards: tuple[dict, ...]
    #: the 'reset' log entries that recorded the deletion (undelete undoes them)
    log_ids: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.notes)


class NoteManager:
    """``col.notes``: notes and cards outside study."""

    def __init__(self, col: "Collection"):
        self._col = col

    # -- reading ---------------------------------------------------------------

    def get(self, note_id: NoteId) -> tuple[Kind, dict]:
        """A note's kind and fields; raises ``FlashdeskError`` if there is none."""
        with self._col._lock:
            row = q.get_note(self._col.db, note_id)
        if row is None:
            raise FlashdeskError(f"no note with id '{note_id}'")
        return Kind(row["kind"]), json.loads(row["fields"])

    def browse(self, query: BrowseQuery, now: "datetime") -> list[CardId]:
        """The ids of the cards matching ``query``, in its order."""
        col = self._col
        with col._lock:
            deck_ids = None if query.deck_id is None else col.decks.subtree(query.deck_id)
            return [CardId(c) for c in q.browse_ids(
                col.db, text=query.text, deck_ids=deck_ids, tag=query.tag,
                state=CardFilter(query.state).value, today=col.today(now),
                sort=SortKey(query.sort).value, descending=query.descending)]

    def rows(self, card_ids: Sequence[CardId]) -> list[BrowseRow]:
        """Display rows for ``card_ids`` (a visible page), in the same order."""
        rows: dict[str, dict] = {}
        with self._col._lock:
            for start in range(0, len(card_ids), 500):
                for r in q.browse_rows(self._col.db, card_ids[start:start + 500]):
                    rows[r["id"]] = r
        return [BrowseRow(
            id=CardId(r["id"]), note_id=NoteId(r["note_id"]), deck_name=r["deck_name"],
            front=r["sort_text"], kind=Kind(r["kind"]), ord=r["ord"], queue=Queue(r["queue"]),
            due_day=r["due"], interval=r["interval"], ease=r["ease"] / 100,
            answers=r["answers"], lapses=r["lapses"], tags=tuple(r["tags"].split()))
            for r in (rows.get(c) for c in card_ids) if r is not None]

    def tags(self) -> list[str]:
        """Every tag in use, sorted without regard to case."""
        with self._col._lock:
            return q.all_tags(self._col.db)

    def history(self, card_id: CardId) -> list[dict]:
        """The card's review-log entries, oldest first."""
        with self._col._lock:
            return q.card_log(self._col.db, card_id)

    # -- editing ---------------------------------------------------------------

    def update(self, note_id: NoteId, fields: dict, now: "datetime") -> Changes:
        """Change a note's text in place; its cards keep their progress. The
        fields must pass the deck file's rules for their kind, and may not add
        or remove cards. Raises ``FlashdeskError`` with the problems."""
        from ..formats.deckfile import check_note

        col = self._col
        with col._lock:
            row = q.get_note(col.db, note_id)
            if row is None:
                raise FlashdeskError(f"no note with id '{note_id}'")
            kind = Kind(row["kind"])
            note, problems = check_note({"id": row["key"], "kind": kind.value, **fields})
            if problems or note is None:
                raise FlashdeskError("; ".join(problems) or "this note cannot be saved")
            clean = note.fields
            if card_ords(kind, clean) != card_ords(kind, json.loads(row["fields"])):
                raise FlashdeskError("this edit would add or remove cards; edit the deck file "
                                     "and import it instead")
            encoded = fields_json(clean)
            if encoded == row["fields"]:
                return Changes()
            before = q.note_text_row(col.db, note_id)
            with transaction(col.db):
                q.update_note_fields(col.db, note_id, encoded,
                                     checksum(kind.value, encoded, row["tags"].split(),
                                              row["source"]), ms(now), *note_texts(kind, clean))
            col.undo.push(EditUndo(note_id, dict(before or {}), encoded))
        return Changes(note_text=True)

    def change_tags(self, note_ids: Sequence[NoteId], *, add: Sequence[str] = (),
                    remove: Sequence[str] = ()) -> Changes:
        """Add and remove tags on notes. Tags follow the one tag rule of every
        import (``flashdesk.formats.tags``: normalised, at most 200
        characters). Raises ``FlashdeskError`` for a tag with spaces, commas
        or semicolons, or one too long."""
        from ..formats.tags import normalise_tag, tag_problem

        add = [normalise_tag(t) for t in add]
        for tag in add:
            problem = tag_problem(tag)
            if problem:
                raise FlashdeskError(problem)
        col = self._col
        changed = []
        with col._lock, transaction(col.db):
            for row in q.notes_rows(col.db, note_ids):
                tags = tags_text([t for t in row["tags"].split() if t not in remove] + list(add))
                if tags != row["tags"]:
                    q.set_note_tags(col.db, row["id"], tags)
                    changed.append((row["id"], row["tags"], tags))
        if changed:
            col.undo.push(TagsUndo(tuple(changed),
                                   "Add Tag" if add and not remove else
                                   "Remove Tag" if remove and not add else "Change Tags"))
        return Changes(tags=True, notes=True) if changed else Changes()

    def move_cards(self, card_ids: Sequence[CardId], deck_id: DeckId) -> Changes:
        """Put cards in another deck (their notes keep their ids, so a later
        import of their deck file still finds them)."""
        col = self._col
        with col._lock:
            if q.get_deck(col.db, deck_id) is None:
                raise FlashdeskError(f"no deck with id '{deck_id}'")
            before = [(r["id"], r["deck_id"]) for r in q.card_states(col.db, card_ids)
                      if r["deck_id"] != deck_id]
            with transaction(col.db):
                q.move_cards(col.db, [cid for cid, _ in before], deck_id)
            if before:
                col.undo.push(MoveUndo(tuple(before), deck_id))
            col.study.invalidate()
        return Changes(cards=True, decks=True, study_queues=True)

    def reset_cards(self, card_ids: Sequence[CardId], now: "datetime") -> Changes:
        """Make cards new again. Their history stays; a 'reset' entry in the
        log records the moment, so a rebuild from the log agrees."""
        col = self._col
        with col._lock:
            rows = q.card_states(col.db, card_ids)
            with transaction(col.db):
                log_ids = col.journal.resets(rows, ms(now), col.today(now))
                q.reset_cards(col.db, [r["id"] for r in rows], q.next_new_pos(col.db))
            col.undo.push(ResetUndo(tuple(rows), tuple(log_ids), col.journal.seq))
            col.study.invalidate()
        return Changes(cards=True, study_queues=True)

    def delete(self, note_ids: Sequence[NoteId], now: "datetime") -> Changes:
        """Delete notes and their cards (the log keeps their history, and
        records the deletion). Undoable."""
        col = self._col
        with col._lock:
            notes = q.notes_rows(col.db, note_ids)
            cards = q.cards_of_notes(col.db, note_ids)
            with transaction(col.db):
                log_ids = col.journal.resets(cards, ms(now), col.today(now))
                q.delete_notes(col.db, [n["id"] for n in notes])
            if notes:
                col.undo.push(DeleteUndo(DeletedNotes(tuple(notes), tuple(cards),
                                                      tuple(log_ids))))
            col.study.invalidate()
        return Changes(notes=True, cards=True, study_queues=True, tags=True)

    def undelete(self, deleted: DeletedNotes, now: "datetime") -> Changes:
        """Put deleted notes back, with their cards' progress. Raises
        ``FlashdeskError`` when some of them exist again (imported since)."""
        col = self._col
        with col._lock:
            identities = q.notes_by_identity(col.db, [n["identity"] for n in deleted.notes
                                                      if n.get("identity")])
            taken = [n["id"] for n in deleted.notes if q.get_note(col.db, n["id"]) is not None
                     or n.get("identity") in identities]
            if taken:
                raise FlashdeskError(f"{len(taken)} of these notes exist again (imported since); "
                                     "they cannot be brought back")
            with transaction(col.db):
                q.restore_rows(col.db, "notes", list(deleted.notes))
                q.restore_rows(col.db, "cards", list(deleted.cards))
                col.journal.undos(deleted.log_ids, [c["id"] for c in deleted.cards], ms(now),
                                  col.today(now))
            col.study.invalidate()
        return Changes(notes=True, cards=True, study_queues=True, tags=True)


def without_leech(tags: str) -> tuple[str, ...]:
    """A note's tags for export: the collection's own leech tag left out."""
    return tuple(t for t in tags.split() if t != LEECH_TAG)
