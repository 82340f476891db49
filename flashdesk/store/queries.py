"""Every query of the collection, as named functions with bound parameters.

Functions that write do not commit on their own when called inside
``db.atomic()``; the collection decides where a transaction begins and ends.

The functions take and return the stable text ids (deck, note and card ids,
log entries' UUIDs); underneath, tables are joined and indexed on integer row
ids (``decks.did``, ``notes.nid``, ``cards.cid`` = ``card_ids.cid``,
``revlog.seq``), and the review log keeps its states in typed integer columns
(see ``schema.m005_compact``).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from typing import Iterable, Iterator, Mapping, Sequence

from sqlite_utils import Database

from ..model import CardSchedule

# -- config -------------------------------------------------------------------


def get_config(db: Database, key: str, default=None):
    """The JSON value stored under ``key`` in the config table, or ``default``."""
    row = db.execute("SELECT value FROM config WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def set_config(db: Database, key: str, value) -> None:
    """Store ``value`` (anything JSON can hold) under ``key``, replacing any value."""
    db.execute("INSERT INTO config(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               [key, json.dumps(value)])


def delete_config(db: Database, key: str) -> None:
    """Remove ``key`` from the config table (nothing happens if it is absent)."""
    db.execute("DELETE FROM config WHERE key = ?", [key])


# -- decks ----------------------------------------------------------------------

DECK_COLUMNS = ("id, name, description, version, source_path, new_limit, review_limit, "
                "bury_siblings, exam_date")


def list_decks(db: Database) -> list[dict]:
    """Every deck as a dict of ``DECK_COLUMNS``, by name (case-insensitive)."""
    return list(db.query(f"SELECT {DECK_COLUMNS} FROM decks ORDER BY name COLLATE NOCASE"))


def get_deck(db: Database, deck_id: str) -> dict | None:
    """The deck ``deck_id`` (text id) as a dict of ``DECK_COLUMNS``, or None."""
    return next(db.query(f"SELECT {DECK_COLUMNS} FROM decks WHERE id = ?", [deck_id]), None)


def deck_by_name(db: Database, name: str) -> dict | None:
    """The deck whose full name (``Parent::Child``) is ``name``, ignoring case, or None."""
    return next(db.query(f"SELECT {DECK_COLUMNS} FROM decks WHERE name = ? COLLATE NOCASE",
                         [name]), None)


def insert_deck(db: Database, row: dict) -> None:
    """Add a deck: ``row`` holds id, name, description, version, source_path and
    ``now`` (ms since the epoch, UTC)."""
    db.execute(
        "INSERT INTO decks(id, name, description, version, source_path, created, modified) "
        "VALUES (:id, :name, :description, :version, :source_path, :now, :now)", row)


def update_deck(db: Database, row: dict) -> None:
    """Rewrite a deck's name, description, version and source path (``row`` as
    for ``insert_deck``)."""
    db.execute(
        "UPDATE decks SET name = :name, description = :description, version = :version, "
        "source_path = :source_path, modified = :now WHERE id = :id", row)


def set_deck_study_options(db: Database, deck_id: str, *, bury_siblings: bool | None = None,
                           exam_date: str | None | bool = False) -> None:
    """Sibling burying (None: unchanged) and the exam date (ISO text; None
    clears it; False: unchanged)."""
    if bury_siblings is not None:
        db.execute("UPDATE decks SET bury_siblings = ? WHERE id = ?", [int(bury_siblings), deck_id])
    if exam_date is not False:
        db.execute("UPDATE decks SET exam_date = ? WHERE id = ?", [exam_date, deck_id])


def set_deck_limits(db: Database, deck_id: str, new_limit: int, review_limit: int) -> None:
    """A deck's daily limits: new cards and reviews a day (cards)."""
    db.execute("UPDATE decks SET new_limit = ?, review_limit = ? WHERE id = ?",
               [new_limit, review_limit, deck_id])


# -- ids ------------------------------------------------------------------------

#: a card's row id from its text id
_CID = "(SELECT cid FROM card_ids WHERE id = ?)"
_DID = "(SELECT did FROM decks WHERE id = ?)"
_NID = "(SELECT nid FROM notes WHERE id = ?)"


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _chunks(values: Sequence, size: int = 500) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def uid_bytes(entry_id: str, ts: int | None = None) -> bytes | str:
    """A log entry's UUID as stored: its last 10 bytes when its first 6 are
    the entry's time ``ts`` (ms since the epoch: a UUIDv7 made then), else
    its 16 bytes (an id that is not a UUID in canonical spelling is stored
    as it is)."""
    if len(entry_id) == 36 and entry_id[8] == entry_id[13] == entry_id[18] == entry_id[23] == "-":
        plain = entry_id.replace("-", "", 4)
        try:
            raw = bytes.fromhex(plain)
        except ValueError:
            return entry_id
        if len(raw) == 16 and raw.hex() == plain:  # lower-case hex: the canonical spelling
            if ts is not None and 0 <= ts < 1 << 48 and raw[:6] == ts.to_bytes(6, "big"):
                return raw[6:]
            return raw
    return entry_id


def uid_text(stored: bytes | str, ts: int | None = None) -> str:
    """A stored log entry id as text (``uid_bytes`` undone; ``ts``: the
    entry's time, for the 10-byte form)."""
    if isinstance(stored, bytes):
        if len(stored) == 10 and ts is not None:
            stored = ts.to_bytes(6, "big") + stored
        return str(uuid.UUID(bytes=stored))
    return stored


def deck_rowids(db: Database, deck_ids: Iterable[str]) -> dict[str, int]:
    """deck id → its row id, for the decks that exist."""
    ids = list(deck_ids)
    out: dict[str, int] = {}
    for chunk in _chunks(ids):
        out.update(db.execute(f"SELECT id, did FROM decks WHERE id IN ({_marks(len(chunk))})",
                              chunk).fetchall())
    return out


# -- counts -------------------------------------------------------------------


def count_unstudied(db: Database) -> dict[str, int]:
    """deck id → cards never answered, buried ones included (an exam plan's new cards)."""
    return dict(db.execute(
        "SELECT d.id, g.n FROM (SELECT deck, count(*) AS n FROM cards WHERE type = 0 "
        "AND queue IN (0, -2) GROUP BY deck) g JOIN decks d ON d.did = g.deck").fetchall())












#: ``LogKind`` as stored in ``revlog.kind``
KIND_CODES = {"review": 0, "redrill": 1, "reset": 2, "undo": 3, "cram": 4, "reschedule": 5,
              "imported": 6}
_KIND_NAMES = {code: name for name, code in KIND_CODES.items()}
_REVIEW, _REDRILL = KIND_CODES["review"], KIND_CODES["redrill"]
_NOT_UNDONE = "NOT EXISTS (SELECT 1 FROM revlog u WHERE u.undoes = r.seq)"


def done_today(db: Database, today: int) -> dict[str, tuple[int, int]]:
    """deck id → (new cards introduced, reviews answered) on ``today``, first answers only."""
    rows = db.execute(
        "SELECT d.id, sum(r.was_new), sum(1 - r.was_new) FROM revlog r "
        "JOIN cards c ON c.cid = r.card JOIN decks d ON d.did = c.deck "
        f"WHERE r.day = ? AND r.kind = {_REVIEW} AND {_NOT_UNDONE} GROUP BY c.deck",
        [today]).fetchall()
    return {deck: (new, rev) for deck, new, rev in rows}


# -- study --------------------------------------------------------------------


def roll_over(db: Database, today: int) -> None:
    """Start a new study day: unbury, and end yesterday's re-drills."""
    db.execute("UPDATE cards SET queue = type, buried_day = NULL "
               "WHERE queue = -2 AND buried_day < ?", [today])
    db.execute("UPDATE cards SET queue = 2, redrill_seq = 0 WHERE queue = 1 AND last_day < ?",
               [today])


def due_card_ids(db: Database, deck_id: str, today: int, limit: int) -> list[tuple[int, str]]:
    """Review cards of deck ``deck_id`` (not its sub-decks) due on study day
    ``today`` or before: (due day, card id) pairs, soonest first, at most ``limit``."""
    return db.execute(
        "SELECT c.due, i.id FROM cards c JOIN card_ids i ON i.cid = c.cid "
        f"WHERE c.deck = {_DID} AND c.queue = 2 AND c.due <= ? ORDER BY c.due, i.id LIMIT ?",
        [deck_id, today, limit]).fetchall()


def new_card_ids(db: Database, deck_id: str, limit: int) -> list[str]:
    """Ids of the new cards of deck ``deck_id`` (not its sub-decks) in their
    new-card order, at most ``limit``."""
    return [r[0] for r in db.execute(
        "SELECT i.id FROM cards c JOIN card_ids i ON i.cid = c.cid "
        f"WHERE c.deck = {_DID} AND c.queue = 0 ORDER BY c.new_pos LIMIT ?", [deck_id, limit])]


def learning_card_ids(db: Database, deck_ids: Iterable[str]) -> list[tuple[int, str]]:
    """(re-drill sequence, card id) of the cards of these decks owed a re-drill
    today (queue 1)."""
    dids = list(deck_rowids(db, deck_ids).values())
    return db.execute("SELECT c.redrill_seq, i.id FROM cards c JOIN card_ids i ON i.cid = c.cid "
                      f"WHERE c.queue = 1 AND c.deck IN ({_marks(len(dids))})", dids).fetchall()


def last_seq(db: Database) -> int:
    """The sequence number of the newest review-log entry (0 for an empty log)."""
    return db.execute("SELECT coalesce(max(seq), 0) FROM revlog").fetchone()[0]


def latest_log_day(db: Database) -> int:
    """The latest study day of any log entry (0 for an empty log)."""
    return db.execute("SELECT coalesce(max(day), 0) FROM revlog").fetchone()[0]


def data_version(db: Database) -> int:
    """Changes when another connection commits to the file (SQLite's
    ``PRAGMA data_version``)."""
    return db.execute("PRAGMA data_version").fetchone()[0]


SCHEDULE_COLUMNS = ("type", "queue", "reps", "ease", "interval", "due", "lapses", "last_day",
                    "buried_day", "redrill_seq")
_CARD_SELECT = (
    "SELECT i.id, c.cid, n.id AS note_id, d.id AS deck_id, c.ord, "
    + ", ".join(f"c.{c}" for c in SCHEDULE_COLUMNS)
    + ", n.kind, n.fields, n.tags, n.source, d.name AS deck_name, "
    "(SELECT count(*) FROM cards s WHERE s.nid = c.nid) AS siblings "
    "FROM card_ids i JOIN cards c ON c.cid = i.cid JOIN notes n ON n.nid = c.nid "
    "JOIN decks d ON d.did = c.deck ")


_GET_CARD = _CARD_SELECT + "WHERE i.id = ?"


_CARD_NAMES: list[str] = []  # the column names of _CARD_SELECT, read once


def get_card(db: Database, card_id: str) -> dict | None:
    """One card with its note's fields and its deck's name (the study path:
    one plain statement, no savepoint around it)."""
    cursor = db.conn.execute(_GET_CARD, [card_id])
    row = cursor.fetchone()
    if row is None:
        return None
    if not _CARD_NAMES:
        _CARD_NAMES.extend(d[0] for d in cursor.description)
    return dict(zip(_CARD_NAMES, row))


_ANSWER_CARD = (
    _CARD_SELECT.replace("SELECT ", "SELECT c.last_seq, " + ", ".join(
        f"p.a_{c}" for c in SCHEDULE_COLUMNS) + ", ", 1)
    + "LEFT JOIN revlog p ON p.seq = c.last_seq WHERE i.id = ?")


def answer_card(db: Database, card_id: str) -> dict | None:
    """``get_card`` for answering it: the row also holds ``latest_after``, the
    card's state after its latest log entry (``UNKNOWN`` when that is not
    known), which ``insert_log`` takes to write the entry's state before.
    One statement."""
    cursor = db.conn.execute(_ANSWER_CARD, [card_id])
    row = cursor.fetchone()
    if row is None:
        return None
    width = 1 + len(SCHEDULE_COLUMNS)
    out = dict(zip([d[0] for d in cursor.description[width:]], row[width:]))
    out["latest_after"] = (_NEW_STATE if row[0] is None else
                           UNKNOWN if row[1] is None else tuple(row[1:width]))
    return out


_SET_SCHEDULE = ("UPDATE cards SET " + ", ".join(f"{c} = :{c}" for c in SCHEDULE_COLUMNS)
                 + ", answers = answers + :answers WHERE cid = ")


def set_schedule(db: Database, card_id: str, schedule, answers: int = 0, *,
                 rowid: int | None = None, last_seq: int | None = None,
                 was=None) -> None:
    """Write a card's ``CardSchedule`` and add ``answers`` (+1 for an
    answer, -1 for an undone one) to its count of answers: one statement.
    ``rowid``: the card's ``cid`` when the caller has it (saves a look-up);
    ``last_seq``: the log entry just written with this state as its after
    state (``insert_log`` was told the caller keeps ``cards.last_seq``);
    ``was``: the schedule the card has now, when known: only what changes is
    written (and only the indexes of those columns are touched)."""
    params = {**schedule.to_dict(), "answers": answers}
    if was is not None:
        changed = tuple(c for c in SCHEDULE_COLUMNS if getattr(was, c) != params[c])
        sql = _changed_schedule(changed, answers != 0, last_seq is not None)
    else:
        sql = _SET_SCHEDULE if last_seq is None else _SET_SCHEDULE.replace(
            " WHERE", ", last_seq = :last_seq WHERE")
    if rowid is None:
        db.conn.execute(sql + "(SELECT cid FROM card_ids WHERE id = :card_id)",
                        {**params, "card_id": card_id, "last_seq": last_seq})
    else:
        db.conn.execute(sql + ":cid", {**params, "cid": rowid, "last_seq": last_seq})


@functools.lru_cache(maxsize=256)
def _changed_schedule(columns: tuple[str, ...], answers: bool, last_seq: bool) -> str:
    sets = [f"{c} = :{c}" for c in columns] + (["answers = answers + :answers"] if answers else [])
    sets += ["last_seq = :last_seq"] if last_seq else []
    return f"UPDATE cards SET {', '.join(sets) or 'cid = cid'} WHERE cid = "


def bury_siblings(db: Database, card_id: str, note_id: str, today: int) -> list[str]:
    """Bury the other cards of ``note_id`` that today's study would show
    (new, or reviews due today) until the next study day; their ids."""
    # one statement on the answer path: the update says which cards it buried
    return [r[0] for r in db.conn.execute(
        f"UPDATE cards SET queue = -2, buried_day = ? WHERE nid = {_NID} AND cid != {_CID} "
        "AND (queue = 0 OR (queue = 2 AND due <= ?)) "
        "RETURNING (SELECT i.id FROM card_ids i WHERE i.cid = cards.cid)",
        [today, note_id, card_id, today]).fetchall()]


def unbury(db: Database, card_ids: Sequence[str], day: int) -> None:
    """Give back cards buried on study ``day`` (and still buried) to their queue."""
    db.conn.executemany("UPDATE cards SET queue = type, buried_day = NULL "
                        f"WHERE cid = {_CID} AND queue = -2 AND buried_day = ?",
                        [(c, day) for c in card_ids])


def set_due(db: Database, card_id: str, due: int) -> None:
    """A card's due day (study day, days since 1970-01-01), nothing else."""
    db.execute(f"UPDATE cards SET due = ? WHERE cid = {_CID}", [due, card_id])


def _deck_in(db: Database, deck_ids: Sequence[str], column: str = "c.deck") -> tuple[str, list]:
    dids = list(deck_rowids(db, deck_ids).values())
    return f"{column} IN ({_marks(len(dids))})", dids


def review_cards_due_from(db: Database, deck_ids: Sequence[str], first_day: int) -> list[dict]:
    """Review cards of these decks (not suspended) due on ``first_day`` or later."""
    where, dids = _deck_in(db, deck_ids)
    return list(db.query(
        f"SELECT i.id, {', '.join(f'c.{c}' for c in SCHEDULE_COLUMNS)} FROM cards c "
        f"JOIN card_ids i ON i.cid = c.cid WHERE {where} AND c.type = 2 AND c.queue != -1 "
        "AND c.due >= ?", [*dids, first_day]))


def exam_progress(db: Database, deck_ids: Sequence[str], exam: int, final_from: int) -> dict:
    """For an exam plan: the cards of these decks (not suspended), the new
    ones among them, and those on track (studied, and due before the exam or
    last answered on ``final_from`` or later)."""
    where, dids = _deck_in(db, deck_ids)
    cards, new, on_track = db.execute(
        "SELECT count(*), coalesce(sum(c.type = 0), 0), coalesce(sum(c.type = 2 AND "
        f"(c.due < ? OR c.last_day >= ?)), 0) FROM cards c WHERE {where} AND c.queue != -1",
        [exam, final_from, *dids]).fetchone()
    return {"cards": cards, "new": new, "on_track": on_track}


def due_ahead_ids(db: Database, deck_ids: Sequence[str], today: int, until: int) -> list[str]:
    """Review cards due after today and by ``until`` and not answered today,
    soonest first (review ahead)."""
    where, dids = _deck_in(db, deck_ids)
    return [r[0] for r in db.execute(
        f"SELECT i.id FROM cards c JOIN card_ids i ON i.cid = c.cid WHERE {where} "
        "AND c.queue = 2 AND c.due > ? AND c.due <= ? AND coalesce(c.last_day, -1) < ? "
        "ORDER BY c.due, i.id",
        [*dids, today, until, today])]


def forgotten_ids(db: Database, deck_ids: Sequence[str], first_day: int) -> list[str]:
    """Cards answered below Hard on ``first_day`` or later (not undone), not suspended."""
    where, dids = _deck_in(db, deck_ids)
    return [r[0] for r in db.execute(
        "SELECT DISTINCT i.id FROM revlog r JOIN cards c ON c.cid = r.card "
        f"JOIN card_ids i ON i.cid = c.cid WHERE {where} AND c.queue != -1 AND r.day >= ? "
        f"AND r.kind IN ({_REVIEW}, {_REDRILL}) AND r.quality < 3 AND {_NOT_UNDONE} "
        "ORDER BY c.new_pos", [*dids, first_day])]


def drill_ids(db: Database, deck_ids: Sequence[str], tag: str | None) -> list[str]:
    """Every card of these decks (not suspended), or those whose note has
    ``tag``: studied cards first (soonest due), then new ones."""
    where, dids = _deck_in(db, deck_ids)
    extra, params = "", []
    if tag:
        extra, params = " AND (' ' || n.tags || ' ') LIKE ?", [f"% {tag} %"]
    return [r[0] for r in db.execute(
        "SELECT i.id FROM cards c JOIN card_ids i ON i.cid = c.cid JOIN notes n ON n.nid = c.nid "
        f"WHERE {where} AND c.queue != -1{extra} ORDER BY c.type = 0, c.due, c.new_pos",
        [*dids, *params])]


def changed_after(db: Database, card_id: str, seq: int) -> bool:
    """Whether the log holds an entry after ``seq`` that changed the state
    of ``card_id`` and has not been undone (from any process): an answer,
    a re-drill, a reset, an exam plan's reschedule or an import of progress
    (a cram answer changes no state)."""
    return db.execute(
        f"SELECT EXISTS (SELECT 1 FROM revlog r WHERE r.card = {_CID} AND r.seq > ? "
        f"AND r.kind IN ({', '.join(str(KIND_CODES[k]) for k in _STATE_KINDS)}) "
        f"AND {_NOT_UNDONE})", [card_id, seq]).fetchone()[0] == 1


#: the kinds of log entry that change a card's state
_STATE_KINDS = ("review", "redrill", "reset", "reschedule", "imported")


def card_states(db: Database, card_ids: Sequence[str]) -> list[dict]:
    """id, deck_id, queue, buried_day and every schedule column (with
    ``answers`` and ``new_pos``) of these cards, for undo."""
    cols = ", ".join(f"c.{c}" for c in SCHEDULE_COLUMNS)
    rows: list[dict] = []
    for chunk in _chunks(card_ids):
        rows.extend(db.query(
            f"SELECT i.id, d.id AS deck_id, c.answers, c.new_pos, {cols} FROM card_ids i "
            "JOIN cards c ON c.cid = i.cid JOIN decks d ON d.did = c.deck "
            f"WHERE i.id IN ({_marks(len(chunk))})", chunk))
    return rows


def restore_queue(db: Database, rows: Sequence[tuple[int, int | None, str, int]]) -> None:
    """rows: (queue, buried_day, card id, expected current queue): put a
    card's queue back only where nobody changed it since."""
    db.conn.executemany(f"UPDATE cards SET queue = ?, buried_day = ? WHERE cid = {_CID} "
                        "AND queue = ?", rows)


def restore_schedules(db: Database, rows: Sequence[dict]) -> None:
    """Write back whole card states taken with ``card_states``."""
    assigns = ", ".join(f"{c} = :{c}" for c in (*SCHEDULE_COLUMNS, "answers", "new_pos"))
    db.conn.executemany(
        f"UPDATE cards SET {assigns} WHERE cid = (SELECT cid FROM card_ids WHERE id = :id)", rows)


def set_card_decks(db: Database, rows: Sequence[tuple[str, str, str]]) -> None:
    """rows: (deck id, card id, expected current deck id)."""
    db.conn.executemany(f"UPDATE cards SET deck = {_DID} WHERE cid = {_CID} AND deck = {_DID}",
                        rows)


def note_text_row(db: Database, note_id: str) -> dict | None:
    """A note's fields and the columns derived from them."""
    return next(db.query("SELECT id, fields, checksum, sort_text, search_text, tags FROM notes "
                         "WHERE id = ?", [note_id]), None)


def reset_cards(db: Database, card_ids: Sequence[str], start_pos: int) -> None:
    """Put these cards back to new (SM-2 state, answers and lapses cleared),
    numbered in the new-card order from ``start_pos``."""
    db.conn.executemany(
        "UPDATE cards SET type = 0, queue = 0, reps = 0, ease = 250, interval = 0, due = NULL, "
        "lapses = 0, last_day = NULL, buried_day = NULL, redrill_seq = 0, answers = 0, new_pos = ? "
        f"WHERE cid = {_CID}", [(start_pos + i, c) for i, c in enumerate(card_ids)])


def set_queue(db: Database, card_ids: Sequence[str], queue: int, buried_day: int | None = None) -> None:
    """Suspend (-1) or bury (-2); burying leaves suspended cards suspended."""
    db.conn.executemany(f"UPDATE cards SET queue = ?, buried_day = ? WHERE cid = {_CID} "
                        "AND NOT (? = -2 AND queue = -1)",
                        [(queue, buried_day, cid, queue) for cid in card_ids])


def unsuspend(db: Database, card_ids: Sequence[str], today: int) -> None:
    """Back to where the card was: a re-drill still owed today returns to learning."""
    db.conn.executemany(
        "UPDATE cards SET queue = CASE WHEN type = 2 AND last_day = ? AND redrill_seq > 0 "
        f"THEN 1 ELSE type END WHERE cid = {_CID} AND queue = -1",
        [(today, cid) for cid in card_ids])


# -- the review log -----------------------------------------------------------------

_AFTER_COLUMNS = tuple(f"a_{c}" for c in SCHEDULE_COLUMNS)
#: ``revlog.before``: NULL – the after state of the card's latest earlier entry
#: that has one (the new card's state for its first); 0 – none; 1 – in ``revlog_before``
_BEFORE_NONE, _BEFORE_STORED = 0, 1
_NEW_STATE = (0, 0, 0, 250, 0, None, 0, None, None, 0)
#: ``latest_after`` when the card's state after its latest entry is not known
#: (the state before is then stored whatever it is)
UNKNOWN = ("unknown",)
_INSERT_LOG = (
    "INSERT INTO revlog (uid, card, ts, day, kind, quality, was_new, time_ms, undoes, before, "
    + ", ".join(_AFTER_COLUMNS) + f", a_answers) VALUES ({_marks(11 + len(_AFTER_COLUMNS))})")
_LATEST_AFTER = ("SELECT " + ", ".join(_AFTER_COLUMNS) + " FROM revlog WHERE card = ? "
                 "AND seq < ? AND a_type IS NOT NULL ORDER BY seq DESC LIMIT 1")
_CARD_LATEST = ("SELECT c.last_seq, " + ", ".join(f"p.{c}" for c in _AFTER_COLUMNS)
                + " FROM cards c LEFT JOIN revlog p ON p.seq = c.last_seq WHERE c.cid = ?")


def _is_mapping(value: object) -> bool:
    """``isinstance(value, Mapping)``, without the abstract class's check
    for the two types every answer passes (a dict, a ``CardSchedule``)."""
    return type(value) is dict or (type(value) is not CardSchedule and isinstance(value, Mapping))


def _state(s) -> tuple:
    """A ``CardSchedule`` (or a mapping of its fields) as the values of ``SCHEDULE_COLUMNS``."""
    if _is_mapping(s):
        return tuple(s.get(c) for c in SCHEDULE_COLUMNS)
    return (s.type, s.queue, s.reps, s.ease, s.interval, s.due, s.lapses, s.last_day,
            s.buried_day, s.redrill_seq)


def _latest_after(db: Database, cid: int, before_seq: int) -> tuple:
    """The card's state after its latest entry before ``before_seq`` that has
    one; the new card's state when there is none."""
    row = db.conn.execute(_LATEST_AFTER, [cid, before_seq]).fetchone()
    return tuple(row) if row is not None else _NEW_STATE


def _card_latest(db: Database, cid: int) -> tuple:
    """The card's state after its latest log entry that has one (see
    ``cards.last_seq``); ``UNKNOWN`` when the card has no row or that is not known."""
    row = db.conn.execute(_CARD_LATEST, [cid]).fetchone()
    if row is None or (row[0] is not None and row[1] is None):
        return UNKNOWN
    return _NEW_STATE if row[0] is None else tuple(row[1:])


def _card_rowid(db: Database, card_id: str) -> int:
    row = db.conn.execute("SELECT cid FROM card_ids WHERE id = ?", [card_id]).fetchone()
    if row is not None:
        return row[0]
    return int(db.conn.execute("INSERT INTO card_ids (id) VALUES (?)", [card_id]).lastrowid or 0)


_DAY_DROP = "DELETE FROM revlog_days WHERE day = ?"


def _write_log(db: Database, entry: dict, cid: int, previous: tuple | None, *,
               keep_last: bool = True,
               days: set[int] | None = None) -> tuple[int, tuple | None]:
    """Append one entry and (with ``keep_last``) keep ``cards.last_seq``; the
    figures kept for its day (``revlog_days``) are dropped, to be worked out
    again (the days are noted in ``days`` instead when given); ``previous``
    is the card's latest after state (None: read it). Returns the entry's seq
    and the card's latest after state now."""
    conn = db.conn
    before, after = entry["before"], entry["after"]
    flag, explicit = None, None
    if before is None:
        flag = _BEFORE_NONE
    else:
        state = _state(before)
        if previous is None:
            previous = _card_latest(db, cid)
        if state != previous:
            flag, explicit = _BEFORE_STORED, state
    undoes = entry.get("undoes")
    undone = None
    if undoes is not None:  # a recent entry: looked for from the end of the log
        full = uid_bytes(undoes)
        short = full[6:] if isinstance(full, bytes) else full
        at = int.from_bytes(full[:6], "big") if isinstance(full, bytes) else None
        found = conn.execute("SELECT seq, day, kind, was_new, quality FROM revlog WHERE card = ? "
                             "AND (uid = ? OR (uid = ? AND ts = ?)) ORDER BY seq DESC LIMIT 1",
                             [cid, full, short, at]).fetchone()
        undone = found[0] if found is not None else None
        if found is not None and found[2] in (_REVIEW, _REDRILL):
            _drop_day(conn, days, found[1])
    seq = int(conn.execute(_INSERT_LOG, [
        entry.get("uid") or uid_bytes(entry["id"], entry["ts"]), cid, entry["ts"], entry["day"],
        KIND_CODES[entry["kind"]],
        entry["quality"], entry["was_new"], entry["time_ms"], undone, flag,
        *(_state(after) if after is not None else (None,) * len(_AFTER_COLUMNS)),
        after.get("answers") if _is_mapping(after) else None]).lastrowid or 0)
    if entry["kind"] in ("review", "redrill"):
        _drop_day(conn, days, entry["day"])
    if explicit is not None:
        conn.execute(f"INSERT INTO revlog_before VALUES ({_marks(11)})", [seq, *explicit])
    if after is not None and keep_last:
        conn.execute("UPDATE cards SET last_seq = ? WHERE cid = ?", [seq, cid])
    if undoes is not None and undone is None:
        conn.execute("INSERT INTO revlog_undoes_uid (seq, undoes) VALUES (?, ?)",
                     [seq, uid_bytes(undoes)])
    return seq, (_state(after) if after is not None else previous)


def _drop_day(conn, days: set[int] | None, day: int) -> None:
    """A day's answers changed: its kept figures no longer hold. (For
    today's answers there are none: nothing is written.)"""
    if days is None:
        conn.execute(_DAY_DROP, [day])
    else:
        days.add(day)


def insert_log(db: Database, entry: dict, card_row: dict | None = None) -> int:
    """Append a review-log entry (``id``: its UUID; ``card_id``; ``kind``: a
    ``LogKind`` value; ``before``/``after``: ``CardSchedule``, a mapping
    of its fields (an 'imported' entry's ``after`` also has ``answers``), or
    None; ``undoes``: the id of the entry it takes back, or None); returns its
    sequence number. ``card_row``: the card as ``answer_card`` read it in
    this transaction (saves reading it again); the caller then writes the
    card's state with ``set_schedule(…, last_seq=<this seq>)``."""
    if card_row is not None:
        return _write_log(db, entry, card_row["cid"], card_row["latest_after"],
                          keep_last=False)[0]
    return _write_log(db, entry, _card_rowid(db, entry["card_id"]), None)[0]


def insert_logs(db: Database, entries: Sequence[dict]) -> None:
    """Append many review-log entries at once (shaped as for ``insert_log``),
    in order: tools that write a whole history (benchmarks, conversions)."""
    cids: dict[str, int] = {}
    latest: dict[int, tuple | None] = {}
    days: set[int] = set()
    for entry in entries:
        card = entry["card_id"]
        cid = cids.get(card)
        if cid is None:
            cid = cids[card] = _card_rowid(db, card)
        _seq, latest[cid] = _write_log(db, entry, cid, latest.get(cid), days=days)
    db.conn.executemany(_DAY_DROP, [(day,) for day in days])


_LOG_SELECT = (
    "SELECT r.seq, r.uid, i.id AS card_id, r.card, r.ts, r.day, r.kind, r.quality, r.was_new, "
    "r.time_ms, coalesce(u.uid, x.undoes) AS undoes, u.ts AS undone_ts, r.before, r.a_answers, "
    + ", ".join(f"r.{c}" for c in _AFTER_COLUMNS) + ", "
    + ", ".join(f"b.{c}" for c in SCHEDULE_COLUMNS)
    + " FROM revlog r JOIN card_ids i ON i.cid = r.card LEFT JOIN revlog u ON u.seq = r.undoes "
    "LEFT JOIN revlog_undoes_uid x ON x.seq = r.seq "
    "LEFT JOIN revlog_before b ON b.seq = r.seq AND r.before = 1 ")


def _state_dict(values: Sequence, answers: int | None = None) -> dict:
    state = dict(zip(SCHEDULE_COLUMNS, values))
    if answers is not None:
        state["answers"] = answers
    return state


def _state_json(values: Sequence, answers: int | None = None) -> str:
    return json.dumps(_state_dict(values, answers))


def _log_dicts(db: Database, rows: Iterable[tuple], *, whole: bool, contiguous: bool = False,
               decoded: bool = False) -> list[dict]:
    """Log rows (``_LOG_SELECT``, oldest first) as the entries ``insert_log``
    was given: text ids, the kind's name, states as JSON (``CardSchedule.to_dict``;
    with ``decoded``, as dicts). ``whole``: the rows hold every entry of their
    cards from the first on, so a state before is the after state of the
    card's previous row; ``contiguous``: the rows hold every entry from some
    point of the log on (the first of each card looks back)."""
    out = []
    width = len(SCHEDULE_COLUMNS)
    latest: dict[int, tuple] = {}
    state = _state_dict if decoded else _state_json
    for row in rows:
        seq, uid, card_id, cid, ts, day, kind, quality, was_new, time_ms, undoes, undone_ts, flag, \
            answers = row[:14]
        after = tuple(row[14:14 + width])
        if flag == _BEFORE_NONE:
            before = None
        elif flag == _BEFORE_STORED:
            before = state(row[14 + width:])
        else:
            previous = latest.get(cid) if whole or contiguous else None
            before = state(previous if previous is not None
                           else _NEW_STATE if whole else _latest_after(db, cid, seq))
        if after[0] is not None:
            latest[cid] = after
        out.append({"seq": seq, "id": uid_text(uid, ts), "card_id": card_id, "ts": ts, "day": day,
                    "kind": _KIND_NAMES[kind], "quality": quality, "was_new": was_new,
                    "time_ms": time_ms, "before": before,
                    "after": state(after, answers) if after[0] is not None else None,
                    "undoes": uid_text(undoes, undone_ts) if undoes is not None else None})
    return out


def last_answers(db: Database, limit: int) -> list[dict]:
    """The latest answers that have not been undone, newest first."""
    rows = db.execute(
        _LOG_SELECT + f"WHERE r.kind IN ({_REVIEW}, {_REDRILL}) AND {_NOT_UNDONE} "
        "ORDER BY r.seq DESC LIMIT ?", [limit]).fetchall()
    return _log_dicts(db, reversed(rows), whole=False)[::-1]


def card_log(db: Database, card_id: str) -> list[dict]:
    """Every log entry of ``card_id``, oldest first, as ``insert_log`` was
    given it (ids as text, states as JSON)."""
    return _log_dicts(db, db.execute(_LOG_SELECT + f"WHERE r.card = {_CID} ORDER BY r.seq",
                                     [card_id]).fetchall(), whole=True)


def set_note_tags(db: Database, note_id: str, tags: str) -> None:
    """A note's tags, as stored: one space-separated string."""
    db.execute("UPDATE notes SET tags = ? WHERE id = ?", [tags, note_id])


_NOTE_SELECT = ("SELECT n.nid, n.id, n.identity, d.id AS deck_id, n.key, n.kind, n.fields, n.tags, n.source, "
                "n.checksum, n.created, n.modified, n.sort_text, n.search_text FROM notes n "
                "JOIN decks d ON d.did = n.deck ")


def get_note(db: Database, note_id: str) -> dict | None:
    """The note ``note_id`` (text id) as a dict (id, identity, deck_id, key,
    kind, fields as JSON text, tags, source, checksum …), or None."""
    return next(db.query(_NOTE_SELECT + "WHERE n.id = ?", [note_id]), None)


def search_extra(kind: str, fields: str, search_text: str) -> str | None:
    """What ``notes.search_extra`` stores for a note: nothing when the words
    of ``search_text`` are the plain values of a basic or cloze note's other
    fields, which ``notes.search_text`` then reads from ``fields`` (JSON);
    ``search_text`` otherwise."""
    if (kind == "basic" or kind == "cloze") and "<" not in fields and "&" not in fields \
            and "{{" not in fields and "[" not in fields:
        return None
    return search_text


def update_note_fields(db: Database, note_id: str, fields: str, checksum: int, now: int,
                       sort_text: str, search_text: str) -> None:
    """A note's text changed here: its row in a file no longer says what it holds."""
    kind = db.execute("SELECT kind FROM notes WHERE id = ?", [note_id]).fetchone()
    db.execute("UPDATE notes SET fields = ?, checksum = ?, modified = ?, sort_text = ?, "
               "search_extra = ?, row_hash = NULL WHERE id = ?",
               [fields, checksum, now, sort_text,
                search_extra(kind[0] if kind else "", fields, search_text), note_id])


# -- import -------------------------------------------------------------------


def note_checksums(db: Database, deck_id: str) -> dict[str, int]:
    """note id → the checksum of its content, for the notes of deck ``deck_id``."""
    return dict(db.execute(f"SELECT id, checksum FROM notes WHERE deck = {_DID}",
                           [deck_id]).fetchall())


def card_ords(db: Database, note_ids: Sequence[str]) -> dict[str, set[int]]:
    """note id → the card numbers (``ord``) the note has now."""
    result: dict[str, set[int]] = {}
    for chunk in _chunks(note_ids):
        for note, ord_ in db.execute(
                "SELECT n.id, c.ord FROM notes n JOIN cards c ON c.nid = n.nid "
                f"WHERE n.id IN ({_marks(len(chunk))})", chunk):
            result.setdefault(note, set()).add(ord_)
    return result


def next_new_pos(db: Database) -> int:
    """The new-card position the next new card gets (one after the last)."""
    return db.execute("SELECT coalesce(max(new_pos), 0) + 1 FROM cards").fetchone()[0]


def insert_notes(db: Database, rows: list[dict]) -> None:
    """New notes (rows: id, identity, deck_id, key, kind, fields, tags,
    source, checksum, now, sort_text, search_text)."""
    db.conn.executemany(
        "INSERT INTO notes(id, identity, deck, key, kind, fields, tags, source, checksum, "
        "created, modified, sort_text, search_extra) VALUES (:id, :identity, "
        "(SELECT did FROM decks WHERE id = :deck_id), :key, :kind, :fields, :tags, :source, "
        ":checksum, :now, :now, :sort_text, :extra)",
        ({**r, "extra": search_extra(r["kind"], r["fields"], r["search_text"])} for r in rows))


def _notes_where(db: Database, column: str, values: Sequence[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    sql = {"identity": "SELECT n.id, n.identity, d.id AS deck_id, n.checksum FROM notes n "
                       "JOIN decks d ON d.did = n.deck WHERE n.identity IN ({})",
           "id": "SELECT n.id, n.identity, d.id AS deck_id, n.checksum FROM notes n "
                 "JOIN decks d ON d.did = n.deck WHERE n.id IN ({})"}[column]
    for chunk in _chunks(list(dict.fromkeys(values))):
        for row in db.query(sql.format(_marks(len(chunk))), chunk):
            found[row[column]] = row
    return found


def notes_by_identity(db: Database, identities: Sequence[str]) -> dict[str, dict]:
    """identity → {id, identity, deck_id, checksum} of the notes with these identities."""
    return _notes_where(db, "identity", identities)


def notes_by_id(db: Database, note_ids: Sequence[str]) -> dict[str, dict]:
    """id → {id, identity, deck_id, checksum} of the notes with these ids."""
    return _notes_where(db, "id", note_ids)


def set_note_identities(db: Database, rows: Sequence[tuple[str, str]]) -> None:
    """rows: (new identity, note id)."""
    db.conn.executemany("UPDATE notes SET identity = ? WHERE id = ?", rows)


def move_notes(db: Database, rows: Sequence[tuple[str, str, str]]) -> None:
    """rows: (new deck id, note id, old deck id): the note goes to the new
    deck, and so do its cards that were in its old deck (cards moved
    elsewhere by hand stay where they are)."""
    if not rows:
        return
    dids = deck_rowids(db, {d for new, _, old in rows for d in (new, old)})
    db.conn.executemany("UPDATE notes SET deck = ? WHERE id = ?",
                        [(dids.get(new), nid) for new, nid, _ in rows])
    db.conn.executemany(f"UPDATE cards SET deck = ? WHERE nid = {_NID} AND deck = ?",
                        [(dids.get(new), nid, dids.get(old)) for new, nid, old in rows])


def set_note_decks(db: Database, rows: Sequence[tuple[str, str]]) -> None:
    """rows: (deck id, note id): the deck a note belongs to (where it was
    made), its cards left where they are."""
    db.conn.executemany(f"UPDATE notes SET deck = {_DID} WHERE id = ?", rows)


def identities_in_deck(db: Database, deck_id: str) -> dict[str, str]:
    """identity → note id of the notes whose deck is ``deck_id`` (not its
    sub-decks)."""
    return dict(db.conn.execute(f"SELECT identity, id FROM notes WHERE deck = {_DID}", [deck_id]))


def note_ids_in_deck(db: Database, deck_id: str) -> list[str]:
    """The ids of the notes whose deck is ``deck_id`` (not its sub-decks)."""
    return [r[0] for r in db.execute(f"SELECT id FROM notes WHERE deck = {_DID}", [deck_id])]




def update_notes(db: Database, rows: list[dict]) -> None:
    """rows: id, kind, fields, tags, source, checksum, now, sort_text,
    search_text, origin (the row hash it was read from, or None)."""
    db.conn.executemany(
        "UPDATE notes SET kind = :kind, fields = :fields, tags = :tags, source = :source, "
        "checksum = :checksum, modified = :now, sort_text = :sort_text, "
        "search_extra = :extra, row_hash = :origin WHERE id = :id",
        ({"origin": None, **r, "extra": search_extra(r["kind"], r["fields"], r["search_text"])}
         for r in rows))


def next_rowids(db: Database) -> tuple[int, int, bool]:
    """(the next note row id, the next card row id, whether every card ever
    known still exists – then no new card's text id can be an old one's)."""
    nid, cid, fresh = db.execute(
        "SELECT coalesce((SELECT max(nid) FROM notes), 0) + 1, "
        "coalesce((SELECT max(cid) FROM card_ids), 0) + 1, "
        "(SELECT count(*) FROM card_ids) = (SELECT count(*) FROM cards)").fetchone()
    return nid, cid, bool(fresh)


def add_notes(db: Database, rows: Sequence[tuple]) -> None:
    """New notes with the row ids given: rows of (nid, id, identity, deck row
    id, key, kind, fields, tags, source, checksum, now (ms), sort_text,
    search_text, origin (row hash or None))."""
    db.conn.executemany(
        "INSERT INTO notes(nid, id, identity, deck, key, kind, fields, tags, source, checksum, "
        "created, modified, sort_text, search_extra, row_hash) "
        f"VALUES ({_marks(15)})",
        ((*r[:11], r[10], r[11], search_extra(r[5], r[6], r[12]), r[13]) for r in rows))


def add_cards(db: Database, rows: Sequence[tuple]) -> None:
    """New cards never known before, with the row ids given: rows of (cid,
    card id, nid, deck row id, ord, new_pos)."""
    db.conn.executemany("INSERT INTO card_ids (cid, id) VALUES (?, ?)", ((r[0], r[1]) for r in rows))
    db.conn.executemany("INSERT INTO cards (cid, nid, deck, ord, type, queue, new_pos) "
                        "VALUES (?, ?, ?, ?, 0, 0, ?)", ((r[0], *r[2:]) for r in rows))


def set_origins(db: Database, rows: Sequence[tuple[int, str]]) -> None:
    """rows: (row hash, note id) of notes found unchanged in a file's rows."""
    db.conn.executemany("UPDATE notes SET row_hash = ? WHERE id = ?", rows)


def import_origins(db: Database) -> dict[int, tuple[str, str]]:
    """row hash → (deck name, note identity) of every note imported from a
    spreadsheet row and not edited since."""
    return {h: (deck, identity) for h, deck, identity in db.execute(
        "SELECT n.row_hash, d.name, n.identity FROM notes n JOIN decks d ON d.did = n.deck "
        "WHERE n.row_hash IS NOT NULL")}


def tagged_notes(db: Database, note_ids: Sequence[str], tag: str) -> set[str]:
    """Those of ``note_ids`` whose notes carry ``tag``."""
    found: set[str] = set()
    for chunk in _chunks(note_ids):
        found.update(r[0] for r in db.execute(
            f"SELECT id FROM notes WHERE id IN ({_marks(len(chunk))}) "
            "AND (' ' || tags || ' ') LIKE ?", [*chunk, f"% {tag} %"]))
    return found


#: indexes a large import builds once at the end instead of row by row (the
#: import itself reads by notes' ids, decks and cards' notes only)
_BUILT_AFTER_IMPORT = ("cards_deck_queue_due", "cards_queue_due", "cards_ease", "cards_interval",
                       "cards_answers", "cards_lapses", "cards_due_any", "notes_sort", "notes_kind")


class bulk_import:
    """For a large import: stop keeping the full-text index and the browser's
    indexes row by row, and build them once at the end, inside the same
    transaction (faster, and the indexes come out packed)."""

    def __init__(self, db: Database, rows: int):
        total = db.execute("SELECT count(*) FROM notes").fetchone()[0]
        self.db = db
        self.active = rows > max(2000, total // 5)
        self.triggers: list[str] = []
        self.indexes: list[str] = []
        self.cache = 0

    def __enter__(self):
        if self.active:
            # a smaller page cache while the import writes: its pages go to the
            # log as they fill, and the process stays within its memory
            self.cache = self.db.execute("PRAGMA cache_size").fetchone()[0]
            self.db.execute("PRAGMA cache_size = -8192")
            rows = self.db.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE (type = 'trigger' AND "
                "tbl_name = 'notes' AND name LIKE 'notes_a%') OR (type = 'index' AND name IN "
                f"({_marks(len(_BUILT_AFTER_IMPORT))}))", _BUILT_AFTER_IMPORT).fetchall()
            for kind, name, sql in rows:
                (self.triggers if kind == "trigger" else self.indexes).append(sql)
                self.db.execute(f"DROP {kind.upper()} [{name}]")
        return self

    def __exit__(self, exc_type, *exc) -> None:
        # on failure the transaction's rollback brings them back by itself
        if self.active:
            if exc_type is None:
                self.db.execute("INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')")
                for sql in self.triggers + self.indexes:
                    self.db.execute(sql)
            self.db.execute(f"PRAGMA cache_size = {int(self.cache)}")


def insert_cards(db: Database, rows: Sequence[tuple[str, str, str, int, int]]) -> None:
    """rows: (card id, note id, deck id, ord, new_pos). A card that existed
    before (deleted, now imported again) gets its old row id back, and with
    it its history."""
    conn = db.conn
    dids = deck_rowids(db, {r[2] for r in rows})
    known = card_rowids(db, [r[0] for r in rows])
    conn.executemany("INSERT OR IGNORE INTO card_ids (id) VALUES (?)",
                     ((r[0],) for r in rows if r[0] not in known))
    conn.executemany(
        f"INSERT INTO cards(cid, nid, deck, ord, type, queue, new_pos, last_seq) "
        f"VALUES ({_CID}, {_NID}, ?, ?, 0, 0, ?, ?)",
        ((cid, nid, dids.get(deck), ord_, pos, -1 if cid in known else None)
         for cid, nid, deck, ord_, pos in rows))


def delete_notes(db: Database, note_ids: Sequence[str]) -> None:
    """Remove notes and their cards; the review log keeps their history."""
    db.conn.executemany(f"DELETE FROM cards WHERE nid = {_NID}", [(n,) for n in note_ids])
    db.conn.executemany("DELETE FROM notes WHERE id = ?", [(n,) for n in note_ids])


def delete_cards(db: Database, card_ids: Sequence[str]) -> None:
    """Remove these cards (their review log stays, named by ``card_ids``)."""
    db.conn.executemany(f"DELETE FROM cards WHERE cid = {_CID}", [(c,) for c in card_ids])


def notes_in_decks(db: Database, deck_ids: Sequence[str]) -> list[dict]:
    """The notes that have a card in these decks (and those made in them
    that have no card), for an export: ``deck_id`` is the note's own deck
    when it is one of these, else the deck of its first card in them."""
    dids = json.dumps(list(deck_rowids(db, deck_ids).values()))
    among = "IN (SELECT value FROM json_each(:dids))"
    return list(db.query(
        "SELECT n.id, n.identity, d.id AS deck_id, n.key, n.kind, n.fields, n.tags, n.source "
        f"FROM (SELECT n.nid, CASE WHEN n.deck {among} THEN n.deck ELSE (SELECT c.deck "
        f"FROM cards c WHERE c.nid = n.nid AND c.deck {among} ORDER BY c.ord LIMIT 1) END AS deck "
        f"FROM notes n WHERE n.nid IN (SELECT c.nid FROM cards c WHERE c.deck {among}) OR "
        f"(n.deck {among} AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.nid = n.nid))) x "
        "JOIN notes n ON n.nid = x.nid JOIN decks d ON d.did = x.deck "
        "ORDER BY d.id, n.created, n.nid", {"dids": dids}))


def backup_to(db: Database, target: str) -> None:
    """A consistent copy of the whole database, made with SQLite's backup API."""
    import sqlite3

    dest = sqlite3.connect(target)
    try:
        db.conn.backup(dest)
    finally:
        dest.close()


def integrity_check(db: Database) -> list[str]:
    """SQLite's own check: ['ok'] when the file is sound."""
    return [r[0] for r in db.execute("PRAGMA integrity_check")]


_RESCHEDULE, _IMPORTED = KIND_CODES["reschedule"], KIND_CODES["imported"]
#: a log entry as replay reads it (``study.fold_log``, ``study.replay_order``)
_REPLAY_SELECT = (
    "SELECT r.card, r.seq, r.uid, r.ts, r.kind, r.quality, r.day, "
    "coalesce(u.uid, x.undoes), u.ts, "
    f"CASE WHEN r.kind = {_RESCHEDULE} THEN r.a_due END, "
    f"CASE WHEN r.kind = {_IMPORTED} THEN r.a_answers END, "
    + ", ".join(f"CASE WHEN r.kind = {_IMPORTED} THEN r.{c} END" for c in _AFTER_COLUMNS)
    + " FROM revlog r LEFT JOIN revlog u ON u.seq = r.undoes "
    "LEFT JOIN revlog_undoes_uid x ON x.seq = r.seq ")


def _replay_entry(row: Sequence) -> dict:
    """A ``_REPLAY_SELECT`` row as the entry replay reads: ``seq``, ``id``
    and ``undoes`` (entry ids, text), ``kind``, ``quality``, ``day``; ``due``
    for a reschedule, ``after`` (JSON text) for an 'imported' entry."""
    _cid, seq, uid, ts, kind, quality, day, undoes, undone_ts, due, answers = row[:11]
    name = _KIND_NAMES[kind]
    return {"seq": seq, "id": uid_text(uid, ts), "kind": name, "quality": quality, "day": day,
            "undoes": uid_text(undoes, undone_ts) if undoes is not None else None, "due": due,
            "after": _state_json(row[11:], answers) if kind == _IMPORTED else None}


def log_by_card(db: Database):
    """Every log entry, grouped by card and in order: (card id, entries);
    a 'reschedule' entry also has its new ``due`` day, an 'imported' entry its
    ``after`` (JSON text)."""
    names = dict(db.execute("SELECT cid, id FROM card_ids").fetchall())
    cursor = db.execute(_REPLAY_SELECT + "ORDER BY r.card, r.seq")
    current: int | None = None
    entries: list[dict] = []
    for row in cursor:
        cid = row[0]
        if cid != current:
            if current is not None:
                yield names[current], entries
            current, entries = cid, []
        entries.append(_replay_entry(row))
    if current is not None:
        yield names[current], entries


def card_logs(db: Database, card_ids: Sequence[str]) -> dict[str, list[dict]]:
    """card id → its log entries (as ``log_by_card`` gives them), in the
    order they were stored."""
    result: dict[str, list[dict]] = {c: [] for c in card_ids}
    for chunk in _chunks(list(card_ids)):
        names = dict(db.execute(
            f"SELECT cid, id FROM card_ids WHERE id IN ({_marks(len(chunk))})", chunk).fetchall())
        if not names:
            continue
        for row in db.execute(_REPLAY_SELECT + f"WHERE r.card IN ({_marks(len(names))}) "
                              "ORDER BY r.seq", list(names)):
            result[names[row[0]]].append(_replay_entry(row))
    return result


def all_schedules(db: Database) -> dict[str, dict]:
    """card id → its answers and every schedule column, for every card
    (``flashdesk check`` compares them with the log)."""
    cols = ", ".join(SCHEDULE_COLUMNS)
    return {r["id"]: r for r in db.query(f"SELECT i.id, answers, {cols} FROM cards c "
                                          "JOIN card_ids i ON i.cid = c.cid")}


def set_lapses(db: Database, rows: Sequence[tuple[int, str]]) -> None:
    """rows: (lapses, card id)."""
    db.conn.executemany(f"UPDATE cards SET lapses = ? WHERE cid = {_CID}", rows)


def set_sm2_fields(db: Database, rows: list[dict]) -> None:
    """Rewrite cards' SM-2 fields from a rebuild: each row holds id, type,
    reps, ease (hundredths), interval (days), due (study day), lapses,
    last_day, answers, queue and redrill_seq; a suspended or buried card
    keeps its queue."""
    db.conn.executemany(
        "UPDATE cards SET type = :type, reps = :reps, ease = :ease, interval = :interval, "
        "due = :due, lapses = :lapses, last_day = :last_day, answers = :answers, "
        "queue = CASE WHEN queue < 0 THEN queue ELSE :queue END, redrill_seq = :redrill_seq "
        "WHERE cid = (SELECT cid FROM card_ids WHERE id = :id)", rows)


# -- browsing -------------------------------------------------------------------

#: sort key → (ORDER BY terms before the card's row id, the table they need:
#: 'n' notes or ''). A fixed list: sort keys never reach SQL as text. Ties
#: are in the order the cards (or their notes) were added, except by state
#: (then by due day); by deck, each deck (by name) comes in state and due
#: order (``browse_ids``).
#: Most of these terms are indexes, read in order: no sort of every card.
BROWSE_SORT = {
    "front": (("n.sort_text COLLATE NOCASE", "n.nid"), "n"), "kind": (("n.kind", "n.nid"), "n"),
    "state": (("c.queue", "c.due"), ""), "due": (("coalesce(c.due, 1000000000)",), ""),
    "interval": (("c.interval",), ""), "ease": (("c.ease",), ""),
    "answers": (("c.answers",), ""), "lapses": (("c.lapses",), ""), "added": ((), ""),
    "deck": (("c.queue", "c.due", "c.type", "c.interval"), ""),
}
BROWSE_STATE: dict[str, tuple[str, list]] = {
    "any": ("", []), "new": ("c.queue = 0", []), "learning": ("c.queue = 1", []),
    "review": ("c.queue = 2", []), "suspended": ("c.queue = -1", []),
    "buried": ("c.queue = -2", []), "leech": ("(' ' || n.tags || ' ') LIKE '% leech %'", []),
}


#: a word as the full-text index splits text: a run of letters and digits
#: (the unicode61 tokenizer's own classes), so each term is one indexed word
_WORD = re.compile(r"[^\W_]+")




def browse_ids(db: Database, *, text: str, deck_ids: Sequence[str] | None, tag: str | None,
               state: str, today: int, sort: str, descending: bool) -> list[int]:
    """The row ids (``cards.cid``) of the cards that match, in the order asked
    for (ties in the order the cards were added; see ``card_texts`` for their
    ids). Notes and decks are joined only when the filter or the sort needs
    them; a tag is looked for in the full-text index first."""
    where: list[str] = []
    params: list[object] = []
    terms, needs = BROWSE_SORT[sort]
    joins = {needs} - {""}
    words: list[str] = []
    if text.strip():
        words = _WORD.findall(text)
        if not words:  # only punctuation: nothing can match
            return []
    if tag:
        where.append("(' ' || n.tags || ' ') LIKE ?")
        params.append(f"% {tag} %")
        joins.add("n")
        words += _WORD.findall(tag)  # every word of the tag is in the index: fewer notes to check
    if state == "leech":
        words.append("leech")
    if words:
        where.append("c.nid IN (SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?)")
        params.append(" ".join(f'"{w}"*' for w in words))
    dids: list[int] | None = None
    if deck_ids is not None:
        dids = list(deck_rowids(db, deck_ids).values())
        where.append(f"c.deck IN ({_marks(len(dids))})")
        params.extend(dids)
    if state == "due":
        where.append("c.queue IN (1, 2) AND c.due <= ?")
        params.append(today)
    elif BROWSE_STATE[state][0]:
        where.append(BROWSE_STATE[state][0])
        joins |= {"n"} if state == "leech" else set()
    direction = " DESC" if descending else ""
    order = ", ".join(f"{t}{direction}" for t in (*terms, "c.cid"))
    # sorted by a note's column: read the notes in that index's order, then their cards
    select = ("SELECT c.cid AS x FROM "
              + ("notes n CROSS JOIN cards c ON c.nid = n.nid " if needs == "n" else
                 "cards c JOIN notes n ON n.nid = c.nid " if "n" in joins else "cards c "))
    if sort != "deck":
        return _int_list(db, select + ("WHERE " + " AND ".join(where) if where else "")
                         + f" ORDER BY {order}", params)
    # by deck: each deck's cards in turn, decks by name, each in the order of
    # the (deck, queue, due, type, interval) index: one statement of parts in turn
    names = sorted(db.execute("SELECT did, name FROM decks").fetchall(),
                   key=lambda d: (d[1].casefold(), d[0]), reverse=descending)
    wanted = [did for did, _name in names if dids is None or did in dids]
    part = ("SELECT x FROM (" + select + "WHERE " + " AND ".join([*where, "c.deck = ?"])
            + f" ORDER BY {order})")
    out: list[int] = []
    for start in range(0, len(wanted), 100):
        chunk = wanted[start:start + 100]
        out.extend(_int_list(db, " UNION ALL ".join([part] * len(chunk)),
                             [p for did in chunk for p in (*params, did)]))
    return out


def _int_list(db: Database, sql: str, params: Sequence) -> list[int]:
    """Column ``x`` of ``sql``'s rows, in order, read as one JSON array: much
    cheaper than a Python row per value. SQLite keeps the ORDER BY of a
    subquery that feeds an aggregate other than count(), min() or max() (its
    flattener's rule 16, ticket #2942); a test checks the order."""
    row = db.conn.execute(f"SELECT json_group_array(x) FROM ({sql})", params).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def card_texts(db: Database, rowids: Sequence[int]) -> list[str]:
    """The text ids of the cards with these row ids (``card_ids`` never
    forgets one), in the same order."""
    names: dict[int, str] = {}
    for chunk in _chunks(rowids, 900):
        names.update(db.conn.execute(
            f"SELECT cid, id FROM card_ids WHERE cid IN ({_marks(len(chunk))})", chunk).fetchall())
    return [names[r] for r in rowids]


def card_rowids(db: Database, card_ids: Sequence[str]) -> dict[str, int]:
    """card id → its row id, for the cards ever known."""
    out: dict[str, int] = {}
    for chunk in _chunks(card_ids, 900):
        out.update(db.conn.execute(
            f"SELECT id, cid FROM card_ids WHERE id IN ({_marks(len(chunk))})", chunk).fetchall())
    return out


def browse_rows(db: Database, card_ids: Sequence[str]) -> list[dict]:
    """One browser row per card id (up to a few hundred): note id, deck name,
    first field, kind, ord, queue, due (study day), interval (days), ease
    (hundredths), answers, lapses and tags; in no particular order."""
    return list(db.query(
        "SELECT i.id, n.id AS note_id, d.name AS deck_name, n.sort_text, n.kind, c.ord, c.queue, "
        "c.due, c.interval, c.ease, c.answers, c.lapses, n.tags FROM card_ids i "
        "JOIN cards c ON c.cid = i.cid JOIN notes n ON n.nid = c.nid "
        f"JOIN decks d ON d.did = c.deck WHERE i.id IN ({_marks(len(card_ids))})",
        list(card_ids)))


def all_tags(db: Database) -> list[str]:
    """Every tag any note has, sorted ignoring case."""
    tags = set()
    for (text,) in db.execute("SELECT DISTINCT tags FROM notes WHERE tags != ''"):
        tags.update(text.split())
    return sorted(tags, key=str.casefold)


def deck_tags(db: Database, deck_ids: Sequence[str]) -> list[str]:
    """The tags of the notes with a card in these decks."""
    dids = list(deck_rowids(db, deck_ids).values())
    tags = set()
    for (text,) in db.execute(
            "SELECT DISTINCT n.tags FROM notes n JOIN cards c ON c.nid = n.nid "
            f"WHERE n.tags != '' AND c.deck IN ({_marks(len(dids))})", dids):
        tags.update(text.split())
    return sorted(tags, key=str.casefold)


def move_cards(db: Database, card_ids: Sequence[str], deck_id: str) -> None:
    """Put these cards into deck ``deck_id`` (their notes stay where they are)."""
    did = deck_rowids(db, [deck_id]).get(deck_id)
    db.conn.executemany(f"UPDATE cards SET deck = ? WHERE cid = {_CID}",
                        [(did, c) for c in card_ids])


def notes_rows(db: Database, note_ids: Sequence[str]) -> list[dict]:
    """Whole note rows (as ``get_note``) for these note ids, in no particular order."""
    rows: list[dict] = []
    for chunk in _chunks(note_ids):
        rows.extend(db.query(_NOTE_SELECT + f"WHERE n.id IN ({_marks(len(chunk))})", chunk))
    return rows


_CARD_ROW = ("SELECT c.cid, i.id, n.id AS note_id, d.id AS deck_id, c.ord, "
             + ", ".join(f"c.{c}" for c in SCHEDULE_COLUMNS)
             + ", c.new_pos, c.answers FROM cards c JOIN card_ids i ON i.cid = c.cid "
             "JOIN notes n ON n.nid = c.nid JOIN decks d ON d.did = c.deck ")


def cards_of_notes(db: Database, note_ids: Sequence[str]) -> list[dict]:
    """Whole card rows (as ``restore_rows`` takes them back) of these notes."""
    rows: list[dict] = []
    for chunk in _chunks(note_ids):
        rows.extend(db.query(_CARD_ROW + f"WHERE n.id IN ({_marks(len(chunk))})", chunk))
    return rows


def restore_rows(db: Database, table: str, rows: list[dict]) -> None:
    """Put back rows taken from ``notes`` (``notes_rows``) or ``cards``
    (``cards_of_notes``), deleted by mistake; they get their row ids back
    (a card's latest log entry with a state is not known: ``last_seq`` -1)."""
    if not rows:
        return
    if table == "notes":
        db.conn.executemany(
            "INSERT INTO notes (nid, id, identity, deck, key, kind, fields, tags, source, "
            "checksum, created, modified, sort_text, search_extra) VALUES (:nid, :id, :identity, "
            "(SELECT did FROM decks WHERE id = :deck_id), :key, :kind, :fields, :tags, :source, "
            ":checksum, :created, :modified, :sort_text, :extra)",
            [{**r, "extra": search_extra(r["kind"], r["fields"], r["search_text"])}
             for r in rows])
    elif table == "cards":
        cols = ", ".join(SCHEDULE_COLUMNS)
        values = ", ".join(f":{c}" for c in SCHEDULE_COLUMNS)
        db.conn.executemany(
            f"INSERT INTO cards (cid, nid, deck, ord, {cols}, new_pos, answers, last_seq) VALUES "
            "(:cid, (SELECT nid FROM notes WHERE id = :note_id), "
            f"(SELECT did FROM decks WHERE id = :deck_id), :ord, {values}, :new_pos, :answers, -1)",
            rows)


# -- statistics -----------------------------------------------------------------


def _deck_filter(db: Database, deck_ids: Sequence[str] | None,
                 column: str = "deck") -> tuple[str, list]:
    """`` AND column IN (…)`` for these decks' row ids (nothing for None)."""
    if deck_ids is None:
        return "", []
    dids = list(deck_rowids(db, deck_ids).values())
    return f" AND {column} IN ({_marks(len(dids))})", dids


def count_by_queue(db: Database, deck_ids: Sequence[str] | None) -> dict[int, int]:
    """queue number → cards in it, over these decks (None: every deck)."""
    where, params = _deck_filter(db, deck_ids)
    return dict(db.execute(f"SELECT queue, count(*) FROM cards WHERE 1 {where} GROUP BY queue",
                           params).fetchall())


def count_tagged_notes_cards(db: Database, tag: str, deck_ids: Sequence[str] | None) -> int:
    """Cards whose note has ``tag`` (a whole tag), over these decks (None: all)."""
    where, params = _deck_filter(db, deck_ids, "c.deck")
    return db.execute(
        "SELECT count(*) FROM cards c JOIN notes n ON n.nid = c.nid "
        f"WHERE (' ' || n.tags || ' ') LIKE ? {where}", [f"% {tag} %", *params]).fetchone()[0]


def answers_on(db: Database, day: int, deck_ids: Sequence[str] | None) -> int:
    """Answers on study ``day`` to cards that still exist (re-drills included,
    undone ones not)."""
    where, params = _deck_filter(db, deck_ids, "c.deck")
    return db.execute(
        "SELECT count(*) FROM revlog r JOIN cards c ON c.cid = r.card WHERE r.day = ? "
        f"AND r.kind IN ({_REVIEW}, {_REDRILL}) AND {_NOT_UNDONE}{where}",
        [day, *params]).fetchone()[0]


def retention(db: Database, first_day: int, last_day: int,
              deck_ids: Sequence[str] | None) -> tuple[int, int]:
    """(passed, total) first answers of review cards (that still exist)
    between the two days, inclusive."""
    where, params = _deck_filter(db, deck_ids, "c.deck")
    row = db.execute(
        "SELECT coalesce(sum(r.quality >= 3), 0), count(*) FROM revlog r "
        "JOIN cards c ON c.cid = r.card "
        f"WHERE r.day BETWEEN ? AND ? AND r.kind = {_REVIEW} AND r.was_new = 0 AND {_NOT_UNDONE}"
        f"{where}", [first_day, last_day, *params]).fetchone()
    return row[0], row[1]


def due_by_day(db: Database, until: int, deck_ids: Sequence[str] | None) -> dict[int, int]:
    """study day → cards in learning or review due that day, for days before
    ``until``, over these decks (None: every deck)."""
    where, params = _deck_filter(db, deck_ids)
    return dict(db.execute(
        f"SELECT due, count(*) FROM cards WHERE queue IN (1, 2) AND due < ? {where} GROUP BY due",
        [until, *params]).fetchall())


def _answers_filter(db: Database, deck_ids: Sequence[str] | None) -> tuple[str, str, list]:
    if deck_ids is None:
        return "", "", []
    where, params = _deck_filter(db, deck_ids, "c.deck")
    return "JOIN cards c ON c.cid = r.card ", where, params
















def activity_by_deck(db: Database, first_day: int, last_day: int) -> list[tuple]:
    """Per deck with answers in the range: (deck id, answers, new cards learned,
    passed, answered reviews, milliseconds)."""
    return db.execute(
        f"SELECT d.id, sum(r.kind IN ({_REVIEW}, {_REDRILL})), "
        f"sum(r.kind = {_REVIEW} AND r.was_new = 1), "
        f"sum(r.kind = {_REVIEW} AND r.was_new = 0 AND r.quality >= 3), "
        f"sum(r.kind = {_REVIEW} AND r.was_new = 0), sum(r.time_ms) "
        "FROM revlog r JOIN cards c ON c.cid = r.card JOIN decks d ON d.did = c.deck "
        f"WHERE r.day BETWEEN ? AND ? AND r.kind IN ({_REVIEW}, {_REDRILL}) AND {_NOT_UNDONE} "
        "GROUP BY c.deck", [first_day, last_day]).fetchall()


def study_days(db: Database, first_day: int, last_day: int) -> int:
    """How many study days between ``first_day`` and ``last_day`` (inclusive)
    have an answer that was not undone."""
    return db.execute(
        "SELECT count(DISTINCT r.day) FROM revlog r WHERE r.day BETWEEN ? AND ? "
        f"AND r.kind IN ({_REVIEW}, {_REDRILL}) AND {_NOT_UNDONE}",
        [first_day, last_day]).fetchone()[0]



# -- the statistics window: a few passes, each giving several figures ------------------


def _undone_in(db: Database, first_day: int, last_day: int, join: str, where: str,
               params: Sequence, columns: str) -> list[tuple]:
    """``columns`` of the entries between the two days that have been taken
    back (few): figures counted without the check subtract these."""
    return db.execute(
        f"SELECT {columns} FROM revlog r {join}WHERE r.seq IN (SELECT undoes FROM revlog "
        f"WHERE undoes IS NOT NULL) AND r.day BETWEEN ? AND ?{where}",
        [first_day, last_day, *params]).fetchall()


def day_figures(db: Database, first_day: int, last_day: int,
                deck_ids: Sequence[str] | None) -> dict[int, tuple[int, int, int]]:
    """study day → (answers, passed, answered) between the two days: every
    answer (re-drills included), and the first answers of cards already
    learned that were Hard or better / all of them; undone ones left out."""
    join, where, params = _answers_filter(db, deck_ids)
    if deck_ids is None:  # the days that are over, as kept; the others from the log
        kept = {day: (a, p, n) for day, a, p, n in db.execute(
            "SELECT day, answers, passed, answered FROM revlog_days WHERE day BETWEEN ? AND ?",
            [first_day, last_day])}
        missing = [d for d in range(first_day, last_day + 1) if d not in kept]
        for start, end in _runs(missing):
            kept.update(_day_figures_from_log(db, start, end, "", "", []))
        return kept
    return _day_figures_from_log(db, first_day, last_day, join, where, params)


def _runs(days: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive days."""
    start = previous = None
    for day in days:
        if start is None:
            start = previous = day
        elif day == previous + 1:  # type: ignore[operator]
            previous = day
        else:
            yield start, previous  # type: ignore[misc]
            start = previous = day
    if start is not None:
        yield start, previous  # type: ignore[misc]


def close_days(db: Database, today: int) -> None:
    """A new study day began: keep the figures of the days before ``today``
    that have answers and none kept (yesterday, and any day whose answers
    changed in the last 90), for ``day_figures``."""
    start = db.execute("SELECT coalesce(max(day) + 1, 0) FROM revlog_days").fetchone()[0]
    missing = [d for (d,) in db.execute(
        "SELECT DISTINCT day FROM revlog WHERE day >= ? AND day < ?",
        [min(start, today - 90), today])]
    kept = {d for (d,) in db.execute("SELECT day FROM revlog_days WHERE day >= ?",
                                     [min(start, today - 90)])}
    for first, last in _runs([d for d in missing if d not in kept]):
        db.conn.executemany(
            "INSERT OR REPLACE INTO revlog_days (day, answers, passed, answered) VALUES (?,?,?,?)",
            [(d, *f) for d, f in _day_figures_from_log(db, first, last, "", "", []).items()])


def _day_figures_from_log(db: Database, first_day: int, last_day: int, join: str, where: str,
                          params: Sequence) -> dict[int, tuple[int, int, int]]:
    figures = {day: [a, p or 0, n or 0] for day, a, p, n in db.execute(
        f"SELECT r.day, count(*), sum(r.kind = {_REVIEW} AND r.was_new = 0 AND r.quality >= 3), "
        f"sum(r.kind = {_REVIEW} AND r.was_new = 0) FROM revlog r {join}"
        f"WHERE r.day BETWEEN ? AND ? AND r.kind IN ({_REVIEW}, {_REDRILL}){where} GROUP BY r.day",
        [first_day, last_day, *params])}
    for day, kind, was_new, quality in _undone_in(db, first_day, last_day, join, where, params,
                                                  "r.day, r.kind, r.was_new, r.quality"):
        if kind not in (_REVIEW, _REDRILL) or day not in figures:
            continue
        f = figures[day]
        f[0] -= 1
        if kind == _REVIEW and was_new == 0:
            f[1] -= quality >= 3
            f[2] -= 1
    return {day: (f[0], f[1], f[2]) for day, f in figures.items()}


def card_figures(db: Database, cap: int) -> list[tuple]:
    """Per deck and queue: (deck id, queue, cards, learned, learned with an
    interval of ``cap`` days or more, sum of learned intervals capped at
    ``cap``): cards by state and mastery from one pass over an index, in
    its order."""
    return db.execute(
        "SELECT d.id, g.* FROM (SELECT deck, queue, count(*), sum(type = 2), "
        "sum(type = 2 AND interval >= :cap), sum(CASE WHEN type = 2 THEN min(interval, :cap) "
        "ELSE 0 END) FROM cards GROUP BY deck, queue) g JOIN decks d ON d.did = g.deck",
        {"cap": cap}).fetchall()


def learned_intervals(db: Database, deck_ids: Sequence[str] | None) -> dict[int, int]:
    """interval (days) → learned cards with it, read in the interval index's
    order (a learned card's interval is at least a day, a new card's 0)."""
    where, params = _deck_filter(db, deck_ids)
    return dict(db.execute(f"SELECT interval, count(*) FROM cards WHERE interval > 0 {where} "
                           "GROUP BY interval", params).fetchall())


def tag_figures(db: Database, cap: int,
                deck_ids: Sequence[str] | None) -> list[tuple[str, int, int, int]]:
    """(tags, learned (0/1), interval up to ``cap``, cards) over the cards of
    tagged notes, for mastery per tag."""
    where, params = _deck_filter(db, deck_ids, "c.deck")
    return db.execute(
        "SELECT n.tags, c.type = 2, min(c.interval, ?), count(*) FROM cards c "
        f"JOIN notes n ON n.nid = c.nid WHERE n.tags != '' {where} GROUP BY 1, 2, 3",
        [cap, *params]).fetchall()


def retention_by_deck_and_tags(db: Database, first_day: int,
                               last_day: int) -> list[tuple[str, str, int, int]]:
    """(deck id, tags, passed, answered): first answers of cards already
    learned between the two days, by the card's deck and its note's tags
    (undone ones left out); per card first, then joined."""
    rows: dict[tuple[str, str], list[int]] = {}
    for deck, tags, passed, answered in db.execute(
            "SELECT d.id, n.tags, sum(a.p), sum(a.n) FROM (SELECT r.card AS card, "
            "sum(r.quality >= 3) AS p, count(*) AS n FROM revlog r WHERE r.day BETWEEN ? AND ? "
            f"AND r.kind = {_REVIEW} AND r.was_new = 0 GROUP BY r.card) a "
            "JOIN cards c ON c.cid = a.card JOIN notes n ON n.nid = c.nid "
            "JOIN decks d ON d.did = c.deck GROUP BY c.deck, n.tags", [first_day, last_day]):
        rows[deck, tags] = [passed, answered]
    for deck, tags, kind, was_new, quality in _undone_in(
            db, first_day, last_day, "JOIN cards c ON c.cid = r.card JOIN notes n ON n.nid = "
            "c.nid JOIN decks d ON d.did = c.deck ", "", [], "d.id, n.tags, r.kind, r.was_new, "
            "r.quality"):
        if kind == _REVIEW and was_new == 0 and (deck, tags) in rows:
            rows[deck, tags][0] -= quality >= 3
            rows[deck, tags][1] -= 1
    return [(deck, tags, p, n) for (deck, tags), (p, n) in rows.items()]


def deck_counts(db: Database, today: int) -> dict[str, tuple[int, int, int, int]]:
    """deck id → (new, learning, due on ``today``, all) cards sitting directly
    in it: counts over ranges of one index, deck by deck."""
    count = "(SELECT count(*) FROM cards WHERE deck = d.did{})"
    return {deck: (new, learning, due, total) for deck, new, learning, due, total in db.execute(
        "SELECT d.id, " + ", ".join(count.format(c) for c in (
            " AND queue = 0", " AND queue = 1", " AND queue = 2 AND due <= ?", "")) + " FROM decks d",
        [today])}


# -- authoring: notes and decks made in the window ---------------------------------


def deck_rows(db: Database, deck_ids: Sequence[str]) -> list[dict]:
    """Whole rows of these decks (for undo), parents before their children."""
    return list(db.query(f"SELECT * FROM decks WHERE id IN ({_marks(len(deck_ids))}) "
                         "ORDER BY name", list(deck_ids)))


def rename_deck(db: Database, deck_id: str, name: str, now: int) -> None:
    """A deck's full name (``Parent::Child``); ``now``: ms since the epoch, UTC."""
    db.execute("UPDATE decks SET name = ?, modified = ? WHERE id = ?", [name, now, deck_id])


def set_deck_description(db: Database, deck_id: str, description: str, now: int) -> None:
    """A deck's description (plain text); ``now``: ms since the epoch, UTC."""
    db.execute("UPDATE decks SET description = ?, modified = ? WHERE id = ?",
               [description, now, deck_id])


def delete_decks(db: Database, deck_ids: Sequence[str]) -> None:
    """Remove deck rows (their notes and cards must be gone already)."""
    db.conn.executemany("DELETE FROM decks WHERE id = ?", [(d,) for d in deck_ids])


def restore_decks(db: Database, rows: Sequence[dict]) -> None:
    """Put back deck rows taken with ``deck_rows`` (with their row ids)."""
    if rows:
        db.table("decks").insert_all(list(rows))


def notes_of_decks(db: Database, deck_ids: Sequence[str]) -> list[str]:
    """Ids of the notes that belong to these decks or have a card in them."""
    dids = list(deck_rowids(db, deck_ids).values())
    marks = _marks(len(dids))
    return [r[0] for r in db.execute(
        f"SELECT id FROM notes WHERE deck IN ({marks}) UNION SELECT n.id FROM cards c "
        f"JOIN notes n ON n.nid = c.nid WHERE c.deck IN ({marks})", [*dids, *dids])]


def same_first_field(db: Database, deck_id: str, sort_text: str, limit: int = 5) -> list[dict]:
    """Notes of ``deck_id`` (or with a card in it) whose first field reads
    ``sort_text`` (ignoring case): id and first field."""
    return list(db.query(
        "SELECT id, sort_text FROM notes WHERE sort_text = ? COLLATE NOCASE AND (deck = :did "
        "OR nid IN (SELECT nid FROM cards WHERE deck = :did)) ORDER BY created LIMIT ?"
        .replace(":did", _DID), [sort_text, deck_id, deck_id, limit]))


def note_id_used(db: Database, note_id: str) -> bool:
    """Whether ``note_id`` is taken: by a note (as its id or its identity),
    or by a deleted note whose cards the review log still remembers."""
    if db.execute("SELECT EXISTS (SELECT 1 FROM notes WHERE id = ?) OR EXISTS (SELECT 1 FROM "
                  "notes WHERE identity = ?)", [note_id, note_id]).fetchone()[0]:
        return True
    cids = [r[0] for r in db.execute("SELECT cid FROM card_ids WHERE id >= ? AND id < ?",
                                     [note_id + "#", note_id + "$"])]
    return bool(cids) and db.execute(
        f"SELECT EXISTS (SELECT 1 FROM revlog WHERE card IN ({_marks(len(cids))}))",
        cids).fetchone()[0] == 1


def set_note_checksum(db: Database, note_id: str, checksum: int) -> None:
    """A note's checksum (a signed 64-bit integer) after its content changed."""
    db.execute("UPDATE notes SET checksum = ? WHERE id = ?", [checksum, note_id])


def set_note_content(db: Database, row: dict) -> None:
    """A note's fields, tags, source and derived columns, as a whole (edits
    and their undo): ``row`` holds id, fields, tags, source, checksum,
    sort_text, search_text and now. Its row in a file no longer says what it
    holds (``row_hash``)."""
    kind = db.execute("SELECT kind FROM notes WHERE id = ?", [row["id"]]).fetchone()
    db.execute(
        "UPDATE notes SET fields = :fields, tags = :tags, source = :source, checksum = :checksum, "
        "modified = :now, sort_text = :sort_text, search_extra = :extra, row_hash = NULL "
        "WHERE id = :id",
        {**row, "extra": search_extra(kind[0] if kind else "", row["fields"], row["search_text"])})


def deck_is_empty(db: Database, deck_id: str) -> bool:
    """No card, note or sub-deck is in ``deck_id``."""
    return db.execute(
        f"SELECT NOT EXISTS (SELECT 1 FROM cards WHERE deck = {_DID}) "
        f"AND NOT EXISTS (SELECT 1 FROM notes WHERE deck = {_DID}) "
        "AND NOT EXISTS (SELECT 1 FROM decks c, decks p WHERE p.id = ? "
        "AND substr(c.name, 1, length(p.name) + 2) = p.name || '::')",
        [deck_id, deck_id, deck_id]).fetchone()[0] == 1


# -- device merge: the log by entry id ------------------------------------------------


def log_entries(db: Database, after_seq: int) -> list[dict]:
    """Every log entry after ``after_seq``, oldest first, as ``insert_log``
    was given it, with states as dicts."""
    return _log_dicts(db, db.execute(_LOG_SELECT + "WHERE r.seq > ? ORDER BY r.seq",
                                     [after_seq]).fetchall(),
                      whole=False, contiguous=True, decoded=True)


def _uid_forms(entry_id: str) -> tuple[bytes | str, bytes | str | None, int | None]:
    """How the log may store ``entry_id``: whole (16 bytes, or the text of an
    id that is no UUID) or as its last 10 bytes beside the time its first 6 carry."""
    full = uid_bytes(entry_id)
    if isinstance(full, bytes):
        return full, full[6:], int.from_bytes(full[:6], "big")
    return full, None, None


def log_ids_present(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` (log entry ids) the log holds."""
    found: set[str] = set()
    for chunk in _chunks(list(dict.fromkeys(ids))):
        forms: dict[object, str] = {}
        for entry_id in chunk:
            full, short, at = _uid_forms(entry_id)
            forms[full] = entry_id
            if short is not None:
                forms[short, at] = entry_id
        stored = [f for f in forms if not isinstance(f, tuple)] + \
            [f[0] for f in forms if isinstance(f, tuple)]
        for uid, ts in db.execute(
                f"SELECT uid, ts FROM revlog WHERE uid IN ({_marks(len(stored))})", stored):
            hit = forms.get(uid) or forms.get((uid, ts))
            if hit is not None:
                found.add(hit)
    return found


def log_entry_present(db: Database, entry: dict) -> bool:
    """Whether the log holds ``entry`` (its ``id``; found among the entries
    of its ``day`` and ``kind`` of its card)."""
    row = db.conn.execute("SELECT cid FROM card_ids WHERE id = ?", [entry["card_id"]]).fetchone()
    kind = KIND_CODES.get(entry["kind"])
    if row is None or kind is None:
        return False
    full, short, at = _uid_forms(entry["id"])
    return db.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM revlog WHERE day = ? AND kind = ? AND card = ? "
        "AND (uid = ? OR (uid = ? AND ts = ?)))",
        [entry["day"], kind, row[0], full, short, at]).fetchone()[0] == 1


def latest_entry_id(db: Database, below_seq: int | None = None) -> str | None:
    """The greatest log entry id (time-ordered UUIDs: text order is time
    order), or None for an empty log; with ``below_seq``, among the entries
    stored before that sequence number. One pass over the log, then the
    entries of the latest time."""
    where, params = ("", []) if below_seq is None else ("WHERE seq < ?", [below_seq])
    latest, whole, text = db.execute(
        "SELECT max(CASE WHEN typeof(uid) = 'blob' AND length(uid) = 10 THEN ts END), "
        "max(CASE WHEN typeof(uid) = 'blob' AND length(uid) != 10 THEN uid END), "
        f"max(CASE WHEN typeof(uid) = 'text' THEN uid END) FROM revlog {where}",
        params).fetchone()
    candidates = [uid_text(u) for u in (whole, text) if u is not None]
    if latest is not None:
        candidates.extend(uid_text(uid, ts) for uid, ts in db.execute(
            "SELECT uid, ts FROM revlog WHERE ts = ? AND typeof(uid) = 'blob' AND length(uid) = 10"
            + (" AND seq < ?" if below_seq is not None else ""), [latest, *params]))
    return max(candidates) if candidates else None


def latest_entry_ms(db: Database) -> int:
    """The latest time a log entry's id carries (ms since the epoch; 0 for
    an empty log or ids that are no UUID): one pass over the log."""
    latest, whole = db.execute(
        "SELECT max(CASE WHEN length(uid) = 10 THEN ts END), "
        "max(CASE WHEN length(uid) = 16 THEN uid END) FROM revlog").fetchone()
    return max(latest or 0, int.from_bytes(whole[:6], "big") if isinstance(whole, bytes) else 0)
