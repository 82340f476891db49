"""The class view as tables – one source for the terminal, the CSV file and
the PDF (``flashdesk.ui.class_view``), so that all three say the same."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..formats.csvcell import guarded_row
from ..text import deck_path
from .classroom import ClassView

__all__ = ["Table", "class_tables", "write_class_csv", "cell_text", "percent"]


@dataclass(frozen=True)
class Table:
    """One table of the class view: a title, column names and rows of text."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: shown when there are no rows
    empty: str = ""
    #: the column names a narrow screen shows (a deck's own name without its parents)
    short_header: tuple[str, ...] = ()

    @property
    def shown_header(self) -> tuple[str, ...]:
        return self.short_header or self.header


def percent(value: float | None) -> str:
    """A share as a whole percentage ("85%"), or "–" when there is none."""
    return "–" if value is None else f"{value:.0%}"


def cell_text(learned: int, cards: int, retention: float | None) -> str:
    """A grid cell: cards studied of cards, and retention when there are
    reviews to tell it (``12/40 · 85%``, ``3/40``)."""
    return f"{learned}/{cards}" + ("" if retention is None else f" · {percent(retention)}")


def _since(last: date | None, today: date) -> str:
    if last is None:
        return "never"
    days = (today - last).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def class_tables(view: ClassView, today: date, kind: str | None = "deck") -> list[Table]:
    """The learner × topic grid (topics of ``kind``: "deck", "tag" or None
    for both), the hardest cards across the class, and who has not studied
    for a week. With no learner sharing, each says so, rather than that no
    card has lapsed and everyone has studied."""
    topics = view.topics(kind)
    grid_rows = []
    for learner in view.learners:
        cells = []
        for key in topics:
            t = learner.topics.get(key)
            cells.append("" if t is None else cell_text(t.learned, t.cards, t.retention))
        grid_rows.append((learner.name, _since(learner.last_studied, today), *cells))
    header = ("Learner", "Last studied",
              *(deck_path(topic) if k == "deck" else f"tag {topic}" for k, topic in topics))
    short = ("Learner", "Last studied",
             *(topic.rsplit("::", 1)[-1] if k == "deck" else f"tag {topic}" for k, topic in topics))
    nobody = "No learner has shared a summary in this folder yet."
    grid = Table("Progress by topic (studied/cards · retention over 30 days)", header,
                 tuple(grid_rows), nobody, short)
    hard = Table("Hardest cards across the class",
                 ("Card", "Deck", "Weak for", "Lapses", "Lowest ease"),
                 tuple((h.prompt or h.card, h.deck.rsplit("::", 1)[-1],
                        f"{len(h.learners)}: {', '.join(h.learners)}", str(h.lapses),
                        f"{h.lowest_ease:.2f}") for h in view.hardest()),
                 "No card has lapsed for anyone yet." if view.learners else nobody)
    idle = Table("Not studied for a week or more", ("Learner", "Last studied"),
                 tuple((s.name, _since(s.last_studied, today)) for s in view.inactive(today)),
                 "Everyone has studied in the last week." if view.learners else nobody)
    tables = [grid, hard, idle]
    if view.unreadable:
        tables.append(Table("Files that could not be read", ("File",),
                            tuple((line,) for line in view.unreadable)))
    return tables


def write_class_csv(view: ClassView, today: date, path: str | os.PathLike,
                    kind: str | None = None) -> Path:
    """Write the class tables to ``path`` (CSV, UTF-8 with a BOM, CRLF; one
    block per table, a blank row between). Every cell passes the one CSV
    guard (``formats.csvcell``): learner names and deck names come from
    other people's files. Raises ``OSError`` when it cannot be written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(guarded_row(["flashdesk class view", str(view.folder), today.isoformat()]))
        for table in class_tables(view, today, kind):
            writer.writerow([])
            writer.writerow(guarded_row([table.title]))
            writer.writerow(guarded_row(table.header))
            for row in table.rows:
                writer.writerow(guarded_row(row))
    return path
