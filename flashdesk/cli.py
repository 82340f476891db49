"""The command line: ``flashdesk [--data-dir DIR] [COMMAND]``.

Without a command flashdesk opens its window. Every command works on the
profile's collection, creating it with the bundled decks on first use.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .backup import KEEP_RANGE, WEEKS_RANGE, backups_dir, list_backups, restore
from .cards import card_ords, cloze_answer, cloze_question, terminal_text
from .collection import Collection, UndoRefused, damage_message
from .formats import DeckFileError, read_any, terminal_safe
from .formats.problems import shown_path
from .exam import LAST_NEW_DAYS
from .formats.output import check_output
from .model import CustomKind, CustomStudy, DeckId, FlashdeskError, GradeMode, Kind
from .paths import DEFAULT_PROFILE, data_dir, profile_path, profile_problem
from .review import TERMINAL_KEYS, Action, ReviewSession, Stage
from .statistics import REPORT_DAYS, report_period
from .store.database import is_damage
from .study import CUSTOM_DAYS_MAX, EXTRA_NEW_MAX, LIMIT_MAX
from .text import (
    again_caption, deck_path, format_preview, percent, plural, prune_question, sentence,
)
from .sync.fields import field_label

__all__ = ["main", "build_parser"]

EPILOG = """\
The collection lives in the user data folder; --data-dir or FLASHDESK_HOME
choose another. Deck file format: docs/deck-format.md.
"""


def now() -> datetime:
    """The wall clock, as a timezone-aware local datetime."""
    return datetime.now().astimezone()


def _date(text: str):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` to ``high``, the
    range the window allows. Anything else is refused the argparse way, in
    one message naming the option (``argument --new: …``), exit status 2."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:  # also a number with more digits than int() reads
            value = None
        if value is None or not low <= value <= high:
            shown = text if len(text) <= 20 else text[:20] + "…"
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, not {shown!r}")
        return value

    parse.__name__ = "whole number"
    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (the README documents each)."""
    parser = argparse.ArgumentParser(
        prog="flashdesk", description="Offline spaced-repetition flashcards (SM-2).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"flashdesk {__version__}")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder holding the profiles (default: $FLASHDESK_HOME or the "
                             "user data folder)")
    parser.add_argument("--profile", default=DEFAULT_PROFILE,
                        help="profile name: one plain folder name inside the data folder "
                             "(default: %(default)s)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    p = sub.add_parser("decks", help="list decks with today's counts")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("deck", help="create, rename, move or delete a deck",
                       description="Create, rename, move or delete a deck. A deck keeps its id "
                                   "when it is renamed or moved, so re-importing its file still "
                                   "updates it.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("create", help="a new, empty deck (Parent::Child makes a sub-deck)")
    a.add_argument("name")
    a = actions.add_parser("rename", help="give a deck a new name; its sub-decks follow")
    a.add_argument("deck", help="deck id or name")
    a.add_argument("name", help="the new full name (Parent::Child moves it under Parent)")
    a = actions.add_parser("move", help="put a deck under another deck, or at the top")
    a.add_argument("deck", help="deck id or name")
    where = a.add_mutually_exclusive_group(required=True)
    where.add_argument("parent", nargs="?", help="the deck to put it under (id or name)")
    where.add_argument("--top", action="store_true", help="make it a top-level deck")
    a = actions.add_parser("delete", help="delete a deck with its sub-decks, notes and cards",
                           description="Delete a deck with its sub-decks, notes and cards; their "
                                       "progress goes too. A backup is made first.")
    a.add_argument("deck", help="deck id or name")
    a.add_argument("--yes", action="store_true", help="do not ask first")

    p = sub.add_parser("import", help="import deck files, spreadsheets (CSV/TSV) or Anki packages",
                       description="Import .toml deck files, .csv/.tsv/.txt spreadsheets and Anki "
                                   ".apkg packages. Notes already in the collection are matched by "
                                   "id, whatever their deck, and updated in place, keeping their "
                                   "progress.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--deck", metavar="NAME",
                   help="deck for notes whose file names none (a CSV without a deck column)")
    p.add_argument("--prune", action="store_true",
                   help="remove notes that are no longer in the file, after saying which and "
                        "asking (their history stays in the log; when any has progress, a "
                        "backup is made first)")
    p.add_argument("--yes", action="store_true",
                   help="with --prune: do not ask first (the report still names what went)")
    p.add_argument("--with-scheduling", action="store_true",
                   help="keep the progress an Anki package carries (interval, ease, due date) "
                        "for cards not yet studied in flashdesk")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("export", help="write a deck to a deck file, a CSV or an Anki package")
    p.add_argument("deck", nargs="?", help="deck id or name (with its sub-decks)")
    p.add_argument("--format", choices=["toml", "csv", "apkg", "backup"], default="toml",
                   help="toml: flashdesk deck file(s); csv: spreadsheet; apkg: Anki package; "
                        "backup: the whole profile as a zip (no DECK)")
    p.add_argument("-o", "--output", required=True, metavar="PATH",
                   help="file to write (a folder for a toml export of several decks)")

    p = sub.add_parser("validate", help="check deck files without importing them")
    p.add_argument("paths", nargs="+", metavar="PATH")

    p = sub.add_parser("review", help="study in the terminal",
                       description="Study today's cards. Enter shows the answer; 1-4 grade "
                                   "(0-5 in six-grade mode); u undoes; q quits. Reads standard "
                                   "input, so answers can be piped in.")
    p.add_argument("deck", nargs="?", help="deck id or name (default: every deck)")
    p.add_argument("--seed", type=_whole(0, 2**63 - 1), help=argparse.SUPPRESS)
    g = p.add_argument_group("custom study (drills never change your schedule)")
    g.add_argument("--ahead", type=_whole(1, CUSTOM_DAYS_MAX), metavar="N",
                   help="review cards due in the next N days (counts as real reviews)")
    g.add_argument("--extra-new", type=_whole(1, EXTRA_NEW_MAX), metavar="N",
                   help="take N more new cards today")
    g.add_argument("--forgotten", type=_whole(1, CUSTOM_DAYS_MAX), metavar="N",
                   help="drill cards you answered Again in the last N days")
    g.add_argument("--tag", metavar="TAG",
                   help="drill the cards of one tag (a tag no note of the deck carries is "
                        "refused, naming the tags close to it)")
    g.add_argument("--leeches", action="store_true", help="drill the leeches")
    g.add_argument("--cram", action="store_true",
                   help="drill every card of the deck (or of --tag) once more")

    p = sub.add_parser("exam", help="set or show a deck's exam date and its plan",
                       description="An exam date brings new cards in early enough to review "
                                   "each twice before the exam, and pulls reviews due after it "
                                   "into its final days. SM-2 itself is unchanged.")
    p.add_argument("deck", help="deck id or name (its sub-decks share the date)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="the exam's date")
    g.add_argument("--clear", action="store_true", help="remove the exam date")

    p = sub.add_parser("stats", help="counts, retention and the due forecast")
    p.add_argument("--deck", help="deck id or name (default: every deck)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("limits", help="show or change a deck's daily limits")
    p.add_argument("deck", help="deck id or name")
    p.add_argument("--new", type=_whole(0, LIMIT_MAX), metavar="N", help="new cards per day")
    p.add_argument("--review", type=_whole(0, LIMIT_MAX), metavar="N", help="reviews per day")

    p = sub.add_parser("grades", help="answer with four buttons or six grades")
    p.add_argument("mode", type=int, choices=[4, 6])

    p = sub.add_parser("report", help="write a progress report (PDF or CSV) for a date range",
                       description="A progress report for portfolio evidence: study days, "
                                   "reviews, cards learned, retention and mastery per topic. "
                                   f"Without dates it covers the last {REPORT_DAYS} days, today "
                                   "included, as the window's report dialog does.")
    p.add_argument("--from", dest="start", type=_date, metavar="DATE",
                   help=f"first day, YYYY-MM-DD (default: {REPORT_DAYS} days ending on --to)")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE",
                   help="last day, YYYY-MM-DD (default: today)")
    p.add_argument("-o", "--output", required=True, metavar="PATH", help="report.pdf or report.csv")
    p.add_argument("--name", help="learner name to print (saved for next time)")

    p = sub.add_parser("check", help="check the collection and that card states match the log")
    p.add_argument("--repair", action="store_true",
                   help="rebuild cached card states from the review log")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("backup", help="back up the collection now (or list backups)",
                       description="Back up now. flashdesk also backs up when it closes, at most "
                                   "once a day, keeping the last 10 backups and one a week for "
                                   "8 weeks; --keep and --weeks change that.")
    p.add_argument("--list", action="store_true", help="list the backups, newest first")
    p.add_argument("--keep", type=_whole(*KEEP_RANGE), metavar="N",
                   help="keep the last N backups (saved)")
    p.add_argument("--weeks", type=_whole(*WEEKS_RANGE), metavar="N",
                   help="also keep one backup a week for N weeks (saved)")

    p = sub.add_parser("restore", help="put a backup in place of the collection",
                       description="Restore the latest backup, or the one named. The current "
                                   "collection file is kept beside it, renamed, never overwritten.")
    p.add_argument("backup", nargs="?", help="a backup file (default: the latest)")

    _sync_parsers(sub)
    sub.add_parser("gui", help="open the flashdesk window (the default)")
    return parser


def _open(args) -> Collection:
    """The profile's collection, under its shared lock; what opening did
    about an earlier crash is said on standard error."""
    col = Collection.open(profile_path(data_dir(args.data_dir), args.profile))
    for notice in col.notices:
        print(f"flashdesk: {notice}", file=sys.stderr)
    return col


def cmd_decks(col: Collection, args, out) -> int:
    rows = col.decks.summaries(now())
    if args.json:
        out(json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False))
        return 0
    width = max([len(r.id) for r in rows] + [2])
    names = ["  " * r.depth + r.short_name for r in rows]
    nwidth = max([len(n) for n in names] + [4])
    out(f"{'ID':<{width}}  {'DECK':<{nwidth}}  {'NEW':>4}  {'LEARN':>5}  {'DUE':>4}  {'TOTAL':>5}")
    for r, name in zip(rows, names):
        out(f"{r.id:<{width}}  {name:<{nwidth}}  {r.new:>4}  {r.learning:>5}  {r.due:>4}  {r.total:>5}")
    return 0


def cmd_deck(col: Collection, args, out, read: Callable[[str], str]) -> int:
    """``flashdesk deck create|rename|move|delete``."""
    if args.action == "create":
        created = col.decks.create(args.name, now())
        out(f"Created the deck “{col.decks.name(created.deck_id)}” ({created.deck_id}).")
        return 0
    deck = col.decks.find(args.deck)
    old = col.decks.name(deck)
    if args.action in ("rename", "move"):
        if args.action == "rename":
            col.decks.rename(deck, args.name, now())
        else:
            col.decks.move(deck, None if args.top else col.decks.find(args.parent), now())
        out(f"“{old}” is now “{col.decks.name(deck)}” (its id stays {deck}).")
        return 0
    contents = col.decks.contents(deck)
    what = (f"“{old}”" + (f" with {plural(contents.decks - 1, 'sub-deck')}"
                          if contents.decks > 1 else "")
            + f": {plural(contents.cards, 'card')} ({contents.studied} studied)")
    if not args.yes:
        try:
            answer = read(f"Delete {what}? Their progress goes too. [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            out("Nothing was deleted.")
            return 1
    if contents.cards and col.path is not None:
        out(f"Backed up first to {col.files.backup(now())}")
    col.decks.delete(deck, now())
    out(f"Deleted {what}.")
    return 0


def cmd_import(col: Collection, args, out, read: Callable[[str], str]) -> int:
    """``flashdesk import``; with ``--prune``, the notes it would remove are
    named first and the learner asked (``--yes``: not asked)."""
    prune: bool | frozenset[str] = args.prune
    if args.prune and not args.yes:  # only what the learner agreed to goes
        agreed = _prune_agreed(col, args, out, read)
        if agreed is None:
            return 1
        prune = agreed
    reports = col.files.import_files(args.paths, deck_name=args.deck, prune=prune,
                                     with_scheduling=args.with_scheduling, now=now())
    if args.json:
        out(json.dumps([r.to_dict() for r in reports] + [f.to_dict() for f in reports.files],
                       indent=2, ensure_ascii=False))
        return 0
    files = {f.path: f for f in reports.files}
    for i, r in enumerate(reports):
        for message in r.messages:
            out(message)
        out(f"{r.path}: {deck_path(r.deck_name)} ({r.deck_id}): {r.added} added, {r.updated} updated, "
            f"{r.unchanged} unchanged, {len(r.missing)} missing"
            + (f", {r.moved} moved here" if r.moved else "")
            + (f", {r.removed} removed" if r.removed else "")
            + (f", {len(r.skipped)} skipped" if r.skipped else "")
            + (f", {r.progress} with Anki progress" if r.progress else "")
            + (f", {r.sanitised} removed by the sanitiser" if r.sanitised else ""))
        for note in r.missing_named():
            out(f"  missing from the file (kept, with its progress): {note}")
        for line in r.skipped:
            out(f"  {line}")
        last_of_file = i + 1 == len(reports) or reports[i + 1].path != r.path
        whole = files.pop(r.path, None) if last_of_file else None
        if whole is not None:  # what belongs to none of the file's decks, under the file
            out(f"{whole.path}, not under one deck: "
                + ", ".join(part for part in (
                    f"{len(whole.skipped)} skipped" if whole.skipped else "",
                    f"{whole.sanitised} removed by the sanitiser" if whole.sanitised else "")
                    if part))
            for line in whole.skipped:
                out(f"  {line}")
    return 0


def _prune_agreed(col: Collection, args, out, read: Callable[[str], str]
                  ) -> frozenset[str] | None:
    """The notes ``--prune`` may remove: none when it would remove nothing;
    else it says what would go (the window's words) and asks, and those are
    the notes agreed to, or None (a refusal, or no answer: import nothing).
    With ``--json`` nothing is asked (the output is for a program):
    ``--yes`` is needed."""
    plan = col.files.prune_plan(args.paths, deck_name=args.deck)
    if not plan:
        return frozenset()
    question, details = prune_question(plan, {d: col.decks.name(DeckId(d)) for d in plan.decks},
                                       [Path(p).name for p in args.paths])
    if args.json:
        raise FlashdeskError(f"--prune would remove {plural(len(plan.notes), 'note')} no "
                             f"longer in the file ({plural(plan.studied, 'studied card')} "
                             "among their cards); with --json, add --yes to remove them. "
                             "Nothing was imported")
    out(details)
    try:
        answer = read(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() in ("y", "yes"):
        return frozenset(n.note_id for n in plan.notes)
    out("Nothing was imported. Import without --prune to keep "
        f"{'it' if len(plan.notes) == 1 else 'them'}.")
    return None


def cmd_export(col: Collection, args, out) -> int:
    if args.format == "backup":
        if args.deck:
            raise FlashdeskError("a backup holds the whole profile: leave out DECK")
        out(f"Wrote {shown_path(col.files.archive(args.output))}")
        return 0
    if not args.deck:
        raise FlashdeskError("name the deck to export (see `flashdesk decks`)")
    for path in col.files.export(col.decks.find(args.deck), args.format, args.output):
        out(f"Wrote {shown_path(path)}")
    return 0


def cmd_validate(args, out) -> int:
    status = 0
    for path in args.paths:
        try:
            result = read_any(path)
        except DeckFileError as exc:
            status = 1
            for problem in exc.problems:
                out(str(problem))
            continue
        for line in result.skipped:
            status = 1
            out(line)
        for deck in result.decks:
            cards = sum(len(card_ords(n.kind, n.fields)) for n in deck.notes)
            out(f"{deck.path}: ok – {deck.name}" + (f" ({deck.id})" if deck.id else "")
                + f", {plural(len(deck.notes), 'note')}, {plural(cards, 'card')}")
    return status


def cmd_stats(col: Collection, args, out) -> int:
    deck = col.decks.find(args.deck) if args.deck else None
    s = col.reports.stats(now(), deck)
    if args.json:
        exams = [col.decks.exam_plan(d, now()) for d in
                 ([deck] if deck else [r.id for r in col.decks.summaries(now()) if r.exam])]
        plans = [p.to_dict() for p in exams if p is not None]
        out(json.dumps({**s.to_dict(), **col.reports.statistics(now(), deck).to_dict(),
                        "exam": (plans[0] if plans else None) if deck else plans}, indent=2,
                       ensure_ascii=False))
        return 0
    out(f"Cards: {s.total} – new {s.new}, learning {s.learning}, review {s.review}, "
        f"suspended {s.suspended}, buried {s.buried}; leeches {s.leeches}")
    out(f"Reviews today: {s.reviews_today}")
    out("Retention, last 30 days: "
        + ("no reviews yet" if s.retention_30d is None else f"{s.retention_30d:.0%}"))
    out("Due, next 14 days (today first): " + " ".join(str(n) for n in s.forecast))
    return 0


def cmd_limits(col: Collection, args, out) -> int:
    deck = col.decks.find(args.deck)
    if args.new is not None or args.review is not None:
        col.decks.set_limits(deck, new_limit=args.new, review_limit=args.review)
    row = next(r for r in col.decks.summaries(now()) if r.id == deck)
    out(f"{deck_path(row.name)}: {row.new_limit} new and {plural(row.review_limit, 'review')} "
        "a day")
    return 0


def cmd_report(col: Collection, args, out) -> int:
    path = check_output(args.output)  # before anything is saved or worked out
    if path.suffix.lower() not in (".pdf", ".csv"):
        raise FlashdeskError(f"cannot write {shown_path(path)}: the report file must end in .pdf or .csv. "
                             "Nothing was written.")
    if args.name is not None:
        col.set_setting("learner_name", args.name.strip())
    start, end = report_period(now().date(), args.start, args.end)
    report = col.reports.progress_report(start, end, now())
    if path.suffix.lower() == ".csv":
        from .formats.report import write_report_csv

        write_report_csv(report, path)
    elif path.suffix.lower() == ".pdf":
        try:
            from .ui.report import write_report_pdf
        except ImportError as exc:
            raise FlashdeskError(f"a PDF report needs the Qt libraries ({exc}); "
                                 "write a .csv instead") from None
        write_report_pdf(report, path)
    out(f"Wrote {shown_path(path)}")
    return 0


def cmd_check(col: Collection, args, out) -> int:
    report = col.reports.check(now(), repair=args.repair)
    if args.json:
        out(json.dumps(report.to_dict(), indent=2))
    else:
        out(f"Integrity: {', '.join(report.integrity)}")
        out(f"Cards: {report.cards}; review log entries: {report.log_entries}")
        if report.mismatches:
            n = len(report.mismatches)
            out(f"{plural(n, 'card')} {'differs from its' if n == 1 else 'differ from their'} "
                "review log:")
            for card, fields in report.mismatches[:20]:
                out(f"  {card}: {', '.join(fields)}")
            out("Repaired from the log." if report.repaired else
                "Run `flashdesk check --repair` to rebuild them from the log.")
        else:
            out("Every card's state matches its review log.")
    return 0 if report.ok or report.repaired and report.integrity == ("ok",) else 1


def cmd_backup(col: Collection, args, out) -> int:
    for key, value in (("backup_keep", args.keep), ("backup_weeks", args.weeks)):
        if value is not None:  # in range: the parser saw to it
            col.set_setting(key, value)
    if args.keep is not None or args.weeks is not None:
        out(f"Backups kept: the last {col.setting('backup_keep', 10)}, and one a week for "
            f"{plural(col.setting('backup_weeks', 8), 'week')}.")
    if args.list:
        backups = list_backups(col.path) if col.path else []
        for b in backups:
            out(f"{b.label}  {b.path}")
        if not backups:
            out("No backups yet.")
        return 0
    out(f"Backed up to {col.files.backup(now())}")
    return 0


def cmd_restore(args, out) -> int:
    """Restore the named backup, or the newest sound one (damaged backups
    are skipped and named)."""
    path = profile_path(data_dir(args.data_dir), args.profile)
    told: list[str] = []  # said once the restore is sure to start (never before a refusal)
    if args.backup:
        chosen = Path(args.backup)
    else:
        backups = list_backups(path)
        if not backups:
            raise FlashdeskError(f"no backups in {backups_dir(path)}; nothing was changed")
        from .store.database import check_backup

        for b in backups:
            problem = check_backup(b.path)
            if problem is None:
                chosen = b.path
                told.append(f"Restoring the newest good backup, {b.path.name} (taken {b.label}).")
                break
            told.append(f"Skipped {b.path.name} (taken {b.label}): {problem}.")
        else:
            for line in told:
                out(line)
            raise FlashdeskError(f"none of the backups in {backups_dir(path)} is sound; "
                                 "nothing was changed")

    def announce() -> None:
        for line in told:
            out(line)

    kept = restore(path, chosen, now(), announce=announce)
    out(f"Restored {chosen}.")
    if kept:
        out(f"The previous collection is kept as {kept}.")
    return 0


def cmd_grades(col: Collection, args, out) -> int:
    col.set_grade_mode(GradeMode(args.mode))
    out("Answer with four buttons: 1 Again, 2 Hard, 3 Good, 4 Easy" if args.mode == 4
        else "Answer with six grades, 0 (blackout) to 5 (perfect)")
    return 0


class _Quit(Exception):
    pass


class _Moved(Exception):
    """An undo, bury or suspend at a prompt: the card that was up has gone."""


#: the terminal's one-letter lines and the session's keys they stand for
_LETTERS = {letter: key for letter, key, _what in TERMINAL_KEYS}


class TerminalReview:
    """The terminal renderer of a study session (``flashdesk.review``): it
    prints what the session shows and passes the learner's lines in. Works on
    a line-based terminal or a pipe. At every prompt ``u`` undoes, ``@``
    suspends, ``-`` buries and ``q`` quits (``TERMINAL_KEYS``)."""

    def __init__(self, col: Collection, deck, read: Callable[[str], str], out,
                 rng: random.Random, custom: CustomStudy | None = None):
        self.session = ReviewSession(col, deck, custom=custom, clock=now, rng=rng)
        self.read, self.out = read, out

    def ask(self, prompt: str) -> str:
        """A line from the learner; the letters of ``TERMINAL_KEYS`` act at once
        (``_Moved`` when the card that was up has gone, ``_Quit`` for q)."""
        while True:
            try:
                text = self.read(prompt)
            except EOFError:
                raise _Quit from None
            letter = _LETTERS.get(text.strip().lower())
            if letter is None:
                return text.strip()
            action, _value = self.session.key_action(letter)
            if action == Action.LEAVE:
                raise _Quit
            if self.act(action):
                raise _Moved

    def act(self, action: Action) -> bool:
        """Undo, suspend or bury; True when the card that was up has gone."""
        s = self.session
        if action == Action.UNDO:
            try:
                result = s.undo()
            except UndoRefused as exc:
                self.out(sentence(str(exc)))
                return False
            s.notice = None
            self.out("Undone: the last card comes back." if result.name == "Answer"
                     else f"Undone: {result.name.lower()}.")
            return True
        if action in (Action.SUSPEND, Action.BURY):
            told = s.suspend() if action == Action.SUSPEND else s.bury()
            self.out((told or "").replace("Ctrl+Z", "u"))
            s.notice = None
            return True
        return False

    def run(self) -> int:
        s = self.session
        self.out("Enter shows the answer; then grade. ↻ marks a card that comes back "
                 "again this session. At any prompt: "
                 + ", ".join(f"{key} {what}" for key, _same, what in TERMINAL_KEYS) + ".")
        try:
            s.start()
            if s.custom is not None:
                self.out(f"Custom study: {s.custom.describe()}"
                         + (" – a drill: your schedule stays as it is." if s.custom.drill
                            else "."))
            if s.exam_line():
                self.out(s.exam_line() + ".")
            while s.stage != Stage.DONE:
                self.show()
        except _Quit:
            self.out("Stopped. Your answers so far are saved.")
        else:
            self.out("Nothing more to study today. Well done!" if s.tally.answers
                     else s.nothing_found() or "Nothing to study right now.")
        if s.tally.studied:
            summary = s.summary()
            self.out(f"Studied {plural(summary.studied, 'card')}, {summary.correct} right "
                     f"({percent(summary.correct, summary.studied)}), in "
                     f"{summary.seconds / 60:.1f} min.")
        return 0

    def show(self) -> None:
        s = self.session
        s.catch_up()  # a window or another terminal may have changed the collection
        if s.stage == Stage.DONE:
            return
        card, counts = s.card, s.counts
        assert card is not None
        self.out("")
        again = again_caption(card, drill=s.custom is not None and s.custom.drill)
        self.out(f"── {deck_path(card.deck_name)} · new {counts.new} · learning "
                 f"{counts.learning} · due {counts.review}" + (f" · {again}" if again else ""))
        try:
            self.question(card)
            self.grade()
        except _Moved:
            return
        if s.notice:
            self.out(s.notice)

    def question(self, card) -> None:
        """Show the question, take the learner's attempt, show the answer."""
        s, f, out = self.session, card.fields, self.out
        if card.kind == Kind.BASIC:
            front, back = (f["front"], f["back"]) if card.ord == 0 else (f["back"], f["front"])
            out(terminal_text(front))
            self.ask("[Enter] show answer, u undo, q quit > ")
            s.reveal()
            out("→ " + terminal_text(back))
            if f.get("extra"):
                out("  " + terminal_text(f["extra"]))
        elif card.kind == Kind.CLOZE:
            out(terminal_text(cloze_question(f["text"], card.ord)))
            self.ask("[Enter] show answer, u undo, q quit > ")
            s.reveal()
            out("→ " + terminal_text(cloze_answer(f["text"], card.ord, lambda t: f"[{t}]")))
            if f.get("extra"):
                out("  " + terminal_text(f["extra"]))
        elif card.kind == Kind.CHOICE:
            out(terminal_text(f["question"]))
            for shown, original in enumerate(s.option_order, 1):
                out(f"  {shown}. {terminal_text(f['options'][original])}")
            count = len(s.option_order)
            while True:
                text = self.ask(f"Your choice [1-{count}], u undo, q quit > ")
                choice = s.choose(int(text)) if text.isdecimal() else None
                if choice is not None:
                    break
                out(f"Type a number from 1 to {count}.")
            out(("✓ Right: " if choice.correct else f"✗ Not {text}. The answer is ")
                + f"{choice.right_shown}. {terminal_text(f['options'][choice.right])}")
            if f.get("explanation"):
                out("  " + terminal_text(f["explanation"]))
        elif card.kind == Kind.ORDER:
            items = list(f["items"])
            out(terminal_text(f["prompt"]))
            for i, index in enumerate(s.item_order, 1):
                out(f"  {i}. {terminal_text(items[index])}")
            while True:
                text = self.ask("Type the numbers in the right order (e.g. 2 1 3), u undo, "
                                "q quit > ")
                picks = [int(t) for t in text.replace(",", " ").split() if t.isdecimal()]
                if sorted(picks) == list(range(1, len(items) + 1)):
                    break
                out(f"Use each number from 1 to {len(items)} once.")
            attempt = [s.item_order[i - 1] for i in picks]
            check = s.check_order(attempt)
            assert check is not None
            out("Right order:" if check.mistakes else "✓ All in the right order:")
            for i, (item, ok) in enumerate(zip(items, check.correct), 1):
                out(f"  {i}. {terminal_text(item)}" + ("" if ok else
                                                     f"   ✗ you put {terminal_text(items[attempt[i - 1]])}"))
            if f.get("explanation"):
                out("  " + terminal_text(f["explanation"]))
        elif card.kind == Kind.TYPED:
            out(terminal_text(f["prompt"]))
            text = self.ask("Type the answer, then Enter > ")
            typed = s.type_answer(text)
            assert typed is not None
            marks = {"same": "{}", "wrong": "[-{}-]", "missing": "{{+{}+}}"}
            out(("✓ " if typed.right else "✗ ") + "Answer: " + typed.expected)
            if not typed.right:
                out("  yours: " + "".join(marks[what].format(part) for what, part in typed.diff)
                    + "   ([-typed, not in the answer-]  {+missing+})")
                if typed.missing_terms:
                    out("  key terms to get exactly right: " + ", ".join(typed.missing_terms))
            if f.get("explanation"):
                out("  " + terminal_text(f["explanation"]))
        else:  # scenario
            out(terminal_text(f["prompt"]))
            self.ask("Your answer (one line, optional), then Enter > ")
            s.reveal()
            out("Model answer: " + terminal_text(f["model_answer"]))
            out("Marking points:")
            points = f["marking_points"]
            for i, point in enumerate(points, 1):
                out(f"  {i}. {terminal_text(point)}")
            while True:
                text = self.ask("Which points did you make? numbers, e.g. 1 3 (Enter for none) > ")
                hits = {int(t) for t in text.replace(",", " ").split() if t.isdecimal()}
                if hits <= set(range(1, len(points) + 1)):
                    break
                out(f"Use numbers from 1 to {len(points)}.")
            s.mark_points(len(hits))
            if f.get("explanation"):
                out("  " + terminal_text(f["explanation"]))

    def grade(self) -> None:
        """Take a grade (Enter: the suggested one) or an undo."""
        s = self.session
        assert s.step is not None
        buttons = s.buttons
        keys = "  ".join(f"{b.key} {b.label} ({format_preview(s.step.previews[b.grade])})"
                         for b in buttons)
        default = next(b.key for b in buttons if b.grade == s.default_grade())
        hint = f" [Enter = {default}]" if s.suggested is not None else ""
        while True:
            text = self.ask(f"{keys}  u undo{hint} > ")
            grade = (s.default_grade() if text == "" and s.suggested is not None
                     else s.grade_for_key(int(text)) if text.isdecimal() else None)
            if grade is not None:
                s.answer(grade)
                return
            first, last = buttons[0].key, buttons[-1].key
            self.out(f"Type {first}-{last} to grade, u to undo, q to quit.")


def _custom(args) -> CustomStudy | None:
    chosen = [name for name in ("ahead", "forgotten", "tag", "leeches", "cram")
              if getattr(args, name) not in (None, False)]
    if len(chosen) > 1 and set(chosen) != {"cram", "tag"}:
        raise FlashdeskError("choose one kind of custom study (--cram may go with --tag)")
    if args.cram:
        return CustomStudy(CustomKind.CRAM, tag=args.tag)
    if args.ahead is not None:
        return CustomStudy(CustomKind.AHEAD, days=args.ahead)
    if args.forgotten is not None:
        return CustomStudy(CustomKind.FORGOTTEN, days=args.forgotten)
    if args.tag:
        return CustomStudy(CustomKind.TAG, tag=args.tag)
    if args.leeches:
        return CustomStudy(CustomKind.LEECHES)
    return None


def cmd_review(col: Collection, args, out, read) -> int:
    deck = col.decks.find(args.deck) if args.deck else None
    if args.tag is not None:  # a tag no note carries is a typo, as a deck no one has is
        args.tag = col.notes.find_tag(args.tag, deck)
    if args.extra_new is not None:
        if deck is None:
            raise FlashdeskError("--extra-new needs a deck")
        col.study.extra_new(deck, args.extra_new, now())
        out(f"{plural(args.extra_new, 'more new card')} today in "
            f"{deck_path(col.decks.name(deck))}.")
    return TerminalReview(col, deck, read, out, random.Random(args.seed), _custom(args)).run()


def cmd_exam(col: Collection, args, out) -> int:
    deck = col.decks.find(args.deck)
    if args.clear:
        col.decks.set_exam(deck, None, now())
        out(f"No exam date for {deck_path(col.decks.name(deck))} any more.")
        return 0
    if args.date is not None:
        col.decks.set_exam(deck, args.date, now())
    plan = col.decks.exam_plan(deck, now())
    if plan is None:
        out(f"{deck_path(col.decks.name(deck))} has no exam date (set one with --date YYYY-MM-DD).")
        return 0
    out(f"{deck_path(col.decks.name(deck))}: exam on {plan.date:%A %d %B %Y}, "
        f"{plural(plan.days_left, 'day')} from today.")
    if plan.new_left:
        by = plan.date - timedelta(days=LAST_NEW_DAYS)
        out(f"New cards: at least {plan.new_per_day} a day (more if the deck's own limit is "
            f"higher) brings the {plan.new_left} still new in by {by:%A %d %B %Y}.")
    out(f"On track: {plan.on_track:.0%} of {plural(plan.cards, 'card')} (studied, and due again "
        "before the exam or seen in its final days).")
    return 0


# -- merging devices, and the class view (issue 19) -------------------------------------


def _sync_parsers(sub) -> None:
    p = sub.add_parser(
        "sync", help="merge this profile with your other devices through a sync folder",
        description="Merge answers and edits with your other devices through a folder your "
                    "sync program keeps in step (Syncthing, Nextcloud, Dropbox, OneDrive, or a "
                    "USB stick). Each device writes its own files there; flashdesk never puts "
                    "the collection itself in it. Once a folder is set, every command (and "
                    "the window) merges when it opens and when it is done.")
    p.add_argument("--folder", metavar="PATH",
                   help="the sync folder for this profile (saved), then merge now")
    p.add_argument("--off", action="store_true",
                   help="stop syncing this profile (files already in the folder stay)")
    p.add_argument("--conflicts", action="store_true",
                   help="list fields two devices changed at once, with the text kept in history")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser(
        "class", help="share a progress summary with your tutor, or see your class's",
        description="Learners may share a summary of their progress (per deck and tag: cards, "
                    "studied, mastered, retention, last studied; the weakest cards' questions; "
                    "no answers) as a file in a class folder their tutor syncs too. Tutors "
                    "read every learner's summary in that folder.")
    actions = p.add_subparsers(dest="class_command", metavar="ACTION", required=True)
    a = actions.add_parser("share", help="share your progress summary (opt in; kept up to date)")
    a.add_argument("--folder", required=True, metavar="PATH", help="the class folder")
    a.add_argument("--name", required=True, help="the name your tutor will see")
    a.add_argument("--deck", action="append", metavar="DECK",
                   help="share only this deck (with its sub-decks); repeat for more")
    actions.add_parser("stop", help="stop sharing: your summary is deleted from the class folder")
    a = actions.add_parser("show", help="a tutor's view of a class folder")
    a.add_argument("folder", metavar="PATH", help="the class folder")
    a.add_argument("--csv", metavar="PATH", help="also write the grid and lists as CSV")
    a.add_argument("--pdf", metavar="PATH", help="also write them as a PDF")
    a.add_argument("--json", action="store_true", help="print JSON")


def _merge_quietly(col: Collection, args) -> None:
    """Merge with the sync folder, if one is set; a folder out of reach is
    said in one line on standard error and the command goes on."""
    from .sync import sync
    from .sync.classroom import write_summary

    try:
        report = sync(col, now())
        write_summary(col, now())
    except FlashdeskError as exc:
        print(terminal_safe(f"flashdesk: not merged with your other devices: {exc}"),
              file=sys.stderr)
        return
    if report is not None and report.brought:
        print(terminal_safe(f"flashdesk: merged {report.summary()}"), file=sys.stderr)


def cmd_sync(col: Collection, args, out) -> int:
    from .sync import conflicts, set_sync_folder, sync, sync_folder
    from .sync.classroom import write_summary

    if args.off:
        set_sync_folder(col, None)
        out("This profile is no longer synced (the files in the folder stay).")
        return 0
    if args.conflicts:
        found = conflicts(col)
        if args.json:
            out(json.dumps([c.to_dict() for c in found], indent=2, ensure_ascii=False))
            return 0
        for c in found:
            when = datetime.fromtimestamp(c.other_ms / 1000).astimezone()
            out(f"{c.entity} {c.eid}, {field_label(c.field)}: shows {json.dumps(c.kept, ensure_ascii=False)}; "
                f"kept in history from {c.other_device} ({when:%Y-%m-%d %H:%M}): "
                f"{json.dumps(c.other, ensure_ascii=False)}")
        if not found:
            out("No concurrent edits: nothing is waiting in history.")
        return 0
    if args.folder:
        set_sync_folder(col, args.folder)
    elif sync_folder(col) is None:
        raise FlashdeskError("no sync folder yet: choose one with `flashdesk sync --folder PATH`")
    report = sync(col, now())
    assert report is not None
    write_summary(col, now())
    if args.json:
        out(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return 0
    out(f"Synced with {report.folder}: {report.summary()}.")
    out(f"Sent {report.sent_entries} log entr{'ies' if report.sent_entries != 1 else 'y'} and "
        f"{report.sent_changes} field change{'s' if report.sent_changes != 1 else ''}"
        f" in {report.written} file{'s' if report.written != 1 else ''}.")
    for line in report.damaged:
        out(f"  damaged, not merged: {line}")
    for c in report.conflicts:
        out(f"  both kept: {c.entity} {c.eid}, {field_label(c.field)} shows "
            f"{json.dumps(c.kept, ensure_ascii=False)}; {c.other_device}'s "
            f"{json.dumps(c.other, ensure_ascii=False)} is in history (flashdesk sync --conflicts)")
    return 0


def cmd_class(col: Collection, args, out) -> int:
    from .sync.classroom import share, stop_sharing

    if args.class_command == "share":
        decks = [col.decks.find(d) for d in args.deck] if args.deck else None
        path = share(col, args.folder, args.name, decks, now())
        out(f"Sharing your progress summary as {args.name.strip()} in {path} "
            "(updated each time flashdesk merges; `flashdesk class stop` deletes it).")
        return 0
    if args.class_command == "stop":
        removed = stop_sharing(col)
        out(f"Stopped sharing; deleted {removed}." if removed else "You were not sharing anything.")
        return 0
    return cmd_class_show(args, out)


def cmd_class_show(args, out) -> int:
    """``flashdesk class show FOLDER``: the tutor's view of a class folder. It
    reads only the folder: no profile is opened (a tutor may have none)."""
    from .sync.class_report import class_tables, write_class_csv
    from .sync.classroom import read_class

    view = read_class(args.folder)
    today = now().date()

    if args.json:
        out(json.dumps({"learners": [
            {"name": s.name, "last_studied": s.last_studied.isoformat() if s.last_studied else None,
             "topics": [{"topic": t.topic, "kind": t.kind, "cards": t.cards, "learned": t.learned,
                         "mastered": t.mastered, "retention": t.retention,
                         "last_studied": t.last_studied.isoformat() if t.last_studied else None}
                        for t in s.topics.values()]} for s in view.learners],
            "hardest": [{"card": h.card, "deck": h.deck, "prompt": h.prompt,
                         "learners": list(h.learners), "lapses": h.lapses}
                        for h in view.hardest()],
            "inactive": [s.name for s in view.inactive(today)],
            "unreadable": view.unreadable}, indent=2, ensure_ascii=False))
    else:
        for table in class_tables(view, today, None):
            out(f"{table.title}:")
            widths = [max([len(table.header[i])] + [len(r[i]) for r in table.rows])
                      for i in range(len(table.header))]
            for row in (table.header, *table.rows):
                out("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if not table.rows and table.empty:
                out(f"  {table.empty}")
            out("")
    if args.csv:
        out(f"Wrote {shown_path(write_class_csv(view, today, args.csv))}")
    if args.pdf:
        try:
            from .ui.class_view import write_class_pdf
        except ImportError as exc:
            raise FlashdeskError(f"a PDF needs the Qt libraries ({exc}); write a .csv "
                                 "instead") from None
        out(f"Wrote {shown_path(write_class_pdf(view, today, args.pdf))}")
    return 0


def _no_display() -> bool:
    """On Linux and BSD a window needs X11 or Wayland (or an explicit Qt platform)."""
    import os

    return (sys.platform.startswith(("linux", "freebsd", "openbsd"))
            and not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY",
                                                     "QT_QPA_PLATFORM")))


def cmd_gui(args, out) -> int:
    if _no_display():
        out("flashdesk cannot open its window: there is no display here. Study in the "
            "terminal with `flashdesk review`, or see `flashdesk --help`.")
        return 1
    from .ui.startup import platform_problem

    problem = platform_problem()
    if problem:
        out(problem)
        return 1
    try:
        from .ui.app import run
    except ImportError as exc:
        if "PySide6" in str(exc) or "flashdesk.ui" in str(exc):
            out(f"The window cannot start here ({exc}). Study in the terminal with "
                "`flashdesk review`; see `flashdesk --help`.")
            return 1
        raise
    return run(profile_path(data_dir(args.data_dir), args.profile))


def _say(text: object = "", *, err: bool = False, end: str = "\n") -> None:
    """Print one line. Everything the command line prints goes through here,
    made safe for a terminal: deck names, card text and messages quoting a
    file may hold escape sequences or bidi overrides (see ``terminal_safe``)."""
    print(terminal_safe(str(text)), end=end, file=sys.stderr if err else sys.stdout,
          flush=True)


def _input(prompt: str) -> str:
    prompt = terminal_safe(prompt)
    if sys.stdin.isatty():
        return input(prompt)
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        print()
        raise EOFError
    print(terminal_safe(line.rstrip("\n")))
    return line.rstrip("\n")


#: the exit status when the reader of the output went away (128 + SIGPIPE, as a
#: program stopped by the closed pipe would give)
EXIT_CLOSED_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with argv (default: the process's); returns the exit status: 0, 1 for
    a refusal with one message on standard error, 2 for arguments the parser refuses, 75 when
    the collection is busy, 130 when interrupted, 141 when the output's reader went away
    (``flashdesk stats --json | head``: the rest is dropped quietly, whatever was already
    done stays done)."""
    try:
        return _run(build_parser().parse_args(argv))
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_CLOSED_PIPE


def _silence_stdout() -> None:
    """Point standard output at the null device, so that Python's last flush
    at exit does not complain about the closed pipe a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind stdout
        pass


def _run(args: argparse.Namespace) -> int:
    """Carry out the parsed command (see ``main``)."""
    out = _say
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    bad_profile = profile_problem(args.profile)
    if bad_profile:
        _say(f"flashdesk: --profile {args.profile!r}: {bad_profile}. Nothing was changed.",
             err=True)
        return 1
    try:
        if args.command == "validate":
            return cmd_validate(args, out)
        if args.command in (None, "gui"):
            return cmd_gui(args, out)
        if args.command == "restore":
            return cmd_restore(args, out)
        if args.command == "class" and args.class_command == "show":
            return cmd_class_show(args, out)
        with _open(args) as col:
            for line in col.files.take_bundled_report().lines():
                _say(line, err=True)
            if args.command in ("sync", "class"):
                return {"sync": cmd_sync, "class": cmd_class}[args.command](col, args, out)
            _merge_quietly(col, args)  # what the other devices did comes first
            if args.command == "review":
                status = cmd_review(col, args, out, _input)
            elif args.command == "deck":
                status = cmd_deck(col, args, out, _input)
            elif args.command == "import":
                status = cmd_import(col, args, out, _input)
            else:
                status = {"decks": cmd_decks, "export": cmd_export,
                          "stats": cmd_stats,
                          "limits": cmd_limits, "grades": cmd_grades, "check": cmd_check,
                          "report": cmd_report, "exam": cmd_exam,
                          "backup": cmd_backup}[args.command](col, args, out)
            _merge_quietly(col, args)  # and what this command did goes out
            return status
    except DeckFileError as exc:
        for problem in exc.problems:
            _say(problem, err=True)
        _say(f"flashdesk: nothing was imported ({plural(len(exc.problems), 'problem')})",
             err=True)
        return 1
    except FlashdeskError as exc:
        _say(f"flashdesk: {exc}", err=True)
        return 1
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            print(f"flashdesk: {profile_path(data_dir(args.data_dir), args.profile)} could not "
                  f"be used: {exc}. Nothing was lost.", file=sys.stderr)
            return 1
        print("flashdesk: the collection is busy: another flashdesk is writing to it. "
              "Nothing was lost; try again in a moment.", file=sys.stderr)
        return 75
    except sqlite3.DatabaseError as exc:  # found damaged while in use: one message, no backup
        path = profile_path(data_dir(args.data_dir), args.profile)
        message = damage_message(path, exc) if is_damage(exc) else \
            f"{path} could not be used ({exc}). Nothing was changed."
        print(f"flashdesk: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopped. Your answers so far are saved.", file=sys.stderr)
        return 130
