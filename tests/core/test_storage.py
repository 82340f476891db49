"""The disk says no: a read-only folder, a full disk, and very large files.
Each gets a clear message and leaves the collection as it was."""

import os
import subprocess
import sys
from contextlib import contextmanager

import pytest

from flashdesk.model import BrowseQuery
from flashdesk.store import StorageError

from .conftest import FIXTURES, NOW


@contextmanager
def read_only(folder):
    """Make ``folder`` truly read-only, even for root (immutable), else by mode."""
    locked = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
    if not locked:
        if os.geteuid() == 0:
            pytest.skip("cannot make a folder read-only for root here (no chattr)")
        folder.chmod(0o555)
    try:
        yield
    finally:
        if locked:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def cli(args, home):
    env = {**os.environ, "FLASHDESK_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "flashdesk", *args], capture_output=True,
                          text=True, env=env, cwd=home.parent, timeout=120)


def test_a_read_only_data_folder_gets_a_clear_message(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with read_only(home):
        out = cli(["decks"], home)
    assert out.returncode == 1
    assert "cannot create the profile folder" in out.stderr and "Traceback" not in out.stderr


def test_a_read_only_profile_cannot_be_written_and_says_so(tmp_path):
    home = tmp_path / "home"
    assert cli(["decks"], home).returncode == 0
    profile = home / "default"
    before = (profile / "collection.db").read_bytes()
    with read_only(profile):
        out = cli(["import", str(FIXTURES / "example.toml")], home)
    assert out.returncode == 1, out.stdout
    assert "check that you can write to" in out.stderr, out.stderr
    assert "restore" not in out.stderr  # nothing is damaged: no talk of backups
    assert "Traceback" not in out.stderr
    assert (profile / "collection.db").read_bytes() == before


def content(col):
    return {t: col.db.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall()
            for t in ("decks", "notes", "cards", "revlog")}


def test_a_full_disk_changes_nothing(col, tmp_path, now):
    col.files.import_files([FIXTURES / "example.toml"])
    before = content(col)
    pages = col.db.execute("PRAGMA page_count").fetchone()[0]
    col.db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills up now
    big = tmp_path / "big.csv"
    big.write_text("front,back\n" + "".join(f"Question {i} {'x' * 200},Answer {i}\n"
                                            for i in range(3000)), encoding="utf-8")
    with pytest.raises(StorageError, match="the disk is full. Nothing was changed."):
        col.files.import_files([big])
    assert content(col) == before
    # answers too: refused with the same message, and the card is as it was
    col.db.execute(f"PRAGMA max_page_count = {col.db.execute('PRAGMA page_count').fetchone()[0]}")
    card = col.study.next_card("example-heat", now)
    try:
        col.study.answer(card.id, 4, now)
    except StorageError as exc:
        assert "disk is full" in str(exc)
        assert col.study.card(card.id, now).state.repetitions == 0
    col.db.execute("PRAGMA max_page_count = 1073741823")
    assert col.reports.check(now).ok


def test_a_50_mb_deck_file_imports(col, tmp_path, now):
    path = tmp_path / "huge.toml"
    body = "Handle the complaint calmly and log it. " * 12
    with path.open("w", encoding="utf-8") as f:
        f.write('[deck]\nid = "huge"\nname = "Huge"\n')
        i = 0
        while f.tell() < 50 * 2**20:
            f.write(f'\n[[notes]]\nid = "n{i}"\nkind = "basic"\nfront = "Q{i} {body}"\n'
                    f'back = "A{i} {body}"\n')
            i += 1
    [report] = col.files.import_files([path])
    assert report.added == i > 50_000
    assert col.reports.stats(now, "huge").total == i


def test_a_csv_with_a_10_mb_line_is_refused_naming_the_line(col, tmp_path):
    from flashdesk.cards import MAX_FIELD_CHARS
    from flashdesk.formats import DeckFileError

    path = tmp_path / "long.csv"
    long_text = "very long answer " * (10 * 2**20 // 17)
    path.write_text(f'front,back\nshort question,"{long_text}"\nsecond,two\n', encoding="utf-8")
    before = content(col)
    with pytest.raises(DeckFileError, match=f"{path}:2: refused: field 'back' of this row is "
                                            "too long: 10,485,752 characters"):
        col.files.import_files([path])
    assert content(col) == before
    longest = "x" * MAX_FIELD_CHARS  # the largest field a file may bring in
    path.write_text(f'front,back\nshort question,"{longest}"\nsecond,two\n', encoding="utf-8")
    [report] = col.files.import_files([path])
    assert report.added == 2
    [card] = col.notes.browse(BrowseQuery(text="short question"), NOW)
    _, fields = col.notes.get(card.split("#")[0])
    assert fields["back"] == longest
