"""Exports: a deck with its sub-decks as plain data (``export_data``) or
as a file (toml, csv or apkg: ``export``), and the whole profile as one
zip file (``archive``). Everything is written beside its target first and
moved into place whole; nothing is ever written into the profile folder.
``FileManager`` forwards to these functions."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..backup import is_profile_file
from ..formats.output import check_output
from ..formats.problems import shown_path
from ..model import DeckData, DeckId, FlashdeskError, Kind, NoteData
from ..store import StorageError, queries as q
from ..store.copies import copy_database
from .note_values import without_leech

if TYPE_CHECKING:
    from . import Collection

__all__ = ["export_data", "export", "archive"]


def export_data(col: "Collection", deck_id: DeckId) -> list[DeckData]:
    """The deck and its sub-decks as plain data, ready for a writer."""
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


def _refuse_profile_target(col: "Collection", path: Path) -> None:
    """An export never writes into the profile folder: not over the
    collection, its ``-wal``/``-shm``, a backup, nor anything beside them."""
    if col.path is not None and is_profile_file(col.path, path):
        raise FlashdeskError(
            f"cannot write {shown_path(path)}: it is inside the profile folder {col.path.parent} (the "
            "collection, its backups and media live there); choose a file elsewhere. "
            "Nothing was written.")
    if not path.is_file() or path.is_symlink():  # never open a pipe or a device to look
        return
    try:
        with path.open("rb") as f:
            header = f.read(72)
    except OSError:
        return
    if header.startswith(b"SQLite format 3\x00") and header[68:72] == b"FDSK":
        raise FlashdeskError(f"cannot write {shown_path(path)}: it is a flashdesk collection; choose "
                             "another file. Nothing was written.")


def _write_staged(col: "Collection", path: Path, write: Callable[[Path], list[Path]], *,
                  folder: bool = False) -> list[Path]:
    """Run ``write(staged_path)`` in a temporary folder beside ``path``,
    then move what it wrote into place. Nothing is left behind when the
    disk refuses, and an existing file is replaced only by a whole one.
    ``path`` must be somewhere that can take it (``check_output``): its
    folder exists, and it is not a folder unless ``folder`` (a toml
    export of several decks, whose folder ``path`` is made if need be)."""
    _refuse_profile_target(col, path)
    check_output(path, folder=folder)
    parent = path.parent
    stage = parent / f".{path.name[:40]}.flashdesk-{os.urandom(4).hex()}.part"
    try:
        stage.mkdir()
        written = write(stage / path.name)
        targets = [(f, parent / f.relative_to(stage)) for f in written]
        for _, target in targets:
            _refuse_profile_target(col, target)
        for staged, target in targets:
            if folder:
                target.parent.mkdir(exist_ok=True)  # ``path`` itself, never above it
            os.replace(staged, target)
        return [t for _, t in targets]
    except OSError as exc:
        raise StorageError(f"cannot write {shown_path(path)}: {exc.strerror or exc}. "
                           "Nothing was written.") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def export(col: "Collection", deck_id: DeckId, fmt: str, path: str | os.PathLike) -> list[Path]:
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
    _refuse_profile_target(col, path)
    data = export_data(col, deck_id)
    if fmt == "toml":
        return _write_staged(col, path, lambda p: writers.write_toml(data, p),
                                  folder=writers.toml_writes_folder(data, path))
    if fmt == "csv":
        return _write_staged(col, path, lambda p: writers.write_csv(data, p))
    return _write_staged(col, path, lambda p: writers.write_apkg(data, p, col.media_dir))


def archive(col: "Collection", path: str | os.PathLike) -> Path:
    """The whole profile - collection and media - as one zip file at
    ``path`` (``collection.db`` and ``media/NAME``). Raises
    ``FlashdeskError`` for a path inside the profile folder, a folder, or
    a path whose folder does not exist, and ``StorageError`` when the
    disk refuses; nothing is left behind."""
    import tempfile
    import zipfile

    path = Path(path)
    _refuse_profile_target(col, path)

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

    return _write_staged(col, path, write)[0]
