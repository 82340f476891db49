"""Never lose a review: rebuild from the log, backups and restore, upgrades,
crashes at random moments, and two processes on one profile."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from flashdesk.backup import Backup, choose_kept, list_backups, restore
from flashdesk.collection import Collection
from flashdesk.model import FlashdeskError
from flashdesk.store import NotACollectionError
from flashdesk.store.queries import uid_text

from .conftest import FIXTURES, NOW

GOOD, AGAIN = 4, 1


def study_days(col, days, rng, start=NOW, undo_rate=0.1):
    for day in range(days):
        now = start + timedelta(days=day)
        while (card := col.study.next_card(None, now)) is not None:
            col.study.answer(card.id, rng.choice([0, 1, 2, 3, 4, 5]), now)
            if rng.random() < undo_rate:
                col.undo.undo(now)
    return start + timedelta(days=days)


def test_card_states_equal_sm2_folded_over_the_log(example):
    end = study_days(example, 40, random.Random(7))
    report = example.reports.check(end)
    assert report.ok and report.log_entries > 40 and report.cards == 7


def test_check_finds_and_repairs_a_damaged_cache(example):
    end = study_days(example, 10, random.Random(3))
    example.db.execute("UPDATE cards SET interval = 999, ease = 130 WHERE ord = 0")
    example.db.conn.commit()
    report = example.reports.check(end)
    assert not report.ok and all(set(f) >= {"interval"} for _, f in report.mismatches)
    assert example.reports.check(end, repair=True).repaired == len(report.mismatches)
    assert example.reports.check(end).ok


def test_backup_rotation_keeps_ten_and_one_a_week_for_eight_weeks(tmp_path):
    start = datetime(2026, 1, 1, 12)
    backups = [Backup(tmp_path / f"b{i}", start + timedelta(days=i)) for i in range(100)]
    kept = choose_kept(backups)
    newest = sorted(backups, key=lambda b: b.taken)[-10:]
    assert {b.path for b in newest} <= kept
    older = [b for b in backups if b.path in kept and b not in newest]
    assert len(older) == 6  # weeks 2..7 back; weeks 0 and 1 are among the last ten
    assert min(b.taken for b in backups if b.path in kept) >= start + timedelta(days=99 - 7 * 8)


def test_backup_on_close_at_most_daily_and_restore(col_path, tmp_path):
    col = Collection.open(col_path, bundled=False)
    col.files.import_files([FIXTURES / "example.toml"])
    card = col.study.next_card("example-heat", NOW)
    col.study.answer(card.id, GOOD, NOW)
    col.close()
    assert len(list_backups(col_path)) == 1
    col = Collection.open(col_path, bundled=False)
    col.close()
    assert len(list_backups(col_path)) == 1  # not twice in a day
    # the file is damaged: opening it says so and points at restore
    col_path.write_bytes(b"\0" * 4096)
    for suffix in ("-wal", "-shm"):
        Path(str(col_path) + suffix).unlink(missing_ok=True)
    with pytest.raises(NotACollectionError, match="flashdesk restore"):
        Collection.open(col_path, bundled=False)
    kept = restore(col_path, list_backups(col_path)[0].path, NOW)
    assert kept.read_bytes() == b"\0" * 4096  # the damaged file is kept, never overwritten
    with Collection.open(col_path, bundled=False, backups=False) as col:
        assert col.study.card(card.id, NOW).state.repetitions == 1


def test_restore_refuses_a_damaged_backup(col_path, tmp_path):
    Collection.open(col_path, bundled=False, backups=False).close()
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"nope" * 100)
    before = col_path.read_bytes()
    with pytest.raises(FlashdeskError, match="cannot restore"):
        restore(col_path, bad, NOW)
    assert col_path.read_bytes() == before


CHILD = r"""
import random, sys
from datetime import datetime, timedelta, timezone
from flashdesk.collection import Collection
path, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
col = Collection.open(path, bundled=False, backups=False)
now = datetime(2026, 3, 2, 10, tzinfo=timezone.utc) + timedelta(days=seed)
print("ready", flush=True)
while True:
    card = col.study.next_card(None, now)
    if card is None:
        now += timedelta(days=1)
        continue
    result = col.study.answer(card.id, rng.choice([1, 3, 4, 5]), now, time_ms=100).result
    print("saved", result.log_id, flush=True)
    if rng.random() < 0.05:
        col.undo.undo(now)
        print("undone", result.log_id, flush=True)
"""


def test_sigkill_while_answering_loses_nothing(tmp_path):
    path = tmp_path / "p" / "collection.db"
    with Collection.open(path, bundled=False, backups=False) as col:
        col.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
    rng = random.Random(2026)
    saved: set[str] = set()
    for run in range(20):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(run)],
                                stdout=subprocess.PIPE, text=True, cwd=tmp_path)
        assert proc.stdout.readline().strip() == "ready"
        for _ in range(rng.randint(1, 60)):  # kill after a random number of answers
            line = proc.stdout.readline().split()
            if line and line[0] == "saved":
                saved.add(line[1])
        os.kill(proc.pid, signal.SIGKILL)
        # whatever it printed before dying was reported as saved too
        for line in proc.stdout.read().splitlines():
            parts = line.split()
            if parts and parts[0] == "saved":
                saved.add(parts[1])
        proc.wait()
        raw = sqlite3.connect(path)
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        logged = {uid_text(*r) for r in raw.execute("SELECT uid, ts FROM revlog")}
        raw.close()
        assert saved <= logged, f"run {run}: lost {saved - logged}"
        with Collection.open(path, bundled=False, backups=False) as col:
            assert col.reports.check(NOW + timedelta(days=400)).ok, f"run {run}"
    assert len(saved) >= 20


def test_two_processes_on_one_profile_lose_nothing(tmp_path):
    path = tmp_path / "p" / "collection.db"
    with Collection.open(path, bundled=False, backups=False) as col:
        col.files.import_files([FIXTURES / "basics.toml"])
        col.decks.set_limits("basics", new_limit=30)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    # a terminal session answering every card Good, while this process studies too
    proc = subprocess.Popen([sys.executable, "-m", "flashdesk", "--data-dir", str(tmp_path),
                             "--profile", "p", "review", "basics"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=tmp_path)
    ours = []
    with Collection.open(path, bundled=False, backups=False) as col:
        now = datetime.now().astimezone()
        for _ in range(10):
            card = col.study.next_card("basics", now)
            if card is None:
                break
            ours.append(col.study.answer(card.id, GOOD, now).result.log_id)
        out, err = proc.communicate("\n3\n" * 40 + "q\n", timeout=120)
        assert proc.returncode == 0, err
        report = col.reports.check(now)
        assert report.ok
        ids = {uid_text(*r) for r in col.db.execute("SELECT uid, ts FROM revlog")}
        assert set(ours) <= ids
        studied = int(out.split("Studied ")[1].split(" ")[0])
        assert len(ids) >= len(ours) + studied
        # each card's SM-2 state changed once today, whoever answered it first
        first = col.db.execute("SELECT count(DISTINCT card), count(*) FROM revlog "
                               "WHERE kind = 0").fetchone()  # kind 0: a review
        assert first[0] == first[1] == 30 - col.reports.stats(now, "basics").new


def test_backup_rotation_is_configurable_from_the_command_line(tmp_path):
    env = {**os.environ, "FLASHDESK_HOME": str(tmp_path / "home")}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "flashdesk", *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=120)

    out = cli("backup", "--keep", "2", "--weeks", "0")
    assert out.returncode == 0 and "the last 2, and one a week for 0 weeks" in out.stdout
    for _ in range(3):
        assert cli("backup").returncode == 0
    listed = [line for line in cli("backup", "--list").stdout.splitlines() if "collection-" in line]
    assert len(listed) == 2
