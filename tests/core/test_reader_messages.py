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


# -- a quote that opens a cell and is never closed ---------------------------------------

STRAY = "front,back,deck\n" + "".join(f"Q{i},A{i},Stray\n" for i in range(1, 4)) + \
    '"Quote starts here,A4,Stray\n' + "".join(f"Q{i},A{i},Stray\n" for i in range(5, 40))


def refusal(path):
    with pytest.raises(DeckFileError) as exc:
        read_any(path)
    return [str(p) for p in exc.value.problems]


def test_a_stray_quote_refuses_the_file_naming_the_line_it_opens_on(tmp_path):
    path = tmp_path / "stray.csv"
    path.write_text(STRAY, encoding="utf-8")
    assert refusal(path) == [f"{path}:5: a quote opens here and is never closed, so lines 5–40 "
                             "would be one cell; close the quote or remove it"]


@pytest.mark.parametrize("text, line", [
    ('front,back\n"unclosed quote,x\nmore,rows\n', 2),  # one row
    ('front,back\nQ1,A1\nQ2,"A2 and no end', 3),  # the last line, no line end
    ('front,back\nQ1,A1\n"\n', 3),  # a lone quote: a row that would be blank
    ('front,back\r\nQ1,"two\r\nlines",x,"then\r\nno end\r\n', 3),  # after a cell of two lines
    ('"front,back\nQ1,A1\n', 1),  # the header row
    ("#separator:tab\n#html:false\nQ1\tA1\nQ2\t\"A2\nQ3\tA3\n", 4),  # Anki's header lines count
    ("front\tback\rQ1\t\"A1\rQ2\tA2\r", 2),  # CR line ends
])
def test_an_unclosed_quote_is_refused_wherever_it_is(tmp_path, text, line):
    path = tmp_path / "unclosed.csv"
    path.write_bytes(text.encode("utf-8"))
    [message] = refusal(path)
    assert message.startswith(f"{path}:{line}: a quote opens here and is never closed"), message


@pytest.mark.parametrize("text", [
    'front,back\nQ1,"two\nlines"\nQ2,A2\n',  # a cell of two lines
    'front,back\nQ1,A1\nQ2,"last\nrow"\n',  # ... in the last row
    'front,back\nQ1,A1\nQ2,"last\nrow"',  # ... with no line end after it
    'front,back\r\nQ1,"""quoted"" and\r\n,commas"\r\nQ2,A2',  # quotes written twice, CR LF
    'front,back\nQ1,say "hi"\nQ2,A2\n',  # quotes inside a cell that does not start with one
])
def test_a_quoted_cell_over_several_lines_still_imports(tmp_path, text):
    path = tmp_path / "multi.csv"
    path.write_bytes(text.encode("utf-8"))
    result = read_any(path)
    assert not result.skipped
    assert [n.key for d in result.decks for n in d.notes] and len(result.decks[0].notes) == 2


def test_an_unclosed_quote_changes_nothing_and_the_command_line_says_so(col, tmp_path):
    import subprocess
    import sys

    from .test_hostile_inputs import content

    path = tmp_path / "stray.csv"
    path.write_text(STRAY, encoding="utf-8")
    before = content(col)
    with pytest.raises(DeckFileError, match="stray.csv:5: a quote opens here"):
        col.files.import_files([path])
    assert content(col) == before
    out = subprocess.run([sys.executable, "-m", "flashdesk", "--data-dir", str(tmp_path / "home"),
                          "import", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr and not out.stdout
    assert out.stderr.splitlines() == [
        f"{path}:5: a quote opens here and is never closed, so lines 5–40 would be one cell; "
        "close the quote or remove it", "flashdesk: nothing was imported (1 problem)"]


# -- a row skipped as the same note as an earlier row says what it would have changed ----

def test_an_exact_duplicate_row_keeps_the_short_message(tmp_path):
    path = write_csv(tmp_path / "dup.csv", [["front", "back"], ["Q1", "A1"], ["Q2", "A2"],
                                            ["Q1", "A1"], ["q1 ", " A1"]])
    assert skipped(path) == ["same note as line 2", "same note as line 2"]


def test_a_row_with_the_same_front_but_another_back_says_the_back_is_not_imported(tmp_path):
    path = write_csv(tmp_path / "dup.csv", [["front", "back", "tags"], ["Q1", "A1", "t"],
                                            ["Q2", "A2", ""], ["Q1", "Another answer", "t"],
                                            ["Q1", "A1", "t other"]])
    assert skipped(path) == [
        "same front as line 2 but a different back; only line 2 is imported",
        "same front as line 2 but different tags; only line 2 is imported"]


def test_an_id_or_guid_met_again_with_other_content_says_what_differs(tmp_path):
    path = write_csv(tmp_path / "ids.csv", [["id", "front", "back", "deck"],
                                            ["q1", "Q1", "A1", "Course::A"],
                                            ["q1", "Other question", "A1", "Course::A"],
                                            ["q1", "Q1", "A1", "Course::B"],
                                            ["q1", "Q1", "A1", "Course::A"]])
    assert skipped(path) == ["same id as line 2 but a different front; only line 2 is imported",
                             "same id as line 2 but a different deck; only line 2 is imported",
                             "same note as line 2"]
    path = tmp_path / "guids.txt"
    path.write_text("#separator:tab\n#html:false\n#guid column:1\ng1\tQ1\tA1\n"
                    "g1\tdup guid\tdup guid back\n", encoding="utf-8")
    assert skipped(path) == ["same guid as line 4 but a different front and a different back; "
                             "only line 4 is imported"]


def test_a_re_import_says_so_too_when_one_of_the_rows_is_unchanged(col, tmp_path):
    path = write_csv(tmp_path / "dup.csv", [["front", "back"], ["Q1", "A1"], ["Q2", "A2"]])
    col.files.import_files([path])
    # a row added after the unchanged one, then one added before it
    write_csv(path, [["front", "back"], ["Q1", "A1"], ["Q2", "A2"], ["Q1", "New answer"]])
    [report] = col.files.import_files([path])
    assert [s.split(": skipped: ")[1] for s in report.skipped] == [
        "same front as line 2 but a different back; only line 2 is imported"]
    write_csv(path, [["front", "back"], ["Q1", "New answer"], ["Q1", "A1"], ["Q2", "A2"],
                     ["Q2", "A2"]])
    [report] = col.files.import_files([path])
    assert [s.split(": skipped: ")[1] for s in report.skipped] == [
        "same front as line 2 but a different back; only line 2 is imported",
        "same note as line 4"]


# -- a file's name is shown escaped: it cannot break a message into lines or colour it ---

EVIL = "evil\x1b[31mred\nname\u202e.csv"
SHOWN = "evil\\x1b[31mred\\nname\\u202e.csv"


def test_a_file_name_with_control_characters_is_shown_escaped(tmp_path):
    from flashdesk.formats import shown_path

    assert shown_path(tmp_path / EVIL) == f"{tmp_path}/{SHOWN}"
    assert shown_path("plain name – café.csv") == "plain name – café.csv"
    assert shown_path("tab\there\rcr") == "tab\\there\\rcr"
    assert shown_path(b"caf\xe9.csv".decode("utf-8", "surrogateescape")) == "caf\\xe9.csv"
    assert shown_path(shown_path(EVIL)) == SHOWN  # showing it again changes nothing


@pytest.mark.parametrize("suffix, text", [
    (".csv", "front,back\nQ1,A1\n,no front\nQ1,other\n"),
    (".txt", "#separator:tab\n#html:true\nQ1\tA1\n\tno front\nQ3\t<script>x</script>A3\n"),
    (".toml", '[deck]\nid = "d"\nname = "D"\n\n[[notes]]\nid = "a"\nkind = "basic"\n'
              'front = "<script>x</script>Q"\nback = "A"\n'),
    (".csv", 'front,back\n"never closed\n'),
    (".csv", ""),
])
def test_every_message_about_a_file_shows_its_name_escaped(tmp_path, suffix, text):
    path = tmp_path / (EVIL[:-4] + suffix)
    path.write_text(text, encoding="utf-8")
    try:
        result = read_any(path)
        messages = result.skipped + result.messages + [d.path for d in result.decks]
    except DeckFileError as exc:
        messages = [str(p) for p in exc.problems]
    assert messages
    for message in messages:
        assert message.startswith(f"{tmp_path}/{SHOWN[:-4]}{suffix}"), message
        assert "\n" not in message and "\x1b" not in message and "\u202e" not in message


def test_an_anki_package_s_name_is_shown_escaped_too(tmp_path):
    path = h.legacy_package(tmp_path / (EVIL[:-4] + ".apkg"), notes=[
        (1, "g1", 1, "", "\x1fA"), (2, "g2", 1, "", "Q\x1fA")], cards=[(1, 2, 0), (2, 2, 0)])
    result = read_any(path)
    assert result.skipped == [f"{tmp_path}/{SHOWN[:-4]}.apkg: note 1: skipped: its first field "
                              "is empty"]
    assert result.decks[0].path == f"{tmp_path}/{SHOWN[:-4]}.apkg"


def test_the_command_line_prints_a_file_name_on_one_line(tmp_path):
    import subprocess
    import sys

    good = tmp_path / (EVIL[:-4] + ".csv")
    good.write_text("front,back\nQ1,A1\n,no front\n", encoding="utf-8")
    bad = tmp_path / (EVIL[:-4] + "2.csv")
    bad.write_text('front,back\n"never closed\n', encoding="utf-8")
    home = ["--data-dir", str(tmp_path / "home")]
    for args in (["import", str(good)], ["validate", str(good)], ["import", str(bad)]):
        out = subprocess.run([sys.executable, "-m", "flashdesk", *home, *args],
                             capture_output=True, text=True, timeout=120)
        assert "Traceback" not in out.stderr
        for line in (out.stdout + out.stderr).splitlines():
            assert "\x1b" not in line and not line.startswith("name"), (args, line)
        assert SHOWN[:-4] in out.stdout + out.stderr
