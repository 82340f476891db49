"""Anki's cloze grammar, parsed once (flashdesk/cloze.py), for card
generation, the question and answer views, search text and every export;
compared with what Anki 26.9.3 does with the same notes (issue 13, case 1)."""

import pytest

from flashdesk import cloze
from flashdesk.cards import card_ords, cloze_answer, cloze_question
from flashdesk.collection import Collection
from flashdesk.model import BrowseQuery

from .tutors import TUTORS, anki_notes, cards_by_note, flat, note_row, stored


@pytest.mark.parametrize("name", ["cloze.apkg", "cloze.txt"])
def test_case1_clozes_make_anki_s_cards_and_show_anki_s_text(col, name):
    [report] = col.files.import_files([TUTORS / name])
    assert report.added == 4 and not report.skipped
    got = stored(col)
    for expected in anki_notes("cloze.apkg"):
        text = expected["fields"][0]
        _, note = next(v for v in got.values() if v[1].fields["text"] == text)
        # card numbers: Anki's ord + 1 (nested clozes, c1,2, c12; c0 makes none)
        assert card_ords(note.kind, note.fields) == [c["ord"] + 1 for c in expected["cards"]]
        for card in expected["cards"]:
            number = card["ord"] + 1
            assert flat(cloze_question(text, number, "[...]")) == card["question"]
            answer = flat(cloze_answer(text, number, lambda s: s)) + " " + note.fields["extra"]
            assert answer == card["answer"]


def test_case1_the_issue_s_examples():
    nested = "The {{c1::HEAT {{c2::model}} is used}} for complaints"
    assert cloze.numbers(nested) == [1, 2]
    assert cloze_question(nested, 1) == "The […] for complaints"
    assert cloze_question(nested, 2) == "The HEAT […] is used for complaints"
    assert cloze_answer(nested, 2, lambda s: f"[{s}]") == "The HEAT [model] is used for complaints"
    both = "{{c1,2::Listen}} comes first in LAST"
    assert cloze.numbers(both) == [1, 2]
    assert cloze_question(both, 2) == "[…] comes first in LAST"
    assert cloze_question("{{c1::x::hint}} and {{c12::twelve}}", 1) == "[hint] and twelve"
    assert cloze.numbers("{{c1::x::hint}} and {{c12::twelve}}") == [1, 12]
    # what Anki would lose stays as written
    assert cloze.reveal_all("open {{c1::never closed") == "open {{c1::never closed"
    assert cloze.reveal_all("stray }} here {{c1::x}}") == "stray }} here x"


def test_case1_search_and_sort_text_open_nested_clozes(col, now):
    col.files.import_files([TUTORS / "cloze.apkg"])
    row = note_row(col, "The HEAT model is used for complaints")
    assert row["sort_text"] == "The HEAT model is used for complaints"
    assert "{{" not in row["search_text"] and "}}" not in row["search_text"]
    hits = col.notes.browse(BrowseQuery(text="model is used"), now)
    assert {c.rsplit("#", 1)[1] for c in hits} == {"1", "2"}


@pytest.mark.parametrize("fmt, name", [("toml", "out.toml"), ("csv", "out.csv"), ("apkg", "out.apkg")])
def test_case1_every_export_keeps_every_cloze_card(col, tmp_path, fmt, name):
    col.files.import_files([TUTORS / "cloze.apkg"])
    before = sorted(cards_by_note(col).values())
    [path] = col.files.export(col.decks.find("Cloze grammar"), fmt, tmp_path / name)
    with Collection.open(tmp_path / "fresh" / "collection.db", bundled=False) as fresh:
        fresh.files.import_files([path])
        assert sorted(cards_by_note(fresh).values()) == before


def test_case1_anki_itself_reads_flashdesk_s_cloze_cards(col, tmp_path):
    pytest.importorskip("anki")
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col.files.import_files([TUTORS / "cloze.apkg"])
    [path] = col.files.export(col.decks.find("Cloze grammar"), "apkg", tmp_path / "out.apkg")
    (tmp_path / "anki").mkdir()
    anki = AnkiCollection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        anki.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(path), options=ImportAnkiPackageOptions()))
        got = sorted(sorted(c.ord for c in anki.get_note(n).cards()) for n in anki.find_notes(""))
    finally:
        anki.close()
    assert got == sorted([c["ord"] for c in n["cards"]] for n in anki_notes("cloze.apkg"))


