"""Import speed: a 10k- and a 100k-row CSV into a fresh collection (notes/s),
the same file again (an update that changes nothing), and where a first
import's time goes.

The breakdown is CPU time (seconds), each part in its own fresh process:
the read (``read_any``: parsing, cleaning and checking every row), the whole
import, and SQLite's own share – the very rows that import wrote to the
notes and cards tables, inserted again into a fresh collection with the
full-text index, the browser's indexes and the commit, with no Python per
note. What is left is the per-note Python of the import (matching, JSON,
checksum, search text). The file is Anki's "Notes in Plain Text" layout
that ``compare_anki.py`` imports in both apps.

Run:  python bench/bench_import.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def make_csv(path: Path, rows: int) -> None:
    """A flashdesk spreadsheet of ``rows`` notes in ten decks (``bench_all.py``)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "deck", "front", "back", "tags"])
        for i in range(rows):
            w.writerow([f"n{i}", f"Bench::Part {i % 10}",
                        f"Question {i}: what would you say to a customer who is upset about delay {i}?",
                        f"Answer {i}: acknowledge, apologise, and give a realistic time.", "bench csv"])


def _first_and_again(path: str, work: str) -> dict:
    from flashdesk.collection import Collection

    col = Collection.open(Path(work) / "collection.db", bundled=False, backups=False)
    t = time.perf_counter()
    col.files.import_files([path])
    first = time.perf_counter() - t
    t = time.perf_counter()
    col.files.import_files([path])
    again = time.perf_counter() - t
    col.close()
    return {"first": first, "again": again}


def _read(path: str) -> dict:
    from flashdesk.formats import read_any

    t = time.process_time()
    read_any(Path(path))
    return {"read": time.process_time() - t}


def _import_capturing(path: str, work: str) -> dict:
    """The whole import's CPU time; the rows it inserts saved for ``_sqlite``."""
    from flashdesk.collection import Collection, importer
    from flashdesk.store import queries as q

    rows: dict[str, list] = {"notes": [], "cards": [], "decks": []}
    add_notes, add_cards = q.add_notes, q.add_cards

    def notes(db, batch):
        rows["notes"].extend(batch)
        add_notes(db, batch)

    def cards(db, batch):
        rows["cards"].extend(batch)
        add_cards(db, batch)

    importer.q.add_notes, importer.q.add_cards = notes, cards  # type: ignore[attr-defined]
    col = Collection.open(Path(work) / "collection.db", bundled=False, backups=False)
    t = time.process_time()
    col.files.import_files([path])
    took = time.process_time() - t
    rows["decks"] = col.db.execute("SELECT did, id, name FROM decks").fetchall()
    col.close()
    with (Path(work) / "rows.pickle").open("wb") as f:
        pickle.dump(rows, f)
    return {"import": took}


def _sqlite(work: str) -> dict:
    """The saved rows into a fresh collection, as the import writes them."""
    from flashdesk.collection import Collection
    from flashdesk.store import queries as q, transaction

    with (Path(work) / "rows.pickle").open("rb") as f:
        rows = pickle.load(f)
    col = Collection.open(Path(work) / "again" / "collection.db", bundled=False, backups=False)
    db = col.db
    with transaction(db):
        db.conn.executemany("INSERT OR IGNORE INTO decks (did, id, name) VALUES (?, ?, ?)",
                            rows["decks"])
    t = time.process_time()
    with transaction(db), q.bulk_import(db, len(rows["notes"])):
        for start in range(0, len(rows["notes"]), 2000):
            q.add_notes(db, rows["notes"][start:start + 2000])
        for start in range(0, len(rows["cards"]), 2000):
            q.add_cards(db, rows["cards"][start:start + 2000])
    took = time.process_time() - t
    col.close()
    return {"sqlite": took}


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        result = {"first": _first_and_again, "read": _read, "import": _import_capturing,
                  "sqlite": _sqlite}[kind](*rest)
        print(json.dumps(result))
        return 0
    from compare_anki import make_notes, write_text_file

    print("| rows | first import s | notes/s | re-import s | read CPU s | import CPU s "
          "| of which SQLite s | per-note Python s |")
    print("|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "notes.csv"
            write_text_file(path, make_notes(size, random.Random(size)), tab=False)
            (Path(tmp) / "a").mkdir()
            (Path(tmp) / "b").mkdir()
            wall = _child("first", str(path), str(Path(tmp) / "a"))
            read = _child("read", str(path))["read"]
            whole = _child("import", str(path), str(Path(tmp) / "b"))["import"]
            sql = _child("sqlite", str(Path(tmp) / "b"))["sqlite"]
        print(f"| {size:,} | {wall['first']:.2f} | {size / wall['first']:,.0f} | "
              f"{wall['again']:.2f} | {read:.2f} | {whole:.2f} | {sql:.2f} | "
              f"{whole - read - sql:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
