"""File › Back up now and File › Restore from a backup….

Backing up is ``col.files.backup`` (the window runs it as an op, as
``flashdesk backup`` runs it); ``backed_up_message`` says what it made.
``RestoreDialog`` lists the profile's backups (``flashdesk.backup.list_backups``,
the last made first), checks each on a worker as a restore would
(``inspect_backup``: damaged ones are marked and cannot be chosen), and asks
before it says ``chosen``. The restore itself needs the collection closed:
the window hands it to whoever opened the collection (``ui.app.Launcher``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QDialog, QDialogButtonBox, QHeaderView, QPushButton,
    QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from ...backup import Backup, BackupCheck, backups_dir, inspect_backup, list_backups
from ...text import file_size, plural
from ..geometry import fit_to_screen
from ..widgets import text_label
from ..workers import Op, run_task
from .questions import Ask

__all__ = ["RestoreDialog", "backed_up_message", "restore_question"]

#: how a backup's row reads while it is being checked
CHECKING = "checking…"


def backed_up_message(path: Path, taken: datetime, keep: int, weeks: int
                      ) -> tuple[str, str, str, Path]:
    """(title, text, details, folder to show) after File › Back up now made
    ``path`` at ``taken``; ``keep`` and ``weeks`` are the rotation settings."""
    return ("Backed up",
            f"Backed up your collection at {taken.strftime('%H:%M')} on "
            f"{taken.strftime('%Y-%m-%d')}, to\n{path}",
            f"flashdesk keeps the last {plural(keep, 'backup')}, and one a week for "
            f"{plural(weeks, 'week')}. File › Restore from a backup… puts one back. "
            "Pictures are not in a backup: File › Export… › Whole collection saves them too.",
            path.parent)


def restore_question(backup: Backup, check: BackupCheck | None, collection: Path,
                     sync_on: bool) -> tuple[str, str]:
    """(question, details) asked before restoring ``backup``: what restoring
    does, as ``flashdesk.backup.restore`` does it."""
    cards = f" ({plural(check.cards, 'card')})" if check and check.cards is not None else ""
    details = (f"flashdesk closes your collection, puts this backup{cards} in its place and "
               f"opens it again. What you did after {backup.label} will not be in it, but "
               "nothing is deleted: your collection as it is now is kept beside it as "
               f"{collection.name}.before-restore-… in {collection.parent}. Pictures (the "
               "media folder) stay as they are.")
    if sync_on:
        details += (" Sync is on: at the next merge, whatever your devices (this one "
                    "included) sent to the sync folder since the backup comes back.")
    return f"Put back the backup taken {backup.label}?", details


class RestoreDialog(QDialog):
    """The backups, the last made first, each checked as a restore would check
    it; Restore… asks, then ``chosen`` gives the backup's path."""

    #: the learner chose a backup and confirmed (Path)
    chosen = Signal(object)
    #: every backup has been checked
    checked = Signal()

    COLUMNS = ("Taken", "Cards", "Size", "State")

    def __init__(self, collection: Path, *, sync_on: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._collection = Path(collection)
        self._sync_on = sync_on
        self._stopped = False
        self._op: Op | None = None
        self.backups: list[Backup] = list_backups(self._collection)
        self.checks: dict[Path, BackupCheck] = {}
        self.setWindowTitle("Restore from a backup")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 14)
        outer.setSpacing(10)
        outer.addWidget(text_label("Restore from a backup", "heading"))
        outer.addWidget(text_label(
            "flashdesk backs up when it closes (at most once a day) and on File › Back up "
            "now. Restoring puts a backup in place of your collection; your collection as it "
            f"is now is kept beside it, never deleted. Backups are in {backups_dir(collection)}.",
            "muted"))
        self.table = QTreeWidget()
        self.table.setAccessibleName("Backups")
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.header()
        header.setStretchLastSection(True)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for b in self.backups:
            item = QTreeWidgetItem([b.label, "", "", CHECKING])
            item.setData(0, Qt.ItemDataRole.UserRole, str(b.path))
            item.setToolTip(0, str(b.path))
            for column in (1, 2):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            self.table.addTopLevelItem(item)
        outer.addWidget(self.table, 1)
        self.empty = text_label("No backups yet: File › Back up now makes one.", "notice")
        self.empty.setVisible(not self.backups)
        outer.addWidget(self.empty)
        #: why the selected backup cannot be restored (shown only then)
        self.problem = text_label("", "notice")
        self.problem.hide()
        outer.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = QPushButton("&Restore…")
        self.restore_button.setToolTip("Put the selected backup in place of your collection")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.clicked.connect(self.restore_selected)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.table.itemSelectionChanged.connect(self._update)
        self.table.itemDoubleClicked.connect(lambda _item, _column: self.restore_selected())
        if self.backups:
            self.table.setCurrentItem(self.table.topLevelItem(0))
        self._update()
        self.setMinimumWidth(560)
        fit_to_screen(self, QSize(700, 460))
        self.table.setFocus()
        self._check_next()

    # -- checking, one backup at a time on a worker ---------------------------------

    def _check_next(self) -> None:
        waiting = [b for b in self.backups if b.path not in self.checks]
        if self._stopped or not waiting:
            if not waiting:
                self.checked.emit()
            return
        backup = waiting[0]
        # parented to the application: a check still running when the dialog goes
        # reports to nobody (see ``done``) instead of to a deleted object
        self._op = run_task(QApplication.instance(), lambda _p: inspect_backup(backup.path),
                            lambda check: self._on_checked(backup, check),
                            on_failed=lambda error: self._on_checked(
                                backup, BackupCheck(f"it cannot be read ({error})", None, 0)))

    def _on_checked(self, backup: Backup, check: BackupCheck) -> None:
        if self._stopped:
            return
        self.checks[backup.path] = check
        item = self.table.topLevelItem(self.backups.index(backup))
        item.setText(1, "" if check.cards is None else f"{check.cards:,}")
        item.setText(2, file_size(check.size))
        if check.sound:
            item.setText(3, "good")
        else:
            item.setText(3, "damaged")
            item.setToolTip(3, f"This backup cannot be restored: {check.problem}.")
            item.setForeground(3, self.palette().placeholderText())
            if self.table.currentItem() is item:
                self._select_newest_sound()
        self._update()
        self._check_next()

    def _select_newest_sound(self) -> None:
        for i, b in enumerate(self.backups):
            check = self.checks.get(b.path)
            if check is None or check.sound:
                self.table.setCurrentItem(self.table.topLevelItem(i))
                return

    # -- choosing ----------------------------------------------------------------------

    def selected(self) -> Backup | None:
        item = self.table.currentItem()
        if item is None:
            return None
        return self.backups[self.table.indexOfTopLevelItem(item)]

    def select(self, backup_path: Path) -> None:
        """Select the backup at ``backup_path``."""
        i = [b.path for b in self.backups].index(Path(backup_path))
        self.table.setCurrentItem(self.table.topLevelItem(i))

    def _update(self) -> None:
        backup = self.selected()
        check = self.checks.get(backup.path) if backup is not None else None
        self.restore_button.setEnabled(check is not None and check.sound)
        damaged = check is not None and not check.sound
        self.problem.setText(f"This backup cannot be restored: {check.problem}." if damaged
                             and check is not None else "")
        self.problem.setVisible(damaged)

    def restore_selected(self) -> Path | None:
        """Ask (saying what restoring does), then emit ``chosen``; only for a
        backup checked sound."""
        backup = self.selected()
        check = self.checks.get(backup.path) if backup is not None else None
        if backup is None or check is None or not check.sound:
            return None
        question, details = restore_question(backup, check, self._collection, self._sync_on)
        if not Ask.confirm(self, "Restore from a backup", question, details, "Restore backup"):
            return None
        self.accept()
        self.chosen.emit(backup.path)
        return backup.path

    def done(self, result: int) -> None:  # Qt override: every way of closing
        self._stopped = True
        super().done(result)
