"""A learner's collection: one SQLite file behind a thin facade and the
managers that do the work, in the manner of Anki's ``col.decks`` /
``col.sched``:

- ``col.decks``   the deck tree, today's counts, daily limits
- ``col.study``   study sessions: the next step, answers, bury, suspend
- ``col.notes``   browsing, editing, tags, moving, resetting, deleting
- ``col.files``   imports, exports, backups, the profile archive
- ``col.reports`` statistics, the progress report, the log check
- ``col.undo``    one undo stack for every action that changes study data

Every method that changes data commits before it returns and returns what it
changed (a ``Changes`` value, or a result carrying one). ``now`` is always
passed in as a timezone-aware datetime; nothing below this package reads the
clock.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from ..backup import list_backups
from ..model import Changes, FlashdeskError, GradeMode, study_day
from ..store import NotACollectionError, open_database, queries as q, transaction
from ..store.database import memory_database
from .decks import DeckManager
from .files import Cancelled, FileManager, Progress
from .journal import Journal
from .notes import DeletedNotes, NoteManager
from .reports import STUDY_RULES, ReportManager
from .study import StudyManager
from .undo import UndoRefused, UndoStack

__all__ = ["Collection", "Progress", "Cancelled", "DeletedNotes", "UndoRefused"]


class Collection:
    """A learner's collection: one SQLite file (see ``open``).

    The managers share one connection; ``_lock`` keeps two threads from using
    it at once (the window runs long work on a worker while study waits).
    """

    def __init__(self, db, path: Path | None, *, backups: bool = False):
        self.db = db
        self.path = path
        self._backups = backups and path is not None
        self._lock = threading.RLock()
        self._rolled_day: int | None = None
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
             backups: bool = True) -> "Collection":
        """Open the collection file at ``path``, creating it (and its folder) if
        needed. A new collection gets the bundled decks; bundled decks that
        changed since the last open are updated, keeping progress. With
        ``backups``, closing makes a backup when the last is a day old.

        Raises ``NotACollectionError`` for a file that is not a usable
        collection (naming the backup to restore when there is one) and
        ``FlashdeskError`` when the folder cannot be created.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FlashdeskError(f"cannot create the profile folder {path.parent}: "
                                 f"{exc.strerror or exc}") from None
        try:
            db, _created = open_database(path)
        except NotACollectionError as exc:
            hint = ""
            if path.exists() and list_backups(path):
                hint = ("\nRestore the latest backup with `flashdesk restore` (the damaged "
                        "file is kept beside it).")
            raise type(exc)(f"{exc}{hint}") from None
        col = cls(db, path, backups=backups)
        col.reports.upgrade_rules(datetime.now().astimezone())
        if bundled:
            col.files.sync_bundled()
        return col

    @classmethod
    def in_memory(cls) -> "Collection":
        """A fresh collection that lives in memory only (tests, tools)."""
        col = cls(memory_database(), None)
        col.set_setting("study_rules", STUDY_RULES)
        return col

    def close(self) -> None:
        """Back up if the last backup is a day old (with ``backups``), then close."""
        with self._lock:
            if self._backups:
                try:
                    self.files.backup(datetime.now().astimezone(), only_if_older_than_hours=24)
                except (OSError, FlashdeskError):
                    pass  # a failed automatic backup must not stop the app closing
            self.db.close()
            self.closed = True

    def __enter__(self) -> "Collection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        today = max(study_day(now), self._latest_day)
        if self._rolled_day != today:
            with self._lock, transaction(self.db):
                q.roll_over(self.db, today)
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
        """Four answer buttons or six grades (read once, kept in memory)."""
        return self._grade_mode

    def set_grade_mode(self, mode: GradeMode) -> Changes:
        return self.set_setting("grade_mode", int(GradeMode(mode)))

    # -- other processes -------------------------------------------------------

    def changed_elsewhere(self) -> bool:
        """Whether another process (a terminal review, a second window) has
        committed to the file since the last call. One cheap pragma; when it
        says yes, today's session is rebuilt from the file on its next step."""
        if self.closed:
            return False
        with self._lock:
            version = q.data_version(self.db)
        if version == self._data_version:
            return False
        self._data_version = version
        self._latest_day = max(self._latest_day, q.latest_log_day(self.db))
        self.journal.reload()
        self.study.invalidate()
        return True
