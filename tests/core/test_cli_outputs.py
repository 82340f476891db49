"""Files written where ``-o`` says: a report or an export goes into a folder
that exists, never onto a folder, and whole or not at all - a failure
leaves an existing file as it was and no partial file beside it."""

import errno
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from flashdesk.formats import output
from flashdesk.formats.report import write_report_csv
from flashdesk.model import FlashdeskError
from flashdesk.statistics import ProgressReport
from flashdesk.store.database import StorageError
from flashdesk.store.faults import FAULT_ENV, FAULT_EXIT

from .conftest import FIXTURES


def run(args, home, cwd, **env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("FLASHDESK_HOME", FAULT_ENV)}
    env.update(PYTHONIOENCODING="utf-8", QT_QPA_PLATFORM="offscreen", **env_extra)
    return subprocess.run([sys.executable, "-m", "flashdesk", "--data-dir", str(home), *args],
                          capture_output=True, text=True, env=env, timeout=180, cwd=cwd,
                          check=False)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def one_message(out, *needles):
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.splitlines()) == 1, out.stderr
    for needle in needles:
        assert needle in out.stderr, out.stderr


REPORT = ProgressReport(learner="Sam", start=date(2026, 1, 1), end=date(2026, 1, 31), decks=[],
                        cards_learned=0, reviews=0, retention=None, study_days=0, minutes=0.0,
                        mastery=[])


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A profile with the example deck, made once for this module."""
    base = tmp_path_factory.mktemp("outputs")
    home = base / "home"
    out = run(["import", str(FIXTURES / "example.toml")], home, base)
    assert out.returncode == 0, out.stderr
    return home


# -- reports ---------------------------------------------------------------------------

def test_a_failed_report_write_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    target = tmp_path / "report.csv"
    target.write_text("the report of last term\n", encoding="utf-8")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full_disk)
    with pytest.raises(StorageError, match=r"cannot write .*report\.csv: No space left on "
                                           r"device\. Nothing was written\. .* is as it was"):
        write_report_csv(REPORT, target)
    assert target.read_text(encoding="utf-8") == "the report of last term\n"
    assert listing(tmp_path) == ["report.csv"]


def test_a_report_replaces_an_old_one_whole(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old", encoding="utf-8")
    assert write_report_csv(REPORT, target) == target
    assert target.read_text(encoding="utf-8-sig").startswith("flashdesk progress report")
    assert listing(tmp_path) == ["report.csv"]


@pytest.mark.parametrize("suffix", [".csv", ".pdf"])
def test_a_report_killed_before_its_rename_leaves_the_old_file(home, tmp_path, suffix):
    target = tmp_path / f"report{suffix}"
    target.write_bytes(b"the report of last term")
    out = run(["report", "--from", "2026-01-01", "--to", "2026-12-31", "-o", str(target)],
              home, tmp_path, **{FAULT_ENV: "output:written"})
    assert out.returncode == FAULT_EXIT, out.stderr
    assert target.read_bytes() == b"the report of last term"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]  # only a hidden .part


@pytest.mark.parametrize("suffix", [".csv", ".pdf"])
def test_a_report_is_written_whole_and_nothing_else_is_left(home, tmp_path, suffix):
    target = tmp_path / f"report{suffix}"
    target.write_bytes(b"old")
    out = run(["report", "--from", "2026-01-01", "--to", "2026-12-31", "-o", str(target)],
              home, tmp_path)
    assert out.returncode == 0, out.stderr
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") if suffix == ".pdf" \
        else data.startswith("\ufeffflashdesk progress report".encode())
    assert listing(tmp_path) == [target.name]


@pytest.mark.parametrize("name", ["report.pdf", "report.csv"])
def test_a_report_onto_a_folder_or_into_a_missing_one_is_refused(home, tmp_path, name):
    (tmp_path / name).mkdir()
    out = run(["report", "--from", "2026-01-01", "--to", "2026-12-31", "-o", name,
               "--name", "Changed"], home, tmp_path)
    one_message(out, f"cannot write {name}: it is a folder", "Nothing was written")
    missing = tmp_path / "no" / "such" / name
    out = run(["report", "--from", "2026-01-01", "--to", "2026-12-31", "-o", str(missing)],
              home, tmp_path)
    one_message(out, f"cannot write {missing}", f"the folder {missing.parent} does not exist")
    assert listing(tmp_path) == [name]
    code = ("import sys; from flashdesk.collection import Collection; "
            "c = Collection.open(sys.argv[1], bundled=False, backups=False); "
            "print(c.setting('learner_name', None)); c.close()")
    check = subprocess.run([sys.executable, "-c", code,  # --name was not saved either
                            str(home / "default" / "collection.db")],
                           capture_output=True, text=True, check=True)
    assert check.stdout.strip() == "None"


def test_a_report_with_another_suffix_is_refused_naming_it(home, tmp_path):
    out = run(["report", "--from", "2026-01-01", "--to", "2026-12-31", "-o", "report.txt"],
              home, tmp_path)
    one_message(out, "cannot write report.txt: the report file must end in .pdf or .csv")
    assert listing(tmp_path) == []


def test_output_problem_rules(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "file").write_text("x")
    assert output.output_problem(tmp_path / "new.csv") is None
    assert output.output_problem(tmp_path / "dir.csv") == "it is a folder; name a file to write"
    assert output.output_problem(tmp_path / "dir.csv", folder=True) is None
    assert output.output_problem(tmp_path / "new", folder=True) is None
    assert "is a file" in output.output_problem(tmp_path / "file", folder=True)
    assert "does not exist" in output.output_problem(tmp_path / "a" / "b.csv")
    assert "is not a folder" in output.output_problem(tmp_path / "file" / "b.csv")
    with pytest.raises(FlashdeskError, match="Nothing was written"):
        output.check_output(tmp_path / "dir.csv")


# -- exports ---------------------------------------------------------------------------

#: (arguments after ``export``, the -o name): each writes one file
FILE_EXPORTS = [
    (["example-heat", "--format", "toml"], "all.toml"),
    (["example-heat", "--format", "csv"], "deck.csv"),
    (["example-heat", "--format", "apkg"], "deck.apkg"),
    (["challenging-customers", "--format", "csv"], "all.csv"),
    (["--format", "backup"], "all.zip"),
]


@pytest.mark.parametrize("args, name", FILE_EXPORTS)
def test_an_export_onto_a_folder_is_refused(home, tmp_path, args, name):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "kept.txt").write_text("mine")
    out = run(["export", *args, "-o", str(folder)], home, tmp_path)
    one_message(out, f"cannot write {folder}: it is a folder; name a file to write",
                "Nothing was written")
    assert listing(tmp_path) == [name, f"{name}/kept.txt"]


@pytest.mark.parametrize("args, name", [*FILE_EXPORTS,
                                        (["challenging-customers", "--format", "toml"], "cc")])
def test_an_export_into_a_missing_folder_is_refused(home, tmp_path, args, name):
    target = tmp_path / "exports" / "term 2" / name
    out = run(["export", *args, "-o", str(target)], home, tmp_path)
    one_message(out, f"cannot write {target}", f"the folder {target.parent} does not exist",
                "Nothing was written")
    assert listing(tmp_path) == []
    relative = run(["export", *args, "-o", f"missing/{name}"], home, tmp_path)
    one_message(relative, f"cannot write missing/{name}: the folder missing does not exist")
    assert listing(tmp_path) == []


def test_a_toml_export_of_several_decks_makes_its_folder_only(home, tmp_path):
    out = run(["export", "challenging-customers", "--format", "toml", "-o", "cc"], home, tmp_path)
    assert out.returncode == 0, out.stderr
    files = listing(tmp_path)
    assert files[0] == "cc" and len(files) > 2
    assert all(f.startswith("cc/") and f.endswith(".toml") for f in files[1:])
    again = run(["export", "challenging-customers", "--format", "toml", "-o", "cc"], home,
                tmp_path)  # into the folder it made: the files are replaced whole
    assert again.returncode == 0, again.stderr
    assert listing(tmp_path) == files


def test_a_toml_export_of_several_decks_onto_a_file_is_refused(home, tmp_path):
    (tmp_path / "cc.toml").write_text("mine")
    out = run(["export", "challenging-customers", "--format", "toml", "-o", "cc.toml"], home,
              tmp_path)
    one_message(out, "cannot write cc.toml: it is a file, and this export writes a folder")
    assert (tmp_path / "cc.toml").read_text() == "mine"
    assert listing(tmp_path) == ["cc.toml"]


def test_a_file_export_into_an_existing_folder_works(home, tmp_path):
    (tmp_path / "out").mkdir()
    for args, name in FILE_EXPORTS:
        out = run(["export", *args, "-o", f"out/{name}"], home, tmp_path)
        assert out.returncode == 0, out.stderr
    assert listing(tmp_path) == ["out", *sorted(f"out/{n}" for _, n in FILE_EXPORTS)]


@pytest.mark.parametrize("args, name", FILE_EXPORTS)
def test_an_export_never_replaces_a_link_nor_opens_a_pipe_or_device(home, tmp_path, args, name):
    """A symbolic link would be replaced by the file (not written through),
    and a pipe or ``/dev/stdout`` would hang the export or be replaced:
    each is refused at once, naming the path, with nothing written."""
    real = tmp_path / "real.txt"
    real.write_text("mine")
    link = tmp_path / name
    link.symlink_to(real)
    out = run(["export", *args, "-o", str(link)], home, tmp_path)
    one_message(out, f"cannot write {link}: it is a symbolic link", "Nothing was written")
    assert link.is_symlink() and real.read_text() == "mine"
    link.unlink()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    out = run(["export", *args, "-o", str(pipe)], home, tmp_path)  # run's timeout: no hang
    one_message(out, f"cannot write {pipe}: it is not a regular file")
    out = run(["export", *args, "-o", "-"], home, tmp_path)
    one_message(out, "cannot write -: writing to standard output is not supported")
    assert listing(tmp_path) == ["pipe", "real.txt"]


def test_a_report_never_replaces_a_link(home, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("mine")
    link = tmp_path / "report.csv"
    link.symlink_to(real)
    out = run(["report", "--from", "2026-01-01", "--to", "2026-01-31", "-o", str(link)],
              home, tmp_path)
    one_message(out, f"cannot write {link}: it is a symbolic link")
    assert link.is_symlink() and real.read_text() == "mine"
