"""The package reader keeps cards and their Anki progress as numbers
(``_Cards``, ``AnkiProgress``): what it hands on must be what the cards
table says, whatever the order of its rows."""

from __future__ import annotations

import pytest

from flashdesk.formats import DeckFileError
from flashdesk.formats.anki import AnkiCard, AnkiProgress, read_apkg

from . import hostile_files as h

#: a note type with a reverse card, so one note has two cards
MODELS = {"1": {"name": "Two ways", "type": 0,
                "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
                "tmpls": [{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}", "ord": 0},
                          {"name": "Card 2", "qfmt": "{{Back}}", "afmt": "{{Front}}",
                           "ord": 1}]}}
DECKS = {"1": {"name": "Default"}, "2": {"name": "Home"}, "3": {"name": "Filtered"},
         "4": {"name": "Other"}}
CARDS_TABLE = ("CREATE TABLE cards (id integer PRIMARY KEY, nid, did, ord, type, queue, due, "
               "ivl, factor, reps, lapses, odue, odid)")


def _package(tmp_path, notes, cards):
    return h.legacy_package(tmp_path / "cards.apkg", models=MODELS, decks=DECKS, notes=notes,
                            cards=cards, replace={"cards": CARDS_TABLE})


def test_cards_in_any_order_give_each_note_its_deck_and_progress(tmp_path):
    notes = [(10, "g10", 1, "", "Q10\x1fA10"), (20, "g20", 1, "", "Q20\x1fA20"),
             (30, "g30", 1, "", "Q30\x1fA30")]
    cards = [
        # (id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, odue, odid)
        (1, 30, 4, 1, 2, 2, 40, 9, 2300, 5, 1, 0, 0),
        (2, 20, 3, 0, 2, 2, 7, 3, 2500, 2, 0, 55, 2),   # in a filtered deck: home deck 2
        (3, 10, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0),
        (4, 30, 2, 0, 1, 1, 1_700_000_000, 0, 2500, 1, 0, 0, 0),
        (5, 10, 4, 0, 2, -1, 12, 20, 2100, 8, 2, 0, 0),
        (6, 10, 2, 1, 2, 2, 99, 4, 2600, 3, 0, 0, 0),   # template 1 again: replaces card 3
        (7, 20, 4, 1, None, None, None, None, None, None, None, None, None),  # no state
    ]
    result = read_apkg(_package(tmp_path, notes, cards))
    decks = {d.name: [n.identity for n in d.notes] for d in result.decks}
    # the deck of a note's lowest template; a filtered card counts in its home deck
    assert decks == {"Other": ["anki:g10"], "Home": ["anki:g20", "anki:g30"]}
    assert isinstance(result.progress, AnkiProgress)
    assert [(identity, cards) for identity, cards in result.progress.items()] == [
        ("anki:g10", {1: AnkiCard(2, 2, 99, 4, 2600, 3, 0), 0: AnkiCard(2, -1, 12, 20, 2100, 8, 2)}),
        ("anki:g20", {0: AnkiCard(2, 2, 55, 3, 2500, 2, 0)}),
        ("anki:g30", {1: AnkiCard(2, 2, 40, 9, 2300, 5, 1),
                      0: AnkiCard(1, 1, 1_700_000_000, 0, 2500, 1, 0)}),
    ]
    assert list(result.progress) == ["anki:g10", "anki:g20", "anki:g30"]
    assert result.progress["anki:g20"] == {0: AnkiCard(2, 2, 55, 3, 2500, 2, 0)}
    assert len(result.progress) == 3 and "anki:g99" not in result.progress


def test_a_card_whose_ids_are_not_numbers_is_named_once_every_card_is_read(tmp_path):
    notes = [(10, "g10", 1, "", "Q10\x1fA10")]
    cards = [(1, 10, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
             (2, "ten", 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
             (3, 10, "two", 1, 0, 0, 1, 0, 0, 0, 0, 0, 0)]
    with pytest.raises(DeckFileError, match="cards.nid of a card of note ten is text, not a "
                                            "number"):
        read_apkg(_package(tmp_path, notes, cards))


def test_anki_progress_is_a_mapping_of_notes_to_their_cards():
    progress = AnkiProgress()
    assert not progress and list(progress.items()) == []
    progress.add("anki:a", {0: (1, 1, 7, 0, 2500, 1, 0), 1: (0, 0, 1, 0, 0, 0, 0)})
    progress.add("anki:b", {})  # no card: not kept
    progress.add("anki:c", {3: (2, -1, 9, 30, 1300, 12, 4)})
    assert len(progress) == 2 and list(progress) == ["anki:a", "anki:c"]
    assert dict(progress.items()) == {
        "anki:a": {0: AnkiCard(1, 1, 7, 0, 2500, 1, 0), 1: AnkiCard(0, 0, 1, 0, 0, 0, 0)},
        "anki:c": {3: AnkiCard(2, -1, 9, 30, 1300, 12, 4)}}
    assert progress["anki:c"] == {3: AnkiCard(2, -1, 9, 30, 1300, 12, 4)}
    with pytest.raises(KeyError):
        progress["anki:b"]
