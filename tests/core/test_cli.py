"""The command line, run as a user runs it: a subprocess with its own data folder."""

import json
from datetime import date, timedelta
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES


def run(args, home, stdin="", env_home=True, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "FLASHDESK_HOME"}
    if env_home:
        env["FLASHDESK_HOME"] = str(home)
    env["PYTHONIOENCODING"] = "utf-8"
    # run from the profile's parent, not the checkout, so the installed package is used
    return subprocess.run([sys.executable, "-m", "flashdesk", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120,
                          cwd=cwd or Path(home).parent)


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_version_and_help(home):
    out = run(["--version"], home)
    assert out.returncode == 0 and out.stdout.startswith("flashdesk ")
    helptext = run(["--help"], home).stdout
    for command in ("decks", "import", "validate", "review", "stats"):
        assert command in helptext


def test_first_command_creates_the_profile_with_bundled_decks(home):
    out = run(["decks", "--json"], home)
    assert out.returncode == 0, out.stderr
    decks = json.loads(out.stdout)
    assert decks and all(set(d) == {"id", "name", "new", "learning", "due", "total", "exam",
                                    "exam_days_left"} for d in decks)
    assert (home / "default" / "collection.db").exists()


def test_installed_package_finds_its_bundled_decks(tmp_path):
    code = ("import flashdesk.paths as p; d = p.bundled_dir('decks'); "
            "print(len(list(d.glob('*.toml'))), p.bundled_dir('resources').is_dir())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, check=True)
    count, resources = out.stdout.split()
    assert int(count) >= 1 and resources == "True"


def test_data_dir_option_overrides_the_environment(home, tmp_path):
    other = tmp_path / "other"
    out = run(["--data-dir", str(other), "import", str(FIXTURES / "example.toml")], home)
    assert out.returncode == 0, out.stderr
    assert (other / "default" / "collection.db").exists()
    assert not home.exists()


def test_import_then_decks(home):
    out = run(["import", str(FIXTURES / "example.toml")], home)
    assert out.returncode == 0, out.stderr
    assert "5 added, 0 updated, 0 unchanged, 0 missing" in out.stdout
    again = json.loads(run(["import", "--json", str(FIXTURES / "example.toml")], home).stdout)
    assert again[0]["unchanged"] == 5 and again[0]["added"] == 0
    rows = {d["id"]: d for d in json.loads(run(["decks", "--json"], home).stdout)}
    assert rows["example-heat"] == {"id": "example-heat", "name": "Example::HEAT model",
                                    "new": 7, "learning": 0, "due": 0, "total": 7,
                                    "exam": None, "exam_days_left": None}
    table = run(["decks"], home).stdout
    assert "example-heat" in table and "HEAT model" in table


def test_validate_exit_codes_and_messages(home, tmp_path):
    ok = run(["validate", str(FIXTURES / "example.toml")], home)
    assert ok.returncode == 0 and "ok" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[deck]\nid = "b"\nname = "B"\n\n[[notes]]\nid = "x"\nkind = "flip"\n',
                   encoding="utf-8")
    out = run(["validate", str(bad)], home)
    assert out.returncode == 1
    assert out.stdout.strip().splitlines() == [
        f"{bad}:7: note 1 (id 'x'): field 'kind': unknown card kind 'flip'; "
        "use one of basic, cloze, choice, order, scenario, typed"]
    assert not home.exists()  # validating touches no collection


def test_failed_import_exits_non_zero_and_changes_nothing(home, tmp_path):
    run(["import", str(FIXTURES / "example.toml")], home)
    before = run(["decks", "--json"], home).stdout
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'[deck]\nid = "b"\nname = "B\xff"\n')
    out = run(["import", str(FIXTURES / "basics.toml"), str(bad)], home)
    assert out.returncode == 1
    assert f"{bad}:3: not UTF-8 text" in out.stderr
    assert "nothing was imported" in out.stderr
    assert run(["decks", "--json"], home).stdout == before


def test_not_a_flashdesk_database_is_a_clear_error(home):
    (home / "default").mkdir(parents=True)
    (home / "default" / "collection.db").write_bytes(b"\x00garbage" * 64)
    out = run(["decks"], home)
    assert out.returncode == 1
    assert "is not a flashdesk collection" in out.stderr
    assert "Traceback" not in out.stderr


def test_review_in_the_terminal_through_a_pipe(home):
    run(["import", str(FIXTURES / "example.toml")], home)
    # basic: Enter, Good (its reverse waits for tomorrow); the first cloze: Enter, Again;
    # the choice: pick 2, then undo (the cloze's Again) and answer the cloze Easy; then quit
    script = "\n3\n\n1\n2\nu\n\n4\nq\n"
    out = run(["review", "example-heat"], home, stdin=script)
    assert out.returncode == 0, out.stderr
    assert "What does the HEAT model stand for?" in out.stdout
    assert "Undone: the last card comes back." in out.stdout
    assert "Studied 2 cards, 2 right (100%)" in out.stdout
    stats = json.loads(run(["stats", "--json"], home).stdout)
    assert stats["reviews_today"] == 2
    assert stats["counts"]["learning"] == 0
    assert len(stats["forecast"]) == 14


def test_review_of_choice_order_and_scenario_cards(home):
    run(["import", str(FIXTURES / "example.toml")], home)
    run(["limits", "example-heat", "--new", "20"], home)
    # the first cards are basic and cloze c1 (their siblings wait for tomorrow): Good
    script = "\n3\n" * 2
    script += "1\n\n"            # choice: pick option 1 (wrong) → Enter accepts the suggested Again
    script += "1 2 3 4\n\n"      # order: some order → Enter accepts the suggestion
    script += "my answer\n1 2 3 4\n\n"  # scenario: all points → Good
    out = run(["review", "--seed", "3", "example-heat"], home, stdin=script + "q\n")
    assert out.returncode == 0, out.stderr
    assert "✗ Not 1. The answer is" in out.stdout or "✓ Right: 1." in out.stdout
    assert "H is Hear: listen fully before anything else." in out.stdout
    assert "Right order:" in out.stdout or "All in the right order" in out.stdout
    assert "Marking points:" in out.stdout
    stats = json.loads(run(["stats", "--json"], home).stdout)
    assert stats["counts"]["learning"] >= 1  # the wrong choice comes back today


def test_six_grade_mode(home):
    run(["import", str(FIXTURES / "example.toml")], home)
    assert run(["grades", "6"], home).returncode == 0
    out = run(["review", "example-heat"], home, stdin="\n5\nq\n")
    assert "0 Blackout" in out.stdout and "5 Perfect" in out.stdout
    assert "Studied 1 card, 1 right" in out.stdout


def test_stats_text(home):
    out = run(["stats"], home)
    assert out.returncode == 0
    assert "Retention, last 30 days" in out.stdout and "Due, next 14 days" in out.stdout


def test_report_csv_and_full_stats_json(home, tmp_path):
    run(["import", str(FIXTURES / "example.toml")], home)
    run(["review", "example-heat"], home, stdin="\n3\n\n3\nq\n")
    target = tmp_path / "report.csv"
    out = run(["report", "--from", "2000-01-01", "--to", "2100-01-01", "-o", str(target),
               "--name", "Sam Taylor"], home)
    assert out.returncode == 0, out.stderr
    text = target.read_text(encoding="utf-8-sig")
    assert "Learner,Sam Taylor" in text and "Reviews done,2" in text
    assert "Example::HEAT model,2,2," in text
    bad = run(["report", "--from", "2026-13-01", "--to", "2026-01-01", "-o", "r.csv"], home)
    assert bad.returncode == 2 and "not a date" in bad.stderr
    stats = json.loads(run(["stats", "--json"], home).stdout)
    assert len(stats["forecast_30d"]) == 30 and len(stats["reviews_per_day_90d"]) == 90
    assert {m["topic"] for m in stats["mastery"]} >= {"Example::HEAT model", "heat"}


def test_text_from_files_reaches_the_terminal_neutralised(home, tmp_path):
    """Card text may keep bidi marks (right-to-left languages need them) but
    the terminal never receives an override or an escape sequence."""
    deck = tmp_path / "rtl.toml"
    deck.write_text('[deck]\nid = "rtl"\nname = "RTL"\n\n[[notes]]\nid = "a"\nkind = "basic"\n'
                    'front = "Say \u202egnirts\u202c this"\nback = "Back"\n', encoding="utf-8")
    assert run(["import", str(deck)], home).returncode == 0
    out = run(["review", "rtl"], home, stdin="\n\x1b]0;pwned\x07\nq\n")
    assert out.returncode == 0, out.stderr
    assert "Say gnirts this" in out.stdout
    for bad in ("\u202e", "\u202c", "\x1b", "\x07"):
        assert bad not in out.stdout + out.stderr
    assert "\\x1b]0;pwned\\x07" in out.stdout  # the typed line, echoed visibly


def test_deck_commands_create_rename_move_and_delete(home, tmp_path):
    assert run(["deck", "create", "My workplace"], home).stdout.strip() == \
        "Created the deck “My workplace” (my-workplace)."
    assert run(["deck", "create", "Work"], home).returncode == 0
    out = run(["deck", "move", "My workplace", "Work"], home)
    assert out.stdout.strip() == "“My workplace” is now “Work::My workplace” (its id stays my-workplace)."
    out = run(["deck", "rename", "work", "Job"], home)
    assert out.returncode == 0, out.stderr
    decks = {d["id"]: d["name"] for d in json.loads(run(["decks", "--json"], home).stdout)}
    assert decks["work"] == "Job" and decks["my-workplace"] == "Job::My workplace"
    assert run(["deck", "move", "my-workplace", "--top"], home).returncode == 0

    # a renamed deck's file still finds it by id
    path = tmp_path / "mine.toml"
    path.write_text('[deck]\nid = "my-workplace"\nname = "My workplace"\n\n[[notes]]\nid = "a"\n'
                    'kind = "basic"\nfront = "Q"\nback = "A"\n', encoding="utf-8")
    run(["deck", "rename", "my-workplace", "Our shop"], home)
    out = run(["import", str(path), "--json"], home)
    assert json.loads(out.stdout)[0]["deck"] == "my-workplace"

    out = run(["deck", "delete", "my-workplace"], home, stdin="n\n")
    assert out.returncode == 1 and "Nothing was deleted." in out.stdout
    assert "Delete “Our shop”: 1 card (0 studied)?" in out.stdout
    out = run(["deck", "delete", "my-workplace"], home, stdin="")  # no answer: nothing happens
    assert out.returncode == 1
    out = run(["deck", "delete", "my-workplace", "--yes"], home)
    assert out.returncode == 0 and "Backed up first to" in out.stdout
    assert "my-workplace" not in {d["id"] for d in json.loads(run(["decks", "--json"], home).stdout)}

    for args, message in ((["deck", "create", "Job"], "already a deck called “Job”"),
                          (["deck", "rename", "nope", "X"], "no deck called 'nope'"),
                          (["deck", "move", "work", "work"], "cannot go inside itself")):
        out = run(args, home)
        assert out.returncode == 1 and message in out.stderr, out.stderr


def test_import_prune_names_what_goes_asks_first_and_backs_up(home, tmp_path):
    """Found by a new user: --prune removed a studied note without a word,
    its progress lost for good."""
    rows = [f"q{i},What is step {i}?,Answer {i},Unit 2\n" for i in range(1, 7)]
    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    v1.write_text("id,front,back,deck\n" + "".join(rows), encoding="utf-8")
    v2.write_text("id,front,back,deck\n" + "".join(r for r in rows if not r.startswith("q3")),
                  encoding="utf-8")
    assert run(["import", str(v1)], home).returncode == 0
    assert run(["review", "Unit 2"], home, stdin="\n3\n" * 6 + "q\n").returncode == 0

    def review_cards():
        return json.loads(run(["stats", "--deck", "Unit 2", "--json"], home).stdout)["counts"]

    assert review_cards()["review"] == 6
    backups = list((home / "default" / "backups").glob("*.db"))
    for answer in ("", "n\n"):  # no answer, or no: nothing is imported
        out = run(["import", str(v2), "--prune"], home, stdin=answer)
        assert out.returncode == 1, out.stderr
        assert ("Its progress goes with it: you have studied 1 card of 1.\nFrom “Unit 2”:\n"
                "• “What is step 3?”\nA backup is made first") in out.stdout
        assert "Remove 1 note that is no longer in v2.csv? [y/N]" in out.stdout
        assert "Nothing was imported. Import without --prune to keep it." in out.stdout
    out = run(["import", str(v2), "--prune", "--json"], home)  # a program's output: not asked
    assert out.returncode == 1 and "add --yes" in out.stderr and out.stdout == ""
    assert review_cards()["total"] == 6
    assert list((home / "default" / "backups").glob("*.db")) == backups

    out = run(["import", str(v2), "--prune"], home, stdin="y\n")
    assert out.returncode == 0, out.stderr
    assert ("Removed 1 note no longer in the file, and with it the progress of 1 studied card: "
            "“What is step 3?”.") in out.stdout
    assert "5 unchanged, 0 missing, 1 removed" in out.stdout
    backup = Path(out.stdout.split("Backed up first, to ", 1)[1].split(": to get", 1)[0])
    assert backup.is_file() and backup not in backups
    assert f'`flashdesk restore "{backup}"`' in out.stdout
    assert review_cards() == {**review_cards(), "review": 5, "total": 5}

    # the backup gives the progress back
    assert run(["restore", str(backup)], home).returncode == 0
    assert review_cards()["review"] == 6
    # --yes: not asked; the report still names what went, and the backup
    out = run(["import", str(v2), "--prune", "--yes", "--json"], home)
    [report] = json.loads(out.stdout)
    assert [n["front"] for n in report["removed_notes"]] == ["What is step 3?"]
    assert report["removed_notes"][0]["studied"] == 1 and Path(report["backup"]).is_file()


def test_custom_study_exam_and_typed_cards_in_the_terminal(home, tmp_path):
    deck = tmp_path / "t.toml"
    deck.write_text('[deck]\nid = "t"\nname = "Typed"\n\n[[notes]]\nid = "h"\nkind = "typed"\n'
                    'prompt = "H of HEAT?"\nanswer = "*Hear*"\n\n[[notes]]\nid = "b"\n'
                    'kind = "basic"\nfront = "F"\nback = "B"\n', encoding="utf-8")
    assert run(["import", str(deck)], home).returncode == 0
    out = run(["review", "t"], home, stdin="heer\n1\n\n3\nq\n")
    assert out.returncode == 0, out.stderr
    assert "✗ Answer: Hear" in out.stdout and "[-e-]" in out.stdout
    exam = (date.today() + timedelta(days=30)).isoformat()
    shown = run(["exam", "t", "--date", exam], home)
    assert shown.returncode == 0
    assert "30 days from today" in shown.stdout or "31 days from today" in shown.stdout
    assert "On track: 100% of 2 cards" in shown.stdout and "still new" not in shown.stdout
    stats = json.loads(run(["stats", "--deck", "t", "--json"], home).stdout)
    assert stats["exam"]["date"] == exam and stats["exam"]["cards"] == 2
    cram = run(["review", "t", "--cram"], home, stdin="hear\n3\n\n3\nq\n")
    assert cram.returncode == 0 and "Cram" in cram.stdout
    log = json.loads(run(["stats", "--json"], home).stdout)
    assert log["reviews_today"] == 2  # the cram answers are not reviews
    assert run(["exam", "t", "--clear"], home).returncode == 0
    assert run(["check"], home).returncode == 0


def test_import_with_scheduling_keeps_anki_progress(home):
    package = FIXTURES / "import" / "tutors" / "scheduled.apkg"
    out = run(["import", str(package), "--with-scheduling"], home)
    assert out.returncode == 0, out.stderr
    assert "7 with Anki progress" in out.stdout
    assert "7 cards brought their Anki progress" in out.stdout
    check = run(["check", "--json"], home)
    assert check.returncode == 0 and json.loads(check.stdout)["ok"] is True


def test_import_without_the_flag_says_anki_progress_was_left(home):
    out = run(["import", str(FIXTURES / "import" / "tutors" / "scheduled.apkg"), "--json"], home)
    [report] = json.loads(out.stdout)
    assert report["progress"] == 0
    assert any("Anki's scheduling is not imported: 7 cards" in m for m in report["messages"])


def test_a_refused_file_names_file_and_line_and_changes_nothing(home, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"front,back\nok,fine\nbad,\x81\n")
    out = run(["import", str(bad)], home)
    assert out.returncode != 0
    assert f"{bad}:3: not UTF-8 text (byte 0x81)" in out.stderr
    decks = json.loads(run(["decks", "--json"], home).stdout)
    assert all(d["name"] != "bad" for d in decks)


def test_nested_and_shared_clozes_in_the_terminal(home):
    """Anki's cloze grammar in the terminal review (issue 13, case 1)."""
    run(["import", str(FIXTURES / "import" / "tutors" / "cloze.apkg")], home)
    # a cram pass shows every card today (study would hold each note's other cards back)
    out = run(["review", "Cloze grammar", "--cram"], home, stdin="\n3\n" * 7 + "q\n")
    assert out.returncode == 0, out.stderr
    assert "The […] for complaints" in out.stdout
    assert "The HEAT […] is used for complaints" in out.stdout
    assert "→ The [HEAT model is used] for complaints" in out.stdout
    assert "→ The HEAT [model] is used for complaints" in out.stdout
    assert "[…] comes first in LAST" in out.stdout and "{{" not in out.stdout
    assert "Escalate to your [who?] within 24 hours" in out.stdout


def test_exam_refuses_a_date_and_clear_together_and_a_date_decades_away(home):
    both = run(["exam", "cc-models", "--date", (date.today() + timedelta(days=30)).isoformat(),
                "--clear"], home)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    far = run(["exam", "cc-models", "--date", "9999-12-31"], home)
    assert far.returncode == 1 and "more than ten years away" in far.stderr
    assert "Traceback" not in far.stderr
    shown = run(["exam", "cc-models"], home)
    assert "has no exam date" in shown.stdout  # nothing was set
