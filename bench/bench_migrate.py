"""The upgrade of a collection written by the release before the compact
schema (migrations up to m003: text keys, the log's states as JSON) to the
compact one (m005), per million log entries.

The old collection is the benchmark's own set-up: the schema through the
project's own migrations up to m003, then rows written in that release's
shape (10 decks, ~90 % of cards reviewed with about eleven answers each,
real SM-2 states as JSON, dated up to today). Then, in a fresh process each,
``open_database`` on a copy, as the app opens it: the whole open (what the
user waits for), within it the conversion (``migrations.apply``) and the
rest, the compaction that follows it (VACUUM); the file's size before and
after, and the peak memory (RSS) of the process.

Run:  python bench/bench_migrate.py [--cards 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def build_old(path: Path, cards: int) -> int:
    """A collection as the m003 release wrote it; returns its log entries."""
    from common import ANSWERS_PER_CARD, NOW, REVIEWED, WORDS, make_history, replay
    from sqlite_utils import Database

    from flashdesk.collection.journal import log_id
    from flashdesk.model import study_day
    from flashdesk.store.schema import migrations

    rng = random.Random(cards)
    db = Database(sqlite3.connect(path))
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db, stop_before="m005_compact")
    today = study_day(NOW)
    now_ms = int(NOW.timestamp() * 1000)
    decks = [(f"bench-{d}", f"Bench::Deck {d}") for d in range(10)]
    ids, notes, cards_rows = [], [], []
    for i in range(cards):
        deck = decks[i % 10][0]
        words = " ".join(rng.choice(WORDS) for _ in range(6))
        front, back = f"Question {i}: {words}?", f"Answer {i}: {words}."
        fields = json.dumps({"back": back, "front": front}, sort_keys=True, ensure_ascii=False)
        note = f"{deck}/n{i}"
        notes.append((note, deck, f"n{i}", "basic", fields, f"{rng.choice(WORDS)} part{i % 10}",
                      "", "%040x" % rng.getrandbits(160), now_ms, now_ms, front,
                      f"{front} {back}"))
        ids.append(f"{note}#0")
        cards_rows.append((ids[-1], note, deck, 0, i + 1))
    history = make_history(cards, rng, today, REVIEWED, ANSWERS_PER_CARD)
    entries, finals = replay(history, today)
    with db.conn:
        db.conn.executemany("INSERT INTO decks (id, name, created, modified) VALUES (?, ?, 0, 0)",
                            decks)
        db.conn.executemany(
            "INSERT INTO notes (id, deck_id, key, kind, fields, tags, source, checksum, created, "
            "modified, sort_text, search_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", notes)
        db.conn.executemany("INSERT INTO cards (id, note_id, deck_id, ord, new_pos) "
                            "VALUES (?,?,?,?,?)", cards_rows)
        answers: dict[int, int] = {}
        db.conn.executemany(
            "INSERT INTO revlog (id, card_id, ts, day, kind, quality, was_new, time_ms, before, "
            "after) VALUES (?,?,?,?,?,?,?,?,?,?)",
            ((log_id(a.ts), ids[a.card], a.ts, a.day, "redrill" if o.redrill else "review",
              a.quality, int(o.was_new), a.time_ms, json.dumps(before.to_dict()),
              json.dumps(o.after.to_dict())) for a, before, o in entries))
        for a, _before, _o in entries:
            answers[a.card] = answers.get(a.card, 0) + 1
        db.conn.executemany(
            "UPDATE cards SET type = :type, queue = :queue, reps = :reps, ease = :ease, "
            "interval = :interval, due = :due, lapses = :lapses, last_day = :last_day, "
            "answers = :answers WHERE id = :id",
            [{**s.to_dict(), "answers": answers[c], "id": ids[c]} for c, s in finals.items()])
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return len(entries)


def child(path: str) -> dict:
    """Open ``path`` with ``open_database``, as the app does: the whole open
    (what the user waits for), and within it the conversion
    (``migrations.apply``); the rest is the compaction that follows it."""
    from flashdesk.store import open_database
    from flashdesk.store.schema import migrations

    apply = migrations.apply
    spent: list[float] = []

    def timed_apply(db, *args, **kwargs):
        t = time.perf_counter()
        try:
            return apply(db, *args, **kwargs)
        finally:  # not the schema open_database builds in memory to check the file against
            if db.execute("PRAGMA database_list").fetchone()[2]:
                spent.append(time.perf_counter() - t)

    migrations.apply = timed_apply  # type: ignore[method-assign]
    seen: list[tuple[int, int]] = []
    t = time.perf_counter()
    db, _created = open_database(path, progress=lambda done, total: seen.append((done, total)))
    whole = time.perf_counter() - t
    db.close()
    convert = sum(spent)
    return {"convert_s": convert, "vacuum_s": whole - convert, "progress_reports": len(seen),
            "size_mb": os.path.getsize(path) / 2**20, "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: ``ru_maxrss`` would count
    the parent's, which a forked child inherits)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    with tempfile.TemporaryDirectory(prefix="flashdesk-migrate-") as tmp:
        old = Path(tmp) / "old.db"
        t = time.perf_counter()
        entries = build_old(old, args.cards)
        before_mb = old.stat().st_size / 2**20
        print(f"# {args.cards:,} cards, {entries:,} log entries, {before_mb:.0f} MB "
              f"(built in {time.perf_counter() - t:.0f} s; load {os.getloadavg()[0]:.2f})",
              file=sys.stderr)
        runs = []
        for _ in range(args.runs):
            copy = Path(tmp) / "copy.db"
            shutil.copy(old, copy)
            out = subprocess.run([sys.executable, __file__, "--child", str(copy)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    per_m = 1_000_000 / entries
    convert = statistics.median(r["convert_s"] for r in runs)
    vacuum = statistics.median(r["vacuum_s"] for r in runs)
    whole = statistics.median(r["convert_s"] + r["vacuum_s"] for r in runs)
    print("| cards | log entries | file before MB | after MB | conversion s (per 1M) "
          "| compaction s (per 1M) | open, total per 1M s | peak RSS MB | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.cards:,} | {entries:,} | {before_mb:.0f} | {runs[0]['size_mb']:.0f} | "
          f"{convert:.2f} ({convert * per_m:.2f}) | {vacuum:.2f} ({vacuum * per_m:.2f}) | "
          f"{whole * per_m:.2f} | {max(r['peak_rss_mb'] for r in runs):.0f} | "
          f"{os.getloadavg()[0]:.2f} |")
    print("# runs (open, total s): " + ", ".join(
        f"{r['convert_s'] + r['vacuum_s']:.2f}" for r in runs), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
