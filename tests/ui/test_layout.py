"""No clipped or overlapping controls at 1024×640, at 1920×1080 or with the
largest card font; every control reachable by keyboard, named and explained."""

import pytest
from pytestqt.exceptions import TimeoutError
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractScrollArea, QComboBox, QHeaderView, QLineEdit, QMenuBar,
    QPlainTextEdit, QScrollBar, QSpinBox, QStatusBar, QToolBar, QWidget,
)

from flashdesk.model import Kind
from flashdesk.ui.main_window import Screen
from flashdesk.ui.prefs import FONT_MAX
from flashdesk.ui.theme import ThemeChoice

from uihelpers import KINDS_DECK, write_deck

SIZES = [((1024, 640), None), ((1920, 1080), None), ((1024, 640), FONT_MAX)]


def _scrolled(widget: QWidget) -> bool:
    """Inside a scroll area's content: it may extend past the visible part."""
    w = widget.parentWidget()
    while w is not None:
        if isinstance(w, QAbstractScrollArea):
            return True
        w = w.parentWidget()
    return False


def clipping(root: QWidget) -> list[str]:
    """Visible widgets smaller than they need, or sticking out of their parent."""
    problems = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or w.isWindow() or isinstance(w, (QHeaderView, QScrollBar)) \
                or isinstance(w.parentWidget(), (QToolBar, QMenuBar)):
            continue
        name = f"{type(w).__name__}({getattr(w, 'text', lambda: '')()!r:.40})"
        hint = w.minimumSizeHint()
        # text that wraps needs a height for its width, not its narrowest shape's height
        need = w.heightForWidth(w.width()) if w.hasHeightForWidth() else hint.height()
        if hint.isValid() and (w.width() + 1 < hint.width() or w.height() + 2 < need):
            problems.append(f"{name}: {w.width()}x{w.height()} < needed {hint.width()}x{need}")
        parent = w.parentWidget()
        if parent is not None and not _scrolled(w) and not isinstance(parent, QStatusBar):
            if not QRect(0, 0, parent.width(), parent.height()).adjusted(-1, -1, 1, 1).contains(w.geometry()):
                problems.append(f"{name}: outside its parent {type(parent).__name__}")
    return problems


def no_clipping(qtbot, root, where: str):
    try:
        qtbot.waitUntil(lambda: not clipping(root), timeout=3000)
    except TimeoutError:
        pytest.fail(f"{where}: " + "; ".join(clipping(root)))


@pytest.fixture
def kinds(col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK)])
    return col


@pytest.mark.parametrize("size,font", SIZES, ids=["1024x640", "1920x1080", "largest-font"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_screen_is_clipped(qtbot, window, kinds, size, font, theme):
    if font:
        window.prefs.set_card_font_pt(font)
    window.prefs.set_theme(ThemeChoice(theme))
    window.apply_theme()
    window.resize(*size)
    window.refresh_decks(select="kinds")
    no_clipping(qtbot, window, "deck list")
    window.study_current()
    reviewer = window.reviewer
    for kind in (Kind.BASIC, Kind.CLOZE, Kind.CHOICE, Kind.ORDER, Kind.SCENARIO):
        assert reviewer.card.kind == kind
        for side in ("question", "answer"):
            no_clipping(qtbot, window, f"{kind} {side}")
            if side == "question":
                if kind == Kind.CHOICE:
                    reviewer.view.pick(reviewer.view.right_number)
                else:
                    reviewer.reveal()
        reviewer.grade(reviewer.grade_buttons[-1].key)  # Easy: no re-drill
    assert window.screen == Screen.SUMMARY
    no_clipping(qtbot, window, "summary")
    dialog = window.open_settings()
    no_clipping(qtbot, dialog, "settings")


def test_every_control_is_reachable_named_and_explained(qtbot, window, kinds):
    window.refresh_decks(select="kinds")
    roots = [window]
    window.study_current()
    window.reviewer.reveal()
    roots.append(window.open_settings())
    for root in roots:
        for w in root.findChildren(QWidget):
            if not w.isVisible() or isinstance(w.parentWidget(), (QToolBar, QMenuBar)):
                continue
            if isinstance(w, (QAbstractButton, QLineEdit, QPlainTextEdit, QSpinBox, QComboBox)):
                label = w.accessibleName() or getattr(w, "text", lambda: "")()
                assert label, f"{type(w).__name__} has no accessible name"
                if w.focusPolicy() == Qt.FocusPolicy.NoFocus:
                    continue  # e.g. the options of an answered choice card
                assert w.focusPolicy() & Qt.FocusPolicy.TabFocus, f"{label}: not reachable by Tab"
    for action in (window.study_action, window.import_action, window.browse_action,
                   window.stats_action, window.settings_action, window.undo_action):
        keys = action.shortcut().toString()
        assert keys and f"({keys})" in action.toolTip().replace("Return", "Return")
    for button in window.reviewer.grade_buttons:
        assert f"key {button.key}" in button.toolTip()


def test_focus_is_visible_in_both_themes(qtbot, window):
    for theme in ("light", "dark"):
        window.prefs.set_theme(ThemeChoice(theme))
        sheet = window.apply_theme().style_sheet
        for selector in ("QPushButton:focus", "QTreeView:focus", "QCheckBox:focus",
                         "QLineEdit:focus", "QListWidget:focus", "QToolButton:focus"):
            assert selector in sheet
        assert window.theme.colors["focus"] in sheet
