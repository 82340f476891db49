"""The merge rules for decks, notes, cards and media: objects as fields,
each field a last-writer-wins register under a hybrid logical clock stamp,
where a value that loses to a *concurrent* edit is kept in history and
reported, never silently dropped. Pure functions over plain values.

An object is a map of fields (``deck_fields``, ``note_fields``, ``card_fields``):

- deck: ``name``, ``description``, ``new_limit``, ``review_limit``,
  ``bury_siblings``, ``exam_date``, ``alive``;
- note: ``deck``, ``kind``, ``key``, ``identity`` (what a deck file knows it
  by; set once), ``source``, ``alive``, one ``f:<name>``
  per field of the note (``None``: the field was removed) and one
  ``t:<tag>`` per tag (``True`` while the note has it), so that two devices
  adding different tags both keep theirs;
- card: ``deck`` (cards can move without their note);
- media: ``sha`` (the SHA-256 of the file of that name).

A record is one field's value at one stamp, with the stamp of the value it
replaced on its device (its *base*). The winner of a field is its record
with the greatest stamp; every other record stays in history. A record is
*lost* when its value differs from the winner's and no device ever edited
on top of that value (no record names it, or a record with the same value,
as its base): two devices edited the field without seeing each other's edit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .hlc import Stamp

__all__ = ["Record", "canon", "deck_fields", "note_fields", "card_fields", "digest",
           "local_edits", "lost_records", "deck_names", "field_label"]


def canon(value: Any) -> str:
    """A value as canonical JSON text: equal values, equal texts."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Record:
    """One field's value at one stamp. ``value`` is canonical JSON text;
    ``base`` names the stamp (``Stamp.text()``) of the value it replaced on
    the device that wrote it, or is None when it replaced nothing."""

    entity: str
    eid: str
    field: str
    value: str
    stamp: Stamp
    base: str | None = None

    @property
    def decoded(self) -> Any:
        return json.loads(self.value)

    def row(self) -> tuple[str, str, str, str, int, int, str, str | None]:
        """As stored (``flashdesk.store.sync.SyncField``)."""
        return (self.entity, self.eid, self.field, self.value, self.stamp.l, self.stamp.c,
                self.stamp.device, self.base)

    @classmethod
    def from_row(cls, row: tuple) -> "Record":
        entity, eid, field, value, l_, c, device, base = row
        return cls(entity, eid, field, value, Stamp(l_, c, device), base)


def deck_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A deck row (``store.sync.decks_for_sync``) as fields."""
    return {"name": row["name"], "description": row["description"] or "",
            "new_limit": row["new_limit"], "review_limit": row["review_limit"],
            "bury_siblings": bool(row["bury_siblings"]), "exam_date": row["exam_date"],
            "alive": True}


def note_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A note row (``store.sync.notes_for_sync``) as fields."""
    fields = {"deck": row["deck_id"], "kind": row["kind"], "key": row["key"],
              "identity": row.get("identity") or row["id"], "source": row["source"] or "",
              "alive": True}
    for name, value in json.loads(row["fields"]).items():
        fields[f"f:{name}"] = value
    for tag in row["tags"].split():
        fields[f"t:{tag}"] = True
    return fields


def card_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A card row (``store.sync.cards_for_sync``) as fields."""
    return {"deck": row["deck_id"]}


def digest(fields: Mapping[str, Any]) -> str:
    """What an object looked like, in 32 hex digits (to spot local edits)."""
    return hashlib.sha256(canon(fields).encode("utf-8")).hexdigest()[:32]


def _absent(name: str) -> Any:
    """The value a field has when the object lacks it."""
    return False if name.startswith("t:") else None


def local_edits(current: Mapping[str, Any] | None, registers: Mapping[str, Record],
                was_present: bool) -> dict[str, Any]:
    """The fields to send for one object: where ``current`` (its fields in
    the collection now; None when it is not there) differs from what the last
    merge left (``registers``). An object that was there and is gone was
    deleted here: ``alive`` becomes False (its other fields stay as they
    were). One never there (waiting for its deck, say) sends nothing."""
    if current is None:
        alive = registers.get("alive")
        if was_present and alive is not None and alive.decoded is True:
            return {"alive": False}
        return {}
    edits = {name: value for name, value in current.items()
             if name not in registers or registers[name].value != canon(value)}
    for name, record in registers.items():
        if name not in current and record.decoded != _absent(name) and name != "alive":
            edits[name] = _absent(name)
    return edits


def lost_records(records: Iterable[Record]) -> list[Record]:
    """Of one field's records (winner and history), those whose value was
    overwritten by an edit made without seeing it: the concurrent losers.
    Deterministic: it depends only on the set of records."""
    records = list(records)
    if len(records) < 2:
        return []
    winner = max(records, key=lambda r: r.stamp)
    bases = {r.base for r in records if r.base is not None}
    seen = {r.value for r in records if r.stamp.text() in bases}
    return sorted((r for r in records if r is not winner and r.value != winner.value
                   and r.value not in seen), key=lambda r: r.stamp)


def deck_names(registers: Mapping[str, Mapping[str, Record]]) -> dict[str, str]:
    """deck id → the name it has in the collection. Deck names are unique:
    when merged decks want the same name, the one whose name has the
    greatest stamp keeps it and the others show their id beside it
    (``Name (deck-id)``), the same on every device."""
    wanted: dict[str, list[tuple[Stamp, str]]] = {}
    for eid, fields in registers.items():
        alive, record = fields.get("alive"), fields.get("name")
        if record is None or (alive is not None and alive.decoded is False):
            continue
        wanted.setdefault(str(record.decoded), []).append((record.stamp, eid))
    result: dict[str, str] = {}
    for name, claims in wanted.items():
        keeper = max(claims)[1]
        for _stamp, eid in claims:
            result[eid] = name if eid == keeper else f"{name} ({eid})"
    return result


def field_label(field: str) -> str:
    """A field's name as a person reads it: ``f:front`` → ``front``,
    ``t:heat`` → ``tag heat``."""
    if field.startswith("f:"):
        return field[2:]
    if field.startswith("t:"):
        return f"tag {field[2:]}"
    return field
