"""Opening a collection file: refuse what is not ours, set durable pragmas,
migrate."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from ..model import FlashdeskError
from .schema import APPLICATION_ID, migrations

__all__ = ["open_database", "NotACollectionError", "memory_database", "transaction",
           "StorageError"]


class NotACollectionError(FlashdeskError):
    """The file exists but is not a flashdesk collection this version can open."""


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


def open_database(path: str | Path) -> tuple[Database, bool]:
    """Open (creating if needed) the collection at ``path``; return it and
    whether it was created just now."""
    path = Path(path)
    shown = str(path)
    if path.exists() and path.is_dir():
        raise NotACollectionError(f"{shown} is a folder, not a flashdesk collection")
    try:
        db = _connect(shown)
    except sqlite3.Error as exc:
        raise _cannot_open(shown, exc) from None
    try:
        _check_ours(db, shown)
        created = not migrations.applied(db)
        _configure(db)
        migrations.apply(db)
    except sqlite3.OperationalError as exc:
        db.close()
        raise _cannot_open(shown, exc) from None
    except sqlite3.DatabaseError as exc:
        db.close()
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


def check_backup(path: Path) -> str | None:
    """Why ``path`` cannot be restored (None when it is a sound flashdesk
    collection). Opened read-only: nothing is created or changed."""
    path = Path(path)
    if not path.is_file():
        return "no such file"
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            return "not an SQLite database"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            return "not a flashdesk collection"
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return "the backup itself is damaged"
    except sqlite3.DatabaseError as exc:
        return f"it cannot be read ({exc})"
    finally:
        conn.close()
    return None
