"""Opening a collection file: refuse what is not ours, set durable pragmas,
migrate."""

from __future__ import annotations

import os
import sqlite3
import struct
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from ..model import FlashdeskError
from .faults import fault_point
from .schema import APPLICATION_ID, migrations

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
    # 16 MB of page cache: the hot indexes of a 100k-card collection stay in memory
    db.execute("PRAGMA cache_size = -16384")
    db.enable_wal()
    # In WAL mode FULL syncs the log on every commit: an answer survives a power cut.
    db.execute("PRAGMA synchronous = FULL")


def _cannot_open(path: str, exc: Exception) -> StorageError:
    folder = Path(path).parent
    return StorageError(f"cannot open {path} ({exc}): check that you can write to {folder} "
                        "(a read-only or full disk, or another program holding the file)")


def _check_ours(db: Database, path: str) -> None:
    try:
        tables = db.table_names()
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.OperationalError as exc:
        raise _cannot_open(path, exc) from None
    except sqlite3.DatabaseError as exc:
        raise NotACollectionError(
            f"{path} is not a flashdesk collection (SQLite says: {exc})") from None
    if app_id not in (0, APPLICATION_ID):  # another program's file, even an empty one
        raise NotACollectionError(
            f"{path} is another program's SQLite database (application id {app_id:#x}), "
            "not a flashdesk collection; it was left untouched")
    if not tables:
        return
    if app_id != APPLICATION_ID:
        raise NotACollectionError(
            f"{path} is an SQLite database but not a flashdesk collection; "
            "it was left untouched")
    known = {m.name for m in migrations._migrations}
    applied = {m.name for m in migrations.applied(db)}
    newer = sorted(applied - known)
    if newer:
        raise NotACollectionError(
            f"{path} was written by a newer flashdesk (schema {newer[-1]}); "
            "update flashdesk to open it")


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


def open_database(path: str | Path) -> tuple[Database, bool]:
    """Open (creating if needed) the collection at ``path``; return it and
    whether it was created just now.

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
        created = created or not migrations.applied(db)
        _configure(db)
        migrations.apply(db)
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
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            return "not a flashdesk collection"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not _REQUIRED_TABLES <= tables:
            return "not a whole flashdesk collection (tables missing: " \
                   f"{', '.join(sorted(_REQUIRED_TABLES - tables))})"
        known = {m.name for m in migrations._migrations}
        applied = {r[0] for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [migrations.name])}
        if applied - known:
            return "written by a newer flashdesk; update flashdesk to restore it"
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return "the backup itself is damaged"
    except sqlite3.DatabaseError as exc:
        return f"it cannot be read ({exc})"
    finally:
        conn.close()
    return None
