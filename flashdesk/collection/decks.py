"""The deck tree: names, today's counts within the daily limits, and limits.

Deck names are paths (``Parent::Child``); a deck's counts include its
sub-decks and are capped by its own limits and its parents' (as in Anki).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import re
from dataclasses import replace
from datetime import date

from ..exam import FINAL_DAYS, ExamPlan, exam_date, exam_day, new_per_day, pulled_due
from ..formats.result import slug
from ..model import CardSchedule, Changes, DeckId, DeckSummary, FlashdeskError, LogKind
from ..store import queries as q, transaction
from ..study import DeckLimits, parent_names, tree_allowance
from ..text import deck_path
from .journal import ms

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

    def exam_days(self, decks: Mapping[str, dict]) -> dict[str, int]:
        """deck id → the study day of its exam: its own date, else its
        nearest parent's; decks with no exam are left out."""
        own = {row["name"]: exam_day(date.fromisoformat(row["exam_date"]))
               for row in decks.values() if row.get("exam_date")}
        result = {}
        for deck_id, row in decks.items():
            for name in [row["name"], *reversed(parent_names(row["name"]))]:
                if name in own:
                    result[deck_id] = own[name]
                    break
        return result

    def limits(self, decks: Mapping[str, dict], today: int) -> dict[str, DeckLimits]:
        """Each deck's limits and what it has done on study day ``today``
        (what a deck has done counts its whole subtree). A deck's new-card
        limit is raised by extra new cards taken today (custom study) and by
        its exam plan, if that asks for more."""
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
            if d in exams:
                planned = new_per_day(new_left[d] + sums[d][0], today, exams[d])
                new_limit = max(new_limit, planned)
            result[d] = DeckLimits(row["name"], new_limit, row["review_limit"], *sums[d])
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
            new = tree_allowance(limits, q.count_new(col.db), "new")
            due = tree_allowance(limits, q.count_due(col.db, today), "review")
            learning, total = q.count_learning(col.db), q.count_total(col.db)
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
        """A deck by its id, its full name (``Parent::Child``, or with ``›``
        or ``/`` between the parts), or its own name alone when no other deck
        has it – all without regard to case. Raises ``FlashdeskError`` naming
        ``flashdesk decks``, or the decks to choose from when the name is
        ambiguous."""
        wanted = text.strip()
        decks = self.rows()
        if wanted in decks:
            return DeckId(wanted)
        parts = [p.strip().casefold() for p in re.split(r"::|›|/", wanted)]
        full = [d for d, row in decks.items()
                if [p.casefold() for p in row["name"].split("::")] == parts]
        if len(full) == 1:
            return DeckId(full[0])
        tail = [d for d, row in decks.items()
                if [p.casefold() for p in row["name"].split("::")][-len(parts):] == parts]
        if len(tail) == 1:
            return DeckId(tail[0])
        if tail:
            names = "; ".join(f"{deck_path(decks[d]['name'])} ({d})" for d in tail[:6])
            raise FlashdeskError(f"more than one deck is called '{wanted}': {names}. "
                                 "Give its full name or its id")
        raise FlashdeskError(f"no deck called '{wanted}' (see `flashdesk decks`)")

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

    def set_options(self, deck_id: DeckId, *, bury_siblings: bool) -> Changes:
        """Whether answering a card buries the other cards of its note until
        the next study day (Anki's default; on for every new deck)."""
        col = self._col
        with col._lock:
            self.name(deck_id)
            with transaction(col.db):
                q.set_deck_study_options(col.db, deck_id, bury_siblings=bury_siblings)
            col.study.invalidate()
        return Changes(decks=True, study_queues=True)

    def set_exam(self, deck_id: DeckId, day: date | None, now: "datetime") -> Changes:
        """Set (or, with None, clear) the date of the exam ``deck_id`` and its
        sub-decks revise for. Reviews SM-2 has due on or after the exam are
        brought into its final days at once (``flashdesk.exam``); clearing the
        date leaves due days as they are. Raises ``FlashdeskError`` for a date
        already past."""
        col = self._col
        with col._lock:
            today = col.today(now)
            self.name(deck_id)
            if day is not None and exam_day(day) <= today:
                raise FlashdeskError(f"the exam date {day.isoformat()} is not after today")
            with transaction(col.db):
                q.set_deck_study_options(col.db, deck_id,
                                         exam_date=day.isoformat() if day else None)
                if day is not None:
                    decks = self.rows()
                    exams = self.exam_days(decks)  # a sub-deck may have an exam of its own
                    for sub in self.subtree(deck_id, decks):
                        self.pull_forward([sub], exams[sub], today, now)
            col.study.invalidate()
        return Changes(decks=True, cards=True, study_queues=True)

    def pull_forward(self, deck_ids: list[str], exam: int, today: int, now: "datetime") -> int:
        """Bring reviews of ``deck_ids`` due on or after ``exam`` into the days
        before it, logging each move; inside the caller's transaction.
        Returns how many moved."""
        col = self._col
        moved = 0
        for row in q.review_cards_due_from(col.db, deck_ids, exam):
            due = pulled_due(row["id"], row["due"], today, exam)
            if due is None:
                continue
            before = CardSchedule.from_dict(row)
            q.set_due(col.db, row["id"], due)
            col.journal.append(row["id"], LogKind.RESCHEDULE, ms(now), today, before=before,
                               after=replace(before, due=due))
            moved += 1
        return moved

    def exam_plan(self, deck_id: DeckId, now: "datetime") -> ExamPlan | None:
        """The exam plan of ``deck_id`` today (its own exam or its parent's),
        or None when it has none."""
        col = self._col
        with col._lock:
            today = col.today(now)
            decks = self.rows()
            exam = self.exam_days(decks).get(deck_id)
            if exam is None:
                return None
            subtree = self.subtree(deck_id, decks)
            counts = q.exam_progress(col.db, subtree, exam, exam - FINAL_DAYS)
        new_left = counts["new"]
        return ExamPlan(deck_id, exam_date(exam), exam - today, new_per_day(new_left, today, exam),
                        new_left, counts["cards"],
                        counts["on_track"] / counts["cards"] if counts["cards"] else 0.0)

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
