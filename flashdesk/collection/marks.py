"""What the learner changed that an update of the bundled decks must leave
alone: notes whose text they edited, bundled notes and decks they deleted,
and decks whose description they wrote. Kept with the collection's
settings; written inside the transaction of the action that made them.
"""

from __future__ import annotations

from typing import Iterable

from sqlite_utils import Database

from ..store import queries as q

__all__ = ["Marks", "EDITED", "DELETED_NOTES", "DELETED_DECKS", "DELETED_TOLD", "DESCRIBED",
           "BUNDLED", "AUTHORED"]

#: notes whose text the learner edited in flashdesk (an import of a changed file replaces
#: it and says so; an update of the bundled decks never does)
EDITED = "edited_notes"
#: bundled notes (by identity, what imports match) and decks the learner deleted: an
#: update of the bundled decks does not bring them back
DELETED_NOTES = "deleted_bundled_notes"
DELETED_DECKS = "deleted_bundled_decks"
#: those of them an update has already said it left deleted (said once)
DELETED_TOLD = "deleted_bundled_told"
#: decks whose description the learner wrote (in the deck options)
DESCRIBED = "described_decks"
#: the decks the last update of the bundled decks brought
BUNDLED = "bundled_decks"
#: notes the learner wrote in flashdesk (the Add window): no file has them, so
#: an import never calls them missing from its file, nor prunes them
AUTHORED = "authored_notes"


class Marks:
    """Sets of ids stored as settings. Callers hold the collection's lock."""

    def __init__(self, db: Database):
        self._db = db

    def get(self, key: str) -> set[str]:
        value = q.get_config(self._db, key, [])
        return {str(v) for v in value} if isinstance(value, list) else set()

    def add(self, key: str, ids: Iterable[str]) -> None:
        ids = set(ids)
        current = self.get(key)
        if ids - current:
            q.set_config(self._db, key, sorted(current | ids))

    def discard(self, key: str, ids: Iterable[str]) -> None:
        ids = set(ids)
        current = self.get(key)
        if ids & current:
            q.set_config(self._db, key, sorted(current - ids))

    def replace(self, key: str, ids: Iterable[str]) -> None:
        q.set_config(self._db, key, sorted(set(ids)))

    def undelete(self, key: str, ids: Iterable[str]) -> None:
        """Deleted things are back (an undo): forget that they were deleted."""
        ids = set(ids)
        self.discard(key, ids)
        self.discard(DELETED_TOLD, ids)
