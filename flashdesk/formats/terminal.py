"""Text from files, made safe to print in a terminal.

A shared deck can hold escape sequences (``ESC ] 0 ; title BEL`` retitles the
window, ``ESC [ 2 J`` clears it) and bidirectional overrides that make text
read differently from what it is. Import already removes control characters
from what it stores (see ``flashdesk.formats.sanitize``); ``terminal_safe`` is
the last line for anything printed, whatever its origin (older collections,
file names, messages quoting a file).
"""

from __future__ import annotations

import re

from .sanitize import BIDI_CONTROLS

__all__ = ["terminal_safe"]

# C0 except tab and line feed, DEL, C1, the line and paragraph separators, and
# lone surrogates (text decoded with errors="surrogateescape"; they cannot be printed)
_SHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ANY = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
                  "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` as it may be printed: control characters are shown as
    escapes (ESC as ``\\x1b``, BEL as ``\\x07``, a carriage return as
    ``\\x0d``, DEL as ``\\x7f``, C1 such as CSI as ``\\x9b``, the line and
    paragraph separators as ``\\u2028`` / ``\\u2029``), so nothing reaches
    the terminal that it would act on; line feeds and tabs are kept.
    Bidirectional formatting characters (U+061C, U+200E, U+200F,
    U+202A–U+202E, U+2066–U+2069) are removed, so text prints in the order it
    is stored. A lone surrogate becomes U+FFFD. Text without any of these is
    returned as it is.

    Args:
        text: any text, typically from a file or the collection.
    Returns:
        The text to print (one line stays one line).
    """
    if not _ANY.search(text):
        return text
    return _SHOWN.sub(_shown, BIDI_CONTROLS.sub("", text))
