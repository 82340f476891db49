"""One rule for card text, whatever brings it in (the Add window and the
editor through ``col.notes``, deck files, spreadsheets, Anki text files and
packages): what is not markup stays text; real markup is sanitised and
what goes is reported."""

import csv
import json

import pytest

from flashdesk.collection import Collection
from flashdesk.collection.notes import NoteRejected
from flashdesk.formats.sanitize import clean_field, editable_text, escape_literal
from flashdesk.kinds import form_texts
from flashdesk.model import Kind, plain_text

from . import hostile_files as h

PHRASE = "Greet with: Hello <customer name>, how can I help? Refunds if a<b"
STORED = "Greet with: Hello &lt;customer name&gt;, how can I help? Refunds if a&lt;b"


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
    assert any("removed 1 thing(s)" in m and "note 1 (id 'a'): <script>" in m
               for m in report.messages)
    assert fronts(col)[0]["front"] == STORED + " "
