"""The browser's queries and bulk actions, and statistics checked against a
hand-built review history with known answers."""

from datetime import date, timedelta

import pytest

from flashdesk.model import BrowseQuery, CardFilter, FlashdeskError, SortKey, study_day
from flashdesk.statistics import day_to_date

from .conftest import FIXTURES, NOW

AGAIN, HARD, GOOD, EASY = 1, 3, 4, 5


@pytest.fixture
def both(col):
    col.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
    return col


def test_full_text_search_by_word_prefix(both):
    assert len(both.notes.browse(BrowseQuery(text="heat"), NOW)) == 7
    assert len(both.notes.browse(BrowseQuery(text="empath"), NOW)) == 6  # all but the order card
    assert both.notes.browse(BrowseQuery(text="paraphras"), NOW) == ["example-heat/heat-phone-scenario#0"]
    assert both.notes.browse(BrowseQuery(text='answer 17"'), NOW) == ["basics/b17#0"]
    assert both.notes.browse(BrowseQuery(text="nothing-like-this"), NOW) == []


def test_filters_by_deck_tag_and_state(both):
    assert len(both.notes.browse(BrowseQuery(deck_id="basics"), NOW)) == 30
    assert len(both.notes.browse(BrowseQuery(deck_id="test"), NOW)) == 30  # the parent holds its sub-deck
    assert len(both.notes.browse(BrowseQuery(tag="phone"), NOW)) == 1
    card = both.study.next_card("basics", NOW)
    both.study.answer(card.id, AGAIN, NOW)
    assert both.notes.browse(BrowseQuery(state=CardFilter.LEARNING), NOW) == [card.id]
    assert both.notes.browse(BrowseQuery(state=CardFilter.DUE), NOW + timedelta(days=1)) == [card.id]
    both.study.suspend([card.id], NOW)
    assert both.notes.browse(BrowseQuery(state=CardFilter.SUSPENDED), NOW) == [card.id]
    assert len(both.notes.browse(BrowseQuery(state=CardFilter.NEW), NOW)) == 36


def test_sorting(both):
    ids = both.notes.browse(BrowseQuery(deck_id="basics", sort=SortKey.FRONT), NOW)
    fronts = [r.front for r in both.notes.rows(ids)]
    assert fronts == sorted(fronts, key=str.casefold)
    down = both.notes.browse(BrowseQuery(deck_id="basics", sort=SortKey.FRONT, descending=True), NOW)
    assert down == ids[::-1]
    both.study.answer("basics/b05#0", EASY, NOW)
    by_ease = both.notes.browse(BrowseQuery(sort=SortKey.EASE, descending=True), NOW)
    assert by_ease[0] == "basics/b05#0"
    rows = both.notes.rows(by_ease[:1])
    assert (rows[0].ease, rows[0].answers, rows[0].state) == (2.6, 1, "review")


def test_bulk_actions_persist(both, col_path):
    both.notes.change_tags(["basics/b01", "basics/b02"], add=["week1"])
    assert len(both.notes.browse(BrowseQuery(tag="week1"), NOW)) == 2
    both.notes.change_tags(["basics/b01"], remove=["week1"])
    assert both.notes.browse(BrowseQuery(tag="week1"), NOW) == ["basics/b02#0"]
    with pytest.raises(FlashdeskError, match="one word"):
        both.notes.change_tags(["basics/b01"], add=["two words"])
    both.notes.move_cards(["basics/b03#0"], "example-heat")
    assert "basics/b03#0" in both.notes.browse(BrowseQuery(deck_id="example-heat"), NOW)
    both.study.answer("basics/b04#0", GOOD, NOW)
    both.notes.reset_cards(["basics/b04#0"], NOW)
    assert both.study.card("basics/b04#0", NOW).state.repetitions == 0
    assert both.reports.check(NOW).ok  # the reset is in the log, so a rebuild agrees


def test_delete_and_undo_delete(both):
    changes = both.notes.delete(["example-heat/heat-letters"], NOW)
    assert changes.notes and changes.study_queues
    assert both.notes.browse(BrowseQuery(text="model stand"), NOW) == []
    assert both.undo.name == "Delete"
    both.undo.undo(NOW)
    assert len(both.notes.browse(BrowseQuery(text="model stand"), NOW)) == 2


def test_statistics_from_a_known_history(col):
    col.files.import_files([FIXTURES / "basics.toml"])
    col.decks.set_limits("basics", new_limit=10)
    # day 0: ten new cards, all Good (due in 1 day); day 1: eight Good, two Again
    for card_id in [f"basics/b{i:02d}#0" for i in range(1, 11)]:
        col.study.answer(card_id, GOOD, NOW)
    day1 = NOW + timedelta(days=1)
    for i in range(1, 11):
        col.study.answer(f"basics/b{i:02d}#0", AGAIN if i <= 2 else GOOD, day1)
    s = col.reports.statistics(day1)
    today = s.today
    assert dict(s.reviews_per_day)[today - 1] == 10 and dict(s.reviews_per_day)[today] == 10
    assert len(s.reviews_per_day) == 90 and len(s.forecast) == 30
    # retention counts first answers of review cards: 8 of 10 on day 1
    assert s.retention_by_week[-1][1:] == (8, 10)
    assert s.cards_by_state == {"new": 20, "learning": 2, "review": 8, "suspended": 0, "buried": 0}
    # eight cards now have interval 6, two are back at 1 (due tomorrow)
    assert dict(s.intervals)["4–7 days"] == 8 and dict(s.intervals)["1 day"] == 2
    assert s.forecast[1] == 2 and s.forecast[6] == 8
    basics = next(m for m in s.mastery if m.topic == "Test::Basics")
    assert (basics.cards, basics.studied, basics.retention) == (30, 10, 0.8)
    assert basics.mastery == round((8 * 6 + 2 * 1) / (21 * 30), 4)


def test_progress_report_for_a_date_range(col):
    col.files.import_files([FIXTURES / "basics.toml"])
    col.set_setting("learner_name", "Sam Taylor")
    for day in range(3):
        now = NOW + timedelta(days=day)
        while (card := col.study.next_card("basics", now)) is not None:
            col.study.answer(card.id, GOOD, now, time_ms=6000)
    start = day_to_date(study_day(NOW))
    report = col.reports.progress_report(start, start + timedelta(days=1), NOW + timedelta(days=3))
    assert report.learner == "Sam Taylor"
    assert report.study_days == 2
    assert report.cards_learned == 30  # 20 on the first day, 10 on the second
    assert report.reviews == 50 and report.retention == 1.0
    assert report.minutes == pytest.approx(50 * 6 / 60)
    assert report.decks == [{"deck": "Test::Basics", "reviews": 50, "cards_learned": 30,
                             "retention": 1.0}]
    with pytest.raises(FlashdeskError):
        col.reports.progress_report(date(2026, 5, 2), date(2026, 5, 1), NOW)


def test_large_imports_are_searchable_and_keep_indexing_later_edits(col, tmp_path):
    from flashdesk.collection import Cancelled

    path = tmp_path / "big.csv"
    path.write_text("id,front,back\n" + "".join(f"r{i},Front {i} walrus{i},Back {i}\n"
                                                for i in range(2500)), encoding="utf-8")
    with pytest.raises(Cancelled):  # a cancelled bulk import changes nothing...
        col.files.import_files([path], deck_name="Big", progress=lambda done, total: False)
    col.files.import_files([path], deck_name="Big")  # ...and a finished one indexes everything
    assert col.notes.browse(BrowseQuery(text="walrus1234"), NOW) == ["big/r1234#0"]
    col.notes.update("big/r7", {"front": "Front 7 narwhal", "back": "Back 7"}, NOW)
    assert col.notes.browse(BrowseQuery(text="narwhal"), NOW) == ["big/r7#0"]
