"""Copies of a collection file made with SQLite's backup API: backups, the
copy a restore puts in place, and what a backup records about itself.

A copy is written to a new file, switched to a rollback journal (so that it
is one self-contained file that opens read-only without creating ``-wal`` or
``-shm`` files beside it), synced, and verified with ``PRAGMA quick_check``
before anyone may rename it into place.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .faults import fault_point

__all__ = ["copy_database", "verify_copy", "read_backup_record", "BackupRecord",
           "open_read_only", "fsync_file", "fsync_dir", "remove_copy", "count_cards"]

#: config keys a backup records about itself (not read by the collection)
TAKEN_KEY = "backup_taken_ms"
SEQ_KEY = "backup_seq"


class BackupRecord(tuple):
    """``(taken_ms, seq)`` recorded inside a backup: when it was taken (UTC
    milliseconds, from the clock of the day, so possibly wrong) and its place
    in the order backups were made (1, 2, 3 …; the clock plays no part)."""

    def __new__(cls, taken_ms: int | None, seq: int | None) -> "BackupRecord":
        return super().__new__(cls, (taken_ms, seq))

    @property
    def taken_ms(self) -> int | None:
        return self[0]

    @property
    def seq(self) -> int | None:
        return self[1]


def fsync_file(path: Path) -> None:
    """Flush ``path``'s content to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames, new and deleted files) to the disk;
    a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_copy(path: Path) -> None:
    """Remove a copy that is not wanted (a failed or partial one) with the
    ``-journal``, ``-wal`` and ``-shm`` files SQLite may have made beside it."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that creates nothing beside ``path``: a file
    with no live ``-wal`` is opened immutable (no locks, no ``-shm``); one
    with a ``-wal`` (a collection that was not closed) is opened read-only so
    that what its log holds is seen. Raises ``sqlite3.Error``."""
    path = Path(path).resolve()
    wal = Path(f"{path}-wal")
    live = wal.exists() and wal.stat().st_size > 0
    query = "mode=ro" if live else "immutable=1"
    conn = sqlite3.connect(f"{path.as_uri()}?{query}", uri=True)
    # the schema is trusted as far as SQLite's own functions go: a collection's
    # notes compute their search text with json_extract (``m005_compact``),
    # which ``trusted_schema = OFF`` refuses; the connection is read-only and
    # loads no extension (foreign files go through ``foreign.StatementGuard``)
    return conn


def copy_database(source: sqlite3.Connection, target: Path, *,
                  record: BackupRecord | None = None, fault: str | None = None) -> None:
    """Copy the database behind ``source`` into the new file ``target`` with
    the backup API, switch the copy to a rollback journal, write ``record``
    into its config table (when given), and sync it. With ``fault``, the copy
    runs in steps and ``fault_point(fault)`` is called after the first one.

    Raises ``sqlite3.Error`` (a full disk is ``OperationalError``) or
    ``OSError``; the caller removes ``target`` then.
    """
    dest = sqlite3.connect(target)
    try:
        if fault is None:
            source.backup(dest)
        else:
            source.backup(dest, pages=64, progress=lambda *_: fault_point(fault))
        dest.execute("PRAGMA journal_mode = DELETE")
        if record is not None:
            with dest:
                for key, value in ((TAKEN_KEY, record.taken_ms), (SEQ_KEY, record.seq)):
                    dest.execute("INSERT INTO config(key, value) VALUES (?, ?) ON CONFLICT(key) "
                                 "DO UPDATE SET value = excluded.value", [key, str(value)])
    finally:
        dest.close()
    fsync_file(target)


def verify_copy(path: Path) -> str | None:
    """What is wrong with the copy at ``path`` (``PRAGMA quick_check``: pages
    and b-trees, cheap), or None when it is sound."""
    try:
        conn = open_read_only(path)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    if rows == ["ok"]:
        return None
    first = " ".join(" ".join(rows).replace("*** in database main ***", "").split())
    return first if len(first) <= 160 else first[:157] + "…"


def read_backup_record(path: Path) -> BackupRecord:
    """What the backup at ``path`` recorded about itself; ``(None, None)``
    for a backup made before flashdesk recorded it, or one that cannot be read."""
    try:
        conn = open_read_only(path)
    except sqlite3.Error:
        return BackupRecord(None, None)
    try:
        rows = dict(conn.execute("SELECT key, value FROM config WHERE key IN (?, ?)",
                                 [TAKEN_KEY, SEQ_KEY]).fetchall())
    except sqlite3.DatabaseError:
        return BackupRecord(None, None)
    finally:
        conn.close()

    def number(value) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    return BackupRecord(number(rows.get(TAKEN_KEY)), number(rows.get(SEQ_KEY)))


def count_cards(path: Path) -> int | None:
    """How many cards the collection file at ``path`` holds (read-only,
    creating nothing beside it); None when it cannot be read."""
    try:
        conn = open_read_only(path)
    except sqlite3.Error:
        return None
    try:
        return int(conn.execute("SELECT count(*) FROM cards").fetchone()[0])
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
