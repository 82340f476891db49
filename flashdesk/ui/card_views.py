"""How each kind of card looks and what the learner does with it before
grading: basic and cloze reveal; choice, order and scenario take an attempt,
then show the answer with the learner's own result and a suggested grade.

A view never talks to the collection: it draws the card that the study
session (``flashdesk.review.ReviewSession``) has up, and tells the session
what the learner did (``choose``, ``check_order``, ``mark_points``), which
decides the suggested grade.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit,
    QSizePolicy, QVBoxLayout, QWidget,
)

from ..cards import cloze_answer, cloze_question, plain_text
from ..model import Grade, Kind
from ..review import ReviewSession
from ..text import plural
from .card_html import blank, escape, highlight, qt_html
from .theme import repolish
from .widgets import CardLabel, CheckItem, HintEdit, OptionButton, divider, text_label

__all__ = ["KindView", "BasicView", "ClozeView", "ChoiceView", "OrderView", "ScenarioView",
           "OrderList", "view_for"]


class KindView(QWidget):
    """The card area for one card. ``reveal()`` turns it to its answer side."""

    #: the answer side is showing
    revealed = Signal()
    #: ``suggested`` changed after the reveal (scenario ticks)
    suggestion_changed = Signal()

    #: scroll the answer side's start to the top (else just into view)
    anchor_to_top = False
    #: text of the button that turns the card over; None: the learner acts in the card
    reveal_text: str | None = "Show answer"
    reveal_keys = "Space or Enter"

    def __init__(self, session: ReviewSession, colors: dict[str, str], media_dir: Path | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        assert session.card is not None
        self.session = session
        self.card = session.card
        self._colors = colors
        self._media_dir = media_dir
        self.is_revealed = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(16)

    # -- for subclasses --------------------------------------------------------

    def _html(self, fragment: str) -> str:
        return qt_html(fragment, self._colors, self._media_dir)

    def _label(self, fragment: str) -> CardLabel:
        label = CardLabel(self._html(fragment))
        self._layout.addWidget(label)
        return label

    def _caption(self, text: str) -> QLabel:
        label = text_label(text, "subheading")
        self._layout.addWidget(label)
        return label

    def _extra(self, field: str) -> list[QWidget]:
        """The optional extra text of the answer side, hidden until revealed."""
        text = self.card.fields.get(field)
        if not text:
            return []
        label = self._label(text)
        label.setProperty("role", "muted")
        label.hide()
        return [label]

    def _do_reveal(self) -> bool:
        raise NotImplementedError

    # -- used by the reviewer --------------------------------------------------

    @property
    def suggested(self) -> Grade | None:
        """The grade the learner's attempt suggests (the session decides)."""
        return self.session.suggested

    @property
    def question_hint(self) -> str:
        return f"{self.reveal_keys}: {self.reveal_text.lower()}" if self.reveal_text else ""

    def reveal(self) -> bool:
        """Show the answer side; False if the learner must act first."""
        if self.is_revealed or not self._do_reveal():
            return False
        self.is_revealed = True
        self.revealed.emit()
        return True

    def pick(self, number: int) -> bool:
        """A number key on the question side; True if it meant something."""
        return False

    def question_focus(self) -> QWidget | None:
        """The control that takes the focus on the question side, if any."""
        return None

    def answer_focus(self) -> QWidget | None:
        """The control that keeps the focus on the answer side, if any."""
        return None

    def answer_anchor(self) -> QWidget | None:
        """Where the answer side begins: scrolled into view when revealed."""
        return None

    def focus_chain(self) -> list[QWidget]:
        """The card's own controls in Tab order."""
        return []


class BasicView(KindView):
    """Front → back (ord 0), or back → front for the reverse card (ord 1)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.card.fields
        front, back = (f["front"], f["back"]) if self.card.ord == 0 else (f["back"], f["front"])
        self._question = self._label(front)
        self._answer_widgets: list[QWidget] = [divider()]
        self._layout.addWidget(self._answer_widgets[0])
        self._answer = self._label(back)
        self._answer_widgets.append(self._answer)
        self._answer_widgets += self._extra("extra")
        for w in self._answer_widgets:
            w.hide()

    def _do_reveal(self) -> bool:
        if not self.session.reveal():
            return False
        for w in self._answer_widgets:
            w.show()
        return True

    def answer_anchor(self) -> QWidget | None:
        return self._answer_widgets[-1]


class ClozeView(KindView):
    """The text with one part blanked; the answer side shows it highlighted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text = self.card.fields["text"]
        self._text = self._label(cloze_question(text, self.card.ord, blank(self._colors)))
        self._answer_html = self._html(
            cloze_answer(text, self.card.ord, lambda s: highlight(s, self._colors)))
        self._extras = self._extra("extra")

    def _do_reveal(self) -> bool:
        if not self.session.reveal():
            return False
        self._text.set_html(self._answer_html)
        for w in self._extras:
            w.show()
        return True


class ChoiceView(KindView):
    """Options as buttons (number keys pick), in a fresh order each time so the
    answer's place is not what is learnt; the pick is marked right or wrong."""

    reveal_text = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.card.fields
        self._label(f["question"])
        #: the option (0-based) shown at each place
        self.order = list(self.session.option_order)
        self.options: list[OptionButton] = []
        box = QVBoxLayout()
        box.setSpacing(8)
        for number, original in enumerate(self.order, 1):
            button = OptionButton(number, self._html(f["options"][original]))
            # number keys and clicks choose; Space and Enter never pick an option
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, n=number: self.pick(n))
            box.addWidget(button)
            self.options.append(button)
        self._layout.addLayout(box)
        self.verdict = text_label("", rich=False)
        self.verdict.hide()
        self._layout.addWidget(self.verdict)
        self._explanation = self._extra("explanation")
        #: the place (1-based, as shown) the learner picked
        self.chosen: int | None = None

    @property
    def right_number(self) -> int:
        """Where the right option is shown (1-based): its key."""
        return self.order.index(int(self.card.fields["answer"]) - 1) + 1

    @property
    def question_hint(self) -> str:
        return f"1–{len(self.options)} or click: choose an option"

    def pick(self, number: int) -> bool:
        if self.is_revealed or not 1 <= number <= len(self.options):
            return False
        self.chosen = number
        return self.reveal()

    def _do_reveal(self) -> bool:
        if self.chosen is None or self.session.choose(self.chosen) is None:
            return False
        right = self.right_number
        for button in self.options:
            if button.number == right:
                button.set_verdict("right", "✓")
            elif button.number == self.chosen:
                button.set_verdict("wrong", "✗")
            else:
                button.set_verdict("other")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)
            repolish(button)
        answer = self._option_name(right)
        if self.chosen == right:
            self.verdict.setText(f"✓ Right: {answer}.")
            self.verdict.setProperty("verdict", "right")
        else:
            self.verdict.setText(f"✗ Not quite: the answer is {answer}, "
                                 f"not {self._option_name(self.chosen)}.")
            self.verdict.setProperty("verdict", "wrong")
        self.verdict.setAccessibleName(self.verdict.text())
        repolish(self.verdict)
        self.verdict.show()
        for w in self._explanation:
            w.show()
        return True

    def _option_name(self, number: int) -> str:
        """An option as the verdict names it: its words in quotes when short
        (“Abusive”), else its number as shown ('option 3')."""
        words = plain_text(self.card.fields["options"][self.order[number - 1]])
        return f"“{words}”" if len(words) <= 40 else f"option {number}"

    def answer_anchor(self) -> QWidget | None:
        return self._explanation[-1] if self._explanation else self.verdict

class OrderList(QListWidget):
    """The learner's order: drag items, or move the selected one with
    Alt+Up/Alt+Down (Ctrl+Up/Ctrl+Down work too)."""

    moved = Signal()

    _ITEM_CHROME = 20  # padding, margin and border of an item in the style sheet (height)
    _ITEM_SIDES = 30   # the same across

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("orderList")
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Items to put in order")
        self.setToolTip("Drag an item, or select it and press Alt+Up / Alt+Down to move it")
        self.model().rowsMoved.connect(lambda *_: self._after_move())

    def order(self) -> list[int]:
        """The original index of each item, in the learner's order."""
        return [self.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.count())]

    def move_current(self, step: int) -> bool:
        row = self.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.count():
            return False
        item = self.takeItem(row)
        self.insertItem(target, item)
        self.setCurrentRow(target)
        self._after_move()
        return True

    def _after_move(self) -> None:
        self.setAccessibleDescription("Your order: " + "; ".join(
            f"{row + 1}. {self.item(row).text()}" for row in range(self.count())))
        self.moved.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        mods = event.modifiers()
        moving = mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier)
        if moving and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_current(-1 if event.key() == Qt.Key.Key_Up else 1)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End,
                           Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Tab,
                           Qt.Key.Key_Backtab):
            super().keyPressEvent(event)
            return
        event.ignore()  # Space/Enter check the order; other keys are the review screen's

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.fit_items()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_items()

    def fit_items(self) -> None:
        """Give each item the height its wrapped text needs, and the list the
        height of all its items (the card area scrolls, not the list)."""
        width = max(120, self.viewport().width() - self._ITEM_SIDES)
        metrics = self.fontMetrics()
        total = 0
        for row in range(self.count()):
            item = self.item(row)
            rect = metrics.boundingRect(0, 0, width, 100000, Qt.TextFlag.TextWordWrap, item.text())
            height = rect.height() + self._ITEM_CHROME
            item.setSizeHint(QSize(width, height))
            total += height
        frame = self.frameWidth() * 2 + 12
        self.setFixedHeight(total + frame)


class OrderView(KindView):
    """The items shuffled; the learner orders them, then checks."""

    reveal_text = "Check order"
    reveal_keys = "Space or Enter"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.card.fields
        self.items: list[str] = list(f["items"])
        self._label(f["prompt"])
        self._how = text_label("Drag the items into the right order, or select one and move "
                               "it with Alt+Up / Alt+Down. Then press Space or Enter to check.",
                               "hint")
        self._layout.addWidget(self._how)
        self.list = OrderList()
        for index in self.session.item_order:
            item = QListWidgetItem(plain_text(self.items[index]))
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self._layout.addWidget(self.list)
        self.verdict = text_label("")
        self.verdict.hide()
        self._layout.addWidget(self.verdict)
        self.result = CardLabel("")
        self.result.hide()
        self._layout.addWidget(self.result)
        self._explanation = self._extra("explanation")
        self.check = None

    def _do_reveal(self) -> bool:
        order = self.list.order()
        self.check = self.session.check_order(order)
        if self.check is None:
            return False
        attempt = [self.items[i] for i in order]
        right, wrong, muted = self._colors["right"], self._colors["wrong"], self._colors["muted"]
        rows = []
        for pos, (item, ok) in enumerate(zip(self.items, self.check.correct), 1):
            mark = (f'<span style="color:{right}; font-weight:600;">✓</span>' if ok else
                    f'<span style="color:{wrong}; font-weight:600;">✗</span> '
                    f'<span style="color:{muted};">you put: '
                    f'{escape(plain_text(attempt[pos - 1]))}</span>')
            rows.append(f'<tr><td style="padding:4px 10px 4px 0;">{pos}.</td>'
                        f'<td style="padding:4px 16px 4px 0;">{escape(plain_text(item))}</td>'
                        f'<td style="padding:4px 0;">{mark}</td></tr>')
        self.result.set_html("<table>" + "".join(rows) + "</table>")
        self.result.setAccessibleName("The right order: " + "; ".join(
            f"{i}. {plain_text(t)}" + ("" if ok else f" (you put {plain_text(a)})")
            for i, (t, ok, a) in enumerate(zip(self.items, self.check.correct, attempt), 1)))
        if self.check.mistakes:
            self.verdict.setText(f"✗ {self.check.mistakes} of {len(self.items)} in the wrong "
                                 "place. The right order:")
            self.verdict.setProperty("verdict", "wrong")
        else:
            self.verdict.setText("✓ All in the right order:")
            self.verdict.setProperty("verdict", "right")
        repolish(self.verdict)
        self.list.hide()
        self._how.hide()
        self.verdict.show()
        self.result.show()
        for w in self._explanation:
            w.show()
        return True

    def question_focus(self) -> QWidget | None:
        return self.list

    def answer_anchor(self) -> QWidget | None:
        return self.verdict

    def focus_chain(self) -> list[QWidget]:
        return [self.list]


class AnswerEdit(QPlainTextEdit):
    """The learner's answer box: about five lines of the card font high."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(400, self.fontMetrics().lineSpacing() * 5 + 2 * self.frameWidth() + 16)


class ScenarioView(KindView):
    """The situation and a box for the learner's answer; then the model answer
    and the examiner's marking points to tick."""

    reveal_text = "Show model answer"
    reveal_keys = "Ctrl+Enter"
    anchor_to_top = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.card.fields
        self._label(f["prompt"])
        self._your_answer = self._caption("Your answer")
        self.editor = AnswerEdit()
        self.editor.setPlaceholderText("What would you say and do? Type your answer "
                                       "(optional), then press Ctrl+Enter.")
        self.editor.setAccessibleName("Your answer")
        self.editor.setToolTip("Your answer – Ctrl+Enter shows the model answer")
        self._layout.addWidget(self.editor)
        self._your_text = CardLabel("")
        self._your_text.setProperty("role", "quote")
        self._your_text.hide()
        self._layout.addWidget(self._your_text)
        self._answer_widgets: list[QWidget] = [divider()]
        self._layout.addWidget(self._answer_widgets[0])
        self._answer_widgets.append(self._caption("Model answer"))
        self._answer_widgets.append(self._label(f["model_answer"]))
        self._answer_widgets.append(self._caption(
            "Marking points – tick the ones your answer made (Space ticks, Tab moves on)"))
        self.points: list[CheckItem] = []
        for point in f["marking_points"]:
            item = CheckItem(self._html(point))
            item.toggled.connect(self._on_ticked)
            self._layout.addWidget(item)
            self.points.append(item)
            self._answer_widgets.append(item)
        self.tally = text_label("")
        self._layout.addWidget(self.tally)
        self._answer_widgets.append(self.tally)
        self._answer_widgets += self._extra("explanation")
        for w in self._answer_widgets:
            w.hide()

    @property
    def hits(self) -> int:
        return sum(p.checked for p in self.points)

    def _on_ticked(self, _checked: bool) -> None:
        self._update_tally()
        self.suggestion_changed.emit()

    def _update_tally(self) -> None:
        self.session.mark_points(self.hits)
        self.tally.setText(f"{self.hits} of {plural(len(self.points), 'marking point')} made.")

    def _do_reveal(self) -> bool:
        if not self.session.reveal():
            return False
        self.editor.setReadOnly(True)
        self.editor.hide()
        typed = self.editor.toPlainText().strip()
        if typed:
            self._your_text.set_html(escape(typed).replace("\n", "<br>"))
            self._your_text.show()
        else:
            self._your_answer.hide()
        for w in self._answer_widgets:
            w.show()
        self._update_tally()
        return True

    def question_focus(self) -> QWidget | None:
        return self.editor

    def answer_focus(self) -> QWidget | None:
        return self.points[0].box if self.points else None

    def answer_anchor(self) -> QWidget | None:
        return self._answer_widgets[1]  # the "Model answer" caption

    def focus_chain(self) -> list[QWidget]:
        return [self.editor, *(p.box for p in self.points)]


#: below this likeness (0–1) a typed answer is shown as typed, not marked letter by letter
NEAR_MISS = 0.6


class TypedView(KindView):
    """The learner types the answer; then it is compared letter by letter
    (key terms must be exact) and the right answer shown."""

    reveal_text = "Check answer"
    reveal_keys = "Enter"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.card.fields
        self._label(f["prompt"])
        self.editor = HintEdit("Type the answer, then press Enter", "Type the answer")
        self.editor.setAccessibleName("Your answer")
        self.editor.setToolTip("Type the answer – Enter checks it")
        self.editor.setClearButtonEnabled(False)
        self._layout.addWidget(self.editor)
        self.verdict = text_label("")
        self.verdict.hide()
        self._layout.addWidget(self.verdict)
        self.comparison = CardLabel("")
        self.comparison.hide()
        self._layout.addWidget(self.comparison)
        self._explanation = self._extra("explanation")

    def _do_reveal(self) -> bool:
        check = self.session.type_answer(self.editor.text())
        if check is None:
            return False
        self.editor.setReadOnly(True)
        self.editor.hide()
        c = self._colors
        styles = {"same": "", "wrong": f"color:{c['wrong']}; text-decoration: line-through;",
                  "missing": f"color:{c['right']}; text-decoration: underline;"}
        if not check.typed.strip():
            yours = "<i>(nothing typed)</i>"
        elif check.likeness < NEAR_MISS:
            # far off: letter-by-letter marks would only scramble it; shown as typed
            yours = f'<span style="color:{c["wrong"]};">{escape(check.typed)}</span>'
        else:
            yours = "".join(f'<span style="{styles[what]}">{escape(part)}</span>'
                            for what, part in check.diff)
        rows = [f"<b>Answer:</b> {escape(check.expected)}"]
        if not check.right:
            rows.append(f"<b>You typed:</b> {yours}")
        if check.missing_terms and " ".join(check.missing_terms).casefold() != \
                check.expected.strip().casefold():  # not when the answer is the term
            rows.append("<b>Key terms to get exactly right:</b> "
                        + escape(", ".join(check.missing_terms)))
        self.comparison.set_html("<br>".join(rows))
        if check.right:
            self.verdict.setText("✓ Right.")
            self.verdict.setProperty("verdict", "right")
        elif check.suggested >= 3:
            self.verdict.setText("≈ Nearly: check the differences below.")
            self.verdict.setProperty("verdict", "wrong")
        else:
            self.verdict.setText("✗ Not quite.")
            self.verdict.setProperty("verdict", "wrong")
        self.verdict.setAccessibleName(self.verdict.text())
        repolish(self.verdict)
        self.verdict.show()
        self.comparison.show()
        for w in self._explanation:
            w.show()
        return True

    def question_focus(self) -> QWidget | None:
        return self.editor

    def answer_anchor(self) -> QWidget | None:
        return self.verdict

    def focus_chain(self) -> list[QWidget]:
        return [self.editor]


_VIEWS: dict[Kind, type[KindView]] = {
    Kind.BASIC: BasicView, Kind.CLOZE: ClozeView, Kind.CHOICE: ChoiceView,
    Kind.ORDER: OrderView, Kind.SCENARIO: ScenarioView, Kind.TYPED: TypedView,
}


def view_for(session: ReviewSession, colors: dict[str, str], media_dir: Path | None,
             parent: QWidget | None = None) -> KindView:
    """The view of the card ``session`` has up."""
    assert session.card is not None
    return _VIEWS[session.card.kind](session, colors, media_dir, parent)
