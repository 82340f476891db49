"""Writing the review log: time-ordered unique ids, and the entries every
manager appends (answers, resets, undos). The log is append-only; a card's
cached schedule is SM-2 replayed over it (see ``flashdesk.study.fold_log``)."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Iterable, Mapping, Sequence

from ..model import CardSchedule, LogKind
from ..store import queries as q
from ..store import sync as sync_q

__all__ = ["Journal", "log_id", "ms", "entry_ms"]

#: the latest time a UUIDv7 can carry (48 bits of milliseconds)
MAX_MS = (1 << 48) - 1


def _uuid7(ts_ms: int) -> int:
    value = (ts_ms & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)          # version 7
    return (value & ~(0x3 << 62)) | (0x2 << 62)           # RFC 4122 variant


def log_id(ts_ms: int) -> str:
    """A time-ordered UUID (version 7 layout, RFC 9562) for ``ts_ms``
    (milliseconds since the Unix epoch, UTC): unique across devices, and new
    entries append to the end of the log's index."""
    return _uuid_text(_uuid7(ts_ms))


def _uuid_text(value: int) -> str:
    """A 128-bit number as ``str(uuid.UUID(int=value))`` writes it, without the object."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def entry_ms(entry_id: str) -> int:
    """The time a log entry's id carries (milliseconds since the Unix epoch):
    the first 48 bits of a UUIDv7. Raises ``ValueError`` for another id."""
    return int(entry_id[:8] + entry_id[9:13], 16)


def ms(now: datetime) -> int:
    """``now`` as milliseconds since the Unix epoch (UTC)."""
    return int(now.timestamp() * 1000)


class Journal:
    """Appends to the review log of one connection and remembers the last
    sequence number (which orders same-day re-drills). Callers hold the
    collection's lock and an open transaction."""

    def __init__(self, db):
        self._db = db
        self.seq: int = q.last_seq(db)
        #: the time of the latest entry in the log (ms), which the next one follows
        self._latest_ms = self._read_latest_ms()

    def _read_latest_ms(self) -> int:
        # ids that are not time-ordered (no UUID) have nothing to follow
        return q.latest_entry_ms(self._db)

    def reload(self) -> None:
        """Another process may have appended (or a merge): read the last
        number and the latest time again."""
        self.seq = q.last_seq(self._db)
        self._latest_ms = self._read_latest_ms()

    def append(self, card_id: str, kind: LogKind, ts_ms: int, day: int, *,
               quality: int | None = None, was_new: bool = False, time_ms: int = 0,
               before: CardSchedule | None = None, after: CardSchedule | None = None,
               undoes: str | None = None, card_row: dict | None = None) -> str:
        """Append one entry; returns its id. ``time_ms``: milliseconds the
        learner took; ``before``/``after``: the card's schedule around it;
        ``card_row``: the card as ``queries.answer_card`` read it in this
        transaction (saves reading it again).

        The entry's time is ``ts_ms``, or just after the latest entry in the
        log when that is later (a clock set back, or an entry merged from a
        device whose clock runs fast): times in the log only ever increase,
        and an entry follows everything merged before it, so replaying the
        log in time order (``flashdesk.study.replay_order``) replays it as it
        was written, on this device and on every other. The latest time is
        kept in memory; should another process have appended meanwhile (the
        sequence number jumps), the new entry is moved after its entries
        before the transaction commits."""
        ts_ms = min(MAX_MS, max(ts_ms, self._latest_ms + 1))
        value = _uuid7(ts_ms)
        entry_id = _uuid_text(value)
        # as the log stores it: its last 10 bytes (the first 6 are ts_ms)
        stored = (value & ((1 << 80) - 1)).to_bytes(10, "big") if 0 <= ts_ms < 1 << 48 else None
        expected = self.seq + 1
        self.seq = q.insert_log(self._db, {
            "id": entry_id, "uid": stored, "card_id": card_id, "ts": ts_ms, "day": day,
            "kind": kind.value,
            "quality": quality, "was_new": int(was_new), "time_ms": max(0, int(time_ms)),
            "before": before, "after": after, "undoes": undoes}, card_row)
        if self.seq != expected:  # someone else wrote to the log since we last looked
            others = sync_q.latest_entry_id(self._db, below_seq=self.seq)
            if others is not None and others > entry_id:
                try:
                    ts_ms = min(MAX_MS, max(ts_ms, entry_ms(others) + 1))
                except ValueError:
                    pass
                entry_id = log_id(ts_ms)
                sync_q.move_entry(self._db, self.seq, entry_id, ts_ms)
        self._latest_ms = max(self._latest_ms, ts_ms)
        return entry_id

    def resets(self, cards: Iterable[Mapping], ts_ms: int, day: int) -> list[str]:
        """Record that these cards (rows with an ``id`` and schedule fields)
        start again from new – reset, deleted or pruned – so a rebuild from
        the log agrees with the cards. Returns the entry ids."""
        return [self.append(row["id"], LogKind.RESET, ts_ms, day,
                            before=CardSchedule.from_dict(row), after=CardSchedule())
                for row in cards]

    def imported(self, card_id: str, before: CardSchedule, after: CardSchedule, answers: int,
                 ts_ms: int, day: int) -> str:
        """Record that a card took a schedule carried over from another
        program (Anki's progress): ``after`` is what a rebuild from the log
        puts the card in (its queue as if neither suspended nor buried, which
        the log does not record), ``answers`` the answers it brought.
        Returns the entry's id."""
        entry_id = log_id(ts_ms)
        self.seq = q.insert_log(self._db, {
            "id": entry_id, "card_id": card_id, "ts": ts_ms, "day": day,
            "kind": LogKind.IMPORTED.value, "quality": None, "was_new": int(before.type == 0),
            "time_ms": 0, "before": before, "after": {**after.to_dict(), "answers": answers},
            "undoes": None})
        return entry_id

    def undos(self, log_ids: Sequence[str], card_ids: Sequence[str], ts_ms: int,
              day: int) -> None:
        """Take back the entries ``log_ids`` (one per card in ``card_ids``)."""
        for entry, card in zip(log_ids, card_ids):
            self.append(card, LogKind.UNDO, ts_ms, day, undoes=entry)
