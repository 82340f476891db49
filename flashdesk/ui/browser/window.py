"""The browser window: search and filters on top, the card table, the note
editor beside it, and actions on the selected cards."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Sequence

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
    QMainWindow, QMessageBox, QSplitter, QTableView, QToolBar, QVBoxLayout, QWidget,
)

from ...text import deck_path, plural, sentence
from ...collection import Collection, UndoRefused
from ...model import BrowseQuery, CardFilter, CardId, Changes, FlashdeskError, NoteId, SortKey
from ..geometry import restore_geometry, save_geometry
from ..workers import run_task
from ..note_editor import NoteEditor
from .model import COLUMNS, CardTableModel

__all__ = ["BrowserWindow"]

_STATES = [("Any state", CardFilter.ANY), ("New", CardFilter.NEW),
           ("Learning", CardFilter.LEARNING), ("Review", CardFilter.REVIEW),
           ("Due today", CardFilter.DUE), ("Suspended", CardFilter.SUSPENDED),
           ("Buried", CardFilter.BURIED), ("Leech", CardFilter.LEECH)]


#: Anki's search words for what the filters beside the search box choose:
#: ``tag:heat``, ``deck:"Key concepts"``, ``is:due`` – each taken into its
#: filter once it is followed by a space (or Enter is pressed)
_FILTER_WORD = re.compile(r'(?<!\S)(tag|deck|is):("[^"]*"|[^\s"]+)(?=\s)', re.IGNORECASE)
_IS_WORDS = {"new": CardFilter.NEW, "learn": CardFilter.LEARNING,
             "learning": CardFilter.LEARNING, "review": CardFilter.REVIEW,
             "due": CardFilter.DUE, "suspended": CardFilter.SUSPENDED,
             "buried": CardFilter.BURIED, "leech": CardFilter.LEECH}


def _now() -> datetime:
    return datetime.now().astimezone()


class BrowserWindow(QMainWindow):
    """Find any card again, edit its note, and act on many cards at once."""

    #: the browser changed the collection (Changes): other screens refresh
    collection_changed = Signal(object)
    #: a query finished (tests wait on this)
    results_shown = Signal(int)

    def __init__(self, col: Collection, parent=None):
        super().__init__(parent)
        self._col = col
        self._generation = 0
        self.setWindowTitle("Browse – flashdesk")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.setMinimumSize(QSize(640, 420))
        restore_geometry(self, getattr(parent, "settings", None), "browser/geometry",
                         QSize(1100, 680))

        self._search = QLineEdit()
        self._search.setPlaceholderText("Find cards (Ctrl+F), tag:, deck:, is:")
        self._search.setToolTip("Words find cards whose text holds them (each word as the start "
                                "of a word). tag:NAME, deck:NAME (deck:\"Two words\") and "
                                "is:new, is:learn, is:review, is:due, is:suspended, is:buried "
                                "or is:leech set the filters beside the box.")
        self._search.setClearButtonEnabled(True)
        self._search.setAccessibleName("Search cards")
        # Down (or Page Down) from the search box goes on into the list
        self._search.installEventFilter(self)
        self._deck = QComboBox()
        self._deck.setAccessibleName("Deck filter")
        self._tag = QComboBox()
        self._tag.setAccessibleName("Tag filter")
        self._state = QComboBox()
        self._state.setAccessibleName("State filter")
        for label, value in _STATES:
            self._state.addItem(label, value)
        filters = QHBoxLayout()
        filters.addWidget(self._search, 3)
        for label, box in (("Deck", self._deck), ("Tag", self._tag), ("State", self._state)):
            text = QLabel(label)
            text.setBuddy(box)
            filters.addWidget(text)
            filters.addWidget(box, 1)

        self._model = CardTableModel(col, self)
        self._table = QTableView()
        self._table.setModel(self._model)
        self._table.setAccessibleName("Cards")
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._table.setSortingEnabled(True)
        self._table.setWordWrap(False)
        self._table.setAlternatingRowColors(True)
        self._table.verticalHeader().setVisible(False)
        self._table.verticalHeader().setDefaultSectionSize(self._table.fontMetrics().height() + 12)
        header = self._table.horizontalHeader()
        # the header asks its selection model whether each column is wholly
        # selected, which reads every row: after Ctrl+A over 100,000 cards that
        # took a second. The header gets a selection of its own, always empty.
        header.setSelectionModel(QItemSelectionModel(self._model, header))
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = header.fontMetrics()
        for column, width in enumerate((130, 280, 104, 84, 104, 56, 48, 56, 52)):
            # never narrower than the column's title, whatever the font size
            title = metrics.horizontalAdvance(COLUMNS[column].title) + 30
            header.resizeSection(column, max(width, title))
        header.setSortIndicator(len(COLUMNS) - 1, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(lambda *_: self.refresh())

        self._editor = NoteEditor(col, now=_now)
        self._editor.saved.connect(self._note_saved)
        splitter = QSplitter()
        splitter.addWidget(self._table)
        splitter.addWidget(self._editor)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([640, 440])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self._count = QLabel()
        self.statusBar().addWidget(self._count)
        self._build_actions()

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(lambda: self._take_filter_words(False) or self.refresh())
        self._search.returnPressed.connect(
            lambda: self._take_filter_words(True) or self.refresh())
        #: what the last filter word in the search box named that is not there
        self._filter_problem = ""
        self._search.textChanged.connect(lambda _: self._debounce.start())
        for box in (self._deck, self._tag, self._state):
            box.currentIndexChanged.connect(lambda _: self.refresh())
        self._table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.reload_filters()
        self.refresh()

    # -- actions ------------------------------------------------------------------

    def _build_actions(self) -> None:
        bar = QToolBar("Card actions")
        bar.setObjectName("browserToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)

        def action(text, shortcut, slot, tip):
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})" if shortcut else tip)
            act.triggered.connect(slot)
            bar.addAction(act)
            self.addAction(act)
            return act

        self._suspend_action = action("Suspend", "Ctrl+J", self.toggle_suspend,
                                      "Suspend or unsuspend the selected cards")
        #: the actions on the selected cards: off while nothing is selected
        self._card_actions = [self._suspend_action, *(action(*a) for a in (
            ("Reset progress", "Ctrl+Alt+N", self.reset_selected,
             "Make the selected cards new again"),
            ("Change deck…", "Ctrl+D", self.move_selected,
             "Move the selected cards to another deck"),
            ("Add tag…", "Ctrl+Shift+A", self.add_tag, "Add a tag to the selected notes"),
            ("Remove tag…", "Ctrl+Alt+Shift+A", self.remove_tag,
             "Remove a tag from the selected notes"),
            ("Delete", "Ctrl+Delete", self.delete_selected, "Delete the selected notes")))]
        for act in self._card_actions:
            act.setEnabled(False)
        self._undo_action = action("Undo", "Ctrl+Z", self.undo, "Take back the last action")
        self.update_undo()
        find = QAction("Find", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: (self._search.setFocus(), self._search.selectAll()))
        self.addAction(find)
        close = QAction("Close", self)
        close.setShortcut(QKeySequence("Esc"))
        close.triggered.connect(self.close)
        self.addAction(close)

    # -- queries ------------------------------------------------------------------

    def reload_filters(self) -> None:
        """Fill the deck and tag lists (keeping the current choice)."""
        deck, tag = self._deck.currentData(), self._tag.currentData()
        for box in (self._deck, self._tag):
            box.blockSignals(True)
            box.clear()
        self._deck.addItem("All decks", None)
        for s in self._col.decks.summaries(_now()):
            self._deck.addItem("    " * s.depth + s.short_name, s.id)
        self._tag.addItem("Any tag", None)
        for t in self._col.notes.tags():
            self._tag.addItem(t, t)
        for box, value in ((self._deck, deck), (self._tag, tag)):
            i = box.findData(value)
            box.setCurrentIndex(max(0, i))
            box.blockSignals(False)

    def query(self) -> BrowseQuery:
        header = self._table.horizontalHeader()
        column = header.sortIndicatorSection()
        sort = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else SortKey.ADDED
        return BrowseQuery(text=self._search.text(), deck_id=self._deck.currentData(),
                           tag=self._tag.currentData(), state=self._state.currentData(),
                           sort=sort,
                           descending=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)

    def _take_filter_words(self, final: bool) -> bool:
        """Move ``tag:``, ``deck:`` and ``is:`` words of the search box into
        the filters they name (at the end of the text too when ``final``:
        Enter was pressed). A word naming no tag, deck or state stays, and
        the count below the list says so. Returns True when a filter changed
        (and the list is refreshed already)."""
        text = self._search.text() + (" " if final else "")
        problems: list[str] = []
        changed = taken = False
        for match in reversed(list(_FILTER_WORD.finditer(text))):
            word, value = match.group(1).lower(), match.group(2).strip('"').strip()
            box, index = self._filter_index(word, value)
            if index < 0:
                problems.insert(0, f"no {'state' if word == 'is' else word} called '{value}'")
                continue
            text = text[:match.start()] + text[match.end():]
            taken = True
            if box.currentIndex() != index:
                box.blockSignals(True)
                box.setCurrentIndex(index)
                box.blockSignals(False)
                changed = True
        if taken:
            rest = " ".join(text.split())
            self._search.blockSignals(True)
            self._search.setText(rest if final or not rest else rest + " ")
            self._search.blockSignals(False)
        self._filter_problem = "; ".join(problems)
        if changed:
            self.refresh()
        return changed

    def _filter_index(self, word: str, value: str) -> tuple[QComboBox, int]:
        """The filter box a search word sets and the index of what it names
        there (-1: nothing of that name)."""
        if word == "is":
            return self._state, self._state.findData(_IS_WORDS.get(value.lower(), -1))
        box = self._tag if word == "tag" else self._deck
        try:  # the names as the CLI finds them: a tag or a deck in any case
            found = self._col.notes.find_tag(value) if word == "tag" \
                else self._col.decks.find(value)
        except FlashdeskError:
            return box, -1
        return box, box.findData(found)

    def refresh(self) -> None:
        """Run the query in the background; the newest query wins."""
        self._generation += 1
        generation, query, now = self._generation, self.query(), _now()
        self._count.setText("Searching…")
        run_task(self, lambda progress: self._col.notes.browse(query, now),
                 lambda ids: self._show(generation, ids), on_failed=self._failed)

    def _show(self, generation: int, ids: Sequence[CardId]) -> None:
        if generation != self._generation:
            return
        selected = self.selected_cards()
        self._model.set_ids(ids)
        self._count.setText(f"{len(ids):,} card{'s' if len(ids) != 1 else ''}"
                            + (f" · {self._filter_problem}" if self._filter_problem else ""))
        rows = sorted(self._model.rows_of(selected).values())
        if rows:  # one selection of contiguous runs, not one call per row
            selection = QItemSelection()
            last = self._model.columnCount() - 1
            start = previous = rows[0]
            for row in rows[1:] + [-2]:
                if row != previous + 1:
                    selection.select(self._model.index(start, 0), self._model.index(previous, last))
                    start = row
                previous = row
            self._table.selectionModel().select(
                selection, QItemSelectionModel.SelectionFlag.Select
                | QItemSelectionModel.SelectionFlag.Rows)
        # a new list clears the selection without a signal: the editor and the
        # card actions follow what is selected now (perhaps nothing)
        self._selection_changed()
        self.results_shown.emit(len(ids))

    def _failed(self, error: BaseException) -> None:
        self._count.setText(f"Search failed: {error}")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self._search and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) \
                and self._model.rowCount() > 0:
            self._table.setFocus(Qt.FocusReason.TabFocusReason)
            if not self.selected_rows(limit=1):
                self.select_row(0)
            return True
        return super().eventFilter(watched, event)

    # -- selection ----------------------------------------------------------------

    def selected_rows(self, limit: int | None = None) -> list[int]:
        """The selected row numbers, in order (at most ``limit``), read from the
        selection's ranges: selecting 100,000 rows costs a few ranges, not
        100,000 indexes."""
        runs = sorted((r.top(), r.bottom()) for r in self._table.selectionModel().selection())
        rows: list[int] = []
        end = -1
        for top, bottom in runs:
            top = max(top, end + 1)
            if top <= bottom:
                rows.extend(range(top, bottom + 1))
                end = bottom
            if limit is not None and len(rows) >= limit:
                return rows[:limit]
        return rows

    def selected_cards(self, limit: int | None = None) -> list[CardId]:
        return self._model.card_ids(self.selected_rows(limit))

    def selected_notes(self, limit: int | None = None) -> list[NoteId]:
        return list(dict.fromkeys(NoteId(c.rsplit("#", 1)[0])
                                  for c in self.selected_cards(limit)))

    def select_row(self, row: int) -> None:
        """Select that row alone (whatever modifier keys were last held)."""
        flags = QItemSelectionModel.SelectionFlag
        self._table.selectionModel().setCurrentIndex(self._model.index(row, 0),
                                                     flags.ClearAndSelect | flags.Rows)

    def _selection_changed(self, *_) -> None:
        # two notes among the first selected cards are enough to know it is not one
        notes = self.selected_notes(limit=200)
        if len(notes) == 1 and len(self.selected_rows(limit=201)) > 200:
            notes = self.selected_notes()
        cards = self.selected_cards(limit=200) if len(notes) == 1 else []
        current = self._table.currentIndex()
        shown = self._model.card_id(current.row()) if current.isValid() else None
        self._editor.show_note(notes[0] if len(notes) == 1 else None,
                               (shown if shown in cards else cards[0]) if cards else None)
        rows = [self._model.browse_row(r) for r in self.selected_rows(limit=200)]
        suspended = bool(rows) and all(r is not None and r.state == "suspended" for r in rows)
        self._suspend_action.setText("Unsuspend" if suspended else "Suspend")
        # the actions work on every selected card, of one note or of many
        for action in self._card_actions:
            action.setEnabled(bool(rows))

    @property
    def editor(self) -> NoteEditor:
        return self._editor

    @property
    def model(self) -> CardTableModel:
        return self._model

    # -- changes ------------------------------------------------------------------

    def apply_changes(self, changes: Changes) -> None:
        """Something changed the collection (here or elsewhere): redraw what
        the browser shows of it."""
        if changes.decks or changes.tags:
            self.reload_filters()
        if changes.notes or changes.decks or changes.tags:
            self.refresh()
        elif changes.cards or changes.note_text:
            self._model.reload_rows()
            self._selection_changed()  # a card suspended or unsuspended: the action's name
        if (changes.note_text or changes.cards or changes.tags or changes.decks) \
                and not self._editor.dirty and self._editor.note_id is not None:
            if self._col.notes.card_ids(self._editor.note_id):
                self._editor.reload(self._editor.card_info.info.card_id
                                    if self._editor.card_info.info else None)
            else:
                self._editor.show_note(None)
        self.update_undo()

    def _changed(self, changes: Changes) -> None:
        self.apply_changes(changes)
        self.collection_changed.emit(changes)

    def update_undo(self) -> None:
        name = self._col.undo.name
        self._undo_action.setEnabled(name is not None)
        self._undo_action.setText(f"Undo {name.lower()}" if name else "Undo")

    def _note_saved(self, changes: Changes) -> None:
        self._model.refresh_cards(self.selected_cards())
        self.update_undo()
        self.collection_changed.emit(changes)

    def toggle_suspend(self) -> None:
        cards = self.selected_cards()
        if not cards:
            return
        if self._suspend_action.text() == "Unsuspend":
            changes = self._col.study.unsuspend(cards, _now())
        else:
            changes = self._col.study.suspend(cards, _now())
        self._changed(changes)
        self._selection_changed()

    def reset_selected(self) -> None:
        cards = self.selected_cards()
        if cards and self.ask_yes_no(f"Make {plural(len(cards), 'card')} new again? Their history stays "
                                     "in the log, and Ctrl+Z takes this back."):
            self._changed(self._col.notes.reset_cards(cards, _now()))

    def move_selected(self) -> None:
        cards = self.selected_cards()
        if not cards:
            return
        decks = [s for s in self._col.decks.summaries(_now())]
        names = [deck_path(s.name) for s in decks]
        name = self.ask_choice("Change deck", f"Move {plural(len(cards), 'card')} to:", names)
        if name:
            self._changed(self._col.notes.move_cards(cards, decks[names.index(name)].id))

    def _tags(self, add: bool) -> None:
        notes = self.selected_notes()
        if not notes:
            return
        tag = self.ask_text("Add tag" if add else "Remove tag",
                            f"Tag to {'add to' if add else 'remove from'} {plural(len(notes), 'note')}:")
        if not tag:
            return
        try:
            changes = self._col.notes.change_tags(notes, add=[tag] if add else [],
                                                  remove=[] if add else [tag])
        except FlashdeskError as exc:
            QMessageBox.warning(self, "flashdesk", sentence(str(exc)))
            return
        self._changed(changes)

    def add_tag(self) -> None:
        self._tags(True)

    def remove_tag(self) -> None:
        self._tags(False)

    def delete_selected(self) -> None:
        notes = self.selected_notes()
        if notes and self.ask_yes_no(f"Delete {plural(len(notes), 'note')} and {'their' if len(notes) != 1 else 'its'} cards? "
                                     "Ctrl+Z brings them back while flashdesk is open."):
            self._editor.show_note(None)
            changes = self._col.notes.delete(notes, _now())
            self.statusBar().showMessage(f"Deleted {plural(len(notes), 'note')}. Ctrl+Z brings "
                                         f"{'them' if len(notes) != 1 else 'it'} back.",
                                         8000)
            self._changed(changes)

    def undo(self) -> None:
        """Take back the newest action (the same stack as the main window's)."""
        self._editor.save()
        try:
            result = self._col.undo.undo(_now())
        except UndoRefused as exc:
            self.statusBar().showMessage(sentence(str(exc)), 8000)
            self.update_undo()
            return
        self.statusBar().showMessage(f"Undone: {result.name.lower()}.", 5000)
        self._changed(result.changes)

    def undo_delete(self) -> None:
        self.undo()

    # -- questions (patched in tests) ------------------------------------------------

    def ask_yes_no(self, text: str) -> bool:
        return QMessageBox.question(self, "flashdesk", text) == QMessageBox.StandardButton.Yes

    def ask_text(self, title: str, label: str) -> str:
        text, ok = QInputDialog.getText(self, title, label)
        return text.strip() if ok else ""

    def ask_choice(self, title: str, label: str, items: list[str]) -> str:
        item, ok = QInputDialog.getItem(self, title, label, items, 0, False)
        return item if ok else ""

    def closeEvent(self, event) -> None:
        self._editor.save()
        save_geometry(self, getattr(self.parent(), "settings", None), "browser/geometry")
        super().closeEvent(event)
