"""Settings: daily limits per deck, grade buttons, theme, card font size and
where the profile lives. Every change applies at once and is saved at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QDate, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLineEdit, QPushButton, QRadioButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget,
)

from ...collection import Collection
from ...model import FlashdeskError, GradeMode
from ..prefs import FONT_MAX, FONT_MIN, Prefs
from ..geometry import fit_to_screen
from ..theme import ThemeChoice
from ..widgets import text_label
from .sync_settings import SyncGroup

__all__ = ["SettingsDialog", "open_folder"]

_LIMIT_MAX = 9999


def open_folder(path: Path) -> bool:
    """Show ``path`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class SettingsDialog(QDialog):
    """Edits settings in place; ``changed`` tells the window what to redo."""

    #: one of "limits", "grades", "theme", "font", "sync", "class"
    changed = Signal(str)

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

        # -- daily limits ------------------------------------------------------
        limits = QGroupBox("Daily limits")
        form = QFormLayout(limits)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(10)
        self.deck_combo = QComboBox()
        self.deck_combo.setAccessibleName("Deck")
        self.deck_combo.setToolTip("The deck whose daily limits you are changing")
        self.new_limit = QSpinBox()
        self.review_limit = QSpinBox()
        for box, name, tip in ((self.new_limit, "New cards a day",
                                "How many new cards this deck (with its sub-decks) shows a day"),
                               (self.review_limit, "Reviews a day",
                                "How many due reviews this deck (with its sub-decks) shows a day")):
            box.setRange(0, _LIMIT_MAX)
            box.setAccessibleName(name)
            box.setToolTip(tip)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._save_limits)
        form.addRow("&Deck", self.deck_combo)
        form.addRow("&New cards a day", self.new_limit)
        form.addRow("&Reviews a day", self.review_limit)
        self.bury_siblings = QCheckBox("&Hold back till tomorrow")
        self.bury_siblings.setToolTip(
            "Once you answer one card of a note (a question, its reverse, one gap of a cloze), "
            "its other cards wait for the next day, so they do not give the answer away")
        self.bury_siblings.toggled.connect(self._save_siblings)
        form.addRow("A note's other cards", self.bury_siblings)
        exam_row = QHBoxLayout()
        self.has_exam = QCheckBox("&On")
        self.has_exam.setToolTip("Revising for an exam: new cards come in early enough to be "
                                 "reviewed twice before it, and every card is seen in its last "
                                 "days (sub-decks share the date)")
        self.exam_date = QDateEdit()
        self.exam_date.setCalendarPopup(True)
        self.exam_date.setDisplayFormat("ddd d MMM yyyy")
        self.exam_date.setAccessibleName("Exam date")
        self.exam_date.setEnabled(False)
        self.has_exam.toggled.connect(self.exam_date.setEnabled)
        self.has_exam.toggled.connect(lambda _on: self._save_exam())
        self.exam_date.dateChanged.connect(lambda _d: self._save_exam())
        exam_row.addWidget(self.has_exam)
        exam_row.addWidget(self.exam_date, 1)
        form.addRow("Exam", exam_row)
        outer.addWidget(limits)

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
        for layout in (form, study_form, look_form):  # line the three forms up
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

        self._load(current_deck)
        self.deck_combo.currentIndexChanged.connect(self._load_limits)
        self._grades_group.idToggled.connect(self._save_grades)
        self.font_size.valueChanged.connect(self._save_font)
        self.theme_combo.currentIndexChanged.connect(self._save_theme)

    # -- loading ---------------------------------------------------------------

    def _load(self, current_deck: str | None) -> None:
        self._loading = True
        for s in self._col.decks.summaries(self._now()):
            self.deck_combo.addItem("    " * s.depth + s.short_name, s.id)
        if current_deck is not None:
            self.deck_combo.setCurrentIndex(max(0, self.deck_combo.findData(current_deck)))
        self.deck_combo.setEnabled(self.deck_combo.count() > 0)
        mode = self._col.grade_mode
        (self.six_grades if mode == GradeMode.SIX_GRADES else self.four_buttons).setChecked(True)
        self.font_size.setValue(self._prefs.card_font_pt)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(self._prefs.theme.value)))
        self._loading = False
        self._load_limits()

    def _current_deck(self) -> str | None:
        # never ask an empty combo box for its data: PySide6 6.12 miscounts None
        return self.deck_combo.currentData() if self.deck_combo.currentIndex() >= 0 else None

    def _load_limits(self) -> None:
        deck_id = self._current_deck()
        enabled = deck_id is not None
        self.new_limit.setEnabled(enabled)
        self.review_limit.setEnabled(enabled)
        if not enabled:
            return
        summary = next((s for s in self._col.decks.summaries(self._now()) if s.id == deck_id), None)
        if summary is None:
            return
        self._loading = True
        self.new_limit.setValue(summary.new_limit)
        self.review_limit.setValue(summary.review_limit)
        self.bury_siblings.setChecked(summary.bury_siblings)
        today = self._now().date()
        self.exam_date.setMinimumDate(QDate(today.year, today.month, today.day).addDays(1))
        own = self._col.decks.rows()[deck_id].get("exam_date")
        self.has_exam.setChecked(bool(own))
        self.exam_date.setEnabled(bool(own))
        when = summary.exam or (today + timedelta(days=21))
        self.exam_date.setDate(QDate(when.year, when.month, when.day))
        self._loading = False

    # -- saving ----------------------------------------------------------------

    def _save_limits(self) -> None:
        deck_id = self._current_deck()
        if self._loading or deck_id is None:
            return
        try:
            self._col.decks.set_limits(deck_id, new_limit=self.new_limit.value(),
                                      review_limit=self.review_limit.value())
        except FlashdeskError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.changed.emit("limits")

    def _save_siblings(self, on: bool) -> None:
        deck_id = self._current_deck()
        if self._loading or deck_id is None:
            return
        self._col.decks.set_options(deck_id, bury_siblings=on)
        self.changed.emit("limits")

    def _save_exam(self) -> None:
        deck_id = self._current_deck()
        if self._loading or deck_id is None:
            return
        day = self.exam_date.date().toPython() if self.has_exam.isChecked() else None
        try:
            self._col.decks.set_exam(deck_id, day, self._now())
        except FlashdeskError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self.changed.emit("limits")

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
