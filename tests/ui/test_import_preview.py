"""The import dialog: detected format, a preview of the first notes, the
target deck and the problems, before anything is imported."""

from pathlib import Path

import pytest

from flashdesk.collection import Collection
from flashdesk.ui.dialogs.import_preview import ImportPreviewDialog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IMPORT = FIXTURES / "import"


@pytest.fixture
def col(tmp_path):
    c = Collection.open(tmp_path / "p" / "collection.db", bundled=False, backups=False)
    yield c
    c.close()


def open_dialog(qtbot, col, paths):
    dialog = ImportPreviewDialog(col, [str(p) for p in paths])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.previewed, timeout=10000) as blocker:
        dialog.show()
    return dialog, blocker.args[0]


def test_preview_of_an_anki_package(qtbot, col):
    dialog, ok = open_dialog(qtbot, col, [IMPORT / "anki-modern.apkg"])
    assert ok and dialog._import.isEnabled()
    assert "Anki package" in dialog._format.text() and "5 notes in Tutor › Week 1" in dialog._format.text()
    assert dialog._table.rowCount() == 5
    assert dialog._table.item(0, 2).text() == "What does HEAT stand for?"
    assert "scheduling is not imported" in dialog._issues.toPlainText()
    assert col.decks.summaries(__import__("datetime").datetime.now().astimezone()) == []  # nothing yet


def test_target_deck_applies_to_a_spreadsheet_without_a_deck_column(qtbot, col):
    dialog, ok = open_dialog(qtbot, col, [IMPORT / "spreadsheet.csv"])
    assert dialog._table.item(0, 0).text() == "spreadsheet"
    with qtbot.waitSignal(dialog.previewed, timeout=10000):
        dialog.set_deck_name("Class::Week 2")
    assert dialog.deck_name() == "Class::Week 2"
    assert dialog._table.item(0, 0).text() == "Class › Week 2"  # as people read it
    dialog.set_deck_name("Class › Week 3")  # typed as the list shows names
    assert dialog.deck_name() == "Class::Week 3"


def test_skipped_rows_and_refused_files_are_listed(qtbot, col, tmp_path):
    dialog, ok = open_dialog(qtbot, col, [IMPORT / "kinds.tsv"])
    assert ok and "kinds.tsv:7: skipped" in dialog._issues.toPlainText()
    bad = tmp_path / "bad.apkg"
    bad.write_bytes(b"not a zip")
    dialog, ok = open_dialog(qtbot, col, [IMPORT / "kinds.tsv", bad])
    assert not ok and not dialog._import.isEnabled()
    assert f"{bad}: refused" in dialog._issues.toPlainText()


def test_the_progress_box_is_offered_only_for_files_with_anki_progress(qtbot, col):
    dialog, ok = open_dialog(qtbot, col, [IMPORT / "spreadsheet.csv"])
    assert ok and not dialog._scheduling.isEnabled() and not dialog.with_scheduling()
    dialog, ok = open_dialog(qtbot, col, [IMPORT / "tutors" / "scheduled.apkg"])
    assert ok and dialog._scheduling.isEnabled()
    dialog.set_with_scheduling(True)
    assert dialog.with_scheduling()


def test_a_key_pressed_by_chance_does_not_name_a_deck(qtbot, col, tmp_path):
    """The deck box starts empty, showing "Decks named in the file" as its
    hint, and the keys start on the preview: a stray key is no deck name."""
    from PySide6.QtWidgets import QApplication

    from flashdesk.ui.dialogs.import_preview import FILE_DECKS

    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back,deck\nQ,A,Unit\n", encoding="utf-8")
    dialog, ok = open_dialog(qtbot, col, [sheet])
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    assert ok and QApplication.focusWidget() is dialog._table
    qtbot.keyClicks(QApplication.focusWidget(), "2i")
    assert dialog.deck_name() is None
    assert dialog._deck.currentText() == "" and dialog._deck.lineEdit().placeholderText() == FILE_DECKS
    dialog.set_deck_name("Class::Week 2")
    assert dialog.deck_name() == "Class::Week 2"
    dialog._deck.setCurrentIndex(0)  # back to the file's decks, chosen from the list
    dialog._deck.activated.emit(0)
    assert dialog._deck.currentText() == "" and dialog.deck_name() is None
    assert dialog._deck.itemText(0) == FILE_DECKS
