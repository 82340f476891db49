"""The read-only side of ``col.notes``: finding cards (the browser's query
and rows, ``CardIdList``), a note's fields and cards, tags in use, a card's
history and information, the deck file's check of a note, and possible
duplicates. ``NoteManager`` forwards its reading methods here; each
function takes the collection it reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, overload

from ..model import (
    BrowseQuery, BrowseRow, CardFilter, CardId, CardInfo, CardSchedule, DeckId, FlashdeskError,
    Kind, LogKind, LogRecord, NoteData, NoteId, Queue, SortKey, note_texts,
)
from ..store import queries as q
from ..text import close_matches, deck_path, did_you_mean
from .marks import BUNDLED, EDITED, Marks

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["CardIdList", "get", "browse", "rows", "tags", "find_tag", "history", "check", "duplicates",
           "card_info", "edited_bundled", "card_ids"]


class CardIdList(Sequence[CardId]):
    """The cards a browse found, in order. It holds their row ids and reads
    their text ids in blocks as they are asked for: a query over 100,000
    cards hands back numbers only, and a window reads the ids of what it
    shows. A card's row id always names the same card (``card_ids`` is never
    pruned), so the list can be read at any time."""

    #: text ids read at a time
    BLOCK = 500

    def __init__(self, rowids: list[int], texts: Callable[[Sequence[int]], list[str]],
                 rowids_of: Callable[[Sequence[str]], dict[str, int]]):
        self._rowids = rowids
        self._texts = texts
        self._rowids_of = rowids_of
        self._blocks: dict[int, list[str]] = {}
        self._at: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self._rowids)

    def _read(self, first: int, last: int) -> None:
        """Read blocks ``first``..``last`` (inclusive) not read yet, in one go."""
        missing = [b for b in range(first, last + 1) if b not in self._blocks]
        if not missing:
            return
        size = self.BLOCK
        wanted = [r for b in missing for r in self._rowids[b * size:(b + 1) * size]]
        texts = self._texts(wanted)
        at = 0
        for b in missing:
            count = len(self._rowids[b * size:(b + 1) * size])
            self._blocks[b] = texts[at:at + count]
            at += count

    @overload
    def __getitem__(self, index: int) -> CardId: ...

    @overload
    def __getitem__(self, index: slice) -> list[CardId]: ...

    def __getitem__(self, index: int | slice) -> CardId | list[CardId]:
        if isinstance(index, slice):
            wanted = range(*index.indices(len(self)))
            if not wanted:
                return []
            self._read(min(wanted) // self.BLOCK, max(wanted) // self.BLOCK)
            return [self[i] for i in wanted]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("card list index out of range")
        block = index // self.BLOCK
        if block not in self._blocks:
            self._read(block, block)
        return CardId(self._blocks[block][index % self.BLOCK])

    def __iter__(self) -> Iterator[CardId]:
        return iter(self[:])

    def positions(self, card_ids: Iterable[str]) -> dict[CardId, int]:
        """Where these cards are in the list (those that are in it)."""
        if self._at is None:
            self._at = {rowid: i for i, rowid in enumerate(self._rowids)}
        at = self._at
        return {CardId(c): at[r] for c, r in self._rowids_of(list(card_ids)).items() if r in at}

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        found = self.positions([value]).get(value)
        if found is None or found < start or (stop is not None and found >= stop):
            raise ValueError(f"{value!r} is not in the list")
        return found

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and value in self.positions([value])

    @property
    def rowids(self) -> list[int]:
        """The cards' row ids, in order."""
        return self._rowids

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CardIdList):
            return self._rowids == other._rowids
        if isinstance(other, (list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CardIdList({list(self[:20])!r}{', …' if len(self) > 20 else ''})"


def get(col: "Collection", note_id: NoteId) -> tuple[Kind, dict]:
    """A note's kind and fields; raises ``FlashdeskError`` if there is none."""
    with col._lock:
        row = q.get_note(col.db, note_id)
    if row is None:
        raise FlashdeskError(f"no note with id '{note_id}'")
    return Kind(row["kind"]), json.loads(row["fields"])


def browse(col: "Collection", query: BrowseQuery, now: "datetime") -> CardIdList:
    """The ids of the cards matching ``query``, in its order (a sequence
    that reads the ids as they are asked for)."""
    with col._lock:
        deck_ids = None if query.deck_id is None else col.decks.subtree(query.deck_id)
        rowids = q.browse_ids(
            col.db, text=query.text, deck_ids=deck_ids, tag=query.tag,
            state=CardFilter(query.state).value, today=col.today(now),
            sort=SortKey(query.sort).value, descending=query.descending)
    return CardIdList(rowids, lambda ids: _card_texts(col, ids),
                      lambda ids: _card_rowids(col, ids))


def _card_texts(col: "Collection", rowids: Sequence[int]) -> list[str]:
    with col._lock:
        return q.card_texts(col.db, rowids)


def _card_rowids(col: "Collection", card_ids: Sequence[str]) -> dict[str, int]:
    with col._lock:
        return q.card_rowids(col.db, card_ids)


def rows(col: "Collection", card_ids: Sequence[CardId]) -> list[BrowseRow]:
    """Display rows for ``card_ids`` (a visible page), in the same order."""
    rows: dict[str, dict] = {}
    with col._lock:
        for start in range(0, len(card_ids), 500):
            for r in q.browse_rows(col.db, card_ids[start:start + 500]):
                rows[r["id"]] = r
    return [BrowseRow(
        id=CardId(r["id"]), note_id=NoteId(r["note_id"]), deck_name=r["deck_name"],
        front=r["sort_text"], kind=Kind(r["kind"]), ord=r["ord"], queue=Queue(r["queue"]),
        due_day=r["due"], interval=r["interval"], ease=r["ease"] / 100,
        answers=r["answers"], lapses=r["lapses"], tags=tuple(r["tags"].split()))
        for r in (rows.get(c) for c in card_ids) if r is not None]


def tags(col: "Collection", deck_id: DeckId | None = None) -> list[str]:
    """Every tag in use (with ``deck_id``: on notes with a card in that
    deck or its sub-decks), sorted without regard to case."""
    with col._lock:
        if deck_id is None:
            return q.all_tags(col.db)
        return q.deck_tags(col.db, col.decks.subtree(deck_id))


def find_tag(col: "Collection", text: str, deck_id: DeckId | None = None) -> str:
    """The tag ``text`` names, as the notes spell it (tags differing only in
    case are one tag), among the tags of the notes of ``deck_id`` and its
    sub-decks (None: of every deck). A tag that no note there carries is
    almost always a typo: raises ``FlashdeskError`` saying so, with the
    tags close to ``text``, or that only other decks' notes carry it. A tag
    whose cards are all suspended or not due is found: that is no error."""
    wanted = text.strip()
    here = tags(col, deck_id)
    folded = wanted.casefold()
    found = next((t for t in here if t == wanted), None) or next(
        (t for t in here if t.casefold() == folded), None)
    if found is not None:
        return found
    where = "" if deck_id is None else f" in {deck_path(col.decks.name(deck_id))}"
    if deck_id is not None and any(t.casefold() == folded for t in tags(col)):
        raise FlashdeskError(f"no note{where} is tagged '{wanted}': only notes of other decks "
                             "are (leave out the deck to use them all)")
    raise FlashdeskError(f"no note{where} is tagged '{wanted}'"
                         + did_you_mean(close_matches(wanted, here)))


def history(col: "Collection", card_id: CardId) -> list[dict]:
    """The card's review-log entries, oldest first."""
    with col._lock:
        return q.card_log(col.db, card_id)


def check(kind: Kind, fields: dict, tags: Sequence[str] = (),
          source: str = "") -> tuple[NoteData | None, list[str]]:
    """A note of ``kind`` checked by the deck file's rules (the one
    validator, ``formats.deckfile.check_note``): the note, cleaned, and
    the problems found, one per field ("field 'back': …")."""
    from ..formats.deckfile import check_note

    table: dict[str, Any] = {**fields, "id": "note", "kind": Kind(kind).value,
                             "tags": list(tags)}
    if source:
        table["source"] = source
    return check_note(table)


def _as_stored(value: Any) -> Any:
    """A field's value as adding the note stores it (``formats.sanitize.clean_field``)."""
    from ..formats.sanitize import clean_field

    if isinstance(value, str):
        return clean_field(value)
    if isinstance(value, list):
        return [clean_field(v) if isinstance(v, str) else v for v in value]
    return value


def duplicates(col: "Collection", deck_id: DeckId, kind: Kind,
               fields: dict) -> list[tuple[NoteId, str]]:
    """Notes of ``deck_id`` whose first field reads as this note's does
    (ignoring case and formatting): (note id, first field), oldest first.
    ``fields`` are as typed (``Hello <customer>`` is text, as adding keeps
    it) or as stored."""
    first = note_texts(Kind(kind), {name: _as_stored(value) for name, value in fields.items()})[0]
    if not first:
        return []
    with col._lock:
        return [(NoteId(r["id"]), r["sort_text"])
                for r in q.same_first_field(col.db, deck_id, first)]


def card_info(col: "Collection", card_id: CardId, now: "datetime") -> CardInfo:
    """One card's history and where it stands: when its note was added,
    every answer (with the interval and E-Factor before and after it) and
    every reset, in order, leaving out undone entries. Raises
    ``FlashdeskError`` for an unknown card."""
    with col._lock:
        row = q.get_card(col.db, card_id)
        if row is None:
            raise FlashdeskError(f"no card with id '{card_id}'")
        note = q.get_note(col.db, row["note_id"]) or {}
        log = q.card_log(col.db, card_id)
        today = col.today(now)
    undone = {e["undoes"] for e in log if e["kind"] == LogKind.UNDO}
    history = []
    for e in log:
        if e["kind"] == LogKind.UNDO or e["id"] in undone:
            continue
        before = CardSchedule.from_dict(json.loads(e["before"]) if e["before"] else {})
        after = CardSchedule.from_dict(json.loads(e["after"]) if e["after"] else {})
        history.append(LogRecord(
            ts_ms=e["ts"], day=e["day"], kind=LogKind(e["kind"]), quality=e["quality"],
            interval_before=before.interval, interval_after=after.interval,
            ease_before=before.ease, ease_after=after.ease, time_ms=e["time_ms"] or 0))
    return CardInfo(
        card_id=CardId(row["id"]), note_id=NoteId(row["note_id"]), kind=Kind(row["kind"]),
        ord=row["ord"], deck_name=row["deck_name"], added_ms=note.get("created") or 0,
        schedule=CardSchedule.from_dict(row), history=tuple(history), source=row["source"],
        today=today)


def edited_bundled(col: "Collection", note_id: NoteId) -> bool:
    """Whether ``note_id`` is a note of a bundled deck whose text the
    learner edited (its bundled version can be taken back)."""
    with col._lock:
        marks = Marks(col.db)
        row = q.get_note(col.db, note_id)
        return row is not None and row["deck_id"] in marks.get(BUNDLED) \
            and note_id in marks.get(EDITED)


def card_ids(col: "Collection", note_id: NoteId) -> list[CardId]:
    """The cards of a note, in card order."""
    with col._lock:
        rows = q.cards_of_notes(col.db, [note_id])
    return [CardId(r["id"]) for r in sorted(rows, key=lambda r: r["ord"])]
