"""Deck files: the validator's messages, all-or-nothing imports and
re-imports that keep progress."""

import shutil
from pathlib import Path

import pytest

from flashdesk.cards import card_ords

from flashdesk.backup import list_backups, restore
from flashdesk.collection import Collection, Cancelled
from flashdesk.collection.files import FileManager
from flashdesk.formats import DeckFileError, read_deck_file
from flashdesk.model import FlashdeskError
from flashdesk.store import NotACollectionError, StorageError

from .conftest import FIXTURES

GOOD = 4

HEADER = '[deck]\nid = "t"\nname = "T"\n'


def problems_of(tmp_path, text, name="deck.toml", raw=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(DeckFileError) as info:
        read_deck_file(path)
    return [str(p) for p in info.value.problems], path


def test_example_deck_from_the_docs_is_valid():
    deck = read_deck_file(FIXTURES / "example.toml")
    assert deck.id == "example-heat" and len(deck.notes) == 5
    assert [n.kind.value for n in deck.notes] == ["basic", "cloze", "choice", "order", "scenario"]
    assert sum(len(card_ords(n.kind, n.fields)) for n in deck.notes) == 7


def test_malformed_toml_names_file_and_line(tmp_path):
    msgs, path = problems_of(tmp_path, HEADER + '\n[[notes]]\nid = "a"\nkind = "basic"\nfront = "x\n')
    assert len(msgs) == 1
    assert msgs[0].startswith(f"{path}:8: not valid TOML")


def test_unknown_kind_names_note_field_and_line(tmp_path):
    msgs, path = problems_of(tmp_path, HEADER + '\n[[notes]]\nid = "a"\nkind = "flip"\nfront = "x"\n')
    assert msgs == [f"{path}:7: note 1 (id 'a'): field 'kind': unknown card kind 'flip'; "
                    "use one of basic, cloze, choice, order, scenario, typed"]


def test_duplicate_note_id(tmp_path):
    note = '\n[[notes]]\nid = "a"\nkind = "basic"\nfront = "x"\nback = "y"\n'
    msgs, path = problems_of(tmp_path, HEADER + note + note)
    assert msgs == [f"{path}:12: note 2 (id 'a'): duplicate note id, first used by note 1"]


def test_missing_field(tmp_path):
    msgs, path = problems_of(tmp_path, HEADER + '\n[[notes]]\nid = "a"\nkind = "basic"\nfront = "x"\n')
    assert msgs == [f"{path}:5: note 1 (id 'a'): field 'back': required for a basic note"]


def test_misspelt_field_and_bad_choice_answer(tmp_path):
    text = HEADER + ('\n[[notes]]\nid = "c"\nkind = "choice"\nquestion = "q"\n'
                     'options = ["a", "b"]\nanswer = 3\nexplanaton = "typo"\n')
    msgs, path = problems_of(tmp_path, text)
    assert f"{path}:11: note 1 (id 'c'): field 'explanaton': not a field of a choice note" in msgs[0]
    assert msgs[1] == f"{path}:10: note 1 (id 'c'): field 'answer': must be between 1 and 2, the number of options"


def test_missing_deck_table(tmp_path):
    msgs, path = problems_of(tmp_path, '[[notes]]\nid = "a"\n')
    assert msgs == [f"{path}:1: missing the [deck] table with the deck's id and name"]


def test_non_utf8_file(tmp_path):
    raw = (HEADER + '\n[[notes]]\nid = "a"\nkind = "basic"\nfront = "caf').encode() + b"\xe9\"\n"
    msgs, path = problems_of(tmp_path, None, raw=raw)
    assert msgs == [f"{path}:8: not UTF-8 text (byte 0xe9); save the file as UTF-8"]


def test_unreadable_file(tmp_path):
    with pytest.raises(DeckFileError) as info:
        read_deck_file(tmp_path / "nope.toml")
    assert str(info.value).startswith(f"{tmp_path / 'nope.toml'}: cannot read the file")


def test_html_is_sanitised_on_read(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(HEADER + '\n[[notes]]\nid = "a"\nkind = "basic"\n'
                    'front = "<b>Hi</b><script>alert(1)</script><img src=\'http://x/y.png\'>"\n'
                    'back = "<i onclick=\'x()\'>there</i>"\n', encoding="utf-8")
    note = read_deck_file(path).notes[0]
    assert note.fields == {"front": "<b>Hi</b>", "back": "<i>there</i>"}


def test_a_bad_file_imports_nothing_even_beside_a_good_one(col, tmp_path, now):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEADER + '\n[[notes]]\nid = "a"\nkind = "nope"\n', encoding="utf-8")
    before = col.db.execute("SELECT count(*) FROM notes").fetchone()[0]
    with pytest.raises(DeckFileError):
        col.files.import_files([FIXTURES / "example.toml", bad])
    assert col.db.execute("SELECT count(*) FROM notes").fetchone()[0] == before
    assert col.decks.summaries(now) == []


def test_cancelled_import_changes_nothing(col, now):
    with pytest.raises(Cancelled):
        col.files.import_files([FIXTURES / "example.toml"], progress=lambda done, total: False)
    assert col.decks.summaries(now) == []


def test_reimport_updates_text_and_keeps_progress(col, tmp_path, now):
    path = tmp_path / "heat.toml"
    shutil.copy(FIXTURES / "example.toml", path)
    col.files.import_files([path])
    studied = []
    while (card := col.study.next_card("example-heat", now)) is not None:
        col.study.answer(card.id, GOOD, now)
        studied.append(card.id)
    states = {cid: col.study.card(cid, now) for cid in studied}

    text = path.read_text(encoding="utf-8")
    text = text.replace("Hear, Empathise, Apologise, Take ownership",
                        "Hear, Empathise, Apologise, Take ownership (HEAT)")
    text = text.replace('[[notes]]\nid = "heat-order"', '[[notes]]\nid = "heat-new"\nkind = "basic"\n'
                        'front = "New?"\nback = "Yes"\n\n[[notes]]\nid = "heat-order"')
    # drop the scenario note from the file
    text = text[: text.index('[[notes]]\nid = "heat-phone-scenario"')]
    path.write_text(text, encoding="utf-8")
    [report] = col.files.import_files([path])
    assert (report.added, report.updated, report.unchanged) == (1, 1, 3)
    assert report.missing == ["example-heat/heat-phone-scenario"]
    for cid, before in states.items():
        after = col.study.card(cid, now)
        assert (after.state, after.due_day, after.queue) == (before.state, before.due_day, before.queue)
    assert col.study.card("example-heat/heat-letters#0", now).fields["back"].endswith("(HEAT)")
    # the missing note is kept with its progress
    assert col.study.card("example-heat/heat-phone-scenario#0", now).state.repetitions == 1
    # importing the same file again changes nothing
    [again] = col.files.import_files([path])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)


def test_deck_name_clash_is_refused(col, tmp_path):
    col.files.import_files([FIXTURES / "example.toml"])
    other = tmp_path / "other.toml"
    other.write_text('[deck]\nid = "other"\nname = "Example::HEAT model"\n', encoding="utf-8")
    with pytest.raises(FlashdeskError, match="already used by deck 'example-heat'"):
        col.files.import_files([other])


def test_bundled_decks_are_imported_on_first_open(tmp_path, now):
    with Collection.open(tmp_path / "p" / "collection.db") as col:
        rows = col.decks.summaries(now)
        assert rows and sum(r.total for r in rows if r.depth == 0) > 0
        assert col.files.sync_bundled() is None  # unchanged: nothing imported again


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "collection.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(NotACollectionError, match="is not a flashdesk collection"):
        Collection.open(path)
    assert path.read_bytes() == b"this is not a database at all" * 100


def test_another_sqlite_database_is_refused_and_left_alone(tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE t(x)")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    with pytest.raises(NotACollectionError, match="an SQLite database but not a flashdesk"):
        Collection.open(path)
    assert path.read_bytes() == before


def test_a_newer_schema_is_refused(col_path):
    Collection.open(col_path, bundled=False).close()
    import sqlite3

    raw = sqlite3.connect(col_path)
    raw.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                "VALUES ('flashdesk', 'm999_future', 'x')")
    raw.commit()
    raw.close()
    with pytest.raises(NotACollectionError, match="newer flashdesk"):
        Collection.open(col_path, bundled=False)


def test_migrations_apply_to_a_fresh_database_and_are_recorded(col):
    from flashdesk.store.schema import migrations

    applied = [m.name for m in migrations.applied(col.db)]
    assert applied == [m.name for m in migrations.pending.__self__._migrations]
    assert migrations.pending(col.db) == []
    assert col.db.execute("PRAGMA application_id").fetchone()[0] == 0x4644534B


def test_a_note_deleted_while_its_unchanged_file_was_read_stops_the_import(col, tmp_path, now,
                                                                              monkeypatch):
    """A re-import skips the rows it imported before; if one of their notes
    goes between the read and the import, the import says so and changes
    nothing."""
    from flashdesk.collection.files import FileManager
    from flashdesk.store import queries as q

    path = tmp_path / "class.csv"
    path.write_text("front,back,deck\nQ1,A1,Class\nQ2,A2,Class\nQ3,A3,Other\n", encoding="utf-8")
    col.files.import_files([path], now=now)
    again = col.files.import_files([path], now=now)
    assert sum(r.unchanged for r in again) == 3  # the rows were known: not read again
    victim = q.note_ids_in_deck(col.db, col.decks.id_for("", "Class"))[0]
    read = FileManager._read

    state = "SELECT count(*), total(checksum), (SELECT count(*) FROM cards) FROM notes"
    before = []

    def read_then_delete(self, paths, deck_name=None):
        results = read(self, paths, deck_name)
        col.notes.delete([victim], now)
        before.append(col.db.execute(state).fetchone())
        return results

    monkeypatch.setattr(FileManager, "_read", read_then_delete)
    with pytest.raises(FlashdeskError, match="changed while the file was read"):
        col.files.import_files([path], now=now)
    assert before[0][0] == 2 and col.db.execute(state).fetchone() == before[0]


def test_two_files_that_feed_one_deck_prune_only_what_neither_has(col, tmp_path, now):
    """Found by a new-user pass: each file's prune removed the other file's
    notes (studied ones included, their progress lost)."""
    a, b = tmp_path / "partA.csv", tmp_path / "partB.csv"
    a.write_text("front,back,deck\nA1,a,Split\nA2,a,Split\n", encoding="utf-8")
    b.write_text("front,back,deck\nB1,b,Split\nB2,b,Split\n", encoding="utf-8")
    col.files.import_files([a, b], now=now)
    step = col.study.step(None, now)
    while step is not None:
        step = col.study.answer(step.card.id, GOOD, now).next
    # unchanged files, pruned: nothing is missing, nothing removed
    reports = col.files.import_files([a, b], prune=True, now=now)
    assert [(r.unchanged, r.missing, r.removed) for r in reports] == [(2, [], 0), (2, [], 0)]
    b.write_text("front,back,deck\nB1,b changed,Split\nB2,b changed,Split\nB3,new,Split\n",
                 encoding="utf-8")
    reports = col.files.import_files([a, b], prune=True, now=now)
    assert [(r.added, r.updated, r.unchanged, r.removed) for r in reports] == \
        [(0, 0, 2, 0), (1, 2, 0, 0)]
    states = dict(col.db.execute(
        "SELECT json_extract(n.fields, '$.front'), c.type FROM cards c JOIN notes n "
        "ON n.nid = c.nid").fetchall())
    assert states == {"A1": 2, "A2": 2, "B1": 2, "B2": 2, "B3": 0}  # progress kept
    # a row gone from one file is missing, and pruned, once
    a.write_text("front,back,deck\nA1,a,Split\n", encoding="utf-8")
    reports = col.files.import_files([a, b], prune=True, now=now)
    assert sum(r.removed for r in reports) == 1 and "A2" not in str(
        col.db.execute("SELECT group_concat(fields) FROM notes").fetchone()[0])


# -- removing the notes a file no longer has (prune) ------------------------------------------

def _sheet(path, rows):
    """A tutor's spreadsheet: rows of (id, deck, front)."""
    path.write_text("id,deck,front,back\n" + "".join(f"{i},{d},{f},an answer\n"
                                                     for i, d, f in rows), encoding="utf-8")
    return path


UNIT = [(f"q{i}", "Course::Unit 2", f"What is step {i}?") for i in range(1, 7)]


def _study(col, now, fronts):
    """Answer Good to the card of each note whose front is in ``fronts``."""
    ids = dict(col.db.execute("SELECT sort_text, id FROM notes"))
    for front in fronts:
        [card] = col.notes.card_ids(ids[front])
        col.study.answer(card, GOOD, now)


def test_the_prune_plan_is_a_dry_run_of_the_imports_own_rule(col, tmp_path, now):
    """The question asked before a pruning import counts what the import will
    remove – by the import's own code, changing nothing."""
    v1 = _sheet(tmp_path / "v1.csv", UNIT + [("m1", "Course::Unit 1", "Moved")])
    col.files.import_files([v1], now=now)
    _study(col, now, ["What is step 2?", "What is step 3?", "What is step 6?"])
    # v2 drops q3 (studied) and q5 (never studied), and moves m1 into Unit 2
    v2 = _sheet(tmp_path / "v2.csv", [r for r in UNIT if r[0] not in ("q3", "q5")]
                + [("m1", "Course::Unit 2", "Moved")])
    changes = col.db.conn.total_changes
    assert not col.files.prune_plan([v1])  # nothing gone: nothing to remove
    plan = col.files.prune_plan([v2])
    assert col.db.conn.total_changes == changes  # read only
    assert [(n.front, n.cards, n.studied) for n in plan.notes] == [
        ("What is step 3?", 1, 1), ("What is step 5?", 1, 0)]  # progress first
    assert (plan.cards, plan.studied, plan.decks) == (2, 1, ["course-unit-2"])

    [report] = col.files.import_files([v2], prune=True, now=now)
    assert report.removed_notes == list(plan.notes) and report.moved == 1
    assert report.messages[0] == ("Removed 2 notes no longer in the file, and with them the "
                                  "progress of 1 studied card: “\u2068What is step 3?\u2069” "
                                  "and “\u2068What is step 5?\u2069”.")


def test_a_prune_that_removes_progress_backs_up_first_and_restore_brings_it_back(
        col_path, tmp_path, now):
    col = Collection.open(col_path, bundled=False)
    v1 = _sheet(tmp_path / "v1.csv", UNIT)
    col.files.import_files([v1], now=now)
    _study(col, now, [front for _, _, front in UNIT])
    [card] = col.notes.card_ids(dict(col.db.execute("SELECT sort_text, id FROM notes"))[
        "What is step 3?"])
    [report] = col.files.import_files(
        [_sheet(tmp_path / "v2.csv", [r for r in UNIT if r[0] != "q3"])], prune=True, now=now)
    backup = Path(report.backup)
    assert [b.path for b in list_backups(col_path)] == [backup]
    assert report.messages[1] == (
        f"Backed up first, to {backup}: to get that progress back, choose it in File › "
        f'Restore from a backup…, or close flashdesk and run `flashdesk restore "{backup}"`; '
        "either puts the collection back as it was just before this import.")
    col.close(backup=False)

    restore(col_path, backup, now)
    with Collection.open(col_path, bundled=False, backups=False) as col:
        assert col.study.card(card, now).state.repetitions == 1  # its progress is back
        assert col.reports.check(now).ok


def test_a_prune_of_notes_never_studied_takes_no_backup(col, col_path, tmp_path, now):
    col.files.import_files([_sheet(tmp_path / "v1.csv", UNIT)], now=now)
    _study(col, now, ["What is step 1?"])
    [report] = col.files.import_files(
        [_sheet(tmp_path / "v2.csv", [r for r in UNIT if r[0] != "q3"])], prune=True, now=now)
    assert (report.removed, report.backup, list_backups(col_path)) == (1, "", [])
    assert report.messages == ["Removed 1 note no longer in the file (never studied): "
                               "“\u2068What is step 3?\u2069”."]


def test_a_prune_whose_backup_fails_imports_nothing(col, tmp_path, now, monkeypatch):
    col.files.import_files([_sheet(tmp_path / "v1.csv", UNIT)], now=now)
    _study(col, now, ["What is step 3?"])

    def full(self, when, **_):
        raise StorageError("cannot back up into …: the disk is full. Nothing was changed.")

    monkeypatch.setattr(FileManager, "backup", full)
    v2 = _sheet(tmp_path / "v2.csv", [r for r in UNIT if r[0] != "q3"] + [("q7", UNIT[0][1], "New")])
    with pytest.raises(StorageError, match="disk is full"):
        col.files.import_files([v2], prune=True, now=now)
    assert col.db.execute("SELECT count(*) FROM notes").fetchone()[0] == 6
