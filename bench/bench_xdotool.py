"""A learner's session in the real window, driven from outside like a person
at the keyboard: flashdesk started as a program on a collection of 100k
cards (history dated up to today, see ``common.py``), the keys sent by
``xdotool`` through the X server, and what happened read back from the
review log.

Needs an X display with a window manager (on a machine without one:
``Xvfb :77 -screen 0 1366x768x24 & openbox &`` with ``DISPLAY=:77``) and
``xdotool``. For each of ``--cards`` cards it presses Space (show the
answer), waits ``--pace`` ms, presses 3 (Good) and waits again: a fast
learner's pace. Afterwards the review log must hold one answer per Good
press; the lag of each answer is the time from the key leaving xdotool to
the answer's entry in the log (the window handling the key, the answer's
durable commit), and the gap between consecutive entries shows whether the
window kept up with the keys.

Run:  python bench/bench_xdotool.py [--size 100000] [--cards 200] [--pace 150]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
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


def _key(key: str) -> float:
    """Send ``key`` through the X server; the time it left, in ms since the epoch."""
    sent = time.time() * 1000
    subprocess.run(["xdotool", "key", key], check=True)
    return sent


def _answers(path: Path, since_seq: int) -> list[int]:
    """Timestamps (ms) of the answers logged after entry ``since_seq``."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        columns = {r[1] for r in con.execute("PRAGMA table_info(revlog)")}
        # answers and re-drills (the compact schema numbers the kinds)
        kinds = "0, 1" if "a_type" in columns else "'review', 'redrill'"
        return [r[0] for r in con.execute(
            f"SELECT ts FROM revlog WHERE seq > ? AND kind IN ({kinds}) ORDER BY seq",
            [since_seq])]
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--pace", type=int, default=150, help="ms between key presses")
    parser.add_argument("--folder", help="keep the collection here (default: a temporary folder)")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        print("bench_xdotool: needs an X display with a window manager (see the docstring)",
              file=sys.stderr)
        return 2

    from common import build

    folder = Path(args.folder or tempfile.mkdtemp(prefix="flashdesk-xdotool-"))
    path = folder / f"bench-{args.size}" / "collection.db"
    if not path.exists():
        t = time.perf_counter()
        build(args.size, folder)
        print(f"# built {args.size:,} cards in {time.perf_counter() - t:.0f} s")
    con = sqlite3.connect(path)
    since = con.execute("SELECT coalesce(max(seq), 0) FROM revlog").fetchone()[0]
    con.close()

    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    started = time.perf_counter()
    app = subprocess.Popen([sys.executable, "-m", "flashdesk", "--data-dir", str(folder),
                            "--profile", f"bench-{args.size}"], env=env)
    try:
        window = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                                 "flashdesk"], capture_output=True, text=True, check=True,
                                timeout=60).stdout.split()[0]
        shown = time.perf_counter() - started
        subprocess.run(["xdotool", "windowactivate", "--sync", window], check=True)
        time.sleep(1.0)
        _key("Return")  # study the selected deck
        time.sleep(1.0)
        sent: list[float] = []
        for _ in range(args.cards):
            _key("space")
            time.sleep(args.pace / 1000)
            sent.append(_key("3"))
            time.sleep(args.pace / 1000)
        time.sleep(1.0)
        logged = _answers(path, since)
    finally:
        app.terminate()
        app.wait(timeout=30)
    lags = [ts - s for ts, s in zip(logged, sent)]
    gaps = [b - a for a, b in zip(logged, logged[1:])]
    print(f"window shown after {shown:.2f} s; {len(sent)} Good presses, {len(logged)} answers logged")
    if lags:
        print(f"key to logged answer: median {statistics.median(lags):.1f} ms, "
              f"p95 {_pct(lags, 0.95):.1f} ms, max {max(lags):.1f} ms")
    if gaps:
        print(f"between answers: median {statistics.median(gaps):.0f} ms "
              f"(keys every {2 * args.pace} ms plus xdotool's own time), max {max(gaps):.0f} ms")
    return 0 if len(logged) == len(sent) else 1


if __name__ == "__main__":
    raise SystemExit(main())
