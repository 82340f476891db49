"""The update of the bundled decks (the decks that ship with flashdesk):
imported again when a release changes them, leaving what the learner
changed as they had it, and the report of what was left alone
(``BundledUpdate``). ``FileManager`` forwards to these functions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..formats import DeckFileError, ReadResult, read_any
from ..model import ImportResult, NoteData, NoteId
from ..store import queries as q, transaction
from .marks import BUNDLED, DELETED_DECKS, DELETED_NOTES, DELETED_TOLD, EDITED, Marks
from .note_values import LEECH_TAG, note_digest, note_identity

if TYPE_CHECKING:
    from . import Collection
    from .files import FileManager

__all__ = ["BundledUpdate", "sync_bundled", "take_bundled_report", "bundled_version"]

#: the setting that holds what the last update of the bundled decks left alone
_BUNDLED_REPORT = "bundled_report"


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


def sync_bundled(files: "FileManager", paths: Sequence[Path]) -> ImportResult | None:
    """Import the decks that ship with flashdesk when they are new or
    changed since the last time (a digest of the files is kept).

    What the learner changed wins over the update, and is reported
    (``take_bundled_report``): a note whose text they edited keeps their
    version; a note or deck they deleted stays deleted; a deck keeps the
    name, place and description they gave it; tags they added to a note
    stay on it. New notes arrive, and changed notes the learner did not
    edit are updated, keeping their progress. ``paths``: the bundled deck
    files; ``files`` reads and imports them."""
    digest = hashlib.sha1(b"".join(p.read_bytes() for p in paths)).hexdigest()
    if not paths or files._col.setting("bundled_digest") == digest:
        return None
    results = files._read(paths)
    col = files._col
    with col._lock:
        if col.setting(BUNDLED) is None:  # a collection from before the rule was kept
            Marks(col.db).replace(BUNDLED, [d.id for r in results for d in r.decks
                                            if q.get_deck(col.db, d.id)])
        results, update, checksums, told = _bundled_plan(col, results)
    result = files._run(results)
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


def _bundled_plan(col: "Collection", results: list[ReadResult]
                  ) -> tuple[list[ReadResult], BundledUpdate, dict[str, int], list[str]]:
    """The bundled files with the learner's changes taken out: the
    results to import, what was left alone, the checksums to store
    afterwards (the release's version of each note, so it is reported
    once), and the deleted notes and decks now reported as left deleted
    (said once). Callers hold the lock."""
    db = col.db
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
            stored = q.notes_by_identity(db, [note_identity(deck.id, n) for n in deck.notes])
            row = q.get_deck(db, deck.id)
            name = row["name"] if row else deck.name
            notes = []
            for note in deck.notes:
                identity = note_identity(deck.id, note)
                found = stored.get(identity)
                digest = note_digest(note)
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


def take_bundled_report(col: "Collection") -> BundledUpdate:
    """What the last updates of the bundled decks left as the learner
    had it, once: the report is cleared as it is read."""
    with col._lock:
        report = BundledUpdate.from_dict(q.get_config(col.db, _BUNDLED_REPORT))
        if report:
            with transaction(col.db):
                q.set_config(col.db, _BUNDLED_REPORT, None)
    return report


def bundled_version(note_id: NoteId, paths: Sequence[Path]) -> tuple[NoteData, int] | None:
    """The version of a bundled note in this release's deck files, with
    its checksum; None when no bundled deck (``paths``) has it."""
    deck_id, _, key = note_id.partition("/")
    for path in paths:
        try:
            deck = read_any(path).decks[0]
        except (DeckFileError, IndexError):
            continue
        if deck.id == deck_id:
            note = next((n for n in deck.notes if n.key == key), None)
            return (note, note_digest(note)) if note is not None else None
    return None
