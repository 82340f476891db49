"""The small questions the window asks – a name, a choice from a list, a
yes or no – each behind a classmethod that tests replace (as pytest-qt
suggests for modal dialogs)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from ..theme import app_icon

__all__ = ["Ask"]


class Ask:
    """Modal questions; ``None`` or ``False`` when the learner cancels."""

    @classmethod
    def text(cls, parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
        """A line of text (a deck's name); None when cancelled or left empty."""
        value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
        return value.strip() if ok and value.strip() else None

    @classmethod
    def choice(cls, parent: QWidget | None, title: str, label: str,
               items: list[str]) -> str | None:
        """One of ``items``; None when cancelled."""
        value, ok = QInputDialog.getItem(parent, title, label, items, 0, False)
        return value if ok else None

    @classmethod
    def confirm(cls, parent: QWidget | None, title: str, text: str, details: str,
                action: str) -> bool:
        """Whether to go ahead with ``action`` (the button's text); the
        other button, Cancel, is the default."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
        box.setWindowIcon(app_icon())
        box.setInformativeText(details)
        go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is go
