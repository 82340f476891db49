"""Figures for the statistics window, ``flashdesk stats --json`` and the
progress report, computed from plain rows. Pure functions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

__all__ = ["Mastery", "Statistics", "ProgressReport", "INTERVAL_BUCKETS", "bucket_intervals",
           "weekly_retention", "mastery_of", "MATURE_DAYS", "day_to_date", "REPORT_DAYS",
           "report_period"]

#: a card whose interval reaches three weeks counts as mastered
MATURE_DAYS = 21
INTERVAL_BUCKETS = [(1, 1, "1 day"), (2, 3, "2–3 days"), (4, 7, "4–7 days"),
                    (8, 14, "1–2 weeks"), (15, 30, "2–4 weeks"), (31, 90, "1–3 months"),
                    (91, 180, "3–6 months"), (181, 365, "6–12 months"),
                    (366, 10**9, "over a year")]
_EPOCH = date(1970, 1, 1)
#: the days a progress report covers when no first day is given (the
#: window's report dialog and ``flashdesk report`` both start there)
REPORT_DAYS = 30


def day_to_date(day: int) -> date:
    """The date of study day day (days since 1970-01-01)."""
    return _EPOCH + timedelta(days=day)


def report_period(today: date, start: date | None = None,
                  end: date | None = None) -> tuple[date, date]:
    """A progress report's first and last day (inclusive) from what was
    given: the last day defaults to ``today``, the first to ``REPORT_DAYS``
    days ending on the last (``today`` alone: the last 30 days, today
    included). Nothing is checked: a first day after the last is the
    report's to refuse."""
    end = today if end is None else end
    return (end - timedelta(days=REPORT_DAYS - 1) if start is None else start), end


def bucket_intervals(counts: dict[int, int]) -> list[tuple[str, int]]:
    """Review cards by interval, in the fixed buckets."""
    return [(label, sum(n for ivl, n in counts.items() if lo <= ivl <= hi))
            for lo, hi, label in INTERVAL_BUCKETS]


def weekly_retention(per_day: dict[int, tuple[int, int]], today: int,
                     weeks: int) -> list[tuple[int, int, int]]:
    """(first day of the week, passed, answered) for the last ``weeks`` weeks,
    oldest first; weeks end today."""
    out = []
    for w in range(weeks - 1, -1, -1):
        start = today - 7 * w - 6
        passed = answered = 0
        for d in range(start, start + 7):
            p, a = per_day.get(d, (0, 0))
            passed += p
            answered += a
        out.append((start, passed, answered))
    return out


def mastery_of(cards: int, interval_sum_capped: float) -> float:
    """Mean of min(interval, 21) / 21 over a topic's cards (new cards count 0)."""
    return round(interval_sum_capped / (MATURE_DAYS * cards), 4) if cards else 0.0


@dataclass(frozen=True)
class Mastery:
    """One topic (a deck with its sub-decks, or a tag): cards, studied, mastered (interval ≥ 21
    days), mastery (0–1), retention over 30 days (0–1, None without reviews) and the reviews it
    rests on."""
    topic: str
    kind: str  # "deck" or "tag"
    cards: int
    studied: int
    mastered: int
    mastery: float
    retention: float | None
    answered_30d: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Statistics:
    """Everything the statistics window charts: the 30-day forecast (cards a day), answers per day
    for 90 days, weekly retention, cards by state, intervals, mastery per topic."""
    today: int
    forecast: list[int]                      # next 30 days, today first
    reviews_per_day: list[tuple[int, int]]   # last 90 days: (day, answers)
    retention_by_week: list[tuple[int, int, int]]
    cards_by_state: dict[str, int]
    intervals: list[tuple[str, int]]
    mastery: list[Mastery] = field(default_factory=list)  # weakest first

    def to_dict(self) -> dict:
        return {
            "forecast_30d": self.forecast,
            "reviews_per_day_90d": [{"date": day_to_date(d).isoformat(), "reviews": n}
                                    for d, n in self.reviews_per_day],
            "retention_by_week": [{"week_of": day_to_date(d).isoformat(), "passed": p,
                                   "answered": a, "retention": round(p / a, 4) if a else None}
                                  for d, p, a in self.retention_by_week],
            "cards_by_state": self.cards_by_state,
            "intervals": [{"bucket": label, "cards": n} for label, n in self.intervals],
            "mastery": [m.to_dict() for m in self.mastery],
        }


@dataclass(frozen=True)
class ProgressReport:
    """A progress report for a date range: the learner, study days, reviews, cards learned,
    retention (0–1), minutes studied, per-deck activity and mastery per topic."""
    learner: str
    start: date
    end: date
    decks: list[dict]            # per deck studied: name, reviews, learned, retention
    cards_learned: int
    reviews: int
    retention: float | None
    study_days: int
    minutes: float
    mastery: list[Mastery]

    def to_dict(self) -> dict:
        return {"learner": self.learner, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "cards_learned": self.cards_learned,
                "reviews": self.reviews, "retention": self.retention,
                "study_days": self.study_days, "minutes": round(self.minutes, 1),
                "decks": self.decks, "mastery": [m.to_dict() for m in self.mastery]}
