"""Proof that merging converges: several simulated devices answer, undo,
edit, tag, reset and delete, each syncing through its own copy of the sync
folder, while files reach the others late, twice, cut short and out of
order. When everything has arrived, every device holds the same decks,
notes and card states, each card's state is SM-2 replayed over the union
of all the logs (as one device would replay it), and no answer any device
acknowledged is missing anywhere.

The default run tries a few hundred interleavings; ``pytest -m slow`` tries
thousands, with more devices and longer runs.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from sqlite_utils import Database

from flashdesk.collection import Collection, UndoRefused
from flashdesk.formats.deckfile import parse_deck_text
from flashdesk.model import FlashdeskError, Grade
from flashdesk.store import queries as q, sync as sq, transaction
from flashdesk.study import SM2_FIELDS, answers_in_log, fold_log, replay_order
from flashdesk.sync import Syncer
from flashdesk.sync.segments import profile_root

TZ = timezone(timedelta(hours=1))
START = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
PROFILE = "learner"

DECK = parse_deck_text('''
[deck]
id = "sim"
name = "Sim::Cards"

[[notes]]
id = "n1"
kind = "basic"
front = "One?"
back = "1"
reverse = true
tags = ["alpha"]

[[notes]]
id = "n2"
kind = "basic"
front = "Two?"
back = "2"

[[notes]]
id = "n3"
kind = "cloze"
text = "{{c1::Three}} and {{c2::four}}"

[[notes]]
id = "n4"
kind = "basic"
front = "Five?"
back = "5"
tags = ["beta"]
''')
OTHER = parse_deck_text('''
[deck]
id = "other"
name = "Sim::Other"

[[notes]]
id = "o1"
kind = "basic"
front = "Other?"
back = "o"
''')
NOTES = [f"sim/n{i}" for i in range(1, 5)]
CARDS = ["sim/n1#0", "sim/n1#1", "sim/n2#0", "sim/n3#1", "sim/n3#2", "sim/n4#0", "other/o1#0"]
FRONT = {"sim/n1": ("front", "back"), "sim/n2": ("front", "back"), "sim/n4": ("front", "back")}


_TEMPLATES: dict[bool, Collection] = {}
#: a RAM disk keeps thousands of runs quick where there is one
_TMP = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def fresh_collection(with_deck: bool) -> Collection:
    """A new in-memory collection (with the deck), copied from a template
    made once: migrating and importing for every device would be slow."""
    if with_deck not in _TEMPLATES:
        template = Collection.in_memory()
        if with_deck:
            template.files.import_decks([DECK, OTHER])
        _TEMPLATES[with_deck] = template
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    _TEMPLATES[with_deck].db.conn.backup(conn)
    db = Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    return Collection(db, None)


@dataclass
class Device:
    index: int
    col: Collection
    folder: Path
    #: minutes this device's clock is off
    skew: int
    answers: set[str] = field(default_factory=set)

    def now(self, base: datetime) -> datetime:
        return base + timedelta(minutes=self.skew)

    def sync(self, base: datetime):
        return Syncer(self.col, self.folder, PROFILE).run(self.now(base))


class World:
    """Devices, each with its own view of the sync folder, and the files
    written so far (delivered to the others only when the test says)."""

    def __init__(self, tmp: Path, count: int, skews: list[int], shared_deck: bool):
        self.devices = []
        for i in range(count):
            folder = tmp / f"view{i}"
            folder.mkdir()
            col = fresh_collection(shared_deck or i == 0)
            self.devices.append(Device(i, col, folder, skews[i]))
        self.now = START
        self.files: list[Path] = []  # relative to a view
        self.partial = False
        self.made = 0

    def written(self, device: Device) -> None:
        """Note the files ``device`` wrote in its own folder (new ones)."""
        own = profile_root(device.folder, PROFILE) / device.col.setting("sync.device")
        for path in sorted(own.rglob("*")):
            rel = path.relative_to(device.folder)
            if path.is_file() and not path.name.startswith(".") and rel not in self.files:
                self.files.append(rel)

    def source_of(self, rel: Path) -> Path:
        for d in self.devices:
            if (d.folder / rel).is_file() and self._owner(d, rel):
                return d.folder / rel
        raise AssertionError(f"nobody wrote {rel}")

    @staticmethod
    def _owner(device: Device, rel: Path) -> bool:
        mine = device.col.setting("sync.device")
        return rel.parts[2] == mine

    def deliver(self, rel: Path, to: Device, how: str, cut: float) -> None:
        source = self.source_of(rel)
        if to.folder / rel == source:
            return
        target = to.folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes()
        if how == "partial":
            target.write_bytes(data[:int(len(data) * cut)])
            self.partial = True
        elif how == "conflict-copy":  # what Syncthing leaves when two edits clash
            target.with_name(target.name + ".sync-conflict-20260302-100000-ABCDEFG").write_bytes(data)
        else:  # whole (again, if it was there already)
            target.write_bytes(data)

    def deliver_everything(self) -> None:
        for rel in list(self.files):
            for d in self.devices:
                self.deliver(rel, d, "whole", 1.0)


def card_state(col: Collection) -> dict[str, tuple]:
    """card id → its SM-2 fields and count of answers (what the log decides;
    burying and suspending stay on the device that did them)."""
    rows = q.all_schedules(col.db)
    return {cid: tuple(r[f] for f in (*SM2_FIELDS, "answers")) for cid, r in rows.items()}


def card_decks(col: Collection) -> dict[str, str]:
    return {r["id"]: r["deck_id"] for r in sq.cards_for_sync(col.db)}


def queues(col: Collection) -> dict[str, int]:
    return {cid: r["queue"] for cid, r in q.all_schedules(col.db).items()}


def note_state(col: Collection) -> dict[str, tuple]:
    return {r["id"]: (r["deck_id"], r["kind"], r["fields"], frozenset(r["tags"].split()))
            for r in sq.notes_for_sync(col.db)}


def replayed(devices: list[Device], today: int) -> dict[str, tuple]:
    """One device replaying the union of every device's log."""
    union: dict[str, dict] = {}
    for d in devices:
        for e in sq.log_entries_after(d.col.db, 0):
            union.setdefault(e["id"], e)
    by_card: dict[str, list[dict]] = {}
    for seq, e in enumerate(sorted(union.values(), key=lambda e: e["id"]), 1):
        by_card.setdefault(e["card_id"], []).append({
            "seq": seq, "id": e["id"], "kind": e["kind"], "quality": e["quality"],
            "day": e["day"], "undoes": e["undoes"],
            "due": (e["after"] or {}).get("due") if e["kind"] == "reschedule" else None})
    result = {}
    for card, log in by_card.items():
        ordered = replay_order(log)
        s = fold_log(ordered, today)
        result[card] = tuple(getattr(s, f) for f in SM2_FIELDS) + (answers_in_log(ordered),
                                                                     s.queue)
    return result


ACTIONS = ["answer", "answer", "answer", "study", "undo", "edit", "tag", "delete", "reset",
           "move", "new deck", "time", "sync", "sync", "deliver", "deliver", "deliver"]


def run_world(data, max_devices: int, max_steps: int) -> tuple[int, int]:
    count = data.draw(st.integers(2, max_devices), label="devices")
    skews = [data.draw(st.integers(-180, 180), label="clock skew (min)") for _ in range(count)]
    shared = data.draw(st.booleans(), label="every device imported the deck")
    steps = data.draw(st.integers(1, max_steps), label="steps")
    with tempfile.TemporaryDirectory(dir=_TMP) as tmp:
        world = World(Path(tmp), count, skews, shared)
        try:
            for _ in range(steps):
                act(world, data)
            # everything arrives, whole; every device merges until nothing is new
            for _round in range(4):
                before = len(world.files)
                world.deliver_everything()
                for d in world.devices:
                    d.sync(world.now)
                    world.written(d)
                if len(world.files) == before:
                    break
            world.deliver_everything()
            for d in world.devices:
                d.sync(world.now)
            check_converged(world)
            describe(world, count, steps)
        finally:
            for d in world.devices:
                d.col.close()
    return count, steps


def describe(world: World, count: int, steps: int) -> None:
    """What the run held (``--hypothesis-show-statistics`` lists it)."""
    from flashdesk.sync import conflicts

    answers = sum(len(d.answers) for d in world.devices)
    event(f"{count} devices")
    event("steps: " + ("1-20" if steps <= 20 else "21-60" if steps <= 60 else "61+"))
    event("answers acknowledged: " + ("0" if not answers else "1-9" if answers < 10 else "10+"))
    event(f"segment files: {'1-9' if len(world.files) < 10 else '10+'}")
    if world.partial:
        event("a file arrived cut short, then whole")
    if conflicts(world.devices[0].col):
        event("a concurrent edit kept in history")


def act(world: World, data) -> None:
    d = world.devices[data.draw(st.integers(0, len(world.devices) - 1), label="device")]
    action = data.draw(st.sampled_from(ACTIONS), label="action")
    now = d.now(world.now)
    col = d.col
    if action in ("answer", "study"):
        grade = data.draw(st.sampled_from(list(Grade)), label="grade")
        if action == "study":
            step = col.study.step(None, now)
            card = step.card.id if step is not None else None
        else:
            card = data.draw(st.sampled_from(CARDS), label="card")
        if card is None:
            return
        try:
            answered = col.study.answer(card, grade, now)
        except FlashdeskError:
            return  # not on this device yet, deleted, or buried
        d.answers.add(answered.result.log_id)
    elif action == "undo":
        try:
            col.undo.undo(now)
        except (UndoRefused, FlashdeskError):
            pass
    elif action == "edit":
        note = data.draw(st.sampled_from(sorted(FRONT)), label="note")
        text = data.draw(st.sampled_from(["A", "B", "C", "=1+1", "<b>bold</b>"]), label="text")
        try:
            col.notes.update(note, {"front": f"{text} {d.index}", "back": "x"}, now)
        except FlashdeskError:
            pass
    elif action == "tag":
        note = data.draw(st.sampled_from(NOTES), label="note")
        tag = data.draw(st.sampled_from(["alpha", "beta", "gamma"]), label="tag")
        if data.draw(st.booleans(), label="add"):
            col.notes.change_tags([note], add=[tag])
        else:
            col.notes.change_tags([note], remove=[tag])
    elif action == "delete":
        col.notes.delete([data.draw(st.sampled_from(NOTES), label="note")], now)
    elif action == "move":
        decks = sorted(r["id"] for r in sq.decks_for_sync(col.db))
        if decks:
            card = data.draw(st.sampled_from(CARDS), label="card")
            col.notes.move_cards([card], data.draw(st.sampled_from(decks), label="to deck"))
    elif action == "new deck":  # a deck of its own, and a card moved into it at once
        world.made += 1
        deck_id = f"made-{d.index}-{world.made}"
        with col._lock, transaction(col.db):  # as a deck made in the window would be
            col.decks.ensure(deck_id, f"Sim::Made {world.made}", "", "", "", 0)
        if data.draw(st.booleans(), label="move a card in"):
            col.notes.move_cards([data.draw(st.sampled_from(CARDS), label="card")], deck_id)
    elif action == "reset":
        col.notes.reset_cards([data.draw(st.sampled_from(CARDS), label="card")], now)
    elif action == "time":
        world.now += timedelta(minutes=data.draw(st.sampled_from([1, 7, 90, 60 * 24, 60 * 24 * 3]),
                                                 label="minutes"))
    elif action == "sync":
        d.sync(world.now)
        world.written(d)
    elif action == "deliver" and world.files:
        rel = data.draw(st.sampled_from(world.files), label="file")
        to = world.devices[data.draw(st.integers(0, len(world.devices) - 1), label="to")]
        how = data.draw(st.sampled_from(["whole", "whole", "partial", "conflict-copy"]),
                        label="how")
        world.deliver(rel, to, how, data.draw(st.floats(0, 0.99), label="cut"))


def check_converged(world: World) -> None:
    devices = world.devices
    first = devices[0]
    today = first.col.today(world.now)
    cards = card_state(first.col)
    notes = note_state(first.col)
    decks = {r["id"]: r["name"] for r in sq.decks_for_sync(first.col.db)}
    logs = {d.index: {e["id"] for e in sq.log_entries_after(d.col.db, 0)} for d in devices}
    for d in devices[1:]:
        assert note_state(d.col) == notes, f"device {d.index} holds other notes"
        assert {r["id"]: r["name"] for r in sq.decks_for_sync(d.col.db)} == decks
        assert card_decks(d.col) == card_decks(first.col), f"device {d.index}: cards elsewhere"
        assert card_state(d.col) == cards, f"device {d.index} holds other card states"
        assert logs[d.index] == logs[first.index]
    reference = replayed(devices, today)
    for cid, state in cards.items():
        expected = reference.get(cid)
        if expected is None:
            assert state[:-1] == (0, 0, 250, 0, None, 0, None), f"{cid} has no log yet is not new"
            continue
        assert state == expected[:-1], f"{cid} is not the union of the logs replayed"
        for d in devices:  # a buried or suspended card stays so on its device
            queue = queues(d.col)[cid]
            assert queue < 0 or queue == expected[-1], f"{cid} is in another queue"
    acknowledged = set().union(*(d.answers for d in devices))
    for d in devices:
        assert acknowledged <= logs[d.index], "an acknowledged answer is missing"
        report = d.col.reports.check(world.now)
        assert report.ok, report.mismatches


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_devices_converge_whatever_the_delivery(data):
    run_world(data, max_devices=3, max_steps=40)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_devices_converge_over_thousands_of_interleavings(data):
    run_world(data, max_devices=4, max_steps=120)
