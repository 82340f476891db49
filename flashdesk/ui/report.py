"""The progress report as a PDF, laid out with QTextDocument: a page a
learner can add to their portfolio and a tutor can read at a glance."""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from ..formats.report import percent
from ..statistics import ProgressReport

__all__ = ["report_html", "write_report_pdf"]

_CSS = """
body { font-family: 'DejaVu Sans', 'Segoe UI', sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 20pt; margin: 0 0 2pt 0; }
h2 { font-size: 13pt; margin: 14pt 0 4pt 0; color: #1f3a5f; }
p.sub { color: #444; margin: 0 0 10pt 0; }
th { background: #e8eef6; text-align: left; }
td.num, th.num { text-align: right; }
.figure { font-size: 16pt; font-weight: bold; color: #1f3a5f; }
.label { color: #444; }
p.note { color: #555; font-size: 8.5pt; margin-top: 14pt; }
"""


def _figures(report: ProgressReport) -> str:
    cells = [(str(report.study_days), "study days"), (f"{report.reviews:,}", "reviews done"),
             (f"{report.cards_learned:,}", "cards learned"),
             (percent(report.retention), "retention"),
             (f"{round(report.minutes):,}", "minutes studied")]
    return ("<table width='100%' cellpadding='5' cellspacing='0'><tr>"
            + "".join(f"<td align='center'><span class='figure'>{v}</span><br>"
                      f"<span class='label'>{k}</span></td>" for v, k in cells)
            + "</tr></table>")


def report_html(report: ProgressReport) -> str:
    e = html.escape
    learner = e(report.learner) if report.learner else "<i>name not set</i>"
    parts = [f"<style>{_CSS}</style>", "<h1>Progress report</h1>",
             f"<p class='sub'>{learner} · {report.start:%d %B %Y} to {report.end:%d %B %Y} · "
             "flashdesk</p>", _figures(report), "<h2>Decks studied</h2>"]
    if report.decks:
        parts.append("<table width='100%' cellpadding='5' cellspacing='0'><tr><th>Deck</th><th class='num'>Reviews</th>"
                     "<th class='num'>Cards learned</th><th class='num'>Retention</th></tr>")
        for d in report.decks:
            parts.append(f"<tr><td>{e(d['deck'])}</td><td class='num'>{d['reviews']:,}</td>"
                         f"<td class='num'>{d['cards_learned']:,}</td>"
                         f"<td class='num'>{percent(d['retention'])}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No reviews in this period.</p>")
    parts.append("<h2>Mastery by topic (weakest first)</h2>")
    parts.append("<table width='100%' cellpadding='5' cellspacing='0'><tr><th>Topic</th><th>By</th><th class='num'>Cards</th>"
                 "<th class='num'>Studied</th><th class='num'>Mastered</th>"
                 "<th class='num'>Mastery</th><th class='num'>Retention*</th></tr>")
    for m in report.mastery:
        parts.append(f"<tr><td>{e(m.topic)}</td><td>{'deck' if m.kind == 'deck' else 'tag'}</td>"
                     f"<td class='num'>{m.cards:,}</td><td class='num'>{m.studied:,}</td>"
                     f"<td class='num'>{m.mastered:,}</td><td class='num'>{percent(m.mastery)}</td>"
                     f"<td class='num'>{percent(m.retention)}</td></tr>")
    parts.append("</table>")
    parts.append("<p class='note'>Retention: the share of review answers rated Hard or better "
                 "(* for topics: over the last 30 days). "
                 "Cards learned: new cards first studied in the period. Mastery: how close a "
                 "topic's cards are to a three-week interval (mastered), averaged over all its "
                 "cards. Scheduling follows SuperMemo's SM-2.</p>")
    return "".join(parts)


def _ensure_app() -> None:
    if QGuiApplication.instance() is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                     or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _ensure_app.app = QGuiApplication(sys.argv[:1])


def write_report_pdf(report: ProgressReport, path: str | Path) -> Path:
    """Write the report as an A4 PDF."""
    _ensure_app()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setTitle(f"flashdesk progress report {report.start} – {report.end}")
    writer.setCreator("flashdesk")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(18, 16, 18, 16), QPageLayout.Unit.Millimeter))
    doc = QTextDocument()
    doc.setHtml(report_html(report))
    # print_() lays the document out on the page in points and scales it to the
    # writer's resolution; text stays vector text in the PDF
    doc.print_(writer)
    return path
