"""Making cards and decks in flashdesk itself: notes added from a form of
their kind, one note edit, decks created, renamed, moved and deleted (with
undo), card info, the bundled-deck rule, and round trips through files."""

from datetime import timedelta

import pytest

from flashdesk.collection import Collection, UndoRefused
from flashdesk.collection.decks import DeckContents
from flashdesk.collection.notes import NoteRejected
from flashdesk.kinds import (
    FIELD_LABELS, KIND_FIELD_LABELS, Shape, field_of_problem, form_texts, form_values, kind_spec,
    kind_specs, next_cloze, wrap_cloze,
)
from flashdesk.store import queries as q
from flashdesk.model import FIELDS, REQUIRED, FlashdeskError, Grade, Kind, LogKind, Queue

from .conftest import FIXTURES

#: one note of each kind, as a learner types it into the form
TYPED = {
    Kind.BASIC: {"front": "What is our refund limit?", "back": "£50 without a manager",
                 "reverse": True},
    Kind.CLOZE: {"text": "Escalate to {{c1::the duty manager}} after {{c2::two}} refusals."},
    Kind.CHOICE: {"question": "A customer swears at you. First?",
                  "options": "End the call\nWarn them once, calmly\nSwear back", "answer": "2"},
    Kind.ORDER: {"prompt": "Our complaint steps", "items": "Log it\nAcknowledge\nResolve"},
    Kind.SCENARIO: {"prompt": "A regular shouts about a price rise.",
                    "model_answer": "Let them finish, acknowledge, explain, offer options.",
                    "marking_points": "Lets them finish\nAcknowledges\nOffers options"},
    Kind.TYPED: {"prompt": "Who signs off a refund over £50?", "answer": "the *duty manager*",
                 "accept": "duty manager\nthe manager on duty"},
}
CARDS = {Kind.BASIC: 2, Kind.CLOZE: 2, Kind.CHOICE: 1, Kind.ORDER: 1, Kind.SCENARIO: 1,
         Kind.TYPED: 1}


@pytest.fixture
def mem():
    return Collection.in_memory()


@pytest.fixture
def deck(mem, now):
    return mem.decks.create("My workplace", now).deck_id


# -- the kind description -------------------------------------------------------------


def test_every_kind_has_a_form_of_its_fields_with_labels():
    for spec in kind_specs():
        assert [f.name for f in spec.fields] == list(FIELDS[spec.kind])
        assert [f.name for f in spec.fields if f.required] == list(REQUIRED[spec.kind])
        assert all(f.label == (KIND_FIELD_LABELS.get((spec.kind, f.name))
                               or FIELD_LABELS[f.name])[0] for f in spec.fields)
    assert kind_spec(Kind.CHOICE).field("options").shape == Shape.LINES
    assert kind_spec(Kind.CHOICE).field("answer").shape == Shape.NUMBER
    assert kind_spec(Kind.BASIC).field("reverse").shape == Shape.FLAG
    assert kind_spec(Kind.TYPED).field("answer").shape == Shape.TEXT  # a text, not a number
    assert kind_spec(Kind.TYPED).field("accept").shape == Shape.LINES
    assert kind_spec(Kind.CLOZE).cloze_field == "text"
    assert kind_spec(Kind.BASIC).cloze_field is None


def test_form_values_are_what_the_validator_reads_and_back():
    values = form_values(Kind.CHOICE, TYPED[Kind.CHOICE])
    assert values == {"question": "A customer swears at you. First?",
                      "options": ["End the call", "Warn them once, calmly", "Swear back"],
                      "answer": 2}
    assert form_values(Kind.BASIC, {"front": " Q ", "back": "A", "reverse": False,
                                    "extra": "  "}) == {"front": "Q", "back": "A"}
    assert form_values(Kind.CHOICE, {"answer": "two"})["answer"] == "two"  # the validator says why
    texts = form_texts(Kind.BASIC, {"front": "One<br>Two", "back": "B", "reverse": True})
    assert texts == {"front": "One\nTwo", "back": "B", "reverse": True, "extra": ""}


def test_cloze_wrapping_numbers_the_next_cloze():
    assert next_cloze("no clozes") == 1
    text, cursor = wrap_cloze("Hear, Empathise", 6, 15)
    assert text == "Hear, {{c1::Empathise}}" and cursor == len(text)
    text, cursor = wrap_cloze(text, 0, 4)
    assert text == "{{c2::Hear}}, {{c1::Empathise}}"
    empty, cursor = wrap_cloze("x ", 2, 2)
    assert empty == "x {{c1::}}" and cursor == len("x {{c1::")


def test_problems_name_their_field():
    assert field_of_problem("field 'back': required for a basic note") == (
        "back", "required for a basic note")
    assert field_of_problem("something else") == (None, "something else")


# -- adding --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_a_note_of_each_kind_is_added_with_its_cards_and_studied(mem, deck, now, kind):
    added = mem.notes.add(deck, kind, form_values(kind, TYPED[kind]), now, tags=["mine"])
    assert len(added.card_ids) == CARDS[kind]
    assert added.note_id.startswith("my-workplace/")
    step = mem.study.step(deck, now)
    assert step is not None and step.card.id == added.card_ids[0]
    assert step.card.kind == kind and step.card.tags == ("mine",)
    result = mem.study.answer(step.card.id, Grade.GOOD, now)
    assert result.result.after.interval == 1
    assert mem.reports.check(now).ok


def test_adding_checks_the_note_like_a_deck_file(mem, deck, now):
    with pytest.raises(NoteRejected) as caught:
        mem.notes.add(deck, Kind.CHOICE, {"question": "Q", "options": ["only"], "answer": 3}, now)
    fields = {field_of_problem(p)[0] for p in caught.value.problems}
    assert fields == {"options", "answer"}
    with pytest.raises(NoteRejected, match="field 'tags'"):
        mem.notes.add(deck, Kind.BASIC, {"front": "Q", "back": "A"}, now, tags=["two words"])
    with pytest.raises(NoteRejected, match="cloze note needs at least one"):
        mem.notes.add(deck, Kind.CLOZE, {"text": "no gap"}, now)
    assert mem.decks.summaries(now)[0].total == 0


def test_notes_get_readable_ids_that_are_never_reused(mem, deck, now):
    fields = {"front": "What is our refund limit?", "back": "£50"}
    first = mem.notes.add(deck, Kind.BASIC, fields, now)
    second = mem.notes.add(deck, Kind.BASIC, fields, now)
    assert first.note_id == "my-workplace/what-is-our-refund-limit"
    assert second.note_id == "my-workplace/what-is-our-refund-limit-2"
    mem.study.answer(f"{first.note_id}#0", Grade.GOOD, now)
    mem.notes.delete([first.note_id], now)
    third = mem.notes.add(deck, Kind.BASIC, fields, now)  # the log still knows the first
    assert third.note_id == "my-workplace/what-is-our-refund-limit-3"
    assert mem.notes.add(deck, Kind.BASIC, {"front": "££", "back": "x"}, now).note_id == \
        "my-workplace/note"


def test_a_first_field_already_in_the_deck_is_found(mem, deck, now):
    mem.notes.add(deck, Kind.BASIC, {"front": "What is <b>HEAT</b>?", "back": "A model"}, now)
    assert mem.notes.duplicates(deck, Kind.BASIC, {"front": "what is heat?"}) == [
        ("my-workplace/what-is-heat", "What is HEAT?")]
    assert mem.notes.duplicates(deck, Kind.BASIC, {"front": "Something else"}) == []
    other = mem.decks.create("Other", now).deck_id
    assert mem.notes.duplicates(other, Kind.BASIC, {"front": "What is HEAT?"}) == []


def test_adding_is_undone_unless_a_card_was_answered_since(mem, deck, now):
    added = mem.notes.add(deck, Kind.BASIC, {"front": "Q", "back": "A"}, now)
    assert mem.undo.name == "Add Note"
    result = mem.undo.undo(now)
    assert result.name == "Add Note" and result.changes.notes
    assert mem.notes.card_ids(added.note_id) == []
    added = mem.notes.add(deck, Kind.BASIC, {"front": "Q", "back": "A"}, now)
    other = Collection(mem.db, None)  # another window answers the card meanwhile
    other.study.answer(added.card_ids[0], Grade.GOOD, now)
    with pytest.raises(UndoRefused, match="answered or rescheduled since"):
        mem.undo.undo(now)
    assert mem.notes.card_ids(added.note_id) == list(added.card_ids)


# -- one note edit ----------------------------------------------------------------------------


def test_one_edit_changes_fields_tags_and_deck_and_is_undone_as_one(mem, deck, now):
    added = mem.notes.add(deck, Kind.BASIC, {"front": "Q", "back": "A"}, now, tags=["a"])
    other = mem.decks.create("Other", now).deck_id
    changes = mem.notes.edit(added.note_id, now, fields={"front": "Q2", "back": "A2"},
                             tags=["b", "c"], deck_id=other, source="Staff handbook p. 4")
    assert changes.note_text and changes.tags and changes.decks
    card = mem.study.card(added.card_ids[0], now)
    assert (card.fields["front"], card.tags, card.deck_id, card.source) == (
        "Q2", ("b", "c"), other, "Staff handbook p. 4")
    assert mem.undo.name == "Edit Note"
    mem.undo.undo(now)
    card = mem.study.card(added.card_ids[0], now)
    assert (card.fields["front"], card.tags, card.deck_id, card.source) == ("Q", ("a",), deck, "")
    assert mem.undo.name == "Create Deck"  # the edit was one entry


def test_an_edit_may_add_cards_but_never_removes_progress(mem, deck, now):
    added = mem.notes.add(deck, Kind.CLOZE, {"text": "{{c1::HEAT}} and {{c2::LAST}}"}, now)
    mem.notes.edit(added.note_id, now, fields={"text": "{{c1::HEAT}}, {{c2::LAST}}, {{c3::STAR}}"})
    assert [c.rsplit("#")[1] for c in mem.notes.card_ids(added.note_id)] == ["1", "2", "3"]
    mem.undo.undo(now)  # the added card goes again
    assert len(mem.notes.card_ids(added.note_id)) == 2
    mem.study.answer(added.card_ids[1], Grade.GOOD, now)
    with pytest.raises(FlashdeskError, match="remove cloze 2, which has progress"):
        mem.notes.edit(added.note_id, now, fields={"text": "only {{c1::HEAT}}"})
    mem.notes.edit(added.note_id, now, fields={"text": "{{c2::LAST}} only"})  # c1 never studied
    assert mem.notes.card_ids(added.note_id) == [added.card_ids[1]]
    assert mem.study.card(added.card_ids[1], now).state.interval == 1


# -- decks ------------------------------------------------------------------------------------


def test_decks_are_created_renamed_and_moved_with_stable_ids(mem, now):
    work = mem.decks.create("Work", now).deck_id
    shop = mem.decks.create("Work::Our shop", now).deck_id
    assert (work, shop) == ("work", "work-our-shop")
    assert mem.decks.create("Home::Letters", now).deck_id == "home-letters"
    mem.notes.add(shop, Kind.BASIC, {"front": "Q", "back": "A"}, now)
    mem.decks.rename(work, "Job", now)
    assert {s.id: s.name for s in mem.decks.summaries(now)} == {
        "work": "Job", "work-our-shop": "Job::Our shop", "home": "Home",
        "home-letters": "Home::Letters"}
    mem.decks.move(shop, mem.decks.find("Home"), now)
    assert mem.decks.name(shop) == "Home::Our shop"
    mem.decks.move(shop, None, now)
    assert mem.decks.name(shop) == "Our shop"
    assert mem.study.step(shop, now) is not None  # its card went with it
    for undo in ("Move Deck", "Move Deck", "Rename Deck"):
        assert mem.undo.undo(now).name == undo
    assert mem.decks.name(shop) == "Work::Our shop"


def test_deck_names_are_checked(mem, now):
    mem.decks.create("Work::Shop", now)
    for name, message in (("", "needs a name"), ("A::", "needs a name"),
                          ("work", "already a deck called"), ("Work::Shop", "already a deck")):
        with pytest.raises(FlashdeskError, match=message):
            mem.decks.create(name, now)
    with pytest.raises(FlashdeskError, match="cannot go inside its own sub-deck “Shop”"):
        mem.decks.rename("work", "Work::Shop::Work", now)
    with pytest.raises(FlashdeskError, match="cannot go inside its own sub-deck “Shop”"):
        mem.decks.move("work", "work-shop", now)
    with pytest.raises(FlashdeskError, match="cannot go inside itself"):
        mem.decks.rename("work", "Work::Work", now)
    mem.decks.create("Other", now)
    with pytest.raises(FlashdeskError, match="already a deck called “Other”"):
        mem.decks.rename("work", "Other", now)
    assert mem.decks.rename("work", "WORK", now)  # a new case is a new name
    assert mem.decks.name("work-shop") == "WORK::Shop"


def test_creating_a_deck_is_undone(mem, now):
    mem.decks.create("A::B", now)
    assert mem.undo.undo(now).name == "Create Deck"
    assert mem.decks.summaries(now) == []


def test_deleting_a_deck_takes_its_cards_and_undo_brings_them_back(mem, deck, now):
    sub = mem.decks.create("My workplace::Phones", now).deck_id
    notes = [mem.notes.add(d, Kind.BASIC, {"front": f"Q{i}", "back": "A"}, now)
             for i, d in enumerate((deck, deck, sub))]
    mem.study.answer(notes[0].card_ids[0], Grade.GOOD, now)
    assert mem.decks.contents(deck) == DeckContents(decks=2, notes=3, cards=3, studied=1)
    mem.decks.delete(deck, now)
    assert mem.decks.summaries(now) == []
    assert mem.reports.check(now).ok
    assert mem.undo.name == "Delete Deck"
    mem.undo.undo(now)
    assert {s.id: s.total for s in mem.decks.summaries(now)} == {deck: 3, sub: 1}
    card = mem.study.card(notes[0].card_ids[0], now)
    assert card.state.interval == 1 and card.queue == Queue.REVIEW
    assert mem.reports.check(now).ok


def test_deleting_a_deck_takes_the_cards_in_it_not_the_cards_moved_out(mem, deck, now):
    """As in Anki: a deck's cards go with it, wherever their note was made;
    a note keeps its cards in other decks (and moves to one of them)."""
    other = mem.decks.create("Other", now).deck_id
    moved = mem.notes.add(deck, Kind.BASIC, {"front": "Moved out", "back": "A"}, now)
    split = mem.notes.add(deck, Kind.BASIC, {"front": "Split", "back": "B", "reverse": True}, now)
    visitor = mem.notes.add(other, Kind.BASIC, {"front": "Visitor", "back": "C", "reverse": True},
                            now)
    mem.notes.move_cards(list(moved.card_ids), other)
    mem.notes.move_cards([split.card_ids[1]], other)
    mem.notes.move_cards([visitor.card_ids[0]], deck)
    mem.study.answer(moved.card_ids[0], Grade.GOOD, now)
    before = {s.id: s.total for s in mem.decks.summaries(now)}
    assert before == {deck: 2, other: 3}
    # the cards in the deck: the split note's first card and the visitor's
    assert mem.decks.contents(deck) == DeckContents(decks=1, notes=0, cards=2, studied=0)
    mem.decks.delete(deck, now)
    assert {s.id: s.total for s in mem.decks.summaries(now)} == {other: 3}
    assert mem.study.card(moved.card_ids[0], now).state.interval == 1  # progress kept
    assert q.get_note(mem.db, split.note_id)["deck_id"] == other  # its deck went: it moved
    assert mem.study.card(visitor.card_ids[1], now) is not None
    assert mem.reports.check(now).ok
    mem.undo.undo(now)
    assert {s.id: s.total for s in mem.decks.summaries(now)} == before
    assert q.get_note(mem.db, split.note_id)["deck_id"] == deck
    assert mem.study.card(visitor.card_ids[0], now).deck_id == deck
    assert mem.reports.check(now).ok


def test_deck_options_hold_limits_and_a_description(mem, deck, now):
    changes = mem.decks.set_options(deck, now, new_limit=5, review_limit=50,
                                    description="Our own procedures\n(2026)")
    assert changes.decks
    summary = mem.decks.summaries(now)[0]
    assert (summary.new_limit, summary.review_limit, summary.description) == (
        5, 50, "Our own procedures\n(2026)")


def test_a_renamed_deck_is_still_updated_by_its_file(col, now, tmp_path):
    col.files.import_files([FIXTURES / "example.toml"])
    col.decks.rename("example-heat", "My models::HEAT", now)
    path = tmp_path / "example.toml"
    path.write_text((FIXTURES / "example.toml").read_text(encoding="utf-8").replace(
        "Hear, Empathise, Apologise, Take ownership", "Hear, Empathise, Apologise, Take ownership (HEAT)"),
        encoding="utf-8")
    [report] = col.files.import_files([path])
    assert report.deck_id == "example-heat" and report.updated == 1 and report.added == 0
    assert col.decks.name("example-heat") == "My models::HEAT"  # the learner's name stays
    assert "Example::HEAT model" not in {s.name for s in col.decks.summaries(now)}


# -- card info ------------------------------------------------------------------------------


def test_card_info_shows_every_answer_with_interval_and_ease_before_and_after(mem, deck, now):
    added = mem.notes.add(deck, Kind.BASIC, {"front": "Q", "back": "A"}, now,
                          source="Our handbook")
    card = added.card_ids[0]
    day = now.replace(hour=10)
    history = [(0, Grade.GOOD), (1, Grade.GOOD), (7, Grade.EASY), (22, Grade.AGAIN),
               (22, Grade.GOOD)]
    for offset, grade in history:
        mem.study.answer(card, grade, day + timedelta(days=offset))
    mem.study.answer(card, Grade.HARD, day + timedelta(days=22, hours=1))
    mem.undo.undo(day + timedelta(days=22, hours=1))  # an undone answer is left out
    info = mem.notes.card_info(card, day + timedelta(days=23))
    assert info.added_ms == int(now.timestamp() * 1000)
    assert info.source == "Our handbook" and info.deck_name == "My workplace"
    rows = [(r.kind, r.quality, r.interval_before, r.interval_after, r.ease_before, r.ease_after)
            for r in info.history]
    assert rows == [
        (LogKind.REVIEW, 4, 0, 1, 250, 250),
        (LogKind.REVIEW, 4, 1, 6, 250, 250),
        (LogKind.REVIEW, 5, 6, 15, 250, 260),   # ceil(6 × 2.5) = 15; EF + 0.10
        (LogKind.REVIEW, 1, 15, 1, 260, 260),   # a lapse: from the start, EF unchanged
        (LogKind.REDRILL, 4, 1, 1, 260, 260),   # the same day's re-drill changes nothing
    ]
    first = info.history[0]
    assert first.day == info.history[1].day - 1
    assert info.schedule.lapses == 1 and info.schedule.interval == 1
    assert info.schedule.due == first.day + 23
    assert len(info.answers) == 5


# -- bundled decks and the learner's edits ---------------------------------------------------

RELEASE_1 = '''
[deck]
id = "cc-test"
name = "Challenging Customers::Test"
description = "Release 1"

[[notes]]
id = "edited"
kind = "basic"
front = "What does HEAT stand for?"
back = "Hear, Empathise, Apologise, Take ownership"

[[notes]]
id = "deleted"
kind = "basic"
front = "Old card"
back = "Old answer"

[[notes]]
id = "tagged"
kind = "basic"
front = "What is LAST?"
back = "Listen, Acknowledge, Solve, Thank"
tags = ["models"]

[[notes]]
id = "untouched"
kind = "basic"
front = "What is STAR?"
back = "Situation, Task, Action, Result"
'''

GONE_DECK = '''
[deck]
id = "cc-gone"
name = "Challenging Customers::Gone"

[[notes]]
id = "x"
kind = "basic"
front = "A deck the learner deletes"
back = "x"
'''


@pytest.fixture
def bundled(tmp_path, monkeypatch):
    """Bundled deck files the test rewrites as a new release would."""
    folder = tmp_path / "bundled"
    folder.mkdir()
    files = {"test.toml": RELEASE_1, "gone.toml": GONE_DECK}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr("flashdesk.collection.files.bundled_decks",
                        lambda: sorted(folder.glob("*.toml")))
    return folder


def test_a_bundled_update_never_overwrites_what_the_learner_changed(tmp_path, now, bundled):
    col = Collection.open(tmp_path / "p" / "collection.db", backups=False)
    assert {s.id for s in col.decks.summaries(now)} >= {"cc-test", "cc-gone"}
    col.study.answer("cc-test/edited#0", Grade.GOOD, now)
    col.notes.edit("cc-test/edited", now, fields={"front": "What does HEAT stand for?",
                                                  "back": "My words: hear them out first"})
    col.notes.delete(["cc-test/deleted"], now)
    col.notes.change_tags(["cc-test/tagged"], add=["exam"])
    col.decks.rename("cc-test", "My models", now)
    col.decks.set_options("cc-test", now, description="My own description")
    col.decks.delete("cc-gone", now)
    col.close()

    release_2 = (RELEASE_1.replace("Release 1", "Release 2")
                 .replace("Take ownership", "Take ownership (release 2)")
                 .replace("Old answer", "Old answer (release 2)")
                 .replace("Solve, Thank", "Solve, Thank (release 2)")
                 + '\n[[notes]]\nid = "new"\nkind = "basic"\nfront = "New in release 2"\n'
                   'back = "x"\n')
    (bundled / "test.toml").write_text(release_2, encoding="utf-8")
    (bundled / "gone.toml").write_text(GONE_DECK.replace('back = "x"', 'back = "y"'),
                                       encoding="utf-8")

    col = Collection.open(tmp_path / "p" / "collection.db", backups=False)
    try:
        edited = col.study.card("cc-test/edited#0", now)
        assert edited.fields["back"] == "My words: hear them out first"  # the edit won
        assert edited.state.interval == 1
        with pytest.raises(FlashdeskError):
            col.study.card("cc-test/deleted#0", now)  # stays deleted
        tagged = col.study.card("cc-test/tagged#0", now)
        assert tagged.fields["back"].endswith("(release 2)") and tagged.tags == ("models", "exam")
        assert col.study.card("cc-test/untouched#0", now).fields["back"].startswith("Situation")
        assert col.study.card("cc-test/new#0", now).fields["front"] == "New in release 2"
        names = {s.id: (s.name, s.description) for s in col.decks.summaries(now)}
        assert names["cc-test"] == ("My models", "My own description")
        assert "cc-gone" not in names

        report = col.files.take_bundled_report()
        assert report.kept == (("cc-test/edited", "My models", "What does HEAT stand for?"),)
        assert report.deleted == 1 and report.decks == ("Challenging Customers::Gone",)
        text = "\n".join(report.lines())
        assert "your version was kept" in text and "What does HEAT stand for?" in text
        assert not col.files.take_bundled_report()  # told once

        # the learner may take the release's version, and undo that
        col.files.use_bundled_version("cc-test/edited", now)
        assert col.study.card("cc-test/edited#0", now).fields["back"].endswith("(release 2)")
        col.undo.undo(now)
        assert col.study.card("cc-test/edited#0", now).fields["back"].startswith("My words")
    finally:
        col.close()

    # importing a bundled file by hand brings back what was deleted, and updates follow it again
    col = Collection.open(tmp_path / "p" / "collection.db", backups=False)
    try:
        col.files.import_files([bundled / "gone.toml", bundled / "test.toml"])
        assert col.study.card("cc-gone/x#0", now).fields["back"] == "y"
        assert col.study.card("cc-test/deleted#0", now).fields["back"].endswith("(release 2)")
    finally:
        col.close()
    (bundled / "gone.toml").write_text(GONE_DECK.replace('back = "x"', 'back = "z"'),
                                       encoding="utf-8")
    col = Collection.open(tmp_path / "p" / "collection.db", backups=False)
    try:
        assert col.study.card("cc-gone/x#0", now).fields["back"] == "z"
    finally:
        col.close()

    # a third release that does not touch the note reports nothing more
    (bundled / "test.toml").write_text(release_2.replace("Release 2", "Release 3"),
                                       encoding="utf-8")
    col = Collection.open(tmp_path / "p" / "collection.db", backups=False)
    try:
        assert not col.files.take_bundled_report()
        assert col.study.card("cc-test/edited#0", now).fields["back"].startswith("My words")
    finally:
        col.close()


def test_an_import_you_choose_says_which_of_your_edits_it_replaced(col, now, tmp_path):
    col.files.import_files([FIXTURES / "example.toml"])
    col.notes.edit("example-heat/heat-letters", now,
                   fields={"front": "What does HEAT stand for?", "back": "Mine", "reverse": True})
    [same] = col.files.import_files([FIXTURES / "example.toml"])
    assert same.updated == 0  # an unchanged file leaves the edit alone
    assert col.study.card("example-heat/heat-letters#0", now).fields["back"] == "Mine"
    path = tmp_path / "example.toml"
    path.write_text((FIXTURES / "example.toml").read_text(encoding="utf-8").replace(
        "Hear, Empathise, Apologise, Take ownership", "Hear, Empathise, Apologise, Own it"),
        encoding="utf-8")
    [report] = col.files.import_files([path])
    assert report.updated == 1
    assert any("1 note you had edited in flashdesk now holds the file's newer version" in m
               for m in report.messages)
    assert col.study.card("example-heat/heat-letters#0", now).fields["back"].endswith("Own it")


# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["toml", "csv", "apkg"])
def test_decks_and_notes_made_here_export_and_reimport_with_their_ids(mem, deck, now, tmp_path,
                                                                        fmt):
    sub = mem.decks.create("My workplace::Phones", now).deck_id
    for kind in Kind:
        mem.notes.add(deck if kind != Kind.SCENARIO else sub, kind,
                      form_values(kind, TYPED[kind]), now, tags=["mine"])
    ids = {c for s in (deck, sub) for c in mem.notes.browse(_query(s), now)}
    target = tmp_path / ("out" if fmt == "toml" else f"out.{fmt}")
    mem.files.export(deck, fmt, target)
    paths = sorted(target.glob("*.toml")) if fmt == "toml" else [target]

    again = mem.files.import_files(paths)  # into the same collection: nothing changes
    assert sum(r.added for r in again) == 0 and sum(r.updated for r in again) == 0

    fresh = Collection.in_memory()
    fresh.files.import_files(paths)
    assert {c for s in fresh.decks.summaries(now)
            for c in fresh.notes.browse(_query(s.id), now)} == ids
    assert {s.name for s in fresh.decks.summaries(now)} == {"My workplace",
                                                            "My workplace::Phones"}


def _query(deck_id):
    from flashdesk.model import BrowseQuery

    return BrowseQuery(deck_id=deck_id)


def test_a_parent_made_for_a_deck_file_never_takes_the_file_decks_id(mem):
    """A deck file "Sim::Cards" with id "sim": its parent "Sim" is made first
    and must not take "sim" (the id the file's deck is about to have)."""
    from flashdesk.formats.deckfile import parse_deck_text

    deck = parse_deck_text('[deck]\nid = "sim"\nname = "Sim::Cards"\n\n[[notes]]\nid = "n1"\n'
                           'kind = "basic"\nfront = "One?"\nback = "1"\n')
    mem.files.import_decks([deck])
    rows = mem.decks.rows()
    assert rows["sim"]["name"] == "Sim::Cards"
    parent = mem.decks.find("Sim")
    assert parent != "sim" and rows[parent]["name"] == "Sim"


@pytest.mark.parametrize("fmt", ["toml", "csv", "apkg"])
def test_an_export_takes_the_notes_of_the_cards_in_the_deck(mem, deck, now, tmp_path, fmt):
    """As Anki exports a deck: the notes of the cards in it (also cards moved
    in from a note made elsewhere), not those whose cards were all moved out."""
    other = mem.decks.create("Other", now).deck_id
    mem.notes.add(deck, Kind.BASIC, {"front": "Stays", "back": "A"}, now)
    out = mem.notes.add(deck, Kind.BASIC, {"front": "Moved out", "back": "B"}, now)
    visitor = mem.notes.add(other, Kind.BASIC, {"front": "Moved in", "back": "C"}, now)
    mem.notes.move_cards(list(out.card_ids), other)
    mem.notes.move_cards(list(visitor.card_ids), deck)
    target = tmp_path / f"out.{fmt}"
    mem.files.export(deck, fmt, target)
    fresh = Collection.in_memory()
    fresh.files.import_files([target])
    fronts = {fresh.study.card(c, now).fields["front"]
              for s in fresh.decks.summaries(now) for c in fresh.notes.browse(_query(s.id), now)}
    assert fronts == {"Stays", "Moved in"}


def test_a_toml_export_of_a_tree_keeps_a_parent_decks_description(mem, now, tmp_path):
    parent = mem.decks.create("Course", now).deck_id
    mem.decks.set_options(parent, now, description="Week by week")
    sub = mem.decks.create("Course::Week 1", now).deck_id
    mem.notes.add(sub, Kind.BASIC, {"front": "Q", "back": "A"}, now)
    mem.files.export(parent, "toml", tmp_path / "out")
    fresh = Collection.in_memory()
    fresh.files.import_files(sorted((tmp_path / "out").glob("*.toml")))
    assert {s.name: s.description for s in fresh.decks.summaries(now)} == {
        "Course": "Week by week", "Course::Week 1": ""}
