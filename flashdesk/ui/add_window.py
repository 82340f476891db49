"""The Add window: choose the deck and the kind, fill in the fields (checked
by the deck file's rules), add tags, and see each card the note will make,
drawn exactly as study draws it. Ctrl+Enter adds the note and clears the
fields; the deck, the kind, the tags and the source stay for the next one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QScrollArea, QSplitter, QTabBar, QVBoxLayout, QWidget,
)

from ..cards import card_ords, plain_text
from ..collection import Collection
from ..collection.notes import AddedNote, NoteRejected
from ..kinds import Shape, form_values, kind_spec, kind_specs
from ..model import (
    CardId, CardSchedule, CardView, Changes, DeckId, FlashdeskError, Kind, NoteId,
)
from ..review import ReviewSession, local_now
from ..text import card_name, deck_path, isolate, kind_caption, sentence
from .geometry import restore_geometry, save_geometry, window_settings
from .card_views import ChoiceView, KindView, OrderView, TypedView, view_for
from .dialogs.questions import Ask
from .note_form import CLOZE_KEYS, NoteForm, TagEdit
from .prefs import Prefs
from .theme import current_theme
from .widgets import column_scroll, text_label

__all__ = ["AddWindow", "NEW_DECK", "preview_fields", "order_note"]

#: the deck chooser's last item
NEW_DECK = "\x00new"
#: the deck list's last entry, which asks for a new deck's name
NEW_DECK_ITEM = "＋ New deck…"
#: how long typing pauses before the preview and the duplicate check follow (ms)
FOLLOW_MS = 180
#: labels in a card that keep the window's font (as in the reviewer)
_UI_FONT_ROLES = ("hint", "caption", "subheading", "source")


def preview_fields(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    """The fields to preview while the note is being written: required
    fields not filled in yet show as '…' (lists as two of them), so each
    card can be drawn from the first keystroke."""
    shown = dict(values)
    for spec in kind_spec(kind).fields:
        if not spec.required or spec.name in shown:
            continue
        if spec.shape == Shape.LINES:
            shown[spec.name] = ["…", "… …"]
        elif spec.shape == Shape.NUMBER:
            shown[spec.name] = 1
        elif spec.shape == Shape.TEXT and spec.name != kind_spec(kind).cloze_field:
            shown[spec.name] = "…"
    return shown


def order_note(kind: Kind, values: dict[str, Any]) -> str:
    """What the preview says under its tabs about the order of a choice
    card's options or an order card's items: shown as typed, and for a
    choice card, which one the Right option field marks (by its number and
    words, as typed), or that none is chosen yet."""
    if kind == Kind.ORDER:
        return ("The items show in the order you typed them, the right order; studying "
                "shuffles them each time.")
    if kind != Kind.CHOICE:
        return ""
    options = values.get("options") or []
    answer = values.get("answer")
    shown = ("The options show in the order you typed them, numbered as Right option counts "
             "them; studying shuffles them each time.")
    if isinstance(answer, int) and 1 <= answer <= len(options):
        return f"Right option: {answer}, “{options[answer - 1]}”. {shown}"
    return f"Right option: not chosen yet. {shown}"


class CardPreview(QWidget):
    """Each card a note will make, one tab per card, question or answer
    side, drawn by the study screen's own views (``card_views.view_for``)."""

    def __init__(self, col: Collection, prefs: Prefs, parent: QWidget | None = None):
        super().__init__(parent)
        self._col = col
        self._prefs = prefs
        self._cards: list[CardView] = []
        self.view: KindView | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(text_label("Preview", "subheading"))
        top.addStretch(1)
        self.answer_side = QCheckBox("Answer side")
        self.answer_side.setToolTip("Show each card turned over, with its right answer")
        self.answer_side.toggled.connect(lambda _on: self._draw())
        top.addWidget(self.answer_side)
        layout.addLayout(top)
        self.tabs = QTabBar()
        self.tabs.setExpanding(False)
        self.tabs.setAccessibleName("Cards this note makes")
        self.tabs.currentChanged.connect(lambda _i: self._draw())
        layout.addWidget(self.tabs)
        self._message = text_label("", "hint")
        layout.addWidget(self._message)
        #: the order options or items show in, and the right option (``order_note``)
        self.note = text_label("", "hint")
        self.note.setObjectName("previewNote")
        self.note.hide()
        layout.addWidget(self.note)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._surface = QFrame()
        self._surface.setObjectName("cardSurface")
        self._surface_layout = QVBoxLayout(self._surface)
        self._surface_layout.setContentsMargins(24, 18, 24, 22)
        self._surface_layout.setSpacing(12)
        self._caption = text_label("", "caption")
        self._surface_layout.addWidget(self._caption)
        self._slot = QVBoxLayout()
        self._surface_layout.addLayout(self._slot)
        self._source = text_label("", "source")
        self._surface_layout.addWidget(self._source)
        self._surface_layout.addStretch(1)
        host = QWidget()
        host_layout = QVBoxLayout(host)
        host_layout.setContentsMargins(0, 0, 4, 0)
        host_layout.addWidget(self._surface)
        host_layout.addStretch(1)
        self._scroll.setWidget(host)
        # what the learner would click or type in is only a picture here
        self._surface.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self._scroll, 1)

    @property
    def cards(self) -> list[CardView]:
        return list(self._cards)

    def show_cards(self, cards: list[CardView], message: str = "", note: str = "") -> None:
        """Draw ``cards`` (the tab shown stays where it was when it can);
        ``message`` stands in for them, ``note`` goes with them."""
        self._cards = cards
        self.note.setText(note)
        self.note.setVisible(bool(note and cards))
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        for card in cards:
            self.tabs.addTab(card_name(card.kind, card.ord))
        self.tabs.setCurrentIndex(min(max(0, current), len(cards) - 1) if cards else -1)
        self.tabs.blockSignals(False)
        self._message.setText(message)
        self._message.setVisible(bool(message))
        self._draw()

    def _draw(self) -> None:
        if self.view is not None:
            self._slot.removeWidget(self.view)
            self.view.hide()
            self.view.deleteLater()
            self.view = None
        index = self.tabs.currentIndex()
        self._surface.setVisible(0 <= index < len(self._cards))
        if not 0 <= index < len(self._cards):
            return
        card = self._cards[index]
        # a study session of its own for each drawing, unshuffled: options and
        # items show in the order typed, so option 2 is the second one shown
        # (study shuffles them)
        session = ReviewSession(self._col, None, shuffle=False)
        session.show(card)
        view = view_for(session, current_theme().colors, self._col.media_dir,
                        parent=self._surface)
        for widget in (view, *view.findChildren(QWidget)):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        font = self.font()
        font.setPointSize(self._prefs.card_font_pt)
        for widget in (view, *view.findChildren(QWidget)):
            if b"role" not in widget.dynamicPropertyNames() or \
                    widget.property("role") not in _UI_FONT_ROLES:
                widget.setFont(font)
        self._slot.addWidget(view)
        view.show()
        self.view = view
        self._caption.setText(kind_caption(card.kind, card.ord))
        self._source.setText(f"Source: {card.source}" if card.source else "")
        self._source.setVisible(bool(card.source))
        if self.answer_side.isChecked():
            self.turn_over(view)

    @staticmethod
    def turn_over(view: KindView) -> None:
        """Show the answer side as a learner who got it right sees it."""
        if isinstance(view, ChoiceView):
            view.pick(view.right_number)
        elif isinstance(view, TypedView):  # typed as the answer says, key terms and all
            view.editor.setText(plain_text(str(view.card.fields["answer"])).replace("*", ""))
            view.reveal()
        elif isinstance(view, OrderView):
            items = [view.list.takeItem(0) for _ in range(view.list.count())]
            for item in sorted(items, key=lambda i: i.data(Qt.ItemDataRole.UserRole)):
                view.list.addItem(item)
            view.reveal()
        else:
            view.reveal()


class AddWindow(QDialog):
    """Adds notes to the collection, one after another."""

    #: a note was added (AddedNote)
    added = Signal(object)
    #: the window changed the collection otherwise, e.g. made a deck (Changes)
    changed = Signal(object)
    #: the learner asked to take back the note just added
    undo_requested = Signal()

    def __init__(self, col: Collection, prefs: Prefs, parent: QWidget | None = None, *,
                 deck_id: str | None = None, now: Callable[[], datetime] = local_now):
        super().__init__(parent)
        self.setWindowTitle("Add cards – flashdesk")
        self.setMinimumSize(QSize(760, 500))
        self._settings = window_settings(parent)
        restore_geometry(self, self._settings, "add/geometry", QSize(1000, 660))
        self._col = col
        self._now = now
        self._deck: str | None = None
        #: the collection changed while the window was hidden
        self._stale = False
        self.last_added: AddedNote | None = None

        # -- kind and deck -----------------------------------------------------
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of note")
        for spec in kind_specs():
            self.kind.addItem(spec.title, spec.kind.value)
            self.kind.setItemData(self.kind.count() - 1, spec.summary,
                                  Qt.ItemDataRole.ToolTipRole)
        self.deck = QComboBox()
        self.deck.setAccessibleName("Deck")
        self.deck.setMinimumContentsLength(18)
        self.deck.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        top = QHBoxLayout()
        top.setSpacing(8)
        for text, box in (("&Kind", self.kind), ("&Deck", self.deck)):
            label = QLabel(text)
            label.setBuddy(box)
            top.addWidget(label)
            top.addWidget(box, 1)
        self._summary = text_label("", "hint")

        # -- the note ----------------------------------------------------------
        self.form = NoteForm()
        self.form.set_checker(lambda kind, texts: self._col.notes.check(
            kind, form_values(kind, texts), self.tags.tags(), self.source.text().strip())[1])
        self.form.changed.connect(self._follow)
        self.form.cloze_refused.connect(lambda title: self._say(
            f"{CLOZE_KEYS} makes a cloze in a Cloze note; this is a {title} note. Choose the "
            "kind Cloze first."))
        self.duplicate = text_label("", "notice")
        self.duplicate.hide()
        self.tags = TagEdit()
        self.tags.set_known(col.notes.tags())
        self.source = QLineEdit()
        self.source.setPlaceholderText("Where this comes from, e.g. our complaints procedure "
                                       "(optional)")
        self.source.setAccessibleName("Source")
        self.tags.textChanged.connect(self._follow)
        self.source.textChanged.connect(self._follow)
        note = QWidget()
        column = QVBoxLayout(note)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(6)
        column.addWidget(self._summary)
        column.addWidget(self.form)
        column.addWidget(self.duplicate)
        for text, widget in (("&Tags", self.tags), ("S&ource", self.source)):
            label = QLabel(text)
            label.setBuddy(widget)
            column.addWidget(label)
            column.addWidget(widget)
        column.addStretch(1)
        scroll = column_scroll(note)
        self.preview = CardPreview(col, prefs)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(scroll)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([500, 480])
        self.splitter = splitter

        # -- the buttons -------------------------------------------------------
        self.status = text_label("")
        self.status.setAccessibleName("What happened")
        self.undo_button = QPushButton("Undo add")
        self.undo_button.setProperty("flat", True)
        self.undo_button.setToolTip("Take back the note just added")
        self.undo_button.clicked.connect(self._undo)
        self.undo_button.hide()
        self.add_button = QPushButton("Add (Ctrl+Enter)")
        self.add_button.setProperty("primary", "true")
        self.add_button.setToolTip("Add this note and clear the fields for the next one "
                                   "(Ctrl+Enter)")
        self.add_button.clicked.connect(self.add_note)
        close = QPushButton("Close")
        close.setToolTip("Close (Esc)")
        close.clicked.connect(self.reject)
        for button in (self.undo_button, self.add_button, close):
            button.setAutoDefault(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.undo_button)
        bottom.addWidget(close)
        bottom.addWidget(self.add_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self.add_action = QAction("Add the note", self)
        self.add_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.add_action.triggered.connect(self.add_note)
        self.addAction(self.add_action)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FOLLOW_MS)
        self._timer.timeout.connect(self.follow_now)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.deck.activated.connect(self._deck_chosen)
        self.reload_decks(deck_id)
        self._kind_changed()
        self._close_button = close
        self._set_tab_order()
        self.form.focus_first()

    def _set_tab_order(self) -> None:
        """Kind, deck, the fields, tags, source, then the buttons."""
        fields = [self.form.editor(f.name) for f in self.form.spec.fields]
        if self.form.spec.cloze_field is not None:
            at = fields.index(self.form.editor(self.form.spec.cloze_field)) + 1
            fields.insert(at, self.form.cloze_button)
        chain = [self.kind, self.deck, *fields, self.tags, self.source, self.add_button,
                 self._close_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    # -- decks -----------------------------------------------------------------

    @property
    def deck_id(self) -> DeckId | None:
        return DeckId(self._deck) if self._deck else None

    def reload_decks(self, select: str | None = None) -> None:
        """Fill the deck chooser (decks changed), keeping or choosing a deck."""
        keep = select or self._deck
        self.deck.blockSignals(True)
        self.deck.clear()
        summaries = self._col.decks.summaries(self._now())
        for s in summaries:
            self.deck.addItem(deck_path(s.name), s.id)
        # a sign first: typing a deck's first letters never lands on it by chance
        self.deck.addItem(NEW_DECK_ITEM, NEW_DECK)
        ids = [s.id for s in summaries]
        self._deck = keep if keep in ids else (ids[0] if ids else None)
        self.deck.setCurrentIndex(self.deck.findData(self._deck) if self._deck else
                                  self.deck.count() - 1)
        self.deck.blockSignals(False)
        self._update_summary()

    def set_deck(self, deck_id: str) -> None:
        self.reload_decks(deck_id)
        self._follow()

    def _deck_chosen(self, index: int) -> None:
        if self.deck.itemData(index) == NEW_DECK:
            self.new_deck()
        else:
            self._deck = self.deck.itemData(index)
            self._update_summary()
            self._follow()

    def new_deck(self) -> str | None:
        """Ask for a name and make a deck (undoable from the main window)."""
        name = Ask.text(self, "New deck", "Name of the new deck (Parent::Child makes a "
                                          "sub-deck):")
        created = None
        if name:
            try:
                created = self._col.decks.create(name, self._now())
            except FlashdeskError as exc:
                self._say(sentence(str(exc)))
        if created is None:
            self.reload_decks()
            return None
        self.reload_decks(created.deck_id)
        self.changed.emit(created.changes)
        made = deck_path(self._col.decks.name(created.deck_id))
        self._say(f"Made the deck “{isolate(made)}”.")
        self._follow()
        return created.deck_id

    # -- kind ------------------------------------------------------------------

    @property
    def note_kind(self) -> Kind:
        return Kind(self.kind.currentData())

    def set_kind(self, kind: Kind) -> None:
        self.kind.setCurrentIndex(self.kind.findData(Kind(kind).value))

    def _kind_changed(self, *_args) -> None:
        self.form.set_kind(self.note_kind)
        if hasattr(self, "_close_button"):
            self._set_tab_order()
        self._update_summary()
        self.follow_now()

    def _update_summary(self) -> None:
        spec = kind_spec(self.note_kind)
        self._summary.setText(f"{spec.summary}  *\u00a0required")

    # -- following the typing ---------------------------------------------------

    def _follow(self, *_args) -> None:
        self._timer.start()

    def values(self) -> dict[str, Any]:
        """The note's fields as the form holds them."""
        return form_values(self.note_kind, self.form.texts())

    def follow_now(self) -> None:
        """Redraw the preview and look for duplicates (after a pause in typing)."""
        self._timer.stop()
        kind, values = self.note_kind, self.values()
        self._show_duplicates(kind, values)
        if not any(v for k, v in values.items() if k != "reverse"):
            self.preview.show_cards([], "Each card this note makes will show here as you "
                                        "type, as you will study it.")
            return
        note, problems = self._col.notes.check(kind, preview_fields(kind, values),
                                               self.tags.tags(), self.source.text().strip())
        if note is None:
            problem = problems[0].split(": ", 1)[-1] if problems else ""
            if kind_spec(kind).cloze_field and "cloze note needs at least one" in problem:
                message = (f"Select the words to hide and press {CLOZE_KEYS} (or the Cloze "
                           "button): each cloze number makes a card.")
            else:
                message = f"No preview yet: {problem}."
            self.preview.show_cards([], message)
            return
        deck_id = DeckId(self._deck or "")
        deck_name = self._col.decks.name(deck_id) if self._deck else ""
        cards = [CardView(
            id=CardId(f"preview#{o}"), note_id=NoteId("preview"), deck_id=deck_id,
            deck_name=deck_name, kind=kind, ord=o, fields=note.fields, tags=note.tags,
            source=note.source, schedule=CardSchedule()) for o in card_ords(kind, note.fields)]
        self.preview.show_cards(cards, note=order_note(kind, values))

    def _show_duplicates(self, kind: Kind, values: dict[str, Any]) -> None:
        found = self._col.notes.duplicates(DeckId(self._deck), kind, values) \
            if self._deck else []
        if found:
            deck = isolate(deck_path(self._col.decks.name(DeckId(self._deck or ""))))
            self.duplicate.setText(f"⚠ {deck} already has a note that starts like this: "
                                   f"“{found[0][1][:80]}”. You can still add it.")
        self.duplicate.setVisible(bool(found))

    # -- adding ----------------------------------------------------------------

    def add_note(self) -> AddedNote | None:
        """Add the note (Ctrl+Enter) and clear the fields for the next one;
        on a problem, say it under its field and add nothing."""
        if self._deck is None:
            self._say(f"Choose a deck first, or make one with “{NEW_DECK_ITEM}”.")
            self.deck.setFocus()
            return None
        kind = self.note_kind
        try:
            added = self._col.notes.add(DeckId(self._deck), kind, self.values(), self._now(),
                                        tags=self.tags.tags(), source=self.source.text().strip())
        except NoteRejected as exc:
            other = self.form.show_problems(exc.problems)
            self._say("Not added: " + ("; ".join(other) if other else "see the fields marked."))
            focus = self.form.first_problem_field()
            if focus is not None:
                focus.setFocus(Qt.FocusReason.OtherFocusReason)
            elif other and any("tags" in p for p in other):
                self.tags.setFocus()
            return None
        except FlashdeskError as exc:
            self._say(f"Not added: {exc}")
            return None
        self.last_added = added
        front = added.first_field  # as typed: '<50>' stays, it is no tag
        cards = len(added.card_ids)
        self.form.clear()
        self.tags.set_known(self._col.notes.tags())
        self._say(f"Added “{front[:60]}{'…' if len(front) > 60 else ''}” to "
                  f"{isolate(deck_path(self._col.decks.name(DeckId(self._deck))))}: "
                  f"{cards} card{'s' if cards != 1 else ''}.")
        self.undo_button.show()
        self.follow_now()
        self.form.focus_first()
        self.added.emit(added)
        return added

    def _undo(self) -> None:
        self.undo_button.hide()
        self.undo_requested.emit()

    def note_undone(self, text: str) -> None:
        """The main window took something back (tell the learner here too)."""
        self._say(text)
        self.undo_button.hide()

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt override)
        save_geometry(self, self._settings, "add/geometry")
        super().hideEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._stale:
            self._catch_up()
        self.follow_now()

    def apply_changes(self, changes: Changes) -> None:
        """The collection changed elsewhere: decks and tags may be new (read
        again now if the window shows, else when it opens again)."""
        self._stale = self._stale or bool(changes.decks or changes.tags or changes.notes)
        if self.isVisible() and self._stale:
            self._catch_up()

    def _catch_up(self) -> None:
        self._stale = False
        self.reload_decks()
        self.tags.set_known(self._col.notes.tags())
        self._follow()
