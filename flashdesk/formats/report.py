"""The progress report as CSV: one section of key figures, one row per deck
studied, one row per topic's mastery. Opens in any spreadsheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..statistics import ProgressReport
from .csvcell import guarded_row
from .output import write_atomically

__all__ = ["write_report_csv", "percent"]


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


class _GuardedWriter:
    """``csv.writer`` whose every cell goes through the formula guard."""

    def __init__(self, f):
        self._writer = csv.writer(f, lineterminator="\r\n")

    def writerow(self, cells) -> None:
        self._writer.writerow(guarded_row(cells))


def write_report_csv(report: ProgressReport, path: str | Path) -> Path:
    """Write ``report`` to ``path`` (CSV, UTF-8 with a BOM, CRLF) and return
    the path. Every text cell (the learner's name, deck names, tags) is
    guarded against being run as a formula. The file is written whole or not
    at all (``write_atomically``): ``FlashdeskError`` when ``path`` is a
    folder or its folder does not exist, ``StorageError`` when the disk
    refuses; either way an existing file is left as it was."""
    with io.StringIO(newline="") as f:
        w = _GuardedWriter(f)
        w.writerow(["flashdesk progress report"])
        w.writerow(["Learner", report.learner or "(name not set)"])
        w.writerow(["From", report.start.isoformat()])
        w.writerow(["To", report.end.isoformat()])
        w.writerow(["Study days", report.study_days])
        w.writerow(["Reviews done", report.reviews])
        w.writerow(["Cards learned", report.cards_learned])
        w.writerow(["Retention", percent(report.retention)])
        w.writerow(["Time studied (minutes)", round(report.minutes)])
        w.writerow([])
        w.writerow(["Deck", "Reviews", "Cards learned", "Retention"])
        for d in report.decks:
            w.writerow([d["deck"], d["reviews"], d["cards_learned"], percent(d["retention"])])
        w.writerow([])
        w.writerow(["Topic", "Type", "Cards", "Studied", "Mastered", "Mastery",
                    "Retention (30 days)"])
        for m in report.mastery:
            w.writerow([m.topic, m.kind, m.cards, m.studied, m.mastered, percent(m.mastery),
                        percent(m.retention)])
        text = f.getvalue()
    return write_atomically(path, text.encode("utf-8-sig"))
