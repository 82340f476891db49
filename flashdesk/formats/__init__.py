"""Readers and writers of deck files. Everything here returns plain values
(``DeckData``) or raises ``DeckFileError`` with every problem found."""

from .problems import DeckFileError, Problem
from .deckfile import read_deck_file

__all__ = ["DeckFileError", "Problem", "read_deck_file"]
