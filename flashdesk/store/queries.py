"""Every query of the collection, as named functions with bound parameters.

Functions that write do not commit on their own when called inside
``db.atomic()``; the collection decides where a transaction begins and ends.
"""

from __future__ import annotations

import json
from typing import Iterable, Sequence

from sqlite_utils import Database

# -- config -------------------------------------------------------------------


def get_config(db: Database, key: str, default=None):
    row = db.execute("SELECT value FROM config WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def set_config(db: Database, key: str, value) -> None:
    db.execute("INSERT INTO config(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               [key, json.dumps(value)])


def delete_config(db: Database, key: str) -> None:
    db.execute("DELETE FROM config WHERE key = ?", [key])


# -- decks ----------------------------------------------------------------------

DECK_COLUMNS = ("id, name, description, version, source_path, new_limit, review_limit, "
                "bury_siblings, exam_date")


def list_decks(db: Database) -> list[dict]:
    return list(db.query(f"SELECT {DECK_COLUMNS} FROM decks ORDER BY name COLLATE NOCASE"))


def get_deck(db: Database, deck_id: str) -> dict | None:
    return next(db.query(f"SELECT {DECK_COLUMNS} FROM decks WHERE id = ?", [deck_id]), None)


def deck_by_name(db: Database, name: str) -> dict | None:
    return next(db.query(f"SELECT {DECK_COLUMNS} FROM decks WHERE name = ? COLLATE NOCASE",
                         [name]), None)


def insert_deck(db: Database, row: dict) -> None:
    db.execute(
        "INSERT INTO decks(id, name, description, version, source_path, created, modified) "
        "VALUES (:id, :name, :description, :version, :source_path, :now, :now)", row)


def update_deck(db: Database, row: dict) -> None:
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
    db.execute("UPDATE decks SET new_limit = ?, review_limit = ? WHERE id = ?",
               [new_limit, review_limit, deck_id])


# -- counts -------------------------------------------------------------------


def _by_deck(db: Database, sql: str, params: Sequence = ()) -> dict[str, int]:
    return dict(db.execute(sql, params).fetchall())


def count_new(db: Database) -> dict[str, int]:
    return _by_deck(db, "SELECT deck_id, count(*) FROM cards WHERE queue = 0 GROUP BY deck_id")


def count_unstudied(db: Database) -> dict[str, int]:
    """deck id → cards never answered, buried ones included (an exam plan's new cards)."""
    return _by_deck(db, "SELECT deck_id, count(*) FROM cards WHERE type = 0 AND queue IN (0, -2) "
                        "GROUP BY deck_id")


def count_learning(db: Database) -> dict[str, int]:
    return _by_deck(db, "SELECT deck_id, count(*) FROM cards WHERE queue = 1 GROUP BY deck_id")


def count_due(db: Database, today: int) -> dict[str, int]:
    return _by_deck(db, "SELECT deck_id, count(*) FROM cards WHERE queue = 2 AND due <= ? "
                        "GROUP BY deck_id", [today])


def count_total(db: Database) -> dict[str, int]:
    return _by_deck(db, "SELECT deck_id, count(*) FROM cards GROUP BY deck_id")


_NOT_UNDONE = ("NOT EXISTS (SELECT 1 FROM revlog u WHERE u.undoes = r.id)")


def done_today(db: Database, today: int) -> dict[str, tuple[int, int]]:
    """deck id → (new cards introduced, reviews answered) on ``today``, first answers only."""
    rows = db.execute(
        "SELECT c.deck_id, sum(r.was_new), sum(1 - r.was_new) FROM revlog r "
        "JOIN cards c ON c.id = r.card_id "
        f"WHERE r.day = ? AND r.kind = 'review' AND {_NOT_UNDONE} GROUP BY c.deck_id",
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
    return db.execute("SELECT due, id FROM cards WHERE queue = 2 AND deck_id = ? AND due <= ? "
                      "ORDER BY due, id LIMIT ?", [deck_id, today, limit]).fetchall()


def new_card_ids(db: Database, deck_id: str, limit: int) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT id FROM cards WHERE queue = 0 AND deck_id = ? ORDER BY new_pos LIMIT ?",
        [deck_id, limit])]


def learning_card_ids(db: Database, deck_ids: Iterable[str]) -> list[tuple[int, str]]:
    ids = list(deck_ids)
    marks = ",".join("?" * len(ids))
    return db.execute(f"SELECT redrill_seq, id FROM cards WHERE queue = 1 AND deck_id IN ({marks})",
                      ids).fetchall()


def last_seq(db: Database) -> int:
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
    "SELECT c.id, c.note_id, c.deck_id, c.ord, " + ", ".join(f"c.{c}" for c in SCHEDULE_COLUMNS)
    + ", n.kind, n.fields, n.tags, n.source, d.name AS deck_name, "
    "(SELECT count(*) FROM cards s WHERE s.note_id = c.note_id) AS siblings "
    "FROM cards c JOIN notes n ON n.id = c.note_id JOIN decks d ON d.id = c.deck_id ")


_GET_CARD = _CARD_SELECT + "WHERE c.id = ?"


def get_card(db: Database, card_id: str) -> dict | None:
    """One card with its note's fields and its deck's name (the study path:
    one plain statement, no savepoint around it)."""
    cursor = db.conn.execute(_GET_CARD, [card_id])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row))


_SET_SCHEDULE = ("UPDATE cards SET " + ", ".join(f"{c} = :{c}" for c in SCHEDULE_COLUMNS)
                 + ", answers = answers + :answers WHERE id = :card_id")


def set_schedule(db: Database, card_id: str, schedule, answers: int = 0) -> None:
    """Write a card's ``CardSchedule`` and add ``answers`` (+1 for an
    answer, -1 for an undone one) to its count of answers: one statement."""
    db.execute(_SET_SCHEDULE, {**schedule.to_dict(), "answers": answers, "card_id": card_id})


def bury_siblings(db: Database, card_id: str, note_id: str, today: int) -> list[str]:
    """Bury the other cards of ``note_id`` that today's study would show
    (new, or reviews due today) until the next study day; their ids."""
    ids = [r[0] for r in db.execute(
        "SELECT id FROM cards WHERE note_id = ? AND id != ? AND (queue = 0 OR "
        "(queue = 2 AND due <= ?))", [note_id, card_id, today])]
    if ids:
        db.conn.executemany("UPDATE cards SET queue = -2, buried_day = ? WHERE id = ?",
                            [(today, c) for c in ids])
    return ids


def unbury(db: Database, card_ids: Sequence[str], day: int) -> None:
    """Give back cards buried on study ``day`` (and still buried) to their queue."""
    db.conn.executemany("UPDATE cards SET queue = type, buried_day = NULL "
                        "WHERE id = ? AND queue = -2 AND buried_day = ?",
                        [(c, day) for c in card_ids])


def set_due(db: Database, card_id: str, due: int) -> None:
    db.execute("UPDATE cards SET due = ? WHERE id = ?", [due, card_id])


def review_cards_due_from(db: Database, deck_ids: Sequence[str], first_day: int) -> list[dict]:
    """Review cards of these decks (not suspended) due on ``first_day`` or later."""
    marks = ",".join("?" * len(deck_ids))
    return list(db.query(
        f"SELECT id, {', '.join(SCHEDULE_COLUMNS)} FROM cards WHERE deck_id IN ({marks}) "
        "AND type = 2 AND queue != -1 AND due >= ?", [*deck_ids, first_day]))


def exam_progress(db: Database, deck_ids: Sequence[str], exam: int, final_from: int) -> dict:
    """For an exam plan: the cards of these decks (not suspended), the new
    ones among them, and those on track (studied, and due before the exam or
    last answered on ``final_from`` or later)."""
    marks = ",".join("?" * len(deck_ids))
    cards, new, on_track = db.execute(
        "SELECT count(*), coalesce(sum(type = 0), 0), coalesce(sum(type = 2 AND "
        f"(due < ? OR last_day >= ?)), 0) FROM cards WHERE deck_id IN ({marks}) AND queue != -1",
        [exam, final_from, *deck_ids]).fetchone()
    return {"cards": cards, "new": new, "on_track": on_track}


def due_ahead_ids(db: Database, deck_ids: Sequence[str], today: int, until: int) -> list[str]:
    """Review cards due after today and by ``until``, soonest first (review ahead)."""
    marks = ",".join("?" * len(deck_ids))
    return [r[0] for r in db.execute(
        f"SELECT id FROM cards WHERE deck_id IN ({marks}) AND queue = 2 AND due > ? "
        "AND due <= ? ORDER BY due, id", [*deck_ids, today, until])]


def forgotten_ids(db: Database, deck_ids: Sequence[str], first_day: int) -> list[str]:
    """Cards answered below Hard on ``first_day`` or later (not undone), not suspended."""
    marks = ",".join("?" * len(deck_ids))
    return [r[0] for r in db.execute(
        "SELECT DISTINCT c.id FROM revlog r JOIN cards c ON c.id = r.card_id "
        f"WHERE c.deck_id IN ({marks}) AND c.queue != -1 AND r.day >= ? "
        f"AND r.kind IN ('review', 'redrill') AND r.quality < 3 AND {_NOT_UNDONE} "
        "ORDER BY c.new_pos", [*deck_ids, first_day])]


def drill_ids(db: Database, deck_ids: Sequence[str], tag: str | None) -> list[str]:
    """Every card of these decks (not suspended), or those whose note has
    ``tag``: studied cards first (soonest due), then new ones."""
    marks = ",".join("?" * len(deck_ids))
    where, params = "", []
    if tag:
        where, params = " AND (' ' || n.tags || ' ') LIKE ?", [f"% {tag} %"]
    return [r[0] for r in db.execute(
        "SELECT c.id FROM cards c JOIN notes n ON n.id = c.note_id "
        f"WHERE c.deck_id IN ({marks}) AND c.queue != -1{where} "
        "ORDER BY c.type = 0, c.due, c.new_pos", [*deck_ids, *params])]


def answered_after(db: Database, card_id: str, seq: int) -> bool:
    """Whether the log holds an answer to ``card_id`` after entry ``seq``
    that has not been undone (from any process)."""
    return db.execute(
        f"SELECT EXISTS (SELECT 1 FROM revlog r WHERE r.card_id = ? AND r.seq > ? "
        f"AND r.kind IN ('review', 'redrill') AND {_NOT_UNDONE})", [card_id, seq]).fetchone()[0] == 1


def card_states(db: Database, card_ids: Sequence[str]) -> list[dict]:
    """id, deck_id, queue, buried_day and every schedule column (with
    ``answers`` and ``new_pos``) of these cards, for undo."""
    cols = ", ".join(SCHEDULE_COLUMNS)
    rows: list[dict] = []
    for start in range(0, len(card_ids), 500):
        chunk = list(card_ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        rows.extend(db.query(f"SELECT id, deck_id, answers, new_pos, {cols} FROM cards "
                             f"WHERE id IN ({marks})", chunk))
    return rows


def restore_queue(db: Database, rows: Sequence[tuple[int, int | None, str, int]]) -> None:
    """rows: (queue, buried_day, card id, expected current queue): put a
    card's queue back only where nobody changed it since."""
    db.conn.executemany("UPDATE cards SET queue = ?, buried_day = ? WHERE id = ? AND queue = ?",
                        rows)


def restore_schedules(db: Database, rows: Sequence[dict]) -> None:
    """Write back whole card states taken with ``card_states``."""
    assigns = ", ".join(f"{c} = :{c}" for c in (*SCHEDULE_COLUMNS, "answers", "new_pos"))
    db.conn.executemany(f"UPDATE cards SET {assigns} WHERE id = :id", rows)


def set_card_decks(db: Database, rows: Sequence[tuple[str, str, str]]) -> None:
    """rows: (deck id, card id, expected current deck id)."""
    db.conn.executemany("UPDATE cards SET deck_id = ? WHERE id = ? AND deck_id = ?", rows)


def note_text_row(db: Database, note_id: str) -> dict | None:
    """A note's fields and the columns derived from them."""
    return next(db.query("SELECT id, fields, checksum, sort_text, search_text, tags FROM notes "
                         "WHERE id = ?", [note_id]), None)


def reset_cards(db: Database, card_ids: Sequence[str], start_pos: int) -> None:
    db.conn.executemany(
        "UPDATE cards SET type = 0, queue = 0, reps = 0, ease = 250, interval = 0, due = NULL, "
        "lapses = 0, last_day = NULL, buried_day = NULL, redrill_seq = 0, answers = 0, new_pos = ? "
        "WHERE id = ?", [(start_pos + i, c) for i, c in enumerate(card_ids)])


def set_queue(db: Database, card_ids: Sequence[str], queue: int, buried_day: int | None = None) -> None:
    """Suspend (-1) or bury (-2); burying leaves suspended cards suspended."""
    db.conn.executemany("UPDATE cards SET queue = ?, buried_day = ? WHERE id = ? "
                        "AND NOT (? = -2 AND queue = -1)",
                        [(queue, buried_day, cid, queue) for cid in card_ids])


def unsuspend(db: Database, card_ids: Sequence[str], today: int) -> None:
    """Back to where the card was: a re-drill still owed today returns to learning."""
    db.conn.executemany(
        "UPDATE cards SET queue = CASE WHEN type = 2 AND last_day = ? AND redrill_seq > 0 "
        "THEN 1 ELSE type END WHERE id = ? AND queue = -1",
        [(today, cid) for cid in card_ids])


def _schedule_json(schedule) -> str | None:
    if schedule is None:
        return None
    return json.dumps(schedule if isinstance(schedule, dict) else schedule.to_dict())


def insert_log(db: Database, entry: dict) -> int:
    """Append a review-log entry (``before``/``after``: ``CardSchedule``, a
    mapping of its fields (with extra keys an entry kind needs), or None);
    returns its sequence number."""
    entry = {**entry, "before": _schedule_json(entry["before"]),
             "after": _schedule_json(entry["after"])}
    cur = db.execute(
        "INSERT INTO revlog(id, card_id, ts, day, kind, quality, was_new, time_ms, before, after, "
        "undoes) VALUES (:id, :card_id, :ts, :day, :kind, :quality, :was_new, :time_ms, :before, "
        ":after, :undoes)", entry)
    return int(cur.lastrowid or 0)


def last_answers(db: Database, limit: int) -> list[dict]:
    """The latest answers that have not been undone, newest first."""
    return list(db.query(
        f"SELECT * FROM revlog r WHERE kind IN ('review', 'redrill') AND {_NOT_UNDONE} "
        "ORDER BY seq DESC LIMIT ?", [limit]))


def card_log(db: Database, card_id: str) -> list[dict]:
    return list(db.query("SELECT * FROM revlog WHERE card_id = ? ORDER BY seq", [card_id]))


def set_note_tags(db: Database, note_id: str, tags: str) -> None:
    db.execute("UPDATE notes SET tags = ? WHERE id = ?", [tags, note_id])


def get_note(db: Database, note_id: str) -> dict | None:
    return next(db.query("SELECT * FROM notes WHERE id = ?", [note_id]), None)


def update_note_fields(db: Database, note_id: str, fields: str, checksum: str, now: int,
                       sort_text: str, search_text: str) -> None:
    db.execute("UPDATE notes SET fields = ?, checksum = ?, modified = ?, sort_text = ?, "
               "search_text = ? WHERE id = ?",
               [fields, checksum, now, sort_text, search_text, note_id])


# -- import -------------------------------------------------------------------


def note_checksums(db: Database, deck_id: str) -> dict[str, str]:
    return dict(db.execute("SELECT id, checksum FROM notes WHERE deck_id = ?", [deck_id]).fetchall())


def _notes_where(db: Database, column: str, values: Sequence[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    sql = {"identity": "SELECT id, identity, deck_id, checksum FROM notes WHERE identity IN ({})",
           "id": "SELECT id, identity, deck_id, checksum FROM notes WHERE id IN ({})"}[column]
    values = list(dict.fromkeys(values))
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        for row in db.query(sql.format(",".join("?" * len(chunk))), chunk):
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
    db.conn.executemany("UPDATE notes SET deck_id = ? WHERE id = ?",
                        [(new, nid) for new, nid, _ in rows])
    db.conn.executemany("UPDATE cards SET deck_id = ? WHERE note_id = ? AND deck_id = ?", rows)


def set_note_decks(db: Database, rows: Sequence[tuple[str, str]]) -> None:
    """rows: (deck id, note id): the deck a note belongs to (where it was
    made), its cards left where they are."""
    db.conn.executemany("UPDATE notes SET deck_id = ? WHERE id = ?", rows)


def note_ids_in_deck(db: Database, deck_id: str) -> list[str]:
    """The ids of the notes whose deck is ``deck_id`` (not its sub-decks)."""
    return [r[0] for r in db.execute("SELECT id FROM notes WHERE deck_id = ?", [deck_id])]


def card_ords(db: Database, note_ids: Sequence[str]) -> dict[str, set[int]]:
    result: dict[str, set[int]] = {}
    for start in range(0, len(note_ids), 500):
        chunk = note_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for note, ord_ in db.execute(
                f"SELECT note_id, ord FROM cards WHERE note_id IN ({marks})", chunk):
            result.setdefault(note, set()).add(ord_)
    return result


def next_new_pos(db: Database) -> int:
    return db.execute("SELECT coalesce(max(new_pos), 0) + 1 FROM cards").fetchone()[0]


def insert_notes(db: Database, rows: list[dict]) -> None:
    db.conn.executemany(
        "INSERT INTO notes(id, identity, deck_id, key, kind, fields, tags, source, checksum, "
        "created, modified, sort_text, search_text) VALUES (:id, :identity, :deck_id, :key, "
        ":kind, :fields, :tags, :source, :checksum, :now, :now, :sort_text, :search_text)", rows)


def update_notes(db: Database, rows: list[dict]) -> None:
    db.conn.executemany(
        "UPDATE notes SET kind = :kind, fields = :fields, tags = :tags, source = :source, "
        "checksum = :checksum, modified = :now, sort_text = :sort_text, "
        "search_text = :search_text WHERE id = :id", rows)


class bulk_search_index:
    """For a large import: stop indexing note text row by row, and rebuild
    the full-text index once at the end, inside the same transaction."""

    def __init__(self, db: Database, rows: int):
        total = db.execute("SELECT count(*) FROM notes").fetchone()[0]
        self.db = db
        self.active = rows > max(2000, total // 5)
        self.triggers: list[str] = []

    def __enter__(self):
        if self.active:
            self.triggers = [sql for name, sql in self.db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'notes' AND name LIKE 'notes_a%'")]
            for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                           "AND tbl_name = 'notes' AND name LIKE 'notes_a%'"
                                           ).fetchall():
                self.db.execute(f"DROP TRIGGER [{name}]")
        return self

    def __exit__(self, exc_type, *exc) -> None:
        # on failure the transaction's rollback brings the triggers back by itself
        if self.active and exc_type is None:
            self.db.execute("INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')")
            for sql in self.triggers:
                self.db.execute(sql)


def insert_cards(db: Database, rows: Sequence[tuple[str, str, str, int, int]]) -> None:
    """rows: (card id, note id, deck id, ord, new_pos)."""
    db.conn.executemany(
        "INSERT INTO cards(id, note_id, deck_id, ord, type, queue, new_pos) "
        "VALUES (?, ?, ?, ?, 0, 0, ?)", rows)


def delete_notes(db: Database, note_ids: Sequence[str]) -> None:
    """Remove notes and their cards; the review log keeps their history."""
    db.conn.executemany("DELETE FROM cards WHERE note_id = ?", [(n,) for n in note_ids])
    db.conn.executemany("DELETE FROM notes WHERE id = ?", [(n,) for n in note_ids])


def delete_cards(db: Database, card_ids: Sequence[str]) -> None:
    db.conn.executemany("DELETE FROM cards WHERE id = ?", [(c,) for c in card_ids])


def notes_in_decks(db: Database, deck_ids: Sequence[str]) -> list[dict]:
    """The notes that have a card in these decks (and those made in them
    that have no card), for an export: ``deck_id`` is the note's own deck
    when it is one of these, else the deck of its first card in them."""
    return list(db.query(
        "SELECT n.id, n.identity, CASE WHEN n.deck_id IN (SELECT value FROM json_each(:decks)) "
        "THEN n.deck_id ELSE (SELECT c.deck_id FROM cards c WHERE c.note_id = n.id AND "
        "c.deck_id IN (SELECT value FROM json_each(:decks)) ORDER BY c.ord LIMIT 1) END AS deck_id, "
        "n.key, n.kind, n.fields, n.tags, n.source FROM notes n WHERE n.id IN (SELECT c.note_id "
        "FROM cards c WHERE c.deck_id IN (SELECT value FROM json_each(:decks))) OR "
        "(n.deck_id IN (SELECT value FROM json_each(:decks)) AND NOT EXISTS "
        "(SELECT 1 FROM cards c WHERE c.note_id = n.id)) ORDER BY 3, n.created, n.rowid",
        {"decks": json.dumps(list(deck_ids))}))


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


def log_by_card(db: Database):
    """Every log entry, grouped by card and in order: (card id, entries);
    a 'reschedule' entry also has its new ``due`` day, an 'imported' entry its
    ``after`` (JSON text)."""
    cursor = db.execute("SELECT card_id, seq, id, kind, quality, day, undoes, "
                        "CASE WHEN kind = 'reschedule' THEN json_extract(after, '$.due') END, "
                        "CASE WHEN kind = 'imported' THEN after END FROM revlog "
                        "ORDER BY card_id, seq")
    columns = ("seq", "id", "kind", "quality", "day", "undoes", "due", "after")
    current: str | None = None
    entries: list[dict] = []
    for row in cursor:
        if row[0] != current:
            if current is not None:
                yield current, entries
            current, entries = row[0], []
        entries.append(dict(zip(columns, row[1:])))
    if current is not None:
        yield current, entries


def all_schedules(db: Database) -> dict[str, dict]:
    cols = ", ".join(SCHEDULE_COLUMNS)
    return {r["id"]: r for r in db.query(f"SELECT id, answers, {cols} FROM cards")}


def set_lapses(db: Database, rows: Sequence[tuple[int, str]]) -> None:
    """rows: (lapses, card id)."""
    db.conn.executemany("UPDATE cards SET lapses = ? WHERE id = ?", rows)


def set_sm2_fields(db: Database, rows: list[dict]) -> None:
    db.conn.executemany(
        "UPDATE cards SET type = :type, reps = :reps, ease = :ease, interval = :interval, "
        "due = :due, lapses = :lapses, last_day = :last_day, answers = :answers, "
        "queue = CASE WHEN queue < 0 THEN queue ELSE :queue END, redrill_seq = :redrill_seq "
        "WHERE id = :id", rows)


# -- browsing -------------------------------------------------------------------

#: sort key → SQL expression (a fixed list: sort keys never reach SQL as text)
BROWSE_SORT = {
    "deck": "d.name COLLATE NOCASE", "front": "n.sort_text COLLATE NOCASE", "kind": "n.kind",
    "state": "c.queue", "due": "coalesce(c.due, 1e9)", "interval": "c.interval",
    "ease": "c.ease", "answers": "c.answers", "lapses": "c.lapses", "added": "c.new_pos",
}
BROWSE_STATE: dict[str, tuple[str, list]] = {
    "any": ("", []), "new": ("c.queue = 0", []), "learning": ("c.queue = 1", []),
    "review": ("c.queue = 2", []), "suspended": ("c.queue = -1", []),
    "buried": ("c.queue = -2", []), "leech": ("(' ' || n.tags || ' ') LIKE '% leech %'", []),
}


def fts_query(text: str) -> str:
    """Words as an FTS5 query: every word must match, each as a prefix."""
    words = [w.replace('"', '""') for w in text.split()]
    return " ".join(f'"{w}"*' for w in words)


def browse_ids(db: Database, *, text: str, deck_ids: Sequence[str] | None, tag: str | None,
               state: str, today: int, sort: str, descending: bool) -> list[str]:
    where: list[str] = []
    params: list[object] = []
    if text.strip():
        where.append("n.rowid IN (SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?)")
        params.append(fts_query(text))
    if deck_ids is not None:
        where.append(f"c.deck_id IN ({','.join('?' * len(deck_ids))})")
        params.extend(deck_ids)
    if tag:
        where.append("(' ' || n.tags || ' ') LIKE ?")
        params.append(f"% {tag} %")
    if state == "due":
        where.append("c.queue IN (1, 2) AND c.due <= ?")
        params.append(today)
    elif BROWSE_STATE[state][0]:
        where.append(BROWSE_STATE[state][0])
    order = BROWSE_SORT[sort] + (" DESC" if descending else "")
    sql = ("SELECT c.id FROM cards c JOIN notes n ON n.id = c.note_id "
           + ("JOIN decks d ON d.id = c.deck_id " if sort == "deck" else "")
           + ("WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {order}, c.new_pos")
    return [r[0] for r in db.execute(sql, params)]


def browse_rows(db: Database, card_ids: Sequence[str]) -> list[dict]:
    marks = ",".join("?" * len(card_ids))
    return list(db.query(
        "SELECT c.id, c.note_id, d.name AS deck_name, n.sort_text, n.kind, c.ord, c.queue, c.due, "
        "c.interval, c.ease, c.answers, c.lapses, n.tags FROM cards c "
        "JOIN notes n ON n.id = c.note_id JOIN decks d ON d.id = c.deck_id "
        f"WHERE c.id IN ({marks})", list(card_ids)))


def all_tags(db: Database) -> list[str]:
    tags = set()
    for (text,) in db.execute("SELECT DISTINCT tags FROM notes WHERE tags != ''"):
        tags.update(text.split())
    return sorted(tags, key=str.casefold)


def deck_tags(db: Database, deck_ids: Sequence[str]) -> list[str]:
    """The tags of the notes with a card in these decks."""
    marks = ",".join("?" * len(deck_ids))
    tags = set()
    for (text,) in db.execute(
            "SELECT DISTINCT n.tags FROM notes n JOIN cards c ON c.note_id = n.id "
            f"WHERE n.tags != '' AND c.deck_id IN ({marks})", list(deck_ids)):
        tags.update(text.split())
    return sorted(tags, key=str.casefold)


def move_cards(db: Database, card_ids: Sequence[str], deck_id: str) -> None:
    db.conn.executemany("UPDATE cards SET deck_id = ? WHERE id = ?",
                        [(deck_id, c) for c in card_ids])


def notes_rows(db: Database, note_ids: Sequence[str]) -> list[dict]:
    marks = ",".join("?" * len(note_ids))
    return list(db.query(f"SELECT * FROM notes WHERE id IN ({marks})", list(note_ids)))


def cards_of_notes(db: Database, note_ids: Sequence[str]) -> list[dict]:
    rows: list[dict] = []
    for start in range(0, len(note_ids), 500):
        chunk = list(note_ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        rows.extend(db.query(f"SELECT * FROM cards WHERE note_id IN ({marks})", chunk))
    return rows


def restore_rows(db: Database, table: str, rows: list[dict]) -> None:
    """Put back rows taken from ``notes`` or ``cards`` (deleted by mistake)."""
    if table not in ("notes", "cards") or not rows:
        return
    db.table(table).insert_all(rows)


# -- statistics -----------------------------------------------------------------


def _deck_filter(deck_ids: Sequence[str] | None, column: str = "deck_id") -> tuple[str, list]:
    if deck_ids is None:
        return "", []
    return f" AND {column} IN ({','.join('?' * len(deck_ids))})", list(deck_ids)


def count_by_queue(db: Database, deck_ids: Sequence[str] | None) -> dict[int, int]:
    where, params = _deck_filter(deck_ids)
    return dict(db.execute(f"SELECT queue, count(*) FROM cards WHERE 1 {where} GROUP BY queue",
                           params).fetchall())


def count_tagged_notes_cards(db: Database, tag: str, deck_ids: Sequence[str] | None) -> int:
    where, params = _deck_filter(deck_ids, "c.deck_id")
    return db.execute(
        "SELECT count(*) FROM cards c JOIN notes n ON n.id = c.note_id "
        f"WHERE (' ' || n.tags || ' ') LIKE ? {where}", [f"% {tag} %", *params]).fetchone()[0]


def answers_on(db: Database, day: int, deck_ids: Sequence[str] | None) -> int:
    where, params = _deck_filter(deck_ids, "c.deck_id")
    return db.execute(
        "SELECT count(*) FROM revlog r JOIN cards c ON c.id = r.card_id "
        f"WHERE r.day = ? AND r.kind IN ('review', 'redrill') AND {_NOT_UNDONE} {where}",
        [day, *params]).fetchone()[0]


def retention(db: Database, first_day: int, last_day: int,
              deck_ids: Sequence[str] | None) -> tuple[int, int]:
    """(passed, total) first answers of review cards between the two days, inclusive."""
    where, params = _deck_filter(deck_ids, "c.deck_id")
    row = db.execute(
        "SELECT coalesce(sum(r.quality >= 3), 0), count(*) FROM revlog r "
        "JOIN cards c ON c.id = r.card_id "
        f"WHERE r.day BETWEEN ? AND ? AND r.kind = 'review' AND r.was_new = 0 AND {_NOT_UNDONE}"
        f"{where}", [first_day, last_day, *params]).fetchone()
    return row[0], row[1]


def due_by_day(db: Database, until: int, deck_ids: Sequence[str] | None) -> dict[int, int]:
    where, params = _deck_filter(deck_ids)
    return dict(db.execute(
        f"SELECT due, count(*) FROM cards WHERE queue IN (1, 2) AND due < ? {where} GROUP BY due",
        [until, *params]).fetchall())


def _answers_filter(deck_ids: Sequence[str] | None) -> tuple[str, str, list]:
    if deck_ids is None:
        return "", "", []
    return ("JOIN cards c ON c.id = r.card_id ",
            f" AND c.deck_id IN ({','.join('?' * len(deck_ids))})", list(deck_ids))


def answers_per_day(db: Database, first_day: int, last_day: int,
                    deck_ids: Sequence[str] | None) -> dict[int, int]:
    join, where, params = _answers_filter(deck_ids)
    return dict(db.execute(
        f"SELECT r.day, count(*) FROM revlog r {join}WHERE r.day BETWEEN ? AND ? "
        f"AND r.kind IN ('review', 'redrill') AND {_NOT_UNDONE}{where} GROUP BY r.day",
        [first_day, last_day, *params]).fetchall())


def retention_per_day(db: Database, first_day: int, last_day: int,
                      deck_ids: Sequence[str] | None) -> dict[int, tuple[int, int]]:
    join, where, params = _answers_filter(deck_ids)
    return {d: (p, a) for d, p, a in db.execute(
        f"SELECT r.day, sum(r.quality >= 3), count(*) FROM revlog r {join}"
        f"WHERE r.day BETWEEN ? AND ? AND r.kind = 'review' AND r.was_new = 0 AND {_NOT_UNDONE}"
        f"{where} GROUP BY r.day", [first_day, last_day, *params])}


def review_intervals(db: Database, deck_ids: Sequence[str] | None) -> dict[int, int]:
    where, params = _deck_filter(deck_ids)
    return dict(db.execute(
        f"SELECT interval, count(*) FROM cards WHERE type = 2 {where} GROUP BY interval",
        params).fetchall())


def mastery_by_deck(db: Database, cap: int) -> list[tuple]:
    """(deck id, cards, studied, mastered, sum of min(interval, cap))."""
    return db.execute(
        "SELECT deck_id, count(*), sum(type = 2), sum(type = 2 AND interval >= ?), "
        "sum(CASE WHEN type = 2 THEN min(interval, ?) ELSE 0 END) FROM cards GROUP BY deck_id",
        [cap, cap]).fetchall()


def card_tags_and_intervals(db: Database, deck_ids: Sequence[str] | None) -> list[tuple]:
    """(tags, type, interval) of every card, for per-tag figures."""
    where, params = _deck_filter(deck_ids, "c.deck_id")
    return db.execute(
        "SELECT n.tags, c.type, c.interval FROM cards c JOIN notes n ON n.id = c.note_id "
        f"WHERE n.tags != '' {where}", params).fetchall()


def retention_by_deck(db: Database, first_day: int, last_day: int) -> dict[str, tuple[int, int]]:
    return {d: (p, a) for d, p, a in db.execute(
        "SELECT c.deck_id, sum(r.quality >= 3), count(*) FROM revlog r "
        "JOIN cards c ON c.id = r.card_id WHERE r.day BETWEEN ? AND ? AND r.kind = 'review' "
        f"AND r.was_new = 0 AND {_NOT_UNDONE} GROUP BY c.deck_id", [first_day, last_day])}


def retention_by_tag(db: Database, first_day: int, last_day: int,
                     deck_ids: Sequence[str] | None) -> list[tuple]:
    """(tags, passed, answered) per note with answers in the range."""
    where, params = _deck_filter(deck_ids, "c.deck_id")
    return db.execute(
        "SELECT n.tags, sum(r.quality >= 3), count(*) FROM revlog r "
        "JOIN cards c ON c.id = r.card_id JOIN notes n ON n.id = c.note_id "
        "WHERE r.day BETWEEN ? AND ? AND r.kind = 'review' AND r.was_new = 0 "
        f"AND n.tags != '' AND {_NOT_UNDONE} {where} GROUP BY n.id",
        [first_day, last_day, *params]).fetchall()


def activity_by_deck(db: Database, first_day: int, last_day: int) -> list[tuple]:
    """Per deck with answers in the range: (deck id, answers, new cards learned,
    passed, answered reviews, milliseconds)."""
    return db.execute(
        "SELECT c.deck_id, sum(r.kind IN ('review', 'redrill')), "
        "sum(r.kind = 'review' AND r.was_new = 1), "
        "sum(r.kind = 'review' AND r.was_new = 0 AND r.quality >= 3), "
        "sum(r.kind = 'review' AND r.was_new = 0), sum(r.time_ms) "
        "FROM revlog r JOIN cards c ON c.id = r.card_id "
        f"WHERE r.day BETWEEN ? AND ? AND r.kind IN ('review', 'redrill') AND {_NOT_UNDONE} "
        "GROUP BY c.deck_id", [first_day, last_day]).fetchall()


def study_days(db: Database, first_day: int, last_day: int) -> int:
    return db.execute(
        "SELECT count(DISTINCT r.day) FROM revlog r WHERE r.day BETWEEN ? AND ? "
        f"AND r.kind IN ('review', 'redrill') AND {_NOT_UNDONE}", [first_day, last_day]).fetchone()[0]


# -- authoring: notes and decks made in the window ---------------------------------


def deck_rows(db: Database, deck_ids: Sequence[str]) -> list[dict]:
    """Whole rows of these decks (for undo), parents before their children."""
    marks = ",".join("?" * len(deck_ids))
    return list(db.query(f"SELECT * FROM decks WHERE id IN ({marks}) ORDER BY name",
                         list(deck_ids)))


def rename_deck(db: Database, deck_id: str, name: str, now: int) -> None:
    db.execute("UPDATE decks SET name = ?, modified = ? WHERE id = ?", [name, now, deck_id])


def set_deck_description(db: Database, deck_id: str, description: str, now: int) -> None:
    db.execute("UPDATE decks SET description = ?, modified = ? WHERE id = ?",
               [description, now, deck_id])


def delete_decks(db: Database, deck_ids: Sequence[str]) -> None:
    """Remove deck rows (their notes and cards must be gone already)."""
    db.conn.executemany("DELETE FROM decks WHERE id = ?", [(d,) for d in deck_ids])


def restore_decks(db: Database, rows: Sequence[dict]) -> None:
    """Put back deck rows taken with ``deck_rows``."""
    if rows:
        db.table("decks").insert_all(list(rows))


def notes_of_decks(db: Database, deck_ids: Sequence[str]) -> list[str]:
    """Ids of the notes that belong to these decks or have a card in them."""
    marks = ",".join("?" * len(deck_ids))
    return [r[0] for r in db.execute(
        f"SELECT id FROM notes WHERE deck_id IN ({marks}) "
        f"UNION SELECT note_id FROM cards WHERE deck_id IN ({marks})",
        [*deck_ids, *deck_ids])]


def same_first_field(db: Database, deck_id: str, sort_text: str, limit: int = 5) -> list[dict]:
    """Notes of ``deck_id`` (or with a card in it) whose first field reads
    ``sort_text`` (ignoring case): id and first field."""
    return list(db.query(
        "SELECT id, sort_text FROM notes WHERE sort_text = ? COLLATE NOCASE AND (deck_id = ? "
        "OR id IN (SELECT note_id FROM cards WHERE deck_id = ?)) ORDER BY created LIMIT ?",
        [sort_text, deck_id, deck_id, limit]))


def note_id_used(db: Database, note_id: str) -> bool:
    """Whether ``note_id`` is taken: by a note (as its id or its identity),
    or by a deleted note whose cards the review log still remembers."""
    return db.execute(
        "SELECT EXISTS (SELECT 1 FROM notes WHERE id = ? OR identity = ?) OR EXISTS (SELECT 1 "
        "FROM revlog WHERE card_id >= ? AND card_id < ?)",
        [note_id, note_id, note_id + "#", note_id + "$"]).fetchone()[0] == 1


def set_note_checksum(db: Database, note_id: str, checksum: str) -> None:
    db.execute("UPDATE notes SET checksum = ? WHERE id = ?", [checksum, note_id])


def set_note_content(db: Database, row: dict) -> None:
    """A note's fields, tags, source and derived columns, as a whole (edits
    and their undo): ``row`` holds id, fields, tags, source, checksum,
    sort_text, search_text and now."""
    db.execute(
        "UPDATE notes SET fields = :fields, tags = :tags, source = :source, checksum = :checksum, "
        "modified = :now, sort_text = :sort_text, search_text = :search_text WHERE id = :id", row)


def deck_is_empty(db: Database, deck_id: str) -> bool:
    """No card, note or sub-deck is in ``deck_id``."""
    return db.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM cards WHERE deck_id = :d) "
        "AND NOT EXISTS (SELECT 1 FROM notes WHERE deck_id = :d) "
        "AND NOT EXISTS (SELECT 1 FROM decks c, decks p WHERE p.id = :d "
        "AND substr(c.name, 1, length(p.name) + 2) = p.name || '::')", {"d": deck_id}
    ).fetchone()[0] == 1
