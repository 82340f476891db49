"""Sharing a progress summary with a tutor, and the tutor's class view:
only what the learner chose, removable by them; hostile files are named,
never trusted (issue 19)."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest

from flashdesk.cli import main
from flashdesk.collection import Collection
from flashdesk.model import FlashdeskError, Grade
from flashdesk.sync.class_report import class_tables, write_class_csv
from flashdesk.sync.classroom import read_class, share, sharing, stop_sharing, summary_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def study(col, now, grades):
    for i, grade in enumerate(grades):
        step = col.study.step(None, now + timedelta(minutes=i))
        if step is None:
            break
        col.study.answer(step.card.id, grade, now + timedelta(minutes=i))


def learner(tmp_path, name, now, grades, days_ago=0):
    col = Collection.open(tmp_path / name / "default" / "collection.db", bundled=False)
    col.files.import_files([FIXTURES / "example.toml"])
    study(col, now - timedelta(days=days_ago), grades)
    return col


@pytest.fixture
def class_folder(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    return folder


def test_a_summary_holds_topics_and_weakest_questions_but_no_answers(tmp_path, class_folder, now):
    col = learner(tmp_path, "sam", now - timedelta(days=2), [Grade.AGAIN] * 6)
    study(col, now, [Grade.AGAIN] * 6)  # lapses on the next day
    path = share(col, class_folder, "Sam", None, now)
    col.close()
    assert path == summary_path(class_folder, sharing_id(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["learner"]["name"] == "Sam"
    kinds = {t["kind"] for t in data["topics"]}
    assert kinds == {"deck", "tag"}
    assert all(set(t) == {"topic", "kind", "cards", "learned", "mastered", "retention",
                          "answered", "last_studied"} for t in data["topics"])
    text = path.read_text(encoding="utf-8")
    example = (FIXTURES / "example.toml").read_text(encoding="utf-8")
    # answers never travel: no back of a basic card, no hidden cloze text
    for answer in _answers(example):
        assert answer not in text, answer
    for w in data["weakest"]:
        assert set(w) == {"card", "deck", "prompt", "lapses", "ease", "interval"}


def sharing_id(path: Path) -> str:
    return path.stem


def _answers(deck_text: str) -> list[str]:
    import tomllib

    notes = tomllib.loads(deck_text)["notes"]
    found = [n["back"] for n in notes if n.get("kind") == "basic" and not n.get("reverse")]
    found += [part.split("::")[0] for n in notes if n.get("kind") == "cloze"
              for part in n["text"].split("{{c")[1:] for part in [part.split("::", 1)[1]]]
    return [a for a in found if len(a) > 6]


def test_only_the_chosen_decks_are_shared(tmp_path, class_folder, now):
    col = learner(tmp_path, "ana", now, [Grade.GOOD] * 3)
    decks = list(col.decks.rows())
    path = share(col, class_folder, "Ana", [decks[-1]], now)
    data = json.loads(path.read_text(encoding="utf-8"))
    names = {t["topic"] for t in data["topics"] if t["kind"] == "deck"}
    chosen = col.decks.rows()[decks[-1]]["name"]
    assert chosen in names and all(chosen.startswith(n) for n in names)
    col.close()


def test_stopping_deletes_the_summary(tmp_path, class_folder, now):
    col = learner(tmp_path, "kim", now, [Grade.GOOD])
    path = share(col, class_folder, "Kim", None, now)
    assert path.exists() and sharing(col) is not None
    assert stop_sharing(col) == path
    assert not path.exists() and sharing(col) is None
    assert stop_sharing(col) is None
    col.close()


def test_sharing_needs_a_name_and_a_folder(tmp_path, now):
    col = learner(tmp_path, "x", now, [])
    with pytest.raises(FlashdeskError):
        share(col, tmp_path, "  ", None, now)
    with pytest.raises(FlashdeskError):
        share(col, tmp_path / "nowhere", "X", None, now)
    col.close()


def three_learners(tmp_path, class_folder, now):
    for name, grades, days_ago in (("Sam", [Grade.AGAIN, Grade.GOOD, Grade.AGAIN], 0),
                                   ("=Ana", [Grade.GOOD] * 4, 1),
                                   ("Kim", [Grade.AGAIN] * 2, 12)):
        col = learner(tmp_path, name.strip("="), now, grades, days_ago)
        share(col, class_folder, name, None, now)
        col.close()


def test_the_tutor_sees_three_learners_and_who_has_not_studied(tmp_path, class_folder, now):
    three_learners(tmp_path, class_folder, now)
    (class_folder / "flashdesk-class" / "broken.json").write_text("{not json")
    (class_folder / "flashdesk-class" / "huge.json").write_text(json.dumps({
        "format": "flashdesk-class-summary", "version": 1, "learner": {"id": "x", "name": "X"},
        "topics": [{"topic": "t", "kind": "deck", "cards": -5, "learned": 0,
                    "retention": 7, "last_studied": None}]}))
    view = read_class(class_folder)
    assert [s.name for s in view.learners] == ["=Ana", "Kim", "Sam"]
    assert len(view.unreadable) == 2
    today = now.date()
    assert [s.name for s in view.inactive(today)] == ["Kim"]
    grid, hard, idle = class_tables(view, today)[:3]
    assert [row[0] for row in grid.rows] == ["=Ana", "Kim", "Sam"]
    assert grid.header[:2] == ("Learner", "Last studied") and len(grid.header) > 2
    assert idle.rows == (("Kim", "12 days ago"),)
    path = write_class_csv(view, today, tmp_path / "out" / "class.csv")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert ["'=Ana"] == [r[0] for r in rows if r and "Ana" in r[0]][:1]


def test_the_command_line_shares_stops_and_shows(tmp_path, class_folder, now, capsys):
    data = tmp_path / "data"
    base = ["--data-dir", str(data)]
    assert main([*base, "import", str(FIXTURES / "example.toml")]) == 0
    assert main([*base, "class", "share", "--folder", str(class_folder), "--name", "Sam"]) == 0
    assert "Sharing your progress summary as Sam" in capsys.readouterr().out
    assert main(["class", "show", str(class_folder), "--csv", str(tmp_path / "c.csv")]) == 0
    out = capsys.readouterr().out
    assert "Sam" in out and "Hardest cards across the class" in out
    assert (tmp_path / "c.csv").exists()
    assert main([*base, "class", "stop"]) == 0
    assert "deleted" in capsys.readouterr().out
    assert list((class_folder / "flashdesk-class").glob("*.json")) == []


def test_the_command_line_syncs_two_profiles(tmp_path, now, capsys):
    folder = tmp_path / "Sync"
    folder.mkdir()
    a, b = ["--data-dir", str(tmp_path / "a")], ["--data-dir", str(tmp_path / "b")]
    assert main([*a, "import", str(FIXTURES / "basics.toml")]) == 0
    assert main([*a, "sync", "--folder", str(folder)]) == 0
    assert main([*b, "sync", "--folder", str(folder), "--json"]) == 0
    capsys.readouterr()
    assert main([*b, "sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes_added"] == 0
    assert main([*a, "sync", "--conflicts"]) == 0
    assert "No concurrent edits" in capsys.readouterr().out
    assert main([*a, "sync", "--off"]) == 0
    assert main([*a, "sync"]) == 1
    assert "no sync folder yet" in capsys.readouterr().err
