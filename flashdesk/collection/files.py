"""Files in and out: imports (deck files, spreadsheets, Anki packages),
exports, the bundled decks, backups and the whole-profile archive."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..backup import (
    backup_due, backups_dir, is_profile_file, list_backups, restore_hint, rotate,
    unique_backup_path,
)
from ..formats import DeckFileError, ReadResult, read_any
from ..model import DeckData, DeckId, FlashdeskError, ImportResult, Kind, NoteData
from ..paths import bundled_decks
from ..store import StorageError, queries as q
from ..store.copies import BackupRecord, copy_database, fsync_dir, remove_copy, verify_copy
from ..store.database import DamagedCollectionError
from ..store.faults import fault_point
from .importer import Cancelled, Importer, Progress
from .notes import without_leech

if TYPE_CHECKING:
    from . import Collection

__all__ = ["FileManager", "Cancelled", "Progress"]


class FileManager:
    """``col.files``: imports, exports, backups."""

    def __init__(self, col: "Collection"):
        self._col = col

    # -- imports ---------------------------------------------------------------

    def import_files(self, paths: Sequence[str | os.PathLike], *, deck_name: str | None = None,
                     prune: bool = False, progress: Progress | None = None,
                     with_scheduling: bool = False) -> ImportResult:
        """Import files of any supported format, all or nothing: every file is
        read and checked first, and if any is refused nothing is imported.

        ``deck_name`` receives notes whose file names no deck; ``prune``
        removes notes the file no longer has; ``progress(done, total)`` hears
        of each chunk of notes and cancels by returning False;
        ``with_scheduling`` carries an Anki package's progress over to cards
        that are still new (docs/import-export.md gives the rule; each
        report's ``progress`` counts them). Raises ``DeckFileError`` (every
        problem, with file and line), ``Cancelled`` or ``FlashdeskError``.
        """
        problems = []
        results: list[ReadResult] = []
        for path in paths:
            try:
                results.append(read_any(Path(path), deck_name))
            except DeckFileError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DeckFileError(problems)
        try:
            return Importer(self._col).run(results, prune=prune, progress=progress,
                                           with_scheduling=with_scheduling)
        except StorageError as exc:
            where = self._col.path or "the collection"
            raise StorageError(f"cannot import into {where}: {exc}") from None

    def import_decks(self, decks: Sequence[DeckData], *,
                     progress: Progress | None = None) -> ImportResult:
        """Import decks already read (``DeckData``), as from a deck file."""
        return Importer(self._col).run([ReadResult("toml", list(decks))], progress=progress)

    def sync_bundled(self) -> ImportResult | None:
        """Import the decks that ship with flashdesk when they are new or
        changed since the last time (a digest of the files is kept)."""
        paths = bundled_decks()
        digest = hashlib.sha1(b"".join(p.read_bytes() for p in paths)).hexdigest()
        if not paths or self._col.setting("bundled_digest") == digest:
            return None
        result = self.import_files(paths)
        self._col.set_setting("bundled_digest", digest)
        return result

    # -- exports ---------------------------------------------------------------

    def export_data(self, deck_id: DeckId) -> list[DeckData]:
        """The deck and its sub-decks as plain data, ready for a writer."""
        col = self._col
        with col._lock:
            decks = col.decks.rows()
            subtree = col.decks.subtree(deck_id, decks)
            notes = q.notes_in_decks(col.db, subtree)
        by_deck: dict[str, list[NoteData]] = {d: [] for d in subtree}
        for row in notes:
            by_deck[row["deck_id"]].append(NoteData(
                key=row["key"], kind=Kind(row["kind"]), fields=json.loads(row["fields"]),
                tags=without_leech(row["tags"]), source=row["source"],
                identity=row["identity"] or ""))
        return [DeckData(id=DeckId(d), name=decks[d]["name"], description=decks[d]["description"],
                         version=decks[d]["version"], notes=tuple(by_deck[d]))
                for d in sorted(subtree, key=lambda d: decks[d]["name"].casefold())]

    def _refuse_profile_target(self, path: Path) -> None:
        """An export never writes into the profile folder: not over the
        collection, its ``-wal``/``-shm``, a backup, nor anything beside them."""
        col = self._col
        if col.path is not None and is_profile_file(col.path, path):
            raise FlashdeskError(
                f"cannot write {path}: it is inside the profile folder {col.path.parent} (the "
                "collection, its backups and media live there); choose a file elsewhere. "
                "Nothing was written.")
        try:
            with path.open("rb") as f:
                header = f.read(72)
        except OSError:
            return
        if header.startswith(b"SQLite format 3\x00") and header[68:72] == b"FDSK":
            raise FlashdeskError(f"cannot write {path}: it is a flashdesk collection; choose "
                                 "another file. Nothing was written.")

    def _write_staged(self, path: Path, write: Callable[[Path], list[Path]]) -> list[Path]:
        """Run ``write(staged_path)`` in a temporary folder beside ``path``,
        then move what it wrote into place. Nothing is left behind when the
        disk refuses, and an existing file is replaced only by a whole one."""
        self._refuse_profile_target(path)
        parent = path.parent if str(path.parent) else Path(".")
        stage = parent / f".{path.name[:40]}.flashdesk-{os.urandom(4).hex()}.part"
        try:
            parent.mkdir(parents=True, exist_ok=True)
            stage.mkdir()
            written = write(stage / path.name)
            targets = [(f, parent / f.relative_to(stage)) for f in written]
            for _, target in targets:
                self._refuse_profile_target(target)
            for staged, target in targets:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
            return [t for _, t in targets]
        except OSError as exc:
            raise StorageError(f"cannot write {path}: {exc.strerror or exc}. "
                               "Nothing was written.") from None
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def export(self, deck_id: DeckId, fmt: str, path: str | os.PathLike) -> list[Path]:
        """Write ``deck_id`` with its sub-decks as 'toml', 'csv' or 'apkg';
        returns the files written. Everything is written beside ``path``
        first and moved into place whole. Raises ``FlashdeskError`` for an
        unknown format or a path inside the profile folder (nothing is
        written) and ``StorageError`` when the disk refuses (nothing is left)."""
        from ..formats import export as writers

        if fmt not in ("toml", "csv", "apkg"):
            raise FlashdeskError(f"unknown export format '{fmt}' (use toml, csv or apkg)")
        path = Path(path)
        self._refuse_profile_target(path)
        data = self.export_data(deck_id)
        if fmt == "toml":
            return self._write_staged(path, lambda p: writers.write_toml(data, p))
        if fmt == "csv":
            return self._write_staged(path, lambda p: writers.write_csv(data, p))
        return self._write_staged(path, lambda p: writers.write_apkg(data, p, self._col.media_dir))

    def archive(self, path: str | os.PathLike) -> Path:
        """The whole profile - collection and media - as one zip file at
        ``path`` (``collection.db`` and ``media/NAME``). Raises
        ``FlashdeskError`` for a path inside the profile folder and
        ``StorageError`` when the disk refuses; nothing is left behind."""
        import tempfile
        import zipfile

        col = self._col
        path = Path(path)
        self._refuse_profile_target(path)

        def write(target: Path) -> list[Path]:
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / "collection.db"
                try:
                    with col._lock:
                        copy_database(col.db.conn, copy)
                except sqlite3.OperationalError as exc:
                    raise OSError(f"the copy of the collection could not be made in {tmp} "
                                  f"({exc})") from None
                with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
                    zf.write(copy, "collection.db")
                    media = col.media_dir
                    if media and media.is_dir():
                        for f in sorted(media.iterdir()):
                            if f.is_file() and not f.name.startswith("."):
                                zf.write(f, f"media/{f.name}")
            return [target]

        return self._write_staged(path, write)[0]

    # -- backups ---------------------------------------------------------------

    def backup(self, now: datetime, *,
               only_if_older_than_hours: float | None = None) -> Path | None:
        """Back the collection up into the profile's ``backups`` folder and
        return the new file: copied with SQLite's backup API to a ``.part``
        file, stamped inside with ``now`` and its place in the order backups
        were made, checked (``quick_check``), and only then given its name;
        then rotated (settings ``backup_keep``, default 10, and
        ``backup_weeks``, 8), never deleting the new one. With
        ``only_if_older_than_hours``, nothing is done (None) unless the last
        backup made is that old (or dated ahead of ``now``).

        Raises ``DamagedCollectionError`` when the copy fails its check (a
        damaged collection is never backed up; no backup is removed) and
        ``StorageError`` when the disk refuses (the ``.part`` is removed).
        """
        col = self._col
        if col.path is None:
            raise FlashdeskError("an in-memory collection has no backups")
        try:
            existing = list_backups(col.path)
        except OSError as exc:
            raise StorageError(f"cannot read the backups in {backups_dir(col.path)}: "
                               f"{exc.strerror or exc}") from None
        local = now.astimezone().replace(tzinfo=None)
        if only_if_older_than_hours is not None and \
                not backup_due(existing, local, only_if_older_than_hours):
            return None
        folder = backups_dir(col.path)
        record = BackupRecord(int(now.timestamp() * 1000),
                              max((b.seq for b in existing), default=0) + 1)
        part: Path | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = unique_backup_path(folder, local)
            part = target.with_name(target.name + ".part")
            with col._lock:
                copy_database(col.db.conn, part, record=record)
            fault_point("backup:copied")
            problem = verify_copy(part)
            if problem:
                raise DamagedCollectionError(
                    f"{col.path} is damaged (SQLite finds: {problem}), so it was not backed up "
                    f"and no backup was removed. {restore_hint(col.path)}")
            os.replace(part, target)
            fsync_dir(folder)
        except (sqlite3.Error, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            if "full" in reason.lower() or "no space" in reason.lower():
                reason = "the disk is full"
            elif "i/o" in reason.lower():
                reason = "the disk could not be written (is it full?)"
            raise StorageError(f"cannot back up into {folder}: {reason}. Nothing was "
                               "changed.") from None
        finally:
            if part is not None:
                remove_copy(part)
        fault_point("backup:renamed")
        try:
            rotate(col.path, col.setting("backup_keep", 10), col.setting("backup_weeks", 8),
                   local, protect=target)
        except OSError:
            pass  # an old backup that cannot be deleted now is deleted by a later rotation
        return target
