"""What the file readers tell a tutor about a file they cannot read as
written (found by a new-user pass): each message names the file and the
line, says what was lost, and says nothing that is not so."""

import csv

import pytest

from flashdesk.formats import DeckFileError, read_any

from . import hostile_files as h

REMOTE = '<img src="http://tracker.example/pixel.png">'


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def skipped(path):
    """The reasons ``path``'s skipped rows give, without the file and line."""
    return [s.split(": skipped: ", 1)[1] for s in read_any(path).skipped]


# -- an empty field says "unsafe content" only when the sanitiser removed some ---------

@pytest.mark.parametrize("html", ["true", "false"])
def test_an_empty_front_of_an_anki_text_file_is_just_empty(tmp_path, html):
    path = tmp_path / "notes.txt"
    path.write_text(f"#separator:tab\n#html:{html}\n\tA1\nQ2\tA2\n", encoding="utf-8")
    assert skipped(path) == ["the front (first field) is empty"]


@pytest.mark.parametrize("header, first", [
    ("#guid column:1", "g{}"), ("#deck column:1", "Deck A"), ("#notetype column:1", "Basic")])
def test_an_empty_front_is_found_in_its_own_column_not_the_first(tmp_path, header, first):
    # the first column holds the guid, deck or note type: the front is the column after it
    path = tmp_path / "notes.txt"
    path.write_text(f"#separator:tab\n#html:true\n{header}\n{first.format(1)}\t\tA1\n"
                    f"{first.format(2)}\t{REMOTE}\tA2\n{first.format(3)}\tQ3\tA3\n",
                    encoding="utf-8")
    assert skipped(path) == [
        "the front (first field) is empty",
        "the front (first field) is empty once unsafe content is removed "
        "(scripts, links, remote images)"]


@pytest.mark.parametrize("blank", ["", "   ", "<br>", "&nbsp;", "<b></b>"])
def test_a_blank_spreadsheet_field_is_just_empty(tmp_path, blank):
    path = tmp_path / "sheet.csv"
    rows = [["front", "back", "kind", "points"], [blank, "A", "", ""], ["Q", blank, "", ""],
            ["Scenario", "<br>", "scenario", "one|two"], ["Q4", "A4", "", ""]]
    write_csv(path, rows)
    assert skipped(path) == ["the front (first field) is empty", "the back is empty",
                             "the model answer field is empty"]


def test_a_spreadsheet_field_the_sanitiser_emptied_says_so(tmp_path):
    path = tmp_path / "sheet.csv"
    write_csv(path, [["front", "back", "kind", "points"], [REMOTE, "A", "", ""],
                       ["Q", "<script>x()</script>", "", ""],
                       ["Scenario", "<b><script>x()</script></b>", "scenario", "one|two"],
                       ["Q4", "<br>", "", ""], ["Q5", "A5", "", ""]])
    once = " once unsafe content is removed (scripts, links, remote images)"
    assert skipped(path) == ["the front (first field) is empty" + once, "the back is empty" + once,
                             "the model answer field is empty" + once, "the back is empty"]


def test_a_required_field_of_an_anki_text_note_says_unsafe_only_when_it_was(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("#separator:tab\n#html:true\nQ1\t<b></b>\nQ2\t<b><script>x</script></b>\n"
                    "Q3\tA3\n", encoding="utf-8")
    assert skipped(path) == [
        "the back field is empty",
        "the back field is empty once unsafe content is removed (scripts, links, remote images)"]


def test_an_anki_package_s_empty_first_field_is_just_empty(tmp_path):
    path = h.legacy_package(tmp_path / "empty.apkg", notes=[
        (1, "g1", 1, "", "<br>\x1fA"), (2, "g2", 1, "", f"{REMOTE}\x1fA"),
        (3, "g3", 1, "", "Q\x1f<b></b>"), (4, "g4", 1, "", "Q4\x1fA4")],
        cards=[(1, 2, 0), (2, 2, 0), (3, 2, 0), (4, 2, 0)])
    assert [s.split(": skipped: ", 1)[1] for s in read_any(path).skipped] == [
        "its first field is empty", "its first field is empty (once unsafe content is removed)",
        "the back field is empty"]


def test_a_deck_file_field_of_blank_markup_is_just_empty(tmp_path):
    path = tmp_path / "deck.toml"
    path.write_text('[deck]\nid = "d"\nname = "D"\n\n[[notes]]\nid = "a"\nkind = "basic"\n'
                    'front = "<br>"\nback = "A"\n\n[[notes]]\nid = "b"\nkind = "order"\n'
                    'prompt = "P"\nitems = ["one", "<b></b>"]\n', encoding="utf-8")
    with pytest.raises(DeckFileError) as exc:
        read_any(path)
    messages = [p.message for p in exc.value.problems]
    assert messages == ["note 1 (id 'a'): field 'front': empty",
                        "note 2 (id 'b'): field 'items': an item is empty"]
