"""The main window: deck list, review and summary screens, tool bar, menus
and status bar, imports (menu, file dialog, drag and drop) and settings."""

from __future__ import annotations

import random
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog, QLabel, QMainWindow, QStackedWidget, QToolBar, QWidget,
)

from ..collection import Cancelled, Collection
from ..formats import FORMATS, DeckFileError
from ..model import DeckId, FlashdeskError, ImportReport
from .deck_list import DeckListScreen
from .browser import BrowserWindow
from .dialogs.import_preview import ImportPreviewDialog
from .dialogs.import_result import ImportResultDialog
from .dialogs.messages import inform, show_error
from .dialogs.settings import SettingsDialog
from .prefs import Prefs
from .reviewer import ReviewScreen, SessionSummary, local_now
from .summary import SummaryScreen
from .theme import Theme, ThemeChoice, app_icon, apply_theme
from .workers import Op, run_op

__all__ = ["MainWindow", "Screen", "ImportFiles", "SHORTCUTS"]

#: file name suffixes flashdesk imports (deck files first)
IMPORT_SUFFIXES = tuple(FORMATS)

SHORTCUTS = [
    ("Decks", "Study the selected deck", "Enter, double-click, or Ctrl+Return"),
    ("Decks", "Import deck files, spreadsheets or Anki packages",
     "Ctrl+I (or drop the files on the window)"),
    ("Everywhere", "Browse cards / Statistics", "Ctrl+B / Ctrl+T"),
    ("Browser", "Find / suspend / delete / undo delete", "Ctrl+F / Ctrl+J / Ctrl+Delete / Ctrl+Z"),
    ("Everywhere", "Settings", "Ctrl+,"),
    ("Studying", "Show the answer", "Space or Enter (Ctrl+Enter in a scenario)"),
    ("Studying", "Grade", "1–4 (0–5 with six grades); Enter takes the suggested grade"),
    ("Studying", "Choose an option", "1, 2, 3…"),
    ("Studying", "Move an item (order cards)", "Alt+Up / Alt+Down, then Enter to check"),
    ("Studying", "Undo the last answer", "Ctrl+Z"),
    ("Studying", "Edit / suspend / bury", "E / @ / -"),
    ("Studying", "Back to the decks", "Esc"),
]


class Screen(IntEnum):
    DECKS = 0
    REVIEW = 1
    SUMMARY = 2


class ImportFiles:
    """The file dialog for imports (tests replace ``ask``)."""

    FILTERS = ";;".join([
        "flashdesk deck files (*.toml)",
        "All files flashdesk can import (" + " ".join(f"*{s}" for s in IMPORT_SUFFIXES) + ")",
        "Spreadsheets (*.csv *.tsv *.txt)",
        "Anki packages (*.apkg *.colpkg)",
    ])

    @classmethod
    def ask(cls, parent: QWidget, folder: str = "") -> list[str]:
        paths, _filter = QFileDialog.getOpenFileNames(parent, "Import deck files", folder,
                                                      cls.FILTERS)
        return paths


class MainWindow(QMainWindow):
    """One collection's window. The caller opens and closes the collection."""

    #: an import finished (list of ImportReport)
    imported = Signal(list)
    #: an import failed or was cancelled (the exception)
    import_failed = Signal(object)
    #: the visible screen changed (Screen)
    screen_changed = Signal(int)
    #: the theme was applied (Theme)
    theme_applied = Signal(object)
    #: the window was closed
    closed = Signal()

    def __init__(self, col: Collection, settings: QSettings | None = None, *,
                 clock: Callable[[], datetime] = local_now, rng: random.Random | None = None,
                 timer: Callable[[], float] | None = None):
        super().__init__()
        self._col = col
        self._prefs = Prefs(col)
        self._clock = clock
        if settings is None:
            folder = col.path.parent if col.path else Path.home()
            settings = QSettings(str(folder / "window.ini"), QSettings.Format.IniFormat)
        self._settings = settings
        self._busy = False
        self.browser: BrowserWindow | None = None
        self.statistics_window = None
        self.import_dialog: ImportPreviewDialog | None = None
        self._op: Op | None = None
        self._settings_dialog: SettingsDialog | None = None
        self.theme: Theme | None = None
        #: the last message or result dialog shown (for tests and screenshots)
        self.last_dialog: QWidget | None = None

        self.setWindowTitle("flashdesk")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.setMinimumSize(QSize(760, 520))

        self._stack = QStackedWidget()
        self.decks = DeckListScreen()
        self.reviewer = ReviewScreen(col, self._prefs, clock=clock, rng=rng,
                                     **({"timer": timer} if timer is not None else {}))
        self.summary = SummaryScreen()
        for screen in (self.decks, self.reviewer, self.summary):
            self._stack.addWidget(screen)
        self.setCentralWidget(self._stack)

        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self._totals = QLabel("")
        self._totals.setAccessibleName("Today's totals")
        self.statusBar().addPermanentWidget(self._totals)
        self.statusBar().setSizeGripEnabled(True)

        self.decks.study_requested.connect(self.start_study)
        self.decks.current_changed.connect(lambda _id: self._update_actions())
        self.reviewer.left.connect(self.show_decks)
        self.reviewer.finished.connect(self._on_session_finished)
        self.reviewer.card_shown.connect(lambda _card: self.show_screen(Screen.REVIEW))
        self.reviewer.answered.connect(lambda _result: self._update_totals())
        self.reviewer.undone.connect(lambda _cid: self._update_totals())
        self.summary.closed.connect(self.show_decks)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme_changed)

        self.apply_theme()
        self._restore_state()
        self.refresh_decks(select=self._settings.value("decks/last", None, str))
        self.show_screen(Screen.DECKS)

    # -- OpHost ----------------------------------------------------------------

    @property
    def collection(self) -> Collection:
        return self._col

    @property
    def prefs(self) -> Prefs:
        return self._prefs

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        """While an op runs nothing else may use the collection."""
        self._busy = busy
        self._stack.setEnabled(not busy)
        for window in (self.browser, self.statistics_window):
            if window is not None:
                window.setEnabled(not busy)
        self.setAcceptDrops(not busy)
        self._update_actions()
        if not busy:
            self._op = None

    # -- building --------------------------------------------------------------

    def _action(self, text: str, shortcut: str | QKeySequence.StandardKey | None, tip: str,
                slot, *, name: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            tip = f"{tip} ({keys})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.decks_action = self._action("&Decks", None, "Back to the deck list",
                                         self.show_decks, name="decks")
        self.study_action = self._action("&Study", "Ctrl+Return", "Study the selected deck",
                                         self.study_current, name="study")
        self.import_action = self._action("&Import…", "Ctrl+I", "Import deck files (.toml)",
                                          self.choose_import_files, name="import")
        self.browse_action = self._action("&Browse", "Ctrl+B", "Browse cards – coming soon",
                                          self.show_browse, name="browse")
        self.stats_action = self._action("S&tatistics", "Ctrl+T", "Statistics – coming soon",
                                         self.show_statistics, name="statistics")
        self.settings_action = self._action("Se&ttings…", "Ctrl+,",
                                            "Limits, answer buttons, theme and font",
                                            self.open_settings, name="settings")
        self.undo_action = self._action("&Undo answer", QKeySequence.StandardKey.Undo,
                                        "Take back the last answer", self.undo_answer,
                                        name="undo")
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, "Quit flashdesk",
                                        self.close, name="quit")
        self.shortcuts_action = self._action("&Keyboard shortcuts",
                                             QKeySequence.StandardKey.HelpContents,
                                             "List the keyboard shortcuts", self.show_shortcuts,
                                             name="shortcuts")
        self.about_action = self._action("&About flashdesk", None, "About flashdesk",
                                         self.show_about, name="about")

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        go_menu = bar.addMenu("&Go")
        for action in (self.decks_action, self.study_action, self.browse_action,
                       self.stats_action):
            go_menu.addAction(action)
        tools_menu = bar.addMenu("&Tools")
        tools_menu.addAction(self.settings_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def _make_toolbar(self) -> None:
        toolbar = QToolBar("Main tool bar")
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setAccessibleName("Main tool bar")
        for action in (self.decks_action, self.study_action, self.import_action,
                       self.browse_action, self.stats_action, self.settings_action):
            toolbar.addAction(action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    # -- screens ---------------------------------------------------------------

    @property
    def screen(self) -> Screen:
        return Screen(self._stack.currentIndex())

    def show_screen(self, screen: Screen) -> None:
        if self._stack.currentIndex() != screen:
            self._stack.setCurrentIndex(screen)
            self.screen_changed.emit(int(screen))
        self._update_actions()

    def _update_actions(self) -> None:
        idle = not self._busy
        on_decks = self.screen == Screen.DECKS
        self.decks_action.setEnabled(idle and not on_decks)
        self.study_action.setEnabled(idle and on_decks and self.decks.current_deck_id() is not None)
        self.import_action.setEnabled(idle and on_decks)
        self.settings_action.setEnabled(idle)
        self.undo_action.setEnabled(idle and self.screen in (Screen.REVIEW, Screen.SUMMARY))
        self.browse_action.setEnabled(idle)
        self.stats_action.setEnabled(idle)
        self.decks.study_button.setEnabled(idle and self.decks.current_deck_id() is not None)

    def refresh_decks(self, select: str | None = None) -> None:
        self.decks.refresh(self._col.deck_summaries(self._clock()), select=select)
        self._update_totals()
        self._update_actions()

    def _update_totals(self) -> None:
        new, learning, due = self.decks.model.top_level_totals()
        if self.screen != Screen.DECKS:
            summaries = self._col.deck_summaries(self._clock())
            tops = [s for s in summaries if s.depth == 0]
            new, learning, due = (sum(s.new for s in tops), sum(s.learning for s in tops),
                                  sum(s.due for s in tops))
        reviewed = self._col.stats(self._clock()).reviews_today
        self._totals.setText(f"Today: {new} new · {learning} learning · {due} due · "
                             f"{reviewed} answered")

    def show_decks(self) -> None:
        """Back to the deck list, with fresh counts."""
        if self._busy:
            return
        self.reviewer.stop()
        self._col.end_session()
        self.show_screen(Screen.DECKS)
        self.refresh_decks()
        self.decks.focus_tree()

    def study_current(self) -> None:
        deck_id = self.decks.current_deck_id()
        if deck_id is not None:
            self.start_study(deck_id)

    def start_study(self, deck_id: str) -> None:
        if self._busy or self.screen == Screen.REVIEW:
            return
        summary = next((s for s in self.decks.model.summaries() if s.id == deck_id), None)
        if summary is None:
            return
        self._settings.setValue("decks/last", deck_id)
        self.reviewer.start(DeckId(deck_id), summary.name)

    def _on_session_finished(self, summary: SessionSummary) -> None:
        if summary.answers == 0:
            self.show_screen(Screen.DECKS)
            self.refresh_decks(select=summary.deck_id)
            self.decks.show_message(f"Nothing to study in {summary.deck_name} right now. New "
                                    "cards arrive each day, and reviews when they are due.")
            self.decks.focus_tree()
            return
        self.summary.show_summary(summary)
        self.show_screen(Screen.SUMMARY)
        self._update_totals()
        self.summary.back_button.setFocus()

    def undo_answer(self) -> None:
        if self._busy or self.screen not in (Screen.REVIEW, Screen.SUMMARY):
            return
        self.reviewer.undo()  # from the summary, the sitting goes on

    # -- imports ---------------------------------------------------------------

    def choose_import_files(self) -> None:
        if self._busy or self.screen != Screen.DECKS:
            return
        folder = self._settings.value("import/folder", "", str)
        paths = ImportFiles.ask(self, folder)
        if paths:
            self._settings.setValue("import/folder", str(Path(paths[0]).parent))
            self.preview_import(paths)

    def preview_import(self, paths: list[str]) -> ImportPreviewDialog | None:
        """Show what the files hold before importing them (format, first notes,
        target deck, problems); importing starts when the learner accepts."""
        if self._busy or self.screen != Screen.DECKS or not paths:
            return None
        dialog = ImportPreviewDialog(self._col, [str(p) for p in paths], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.import_paths(
            dialog.paths, deck_name=dialog.deck_name(), prune=dialog.prune()))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def import_paths(self, paths: list[str], *, deck_name: str | None = None,
                     prune: bool = False) -> Op | None:
        """Import files on a worker thread with a progress dialog."""
        if self._busy or self.screen != Screen.DECKS or not paths:
            return None
        paths = [str(p) for p in paths]
        n = len(paths)
        label = f"Importing {Path(paths[0]).name}…" if n == 1 else f"Importing {n} files…"
        self.statusBar().showMessage(label)
        self._op = run_op(self, lambda col, progress: col.import_files(
            paths, deck_name=deck_name, prune=prune, progress=progress),
            self._on_imported, label, on_failed=self._on_import_failed)
        return self._op

    def _on_imported(self, reports: list[ImportReport]) -> None:
        self.statusBar().clearMessage()
        self.refresh_decks(select=reports[0].deck_id if reports else None)
        self.last_dialog = ImportResultDialog.show_reports(self, reports)
        self.imported.emit(reports)

    def _on_import_failed(self, error: BaseException) -> None:
        self.statusBar().clearMessage()
        if isinstance(error, Cancelled):
            self.statusBar().showMessage("Import cancelled; nothing was changed.", 8000)
        elif isinstance(error, DeckFileError):
            self.last_dialog = ImportResultDialog.show_problems(
                self, [str(p) for p in error.problems])
        elif isinstance(error, (FlashdeskError, OSError)):
            self.last_dialog = show_error(self, "Nothing was imported", str(error))
        else:
            self.last_dialog = show_error(self, "Nothing was imported",
                                           f"Something went wrong: {error!r}")
        self.import_failed.emit(error)

    @staticmethod
    def _importable(event: QDragEnterEvent | QDropEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        if not paths or any(not p.lower().endswith(IMPORT_SUFFIXES) for p in paths):
            return []
        return paths

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if not self._busy and self.screen == Screen.DECKS and self._importable(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = self._importable(event)
        if paths and self.preview_import(paths) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    # -- settings and look -----------------------------------------------------

    def open_settings(self) -> SettingsDialog | None:
        if self._busy:
            return None
        if self._settings_dialog is not None:
            self._settings_dialog.raise_()
            self._settings_dialog.activateWindow()
            return self._settings_dialog
        dialog = SettingsDialog(self._col, self._prefs, self._clock,
                                current_deck=self.reviewer.deck_id if self.screen == Screen.REVIEW
                                else self.decks.current_deck_id(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self._on_settings_changed)
        dialog.finished.connect(self._on_settings_closed)
        self._settings_dialog = dialog
        dialog.open()
        return dialog

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        return self._settings_dialog

    def _on_settings_closed(self, _result: int) -> None:
        self._settings_dialog = None
        if self.screen == Screen.DECKS:
            self.decks.focus_tree()

    def _on_settings_changed(self, what: str) -> None:
        if what == "theme":
            self.apply_theme()
        elif what == "limits" and self.screen == Screen.DECKS:
            self.refresh_decks()
        else:
            self.reviewer.apply_preferences()

    def apply_theme(self) -> Theme:
        self.theme = apply_theme(self._prefs.theme)
        self.reviewer.apply_preferences()
        if self.reviewer.view is not None:
            self.reviewer.notify("The new theme shows fully from the next card.")
        self.decks.tree.viewport().update()  # count colours come from the theme
        self.theme_applied.emit(self.theme)
        return self.theme

    def _on_system_scheme_changed(self, _scheme) -> None:
        if self._prefs.theme == ThemeChoice.SYSTEM:
            self.apply_theme()

    # -- later windows, help ---------------------------------------------------

    def show_browse(self) -> BrowserWindow:
        """The card browser (one window, brought forward if already open)."""
        if self.browser is None:
            self.browser = BrowserWindow(self._col, self)
            self.browser.setWindowFlag(Qt.WindowType.Window)
            self.browser.collection_changed.connect(self._collection_changed_elsewhere)
        self.browser.show()
        self.browser.raise_()
        self.browser.activateWindow()
        return self.browser

    def show_statistics(self):
        """The statistics window for the current deck (QtCharts loads now, not at start-up)."""
        from .stats_window import StatisticsWindow

        deck = self.reviewer.deck_id if self.screen == Screen.REVIEW else self.decks.current_deck_id()
        if self.statistics_window is not None:
            self.statistics_window.close()
            self.statistics_window.deleteLater()
        self.statistics_window = StatisticsWindow(self._col, self, deck_id=deck)
        self.statistics_window.setWindowFlag(Qt.WindowType.Window)
        self.statistics_window.show()
        return self.statistics_window

    def _collection_changed_elsewhere(self) -> None:
        if self.screen == Screen.DECKS:
            self.refresh_decks(select=self.decks.current_deck_id())

    def show_shortcuts(self) -> None:
        text = "\n".join(f"{where}: {what} – {keys}" for where, what, keys in SHORTCUTS)
        self.last_dialog = inform(self, "Keyboard shortcuts", "Keyboard shortcuts", text)

    def show_about(self) -> None:
        from .. import __version__

        self.last_dialog = inform(
            self, "About flashdesk", f"flashdesk {__version__}",
            "Offline spaced-repetition flashcards (SM-2) for handling challenging customers.")

    def bring_to_front(self) -> None:
        """Another launch on this profile asked for the window."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    # -- state -----------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 720)
        splitter = self._settings.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.decks.splitter.restoreState(splitter)

    def save_state(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/splitter", self.decks.splitter.saveState())
        deck = self.reviewer.deck_id if self.screen != Screen.DECKS else \
            self.decks.current_deck_id()
        if deck:
            self._settings.setValue("decks/last", deck)
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self._op is not None and self._op.running:
            self._op.cancel()
            self._op.wait(30)
        self.save_state()
        if self._settings_dialog is not None:
            self._settings_dialog.close()
        super().closeEvent(event)
        self.closed.emit()
