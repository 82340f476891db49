"""The import engine: decks read from files (``DeckData``) into the
collection, all or nothing, in chunks so memory stays flat.

Notes are matched by identity, whatever deck they are in (an Anki guid, a
spreadsheet's scoped id, a deck file's key: docs/import-export.md):
unchanged notes are skipped by checksum, changed ones updated in place
(their cards keep their progress), notes the file puts in another deck are
moved there with their cards, new ones added; notes of the files' decks
that no file of the import has are reported, and removed only when asked
(``plan_prune`` tells beforehand, read-only, which those would be).
A note stored before identities existed is found by its old id
(``DECK-ID/KEY``) and takes the identity its file now gives it.

With ``with_scheduling``, cards that are still new take the progress an
Anki package carries (``flashdesk.formats.anki.anki_schedule``), each with
one 'imported' entry in the review log.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, AbstractSet, Callable, Sequence

from ..cards import card_ords
from ..formats import ReadResult
from ..formats.anki import AnkiCard, AnkiProgress, anki_schedule
from ..model import (
    TYPE_NEW, CardSchedule, Changes, DeckData, DeckId, FileReport, FlashdeskError, ImportReport,
    ImportResult, PrunedNote, PrunePlan,
    Kind, Queue, card_id as make_card_id, note_id as make_note_id, note_texts, study_day,
)
from ..store import queries as q, transaction
from ..text import plural
from ..store.faults import fault_point
from .media import (
    MAX_NAME_BYTES, MediaStager, finish_pending_media, rename_media, safe_media_name,
)
from .marks import AUTHORED, BUNDLED, Marks
from .note_values import LEECH_TAG, checksum, fields_json, note_identity, tags_text

if TYPE_CHECKING:
    from . import Collection

__all__ = ["Importer", "Cancelled", "Progress", "IMPORT_CHUNK", "finish_pending_media",
           "safe_media_name", "MAX_NAME_BYTES"]


#: progress(done, total) → return False to cancel
Progress = Callable[[int, int], "bool | None"]
#: notes imported per step: memory stays flat, progress moves, Cancel is heard
IMPORT_CHUNK = 2000


#: each kind's text as stored (``Kind.value`` without the enum's attribute look-up)
_KIND_VALUES = {kind: kind.value for kind in Kind}


class Cancelled(FlashdeskError):
    """A long operation was cancelled; nothing was changed."""



class Importer:
    """One import into ``col``, inside one transaction."""

    def __init__(self, col: "Collection"):
        self._col = col
        self._db = col.db
        self._day = 0
        #: note identity → note id, for every note this import matched or added
        self._ids: dict[str, str] = {}
        #: the media of this import (names shortened for the file system included)
        self._media = MediaStager(col)
        #: the row ids the next new note and card get, and whether no card was ever deleted
        self._next_nid = self._next_cid = 1
        self._fresh = True
        #: the new-card position the next new card gets
        self._pos = 1
        #: tags (as read) → as stored
        self._tag_texts: dict[tuple[str, ...], str] = {}

    def run(self, results: Sequence[ReadResult], *, prune: bool | AbstractSet[str] = False,
            progress: Progress | None = None, with_scheduling: bool = False,
            now: datetime | None = None) -> ImportResult:
        """Import every deck of ``results``, media included, all or nothing:
        media are written under temporary names before the commit, which
        records them, and renamed after it (a crash in between is finished on
        the next open: ``finish_pending_media``). Media names too long for a
        file system are shortened first and the notes' references rewritten.
        With ``with_scheduling``, cards still new take the progress the file
        carries (Anki packages). Raises ``Cancelled`` when ``progress``
        returns False (nothing changed), ``StorageError`` when the disk
        refuses (nothing changed) and ``FlashdeskError`` for decks that
        clash. ``prune``: False (keep notes no file has), True (remove them
        all) or the ids of those the learner agreed to remove (only those
        go; any other stays, missing). ``now`` (aware; default: the clock) dates the new notes and
        log entries and gives the study day progress is carried over to."""
        seen: dict[str, str] = {}
        for deck in (d for r in results for d in r.decks):
            if deck.id and deck.id in seen:
                raise FlashdeskError(f"{deck.path}: deck id '{deck.id}' is also used by {seen[deck.id]}")
            seen[deck.id] = deck.path
        total = sum(len(d.notes) + len(d.unchanged) for r in results for d in r.decks) or 1
        done = 0
        reports: list[ImportReport] = []
        files: list[FileReport] = []

        def tick(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None and progress(done, total) is False:
                raise Cancelled("import cancelled; nothing was changed")

        media: dict[str, bytes] = {}
        staged: dict[str, str] = {}
        col = self._col
        with col._lock:
            local = now if now is not None else datetime.now().astimezone()
            now_ms = int(local.timestamp() * 1000)
            self._day = col.today(local)
            try:
                to_read = sum(len(d.notes) for r in results for d in r.decks)  # not rows skipped
                with transaction(self._db), q.bulk_import(self._db, to_read):
                    self._next_nid, self._next_cid, self._fresh = q.next_rowids(self._db)
                    self._pos = q.next_new_pos(self._db)
                    # the notes of every file of this import: a deck two files feed
                    # misses only what neither has
                    in_files: set[str] = set()
                    for result in results:
                        renames = self._media.plan(result.media, media)
                        first = len(reports)
                        skipped, sanitised, rest, rest_sanitised = result.by_deck()
                        for deck in result.decks:
                            if renames:
                                deck = rename_media(deck, renames)
                            report = self._import_one(deck, now_ms, tick, in_files)
                            report.format = result.format
                            # each deck's own skipped rows and sanitised cells
                            report.skipped = skipped.get(deck.name, [])
                            report.sanitised = sanitised.get(deck.name, 0)
                            reports.append(report)
                        if rest or rest_sanitised:  # rows of no one deck: the file's
                            files.append(FileReport(result.decks[0].path if result.decks
                                                    else "", result.format, rest,
                                                    rest_sanitised))
                        if len(reports) > first:
                            head = reports[first]
                            head.messages = list(result.messages) + [
                                f"{result.decks[0].path}: media name too long for a file "
                                f"system ({len(old.encode('utf-8'))} bytes): shortened to {new}"
                                for old, new in self._media.shortened]
                            self._media.shortened = []
                            head.media = len(result.media)
                            if result.progress:
                                self._progress(result, head, with_scheduling, local, now_ms)
                    decks: set[str] = set()
                    for report in reports:  # each deck once, after every file
                        if report.deck_id not in decks:
                            decks.add(report.deck_id)
                            self._missing(report, in_files, prune, now_ms)
                    staged = self._media.stage(media)
            except BaseException:
                self._media.discard(staged)
                raise
            fault_point("import:committed")
            col.study.invalidate()
            self._media.install(staged)
        changed = any(r.added or r.updated or r.removed or r.moved or r.progress
                      for r in reports)
        return ImportResult(reports, Changes(notes=True, cards=True, note_text=True, decks=True,
                                             tags=True, study_queues=True) if changed
                            else Changes(decks=True), files)


    def _import_one(self, deck: DeckData, now_ms: int, tick: Callable[[int], None],
                    in_file: set[str]) -> ImportReport:
        """Import one deck in chunks, so memory stays flat and progress moves;
        ``tick(n)`` is told after each chunk (and may raise ``Cancelled``).
        The ids of the notes the deck holds are added to ``in_file``."""
        decks = self._col.decks
        deck = replace(deck, id=DeckId(decks.id_for(deck.id, deck.name)))
        decks.ensure(deck.id, deck.name, deck.description, deck.version, deck.path, now_ms)
        report = ImportReport(deck.path, deck.id, deck.name, version=deck.version)
        if deck.unchanged:  # rows the reader knew: the notes they made are as they were
            known = self._known(deck)
            self._ids.update(known)
            in_file.update(known.values())
            report.unchanged += len(deck.unchanged)
            tick(len(deck.unchanged))
        did = q.deck_rowids(self._db, [deck.id])[deck.id]
        for start in range(0, len(deck.notes), IMPORT_CHUNK):
            chunk = deck.notes[start:start + IMPORT_CHUNK]
            self._pos = self._import_chunk(deck.id, did, chunk, in_file, report, now_ms, self._pos)
            tick(len(chunk))
        return report

    def _known(self, deck: DeckData) -> dict[str, str]:
        """identity → note id of the notes that the rows the reader knew
        (``deck.unchanged``; ``deck.id`` is the deck's id in the collection)
        made, as they were. Raises ``FlashdeskError`` when one is gone."""
        here = q.identities_in_deck(self._db, deck.id)
        known = {}
        for identity in deck.unchanged:
            nid = here.get(identity)
            if nid is None:
                raise FlashdeskError(f"{deck.path}: the collection changed while the file "
                                     "was read; import it again")
            known[identity] = nid
        return known

    def plan_prune(self, results: Sequence[ReadResult]) -> PrunePlan:
        """What ``run(results, prune=True)`` would remove, found without
        writing anything: the files' notes are matched as the import matches
        them (``_known``, ``_match``: a note stored before identities is
        found by its old id, but does not take its identity here) and each
        deck's missing notes found by the import's own rule
        (``_missing_ids``). Notes with progress come first. Raises
        ``FlashdeskError`` as ``run`` does when rows the reader knew are gone."""
        col = self._col
        notes: list[PrunedNote] = []
        with col._lock:
            in_files: set[str] = set()
            decks: dict[str, None] = {}
            for deck in (d for r in results for d in r.decks):
                deck = replace(deck, id=DeckId(col.decks.id_for(deck.id, deck.name)))
                decks[deck.id] = None
                if deck.unchanged:
                    known = self._known(deck)
                    self._ids.update(known)
                    in_files.update(known.values())
                for start in range(0, len(deck.notes), IMPORT_CHUNK):
                    chunk = deck.notes[start:start + IMPORT_CHUNK]
                    found, _adopted = self._match(deck.id, chunk,
                                                  [note_identity(deck.id, n) for n in chunk])
                    for identity, row in found.items():
                        self._ids[identity] = row["id"]
                        in_files.add(row["id"])
            for deck_id in decks:
                missing = self._missing_ids(deck_id, in_files)
                if missing:
                    notes += self._pruned(deck_id, missing, q.cards_of_notes(self._db, missing))
        return PrunePlan(tuple(sorted(notes, key=lambda n: n.studied == 0)))

    def _missing_ids(self, deck_id: str, in_files: set[str]) -> list[str]:
        """The notes of this deck that no file of the import has (anywhere: a
        note a file moved to another deck is not missing), sorted – of those
        a file could have brought: never a note the learner wrote in
        flashdesk (``AUTHORED``), nor one of a bundled deck (``BUNDLED``; the
        bundled decks' own update keeps those), which no file of the
        learner's ever had. What ``prune`` removes is drawn from these."""
        marks = Marks(self._db)
        if deck_id in marks.get(BUNDLED):
            return []
        authored = marks.get(AUTHORED)
        return sorted(n for n in q.note_ids_in_deck(self._db, deck_id)
                      if n not in in_files and n not in authored)

    def _pruned(self, deck_id: str, note_ids: list[str], cards: list[dict]) -> list[PrunedNote]:
        """The notes ``note_ids`` of ``deck_id`` as pruning would remove them
        (``cards``: their cards' rows): each with its front and how many of
        its cards have progress, those with progress first."""
        counts: dict[str, list[int]] = {n: [0, 0] for n in note_ids}
        for card in cards:
            count = counts.setdefault(card["note_id"], [0, 0])
            count[0] += 1
            count[1] += card["type"] != TYPE_NEW
        fronts = {r["id"]: r["sort_text"] for r in q.notes_rows(self._db, note_ids)}
        pruned = [PrunedNote(n, deck_id, fronts.get(n) or n, *counts[n]) for n in note_ids]
        return sorted(pruned, key=lambda n: n.studied == 0)

    def _missing(self, report: ImportReport, in_files: set[str],
                 prune: bool | AbstractSet[str], now_ms: int) -> None:
        """After every file: the notes of this deck that no file of the import
        has; those ``prune`` covers (all when True, else the ids in it) are
        removed and named in ``removed_notes``, the rest kept in ``missing``."""
        missing = self._missing_ids(report.deck_id, in_files)
        gone = missing if prune is True else [n for n in missing if n in prune] \
            if prune else []
        report.missing = [n for n in missing if n not in set(gone)]
        if report.missing:  # kept: named by their fronts in the report
            report.missing_fronts = {r["id"]: r["sort_text"]
                                     for r in q.notes_rows(self._db, report.missing)}
        if gone:
            cards = q.cards_of_notes(self._db, gone)
            report.removed_notes = self._pruned(report.deck_id, gone, cards)
            self._col.journal.resets(cards, now_ms, self._day)
            self._col.undo.forget_cards([c["id"] for c in cards])
            q.delete_notes(self._db, gone)
            report.removed = len(gone)
            self._fresh = False  # their cards' ids stay known

    def _match(self, deck_id: str, notes, identities: list[str]
               ) -> tuple[dict[str, dict], list[tuple[str, str]]]:
        """identity → the stored note (id, identity, deck_id, checksum) for
        each note of ``notes`` (whose identities are ``identities``, in
        order) already in the collection: by identity, else (a note stored
        before identities) by its old id ``DECK-ID/KEY``, when that note has
        never taken another identity; and (new identity, note id) of those
        notes, which the import gives their new identity. Reads only."""
        found = q.notes_by_identity(self._db, identities)
        legacy: dict[str, str] = {
            make_note_id(deck_id, n.key): identity for identity, n in zip(identities, notes)
            if identity not in found}
        adopted = []
        for old_id, row in q.notes_by_id(self._db, list(legacy)).items():
            identity = legacy[old_id]
            if row["identity"] == row["id"] and row["id"] not in self._ids.values():
                adopted.append((identity, row["id"]))
                found[identity] = {**row, "identity": identity}
        return found, adopted

    def _new_id(self, identity: str, taken: set[str]) -> str:
        """The id of a new note: its identity, unless that id is in ``taken``
        (held by a note that has since taken another identity, or given in
        this chunk already): then the identity with ``~2``, ``~3`` …"""
        candidate, n = identity, 1
        while candidate in taken or (n > 1 and q.notes_by_id(self._db, [candidate])):
            n += 1
            candidate = f"{identity}~{n}"
        return candidate

    def _import_chunk(self, deck_id: str, did: int, notes, in_file: set[str],
                      report: ImportReport, now_ms: int, pos: int) -> int:
        db = self._db
        new_notes: list[tuple] = []
        changed: list[dict] = []
        origins: list[tuple[int, str]] = []
        cards_wanted: dict[str, tuple[int, list[int]]] = {}  # note id → (nid or 0, ords)
        moves: list[tuple[str, str, str]] = []
        identities = [note_identity(deck_id, n) for n in notes]
        found, adopted = self._match(deck_id, notes, identities)
        q.set_note_identities(db, adopted)
        taken: set[str] = set(q.notes_by_id(db, [i for i in identities if i not in found]))
        ids, next_nid, tag_texts = self._ids, self._next_nid, self._tag_texts
        for note, identity in zip(notes, identities):
            stored = found.get(identity)
            kind = _KIND_VALUES[note.kind]
            fields = fields_json(note.fields)
            digest = checksum(kind, fields, note.tags, note.source)
            if stored is None:
                nid = self._new_id(identity, taken) if identity in taken else identity
                taken.add(nid)
            else:
                nid = stored["id"]
                if stored["deck_id"] != deck_id:
                    moves.append((deck_id, nid, stored["deck_id"]))
                    report.moved += 1
                if stored["checksum"] == digest:
                    ids[identity] = nid
                    in_file.add(nid)
                    report.unchanged += 1
                    if note.origin is not None:
                        origins.append((note.origin, nid))
                    continue
            ids[identity] = nid
            in_file.add(nid)
            sort_text, search_text = note_texts(note.kind, note.fields)
            tags = tag_texts.get(note.tags)
            if tags is None:  # most notes of a file share a few sets of tags
                tags = tag_texts[note.tags] = tags_text(note.tags)
            if stored is None:
                rowid = next_nid
                next_nid += 1
                new_notes.append((rowid, nid, identity, did, note.key, kind, fields, tags,
                                  note.source, digest, now_ms, sort_text, search_text,
                                  note.origin))
            else:
                rowid = 0
                changed.append({"id": nid, "kind": kind, "fields": fields, "tags": tags,
                                "source": note.source, "now": now_ms, "checksum": digest,
                                "sort_text": sort_text, "search_text": search_text,
                                "origin": note.origin})
            cards_wanted[nid] = (rowid, card_ords(note.kind, note.fields))
        self._next_nid = next_nid
        report.added += len(new_notes)
        report.updated += len(changed)
        q.move_notes(db, moves)
        if changed:  # a leech tag the collection added survives the update
            leeches = q.tagged_notes(db, [r["id"] for r in changed], LEECH_TAG)
            for row in changed:
                if row["id"] in leeches:
                    row["tags"] = tags_text([*row["tags"].split(), LEECH_TAG])
        q.add_notes(db, new_notes)
        q.update_notes(db, changed)
        q.set_origins(db, origins)
        have = q.card_ords(db, [r["id"] for r in changed])
        fresh: list[tuple] = []
        add: list[tuple[str, str, str, int, int]] = []
        drop: list[str] = []
        known = {} if self._fresh else q.card_rowids(
            db, [make_card_id(n, o) for n, (r, ords) in cards_wanted.items() if r for o in ords])
        for note_id, (rowid, ords) in cards_wanted.items():
            present = have.get(note_id, set())
            for o in ords:
                if o in present:
                    continue
                card = make_card_id(note_id, o)
                if rowid and card not in known:  # a new note's card: new row ids, no look-ups
                    fresh.append((self._next_cid, card, rowid, did, o, pos))
                    self._next_cid += 1
                else:
                    add.append((card, note_id, deck_id, o, pos))
                pos += 1
            if present:
                drop.extend(make_card_id(note_id, o) for o in present - set(ords))
        q.add_cards(db, fresh)
        q.insert_cards(db, add)
        if add:
            self._next_cid = q.next_rowids(db)[1]
        if drop:  # a cloze or reverse card the note no longer has
            rows = [r for r in (q.get_card(db, c) for c in drop) if r is not None]
            self._col.journal.resets(rows, now_ms, self._day)
            self._col.undo.forget_cards(drop)
            q.delete_cards(db, drop)
            self._fresh = False
        return pos

    def _progress(self, result: ReadResult, report: ImportReport, with_scheduling: bool,
                  local: datetime, now_ms: int) -> None:
        """The progress a file carries (Anki's scheduling): applied to cards
        that are still new when ``with_scheduling``, each with an 'imported'
        log entry; else only counted, for the message."""
        shown = report.path
        progress = result.progress
        studied = progress.studied() if isinstance(progress, AnkiProgress) else sum(
            1 for _, cards in progress.items() for state in cards.values()
            if isinstance(state, AnkiCard) and state.type in (1, 2, 3))
        if not with_scheduling:
            if studied:
                report.messages.append(
                    f"{shown}: Anki's scheduling is not imported: {plural(studied, 'card')} with Anki "
                    "progress start as new, and notes already in flashdesk keep their progress "
                    "(import with --with-scheduling, or tick the box in the import window, to "
                    "bring Anki's progress)")
            return
        tz = local.tzinfo
        created = result.created
        created_day = study_day(datetime.fromtimestamp(created, tz)) if created else self._day

        def day_of(seconds: int) -> int:
            try:
                return study_day(datetime.fromtimestamp(seconds, tz))
            except (OverflowError, OSError, ValueError):  # a time no calendar holds
                return self._day

        kept = 0
        notes = iter(result.progress.items())
        while chunk := list(itertools.islice(notes, IMPORT_CHUNK)):  # memory stays flat
            states = [(self._ids.get(identity), ord_, state)
                      for identity, cards in chunk for ord_, state in cards.items()]
            card_ids = [make_card_id(nid, o) for nid, o, _ in states if nid is not None]
            rows = {r["id"]: r for r in q.card_states(self._db, card_ids)}
            for nid, ord_, state in states:
                row = rows.get(make_card_id(nid, ord_)) if nid is not None else None
                if row is None or not isinstance(state, AnkiCard):
                    continue
                before = CardSchedule.from_dict(row)
                if before.type != TYPE_NEW or row["queue"] != Queue.NEW:
                    kept += state.type in (1, 2, 3)
                    continue
                schedule, has_progress, answers = anki_schedule(state, created_day, self._day,
                                                                day_of)
                if not has_progress and schedule.queue == Queue.NEW:
                    continue
                q.set_schedule(self._db, row["id"], schedule, answers if has_progress else 0)
                if has_progress:
                    logged = replace(schedule, queue=Queue.REVIEW, buried_day=None)
                    self._col.journal.imported(row["id"], before, logged, answers, now_ms,
                                               self._day)
                    report.progress += 1
        report.messages.append(
            f"{shown}: {plural(report.progress, 'card')} brought "
            f"{'their' if report.progress != 1 else 'its'} Anki progress"
            + (f"; {kept} kept the progress they already had in flashdesk" if kept else ""))
