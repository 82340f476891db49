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
from flashdesk.ui.widgets import LINE_EDIT_CHROME

from uihelpers import KINDS_DECK, write_deck

SIZES = [((1024, 640), None), ((1366, 768), None), ((1920, 1080), None),
         ((1024, 640), FONT_MAX)]


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
        # (a box of widgets, the least its layout can give them at that width)
        need = hint.height()
        if w.hasHeightForWidth():
            need = w.layout().minimumHeightForWidth(w.width()) if w.layout() is not None \
                else w.heightForWidth(w.width())
        if isinstance(w, QLineEdit) and isinstance(w.parentWidget(), QComboBox):
            # an editable list draws its text box without frame or margins: a line of text
            need = w.fontMetrics().height()
        if hint.isValid() and (w.width() + 1 < hint.width() or w.height() + 2 < need):
            problems.append(f"{name}: {w.width()}x{w.height()} < needed {hint.width()}x{need}")
        if isinstance(w, QLineEdit) and w.placeholderText() and not w.text() \
                and not isinstance(w.parentWidget(), QComboBox):
            # what to type, said whole
            wanted = w.fontMetrics().horizontalAdvance(w.placeholderText()) + LINE_EDIT_CHROME
            if w.width() + 1 < wanted:
                problems.append(f"{name}: placeholder {w.placeholderText()!r} cut off "
                                f"({w.width()} < {wanted})")
        parent = w.parentWidget()
        if parent is not None and not _scrolled(w) and not isinstance(parent, QStatusBar):
            if not QRect(0, 0, parent.width(), parent.height()).adjusted(-1, -1, 1, 1).contains(w.geometry()):
                problems.append(f"{name}: outside its parent {type(parent).__name__}")
    return problems + overlapping(root)


def _laid_out(w: QWidget) -> bool:
    """Placed by its parent's layout (not a scroll area's part, a popup, a
    splitter's handle or a child the parent draws itself)."""
    parent = w.parentWidget()
    layout = parent.layout() if parent is not None else None
    return layout is not None and layout.indexOf(w) >= 0


def _named(w: QWidget) -> str:
    return f"{type(w).__name__}({getattr(w, 'text', lambda: '')()!r:.30})"


def overlapping(root: QWidget) -> list[str]:
    """Visible widgets of one layout that lie on each other (a label drawn
    over the box above it, once a problem line appeared)."""
    problems = []
    for parent in [root, *root.findChildren(QWidget)]:
        if not parent.isVisible() or parent.layout() is None:
            continue
        kids = [w for w in parent.children() if isinstance(w, QWidget) and w.isVisible()
                and not w.isWindow() and _laid_out(w) and w.width() > 0 and w.height() > 0]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                if a.geometry().adjusted(1, 1, -1, -1).intersects(
                        b.geometry().adjusted(1, 1, -1, -1)):
                    problems.append(f"{_named(a)} and {_named(b)} overlap in "
                                    f"{type(parent).__name__}")
    return problems


def no_clipping(qtbot, root, where: str):
    try:
        qtbot.waitUntil(lambda: not clipping(root), timeout=3000)
    except TimeoutError:
        pytest.fail(f"{where}: " + "; ".join(clipping(root)))


#: every kind there is: the shared deck and a typed answer
TYPED_NOTE = '''
[[notes]]
id = "f-typed"
kind = "typed"
prompt = "Which model has the steps Hear, Empathise, Apologise, Take ownership?"
answer = "the *HEAT* model"
explanation = "HEAT: a complaint-handling model."
'''


@pytest.fixture
def kinds(col, tmp_path):
    col.files.import_files([write_deck(tmp_path, "k.toml", KINDS_DECK + TYPED_NOTE)])
    return col


@pytest.mark.parametrize("size,font", SIZES,
                         ids=["1024x640", "1366x768", "1920x1080", "largest-font"])
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
    for kind in (Kind.BASIC, Kind.CLOZE, Kind.CHOICE, Kind.ORDER, Kind.SCENARIO, Kind.TYPED):
        assert reviewer.card.kind == kind
        for side in ("question", "answer"):
            no_clipping(qtbot, window, f"{kind} {side}")
            if side == "question":
                if kind == Kind.CHOICE:
                    reviewer.view.pick(reviewer.view.right_number)
                elif kind == Kind.TYPED:
                    reviewer.view.editor.setText("the HEAT modle")
                    reviewer.reveal()
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
    window.settings_dialog.close()
    roots.append(window.open_deck_options("kinds"))
    add = window.open_add("kinds")
    for root in [*roots, *(add for kind in Kind if add.set_kind(kind) or True)]:
        for w in root.findChildren(QWidget):  # (the Add window: once with each kind's form)
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


FITS = """
[deck]
id = "fits"
name = "Fits"

[[notes]]
id = "c"
kind = "choice"
question = "A caller shouts: 'This is the third time I've rung! I want it sorted out today!' He isn't swearing or threatening anyone. Which type of behaviour is this?"
options = ["Passive", "Manipulative", "Aggressive"]
answer = 3
explanation = "A raised voice and a forceful demand are open aggression, aimed at the problem rather than at you. De-escalate: stay calm, let him finish and acknowledge the repeated calls. A threat or a personal insult would make it abusive."
source = "Customer interactions – Examiner marking points"

[[notes]]
id = "o"
kind = "order"
prompt = "Put the steps of the HEAT model in order."
items = ["Hear", "Empathise", "Apologise", "Take ownership"]
explanation = "Hear first: let the customer finish before anything else, then show you understand, apologise, and say what you will do."
source = "Service excellence – Key concepts"
"""


def test_a_card_that_fits_shows_no_scroll_bar(qtbot, window, col, tmp_path):
    """At 1366×768 and the default font, the answer side of a choice or an
    order card with its explanation fits: no scroll bar, the Source line in
    view (wrapped text used to ask for its height at its narrowest)."""
    col.files.import_files([write_deck(tmp_path, "f.toml", FITS)])
    window.resize(1366, 768)
    window.refresh_decks(select="fits")
    window.study_current()
    reviewer = window.reviewer
    for kind in (Kind.CHOICE, Kind.ORDER):
        assert reviewer.card.kind == kind
        if kind == Kind.CHOICE:
            reviewer.view.pick(reviewer.view.right_number)
        else:
            reviewer.reveal()
        bar = reviewer._scroll.verticalScrollBar()
        qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=2000)  # nothing to scroll
        assert reviewer._source_label.isHidden() or reviewer._source_label.visibleRegion() \
            .boundingRect().height() == reviewer._source_label.height()
        reviewer.grade(reviewer.grade_buttons[-1].key)


def elided_chart_labels(window) -> list[str]:
    """Category labels of the charts that cannot have the room they need
    left of the plot (QtCharts then shortens them with an ellipsis; its text
    items are not reachable from Python, so the room is measured)."""
    from PySide6.QtCharts import QBarCategoryAxis, QChartView
    from PySide6.QtGui import QFontMetrics

    found = []
    for view in window.findChildren(QChartView):
        chart = view.chart()
        import re

        for line in re.sub(r"<[^>]+>", "\n", chart.title().replace("<br>", "\n")).splitlines():
            width = QFontMetrics(chart.titleFont()).horizontalAdvance(line.strip())
            if width > chart.size().width() - 16:
                found.append(f"{view.accessibleName()}: title needs {width}px")
        for axis in chart.axes():
            if not isinstance(axis, QBarCategoryAxis):
                continue
            metrics = QFontMetrics(axis.labelsFont())
            need = max((metrics.horizontalAdvance(c) for c in axis.categories()), default=0)
            room = chart.plotArea().left() - chart.margins().left() - 8
            if need > room:
                found.append(f"{view.accessibleName()}: labels need {need}px, have {room:.0f}")
    return found


def elided_headers(view) -> list[str]:
    header = view.horizontalHeader()
    metrics = header.fontMetrics()
    model = view.model()
    return [model.headerData(i, Qt.Orientation.Horizontal)
            for i in range(header.count()) if not header.isSectionHidden(i)
            and header.sectionSize(i) < metrics.horizontalAdvance(
                model.headerData(i, Qt.Orientation.Horizontal)) + 12]


@pytest.mark.parametrize("size", [(1024, 640), (1366, 768), (1920, 1080)],
                         ids=["1024x640", "1366x768", "1920x1080"])
def test_statistics_and_browser_fit_and_nothing_is_elided(qtbot, window, kinds, size):
    window.resize(*size)
    stats = window.show_statistics()
    stats.resize(*size)
    qtbot.waitSignal(stats.shown_statistics, timeout=10000).wait() if stats.statistics is None \
        else None
    qtbot.waitUntil(lambda: stats.statistics is not None, timeout=10000)
    no_clipping(qtbot, stats, "statistics")
    try:
        qtbot.waitUntil(lambda: not elided_chart_labels(stats), timeout=3000)
    except TimeoutError:
        pytest.fail("; ".join(elided_chart_labels(stats)))
    assert elided_headers(stats._mastery) == []
    stats.close()
    browser = window.show_browse()
    browser.resize(*size)
    qtbot.waitUntil(lambda: browser.model.rowCount() > 0, timeout=10000)
    no_clipping(qtbot, browser, "browser")
    assert elided_headers(browser._table) == []
    browser.close()


@pytest.mark.parametrize("size,font", [((1024, 640), None), ((1366, 768), None),
                                       ((1024, 640), FONT_MAX)],
                         ids=["1024x640", "1366x768", "largest-font"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_add_window_and_the_deck_dialogs_are_not_clipped(qtbot, window, kinds, size, font,
                                                             theme):
    from datetime import datetime

    from flashdesk.ui.dialogs.edit_note import EditNoteDialog
    from flashdesk.ui.screenshots import ADD_KINDS, ADD_SAMPLES

    if font:
        window.prefs.set_card_font_pt(font)
    window.prefs.set_theme(ThemeChoice(theme))
    window.apply_theme()
    window.resize(*size)
    add = window.open_add("kinds")
    add.resize(*size)
    for kind in ADD_KINDS:
        add.set_kind(Kind(kind))
        add.form.set_texts(ADD_SAMPLES[kind])
        add.follow_now()
        for side in (False, True):
            add.preview.answer_side.setChecked(side)
            no_clipping(qtbot, add, f"Add window, {kind}, {'answer' if side else 'question'}")
    add.form.set_texts({})
    add.add_note()  # the problems under their fields
    no_clipping(qtbot, add, "Add window with problems")
    add.close()
    options = window.open_deck_options("kinds")
    no_clipping(qtbot, options, "deck options")
    options.reject()
    dialog = EditNoteDialog(window.collection, "kinds/e-scenario",
                            lambda: datetime.now().astimezone(), parent=window)
    qtbot.addWidget(dialog)
    dialog.resize(min(dialog.width(), size[0]), min(dialog.height(), size[1]))
    dialog.show()
    no_clipping(qtbot, dialog, "note editor")


@pytest.mark.parametrize("font", [None, FONT_MAX], ids=["default-font", "largest-font"])
def test_every_dialog_opens_within_a_small_screen(qtbot, window, kinds, tmp_path, font,
                                                  monkeypatch):
    """On a 1024×640 screen (600 pixels free of the task bar), each dialog
    opens at a size that fits, and nothing in it is clipped at that size."""
    from datetime import datetime

    from PySide6.QtCore import QSize

    from flashdesk.ui import geometry

    monkeypatch.setattr(geometry, "available_size", lambda _widget: QSize(1024, 600))
    from flashdesk.ui.dialogs.custom_study import CustomStudyDialog
    from flashdesk.ui.dialogs.edit_note import EditNoteDialog
    from flashdesk.ui.dialogs.import_result import ImportResultDialog
    from flashdesk.ui.dialogs.shortcuts import ShortcutsDialog
    from flashdesk.ui.stats_window import ReportDialog

    if font:
        window.prefs.set_card_font_pt(font)
    window.resize(1024, 640)
    window.refresh_decks(select="kinds")
    sheet = write_deck(tmp_path, "week.csv", "front,back\nWhat does H stand for?,Hear\n")
    preview = window.preview_import([str(sheet)])
    qtbot.waitUntil(lambda: bool(preview.results or preview.problems), timeout=10000)
    dialogs = {
        "settings": window.open_settings(),
        "keys": ShortcutsDialog(window),
        "custom study": CustomStudyDialog("Kinds", kinds.notes.tags(), window),
        "deck options": window.open_deck_options("kinds"),
        "import preview": preview,
        "import problems": ImportResultDialog("Nothing was imported", "2 problems found.",
                                              [f"{sheet}:{n}: the front is empty"
                                               for n in range(2, 40)], window),
        "note editor": EditNoteDialog(kinds, "kinds/f-typed",
                                      lambda: datetime.now().astimezone(), parent=window),
        "progress report": ReportDialog(kinds, window),
    }
    for name, dialog in dialogs.items():
        dialog.show()
        size = dialog.size()
        assert size.width() <= 1024 and size.height() <= 600, f"{name}: {size}"
        no_clipping(qtbot, dialog, name)
        dialog.close()


def test_the_add_window_and_the_note_editor_remember_their_size(qtbot, window, kinds):
    from datetime import datetime

    from flashdesk.ui.add_window import AddWindow
    from flashdesk.ui.dialogs.edit_note import EditNoteDialog

    add = window.open_add("kinds")
    add.resize(780, 520)
    add.close()
    again = AddWindow(window.collection, window.prefs, window, deck_id="kinds")
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (780, 520)
    now = lambda: datetime.now().astimezone()  # noqa: E731
    dialog = EditNoteDialog(window.collection, "kinds/a-basic", now, parent=window.browser
                            or window.show_browse())
    dialog.show()
    dialog.resize(730, 490)
    dialog.reject()
    again = EditNoteDialog(window.collection, "kinds/a-basic", now, parent=window)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (730, 490)


def test_custom_study_counts_its_days(qtbot):
    from flashdesk.model import CustomKind
    from flashdesk.ui.dialogs.custom_study import CustomStudyDialog

    dialog = CustomStudyDialog("Models", ["heat"])
    qtbot.addWidget(dialog)
    forgot = dialog._numbers[CustomKind.FORGOTTEN]
    assert forgot.value() == 1 and forgot.text() == "1 day"
    forgot.setValue(3)
    assert forgot.text() == "3 days"
    forgot.setValue(1)
    assert forgot.text() == "1 day"


@pytest.mark.parametrize("size", [(1024, 640), (1366, 768)], ids=["1024x640", "1366x768"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_problem_lines_push_the_fields_below_them_down(qtbot, window, kinds, size, theme):
    """A problem line under a field makes room for itself, in the Add window
    and the note editor, for every kind: no label lands on the box above."""
    from datetime import datetime

    from flashdesk.ui.dialogs.edit_note import EditNoteDialog
    from flashdesk.ui.screenshots import ADD_KINDS

    window.prefs.set_theme(ThemeChoice(theme))
    window.apply_theme()
    add = window.open_add("kinds")
    add.resize(*size)
    # the case a learner met: a typed answer with a lone star
    add.set_kind(Kind.TYPED)
    add.form.set_texts({"prompt": "Which Act gives customers a right to a refund for faulty "
                                  "goods?",
                        "answer": "The *Consumer Rights Act* 2015 and a * star"})
    add.tags.setText("refunds workplace")
    assert add.add_note() is None
    assert not add.form.findChild(QWidget, "problem_answer").isHidden()
    no_clipping(qtbot, add, "Add window, a typed answer's problem")
    for kind in ADD_KINDS:  # every field of every kind with a problem that wraps
        add.set_kind(Kind(kind))
        add.form.show_problems([f"field '{f.name}': this line says at some length what is "
                                f"wrong with the {f.label.lower()} and how to put it right"
                                for f in add.form.spec.fields])
        no_clipping(qtbot, add, f"Add window, {kind} with a problem under each field")
    add.close()
    dialog = EditNoteDialog(window.collection, "kinds/f-typed",
                            lambda: datetime.now().astimezone(), parent=window)
    qtbot.addWidget(dialog)
    dialog.resize(min(dialog.width(), size[0]), min(dialog.height(), size[1]))
    dialog.show()
    form = dialog.editor.form
    form.show_problems([f"field '{f.name}': this line says at some length what is wrong with "
                        f"the {f.label.lower()} and how to put it right" for f in form.spec.fields])
    no_clipping(qtbot, dialog, "note editor with a problem under each field")


@pytest.fixture
def larger_text(qapp):
    """The window's text a size larger, as on a laptop whose fonts render
    larger than here: text that cannot wrap then needs more than the screen."""
    font = qapp.font()
    larger = qapp.font()
    larger.setPointSizeF(font.pointSizeF() * 1.25)
    qapp.setFont(larger)
    yield
    qapp.setFont(font)


@pytest.mark.parametrize("size", [(1024, 640), (1366, 768)], ids=["1024x640", "1366x768"])
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("folder", ["none", "empty", "one-learner"])
def test_the_class_screen_is_not_clipped(qtbot, window, kinds, tmp_path, size, theme, folder,
                                         larger_text):
    from datetime import datetime

    from flashdesk.sync.classroom import share

    window.prefs.set_theme(ThemeChoice(theme))
    window.apply_theme()
    tutor = window.show_class()
    tutor.resize(*size)
    if folder != "none":
        (tmp_path / "class").mkdir()
        if folder == "one-learner":
            share(kinds, tmp_path / "class", "Sam", None, datetime.now().astimezone())
        with qtbot.waitSignal(tutor.shown_class, timeout=10000):
            tutor.set_folder(tmp_path / "class")
    assert (tutor.width(), tutor.height()) == size  # its text wraps: it fits the screen
    no_clipping(qtbot, tutor, f"Class screen, {folder}")
