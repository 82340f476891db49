"""The schema, created and evolved only through sqlite-utils Migrations.

A migration, once released, never changes: add a new one instead. Every
database written by an earlier release opens and migrates without loss.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

__all__ = ["migrations", "APPLICATION_ID", "MIGRATION_SET"]

#: PRAGMA application_id of a flashdesk collection ("FDSK")
APPLICATION_ID = 0x4644534B
MIGRATION_SET = "flashdesk"

migrations = Migrations(MIGRATION_SET)


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
