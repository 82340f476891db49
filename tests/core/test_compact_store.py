"""The compact store keeps what it derives equal to what it would compute:
a log entry's state before (stored only where it is not the card's previous
state after), the daily figures kept as the log is written, the order of a
browse read as one array, and the rows a re-import skips."""

import json
import random
import sqlite3
from datetime import timedelta

import nh3

from flashdesk.collection import Collection
from flashdesk.model import BrowseQuery, CardSchedule, Grade, SortKey
from flashdesk.store import queries as q

from .conftest import FIXTURES, NOW


def card_state(col, card_id):
    row = q.get_card(col.db, card_id)
    return CardSchedule.from_dict(row).to_dict() if row else None


def test_every_state_before_in_the_log_is_the_state_the_card_had(col):
    """Random answers, undos, suspends, buries, resets, deletions and
    re-imports: each answer's entry names exactly the state its card had."""
    col.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
    rng = random.Random(18)
    now = NOW
    checked = 0
    for step in range(400):
        action = rng.random()
        cards = list(col.notes.browse(BrowseQuery(), now))
        card = rng.choice(cards) if cards else None
        if action < 0.55:
            step_ = col.study.step(None, now)
            if step_ is None:
                now += timedelta(days=1)
                continue
            expected = card_state(col, step_.card.id)
            col.study.answer(step_.card.id, rng.choice(list(Grade)), now, time_ms=100)
            entry = col.notes.history(step_.card.id)[-1]
            assert json.loads(entry["before"]) == expected
            checked += 1
        elif action < 0.65 and len(col.undo):
            try:
                col.undo.undo(now)
            except Exception:  # noqa: BLE001 – refusals are part of the mix
                pass
        elif action < 0.72 and card:
            col.study.suspend([card], now)
        elif action < 0.77 and card:
            col.study.unsuspend([card], now)
        elif action < 0.82 and card:
            col.study.bury([card], now)
        elif action < 0.87 and card:
            col.notes.reset_cards([card], now)
        elif action < 0.92 and card:
            col.notes.delete([card.split("#")[0]], now)
        elif action < 0.95:
            col.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
        else:
            now += timedelta(days=rng.choice([0, 1, 3]))
    assert checked > 150
    assert col.reports.check(now).ok
    # every entry, read back whole, agrees with a replay of the entries before it
    raw = sqlite3.connect(col.path)
    stored = raw.execute("SELECT count(*) FROM revlog_before").fetchone()[0]
    total = raw.execute("SELECT count(*) FROM revlog").fetchone()[0]
    raw.close()
    assert stored < total / 2  # most states before are not stored twice


def test_daily_figures_kept_as_the_log_is_written_equal_the_log(col):
    col.files.import_files([FIXTURES / "example.toml", FIXTURES / "basics.toml"])
    rng = random.Random(5)
    now = NOW
    for _ in range(300):
        step = col.study.step(None, now)
        if step is None or rng.random() < 0.05:
            now += timedelta(days=1)
            continue
        col.study.answer(step.card.id, rng.choice([1, 3, 4, 5]), now)
        if rng.random() < 0.15:
            col.undo.undo(now)
    today = col.today(now)
    kept = q.day_figures(col.db, today - 400, today, None)
    assert kept
    counted = q.day_figures(col.db, today - 400, today, [d for d in col.decks.rows()])
    deleted_cards = {e["card_id"] for e in q.last_answers(col.db, 10**6)} - set(
        col.notes.browse(BrowseQuery(), now))
    assert not deleted_cards  # nothing deleted here, so the deck-filtered count is the same
    assert kept == counted


def test_a_browse_keeps_its_order_over_thousands_of_cards(tmp_path):
    rows = "\n".join(f"k{i},{'Zz' if i % 3 else 'aa'} question {(i * 7919) % 5000},A{i}"
                     for i in range(5000))
    path = tmp_path / "many.csv"
    path.write_text("id,front,back\n" + rows + "\n", encoding="utf-8")
    with Collection.open(tmp_path / "p" / "collection.db", bundled=False, backups=False) as col:
        col.files.import_files([path])
        ids = col.notes.browse(BrowseQuery(sort=SortKey.FRONT), NOW)
        fronts = [r.front for r in col.notes.rows(list(ids))]
        assert len(fronts) == 5000
        assert fronts == sorted(fronts, key=str.lower)
        assert list(col.notes.browse(BrowseQuery(sort=SortKey.FRONT, descending=True),
                                     NOW)) == list(ids)[::-1]
        added = col.notes.browse(BrowseQuery(), NOW)
        assert [c.split("/")[1] for c in added[:3]] == ["k0#0", "k1#0", "k2#0"]
        assert added.index(added[4321]) == 4321 and added[4321] in added


CSV = "id,front,back,tags\na1,Hear the customer,Listen fully,heat\na2,Empathise,Show you care,heat\n"


def test_a_re_import_skips_the_rows_its_notes_came_from(col, tmp_path, monkeypatch):
    path = tmp_path / "deck.csv"
    path.write_text(CSV, encoding="utf-8")
    first = col.files.import_files([path])
    assert first[0].added == 2
    from flashdesk.formats import table

    parsed = []
    original = table.note_from_row
    monkeypatch.setattr(table, "note_from_row",
                        lambda *a, **k: parsed.append(a[0]["front"]) or original(*a, **k))
    again = col.files.import_files([path])
    assert (again[0].added, again[0].updated, again[0].unchanged) == (0, 0, 2)
    assert parsed == []  # no row was read into a note
    note = next(iter(col.notes.browse(BrowseQuery(), NOW))).split("#")[0]
    col.notes.update(note, {"front": "Hear the customer out", "back": "Listen fully"}, NOW)
    third = col.files.import_files([path])
    # the edited note's row is read again (its hash was dropped by the edit); the
    # file still holds the version it was imported as, so the learner's edit stays
    assert (third[0].updated, third[0].unchanged) == (0, 2)
    assert parsed == ["Hear the customer"]
    col.notes.delete([note], NOW)
    fourth = col.files.import_files([path])
    assert (fourth[0].added, fourth[0].unchanged) == (1, 1)  # a deleted note comes back


def test_plain_text_never_goes_through_the_html_sanitiser(col, tmp_path, monkeypatch):
    path = tmp_path / "plain.txt"
    path.write_text("#separator:tab\n#html:false\nR&D <b>bold</b>\tA & B\n", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise AssertionError("plain text was sent to the HTML sanitiser")

    monkeypatch.setattr(nh3, "clean", refuse)
    col.files.import_files([path])
    card = next(iter(col.notes.browse(BrowseQuery(), NOW)))
    view = col.study.card(card, NOW)
    assert view.fields == {"front": "R&amp;D &lt;b&gt;bold&lt;/b&gt;", "back": "A &amp; B"}
    assert col.notes.browse(BrowseQuery(text="bold"), NOW) == [card]
