"""Wording both fronts share: interval labels, percentages, card-kind
captions and deck names as people read them. Plain strings, no Qt."""

from __future__ import annotations

import re
from datetime import date, timedelta
from difflib import SequenceMatcher
from typing import Iterable, Mapping, Sequence

from .model import CardView, GradeMode, IntervalPreview, Kind, PrunePlan, Queue, grade_buttons

__all__ = ["format_interval", "format_preview", "percent", "kind_caption", "again_caption", "deck_leaf",
           "deck_label", "deck_path", "plural", "format_day", "format_ease", "answer_name",
           "card_name", "queue_name", "isolate", "sentence", "close_matches", "did_you_mean",
           "quoted_list", "prune_question", "file_size"]

_KIND_CAPTIONS = {
    Kind.BASIC: "Question", Kind.CLOZE: "Fill the gap", Kind.CHOICE: "Multiple choice",
    Kind.ORDER: "Put in order", Kind.SCENARIO: "Scenario", Kind.TYPED: "Type the answer",
}


def format_interval(days: int) -> str:
    """Days as a short human figure: 'today', '1d', '3w', '4mo', '1.5y'."""
    if days <= 0:
        return "today"
    if days < 14:
        return f"{days}d"
    if days < 60:
        return f"{round(days / 7)}w"
    if days < 365:
        return f"{round(days / 30.4)}mo"
    return f"{days / 365:.1f}y".replace(".0y", "y")


def format_preview(preview: IntervalPreview) -> str:
    """'6d', or '1d ↻' when the card also comes back in this session."""
    return format_interval(preview.days) + (" ↻" if preview.again_today else "")


def percent(part: int, whole: int) -> str:
    """'83%' (rounded), or '–' when there is nothing to divide by."""
    return f"{part / whole:.0%}" if whole else "–"


def kind_caption(kind: Kind, ord_: int = 0, *, again: str = "") -> str:
    """The line above a card that says what kind of card it is, and
    ``again``, why it is up a second time today (``again_caption``)."""
    caption = _KIND_CAPTIONS[Kind(kind)]
    if kind == Kind.BASIC and ord_ == 1:
        caption = "Question (reverse)"
    if again:
        caption += f" · {again}"
    return caption


def again_caption(card: CardView, *, drill: bool = False) -> str:
    """Why a card answered earlier today is up again, as its log says (''
    for a card not answered today): a re-drill of a card answered below
    Good today, or – outside a drill, where every answer is practice – a card
    already answered today, whose answer now leaves its schedule as it is."""
    if not card.redrill:
        return ""
    if card.failed_today:
        return "again: answered below Good earlier today"
    return "" if drill else "answered already today: this answer leaves its schedule as it is"


#: explicit direction controls (embeddings, overrides, isolates): inside an
#: isolate they could end it early or reach past it, so they go
_EXPLICIT_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def isolate(text: str) -> str:
    """Text from the learner or a file (a name, a deck, a tag) set among other
    words: wrapped in Unicode's first-strong isolate (U+2068 … U+2069), so a
    right-to-left name keeps its own direction and never reorders the words,
    numbers and dates around it. Direction controls inside it are dropped.
    Terminals get none of these (``terminal_safe`` removes them)."""
    return "\u2068" + _EXPLICIT_BIDI.sub("", text) + "\u2069" if text else ""


def sentence(text: str) -> str:
    """A message from the core ("there is already a deck called …") shown on
    its own: a sentence, with a capital first letter and a full stop. A
    message that starts with a file name or an id ("heat.toml: …") keeps it
    as it is spelt."""
    text = text.strip()
    if not text:
        return text
    if _FIRST_WORD.match(text):
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


#: a first word of lower-case letters only: an ordinary word, not a name
_FIRST_WORD = re.compile(r"[a-z][a-z']*(?=[\s,;]|$)")


def deck_leaf(name: str) -> str:
    """The deck's own name: 'Models' for 'Challenging Customers::Models'."""
    return name.rsplit("::", 1)[-1]


def deck_label(name: str, *, isolated: bool = False) -> str:
    """A deck in one line of running text: its own name, with the decks above
    it as context – 'Models (Challenging Customers)'. ``isolated``: each name
    isolated (``isolate``), so names in right-to-left scripts keep the
    brackets and arrows in place (for screens, not terminals)."""
    parts = [isolate(p) if isolated else p for p in name.split("::")]
    return parts[-1] if len(parts) == 1 else f"{parts[-1]} ({' › '.join(parts[:-1])})"


def deck_path(name: str, *, isolated: bool = False) -> str:
    """A full deck name as people read it: 'Challenging Customers › Models'.
    ``isolated``: each name isolated, as in ``deck_label``."""
    return " › ".join(isolate(p) if isolated else p for p in name.split("::"))


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 card', '3 cards'."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def file_size(size: int) -> str:
    """A file's size as people read it: '812 bytes', '48 KB', '3.2 MB' (1 KB = 1000 bytes)."""
    if size < 1000:
        return plural(size, "byte")
    value, unit = size / 1000, "KB"
    for larger in ("MB", "GB"):
        if value < 999.5:
            break
        value, unit = value / 1000, larger
    return f"{value:.1f} {unit}" if value < 9.95 else f"{value:.0f} {unit}"


_EPOCH = date(1970, 1, 1)


def format_day(day: int) -> str:
    """A study day (days since 1970-01-01) as a date: 'Mon 2 Mar 2026'."""
    when = _EPOCH + timedelta(days=day)
    return f"{when:%a} {when.day} {when:%b %Y}"


def format_ease(hundredths: int) -> str:
    """An E-Factor kept in hundredths: '2.50'."""
    return f"{hundredths / 100:.2f}"


def answer_name(quality: int | None, mode: GradeMode = GradeMode.FOUR_BUTTONS) -> str:
    """An answer as the learner pressed it: the button's name in ``mode``
    ('Good'); with six grades, whose keys are the SM-2 qualities, the quality
    too ('Correct (4)'). A quality only six grades give keeps its number
    whatever the mode."""
    if quality is None:
        return "–"
    name = next((b.label for b in grade_buttons(mode) if int(b.grade) == quality), None)
    if name is not None and mode == GradeMode.FOUR_BUTTONS:
        return name
    if name is None:  # a quality only six-grade mode gives
        name = next(b.label for b in grade_buttons(GradeMode.SIX_GRADES) if int(b.grade) == quality)
    return f"{name} ({quality})"


def card_name(kind: Kind, ord_: int) -> str:
    """Which card of its note a card is: 'Front → back', 'Cloze 2'."""
    if kind == Kind.BASIC:
        return "Back → front (reverse)" if ord_ == 1 else "Front → back"
    if kind == Kind.CLOZE:
        return f"Cloze {ord_}"
    return "The card"


_QUEUE_NAMES = {Queue.NEW: "New", Queue.LEARNING: "Learning (comes back today)",
                Queue.REVIEW: "Review", Queue.SUSPENDED: "Suspended",
                Queue.BURIED: "Buried until tomorrow"}


def queue_name(queue: Queue) -> str:
    """Where a card sits today, in words."""
    return _QUEUE_NAMES[Queue(queue)]


#: how alike (difflib's ratio, 0–1) a name must be to another to be offered
#: as what was meant
_CLOSE = 0.6


def close_matches(wanted: str, names: Iterable[str], *, limit: int = 3) -> list[str]:
    """The names of ``names`` closest to ``wanted``, without regard to case,
    best first: at most ``limit``, each at least 60% alike (difflib's ratio),
    or one that starts with ``wanted`` or holds it; ``[]`` when none is close.
    For "did you mean" after a typo in a tag or deck name."""
    key = wanted.strip().casefold()
    if not key:
        return []
    scored: list[tuple[float, str]] = []
    matcher = SequenceMatcher(b=key, autojunk=False)
    for name in dict.fromkeys(names):
        folded = name.casefold()
        if folded == key:
            continue
        matcher.set_seq1(folded)
        ratio = matcher.ratio()
        if key in folded and len(key) >= 3:
            ratio = max(ratio, _CLOSE)
        if ratio >= _CLOSE:
            scored.append((ratio, name))
    scored.sort(key=lambda pair: (-pair[0], pair[1].casefold()))
    return [name for _, name in scored[:limit]]


def did_you_mean(names: list[str]) -> str:
    """The end of a "not found" message naming ``close_matches``' names:
    "; did you mean 'heat' or 'heat-model'?", or "" for none."""
    if not names:
        return ""
    quoted = [f"'{n}'" for n in names]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"; did you mean {listed}?"


def quoted_list(texts: Sequence[str], *, shown: int = 5, width: int = 60) -> str:
    """Notes named in a sentence by their text: '“A”, “B” and “C”', or
    '“A”, “B”, “C”, “D”, “E” and 7 more' – at most ``shown``, each cut to
    ``width`` characters (ending in '…') and isolated (``isolate``)."""
    names = [f"“{isolate(t if len(t) <= width else t[:width - 1].rstrip() + '…')}”"
             for t in texts[:shown]]
    if not names:
        return ""
    more = len(texts) - len(names)
    if more:
        return ", ".join(names) + f" and {more} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def prune_question(plan: PrunePlan, deck_names: Mapping[str, str], files: Sequence[str], *,
                   shown: int = 5) -> tuple[str, str]:
    """What is asked before an import removes the notes its files no longer
    have (``plan``, the import's dry run; ``deck_names``: deck id → full
    name; ``files``: the files' names): the question, and what goes with
    the notes, in lines – how many of their cards have progress, the first
    ``shown`` by their text (those with progress first), and the backup
    made first when progress goes. The window and the command line ask it
    in the same words."""
    n = len(plan.notes)
    where = f"in {isolate(files[0])}" if len(files) == 1 else f"in any of the {len(files)} files"
    question = f"Remove {plural(n, 'note')} that {'is' if n == 1 else 'are'} no longer {where}?"
    it, its = ("it", "Its") if n == 1 else ("them", "Their")
    decks = plan.decks
    source = (f"From “{deck_path(deck_names.get(decks[0], decks[0]), isolated=True)}”:"
              if len(decks) == 1 else f"From {len(decks)} decks:")
    lines = [source] + [f"• {quoted_list([note.front])}" for note in plan.notes[:shown]]
    if n > shown:
        lines.append(f"and {n - shown} more.")
    if not plan.studied:
        return question, "\n".join([f"You have not studied any of {its.lower()} cards yet.",
                                     *lines])
    return question, "\n".join([
        f"{its} progress goes with {it}: you have studied {plural(plan.studied, 'card')} "
        f"of {plan.cards}.", *lines,
        "A backup is made first: File › Restore from a backup… (or flashdesk restore, in a "
        "terminal) can put the collection back as it was before this import."])
