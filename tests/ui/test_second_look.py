"""A new user's second look at the window: a setting changed in the
terminal, custom study of the deck's own tags, names in right-to-left
scripts among other words, and the small faults (problems that stay red, a
reminder that stays, a browser that shows what is not listed, a study bar
that cuts words, a deck description cut off, a placeholder cut off, errors
in lower case)."""

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLineEdit

from flashdesk.collection import Collection
from flashdesk.model import CustomKind, CustomStudy, GradeMode, Kind
from flashdesk.statistics import ProgressReport
from flashdesk.ui.browser import BrowserWindow
from flashdesk.ui.dialogs.custom_study import CustomStudyDialog
from flashdesk.ui.dialogs.questions import Ask
from flashdesk.ui.main_window import Screen
from flashdesk.ui.report import report_html
from flashdesk.ui.reviewer import Stage
from flashdesk.ui.stats_window import ReportDialog, StatisticsWindow
from flashdesk.ui.widgets import LINE_EDIT_CHROME, elide_words

from uihelpers import KINDS_DECK, Key, plain, press, study, write_deck

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures"


def now():
    return datetime.now().astimezone()


@pytest.fixture
def kinds(col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    return col


def deck(tmp_path, deck_id: str, name: str, description: str = "", tags=()) -> str:
    path = write_deck(tmp_path, f"{deck_id}.toml",
                      f'[deck]\nid = "{deck_id}"\nname = "{name}"\ndescription = "{description}"'
                      f'\n\n[[notes]]\nid = "q"\nkind = "basic"\nfront = "Q"\nback = "A"\n'
                      f"tags = {list(tags)!r}\n".replace("'", '"'))
    return str(path)


# -- 1. a setting changed in the terminal ------------------------------------------------


def test_grades_set_in_the_terminal_show_from_the_next_card(qtbot, window, kinds, profile_path):
    settings = window.open_settings()
    with Collection.open(profile_path, bundled=False, backups=False) as terminal:
        terminal.set_grade_mode(GradeMode.SIX_GRADES)  # `flashdesk grades 6`
    assert window.check_elsewhere()
    assert settings.six_grades.isChecked()  # the open settings follow
    settings.close()
    reviewer = study(window, "kinds")  # a new session: six grades
    reviewer.reveal()
    assert [b.key for b in reviewer.grade_buttons] == [0, 1, 2, 3, 4, 5]
    with Collection.open(profile_path, bundled=False, backups=False) as terminal:
        terminal.set_grade_mode(GradeMode.FOUR_BUTTONS)
    first = reviewer.card.id
    assert window.check_elsewhere()
    # never mid-card: the card half answered keeps the buttons it showed
    assert reviewer.card.id == first and reviewer.stage == Stage.ANSWER
    assert [b.key for b in reviewer.grade_buttons if b.isVisible()] == [0, 1, 2, 3, 4, 5]
    reviewer.grade(5)
    assert kinds.notes.history(first)[-1]["quality"] == 5
    assert [b.key for b in reviewer.grade_buttons] == [1, 2, 3, 4]  # the next card


# -- 2. custom study of the deck's own tags -------------------------------------------------


def test_custom_study_offers_the_decks_own_tags(qtbot, window, kinds, monkeypatch):
    kinds.files.import_files([FIXTURES / "example.toml"])  # tags of another deck
    window.refresh_decks(select="kinds")
    offered = []
    monkeypatch.setattr(CustomStudyDialog, "ask",
                        classmethod(lambda cls, parent, name, tags: offered.append(tags)))
    window.custom_study("kinds")
    window.custom_study("example-heat")
    assert offered[0] == [] and "heat" in offered[1] and "angry" in offered[1]


def test_a_deck_without_tags_says_why_there_is_no_tag_drill(qtbot):
    dialog = CustomStudyDialog("Kinds", [])
    qtbot.addWidget(dialog)
    radio = dialog._radios[CustomKind.TAG]
    assert not radio.isEnabled() and not dialog.tag.isEnabled()
    assert "No note in this deck has a tag" in radio.toolTip()
    assert dialog.tag.placeholderText() == "(no note in this deck has a tag)"


def test_a_custom_session_that_finds_nothing_says_so(qtbot, window, kinds, monkeypatch):
    monkeypatch.setattr(CustomStudyDialog, "ask", classmethod(
        lambda cls, *args: CustomStudy(CustomKind.TAG, tag="phone")))
    window.refresh_decks(select="kinds")
    window.custom_study("kinds")
    assert window.screen == Screen.DECKS
    message = plain(window.decks._message.text())
    assert message.startswith("No cards in Kinds are tagged phone.")
    assert "New cards arrive each day" not in message


# -- 4. right-to-left names among other words ------------------------------------------------


def test_a_right_to_left_learner_keeps_the_report_dates_in_order(qapp):
    name = "Sam O'Brien <b>& Co</b> محمد"
    report = ProgressReport(learner=name, start=date(2026, 11, 1), end=date(2026, 11, 30),
                            decks=[], cards_learned=0, reviews=0, retention=None,
                            study_days=0, minutes=0, mastery=[])
    doc = QTextDocument()
    doc.setPageSize(QSizeF(500, 800))
    doc.setHtml(report_html(report))
    doc.size()  # laid out
    block = doc.begin()
    while "November" not in block.text():
        block = block.next()
    text, line = block.text(), block.layout().lineAt(0)
    day = line.cursorToX(text.index("01 November"))[0]
    arabic = [line.cursorToX(text.index("محمد") + i)[0] for i in range(4)]
    assert day > max(arabic)  # the date comes after the name, where it is written


def test_deck_names_and_tags_in_the_report_are_isolated(qapp, tmp_path):
    col = Collection.open(tmp_path / "p" / "collection.db", bundled=False, backups=False)
    try:
        col.files.import_files([deck(tmp_path, "ar", "عربي::نماذج", tags=["وسم"])])
        report = col.reports.progress_report(date(2026, 3, 1), date(2026, 3, 31), now())
    finally:
        col.close()
    page = report_html(report)
    assert "Decks in \u2068عربي\u2069:</b> \u2068نماذج\u2069" in page  # not started yet
    assert "Tags:</b> \u2068وسم\u2069" in page


def test_the_study_bar_and_status_bar_isolate_the_deck(qtbot, window, tmp_path):
    window.collection.files.import_files([deck(tmp_path, "rtl", "عربي::نماذج")])
    reviewer = study(window, "rtl")
    assert reviewer._deck_label.full_text() == "\u2068عربي\u2069 › \u2068نماذج\u2069"
    assert window._totals.text().startswith("\u2068عربي › نماذج\u2069: ")


def test_the_statistics_deck_list_and_move_prompt_isolate_names(qtbot, window, tmp_path,
                                                               monkeypatch):
    col = window.collection
    col.files.import_files([deck(tmp_path, "rtl", "عربي::نماذج", tags=["وسم"])])
    card = col.study.next_card("rtl", now())
    col.study.answer(card.id, 4, now(), time_ms=3000)
    stats = StatisticsWindow(col)
    qtbot.addWidget(stats)
    with qtbot.waitSignal(stats.shown_statistics, timeout=10000):
        stats.show()
    topics = [stats._mastery.item(r, 0).text() for r in range(stats._mastery.rowCount())]
    assert "\u2068نماذج\u2069 (\u2068عربي\u2069)" in topics  # the deck, with its parent
    assert "\u2068وسم\u2069" in topics  # the tag, as it is spelt
    assert "\u2068نماذج\u2069 (\u2068عربي\u2069)" in stats._summary.text()  # revise next
    window.refresh_decks(select="rtl")
    assert window.decks._path.text() == "\u2068عربي\u2069"
    asked = []
    monkeypatch.setattr(Ask, "choice", classmethod(
        lambda cls, parent, title, text, labels: asked.append(text)))
    window.move_deck("rtl", ask=True)
    assert asked == ["Put “\u2068عربي › نماذج\u2069” inside:"]


# -- 5. small faults -------------------------------------------------------------------------


def test_a_problem_under_a_field_goes_once_it_is_put_right(qtbot, window, kinds):
    add = window.open_add("kinds")
    add.set_kind(Kind.BASIC)
    add.form.set_texts({"front": "What does LAST stand for?"})
    assert add.add_note() is None
    problem = add.form.findChild(type(add.form._errors["back"]), "problem_back")
    assert problem.isVisible() and problem.text().startswith("Required")
    add.form.editor("back").setPlainText("Listen, Apologise, Solve, Thank")
    assert problem.isHidden() and add.form.editor("back").property("problem") == "false"
    add.form.editor("back").setPlainText("")  # no new problem is shown while typing
    assert problem.isHidden()
    assert add.add_note() is None and problem.isVisible()  # the next add says it again


def test_the_choice_reminder_goes_once_the_card_is_answered(qtbot, window, kinds):
    reviewer = study(window, "kinds")
    while reviewer.card.kind != Kind.CHOICE:
        press(qtbot, Key.Key_Minus)
    press(qtbot, Key.Key_Space)
    assert reviewer._notice.isVisible() and "choose an option" in reviewer._notice.text()
    reviewer.view.pick(1)
    assert reviewer.stage == Stage.ANSWER and reviewer._notice.isHidden()


def _shown(qtbot, browser, action):
    with qtbot.waitSignal(browser.results_shown, timeout=5000):
        action()


def test_the_browser_follows_the_list_and_the_selection(qtbot, kinds):
    browser = BrowserWindow(kinds)
    qtbot.addWidget(browser)
    _shown(qtbot, browser, browser.show)
    assert not browser._suspend_action.isEnabled()  # nothing selected
    browser.select_row(0)
    assert browser.editor.note_id is not None and browser._suspend_action.isEnabled()
    browser.toggle_suspend()
    assert browser._suspend_action.text() == "Unsuspend"
    browser.undo()  # the card is not suspended any more: the action says so
    assert browser.selected_cards() and browser._suspend_action.text() == "Suspend"
    browser._suspend_action.trigger()
    assert browser._suspend_action.text() == "Unsuspend"
    _shown(qtbot, browser, lambda: browser._search.setText("nothing has these words"))
    assert browser.model.rowCount() == 0
    assert browser.editor.note_id is None  # no card listed: no note shown
    assert browser._suspend_action.text() == "Suspend" and not browser._suspend_action.isEnabled()
    _shown(qtbot, browser, lambda: browser._search.setText(""))
    assert browser.selected_cards() == [] and browser.editor.note_id is None
    assert not browser._suspend_action.isEnabled()


def test_words_are_cut_only_between_words():
    def fits(width):
        return lambda text: len(text) <= width
    assert elide_words("Challenging Customers", fits(30)) == "Challenging Customers"
    assert elide_words("Challenging Customers", fits(18)) == "Challenging…"
    assert elide_words("Challenging Customers", fits(6)) == "Chall…"  # one word too long


@pytest.mark.parametrize("name,expected", [
    ("Challenging Customers::Models", "Models"),
    ("Challenging Customers::Models of handling difficult and challenging customers in a "
     "busy shop", None)])
def test_the_study_bar_shows_the_deck_and_keeps_a_gap(qtbot, window, tmp_path, name, expected):
    col = window.collection
    col.files.import_files([deck(tmp_path, "cc-models", name)])
    col.decks.set_exam("cc-models", date.today() + timedelta(days=12), now())
    window.resize(1024, 640)
    reviewer = study(window, "cc-models")
    label, counts = reviewer._deck_label, reviewer._counts_label
    qtbot.waitUntil(lambda: label.width() > 0)
    shown, full = plain(label.text()), plain(label.full_text())
    words = set(full.replace("›", " ").replace("·", " ").replace("(", " ").split())
    assert all(w in words for w in shown.rstrip("…").replace("›", " ").replace("·", " ")
               .replace("(", " ").split() if w != "…"), shown
    if expected:
        assert expected in shown
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    assert counts.geometry().left() - label.geometry().right() >= 12


def test_a_long_deck_description_scrolls_on_a_small_screen(qtbot, window, tmp_path):
    from test_layout import clipping

    text = " ".join(["A long description of what the deck covers and why."] * 16)
    window.collection.files.import_files([deck(tmp_path, "long", "Level 2::Long", text)])
    window.collection.decks.set_exam("long", date.today() + timedelta(days=12), now())
    window.resize(1024, 640)
    window.refresh_decks(select="long")
    description = window.decks._description
    qtbot.waitUntil(lambda: description.isVisible())
    for _ in range(3):  # the layout requests posted by showing it, handled
        QApplication.sendPostedEvents()
    assert window.height() <= 640
    assert description.height() >= description.heightForWidth(description.width())
    assert window.decks.study_button.isVisible()
    problems = [p for p in clipping(window.decks) if "outside" in p or "needed" in p]
    assert problems == []


def test_the_report_dialog_shows_its_placeholder_whole(qtbot, col):
    dialog = ReportDialog(col)
    qtbot.addWidget(dialog)
    dialog.show()
    edit = dialog.findChild(QLineEdit)
    assert edit.width() >= edit.fontMetrics().horizontalAdvance(edit.placeholderText()) \
        + LINE_EDIT_CHROME


def test_an_error_from_the_core_reads_as_a_sentence(qtbot, window, kinds, monkeypatch):
    monkeypatch.setattr(Ask, "text", classmethod(lambda cls, *args: "Test::Kinds"))
    window.refresh_decks(select="kinds")
    assert window.new_deck() is None
    shown = window.last_dialog.text()
    assert shown.startswith("There is already a deck called") and shown.endswith(".")
