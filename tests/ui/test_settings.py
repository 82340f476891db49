"""The settings dialog: changes apply at once and survive a restart."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from flashdesk.collection import Collection
from flashdesk.model import GradeMode
from flashdesk.ui.dialogs import settings as settings_module
from flashdesk.ui.main_window import Screen
from flashdesk.ui.prefs import FONT_MAX
from flashdesk.ui.theme import ThemeChoice, current_theme

from uihelpers import activate, press


def test_settings_apply_at_once_and_persist_across_a_restart(qtbot, make_window, col,
                                                              profile_path, kinds_deck, settings):
    col.files.import_files([kinds_deck])
    window = make_window(col)
    window.decks.select_deck("kinds")
    press(qtbot, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # Ctrl+,
    dialog = window.settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.profile_path.text() == str(profile_path.parent)
    assert dialog.profile_path.isReadOnly()

    # a deck's daily limits are in its one options dialog, reached from here too
    dialog.deck_options_button.click()
    options = window.deck_options
    assert options is not None and options.summary.id == "kinds"
    options.new_limit.setValue(3)
    options.accept()
    assert window.decks.current_summary().new == 3  # the deck list followed at once
    dialog.six_grades.setChecked(True)
    assert [b.key for b in window.reviewer.grade_buttons] == [0, 1, 2, 3, 4, 5]
    dialog.font_size.setValue(FONT_MAX)
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    assert window.theme.is_dark
    dialog.close()
    window.close()
    col.close()

    # a new start on the same profile finds every setting as it was left
    col2 = Collection.open(profile_path, bundled=False)
    try:
        window2 = make_window(col2, settings)
        assert col2.grade_mode == GradeMode.SIX_GRADES
        assert window2.prefs.card_font_pt == FONT_MAX
        assert window2.prefs.theme == ThemeChoice.DARK
        assert window2.theme.is_dark
        assert window2.decks.current_deck_id() == "kinds"  # the last deck
        assert window2.decks.current_summary().new_limit == 3
        dialog2 = window2.open_settings()
        assert dialog2.six_grades.isChecked()
        assert dialog2.font_size.value() == FONT_MAX
        assert dialog2.theme_combo.currentData() == "dark"
        assert window2.open_deck_options("kinds").new_limit.value() == 3
        window2.deck_options.reject()
        dialog2.close()

        # the card font and the six grades are what the reviewer uses
        activate(qtbot, window2)
        window2.study_current()
        assert window2.screen == Screen.REVIEW
        assert window2.reviewer.view.font().pointSize() == FONT_MAX
        press(qtbot, Qt.Key.Key_Space)
        assert [b.isVisible() for b in window2.reviewer.grade_buttons] == [True] * 6
        press(qtbot, Qt.Key.Key_0)  # blackout
        assert col2.notes.history("kinds/a-basic#0")[-1]["quality"] == 0
        window2.close()
    finally:
        col2.close()


def test_the_dark_theme_applies_to_the_whole_application(qtbot, window):
    app = QApplication.instance()
    light_window = app.palette().color(QPalette.ColorRole.Window)
    assert light_window.lightness() > 200
    dialog = window.open_settings()
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
    assert app.palette().color(QPalette.ColorRole.WindowText).lightness() > 200
    assert "#1c2026" in app.styleSheet()
    assert current_theme().is_dark
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("light"))
    assert app.palette().color(QPalette.ColorRole.Window) == light_window


def test_the_profile_folder_opens_in_the_file_manager(qtbot, window, monkeypatch, profile_path):
    opened = []
    monkeypatch.setattr(settings_module, "open_folder", lambda path: opened.append(path) or True)
    dialog = window.open_settings()
    dialog.open_folder_button.click()
    assert opened == [profile_path.parent]


def test_settings_controls_are_named_for_screen_readers(qtbot, window):
    dialog = window.open_settings()
    for control in (dialog.deck_options_button, dialog.four_buttons,
                    dialog.six_grades, dialog.font_size, dialog.theme_combo, dialog.profile_path,
                    dialog.open_folder_button):
        assert control.accessibleName()
        assert control.focusPolicy() & Qt.FocusPolicy.TabFocus
