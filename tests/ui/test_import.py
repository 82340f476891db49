"""Imports run on a worker with a progress dialog; errors change nothing."""

import threading

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QPushButton

from flashdesk.collection import Cancelled
from flashdesk.formats import DeckFileError
from flashdesk.model import FlashdeskError
from flashdesk.ui.dialogs.import_result import ImportResultDialog
from flashdesk.ui.main_window import ImportFiles, Screen
from flashdesk.ui.workers import run_op

from uihelpers import KINDS_DECK, plain, write_deck


def summaries(col, window):
    return [(s.id, s.new, s.learning, s.due, s.total)
            for s in col.decks.summaries(window.reviewer._clock())]


def test_import_runs_on_a_worker_and_shows_the_summary(qtbot, window, col, kinds_deck):
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        op = window.import_paths([str(kinds_deck)])
        assert window.busy  # the collection belongs to the worker now
        assert not window.study_action.isEnabled()
        assert not window.import_action.isEnabled()
        assert op.progress_dialog is not None
    reports = blocker.args[0]
    assert (reports[0].deck_id, reports[0].added) == ("kinds", 5)
    assert not window.busy
    dialog = window.last_dialog
    assert isinstance(dialog, ImportResultDialog)
    assert dialog.windowTitle() == "Import finished"
    assert "Test › Kinds: 5 added, 0 updated, 0 unchanged, 0 missing" in map(plain, dialog.lines)
    assert window.decks.current_deck_id() == "kinds"
    assert [s.id for s in window.decks.model.summaries()] == ["test", "kinds"]

    # importing the same file again: nothing new, progress kept
    dialog.close()
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        window.import_paths([str(kinds_deck)])
    assert (blocker.args[0][0].added, blocker.args[0][0].unchanged) == (0, 5)


def test_a_bad_deck_file_lists_its_problems_and_changes_nothing(qtbot, window, col, kinds_deck,
                                                                  bad_deck):
    before = summaries(col, window)
    with qtbot.waitSignal(window.import_failed, timeout=10000) as blocker:
        window.import_paths([str(kinds_deck), str(bad_deck)])  # all or nothing
    assert isinstance(blocker.args[0], DeckFileError)
    dialog = window.last_dialog
    assert dialog.windowTitle() == "Nothing was imported"
    assert dialog.lines, "the problems are listed"
    assert all(line.startswith(f"{bad_deck}:") for line in dialog.lines)
    line_no = bad_deck.read_text().splitlines().index('kind = "flip"') + 1
    assert any(line.startswith(f"{bad_deck}:{line_no}: ") and "unknown card kind 'flip'" in line
               for line in dialog.lines)
    assert "Nothing was imported" in dialog.heading.text()
    assert summaries(col, window) == before == []
    assert window.screen == Screen.DECKS and not window.busy


def test_cancel_stops_the_import_and_changes_nothing(qtbot, window, col, kinds_deck):
    gate = threading.Event()

    def slow_import(c, progress):
        gate.wait(10)  # hold the worker until the test has pressed Cancel
        return c.files.import_files([kinds_deck], progress=progress)

    with qtbot.waitSignal(window.import_failed, timeout=10000) as blocker:
        op = run_op(window, slow_import, window._on_imported, "Importing…",
                    on_failed=window._on_import_failed)
        op.progress_dialog.findChild(QPushButton).click()  # Cancel
        assert op.cancelled
        gate.set()
    assert isinstance(blocker.args[0], Cancelled)
    assert summaries(col, window) == []
    assert "cancelled" in window.statusBar().currentMessage()


def test_import_menu_uses_the_file_dialog(qtbot, window, kinds_deck, monkeypatch, settings):
    asked = []
    monkeypatch.setattr(ImportFiles, "ask",
                        classmethod(lambda cls, parent, folder: asked.append(folder)
                                    or [str(kinds_deck)]))
    window.import_action.trigger()
    dialog = window.import_dialog
    qtbot.waitUntil(dialog._import.isEnabled, timeout=10000)  # the preview has been read
    with qtbot.waitSignal(window.imported, timeout=10000):
        dialog.accept()
    assert asked == [""]
    assert settings.value("import/folder") == str(kinds_deck.parent)
    first = ImportFiles.FILTERS.split(";;")[0]  # the filter the dialog opens on
    assert all(f"*{suffix}" in first for suffix in (".toml", ".csv", ".tsv", ".txt", ".apkg"))


def _drop_events(paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    return mime, enter, drop


def test_dropping_deck_files_imports_them(qtbot, window, kinds_deck, tmp_path):
    other = write_deck(tmp_path, "notes.pdf", "not a deck")
    _mime, enter, _drop = _drop_events([other])
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()

    mime, enter, drop = _drop_events([kinds_deck])
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(drop)
    assert drop.isAccepted()
    dialog = window.import_dialog
    qtbot.waitUntil(dialog._import.isEnabled, timeout=10000)
    with qtbot.waitSignal(window.imported, timeout=10000):
        dialog.accept()
    assert "kinds" in [s.id for s in window.decks.model.summaries()]


def test_a_failing_op_reports_its_error_on_the_ui_thread(qtbot, window):
    def broken(c, progress):
        raise FlashdeskError("the disk is full")

    seen = []
    with qtbot.waitSignal(window.import_failed, timeout=10000):
        run_op(window, broken, seen.append, on_failed=window._on_import_failed)
    assert seen == []
    assert window.last_dialog.text() == "The disk is full."  # a message shown as a sentence
    assert not window.busy


def test_many_decks_import_in_one_go(qtbot, window, tmp_path):
    paths = [write_deck(tmp_path, f"d{i}.toml", KINDS_DECK.replace('"kinds"', f'"kinds-{i}"')
                        .replace("Test::Kinds", f"Test::Kinds {i}")) for i in range(3)]
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        window.import_paths(paths)
    assert [r.deck_id for r in blocker.args[0]] == ["kinds-0", "kinds-1", "kinds-2"]
    assert window.last_dialog.heading.text().startswith("Imported 3 decks: 15 notes added")


def test_the_preview_chooses_the_deck_of_a_spreadsheet(qtbot, window, tmp_path):
    sheet = tmp_path / "week3.csv"
    sheet.write_text("front,back\nWhat is HEAT?,Hear Empathise Apologise Take ownership\n",
                     encoding="utf-8")
    dialog = window.preview_import([str(sheet)])
    qtbot.waitUntil(dialog._import.isEnabled, timeout=10000)
    with qtbot.waitSignal(dialog.previewed, timeout=10000):
        dialog.set_deck_name("Class::Week 3")
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        dialog.accept()
    assert [r.deck_name for r in blocker.args[0]] == ["Class::Week 3"]


def test_the_preview_carries_anki_progress_over_when_ticked(qtbot, window, col):
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "tutors" / "scheduled.apkg"
    dialog = window.preview_import([str(package)])
    qtbot.waitUntil(dialog._import.isEnabled, timeout=10000)
    assert dialog._scheduling.isEnabled() and not dialog.with_scheduling()
    assert "7 card(s) carry progress from Anki" in dialog._issues.toPlainText()
    dialog.set_with_scheduling(True)
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        dialog.accept()
    [report] = blocker.args[0]
    assert report.progress == 7
    assert "7 with Anki progress" in "\n".join(window.last_dialog.lines)
    assert col.reports.check(window.reviewer._clock()).ok


def test_the_summary_shows_a_files_rows_of_no_one_deck_under_the_file(qtbot, window, tmp_path):
    sheet = tmp_path / "multi.csv"
    sheet.write_text("front,back,deck\nA1,a,One\nB,,Two\nB2,b,Two\n", encoding="utf-8")
    with qtbot.waitSignal(window.imported, timeout=10000):
        window.import_paths([str(sheet)])
    lines = list(map(plain, window.last_dialog.lines))
    assert not any("skipped" in line for line in lines[:lines.index(f"{sheet}, not under one "
                                                                    "deck: 1 skipped")])
    assert f"    skipped: {sheet}:3: skipped: the back is empty" in lines
