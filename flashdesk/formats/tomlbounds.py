"""Bounds checked on TOML text before a parser sees it.

``tomllib`` recurses once per level of nested arrays and inline tables, and
builds one table per part of a dotted key: a 200 KB file of nested brackets
raises ``RecursionError``, and one key of 200,000 parts takes a minute and
gigabytes. ``toml_bounds_problem`` finds both in one linear pass over the
text (strings and comments are skipped whole, so brackets and dots inside
them do not count) and stops at the first excess, so a hostile file is
refused in a fraction of a second. A deck file needs two levels and one-part
keys; the bounds leave ample room.
"""

from __future__ import annotations

import re

__all__ = ["toml_bounds_problem", "MAX_DEPTH", "MAX_KEY_PARTS", "MAX_KEY_CHARS"]

#: arrays and inline tables inside each other
MAX_DEPTH = 20
#: parts of one dotted key (``a.b.c`` has three), in a table header or before ``=``
MAX_KEY_PARTS = 10
#: characters of one key, all its parts together
MAX_KEY_CHARS = 128

# Every alternative consumes at least one character and a string that is never
# closed runs to the end of its line (or of the text, for a multi-line one):
# nothing is scanned twice, so the pass is linear whatever the text.
_TOKEN = re.compile(r'''
    (?P<mlbasic>"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""\"{0,2})?)
  | (?P<basic>"[^"\\\n]*(?:\\.[^"\\\n]*)*"?)
  | (?P<mllit>\'\'\'[^']*(?:'(?!'')[^']*)*(?:\'\'\'\'{0,2})?)
  | (?P<lit>'[^'\n]*'?)
  | (?P<comment>\#[^\n]*)
  | (?P<nl>\n)
  | (?P<space>[ \t\r]+)
  | (?P<open>[\[{])
  | (?P<close>[\]}])
  | (?P<comma>,)
  | (?P<eq>=)
  | (?P<dot>\.)
  | (?P<bare>[^ \t\r\n"'\#\[\]{},=.]+)
''', re.X | re.S)
_STRINGS = ("mlbasic", "basic", "mllit", "lit")


def toml_bounds_problem(text: str) -> tuple[str | None, int]:
    """Check ``text`` (TOML) against ``MAX_DEPTH`` levels of nesting,
    ``MAX_KEY_PARTS`` parts and ``MAX_KEY_CHARS`` characters per key.

    Returns (message, line) for the first bound exceeded, lines counting from
    1; or (None, the line of the deepest nesting) when the text keeps within
    them, for a parser failure to point at. Does not check that the text is
    valid TOML: the parser does."""
    line = deepest_line = 1
    deepest = 0
    stack: list[str] = []   # open arrays and inline tables of the value being read
    expect_key = True       # at the start of a statement, a table header, or in an inline table
    header = False          # inside [table] or [[array of tables]] brackets
    parts = chars = 0
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "nl":
            line += 1
            if not stack:
                expect_key, header, parts, chars = True, False, 0, 0
            continue
        if kind in ("space", "comment"):
            continue
        if expect_key:
            if kind == "open" and token == "[" and not stack and parts == 0:
                header = True
            elif kind == "bare" or kind in _STRINGS:
                parts += 1
                chars += len(token)
                if parts > MAX_KEY_PARTS:
                    return f"a key of more than {MAX_KEY_PARTS} dotted parts", line
                if chars > MAX_KEY_CHARS:
                    return f"a key longer than {MAX_KEY_CHARS} characters", line
            elif kind == "dot":
                pass
            elif kind == "close" and stack and not header:
                stack.pop()  # an empty inline table: {}
                expect_key = False
            else:  # '=' or the end of a header: a value (or nothing) follows
                expect_key, parts, chars = False, 0, 0
            if kind in _STRINGS:
                line += token.count("\n")
            continue
        if kind == "open":
            stack.append(token)
            if len(stack) > deepest:
                deepest, deepest_line = len(stack), line
                if deepest > MAX_DEPTH:
                    return (f"arrays or inline tables nested more than {MAX_DEPTH} levels deep",
                            line)
            if token == "{":
                expect_key, parts, chars = True, 0, 0
        elif kind == "close":
            if stack:
                stack.pop()
        elif kind == "comma":
            if stack and stack[-1] == "{":
                expect_key, parts, chars = True, 0, 0
        elif kind in _STRINGS:
            line += token.count("\n")
    return None, deepest_line
