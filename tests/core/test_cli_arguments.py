"""What the command line takes from its arguments: a profile is one plain
folder name, numbers stay within the ranges the window allows, and a
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
                          capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# -- 4: --profile --------------------------------------------------------------------

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
