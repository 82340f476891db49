"""Spreadsheet files: CSV and TSV with a header row, and Anki's "Notes in
Plain Text" files with their ``#key:value`` header lines. See
docs/import-export.md for the columns.

A file is one of two shapes:

- **a flashdesk spreadsheet**: a header row naming the columns (``front``,
  ``back``, ``kind`` …, see ``COLUMNS``), any flashdesk kind per row;
- **an Anki text file**: rows of note fields, read the way Anki reads them
  (``rslib/src/import_export/text/csv``, read, not copied): the header lines
  ``#separator``, ``#html``, ``#tags``, ``#columns``, ``#deck``,
  ``#notetype``, ``#deck column``, ``#notetype column``, ``#tags column`` and
  ``#guid column``; fields mapped onto the note type's fields by the
  ``#columns`` names or by position; the first column after the fields is
  the tags column (what Anki writes), except with a ``#notetype column``:
  then, as in Anki, a row holds only its note type's fields, a column after
  them is not read (the message names it) and tags come only from
  ``#tags column``; each note type evaluated as Anki does
  (``flashdesk.formats.notetypes``). A file with neither header lines nor a
  header row is read this way too, as Anki's Basic note type: front, back,
  tags.

Both shapes decide once per file whether the text is HTML: the ``#html``
header when there is one, else whether the file holds any real HTML
element or entity (``looks_like_html``). Text that is not HTML is escaped,
so ``Press <Esc>`` stays those words; in HTML, too, what is not markup is
text (``escape_literal``: ``<customer name>`` beside ``<b>`` stays), and
whatever the sanitiser removes from real markup is counted and reported.

Bytes become text line by line: UTF-8 (with or without a byte-order mark),
UTF-16 with a byte-order mark (Excel's "Unicode text"); a line that is not
valid UTF-8 has only its invalid bytes read as Windows-1252, and the
message names the line. Line ends may be CR LF, LF or CR alone.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
import functools
import hashlib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from ..cards import (
    REQUIRED, cloze_numbers, cloze_problem, may_be_oversized, oversized_field, too_long,
)
from ..model import FIELDS, LIST_FIELDS, Kind, NoteData
from ..text import plural
from .csvcell import unguard_cell
from .notetypes import DEFAULT_NOTETYPE, STOCK, NoteType, generic_notetype, map_note
from .problems import DeckFileError, Problem, shown_path
from .result import (
    DeckGroups, ReadResult, anki_identity, derived_key, given_identity, safe_key, scoped_identity,
)
from .sanitize import (
    CONTROLS, Removals, blank_field, card_html, clean_field, clean_plain,
    clean_text_field, is_blank, looks_like_html, stored_as_is,
)
from .tags import normalise_tags

__all__ = ["read_table", "COLUMNS", "LIST_SEPARATOR", "decode_text", "ANKI_HEADERS",
           "READER_VERSION"]

#: part of every row's hash (``read_table``'s ``known``): change it when the
#: same row would be read into a different note
READER_VERSION = "table-3"

MAX_BYTES = 256 * 1024 * 1024
LIST_SEPARATOR = "|"
#: accepted header names (case-insensitive) → the column they mean
COLUMNS = {
    "id": "id", "guid": "id", "key": "id", "note id": "id",
    "deck": "deck", "kind": "kind", "type": "kind",
    "front": "front", "question": "front", "prompt": "front", "text": "front",
    "back": "back", "answer": "back", "model answer": "back",
    "extra": "extra", "explanation": "extra", "notes": "extra",
    "tags": "tags", "options": "options", "points": "points", "marking points": "points",
    "reverse": "reverse", "source": "source",
}
#: the header lines of Anki's text files that flashdesk reads
ANKI_HEADERS = ("separator", "html", "tags", "columns", "deck", "notetype", "deck column",
                "notetype column", "tags column", "guid column")
#: header lines that describe Anki's columns: with any of them the rows are Anki's
_ANKI_COLUMN_HEADERS = ("columns", "notetype", "deck column", "notetype column", "tags column",
                        "guid column")
_ANKI_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|",
                    "colon": ":"}
#: Anki's order when a file with header lines names no separator
_ANKI_SEPARATOR_ORDER = ("\t", "|", ";", ":", ",", " ")
_YES = {"yes", "y", "true", "1", "x"}
#: rows whose cells decide nothing more are read as they come; this many
#: lines not UTF-8 are named one by one in the message
_NAMED_LINES = 5
# csv's limit, raised so one long field (a scenario's model answer) cannot fail the file
csv.field_size_limit(64 * 1024 * 1024)


# -- bytes to text ------------------------------------------------------------------

class _NotCp1252(Exception):
    pass


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the bytes that are not UTF-8, read as Windows-1252."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start:exc.end]
    try:
        return bytes(bad).decode("cp1252"), exc.end
    except UnicodeDecodeError:
        raise _NotCp1252(bad[0]) from None


codecs.register_error("flashdesk-cp1252", _cp1252_bytes)


def decode_text(raw: bytes, shown: str) -> tuple[str, list[str]]:
    """The text of a spreadsheet file and what the user should know about
    how it was read. UTF-16 with a byte-order mark is UTF-16; otherwise
    each line is UTF-8 (a byte-order mark is dropped), and in a line that is
    not, only the bytes that are not UTF-8 are read as Windows-1252 (as
    older Excel saves CSV), the message naming the line. Raises
    ``DeckFileError`` for binary data or a byte neither reads."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].decode("utf-16", "replace").count("\n") + 1
            raise DeckFileError([Problem(shown, "not valid UTF-16 text although it starts as "
                                                "UTF-16; save it again", line)]) from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    if b"\x00" in raw[:4096]:
        raise DeckFileError([Problem(shown, "this is not a text file (it contains binary data)")])
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines: list[str] = []
    repaired: list[str] = []
    for number, chunk in enumerate(raw.splitlines(keepends=True), 1):
        try:
            lines.append(chunk.decode("utf-8"))
            continue
        except UnicodeDecodeError as exc:
            first = chunk[exc.start]
        try:
            lines.append(chunk.decode("utf-8", "flashdesk-cp1252"))
        except _NotCp1252 as bad:
            raise DeckFileError([Problem(
                shown, f"not UTF-8 text (byte 0x{bad.args[0]:02x}) and not Windows-1252 either; "
                       "save it as CSV UTF-8", number)]) from None
        repaired.append(f"{number} (byte 0x{first:02x})")
    named = ", ".join(repaired[:_NAMED_LINES]) + (
        f" and {len(repaired) - _NAMED_LINES} more" if len(repaired) > _NAMED_LINES else "")
    return "".join(lines), [
        f"{shown}: {plural(len(repaired), 'line')} not UTF-8: {named}; "
        "only their bytes that are not "
        "UTF-8 were read as Windows-1252 (as older Excel saves CSV); every other line is "
        "UTF-8. Check those lines"]


_LINE_END = re.compile(r"\r\n|\r|\n")
#: what ``str.splitlines`` also ends a line at, besides '\n'
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BLOCK_CHARS = 1 << 20


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text``, each ending in ``\\n`` whatever its own line
    end was (CR LF, LF, or CR alone as Excel for Mac writes), one at a time
    (no copy of the whole text, which io.StringIO would make at four bytes a
    character)."""
    if not _OTHER_BREAKS.search(text):  # '\n' alone: splitlines, a block at a time
        start = 0
        while start < len(text):
            end = text.find("\n", start + _BLOCK_CHARS)
            end = len(text) if end < 0 else end + 1
            yield from text[start:end].splitlines(keepends=True)
            start = end
        return
    start = 0
    for match in _LINE_END.finditer(text):
        yield text[start:match.start()] + "\n"
        start = match.end()
    if start < len(text):
        yield text[start:]


# -- header lines ------------------------------------------------------------------

@dataclass
class _Headers:
    """Anki's header lines at the top of a file."""

    values: dict[str, str] = field(default_factory=dict)
    #: lines they take (comment lines included)
    count: int = 0

    def column(self, name: str) -> int | None:
        """A ``#… column:N`` header as a 0-based column index."""
        value = self.values.get(name, "").strip()
        return int(value) - 1 if value.isdecimal() and int(value) > 0 else None


def _headers(lines: list[str]) -> _Headers:
    """Leading ``#key:value`` lines (Anki's header lines), and a first line
    starting ``tags:`` (an older Anki form). A line starting with ``#``
    without a colon ends them: it is a row (``#1 rule,…``), not a header."""
    found = _Headers()
    for index, line in enumerate(lines):
        if index == 0 and line.startswith("tags:"):
            found.values["tags"] = line[5:].strip()
        elif line.startswith("#") and ":" in line:
            name, _, value = line[1:].partition(":")
            found.values[name.strip().lower()] = value.rstrip("\r\n")
        else:
            break
        found.count += 1
    return found


def _separator(value: str) -> str | None:
    """A ``#separator`` value: a name (``tab``, ``comma`` …) or the character."""
    value = value.strip("\r\n")
    named = _ANKI_SEPARATORS.get(value.strip().lower())
    if named:
        return named
    return value[:1] if value[:1] in _ANKI_SEPARATORS.values() else None


def _noting_the_end(ended: list[bool]) -> Iterator[str]:
    """No line; appends to ``ended`` when asked for one, i.e. once the lines
    before it are all read. Chained after a file's lines, it tells the csv
    reader's usual end (between rows) from the end inside a quoted cell,
    where the reader (not strict) gives the cell read so far as the last
    row's: a quote opened and never closed swallows the rest of the file."""
    ended.append(True)
    yield from ()


def _unclosed(shown: str, row: list[str], start: int, last: int) -> Problem:
    """The problem of ``row``, which starts on line ``start`` and whose last
    cell opens a quote that runs to the file's last line, ``last``."""
    opened = start + sum(cell.count("\n") for cell in row[:-1])  # earlier cells may span lines
    swallowed = f", so lines {opened}–{last} would be one cell" if last > opened else ""
    return Problem(shown, f"a quote opens here and is never closed{swallowed}; close the quote "
                          "or remove it", opened)


def _rows(lines: Iterable[str], sep: str, first_line: int,
          shown: str) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, cells) of each row of ``lines`` that is not
    blank, read as the import goes; the first of ``lines`` is line
    ``first_line`` of the file ``shown``. Raises ``DeckFileError`` for a
    row the reader was still reading when the lines ran out (a quote that
    is never closed) and for what the csv reader refuses."""
    ended: list[bool] = []
    reader = csv.reader(itertools.chain(lines, _noting_the_end(ended)), delimiter=sep)
    end = 0
    try:
        for row in reader:
            if ended:
                raise DeckFileError([_unclosed(shown, row, first_line + end,
                                               first_line - 1 + reader.line_num)])
            if any(map(str.strip, row)):
                yield first_line + end, row
            end = reader.line_num
    except csv.Error as exc:
        raise DeckFileError([Problem(shown, f"not a readable table: {exc}",
                                     first_line - 1 + reader.line_num)]) from None


# -- flashdesk's spreadsheet ------------------------------------------------------------

def _split(value: str) -> list[str]:
    """List items separated by '|' (or line breaks); '\\|' is a literal bar."""
    parts = re.split(r"\s*(?<!\\)\|\s*|\n", value)
    return [p.strip().replace("\\|", "|") for p in parts if p.strip()]


class _Cells:
    """How one file's cells become card HTML: escaped when the file is not
    HTML, then sanitised, removals counted."""

    def __init__(self, is_html: bool, removals: Removals):
        self.is_html, self.removals = is_html, removals

    def field(self, value: str, where: str) -> str:
        if stored_as_is(value):
            return value.strip()
        value = value.strip()
        if not self.is_html:
            return self._text(value, where)
        return clean_field(value, self.removals, where)

    def item(self, value: str, where: str) -> str:
        if not self.is_html:
            return self._text(value, where)
        return card_html(value, self.removals, where)

    def _text(self, value: str, where: str) -> str:
        """Plain text as card HTML: escaped, never parsed by the sanitiser
        (what ``clean_html(text_to_html(value))`` makes of it, faster);
        control characters removed and counted."""
        if not value.isprintable():
            for ch in CONTROLS.findall(value):
                self.removals.add("control characters", f"U+{ord(ch):04X}", where)
        return clean_text_field(value)


def read_cell(value: str, *, is_html: bool, is_item: bool = False) -> str:
    """What this reader stores for one cell of a file it reads as HTML
    (``is_html``) or as text: a field's card HTML, or a list item's
    (``is_item``), by ``_Cells``' own rule, with nothing counted. For a
    writer checking that a cell reads back as the text it was written from."""
    cells = _Cells(is_html, Removals(keep=0))
    return cells.item(value, "") if is_item else cells.field(value, "")


def note_from_row(cols: dict[str, str], cells: _Cells, where: str) -> NoteData | str:
    """One row of a flashdesk spreadsheet (column name → text) as a note,
    or the reason it is skipped. Its key is the ``id`` cell or one derived
    from the front; the caller gives it its identity."""
    def text(name: str) -> str:
        return cells.field(cols.get(name, ""), where)

    front, back = text("front"), text("back")
    raw_kind = cols.get("kind", "").strip().lower()
    try:
        kind = Kind(raw_kind) if raw_kind else (
            Kind.CLOZE if "{{c" in front and cloze_numbers(front) else Kind.BASIC)
    except ValueError:
        return f"unknown kind '{raw_kind}' (use {', '.join(k.value for k in Kind)})"
    if is_blank(front):
        return "the front (first field) is empty" + _once_cleaned([cols.get("front", "")], cells)
    extra = text("extra")
    fields: dict[str, Any]
    if kind == Kind.BASIC:
        if is_blank(back):
            return "the back is empty" + _once_cleaned([cols.get("back", "")], cells)
        fields = {"front": front, "back": back}
        if cols.get("reverse", "").strip().lower() in _YES:
            fields["reverse"] = True
        if extra:
            fields["extra"] = extra
    elif kind == Kind.CLOZE:
        broken = cloze_problem(front)
        if broken:
            return f"field 'front': {broken}"
        fields = {"text": front}
        if back or extra:
            fields["extra"] = " ".join(p for p in (back, extra) if p)
    elif kind == Kind.CHOICE:
        options = [cells.item(o, where) for o in _split(cols.get("options", ""))]
        if len(options) < 2 or len(set(options)) != len(options):
            return "a choice note needs two or more different options, separated by '|'"
        if back.isdecimal() and 1 <= int(back) <= len(options):
            answer = int(back)
        elif back in options:
            answer = options.index(back) + 1
        else:
            return "the back of a choice note must be the number or text of the right option"
        fields = {"question": front, "options": options, "answer": answer}
        if extra:
            fields["explanation"] = extra
    elif kind == Kind.ORDER:
        items = [cells.item(i, where) for i in _split(cols.get("back", ""))]
        if len(items) < 2 or len(set(items)) != len(items):
            return "an order note needs two or more different items in the back, separated by '|'"
        fields = {"prompt": front, "items": items}
        if extra:
            fields["explanation"] = extra
    elif kind == Kind.TYPED:
        if is_blank(back):
            return "a typed note needs its answer in the back"
        fields = {"prompt": front, "answer": back}
        accept = [cells.item(a, where) for a in _split(cols.get("options", ""))]
        if accept:
            fields["accept"] = accept
        if extra:
            fields["explanation"] = extra
    else:
        points = [cells.item(p, where) for p in _split(cols.get("points", ""))]
        if not back or not points:
            return "a scenario note needs a model answer (back) and marking points (points)"
        fields = {"prompt": front, "model_answer": back, "marking_points": points}
        if extra:
            fields["explanation"] = extra
    empty = blank_field(REQUIRED[kind], fields)
    if empty is not None:
        raw = cols.get(_COLUMN_OF[empty], "")
        return f"the {empty.replace('_', ' ')} field is empty" + _once_cleaned(
            _split(raw) if empty in LIST_FIELDS else [raw], cells)
    key = safe_key(cols["id"]) if cols.get("id", "").strip() else derived_key(front)
    return NoteData(key=key, kind=kind, fields=fields, source=clean_plain(
        cols.get("source", "")).strip())


#: the spreadsheet column each required field of a note is read from
_COLUMN_OF = {"front": "front", "text": "front", "question": "front", "prompt": "front",
              "back": "back", "answer": "back", "model_answer": "back", "items": "back",
              "options": "options", "marking_points": "points"}


def _once_cleaned(raws: list[str], cells: _Cells) -> str:
    """Why a field read from ``raws`` (its cells, or its list items) is
    empty: " once unsafe content is removed (…)" when the sanitiser removed
    something from one that then shows nothing; "" when none held anything
    it removes (an empty cell, spaces, ``<br>``, ``&nbsp;``). Only for the
    message of a row that is skipped: the cells are cleaned again, their
    removals not counted."""
    for raw in raws:
        found = Removals(keep=0)
        if is_blank(_Cells(cells.is_html, found).field(raw, "")) and found.total:
            return " once unsafe content is removed (scripts, links, remote images)"
    return ""


# -- Anki's text files ------------------------------------------------------------------

@dataclass
class _AnkiColumns:
    """Where each thing is in a row of an Anki text file (0-based columns)."""

    notetype: NoteType | None            # None: a notetype column names it per row
    fields: list[int | None]             # column of each of the note type's fields
    tags: int | None = None
    deck: int | None = None
    guid: int | None = None
    notetype_column: int | None = None
    #: a stand-in for a note type flashdesk does not know: every free column is a field
    generic: bool = False
    width: int = 0

    @property
    def meta(self) -> set[int]:
        return {c for c in (self.tags, self.deck, self.guid, self.notetype_column)
                if c is not None}


def _notetype(name: str, width: int, unknown: set[str]) -> NoteType:
    """The note type a text file names: one of Anki's standard ones, else a
    stand-in that reads the first field as the front and the second as the
    back (``unknown`` collects such names for a message)."""
    name = clean_plain(name).strip()
    found = STOCK.get(name) or next(
        (nt for n, nt in STOCK.items() if n.casefold() == name.casefold()), None)
    if found is None:
        unknown.add(name)
        return generic_notetype(name, width)
    return found


def _anki_columns(headers: _Headers, width: int, unknown: set[str]) -> _AnkiColumns:
    """Anki's column mapping (``CsvMetadata`` in Anki): special columns by
    number; fields by the ``#columns`` names when given, else in order over
    the other columns; tags in the ``#tags column``, else in a column named
    Tags, else the first free column after the fields (what Anki writes).
    A note type flashdesk does not know takes every free column as a field."""
    values = headers.values
    labels: list[str] = []
    if values.get("columns", "").strip():
        sep = _separator(values.get("separator", "")) or "\t"
        labels = [c.strip() for c in next(csv.reader([values["columns"]], delimiter=sep), [])]
    width = max(width, len(labels))
    cols = _AnkiColumns(None, [], tags=headers.column("tags column"),
                        deck=headers.column("deck column"), guid=headers.column("guid column"),
                        notetype_column=headers.column("notetype column"), width=width)
    if cols.notetype_column is not None:
        return cols
    if cols.tags is None and "tags" in [label.casefold() for label in labels]:
        cols.tags = [label.casefold() for label in labels].index("tags")
    meta = cols.meta
    free = [i for i in range(width) if i not in meta]
    name = values.get("notetype", "").strip()
    notetype = _notetype(name, len(free), unknown) if name else DEFAULT_NOTETYPE
    if name and notetype.name not in STOCK:
        cols.notetype, cols.fields, cols.generic = notetype, list(free), True
        return cols
    if any(labels):
        by_label = {label.casefold(): i for i, label in enumerate(labels) if i not in meta}
        fields_at: list[int | None] = [by_label.get(f.casefold()) for f in notetype.fields]
    else:
        fields_at = list(free[:len(notetype.fields)])
    fields_at += [None] * (len(notetype.fields) - len(fields_at))
    if fields_at[0] is None:
        fields_at[0] = next((i for i in free if i not in fields_at), None)
    if cols.tags is None:
        last = max((c for c in fields_at if c is not None), default=-1)
        cols.tags = next((i for i in range(last + 1, width) if i not in meta), None)
    cols.notetype, cols.fields = notetype, fields_at
    return cols


def _anki_note(cols: _AnkiColumns, row: list[str], cells: _Cells, where: str,
               unknown: set[str], unread: dict[int, int]) -> tuple[str, Kind, dict, str, str] | str:
    """One row of an Anki text file: (the note's key, kind, fields and
    identity, its deck cell or "") or the reason it is skipped. A note type
    flashdesk does not know is added to ``unknown``; with a note type
    column, a column after a known note type's fields that holds text is
    counted in ``unread`` (0-based column → rows): Anki does not read it."""
    def cell(index: int | None) -> str:
        return row[index] if index is not None and index < len(row) else ""

    raw: list[str] | None = None  # the field cells as they are in the file
    if cols.notetype_column is not None:
        meta = cols.meta
        free = [i for i in range(len(row)) if i not in meta]
        notetype = _notetype(cell(cols.notetype_column), len(free), unknown)
        if len(free) > len(notetype.fields) and notetype.name in STOCK:
            for i in free[len(notetype.fields):]:  # as Anki: only the note type's fields
                if row[i].strip():
                    unread[i] = unread.get(i, 0) + 1
            del free[len(notetype.fields):]
        raw = [row[i] for i in free]
        values = [cells.field(v, where) for v in raw]
    else:
        assert cols.notetype is not None
        notetype, width, field = cols.notetype, len(row), cells.field
        values = [field(row[i], where) if i is not None and i < width else ""
                  for i in cols.fields]
    if not values or is_blank(values[0]):
        raw = raw if raw is not None else [cell(i) for i in cols.fields]
        return "the front (first field) is empty" + _once_cleaned(raw[:1], cells)
    mapped = map_note(notetype, values)
    if isinstance(mapped, str):
        return mapped
    empty = blank_field(REQUIRED[mapped.kind], mapped.fields)
    if empty is not None:  # the note type decides which fields make it: any emptied counts
        raw = raw if raw is not None else [cell(i) for i in cols.fields]
        return f"the {empty.replace('_', ' ')} field is empty" + _once_cleaned(raw, cells)
    guid = cell(cols.guid)
    guid = (guid if guid.isprintable() else clean_plain(guid)).strip()
    if guid:
        return safe_key(guid), mapped.kind, mapped.fields, anki_identity(guid), cell(cols.deck)
    first = mapped.fields.get("front", mapped.fields.get("text", ""))
    return derived_key(first), mapped.kind, mapped.fields, "", cell(cols.deck)


#: a note as a message about a duplicate row compares it: deck name, kind,
#: fields, tags, source
_Content = tuple[str, Kind, dict, tuple[str, ...], str]
#: what a field is called in such a message, where not its name
_FIELD_WORDS = {"reverse": "reverse setting", "model_answer": "model answer",
                "marking_points": "marking points", "accept": "accepted answers"}


def _same_note(by: str, line: str, first: _Content | None, this: _Content | None) -> str:
    """Why a row is skipped whose note an earlier row (on ``line``) already
    made, the same ``by`` ("front", "id", "guid") making them one note:
    "same note as line N" when the two rows make the same note, else what
    this row would have changed, which is not imported ("same front as line
    N but a different back; only line N is imported")."""
    if first is None or this is None:
        return f"same {by} as line {line}; only line {line} is imported"
    deck, kind, fields, tags, source = this
    first_deck, first_kind, first_fields, first_tags, first_source = first
    if kind != first_kind:
        parts = ["a different kind"]
    else:  # a front that differs only in case and spacing is the same front
        same = FIELDS[kind][0] if by == "front" else None
        parts = [("different " if name in LIST_FIELDS else "a different ")
                 + _FIELD_WORDS.get(name, name) for name in FIELDS[kind]
                 if name != same and fields.get(name) != first_fields.get(name)]
    if set(tags) != set(first_tags):
        parts.append("different tags")
    if source != first_source:
        parts.append("a different source")
    if deck.casefold() != first_deck.casefold():
        parts.append("a different deck")
    if not parts:
        return f"same note as line {line}"
    listed = f"{', '.join(parts[:-1])} and {parts[-1]}" if len(parts) > 1 else parts[0]
    return f"same {by} as line {line} but {listed}; only line {line} is imported"


# -- the reader -------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _deck_name(cell: str, default_deck: str) -> str:
    """The deck a row names in its deck cell (else the file's deck)."""
    deck = " ".join(clean_plain(cell).split())
    return "::".join(p.strip() for p in deck.split("::") if p.strip()) or default_deck

def _is_flashdesk_header(row: list[str]) -> bool:
    return "front" in {COLUMNS.get(c.strip().lower()) for c in row}


def read_table(path: str | Path, deck_name: str | None = None, *,
               known: Mapping[int, tuple[str, str]] | None = None) -> ReadResult:
    """Read a CSV, TSV or Anki text file into decks of notes.

    ``deck_name`` receives notes whose file names no deck (default: the
    file's name). Rows that cannot become a note are skipped with their
    line and reason; a file that is not a table at all, or where no row
    can be imported, raises ``DeckFileError`` naming the file and line.

    With ``known`` (row hash → (deck name, note identity) of notes a
    collection imported from rows it has not changed since), a row whose
    hash is known and whose deck is that deck is not read again: the
    identity goes into its deck's ``unchanged``; every note read carries its
    row's hash (``origin``)."""
    shown = shown_path(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise DeckFileError([Problem(shown, f"the file is larger than {MAX_BYTES // 2**20} MB")])
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DeckFileError([Problem(shown, f"cannot read the file: {exc.strerror or exc}")]) from None
    text, messages = decode_text(raw, shown)
    del raw
    lines = _lines(text)
    head = list(itertools.islice(lines, 64))
    headers = _headers(head)
    body_lines = itertools.chain(head[headers.count:], lines)
    values = headers.values
    result = ReadResult("anki-text" if values else "csv", [], messages=messages)
    default_deck = " ".join(clean_plain(values.get("deck", "").strip() or deck_name
                                        or Path(path).stem.replace("_", " ")).split()) or "Imported"
    sample = "".join(head[headers.count:headers.count + 20])
    sep = _separator(values["separator"]) if "separator" in values else None
    if sep is None:
        if Path(path).suffix.lower() == ".tsv":
            sep = "\t"
        elif values:
            sep = next((s for s in _ANKI_SEPARATOR_ORDER if s in sample), "\t")
        else:
            try:
                sep = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
            except csv.Error:
                sep = "\t" if "\t" in sample else ","
    html_header = values.get("html", "").strip().lower()
    is_html = html_header == "true" if html_header in ("true", "false") else looks_like_html(text)
    removals = Removals()
    cells = _Cells(is_html, removals)
    data = _rows(body_lines, sep, headers.count + 1, shown)
    first_row = next(data, None)
    if first_row is None:
        raise DeckFileError([Problem(shown, "the file has no rows")])
    global_tags = values.get("tags", "")
    groups = DeckGroups()
    unknown: set[str] = set()
    unread: dict[int, int] = {}  # with a note type column: column → rows, text not read
    tag_problems: list[str] = []
    tag_cache: dict[str, tuple[tuple[str, ...], list[str]]] = {}
    anki = any(h in values for h in _ANKI_COLUMN_HEADERS) or not _is_flashdesk_header(first_row[1])
    names: list[str] = []
    columns: _AnkiColumns | None = None
    result.format = "anki-text" if anki and values else "csv"
    if anki:
        data = itertools.chain([first_row], data)
        if not values:
            result.messages.append(f"{shown}: no header row; columns read as front, back, tags")
    else:
        names = [COLUMNS.get(c.strip().lower(), "") for c in first_row[1]]
        ignored = [first_row[1][i] for i, n in enumerate(names) if not n and first_row[1][i].strip()]
        if ignored:
            result.messages.append(f"{shown}: ignored column{'s' if len(ignored) != 1 else ''} "
                                   f"{', '.join(ignored)}")
    # what, besides its cells, decides the note a row makes
    context = "\x1e".join(map(str, (READER_VERSION, sorted(values.items()), default_deck,
                                     is_html, anki, names)))
    origin: int | None = None
    hasher: Any = None
    hashed_for: _AnkiColumns | None = None
    # the deck column as ``cols`` reads it (the last of that name)
    at = len(names) - 1 - names[::-1].index("deck") if "deck" in names else None

    def reread(row: list[str]) -> tuple[str, _Content] | None:
        """What makes a row's note its note ("guid", "id" or "front") and the
        note it makes, for a row not read (``known``) that a message about a
        duplicate must compare; removals, tags and note types left out are
        not counted again. None when it makes no note."""
        quiet = _Cells(is_html, Removals())
        if anki:
            assert columns is not None  # the unchanged rows' own
            found = _anki_note(columns, row, quiet, "", set(), {})
            if isinstance(found, str):
                return None
            by = "guid" if found[3] else "front"
            tags = row[columns.tags] if columns.tags is not None and columns.tags < len(row) else ""
            deck_cell, kind, fields, source = found[4], found[1], found[2], ""
        else:
            cols = dict(zip(names, map(unguard_cell, row)))
            cols.pop("", None)
            read = note_from_row(cols, quiet, "")
            if isinstance(read, str):
                return None
            by = "id" if cols.get("id", "").strip() else "front"
            deck_cell, tags, kind, fields, source = cols.get("deck", ""), cols.get("tags", ""), \
                read.kind, read.fields, read.source
        return by, (_deck_name(deck_cell, default_deck), kind, fields,
                    normalise_tags([global_tags, tags])[0], source)

    #: skip messages that compare with a row not read: (their place in
    #: ``result.skipped``, what made the notes one, that row's line, its
    #: deck, this row's note), completed once the file is read
    later: list[tuple[int, str, str, str, _Content | None]] = []
    #: what the sanitiser removed from each deck's rows (``result.sanitised_decks``)
    lost: Counter[str] = Counter()

    def skip(message: str, deck: str | None) -> None:
        """One skipped row, with the deck its row names (None: not known),
        so the import report puts it under that deck."""
        result.skipped.append(message)
        if deck is not None:
            result.skipped_decks[len(result.skipped) - 1] = deck

    def skip_same(line: int, identity: str, by: str, this: _Content | None,
                  own_deck: str) -> None:
        """Skip the row on ``line`` (of ``own_deck``), whose note (``this``)
        the row first met with ``identity`` already made, saying what it
        would have changed."""
        first, deck, note = groups.first(identity) or ("?", "", None)
        skip(f"{shown}:{line}: skipped: ", own_deck)
        if note is None and this is not None:
            later.append((len(result.skipped) - 1, by, first, deck, this))
            return
        made = (deck, note.kind, note.fields, note.tags, note.source) if note else None
        result.skipped[-1] += _same_note(by, first, made, this)

    for line, row in data:
        if anki and values and row[0].startswith("#"):
            result.skipped.append(f"{shown}:{line}: skipped: a row starting with '#' is a "
                                  "comment in Anki's text files")
            continue
        if known is not None:  # a row the collection's note was made from is not read again
            if anki:
                if columns is None or (columns.generic and len(row) > columns.width):
                    columns = _anki_columns(headers, len(row), unknown)
                raw_deck = row[columns.deck] if columns.deck is not None and \
                    columns.deck < len(row) else ""
            else:
                raw_deck = unguard_cell(row[at]) if at is not None and at < len(row) else ""
            if hasher is None or hashed_for is not columns:
                hashed_for = columns
                shape = f"{columns.width}/{columns.generic}" if columns is not None else ""
                hasher = hashlib.blake2b("\x1f".join([context, shape, "\x1d"]).encode(
                    "utf-8", "surrogatepass"), digest_size=8)
            h = hasher.copy()
            h.update("\x1f".join(row).encode("utf-8", "surrogatepass"))
            origin = int.from_bytes(h.digest(), "big", signed=True)
            hit = known.get(origin)
            if hit is not None and hit[0] == _deck_name(raw_deck, default_deck) \
                    and groups.name_for(hit[0]) == hit[0]:
                if groups.add_unchanged(hit[0], hit[1], str(line)) is not None:
                    again = reread(row)
                    skip_same(line, hit[1], again[0] if again else "note",
                              again[1] if again else None, hit[0])
                continue
        where = f"line {line}"
        removed = removals.count
        deck_cell = row_tags = id_cell = ""
        if anki:
            if columns is None or (columns.generic and len(row) > columns.width):
                columns = _anki_columns(headers, len(row), unknown)
            found = _anki_note(columns, row, cells, where, unknown, unread)
            if isinstance(found, str):
                own = _deck_name(row[columns.deck] if columns.deck is not None
                                 and columns.deck < len(row) else "", default_deck)
                skip(f"{shown}:{line}: skipped: {found}", own)
                if removals.count != removed:
                    lost[own] += removals.count - removed
                continue
            key, kind, fields, identity, deck_cell = found
            source = ""
            if columns.tags is not None and columns.tags < len(row):
                row_tags = row[columns.tags]
        else:
            cols = dict(zip(names, map(unguard_cell, row)))
            cols.pop("", None)
            read = note_from_row(cols, cells, where)
            if isinstance(read, str):
                own = _deck_name(cols.get("deck", ""), default_deck)
                skip(f"{shown}:{line}: skipped: {read}", own)
                if removals.count != removed:
                    lost[own] += removals.count - removed
                continue
            key, kind, fields, identity, source = read.key, read.kind, read.fields, \
                read.identity, read.source
            deck_cell, row_tags, id_cell = cols.get("deck", ""), cols.get("tags", ""), \
                cols.get("id", "")
        big = oversized_field(fields, source) if may_be_oversized(
            sum(map(len, row)), len(row), is_html and "<" in "".join(row)) else None
        if big is not None:
            raise DeckFileError([Problem(shown, f"refused: field '{big[0]}' of this row is "
                                                f"{too_long(big[1])}", line)])
        deck = groups.name_for(_deck_name(deck_cell, default_deck))
        if removals.count != removed:
            lost[deck] += removals.count - removed
        if row_tags not in tag_cache:  # most rows repeat a few tag cells
            tag_cache[row_tags] = normalise_tags([global_tags, row_tags])
        tags, bad_tags = tag_cache[row_tags]
        if bad_tags:
            tag_problems += [f"line {line}: {p}" for p in bad_tags]
        if not identity:
            given = given_identity(id_cell) if id_cell else None
            identity, key = given if given else (scoped_identity(deck, key), key)
        note = NoteData(key, kind, fields, tags, source, line, origin, identity)
        if groups.add(deck, note, str(line)) is not None:
            skip_same(line, identity, "guid" if anki and identity.startswith("anki:") else
                      "id" if id_cell.strip() else "front", (deck, kind, fields, tags, source),
                      deck)
    if later:  # the rows not read that they compare with, read in one more pass
        wanted = {int(first) for _, _, first, _, _ in later}
        rows_at = {line: row for line, row in _rows(
            itertools.islice(_lines(text), headers.count, None), sep, headers.count + 1, shown)
            if line in wanted}
        for index, by, first, deck, this in later:
            first_read = reread(rows_at[int(first)])
            result.skipped[index] += _same_note(
                by, first, (deck, *first_read[1][1:]) if first_read else None, this)
    result.decks = groups.decks(shown)
    merged = groups.message(shown)
    if merged:
        result.messages.append(merged)
    if unknown:
        result.messages.append(
            f"{shown}: note type{'s' if len(unknown) != 1 else ''} {', '.join(sorted(unknown))} "
            + ("are not Anki's standard ones: " if len(unknown) != 1 else
               "is not one of Anki's standard ones: ") +
            "the first field is read as the front, the second as the back, any others as the extra")
    if unread:
        places = " and ".join(f"column {i + 1} ({plural(n, 'row')})"
                              for i, n in sorted(unread.items()))
        result.messages.append(
            f"{shown}: not imported: text after the note type's fields, in {places}: with "
            "#notetype column, only each note type's fields are read (as Anki reads them)"
            + ("" if "tags column" in values else
               "; add the line #tags column:N if column N holds tags"))
    if tag_problems:
        result.messages.append(f"{shown}: {plural(len(tag_problems), 'tag')} left out: "
                               + "; ".join(tag_problems[:5]))
    summary = removals.summary(shown)
    if summary:
        if not is_html or html_header:
            result.messages.append(summary)
        else:
            result.messages.append(summary + " (if the file is plain text, add the line "
                                             "#html:false at its top)")
        result.sanitised = removals.total
        result.sanitised_decks = dict(lost)
    if not result.decks:
        refused = [Problem(shown, "no row could be imported")]
        refused += [Problem(shown, s.split(": ", 1)[1]) for s in result.skipped[:20]]
        raise DeckFileError(refused)
    return result
