"""Plain values and helpers of notes that other modules share without the
note manager: how a note's fields, tags and checksum are stored
(``fields_json``, ``tags_text``, ``checksum``), the collection's leech tag,
a new note's key, and the results and errors of note actions
(``DeletedNotes``, ``AddedNote``, ``NoteRejected``)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..formats.result import ascii_fold
from ..model import CardId, Changes, FlashdeskError, NoteData, NoteId, note_id as make_note_id

__all__ = ["DeletedNotes", "AddedNote", "NoteRejected", "fields_json", "checksum", "tags_text",
           "without_leech", "note_digest", "note_identity", "LEECH_TAG"]

#: the tag the collection puts on a leech (kept out of exports)
LEECH_TAG = "leech"

_FIELDS_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
_quoted = json.encoder.encode_basestring


def fields_json(fields: dict) -> str:
    """A note's fields as stored: JSON with sorted keys (fields of text only
    are written directly, as the encoder would write them)."""
    try:
        if len(fields) == 2 and "back" in fields and "front" in fields:  # most notes
            return '{"back": ' + _quoted(fields["back"]) + ', "front": ' \
                + _quoted(fields["front"]) + "}"
        return "{" + ", ".join(f"{_quoted(k)}: {_quoted(fields[k])}"
                               for k in sorted(fields)) + "}"
    except TypeError:  # lists, numbers, true
        return _FIELDS_ENCODER.encode(fields)


def checksum(kind: str, fields: str, tags: Sequence[str], source: str) -> int:
    """What a re-import compares to learn whether a note changed: the first
    64 bits of the SHA-1 of the note, as a signed integer.

    A note keeps the checksum of the version it was last imported (or
    added) as: editing it in flashdesk leaves the checksum alone, so a
    re-import of an unchanged file never undoes the learner's edits."""
    blob = "\x1f".join([kind, fields, " ".join(tags), source])
    return int.from_bytes(hashlib.sha1(blob.encode("utf-8")).digest()[:8], "big", signed=True)


def tags_text(tags: Iterable[str]) -> str:
    """Tags as stored: space-separated, each once, in order."""
    return " ".join(dict.fromkeys(t for t in tags if t))



def note_digest(note: NoteData) -> int:
    """The checksum an import stores for ``note`` (see ``checksum``)."""
    return checksum(note.kind.value, fields_json(note.fields), note.tags, note.source)


def note_identity(deck_id: str, note: NoteData) -> str:
    """What an import matches ``note`` of ``deck_id`` by: the identity its
    file gives it, else the id made from its deck and key."""
    return note.identity or make_note_id(deck_id, note.key)


def without_leech(tags: str) -> tuple[str, ...]:
    """A note's tags for export: the collection's own leech tag left out."""
    return tuple(t for t in tags.split() if t != LEECH_TAG)


@dataclass(frozen=True)
class DeletedNotes:
    """Deleted rows, kept so the deletion can be undone."""

    notes: tuple[dict, ...]
    cards: tuple[dict, ...]
    #: the 'reset' log entries that recorded the deletion (undelete undoes them)
    log_ids: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.notes)


@dataclass(frozen=True)
class AddedNote:
    """A note added in the window: its id, its cards, what changed, and its
    first field as the learner reads it (``<50>`` typed is ``<50>`` here,
    though stored as ``&lt;50&gt;``)."""

    note_id: NoteId
    card_ids: tuple[CardId, ...]
    changes: Changes
    first_field: str = ""


class NoteRejected(FlashdeskError):
    """A note breaks the deck file's rules; ``problems`` lists them, one per
    field ("field 'back': required for a basic note")."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems) or ["this note cannot be saved"]
        super().__init__("; ".join(self.problems))


def _plain_key(text: str) -> str:
    """A readable note key from a note's first field ("what-does-heat-mean")."""
    key = ""
    for word in re.findall(r"[a-z0-9]+", ascii_fold(text).lower()):  # "café" → "cafe"
        if key and len(key) + 1 + len(word) > 40:
            break
        key = f"{key}-{word}" if key else word[:40]
    return key or "note"
