"""The card-text rules in the window: the Add window and the note editor
keep text in angle brackets as it was typed, and say under the field what is
wrong with a broken cloze, markup that would be removed, or a field too
long – adding nothing."""

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel

from flashdesk.cards import MAX_FIELD_CHARS
from flashdesk.model import Kind
from flashdesk.ui.note_editor import NoteEditor

from uihelpers import open_add_by_keyboard, press, study, type_text

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
PHRASE = "Greet with: Hello <customer name>, how can I help? Refunds if a<b"
STORED = "Greet with: Hello &lt;customer name&gt;, how can I help? Refunds if a&lt;b"


def now():
    return datetime.now().astimezone()


def shown(label: QLabel) -> str:
    """What a label shows, as plain text."""
    if label.textFormat() == Qt.TextFormat.PlainText:
        return label.text()
    doc = QTextDocument()
    doc.setHtml(label.text())
    return doc.toPlainText()


@pytest.fixture
def deck(col):
    return col.decks.create("Phrase bank", now()).deck_id


def test_text_in_angle_brackets_is_added_previewed_and_studied_as_typed(qtbot, window, col,
                                                                        deck):
    window.refresh_decks(select=deck)
    add = open_add_by_keyboard(qtbot, window)
    add.form.focus_first()
    type_text(qtbot, PHRASE)
    press(qtbot, Key.Key_Tab)
    type_text(qtbot, "Use <their name> & smile")
    add.follow_now()
    assert any(PHRASE in shown(label) for label in add.preview.findChildren(QLabel))
    press(qtbot, Key.Key_Return, CTRL)
    assert add.form.findChild(QLabel, "problem_front").isHidden()
    assert col.notes.get(add.last_added.note_id)[1]["front"] == STORED
    add.close()

    reviewer = study(window, deck)
    assert PHRASE in shown(reviewer.view._question)
    reviewer.view.reveal()
    assert "Use <their name> & smile" in shown(reviewer.view._answer)


@pytest.mark.parametrize("kind, field, text, problem", [
    (Kind.CLOZE, "text", "Broken {{c1::unclosed gap and {{c2::}} empty",
     "The cloze “{{c1::unclosed gap and {{c2::…” is never closed with }}; the gap {{c2::}} is "
     "empty: put the hidden words in it"),
    (Kind.BASIC, "front", "x" * (MAX_FIELD_CHARS + 1),
     "Too long: 100,001 characters, and a field holds at most 100,000; split it into several "
     "notes"),
    (Kind.BASIC, "front", "Hello <script>alert(1)</script>",
     "<script> would be removed (scripts and styles (with their content))"),
])
def test_a_bad_field_is_named_under_it_and_nothing_is_added(qtbot, window, col, deck, kind,
                                                            field, text, problem):
    window.refresh_decks(select=deck)
    add = window.open_add()
    add.set_kind(kind)
    add.form.set_texts({field: text, "back": "A"})
    assert add.add_note() is None
    label = add.form.findChild(QLabel, f"problem_{field}")
    assert not label.isHidden() and label.text().startswith(problem)
    assert "Not added" in add.status.text()
    assert col.decks.contents(deck).cards == 0


def test_the_note_editor_shows_and_saves_angle_brackets_as_typed(qtbot, col, deck):
    note = col.notes.add(deck, Kind.BASIC, {"front": PHRASE, "back": "&lt;b&gt; is bold"},
                         now()).note_id
    editor = NoteEditor(col, autosave=False)
    qtbot.addWidget(editor)
    editor.show_note(note)
    assert editor.form.texts()["front"] == PHRASE
    assert editor.form.texts()["back"] == "&lt;b&gt; is bold"  # as "<b>" it would be bold
    editor.form.editor("back").setPlainText("Say <name> twice")
    assert editor.save()
    assert col.notes.get(note)[1] == {"front": STORED, "back": "Say &lt;name&gt; twice"}
    editor.form.editor("front").setPlainText("Broken {{c1::")
    assert editor.save()  # a basic note: the text is only text
    editor.form.editor("front").setPlainText("y" * (MAX_FIELD_CHARS + 1))
    assert not editor.save()
    assert editor.form.findChild(QLabel, "problem_front").text().startswith("Too long: 100,001")
