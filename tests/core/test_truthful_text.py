"""Words shown to the learner say what is true, without Qt: why a card is up
a second time today, as its log says; a note's text as it was typed."""

from datetime import timedelta

from flashdesk.model import CustomKind, CustomStudy, Grade, Kind, LogKind
from flashdesk.review import ReviewSession, nothing_found
from flashdesk.text import again_caption, kind_caption

from .conftest import FIXTURES

DECK = "example-heat"


def test_a_card_failed_today_is_captioned_as_a_redrill(col, now):
    col.files.import_files([FIXTURES / "example.toml"])
    card = col.study.step(DECK, now).card
    col.study.answer(card.id, Grade.AGAIN, now)
    again = col.study.card(card.id, now)
    assert again.redrill and again.failed_today
    assert again_caption(again) == "again: answered below Good earlier today"
    assert kind_caption(again.kind, again.ord, again=again_caption(again)) == \
        "Question · again: answered below Good earlier today"


def test_a_card_answered_good_today_is_never_said_to_be_answered_below_good(col, now):
    col.files.import_files([FIXTURES / "example.toml"])
    card = col.study.step(DECK, now).card
    col.study.answer(card.id, Grade.GOOD, now)
    later = col.study.card(card.id, now + timedelta(hours=1))
    log = col.notes.card_info(card.id, now).history
    assert [e.quality for e in log] == [Grade.GOOD]
    assert later.redrill and not later.failed_today
    caption = again_caption(later)
    assert "below Good" not in caption
    assert caption == "answered already today: this answer leaves its schedule as it is"
    assert again_caption(later, drill=True) == ""  # in a drill every answer is practice
    assert again_caption(col.study.card("example-heat/heat-order#0", now)) == ""  # not answered


def test_review_ahead_after_a_good_answer_shows_nothing_and_says_why(col, now):
    col.files.import_files([FIXTURES / "example.toml"])
    card = col.study.step(DECK, now).card
    col.study.answer(card.id, Grade.GOOD, now)
    col.study.end_session()
    ahead = CustomStudy(CustomKind.AHEAD, days=7)
    session = ReviewSession(col, DECK, custom=ahead, clock=lambda: now + timedelta(hours=1))
    assert session.start() is None
    assert "other than any you answered today" in session.nothing_found()
    assert nothing_found(ahead, "Models").startswith("No cards in \u2068Models\u2069 are due in "
                                                     "the next 7 days")
    kinds = [e.kind for e in col.notes.card_info(card.id, now).history]
    assert kinds == [LogKind.REVIEW]


def test_a_note_added_reads_back_as_typed_and_is_found_again_as_typed(col, now):
    deck = col.decks.create("My workplace", now).deck_id
    typed = "Who approves refunds over <50> at my store?"
    added = col.notes.add(deck, Kind.BASIC, {"front": typed, "back": "a<b & c"}, now)
    assert added.first_field == typed
    assert [text for _id, text in col.notes.duplicates(deck, Kind.BASIC, {"front": typed})] \
        == [typed]
    assert col.notes.duplicates(deck, Kind.BASIC, {"front": "Who approves refunds over at my "
                                                            "store?"}) == []


# -- every count agrees with its noun --------------------------------------------------------

ONE_NOTE = '''
[deck]
id = "one"
name = "One"

[[notes]]
id = "a"
kind = "basic"
front = "Who approves refunds over <50>?"
back = "The duty manager"
'''


def test_one_of_a_thing_is_never_called_things(tmp_path, capsys):
    from flashdesk.cli import main

    deck = tmp_path / "one.toml"
    deck.write_text(ONE_NOTE, encoding="utf-8")
    assert main(["--data-dir", str(tmp_path / "home"), "validate", str(deck)]) == 0
    assert capsys.readouterr().out == f"{deck}: ok – One (one), 1 note, 1 card\n"
    assert main(["--data-dir", str(tmp_path / "home"), "import", str(deck)]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path / "home"), "limits", "one", "--review", "1"]) == 0
    assert capsys.readouterr().out == "One: 20 new and 1 review a day\n"
    assert main(["--data-dir", str(tmp_path / "home"), "backup", "--weeks", "1"]) == 0
    assert "one a week for 1 week." in capsys.readouterr().out
    assert CustomStudy(CustomKind.EXTRA_NEW, count=1).describe() == "1 extra new card"


def test_the_sanitiser_counts_one_removal_as_one(tmp_path):
    from flashdesk.formats.sanitize import Removals, card_html

    removals = Removals()
    card_html("Hello <!-- a note to self --> there", removals, "line 2")
    assert removals.summary("f.csv").startswith(
        "f.csv: the sanitiser removed 1 thing from card text (1 comment); first: line 2: ")
    card_html("<script>x()</script><!-- b -->", removals, "line 3")
    assert "removed 3 things from card text (2 comments, 1 script or style (with its " \
        "content))" in removals.summary("f.csv")


#: files whose '(s)' counts may stay (none now)
ELSEWHERE: set[str] = set()


def test_no_count_is_shown_with_a_noun_in_brackets():
    """'1 card(s)' reads as a machine's sentence: a count says '1 card' or
    '2 cards' (``text.plural``). Read from the syntax tree, so f-strings are
    looked into on every Python version (3.12 tokenises them apart)."""
    import ast
    import re
    from pathlib import Path

    import flashdesk

    root = Path(flashdesk.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).as_posix() in ELSEWHERE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            after_value = False
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    after_value = True
                elif isinstance(part, ast.Constant) and isinstance(part.value, str):
                    if after_value and re.match(r"[^{}]*?\w\(s\)", part.value):
                        found.append(f"{path.relative_to(root)}:{node.lineno}: {part.value[:40]}")
                    after_value = False
    assert found == []


def test_the_bracket_check_sees_into_f_strings(tmp_path, monkeypatch):
    """The check above finds '{n} card(s)' (it would pass on any tree if it
    could not)."""
    import flashdesk

    package = tmp_path / "flashdesk"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "bad.py").write_text('n = 2\nTEXT = f"{n} card(s) moved"\n', encoding="utf-8")
    monkeypatch.setattr(flashdesk, "__file__", str(package / "__init__.py"))
    try:
        test_no_count_is_shown_with_a_noun_in_brackets()
    except AssertionError as exc:
        assert "bad.py:2:  card(s) moved" in str(exc)
    else:
        raise AssertionError("'{n} card(s)' went unseen")
