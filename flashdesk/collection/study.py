"""Study sessions: the next step (card, counts, previews), answers, bury,
suspend. One session at a time; the window and the terminal both drive it
through ``flashdesk.review.ReviewSession``.

The answer path reads the card and writes it with its log entry in one
transaction, then reads the next card: no statistics, no counts from SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Sequence

from ..exam import LAST_NEW_DAYS, pulled_due
from ..model import (
    TYPE_NEW, Answered, AnswerResult, CardId, CardSchedule, CardView, Changes, CustomKind,
    CustomStudy, DeckId, FlashdeskError, Grade, Kind, LogKind, NoteId, Queue, StudyStep,
)
from ..store import queries as q, transaction
from ..scheduler.sm2 import REDRILL_BELOW
from ..study import (
    EXTRA_NEW_MAX, LEECH_LAPSES, REDRILL_GAP, SessionQueue, apply_answer, parent_names, previews,
)
from .journal import ms
from .undo import LEECH_TAG, AnswerUndo, QueueUndo

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["StudyManager"]


@dataclass
class _Session:
    deck_id: DeckId | None
    day: int
    queue: SessionQueue
    #: the decks the session covers
    decks: frozenset[str]
    #: custom study (None: today's due and new cards)
    custom: CustomStudy | None = None
    #: deck id → its exam's study day (own or inherited)
    exams: dict[str, int] = field(default_factory=dict)
    #: the decks whose notes' other cards wait once one is answered
    bury: frozenset[str] = frozenset()
    #: the daily limits left cards out (a card leaving early makes room for another)
    capped: bool = False
    #: something changed what today's study holds: rebuild before the next step
    stale: bool = False

    @property
    def drill(self) -> bool:
        return self.custom is not None and self.custom.drill


def card_view(row: dict, today: int) -> CardView:
    """A card row (``queries.get_card``) as a ``CardView`` on study day ``today``."""
    schedule = CardSchedule.from_dict(row)
    return CardView(
        id=CardId(row["id"]), note_id=NoteId(row["note_id"]), deck_id=DeckId(row["deck_id"]),
        deck_name=row["deck_name"], kind=Kind(row["kind"]), ord=row["ord"],
        fields=json.loads(row["fields"]), tags=tuple(row["tags"].split()),
        source=row["source"], schedule=schedule,
        redrill=schedule.type != TYPE_NEW and schedule.last_day == today)


class StudyManager:
    """``col.study``: today's study session and what the learner does in it."""

    def __init__(self, col: "Collection"):
        self._col = col
        self._session: _Session | None = None

    # -- the session -----------------------------------------------------------

    def invalidate(self) -> None:
        """Something changed what today's study holds: the session is rebuilt
        from the file on its next step (cards answered stay answered)."""
        if self._session is not None:
            self._session.stale = True

    def day_changed(self, today: int) -> None:
        """A new study day began: a session of an earlier day is over, and so
        is the undo history of the day before."""
        if self._session is not None and self._session.day != today:
            self._session = None
            self._col.undo.clear()

    def end_session(self) -> None:
        """Leave the deck: the next step starts a fresh session."""
        with self._col._lock:
            self._session = None

    def _build(self, deck_id: DeckId | None, today: int,
                custom: CustomStudy | None = None) -> _Session:
        col = self._col
        decks = col.decks.rows()
        subtree = col.decks.subtree(deck_id, decks)
        exams = col.decks.exam_days(decks)
        bury = frozenset(d for d, row in decks.items() if row["bury_siblings"])
        if custom is not None and custom.kind != CustomKind.EXTRA_NEW:
            ids = self._custom_ids(custom, subtree, today)
            learning = [] if custom.drill else \
                [(seq, CardId(c)) for seq, c in q.learning_card_ids(col.db, subtree)]
            return _Session(deck_id, today, SessionQueue([CardId(c) for c in ids], [], learning),
                            frozenset(subtree), custom, exams, bury)
        limits = col.decks.limits(decks, today)
        by_name = {row["name"]: d for d, row in decks.items()}
        root_names = set(parent_names(decks[deck_id]["name"])) if deck_id else set()

        def take(kind: str, fetch) -> list:
            left = {d: (lim.new_left if kind == "new" else lim.review_left)
                    for d, lim in limits.items()}
            picked: list = []
            for d in sorted(subtree, key=lambda d: decks[d]["name"].casefold()):
                # ancestors above the studied deck do not cap it
                chain = [by_name[n] for n in parent_names(decks[d]["name"])
                         if n in by_name and n not in root_names] + [d]
                room = min(left[c] for c in chain)
                if room <= 0:
                    continue
                got = fetch(d, room)
                for c in chain:
                    left[c] -= len(got)
                picked.extend(got)
            return picked

        reviews = take("review", lambda d, n: q.due_card_ids(col.db, d, today, n))
        reviews.sort()
        new = take("new", lambda d, n: q.new_card_ids(col.db, d, n))
        learning = [(seq, CardId(c)) for seq, c in q.learning_card_ids(col.db, subtree)]
        # were today's limits the reason cards were left out? then a card leaving the
        # session early (a buried sibling) is replaced from the file
        counts = q.deck_counts(col.db, today)  # (new, learning, due, all) per deck
        capped = (sum(counts[d][0] for d in subtree if d in counts) > len(new)
                  or sum(counts[d][2] for d in subtree if d in counts) > len(reviews))
        return _Session(deck_id, today, SessionQueue([CardId(cid) for _, cid in reviews],
                                                     [CardId(c) for c in new], learning),
                        frozenset(subtree), custom, exams, bury, capped=capped)

    def _custom_ids(self, custom: CustomStudy, subtree: list[str], today: int) -> list[str]:
        db = self._col.db
        if custom.kind == CustomKind.AHEAD:
            return q.due_ahead_ids(db, subtree, today, today + max(1, custom.days))
        if custom.kind == CustomKind.FORGOTTEN:
            return q.forgotten_ids(db, subtree, today - max(1, custom.days) + 1)
        if custom.kind == CustomKind.LEECHES:
            return q.drill_ids(db, subtree, LEECH_TAG)
        return q.drill_ids(db, subtree, custom.tag)  # TAG, CRAM

    def _session_for(self, deck_id: DeckId | None, today: int,
                     custom: CustomStudy | None = None) -> _Session:
        s = self._session
        if s is None or s.deck_id != deck_id or s.custom != custom or s.day != today or s.stale:
            same = s is not None and s.deck_id == deck_id and s.custom == custom
            front = s.queue.front if same and s is not None else []
            if same and s is not None and s.drill and s.day == today:
                s.stale = False  # a drill's cards are chosen once; answers do not change them
                return s
            self._session = s = self._build(deck_id, today, custom)
            for card, queue in front:
                s.queue.put_back(card, queue)
        return s

    def outside_session(self, card_id: CardId) -> str | None:
        """During a session, the name of the deck of ``card_id`` when it lies
        outside the session's decks; None otherwise (or with no session)."""
        s = self._session
        if s is None:
            return None
        row = q.get_card(self._col.db, card_id)
        if row is None or row["deck_id"] in s.decks:
            return None
        return row["deck_name"]

    def put_back(self, card_id: CardId, queue: Queue, deck_id: str | None) -> None:
        """After an undo: the session (if it covers the card) shows it next."""
        s = self._session
        if s is None or (deck_id is not None and deck_id not in s.decks):
            return
        self.invalidate()
        self._session.queue.put_back(card_id, queue)  # type: ignore[union-attr]

    # -- steps -----------------------------------------------------------------

    def step(self, deck_id: DeckId | None, now: "datetime",
             custom: CustomStudy | None = None) -> StudyStep | None:
        """The card to show next when studying ``deck_id`` (None: every deck),
        with what is left in the session and each grade's interval; None when
        nothing is left today. ``custom`` studies something other than today's
        due and new cards (see ``CustomStudy``). Raises ``FlashdeskError`` for
        an unknown deck."""
        col = self._col
        with col._lock:
            today = col.today(now)
            session = self._session_for(deck_id, today, custom)
            ahead = custom is not None and (custom.drill or custom.kind == CustomKind.AHEAD)
            while (cid := session.queue.peek(col.journal.seq)) is not None:
                row = q.get_card(col.db, cid)
                if row is not None and (row["queue"] >= 0 or session.drill and row["queue"] == -2) \
                        and row["queue"] != -1 and (
                        ahead or row["queue"] != Queue.REVIEW or (row["due"] or 0) <= today):
                    view = card_view(row, today)
                    return StudyStep(deck_id, view, session.queue.counts(),
                                     previews(view.schedule, today), today)
                session.queue.discard(cid)  # suspended, buried or deleted meanwhile
            return None

    def next_card(self, deck_id: DeckId | None, now: "datetime") -> CardView | None:
        """Just the card of the next step (tools and tests)."""
        step = self.step(deck_id, now)
        return step.card if step is not None else None

    def card(self, card_id: CardId, now: "datetime") -> CardView:
        """One card as it is now; raises ``FlashdeskError`` if there is none."""
        with self._col._lock:
            today = self._col.today(now)  # a new day first: it unburies and ends re-drills
            row = q.get_card(self._col.db, card_id)
        if row is None:
            raise FlashdeskError(f"no card with id '{card_id}'")
        return card_view(row, today)

    def answer(self, card_id: CardId, grade: Grade, now: "datetime", *,
               time_ms: int = 0) -> Answered:
        """Record an answer of ``grade`` to ``card_id`` given at ``now`` after
        ``time_ms`` milliseconds; committed (durably) before returning, then
        the session's next step. Only the day's first answer runs SM-2; a card
        that lapses ``LEECH_LAPSES`` times is tagged ``leech``; the note's
        other cards wait for the next day (unless the deck says otherwise); a
        due day after the deck's exam is brought forward (``flashdesk.exam``).
        In a drill (custom study, cram) the answer is logged and nothing else
        changes.

        Raises ``FlashdeskError`` for an unknown, suspended or buried card and
        ``ValueError`` for a grade outside 0–5.
        """
        grade = Grade(grade)
        col = self._col
        session = self._session
        if session is not None and session.drill:
            return self._drill_answer(session, card_id, grade, now, time_ms)
        with col._lock:
            today = col.today(now)
            with transaction(col.db, immediate=True):
                row = q.answer_card(col.db, card_id)
                if row is None:
                    raise FlashdeskError(f"no card with id '{card_id}'")
                if row["queue"] < 0:
                    raise FlashdeskError("this card is suspended or buried")
                before = CardSchedule.from_dict(row)
                outcome = apply_answer(before, grade, today, col.journal.seq + 1)
                after = outcome.after
                tags = row["tags"].split()
                leech = outcome.lapse and after.lapses >= LEECH_LAPSES and LEECH_TAG not in tags
                exams, bury = (session.exams, session.bury) if session is not None else \
                    self._deck_rules()
                exam = exams.get(row["deck_id"])
                pulled = pulled_due(card_id, after.due, today, exam) \
                    if exam is not None and not outcome.redrill else None
                log_id = col.journal.append(
                    card_id, LogKind.REDRILL if outcome.redrill else LogKind.REVIEW, ms(now),
                    today, quality=int(grade), was_new=outcome.was_new, time_ms=time_ms,
                    before=before, after=after, card_row=row)
                q.set_schedule(col.db, card_id, replace(after, due=pulled) if pulled else after,
                               answers=1, rowid=row["cid"], last_seq=col.journal.seq, was=before)
                moved = (col.journal.append(card_id, LogKind.RESCHEDULE, ms(now), today,
                                            before=after, after=replace(after, due=pulled)),
                         ) if pulled else ()
                if leech:
                    q.set_note_tags(col.db, row["note_id"], " ".join([*tags, LEECH_TAG]))
                buried: list[str] = []
                # from the plan's last day for new cards to the exam every card
                # must be seen: nothing waits (a new card held back day after
                # day by a failed sibling comes in then, and is reviewed twice)
                last_chance = exam is not None and today >= exam - LAST_NEW_DAYS
                if row["siblings"] > 1 and row["deck_id"] in bury and not outcome.redrill \
                        and not last_chance:
                    buried = q.bury_siblings(col.db, card_id, row["note_id"], today)
            col._answered_on(today)
            col.undo.push(AnswerUndo(card_id, NoteId(row["note_id"]), log_id, col.journal.seq,
                                     before, leech, Queue(row["queue"]), tuple(buried), today,
                                     also_undoes=moved))
            if session is not None:
                session.queue.answered(card_id,
                                       after.redrill_seq if outcome.again_today else None)
                held = [c for c in buried if session.queue.holds(CardId(c))]
                for sibling in held:
                    session.queue.discard(CardId(sibling))
                if held and session.capped:
                    session.stale = True  # another card takes the sibling's place
            if pulled:
                after = replace(after, due=pulled)
            result = AnswerResult(
                card_id=card_id, grade=grade, log_id=log_id, before=before.sm2,
                after=after.sm2, again_today=outcome.again_today, redrill=outcome.redrill,
                due_day=after.due if after.due is not None else today, leech=leech)
            step = self.step(session.deck_id, now, session.custom) if session is not None else None
        return Answered(result, step, Changes(cards=True, study_queues=True, tags=leech))

    def _deck_rules(self) -> tuple[dict[str, int], frozenset[str]]:
        decks = self._col.decks.rows()
        return (self._col.decks.exam_days(decks),
                frozenset(d for d, row in decks.items() if row["bury_siblings"]))

    def _drill_answer(self, session: _Session, card_id: CardId, grade: Grade, now: "datetime",
                      time_ms: int) -> Answered:
        """A drill's answer: logged as cram, no schedule changed; below Good
        the card comes back later in the drill."""
        col = self._col
        with col._lock:
            today = col.today(now)
            with transaction(col.db, immediate=True):
                row = q.get_card(col.db, card_id)
                if row is None:
                    raise FlashdeskError(f"no card with id '{card_id}'")
                state = CardSchedule.from_dict(row)
                log_id = col.journal.append(card_id, LogKind.CRAM, ms(now), today,
                                            quality=int(grade), time_ms=time_ms, before=state,
                                            after=state)
            col._answered_on(today)
            col.undo.push(AnswerUndo(card_id, NoteId(row["note_id"]), log_id, col.journal.seq,
                                     state, False, Queue(row["queue"]), (), today, drill=True))
            again = grade < REDRILL_BELOW
            session.queue.answered(card_id, col.journal.seq + REDRILL_GAP if again else None)
            result = AnswerResult(card_id=card_id, grade=grade, log_id=log_id,
                                  before=state.sm2, after=state.sm2, again_today=again,
                                  redrill=True, due_day=state.due if state.due is not None
                                  else today)
            step = self.step(session.deck_id, now, session.custom)
        return Answered(result, step, Changes())

    def extra_new(self, deck_id: DeckId, count: int, now: "datetime") -> Changes:
        """Take ``count`` more new cards from ``deck_id`` today (custom study);
        the deck's daily limit is back to normal tomorrow."""
        col = self._col
        if count <= 0:
            raise FlashdeskError("the number of extra new cards must be at least 1")
        if count > EXTRA_NEW_MAX:
            raise FlashdeskError(f"at most {EXTRA_NEW_MAX} extra new cards at a time")
        with col._lock:
            today = col.today(now)
            col.decks.name(deck_id)
            extra = col.setting("extra_new", {})
            decks = extra.get("decks", {}) if extra.get("day") == today else {}
            decks[deck_id] = int(decks.get(deck_id, 0)) + count
            col.set_setting("extra_new", {"day": today, "decks": decks})
            self.invalidate()
        return Changes(decks=True, study_queues=True)

    # -- bury and suspend ------------------------------------------------------

    def _set_queue(self, name: str, card_ids: Sequence[CardId], queue: Queue | None,
                   now: "datetime") -> Changes:
        col = self._col
        with col._lock:
            today = col.today(now)
            with transaction(col.db):
                before = {r["id"]: r for r in q.card_states(col.db, card_ids)}
                if queue is None:
                    q.unsuspend(col.db, card_ids, today)
                else:
                    q.set_queue(col.db, card_ids, queue,
                                today if queue == Queue.BURIED else None)
                after = {r["id"]: r["queue"] for r in q.card_states(col.db, card_ids)}
            moved = tuple((cid, row["queue"], row["buried_day"], after[cid])
                          for cid, row in before.items() if after.get(cid) != row["queue"])
            if moved:
                col.undo.push(QueueUndo(name, moved))
            if self._session is not None:
                for cid in card_ids:
                    self._session.queue.discard(cid)
                self.invalidate()
        return Changes(cards=True, study_queues=True) if moved else Changes()

    def suspend(self, card_ids: Sequence[CardId], now: "datetime") -> Changes:
        """Keep cards out of study until they are unsuspended."""
        return self._set_queue("Suspend", card_ids, Queue.SUSPENDED, now)

    def unsuspend(self, card_ids: Sequence[CardId], now: "datetime") -> Changes:
        """Back to where each card was (a re-drill owed today returns to it)."""
        return self._set_queue("Unsuspend", card_ids, None, now)

    def bury(self, card_ids: Sequence[CardId], now: "datetime") -> Changes:
        """Hide cards until the next study day (suspended cards stay suspended)."""
        return self._set_queue("Bury", card_ids, Queue.BURIED, now)
