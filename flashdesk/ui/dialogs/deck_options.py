"""One deck's options in one dialog: its daily limits and its description.

Each group of options is a section built by its own method and listed in
``DeckOptionsDialog.SECTIONS``; study options that apply per deck (sibling
burying, an exam date) join as further sections when the collection has them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QPlainTextEdit, QSpinBox, QVBoxLayout,
    QWidget,
)

from ...collection import Collection
from ...model import DeckId, FlashdeskError
from ...text import deck_path
from ..widgets import text_label

__all__ = ["DeckOptionsDialog", "LIMIT_MAX"]

LIMIT_MAX = 9999


class DeckOptionsDialog(QDialog):
    """The options of one deck, saved together with Save."""

    #: the options were saved (Changes)
    saved = Signal(object)

    #: the sections, top to bottom: (title, method that builds the group's form)
    SECTIONS = (("Daily limits", "_limits_section"), ("Description", "_description_section"))

    def __init__(self, col: Collection, deck_id: DeckId, now: Callable[[], datetime],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._col = col
        self._deck = deck_id
        self._now = now
        self.summary = next(s for s in col.decks.summaries(now()) if s.id == deck_id)
        self.setWindowTitle(f"Options – {self.summary.short_name}")
        self.setMinimumWidth(520)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 16)
        outer.setSpacing(12)
        title = text_label(deck_path(self.summary.name), "heading")
        outer.addWidget(title)
        outer.addWidget(text_label(f"Deck id: {deck_id} (it stays when the deck is renamed, "
                                   "so its file still updates it)", "muted"))
        for heading, build in self.SECTIONS:
            group = QGroupBox(heading)
            getattr(self, build)(QFormLayout(group))
            outer.addWidget(group)
        self.error = text_label("", "notice")
        self.error.hide()
        outer.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

    # -- sections --------------------------------------------------------------

    def _limits_section(self, form: QFormLayout) -> None:
        form.addRow(text_label("Counted with the deck's sub-decks; a parent's limits cap its "
                               "sub-decks too.", "hint"))
        self.new_limit = QSpinBox()
        self.review_limit = QSpinBox()
        for box, name, value in ((self.new_limit, "New cards a day", self.summary.new_limit),
                                 (self.review_limit, "Reviews a day", self.summary.review_limit)):
            box.setRange(0, LIMIT_MAX)
            box.setValue(value)
            box.setAccessibleName(name)
            box.setMinimumWidth(110)
        form.addRow("&New cards a day", self.new_limit)
        form.addRow("&Reviews a day", self.review_limit)

    def _description_section(self, form: QFormLayout) -> None:
        self.description = QPlainTextEdit(self.summary.description)
        self.description.setTabChangesFocus(True)
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("What this deck is for (shown in the deck list)")
        self.description.setFixedHeight(self.description.fontMetrics().lineSpacing() * 4 + 18)
        form.addRow(self.description)
        form.addRow(text_label("A description you write here stays when the deck's file is "
                               "imported again.", "hint"))

    # -- saving ----------------------------------------------------------------

    def accept(self) -> None:
        try:
            changes = self._col.decks.set_options(
                self._deck, self._now(), new_limit=self.new_limit.value(),
                review_limit=self.review_limit.value(),
                description=self.description.toPlainText())
        except FlashdeskError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        if changes:
            self.saved.emit(changes)
        super().accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.accept()
            return
        super().keyPressEvent(event)
