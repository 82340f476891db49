"""Backups of a collection and putting one back.

Backups are made with SQLite's backup API (``flashdesk.store.copies``) on
close at most once a day and on demand, verified before they get their name,
and rotated: the last 10, and one a week for 8 weeks. Each backup records
inside itself when it was taken and its place in the order backups were made;
backups are ordered by that record, never by their file names, so a clock
that was a year ahead for a while neither makes its backups "the latest" for
ever nor gets new backups deleted.

Restoring is a journaled procedure under the profile's exclusive lock (see
``restore``): a crash at any point is finished or undone the next time the
profile is opened (``finish_interrupted_restore``), leaving exactly one
consistent collection, the old one or the restored one.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from .model import FlashdeskError
from .store.copies import (
    BackupRecord, copy_database, count_cards, fsync_dir, open_read_only, read_backup_record,
    verify_copy,
)
from .store.database import NEW_PART_GLOB, StorageError, check_backup
from .store.faults import fault_point
from .store.lock import LockMode, ProfileLock

__all__ = ["Backup", "backups_dir", "list_backups", "choose_kept", "restore", "BACKUP_GLOB",
           "backup_name", "unique_backup_path", "backup_due", "newest_good_backup",
           "finish_interrupted_restore", "sweep_profile", "ProfileInUseError",
           "JOURNAL_NAME", "rotate", "kept_path", "is_profile_file", "restore_hint",
           "KEEP_RANGE", "WEEKS_RANGE", "BackupCheck", "inspect_backup", "RestoreUnfinished"]


class RestoreUnfinished(StorageError):
    """A restore copied the backup in and checked it, then stopped part way
    through putting it in place (the system refused a rename): its journal
    finishes it the next time the collection is opened (``Collection.open``
    calls ``finish_interrupted_restore``). Nothing is lost: the previous
    collection is kept beside it, never overwritten."""

#: how many recent backups may be kept (``backup_keep``): the newest is never deleted
KEEP_RANGE = (1, 999)
#: for how many weeks one backup a week may be kept (``backup_weeks``): up to ten years
WEEKS_RANGE = (0, 520)

BACKUP_GLOB = "collection-*.db"
#: the restore journal, in the profile folder while a restore is under way
JOURNAL_NAME = "restore.journal"
_NAME_STAMP = "%Y%m%d-%H%M%S-%f"  # down to the microsecond: backups a second apart never clash
#: a backup dated more than this after "now" was taken while the clock was ahead
_CLOCK_SLACK = timedelta(minutes=5)


class ProfileInUseError(FlashdeskError):
    """The profile is open in another flashdesk (window or terminal)."""


@dataclass(frozen=True)
class Backup:
    """One backup file. ``taken`` is local time (naive) as recorded inside
    the backup (else read from its name); ``seq`` is its place in the order
    backups were made (0: made before flashdesk recorded it)."""

    path: Path
    taken: datetime
    seq: int = 0

    @property
    def label(self) -> str:
        """When the backup was taken, for people: 2026-11-30 14:02:11."""
        return self.taken.strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class BackupCheck:
    """What a restore would find in a backup: ``problem`` says why it cannot
    be restored (``check_backup``'s words; None when it is sound), ``cards``
    how many cards it holds (None when that cannot be read), ``size`` its
    size in bytes."""

    problem: str | None
    cards: int | None
    size: int

    @property
    def sound(self) -> bool:
        return self.problem is None


def inspect_backup(path: Path) -> BackupCheck:
    """Check the backup at ``path`` as a restore would (``check_backup``, a
    full integrity check: it reads the whole file) and count its cards.
    Read-only: nothing is created or changed."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    problem = check_backup(path)
    return BackupCheck(problem, count_cards(path) if problem is None else None, size)


def backups_dir(collection_path: Path) -> Path:
    """The folder holding the backups of the collection at ``collection_path``."""
    return Path(collection_path).parent / "backups"


def backup_name(now: datetime) -> str:
    """The file name of a backup taken at ``now`` (local time)."""
    return f"collection-{now.strftime(_NAME_STAMP)}.db"


def unique_backup_path(folder: Path, now: datetime) -> Path:
    """A backup path in ``folder`` for ``now`` that no file (nor its
    ``.part``) has: a name is never reused, whatever the clock says."""
    base = backup_name(now).removesuffix(".db")
    for n in range(1, 10_000):
        path = folder / (f"{base}.db" if n == 1 else f"{base}-{n}.db")
        if not path.exists() and not path.with_name(path.name + ".part").exists():
            return path
    raise FlashdeskError(f"no free backup name in {folder}")


def _taken(path: Path, record: BackupRecord) -> datetime:
    if record.taken_ms is not None:
        try:
            return datetime.fromtimestamp(record.taken_ms / 1000)
        except (OverflowError, OSError, ValueError):
            pass
    stem = path.stem.removeprefix("collection-")
    for text in (stem, stem.rsplit("-", 1)[0]):
        try:
            return datetime.strptime(text, _NAME_STAMP)
        except ValueError:
            continue
    return datetime.fromtimestamp(path.stat().st_mtime)


def list_backups(collection_path: Path) -> list[Backup]:
    """The backups of this profile, the last made first: ordered by the
    sequence number each records (older backups, which have none, after
    those, by their recorded or named time)."""
    found = []
    for path in backups_dir(collection_path).glob(BACKUP_GLOB):
        if not path.is_file():
            continue
        record = read_backup_record(path)
        try:
            found.append(Backup(path, _taken(path, record), record.seq or 0))
        except OSError:
            continue  # removed meanwhile
    return sorted(found, key=lambda b: (b.seq, b.taken), reverse=True)


def backup_due(backups: list[Backup], now: datetime, hours: float) -> bool:
    """Whether a backup is due at ``now`` (local, naive): none yet, the last
    made is ``hours`` old, or it is dated ahead of ``now`` (the clock was
    ahead then, or is behind now: its age says nothing)."""
    if not backups:
        return True
    last = backups[0].taken
    return last > now + _CLOCK_SLACK or (now - last).total_seconds() >= hours * 3600


def choose_kept(backups: list[Backup], keep_last: int = 10, weekly: int = 8,
                now: datetime | None = None) -> set[Path]:
    """The backups rotation keeps: the last ``keep_last`` made, plus the
    last made of each of the last ``weekly`` weeks that has one.

    Weeks are counted back from the last backup. A backup is treated as no
    newer than the ones made after it, nor than ``now`` (local, naive): one
    dated in the future by a clock that was ahead counts as taken when the
    next one was, and never pushes newer backups out.
    """
    ordered = sorted(backups, key=lambda b: (b.seq, b.taken), reverse=True)
    kept = {b.path for b in ordered[:keep_last]}
    ceiling = now
    effective = []
    for b in ordered:
        when = b.taken if ceiling is None else min(b.taken, ceiling)
        effective.append(when)
        ceiling = when
    if ordered:
        newest = effective[0]
        weeks: dict[int, Backup] = {}
        for b, when in zip(ordered, effective):
            age_weeks = (newest - when).days // 7
            if age_weeks < weekly and age_weeks not in weeks:
                weeks[age_weeks] = b
        kept |= {b.path for b in weeks.values()}
    return kept


def rotate(collection_path: Path, keep_last: int, weekly: int, now: datetime,
           protect: Path) -> list[Path]:
    """Delete the backups ``choose_kept`` leaves out, never ``protect`` (the
    backup just made and verified: the newest good one). Returns the deleted."""
    backups = list_backups(collection_path)
    kept = choose_kept(backups, keep_last, weekly, now) | {protect}
    deleted = []
    for b in reversed(backups):  # the oldest first
        if b.path not in kept:
            b.path.unlink(missing_ok=True)
            deleted.append(b.path)
            fault_point("rotate:deleted")
    return deleted


def newest_good_backup(collection_path: Path, *, thorough: bool = False) -> Backup | None:
    """The last made backup that is sound: ``quick_check`` (or, with
    ``thorough``, the full check a restore makes), or None."""
    for b in list_backups(collection_path):
        if thorough:
            sound = check_backup(b.path) is None
        else:
            sound = check_backup_quick(b.path) and verify_copy(b.path) is None
        if sound:
            return b
    return None


def restore_hint(path: Path) -> str:
    """What to do about an unusable collection file at ``path``: the newest
    good backup to restore and the command that does it, or what to do when
    there is none. One or two sentences, for the end of a message."""
    path = Path(path)
    good = newest_good_backup(path)
    if good is not None:
        return (f"Run `flashdesk restore` to put back the newest good backup, {good.path.name} "
                f"(taken {good.label}, in {good.path.parent}); any file in its place is kept "
                "beside it, renamed, never overwritten.")
    if list_backups(path):
        return (f"None of the backups in {backups_dir(path)} is sound either. Keep the file: "
                "nothing was changed.")
    return ("There is no backup of it yet. Keep the file (nothing was changed); to start a "
            "new collection, move it out of the folder.")


def check_backup_quick(path: Path) -> bool:
    """Whether ``path`` is stamped as a flashdesk collection (no page check)."""
    try:
        with Path(path).open("rb") as f:
            header = f.read(72)
    except OSError:
        return False
    return header.startswith(b"SQLite format 3\x00") and header[68:72] == b"FDSK"


# -- the profile's files --------------------------------------------------------------

_COMPANIONS = ("", "-wal", "-shm", "-journal")


def kept_path(collection_path: Path, why: str, now: datetime) -> Path:
    """A name beside the collection, ``collection.db.WHY-STAMP``, that no file
    has (nor its ``-wal``/``-shm``/``-journal``): kept files are never overwritten."""
    base = f"{collection_path.name}.{why}-{now.strftime(_NAME_STAMP)}"
    for n in range(1, 10_000):
        path = collection_path.with_name(base if n == 1 else f"{base}-{n}")
        if not any(Path(f"{path}{s}").exists() for s in _COMPANIONS):
            return path
    raise FlashdeskError(f"no free name beside {collection_path}")


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def is_profile_file(collection_path: Path, path: Path) -> bool:
    """Whether ``path`` is, or is inside, the profile folder of the collection
    (symbolic links followed), or is the same file as the collection, its
    ``-wal``/``-shm`` or a backup (hard links)."""
    folder = _real(collection_path.parent)
    real = _real(path)
    if real == folder or folder in real.parents:
        return True
    if not path.exists():
        return False
    protected = [Path(f"{collection_path}{s}") for s in _COMPANIONS]
    protected += list(backups_dir(collection_path).glob(BACKUP_GLOB))
    for other in protected:
        try:
            if other.exists() and os.path.samefile(other, path):
                return True
        except OSError:
            continue
    return False


def sweep_profile(collection_path: Path) -> list[str]:
    """Remove what crashes leave behind in a profile that nobody else has
    open (call it under the exclusive lock, after
    ``finish_interrupted_restore``): partial backups (``.part``), half-made
    collections, a restore's copy without its journal, and ``-shm`` files
    beside backups. A ``-wal`` with no collection beside it is moved aside
    under a new name (it may hold answers; it must not be replayed onto
    another file). Returns what was done, one line each."""
    folder = collection_path.parent
    done: list[str] = []
    doomed: list[Path] = []
    backups = backups_dir(collection_path)
    if backups.is_dir():
        for pattern in ("*.part", "*.part-journal", "*.part-wal", "*.part-shm", "*.db-shm"):
            doomed += backups.glob(pattern)
        doomed += [p for p in backups.glob("*.db-wal") if p.stat().st_size == 0]
    for pattern in (NEW_PART_GLOB, f"{NEW_PART_GLOB}-*", f"{collection_path.name}.restoring",
                    f"{collection_path.name}.restoring-*", f"{JOURNAL_NAME}.tmp"):
        doomed += folder.glob(pattern)
    for path in doomed:
        try:
            path.unlink()
            done.append(f"removed {path.name}, left by an interrupted operation")
        except FileNotFoundError:
            continue
    if not collection_path.exists():
        for suffix in ("-wal", "-journal"):
            stray = Path(f"{collection_path}{suffix}")
            if stray.exists():
                aside = kept_path(collection_path, "orphan" + suffix, datetime.now())
                os.replace(stray, aside)
                done.append(f"moved {stray.name}, which had no collection beside it, to {aside.name}")
        Path(f"{collection_path}-shm").unlink(missing_ok=True)
    return done


# -- restore ------------------------------------------------------------------------------

def _journal_path(collection_path: Path) -> Path:
    return collection_path.parent / JOURNAL_NAME


def _write_journal(collection_path: Path, journal: dict) -> None:
    path = _journal_path(collection_path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(journal, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _read_journal(collection_path: Path) -> dict | None:
    path = _journal_path(collection_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        journal = json.loads(text)
        if journal.get("step") not in ("copying", "swapping") or not journal.get("part"):
            raise ValueError("unknown step")
        return journal
    except (ValueError, AttributeError):
        raise FlashdeskError(
            f"an interrupted restore left {path} unreadable, so flashdesk cannot tell how far "
            "it got; nothing was changed. Keep every file in that folder and ask for help "
            "(the collection and its backups are all there).") from None


def _roll_back(collection_path: Path, journal: dict) -> None:
    """The copy never finished: remove it; the collection is as it was."""
    part = collection_path.parent / journal["part"]
    for suffix in _COMPANIONS:
        Path(f"{part}{suffix}").unlink(missing_ok=True)
    _journal_path(collection_path).unlink(missing_ok=True)
    fsync_dir(collection_path.parent)


def _roll_forward(collection_path: Path, journal: dict) -> None:
    """The copy is complete and verified: move the collection aside with its
    log, put the copy in its place, forget the journal. Each step can be
    repeated: what was already done is skipped."""
    folder = collection_path.parent
    part = folder / journal["part"]
    if part.exists():
        kept = folder / journal["kept"] if journal.get("kept") else None
        for suffix in ("-wal", "-shm", "-journal", ""):  # the collection itself last
            source = Path(f"{collection_path}{suffix}")
            if not source.exists():
                continue
            if kept is None:  # nothing was there when the journal was written
                kept = kept_path(collection_path, "before-restore", datetime.now())
            target = Path(f"{kept}{suffix}")
            if target.exists():
                target = kept_path(target, "again", datetime.now())
            os.replace(source, target)
            fault_point(f"restore:moved{suffix or '-db'}")
        fsync_dir(folder)
        os.replace(part, collection_path)
        fsync_dir(folder)
        fault_point("restore:installed")
    for suffix in ("-journal", "-wal", "-shm"):
        Path(f"{part}{suffix}").unlink(missing_ok=True)
    _journal_path(collection_path).unlink(missing_ok=True)
    fsync_dir(folder)


def finish_interrupted_restore(collection_path: Path) -> str | None:
    """Finish or undo a restore that a crash interrupted (call it holding the
    profile's exclusive lock). Returns a sentence saying what was done, or
    None when no restore was under way. Raises ``FlashdeskError`` when the
    journal cannot be read (then nothing is touched)."""
    journal = _read_journal(collection_path)
    if journal is None:
        return None
    if journal["step"] == "copying":
        _roll_back(collection_path, journal)
        return ("A restore was interrupted before the backup was copied in; it was undone "
                "and the collection is as it was before.")
    _roll_forward(collection_path, journal)
    kept = f" (the previous collection is kept as {journal['kept']})" if journal.get("kept") else ""
    return f"A restore of {journal['backup']} was interrupted; it has now been finished{kept}."


def _is_live_file(collection_path: Path, backup: Path) -> bool:
    for suffix in _COMPANIONS:
        live = Path(f"{collection_path}{suffix}")
        if _real(live) == _real(backup):
            return True
        try:
            if live.exists() and os.path.samefile(live, backup):
                return True
        except OSError:
            continue
    return False


def restore(collection_path: Path, backup: Path, now: datetime, *,
            wait: float = 1.0, announce: Callable[[], None] | None = None) -> Path | None:
    """Put ``backup`` in place of the collection at ``collection_path``; the
    current file (perhaps damaged) is moved aside with its ``-wal`` and
    ``-shm`` under a name never used before, never overwritten. Returns that
    name (None when there was no collection).

    Before anything is touched: ``backup`` must not be the collection itself
    and must be a sound flashdesk collection (``check_backup``), and the
    profile's exclusive lock must be free within ``wait`` seconds. Then the
    steps are journaled (``restore.journal``): a crash at any point is
    finished or undone on the next open.

    ``announce`` is called once all of that has passed, before the first
    step: what is about to happen is said only when it will happen.

    Raises ``ProfileInUseError`` (another flashdesk has the profile open),
    ``StorageError`` (the disk refused the copy: nothing was changed),
    ``RestoreUnfinished`` (a ``StorageError``: the copy was in and checked,
    putting it in place stopped part way, and opening the collection
    finishes it) or ``FlashdeskError`` (not a usable backup: nothing was
    changed).
    """
    collection_path, backup = Path(collection_path), Path(backup)
    if _is_live_file(collection_path, backup):
        raise FlashdeskError(
            f"cannot restore {backup}: that is the collection itself, not a backup; choose one "
            f"in {backups_dir(collection_path)} (`flashdesk backup --list`); nothing was changed")
    if backup.suffix.lower() == ".zip" and zipfile.is_zipfile(backup):
        raise FlashdeskError(
            f"cannot restore {backup} as it is: it is a whole-collection export (File › "
            "Export…, or flashdesk export --format backup); unzip it, restore the collection.db "
            f"inside it, and copy its media folder's files into "
            f"{collection_path.parent / 'media'}; nothing was changed")
    problem = check_backup(backup)
    if problem:
        raise FlashdeskError(f"cannot restore {backup}: {problem}; nothing was changed")
    folder = collection_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = ProfileLock(folder)
        taken = lock.acquire(LockMode.EXCLUSIVE, wait)
    except OSError as exc:
        raise StorageError(f"cannot restore into {folder}: {exc.strerror or exc}; "
                           "nothing was changed") from None
    if not taken:
        raise ProfileInUseError(
            f"cannot restore: the collection in {folder} is open in another flashdesk (the "
            "window or a terminal review); close it and try again. Nothing was changed.")
    try:
        if announce is not None:
            announce()
        finish_interrupted_restore(collection_path)
        return _restore_locked(collection_path, backup, now)
    finally:
        lock.release()


def _restore_locked(collection_path: Path, backup: Path, now: datetime) -> Path | None:
    local = now.astimezone().replace(tzinfo=None)
    part = collection_path.with_name(collection_path.name + ".restoring")
    there = any(Path(f"{collection_path}{s}").exists() for s in _COMPANIONS)
    kept = kept_path(collection_path, "before-restore", local) if there else None
    journal = {"version": 1, "step": "copying", "backup": str(backup), "part": part.name,
               "kept": kept.name if kept else None}
    try:
        _write_journal(collection_path, journal)
        fault_point("restore:journal")
        for suffix in _COMPANIONS:
            Path(f"{part}{suffix}").unlink(missing_ok=True)
        source = open_read_only(backup)
        try:
            copy_database(source, part, fault="restore:copying")
        finally:
            source.close()
        problem = verify_copy(part)
        if problem:
            raise FlashdeskError(f"cannot restore {backup}: its copy is damaged ({problem})")
        fault_point("restore:copied")
        journal["step"] = "swapping"
        _write_journal(collection_path, journal)
    except (sqlite3.Error, OSError, FlashdeskError) as exc:
        if _read_journal(collection_path) is not None:
            _roll_back(collection_path, journal)
        if isinstance(exc, FlashdeskError):
            raise FlashdeskError(f"{exc}; nothing was changed") from None
        reason = getattr(exc, "strerror", None) or str(exc)
        raise StorageError(f"cannot restore {backup}: {reason} (is the disk full?); "
                           "nothing was changed") from None
    fault_point("restore:swapping")
    try:
        _roll_forward(collection_path, journal)
    except OSError as exc:
        kept_as = f"; the collection as it was is kept as {journal['kept']}" \
            if journal.get("kept") else ""
        raise RestoreUnfinished(
            f"the backup {backup.name} was copied in and checked, but putting it in place "
            f"stopped part way ({exc.strerror or exc}): flashdesk finishes it the next time it "
            f"opens the collection{kept_as}") from None
    fault_point("restore:done")
    return kept
