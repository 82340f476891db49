"""A table model over card ids: the ids of every matching card are held (the
query sorts them in SQLite), and display rows are fetched in blocks as the
view asks for them, so 100,000 cards open and scroll without delay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ...collection import CardIdList, Collection
from ...model import BrowseRow, CardId, Kind, Queue, SortKey
from ...text import deck_path
from ..theme import current_theme
from ..widgets import plain_tip

__all__ = ["Column", "COLUMNS", "CardTableModel", "BLOCK"]

BLOCK = 200
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Column:
    title: str
    sort: SortKey
    tip: str


COLUMNS = (
    Column("Deck", SortKey.DECK, "The deck the card is in"),
    Column("Front", SortKey.FRONT, "The note's first field"),
    Column("Kind", SortKey.KIND, "basic (or its reverse card), cloze with its gap number, "
                                 "choice, order, typed or scenario"),
    Column("State", SortKey.STATE, "new, learning, review, suspended or buried"),
    Column("Due", SortKey.DUE, "The study day the card is next due"),
    Column("Interval", SortKey.INTERVAL, "Days between the last two reviews"),
    Column("Ease", SortKey.EASE, "SM-2 E-Factor"),
    Column("Reviews", SortKey.ANSWERS, "Answers given"),
    Column("Lapses", SortKey.LAPSES, "Times forgotten after being learned"),
    Column("Tags", SortKey.ADDED, "Tags of the note (sorts by when added)"),
)
_NUMERIC = {4, 5, 6, 7, 8}


def kind_label(kind: Kind, ord_: int) -> str:
    """The Kind column: the note's kind and, where a note has several cards,
    which one: ``basic``, ``basic · reverse``, ``cloze 2``."""
    if kind == Kind.BASIC and ord_ == 1:
        return "basic · reverse"
    if kind == Kind.CLOZE:
        return f"cloze {ord_}"
    return kind.value


def due_text(row: BrowseRow) -> str:
    if row.due_day is None or row.queue < 0 and row.due_day is None:
        return ""
    return (_EPOCH + timedelta(days=row.due_day)).strftime("%d %b %Y")


class CardTableModel(QAbstractTableModel):
    """Rows are card ids; ``set_ids`` replaces them after a query."""

    def __init__(self, col: Collection, parent=None):
        super().__init__(parent)
        self._col = col
        self._ids: Sequence[CardId] = []
        self._rows: dict[CardId, BrowseRow] = {}

    # -- content ------------------------------------------------------------------

    def set_ids(self, ids: Sequence[CardId]) -> None:
        """Show these cards (a browse result is kept as it is: its ids are
        read as rows are shown)."""
        self.beginResetModel()
        self._ids = ids if isinstance(ids, CardIdList) else list(ids)
        self._rows.clear()
        self.endResetModel()

    def card_id(self, row: int) -> CardId:
        return self._ids[row]

    def card_ids(self, rows: Sequence[int]) -> list[CardId]:
        """The ids of these rows (sorted row numbers), read in blocks."""
        if not rows:
            return []
        ids = self._ids[rows[0]:rows[-1] + 1]
        return [ids[r - rows[0]] for r in rows]

    def rows_of(self, card_ids: Iterable[CardId]) -> dict[CardId, int]:
        """Where these cards are shown (those that are)."""
        if isinstance(self._ids, CardIdList):
            return self._ids.positions(card_ids)
        wanted = set(card_ids)
        return {c: i for i, c in enumerate(self._ids) if c in wanted}

    def row_of(self, card_id: CardId) -> int:
        return self.rows_of([card_id]).get(card_id, -1)

    def browse_row(self, row: int) -> BrowseRow | None:
        cid = self._ids[row]
        if cid not in self._rows:
            start = row - row % BLOCK
            block = self._ids[start:start + BLOCK]
            for r in self._col.notes.rows(block):
                self._rows[r.id] = r
        return self._rows.get(cid)

    def reload_rows(self) -> None:
        """Forget every cached row: they are read again as they are shown."""
        self.refresh_cards(list(self._rows))

    def refresh_cards(self, card_ids: list[CardId]) -> None:
        """Forget cached rows after an edit so they are read again."""
        for cid in card_ids:
            self._rows.pop(cid, None)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    # -- Qt -------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tip
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if index.column() in _NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(index)
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole):
            row = self.browse_row(index.row())
            if row is None or row.queue >= 0:
                return None
            # suspended and buried cards stand out: muted, suspended ones in italics
            if role == Qt.ItemDataRole.ForegroundRole:
                return current_theme().color("muted")
            font = QFont()
            font.setItalic(row.queue == Queue.SUSPENDED)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:  # text from files: never taken as markup
            row = self.browse_row(index.row())
            if row is not None and index.column() == 0:
                return plain_tip(deck_path(row.deck_name))
            return plain_tip(row.front if row is not None and index.column() == 1
                             else self._text(index))
        return None

    def _text(self, index: QModelIndex | QPersistentModelIndex) -> str:
        row = self.browse_row(index.row())
        if row is None:
            return "(deleted)" if index.column() == 1 else ""
        col = index.column()
        if col == 0:  # the deck's own name; its place in the tree is in the tooltip
            return row.deck_name.rsplit("::", 1)[-1]
        if col == 1:
            return row.front
        if col == 2:  # which card of its note, beside the kind: a long front hides no suffix
            return kind_label(row.kind, row.ord)
        if col == 3:
            return row.state + (" · leech" if row.leech else "")
        if col == 4:
            return due_text(row)
        if col == 5:
            return f"{row.interval} d" if row.interval else ""
        if col == 6:
            return f"{row.ease:.2f}" if row.answers else ""
        if col == 7:
            return str(row.answers)
        if col == 8:
            return str(row.lapses)
        return " ".join(row.tags)
