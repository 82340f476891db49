"""What the learner has done and how well it stuck: the counts of
``flashdesk stats``, everything the statistics window charts, the progress
report for a portfolio, and the check of every card against its log.

Nothing here runs on the answer path.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Sequence

from ..model import CardSchedule, Changes, CheckReport, DeckId, FlashdeskError, Queue, Stats
from ..statistics import (
    MATURE_DAYS, Mastery, ProgressReport, Statistics, bucket_intervals, mastery_of,
    weekly_retention,
)
from ..store import queries as q, transaction
from ..study import SM2_FIELDS, answers_in_log, fold_log, replay_order
from .undo import LEECH_TAG

if TYPE_CHECKING:
    from . import Collection

__all__ = ["ReportManager", "FORECAST_DAYS"]

FORECAST_DAYS = 14
#: the study rules the cached card states follow (see ``upgrade_rules``)
STUDY_RULES = 2


class ReportManager:
    """``col.reports``: statistics, the progress report and the log check."""

    def __init__(self, col: "Collection"):
        self._col = col

    def check(self, now: datetime, *, repair: bool = False) -> CheckReport:
        """Verify the file's integrity and that every card's cached schedule is
        SM-2 folded over its review log (in ``replay_order``); with ``repair``, rewrite the cache
        from the log (the result's ``changes`` then says what moved)."""
        with self._col._lock:
            today = self._col.today(now)
            integrity = tuple(q.integrity_check(self._col.db))
            cached = q.all_schedules(self._col.db)
            mismatches: list[tuple[str, tuple[str, ...]]] = []
            fixes: list[dict] = []
            entries = 0
            seen = set()
            for card_id, log in q.log_by_card(self._col.db):
                entries += len(log)
                if card_id not in cached:
                    continue  # a card since removed; its history stays
                seen.add(card_id)
                log = replay_order(log)  # the order every device replays (merged logs)
                self._compare(cached[card_id], fold_log(log, today), answers_in_log(log),
                              mismatches, fixes)
            for card_id in cached.keys() - seen:
                self._compare(cached[card_id], CardSchedule(), 0, mismatches, fixes)
            if repair and fixes:
                with transaction(self._col.db):
                    q.set_sm2_fields(self._col.db, fixes)
                self._col.study.invalidate()
                self._col.undo.clear()
        repaired = len(fixes) if repair else 0
        return CheckReport(integrity, len(cached), entries, tuple(mismatches), repaired,
                           Changes(cards=True, study_queues=True) if repaired else Changes())

    def upgrade_rules(self, now: datetime) -> int:
        """Bring cached card states up to the current study rules once (the
        setting ``study_rules`` records which rules a collection follows).
        Rules 2: failing a card never yet recalled is not a lapse, so lapse
        counts are recounted from the log. Returns how many cards changed."""
        col = self._col
        if col.setting("study_rules", 1) >= STUDY_RULES:
            return 0
        with col._lock:
            today = col.today(now)
            cached = q.all_schedules(col.db)
            fixes = []
            for card_id, log in q.log_by_card(col.db):
                row = cached.get(card_id)
                if row is not None:
                    lapses = fold_log(replay_order(log), today).lapses
                    if row["lapses"] != lapses:
                        fixes.append((lapses, card_id))
            with transaction(col.db):
                q.set_lapses(col.db, fixes)
                q.set_config(col.db, "study_rules", STUDY_RULES)
        return len(fixes)

    @staticmethod
    def _compare(row: dict, rebuilt: CardSchedule, answers: int, mismatches: list,
                 fixes: list) -> None:
        expected = {**rebuilt.to_dict(), "answers": answers}
        fields = [f for f in (*SM2_FIELDS, "answers") if row[f] != expected[f]]
        live_queue = row["queue"] if row["queue"] >= 0 else None
        if live_queue is not None and live_queue != expected["queue"]:
            fields.append("queue")
        if fields:
            mismatches.append((row["id"], tuple(fields)))
            fixes.append({"id": row["id"], **{f: expected[f] for f in SM2_FIELDS},
                          "answers": answers, "queue": expected["queue"],
                          "redrill_seq": expected["redrill_seq"]})

    # -- statistics ------------------------------------------------------------

    def stats(self, now: datetime, deck_id: DeckId | None = None) -> Stats:
        """Cards by queue, answers today, retention over the last 30 days (first
        answers of review cards at Hard or better) and the due forecast for 14
        days (today first), for one deck tree or every deck."""
        with self._col._lock:
            today = self._col.today(now)
            deck_ids = None if deck_id is None else self._col.decks.subtree(deck_id)
            by_queue = q.count_by_queue(self._col.db, deck_ids)
            passed, answered = q.retention(self._col.db, today - 29, today, deck_ids)
            due = q.due_by_day(self._col.db, today + FORECAST_DAYS, deck_ids)
            forecast = [0] * FORECAST_DAYS
            for day, count in due.items():
                forecast[max(0, day - today)] += count
            return Stats(
                new=by_queue.get(Queue.NEW, 0), learning=by_queue.get(Queue.LEARNING, 0),
                review=by_queue.get(Queue.REVIEW, 0), suspended=by_queue.get(Queue.SUSPENDED, 0),
                buried=by_queue.get(Queue.BURIED, 0), total=sum(by_queue.values()),
                reviews_today=q.answers_on(self._col.db, today, deck_ids),
                retention_30d=round(passed / answered, 4) if answered else None,
                forecast=tuple(forecast),
                leeches=q.count_tagged_notes_cards(self._col.db, LEECH_TAG, deck_ids))

    def answers_today(self, now: datetime) -> int:
        """Answers given today in every deck (re-drills included, undone ones not)."""
        with self._col._lock:
            return q.answers_on(self._col.db, self._col.today(now), None)

    def statistics(self, now: datetime, deck_id: DeckId | None = None) -> Statistics:
        """Everything the statistics window charts, for one deck tree or all."""
        with self._col._lock:
            db = self._col.db
            today = self._col.today(now)
            decks = self._col.decks.rows()
            deck_ids = None if deck_id is None else self._col.decks.subtree(deck_id, decks)
            due = q.due_by_day(db, today + 30, deck_ids)
            per_day = q.day_figures(db, today - 89, today, deck_ids)
            cards = q.card_figures(db, MATURE_DAYS)
            intervals = q.learned_intervals(db, deck_ids)
            mastery = self._mastery(today, decks, deck_ids, cards)
        forecast = [0] * 30
        for day, count in due.items():
            forecast[max(0, day - today)] += count
        wanted = set(decks if deck_ids is None else deck_ids)
        by_queue: dict[int, int] = {}
        for deck, _did, queue, count, _learned, _mastered, _capped in cards:
            if deck in wanted:
                by_queue[queue] = by_queue.get(queue, 0) + count
        retention = {d: (p, n) for d, (_a, p, n) in per_day.items() if d > today - 7 * 12}
        names = {Queue.NEW: "new", Queue.LEARNING: "learning", Queue.REVIEW: "review",
                 Queue.SUSPENDED: "suspended", Queue.BURIED: "buried"}
        return Statistics(
            today=today, forecast=forecast,
            reviews_per_day=[(d, per_day.get(d, (0, 0, 0))[0]) for d in range(today - 89, today + 1)],
            retention_by_week=weekly_retention(retention, today, 12),
            cards_by_state={names[k]: by_queue.get(k, 0) for k in names},
            intervals=bucket_intervals(intervals), mastery=mastery)

    def _mastery(self, today: int, decks: dict, deck_ids: Sequence[str] | None,
                 cards: Sequence[tuple] | None = None) -> list[Mastery]:
        """Mastery per deck (with its sub-decks) and per tag, weakest first.
        ``cards``: ``queries.card_figures`` when the caller has them."""
        db = self._col.db
        wanted = set(decks if deck_ids is None else deck_ids)
        own: dict[str, list[int]] = {}
        if cards is None:
            cards = q.card_figures(db, MATURE_DAYS)
        for deck, _did, _queue, count, learned, mastered, capped in cards:
            o = own.setdefault(deck, [0, 0, 0, 0])
            for i, value in enumerate((count, learned, mastered, capped)):
                o[i] += value or 0
        ret_deck: dict[str, list[int]] = {}
        ret_tag: dict[str, list[int]] = {}
        for deck, tags, passed, answered in q.retention_by_deck_and_tags(db, today - 29, today):
            r = ret_deck.setdefault(deck, [0, 0])
            r[0] += passed
            r[1] += answered
            if deck in wanted:
                for tag in tags.split():
                    t = ret_tag.setdefault(tag, [0, 0])
                    t[0] += passed
                    t[1] += answered
        result = []
        for d in wanted:
            if d not in own:
                continue  # a deck that only groups others: its sub-decks are listed
            sub = self._col.decks.subtree(DeckId(d), decks)
            cards_, studied, mastered, capped = (sum(own.get(s, (0, 0, 0, 0))[i] for s in sub)
                                                 for i in range(4))
            if not cards_:
                continue
            passed, answered = (sum(ret_deck.get(s, (0, 0))[i] for s in sub) for i in range(2))
            result.append(Mastery(decks[d]["name"], "deck", cards_, studied, mastered,
                                  mastery_of(cards_, capped),
                                  round(passed / answered, 4) if answered else None, answered))
        by_tag: dict[str, list[int]] = {}
        for tags, learned, interval, count in q.tag_figures(db, MATURE_DAYS, deck_ids):
            for tag in tags.split():
                t = by_tag.setdefault(tag, [0, 0, 0, 0])
                t[0] += count
                if learned:
                    t[1] += count
                    t[2] += count if interval >= MATURE_DAYS else 0
                    t[3] += count * interval
        for tag, (cards_, studied, mastered, capped) in by_tag.items():
            passed, answered = ret_tag.get(tag, (0, 0))
            result.append(Mastery(tag, "tag", cards_, studied, mastered,
                                  mastery_of(cards_, capped),
                                  round(passed / answered, 4) if answered else None, answered))
        # weakest first among what has been studied; topics not started come last
        return sorted(result, key=lambda m: (m.studied == 0, m.mastery,
                                             1.0 if m.retention is None else m.retention,
                                             m.topic.casefold()))

    def progress_report(self, start: date, end: date, now: datetime) -> ProgressReport:
        """What was studied between two dates (inclusive), for a portfolio."""
        first, last = (start - date(1970, 1, 1)).days, (end - date(1970, 1, 1)).days
        if last < first:
            raise FlashdeskError("the report's end date is before its start date")
        with self._col._lock:
            today = self._col.today(now)
            decks = self._col.decks.rows()
            activity = q.activity_by_deck(self._col.db, first, last)
            days = q.study_days(self._col.db, first, last)
            mastery = self._mastery(today, decks, None)
        rows, totals = [], [0, 0, 0, 0, 0]
        for deck_id, answers, learned, passed, answered, ms in activity:
            values = [answers or 0, learned or 0, passed or 0, answered or 0, ms or 0]
            totals = [a + b for a, b in zip(totals, values)]
            rows.append({"deck": decks.get(deck_id, {}).get("name", deck_id), "reviews": values[0],
                         "cards_learned": values[1],
                         "retention": round(values[2] / values[3], 4) if values[3] else None})
        rows.sort(key=lambda r: r["deck"].casefold())
        return ProgressReport(
            learner=self._col.setting("learner_name", ""), start=start, end=end, decks=rows,
            cards_learned=totals[1], reviews=totals[0],
            retention=round(totals[2] / totals[3], 4) if totals[3] else None, study_days=days,
            minutes=totals[4] / 60000, mastery=mastery)

