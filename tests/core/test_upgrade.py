"""Upgrades: a collection written by an earlier release opens, is converted
to the compact schema (m005) without losing a card state or a log entry, and
reports how far the conversion has got."""

import json
import shutil
import sqlite3
from datetime import timedelta

import pytest

from flashdesk.collection import Collection
from flashdesk.model import BrowseQuery, note_texts
from flashdesk.store import open_database, queries as q
from flashdesk.store.schema import migrations as q_migrations

from .conftest import FIXTURES, NOW

UPGRADE = FIXTURES / "upgrade"
#: the fixtures, with the day after which each was written
RELEASES = [("v1-collection.db", 3), ("v3-collection.db", 3)]


def old_content(path) -> dict:
    """Everything a collection of the text-keyed schema (m001–m003) holds,
    read straight from its tables: decks, notes, cards, and the log with its
    states decoded."""
    raw = sqlite3.connect(path)
    raw.row_factory = sqlite3.Row
    columns = {t: {r[1] for r in raw.execute(f"PRAGMA table_info({t})")}
               for t in ("decks", "notes", "cards", "revlog")}
    decks = {r["id"]: dict(r) for r in raw.execute("SELECT * FROM decks")}
    notes = {r["id"]: {k: r[k] for k in ("deck_id", "key", "kind", "fields", "tags", "source",
                                          "checksum", "created", "modified")}
             for r in raw.execute("SELECT * FROM notes")}
    cards = {r["id"]: {k: r[k] for k in columns["cards"] - {"id"}}
             for r in raw.execute("SELECT * FROM cards")}
    log = [{**dict(r), "before": json.loads(r["before"]) if r["before"] else None,
            "after": json.loads(r["after"]) if r["after"] else None}
           for r in raw.execute("SELECT * FROM revlog ORDER BY seq")]
    raw.close()
    return {"decks": decks, "notes": notes, "cards": cards, "log": log}


def new_content(col) -> dict:
    """The same, read from the compact schema (of a ``Collection``, or a
    database as ``open_database`` converted it): the log through the store's
    own reader (``card_log``), which rebuilds each entry as it was written."""
    db = getattr(col, "db", col)
    decks = {r["id"]: {k: v for k, v in r.items() if k != "did"}
             for r in db.query("SELECT * FROM decks")}
    notes = {r["id"]: r for r in db.query(
        "SELECT n.id, n.identity, d.id AS deck_id, n.key, n.kind, n.fields, n.tags, n.source, "
        "n.checksum, n.created, n.modified, n.sort_text, n.search_text FROM notes n "
        "JOIN decks d ON d.did = n.deck")}
    cards = {r["id"]: r for r in db.query(
        "SELECT c.*, i.id, n.id AS note_id, d.id AS deck_id FROM cards c "
        "JOIN card_ids i ON i.cid = c.cid JOIN notes n ON n.nid = c.nid "
        "JOIN decks d ON d.did = c.deck")}
    card_ids = [r[0] for r in db.execute("SELECT id FROM card_ids ORDER BY cid")]
    log = sorted((e for c in card_ids for e in q.card_log(db, c)), key=lambda e: e["seq"])
    for e in log:
        e["before"] = json.loads(e["before"]) if e["before"] else None
        e["after"] = json.loads(e["after"]) if e["after"] else None
    return {"decks": decks, "notes": notes, "cards": cards, "log": log}


def signed64(hex_digest: str) -> int:
    value = int(hex_digest[:16], 16)
    return value - (1 << 64) if value >= 1 << 63 else value


@pytest.mark.parametrize("fixture, days", RELEASES)
def test_a_collection_of_an_earlier_release_is_converted_without_loss(tmp_path, fixture, days):
    path = tmp_path / "old" / "collection.db"
    path.parent.mkdir()
    shutil.copy(UPGRADE / fixture, path)
    before = old_content(path)
    db, _created = open_database(path)  # the conversion alone (a collection rolls the day over)
    after = new_content(db)
    db.close()
    with Collection.open(path, bundled=False, backups=False) as col:
        later = NOW + timedelta(days=days)
        assert col.reports.check(later).ok
        assert col.notes.browse(BrowseQuery(text="heat"), later)  # the full-text index works
    assert after["decks"].keys() == before["decks"].keys()
    for deck_id, row in before["decks"].items():
        assert {k: after["decks"][deck_id][k] for k in row} == row, deck_id
        # the study options of m004_deck_study_options, at their defaults
        assert (after["decks"][deck_id]["bury_siblings"], after["decks"][deck_id]["exam_date"]) \
            == (1, None)
    assert after["notes"].keys() == before["notes"].keys()
    for note_id, row in before["notes"].items():
        new = after["notes"][note_id]
        assert {k: new[k] for k in row if k != "checksum"} == {
            k: v for k, v in row.items() if k != "checksum"}, note_id
        assert new["checksum"] == signed64(row["checksum"])
        assert new["identity"] == note_id  # m004_note_identity: a note's id at first
        sort_text, search_text = note_texts(row["kind"], json.loads(row["fields"]))
        assert new["sort_text"] == sort_text
        assert new["search_text"].split() == search_text.split()  # the same words
    assert after["cards"].keys() == before["cards"].keys()
    for card_id, row in before["cards"].items():
        assert {k: after["cards"][card_id][k] for k in row} == row, card_id
    assert len(after["log"]) == len(before["log"]) > 0
    for old, new in zip(before["log"], after["log"]):
        assert new == old, old["seq"]


def schema_of(path) -> list[tuple]:
    """Every table, index and trigger of a collection, as SQLite keeps them."""
    raw = sqlite3.connect(path)
    try:
        return sorted(raw.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                                  "WHERE name NOT LIKE 'sqlite_%'").fetchall())
    finally:
        raw.close()


@pytest.mark.parametrize("fixture", [f for f, _ in RELEASES])
def test_an_upgraded_collection_has_the_schema_of_a_new_one(tmp_path, fixture):
    """m004_note_identity and m004_deck_study_options run before
    m005_compact, m006_sync after it: their columns, the identity's unique
    index and the merge's tables come out the same either way."""
    fresh = tmp_path / "new" / "collection.db"
    fresh.parent.mkdir()
    open_database(fresh)[0].close()
    old = tmp_path / "old" / "collection.db"
    old.parent.mkdir()
    shutil.copy(UPGRADE / fixture, old)
    db, _created = open_database(old)
    applied = [m.name for m in q_migrations.applied(db)]
    db.close()
    assert applied[-4:] == ["m004_note_identity", "m004_deck_study_options", "m005_compact",
                            "m006_sync"]
    assert schema_of(old) == schema_of(fresh)
    names = {name for _type, name, _table, _sql in schema_of(fresh)}
    assert {"notes_identity", "sync_fields", "revlog_days", "card_ids"} <= names


def test_the_conversion_keeps_what_only_the_text_could_say(tmp_path):
    """An id that is not a UUID (or not in its canonical spelling), an undo
    of an entry this log does not hold, and a log entry whose card no longer
    exists all come back as written."""
    path = tmp_path / "old" / "collection.db"
    path.parent.mkdir()
    shutil.copy(UPGRADE / "v3-collection.db", path)
    raw = sqlite3.connect(path)
    raw.execute("UPDATE revlog SET id = 'from-another-device-1' WHERE seq = 1")
    # ids of 36 characters that are not a UUID as flashdesk spells one stay text;
    # a UUID whose first 6 bytes are not the entry's time keeps all 16
    for seq, odd in enumerate(["019CADC6-9A80-75E8-A13E-768F468459EB",  # upper case
                               "019cadc6-9a8-075e8-a13e-768f468459eb",  # a dash moved
                               "019cadc6-9a80-75e8-a13e-768f4684 9eb",  # a space
                               "019cadc6-9a80-75e8-a13e-768f468459e\u00e9",  # not ASCII
                               "019cadc6-9a80-75e8-a13e-768f468459-b",  # a fifth dash
                               "019cadc6-9a81-75e8-a13e-768f468459eb"],  # not its time
                              start=2):
        raw.execute("UPDATE revlog SET id = ? WHERE seq = ?", [odd, seq])
    raw.execute("UPDATE revlog SET undoes = '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000' "
                "WHERE seq = (SELECT max(seq) FROM revlog WHERE kind = 'undo')")
    raw.commit()
    raw.close()
    before = old_content(path)
    with Collection.open(path, bundled=False, backups=False) as col:
        after = new_content(col)
    assert after["log"] == before["log"]
    gone = {e["card_id"] for e in before["log"]} - set(before["cards"])
    assert gone and gone <= {e["card_id"] for e in after["log"]}


def test_the_conversion_reports_its_progress(tmp_path):
    path = tmp_path / "collection.db"
    shutil.copy(UPGRADE / "v3-collection.db", path)
    total = sqlite3.connect(path).execute("SELECT count(*) FROM revlog").fetchone()[0]
    seen: list[tuple[int, int]] = []
    db, _created = open_database(path, progress=lambda done, of: seen.append((done, of)))
    db.close()
    assert seen and seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_deleted_card_keeps_its_identity_and_its_history(example, now):
    card = example.study.next_card("example-heat", now)
    example.study.answer(card.id, 4, now)
    note = card.note_id
    example.notes.delete([note], now)
    kinds = [e["kind"] for e in example.notes.history(card.id)]
    assert kinds == ["review", "reset"]
    example.files.import_files([FIXTURES / "example.toml"])  # the note comes back: same card
    assert [e["kind"] for e in example.notes.history(card.id)] == ["review", "reset"]
    assert example.reports.check(now).ok
