"""The fields of a note as a form, built from its kind's description
(``flashdesk.kinds.kind_spec``): one box per field with its label, a line
under it for what the deck file's rules say is wrong, and a cloze button
for kinds that have clozes. The Add window and the note editor both use it,
so they have the same labels and the same rules.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QSize, QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QCheckBox, QCompleter, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
    QSizePolicy, QSpinBox, QVBoxLayout, QWidget,
)

from ..kinds import KindSpec, Shape, field_of_problem, kind_spec, next_cloze, wrap_cloze
from ..model import Kind
from .theme import repolish
from .widgets import text_label

__all__ = ["NoteForm", "FieldEdit", "TagEdit", "CLOZE_KEYS"]

#: wraps the selection as the next cloze
CLOZE_KEYS = "Ctrl+Shift+C"


class FieldEdit(QPlainTextEdit):
    """A field's text box: Tab moves on, and it grows with its text (between
    ``lines`` and twice that many lines) instead of scrolling."""

    def __init__(self, lines: int = 2, parent: QWidget | None = None):
        super().__init__(parent)
        self._lines = lines
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(lambda _s: self._fit())
        self._fit()

    def _line(self) -> int:
        return self.fontMetrics().lineSpacing() + 1

    def _height_for(self, inner: float) -> int:
        """The box's height for ``inner`` pixels of text: plus the frame and
        the style sheet's padding (the contents margins) and the text margin."""
        self.ensurePolished()
        margins = self.contentsMargins()
        return int(inner + self.document().documentMargin() * 2 + margins.top()
                   + margins.bottom() + 1)

    def _fit(self) -> None:
        text = 0.0
        block = self.document().firstBlock()
        while block.isValid():
            text += self.blockBoundingRect(block).height()
            block = block.next()
        lowest, highest = self._line() * self._lines, self._line() * (self._lines * 2 + 2)
        height = self._height_for(min(max(text, lowest), highest))
        if self.height() != height:
            self.setFixedHeight(height)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(320, self._height_for(self._line() * self._lines))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        # its fewest lines; longer text makes it taller (``_fit``), then it scrolls
        return QSize(80, self._height_for(self._line() * self._lines))


class TagEdit(QLineEdit):
    """Tags, separated by spaces, completing the word being typed from the
    tags already in use."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("Words separated by spaces, e.g. refunds phone")
        self.setAccessibleName("Tags")
        self.setToolTip("Tags, separated by spaces; Tab or Enter takes a suggestion")
        self._model = QStringListModel(self)
        completer = QCompleter(self._model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setWidget(self)
        completer.activated.connect(self._complete)
        self._completer = completer
        self.textEdited.connect(self._suggest)

    def set_known(self, tags: list[str]) -> None:
        """The tags to suggest (those in use)."""
        self._model.setStringList(tags)

    def tags(self) -> list[str]:
        return self.text().split()

    def set_tags(self, tags) -> None:
        self.setText(" ".join(tags))

    @property
    def completer_popup(self):
        return self._completer.popup()

    def _word(self) -> tuple[int, str]:
        text = self.text()[: self.cursorPosition()]
        start = len(text) - len(text.split(" ")[-1])
        return start, text[start:]

    def _suggest(self, _text: str) -> None:
        start, word = self._word()
        if not word:
            self._completer.popup().hide()
            return
        self._completer.setCompletionPrefix(word)
        if self._completer.completionCount():
            self._completer.complete()
        else:
            self._completer.popup().hide()

    def _complete(self, tag: str) -> None:
        start, word = self._word()
        text = self.text()
        end = self.cursorPosition()
        new = text[:start] + tag + " " + text[end:].lstrip(" ")
        self.setText(new)
        self.setCursorPosition(start + len(tag) + 1)


class NoteForm(QWidget):
    """The fields of one kind of note. ``values()`` is what the form holds,
    as ``flashdesk.kinds.form_values`` reads it; ``show_problems`` puts the
    validator's problems under their fields."""

    #: a field changed
    changed = Signal()
    #: the cloze key was pressed where there is no cloze field (the kind's title)
    cloze_refused = Signal(str)

    def __init__(self, kind: Kind = Kind.BASIC, parent: QWidget | None = None):
        super().__init__(parent)
        self._spec: KindSpec = kind_spec(kind)
        self._editors: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._loading = False
        #: the validator the host gives (``set_checker``): the problems of the form's texts
        self._checker: Callable[[Kind, dict[str, Any]], list[str]] | None = None
        # a plain column – label, box, problem line – rather than a form
        # layout: a form lays its rows out from heights it worked out for
        # another width once a wrapping problem line shows, and the next
        # label then sits on the box above it
        self._form = QVBoxLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setSpacing(4)
        self.cloze_button = QPushButton("[…] Cloze")
        self.cloze_button.setToolTip("Hide the selected words as the next cloze, {{c1::like "
                                     f"this}} ({CLOZE_KEYS})")
        self.cloze_button.setAccessibleName("Make the selection a cloze")
        self.cloze_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.cloze_button.clicked.connect(self.wrap_cloze)
        self.cloze_button.setParent(self)
        self.cloze_button.hide()
        self.cloze_action = QAction("Make the selection a cloze", self)
        self.cloze_action.setShortcut(QKeySequence(CLOZE_KEYS))
        self.cloze_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.cloze_action.triggered.connect(self.wrap_cloze)
        self.addAction(self.cloze_action)
        self._build()

    # -- building --------------------------------------------------------------

    @property
    def kind(self) -> Kind:
        return self._spec.kind

    @property
    def spec(self) -> KindSpec:
        return self._spec

    def set_kind(self, kind: Kind) -> None:
        """Show the fields of ``kind``, keeping the text of fields it shares."""
        if Kind(kind) == self._spec.kind:
            return
        kept = self.texts()
        self._spec = kind_spec(kind)
        self._build()
        self.set_texts({k: v for k, v in kept.items() if k in self._editors})

    def _build(self) -> None:
        focused = QApplication.focusWidget()
        had_focus = focused is not None and self.isAncestorOf(focused)
        self.cloze_button.setParent(self)  # out of the row that goes now
        self.cloze_button.hide()
        while (item := self._form.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._editors.clear()
        self._errors.clear()
        for spec in self._spec.fields:
            editor = self._make_editor(spec.name, spec.shape, spec.hint, spec.label)
            self._editors[spec.name] = editor
            holder = editor
            if spec.name == self._spec.cloze_field:
                holder = QWidget()
                column = QVBoxLayout(holder)
                column.setContentsMargins(0, 0, 0, 0)
                column.setSpacing(4)
                column.addWidget(editor)
                column.addWidget(self.cloze_button, 0, Qt.AlignmentFlag.AlignLeft)
            shown: list[QWidget] = [holder, editor]
            if spec.shape != Shape.FLAG:  # a tick box says what it is itself
                label = QLabel(f"{spec.label}{' *' if spec.required else ''}")
                label.setBuddy(editor)
                label.setObjectName(f"label_{spec.name}")
                self._form.addWidget(label)
                shown.append(label)
            self._form.addWidget(holder)
            if self.isVisible():  # now, not when the layout gets round to it: Tab finds them
                for widget in shown:
                    widget.show()
            error = text_label("")
            error.setProperty("verdict", "wrong")
            error.setObjectName(f"problem_{spec.name}")
            error.hide()
            self._form.addWidget(error)
            self._errors[spec.name] = error
        self.cloze_button.setVisible(self._spec.cloze_field is not None)
        chain = [self._editors[f.name] for f in self._spec.fields]
        if self._spec.cloze_field is not None:
            index = chain.index(self._editors[self._spec.cloze_field])
            chain.insert(index + 1, self.cloze_button)
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        if had_focus:  # the box typed in went with its kind: the keys go to the new first one
            self.focus_first()

    def _make_editor(self, name: str, shape: Shape, hint: str, label: str) -> QWidget:
        editor: QWidget
        if shape == Shape.FLAG:
            box = QCheckBox(hint or label)
            box.toggled.connect(self._changed)
            editor = box
        elif shape == Shape.NUMBER:
            spin = QSpinBox()
            spin.setRange(0, 99)
            spin.setSpecialValueText("–")
            spin.setToolTip(hint)
            spin.valueChanged.connect(self._changed)
            spin.setMinimumWidth(90)
            spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            editor = spin
        else:
            edit = FieldEdit(3 if shape == Shape.LINES or name in ("back", "model_answer") else 2)
            edit.setPlaceholderText(hint)
            edit.textChanged.connect(self._changed)
            editor = edit
        editor.setAccessibleName(label)
        editor.setObjectName(f"field_{name}")
        return editor

    # -- values ----------------------------------------------------------------

    def editor(self, name: str) -> QWidget:
        """The box of field ``name``."""
        return self._editors[name]

    def texts(self) -> dict[str, Any]:
        """What the form holds: text per field, flags as bools, numbers as
        text ('' when unset)."""
        values: dict[str, Any] = {}
        for name, editor in self._editors.items():
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                values[name] = str(editor.value()) if editor.value() else ""
            elif isinstance(editor, QPlainTextEdit):
                values[name] = editor.toPlainText()
        return values

    def set_texts(self, texts: dict[str, Any]) -> None:
        """Fill the form (``flashdesk.kinds.form_texts`` gives these)."""
        self._loading = True
        try:
            for name, editor in self._editors.items():
                value = texts.get(name)
                if isinstance(editor, QCheckBox):
                    editor.setChecked(bool(value))
                elif isinstance(editor, QSpinBox):
                    editor.setValue(int(value) if str(value or "").isdigit() else 0)
                elif isinstance(editor, QPlainTextEdit):
                    editor.setPlainText(str(value or ""))
        finally:
            self._loading = False
        self.show_problems([])

    def clear(self, keep: tuple[str, ...] = ()) -> None:
        """Empty every field but those in ``keep``."""
        self.set_texts({k: v for k, v in self.texts().items() if k in keep})

    def show_problems(self, problems: list[str]) -> list[str]:
        """Put each problem under its field; returns those that belong to no
        field of the form."""
        by_field: dict[str, list[str]] = {}
        other = []
        for problem in problems:
            name, text = field_of_problem(problem)
            if name in self._errors:
                by_field.setdefault(name, []).append(text[:1].upper() + text[1:])
            else:
                other.append(problem)
        for name, label in self._errors.items():
            label.setText("; ".join(by_field.get(name, [])))
            label.setVisible(name in by_field)
            self._editors[name].setProperty("problem", "true" if name in by_field else "false")
            repolish(self._editors[name])
        return other

    def set_checker(self, check: Callable[[Kind, dict[str, Any]], list[str]]) -> None:
        """``check(kind, texts)``: the problems of what the form holds. While
        a field shows a problem, every edit checks again, so a problem goes
        as soon as it is put right (no new ones are shown before the next
        add or save)."""
        self._checker = check

    def _recheck(self) -> None:
        marked = [name for name, label in self._errors.items() if not label.isHidden()]
        if not marked or self._checker is None:
            return
        still = [p for p in self._checker(self.kind, self.texts())
                 if field_of_problem(p)[0] in marked]
        self.show_problems(still)

    def focus_first(self) -> None:
        self._editors[self._spec.first].setFocus(Qt.FocusReason.OtherFocusReason)

    def first_problem_field(self) -> QWidget | None:
        return next((self._editors[n] for n, label in self._errors.items()
                     if not label.isHidden()), None)

    # -- cloze -----------------------------------------------------------------

    def wrap_cloze(self) -> bool:
        """Wrap the selection of the text box with the focus (else the cloze
        field) as the next cloze; False when the kind has no clozes."""
        target_name = self._spec.cloze_field
        if target_name is None:
            self.cloze_refused.emit(self._spec.title)
            return False
        focused = self.focusWidget()
        editor = focused if isinstance(focused, FieldEdit) and focused in self._editors.values() \
            else self._editors[target_name]
        assert isinstance(editor, QPlainTextEdit)
        cursor = editor.textCursor()
        # numbered across the note's cloze field, wherever the selection is
        cloze_text = self._editors[target_name]
        assert isinstance(cloze_text, QPlainTextEdit)
        number = next_cloze(cloze_text.toPlainText())
        text, position = wrap_cloze(editor.toPlainText(), cursor.selectionStart(),
                                    cursor.selectionEnd(), number)
        editor.setPlainText(text)
        cursor = editor.textCursor()
        cursor.setPosition(position)
        editor.setTextCursor(cursor)
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _changed(self, *_args) -> None:
        if not self._loading:
            self._recheck()
            self.changed.emit()
