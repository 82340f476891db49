"""Where a file the learner asked for is written (``-o PATH``, a save
dialog): one rule for reports and exports. The folder must already exist
(flashdesk never creates folders the learner did not ask for), a path that
is a folder is refused when a file is meant, and the file is written whole
or not at all: to a temporary name in the same folder, flushed, then
renamed over the target, so a failure leaves an existing file as it was and
no partial file behind."""

from __future__ import annotations

import os
from pathlib import Path

from ..model import FlashdeskError
from ..store.copies import fsync_dir
from ..store.database import StorageError
from ..store.faults import fault_point
from .problems import shown_path

__all__ = ["check_output", "output_problem", "staging_name", "write_atomically"]


def output_problem(path: Path, *, folder: bool = False) -> str | None:
    """Why ``path`` cannot be written, or None. ``folder``: the target is a
    folder of files (an export of several decks), which may exist or be
    made, but only inside a folder that exists. Never a symbolic link (the
    rename would replace the link, not the file it names) nor something
    that is not a regular file (a device, a pipe: ``-`` or ``/dev/stdout``)."""
    if str(path) == "-":
        return "writing to standard output is not supported; name a file"
    if path.is_symlink():
        return f"it is a symbolic link (to {os.readlink(path)}); name the file itself"
    if path.exists() and not path.is_dir() and not path.is_file():
        return "it is not a regular file (a device, a pipe or a socket); name a file"
    if not folder and path.is_dir():
        return "it is a folder; name a file to write"
    if folder and path.exists() and not path.is_dir():
        return "it is a file, and this export writes a folder of deck files"
    parent = path.parent
    if not parent.exists():
        return (f"the folder {parent} does not exist (flashdesk does not create it; "
                "make it first or choose another place)")
    if not parent.is_dir():
        return f"{parent} is not a folder"
    return None


def check_output(path: str | os.PathLike, *, folder: bool = False) -> Path:
    """``path`` as a ``Path``; raises ``FlashdeskError`` naming it when it
    cannot be written (see ``output_problem``)."""
    path = Path(path)
    problem = output_problem(path, folder=folder)
    if problem:
        raise FlashdeskError(f"cannot write {shown_path(path)}: {shown_path(problem)}. "
                             "Nothing was written.")
    return path


def staging_name(path: Path) -> Path:
    """A hidden temporary name beside ``path``, never used before."""
    return path.with_name(f".{path.name[:40]}.flashdesk-{os.urandom(4).hex()}.part")


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole: first to a temporary file in the same
    folder, flushed to the disk, then renamed over ``path``. Raises
    ``FlashdeskError`` for a path that cannot be a file (nothing is written)
    and ``StorageError`` when the disk refuses: the temporary file is
    removed and an existing ``path`` is left as it was."""
    path = check_output(path)
    part = staging_name(path)
    try:
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            fault_point("output:written")
            os.replace(part, path)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    except OSError as exc:
        kept = f" {shown_path(path)} is as it was." if path.exists() else ""
        raise StorageError(f"cannot write {shown_path(path)}: {exc.strerror or exc}. Nothing was "
                           f"written.{kept}") from None
    fsync_dir(path.parent)
    return path
