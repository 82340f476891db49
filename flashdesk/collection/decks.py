"""The deck tree: names, today's counts within the daily limits, limits
and descriptions; creating, renaming, moving and deleting decks.

Deck names are paths (``Parent::Child``); a deck's counts include its
sub-decks and are capped by its own limits and its parents' (as in Anki).
A deck's id never changes: renaming or moving it changes only its name, so
re-importing its file still finds it.

Names and ids are made in ``deck_ids``, the exam plan in ``exams``;
``DeckManager`` forwards to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Mapping

from ..exam import FINAL_DAYS, ExamPlan, exam_date, new_per_day
from ..formats.sanitize import clean_plain
from ..model import Changes, DeckId, DeckSummary, FlashdeskError
from ..store import queries as q, transaction
from ..study import LIMIT_MAX, DeckLimits, parent_names, tree_allowance
from . import deck_delete, deck_ids, exams as exam_plans
from .deck_delete import DeckContents
from .deck_ids import MAX_NAME
from .journal import ms
from .marks import DESCRIBED, Marks
from .undo_decks import DeckNamesUndo

if TYPE_CHECKING:
    from datetime import datetime

    from . import Collection

__all__ = ["DeckManager", "DeckCreated", "DeckContents", "MAX_NAME"]


@dataclass(frozen=True)
class DeckCreated:
    """A new deck: its id, and what changed."""

    deck_id: DeckId
    changes: Changes


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
        (what a deck has done counts its whole subtree). A deck's new-card
        limit is raised by extra new cards taken today (custom study) and by
        its exam plan, if that asks for more; in an exam's final
        ``FINAL_DAYS`` days its review limit is lifted (every due card is
        shown: the plan brought late reviews there)."""
        db = self._col.db
        extra = q.get_config(db, "extra_new", {})
        extra_today = extra.get("decks", {}) if extra.get("day") == today else {}
        exams = self.exam_days(decks)
        new_left: dict[str, int] = {}
        if exams:
            own_new = q.count_unstudied(db)
            for deck_id in exams:
                new_left[deck_id] = sum(own_new.get(d, 0) for d in self.subtree(deck_id, decks))
        done = q.done_today(db, today)
        sums: dict[str, list[int]] = {d: [0, 0] for d in decks}
        by_name = {row["name"]: d for d, row in decks.items()}
        for deck_id, (new, rev) in done.items():
            if deck_id not in decks:
                continue
            for name in [*parent_names(decks[deck_id]["name"]), decks[deck_id]["name"]]:
                if name in by_name:
                    sums[by_name[name]][0] += new
                    sums[by_name[name]][1] += rev
        result = {}
        for d, row in decks.items():
            new_limit = row["new_limit"] + int(extra_today.get(d, 0))
            review_limit = row["review_limit"]
            if d in exams:
                planned = new_per_day(new_left[d] + sums[d][0], today, exams[d])
                new_limit = max(new_limit, planned)
                if exams[d] - FINAL_DAYS <= today < exams[d]:
                    # the final days show every due card: the plan pulled them there
                    review_limit = max(review_limit, LIMIT_MAX)
            result[d] = DeckLimits(row["name"], new_limit, review_limit, *sums[d])
        return result

    def summaries(self, now: "datetime") -> list[DeckSummary]:
        """Every deck in tree order with what it can show today: new and due
        cards within its limits, cards waiting for a re-drill, and its total."""
        col = self._col
        with col._lock:
            today = col.today(now)
            decks = self.rows()
            limits = self.limits(decks, today)
            exams = self.exam_days(decks)
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
                review_limit=row["review_limit"], description=row["description"],
                exam=exam_date(exams[deck_id]) if deck_id in exams else None,
                exam_days_left=exams[deck_id] - today if deck_id in exams else None,
                bury_siblings=bool(row["bury_siblings"])))
        return sorted(rows, key=lambda s: [p.casefold() for p in s.name.split("::")])

    def find(self, text: str) -> DeckId:
        """See ``deck_ids.find``."""
        return deck_ids.find(self._col, text)

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
        Raises ``FlashdeskError`` for an unknown deck or a limit outside 0 to
        ``LIMIT_MAX``."""
        col = self._col
        with col._lock:
            row = q.get_deck(col.db, deck_id)
            if row is None:
                raise FlashdeskError(f"no deck with id '{deck_id}'")
            new_limit = row["new_limit"] if new_limit is None else new_limit
            review_limit = row["review_limit"] if review_limit is None else review_limit
            if new_limit < 0 or review_limit < 0:
                raise FlashdeskError("daily limits cannot be negative")
            if new_limit > LIMIT_MAX or review_limit > LIMIT_MAX:
                raise FlashdeskError(f"a daily limit is at most {LIMIT_MAX} cards")
            with transaction(col.db):
                q.set_deck_limits(col.db, deck_id, new_limit, review_limit)
            col.study.invalidate()
        return Changes(decks=True, study_queues=True)

    def set_options(self, deck_id: DeckId, now: "datetime | None" = None, *,
                    new_limit: int | None = None, review_limit: int | None = None,
                    description: str | None = None, bury_siblings: bool | None = None) -> Changes:
        """A deck's options (None keeps each): daily limits; description;
        whether answering a card buries the other cards of its note until the
        next study day (Anki's default; on for every new deck). A description
        written here is the learner's: imports and updates of the bundled
        decks leave it alone. ``now`` is needed to change the description.
        Raises ``FlashdeskError``."""
        changes = Changes()
        if new_limit is not None or review_limit is not None:
            changes |= self.set_limits(deck_id, new_limit=new_limit, review_limit=review_limit)
        if bury_siblings is not None:
            col = self._col
            with col._lock:
                self.name(deck_id)
                with transaction(col.db):
                    q.set_deck_study_options(col.db, deck_id, bury_siblings=bury_siblings)
                col.study.invalidate()
            changes |= Changes(decks=True, study_queues=True)
        if description is not None:
            if now is None:
                raise TypeError("set_options needs now to change a description")
            col = self._col
            text = clean_plain(description, lines=True).strip()
            with col._lock:
                row = q.get_deck(col.db, deck_id)
                if row is None:
                    raise FlashdeskError(f"no deck with id '{deck_id}'")
                if text != row["description"]:
                    with transaction(col.db):
                        q.set_deck_description(col.db, deck_id, text, ms(now))
                        Marks(col.db).add(DESCRIBED, [deck_id])
                    changes |= Changes(decks=True)
        return changes

    def create(self, name: str, now: "datetime") -> DeckCreated:
        """A new, empty deck called ``name`` (``Parent::Child`` makes it a
        sub-deck, creating missing parents). Its id is made from the name and
        stays when the deck is renamed. Undoable. Raises ``FlashdeskError``
        for an empty name or one already in use."""
        col = self._col
        name = self.check_name(name)
        with col._lock:
            if q.deck_by_name(col.db, name) is not None:
                raise FlashdeskError(f"there is already a deck called “{name}”")
            with transaction(col.db):
                created = deck_ids.create_path(self._col, name, ms(now))
            col.undo.push(DeckNamesUndo("Create Deck", created=tuple(created)))
        return DeckCreated(DeckId(created[-1]), Changes(decks=True))

    def rename(self, deck_id: DeckId, name: str, now: "datetime", *,
               undo_name: str = "Rename Deck") -> Changes:
        """Give a deck a new full name; its sub-decks follow it. A name with
        ``::`` puts it under another deck (created if missing). The ids stay.
        Undoable. Raises ``FlashdeskError`` for a name in use, an empty name,
        or a deck put inside itself."""
        col = self._col
        name = self.check_name(name)
        with col._lock:
            decks = self.rows()
            if deck_id not in decks:
                raise FlashdeskError(f"no deck with id '{deck_id}'")
            old = decks[deck_id]["name"]
            if name == old:
                return Changes()
            if name.casefold().startswith(old.casefold() + "::"):
                inside = name.rsplit("::", 1)[0][len(old) + 2:]  # the sub-deck it would go into
                raise FlashdeskError(f"“{old}” cannot go inside its own sub-deck “{inside}”"
                                     if inside else f"“{old}” cannot go inside itself")
            subtree = self.subtree(deck_id, decks)
            renames = [(d, decks[d]["name"], name + decks[d]["name"][len(old):]) for d in subtree]
            for d, _before, after in renames:
                other = q.deck_by_name(col.db, after)
                if other is not None and other["id"] not in subtree:
                    raise FlashdeskError(f"there is already a deck called “{after}”")
            with transaction(col.db):
                created = deck_ids.create_path(self._col, name, ms(now), last=False)
                for d, _before, after in renames:
                    q.rename_deck(col.db, d, after, ms(now))
            col.undo.push(DeckNamesUndo(undo_name, tuple(renames), tuple(created)))
            col.study.invalidate()
        return Changes(decks=True, study_queues=True)

    def move(self, deck_id: DeckId, parent_id: DeckId | None, now: "datetime") -> Changes:
        """Put a deck (with its sub-decks) under ``parent_id``, or at the top
        with None. Undoable. Raises ``FlashdeskError`` (see ``rename``)."""
        name = self.name(deck_id)
        leaf = name.rsplit("::", 1)[-1]
        target = leaf if parent_id is None else f"{self.name(parent_id)}::{leaf}"
        return self.rename(deck_id, target, now, undo_name="Move Deck")

    # -- deleting (``deck_delete``) -------------------------------------------------

    def contents(self, deck_id: DeckId) -> DeckContents:
        """See ``deck_delete.contents``."""
        return deck_delete.contents(self._col, deck_id)

    def delete(self, deck_id: DeckId, now: "datetime") -> Changes:
        """See ``deck_delete.delete``."""
        return deck_delete.delete(self._col, deck_id, now)

    # -- names and ids (``deck_ids``) ------------------------------------------------

    @staticmethod
    def check_name(name: str) -> str:
        """See ``deck_ids.check_name``."""
        return deck_ids.check_name(name)

    def id_for(self, deck_id: str, name: str) -> str:
        """See ``deck_ids.id_for``."""
        return deck_ids.id_for(self._col, deck_id, name)

    def ensure(self, deck_id: str, name: str, description: str, version: str, source: str,
               now_ms: int) -> None:
        """See ``deck_ids.ensure``."""
        deck_ids.ensure(self._col, deck_id, name, description, version, source, now_ms)

    # -- the exam plan (``exams``) ------------------------------------------------------

    def exam_days(self, decks: Mapping[str, dict]) -> dict[str, int]:
        """See ``exams.exam_days``."""
        return exam_plans.exam_days(decks)

    def set_exam(self, deck_id: DeckId, day: date | None, now: "datetime") -> Changes:
        """See ``exams.set_exam``."""
        return exam_plans.set_exam(self._col, deck_id, day, now)

    def pull_forward(self, deck_ids: list[str], exam: int, today: int, now: "datetime") -> int:
        """See ``exams.pull_forward``."""
        return exam_plans.pull_forward(self._col, deck_ids, exam, today, now)

    def exam_plan(self, deck_id: DeckId, now: "datetime") -> ExamPlan | None:
        """See ``exams.exam_plan``."""
        return exam_plans.exam_plan(self._col, deck_id, now)
