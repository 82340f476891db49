"""The note editor in a dialog: E while studying opens the note of the card
that is up (the browser shows the same editor beside its table)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from ...collection import Collection
from ...model import CardId, Changes, NoteId
from ..geometry import restore_geometry, save_geometry, window_settings
from ..note_editor import NoteEditor

__all__ = ["EditNoteDialog"]


class EditNoteDialog(QDialog):
    """One note in the note editor, saved with Save (or Ctrl+Enter); Cancel
    (Esc) leaves it as it was."""

    def __init__(self, col: Collection, note_id: NoteId, now: Callable[[], datetime],
                 card_id: CardId | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit note")
        self.setMinimumSize(QSize(700, 480))
        self._settings = window_settings(parent)
        restore_geometry(self, self._settings, "note-editor/geometry", QSize(980, 620))
        self.changes = Changes()
        self.editor = NoteEditor(col, self, autosave=False,
                                 orientation=Qt.Orientation.Horizontal, now=now)
        self.editor.saved.connect(self._saved)
        self.editor.show_note(note_id, card_id)
        self.editor.splitter.setSizes([500, 460])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setToolTip("Save (Ctrl+Enter)")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.accept)
        self.editor.focus_first()

    def done(self, result: int) -> None:
        save_geometry(self, self._settings, "note-editor/geometry")
        super().done(result)

    def _saved(self, changes: Changes) -> None:
        self.changes |= changes

    def accept(self) -> None:
        """Save; on a problem the dialog stays open and shows it by its field."""
        if self.editor.save():
            super().accept()

    @classmethod
    def ask(cls, parent: QWidget, col: Collection, note_id: NoteId,
            now: Callable[[], datetime], card_id: CardId | None = None) -> Changes:
        """Edit ``note_id`` in a modal dialog; what the save changed (nothing
        if it was cancelled)."""
        dialog = cls(col, note_id, now, card_id, parent)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return Changes()
        return dialog.changes
