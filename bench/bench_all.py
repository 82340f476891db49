"""flashdesk's benchmark table at 1k / 10k / 100k cards (about ten reviews per
reviewed card: 1M log rows at 100k), measured in fresh processes:

- cold start: process start to the main window's first paint (offscreen);
- deck-tree counts; next card + answer + commit (median, p95 over 1,000);
- import of a CSV with as many rows as the collection has cards;
- browser: all card ids sorted by the default order, a re-sort by front, a search,
  and the browser window from creation to its rows on screen;
- statistics: every figure the statistics window charts, and the window from
  creation (QtCharts loading included) to its charts on screen;
- peak memory of a process that does all of the above (max RSS).

Run:  python bench/bench_all.py [--sizes 1000,10000,100000]   (from the repository)
The table goes to standard output; bench/README.md holds the latest one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def peak_rss_mb() -> int:
    """This process's own peak resident memory. (getrusage's ru_maxrss is kept
    across exec, so a child forked from a large parent would report the parent's.)"""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _ms(t: float) -> float:
    return round((time.perf_counter() - t) * 1000, 2)


def child_core(path: str, csv_path: str) -> dict:
    """Everything but start-up, in one process (its max RSS is the peak memory)."""
    from common import NOW

    from flashdesk.collection import Collection
    from flashdesk.model import BrowseQuery, SortKey

    col = Collection.open(path, bundled=False, backups=False)
    col.decks.summaries(NOW)
    counts = []
    for _ in range(30):
        t = time.perf_counter()
        col.decks.summaries(NOW)
        counts.append(_ms(t))
    answers, now, i = [], NOW, 0
    while len(answers) < 1000:
        t = time.perf_counter()
        card = col.study.next_card(None, now)
        if card is None:  # a small collection runs out of cards: study the next day
            now += timedelta(days=1)
            col.study.next_card(None, now)  # the new day's session is built once, untimed
            continue
        col.study.answer(card.id, (1, 3, 4, 4, 5)[i % 5], now, time_ms=3000)
        answers.append(_ms(t))
        i += 1
    answers.sort()
    t = time.perf_counter()
    ids = col.notes.browse(BrowseQuery(), NOW)
    col.notes.rows(ids[:60])
    browse_open = _ms(t)
    t = time.perf_counter()
    col.notes.browse(BrowseQuery(sort=SortKey.FRONT), NOW)
    browse_sort = _ms(t)
    t = time.perf_counter()
    found = col.notes.browse(BrowseQuery(text="escalate manager"), NOW)
    browse_search = _ms(t)
    col.reports.statistics(NOW)  # the window's first figures read the pages once
    stats = []
    for _ in range(5):
        t = time.perf_counter()
        col.reports.statistics(NOW)
        stats.append(_ms(t))
    stats_ms = statistics.median(stats)
    t = time.perf_counter()
    added = sum(r.added for r in col.files.import_files([csv_path]))
    import_s = time.perf_counter() - t
    col.close()
    return {
        "counts_ms": statistics.median(counts),
        "answer_median_ms": statistics.median(answers),
        "answer_p95_ms": answers[int(len(answers) * 0.95) - 1],
        "browser_open_ms": browse_open, "browser_sort_ms": browse_sort,
        "search_ms": browse_search, "search_hits": len(found), "statistics_ms": stats_ms,
        "csv_notes_per_s": round(added / import_s),
        "peak_rss_mb": peak_rss_mb(),
    }


def child_start(path: str, started: float) -> dict:
    """Process start (``started``, from the parent) to the main window's first paint."""
    from PySide6.QtCore import QTimer

    from flashdesk.ui.app import Launcher, application
    from flashdesk.ui.theme import apply_theme

    app = application()
    apply_theme("light", app)
    launcher = Launcher(Path(path))
    result = {}

    def ready(window):
        window.repaint()  # the first paint, done now rather than at the next idle moment
        result["cold_start_s"] = round(time.time() - started, 3)
        QTimer.singleShot(0, app.quit)

    launcher.opened.connect(ready)
    launcher.start(splash=False)
    app.exec()
    launcher.close()
    return result


def child_windows(path: str) -> dict:
    """The browser and the statistics window: creation to their figures on screen."""
    from PySide6.QtCore import QEventLoop, QTimer

    from flashdesk.collection import Collection
    from flashdesk.ui.app import application
    from flashdesk.ui.theme import apply_theme

    app = application()
    apply_theme("light", app)
    col = Collection.open(path, bundled=False, backups=False)

    def until(signal) -> None:
        loop = QEventLoop()
        signal.connect(lambda *_: loop.quit())
        QTimer.singleShot(60000, loop.quit)
        loop.exec()

    from flashdesk.ui.browser import BrowserWindow

    t = time.perf_counter()
    browser = BrowserWindow(col)
    browser.show()
    until(browser.results_shown)
    browser.repaint()
    browser_ms = _ms(t)
    t = time.perf_counter()  # Ctrl+A: the selection, its handler, the repaint
    browser._table.selectAll()
    app.processEvents()
    browser.repaint()
    select_all_ms = _ms(t)
    selected = len(browser.selected_rows())
    browser.close()
    t = time.perf_counter()
    from flashdesk.ui.stats_window import StatisticsWindow  # QtCharts loads here, as in the app

    stats = StatisticsWindow(col)
    stats.show()
    until(stats.shown_statistics)
    stats.repaint()
    stats_ms = _ms(t)
    stats.close()
    col.close()
    return {"browser_window_ms": browser_ms, "select_all_ms": select_all_ms,
            "selected": selected, "statistics_window_ms": stats_ms}


def run_child(*args: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_csv(path: Path, rows: int) -> None:
    from bench_import import make_csv as write

    write(path, rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "core":
            result = child_core(*rest)
        elif kind == "windows":
            result = child_windows(rest[0])
        else:
            result = child_start(rest[0], float(rest[1]))
        print(json.dumps(result))
        return 0
    from common import build

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            path, figures = build(size, folder)
            csv_path = folder / f"import-{size}.csv"
            make_csv(csv_path, size)
            run_child("start", str(path), str(time.time()))  # first start imports bundled decks
            starts = [run_child("start", str(path), str(time.time()))["cold_start_s"]
                      for _ in range(3)]
            windows = run_child("windows", str(path))
            core = run_child("core", str(path), str(csv_path))
            rows.append({**figures, **core, **windows, "cold_start_s": statistics.median(starts)})
    head = ["cards", "log entries", "cold start s", "deck counts ms", "answer median ms",
            "answer p95 ms", "bulk add notes/s", "CSV import notes/s", "browser query ms",
            "browser window ms", "select all ms", "sort ms", "search ms", "statistics ms",
            "statistics window ms", "peak RSS MB"]
    keys = ["cards", "log_rows", "cold_start_s", "counts_ms", "answer_median_ms",
            "answer_p95_ms", "bulk_add_notes_per_s", "csv_notes_per_s", "browser_open_ms",
            "browser_window_ms", "select_all_ms", "browser_sort_ms", "search_ms", "statistics_ms",
            "statistics_window_ms", "peak_rss_mb"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(f"{r[k]:,}" if isinstance(r[k], int) else f"{r[k]:.3g}"
                                if r[k] < 10 else f"{r[k]:,.0f}" for k in keys) + " |")
    print(json.dumps(rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
