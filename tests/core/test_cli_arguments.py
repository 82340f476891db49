"""What the command line takes from its arguments: a profile is one plain
folder name, whole numbers stay within the ranges the window allows, and a
closed pipe ends the output quietly. Each refusal is one message, never a
traceback, and changes nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flashdesk.paths import profile_path, profile_problem


def run(args, cwd, stdin=""):
    env = {k: v for k, v in os.environ.items() if k != "FLASHDESK_HOME"}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "flashdesk", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120, cwd=cwd,
                          check=False)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# -- --profile ------------------------------------------------------------------------

@pytest.mark.parametrize("name, problem", [
    ("../../etc", "a profile name is one folder name: no '/', '\\' or ':'"),
    ("", "a profile name cannot be empty"),
    ("   ", "a profile name cannot be empty"),
    (".", "'.' is not a folder name"),
    ("..", "'..' is not a folder name"),
    ("work/evening", "a profile name is one folder name"),
    ("C:work", "a profile name is one folder name"),
    ("a\\b", "a profile name is one folder name"),
    ("tab\there", "a profile name cannot hold control characters"),
    ("esc\x1b[2J", "a profile name cannot hold control characters"),
    (" work", "a profile name cannot start or end with a space"),
    ("x" * 65, "a profile name has at most 64 characters"),
    ("work.", "a profile name cannot end with a dot"),
    ("...", "a profile name cannot end with a dot"),
    ("what?", "a profile name cannot hold < > \" | ? or *"),
    ("a|b", "a profile name cannot hold < > \" | ? or *"),
    ("CON", "a device name of Windows"),
    ("nul", "a device name of Windows"),
    ("Nul.txt", "a device name of Windows"),
    ("com1", "a device name of Windows"),
    ("LPT9.db", "a device name of Windows"),
    ("aux .x", "a device name of Windows"),
])
def test_a_profile_that_is_not_a_plain_folder_name_is_refused(tmp_path, name, problem):
    data = tmp_path / "a" / "b" / "data"
    data.mkdir(parents=True)
    out = run(["--data-dir", str(data), "--profile", name, "decks"], tmp_path)
    assert out.returncode == 1, out.stdout
    assert out.stderr.startswith("flashdesk: --profile ") and problem in out.stderr
    assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr
    assert out.stdout == ""
    assert files_under(tmp_path) == ["a", "a/b", "a/b/data"]  # nothing made, here or above
    with pytest.raises(ValueError, match="profile name|folder name"):
        profile_path(data, name)


def test_a_plain_profile_name_is_its_own_folder(tmp_path):
    assert profile_problem("Evening class – 2") is None
    for fine in ("default", "console", "nullify", "com10", "LPT", "a..b", ".hidden", "x" * 64):
        assert profile_problem(fine) is None, fine
    assert profile_path(tmp_path, "Evening class – 2") == \
        tmp_path / "Evening class – 2" / "collection.db"
    out = run(["--data-dir", str(tmp_path), "--profile", "evening", "decks"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "evening" / "collection.db").is_file()


# -- whole-number options ------------------------------------------------------------

#: every whole-number option, with the range the window allows
RANGES = [
    (["limits", "some-deck", "--new"], "--new", 0, 9999),
    (["limits", "some-deck", "--review"], "--review", 0, 9999),
    (["review", "--ahead"], "--ahead", 1, 365),
    (["review", "--forgotten"], "--forgotten", 1, 365),
    (["review", "some-deck", "--extra-new"], "--extra-new", 1, 999),
    (["backup", "--keep"], "--keep", 1, 999),
    (["backup", "--weeks"], "--weeks", 0, 520),
]


def parse_error(argv, capsys) -> tuple[int, str]:
    from flashdesk.cli import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    return stop.value.code, capsys.readouterr().err


@pytest.mark.parametrize("command, option, low, high", RANGES)
@pytest.mark.parametrize("value", ["below", "above", "-1", "99999999999999999999999999",
                                   "1" * 5000, "ten", "2.5", ""])
def test_a_whole_number_outside_its_range_is_refused_naming_the_option(
        command, option, low, high, value, capsys):
    value = {"below": str(low - 1), "above": str(high + 1)}.get(value, value)
    code, err = parse_error([*command, value], capsys)
    assert code == 2
    lines = err.splitlines()
    assert lines[-1].startswith("flashdesk ") and "error: argument " + option in lines[-1]
    assert f"must be a whole number from {low} to {high}" in lines[-1]
    assert len(lines[-1]) < 200 and "Traceback" not in err


@pytest.mark.parametrize("command, option, low, high", RANGES)
def test_the_ends_of_each_range_are_taken(command, option, low, high):
    from flashdesk.cli import build_parser

    for value in (low, high):
        args = build_parser().parse_args([*command, str(value)])
        assert getattr(args, option.lstrip("-").replace("-", "_")) == value


def test_every_whole_number_option_has_a_range():
    """No option is left as a bare ``type=int``: each names its range (the
    six-grade switch takes only 4 or 6)."""
    import argparse

    from flashdesk.cli import build_parser

    def actions(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from actions(sub)
            else:
                yield action

    bare = [a.option_strings or a.dest for a in actions(build_parser())
            if a.type is int and not a.choices]
    assert bare == []


def test_a_refused_number_changes_nothing(tmp_path):
    home = tmp_path / "home"
    out = run(["--data-dir", str(home), "limits", "challenging-customers", "--new", "-5"],
              tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert "argument --new: must be a whole number from 0 to 9999, not '-5'" in out.stderr
    assert "Traceback" not in out.stderr
    assert not home.exists()


def test_the_largest_limit_is_kept_and_one_more_is_refused_by_the_collection(tmp_path):
    from flashdesk.collection import Collection
    from flashdesk.model import FlashdeskError
    from flashdesk.study import EXTRA_NEW_MAX, LIMIT_MAX

    from .conftest import FIXTURES, NOW

    with Collection.open(tmp_path / "p" / "collection.db", bundled=False) as col:
        col.files.import_files([FIXTURES / "example.toml"])
        deck = col.decks.summaries(NOW)[0].id
        col.decks.set_limits(deck, new_limit=LIMIT_MAX, review_limit=0)
        with pytest.raises(FlashdeskError, match="at most 9999"):
            col.decks.set_limits(deck, review_limit=LIMIT_MAX + 1)
        with pytest.raises(FlashdeskError, match="at most 999 extra"):
            col.study.extra_new(deck, EXTRA_NEW_MAX + 1, NOW)
        row = col.decks.summaries(NOW)[0]
        assert (row.new_limit, row.review_limit) == (LIMIT_MAX, 0)


# -- a closed pipe ---------------------------------------------------------------------

@pytest.mark.parametrize("args, status", [(["--help"], 0),  # argparse drops it itself
                                          (["decks"], 141), (["stats", "--json"], 141),
                                          (["review"], 141)])
def test_output_into_a_closed_pipe_ends_quietly(tmp_path, args, status):
    """``flashdesk stats --json | head -1``: the reader has gone, so the rest
    is dropped without a traceback (status 141, as for a program the closed
    pipe stops)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    env = {k: v for k, v in os.environ.items() if k != "FLASHDESK_HOME"}
    try:
        proc = subprocess.run([sys.executable, "-m", "flashdesk", "--data-dir",
                               str(tmp_path / "home"), *args], stdout=write_end,
                              stderr=subprocess.PIPE, input="", text=True, env=env,
                              timeout=120, cwd=tmp_path, check=False)
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == status
