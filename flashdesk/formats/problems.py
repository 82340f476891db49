"""Problems found in an input file, each naming the file and the place."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import FlashdeskError

__all__ = ["Problem", "DeckFileError"]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class DeckFileError(FlashdeskError):
    """A file that cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
