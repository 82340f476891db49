"""One study session, Qt-free: which card is up, what a key does, the
learner's attempt at an objective card and the grade it suggests, the tally,
the leech notice and the summary.

Both fronts drive it – the window (``flashdesk.ui.reviewer``) and the
terminal (``flashdesk.cli``) – and only render what it says, in the manner of
Mnemosyne's review controller. Nothing here prints or draws.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, auto
from typing import TYPE_CHECKING, Callable, Sequence

from .cards import (
    OrderCheck, TypedCheck, check_order, check_typed, suggest_choice, suggest_scenario,
)
from .exam import ExamPlan
from .model import (
    AnswerButton, Answered, CardView, CustomKind, CustomStudy, DeckId, Grade, GradeMode, Kind,
    SessionCounts, StudyStep, UndoResult, grade_buttons,
)
from .scheduler.sm2 import PASSING
from .study import LEECH_LAPSES, previews
from .text import deck_leaf, deck_path, isolate

if TYPE_CHECKING:
    from .collection import Collection

__all__ = ["ReviewSession", "Stage", "Action", "SessionTally", "SessionSummary",
           "KEY_HELP", "TERMINAL_KEYS", "local_now", "LEECH_NOTICE", "nothing_found"]

LEECH_NOTICE = (f"That card has now lapsed {LEECH_LAPSES} times and is tagged 'leech': "
                "consider rewording it (E) or suspending it (@).")


def local_now() -> datetime:
    """The wall clock, as a timezone-aware local datetime."""
    return datetime.now().astimezone()


class Stage(Enum):
    """Where the card on screen is: its question, its answer, or nothing left."""
    QUESTION = auto()
    ANSWER = auto()
    DONE = auto()


class Action(Enum):
    """What a key does at this point of the session."""

    NONE = auto()
    REVEAL = auto()       # turn the card over (check an order card)
    PICK = auto()         # choose option n of a choice card
    GRADE = auto()        # answer with the grade of key n (0: the suggested grade)
    HINT = auto()         # tell the learner what works here
    UNDO = auto()
    EDIT = auto()
    SUSPEND = auto()
    BURY = auto()
    LEAVE = auto()


#: what a line of one letter does at every prompt of ``flashdesk review``:
#: (the letter, the window's key for the same action, what it does)
TERMINAL_KEYS: tuple[tuple[str, str, str], ...] = (
    ("u", "Ctrl+Z", "undo the last action"), ("@", "@", "suspend"), ("-", "-", "bury"),
    ("q", "Esc", "quit"),
)

#: the keys of the window and what they do, by screen (the README's table
#: and the window's F1 help are made from this)
KEY_HELP: tuple[tuple[str, str, str], ...] = (
    ("Decks", "Study the selected deck", "Enter, double-click or Ctrl+Return"),
    ("Decks", "Custom study: review ahead, drills, cram, extra new cards", "C"),
    ("Decks", "Import deck files, spreadsheets or Anki packages",
     "Ctrl+I (or drop the files on the window)"),
    ("Decks", "Export the selected deck (for Anki, a spreadsheet or flashdesk users) or the "
     "whole collection", "Ctrl+E"),
    ("Decks", "New deck / rename / delete the selected deck (drag a deck onto another to move "
     "it)", "Ctrl+Shift+N / F2 / Delete"),
    ("Everywhere", "Add cards (to the deck selected or being studied)", "Ctrl+N (A on the decks)"),
    ("Add cards", "Add the note and start the next / hide the selection as the next cloze",
     "Ctrl+Enter / Ctrl+Shift+C"),
    ("Everywhere", "Browse cards / statistics / settings", "Ctrl+B / Ctrl+T / Ctrl+,"),
    ("Everywhere", "Undo the last action (answer, bury, suspend, edit, delete…)", "Ctrl+Z"),
    ("Studying", "Show the answer", "Space or Enter (Ctrl+Enter in a scenario's answer box)"),
    ("Studying", "Check a typed answer", "Enter"),
    ("Studying", "Choose an option of a choice card", "1, 2, 3…"),
    ("Studying", "Move an item of an order card / check the order",
     "Alt+Up, Alt+Down / Space or Enter"),
    ("Studying", "Grade", "1–4 (0–5 with six grades); Enter or Space takes the suggested grade"),
    ("Studying", "Edit the note / suspend / bury", "E / @ / -"),
    ("Studying", "Back to the decks", "Esc"),
    ("Browser", "Find / suspend / change deck / add tag / delete",
     "Ctrl+F / Ctrl+J / Ctrl+D / Ctrl+Shift+A / Ctrl+Delete"),
    ("Terminal", "flashdesk review, at every prompt: "
     + " / ".join(what for _key, _same, what in TERMINAL_KEYS),
     " / ".join(key for key, _same, _what in TERMINAL_KEYS)),
)


def nothing_found(custom: CustomStudy, deck_name: str) -> str:
    """What a custom study session that found no card says, in its own words
    ("No cards in Models are tagged heat."); ``deck_name`` as shown."""
    k = custom.kind
    deck_name = isolate(deck_name)
    days = f"{custom.days} day{'s' if custom.days != 1 else ''}"
    if k == CustomKind.AHEAD:
        return (f"No cards in {deck_name} are due in the next {days}, other than any you "
                "answered today (today's first answer is the one that counts).")
    if k == CustomKind.FORGOTTEN:
        return f"No cards in {deck_name} were forgotten (answered Again) in the last {days}."
    if k == CustomKind.LEECHES:
        return f"No cards in {deck_name} are leeches (cards forgotten again and again)."
    if custom.tag:
        return f"No cards in {deck_name} are tagged {isolate(custom.tag)}."
    if k == CustomKind.EXTRA_NEW:
        return f"No new cards are left in {deck_name}."
    return f"No cards in {deck_name} to cram (suspended cards stay out)."

_REVEAL_KEYS = ("Space", "Enter")


@dataclass
class SessionTally:
    """The answers of one sitting; undo takes the last one away."""

    started: float = field(default_factory=time.monotonic)
    #: (was it a same-day re-drill?, was it correct?) per answer, in order
    answers: list[tuple[bool, bool]] = field(default_factory=list)

    def record(self, redrill: bool, grade: Grade) -> None:
        """Count one answer (redrill: a same-day re-drill, not counted as studied)."""
        self.answers.append((redrill, grade >= PASSING))

    def undo(self) -> None:
        """Take the last answer away from the tally."""
        if self.answers:
            self.answers.pop()

    @property
    def studied(self) -> int:
        """Cards answered for the first time today in this sitting."""
        return sum(1 for redrill, _ in self.answers if not redrill)

    @property
    def correct(self) -> int:
        """Of those, the ones answered Hard or better."""
        return sum(1 for redrill, ok in self.answers if not redrill and ok)


@dataclass(frozen=True)
class SessionSummary:
    """The sitting, as the summary screen shows it: cards studied, how many right (Hard or
    better), answers, seconds, reviews due tomorrow."""
    deck_id: DeckId | None
    deck_name: str
    studied: int
    correct: int
    answers: int
    seconds: float
    due_tomorrow: int
    #: a custom session that found no card: what to say instead (see ``nothing_found``)
    nothing_found: str | None = None

    @property
    def percent(self) -> int | None:
        """The share of studied cards answered right, in whole percent (None before any)."""
        return round(100 * self.correct / self.studied) if self.studied else None


@dataclass(frozen=True)
class ChoiceOutcome:
    """A choice made: the option picked and the right one, as indexes into
    the note's options (0-based), and their numbers as shown (1-based)."""

    chosen: int
    right: int
    chosen_shown: int
    right_shown: int

    @property
    def correct(self) -> bool:
        """Whether the learner picked the right option."""
        return self.chosen == self.right


class ReviewSession:
    """One sitting on one deck (``deck_id`` None: every deck).

    ``start()`` shows the first card; then the front passes in what the
    learner does – ``reveal()``, ``choose(n)``, ``check_order(items)``,
    ``mark_points(n)``, ``answer(grade)``, ``undo()``, ``bury()``,
    ``suspend()`` – and redraws from ``step``, ``stage``, ``suggested`` and
    ``notice``. ``key_action`` says what a key does at this point.

    Choice options and order items come up in a fresh order (from ``rng``)
    each time; with ``shuffle=False`` (the Add window's preview) they keep
    the order they were written in, so option 2 is shown second.
    """

    def __init__(self, col: "Collection", deck_id: DeckId | None, *,
                 custom: CustomStudy | None = None,
                 clock: Callable[[], datetime] = local_now,
                 timer: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None, shuffle: bool = True):
        self.col = col
        self.deck_id = deck_id
        #: custom study (None: today's due and new cards)
        self.custom = custom
        #: the deck's own name, as the learner reads it ('Models'; 'All decks')
        self.deck_leaf = deck_leaf(col.decks.name(deck_id)) if deck_id else "All decks"
        self.deck_name = deck_path(col.decks.name(deck_id)) if deck_id else "All decks"
        if custom is not None:
            self.deck_name += f" · {custom.describe()}"
        #: the exam the deck revises for, as planned when the sitting began
        self.exam: ExamPlan | None = None
        self._clock = clock
        self._timer = timer
        self._rng = rng or random.Random()
        self._shuffle = shuffle
        self.tally = SessionTally(timer())
        self.step: StudyStep | None = None
        self.stage = Stage.DONE
        #: the grade an objective card suggests after the attempt (the learner confirms)
        self.suggested: Grade | None = None
        #: what the last action wants the learner to know (leech, undo, …)
        self.notice: str | None = None
        #: a choice card's options in the order shown (indexes into ``options``)
        self.option_order: list[int] = []
        #: an order card's items in the order first shown (indexes into ``items``)
        self.item_order: list[int] = []
        self.choice: ChoiceOutcome | None = None
        self.order_check: OrderCheck | None = None
        self.typed: TypedCheck | None = None
        #: the grade mode of the card that is up: read as each card comes up,
        #: so a change made elsewhere (``flashdesk grades 6``) never changes
        #: the buttons of a card half answered
        self.grade_mode: GradeMode = col.grade_mode
        self._shown_at = timer()

    # -- what is on screen -----------------------------------------------------

    @property
    def card(self) -> CardView | None:
        """The card on screen (None when the sitting is over)."""
        return self.step.card if self.step is not None else None

    @property
    def counts(self) -> SessionCounts:
        """What is left in the sitting."""
        return self.step.counts if self.step is not None else SessionCounts()

    @property
    def buttons(self) -> tuple[AnswerButton, ...]:
        """The answer buttons of the card that is up (``grade_mode``)."""
        return grade_buttons(self.grade_mode)

    def use_grade_mode(self) -> None:
        """Take the collection's grade mode now, on the card that is up (the
        learner changed it in this window)."""
        self.grade_mode = self.col.grade_mode

    @staticmethod
    def buttons_for(mode: GradeMode) -> tuple[AnswerButton, ...]:
        """The answer buttons of grade mode mode."""
        return grade_buttons(mode)

    def _show(self, step: StudyStep | None) -> StudyStep | None:
        self.step = step
        self.grade_mode = self.col.grade_mode  # a new card: a safe point for a new mode
        self.stage = Stage.QUESTION if step is not None else Stage.DONE
        self.suggested = None
        self.choice = None
        self.order_check = None
        self.typed = None
        self.option_order, self.item_order = [], []
        if step is not None:
            fields = step.card.fields
            if step.card.kind == Kind.CHOICE:
                # a fresh order each time, so the answer's place is not what is learnt
                self.option_order = list(range(len(fields["options"])))
                if self._shuffle:
                    self._rng.shuffle(self.option_order)
            elif step.card.kind == Kind.ORDER:
                self.item_order = list(range(len(fields["items"])))
                while self._shuffle and len(self.item_order) > 1 and \
                        self.item_order == sorted(self.item_order):
                    self._rng.shuffle(self.item_order)
        self._shown_at = self._timer()
        return step

    def start(self) -> StudyStep | None:
        """Begin the sitting: the first card (None: nothing to study now)."""
        self.tally = SessionTally(self._timer())
        self.notice = None
        if self.deck_id is not None:
            self.exam = self.col.decks.exam_plan(self.deck_id, self._clock())
        return self._show(self._step())

    def _step(self) -> StudyStep | None:
        return self.col.study.step(self.deck_id, self._clock(), self.custom)

    def exam_line(self) -> str:
        """'12 days to your exam (Mon 21 Dec)', or '' with no exam."""
        exam = self.exam
        if exam is None or exam.days_left < 0:
            return ""
        when = exam.date.strftime("%a %d %b")
        if exam.days_left == 0:
            return f"Your exam is today ({when})"
        return (f"{exam.days_left} day{'s' if exam.days_left != 1 else ''} to your exam "
                f"({when})")

    def show(self, card: CardView) -> StudyStep:
        """Put a given card up, question side first (previews, screenshots)."""
        today = self.col.today(self._clock())
        step = StudyStep(card.deck_id, card, self.counts, previews(card.schedule, today), today)
        self._show(step)
        return step

    def catch_up(self) -> bool:
        """Before a card is put up: when another process changed the
        collection (answers, settings), read what is up now again. True if
        it had changed."""
        if not self.col.changed_elsewhere():
            return False
        self._show(self._step())
        return True

    def nothing_found(self) -> str | None:
        """What to say when a custom session found no card (None for today's study)."""
        return nothing_found(self.custom, self.deck_leaf) if self.custom is not None else None

    def refresh(self) -> StudyStep | None:
        """Show the card that is up now (after an edit, or when another
        process changed the collection); an attempt already made is kept if
        the same card, unchanged, is still up (``step`` is then a new step of
        it, with the counts of now), else the card starts at its question."""
        step = self._step()
        if step is not None and self.step is not None and step.card == self.step.card:
            self.step = step
            return step
        return self._show(step)

    # -- the learner's attempt -------------------------------------------------

    def reveal(self) -> bool:
        """Turn the card over. Choice cards turn over by ``choose``, order
        cards by ``check_order``: for them this does nothing (False)."""
        if self.stage != Stage.QUESTION or self.card is None:
            return False
        if self.card.kind in (Kind.CHOICE, Kind.ORDER, Kind.TYPED):
            return False
        self.stage = Stage.ANSWER
        if self.card.kind == Kind.SCENARIO:
            self.suggested = suggest_scenario(len(self.card.fields["marking_points"]), 0)
        return True

    def choose(self, shown: int) -> ChoiceOutcome | None:
        """Pick the option shown as number ``shown`` (1-based) of a choice
        card, which turns it over; None if there is no such option."""
        if self.stage != Stage.QUESTION or self.card is None or self.card.kind != Kind.CHOICE:
            return None
        if not 1 <= shown <= len(self.option_order):
            return None
        chosen = self.option_order[shown - 1]
        right = int(self.card.fields["answer"]) - 1
        self.choice = ChoiceOutcome(chosen, right, shown, self.option_order.index(right) + 1)
        self.suggested = Grade(suggest_choice(right + 1, chosen + 1))
        self.stage = Stage.ANSWER
        return self.choice

    def check_order(self, attempt: Sequence[int]) -> OrderCheck | None:
        """Check an order card: ``attempt`` lists indexes into the note's
        items, in the learner's order. Raises ``ValueError`` if it is not a
        rearrangement of every item."""
        if self.stage != Stage.QUESTION or self.card is None or self.card.kind != Kind.ORDER:
            return None
        items = list(self.card.fields["items"])
        if sorted(attempt) != list(range(len(items))):
            raise ValueError("the attempt must use every item once")
        self.order_check = check_order(items, [items[i] for i in attempt])
        self.suggested = Grade(self.order_check.suggested)
        self.stage = Stage.ANSWER
        return self.order_check

    def type_answer(self, text: str) -> TypedCheck | None:
        """A typed card: check what the learner typed, which turns it over."""
        if self.stage != Stage.QUESTION or self.card is None or self.card.kind != Kind.TYPED:
            return None
        fields = self.card.fields
        self.typed = check_typed(fields["answer"], text, fields.get("accept", ()))
        self.suggested = self.typed.suggested
        self.stage = Stage.ANSWER
        return self.typed

    def mark_points(self, hits: int) -> Grade | None:
        """A scenario's answer side: the learner made ``hits`` of its marking
        points; returns the grade that now suggests."""
        if self.stage != Stage.ANSWER or self.card is None or self.card.kind != Kind.SCENARIO:
            return None
        self.suggested = Grade(suggest_scenario(len(self.card.fields["marking_points"]), hits))
        return self.suggested

    # -- grading ---------------------------------------------------------------

    def grade_for_key(self, key: int) -> Grade | None:
        """The grade of answer key ``key`` in the collection's grade mode."""
        return next((b.grade for b in self.buttons if b.key == key), None)

    def default_grade(self) -> Grade:
        """What Enter gives: the suggested grade, else Good (or the nearest
        grade the mode has)."""
        wanted = self.suggested if self.suggested is not None else Grade.GOOD
        grades = [b.grade for b in self.buttons]
        return min(grades, key=lambda g: (abs(g - wanted), -g))

    def answer(self, grade: Grade) -> Answered | None:
        """Answer the card that is up and move on (None if it is not turned
        over). Raises ``FlashdeskError`` when the collection refuses."""
        if self.stage != Stage.ANSWER or self.card is None:
            return None
        elapsed_ms = int((self._timer() - self._shown_at) * 1000)
        answered = self.col.study.answer(self.card.id, Grade(grade), self._clock(),
                                         time_ms=elapsed_ms)
        self.tally.record(answered.result.redrill, answered.result.grade)
        self.notice = LEECH_NOTICE if answered.result.leech else None
        self._show(answered.next)
        return answered

    # -- other actions ---------------------------------------------------------

    def undo(self) -> UndoResult:
        """Take back the newest action (an answer brings its card back).
        Raises ``UndoRefused`` with the reason when it cannot."""
        result = self.col.undo.undo(self._clock())
        if result.name == "Answer":
            self.tally.undo()
        self.notice = f"Undone: {result.name.lower()}."
        self._show(self._step())
        return result

    def bury(self) -> str | None:
        """Hide the card until tomorrow; returns what to tell the learner."""
        if self.card is None:
            return None
        self.col.study.bury([self.card.id], self._clock())
        self._show(self._step())
        self.notice = "Card buried until tomorrow (Ctrl+Z brings it back)."
        return self.notice

    def suspend(self) -> str | None:
        """Keep the card out of study; returns what to tell the learner."""
        if self.card is None:
            return None
        self.col.study.suspend([self.card.id], self._clock())
        self._show(self._step())
        self.notice = "Card suspended: it stays out of study until it is unsuspended."
        return self.notice

    def summary(self) -> SessionSummary:
        """The sitting so far, with the reviews due tomorrow in its decks."""
        stats = self.col.reports.stats(self._clock(), self.deck_id)  # once, at the end
        return SessionSummary(
            deck_id=self.deck_id, deck_name=self.deck_name, studied=self.tally.studied,
            correct=self.tally.correct, answers=len(self.tally.answers),
            seconds=self._timer() - self.tally.started, due_tomorrow=stats.forecast[1],
            nothing_found=self.nothing_found() if not self.tally.answers else None)

    # -- keys ------------------------------------------------------------------

    def key_action(self, key: str, *, typing: bool = False) -> tuple[Action, int | None]:
        """What ``key`` does now: a key name such as "Space", "Enter",
        "Ctrl+Enter", "Esc", "Ctrl+Z", "E", "@", "-" or a digit "0"–"9".
        ``typing``: the learner's focus is in a text box, where single-key
        shortcuts are off (Ctrl+Enter shows the answer there)."""
        if key == "Ctrl+Z":
            return Action.UNDO, None
        if key == "Esc":
            return Action.LEAVE, None
        card = self.card
        if card is None or self.stage == Stage.DONE:
            return Action.NONE, None
        if typing:
            if self.stage == Stage.QUESTION and (
                    key == "Ctrl+Enter" or key == "Enter" and card.kind == Kind.TYPED):
                return Action.REVEAL, None
            return Action.NONE, None
        if key in ("E", "@", "-"):
            return {"E": Action.EDIT, "@": Action.SUSPEND, "-": Action.BURY}[key], None
        if self.stage == Stage.QUESTION:
            if key.isdecimal():
                if card.kind == Kind.CHOICE:
                    return Action.PICK, int(key)
                return Action.HINT, None
            if key in _REVEAL_KEYS or key == "Ctrl+Enter":
                return (Action.HINT, None) if card.kind == Kind.CHOICE else (Action.REVEAL, None)
            return Action.NONE, None
        if key.isdecimal():
            return ((Action.GRADE, int(key)) if self.grade_for_key(int(key)) is not None
                    else (Action.HINT, None))
        if key in _REVEAL_KEYS:
            return Action.GRADE, None
        return Action.NONE, None

    def hint(self, *, typing: bool = False) -> str:
        """The line under the card: the keys that work now (``typing``: the
        learner is in a text box, where letters type and shortcuts rest)."""
        card = self.card
        if card is None:
            return ""
        if typing and self.stage == Stage.QUESTION:
            done = "Enter" if card.kind == Kind.TYPED else "Ctrl+Enter"
            what = "checks your answer" if card.kind == Kind.TYPED else "shows the model answer"
            return (f"Typing: {done} {what}   ·   Ctrl+Z undoes typing   ·   "
                    "Tab leaves the box   ·   Esc decks")
        buttons = self.buttons
        keys = f"{buttons[0].key}–{buttons[-1].key}"
        if self.stage == Stage.ANSWER:
            what = "suggested" if self.suggested is not None else "default"
            default = next(b.label for b in buttons if b.grade == self.default_grade())
            return (f"{keys}: grade   ·   Enter: {default} ({what})   ·   "
                    "↻ comes back this session   ·   Ctrl+Z undo")
        if card.kind == Kind.CHOICE:
            first = f"1–{len(self.option_order)}: choose an option"
        elif card.kind == Kind.ORDER:
            first = "Alt+↑/↓ moves an item   ·   Space or Enter: check the order"
        elif card.kind == Kind.SCENARIO:
            first = "Write your answer, then Ctrl+Enter (or Space/Enter outside the box)"
        elif card.kind == Kind.TYPED:
            first = "Type the answer, then Enter (letters typed here are not shortcuts)"
        else:
            first = "Space or Enter: show the answer"
        return first + "   ·   E edit   ·   @ suspend   ·   - bury   ·   Esc decks"

