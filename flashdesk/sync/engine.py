"""One merge of a collection with its sync folder: send what this device did
since the last merge, read what the other devices wrote, and fold it in.

``Syncer(col, folder, profile).run(now)`` does, in one write transaction:

1. **Send.** The review-log entries added here since the last merge, and the
   deck, note, card and media fields that differ from what the last merge
   left (stamped by this device's hybrid logical clock), go into a new
   segment file in this device's folder (``flashdesk.sync.segments``).
2. **Read.** Every segment file not merged yet, of every device (this one's
   too: a restored backup gets back what it had sent), is verified; files
   still arriving or damaged are skipped and named.
3. **Merge.** Log entries are added by id (a second copy changes nothing);
   fields are merged by stamp (``flashdesk.sync.fields``).
4. **Apply.** Decks, notes, cards and media whose winning fields changed are
   written to the collection; each card with new log entries gets the
   schedule SM-2 gives when replayed over its whole log in the one order all
   devices share (``flashdesk.study.replay_order``), with the same rules as
   on one device.

Merging is idempotent and does not depend on the order files arrive in:
the collection ends up a function of the set of segments merged.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..cards import card_ords
from ..formats.deckfile import NOTE_KEY, check_note
from ..formats.tags import tag_problem
from ..formats.sanitize import clean_plain, is_media_name
from ..model import Changes, FlashdeskError, Kind, note_texts
from ..store import queries as q, sync as sq, transaction
from ..study import SM2_FIELDS, answers_in_log, fold_log, replay_order
from ..collection.journal import ms
from ..collection.notes import checksum, fields_json, tags_text
from . import segments as seg
from .fields import (
    Record, canon, card_fields, deck_fields, deck_names, digest, local_edits,
    lost_records, note_fields,
)
from .hlc import Clock, Stamp

if TYPE_CHECKING:
    from ..collection import Collection

__all__ = ["Syncer", "SyncReport", "Conflict", "FOLDER_KEY", "LAST_KEY"]

#: settings kept in the collection
FOLDER_KEY = "sync.folder"
DEVICE_KEY = "sync.device"
HOME_KEY = "sync.home"
CLOCK_KEY = "sync.clock"
SENT_KEY = "sync.sent_seq"
LAST_KEY = "sync.last"
LABEL_KEY = "sync.label"
#: device id → the label its segments carry
DEVICES_KEY = "sync.devices"

_ANSWERS = ("review", "redrill", "cram")


@dataclass(frozen=True)
class Conflict:
    """Two devices changed one field without seeing each other's change:
    ``kept`` is the value the collection shows, ``other`` the one kept in
    history (with the device label that wrote it)."""

    entity: str
    eid: str
    field: str
    kept: Any
    other: Any
    other_device: str
    other_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"object": self.entity, "id": self.eid, "field": self.field,
                "kept": self.kept, "other": self.other, "other_device": self.other_device,
                "other_time_ms": self.other_ms}


@dataclass
class SyncReport:
    """What one merge did."""

    when: datetime
    folder: Path
    device: str
    #: segment files written by this device, and what they carried
    written: int = 0
    sent_entries: int = 0
    sent_changes: int = 0
    #: segment files of other devices merged now
    merged: int = 0
    #: new log entries from other devices (answers among them)
    entries: int = 0
    answers: int = 0
    #: fields of decks, notes, cards and media that other devices changed
    edits: int = 0
    notes_added: int = 0
    notes_removed: int = 0
    decks_added: int = 0
    media: int = 0
    #: device labels that brought something now
    devices: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    #: files not merged: still arriving (checksum not matching yet), or damaged
    incomplete: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    #: objects that wait for something (a note for its deck, media for its file)
    waiting: int = 0
    changes: Changes = Changes()

    @property
    def brought(self) -> bool:
        """The merge changed something here (entries, edits, notes, media)."""
        return bool(self.entries or self.edits or self.notes_added or self.notes_removed
                    or self.decks_added or self.media)

    def summary(self) -> str:
        """One line: what the merge brought ("12 answers and 2 edits from
        home-laptop; 1 edit kept in history"), or that nothing was new."""
        parts = []
        for count, what in ((self.decks_added, "deck"), (self.notes_added, "note")):
            if count:
                parts.append(f"{count} new {what}{'s' if count != 1 else ''}")
        if self.notes_removed:
            parts.append(f"{self.notes_removed} note{'s' if self.notes_removed != 1 else ''} "
                         "deleted")
        if self.answers:
            parts.append(f"{self.answers} answer{'s' if self.answers != 1 else ''}")
        other = self.entries - self.answers
        if other:
            parts.append(f"{other} other log entr{'ies' if other != 1 else 'y'}")
        if self.edits:
            parts.append(f"{self.edits} edit{'s' if self.edits != 1 else ''}")
        text = (" and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
                + (f" from {', '.join(self.devices)}" if self.devices else "")) if parts \
            else "nothing new"
        if self.conflicts:
            n = len(self.conflicts)
            text += f"; {n} concurrent edit{'s' if n != 1 else ''} kept in history"
        if self.incomplete:
            text += f"; {len(self.incomplete)} file{'s' if len(self.incomplete) != 1 else ''} " \
                    "still arriving"
        if self.damaged:
            text += f"; {len(self.damaged)} damaged file{'s' if len(self.damaged) != 1 else ''} " \
                    "skipped"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"when": self.when.isoformat(timespec="seconds"), "folder": str(self.folder),
                "device": self.device, "written": self.written,
                "sent_entries": self.sent_entries, "sent_changes": self.sent_changes,
                "merged": self.merged, "entries": self.entries, "answers": self.answers,
                "edits": self.edits, "notes_added": self.notes_added,
                "notes_removed": self.notes_removed, "decks_added": self.decks_added,
                "media": self.media,
                "devices": self.devices, "conflicts": [c.to_dict() for c in self.conflicts],
                "incomplete": self.incomplete, "damaged": self.damaged,
                "waiting": self.waiting, "summary": self.summary()}


def _home(col: "Collection") -> str | None:
    """Where this profile lives on which computer: a copied or moved
    profile must not write as the device it was copied from."""
    if col.path is None:
        return None
    return f"{socket.gethostname()}|{col.path.resolve().parent}"


def _plain_id(eid: str, limit: int) -> bool:
    """An object id from another device that is plain text of sensible length."""
    return 0 < len(eid) <= limit and clean_plain(eid) == eid and eid.strip() == eid


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Syncer:
    """Merges one collection with one sync folder (see the module's text).

    ``profile`` names the profile's folder inside the sync folder (devices
    of one learner use the same name); ``media_dir`` is the profile's media
    folder (None: media are not merged). The caller holds no transaction.
    """

    def __init__(self, col: "Collection", folder: str | os.PathLike, profile: str,
                 media_dir: Path | None = None, label: str | None = None):
        self.col = col
        self.db = col.db
        self.folder = Path(folder)
        self.profile = profile
        self.root = seg.profile_root(self.folder, profile)
        self.media_dir = media_dir
        self._label = label
        self.notices: list[str] = []

    # -- identity --------------------------------------------------------------------

    def _device(self) -> str:
        """This device's id, made on first use (and anew for a copied profile)."""
        db = self.db
        device = q.get_config(db, DEVICE_KEY)
        home = _home(self.col)
        stored_home = q.get_config(db, HOME_KEY)
        if not isinstance(device, str) or not seg.DEVICE_ID.match(device) or (
                home is not None and stored_home is not None and stored_home != home):
            if isinstance(device, str) and stored_home is not None:
                self.notices.append("this profile was copied or moved: it now writes to the "
                                    "sync folder as a new device")
            device = seg.new_device_id()
            q.set_config(db, DEVICE_KEY, device)
            q.set_config(db, SENT_KEY, 0)  # a new device sends its whole log again
            q.set_config(db, CLOCK_KEY, [0, 0])
        if home is not None and stored_home != home:
            q.set_config(db, HOME_KEY, home)
        return device

    def label(self) -> str:
        """How other devices name this one (the computer's name by default)."""
        label = self._label or q.get_config(self.db, LABEL_KEY) or socket.gethostname()
        return clean_plain(str(label))[:60] or "device"

    # -- the run ---------------------------------------------------------------------

    def run(self, now: datetime) -> SyncReport:
        """Send, read, merge and apply (see the module's text); committed
        before it returns. Raises ``FlashdeskError`` when the sync folder
        cannot be used (nothing is changed then)."""
        col = self.col
        now_ms = ms(now)
        if not self.folder.is_dir():
            raise FlashdeskError(f"the sync folder {self.folder} is not there (is the drive "
                                 "or the sync program's folder available?)")
        with col._lock:
            today = col.today(now)
            with transaction(self.db, immediate=True):
                device = self._device()
                report = SyncReport(now, self.folder, device)
                state = q.get_config(self.db, CLOCK_KEY, [0, 0])
                clock = Clock(device, *state) if isinstance(state, list) and len(state) == 2 \
                    else Clock(device)
                own = self.root / device
                try:
                    self._send(own, device, clock, now_ms, report)
                    segments = self._read(report)
                    touched_cards = self._merge(segments, device, clock, now_ms, report)
                    touched_cards |= self._apply(report, now_ms)  # media files too
                except OSError as exc:
                    raise FlashdeskError(f"the sync folder {self.folder} cannot be used: "
                                         f"{exc.strerror or exc}") from None
                self._rebuild(touched_cards, today)
                q.set_config(self.db, CLOCK_KEY, [clock.l, clock.c])
                q.set_config(self.db, SENT_KEY, q.last_seq(self.db))
                for s in segments:
                    sq.add_segment(self.db, s.device, s.number, s.checksum,
                                   len(s.log) + len(s.changes), now_ms)
                q.set_config(self.db, LAST_KEY, {"when": now.isoformat(timespec="seconds"),
                                                 "summary": report.summary()})
            if report.entries:
                col.journal.reload()
                col._answered_on(max(e["day"] for s in segments for e in s.log))
            if report.brought:
                col.study.invalidate()
            if report.edits or report.notes_removed:
                col.undo.clear()  # undo entries may name what the merge changed
        objects = bool(report.edits or report.notes_added or report.notes_removed
                       or report.decks_added or report.media)
        report.changes = Changes(cards=bool(touched_cards) or objects,
                                 study_queues=bool(touched_cards) or objects, notes=objects,
                                 note_text=objects, decks=objects, tags=objects)
        return report

    # -- 1. send ---------------------------------------------------------------------

    def _send(self, own: Path, device: str, clock: Clock, now_ms: int,
              report: SyncReport) -> None:
        changes = self._local_changes(clock, now_ms)
        sent = q.get_config(self.db, SENT_KEY, 0)
        entries = sq.log_entries_after(self.db, int(sent) if isinstance(sent, int) else 0)
        for e in entries:
            del e["seq"]
        if not changes and not entries:
            return
        for change in changes:
            if change["e"] == "media" and self.media_dir is not None:
                sha = change["set"].get("sha")
                if isinstance(sha, str):
                    seg.write_media(own, self.root, self.media_dir / change["id"], sha)
        merged_own = [n for d, n, _c in sq.merged_segments(self.db) if d == device]
        number = max([f.number for f in seg.segment_files(own)] + merged_own + [0])
        step = seg.MAX_RECORDS
        for start in range(0, max(len(entries), len(changes)), step):
            number += 1
            segment = seg.Segment(device, number, "", self.profile, self.label(), now_ms,
                                  entries[start:start + step], changes[start:start + step])
            seg.write_segment(own, segment)
            sq.add_segment(self.db, device, number, segment.checksum,
                           len(segment.log) + len(segment.changes), now_ms)
            report.written += 1
        report.sent_entries = len(entries)
        report.sent_changes = sum(len(c["set"]) for c in changes)

    def _current(self) -> dict[str, dict[str, dict[str, Any]]]:
        """entity → eid → fields, of everything in the collection now."""
        decks = {r["id"]: deck_fields(r) for r in sq.decks_for_sync(self.db)}
        notes = {r["id"]: note_fields(r) for r in sq.notes_for_sync(self.db)}
        cards = {r["id"]: card_fields(r) for r in sq.cards_for_sync(self.db)}
        return {"deck": decks, "note": notes, "card": cards, "media": self._media_now()}

    def _media_now(self) -> dict[str, dict[str, Any]]:
        """media name → {"sha": SHA-256} of the profile's media files (hashed
        again only when their size or time changed)."""
        if self.media_dir is None or not self.media_dir.is_dir():
            return {}
        known = sq.media_hashes(self.db)
        result = {}
        for entry in os.scandir(self.media_dir):
            if not entry.is_file(follow_symlinks=False) or not is_media_name(entry.name):
                continue
            st = entry.stat()
            cached = known.get(entry.name)
            if cached and cached[0] == st.st_size and cached[1] == st.st_mtime_ns:
                sha = cached[2]
            else:
                sha = _sha256(Path(entry.path))
                sq.set_media_hash(self.db, entry.name, st.st_size, st.st_mtime_ns, sha)
            result[entry.name] = {"sha": sha}
        return result

    def _local_changes(self, clock: Clock, now_ms: int) -> list[dict]:
        """The changes to send: for each object that differs from the digest
        the last merge recorded, the fields that differ from the winners;
        applied to the winners here at once (this device's new stamp)."""
        changes = []
        current = self._current()
        deck_registers = self._records("deck", list(sq.digests(self.db, "deck"))
                                       + list(current["deck"]))
        expected_names = deck_names(deck_registers)
        for entity, objects in current.items():
            known = sq.digests(self.db, entity)
            suspects = [eid for eid, fields in objects.items() if known.get(eid) != digest(fields)]
            if entity != "card":  # a card goes with its note; only its deck is its own
                suspects += [eid for eid in known if eid not in objects]
            if not suspects:
                continue
            registers = deck_registers if entity == "deck" else self._records(entity, suspects)
            for eid in suspects:
                fields = objects.get(eid)
                if entity == "deck" and fields is not None \
                        and expected_names.get(eid) == fields["name"] and "name" in \
                        registers.get(eid, {}):
                    fields = {**fields, "name": registers[eid]["name"].decoded}
                edits = local_edits(fields, registers.get(eid, {}), eid in known)
                if not edits:
                    continue
                stamp = clock.tick(now_ms)
                bases = {}
                for name, value in edits.items():
                    old = registers.get(eid, {}).get(name)
                    bases[name] = old.stamp.text() if old is not None else None
                    record = Record(entity, eid, name, canon(value), stamp, bases[name])
                    if old is not None:
                        sq.add_history(self.db, old.row())
                    sq.put_field(self.db, record.row())
                changes.append({"e": entity, "id": eid, "l": stamp.l, "c": stamp.c,
                                "set": edits, "base": bases})
            present = [(eid, digest(fields)) for eid, fields in objects.items()
                       if eid in suspects]
            sq.set_digests(self.db, entity, present)
            sq.delete_digests(self.db, entity, [eid for eid in suspects if eid not in objects])
        return changes

    def _records(self, entity: str, eids: Sequence[str]) -> dict[str, dict[str, Record]]:
        return {eid: {name: Record.from_row(row) for name, row in fields.items()}
                for eid, fields in sq.fields_of(self.db, entity, list(dict.fromkeys(eids))).items()}

    # -- 2. read ---------------------------------------------------------------------

    def _read(self, report: SyncReport) -> list[seg.Segment]:
        done = sq.merged_segments(self.db)
        found = []
        for folder in seg.device_folders(self.root):
            for f in seg.segment_files(folder):
                if (f.device, f.number, f.checksum) in done:
                    continue
                try:
                    found.append(seg.read_segment(f, self.profile))
                except seg.Incomplete:
                    report.incomplete.append(f"{f.device}/{f.path.name}")
                except seg.Damaged as exc:
                    report.damaged.append(f"{f.device}/{f.path.name}: {exc}")
                except OSError as exc:
                    report.incomplete.append(f"{f.device}/{f.path.name} "
                                             f"({exc.strerror or exc})")
        return found

    # -- 3. merge --------------------------------------------------------------------

    def _merge(self, segments: list[seg.Segment], device: str, clock: Clock, now_ms: int,
               report: SyncReport) -> set[str]:
        """Add the segments' log entries and merge their fields; returns the
        cards with new log entries. ``self._touched`` collects the objects
        whose winning value changed, ``self._contested`` the fields that now
        hold two different values."""
        self._touched: dict[str, set[str]] = {e: set() for e in seg.ENTITIES}
        self._contested: set[tuple[str, str, str]] = set()
        touched_cards: set[str] = set()
        labels = {s.device: s.label or s.device for s in segments}
        bringing: set[str] = set()
        for s in segments:
            added = sq.add_log_entries(self.db, s.log)
            if added:
                kinds = {e["id"]: e["kind"] for e in s.log}
                report.entries += len(added)
                report.answers += sum(kinds[eid] in _ANSWERS for eid, _card in added)
                touched_cards.update(card for _eid, card in added)
                bringing.add(s.device)
            if s.device != device:
                report.merged += 1
        by_object: dict[tuple[str, str], list[Record]] = {}
        for s in segments:
            for change in s.changes:
                stamp = Stamp(change["l"], change["c"], s.device)
                clock.observe(stamp, now_ms)
                for name, value in change["set"].items():
                    by_object.setdefault((change["e"], change["id"]), []).append(Record(
                        change["e"], change["id"], name, canon(value), stamp,
                        change["base"].get(name)))
        for entity in seg.ENTITIES:
            eids = [eid for (e, eid) in by_object if e == entity]
            current = self._records(entity, eids)
            for eid in eids:
                fields = current.setdefault(eid, {})
                for r in sorted(by_object[(entity, eid)], key=lambda r: r.stamp):
                    old = fields.get(r.field)
                    if old is not None and old.stamp == r.stamp:
                        continue  # this very record, merged before
                    if old is not None and old.value != r.value:
                        self._contested.add((entity, eid, r.field))
                    if old is None or r.stamp > old.stamp:
                        if old is not None:
                            sq.add_history(self.db, old.row())
                        sq.put_field(self.db, r.row())
                        fields[r.field] = r
                        if old is None or old.value != r.value:
                            self._touched[entity].add(eid)
                            if r.stamp.device != device:
                                report.edits += old is not None  # new objects are counted apart
                                bringing.add(r.stamp.device)
                    else:
                        sq.add_history(self.db, r.row())
        stored = q.get_config(self.db, DEVICES_KEY, {})
        stored = stored if isinstance(stored, dict) else {}
        known = {**stored, **labels, device: self.label()}
        if known != stored:
            q.set_config(self.db, DEVICES_KEY, known)
        report.devices = sorted(known.get(d, d) for d in bringing if d != device)
        self._conflicts(report, known)
        return touched_cards

    def _conflicts(self, report: SyncReport, labels: dict[str, str]) -> None:
        """The concurrent edits this merge brought to light (each field once)."""
        for entity, eid, name in sorted(self._contested):
            winner_row = sq.fields_of(self.db, entity, [eid]).get(eid, {}).get(name)
            if winner_row is None:
                continue
            winner = Record.from_row(winner_row)
            history = [Record.from_row(r) for r in sq.history_of(self.db, entity, eid, name)]
            for lost in lost_records([winner, *history]):
                report.conflicts.append(Conflict(
                    entity, eid, name, winner.decoded, lost.decoded,
                    labels.get(lost.stamp.device, lost.stamp.device), lost.stamp.l))

    # -- 4. apply --------------------------------------------------------------------

    def _apply(self, report: SyncReport, now_ms: int) -> set[str]:
        """Write the merged winners of changed objects (and of objects still
        waiting) to the collection; returns the cards created."""
        db = self.db
        created_cards: set[str] = set()
        # decks first (notes need them); names unique at every step
        deck_records = {eid: {n: Record.from_row(r) for n, r in f.items()}
                        for eid, f in sq.all_fields(db, "deck").items()}
        names = deck_names(deck_records)
        rows = {r["id"]: r for r in sq.decks_for_sync(db)}
        self._decks_added = 0
        self._made_decks: list[str] = []
        dead_decks = []
        for eid, deck in sorted(deck_records.items()):
            fields = {n: r.decoded for n, r in deck.items()}
            if not _plain_id(eid, 200):
                report.waiting += 1  # not an id this collection would make: never stored
            elif fields.get("alive") is False:
                dead_decks.append(eid)
            elif "name" in fields and (eid not in rows or eid in self._touched["deck"]
                                       or rows[eid]["name"] != names.get(eid)):
                self._apply_deck(eid, fields, names, rows, now_ms)
        # notes: those changed now, those still waiting, and those that belong in a
        # deck made just now (their move may have arrived before the deck)
        made = [canon(d) for d in self._made_decks]
        note_ids = sorted(self._touched["note"] | set(sq.notes_waiting(db))
                          | set(sq.pointing_at(db, "note", "deck", made)))
        note_records = self._records("note", note_ids)
        present = {r["id"]: r for r in sq.notes_for_sync(db, note_ids)}
        for eid in note_ids:
            fields = {n: r.decoded for n, r in note_records.get(eid, {}).items()}
            created_cards |= self._apply_note(eid, fields, present.get(eid), report, now_ms)
        # cards moved on their own
        card_records = self._records("card", sorted(self._touched["card"] | set(
            sq.pointing_at(db, "card", "deck", made))))
        cards = {r["id"]: r for r in sq.cards_for_sync(db, sorted({
            c.rsplit("#", 1)[0] for c in card_records}))}
        moves: dict[str, list[str]] = {}
        for cid, card in card_records.items():
            target = card["deck"].decoded if "deck" in card else None
            row = cards.get(cid)
            if isinstance(target, str) and row is not None and row["deck_id"] != target \
                    and q.get_deck(db, target):
                moves.setdefault(target, []).append(cid)
        for deck_id, ids in moves.items():
            q.move_cards(db, ids, deck_id)
        # decks deleted elsewhere go once nothing is left in them here
        for eid in dead_decks:
            if eid in rows and not sq.deck_in_use(db, eid):
                sq.delete_deck(db, eid)
        report.decks_added = self._decks_added
        self._apply_media(report)
        self._record_digests(note_ids, list(card_records))
        return created_cards

    def _apply_deck(self, eid: str, fields: dict[str, Any], names: dict[str, str],
                    rows: dict[str, dict], now_ms: int) -> None:
        db = self.db
        name = clean_plain(str(names.get(eid, fields["name"])))[:500] or eid
        holder = q.deck_by_name(db, name)
        if holder is not None and holder["id"] != eid and holder["name"] == name:
            # the name is still another deck's, about to be renamed: it steps aside
            aside, n = f"{holder['name']} ({holder['id']})", 1
            while q.deck_by_name(db, aside) is not None:
                n += 1
                aside = f"{holder['name']} ({holder['id']}) {n}"
            q.update_deck(db, {**holder, "name": aside, "now": now_ms})
        row = rows.get(eid)
        description = clean_plain(str(fields.get("description") or ""), lines=True)
        if row is None:
            q.insert_deck(db, {"id": eid, "name": name, "description": description,
                               "version": "", "source_path": "", "now": now_ms})
            row = {"version": "", "source_path": ""}
            self._decks_added += 1
            self._made_decks.append(eid)
        else:
            q.update_deck(db, {"id": eid, "name": name, "description": description,
                               "version": row["version"], "source_path": row["source_path"],
                               "now": now_ms})
        current = q.get_deck(db, eid) or {}
        new_limit = fields.get("new_limit", current.get("new_limit", 20))
        review_limit = fields.get("review_limit", current.get("review_limit", 200))
        if isinstance(new_limit, int) and isinstance(review_limit, int) \
                and new_limit >= 0 and review_limit >= 0:
            q.set_deck_limits(db, eid, min(new_limit, 99999), min(review_limit, 99999))
        exam = fields.get("exam_date")
        q.set_deck_study_options(db, eid, bury_siblings=bool(fields.get("bury_siblings", True)),
                                 exam_date=exam if isinstance(exam, str) and len(exam) == 10
                                 else None)
        rows[eid] = {**row, "id": eid, "name": name}

    def _apply_note(self, eid: str, fields: dict[str, Any], row: dict | None,
                    report: SyncReport, now_ms: int) -> set[str]:
        """Write one merged note (or remove it); returns the cards created."""
        db = self.db
        if not _plain_id(eid, 1000):
            report.waiting += 1
            return set()
        if fields.get("alive") is not True:
            if row is not None and fields.get("alive") is False:
                cards = [c["id"] for c in sq.cards_for_sync(db, [eid])]
                self.col.undo.forget_cards(cards)
                q.delete_notes(db, [eid])
                report.notes_removed += 1
            return set()
        deck, kind, key = fields.get("deck"), fields.get("kind"), fields.get("key")
        if not isinstance(deck, str) or q.get_deck(db, deck) is None:
            report.waiting += 1
            return set()
        if not isinstance(key, str) or not isinstance(kind, str) or len(key) > 1000:
            report.waiting += 1
            return set()
        values = {n[2:]: v for n, v in fields.items() if n.startswith("f:") and v is not None}
        tags = sorted(n[2:] for n, v in fields.items()
                      if n.startswith("t:") and v is True and tag_problem(n[2:]) is None)
        note, problems = check_note({"id": key if NOTE_KEY.match(key) else "k", "kind": kind,
                                     **values})
        if note is None or problems:
            report.waiting += 1
            return set()
        source = clean_plain(str(fields.get("source") or "")).strip()
        if row is not None:  # the tags it has keep their order; new ones follow
            kept = [t for t in row["tags"].split() if t in tags]
            tags = kept + [t for t in tags if t not in kept]
        encoded = fields_json(note.fields)
        sort_text, search_text = note_texts(note.kind, note.fields)
        identity = fields.get("identity")
        if not isinstance(identity, str) or not identity or len(identity) > 1000:
            identity = eid  # as a note made here takes its id
        new_row = {"id": eid, "identity": clean_plain(identity), "deck_id": deck, "key": key,
                   "kind": note.kind.value,
                   "fields": encoded, "tags": tags_text(tags), "source": source, "now": now_ms,
                   "checksum": checksum(note.kind.value, encoded, tags, source),
                   "sort_text": sort_text, "search_text": search_text}
        if row is None:
            q.insert_notes(db, [new_row])
            report.notes_added += 1
        else:
            q.update_notes(db, [new_row])
            if row["deck_id"] != deck:
                sq.set_note_deck(db, eid, deck)
        wanted = card_ords(Kind(note.kind), note.fields)
        have = q.card_ords(db, [eid]).get(eid, set())
        card_decks = self._records("card", [f"{eid}#{o}" for o in wanted])
        created = []
        pos = q.next_new_pos(db)
        for o in wanted:
            if o in have:
                continue
            cid = f"{eid}#{o}"
            own = card_decks.get(cid, {}).get("deck")
            card_deck = own.decoded if own is not None and q.get_deck(db, own.decoded) \
                else deck
            created.append((cid, eid, card_deck, o, pos))
            pos += 1
        q.insert_cards(db, created)
        gone = [f"{eid}#{o}" for o in have - set(wanted)]
        if gone:
            self.col.undo.forget_cards(gone)
            q.delete_cards(db, gone)
        return {c[0] for c in created}

    def _apply_media(self, report: SyncReport) -> None:
        if self.media_dir is None:
            return
        records = {eid: f for eid, f in sq.all_fields(self.db, "media").items()}
        if not records:
            return
        local = self._media_now()
        for name, fields in records.items():
            row = fields.get("sha")
            if row is None or not is_media_name(name) or Path(name).name != name:
                continue
            sha = Record.from_row(row).decoded
            if not isinstance(sha, str) or local.get(name, {}).get("sha") == sha:
                continue
            source = seg.find_media(self.root, sha)
            if source is None:
                report.waiting += 1
                continue
            self.media_dir.mkdir(parents=True, exist_ok=True)
            temp = self.media_dir / f".sync-{sha[:12]}.part"
            temp.write_bytes(source.read_bytes())
            os.replace(temp, self.media_dir / name)
            st = (self.media_dir / name).stat()
            sq.set_media_hash(self.db, name, st.st_size, st.st_mtime_ns, sha)
            sq.set_digests(self.db, "media", [(name, digest({"sha": sha}))])
            report.media += 1

    def _record_digests(self, note_ids: Iterable[str], card_ids: Iterable[str]) -> None:
        """After applying: what each object now looks like is what the next
        merge compares with (so applied values are not sent back as edits)."""
        db = self.db
        decks = {r["id"]: r for r in sq.decks_for_sync(db)}
        touched_decks = set(self._touched["deck"]) | set(decks)
        sq.set_digests(db, "deck", [(d, digest(deck_fields(decks[d])))
                                    for d in touched_decks if d in decks])
        sq.delete_digests(db, "deck", [d for d in touched_decks if d not in decks])
        note_ids = list(note_ids)
        notes = {r["id"]: r for r in sq.notes_for_sync(db, note_ids)}
        sq.set_digests(db, "note", [(n, digest(note_fields(r))) for n, r in notes.items()])
        sq.delete_digests(db, "note", [n for n in note_ids if n not in notes])
        cards = sq.cards_for_sync(db, note_ids)
        card_ids = set(card_ids)
        extra = [r for r in sq.cards_for_sync(db, sorted({c.rsplit("#", 1)[0]
                                                           for c in card_ids}))]
        rows = {r["id"]: r for r in [*cards, *extra]}
        sq.set_digests(db, "card", [(c, digest(card_fields(r))) for c, r in rows.items()])

    # -- 5. card states --------------------------------------------------------------

    def _rebuild(self, card_ids: set[str], today: int) -> None:
        """Each card's schedule as SM-2 replayed over its whole log, in the
        order every device replays it: the same rules as on one device."""
        if not card_ids:
            return
        ids = sorted(card_ids)
        exists = {r["id"] for r in q.card_states(self.db, ids)}
        rows = []
        for cid, log in sq.card_logs(self.db, [c for c in ids if c in exists]).items():
            ordered = replay_order(log)
            schedule = fold_log(ordered, today)
            rows.append({"id": cid, **{f: getattr(schedule, f) for f in SM2_FIELDS},
                         "answers": answers_in_log(ordered), "queue": schedule.queue,
                         "redrill_seq": schedule.redrill_seq})
        q.set_sm2_fields(self.db, rows)
