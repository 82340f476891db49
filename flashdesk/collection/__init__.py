"""A learner's collection: one SQLite file behind a thin facade and the
managers that do the work, in the manner of Anki's ``col.decks`` /
``col.sched``:

- ``col.decks``   the deck tree, today's counts, options; new, rename, move, delete
- ``col.study``   study sessions: the next step, answers, bury, suspend
- ``col.notes``   adding, browsing, editing, card info, tags, moving, resetting, deleting
- ``col.files``   imports, exports, the bundled decks, backups, the profile archive
- ``col.reports`` statistics, the progress report, the log check
- ``col.undo``    one undo stack for every action that changes study data

Every method that changes data commits before it returns and returns what it
changed (a ``Changes`` value, or a result carrying one). ``now`` is always
passed in as a timezone-aware datetime; nothing below this package reads the
clock.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from ..backup import (
    JOURNAL_NAME, ProfileInUseError, backups_dir, finish_interrupted_restore, list_backups,
    restore_hint, sweep_profile,
)
from ..model import Changes, FlashdeskError, GradeMode, study_day
from ..store import NotACollectionError, StorageError, open_database, queries as q, transaction
from ..store.database import DamagedCollectionError, is_damage, memory_database
from ..store.lock import LockMode, ProfileLock
from .decks import DeckManager
from .files import Cancelled, FileManager, Progress
from .importer import finish_pending_media
from .journal import Journal
from .notes import CardIdList, DeletedNotes, NoteManager
from .reports import STUDY_RULES, ReportManager
from .study import StudyManager
from .undo import UndoRefused, UndoStack

__all__ = ["Collection", "Progress", "Cancelled", "CardIdList", "DeletedNotes",
           "UndoRefused",
           "restore_hint", "damage_message", "OPEN_WAIT", "DamagedCollectionError",
           "ProfileInUseError"]

#: seconds an open waits for a restore (or another process's clean-up) to finish
OPEN_WAIT = 20.0


def damage_message(path: Path, exc: BaseException) -> str:
    """The one message for a collection found damaged while in use (``exc``
    is SQLite's error): which file, that nothing was written, what to do."""
    return (f"{path} is damaged (SQLite says: {exc}); nothing more was written to it. "
            + restore_hint(path))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _refuse_missing(path: Path) -> None:
    """A missing collection whose backups are there is a lost collection,
    not a first run: never start an empty one in its place."""
    if not path.exists() and list_backups(path):
        raise NotACollectionError(f"{path} is missing, but {backups_dir(path)} holds its backups; "
                                  "flashdesk did not start a new, empty collection in its place")


class Collection:
    """A learner's collection: one SQLite file (see ``open``).

    The managers share one connection; ``_lock`` keeps two threads from using
    it at once (the window runs long work on a worker while study waits).
    """

    def __init__(self, db, path: Path | None, *, backups: bool = False,
                 profile_lock: ProfileLock | None = None):
        self.db = db
        self.path = path
        self._backups = backups and path is not None
        #: the profile lock, held shared while the collection is open
        self._profile_lock = profile_lock
        #: what opening did about an earlier crash (a finished restore, files swept)
        self.notices: list[str] = []
        self._lock = threading.RLock()
        self._rolled_day: int | None = None
        #: the last moment asked about and its study day
        self._day_of: tuple[datetime | None, int] = (None, 0)
        self.closed = False
        #: the latest study day in the log: the study day never goes below it
        self._latest_day = q.latest_log_day(db)
        self._grade_mode = self._read_grade_mode()
        self._data_version = q.data_version(db)
        self.journal = Journal(db)
        self.undo = UndoStack(self)
        self.decks = DeckManager(self)
        self.study = StudyManager(self)
        self.notes = NoteManager(self)
        self.files = FileManager(self)
        self.reports = ReportManager(self)

    # -- opening ---------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, *, bundled: bool = True,
             backups: bool = True, progress: Progress | None = None) -> "Collection":
        """Open the collection file at ``path``, creating it (and its folder) if
        needed. A new collection gets the bundled decks; bundled decks that
        changed since the last open are updated, keeping progress. With
        ``backups``, closing makes a backup when the last is a day old.
        ``progress(done, total)`` hears how an upgrade of the file goes
        (review-log entries converted).

        The profile lock is held (shared) until ``close``. A process that
        finds itself alone first finishes what a crash interrupted: a
        restore (``restore.journal``), media of a committed import; and
        sweeps partial files (``notices`` says what was done).

        Raises ``DamagedCollectionError`` for an empty or damaged file and
        ``NotACollectionError`` for a file that is not a usable collection, or
        a missing one whose backups are there - each naming the backup to
        restore when there is a good one; nothing is created in its place.
        ``ProfileInUseError`` when a restore keeps the profile longer than
        ``OPEN_WAIT`` seconds; ``FlashdeskError`` when the folder cannot be
        created or locked.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FlashdeskError(f"cannot create the profile folder {path.parent}: "
                                 f"{exc.strerror or exc}") from None
        try:
            try:
                db, lock, notices = cls._open_locked(path, progress)
                try:
                    col = cls(db, path, backups=backups, profile_lock=lock)
                except BaseException:
                    db.close()
                    lock.release()
                    raise
                col.notices = notices
                col.reports.upgrade_rules(datetime.now().astimezone())
                if bundled:
                    try:
                        col.files.sync_bundled()
                    except BaseException:
                        col.close(backup=False)
                        raise
            except sqlite3.DatabaseError as exc:
                if not is_damage(exc):
                    raise
                raise DamagedCollectionError(f"{path} is damaged (SQLite says: {exc})") from None
        except NotACollectionError as exc:
            text = str(exc)
            if "newer flashdesk" not in text:
                text = f"{text}.\n{restore_hint(path)}"
            raise type(exc)(text) from None
        return col

    @staticmethod
    def _open_locked(path: Path, progress: Progress | None = None
                     ) -> tuple[Any, ProfileLock, list[str]]:
        """Open the file under the profile lock: exclusive first, to clean up
        after crashes when alone, then shared (the lock has no atomic
        downgrade, so the file is checked to be the same one afterwards)."""
        folder = path.parent
        journal = folder / JOURNAL_NAME
        for _attempt in range(20):
            lock = ProfileLock(folder)
            try:
                alone = lock.try_acquire(LockMode.EXCLUSIVE)
            except OSError as exc:
                raise FlashdeskError(f"cannot open {path}: the profile lock {lock.path} cannot be "
                                     f"written ({exc.strerror or exc}); check that you can write "
                                     f"to {folder}") from None
            notices: list[str] = []
            if alone:
                try:
                    done = finish_interrupted_restore(path)
                    notices += [done] if done else []
                    notices += sweep_profile(path)
                    _refuse_missing(path)
                    db, _created = open_database(path, progress=progress)
                    try:
                        notices += finish_pending_media(db, path.parent / "media")
                    except BaseException:
                        db.close()
                        raise
                except BaseException:
                    lock.release()
                    raise
                before = _identity(path)
                lock.release()
                if not lock.acquire(LockMode.SHARED, OPEN_WAIT):
                    db.close()
                    raise ProfileInUseError(f"cannot open {path}: a restore is under way; "
                                            "try again when it has finished")
                if journal.exists() or _identity(path) != before:
                    db.close()  # a restore slipped in between: open what it left
                    lock.release()
                    continue
                return db, lock, notices
            if not lock.acquire(LockMode.SHARED, OPEN_WAIT):
                raise ProfileInUseError(f"cannot open {path}: a restore is under way; "
                                        "try again when it has finished")
            if journal.exists():  # an interrupted restore: it needs the profile to itself
                lock.release()
                time.sleep(0.05)
                continue
            try:
                _refuse_missing(path)
                db, _created = open_database(path, progress=progress)
            except BaseException:
                lock.release()
                raise
            return db, lock, notices
        raise ProfileInUseError(
            f"cannot open {path}: an interrupted restore must be finished first, and other "
            "flashdesk windows or terminals have the profile open; close them and try again")

    @classmethod
    def in_memory(cls) -> "Collection":
        """A fresh collection that lives in memory only (tests, tools)."""
        col = cls(memory_database(), None)
        col.set_setting("study_rules", STUDY_RULES)
        return col

    def close(self, *, backup: bool = True) -> None:
        """Back up if the last backup is a day old (with ``backups``, unless
        ``backup`` is False), then close the file and release the profile
        lock. The file is closed in any case; a failed automatic backup is
        raised afterwards (``StorageError``: the disk refused;
        ``DamagedCollectionError``: the collection is damaged, so it was not
        backed up). Closing twice does nothing."""
        with self._lock:
            if self.closed:
                return
            problem: FlashdeskError | None = None
            try:
                if backup and self._backups:
                    try:
                        self.files.backup(datetime.now().astimezone(),
                                          only_if_older_than_hours=24)
                    except FlashdeskError as exc:
                        problem = exc
                    except OSError as exc:
                        problem = StorageError(f"the automatic backup could not be made: "
                                               f"{exc.strerror or exc}")
            finally:
                self.db.close()
                self.closed = True
                if self._profile_lock is not None:
                    self._profile_lock.release()
            if problem is not None:
                raise problem

    def __enter__(self) -> "Collection":
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            self.close()
            return
        # the error in flight is the one message: no backup now (the file may
        # be damaged, the disk full); the next clean close makes the day's backup
        self.close(backup=False)

    @property
    def media_dir(self) -> Path | None:
        """The profile's media folder (None for an in-memory collection)."""
        return self.path.parent / "media" if self.path else None

    # -- the study day -----------------------------------------------------------

    def today(self, now: datetime) -> int:
        """The study day of ``now`` (days since 1970-01-01, rolling over at
        04:00 local time), never below the latest day already in the log: after
        the clock or time zone moves back, the day in progress goes on. A new
        day unburies cards and ends yesterday's re-drills (one write, once a day)."""
        if now is not self._day_of[0]:  # an answer and its next step share one moment
            self._day_of = (now, study_day(now))
        today = max(self._day_of[1], self._latest_day)
        if self._rolled_day != today:
            with self._lock, transaction(self.db):
                q.roll_over(self.db, today)
                q.close_days(self.db, today)
            self._rolled_day = today
            self.study.day_changed(today)
        return today

    def _answered_on(self, day: int) -> None:
        """The log now holds an entry of study day ``day``."""
        self._latest_day = max(self._latest_day, day)

    # -- settings --------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        """A setting stored with the collection (JSON value), or ``default``."""
        with self._lock:
            return q.get_config(self.db, key, default)

    def set_setting(self, key: str, value: Any) -> Changes:
        """Store a setting (any JSON value); committed at once."""
        with self._lock, transaction(self.db):
            q.set_config(self.db, key, value)
        if key == "grade_mode":
            self._grade_mode = self._read_grade_mode()
        return Changes(config=True)

    def _read_grade_mode(self) -> GradeMode:
        try:
            return GradeMode(q.get_config(self.db, "grade_mode", int(GradeMode.FOUR_BUTTONS)))
        except ValueError:
            return GradeMode.FOUR_BUTTONS

    @property
    def grade_mode(self) -> GradeMode:
        """Four answer buttons or six grades (kept in memory; read again when
        another process changed the collection, see ``changed_elsewhere``)."""
        return self._grade_mode

    def set_grade_mode(self, mode: GradeMode) -> Changes:
        """Answer with four buttons or six grades from now on."""
        return self.set_setting("grade_mode", int(GradeMode(mode)))

    # -- other processes -------------------------------------------------------

    def changed_elsewhere(self) -> bool:
        """Whether another process (a terminal review, a second window) has
        committed to the file since the last call. One cheap pragma; when it
        says yes, today's session is rebuilt from the file on its next step
        and the settings kept in memory (the grade mode) are read again."""
        if self.closed:
            return False
        with self._lock:
            version = q.data_version(self.db)
        if version == self._data_version:
            return False
        self._data_version = version
        with self._lock:
            self._grade_mode = self._read_grade_mode()
        self._latest_day = max(self._latest_day, q.latest_log_day(self.db))
        self.journal.reload()
        self.study.invalidate()
        return True
