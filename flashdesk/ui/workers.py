"""Long work off the UI thread, in the manner of Anki's ``CollectionOp``.

``run_op(parent, op, on_done, label=None)`` runs ``op(col, progress)`` on the
thread pool and hands its result (or its exception) back to the UI thread by a
queued signal. ``progress(done, total)`` is the plain callback the core
accepts: with a ``label`` it feeds a modal ``QProgressDialog`` whose Cancel
button makes the callback return ``False`` (the core then raises
``Cancelled`` and changes nothing).

The collection's sqlite connection may be used from another thread, but
never by two at once: while an op runs, the window that owns the collection
is told to be busy (``set_busy(True)``) and must not call the collection.
Be careful not to touch any widget inside ``op``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Protocol, runtime_checkable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..collection import Collection, Progress

__all__ = ["Op", "OpHost", "run_op", "run_task"]

log = logging.getLogger(__name__)


@runtime_checkable
class OpHost(Protocol):
    """The window that owns the collection (the main window)."""

    @property
    def collection(self) -> Collection: ...

    def set_busy(self, busy: bool) -> None: ...


class Op(QObject):
    """One piece of background work. Its signals arrive on the UI thread."""

    progressed = Signal(int, int)
    #: the work is over (emitted before ``succeeded`` / ``failed``)
    settled = Signal()
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()

    # worker thread → UI thread (queued)
    _worker_progressed = Signal(int, int)
    _worker_returned = Signal(object, object)  # result, exception

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._runnable: QRunnable | None = None
        self.progress_dialog: QProgressDialog | None = None
        self._worker_progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._worker_returned.connect(self._on_returned, Qt.ConnectionType.QueuedConnection)

    # -- thread-safe -----------------------------------------------------------

    def cancel(self) -> None:
        """Ask the op to stop at its next progress report."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work itself is over (used only when closing)."""
        return self._done.wait(timeout)

    def progress(self, done: int, total: int) -> bool:
        """The callback handed to the core; runs on the worker thread."""
        self._worker_progressed.emit(int(done), int(total))
        return not self._cancel.is_set()

    # -- UI thread -------------------------------------------------------------

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.setMaximum(max(total, 1))
            self.progress_dialog.setValue(min(done, max(total, 1)))
        self.progressed.emit(done, total)

    @Slot(object, object)
    def _on_returned(self, result: Any, error: BaseException | None) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect(self.cancel)
            self.progress_dialog.reset()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self.settled.emit()
        if error is None:
            self.succeeded.emit(result)
        else:
            self.failed.emit(error)
        self.finished.emit()
        self.deleteLater()


class _Runnable(QRunnable):
    def __init__(self, op: Op, work: Callable[[Progress], Any]):
        super().__init__()
        self._op = op
        self._work = work

    def run(self) -> None:
        result, error = None, None
        try:
            result = self._work(self._op.progress)
        # Any failure must travel back to the UI thread (which shows it or
        # re-raises it there); nothing may escape into the thread pool.
        except Exception as exc:  # noqa: BLE001
            error = exc
        finally:
            self._op._done.set()
        self._op._worker_returned.emit(result, error)


def _report_failure(error: BaseException) -> None:
    log.error("background operation failed", exc_info=error)


def run_task(parent: QObject, work: Callable[[Progress], Any], on_done: Callable[[Any], None],
             *, on_failed: Callable[[BaseException], None] | None = None,
             label: str | None = None) -> Op:
    """Run ``work(progress)`` on the thread pool; ``on_done(result)`` or
    ``on_failed(exc)`` are then called on the UI thread."""
    op = Op(parent)
    op.succeeded.connect(on_done)
    op.failed.connect(on_failed or _report_failure)
    if label is not None:
        widget = parent if isinstance(parent, QWidget) else None
        dialog = QProgressDialog(label, "Cancel", 0, 0, widget)
        dialog.setWindowTitle("flashdesk")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)  # quick work never flashes a dialog
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setAccessibleName(label)
        dialog.canceled.connect(op.cancel)
        op.progress_dialog = dialog
    op._runnable = _Runnable(op, work)
    QThreadPool.globalInstance().start(op._runnable)
    return op


def _host_of(widget: QObject) -> OpHost:
    w = widget
    while w is not None:
        if isinstance(w, OpHost):
            return w
        w = w.parent()
    raise LookupError(f"{widget!r} is not inside a window that owns a collection")


def run_op(parent: QWidget, op: Callable[[Collection, Progress], Any],
           on_done: Callable[[Any], None], label: str | None = None, *,
           on_failed: Callable[[BaseException], None] | None = None) -> Op:
    """Run ``op(col, progress)`` on a background thread for the window that owns
    the collection, which stays busy (no study, no other op) until it is done.
    With ``label``, a modal progress dialog with Cancel is shown if it lasts."""
    host = _host_of(parent)
    col = host.collection
    host.set_busy(True)
    handle = run_task(parent, lambda progress: op(col, progress), on_done,
                      on_failed=on_failed, label=label)
    handle.settled.connect(lambda: host.set_busy(False))
    return handle
