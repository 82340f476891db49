"""Import speed: a 10k- and a 100k-row CSV into a fresh collection (notes/s),
and the same file again (an update that changes nothing).

Run:  python bench/bench_import.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

from flashdesk.collection import Collection


def make_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "deck", "front", "back", "tags"])
        for i in range(rows):
            w.writerow([f"n{i}", f"Bench::Part {i % 10}",
                        f"Question {i}: what would you say to a customer who is upset about delay {i}?",
                        f"Answer {i}: acknowledge, apologise, and give a realistic time.", "bench csv"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args(argv)
    print("| rows | first import s | notes/s | re-import s | notes/s |")
    print("|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "deck.csv"
            make_csv(path, size)
            col = Collection.open(Path(tmp) / "p" / "collection.db", bundled=False, backups=False)
            t = time.perf_counter()
            col.files.import_files([path])
            first = time.perf_counter() - t
            t = time.perf_counter()
            col.files.import_files([path])
            again = time.perf_counter() - t
            col.close()
        print(f"| {size:,} | {first:.2f} | {size / first:,.0f} | {again:.2f} | {size / again:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
