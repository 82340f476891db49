"""The card info panel: when a card's note was added, where the card stands
now, and every answer it has had with the interval and E-Factor before and
after (``col.notes.card_info``)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFormLayout, QHeaderView, QLabel, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..collection import Collection
from ..model import CardId, CardInfo, LogKind, NoteId, Queue, TYPE_NEW
from ..text import (
    answer_name, card_name, deck_path, format_day, format_ease, format_interval, plural,
    queue_name,
)
from .widgets import text_label

__all__ = ["CardInfoPanel", "HISTORY_COLUMNS"]

HISTORY_COLUMNS = ("Date", "Answer", "Interval", "E-Factor")
#: marks a same-day re-drill in the history (as the answer buttons do)
REDRILL_MARK = " ↻"


def _value_label() -> QLabel:
    label = text_label("")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class CardInfoPanel(QWidget):
    """One card's history; a chooser picks among the cards of the note."""

    def __init__(self, col: Collection, now: Callable[[], datetime], parent=None):
        super().__init__(parent)
        self._col = col
        self._now = now
        self._note: NoteId | None = None
        self.info: CardInfo | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(text_label("Card info", "subheading"))
        self.card_choice = QComboBox()
        self.card_choice.setAccessibleName("Card of this note")
        self.card_choice.currentIndexChanged.connect(self._show_current)
        layout.addWidget(self.card_choice)
        form = QFormLayout()
        form.setVerticalSpacing(4)
        form.setHorizontalSpacing(12)
        self._values: dict[str, QLabel] = {}
        for key, title in (("added", "Added"), ("deck", "Deck"), ("state", "Now"),
                           ("due", "Due"), ("interval", "Interval"), ("ease", "E-Factor"),
                           ("answers", "Answers"), ("lapses", "Lapses"), ("source", "Source")):
            label = _value_label()
            label.setObjectName(f"info_{key}")
            label.setAccessibleName(title)
            self._values[key] = label
            form.addRow(text_label(title, "muted"), label)
        layout.addLayout(form)
        self.table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(HISTORY_COLUMNS))
        self.table.setAccessibleName("Answers to this card, newest first")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(120)
        layout.addWidget(self.table, 1)

    def show_note(self, note_id: NoteId | None, card_id: CardId | None = None) -> None:
        """The cards of ``note_id``, ``card_id`` (else the first) shown."""
        if self._col.closed:
            return
        self._note = note_id
        self.card_choice.blockSignals(True)
        self.card_choice.clear()
        cards = self._col.notes.card_ids(note_id) if note_id is not None else []
        if note_id is not None and cards:
            kind, _fields = self._col.notes.get(note_id)
            for cid in cards:
                self.card_choice.addItem(card_name(kind, int(cid.rsplit("#", 1)[1])), cid)
        self.card_choice.setVisible(len(cards) > 1)
        index = self.card_choice.findData(card_id) if card_id is not None else 0
        self.card_choice.setCurrentIndex(max(0, index) if cards else -1)
        self.card_choice.blockSignals(False)
        self._show_current()

    def refresh(self) -> None:
        """Read the shown card again (it was answered, edited or moved)."""
        self._show_current()

    def _show_current(self, *_args) -> None:
        index = self.card_choice.currentIndex()
        card_id = self.card_choice.itemData(index) if index >= 0 else None
        self.info = self._col.notes.card_info(card_id, self._now()) if card_id else None
        self._fill(self.info)

    def value(self, key: str) -> str:
        """A figure as shown (tests, screen readers)."""
        return self._values[key].text()

    def history_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.table.item(r, c).text() for c in range(len(HISTORY_COLUMNS)))
                for r in range(self.table.rowCount())]

    def _fill(self, info: CardInfo | None) -> None:
        values = self._values
        if info is None:
            for label in values.values():
                label.setText("")
            self.table.setRowCount(0)
            return
        s = info.schedule
        added = datetime.fromtimestamp(info.added_ms / 1000).astimezone() if info.added_ms else None
        values["added"].setText(f"{added:%a} {added.day} {added:%b %Y, %H:%M}" if added else "–")
        values["deck"].setText(deck_path(info.deck_name))
        values["state"].setText(queue_name(info.queue))
        new = s.type == TYPE_NEW
        if new or s.due is None:
            due = "when it comes up as a new card"
        elif info.queue == Queue.LEARNING or s.due == info.today:
            due = f"today ({format_day(info.today)})"
        elif s.due < info.today:
            due = f"{format_day(s.due)} (overdue by {plural(info.today - s.due, 'day')})"
        else:
            due = f"{format_day(s.due)} (in {format_interval(s.due - info.today)})"
        values["due"].setText(due)
        values["interval"].setText("–" if new else plural(s.interval, "day"))
        values["ease"].setText(format_ease(s.ease))
        answers = info.answers
        values["answers"].setText(str(len(answers)))
        values["lapses"].setText(str(s.lapses))
        values["source"].setText(info.source or "–")
        mode = self._col.grade_mode
        self.table.setRowCount(len(info.history))
        for row, record in enumerate(reversed(info.history)):
            when = datetime.fromtimestamp(record.ts_ms / 1000).astimezone()
            ease = f"{format_ease(record.ease_before)} → {format_ease(record.ease_after)}"
            if record.kind == LogKind.RESET:
                cells = ("Reset: new again", f"{_days(record.interval_before)} → new", ease)
                tip = "The card's progress was reset (or the card deleted and brought back)."
            else:
                redrill = record.kind == LogKind.REDRILL
                cells = (answer_name(record.quality, mode) + (REDRILL_MARK if redrill else ""),
                         f"{_days(record.interval_before)} → {_days(record.interval_after)}",
                         ease)
                tip = (f"SM-2 quality {record.quality}. " if record.quality is not None
                       else "") + ("Answered again the same day (SM-2 step 7): the schedule "
                                   "stays" if redrill else
                                   "The day's first answer: SM-2 sets the next interval")
            date = QTableWidgetItem(f"{format_day(record.day)[4:]}")
            date.setToolTip(f"{format_day(record.day)}, {when:%H:%M}")
            for column, item in enumerate([date, *(QTableWidgetItem(c) for c in cells)]):
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if column:
                    item.setToolTip(tip)
                self.table.setItem(row, column, item)
        if not info.history:
            self.table.setRowCount(0)
        self.table.setAccessibleDescription(
            f"{plural(len(answers), 'answer')}, {plural(s.lapses, 'lapse')}")


def _days(interval: int) -> str:
    """An interval in the history: 'new' before the first answer, else '6d'."""
    return "new" if interval <= 0 else format_interval(interval)
