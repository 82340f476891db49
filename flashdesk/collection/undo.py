"""One undo stack for every action that changes study data: answers, bury,
suspend and unsuspend, reset, move, tags, notes added, edited and deleted,
and decks created, renamed, moved and deleted.

Each entry is named ("Suspend") and takes back exactly what its action did,
and only where nobody changed it since: an answer is undone only if the log
holds no later answer to the card (from any process); a suspend only for
cards still suspended; a tag change only for notes whose tags are still what
it left; and so on. The stack lives as long as the collection is open (the
window's lifetime); a new study day clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Sequence

from ..model import CardId, CardSchedule, Changes, FlashdeskError, LogKind, NoteId, Queue, UndoResult
from ..store import queries as q, transaction
from .journal import ms

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection
    from .notes import DeletedNotes

__all__ = ["UndoStack", "UndoRefused", "UndoEntry", "AnswerUndo", "QueueUndo", "ResetUndo",
           "MoveUndo", "TagsUndo", "EditUndo", "DeleteUndo", "AddUndo", "GroupUndo",
           "DeckNamesUndo", "DeckDeleteUndo", "LEECH_TAG"]

LEECH_TAG = "leech"
#: entries kept; older ones fall off the bottom
DEPTH = 200


class UndoRefused(FlashdeskError):
    """The newest action cannot be taken back; nothing was changed."""


class UndoEntry(Protocol):
    """An action on the undo stack: its name, and how to take it back."""

    @property
    def name(self) -> str:
        """What the action was, as the menu shows it after "Undo "."""


    def revert(self, col: "Collection", now: "datetime") -> UndoResult: ...


def _tags_text(tags) -> str:
    return " ".join(dict.fromkeys(t for t in tags if t))


@dataclass(frozen=True)
class AnswerUndo:
    """An answer: the card's exact previous schedule comes back, and the
    leech tag if this answer added it."""

    card_id: CardId
    note_id: NoteId
    log_id: str
    seq: int
    before: CardSchedule
    added_leech: bool
    queue_before: Queue
    #: the note's other cards this answer buried, and the day it did
    buried: tuple[str, ...] = ()
    day: int = 0
    #: an answer in a drill: nothing but the log to take back
    drill: bool = False
    #: log entries written with the answer (an exam plan's reschedule)
    also_undoes: tuple[str, ...] = ()
    name: str = "Answer"

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        db = col.db
        if self.drill:
            with transaction(db, immediate=True):
                col.journal.append(self.card_id, LogKind.UNDO, ms(now), col.today(now),
                                   undoes=self.log_id)
            col.study.put_back(self.card_id, self.queue_before, None)
            return UndoResult(self.name, Changes(), self.card_id)
        with transaction(db, immediate=True):
            row = q.get_card(db, self.card_id)
            if row is None:
                raise UndoRefused("the card of that answer has been deleted since")
            if q.changed_after(db, self.card_id, self.seq):
                raise UndoRefused("that card has been answered again or rescheduled since "
                                  "(perhaps in another window or terminal, or by an exam "
                                  "date), so its answer cannot be taken back. Nothing was "
                                  "changed")
            current = CardSchedule.from_dict(row)
            q.set_schedule(db, self.card_id, self.before, answers=-1)
            if self.added_leech:  # other tag changes since the answer stay as they are
                q.set_note_tags(db, self.note_id, _tags_text(
                    t for t in row["tags"].split() if t != LEECH_TAG))
            col.journal.append(self.card_id, LogKind.UNDO, ms(now), col.today(now),
                               before=current, after=self.before, undoes=self.log_id)
            if self.also_undoes:  # the exam plan's move of the due day goes with it
                col.journal.undos(self.also_undoes, [self.card_id] * len(self.also_undoes),
                                  ms(now), col.today(now))
            if self.buried:  # the siblings it buried come back (if still buried by it)
                q.unbury(db, self.buried, self.day)
        col.study.put_back(self.card_id, self.queue_before, row["deck_id"])
        return UndoResult(self.name, Changes(cards=True, study_queues=True,
                                             tags=self.added_leech), self.card_id)


@dataclass(frozen=True)
class QueueUndo:
    """Suspend, unsuspend or bury: each card goes back to the queue it was in,
    unless it has left the queue the action put it in."""

    name: str
    #: (card id, queue before, buried day before, queue after)
    cards: tuple[tuple[str, int, int | None, int], ...]

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        with transaction(col.db):
            q.restore_queue(col.db, [(before, buried, cid, after)
                                     for cid, before, buried, after in self.cards])
        col.study.invalidate()
        shown = CardId(self.cards[0][0]) if len(self.cards) == 1 else None
        if shown is not None and self.cards[0][1] >= 0:
            col.study.put_back(shown, Queue(self.cards[0][1]), None)
        return UndoResult(self.name, Changes(cards=True, study_queues=True), shown)


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
class GroupUndo:
    """Several changes made as one action (a note edit that also moves the
    note's cards): taken back together, or not at all."""

    name: str
    entries: tuple["UndoEntry", ...]

    def revert(self, col: "Collection", now: "datetime") -> UndoResult:
        changes = Changes()
        with transaction(col.db):
            for entry in reversed(self.entries):
                changes |= entry.revert(col, now).changes
        return UndoResult(self.name, changes)


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


class UndoStack:
    """``col.undo``: the actions that can be taken back, newest last."""

    def __init__(self, col: "Collection"):
        self._col = col
        self._entries: list[UndoEntry] = []

    def push(self, entry: UndoEntry) -> None:
        """Add the newest action (the oldest falls off past DEPTH)."""
        self._entries.append(entry)
        del self._entries[:-DEPTH]

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def name(self) -> str | None:
        """The newest action's name ("Suspend"), or None when there is nothing."""
        return self._entries[-1].name if self._entries else None

    def clear(self) -> None:
        """Forget every action (a new study day, a repair)."""
        self._entries.clear()

    def forget_cards(self, card_ids: Sequence[str]) -> None:
        """Drop answers to cards that are gone or started again (their state
        before the answer no longer means anything)."""
        gone = set(card_ids)
        self._entries = [e for e in self._entries
                         if not (isinstance(e, AnswerUndo) and e.card_id in gone)]

    def undo(self, now: "datetime") -> UndoResult:
        """Take back the newest action.

        During a study session, an answer to a card outside the session's deck
        is refused (undo it from the deck list); the entry stays. An entry that
        can never be undone any more (the card was answered again since) is
        dropped with the refusal. Raises ``UndoRefused`` with the reason, or
        ``FlashdeskError`` when there is nothing to undo.
        """
        col = self._col
        col.today(now)  # a new study day ends the undo history first (it clears the stack)
        if not self._entries:
            raise UndoRefused("Nothing to undo.")
        entry = self._entries[-1]
        with col._lock:
            if isinstance(entry, AnswerUndo):
                deck = col.study.outside_session(entry.card_id)
                if deck is not None:
                    raise UndoRefused(f"The last answer was to a card in “{deck}”, outside "
                                      "this session: go back to the decks to undo it.")
            try:
                result = entry.revert(col, now)
            except UndoRefused:
                self._entries.pop()
                raise
            # a state restored from an earlier study day moves on to today, as the
            # day's roll-over moved every other card (the log replays it so too)
            with transaction(col.db):
                q.roll_over(col.db, col.today(now))
        self._entries.pop()
        return result
