"""The class view: a learner may share a summary of their progress with a
tutor, as one file in a class folder both of them sync (or carry on a USB
stick); the tutor's flashdesk reads every learner's file in that folder.

What a summary holds, and nothing else (see the README, *Sharing progress
with a tutor*): the name the learner chose, the day it was written, and for
each topic they chose to share – a deck, or a tag within those decks – the
number of cards, how many they have studied and mastered, their retention
over the last 30 days and the day they last studied it; plus their weakest
cards, each as its deck and its question side (a cloze with its gaps
blanked) and how often it lapsed. No answers, no typed text, no times of
day, no review log. Turning sharing off deletes the file.

File: ``<class folder>/flashdesk-class/<learner id>.json`` (UTF-8 JSON,
written under a temporary name and renamed).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..cards import cloze_question
from ..formats.sanitize import clean_plain
from ..model import FlashdeskError, Kind, plain_text, study_day
from ..store import sync as sq
from ..study import parent_names

if TYPE_CHECKING:
    from ..collection import Collection

__all__ = ["share", "stop_sharing", "sharing", "write_summary", "build_summary", "read_class",
           "ClassView", "LearnerSummary", "Topic", "HardCard", "CLASS_DIR", "SHARE_KEY",
           "VIEW_KEY", "INACTIVE_DAYS", "summary_path"]

CLASS_DIR = "flashdesk-class"
FORMAT = "flashdesk-class-summary"
VERSION = 1
#: the learner's choice: {"folder", "name", "decks" (ids, or None for all), "id"}
SHARE_KEY = "class.share"
#: the tutor's class folder
VIEW_KEY = "class.folder"
#: a learner who has not studied for this many days is listed as inactive
INACTIVE_DAYS = 7
#: weakest cards per learner
WEAKEST = 10
RETENTION_DAYS = 30
MATURE_DAYS = 21
_MAX_FILE = 2 * 1024 * 1024
_LEARNER_ID = re.compile(r"^[0-9a-f]{16}$")
_EPOCH = date(1970, 1, 1)


def _day_text(day: int | None) -> str | None:
    return None if day is None else (_EPOCH + timedelta(days=day)).isoformat()


def summary_path(folder: str | os.PathLike, learner_id: str) -> Path:
    """Where a learner's summary lives in a class folder."""
    return Path(folder) / CLASS_DIR / f"{learner_id}.json"


def sharing(col: "Collection") -> dict[str, Any] | None:
    """What this learner shares ({"folder", "name", "decks", "id"}), or None."""
    value = col.setting(SHARE_KEY)
    if isinstance(value, dict) and value.get("folder") and value.get("name") \
            and isinstance(value.get("id"), str) and _LEARNER_ID.match(value["id"]):
        return value
    return None


def share(col: "Collection", folder: str | os.PathLike, name: str,
          decks: Sequence[str] | None, now: datetime) -> Path:
    """Opt in: share a progress summary of ``decks`` (ids; None: every deck)
    under ``name`` in the class folder ``folder``, now and after each merge.
    Returns the file written. Raises ``FlashdeskError`` for an empty name,
    an unknown deck or a folder that cannot be written."""
    name = clean_plain(name).strip()
    if not name:
        raise FlashdeskError("give the name your tutor will see")
    path = Path(folder).expanduser().resolve()
    if not path.is_dir():
        raise FlashdeskError(f"{path} is not a folder; make it first (or point to the class "
                             "folder your tutor shared)")
    known = col.decks.rows()
    for deck in decks or ():
        if deck not in known:
            raise FlashdeskError(f"no deck with id '{deck}'")
    previous = sharing(col)
    learner = previous["id"] if previous else secrets.token_hex(8)
    if previous and Path(previous["folder"]) != path:
        _remove(summary_path(previous["folder"], learner))
    col.set_setting(SHARE_KEY, {"folder": str(path), "name": name[:80],
                                "decks": list(decks) if decks else None, "id": learner})
    written = write_summary(col, now)
    assert written is not None
    return written


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def stop_sharing(col: "Collection") -> Path | None:
    """Opt out: delete the summary from the class folder and forget the
    choice. Returns the file removed (None if nothing was shared). Raises
    ``FlashdeskError`` when the file cannot be deleted (the choice is kept
    then, so that it can be tried again)."""
    current = sharing(col)
    if current is None:
        return None
    path = summary_path(current["folder"], current["id"])
    try:
        _remove(path)
    except OSError as exc:
        raise FlashdeskError(f"could not delete {path}: {exc.strerror or exc}") from None
    col.set_setting(SHARE_KEY, None)
    return path


def write_summary(col: "Collection", now: datetime) -> Path | None:
    """Write the learner's summary again (None when not sharing). Raises
    ``FlashdeskError`` when the class folder cannot be written."""
    current = sharing(col)
    if current is None:
        return None
    summary = build_summary(col, now, current.get("decks"), current["name"], current["id"])
    path = summary_path(current["folder"], current["id"])
    temp = path.with_name(f".{path.stem}-{secrets.token_hex(4)}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise FlashdeskError(f"the class folder {path.parent} cannot be written: "
                             f"{exc.strerror or exc}") from None
    return path


def _prompt(kind: str, ord_: int, fields: dict) -> str:
    """A card's question side as plain text, without its answer."""
    try:
        k = Kind(kind)
    except ValueError:
        return ""
    if k == Kind.BASIC:
        text = fields.get("back" if ord_ == 1 else "front", "")
    elif k == Kind.CLOZE:
        text = cloze_question(str(fields.get("text", "")), ord_)
    elif k == Kind.CHOICE:
        text = fields.get("question", "")
    else:
        text = fields.get("prompt", "")
    flat = " ".join(plain_text(str(text)).split())
    return flat if len(flat) <= 160 else flat[:157] + "…"


def build_summary(col: "Collection", now: datetime, decks: Sequence[str] | None, name: str,
                  learner: str) -> dict[str, Any]:
    """The summary shared for ``decks`` (ids, with their sub-decks; None:
    every deck) as a JSON-ready dict (see the module's text)."""
    today = col.today(now)
    with col._lock:
        rows = col.decks.rows()
        chosen = sorted({d for deck in (decks or list(rows)) if deck in rows
                         for d in col.decks.subtree(deck, rows)})
        cards = sq.topic_cards(col.db, chosen)
        answers = sq.topic_answers(col.db, chosen, today - RETENTION_DAYS + 1)
        weakest = sq.weakest_cards(col.db, chosen, WEAKEST)
    topics: dict[tuple[str, str], dict[str, Any]] = {}

    def keys(deck_id: str, tags: str) -> list[tuple[str, str]]:
        name_ = rows[deck_id]["name"]
        found = [("deck", n) for n in [*parent_names(name_), name_]]
        return found + [("tag", t) for t in tags.split()]

    for deck_id, tags, type_, interval in cards:
        for key in keys(deck_id, tags):
            t = topics.setdefault(key, {"cards": 0, "learned": 0, "mastered": 0, "passed": 0,
                                        "answered": 0, "last": None})
            t["cards"] += 1
            t["learned"] += type_ == 2
            t["mastered"] += type_ == 2 and interval >= MATURE_DAYS
    for deck_id, tags, last, passed, answered in answers:
        for key in keys(deck_id, tags):
            t = topics[key]
            t["passed"] += passed
            t["answered"] += answered
            t["last"] = last if t["last"] is None else max(t["last"], last)
    last_day = max((t["last"] for t in topics.values() if t["last"] is not None), default=None)
    return {
        "format": FORMAT, "version": VERSION,
        "learner": {"id": learner, "name": name},
        "generated": _day_text(study_day(now)),  # the day only: no times of day
        "last_studied": _day_text(last_day),
        "topics": [{"topic": topic, "kind": kind, "cards": t["cards"], "learned": t["learned"],
                    "mastered": t["mastered"],
                    "retention": round(t["passed"] / t["answered"], 4) if t["answered"] else None,
                    "answered": t["answered"], "last_studied": _day_text(t["last"])}
                   for (kind, topic), t in sorted(topics.items(),
                                                  key=lambda kv: (kv[0][0], kv[0][1].casefold()))],
        "weakest": [{"card": w["id"], "deck": rows[w["deck_id"]]["name"],
                     "prompt": _prompt(w["kind"], w["ord"], json.loads(w["fields"])),
                     "lapses": w["lapses"], "ease": w["ease"] / 100, "interval": w["interval"]}
                    for w in weakest],
    }


# -- the tutor's side ----------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """One learner's figures for one topic."""

    topic: str
    kind: str  # "deck" or "tag"
    cards: int
    learned: int
    mastered: int
    retention: float | None
    answered: int
    last_studied: date | None


@dataclass(frozen=True)
class LearnerSummary:
    """One learner's summary as read (and checked) from a class folder;
    ``topics`` by (kind, topic)."""

    id: str
    name: str
    generated: str
    last_studied: date | None
    topics: dict[tuple[str, str], Topic]
    weakest: tuple[dict[str, Any], ...]
    path: Path

    def inactive_days(self, today: date) -> int | None:
        """Days since the learner last studied (None: never)."""
        return None if self.last_studied is None else (today - self.last_studied).days


@dataclass(frozen=True)
class HardCard:
    """A card weak for several learners."""

    card: str
    deck: str
    prompt: str
    learners: tuple[str, ...]
    lapses: int
    lowest_ease: float


@dataclass
class ClassView:
    """Every learner's summary in a class folder, and what the tutor reads
    from them."""

    folder: Path
    learners: list[LearnerSummary] = field(default_factory=list)
    #: files that could not be read, with the reason
    unreadable: list[str] = field(default_factory=list)

    def topics(self, kind: str | None = None) -> list[tuple[str, str]]:
        """(kind, topic) of every topic any learner shares, decks first, by name."""
        found = {key for learner in self.learners for key in learner.topics
                 if kind is None or key[0] == kind}
        return sorted(found, key=lambda k: (k[0], k[1].casefold()))

    def hardest(self, limit: int = 20) -> list[HardCard]:
        """The cards weak for the most learners (then with the most lapses)."""
        cards: dict[str, dict[str, Any]] = {}
        for learner in self.learners:
            for w in learner.weakest:
                c = cards.setdefault(w["card"], {"deck": w["deck"], "prompt": w["prompt"],
                                                 "learners": [], "lapses": 0, "ease": 9.99})
                c["learners"].append(learner.name)
                c["lapses"] += w["lapses"]
                c["ease"] = min(c["ease"], w["ease"])
        ranked = sorted(cards.items(), key=lambda kv: (-len(kv[1]["learners"]),
                                                       -kv[1]["lapses"], kv[1]["ease"], kv[0]))
        return [HardCard(card, c["deck"], c["prompt"], tuple(sorted(c["learners"])), c["lapses"],
                         c["ease"]) for card, c in ranked[:limit]]

    def inactive(self, today: date, days: int = INACTIVE_DAYS) -> list[LearnerSummary]:
        """Learners who have not studied for ``days`` days or more (or never),
        longest first."""
        idle = [learner for learner in self.learners
                if learner.last_studied is None or (today - learner.last_studied).days >= days]
        return sorted(idle, key=lambda learner: (learner.last_studied or date.min,
                                                 learner.name.casefold()))


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10 ** 9:
        raise ValueError(f"not a count: {str(value)[:20]!r}")
    return value


def _share(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"not a share: {str(value)[:20]!r}")
    return float(value)


def _plain(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError("not a text")
    return clean_plain(value)[:limit]


def _read_one(path: Path) -> LearnerSummary:
    if path.stat().st_size > _MAX_FILE:
        raise ValueError("larger than 2 MB")
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or raw.get("version") != VERSION:
        raise ValueError("not a flashdesk progress summary")
    learner = raw["learner"]
    topics = {}
    for t in raw["topics"][:5000]:
        kind = t["kind"]
        if kind not in ("deck", "tag"):
            raise ValueError(f"unknown topic kind {str(kind)[:20]!r}")
        topic = Topic(_plain(t["topic"], 300), kind, _count(t["cards"]), _count(t["learned"]),
                      _count(t.get("mastered", 0)), _share(t["retention"]),
                      _count(t.get("answered", 0)), _date(t.get("last_studied")))
        topics[(kind, topic.topic)] = topic
    weakest = tuple({"card": _plain(w["card"], 1000), "deck": _plain(w["deck"], 300),
                     "prompt": _plain(w.get("prompt", ""), 200), "lapses": _count(w["lapses"]),
                     "ease": float(w["ease"]) if isinstance(w["ease"], (int, float))
                     and not isinstance(w["ease"], bool) else 2.5,
                     "interval": _count(w.get("interval", 0))}
                    for w in raw.get("weakest", [])[:WEAKEST * 5])
    learner_id = _plain(learner["id"], 64)
    return LearnerSummary(learner_id, _plain(learner["name"], 80) or learner_id,
                          _plain(raw.get("generated", ""), 40), _date(raw.get("last_studied")),
                          topics, weakest, path)


def read_class(folder: str | os.PathLike) -> ClassView:
    """Read every learner's summary in ``folder`` (its ``flashdesk-class``
    sub-folder). Files are checked as hostile input; those that fail are
    listed in ``unreadable``. When one learner's name appears in several
    files (two devices), the newest file counts. Raises ``FlashdeskError``
    when the folder is not there."""
    root = Path(folder)
    if not root.is_dir():
        raise FlashdeskError(f"the class folder {root} is not there")
    view = ClassView(root)
    found: dict[str, LearnerSummary] = {}
    files = sorted((root / CLASS_DIR).glob("*.json")) if (root / CLASS_DIR).is_dir() else []
    for path in files[:2000]:
        try:
            summary = _read_one(path)
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            view.unreadable.append(f"{path.name}: {exc}")
            continue
        key = summary.name.casefold()
        if key not in found or found[key].generated < summary.generated:
            found[key] = summary
    view.learners = sorted(found.values(), key=lambda s: s.name.casefold())
    return view
