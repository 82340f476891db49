"""Revising for an exam in the window, from the keyboard: typed answers,
keys that never answer by accident, siblings held back, custom study, the
exam date and its countdown."""

from datetime import date, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from flashdesk.model import CustomKind, CustomStudy, Grade, Kind, LogKind, Queue, study_day
from flashdesk.ui.dialogs.custom_study import CustomStudyDialog
from flashdesk.ui.main_window import Screen
from flashdesk.ui.reviewer import Stage

from uihelpers import KINDS_DECK, focused, press, study, type_text, write_deck

Key = Qt.Key

TYPED_DECK = '''
[deck]
id = "typed"
name = "Typed"

[[notes]]
id = "h"
kind = "typed"
prompt = "What is the H of HEAT?"
answer = "*Hear*"

[[notes]]
id = "law"
kind = "typed"
prompt = "Which Act?"
answer = "The *Equality Act 2010*"

[[notes]]
id = "pair"
kind = "basic"
front = "Which model has Thank?"
back = "LAST"
reverse = true
'''



def test_a_typed_card_from_the_keyboard(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "t.toml", TYPED_DECK)])
    reviewer = study(window, "typed")
    assert reviewer.card.kind == Kind.TYPED
    assert isinstance(focused(), QLineEdit)
    type_text(qtbot, "E hear -")  # letters that are shortcuts elsewhere just type
    assert reviewer.stage == Stage.QUESTION and focused().text() == "E hear -"
    focused().setText("hear")
    press(qtbot, Key.Key_Return)
    assert reviewer.stage == Stage.ANSWER
    assert "Right" in reviewer.view.verdict.text()
    assert reviewer.default_button().grade_name == "Good"
    press(qtbot, Key.Key_Return)  # takes the suggested grade
    assert reviewer.card.id == "typed/law#0"
    type_text(qtbot, "The Equality Act 2011")
    press(qtbot, Key.Key_Return)
    text = reviewer.view.comparison.text()
    assert "Equality Act 2010" in text and "line-through" in text
    assert reviewer.default_button().grade_name == "Again"
    press(qtbot, Key.Key_1)
    assert col.notes.history("typed/law#0")[-1]["quality"] == Grade.AGAIN


def test_space_checks_an_order_card_and_enter_on_a_choice_only_hints(qtbot, window, col,
                                                                      tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    reviewer = study(window, "kinds")
    while reviewer.card.kind != Kind.ORDER:
        press(qtbot, Key.Key_Minus)
    press(qtbot, Key.Key_Space)
    assert reviewer.stage == Stage.ANSWER and reviewer.view.check is not None


def test_the_keyboard_returns_to_the_card_after_settings(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    reviewer = study(window, "kinds")
    dialog = window.open_settings()
    dialog.close()
    qtbot.waitUntil(lambda: window.settings_dialog is None)
    window.activateWindow()
    assert focused() is not reviewer._back_button
    card = reviewer.card.id
    press(qtbot, Key.Key_Return)  # shows the answer; never leaves the session
    assert window.screen == Screen.REVIEW and reviewer.card.id == card
    assert reviewer.stage == Stage.ANSWER


def test_a_notes_reverse_waits_for_tomorrow_in_the_window(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "t.toml", TYPED_DECK)])
    reviewer = study(window, "typed")
    seen = []
    while window.screen == Screen.REVIEW:
        seen.append(reviewer.card.id)
        if reviewer.card.kind == Kind.TYPED:
            focused().setText("x")
        press(qtbot, Key.Key_Return)
        press(qtbot, Key.Key_3)
    assert "typed/pair#0" in seen and "typed/pair#1" not in seen
    assert col.study.card("typed/pair#1", datetime.now().astimezone()).queue == Queue.BURIED


def test_custom_study_cram_from_the_deck_list(qtbot, window, col, tmp_path, monkeypatch):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    monkeypatch.setattr(CustomStudyDialog, "ask",
                        classmethod(lambda cls, parent, name, tags: CustomStudy(CustomKind.CRAM)))
    window.refresh_decks(select="kinds")
    window.decks.focus_tree()
    window.custom_action.trigger()
    reviewer = window.reviewer
    assert window.screen == Screen.REVIEW and "Cram" in reviewer._deck_label.full_text()
    press(qtbot, Key.Key_Space)
    press(qtbot, Key.Key_3)
    [entry] = col.notes.history("kinds/a-basic#0")
    assert entry["kind"] == LogKind.CRAM
    assert col.study.card("kinds/a-basic#0", datetime.now().astimezone()).queue == Queue.NEW


def test_the_custom_study_dialog_builds_each_choice(qtbot):
    dialog = CustomStudyDialog("Kinds", ["heat", "law"])
    qtbot.addWidget(dialog)
    assert dialog.choice() == CustomStudy(CustomKind.AHEAD, days=7)
    dialog.choose(CustomKind.EXTRA_NEW)
    assert dialog.choice() == CustomStudy(CustomKind.EXTRA_NEW, count=10)
    dialog.tag.setCurrentIndex(1)  # picking a tag picks the tag drill
    assert dialog.choice() == CustomStudy(CustomKind.TAG, tag="law")
    dialog.choose(CustomKind.LEECHES)
    assert dialog.choice().kind == CustomKind.LEECHES


def test_an_exam_date_set_in_the_deck_options_shows_its_countdown(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    window.refresh_decks(select="kinds")
    dialog = window.open_deck_options()
    exam = date.today() + timedelta(days=21)
    dialog.exam_date.setDate(exam)
    dialog.has_exam.setChecked(True)
    dialog.accept()
    now = datetime.now().astimezone()
    plan = col.decks.exam_plan("kinds", now)
    # 21 days, or 22 between midnight and the 04:00 rollover
    assert plan.date == exam and plan.days_left == 21 + (study_day(now) < (now.date() - date(1970, 1, 1)).days)
    window.show_decks()
    assert "days to your exam" in window.decks._exam.text()
    reviewer = study(window, "kinds")
    assert "days to your exam" in reviewer._deck_label.full_text()


def test_in_a_text_box_the_hint_says_what_works(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    reviewer = study(window, "kinds")
    while reviewer.card.kind != Kind.SCENARIO:
        press(qtbot, Key.Key_Minus)
    qtbot.waitUntil(lambda: reviewer._hint_label.text().startswith("Typing:"))
    hint = reviewer._hint_label.text()
    assert "Ctrl+Enter" in hint and "E edit" not in hint and "- bury" not in hint
    type_text(qtbot, "E@-")  # typed, not taken as shortcuts
    assert reviewer.view.editor.toPlainText() == "E@-" and reviewer.card.kind == Kind.SCENARIO
    press(qtbot, Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert reviewer.stage == Stage.ANSWER
    qtbot.waitUntil(lambda: not reviewer._hint_label.text().startswith("Typing:"))


def test_every_documented_shortcut_is_a_real_one(qtbot, window):
    """The README's key table (flashdesk.review.KEY_HELP) against the keys the
    windows actually bind."""
    from PySide6.QtGui import QKeySequence

    from flashdesk.review import KEY_HELP

    browser = window.show_browse()
    add = window.open_add()
    bound = {a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
             for w in (window, browser, add, add.form) for a in w.actions()
             if not a.shortcut().isEmpty()}
    import re

    def portable(key: str) -> str:
        return QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)

    documented = set()
    for where, _what, keys in KEY_HELP:
        documented |= {portable(k) for k in re.findall(r"Ctrl\+(?:Shift\+)?(?:[A-Za-z]+|,)", keys)
                       if k not in ("Ctrl+Enter",)}  # the answer box's own shortcut
        if where == "Decks" and re.fullmatch(r"C", keys):
            documented.add("C")
    missing = sorted(documented - bound)
    assert missing == []
    assert {"Ctrl+B", "Ctrl+T", "Ctrl+Z", "Ctrl+I", "Ctrl+,", "Ctrl+Return", "C"} <= documented


def test_f1_shows_the_key_table_of_the_readme(qtbot, window):
    from flashdesk.review import KEY_HELP

    window.shortcuts_action.trigger()
    dialog = window.last_dialog
    assert dialog.rows() == [tuple(r) for r in KEY_HELP]
    dialog.close()


def test_a_typed_answer_far_off_is_shown_as_typed(qtbot, window, col, tmp_path):
    """Letter-by-letter marks only for a near miss; and no "key terms" line
    that merely repeats an answer which is one key term."""
    col.files.import_files([write_deck(tmp_path, "h.toml", '''
[deck]
id = "h"
name = "H"

[[notes]]
id = "spc"
kind = "typed"
prompt = "Whose name is attached to the service-profit chain?"
answer = "*Heskett*"
''')])
    reviewer = study(window, "h")
    focused().setText("the manager")
    press(qtbot, Key.Key_Return)
    text = reviewer.view.comparison.text()
    assert "the manager" in text and "line-through" not in text
    assert "Key terms" not in text
    assert reviewer.default_button().grade_name == "Again"
    press(qtbot, Key.Key_1)  # back this session
    focused().setText("Heskit")
    press(qtbot, Key.Key_Return)
    text = reviewer.view.comparison.text()
    assert "line-through" in text or "underline" in text  # a near miss: marked
