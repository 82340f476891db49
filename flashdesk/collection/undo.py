"""One undo stack for every action that changes study data: answers, bury,
suspend and unsuspend, reset, move, tags, notes added, edited and deleted,
and decks created, renamed, moved and deleted.

Each entry is named ("Suspend") and takes back exactly what its action did,
and only where nobody changed it since: an answer is undone only if the log
holds no later answer to the card (from any process); a suspend only for
cards still suspended; a tag change only for notes whose tags are still what
it left; and so on. The stack lives as long as the collection is open (the
window's lifetime); a new study day clears it.

This module holds the stack and the entries of study actions (answers,
queue changes, groups); the entries of note actions are in ``undo_notes``,
those of deck actions in ``undo_decks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Sequence

from ..model import CardId, CardSchedule, Changes, FlashdeskError, LogKind, NoteId, Queue, UndoResult
from ..store import queries as q, transaction
from .journal import ms
from .note_values import LEECH_TAG, tags_text

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["UndoStack", "UndoRefused", "UndoEntry", "AnswerUndo", "QueueUndo", "GroupUndo",
           "LEECH_TAG"]

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
                q.set_note_tags(db, self.note_id, tags_text(
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
