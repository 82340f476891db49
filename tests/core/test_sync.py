"""Merging devices through a sync folder: the segment files, the clock, the
field rules, and what a merge does to a collection (issue 19)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from flashdesk.collection import Collection
from flashdesk.model import FlashdeskError, Grade
from flashdesk.store import queries as q
from flashdesk.study import SM2_FIELDS
from flashdesk.sync import conflicts, set_sync_folder, sync, sync_folder, unmerged_files
from flashdesk.sync.fields import Record, deck_names, local_edits, lost_records
from flashdesk.sync.hlc import MAX_DRIFT_MS, Clock, Stamp
from flashdesk.sync.segments import (
    Damaged, Incomplete, Segment, device_folders, profile_root, read_segment, segment_files,
    write_segment,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


# -- the clock ------------------------------------------------------------------------


def test_the_clock_follows_the_wall_clock_and_never_goes_back():
    clock = Clock("aaaa")
    first = clock.tick(1000)
    assert first == Stamp(1000, 0, "aaaa")
    assert clock.tick(1000) == Stamp(1000, 1, "aaaa")  # same millisecond: the counter
    assert clock.tick(500) == Stamp(1000, 2, "aaaa")   # the wall clock went back: l stays
    assert clock.tick(2000) == Stamp(2000, 0, "aaaa")


def test_a_stamp_seen_from_another_device_orders_later_edits_after_it():
    clock = Clock("aaaa")
    clock.observe(Stamp(5000, 7, "bbbb"), 1000)  # the other clock runs ahead
    assert clock.tick(1000) > Stamp(5000, 7, "bbbb")


def test_a_stamp_from_a_clock_set_years_ahead_does_not_drag_ours():
    clock = Clock("aaaa")
    clock.observe(Stamp(1000 + MAX_DRIFT_MS + 1, 0, "bbbb"), 1000)
    assert clock.tick(1000) == Stamp(1000, 0, "aaaa")


def test_stamps_round_trip_as_text():
    stamp = Stamp(1772442000000, 3, "5f3a9c2e1b0d4a77")
    assert Stamp.parse(stamp.text()) == stamp
    with pytest.raises(ValueError):
        Stamp.parse("x:y")


# -- field rules ----------------------------------------------------------------------


def record(value, l_, device="a", base=None, field="f:front"):
    return Record("note", "d/n1", field, json.dumps(value), Stamp(l_, 0, device), base)


def test_an_edit_on_top_of_another_loses_nothing():
    first = record("one", 1, "a")
    second = record("two", 2, "b", base=first.stamp.text())
    assert lost_records([first, second]) == []


def test_two_edits_that_did_not_see_each_other_keep_the_loser():
    mine, theirs = record("mine", 1, "a"), record("theirs", 2, "b")
    assert lost_records([mine, theirs]) == [mine]
    assert lost_records([theirs, mine]) == [mine]  # whatever order they arrived in


def test_equal_concurrent_values_are_no_conflict():
    assert lost_records([record("same", 1, "a"), record("same", 2, "b")]) == []


def test_local_edits_are_the_fields_that_differ_and_a_vanished_object_is_a_deletion():
    registers = {"f:front": record("Q", 1), "t:old": record(True, 1, field="t:old"),
                 "alive": record(True, 1, field="alive")}
    current = {"f:front": "Q2", "t:new": True, "alive": True}
    assert local_edits(current, registers, True) == {"f:front": "Q2", "t:new": True,
                                                     "t:old": False}
    assert local_edits(None, registers, True) == {"alive": False}
    assert local_edits(None, registers, False) == {}  # never here (waiting): nothing to send


def test_deck_names_stay_unique_the_same_way_everywhere():
    def deck(name, l_):
        return {"name": Record("deck", "x", "name", json.dumps(name), Stamp(l_, 0, "a"))}

    names = deck_names({"one": deck("Models", 1), "two": deck("Models", 2)})
    assert names == {"two": "Models", "one": "Models (one)"}


# -- segment files --------------------------------------------------------------------


def a_segment(folder: Path, number: int = 1) -> Path:
    return write_segment(folder / "00112233aabbccdd", Segment(
        "00112233aabbccdd", number, "", "default", "laptop", 1,
        [{"id": "019c9d5a-0000-7000-8000-000000000001", "card_id": "d/n1#0", "ts": 1,
          "day": 20514, "kind": "review", "quality": 4, "was_new": 1, "time_ms": 900,
          "before": None, "after": {"due": 20515}, "undoes": None}],
        [{"e": "note", "id": "d/n1", "l": 5, "c": 0, "set": {"f:front": "Q"},
          "base": {"f:front": None}}]))


def test_a_segment_is_named_by_its_number_and_checksum_and_reads_back(tmp_path):
    path = a_segment(tmp_path)
    assert path.name.startswith("seg-00000001-") and path.suffix == ".fdsync"
    [found] = segment_files(path.parent)
    segment = read_segment(found, "default")
    assert segment.log[0]["quality"] == 4 and segment.changes[0]["set"] == {"f:front": "Q"}
    assert not list(path.parent.glob(".tmp-*"))  # the temporary name is gone


def test_a_partial_file_waits_and_a_matching_but_invalid_one_is_damaged(tmp_path):
    path = a_segment(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    [found] = segment_files(path.parent)
    with pytest.raises(Incomplete):
        read_segment(found, "default")
    path.write_bytes(data)
    read_segment(found, "default")  # complete now
    with pytest.raises(Damaged):
        read_segment(found, "another-profile")


def test_files_that_are_not_segments_are_ignored(tmp_path):
    path = a_segment(tmp_path)
    (path.parent / (path.name + ".sync-conflict-20260302-100000-ABCDEFG")).write_bytes(b"x")
    (path.parent / ".tmp-123.part").write_bytes(b"x")
    (tmp_path / "not-a-device").mkdir()
    assert [f.path for f in segment_files(path.parent)] == [path]
    assert device_folders(tmp_path) == [path.parent]


@pytest.mark.parametrize("entry", [
    {"kind": "review", "quality": 9},
    {"kind": "explode"},
    {"id": "../../etc/passwd"},
    {"kind": "undo", "undoes": None},
    {"card_id": 7},
])
def test_a_hostile_log_entry_makes_the_segment_damaged(tmp_path, entry):
    import hashlib

    import zstandard

    good = {"id": "019c9d5a-0000-7000-8000-000000000001", "card_id": "d/n1#0", "ts": 1,
            "day": 1, "kind": "review", "quality": 4, "was_new": 0, "time_ms": 0,
            "before": None, "after": None, "undoes": None}
    payload = {"format": "flashdesk-sync-segment", "version": 1, "profile": "default",
               "device": "00112233aabbccdd", "label": "", "number": 1, "created": 1,
               "log": [{**good, **entry}], "changes": []}
    data = zstandard.ZstdCompressor().compress(json.dumps(payload).encode())
    folder = tmp_path / "00112233aabbccdd"
    folder.mkdir()
    (folder / f"seg-00000001-{hashlib.sha256(data).hexdigest()[:32]}.fdsync").write_bytes(data)
    [found] = segment_files(folder)
    with pytest.raises(Damaged):
        read_segment(found, "default")


# -- merging collections --------------------------------------------------------------


@pytest.fixture
def pair(tmp_path):
    """Two profiles named alike on two 'computers', one sync folder."""
    folder = tmp_path / "Sync"
    folder.mkdir()
    cols = []
    for side in ("home", "college"):
        col = Collection.open(tmp_path / side / "default" / "collection.db", bundled=False)
        set_sync_folder(col, folder)
        cols.append(col)
    cols[0].files.import_files([FIXTURES / "basics.toml"])
    yield cols[0], cols[1], folder
    for col in cols:
        col.close(backup=False)


def states(col):
    return {c: tuple(r[f] for f in (*SM2_FIELDS, "answers"))
            for c, r in q.all_schedules(col.db).items()}


def answer_next(col, grade, when):
    step = col.study.step(None, when)
    return col.study.answer(step.card.id, grade, when).result


def test_a_deck_and_answers_travel_and_both_sides_agree(pair, now):
    home, college, folder = pair
    sync(home, now)
    report = sync(college, now)
    assert report.notes_added == 30 and report.decks_added == 2
    for col, grade in ((home, Grade.GOOD), (college, Grade.AGAIN)):
        for minute in range(3):
            answer_next(col, grade, now + timedelta(minutes=minute))
    sync(home, now + timedelta(minutes=10))
    report = sync(college, now + timedelta(minutes=11))
    assert report.answers == 3 and "3 answers" in report.summary()
    sync(home, now + timedelta(minutes=12))
    assert states(home) == states(college)
    for col in (home, college):
        assert col.reports.check(now + timedelta(minutes=12)).ok
    files = sorted(p.relative_to(folder).parts[:3] for p in folder.rglob("seg-*"))
    assert {f[:2] for f in files} == {("flashdesk", "default")}
    assert len({f[2] for f in files}) == 2  # one folder per device, each writing only there


def test_the_first_answer_of_the_day_counts_whichever_device_gave_it(pair, now):
    home, college, _ = pair
    sync(home, now)
    sync(college, now)
    card = "basics/b01#0"
    college.study.answer(card, Grade.AGAIN, now + timedelta(minutes=1))  # earlier
    home.study.answer(card, Grade.EASY, now + timedelta(minutes=5))      # later, same day
    for col in (home, college, home):
        sync(col, now + timedelta(minutes=10))
    for col in (home, college):
        row = q.all_schedules(col.db)[card]
        assert (row["reps"], row["ease"], row["answers"]) == (0, 250, 2)  # Again counted


def test_a_concurrent_edit_keeps_both_texts(pair, now):
    home, college, _ = pair
    sync(home, now)
    sync(college, now)
    home.notes.update("basics/b01", {"front": "Asked at home", "back": "Answer 1"}, now)
    college.notes.update("basics/b01", {"front": "Asked at college", "back": "Answer 1"},
                         now + timedelta(minutes=1))
    sync(home, now + timedelta(minutes=2))
    report = sync(college, now + timedelta(minutes=3))
    sync(home, now + timedelta(minutes=4))
    shown = {col.notes.get("basics/b01")[1]["front"] for col in (home, college)}
    assert shown == {"Asked at college"}  # the later edit shows on both
    [conflict] = report.conflicts
    assert (conflict.kept, conflict.other) == ("Asked at college", "Asked at home")
    assert "kept in history" in report.summary()
    assert [c.other for c in conflicts(home)] == ["Asked at home"]


def test_tags_added_on_each_side_are_both_kept(pair, now):
    home, college, _ = pair
    sync(home, now)
    sync(college, now)
    home.notes.change_tags(["basics/b02"], add=["heat"])
    college.notes.change_tags(["basics/b02"], add=["star"])
    for col in (home, college, home):
        sync(col, now)
    for col in (home, college):
        assert set(q.get_note(col.db, "basics/b02")["tags"].split()) == {"heat", "star"}
    assert conflicts(home) == []


def test_deletions_and_undo_travel(pair, now):
    home, college, _ = pair
    sync(home, now)
    sync(college, now)
    answer_next(college, Grade.GOOD, now)
    sync(college, now)
    sync(home, now)
    home.notes.delete(["basics/b01"], now + timedelta(minutes=1))
    sync(home, now + timedelta(minutes=2))
    assert sync(college, now + timedelta(minutes=3)).notes_removed == 1
    assert q.get_note(college.db, "basics/b01") is None
    home.undo.undo(now + timedelta(minutes=4))  # the deletion taken back, progress and all
    sync(home, now + timedelta(minutes=5))
    sync(college, now + timedelta(minutes=6))
    assert q.get_note(college.db, "basics/b01") is not None
    assert states(home) == states(college)
    assert q.all_schedules(college.db)["basics/b01#0"]["reps"] == 1


def test_an_undone_answer_is_undone_everywhere(pair, now):
    home, college, _ = pair
    sync(home, now)
    sync(college, now)
    answer_next(home, Grade.EASY, now)
    home.undo.undo(now)
    sync(home, now)
    report = sync(college, now)
    assert report.entries == 2 and report.answers == 1
    assert states(home) == states(college)
    assert all(r["type"] == 0 for r in q.all_schedules(college.db).values())


def test_merging_twice_changes_nothing(pair, now):
    home, college, _ = pair
    sync(home, now)
    answer_next(home, Grade.GOOD, now)
    sync(home, now)
    sync(college, now)
    before = states(college)
    report = sync(college, now + timedelta(minutes=1))
    assert not report.brought and report.written == 0 and states(college) == before
    assert unmerged_files(college) == set()


def test_a_file_cut_short_waits_until_it_is_whole(pair, now):
    home, college, folder = pair
    sync(home, now)
    [path] = list(folder.rglob("seg-*"))
    data = path.read_bytes()
    path.write_bytes(data[:100])
    report = sync(college, now)
    assert report.incomplete and report.notes_added == 0 and "still arriving" in report.summary()
    path.write_bytes(data)
    assert sync(college, now).notes_added == 30


def test_a_note_waits_for_its_deck(pair, now, tmp_path):
    """A segment naming a note whose deck is in a file not arrived yet."""
    home, college, folder = pair
    sync(home, now)
    first = sorted(folder.rglob("seg-*"))[0]
    answer_next(home, Grade.GOOD, now)
    sync(home, now)
    hidden = tmp_path / "later"
    first.rename(hidden)  # delivered out of order: only the answers are there
    report = sync(college, now)
    assert report.answers == 1 and report.notes_added == 0
    hidden.rename(first)
    report = sync(college, now)
    assert report.notes_added == 30
    assert states(home) == states(college)  # the early answer was kept and replayed


def test_a_restored_backup_gets_back_what_it_had_sent(pair, now, tmp_path):
    home, _college, _ = pair
    sync(home, now)
    backup = home.files.backup(now)
    answer_next(home, Grade.GOOD, now)
    sync(home, now)
    answered = states(home)
    home.close(backup=False)
    from flashdesk.backup import restore

    restore(home.path, backup, now)
    again = Collection.open(home.path, bundled=False)
    try:
        assert sync(again, now).answers == 1
        assert states(again) == answered
    finally:
        again.close(backup=False)


def test_a_copied_profile_writes_as_a_new_device(pair, now, tmp_path):
    import shutil

    home, _college, folder = pair
    sync(home, now)
    home.close(backup=False)
    copy = tmp_path / "copied" / "default"
    shutil.copytree(home.path.parent, copy)
    col = Collection.open(copy / "collection.db", bundled=False)
    try:
        answer_next(col, Grade.GOOD, now)
        sync(col, now)
        assert len(device_folders(profile_root(folder, "default"))) == 2
    finally:
        col.close(backup=False)


def test_media_are_stored_once_by_content(pair, now):
    home, college, folder = pair
    (home.media_dir).mkdir(exist_ok=True)
    (home.media_dir / "heat.png").write_bytes(b"\x89PNG picture")
    sync(home, now)
    assert sync(college, now).media == 1
    assert (college.media_dir / "heat.png").read_bytes() == b"\x89PNG picture"
    sync(college, now)
    assert len(list(folder.rglob("media/*"))) == 1


def test_the_folder_must_exist_and_lie_outside_the_profile(pair, tmp_path):
    home, _college, _folder = pair
    with pytest.raises(FlashdeskError):
        set_sync_folder(home, tmp_path / "missing")
    with pytest.raises(FlashdeskError):
        set_sync_folder(home, home.path.parent)
    set_sync_folder(home, None)
    assert sync_folder(home) is None and sync(home, None) is None


def test_a_folder_out_of_reach_is_one_message_and_nothing_changes(pair, now):
    home, _college, folder = pair
    folder.rename(folder.with_name("gone"))
    with pytest.raises(FlashdeskError, match="not there"):
        sync(home, now)


def test_moves_deck_settings_and_new_decks_travel(pair, now):
    home, college, _ = pair
    sync(home, now)
    sync(college, now)
    from flashdesk.formats.deckfile import parse_deck_text

    home.files.import_decks([parse_deck_text('[deck]\nid = "extra"\nname = "Extra"\n\n'
                                             '[[notes]]\nid = "x1"\nkind = "basic"\n'
                                             'front = "Q"\nback = "A"\n')])
    home.notes.move_cards(["basics/b05#0"], "extra")
    home.decks.set_limits("basics", new_limit=7)
    sync(home, now)
    report = sync(college, now)
    assert report.decks_added == 1 and report.notes_added == 1
    assert q.all_schedules(college.db)  # cards still there
    row = next(r for r in q.card_states(college.db, ["basics/b05#0"]))
    assert row["deck_id"] == "extra"
    assert q.get_deck(college.db, "basics")["new_limit"] == 7


def test_two_new_decks_with_one_name_keep_both_and_name_them_alike_everywhere(pair, now):
    home, college, _ = pair
    from flashdesk.formats.deckfile import parse_deck_text

    for col, deck_id in ((home, "one"), (college, "two")):
        col.files.import_decks([parse_deck_text(
            f'[deck]\nid = "{deck_id}"\nname = "Shared name"\n\n[[notes]]\nid = "n"\n'
            'kind = "basic"\nfront = "Q"\nback = "A"\n')])
    for col in (home, college, home, college):
        sync(col, now)
    names = [{r["id"]: r["name"] for r in q.list_decks(col.db) if r["id"] in ("one", "two")}
             for col in (home, college)]
    assert names[0] == names[1]
    assert sorted(names[0].values()) in (["Shared name", "Shared name (one)"],
                                         ["Shared name", "Shared name (two)"])
    for col in (home, college):  # the renamed one is not sent back as an edit
        assert sync(col, now).written == 0


def test_a_note_with_hostile_fields_waits_and_is_never_stored(pair, now):
    import hashlib

    import zstandard

    home, college, folder = pair
    sync(home, now)
    sync(college, now)
    payload = {"format": "flashdesk-sync-segment", "version": 1, "profile": "default",
               "device": "0123456789abcdef", "label": "<b>evil</b>", "number": 1, "created": 1,
               "log": [], "changes": [{"e": "note", "id": "basics/evil", "l": 1, "c": 0, "base": {},
                                       "set": {"alive": True, "deck": "basics", "kind": "choice",
                                               "key": "evil", "f:question": "Q",
                                               "f:options": ["only one"], "f:answer": 5}}]}
    data = zstandard.ZstdCompressor().compress(json.dumps(payload).encode())
    device = folder / "flashdesk" / "default" / "0123456789abcdef"
    device.mkdir(parents=True)
    (device / f"seg-00000001-{hashlib.sha256(data).hexdigest()[:32]}.fdsync").write_bytes(data)
    report = sync(college, now)
    assert report.waiting == 1 and q.get_note(college.db, "basics/evil") is None


def test_a_card_moved_into_a_deck_that_arrives_later_goes_there(pair, now, tmp_path):
    from flashdesk.store import transaction

    home, college, folder = pair
    sync(home, now)
    sync(college, now)
    with home._lock, transaction(home.db):
        home.decks.ensure("later", "Later", "", "", "", 0)
    sync(home, now)  # segment: the new deck
    home.notes.move_cards(["basics/b07#0"], "later")
    sync(home, now)  # segment: the move
    first, second = sorted(folder.rglob("seg-*"))[-2:]
    hidden = tmp_path / "held back"
    first.rename(hidden)  # the deck's segment arrives after the move's
    sync(college, now)
    assert q.card_states(college.db, ["basics/b07#0"])[0]["deck_id"] == "basics"
    hidden.rename(first)
    sync(college, now)
    assert q.card_states(college.db, ["basics/b07#0"])[0]["deck_id"] == "later"
