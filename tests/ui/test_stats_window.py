"""The statistics window opens over a real collection and shows its figures."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from flashdesk.collection import Collection
from flashdesk.ui.stats_window import ReportDialog, SavedReport, StatisticsWindow
from flashdesk.ui.theme import apply_theme

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def col(tmp_path):
    c = Collection.open(tmp_path / "p" / "collection.db", bundled=False, backups=False)
    c.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
    now = datetime.now().astimezone() - timedelta(days=5)
    failed = set()
    for day in range(6):
        t = now + timedelta(days=day)
        while (card := c.study.next_card(None, t)) is not None:
            # some cards are forgotten once a day, then re-drilled to Good
            again = card.id.endswith("3#0") and (card.id, day) not in failed
            failed.add((card.id, day))
            c.study.answer(card.id, 1 if again else 4, t, time_ms=4000)
    yield c
    c.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_statistics_window_shows_charts_and_mastery(qtbot, col, theme):
    apply_theme(theme)
    w = StatisticsWindow(col)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.shown_statistics, timeout=10000) as blocker:
        w.show()
    stats = blocker.args[0]
    assert sum(stats.cards_by_state.values()) == 37
    assert w._grid.count() == 5  # five charts
    assert w._mastery.rowCount() == len(stats.mastery) > 0
    assert "revise next" in w._summary.text()
    # a deck chosen from the list narrows every figure to it
    with qtbot.waitSignal(w.shown_statistics, timeout=10000) as blocker:
        w._deck.setCurrentIndex(w._deck.findData("example-heat"))
    assert sum(blocker.args[0].cards_by_state.values()) == 7
    apply_theme("light")


def test_report_dialog_writes_pdf_and_csv(qtbot, col, tmp_path, monkeypatch):
    told = []
    monkeypatch.setattr(SavedReport, "tell", classmethod(lambda cls, parent, path: told.append(path)))
    dialog = ReportDialog(col)
    qtbot.addWidget(dialog)
    dialog._name.setText("Sam Taylor")
    assert dialog.save(str(tmp_path / "r.csv")) == str(tmp_path / "r.csv")
    assert "Learner,Sam Taylor" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert dialog.save(str(tmp_path / "r.pdf"))
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert told == [str(tmp_path / "r.csv"), str(tmp_path / "r.pdf")]  # "Saved to …", Open
    assert col.setting("learner_name") == "Sam Taylor"
