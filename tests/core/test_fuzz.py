"""Property tests over every importer: whatever the bytes, the only outcomes
are a successful import or flashdesk's own error with a message, and a failed
import leaves the collection's content exactly as it was."""

import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from flashdesk.collection import Collection
from flashdesk.model import FlashdeskError

from .conftest import FIXTURES

EXAMPLES = 1000
TOML = (FIXTURES / "example.toml").read_bytes()
CSV = (FIXTURES / "import" / "kinds.tsv").read_bytes()
APKG = (FIXTURES / "import" / "genanki.apkg").read_bytes()
fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def col():
    c = Collection.in_memory()
    c.files.import_files([FIXTURES / "example.toml"])
    yield c
    c.close()


def content(col):
    return {t: col.db.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall()
            for t in ("decks", "notes", "cards", "revlog")}


def try_import(col, path):
    before = content(col)
    try:
        col.files.import_files([path])
    except FlashdeskError as exc:
        assert str(exc).strip(), "an error must say what is wrong"
        assert str(path) in str(exc) or "deck name" in str(exc)
        assert content(col) == before


def mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for pos, value, op in edits:
        if not out:
            break
        pos %= len(out)
        if op == 0:
            out[pos] = value
        elif op == 1:
            del out[pos]
        else:
            out.insert(pos, value)
    return bytes(out)


edits = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.integers(0, 2)),
                 max_size=12)


@fuzz
@given(edits=edits)
def test_mutated_deck_files(col, tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("toml") / "deck.toml"
    path.write_bytes(mutate(TOML, edits))
    try_import(col, path)


@fuzz
@given(text=st.text(max_size=400))
def test_arbitrary_text_as_a_deck_file(col, tmp_path_factory, text):
    path = tmp_path_factory.mktemp("toml") / "deck.toml"
    path.write_text('[deck]\nid = "fuzz"\nname = "Fuzz"\n' + text, encoding="utf-8")
    try_import(col, path)


@fuzz
@given(edits=edits)
def test_mutated_spreadsheets(col, tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("csv") / "sheet.tsv"
    path.write_bytes(mutate(CSV, edits))
    try_import(col, path)


@fuzz
@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=6), max_size=8),
       sep=st.sampled_from([",", ";", "\t"]))
def test_generated_csv_rows(col, tmp_path_factory, rows, sep):
    path = tmp_path_factory.mktemp("csv") / "rows.csv"
    header = sep.join(["front", "back", "kind", "options", "tags", "id"])
    path.write_text(header + "\n" + "\n".join(sep.join(r) for r in rows), encoding="utf-8")
    try_import(col, path)


@fuzz
@given(edits=edits)
def test_mutated_anki_packages(col, tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("apkg") / "deck.apkg"
    path.write_bytes(mutate(APKG, edits))
    try_import(col, path)


@fuzz
@given(edits=edits, member=st.sampled_from(["collection.anki2", "media", "0"]))
def test_anki_packages_with_a_mutated_member(col, tmp_path_factory, edits, member):
    path = tmp_path_factory.mktemp("apkg") / "deck.apkg"
    with zipfile.ZipFile(FIXTURES / "import" / "genanki.apkg") as src, \
            zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, mutate(data, edits) if name == member else data)
    try_import(col, path)
