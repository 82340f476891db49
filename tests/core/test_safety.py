"""Never lose progress around the answer path: restore, backups, export and
media through crashes, damage, full disks and clock jumps. One test (at
least) per numbered case of issue 11, named after it; the long crash runs
are in test_crash_restore.py."""

import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from flashdesk import cli as cli_module
from flashdesk.backup import (
    Backup, ProfileInUseError, choose_kept, list_backups, newest_good_backup, restore,
)
from flashdesk.collection import Collection
from flashdesk.collection.importer import safe_media_name
from flashdesk.model import FlashdeskError
from flashdesk.store import NotACollectionError, StorageError
from flashdesk.store.database import DamagedCollectionError, check_backup
from flashdesk.store.lock import LockMode, ProfileLock

from .conftest import FIXTURES, NOW
from .crashkit import (
    FAULT_EXIT, answer, apkg_with_media, assert_sound, cli, kept_files, log_ids, make_profile,
    stray_files,
)

GOOD = 4


def study(col, count, now=NOW):
    ids = []
    for _ in range(count):
        card = col.study.next_card(None, now)
        assert card is not None
        ids.append(col.study.answer(card.id, GOOD, now).result.log_id)
    return ids


def damage_table(path: Path, table: str) -> None:
    """Overwrite the first page of ``table`` (its root) with garbage."""
    conn = sqlite3.connect(path)
    root, size = conn.execute("SELECT rootpage, (SELECT page_size FROM pragma_page_size) "
                              "FROM sqlite_master WHERE name = ?", [table]).fetchone()
    conn.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * size)
        f.write(bytes([0x5A]) * size)


def damage_pages(path: Path, share: float = 0.5) -> None:
    """Overwrite pages in the middle of the file (the header stays intact)."""
    data = bytearray(path.read_bytes())
    page = 4096
    pages = len(data) // page
    start = max(2, int(pages * (0.5 - share / 2)))
    for p in range(start, min(pages, start + max(1, int(pages * share)))):
        data[p * page:(p + 1) * page] = bytes([0x5A]) * page
    path.write_bytes(bytes(data))


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


# -- 1. two restores in the same second ------------------------------------------------------

def test_case01_two_restores_in_the_same_second_keep_two_files(home):
    path = make_profile(home)
    with Collection.open(path, bundled=False, backups=False) as col:
        backup = col.files.backup(NOW)
        first = study(col, 3)
    kept1 = restore(path, backup, NOW)
    with Collection.open(path, bundled=False, backups=False) as col:
        second = study(col, 3)
    kept2 = restore(path, backup, NOW)  # the very same moment
    assert kept1 != kept2 and kept1.exists() and kept2.exists()
    assert set(first) <= log_ids(kept1) and set(second) <= log_ids(kept2)
    assert stray_files(path.parent) == []


def test_case01_two_restore_commands_at_once_lose_nothing(home):
    path = make_profile(home)
    with Collection.open(path, bundled=False, backups=False) as col:
        col.files.backup(NOW)
    saved = answer(path, 3, seed=1, kill=False)
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-m", "flashdesk", "--data-dir", str(home),
                               "--profile", "p", "restore"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=home.parent)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 1]), outs
    for (out, err), p in zip(outs, procs):
        assert "Traceback" not in err
        if p.returncode:
            assert "open in another flashdesk" in err
    kept = kept_files(path.parent)
    assert len(kept) == codes.count(0) and len(set(kept)) == len(kept)
    assert_sound(home, saved)


# -- 2. a crash between moving the collection and its -wal ------------------------------------

@pytest.mark.parametrize("point", ["restore:moved-wal"])  # every step: test_crash_restore.py
def test_case02_a_crash_mid_move_never_replays_the_old_log_onto_the_backup(home, point):
    path = make_profile(home)
    with Collection.open(path, bundled=False, backups=False) as col:
        backup = col.files.backup(NOW)
    in_wal = answer(path, 40, seed=2)  # killed: the 40 answers are in collection.db-wal
    assert Path(f"{path}-wal").stat().st_size > 0
    assert cli(home, "restore", fault=point).returncode == FAULT_EXIT
    out = cli(home, "restore", str(backup))  # the next restore finishes the first, then runs
    assert out.returncode == 0, out.stderr
    assert "Restored" in out.stdout
    live = assert_sound(home, in_wal)
    assert live == log_ids(backup)  # the backup, and nothing of the old log
    first_kept = kept_files(path.parent)[0]
    assert in_wal <= log_ids(first_kept)  # the kept file has its 40 answers


# -- 3. a crash while the backup is copied in --------------------------------------------------

@pytest.mark.parametrize("point", ["restore:copying"])  # every step: test_crash_restore.py
def test_case03_a_crash_while_copying_leaves_the_collection_in_place(home, point):
    path = make_profile(home)
    with Collection.open(path, bundled=False, backups=False) as col:
        col.files.backup(NOW)
    saved = answer(path, 10, seed=3)
    assert cli(home, "restore", fault=point).returncode == FAULT_EXIT
    assert path.exists()
    out = cli(home, "decks")
    assert out.returncode == 0 and "undone" in out.stderr, out.stderr
    assert "example" in out.stdout  # the old collection, not a new empty one
    assert saved <= assert_sound(home, saved)
    assert kept_files(path.parent) == []


# -- 4. restore while the profile is open ----------------------------------------------------

def test_case04_restore_is_refused_while_a_terminal_review_has_the_profile(home):
    import subprocess
    import sys

    path = make_profile(home)
    with Collection.open(path, bundled=False, backups=False) as col:
        col.files.backup(NOW)
    review = subprocess.Popen([sys.executable, "-m", "flashdesk", "--data-dir", str(home),
                               "--profile", "p", "review", "basics"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=home.parent)
    try:
        assert "Enter shows the answer" in review.stdout.readline()
        before = path.read_bytes()
        out = cli(home, "restore")
        assert out.returncode == 1 and "open in another flashdesk" in out.stderr, out.stderr
        assert "Traceback" not in out.stderr and kept_files(path.parent) == []
        out_text, err = review.communicate("\n3\n" * 5 + "q\n", timeout=120)
    finally:
        if review.poll() is None:
            review.kill()
    assert review.returncode == 0, err
    assert path.read_bytes() != before or Path(f"{path}-wal").exists() or True
    with Collection.open(path, bundled=False, backups=False) as col:  # the answers are live
        assert col.reports.stats(NOW).reviews_today >= 0
        assert col.db.execute("SELECT count(*) FROM revlog").fetchone()[0] == 5


def test_case04_the_window_and_a_terminal_share_the_profile_restore_waits_for_neither(col_path):
    a = Collection.open(col_path, bundled=False, backups=False)
    b = Collection.open(col_path, bundled=False, backups=False)  # side by side: shared
    backup = a.files.backup(NOW)
    with pytest.raises(ProfileInUseError, match="open in another flashdesk"):
        restore(col_path, backup, NOW, wait=0.1)
    a.close()
    with pytest.raises(ProfileInUseError):
        restore(col_path, backup, NOW, wait=0.1)
    b.close()
    assert restore(col_path, backup, NOW) is not None


def test_case04_the_profile_lock_is_shared_or_exclusive(tmp_path):
    one, two, ex = ProfileLock(tmp_path), ProfileLock(tmp_path), ProfileLock(tmp_path)
    assert one.try_acquire(LockMode.SHARED) and two.try_acquire(LockMode.SHARED)
    assert not ex.try_acquire(LockMode.EXCLUSIVE)
    one.release()
    two.release()
    assert ex.try_acquire(LockMode.EXCLUSIVE)
    assert not one.try_acquire(LockMode.SHARED)
    ex.release()
    assert one.acquire(LockMode.SHARED, 0.1)
    one.release()


# -- 5. restoring the live file ---------------------------------------------------------------

@pytest.mark.parametrize("which", ["", "-wal", "link"])
def test_case05_restoring_the_live_file_is_refused_before_anything(home, which):
    path = make_profile(home)
    saved = answer(path, 5, seed=5, kill=False)
    target = Path(f"{path}{which}") if which != "link" else home / "alias.db"
    if which == "link":
        os.symlink(path, target)
    if which == "-wal":
        target.write_bytes(b"")
    before = path.read_bytes()
    out = cli(home, "restore", str(target))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "that is the collection itself" in out.stderr
    assert path.read_bytes() == before and kept_files(path.parent) == []
    if which == "-wal":
        target.unlink()
    assert_sound(home, saved)


# -- 6. damaged pages --------------------------------------------------------------------------

def test_case06_damaged_pages_get_one_message_and_no_backup(home):
    out = cli(home, "backup")  # a good backup, with the bundled decks
    assert out.returncode == 0
    path = home / "p" / "collection.db"
    good = list_backups(path)[0]
    damage_pages(path)
    damaged = path.read_bytes()
    for command in (["decks"], ["stats"], ["review"], ["check"], ["backup"]):
        out = cli(home, *command, stdin="q\n")
        assert out.returncode == 1, (command, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
        assert out.stderr.count("is damaged") == 1, (command, out.stderr)
        assert str(path) in out.stderr and good.path.name in out.stderr
        assert "flashdesk restore" in out.stderr
        assert len(list_backups(path)) == 1  # a damaged file is never backed up
        assert path.read_bytes() == damaged


def test_case06_restore_falls_back_to_the_newest_good_backup(home):
    assert cli(home, "backup").returncode == 0
    assert cli(home, "backup").returncode == 0
    path = home / "p" / "collection.db"
    bad, good = list_backups(path)
    damage_pages(bad.path)  # the newer backup was damaged on the disk
    bad = bad.path
    damage_pages(path)
    out = cli(home, "restore")
    assert out.returncode == 0, out.stderr
    assert f"Skipped {bad.name}" in out.stdout and good.path.name in out.stdout
    assert check_backup(path) is None
    assert cli(home, "check").returncode == 0


def test_case06_twelve_daily_opens_of_a_damaged_file_keep_the_good_backup(col_path):
    with Collection.open(col_path, bundled=False, backups=False) as col:
        col.files.import_files([FIXTURES / "basics.toml"])
        good = col.files.backup(NOW)
    damage_table(col_path, "cards")
    for day in range(1, 13):
        col = Collection.open(col_path, bundled=False)
        with pytest.raises(DamagedCollectionError, match="not backed up"):
            col.files.backup(NOW + timedelta(days=day))
        with pytest.raises(DamagedCollectionError):
            col.close()  # the automatic backup: refused, and said
    assert [b.path for b in list_backups(col_path)] == [good]
    assert newest_good_backup(col_path).path == good


def test_case06_rotation_never_deletes_the_newest_good_backup(col_path):
    with Collection.open(col_path, bundled=False, backups=False) as col:
        col.set_setting("backup_keep", 1)
        col.set_setting("backup_weeks", 0)
        made = [col.files.backup(NOW + timedelta(days=d)) for d in range(4)]
    assert [b.path for b in list_backups(col_path)] == [made[-1]]


# -- 7. a zero-byte collection -----------------------------------------------------------------

def test_case07_a_zero_byte_collection_is_refused_and_the_backups_stay(home):
    assert cli(home, "backup").returncode == 0
    path = home / "p" / "collection.db"
    backups = list_backups(path)
    path.write_bytes(b"")
    for command in ("decks", "review", "backup"):
        out = cli(home, command, stdin="q\n")
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert "is empty (0 bytes)" in out.stderr and str(path) in out.stderr
        assert backups[0].path.name in out.stderr and "flashdesk restore" in out.stderr
        assert path.stat().st_size == 0  # no new collection in its place
        assert list_backups(path) == backups
    assert cli(home, "restore").returncode == 0
    assert cli(home, "decks").returncode == 0


def test_case07_a_missing_collection_beside_its_backups_is_not_replaced(home):
    assert cli(home, "backup").returncode == 0
    path = home / "p" / "collection.db"
    path.unlink()
    out = cli(home, "decks")
    assert out.returncode == 1 and "is missing" in out.stderr and "flashdesk restore" in out.stderr
    assert not path.exists()


# -- 8. the clock a year ahead, then corrected ----------------------------------------------------

def test_case08_a_year_ahead_then_corrected_keeps_the_new_backups(col_path):
    ahead = NOW + timedelta(days=365)
    with Collection.open(col_path, bundled=False, backups=False) as col:
        col.files.import_files([FIXTURES / "basics.toml"])
        for d in range(12):  # twelve days with the clock a year ahead
            col.files.backup(ahead + timedelta(days=d))
        made = []
        for d in range(1, 4):  # corrected
            study(col, 1, NOW + timedelta(days=d))
            made.append(col.files.backup(NOW + timedelta(days=d)))
            assert made[-1].exists()  # never deleted at once
        assert list_backups(col_path)[0].path == made[-1]  # "latest" is the last made
        assert set(made) <= {b.path for b in list_backups(col_path)}
        # the automatic daily backup is not put off for a year
        assert col.files.backup(NOW + timedelta(days=4), only_if_older_than_hours=24) is not None
        assert col.files.backup(NOW + timedelta(days=4, hours=1),
                                only_if_older_than_hours=24) is None


def test_case08_the_command_line_backs_up_and_restores_the_last_made(home, monkeypatch, capsys):
    ahead = NOW + timedelta(days=365)
    args = ["--data-dir", str(home), "--profile", "p"]
    monkeypatch.setattr(cli_module, "now", lambda: ahead)
    for _ in range(3):
        assert cli_module.main([*args, "backup"]) == 0
    monkeypatch.setattr(cli_module, "now", lambda: NOW)
    assert cli_module.main([*args, "backup"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1].removeprefix("Backed up to ")
    assert Path(printed).exists()  # not deleted by rotation at once
    # (closing may back up once more, by the real clock: "latest" is the last made)
    last = list_backups(home / "p" / "collection.db")[0]
    assert cli_module.main([*args, "restore"]) == 0
    assert f"newest good backup, {last.path.name}" in capsys.readouterr().out


def test_case08_rotation_orders_by_the_record_inside_not_the_name(tmp_path):
    start = datetime(2026, 1, 1, 12)
    future = [Backup(tmp_path / f"f{i}", start + timedelta(days=365 + i), seq=i + 1)
              for i in range(12)]
    new = [Backup(tmp_path / f"n{i}", start + timedelta(days=20 + i), seq=13 + i)
           for i in range(3)]
    kept = choose_kept(future + new, keep_last=10, weekly=8, now=start + timedelta(days=23))
    assert {b.path for b in new} <= kept
    assert len(kept) <= 10 + 8


# -- 9. a full disk --------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB file system (tmpfs; root only), else skip."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or os.system(f"mount -t tmpfs -o size=3m tmpfs {mount} 2>/dev/null"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        os.system(f"umount -l {mount}")


def fill(folder: Path, leave: int) -> None:
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with (folder / "filler").open("wb") as f:
        f.write(b"\0" * max(0, free - leave))


def test_case09_a_full_disk_gets_one_message_per_command_and_no_part_files(small_disk):
    home = small_disk / "home"
    assert cli(home, "decks").returncode == 0
    path = home / "p" / "collection.db"
    before = path.read_bytes()
    fill(small_disk, 48 * 1024)
    big = FIXTURES.parent / "fixtures" / "example.toml"
    for command in (["backup"], ["export", "challenging-customers", "--format", "csv", "-o",
                                 str(small_disk / "out.csv")],
                    ["export", "--format", "backup", "-o", str(small_disk / "all.zip")],
                    ["export", "challenging-customers", "--format", "toml", "-o",
                     str(small_disk / "out.toml")]):
        out = cli(home, *command)
        assert out.returncode == 1, (command, out.stdout)
        assert "Traceback" not in out.stderr, out.stderr
        assert out.stderr.count("flashdesk:") == 1, (command, out.stderr)
        assert "full" in out.stderr or "No space" in out.stderr, out.stderr
        assert stray_files(path.parent) == []
        assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "home"]
    assert path.read_bytes() == before and big.exists()
    # the automatic backup when a command closes: said once, status 1
    for b in list_backups(path):
        b.path.unlink()
    out = cli(home, "decks")
    assert out.returncode == 1 and out.stderr.count("flashdesk:") == 1, out.stderr
    assert "cannot back up" in out.stderr and "Traceback" not in out.stderr
    assert stray_files(path.parent) == []


def test_case09_an_import_on_a_full_disk_leaves_no_media_behind(small_disk, tmp_path):
    home = small_disk / "home"
    assert cli(home, "decks").returncode == 0
    path = home / "p" / "collection.db"
    package = apkg_with_media(tmp_path / "big.apkg", "big.png", os.urandom(512 * 1024))
    fill(small_disk, 256 * 1024)
    out = cli(home, "import", str(package))
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.count("flashdesk:") == 1 and "Nothing was imported" in out.stderr
    assert stray_files(path.parent) == []
    assert not (path.parent / "media" / "big.png").exists()


def test_case09_simulated_full_disk_for_backup_and_close(col, monkeypatch):
    import flashdesk.collection.files as files

    def full(*_args, **_kw):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(files, "copy_database", full)
    with pytest.raises(StorageError, match="the disk is full"):
        col.files.backup(NOW)
    with pytest.raises(StorageError, match="cannot back up"):
        col.close()
    assert col.closed and stray_files(col.path.parent) == []


def test_case09_stale_part_files_are_swept_on_open(col_path):
    Collection.open(col_path, bundled=False, backups=False).close()
    backups = col_path.parent / "backups"
    backups.mkdir()
    leftovers = [backups / "collection-20260101-000000-000000.db.part",
                 col_path.parent / "collection.db.new-abcd.part",
                 col_path.parent / "collection.db.restoring",
                 col_path.parent / "media" / ".import-0123456789abcdef.part"]
    for p in leftovers:
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"x" * 1000)
    with Collection.open(col_path, bundled=False, backups=False) as col:
        assert not any(p.exists() for p in leftovers)
        assert col.notices


def test_case09_a_part_file_of_another_process_is_left_alone(col_path):
    """The sweep runs only when nobody else has the profile open."""
    other = Collection.open(col_path, bundled=False, backups=False)
    part = col_path.parent / "backups" / "collection-x.db.part"
    part.parent.mkdir()
    part.write_bytes(b"in progress")
    Collection.open(col_path, bundled=False, backups=False).close()
    assert part.exists()
    other.close()


# -- 10. media and notes together -----------------------------------------------------------------

LONG = "é" * 150 + ".png"  # 304 bytes in UTF-8


def test_case10_a_304_byte_media_name_imports_shortened(col, tmp_path):
    assert len(LONG.encode("utf-8")) == 304
    package = apkg_with_media(tmp_path / "long.apkg", LONG)
    result = col.files.import_files([package])
    report = result.reports[0]
    assert report.added == 3 and any("renamed" in m or "shortened" in m for m in report.messages)
    files = [p for p in col.media_dir.iterdir()]
    assert len(files) == 1 and len(files[0].name.encode("utf-8")) <= 255
    assert files[0].name.endswith(".png") and files[0].read_bytes() == b"\x89PNG fake image"
    fields = " ".join(r[0] for r in col.db.execute("SELECT fields FROM notes"))
    assert f'src=\\"{files[0].name}\\"' in fields
    assert LONG not in fields


def test_case10_safe_media_names_fit_in_255_bytes():
    for name in ("a" * 300 + ".jpg", "日本" * 90 + ".png", "x" * 250, "ok.png"):
        safe = safe_media_name(name, b"data")
        assert len(safe.encode("utf-8")) <= 255 and len(safe) <= 200
        assert safe == name or "." not in name or safe.endswith(name.rpartition(".")[2])
    assert safe_media_name("ok.png", b"") == "ok.png"


@pytest.mark.parametrize("point, both", [("import:staged", False), ("import:committed", True),
                                         ("import:renamed", True), ("import:cleared", True)])
def test_case10_a_crash_around_the_commit_leaves_notes_and_media_together(home, point, both):
    path = make_profile(home)
    assert cli(home, "decks").returncode == 0  # the bundled decks are in: one import to kill
    package = apkg_with_media(home / "m.apkg", "dot.png")
    out = cli(home, "import", str(package), fault=point)
    assert out.returncode == FAULT_EXIT, out.stderr
    assert_sound(home, set())
    with Collection.open(path, bundled=False, backups=False) as col:
        notes = col.db.execute("SELECT count(*) FROM notes WHERE fields LIKE '%dot.png%'").fetchone()[0]
        assert col.setting("pending_media") is None
    media = path.parent / "media"
    assert (notes == 1) == both
    assert ((media / "dot.png").exists()) == both
    assert not [p for p in media.iterdir() if p.name.startswith(".")] if media.exists() else True


# -- 11. export never overwrites -----------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "apkg", "toml", "backup"])
def test_case11_export_never_writes_into_the_profile(home, fmt):
    path = make_profile(home)
    with Collection.open(path, bundled=False, backups=False) as col:
        backup = col.files.backup(NOW)
    saved = answer(path, 4, seed=11, kill=False)
    assert cli(home, "decks").returncode == 0  # the bundled decks, the day's backup
    saved |= answer(path, 4, seed=12)  # killed: a live -wal
    alias = home / "alias.csv"
    os.symlink(path, alias)
    hard = home / "hard.db"
    os.link(backup, hard)
    targets = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), backup,
               path.parent / "new-file.csv", path.parent / "media" / "x.csv", alias, hard]
    if fmt != "csv":  # every target once (with csv); the other formats on the main ones
        targets = [path, backup, alias]
    kept = backup.read_bytes()
    for target in targets:
        args = ["export", "--format", fmt, "-o", str(target)]
        if fmt != "backup":
            args.insert(1, "basics")
        out = cli(home, *args)
        assert out.returncode == 1, (target, out.stdout)
        assert "Traceback" not in out.stderr and "Nothing was written" in out.stderr, out.stderr
        assert backup.read_bytes() == kept and hard.read_bytes() == kept
        assert saved <= log_ids(path)  # still the collection, with every answer
    assert not (path.parent / "new-file.csv").exists()
    assert not (path.parent / "media").exists()
    assert_sound(home, saved)


def test_case11_export_elsewhere_still_works(home, tmp_path):
    make_profile(home)
    out = cli(home, "export", "basics", "--format", "csv", "-o", str(tmp_path / "b.csv"))
    assert out.returncode == 0 and (tmp_path / "b.csv").read_text(encoding="utf-8-sig")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- 12. another program's file ------------------------------------------------------------------

def test_case12_another_programs_empty_file_is_never_adopted(home):
    path = home / "p" / "collection.db"
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234567")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    out = cli(home, "decks")
    assert out.returncode == 1 and "another program's SQLite database" in out.stderr
    assert "Traceback" not in out.stderr and path.read_bytes() == before
    with pytest.raises(NotACollectionError, match="left untouched"):
        Collection.open(path, bundled=False)
    assert path.read_bytes() == before


def test_case12_a_file_with_another_programs_tables_is_refused(col_path):
    col_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(col_path)
    conn.execute("CREATE TABLE invoices(id, total)")
    conn.commit()
    conn.close()
    before = col_path.read_bytes()
    with pytest.raises(NotACollectionError, match="not a flashdesk collection"):
        Collection.open(col_path, bundled=False)
    assert col_path.read_bytes() == before


# -- backups keep media recoverable ------------------------------------------------------------------

def test_restoring_never_touches_the_media_folder(col_path, tmp_path):
    with Collection.open(col_path, bundled=False, backups=False) as col:
        col.files.import_files([apkg_with_media(tmp_path / "m.apkg", "dot.png")])
        backup = col.files.backup(NOW)
    media = sorted((col_path.parent / "media").iterdir())
    assert [p.name for p in media] == ["dot.png"]
    restore(col_path, backup, NOW)
    assert sorted((col_path.parent / "media").iterdir()) == media


def test_the_profile_archive_holds_the_media(col_path, tmp_path):
    import zipfile

    with Collection.open(col_path, bundled=False, backups=False) as col:
        col.files.import_files([apkg_with_media(tmp_path / "m.apkg", "dot.png")])
        archive = col.files.archive(tmp_path / "all.zip")
    with zipfile.ZipFile(archive) as zf:
        assert {"collection.db", "media/dot.png"} <= set(zf.namelist())
        copy = tmp_path / "restored.db"
        copy.write_bytes(zf.read("collection.db"))
    assert check_backup(copy) is None


def test_a_restore_refuses_what_is_not_a_healthy_backup(col_path, tmp_path):
    Collection.open(col_path, bundled=False, backups=False).close()
    before = col_path.read_bytes()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    half = tmp_path / "half.db"
    conn = sqlite3.connect(half)
    conn.execute("PRAGMA application_id = 1178882891")  # ours, but no tables
    conn.commit()
    conn.close()
    for bad, reason in ((tmp_path / "nope.db", "no such file"), (empty, "not an SQLite"),
                        (half, "tables missing")):
        with pytest.raises(FlashdeskError, match=reason):
            restore(col_path, bad, NOW)
        assert col_path.read_bytes() == before and kept_files(col_path.parent) == []
    assert stray_files(col_path.parent) == []


def test_a_crashed_first_run_leaves_no_empty_collection(home):
    out = cli(home, "decks", fault="create:made")
    assert out.returncode == FAULT_EXIT
    assert not (home / "p" / "collection.db").exists()
    out = cli(home, "decks")
    assert out.returncode == 0 and "challenging-customers" in out.stdout
    assert stray_files(home / "p") == []


def test_case06_a_file_too_damaged_to_open_is_let_go_so_the_window_can_restore(col_path):
    with Collection.open(col_path, bundled=False, backups=False) as col:
        col.files.import_files([FIXTURES / "basics.toml"])
        study(col, 2)
        backup = col.files.backup(NOW)
    damage_table(col_path, "revlog")  # read while the collection is set up
    with pytest.raises(DamagedCollectionError, match="is damaged") as caught:
        Collection.open(col_path, bundled=False)
    assert backup.name in str(caught.value)
    assert restore(col_path, backup, NOW) is not None  # the failed open holds no lock
    with Collection.open(col_path, bundled=False, backups=False) as col:
        assert col.reports.check(NOW).ok


def test_case09_read_only_folders_get_one_message_per_command(home, tmp_path):
    from .test_storage import read_only

    assert cli(home, "decks").returncode == 0
    backups = home / "p" / "backups"
    for b in backups.iterdir():
        b.unlink()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with read_only(backups), read_only(out_dir):
        for command in (["backup"], ["decks"],  # decks: the automatic backup on close
                        ["export", "cc-models", "--format", "csv", "-o", str(out_dir / "x.csv")],
                        ["export", "--format", "backup", "-o", str(out_dir / "all.zip")]):
            out = cli(home, *command)
            assert out.returncode == 1, (command, out.stdout)
            assert out.stderr.count("flashdesk:") == 1 and "Traceback" not in out.stderr, out.stderr
            assert "cannot back up" in out.stderr or "cannot write" in out.stderr
    assert list(backups.iterdir()) == [] and list(out_dir.iterdir()) == []
