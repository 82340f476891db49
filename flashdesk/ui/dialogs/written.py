"""What an export or a backup says when it is done: what was written and
where, with a button that shows the folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from ..theme import app_icon

__all__ = ["show_written", "ShowFolder"]


class ShowFolder:
    """Opens a folder in the system's file manager (tests replace ``open``)."""

    @classmethod
    def open(cls, folder: Path) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(folder).resolve())))


def show_written(parent: QWidget | None, title: str, text: str, details: str,
                 folder: Path) -> QMessageBox:
    """Say what was written, without blocking, with *Show folder* (opens
    ``folder``) and *Close*. Returns the box; its ``show_folder_button`` is
    the button."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Close,
                      parent)
    box.setWindowIcon(app_icon())
    box.setTextFormat(Qt.TextFormat.PlainText)  # paths and deck names come from outside
    box.setInformativeText(details)
    informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
    if informative is not None:
        informative.setTextFormat(Qt.TextFormat.PlainText)
    box.setAccessibleName(title)
    show = box.addButton("&Show folder", QMessageBox.ButtonRole.ActionRole)
    show.setToolTip(str(folder))
    show.clicked.connect(lambda: ShowFolder.open(folder))
    box.setDefaultButton(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show_folder_button = show  # type: ignore[attr-defined]
    box.open()
    return box
