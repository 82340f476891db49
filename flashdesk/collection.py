"""The one service API both fronts call: open and close a collection, the deck
tree, today's cards, answers and undo, imports, settings and statistics.

Every method that changes data commits before it returns. ``now`` is always
passed in (a timezone-aware datetime); nothing below this module reads the clock.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .backup import backup_name, backups_dir, choose_kept, list_backups
from .cards import card_ords
from .formats import DeckFileError, ReadResult, read_any
from .formats.result import slug
from .model import (
    AnswerResult, BrowseQuery, BrowseRow, CardFilter, CardId, CheckReport, SortKey, CardView, DeckData, DeckId, DeckSummary, FlashdeskError, GradeMode,
    ImportReport, IntervalPreview, Kind, NoteId, note_texts, Queue, Stats, card_id as make_card_id, note_id as make_note_id,
    study_day,
)
from .paths import bundled_decks
from .scheduler.sm2 import SM2State
from .statistics import (
    MATURE_DAYS, Mastery, ProgressReport, Statistics, bucket_intervals, mastery_of,
    weekly_retention,
)
from .store import NotACollectionError, open_database, queries as q, transaction
from .store.database import memory_database
from .study import (
    LEECH_LAPSES, SM2_FIELDS, CardSchedule, DeckLimits, SessionQueue, answers_in_log,
    apply_answer, fold_log,
    parent_names, tree_allowance,
)

__all__ = ["Collection", "Progress", "Cancelled", "DeletedNotes"]

#: progress(done, total) → return False to cancel
Progress = Callable[[int, int], bool | None]
LEECH_TAG = "leech"
#: notes imported per step: memory stays flat, progress moves, Cancel is heard
IMPORT_CHUNK = 2000
FORECAST_DAYS = 14


class Cancelled(FlashdeskError):
    """A long operation was cancelled; nothing was changed."""


def _log_id(ts_ms: int) -> str:
    """A time-ordered UUID (version 7 layout): unique across devices, and new
    entries append to the end of the log's index."""
    value = (ts_ms & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)          # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)          # RFC 4122 variant
    return str(uuid.UUID(int=value))


def _tags_text(tags: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(t for t in tags if t))


_FIELDS_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def _fields_json(fields: dict) -> str:
    return _FIELDS_ENCODER.encode(fields)


def _checksum(kind: str, fields_json: str, tags: Sequence[str], source: str) -> str:
    blob = "\x1f".join([kind, fields_json, " ".join(tags), source])
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def _rename_media(deck: DeckData, renames: dict[str, str]) -> DeckData:
    def fix(value):
        if isinstance(value, str):
            for old, new in renames.items():
                value = value.replace(f'src="{old}"', f'src="{new}"')
        return value

    return replace(deck, notes=tuple(
        replace(n, fields={k: fix(v) for k, v in n.fields.items()}) for n in deck.notes))


def _ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


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


@dataclass
class _Session:
    deck_id: DeckId | None
    day: int
    queue: SessionQueue


@dataclass(frozen=True)
class _UndoStep:
    log_id: str
    card_id: CardId
    note_id: NoteId
    before: CardSchedule
    #: the answer tagged the note 'leech' (undo takes only that tag away)
    added_leech: bool
    queue_before: Queue


class Collection:
    """A learner's collection: one SQLite file (see ``open``)."""

    def __init__(self, db, path: Path | None, *, backups: bool = False):
        self.db = db
        self.path = path
        self._backups = backups and path is not None
        self._lock = threading.RLock()
        self._session: _Session | None = None
        self._undo: list[_UndoStep] = []
        self._rolled_day: int | None = None
        self._import_day = 0  # the study day of the import under way
        self._seq = q.last_seq(db)

    # -- opening ---------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, *, bundled: bool = True,
             backups: bool = True) -> "Collection":
        """Open the collection file at ``path``, creating it (and its folder) if
        needed. A new collection gets the bundled decks; bundled decks that
        changed since the last open are updated, keeping progress. With
        ``backups``, closing makes a backup when the last is a day old."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FlashdeskError(f"cannot create the profile folder {path.parent}: "
                                 f"{exc.strerror or exc}") from None
        try:
            db, _created = open_database(path)
        except NotACollectionError as exc:
            hint = ""
            if path.exists() and list_backups(path):
                hint = ("\nRestore the latest backup with `flashdesk restore` (the damaged "
                        "file is kept beside it).")
            raise type(exc)(f"{exc}{hint}") from None
        col = cls(db, path, backups=backups)
        if bundled:
            col.sync_bundled()
        return col

    @classmethod
    def in_memory(cls) -> "Collection":
        return cls(memory_database(), None)

    def close(self) -> None:
        with self._lock:
            if self._backups:
                try:
                    self.backup(datetime.now().astimezone(), only_if_older_than_hours=24)
                except (OSError, FlashdeskError):
                    pass  # a failed automatic backup must not stop the app closing
            self.db.close()

    # -- backups ---------------------------------------------------------------

    def backup(self, now: datetime, *, only_if_older_than_hours: float | None = None) -> Path | None:
        """Back the collection up into the profile's ``backups`` folder, then
        rotate (settings ``backup_keep``, default 10, and ``backup_weeks``, 8)."""
        if self.path is None:
            raise FlashdeskError("an in-memory collection has no backups")
        existing = list_backups(self.path)
        local = now.astimezone().replace(tzinfo=None)
        if only_if_older_than_hours is not None and existing and \
                (local - existing[0].taken).total_seconds() < only_if_older_than_hours * 3600:
            return None
        folder = backups_dir(self.path)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / backup_name(local)
        part = target.with_name(target.name + ".part")
        with self._lock:
            q.backup_to(self.db, str(part))
        os.replace(part, target)
        kept = choose_kept(list_backups(self.path), self.setting("backup_keep", 10),
                           self.setting("backup_weeks", 8))
        for b in list_backups(self.path):
            if b.path not in kept:
                b.path.unlink(missing_ok=True)
        return target

    def __enter__(self) -> "Collection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def media_dir(self) -> Path | None:
        return self.path.parent / "media" if self.path else None

    # -- settings --------------------------------------------------------------

    def setting(self, key: str, default=None):
        return q.get_config(self.db, key, default)

    def set_setting(self, key: str, value) -> None:
        with self._lock, transaction(self.db):
            q.set_config(self.db, key, value)

    @property
    def grade_mode(self) -> GradeMode:
        return GradeMode(self.setting("grade_mode", int(GradeMode.FOUR_BUTTONS)))

    def set_grade_mode(self, mode: GradeMode) -> None:
        self.set_setting("grade_mode", int(GradeMode(mode)))

    # -- decks -----------------------------------------------------------------

    def _decks(self) -> dict[str, dict]:
        return {d["id"]: d for d in q.list_decks(self.db)}

    def _subtree(self, deck_id: DeckId | None, decks: dict[str, dict]) -> list[str]:
        if deck_id is None:
            return list(decks)
        if deck_id not in decks:
            raise FlashdeskError(f"no deck with id '{deck_id}'")
        name = decks[deck_id]["name"]
        return [d for d, row in decks.items()
                if row["name"] == name or row["name"].startswith(name + "::")]

    def _limits(self, decks: dict[str, dict], today: int) -> dict[str, DeckLimits]:
        done = q.done_today(self.db, today)
        # what a deck has done today counts its whole subtree
        sums: dict[str, list[int]] = {d: [0, 0] for d in decks}
        by_name = {row["name"]: d for d, row in decks.items()}
        for deck_id, (new, rev) in done.items():
            if deck_id not in decks:
                continue
            for name in [*parent_names(decks[deck_id]["name"]), decks[deck_id]["name"]]:
                if name in by_name:
                    sums[by_name[name]][0] += new
                    sums[by_name[name]][1] += rev
        return {d: DeckLimits(row["name"], row["new_limit"], row["review_limit"], *sums[d])
                for d, row in decks.items()}

    def _roll_over(self, now: datetime) -> int:
        today = study_day(now)
        if self._rolled_day != today:
            with transaction(self.db):
                q.roll_over(self.db, today)
            self._rolled_day = today
            if self._session and self._session.day != today:
                self._session = None
                self._undo.clear()
        return today

    def deck_summaries(self, now: datetime) -> list[DeckSummary]:
        """Every deck in tree order with what it can show today."""
        with self._lock:
            today = self._roll_over(now)
            decks = self._decks()
            limits = self._limits(decks, today)
            new = tree_allowance(limits, q.count_new(self.db), "new")
            due = tree_allowance(limits, q.count_due(self.db, today), "review")
            learning, total = q.count_learning(self.db), q.count_total(self.db)
        rows = []
        for deck_id, row in decks.items():
            subtree = self._subtree(DeckId(deck_id), decks)
            rows.append(DeckSummary(
                id=DeckId(deck_id), name=row["name"], new=new.get(deck_id, 0),
                learning=sum(learning.get(d, 0) for d in subtree),
                due=due.get(deck_id, 0), total=sum(total.get(d, 0) for d in subtree),
                depth=row["name"].count("::"), new_limit=row["new_limit"],
                review_limit=row["review_limit"], description=row["description"]))
        return sorted(rows, key=lambda s: [p.casefold() for p in s.name.split("::")])

    def find_deck(self, text: str) -> DeckId:
        """A deck by id, or by full name (case-insensitive)."""
        with self._lock:
            if q.get_deck(self.db, text):
                return DeckId(text)
            row = q.deck_by_name(self.db, text)
        if row is None:
            raise FlashdeskError(f"no deck called '{text}' (see `flashdesk decks`)")
        return DeckId(row["id"])

    def set_deck_limits(self, deck_id: DeckId, *, new_limit: int | None = None,
                        review_limit: int | None = None) -> None:
        with self._lock:
            row = q.get_deck(self.db, deck_id)
            if row is None:
                raise FlashdeskError(f"no deck with id '{deck_id}'")
            new_limit = row["new_limit"] if new_limit is None else new_limit
            review_limit = row["review_limit"] if review_limit is None else review_limit
            if new_limit < 0 or review_limit < 0:
                raise FlashdeskError("daily limits cannot be negative")
            with transaction(self.db):
                q.set_deck_limits(self.db, deck_id, new_limit, review_limit)
            self._session = None

    # -- study -----------------------------------------------------------------

    def _build_session(self, deck_id: DeckId | None, today: int) -> _Session:
        decks = self._decks()
        subtree = self._subtree(deck_id, decks)
        limits = self._limits(decks, today)
        by_name = {row["name"]: d for d, row in decks.items()}
        root_names = set(parent_names(decks[deck_id]["name"])) if deck_id else set()

        def take(kind: str, fetch) -> list:
            left = {d: (lim.new_left if kind == "new" else lim.review_left)
                    for d, lim in limits.items()}
            picked: list = []
            for d in sorted(subtree, key=lambda d: decks[d]["name"].casefold()):
                # ancestors above the studied deck do not cap it
                chain = [by_name[n] for n in parent_names(decks[d]["name"])
                         if n in by_name and n not in root_names] + [d]
                room = min(left[c] for c in chain)
                if room <= 0:
                    continue
                got = fetch(d, room)
                for c in chain:
                    left[c] -= len(got)
                picked.extend(got)
            return picked

        reviews = take("review", lambda d, n: q.due_card_ids(self.db, d, today, n))
        reviews.sort()
        new = take("new", lambda d, n: q.new_card_ids(self.db, d, n))
        learning = q.learning_card_ids(self.db, subtree)
        return _Session(deck_id, today, SessionQueue(
            [cid for _, cid in reviews], new, learning))

    def _session_for(self, deck_id: DeckId | None, today: int) -> _Session:
        s = self._session
        if s is None or s.deck_id != deck_id or s.day != today:
            self._session = s = self._build_session(deck_id, today)
        return s

    def next_card(self, deck_id: DeckId | None, now: datetime) -> CardView | None:
        """The card to show next when studying ``deck_id`` (None: every deck)."""
        with self._lock:
            today = self._roll_over(now)
            session = self._session_for(deck_id, today)
            while (cid := session.queue.peek(self._seq)) is not None:
                row = q.get_card(self.db, cid)
                if row is not None and row["queue"] >= 0 and (
                        row["queue"] != Queue.REVIEW or (row["due"] or 0) <= today):
                    return self._view(row, today)
                session.queue.discard(cid)  # suspended, buried or deleted meanwhile
            return None

    def session_counts(self, deck_id: DeckId | None, now: datetime) -> tuple[int, int, int]:
        """(new, learning, review) left in the session on ``deck_id``."""
        with self._lock:
            return self._session_for(deck_id, self._roll_over(now)).queue.counts()

    def end_session(self) -> None:
        with self._lock:
            self._session = None

    def _view(self, row: dict, today: int) -> CardView:
        return CardView(
            id=CardId(row["id"]), note_id=NoteId(row["note_id"]), deck_id=DeckId(row["deck_id"]),
            deck_name=row["deck_name"], kind=Kind(row["kind"]), ord=row["ord"],
            fields=json.loads(row["fields"]), tags=tuple(row["tags"].split()),
            source=row["source"], queue=Queue(row["queue"]),
            state=SM2State(row["reps"], row["ease"] / 100, row["interval"]),
            due_day=row["due"], lapses=row["lapses"],
            redrill=row["type"] != 0 and row["last_day"] == today)

    def card(self, card_id: CardId, now: datetime) -> CardView:
        with self._lock:
            row = q.get_card(self.db, card_id)
        if row is None:
            raise FlashdeskError(f"no card with id '{card_id}'")
        return self._view(row, study_day(now))

    def preview(self, card_id: CardId, now: datetime) -> dict[int, IntervalPreview]:
        """quality (0–5) → what answering with it would do to the card."""
        with self._lock:
            row = q.get_card(self.db, card_id)
        if row is None:
            raise FlashdeskError(f"no card with id '{card_id}'")
        today = study_day(now)
        sched = CardSchedule.from_dict(row)
        result = {}
        for quality in range(6):
            outcome = apply_answer(sched, quality, today, 0)
            result[quality] = IntervalPreview((outcome.after.due or today) - today,
                                              outcome.again_today)
        return result

    def answer(self, card_id: CardId, quality: int, now: datetime, *,
               time_ms: int = 0) -> AnswerResult:
        """Record an answer of SM-2 ``quality`` (0–5); committed before returning."""
        with self._lock:
            today = self._roll_over(now)
            row = q.get_card(self.db, card_id)
            if row is None:
                raise FlashdeskError(f"no card with id '{card_id}'")
            if row["queue"] < 0:
                raise FlashdeskError("this card is suspended or buried")
            before = CardSchedule.from_dict(row)
            outcome = apply_answer(before, quality, today, self._seq + 1)
            after = outcome.after
            tags = row["tags"]
            leech = outcome.lapse and after.lapses >= LEECH_LAPSES and \
                LEECH_TAG not in tags.split()
            entry = {
                "id": _log_id(_ms(now)), "card_id": card_id, "ts": _ms(now), "day": today,
                "kind": "redrill" if outcome.redrill else "review", "quality": quality,
                "was_new": int(outcome.was_new), "time_ms": max(0, int(time_ms)),
                "before": json.dumps(before.to_dict()), "after": json.dumps(after.to_dict()),
                "undoes": None,
            }
            with transaction(self.db):
                q.set_schedule(self.db, card_id, after.to_dict())
                q.count_answer(self.db, card_id, 1)
                seq = q.insert_log(self.db, entry)
                if leech:
                    q.set_note_tags(self.db, row["note_id"], _tags_text([*tags.split(), LEECH_TAG]))
            self._seq = seq
            self._undo.append(_UndoStep(entry["id"], card_id, NoteId(row["note_id"]), before,
                                        leech, Queue(row["queue"])))
            if self._session:
                self._session.queue.answered(
                    card_id, after.redrill_seq if outcome.again_today else None)
            return AnswerResult(
                card_id=card_id, quality=quality, log_id=entry["id"], before=before.sm2,
                after=after.sm2, again_today=outcome.again_today, redrill=outcome.redrill,
                due_day=after.due, leech=leech)

    def undo(self, now: datetime) -> CardId | None:
        """Take back the last answer: the card's exact previous state returns, an
        'undo' entry is appended to the log, and the card is shown next."""
        with self._lock:
            if not self._undo:
                return None
            step = self._undo.pop()
            row = q.get_card(self.db, step.card_id)
            entry = {
                "id": _log_id(_ms(now)), "card_id": step.card_id, "ts": _ms(now),
                "day": study_day(now), "kind": "undo", "quality": None, "was_new": 0,
                "time_ms": 0, "before": json.dumps(CardSchedule.from_dict(row).to_dict())
                if row else None, "after": json.dumps(step.before.to_dict()),
                "undoes": step.log_id,
            }
            with transaction(self.db):
                q.set_schedule(self.db, step.card_id, step.before.to_dict())
                q.count_answer(self.db, step.card_id, -1)
                note = q.get_note(self.db, step.note_id) if step.added_leech else None
                if note is not None:  # other tag changes since the answer stay as they are
                    q.set_note_tags(self.db, step.note_id, _tags_text(
                        t for t in note["tags"].split() if t != LEECH_TAG))
                self._seq = q.insert_log(self.db, entry)
            if self._session:
                self._session.queue.put_back(step.card_id, step.queue_before)
            return step.card_id

    def _set_queue(self, card_ids: Sequence[CardId], queue: Queue, now: datetime) -> None:
        with self._lock:
            today = self._roll_over(now)
            with transaction(self.db):
                if queue == Queue.SUSPENDED or queue == Queue.BURIED:
                    q.set_queue(self.db, card_ids, queue,
                                today if queue == Queue.BURIED else None)
                else:
                    q.unsuspend(self.db, card_ids, today)
            if self._session:
                for cid in card_ids:
                    self._session.queue.discard(cid)
            self._undo = [u for u in self._undo if u.card_id not in card_ids]

    def suspend(self, card_ids: Sequence[CardId], now: datetime) -> None:
        """Keep cards out of study until they are unsuspended."""
        self._set_queue(card_ids, Queue.SUSPENDED, now)

    def unsuspend(self, card_ids: Sequence[CardId], now: datetime) -> None:
        self._set_queue(card_ids, Queue.NEW, now)
        self._session = None

    def bury(self, card_ids: Sequence[CardId], now: datetime) -> None:
        """Hide cards until the next study day."""
        self._set_queue(card_ids, Queue.BURIED, now)

    # -- notes -----------------------------------------------------------------

    def note_fields(self, note_id: NoteId) -> tuple[Kind, dict]:
        with self._lock:
            row = q.get_note(self.db, note_id)
        if row is None:
            raise FlashdeskError(f"no note with id '{note_id}'")
        return Kind(row["kind"]), json.loads(row["fields"])

    def update_note(self, note_id: NoteId, fields: dict, now: datetime) -> None:
        """Change a note's text in place; its cards keep their progress. The
        fields must pass the deck file's rules for their kind."""
        from .formats.deckfile import check_note

        with self._lock:
            row = q.get_note(self.db, note_id)
            if row is None:
                raise FlashdeskError(f"no note with id '{note_id}'")
            kind = Kind(row["kind"])
            note, problems = check_note({"id": row["key"], "kind": kind.value, **fields})
            if problems or note is None:
                raise FlashdeskError("; ".join(problems) or "this note cannot be saved")
            clean = note.fields
            if card_ords(kind, clean) != card_ords(kind, json.loads(row["fields"])):
                raise FlashdeskError("this edit would add or remove cards; edit the deck file "
                                     "and import it instead")
            fields_json = _fields_json(clean)
            with transaction(self.db):
                q.update_note_fields(self.db, note_id, fields_json,
                                     _checksum(kind.value, fields_json, row["tags"].split(),
                                               row["source"]), _ms(now),
                                     *note_texts(kind, clean))

    # -- import ----------------------------------------------------------------

    def import_files(self, paths: Sequence[str | os.PathLike], *, deck_name: str | None = None,
                     prune: bool = False, progress: Progress | None = None) -> list[ImportReport]:
        """Import files of any supported format, all or nothing: every file is
        read and checked first, and if any is refused nothing is imported
        (``DeckFileError``). ``deck_name`` receives notes whose file names no
        deck; ``prune`` removes notes the file no longer has."""
        problems = []
        results: list[ReadResult] = []
        for path in paths:
            try:
                results.append(read_any(path, deck_name))
            except DeckFileError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DeckFileError(problems)
        return self._import_results(results, prune=prune, progress=progress)

    def import_decks(self, decks: Sequence[DeckData], *,
                     progress: Progress | None = None) -> list[ImportReport]:
        return self._import_results([ReadResult("toml", list(decks))], progress=progress)

    def _import_results(self, results: Sequence[ReadResult], *, prune: bool = False,
                        progress: Progress | None = None) -> list[ImportReport]:
        seen: dict[str, str] = {}
        for deck in (d for r in results for d in r.decks):
            if deck.id and deck.id in seen:
                raise FlashdeskError(f"{deck.path}: deck id '{deck.id}' is also used by {seen[deck.id]}")
            seen[deck.id] = deck.path
        total = sum(len(d.notes) for r in results for d in r.decks) or 1
        done = 0
        reports = []

        def tick(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None and progress(done, total) is False:
                raise Cancelled("import cancelled; nothing was changed")

        media: dict[str, bytes] = {}
        with self._lock:
            now_ms = int(time.time() * 1000)
            self._import_day = study_day(datetime.now().astimezone())
            with transaction(self.db), q.bulk_search_index(self.db, total):
                for result in results:
                    renames = self._plan_media(result.media, media)
                    first = len(reports)
                    for deck in result.decks:
                        if renames:
                            deck = _rename_media(deck, renames)
                        report = self._import_one(deck, now_ms, prune, tick)
                        report.format = result.format
                        reports.append(report)
                    if len(reports) > first:
                        reports[first].skipped = list(result.skipped)
                        reports[first].messages = list(result.messages)
                        reports[first].media = len(result.media)
            self._session = None
            self._write_media(media)
        return reports

    def _plan_media(self, incoming: dict[str, bytes], planned: dict[str, bytes]) -> dict[str, str]:
        """Choose a name in the media folder for each incoming file; a name
        already taken by different content gets a suffix. Returns renames."""
        renames = {}
        folder = self.media_dir
        for name, data in incoming.items():
            target = name
            digest = hashlib.sha1(data).hexdigest()[:8]
            existing = (folder / target) if folder else None
            taken = planned.get(target)
            if (taken is not None and taken != data) or (
                    taken is None and existing is not None and existing.exists()
                    and existing.read_bytes() != data):
                stem, dot, ext = name.rpartition(".")
                target = f"{stem}-{digest}.{ext}" if dot else f"{name}-{digest}"
                renames[name] = target
            planned[target] = data
        return renames

    def _write_media(self, media: dict[str, bytes]) -> None:
        folder = self.media_dir
        if folder is None or not media:
            return
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in media.items():
            target = folder / name
            if target.parent != folder:  # names are plain file names; never write elsewhere
                continue
            if target.exists() and target.read_bytes() == data:
                continue
            tmp = folder / f".{name}.part"
            tmp.write_bytes(data)
            os.replace(tmp, target)

    def _deck_id_for(self, deck: DeckData) -> str:
        """The deck's own id; for files that name decks only, the id of the
        deck with that name, or a new one made from the name."""
        if deck.id:
            return deck.id
        row = q.deck_by_name(self.db, deck.name)
        if row is not None:
            return row["id"]
        deck_id = slug(deck.name.replace("::", " "))
        base, n = deck_id, 1
        while q.get_deck(self.db, deck_id):
            n += 1
            deck_id = f"{base}-{n}"
        return deck_id

    def _ensure_deck(self, deck_id: str, name: str, description: str, version: str,
                     source: str, now_ms: int) -> None:
        for parent in parent_names(name):
            if q.deck_by_name(self.db, parent) is None:
                parent_id = slug(parent)
                while q.get_deck(self.db, parent_id):
                    parent_id += "-x"
                q.insert_deck(self.db, {"id": parent_id, "name": parent, "description": "",
                                        "version": "", "source_path": "", "now": now_ms})
        row = {"id": deck_id, "name": name, "description": description, "version": version,
               "source_path": source, "now": now_ms}
        other = q.deck_by_name(self.db, name)
        if other is not None and other["id"] != deck_id:
            raise FlashdeskError(f"{source}: deck name '{name}' is already used by deck "
                                 f"'{other['id']}'; give this deck another name")
        current = q.get_deck(self.db, deck_id)
        if current is None:
            q.insert_deck(self.db, row)
        elif description or version or current["name"] != name:
            # files without deck details (CSV, Anki) keep the details already there
            row["description"] = description or current["description"]
            row["version"] = version or current["version"]
            q.update_deck(self.db, row)

    def _import_one(self, deck: DeckData, now_ms: int, prune: bool = False,
                    tick: Callable[[int], None] = lambda n: None) -> ImportReport:
        """Import one deck in chunks, so memory stays flat and progress moves;
        ``tick(n)`` is told after each chunk (and may raise ``Cancelled``)."""
        deck = replace(deck, id=DeckId(self._deck_id_for(deck)))
        self._ensure_deck(deck.id, deck.name, deck.description, deck.version, deck.path, now_ms)
        report = ImportReport(deck.path, deck.id, deck.name, version=deck.version)
        existing = q.note_checksums(self.db, deck.id)
        in_file: set[str] = set()
        pos = q.next_new_pos(self.db)
        for start in range(0, len(deck.notes), IMPORT_CHUNK):
            chunk = deck.notes[start:start + IMPORT_CHUNK]
            pos = self._import_chunk(deck.id, chunk, existing, in_file, report, now_ms, pos)
            tick(len(chunk))
        report.missing = sorted(n for n in existing if n not in in_file)
        if prune and report.missing:
            self._log_resets(q.cards_of_notes(self.db, report.missing), now_ms,
                             self._import_day)
            q.delete_notes(self.db, report.missing)
            report.removed = len(report.missing)
        return report

    def _import_chunk(self, deck_id: str, notes, existing: dict[str, str], in_file: set[str],
                      report: ImportReport, now_ms: int, pos: int) -> int:
        new_notes, changed, cards_wanted = [], [], {}
        for note in notes:
            nid = make_note_id(deck_id, note.key)
            in_file.add(nid)
            fields = _fields_json(note.fields)
            checksum = _checksum(note.kind.value, fields, note.tags, note.source)
            old = existing.get(nid)
            if old == checksum:
                report.unchanged += 1
                continue
            sort_text, search_text = note_texts(note.kind, note.fields)
            row = {"id": nid, "deck_id": deck_id, "key": note.key, "kind": note.kind.value,
                   "fields": fields, "tags": _tags_text(note.tags), "source": note.source,
                   "now": now_ms, "checksum": checksum, "sort_text": sort_text,
                   "search_text": search_text}
            if old is None:
                new_notes.append(row)
                report.added += 1
            else:
                changed.append(row)
                report.updated += 1
            cards_wanted[nid] = card_ords(note.kind, note.fields)
        for row in changed:  # a leech tag the collection added survives the update
            current = q.get_note(self.db, row["id"])
            if current and LEECH_TAG in current["tags"].split():
                row["tags"] = _tags_text([*row["tags"].split(), LEECH_TAG])
        q.insert_notes(self.db, new_notes)
        q.update_notes(self.db, changed)
        have = q.card_ords(self.db, [r["id"] for r in changed])
        add, drop = [], []
        for nid, ords in cards_wanted.items():
            present = have.get(nid, set())
            for o in ords:
                if o not in present:
                    add.append((make_card_id(nid, o), nid, deck_id, o, pos))
                    pos += 1
            drop.extend(make_card_id(nid, o) for o in present - set(ords))
        q.insert_cards(self.db, add)
        if drop:  # a cloze or reverse card the note no longer has
            self._log_resets([q.get_card(self.db, c) for c in drop], now_ms, self._import_day)
            q.delete_cards(self.db, drop)
        return pos

    def sync_bundled(self) -> list[ImportReport]:
        """Import the decks that ship with flashdesk when they are new or changed."""
        paths = bundled_decks()
        digest = hashlib.sha1(b"".join(p.read_bytes() for p in paths)).hexdigest()
        if not paths or self.setting("bundled_digest") == digest:
            return []
        reports = self.import_files(paths)
        self.set_setting("bundled_digest", digest)
        return reports

    # -- browsing --------------------------------------------------------------

    def browse(self, query: BrowseQuery, now: datetime) -> list[CardId]:
        """The ids of the cards matching ``query``, in its order."""
        with self._lock:
            deck_ids = None if query.deck_id is None else self._subtree(query.deck_id, self._decks())
            return [CardId(c) for c in q.browse_ids(
                self.db, text=query.text, deck_ids=deck_ids, tag=query.tag,
                state=CardFilter(query.state).value, today=study_day(now),
                sort=SortKey(query.sort).value, descending=query.descending)]

    def browse_rows(self, card_ids: Sequence[CardId]) -> list[BrowseRow]:
        """Display rows for ``card_ids`` (a visible page), in the same order."""
        rows: dict[str, dict] = {}
        with self._lock:
            for start in range(0, len(card_ids), 500):
                for r in q.browse_rows(self.db, card_ids[start:start + 500]):
                    rows[r["id"]] = r
        return [BrowseRow(
            id=CardId(r["id"]), note_id=NoteId(r["note_id"]), deck_name=r["deck_name"],
            front=r["sort_text"], kind=Kind(r["kind"]), ord=r["ord"], queue=Queue(r["queue"]),
            due_day=r["due"], interval=r["interval"], ease=r["ease"] / 100,
            answers=r["answers"], lapses=r["lapses"], tags=tuple(r["tags"].split()))
            for r in (rows.get(c) for c in card_ids) if r is not None]

    def tags(self) -> list[str]:
        with self._lock:
            return q.all_tags(self.db)

    def change_tags(self, note_ids: Sequence[NoteId], *, add: Sequence[str] = (),
                    remove: Sequence[str] = ()) -> None:
        bad = [t for t in add if not t or any(ch.isspace() or ch in ",;" for ch in t)]
        if bad:
            raise FlashdeskError(f"a tag is one word without spaces, commas or semicolons: {bad[0]!r}")
        with self._lock, transaction(self.db):
            for row in q.notes_rows(self.db, note_ids):
                tags = [t for t in row["tags"].split() if t not in remove] + list(add)
                q.set_note_tags(self.db, row["id"], _tags_text(tags))

    def move_cards(self, card_ids: Sequence[CardId], deck_id: DeckId) -> None:
        """Put cards in another deck (their notes keep their ids, so a later
        import of their deck file still finds them)."""
        with self._lock:
            if q.get_deck(self.db, deck_id) is None:
                raise FlashdeskError(f"no deck with id '{deck_id}'")
            with transaction(self.db):
                q.move_cards(self.db, card_ids, deck_id)
            self._session = None

    def reset_cards(self, card_ids: Sequence[CardId], now: datetime) -> None:
        """Make cards new again. Their history stays; a 'reset' entry in the
        log records the moment, so a rebuild from the log agrees."""
        with self._lock:
            rows = [r for r in (q.get_card(self.db, cid) for cid in card_ids) if r is not None]
            with transaction(self.db):
                self._log_resets(rows, _ms(now), study_day(now))
                q.reset_cards(self.db, [r["id"] for r in rows], q.next_new_pos(self.db))
            self._session = None
            self._undo = [u for u in self._undo if u.card_id not in card_ids]

    def _log_resets(self, cards: Sequence[dict], ts_ms: int, day: int) -> list[str]:
        """Record in the log that these cards start again from new (reset,
        deleted or pruned), so a rebuild from the log agrees with the cards."""
        ids = []
        for row in cards:
            entry = {"id": _log_id(ts_ms), "card_id": row["id"], "ts": ts_ms, "day": day,
                     "kind": "reset", "quality": None, "was_new": 0, "time_ms": 0,
                     "before": json.dumps(CardSchedule.from_dict(row).to_dict()),
                     "after": json.dumps(CardSchedule().to_dict()), "undoes": None}
            self._seq = q.insert_log(self.db, entry)
            ids.append(entry["id"])
        return ids

    def _log_undo(self, log_ids: Sequence[str], card_ids: Sequence[str], ts_ms: int,
                  day: int) -> None:
        for log_id, cid in zip(log_ids, card_ids):
            self._seq = q.insert_log(self.db, {
                "id": _log_id(ts_ms), "card_id": cid, "ts": ts_ms, "day": day, "kind": "undo",
                "quality": None, "was_new": 0, "time_ms": 0, "before": None, "after": None,
                "undoes": log_id})

    def delete_notes(self, note_ids: Sequence[NoteId], now: datetime | None = None) -> "DeletedNotes":
        """Delete notes and their cards (the log keeps their history, and
        records the deletion). Returns what ``undelete`` needs to put them back."""
        now = now or datetime.now().astimezone()
        with self._lock:
            notes = q.notes_rows(self.db, note_ids)
            cards = q.cards_of_notes(self.db, note_ids)
            with transaction(self.db):
                log_ids = self._log_resets(cards, _ms(now), study_day(now))
                q.delete_notes(self.db, [n["id"] for n in notes])
            self._session = None
            self._undo = [u for u in self._undo if u.note_id not in note_ids]
        return DeletedNotes(tuple(notes), tuple(cards), tuple(log_ids))

    def undelete(self, deleted: "DeletedNotes", now: datetime | None = None) -> None:
        """Put deleted notes back, with their cards' progress."""
        now = now or datetime.now().astimezone()
        with self._lock:
            taken = [n["id"] for n in deleted.notes if q.get_note(self.db, n["id"]) is not None]
            if taken:
                raise FlashdeskError(f"{len(taken)} of these notes exist again (imported since); "
                                     "they cannot be brought back")
            with transaction(self.db):
                q.restore_rows(self.db, "notes", list(deleted.notes))
                q.restore_rows(self.db, "cards", list(deleted.cards))
                self._log_undo(deleted.log_ids, [c["id"] for c in deleted.cards], _ms(now),
                               study_day(now))
        self._session = None

    # -- checking --------------------------------------------------------------

    def check(self, now: datetime, *, repair: bool = False) -> CheckReport:
        """Verify the file's integrity and that every card's cached schedule is
        SM-2 folded over its review log; with ``repair``, rewrite the cache
        from the log."""
        with self._lock:
            today = self._roll_over(now)
            integrity = tuple(q.integrity_check(self.db))
            cached = q.all_schedules(self.db)
            mismatches, fixes, entries = [], [], 0
            seen = set()
            for card_id, log in q.log_by_card(self.db):
                entries += len(log)
                if card_id not in cached:
                    continue  # a card since removed; its history stays
                seen.add(card_id)
                self._compare(cached[card_id], fold_log(log, today), answers_in_log(log),
                              mismatches, fixes)
            for card_id in cached.keys() - seen:
                self._compare(cached[card_id], CardSchedule(), 0, mismatches, fixes)
            if repair and fixes:
                with transaction(self.db):
                    q.set_sm2_fields(self.db, fixes)
                self._session = None
                self._undo.clear()
        return CheckReport(integrity, len(cached), entries, tuple(mismatches),
                           len(fixes) if repair else 0)

    @staticmethod
    def _compare(row: dict, rebuilt: CardSchedule, answers: int, mismatches: list,
                 fixes: list) -> None:
        expected = {**rebuilt.to_dict(), "answers": answers}
        fields = [f for f in (*SM2_FIELDS, "answers") if row[f] != expected[f]]
        live_queue = row["queue"] if row["queue"] >= 0 else None
        if live_queue is not None and live_queue != expected["queue"]:
            fields.append("queue")
        if fields:
            mismatches.append((row["id"], tuple(fields)))
            fixes.append({"id": row["id"], **{f: expected[f] for f in SM2_FIELDS},
                          "answers": answers, "queue": expected["queue"],
                          "redrill_seq": expected["redrill_seq"]})

    # -- export ----------------------------------------------------------------

    def export_data(self, deck_id: DeckId) -> list[DeckData]:
        """The deck and its sub-decks as plain data, ready for a writer."""
        from .model import NoteData

        with self._lock:
            decks = self._decks()
            subtree = self._subtree(deck_id, decks)
            notes = q.notes_in_decks(self.db, subtree)
        by_deck: dict[str, list[NoteData]] = {d: [] for d in subtree}
        for row in notes:
            by_deck[row["deck_id"]].append(NoteData(
                key=row["key"], kind=Kind(row["kind"]), fields=json.loads(row["fields"]),
                tags=tuple(t for t in row["tags"].split() if t != LEECH_TAG),
                source=row["source"]))
        return [DeckData(id=DeckId(d), name=decks[d]["name"], description=decks[d]["description"],
                         version=decks[d]["version"], notes=tuple(by_deck[d]))
                for d in sorted(subtree, key=lambda d: decks[d]["name"].casefold())]

    def export(self, deck_id: DeckId, fmt: str, path: str | os.PathLike) -> list[Path]:
        """Write ``deck_id`` with its sub-decks as 'toml', 'csv' or 'apkg'."""
        from .formats import export as writers

        data = self.export_data(deck_id)
        try:
            if fmt == "toml":
                return writers.write_toml(data, path)
            if fmt == "csv":
                return writers.write_csv(data, path)
            if fmt == "apkg":
                return writers.write_apkg(data, path, self.media_dir)
        except OSError as exc:
            raise FlashdeskError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise FlashdeskError(f"unknown export format '{fmt}' (use toml, csv or apkg)")

    def backup_to(self, path: str | os.PathLike) -> Path:
        """The whole profile – collection and media – as one zip file."""
        import tempfile
        import zipfile

        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / "collection.db"
                with self._lock:
                    q.backup_to(self.db, str(copy))
                part = path.with_name(path.name + ".part")
                with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
                    zf.write(copy, "collection.db")
                    if self.media_dir and self.media_dir.is_dir():
                        for f in sorted(self.media_dir.iterdir()):
                            if f.is_file() and not f.name.startswith("."):
                                zf.write(f, f"media/{f.name}")
                os.replace(part, path)
        except OSError as exc:
            raise FlashdeskError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path

    # -- statistics ------------------------------------------------------------

    def stats(self, now: datetime, deck_id: DeckId | None = None) -> Stats:
        with self._lock:
            today = self._roll_over(now)
            deck_ids = None if deck_id is None else self._subtree(deck_id, self._decks())
            by_queue = q.count_by_queue(self.db, deck_ids)
            passed, answered = q.retention(self.db, today - 29, today, deck_ids)
            due = q.due_by_day(self.db, today + FORECAST_DAYS, deck_ids)
            forecast = [0] * FORECAST_DAYS
            for day, count in due.items():
                forecast[max(0, day - today)] += count
            return Stats(
                new=by_queue.get(Queue.NEW, 0), learning=by_queue.get(Queue.LEARNING, 0),
                review=by_queue.get(Queue.REVIEW, 0), suspended=by_queue.get(Queue.SUSPENDED, 0),
                buried=by_queue.get(Queue.BURIED, 0), total=sum(by_queue.values()),
                reviews_today=q.answers_on(self.db, today, deck_ids),
                retention_30d=round(passed / answered, 4) if answered else None,
                forecast=tuple(forecast),
                leeches=q.count_tagged_notes_cards(self.db, LEECH_TAG, deck_ids))

    def statistics(self, now: datetime, deck_id: DeckId | None = None) -> Statistics:
        """Everything the statistics window charts, for one deck tree or all."""
        with self._lock:
            today = self._roll_over(now)
            decks = self._decks()
            deck_ids = None if deck_id is None else self._subtree(deck_id, decks)
            due = q.due_by_day(self.db, today + 30, deck_ids)
            per_day = q.answers_per_day(self.db, today - 89, today, deck_ids)
            retention = q.retention_per_day(self.db, today - 7 * 12 + 1, today, deck_ids)
            by_queue = q.count_by_queue(self.db, deck_ids)
            intervals = q.review_intervals(self.db, deck_ids)
            mastery = self._mastery(today, decks, deck_ids)
        forecast = [0] * 30
        for day, count in due.items():
            forecast[max(0, day - today)] += count
        names = {Queue.NEW: "new", Queue.LEARNING: "learning", Queue.REVIEW: "review",
                 Queue.SUSPENDED: "suspended", Queue.BURIED: "buried"}
        return Statistics(
            today=today, forecast=forecast,
            reviews_per_day=[(d, per_day.get(d, 0)) for d in range(today - 89, today + 1)],
            retention_by_week=weekly_retention(retention, today, 12),
            cards_by_state={names[k]: by_queue.get(k, 0) for k in names},
            intervals=bucket_intervals(intervals), mastery=mastery)

    def _mastery(self, today: int, decks: dict, deck_ids: Sequence[str] | None) -> list[Mastery]:
        """Mastery per deck (with its sub-decks) and per tag, weakest first."""
        wanted = set(decks if deck_ids is None else deck_ids)
        own = {row[0]: row[1:] for row in q.mastery_by_deck(self.db, MATURE_DAYS)}
        ret_deck = q.retention_by_deck(self.db, today - 29, today)
        result = []
        for d in wanted:
            if d not in own:
                continue  # a deck that only groups others: its sub-decks are listed
            sub = self._subtree(DeckId(d), decks)
            cards, studied, mastered, capped = (sum(own.get(s, (0, 0, 0, 0))[i] or 0 for s in sub)
                                                for i in range(4))
            if not cards:
                continue
            passed, answered = (sum(ret_deck.get(s, (0, 0))[i] or 0 for s in sub) for i in range(2))
            result.append(Mastery(decks[d]["name"], "deck", cards, studied, mastered,
                                  mastery_of(cards, capped),
                                  round(passed / answered, 4) if answered else None, answered))
        by_tag: dict[str, list[float]] = {}
        for tags, type_, interval in q.card_tags_and_intervals(self.db, deck_ids):
            for tag in tags.split():
                t = by_tag.setdefault(tag, [0, 0, 0, 0.0])
                t[0] += 1
                if type_ == 2:
                    t[1] += 1
                    t[2] += interval >= MATURE_DAYS
                    t[3] += min(interval, MATURE_DAYS)
        ret_tag: dict[str, list[int]] = {}
        for tags, passed, answered in q.retention_by_tag(self.db, today - 29, today, deck_ids):
            for tag in tags.split():
                r = ret_tag.setdefault(tag, [0, 0])
                r[0] += passed
                r[1] += answered
        for tag, (cards, studied, mastered, capped) in by_tag.items():
            passed, answered = ret_tag.get(tag, (0, 0))
            result.append(Mastery(tag, "tag", cards, studied, mastered, mastery_of(cards, capped),
                                  round(passed / answered, 4) if answered else None, answered))
        # weakest first among what has been studied; topics not started come last
        return sorted(result, key=lambda m: (m.studied == 0, m.mastery,
                                             1.0 if m.retention is None else m.retention,
                                             m.topic.casefold()))

    def progress_report(self, start: date, end: date, now: datetime) -> ProgressReport:
        """What was studied between two dates (inclusive), for a portfolio."""
        first, last = (start - date(1970, 1, 1)).days, (end - date(1970, 1, 1)).days
        if last < first:
            raise FlashdeskError("the report's end date is before its start date")
        with self._lock:
            today = self._roll_over(now)
            decks = self._decks()
            activity = q.activity_by_deck(self.db, first, last)
            days = q.study_days(self.db, first, last)
            mastery = self._mastery(today, decks, None)
        rows, totals = [], [0, 0, 0, 0, 0]
        for deck_id, answers, learned, passed, answered, ms in activity:
            values = [answers or 0, learned or 0, passed or 0, answered or 0, ms or 0]
            totals = [a + b for a, b in zip(totals, values)]
            rows.append({"deck": decks.get(deck_id, {}).get("name", deck_id), "reviews": values[0],
                         "cards_learned": values[1],
                         "retention": round(values[2] / values[3], 4) if values[3] else None})
        rows.sort(key=lambda r: r["deck"].casefold())
        return ProgressReport(
            learner=self.setting("learner_name", ""), start=start, end=end, decks=rows,
            cards_learned=totals[1], reviews=totals[0],
            retention=round(totals[2] / totals[3], 4) if totals[3] else None, study_days=days,
            minutes=totals[4] / 60000, mastery=mastery)

    def card_history(self, card_id: CardId) -> list[dict]:
        with self._lock:
            return q.card_log(self.db, card_id)
