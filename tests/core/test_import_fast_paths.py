"""The import's shortcuts for ordinary text give what the full rules give.

A spreadsheet or Anki text file of 100k rows is read without sending plain
cells through the sanitiser, without the line-end pattern when the file
has only ``\\n``, and without the emptiness pattern for fields that start
with a letter; each shortcut is checked here against the rule it skips,
on the awkward text those rules exist for."""

from __future__ import annotations

import json
import re

import pytest

from flashdesk.cards import MAX_FIELD_CHARS
from flashdesk.collection.note_values import fields_json
from flashdesk.formats import DeckFileError
from flashdesk.formats.notetypes import STOCK, _filled, field_is_empty, map_note
from flashdesk.formats.sanitize import (
    Removals, clean_field, clean_html, clean_text_field, escape_literal, is_blank,
)
from flashdesk.formats.table import _Cells, _lines, read_table
from flashdesk.model import Kind, note_texts

#: cells the shortcuts must not change the meaning of
AWKWARD = [
    "", " ", "plain words", "  padded  ", "tab\there", "line\nbreak", "crlf\r\nend", "cr\rend",
    "a < b", "AT&T", "&amp; entity", "<b>bold</b>", "<script>x</script>hi", "nbsp\xa0here",
    "\ufeffbom", "bell\x07", "rtl\u202eoverride", "em\u2003space", "line\u2028sep", "\u00e9t\u00e9",
    "emoji \U0001F600", "{{c1::cloze}}", "[sound:a.mp3]", "<br>", "<div></div>", " <br> ", "\x85nel",
    "trailing\n", "\n", "<", "&", ">", "x" * 50,
]


@pytest.mark.parametrize("is_html", [True, False])
def test_a_cell_is_stored_as_the_full_rules_store_it(is_html):
    cells = _Cells(is_html, Removals())
    for value in AWKWARD:
        stripped = value.strip()
        full = clean_field(stripped, Removals(), "line 1") if is_html else \
            clean_text_field(stripped)
        assert cells.field(value, "line 1") == full, value


#: markup the sanitiser makes far longer: each new paragraph reopens the hundred open tags
BLOW_UP = "<p>" + "".join(f"<b a={i}>" for i in range(100)) + "<p>y" * 143


def test_a_spreadsheet_cell_the_sanitiser_makes_too_long_is_refused(tmp_path):
    path = tmp_path / "blow.csv"  # no header: read as HTML because it looks like HTML
    path.write_text(f"front,back\nq,{BLOW_UP}\n", encoding="utf-8")
    with pytest.raises(DeckFileError, match=r"blow.csv:2: refused: field 'back' .*too long"):
        read_table(path)


def _lines_by_pattern(text: str) -> list[str]:
    """The lines as the line-end pattern reads them (the rule ``_lines``
    may skip for text with only ``\\n``)."""
    out, start = [], 0
    for match in re.finditer(r"\r\n|\r|\n", text):
        out.append(text[start:match.start()] + "\n")
        start = match.end()
    if start < len(text):
        out.append(text[start:])
    return out


@pytest.mark.parametrize("text", [
    "", "a", "a\n", "a\nb", "a\n\nb\n", "a,\"two\nlines\"\nb\n", "a\r\nb\r\n", "a\rb", "a\x0bb\nc",
    "a\x1cb\n", "a\u2028b\nc\n", "a\x85b\n", "x\n" * 5000, ("y" * 999 + "\n") * 3000,
])
def test_lines_are_those_the_line_end_pattern_gives(text, monkeypatch):
    monkeypatch.setattr("flashdesk.formats.table._BLOCK_CHARS", 1000)  # many blocks
    assert list(_lines(text)) == _lines_by_pattern(text)


def test_a_field_is_filled_exactly_when_anki_does_not_call_it_empty():
    for value in AWKWARD + ["<br/>", "</div>", "<BR >", " \t", "<b> </b>", "a<br>"]:
        assert _filled(value) == (not field_is_empty(value)), value


def test_the_search_texts_of_a_plain_basic_note_are_those_of_the_general_rule():
    for front in AWKWARD:
        for back in ("Back  words\tand\nmore", "", "<i>x</i>", "a &amp; b", "{{c1::x}}"):
            fast = note_texts(Kind.BASIC, {"front": front, "back": back})
            general = note_texts(Kind.BASIC, {"front": front, "back": back, "extra": ""})
            assert fast == general, (front, back)


@pytest.mark.parametrize("cell, html", [
    ("&" * 20_001, "true"),            # each '&' is stored as '&amp;': 100,005 characters
    ("a" + "\xa0" * 16_667 + "b", "false"),  # each no-break space as '&nbsp;': 100,004
    ("x" * (MAX_FIELD_CHARS + 1), "true"),
    (BLOW_UP, "true"),                 # 1,365 characters of markup the sanitiser makes 101,951
])
def test_a_row_whose_field_grows_past_the_limit_is_refused(tmp_path, cell, html):
    path = tmp_path / "big.txt"
    path.write_text(f"#separator:tab\n#html:{html}\nfront\tback\nQ\t{cell}\n", encoding="utf-8")
    with pytest.raises(DeckFileError) as caught:
        read_table(path)
    assert "too long" in str(caught.value) and ":4" in str(caught.value)


def test_fields_are_stored_as_the_json_encoder_writes_them():
    encoder = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
    for text in AWKWARD:
        for fields in ({"front": text, "back": "b"}, {"back": text, "front": "\"q\""},
                       {"front": text, "back": "b", "reverse": True}, {"text": text},
                       {"prompt": text, "options": [text, "x"], "answer": 1}):
            assert fields_json(fields) == encoder.encode(fields), fields


def test_a_two_field_note_maps_as_the_general_rule_maps_it():
    two_field = [nt for nt in STOCK.values() if len(nt.fields) == 2 and not nt.cloze]
    assert len(two_field) >= 3  # Basic, its reversed forms, type-in
    values = ["Q", "  lead", "<b>A</b>", "<br>", "", "x &amp; y", "{{c1::z}}", "\u2003em"]
    for notetype in two_field:
        for first in values:
            for second in values:
                # a third, empty value takes the general rule: it adds nothing
                assert map_note(notetype, [first, second]) == \
                    map_note(notetype, [first, second, ""]), (notetype.name, first, second)


def test_an_anki_field_is_stored_as_the_full_rules_store_it():
    from flashdesk.formats.anki import _Notes
    from flashdesk.formats.notetypes import STOCK

    basic = STOCK["Basic"]
    for value in AWKWARD:
        if not value.strip():
            continue
        fast = _Notes("p.apkg", Removals(), {"a.png": "b.png"}).note(basic, f"{value}\x1fback",
                                                                    "g", "", 1)
        full = clean_html(escape_literal(value.strip()), Removals(), "note 1")
        if is_blank(full):
            assert isinstance(fast, str) and "first field is empty" in fast, value
        else:
            assert not isinstance(fast, str) and fast[0].fields["front"] == full, value
