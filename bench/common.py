"""Building benchmark collections: 10 decks, ~90 % of cards reviewed with about
ten log entries each (1M log rows at 100k cards), written straight into the
database as the benchmark's own set-up (not the app's answer path)."""

from __future__ import annotations

import random
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

from flashdesk.collection import Collection
from flashdesk.model import DeckData, DeckId, Kind, NoteData, study_day

#: history is dated relative to today (10:00 local time), so every window that
#: charts "the last N days" or "due today" sees what a learner's would
NOW = datetime.now().astimezone().replace(hour=10, minute=0, second=0, microsecond=0)
DECKS = 10
LOG_PER_CARD = 10
WORDS = ("customer complaint refund delay manager empathy apology policy listen "
         "acknowledge escalate calm phone email angry anxious confused").split()


def make_decks(n_cards: int, rng: random.Random) -> list[DeckData]:
    per = n_cards // DECKS
    decks = []
    for d in range(DECKS):
        notes = []
        for i in range(per):
            words = " ".join(rng.choice(WORDS) for _ in range(6))
            notes.append(NoteData(key=f"n{i}", kind=Kind.BASIC,
                                  fields={"front": f"Question {d}-{i}: {words}?",
                                          "back": f"Answer {d}-{i}: {words}."},
                                  tags=(rng.choice(WORDS), f"part{d}")))
        decks.append(DeckData(id=DeckId(f"bench-{d}"), name=f"Bench::Deck {d}",
                              path=f"<bench {d}>", notes=tuple(notes)))
    return decks


def add_history(col: Collection, rng: random.Random) -> int:
    today = study_day(NOW)
    db = col.db
    cards = [r[0] for r in db.execute("SELECT id FROM cards")]
    updates, log = [], []
    base_ts = int((NOW - timedelta(days=365)).timestamp() * 1000)
    for n, cid in enumerate(c for c in cards if rng.random() < 0.9):
        interval = rng.choice([1, 3, 6, 15, 38, 95, 240])
        due = today + rng.randint(-3, 60)
        updates.append((rng.randint(1, 8), rng.choice([230, 250, 260]), interval, due,
                        rng.randint(0, 2), due - interval, LOG_PER_CARD, cid))
        for k in range(LOG_PER_CARD):
            day = today - 365 + k * 36 + rng.randint(0, 30)
            log.append((f"{n:08x}-{k:04x}-7000-8000-{rng.getrandbits(48):012x}", cid,
                        base_ts + (day - today + 365) * 86_400_000, day, "review",
                        rng.choice([1, 3, 4, 4, 4, 5]), int(k == 0), rng.randint(2000, 15000),
                        "{}", "{}"))
    with db.atomic():
        db.conn.executemany("UPDATE cards SET type=2, queue=2, reps=?, ease=?, interval=?, due=?, "
                            "lapses=?, last_day=?, answers=? WHERE id=?", updates)
        db.conn.executemany("INSERT INTO revlog(id, card_id, ts, day, kind, quality, was_new, "
                            "time_ms, before, after) VALUES (?,?,?,?,?,?,?,?,?,?)", log)
    db.execute("ANALYZE")
    return len(log)


def build(size: int, folder: Path) -> tuple[Path, dict]:
    """A collection of ``size`` cards with history; returns its path and set-up figures."""
    rng = random.Random(size)
    path = folder / f"bench-{size}" / "collection.db"
    shutil.rmtree(path.parent, ignore_errors=True)
    col = Collection.open(path, bundled=False, backups=False)
    decks = make_decks(size, rng)
    t = time.perf_counter()
    col.files.import_decks(decks)
    add_rate = size / (time.perf_counter() - t)
    log_rows = add_history(col, rng)
    for deck in col.decks.summaries(NOW):  # parents too: they cap their sub-decks
        col.decks.set_limits(deck.id, new_limit=1000, review_limit=5000)
    col.close()
    return path, {"cards": size, "log_rows": log_rows, "bulk_add_notes_per_s": round(add_rate)}
