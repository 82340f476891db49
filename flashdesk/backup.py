"""Backups of a collection with SQLite's backup API: made on close at most
once a day and on demand, rotated (the last 10, and one a week for 8 weeks),
and restored without ever overwriting the file they replace."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .model import FlashdeskError

__all__ = ["Backup", "backups_dir", "list_backups", "choose_kept", "restore", "BACKUP_GLOB"]

BACKUP_GLOB = "collection-*.db"
_STAMP = "%Y%m%d-%H%M%S"
_NAME_STAMP = "%Y%m%d-%H%M%S-%f"  # down to the microsecond: backups a second apart never clash


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime

    @property
    def label(self) -> str:
        return self.taken.strftime("%Y-%m-%d %H:%M:%S")


def backups_dir(collection_path: Path) -> Path:
    return collection_path.parent / "backups"


def backup_name(now: datetime) -> str:
    return f"collection-{now.strftime(_NAME_STAMP)}.db"


def list_backups(collection_path: Path) -> list[Backup]:
    """Backups of this profile, newest first."""
    found = []
    for path in backups_dir(collection_path).glob(BACKUP_GLOB):
        try:
            taken = datetime.strptime(path.stem.removeprefix("collection-"), _NAME_STAMP)
        except ValueError:
            continue
        found.append(Backup(path, taken))
    return sorted(found, key=lambda b: b.taken, reverse=True)


def choose_kept(backups: list[Backup], keep_last: int = 10, weekly: int = 8) -> set[Path]:
    """The newest ``keep_last`` backups, plus the newest of each of the last
    ``weekly`` weeks that has one."""
    ordered = sorted(backups, key=lambda b: b.taken, reverse=True)
    kept = {b.path for b in ordered[:keep_last]}
    if ordered:
        newest = ordered[0].taken
        weeks: dict[int, Backup] = {}
        for b in ordered:
            age_weeks = (newest - b.taken).days // 7
            if age_weeks < weekly and age_weeks not in weeks:
                weeks[age_weeks] = b
        kept |= {b.path for b in weeks.values()}
    return kept


def _move_aside(path: Path, why: str, now: datetime) -> Path | None:
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.{why}-{now.strftime(_STAMP)}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            os.replace(part, Path(str(target) + suffix))
    return target


def restore(collection_path: Path, backup: Path, now: datetime) -> Path | None:
    """Put ``backup`` in place of the collection. The current file (perhaps
    damaged) is renamed, never overwritten; its new name is returned."""
    from .store.database import check_backup

    problem = check_backup(backup)
    if problem:
        raise FlashdeskError(f"cannot restore {backup}: {problem}; nothing was changed")
    kept = _move_aside(collection_path, "before-restore", now)
    part = collection_path.with_name(collection_path.name + ".restoring")
    shutil.copyfile(backup, part)
    os.replace(part, collection_path)
    return kept
