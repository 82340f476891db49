"""The files a device writes to the sync folder, and how they are read back.

Layout, under the sync folder the learner chose::

    flashdesk/<profile>/<device-id>/seg-00000001-<checksum>.fdsync
    flashdesk/<profile>/<device-id>/media/<sha-256 of the file>

A device writes only into its own folder. A **segment** is immutable: it is
written under a temporary name, flushed, then renamed into place, and never
changed afterwards. Its name carries its number (the device's count of
segments, from 1) and its checksum: the first 32 hex digits of the SHA-256
of the whole file. The file is a Zstandard frame of UTF-8 JSON::

    {"format": "flashdesk-sync-segment", "version": 1, "profile": "default",
     "device": "5f3a9c2e1b0d4a77", "label": "home-laptop", "number": 1,
     "created": 1772442000000, "log": [entry, …], "changes": [change, …]}

``entry`` is one review-log entry (``id``, ``card_id``, ``ts``, ``day``,
``kind``, ``quality``, ``was_new``, ``time_ms``, ``before``, ``after``,
``undoes``); ``change`` sets fields of one object at one hybrid logical
clock stamp: ``{"e": "note", "id": "deck/key", "l": ms, "c": counter,
"set": {field: value, …}, "base": {field: "l:c:device" or null, …}}``.

Sync engines deliver files late, twice, and in pieces: a file whose bytes do
not match the checksum in its name is *incomplete* and skipped until they
do; one that matches but does not hold a valid segment is *damaged* (never
merged). Everything read is checked as hostile input: sizes, depth, types.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard

from ..model import SCHEDULE_FIELDS, LogKind
from ..store.copies import fsync_dir, fsync_file

__all__ = [
    "Segment", "SegmentFile", "SegmentError", "Incomplete", "Damaged", "FORMAT", "VERSION",
    "ENTITIES", "DEVICE_ID", "new_device_id", "profile_root", "device_folders", "segment_files",
    "write_segment", "read_segment", "media_path", "find_media", "write_media",
    "MAX_FILE_BYTES", "MAX_PAYLOAD_BYTES", "MAX_RECORDS",
]

FORMAT = "flashdesk-sync-segment"
VERSION = 1
#: what a change may set fields of
ENTITIES = ("deck", "note", "card", "media")
#: a device id: what ``new_device_id`` makes (and nothing a path could abuse)
DEVICE_ID = re.compile(r"^[0-9a-f]{16}$")
_SEGMENT_NAME = re.compile(r"^seg-(\d{8})-([0-9a-f]{32})\.fdsync$")
_MEDIA_NAME = re.compile(r"^[0-9a-f]{64}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: the largest segment file read, and the most its JSON may unpack to
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024
#: log entries or changes per segment: a writer splits larger exports
MAX_RECORDS = 50_000
_MAX_ID = 1000
_MAX_TEXT = 200


class SegmentError(Exception):
    """A segment file that cannot be merged (see ``Incomplete``, ``Damaged``)."""


class Incomplete(SegmentError):
    """Its bytes do not (yet) match the checksum in its name."""


class Damaged(SegmentError):
    """It matches its checksum but is not a valid segment."""


@dataclass(frozen=True)
class SegmentFile:
    """A segment file found in a device folder (not yet read)."""

    device: str
    number: int
    checksum: str
    path: Path


@dataclass
class Segment:
    """A segment read and checked: the device's log entries and changes."""

    device: str
    number: int
    checksum: str
    profile: str
    label: str
    created: int
    log: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)


def new_device_id() -> str:
    """A fresh random device id (16 hex digits)."""
    return secrets.token_hex(8)


def profile_root(folder: Path, profile: str) -> Path:
    """``<folder>/flashdesk/<profile>``: where every device of a profile writes."""
    return Path(folder) / "flashdesk" / profile


def device_folders(root: Path) -> list[Path]:
    """The device folders under a profile root, in name order (others ignored)."""
    try:
        entries = list(os.scandir(root))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(Path(e.path) for e in entries
                  if DEVICE_ID.match(e.name) and e.is_dir(follow_symlinks=False))


def segment_files(device_folder: Path) -> list[SegmentFile]:
    """The segment files of one device folder, by number (other names, such
    as temporary files or a sync engine's conflict copies, are ignored)."""
    try:
        entries = list(os.scandir(device_folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for e in entries:
        m = _SEGMENT_NAME.match(e.name)
        if m and e.is_file(follow_symlinks=False):
            found.append(SegmentFile(device_folder.name, int(m.group(1)), m.group(2), Path(e.path)))
    return sorted(found, key=lambda s: (s.number, s.checksum))


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name``: a temporary name first, flushed to
    disk, then renamed; the file appears whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".tmp-{secrets.token_hex(6)}.part"
    try:
        with open(temp, "wb") as f:
            f.write(data)
        fsync_file(temp)
        os.replace(temp, folder / name)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)
    return folder / name


def write_segment(device_folder: Path, segment: Segment) -> Path:
    """Write ``segment`` (its ``number`` chosen by the caller, unused in the
    folder) as a new immutable file; returns its path and sets its
    ``checksum``. Raises ``OSError`` when the folder cannot be written."""
    payload = {"format": FORMAT, "version": VERSION, "profile": segment.profile,
               "device": segment.device, "label": segment.label, "number": segment.number,
               "created": segment.created, "log": segment.log, "changes": segment.changes}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    data = zstandard.ZstdCompressor(level=6, write_content_size=True).compress(text.encode())
    segment.checksum = hashlib.sha256(data).hexdigest()[:32]
    return _write_new(device_folder, f"seg-{segment.number:08d}-{segment.checksum}.fdsync", data)


def read_segment(found: SegmentFile, profile: str) -> Segment:
    """Read, verify and check one segment file. Raises ``Incomplete`` when
    its bytes do not match its checksum (a partial or still-arriving file),
    ``Damaged`` when they match but do not hold a valid segment of this
    profile and device; ``OSError`` when it cannot be read."""
    size = found.path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise Damaged(f"{found.path.name} is larger than {MAX_FILE_BYTES} bytes")
    data = found.path.read_bytes()
    if hashlib.sha256(data).hexdigest()[:32] != found.checksum:
        raise Incomplete(f"{found.path.name} is not complete yet")
    try:
        raw = zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_PAYLOAD_BYTES)
        payload = json.loads(raw.decode("utf-8"))
    except (zstandard.ZstdError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Damaged(f"{found.path.name} cannot be unpacked ({exc})") from None
    try:
        return _checked(payload, found, profile)
    except (KeyError, TypeError, ValueError) as exc:
        raise Damaged(f"{found.path.name} is not a valid segment ({exc})") from None


def _text(value: Any, limit: int = _MAX_ID, *, empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > limit or (not value and not empty):
        raise ValueError(f"not a text of up to {limit} characters: {str(value)[:40]!r}")
    return value


def _int(value: Any, low: int = -(2 ** 53), high: int = 2 ** 53) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"not a whole number from {low} to {high}: {str(value)[:40]!r}")
    return value


def _optional(value: Any, check: Any) -> Any:
    return None if value is None else check(value)


def _schedule(value: Any) -> dict:
    if not isinstance(value, dict) or not set(value) <= set(SCHEDULE_FIELDS):
        raise ValueError("a schedule must be a table of schedule fields")
    return {k: _optional(v, _int) for k, v in value.items()}


_KINDS = {k.value for k in LogKind}


def _entry(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise ValueError("a log entry must be a table")
    entry_id = _text(raw["id"])
    if not _UUID.match(entry_id):
        raise ValueError(f"a log entry id must be a UUID: {entry_id[:40]!r}")
    kind = _text(raw["kind"], 20)
    if kind not in _KINDS:
        raise ValueError(f"unknown log entry kind {kind!r}")
    quality = _optional(raw.get("quality"), lambda v: _int(v, 0, 5))
    if kind in ("review", "redrill", "cram") and quality is None:
        raise ValueError("an answer needs its quality")
    undoes = _optional(raw.get("undoes"), _text)
    if kind == "undo" and undoes is None:
        raise ValueError("an undo must name the entry it takes back")
    after = _optional(raw.get("after"), _schedule)
    if kind == "reschedule" and (after is None or after.get("due") is None):
        raise ValueError("a reschedule needs the new due day")
    return {"id": entry_id, "card_id": _text(raw["card_id"]), "ts": _int(raw["ts"], 0),
            "day": _int(raw["day"], 0, 10_000_000), "kind": kind, "quality": quality,
            "was_new": _int(raw.get("was_new", 0), 0, 1),
            "time_ms": _int(raw.get("time_ms", 0), 0), "before": _optional(raw.get("before"),
                                                                              _schedule),
            "after": after, "undoes": undoes}


def _change(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise ValueError("a change must be a table")
    entity = _text(raw["e"], 20)
    if entity not in ENTITIES:
        raise ValueError(f"unknown kind of object {entity!r}")
    values, bases = raw["set"], raw.get("base", {})
    if not isinstance(values, dict) or not values or not isinstance(bases, dict):
        raise ValueError("a change must set at least one field")
    for name in values:
        _text(name, _MAX_TEXT)
    for name, base in bases.items():
        if name not in values:
            raise ValueError(f"a base for a field not set: {str(name)[:40]!r}")
        if base is not None:
            _text(base, _MAX_ID)
    return {"e": entity, "id": _text(raw["id"]), "l": _int(raw["l"], 0), "c": _int(raw["c"], 0),
            "set": values, "base": bases}


def _checked(payload: Any, found: SegmentFile, profile: str) -> Segment:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("not a flashdesk segment")
    if payload.get("version") != VERSION:
        raise ValueError(f"written by another flashdesk (segment version {payload.get('version')!r})")
    if payload["device"] != found.device or payload["number"] != found.number:
        raise ValueError("its device or number differ from its name")
    if payload["profile"] != profile:
        raise ValueError(f"it belongs to profile {str(payload['profile'])[:40]!r}")
    log, changes = payload["log"], payload["changes"]
    if not isinstance(log, list) or not isinstance(changes, list) \
            or len(log) > MAX_RECORDS or len(changes) > MAX_RECORDS:
        raise ValueError(f"log and changes must be lists of at most {MAX_RECORDS}")
    return Segment(found.device, found.number, found.checksum, profile,
                   _text(payload.get("label", ""), _MAX_TEXT, empty=True),
                   _int(payload["created"], 0), [_entry(e) for e in log],
                   [_change(c) for c in changes])


# -- media ---------------------------------------------------------------------------


def media_path(device_folder: Path, sha256: str) -> Path:
    """Where a device keeps the media file with this SHA-256 (hex)."""
    return device_folder / "media" / sha256


def find_media(root: Path, sha256: str) -> Path | None:
    """A complete copy of the media file with this SHA-256 in any device
    folder under ``root`` (checked by hashing), or None."""
    if not _MEDIA_NAME.match(sha256):
        return None
    for folder in device_folders(root):
        path = media_path(folder, sha256)
        try:
            if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
                return path
        except OSError:
            continue
    return None


def write_media(device_folder: Path, root: Path, source: Path, sha256: str) -> bool:
    """Store a media file once by its content hash: unless some device
    folder under ``root`` has it already, copy ``source`` into this device's
    ``media`` folder. Returns whether it was written."""
    for folder in device_folders(root):
        if media_path(folder, sha256).is_file():
            return False
    _write_new(device_folder / "media", sha256, source.read_bytes())
    return True
