"""Edit the note behind the current card (E while studying)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit, QScrollArea,
    QSpinBox, QVBoxLayout, QWidget,
)

from ...cards import FIELDS, LIST_FIELDS, REQUIRED
from ...collection import Collection
from ...formats.sanitize import clean_field
from ...model import Changes, FlashdeskError, Kind, NoteId
from ..widgets import text_label

__all__ = ["EditNoteDialog"]

_LABELS = {
    "front": "Front", "back": "Back", "reverse": "Reverse card", "extra": "Extra",
    "text": "Text", "question": "Question", "options": "Options", "answer": "Right option",
    "explanation": "Explanation", "prompt": "Prompt", "items": "Items",
    "model_answer": "Model answer", "marking_points": "Marking points",
}


class EditNoteDialog(QDialog):
    """The fields of one note. ``save(fields)`` is called on OK; if it raises
    ``FlashdeskError`` the message shows and the dialog stays open."""

    def __init__(self, kind: Kind, fields: dict, save: Callable[[dict], None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit note")
        self.setMinimumSize(560, 420)
        self._kind = kind
        self._original = dict(fields)
        self._save = save
        self._editors: dict[str, QWidget] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 18, 18, 14)
        outer.setSpacing(12)
        outer.addWidget(text_label(
            f"A {kind.value} note. Text may use simple HTML (<b>, <i>, <br>, <ul><li>…); "
            "lists take one item per line. The card keeps its progress.", "hint"))
        form_host = QWidget()
        form = QFormLayout(form_host)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setVerticalSpacing(10)
        for name in FIELDS[kind]:
            editor = self._make_editor(name, fields.get(name))
            label = QLabel(_LABELS.get(name, name) + ("" if name not in REQUIRED[kind] else " *"))
            label.setBuddy(editor)
            form.addRow(label, editor)
            self._editors[name] = editor
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        outer.addWidget(scroll, 1)

        self.error = text_label("", "notice")
        self.error.hide()
        outer.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

    def _make_editor(self, name: str, value) -> QWidget:
        title = _LABELS.get(name, name)
        if name == "reverse":
            editor = QCheckBox("Also ask back → front")
            editor.setChecked(bool(value))
        elif name == "answer":
            editor = QSpinBox()
            editor.setRange(1, max(2, len(self._original.get("options", [])) or 2))
            editor.setValue(int(value or 1))
        else:
            editor = QPlainTextEdit()
            editor.setTabChangesFocus(True)
            text = "\n".join(value) if isinstance(value, list) else str(value or "")
            editor.setPlainText(text)
            lines = 4 if name in LIST_FIELDS or name in ("back", "model_answer") else 3
            editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * lines + 16)
        editor.setAccessibleName(title)
        editor.setObjectName(f"field_{name}")
        return editor

    def values(self) -> dict:
        """The fields as edited (fields left empty that were not there stay out)."""
        result = {}
        for name, editor in self._editors.items():
            if isinstance(editor, QCheckBox):
                if editor.isChecked() or name in self._original:
                    result[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                result[name] = editor.value()
            elif name in LIST_FIELDS:
                result[name] = [clean_field(line) for line in editor.toPlainText().splitlines()
                                if line.strip()]
            else:
                text = clean_field(editor.toPlainText())
                if text or name in self._original:
                    result[name] = text
        return result

    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def accept(self) -> None:
        missing = [_LABELS[n] for n in REQUIRED[self._kind] if not self.values().get(n)]
        if missing:
            self._show_error("Please fill in: " + ", ".join(missing) + ".")
            return
        try:
            self._save(self.values())
        except FlashdeskError as exc:
            self._show_error(str(exc))
            return
        super().accept()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @classmethod
    def ask(cls, parent: QWidget, col: Collection, note_id: NoteId,
            now: Callable[[], datetime]) -> Changes:
        """Edit ``note_id`` in a modal dialog; what the save changed (nothing
        if it was cancelled)."""
        kind, fields = col.notes.get(note_id)
        saved: list[Changes] = []
        dialog = cls(kind, fields, lambda new: saved.append(col.notes.update(note_id, new, now())),
                     parent)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        if dialog.exec() != QDialog.DialogCode.Accepted or not saved:
            return Changes()
        return saved[-1]
