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
                     "Example::HEAT model", "reviews done", "Mastery by topic", "heat"):
        assert expected in text, expected
    # day 1: five new cards (the basic's reverse and the second cloze wait, as siblings);
    # day 2: those five reviews, which bury their siblings again
    assert f"{report.reviews}" in text and report.reviews == 10
