"""Spreadsheet files: CSV and TSV with a header row, and Anki's "Notes in
Plain Text" export with its ``#key:value`` header lines. See
docs/import-export.md for the columns."""

from __future__ import annotations

import csv
import html
import itertools
import re
from typing import Any
from pathlib import Path

from ..cards import REQUIRED, cloze_numbers
from ..model import DeckData, DeckId, Kind, NoteData
from .problems import DeckFileError, Problem
from .result import ReadResult, derived_key, safe_key
from .csvcell import unguard_cell
from .sanitize import blank_field, clean_field, clean_html, clean_plain, is_blank

__all__ = ["read_table", "COLUMNS", "LIST_SEPARATOR", "decode_text"]

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
_ANKI_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|",
                    "colon": ":"}
_YES = {"yes", "y", "true", "1", "x"}
# csv's limit, raised so one long field (a scenario's model answer) cannot fail the file
csv.field_size_limit(64 * 1024 * 1024)


def decode_text(raw: bytes, shown: str) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM); failing that, Windows-1252 as older Excel saves."""
    if b"\x00" in raw[:4096]:
        raise DeckFileError([Problem(shown, "this is not a text file (it contains binary data)")])
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            return raw.decode("cp1252"), [
                f"{shown}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x}); read as "
                "Windows-1252, as older versions of Excel save CSV"]
        except UnicodeDecodeError:
            raise DeckFileError([Problem(shown, "not UTF-8 text; save it as CSV UTF-8", line)]) \
                from None


def _split(value: str) -> list[str]:
    """List items separated by '|' (or line breaks); '\\|' is a literal bar."""
    parts = re.split(r"\s*(?<!\\)\|\s*|\n", value)
    return [p.strip().replace("\\|", "|") for p in parts if p.strip()]


def _tags(value: str) -> tuple[str, ...]:
    if not value:
        return ()
    value = clean_plain(value)
    return tuple(dict.fromkeys(value.replace(",", " ").replace(";", " ").split()))


def note_from_row(cols: dict[str, str], default_kind: Kind | None = None,
                  is_html: bool = True) -> NoteData | str:
    """One spreadsheet row (column name → text) as a note, or the reason it is skipped."""
    def text(name: str) -> str:
        value = cols.get(name, "").strip()
        return clean_field(value if is_html else html.escape(value))

    front, back = text("front"), text("back")
    raw_kind = cols.get("kind", "").strip().lower()
    try:
        kind = Kind(raw_kind) if raw_kind else (
            default_kind or (Kind.CLOZE if "{{c" in front and cloze_numbers(front) else Kind.BASIC))
    except ValueError:
        return f"unknown kind '{raw_kind}' (use {', '.join(k.value for k in Kind)})"
    if is_blank(front):
        return "the front (first field) is empty" + _once_cleaned(cols.get("front", ""))
    extra = text("extra")
    if kind == Kind.BASIC:
        if is_blank(back):
            return "the back is empty" + _once_cleaned(cols.get("back", ""))
        fields: dict[str, Any] = {"front": front, "back": back}
        if cols.get("reverse", "").strip().lower() in _YES:
            fields["reverse"] = True
        if extra:
            fields["extra"] = extra
    elif kind == Kind.CLOZE:
        if not cloze_numbers(front):
            return "a cloze note needs {{c1::…}} in its text"
        fields = {"text": front}
        if back or extra:
            fields["extra"] = " ".join(p for p in (back, extra) if p)
    elif kind == Kind.CHOICE:
        options = [clean_html(o) for o in _split(cols.get("options", ""))]
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
        items = [clean_html(i) for i in _split(cols.get("back", ""))]
        if len(items) < 2 or len(set(items)) != len(items):
            return "an order note needs two or more different items in the back, separated by '|'"
        fields = {"prompt": front, "items": items}
        if extra:
            fields["explanation"] = extra
    elif kind == Kind.TYPED:
        if is_blank(back):
            return "a typed note needs its answer in the back"
        fields = {"prompt": front, "answer": back}
        accept = [clean_html(a) for a in _split(cols.get("options", ""))]
        if accept:
            fields["accept"] = accept
        if extra:
            fields["explanation"] = extra
    else:
        points = [clean_html(p) for p in _split(cols.get("points", ""))]
        if not back or not points:
            return "a scenario note needs a model answer (back) and marking points (points)"
        fields = {"prompt": front, "model_answer": back, "marking_points": points}
        if extra:
            fields["explanation"] = extra
    empty = blank_field(REQUIRED[kind], fields)
    if empty is not None:
        return f"the {empty.replace('_', ' ')} field is empty" + _once_cleaned("x")
    key = safe_key(cols["id"]) if cols.get("id", "").strip() else derived_key(front)
    return NoteData(key=key, kind=kind, fields=fields, tags=_tags(cols.get("tags", "")),
                    source=clean_plain(cols.get("source", "")).strip())


def _once_cleaned(raw: str) -> str:
    """Why a cell that held something counts as empty."""
    return " once unsafe content is removed (scripts, links, remote images)" \
        if raw.strip() else ""


def _lines(text: str):
    """The lines of ``text`` with their endings, one at a time (no copy of the
    whole text, which io.StringIO would make at four bytes a character)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        end = size if end < 0 else end + 1
        yield text[start:end]
        start = end


def _anki_headers(lines: list[str]) -> tuple[dict[str, str], int]:
    headers, count = {}, 0
    for line in lines:
        if not line.startswith("#") or ":" not in line:
            break
        name, _, value = line[1:].partition(":")
        headers[name.strip().lower()] = value.strip()
        count += 1
    return headers, count


def read_table(path: str | Path, deck_name: str | None = None) -> ReadResult:
    """Read a CSV, TSV or Anki plain-text file into decks of notes.

    Rows that cannot become a note are skipped with a reason; a file that is
    not a table at all raises ``DeckFileError``."""
    shown = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise DeckFileError([Problem(shown, f"the file is larger than {MAX_BYTES // 2**20} MB")])
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DeckFileError([Problem(shown, f"cannot read the file: {exc.strerror or exc}")]) from None
    text, messages = decode_text(raw, shown)
    del raw
    headers, skip = _anki_headers(text[:65536].splitlines()[:64])
    body = text
    if skip:
        offset = 0
        for _ in range(skip):
            offset = text.index("\n", offset) + 1 if "\n" in text[offset:] else len(text)
        body = text[offset:]
    if not body.strip():
        raise DeckFileError([Problem(shown, "the file has no rows")])
    result = ReadResult("anki-text" if headers else "csv", [], messages=messages)
    default_deck = " ".join(clean_plain(headers.get("deck") or deck_name
                                        or Path(path).stem.replace("_", " ")).split()) or "Imported"
    is_html = headers.get("html", "true").lower() != "false"
    default_kind = None
    notetype = headers.get("notetype", "").lower()
    if "cloze" in notetype:
        default_kind = Kind.CLOZE
    reverse_all = "reverse" in notetype

    if "separator" in headers:
        sep = _ANKI_SEPARATORS.get(headers["separator"].lower(), headers["separator"][:1] or "\t")
    elif Path(path).suffix.lower() == ".tsv":
        sep = "\t"
    else:
        sample = "\n".join(body[:65536].splitlines()[:20])
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            sep = "\t" if "\t" in sample else ","
    reader = csv.reader(_lines(body), delimiter=sep)

    def rows():
        """(line the row starts on, cells), read as the import goes."""
        end = 0
        try:
            for row in reader:
                yield end + 1, row
                end = reader.line_num
        except csv.Error as exc:
            raise DeckFileError([Problem(shown, f"not a readable table: {exc}",
                                         reader.line_num + skip)]) from None

    data = rows()
    first_row = next(data, None)
    if first_row is None:
        raise DeckFileError([Problem(shown, "the file has no rows")])
    if headers:
        names = _anki_columns(headers, len(first_row[1]))
        data = itertools.chain([first_row], data)
    else:
        first = [c.strip().lower() for c in first_row[1]]
        if "front" in {COLUMNS.get(c) for c in first}:
            names = [COLUMNS.get(c, "") for c in first]
            unknown = [first_row[1][i] for i, n in enumerate(names) if not n and first_row[1][i].strip()]
            if unknown:
                result.messages.append(f"{shown}: ignored column(s) {', '.join(unknown)}")
        else:
            names = ["front", "back", "tags"]
            data = itertools.chain([first_row], data)
            result.messages.append(f"{shown}: no header row; columns read as front, back, tags")

    extra_backs = [n for n in names if n.startswith("back") and n != "back"]
    decks: dict[str, list[NoteData]] = {}
    seen: dict[tuple[str, str], int] = {}
    for start_line, row in data:
        line = start_line + skip
        if not any(cell.strip() for cell in row):
            continue
        if headers and len(row) > len(names):  # a note type with more fields than the first
            names = _anki_columns(headers, len(row))
            extra_backs = [n for n in names if n.startswith("back") and n != "back"]
        cols = dict(zip(names, map(unguard_cell, row)))
        cols.pop("", None)
        if extra_backs:  # Anki: the fields after the second join the back
            more = [cols.pop(k, "") for k in extra_backs]
            if any(m.strip() for m in more):
                cols["back"] = "<br>".join(
                    v.strip() for v in [cols.get("back", ""), *more] if v.strip())
        row_kind = default_kind
        anki_type = cols.pop("kind-anki", "").lower()
        if "cloze" in anki_type:
            row_kind = Kind.CLOZE
        elif "reverse" in anki_type or (reverse_all and not anki_type):
            cols["reverse"] = "yes"
        note = note_from_row(cols, row_kind, is_html)
        if isinstance(note, str):
            result.skipped.append(f"{shown}:{line}: skipped: {note}")
            continue
        deck = " ".join(clean_plain(cols.get("deck", "")).split()) or default_deck
        deck = "::".join(p.strip() for p in deck.split("::") if p.strip()) or default_deck
        if (deck, note.key) in seen:
            result.skipped.append(f"{shown}:{line}: skipped: same note as line {seen[deck, note.key]}")
            continue
        seen[deck, note.key] = line
        decks.setdefault(deck, []).append(NoteData(
            key=note.key, kind=note.kind, fields=note.fields, tags=note.tags,
            source=note.source, line=line))
    result.decks = [DeckData(id=DeckId(""), name=name, notes=tuple(notes), path=shown)
                    for name, notes in decks.items()]
    if not result.decks:
        problems = [Problem(shown, "no row could be imported")]
        problems += [Problem(shown, s.split(": ", 1)[1]) for s in result.skipped[:20]]
        raise DeckFileError(problems)
    return result


def _anki_columns(headers: dict[str, str], width: int) -> list[str]:
    """Column meanings of an Anki text export: special columns by number, the
    rest are the note's fields in order (front, back, then extra)."""
    special = {}
    for name, meaning in (("tags column", "tags"), ("deck column", "deck"),
                          ("guid column", "id"), ("notetype column", "kind-anki")):
        if headers.get(name, "").isdecimal():
            special[int(headers[name]) - 1] = meaning
    fields = iter(["front", "back"] + [f"back{n}" for n in range(2, width + 1)])
    return [special.get(i) or next(fields, "") for i in range(width)]
