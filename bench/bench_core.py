"""Core benchmark: deck-tree counts and answer latency at 1k / 10k / 100k cards.

Builds a real collection file per size (see common.py: 10 decks, ~90 % of
cards reviewed with about ten log entries each, 1M log rows at 100k cards),
then measures:

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
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import NOW, build

from flashdesk.collection import Collection

def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bench(size: int, folder: Path) -> dict:
    path, figures = build(size, folder)
    col = Collection.open(path, bundled=False, backups=False)
    col.decks.summaries(NOW)  # warm the page cache once, as any open window has
    counts = []
    for _ in range(50):
        t = time.perf_counter()
        col.decks.summaries(NOW)
        counts.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    col.study.next_card(None, NOW)
    session_ms = (time.perf_counter() - t) * 1000
    answers = []
    grades = [1, 3, 4, 4, 4, 5]
    for i in range(1000):
        t = time.perf_counter()
        card = col.study.next_card(None, NOW)
        if card is None:
            break
        col.study.answer(card.id, grades[i % len(grades)], NOW, time_ms=3000)
        answers.append((time.perf_counter() - t) * 1000)
    col.close()
    return {
        **figures,
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
