"""The window's side of merging devices: merge when the window opens, when
new files from other devices appear in the sync folder, a little while after
this device changed something, on demand (File › Sync now) and on close;
and a line in the status bar saying when the last merge was and what it
brought.

A merge runs as an op (``workers.run_op``), so the window is busy for its
few milliseconds. While a study session is on screen nothing starts by
itself (taking the focus from the card mid-answer would lose keys): the
status line says that new files wait, and they merge when the learner
leaves the session.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ..model import FlashdeskError
from ..sync import SyncReport, last_sync, sync, sync_folder, unmerged_files
from ..sync.classroom import sharing, write_summary
from .widgets import ElidedLabel

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["SyncWatcher", "LOOK_INTERVAL_MS", "QUIET_MS"]

#: how often the sync folder is looked at for new files (a directory listing)
LOOK_INTERVAL_MS = 5000
#: after a change here, merge once the learner has been quiet this long
QUIET_MS = 30_000


def _status(when: str, summary: str) -> str:
    try:
        at = datetime.fromisoformat(when)
        shown = f"{at:%H:%M}" if at.date() == datetime.now().astimezone().date() \
            else f"{at:%d %b %H:%M}"
    except ValueError:
        shown = when
    return f"Synced {shown}: {summary}"


class SyncWatcher(QObject):
    """Merges ``window``'s collection with its sync folder (see the module's text)."""

    #: a merge finished (SyncReport)
    synced = Signal(object)
    #: a merge could not be done (message)
    failed = Signal(str)

    def __init__(self, window: "MainWindow", clock: Callable[[], datetime], *,
                 reviewing: Callable[[], bool]):
        super().__init__(window)
        self._window = window
        self._clock = clock
        self._reviewing = reviewing
        self._running = False
        #: files seen waiting (still arriving) at the last merge: not a reason to merge again
        self._waiting: set[str] = set()
        self._dirty = False
        self._stopped = False
        #: the last merge's report (None before the first)
        self.last_report: SyncReport | None = None
        #: progress summaries written (tests wait on it)
        self.summaries = 0
        #: the sync folder and whether progress is shared, read once (the answer
        #: path asks whether there is anything to do)
        self._folder = sync_folder(window.collection)
        self._sharing = sharing(window.collection) is not None
        #: the status bar's line (plain text: device names come from files)
        self.label = ElidedLabel("")
        self.label.setObjectName("syncStatus")
        self._look = QTimer(self)
        self._look.setInterval(LOOK_INTERVAL_MS)
        self._look.timeout.connect(self.look)
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(QUIET_MS)
        self._quiet.timeout.connect(self.look)
        self.show_last()

    @property
    def enabled(self) -> bool:
        """There is a sync folder and the window is open (no query)."""
        return not self._stopped and self._folder is not None

    @property
    def active(self) -> bool:
        """There is a sync folder, or a progress summary to keep up to date."""
        return not self._stopped and (self._folder is not None or self._sharing)

    def start(self) -> None:
        """Merge now (the window just opened) and keep looking."""
        if self._stopped or self._window.collection.closed:
            return
        self._look.start()
        self.sync_now()

    def stop(self) -> None:
        """The window closes: nothing starts any more (``sync_on_close`` still sends)."""
        self._look.stop()
        self._quiet.stop()
        self._stopped = True

    def show_last(self) -> None:
        """Read the sync folder setting again, and show the last merge."""
        col = self._window.collection
        self._folder = None if col.closed else sync_folder(col)
        self._sharing = not col.closed and sharing(col) is not None
        if self._folder is None:
            self.label.set_full_text("")
            return
        last = last_sync(col)
        self.label.set_full_text(_status(last["when"], last["summary"]) if last
                                 else f"Not synced yet with {self._folder}")

    def changed_here(self) -> None:
        """This device changed something: merge once the learner is quiet."""
        if self.active:
            self._dirty = True
            self._quiet.start()

    def look(self) -> None:
        """Merge if other devices' files appeared (or changes here wait)."""
        if self._running or self._window.busy or not self.active:
            return
        try:
            new = unmerged_files(self._window.collection) - self._waiting if self.enabled \
                else set()
        except OSError:
            return
        if not new and not (self._dirty and not self._quiet.isActive()):
            return
        if self._reviewing():
            if new:
                self.label.set_full_text("New files from your other devices: they merge when "
                                         "you leave this session")
            return
        self.sync_now()

    def sync_now(self) -> bool:
        """Merge now (and write the progress summary, when shared), on a
        worker (False when it cannot start now)."""
        from .workers import run_op

        if self._running or self._window.busy or not self.active:
            return False
        self._running = True
        self._dirty = False
        if self.enabled:
            self.label.set_full_text("Syncing…")

        def op(col, _progress) -> SyncReport | None:
            now = self._clock()
            report = sync(col, now)
            try:
                write_summary(col, now)
            except FlashdeskError as exc:
                if report is None:
                    raise FlashdeskError(f"your progress summary could not be written: "
                                         f"{exc}") from None
                report.damaged.append(f"your progress summary: {exc}")
            return report

        run_op(self._window, op, self._done, on_failed=self._failed)
        return True

    def sync_on_close(self) -> None:
        """Send what this device did before the window closes (inline)."""
        col = self._window.collection
        if self._running or col.closed:
            return
        now = self._clock()
        try:
            sync(col, now)
            write_summary(col, now)
        except (FlashdeskError, OSError):
            pass  # the next open sends it

    def _done(self, report: SyncReport | None) -> None:
        self._running = False
        self.summaries += self._sharing
        if report is None:
            self.show_last()
            return
        self._waiting = {name.split(" ", 1)[0] for name in report.incomplete}
        self.last_report = report
        self.show_last()
        self.synced.emit(report)

    def _failed(self, error: BaseException) -> None:
        self._running = False
        message = str(error) if isinstance(error, (FlashdeskError, OSError)) else repr(error)
        self.label.set_full_text(f"Not synced: {message}" if self.enabled else message)
        self.failed.emit(message)
