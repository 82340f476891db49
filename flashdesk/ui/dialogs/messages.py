"""Short messages: information that does not block, the "already open"
notice of a second launch, and errors."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ...text import sentence
from ..theme import app_icon

__all__ = ["inform", "AlreadyRunning", "show_error"]


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
         details: str = "") -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setWindowIcon(app_icon())
    box.setTextFormat(Qt.TextFormat.PlainText)
    if details:
        box.setInformativeText(details)
    box.setAccessibleName(title)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


def inform(parent: QWidget | None, title: str, text: str, details: str = "") -> QMessageBox:
    """Show a message over ``parent`` without blocking; returns the box."""
    box = _box(parent, QMessageBox.Icon.Information, title, text, details)
    box.open()
    return box


def show_error(parent: QWidget | None, title: str, text: str, details: str = "") -> QMessageBox:
    """Show a problem over ``parent`` without blocking; ``text`` (often a
    message from the core, written to go after a colon) is shown as a
    sentence. Returns the box."""
    box = _box(parent, QMessageBox.Icon.Warning, title, sentence(text), details)
    box.open()
    return box


class AlreadyRunning:
    """What a second launch on the same profile says before it exits."""

    @classmethod
    def tell(cls, profile_dir: Path) -> None:
        box = _box(None, QMessageBox.Icon.Warning, "flashdesk is already open",
                   f"flashdesk is already open for the profile in\n{profile_dir}",
                   "Its window did not answer. Close it (or end its process) and start "
                   "flashdesk again.")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        box.exec()
