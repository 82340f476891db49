"""The SQL of device merge (``flashdesk.sync``) and of the class summary.

Everything here reads and writes by the stable text ids (deck id, note id,
card id, log entry id), so that a later change to how the collection stores
its rows only has to touch these functions. Writes run inside the caller's
transaction.
"""

from __future__ import annotations

from sqlite_utils import Database

__all__ = ["latest_entry_id", "move_entry"]


# -- the review log ------------------------------------------------------------------


def latest_entry_id(db: Database, below_seq: int | None = None) -> str | None:
    """The greatest log entry id (ids are time-ordered UUIDs, so text order
    is time order), or None for an empty log; with ``below_seq``, among the
    entries stored before that sequence number."""
    if below_seq is None:
        row = db.execute("SELECT max(id) FROM revlog").fetchone()
    else:
        row = db.execute("SELECT max(id) FROM revlog WHERE seq < ?", [below_seq]).fetchone()
    return row[0] if row else None


def move_entry(db: Database, seq: int, new_id: str, ts_ms: int) -> None:
    """Give the entry just appended (not yet committed) a later id and time."""
    db.execute("UPDATE revlog SET id = ?, ts = ? WHERE seq = ?", [new_id, ts_ms, seq])
