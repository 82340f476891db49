"""Problems found in an input file, each naming the file and the place."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass

from ..model import FlashdeskError

__all__ = ["Problem", "DeckFileError", "shown_path"]

#: characters a file's name is shown with as escapes: controls (line breaks,
#: tabs, ESC …), formatting (bidirectional overrides …), line and paragraph
#: separators, lone surrogates (bytes of a name that is not UTF-8)
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF \
        else f"\\U{code:08x}"


def shown_path(path: str | bytes | os.PathLike) -> str:
    """A file's path as every message shows it: the path itself, with each
    character that would act on a terminal or reorder the text shown as an
    escape – a line break as ``\\n``, a tab as ``\\t``, ESC as ``\\x1b``, a
    bidirectional override as ``\\u202e``, a byte of a name that is not
    UTF-8 as ``\\xe9`` – so a file's name cannot split a message into two
    lines, colour it or hide part of it. Backslashes and every printable
    character (spaces, accents) stay as they are; a path already shown is
    shown the same.

    Args:
        path: a path as given to a reader (text, bytes or ``os.PathLike``).
    Returns:
        One line of printable text.
    """
    text = os.fsdecode(path)
    if text.isprintable():
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _HIDDEN else c for c in text)


@dataclass(frozen=True)
class Problem:
    """One problem of a file: ``path`` as messages show it (``shown_path``
    is applied to what is given), the message, and the line when known."""

    path: str
    message: str
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", shown_path(self.path))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class DeckFileError(FlashdeskError):
    """A file that cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
