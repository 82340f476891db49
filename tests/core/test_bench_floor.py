"""The benchmark's import floor (``bench/compare_anki.py``) writes what the
real import writes: the same notes, cards, decks and search index, so its
rate is a true lower bound of the import's time."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from flashdesk.collection import Collection
from flashdesk.store import queries as q

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _compare_anki():
    sys.path.insert(0, str(BENCH))
    try:
        import compare_anki
    finally:
        sys.path.remove(str(BENCH))
    return compare_anki


def _shape(col: Collection) -> dict:
    db = col.db
    return {
        "notes": sorted(db.execute(
            "SELECT n.id, d.name, n.kind, n.fields, n.tags, n.sort_text FROM notes n "
            "JOIN decks d ON d.did = n.deck WHERE d.name LIKE 'Bench::%'").fetchall()),
        "cards": sorted(db.execute(
            "SELECT i.id, n.id, d.name, c.ord, c.type, c.queue FROM cards c "
            "JOIN card_ids i ON i.cid = c.cid JOIN notes n ON n.nid = c.nid "
            "JOIN decks d ON d.did = c.deck").fetchall()),
        "found": sorted(r[0] for r in db.execute(
            "SELECT n.id FROM notes_fts JOIN notes n ON n.nid = notes_fts.rowid "
            "WHERE notes_fts MATCH 'refund'")),
        "indexes": sorted(r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')")),
    }


def test_the_floor_writes_what_the_import_writes(tmp_path: Path) -> None:
    ca = _compare_anki()
    notes = ca.make_notes(3000, random.Random(7))  # over bulk_import's threshold
    src = tmp_path / "notes.csv"
    ca.write_text_file(src, notes, tab=False)
    real = Collection.open(tmp_path / "real" / "collection.db", bundled=False, backups=False)
    floor = Collection.open(tmp_path / "floor" / "collection.db", bundled=False, backups=False)
    try:
        real.files.import_files([str(src)])
        assert ca.floor_import(floor, src) == 3000
        a, b = _shape(real), _shape(floor)
        assert len(a["notes"]) == 3000 and len(a["found"]) > 0
        for key in ("cards", "found", "indexes"):
            assert a[key] == b[key], key
        assert a["notes"] == b["notes"]
        assert q.next_rowids(floor.db)[:2] == q.next_rowids(real.db)[:2]
    finally:
        real.close()
        floor.close()
