"""Files in and out: imports (deck files, spreadsheets, Anki packages),
exports, the bundled decks, backups and the whole-profile archive."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..backup import (
    backup_due, backups_dir, is_profile_file, list_backups, restore_hint, rotate,
    unique_backup_path,
)
from ..formats import DeckFileError, ReadResult, detect_format, read_any
from ..formats.output import check_output
from ..model import (
    Changes, DeckData, DeckId, FlashdeskError, ImportResult, Kind, NoteData, NoteId,
    note_id as make_note_id, note_texts,
)
from ..paths import bundled_decks
from ..store import StorageError, queries as q, transaction
from ..store.copies import BackupRecord, copy_database, fsync_dir, remove_copy, verify_copy
from ..store.database import DamagedCollectionError
from ..store.faults import fault_point
from .importer import Cancelled, Importer, Progress
from .marks import BUNDLED, DELETED_DECKS, DELETED_NOTES, DELETED_TOLD, EDITED, Marks
from .notes import checksum, fields_json, without_leech
from .undo import LEECH_TAG

if TYPE_CHECKING:
    from . import Collection

__all__ = ["FileManager", "Cancelled", "Progress", "BundledUpdate"]

#: the setting that holds what the last update of the bundled decks left alone
_BUNDLED_REPORT = "bundled_report"


def _digest(note: NoteData) -> int:
    """The checksum an import stores for ``note`` (see ``notes.checksum``)."""
    return checksum(note.kind.value, fields_json(note.fields), note.tags, note.source)


def _identity(deck_id: str, note: NoteData) -> str:
    """What an import matches ``note`` of ``deck_id`` by (as the importer does)."""
    return note.identity or make_note_id(deck_id, note.key)


@dataclass(frozen=True)
class BundledUpdate:
    """What an update of the bundled decks left as the learner had it.

    ``kept``: (note id, deck name, first field) of notes the learner edited
    that the new release changes too – the learner's version was kept;
    ``deleted``: bundled notes the learner deleted that stay deleted;
    ``decks``: bundled decks the learner deleted that stay deleted."""

    kept: tuple[tuple[str, str, str], ...] = ()
    deleted: int = 0
    decks: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.kept or self.deleted or self.decks)

    def to_dict(self) -> dict[str, Any]:
        return {"kept": [list(k) for k in self.kept], "deleted": self.deleted,
                "decks": list(self.decks)}

    @classmethod
    def from_dict(cls, data: Any) -> "BundledUpdate":
        if not isinstance(data, dict):
            return cls()
        kept = tuple((str(k[0]), str(k[1]), str(k[2])) for k in data.get("kept", [])
                     if isinstance(k, list) and len(k) == 3)
        return cls(kept, int(data.get("deleted", 0) or 0),
                   tuple(str(d) for d in data.get("decks", [])))

    def lines(self) -> list[str]:
        """The update in a few sentences, for the window and the terminal."""
        out = []
        if self.kept:
            out.append(f"This version of flashdesk updates the bundled decks. "
                       f"{len(self.kept)} note{'s' if len(self.kept) != 1 else ''} you edited "
                       "changed in the update too; your version was kept:")
            out.extend(f"  • {deck}: {front}" for _nid, deck, front in self.kept[:20])
            if len(self.kept) > 20:
                out.append(f"  • … and {len(self.kept) - 20} more")
            out.append("To take the new version of one, open it in the browser and choose "
                       "“Use the bundled version”.")
        if self.deleted or self.decks:
            gone = ([f"{self.deleted} bundled note{'s' if self.deleted != 1 else ''}"]
                    if self.deleted else []) + [f"the deck “{d}”" for d in self.decks]
            out.append("You deleted " + " and ".join(gone) + "; the update did not bring "
                       "them back.")
        return out



class FileManager:
    """``col.files``: imports, exports, backups."""

    def __init__(self, col: "Collection"):
        self._col = col

    # -- imports ---------------------------------------------------------------

    def import_files(self, paths: Sequence[str | os.PathLike], *, deck_name: str | None = None,
                     prune: bool = False, progress: Progress | None = None,
                     with_scheduling: bool = False, now: datetime | None = None) -> ImportResult:
        """Import files of any supported format, all or nothing: every file is
        read and checked first, and if any is refused nothing is imported.

        ``deck_name`` receives notes whose file names no deck; ``prune``
        removes notes the file no longer has; ``progress(done, total)`` hears
        of each chunk of notes and cancels by returning False;
        ``with_scheduling`` carries an Anki package's progress over to cards
        that are still new (docs/import-export.md gives the rule; each
        report's ``progress`` counts them); ``now`` (aware; default: the
        clock) is the time of the import, as for every other change. Raises
        ``DeckFileError`` (every problem, with file and line), ``Cancelled``
        or ``FlashdeskError``.
        """
        results = self._read(paths, deck_name)
        replaced = self._edits_replaced(results)
        result = self._run(results, prune=prune, progress=progress,
                           with_scheduling=with_scheduling, now=now)
        if replaced:
            self._report_replaced(result, replaced)
        self._forget_deletions(results, result)
        return result

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
            back = [_identity(report.deck_id, note)
                    for report, deck in zip(result, (d for r in results for d in r.decks))
                    for note in deck.notes] if deleted_notes else []
            with transaction(col.db):
                marks.undelete(DELETED_DECKS, decks & deleted_decks)
                marks.undelete(DELETED_NOTES, set(back) & deleted_notes)

    def _run(self, results: list[ReadResult], *, prune: bool = False,
             progress: Progress | None = None, with_scheduling: bool = False,
             now: datetime | None = None) -> ImportResult:
        try:
            return Importer(self._col).run(results, prune=prune, progress=progress,
                                           with_scheduling=with_scheduling, now=now)
        except StorageError as exc:
            where = self._col.path or "the collection"
            raise StorageError(f"cannot import into {where}: {exc}") from None

    def _read(self, paths: Sequence[str | os.PathLike], deck_name: str | None = None
              ) -> list[ReadResult]:
        problems = []
        results: list[ReadResult] = []
        known = None  # a spreadsheet's rows its notes came from are not read again
        if any(detect_format(Path(p)) == "csv" for p in paths):
            with self._col._lock:
                known = q.import_origins(self._col.db)
        for path in paths:
            try:
                results.append(read_any(Path(path), deck_name, known=known))
            except DeckFileError as exc:
                problems.extend(exc.problems)
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
                stored = q.notes_by_identity(col.db, [_identity(deck_id, n) for n in deck.notes])
                for note in deck.notes:
                    row = stored.get(_identity(deck_id, note))
                    if row is not None and row["id"] in edited and \
                            row["checksum"] != _digest(note):
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

    def sync_bundled(self) -> ImportResult | None:
        """Import the decks that ship with flashdesk when they are new or
        changed since the last time (a digest of the files is kept).

        What the learner changed wins over the update, and is reported
        (``take_bundled_report``): a note whose text they edited keeps their
        version; a note or deck they deleted stays deleted; a deck keeps the
        name, place and description they gave it; tags they added to a note
        stay on it. New notes arrive, and changed notes the learner did not
        edit are updated, keeping their progress."""
        paths = bundled_decks()
        digest = hashlib.sha1(b"".join(p.read_bytes() for p in paths)).hexdigest()
        if not paths or self._col.setting("bundled_digest") == digest:
            return None
        results = self._read(paths)
        col = self._col
        with col._lock:
            if col.setting(BUNDLED) is None:  # a collection from before the rule was kept
                Marks(col.db).replace(BUNDLED, [d.id for r in results for d in r.decks
                                                if q.get_deck(col.db, d.id)])
            results, update, checksums, told = self._bundled_plan(results)
        result = self._run(results)
        with col._lock, transaction(col.db):
            Marks(col.db).add(DELETED_TOLD, told)
            for nid, digest_ in checksums.items():
                q.set_note_checksum(col.db, nid, digest_)
            Marks(col.db).add(BUNDLED, [d.id for r in results for d in r.decks])
            previous = BundledUpdate.from_dict(q.get_config(col.db, _BUNDLED_REPORT))
            if update:
                merged = BundledUpdate(
                    tuple(dict.fromkeys(previous.kept + update.kept)),
                    previous.deleted + update.deleted,
                    tuple(dict.fromkeys(previous.decks + update.decks)))
                q.set_config(col.db, _BUNDLED_REPORT, merged.to_dict())
            q.set_config(col.db, "bundled_digest", digest)
        return result

    def _bundled_plan(self, results: list[ReadResult]
                      ) -> tuple[list[ReadResult], BundledUpdate, dict[str, int], list[str]]:
        """The bundled files with the learner's changes taken out: the
        results to import, what was left alone, the checksums to store
        afterwards (the release's version of each note, so it is reported
        once), and the deleted notes and decks now reported as left deleted
        (said once). Callers hold the lock."""
        db = self._col.db
        marks = Marks(db)
        edited, deleted_notes = marks.get(EDITED), marks.get(DELETED_NOTES)
        deleted_decks, told = marks.get(DELETED_DECKS), marks.get(DELETED_TOLD)
        kept: list[tuple[str, str, str]] = []
        skipped_notes = 0
        skipped_decks: list[str] = []
        telling: list[str] = []
        checksums: dict[str, int] = {}
        planned: list[ReadResult] = []
        for result in results:
            decks = []
            for deck in result.decks:
                if deck.id in deleted_decks:
                    if deck.id not in told:
                        skipped_decks.append(deck.name)
                        telling.append(deck.id)
                    continue
                stored = q.notes_by_identity(db, [_identity(deck.id, n) for n in deck.notes])
                row = q.get_deck(db, deck.id)
                name = row["name"] if row else deck.name
                notes = []
                for note in deck.notes:
                    identity = _identity(deck.id, note)
                    found = stored.get(identity)
                    digest = _digest(note)
                    if found is None:
                        if identity in deleted_notes:
                            if identity not in told:
                                skipped_notes += 1
                                telling.append(identity)
                            continue
                        notes.append(note)
                        continue
                    nid = found["id"]
                    if found["checksum"] == digest:
                        notes.append(note)
                    elif nid in edited:
                        current = q.get_note(db, nid)
                        kept.append((nid, name, (current or {}).get("sort_text", note.key)))
                        checksums[nid] = digest
                    else:  # changed in the release: keep the tags the learner added
                        current = q.get_note(db, nid)
                        own = [t for t in (current or {}).get("tags", "").split()
                               if t != LEECH_TAG]
                        tags = tuple(dict.fromkeys([*note.tags, *own]))
                        if tags != note.tags:
                            checksums[nid] = digest
                        notes.append(replace(note, tags=tags))
                decks.append(replace(deck, notes=tuple(notes)))
            planned.append(replace(result, decks=decks))
        update = BundledUpdate(tuple(kept), skipped_notes, tuple(skipped_decks))
        return planned, update, checksums, telling

    def take_bundled_report(self) -> BundledUpdate:
        """What the last updates of the bundled decks left as the learner
        had it, once: the report is cleared as it is read."""
        col = self._col
        with col._lock:
            report = BundledUpdate.from_dict(q.get_config(col.db, _BUNDLED_REPORT))
            if report:
                with transaction(col.db):
                    q.set_config(col.db, _BUNDLED_REPORT, None)
        return report

    def bundled_version(self, note_id: NoteId) -> tuple[NoteData, int] | None:
        """The version of a bundled note in this release's deck files, with
        its checksum; None when no bundled deck has it."""
        deck_id, _, key = note_id.partition("/")
        for path in bundled_decks():
            try:
                deck = read_any(path).decks[0]
            except (DeckFileError, IndexError):
                continue
            if deck.id == deck_id:
                note = next((n for n in deck.notes if n.key == key), None)
                return (note, _digest(note)) if note is not None else None
        return None

    def use_bundled_version(self, note_id: NoteId, now: datetime) -> Changes:
        """Replace the learner's edit of a bundled note with this release's
        version (undoable). Raises ``FlashdeskError`` when there is none."""
        found = self.bundled_version(note_id)
        if found is None:
            raise FlashdeskError("the bundled decks of this version have no such note")
        return self._col.notes.take_version(note_id, found[0], found[1], now)

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

    def _write_staged(self, path: Path, write: Callable[[Path], list[Path]], *,
                      folder: bool = False) -> list[Path]:
        """Run ``write(staged_path)`` in a temporary folder beside ``path``,
        then move what it wrote into place. Nothing is left behind when the
        disk refuses, and an existing file is replaced only by a whole one.
        ``path`` must be somewhere that can take it (``check_output``): its
        folder exists, and it is not a folder unless ``folder`` (a toml
        export of several decks, whose folder ``path`` is made if need be)."""
        self._refuse_profile_target(path)
        check_output(path, folder=folder)
        parent = path.parent
        stage = parent / f".{path.name[:40]}.flashdesk-{os.urandom(4).hex()}.part"
        try:
            stage.mkdir()
            written = write(stage / path.name)
            targets = [(f, parent / f.relative_to(stage)) for f in written]
            for _, target in targets:
                self._refuse_profile_target(target)
            for staged, target in targets:
                if folder:
                    target.parent.mkdir(exist_ok=True)  # ``path`` itself, never above it
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
        unknown format, a path inside the profile folder, a path that is a
        folder when a file is meant, or one whose folder does not exist
        (nothing is written), and ``StorageError`` when the disk refuses
        (nothing is left)."""
        from ..formats import export as writers

        if fmt not in ("toml", "csv", "apkg"):
            raise FlashdeskError(f"unknown export format '{fmt}' (use toml, csv or apkg)")
        path = Path(path)
        self._refuse_profile_target(path)
        data = self.export_data(deck_id)
        if fmt == "toml":
            return self._write_staged(path, lambda p: writers.write_toml(data, p),
                                      folder=writers.toml_writes_folder(data, path))
        if fmt == "csv":
            return self._write_staged(path, lambda p: writers.write_csv(data, p))
        return self._write_staged(path, lambda p: writers.write_apkg(data, p, self._col.media_dir))

    def archive(self, path: str | os.PathLike) -> Path:
        """The whole profile - collection and media - as one zip file at
        ``path`` (``collection.db`` and ``media/NAME``). Raises
        ``FlashdeskError`` for a path inside the profile folder, a folder, or
        a path whose folder does not exist, and ``StorageError`` when the
        disk refuses; nothing is left behind."""
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
