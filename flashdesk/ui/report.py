"""The progress report as a PDF, laid out with QTextDocument: a page a
learner can add to their portfolio and a tutor can read at a glance."""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor, QFont, QGuiApplication, QPageLayout, QPageSize, QPainter, QPdfWriter,
    QTextDocument, QTextTable,
)

from ..formats.output import check_output, write_atomically
from ..formats.report import percent
from ..text import deck_label, deck_path, isolate
from ..statistics import ProgressReport

__all__ = ["report_html", "layout_report", "write_report_pdf"]

_CSS = """
body { font-family: 'DejaVu Sans', 'Segoe UI', sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 20pt; margin: 0 0 2pt 0; }
h2 { font-size: 13pt; margin: 14pt 0 4pt 0; color: #1f3a5f; }
h3 { font-size: 11pt; margin: 10pt 0 3pt 0; color: #1f3a5f; }
p.sub { color: #444; margin: 0 0 10pt 0; }
th { background: #e8eef6; text-align: left; }
th, td.num { white-space: nowrap; }
th.num { font-size: 8.5pt; }
td.num, th.num { text-align: right; }
.figure { font-size: 16pt; font-weight: bold; color: #1f3a5f; }
.label { color: #444; }
p.note { color: #555; font-size: 8.5pt; margin-top: 12pt; }
"""
# the same column widths in the decks' and the tags' tables, so they read as one
_TOPIC_HEADER = ("<thead><tr><th width='40%'>Topic</th><th class='num' width='12%'>Cards</th>"
                 "<th class='num' width='12%'>Studied</th>"
                 "<th class='num' width='12%'>Mastered</th>"
                 "<th class='num' width='12%'>Mastery</th>"
                 "<th class='num' width='12%'>Kept*</th></tr></thead>")
_TABLE = "<table width='100%' cellpadding='3' cellspacing='0'"


def _name(text: str) -> str:
    """A name that wraps between words, or after an underscore in a long
    tag, never inside a word (numbers never wrap)."""
    return html.escape(" ".join(text.split())).replace("_", "_\u200b")


def _figures(report: ProgressReport) -> str:
    cells = [(str(report.study_days), "study days"), (f"{report.reviews:,}", "reviews done"),
             (f"{report.cards_learned:,}", "cards learned"),
             (percent(report.retention), "retention"),
             (f"{round(report.minutes):,}", "minutes studied")]
    return ("<table width='100%' cellpadding='5' cellspacing='0'><tr>"
            + "".join(f"<td align='center'><span class='figure'>{v}</span><br>"
                      f"<span class='label'>{k}</span></td>" for v, k in cells)
            + "</tr></table>")


def _label(name: str) -> str:
    """A deck (or a hierarchical tag) as its own name with its parents as
    context – 'Models (Challenging Customers)' – each name isolated, so
    names in right-to-left scripts keep the brackets and arrows in place."""
    return deck_label(name, isolated=True)


def _topic(m) -> str:
    """A deck or a hierarchical tag as its own name with its parents as context."""
    return _label(m.topic)


def report_html(report: ProgressReport, breaks: frozenset[int] = frozenset()) -> str:
    """The report as rich text for QTextDocument: a summary page (learner,
    dates, figures, decks), then every studied topic weakest first, then the
    topics not started yet, by name. ``breaks``: topic rows (0-based) that
    start a new page, so that no row is split (see ``write_report_pdf``)."""
    e = html.escape
    learner = e(isolate(report.learner)) if report.learner else "<i>name not set</i>"
    parts = [f"<style>{_CSS}</style>", "<h1>Progress report</h1>",
             f"<p class='sub'>{learner} · {report.start:%d %B %Y} to {report.end:%d %B %Y} · "
             "flashdesk</p>", _figures(report), "<h2>Decks studied in this period</h2>"]
    if report.decks:
        parts.append("<table width='100%' cellpadding='5' cellspacing='0'><tr><th>Deck</th>"
                     "<th class='num'>Reviews</th><th class='num'>Cards learned</th>"
                     "<th class='num'>Retention</th></tr>")
        for d in report.decks:
            parts.append(f"<tr><td>{_name(_label(d['deck']))}</td>"
                         f"<td class='num'>{d['reviews']:,}</td>"
                         f"<td class='num'>{d['cards_learned']:,}</td>"
                         f"<td class='num'>{percent(d['retention'])}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No reviews in this period.</p>")
    parts.append("<p class='note'>Retention: the share of review answers rated Hard or better. "
                 "Cards learned: new cards first studied in the period. Scheduling follows "
                 "SuperMemo's SM-2.</p>")
    # decks first (the course's parts), then tags; each weakest first
    studied = ([m for m in report.mastery if m.studied and m.kind == "deck"]
               + [m for m in report.mastery if m.studied and m.kind != "deck"])
    waiting = [m for m in report.mastery if not m.studied]
    parts.append("<h2 style='page-break-before: always'>Topics studied – weakest first</h2>"
                 "<p class='note'>Mastery: how close a topic's cards are to a three-week "
                 "interval (mastered), averaged over all its cards, so a topic barely begun "
                 "counts as weak. * Kept: retention over the last 30 days, the share of "
                 "review answers rated Hard or better.</p>")
    if not studied:
        parts.append("<p>No topic studied yet.</p>")
    kind = None
    for i, m in enumerate(studied):
        if m.kind != kind:  # a table of decks, then one of tags
            if kind is not None:
                parts.append("</table>")
            kind = m.kind
            parts.append(f"<h3>{'Decks' if kind == 'deck' else 'Tags'}</h3>"
                         f"{_TABLE}>{_TOPIC_HEADER}")
        elif i in breaks:  # the row would straddle a page: it starts the next one
            parts.append(f"</table>{_TABLE} style='page-break-before: always'>{_TOPIC_HEADER}")
        parts.append(f"<tr><td>{_name(_topic(m))}</td>"
                     f"<td class='num'>{m.cards:,}</td><td class='num'>{m.studied:,}</td>"
                     f"<td class='num'>{m.mastered:,}</td>"
                     f"<td class='num'>{percent(m.mastery)}</td>"
                     f"<td class='num'>{percent(m.retention)}</td></tr>")
    if studied:
        parts.append("</table>")
    if waiting:
        parts.append("<h2>Not started yet</h2>")
        # decks under the deck they belong to, named once: "Challenging Customers: Models, …"
        groups: dict[str, list[str]] = {}
        for m in waiting:
            if m.kind == "deck":
                parent, _, leaf = m.topic.rpartition("::")
                groups.setdefault(parent, []).append(leaf)
        for parent, leaves in groups.items():
            label = f"Decks in {deck_path(parent, isolated=True)}" if parent else "Decks"
            parts.append(f"<p><b>{e(label)}:</b> {e(', '.join(map(isolate, leaves)))}</p>")
        tags = [_topic(m) for m in waiting if m.kind != "deck"]
        if tags:
            parts.append(f"<p><b>Tags:</b> {e(', '.join(tags))}</p>")
    return "".join(parts)


def _ensure_app() -> None:
    if QGuiApplication.instance() is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                     or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _ensure_app.app = QGuiApplication(sys.argv[:1])


def _split_rows(doc: QTextDocument) -> int | None:
    """The first topic row (0-based, over every topic table) that the page
    layout splits across two pages, or None."""
    layout = doc.documentLayout()
    page = doc.pageSize().height()
    index = 0
    for frame in doc.rootFrame().childFrames():
        if not isinstance(frame, QTextTable) or \
                frame.cellAt(0, 0).firstCursorPosition().block().text() != "Topic":
            continue
        for row in range(1, frame.rows()):
            top, bottom = float("inf"), 0.0
            for col in range(frame.columns()):
                cell = frame.cellAt(row, col)
                first = layout.blockBoundingRect(cell.firstCursorPosition().block())
                last = layout.blockBoundingRect(cell.lastCursorPosition().block())
                top, bottom = min(top, first.top()), max(bottom, last.bottom())
            if int(top // page) != int((bottom - 1) // page):
                return index
            index += 1
    return None


def layout_report(report: ProgressReport, page: QSizeF) -> QTextDocument:
    """The report laid out on pages of ``page`` (points): each topic row that
    would straddle two pages starts the next page instead, under the table's
    header again."""
    doc = QTextDocument()
    doc.setPageSize(page)
    breaks: set[int] = set()
    for _ in range(1000):  # each pass moves one straddling row to a new page
        doc.setHtml(report_html(report, frozenset(breaks)))
        split = _split_rows(doc)
        if split is None or split in breaks:
            break
        breaks.add(split)
    return doc


#: the band at the foot of each page for its number (in the layout's units)
_FOOTER = 22.0


def write_report_pdf(report: ProgressReport, path: str | Path) -> Path:
    """Write the report as an A4 PDF: the summary on page 1, the topics from
    page 2; a table row is never split across pages (it moves to the next);
    each page's foot names the learner and the period and says "Page n of N".
    Text stays vector text, so the PDF can be searched and read aloud.

    The PDF is made in memory and then written whole (``write_atomically``):
    ``FlashdeskError`` when ``path`` is a folder or its folder does not
    exist (checked before any work), ``StorageError`` when the disk refuses;
    an existing file is left as it was."""
    path = check_output(path)
    _ensure_app()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"flashdesk progress report {report.start} – {report.end}")
    writer.setCreator("flashdesk")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(18, 14, 18, 12), QPageLayout.Unit.Millimeter))
    page = writer.pageLayout().paintRectPoints().size().toSizeF()
    body = QSizeF(page.width(), page.height() - _FOOTER)
    doc = layout_report(report, body)
    pages = doc.pageCount()
    foot = (f"{isolate(report.learner) + ' · ' if report.learner else ''}Progress report, "
            f"{report.start:%d %b %Y} to {report.end:%d %b %Y}")
    painter = QPainter(writer)
    try:
        # the layout's page, body and footer band, fills the printable area
        target = writer.pageLayout().paintRectPixels(writer.resolution()).size()
        painter.scale(target.width() / page.width(), target.height() / page.height())
        font = QFont(doc.defaultFont())
        font.setPixelSize(10)
        for number in range(pages):
            if number:
                writer.newPage()
            painter.save()
            painter.translate(0, -number * body.height())
            doc.drawContents(painter, QRectF(0, number * body.height(), body.width(),
                                             body.height()))
            painter.restore()
            painter.setFont(font)
            painter.setPen(QColor("#555555"))
            inset = doc.documentMargin()  # in line with the text above
            band = QRectF(inset, page.height() - _FOOTER + 8, page.width() - 2 * inset,
                          _FOOTER - 8)
            painter.drawText(band, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                             foot)
            painter.drawText(band, int(Qt.AlignmentFlag.AlignRight
                                       | Qt.AlignmentFlag.AlignBottom),
                             f"Page {number + 1} of {pages}")
    finally:
        painter.end()
        buffer.close()
    return write_atomically(path, bytes(data.data()))
