"""Builders of hostile files, made the way an attacker would: sqlite3 and
zipfile, no Anki. Shared by the hostile-input tests and the property tests."""

from __future__ import annotations

import json
import sqlite3
import struct
import zipfile
from pathlib import Path

#: one Basic note type and two decks, as a legacy collection stores them
MODELS = {"1": {"name": "Basic", "type": 0,
                "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
                "tmpls": [{"name": "Card 1", "qfmt": "{{Front}}", "ord": 0}]}}
DECKS = {"1": {"name": "Default"}, "2": {"name": "Hostile"}}
NOTES = [(1, "guid1", 1, "tag", "What is HEAT?\x1fHear, Empathise, Apologise, Take ownership")]
CARDS = [(1, 2, 0)]

#: a legacy collection with only what flashdesk reads; columns without types,
#: so each value keeps the type it is given (a number in ``flds``, text in ``mid``)
LEGACY_TABLES = {
    "col": "CREATE TABLE col (id, models, decks)",
    "notes": "CREATE TABLE notes (id, guid, mid, tags, flds)",
    "cards": "CREATE TABLE cards (nid, did, ord)",
}
MODERN_TABLES = {
    "notes": LEGACY_TABLES["notes"],
    "cards": LEGACY_TABLES["cards"],
    "notetypes": "CREATE TABLE notetypes (id, name, config)",
    "fields": "CREATE TABLE fields (ntid, ord, name)",
    "templates": "CREATE TABLE templates (ntid, ord, config)",
    "decks": "CREATE TABLE decks (id, name)",
}
#: an endless query, and one of 400,000 rows of 2 KB
ENDLESS = ("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
           "SELECT i AS id, 'g' || i AS guid, 1 AS mid, '' AS tags, "
           "'Q' || i || char(31) || 'A' AS flds FROM r")
HUGE = ("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 400000) "
        "SELECT i AS id, 'g' || i AS guid, 1 AS mid, '' AS tags, "
        "printf('%.1000c', 'Q') || i || char(31) || printf('%.1000c', 'A') AS flds FROM r")


def _serialized(statements, rows, lenient: bool) -> bytes:
    """A database made by ``statements``, with ``rows`` (table → rows) in
    those tables that are real tables. ``lenient``: skip a statement or row
    SQLite refuses instead of raising (the property tests combine freely)."""
    conn = sqlite3.connect(":memory:")
    for sql in statements:
        try:
            conn.execute(sql)
        except sqlite3.Error:
            if not lenient:
                raise
    real = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table, values in rows.items():
        for row in values if table in real else ():
            try:
                conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
            except (sqlite3.Error, OverflowError):  # OverflowError: a number SQLite cannot hold
                if not lenient:
                    raise
    conn.commit()
    data = conn.serialize()
    conn.close()
    return data


def legacy_collection(*, models=MODELS, decks=DECKS, notes=NOTES, cards=CARDS,
                      replace: dict[str, str] | None = None, extra=(), col_rows=None,
                      lenient: bool = False) -> bytes:
    """The bytes of a legacy collection (``collection.anki2``). ``models`` and
    ``decks`` are stored as JSON unless they are already text, bytes or None;
    ``replace`` gives another CREATE statement for a table (a view, say; rows
    go into it only if it is still a table); ``extra`` are more statements."""
    replace = replace or {}

    def stored(value):
        return value if value is None or isinstance(value, (str, bytes, int)) else json.dumps(value)

    tables = {**LEGACY_TABLES, **replace}
    rows = {"col": col_rows if col_rows is not None else [(1, stored(models), stored(decks))],
            "notes": notes, "cards": cards}
    return _serialized([*tables.values(), *extra], rows, lenient)


def _varint(n: int) -> bytes:
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def protobuf(*fields: tuple[int, int | bytes]) -> bytes:
    """A protobuf message of (field number, int or bytes) pairs."""
    out = b""
    for number, value in fields:
        if isinstance(value, int):
            out += _varint(number << 3) + _varint(value)
        else:
            out += _varint(number << 3 | 2) + _varint(len(value)) + value
    return out


def modern_collection(*, notetypes=None, fields=None, templates=None, decks=None,
                      notes=NOTES, cards=CARDS, replace: dict[str, str] | None = None,
                      extra=(), lenient: bool = False) -> bytes:
    """The bytes of a current collection (``collection.anki21b``, not compressed)."""
    replace = replace or {}
    rows = {
        "notetypes": notetypes if notetypes is not None else [(1, "Basic", protobuf((1, 0)))],
        "fields": fields if fields is not None else [(1, 0, "Front"), (1, 1, "Back")],
        "templates": templates if templates is not None else [
            (1, 0, protobuf((1, b"{{Front}}")))],
        "decks": decks if decks is not None else [(1, "Default"), (2, "Hostile")],
        "notes": notes, "cards": cards,
    }
    tables = {**MODERN_TABLES, **replace}
    return _serialized([*tables.values(), *extra], rows, lenient)


def package(path: Path, members: dict[str, bytes]) -> Path:
    """A zip (an .apkg) of ``members``, deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def legacy_package(path: Path, **kwargs) -> Path:
    return package(path, {"collection.anki2": legacy_collection(**kwargs), "media": b"{}"})


def _interior_page(size: int, children: list[int]) -> bytes:
    """A table b-tree interior page whose cells all point to ``children``
    (the last one is the right-most pointer)."""
    page = bytearray(size)
    top = size
    for index, child in enumerate(children[:-1]):
        cell = struct.pack(">I", child) + b"\x01"  # a one-byte key: sound enough for a scan
        top -= len(cell)
        page[top:top + len(cell)] = cell
        page[12 + 2 * index:14 + 2 * index] = struct.pack(">H", top)
    page[0] = 0x05
    page[3:5] = struct.pack(">H", len(children) - 1)
    page[5:7] = struct.pack(">H", top)
    page[8:12] = struct.pack(">I", children[-1])
    return bytes(page)


def looping_table(data: bytes, table: str = "notes", fanout: int = 580) -> bytes:
    """``data`` (an SQLite database whose ``table`` spans a root page and at
    least two leaves, in pages of 4 KB) with that table's pages rewired: the
    root points ``fanout`` times to a page that points ``fanout`` times to
    the first leaf. Every page is still a sound page, but a scan reads that
    leaf fanout² times: tens of millions of rows from a file of a few KB."""
    conn = sqlite3.connect(":memory:")
    conn.deserialize(data)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    conn.close()
    out = bytearray(data)
    at = (root - 1) * size
    assert out[at] == 0x05, f"the {table} table must span more than one page"
    count = struct.unpack(">H", out[at + 3:at + 5])[0]
    cells = [struct.unpack(">H", out[at + 12 + 2 * i:at + 14 + 2 * i])[0] for i in range(count)]
    leaf, middle = (struct.unpack(">I", out[at + c:at + c + 4])[0] for c in cells[:2])
    out[(middle - 1) * size:middle * size] = _interior_page(size, [leaf] * fanout)
    out[at:at + size] = _interior_page(size, [middle] * fanout)
    return bytes(out)
