"""What the window's list of backups shows of each: whether a restore would
take it (the same check ``restore`` makes), its cards and its size."""

import pytest

from flashdesk.backup import inspect_backup
from flashdesk.store.copies import count_cards
from flashdesk.text import file_size

from .conftest import FIXTURES, NOW


def test_a_sound_backup_is_counted_and_sized(col):
    col.files.import_files([FIXTURES / "example.toml"])
    backup = col.files.backup(NOW)
    check = inspect_backup(backup)
    assert check.sound and check.problem is None
    assert check.cards == count_cards(col.path) and check.cards > 0
    assert check.size == backup.stat().st_size
    assert sorted(p.name for p in backup.parent.iterdir()) == [backup.name]  # nothing made beside


def test_a_damaged_backup_says_why_and_is_not_counted(col):
    backup = col.files.backup(NOW)
    with backup.open("r+b") as f:
        f.seek(4096)
        f.write(b"\xff" * 4096)
    check = inspect_backup(backup)
    assert not check.sound and check.problem.startswith("it ")
    assert check.cards is None and check.size == backup.stat().st_size


def test_a_missing_or_foreign_file_is_no_backup(tmp_path):
    assert inspect_backup(tmp_path / "gone.db").problem == "no such file"
    other = tmp_path / "other.db"
    other.write_bytes(b"not a database at all" * 10)
    assert inspect_backup(other).problem == "not an SQLite database"
    assert count_cards(other) is None


@pytest.mark.parametrize("size, text", [
    (0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (1000, "1.0 KB"), (48_213, "48 KB"),
    (999_499, "999 KB"), (999_500, "1.0 MB"), (3_200_000, "3.2 MB"), (12 * 10**9, "12 GB"),
])
def test_file_sizes_read_as_people_say_them(size, text):
    assert file_size(size) == text



def test_a_whole_collection_zip_is_not_restored_as_it_is_and_says_how(col, tmp_path):
    """`flashdesk restore all.zip`: the export of everything is a zip, not a
    collection; the refusal says how to use it, and nothing changes."""
    from flashdesk.backup import restore
    from flashdesk.model import FlashdeskError

    col.files.import_files([FIXTURES / "example.toml"])
    archive = col.files.archive(tmp_path / "all.zip")
    before = col.path.read_bytes()
    with pytest.raises(FlashdeskError) as refused:
        restore(col.path, archive, NOW, wait=0)
    message = str(refused.value)
    assert "whole-collection export" in message and "unzip it, restore the collection.db" \
        in message and message.endswith("nothing was changed")
    assert col.path.read_bytes() == before
