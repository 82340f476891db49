"""One order in which every device replays the review log: time, then kind
at the same millisecond, then id; a device's own entries always follow
everything already in its log, so that order is the order they were written."""

from datetime import timedelta
from pathlib import Path

from flashdesk.collection.journal import entry_ms
from flashdesk.model import Grade
from flashdesk.store import sync as sq
from flashdesk.study import replay_order

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_entries_follow_the_log_even_when_the_clock_goes_back(example, now):
    ids = []
    for minutes in (0, -60 * 24 * 3, 5, -1):  # the clock set back three days, then on
        when = now + timedelta(minutes=minutes)
        step = example.study.step(None, when)
        ids.append(example.study.answer(step.card.id, Grade.GOOD, when).result.log_id)
    assert ids == sorted(ids)
    assert [entry_ms(b) - entry_ms(a) > 0 for a, b in zip(ids, ids[1:])] == [True] * 3
    assert example.reports.check(now + timedelta(days=1)).ok


def test_entries_written_at_one_instant_still_keep_their_order(example, now):
    card = example.study.step(None, now).card.id
    first = example.study.answer(card, Grade.AGAIN, now).result.log_id
    second = example.study.answer(card, Grade.GOOD, now).result.log_id  # the re-drill
    assert first < second
    assert example.reports.check(now).ok


def test_an_answer_and_its_exam_move_at_one_millisecond_replay_in_that_order():
    entries = [{"id": "019c9d5a-0000-7fff-8000-000000000000", "kind": "reschedule"},
               {"id": "019c9d5a-0000-7000-8000-000000000000", "kind": "undo"},
               {"id": "019c9d5a-0000-7aaa-8000-000000000000", "kind": "review"}]
    assert [e["kind"] for e in replay_order(entries)] == ["review", "reschedule", "undo"]


def test_the_latest_entry_is_found_on_the_id_index(example, now):
    assert sq.latest_entry_id(example.db) is None
    step = example.study.step(None, now)
    log_id = example.study.answer(step.card.id, Grade.GOOD, now).result.log_id
    assert sq.latest_entry_id(example.db) == log_id


def test_an_entry_written_after_another_process_wrote_moves_after_its_entries(col_path, now):
    from flashdesk.collection import Collection

    first = Collection.open(col_path, bundled=False, backups=False)
    second = Collection.open(col_path, bundled=False, backups=False)
    try:
        first.files.import_files([FIXTURES / "example.toml"])
        second.journal.reload()
        later = now + timedelta(hours=5)  # the other process's clock runs ahead
        card = first.study.step(None, later).card.id
        theirs = first.study.answer(card, Grade.GOOD, later).result.log_id
        mine = second.study.answer(card, Grade.AGAIN, now).result.log_id  # not seen theirs
        assert mine > theirs
        assert second.reports.check(later).integrity == ("ok",)
    finally:
        first.close(backup=False)
        second.close(backup=False)
