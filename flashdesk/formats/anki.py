"""Anki packages (.apkg): the current format (``collection.anki21b``, zstd),
the legacy ones (``collection.anki21`` / ``collection.anki2``) and genanki's.

A package is a zip a stranger may have made, so nothing in it is trusted:
member names are checked, sizes and compression ratios are capped (headers
can lie, so reads are capped too), the collection is opened in memory and
only read, and media names are reduced to plain file names.

Notes are mapped onto flashdesk's kinds by evaluating their note types'
templates as Anki does (``flashdesk.formats.notetypes``); media keep the
names Anki allows, and a name some system refuses is renamed with every
reference to it; each card's Anki progress is read for an import that asks
to keep it (``anki_schedule``).
"""

from __future__ import annotations

import html
import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from array import array
from typing import IO, Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, TypeVar, cast

from ..cards import REQUIRED, cloze_problem, may_be_oversized, oversized_field, too_long
from ..model import TYPE_REVIEW, CardSchedule, Kind, NoteData, Queue
from ..text import plural
from ..store import foreign
from .export import APKG_MODELS, SOURCE_FIELD, list_items
from .notetypes import NoteType, Template, map_note
from .problems import DeckFileError, Problem, shown_path
from .result import DeckGroups, ReadResult, anki_identity, given_identity, safe_key
from .sanitize import (
    Removals, blank_field, card_html, clean_plain, is_blank, media_name, media_references,
    rename_media_references, stored_as_is,
)
from .tags import normalise_tags

__all__ = ["read_apkg", "LIMITS", "AnkiCard", "AnkiProgress", "anki_schedule"]

LIMITS = {
    "package_bytes": 512 * 2**20,    # the .apkg itself
    "total_bytes": 1024 * 2**20,     # everything inside, uncompressed
    "member_bytes": 256 * 2**20,     # one member, uncompressed
    "ratio": 200,                    # uncompressed / compressed, for members over 1 MB
    "notes": 500_000,
}
_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_T = TypeVar("_T")
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class _Refused(Exception):
    pass


# -- a minimal protobuf wire reader (Anki stores a few settings as protobuf) ---

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise _Refused("it holds a damaged settings record (protobuf)")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of one protobuf message, in order."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise _Refused("it holds a damaged settings record (protobuf)")
        out.append((number, value))
    return out


# -- reading the zip safely -------------------------------------------------------

def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with zf.open(info) as f:
        data = f.read(LIMITS["member_bytes"] + 1)
    if len(data) > LIMITS["member_bytes"]:
        raise _Refused(f"'{info.filename}' is too large once unpacked")
    return data


def _unzstd(data: bytes, what: str) -> bytes:
    if not data.startswith(_ZSTD_MAGIC):
        return data
    import zstandard

    try:
        with zstandard.ZstdDecompressor().stream_reader(data) as reader:
            out = reader.read(LIMITS["member_bytes"] + 1)
    except (zstandard.ZstdError, ValueError, OSError) as exc:
        raise _Refused(f"'{what}' is damaged ({exc})") from None
    if len(out) > LIMITS["member_bytes"]:
        raise _Refused(f"'{what}' is too large once unpacked")
    return out


#: what reading a zip member can raise (``read_apkg`` names the package as damaged)
_ZIP_ERRORS = (OSError, zipfile.BadZipFile, EOFError, zlib.error, RuntimeError,
               NotImplementedError)


class _MemberStream:
    """A zip member as the zstd decompressor reads it: ``head`` (bytes
    already read) first, the whole read capped at ``LIMITS["member_bytes"]``
    like ``_read_member``; an error of the zip itself is kept in ``error``,
    to be raised as it is rather than as damaged zstd data."""

    def __init__(self, member, head: bytes, name: str):
        self._member, self._head, self._name = member, head, name
        self._read = len(head)
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            return data
        try:
            data = self._member.read(size)
        except _ZIP_ERRORS as exc:
            self.error = exc
            raise
        self._read += len(data)
        if self._read > LIMITS["member_bytes"]:
            raise _Refused(f"'{self._name}' is too large once unpacked")
        return data


def _unzstd_collection(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | bytearray:
    """The collection member ``info``, decompressed when it is zstd, as it
    streams out of the zip into one growing buffer: neither the compressed
    member nor a second copy of the collection is held. Capped at
    ``LIMITS["member_bytes"]`` compressed and decompressed, like every
    member; the member is read to its end, so the zip's checksum is checked."""
    what = info.filename
    with zf.open(info) as member:
        head = member.read(len(_ZSTD_MAGIC))
        if head != _ZSTD_MAGIC:
            data = head + member.read(LIMITS["member_bytes"] + 1 - len(head))
            if len(data) > LIMITS["member_bytes"]:
                raise _Refused(f"'{what}' is too large once unpacked")
            return data
        import zstandard

        source = _MemberStream(member, head, what)
        out = bytearray()
        try:
            with zstandard.ZstdDecompressor().stream_reader(cast(IO[bytes], source)) as reader:
                while len(out) <= LIMITS["member_bytes"]:
                    chunk = reader.read(min(2**22, LIMITS["member_bytes"] + 1 - len(out)))
                    if not chunk:
                        break
                    out += chunk
        except (zstandard.ZstdError, ValueError, OSError) as exc:
            if exc is source.error:
                raise
            raise _Refused(f"'{what}' is damaged ({exc})") from None
        if len(out) > LIMITS["member_bytes"]:
            raise _Refused(f"'{what}' is too large once unpacked")
        while source.read(2**20):  # the rest of the member, so that its checksum is checked
            pass
    return out


def _check_members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    members, total = {}, 0
    for info in zf.infolist():
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name):
            raise _Refused(f"it contains an unsafe path '{name}'")
        if info.file_size > LIMITS["member_bytes"]:
            raise _Refused(f"'{name}' is too large once unpacked ({info.file_size // 2**20} MB)")
        if info.file_size > 2**20 and info.file_size > LIMITS["ratio"] * max(1, info.compress_size):
            raise _Refused(f"'{name}' is compressed suspiciously well (a zip bomb?)")
        total += info.file_size
        if total > LIMITS["total_bytes"]:
            raise _Refused("its contents are too large once unpacked")
        members[name] = info
    return members


def _open_collection(data: bytes | bytearray, modern: bool) -> foreign.ForeignDatabase:
    tables = foreign.ANKI_MODERN_TABLES if modern else foreign.ANKI_LEGACY_TABLES
    try:
        return foreign.open_foreign(data, tables)
    except foreign.ForeignDatabaseError as exc:
        raise _Refused(str(exc)) from None


# -- checking what the collection holds -------------------------------------------

def _shape(value: object) -> str:
    """What a stored or decoded value is, in words, for messages."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    return {dict: "a table", list: "a list", str: "text", bytes: "a BLOB", int: "a number",
            float: "a decimal number"}.get(type(value), type(value).__name__)


def _want(value: object, kind: type[_T], what: str, expected: str) -> _T:
    """``value`` when it is a ``kind`` (a bool is not a number here), else
    the package is refused saying what ``what`` is and what it should be."""
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    raise _Refused(f"its collection is damaged: {what} is {_shape(value)}, not {expected}")


def _json(value: object, what: str) -> object:
    """The JSON text stored in ``what``, decoded; empty text is an empty table."""
    if value is None or value == "":
        return {}
    text = _want(value, str, what, "JSON text")
    try:
        return json.loads(text)
    except RecursionError:
        raise _Refused(f"its collection is damaged: {what} is nested too deeply") from None
    except ValueError as exc:
        raise _Refused(f"its collection is damaged: {what} is not valid JSON ({exc})") from None


def _ordered(items: object, what: str, text_key: str) -> list[str]:
    """``text_key`` of each table in the list ``items`` (note type fields or
    templates), ordered by their ``ord``."""
    items = _want(items, list, what, "a list")
    ordered = []
    for index, item in enumerate(items):
        where = f"{what} item {index + 1}"
        item = _want(item, dict, where, "a table")
        order = _want(item.get("ord", index), int, f"{where} 'ord'", "a number")
        text = _want(item.get(text_key, ""), str, f"{where} '{text_key}'", "text")
        ordered.append((order, index, text))
    return [text for _, _, text in sorted(ordered)]


def _int_key(key: str, what: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise _Refused(f"its collection is damaged: {what} has an id that is not a number "
                       f"('{key[:40]}')") from None


# -- note types and decks ---------------------------------------------------------

def _legacy_notetypes(db) -> dict[int, NoteType]:
    models = _json(foreign.anki_models_json(db), "col.models")
    models = _want(models, dict, "col.models", "a table of note types")
    types = {}
    for mid, m in models.items():
        what = f"note type {mid[:40]} in col.models"
        m = _want(m, dict, what, "a table")
        name = _want(m.get("name", ""), str, f"{what}: its name", "text")
        kind = _want(m.get("type", 0), int, f"{what}: its type", "a number")
        fields = _ordered(m.get("flds", []), f"{what}: 'flds'", "name")
        qfmts = _ordered(m.get("tmpls", []), f"{what}: 'tmpls'", "qfmt")
        afmts = _ordered(m.get("tmpls", []), f"{what}: 'tmpls'", "afmt")
        names = _ordered(m.get("tmpls", []), f"{what}: 'tmpls'", "name")
        types[_int_key(mid, "col.models")] = NoteType(
            name, tuple(fields), tuple(Template(n or f"Card {i + 1}", q, a)
                                       for i, (n, q, a) in enumerate(zip(names, qfmts, afmts))),
            kind == 1)
    return types


def _modern_notetypes(db) -> dict[int, NoteType]:
    fields: dict[object, list[str]] = {}
    for ntid, name in foreign.anki_fields(db):
        fields.setdefault(ntid, []).append(
            _want(name, str, f"fields.name of a field of note type {str(ntid)[:40]}", "text"))
    templates: dict[object, list[Template]] = {}
    for ntid, tname, tconfig in foreign.anki_templates(db):
        tconfig = _want(tconfig or b"", bytes,
                        f"templates.config of a template of note type {str(ntid)[:40]}",
                        "Anki's settings record (a BLOB)")
        parts = dict((n, v) for n, v in _fields(tconfig) if n in (1, 2) and isinstance(v, bytes))
        found = templates.setdefault(ntid, [])
        found.append(Template(tname if isinstance(tname, str) and tname else
                              f"Card {len(found) + 1}",
                              parts.get(1, b"").decode("utf-8", "replace"),
                              parts.get(2, b"").decode("utf-8", "replace")))
    types = {}
    for ntid, name, config in foreign.anki_notetypes(db):
        what = f"note type {str(ntid)[:40]}"
        ntid = _want(ntid, int, f"notetypes.id of {what}", "a number")
        name = _want(name, str, f"notetypes.name of {what}", "text")
        config = _want(config or b"", bytes, f"notetypes.config of {what}",
                       "Anki's settings record (a BLOB)")
        cloze = any(n == 1 and v == 1 for n, v in _fields(config))
        types[ntid] = NoteType(name, tuple(fields.get(ntid, [])), tuple(templates.get(ntid, [])),
                               cloze)
    return types


def _deck_names(db, modern: bool) -> dict[int, str]:
    names = {}
    if modern:
        for did, name in foreign.anki_decks(db):
            did = _want(did, int, "decks.id of a deck", "a number")
            name = _want(name, str, f"decks.name of deck {did}", "text")
            names[did] = clean_plain(name.replace("\x1f", "::"))
        return names
    decks = _want(_json(foreign.anki_decks_json(db), "col.decks"), dict, "col.decks",
                  "a table of decks")
    for did, d in decks.items():
        what = f"deck {did[:40]} in col.decks"
        d = _want(d, dict, what, "a table")
        names[_int_key(did, "col.decks")] = clean_plain(
            _want(d.get("name", ""), str, f"{what}: its name", "text"))
    return names


def _media_map(members: dict, zf, modern: bool) -> dict[str, str]:
    """zip member → media file name."""
    if "media" not in members:
        return {}
    raw = _unzstd(_read_member(zf, members["media"]), "media")
    try:
        if raw.strip().startswith(b"{"):
            listing = json.loads(raw.decode("utf-8"))
            if not isinstance(listing, dict):
                raise ValueError("not a table of files")
            return {str(k): str(v) for k, v in listing.items()}
        names = {}
        entries = [entry for number, entry in _fields(raw) if number == 1]
        for index, entry in enumerate(entries):
            if not isinstance(entry, bytes):
                raise ValueError(f"entry {index + 1} is not a record")
            fields = dict(_fields(entry))
            name = fields.get(1, b"")
            if not isinstance(name, bytes):
                raise ValueError(f"entry {index + 1} has no file name")
            member = str(fields[255]) if 255 in fields else str(index)
            names[member] = name.decode("utf-8", "replace")
        return names
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _Refused(f"its media list is damaged ({exc})") from None


def _media_names(listing: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(renames: each name in the package some system refuses → the name it
    is kept under; kept name → zip member). Two names that would end up the
    same, or differ only in case (one file on Windows and macOS), are told
    apart with a number."""
    renames: dict[str, str] = {}
    members: dict[str, str] = {}
    taken: set[str] = set()
    for member, original in sorted(listing.items(), key=lambda item: item[1]):
        name = media_name(original)
        stem, dot, ext = name.rpartition(".")
        n = 1
        while name.casefold() in taken:
            n += 1
            name = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
        taken.add(name.casefold())
        if name != original:
            renames[original] = name
        members[name] = member
    return renames, members


# -- Anki's scheduling --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AnkiCard:
    """One card's state in Anki's own scheduler, as its ``cards`` row holds
    it. ``type``: 0 new, 1 learning, 2 review, 3 relearning; ``queue``: -3 and
    -2 buried, -1 suspended, 0 new, 1 learning (due is a time), 2 review,
    3 learning across days, 4 preview; ``due``: days since the collection
    was created for reviews and day-learning, seconds since the Unix epoch
    for learning, a position for new cards; ``interval`` in days;
    ``factor``: the ease in thousandths (2500 is 2.5); ``reviews`` and
    ``lapses``: Anki's counts. A card in a filtered deck is read with its
    home deck's due."""

    type: int
    queue: int
    due: int
    interval: int
    factor: int
    reviews: int
    lapses: int


#: Anki's ``due`` above this is a time in seconds, below it a day number
_TIMESTAMP = 1_000_000_000
#: the furthest a card is scheduled (Anki's own longest interval: 100 years)
_MAX_DAYS = 36_500


def anki_schedule(card: AnkiCard, created_day: int, today: int,
                  day_of: Callable[[int], int]) -> tuple[CardSchedule, bool, int]:
    """The SM-2 schedule that carries an Anki card's progress over:
    (schedule, whether the card brings progress, Anki's count of reviews).

    ``created_day`` is the study day the Anki collection was created (its
    ``crt``), ``today`` the study day of the import, ``day_of(seconds)`` the
    study day of a moment (seconds since the Unix epoch). The rule, also in
    docs/import-export.md:

    - new (type 0): stays new; its queue (suspended, buried) is kept;
    - review (type 2): interval = Anki's interval in days (at least 1, at
      most ``_MAX_DAYS``, Anki's longest);
      E-Factor = factor / 1000 in hundredths, at least 1.3 (2.5 when Anki
      has none); repetitions 1 for a one-day interval, else 2, so SM-2 grows
      the next interval from this one (ceil(interval × EF));
    - learning and relearning (types 1 and 3): a card being (re)learnt, as
      after an SM-2 answer below Hard: repetitions 0, interval 1 day;
    - due day: ``created_day`` + due for day numbers (reviews, learning
      across days), the study day of the time for learning due within a
      day (a damaged package's day beyond ``today + _MAX_DAYS`` becomes that
      day; ``day_of`` answers for a time no calendar holds); the last review
      day is the due day less the interval, before today;
    - lapses from Anki; suspended cards stay suspended, buried ones buried
      until the next study day.
    """
    ease = max(130, round(card.factor / 10)) if card.factor > 0 else 250
    if card.type not in (1, 2, 3):
        queue = card.queue if card.queue == Queue.SUSPENDED else (
            Queue.BURIED if card.queue in (-2, -3) else Queue.NEW)
        return CardSchedule(queue=queue, buried_day=today if queue == Queue.BURIED else None), \
            False, card.reviews
    if card.due > _TIMESTAMP:
        due = day_of(card.due)
    else:
        due = created_day + card.due
    due = min(due, today + _MAX_DAYS)  # a damaged package's day no calendar shows
    if card.type == 2:
        interval = min(max(1, card.interval), _MAX_DAYS)
        reps = 1 if interval <= 1 else 2
    else:
        interval, reps = 1, 0
    queue = Queue.SUSPENDED if card.queue == -1 else (
        Queue.BURIED if card.queue in (-2, -3) else Queue.REVIEW)
    return CardSchedule(
        type=TYPE_REVIEW, queue=queue, reps=reps, ease=ease, interval=interval, due=due,
        lapses=max(0, card.lapses), last_day=min(due - interval, today - 1),
        buried_day=today if queue == Queue.BURIED else None), True, max(0, card.reviews)


#: one card's Anki state as the reader hands it on:
#: (template number, then the fields of ``AnkiCard`` in order)
_State = tuple[int, int, int, int, int, int, int, int]
#: numbers kept per card: note id, template number, deck id, then ``ANKI_SCHEDULE_COLUMNS``
_WIDTH = 12


class _Cards:
    """A package's cards, read once and kept as numbers (about 100 bytes a
    card, where dictionaries of tuples took over 400), asked for note by
    note in the order of the note ids."""

    def __init__(self, rows: Iterable[tuple]):
        """Read ``rows`` (``foreign.anki_cards``). They are checked: the
        package is refused naming the first card whose ids are not numbers."""
        numbers = array("q")
        #: per card: 1 when its scheduling columns are all numbers (it has a state)
        self._has_state = has_state = bytearray()
        refused: _Refused | None = None  # raised once every row is read, as the budget counts them
        for row in rows:
            if len(row) == _WIDTH:
                at = len(numbers)
                try:
                    numbers.extend(row)  # all numbers: the usual card (SQLite gives no bool)
                    has_state.append(1)
                    continue
                except (TypeError, OverflowError):
                    del numbers[at:]
            nid, ord_, did = row[0], row[1], row[2]
            what = f"a card of note {str(nid)[:40]}"
            try:
                nid = _want(nid, int, f"cards.nid of {what}", "a number")
                ord_ = _want(ord_, int, f"cards.ord of {what}", "a number")
                did = _want(did, int, f"cards.did (the deck) of {what}", "a number")
            except _Refused as exc:
                refused = refused or exc
                continue
            numbers.extend((nid, ord_, did) + (0,) * (_WIDTH - 3))
            has_state.append(0)
        if refused is not None:
            raise refused
        self._numbers = numbers
        # card numbers by note id; cards of one note stay in the order of the table
        self._order = array("q", sorted(range(len(has_state)),
                                        key=lambda card: numbers[card * _WIDTH]))
        self._next = 0
        self._last: int | None = None

    def of(self, nid: int) -> tuple[tuple[int, int] | None, list[_State]]:
        """(the lowest template number among the cards of note ``nid`` and
        the deck of that card, the first met on a tie, with a filtered
        deck's card counted in its home deck – None when the note has no
        card; the states of its cards whose scheduling columns are numbers,
        in the order of the table). Fastest asked in the order of the note ids."""
        numbers, order = self._numbers, self._order
        if self._last is not None and nid < self._last:
            self._next = 0
        self._last = nid
        at = self._next
        while at < len(order) and numbers[order[at] * _WIDTH] < nid:
            at += 1
        first: tuple[int, int] | None = None
        states: list[_State] = []
        while at < len(order) and numbers[order[at] * _WIDTH] == nid:
            card = order[at]
            base = card * _WIDTH
            ord_, did = numbers[base + 1], numbers[base + 2]
            if self._has_state[card]:
                ctype, queue, due, ivl, factor, reps, lapses, odue, odid = \
                    numbers[base + 3:base + _WIDTH]
                if odid:
                    did, due = odid, (odue or due)
                states.append((ord_, ctype, queue, due, ivl, factor, reps, lapses))
            if first is None or ord_ < first[0]:
                first = (ord_, did)
            at += 1
        self._next = at
        return first, states


class AnkiProgress(Mapping[str, dict[int, AnkiCard]]):
    """A package's Anki progress as ``ReadResult.progress`` holds it: note
    identity → {flashdesk card number: the card's ``AnkiCard``}, in the
    order the notes were read. Kept as numbers (eight 64-bit numbers a
    card), the ``AnkiCard`` values made when asked: at 100,000 cards it
    holds about 8 MB where dictionaries of objects held over 40 MB."""

    def __init__(self) -> None:
        self._identities: list[str] = []
        #: where each note's cards start in ``_cards``, and one past the last note's
        self._starts = array("q", [0])
        #: per card: flashdesk card number, then the fields of ``AnkiCard`` in order
        self._cards = array("q")
        self._index: dict[str, int] | None = None

    def add(self, identity: str, cards: Mapping[int, Sequence[int]]) -> None:
        """Add a note's cards: flashdesk card number → the seven fields of
        its ``AnkiCard`` in order. Each note is added once (the reader meets
        each identity once); a note without cards is not kept."""
        if not cards:
            return
        numbers = self._cards
        for ord_, fields in cards.items():
            numbers.append(ord_)
            numbers.extend(fields)
        self._identities.append(identity)
        self._starts.append(len(numbers))
        if self._index is not None:
            self._index[identity] = len(self._identities) - 1

    def _note(self, at: int) -> dict[int, AnkiCard]:
        cards, out = self._cards, {}
        for pos in range(self._starts[at], self._starts[at + 1], 8):
            out[cards[pos]] = AnkiCard(*cards[pos + 1:pos + 8])
        return out

    def __getitem__(self, identity: str) -> dict[int, AnkiCard]:
        if self._index is None:
            self._index = {identity: at for at, identity in enumerate(self._identities)}
        return self._note(self._index[identity])

    def __iter__(self) -> Iterator[str]:
        return iter(self._identities)

    def __len__(self) -> int:
        return len(self._identities)

    def studied(self) -> int:
        """How many cards Anki has studied (learning, review or relearning)."""
        cards = self._cards
        return sum(1 for at in range(1, len(cards), 8) if cards[at] in (1, 2, 3))

    def items(self) -> ItemsView[str, dict[int, AnkiCard]]:
        """(identity, {flashdesk card number: ``AnkiCard``}) of each note, in
        order, without looking each identity up."""
        return _ProgressItems(self)

    def _pairs(self) -> Iterator[tuple[str, dict[int, AnkiCard]]]:
        for at, identity in enumerate(self._identities):
            yield identity, self._note(at)


class _ProgressItems(ItemsView[str, dict[int, AnkiCard]]):
    _mapping: AnkiProgress

    def __iter__(self) -> Iterator[tuple[str, dict[int, AnkiCard]]]:
        return self._mapping._pairs()


# -- the reader -------------------------------------------------------------------

_OWN_KINDS = {name: kind for kind, (name, _, _) in APKG_MODELS.items()}


def _own_note(kind: str, v: list[str]) -> tuple[Kind, dict] | str:
    """A note of a type flashdesk itself exported: its fields map back exactly."""
    v = v + [""] * 5
    data: dict[str, object]
    if kind in ("basic", "basic-reverse"):
        data = {"front": v[0], "back": v[1]}
        if kind == "basic-reverse":
            data["reverse"] = True
        if v[2]:
            data["extra"] = v[2]
        return Kind.BASIC, data
    if kind == "cloze":
        return Kind.CLOZE, {"text": v[0], **({"extra": v[1]} if v[1] else {})}
    if kind == "choice":
        options = list_items(v[1])
        if not v[2].isdecimal() or not 1 <= int(v[2]) <= len(options):
            return "its answer is not the number of one of its options"
        data = {"question": v[0], "options": options, "answer": int(v[2])}
        extra = v[3]
    elif kind == "order":
        data, extra = {"prompt": v[0], "items": list_items(v[1])}, v[2]
    elif kind == "typed":
        answer = v[1]
        for term in list_items(v[2]):  # mark each key term again, where it stands
            if term and term in answer:
                answer = answer.replace(term, f"*{term}*", 1)
        data = {"prompt": v[0], "answer": answer}
        if list_items(v[3]):
            data["accept"] = list_items(v[3])
        extra = v[4] if len(v) > 4 else ""
    else:
        data = {"prompt": v[0], "model_answer": v[1], "marking_points": list_items(v[2])}
        extra = v[3]
    if extra:
        data["explanation"] = extra
    return Kind(kind), data


def _own_cards(kind: Kind, data: dict) -> dict[int, int]:
    """Anki card number → flashdesk card of a note of flashdesk's own types."""
    from ..cards import card_ords

    ords = card_ords(kind, data)
    return {o - 1: o for o in ords} if kind == Kind.CLOZE else {o: o for o in ords}


def _identity(guid: str, own: bool) -> tuple[str, str]:
    """(identity, key) of a note with this guid. flashdesk's exports write
    the note's own identity as the guid of notes of flashdesk's note types."""
    if own:
        given = given_identity(guid)
        if given is not None and not given[0].startswith("anki:"):
            return given
    return anki_identity(guid), safe_key(guid)


#: the distinct tag lists ``_Notes`` remembers (each once normalised)
_TAG_LISTS_KEPT = 10_000


class _Notes:
    """Maps one package's notes, collecting what the user should know."""

    def __init__(self, shown: str, removals: Removals, renames: dict[str, str]):
        self.shown, self.removals, self.renames = shown, removals, renames
        self.left_out: dict[str, dict[str, int]] = {}
        self.unshown: dict[str, set[str]] = {}
        self.tag_problems: list[str] = []
        #: a note's tags as stored → (the tags kept, problems): notes share a few tag lists
        self._tags: dict[str, tuple[tuple[str, ...], list[str]]] = {}

    def _once_cleaned(self, raws: list[str]) -> str:
        """" (once unsafe content is removed)" when the sanitiser removed
        something from one of ``raws`` (fields as the package holds them)
        that then shows nothing, else "": only for a note that is skipped
        (the fields are cleaned again, their removals not counted)."""
        for raw in raws:
            found = Removals(keep=0)
            if is_blank(card_html(rename_media_references(raw.strip(), self.renames), found)) \
                    and found.total:
                return " (once unsafe content is removed)"
        return ""

    def note(self, notetype: NoteType, flds: str, guid: str, tags: str,
             index: int) -> tuple[NoteData, dict[int, int]] | str:
        """The note and which Anki card is which flashdesk card, or why it is skipped."""
        where = f"note {index}"
        values = [v.strip() if stored_as_is(v) else
                  card_html(rename_media_references(v.strip(), self.renames), self.removals, where)
                  for v in flds.split("\x1f")]
        if not values or is_blank(values[0]):
            return "its first field is empty" + self._once_cleaned(flds.split("\x1f")[:1])
        own = _OWN_KINDS.get(notetype.name)
        source = ""
        if own is not None:
            if SOURCE_FIELD in notetype.fields[1:]:  # flashdesk's own export carries the source
                at = notetype.fields.index(SOURCE_FIELD)
                source = clean_plain(html.unescape(values.pop(at))).strip() \
                    if at < len(values) else ""
            mapped_own = _own_note(own, values)
            if isinstance(mapped_own, str):
                return mapped_own
            kind, data = mapped_own
            broken = cloze_problem(str(data["text"])) if kind == Kind.CLOZE else None
            if broken:
                return f"its cloze text: {broken}"
            cards = _own_cards(kind, data)
        else:
            mapped = map_note(notetype, values)
            if isinstance(mapped, str):
                return mapped
            kind, data, cards = mapped.kind, mapped.fields, mapped.cards
            for template in mapped.left_out:
                counts = self.left_out.setdefault(notetype.name, {})
                counts[template] = counts.get(template, 0) + 1
            if mapped.unshown:
                self.unshown.setdefault(notetype.name, set()).update(mapped.unshown)
        empty = blank_field(REQUIRED[kind], data)
        if empty is not None:  # the note type decides which fields make it: any emptied counts
            return f"the {empty.replace('_', ' ')} field is empty" + self._once_cleaned(
                flds.split("\x1f"))
        known = self._tags.get(tags)
        if known is None:
            known = normalise_tags([tags])
            if len(self._tags) < _TAG_LISTS_KEPT:
                self._tags[tags] = known
        tag_list, problems = known
        if problems:
            self.tag_problems += [f"{where}: {p}" for p in problems]
        identity, key = _identity(guid, own is not None)
        return NoteData(key=key, kind=kind, fields=data, tags=tag_list, source=source,
                        identity=identity), cards

    def messages(self) -> list[str]:
        out = []
        for name, cards in sorted(self.left_out.items()):
            out.append(f"{self.shown}: note type {name}: "
                       + ", ".join(f"card '{t}' left out of {plural(n, 'note')}"
                                   for t, n in sorted(cards.items()))
                       + " (flashdesk shows one card of a note and its reverse; what those "
                       "cards ask is kept as the extra)")
        for name, fields in sorted(self.unshown.items()):
            fields_are = ("field {} appears" if len(fields) == 1 else "fields {} appear").format(
                ", ".join(sorted(fields)))
            out.append(f"{self.shown}: note type {name}: {fields_are} on no card in Anki; kept as "
                       "the extra")
        if self.tag_problems:
            n = len(self.tag_problems)
            out.append(f"{self.shown}: {plural(n, 'tag')} left out: "
                       + "; ".join(self.tag_problems[:5]))
        return out


def _checked_notes(rows: list[tuple]) -> list[tuple[int, str, int, str, str]]:
    """(id, guid, note type id, tags, fields) of each note, each of the type it
    must be (a guid that is a number as text, no tags or fields as empty
    text); the package is refused naming the first note that is not. The
    rows are checked in place: the list given is returned."""
    for index, row in enumerate(rows, 1):
        nid, guid, mid, tags, flds = row
        if type(nid) is int and type(guid) is str and type(mid) is int and type(tags) is str \
                and type(flds) is str:  # as they must be (SQLite gives no subclasses)
            continue
        what = f"note {index}"
        nid = _want(nid, int, f"notes.id of {what}", "a number")
        guid = guid if isinstance(guid, int) and not isinstance(guid, bool) else _want(
            guid if guid is not None else "", str, f"notes.guid of {what}", "text")
        mid = _want(mid, int, f"notes.mid (the note type) of {what}", "a number")
        tags = _want(tags if tags is not None else "", str, f"notes.tags of {what}", "text")
        flds = _want(flds if flds is not None else "", str, f"notes.flds (the fields) of {what}",
                     "text")
        rows[index - 1] = (nid, str(guid), mid, tags, flds)
    return rows


def read_apkg(path: str | Path) -> ReadResult:
    """Read an Anki package into decks of notes, the media they use, and
    each card's Anki progress (``ReadResult.progress``, applied only when
    the import asks for it). Raises ``DeckFileError`` with one clear message
    when the file is refused."""
    shown = shown_path(path)
    try:
        if Path(path).stat().st_size > LIMITS["package_bytes"]:
            raise _Refused(f"it is larger than {LIMITS['package_bytes'] // 2**20} MB")
        if not zipfile.is_zipfile(path):
            raise _Refused("it is not an Anki package (an .apkg file is a zip archive)")
        with zipfile.ZipFile(path) as zf:
            return _read(zf, shown)
    except _Refused as exc:
        raise DeckFileError([Problem(shown, f"refused: {exc}")]) from None
    except _ZIP_ERRORS as exc:
        # damaged deflate data, encrypted members, unknown compression methods
        raise DeckFileError([Problem(shown, f"cannot read the package: {exc}")]) from None


def _read(zf: zipfile.ZipFile, shown: str) -> ReadResult:
    members = _check_members(zf)
    name = next((n for n in _COLLECTIONS if n in members), None)
    if name is None:
        raise _Refused("it is not an Anki package (no collection inside)")
    modern = name == "collection.anki21b"
    # the collection is held once decompressed, and once by SQLite: the
    # first copy goes as soon as SQLite has its own
    with _open_collection(_unzstd_collection(zf, members[name]), modern) as db:
        try:
            types = _modern_notetypes(db) if modern else _legacy_notetypes(db)
            decks = _deck_names(db, modern)
            rows = foreign.anki_notes(db, LIMITS["notes"] + 1)
            cards_of = _Cards(foreign.anki_cards(db))
            created = foreign.anki_created(db)
        except foreign.ForeignDatabaseError as exc:
            raise _Refused(str(exc)) from None
    if len(rows) > LIMITS["notes"]:
        raise _Refused(f"it holds more than {LIMITS['notes']:,} notes")
    rows = _checked_notes(rows)
    if not modern and len(rows) == 1 and "update to the latest Anki" in rows[0][4]:
        raise _Refused("it needs a newer Anki to read; export it again from Anki")
    listing = _media_map(members, zf, modern)
    renames, media_members = _media_names(listing)
    removals = Removals()
    result = ReadResult("apkg", [])
    if isinstance(created, int) and not isinstance(created, bool) and created > 0:
        result.created = created
    progress = AnkiProgress()
    result.progress = progress
    mapper = _Notes(shown, removals, renames)
    groups = DeckGroups()
    deck_names: dict[int | None, str] = {}  # Anki deck id → the flashdesk deck its notes go to
    # each note's row is let go once it is read (rows are in the order of their
    # ids, so a note id met twice follows itself)
    rows.reverse()
    nid: object = None
    first_card: tuple[int, int] | None = None
    states: list[_State] = []
    for index in range(1, len(rows) + 1):
        row = rows.pop()
        if row[0] != nid:
            nid = row[0]
            first_card, states = cards_of.of(row[0])
        _, guid, mid, tags, flds = row
        del row
        notetype = types.get(mid)
        if notetype is None:
            result.skipped.append(f"{shown}: note {index}: skipped: its note type is missing")
            continue
        mapped = mapper.note(notetype, flds, guid or str(nid), tags, index)
        # renamed media references may be longer: measured as markup
        measure = may_be_oversized(len(flds), flds.count("\x1f") + 1,
                                   bool(renames) or "<" in flds)
        del flds
        if isinstance(mapped, str):
            result.skipped.append(f"{shown}: note {index}: skipped: {mapped}")
            continue
        note, cards = mapped
        big = oversized_field(note.fields, note.source) if measure else None
        if big is not None:
            raise _Refused(f"note {index}: field '{big[0]}' is {too_long(big[1])}")
        did = first_card[1] if first_card is not None else None
        deck = deck_names.get(did)
        if deck is None:
            stored = decks.get(did, "") if did is not None else ""
            deck = "::".join(p.strip() for p in stored.split("::") if p.strip())
            if not deck or deck == "Default":
                deck = "Imported"
            deck_names[did] = deck
        first = groups.add(deck, note, f"note {index}")
        if first is not None:
            result.skipped.append(f"{shown}: note {index}: skipped: same note id (guid) as "
                                  f"{first}")
            continue
        if len(states) == 1:
            state = states[0]
            if state[0] in cards:
                progress.add(note.identity, {cards[state[0]]: state[1:]})
        elif states:  # several cards: a template number met again in the table replaces the first
            progress.add(note.identity, {cards[o]: state[1:] for o, state in
                                         {state[0]: state for state in states}.items()
                                         if o in cards})
    result.messages += mapper.messages()
    merged = groups.message(shown)
    if merged:
        result.messages.append(merged)
    result.decks = groups.decks(shown)
    wanted = {ref for d in result.decks for n in d.notes for v in n.fields.values()
              if isinstance(v, str) and "<" in v for ref in media_references(v)}
    for filename in sorted(wanted):
        member = media_members.get(filename)
        if member is None or member not in members:
            continue
        result.media[filename] = _unzstd(_read_member(zf, members[member]), filename) if modern \
            else _read_member(zf, members[member])
    used = sorted((old, new) for old, new in renames.items() if new in result.media)
    if used:
        result.messages.append(
            f"{shown}: {plural(len(used), 'media file name')} some systems "
            "refuse, renamed (and every card that shows them): "
            + "; ".join(f"'{html.escape(o)}' → '{html.escape(n)}'" for o, n in used[:5]))
    missing = wanted - set(result.media)
    if missing:
        result.messages.append(f"{shown}: media not in the package: {', '.join(sorted(missing))}")
    summary = removals.summary(shown)
    if summary:
        result.messages.append(summary)
        result.sanitised = removals.total
    if not result.decks:
        first_skip = f" ({result.skipped[0][len(shown) + 2:]})" if result.skipped else ""
        raise _Refused(f"it has no notes flashdesk can import{first_skip}")
    return result
