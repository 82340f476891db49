"""Opening a collection file: refuse what is not ours, set durable pragmas,
migrate."""

from __future__ import annotations

import functools
import os
import sqlite3
import struct
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..model import FlashdeskError
from .faults import fault_point
from .foreign import StatementGuard
from .schema import APPLICATION_ID, migration_progress, migrations

__all__ = ["open_database", "NotACollectionError", "memory_database", "transaction",
           "StorageError", "DamagedCollectionError", "is_damage", "NEW_PART_GLOB"]

#: a collection being created is built under this name, then renamed into place
NEW_PART_GLOB = "*.new-*.part"


class NotACollectionError(FlashdeskError):
    """The file exists but is not a flashdesk collection this version can open."""


class DamagedCollectionError(NotACollectionError):
    """The collection file is damaged (SQLite finds it malformed, or it is empty)."""


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite reporting a damaged file (SQLITE_CORRUPT or
    SQLITE_NOTADB), rather than a busy, full or read-only disk or a constraint."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(
            exc, (sqlite3.OperationalError, sqlite3.IntegrityError)):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (11, 26)
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


class StorageError(FlashdeskError):
    """A write the disk refused (full, read-only, busy); nothing was changed."""


_STORAGE_MESSAGES = (
    ("full", "the disk is full"),
    ("readonly", "the collection's folder or file is read-only"),
    ("read-only", "the collection's folder or file is read-only"),
    ("locked", "the collection is busy: another flashdesk is writing to it; try again in a moment"),
    ("busy", "the collection is busy: another flashdesk is writing to it; try again in a moment"),
    ("disk i/o error", "the disk could not be written"),
)


@contextmanager
def _immediate(db: Database):
    """BEGIN IMMEDIATE … COMMIT: the write lock is taken first, so what is
    read inside cannot be changed by another process before the write."""
    if db.conn.in_transaction:  # nested: the outer transaction decides
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.rollback()
        raise


@contextmanager
def transaction(db: Database, *, immediate: bool = False):
    """``db.atomic()``, with the disk's refusals turned into one clear message.
    Either everything inside is committed, or nothing is. ``immediate`` takes
    the write lock at the start (read-then-write under concurrency)."""
    try:
        with (_immediate(db) if immediate else db.atomic()):
            yield db
    except sqlite3.IntegrityError as exc:
        raise StorageError(f"the change conflicts with what is stored ({exc}). "
                           "Nothing was changed.") from exc
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        for needle, message in _STORAGE_MESSAGES:
            if needle in text:
                raise StorageError(f"{message}. Nothing was changed.") from exc
        raise


def _connect(target: str) -> Database:
    # check_same_thread=False: the GUI hands the connection to one worker at a
    # time; the collection never lets two threads use it at once.
    conn = sqlite3.connect(target, check_same_thread=False, timeout=10.0)
    return Database(conn)


def _configure(db: Database) -> None:
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 10000")
    # 40 MB of page cache (as Anki keeps): the cards, notes and hot indexes of a
    # 100k-card collection stay in memory once read
    db.execute("PRAGMA cache_size = -40960")
    db.enable_wal()
    # In WAL mode FULL syncs the log on every commit: an answer survives a power cut.
    db.execute("PRAGMA synchronous = FULL")


def _cannot_open(path: str, exc: Exception) -> StorageError:
    folder = Path(path).parent
    return StorageError(f"cannot open {path} ({exc}): check that you can write to {folder} "
                        "(a read-only or full disk, or another program holding the file)")


#: what checking that a file is ours may cost: a sound collection needs a few
#: thousand steps; a hostile one (a looping table of migrations) is stopped
_CHECK_STEPS = 2_000_000
_CHECK_SECONDS = 10.0


@functools.cache
def _known_schema() -> tuple[list[str], dict[str, tuple[str, str]], list[dict[str, set[str]]]]:
    """What flashdesk's own migrations make: their names in order; every
    object any of them leaves (name → (type, table)); and, after each
    migration, the columns of each table then present (name → columns).
    Built once, from the migrations themselves, on an in-memory database."""
    db = Database(sqlite3.connect(":memory:"))
    order = [m.name for m in migrations.pending(db)]
    objects: dict[str, tuple[str, str]] = {}
    stages: list[dict[str, set[str]]] = []
    for index in range(len(order)):
        migrations.apply(db, stop_before=order[index + 1] if index + 1 < len(order) else None)
        rows = db.execute("SELECT type, name, tbl_name FROM sqlite_master").fetchall()
        objects.update({name: (kind, table) for kind, name, table in rows})
        stages.append({name: {c[1] for c in db.execute(
            "SELECT * FROM pragma_table_info(?)", [name]).fetchall()}
            for kind, name, _ in rows if kind == "table" and not name.startswith("sqlite_")})
    db.close()
    return order, objects, stages


@functools.lru_cache(maxsize=8)
def _columns_after(applied: tuple[str, ...]) -> dict[str, set[str]]:
    """The columns of each table after flashdesk's migrations ``applied``, run
    in that order, on an in-memory database."""
    db = Database(sqlite3.connect(":memory:"))
    by_name = {m.name: m.fn for m in migrations._migrations}
    for name in applied:
        by_name[name](db)
    rows = db.execute("SELECT type, name FROM sqlite_master").fetchall()
    columns = {name: {c[1] for c in db.execute("SELECT * FROM pragma_table_info(?)",
                                               [name]).fetchall()}
               for kind, name in rows if kind == "table" and not name.startswith("sqlite_")}
    db.close()
    return columns


def _schema_problem(conn: sqlite3.Connection, applied: list[str]) -> str | None:
    """What is wrong with the schema of a file that says it is a flashdesk
    collection with the migrations ``applied``, or None. Only the schema is
    read: a view (flashdesk makes none), a trigger flashdesk does not make,
    or a table the recorded migrations made that is missing, is not a table
    or lacks a column."""
    order, objects, stages = _known_schema()
    rows = conn.execute("SELECT type, name, tbl_name FROM sqlite_master").fetchall()
    found = {}
    for kind, name, table in rows:
        if kind == "view":
            return f"it holds a view ('{name}'), which flashdesk never makes"
        if kind == "trigger" and objects.get(name) != (kind, table):
            return f"it holds a {kind} flashdesk does not make ('{name}')"
        found[name] = kind
    done = [order.index(name) for name in applied if name in order]
    if not done:
        return None
    # migrations run in the order they are registered; a collection of an
    # earlier release may have run one registered later first (m006_sync
    # before m005_compact): its tables are as those it ran, in its order, make them
    known = [name for name in applied if name in order]
    expected = stages[max(done)] if known == order[:len(known)] else _columns_after(tuple(known))
    for table, columns in expected.items():
        if found.get(table) != "table":
            return f"its '{table}' table is missing"
        present = {c[1] for c in conn.execute(
            "SELECT * FROM pragma_table_info(?)", [table]).fetchall()}
        missing = sorted(columns - present)
        if missing:
            return f"its '{table}' table has no column '{missing[0]}'"
    return None


def _inspect(db: Database) -> str | None:
    """Why ``db`` cannot be opened as a flashdesk collection, as the end of
    a sentence whose subject is the file ("is not a flashdesk collection",
    "is damaged: its 'cards' table is missing", "was written by a newer
    flashdesk …"), or None when it is one (or is empty: a new collection).
    Reads only the schema and the record of migrations, under a step and time
    budget; writes nothing. Raises ``sqlite3.OperationalError`` when the
    file cannot be read at all (locked, unreadable)."""
    guard = StatementGuard(db.conn, steps=_CHECK_STEPS, seconds=_CHECK_SECONDS)
    ours = False
    try:
        with guard:
            objects = db.execute("SELECT type, name FROM sqlite_master").fetchall()
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            if app_id not in (0, APPLICATION_ID):  # another program's file, even an empty one
                return (f"is another program's SQLite database (application id {app_id:#x}), "
                        "not a flashdesk collection")
            if not objects:
                return None
            if app_id != APPLICATION_ID:
                return "is an SQLite database but not a flashdesk collection"
            kind = dict((name, kind) for kind, name in objects).get(Migrations.migrations_table)
            if kind not in (None, "table"):
                return f"is damaged: its record of migrations is a {kind}, not a table"
            applied = [m.name for m in migrations.applied(db)]
            if not applied:  # the first migration records itself with the tables it makes
                return "is damaged: it has no record of its migrations"
            newer = sorted(set(applied) - set(_known_schema()[0]))
            if newer:
                return (f"was written by a newer flashdesk (schema {newer[-1]}); "
                        "update flashdesk to open it")
            ours = True
            problem = _schema_problem(db.conn, applied)
            return f"is damaged: {problem}" if problem else None
    except sqlite3.OperationalError as exc:
        if guard.stopped:
            return f"is not a flashdesk collection: checking it was stopped after {guard.stopped}"
        text = str(exc).lower()
        if any(needle in text for needle, _ in _STORAGE_MESSAGES) or "unable to open" in text:
            raise
        return f"is damaged (SQLite says: {exc})"
    except sqlite3.DatabaseError as exc:
        if ours:  # its id and its record of migrations were read: a page of it is damaged
            return f"is damaged (SQLite says: {exc})"
        return f"is not a flashdesk collection (SQLite says: {exc})"


def _check_ours(db: Database, path: str) -> None:
    try:
        problem = _inspect(db)
    except sqlite3.OperationalError as exc:
        raise _cannot_open(path, exc) from None
    if problem is not None:
        left = "" if problem.startswith("was written") else "; it was left untouched"
        raise NotACollectionError(f"{path} {problem}{left}")


def _looks_damaged(path: Path) -> bool:
    """A cheap look at the file's header (no page is read): its size is not a
    whole number of pages, or it is shorter than the header says while no log
    (``-wal``) could make up the difference. Only then is the whole file checked."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            header = f.read(100)
    except OSError:
        return False
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return False  # SQLite itself says "not a database"
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or size % page_size:
        return True
    pages, counter, valid_for = (struct.unpack(">I", header[o:o + 4])[0] for o in (28, 24, 92))
    wal = Path(f"{path}-wal")
    has_log = wal.exists() and wal.stat().st_size > 0
    return counter == valid_for and pages > size // page_size and not has_log


def _quick_check(db: Database, shown: str) -> None:
    rows = [r[0] for r in db.execute("PRAGMA quick_check(1)")]
    if rows != ["ok"]:
        found = " ".join(rows[0].replace("*** in database main ***", "").split())[:160]
        raise DamagedCollectionError(f"{shown} is damaged (SQLite finds: {found})")


def _create(path: Path) -> bool:
    """Build a new collection beside ``path`` and rename it into place, so
    that a crash never leaves an empty or half-made ``collection.db``.
    Returns False when another process created it first (theirs is kept)."""
    part = path.with_name(f"{path.name}.new-{os.urandom(4).hex()}.part")
    try:
        db = _connect(str(part))
        try:
            _configure(db)
            migrations.apply(db)
            db.execute("PRAGMA journal_mode = DELETE")  # one file to rename, no -wal
        finally:
            db.close()
        fault_point("create:made")
        try:
            os.link(part, path)  # never replaces a file that appeared meanwhile
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            if path.exists():
                return False
            os.replace(part, path)
        return True
    finally:
        for leftover in (part, Path(f"{part}-journal"), Path(f"{part}-wal"), Path(f"{part}-shm")):
            leftover.unlink(missing_ok=True)


def open_database(path: str | Path, *, progress: Callable[[int, int], object] | None = None
                  ) -> tuple[Database, bool]:
    """Open (creating if needed) the collection at ``path``; return it and
    whether it was created just now. A migration that converts a large
    collection calls ``progress(done, total)`` as it goes (log entries).

    Raises ``DamagedCollectionError`` for an empty (0-byte) or damaged file,
    ``NotACollectionError`` for a file that is not a flashdesk collection
    (another program's, a folder, a newer schema) - such files are never
    written - and ``StorageError`` when the disk refuses.
    """
    path = Path(path)
    shown = str(path)
    if path.exists() and path.is_dir():
        raise NotACollectionError(f"{shown} is a folder, not a flashdesk collection")
    wal = Path(f"{path}-wal")
    if path.exists() and path.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size):
        raise DamagedCollectionError(
            f"{shown} is empty (0 bytes): the collection it held is gone; it was left untouched")
    created = False
    if not path.exists():
        try:
            created = _create(path)
        except sqlite3.Error as exc:
            raise _cannot_open(shown, exc) from None
        except OSError as exc:
            raise _cannot_open(shown, exc) from None
    suspect = _looks_damaged(path)
    try:
        db = _connect(shown)
    except sqlite3.Error as exc:
        raise _cannot_open(shown, exc) from None
    try:
        _check_ours(db, shown)
        if suspect:
            _quick_check(db, shown)
        applied = {m.name for m in migrations.applied(db)}
        created = created or not applied
        _configure(db)
        token = migration_progress.set(progress)
        try:
            migrations.apply(db)
        finally:
            migration_progress.reset(token)
        if applied and "m005_compact" not in applied:
            # the conversion to the compact schema left the old tables' pages
            # free: give them back (once; the file is then about a quarter)
            db.execute("VACUUM")
    except sqlite3.OperationalError as exc:
        db.close()
        raise _cannot_open(shown, exc) from None
    except sqlite3.DatabaseError as exc:
        db.close()
        if is_damage(exc):
            raise DamagedCollectionError(f"{shown} is damaged (SQLite says: {exc})") from None
        raise NotACollectionError(f"{shown} cannot be used as a flashdesk collection: {exc}") from None
    except BaseException:
        db.close()
        raise
    return db, created


def memory_database() -> Database:
    """A fresh, migrated in-memory collection database (tests, tools)."""
    db = Database(sqlite3.connect(":memory:", check_same_thread=False))
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db


#: tables every flashdesk collection has
_REQUIRED_TABLES = {"decks", "notes", "cards", "revlog", "config", "_sqlite_migrations"}


def check_backup(path: Path) -> str | None:
    """Why ``path`` cannot be restored (None when it is a sound flashdesk
    collection this version can open): not a file, not SQLite, another
    program's database, a newer schema, or damaged (``PRAGMA integrity_check``).
    Opened read-only: nothing is created or changed, not even a ``-shm``."""
    from .copies import open_read_only

    path = Path(path)
    if not path.is_file():
        return "no such file"
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            return "not an SQLite database"
    try:
        conn = open_read_only(path)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        problem = _inspect(Database(conn))
        if problem is not None:
            return f"it {problem}"
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            return "it is not a flashdesk collection"  # an empty database
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not _REQUIRED_TABLES <= tables:
            return "it is not a whole flashdesk collection (tables missing: " \
                   f"{', '.join(sorted(_REQUIRED_TABLES - tables))})"
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return "the backup itself is damaged"
    except sqlite3.DatabaseError as exc:
        return f"it cannot be read ({exc})"
    finally:
        conn.close()
    return None
