"""One deck's options in one dialog: its daily limits, how it is studied
(a note's other cards held back till tomorrow, an exam date) and its
description.

Each group of options is a section built by its own method and listed in
``DeckOptionsDialog.SECTIONS``: a new per-deck option joins a section, or
brings one of its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from PySide6.QtCore import QDate, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
    QSpinBox, QVBoxLayout, QWidget,
)

from ...collection import Collection
from ...model import DeckId, FlashdeskError
from ...collection.exams import MAX_EXAM_DAYS
from ...study import LIMIT_MAX
from ...text import deck_path, sentence
from ..geometry import fit_to_screen
from ..note_form import FieldEdit
from ..widgets import text_label

__all__ = ["DeckOptionsDialog", "LIMIT_MAX"]



class DeckOptionsDialog(QDialog):
    """The options of one deck, saved together with Save."""

    #: the options were saved (Changes)
    saved = Signal(object)

    #: the sections, top to bottom: (title, method that builds the group's form)
    SECTIONS = (("Daily limits", "_limits_section"), ("Studying", "_study_section"),
                ("Description", "_description_section"))

    def __init__(self, col: Collection, deck_id: DeckId, now: Callable[[], datetime],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._col = col
        self._deck = deck_id
        self._now = now
        self.summary = next(s for s in col.decks.summaries(now()) if s.id == deck_id)
        self.setWindowTitle(f"Options – {self.summary.short_name}")
        # wide enough that its notes take one line each: the dialog fits a 640-pixel screen
        self.setMinimumWidth(640)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 14)
        outer.setSpacing(10)
        title = text_label(deck_path(self.summary.name), "heading")
        outer.addWidget(title)
        outer.addWidget(text_label(f"Deck id “{deck_id}”: a deck file with this id updates "
                                   "this deck, whatever you rename it to.", "muted"))
        for heading, build in self.SECTIONS:
            group = QGroupBox(heading)
            form = QFormLayout(group)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
            getattr(self, build)(form)
            outer.addWidget(group)
        self.error = text_label("", "notice")
        self.error.hide()
        outer.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        # wrapped text is as tall as the width it gets: size the dialog for its width
        self.ensurePolished()
        width = max(self.minimumWidth(), self.sizeHint().width())
        height = outer.totalHeightForWidth(width) if outer.hasHeightForWidth() else \
            self.sizeHint().height()
        self.setMinimumHeight(height)
        fit_to_screen(self, QSize(width, height))

    # -- sections --------------------------------------------------------------

    def _limits_section(self, form: QFormLayout) -> None:
        form.addRow(text_label("Studying this deck takes at most this many from it and its "
                               "sub-decks together; studying a sub-deck on its own uses the "
                               "sub-deck's limits, as Anki does.", "hint"))
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

    def _study_section(self, form: QFormLayout) -> None:
        self.bury_siblings = QCheckBox("&Hold back till tomorrow")
        self.bury_siblings.setChecked(self.summary.bury_siblings)
        self.bury_siblings.setToolTip(
            "Once you answer one card of a note (a question, its reverse, one gap of a cloze), "
            "its other cards wait for the next day, so they do not give the answer away")
        form.addRow("A note's other cards", self.bury_siblings)
        row = QHBoxLayout()
        self.has_exam = QCheckBox("&Exam on")
        self.has_exam.setToolTip("Revising for an exam: new cards come in early enough to be "
                                 "reviewed twice before it, and every card is seen in its last "
                                 "days (sub-decks share the date)")
        self.exam_date = QDateEdit()
        self.exam_date.setCalendarPopup(True)
        self.exam_date.setDisplayFormat("ddd d MMM yyyy")
        self.exam_date.setAccessibleName("Exam date")
        today = self._now().date()
        self.exam_date.setMinimumDate(QDate(today.year, today.month, today.day).addDays(1))
        self.exam_date.setMaximumDate(QDate(today.year, today.month, today.day)
                                      .addDays(MAX_EXAM_DAYS))
        self._own_exam = self._col.decks.rows()[self._deck].get("exam_date")
        when = self.summary.exam or (today + timedelta(days=21))
        self.exam_date.setDate(QDate(when.year, when.month, when.day))
        self.has_exam.setChecked(bool(self._own_exam))
        self.exam_date.setEnabled(bool(self._own_exam))
        self.has_exam.toggled.connect(self.exam_date.setEnabled)
        row.addWidget(self.has_exam)
        row.addWidget(self.exam_date, 1)
        form.addRow("Exam", row)
        if self.summary.exam and not self._own_exam:
            form.addRow(text_label(f"A parent deck's exam applies: "
                                   f"{self.summary.exam:%a %d %b %Y}.", "hint"))

    def _description_section(self, form: QFormLayout) -> None:
        self.description = FieldEdit(3)
        self.description.setPlainText(self.summary.description)
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("What this deck is for (shown in the deck list)")
        form.addRow(self.description)
        form.addRow(text_label("A description you write here stays when the deck's file is "
                               "imported again.", "hint"))

    # -- saving ----------------------------------------------------------------

    def accept(self) -> None:
        now = self._now()
        exam = self.exam_date.date().toPython() if self.has_exam.isChecked() else None
        try:
            changes = self._col.decks.set_options(
                self._deck, now, new_limit=self.new_limit.value(),
                review_limit=self.review_limit.value(),
                bury_siblings=(self.bury_siblings.isChecked()
                               if self.bury_siblings.isChecked() != self.summary.bury_siblings
                               else None),
                description=self.description.toPlainText())
            if (exam.isoformat() if exam else None) != (self._own_exam or None):
                changes |= self._col.decks.set_exam(self._deck, exam, now)
        except FlashdeskError as exc:
            self.error.setText(sentence(str(exc)))
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
