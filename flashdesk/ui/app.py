"""Starting the window: one instance per profile, the collection opened off
the UI thread (the first run imports the bundled decks), then the main window;
and opening it all again after File › Restore from a backup….

``run(profile_path)`` is what ``flashdesk`` (with no command) calls.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QVBoxLayout, QWidget

from ..backup import RestoreUnfinished, list_backups, newest_good_backup, restore
from ..collection import Collection, damage_message
from ..model import FlashdeskError
from ..store.database import is_damage
from ..text import sentence
from .dialogs.messages import AlreadyRunning, inform, show_error
from .instance import InstanceGuard
from .main_window import MainWindow
from .theme import ThemeChoice, app_icon, apply_theme
from .widgets import text_label
from .workers import Op, run_task

__all__ = ["run", "Launcher", "application", "RestoreOffer"]


def application() -> QApplication:
    """The QApplication, created with flashdesk's name and icon if needed."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("flashdesk")
    app.setOrganizationName("flashdesk")
    app.setWindowIcon(app_icon())
    font = app.font()
    if 0 < font.pointSizeF() < 10:  # readable by default
        font.setPointSizeF(10)
        app.setFont(font)
    return app


class _Splash(QWidget):
    """Shown while the collection opens (the first run imports the decks)."""

    def __init__(self, first_run: bool):
        super().__init__(None, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
        self.setWindowTitle("flashdesk")
        self.setObjectName("panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 28, 36, 28)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(72, 72))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(icon)
        title = text_label("flashdesk", "heading")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        self._message = text_label(
            "Setting up your decks…" if first_run else "Opening your decks…", "muted")
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._message)
        self._bar = QProgressBar()
        self._bar.setAccessibleName("Upgrade progress")
        self._bar.setTextVisible(False)
        self._bar.hide()
        layout.addWidget(self._bar)
        self.setFixedSize(380, 240)

    def show_progress(self, done: int, total: int) -> None:
        """An upgrade of the collection is under way: ``done`` of ``total``
        review-log entries converted."""
        self._message.setText("Upgrading your collection to a compact file…"
                              if done < total else "Compacting the file…")
        self._bar.setMaximum(max(total, 1))
        self._bar.setValue(min(done, total))
        self._bar.show()

    @property
    def message(self) -> str:
        return self._message.text()

    def say(self, text: str) -> None:
        """Show ``text`` in place of the first message."""
        self._message.setText(text)


class Launcher(QObject):
    """Opens the collection on a worker thread, then makes the window; for
    a restore chosen in the window, closes both and opens them again
    (``restore_backup``)."""

    #: the window is up (MainWindow)
    opened = Signal(object)
    #: the collection could not be opened (message)
    failed = Signal(str)

    def __init__(self, profile_path: Path, settings: QSettings | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.profile_path = Path(profile_path)
        self._settings = settings
        self.window: MainWindow | None = None
        self.collection: Collection | None = None
        self._splash: _Splash | None = None
        self._with_splash = True
        #: what the next window says when it opens (after a restore): title, text, details, error
        self._tell_on_open: tuple[str, str, str, bool] | None = None
        self._quit_on_close: bool | None = None
        self.opened.connect(self._adopt)
        self.failed.connect(lambda _message: self._quit_as_before())

    def start(self, *, splash: bool = True) -> None:
        self._with_splash = splash
        if splash and self._splash is None:
            self._splash = _Splash(first_run=not self.profile_path.exists())
            self._splash.show()
        op = run_task(self, lambda progress: Collection.open(self.profile_path, progress=progress),
                      self._on_opened, on_failed=self._on_failed)
        op.progressed.connect(self._progressed)

    def _progressed(self, done: int, total: int) -> None:
        if self._splash is not None:
            self._splash.show_progress(done, total)

    def _on_opened(self, col: Collection) -> None:
        self.collection = col
        self.window = MainWindow(col, self._settings)
        self.window.show()
        self._close_splash()
        self.window.decks.focus_tree()
        self.opened.emit(self.window)

    def _on_failed(self, error: BaseException) -> None:
        self._close_splash()
        if isinstance(error, FlashdeskError):
            self.failed.emit(str(error))
        else:
            self.failed.emit(f"flashdesk could not open {self.profile_path}: {error!r}")

    def _close_splash(self) -> None:
        if self._splash is not None:
            self._splash.close()
            self._splash.deleteLater()
            self._splash = None

    def close(self) -> str | None:
        """Close the collection (after the window has closed), releasing the
        profile lock. Returns the message of a failed automatic backup (a
        full disk, a damaged collection), else None."""
        if self.collection is None:
            return None
        col, self.collection = self.collection, None
        try:
            col.close()
        except FlashdeskError as exc:
            return str(exc)
        return None

    # -- restoring a backup from the window --------------------------------------------

    def _adopt(self, window: MainWindow) -> None:
        """A window is up: it may ask for a restore; say what opening it followed."""
        window.restore_requested.connect(self.restore_backup)
        self._quit_as_before()
        told, self._tell_on_open = self._tell_on_open, None
        if told is not None:
            title, text, details, error = told
            window.last_dialog = (show_error if error else inform)(window, title, text, details)

    def _quit_as_before(self) -> None:
        if self._quit_on_close is not None:
            app = QApplication.instance()
            if isinstance(app, QApplication):
                app.setQuitOnLastWindowClosed(self._quit_on_close)
            self._quit_on_close = None

    def restore_backup(self, backup: Path) -> None:
        """Put ``backup`` in place of the collection the window has open.

        A restore needs the profile to itself (``flashdesk.backup.restore``
        takes its lock exclusively, as ``flashdesk restore`` does with nothing
        open), so the window closes, with the windows it opened, and so does
        the collection – without the automatic backup, whose rotation could
        delete the very backup chosen. The backup is put in place on a worker
        (``restore``: the collection as it was is kept beside it), then the
        collection opens again in a new window that says what was done. A
        restore that is refused (another flashdesk has the profile open)
        changed nothing: the collection opens again as it was, saying why.
        Runs once the caller's slot has returned."""
        QTimer.singleShot(0, lambda: self._restore_now(Path(backup)))

    def _restore_now(self, backup: Path) -> Op | None:
        window, col = self.window, self.collection
        if window is None or col is None:
            return None
        if window.busy:  # a merge with the other devices is finishing: after it
            QTimer.singleShot(100, lambda: self._restore_now(backup))
            return None
        label = next((b.label for b in list_backups(self.profile_path) if b.path == backup),
                     backup.name)
        app = QApplication.instance()
        if isinstance(app, QApplication):  # a moment with no window is not the end
            self._quit_on_close = app.quitOnLastWindowClosed()
            app.setQuitOnLastWindowClosed(False)
        if self._with_splash:
            self._splash = _Splash(first_run=False)
            self._splash.say(f"Restoring the backup taken {label}…")
            self._splash.show()
        for child in window.findChildren(QWidget):
            if child.isWindow() and child.isVisible():
                child.close()  # the browser saves its editor, the Add window its note
        window.close()  # saves its state, sends this device's changes to the sync folder
        self.window = self.collection = None
        col.close(backup=False)
        window.deleteLater()
        now = datetime.now().astimezone()
        return run_task(self, lambda _progress: restore(self.profile_path, backup, now),
                        lambda kept: self._restored(label, kept),
                        on_failed=self._restore_failed)

    def _restored(self, label: str, kept: Path | None) -> None:
        where = (f"Your collection as it was is kept beside it as {kept.name}, in "
                 f"{kept.parent}.") if kept else ""
        self._tell_on_open = ("Backup restored",
                              f"Your collection is now the backup taken {label}.", where, False)
        self._reopen()

    def _restore_failed(self, error: BaseException) -> None:
        if isinstance(error, RestoreUnfinished):  # opening the collection now finishes it
            self._tell_on_open = ("The restore is finished as flashdesk opens your collection",
                                  sentence(str(error)), "", True)
        elif isinstance(error, FlashdeskError):  # refused before anything was touched
            self._tell_on_open = ("The backup was not restored", sentence(str(error)),
                                  "Your collection is as it was.", True)
        else:
            self._tell_on_open = (
                "The backup was not restored", str(error) or repr(error),
                "If the restore had begun, flashdesk finishes or undoes it as it opens your "
                "collection; the collection as it was is never overwritten.", True)
        self._reopen()

    def _reopen(self) -> None:
        if self._splash is not None:
            self._splash.say("Opening your decks…")
        self.start(splash=self._with_splash)


class RestoreOffer:
    """Asked when the collection cannot be opened and a good backup exists (tests patch ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget | None, problem: str, backup_label: str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, "flashdesk cannot open your collection",
                          problem.split("\n")[0], parent=parent)
        box.setInformativeText(
            f"Restore the newest good backup, from {backup_label}? The current file is kept "
            "beside it, renamed, and is never overwritten; the media folder is left as it is.")
        restore_button = box.addButton("Restore backup", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore_button)
        box.exec()
        return box.clickedButton() is restore_button


def offer_restore(profile_path: Path, message: str) -> tuple[bool, str]:
    """When the collection cannot be opened and a good backup exists, offer
    the newest good one (damaged backups are passed over); returns whether it
    was restored, and the message to show otherwise."""
    good = newest_good_backup(profile_path)
    if good is None or not RestoreOffer.ask(None, message, good.label):
        return False, message
    try:
        restore(profile_path, good.path, datetime.now().astimezone())
    except FlashdeskError as exc:
        return False, f"{message}\n\nThe backup could not be restored: {exc}"
    return True, message


def _can_show_windows() -> bool:
    """False on Qt's headless platforms, where nobody could click a dialog away."""
    return QGuiApplication.platformName() not in ("offscreen", "minimal", "vnc")


def second_launch(guard: InstanceGuard, profile_dir: Path) -> int:
    """Another window has this profile: ask it to come forward and exit (0).
    Only if it cannot be reached, say so – in a dialog where there is a
    display, else on standard error, never waiting for a click – and exit 1."""
    if guard.activate_running():
        print(f"flashdesk is already open for {profile_dir}: its window was brought forward.")
        return 0
    message = (f"flashdesk is already open for the profile in {profile_dir}, but its window "
               "did not answer. Close it (or end its process) and start flashdesk again.")
    if _can_show_windows():
        AlreadyRunning.tell(profile_dir)
    else:
        print(f"flashdesk: {message}", file=sys.stderr)
    return 1


def run(profile_path: str | Path) -> int:
    """Open the window on the collection at ``profile_path``; the exit status."""
    from .dialogs.messages import show_error

    profile_path = Path(profile_path)
    app = application()
    window_ini = QSettings(str(profile_path.parent / "window.ini"), QSettings.Format.IniFormat)
    choice = window_ini.value("ui/theme", "system", str)
    apply_theme(choice if choice in {c.value for c in ThemeChoice} else "system", app)
    guard = InstanceGuard(profile_path.parent)
    if not guard.acquire():
        return second_launch(guard, profile_path.parent)
    launcher = Launcher(profile_path)
    status = {"code": 0}

    def on_failed(message: str) -> None:
        restored, message = offer_restore(profile_path, message)
        if restored:
            launcher.start()  # open the restored collection
            return
        status["code"] = 1
        box = show_error(None, "flashdesk cannot start", message)
        box.finished.connect(lambda _r: app.exit(1))

    def on_ready(window: MainWindow) -> None:
        guard.activation_requested.connect(window.bring_to_front)

    previous_hook = sys.excepthook

    def on_uncaught(kind, error, trace) -> None:
        """The file found damaged while the window runs: say it once, stop
        writing, offer nothing more than the way back (a backup)."""
        if not is_damage(error):
            previous_hook(kind, error, trace)
            return
        if status.get("damaged"):
            return
        status["damaged"] = status["code"] = 1
        col, launcher.collection = launcher.collection, None
        if col is not None:
            col.close(backup=False)  # a damaged file is never backed up
        box = show_error(None, "flashdesk cannot go on", damage_message(profile_path, error))
        box.finished.connect(lambda _r: app.exit(1))

    launcher.opened.connect(on_ready)
    launcher.failed.connect(on_failed)
    launcher.start()
    sys.excepthook = on_uncaught
    try:
        code = app.exec()
    finally:
        sys.excepthook = previous_hook
        problem = launcher.close()
        guard.release()
    if problem:
        print(f"flashdesk: {problem}", file=sys.stderr)
        status["code"] = 1
    return code or status["code"]
