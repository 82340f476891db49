"""A new user's third look at the window: the deck list has the keys from
the start however the profile is set up, and keeps them through a merge in
the background."""

from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from flashdesk.sync import set_sync_folder
from flashdesk.sync.classroom import share
from flashdesk.ui.main_window import Screen

from uihelpers import KINDS_DECK, focused, press, type_text, write_deck

Key = Qt.Key

def _now() -> datetime:
    return datetime.now().astimezone()


def _merged(window) -> bool:
    """The merge the window starts with is over (at once when there is none)."""
    watch = window.sync_watch
    started = not watch.active or watch.summaries > 0 or watch.last_report is not None
    return started and not window.busy


@pytest.mark.parametrize("sync_folder,sharing", [(False, False), (True, False), (False, True),
                                                 (True, True)],
                         ids=["alone", "sync-folder", "class-sharing", "both"])
def test_the_deck_list_has_the_keys_from_the_start(qtbot, make_window, col, tmp_path,
                                                  sync_folder, sharing):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    if sync_folder:
        (tmp_path / "sync").mkdir()
        set_sync_folder(col, tmp_path / "sync")
    if sharing:
        (tmp_path / "class").mkdir()
        share(col, tmp_path / "class", "Sam", None, _now())
    window = make_window(col)
    qtbot.waitUntil(lambda: _merged(window), timeout=10000)

    assert focused() is window.decks.tree
    press(qtbot, Key.Key_Down)  # Kinds, under Test
    assert window.decks.current_deck_id() == "kinds"
    press(qtbot, Key.Key_Return)
    assert window.screen == Screen.REVIEW


def test_with_no_deck_the_keys_go_to_making_one(qtbot, window):
    assert focused() is window.decks.new_deck_button


def test_a_merge_while_typing_a_note_leaves_the_keys_in_the_field(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    (tmp_path / "sync").mkdir()
    set_sync_folder(col, tmp_path / "sync")
    window.sync_watch.show_last()
    window.refresh_decks(select="kinds")
    add = window.open_add("kinds")
    add.activateWindow()
    qtbot.waitUntil(add.isActiveWindow)
    add.form.focus_first()
    type_text(qtbot, "Who approves")
    with qtbot.waitSignal(window.sync_watch.synced, timeout=10000):
        assert window.sync_watch.sync_now()
    type_text(qtbot, " refunds?")
    assert add.form.texts()["front"] == "Who approves refunds?"
    # and back on the deck list, after the same kind of merge
    add.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.decks.focus_tree()
    with qtbot.waitSignal(window.sync_watch.synced, timeout=10000):
        assert window.sync_watch.sync_now()
    assert focused() is window.decks.tree
