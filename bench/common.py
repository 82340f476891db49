"""Building benchmark collections: 10 decks, ~90 % of cards reviewed with about
eleven log entries each (1M log rows at 100k cards), written through the store
as the benchmark's own set-up (not the app's answer path). The history is
real SM-2 – each card's answers follow its intervals, an Again is re-drilled
the same day – and dated up to today."""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flashdesk.collection import Collection
from flashdesk.model import DeckData, DeckId, Kind, NoteData, study_day

#: history is dated relative to today (10:00 local time), so every window that
#: charts "the last N days" or "due today" sees what a learner's would
NOW = datetime.now().astimezone().replace(hour=10, minute=0, second=0, microsecond=0)
DECKS = 10
#: cards with a history, and answers per card: 1M log entries at 100k cards
REVIEWED = 0.9
ANSWERS_PER_CARD = 11
#: four buttons: Again, Hard, Good, Easy as SM-2 qualities (Good most often)
QUALITIES = (1, 3, 4, 4, 4, 5)
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


@dataclass(frozen=True)
class Answer:
    """One answer of a history: card index, study day, quality (0–5),
    moment (ms since the epoch), time taken (ms)."""

    card: int
    day: int
    quality: int
    ts: int
    time_ms: int


#: a card's history spans at most this many days (five years): ten answers
#: with growing SM-2 intervals would otherwise reach back before 1970
HISTORY_DAYS = 5 * 365


def make_history(size: int, rng: random.Random, today: int, reviewed: float,
                 per_card: int) -> list[Answer]:
    """Up to ``per_card`` answers (within ``HISTORY_DAYS``) for a share
    ``reviewed`` of ``size`` cards, in time order: each card's chain of answers follows its SM-2 intervals (an Again
    is re-drilled the same day), shifted so that its last answer falls in the
    last weeks and never after study day ``today``."""
    from flashdesk.model import CardSchedule
    from flashdesk.study import apply_answer, roll_over

    answers: list[tuple[int, int, int, int]] = []  # (day, card, order, quality)
    for card in range(size):
        if rng.random() >= reviewed:
            continue
        state, day, chain = CardSchedule(), 0, []
        while len(chain) < per_card and day <= HISTORY_DAYS:
            quality = rng.choice(QUALITIES)
            state = apply_answer(roll_over(state, day), quality, day, 0).after
            chain.append((day, quality))
            if quality < 4 and len(chain) < per_card:  # step 7: drilled again today
                state = apply_answer(state, 4, day, 0).after
                chain.append((day, 4))
            day += max(1, state.interval) + rng.randint(0, 2)
        last = chain[-1][0]
        shift = today - rng.randint(0, min(40, state.interval + 5)) - last
        answers.extend((d + shift, card, k, q) for k, (d, q) in enumerate(chain))
    answers.sort()
    out, day_ms, count = [], None, 0
    from flashdesk.model import day_start

    for day, card, _, quality in answers:
        if day != day_ms:
            day_ms, count = day, 0
            base = int(day_start(day, NOW.tzinfo).timestamp() * 1000) + 5 * 3600_000
        count += 1
        out.append(Answer(card, day, quality, base + count * 17, rng.randint(2000, 15000)))
    return out


def replay(history: list[Answer], today: int):
    """Every answer with the card's schedule before and after it (seq = its
    place in the log, from 1), and each card's final schedule."""
    from flashdesk.model import CardSchedule
    from flashdesk.study import apply_answer, roll_over

    states: dict[int, CardSchedule] = {}
    entries = []
    for seq, a in enumerate(history, start=1):
        before = roll_over(states.get(a.card, CardSchedule()), a.day)
        outcome = apply_answer(before, a.quality, a.day, seq)
        states[a.card] = outcome.after
        entries.append((a, before, outcome))
    return entries, {c: roll_over(s, today) for c, s in states.items()}


def log_rows(history: list[Answer], ids: list[str], today: int) -> tuple[list[dict], list[dict]]:
    """A history replayed as the store writes it: the review-log rows
    (``queries.insert_logs``) and each answered card's final state with its
    answer count (``queries.set_sm2_fields``); ``ids[n]`` names card ``n``."""
    from flashdesk.collection.journal import log_id

    entries, finals = replay(history, today)
    answers: dict[int, int] = {}
    log = []
    for a, before, outcome in entries:
        answers[a.card] = answers.get(a.card, 0) + 1
        log.append({"id": log_id(a.ts), "card_id": ids[a.card], "ts": a.ts, "day": a.day,
                    "kind": "redrill" if outcome.redrill else "review", "quality": a.quality,
                    "was_new": int(outcome.was_new), "time_ms": a.time_ms, "before": before,
                    "after": outcome.after, "undoes": None})
    states = [{"id": ids[c], **s.to_dict(), "answers": answers[c]} for c, s in finals.items()]
    return log, states


def add_history(col: Collection, rng: random.Random) -> int:
    """About ten answers for 90 % of the cards (1M log entries at 100k cards),
    dated up to today, written through the store as whole histories: real
    SM-2 states before and after each answer, card states that agree."""
    from flashdesk.model import BrowseQuery
    from flashdesk.store import queries as q, transaction

    today = study_day(NOW)
    ids = col.notes.browse(BrowseQuery(), NOW)
    history = make_history(len(ids), rng, today, REVIEWED, ANSWERS_PER_CARD)
    log, states = log_rows(history, ids, today)
    with transaction(col.db):
        q.insert_logs(col.db, log)
        q.set_sm2_fields(col.db, states)
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
