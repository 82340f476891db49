"""The SQL of device merge (``flashdesk.sync``) and of the class summary.

Everything here reads and writes by the stable text ids (deck id, note id,
card id, log entry id); underneath, rows are joined on their integer row ids
and the log keeps its states in typed columns (``schema.m005_compact``). Writes run inside the caller's
transaction.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

from sqlite_utils import Database

from . import queries as q

__all__ = [
    "latest_entry_id", "move_entry", "log_entries_after", "add_log_entries", "card_logs", "log_entry_ids",
    "SyncField", "all_fields", "fields_of", "put_field", "add_history", "history_of",
    "fields_with_history", "digests", "set_digests", "delete_digests", "merged_segments",
    "add_segment", "media_hashes", "set_media_hash", "decks_for_sync", "notes_for_sync",
    "cards_for_sync", "set_note_deck", "delete_deck", "deck_in_use", "notes_waiting",
    "pointing_at",
    "topic_cards", "topic_answers", "weakest_cards",
]

_CHUNK = 500


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _marks(items: Sequence[Any]) -> str:
    return ",".join("?" * len(items))


# -- the review log ------------------------------------------------------------------
# The log stores each entry's UUID as bytes (``queries.uid_bytes``), its card
# by row id and its states in typed columns (``schema.m005_compact``); these
# functions give and take text ids and states as dicts, as merge sees them.


def latest_entry_id(db: Database, below_seq: int | None = None) -> str | None:
    """The greatest log entry id (ids are time-ordered UUIDs, so text order
    is time order), or None for an empty log; with ``below_seq``, among the
    entries stored before that sequence number."""
    return q.latest_entry_id(db, below_seq)


def move_entry(db: Database, seq: int, new_id: str, ts_ms: int) -> None:
    """Give the entry just appended (not yet committed) a later id and time."""
    db.execute("UPDATE revlog SET uid = ?, ts = ? WHERE seq = ?",
               [q.uid_bytes(new_id, ts_ms), ts_ms, seq])


def log_entries_after(db: Database, seq: int) -> list[dict]:
    """Log entries with a sequence number above ``seq``, in order: dicts with
    ``seq, id, card_id, ts, day, kind, quality, was_new, time_ms, before,
    after, undoes``; ``before``/``after`` are schedule dicts or None."""
    return q.log_entries(db, seq)


def log_entry_ids(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` the log already holds."""
    return q.log_ids_present(db, ids)


def add_log_entries(db: Database, entries: Iterable[dict]) -> list[tuple[str, str]]:
    """Append entries merged from other devices (the dicts of
    ``log_entries_after``, without ``seq``), each unless its id is there
    already. Returns (entry id, card id) of those added, in order."""
    added = []
    for e in entries:
        if q.log_entry_present(db, e):
            continue
        q.insert_log(db, {"id": e["id"], "card_id": e["card_id"], "ts": e["ts"], "day": e["day"],
                          "kind": e["kind"], "quality": e["quality"],
                          "was_new": int(bool(e["was_new"])), "time_ms": e["time_ms"],
                          "before": e["before"], "after": e["after"], "undoes": e["undoes"]})
        added.append((e["id"], e["card_id"]))
    return added


def card_logs(db: Database, card_ids: Sequence[str]) -> dict[str, list[dict]]:
    """card id → its log entries (``seq, id, kind, quality, day, undoes``;
    for a reschedule, the new ``due``; for an 'imported' entry, its
    ``after``), in the order they were stored."""
    return q.card_logs(db, card_ids)


# -- merged fields -------------------------------------------------------------------

#: (entity, eid, field, value as JSON text, l, c, device, base)
SyncField = tuple[str, str, str, str, int, int, str, str | None]

_FIELD_COLUMNS = "entity, eid, field, value, l, c, device, base"


def all_fields(db: Database, entity: str) -> dict[str, dict[str, SyncField]]:
    """eid → field → the winning record, for every object of ``entity``."""
    result: dict[str, dict[str, SyncField]] = {}
    for row in db.execute(f"SELECT {_FIELD_COLUMNS} FROM sync_fields WHERE entity = ?",
                          [entity]):
        result.setdefault(row[1], {})[row[2]] = tuple(row)
    return result


def fields_of(db: Database, entity: str, eids: Sequence[str]) -> dict[str, dict[str, SyncField]]:
    """Like ``all_fields``, for the objects ``eids`` only."""
    result: dict[str, dict[str, SyncField]] = {}
    for chunk in _chunks(list(eids)):
        for row in db.execute(f"SELECT {_FIELD_COLUMNS} FROM sync_fields WHERE entity = ? "
                              f"AND eid IN ({_marks(chunk)})", [entity, *chunk]):
            result.setdefault(row[1], {})[row[2]] = tuple(row)
    return result


def put_field(db: Database, record: SyncField) -> None:
    """Make ``record`` its field's winner."""
    db.execute(f"INSERT OR REPLACE INTO sync_fields({_FIELD_COLUMNS}) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(record))


def add_history(db: Database, record: SyncField) -> None:
    """Keep ``record`` among the values its field had (once)."""
    db.execute(f"INSERT OR IGNORE INTO sync_history({_FIELD_COLUMNS}) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(record))


def history_of(db: Database, entity: str, eid: str, field: str | None = None) -> list[SyncField]:
    """The values an object's fields (or one field) had besides the winners,
    oldest stamp first."""
    sql = f"SELECT {_FIELD_COLUMNS} FROM sync_history WHERE entity = ? AND eid = ?"
    params: list[Any] = [entity, eid]
    if field is not None:
        sql += " AND field = ?"
        params.append(field)
    return [tuple(r) for r in db.execute(sql + " ORDER BY l, c, device", params)]


def fields_with_history(db: Database) -> list[tuple[str, str, str]]:
    """(entity, eid, field) of every field with more than one value seen."""
    return [tuple(r) for r in db.execute(
        "SELECT DISTINCT entity, eid, field FROM sync_history ORDER BY entity, eid, field")]


# -- digests, segments, media --------------------------------------------------------


def digests(db: Database, entity: str) -> dict[str, str]:
    """eid → the digest recorded at the last merge, for ``entity``."""
    return dict(db.execute("SELECT eid, digest FROM sync_digests WHERE entity = ?",
                           [entity]).fetchall())


def set_digests(db: Database, entity: str, rows: Iterable[tuple[str, str]]) -> None:
    """Record (eid, digest) pairs for ``entity``."""
    db.conn.executemany("INSERT OR REPLACE INTO sync_digests(entity, eid, digest) VALUES (?, ?, ?)",
                        [(entity, eid, digest) for eid, digest in rows])


def delete_digests(db: Database, entity: str, eids: Iterable[str]) -> None:
    """Forget the digests of objects no longer in the collection."""
    db.conn.executemany("DELETE FROM sync_digests WHERE entity = ? AND eid = ?",
                        [(entity, eid) for eid in eids])


def merged_segments(db: Database) -> set[tuple[str, int, str]]:
    """(device, number, checksum) of every segment file merged so far."""
    return {tuple(r) for r in db.execute(
        "SELECT device, number, checksum FROM sync_segments")}


def add_segment(db: Database, device: str, number: int, checksum: str, entries: int,
                merged_ms: int) -> None:
    """Record a segment file as merged (``entries``: its log entries and
    changes; ``merged_ms``: when, in ms since the epoch)."""
    db.execute("INSERT OR IGNORE INTO sync_segments(device, number, checksum, entries, merged) "
               "VALUES (?, ?, ?, ?, ?)", [device, number, checksum, entries, merged_ms])


def media_hashes(db: Database) -> dict[str, tuple[int, int, str]]:
    """media name → (size, mtime in ns, SHA-256) as last hashed."""
    return {name: (size, mtime, sha) for name, size, mtime, sha in db.execute(
        "SELECT name, size, mtime_ns, sha256 FROM sync_media")}


def set_media_hash(db: Database, name: str, size: int, mtime_ns: int, sha256: str) -> None:
    """Remember a media file's SHA-256 (hex) at this size (bytes) and mtime (ns)."""
    db.execute("INSERT OR REPLACE INTO sync_media(name, size, mtime_ns, sha256) "
               "VALUES (?, ?, ?, ?)", [name, size, mtime_ns, sha256])


# -- the collection's objects, as merge sees them ------------------------------------


def decks_for_sync(db: Database) -> list[dict]:
    """Every deck: id, name, description, new_limit, review_limit,
    bury_siblings, exam_date, version, source_path."""
    return list(db.query(
        "SELECT id, name, description, new_limit, review_limit, bury_siblings, exam_date, "
        "version, source_path FROM decks ORDER BY id"))


def notes_for_sync(db: Database, note_ids: Sequence[str] | None = None) -> list[dict]:
    """Notes (all, or ``note_ids``): id, identity, deck_id, key, kind, fields
    (JSON text), tags (space-separated), source."""
    sql = ("SELECT n.id, n.identity, d.id AS deck_id, n.key, n.kind, n.fields, n.tags, n.source "
           "FROM notes n JOIN decks d ON d.did = n.deck")
    if note_ids is None:
        return list(db.query(sql + " ORDER BY n.id"))
    rows: list[dict] = []
    for chunk in _chunks(list(note_ids)):
        rows.extend(db.query(sql + f" WHERE n.id IN ({_marks(chunk)})", list(chunk)))
    return rows


def cards_for_sync(db: Database, note_ids: Sequence[str] | None = None) -> list[dict]:
    """Cards (all, or those of ``note_ids``): id, note_id, deck_id, ord."""
    sql = ("SELECT i.id, n.id AS note_id, d.id AS deck_id, c.ord FROM cards c "
           "JOIN card_ids i ON i.cid = c.cid JOIN notes n ON n.nid = c.nid "
           "JOIN decks d ON d.did = c.deck")
    if note_ids is None:
        return list(db.query(sql + " ORDER BY i.id"))
    rows: list[dict] = []
    for chunk in _chunks(list(note_ids)):
        rows.extend(db.query(sql + f" WHERE n.id IN ({_marks(chunk)})", list(chunk)))
    return rows


def set_note_deck(db: Database, note_id: str, deck_id: str) -> None:
    """Put a note (not its cards) in another deck."""
    db.execute("UPDATE notes SET deck = (SELECT did FROM decks WHERE id = ?) WHERE id = ?",
               [deck_id, note_id])


def deck_in_use(db: Database, deck_id: str) -> bool:
    """Whether any note or card is in ``deck_id``."""
    return bool(db.execute("SELECT EXISTS(SELECT 1 FROM notes n JOIN decks d ON d.did = n.deck "
                           "WHERE d.id = ?) OR EXISTS(SELECT 1 FROM cards c JOIN decks d "
                           "ON d.did = c.deck WHERE d.id = ?)",
                           [deck_id, deck_id]).fetchone()[0])


def delete_deck(db: Database, deck_id: str) -> None:
    """Remove an empty deck (see ``deck_in_use``)."""
    db.execute("DELETE FROM decks WHERE id = ?", [deck_id])


# -- the class summary ---------------------------------------------------------------


def topic_cards(db: Database, deck_ids: Sequence[str]) -> list[tuple]:
    """(deck id, tags, type, interval) of every card in ``deck_ids``."""
    rows: list[tuple] = []
    for chunk in _chunks(list(deck_ids)):
        rows.extend(tuple(r) for r in db.execute(
            "SELECT d.id, n.tags, c.type, c.interval FROM cards c JOIN decks d ON d.did = c.deck "
            f"JOIN notes n ON n.nid = c.nid WHERE d.id IN ({_marks(chunk)})",
            list(chunk)).fetchall())
    return rows


def topic_answers(db: Database, deck_ids: Sequence[str], first_day: int) -> list[tuple]:
    """Per card of ``deck_ids`` with answers: (deck id, tags, last day
    answered, review answers passed since ``first_day``, review answers since
    ``first_day``). Undone answers and drills do not count."""
    rows: list[tuple] = []
    for chunk in _chunks(list(deck_ids)):
        review, redrill = q.KIND_CODES["review"], q.KIND_CODES["redrill"]
        rows.extend(tuple(r) for r in db.execute(
            "SELECT d.id, n.tags, max(r.day), "
            f"coalesce(sum(r.day >= ? AND r.kind = {review} AND r.was_new = 0 "
            "AND r.quality >= 3), 0), "
            f"coalesce(sum(r.day >= ? AND r.kind = {review} AND r.was_new = 0), 0) "
            "FROM revlog r JOIN cards c ON c.cid = r.card JOIN notes n ON n.nid = c.nid "
            f"JOIN decks d ON d.did = c.deck WHERE d.id IN ({_marks(chunk)}) "
            f"AND r.kind IN ({review}, {redrill}) "
            "AND NOT EXISTS (SELECT 1 FROM revlog u WHERE u.undoes = r.seq) GROUP BY c.cid",
            [first_day, first_day, *chunk]).fetchall())
    return rows


def weakest_cards(db: Database, deck_ids: Sequence[str], limit: int) -> list[dict]:
    """The studied cards of ``deck_ids`` that stick least: most lapses, then
    lowest ease, then shortest interval. Dicts with id, note_id, deck_id,
    ord, kind, fields (JSON text), lapses, ease, interval, answers."""
    if not deck_ids:
        return []
    ids = list(deck_ids)
    return list(db.query(
        "SELECT i.id, n.id AS note_id, d.id AS deck_id, c.ord, n.kind, n.fields, c.lapses, "
        "c.ease, c.interval, c.answers FROM cards c JOIN card_ids i ON i.cid = c.cid "
        "JOIN notes n ON n.nid = c.nid JOIN decks d ON d.did = c.deck "
        f"WHERE c.type = 2 AND d.id IN ({_marks(ids)}) AND (c.lapses > 0 OR c.ease < 250) "
        "ORDER BY c.lapses DESC, c.ease, c.interval, i.id LIMIT ?", [*ids, limit]))


def pointing_at(db: Database, entity: str, field: str, values: Sequence[str]) -> list[str]:
    """Objects of ``entity`` whose merged ``field`` is one of ``values``
    (JSON texts), e.g. the notes and cards that belong in decks just made."""
    found: list[str] = []
    for chunk in _chunks(list(values)):
        found.extend(r[0] for r in db.execute(
            f"SELECT eid FROM sync_fields WHERE entity = ? AND field = ? "
            f"AND value IN ({_marks(chunk)})", [entity, field, *chunk]))
    return found


def notes_waiting(db: Database) -> list[str]:
    """Notes the merge says exist that the collection does not have yet
    (waiting for their deck, or refused until a valid version arrives)."""
    return [r[0] for r in db.execute(
        "SELECT f.eid FROM sync_fields f WHERE f.entity = 'note' AND f.field = 'alive' "
        "AND f.value = 'true' AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.id = f.eid)")]
