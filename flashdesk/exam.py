"""Revising for an exam on a date: how many new cards a day, and which due
days to bring forward so that every card is seen close to the exam.

The method (the README explains it to learners):

- The last day to study is the day before the exam. New cards are all
  introduced by ``LAST_NEW_DAYS`` days before the exam, evenly from today:
  ``ceil(new cards left / days left to introduce them)`` a day, worked out
  again every day. A card learnt on the last such day is reviewed the next
  day (SM-2's first interval) and once more in the final days.
- After any answer, and whenever the exam date is set, a review whose SM-2
  due day falls on or after the exam is brought forward into the final
  ``FINAL_DAYS`` days before it (spread over them by the card's id), unless
  nothing is left of that window. The SM-2 state – repetitions, E-Factor,
  interval – is never touched: only the due day moves, and the log records
  the move, so a rebuild from the log agrees.

Pure functions over study days (days since 1970-01-01); no clock, no I/O.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from math import ceil

__all__ = ["FINAL_DAYS", "LAST_NEW_DAYS", "exam_day", "exam_date", "new_per_day",
           "pulled_due", "ExamPlan"]

#: the window before the exam into which late reviews are brought forward
FINAL_DAYS = 3
#: new cards are all introduced at least this many days before the exam
LAST_NEW_DAYS = 3
_EPOCH = date(1970, 1, 1)


def exam_day(day: date) -> int:
    """The study day of an exam date."""
    return (day - _EPOCH).days


def exam_date(day: int) -> date:
    """The date of a study day."""
    return date.fromordinal(_EPOCH.toordinal() + day)


def new_per_day(new_left: int, today: int, exam: int) -> int:
    """New cards to introduce today so that the ``new_left`` still waiting are
    all in by ``LAST_NEW_DAYS`` before the exam (all of them, once that day
    has come; none on or after the exam day)."""
    if today >= exam or new_left <= 0:
        return 0
    days = exam - LAST_NEW_DAYS - today + 1
    return new_left if days <= 0 else ceil(new_left / days)


def pulled_due(card_id: str, due: int | None, today: int, exam: int) -> int | None:
    """The due day the plan gives a review card SM-2 made due on ``due``:
    a day of the final window before the exam (never before tomorrow), or
    None when the card is due before the exam anyway or no window is left."""
    if due is None or due < exam:
        return None
    first, last = max(today + 1, exam - FINAL_DAYS), exam - 1
    if first > last:
        return None
    return first + zlib.crc32(card_id.encode("utf-8")) % (last - first + 1)


@dataclass(frozen=True)
class ExamPlan:
    """A deck's exam plan today, as ``stats --json`` and the windows show it.

    ``on_track``: the share (0–1) of the deck's cards studied at least once
    and due again before the exam, or seen in its final days.
    """

    deck_id: str
    date: date
    days_left: int
    new_per_day: int
    new_left: int
    cards: int
    on_track: float

    def to_dict(self) -> dict[str, object]:
        return {"deck": self.deck_id, "date": self.date.isoformat(),
                "days_left": self.days_left, "new_per_day": self.new_per_day,
                "new_left": self.new_left, "cards": self.cards,
                "on_track": round(self.on_track, 4)}
