"""The deck tree: names, today's counts within the daily limits, and limits.

Deck names are paths (``Parent::Child``); a deck's counts include its
sub-decks and are capped by its own limits and its parents' (as in Anki).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from ..formats.result import slug
from ..model import Changes, DeckId, DeckSummary, FlashdeskError
from ..store import queries as q, transaction
from ..study import DeckLimits, parent_names, tree_allowance

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["DeckManager"]


class DeckManager:
    """``col.decks``: the deck tree and its daily limits."""

    def __init__(self, col: "Collection"):
        self._col = col

    # -- reading ---------------------------------------------------------------

    def rows(self) -> dict[str, dict]:
        """deck id → its row (id, name, description, version, source_path,
        new_limit, review_limit), in name order."""
        with self._col._lock:
            return {d["id"]: d for d in q.list_decks(self._col.db)}

    def subtree(self, deck_id: DeckId | str | None,
                decks: Mapping[str, dict] | None = None) -> list[str]:
        """The ids of ``deck_id`` and every deck below it (None: every deck).
        Raises ``FlashdeskError`` for an unknown deck."""
        decks = self.rows() if decks is None else decks
        if deck_id is None:
            return list(decks)
        if deck_id not in decks:
            raise FlashdeskError(f"no deck with id '{deck_id}'")
        name = decks[deck_id]["name"]
        return [d for d, row in decks.items()
                if row["name"] == name or row["name"].startswith(name + "::")]

    def limits(self, decks: Mapping[str, dict], today: int) -> dict[str, DeckLimits]:
        """Each deck's limits and what it has done on study day ``today``
        (what a deck has done counts its whole subtree)."""
        done = q.done_today(self._col.db, today)
        sums: dict[str, list[int]] = {d: [0, 0] for d in decks}
        by_name = {row["name"]: d for d, row in decks.items()}
        for deck_id, (new, rev) in done.items():
            if deck_id not in decks:
                continue
            for name in [*parent_names(decks[deck_id]["name"]), decks[deck_id]["name"]]:
                if name in by_name:
                    sums[by_name[name]][0] += new
                    sums[by_name[name]][1] += rev
        return {d: DeckLimits(row["name"], row["new_limit"], row["review_limit"], *sums[d])
                for d, row in decks.items()}

    def summaries(self, now: "datetime") -> list[DeckSummary]:
        """Every deck in tree order with what it can show today: new and due
        cards within its limits, cards waiting for a re-drill, and its total."""
        col = self._col
        with col._lock:
            today = col.today(now)
            decks = self.rows()
            limits = self.limits(decks, today)
            counts = q.deck_counts(col.db, today)  # one pass: (new, learning, due, all)
            new = tree_allowance(limits, {d: c[0] for d, c in counts.items()}, "new")
            due = tree_allowance(limits, {d: c[2] for d, c in counts.items()}, "review")
            learning = {d: c[1] for d, c in counts.items()}
            total = {d: c[3] for d, c in counts.items()}
        rows = []
        for deck_id, row in decks.items():
            subtree = self.subtree(DeckId(deck_id), decks)
            rows.append(DeckSummary(
                id=DeckId(deck_id), name=row["name"], new=new.get(deck_id, 0),
                learning=sum(learning.get(d, 0) for d in subtree),
                due=due.get(deck_id, 0), total=sum(total.get(d, 0) for d in subtree),
                depth=row["name"].count("::"), new_limit=row["new_limit"],
                review_limit=row["review_limit"], description=row["description"]))
        return sorted(rows, key=lambda s: [p.casefold() for p in s.name.split("::")])

    def find(self, text: str) -> DeckId:
        """A deck by id, or by full name (case-insensitive). Raises
        ``FlashdeskError`` naming ``flashdesk decks`` when there is none."""
        with self._col._lock:
            if q.get_deck(self._col.db, text):
                return DeckId(text)
            row = q.deck_by_name(self._col.db, text)
        if row is None:
            raise FlashdeskError(f"no deck called '{text}' (see `flashdesk decks`)")
        return DeckId(row["id"])

    def name(self, deck_id: DeckId) -> str:
        """The full name of ``deck_id``; raises ``FlashdeskError`` if unknown."""
        with self._col._lock:
            row = q.get_deck(self._col.db, deck_id)
        if row is None:
            raise FlashdeskError(f"no deck with id '{deck_id}'")
        return row["name"]

    # -- changing --------------------------------------------------------------

    def set_limits(self, deck_id: DeckId, *, new_limit: int | None = None,
                   review_limit: int | None = None) -> Changes:
        """Set a deck's daily limits (cards a day; None keeps the current one).
        Raises ``FlashdeskError`` for an unknown deck or a negative limit."""
        col = self._col
        with col._lock:
            row = q.get_deck(col.db, deck_id)
            if row is None:
                raise FlashdeskError(f"no deck with id '{deck_id}'")
            new_limit = row["new_limit"] if new_limit is None else new_limit
            review_limit = row["review_limit"] if review_limit is None else review_limit
            if new_limit < 0 or review_limit < 0:
                raise FlashdeskError("daily limits cannot be negative")
            with transaction(col.db):
                q.set_deck_limits(col.db, deck_id, new_limit, review_limit)
            col.study.invalidate()
        return Changes(decks=True, study_queues=True)

    # -- for imports -----------------------------------------------------------

    def id_for(self, deck_id: str, name: str) -> str:
        """The id a deck from a file gets: its own, else the id of the deck
        with that name, else a new one made from the name."""
        if deck_id:
            return deck_id
        db = self._col.db
        row = q.deck_by_name(db, name)
        if row is not None:
            return row["id"]
        new_id = slug(name.replace("::", " "))
        base, n = new_id, 1
        while q.get_deck(db, new_id):
            n += 1
            new_id = f"{base}-{n}"
        return new_id

    def ensure(self, deck_id: str, name: str, description: str, version: str, source: str,
               now_ms: int) -> None:
        """Create the deck (and any missing parents) or update its details,
        inside the caller's transaction. Raises ``FlashdeskError`` when the
        name belongs to another deck."""
        db = self._col.db
        for parent in parent_names(name):
            if q.deck_by_name(db, parent) is None:
                parent_id = slug(parent)
                while q.get_deck(db, parent_id):
                    parent_id += "-x"
                q.insert_deck(db, {"id": parent_id, "name": parent, "description": "",
                                   "version": "", "source_path": "", "now": now_ms})
        row = {"id": deck_id, "name": name, "description": description, "version": version,
               "source_path": source, "now": now_ms}
        other = q.deck_by_name(db, name)
        if other is not None and other["id"] != deck_id:
            raise FlashdeskError(f"{source}: deck name '{name}' is already used by deck "
                                 f"'{other['id']}'; give this deck another name")
        current = q.get_deck(db, deck_id)
        if current is None:
            q.insert_deck(db, row)
        elif description or version or current["name"] != name:
            # files without deck details (CSV, Anki) keep the details already there
            row["description"] = description or current["description"]
            row["version"] = version or current["version"]
            q.update_deck(db, row)
