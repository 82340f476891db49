"""The review screen: the window's renderer of a study session.

The session itself – which card is up, what a key does, the suggested grade,
the tally, undo – is ``flashdesk.review.ReviewSession``; this screen draws it
and passes the learner's keys and clicks in. Keys: see ``KEY_HELP`` there.
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import Callable

import shiboken6
from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QScrollArea,
    QTextEdit, QVBoxLayout, QWidget,
)

from ..collection import Collection, UndoRefused
from ..model import Answered, Changes, CustomStudy, DeckId, FlashdeskError, Queue, UndoResult
from ..review import Action, ReviewSession, SessionSummary, Stage, local_now
from ..text import again_caption, format_preview, isolate, kind_caption, sentence
from .card_views import KindView, view_for
from .dialogs.edit_note import EditNoteDialog
from .prefs import Prefs
from .theme import current_theme, repolish
from .widgets import ElidedLabel, GradeButton, text_label

__all__ = ["ReviewScreen", "SessionSummary", "local_now", "key_name"]

#: labels in a card that keep the window's font (captions and hints)
_UI_FONT_ROLES = ("hint", "caption", "subheading", "source")

_KEY_NAMES = {Qt.Key.Key_Space: "Space", Qt.Key.Key_Return: "Enter", Qt.Key.Key_Enter: "Enter",
              Qt.Key.Key_Escape: "Esc", Qt.Key.Key_E: "E", Qt.Key.Key_At: "@",
              Qt.Key.Key_Minus: "-"}


def key_name(event: QKeyEvent) -> str | None:
    """A key event as the session names keys ("Space", "Enter", "Ctrl+Enter",
    "E", "3" …); None for keys the session does not use."""
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    key = event.key()
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and ctrl:
        return "Ctrl+Enter"
    if ctrl or mods & Qt.KeyboardModifier.AltModifier:
        return None
    if Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
        return str(key - Qt.Key.Key_0)
    if event.text() == "@":
        return "@"
    return _KEY_NAMES.get(Qt.Key(key))


class _CardHost(QWidget):
    """The scrolling area's content: as tall as its text needs at the width it
    has, so the scroll bar shows only when the card really is taller than the
    window (wrapped text otherwise asks for its height at its narrowest)."""

    def _height_for(self, hint: QSize) -> QSize:
        layout = self.layout()
        if layout is None or not layout.hasHeightForWidth():
            return hint
        return QSize(hint.width(), layout.totalHeightForWidth(max(self.width(), hint.width())))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self._height_for(super().sizeHint())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self._height_for(super().minimumSizeHint())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()  # a new width: a new height


class ReviewScreen(QWidget):
    """Studies one deck: ``start(deck_id)``, then the learner drives it."""

    #: the deck has nothing more today (SessionSummary)
    finished = Signal(object)
    #: the learner went back to the decks
    left = Signal()
    #: a card is showing (CardView)
    card_shown = Signal(object)
    #: an answer was recorded (Answered)
    answered = Signal(object)
    #: the session changed the collection other than by answering (Changes)
    changed = Signal(object)
    #: an action was taken back (UndoResult)
    undone = Signal(object)

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
        self.session: ReviewSession | None = None
        self.view: KindView | None = None
        self._grade_buttons: list[GradeButton] = []
        #: the notice shown is a reminder of the keys (``_remind``)
        self._reminding = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
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
        top.addSpacing(18)  # the title, however short of room, never runs into the counts
        # the session's counts beside the deck's name: the card gets the height
        self._counts_label = QLabel("")
        self._counts_label.setTextFormat(Qt.TextFormat.RichText)
        top.addWidget(self._counts_label)
        top.addSpacing(12)
        self._edit_button = self._flat_button("Edit", "Edit this note (E)", self.edit_note)
        self._bury_button = self._flat_button("Bury", "Hide this card until tomorrow (-)",
                                              self.bury_card)
        self._suspend_button = self._flat_button(
            "Suspend", "Keep this card out of study until it is unsuspended (@)",
            self.suspend_card)
        self._undo_button = self._flat_button("Undo", "Take back the last action (Ctrl+Z)",
                                              self.undo)
        for b in (self._edit_button, self._bury_button, self._suspend_button, self._undo_button):
            top.addWidget(b)
        outer.addWidget(bar)

        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        host = _CardHost()
        row = QHBoxLayout(host)
        row.setContentsMargins(20, 12, 20, 6)
        column = QVBoxLayout()
        column.setSpacing(10)
        self._notice = text_label("", "notice")
        self._notice.hide()
        column.addWidget(self._notice)
        self._surface = QFrame()
        self._surface.setObjectName("cardSurface")
        self._surface.setMaximumWidth(880)
        self._surface_layout = QVBoxLayout(self._surface)
        self._surface_layout.setContentsMargins(28, 14, 28, 14)
        self._surface_layout.setSpacing(10)
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
        bottom.setContentsMargins(16, 8, 16, 6)
        bottom.setSpacing(6)
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
        # reachable by Tab, but a click or a closing dialog never leaves the focus
        # here, where Enter would press it instead of answering
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.clicked.connect(slot)
        return button

    def _install_shortcuts(self) -> None:
        # Ctrl+Enter must reach the screen even from the scenario's answer box
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda: self.press("Ctrl+Enter"))

    def _wanted_buttons(self):
        """The answer buttons of the card that is up (the collection's mode
        between sessions)."""
        return self.session.buttons if self.session is not None else \
            ReviewSession.buttons_for(self._col.grade_mode)

    def _sync_grade_buttons(self) -> bool:
        """Make the answer buttons those of the card that is up; True if they changed."""
        if [b.key for b in self._grade_buttons] == [b.key for b in self._wanted_buttons()]:
            return False
        self._rebuild_grade_buttons()
        return True

    def _rebuild_grade_buttons(self) -> None:
        for button in self._grade_buttons:
            self._grades_box.removeWidget(button)
            button.deleteLater()
        self._grade_buttons = []
        for b in self._wanted_buttons():
            button = GradeButton(b.key, int(b.grade), b.label)
            button.clicked.connect(lambda _checked=False, k=b.key: self.grade(k))
            button.hide()
            self._grades_box.addWidget(button)
            self._grade_buttons.append(button)

    # -- settings --------------------------------------------------------------

    def apply_preferences(self) -> None:
        """Card font size, grade mode and theme colours, now (the learner
        changed them here: the card that is up takes the grade mode too)."""
        if self.view is not None:
            self._apply_card_font(self.view)
        if self.session is not None:
            self.session.use_grade_mode()
        if self._sync_grade_buttons():
            if self.stage == Stage.ANSWER:
                self._show_grades()
            self._set_tab_order()
        if self.card is not None:
            self._update_counts()

    # -- the session -----------------------------------------------------------

    @property
    def deck_id(self) -> DeckId | None:
        return self.session.deck_id if self.session is not None else None

    @property
    def card(self):
        return self.session.card if self.session is not None and self.view is not None else None

    @property
    def stage(self) -> Stage:
        if self.session is None or self.view is None:
            return Stage.DONE
        return self.session.stage

    @property
    def counts(self) -> tuple[int, int, int]:
        """(new, learning, review) left in the session, as shown."""
        c = self.session.counts if self.session is not None else None
        return (c.new, c.learning, c.review) if c is not None else (0, 0, 0)

    @property
    def tally(self):
        return self.session.tally if self.session is not None else None

    @property
    def grade_buttons(self) -> list[GradeButton]:
        return list(self._grade_buttons)

    @property
    def reveal_button(self) -> QPushButton:
        return self._reveal_button

    def start(self, deck_id: DeckId | None, deck_name: str | None = None,
              custom: CustomStudy | None = None) -> None:
        """Begin a sitting on ``deck_id`` (custom study with ``custom``) and
        show its first card."""
        self.session = ReviewSession(self._col, deck_id, custom=custom, clock=self._clock,
                                     timer=self._timer, rng=self._rng)
        self.session.start()
        self._show_title(deck_name if deck_name is not None or deck_id is None
                         else self._col.decks.name(deck_id), custom)
        self._render()

    def _show_title(self, deck_name: str | None, custom: CustomStudy | None) -> None:
        """The study bar's title: the deck's path, the custom study and the
        exam. Short of room it drops the decks above first ('… › Models'),
        then the rest, and cuts only between words."""
        parts = [isolate(p) for p in deck_name.split("::")] if deck_name else ["All decks"]
        extras = [f" · {custom.describe()}" if custom is not None else "",
                  f"   ·   {exam}" if (exam := self.session.exam_line()) else ""]
        extras = [e for e in extras if e]
        paths = [" › ".join(parts)] + ["… › " + " › ".join(parts[i:])
                                       for i in range(1, len(parts))] + \
            ([parts[-1]] if len(parts) > 1 else [])
        forms = [p + "".join(extras) for p in paths]
        forms += [parts[-1] + "".join(extras[:n]) for n in range(len(extras) - 1, -1, -1)]
        self._deck_label.set_full_text(forms[0], forms[1:])

    def _render(self) -> None:
        """Draw what the session has up: the card, or the end of the sitting."""
        session = self.session
        if session is None:
            return
        if session.step is None:
            self._finish()
            return
        self._clear_view()
        card = session.step.card
        self._sync_grade_buttons()  # a grade mode changed elsewhere shows from this card
        self.view = view_for(session, current_theme().colors, self._col.media_dir,
                             parent=self._surface)
        self.view.revealed.connect(self._on_revealed)
        self.view.suggestion_changed.connect(self._on_suggestion_changed)
        self._apply_card_font(self.view)
        self._view_slot.addWidget(self.view)
        self.view.show()  # now, not when the layout gets round to it
        self._set_tab_order()
        drill = session.custom is not None and session.custom.drill
        self._kind_label.setText(kind_caption(card.kind, card.ord,
                                              again=again_caption(card, drill=drill)))
        self._source_label.setText(f"Source: {card.source}" if card.source else "")
        self._source_label.setVisible(bool(card.source))
        self._update_counts()
        self._show_question_controls()
        self._scroll.verticalScrollBar().setValue(0)
        if session.notice:
            self.notify(session.notice)
            session.notice = None
        else:
            self._notice.hide()
        self.card_shown.emit(card)

    def show_card(self, card) -> None:
        """Put ``card`` on screen, question side up (screenshots, tests)."""
        if self.session is None:
            self.session = ReviewSession(self._col, card.deck_id, clock=self._clock,
                                         timer=self._timer, rng=self._rng)
        self.session.show(card)
        self._render()

    def _set_tab_order(self) -> None:
        """Tab goes through the card, then the answer buttons, then the tool buttons."""
        if self.view is None:
            return
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
        for box in [*self.view.findChildren(QPlainTextEdit), *self.view.findChildren(QLineEdit)]:
            box.installEventFilter(self)  # the hint follows the focus in and out of boxes
        self.focus_card()
        self._update_hint()

    def _typing(self) -> bool:
        focus = self.focusWidget()
        return isinstance(focus, (QPlainTextEdit, QTextEdit, QLineEdit)) and \
            not focus.isReadOnly()

    def _update_hint(self) -> None:
        if self.session is not None:
            self._hint_label.setText(self.session.hint(typing=self._typing()))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            QTimer.singleShot(0, self._update_hint)  # once the focus has moved
        return super().eventFilter(watched, event)

    def focus_card(self) -> None:
        """Give the keyboard to the card (after a dialog closes, too)."""
        if self.view is None:
            return
        if self.stage == Stage.QUESTION:
            focus = self.view.question_focus() or self
        else:
            focus = self.view.answer_focus() or self.default_button() or self
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
        counts = self.session.counts
        colors = current_theme().colors
        current = self.card.queue if self.card is not None else None

        def part(name: str, value: int, color: str, queue: Queue) -> str:
            underline = " text-decoration: underline;" if queue == current else ""
            return f'<span style="color:{color};{underline}">{name} {value}</span>'

        self._counts_label.setText("  ·  ".join([
            part("New", counts.new, colors["new"], Queue.NEW),
            part("Learning", counts.learning, colors["learning"], Queue.LEARNING),
            part("Due", counts.review, colors["due"], Queue.REVIEW)]))
        self._counts_label.setAccessibleName(
            f"Left in this session: {counts.new} new, {counts.learning} learning, "
            f"{counts.review} due")

    # -- turning over and grading ---------------------------------------------

    def reveal(self) -> bool:
        """Turn the card over (Space / Enter / the button)."""
        if self.stage != Stage.QUESTION or self.view is None:
            return False
        return self.view.reveal()

    def _on_revealed(self) -> None:
        if self._reminding:  # the keys it named do something else now
            self._notice.hide()
            self._reminding = False
        self._reveal_button.hide()
        self._show_grades()
        self.focus_card()
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
        previews = self.session.step.previews
        for button in self._grade_buttons:
            p = previews[button.quality]
            button.set_interval(format_preview(p), p.again_today)
            button.show()
        self._on_suggestion_changed()

    def default_button(self) -> GradeButton | None:
        """The grade Enter gives: the suggested one, else Good."""
        if self.session is None:
            return None
        wanted = self.session.default_grade()
        return next((b for b in self._grade_buttons if b.quality == wanted), None)

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
        self._update_hint()

    def press(self, key: str) -> bool:
        """A key, named as the session names keys; True if it did something."""
        if self.session is None or self.view is None:
            return False
        action, value = self.session.key_action(key, typing=self._typing())
        if action == Action.REVEAL:
            if not self.reveal() and self.view.reveal_text is None:
                self._remind()
        elif action == Action.PICK:
            self.view.pick(value)
        elif action == Action.GRADE:
            if value is None:
                self.accept_default()
            else:
                self.grade(value)
        elif action == Action.HINT:
            self._remind()
        elif action == Action.EDIT:
            self.edit_note()
        elif action == Action.SUSPEND:
            self.suspend_card()
        elif action == Action.BURY:
            self.bury_card()
        elif action == Action.LEAVE:
            self.leave()
        elif action == Action.UNDO:
            self.undo()
        return action != Action.NONE

    def press_number(self, number: int) -> None:
        """A number key: picks an option on the question side, grades on the answer side."""
        self.press(str(number))

    def accept_default(self) -> None:
        if self.stage == Stage.ANSWER and self.session is not None:
            self._answer(self.session.default_grade())

    def grade(self, key: int) -> Answered | None:
        """Answer the card with grade key ``key`` and move on."""
        if self.stage != Stage.ANSWER or self.session is None:
            return None
        grade = self.session.grade_for_key(key)
        return self._answer(grade) if grade is not None else None

    def _answer(self, grade) -> Answered | None:
        try:
            answered = self.session.answer(grade)
        except FlashdeskError as exc:
            self.notify(sentence(str(exc)))
            return None
        self.answered.emit(answered)
        self._render()
        return answered

    # -- other actions ---------------------------------------------------------

    def undo(self) -> UndoResult | None:
        """Take back the newest action (an undone answer's card shows again)."""
        if self.session is None:
            return None
        try:
            result = self.session.undo()
        except UndoRefused as exc:
            self.notify(sentence(str(exc)))
            return None
        self._render()
        self.notify(f"Undone: {result.name.lower()}."
                    + (" The card is back." if result.card_id else ""))
        self.undone.emit(result)
        return result

    def edit_note(self) -> None:
        if self.card is None:
            return
        card = self.card
        was_revealed = self.stage == Stage.ANSWER
        changes = EditNoteDialog.ask(self, self._col, card.note_id, self._clock, card_id=card.id)
        if changes:
            self.session.refresh()
            self._render()
            if was_revealed and self.view is not None and self.view.reveal_text == "Show answer":
                self.reveal()
            self.notify("Note saved.")
            self.changed.emit(changes)
        self.focus_card()

    def suspend_card(self) -> None:
        if self.card is None:
            return
        self.session.suspend()
        self._render()
        self.changed.emit(Changes(cards=True, study_queues=True))

    def bury_card(self) -> None:
        if self.card is None:
            return
        self.session.bury()
        self._render()
        self.changed.emit(Changes(cards=True, study_queues=True))

    def refresh(self) -> None:
        """The collection changed elsewhere: show what is up now. The same
        card, unchanged, stays as the learner left it (half answered, with
        its buttons); only the counts follow."""
        if self.session is None or self.view is None:
            return
        card, stage = self.session.card, self.session.stage
        self.session.refresh()
        if self.session.card == card and self.session.stage == stage:
            self._update_counts()
            if stage == Stage.ANSWER:
                self._show_grades()
            return
        self._render()

    def leave(self) -> None:
        """Back to the decks (Esc); answers are already saved."""
        self.stop()
        self.left.emit()

    def _remind(self) -> None:
        """Say which keys work now ("1–4: choose an option."): a reminder
        for this side of the card only, gone once the card turns over."""
        self.notify(self.session.hint().split("   ·   ")[0] + ".")
        self._reminding = True

    def notify(self, text: str) -> None:
        self._reminding = False
        if self.view is None:
            return
        self._notice.setText(text)
        self._notice.setAccessibleName(text)
        self._notice.show()

    def stop(self) -> None:
        """Put the card away (the session's answers are all saved)."""
        self._clear_view()

    def _finish(self) -> None:
        self.stop()
        self.finished.emit(self.session.summary())

    # -- keys ------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """Keys the focused control did not use go to the session."""
        name = key_name(event)
        if name is not None and self.press(name):
            event.accept()
            return
        bar = self._scroll.verticalScrollBar()
        steps = {Qt.Key.Key_Up: -bar.singleStep(), Qt.Key.Key_Down: bar.singleStep(),
                 Qt.Key.Key_PageUp: -bar.pageStep(), Qt.Key.Key_PageDown: bar.pageStep()}
        if event.key() in steps:
            bar.setValue(bar.value() + steps[event.key()])
            event.accept()
            return
        super().keyPressEvent(event)
