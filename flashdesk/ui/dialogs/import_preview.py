"""Before an import: what each file is, the first notes as they will appear,
rows that will be skipped and why, the deck for notes whose file names none,
whether notes gone from the file should be removed, and whether an Anki
package's progress should be carried over. When they should be removed and
the import would remove any, the learner is told which, and how much
progress goes with them, and asked first (``PruneQuestion``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHeaderView,
    QLabel, QMessageBox, QPlainTextEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ...collection import Collection
from ...formats import DeckFileError, ReadResult, read_any
from ...model import DeckId, PrunePlan, plain_text
from ...text import deck_path, prune_question
from ..theme import app_icon
from ..widgets import plain_tip
from ..workers import run_op, run_task
from .messages import show_error

__all__ = ["ImportPreviewDialog", "PruneQuestion", "FILE_DECKS", "PREVIEW_ROWS", "PRUNE_BOX"]

#: the deck box's first choice: keep the decks the files name
FILE_DECKS = "Decks named in the file"
PREVIEW_ROWS = 12
#: the box that asks for notes gone from the file to be removed
PRUNE_BOX = "Remove notes that are no longer in the file"
_FORMAT_NAMES = {"toml": "flashdesk deck file", "csv": "spreadsheet (CSV/TSV)",
                 "anki-text": "Anki plain-text export", "apkg": "Anki package"}


def _summary(fields: dict) -> tuple[str, str]:
    """(question, answer) of a note's fields, as short plain text."""
    question = next((fields[k] for k in ("front", "text", "question", "prompt") if k in fields), "")
    if "back" in fields:
        answer = fields["back"]
    elif "options" in fields:
        answer = f"{fields['answer']}. {fields['options'][fields['answer'] - 1]}"
    elif "items" in fields:
        answer = " → ".join(fields["items"])
    elif "model_answer" in fields:
        answer = fields["model_answer"]
    else:
        answer = fields.get("extra", "")
    return " ".join(plain_text(question).split()), " ".join(plain_text(answer).split())


def _studied(results: list[ReadResult]) -> int:
    """Cards the files carry Anki progress for (learning or review in Anki)."""
    return sum(1 for r in results for cards in r.progress.values() for state in cards.values()
               if getattr(state, "type", 0) in (1, 2, 3))


class ImportPreviewDialog(QDialog):
    """Accepting it means: import ``paths`` with ``deck_name()``, ``prune()``
    and ``with_scheduling()``."""

    #: the files were read (tests wait on this); the argument is True when all can import
    previewed = Signal(bool)

    def __init__(self, col: Collection, paths: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self._col = col
        self.paths = [str(p) for p in paths]
        self._generation = 0
        #: the notes the import would remove are being looked for
        self._checking = False
        #: the notes the learner agreed to remove, once asked (None: not asked)
        self._agreed: frozenset[str] | None = None
        self.results: list[ReadResult] = []
        self.problems: list[str] = []
        self.setWindowTitle("Import – flashdesk")
        self.setMinimumSize(760, 520)

        files = "\n".join(Path(p).name for p in self.paths)
        self._files = QLabel(files)
        self._files.setTextFormat(Qt.TextFormat.PlainText)  # names and text from the files
        self._files.setWordWrap(True)
        self._format = QLabel("Reading…")
        self._format.setTextFormat(Qt.TextFormat.PlainText)
        self._format.setWordWrap(True)
        self._deck = QComboBox()
        self._deck.setEditable(True)
        self._deck.setAccessibleName("Deck for notes whose file names no deck")
        self._deck.addItem(FILE_DECKS)
        for s in col.decks.summaries(__import__("datetime").datetime.now().astimezone()):
            self._deck.addItem(deck_path(s.name))
        self._deck.setToolTip("Spreadsheets without a deck column go into this deck; type a new "
                              "name to make one (Parent::Child or Parent › Child for a "
                              "sub-deck)")
        # "the decks the file names" is the empty box, said by its placeholder:
        # a key pressed by chance cannot turn that choice into a deck's name
        line = self._deck.lineEdit()
        assert line is not None
        line.setPlaceholderText(FILE_DECKS)
        self._deck.setEditText("")
        for chosen in (self._deck.currentIndexChanged, self._deck.activated):
            chosen.connect(lambda index: self._deck.setEditText("") if index == 0 else None)
        self._prune = QCheckBox(PRUNE_BOX)
        self._prune.setToolTip("On: you are told which notes would go, and how much progress "
                               "with them, and asked first. Off: such notes are listed after "
                               "the import and kept, with their progress")
        self._scheduling = QCheckBox("Keep the progress from Anki (intervals, ease, due dates)")
        self._scheduling.setToolTip("On: cards studied in Anki arrive with their interval, ease "
                                    "and due date (cards you have already studied in flashdesk "
                                    "keep theirs). Off: every new card starts as new")
        self._scheduling.setEnabled(False)
        form = QFormLayout()
        form.addRow("Files", self._files)
        form.addRow("Format", self._format)
        form.addRow("Deck", self._deck)
        form.addRow("", self._prune)
        form.addRow("", self._scheduling)

        self._table = QTableWidget(0, 4)
        self._table.setHorizontalHeaderLabels(["Deck", "Kind", "Question", "Answer"])
        self._table.setAccessibleName("The first notes, as they will appear")
        self._table.verticalHeader().setVisible(False)
        self._table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._table.setWordWrap(False)
        header = self._table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._notes_label = QLabel("First notes, as they will appear")
        self._notes_label.setBuddy(self._table)
        self._issues = QPlainTextEdit()
        self._issues.setReadOnly(True)
        self._issues.setAccessibleName("Problems and notices")
        self._issues.setMaximumHeight(130)
        self._issues.setTabChangesFocus(True)

        self._buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self._import = self._buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self._import.setEnabled(False)
        self._import.setDefault(True)
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(10)
        layout.addLayout(form)
        layout.addWidget(self._notes_label)
        layout.addWidget(self._table, 1)
        layout.addWidget(self._issues)
        layout.addWidget(self._buttons)
        self._deck.currentTextChanged.connect(lambda _: self.read())
        # the keys start on the preview, not in the deck's name
        self._table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.read()

    def deck_name(self) -> str | None:
        """The deck chosen or typed, in the store's ``Parent::Child`` form (the
        list shows 'Parent › Child'); None: the decks the files name."""
        text = self._deck.currentText().strip()
        if not text or text == FILE_DECKS:
            return None
        return "::".join(part.strip() for part in text.replace("›", "::").split("::"))

    def prune(self) -> bool:
        """Whether "Remove notes that are no longer in the file" is ticked."""
        return self._prune.isChecked()

    def prune_agreed(self) -> bool | frozenset[str]:
        """What the import may remove: False (box not ticked), or the ids of
        the notes the learner agreed to remove once asked (none when there
        was nothing to remove); True only if nothing was asked."""
        if not self.prune():
            return False
        return self._agreed if self._agreed is not None else True

    def set_prune(self, on: bool) -> None:
        """Tick or clear "Remove notes that are no longer in the file"."""
        self._prune.setChecked(on)

    def accept(self) -> None:
        """Import. With the box to remove notes ticked, first find out (on a
        worker, by the import's own rule, changing nothing) which notes the
        import would remove; if any, say how many, how many of their cards
        have progress and the first few by their text, and import only if
        the learner says so (Cancel, the default, stays here)."""
        if not self.prune():
            super().accept()
            return
        if self._checking:
            return
        self._checking = True
        for widget in (self._import, self._prune, self._deck):
            widget.setEnabled(False)
        paths, deck = list(self.paths), self.deck_name()

        def plan(col: Collection) -> tuple[PrunePlan, dict[str, str]]:
            found = col.files.prune_plan(paths, deck_name=deck)
            return found, {d: col.decks.name(DeckId(d)) for d in found.decks}

        try:
            run_op(self, lambda col, _progress: plan(col), self._ask_prune,
                   on_failed=self._prune_unknown)
        except LookupError:  # no window owns the collection: this dialog alone uses it
            run_task(self, lambda _progress: plan(self._col), self._ask_prune,
                     on_failed=self._prune_unknown)

    def reject(self) -> None:
        """Cancel, unless the notes to remove are being looked for (a moment:
        the worker reports to this dialog)."""
        if not self._checking:
            super().reject()

    def _checked(self) -> bool:
        """The dry run is over: whether the dialog is still open to go on."""
        self._checking = False
        for widget in (self._import, self._prune, self._deck):
            widget.setEnabled(True)
        return not self.isHidden()

    def _ask_prune(self, found: tuple[PrunePlan, dict[str, str]]) -> None:
        if not self._checked():
            return
        plan, names = found
        if not plan:  # nothing to remove: nothing to ask (and nothing may go)
            self._agreed = frozenset()
            super().accept()
            return
        question, details = prune_question(plan, names, [Path(p).name for p in self.paths])
        details += (f"\n\nCancel goes back: untick “{PRUNE_BOX}” to import and keep "
                    f"{'it' if len(plan.notes) == 1 else 'them'}.")
        if PruneQuestion.ask(self, question, details):
            self._agreed = frozenset(n.note_id for n in plan.notes)
            super().accept()

    def _prune_unknown(self, error: BaseException) -> None:
        if not self._checked():
            return
        if isinstance(error, DeckFileError):  # the import says what is wrong, importing nothing
            super().accept()
            return
        show_error(self, "Nothing was imported", str(error))

    def with_scheduling(self) -> bool:
        """Whether the learner asked to carry an Anki package's progress over."""
        return self._scheduling.isEnabled() and self._scheduling.isChecked()

    def set_with_scheduling(self, on: bool) -> None:
        """Tick or clear the box (it counts only while the files carry Anki progress)."""
        self._scheduling.setChecked(on)

    def set_deck_name(self, name: str) -> None:
        self._deck.setEditText(name)

    def read(self) -> None:
        """Read every file in the background (large files take a moment)."""
        self._generation += 1
        generation, deck, paths = self._generation, self.deck_name(), list(self.paths)
        self._import.setEnabled(False)
        self._format.setText("Reading…")

        def work(_progress):
            results, problems = [], []
            for path in paths:
                try:
                    results.append(read_any(path, deck))
                except DeckFileError as exc:
                    problems.extend(str(p) for p in exc.problems)
            return results, problems

        run_task(self, work, lambda found: self._show(generation, *found),
                 on_failed=lambda exc: self._show(generation, [], [f"cannot read: {exc}"]))

    def _show(self, generation: int, results: list[ReadResult], problems: list[str]) -> None:
        if generation != self._generation:
            return
        self.results, self.problems = results, problems
        formats = sorted({_FORMAT_NAMES.get(r.format, r.format) for r in results})
        notes = sum(len(d.notes) for r in results for d in r.decks)
        decks = sorted({deck_path(d.name) for r in results for d in r.decks})
        self._format.setText((", ".join(formats) or "not readable")
                             + (f" – {notes:,} note{'s' if notes != 1 else ''} in {', '.join(decks)}" if notes else ""))
        rows = [(deck_path(d.name), n) for r in results for d in r.decks
                for n in d.notes][:PREVIEW_ROWS]
        self._table.setRowCount(len(rows))
        for i, (deck, note) in enumerate(rows):
            question, answer = _summary(note.fields)
            for j, text in enumerate((deck, note.kind.value, question, answer)):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tip(text))
                self._table.setItem(i, j, item)
        lines = []
        if problems:
            lines.append("Nothing will be imported until these are fixed:")
            lines += [f"  {p}" for p in problems]
        studied = _studied(results)
        self._scheduling.setEnabled(studied > 0)
        if studied:
            lines.append(f"{studied:,} card{'s carry' if studied != 1 else ' carries'} progress "
                         "from Anki: tick \"Keep the progress "
                         "from Anki\" to bring it; otherwise Anki's scheduling is not imported "
                         "and they start as new.")
        for r in results:
            lines += r.messages
            lines += r.skipped
        self._issues.setPlainText("\n".join(lines) if lines else "No problems found.")
        ok = not problems and notes > 0
        self._import.setEnabled(ok)
        self.previewed.emit(ok)


class PruneQuestion(QMessageBox):
    """Asked before an import removes the notes its files no longer have:
    the question and what goes with them (``prune_question``'s words, plain
    text: they quote the files' notes). The buttons are *Remove and import*
    and Cancel, the default. Tests replace ``ask``."""

    def __init__(self, parent: QWidget | None, question: str, details: str):
        super().__init__(QMessageBox.Icon.Warning, "Remove notes", "", parent=parent)
        self.setWindowIcon(app_icon())
        self.setTextFormat(Qt.TextFormat.PlainText)  # before the texts: it applies to both
        self.setText(question)
        self.setInformativeText(details)
        self.setAccessibleName("Remove notes")
        self.remove_button = self.addButton("Remove and import",
                                            QMessageBox.ButtonRole.DestructiveRole)
        cancel = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(cancel)
        self.setEscapeButton(cancel)

    @classmethod
    def ask(cls, parent: QWidget | None, question: str, details: str) -> bool:
        """Whether the learner chose to remove the notes and import."""
        box = cls(parent, question, details)
        box.exec()
        return box.clickedButton() is box.remove_button
