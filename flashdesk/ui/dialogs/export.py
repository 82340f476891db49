"""File › Export…: a deck (with its sub-decks) as an Anki package, a
spreadsheet or a flashdesk deck file, or the whole collection as one zip.

The dialog only chooses: the deck, the format and, through the save dialog,
where. Writing is ``write_export``, the window's op: it runs on a worker and
calls the same core functions as ``flashdesk export`` (``col.files.export``,
``col.files.archive``), which write beside the target first and move the
result into place whole, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QGridLayout, QLabel,
    QPushButton, QRadioButton, QVBoxLayout, QWidget,
)

from ...cards import card_ords
from ...collection import Collection
from ...model import DeckId, DeckSummary
from ...text import deck_path, isolate, plural
from ..widgets import set_role, text_label

__all__ = ["ExportDialog", "ExportFormat", "ExportChoice", "ExportDone", "ExportFile",
           "write_export", "file_stem", "done_message"]


class ExportFormat(StrEnum):
    """What an export writes; the value is the core's (and the CLI's) format name."""

    APKG = "apkg"
    CSV = "csv"
    TOML = "toml"
    WHOLE = "backup"

    @property
    def suffix(self) -> str:
        return ".zip" if self is ExportFormat.WHOLE else f".{self.value}"


#: format → (radio text, what it is for, save dialog filter); in the order shown
FORMATS: dict[ExportFormat, tuple[str, str, str]] = {
    ExportFormat.APKG: ("&Anki package (.apkg)", "for Anki, pictures included",
                        "Anki packages (*.apkg)"),
    ExportFormat.CSV: ("&Spreadsheet (.csv)", "for a spreadsheet (Excel, LibreOffice)",
                       "Spreadsheets (*.csv)"),
    ExportFormat.TOML: ("flashdesk deck &file (.toml)", "to share with flashdesk users",
                        "flashdesk deck files (*.toml)"),
    ExportFormat.WHOLE: ("&Whole collection (.zip)", "all decks, progress and pictures, to keep safe",
                         "Zip files (*.zip)"),
}

_NOT_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')


def file_stem(deck_name: str, fallback: str = "deck") -> str:
    """A file name (without suffix) made from a deck's full name, safe on
    every system: 'Challenging Customers - Models'."""
    stem = _NOT_IN_NAMES.sub(" ", deck_name.replace("::", " - "))
    stem = " ".join(stem.split()).strip(" .")[:80].strip(" .")
    return stem or fallback


@dataclass(frozen=True)
class ExportChoice:
    """What to export and where. ``deck_id`` is None for the whole collection;
    ``folder``: a toml export of a deck with sub-decks, which writes the
    folder ``path`` with one deck file per deck."""

    format: ExportFormat
    path: Path
    deck_id: DeckId | None = None
    deck_name: str = ""
    folder: bool = False


@dataclass(frozen=True)
class ExportDone:
    """What an export wrote: the files (or the zip), and the decks, notes and
    cards in them (none counted for the whole collection)."""

    choice: ExportChoice
    paths: list[Path] = field(default_factory=list)
    decks: int = 0
    notes: int = 0
    cards: int = 0


def write_export(col: Collection, choice: ExportChoice) -> ExportDone:
    """The export op (on a worker: no widget here). Raises what the core
    raises: ``FlashdeskError`` for a target it refuses, ``StorageError`` when
    the disk refuses; either way nothing is written."""
    if choice.format is ExportFormat.WHOLE:
        return ExportDone(choice, [col.files.archive(choice.path)])
    assert choice.deck_id is not None
    data = col.files.export_data(choice.deck_id)
    paths = col.files.export(choice.deck_id, choice.format.value, choice.path)
    notes = [n for d in data for n in d.notes]
    return ExportDone(choice, paths, len(data), len(notes),
                      sum(len(card_ords(n.kind, n.fields)) for n in notes))


def done_message(done: ExportDone) -> tuple[str, str, str, Path]:
    """(title, text, details, folder to show) for a finished export."""
    choice = done.choice
    if choice.format is ExportFormat.WHOLE:
        path = done.paths[0]
        return ("Collection exported", f"Exported your whole collection to\n{path}",
                "Every deck with your progress, and your pictures: a copy to keep somewhere "
                "else, such as a USB stick.", path.parent)
    what = f"{plural(done.notes, 'note')}, {plural(done.cards, 'card')}"
    if done.decks > 1:
        what += f", in {done.decks} decks"
    name = isolate(deck_path(choice.deck_name))
    if choice.folder:
        return ("Deck exported", f"Exported “{name}” to the folder\n{choice.path}",
                f"{plural(len(done.paths), 'deck file')}: {what}.", choice.path)
    path = done.paths[0] if done.paths else choice.path
    return ("Deck exported", f"Exported “{name}” to\n{path}", f"{what}.", path.parent)


class ExportFile:
    """The save dialog (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget, title: str, suggested: str, filters: str) -> str:
        """A path to write, or '' when cancelled."""
        path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, filters)
        return path


class ExportDialog(QDialog):
    """Choose a deck and a format, then where to save; ``chosen`` says what."""

    #: the learner chose the file (ExportChoice); the dialog is accepted
    chosen = Signal(object)

    def __init__(self, summaries: list[DeckSummary], deck_id: str | None,
                 settings: QSettings | None, today: date, parent: QWidget | None = None):
        """``summaries``: the deck tree as the deck list shows it; ``deck_id``:
        the deck chosen at first (the selected one); ``settings`` remembers
        the last format and folder."""
        super().__init__(parent)
        self._summaries = {s.id: s for s in summaries}
        self._settings = settings
        self._today = today
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 14)
        outer.setSpacing(12)
        outer.addWidget(text_label("Export", "heading"))

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.deck = QComboBox()
        self.deck.setAccessibleName("Deck")
        for s in summaries:
            self.deck.addItem(deck_path(s.name), s.id)
        deck_label = QLabel("&Deck:")
        deck_label.setBuddy(self.deck)
        grid.addWidget(deck_label, 0, 0)
        grid.addWidget(self.deck, 0, 1, 1, 2)
        format_label = QLabel("Format:")
        grid.addWidget(format_label, 1, 0, Qt.AlignmentFlag.AlignTop)
        self._group = QButtonGroup(self)
        self.radios: dict[ExportFormat, QRadioButton] = {}
        for row, (fmt, (text, use, _filter)) in enumerate(FORMATS.items(), start=1):
            radio = QRadioButton(text)
            radio.setToolTip(use[0].upper() + use[1:])
            self._group.addButton(radio, row)
            self.radios[fmt] = radio
            grid.addWidget(radio, row, 1)
            purpose = set_role(QLabel(use), "muted")  # one line each: never wrapped, never cut
            purpose.setTextFormat(Qt.TextFormat.PlainText)
            purpose.setBuddy(radio)
            grid.addWidget(purpose, row, 2)
        grid.setColumnStretch(2, 1)
        outer.addLayout(grid)
        self.note = text_label("", "muted")
        outer.addWidget(self.note)

        buttons = QDialogButtonBox()
        self.export_button = QPushButton("&Export…")
        self.export_button.setDefault(True)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.choose_file)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

        remembered = settings.value("export/format", "", str) if settings is not None else ""
        fmt = ExportFormat(remembered) if remembered in set(ExportFormat) else ExportFormat.APKG
        self.radios[fmt].setChecked(True)
        start = self.deck.findData(deck_id) if deck_id is not None else -1
        self.deck.setCurrentIndex(max(start, 0))
        self.deck.currentIndexChanged.connect(lambda _i: self._update())
        self._group.idToggled.connect(lambda _id, on: self._update() if on else None)
        self._update()
        self.deck.setFocus()

    # -- what is chosen ------------------------------------------------------------

    @property
    def format(self) -> ExportFormat:
        return next(f for f, r in self.radios.items() if r.isChecked())

    def set_format(self, fmt: ExportFormat) -> None:
        self.radios[fmt].setChecked(True)

    @property
    def deck_id(self) -> DeckId | None:
        value = self.deck.currentData()
        return DeckId(value) if value else None

    def _subtree(self, deck_id: str) -> list[DeckSummary]:
        name = self._summaries[deck_id].name
        return [s for s in self._summaries.values()
                if s.name == name or s.name.startswith(name + "::")]

    def writes_folder(self) -> bool:
        """A toml export of a deck with sub-decks writes a folder of deck
        files (the core's rule for a path without ``.toml``)."""
        deck = self.deck_id
        return self.format is ExportFormat.TOML and deck is not None and \
            len(self._subtree(deck)) > 1

    def _update(self) -> None:
        whole = self.format is ExportFormat.WHOLE
        self.deck.setEnabled(not whole)
        deck = self.deck_id
        self.export_button.setEnabled(whole or deck is not None)
        if whole:
            cards = sum(s.total for s in self._summaries.values() if s.depth == 0)
            self.note.setText(f"Every deck ({plural(cards, 'card')}), your progress and your "
                              "pictures, in one zip file.")
        elif deck is None:
            self.note.setText("There is no deck to export yet.")
        else:
            s = self._summaries[deck]
            subs = len(self._subtree(deck)) - 1
            text = f"{plural(s.total, 'card')}" + (
                f", with its {plural(subs, 'sub-deck')}" if subs else "")
            if self.writes_folder():
                text += ": a folder with one deck file for each deck"
            elif self.format is ExportFormat.CSV:
                text += ": one spreadsheet (a deck column says which deck)" if subs else \
                    ": one spreadsheet"
            self.note.setText(f"“{isolate(deck_path(s.name))}”: {text}.")

    # -- where ---------------------------------------------------------------------

    def _folder(self) -> str:
        saved = self._settings.value("export/folder", "", str) if self._settings else ""
        if saved and Path(saved).is_dir():
            return saved
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation)
        return documents if documents and Path(documents).is_dir() else str(Path.home())

    def suggested_path(self) -> Path:
        """The save dialog's first answer: the last folder used, the deck's
        name (the date, for the whole collection) and the format's suffix."""
        fmt = self.format
        if fmt is ExportFormat.WHOLE:
            stem = f"flashdesk collection {self._today.isoformat()}"
        else:
            deck = self.deck_id
            stem = file_stem(self._summaries[deck].name, deck) if deck else "deck"
        return Path(self._folder()) / (stem if self.writes_folder() else stem + fmt.suffix)

    def choose_file(self) -> ExportChoice | None:
        """Ask where to save; with an answer, emit ``chosen`` and close."""
        fmt = self.format
        deck = self.deck_id
        if fmt is not ExportFormat.WHOLE and deck is None:
            return None
        folder = self.writes_folder()
        title = "Export to a folder of deck files" if folder else "Export to a file"
        filters = "Folder of deck files (*)" if folder else FORMATS[fmt][2]
        answer = ExportFile.ask(self, title, str(self.suggested_path()), filters)
        if not answer:
            return None
        path = Path(answer)
        if not folder and path.suffix.lower() != fmt.suffix:
            path = path.with_name(path.name + fmt.suffix)
        if self._settings is not None:
            self._settings.setValue("export/format", fmt.value)
            self._settings.setValue("export/folder", str(path.parent))
        name = self._summaries[deck].name if deck is not None and fmt is not \
            ExportFormat.WHOLE else ""
        choice = ExportChoice(fmt, path, None if fmt is ExportFormat.WHOLE else deck, name,
                              folder)
        self.accept()
        self.chosen.emit(choice)
        return choice
