"""The exam plan of the deck tree: each deck's exam day (its own or its
parent's), setting an exam date, bringing reviews due after the exam into
its final days, and today's plan for a deck (``flashdesk.exam`` holds the
rules). ``DeckManager`` forwards to these functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Mapping

from ..exam import FINAL_DAYS, ExamPlan, exam_date, exam_day, new_per_day, pulled_due
from ..model import CardSchedule, Changes, DeckId, FlashdeskError, LogKind
from ..store import queries as q, transaction
from ..study import parent_names
from .journal import ms

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["exam_days", "set_exam", "pull_forward", "exam_plan", "MAX_EXAM_DAYS"]

#: how far ahead an exam date may be (days): ten years
MAX_EXAM_DAYS = 3653


def exam_days(decks: Mapping[str, dict]) -> dict[str, int]:
    """deck id → the study day of its exam: its own date, else its
    nearest parent's; decks with no exam are left out."""
    own = {row["name"]: exam_day(date.fromisoformat(row["exam_date"]))
           for row in decks.values() if row.get("exam_date")}
    result = {}
    for deck_id, row in decks.items():
        for name in [row["name"], *reversed(parent_names(row["name"]))]:
            if name in own:
                result[deck_id] = own[name]
                break
    return result


def set_exam(col: "Collection", deck_id: DeckId, day: date | None, now: "datetime") -> Changes:
    """Set (or, with None, clear) the date of the exam ``deck_id`` and its
    sub-decks revise for. Reviews SM-2 has due on or after the exam are
    brought into its final days at once (``flashdesk.exam``); clearing the
    date leaves due days as they are. Raises ``FlashdeskError`` for a date
    already past or more than ``MAX_EXAM_DAYS`` away."""
    with col._lock:
        today = col.today(now)
        col.decks.name(deck_id)
        if day is not None and exam_day(day) <= today:
            raise FlashdeskError(f"the exam date {day.isoformat()} is not after today")
        if day is not None and exam_day(day) > today + MAX_EXAM_DAYS:
            raise FlashdeskError(f"the exam date {day.isoformat()} is more than ten years "
                                 "away; give the date of an exam you are revising for")
        with transaction(col.db):
            q.set_deck_study_options(col.db, deck_id,
                                     exam_date=day.isoformat() if day else None)
            if day is not None:
                decks = col.decks.rows()
                exams = exam_days(decks)  # a sub-deck may have an exam of its own
                for sub in col.decks.subtree(deck_id, decks):
                    pull_forward(col, [sub], exams[sub], today, now)
        col.study.invalidate()
    return Changes(decks=True, cards=True, study_queues=True)


def pull_forward(col: "Collection", deck_ids: list[str], exam: int, today: int, now: "datetime") -> int:
    """Bring reviews of ``deck_ids`` due on or after ``exam`` into the days
    before it, logging each move; inside the caller's transaction.
    Returns how many moved."""
    moved = 0
    for row in q.review_cards_due_from(col.db, deck_ids, exam):
        due = pulled_due(row["id"], row["due"], today, exam)
        if due is None:
            continue
        before = CardSchedule.from_dict(row)
        q.set_due(col.db, row["id"], due)
        col.journal.append(row["id"], LogKind.RESCHEDULE, ms(now), today, before=before,
                           after=replace(before, due=due))
        moved += 1
    return moved


def exam_plan(col: "Collection", deck_id: DeckId, now: "datetime") -> ExamPlan | None:
    """The exam plan of ``deck_id`` today (its own exam or its parent's),
    or None when it has none."""
    with col._lock:
        today = col.today(now)
        decks = col.decks.rows()
        exam = exam_days(decks).get(deck_id)
        if exam is None:
            return None
        subtree = col.decks.subtree(deck_id, decks)
        counts = q.exam_progress(col.db, subtree, exam, exam - FINAL_DAYS)
    new_left = counts["new"]
    return ExamPlan(deck_id, exam_date(exam), exam - today, new_per_day(new_left, today, exam),
                    new_left, counts["cards"],
                    counts["on_track"] / counts["cards"] if counts["cards"] else 0.0)
