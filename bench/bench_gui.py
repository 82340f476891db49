"""The answer loop in the real window: a key event "3" (Good) on a revealed
card, timed until the next card has been painted; and the core answer
(next card + answer + durable commit) without the window.

For each size (1k / 10k / 100k cards, history dated up to today, see
``common.py``) a fresh process opens the main window offscreen, starts study
on every deck, and over 500 answers: presses Space (untimed), then times the
key press "3" – the answer, its commit, the next card's step and the window's
synchronous repaint – and counts the SQL statements each press runs
(sqlite3's trace callback). A second loop times the core alone: the answer
with its durable commit (WAL, synchronous=FULL) and the next step it returns.

Run:  python bench/bench_gui.py [--sizes 1000,10000,100000] [--answers 500]
Prints a table; bench/README.md keeps the latest one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def child(path: str, answers: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import random

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from common import NOW
    from flashdesk.collection import Collection
    from flashdesk.model import Grade
    from flashdesk.ui.app import application
    from flashdesk.ui.main_window import MainWindow

    app = application()
    col = Collection.open(path, bundled=False, backups=False)
    settings = QSettings(str(Path(path).parent / "bench-window.ini"), QSettings.Format.IniFormat)
    clock = [NOW]
    window = MainWindow(col, settings, clock=lambda: clock[0], rng=random.Random(1))
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    window._watch.stop()  # nothing else writes to this file
    reviewer = window.reviewer
    reviewer.start(None, "All decks")
    times, statements, per_press = [], [], []
    trace = statements.append
    while len(times) < answers:
        if reviewer.card is None:  # a small collection runs out: study the next day
            window.show_decks()
            clock[0] = clock[0].replace(day=clock[0].day) + __import__("datetime").timedelta(days=1)
            reviewer.start(None, "All decks")
            continue
        QTest.keyClick(QApplication.focusWidget() or reviewer, Qt.Key.Key_Space)
        if reviewer.stage.name != "ANSWER":  # choice or order cards: not in this deck
            reviewer.bury_card()
            continue
        app.processEvents()
        target = QApplication.focusWidget() or reviewer
        statements.clear()
        col.db.conn.set_trace_callback(trace)
        t = time.perf_counter()
        QTest.keyClick(target, Qt.Key.Key_3)
        window.repaint()  # the next card, painted
        times.append((time.perf_counter() - t) * 1000)
        col.db.conn.set_trace_callback(None)
        per_press.append(len(statements))
        app.processEvents()
    window.close()
    # the core alone: next card + answer + durable commit
    core = []
    col.study.end_session()
    now = clock[0]
    step = col.study.step(None, now)
    while len(core) < answers:
        if step is None:  # out of cards: the next day (its session is built untimed)
            now += __import__("datetime").timedelta(days=1)
            step = col.study.step(None, now)
            continue
        t = time.perf_counter()
        step = col.study.answer(step.card.id, Grade.GOOD, now, time_ms=3000).next
        core.append((time.perf_counter() - t) * 1000)
    col.close()
    return {
        "press_median_ms": round(statistics.median(times), 2),
        "press_p95_ms": round(_pct(times, 0.95), 2),
        "sql_per_press": round(statistics.mean(per_press), 1),
        "sql_per_press_max": max(per_press),
        "core_median_ms": round(statistics.median(core), 3),
        "core_p95_ms": round(_pct(core, 0.95), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return 0
    from common import build

    rows = []
    with tempfile.TemporaryDirectory(prefix="flashdesk-bench-gui-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path, _setup = build(size, Path(tmp))
            out = subprocess.run([sys.executable, __file__, "--child", str(path),
                                  str(args.answers)], capture_output=True, text=True, check=True)
            rows.append({"cards": size, **json.loads(out.stdout.strip().splitlines()[-1])})
            print(json.dumps(rows[-1]), file=sys.stderr)
    print("| cards | Good press median ms | p95 ms | SQL statements per press (max) "
          "| core answer median ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['cards']:,} | {r['press_median_ms']} | {r['press_p95_ms']} | "
              f"{r['sql_per_press']} ({r['sql_per_press_max']}) | {r['core_median_ms']} | "
              f"{r['core_p95_ms']} |")
    if len(rows) >= 2 and rows[-2]["press_median_ms"]:
        print(f"\n{rows[-1]['cards']:,} vs {rows[-2]['cards']:,}: "
              f"{rows[-1]['press_median_ms'] / rows[-2]['press_median_ms']:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
