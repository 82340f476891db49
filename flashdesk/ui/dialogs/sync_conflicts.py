"""Edits kept in history: where two devices changed the same field without
seeing each other's change, the value shown and the other one, which the
merge kept rather than drop (File › Edits kept in history…)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from ...cards import first_field, plain_text
from ...collection import Collection
from ...model import FlashdeskError, NoteId
from ...sync import Conflict, conflicts
from ...sync.fields import field_label
from ..geometry import fit_to_screen
from ..widgets import text_label

__all__ = ["ConflictsDialog"]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(plain_text(value).split())
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)


class ConflictsDialog(QDialog):
    """A table of every edit kept in history, newest last."""

    HEADER = ("Note or deck", "Field", "Shown now", "Kept in history", "From", "When")

    def __init__(self, col: Collection, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edits kept in history")
        self._col = col
        layout = QVBoxLayout(self)
        layout.addWidget(text_label(
            "Two of your devices changed these fields without seeing each other's change. "
            "The later edit is shown; the other one is kept here, so nothing is lost. To use "
            "it, edit the note and type it back.", "muted"))
        self.found: list[Conflict] = conflicts(col)
        self.table = QTableWidget(len(self.found), len(self.HEADER))
        self.table.setHorizontalHeaderLabels(list(self.HEADER))
        self.table.setAccessibleName("Edits kept in history")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        for row, c in enumerate(self.found):
            when = datetime.fromtimestamp(c.other_ms / 1000).astimezone()
            cells = (self._object(c), field_label(c.field), _text(c.kept), _text(c.other),
                     c.other_device, f"{when:%d %b %Y %H:%M}")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (0, 2, 3):  # the texts wrap: the difference may be at their end
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        layout.addWidget(self.table, 1)
        if not self.found:
            layout.addWidget(text_label("No edits are waiting in history.", "muted"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self, QSize(960, 460))
        self.table.resizeRowsToContents()
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.table.resizeRowsToContents()

    def _object(self, c: Conflict) -> str:
        if c.entity != "note":
            return f"{c.entity} {c.eid}"
        try:
            kind, fields = self._col.notes.get(NoteId(c.eid))
        except FlashdeskError:
            return f"{c.eid} (deleted)"
        return " ".join(plain_text(first_field(kind, fields)).split())[:80] or c.eid
