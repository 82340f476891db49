"""The progress report PDF: written, and its text reads back."""

from datetime import date, datetime, timedelta, timezone

from PySide6.QtPdf import QPdfDocument

from flashdesk.collection import Collection
from flashdesk.ui.report import write_report_pdf

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def test_report_pdf_has_the_figures(qapp, tmp_path):
    col = Collection.open(tmp_path / "p" / "collection.db", bundled=False, backups=False)
    col.files.import_files([FIXTURES / "example.toml"])
    col.set_setting("learner_name", "Sam Taylor")
    for day in range(2):
        now = NOW + timedelta(days=day)
        while (card := col.study.next_card(None, now)) is not None:
            col.study.answer(card.id, 4, now, time_ms=60000)
    report = col.reports.progress_report(date(2026, 3, 1), date(2026, 3, 31), NOW + timedelta(days=2))
    col.close()
    path = write_report_pdf(report, tmp_path / "report.pdf")
    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    text = " ".join(doc.getAllText(i).text() for i in range(doc.pageCount()))
    doc.close()
    for expected in ("Progress report", "Sam Taylor", "01 March 2026", "31 March 2026",
                     "HEAT model (Example)", "reviews done", "Topics studied – weakest first",
                     "heat"):
        assert expected in text, expected
    # day 1: five new cards (the basic's reverse and the second cloze wait, as siblings);
    # day 2: those five reviews, which bury their siblings again
    assert f"{report.reviews}" in text and report.reviews == 10


def test_the_report_is_a_summary_page_then_topics_never_broken(qapp, tmp_path):
    """Page 1 is the summary; the topic table starts on a page of its own;
    no deck or tag name is broken across lines; topics not started are
    listed apart, not as rows of 0 %."""
    col = Collection.open(tmp_path / "p" / "collection.db", bundled=False, backups=False)
    long_name = "Misconceptions about difficult customers and how to correct them"
    deck = tmp_path / "d.toml"
    deck.write_text(f'[deck]\nid = "m"\nname = "Level 2::{long_name}"\n\n'
                    + "".join(f'[[notes]]\nid = "n{i}"\nkind = "basic"\nfront = "Q{i}"\n'
                              f'back = "A{i}"\ntags = ["topic{i % 40:02d}"]\n\n'
                              for i in range(80)), encoding="utf-8")
    col.files.import_files([deck])
    col.files.import_files([FIXTURES / "example.toml"])
    for day in range(2):
        now = NOW + timedelta(days=day)
        for _ in range(30):
            card = col.study.next_card("m", now)
            if card is None:
                break
            col.study.answer(card.id, 4, now, time_ms=30000)
    report = col.reports.progress_report(date(2026, 3, 1), date(2026, 3, 31),
                                         NOW + timedelta(days=2))
    col.close()
    path = write_report_pdf(report, tmp_path / "report.pdf")
    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    pages = [doc.getAllText(i).text() for i in range(doc.pageCount())]
    doc.close()
    assert "Progress report" in pages[0] and "Topics studied" not in pages[0]
    assert "Topics studied" in pages[1]
    everything = " ".join(" ".join(p.split()) for p in pages)
    import unicodedata
    everything = unicodedata.normalize("NFKC", everything)  # the PDF writes ligatures
    assert "Misconceptions about difficult customers and how to correct them (Level 2)" in everything
    # decks not started are named under the deck they belong to
    assert "Not started yet" in everything and "Decks in Example: HEAT model" in everything
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, 1))
    studied = [m for m in report.mastery if m.studied]
    assert studied and all(m.topic.split("::")[-1][:20] in everything or m.kind == "tag"
                           for m in studied)


def test_no_topic_row_is_split_across_pages(qapp):
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    from flashdesk.statistics import Mastery, ProgressReport
    from flashdesk.ui.report import _split_rows, layout_report, report_html

    topics = [Mastery(f"Level 2::Unit {i:02d} Misconceptions about difficult customers and how "
                      "to correct them", "deck", 10, 5, 1, 0.3, 0.8, 3) for i in range(60)]
    report = ProgressReport(learner="Sam", start=date(2026, 3, 1), end=date(2026, 3, 31),
                            decks=[], cards_learned=1, reviews=2, retention=0.5, study_days=2,
                            minutes=3, mastery=topics)
    naive_splits = 0
    for height in range(600, 760, 23):  # A4 inside the margins is 493 × 751 points
        page = QSizeF(493, height)
        plain = QTextDocument()
        plain.setPageSize(page)
        plain.setHtml(report_html(report))
        naive_splits += _split_rows(plain) is not None  # laid out naively, rows straddle
        assert _split_rows(layout_report(report, page)) is None
    assert naive_splits > 0


def test_a_failed_pdf_write_leaves_the_old_file_and_no_partial_one(qapp, tmp_path, monkeypatch):
    import errno

    import pytest

    from flashdesk.formats import output
    from flashdesk.statistics import ProgressReport
    from flashdesk.store.database import StorageError

    report = ProgressReport(learner="Sam", start=date(2026, 1, 1), end=date(2026, 1, 31),
                            decks=[], cards_learned=0, reviews=0, retention=None, study_days=0,
                            minutes=0.0, mastery=[])
    target = tmp_path / "report.pdf"
    target.write_bytes(b"last term's report")

    def refuse(source, destination):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(output.os, "replace", refuse)
    with pytest.raises(StorageError, match="Nothing was written"):
        write_report_pdf(report, target)
    assert target.read_bytes() == b"last term's report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]
