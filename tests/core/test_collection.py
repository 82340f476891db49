"""The collection over a real SQLite file: queue, limits, re-drill, undo,
suspend and bury, leeches and durability."""

import json
import sqlite3
import uuid
from datetime import timedelta

import pytest

from flashdesk.collection import Collection, UndoRefused
from flashdesk.model import BrowseQuery, FlashdeskError, Grade, Queue
from flashdesk.scheduler.sm2 import SM2State
from flashdesk.study import LEECH_LAPSES

from .conftest import FIXTURES

AGAIN, HARD, GOOD, EASY = 1, 3, 4, 5


def study_all(col, deck, now, grade=lambda card: GOOD, limit=500):
    seen = []
    while (card := col.study.next_card(deck, now)) is not None and len(seen) < limit:
        seen.append(card.id)
        col.study.answer(card.id, grade(card), now)
    return seen


def summary(col, deck_id, now):
    return next(s for s in col.decks.summaries(now) if s.id == deck_id)


def test_fresh_collection_has_the_schema_and_wal(col):
    tables = set(col.db.table_names())
    assert {"decks", "notes", "cards", "revlog", "config", "_sqlite_migrations"} <= tables
    assert col.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert col.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_deck_tree_counts_after_import(example, now):
    rows = {s.id: s for s in example.decks.summaries(now)}
    assert set(rows) == {"example", "example-heat"}
    child = rows["example-heat"]
    assert (child.new, child.learning, child.due, child.total) == (7, 0, 0, 7)
    assert rows["example"].total == 7 and rows["example"].new == 7
    assert rows["example"].depth == 0 and child.depth == 1


def test_ids_are_stable_text(example, now):
    card = example.study.next_card("example-heat", now)
    assert card.note_id.startswith("example-heat/")
    assert card.id == f"{card.note_id}#{card.ord}"


def test_new_cards_are_limited_per_day_to_twenty_by_default(col, now):
    col.files.import_files([FIXTURES / "basics.toml"])
    assert summary(col, "basics", now).new == 20
    assert len(study_all(col, "basics", now)) == 20
    assert summary(col, "basics", now).new == 0
    # the next study day brings the next twenty (the first twenty are due in a day)
    tomorrow = now + timedelta(days=1)
    s = summary(col, "basics", tomorrow)
    assert (s.new, s.due) == (10, 20)


def test_review_limit_caps_due_cards(col, now):
    col.files.import_files([FIXTURES / "basics.toml"])
    study_all(col, "basics", now)
    col.decks.set_limits("basics", review_limit=5, new_limit=0)
    tomorrow = now + timedelta(days=1)
    assert summary(col, "basics", tomorrow).due == 5
    assert len(study_all(col, "basics", tomorrow)) == 5


def test_parent_limit_caps_its_subtree(col, now):
    col.files.import_files([FIXTURES / "basics.toml"])
    col.decks.set_limits("test", new_limit=7)
    assert summary(col, "test", now).new == 7
    assert summary(col, "basics", now).new == 20
    assert len(study_all(col, None, now)) == 7


def test_due_reviews_come_before_new_cards(col, now):
    col.files.import_files([FIXTURES / "basics.toml"])
    col.decks.set_limits("basics", new_limit=3)
    first = study_all(col, "basics", now)
    col.decks.set_limits("basics", new_limit=2)
    order = study_all(col, "basics", now + timedelta(days=1))
    assert order[:3] == first and len(order) == 5


def test_again_comes_back_in_the_same_session_until_good(example, now):
    order = []
    first = example.study.next_card("example-heat", now).id
    grades = iter([AGAIN, HARD, GOOD])

    def grade(card):
        order.append(card.id)
        return next(grades) if card.id == first else GOOD

    study_all(example, "example-heat", now, grade)
    assert order.count(first) == 3  # Again, then Hard (below Good), then Good
    assert len(order) == 5 + 2  # seven cards, two of them siblings that wait for tomorrow
    # it comes back after other cards, not straight away
    assert order[1] != first and order.index(first, 1) >= 3


def test_redrill_answers_change_nothing_but_are_logged(example, now):
    card = example.study.next_card("example-heat", now)
    first = example.study.answer(card.id, AGAIN, now).result
    assert first.again_today and not first.redrill
    state = example.study.card(card.id, now)
    later = now + timedelta(minutes=5)
    second = example.study.answer(card.id, EASY, later).result
    assert second.redrill and not second.again_today
    after = example.study.card(card.id, later)
    assert (after.state, after.due_day) == (state.state, state.due_day)
    assert after.queue == Queue.REVIEW
    kinds = [e["kind"] for e in example.notes.history(card.id)]
    assert kinds == ["review", "redrill"]


def test_learning_cards_survive_a_restart_the_same_day(col_path, now):
    with Collection.open(col_path, bundled=False) as col:
        col.files.import_files([FIXTURES / "example.toml"])
        card = col.study.next_card("example-heat", now)
        col.study.answer(card.id, AGAIN, now)
    with Collection.open(col_path, bundled=False) as col:
        assert summary(col, "example-heat", now).learning == 1
        assert card.id in study_all(col, "example-heat", now)
        # the next day it is an ordinary review again
        assert summary(col, "example-heat", now + timedelta(days=1)).learning == 0


def card_row(col, card_id):
    """A card's whole row, without the log's bookkeeping (its latest entry)."""
    row = next(col.db.query("SELECT c.* FROM cards c JOIN card_ids i ON i.cid = c.cid "
                            "WHERE i.id = ?", [card_id]))
    del row["last_seq"]
    return row


def test_undo_restores_the_exact_previous_state(example, now):
    card = example.study.next_card("example-heat", now)
    row_before = card_row(example, card.id)
    counts = example.study.step("example-heat", now).counts
    example.study.answer(card.id, GOOD, now)
    assert example.undo.undo(now).card_id == card.id
    row_after = card_row(example, card.id)
    assert row_after == row_before
    assert example.study.step("example-heat", now).counts == counts
    assert example.study.next_card("example-heat", now).id == card.id
    # the log keeps both entries: the answer and the undo naming it
    log = example.notes.history(card.id)
    assert [e["kind"] for e in log] == ["review", "undo"]
    assert log[1]["undoes"] == log[0]["id"]
    # an undone new card does not count against today's new limit
    assert summary(example, "example-heat", now).new == 7


def test_undo_of_several_answers_in_reverse_order(example, now):
    ids = []
    for _ in range(3):
        card = example.study.next_card("example-heat", now)
        ids.append(card.id)
        example.study.answer(card.id, GOOD, now)
    assert [example.undo.undo(now).card_id for _ in range(3)] == ids[::-1]
    with pytest.raises(UndoRefused, match="Nothing to undo"):
        example.undo.undo(now)
    assert summary(example, "example-heat", now).new == 7


def test_suspend_and_bury(example, now):
    card = example.study.next_card("example-heat", now)
    example.study.suspend([card.id], now)
    assert example.study.next_card("example-heat", now).id != card.id
    assert summary(example, "example-heat", now).new == 6
    other = example.study.next_card("example-heat", now)
    example.study.bury([other.id], now)
    assert summary(example, "example-heat", now).new == 5
    # buried cards return the next study day; suspended ones do not
    tomorrow = now + timedelta(days=1)
    assert summary(example, "example-heat", tomorrow).new == 6
    example.study.unsuspend([card.id], tomorrow)
    assert summary(example, "example-heat", tomorrow).new == 7


def test_a_card_lapsing_eight_times_is_tagged_leech(example, now):
    card = example.study.next_card("example-heat", now)
    day = now
    example.study.answer(card.id, GOOD, day)
    results = []
    for _ in range(LEECH_LAPSES):
        day += timedelta(days=2)
        results.append(example.study.answer(card.id, AGAIN, day).result)
        example.study.answer(card.id, GOOD, day).result  # re-drill to Good the same day
    assert [r.leech for r in results] == [False] * (LEECH_LAPSES - 1) + [True]
    view = example.study.card(card.id, day)
    assert "leech" in view.tags and view.lapses == LEECH_LAPSES
    assert example.reports.stats(day).leeches >= 1


def test_log_ids_are_canonical_time_ordered_uuids():
    from flashdesk.collection.journal import entry_ms, log_id

    for ts in (0, 1, 1796032800050, (1 << 48) - 1):
        for _ in range(200):
            text = log_id(ts)
            parsed = uuid.UUID(text)
            assert str(parsed) == text and parsed.version == 7 and entry_ms(text) == ts


def test_answer_is_durable_after_close_and_reopen(col_path, now):
    with Collection.open(col_path, bundled=False) as col:
        col.files.import_files([FIXTURES / "example.toml"])
        card = col.study.next_card("example-heat", now)
        result = col.study.answer(card.id, EASY, now, time_ms=1234).result
    # a second, independent connection sees it at once
    raw = sqlite3.connect(col_path)
    entry = raw.execute("SELECT i.id, r.quality, r.time_ms, r.kind FROM revlog r "
                        "JOIN card_ids i ON i.cid = r.card WHERE r.uid = ?",
                        [uuid.UUID(result.log_id).bytes[6:]]).fetchone()  # its time is ts
    raw.close()
    assert entry == (card.id, EASY, 1234, 0)  # kind 0: a review
    with Collection.open(col_path, bundled=False) as col:
        view = col.study.card(card.id, now)
        assert view.state == SM2State(1, 2.6, 1)
        assert view.due_day == result.due_day
        log = col.notes.history(card.id)
        assert json.loads(log[0]["before"])["type"] == 0
        assert json.loads(log[0]["after"])["interval"] == 1


def test_log_ids_are_unique_uuids(example, now):
    study_all(example, "example-heat", now)
    ids = [e["id"] for c in example.notes.browse(BrowseQuery(), now)
           for e in example.notes.history(c)]
    assert len(ids) == len(set(ids)) == 5  # the two siblings wait for tomorrow
    assert all(len(i) == 36 and i[14] == "7" for i in ids)


def test_preview_shows_each_answers_interval(example, now):
    step = example.study.step("example-heat", now)
    card, preview = step.card, step.previews
    assert {q: p.days for q, p in preview.items()} == {0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert [preview[q].again_today for q in range(6)] == [True] * 4 + [False] * 2
    day = now
    for _ in range(2):
        example.study.answer(card.id, GOOD, day)
        day += timedelta(days=6)
    step = example.study.step("example-heat", day)
    assert step.card.id == card.id and step.previews[GOOD].days == 15


def test_stats_counts_retention_and_forecast(example, now):
    example.decks.set_options("example-heat", bury_siblings=False)
    study_all(example, "example-heat", now)
    s = example.reports.stats(now)
    assert (s.new, s.review, s.total, s.reviews_today) == (0, 7, 7, 7)
    assert s.retention_30d is None  # only new cards so far
    assert s.forecast[1] == 7 and len(s.forecast) == 14
    tomorrow = now + timedelta(days=1)
    grades = iter([GOOD, AGAIN, GOOD, GOOD] + [GOOD] * 10)
    study_all(example, "example-heat", tomorrow, lambda c: next(grades))
    s = example.reports.stats(tomorrow)
    assert s.retention_30d == round(6 / 7, 4)
    assert s.forecast[0] == 0 and s.learning == 0


def test_editing_a_note_keeps_progress(example, now):
    card = example.study.next_card("example-heat", now)
    example.study.answer(card.id, EASY, now)
    kind, fields = example.notes.get(card.note_id)
    fields["back"] = "Hear, Empathise, Apologise, <b>Take ownership</b><script>x</script>"
    with pytest.raises(FlashdeskError, match="field 'back': <script> would be removed"):
        example.notes.update(card.note_id, fields, now)  # typed text is never cut silently
    fields["back"] = "Hear, Empathise, Apologise, <b>Take ownership</b>"
    example.notes.update(card.note_id, fields, now)
    view = example.study.card(card.id, now)
    assert view.fields["back"].endswith("<b>Take ownership</b>")
    assert view.state == SM2State(1, 2.6, 1)


def test_unknown_deck_is_a_clear_error(example):
    with pytest.raises(FlashdeskError, match="no deck called 'nope'"):
        example.decks.find("nope")
    assert example.decks.find("example::heat model") == "example-heat"


def test_editing_a_note_checks_it_like_a_deck_file(example, now):
    with pytest.raises(FlashdeskError, match="field 'back': must be non-empty"):
        example.notes.update("example-heat/heat-letters", {"front": "Q", "back": " ", "reverse": True}, now)
    with pytest.raises(FlashdeskError, match="field 'answer': must be between 1 and 3"):
        example.notes.update("example-heat/heat-first-step",
                            {"question": "Q", "options": ["a", "b", "c"], "answer": 4}, now)
    # an edit never takes progress away: a studied card cannot be edited out of its note
    example.study.answer("example-heat/heat-letters#1", Grade.GOOD, now)
    with pytest.raises(FlashdeskError, match="remove the reverse card, which has progress"):
        example.notes.update("example-heat/heat-letters", {"front": "Q", "back": "A"}, now)


def test_a_schedule_is_read_from_a_whole_row_and_from_a_part():
    from flashdesk.model import SCHEDULE_FIELDS, CardSchedule

    whole = dict(zip(SCHEDULE_FIELDS, range(1, len(SCHEDULE_FIELDS) + 1)), id="x#0")
    schedule = CardSchedule.from_dict(whole)
    assert schedule.to_dict() == {k: whole[k] for k in SCHEDULE_FIELDS}
    part = CardSchedule.from_dict({"queue": 2, "due": 9})
    assert part == CardSchedule(queue=2, due=9)
