"""Imports run on a worker with a progress dialog; errors change nothing."""

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from flashdesk.collection import Cancelled
from flashdesk.formats import DeckFileError
from flashdesk.model import FlashdeskError
from flashdesk.ui.dialogs.import_preview import PruneQuestion
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
    assert "7 cards carry progress from Anki" in dialog._issues.toPlainText()
    dialog.set_with_scheduling(True)
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        dialog.accept()
    [report] = blocker.args[0]
    assert report.progress == 7
    assert "7 with Anki progress" in "\n".join(window.last_dialog.lines)
    assert col.reports.check(window.reviewer._clock()).ok


def test_the_summary_shows_each_skipped_row_under_its_deck_or_the_file(qtbot, window, tmp_path):
    sheet = tmp_path / "multi.txt"
    sheet.write_text("#separator:comma\n#deck column:3\nA1,a,One\nB,,Two\nB2,b,Two\n"
                     "#,a comment,row\n", encoding="utf-8")
    with qtbot.waitSignal(window.imported, timeout=10000):
        window.import_paths([str(sheet)])
    lines = list(map(plain, window.last_dialog.lines))
    two = next(i for i, line in enumerate(lines) if line.startswith("Two"))
    whole = lines.index(f"{sheet}, not under one deck: 1 skipped")
    assert two < whole and "1 skipped" in lines[two]
    assert not any("skipped" in line for line in lines[:two])
    assert any(line.startswith(f"    skipped: {sheet}:4: skipped: it has no back")
               for line in lines[two + 1:whole])
    assert lines[whole + 1] == (f"    skipped: {sheet}:6: skipped: a row starting with '#' is a "
                                "comment in Anki's text files")


# -- removing notes the file no longer has (prune) ----------------------------------------

def _tutor_files(tmp_path):
    """A tutor's v1.csv (six notes in Unit 2) and v2.csv, which drops q3."""
    rows = [f"q{i},What is step {i}?,Answer {i},Unit 2\n" for i in range(1, 7)]
    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    v1.write_text("id,front,back,deck\n" + "".join(rows), encoding="utf-8")
    v2.write_text("id,front,back,deck\n" + "".join(r for r in rows if not r.startswith("q3")),
                  encoding="utf-8")
    return v1, v2


def _import_and_study(qtbot, window, col, path):
    with qtbot.waitSignal(window.imported, timeout=10000):
        window.import_paths([str(path)])
    window.last_dialog.close()
    now = window.reviewer._clock()
    while (card := col.study.next_card("unit-2", now)) is not None:
        col.study.answer(card.id, 4, now)


def _preview_pruning(qtbot, window, path):
    dialog = window.preview_import([str(path)])
    qtbot.waitUntil(dialog._import.isEnabled, timeout=10000)
    dialog.set_prune(True)
    return dialog


def _progress(col, window):
    """note → answers counted in its card's SM-2 state, for the notes still there."""
    now, found = window.reviewer._clock(), {}
    for note in ("q1", "q2", "q3", "q4", "q5", "q6"):
        try:
            found[note] = col.study.card(f"unit-2/{note}#0", now).state.repetitions
        except FlashdeskError:
            pass
    return found


@pytest.fixture
def asked(monkeypatch):
    """The prune question, answered as the test says (``asked.answers``)."""
    class Asked(list):
        answers: list[bool] = []

    seen = Asked()

    def ask(cls, parent, question, details):
        seen.append((plain(question), plain(details)))
        return seen.answers.pop(0)

    monkeypatch.setattr(PruneQuestion, "ask", classmethod(ask))
    return seen


def test_removing_studied_notes_is_asked_first_backed_up_and_reported(qtbot, window, col,
                                                                     tmp_path, asked,
                                                                     monkeypatch):
    """Found by a new user: the prune reset studied cards without asking, with
    no backup, and the report said progress was kept."""
    v1, v2 = _tutor_files(tmp_path)
    _import_and_study(qtbot, window, col, v1)
    pruned = []  # what each import from the preview may remove
    real_import = window.import_paths
    monkeypatch.setattr(window, "import_paths",
                        lambda *a, **k: (pruned.append(k.get("prune")), real_import(*a, **k))[1])
    assert _progress(col, window) == dict.fromkeys(("q1", "q2", "q3", "q4", "q5", "q6"), 1)

    # the same file again, box ticked: nothing to remove, nothing asked
    dialog = _preview_pruning(qtbot, window, v1)
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        dialog.accept()
    assert asked == [] and blocker.args[0][0].removed == 0
    assert pruned == [frozenset()]  # nothing named: nothing may go
    assert "Your progress on existing cards is kept." in window.last_dialog.heading.text()
    window.last_dialog.close()

    # Cancel (the learner's first answer): nothing imported, nothing removed, still in the preview
    dialog = _preview_pruning(qtbot, window, v2)
    asked.answers.append(False)
    dialog.accept()
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=10000)
    question, details = asked[0]
    assert question == "Remove 1 note that is no longer in v2.csv?"
    assert details.startswith("Its progress goes with it: you have studied 1 card of 1.\n"
                              "From “Unit 2”:\n• “What is step 3?”\nA backup is made first")
    assert "untick “Remove notes that are no longer in the file”" in details
    qtbot.waitUntil(dialog._import.isEnabled, timeout=10000)
    assert dialog.isVisible() and not window.busy
    assert _progress(col, window)["q3"] == 1
    assert list((col.path.parent / "backups").glob("*.db")) == []  # no backup either

    # Remove and import: the backup comes first, and the report tells the truth
    asked.answers.append(True)
    with qtbot.waitSignal(window.imported, timeout=10000) as blocker:
        dialog.accept()
    [report] = blocker.args[0]
    assert (report.removed, report.removed_studied) == (1, 1)
    assert pruned[-1] == {"unit-2/q3"}  # only what the question named may go
    assert "q3" not in _progress(col, window)
    heading = window.last_dialog.heading.text()
    assert "progress on existing cards is kept" not in heading
    backup = Path(report.backup)
    assert backup.is_file() and backup.parent == col.path.parent / "backups"
    assert heading == ("Imported 1 deck: 0 notes added, 0 updated. 1 note no longer in the file "
                       "was removed, and with it the progress of 1 studied card; the backup "
                       f"made first, {backup.name}, still has it. Other cards keep theirs.")
    lines = [plain(line) for line in window.last_dialog.lines]
    # the removed note is counted once: removed, not also missing (kept)
    assert any(line.endswith("5 unchanged, 0 missing, 1 removed") for line in lines)
    assert "    Removed 1 note no longer in the file, and with it the progress of 1 studied " \
           "card: “What is step 3?”." in lines
    assert any(line.startswith(f"    Backed up first, to {backup}: ") and
               f'`flashdesk restore "{backup}"`' in line for line in lines)


def test_the_prune_question_defaults_to_keeping_the_notes(qtbot, window, col, tmp_path):
    """The real box: Enter takes its default, Cancel; its other button removes."""
    v1, v2 = _tutor_files(tmp_path)
    _import_and_study(qtbot, window, col, v1)
    dialog = _preview_pruning(qtbot, window, v2)
    seen = []

    def answer(press_enter):
        box = QApplication.activeModalWidget()
        if not isinstance(box, PruneQuestion):
            QTimer.singleShot(20, lambda: answer(press_enter))
            return
        seen.append((box.windowTitle(), plain(box.text()), box.defaultButton().text()))
        if press_enter:
            QTest.keyClick(box, Qt.Key.Key_Return)
        else:
            box.remove_button.click()

    answer(True)
    dialog.accept()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=10000)
    qtbot.waitUntil(dialog._import.isEnabled, timeout=10000)
    assert seen == [("Remove notes", "Remove 1 note that is no longer in v2.csv?", "Cancel")]
    assert dialog.isVisible() and _progress(col, window)["q3"] == 1

    answer(False)
    with qtbot.waitSignal(window.imported, timeout=10000):
        dialog.accept()
    assert "q3" not in _progress(col, window)
