"""The schema, created and evolved only through sqlite-utils Migrations.

A migration, once released, never changes: add a new one instead. Every
database written by an earlier release opens and migrates without loss.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Callable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

__all__ = ["migrations", "APPLICATION_ID", "MIGRATION_SET", "migration_progress"]

#: PRAGMA application_id of a flashdesk collection ("FDSK")
APPLICATION_ID = 0x4644534B
MIGRATION_SET = "flashdesk"

migrations = Migrations(MIGRATION_SET)

#: set while migrations run (``open_database(progress=…)``): a long migration
#: calls it as ``progress(done, total)`` – review-log entries converted so far,
#: out of all – so a window can show how far it has got
migration_progress: ContextVar[Callable[[int, int], object] | None] = ContextVar(
    "migration_progress", default=None)


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.table("decks").create({
        "id": str, "name": str, "description": str, "version": str, "source_path": str,
        "new_limit": int, "review_limit": int, "created": int, "modified": int,
    }, pk="id", not_null={"name"}, defaults={
        "description": "", "version": "", "source_path": "", "new_limit": 20,
        "review_limit": 200,
    })
    db.table("decks").create_index(["name"], unique=True)
    db.table("notes").create({
        "id": str, "deck_id": str, "key": str, "kind": str, "fields": str, "tags": str,
        "source": str, "checksum": str, "created": int, "modified": int,
    }, pk="id", not_null={"deck_id", "kind", "fields"}, defaults={"tags": "", "source": ""},
        foreign_keys=[("deck_id", "decks", "id")])
    db.table("notes").create_index(["deck_id"])
    # type: 0 new, 2 review; queue: Queue (-2 buried, -1 suspended, 0 new, 1 learning, 2 review).
    # ease in hundredths; due and last_day are study days; redrill_seq orders
    # same-day re-drills; new_pos orders new cards.
    db.table("cards").create({
        "id": str, "note_id": str, "deck_id": str, "ord": int, "type": int, "queue": int,
        "reps": int, "ease": int, "interval": int, "due": int, "lapses": int,
        "last_day": int, "buried_day": int, "redrill_seq": int, "new_pos": int,
    }, pk="id", not_null={"note_id", "deck_id", "ord", "type", "queue"}, defaults={
        "type": 0, "queue": 0, "reps": 0, "ease": 250, "interval": 0, "lapses": 0,
        "redrill_seq": 0,
    }, foreign_keys=[("note_id", "notes", "id"), ("deck_id", "decks", "id")])
    db.table("cards").create_index(["queue", "deck_id", "due"], index_name="cards_queue_deck_due")
    db.table("cards").create_index(["queue", "due"], index_name="cards_queue_due")
    db.table("cards").create_index(["deck_id"], index_name="cards_deck")
    db.table("cards").create_index(["note_id"], index_name="cards_note")
    # The review log is append-only. ``id`` is a UUID (time-ordered); ``kind`` is
    # 'review' (the day's first answer: SM-2 applied), 'redrill' (a same-day
    # re-drill: SM-2 unchanged) or 'undo' (takes back the entry named by ``undoes``).
    # ``before``/``after`` are the card's full schedule as JSON.
    db.table("revlog").create({
        "seq": int, "id": str, "card_id": str, "ts": int, "day": int, "kind": str,
        "quality": int, "was_new": int, "time_ms": int, "before": str, "after": str,
        "undoes": str,
    }, pk="seq", not_null={"id", "card_id", "ts", "day", "kind"})
    db.table("revlog").create_index(["id"], unique=True, index_name="revlog_id")
    db.table("revlog").create_index(["day"], index_name="revlog_day")
    db.table("revlog").create_index(["card_id"], index_name="revlog_card")
    db.execute("CREATE INDEX revlog_undoes ON revlog(undoes) WHERE undoes IS NOT NULL")
    db.table("config").create({"key": str, "value": str}, pk="key")


@migrations()
def m002_browse(db: Database) -> None:
    """Plain text of each note for sorting and full-text search, and each
    card's count of answers, for the card browser."""
    import html
    import json
    import re

    # frozen copies of the text helpers as they were when this migration shipped
    cloze = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
    first_field = {"basic": "front", "cloze": "text", "choice": "question", "order": "prompt",
                   "scenario": "prompt"}

    def plain(fragment: str) -> str:
        text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", fragment, flags=re.I)
        text = re.sub(r"<li[^>]*>", "• ", text, flags=re.I)
        return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()

    def flat(value) -> str:
        if isinstance(value, list):
            return " ".join(flat(v) for v in value)
        if not isinstance(value, str):
            return ""
        if "<" in value or "&" in value or "{{" in value:
            value = plain(cloze.sub(r"\2", value))
        return " ".join(value.split())

    def note_texts(kind: str, fields: dict) -> tuple[str, str]:
        texts = {name: flat(value) for name, value in fields.items()}
        return (texts.get(first_field[kind], ""), " ".join(t for t in texts.values() if t))

    db.table("notes").add_column("sort_text", str, not_null_default="")
    db.table("notes").add_column("search_text", str, not_null_default="")
    db.table("cards").add_column("answers", int, not_null_default=0)
    rows = [(*note_texts(kind, json.loads(fields)), nid)
            for nid, kind, fields in db.execute("SELECT id, kind, fields FROM notes")]
    db.conn.executemany("UPDATE notes SET sort_text = ?, search_text = ? WHERE id = ?", rows)
    db.execute(
        "UPDATE cards SET answers = (SELECT count(*) FROM revlog r WHERE r.card_id = cards.id "
        "AND r.kind IN ('review', 'redrill') "
        "AND NOT EXISTS (SELECT 1 FROM revlog u WHERE u.undoes = r.id))")
    db.table("notes").enable_fts(["sort_text", "search_text", "tags"], create_triggers=True,
                           tokenize="unicode61 remove_diacritics 2")


@migrations()
def m003_revlog_cover(db: Database) -> None:
    """Statistics read answers by day: one index that covers those reads
    (the undo check needs the entry id) replaces the plain day index."""
    db.execute("DROP INDEX IF EXISTS revlog_day")
    db.execute("CREATE INDEX revlog_day_cover ON revlog(day, kind, was_new, quality, card_id, id)")
    db.execute("ANALYZE")


@migrations()
def m004_note_identity(db: Database) -> None:
    """Each note's identity: what an import matches it by, whatever deck it
    is in (an Anki guid, a spreadsheet's scoped id, a deck file's key; see
    docs/import-export.md). A note's ``id`` never changes (its cards and
    their log are named after it); every note so far keeps its id as its
    identity, and an import may later give it the identity its file now
    implies."""
    db.execute("ALTER TABLE notes ADD COLUMN identity TEXT")
    db.execute("UPDATE notes SET identity = id")
    db.execute("CREATE UNIQUE INDEX notes_identity ON notes(identity)")


@migrations()
def m004_deck_study_options(db: Database) -> None:
    """Per-deck study options: bury a note's other cards once one is answered
    (on by default, as in Anki), and the date of the exam the deck revises for
    (ISO text; sub-decks inherit it). Also the sibling cards of a note, found
    from the answer path: an index on the note column exists already."""
    db.table("decks").add_column("bury_siblings", int, not_null_default=1)
    db.table("decks").add_column("exam_date", str)


@migrations()
def m005_compact(db: Database) -> None:
    """A compact file: integer row ids under the stable text ids, and the
    review log's states in typed integer columns.

    - ``decks``, ``notes`` and ``cards`` get integer keys (``did``, ``nid``,
      ``cid``) that every join and index uses; the text ids stay, as unique
      columns, for re-import and merging devices.
    - ``card_ids`` names every card that ever existed (``cid`` → text id) and is
      never pruned: a log entry names its card even after the card is deleted.
      ``cards.last_seq`` is the card's latest log entry that has a state after.
    - ``revlog``: the UUIDv7 as bytes (``uid``: the last 10 when the first 6
      are the entry's ``ts``, as in every UUIDv7 flashdesk makes, else all 16),
      ``card`` = ``card_ids.cid``,
      ``kind`` as a number (0 review, 1 redrill, 2 reset, 3 undo, 4 cram,
      5 reschedule, 6 imported), ``undoes``
      = the ``seq`` of the entry taken back (an id not in this log goes to
      ``revlog_undoes_uid``), the state after in ``a_*`` columns (``a_type``
      NULL: no state; ``a_answers``: the answers an 'imported' entry brought),
      and the state before by ``before``: NULL – the
      ``a_*`` state of the card's latest earlier entry that has one (the new
      card's state for its first), 0 – none, 1 – in ``revlog_before``. The
      log is read by day (statistics) and by sequence; a card's entries are
      found through ``cards.last_seq`` or a scan.
    - ``notes.checksum`` is the first 64 bits of the same SHA-1, as a signed
      integer; ``notes.search_text`` is the text of the fields after the
      first (``sort_text`` has the first): stored in ``search_extra`` when it
      is not their plain values as stored (markup, lists, other kinds), read
      from ``fields`` otherwise. The full-text index keeps document lists
      only (``detail=none, columnsize=0``: words, not phrases).
    - ``notes.row_hash``: the hash of the spreadsheet row the note was last
      imported from (NULL once it is edited here): a re-import skips a row
      with a known hash before reading it.
    - ``revlog_days``: each study day's answers (re-drills included) and first
      answers of learned cards passed / answered, undone ones left out,
      kept as entries are written: the statistics' daily figures.
    - Only indexes that queries use. Columns and indexes another migration
      added to these tables are carried over as they are.
    """
    import json
    import re
    import sqlite3
    from html import unescape

    conn = db.conn
    progress = migration_progress.get()
    fields10 = ("type", "queue", "reps", "ease", "interval", "due", "lapses", "last_day",
                "buried_day", "redrill_seq")
    new_state = ('{"type": 0, "queue": 0, "reps": 0, "ease": 250, "interval": 0, "due": null, '
                 '"lapses": 0, "last_day": null, "buried_day": null, "redrill_seq": 0}')
    known = {
        "decks": ("id", "name", "description", "version", "source_path", "new_limit",
                  "review_limit", "created", "modified"),
        "notes": ("id", "deck_id", "key", "kind", "fields", "tags", "source", "checksum",
                  "created", "modified", "sort_text", "search_text"),
        "cards": ("id", "note_id", "deck_id", "ord", "type", "queue", "reps", "ease", "interval",
                  "due", "lapses", "last_day", "buried_day", "redrill_seq", "new_pos", "answers"),
        "revlog": ("seq", "id", "card_id", "ts", "day", "kind", "quality", "was_new", "time_ms",
                   "before", "after", "undoes"),
    }
    own_indexes = {"idx_decks_name", "idx_notes_deck_id", "cards_queue_deck_due",
                   "cards_queue_due", "cards_deck", "cards_note", "revlog_id", "revlog_day",
                   "revlog_card", "revlog_undoes", "revlog_day_cover"}

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def extras(table: str) -> list[tuple[str, str]]:
        """(name, definition) of columns another migration added to ``table``."""
        out = []
        for _cid, name, type_, notnull, default, _pk in conn.execute(
                f"PRAGMA table_info({q(table)})").fetchall():
            if name not in known[table]:
                definition = q(name) + (f" {type_}" if type_ else "") + (
                    f" DEFAULT {default}" if default is not None else "") + (
                    " NOT NULL" if notnull else "")
                out.append((name, definition))
        return out

    carried: list[str] = []
    for table in known:
        for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name = ? AND type IN "
                "('index', 'trigger') AND sql IS NOT NULL", [table]).fetchall():
            if name not in own_indexes and not name.startswith("notes_a"):
                carried.append(sql)
    extra = {table: extras(table) for table in known}

    def extra_defs(table: str) -> str:
        return "".join(", " + d for _, d in extra[table])

    def extra_names(table: str, prefix: str = "") -> str:
        return "".join(", " + prefix + q(n) for n, _ in extra[table])

    # references are checked when the migration commits; the old tables' pages
    # need not be overwritten as they are freed (the log lives on, converted)
    conn.execute("PRAGMA defer_foreign_keys = ON")
    secure_delete = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = OFF")
    for trigger in ("notes_ai", "notes_ad", "notes_au"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.execute("DROP TABLE IF EXISTS notes_fts")

    # -- decks --------------------------------------------------------------------
    conn.execute(
        "CREATE TABLE decks_new (did INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        "name TEXT NOT NULL, description TEXT DEFAULT '', version TEXT DEFAULT '', "
        "source_path TEXT DEFAULT '', new_limit INTEGER DEFAULT 20, "
        f"review_limit INTEGER DEFAULT 200, created INTEGER, modified INTEGER{extra_defs('decks')})")
    conn.execute(
        "INSERT INTO decks_new (id, name, description, version, source_path, new_limit, "
        f"review_limit, created, modified{extra_names('decks')}) SELECT id, name, description, "
        f"version, source_path, new_limit, review_limit, created, modified{extra_names('decks')} "
        "FROM decks ORDER BY rowid")

    # -- notes: integer keys; the search text without the first field -------------
    first_field = {"basic": "front", "cloze": "text", "choice": "question", "order": "prompt",
                   "scenario": "prompt", "typed": "prompt"}
    cloze = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
    tag = re.compile(r"<[^>]+>")

    def plain(fragment: str) -> str:
        text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", fragment, flags=re.I)
        text = re.sub(r"<li[^>]*>", "• ", text, flags=re.I)
        return unescape(tag.sub("", text)).strip()

    def flat(value) -> str:
        if isinstance(value, list):
            return " ".join(flat(v) for v in value)
        if not isinstance(value, str):
            return ""
        if "<" in value or "&" in value or "{{" in value:
            value = plain(cloze.sub(r"\2", value))
        return " ".join(value.split())

    def other_text(kind: str, fields: str) -> str:
        try:
            decoded = json.loads(fields)
        except ValueError:
            return ""
        if not isinstance(decoded, dict):
            return ""
        first = first_field.get(kind)
        return " ".join(t for t in (flat(v) for k, v in decoded.items() if k != first) if t)

    def search_extra(kind: str, fields: str) -> str | None:
        """The search text to store: none when the words of the fields after
        the first are their stored values as they are (plain text of a basic
        or cloze note: ``search_text`` reads them from ``fields``)."""
        if kind in ("basic", "cloze") and not any(m in fields for m in ("<", "&", "{{", "[")):
            return None
        return other_text(kind, fields)

    hex_digits = re.compile(r"[0-9a-f]{16,}").fullmatch

    def checksum(value):
        if not isinstance(value, str) or not hex_digits(value):
            return value
        number = int(value[:16], 16)
        return number - (1 << 64) if number >= 1 << 63 else number

    conn.execute(
        "CREATE TABLE notes_new (nid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        "deck INTEGER NOT NULL REFERENCES decks_new(did), key TEXT, kind TEXT NOT NULL, "
        "fields TEXT NOT NULL, tags TEXT DEFAULT '', source TEXT DEFAULT '', checksum INTEGER, "
        "created INTEGER, modified INTEGER, sort_text TEXT NOT NULL DEFAULT '', "
        "row_hash INTEGER, search_extra TEXT, search_text TEXT GENERATED ALWAYS AS (coalesce(search_extra, "
        "CASE kind WHEN 'basic' THEN coalesce(json_extract(fields, '$.back'), '') || ' ' || "
        "coalesce(json_extract(fields, '$.extra'), '') WHEN 'cloze' THEN "
        "coalesce(json_extract(fields, '$.extra'), '') ELSE '' END)) VIRTUAL"
        f"{extra_defs('notes')})")
    # one INSERT … SELECT: Python only for a checksum of hex digits and for a
    # note whose other fields are not plain text (markup, lists, other kinds)
    conn.create_function("_m005_checksum", 1, checksum, deterministic=True)
    conn.create_function("_m005_search_extra", 2, search_extra, deterministic=True)
    converted = conn.execute(
        f"INSERT INTO notes_new (id, deck, key, kind, fields, tags, source, checksum, created, "
        f"modified, sort_text, search_extra{extra_names('notes')}) "
        "SELECT n.id, d.did, n.key, n.kind, n.fields, n.tags, n.source, "
        "CASE WHEN typeof(n.checksum) = 'text' THEN _m005_checksum(n.checksum) "
        "ELSE n.checksum END, n.created, n.modified, n.sort_text, "
        "CASE WHEN n.kind IN ('basic', 'cloze') AND instr(n.fields, '<') = 0 "
        "AND instr(n.fields, '&') = 0 AND instr(n.fields, '{{') = 0 "
        "AND instr(n.fields, '[') = 0 THEN NULL ELSE _m005_search_extra(n.kind, n.fields) END"
        f"{extra_names('notes', 'n.')} FROM notes n "
        "JOIN decks_new d ON d.id = n.deck_id ORDER BY n.rowid").rowcount
    if converted != conn.execute("SELECT count(*) FROM notes").fetchone()[0]:
        raise ValueError("notes whose deck is missing cannot be converted")

    # -- every card that ever existed ----------------------------------------------------
    conn.execute("CREATE TABLE card_ids (cid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)")
    conn.execute("INSERT INTO card_ids (id) SELECT id FROM cards ORDER BY rowid")
    conn.execute("INSERT INTO card_ids (id) SELECT DISTINCT card_id FROM revlog "
                 "WHERE card_id NOT IN (SELECT id FROM card_ids)")
    # -- the review log ---------------------------------------------------------------
    def uid(text, ts=None):
        """The UUID as bytes: its last 10 when its first 6 are the entry's
        time (``ts``, as a UUIDv7 made then has them), else all 16; an id that
        is not a UUID in its canonical spelling is kept as it is (text)."""
        if isinstance(text, str) and len(text) == 36:
            try:
                raw = bytes.fromhex(text.replace("-", "", 4))
            except ValueError:
                return text
            h = raw.hex()
            if len(raw) == 16 and f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" == text:
                if isinstance(ts, int) and 0 <= ts < 1 << 48 and raw[:6] == ts.to_bytes(6, "big"):
                    return raw[6:]
                return raw
        return text

    latest: dict[int, str] = {}  # card row id → its latest after state, as stored
    latest_seq: dict[int, int] = {}  # card row id → the entry that has it
    flags: list[tuple[int, int]] = []  # (revlog.before, seq) where it is not NULL
    order = [0]
    fromhex = bytes.fromhex

    def entry(text, ts, seq: int, cid: int, before, after):
        """Called once per entry, in order of ``seq``: the entry's ``uid``
        (as ``uid`` makes it, inlined: this runs a million times);
        notes where ``before`` is not the card's latest earlier after state."""
        if seq <= order[0]:
            raise ValueError("review-log entries converted out of order")
        order[0] = seq
        if before is None:
            flags.append((0, seq))
        elif before != latest.get(cid, new_state):
            flags.append((1, seq))
        if after is not None:
            latest[cid] = after
            latest_seq[cid] = seq
        # canonical: 36 characters, dashes at 8, 13, 18 and 23 (so exactly
        # four: a fifth would not be hex), 32 hex digits (16 bytes: none is
        # white space), lower case
        if type(text) is str and len(text) == 36 \
                and text[8] == text[13] == text[18] == text[23] == "-":
            try:
                raw = fromhex(text.replace("-", "", 4))
            except ValueError:
                return text
            if len(raw) == 16 and text.lower() == text:
                return raw[6:] if type(ts) is int and int.from_bytes(raw[:6], "big") == ts \
                    else raw
        return text

    conn.create_function("_m005_uid", 1, uid, deterministic=True)
    conn.create_function("_m005_entry", 6, entry)
    conn.execute(
        "CREATE TABLE revlog_new (seq INTEGER PRIMARY KEY, uid BLOB NOT NULL, "
        "card INTEGER NOT NULL REFERENCES card_ids(cid), ts INTEGER NOT NULL, "
        "day INTEGER NOT NULL, kind INTEGER NOT NULL, quality INTEGER, was_new INTEGER, "
        "time_ms INTEGER, undoes INTEGER, before INTEGER, "
        + ", ".join(f"a_{f} INTEGER" for f in fields10) + ", a_answers INTEGER"
        + extra_defs("revlog") + ")")
    conn.execute(
        "CREATE TABLE revlog_before (seq INTEGER PRIMARY KEY, "
        + ", ".join(f"{f} INTEGER" for f in fields10) + ")")
    conn.execute("CREATE TABLE revlog_undoes_uid (seq INTEGER PRIMARY KEY, undoes BLOB NOT NULL)")
    conn.execute("CREATE TABLE revlog_days (day INTEGER PRIMARY KEY, answers INTEGER NOT NULL, "
                 "passed INTEGER NOT NULL, answered INTEGER NOT NULL)")
    total = conn.execute("SELECT count(*) FROM revlog").fetchone()[0]
    last = conn.execute("SELECT coalesce(max(seq), 0) FROM revlog").fetchone()[0]
    convert = (
        "INSERT INTO revlog_new (seq, uid, card, ts, day, kind, quality, was_new, time_ms, "
        "undoes, " + ", ".join(f"a_{f}" for f in fields10) + ", a_answers"
        + extra_names("revlog") + ") "
        "SELECT r.seq, _m005_entry(r.id, r.ts, r.seq, i.cid, r.before, r.after), i.cid, r.ts, "
        "r.day, CASE r.kind WHEN 'review' THEN 0 WHEN 'redrill' THEN 1 WHEN 'reset' THEN 2 "
        "WHEN 'undo' THEN 3 WHEN 'cram' THEN 4 WHEN 'reschedule' THEN 5 WHEN 'imported' THEN 6 "
        "END, r.quality, r.was_new, r.time_ms, "
        "CASE WHEN r.undoes IS NOT NULL THEN (SELECT u.seq FROM revlog u WHERE u.id = r.undoes) "
        "END, "
        + ", ".join(f"json_extract(r.after, '$.{f}')" for f in fields10)
        + ", json_extract(r.after, '$.answers')"
        + extra_names("revlog", "r.") + " FROM revlog r JOIN card_ids i ON i.id = r.card_id "
        "WHERE r.seq > ? AND r.seq <= ? ORDER BY r.seq")
    batch, start, done = 100_000, 0, 0
    while start < last:
        try:
            done += conn.execute(convert, [start, start + batch]).rowcount
        except sqlite3.IntegrityError:  # kind is NOT NULL: a kind of entry flashdesk never wrote
            raise ValueError("the review log holds entries of an unknown kind; they cannot be "
                             "converted") from None
        start += batch
        if progress is not None:
            progress(done, total)
    conn.executemany("UPDATE revlog_new SET before = ? WHERE seq = ?", flags)
    conn.executemany(
        "INSERT INTO revlog_before SELECT r.seq, "
        + ", ".join(f"json_extract(r.before, '$.{f}')" for f in fields10)
        + " FROM revlog r WHERE r.seq = ?", ((seq,) for flag, seq in flags if flag == 1))
    conn.execute(
        "INSERT INTO revlog_undoes_uid SELECT r.seq, _m005_uid(r.undoes) FROM revlog r "
        "WHERE r.undoes IS NOT NULL AND NOT EXISTS (SELECT 1 FROM revlog u WHERE u.id = r.undoes)")
    if conn.execute("SELECT count(*) FROM revlog_new").fetchone()[0] != total:
        raise ValueError("review-log entries whose card is unknown cannot be converted")
    conn.execute("CREATE INDEX revlog_day ON revlog_new(day, kind, quality, was_new, card)")
    conn.execute(
        "INSERT INTO revlog_days SELECT r.day, count(*), coalesce(sum(r.kind = 0 AND r.was_new = 0 "
        "AND r.quality >= 3), 0), coalesce(sum(r.kind = 0 AND r.was_new = 0), 0) FROM revlog_new r "
        "WHERE r.kind IN (0, 1) AND r.seq NOT IN (SELECT undoes FROM revlog_new WHERE undoes IS "
        "NOT NULL) GROUP BY r.day")

    # -- the cards, each with its latest entry that has a state after ------------------
    conn.create_function("_m005_last_seq", 1, latest_seq.get, deterministic=True)
    card_extra = extra_defs("cards")
    conn.execute(
        "CREATE TABLE cards_new (cid INTEGER PRIMARY KEY REFERENCES card_ids(cid), "
        "nid INTEGER NOT NULL REFERENCES notes_new(nid), "
        "deck INTEGER NOT NULL REFERENCES decks_new(did), ord INTEGER NOT NULL, "
        "type INTEGER NOT NULL DEFAULT 0, queue INTEGER NOT NULL DEFAULT 0, "
        "reps INTEGER DEFAULT 0, ease INTEGER DEFAULT 250, interval INTEGER DEFAULT 0, "
        "due INTEGER, lapses INTEGER DEFAULT 0, last_day INTEGER, buried_day INTEGER, "
        "redrill_seq INTEGER DEFAULT 0, new_pos INTEGER, "
        f"answers INTEGER NOT NULL DEFAULT 0, last_seq INTEGER{card_extra})")
    conn.execute(
        "INSERT INTO cards_new (cid, nid, deck, ord, type, queue, reps, ease, interval, due, "
        "lapses, last_day, buried_day, redrill_seq, new_pos, answers, last_seq"
        f"{extra_names('cards')}) SELECT i.cid, n.nid, d.did, c.ord, c.type, c.queue, "
        "c.reps, c.ease, c.interval, c.due, c.lapses, c.last_day, c.buried_day, c.redrill_seq, "
        f"c.new_pos, c.answers, _m005_last_seq(i.cid){extra_names('cards', 'c.')} FROM cards c "
        "JOIN card_ids i ON i.id = c.id JOIN notes_new n ON n.id = c.note_id "
        "JOIN decks_new d ON d.id = c.deck_id ORDER BY i.cid")
    if conn.execute("SELECT (SELECT count(*) FROM cards) - (SELECT count(*) FROM cards_new)"
                    ).fetchone()[0]:
        raise ValueError("cards whose note or deck is missing cannot be converted")

    # -- swap, then indexes and the full-text index ---------------------------------
    for table in ("revlog", "cards", "notes", "decks"):
        conn.execute(f"DROP TABLE {table}")
    for table in ("decks", "notes", "cards", "revlog"):
        conn.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    for sql in carried:
        conn.execute(sql)
    for sql in (
            "CREATE UNIQUE INDEX idx_decks_name ON decks(name)",
            "CREATE INDEX notes_deck ON notes(deck)",
            # (deck, queue, due) for study and counts; type and interval for the
            # statistics' one pass over cards
            "CREATE INDEX cards_deck_queue_due ON cards(deck, queue, due, type, interval)",
            "CREATE INDEX cards_queue_due ON cards(queue, due)",
            "CREATE INDEX cards_note ON cards(nid)",
            # the browser's sorts read these in order instead of sorting every card
            "CREATE INDEX cards_ease ON cards(ease)",
            "CREATE INDEX cards_interval ON cards(interval)",
            "CREATE INDEX cards_answers ON cards(answers)",
            "CREATE INDEX cards_lapses ON cards(lapses)",
            "CREATE INDEX cards_due_any ON cards(coalesce(due, 1000000000))",
            "CREATE INDEX notes_sort ON notes(sort_text COLLATE NOCASE)",
            "CREATE INDEX notes_kind ON notes(kind)",
            "CREATE INDEX revlog_undoes ON revlog(undoes) WHERE undoes IS NOT NULL",
            "CREATE VIRTUAL TABLE notes_fts USING fts5(sort_text, search_text, tags, "
            "tokenize='unicode61 remove_diacritics 2', content='notes', content_rowid='nid', "
            "detail=none, columnsize=0)",
            "INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')",
            "CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO notes_fts "
            "(rowid, sort_text, search_text, tags) VALUES (new.nid, new.sort_text, "
            "new.search_text, new.tags); END",
            "CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN INSERT INTO notes_fts "
            "(notes_fts, rowid, sort_text, search_text, tags) VALUES ('delete', old.nid, "
            "old.sort_text, old.search_text, old.tags); END",
            "CREATE TRIGGER notes_au AFTER UPDATE OF sort_text, search_extra, fields, tags ON notes "
            "BEGIN INSERT INTO notes_fts (notes_fts, rowid, sort_text, search_text, tags) "
            "VALUES ('delete', old.nid, old.sort_text, old.search_text, old.tags); "
            "INSERT INTO notes_fts (rowid, sort_text, search_text, tags) VALUES (new.nid, "
            "new.sort_text, new.search_text, new.tags); END"):
        conn.execute(sql)
    conn.execute("PRAGMA analysis_limit = 400")
    conn.execute("ANALYZE")
    conn.execute(f"PRAGMA secure_delete = {int(secure_delete)}")


# -- device merge (issue 19) ----------------------------------------------------------
# Registered last, so it runs after every earlier migration (m004, m005 …); it
# only adds tables of its own and never reads or changes the others.


@migrations()
def m006_sync(db: Database) -> None:
    """Merging devices through a sync folder: what was merged and what the
    merge keeps beside the collection's own tables.

    - ``sync_fields``: per note, deck, card or media file and per field, the
      winning value (JSON) and its hybrid logical clock stamp (``l`` ms,
      ``c`` counter, ``device``), with the stamp of the value it replaced
      (``base``, ``l:c:device``; NULL when it replaced nothing);
    - ``sync_history``: every other value ever seen for a field (superseded
      or concurrent), the same columns: nothing merged is ever dropped;
    - ``sync_digests``: a digest of each object as the last merge left it, to
      tell local edits since then;
    - ``sync_segments``: the segment files already merged;
    - ``sync_media``: the content hash of each media file, by size and mtime.
    """
    stamp = {"l": int, "c": int, "device": str, "base": str}
    db.table("sync_fields").create({
        "entity": str, "eid": str, "field": str, "value": str, **stamp,
    }, pk=("entity", "eid", "field"), not_null={"l", "c", "device"})
    db.table("sync_history").create({
        "entity": str, "eid": str, "field": str, "value": str, **stamp,
    }, pk=("entity", "eid", "field", "l", "c", "device"))
    db.table("sync_digests").create({"entity": str, "eid": str, "digest": str},
                                    pk=("entity", "eid"), not_null={"digest"})
    db.table("sync_segments").create({
        "device": str, "number": int, "checksum": str, "entries": int, "merged": int,
    }, pk=("device", "number", "checksum"))
    db.table("sync_media").create({"name": str, "size": int, "mtime_ns": int, "sha256": str},
                                  pk="name", not_null={"sha256"})
