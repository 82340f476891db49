"""Work around PySide6 6.12 treating None, True and False as immortal.

Since Python 3.12 these singletons are immortal and reference counting them
does nothing, and PySide6 6.12.0 (as installed here) hands them back without
the new reference a call must return: every void Qt method called from Python
(``label.setText``, ``button.click``…), every ``signal.emit()`` (which returns
True) and every empty ``QVariant`` read back as None takes one reference away.
On Python 3.11 that is fatal: after some thousands of calls the interpreter
aborts with "deallocating None" or "deallocating True" – in a window that is
open all day, sooner or later.

``install()`` probes for the problem and, only where it shows and the
singletons are not immortal already, gives each of them so many references
(2**40) that they cannot run out: what Python 3.12 does for every program.
Imported by ``flashdesk.ui``, so every window is covered.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6 import QtCore

__all__ = ["install", "PINNED", "pinned"]

#: references added to each singleton: far more than any session can lose
PINNED = 1 << 40
_SINGLETONS = (None, True, False)
_done: list[bool] = []


class _Probe(QtCore.QObject):
    happened = QtCore.Signal()


def _loses_references() -> bool:
    probe = _Probe()
    before = [sys.getrefcount(x) for x in _SINGLETONS]
    for _ in range(16):
        probe.setObjectName("probe")  # a void method: returns None
        probe.happened.emit()  # returns True
        probe.property("flashdesk-unset")  # an empty QVariant: None
    after = [sys.getrefcount(x) for x in _SINGLETONS]
    return any(a < b for a, b in zip(after, before))


def pinned() -> bool:
    """Whether the singletons carry the extra references."""
    return all(sys.getrefcount(x) > PINNED for x in _SINGLETONS)


def install() -> bool:
    """Pin None, True and False if PySide6 needs it here; True if they are pinned."""
    if not _done:
        _done.append(True)
        if sys.version_info < (3, 12) and _loses_references():
            for singleton in _SINGLETONS:
                # ob_refcnt is the first field of every object (CPython 3.11)
                ctypes.c_ssize_t.from_address(id(singleton)).value += PINNED
    return pinned()
