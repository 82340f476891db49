"""Words shown to the learner say what is true, without Qt: why a card is up
a second time today, as its log says; a note's text as it was typed."""

from datetime import timedelta

from flashdesk.model import CustomKind, CustomStudy, Grade, Kind, LogKind
from flashdesk.review import ReviewSession, nothing_found
from flashdesk.text import again_caption, kind_caption

from .conftest import FIXTURES

DECK = "example-heat"


def test_a_card_failed_today_is_captioned_as_a_redrill(col, now):
    col.files.import_files([FIXTURES / "example.toml"])
    card = col.study.step(DECK, now).card
    col.study.answer(card.id, Grade.AGAIN, now)
    again = col.study.card(card.id, now)
    assert again.redrill and again.failed_today
    assert again_caption(again) == "again: answered below Good earlier today"
    assert kind_caption(again.kind, again.ord, again=again_caption(again)) == \
        "Question · again: answered below Good earlier today"


def test_a_card_answered_good_today_is_never_said_to_be_answered_below_good(col, now):
    col.files.import_files([FIXTURES / "example.toml"])
    card = col.study.step(DECK, now).card
    col.study.answer(card.id, Grade.GOOD, now)
    later = col.study.card(card.id, now + timedelta(hours=1))
    log = col.notes.card_info(card.id, now).history
    assert [e.quality for e in log] == [Grade.GOOD]
    assert later.redrill and not later.failed_today
    caption = again_caption(later)
    assert "below Good" not in caption
    assert caption == "answered already today: this answer leaves its schedule as it is"
    assert again_caption(later, drill=True) == ""  # in a drill every answer is practice
    assert again_caption(col.study.card("example-heat/heat-order#0", now)) == ""  # not answered


def test_review_ahead_after_a_good_answer_shows_nothing_and_says_why(col, now):
    col.files.import_files([FIXTURES / "example.toml"])
    card = col.study.step(DECK, now).card
    col.study.answer(card.id, Grade.GOOD, now)
    col.study.end_session()
    ahead = CustomStudy(CustomKind.AHEAD, days=7)
    session = ReviewSession(col, DECK, custom=ahead, clock=lambda: now + timedelta(hours=1))
    assert session.start() is None
    assert "other than any you answered today" in session.nothing_found()
    assert nothing_found(ahead, "Models").startswith("No cards in \u2068Models\u2069 are due in "
                                                     "the next 7 days")
    kinds = [e.kind for e in col.notes.card_info(card.id, now).history]
    assert kinds == [LogKind.REVIEW]


def test_a_note_added_reads_back_as_typed_and_is_found_again_as_typed(col, now):
    deck = col.decks.create("My workplace", now).deck_id
    typed = "Who approves refunds over <50> at my store?"
    added = col.notes.add(deck, Kind.BASIC, {"front": typed, "back": "a<b & c"}, now)
    assert added.first_field == typed
    assert [text for _id, text in col.notes.duplicates(deck, Kind.BASIC, {"front": typed})] \
        == [typed]
    assert col.notes.duplicates(deck, Kind.BASIC, {"front": "Who approves refunds over at my "
                                                            "store?"}) == []
