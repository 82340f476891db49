"""Plain values shared by every layer: ids, kinds, queues and the records the
core hands to its fronts. Nothing here does I/O."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import NewType

from .scheduler.sm2 import SM2State

__all__ = [
    "DeckId", "NoteId", "CardId", "Kind", "Queue", "GradeMode", "FOUR_BUTTONS",
    "ROLLOVER_HOUR", "study_day", "day_start", "NoteData", "DeckData", "DeckSummary",
    "CardView", "AnswerResult", "IntervalPreview", "ImportReport", "Stats", "CheckReport", "CardFilter", "SortKey", "BrowseQuery", "BrowseRow",
    "note_texts", "plain_text", "FlashdeskError",
    "grade_labels", "card_id", "note_id",
]

DeckId = NewType("DeckId", str)
NoteId = NewType("NoteId", str)
CardId = NewType("CardId", str)


class FlashdeskError(Exception):
    """An error the user can act on; its message is shown as it is."""


class Kind(StrEnum):
    BASIC = "basic"
    CLOZE = "cloze"
    CHOICE = "choice"
    ORDER = "order"
    SCENARIO = "scenario"


#: the fields each kind accepts, in display order; list-valued fields are lists of strings
FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.BASIC: ("front", "back", "reverse", "extra"),
    Kind.CLOZE: ("text", "extra"),
    Kind.CHOICE: ("question", "options", "answer", "explanation"),
    Kind.ORDER: ("prompt", "items", "explanation"),
    Kind.SCENARIO: ("prompt", "model_answer", "marking_points", "explanation"),
}
REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.BASIC: ("front", "back"),
    Kind.CLOZE: ("text",),
    Kind.CHOICE: ("question", "options", "answer"),
    Kind.ORDER: ("prompt", "items"),
    Kind.SCENARIO: ("prompt", "model_answer", "marking_points"),
}
LIST_FIELDS = frozenset({"options", "items", "marking_points"})

CLOZE_PATTERN = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def plain_text(fragment: str) -> str:
    """Card HTML as plain text: line breaks and list bullets kept, tags gone."""
    text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", fragment, flags=re.I)
    text = re.sub(r"<li[^>]*>", "• ", text, flags=re.I)
    return html.unescape(_TAG.sub("", text)).strip()


def note_texts(kind: "Kind", fields: dict) -> tuple[str, str]:
    """(sort text, search text) of a note: its first field, and all its text,
    as plain text with cloze markers opened."""
    def flat(value) -> str:
        if isinstance(value, list):
            return " ".join(flat(v) for v in value)
        if not isinstance(value, str):
            return ""
        if "<" in value or "&" in value or "{{" in value:
            value = plain_text(CLOZE_PATTERN.sub(r"\2", value))
        return " ".join(value.split())

    texts = {name: flat(value) for name, value in fields.items()}
    return (texts.get(FIELDS[Kind(kind)][0], ""),
            " ".join(t for t in texts.values() if t))


class Queue(IntEnum):
    """Where a card sits today. ``LEARNING`` holds cards answered below Good
    today that must come back before the day ends (SM-2 step 7)."""

    BURIED = -2
    SUSPENDED = -1
    NEW = 0
    LEARNING = 1
    REVIEW = 2


class GradeMode(IntEnum):
    FOUR_BUTTONS = 4
    SIX_GRADES = 6


#: answer key → SM-2 quality in four-button mode: Again, Hard, Good, Easy
FOUR_BUTTONS: dict[int, int] = {1: 1, 2: 3, 3: 4, 4: 5}
_FOUR_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
_SIX_NAMES = {
    0: "Blackout", 1: "Wrong", 2: "Almost", 3: "Hard", 4: "Good", 5: "Perfect",
}


def grade_labels(mode: GradeMode) -> list[tuple[int, int, str]]:
    """(key, quality, label) for each answer button in ``mode``, in key order."""
    if mode == GradeMode.SIX_GRADES:
        return [(q, q, _SIX_NAMES[q]) for q in range(6)]
    return [(k, q, _FOUR_NAMES[k]) for k, q in FOUR_BUTTONS.items()]


#: a study day starts at 04:00 local time
ROLLOVER_HOUR = 4
_EPOCH = datetime(1970, 1, 1).date()


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def study_day(now: datetime) -> int:
    """The study day of ``now`` (days since 1970-01-01), in ``now``'s own time
    zone, rolling over at 04:00."""
    _require_aware(now)
    return ((now - timedelta(hours=ROLLOVER_HOUR)).date() - _EPOCH).days


def day_start(day: int, tz) -> datetime:
    """The moment study day ``day`` begins in time zone ``tz``."""
    date = _EPOCH + timedelta(days=day)
    return datetime(date.year, date.month, date.day, ROLLOVER_HOUR, tzinfo=tz)


def note_id(deck_id: str, key: str) -> NoteId:
    return NoteId(f"{deck_id}/{key}")


def card_id(note: str, ord_: int) -> CardId:
    return CardId(f"{note}#{ord_}")


@dataclass(frozen=True, slots=True)
class NoteData:
    """One note as read from a deck file, before it is stored."""

    key: str
    kind: Kind
    fields: dict
    tags: tuple[str, ...] = ()
    source: str = ""
    line: int | None = None

    def card_ords(self) -> list[int]:
        from .cards import card_ords  # cards depends on model, not the other way

        return card_ords(self.kind, self.fields)


@dataclass(frozen=True)
class DeckData:
    id: DeckId
    name: str
    description: str = ""
    version: str = ""
    notes: tuple[NoteData, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class DeckSummary:
    """One row of the deck tree. Counts are what can be studied today, within
    the deck's daily limits; ``total`` counts every card in the subtree."""

    id: DeckId
    name: str
    new: int
    learning: int
    due: int
    total: int
    depth: int = 0
    new_limit: int = 20
    review_limit: int = 200
    description: str = ""

    @property
    def short_name(self) -> str:
        return self.name.rsplit("::", 1)[-1]

    @property
    def parent_name(self) -> str | None:
        return self.name.rsplit("::", 1)[0] if "::" in self.name else None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "new": self.new,
                "learning": self.learning, "due": self.due, "total": self.total}


@dataclass(frozen=True)
class CardView:
    """A card ready to show: its note's fields plus its schedule."""

    id: CardId
    note_id: NoteId
    deck_id: DeckId
    deck_name: str
    kind: Kind
    ord: int
    fields: dict
    tags: tuple[str, ...]
    source: str
    queue: Queue
    state: SM2State
    due_day: int | None
    lapses: int
    #: answered already today: a further answer is a re-drill and changes no SM-2 state
    redrill: bool = False


@dataclass(frozen=True)
class IntervalPreview:
    """What an answer would do: the days until the card is next due, and
    whether it also comes back later in this session (SM-2 step 7)."""

    days: int
    again_today: bool


@dataclass(frozen=True)
class AnswerResult:
    card_id: CardId
    quality: int
    log_id: str
    before: SM2State
    after: SM2State
    #: the card comes back later in this session (answered below Good)
    again_today: bool
    #: this answer was a same-day re-drill (SM-2 state unchanged)
    redrill: bool
    due_day: int
    leech: bool = False


@dataclass
class ImportReport:
    """What importing one deck from one file did."""

    path: str
    deck_id: str
    deck_name: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    #: notes of this deck that the file no longer has (kept unless pruned)
    missing: list[str] = field(default_factory=list)
    #: missing notes removed because the import asked to prune
    removed: int = 0
    #: rows or notes of the file that were not imported, each with its reason
    skipped: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    format: str = "toml"
    version: str = ""
    media: int = 0

    def to_dict(self) -> dict:
        return {"path": self.path, "format": self.format, "deck": self.deck_id,
                "name": self.deck_name, "version": self.version, "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged,
                "missing": list(self.missing), "removed": self.removed,
                "skipped": list(self.skipped), "messages": list(self.messages),
                "media": self.media}


@dataclass(frozen=True)
class CheckReport:
    integrity: tuple[str, ...]
    cards: int
    log_entries: int
    #: cards whose cached state differs from the log, with the fields that differ
    mismatches: tuple[tuple[str, tuple[str, ...]], ...]
    repaired: int = 0

    @property
    def ok(self) -> bool:
        return self.integrity == ("ok",) and not self.mismatches

    def to_dict(self) -> dict:
        return {"ok": self.ok, "integrity": list(self.integrity), "cards": self.cards,
                "log_entries": self.log_entries, "repaired": self.repaired,
                "mismatches": [{"card": c, "fields": list(f)} for c, f in self.mismatches]}


@dataclass(frozen=True)
class Stats:
    new: int
    learning: int
    review: int
    suspended: int
    buried: int
    total: int
    reviews_today: int
    retention_30d: float | None
    forecast: tuple[int, ...]
    leeches: int = 0

    def to_dict(self) -> dict:
        return {
            "counts": {"new": self.new, "learning": self.learning, "review": self.review,
                       "suspended": self.suspended, "buried": self.buried,
                       "total": self.total, "leech": self.leeches},
            "reviews_today": self.reviews_today,
            "retention_30d": self.retention_30d,
            "forecast": list(self.forecast),
        }


class CardFilter(StrEnum):
    """What the browser's state filter can ask for."""

    ANY = "any"
    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"
    DUE = "due"
    SUSPENDED = "suspended"
    BURIED = "buried"
    LEECH = "leech"


class SortKey(StrEnum):
    DECK = "deck"
    FRONT = "front"
    KIND = "kind"
    STATE = "state"
    DUE = "due"
    INTERVAL = "interval"
    EASE = "ease"
    ANSWERS = "answers"
    LAPSES = "lapses"
    ADDED = "added"


@dataclass(frozen=True)
class BrowseQuery:
    text: str = ""
    deck_id: DeckId | None = None
    tag: str | None = None
    state: CardFilter = CardFilter.ANY
    sort: SortKey = SortKey.ADDED
    descending: bool = False


_STATE_NAMES = {Queue.NEW: "new", Queue.LEARNING: "learning", Queue.REVIEW: "review",
                Queue.SUSPENDED: "suspended", Queue.BURIED: "buried"}


@dataclass(frozen=True)
class BrowseRow:
    id: CardId
    note_id: NoteId
    deck_name: str
    front: str
    kind: Kind
    ord: int
    queue: Queue
    due_day: int | None
    interval: int
    ease: float
    answers: int
    lapses: int
    tags: tuple[str, ...]

    @property
    def state(self) -> str:
        return _STATE_NAMES[self.queue]

    @property
    def leech(self) -> bool:
        return "leech" in self.tags
