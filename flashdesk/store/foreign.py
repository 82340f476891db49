"""Queries on SQLite files that are not ours: the collection inside an Anki
package. Opened in memory from bytes, read-only, never trusted."""

from __future__ import annotations

import sqlite3

__all__ = ["open_anki_collection", "anki_models_json", "anki_decks_json", "anki_notetypes",
           "anki_fields", "anki_templates", "anki_decks", "anki_notes", "ForeignDatabaseError"]


class ForeignDatabaseError(Exception):
    pass


def open_anki_collection(data: bytes) -> sqlite3.Connection:
    """An in-memory, query-only copy of the SQLite database in ``data``."""
    if not data.startswith(b"SQLite format 3\x00"):
        raise ForeignDatabaseError("its collection is not an SQLite database")
    # a collection saved in WAL mode cannot be opened from memory: mark it as a
    # rollback-journal database (header bytes 18 and 19) first
    data = data[:18] + b"\x01\x01" + data[20:]
    conn = sqlite3.connect(":memory:")
    # text that is not UTF-8 reads with replacement characters instead of failing
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        conn.deserialize(data)
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM notes").fetchone()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        # a damaged schema can make SQLite's own message undecodable: hence UnicodeDecodeError
        conn.close()
        raise ForeignDatabaseError(f"its collection cannot be read ({exc})") from None
    return conn


def anki_models_json(conn) -> str:
    return conn.execute("SELECT models FROM col").fetchone()[0] or "{}"


def anki_decks_json(conn) -> str:
    return conn.execute("SELECT decks FROM col").fetchone()[0] or "{}"


def anki_notetypes(conn) -> list[tuple[int, str, bytes]]:
    return conn.execute("SELECT id, name, config FROM notetypes").fetchall()


def anki_fields(conn, ntid: int) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM fields WHERE ntid = ? ORDER BY ord", [ntid])]


def anki_templates(conn, ntid: int) -> list[bytes]:
    return [r[0] for r in conn.execute(
        "SELECT config FROM templates WHERE ntid = ? ORDER BY ord", [ntid])]


def anki_decks(conn) -> list[tuple[int, str]]:
    return conn.execute("SELECT id, name FROM decks").fetchall()


def anki_notes(conn, limit: int) -> list[tuple]:
    """(id, guid, note type id, tags, fields, deck id of its first card), at most ``limit``."""
    return conn.execute(
        "SELECT n.id, n.guid, n.mid, n.tags, n.flds, "
        "(SELECT did FROM cards c WHERE c.nid = n.id ORDER BY ord LIMIT 1) "
        "FROM notes n ORDER BY n.id LIMIT ?", [limit]).fetchall()
