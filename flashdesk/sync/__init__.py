"""Merging a learner's devices through a folder a sync engine already keeps
in step (Syncthing, Nextcloud, Dropbox, OneDrive, a USB stick), and the
progress summary a learner may share with a tutor.

No server and never the live database file: each device writes its own
immutable segment files (``segments``); merging replays SM-2 over the union
of the review logs and merges deck, note and tag edits field by field under
a hybrid logical clock (``engine``, ``fields``, ``hlc``).

The functions here are what the window and the command line call.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import Changes, FlashdeskError
from ..store import sync as sq
from ..store import queries as q
from .engine import DEVICES_KEY, FOLDER_KEY, LAST_KEY, Conflict, Syncer, SyncReport
from .fields import Record, lost_records
from .segments import device_folders, profile_root, segment_files

if TYPE_CHECKING:
    from ..collection import Collection

__all__ = ["sync_folder", "set_sync_folder", "sync", "last_sync", "conflicts", "unmerged_files",
           "profile_name", "SyncReport", "Conflict", "Syncer"]


def profile_name(col: "Collection") -> str:
    """The profile's name in the sync folder: its folder's name (``default``)."""
    return col.path.parent.name if col.path is not None else "default"


def sync_folder(col: "Collection") -> Path | None:
    """The sync folder chosen for this profile, or None."""
    value = col.setting(FOLDER_KEY)
    return Path(value) if isinstance(value, str) and value else None


def set_sync_folder(col: "Collection", folder: str | os.PathLike | None) -> Changes:
    """Choose the sync folder (an existing folder; it is made absolute), or
    stop syncing with None (the files already there stay). Raises
    ``FlashdeskError`` for a folder that does not exist or lies inside the
    profile."""
    if folder is None or str(folder) == "":
        return col.set_setting(FOLDER_KEY, None)
    path = Path(folder).expanduser().resolve()
    if not path.is_dir():
        raise FlashdeskError(f"{path} is not a folder; make it first (or point to the one "
                             "your sync program keeps)")
    if col.path is not None:
        profile = col.path.parent.resolve()
        if path == profile or profile in path.parents:
            raise FlashdeskError("the sync folder must lie outside the profile folder")
    return col.set_setting(FOLDER_KEY, str(path))


def sync(col: "Collection", now: datetime, *, folder: str | os.PathLike | None = None,
         profile: str | None = None, label: str | None = None) -> SyncReport | None:
    """Merge the collection with its sync folder (or ``folder``) now: send
    this device's new answers and edits, take in the other devices'. None
    when no folder is chosen. ``now``: a timezone-aware datetime. Raises
    ``FlashdeskError`` when the folder cannot be used (nothing is changed)."""
    path = Path(folder) if folder is not None else sync_folder(col)
    if path is None:
        return None
    syncer = Syncer(col, path, profile or profile_name(col), col.media_dir, label)
    return syncer.run(now)


def last_sync(col: "Collection") -> dict[str, Any] | None:
    """{"when": ISO time, "summary": text} of the last merge, or None."""
    value = col.setting(LAST_KEY)
    return value if isinstance(value, dict) and "when" in value else None


def unmerged_files(col: "Collection") -> set[str]:
    """Names (``device/file``) of the segment files in the sync folder not
    merged yet: a cheap look (no file is read) to decide whether to merge."""
    path = sync_folder(col)
    if path is None:
        return set()
    with col._lock:
        done = sq.merged_segments(col.db)
    return {f"{f.device}/{f.path.name}"
            for folder in device_folders(profile_root(path, profile_name(col)))
            for f in segment_files(folder) if (f.device, f.number, f.checksum) not in done}


def conflicts(col: "Collection") -> list[Conflict]:
    """Every field where two devices' concurrent edits left one value in
    history: the value shown and the other one, oldest first."""
    result = []
    with col._lock:
        labels = q.get_config(col.db, DEVICES_KEY, {})
        labels = labels if isinstance(labels, dict) else {}
        for entity, eid, name in sq.fields_with_history(col.db):
            winner_row = sq.fields_of(col.db, entity, [eid]).get(eid, {}).get(name)
            if winner_row is None:
                continue
            winner = Record.from_row(winner_row)
            history = [Record.from_row(r) for r in sq.history_of(col.db, entity, eid, name)]
            for lost in lost_records([winner, *history]):
                result.append(Conflict(entity, eid, name, winner.decoded, lost.decoded,
                                       labels.get(lost.stamp.device, lost.stamp.device),
                                       lost.stamp.l))
    return sorted(result, key=lambda c: c.other_ms)
