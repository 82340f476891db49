"""Anki packages (.apkg): the current format (``collection.anki21b``, zstd),
the legacy ones (``collection.anki21`` / ``collection.anki2``) and genanki's.

A package is a zip a stranger may have made, so nothing in it is trusted:
member names are checked, sizes and compression ratios are capped (headers
can lie, so reads are capped too), the collection is opened in memory and
only read, and media names are reduced to plain file names.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import TypeVar

from ..cards import REQUIRED, cloze_numbers
from ..model import DeckData, DeckId, Kind, NoteData
from ..store import foreign
from .problems import DeckFileError, Problem
from .result import ReadResult, safe_key
from .export import APKG_MODELS, SOURCE_FIELD, list_items
from .sanitize import MEDIA_NAME, blank_field, clean_html, clean_plain, is_blank, media_references

__all__ = ["read_apkg", "LIMITS"]

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


def _open_collection(data: bytes, modern: bool) -> foreign.ForeignDatabase:
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

class _NoteType:
    def __init__(self, name: str, cloze: bool, fields: list[str], qfmts: list[str]):
        self.name, self.cloze, self.fields, self.qfmts = name, cloze, fields, qfmts

    @property
    def reversed(self) -> bool:
        """Basic-and-reversed: a second card asks the second field."""
        return (len(self.qfmts) >= 2 and len(self.fields) >= 2
                and "{{" + self.fields[1] + "}}" in self.qfmts[1])


def _legacy_notetypes(db) -> dict[int, _NoteType]:
    models = _json(foreign.anki_models_json(db), "col.models")
    models = _want(models, dict, "col.models", "a table of note types")
    types = {}
    for mid, m in models.items():
        what = f"note type {mid[:40]} in col.models"
        m = _want(m, dict, what, "a table")
        name = _want(m.get("name", ""), str, f"{what}: its name", "text")
        kind = _want(m.get("type", 0), int, f"{what}: its type", "a number")
        types[_int_key(mid, "col.models")] = _NoteType(
            name, kind == 1, _ordered(m.get("flds", []), f"{what}: 'flds'", "name"),
            _ordered(m.get("tmpls", []), f"{what}: 'tmpls'", "qfmt"))
    return types


def _modern_notetypes(db) -> dict[int, _NoteType]:
    fields: dict[object, list[str]] = {}
    for ntid, name in foreign.anki_fields(db):
        fields.setdefault(ntid, []).append(
            _want(name, str, f"fields.name of a field of note type {str(ntid)[:40]}", "text"))
    qfmts: dict[object, list[str]] = {}
    for ntid, tconfig in foreign.anki_templates(db):
        tconfig = _want(tconfig or b"", bytes,
                        f"templates.config of a template of note type {str(ntid)[:40]}",
                        "Anki's settings record (a BLOB)")
        q = next((v for n, v in _fields(tconfig) if n == 1 and isinstance(v, bytes)), b"")
        qfmts.setdefault(ntid, []).append(q.decode("utf-8", "replace"))
    types = {}
    for ntid, name, config in foreign.anki_notetypes(db):
        what = f"note type {str(ntid)[:40]}"
        ntid = _want(ntid, int, f"notetypes.id of {what}", "a number")
        name = _want(name, str, f"notetypes.name of {what}", "text")
        config = _want(config or b"", bytes, f"notetypes.config of {what}",
                       "Anki's settings record (a BLOB)")
        cloze = any(n == 1 and v == 1 for n, v in _fields(config))
        types[ntid] = _NoteType(name, cloze, fields.get(ntid, []), qfmts.get(ntid, []))
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


def _key_from_guid(guid: str) -> str:
    """flashdesk exports use the note id (``deck/key``) as guid: keep its key."""
    deck, _, key = guid.partition("/")
    return safe_key(key) if key and "/" not in key else safe_key(guid)


def _note(notetype: _NoteType, fields: list[str], key: str, tags: str) -> NoteData | str:
    values = [clean_html(v.strip()) for v in fields]
    if not values or is_blank(values[0]):
        return "its first field is empty (once unsafe content is removed)"
    own = _OWN_KINDS.get(notetype.name)
    source = ""
    if own is not None:
        if SOURCE_FIELD in notetype.fields[1:]:  # flashdesk's own export carries the source
            at = notetype.fields.index(SOURCE_FIELD)
            source = clean_plain(html.unescape(values.pop(at))).strip() if at < len(values) else ""
        mapped = _own_note(own, values)
        if isinstance(mapped, str):
            return mapped
        kind, data = mapped
    elif notetype.cloze:
        if not cloze_numbers(values[0]):
            return "a cloze note without any {{c1::…}}"
        kind, data = Kind.CLOZE, {"text": values[0]}
        extra = "<br>".join(v for v in values[1:] if not is_blank(v))
        if extra:
            data["extra"] = extra
    else:
        back = "<br>".join(v for v in values[1:] if not is_blank(v)) if len(values) > 2 else (
            values[1] if len(values) > 1 else "")
        if len(values) >= 3 and notetype.fields[2:3] == ["Add Reverse"]:
            back = values[1]
        if is_blank(back):
            return "it has no back (once unsafe content is removed)"
        kind, data = Kind.BASIC, {"front": values[0], "back": back}
        add_reverse = len(values) >= 3 and notetype.fields[2:3] == ["Add Reverse"] and values[2]
        if notetype.reversed or add_reverse:
            data["reverse"] = True
    empty = blank_field(REQUIRED[kind], data)
    if empty is not None:
        return f"the {empty.replace('_', ' ')} field is empty (once unsafe content is removed)"
    tag_list = tuple(dict.fromkeys(t for t in clean_plain(tags).split()
                                   if re.match(r"^[^\s,;]{1,64}$", t)))
    return NoteData(key=key, kind=kind, fields=data, tags=tag_list, source=source)


def _checked_notes(rows: list[tuple]) -> list[tuple[int, str, int, str, str]]:
    """(id, guid, note type id, tags, fields) of each note, each of the type it
    must be; the package is refused naming the first note that is not."""
    out = []
    for index, (nid, guid, mid, tags, flds) in enumerate(rows, 1):
        what = f"note {index}"
        nid = _want(nid, int, f"notes.id of {what}", "a number")
        guid = guid if isinstance(guid, int) and not isinstance(guid, bool) else _want(
            guid if guid is not None else "", str, f"notes.guid of {what}", "text")
        mid = _want(mid, int, f"notes.mid (the note type) of {what}", "a number")
        tags = _want(tags if tags is not None else "", str, f"notes.tags of {what}", "text")
        flds = _want(flds if flds is not None else "", str, f"notes.flds (the fields) of {what}",
                     "text")
        out.append((nid, str(guid), mid, tags, flds))
    return out


def _first_card_decks(rows: list[tuple]) -> dict[int, int]:
    """note id → the deck of its first card (lowest template number)."""
    first: dict[int, tuple[int, int]] = {}
    for nid, ord_, did in rows:
        what = f"a card of note {str(nid)[:40]}"
        nid = _want(nid, int, f"cards.nid of {what}", "a number")
        ord_ = _want(ord_, int, f"cards.ord of {what}", "a number")
        did = _want(did, int, f"cards.did (the deck) of {what}", "a number")
        if nid not in first or ord_ < first[nid][0]:
            first[nid] = (ord_, did)
    return {nid: did for nid, (_, did) in first.items()}


def read_apkg(path: str | Path) -> ReadResult:
    """Read an Anki package into decks of notes, and the media they use.
    Raises ``DeckFileError`` with one clear message when the file is refused."""
    shown = str(path)
    try:
        if Path(path).stat().st_size > LIMITS["package_bytes"]:
            raise _Refused(f"it is larger than {LIMITS['package_bytes'] // 2**20} MB")
        if not zipfile.is_zipfile(path):
            raise _Refused("it is not an Anki package (an .apkg file is a zip archive)")
        with zipfile.ZipFile(path) as zf:
            return _read(zf, shown)
    except _Refused as exc:
        raise DeckFileError([Problem(shown, f"refused: {exc}")]) from None
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error, RuntimeError,
            NotImplementedError) as exc:
        # damaged deflate data, encrypted members, unknown compression methods
        raise DeckFileError([Problem(shown, f"cannot read the package: {exc}")]) from None


def _read(zf: zipfile.ZipFile, shown: str) -> ReadResult:
    members = _check_members(zf)
    name = next((n for n in _COLLECTIONS if n in members), None)
    if name is None:
        raise _Refused("it is not an Anki package (no collection inside)")
    modern = name == "collection.anki21b"
    with _open_collection(_unzstd(_read_member(zf, members[name]), name), modern) as db:
        try:
            types = _modern_notetypes(db) if modern else _legacy_notetypes(db)
            decks = _deck_names(db, modern)
            rows = foreign.anki_notes(db, LIMITS["notes"] + 1)
            card_decks = _first_card_decks(foreign.anki_card_decks(db))
        except foreign.ForeignDatabaseError as exc:
            raise _Refused(str(exc)) from None
    if len(rows) > LIMITS["notes"]:
        raise _Refused(f"it holds more than {LIMITS['notes']:,} notes")
    rows = _checked_notes(rows)
    if not modern and len(rows) == 1 and "update to the latest Anki" in rows[0][4]:
        raise _Refused("it needs a newer Anki to read; export it again from Anki")
    result = ReadResult("apkg", [], messages=[
        f"{shown}: Anki's scheduling is not imported: new cards start as new, and notes "
        "already in flashdesk keep their progress"])
    by_deck: dict[str, list[NoteData]] = {}
    seen: dict[tuple[str, str], int] = {}
    others = set()
    for index, (nid, guid, mid, tags, flds) in enumerate(rows, 1):
        did = card_decks.get(nid)
        notetype = types.get(mid)
        if notetype is None:
            result.skipped.append(f"{shown}: note {index}: skipped: its note type is missing")
            continue
        if not notetype.cloze and len(notetype.fields) > 2 and notetype.name not in _OWN_KINDS \
                and notetype.fields[2:3] != ["Add Reverse"]:
            others.add(notetype.name)
        guid = guid or str(nid)
        key = _key_from_guid(guid) if notetype.name in _OWN_KINDS else safe_key(guid)
        note = _note(notetype, flds.split("\x1f"), key, tags)
        if isinstance(note, str):
            result.skipped.append(f"{shown}: note {index}: skipped: {note}")
            continue
        stored = decks.get(did, "") if did is not None else ""
        deck = "::".join(p.strip() for p in stored.split("::") if p.strip())
        if not deck or deck == "Default":
            deck = "Imported"
        if (deck, note.key) in seen:
            result.skipped.append(f"{shown}: note {index}: skipped: same note id (guid) as "
                                  f"note {seen[deck, note.key]}")
            continue
        seen[deck, note.key] = index
        by_deck.setdefault(deck, []).append(note)
    if others:
        result.messages.append(f"{shown}: note type(s) {', '.join(sorted(others))}: the first "
                               "field is the front and the other fields make the back")
    result.decks = [DeckData(id=DeckId(""), name=deck, notes=tuple(notes), path=shown)
                    for deck, notes in by_deck.items()]
    wanted = {ref for d in result.decks for n in d.notes for v in n.fields.values()
              if isinstance(v, str) for ref in media_references(v)}
    for member, filename in _media_map(members, zf, modern).items():
        if filename not in wanted or member not in members:
            continue
        if not MEDIA_NAME.match(filename):
            result.skipped.append(f"{shown}: media '{html.escape(filename)}': skipped: not a plain file name")
            continue
        result.media[filename] = _unzstd(_read_member(zf, members[member]), filename) if modern \
            else _read_member(zf, members[member])
    missing = wanted - set(result.media)
    if missing:
        result.messages.append(f"{shown}: media not in the package: {', '.join(sorted(missing))}")
    if not result.decks:
        first = f" ({result.skipped[0][len(shown) + 2:]})" if result.skipped else ""
        raise _Refused(f"it has no notes flashdesk can import{first}")
    return result
