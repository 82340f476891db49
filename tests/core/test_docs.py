"""The README documents every command, and holds the two commands CI runs."""

import re
from pathlib import Path

from flashdesk.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return [name for name in sub.choices if name != "gui"]


def test_every_command_is_documented_in_the_readme():
    missing = [c for c in commands() if f"`flashdesk {c}" not in README]
    assert missing == []


def test_every_global_option_is_documented():
    for option in ("--data-dir", "--profile", "--version", "FLASHDESK_HOME"):
        assert option in README


def test_readme_has_the_run_and_test_commands():
    for marker, needle in (("run-command", "flashdesk"), ("test-command", "pytest")):
        block = re.search(rf"<!-- {marker} -->\n```sh\n(.+)\n```", README)
        assert block and needle in block.group(1) and "pip install" in block.group(1)


def test_deck_format_reference_exists_and_is_linked():
    assert "docs/deck-format.md" in README
    assert (ROOT / "docs" / "deck-format.md").is_file()


def test_the_readme_key_table_is_the_one_the_window_shows():
    from flashdesk.review import KEY_HELP

    block = re.search(r"<!-- keys:.*?-->\n(.*?)\n<!-- /keys -->", README, re.S).group(1)
    rows = [tuple(cell.strip() for cell in line.strip("|").split(" | "))
            for line in block.splitlines()[2:]]
    assert rows == [tuple(row) for row in KEY_HELP]
