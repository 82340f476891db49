"""Crash runs: real processes stopped at every step of restore, backup with
rotation, import with media, and creating a collection (``FLASHDESK_FAULT``
names the step; the process ends there with ``os._exit``, as a SIGKILL or a
power cut would leave it). After each: the next command finishes or undoes
what was under way, ``flashdesk check`` is clean, SQLite's integrity check
says ok, no partial file is left, and no acknowledged answer is lost.

They take about two minutes, so they run only when asked for:
``pytest -m slow tests/core/test_crash_restore.py`` (add ``-s`` to see the
table of faults). The default ``pytest`` run skips them.
"""

from collections import defaultdict
from datetime import timedelta

import pytest

from flashdesk.backup import list_backups
from flashdesk.collection import Collection
from flashdesk.store.copies import verify_copy

from .conftest import NOW
from .crashkit import (
    FAULT_EXIT, answer, apkg_with_media, assert_sound, cli, kept_files, log_ids, make_profile,
)

pytestmark = pytest.mark.slow

REPEAT = 3
RESTORE_POINTS = ["restore:journal", "restore:copying", "restore:copied", "restore:swapping",
                  "restore:moved-wal", "restore:moved-shm", "restore:moved-db",
                  "restore:installed", "restore:done"]
#: a restore stopped before this point is undone on the next open; from it on, finished
ROLLED_BACK = {"restore:journal", "restore:copying", "restore:copied"}
BACKUP_POINTS = ["backup:copied", "backup:renamed", "rotate:deleted#1", "rotate:deleted#2",
                 "rotate:deleted#3"]
IMPORT_POINTS = ["import:staged", "import:committed", "import:renamed", "import:cleared"]

#: fault → [times injected, answers acknowledged, answers lost, integrity checks ok]
TABLE: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])


@pytest.fixture(autouse=True)
def only_when_asked(request):
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("a long crash run: `pytest -m slow` runs it")


@pytest.fixture(scope="module", autouse=True)
def fault_table():
    yield
    if not TABLE:
        return
    lines = ["", "| fault | injected | answers acknowledged | answers lost | integrity |",
             "| --- | ---: | ---: | ---: | --- |"]
    for fault, (injected, acked, lost, ok) in TABLE.items():
        lines.append(f"| {fault} | {injected} | {acked} | {lost} | "
                     f"{'ok' if ok == injected else f'{ok}/{injected} ok'} |")
    total = [sum(row[i] for row in TABLE.values()) for i in range(4)]
    lines.append(f"| **all** | {total[0]} | {total[1]} | {total[2]} | "
                 f"{'ok' if total[3] == total[0] else 'FAILED'} |")
    print("\n".join(lines))


def record(fault: str, acknowledged: set[str], found: set[str]) -> None:
    row = TABLE[fault]
    row[0] += 1
    row[1] += len(acknowledged)
    row[2] += len(acknowledged - found)
    row[3] += 1  # assert_sound checked integrity before this is reached


def everything_found(home) -> set[str]:
    folder = home / "p"
    found = log_ids(folder / "collection.db")
    for kept in kept_files(folder):
        found |= log_ids(kept)
    return found


@pytest.mark.parametrize("point", RESTORE_POINTS)
@pytest.mark.parametrize("run", range(REPEAT))
def test_a_restore_killed_at_every_step(tmp_path, point, run):
    home = tmp_path / "home"
    path = make_profile(home)
    acked = answer(path, 20, seed=run, kill=False)
    with Collection.open(path, bundled=False, backups=False) as col:
        backup = col.files.backup(NOW)
    in_backup = log_ids(backup)
    acked |= answer(path, 30, seed=run + 10)  # killed: these are in the -wal
    before = log_ids(path)
    out = cli(home, "restore", str(backup), fault=point)
    assert out.returncode == FAULT_EXIT, (point, out.stdout, out.stderr)
    live = assert_sound(home, acked)
    kept = kept_files(path.parent)
    if point in ROLLED_BACK:
        assert live == before and kept == []
    else:  # finished: the backup in place, the old collection kept whole
        assert live == in_backup and len(kept) == 1 and log_ids(kept[0]) == before
    record(point, acked, everything_found(home))


@pytest.mark.parametrize("first, second", [("restore:moved-wal", "restore:moved-db"),
                                           ("restore:moved-db", "restore:installed"),
                                           ("restore:copying", "restore:journal")])
def test_a_restore_killed_again_while_it_is_being_finished(tmp_path, first, second):
    home = tmp_path / "home"
    path = make_profile(home)
    with Collection.open(path, bundled=False, backups=False) as col:
        backup = col.files.backup(NOW)
    acked = answer(path, 25, seed=7)
    assert cli(home, "restore", str(backup), fault=first).returncode == FAULT_EXIT
    # the next command is killed too, while it finishes (or runs another) restore
    again = cli(home, "restore", str(backup), fault=second)
    assert again.returncode in (0, FAULT_EXIT), again.stderr
    assert_sound(home, acked)
    record(f"{first} then {second}", acked, everything_found(home))


@pytest.mark.parametrize("point", BACKUP_POINTS)
@pytest.mark.parametrize("run", range(REPEAT))
def test_a_backup_and_its_rotation_killed_at_every_step(tmp_path, point, run):
    home = tmp_path / "home"
    path = make_profile(home)
    with Collection.open(path, bundled=False, backups=False) as col:
        for day in range(3):
            col.files.backup(NOW + timedelta(days=day))
        col.set_setting("backup_keep", 1)  # the next backup deletes the three
        col.set_setting("backup_weeks", 0)
    acked = answer(path, 30, seed=run)
    out = cli(home, "backup", fault=point)
    assert out.returncode == FAULT_EXIT, (point, out.stdout, out.stderr)
    assert_sound(home, acked)
    backups = list_backups(path)
    assert backups and all(verify_copy(b.path) is None for b in backups)
    if point != "backup:copied":  # the new backup was verified and named: it is kept
        assert acked <= log_ids(backups[0].path)
    record(point, acked, everything_found(home))


@pytest.mark.parametrize("point", IMPORT_POINTS)
@pytest.mark.parametrize("run", range(REPEAT))
def test_an_import_with_media_killed_at_every_step(tmp_path, point, run):
    home = tmp_path / "home"
    path = make_profile(home)
    assert cli(home, "decks").returncode == 0  # the bundled decks first
    acked = answer(path, 20, seed=run)
    package = apkg_with_media(tmp_path / "m.apkg", f"dot-{run}.png")
    out = cli(home, "import", str(package), fault=point)
    assert out.returncode == FAULT_EXIT, (point, out.stdout, out.stderr)
    assert_sound(home, acked)
    with Collection.open(path, bundled=False, backups=False) as col:
        notes = col.db.execute("SELECT count(*) FROM notes WHERE fields LIKE ?",
                               [f"%dot-{run}.png%"]).fetchone()[0]
        assert col.setting("pending_media") is None
    media = path.parent / "media" / f"dot-{run}.png"
    assert (notes == 1) == media.exists() == (point != "import:staged")
    record(point, acked, everything_found(home))


@pytest.mark.parametrize("run", range(REPEAT))
def test_a_first_run_killed_while_the_collection_is_made(tmp_path, run):
    home = tmp_path / "home"
    assert cli(home, "decks", fault="create:made").returncode == FAULT_EXIT
    assert not (home / "p" / "collection.db").exists()
    assert_sound(home, set())
    record("create:made", set(), set())


def test_a_restore_sigkilled_at_random_moments(tmp_path):
    """No fault point: a real SIGKILL at a random moment of the command (its
    start-up, the checks, the copy, the swap), twenty times on one profile."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    home = tmp_path / "home"
    path = make_profile(home)
    big = tmp_path / "big.csv"  # a larger file: the copy takes a while
    big.write_text("front,back\n" + "".join(f"Question {i} {'x' * 300},Answer {i}\n"
                                            for i in range(6000)), encoding="utf-8")
    with Collection.open(path, bundled=False, backups=False) as col:
        col.files.import_files([big], deck_name="Big")
        backup = col.files.backup(NOW)
    rng = random.Random(11)
    acked: set[str] = set()
    env = {k: v for k, v in os.environ.items() if k != "FLASHDESK_FAULT"}
    outcomes = {"restored": 0, "as before": 0}
    in_backup = log_ids(backup)
    for run in range(20):
        new = answer(path, 5, seed=run)
        acked |= new
        proc = subprocess.Popen([sys.executable, "-m", "flashdesk", "--data-dir", str(home),
                                 "--profile", "p", "restore", str(backup)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                cwd=tmp_path)
        time.sleep(rng.uniform(0.15, 0.9))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        live = assert_sound(home, acked)
        outcomes["restored" if live == in_backup else "as before"] += 1
        record("SIGKILL at a random moment", new, everything_found(home))
    print(f"\nrandom SIGKILLs: {outcomes}")
