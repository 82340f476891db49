"""Text from files is plain text in every widget: a deck name, description,
tag or card front holding markup is shown as the characters it is, never
rendered (Qt would read ``<img src=…>`` from the disk, and ``/dev/zero``
would hang the window)."""

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

from flashdesk.ui.main_window import Screen

from uihelpers import write_deck

MARK = '<img src="/dev/zero">'
HOSTILE = f'''
[deck]
id = "evil"
name = 'Evil {MARK} deck'
description = 'Read {MARK} and <b>bold</b> and <a href="x">a link</a>'

[[notes]]
id = "one"
kind = "basic"
front = "A plain front"
back = "A back"
tags = ["<b>tag</b>"]
'''


def rich_places(root: QWidget) -> list[str]:
    """Every place under ``root`` where a hostile text would be taken as markup."""
    found = []
    for w in [root, *root.findChildren(QWidget)]:
        tip = w.toolTip()
        if "<img" in tip or "<b>tag" in tip:
            found.append(f"tooltip of {type(w).__name__}: {tip[:60]}")
        if isinstance(w, QLabel) and ("<img" in w.text() or "<b>tag" in w.text()):
            if w.textFormat() != Qt.TextFormat.PlainText:
                found.append(f"{type(w).__name__} {w.objectName()}: {w.text()[:60]}")
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            found += rich_in_model(w.model(), QModelIndex())
    return found


def rich_in_model(model, parent, depth=0) -> list[str]:
    found = []
    for row in range(min(model.rowCount(parent), 200)):
        for col in range(model.columnCount(parent)):
            index = model.index(row, col, parent)
            tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
            if isinstance(tip, str) and ("<img" in tip or "<b>tag" in tip):
                found.append(f"tooltip of a cell of {type(model).__name__}: {tip[:60]}")
        if depth < 4:
            found += rich_in_model(model, model.index(row, 0, parent), depth + 1)
    return found


def test_no_window_renders_text_from_a_file_as_markup(qtbot, window, col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "evil.toml", HOSTILE)])
    window.refresh_decks(select="evil")
    shown = window.decks.model.summaries()
    assert any(MARK in s.name for s in shown)  # kept, as the characters it is
    problems = rich_places(window)
    window.study_current()
    assert window.screen == Screen.REVIEW
    problems += rich_places(window)
    window.reviewer.reveal()
    window.reviewer.grade(3)
    assert window.screen == Screen.SUMMARY
    problems += rich_places(window)
    window.show_decks()
    preview = window.preview_import([str(tmp_path / "evil.toml")])
    with qtbot.waitSignal(preview.previewed, timeout=10000):
        pass
    problems += rich_places(preview)
    preview.accept()
    qtbot.waitSignal(window.imported, timeout=10000).wait()
    problems += rich_places(window.last_dialog)
    window.last_dialog.close()
    browser = window.show_browse()
    with qtbot.waitSignal(browser.results_shown, timeout=10000):
        browser.refresh()
    browser.select_row(0)
    problems += rich_places(browser)
    stats = window.show_statistics()
    with qtbot.waitSignal(stats.shown_statistics, timeout=10000):
        pass
    problems += rich_places(stats)
    dialog = window.open_settings()
    problems += rich_places(dialog)
    dialog.close()
    assert problems == []


def test_the_checks_see_a_rich_label_and_a_raw_tooltip(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    label = QLabel(f"Deck {MARK}", widget)  # AutoText: Qt would render it
    widget.setToolTip(f"Evil {MARK}")
    assert len(rich_places(widget)) == 2
    label.setTextFormat(Qt.TextFormat.PlainText)
    widget.setToolTip("")
    assert rich_places(widget) == []
