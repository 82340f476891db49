"""Media of an import, all or nothing: names a file system takes
(``safe_media_name``), a name in the media folder for each incoming file,
the files written under temporary names before the import's commit
(which records them) and renamed into place after it, and, after a crash,
the renames a committed import left to do (``finish_pending_media``)."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..formats import ReadResult
from ..formats.anki import LIMITS
from ..formats.sanitize import is_media_name, media_references, rename_media_references
from ..model import DeckData
from ..store import StorageError, queries as q, transaction
from ..store.copies import fsync_dir
from ..store.faults import fault_point

if TYPE_CHECKING:
    from . import Collection

__all__ = ["MediaStager", "finish_pending_media", "rename_media", "safe_media_name", "MAX_NAME_BYTES",
           "MAX_NAME_CHARS", "PENDING_MEDIA", "bring_images"]

#: the longest file name most file systems take (ext4, APFS, NTFS: 255)
MAX_NAME_BYTES = 255
#: the longest media name a card may refer to (see ``formats.sanitize.media_name``)
MAX_NAME_CHARS = 200
#: config key: media written under temporary names by a committed import,
#: waiting to be renamed ({temporary name: media name})
PENDING_MEDIA = "pending_media"
_TEMP_PREFIX = ".import-"
_TEMP_SUFFIX = ".part"


def safe_media_name(name: str, data: bytes) -> str:
    """``name`` if a file system takes it (at most ``MAX_NAME_BYTES`` in
    UTF-8 and ``MAX_NAME_CHARS`` characters), else its start cut on a
    character boundary plus ``-`` and 8 hex digits of the content's SHA-1,
    keeping the extension: ``a…a-1f2e3d4c.png``."""
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES and len(name) <= MAX_NAME_CHARS:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = name, ""
    suffix = f"-{hashlib.sha1(data).hexdigest()[:8]}" + (f".{ext}" if ext else "")
    room_bytes = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    room_chars = MAX_NAME_CHARS - len(suffix)
    cut = stem.encode("utf-8")[:room_bytes].decode("utf-8", "ignore")[:room_chars]
    return cut.rstrip(" .") + suffix


def _plain(name: object) -> bool:
    return isinstance(name, str) and bool(name) and Path(name).name == name \
        and name not in (".", "..")


def finish_pending_media(db, folder: Path) -> list[str]:
    """After a crash: rename the media of a committed import into place
    (they were written before its commit, under temporary names the commit
    recorded), then remove temporary media no commit recorded (an import
    that never committed). Call it when no other process has the profile
    open. Returns what was done, one line each; a file that cannot be moved
    is left as it is and named."""
    done: list[str] = []
    pending = q.get_config(db, PENDING_MEDIA, None)
    if not isinstance(pending, dict):
        pending = {}
    left: dict[str, str] = {}
    for temp, final in pending.items():
        if not (_plain(temp) and _plain(final)):
            continue
        source = folder / temp
        if not source.exists():
            continue
        try:
            os.replace(source, folder / final)
            done.append(f"media {final}: put in place after an interrupted import")
        except OSError as exc:
            left[temp] = final
            done.append(f"media {final}: could not be put in place ({exc.strerror or exc})")
    if pending:
        with transaction(db):
            if left:
                q.set_config(db, PENDING_MEDIA, left)
            else:
                q.delete_config(db, PENDING_MEDIA)
    if folder.is_dir():
        for stray in folder.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
            if stray.name not in left:
                stray.unlink(missing_ok=True)
                done.append(f"removed {stray.name}, left by an import that did not finish")
        for stray in folder.glob(".*.part"):  # written by earlier versions
            if not stray.name.startswith(_TEMP_PREFIX):
                stray.unlink(missing_ok=True)
    return done


def rename_media(deck: DeckData, renames: dict[str, str]) -> DeckData:
    """``deck`` with its notes' references to media renamed (``renames``:
    {name in the file: name written})."""
    def fix(value):
        if isinstance(value, str):
            return rename_media_references(value, renames)
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return replace(deck, notes=tuple(
        replace(n, fields={k: fix(v) for k, v in n.fields.items()}) for n in deck.notes))



#: an image tag in a file's bytes (UTF-8, or UTF-16 either way round), in any case
_IMG_BYTES = re.compile(rb"<\x00?[iI]\x00?[mM]\x00?[gG]")
#: lines named for one missing image
_LINES_SHOWN = 10
#: the pictures a spreadsheet's or deck file's neighbour may be, by its
#: extension, and how the file's first bytes say it is one (SVG: text naming
#: an ``<svg`` element near its start). Anything else beside the file – a
#: PDF, a document – is never copied in, whatever a row's ``<img>`` names.
_IMAGE_SIGNS: dict[str, Callable[[bytes], bool]] = {
    "png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "gif": lambda head: head[:6] in (b"GIF87a", b"GIF89a"),
    "webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    "bmp": lambda head: head.startswith(b"BM"),
    "svg": lambda head: b"<svg" in head[:1024].lower(),
}
_SCAN_CHUNK = 1 << 20


def _has_image_tag(path: Path) -> bool:
    """Whether the file at ``path`` names an image anywhere (read a MB at a
    time, so a large file is not held twice); False if it cannot be read."""
    try:
        with path.open("rb") as f:
            tail = b""
            while chunk := f.read(_SCAN_CHUNK):
                if _IMG_BYTES.search(tail + chunk):
                    return True
                tail = chunk[-8:]
    except OSError:
        return False
    return False


def _read_image(path: Path, limit: int) -> bytes | str:
    """The bytes of the picture at ``path`` (a regular file, not a link,
    of at most ``limit`` bytes, whose extension and first bytes agree it is
    an image of ``_IMAGE_SIGNS``), or why it is not taken. Opened without
    following a link and measured on the open file, so what is checked is
    what is read. Raises ``FileNotFoundError`` when there is no such file,
    ``OSError`` when it cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        sign = _IMAGE_SIGNS.get(path.suffix.lower().lstrip("."))
        if sign is None:
            return "it is not a picture flashdesk shows (PNG, JPEG, GIF, WebP, BMP or SVG)"
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "it is not a plain file"
        data = f.read(limit + 1)
    if len(data) > limit:
        return f"it is larger than {limit // 2**20} MB"
    if not sign(data[:1024]):
        return f"its content is not a {path.suffix.lstrip('.').upper()} picture"
    return data


def _image_places(result: ReadResult) -> dict[str, list[int | None]]:
    """Each media name a note of ``result`` shows → the lines of those notes
    (None for a note without one), in file order."""
    places: dict[str, list[int | None]] = {}
    for deck in result.decks:
        for note in deck.notes:
            for value in note.fields.values():
                texts = value if isinstance(value, list) else [value]
                for text in texts:
                    if isinstance(text, str) and "<img" in text:
                        for name in media_references(text):
                            lines = places.setdefault(name, [])
                            if not lines or lines[-1] != note.line:
                                lines.append(note.line)
    return places


def bring_images(result: ReadResult, path: Path, media_dir: Path | None) -> None:
    """The images the notes of a spreadsheet or deck file at ``path`` show
    (``<img src="heat.png">``): each one that is a picture beside ``path``
    is added to ``result.media``, so it arrives with the notes (all or
    nothing, with them); each one that is not – missing, or a file that is
    not a picture (``_IMAGE_SIGNS``: extension and first bytes), a link, or
    too large – and is not in ``media_dir`` (the profile's media folder)
    is named in one message of ``result`` with the lines of the notes that
    show it and why; those notes are imported all the same, without it.

    Media names are plain file names (the sanitiser keeps no path in a
    ``src``), so only files in ``path``'s own folder are ever read. One
    picture may be as large as an Anki package's largest member, all of a
    file's pictures together as large as a package's whole content
    (``LIMITS``). ``path`` is scanned a MB at a time for an image tag
    first, so a file without one costs one read. Raises nothing: a file
    that cannot be read counts as missing."""
    if not _has_image_tag(path):
        return
    shown = result.decks[0].path if result.decks else str(path)
    folder = path.parent
    budget = LIMITS["total_bytes"] - sum(map(len, result.media.values()))
    for name, lines in _image_places(result).items():
        if name in result.media:
            continue
        why = "it is neither beside the file nor in the media folder"
        beside = folder / name
        if beside.parent == folder:
            try:
                found = _read_image(beside, min(LIMITS["member_bytes"], budget)) if budget > 0 \
                    else (f"the file's pictures together are over "
                          f"{LIMITS['total_bytes'] // 2**20} MB") if beside.is_file() else None
            except OSError:
                found = "it is a link, which is not followed" if beside.is_symlink() else None
            if isinstance(found, bytes):
                result.media[name] = found
                budget -= len(found)
                continue
            if isinstance(found, str):
                why = f"the file beside it is not taken: {found}"
        try:
            if media_dir is not None and (media_dir / name).is_file():
                continue
        except OSError:
            pass
        known = [str(line) for line in lines if line is not None]
        where = ""
        if known:
            where = (f" (line{'s' if len(known) > 1 else ''} {', '.join(known[:_LINES_SHOWN])}"
                     + (f" and {len(known) - _LINES_SHOWN} more" if len(known) > _LINES_SHOWN
                        else "") + ")")
        notes = "1 note shows" if len(lines) == 1 else f"{len(lines)} notes show"
        if why.startswith("it is neither"):
            result.messages.append(
                f"{shown}: image '{name}'{where} is neither beside the file nor in the media "
                f"folder: {notes} no picture until it is put in "
                f"{media_dir if media_dir is not None else 'the media folder'}")
        else:
            result.messages.append(
                f"{shown}: image '{name}'{where}: {why}; {notes} no picture")


class MediaStager:
    """The media of one import into ``col``: planned while its notes are
    read, written before its commit, renamed into place after it."""

    def __init__(self, col: "Collection"):
        self._col = col
        self._db = col.db
        #: media names shortened for the file system: (as in the file, as written)
        self.shortened: list[tuple[str, str]] = []

    def plan(self, incoming: dict[str, bytes], planned: dict[str, bytes]) -> dict[str, str]:
        """Choose a name in the media folder for each incoming file; a name
        already taken by different content gets a suffix. Returns renames."""
        renames = {}
        folder = self._col.media_dir
        for name, data in incoming.items():
            target = safe_media_name(name, data)
            if target != name:
                self.shortened.append((name, target))
            digest = hashlib.sha1(data).hexdigest()[:8]
            existing = (folder / target) if folder else None
            taken = planned.get(target)
            if (taken is not None and taken != data) or (
                    taken is None and existing is not None and existing.exists()
                    and existing.read_bytes() != data):
                stem, dot, ext = target.rpartition(".")
                target = safe_media_name(f"{stem}-{digest}.{ext}" if dot else f"{target}-{digest}",
                                         data)
            if not is_media_name(target):
                continue  # the reader let through only plain names; never write another
            if target != name:
                renames[name] = target
            planned[target] = data
        return renames

    def stage(self, media: dict[str, bytes]) -> dict[str, str]:
        """Write each new media file under a temporary name and record the
        names in the open transaction; returns {temporary: final}. A full or
        read-only disk raises ``StorageError`` (the transaction rolls back and
        the caller removes what was written)."""
        folder: "Path | None" = self._col.media_dir
        if folder is None or not media:
            return {}
        staged: dict[str, str] = {}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in media.items():
                target = folder / name
                if target.parent != folder:  # names are plain file names; never write elsewhere
                    continue
                if target.exists() and target.read_bytes() == data:
                    continue
                temp = f"{_TEMP_PREFIX}{os.urandom(8).hex()}{_TEMP_SUFFIX}"
                staged[temp] = name
                with (folder / temp).open("wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            fsync_dir(folder)
        except OSError as exc:
            self.discard(staged)
            raise StorageError(f"cannot write the media into {folder}: {exc.strerror or exc}. "
                               "Nothing was imported.") from None
        if staged:
            pending = q.get_config(self._db, PENDING_MEDIA, None)
            pending = pending if isinstance(pending, dict) else {}
            q.set_config(self._db, PENDING_MEDIA, {**pending, **staged})
        fault_point("import:staged")
        return staged

    def discard(self, staged: dict[str, str]) -> None:
        folder = self._col.media_dir
        if folder is not None:
            for temp in staged:
                (folder / temp).unlink(missing_ok=True)

    def install(self, staged: dict[str, str]) -> None:
        """After the commit: rename the staged files into place, then forget
        them. A file that cannot be renamed now is renamed on the next open."""
        folder = self._col.media_dir
        if folder is None or not staged:
            return
        moved = []
        for temp, name in staged.items():
            try:
                os.replace(folder / temp, folder / name)
            except OSError:
                continue
            moved.append(temp)
            fault_point("import:renamed")
        fsync_dir(folder)
        with self._col._lock, transaction(self._db, immediate=True):
            pending = q.get_config(self._db, PENDING_MEDIA, None)
            pending = pending if isinstance(pending, dict) else {}
            left = {t: n for t, n in pending.items() if t not in moved}
            if left:
                q.set_config(self._db, PENDING_MEDIA, left)
            else:
                q.delete_config(self._db, PENDING_MEDIA)
        fault_point("import:cleared")
