"""Where things live: the user's profiles and the files that ship with flashdesk."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["data_dir", "profile_path", "profile_problem", "bundled_dir", "bundled_decks",
           "DEFAULT_PROFILE", "MAX_PROFILE_CHARS"]

DEFAULT_PROFILE = "default"
#: the longest profile name (a folder name every file system takes)
MAX_PROFILE_CHARS = 64
_PACKAGE = Path(__file__).resolve().parent
_WINDOWS_FORBIDDEN = '<>"|?*'
#: names Windows keeps for devices, whatever the extension (``nul.txt`` too)
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]])


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """``--data-dir``, else ``$FLASHDESK_HOME``, else the platform's user data folder."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("FLASHDESK_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("flashdesk", appauthor=False))


def profile_problem(name: str) -> str | None:
    """Why ``name`` is not a profile name, or None. A profile is one plain
    folder inside the data folder, the same on every system: not empty, not
    ``.`` or ``..``, no ``/``, ``\\`` or ``:`` (a path, or a drive on
    Windows), none of ``< > " | ? *`` (which Windows refuses), no control
    characters, no spaces at either end nor a dot at the end (Windows drops
    them), not a name Windows reserves for a device (``CON``, ``NUL``,
    ``COM1``, ``LPT1`` …, with or without an extension), at most
    ``MAX_PROFILE_CHARS`` characters."""
    if not name or not name.strip():
        return "a profile name cannot be empty"
    if name in (".", ".."):
        return f"'{name}' is not a folder name"
    if any(ch in name for ch in "/\\:"):
        return "a profile name is one folder name: no '/', '\\' or ':'"
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in name):
        return "a profile name cannot hold control characters"
    if any(ch in name for ch in _WINDOWS_FORBIDDEN):
        return "a profile name cannot hold < > \" | ? or *"
    if name != name.strip():
        return "a profile name cannot start or end with a space"
    if name.endswith("."):
        return "a profile name cannot end with a dot"
    if name.split(".")[0].rstrip().upper() in _WINDOWS_DEVICES:
        return "a profile name cannot be a device name of Windows (CON, PRN, AUX, NUL, COM1, LPT1 …)"
    if len(name) > MAX_PROFILE_CHARS:
        return f"a profile name has at most {MAX_PROFILE_CHARS} characters"
    return None


def profile_path(root: Path, profile: str = DEFAULT_PROFILE) -> Path:
    """The collection file of ``profile`` under ``root``. Raises
    ``ValueError`` when ``profile`` is not a plain folder name
    (``profile_problem``)."""
    problem = profile_problem(profile)
    if problem:
        raise ValueError(problem)
    return root / profile / "collection.db"


def bundled_dir(name: str) -> Path:
    """``decks`` or ``resources``: inside the installed package (wheel), or at
    the top of a source checkout (editable install)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"flashdesk's bundled '{name}' folder is missing from {_PACKAGE}")


def bundled_decks() -> list[Path]:
    """The deck files that ship with flashdesk, sorted by name."""
    return sorted(bundled_dir("decks").glob("*.toml"))
