"""The one guard for cells flashdesk writes to CSV: a spreadsheet must never
run imported text as a formula (CSV injection, OWASP's rule).

Every CSV writer passes each cell through ``guard_cell`` (or writes rows with
``guarded_row``); the CSV reader takes the guard off again with
``unguard_cell``, so flashdesk's own exports read back unchanged.
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["FORMULA_STARTS", "guard_cell", "guarded_row", "unguard_cell"]

#: first characters that make a spreadsheet read a cell as a formula
#: (OWASP: equals, plus, minus, at, tab, carriage return)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: object) -> object:
    """``value`` as a cell: text starting with one of ``FORMULA_STARTS`` gets
    a leading ``'``, which spreadsheets show as text; numbers and other
    values the writer formats itself are returned unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def guarded_row(cells: Iterable[object]) -> list[object]:
    """Each of ``cells`` through ``guard_cell``: a row for ``csv.writer``."""
    return [guard_cell(cell) for cell in cells]


def unguard_cell(cell: str) -> str:
    """A cell as flashdesk wrote it, without the guard ``guard_cell`` added:
    a leading ``'`` is dropped only when a formula start follows it."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell
