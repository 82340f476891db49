"""Helpers of the safety and crash tests: real processes that answer cards
(and are killed), the command line with a fault point set, and the checks a
profile must pass after any crash."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from flashdesk.collection import Collection
from flashdesk.store.queries import uid_text
from flashdesk.store.faults import FAULT_ENV, FAULT_EXIT

from .conftest import FIXTURES

__all__ = ["cli", "answer", "log_ids", "make_profile", "assert_sound", "apkg_with_media",
           "FAULT_EXIT", "stray_files", "kept_files"]

ANSWERING = r"""
import os, random, signal, sys
from datetime import datetime, timedelta, timezone
from flashdesk.collection import Collection
path, count, seed, how = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(seed)
col = Collection.open(path, bundled=False, backups=False)
now = datetime(2026, 3, 2, 10, tzinfo=timezone.utc) + timedelta(days=seed % 50)
done = 0
while done < count:
    card = col.study.next_card(None, now)
    if card is None:
        now += timedelta(days=1)
        continue
    result = col.study.answer(card.id, rng.choice([1, 3, 4, 5]), now, time_ms=100).result
    print("saved", result.log_id, flush=True)
    done += 1
if how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)  # the log is left in the -wal, not checkpointed
col.close()
"""


def cli(home: Path, *args: str, fault: str | None = None, profile: str = "p",
        stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    """``flashdesk --data-dir HOME --profile p ARGS``, as a user runs it;
    with ``fault``, the process stops at that fault point."""
    env = {k: v for k, v in os.environ.items() if k not in ("FLASHDESK_HOME", FAULT_ENV)}
    env["PYTHONIOENCODING"] = "utf-8"
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.run([sys.executable, "-m", "flashdesk", "--data-dir", str(home),
                           "--profile", profile, *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=home.parent)


def answer(path: Path, count: int, seed: int, *, kill: bool = True) -> set[str]:
    """Answer ``count`` cards in another process and return the ids it
    acknowledged (printed after each commit). With ``kill`` it is SIGKILLed
    after the last one, so its answers are still in the ``-wal``."""
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    out = subprocess.run([sys.executable, "-c", ANSWERING, str(path), str(count), str(seed),
                          "kill" if kill else "close"], capture_output=True, text=True,
                         timeout=120, env=env, cwd=path.parent.parent)
    saved = {line.split()[1] for line in out.stdout.splitlines() if line.startswith("saved ")}
    assert len(saved) == count, out.stderr
    return saved


def make_profile(home: Path) -> Path:
    """A profile ``p`` under ``home`` with the two small test decks."""
    path = home / "p" / "collection.db"
    with Collection.open(path, bundled=False, backups=False) as col:
        col.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
        col.decks.set_limits("basics", new_limit=100)
        col.decks.set_limits("example", new_limit=100)
    return path


def log_ids(path: Path) -> set[str]:
    """The review log ids of the collection at ``path``, read from a copy (with
    its ``-wal``), so the file itself is not touched."""
    scratch = path.parent.parent / f".read-{os.urandom(4).hex()}"
    scratch.mkdir()
    try:
        for suffix in ("", "-wal"):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", scratch / f"c.db{suffix}")
        conn = sqlite3.connect(scratch / "c.db")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", path
            return {uid_text(uid, ts) for uid, ts in conn.execute("SELECT uid, ts FROM revlog")}
        finally:
            conn.close()
    finally:
        shutil.rmtree(scratch)


def kept_files(folder: Path) -> list[Path]:
    """Collections moved aside by restores (without their -wal/-shm)."""
    return sorted(p for p in folder.glob("collection.db.before-restore-*")
                  if not p.name.endswith(("-wal", "-shm", "-journal")))


#: what a profile folder may hold when nothing is under way
_ALLOWED = ("collection.db", "collection.lock", "backups", "media")


def stray_files(folder: Path) -> list[str]:
    """Files a crash left that nothing will clean up: anything but the
    collection, the lock, backups, media and kept collections (with their
    logs); partial files anywhere; a -wal or -shm beside a closed collection."""
    stray = []
    for p in folder.iterdir():
        if p.name in _ALLOWED or p.name.startswith("collection.db.before-restore-"):
            continue
        stray.append(p.name)
    backups = folder / "backups"
    if backups.is_dir():
        stray += [f"backups/{p.name}" for p in backups.iterdir()
                  if not (p.name.startswith("collection-") and p.name.endswith(".db"))]
    media = folder / "media"
    if media.is_dir():
        stray += [f"media/{p.name}" for p in media.iterdir() if p.name.startswith(".")]
    return sorted(stray)


def assert_sound(home: Path, acknowledged: set[str], *, profile: str = "p") -> set[str]:
    """After a crash: the next command finishes or undoes what was under way;
    then ``flashdesk check`` is clean, SQLite's integrity check says ok, no
    partial file is left, and every acknowledged answer is in the collection
    or in a collection a restore kept. Returns the collection's log ids."""
    folder = home / profile
    out = cli(home, "check", profile=profile)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert "Integrity: ok" in out.stdout
    assert stray_files(folder) == []
    live = log_ids(folder / "collection.db")
    found = set(live)
    for kept in kept_files(folder):
        found |= log_ids(kept)
    assert acknowledged <= found, f"lost {len(acknowledged - found)} acknowledged answers"
    return live


def apkg_with_media(target: Path, media_name: str, image: bytes = b"\x89PNG fake image") -> Path:
    """The test package (one note showing ``blue-dot.png``) with its media
    file renamed to ``media_name`` and the note's reference rewritten."""
    src = FIXTURES / "import" / "genanki.apkg"
    work = target.parent / f".{target.name}.work"
    work.mkdir(parents=True)
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    db = work / "c.anki2"
    db.write_bytes(members["collection.anki2"])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE notes SET flds = replace(flds, 'blue-dot.png', ?)", [media_name])
    conn.commit()
    conn.close()
    members["collection.anki2"] = db.read_bytes()
    members["media"] = ('{"0": "%s"}' % media_name).encode("utf-8")
    members["0"] = image
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    shutil.rmtree(work)
    return target
