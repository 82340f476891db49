"""Notes and their cards outside study: finding them (the browser), editing
a note's text, tags, moving cards, resetting progress, deleting.

Every change here goes on the undo stack and returns its ``Changes``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, overload

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

__all__ = ["NoteManager", "DeletedNotes", "CardIdList", "fields_json", "checksum", "tags_text"]

_FIELDS_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
_quoted = json.encoder.encode_basestring


def fields_json(fields: dict) -> str:
    """A note's fields as stored: JSON with sorted keys (fields of text only
    are written directly, as the encoder would write them)."""
    try:
        return "{" + ", ".join(f"{_quoted(k)}: {_quoted(fields[k])}"
                               for k in sorted(fields)) + "}"
    except TypeError:  # lists, numbers, true
        return _FIELDS_ENCODER.encode(fields)


def checksum(kind: str, fields: str, tags: Sequence[str], source: str) -> int:
    """What a re-import compares to learn whether a note changed: the first
    64 bits of the SHA-1 of the note, as a signed integer."""
    blob = "\x1f".join([kind, fields, " ".join(tags), source])
    return int.from_bytes(hashlib.sha1(blob.encode("utf-8")).digest()[:8], "big", signed=True)


def tags_text(tags: Iterable[str]) -> str:
    """Tags as stored: space-separated, each once, in order."""
    return " ".join(dict.fromkeys(t for t in tags if t))


class CardIdList(Sequence[CardId]):
    """The cards a browse found, in order. It holds their row ids and reads
    their text ids in blocks as they are asked for: a query over 100,000
    cards hands back numbers only, and a window reads the ids of what it
    shows. A card's row id always names the same card (``card_ids`` is never
    pruned), so the list can be read at any time."""

    #: text ids read at a time
    BLOCK = 500

    def __init__(self, rowids: list[int], texts: Callable[[Sequence[int]], list[str]],
                 rowids_of: Callable[[Sequence[str]], dict[str, int]]):
        self._rowids = rowids
        self._texts = texts
        self._rowids_of = rowids_of
        self._blocks: dict[int, list[str]] = {}
        self._at: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self._rowids)

    def _read(self, first: int, last: int) -> None:
        """Read blocks ``first``..``last`` (inclusive) not read yet, in one go."""
        missing = [b for b in range(first, last + 1) if b not in self._blocks]
        if not missing:
            return
        size = self.BLOCK
        wanted = [r for b in missing for r in self._rowids[b * size:(b + 1) * size]]
        texts = self._texts(wanted)
        at = 0
        for b in missing:
            count = len(self._rowids[b * size:(b + 1) * size])
            self._blocks[b] = texts[at:at + count]
            at += count

    @overload
    def __getitem__(self, index: int) -> CardId: ...

    @overload
    def __getitem__(self, index: slice) -> list[CardId]: ...

    def __getitem__(self, index: int | slice) -> CardId | list[CardId]:
        if isinstance(index, slice):
            wanted = range(*index.indices(len(self)))
            if not wanted:
                return []
            self._read(min(wanted) // self.BLOCK, max(wanted) // self.BLOCK)
            return [self[i] for i in wanted]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("card list index out of range")
        block = index // self.BLOCK
        if block not in self._blocks:
            self._read(block, block)
        return CardId(self._blocks[block][index % self.BLOCK])

    def __iter__(self) -> Iterator[CardId]:
        return iter(self[:])

    def positions(self, card_ids: Iterable[str]) -> dict[CardId, int]:
        """Where these cards are in the list (those that are in it)."""
        if self._at is None:
            self._at = {rowid: i for i, rowid in enumerate(self._rowids)}
        at = self._at
        return {CardId(c): at[r] for c, r in self._rowids_of(list(card_ids)).items() if r in at}

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        found = self.positions([value]).get(value)
        if found is None or found < start or (stop is not None and found >= stop):
            raise ValueError(f"{value!r} is not in the list")
        return found

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and value in self.positions([value])

    @property
    def rowids(self) -> list[int]:
        """The cards' row ids, in order."""
        return self._rowids

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CardIdList):
            return self._rowids == other._rowids
        if isinstance(other, (list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CardIdList({list(self[:20])!r}{', …' if len(self) > 20 else ''})"


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

    def browse(self, query: BrowseQuery, now: "datetime") -> CardIdList:
        """The ids of the cards matching ``query``, in its order (a sequence
        that reads the ids as they are asked for)."""
        col = self._col
        with col._lock:
            deck_ids = None if query.deck_id is None else col.decks.subtree(query.deck_id)
            rowids = q.browse_ids(
                col.db, text=query.text, deck_ids=deck_ids, tag=query.tag,
                state=CardFilter(query.state).value, today=col.today(now),
                sort=SortKey(query.sort).value, descending=query.descending)
        return CardIdList(rowids, self._card_texts, self._card_rowids)

    def _card_texts(self, rowids: Sequence[int]) -> list[str]:
        with self._col._lock:
            return q.card_texts(self._col.db, rowids)

    def _card_rowids(self, card_ids: Sequence[str]) -> dict[str, int]:
        with self._col._lock:
            return q.card_rowids(self._col.db, card_ids)

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
        """Add and remove tags on notes. Raises ``FlashdeskError`` for a tag
        with spaces, commas or semicolons."""
        bad = [t for t in add if not t or any(ch.isspace() or ch in ",;" for ch in t)]
        if bad:
            raise FlashdeskError(f"a tag is one word without spaces, commas or semicolons: {bad[0]!r}")
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
            taken = [n["id"] for n in deleted.notes if q.get_note(col.db, n["id"]) is not None]
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
