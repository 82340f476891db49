"""The end of a study session: how it went and what tomorrow holds."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ..review import SessionSummary
from ..text import isolate, plural
from .widgets import text_label

__all__ = ["SummaryScreen", "format_duration"]


def format_duration(seconds: float) -> str:
    """'45 s', '3 min 20 s', '1 h 05 min'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class SummaryScreen(QWidget):
    """Shows a ``SessionSummary``; Enter, Esc or the button go back to the decks."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary: SessionSummary | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.addStretch(1)
        panel = QFrame()
        panel.setObjectName("panel")
        panel.setMaximumWidth(640)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(36, 30, 36, 30)
        layout.setSpacing(18)
        self._title = text_label("Session complete", "heading")
        self._title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._title)
        self._subtitle = text_label("", "muted")
        self._subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._subtitle)

        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(4)
        self._values = {}
        for col, (key, caption) in enumerate([
                ("studied", "cards studied"), ("correct", "correct first time"),
                ("time", "time spent"), ("tomorrow", "due tomorrow")]):
            value = text_label("", "bignumber")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label = text_label(caption, "muted")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(value, 0, col)
            grid.addWidget(label, 1, col)
            self._values[key] = value
        layout.addLayout(grid)
        self._detail = text_label("", "muted")
        self._detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._detail)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self._back_button = QPushButton("Back to decks")
        self._back_button.setProperty("primary", "true")
        self._back_button.setAutoDefault(True)
        self._back_button.setMinimumWidth(200)
        self._back_button.setToolTip("Back to the deck list (Enter or Esc)")
        self._back_button.setAccessibleName("Back to decks")
        self._back_button.clicked.connect(self.closed)
        buttons.addWidget(self._back_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        column.addWidget(panel)
        column.addStretch(2)
        outer.addLayout(column, 10)
        outer.addStretch(1)

        for keys in ("Esc", "Return", "Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.closed)

    @property
    def back_button(self) -> QPushButton:
        return self._back_button

    def value_text(self, key: str) -> str:
        return self._values[key].text()

    def show_summary(self, summary: SessionSummary) -> None:
        self.summary = summary
        self._title.setText("Session complete" if summary.studied else "All done for now")
        name = summary.deck_name
        self._subtitle.setText(f"{isolate(name)} – nothing more to study today.")
        self._values["studied"].setText(str(summary.studied))
        percent = summary.percent
        self._values["correct"].setText("–" if percent is None else f"{percent}%")
        self._values["time"].setText(format_duration(summary.seconds))
        self._values["tomorrow"].setText(str(summary.due_tomorrow))
        redrills = summary.answers - summary.studied
        parts = [f"{summary.correct} of {summary.studied} right on the first answer"]
        if redrills:
            parts.append(f"{plural(redrills, 're-drill')} of cards "
                         "answered below Good")
        self._detail.setText("; ".join(parts) + ".")
        self.setAccessibleDescription(
            f"Studied {plural(summary.studied, 'card')}, "
            f"{'no' if percent is None else percent} percent correct, in {format_duration(summary.seconds)}; {summary.due_tomorrow} due tomorrow")
        self._back_button.setFocus(Qt.FocusReason.OtherFocusReason)
