"""The review screen: one card at a time, the answer, the grade.

Keys: Space or Enter turns the card over (Ctrl+Enter for a scenario); the
grade keys 1–4 (0–5 in six-grade mode) answer, Enter takes the suggested
grade; E edits the note, @ suspends, - buries, Esc goes back to the decks.
Ctrl+Z (the window's Undo) takes back the last answer.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, auto
from typing import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from ..cli import format_preview
from ..collection import Collection
from ..model import AnswerResult, CardView, DeckId, FlashdeskError, Kind, Queue, grade_labels
from .card_views import KindView, view_for
from .dialogs.edit_note import EditNoteDialog
from .prefs import Prefs
from .theme import current_theme, repolish
from .widgets import ElidedLabel, GradeButton, text_label

__all__ = ["ReviewScreen", "Stage", "SessionTally", "SessionSummary", "local_now"]

#: SM-2 quality a plain "I knew it" takes when nothing else is suggested
GOOD = 4
#: an answer of this quality or more counts as correct
CORRECT_QUALITY = 3

_KIND_CAPTIONS = {
    Kind.BASIC: "Question", Kind.CLOZE: "Fill the gap", Kind.CHOICE: "Multiple choice",
    Kind.ORDER: "Put in order", Kind.SCENARIO: "Scenario",
}


#: labels in a card that keep the window's font (captions and hints)
_UI_FONT_ROLES = ("hint", "caption", "subheading", "source")


def local_now() -> datetime:
    return datetime.now().astimezone()


class Stage(Enum):
    QUESTION = auto()
    ANSWER = auto()
    IDLE = auto()


@dataclass
class SessionTally:
    """The answers of one sitting; undo takes the last one away."""

    started: float = field(default_factory=time.monotonic)
    #: (was it a same-day re-drill?, was it correct?) per answer, in order
    answers: list[tuple[bool, bool]] = field(default_factory=list)

    def record(self, result: AnswerResult) -> None:
        self.answers.append((result.redrill, result.quality >= CORRECT_QUALITY))

    def undo(self) -> None:
        if self.answers:
            self.answers.pop()

    @property
    def studied(self) -> int:
        """Cards answered for the first time today in this sitting."""
        return sum(1 for redrill, _ in self.answers if not redrill)

    @property
    def correct(self) -> int:
        return sum(1 for redrill, ok in self.answers if not redrill and ok)


@dataclass(frozen=True)
class SessionSummary:
    deck_id: DeckId
    deck_name: str
    studied: int
    correct: int
    answers: int
    seconds: float
    due_tomorrow: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.correct / self.studied) if self.studied else None


class ReviewScreen(QWidget):
    """Studies one deck: ``start(deck_id)``, then the learner drives it."""

    #: the deck has nothing more today (SessionSummary)
    finished = Signal(object)
    #: the learner went back to the decks
    left = Signal()
    #: a card is showing (CardView)
    card_shown = Signal(object)
    #: an answer was recorded (AnswerResult)
    answered = Signal(object)
    #: an answer was taken back (the card id)
    undone = Signal(str)

    def __init__(self, col: Collection, prefs: Prefs, parent: QWidget | None = None, *,
                 clock: Callable[[], datetime] = local_now, rng: random.Random | None = None,
                 timer: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self._col = col
        self._prefs = prefs
        self._clock = clock
        #: seconds on a monotonic clock: how long each answer took
        self._timer = timer
        self._rng = rng or random.Random()
        self._deck: DeckId | None = None
        self._deck_name = ""
        self.card: CardView | None = None
        self.view: KindView | None = None
        self.stage = Stage.IDLE
        self.tally = SessionTally(timer())
        self._shown_at = timer()
        self._grade_buttons: list[GradeButton] = []
        #: (new, learning, review) left in the session, as shown
        self.counts = (0, 0, 0)
        self._build()
        self._install_shortcuts()
        self.apply_preferences()

    # -- layout ----------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        bar = QWidget()
        bar.setObjectName("reviewBar")
        top = QHBoxLayout(bar)
        top.setContentsMargins(12, 8, 12, 8)
        top.setSpacing(6)
        self._back_button = self._flat_button("← Decks", "Back to the deck list (Esc)",
                                              self.leave)
        top.addWidget(self._back_button)
        self._deck_label = ElidedLabel("")
        self._deck_label.setProperty("role", "subheading")
        top.addWidget(self._deck_label, 1)
        self._edit_button = self._flat_button("Edit", "Edit this note (E)", self.edit_note)
        self._bury_button = self._flat_button("Bury", "Hide this card until tomorrow (-)",
                                              self.bury_card)
        self._suspend_button = self._flat_button(
            "Suspend", "Keep this card out of study until it is unsuspended (@)",
            self.suspend_card)
        self._undo_button = self._flat_button("Undo", "Take back the last answer (Ctrl+Z)",
                                              self.undo)
        for b in (self._edit_button, self._bury_button, self._suspend_button, self._undo_button):
            top.addWidget(b)
        outer.addWidget(bar)

        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        host = QWidget()
        row = QHBoxLayout(host)
        row.setContentsMargins(24, 20, 24, 24)
        column = QVBoxLayout()
        column.setSpacing(10)
        self._notice = text_label("", "notice")
        self._notice.hide()
        column.addWidget(self._notice)
        self._surface = QFrame()
        self._surface.setObjectName("cardSurface")
        self._surface.setMaximumWidth(880)
        self._surface_layout = QVBoxLayout(self._surface)
        self._surface_layout.setContentsMargins(32, 22, 32, 28)
        self._surface_layout.setSpacing(14)
        self._kind_label = text_label("", "caption")
        self._surface_layout.addWidget(self._kind_label)
        self._view_slot = QVBoxLayout()
        self._surface_layout.addLayout(self._view_slot)
        self._source_label = text_label("", "source")
        self._source_label.hide()
        self._surface_layout.addWidget(self._source_label)
        column.addWidget(self._surface)
        column.addStretch(1)
        row.addStretch(1)
        row.addLayout(column, 100)
        row.addStretch(1)
        self._scroll.setWidget(host)
        outer.addWidget(self._scroll, 1)

        answer_bar = QWidget()
        answer_bar.setObjectName("answerBar")
        bottom = QVBoxLayout(answer_bar)
        bottom.setContentsMargins(16, 10, 16, 10)
        bottom.setSpacing(8)
        self._counts_label = QLabel("")
        self._counts_label.setTextFormat(Qt.TextFormat.RichText)
        self._counts_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bottom.addWidget(self._counts_label)
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        buttons.addStretch(1)
        self._reveal_button = QPushButton("Show answer")
        self._reveal_button.setProperty("primary", "true")
        self._reveal_button.setAutoDefault(True)
        self._reveal_button.setMinimumWidth(220)
        self._reveal_button.clicked.connect(self.reveal)
        buttons.addWidget(self._reveal_button)
        self._grades_box = QHBoxLayout()
        self._grades_box.setSpacing(10)
        buttons.addLayout(self._grades_box)
        buttons.addStretch(1)
        bottom.addLayout(buttons)
        self._hint_label = text_label("", "hint")
        self._hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bottom.addWidget(self._hint_label)
        outer.addWidget(answer_bar)

    def _flat_button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setProperty("flat", True)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.setAutoDefault(True)
        button.clicked.connect(slot)
        return button

    def _install_shortcuts(self) -> None:
        def add(keys: str, slot) -> QShortcut:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            return shortcut

        for digit in range(10):
            add(str(digit), lambda d=digit: self.press_number(d))
        add("E", self.edit_note)
        add("@", self.suspend_card)
        add("-", self.bury_card)
        add("Esc", self.leave)
        add("Ctrl+Return", self.reveal)
        add("Ctrl+Enter", self.reveal)

    def _rebuild_grade_buttons(self) -> None:
        for button in self._grade_buttons:
            self._grades_box.removeWidget(button)
            button.deleteLater()
        self._grade_buttons = []
        for key, quality, name in grade_labels(self._col.grade_mode):
            button = GradeButton(key, quality, name)
            button.clicked.connect(lambda _checked=False, k=key: self.grade(k))
            button.hide()
            self._grades_box.addWidget(button)
            self._grade_buttons.append(button)

    # -- settings --------------------------------------------------------------

    def apply_preferences(self) -> None:
        """Card font size, grade mode and theme colours, now."""
        if self.view is not None:
            self._apply_card_font(self.view)
        keys = [b.key for b in self._grade_buttons]
        if keys != [k for k, _, _ in grade_labels(self._col.grade_mode)]:
            self._rebuild_grade_buttons()
            if self.stage == Stage.ANSWER:
                self._show_grades()
        if self.card is not None and self.stage != Stage.IDLE:
            self._update_counts()

    # -- the session -----------------------------------------------------------

    @property
    def deck_id(self) -> DeckId | None:
        return self._deck

    @property
    def grade_buttons(self) -> list[GradeButton]:
        return list(self._grade_buttons)

    @property
    def reveal_button(self) -> QPushButton:
        return self._reveal_button

    def start(self, deck_id: DeckId, deck_name: str) -> None:
        """Begin a sitting on ``deck_id`` and show its first card."""
        self._deck = deck_id
        self._deck_name = deck_name
        self._deck_label.set_full_text(deck_name.replace("::", " › "))
        self.tally = SessionTally(self._timer())
        self.next_card()

    def next_card(self) -> None:
        card = self._col.next_card(self._deck, self._clock())
        if card is None:
            self._finish()
        else:
            self.show_card(card)

    def show_card(self, card: CardView) -> None:
        """Put ``card`` on screen, question side up."""
        self._clear_view()
        self._notice.hide()
        self.card = card
        self.view = view_for(card, current_theme().colors, self._col.media_dir, self._rng,
                             parent=self._surface)
        self.view.revealed.connect(self._on_revealed)
        self.view.suggestion_changed.connect(self._on_suggestion_changed)
        self._apply_card_font(self.view)
        self._view_slot.addWidget(self.view)
        self.view.show()  # now, not when the layout gets round to it
        self._set_tab_order()
        caption = _KIND_CAPTIONS[card.kind]
        if card.kind == Kind.BASIC and card.ord == 1:
            caption = "Question (reverse)"
        if card.redrill:
            caption += " · again: answered below Good earlier today"
        self._kind_label.setText(caption)
        self._source_label.setText(f"Source: {card.source}" if card.source else "")
        self._source_label.setVisible(bool(card.source))
        self.stage = Stage.QUESTION
        self._shown_at = self._timer()
        self._update_counts()
        self._show_question_controls()
        self._scroll.verticalScrollBar().setValue(0)
        self.card_shown.emit(card)

    def _set_tab_order(self) -> None:
        """Tab goes through the card, then the answer buttons, then the tool buttons."""
        chain = [*self.view.focus_chain(), self._reveal_button, *self._grade_buttons,
                 self._back_button, self._edit_button, self._bury_button,
                 self._suspend_button, self._undo_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _clear_view(self) -> None:
        if self.view is not None:
            self._view_slot.removeWidget(self.view)
            self.view.hide()
            self.view.deleteLater()
            self.view = None

    def _show_question_controls(self) -> None:
        for button in self._grade_buttons:
            button.hide()
        text = self.view.reveal_text
        self._reveal_button.setVisible(text is not None)
        if text is not None:
            self._reveal_button.setText(text)
            self._reveal_button.setToolTip(f"{text} ({self.view.reveal_keys})")
            self._reveal_button.setAccessibleName(text)
        self._hint_label.setText(self.view.question_hint
                                 + "   ·   E edit   ·   @ suspend   ·   - bury   ·   Esc decks")
        focus = self.view.question_focus() or self._reveal_button
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _apply_card_font(self, view: QWidget) -> None:
        """The card font size, set on each widget of the card: with a style sheet
        applied, Qt does not pass a parent's font on to its children."""
        font = self.font()
        font.setPointSize(self._prefs.card_font_pt)
        for w in (view, *view.findChildren(QWidget)):
            if b"role" not in w.dynamicPropertyNames() or w.property("role") not in _UI_FONT_ROLES:
                w.setFont(font)

    def _update_counts(self) -> None:
        new, learning, review = self._col.session_counts(self._deck, self._clock())
        colors = current_theme().colors
        current = self.card.queue if self.card is not None else None

        def part(name: str, value: int, color: str, queue: Queue) -> str:
            underline = " text-decoration: underline;" if queue == current else ""
            return f'<span style="color:{color};{underline}">{name} {value}</span>'

        self._counts_label.setText("   ·   ".join([
            part("New", new, colors["new"], Queue.NEW),
            part("Learning", learning, colors["learning"], Queue.LEARNING),
            part("Due", review, colors["due"], Queue.REVIEW)]))
        self._counts_label.setAccessibleName(
            f"Left in this session: {new} new, {learning} learning, {review} due")
        self.counts = (new, learning, review)

    # -- turning over and grading ---------------------------------------------

    def reveal(self) -> bool:
        """Turn the card over (Space / Enter / the button)."""
        if self.stage != Stage.QUESTION or self.view is None:
            return False
        if self.view.reveal():
            return True
        if self.view.reveal_text is None:
            self.notify(self.view.question_hint.capitalize() + " first.")
        return False

    def _on_revealed(self) -> None:
        self.stage = Stage.ANSWER
        self._reveal_button.hide()
        self._show_grades()
        focus = self.view.answer_focus() or self.default_button()
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
        anchor = self.view.answer_anchor()
        if anchor is not None:
            # once the answer side is laid out, bring its start into view
            QTimer.singleShot(0, lambda: self._scroll_to(anchor))

    def _scroll_to(self, widget: QWidget) -> None:
        if self.view is None or not shiboken6.isValid(widget):
            return  # the card has moved on meanwhile
        if widget.isVisible() and self.view.isAncestorOf(widget):
            content = self._scroll.widget()
            content.layout().activate()
            if self.view.anchor_to_top:
                top = widget.mapTo(content, widget.rect().topLeft()).y()
                self._scroll.verticalScrollBar().setValue(top - 16)
            else:
                self._scroll.ensureWidgetVisible(widget, 0, 24)

    def _show_grades(self) -> None:
        preview = self._col.preview(self.card.id, self._clock())
        for button in self._grade_buttons:
            p = preview[button.quality]
            button.set_interval(format_preview(p), p.again_today)
            button.show()
        self._on_suggestion_changed()

    def default_button(self) -> GradeButton:
        """The grade Enter gives: the suggested one, else Good."""
        wanted = self.view.suggested if self.view and self.view.suggested is not None else GOOD
        for button in self._grade_buttons:
            if button.quality == wanted:
                return button
        return min(self._grade_buttons, key=lambda b: abs(b.quality - wanted))

    def _on_suggestion_changed(self) -> None:
        if self.stage != Stage.ANSWER:
            return
        default = self.default_button()
        for button in self._grade_buttons:
            # strings, always set: PySide6 6.12 miscounts references to None/True/False
            # read back from Qt properties
            wanted = "true" if button is default else "false"
            if button.property("suggested") != wanted:
                button.setProperty("suggested", wanted)
                repolish(button)
        keys = f"{self._grade_buttons[0].key}–{self._grade_buttons[-1].key}"
        what = "suggested" if self.view.suggested is not None else "default"
        self._hint_label.setText(f"{keys}: grade   ·   Enter: {default.grade_name} ({what})   ·   "
                                 "↻ comes back this session   ·   Ctrl+Z undo")

    def press_number(self, number: int) -> None:
        """A number key: picks an option on the question side, grades on the answer side."""
        if self.stage == Stage.QUESTION and self.view is not None:
            self.view.pick(number)
        elif self.stage == Stage.ANSWER:
            self.grade(number)

    def accept_default(self) -> None:
        if self.stage == Stage.ANSWER:
            self.grade(self.default_button().key)

    def grade(self, key: int) -> AnswerResult | None:
        """Answer the card with grade key ``key`` and move on."""
        if self.stage != Stage.ANSWER or self.card is None:
            return None
        quality = {k: q for k, q, _ in grade_labels(self._col.grade_mode)}.get(key)
        if quality is None:
            return None
        elapsed_ms = int((self._timer() - self._shown_at) * 1000)
        try:
            result = self._col.answer(self.card.id, quality, self._clock(), time_ms=elapsed_ms)
        except FlashdeskError as exc:
            self.notify(str(exc))
            return None
        self.tally.record(result)
        self.answered.emit(result)
        self.next_card()
        if result.leech:
            self.notify("That card has now lapsed 8 times and is tagged 'leech': consider "
                        "rewording it (E) or suspending it (@).")
        return result

    # -- other actions ---------------------------------------------------------

    def undo(self) -> str | None:
        """Take back the last answer; its card shows again."""
        card_id = self._col.undo(self._clock())
        if card_id is None:
            self.notify("Nothing to undo.")
            return None
        self.tally.undo()
        self.next_card()
        self.undone.emit(card_id)
        self.notify("Answer undone: the card is back.")
        return card_id

    def edit_note(self) -> None:
        if self.card is None or self.stage == Stage.IDLE:
            return
        if EditNoteDialog.ask(self, self._col, self.card.note_id, self._clock):
            shown_at, was_revealed = self._shown_at, self.stage == Stage.ANSWER
            self.show_card(self._col.card(self.card.id, self._clock()))
            self._shown_at = shown_at
            if was_revealed and self.view.reveal_text == "Show answer":
                self.reveal()
            self.notify("Note saved.")

    def suspend_card(self) -> None:
        if self.card is None or self.stage == Stage.IDLE:
            return
        self._col.suspend([self.card.id], self._clock())
        self.next_card()
        self.notify("Card suspended: it stays out of study until it is unsuspended.")

    def bury_card(self) -> None:
        if self.card is None or self.stage == Stage.IDLE:
            return
        self._col.bury([self.card.id], self._clock())
        self.next_card()
        self.notify("Card buried until tomorrow.")

    def leave(self) -> None:
        """Back to the decks (Esc); answers are already saved."""
        self.stop()
        self.left.emit()

    def notify(self, text: str) -> None:
        if self.stage == Stage.IDLE:
            return
        self._notice.setText(text)
        self._notice.setAccessibleName(text)
        self._notice.show()

    def stop(self) -> None:
        """Put the card away (the session's answers are all saved)."""
        self._clear_view()
        self.card = None
        self.stage = Stage.IDLE

    def _finish(self) -> None:
        self.stop()
        stats = self._col.stats(self._clock(), self._deck)
        self.finished.emit(SessionSummary(
            deck_id=self._deck, deck_name=self._deck_name, studied=self.tally.studied,
            correct=self.tally.correct, answers=len(self.tally.answers),
            seconds=self._timer() - self.tally.started, due_tomorrow=stats.forecast[1]))

    # -- keys ------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """Keys the focused control did not use."""
        key = event.key()
        if key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            if self.stage == Stage.QUESTION:
                self.reveal()
            elif self.stage == Stage.ANSWER:
                self.accept_default()
            event.accept()
            return
        bar = self._scroll.verticalScrollBar()
        steps = {Qt.Key.Key_Up: -bar.singleStep(), Qt.Key.Key_Down: bar.singleStep(),
                 Qt.Key.Key_PageUp: -bar.pageStep(), Qt.Key.Key_PageDown: bar.pageStep()}
        if key in steps:
            bar.setValue(bar.value() + steps[key])
            event.accept()
            return
        super().keyPressEvent(event)
