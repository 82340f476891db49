"""Where things live: the user's profiles and the files that ship with flashdesk."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["data_dir", "profile_path", "bundled_dir", "bundled_decks", "DEFAULT_PROFILE"]

DEFAULT_PROFILE = "default"
_PACKAGE = Path(__file__).resolve().parent


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """``--data-dir``, else ``$FLASHDESK_HOME``, else the platform's user data folder."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("FLASHDESK_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("flashdesk", appauthor=False))


def profile_path(root: Path, profile: str = DEFAULT_PROFILE) -> Path:
    """The collection file of ``profile`` under ``root``."""
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
