"""A new user's third look, without Qt: a tag or deck that nothing is called
is a typo the command line refuses in one message, with the names close to
it; a report needs no dates to be useful."""

from datetime import datetime

import pytest

from flashdesk.cli import main
from flashdesk.model import BrowseQuery, FlashdeskError
from flashdesk.text import close_matches, did_you_mean

TAGGED = '''
[deck]
id = "tagged"
name = "Tagged::Calls"

[[notes]]
id = "a"
kind = "basic"
front = "What does HEAT stand for?"
back = "Hear, Empathise, Apologise, Take ownership"
tags = ["heat", "Models"]

[[notes]]
id = "b"
kind = "basic"
front = "What does LAST stand for?"
back = "Listen, Acknowledge, Solve, Thank"
tags = ["last"]
'''


def now():
    return datetime.now().astimezone()


@pytest.fixture
def tagged(col, tmp_path):
    path = tmp_path / "tagged.toml"
    path.write_text(TAGGED, encoding="utf-8")
    col.files.import_files([path])
    return col


def cli(args, tmp_path, capsys, stdin="q\n", monkeypatch=None):
    """``flashdesk --data-dir tmp_path/home ARGS`` in this process: (status, stdout, stderr)."""
    import io
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        status = main(["--data-dir", str(tmp_path / "home"), *args])
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return status, out.out, out.err


# -- 1. a tag or deck nothing is called --------------------------------------------------


def test_close_names_are_offered_best_first_and_only_when_close():
    assert close_matches("modles", ["models", "law", "Models::HEAT"]) == ["models"]
    assert close_matches("HEAT", ["heat", "heat-model", "law"]) == ["heat-model"]  # not itself
    assert close_matches("nosuchtag", ["heat", "law", "models"]) == []
    assert did_you_mean([]) == ""
    assert did_you_mean(["a", "b", "c"]) == "; did you mean 'a', 'b' or 'c'?"


def test_a_tag_no_note_carries_stops_the_terminal_review_with_close_tags(tmp_path, capsys):
    status, out, err = cli(["review", "--tag", "modles"], tmp_path, capsys)
    assert status == 1 and out == ""
    assert err == "flashdesk: no note is tagged 'modles'; did you mean 'models'?\n"
    status, out, err = cli(["review", "--cram", "--tag", "nosuchtag"], tmp_path, capsys)
    assert status == 1 and err == "flashdesk: no note is tagged 'nosuchtag'\n"


def test_an_unknown_deck_is_refused_the_same_way_by_every_command(tmp_path, capsys):
    for args in (["review", "modls"], ["stats", "--deck", "modls"], ["limits", "modls"],
                 ["export", "modls", "-o", str(tmp_path / "x.csv"), "--format", "csv"],
                 ["exam", "modls"]):
        status, _out, err = cli(args, tmp_path, capsys)
        assert status == 1, args
        assert err == ("flashdesk: no deck called 'modls'; did you mean "
                       "'Challenging Customers::Models'? (see `flashdesk decks`)\n"), args


def test_a_tag_is_found_whatever_its_case_and_spelt_as_the_notes_spell_it(tagged):
    assert tagged.notes.find_tag("HEAT") == "heat"
    assert tagged.notes.find_tag(" models ", "tagged") == "Models"


def test_a_tag_only_other_decks_carry_names_the_deck(tagged, tmp_path):
    other = tagged.decks.create("Other", now()).deck_id
    with pytest.raises(FlashdeskError, match="no note in Other is tagged 'heat': only notes "
                                             "of other decks are"):
        tagged.notes.find_tag("heat", other)
    with pytest.raises(FlashdeskError, match=r"no note is tagged 'lst'; did you mean 'last'\?"):
        tagged.notes.find_tag("lst")


def test_a_tag_whose_cards_are_all_suspended_is_no_error(tmp_path, capsys):
    deck = tmp_path / "tagged.toml"
    deck.write_text(TAGGED, encoding="utf-8")
    assert cli(["import", str(deck)], tmp_path, capsys)[0] == 0
    from flashdesk.collection import Collection

    with Collection.open(tmp_path / "home" / "default" / "collection.db") as col:
        col.study.suspend(["tagged/b#0"], now())
    status, out, err = cli(["review", "tagged", "--tag", "LAST"], tmp_path, capsys)
    assert status == 0, err
    assert "No cards in Calls are tagged last." in out


# -- 2. a report without dates --------------------------------------------------------


def report_dates(path):
    rows = dict(line.split(",", 1) for line in path.read_text(encoding="utf-8-sig").splitlines()
                if line.startswith(("From,", "To,")))
    return rows["From"], rows["To"]


def test_a_report_without_dates_covers_the_last_30_days_as_the_window_does(tmp_path, capsys):
    from datetime import date, timedelta

    from flashdesk.statistics import REPORT_DAYS, report_period

    today = date.today()
    status, out, err = cli(["report", "-o", str(tmp_path / "r.csv")], tmp_path, capsys)
    assert status == 0, err
    assert report_dates(tmp_path / "r.csv") == (
        (today - timedelta(days=29)).isoformat(), today.isoformat())
    status, _out, err = cli(["report", "--to", "2026-03-31", "-o", str(tmp_path / "m.csv")],
                            tmp_path, capsys)
    assert status == 0, err
    assert report_dates(tmp_path / "m.csv") == ("2026-03-02", "2026-03-31")
    status, _out, err = cli(["report", "--from", "2026-01-01", "-o", str(tmp_path / "f.csv")],
                            tmp_path, capsys)
    assert status == 0 and report_dates(tmp_path / "f.csv") == ("2026-01-01", today.isoformat())
    assert REPORT_DAYS == 30 and report_period(date(2026, 3, 2)) == (date(2026, 2, 1),
                                                                      date(2026, 3, 2))
    helptext = cli_help(["report", "--help"], capsys)
    assert "default: today" in helptext and "last 30 days" in helptext


def cli_help(args, capsys) -> str:
    with pytest.raises(SystemExit):
        main(args)
    return " ".join(capsys.readouterr().out.split())


# -- 6. an image in the terminal -------------------------------------------------------

PICTURES = '''
[deck]
id = "pictures"
name = "Pictures"

[[notes]]
id = "a"
kind = "basic"
front = '<img src="heat.png">'
back = 'HEAT <img src="it&#39;s &amp; co.png">'

[[notes]]
id = "b"
kind = "choice"
question = "Which one?"
options = ['<img src="a.png">', "Neither"]
answer = 1
'''


def test_the_terminal_shows_a_placeholder_where_a_card_has_an_image(col, tmp_path):
    import random

    from flashdesk.cli import TerminalReview
    from flashdesk.formats import terminal_safe

    path = tmp_path / "pictures.toml"
    path.write_text(PICTURES, encoding="utf-8")
    col.files.import_files([path])
    lines = []
    answers = ["", "3", "1", "3", "q"]
    TerminalReview(col, "pictures", lambda p: answers.pop(0), lines.append,
                   random.Random(1)).run()
    shown = [terminal_safe(line) for line in lines]
    assert "[image: heat.png]" in shown  # the front, not a blank line
    assert "→ HEAT [image: it's & co.png]" in shown
    assert any(line.strip().endswith(". [image: a.png]") for line in shown)


# -- 5. images a spreadsheet or deck file shows -------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_a_missing_image_is_named_once_with_its_lines_and_the_notes_still_import(col, tmp_path):
    (tmp_path / "heat.png").write_bytes(PNG)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text('front,back\n"What is this? <img src=""heat.png"">",HEAT\n'
                     '"And this? <img src=""gone.png"">",Gone\n'
                     'Plain,"again <img src=""gone.png"">"\n', encoding="utf-8")
    [report] = col.files.import_files([sheet])
    assert report.added == 3 and report.media == 1
    assert (col.media_dir / "heat.png").read_bytes() == PNG  # beside the file: brought in
    missing = [m for m in report.messages if "gone.png" in m]
    assert missing == [f"{sheet}: image 'gone.png' (lines 3, 4) is neither beside the file nor "
                       f"in the media folder: 2 notes show no picture until it is put in "
                       f"{col.media_dir}"]
    assert not any("heat.png" in m for m in report.messages)


def test_only_pictures_beside_the_file_are_brought_in(col, tmp_path, monkeypatch):
    """A row's <img> can name any file beside a spreadsheet (a PDF in the
    Downloads folder, a link to a file elsewhere): only a picture whose
    extension and first bytes agree is copied in, and within the size
    limits; every other one is named, with why, and the notes import."""
    import os

    from flashdesk.collection import media

    secret = tmp_path / "elsewhere"
    secret.mkdir()
    (secret / "real.png").write_bytes(PNG)
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "tax-return.pdf").write_bytes(b"%PDF-1.7 private")
    (folder / "fake.png").write_bytes(b"not a picture at all")
    (folder / "link.png").symlink_to(secret / "real.png")
    (folder / "big.png").write_bytes(PNG + b"\x00" * 100)
    (folder / "ok.gif").write_bytes(b"GIF89a" + b"\x00" * 10)
    os.mkfifo(folder / "pipe.png")
    monkeypatch.setitem(media.LIMITS, "member_bytes", 64)
    sheet = folder / "sheet.csv"
    names = ["tax-return.pdf", "fake.png", "link.png", "big.png", "ok.gif", "pipe.png",
             "nowhere.pdf"]
    sheet.write_text("front,back\n" + "".join(f'"Q{i} <img src=""{n}"">",A{i}\n'
                                              for i, n in enumerate(names)), encoding="utf-8")
    [report] = col.files.import_files([sheet])
    assert report.added == 7 and report.media == 1
    assert sorted(p.name for p in col.media_dir.iterdir()) == ["ok.gif"]
    why = {n: next(m for m in report.messages if f"'{n}'" in m).split(": ", 2)[2] for n in names
           if n != "ok.gif"}
    assert why == {
        "tax-return.pdf": "the file beside it is not taken: it is not a picture flashdesk shows "
                          "(PNG, JPEG, GIF, WebP, BMP or SVG); 1 note shows no picture",
        "fake.png": "the file beside it is not taken: its content is not a PNG picture; "
                    "1 note shows no picture",
        "link.png": "the file beside it is not taken: it is a link, which is not followed; "
                    "1 note shows no picture",
        "big.png": "the file beside it is not taken: it is larger than 0 MB; 1 note shows no "
                   "picture",
        "pipe.png": "the file beside it is not taken: it is not a plain file; 1 note shows no "
                    "picture",
        "nowhere.pdf": f"1 note shows no picture until it is put in {col.media_dir}",
    }
    # a name that is no file at all is missing, whatever its extension
    assert f"{sheet}: image 'nowhere.pdf' (line 8) is neither beside the file nor in the " \
        "media folder" in "\n".join(report.messages)


def test_a_file_s_pictures_together_stay_within_a_package_s_limit(col, tmp_path, monkeypatch):
    from flashdesk.collection import media

    monkeypatch.setitem(media.LIMITS, "total_bytes", len(PNG) * 2)
    for name in ("a.png", "b.png", "c.png"):
        (tmp_path / name).write_bytes(PNG)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\n" + "".join(f'"Q <img src=""{n}"">",{n}\n'
                                              for n in ("a.png", "b.png", "c.png")),
                     encoding="utf-8")
    [report] = col.files.import_files([sheet])
    assert report.added == 3 and report.media == 2
    assert any("'c.png'" in m and "together are over" in m for m in report.messages)


def test_an_image_already_in_the_media_folder_is_not_missing(col, tmp_path):
    col.media_dir.mkdir(parents=True, exist_ok=True)
    (col.media_dir / "kept.png").write_bytes(PNG)
    deck = tmp_path / "deck.toml"
    deck.write_text('[deck]\nid = "pics"\nname = "Pics"\n\n[[notes]]\nid = "a"\nkind = "basic"\n'
                    'front = \'<img src="kept.png">\'\nback = \'<img src="lost.png">\'\n',
                    encoding="utf-8")
    [report] = col.files.import_files([deck])
    assert report.added == 1
    assert [m for m in report.messages if "image" in m] == [
        f"{deck}: image 'lost.png' (line 5) is neither beside the file nor in the media "
        f"folder: 1 note shows no picture until it is put in {col.media_dir}"]


def test_a_text_file_that_mentions_an_img_tag_has_no_image(col, tmp_path):
    sheet = tmp_path / "text.csv"
    sheet.write_text('#html:false\nfront,back\nWrite <img src="x.png"> for a picture,ok\n',
                     encoding="utf-8")
    [report] = col.files.import_files([sheet])
    assert report.added == 1 and not report.messages and report.media == 0


# -- 4. skipped rows and sanitised cells of a file that feeds several decks ---------------


def test_a_file_of_several_decks_reports_each_row_under_its_own_deck(col, tmp_path):
    sheet = tmp_path / "multi.csv"
    sheet.write_text('front,back,deck\nA1,a,Split::One\n'
                     '<script>x</script>B <b onclick="x">bold</b>,b,Split::Two\n'
                     'C,,split::two\nA1,a,Split::One\n'
                     '<script>y</script>,d,Split::One\n', encoding="utf-8")
    result = col.files.import_files([sheet])
    one, two = result
    # not all under the first deck's line: each row's deck, whatever its case
    assert (one.skipped, one.sanitised) == (
        [f"{sheet}:5: skipped: same note as line 2",
         f"{sheet}:6: skipped: the front (first field) is empty once unsafe content is "
         "removed (scripts, links, remote images)"], 1)
    assert (two.skipped, two.sanitised) == ([f"{sheet}:4: skipped: the back is empty"], 2)
    assert result.files == []


def test_rows_of_no_deck_are_the_file_s(col, tmp_path):
    text = tmp_path / "multi.txt"
    text.write_text('#separator:comma\n#html:true\n#deck column:3\nA,a,One\nB,b,Two\n'
                    '# a comment row\n', encoding="utf-8")
    result = col.files.import_files([text])
    assert [r.skipped for r in result] == [[], []]
    [whole] = result.files
    assert whole.path == str(text) and whole.to_dict()["deck"] is None
    assert whole.skipped == [f"{text}:6: skipped: a row starting with '#' is a comment in "
                             "Anki's text files"]


def test_a_file_of_one_deck_keeps_everything_under_its_deck(col, tmp_path):
    sheet = tmp_path / "one.csv"
    sheet.write_text('front,back\nA,a\n<script>x</script>B,b\nC,\n', encoding="utf-8")
    result = col.files.import_files([sheet])
    [report] = result
    assert report.skipped == [f"{sheet}:4: skipped: the back is empty"]
    assert report.sanitised == 1 and result.files == []


def test_each_deck_gets_the_skipped_rows_and_removals_the_reader_says_are_its(col, now):
    from flashdesk.collection.importer import Importer
    from flashdesk.formats import ReadResult
    from flashdesk.model import DeckData, DeckId, Kind, NoteData

    decks = [DeckData(DeckId(""), name, notes=(NoteData(name[-1], Kind.BASIC,
                                                        {"front": name, "back": "b"}),),
                      path="f.csv") for name in ("Split::One", "Split::Two")]
    read = ReadResult("csv", decks, skipped=["f.csv:3: skipped: a", "f.csv:4: skipped: b",
                                             "f.csv:5: skipped: c"],
                      sanitised=5, skipped_decks={0: "Split::Two", 2: "Elsewhere"},
                      sanitised_decks={"Split::One": 3})
    result = Importer(col).run([read], now=now)
    one, two = result
    assert (one.skipped, one.sanitised) == ([], 3)
    assert (two.skipped, two.sanitised) == (["f.csv:3: skipped: a"], 0)
    [whole] = result.files
    assert (whole.skipped, whole.sanitised) == (["f.csv:4: skipped: b", "f.csv:5: skipped: c"], 2)


def test_the_command_line_prints_a_files_own_rows_under_the_file(tmp_path, capsys):
    import json

    sheet = tmp_path / "multi.csv"
    sheet.write_text('front,back,deck\nA1,a,One\nB,,Two\nB2,b,Two\n', encoding="utf-8")
    status, out, err = cli(["import", str(sheet)], tmp_path, capsys)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{sheet}: One (one): 1 added") and "skipped" not in lines[0]
    assert lines[1].startswith(f"{sheet}: Two (two): 1 added") and "1 skipped" in lines[1]
    assert lines[2:] == [f"  {sheet}:3: skipped: the back is empty"]
    sheet.write_text('#separator:comma\n#deck column:3\nA1,a,One\nB,,Two\nB3,b,Two\n'
                     '#,comment,row\n', encoding="utf-8")
    status, out, _err = cli(["import", "--json", str(sheet)], tmp_path, capsys)
    reports = json.loads(out)
    assert [r["deck"] for r in reports] == ["one", "two", None]
    assert reports[0]["skipped"] == [] and reports[1]["skipped"] == [
        f"{sheet}:4: skipped: it has no back (its card shows no field after the front)"]
    assert reports[2]["skipped"] == [
        f"{sheet}:6: skipped: a row starting with '#' is a comment in Anki's text files"]


# -- notes a file no longer has, kept: named by their fronts ------------------------------


def test_notes_a_file_no_longer_has_are_named_by_their_fronts(col, tmp_path, capsys):
    import json

    from flashdesk.ui.dialogs.import_result import report_lines

    sheet = tmp_path / "unit.csv"
    sheet.write_text("id,front,back\nq1,What is step 1?,One\nq2,What is <b>step</b> 2?,Two\n",
                     encoding="utf-8")
    col.files.import_files([sheet])
    sheet.write_text("id,front,back\nq1,What is step 1?,One\n", encoding="utf-8")
    [report] = col.files.import_files([sheet])
    assert report.missing == ["unit/q2"] and report.removed == 0
    assert report.missing_named() == ["“What is step 2?” (unit/q2)"]
    assert report.to_dict()["missing_fronts"] == {"unit/q2": "What is step 2?"}
    assert "    missing from the file (kept, with its progress): “What is step 2?” (unit/q2)" \
        in report_lines([report])
    # the terminal (a profile of its own) says the same
    sheet.write_text("id,front,back\nq1,What is step 1?,One\nq2,What is <b>step</b> 2?,Two\n",
                     encoding="utf-8")
    assert cli(["import", str(sheet)], tmp_path, capsys)[0] == 0
    sheet.write_text("id,front,back\nq1,What is step 1?,One\n", encoding="utf-8")
    status, out, err = cli(["import", str(sheet)], tmp_path, capsys)
    assert status == 0, err
    assert "  missing from the file (kept, with its progress): “What is step 2?” (unit/q2)" \
        in out.splitlines()
    status, out, err = cli(["import", "--json", str(sheet)], tmp_path, capsys)
    assert json.loads(out)[0]["missing_fronts"] == {"unit/q2": "What is step 2?"}


# -- an import's file never had the learner's own notes, nor the bundled ones ------------


def test_prune_removes_only_notes_a_file_could_have_brought(tmp_path, now):
    """The learner's own notes (the Add window) in a tutor's deck, and the
    bundled notes of a deck a file is imported into, are not missing from
    the file – it never had them – so pruning neither names nor removes them."""
    from flashdesk.collection import Collection
    from flashdesk.model import Kind

    col = Collection.open(tmp_path / "p" / "collection.db", backups=False)
    try:
        sheet = tmp_path / "course.csv"
        sheet.write_text("id,front,back,deck\nq1,Q1?,A1,Course\nq2,Q2?,A2,Course\n",
                         encoding="utf-8")
        [first] = col.files.import_files([sheet], now=now)
        mine = col.notes.add(first.deck_id, Kind.BASIC, {"front": "My own question",
                                                          "back": "Mine"}, now)
        sheet.write_text("id,front,back,deck\nq1,Q1?,A1,Course\n", encoding="utf-8")
        assert [n.note_id for n in col.files.prune_plan([sheet]).notes] == ["course/q2"]
        [report] = col.files.import_files([sheet], prune=True, now=now)
        assert report.missing == [] and report.removed == 1  # pruned, not kept
        assert col.notes.get(mine.note_id) is not None
        # a file put into a bundled deck: the bundled notes are not the file's
        models = next(s for s in col.decks.summaries(now) if s.name.endswith("::Models"))
        bundled = len(col.notes.browse(BrowseQuery(deck_id=models.id), now))
        one = tmp_path / "mine.csv"
        one.write_text("front,back\nMy model question,Mine\n", encoding="utf-8")
        assert col.files.prune_plan([one], deck_name=models.name).notes == ()
        [report] = col.files.import_files([one], deck_name=models.name, prune=True, now=now)
        assert (report.added, report.missing, report.removed) == (1, [], 0)
        assert len(col.notes.browse(BrowseQuery(deck_id=models.id), now)) == bundled + 1
    finally:
        col.close()


def test_prune_removes_only_the_notes_the_learner_agreed_to(col, tmp_path, now):
    """The question names what the dry run found; a note that goes missing
    between the question and the import (another file imported meanwhile,
    a sync) is not among them: it is kept, and listed missing."""
    sheet = tmp_path / "unit.csv"
    sheet.write_text("id,front,back,deck\nq1,Q1?,A1,Unit\nq2,Q2?,A2,Unit\nq3,Q3?,A3,Unit\n",
                     encoding="utf-8")
    col.files.import_files([sheet], now=now)
    sheet.write_text("id,front,back,deck\nq1,Q1?,A1,Unit\nq2,Q2?,A2,Unit\n", encoding="utf-8")
    agreed = frozenset(n.note_id for n in col.files.prune_plan([sheet]).notes)
    assert agreed == {"unit/q3"}
    later = tmp_path / "later.csv"  # meanwhile, another note arrives in the deck
    later.write_text("id,front,back,deck\nq9,Q9?,A9,Unit\n", encoding="utf-8")
    col.files.import_files([later], now=now)
    [report] = col.files.import_files([sheet], prune=agreed, now=now)
    assert [n.note_id for n in report.removed_notes] == ["unit/q3"] and report.removed == 1
    assert report.missing == ["unit/q9"] and col.notes.get("unit/q9") is not None


def test_a_path_with_a_line_break_stays_on_one_line_in_what_the_terminal_says(tmp_path, capsys):
    """export -o, report -o: the file's name is shown escaped when written and
    when refused, as the readers show it: one message is one line."""
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "deck\nname.csv"
    status, out, err = cli(["export", "--format", "csv", "-o", str(target),
                            "challenging-customers"], tmp_path, capsys)
    assert status == 0, err
    assert out.splitlines() == [f"Wrote {tmp_path}/out/deck\\nname.csv"]
    status, out, err = cli(["report", "-o", str(tmp_path / "no\ndir" / "r.pdf")], tmp_path,
                           capsys)
    assert status == 1 and len(err.strip().splitlines()) == 1 and "no\\ndir" in err
    status, out, err = cli(["report", "-o", str(tmp_path / "out" / "r\nx.txt")], tmp_path, capsys)
    assert status == 1 and len(err.strip().splitlines()) == 1 and "r\\nx.txt" in err
