"""One rule for card text, whatever brings it in (the Add window and the
editor through ``col.notes``, deck files, spreadsheets, Anki text files and
packages): what is not markup stays text; real markup is sanitised and
what goes is reported; a broken cloze and an oversized field are refused
with their place."""

import csv
import json
import os

import pytest

from flashdesk import cloze
from flashdesk.cards import MAX_FIELD_CHARS, cloze_problem
from flashdesk.collection import Collection
from flashdesk.collection.notes import NoteRejected
from flashdesk.formats import DeckFileError
from flashdesk.formats.sanitize import clean_field, editable_text, escape_literal
from flashdesk.kinds import form_texts
from flashdesk.model import Kind, plain_text

from . import hostile_files as h

PHRASE = "Greet with: Hello <customer name>, how can I help? Refunds if a<b"
STORED = "Greet with: Hello &lt;customer name&gt;, how can I help? Refunds if a&lt;b"
BROKEN = "Broken {{c1::unclosed gap and {{c2::}} empty"
CLOZE_MODELS = {"1": {"name": "Cloze", "type": 1,
                      "flds": [{"name": "Text", "ord": 0}, {"name": "Back Extra", "ord": 1}],
                      "tmpls": [{"name": "Cloze", "qfmt": "{{cloze:Text}}", "ord": 0}]}}


def content(col):
    return {t: col.db.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall()
            for t in ("decks", "notes", "cards")}


def deck_file(path, *notes):
    """A deck file of ``notes`` (TOML tables as dicts), each note on its own lines."""
    text = '[deck]\nid = "t"\nname = "T"\n'
    for note in notes:
        text += "\n[[notes]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in note.items())
    path.write_text(text, encoding="utf-8")
    return path


def spreadsheet(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def fronts(col):
    return [json.loads(r[0]) for r in col.db.execute("SELECT fields FROM notes ORDER BY id")]


# -- 1: text in angle brackets ----------------------------------------------------------

@pytest.mark.parametrize("text, stored", [
    (PHRASE, STORED),
    ("Press <Esc> then <Enter>", "Press &lt;Esc&gt; then &lt;Enter&gt;"),
    ("AT&T &copy 2024 &amp; &nosuch;", "AT&amp;T &amp;copy 2024 &amp; &amp;nosuch;"),
    ("<b>Hi</b> <customer>", "<b>Hi</b> &lt;customer&gt;"),
    ('<img src="a.png" alt="a<b">', '<img src="a.png" alt="a&lt;b">'),
    ("x < y > z", "x &lt; y &gt; z"),
    ("&lt;b&gt; is bold", "&lt;b&gt; is bold"),
])
def test_what_is_not_markup_stays_text(text, stored):
    assert clean_field(text) == stored
    assert clean_field(stored) == stored  # stored text reads back as itself


def test_escape_literal_keeps_markup_and_entities():
    assert escape_literal("<br/><!-- c --><script>x</script>&#8211;&eacute;") == \
        "<br/><!-- c --><script>x</script>&#8211;&eacute;"
    assert escape_literal("plain") == "plain"


def test_the_editor_shows_stored_text_as_it_was_typed():
    assert editable_text(STORED) == PHRASE
    assert editable_text("&lt;b&gt; is bold") == "&lt;b&gt; is bold"  # "<b>" would be bold
    texts = form_texts(Kind.BASIC, {"front": STORED + "<br>line 2", "back": "A"}, editable_text)
    assert texts["front"] == PHRASE + "\nline 2"
    choice = form_texts(Kind.CHOICE, {"question": "Q", "options": ["a&lt;b", "c"], "answer": 1},
                        editable_text)
    assert choice["options"] == "a<b\nc"


def test_the_add_window_keeps_angle_brackets(col, now):
    deck = col.decks.create("Phrases", now).deck_id
    added = col.notes.add(deck, Kind.BASIC, {"front": PHRASE, "back": "Say it kindly"}, now)
    _, fields = col.notes.get(added.note_id)
    assert fields["front"] == STORED and plain_text(fields["front"]) == PHRASE
    # the editor saves what it shows back unchanged
    col.notes.update(added.note_id, {"front": editable_text(fields["front"]), "back": "B"}, now)
    assert col.notes.get(added.note_id)[1]["front"] == STORED


def test_markup_the_sanitiser_would_remove_is_refused_under_its_field(col, now):
    deck = col.decks.create("Phrases", now).deck_id
    for front, shown in [("Hi <script>alert(1)</script>", "<script>"),
                         ('See <a href="http://x">this</a>', '<a href="http://x">'),
                         ('<span style="color:red">Hi</span>', 'style="color:red" on <span>')]:
        with pytest.raises(NoteRejected) as refused:
            col.notes.add(deck, Kind.BASIC, {"front": front, "back": "A"}, now)
        [problem] = refused.value.problems
        assert problem.startswith(f"field 'front': {shown} would be removed")
        assert "&lt;" in problem
    assert col.decks.contents(deck).cards == 0
    # an invisible control character is only removed
    col.notes.add(deck, Kind.BASIC, {"front": "Q\x0b", "back": "A"}, now)


def _every_format(tmp_path, text):
    """The same front written as each kind of file flashdesk imports."""
    toml = deck_file(tmp_path / "d.toml", {"id": "a", "kind": "basic", "front": text,
                                           "back": "A"})
    plain = spreadsheet(tmp_path / "plain.csv", [["front", "back"], [text, "A"]])
    html = spreadsheet(tmp_path / "html.csv", [["front", "back"], [text, "<b>A</b>"]])
    anki_text = tmp_path / "anki.txt"
    anki_text.write_text(f"#separator:tab\n#html:true\n{text}\tA\n", encoding="utf-8")
    apkg = h.legacy_package(tmp_path / "d.apkg", notes=[(1, "g1", 1, "", f"{text}\x1fA")])
    return {"toml": toml, "csv": plain, "html csv": html, "anki text": anki_text, "apkg": apkg}


@pytest.mark.parametrize("fmt", ["toml", "csv", "html csv", "anki text", "apkg"])
def test_every_importer_keeps_angle_brackets(tmp_path, fmt):
    path = _every_format(tmp_path, PHRASE)[fmt]
    with Collection.open(tmp_path / "p" / "collection.db", bundled=False) as col:
        [report] = col.files.import_files([path])
        assert report.sanitised == 0 and not any("sanitiser" in m for m in report.messages)
        [fields] = fronts(col)
        assert fields["front"] == STORED


@pytest.mark.parametrize("fmt", ["toml", "csv", "apkg"])
def test_angle_brackets_survive_export_and_import(tmp_path, now, fmt):
    with Collection.open(tmp_path / "a" / "collection.db", bundled=False) as col:
        deck = col.decks.create("Phrases", now).deck_id
        col.notes.add(deck, Kind.BASIC, {"front": PHRASE, "back": "a & b <c>"}, now)
        [path] = col.files.export(deck, fmt, tmp_path / f"out.{fmt}")
        before = fronts(col)
    with Collection.open(tmp_path / "b" / "collection.db", bundled=False) as col:
        [report] = col.files.import_files([path])
        assert report.sanitised == 0
        assert fronts(col) == before
        assert before[0]["back"] == "a &amp; b &lt;c&gt;"


def test_an_import_reports_what_it_removes_from_real_html(col, tmp_path):
    path = deck_file(tmp_path / "d.toml", {"id": "a", "kind": "basic",
                                           "front": f"{PHRASE} <script>x()</script>",
                                           "back": "A"})
    [report] = col.files.import_files([path])
    assert report.sanitised == 1
    assert any("removed 1 thing " in m and "note 1 (id 'a'): <script>" in m
               for m in report.messages)
    assert fronts(col)[0]["front"] == STORED + " "


# -- 2: a broken cloze ------------------------------------------------------------------

def test_the_cloze_parser_names_what_is_broken():
    assert cloze.problems(BROKEN) == [
        "the cloze “{{c1::unclosed gap and {{c2::…” is never closed with }}",
        "the gap {{c2::}} is empty: put the hidden words in it"]
    assert cloze.problems("{{c1::a}} {{c::b}}") == [
        "“{{c::” has no card number (write {{c1::…}}, {{c2::…}} …)"]
    assert cloze.problems("{{c1::::a hint}}") == [
        "the gap {{c1::}} is empty: put the hidden words in it"]
    assert "nested more than 10 deep" in cloze.problems("{{c1::" * 11 + "x" + "}}" * 11)[0]
    assert cloze.problems("{{c1::a {{c2::b}}}} {{c3::c::hint}} }} {{c0::shown}}") == []


def test_a_gap_that_shows_nothing_is_empty_and_an_image_is_not():
    assert "is empty" in cloze_problem("{{c1::<b> </b>&nbsp;}} {{c2::x}}")
    assert cloze_problem('{{c1::<img src="a.png">}}') is None
    assert cloze_problem("No gap here") == "a cloze note needs at least one {{c1::hidden part}}"


def test_the_add_window_refuses_a_broken_cloze(col, now):
    deck = col.decks.create("Clozes", now).deck_id
    with pytest.raises(NoteRejected) as refused:
        col.notes.add(deck, Kind.CLOZE, {"text": BROKEN}, now)
    assert refused.value.problems == [
        "field 'text': the cloze “{{c1::unclosed gap and {{c2::…” is never closed with }}; "
        "the gap {{c2::}} is empty: put the hidden words in it"]
    assert col.decks.contents(deck).cards == 0


def test_a_deck_file_with_a_broken_cloze_imports_nothing(col, tmp_path):
    path = deck_file(tmp_path / "d.toml", {"id": "ok", "kind": "basic", "front": "Q", "back": "A"},
                     {"id": "broken", "kind": "cloze", "text": BROKEN})
    before = content(col)
    with pytest.raises(DeckFileError) as refused:
        col.files.import_files([path])
    [problem] = refused.value.problems
    assert str(problem).startswith(f"{path}:14: note 2 (id 'broken'): field 'text': the cloze "
                                   "“{{c1::unclosed gap and {{c2::…” is never closed")
    assert content(col) == before


def test_a_spreadsheet_row_with_a_broken_cloze_is_skipped_with_its_line(col, tmp_path):
    path = spreadsheet(tmp_path / "c.csv", [["front", "back", "kind"], ["Q", "A", "basic"],
                                            [BROKEN, "", "cloze"]])
    [report] = col.files.import_files([path])
    assert report.added == 1
    assert report.skipped == [f"{path}:3: skipped: field 'front': the cloze “{{{{c1::unclosed "
                              "gap and {{c2::…” is never closed with }}; the gap {{c2::}} is "
                              "empty: put the hidden words in it"]


def test_an_anki_cloze_note_with_an_empty_gap_is_skipped(col, tmp_path):
    path = h.legacy_package(tmp_path / "c.apkg", models=CLOZE_MODELS, notes=[
        (1, "g1", 1, "", "{{c1::fine}}\x1f"), (2, "g2", 1, "", "{{c1::}} and {{c2::x}}\x1f")],
        cards=[(1, 2, 0), (2, 2, 0)])
    [report] = col.files.import_files([path])
    assert report.added == 1
    assert report.skipped == [f"{path}: note 2: skipped: its cloze text: the gap {{{{c1::}}}} "
                              "is empty: put the hidden words in it"]


# -- 3: a field's size ----------------------------------------------------------------

def test_the_add_window_refuses_a_field_over_the_limit(col, now):
    deck = col.decks.create("Big", now).deck_id
    with pytest.raises(NoteRejected) as refused:
        col.notes.add(deck, Kind.BASIC, {"front": "x" * (MAX_FIELD_CHARS + 1), "back": "A"}, now)
    assert refused.value.problems == [
        "field 'front': too long: 100,001 characters, and a field holds at most 100,000; "
        "split it into several notes"]
    # markup counts as stored: 25,001 '<' are 100,004 characters of '&lt;'
    with pytest.raises(NoteRejected, match="too long: 100,004 characters"):
        col.notes.add(deck, Kind.BASIC, {"front": "<" * 25_001, "back": "A"}, now)
    col.notes.add(deck, Kind.BASIC, {"front": "x" * MAX_FIELD_CHARS, "back": "A"}, now)


def test_a_deck_file_with_a_field_over_the_limit_imports_nothing(col, tmp_path):
    path = deck_file(tmp_path / "d.toml", {"id": "a", "kind": "order", "prompt": "P",
                                           "items": ["one", "y" * 5_000_000]})
    with pytest.raises(DeckFileError) as refused:
        col.files.import_files([path])
    assert str(refused.value.problems[0]) == (
        f"{path}:9: note 1 (id 'a'): field 'items': too long: 5,000,000 characters, and a "
        "field holds at most 100,000; split it into several notes")
    assert content(col)["notes"] == []


def test_an_anki_package_with_a_field_over_the_limit_imports_nothing(col, tmp_path):
    path = h.legacy_package(tmp_path / "big.apkg", notes=[
        (1, "g1", 1, "", "Q\x1fA"), (2, "g2", 1, "", "Q2\x1f" + os.urandom(2_500_000).hex())],
        cards=[(1, 2, 0), (2, 2, 0)])
    with pytest.raises(DeckFileError, match="big.apkg: refused: note 2: field 'back' is too "
                                            "long: 5,000,000 characters"):
        col.files.import_files([path])
    assert content(col)["notes"] == []
