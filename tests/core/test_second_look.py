"""A new user's second look, without Qt: settings changed by another
process, custom study of one deck's tags, the terminal's keys at every
prompt, right-to-left names among other words, messages as sentences,
moving a deck into its own sub-deck, restore that checks before it speaks,
and deck ids from names in any script."""

from datetime import datetime

import pytest

from flashdesk import cli
from flashdesk.formats.result import name_slug, scope_of
from flashdesk.model import Kind
from flashdesk.review import Stage

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


# -- 2. custom study of one deck's tags -------------------------------------------------


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


# -- 4 and 5. words around names; messages ----------------------------------------------


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


