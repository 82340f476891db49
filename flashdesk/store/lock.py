"""The profile lock: every process that has the collection open holds it
shared; a restore (and the clean-up on opening, when a process is alone)
holds it exclusive.

The lock is an advisory lock on ``collection.lock`` in the profile folder,
taken on an open file of its own: ``fcntl.flock`` on POSIX (a lock belongs to
the open file, so two opens in one process exclude each other too) and
``msvcrt.locking`` byte ranges on Windows, which has no shared mode of its
own: a shared holder locks one byte of ``_SLOTS`` reader slots, an exclusive
holder all of them at once. The lock goes with the process: a crash or a kill
releases it, so it is never stale. The file itself is never deleted (deleting
a lock file lets two processes lock two different files).
"""

from __future__ import annotations

import os
import random
import sys
import time
from enum import Enum
from pathlib import Path

__all__ = ["ProfileLock", "LockMode", "LOCK_NAME"]

#: the lock file, in the profile folder beside ``collection.db``
LOCK_NAME = "collection.lock"
#: reader slots on Windows (more simultaneous readers than this wait)
_SLOTS = 256


class LockMode(Enum):
    SHARED = "shared"
    EXCLUSIVE = "exclusive"


class ProfileLock:
    """The lock of one profile folder, held through one open file.

    ``try_acquire(mode)`` never blocks; ``acquire(mode, timeout)`` retries
    until ``timeout`` seconds have passed. A held lock is changed only by
    ``release()`` and a new ``acquire``: there is no atomic conversion.
    """

    def __init__(self, folder: str | os.PathLike):
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None
        self._slot: int | None = None
        self.mode: LockMode | None = None

    @property
    def held(self) -> bool:
        return self.mode is not None

    def try_acquire(self, mode: LockMode) -> bool:
        """Take the lock in ``mode`` if nobody holds it in a conflicting mode;
        returns whether it was taken. Raises ``OSError`` when the lock file
        cannot be created (a read-only folder)."""
        if self.mode is not None:
            raise RuntimeError("the profile lock is already held; release it first")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            taken = _lock(fd, mode)
        except BaseException:
            os.close(fd)
            raise
        if taken is None:
            os.close(fd)
            return False
        self._fd, self._slot, self.mode = fd, taken, mode
        return True

    def acquire(self, mode: LockMode, timeout: float) -> bool:
        """``try_acquire`` again every few milliseconds for up to ``timeout``
        seconds; returns whether the lock was taken."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            if self.try_acquire(mode):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def release(self) -> None:
        """Give the lock up (closing its file); harmless when not held."""
        if self._fd is None:
            return
        fd, slot = self._fd, self._slot
        self._fd = self._slot = None
        self.mode = None
        try:
            _unlock(fd, slot)
        finally:
            os.close(fd)

    def __enter__(self) -> "ProfileLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _range(fd: int, start: int, length: int, mode: int) -> bool:
        os.lseek(fd, start, os.SEEK_SET)
        try:
            msvcrt.locking(fd, mode, length)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def _lock(fd: int, mode: LockMode) -> int | None:
        """The slot taken (0 = every slot: exclusive), or None."""
        nb = msvcrt.LK_NBLCK  # type: ignore[attr-defined]
        if mode is LockMode.EXCLUSIVE:
            return 0 if _range(fd, 0, _SLOTS + 1, nb) else None
        # a shared holder first checks the gate byte (held by an exclusive
        # holder as part of its range), then keeps one reader slot
        if not _range(fd, 0, 1, nb):
            return None
        _range(fd, 0, 1, msvcrt.LK_UNLCK)  # type: ignore[attr-defined]
        for slot in random.sample(range(1, _SLOTS + 1), _SLOTS):
            if _range(fd, slot, 1, nb):
                return slot
        return None

    def _unlock(fd: int, slot: int | None) -> None:
        unlock = msvcrt.LK_UNLCK  # type: ignore[attr-defined]
        if slot == 0:
            _range(fd, 0, _SLOTS + 1, unlock)
        elif slot is not None:
            _range(fd, slot, 1, unlock)

else:
    import fcntl

    def _lock(fd: int, mode: LockMode) -> int | None:
        flag = fcntl.LOCK_EX if mode is LockMode.EXCLUSIVE else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, flag | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        except OSError as exc:  # EWOULDBLOCK on some systems is not BlockingIOError
            if exc.errno in (11, 35):
                return None
            raise
        return 0

    def _unlock(fd: int, slot: int | None) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
