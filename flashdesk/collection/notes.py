"""Notes and their cards outside study: finding them (the browser), editing
a note's text, tags, moving cards, resetting progress, deleting.

Every change here goes on the undo stack and returns its ``Changes``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, overload

from ..cards import card_ords
from ..formats.result import ascii_fold
from ..model import (
    TYPE_NEW, BrowseQuery, BrowseRow, CardFilter, CardId, CardInfo, CardSchedule, Changes, DeckId,
    FlashdeskError, Kind, LogKind, LogRecord, NoteData, NoteId, Queue, SortKey,
    card_id as make_card_id, note_id as make_note_id, note_texts,
)
from ..store import queries as q, transaction
from .journal import ms
from .marks import BUNDLED, DELETED_NOTES, EDITED, Marks
from .undo import (
    LEECH_TAG, AddUndo, DeleteUndo, EditUndo, GroupUndo, MoveUndo, ResetUndo, TagsUndo, UndoEntry,
)

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["NoteManager", "DeletedNotes", "CardIdList", "AddedNote", "NoteRejected", "fields_json",
           "checksum", "tags_text"]

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
    64 bits of the SHA-1 of the note, as a signed integer.

    A note keeps the checksum of the version it was last imported (or
    added) as: editing it in flashdesk leaves the checksum alone, so a
    re-import of an unchanged file never undoes the learner's edits."""
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


@dataclass(frozen=True)
class AddedNote:
    """A note added in the window: its id, its cards, what changed."""

    note_id: NoteId
    card_ids: tuple[CardId, ...]
    changes: Changes


class NoteRejected(FlashdeskError):
    """A note breaks the deck file's rules; ``problems`` lists them, one per
    field ("field 'back': required for a basic note")."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems) or ["this note cannot be saved"]
        super().__init__("; ".join(self.problems))


def _plain_key(text: str) -> str:
    """A readable note key from a note's first field ("what-does-heat-mean")."""
    key = ""
    for word in re.findall(r"[a-z0-9]+", ascii_fold(text).lower()):  # "café" → "cafe"
        if key and len(key) + 1 + len(word) > 40:
            break
        key = f"{key}-{word}" if key else word[:40]
    return key or "note"


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

    def tags(self, deck_id: DeckId | None = None) -> list[str]:
        """Every tag in use (with ``deck_id``: on notes with a card in that
        deck or its sub-decks), sorted without regard to case."""
        with self._col._lock:
            if deck_id is None:
                return q.all_tags(self._col.db)
            return q.deck_tags(self._col.db, self._col.decks.subtree(deck_id))

    def history(self, card_id: CardId) -> list[dict]:
        """The card's review-log entries, oldest first."""
        with self._col._lock:
            return q.card_log(self._col.db, card_id)

    def check(self, kind: Kind, fields: dict, tags: Sequence[str] = (),
              source: str = "") -> tuple[NoteData | None, list[str]]:
        """A note of ``kind`` checked by the deck file's rules (the one
        validator, ``formats.deckfile.check_note``): the note, cleaned, and
        the problems found, one per field ("field 'back': …")."""
        from ..formats.deckfile import check_note

        table: dict[str, Any] = {**fields, "id": "note", "kind": Kind(kind).value,
                                 "tags": list(tags)}
        if source:
            table["source"] = source
        return check_note(table)

    def duplicates(self, deck_id: DeckId, kind: Kind, fields: dict) -> list[tuple[NoteId, str]]:
        """Notes of ``deck_id`` whose first field reads as this note's does
        (ignoring case and formatting): (note id, first field), oldest first."""
        first = note_texts(Kind(kind), fields)[0]
        if not first:
            return []
        with self._col._lock:
            return [(NoteId(r["id"]), r["sort_text"])
                    for r in q.same_first_field(self._col.db, deck_id, first)]

    def card_info(self, card_id: CardId, now: "datetime") -> CardInfo:
        """One card's history and where it stands: when its note was added,
        every answer (with the interval and E-Factor before and after it) and
        every reset, in order, leaving out undone entries. Raises
        ``FlashdeskError`` for an unknown card."""
        col = self._col
        with col._lock:
            row = q.get_card(col.db, card_id)
            if row is None:
                raise FlashdeskError(f"no card with id '{card_id}'")
            note = q.get_note(col.db, row["note_id"]) or {}
            log = q.card_log(col.db, card_id)
            today = col.today(now)
        undone = {e["undoes"] for e in log if e["kind"] == LogKind.UNDO}
        history = []
        for e in log:
            if e["kind"] == LogKind.UNDO or e["id"] in undone:
                continue
            before = CardSchedule.from_dict(json.loads(e["before"]) if e["before"] else {})
            after = CardSchedule.from_dict(json.loads(e["after"]) if e["after"] else {})
            history.append(LogRecord(
                ts_ms=e["ts"], day=e["day"], kind=LogKind(e["kind"]), quality=e["quality"],
                interval_before=before.interval, interval_after=after.interval,
                ease_before=before.ease, ease_after=after.ease, time_ms=e["time_ms"] or 0))
        return CardInfo(
            card_id=CardId(row["id"]), note_id=NoteId(row["note_id"]), kind=Kind(row["kind"]),
            ord=row["ord"], deck_name=row["deck_name"], added_ms=note.get("created") or 0,
            schedule=CardSchedule.from_dict(row), history=tuple(history), source=row["source"],
            today=today)

    def edited_bundled(self, note_id: NoteId) -> bool:
        """Whether ``note_id`` is a note of a bundled deck whose text the
        learner edited (its bundled version can be taken back)."""
        with self._col._lock:
            marks = Marks(self._col.db)
            row = q.get_note(self._col.db, note_id)
            return row is not None and row["deck_id"] in marks.get(BUNDLED) \
                and note_id in marks.get(EDITED)

    def card_ids(self, note_id: NoteId) -> list[CardId]:
        """The cards of a note, in card order."""
        with self._col._lock:
            rows = q.cards_of_notes(self._col.db, [note_id])
        return [CardId(r["id"]) for r in sorted(rows, key=lambda r: r["ord"])]

    # -- adding and editing ------------------------------------------------------

    def add(self, deck_id: DeckId, kind: Kind, fields: dict, now: "datetime", *,
            tags: Sequence[str] = (), source: str = "") -> AddedNote:
        """Add a note of ``kind`` to ``deck_id`` with its cards (new, after
        the new cards already waiting). The note must pass the deck file's
        rules; its id is made from its first field and never reused, so an
        export and re-import finds it again. Undoable.

        Raises ``NoteRejected`` listing the problems, or ``FlashdeskError``
        for an unknown deck."""
        kind = Kind(kind)
        col = self._col
        with col._lock:
            if q.get_deck(col.db, deck_id) is None:
                raise FlashdeskError(f"no deck with id '{deck_id}'")
            note, problems = self.check(kind, fields, tags, source)
            if problems or note is None:
                raise NoteRejected(problems)
            sort_text, search_text = note_texts(kind, note.fields)
            base = _plain_key(sort_text)
            key, n = base, 1
            while q.note_id_used(col.db, make_note_id(deck_id, key)):
                n += 1
                key = f"{base}-{n}"
            nid = make_note_id(deck_id, key)
            encoded = fields_json(note.fields)
            with transaction(col.db):
                q.insert_notes(col.db, [{
                    "id": nid, "identity": nid, "deck_id": deck_id, "key": key,
                    "kind": kind.value,
                    "fields": encoded, "tags": tags_text(note.tags), "source": note.source,
                    "now": ms(now), "checksum": checksum(kind.value, encoded, note.tags,
                                                         note.source),
                    "sort_text": sort_text, "search_text": search_text}])
                pos = q.next_new_pos(col.db)
                cards = [(make_card_id(nid, o), nid, deck_id, o, pos + i)
                         for i, o in enumerate(card_ords(kind, note.fields))]
                q.insert_cards(col.db, cards)
            card_ids = tuple(CardId(c[0]) for c in cards)
            col.undo.push(AddUndo(nid, card_ids, col.journal.seq))
            col.study.invalidate()
        return AddedNote(nid, card_ids, Changes(notes=True, cards=True, study_queues=True,
                                                decks=True, tags=bool(note.tags)))

    def update(self, note_id: NoteId, fields: dict, now: "datetime") -> Changes:
        """Change a note's text (see ``edit``)."""
        return self.edit(note_id, now, fields=fields)

    def edit(self, note_id: NoteId, now: "datetime", *, fields: dict | None = None,
             tags: Sequence[str] | None = None, source: str | None = None,
             deck_id: DeckId | None = None) -> Changes:
        """Change a note in place – its fields, tags, source, and the deck of
        its cards (None leaves each as it is) – as one undoable action named
        "Edit Note". Its cards keep their progress. The note must pass the deck
        file's rules for its kind. New cloze numbers (or a reverse card) add
        new cards; an edit may remove a card only if it was never studied.

        Raises ``NoteRejected`` with the problems, or ``FlashdeskError``."""
        col = self._col
        with col._lock:
            row = q.get_note(col.db, note_id)
            if row is None:
                raise FlashdeskError(f"no note with id '{note_id}'")
            entries: list[UndoEntry] = []
            changes = Changes()
            with transaction(col.db):
                edit = self._edit_content(row, fields, tags, source, now)
                if edit is not None:
                    entries.append(edit[0])
                    changes |= edit[1]
                if deck_id is not None:
                    move = self._move(self.card_ids(note_id), deck_id)
                    if move is not None:
                        entries.append(move)
                        changes |= Changes(cards=True, decks=True, study_queues=True)
            if entries:
                col.undo.push(entries[0] if len(entries) == 1 else
                              GroupUndo("Edit Note", tuple(entries)))
            if changes.cards or changes.study_queues:
                col.study.invalidate()
        return changes

    def take_version(self, note_id: NoteId, note: NoteData, digest: int,
                     now: "datetime") -> Changes:
        """Replace a note with a version from its file (``note``, whose
        checksum is ``digest``): the learner chose the file's version over
        their own edit. Undoable."""
        col = self._col
        with col._lock:
            row = q.get_note(col.db, note_id)
            if row is None:
                raise FlashdeskError(f"no note with id '{note_id}'")
            with transaction(col.db):
                edit = self._edit_content(row, note.fields, note.tags, note.source, now,
                                          file_checksum=digest)
            if edit is None:
                return Changes()
            col.undo.push(edit[0])
            if edit[1].cards:
                col.study.invalidate()
        return edit[1]

    def _edit_content(self, row: dict, fields: dict | None, tags: Sequence[str] | None,
                      source: str | None, now: "datetime", *, file_checksum: int | None = None,
                      ) -> tuple[EditUndo, Changes] | None:
        """Write a note's new fields, tags and source inside the caller's
        transaction; the undo entry and what changed (None: nothing did)."""
        col = self._col
        kind = Kind(row["kind"])
        old_fields = json.loads(row["fields"])
        new_tags = row["tags"].split() if tags is None else list(tags)
        new_source = row["source"] if source is None else source
        note, problems = self.check(kind, old_fields if fields is None else fields, new_tags,
                                    new_source)
        if problems or note is None:
            raise NoteRejected(problems)
        encoded = row["fields"] if fields is None else fields_json(note.fields)
        tags_t, source_t = tags_text(note.tags), note.source
        if (encoded, tags_t, source_t) == (row["fields"], row["tags"], row["source"]) \
                and file_checksum in (None, row["checksum"]):
            return None
        text_changed = (encoded, source_t) != (row["fields"], row["source"])
        old_ords = set(card_ords(kind, old_fields))
        new_ords = set(card_ords(kind, note.fields)) if fields is not None else old_ords
        removed = [c for c in q.cards_of_notes(col.db, [row["id"]]) if c["ord"] not in new_ords]
        studied = [c for c in removed if c["type"] != TYPE_NEW]
        if studied:
            what = (f"cloze {studied[0]['ord']}" if kind == Kind.CLOZE else
                    "the reverse card" if kind == Kind.BASIC else f"card {studied[0]['ord']}")
            raise FlashdeskError(f"this edit would remove {what}, which has progress; keep it "
                                 "in the note, or suspend that card instead")
        marks = Marks(col.db)
        was_edited = row["id"] in marks.get(EDITED)
        sort_text, search_text = note_texts(kind, note.fields if fields is not None else old_fields)
        q.set_note_content(col.db, {
            "id": row["id"], "fields": encoded, "tags": tags_t, "source": source_t,
            "checksum": file_checksum if file_checksum is not None else row["checksum"],
            "sort_text": sort_text, "search_text": search_text, "now": ms(now)})
        deck_of_cards = next((c["deck_id"] for c in q.cards_of_notes(col.db, [row["id"]])),
                             row["deck_id"])
        pos = q.next_new_pos(col.db)
        added = [(make_card_id(row["id"], o), row["id"], deck_of_cards, o, pos + i)
                 for i, o in enumerate(sorted(new_ords - old_ords))]
        q.insert_cards(col.db, added)
        q.delete_cards(col.db, [c["id"] for c in removed])
        if file_checksum is not None:
            marks.discard(EDITED, [row["id"]])
        elif text_changed:
            marks.add(EDITED, [row["id"]])
        cards = bool(added or removed)
        entry = EditUndo(NoteId(row["id"]), dict(row), encoded, tags_t,
                         tuple(a[0] for a in added), tuple(removed), col.journal.seq,
                         was_edited)
        return entry, Changes(note_text=True, tags=tags_t != row["tags"], notes=cards,
                              cards=cards, study_queues=cards)

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
            with transaction(col.db):
                entry = self._move(card_ids, deck_id)
            if entry is not None:
                col.undo.push(entry)
            col.study.invalidate()
        return Changes(cards=True, decks=True, study_queues=True)

    def _move(self, card_ids: Sequence[CardId], deck_id: DeckId) -> MoveUndo | None:
        """Move cards inside the caller's transaction; the undo entry (None:
        nothing moved). Raises ``FlashdeskError`` for an unknown deck."""
        db = self._col.db
        if q.get_deck(db, deck_id) is None:
            raise FlashdeskError(f"no deck with id '{deck_id}'")
        before = [(r["id"], r["deck_id"]) for r in q.card_states(db, card_ids)
                  if r["deck_id"] != deck_id]
        q.move_cards(db, [cid for cid, _ in before], deck_id)
        return MoveUndo(tuple(before), deck_id) if before else None

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
            with transaction(col.db):
                deleted = self._delete(note_ids, now)
            if deleted.notes:
                col.undo.push(DeleteUndo(deleted))
            col.study.invalidate()
        return Changes(notes=True, cards=True, study_queues=True, tags=True)

    def _delete(self, note_ids: Sequence[NoteId], now: "datetime") -> DeletedNotes:
        """Delete notes inside the caller's transaction; what to keep for
        undo. Bundled notes are remembered as deleted, so an update of the
        bundled decks does not bring them back."""
        col = self._col
        notes = q.notes_rows(col.db, note_ids) if note_ids else []
        cards = q.cards_of_notes(col.db, note_ids)
        log_ids = col.journal.resets(cards, ms(now), col.today(now))
        q.delete_notes(col.db, [n["id"] for n in notes])
        marks = Marks(col.db)
        bundled = marks.get(BUNDLED)
        marks.add(DELETED_NOTES, [n.get("identity") or n["id"] for n in notes
                                  if n["deck_id"] in bundled])
        return DeletedNotes(tuple(notes), tuple(cards), tuple(log_ids))

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
                Marks(col.db).undelete(DELETED_NOTES, [n.get("identity") or n["id"]
                                                       for n in deleted.notes])
            col.study.invalidate()
        return Changes(notes=True, cards=True, study_queues=True, tags=True)


def without_leech(tags: str) -> tuple[str, ...]:
    """A note's tags for export: the collection's own leech tag left out."""
    return tuple(t for t in tags.split() if t != LEECH_TAG)
