"""The window's side of issue 19: the tutor's Class screen over three
learners' summaries, the Settings group for the sync folder and sharing, and
merging in the main window with the status bar saying what it brought."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from flashdesk.collection import Collection
from flashdesk.model import Grade
from flashdesk.store import queries as q
from flashdesk.sync import set_sync_folder, sync
from flashdesk.sync.classroom import read_class, share, sharing
from flashdesk.ui.class_view import ClassWindow, SaveClassFile, write_class_pdf
from flashdesk.ui.dialogs.sync_settings import ChooseFolder, SyncGroup
from flashdesk.ui.main_window import Screen
from flashdesk.ui.theme import apply_theme

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def now() -> datetime:
    return datetime.now().astimezone()


def make_learner(root: Path, name: str, grades: list[int], days_ago: int,
                 class_folder: Path) -> None:
    col = Collection.open(root / name / "default" / "collection.db", bundled=False,
                          backups=False)
    try:
        col.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
        when = now() - timedelta(days=days_ago)
        for day in (2, 1, 0):
            t = when - timedelta(days=day)
            for grade in grades:
                card = col.study.next_card(None, t)
                if card is None:
                    break
                col.study.answer(card.id, grade, t)
        share(col, class_folder, name, None, now())
    finally:
        col.close(backup=False)


@pytest.fixture
def class_folder(tmp_path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    make_learner(tmp_path, "Sam", [1, 4, 1, 4, 3], 0, folder)
    make_learner(tmp_path, "Ana", [4, 4, 5, 4], 1, folder)
    make_learner(tmp_path, "Kim", [1, 1, 3], 10, folder)
    return folder


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_class_screen_shows_three_learners(qtbot, qtmodeltester, col, class_folder,
                                              tmp_path, theme):
    apply_theme(theme)
    w = ClassWindow(col)
    qtbot.addWidget(w)
    w.resize(1024, 640)
    w.show()
    with qtbot.waitSignal(w.shown_class, timeout=10000):
        w.set_folder(class_folder)
    for model in (w.grid_model, w.hard_model, w.idle_model):
        qtmodeltester.check(model)
    assert [w.grid_model.index(r, 0).data() for r in range(3)] == ["Ana", "Kim", "Sam"]
    assert w.grid_model.columnCount() > 2
    assert [w.idle_model.index(r, 0).data() for r in range(w.idle_model.rowCount())] == ["Kim"]
    assert w.hard_model.rowCount() >= 1
    assert "3 learners sharing" in w.summary.text()
    SaveClassFile.ask = classmethod(lambda cls, parent, suffix: str(tmp_path / f"out.{suffix}"))
    csv_path = w.export("csv")
    pdf_path = w.export("pdf")
    assert pdf_path.read_bytes().startswith(b"%PDF")
    rows = list(csv.reader(csv_path.open(encoding="utf-8-sig")))
    assert any(r[:1] == ["Sam"] for r in rows)
    # the hardest cards' questions are read whole: wrapped, never cut short
    from PySide6.QtCore import QRect, Qt

    metrics = w.hard.fontMetrics()
    width = w.hard.columnWidth(0) - 8
    for row in range(w.hard_model.rowCount()):
        text = w.hard_model.index(row, 0).data()
        needed = metrics.boundingRect(QRect(0, 0, width, 10_000),
                                      int(Qt.TextFlag.TextWordWrap), text).height()
        assert w.hard.rowHeight(row) >= needed, text


def test_the_class_screen_without_a_folder_says_what_to_do(qtbot, col):
    w = ClassWindow(col)
    qtbot.addWidget(w)
    w.show()
    assert "No class folder chosen yet" in w.folder_label.full_text()
    assert not w.csv_action.isEnabled()


def test_a_pdf_of_the_class_is_written_for_the_command_line(class_folder, tmp_path):
    path = write_class_pdf(read_class(class_folder), now().date(), tmp_path / "c.pdf")
    assert path.read_bytes().startswith(b"%PDF")


def test_settings_choose_the_sync_folder_and_opt_in_and_out(qtbot, col, tmp_path, monkeypatch):
    folders = {"sync": tmp_path / "Sync", "class": tmp_path / "Class"}
    for f in folders.values():
        f.mkdir()
    group = SyncGroup(col, now)
    qtbot.addWidget(group)
    told = []
    group.changed.connect(told.append)
    monkeypatch.setattr(ChooseFolder, "ask", classmethod(
        lambda cls, parent, title, start="": str(folders["sync" if "sync" in title else "class"])))
    group.choose_button.click()
    assert group.folder.text() == str(folders["sync"].resolve()) and told == ["sync"]
    group.name.setText("Sam")
    group.class_button.click()
    group.share.setChecked(True)
    assert sharing(col)["name"] == "Sam" and told[-1] == "class"
    [summary] = (folders["class"] / "flashdesk-class").glob("*.json")
    group.share.setChecked(False)
    assert sharing(col) is None and not summary.exists()
    group.stop_button.click()
    assert group.folder.text() == ""


def test_the_window_merges_on_opening_and_says_what_it_brought(qtbot, make_window, col,
                                                              tmp_path):
    folder = tmp_path / "Sync"
    folder.mkdir()
    other = Collection.open(tmp_path / "other" / "p" / "collection.db", bundled=False,
                            backups=False)
    try:
        other.files.import_files([FIXTURES / "basics.toml"])
        card = other.study.next_card(None, now())
        other.study.answer(card.id, Grade.GOOD, now())
        set_sync_folder(other, folder)
        sync(other, now(), profile="p")
    finally:
        other.close(backup=False)
    set_sync_folder(col, folder)
    window = make_window(col)
    qtbot.waitUntil(lambda: window.sync_watch.last_report is not None, timeout=10000)
    report = window.sync_watch.last_report
    assert report.notes_added == 30 and report.answers == 1
    assert "Synced" in window.sync_watch.label.full_text()
    assert "30 new notes and 1 answer" in window.sync_watch.label.full_text()
    assert window.decks.model.summaries()  # the deck that came is listed
    assert window.sync_action.isEnabled()


def test_files_that_arrive_during_study_wait_for_the_end_of_the_session(qtbot, make_window, col,
                                                                        tmp_path):
    folder = tmp_path / "Sync"
    folder.mkdir()
    col.files.import_files([FIXTURES / "basics.toml"])
    set_sync_folder(col, folder)
    window = make_window(col)
    qtbot.waitUntil(lambda: window.sync_watch.last_report is not None, timeout=10000)
    # another device (a copy of this profile's folder elsewhere) answers a card
    other = Collection.open(tmp_path / "o" / "p" / "collection.db", bundled=False, backups=False)
    try:
        set_sync_folder(other, folder)
        sync(other, now(), profile="p")
        card = other.study.next_card(None, now())
        other.study.answer(card.id, Grade.EASY, now())
        sync(other, now(), profile="p")
    finally:
        other.close(backup=False)
    window.start_study("basics")
    assert window.screen == Screen.REVIEW
    window.sync_watch.look()
    assert not window.busy and "when you leave this session" in window.sync_watch.label.full_text()
    with qtbot.waitSignal(window.sync_watch.synced, timeout=10000) as blocker:
        window.show_decks()
    assert blocker.args[0].answers == 1
    assert q.all_schedules(col.db)[card.id]["reps"] == 1


def test_edits_kept_in_history_are_listed(qtbot, make_window, col, tmp_path):
    folder = tmp_path / "Sync"
    folder.mkdir()
    col.files.import_files([FIXTURES / "basics.toml"])
    set_sync_folder(col, folder)
    sync(col, now(), profile="p")
    other = Collection.open(tmp_path / "o" / "p" / "collection.db", bundled=False, backups=False)
    try:
        set_sync_folder(other, folder)
        sync(other, now(), profile="p")
        other.notes.update("basics/b01", {"front": "Asked on the laptop", "back": "Answer 1"},
                           now())
        col.notes.update("basics/b01", {"front": "Asked on the PC", "back": "Answer 1"}, now())
        sync(other, now() + timedelta(seconds=5), profile="p")
    finally:
        other.close(backup=False)
    window = make_window(col)
    qtbot.waitUntil(lambda: window.sync_watch.last_report is not None, timeout=10000)
    assert len(window.sync_watch.last_report.conflicts) == 1
    dialog = window.show_conflicts()
    texts = {dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())}
    assert {"Asked on the laptop", "Asked on the PC", "front"} <= texts


def test_a_shared_summary_is_kept_up_to_date_without_a_sync_folder(qtbot, make_window, col,
                                                                  tmp_path):
    import json

    folder = tmp_path / "class"
    folder.mkdir()
    col.files.import_files([FIXTURES / "basics.toml"])
    path = share(col, folder, "Sam", None, now())
    window = make_window(col)
    qtbot.waitUntil(lambda: window.sync_watch.summaries >= 1, timeout=10000)
    card = col.study.next_card(None, now())
    col.study.answer(card.id, Grade.GOOD, now())
    window.sync_watch.sync_now()
    qtbot.waitUntil(lambda: window.sync_watch.summaries >= 2, timeout=10000)
    topics = json.loads(path.read_text(encoding="utf-8"))["topics"]
    assert max(t["learned"] for t in topics) == 1
    assert window.sync_watch.label.full_text() == ""  # nothing about syncing: there is no folder
