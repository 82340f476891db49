"""The main window: deck list, review and summary screens, tool bar, menus
and status bar, imports (menu, file dialog, drag and drop), exports, backups
and the choice of one to restore, settings, the Add window and the deck
actions (new, rename, move, options, delete)."""

from __future__ import annotations

import random
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import Callable

import shiboken6
from PySide6.QtCore import (
    QByteArray, QEvent, QMetaMethod, QSettings, QSize, Qt, QTimer, Signal,
)
from PySide6.QtGui import (
    QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog, QLabel, QMainWindow, QMenu, QStackedWidget, QToolBar, QWidget,
)

from ..collection import Cancelled, Collection, UndoRefused
from ..formats import FORMATS, DeckFileError
from ..model import (
    Answered, Changes, CustomKind, DeckId, FlashdeskError, ImportResult, UndoResult,
)
from ..review import KEY_HELP, SessionSummary, local_now
from ..text import deck_path, isolate, plural, sentence
from .add_window import AddWindow
from .deck_list import DeckListScreen
from .browser import BrowserWindow
from .dialogs.backups import RestoreDialog, backed_up_message
from .dialogs.custom_study import CustomStudyDialog
from .dialogs.deck_options import DeckOptionsDialog
from .dialogs.export import ExportChoice, ExportDialog, ExportDone, done_message, write_export
from .dialogs.questions import Ask
from .dialogs.import_preview import ImportPreviewDialog
from .dialogs.import_result import ImportResultDialog
from .dialogs.messages import inform, show_error
from .dialogs.settings import SettingsDialog
from .dialogs.written import show_written
from .prefs import Prefs
from .reviewer import ReviewScreen
from .summary import SummaryScreen
from .sync_watch import SyncWatcher
from .geometry import restore_geometry
from .theme import Theme, ThemeChoice, app_icon, apply_theme
from .workers import Op, run_op

__all__ = ["MainWindow", "Screen", "ImportFiles", "SHORTCUTS"]

#: file name suffixes flashdesk imports (deck files first)
IMPORT_SUFFIXES = tuple(FORMATS)

#: (where, what, keys) for the F1 help: the one table the README's also comes from
SHORTCUTS = list(KEY_HELP)

#: how often the window looks for changes made by another process (ms)
WATCH_INTERVAL_MS = 2000


class Screen(IntEnum):
    DECKS = 0
    REVIEW = 1
    SUMMARY = 2


class ImportFiles:
    """The file dialog for imports (tests replace ``ask``)."""

    FILTERS = ";;".join([
        "All files flashdesk can import (" + " ".join(f"*{s}" for s in IMPORT_SUFFIXES) + ")",
        "flashdesk deck files (*.toml)",
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
    #: the learner chose a backup to restore and confirmed (its Path): whoever opened
    #: the collection closes this window and the collection, restores, and reopens
    restore_requested = Signal(object)

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
        #: each window's focus widget when an op began (given back when it ends)
        self._focus_kept: list[tuple[QWidget, QWidget | None]] = []
        #: answers given today in every deck (read with the deck list, then counted)
        self._answered_today = 0
        #: the deck list's counts are out of date (refreshed when it is shown)
        self._decks_stale = False
        self.browser: BrowserWindow | None = None
        self.statistics_window = None
        self.import_dialog: ImportPreviewDialog | None = None
        self._op: Op | None = None
        self._settings_dialog: SettingsDialog | None = None
        self.add_window: AddWindow | None = None
        self.deck_options: DeckOptionsDialog | None = None
        #: the deck list's context menu, last shown
        self.last_menu: QMenu | None = None
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
        self._totals.setTextFormat(Qt.TextFormat.PlainText)  # deck names come from files
        self._totals.setAccessibleName("Today's totals")
        self.statusBar().addPermanentWidget(self._totals)
        self.statusBar().setSizeGripEnabled(True)
        # merging devices (issue 19): the last merge on the left of the status bar
        self.class_window = None
        self.sync_watch = SyncWatcher(self, clock, reviewing=lambda: self.screen == Screen.REVIEW)
        self.statusBar().addWidget(self.sync_watch.label, 1)
        self.sync_watch.synced.connect(self._on_synced)

        self.decks.study_requested.connect(self.start_study)
        self.decks.custom_requested.connect(self.custom_study)
        self.decks.current_changed.connect(lambda _id: self._update_actions())
        self.decks.add_requested.connect(lambda: self.open_add())
        self.decks.new_deck_requested.connect(lambda: self.new_deck())
        self.decks.options_requested.connect(lambda: self.open_deck_options())
        self.decks.move_requested.connect(self._on_deck_dropped)
        self.decks.menu_requested.connect(self._show_deck_menu)
        self.reviewer.left.connect(self.show_decks)
        self.reviewer.finished.connect(self._on_session_finished)
        self.reviewer.card_shown.connect(lambda _card: self.show_screen(Screen.REVIEW))
        self.reviewer.answered.connect(self._on_answered)
        self.reviewer.undone.connect(self._on_undone)
        self.reviewer.changed.connect(lambda changes: self.apply_changes(changes, self.reviewer))
        self.summary.closed.connect(self.show_decks)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme_changed)

        self.apply_theme()
        self._restore_state()
        self.refresh_decks(select=self._settings.value("decks/last", None, str))
        self.show_screen(Screen.DECKS)
        self.focus_screen()  # the deck list takes the keys from the start
        # another process (a terminal review) may change the file: look now and then
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_INTERVAL_MS)
        self._watch.timeout.connect(self.check_elsewhere)
        self._watch.start()
        QTimer.singleShot(0, self._tell_bundled_update)
        QTimer.singleShot(0, self.sync_watch.start)  # merge what other devices did

    # -- OpHost ----------------------------------------------------------------

    @property
    def collection(self) -> Collection:
        return self._col

    @property
    def settings(self) -> QSettings:
        """The window's own settings file (geometry, last folder), per profile."""
        return self._settings

    @property
    def prefs(self) -> Prefs:
        return self._prefs

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        """While an op runs nothing else may use the collection: the screens
        and the other windows are disabled. Disabling a widget takes the
        keyboard focus from it, so each window's focus is noted first and
        given back when the op is over (a merge at start-up, or one a minute
        after an answer, must not leave the deck list or a half-typed note
        deaf to the keys)."""
        windows = [self, *(w for w in (self.browser, self.statistics_window, self.add_window)
                           if w is not None)]
        if busy and not self._busy:
            self._focus_kept = [(window, window.focusWidget()) for window in windows]
        self._busy = busy
        self._stack.setEnabled(not busy)
        for window in windows[1:]:
            window.setEnabled(not busy)
        self.setAcceptDrops(not busy)
        self._update_actions()
        if not busy:
            self._op = None
            self._give_focus_back()

    def _give_focus_back(self) -> None:
        """After an op: each window whose focus the op took gets it back where
        it was (the main window, if that widget is gone, on its screen's own)."""
        kept, self._focus_kept = self._focus_kept, []
        for window, widget in kept:
            if not shiboken6.isValid(window) or window.focusWidget() is not None:
                continue  # closed meanwhile, or something has the focus already
            if widget is not None and shiboken6.isValid(widget) and widget.isEnabled() \
                    and widget.isVisibleTo(window):
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
            elif window is self:
                self.focus_screen()

    def focus_screen(self) -> None:
        """Give the keyboard to what the screen on show is worked with: the
        deck list, the card being studied, or the summary's button."""
        if self.screen == Screen.DECKS:
            self.decks.focus_tree()
        elif self.screen == Screen.REVIEW:
            self.reviewer.focus_card()
        else:
            self.summary.back_button.setFocus(Qt.FocusReason.OtherFocusReason)

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
        self.custom_action = self._action("&Custom study…", "C",
                                          "Review ahead, drill, cram or take extra new cards",
                                          lambda: self.custom_study(), name="custom")
        self.import_action = self._action("&Import…", "Ctrl+I",
                                          "Import deck files, spreadsheets, Anki text exports "
                                          "and Anki packages",
                                          self.choose_import_files, name="import")
        self.export_action = self._action("&Export…", "Ctrl+E",
                                          "Save a deck for Anki, a spreadsheet or other "
                                          "flashdesk users, or the whole collection",
                                          lambda: self.export_deck(), name="export")
        self.backup_action = self._action("&Back up now", None,
                                          "Back up the collection now (flashdesk also does "
                                          "when it closes, once a day)",
                                          self.back_up_now, name="backup")
        self.restore_action = self._action("&Restore from a backup…", None,
                                           "Put one of your backups in place of the collection "
                                           "(the collection as it is now is kept)",
                                           self.restore_from_backup, name="restore")
        self.browse_action = self._action("&Browse", "Ctrl+B", "Find, edit and organise cards",
                                          self.show_browse, name="browse")
        self.add_action = self._action("&Add cards…", "Ctrl+N",
                                       "Write your own cards (A on the deck list)",
                                       lambda: self.open_add(), name="add")
        self.new_deck_action = self._action("&New deck…", "Ctrl+Shift+N", "Make a new deck",
                                            lambda: self.new_deck(), name="newDeck")
        self.new_subdeck_action = self._action("New &sub-deck…", None,
                                               "Make a new deck inside the selected deck",
                                               lambda: self.new_deck(
                                                   self.decks.current_deck_id()),
                                               name="newSubDeck")
        self.rename_deck_action = self._action("&Rename deck…", "F2",
                                               "Rename the selected deck (its sub-decks follow)",
                                               lambda: self.rename_deck(), name="renameDeck")
        self.move_deck_action = self._action("&Move deck…", None,
                                             "Put the selected deck inside another, or at the top",
                                             lambda: self.move_deck(), name="moveDeck")
        self.deck_options_action = self._action("Deck &options…", None,
                                                "Daily limits, related cards, exam date and "
                                                "description of the deck",
                                                lambda: self.open_deck_options(),
                                                name="deckOptions")
        self.delete_deck_action = self._action("&Delete deck…", QKeySequence.StandardKey.Delete,
                                               "Delete the selected deck with its cards",
                                               lambda: self.delete_deck(), name="deleteDeck")
        self.stats_action = self._action("S&tatistics", "Ctrl+T",
                                         "What is due, what you did and how well it stuck",
                                         self.show_statistics, name="statistics")
        self.settings_action = self._action("Se&ttings…", "Ctrl+,",
                                            "Limits, answer buttons, theme and font",
                                            self.open_settings, name="settings")
        self.undo_action = self._action("&Undo", QKeySequence.StandardKey.Undo,
                                        "Take back the last action", self.undo_last,
                                        name="undo")
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, "Quit flashdesk",
                                        self.close, name="quit")
        self.shortcuts_action = self._action("&Keyboard shortcuts",
                                             QKeySequence.StandardKey.HelpContents,
                                             "List the keyboard shortcuts", self.show_shortcuts,
                                             name="shortcuts")
        self.about_action = self._action("&About flashdesk", None, "About flashdesk",
                                         self.show_about, name="about")
        self.sync_action = self._action("S&ync now", None,
                                        "Merge with your other devices through the sync folder",
                                        lambda: self.sync_watch.sync_now(), name="sync")
        self.conflicts_action = self._action(
            "Edits &kept in history…", None,
            "Fields two of your devices changed at once: the value kept beside the one shown",
            self.show_conflicts, name="conflicts")
        self.class_action = self._action("C&lass…", None,
                                         "Your learners' shared progress: a tutor's view",
                                         self.show_class, name="class")

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.add_action)
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.backup_action)
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        file_menu.addAction(self.sync_action)
        file_menu.addAction(self.conflicts_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        deck_menu = bar.addMenu("De&ck")
        self._fill_menu(deck_menu, self.deck_actions())
        go_menu = bar.addMenu("&Go")
        for action in (self.decks_action, self.study_action, self.custom_action,
                       self.browse_action, self.stats_action, self.class_action):
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
        for action in (self.decks_action, self.study_action, self.add_action,
                       self.import_action, self.browse_action, self.stats_action,
                       self.settings_action):
            toolbar.addAction(action)
        self.add_action.setIconText("Add")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    # -- screens ---------------------------------------------------------------

    @property
    def screen(self) -> Screen:
        return Screen(self._stack.currentIndex())

    def show_screen(self, screen: Screen) -> None:
        """Show one screen. While studying, the tool bar steps aside so the card
        has the height (the study bar, the menus and every key still work)."""
        self.toolbar.setVisible(screen != Screen.REVIEW)
        if self._stack.currentIndex() != screen:
            self._stack.setCurrentIndex(screen)
            self.screen_changed.emit(int(screen))
            self._update_totals()
        self._update_actions()

    def _update_actions(self) -> None:
        idle = not self._busy
        on_decks = self.screen == Screen.DECKS
        self.decks_action.setEnabled(idle and not on_decks)
        self.study_action.setEnabled(idle and on_decks and self.decks.current_deck_id() is not None)
        self.custom_action.setEnabled(self.study_action.isEnabled())
        self.import_action.setEnabled(idle and on_decks)
        self.export_action.setEnabled(idle and on_decks and bool(self.decks.model.summaries()))
        self.backup_action.setEnabled(idle and self._col.path is not None)
        self.restore_action.setEnabled(idle and self._col.path is not None and
                                       self.isSignalConnected(
                                           QMetaMethod.fromSignal(self.restore_requested)))
        self.settings_action.setEnabled(idle)
        name = self._col.undo.name
        self.undo_action.setEnabled(idle)  # with nothing to undo, it says so
        self.undo_action.setText(f"&Undo {name.lower()}" if name else "&Undo")
        self.browse_action.setEnabled(idle)
        self.stats_action.setEnabled(idle)
        self.sync_action.setEnabled(idle and self.sync_watch.enabled)
        self.decks.study_button.setEnabled(idle and self.decks.current_deck_id() is not None)
        self.add_action.setEnabled(idle)
        self.new_deck_action.setEnabled(idle and on_decks)
        chosen = idle and on_decks and self.decks.current_deck_id() is not None
        for action in (self.new_subdeck_action, self.rename_deck_action, self.move_deck_action,
                       self.deck_options_action, self.delete_deck_action):
            action.setEnabled(chosen)

    def refresh_decks(self, select: str | None = None) -> None:
        """Read the deck tree and today's counts again (one query set)."""
        self.decks.refresh(self._col.decks.summaries(self._clock()), select=select)
        self._answered_today = self._col.reports.answers_today(self._clock())
        self._decks_stale = False
        self._update_totals()
        self._update_actions()

    def _update_totals(self) -> None:
        """The status bar: today's totals on the deck list; during study, the
        session's own counts (the same the study header shows)."""
        session = self.reviewer.session
        if self.screen == Screen.REVIEW and session is not None:
            c = session.counts
            self._totals.setText(f"{isolate(session.deck_name)}: {c.new} new · "
                                 f"{c.learning} learning · {c.review} due · "
                                 f"{self._answered_today} answered today")
            return
        if self._decks_stale:  # study changed the counts since the list read them
            self.refresh_decks()  # reads them, and comes back here with fresh ones
            return
        new, learning, due = self.decks.model.top_level_totals()
        self._totals.setText(f"Today: {new} new · {learning} learning · {due} due · "
                             f"{self._answered_today} answered")

    def apply_changes(self, changes: Changes, source: object = None) -> None:
        """Something changed the collection: each screen redraws what it shows
        of it (``source``, the screen that made the change, is already up to
        date). Nothing is recomputed for flags no screen shows."""
        if changes.study_queues or changes.decks or changes.notes or changes.cards:
            self._decks_stale = True
            if self.screen == Screen.DECKS and not self._busy:
                self.refresh_decks(select=self.decks.current_deck_id())
        if source is not self.reviewer and self.screen == Screen.REVIEW and (
                changes.cards or changes.notes or changes.note_text or changes.study_queues):
            self.reviewer.refresh()
        if self.browser is not None and source is not self.browser:
            self.browser.apply_changes(changes)
        if self.statistics_window is not None and self.statistics_window.isVisible() and (
                changes.cards or changes.notes or changes.decks):
            self.statistics_window.refresh()
        if self.add_window is not None and source is not self.add_window:
            self.add_window.apply_changes(changes)
        if source is not self.sync_watch and changes:
            self.sync_watch.changed_here()
        if changes.config and self._settings_dialog is not None:
            self._settings_dialog.reload()
        self._update_totals()
        self._update_actions()

    def check_elsewhere(self) -> bool:
        """If another process changed the file, refresh every screen."""
        if self._busy or not self._col.changed_elsewhere():
            return False
        self.apply_changes(Changes.everything())
        return True

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.check_elsewhere()

    def _on_answered(self, answered: Answered) -> None:
        """The answer path: counts come from the session, nothing is queried."""
        self._answered_today += 1
        self.sync_watch.changed_here()
        self._decks_stale = True
        if answered.changes.tags and self.browser is not None:
            self.browser.apply_changes(answered.changes)
        self._update_totals()
        self._update_actions()

    def _on_undone(self, result: UndoResult) -> None:
        if result.name == "Answer":
            self._answered_today = max(0, self._answered_today - 1)
        self.apply_changes(result.changes, self.reviewer)

    def show_decks(self) -> None:
        """Back to the deck list, with fresh counts."""
        if self._busy:
            return
        self.reviewer.stop()
        self._col.study.end_session()
        self.show_screen(Screen.DECKS)
        self.refresh_decks(select=self.decks.current_deck_id())
        self.decks.focus_tree()
        self.sync_watch.look()  # files that arrived during the session merge now

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
        self._update_totals()

    def custom_study(self, deck_id: str | None = None) -> None:
        """Ask what to study beyond today's cards, then start it."""
        deck_id = deck_id or self.decks.current_deck_id()
        if self._busy or deck_id is None or self.screen == Screen.REVIEW:
            return
        summary = next((s for s in self.decks.model.summaries() if s.id == deck_id), None)
        if summary is None:
            return
        choice = CustomStudyDialog.ask(self, deck_path(summary.name),
                                       self._col.notes.tags(DeckId(deck_id)))
        if choice is None:
            self.decks.focus_tree()
            return
        if choice.kind == CustomKind.EXTRA_NEW:
            self.apply_changes(self._col.study.extra_new(DeckId(deck_id), choice.count,
                                                         self._clock()))
            self.start_study(deck_id)
            return
        self._settings.setValue("decks/last", deck_id)
        self.reviewer.start(DeckId(deck_id), summary.name, choice)
        self._update_totals()

    def _on_session_finished(self, summary: SessionSummary) -> None:
        if summary.answers == 0:
            self.show_screen(Screen.DECKS)
            self.refresh_decks(select=summary.deck_id)
            self.decks.show_message(
                summary.nothing_found + " Custom study… (C) offers other ways to practise."
                if summary.nothing_found else
                f"Nothing to study in {isolate(summary.deck_name)} right now. New cards arrive "
                "each day, and reviews when they are due. Custom study… (C) reviews ahead, "
                "drills or crams.")
            self.decks.focus_tree()
            return
        self.summary.show_summary(summary)
        self.show_screen(Screen.SUMMARY)
        self._update_totals()
        self.summary.back_button.setFocus()

    def undo_last(self) -> None:
        """Ctrl+Z: take back the newest action, wherever it was made."""
        if self._busy:
            return
        if self.screen in (Screen.REVIEW, Screen.SUMMARY) and self.reviewer.session is not None:
            self.reviewer.undo()  # from the summary, the sitting goes on
            return
        try:
            result = self._col.undo.undo(self._clock())
        except UndoRefused as exc:
            self.statusBar().showMessage(sentence(str(exc)), 8000)
            self._update_actions()
            return
        self.statusBar().showMessage(f"Undone: {result.name.lower()}.", 5000)
        if result.name == "Answer":
            self._answered_today = max(0, self._answered_today - 1)
        self.apply_changes(result.changes)
        if self.add_window is not None and self.add_window.isVisible():
            self.add_window.note_undone(f"Undone: {result.name.lower()}.")

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
            dialog.paths, deck_name=dialog.deck_name(), prune=dialog.prune_agreed(),
            with_scheduling=dialog.with_scheduling()))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def import_paths(self, paths: list[str], *, deck_name: str | None = None,
                     prune: bool | frozenset[str] = False,
                     with_scheduling: bool = False) -> Op | None:
        """Import files on a worker thread with a progress dialog
        (``with_scheduling``: carry an Anki package's progress over)."""
        if self._busy or self.screen != Screen.DECKS or not paths:
            return None
        paths = [str(p) for p in paths]
        n = len(paths)
        label = f"Importing {Path(paths[0]).name}…" if n == 1 else f"Importing {n} files…"
        self.statusBar().showMessage(label)
        now = self._clock()
        self._op = run_op(self, lambda col, progress: col.files.import_files(
            paths, deck_name=deck_name, prune=prune, progress=progress,
            with_scheduling=with_scheduling, now=now),
            self._on_imported, label, on_failed=self._on_import_failed)
        return self._op

    def _on_imported(self, result: ImportResult) -> None:
        self.statusBar().clearMessage()
        reports = list(result)
        self.refresh_decks(select=reports[0].deck_id if reports else None)
        self.apply_changes(result.changes)
        self.last_dialog = ImportResultDialog.show_reports(self, reports, result.files)
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

    # -- exports, backups and restore --------------------------------------------

    def export_deck(self, deck_id: str | None = None) -> ExportDialog | None:
        """File › Export…: choose a deck (the selected one first), a format
        and a file; the export then runs on a worker."""
        if self._busy or self.screen != Screen.DECKS:
            return None
        dialog = ExportDialog(self.decks.model.summaries(),
                              deck_id or self.decks.current_deck_id(), self._settings,
                              self._clock().date(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self.write_export)
        dialog.rejected.connect(self.decks.focus_tree)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def write_export(self, choice: ExportChoice) -> Op | None:
        """Write an export on a worker, then say what was written (or why not:
        the core writes nothing half-way)."""
        if self._busy:
            return None
        self._op = run_op(self, lambda col, _progress: write_export(col, choice),
                          self._on_exported, f"Exporting to {choice.path.name}…",
                          on_failed=lambda error: self._on_file_op_failed(
                              "Nothing was exported", error))
        return self._op

    def _on_exported(self, done: ExportDone) -> None:
        title, text, details, folder = done_message(done)
        self.statusBar().showMessage(text.replace("\n", " "), 8000)
        self.last_dialog = show_written(self, title, text, details, folder)

    def back_up_now(self) -> Op | None:
        """File › Back up now: a backup as ``flashdesk backup`` makes it, on a worker."""
        if self._busy or self._col.path is None:
            return None
        now = self._clock()
        self._op = run_op(self, lambda col, _progress: col.files.backup(now),
                          lambda path: self._on_backed_up(path, now), "Backing up…",
                          on_failed=lambda error: self._on_file_op_failed(
                              "No backup was made", error))
        return self._op

    def _on_backed_up(self, path: Path, now: datetime) -> None:
        title, text, details, folder = backed_up_message(
            path, now, self._col.setting("backup_keep", 10), self._col.setting("backup_weeks", 8))
        self.statusBar().showMessage(text.replace("\n", " "), 8000)
        self.last_dialog = show_written(self, title, text, details, folder)

    def _on_file_op_failed(self, title: str, error: BaseException) -> None:
        message = str(error) if isinstance(error, (FlashdeskError, OSError)) else \
            f"Something went wrong: {error!r}"
        self.last_dialog = show_error(self, title, message)

    def connectNotify(self, signal: QMetaMethod) -> None:  # noqa: N802 (Qt override)
        super().connectNotify(signal)
        if signal == QMetaMethod.fromSignal(self.restore_requested) and hasattr(self, "_watch"):
            self._update_actions()  # someone can restore now: the action is on

    def restore_from_backup(self) -> RestoreDialog | None:
        """File › Restore from a backup…: the backups, checked; the one chosen
        and confirmed goes to ``restore_requested``."""
        if not self.restore_action.isEnabled() or self._col.path is None:
            return None
        dialog = RestoreDialog(self._col.path, sync_on=self.sync_watch.enabled, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self.restore_requested.emit)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    # -- adding cards and managing decks ----------------------------------------

    def deck_actions(self) -> list[QAction | None]:
        """The deck menu and the deck list's context menu (None: a separator)."""
        return [self.add_action, None, self.new_deck_action, self.new_subdeck_action,
                self.rename_deck_action, self.move_deck_action, self.deck_options_action,
                self.export_action, None, self.delete_deck_action]

    @staticmethod
    def _fill_menu(menu: QMenu, actions: list[QAction | None]) -> None:
        for action in actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)

    def _show_deck_menu(self, where) -> QMenu:
        menu = QMenu(self)
        self._fill_menu(menu, [self.study_action, *self.deck_actions()])
        self.last_menu = menu
        menu.popup(where)
        return menu

    def open_add(self, deck_id: str | None = None) -> AddWindow | None:
        """The Add window (one, brought forward if open), on ``deck_id``, else
        the deck being studied or selected."""
        if self._busy:
            return None
        if deck_id is None:
            deck_id = self.reviewer.deck_id if self.screen != Screen.DECKS else \
                self.decks.current_deck_id()
        if self.add_window is None:
            self.add_window = AddWindow(self._col, self._prefs, self, deck_id=deck_id,
                                        now=self._clock)
            self.add_window.added.connect(
                lambda added: self.apply_changes(added.changes, self.add_window))
            self.add_window.changed.connect(
                lambda changes: self.apply_changes(changes, self.add_window))
            self.add_window.undo_requested.connect(self.undo_last)
        elif deck_id is not None and not self.add_window.isVisible():
            self.add_window.set_deck(deck_id)
        self.add_window.show()
        self.add_window.raise_()
        self.add_window.activateWindow()
        return self.add_window

    def _deck_changed(self, changes: Changes, message: str, select: str | None = None) -> None:
        self.apply_changes(changes)
        if select is not None:
            self.refresh_decks(select=select)
        self.statusBar().showMessage(message, 8000)
        self.decks.focus_tree()

    def _refused(self, title: str, error: FlashdeskError) -> None:
        self.last_dialog = show_error(self, title, str(error))

    def new_deck(self, parent_id: str | None = None) -> str | None:
        """Ask for a name and make a deck (inside ``parent_id`` if given)."""
        if self._busy or self.screen != Screen.DECKS:
            return None
        prefix = f"{self._col.decks.name(DeckId(parent_id))}::" if parent_id else ""
        name = Ask.text(self, "New deck", "Name of the new deck (Parent::Child makes a "
                                          "sub-deck):", prefix)
        if not name:
            return None
        try:
            created = self._col.decks.create(name, self._clock())
        except FlashdeskError as exc:
            self._refused("No deck was made", exc)
            return None
        self._deck_changed(created.changes, f"Made the deck “{isolate(deck_path(name))}”. Add "
                                            "cards to it with A or Ctrl+N.", created.deck_id)
        return created.deck_id

    def rename_deck(self, deck_id: str | None = None) -> bool:
        """Ask for a deck's new name (its sub-decks follow; its id stays)."""
        deck_id = deck_id or self.decks.current_deck_id()
        if self._busy or self.screen != Screen.DECKS or deck_id is None:
            return False
        old = self._col.decks.name(DeckId(deck_id))
        name = Ask.text(self, "Rename deck", "New name (Parent::Child puts it inside "
                                             "Parent):", old)
        if not name or name == old:
            return False
        try:
            changes = self._col.decks.rename(DeckId(deck_id), name, self._clock())
        except FlashdeskError as exc:
            self._refused("The deck was not renamed", exc)
            return False
        self._deck_changed(changes, f"Renamed “{isolate(deck_path(old))}” to "
                                    f"“{isolate(deck_path(name))}”. Ctrl+Z takes it back.",
                           deck_id)
        return True

    def move_deck(self, deck_id: str | None = None, parent_id: str | None = None, *,
                  ask: bool = True) -> bool:
        """Put a deck inside another (``parent_id``; '' or None for the top),
        asking which when ``ask``."""
        deck_id = deck_id or self.decks.current_deck_id()
        if self._busy or self.screen != Screen.DECKS or deck_id is None:
            return False
        name = self._col.decks.name(DeckId(deck_id))
        if ask:
            top = "(the top: no parent deck)"
            places = [s for s in self.decks.model.summaries()
                      if s.name != name and not s.name.startswith(name + "::")]
            labels = [top] + [deck_path(s.name) for s in places]
            chosen = Ask.choice(self, "Move deck", f"Put “{isolate(deck_path(name))}” inside:", labels)
            if chosen is None:
                return False
            parent_id = None if chosen == top else places[labels.index(chosen) - 1].id
        try:
            changes = self._col.decks.move(DeckId(deck_id), DeckId(parent_id) if parent_id
                                           else None, self._clock())
        except FlashdeskError as exc:
            self._refused("The deck was not moved", exc)
            return False
        if changes:
            moved = self._col.decks.name(DeckId(deck_id))
            self._deck_changed(changes, f"Moved “{isolate(deck_path(name))}” to "
                                        f"“{isolate(deck_path(moved))}”. "
                                        "Ctrl+Z takes it back.", deck_id)
        return bool(changes)

    def _on_deck_dropped(self, deck_id: str, parent_id: str) -> None:
        # after the drag has finished with the tree's rows
        QTimer.singleShot(0, lambda: self.move_deck(deck_id, parent_id or None, ask=False))

    def open_deck_options(self, deck_id: str | None = None) -> DeckOptionsDialog | None:
        """The options of a deck: daily limits, related cards, exam date, description."""
        if deck_id is None:
            deck_id = self.reviewer.deck_id if self.screen == Screen.REVIEW else \
                self.decks.current_deck_id()
        if self._busy or deck_id is None:
            return None
        dialog = DeckOptionsDialog(self._col, DeckId(deck_id), self._clock, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.apply_changes)
        dialog.finished.connect(lambda _r: setattr(self, "deck_options", None))
        self.deck_options = dialog
        dialog.open()
        return dialog

    def delete_deck(self, deck_id: str | None = None) -> bool:
        """Delete a deck with its cards, after saying how many cards and that
        their progress goes too. Undoable while flashdesk is open."""
        deck_id = deck_id or self.decks.current_deck_id()
        if self._busy or self.screen != Screen.DECKS or deck_id is None:
            return False
        name = deck_path(self._col.decks.name(DeckId(deck_id)))
        c = self._col.decks.contents(DeckId(deck_id))
        subs = f" and its {plural(c.decks - 1, 'sub-deck')}" if c.decks > 1 else ""
        text = f"Delete “{isolate(name)}”{subs} with {plural(c.cards, 'card')}?"
        details = (f"Their progress goes with them: you have studied "
                   f"{plural(c.studied, 'card')} of {c.cards}. " if c.studied else
                   "") + "Ctrl+Z brings it all back while flashdesk is open."
        if not Ask.confirm(self, "Delete deck", text, details, "Delete deck"):
            return False
        changes = self._col.decks.delete(DeckId(deck_id), self._clock())
        self._deck_changed(changes, f"Deleted “{isolate(name)}” ({plural(c.cards, 'card')}). "
                                    "Ctrl+Z brings it back.")
        return True

    def _tell_bundled_update(self) -> None:
        """What an update of the bundled decks left as the learner had it."""
        if self._col.closed:
            return
        lines = self._col.files.take_bundled_report().lines()
        if lines:
            self.last_dialog = inform(self, "The bundled decks were updated", lines[0],
                                      "\n".join(lines[1:]))

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
        dialog.deck_options_requested.connect(
            lambda deck_id: self.open_deck_options(deck_id or None))
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
        elif self.screen == Screen.REVIEW:
            self.reviewer.focus_card()

    def _on_settings_changed(self, what: str) -> None:
        if what == "theme":
            self.apply_theme()
        elif what in ("sync", "class"):
            self.sync_watch.show_last()
            self._update_actions()
            if what == "sync":
                self.sync_watch.sync_now()
        elif what == "limits":
            self.apply_changes(Changes(decks=True, study_queues=True))
        else:
            self.reviewer.apply_preferences()

    def apply_theme(self) -> Theme:
        self.theme = apply_theme(self._prefs.theme)
        # kept beside the collection too: a second launch shows its notice in it
        self._settings.setValue("ui/theme", self._prefs.theme.value)
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
            self.browser.collection_changed.connect(
                lambda changes: self.apply_changes(changes, self.browser))
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
        self.statistics_window = StatisticsWindow(self._col, self, deck_id=deck,
                                                  settings=self._settings)
        self.statistics_window.setWindowFlag(Qt.WindowType.Window)
        self.statistics_window.show()
        return self.statistics_window

    def _on_synced(self, report) -> None:
        """A merge finished: the screens show what it brought."""
        self._update_actions()
        if report.conflicts:
            n = len(report.conflicts)
            self.statusBar().showMessage(
                f"{n} edit{'s' if n != 1 else ''} made on two devices at once: both kept "
                "(File › Edits kept in history…)", 15000)
        if report.changes:
            if self.screen == Screen.DECKS:
                self._answered_today = self._col.reports.answers_today(self._clock())
            self.apply_changes(report.changes, self.sync_watch)

    def show_conflicts(self):
        """The edits a merge kept in history (two devices changed one field)."""
        from .dialogs.sync_conflicts import ConflictsDialog

        dialog = ConflictsDialog(self._col, self)
        dialog.open()
        self.last_dialog = dialog
        return dialog

    def show_class(self):
        """The tutor's Class screen (one window, brought forward if open)."""
        from .class_view import ClassWindow

        if self.class_window is None:
            self.class_window = ClassWindow(self._col, self, settings=self._settings)
            self.class_window.setWindowFlag(Qt.WindowType.Window)
        self.class_window.show()
        self.class_window.raise_()
        self.class_window.activateWindow()
        return self.class_window

    def show_shortcuts(self) -> None:
        """F1: the keys as a table, from the same list as the README's."""
        from .dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.finished.connect(lambda _r: self.reviewer.focus_card()
                                if self.screen == Screen.REVIEW else None)
        dialog.open()
        self.last_dialog = dialog

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
        restore_geometry(self, self._settings, "window/geometry", QSize(1100, 720))
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
        self._watch.stop()
        self.sync_watch.stop()
        if self._op is not None and self._op.running:
            self._op.cancel()
            self._op.wait(30)
        self.sync_watch.sync_on_close()  # what this device did goes out before it closes
        self.save_state()
        if self._settings_dialog is not None:
            self._settings_dialog.close()
        if self.add_window is not None:
            self.add_window.close()
        super().closeEvent(event)
        self.closed.emit()
