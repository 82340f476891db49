"""Reading SQLite files that are not ours: the collection inside an Anki
package. Nothing in such a file is trusted.

``open_foreign`` is the one way in. It reads from an in-memory copy (the file
on disk is never opened by SQLite), with the schema untrusted
(``trusted_schema`` off, defensive mode where this Python offers it, no
ATTACH), and it refuses the file before reading a row when:

- it holds any view or trigger (Anki collections have none, and a view named
  ``notes`` can be an endless or enormous query),
- a table it must read is missing, is virtual, lacks a column, or has
  computed (generated) columns.

Every statement then runs under one ``ReadBudget`` scaled to the database's
size: a progress handler stops a statement after a number of SQLite steps or
seconds, and the rows and bytes returned are counted, so a damaged file whose
tables loop back on themselves cannot yield more than its size allows.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

__all__ = ["open_foreign", "ForeignDatabase", "ForeignDatabaseError", "ReadBudget",
           "StatementGuard",
           "ANKI_LEGACY_TABLES", "ANKI_MODERN_TABLES", "anki_models_json", "anki_decks_json",
           "anki_notetypes", "anki_fields", "anki_templates", "anki_decks", "anki_notes",
           "anki_card_decks", "anki_cards", "anki_created", "ANKI_SCHEDULE_COLUMNS"]

SQLITE_MAGIC = b"SQLite format 3\x00"
#: SQLite virtual-machine steps between two calls of the progress handler
_STEPS_PER_CALL = 4096
_VIRTUAL = re.compile(r"^\s*create\s+virtual\b", re.I)

#: the tables (and the columns of each) read from a legacy collection
#: (``collection.anki2`` / ``collection.anki21``)
ANKI_LEGACY_TABLES: Mapping[str, Sequence[str]] = {
    "col": ("models", "decks"),
    "notes": ("id", "guid", "mid", "tags", "flds"),
    "cards": ("nid", "did", "ord"),
}
#: the tables (and the columns of each) read from a current collection (``collection.anki21b``)
ANKI_MODERN_TABLES: Mapping[str, Sequence[str]] = {
    "notes": ("id", "guid", "mid", "tags", "flds"),
    "cards": ("nid", "did", "ord"),
    "notetypes": ("id", "name", "config"),
    "fields": ("ntid", "ord", "name"),
    "templates": ("ntid", "ord", "config"),
    "decks": ("id", "name"),
}


class ForeignDatabaseError(Exception):
    """A foreign database that is refused; the message says what is wrong
    (without the file's name: the caller adds it)."""


@dataclass(frozen=True)
class ReadBudget:
    """What reading one foreign database may cost, all statements together.

    ``seconds``: wall-clock time; ``steps``: SQLite virtual-machine steps;
    ``rows``: rows returned; ``bytes``: bytes of text and BLOBs returned
    (8 for each other value); ``field_bytes``: the largest single value."""

    seconds: float
    steps: int
    rows: int
    bytes: int
    field_bytes: int

    @classmethod
    def for_size(cls, size: int) -> "ReadBudget":
        """The budget for a database of ``size`` bytes. Reading real tables
        never returns more than the file holds, so rows and bytes are a small
        multiple of the size (the densest table Anki writes, ``cards``, takes
        over 32 bytes a row). Measured on a 44 MB collection of 100,000 notes:
        1.3 million steps, 200,000 rows and 33 MB read in about a second,
        against budgets of 182 million steps, 1.4 million rows, 89 MB and
        15 seconds."""
        size = max(0, size)
        return cls(seconds=5.0 + size / 2**22, steps=5_000_000 + 4 * size,
                   rows=10_000 + size // 32, bytes=2**20 + 2 * size,
                   field_bytes=max(2**16, min(size, 2**30)))


class StatementGuard:
    """A progress handler that stops any statement on ``conn`` once, all
    statements together, more than ``steps`` SQLite steps or ``seconds`` have
    gone by. While it is installed (``with guard:``) a stopped statement raises
    ``sqlite3.OperationalError`` ("interrupted") and ``stopped`` says why."""

    def __init__(self, conn: sqlite3.Connection, *, steps: int, seconds: float):
        self._conn = conn
        self.steps_allowed, self.seconds = steps, seconds
        self._deadline = time.monotonic() + seconds
        self.steps = 0
        self.stopped: str | None = None

    def _progress(self) -> int:
        self.steps += _STEPS_PER_CALL
        if self.steps > self.steps_allowed:
            self.stopped = f"more than {self.steps_allowed:,} steps"
        elif time.monotonic() > self._deadline:
            self.stopped = f"more than {self.seconds:.0f} seconds"
        return 1 if self.stopped else 0

    def __enter__(self) -> "StatementGuard":
        self._conn.set_progress_handler(self._progress, _STEPS_PER_CALL)
        return self

    def __exit__(self, *exc) -> None:
        self._conn.set_progress_handler(None, 0)


class ForeignDatabase:
    """An open, read-only copy of a foreign database, checked by
    ``open_foreign``. Use ``rows`` (inside ``flashdesk.store``) for every read."""

    def __init__(self, conn: sqlite3.Connection, budget: ReadBudget):
        self._conn = conn
        self.budget = budget
        self._rows = 0
        self._bytes = 0
        #: table name (lower case) → (kind, its SQL), from the schema check
        self.objects: dict[str, tuple[str, str]] = {}
        #: table name → its columns (lower case), for the tables checked
        self.columns: dict[str, set[str]] = {}
        self._guard = StatementGuard(conn, steps=budget.steps, seconds=budget.seconds).__enter__()

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """All rows of one query, counted against the budget.

        Raises ``ForeignDatabaseError`` when the budget runs out or SQLite
        cannot read the file."""
        return list(self.each_row(sql, params))

    def each_row(self, sql: str, params: Sequence = ()) -> Iterator[tuple]:
        """The rows of one query, one at a time as SQLite yields them,
        counted against the budget like ``rows``: for reading a large table
        without holding it. Finish (or close) the iterator before the
        database is closed.

        Raises ``ForeignDatabaseError``, while iterating, when the budget
        runs out or SQLite cannot read the file."""
        budget = self.budget
        try:
            # one row at a time: at most one row (one value of at most
            # ``field_bytes``) is held beyond the budget
            for row in self._conn.execute(sql, params):
                self._rows += 1
                size = 8 * len(row)
                for value in row:  # text and BLOBs count their length, anything else 8 bytes
                    if type(value) is str or type(value) is bytes:
                        size += len(value) - 8
                self._bytes += size
                if self._rows > budget.rows:
                    raise ForeignDatabaseError(
                        f"its collection yields more rows than its size allows (over "
                        f"{budget.rows:,}); it is damaged or built to exhaust memory")
                if self._bytes > budget.bytes:
                    raise ForeignDatabaseError(
                        f"its collection yields more data than its size allows (over "
                        f"{budget.bytes // 2**20 or 1} MB); it is damaged or built to "
                        "exhaust memory")
                yield row
        except sqlite3.OperationalError as exc:
            if self._guard.stopped:
                raise ForeignDatabaseError(
                    f"reading its collection was stopped after {self._guard.stopped}; it is "
                    "damaged or built never to finish") from None
            raise ForeignDatabaseError(f"its collection cannot be read ({_said(exc)})") from None
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            # a damaged schema can make SQLite's own message undecodable: hence UnicodeDecodeError
            raise ForeignDatabaseError(f"its collection cannot be read ({_said(exc)})") from None

    def plain_table_columns(self, table: str) -> set[str] | None:
        """The columns (lower case) of ``table`` when it is a plain table
        (not virtual, no computed columns) that may be read, else None.
        For tables read only when present."""
        if table in self.columns:
            return self.columns[table]
        kind, sql = self.objects.get(table, ("", ""))
        if kind != "table" or _VIRTUAL.match(sql):
            return None
        present = set()
        for name, hidden in self.rows("SELECT name, hidden FROM pragma_table_xinfo(?)", [table]):
            if hidden:
                return None
            present.add(str(name).lower())
        self.columns[table] = present
        return present

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "ForeignDatabase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _said(exc: Exception) -> str:
    return str(exc)[:200]


def _connect(data: bytes | bytearray, budget: ReadBudget) -> sqlite3.Connection:
    # a collection saved in WAL mode cannot be opened from memory: mark it as a
    # rollback-journal database (header bytes 18 and 19) first; a bytearray is
    # marked in place (no copy of a large database), bytes are copied once
    if data[18:20] != b"\x01\x01":
        if not isinstance(data, bytearray):
            data = bytearray(data)
        data[18:20] = b"\x01\x01"
    conn = sqlite3.connect(":memory:")
    # text that is not UTF-8 reads with replacement characters instead of failing
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    defensive = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
    if defensive is not None and hasattr(conn, "setconfig"):  # Python 3.12+
        conn.setconfig(defensive, True)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, budget.field_bytes)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.deserialize(data)
    return conn


def open_foreign(data: bytes | bytearray, tables: Mapping[str, Sequence[str]],
                 budget: ReadBudget | None = None) -> ForeignDatabase:
    """A checked, read-only, in-memory copy of the SQLite database ``data``
    (the caller may drop ``data`` once this returns). A ``bytearray`` is
    marked in place as a rollback-journal database (header bytes 18 and 19)
    rather than copied first: a large collection is then held twice at
    most, not three times.

    ``tables`` maps each table that will be read to the columns read from it.
    ``budget`` defaults to ``ReadBudget.for_size(len(data))``.

    Raises ``ForeignDatabaseError`` (one message saying what is wrong) when
    ``data`` is not an SQLite database, holds a view or trigger, lacks a table
    or column, has a virtual table or computed columns where ``tables`` are
    read, or exceeds the budget while its schema is read."""
    if not data.startswith(SQLITE_MAGIC):
        raise ForeignDatabaseError("its collection is not an SQLite database")
    budget = budget or ReadBudget.for_size(len(data))
    try:
        conn = _connect(data, budget)
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA cell_size_check = ON")
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise ForeignDatabaseError(f"its collection cannot be read ({_said(exc)})") from None
    db = ForeignDatabase(conn, budget)
    try:
        _check_schema(db, tables)
    except BaseException:
        db.close()
        raise
    return db


def _check_schema(db: ForeignDatabase, tables: Mapping[str, Sequence[str]]) -> None:
    objects = db.rows("SELECT type, name, sql FROM sqlite_master")
    kinds: dict[str, tuple[str, str]] = {}
    for kind, name, sql in objects:
        if kind in ("view", "trigger"):
            raise ForeignDatabaseError(
                f"its collection holds a {kind} ('{str(name)[:80]}'); an Anki collection has "
                "none, so it was not read")
        if isinstance(name, str):
            kinds[name.lower()] = (str(kind), sql if isinstance(sql, str) else "")
    db.objects = kinds
    for table, columns in tables.items():
        kind, sql = kinds.get(table, ("", ""))
        if kind != "table":
            raise ForeignDatabaseError(f"its collection has no '{table}' table")
        if _VIRTUAL.match(sql):
            raise ForeignDatabaseError(
                f"its collection's '{table}' is a virtual table; an Anki collection has none")
        present = {}
        for name, hidden in db.rows("SELECT name, hidden FROM pragma_table_xinfo(?)", [table]):
            if hidden:
                raise ForeignDatabaseError(
                    f"its collection's '{table}' table has a computed column ('{name}'); "
                    "an Anki collection has none")
            present[str(name).lower()] = name
        missing = [c for c in columns if c not in present]
        if missing:
            raise ForeignDatabaseError(
                f"its collection's '{table}' table has no column '{missing[0]}'")
        db.columns[table] = set(present)


# -- Anki's collection ---------------------------------------------------------------

def anki_models_json(db: ForeignDatabase) -> object:
    """``col.models`` of a legacy collection, as stored (JSON text when sound);
    None when ``col`` has no row."""
    rows = db.rows("SELECT models FROM col LIMIT 1")
    return rows[0][0] if rows else None


def anki_decks_json(db: ForeignDatabase) -> object:
    """``col.decks`` of a legacy collection, as stored; None when ``col`` has no row."""
    rows = db.rows("SELECT decks FROM col LIMIT 1")
    return rows[0][0] if rows else None


def anki_notetypes(db: ForeignDatabase) -> list[tuple]:
    """(id, name, config) of each note type, as stored."""
    return db.rows("SELECT id, name, config FROM notetypes")


def anki_fields(db: ForeignDatabase) -> list[tuple]:
    """(note type id, name) of each field, in field order."""
    return db.rows("SELECT ntid, name FROM fields ORDER BY ntid, ord")


def anki_templates(db: ForeignDatabase) -> list[tuple]:
    """(note type id, name, config) of each card template, in template
    order; the name is None when the table has no ``name`` column."""
    if "name" in (db.plain_table_columns("templates") or ()):
        return db.rows("SELECT ntid, name, config FROM templates ORDER BY ntid, ord")
    return db.rows("SELECT ntid, NULL, config FROM templates ORDER BY ntid, ord")


def anki_decks(db: ForeignDatabase) -> list[tuple]:
    """(id, name) of each deck, as stored."""
    return db.rows("SELECT id, name FROM decks")


def anki_notes(db: ForeignDatabase, limit: int) -> list[tuple]:
    """(id, guid, note type id, tags, fields) of at most ``limit`` notes, by id, as stored."""
    return db.rows("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id LIMIT ?", [limit])


def anki_card_decks(db: ForeignDatabase) -> list[tuple]:
    """(note id, template number, deck id) of every card, as stored."""
    return db.rows("SELECT nid, ord, did FROM cards")


#: the scheduling columns of Anki's ``cards`` table, in the order ``anki_cards`` returns them
ANKI_SCHEDULE_COLUMNS = ("type", "queue", "due", "ivl", "factor", "reps", "lapses", "odue",
                         "odid")
_CARD_SELECT = {present: "SELECT nid, ord, did, " + ", ".join(
    c if c in present else "NULL" for c in ANKI_SCHEDULE_COLUMNS) + " FROM cards"
    for present in (ANKI_SCHEDULE_COLUMNS, ())}


def anki_cards(db: ForeignDatabase) -> Iterator[tuple]:
    """(note id, template number, deck id, then ``ANKI_SCHEDULE_COLUMNS``:
    type, queue, due, interval, factor, reviews, lapses, original due,
    original deck) of every card, as stored, one at a time (a large
    collection's cards are never all held as rows). A collection whose
    ``cards`` table lacks any scheduling column gives None for all of them.
    ``ForeignDatabaseError`` is raised while iterating (see ``each_row``)."""
    have = db.plain_table_columns("cards") or set()
    complete = all(c in have for c in ANKI_SCHEDULE_COLUMNS)
    return db.each_row(_CARD_SELECT[ANKI_SCHEDULE_COLUMNS if complete else ()])


def anki_created(db: ForeignDatabase) -> object:
    """``col.crt``: when the collection was created (seconds since the Unix
    epoch, at the start of that study day), as stored; None when the
    collection has no readable ``col`` table or no such column or row."""
    columns = db.plain_table_columns("col")
    if not columns or "crt" not in columns:
        return None
    rows = db.rows("SELECT crt FROM col LIMIT 1")
    return rows[0][0] if rows else None
