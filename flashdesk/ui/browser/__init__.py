"""The card browser: a lazily loading table over every card, full-text search
and filters, a note editor, and actions on a selection."""

from .model import COLUMNS, CardTableModel
from .window import BrowserWindow

__all__ = ["BrowserWindow", "CardTableModel", "COLUMNS"]
