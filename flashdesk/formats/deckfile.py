"""The native deck file: TOML, one deck per file. See docs/deck-format.md.

``read_deck_file`` is the one validator: import and ``flashdesk validate``
both call it, so they can never disagree about what a valid deck is.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..cards import FIELDS, LIST_FIELDS, MAX_FIELD_CHARS, REQUIRED, cloze_problem, too_long
from ..model import DeckData, DeckId, Kind, NoteData
from .problems import DeckFileError, Problem, shown_path
from .sanitize import Removals, clean_field, clean_plain, is_blank
from .tags import MAX_TAG, normalise_tag, split_tags, tag_problem
from .tomlbounds import toml_bounds_problem

__all__ = ["read_deck_file", "parse_deck_text", "check_note", "DECK_KEYS", "NOTE_KEYS",
           "MAX_FILE_BYTES", "MAX_PROBLEMS"]

DECK_KEYS = ("id", "name", "description", "version")
NOTE_KEYS = ("id", "kind", "tags", "source")
DECK_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
NOTE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
MAX_FILE_BYTES = 64 * 1024 * 1024
#: problems listed for one file; each is located by scanning the text, so a
#: file of 100,000 unknown keys is stopped after these
MAX_PROBLEMS = 100
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def read_deck_file(path: str | Path, removals: Removals | None = None) -> DeckData:
    """Read and check one deck file; raise ``DeckFileError`` listing every
    problem. What the sanitiser removes from card text is counted in
    ``removals`` when given."""
    shown = shown_path(path)
    try:
        raw = Path(path).read_bytes() if Path(path).stat().st_size <= MAX_FILE_BYTES else None
    except OSError as exc:
        raise DeckFileError([Problem(shown, f"cannot read the file: {exc.strerror or exc}")]) from None
    if raw is None:
        raise DeckFileError([Problem(shown, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DeckFileError([Problem(
            shown, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line,
        )]) from None
    return parse_deck_text(text, shown, removals)


class _Locator:
    """Line numbers for notes and their fields; tomllib gives none for values."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.note_lines = [i + 1 for i, ln in enumerate(self.lines)
                           if re.match(r"^\s*\[\[\s*notes\s*\]\]", ln)]
        deck = [i + 1 for i, ln in enumerate(self.lines) if re.match(r"^\s*\[\s*deck\s*\]", ln)]
        self.deck_line = deck[0] if deck else None

    def note(self, index: int) -> int | None:
        return self.note_lines[index] if index < len(self.note_lines) else None

    def field(self, start: int | None, name: str) -> int | None:
        if start is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
        for i in range(start, len(self.lines)):
            if re.match(r"^\s*\[", self.lines[i]):
                break
            if pattern.match(self.lines[i]):
                return i + 1
        return start


def parse_deck_text(text: str, shown: str = "<deck>", removals: Removals | None = None) -> DeckData:
    """Check the text of a deck file (``shown`` names it in messages) and
    return its deck. Raises ``DeckFileError`` listing the problems found (at
    most ``MAX_PROBLEMS``), each with its line where it has one. Nesting
    and key sizes are bounded before the TOML parser runs. What the
    sanitiser removes is counted in ``removals`` when given."""
    bound, bound_line = toml_bounds_problem(text)
    if bound:
        raise DeckFileError([Problem(shown, f"refused: {bound}", bound_line)])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        message = _TOML_LINE.sub("", str(exc)).strip()
        raise DeckFileError([Problem(shown, f"not valid TOML: {message}",
                                     int(match.group(1)) if match else None)]) from None
    except (RecursionError, MemoryError):
        raise DeckFileError([Problem(shown, "refused: too deeply nested or too large to read",
                                     bound_line)]) from None
    where = _Locator(text)
    problems: list[Problem] = []

    def problem(message: str, line: int | None) -> None:
        problems.append(Problem(shown, message, line))
        if len(problems) >= MAX_PROBLEMS:  # each one is located in the text: stop in time
            problems.append(Problem(shown, f"more problems may follow: fix these "
                                           f"{MAX_PROBLEMS} first"))
            raise DeckFileError(problems)

    deck = data.get("deck")
    if not isinstance(deck, dict):
        problem("missing the [deck] table with the deck's id and name", 1)
        raise DeckFileError(problems)
    for key in deck:
        if key not in DECK_KEYS:
            problem(f"[deck]: unknown key '{key}' (expected one of {', '.join(DECK_KEYS)})",
                    where.field(where.deck_line, key))
    deck_id = deck.get("id")
    if not isinstance(deck_id, str) or not DECK_ID.match(deck_id):
        problem("[deck] id: required, lower-case letters, digits and '-' (e.g. 'heat-model')",
                where.field(where.deck_line, "id") or where.deck_line)
    name = deck.get("name")
    if isinstance(name, str):
        name = clean_plain(name)
    if not isinstance(name, str) or not name.strip() or any(
            not part.strip() for part in name.split("::")):
        problem("[deck] name: required text; sub-decks are separated by '::'",
                where.field(where.deck_line, "name") or where.deck_line)
    for key in ("description", "version"):
        if key in deck and not isinstance(deck[key], str):
            problem(f"[deck] {key}: must be text in quotes", where.field(where.deck_line, key))
    for key in data:
        if key not in ("deck", "notes"):
            problem(f"unknown table '{key}' (a deck file has [deck] and [[notes]])", None)

    raw_notes = data.get("notes", [])
    if not isinstance(raw_notes, list):
        problem("'notes' must be written as [[notes]] tables", None)
        raw_notes = []
    notes: list[NoteData] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_notes):
        line = where.note(index)
        note = _check_note(raw, index, line, where, problem, seen, removals)
        if note is not None:
            notes.append(note)
    if problems:
        raise DeckFileError(problems)
    return DeckData(
        id=DeckId(str(deck_id)), name="::".join(p.strip() for p in str(name).split("::")),
        description=clean_plain(deck.get("description", ""), lines=True).strip(),
        version=clean_plain(deck.get("version", "")).strip(),
        notes=tuple(notes), path=shown,
    )


def check_note(raw: dict) -> tuple[NoteData | None, list[str]]:
    """The deck file's rules for one note given as a table (``id``, ``kind``,
    fields…): the note, cleaned, and the problems found (one per field).

    Text typed by a person is never changed behind their back: markup the
    sanitiser would remove (a ``<script>``, a link, a style) is a problem
    of its field, not a silent loss (control characters, which show
    nothing, are removed)."""
    problems: list[str] = []
    note = _check_note(raw, 0, None, _Locator(""), lambda message, line: problems.append(
        message.split(": ", 1)[1] if message.startswith("note 1") else message), {},
        strict=True)
    return note, problems


_CONTROLS_KIND = "control characters"


def _lost_markup(removals: Removals) -> str | None:
    """What the sanitiser removed from typed text, as a problem (None when
    only invisible control characters went)."""
    kinds = [kind for kind in removals.counts if kind != _CONTROLS_KIND]
    if not kinds:
        return None
    examples = [e for e in removals.examples if not e.startswith("U+")]
    return (f"{examples[0] if examples else 'markup'} would be removed ({', '.join(kinds)}): "
            "card text keeps only simple formatting (<b>, <i>, <u>, lists, line breaks, images "
            "from the media folder); take it out, or write &lt; for a '<' that is text")


def _check_tags(tags: object) -> tuple[tuple[str, ...], bool]:
    """A deck file's ``tags``: (the tags, normalised by the one tag rule, each
    once without regard to case; whether every item is one valid tag)."""
    if not isinstance(tags, list):
        return (), False
    kept: dict[str, str] = {}
    for item in tags:
        if not isinstance(item, str):
            return (), False
        words = split_tags(item)
        tag = normalise_tag(item)
        if len(words) != 1 or tag_problem(tag):
            return (), False
        kept.setdefault(tag.casefold(), tag)
    return tuple(kept.values()), True


def _once_cleaned(raws: list[str]) -> str:
    """Why a field (or a list item) is empty: " once unsafe content is
    removed (…)" when the sanitiser removed something from one of ``raws``
    (the texts as written) that then shows nothing; "" when none held
    anything it removes (``<br>``, ``&nbsp;``). Only for a problem: the texts
    are cleaned again, their removals not counted."""
    for raw in raws:
        found = Removals(keep=0)
        if is_blank(clean_field(raw, found)) and found.total:
            return (" once unsafe content is removed (scripts, links, styles and images from "
                    "anywhere but the media folder)")
    return ""


def _check_note(raw, index, line, where, problem, seen,
                removals: Removals | None = None, *, strict: bool = False) -> NoteData | None:
    label = f"note {index + 1}"
    if not isinstance(raw, dict):
        problem(f"{label}: must be a [[notes]] table", line)
        return None
    key = raw.get("id")
    if isinstance(key, str) and NOTE_KEY.match(key):
        label = f"note {index + 1} (id '{key}')"
        if key in seen:
            problem(f"{label}: duplicate note id, first used by note {seen[key] + 1}",
                    where.field(line, "id"))
        else:
            seen[key] = index
    else:
        problem(f"{label}: field 'id': required; letters, digits, '-', '_' or '.', "
                "unique in the deck", where.field(line, "id") if "id" in raw else line)
    bad = False

    def fail(field: str, message: str) -> None:
        nonlocal bad
        bad = True
        problem(f"{label}: field '{field}': {message}", where.field(line, field))

    def clean(field: str, value: str) -> str:
        """``value`` as stored; too long for a field (``MAX_FIELD_CHARS``),
        and with ``strict`` markup the sanitiser removes, are problems of
        ``field``."""
        if not strict:
            cleaned = clean_field(value, removals, label)
        else:
            found = Removals(keep=20)
            cleaned = clean_field(value, found)
            lost = _lost_markup(found)
            if lost:
                fail(field, lost)
        if len(cleaned) > MAX_FIELD_CHARS:
            fail(field, too_long(len(cleaned)))
        return cleaned

    kind_text = raw.get("kind")
    try:
        kind = Kind(str(kind_text))
    except ValueError:
        fail("kind", f"unknown card kind {kind_text!r}; use one of "
                     f"{', '.join(k.value for k in Kind)}" if kind_text is not None
             else f"required; one of {', '.join(k.value for k in Kind)}")
        return None
    allowed = set(FIELDS[kind]) | set(NOTE_KEYS)
    for field in raw:
        if field not in allowed:
            fail(field, f"not a field of a {kind} note (its fields: {', '.join(FIELDS[kind])})")
    for field in REQUIRED[kind]:
        if field not in raw:
            fail(field, f"required for a {kind} note")
    fields: dict = {}
    for field in FIELDS[kind]:
        if field not in raw:
            continue
        value = raw[field]
        if field in LIST_FIELDS:
            if not isinstance(value, list) or not value or not all(
                    isinstance(v, str) and v.strip() for v in value):
                fail(field, "must be a list of non-empty texts, e.g. [\"one\", \"two\"]")
                continue
            fields[field] = [clean(field, v) for v in value]
            if any(is_blank(v) for v in fields[field]):
                fail(field, "an item is empty" + _once_cleaned(value))
        elif field == "reverse":
            if not isinstance(value, bool):
                fail(field, "must be true or false")
                continue
            fields[field] = value
        elif field == "answer" and kind == Kind.CHOICE:
            if isinstance(value, bool) or not isinstance(value, int):
                fail(field, "must be the number of the right option, counting from 1")
                continue
            fields[field] = value
        else:
            if not isinstance(value, str) or (field in REQUIRED[kind] and not value.strip()):
                fail(field, "must be non-empty text in quotes")
                continue
            fields[field] = clean(field, value)
            if field in REQUIRED[kind] and is_blank(fields[field]):
                fail(field, "empty" + _once_cleaned([value]))
    if kind == Kind.CHOICE and "options" in fields:
        options = fields["options"]
        if len(options) < 2:
            fail("options", "a choice note needs at least two options")
        elif len(set(options)) != len(options):
            fail("options", "options must differ from each other")
        if "answer" in fields and not 1 <= fields["answer"] <= len(options):
            fail("answer", f"must be between 1 and {len(options)}, the number of options")
    if kind == Kind.ORDER and "items" in fields:
        if len(fields["items"]) < 2:
            fail("items", "an order note needs at least two items")
        elif len(set(fields["items"])) != len(fields["items"]):
            fail("items", "items must differ from each other")
    if kind == Kind.CLOZE and "text" in fields and len(fields["text"]) <= MAX_FIELD_CHARS:
        broken = cloze_problem(fields["text"])
        if broken:
            fail("text", broken)
    if kind == Kind.TYPED and "answer" in fields and fields["answer"].count("*") % 2:
        fail("answer", "a key term is marked *like this*, with a star on each side")
    tags, tags_ok = _check_tags(raw.get("tags", []))
    if not tags_ok:
        fail("tags", "must be a list of tags, each one word without spaces, commas or "
                     f"semicolons and at most {MAX_TAG} characters, e.g. [\"heat\", "
                     "\"Unit04::HEAT\"]")
    source = raw.get("source", "")
    if not isinstance(source, str):
        fail("source", "must be text in quotes")
        source = ""
    elif len(source) > MAX_FIELD_CHARS:
        fail("source", too_long(len(source)))
    if bad or not isinstance(key, str) or not NOTE_KEY.match(key):
        return None
    return NoteData(key=key, kind=kind, fields=fields, tags=tags,
                    source=clean_plain(source).strip(), line=line)
