"""Light and dark themes: a palette plus one style sheet, both read from
``resources/themes``, and the application icon from ``resources/icons``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from string import Template

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from ..paths import bundled_dir

__all__ = ["ThemeChoice", "Theme", "load_theme", "apply_theme", "current_theme", "app_icon",
           "resource_path", "repolish"]


class ThemeChoice(StrEnum):
    """What the learner picked in the settings."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True)
class Theme:
    name: str
    palette: QPalette
    style_sheet: str
    colors: dict[str, str]

    @property
    def is_dark(self) -> bool:
        return self.name == "dark"

    def color(self, key: str) -> QColor:
        return QColor(self.colors[key])


def resource_path(*parts: str) -> Path:
    return bundled_dir("resources").joinpath(*parts)


@lru_cache(maxsize=4)
def load_theme(name: str) -> Theme:
    """The ``light`` or ``dark`` theme from ``resources/themes``."""
    spec = json.loads(resource_path("themes", f"{name}.json").read_text(encoding="utf-8"))
    palette = QPalette()
    for role_name, value in spec["palette"].items():
        palette.setColor(QPalette.ColorRole[role_name], QColor(value))
    for role_name, value in spec.get("disabled", {}).items():
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole[role_name], QColor(value))
    template = Template(resource_path("themes", "common.qss").read_text(encoding="utf-8"))
    values = {**spec["colors"], "theme": name, "icons": resource_path("icons").as_posix()}
    return Theme(name, palette, template.substitute(values), dict(spec["colors"]))


def _system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def _resolve(choice: ThemeChoice | str) -> str:
    choice = ThemeChoice(choice)
    if choice == ThemeChoice.SYSTEM:
        return "dark" if _system_is_dark() else "light"
    return choice.value


class _Applied:
    """What apply_theme did last. (Kept in Python: reading an unset Qt property
    back as None upsets None's reference count in PySide6 6.12.)"""

    theme: Theme | None = None
    fusion = False


def apply_theme(choice: ThemeChoice | str, app: QApplication | None = None) -> Theme:
    """Style the whole application with the chosen theme (Fusion style, the
    theme's palette and style sheet). Returns the theme in use."""
    app = app or QApplication.instance()
    theme = load_theme(_resolve(choice))
    if _Applied.theme is theme and app.styleSheet() == theme.style_sheet:
        return theme  # restyling every widget again would only cost time
    if not _Applied.fusion and "Fusion" in QStyleFactory.keys():
        app.setStyle("Fusion")  # the same widgets everywhere, and palettes it honours
        _Applied.fusion = True
    app.setPalette(theme.palette)
    app.setStyleSheet(theme.style_sheet)
    _Applied.theme = theme
    return theme


def current_theme() -> Theme:
    """The theme applied last (light if none was)."""
    return _Applied.theme or load_theme("light")


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "flashdesk.svg")))


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property used by it changed."""
    for w in (widget, *widget.findChildren(QWidget)):
        w.style().unpolish(w)
        w.style().polish(w)
    widget.update()
