"""Plain values shared by every layer: ids, kinds, queues and the records the
core hands to its fronts. Nothing here does I/O."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import IntEnum, StrEnum
from typing import Any, Iterator, Mapping, NewType, Sequence, overload

from . import cloze

__all__ = [
    "DeckId", "NoteId", "CardId", "Kind", "Queue", "Grade", "LogKind", "GradeMode", "AnswerButton",
    "SM2State", "CardSchedule", "Changes", "ROLLOVER_HOUR", "study_day", "day_start",
    "NoteData", "DeckData", "DeckSummary", "CardView", "AnswerResult", "IntervalPreview",
    "SessionCounts", "StudyStep", "CustomKind", "CustomStudy", "Answered", "UndoResult", "ImportReport", "FileReport", "ImportResult",
    "PrunedNote", "PrunePlan",
    "Stats", "CheckReport", "CardFilter", "SortKey", "BrowseQuery", "BrowseRow",
    "note_texts", "plain_text", "FlashdeskError", "grade_buttons", "card_id", "note_id",
    "LogRecord", "CardInfo",
]

DeckId = NewType("DeckId", str)
NoteId = NewType("NoteId", str)
CardId = NewType("CardId", str)


class FlashdeskError(Exception):
    """An error the user can act on; its message is shown as it is."""


class Kind(StrEnum):
    """The kinds of note, each with its own fields (``FIELDS``) and cards."""

    BASIC = "basic"
    CLOZE = "cloze"
    CHOICE = "choice"
    ORDER = "order"
    SCENARIO = "scenario"
    TYPED = "typed"


#: the fields each kind accepts, in display order; list-valued fields are lists of strings
FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.BASIC: ("front", "back", "reverse", "extra"),
    Kind.CLOZE: ("text", "extra"),
    Kind.CHOICE: ("question", "options", "answer", "explanation"),
    Kind.ORDER: ("prompt", "items", "explanation"),
    Kind.SCENARIO: ("prompt", "model_answer", "marking_points", "explanation"),
    # the learner types the answer; *key terms* in it must be typed exactly,
    # ``accept`` lists other answers that count as right
    Kind.TYPED: ("prompt", "answer", "accept", "explanation"),
}
REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.BASIC: ("front", "back"),
    Kind.CLOZE: ("text",),
    Kind.CHOICE: ("question", "options", "answer"),
    Kind.ORDER: ("prompt", "items"),
    Kind.SCENARIO: ("prompt", "model_answer", "marking_points"),
    Kind.TYPED: ("prompt", "answer"),
}
LIST_FIELDS = frozenset({"options", "items", "marking_points", "accept"})

_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>|</li>", re.I)
_ITEM = re.compile(r"<li[^>]*>", re.I)


def plain_text(fragment: str) -> str:
    """Card HTML as plain text: line breaks and list bullets kept, tags gone."""
    text = _BREAK.sub("\n", fragment)
    text = _ITEM.sub("• ", text)
    return html.unescape(_TAG.sub("", text)).strip()


def note_texts(kind: "Kind", fields: dict[str, Any]) -> tuple[str, str]:
    """(sort text, search text) of a note: its first field, and the text of
    its other fields, as plain text with every cloze opened
    (``flashdesk.cloze.reveal_all``). Together they are what full-text search finds."""
    def flat(value: object) -> str:
        if isinstance(value, list):
            return " ".join(flat(v) for v in value)
        if not isinstance(value, str):
            return ""
        if "<" in value or "&" in value or "{{" in value:
            value = plain_text(cloze.reveal_all(value))
        return " ".join(value.split())

    if len(fields) == 2 and kind == Kind.BASIC:  # most notes: two plain texts
        front, back = fields.get("front"), fields.get("back")
        if type(front) is str and type(back) is str and "<" not in front and "&" not in front \
                and "{{" not in front and "<" not in back and "&" not in back and "{{" not in back:
            return " ".join(front.split()), " ".join(back.split())
    first = FIELDS[Kind(kind)][0]
    if len(fields) <= 2:  # the plain front and back of most notes: no markup to take off
        values = list(fields.values())
        if all(isinstance(v, str) and "<" not in v and "&" not in v and "{{" not in v
               for v in values):
            return (" ".join(fields[first].split()) if first in fields else "",
                    " ".join(" ".join(v.split()) for k, v in fields.items()
                             if k != first and v and not v.isspace()))
    texts = {name: flat(value) for name, value in fields.items()}
    return (texts.get(first, ""),
            " ".join(t for name, t in texts.items() if t and name != first))


class Grade(IntEnum):
    """An answer, as its SM-2 quality on SuperMemo's 0–5 scale (Wozniak 1990).

    Four-button mode answers with ``AGAIN`` (1), ``HARD`` (3), ``GOOD`` (4) and
    ``EASY`` (5); six-grade mode with every value. A quality of ``HARD`` or
    more is a successful recall (SM-2 step 5); below ``GOOD`` the card comes
    back in the same session (step 7). Those thresholds live in
    ``flashdesk.scheduler.sm2`` (``PASSING``, ``REDRILL_BELOW``).
    """

    BLACKOUT = 0
    AGAIN = 1
    ALMOST = 2
    HARD = 3
    GOOD = 4
    EASY = 5


class LogKind(StrEnum):
    """What a review log entry records. ``REVIEW``: the day's first answer
    (SM-2 applied); ``REDRILL``: a same-day re-drill (SM-2 unchanged);
    ``RESET``: the card starts again from new (reset, deleted, pruned);
    ``UNDO``: takes back the entry it names; ``CRAM``: an answer in a drill,
    which changes no schedule; ``RESCHEDULE``: a due day brought forward by an
    exam plan (its ``after`` state holds the new due day); ``IMPORTED``: the
    card takes the schedule carried over from another program (Anki),
    recorded whole in the entry's ``after``."""

    REVIEW = "review"
    REDRILL = "redrill"
    RESET = "reset"
    UNDO = "undo"
    #: an answer in a drill (custom study, cram): logged, the schedule untouched
    CRAM = "cram"
    #: the due day moved without an answer (an exam plan): SM-2 state untouched
    RESCHEDULE = "reschedule"
    #: the schedule carried over from another program (Anki), whole in ``after``
    IMPORTED = "imported"


class GradeMode(IntEnum):
    """How the learner answers: four buttons, or SuperMemo's six grades."""

    FOUR_BUTTONS = 4
    SIX_GRADES = 6


@dataclass(frozen=True, slots=True)
class AnswerButton:
    """One answer button: the key that presses it, the grade it gives, its name."""

    key: int
    grade: Grade
    label: str


_FOUR = (AnswerButton(1, Grade.AGAIN, "Again"), AnswerButton(2, Grade.HARD, "Hard"),
         AnswerButton(3, Grade.GOOD, "Good"), AnswerButton(4, Grade.EASY, "Easy"))
_SIX = tuple(AnswerButton(int(g), g, name) for g, name in zip(Grade, (
    "Blackout", "Wrong", "Almost", "Hard", "Good", "Perfect")))


def grade_buttons(mode: GradeMode) -> tuple[AnswerButton, ...]:
    """The answer buttons of ``mode``, in key order."""
    return _SIX if mode == GradeMode.SIX_GRADES else _FOUR


@dataclass(frozen=True, slots=True)
class SM2State:
    """A card's SM-2 memory state.

    ``repetitions`` counts successful recalls in a row, ``ease`` is the
    E-Factor, ``interval`` the last interval in days (0 before the first review).
    """

    repetitions: int = 0
    ease: float = 2.5
    interval: int = 0


#: ``CardSchedule.type``: never answered / answered at least once
TYPE_NEW, TYPE_REVIEW = 0, 2


class Queue(IntEnum):
    """Where a card sits today. ``LEARNING`` holds cards answered below Good
    today that must come back before the day ends (SM-2 step 7)."""

    BURIED = -2
    SUSPENDED = -1
    NEW = 0
    LEARNING = 1
    REVIEW = 2


@dataclass(frozen=True, slots=True)
class CardSchedule:
    """Everything the scheduler keeps for one card (a ``cards`` row minus ids).

    ``ease`` is the E-Factor in hundredths; ``due``, ``last_day`` and
    ``buried_day`` are study days (days since 1970-01-01, see ``study_day``);
    ``redrill_seq`` orders same-day re-drills by the log's sequence numbers.
    """

    type: int = TYPE_NEW
    queue: int = Queue.NEW
    reps: int = 0
    ease: int = 250
    interval: int = 0
    due: int | None = None
    lapses: int = 0
    last_day: int | None = None
    buried_day: int | None = None
    redrill_seq: int = 0

    @property
    def sm2(self) -> SM2State:
        """The card's SM-2 memory state (E-Factor as a number, not hundredths)."""
        return SM2State(self.reps, self.ease / 100, self.interval)

    def to_dict(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in SCHEDULE_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CardSchedule":
        """From a mapping holding these field names (a card row; a field it
        lacks takes its default)."""
        try:
            return cls(*[data[k] for k in SCHEDULE_FIELDS])  # a card row holds every one
        except KeyError:
            return cls(**{k: data[k] for k in SCHEDULE_FIELDS if k in data})


#: the fields of ``CardSchedule``, in storage order
SCHEDULE_FIELDS = ("type", "queue", "reps", "ease", "interval", "due", "lapses", "last_day",
                   "buried_day", "redrill_seq")


@dataclass(frozen=True, slots=True)
class Changes:
    """What an action changed, so each screen redraws only what it shows
    (in the manner of Anki's ``OpChanges``).

    ``cards``: a card's schedule or queue; ``notes``: notes or cards added or
    removed; ``note_text``: a note's fields; ``decks``: deck names, tree,
    options or limits; ``tags``: tags of notes; ``study_queues``: what today's
    study shows (counts, queues); ``config``: settings.
    """

    cards: bool = False
    notes: bool = False
    note_text: bool = False
    decks: bool = False
    tags: bool = False
    study_queues: bool = False
    config: bool = False

    def __or__(self, other: "Changes") -> "Changes":
        return Changes(**{f: getattr(self, f) or getattr(other, f) for f in _CHANGE_FLAGS})

    def __bool__(self) -> bool:
        return any(getattr(self, f) for f in _CHANGE_FLAGS)

    @classmethod
    def everything(cls) -> "Changes":
        """Everything may have changed (another process wrote to the file)."""
        return cls(**{f: True for f in _CHANGE_FLAGS})


_CHANGE_FLAGS = ("cards", "notes", "note_text", "decks", "tags", "study_queues", "config")


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


def day_start(day: int, tz: tzinfo) -> datetime:
    """The moment study day ``day`` begins in time zone ``tz``."""
    date = _EPOCH + timedelta(days=day)
    return datetime(date.year, date.month, date.day, ROLLOVER_HOUR, tzinfo=tz)


def note_id(deck_id: str, key: str) -> NoteId:
    """The full id of note ``key`` of deck ``deck_id``: ``DECK/KEY``."""
    return NoteId(f"{deck_id}/{key}")


def card_id(note: str, ord_: int) -> CardId:
    """The id of card ``ord_`` of note ``note``: ``NOTE#ORD``."""
    return CardId(f"{note}#{ord_}")


@dataclass(frozen=True, slots=True)
class NoteData:
    """One note as read from a deck file, before it is stored.

    ``key`` is the note's id within its file (a deck file's ``id``, a
    spreadsheet's ``id`` cell, or one derived from the front); ``identity``
    is what a later import matches it by, whatever its deck: ``anki:GUID``
    for an Anki note, ``SCOPE/KEY`` otherwise (see docs/import-export.md).
    Empty: the importer uses ``DECK-ID/KEY``, a deck file's rule."""

    key: str
    kind: Kind
    fields: dict[str, Any]
    tags: tuple[str, ...] = ()
    source: str = ""
    line: int | None = None
    #: the hash of the row of a spreadsheet it was read from (see ``DeckData.unchanged``)
    origin: int | None = None
    identity: str = ""


@dataclass(frozen=True)
class DeckData:
    """One deck as read from a file: its id (empty when the file names none), name, details and
    notes."""
    id: DeckId
    name: str
    description: str = ""
    version: str = ""
    notes: tuple[NoteData, ...] = ()
    path: str = ""
    #: keys of notes the reader did not read again: their rows are the very
    #: rows the collection's notes were imported from (and not edited since)
    unchanged: tuple[str, ...] = ()


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
    #: the exam this deck revises for (its own or inherited), as a date
    exam: date | None = None
    #: days from today to the exam (0: the exam is today); None without one
    exam_days_left: int | None = None
    #: other cards of a note wait for the next day once one is answered
    bury_siblings: bool = True

    @property
    def short_name(self) -> str:
        """The deck's own name: the last part of its path."""
        return self.name.rsplit("::", 1)[-1]

    @property
    def parent_name(self) -> str | None:
        """The full name of the deck above it, or None for a top-level deck."""
        return self.name.rsplit("::", 1)[0] if "::" in self.name else None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "new": self.new,
                "learning": self.learning, "due": self.due, "total": self.total,
                "exam": self.exam.isoformat() if self.exam else None,
                "exam_days_left": self.exam_days_left}


class CustomKind(StrEnum):
    """Custom study. ``AHEAD`` reviews cards due in the next days and
    ``EXTRA_NEW`` takes more new cards today: both are ordinary study (SM-2
    applies). The others are drills: answers are logged as ``CRAM`` and no
    card's schedule changes."""

    AHEAD = "ahead"
    EXTRA_NEW = "extra-new"
    FORGOTTEN = "forgotten"
    TAG = "tag"
    LEECHES = "leeches"
    CRAM = "cram"


@dataclass(frozen=True)
class CustomStudy:
    """What a custom study session takes: ``days`` for AHEAD (due within the
    next N days) and FORGOTTEN (answered Again in the last N days), ``count``
    for EXTRA_NEW, ``tag`` for TAG (and, optionally, CRAM)."""

    kind: CustomKind
    days: int = 0
    count: int = 0
    tag: str | None = None

    @property
    def drill(self) -> bool:
        """Answers change no schedule (logged as cram)."""
        return self.kind not in (CustomKind.AHEAD, CustomKind.EXTRA_NEW)

    def describe(self) -> str:
        """A short name for the session ("Cram: tag heat")."""
        k = self.kind
        if k == CustomKind.AHEAD:
            return f"Review ahead {self.days} day{'s' if self.days != 1 else ''}"
        if k == CustomKind.EXTRA_NEW:
            return f"{self.count} extra new card{'s' if self.count != 1 else ''}"
        if k == CustomKind.FORGOTTEN:
            return f"Forgotten in the last {self.days} day{'s' if self.days != 1 else ''}"
        if k == CustomKind.LEECHES:
            return "Leeches"
        if k == CustomKind.TAG:
            return f"Tag {self.tag}"
        return "Cram" + (f": tag {self.tag}" if self.tag else "")


@dataclass(frozen=True)
class CardView:
    """A card ready to show: its note's fields plus its schedule."""

    id: CardId
    note_id: NoteId
    deck_id: DeckId
    deck_name: str
    kind: Kind
    ord: int
    fields: dict[str, Any]
    tags: tuple[str, ...]
    source: str
    schedule: CardSchedule
    #: answered already today: a further answer is a re-drill and changes no SM-2 state
    redrill: bool = False

    @property
    def queue(self) -> Queue:
        """Where the card sits today."""
        return Queue(self.schedule.queue)

    @property
    def failed_today(self) -> bool:
        """Answered below Good earlier today and owed a re-drill before the
        day ends (SM-2 step 7). A card answered Good or better today is a
        ``redrill`` too (a further answer changes nothing) but not this."""
        return self.redrill and self.schedule.queue == Queue.LEARNING

    @property
    def state(self) -> SM2State:
        """The card's SM-2 memory state."""
        return self.schedule.sm2

    @property
    def due_day(self) -> int | None:
        """The study day the card is due (None while new)."""
        return self.schedule.due

    @property
    def lapses(self) -> int:
        """Times the card was forgotten after being recalled."""
        return self.schedule.lapses


@dataclass(frozen=True)
class IntervalPreview:
    """What an answer would do: the days until the card is next due, and
    whether it also comes back later in this session (SM-2 step 7)."""

    days: int
    again_today: bool


@dataclass(frozen=True)
class SessionCounts:
    """What is left in a study session: new cards, re-drills waiting
    (learning) and due reviews, the current card included."""

    new: int = 0
    learning: int = 0
    review: int = 0

    @property
    def total(self) -> int:
        """Cards left in the session, of every kind."""
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class StudyStep:
    """One step of a study session: the card to show, what is left, and what
    each grade would do to the card. Computing it runs no statistics."""

    deck_id: DeckId | None
    card: CardView
    counts: SessionCounts
    previews: Mapping[Grade, IntervalPreview]
    #: the study day the step belongs to
    today: int


@dataclass(frozen=True)
class AnswerResult:
    """What an answer did to a card: the grade, the log entry written, the SM-2 state before and
    after, and the due day (a study day)."""
    card_id: CardId
    grade: Grade
    log_id: str
    before: SM2State
    after: SM2State
    #: the card comes back later in this session (answered below Good)
    again_today: bool
    #: this answer was a same-day re-drill (SM-2 state unchanged)
    redrill: bool
    due_day: int
    leech: bool = False

    @property
    def quality(self) -> int:
        """The grade as SM-2's quality, 0–5."""
        return int(self.grade)


@dataclass(frozen=True)
class Answered:
    """What answering did, and the session's next step (None: nothing left)."""

    result: AnswerResult
    next: StudyStep | None
    changes: Changes


@dataclass(frozen=True)
class UndoResult:
    """An action taken back: its name ("Suspend"), what changed, and the card
    to show again (an undone answer or bury brings its card back)."""

    name: str
    changes: Changes
    card_id: CardId | None = None


@dataclass(frozen=True)
class PrunedNote:
    """A note an import removes (or, in a dry run, would remove) because no
    file of the import has it any more."""

    note_id: str
    deck_id: str
    #: its first field as plain text (the browser's sort text)
    front: str
    cards: int = 0
    #: of its cards, those with progress (learning or review): what goes with it
    studied: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.note_id, "deck": self.deck_id, "front": self.front,
                "cards": self.cards, "studied": self.studied}


@dataclass(frozen=True)
class PrunePlan:
    """What importing files with ``prune`` would remove (``col.files.prune_plan``,
    a read-only dry run of the import's own rule): the notes of the files'
    decks that no file has, those with progress first."""

    notes: tuple[PrunedNote, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.notes)

    @property
    def cards(self) -> int:
        return sum(n.cards for n in self.notes)

    @property
    def studied(self) -> int:
        """Cards with progress among the notes' cards."""
        return sum(n.studied for n in self.notes)

    @property
    def decks(self) -> list[str]:
        """The ids of the decks notes would go from, each once, in order."""
        return list(dict.fromkeys(n.deck_id for n in self.notes))


@dataclass
class ImportReport:
    """What importing one deck from one file did."""

    path: str
    deck_id: str
    deck_name: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    #: notes of this deck that the file no longer has, kept (those an import
    #: pruned are in ``removed_notes`` instead)
    missing: list[str] = field(default_factory=list)
    #: of those kept, each note's front as plain text: what a person knows it by
    missing_fronts: dict[str, str] = field(default_factory=dict)
    #: missing notes removed because the import asked to prune
    removed: int = 0
    #: those notes, with their fronts and how many of their cards had progress
    #: (studied first)
    removed_notes: list[PrunedNote] = field(default_factory=list)
    #: the backup made before the import, when the notes it removed had progress
    backup: str = ""
    #: rows or notes of the file that were not imported, each with its reason
    skipped: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    format: str = "toml"
    version: str = ""
    media: int = 0
    #: notes already in the collection that the file placed in this deck
    moved: int = 0
    #: things the sanitiser removed from the file's card text (the messages say what)
    sanitised: int = 0
    #: cards that took their progress from the file (an Anki package imported
    #: with its scheduling)
    progress: int = 0

    def missing_named(self) -> list[str]:
        """The missing notes as a person knows them: '“What is step 3?”
        (unit-2/q3)', or the id alone when the front is not known."""
        return [f"“{self.missing_fronts[n]}” ({n})" if self.missing_fronts.get(n) else n
                for n in self.missing]

    @property
    def removed_studied(self) -> int:
        """Cards with progress among those of the notes this import removed."""
        return sum(n.studied for n in self.removed_notes)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "deck": self.deck_id,
                "name": self.deck_name, "version": self.version, "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged,
                "missing": list(self.missing),
                "missing_fronts": {n: self.missing_fronts[n] for n in self.missing
                                   if n in self.missing_fronts},
                "removed": self.removed,
                "removed_notes": [n.to_dict() for n in self.removed_notes],
                "backup": self.backup or None,
                "skipped": list(self.skipped), "messages": list(self.messages),
                "media": self.media, "moved": self.moved, "sanitised": self.sanitised,
                "progress": self.progress}


@dataclass
class FileReport:
    """What importing one file found that belongs to none of its decks: rows
    (or Anki notes) skipped whose deck the file does not say, and things the
    sanitiser removed from such rows. A file that feeds one deck has none:
    its deck's ``ImportReport`` holds them."""

    path: str
    format: str = "toml"
    #: rows or notes skipped, each with its place and reason
    skipped: list[str] = field(default_factory=list)
    #: things the sanitiser removed from card text of no one deck's rows
    sanitised: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The file's part of ``flashdesk import --json``: ``deck`` and
        ``name`` are null, telling it from a deck's report."""
        return {"path": self.path, "format": self.format, "deck": None, "name": None,
                "skipped": list(self.skipped), "sanitised": self.sanitised}


class ImportResult(Sequence[ImportReport]):
    """The reports of one import (one per deck of each file), as a sequence,
    what the import changed, and (``files``) what each file found that
    belongs to none of its decks (only files that found any)."""

    def __init__(self, reports: Sequence[ImportReport], changes: Changes,
                 files: Sequence[FileReport] = ()):
        self.reports = list(reports)
        self.changes = changes
        self.files = list(files)

    def __len__(self) -> int:
        return len(self.reports)

    @overload
    def __getitem__(self, index: int) -> ImportReport: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[ImportReport]: ...

    def __getitem__(self, index: int | slice) -> ImportReport | Sequence[ImportReport]:
        return self.reports[index]

    def __iter__(self) -> Iterator[ImportReport]:
        return iter(self.reports)

    def __repr__(self) -> str:
        return f"ImportResult({self.reports!r}, {self.changes!r})"


@dataclass(frozen=True)
class CheckReport:
    """The result of checking a collection: SQLite's integrity check, and the cards whose cached
    state differs from their log."""
    integrity: tuple[str, ...]
    cards: int
    log_entries: int
    #: cards whose cached state differs from the log, with the fields that differ
    mismatches: tuple[tuple[str, tuple[str, ...]], ...]
    repaired: int = 0
    changes: Changes = Changes()

    @property
    def ok(self) -> bool:
        """Whether the file is sound and every card agrees with its log."""
        return self.integrity == ("ok",) and not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "integrity": list(self.integrity), "cards": self.cards,
                "log_entries": self.log_entries, "repaired": self.repaired,
                "mismatches": [{"card": c, "fields": list(f)} for c, f in self.mismatches]}


@dataclass(frozen=True)
class Stats:
    """The counts of flashdesk stats: cards by queue, answers today, retention over 30 days (0–1,
    None without reviews), the due forecast (cards a day, today first)."""
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

    def to_dict(self) -> dict[str, Any]:
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
    """What the browser sorts by."""
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
    """A browser search: words (full-text, each a prefix), a deck with its sub-decks, a tag, a
    state, the order."""
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
    """One row of the browser: a card with its note's first field and its schedule (ease as the
    E-Factor, interval in days)."""
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
        """The card's queue in words: new, learning, review, suspended or buried."""
        return _STATE_NAMES[self.queue]

    @property
    def leech(self) -> bool:
        """Whether the note is tagged leech."""
        return "leech" in self.tags


@dataclass(frozen=True)
class LogRecord:
    """One line of a card's history: an answer (``kind`` 'review' or
    'redrill') or a reset, with the card's interval (days) and E-Factor
    (hundredths) before and after it. Undone entries are left out."""

    ts_ms: int
    day: int
    kind: LogKind
    quality: int | None
    interval_before: int
    interval_after: int
    ease_before: int
    ease_after: int
    time_ms: int = 0


@dataclass(frozen=True)
class CardInfo:
    """What the card info panel shows about one card: when its note was
    added, every answer in order, and where the card stands now."""

    card_id: CardId
    note_id: NoteId
    kind: Kind
    ord: int
    deck_name: str
    #: when the note was added (ms since the Unix epoch)
    added_ms: int
    schedule: CardSchedule
    history: tuple[LogRecord, ...]
    source: str
    #: the study day the figures were read on
    today: int

    @property
    def queue(self) -> Queue:
        return Queue(self.schedule.queue)

    @property
    def answers(self) -> tuple[LogRecord, ...]:
        """The answers, without resets."""
        return tuple(r for r in self.history if r.kind != LogKind.RESET)
