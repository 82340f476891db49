"""A new user's second look, without Qt: settings changed by another
process, custom study of one deck's tags, the terminal's keys at every
prompt, right-to-left names among other words, messages as sentences,
moving a deck into its own sub-deck, restore that checks before it speaks,
and deck ids from names in any script."""

import random
from datetime import datetime

import pytest

from flashdesk import cli
from flashdesk.collection import Collection
from flashdesk.formats.result import name_slug, scope_of
from flashdesk.model import CustomKind, CustomStudy, FlashdeskError, GradeMode, Kind
from flashdesk.review import KEY_HELP, TERMINAL_KEYS, ReviewSession, Stage, nothing_found
from flashdesk.text import isolate, sentence

#: one note of each kind, in this order (basic without a reverse: no sibling waits)
EVERY_KIND = '''
[deck]
id = "every-kind"
name = "Every::Kind"

[[notes]]
id = "a"
kind = "basic"
front = "What does HEAT stand for?"
back = "Hear, Empathise, Apologise, Take ownership"
tags = ["heat"]

[[notes]]
id = "b"
kind = "cloze"
text = "In HEAT, the E stands for {{c1::Empathise}}."

[[notes]]
id = "c"
kind = "choice"
question = "What do you do first?"
options = ["Offer a refund", "Listen without interrupting", "Quote the policy", "Hang up"]
answer = 2

[[notes]]
id = "d"
kind = "order"
prompt = "Put the steps of HEAT in order."
items = ["Hear", "Empathise", "Apologise", "Take ownership"]

[[notes]]
id = "e"
kind = "scenario"
prompt = "A caller is angry that nobody called back."
model_answer = "Listen, apologise, and say when you will call."
marking_points = ["Listens", "Apologises"]

[[notes]]
id = "f"
kind = "typed"
prompt = "Which model has the steps Hear, Empathise, Apologise, Take ownership?"
answer = "the *HEAT* model"
'''


def now():
    return datetime.now().astimezone()


@pytest.fixture
def every(col, tmp_path):
    path = tmp_path / "every.toml"
    path.write_text(EVERY_KIND, encoding="utf-8")
    col.files.import_files([path])
    return col


# -- 1. a setting changed by another process ------------------------------------------


def test_a_grade_mode_set_elsewhere_applies_from_the_next_card(every, col_path):
    s = ReviewSession(every, "every-kind", rng=random.Random(1))
    s.start()
    assert s.reveal() and [b.key for b in s.buttons] == [1, 2, 3, 4]
    with Collection.open(col_path, bundled=False, backups=False) as terminal:
        terminal.set_grade_mode(GradeMode.SIX_GRADES)  # `flashdesk grades 6`
    assert every.changed_elsewhere()
    assert every.grade_mode == GradeMode.SIX_GRADES  # read again, not kept from the start
    s.refresh()  # the window's watch: the same card stays up, half answered
    assert s.stage == Stage.ANSWER and [b.key for b in s.buttons] == [1, 2, 3, 4]
    assert s.grade_for_key(4) is not None  # Easy, as the buttons on screen say
    s.answer(s.grade_for_key(4))
    assert [b.key for b in s.buttons] == [0, 1, 2, 3, 4, 5]  # the next card: six grades


def test_the_terminal_picks_up_a_grade_mode_set_in_the_window(every, col_path):
    lines, prompts = [], []
    review = cli.TerminalReview(every, "every-kind",
                                lambda p: prompts.append(p) or answers.pop(0), lines.append,
                                random.Random(1))
    answers = ["", "q"]
    with Collection.open(col_path, bundled=False, backups=False) as window:
        window.set_grade_mode(GradeMode.SIX_GRADES)
    review.run()
    assert "0 Blackout" in prompts[-1] and "5 Perfect" in prompts[-1]


# -- 2. custom study of one deck's tags -------------------------------------------------


def test_a_deck_offers_only_its_own_tags_with_its_sub_decks(example, every):
    assert every.notes.tags("every-kind") == ["heat"]
    assert set(every.notes.tags("example")) == {"angry", "heat", "models", "phone", "scenario"}
    every.decks.create("Every::Kind::Sub", now())
    assert every.notes.tags("every-kind") == ["heat"]
    empty = every.decks.create("Empty", now()).deck_id
    assert every.notes.tags(empty) == []
    assert "angry" in every.notes.tags()  # the whole collection's, for the browser


def test_a_custom_session_that_finds_nothing_says_so_in_its_own_words(every):
    s = ReviewSession(every, "every-kind", custom=CustomStudy(CustomKind.TAG, tag="phone"))
    assert s.start() is None
    assert s.nothing_found() == f"No cards in {isolate('Kind')} are tagged {isolate('phone')}."
    assert s.summary().nothing_found == s.nothing_found()
    assert "Nothing to study" not in s.nothing_found() and "each day" not in s.nothing_found()
    for custom, words in [(CustomStudy(CustomKind.AHEAD, days=7), "due in the next 7 days"),
                          (CustomStudy(CustomKind.FORGOTTEN, days=1), "in the last 1 day"),
                          (CustomStudy(CustomKind.LEECHES), "are leeches"),
                          (CustomStudy(CustomKind.CRAM, tag="x"), "are tagged")]:
        assert words in nothing_found(custom, "Models")
    assert ReviewSession(every, "every-kind").nothing_found() is None  # today's study


def test_the_terminal_says_a_tag_drill_found_nothing(every):
    lines = []
    cli.TerminalReview(every, "every-kind", lambda p: "q", lines.append, random.Random(1),
                       CustomStudy(CustomKind.TAG, tag="phone")).run()
    assert "No cards in Kind are tagged phone." in [cli.terminal_safe(line) for line in lines]


# -- 3. the terminal's keys at every prompt ----------------------------------------------


def _learner(review, undo_at):
    """Answers every prompt as a learner would; types ``u`` once at the first
    prompt of each kind named in ``undo_at`` (after one answer at least)."""
    state = {"answered": False, "undone": set(), "prompts": []}

    def read(prompt):
        state["prompts"].append(prompt)
        s = review.session
        where = (s.card.kind, "grade" if "u undo" in prompt and s.stage == Stage.ANSWER
                 and prompt[:1].isdigit() else prompt.split(" ")[0])
        if state["answered"] and where in undo_at and where not in state["undone"]:
            state["undone"].add(where)
            return "u"
        if prompt[:1].isdigit():  # the grades
            state["answered"] = True
            return "4"
        if prompt.startswith("Your choice"):
            return "2"
        if prompt.startswith("Type the numbers"):
            return "1 2 3 4"
        if prompt.startswith("Type the answer"):
            return "the HEAT model"
        return ""  # Enter: show the answer, no points, no answer text

    return read, state


def test_u_undoes_at_every_prompt_of_every_kind(every):
    lines = []
    review = cli.TerminalReview(every, "every-kind", lambda p: "", lines.append, random.Random(1))
    undo_at = {(Kind.CLOZE, "[Enter]"), (Kind.CHOICE, "Your"), (Kind.ORDER, "Type"),
               (Kind.SCENARIO, "Your"), (Kind.SCENARIO, "Which"), (Kind.TYPED, "Type"),
               (Kind.TYPED, "grade"), (Kind.BASIC, "grade")}
    review.read, state = _learner(review, undo_at)
    review.run()
    assert state["undone"] == undo_at
    # (back at the first card, its grade prompt has nothing older to undo: it says so)
    assert lines.count("Undone: the last card comes back.") == len(undo_at) - 1
    assert lines.count("Nothing to undo.") == 1
    assert not any(line.startswith("Type a number") or line.startswith("Use ")
                   for line in lines)
    assert not any(line.startswith("→") and "Kind" in line for line in lines)
    # every card answered once in the end: the undone answers do not count
    assert review.session.tally.studied == 6 and "Studied 6 cards" in lines[-1]
    for prompt in state["prompts"]:  # each prompt that asks for something names u
        assert "u undo" in prompt or prompt.startswith(("Type the answer", "Your answer",
                                                         "Which points"))


def test_u_with_nothing_to_undo_says_so_and_asks_again(every):
    lines, answers = [], ["u", "", "q"]
    review = cli.TerminalReview(every, "every-kind", lambda p: answers.pop(0), lines.append,
                                random.Random(1))
    review.run()
    assert "Nothing to undo." in lines
    assert lines.count("What does HEAT stand for?") == 1  # the same card, asked again
    assert lines[-1] == "Stopped. Your answers so far are saved."


def test_bury_and_suspend_work_at_a_prompt_and_u_brings_the_card_back(every):
    lines, answers = [], ["-", "u", "", "@", "q"]
    review = cli.TerminalReview(every, "every-kind", lambda p: answers.pop(0), lines.append,
                                random.Random(1))
    review.run()
    assert "Card buried until tomorrow (u brings it back)." in lines
    assert lines.count("What does HEAT stand for?") == 2  # buried, then back
    assert any(line.startswith("Card suspended") for line in lines)
    assert every.db.execute("SELECT count(*) FROM cards WHERE queue = -1").fetchone()[0] == 1


def test_the_readme_key_table_lists_the_terminal_letters():
    row = next(r for r in KEY_HELP if r[0] == "Terminal")
    assert row[2] == " / ".join(key for key, _same, _what in TERMINAL_KEYS)
    assert all(what in row[1] for _key, _same, what in TERMINAL_KEYS)


# -- 4 and 5. words around names; messages ----------------------------------------------


def test_isolate_keeps_a_name_to_itself():
    assert isolate("محمد") == "\u2068محمد\u2069"
    assert isolate("a\u202eb\u2069c") == "\u2068abc\u2069"  # no override, no early end
    assert isolate("") == ""
    assert cli.terminal_safe(f"Deck {isolate('Models')}: 3") == "Deck Models: 3"


def test_a_message_from_the_core_is_shown_as_a_sentence():
    assert sentence("there is already a deck called “Models”") == \
        "There is already a deck called “Models”."
    assert sentence("Nothing to undo.") == "Nothing to undo."
    assert sentence("heat.toml: not UTF-8 text") == "heat.toml: not UTF-8 text."  # a file name
    assert sentence("cc-models is not a deck") == "cc-models is not a deck."  # an id


def test_a_deck_cannot_go_inside_its_own_sub_deck_and_says_which(col):
    top = col.decks.create("Challenging Customers", now()).deck_id
    sub = col.decks.create("Challenging Customers::Models", now()).deck_id
    deeper = col.decks.create("Challenging Customers::Models::HEAT", now()).deck_id
    with pytest.raises(FlashdeskError, match="cannot go inside its own sub-deck “Models”"):
        col.decks.move(top, sub, now())
    with pytest.raises(FlashdeskError, match="its own sub-deck “Models::HEAT”"):
        col.decks.move(top, deeper, now())
    with pytest.raises(FlashdeskError, match="cannot go inside itself"):
        col.decks.rename(top, "Challenging Customers::Challenging Customers", now())


def test_restore_checks_the_profile_is_free_before_it_announces(col, col_path, capsys):
    col.files.backup(now())
    home = col_path.parent.parent
    status = cli.main(["--data-dir", str(home), "--profile", col_path.parent.name, "restore"])
    out, err = capsys.readouterr()
    assert status == 1 and "open in another flashdesk" in err
    assert "Restoring" not in out and out.strip() == ""


def test_restore_announces_once_it_starts(col, col_path, capsys):
    col.files.backup(now())
    col.close()
    home = col_path.parent.parent
    status = cli.main(["--data-dir", str(home), "--profile", col_path.parent.name, "restore"])
    out, _err = capsys.readouterr()
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("Restoring the newest good backup")
    assert lines[1].startswith("Restored")


# -- 5. deck ids from names ------------------------------------------------------------


@pytest.mark.parametrize("name,expected", [
    ("Ünïcode", "unicode"), ("Straße & Œuvre", "strasse-oeuvre"),
    ("Ｆｕｌｌ width", "full-width"), ("My workplace", "my-workplace"),
    ("Challenging Customers::Models", "challenging-customers-models")])
def test_a_deck_id_keeps_the_letters_of_its_name(name, expected):
    assert name_slug(name.replace("::", " ")) == expected


def test_names_in_other_scripts_get_distinct_ids(col):
    names = ("محمد", "أحمد", "Ωmega", "日本")
    ids = {col.decks.create(name, now()).deck_id for name in names}
    assert len(ids) == 4 and all(i.startswith(("deck-", "mega-")) for i in ids)
    assert col.decks.create("Ünïcode", now()).deck_id == "unicode"


def test_a_note_id_keeps_the_letters_of_its_first_field(col):
    deck = col.decks.create("Español", now()).deck_id
    added = col.notes.add(deck, Kind.BASIC, {"front": "¿Qué pasó con el café?", "back": "x"},
                          now())
    assert (deck, added.note_id) == ("espanol", "espanol/que-paso-con-el-cafe")


def test_existing_decks_and_note_scopes_keep_their_ids(col, tmp_path):
    """A deck made before keeps its id (found by name on import); spreadsheet
    note scopes are made as before."""
    old = tmp_path / "old.toml"
    old.write_text('[deck]\nid = "n-code"\nname = "Ünïcode"\n\n[[notes]]\nid = "a"\n'
                   'kind = "basic"\nfront = "Q"\nback = "A"\n', encoding="utf-8")
    col.files.import_files([old])
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\nWhat?,That\n", encoding="utf-8")
    col.files.import_files([sheet], deck_name="Ünïcode")
    assert [s.id for s in col.decks.summaries(now())] == ["n-code"]
    assert scope_of("Ünïcode").startswith("n-code-")  # unchanged: note identities stay


