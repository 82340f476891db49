"""Today's study: what an answer does to a card's schedule, daily limits over
the deck tree, and the in-session order with SM-2 step 7 re-drills.

Pure logic over plain values; the collection feeds it rows and persists what
it returns.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Iterable, Mapping

from .model import (
    TYPE_NEW, TYPE_REVIEW, CardId, CardSchedule, Grade, IntervalPreview, Queue, SessionCounts,
    SM2State,
)
from .scheduler.sm2 import PASSING, REDRILL_BELOW, review

__all__ = [
    "Outcome", "apply_answer", "previews", "LEECH_LAPSES", "REDRILL_GAP", "DeckLimits",
    "tree_allowance", "SessionQueue", "parent_names", "fold_log", "roll_over",
    "answers_in_log", "SM2_FIELDS", "replay_key", "replay_order", "LIMIT_MAX",
    "CUSTOM_DAYS_MAX", "EXTRA_NEW_MAX",
]

#: a card that lapses this many times is tagged ``leech``
LEECH_LAPSES = 8
#: a re-drilled card comes back after this many other answers (sooner if nothing else is left)
REDRILL_GAP = 3
#: the largest daily limit (new cards or reviews) a deck takes
LIMIT_MAX = 9999
#: the most days custom study looks ahead or back
CUSTOM_DAYS_MAX = 365
#: the most extra new cards one custom study adds
EXTRA_NEW_MAX = 999


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one answer does: the schedule after it, whether it was a same-day re-drill, whether
    the card comes back this session, whether it was a lapse and whether the card was new."""
    after: CardSchedule
    redrill: bool  # a same-day re-drill: SM-2 state untouched
    again_today: bool  # below Good: comes back in this session
    lapse: bool
    was_new: bool


def apply_answer(card: CardSchedule, quality: int, today: int, seq: int) -> Outcome:
    """The schedule after answering ``card`` with ``quality`` (a ``Grade``)
    on study day ``today`` (days since 1970-01-01).

    Only the day's first answer runs SM-2; a later answer the same day (a
    re-drill of a card answered below Good, SM-2 step 7) only decides whether
    it comes back again. ``seq`` numbers this answer among all answers, to
    order re-drills. Raises ``ValueError`` for a quality outside 0–5.
    """
    again = quality < REDRILL_BELOW
    # answered already today (a re-drill, or a second answer from a stale screen)
    redrill = card.type == TYPE_REVIEW and card.last_day == today
    state = review(card.sm2, quality)  # for a re-drill: the same check of the quality
    queue = Queue.LEARNING if again else Queue.REVIEW
    redrill_seq = seq + REDRILL_GAP if again else 0
    if redrill:
        return Outcome(replace(card, queue=queue, redrill_seq=redrill_seq, buried_day=None),
                       True, again, False, False)
    # a lapse forgets what was once recalled: failing a card never yet recalled
    # (no repetition and no lapse so far) is not one
    lapse = card.type == TYPE_REVIEW and (card.reps > 0 or card.lapses > 0) and quality < PASSING
    after = CardSchedule(type=TYPE_REVIEW, queue=queue, reps=state.repetitions,
                         ease=round(state.ease * 100), interval=state.interval,
                         due=today + state.interval, lapses=card.lapses + lapse,
                         last_day=today, buried_day=None, redrill_seq=redrill_seq)
    return Outcome(after, False, again, lapse, card.type == TYPE_NEW)


def previews(card: CardSchedule, today: int) -> dict[Grade, IntervalPreview]:
    """What answering ``card`` with each grade on ``today`` would do: the days
    until it is due again, and whether it comes back in this session (the
    same rules as ``apply_answer``, without building the new schedule)."""
    if card.type == TYPE_REVIEW and card.last_day == today:  # a re-drill: the due day stays
        days = (card.due if card.due is not None else today) - today
        return {g: IntervalPreview(days, g < REDRILL_BELOW) for g in Grade}
    return dict(_previews_of(card.sm2))


@lru_cache(maxsize=4096)
def _previews_of(state: SM2State) -> tuple[tuple[Grade, IntervalPreview], ...]:
    """Each grade's preview from ``state`` (SM-2 is a pure function of it:
    many cards share a state, so each is worked out once)."""
    return tuple((g, IntervalPreview(review(state, g).interval, g < REDRILL_BELOW)) for g in Grade)


def roll_over(card: CardSchedule, today: int) -> CardSchedule:
    """A card as a new study day finds it: yesterday's re-drills are over."""
    if card.queue == Queue.LEARNING and (card.last_day or 0) < today:
        return replace(card, queue=Queue.REVIEW, redrill_seq=0)
    return card


#: the fields the review log determines (suspend and bury are not logged)
SM2_FIELDS = ("type", "reps", "ease", "interval", "due", "lapses", "last_day")


def _imported(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The schedule an 'imported' entry recorded (its ``after``, JSON text)."""
    after = entry.get("after")
    return json.loads(after) if isinstance(after, str) else dict(after or {})


def answers_in_log(entries: Iterable[Mapping[str, Any]]) -> int:
    """How many answers a card's log holds since it last started from new
    (a reset or a deletion), leaving out undone ones. An 'imported' entry
    sets the count to the answers it brought (Anki's count of reviews)."""
    entries = list(entries)
    undone = {e["undoes"] for e in entries if e["kind"] == "undo"}
    count = 0
    for e in entries:
        if e["id"] in undone:
            continue
        if e["kind"] == "reset":
            count = 0
        elif e["kind"] == "imported":
            count = int(_imported(e).get("answers", 0))
        elif e["kind"] in ("review", "redrill"):
            count += 1
    return count


#: at the same millisecond: a day's first answer before its re-drills (a log
#: written before entries took strictly increasing times has them at one
#: millisecond, in this order), an answer before the exam plan's move it
#: caused, a reset after them, an undo last (an undo takes back its entry
#: wherever it is)
_KIND_RANK = {"review": 0, "redrill": 1, "cram": 1, "reschedule": 2, "reset": 3, "undo": 4}


def replay_key(entry: Mapping[str, Any]) -> tuple[str, int, str]:
    """Where a log entry stands in the one order every device replays: by
    its time, the millisecond its id carries (ids are UUIDv7, whose first 48
    bits are the time and whose text sorts as its number), then by kind at the
    same millisecond (``_KIND_RANK``), then by the whole id. A device writes
    its own entries at strictly increasing times, later than any entry it
    has seen (``collection.journal``), so on one device this is the order the
    entries were written."""
    entry_id = str(entry["id"])
    return entry_id[:13], _KIND_RANK.get(str(entry["kind"]), 0), entry_id


def replay_order(entries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``entries`` sorted by ``replay_key``: the order in which the union of
    several devices' logs is replayed, whatever order they arrived in."""
    return sorted(entries, key=replay_key)


def fold_log(entries: Iterable[Mapping[str, Any]], today: int) -> CardSchedule:
    """A card's schedule rebuilt from its review log (``seq``, ``id``, ``kind``,
    ``quality``, ``day``, ``undoes`` per entry, ``due`` for a reschedule and
    ``after`` for 'imported' ones, in order): every answer that was not undone,
    replayed through SM-2 exactly as it was first applied. A 'reset' starts
    the card again from new; an 'imported' entry puts the card in the schedule
    it recorded (the progress carried over from Anki), and later answers build
    on it; drills (cram) change nothing; a reschedule by an exam plan moves
    only the due day."""
    entries = list(entries)
    undone = {e["undoes"] for e in entries if e["kind"] == "undo"}
    card = CardSchedule()
    for e in entries:
        kind = e["kind"]
        if kind in ("undo", "cram") or e["id"] in undone:
            continue
        if kind == "reset":  # progress reset from the browser: new again
            card = CardSchedule()
        elif kind == "imported":
            card = CardSchedule.from_dict(_imported(e))
        elif kind == "reschedule":
            card = replace(card, due=e["due"])
        else:
            card = apply_answer(roll_over(card, e["day"]), e["quality"], e["day"],
                                e["seq"]).after
    return roll_over(card, today)


def parent_names(name: str) -> list[str]:
    """``A::B::C`` → ``['A', 'A::B']``."""
    parts = name.split("::")
    return ["::".join(parts[:i]) for i in range(1, len(parts))]


@dataclass(frozen=True)
class DeckLimits:
    """A deck's daily limits and what it has done today (cards)."""
    name: str
    new_limit: int
    review_limit: int
    new_done: int = 0
    review_done: int = 0

    @property
    def new_left(self) -> int:
        """New cards the deck may still show today."""
        return max(0, self.new_limit - self.new_done)

    @property
    def review_left(self) -> int:
        """Reviews the deck may still show today."""
        return max(0, self.review_limit - self.review_done)


def tree_allowance(decks: dict[str, DeckLimits], own: dict[str, int], kind: str) -> dict[str, int]:
    """How many cards of ``kind`` ('new' or 'review') each deck can show today.

    ``own`` counts the eligible cards sitting directly in each deck. A deck's
    figure is its own cards plus its children's figures, capped by what is left
    of its own daily limit (limits done today count the whole subtree).
    """
    children: dict[str, list[str]] = {name: [] for name in (d.name for d in decks.values())}
    by_name = {d.name: deck_id for deck_id, d in decks.items()}
    for d in decks.values():
        parents = parent_names(d.name)
        if parents and parents[-1] in children:
            children[parents[-1]].append(d.name)
    result: dict[str, int] = {}

    def visit(name: str) -> int:
        deck_id = by_name[name]
        limits = decks[deck_id]
        left = limits.new_left if kind == "new" else limits.review_left
        total = own.get(deck_id, 0) + sum(visit(child) for child in children[name])
        result[deck_id] = min(total, left)
        return result[deck_id]

    for d in decks.values():
        if not parent_names(d.name) or parent_names(d.name)[-1] not in children:
            visit(d.name)
    return result


class SessionQueue:
    """One study session's order: re-drills when their turn comes, then due
    reviews, then new cards, then any re-drills still waiting."""

    def __init__(self, reviews: Iterable[CardId], new: Iterable[CardId],
                 learning: Iterable[tuple[int, CardId]] = ()):
        self.reviews: deque[CardId] = deque(reviews)
        self.new: deque[CardId] = deque(new)
        self.learning: list[tuple[int, CardId]] = sorted(learning)
        self.front: list[tuple[CardId, Queue]] = []
        #: the cards still in ``reviews`` and ``new``: taking one out looks here first
        self._waiting: set[CardId] = set(self.reviews) | set(self.new)

    def peek(self, seq: int) -> CardId | None:
        """The next card when ``seq`` answers have been given so far."""
        if self.front:
            return self.front[-1][0]
        if self.learning and self.learning[0][0] <= seq:
            return self.learning[0][1]
        if self.reviews:
            return self.reviews[0]
        if self.new:
            return self.new[0]
        if self.learning:
            return self.learning[0][1]
        return None

    def discard(self, card: CardId) -> None:
        """Take ``card`` out of the session (answered, suspended, buried, gone)."""
        if self.front:
            self.front = [item for item in self.front if item[0] != card]
        if self.learning:
            if self.learning[0][1] == card:  # the re-drill just shown
                del self.learning[0]
            elif any(c == card for _, c in self.learning):
                self.learning = [item for item in self.learning if item[1] != card]
        if card not in self._waiting:
            return
        self._waiting.discard(card)
        for queue in (self.reviews, self.new):
            if queue and queue[0] == card:  # the card just shown: the usual case
                queue.popleft()
                return
        for queue in (self.reviews, self.new):
            try:
                queue.remove(card)
                return
            except ValueError:
                pass

    def holds(self, card: CardId) -> bool:
        """Whether ``card`` is still to show in this session."""
        return (card in self.reviews or card in self.new
                or any(c == card for _, c in self.learning)
                or any(c == card for c, _ in self.front))

    def answered(self, card: CardId, again_at: int | None) -> None:
        """Take an answered card out of the session; with again_at (a log sequence number) it
        comes back once that many answers have been given."""
        self.discard(card)
        if again_at is not None:
            self.learning.append((again_at, card))
            self.learning.sort()

    def put_back(self, card: CardId, queue: Queue) -> None:
        """After an undo: show ``card`` (which was in ``queue``) next."""
        self.discard(card)
        self.front.append((card, queue))

    def counts(self) -> SessionCounts:
        """What is still to show in this session."""
        front = [queue for _, queue in self.front]
        return SessionCounts(len(self.new) + front.count(Queue.NEW),
                             len(self.learning) + front.count(Queue.LEARNING),
                             len(self.reviews) + front.count(Queue.REVIEW))
