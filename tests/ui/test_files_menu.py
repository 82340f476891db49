"""The File menu, and File › Export…: the window does what `flashdesk
export` does, with the same core calls."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from flashdesk.formats import read_any
from flashdesk.ui.dialogs import export as export_dialog
from flashdesk.ui.dialogs.export import ExportDialog, ExportFile, ExportFormat, file_stem
from flashdesk.ui.dialogs.written import ShowFolder
from flashdesk.ui.main_window import Screen

from uihelpers import KINDS_DECK, plain, study, write_deck


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

def test_the_file_menu_has_export_with_its_own_letter_and_key(window):
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions() if not a.isSeparator()]
    assert texts[:3] == ["&Add cards…", "&Import…", "&Export…"]
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
