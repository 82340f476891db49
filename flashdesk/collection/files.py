"""Files in and out: imports (deck files, spreadsheets, Anki packages),
exports, the bundled decks, backups and the whole-profile archive.

The update of the bundled decks is in ``bundled``, exports and the archive
in ``exports``; ``FileManager`` forwards to them."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Sequence

from ..backup import backup_due, backups_dir, list_backups, restore_hint, rotate, unique_backup_path
from ..formats import DeckFileError, ReadResult, detect_format, read_any
from ..model import (
    Changes, DeckData, DeckId, FlashdeskError, ImportResult, NoteData, NoteId, PrunePlan, note_texts,
)
from ..paths import bundled_decks
from ..store import StorageError, queries as q, transaction
from ..store.copies import BackupRecord, copy_database, fsync_dir, remove_copy, verify_copy
from ..store.database import DamagedCollectionError
from ..store.faults import fault_point
from ..text import plural, quoted_list
from . import bundled, exports
from .bundled import BundledUpdate
from .importer import Cancelled, Importer, Progress
from .media import bring_images
from .marks import DELETED_DECKS, DELETED_NOTES, EDITED, Marks
from .note_values import note_digest, note_identity

if TYPE_CHECKING:
    from . import Collection

__all__ = ["FileManager", "Cancelled", "Progress", "BundledUpdate"]



class FileManager:
    """``col.files``: imports, exports, backups."""

    def __init__(self, col: "Collection"):
        self._col = col

    # -- imports ---------------------------------------------------------------

    def import_files(self, paths: Sequence[str | os.PathLike], *, deck_name: str | None = None,
                     prune: bool | AbstractSet[str] = False, progress: Progress | None = None,
                     with_scheduling: bool = False, now: datetime | None = None) -> ImportResult:
        """Import files of any supported format, all or nothing: every file is
        read and checked first, and if any is refused nothing is imported.

        ``deck_name`` receives notes whose file names no deck; ``prune``
        removes notes the file no longer has (``prune_plan`` says which
        beforehand): True, all of them; the ids of those the learner agreed
        to remove, only those (a note gone missing since stays); and when any of them has progress the collection is
        backed up first (the reports name the notes, and the backup);
        ``progress(done, total)`` hears
        of each chunk of notes and cancels by returning False;
        ``with_scheduling`` carries an Anki package's progress over to cards
        that are still new (docs/import-export.md gives the rule; each
        report's ``progress`` counts them); ``now`` (aware; default: the
        clock) is the time of the import, as for every other change. Raises
        ``DeckFileError`` (every problem, with file and line), ``Cancelled``
        or ``FlashdeskError`` (a ``StorageError`` when the backup cannot be
        made: nothing is imported then).
        """
        results = self._read(paths, deck_name)
        replaced = self._edits_replaced(results)
        backup = self._backup_before_prune(results, now) if prune else None
        result = self._run(results, prune=prune, progress=progress,
                           with_scheduling=with_scheduling, now=now)
        if replaced:
            self._report_replaced(result, replaced)
        self._report_pruned(result, backup)
        self._forget_deletions(results, result)
        return result

    def prune_plan(self, paths: Sequence[str | os.PathLike], *,
                   deck_name: str | None = None) -> PrunePlan:
        """What ``import_files(paths, deck_name=deck_name, prune=True)``
        would remove: the files are read as the import reads them, and the
        import's own rule runs without writing anything. For the question
        asked before such an import. Raises ``DeckFileError`` and
        ``FlashdeskError`` as ``import_files`` does."""
        return Importer(self._col).plan_prune(self._read(paths, deck_name, media=False))

    def _backup_before_prune(self, results: list[ReadResult],
                             now: datetime | None) -> Path | None:
        """Back the collection up when pruning would remove notes with
        progress (the import's dry run says); the backup, or None (nothing
        studied goes, or a collection in memory). Raises ``StorageError``
        and ``DamagedCollectionError`` as ``backup`` does."""
        if self._col.path is None or not Importer(self._col).plan_prune(results).studied:
            return None
        return self.backup(now if now is not None else datetime.now().astimezone())

    @staticmethod
    def _report_pruned(result: ImportResult, backup: Path | None) -> None:
        """Each report that removed notes names them; the first that removed
        progress names the backup made before."""
        told = False
        for report in result:
            notes = report.removed_notes
            if not notes:
                continue
            fronts = quoted_list([n.front for n in notes])
            studied = report.removed_studied
            if studied:
                report.messages.append(
                    f"Removed {plural(len(notes), 'note')} no longer in the file, and with "
                    f"{'it' if len(notes) == 1 else 'them'} the progress of "
                    f"{plural(studied, 'studied card')}: {fronts}.")
            else:
                report.messages.append(
                    f"Removed {plural(len(notes), 'note')} no longer in the file (never "
                    f"studied): {fronts}.")
            if studied and backup is not None:
                report.backup = str(backup)
                if not told:
                    told = True
                    report.messages.append(
                        f"Backed up first, to {backup}: to get that progress back, choose it "
                        f"in File › Restore from a backup…, or close flashdesk and run "
                        f"`flashdesk restore \"{backup}\"`; either puts the collection back "
                        "as it was just before this import.")

    def _forget_deletions(self, results: Sequence[ReadResult], result: ImportResult) -> None:
        """Bundled notes and decks the learner deleted and has now imported
        again are theirs again: updates of the bundled decks keep them up to date."""
        col = self._col
        with col._lock:
            marks = Marks(col.db)
            deleted_notes, deleted_decks = marks.get(DELETED_NOTES), marks.get(DELETED_DECKS)
            if not deleted_notes and not deleted_decks:
                return
            decks = {r.deck_id for r in result}
            back = [note_identity(report.deck_id, note)
                    for report, deck in zip(result, (d for r in results for d in r.decks))
                    for note in deck.notes] if deleted_notes else []
            with transaction(col.db):
                marks.undelete(DELETED_DECKS, decks & deleted_decks)
                marks.undelete(DELETED_NOTES, set(back) & deleted_notes)

    def _run(self, results: list[ReadResult], *, prune: bool | AbstractSet[str] = False,
             progress: Progress | None = None, with_scheduling: bool = False,
             now: datetime | None = None) -> ImportResult:
        try:
            return Importer(self._col).run(results, prune=prune, progress=progress,
                                           with_scheduling=with_scheduling, now=now)
        except StorageError as exc:
            where = self._col.path or "the collection"
            raise StorageError(f"cannot import into {where}: {exc}") from None

    def _read(self, paths: Sequence[str | os.PathLike], deck_name: str | None = None, *,
              media: bool = True) -> list[ReadResult]:
        problems = []
        results: list[ReadResult] = []
        known = None  # a spreadsheet's rows its notes came from are not read again
        if any(detect_format(Path(p)) == "csv" for p in paths):
            with self._col._lock:
                known = q.import_origins(self._col.db)
        for path in paths:
            try:
                result = read_any(Path(path), deck_name, known=known)
            except DeckFileError as exc:
                problems.extend(exc.problems)
                continue
            # a package brings its own media, and says what it lacks; a dry run needs none
            if media and result.format != "apkg":
                bring_images(result, Path(path), self._col.media_dir)
            results.append(result)
        if problems:
            raise DeckFileError(problems)
        return results

    def _edits_replaced(self, results: Sequence[ReadResult]) -> dict[str, dict[str, str]]:
        """Deck id → {note id: first field} of notes the learner edited in
        flashdesk that these files change: importing puts the file's version
        in their place, and the report says so."""
        col = self._col
        found: dict[str, dict[str, str]] = {}
        with col._lock:
            edited = Marks(col.db).get(EDITED)
            if not edited:
                return found
            for deck in (d for r in results for d in r.decks):
                deck_id = col.decks.id_for(deck.id, deck.name)
                stored = q.notes_by_identity(col.db, [note_identity(deck_id, n) for n in deck.notes])
                for note in deck.notes:
                    row = stored.get(note_identity(deck_id, note))
                    if row is not None and row["id"] in edited and \
                            row["checksum"] != note_digest(note):
                        found.setdefault(deck_id, {})[row["id"]] = note_texts(
                            note.kind, note.fields)[0]
        return found

    def _report_replaced(self, result: ImportResult, replaced: dict[str, dict[str, str]]) -> None:
        col = self._col
        with col._lock, transaction(col.db):
            Marks(col.db).discard(EDITED, [n for notes in replaced.values() for n in notes])
        for report in result:
            notes = replaced.get(report.deck_id)
            if notes:
                fronts = "; ".join(f"“{front[:60]}”" for front in list(notes.values())[:5])
                more = f" and {len(notes) - 5} more" if len(notes) > 5 else ""
                report.messages.append(
                    f"{len(notes)} note{'s' if len(notes) != 1 else ''} you had edited in "
                    f"flashdesk now hold{'s' if len(notes) == 1 else ''} the file's newer "
                    f"version: {fronts}{more}. Ctrl+Z does not take an import back; your "
                    "edits are in your backups.")

    def import_decks(self, decks: Sequence[DeckData], *, progress: Progress | None = None,
                     now: datetime | None = None) -> ImportResult:
        """Import decks already read (``DeckData``), as from a deck file
        (``now`` as for ``import_files``)."""
        return Importer(self._col).run([ReadResult("toml", list(decks))], progress=progress,
                                       now=now)

    # -- the bundled decks (``bundled``) -----------------------------------------

    def sync_bundled(self) -> ImportResult | None:
        """See ``bundled.sync_bundled``."""
        return bundled.sync_bundled(self, bundled_decks())

    def take_bundled_report(self) -> BundledUpdate:
        """See ``bundled.take_bundled_report``."""
        return bundled.take_bundled_report(self._col)

    def bundled_version(self, note_id: NoteId) -> tuple[NoteData, int] | None:
        """See ``bundled.bundled_version``."""
        return bundled.bundled_version(note_id, bundled_decks())

    def use_bundled_version(self, note_id: NoteId, now: datetime) -> Changes:
        """Replace the learner's edit of a bundled note with this release's
        version (undoable). Raises ``FlashdeskError`` when there is none."""
        found = self.bundled_version(note_id)
        if found is None:
            raise FlashdeskError("the bundled decks of this version have no such note")
        return self._col.notes.take_version(note_id, found[0], found[1], now)

    # -- exports (``exports``) ---------------------------------------------------

    def export_data(self, deck_id: DeckId) -> list[DeckData]:
        """See ``exports.export_data``."""
        return exports.export_data(self._col, deck_id)

    def export(self, deck_id: DeckId, fmt: str, path: str | os.PathLike) -> list[Path]:
        """See ``exports.export``."""
        return exports.export(self._col, deck_id, fmt, path)

    def archive(self, path: str | os.PathLike) -> Path:
        """See ``exports.archive``."""
        return exports.archive(self._col, path)

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
