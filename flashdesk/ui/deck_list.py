"""The deck tree: an item model over ``DeckSummary`` rows (sub-decks from
``::`` names) and the screen that shows it with the selected deck's details.
A deck dragged onto another becomes its sub-deck; dropped between the top
decks, it becomes a top deck."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel, QMimeData, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal,
)
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QPushButton, QSplitter,
    QStackedWidget, QTreeView, QVBoxLayout, QWidget,
)

from ..text import deck_path, plural
from ..model import DeckId, DeckSummary
from .theme import current_theme
from .widgets import column_scroll, plain_tip, text_label

__all__ = ["DeckTreeModel", "DeckListScreen", "DECK_ID_ROLE", "Column", "DECK_MIME"]

DECK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: what a dragged deck carries: its id
DECK_MIME = "application/x-flashdesk-deck"
_Index = QModelIndex | QPersistentModelIndex


def exam_text(s: DeckSummary) -> str:
    """'12 days to your exam (Mon 21 Dec)' for a deck revising for one."""
    if s.exam is None or s.exam_days_left is None or s.exam_days_left < 0:
        return ""
    when = s.exam.strftime("%a %d %b")
    if s.exam_days_left == 0:
        return f"Your exam is today ({when})"
    days = s.exam_days_left
    return f"{days} day{'s' if days != 1 else ''} to your exam ({when})"


class Column:
    NAME, NEW, LEARNING, DUE = range(4)
    TITLES = ("Deck", "New", "Learning", "Due")
    COUNTS = ("new", "learning", "due")


@dataclass(eq=False)
class _Node:
    summary: DeckSummary | None
    parent: "_Node | None" = None
    children: list["_Node"] = field(default_factory=list)
    row: int = 0


class DeckTreeModel(QAbstractItemModel):
    """Decks as a tree with today's New, Learning and Due counts."""

    #: a deck was dropped: (its id, the id of its new parent, '' for the top)
    deck_dropped = Signal(str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._root = _Node(None)
        self._by_id: dict[str, _Node] = {}

    # -- filling ---------------------------------------------------------------

    def set_summaries(self, summaries: list[DeckSummary]) -> None:
        self.beginResetModel()
        self._root = _Node(None)
        self._by_id = {}
        by_name: dict[str, _Node] = {}
        for s in summaries:  # tree order: a parent comes before its children
            parent = by_name.get(s.parent_name or "", self._root) if s.parent_name else self._root
            node = _Node(s, parent, row=len(parent.children))
            parent.children.append(node)
            by_name[s.name] = node
            self._by_id[s.id] = node
        self.endResetModel()

    def summaries(self) -> list[DeckSummary]:
        return [n.summary for n in self._by_id.values()]

    def summary(self, index: _Index) -> DeckSummary | None:
        node = self._node(index)
        return node.summary if node is not self._root else None

    def index_of(self, deck_id: str, column: int = 0) -> QModelIndex:
        node = self._by_id.get(deck_id)
        if node is None:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    def top_level_totals(self) -> tuple[int, int, int]:
        """New, learning and due summed over the top-level decks."""
        tops = [n.summary for n in self._root.children]
        return (sum(s.new for s in tops), sum(s.learning for s in tops),
                sum(s.due for s in tops))

    # -- QAbstractItemModel ----------------------------------------------------

    def _node(self, index: _Index) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._node(parent).children[row])

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        parent = index.internalPointer().parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 (Qt override)
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return len(Column.TITLES)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt override)
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column.TITLES):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return Column.TITLES[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignLeft if section == Column.NAME else Qt.AlignmentFlag.AlignRight
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return ("The deck (sub-decks open with the arrow or Right)",
                    "New cards you can learn today",
                    "Cards answered below Good that come back today",
                    "Reviews due today")[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled  # dropped on no deck: a top deck
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled)

    # -- dragging decks --------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802 (Qt override)
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 (Qt override)
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt override)
        return [DECK_MIME]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802 (Qt override)
        data = QMimeData()
        summary = self.summary(indexes[0]) if indexes else None
        if summary is not None:
            data.setData(DECK_MIME, summary.id.encode("utf-8"))
        return data

    def drop_target(self, data: QMimeData, row: int, parent: _Index) -> tuple[str, str] | None:
        """(deck id, new parent id or '') of a drop, or None when it cannot
        go there: onto itself or its own sub-deck, or where it already is."""
        if not data.hasFormat(DECK_MIME):
            return None
        deck_id = bytes(data.data(DECK_MIME).data()).decode("utf-8")
        node = self._by_id.get(deck_id)
        if node is None or node.summary is None:
            return None
        target = self.summary(parent) if parent.isValid() else None
        if target is not None and (target.name == node.summary.name
                                   or target.name.startswith(node.summary.name + "::")):
            return None
        target_id = target.id if target is not None else ""
        current = node.parent.summary.id if node.parent is not None and \
            node.parent.summary is not None else ""
        return None if target_id == current else (deck_id, target_id)

    def canDropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802
        return self.drop_target(data, row, parent) is not None

    def dropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802
        """Say where the deck goes (the window moves it); nothing moves here."""
        found = self.drop_target(data, row, parent)
        if found is not None:
            self.deck_dropped.emit(*found)
        return False

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        s: DeckSummary = index.internalPointer().summary
        column = index.column()
        count = None if column == Column.NAME else getattr(s, Column.COUNTS[column - 1])
        if role == Qt.ItemDataRole.DisplayRole:
            return s.short_name if count is None else str(count)
        if role == DECK_ID_ROLE:
            return s.id
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = deck_path(s.name) + (f"\n{s.description}" if s.description else "")
            return plain_tip(tip + f"\n{plural(s.total, 'card')} in all · today: {s.new} new, "
                             f"{s.learning} learning, {s.due} due\nEnter or double-click: study")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if count is None:
                return (f"{s.short_name}: {s.new} new, {s.learning} learning, {s.due} due")
            return f"{count} {Column.TITLES[column].lower()}"
        if role == Qt.ItemDataRole.TextAlignmentRole and count is not None:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and count is not None:
            colors = current_theme().colors
            return QColor(colors["zero"] if count == 0 else colors[Column.COUNTS[column - 1]])
        if role == Qt.ItemDataRole.FontRole and (count is not None or s.depth == 0):
            font = QFont()
            font.setBold(count is not None and count > 0 or s.depth == 0 and count is None)
            return font
        return None


class DeckListScreen(QWidget):
    """The deck tree, and beside it the selected deck with a Study button."""

    #: study this deck (Enter, double-click or the button)
    study_requested = Signal(str)
    #: custom study asked for the deck (its id)
    custom_requested = Signal(str)
    #: the selected deck changed
    current_changed = Signal(str)
    #: add cards (``a`` on the tree, or the panel's button)
    add_requested = Signal()
    #: make a new deck (the button shown when there is none)
    new_deck_requested = Signal()
    #: the deck's options (the panel's button)
    options_requested = Signal()
    #: a deck was dragged under another: (deck id, parent id or '' for the top)
    move_requested = Signal(str, str)
    #: the tree's context menu, at this global position
    menu_requested = Signal(QPoint)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = DeckTreeModel(self)
        self._collapsed: set[str] = set()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.setSpacing(10)

        self._stack = QStackedWidget()
        outer.addWidget(self._stack, 1)

        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        self._splitter.setChildrenCollapsible(False)
        self._stack.addWidget(self._splitter)

        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setAccessibleName("Decks")
        self.tree.setToolTip("Your decks. Enter or double-click studies the selected deck; "
                             "Left and Right fold sub-decks; A adds cards; drag a deck onto "
                             "another to make it a sub-deck; right-click for more.")
        self.tree.setAlternatingRowColors(False)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setDragEnabled(True)
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_menu)
        self.model.deck_dropped.connect(self.move_requested)
        add = QShortcut(QKeySequence("A"), self.tree)
        add.setContext(Qt.ShortcutContext.WidgetShortcut)
        add.activated.connect(self.add_requested)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        for column in (Column.NEW, Column.LEARNING, Column.DUE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(64)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tree.activated.connect(self._on_activated)
        self.tree.collapsed.connect(lambda i: self._collapsed.add(self.model.summary(i).id))
        self.tree.expanded.connect(lambda i: self._collapsed.discard(self.model.summary(i).id))
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)
        self._splitter.addWidget(self.tree)

        self._details = QFrame()
        self._details.setObjectName("panel")
        self._details.setMinimumWidth(280)
        outer = QVBoxLayout(self._details)
        outer.setContentsMargins(24, 22, 24, 22)
        outer.setSpacing(12)
        # what the deck is scrolls (a long description on a small screen); the
        # buttons stay below it
        info = QWidget()
        details = QVBoxLayout(info)
        details.setContentsMargins(0, 0, 0, 0)
        details.setSpacing(12)
        self._info_scroll = column_scroll(info)
        outer.addWidget(self._info_scroll, 1)
        self._title = text_label("", "heading")
        self._path = text_label("", "muted")
        self._description = text_label("")
        details.addWidget(self._title)
        details.addWidget(self._path)
        details.addWidget(self._description)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        self._numbers = {}
        for col, (key, caption) in enumerate([("new", "new"), ("learning", "learning"),
                                              ("due", "due")]):
            number = text_label("0", "bignumber")
            number.setProperty("count", key)
            grid.addWidget(number, 0, col)
            grid.addWidget(text_label(caption, "muted"), 1, col)
            self._numbers[key] = number
        grid.setColumnStretch(3, 1)
        details.addLayout(grid)
        self._total = text_label("", "muted")
        details.addWidget(self._total)
        self._exam = text_label("", "subheading")
        self._exam.setAccessibleName("Exam")
        self._exam.hide()
        details.addWidget(self._exam)
        self._message = text_label("", "notice")
        self._message.hide()
        details.addWidget(self._message)
        details.addStretch(1)
        details = outer
        actions = QHBoxLayout()
        actions.setSpacing(8)
        self.add_button = QPushButton("Add cards…")
        self.add_button.setToolTip("Add cards to this deck (A, or Ctrl+N)")
        self.add_button.clicked.connect(self.add_requested)
        self.options_button = QPushButton("Options…")
        self.options_button.setToolTip("Daily limits, related cards, exam date and description "
                                       "of this deck")
        self.options_button.clicked.connect(self.options_requested)
        for button in (self.add_button, self.options_button):
            button.setAutoDefault(False)
            actions.addWidget(button)
        actions.addStretch(1)
        details.addLayout(actions)
        self.study_button = QPushButton("Study now")
        self.study_button.setProperty("primary", "true")
        self.study_button.setAutoDefault(True)
        self.study_button.setMinimumHeight(40)
        self.study_button.setToolTip("Study the selected deck (Enter on the deck, or Ctrl+Return)")
        self.study_button.setAccessibleName("Study the selected deck")
        self.study_button.clicked.connect(self._on_study_clicked)
        details.addWidget(self.study_button)
        self.custom_button = QPushButton("Custom study…")
        self.custom_button.setToolTip("Review ahead, drill what you forgot, a tag or the "
                                      "leeches, cram, or take extra new cards today (C)")
        self.custom_button.setAccessibleName("Custom study")
        self.custom_button.clicked.connect(self._on_custom_clicked)
        details.addWidget(self.custom_button)
        self._splitter.addWidget(self._details)
        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 2)
        self._splitter.setSizes([600, 380])

        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        heading = text_label("No decks yet", "heading")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty_layout.addWidget(heading)
        hint = text_label("Make a deck and add your own cards to it, or import a deck file "
                          "with Import… (Ctrl+I), or drop .toml files onto this window.", "muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty_layout.addWidget(hint)
        self.new_deck_button = QPushButton("New deck… (Ctrl+Shift+N)")
        self.new_deck_button.setProperty("primary", "true")
        self.new_deck_button.clicked.connect(self.new_deck_requested)
        empty_layout.addWidget(self.new_deck_button, 0, Qt.AlignmentFlag.AlignCenter)
        empty_layout.addStretch(2)
        self._stack.addWidget(empty)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        # row heights measured before the style sheet reached the tree are too small
        self.tree.doItemsLayout()

    # -- state -----------------------------------------------------------------

    @property
    def splitter(self) -> QSplitter:
        return self._splitter

    def refresh(self, summaries: list[DeckSummary], select: str | None = None) -> None:
        """Show ``summaries``, keeping the selection (or selecting ``select``)."""
        keep = select or self.current_deck_id()
        self.model.set_summaries(summaries)
        self._stack.setCurrentIndex(0 if summaries else 1)
        for s in summaries:
            index = self.model.index_of(s.id)
            if self.model.rowCount(index):
                self.tree.setExpanded(index, s.id not in self._collapsed)
        self.select_deck(keep if keep in {s.id for s in summaries} else
                         (summaries[0].id if summaries else None))

    def select_deck(self, deck_id: str | None) -> None:
        if deck_id is None:
            self._show_details(None)
            return
        index = self.model.index_of(deck_id)
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        self._show_details(self.model.summary(index))

    def current_deck_id(self) -> DeckId | None:
        summary = self.current_summary()
        return summary.id if summary is not None else None

    def current_summary(self) -> DeckSummary | None:
        index = self.tree.currentIndex()
        return self.model.summary(index) if index.isValid() else None

    def show_message(self, text: str) -> None:
        self._message.setText(text)
        self._message.setVisible(bool(text))

    def focus_tree(self) -> None:
        """Give the keyboard to the deck list (with no deck yet, to the button
        that makes one)."""
        if self._stack.currentIndex() == 1:
            self.new_deck_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- slots -----------------------------------------------------------------

    def _show_details(self, s: DeckSummary | None) -> None:
        self._details.setVisible(s is not None)
        self.study_button.setEnabled(s is not None)
        if s is None:
            return
        self._title.setText(s.short_name)
        self._path.setText(deck_path(s.parent_name, isolated=True) if s.parent_name else "")
        self._path.setVisible(bool(s.parent_name))
        self._description.setText(s.description)
        self._description.setVisible(bool(s.description))
        for key in ("new", "learning", "due"):
            self._numbers[key].setText(str(getattr(s, key)))
        self._total.setText(f"{plural(s.total, 'card')} in all · up to "
                            f"{s.new_limit} new and {plural(s.review_limit, 'review')} a day"
                            if s.total else "No cards yet: write some with Add cards… "
                            "(A or Ctrl+N).")
        self._exam.setText(exam_text(s))
        self._exam.setVisible(bool(exam_text(s)))
        self._details.setAccessibleName(f"{deck_path(s.name)}: {s.new} new, {s.learning} learning, "
                                        f"{s.due} due")

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        s = self.model.summary(current) if current.isValid() else None
        self.show_message("")
        self._show_details(s)
        if s is not None:
            self.current_changed.emit(s.id)

    @property
    def empty(self) -> bool:
        """No deck at all (the screen offers to make one)."""
        return self._stack.currentIndex() == 1

    def _on_menu(self, point: QPoint) -> None:
        index = self.tree.indexAt(point)
        if index.isValid():
            self.tree.setCurrentIndex(index)
        self.menu_requested.emit(self.tree.viewport().mapToGlobal(point))

    def _on_activated(self, index: QModelIndex) -> None:
        summary = self.model.summary(index) if index.isValid() else None
        if summary is not None:
            self.study_requested.emit(summary.id)

    def _on_custom_clicked(self) -> None:
        deck_id = self.current_deck_id()
        if deck_id:
            self.custom_requested.emit(deck_id)

    def _on_study_clicked(self) -> None:
        deck_id = self.current_deck_id()
        if deck_id:
            self.study_requested.emit(deck_id)
