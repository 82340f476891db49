"""Imports from the files tutors bring (made by Excel-, LibreOffice-, Anki- and
genanki-style tools: see tests/fixtures/import/make_fixtures.py), exports, and
round trips."""

import zipfile

import pytest

from flashdesk.collection import Collection
from flashdesk.formats import read_any

from .conftest import FIXTURES

IMPORT = FIXTURES / "import"
GOOD = 4


def notes(col, deck_name):
    deck = col.decks.find(deck_name)
    [data] = [d for d in col.files.export_data(deck) if d.name == deck_name]
    return {n.key: n for n in data.notes}


def test_excel_csv_with_bom_crlf_and_quoted_line_breaks(col, now):
    [report] = col.files.import_files([IMPORT / "spreadsheet.csv"])
    assert (report.added, report.format) == (3, "csv")
    by_front = {n.fields["front"]: n for n in notes(col, "spreadsheet").values()}
    passive = by_front["Name two signs of a passive customer"]
    assert passive.fields["back"] == "Quiet, hesitant;<br>says \"it's fine\" when it isn't"
    cafe = by_front["Café refund, 30 days?"]
    assert cafe.fields["extra"] == "Goods, not services" and cafe.tags == ("law",)


def test_libreoffice_csv_with_semicolons_and_deck_column(col, now):
    [report] = col.files.import_files([IMPORT / "libreoffice.csv"])
    assert report.deck_name == "Tutor::LibreOffice" and report.added == 2
    assert notes(col, "Tutor::LibreOffice")["lo-2"].fields["back"] == "Thank; and log it"


def test_every_kind_in_a_tsv_and_bad_rows_skipped_with_reasons(col):
    [report] = col.files.import_files([IMPORT / "kinds.tsv"])
    assert report.added == 5
    assert report.skipped == [f"{IMPORT / 'kinds.tsv'}:7: skipped: a choice note needs two or "
                              "more different options, separated by '|'"]
    got = notes(col, "kinds")
    assert got["k-choice"].fields == {"question": "Shouting customer?", "answer": 2,
                                      "options": ["Passive", "Aggressive", "Manipulative"],
                                      "explanation": "Raised voice"}
    assert got["k-order"].fields["items"] == ["Listen", "Acknowledge", "Solve", "Thank"]
    assert got["k-scenario"].fields["marking_points"] == ["Listens", "Empathises"]
    assert got["k-cloze"].kind.value == "cloze"


def test_anki_plain_text_export_with_header_lines(col):
    [report] = col.files.import_files([IMPORT / "anki-notes.txt"])
    assert report.format == "csv" or report.format == "anki-text"
    assert report.deck_name == "Tutor::Week 1" and report.added == 5
    got = {n.fields.get("front", n.fields.get("text")): n for n in notes(col, "Tutor::Week 1").values()}
    assert got["LAST"].fields["reverse"] is True
    assert got["STAR: {{c1::Situation}}, {{c2::Task}}, Action, Result"].kind.value == "cloze"
    assert got["What does HEAT stand for?"].tags == ("heat", "models")


@pytest.mark.parametrize("name", ["anki-modern.apkg", "anki-legacy.apkg"])
def test_anki_packages_of_both_versions(col, name, now):
    [report] = col.files.import_files([IMPORT / name])
    assert report.format == "apkg" and report.deck_name == "Tutor::Week 1"
    assert report.added == 5 and report.media == 1
    assert any("scheduling is not imported" in m for m in report.messages)
    got = {n.fields.get("front", n.fields.get("text")): n for n in notes(col, "Tutor::Week 1").values()}
    assert got["LAST"].fields.get("reverse") is True
    assert got["STAR: {{c1::Situation}}, {{c2::Task}}, Action, Result"].fields["extra"] == "Evidence"
    # the note type's templates show Front and Back; Example is on no card in
    # Anki, so it is kept as the extra rather than glued onto the back
    assert got["Empathy"].fields["back"] == "Understanding how the customer feels"
    assert got["Empathy"].fields["extra"] == "I can see why that's upsetting"
    assert (col.media_dir / "red-dot.png").read_bytes().startswith(b"\x89PNG")
    # every card starts new: Anki's scheduling is not carried over
    assert col.reports.stats(now).review == 0


def test_the_same_notes_from_apkg_and_text_export_match(col):
    col.files.import_files([IMPORT / "anki-modern.apkg"])
    [report] = col.files.import_files([IMPORT / "anki-notes.txt"])
    assert (report.added, report.updated, report.unchanged) == (0, 0, 5)


def test_genanki_package(col):
    [report] = col.files.import_files([IMPORT / "genanki.apkg"])
    assert report.deck_name == "Shared::From genanki" and report.added == 3
    got = notes(col, "Shared::From genanki")
    assert got["fixed-guid-1"].fields["back"] == "Paraphrasing to confirm understanding"
    assert (col.media_dir / "blue-dot.png").exists()


def test_reimported_spreadsheet_keeps_progress_and_prunes_on_request(col, tmp_path, now):
    path = tmp_path / "class.csv"
    path.write_text("id,front,back\nq1,What is HEAT?,Hear Empathise Apologise Take ownership\n"
                    "q2,What is LAST?,Listen Acknowledge Solve Thank\n", encoding="utf-8")
    col.files.import_files([path], deck_name="Class")
    deck = col.decks.find("Class")
    while (card := col.study.next_card(deck, now)) is not None:
        col.study.answer(card.id, GOOD, now)
    before = col.study.card("class/q1#0", now)
    # the tutor fixes a typo, adds a card and drops one
    path.write_text("id,front,back\nq1,What is HEAT?,\"Hear, Empathise, Apologise, Take ownership\"\n"
                    "q3,What is STAR?,\"Situation, Task, Action, Result\"\n", encoding="utf-8")
    [report] = col.files.import_files([path], deck_name="Class")
    assert (report.added, report.updated, report.missing) == (1, 1, ["class/q2"])
    after = col.study.card("class/q1#0", now)
    assert after.fields["back"] == "Hear, Empathise, Apologise, Take ownership"
    assert (after.state, after.due_day) == (before.state, before.due_day)
    assert col.study.card("class/q2#0", now).state.repetitions == 1  # kept
    [pruned] = col.files.import_files([path], deck_name="Class", prune=True)
    assert pruned.removed == 1
    assert set(notes(col, "Class")) == {"q1", "q3"}
    assert col.notes.history("class/q2#0")  # its history stays in the log


@pytest.mark.parametrize("fmt, name", [("toml", "out.toml"), ("csv", "out.csv"), ("apkg", "out.apkg")])
def test_export_then_import_into_an_empty_profile_gives_the_same_notes(example, tmp_path, fmt, name):
    example.files.import_files([IMPORT / "genanki.apkg"])
    [path] = example.files.export("example-heat", fmt, tmp_path / name)
    original = notes(example, "Example::HEAT model")
    with Collection.open(tmp_path / "fresh" / "collection.db", bundled=False) as fresh:
        fresh.files.import_files([path])
        copied = notes(fresh, "Example::HEAT model")
    assert copied.keys() == original.keys()
    for key, note in original.items():
        assert (copied[key].kind, copied[key].fields, copied[key].tags, copied[key].source) == (
            note.kind, note.fields, note.tags, note.source)


def test_export_of_a_deck_with_sub_decks_to_toml_writes_a_folder(col, tmp_path):
    col.files.import_files([IMPORT / "libreoffice.csv", IMPORT / "anki-modern.apkg"])
    paths = col.files.export(col.decks.find("Tutor"), "toml", tmp_path / "tutor")
    assert sorted(p.name for p in paths) == ["tutor-libreoffice.toml", "tutor-week-1.toml"]
    for p in paths:
        assert read_any(p).decks[0].notes


def test_apkg_export_carries_media(col, tmp_path):
    col.files.import_files([IMPORT / "anki-legacy.apkg"])
    [path] = col.files.export(col.decks.find("Tutor::Week 1"), "apkg", tmp_path / "w1.apkg")
    with zipfile.ZipFile(path) as zf:
        assert b"red-dot.png" in zf.read("media")


def test_backup_export_holds_the_collection_and_media(col, tmp_path):
    col.files.import_files([IMPORT / "genanki.apkg"])
    path = col.files.archive(tmp_path / "backup.zip")
    with zipfile.ZipFile(path) as zf:
        assert set(zf.namelist()) == {"collection.db", "media/blue-dot.png"}
        assert zf.read("collection.db").startswith(b"SQLite format 3")


def test_csv_export_guards_formulas_and_keeps_bars_in_options(col, tmp_path):
    deck = tmp_path / "tricky.toml"
    deck.write_text('[deck]\nid = "tricky"\nname = "Tricky"\n\n[[notes]]\nid = "f"\nkind = "basic"\n'
                    'front = "=HYPERLINK(\\"http://x\\")"\nback = "-5 degrees"\n\n[[notes]]\n'
                    'id = "c"\nkind = "choice"\nquestion = "Which?"\n'
                    'options = ["A | B", "C"]\nanswer = 1\n', encoding="utf-8")
    col.files.import_files([deck])
    [path] = col.files.export(col.decks.find("tricky"), "csv", tmp_path / "out.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'-5 degrees" in text  # a spreadsheet shows text, runs nothing
    with Collection.open(tmp_path / "fresh" / "collection.db", bundled=False) as fresh:
        fresh.files.import_files([path])
        got = notes(fresh, "Tricky")
    assert got["f"].fields == {"front": '=HYPERLINK("http://x")', "back": "-5 degrees"}
    assert got["c"].fields["options"] == ["A | B", "C"]
