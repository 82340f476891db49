"""Notes and their cards outside study: finding them (the browser), editing
a note's text, tags, moving cards, resetting progress, deleting.

Every change here goes on the undo stack and returns its ``Changes``. The
reading methods live in ``note_reads``, the values and storage helpers in
``note_values`` (both re-exported here).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Sequence

from ..cards import card_ords
from ..model import (
    TYPE_NEW, BrowseQuery, BrowseRow, CardId, CardInfo, Changes, DeckId, FlashdeskError, Kind,
    NoteData, NoteId, card_id as make_card_id, note_id as make_note_id, note_texts,
)
from ..store import queries as q, transaction
from . import note_reads
from .journal import ms
from .marks import AUTHORED, BUNDLED, DELETED_NOTES, EDITED, Marks
from .note_reads import CardIdList
from .note_values import (
    AddedNote, DeletedNotes, NoteRejected, _plain_key, checksum, fields_json, tags_text,
    without_leech,
)
from .undo import GroupUndo, UndoEntry
from .undo_notes import AddUndo, DeleteUndo, EditUndo, MoveUndo, ResetUndo, TagsUndo

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["NoteManager", "DeletedNotes", "CardIdList", "AddedNote", "NoteRejected", "fields_json",
           "checksum", "tags_text", "without_leech"]


class NoteManager:
    """``col.notes``: notes and cards outside study."""

    def __init__(self, col: "Collection"):
        self._col = col

    # -- reading (``note_reads``) ---------------------------------------------------

    def get(self, note_id: NoteId) -> tuple[Kind, dict]:
        """See ``note_reads.get``."""
        return note_reads.get(self._col, note_id)

    def browse(self, query: BrowseQuery, now: "datetime") -> CardIdList:
        """See ``note_reads.browse``."""
        return note_reads.browse(self._col, query, now)

    def rows(self, card_ids: Sequence[CardId]) -> list[BrowseRow]:
        """See ``note_reads.rows``."""
        return note_reads.rows(self._col, card_ids)

    def tags(self, deck_id: DeckId | None = None) -> list[str]:
        """See ``note_reads.tags``."""
        return note_reads.tags(self._col, deck_id)

    def find_tag(self, text: str, deck_id: DeckId | None = None) -> str:
        """See ``note_reads.find_tag``."""
        return note_reads.find_tag(self._col, text, deck_id)

    def history(self, card_id: CardId) -> list[dict]:
        """See ``note_reads.history``."""
        return note_reads.history(self._col, card_id)

    def check(self, kind: Kind, fields: dict, tags: Sequence[str] = (),
              source: str = "") -> tuple[NoteData | None, list[str]]:
        """See ``note_reads.check``."""
        return note_reads.check(kind, fields, tags, source)

    def duplicates(self, deck_id: DeckId, kind: Kind, fields: dict) -> list[tuple[NoteId, str]]:
        """See ``note_reads.duplicates``."""
        return note_reads.duplicates(self._col, deck_id, kind, fields)

    def card_info(self, card_id: CardId, now: "datetime") -> CardInfo:
        """See ``note_reads.card_info``."""
        return note_reads.card_info(self._col, card_id, now)

    def edited_bundled(self, note_id: NoteId) -> bool:
        """See ``note_reads.edited_bundled``."""
        return note_reads.edited_bundled(self._col, note_id)

    def card_ids(self, note_id: NoteId) -> list[CardId]:
        """See ``note_reads.card_ids``."""
        return note_reads.card_ids(self._col, note_id)

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
                Marks(col.db).add(AUTHORED, [nid])  # no file has it: never "missing" from one
            card_ids = tuple(CardId(c[0]) for c in cards)
            col.undo.push(AddUndo(nid, card_ids, col.journal.seq))
            col.study.invalidate()
        return AddedNote(nid, card_ids, Changes(notes=True, cards=True, study_queues=True,
                                                decks=True, tags=bool(note.tags)),
                         first_field=sort_text)

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
