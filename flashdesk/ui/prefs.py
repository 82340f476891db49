"""The window's own preferences that travel with the profile (theme, card
font size), kept in the collection's settings so they persist with it."""

from __future__ import annotations

from ..collection import Collection
from .theme import ThemeChoice

__all__ = ["Prefs", "FONT_MIN", "FONT_MAX", "FONT_DEFAULT"]

FONT_MIN, FONT_MAX, FONT_DEFAULT = 11, 28, 15
_THEME_KEY = "ui.theme"
_FONT_KEY = "ui.card_font_pt"


class Prefs:
    """Typed access to the GUI settings stored in ``col``."""

    def __init__(self, col: Collection):
        self._col = col

    @property
    def theme(self) -> ThemeChoice:
        try:
            return ThemeChoice(self._col.setting(_THEME_KEY, ThemeChoice.SYSTEM.value))
        except ValueError:
            return ThemeChoice.SYSTEM

    def set_theme(self, choice: ThemeChoice) -> None:
        self._col.set_setting(_THEME_KEY, ThemeChoice(choice).value)

    @property
    def card_font_pt(self) -> int:
        value = self._col.setting(_FONT_KEY, FONT_DEFAULT)
        try:
            return min(FONT_MAX, max(FONT_MIN, int(value)))
        except (TypeError, ValueError):
            return FONT_DEFAULT

    def set_card_font_pt(self, size: int) -> None:
        self._col.set_setting(_FONT_KEY, min(FONT_MAX, max(FONT_MIN, int(size))))
