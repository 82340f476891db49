"""flashdesk: an offline desktop spaced-repetition flashcard app."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flashdesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"

__all__ = ["__version__"]
