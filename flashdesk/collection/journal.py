"""Writing the review log: time-ordered unique ids, and the entries every
manager appends (answers, resets, undos). The log is append-only; a card's
cached schedule is SM-2 replayed over it (see ``flashdesk.study.fold_log``)."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import Iterable, Mapping, Sequence

from ..model import CardSchedule, LogKind
from ..store import queries as q

__all__ = ["Journal", "log_id", "ms"]


def _uuid7(ts_ms: int) -> int:
    value = (ts_ms & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)          # version 7
    return (value & ~(0x3 << 62)) | (0x2 << 62)           # RFC 4122 variant


def log_id(ts_ms: int) -> str:
    """A time-ordered UUID (version 7 layout, RFC 9562) for ``ts_ms``
    (milliseconds since the Unix epoch, UTC): unique across devices, and new
    entries append to the end of the log's index."""
    return str(uuid.UUID(int=_uuid7(ts_ms)))


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

    def reload(self) -> None:
        """Another process may have appended: read the last number again."""
        self.seq = q.last_seq(self._db)

    def append(self, card_id: str, kind: LogKind, ts_ms: int, day: int, *,
               quality: int | None = None, was_new: bool = False, time_ms: int = 0,
               before: CardSchedule | None = None, after: CardSchedule | None = None,
               undoes: str | None = None, card_row: dict | None = None) -> str:
        """Append one entry; returns its id. ``ts_ms``: milliseconds since the
        epoch; ``day``: the study day; ``time_ms``: milliseconds the learner
        took; ``before``/``after``: the card's schedule around it;
        ``card_row``: the card as ``queries.answer_card`` read it in this
        transaction (saves reading it again)."""
        value = _uuid7(ts_ms)
        entry_id = str(uuid.UUID(int=value))
        # as the log stores it: its last 10 bytes (the first 6 are ts_ms)
        stored = (value & ((1 << 80) - 1)).to_bytes(10, "big") if 0 <= ts_ms < 1 << 48 else None
        self.seq = q.insert_log(self._db, {
            "id": entry_id, "uid": stored, "card_id": card_id, "ts": ts_ms, "day": day,
            "kind": kind.value,
            "quality": quality, "was_new": int(was_new), "time_ms": max(0, int(time_ms)),
            "before": before, "after": after, "undoes": undoes}, card_row)
        return entry_id

    def resets(self, cards: Iterable[Mapping], ts_ms: int, day: int) -> list[str]:
        """Record that these cards (rows with an ``id`` and schedule fields)
        start again from new – reset, deleted or pruned – so a rebuild from
        the log agrees with the cards. Returns the entry ids."""
        return [self.append(row["id"], LogKind.RESET, ts_ms, day,
                            before=CardSchedule.from_dict(row), after=CardSchedule())
                for row in cards]

    def undos(self, log_ids: Sequence[str], card_ids: Sequence[str], ts_ms: int,
              day: int) -> None:
        """Take back the entries ``log_ids`` (one per card in ``card_ids``)."""
        for entry, card in zip(log_ids, card_ids):
            self.append(card, LogKind.UNDO, ts_ms, day, undoes=entry)
