"""Readers and writers of deck files. Everything here returns plain values
(``ReadResult`` holding ``DeckData``) or raises ``DeckFileError`` with every
problem found; nothing here touches a collection."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Mapping

from .problems import DeckFileError, Problem, shown_path
from .deckfile import read_deck_file
from .result import ReadResult
from .sanitize import Removals
from .terminal import terminal_safe

__all__ = ["DeckFileError", "Problem", "read_deck_file", "read_any", "ReadResult", "FORMATS",
           "detect_format", "terminal_safe", "shown_path"]

#: file suffix → format name
FORMATS = {".toml": "toml", ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".apkg": "apkg",
           ".colpkg": "apkg"}


def detect_format(path: str | Path) -> str:
    """'toml', 'csv' or 'apkg': by suffix, else by content."""
    suffix = Path(path).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    try:
        if zipfile.is_zipfile(path):
            return "apkg"
        head = Path(path).read_bytes()[:4096].decode("utf-8", "ignore")
    except OSError:
        return "csv"
    return "toml" if "[deck]" in head else "csv"


def read_any(path: str | Path, deck_name: str | None = None, *,
             known: Mapping[int, tuple[str, str]] | None = None) -> ReadResult:
    """Read a file of any supported format. ``deck_name`` is the deck for
    notes whose file does not name one (a CSV without a deck column);
    ``known``: rows a collection's notes were imported from, which a
    spreadsheet's reader skips (see ``table.read_table``).

    Every reader bounds its input before trusting it (see each module) and
    raises ``DeckFileError`` naming the file for anything it refuses; every
    message names the file as ``shown_path`` shows it (escaped); names,
    descriptions and tags come back as plain text and card text as
    sanitised HTML, both without control characters."""
    kind = detect_format(path)
    if kind == "toml":
        removals = Removals()
        result = ReadResult("toml", [read_deck_file(path, removals)])
        summary = removals.summary(shown_path(path))
        if summary:
            result.messages.append(summary)
            result.sanitised = removals.total
        return result
    if kind == "apkg":
        from .anki import read_apkg

        return read_apkg(path)
    from .table import read_table

    return read_table(path, deck_name, known=known)
