"""Custom study: what to study when today's cards are done (or before an exam).

Review ahead and extra new cards are ordinary study; the drills (forgotten
cards, a tag, the leeches, a cram pass) never change a card's schedule.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QGridLayout, QRadioButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from ...model import CustomKind, CustomStudy
from ...text import isolate
from ...study import CUSTOM_DAYS_MAX, EXTRA_NEW_MAX
from ..widgets import text_label

__all__ = ["CustomStudyDialog"]

_CHOICES = (
    (CustomKind.AHEAD, "Review &ahead: cards due in the next", "days", 7,
     "Real reviews: answering a card early schedules it from today"),
    (CustomKind.EXTRA_NEW, "Take e&xtra new cards today:", "cards", 10,
     "Raises today's new-card limit of this deck; back to normal tomorrow"),
    (CustomKind.FORGOTTEN, "Drill what I &forgot in the last", "days", 1,
     "Cards you answered Again; a drill changes no schedule"),
    (CustomKind.TAG, "Drill one &tag:", None, 0, "Every card of that tag in this deck"),
    (CustomKind.LEECHES, "Drill the &leeches: cards you keep forgetting", None, 0,
     "Cards forgotten again and again (tagged leech)"),
    (CustomKind.CRAM, "&Cram the whole deck once more", None, 0,
     "Every card, due or not; your schedule stays as it is"),
)


class CustomStudyDialog(QDialog):
    """Choose a custom study session for one deck (tests patch ``ask``)."""

    def __init__(self, deck_name: str, tags: list[str], parent: QWidget | None = None):
        """``tags``: the tags of the deck's notes (its sub-decks' too)."""
        super().__init__(parent)
        self.setWindowTitle("Custom study")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 16)
        outer.setSpacing(12)
        outer.addWidget(text_label(f"Custom study in {isolate(deck_name)}", "heading"))
        outer.addWidget(text_label("Drills let you practise without touching your schedule; "
                                   "only reviewing ahead and extra new cards count as study.",
                                   "muted"))
        grid = QGridLayout()
        grid.setVerticalSpacing(8)
        self._group = QButtonGroup(self)
        self._numbers: dict[CustomKind, QSpinBox] = {}
        self._radios: dict[CustomKind, QRadioButton] = {}
        self.tag = QComboBox()
        self.tag.setAccessibleName("Tag")
        self.tag.addItems(tags)
        for row, (kind, label, unit, default, tip) in enumerate(_CHOICES):
            radio = QRadioButton(label)
            radio.setToolTip(tip)
            self._group.addButton(radio, row)
            self._radios[kind] = radio
            grid.addWidget(radio, row, 0)
            if unit is not None:
                number = QSpinBox()
                number.setRange(1, CUSTOM_DAYS_MAX if unit == "days" else EXTRA_NEW_MAX)
                number.setValue(default)
                # '1 day', '3 days': the unit follows the number
                number.valueChanged.connect(
                    lambda v, box=number, u=unit: box.setSuffix(f" {u[:-1] if v == 1 else u}"))
                number.setSuffix(f" {unit[:-1] if default == 1 else unit}")
                number.setAccessibleName(label.replace("&", "") + f" ({unit})")
                number.valueChanged.connect(lambda _v, r=radio: r.setChecked(True))
                self._numbers[kind] = number
                grid.addWidget(number, row, 1)
            elif kind == CustomKind.TAG:
                self.tag.currentIndexChanged.connect(lambda _i, r=radio: r.setChecked(True))
                grid.addWidget(self.tag, row, 1)
        if not tags:  # nothing to drill by tag: say why rather than offer other decks' tags
            why = "No note in this deck has a tag"
            self.tag.setPlaceholderText(f"({why.lower()})")
            for widget in (self._radios[CustomKind.TAG], self.tag):
                widget.setEnabled(False)
                widget.setToolTip(why + ": add tags to its notes (E, or the browser) to "
                                  "drill one.")
        self._radios[CustomKind.AHEAD].setChecked(True)
        grid.setColumnStretch(1, 1)
        outer.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

    def choice(self) -> CustomStudy:
        """The session chosen."""
        kind = next(k for k, r in self._radios.items() if r.isChecked())
        number = self._numbers[kind].value() if kind in self._numbers else 0
        if kind == CustomKind.EXTRA_NEW:
            return CustomStudy(kind, count=number)
        if kind == CustomKind.TAG:
            return CustomStudy(kind, tag=self.tag.currentText())
        return CustomStudy(kind, days=number)

    def choose(self, kind: CustomKind) -> None:
        self._radios[kind].setChecked(True)

    @classmethod
    def ask(cls, parent: QWidget, deck_name: str, tags: list[str]) -> CustomStudy | None:
        """Ask in a modal dialog; None when cancelled."""
        dialog = cls(deck_name, tags, parent)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice()
