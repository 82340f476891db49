"""Core benchmark: deck-tree counts and answer latency at 1k / 10k / 100k cards.

Builds a real collection file per size (10 decks; ~90 % of cards reviewed, with
about ten log entries each: 1M log rows at 100k cards), then measures:

- bulk add: notes per second through ``Collection.import_decks``;
- deck-tree counts: ``deck_summaries`` (median of 50 calls);
- session start: the first ``next_card`` of a session;
- next card + answer (committed): median and p95 over 1,000 answers;
- peak memory (max RSS of this process).

Run:  python bench/bench_core.py [--sizes 1000,10000,100000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flashdesk.collection import Collection
from flashdesk.model import DeckData, DeckId, Kind, NoteData, study_day

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
DECKS = 10
LOG_PER_CARD = 10


def make_decks(n_cards: int) -> list[DeckData]:
    per = n_cards // DECKS
    return [DeckData(
        id=DeckId(f"bench-{d}"), name=f"Bench::Deck {d}", path=f"<bench {d}>",
        notes=tuple(NoteData(key=f"n{i}", kind=Kind.BASIC,
                             fields={"front": f"Question {d}-{i} about handling customers",
                                     "back": f"Answer {d}-{i}"}) for i in range(per)))
        for d in range(DECKS)]


def add_history(col: Collection, rng: random.Random) -> int:
    """Give ~90 % of the cards a review history straight in the database (the
    benchmark's own set-up, not the app's path)."""
    today = study_day(NOW)
    db = col.db
    cards = [r[0] for r in db.execute("SELECT id FROM cards")]
    reviewed = [c for c in cards if rng.random() < 0.9]
    updates, log = [], []
    seq_ts = int((NOW - timedelta(days=365)).timestamp() * 1000)
    for n, cid in enumerate(reviewed):
        interval = rng.choice([1, 3, 6, 15, 38, 95, 240])
        due = today + rng.randint(-3, 60)
        updates.append((2, 2, rng.randint(1, 8), rng.choice([230, 250, 260]), interval, due,
                        rng.randint(0, 2), due - interval, cid))
        for k in range(LOG_PER_CARD):
            day = today - 365 + (k * 36) + rng.randint(0, 30)
            log.append((f"{n:08x}-{k:04x}-7000-8000-{rng.getrandbits(48):012x}", cid,
                        seq_ts + day * 1000, day, "review", rng.choice([1, 3, 4, 4, 4, 5]),
                        int(k == 0), rng.randint(2000, 15000), "{}", "{}"))
    with db.atomic():
        db.conn.executemany("UPDATE cards SET type=?, queue=?, reps=?, ease=?, interval=?, due=?, "
                            "lapses=?, last_day=? WHERE id=?", updates)
        db.conn.executemany("INSERT INTO revlog(id, card_id, ts, day, kind, quality, was_new, "
                            "time_ms, before, after) VALUES (?,?,?,?,?,?,?,?,?,?)", log)
    db.execute("ANALYZE")
    return len(log)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bench(size: int, folder: Path) -> dict:
    rng = random.Random(size)
    path = folder / f"bench-{size}" / "collection.db"
    if path.parent.exists():
        for f in path.parent.iterdir():
            f.unlink()
    col = Collection.open(path, bundled=False)
    decks = make_decks(size)
    t0 = time.perf_counter()
    col.import_decks(decks)
    add_rate = size / (time.perf_counter() - t0)
    log_rows = add_history(col, rng)
    col.close()

    col = Collection.open(path, bundled=False)
    for deck in decks:
        col.set_deck_limits(deck.id, new_limit=1000, review_limit=1000)
    col.deck_summaries(NOW)  # warm the page cache once, as any open window has
    counts = []
    for _ in range(50):
        t = time.perf_counter()
        col.deck_summaries(NOW)
        counts.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    col.next_card(None, NOW)
    session_ms = (time.perf_counter() - t) * 1000
    answers = []
    grades = [1, 3, 4, 4, 4, 5]
    for i in range(1000):
        t = time.perf_counter()
        card = col.next_card(None, NOW)
        if card is None:
            break
        col.answer(card.id, grades[i % len(grades)], NOW, time_ms=3000)
        answers.append((time.perf_counter() - t) * 1000)
    col.close()
    return {
        "cards": size, "log_rows": log_rows, "bulk_add_notes_per_s": round(add_rate),
        "counts_ms": round(statistics.median(counts), 2),
        "session_start_ms": round(session_ms, 2),
        "answer_median_ms": round(statistics.median(answers), 3),
        "answer_p95_ms": round(percentile(answers, 95), 3), "answers": len(answers),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--dir", help="where to build the collections (default: a temp folder)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.dir) if args.dir else Path(tmp)
        results = [bench(size, folder) for size in sizes]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    head = ("cards", "log rows", "bulk add notes/s", "deck-tree counts ms", "session start ms",
            "next+answer median ms", "next+answer p95 ms", "peak RSS MB")
    keys = ("cards", "log_rows", "bulk_add_notes_per_s", "counts_ms", "session_start_ms",
            "answer_median_ms", "answer_p95_ms", "peak_rss_mb")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in results:
        print("| " + " | ".join(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k])
                                for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
