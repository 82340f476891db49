"""The browser's note editor: one field per row, saved the moment a field
loses focus (or with Ctrl+S). Card-making fields (cloze numbers, reverse) are
edited in the deck file instead, so progress is never split or lost."""

from __future__ import annotations

import html

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout, QLabel, QPlainTextEdit, QScrollArea, QSpinBox, QVBoxLayout, QWidget,
)

from ...collection import Collection
from ...model import FIELDS, LIST_FIELDS, FlashdeskError, Kind, NoteId

__all__ = ["NoteEditor"]

_LABELS = {"front": "Front", "back": "Back", "extra": "Extra", "text": "Text",
           "question": "Question", "options": "Options (one per line)",
           "answer": "Right option (number)", "explanation": "Explanation", "prompt": "Prompt",
           "items": "Items, in the right order (one per line)",
           "model_answer": "Model answer", "marking_points": "Marking points (one per line)"}


class NoteEditor(QWidget):
    """Edits one note; emits ``saved(note_id)`` after each save."""

    #: a note was saved (the Changes it made)
    saved = Signal(object)
    failed = Signal(str)

    def __init__(self, col: Collection, parent=None):
        super().__init__(parent)
        self._col = col
        self._note: NoteId | None = None
        self._kind: Kind | None = None
        self._fields: dict = {}
        self._editors: dict[str, QWidget] = {}
        self._dirty = False
        self._title = QLabel("Select a card to edit its note.")
        self._title.setWordWrap(True)
        self._title.setObjectName("editorTitle")
        self._form_host = QWidget()
        self._form = QFormLayout(self._form_host)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._form_host)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._status = QLabel("")
        self._status.setTextFormat(Qt.TextFormat.PlainText)  # may quote the note's text
        self._status.setObjectName("editorStatus")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._title)
        layout.addWidget(scroll, 1)
        layout.addWidget(self._status)
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.activated.connect(self.save)

    @property
    def note_id(self) -> NoteId | None:
        return self._note

    @property
    def dirty(self) -> bool:
        """Edits not saved yet."""
        return self._dirty

    def show_note(self, note_id: NoteId | None) -> None:
        if note_id == self._note:
            return
        self.save()
        while self._form.rowCount():
            self._form.removeRow(0)
        self._editors.clear()
        self._note, self._dirty = note_id, False
        self._status.setText("")
        if note_id is None:
            self._title.setText("Select a card to edit its note.")
            return
        self._kind, self._fields = self._col.notes.get(note_id)
        self._title.setText(f"<b>{self._kind.value.capitalize()} note</b> · "
                            f"{html.escape(note_id)}")
        for name in FIELDS[self._kind]:
            if name == "reverse":
                if self._fields.get("reverse"):
                    self._form.addRow(QLabel("Also asked back to front (change it in the deck file)"))
                continue
            editor = self._make_editor(name, self._fields.get(name))
            self._editors[name] = editor
            label = QLabel(_LABELS.get(name, name))
            label.setBuddy(editor)
            self._form.addRow(label, editor)

    def _make_editor(self, name: str, value) -> QWidget:
        if name == "answer":
            box = QSpinBox()
            box.setRange(1, max(2, len(self._fields.get("options", []))))
            box.setValue(int(value or 1))
            box.valueChanged.connect(self._changed)
            box.installEventFilter(self)
            box.setAccessibleName(_LABELS[name])
            return box
        edit = QPlainTextEdit()
        text = "\n".join(value) if name in LIST_FIELDS else (value or "")
        edit.setPlainText(text.replace("<br>", "\n"))
        edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        edit.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # room for the text as it wraps in a ~40-character column, 3 to 9 lines
        wrapped = sum(max(1, len(line) // 40 + 1) for line in text.split("\n"))
        lines = max(3, min(9, wrapped))
        edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * lines + 18)
        edit.setTabChangesFocus(True)
        edit.textChanged.connect(self._changed)
        edit.installEventFilter(self)
        edit.setAccessibleName(_LABELS.get(name, name))
        return edit

    def _changed(self) -> None:
        self._dirty = True
        self._status.setText("Editing… (saved when you leave the field, or Ctrl+S)")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut and self._dirty:
            self.save()
        return super().eventFilter(watched, event)

    def _collect(self) -> dict:
        fields = dict(self._fields)
        for name, editor in self._editors.items():
            if isinstance(editor, QSpinBox):
                fields[name] = editor.value()
                continue
            text = editor.toPlainText().strip()
            if name in LIST_FIELDS:
                fields[name] = [line.strip() for line in text.splitlines() if line.strip()]
            elif text:
                fields[name] = text.replace("\n", "<br>")
            else:
                fields.pop(name, None)
        return fields

    def save(self) -> bool:
        if self._note is None or not self._dirty:
            return True
        fields = self._collect()
        try:
            changes = self._col.notes.update(self._note, fields, datetime.now().astimezone())
        except FlashdeskError as exc:
            self._status.setText(f"Not saved: {exc}")
            self.failed.emit(str(exc))
            return False
        self._fields, self._dirty = fields, False
        self._status.setText("Saved.")
        self.saved.emit(changes)
        return True
