"""The Settings group for merging devices and sharing progress with a tutor:
the sync folder, and the opt-in progress summary (class folder, name)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from ...collection import Collection
from ...model import FlashdeskError
from ...sync import set_sync_folder, sync_folder
from ...sync.classroom import share, sharing, stop_sharing
from ..widgets import text_label

__all__ = ["SyncGroup", "ChooseFolder"]


class ChooseFolder:
    """The folder dialog (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget, title: str, start: str = "") -> str:
        return QFileDialog.getExistingDirectory(parent, title, start)


class SyncGroup(QGroupBox):
    """Sync folder and progress sharing; every change is saved at once."""

    #: "sync" (the sync folder changed) or "class" (sharing changed)
    changed = Signal(str)

    def __init__(self, col: Collection, now: Callable[[], datetime],
                 parent: QWidget | None = None):
        super().__init__("Other devices and your tutor", parent)
        self._col = col
        self._now = now
        layout = QVBoxLayout(self)
        layout.addWidget(text_label(
            "Merge answers and edits with your other computers through a folder your sync "
            "program keeps in step (Syncthing, Nextcloud, Dropbox, OneDrive) or a USB stick. "
            "flashdesk writes its own files there, never your collection itself.", "muted"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.folder.setPlaceholderText("not synced")
        self.folder.setAccessibleName("Sync folder")
        self.folder.setToolTip("The folder your sync program shares between your computers")
        row.addWidget(self.folder, 1)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setAccessibleName("Choose the sync folder")
        self.choose_button.clicked.connect(self._choose_sync)
        row.addWidget(self.choose_button)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop syncing")
        self.stop_button.setToolTip("Stop syncing this profile (the files in the folder stay)")
        self.stop_button.clicked.connect(lambda: self._set_sync(None))
        row.addWidget(self.stop_button)
        form.addRow("Sync folder", row)

        self.share = QCheckBox("Share a progress summary with my tutor")
        self.share.setToolTip(
            "Per deck and tag: cards, studied, mastered, retention and the day you last "
            "studied, and the questions of your weakest cards. Never your answers. "
            "Unticking deletes the summary from the class folder.")
        self.share.toggled.connect(self._toggle_share)
        form.addRow("Class", self.share)
        class_row = QHBoxLayout()
        self.class_folder = QLineEdit()
        self.class_folder.setReadOnly(True)
        self.class_folder.setPlaceholderText("the folder your tutor shared")
        self.class_folder.setAccessibleName("Class folder")
        class_row.addWidget(self.class_folder, 1)
        self.class_button = QPushButton("Choose…")
        self.class_button.setAccessibleName("Choose the class folder")
        self.class_button.clicked.connect(self._choose_class)
        class_row.addWidget(self.class_button)
        form.addRow("Class folder", class_row)
        self.name = QLineEdit()
        self.name.setAccessibleName("Your name for your tutor")
        self.name.setPlaceholderText("the name your tutor will see")
        self.name.setMaxLength(80)
        self.name.editingFinished.connect(self._save_share)
        form.addRow("Your name", self.name)
        layout.addLayout(form)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for row_index in range(form.rowCount()):  # lined up with the other groups' labels
            label = form.itemAt(row_index, QFormLayout.ItemRole.LabelRole)
            if label is not None and label.widget() is not None:
                label.widget().setMinimumWidth(150)
        self.error = text_label("", "notice")
        self.error.hide()
        layout.addWidget(self.error)
        self._loading = False
        self.load()

    def load(self) -> None:
        self._loading = True
        folder = sync_folder(self._col)
        self.folder.setText(str(folder) if folder else "")
        self.stop_button.setEnabled(folder is not None)
        current = sharing(self._col)
        pending = self._col.setting("class.share_draft") or {}
        self.share.setChecked(current is not None)
        self.class_folder.setText((current or pending).get("folder", "") or "")
        self.name.setText((current or pending).get("name", "") or
                          self._col.setting("learner_name", "") or "")
        self._loading = False

    def _say(self, error: str | None) -> None:
        self.error.setText(error or "")
        self.error.setVisible(bool(error))

    def _set_sync(self, folder: str | None) -> None:
        try:
            set_sync_folder(self._col, folder)
        except FlashdeskError as exc:
            self._say(str(exc))
            return
        self._say(None)
        self.load()
        self.changed.emit("sync")

    def _choose_sync(self) -> None:
        start = self.folder.text() or str(Path.home())
        chosen = ChooseFolder.ask(self, "Choose the sync folder", start)
        if chosen:
            self._set_sync(chosen)

    def _choose_class(self) -> None:
        chosen = ChooseFolder.ask(self, "Choose the class folder",
                                  self.class_folder.text() or str(Path.home()))
        if chosen:
            self.class_folder.setText(chosen)
            self._save_share()

    def _toggle_share(self, on: bool) -> None:
        if self._loading:
            return
        if on:
            self._save_share()
            return
        try:
            stop_sharing(self._col)
        except FlashdeskError as exc:
            self._say(str(exc))
            return
        self._say(None)
        self.changed.emit("class")

    def _save_share(self) -> None:
        """Share with what is filled in (a draft is kept until both are there)."""
        if self._loading:
            return
        folder, name = self.class_folder.text().strip(), self.name.text().strip()
        self._col.set_setting("class.share_draft", {"folder": folder, "name": name})
        if not self.share.isChecked():
            return
        if not folder or not name:
            self._say("Choose the class folder and give your name to share your summary.")
            return
        current = sharing(self._col)
        try:
            share(self._col, folder, name, current.get("decks") if current else None,
                  self._now())
        except FlashdeskError as exc:
            self._say(str(exc))
            return
        self._say(None)
        self.changed.emit("class")
