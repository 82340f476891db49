"""The note editor: every field of the note's kind, its tags, its source and
the deck of its cards, with the card info panel – beside them when there is
room (the dialog E opens while studying, saved with Save), on a tab of its
own in the browser's narrow panel (saved when a field loses focus, or
Ctrl+S). One widget, so both have the same labels and rules."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QLabel, QLineEdit, QPushButton, QSplitter,
    QTabWidget, QVBoxLayout, QWidget,
)

from ..collection import Collection
from ..collection.notes import NoteRejected
from ..formats.sanitize import editable_text
from ..kinds import form_texts, form_values, kind_spec
from ..model import CardId, Changes, DeckId, FlashdeskError, NoteId
from ..review import local_now
from ..text import deck_path, sentence
from .card_info import CardInfoPanel
from .note_form import NoteForm, TagEdit
from .widgets import column_scroll, text_label

__all__ = ["NoteEditor"]


class NoteEditor(QWidget):
    """Edits one note. ``autosave``: save when the focus leaves a field (the
    browser); otherwise the host calls ``save()`` (a dialog's Save).
    ``orientation``: horizontal puts the card info beside the fields,
    vertical on a tab behind them."""

    #: a save changed the collection (Changes)
    saved = Signal(object)
    #: a save was refused (the message)
    failed = Signal(str)

    def __init__(self, col: Collection, parent: QWidget | None = None, *,
                 autosave: bool = True, orientation=Qt.Orientation.Vertical,
                 now: Callable[[], datetime] = local_now):
        super().__init__(parent)
        self._col = col
        self._now = now
        self._autosave = autosave
        self._note: NoteId | None = None
        self._deck: str | None = None
        self._dirty = False
        self._loading = False

        self._title = text_label("Select a card to edit its note.")
        self._title.setObjectName("editorTitle")
        self.form = NoteForm()
        self.form.set_checker(lambda kind, texts: self._col.notes.check(
            kind, form_values(kind, texts), self.tags.tags(), self.source.text().strip())[1])
        self.form.changed.connect(self._changed)
        self.tags = TagEdit()
        self.tags.textChanged.connect(self._changed)
        self.source = QLineEdit()
        self.source.setPlaceholderText("Where this comes from (optional)")
        self.source.setAccessibleName("Source")
        self.source.textChanged.connect(self._changed)
        self.deck = QComboBox()
        self.deck.setAccessibleName("Deck")
        self.deck.setToolTip("The deck this note's cards are in")
        self.deck.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.deck.setMinimumContentsLength(16)
        self.deck.currentIndexChanged.connect(self._changed)
        extra = QFormLayout()
        extra.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        extra.setContentsMargins(0, 6, 0, 0)
        extra.setVerticalSpacing(4)
        for label, widget in (("Tags", self.tags), ("Source", self.source), ("Deck", self.deck)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            extra.addRow(caption, widget)
        self.bundled_button = QPushButton("Use the bundled version")
        self.bundled_button.setToolTip("This bundled note has your own edit. Put the version "
                                       "that ships with flashdesk in its place (Ctrl+Z takes "
                                       "it back).")
        self.bundled_button.clicked.connect(self.use_bundled_version)
        self.bundled_button.hide()

        fields = QWidget()
        column = QVBoxLayout(fields)
        column.setContentsMargins(0, 0, 6, 0)
        column.setSpacing(6)
        column.addWidget(self._title)
        column.addWidget(self.form)
        column.addLayout(extra)
        column.addWidget(self.bundled_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addStretch(1)
        scroll = column_scroll(fields)
        self.card_info = CardInfoPanel(col, now)
        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        self._splitter.setChildrenCollapsible(False)
        self.tabs: QTabWidget | None = None
        if orientation == Qt.Orientation.Horizontal:
            self._splitter.addWidget(scroll)
            self._splitter.addWidget(self.card_info)
            self._splitter.setStretchFactor(0, 3)
            self._splitter.setStretchFactor(1, 2)
        else:
            self.tabs = QTabWidget()
            self.tabs.setDocumentMode(True)
            self.tabs.addTab(scroll, "&Note")
            self.tabs.addTab(self.card_info, "Card &info")
            self._splitter.addWidget(self.tabs)
        self.status = text_label("")
        self.status.setObjectName("editorStatus")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._splitter, 1)
        layout.addWidget(self.status)
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)
        self._set_enabled(False)

    # -- state -----------------------------------------------------------------

    @property
    def note_id(self) -> NoteId | None:
        return self._note

    @property
    def dirty(self) -> bool:
        """Edits not saved yet."""
        return self._dirty

    @property
    def splitter(self) -> QSplitter:
        return self._splitter

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.form, self.tags, self.source, self.deck):
            widget.setVisible(enabled)
        for label in self.findChildren(QLabel):
            if label.buddy() in (self.tags, self.source, self.deck):
                label.setVisible(enabled)
        if self.tabs is None:
            self.card_info.setVisible(enabled)
        else:  # a tab's page is shown by its tab only
            self.tabs.tabBar().setVisible(enabled)
            if not enabled:
                self.tabs.setCurrentIndex(0)

    def show_note(self, note_id: NoteId | None, card_id: CardId | None = None) -> None:
        """Edit ``note_id`` (None: nothing), its card ``card_id`` in the card
        info panel. Unsaved edits of the note shown before are saved first."""
        if self._col.closed:  # a window torn down after its collection closed
            return
        if note_id == self._note and note_id is not None:
            self.card_info.show_note(note_id, card_id)
            return
        if self._autosave:
            self.save()
        self._note, self._dirty = note_id, False
        self.status.setText("")
        self.bundled_button.hide()
        if note_id is None:
            self._title.setText("Select a card to edit its note.")
            self._set_enabled(False)
            self.card_info.show_note(None)
            return
        self.reload(card_id)

    def reload(self, card_id: CardId | None = None) -> None:
        """Read the note shown again (it changed elsewhere); unsaved edits go."""
        if self._note is None:
            return
        note_id = self._note
        kind, fields = self._col.notes.get(note_id)
        cards = self._col.notes.card_ids(note_id)
        view = self._col.study.card(card_id or cards[0], self._now()) if cards else None
        self._loading = True
        try:
            spec = kind_spec(kind)
            self._title.setText(f"{spec.title} note · {len(cards)} card"
                                f"{'s' if len(cards) != 1 else ''}")
            self._title.setToolTip(note_id)
            self.form.set_kind(kind)
            self.form.set_texts(form_texts(kind, fields, editable_text))
            self.tags.set_known(self._col.notes.tags())
            self.tags.set_tags(view.tags if view else ())
            self.source.setText(view.source if view else "")
            self.source.setCursorPosition(0)
            self.deck.clear()
            for s in self._col.decks.summaries(self._now()):
                self.deck.addItem(deck_path(s.name), s.id)
            self._deck = view.deck_id if view else None
            self.deck.setCurrentIndex(max(0, self.deck.findData(self._deck)))
        finally:
            self._loading = False
        self._dirty = False
        self._set_enabled(True)
        self._watch_focus()
        self.bundled_button.setVisible(self._col.notes.edited_bundled(note_id))
        self.card_info.show_note(note_id, card_id)

    def focus_first(self) -> None:
        self.form.focus_first()

    # -- saving ----------------------------------------------------------------

    def _changed(self, *_args) -> None:
        if self._loading or self._note is None:
            return
        self._dirty = True
        self.status.setText("Editing… (saved when you leave the field, or Ctrl+S)"
                            if self._autosave else "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.FocusOut and self._dirty and self._autosave:
            self.save()
        return super().eventFilter(watched, event)

    def _watch_focus(self) -> None:
        """With ``autosave``, hear when any control of the note loses focus."""
        if self._autosave:
            for widget in self.findChildren(QWidget):
                if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                    widget.removeEventFilter(self)
                    widget.installEventFilter(self)

    def save(self) -> bool:
        """Save the edits (nothing to save is a success). On a problem the
        form shows it under its field and nothing is saved."""
        if self._note is None or not self._dirty:
            return True
        kind = self.form.kind
        deck = self.deck.currentData() if self.deck.currentIndex() >= 0 else None
        try:
            changes = self._col.notes.edit(
                self._note, self._now(), fields=form_values(kind, self.form.texts()),
                tags=self.tags.tags(), source=self.source.text().strip(),
                deck_id=DeckId(deck) if deck and deck != self._deck else None)
        except NoteRejected as exc:
            other = self.form.show_problems(exc.problems)
            self._fail("Not saved: " + ("; ".join(other) if other else
                                        "see the fields marked above."))
            return False
        except FlashdeskError as exc:
            self._fail(f"Not saved: {exc}")
            return False
        self.form.show_problems([])
        self._dirty = False
        self._deck = deck
        self.status.setText("Saved." if changes else "")
        self.card_info.refresh()
        if changes:
            self.saved.emit(changes)
        return True

    def _fail(self, message: str) -> None:
        self.status.setText(message)
        self.failed.emit(message)

    def use_bundled_version(self) -> Changes:
        """Put the bundled version of the note in place of the learner's edit."""
        if self._note is None:
            return Changes()
        try:
            changes = self._col.files.use_bundled_version(self._note, self._now())
        except FlashdeskError as exc:
            self._fail(sentence(str(exc)))
            return Changes()
        self.reload()
        self.status.setText("The bundled version is back. Ctrl+Z takes your edit back.")
        if changes:
            self.saved.emit(changes)
        return changes
