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
    """Typed access to the GUI settings stored in ``col``: read once, then
    kept in memory (a card is never drawn after a query for its font)."""

    def __init__(self, col: Collection):
        self._col = col
        try:
            self._theme = ThemeChoice(col.setting(_THEME_KEY, ThemeChoice.SYSTEM.value))
        except ValueError:
            self._theme = ThemeChoice.SYSTEM
        try:
            self._font = min(FONT_MAX, max(FONT_MIN, int(col.setting(_FONT_KEY, FONT_DEFAULT))))
        except (TypeError, ValueError):
            self._font = FONT_DEFAULT

    @property
    def theme(self) -> ThemeChoice:
        return self._theme

    def set_theme(self, choice: ThemeChoice) -> None:
        self._theme = ThemeChoice(choice)
        self._col.set_setting(_THEME_KEY, self._theme.value)

    @property
    def card_font_pt(self) -> int:
        """The card font size in points."""
        return self._font

    def set_card_font_pt(self, size: int) -> None:
        self._font = min(FONT_MAX, max(FONT_MIN, int(size)))
        self._col.set_setting(_FONT_KEY, self._font)
