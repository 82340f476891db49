"""File › Export…, Back up now and Restore from a backup…: the window does
what `flashdesk export`, `backup` and `restore` do, with the same core calls."""

from __future__ import annotations

import sqlite3
import threading
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from flashdesk.backup import list_backups
from flashdesk.collection import Collection
from flashdesk.formats import read_any
from flashdesk.store.lock import LockMode, ProfileLock
from flashdesk.ui.app import Launcher
from flashdesk.ui.dialogs import export as export_dialog
from flashdesk.ui.dialogs.backups import CHECKING, RestoreDialog
from flashdesk.ui.dialogs.export import ExportDialog, ExportFile, ExportFormat, file_stem
from flashdesk.ui.dialogs.questions import Ask
from flashdesk.ui.dialogs.written import ShowFolder
from flashdesk.ui.main_window import Screen
from flashdesk.ui.workers import run_op

from uihelpers import Key, KINDS_DECK, plain, press, study, write_deck

BASIC_DECK = '''
[deck]
id = "basics"
name = "Basics"
''' + "".join(f'''
[[notes]]
id = "n{i}"
kind = "basic"
front = "Question {i}"
back = "Answer {i}"
''' for i in range(1, 6))


def now() -> datetime:
    return datetime.now().astimezone()


@pytest.fixture
def saving(monkeypatch):
    """The save dialog's answers, in order; what it was asked is kept."""
    given: list[str] = []
    asked: list[tuple[str, str, str]] = []

    def ask(cls, parent, title, suggested, filters):
        asked.append((title, suggested, filters))
        return given.pop(0)

    monkeypatch.setattr(ExportFile, "ask", classmethod(ask))
    return {"given": given, "asked": asked}


@pytest.fixture
def confirming(monkeypatch):
    """Ask.confirm answers from ``answers`` and keeps what it was asked."""
    state: dict[str, list] = {"answers": [], "asked": []}

    def confirm(cls, parent, title, text, details, action):
        state["asked"].append((title, text, details, action))
        return state["answers"].pop(0)

    monkeypatch.setattr(Ask, "confirm", classmethod(confirm))
    return state


def kinds_window(make_window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "kinds.toml", KINDS_DECK)])
    window = make_window(col)
    window.refresh_decks(select="kinds")
    return window


def export_through_dialog(qtbot, window, fmt: ExportFormat | None = None) -> str | None:
    """Export… from the File menu, in ``fmt``; the deck the dialog offered."""
    window.export_action.trigger()
    dialog = window.last_dialog
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    if fmt is not None:
        dialog.set_format(fmt)
    deck = dialog.deck_id
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    return deck


# -- the menus ---------------------------------------------------------------------------------

def test_the_file_menu_has_export_backup_and_restore_each_with_its_own_letter(window):
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions() if not a.isSeparator()]
    assert texts[:5] == ["&Add cards…", "&Import…", "&Export…", "&Back up now",
                         "&Restore from a backup…"]
    letters = [t[t.index("&") + 1].lower() for t in texts]
    assert len(letters) == len(set(letters)), texts
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    assert "(Ctrl+E)" in window.export_action.toolTip()
    shortcuts = [a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()]
    assert shortcuts.count("Ctrl+E") == 1  # no other action of the window has it


def test_the_import_tooltip_names_every_kind_of_file_it_takes(window):
    tip = window.import_action.toolTip()
    assert "(.toml)" not in tip
    for kind in ("deck files", "spreadsheets", "Anki text", "Anki packages"):
        assert kind in tip


def test_restore_is_offered_only_when_someone_can_reopen_the_collection(window):
    # a window made without the launcher cannot close and reopen its collection
    assert not window.restore_action.isEnabled()
    assert window.restore_from_backup() is None
    window.restore_requested.connect(lambda _path: None)
    assert window.restore_action.isEnabled()


# -- export -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", [ExportFormat.APKG, ExportFormat.CSV, ExportFormat.TOML])
def test_export_writes_the_selected_deck_in_each_format(qtbot, make_window, col, tmp_path,
                                                        saving, fmt, monkeypatch):
    window = kinds_window(make_window, col, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    saving["given"].append(str(out / "for-class"))  # typed without the suffix
    shown = []
    monkeypatch.setattr(ShowFolder, "open", classmethod(lambda cls, folder: shown.append(folder)))
    assert export_through_dialog(qtbot, window, fmt) == "kinds"  # the deck selected
    title, suggested, filters = saving["asked"][0]
    assert Path(suggested).name == f"Test - Kinds{fmt.suffix}"  # named after the deck
    assert f"*{fmt.suffix}" in filters
    written = out / f"for-class{fmt.suffix}"
    assert written.is_file()  # the format's suffix was added
    result = read_any(written)
    assert [len(d.notes) for d in result.decks] == [5]
    box = window.last_dialog
    assert isinstance(box, QMessageBox) and box.windowTitle() == "Deck exported"
    assert str(written) in box.text() and "Test › Kinds" in plain(box.text())
    assert box.informativeText() == "5 notes, 5 cards."
    box.show_folder_button.click()
    assert shown == [out]
    assert sorted(p.name for p in out.iterdir()) == [written.name]  # nothing else left there


def test_export_remembers_the_format_and_the_folder(qtbot, make_window, col, tmp_path, saving,
                                                    settings):
    window = kinds_window(make_window, col, tmp_path)
    (tmp_path / "out").mkdir()
    saving["given"].append(str(tmp_path / "out" / "k.csv"))
    export_through_dialog(qtbot, window, ExportFormat.CSV)
    window.last_dialog.close()
    window.export_action.trigger()
    dialog = window.last_dialog
    assert dialog.format is ExportFormat.CSV
    assert dialog.suggested_path() == tmp_path / "out" / "Test - Kinds.csv"
    dialog.reject()


def test_a_deck_with_sub_decks_exports_as_a_folder_of_deck_files(qtbot, make_window, col,
                                                                  tmp_path, saving):
    col.files.import_files([write_deck(tmp_path, "kinds.toml", KINDS_DECK),
                            write_deck(tmp_path, "more.toml", KINDS_DECK.replace(
                                'id = "kinds"', 'id = "more"').replace(
                                "Test::Kinds", "Test::More").replace('id = "a-', 'id = "m-'))])
    window = make_window(col)
    window.refresh_decks(select="test")
    window.export_action.trigger()
    dialog = window.last_dialog
    dialog.set_format(ExportFormat.TOML)
    assert dialog.writes_folder() and "a folder with one deck file for each deck" in \
        dialog.note.text()
    assert dialog.suggested_path().name == "Test"  # a folder: no suffix
    saving["given"].append(str(tmp_path / "class-decks"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    folder = tmp_path / "class-decks"
    assert sorted(p.name for p in folder.iterdir()) == ["kinds.toml", "more.toml"]
    assert "Folder" in saving["asked"][0][2]
    box = window.last_dialog
    assert str(folder) in box.text()
    assert box.informativeText() == "2 deck files: 10 notes, 10 cards, in 3 decks."


def test_the_whole_collection_exports_as_one_zip(qtbot, make_window, col, tmp_path, saving):
    window = kinds_window(make_window, col, tmp_path)
    window.export_action.trigger()
    dialog = window.last_dialog
    dialog.set_format(ExportFormat.WHOLE)
    assert not dialog.deck.isEnabled() and "Every deck (5 cards)" in dialog.note.text()
    assert dialog.suggested_path().name.startswith("flashdesk collection ")
    saving["given"].append(str(tmp_path / "everything"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    with zipfile.ZipFile(tmp_path / "everything.zip") as zf:
        assert "collection.db" in zf.namelist()
    assert window.last_dialog.windowTitle() == "Collection exported"


def test_an_export_the_core_refuses_says_why_once_and_writes_nothing(qtbot, make_window, col,
                                                                      tmp_path, saving):
    window = kinds_window(make_window, col, tmp_path)
    saving["given"].append(str(tmp_path / "no-such-folder" / "k.apkg"))
    export_through_dialog(qtbot, window, ExportFormat.APKG)
    box = window.last_dialog
    assert box.windowTitle() == "Nothing was exported"
    assert "does not exist" in box.text() and "Nothing was written" in box.text()
    assert not (tmp_path / "no-such-folder").exists()
    # the profile folder itself is refused too
    window.export_action.trigger()
    saving["given"].append(str(col.path.parent / "k.apkg"))
    window.last_dialog.export_button.click()
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    assert "inside the profile folder" in window.last_dialog.text()
    assert not (col.path.parent / "k.apkg").exists()


def test_a_disk_that_refuses_half_way_leaves_no_file(qtbot, make_window, col, tmp_path, saving,
                                                     monkeypatch):
    from flashdesk.formats import export as writers

    def full_disk(data, path):
        Path(path).write_text("id,deck\nhalf", encoding="utf-8")  # partly written, then…
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "write_csv", full_disk)
    window = kinds_window(make_window, col, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "k.csv").write_text("the old file", encoding="utf-8")
    saving["given"].append(str(out / "k.csv"))
    export_through_dialog(qtbot, window, ExportFormat.CSV)
    box = window.last_dialog
    assert box.windowTitle() == "Nothing was exported"
    assert "No space left on device" in box.text()
    assert [p.name for p in out.iterdir()] == ["k.csv"]  # no temporary file left behind
    assert (out / "k.csv").read_text(encoding="utf-8") == "the old file"


def test_cancelling_the_save_dialog_keeps_the_export_dialog_open(qtbot, make_window, col,
                                                                 tmp_path, saving):
    window = kinds_window(make_window, col, tmp_path)
    window.export_action.trigger()
    dialog = window.last_dialog
    saving["given"].append("")
    dialog.export_button.click()
    assert dialog.isVisible() and not window.busy
    dialog.reject()


def test_export_is_in_the_deck_menu_for_the_deck_chosen_there(qtbot, make_window, col, tmp_path):
    window = kinds_window(make_window, col, tmp_path)
    deck_menu = window.menuBar().actions()[2].menu()
    assert window.export_action in deck_menu.actions()
    window.decks.tree.customContextMenuRequested.emit(
        window.decks.tree.visualRect(window.decks.model.index_of("kinds")).center())
    assert window.export_action in window.last_menu.actions()
    window.last_menu.close()
    window.decks.select_deck("test")
    window.export_action.trigger()
    assert window.last_dialog.deck_id == "test"
    window.last_dialog.reject()


def test_export_is_off_while_studying(qtbot, make_window, col, tmp_path):
    window = kinds_window(make_window, col, tmp_path)
    study(window, "kinds")
    assert window.screen == Screen.REVIEW and not window.export_action.isEnabled()
    assert window.export_deck() is None


def test_file_names_made_from_deck_names_are_safe_everywhere():
    assert file_stem("Challenging Customers::Models") == "Challenging Customers - Models"
    assert file_stem('a/b\\c:d*e?"f"<g>|h') == "a b c d e f g h"
    assert file_stem("...") == "deck" and file_stem("  ", "kinds") == "kinds"
    assert len(file_stem("x" * 300)) == 80
    assert export_dialog.FORMATS.keys() == set(ExportFormat)


# -- back up now --------------------------------------------------------------------------------

def test_back_up_now_makes_a_backup_and_says_where_and_when(qtbot, window, col, monkeypatch):
    shown = []
    monkeypatch.setattr(ShowFolder, "open", classmethod(lambda cls, folder: shown.append(folder)))
    assert list_backups(col.path) == []
    window.backup_action.trigger()
    assert window.busy
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    (backup,) = list_backups(col.path)
    box = window.last_dialog
    assert box.windowTitle() == "Backed up"
    assert str(backup.path) in box.text()
    assert backup.taken.strftime("%H:%M") in box.text()
    assert "the last 10 backups, and one a week for 8 weeks" in box.informativeText()
    box.show_folder_button.click()
    assert shown == [backup.path.parent]


def test_a_backup_the_disk_refuses_says_why(qtbot, window, col):
    (col.path.parent / "backups").write_text("a file where the folder goes", encoding="utf-8")
    window.back_up_now()
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    (col.path.parent / "backups").unlink()  # for the backup made when the collection closes
    box = window.last_dialog
    assert box.windowTitle() == "No backup was made"
    assert "Cannot back up into" in box.text() and "Nothing was changed" in box.text()
    assert list_backups(col.path) == []


# -- the list of backups --------------------------------------------------------------------------

def test_the_backups_are_listed_checked_and_a_damaged_one_cannot_be_chosen(
        qtbot, make_window, col, tmp_path, confirming):
    col.files.import_files([write_deck(tmp_path, "kinds.toml", KINDS_DECK)])
    older = col.files.backup(now() - timedelta(hours=2))
    newer = col.files.backup(now())
    with newer.open("r+b") as f:  # the disk damaged the newest backup
        f.seek(4096)
        f.write(b"\xff" * 4096)
    window = make_window(col)
    requested = []
    window.restore_requested.connect(requested.append)
    window.restore_action.trigger()
    dialog = window.last_dialog
    assert isinstance(dialog, RestoreDialog)
    assert [dialog.table.topLevelItem(i).text(0) for i in range(2)] == \
        [b.label for b in list_backups(col.path)]  # the last made first
    qtbot.waitUntil(lambda: len(dialog.checks) == 2, timeout=20000)
    rows = [[dialog.table.topLevelItem(i).text(c) for c in range(4)] for i in range(2)]
    assert rows[0][3] == "damaged" and rows[0][1] == ""
    assert rows[1][1:] == ["5", rows[1][2], "good"] and rows[1][2].endswith("KB")
    assert CHECKING not in (rows[0][3], rows[1][3])
    assert dialog.selected().path == older  # the newest good one
    assert not dialog.problem.isVisible()
    dialog.select(newer)
    assert not dialog.restore_button.isEnabled()
    assert dialog.problem.isVisible() and \
        dialog.problem.text().startswith("This backup cannot be restored: it ")
    assert dialog.restore_selected() is None and confirming["asked"] == []

    dialog.select(older)
    assert dialog.restore_button.isEnabled()
    confirming["answers"].append(False)  # asked, and the learner says no
    dialog.restore_button.click()
    (title, text, details, action) = confirming["asked"][0]
    assert text == f"Put back the backup taken {list_backups(col.path)[1].label}?"
    assert "your collection as it is now is kept beside it as collection.db.before-restore-" \
        in details and "(5 cards)" in details and "Pictures" in details
    assert "Sync is on" not in details
    assert action == "Restore backup" and requested == [] and dialog.isVisible()

    confirming["answers"].append(True)
    dialog.restore_button.click()
    assert requested == [older] and not dialog.isVisible()


def test_with_no_backups_the_list_says_how_to_make_one(qtbot, window):
    window.restore_requested.connect(lambda _path: None)
    dialog = window.restore_from_backup()
    assert dialog.empty.isVisible() and "Back up now" in dialog.empty.text()
    assert not dialog.restore_button.isEnabled()
    dialog.reject()


# -- restoring from the window, for real ------------------------------------------------------------

def new_cards(window, deck_id: str) -> int:
    return next(s.new for s in window.decks.model.summaries() if s.id == deck_id)


def answer_one(qtbot, window) -> None:
    """Study the basics deck: one card, Good, by the keyboard; back to the decks."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    study(window, "basics")
    press(qtbot, Key.Key_Space)
    press(qtbot, Key.Key_3)
    press(qtbot, Key.Key_Escape)
    assert window.screen == Screen.DECKS


def answers_in(path: Path) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM revlog").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def launched(qtbot, tmp_path):
    """A profile with the basics deck, opened by the launcher as `flashdesk` opens it."""
    profile = tmp_path / "p" / "collection.db"
    col = Collection.open(profile, bundled=False, backups=False)
    col.files.import_files([write_deck(tmp_path, "basics.toml", BASIC_DECK)])
    col.close()
    launcher = Launcher(profile, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    with qtbot.waitSignal(launcher.opened, timeout=30000):
        launcher.start(splash=False)
    window = launcher.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield launcher
    if launcher.window is not None:
        launcher.window.close()
        launcher.window.deleteLater()
    launcher.close()


def test_restoring_from_the_window_shows_the_backup_and_keeps_the_collection_beside_it(
        qtbot, launched, confirming):
    launcher = launched
    window = launcher.window
    profile = launcher.profile_path
    first = new_cards(window, "basics")
    answer_one(qtbot, window)
    assert new_cards(window, "basics") == first - 1
    window.backup_action.trigger()
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    window.last_dialog.close()
    (backup,) = list_backups(profile)
    answer_one(qtbot, window)  # studied on after the backup
    assert new_cards(window, "basics") == first - 2

    window.restore_action.trigger()
    dialog = window.last_dialog
    qtbot.waitUntil(lambda: dialog.restore_button.isEnabled(), timeout=20000)
    assert dialog.selected().path == backup.path
    confirming["answers"].append(True)
    with qtbot.waitSignal(launcher.opened, timeout=30000) as blocker:
        dialog.restore_button.click()
    restored = blocker.args[0]
    assert restored is launcher.window and restored is not window
    # the window shows the backup's collection: one card studied, not two
    assert new_cards(restored, "basics") == first - 1
    assert launcher.collection.reports.answers_today(now()) == 1
    # nothing is lost: the collection as it was is kept beside the restored one
    (kept,) = [p for p in profile.parent.iterdir()
               if p.name.startswith("collection.db.before-restore-") and "-wal" not in p.name
               and "-shm" not in p.name]
    assert answers_in(kept) == 2
    box = restored.last_dialog
    assert box.windowTitle() == "Backup restored"
    assert backup.label in box.text() and kept.name in box.informativeText()
    assert QApplication.instance().quitOnLastWindowClosed()  # as before the restore
    # the new window can restore again, and backs up as the old one did
    assert restored.restore_action.isEnabled() and restored.backup_action.isEnabled()


def _backup_between_two_answers(qtbot, window) -> None:
    """One card answered, a backup, one more answered: the backup has one."""
    answer_one(qtbot, window)
    window.back_up_now()
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    window.last_dialog.close()
    answer_one(qtbot, window)


def _restore_from_the_window(qtbot, launcher, confirming):
    """File › Restore from a backup…, the newest good one, confirmed: the
    window the launcher opens after it."""
    window = launcher.window
    window.restore_action.trigger()
    dialog = window.last_dialog
    qtbot.waitUntil(lambda: dialog.restore_button.isEnabled(), timeout=20000)
    confirming["answers"].append(True)
    with qtbot.waitSignal(launcher.opened, timeout=30000) as blocker:
        dialog.restore_button.click()
    return blocker.args[0]


def test_a_restore_refused_because_another_flashdesk_has_the_profile_changes_nothing(
        qtbot, launched, confirming):
    launcher = launched
    _backup_between_two_answers(qtbot, launcher.window)
    other = ProfileLock(launcher.profile_path.parent)  # a terminal review, say
    assert other.acquire(LockMode.SHARED, 5)
    try:
        reopened = _restore_from_the_window(qtbot, launcher, confirming)
    finally:
        other.release()
    box = reopened.last_dialog
    assert box.windowTitle() == "The backup was not restored"
    assert "open in another flashdesk" in box.text()
    assert launcher.collection.reports.answers_today(now()) == 2  # as it was
    assert not [p for p in launcher.profile_path.parent.iterdir() if "before-restore" in p.name]


def test_a_restore_stopped_part_way_says_so_and_is_finished_on_reopening(
        qtbot, launched, confirming, monkeypatch):
    """The system refuses a rename once the backup is copied in (another
    program holds the file): the window does not claim the collection is as
    it was; reopening finishes the restore, and nothing is lost."""
    import flashdesk.backup as backup_module

    launcher = launched
    _backup_between_two_answers(qtbot, launcher.window)
    real_replace, calls = backup_module.os.replace, []

    def refusing_once(source, target):
        if Path(source) == launcher.profile_path and not calls:  # the collection is held
            calls.append(source)
            raise PermissionError(13, "The file is in use by another program")
        return real_replace(source, target)

    monkeypatch.setattr(backup_module.os, "replace", refusing_once)
    box = _restore_from_the_window(qtbot, launcher, confirming).last_dialog
    assert calls == [launcher.profile_path]
    assert box.windowTitle() == "The restore is finished as flashdesk opens your collection"
    assert "stopped part way (The file is in use by another program)" in box.text()
    assert "as it was" not in box.informativeText()
    # opening the collection again finished it: the backup's one answer, not two
    assert launcher.collection.reports.answers_today(now()) == 1
    (kept,) = [p for p in launcher.profile_path.parent.iterdir()
               if p.name.startswith("collection.db.before-restore-") and "-wal" not in p.name
               and "-shm" not in p.name]
    assert answers_in(kept) == 2


def test_a_restore_chosen_while_a_merge_runs_waits_for_it(qtbot, launched, monkeypatch):
    launcher = launched
    window = launcher.window
    window.back_up_now()
    qtbot.waitUntil(lambda: not window.busy, timeout=20000)
    window.last_dialog.close()
    (backup,) = list_backups(launcher.profile_path)
    tries = []
    restore_now = Launcher._restore_now
    monkeypatch.setattr(Launcher, "_restore_now",
                        lambda self, path: tries.append(path) or restore_now(self, path))
    gate = threading.Event()
    op = run_op(window, lambda col, _progress: gate.wait(10), lambda _r: None)  # a merge, say
    window.restore_requested.emit(backup.path)
    qtbot.waitUntil(lambda: len(tries) >= 3, timeout=10000)  # it looked, and looks again
    assert launcher.window is window and not launcher.collection.closed
    with qtbot.waitSignal(launcher.opened, timeout=30000) as blocker:
        gate.set()
    assert not op.running
    assert blocker.args[0] is not window
    assert blocker.args[0].last_dialog.windowTitle() == "Backup restored"
