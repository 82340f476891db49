"""Settings: grade buttons, theme, card font size and where the profile
lives (a deck's own options – daily limits, sibling burying, exam date,
description – are in its deck options). Every change applies at once and is
saved at once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QFrame, QGroupBox,
    QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton, QScrollArea, QSpinBox,
    QVBoxLayout, QWidget,
)

from ...collection import Collection
from ...model import GradeMode
from ..prefs import FONT_MAX, FONT_MIN, Prefs
from ..geometry import fit_to_screen
from ..theme import ThemeChoice
from ..widgets import text_label
from .sync_settings import SyncGroup

__all__ = ["SettingsDialog", "open_folder"]


def open_folder(path: Path) -> bool:
    """Show ``path`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class SettingsDialog(QDialog):
    """Edits settings in place; ``changed`` tells the window what to redo."""

    #: one of "grades", "theme", "font", "sync", "class"
    changed = Signal(str)
    #: the options of this deck were asked for (its id)
    deck_options_requested = Signal(str)

    def __init__(self, col: Collection, prefs: Prefs, now: Callable[[], datetime],
                 current_deck: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self._col = col
        self._prefs = prefs
        self._now = now
        self._loading = False

        # the groups scroll when the screen is short; the buttons stay in view
        dialog_layout = QVBoxLayout(self)
        dialog_layout.setContentsMargins(0, 0, 20, 12)
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(20, 18, 20, 8)
        outer.setSpacing(14)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        dialog_layout.addWidget(scroll, 1)

        # -- decks: their own options ---------------------------------------------
        decks = QGroupBox("Decks")
        decks_layout = QHBoxLayout(decks)
        where = QLabel("Each deck has its own daily limits, exam date\n"
                       "and description: Deck ▸ Deck options…")
        where.setProperty("role", "muted")
        where.setTextFormat(Qt.TextFormat.PlainText)
        decks_layout.addWidget(where, 1)
        self.deck_options_button = QPushButton("&Deck options…")
        self.deck_options_button.setAccessibleName("Options of the selected deck")
        self.deck_options_button.setToolTip("Daily limits, sibling cards, exam date and "
                                            "description of the selected deck")
        self.deck_options_button.setEnabled(current_deck is not None)
        self.deck_options_button.clicked.connect(
            lambda: self.deck_options_requested.emit(current_deck or ""))
        decks_layout.addWidget(self.deck_options_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addWidget(decks)

        # -- study -------------------------------------------------------------
        study = QGroupBox("Studying")
        study_form = QFormLayout(study)
        study_form.setVerticalSpacing(10)
        grades_row = QHBoxLayout()
        self.four_buttons = QRadioButton("&Four buttons: Again, Hard, Good, Easy (1–4)")
        self.six_grades = QRadioButton("&Six grades: 0 (blackout) to 5 (perfect)")
        self.four_buttons.setAccessibleName("Four answer buttons")
        self.six_grades.setAccessibleName("Six grades")
        self._grades_group = QButtonGroup(self)
        self._grades_group.addButton(self.four_buttons, int(GradeMode.FOUR_BUTTONS))
        self._grades_group.addButton(self.six_grades, int(GradeMode.SIX_GRADES))
        grades_col = QVBoxLayout()
        grades_col.addWidget(self.four_buttons)
        grades_col.addWidget(self.six_grades)
        grades_row.addLayout(grades_col)
        study_form.addRow("Answers", grades_row)
        self.font_size = QSpinBox()
        self.font_size.setRange(FONT_MIN, FONT_MAX)
        self.font_size.setSuffix(" pt")
        self.font_size.setAccessibleName("Card font size")
        self.font_size.setToolTip(f"Text size on the cards, {FONT_MIN} to {FONT_MAX} points")
        study_form.addRow("Card &font size", self.font_size)
        outer.addWidget(study)

        # -- look --------------------------------------------------------------
        look = QGroupBox("Appearance")
        look_form = QFormLayout(look)
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName("Theme")
        self.theme_combo.setToolTip("Light, dark, or the same as your system")
        for label, choice in (("Follow the system", ThemeChoice.SYSTEM),
                              ("Light", ThemeChoice.LIGHT), ("Dark", ThemeChoice.DARK)):
            self.theme_combo.addItem(label, choice.value)
        look_form.addRow("&Theme", self.theme_combo)
        outer.addWidget(look)
        for layout in (study_form, look_form):  # line the forms up
            layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            for row in range(layout.rowCount()):
                label = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
                if label is not None and label.widget() is not None:
                    label.widget().setMinimumWidth(150)

        # -- other devices and the tutor (issue 19) ------------------------------
        self.sync_group = SyncGroup(col, now)
        self.sync_group.changed.connect(self.changed)
        outer.addWidget(self.sync_group)

        # -- profile -----------------------------------------------------------
        profile = QGroupBox("Profile")
        profile_layout = QVBoxLayout(profile)
        profile_layout.addWidget(text_label(
            "Your decks and progress live in this folder. Back it up to keep them safe.",
            "muted"))
        row = QHBoxLayout()
        self.profile_path = QLineEdit(str(col.path.parent) if col.path else "(in memory)")
        self.profile_path.setReadOnly(True)
        self.profile_path.setAccessibleName("Profile folder")
        self.profile_path.setToolTip("Where your collection is stored (read-only)")
        self.profile_path.setCursorPosition(0)
        row.addWidget(self.profile_path, 1)
        self.open_folder_button = QPushButton("&Open folder")
        self.open_folder_button.setAccessibleName("Open the profile folder")
        self.open_folder_button.setToolTip("Show the profile folder in your file manager")
        self.open_folder_button.setEnabled(col.path is not None)
        self.open_folder_button.clicked.connect(self._open_profile_folder)
        row.addWidget(self.open_folder_button)
        profile_layout.addLayout(row)
        outer.addWidget(profile)

        self.error = text_label("", "notice")
        self.error.hide()
        outer.addWidget(self.error)
        outer.addStretch(1)
        outer = dialog_layout  # the buttons, below the scrolling part
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip(
            "Close (Esc). Changes are already saved.")
        outer.addWidget(buttons)

        scroll.setMinimumWidth(page.sizeHint().width())
        fit_to_screen(self, QSize(page.sizeHint().width() + 20,
                                  page.sizeHint().height() + buttons.sizeHint().height() + 24))

        self._load()
        self._grades_group.idToggled.connect(self._save_grades)
        self.font_size.valueChanged.connect(self._save_font)
        self.theme_combo.currentIndexChanged.connect(self._save_theme)

    # -- loading ---------------------------------------------------------------

    def reload(self) -> None:
        """Show the settings as they are now (another process changed them)."""
        self._load()

    def _load(self) -> None:
        self._loading = True
        mode = self._col.grade_mode
        (self.six_grades if mode == GradeMode.SIX_GRADES else self.four_buttons).setChecked(True)
        self.font_size.setValue(self._prefs.card_font_pt)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(self._prefs.theme.value)))
        self._loading = False

    # -- saving ----------------------------------------------------------------

    def _save_grades(self, mode_id: int, checked: bool) -> None:
        if self._loading or not checked:
            return
        self._col.set_grade_mode(GradeMode(mode_id))
        self.changed.emit("grades")

    def _save_font(self, size: int) -> None:
        if self._loading:
            return
        self._prefs.set_card_font_pt(size)
        self.changed.emit("font")

    def _save_theme(self, _index: int) -> None:
        if self._loading:
            return
        self._prefs.set_theme(ThemeChoice(self.theme_combo.currentData()))
        self.changed.emit("theme")

    def _open_profile_folder(self) -> None:
        if self._col.path is not None:
            open_folder(self._col.path.parent)
