"""Fault injection for the crash tests: the procedures that must survive a
crash (restore, backup and rotation, imports with media, creating a
collection) name each of their steps with ``fault_point(name)``.

When the environment variable ``FLASHDESK_FAULT`` names a point, the process
ends there at once with ``os._exit(FAULT_EXIT)``: no clean-up, no ``finally``
blocks, no flushing - what a power cut or a SIGKILL leaves behind. A point
reached several times can be named with its count: ``import:renamed#2``
stops at the second rename. Unset (always, outside the tests), a fault point
costs one dictionary look-up.
"""

from __future__ import annotations

import os
from collections import Counter

__all__ = ["fault_point", "FAULT_EXIT", "FAULT_ENV"]

FAULT_ENV = "FLASHDESK_FAULT"
#: the exit status of a process stopped at a fault point
FAULT_EXIT = 86

_reached: Counter[str] = Counter()


def fault_point(name: str) -> None:
    """Stop the process here when ``$FLASHDESK_FAULT`` is ``name`` (or
    ``name#N`` and this is the N-th time ``name`` is reached)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    _reached[name] += 1
    if wanted == name or wanted == f"{name}#{_reached[name]}":
        os._exit(FAULT_EXIT)
