"""Window sizes that fit the screen they open on, remembered between runs."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

__all__ = ["fit_to_screen", "restore_geometry", "save_geometry", "available_size",
           "window_settings"]

#: a window opens at most this share of the screen's free area, wide and high
SHARE = 0.92


def available_size(widget: QWidget) -> QSize:
    """The free area (without task bars) of the screen ``widget`` is on."""
    # QWidget.screen, called directly: a window may have a "screen" of its own meaning
    screen = QWidget.screen(widget) or QGuiApplication.primaryScreen()
    return screen.availableGeometry().size() if screen is not None else QSize(1024, 640)


def fit_to_screen(widget: QWidget, preferred: QSize) -> None:
    """Resize ``widget`` to ``preferred``, or smaller so that it fits its
    screen (never below its own minimum size)."""
    room = available_size(widget)
    width = min(preferred.width(), int(room.width() * SHARE))
    height = min(preferred.height(), int(room.height() * SHARE))
    minimum = widget.minimumSize()
    widget.resize(max(width, minimum.width()), max(height, minimum.height()))


def restore_geometry(widget: QWidget, settings: QSettings | None, key: str,
                     preferred: QSize) -> None:
    """The geometry saved under ``key``, if there is one and it fits the
    screen now; else ``preferred`` fitted to the screen."""
    saved = settings.value(key) if settings is not None else None
    if isinstance(saved, QByteArray) and not saved.isEmpty() and widget.restoreGeometry(saved):
        room = available_size(widget)
        if widget.width() <= room.width() and widget.height() <= room.height():
            return
    fit_to_screen(widget, preferred)


def save_geometry(widget: QWidget, settings: QSettings | None, key: str) -> None:
    if settings is not None:
        settings.setValue(key, widget.saveGeometry())


def window_settings(widget: QWidget | None) -> QSettings | None:
    """The window settings (``window.ini``) of the main window ``widget`` is
    under: the nearest parent with a ``settings`` QSettings; None outside one."""
    while widget is not None:
        found = getattr(type(widget), "settings", None)
        if found is not None:
            value = getattr(widget, "settings")
            if isinstance(value, QSettings):
                return value
        widget = widget.parentWidget()
    return None
