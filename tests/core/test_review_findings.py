"""Edge cases found by an independent review: each was a real bug."""

import sqlite3
import zipfile
from datetime import timedelta

import pytest

from flashdesk.backup import restore
from flashdesk.collection import Collection
from flashdesk.formats import DeckFileError
from flashdesk.model import FlashdeskError, Queue

from .conftest import FIXTURES, NOW

AGAIN, HARD, GOOD = 1, 3, 4


def test_restoring_a_mistyped_backup_changes_nothing(col_path, tmp_path):
    Collection.open(col_path, bundled=False, backups=False).close()
    before = col_path.read_bytes()
    missing = tmp_path / "no-such-backup.db"
    with pytest.raises(FlashdeskError, match="no such file; nothing was changed"):
        restore(col_path, missing, NOW)
    assert not missing.exists() and col_path.read_bytes() == before
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(FlashdeskError, match="not a flashdesk collection"):
        restore(col_path, other, NOW)
    assert col_path.read_bytes() == before


def test_a_package_with_damaged_compressed_data_is_refused(example, tmp_path):
    src = FIXTURES / "import" / "genanki.apkg"
    path = tmp_path / "damaged.apkg"
    path.write_bytes(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("collection.anki2")
    if info.compress_type != zipfile.ZIP_DEFLATED:  # genanki deflates; make sure of it
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for name in zin.namelist():
                zout.writestr(name, zin.read(name))
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("collection.anki2")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 10, start + 60):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DeckFileError, match="damaged.apkg"):
        example.files.import_files([path])


def test_duplicate_guids_in_a_package_are_skipped_not_fatal(col, tmp_path):
    with zipfile.ZipFile(FIXTURES / "import" / "genanki.apkg") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    db = tmp_path / "c.anki2"
    db.write_bytes(members["collection.anki2"])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE notes SET guid = 'same!'")
    conn.commit()
    conn.close()
    members["collection.anki2"] = db.read_bytes()
    path = tmp_path / "dupes.apkg"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    [report] = col.files.import_files([path])
    assert report.added == 1 and len(report.skipped) == 2
    assert "same note id (guid)" in report.skipped[0]


def test_undo_keeps_tags_added_since_the_answer(example, col_path, now):
    card = example.study.next_card("example-heat", now)
    example.study.answer(card.id, GOOD, now)
    with Collection.open(col_path, bundled=False, backups=False) as other:  # another process
        other.notes.change_tags([card.note_id], add=["exam"])
    assert example.undo.undo(now).name == "Answer"
    assert "exam" in example.study.card(card.id, now).tags


def test_deleted_then_reimported_notes_start_fresh_and_agree_with_the_log(example, now):
    card = example.study.next_card("example-heat", now)
    example.study.answer(card.id, GOOD, now)
    example.notes.delete([card.note_id], now)
    assert example.reports.check(now).ok
    with pytest.raises(FlashdeskError):  # once re-imported, the old copy cannot come back
        example.files.import_files([FIXTURES / "example.toml"])
        example.undo.undo(now)
    assert example.study.card(card.id, now).state.repetitions == 0
    assert example.reports.check(now).ok


def test_undelete_brings_progress_back_and_the_log_agrees(example, now):
    card = example.study.next_card("example-heat", now)
    example.study.answer(card.id, GOOD, now)
    example.notes.delete([card.note_id], now)
    example.undo.undo(now)
    assert example.study.card(card.id, now).state.repetitions == 1
    assert example.reports.check(now).ok


def test_pruned_notes_come_back_fresh_and_agree_with_the_log(example, tmp_path, now):
    card = example.study.next_card("example-heat", now)
    example.study.answer(card.id, GOOD, now)
    text = (FIXTURES / "example.toml").read_text(encoding="utf-8")
    cut = tmp_path / "cut.toml"
    cut.write_text(text[: text.index('[[notes]]\nid = "heat-empathise"')], encoding="utf-8")
    example.files.import_files([cut], prune=True)
    example.files.import_files([FIXTURES / "example.toml"])
    assert example.reports.check(now).ok


def test_unsuspending_during_a_redrill_keeps_the_redrill(example, now):
    card = example.study.next_card("example-heat", now)
    example.study.answer(card.id, AGAIN, now)
    example.study.suspend([card.id], now)
    example.study.unsuspend([card.id], now)
    assert example.study.card(card.id, now).queue == Queue.LEARNING
    assert example.reports.check(now).ok


def test_burying_a_suspended_card_keeps_it_suspended(example, now):
    card = example.study.next_card("example-heat", now)
    example.study.suspend([card.id], now)
    example.study.bury([card.id], now)
    assert example.study.card(card.id, now + timedelta(days=1)).queue == Queue.SUSPENDED
