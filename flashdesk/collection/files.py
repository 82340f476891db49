"""Files in and out: imports (deck files, spreadsheets, Anki packages),
exports, the bundled decks, backups and the whole-profile archive."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..backup import backup_name, backups_dir, choose_kept, list_backups
from ..formats import DeckFileError, ReadResult, read_any
from ..model import DeckData, DeckId, FlashdeskError, ImportResult, Kind, NoteData
from ..paths import bundled_decks
from ..store import queries as q
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
        return Importer(self._col).run(results, prune=prune, progress=progress,
                                       with_scheduling=with_scheduling)

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

    def export(self, deck_id: DeckId, fmt: str, path: str | os.PathLike) -> list[Path]:
        """Write ``deck_id`` with its sub-decks as 'toml', 'csv' or 'apkg';
        returns the files written. Raises ``FlashdeskError`` for an unknown
        format or a file that cannot be written."""
        from ..formats import export as writers

        data = self.export_data(deck_id)
        path = Path(path)
        try:
            if fmt == "toml":
                return writers.write_toml(data, path)
            if fmt == "csv":
                return writers.write_csv(data, path)
            if fmt == "apkg":
                return writers.write_apkg(data, path, self._col.media_dir)
        except OSError as exc:
            raise FlashdeskError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise FlashdeskError(f"unknown export format '{fmt}' (use toml, csv or apkg)")

    def archive(self, path: str | os.PathLike) -> Path:
        """The whole profile – collection and media – as one zip file."""
        import tempfile
        import zipfile

        col = self._col
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / "collection.db"
                with col._lock:
                    q.backup_to(col.db, str(copy))
                part = path.with_name(path.name + ".part")
                with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
                    zf.write(copy, "collection.db")
                    media = col.media_dir
                    if media and media.is_dir():
                        for f in sorted(media.iterdir()):
                            if f.is_file() and not f.name.startswith("."):
                                zf.write(f, f"media/{f.name}")
                os.replace(part, path)
        except OSError as exc:
            raise FlashdeskError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path

    # -- backups ---------------------------------------------------------------

    def backup(self, now: datetime, *,
               only_if_older_than_hours: float | None = None) -> Path | None:
        """Back the collection up into the profile's ``backups`` folder with
        SQLite's backup API, then rotate (settings ``backup_keep``, default 10,
        and ``backup_weeks``, 8). With ``only_if_older_than_hours``, nothing is
        done (None) when the newest backup is younger than that."""
        col = self._col
        if col.path is None:
            raise FlashdeskError("an in-memory collection has no backups")
        existing = list_backups(col.path)
        local = now.astimezone().replace(tzinfo=None)
        if only_if_older_than_hours is not None and existing and \
                (local - existing[0].taken).total_seconds() < only_if_older_than_hours * 3600:
            return None
        folder = backups_dir(col.path)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / backup_name(local)
        part = target.with_name(target.name + ".part")
        with col._lock:
            q.backup_to(col.db, str(part))
        os.replace(part, target)
        kept = choose_kept(list_backups(col.path), col.setting("backup_keep", 10),
                           col.setting("backup_weeks", 8))
        for b in list_backups(col.path):
            if b.path not in kept:
                b.path.unlink(missing_ok=True)
        return target
