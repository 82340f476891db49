"""Property tests with hostile shapes: SQLite schemas with views, triggers and
computed columns where Anki's tables should be, wrongly shaped Anki data (JSON
and typed columns), deep or wide TOML, and control characters in every text a
file holds.

Whatever is generated, each import finishes within ``INPUT_SECONDS``, the
process stays under ``PEAK_BYTES``, the only error is flashdesk's own (naming
the file) and a refused import leaves every table of the collection as it was;
an accepted one stores no control character.

A few dozen examples per test run by default (200 in all); ``pytest -m slow``
runs 11,000. ``FLASHDESK_FUZZ_REPORT=path`` writes the figures (inputs and
refusals per format, the longest input, peak memory) as JSON.
"""

import csv
import io
import json
import os
import resource
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from flashdesk.collection import Collection
from flashdesk.formats.sanitize import CONTROLS
from flashdesk.model import FlashdeskError

from . import hostile_files as h
from .conftest import FIXTURES

#: each input must finish within this, and the process stay under this peak
INPUT_SECONDS = 5.0
PEAK_BYTES = 1536 * 2**20
fuzz = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
STATS: dict[str, dict] = {}


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


@pytest.fixture(scope="module")
def col():
    c = Collection.in_memory()
    c.files.import_files([FIXTURES / "example.toml"])
    yield c
    c.close()


@pytest.fixture(scope="module", autouse=True)
def fuzz_report():
    yield
    if not STATS:
        return
    report = {"inputs": {k: v["inputs"] for k, v in STATS.items()},
              "refused": {k: v["refused"] for k, v in STATS.items()},
              "longest_seconds": {k: round(v["longest"], 3) for k, v in STATS.items()},
              "total_inputs": sum(v["inputs"] for v in STATS.values()),
              "peak_rss_mb": round(_peak_bytes() / 2**20)}
    target = os.environ.get("FLASHDESK_FUZZ_REPORT")
    if target:
        with open(target, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)


def content(col):
    """Every table of the collection (the search index aside: it follows notes)."""
    tables = [r[0] for r in col.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'notes_fts%'")]
    return {t: col.db.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall() for t in tables}


_OVERRIDES = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
              "\u2069")


def check_clean(col):
    """Nothing stored from a file holds a control character; deck names and
    tags hold no line break and no bidirectional override either."""
    for name, description in col.db.execute("SELECT name, description FROM decks"):
        assert not CONTROLS.search(name + description), repr(name + description)
        assert not any(c in name + description for c in _OVERRIDES) and "\n" not in name
    for fields, tags, source in col.db.execute("SELECT fields, tags, source FROM notes"):
        for value in json.loads(fields).values():
            for text in value if isinstance(value, list) else [value]:
                assert not (isinstance(text, str) and CONTROLS.search(text)), repr(text)
        assert not CONTROLS.search(tags + source) and not any(c in tags for c in _OVERRIDES)


def hostile_import(col, path, fmt):
    """Import ``path``: flashdesk's own error naming the file and nothing
    changed, or success with clean text; in time and memory. Counted per format."""
    stats = STATS.setdefault(fmt, {"inputs": 0, "refused": 0, "longest": 0.0})
    before = content(col)
    started = time.monotonic()
    try:
        col.files.import_files([path])
    except FlashdeskError as exc:
        took = time.monotonic() - started
        assert str(exc).strip(), "an error must say what is wrong"
        assert str(path) in str(exc), str(exc)
        assert content(col) == before
        stats["refused"] += 1
    else:
        took = time.monotonic() - started
        check_clean(col)
    stats["inputs"] += 1
    stats["longest"] = max(stats["longest"], took)
    assert took < INPUT_SECONDS, f"a {fmt} input took {took:.1f} s"
    assert _peak_bytes() < PEAK_BYTES


def explore(strategy, examples: int, check) -> None:
    """Run ``check`` on ``examples`` values drawn from ``strategy``."""
    @settings(fuzz, max_examples=examples)
    @given(value=strategy)
    def run(value):
        check(value)

    run()


def budget(quick: int, slow: int):
    """A few examples by default, many in the slow suite (``pytest -m slow``)."""
    return pytest.mark.parametrize("examples", [
        pytest.param(quick, id="quick"), pytest.param(slow, id="slow", marks=pytest.mark.slow)])


# -- building blocks ------------------------------------------------------------------------

#: what matters to terminals, spreadsheets, HTML, TOML and Anki
_SPECIAL = ["\x1b", "\x07", "\x9b", "\x00", "\x7f", "\x0b", "\u202e", "\u2066", "\u200f",
            "\u2028", "\r", "\n", "\t", "<", ">", "&", "=", "@", "-", "+", '"', "'", "[", "]",
            "{", "}", ".", "#", "\\", "\x1f", "::", '<img src="http://e.example/x.png">',
            "<script>x()</script>", "{{c1::cloze}}", "\x1b]0;title\x07", "\x1b[2J", "&nbsp;",
            "²", "٣", "1", "2"]
_chars = st.characters(codec="utf-8")  # files hold text that UTF-8 can encode
hostile_text = st.lists(st.one_of(st.sampled_from(_SPECIAL), _chars, st.text(_chars, max_size=4)),
                        max_size=10).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=10)
#: any value a typeless SQLite column can hold
stored = st.one_of(st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), hostile_text,
                   st.binary(max_size=16), st.none())


def _weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each drawn in proportion to its weight
    (``one_of`` gives each branch an equal share, and flattens nested ones)."""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(
        lambda s: s)


def _maybe(valid, wrong=json_values, odds: int = 12):
    """Mostly the valid shape (``odds`` to one), sometimes anything: a package
    with many values is then now and then entirely valid, and imports."""
    return _weighted((odds, valid), (1, wrong))


def _deep(opening: str, closing: str = ""):
    return st.integers(1, 100_000).map(lambda n: opening * n + closing * n)


_field = _maybe(st.fixed_dictionaries({"name": _maybe(st.sampled_from(["Front", "Back"])),
                                       "ord": _maybe(st.integers(-1, 3))}))
_template = _maybe(st.fixed_dictionaries({
    "qfmt": _maybe(st.sampled_from(["{{Front}}", "{{Back}}"])), "ord": _maybe(st.integers(-1, 3))}))
_model = _maybe(st.fixed_dictionaries({
    "name": _maybe(st.sampled_from(["Basic", "Cloze", "flashdesk choice"]) | hostile_text),
    "type": _maybe(st.sampled_from([0, 1])), "flds": _maybe(st.lists(_field, max_size=4)),
    "tmpls": _maybe(st.lists(_template, max_size=3))}))
_models = st.one_of(
    st.dictionaries(_maybe(st.sampled_from(["1", "2"]), hostile_text), _model, max_size=3),
    json_values, _deep("["), _deep('{"1": '), st.binary(max_size=10), hostile_text)
_decks = st.one_of(
    st.dictionaries(_maybe(st.sampled_from(["1", "2"]), hostile_text),
                    _maybe(st.fixed_dictionaries({"name": _maybe(hostile_text)})), max_size=3),
    json_values, _deep("["), _deep('{"1": '))
_fields_text = st.lists(hostile_text, min_size=1, max_size=4).map("\x1f".join)
_note = st.tuples(_maybe(st.integers(1, 50), stored), _maybe(hostile_text, stored),
                  _maybe(st.sampled_from([1, 2]), stored), _maybe(hostile_text, stored),
                  _maybe(_fields_text, stored))
_card = st.tuples(_maybe(st.integers(1, 50), stored), _maybe(st.sampled_from([1, 2]), stored),
                  _maybe(st.integers(0, 2), stored))
#: notes and cards of the right types, their text hostile: such a package imports
_sound_notes = st.lists(st.tuples(st.integers(1, 50), hostile_text, st.just(1), hostile_text,
                                  _fields_text), min_size=1, max_size=4)
_sound_cards = st.lists(st.tuples(st.integers(1, 50), st.sampled_from([1, 2]),
                                  st.integers(0, 2)), max_size=4)
_notes = st.one_of(_sound_notes, st.lists(_note, min_size=1, max_size=4))
_cards = st.one_of(_sound_cards, st.lists(_card, max_size=4))
_sound_decks = st.dictionaries(st.sampled_from(["1", "2"]),
                               st.fixed_dictionaries({"name": hostile_text}), max_size=2)

_ENDLESS_ROWS = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)"
#: what a table the importer reads may be instead
_TABLE_SHAPES = {
    "col": ["CREATE VIEW col AS SELECT 1 AS id, '{}' AS models, '{}' AS decks",
            f"CREATE VIEW col AS {_ENDLESS_ROWS} SELECT i AS id, '{{}}' AS models, "
            "'{}' AS decks FROM r",
            "CREATE TABLE col (id, models, decks GENERATED ALWAYS AS (models))",
            "CREATE TABLE col (id, models)", "CREATE TABLE col (id, models text, decks blob)"],
    "notes": [f"CREATE VIEW notes AS {h.ENDLESS}", f"CREATE VIEW notes AS {h.HUGE}",
              "CREATE VIRTUAL TABLE notes USING fts5(id, guid, mid, tags, flds)",
              "CREATE TABLE notes (id, guid, mid, tags, raw, "
              "flds AS (raw || raw))",
              "CREATE TABLE notes (id integer PRIMARY KEY, guid text, mid integer, tags text, "
              "flds text)", "CREATE TABLE notes (id, guid, mid, tags)",
              "CREATE TABLE notes (id PRIMARY KEY, guid, mid, tags, flds) WITHOUT ROWID"],
    "cards": [f"CREATE VIEW cards AS {_ENDLESS_ROWS} SELECT 1 AS nid, 1 AS did, i AS ord FROM r",
              "CREATE TABLE cards (nid integer, did integer, ord integer)",
              "CREATE TABLE cards (nid, did)", "CREATE TABLE not_cards (x)"],
}
_EXTRA = ["CREATE TRIGGER t AFTER INSERT ON notes BEGIN DELETE FROM cards; END",
          f"CREATE VIEW other AS {_ENDLESS_ROWS} SELECT i FROM r",
          "CREATE INDEX notes_by_flds ON notes (length(flds))", "CREATE TABLE graves (x)",
          "CREATE INDEX cards_by_note ON cards (nid)"]
legacy_schemas = st.fixed_dictionaries({
    "replace": st.dictionaries(st.sampled_from(sorted(_TABLE_SHAPES)), st.integers(0, 6),
                               max_size=2)
    .map(lambda picks: {t: _TABLE_SHAPES[t][i % len(_TABLE_SHAPES[t])] for t, i in picks.items()}),
    "extra": st.lists(st.sampled_from(_EXTRA), max_size=2, unique=True),
    "notes": _notes, "cards": _cards,
})
_notetype = st.tuples(_maybe(st.sampled_from([1, 2]), stored),
                      _maybe(st.sampled_from(["Basic", "Cloze"]), stored),
                      _maybe(st.sampled_from([h.protobuf((1, 0)), h.protobuf((1, 1))]), stored))
sound_modern = st.fixed_dictionaries({
    "decks": st.lists(st.tuples(st.sampled_from([1, 2]), hostile_text), max_size=2),
    "notes": _sound_notes, "cards": _sound_cards})
modern_shapes = st.fixed_dictionaries({
    "notetypes": st.lists(_notetype, min_size=1, max_size=3),
    "fields": st.lists(st.tuples(_maybe(st.sampled_from([1, 2]), stored),
                                 _maybe(st.integers(0, 2), stored),
                                 _maybe(st.sampled_from(["Front", "Back"]), stored)),
                       min_size=2, max_size=4),
    "templates": st.lists(st.tuples(_maybe(st.sampled_from([1, 2]), stored),
                                    _maybe(st.integers(0, 2), stored),
                                    _maybe(st.just(h.protobuf((1, b"{{Front}}"))), stored)),
                          max_size=3),
    "decks": st.lists(st.tuples(_maybe(st.sampled_from([1, 2]), stored),
                                _maybe(hostile_text, stored)), max_size=3),
    "notes": _notes, "cards": _cards,
    "replace": _weighted((8, st.just({})), (1, st.sampled_from([
        {"notetypes": "CREATE VIEW notetypes AS SELECT 1 AS id, 'x' AS name, x'' AS config"},
        {"decks": "CREATE TABLE decks (id, name GENERATED ALWAYS AS (id))"},
        {"fields": "CREATE VIEW fields AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT "
                   "i + 1 FROM r) SELECT 1 AS ntid, i AS ord, 'F' AS name FROM r"}]))),
})


legacy_shapes = st.fixed_dictionaries({"models": _weighted((2, st.just(h.MODELS)), (1, _models)),
                                       "decks": _weighted((2, _sound_decks), (1, _decks)),
                                       "notes": _notes, "cards": _cards})


def _import_package(col, tmp_path_factory, member, build, fmt):
    data = build()
    path = h.package(tmp_path_factory.mktemp("apkg") / "deck.apkg", {member: data, "media": b"{}"})
    hostile_import(col, path, fmt)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, control characters escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@st.composite
def deep_toml(draw) -> str:
    """A deck file with one hostile construct: deep arrays or inline tables, a
    dotted key or table header of many parts, a long key, brackets and dots
    inside strings, an unclosed string."""
    n = draw(st.one_of(st.integers(0, 40), st.integers(0, 100_000)))
    kind = draw(st.sampled_from(["arrays", "inline", "mixed", "dotted", "header", "long",
                                 "strings", "unclosed"]))
    if kind == "arrays":
        body = "front = " + "[" * n + "]" * n
    elif kind == "inline":
        body = "front = " + "{a = " * n + "1" + "}" * n
    elif kind == "mixed":
        body = "front = " + "[{a = " * (n // 2) + "1" + "}]" * (n // 2)
    elif kind == "dotted":
        body = "a" + ".a" * n + " = 1"
    elif kind == "header":
        body = "[" + ".".join(["t"] * (n + 1)) + "]"
    elif kind == "long":
        body = "k" * (n + 1) + " = 1"
    elif kind == "strings":
        body = 'front = "' + "[{" * n + '"\nextra = """' + "a.b." * n + '"""'
    else:
        body = "front = " + draw(st.sampled_from(['"', '"""', "'", "'" * 3])) + "[" * n
    head = ("[deck]\nid = \"hostile\"\nname = " + toml_string(draw(hostile_text) or "D")
            + '\n\n[[notes]]\nid = "a"\nkind = "basic"\nback = "A"\n')
    return draw(st.sampled_from([head + body + "\n", body + "\n" + head]))


@st.composite
def control_character_files(draw) -> tuple[str, str]:
    """A deck file or a spreadsheet whose names, descriptions, tags, sources
    and card text are full of control characters, bidi overrides and markup."""
    if draw(st.booleans()):
        name = draw(hostile_text).replace("::", ":") or "D"
        text = ("[deck]\nid = \"ctl\"\nname = " + toml_string(name) + "\ndescription = "
                + toml_string(draw(hostile_text)) + "\n")
        for i in range(draw(st.integers(1, 3))):
            tags = ", ".join(toml_string(t) for t in draw(st.lists(hostile_text, max_size=3)))
            text += (f'\n[[notes]]\nid = "n{i}"\nkind = "basic"\n'
                     f"front = {toml_string(draw(hostile_text) or 'Q')}\n"
                     f"back = {toml_string(draw(hostile_text) or 'A')}\n"
                     f"tags = [{tags}]\nsource = {toml_string(draw(hostile_text))}\n")
        return "toml", text
    rows = draw(st.lists(st.lists(hostile_text, min_size=5, max_size=5), min_size=1, max_size=4))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["deck", "front", "back", "tags", "source"], *rows])
    return "csv", buffer.getvalue()


# -- the tests ------------------------------------------------------------------------------

@budget(40, 2500)
def test_hostile_sqlite_schemas(col, tmp_path_factory, examples):
    explore(legacy_schemas, examples, lambda kw: _import_package(
        col, tmp_path_factory, "collection.anki2",
        lambda: h.legacy_collection(**kw, lenient=True), "apkg (legacy)"))


@budget(40, 2500)
def test_wrongly_shaped_anki_data(col, tmp_path_factory, examples):
    explore(legacy_shapes, examples, lambda kw: _import_package(
        col, tmp_path_factory, "collection.anki2",
        lambda: h.legacy_collection(**kw, lenient=True), "apkg (legacy)"))


@budget(40, 2000)
def test_hostile_modern_collections(col, tmp_path_factory, examples):
    explore(st.one_of(sound_modern, modern_shapes), examples, lambda kw: _import_package(
        col, tmp_path_factory, "collection.anki21b",
        lambda: h.modern_collection(**kw, lenient=True), "apkg (modern)"))


@budget(40, 2000)
def test_deep_and_wide_toml(col, tmp_path_factory, examples):
    def check(text):
        path = tmp_path_factory.mktemp("toml") / "deck.toml"
        path.write_text(text, encoding="utf-8")
        hostile_import(col, path, "toml")

    explore(deep_toml(), examples, check)


@budget(40, 2000)
def test_control_characters_in_every_text_a_file_holds(col, tmp_path_factory, examples):
    def check(case):
        fmt, text = case
        path = tmp_path_factory.mktemp(fmt) / f"deck.{fmt}"
        path.write_text(text, encoding="utf-8", newline="")
        hostile_import(col, path, fmt)

    explore(control_character_files(), examples, check)
