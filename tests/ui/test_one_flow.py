"""One study flow under two renderers: what a Good key press costs in the
window, the counts that must agree in the status bar, the study header and
the deck list, the window noticing another process, and the terminal and
the window giving the same log for the same answers."""

import random
import re
import subprocess
import sys
from datetime import datetime

from PySide6.QtCore import Qt

from flashdesk.collection import Collection
from flashdesk.model import Grade, Kind
from flashdesk.review import ReviewSession, Stage

from uihelpers import KINDS_DECK, press, study, write_deck

Key = Qt.Key



def status_counts(window) -> tuple[int, int, int]:
    new, learning, due = re.search(r"(\d+) new · (\d+) learning · (\d+) due",
                                   window._totals.text()).groups()
    return int(new), int(learning), int(due)


def deck_row(col, deck_id):
    row = next(s for s in col.decks.summaries(datetime.now().astimezone()) if s.id == deck_id)
    return row.new, row.learning, row.due


def test_a_good_key_press_costs_one_write_and_at_most_three_reads(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    reviewer = study(window, "kinds")
    press(qtbot, Key.Key_Space)  # the basic card's answer side
    statements = []
    col.db.conn.set_trace_callback(statements.append)
    try:
        press(qtbot, Key.Key_3)
    finally:
        col.db.conn.set_trace_callback(None)
    assert reviewer.card is not None and reviewer.stage == Stage.QUESTION  # the next card
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    assert statements.count("COMMIT") == 1
    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "PRAGMA"))]
    assert len(reads) <= 3, statements
    # revealing the next card's answer runs no SQL at all
    statements.clear()
    col.db.conn.set_trace_callback(statements.append)
    try:
        press(qtbot, Key.Key_Space)
    finally:
        col.db.conn.set_trace_callback(None)
    assert reviewer.stage == Stage.ANSWER and statements == []


def test_status_bar_study_header_and_deck_list_agree_after_every_action(
        qtbot, window, col, tmp_path, monkeypatch):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    col.decks.set_limits("kinds", new_limit=3)  # fewer new cards a day than the deck has
    window.refresh_decks(select="kinds")
    reviewer = study(window, "kinds")

    def agree():
        header = reviewer.counts
        assert status_counts(window) == header
        assert deck_row(col, "kinds") == header
        return header

    assert agree() == (3, 0, 0)
    press(qtbot, Key.Key_Space)
    press(qtbot, Key.Key_1)  # Again: a re-drill waits
    assert agree() == (2, 1, 0)
    press(qtbot, Key.Key_Minus)  # bury: the next new card takes its place
    assert agree() == (2, 1, 0)
    press(qtbot, Key.Key_At)  # suspend
    assert agree() == (2, 1, 0)
    press(qtbot, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the suspend
    assert agree() == (2, 1, 0)
    from flashdesk.ui.dialogs.edit_note import EditNoteDialog

    def edit(cls, parent, c, note_id, now, card_id=None):
        kind, fields = c.notes.get(note_id)
        key = {Kind.BASIC: "front", Kind.CLOZE: "text", Kind.CHOICE: "question",
               Kind.ORDER: "prompt", Kind.SCENARIO: "prompt"}[kind]
        return c.notes.update(note_id, {**fields, key: fields[key] + " (edited)"}, now())

    monkeypatch.setattr(EditNoteDialog, "ask", classmethod(edit))
    press(qtbot, Key.Key_E)
    assert agree() == (2, 1, 0)
    # an import while the deck list shows: its counts and the status bar agree too
    window.show_decks()
    more = KINDS_DECK.replace('id = "kinds"', 'id = "more"').replace('"Test::Kinds"', '"More"')
    with qtbot.waitSignal(window.imported, timeout=10000):
        window.import_paths([str(write_deck(tmp_path, "more.toml", more))])
    top = window.decks.model.top_level_totals()
    assert status_counts(window) == top
    summaries = col.decks.summaries(datetime.now().astimezone())
    tops = [s for s in summaries if s.depth == 0]
    assert top == (sum(s.new for s in tops), sum(s.learning for s in tops),
                   sum(s.due for s in tops))


def test_the_window_notices_a_terminal_review_in_another_process(
        qtbot, window, col, profile_path, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    window.refresh_decks(select="kinds")
    assert deck_row(col, "kinds")[0] == 5

    def shown():
        return next(s.new for s in window.decks.model.summaries() if s.id == "kinds")

    out = subprocess.run(
        [sys.executable, "-m", "flashdesk", "--data-dir", str(profile_path.parent.parent),
         "--profile", profile_path.parent.name, "review", "kinds"],
        input="\n3\n" + "q\n", capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert shown() == 5  # not looked yet
    qtbot.waitUntil(lambda: shown() == 4, timeout=5000)  # the 2-second watch saw it
    assert "1 answered" in window._totals.text()


def answers_of(col) -> list[tuple[str, int, int]]:
    return [tuple(r) for r in col.db.execute(
        "SELECT i.id, r.quality, r.kind FROM revlog r JOIN card_ids i ON i.cid = r.card "
        "ORDER BY r.seq")]


def test_the_terminal_and_the_window_are_one_review_flow(qtbot, make_window, tmp_path):
    """The same learner, the same answers, the same shuffles: the session in
    the window, in the terminal and driven directly leave the same log."""
    deck = write_deck(tmp_path, "k.toml", KINDS_DECK)
    now = datetime.now().astimezone()

    def answer_directly(session: ReviewSession) -> None:
        session.start()
        for _ in range(5):
            card = session.card
            if card.kind == Kind.CHOICE:
                session.choose(1)
            elif card.kind == Kind.ORDER:
                session.check_order(session.item_order)
            else:
                session.reveal()
                if card.kind == Kind.SCENARIO:
                    session.mark_points(2)
            session.answer(session.default_grade() if card.kind != Kind.BASIC else Grade.GOOD)

    direct = Collection.open(tmp_path / "a" / "collection.db", bundled=False)
    direct.files.import_files([deck])
    answer_directly(ReviewSession(direct, "kinds", clock=lambda: now, rng=random.Random(5)))

    home = tmp_path / "terminal"
    with Collection.open(home / "default" / "collection.db", bundled=False) as c:
        c.files.import_files([deck])
    # basic and cloze: Enter, 3; choice: option 1, Enter; order: as shown, Enter;
    # scenario: an answer, points 1 and 2, Enter
    script = "\n3\n" * 2 + "1\n\n" + "1 2 3 4\n\n" + "my answer\n1 2\n\n"
    out = subprocess.run([sys.executable, "-m", "flashdesk", "--data-dir", str(home),
                          "review", "kinds", "--seed", "5"], input=script + "q\n",
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    terminal = Collection.open(home / "default" / "collection.db", bundled=False)

    shown = Collection.open(tmp_path / "w" / "collection.db", bundled=False)
    shown.files.import_files([deck])
    window = make_window(shown)
    window.reviewer._rng.seed(5)
    reviewer = study(window, "kinds")
    for _ in range(5):
        kind = reviewer.card.kind
        if kind == Kind.CHOICE:
            press(qtbot, Key.Key_1)
        elif kind == Kind.ORDER:
            press(qtbot, Key.Key_Return)  # check the order as shown
        elif kind == Kind.SCENARIO:
            press(qtbot, Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
            for point in reviewer.view.points[:2]:
                point.set_checked(True)
        else:
            press(qtbot, Key.Key_Space)
        press(qtbot, Key.Key_3 if kind == Kind.BASIC or kind == Kind.CLOZE else Key.Key_Return)
    try:
        first = answers_of(direct)[:5]
        assert answers_of(terminal)[:5] == first
        assert answers_of(shown)[:5] == first
        assert [card for card, _, _ in first] == [
            "kinds/a-basic#0", "kinds/b-cloze#1", "kinds/c-choice#0", "kinds/d-order#0",
            "kinds/e-scenario#0"]
        assert first[4][1] == Grade.HARD  # two of four marking points
    finally:
        window.close()
        for c in (direct, terminal, shown):
            c.close()
