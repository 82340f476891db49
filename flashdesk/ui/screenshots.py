"""Screenshots of every screen, in both themes:

    python -m flashdesk.ui.screenshots OUTDIR [--size WxH ...] [--font PT] [--theme both]

Uses a temporary profile with the bundled decks (a small sample deck fills in
any card kind they lack) and three weeks of study, renders off-screen, and
saves PNG files named ``THEME-SCREEN-WxH.png`` for every screen at each size
(1024x640 and 1366x768 unless ``--size`` says), the Add window with a note of
each kind (``THEME-add-KIND-WxH.png``), and the progress report's pages
(``report-page-N.png``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

_SAMPLE_DECK = '''
[deck]
id = "screenshot-sample"
name = "Sample::Every card kind"
description = "One note of each kind, for screenshots."

[[notes]]
id = "basic"
kind = "basic"
front = "What does the HEAT model stand for?"
back = "Hear, Empathise, Apologise, Take ownership"
extra = "A four-step way to handle a complaint."

[[notes]]
id = "cloze"
kind = "cloze"
text = "In HEAT, the E stands for {{c1::Empathise}}: show you understand how the customer feels."
extra = "Empathy is not the same as accepting blame."

[[notes]]
id = "choice"
kind = "choice"
question = "A customer starts shouting about a late delivery. Using HEAT, what do you do first?"
options = ["Offer a refund straight away", "Let them explain fully and listen without interrupting", "Explain the company's delivery policy"]
answer = 2
explanation = "H is Hear: listen fully before anything else."

[[notes]]
id = "order"
kind = "order"
prompt = "Put the steps of the HEAT model in order."
items = ["Hear", "Empathise", "Apologise", "Take ownership"]

[[notes]]
id = "scenario"
kind = "scenario"
prompt = "A caller says their broadband has been down for three days and nobody has called back as promised. They are angry and say they will leave."
model_answer = "Let them finish, then paraphrase the problem. Say you understand how frustrating that is, apologise for the missed call, and tell them what you will do now and when you will call back."
marking_points = ["Listens without interrupting and paraphrases the problem", "Shows empathy without blaming colleagues", "Apologises for the missed call-back", "Takes ownership with a clear, realistic next step and time"]
'''

KINDS = ("basic", "cloze", "choice", "order", "scenario", "typed")
#: the kinds the Add window is shown with: every kind there is
ADD_KINDS = ("basic", "cloze", "choice", "order", "scenario", "typed")
#: the window sizes the Add window is shown at
ADD_SIZES = ((1024, 640), (1366, 768))
#: the learner's own card whose history the note editor shows
OWN_NOTE = {"front": "What must you never promise before the duty manager agrees?",
            "back": "A refund over £50.", "extra": "Staff handbook, section 4 (refunds)."}
#: what a learner types into the Add window for each kind: their own workplace
ADD_SAMPLES: dict[str, dict] = {
    "basic": {"front": "Who can approve a refund over £50 in our shop?",
              "back": "Only the duty manager – never promise it before they agree.",
              "reverse": True, "extra": "Staff handbook, section 4 (refunds)."},
    "cloze": {"text": "If a caller is abusive, give {{c1::one calm warning}}; if it goes on, "
                      "{{c2::end the call}} and {{c3::log it in the incident book}}.",
              "extra": "Our abusive-caller procedure, 2026."},
    "choice": {"question": "A regular customer swears at you at the till. What do you do first?",
               "options": "Ask them to leave at once\nStay calm and say you will help once "
                          "they stop swearing\nCall the police",
               "answer": "2", "explanation": "One clear, calm boundary first (our policy)."},
    "order": {"prompt": "Put our complaint procedure in order.",
              "items": "Listen without interrupting\nLog the complaint on the till system\n"
                       "Agree what happens next\nFollow up within two days",
              "explanation": "From the team briefing, March 2026."},
    "scenario": {"prompt": "A customer returns a kettle for the third time and says we sell "
                           "rubbish. The queue behind them is growing.",
                 "model_answer": "Acknowledge the frustration, apologise for the trouble, offer "
                                 "a refund or a different model, and ask a colleague to open "
                                 "another till.",
                 "marking_points": "Acknowledges the frustration\nApologises without blaming "
                                   "colleagues\nOffers a clear choice\nDeals with the queue",
                 "explanation": "Our own example for the portfolio."},
    "typed": {"prompt": "Who signs off a refund over £50 in our shop?",
              "answer": "the *duty manager*", "accept": "duty manager\nthe manager on duty",
              "explanation": "Staff handbook, section 4 (refunds)."},
}


def _settle(app) -> None:
    # a script, not a test: let pending layout and paint events run before grabbing
    for _ in range(3):
        app.processEvents()


def _cards_by_kind(col) -> dict[str, str]:
    """One card id of each kind among the collection's decks (first found)."""
    from ..cards import card_ords
    from ..model import card_id, note_id

    found: dict[str, str] = {}
    for summary in col.decks.summaries(_now()):
        for deck in col.files.export_data(summary.id):
            for note in deck.notes:
                kind = note.kind.value
                if kind not in found:
                    ords = card_ords(note.kind, note.fields)
                    found[kind] = card_id(note_id(deck.id, note.key), ords[0] if ords else 0)
    return found


_SAMPLE_SHEET = (
    "id,kind,front,back,options,tags\n"
    "w3-1,basic,What does the A in LAST stand for?,Acknowledge,,last\n"
    "w3-2,choice,A customer says 'it's fine' but sounds upset. Which behaviour?,Passive,"
    "Aggressive | Passive | Manipulative,behaviour\n"
    "w3-3,order,Put LAST in order,Listen | Acknowledge | Solve | Thank,,last\n"
    "w3-4,basic,,an empty front is skipped,,\n"
)


def _wait(app, signal, timeout_ms: int = 10000) -> None:
    """Run the event loop until ``signal`` fires (a worker finished)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    signal.connect(lambda *_: loop.quit())
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    _settle(app)


def _study_history(col, days: int) -> None:
    """Three weeks of study by a steady learner, so the charts have something to show;
    on the first day the learner also wrote a card of their own ("My workplace"),
    answered on days 0, 1, 7 (forgotten), 8 and 9, for the note editor's card info."""
    from datetime import timedelta

    from ..model import Grade, Kind

    rng = random.Random(7)
    start = _now() - timedelta(days=days)
    mine = col.decks.create("My workplace", start).deck_id
    own = col.notes.add(mine, Kind.BASIC, OWN_NOTE, start, tags=["my-workplace", "refunds"],
                        source="Staff handbook, section 4").card_ids[0]
    own_answers = {0: Grade.GOOD, 1: Grade.GOOD, 7: Grade.AGAIN, 8: Grade.GOOD, 9: Grade.GOOD}
    for day in range(days):
        now = start + timedelta(days=day)
        if day in own_answers:
            col.study.answer(own, own_answers[day], now, time_ms=rng.randint(3000, 9000))
        for _ in range(25):
            step = col.study.step(None, now)
            if step is None:
                break
            if step.card.id == own:
                col.study.bury([own], now)
                continue
            col.study.answer(step.card.id, rng.choice((Grade.AGAIN, Grade.HARD, Grade.GOOD,
                                                       Grade.GOOD, Grade.GOOD, Grade.EASY)),
                             now, time_ms=rng.randint(3000, 20000))
    col.study.end_session()


def _now():
    from datetime import datetime

    return datetime.now().astimezone()


def take(outdir: Path, sizes: list[tuple[int, int]], font_pt: int | None,
         themes: list[str], *, report: bool = True) -> list[Path]:
    """Every screen, at each of ``sizes`` (the screen a window is shown on:
    top-level windows take the whole of it, dialogs their own size, never
    more than it), in each of ``themes``; then the progress report's pages.

    Returns the PNG files written, named ``THEME-SCREEN-WxH.png`` (and
    ``report-page-N.png``)."""
    from PySide6.QtCore import QSettings

    from ..collection import Collection
    from .app import application
    from .main_window import MainWindow

    app = application()
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="flashdesk-shots-") as tmp:
        col = Collection.open(Path(tmp) / "profile" / "collection.db")
        cards = _cards_by_kind(col)
        if any(k not in cards for k in KINDS):
            sample = Path(tmp) / "sample.toml"
            sample.write_text(_SAMPLE_DECK, encoding="utf-8")
            col.files.import_files([sample])
            cards = {**_cards_by_kind(col), **{k: v for k, v in cards.items()}}
        _study_history(col, days=21)
        col.set_setting("learner_name", "Sam Taylor")
        settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
        if font_pt:
            from .prefs import Prefs

            Prefs(col).set_card_font_pt(font_pt)
        window = MainWindow(col, settings, rng=random.Random(3))
        window.show()
        for theme in themes:
            for size in sizes:
                _screens(app, window, cards, theme, size, Path(tmp), outdir, written)
        window.close()
        if report:
            written += _report_pages(col, outdir)
        col.close()
    return written


def _fit(widget, size: tuple[int, int]) -> None:
    """A dialog at the size it opens at, but never beyond the screen."""
    widget.show()
    widget.resize(min(widget.width(), size[0]), min(widget.height(), size[1]))


def _screens(app, window, cards: dict[str, str], theme: str, size: tuple[int, int],
             tmp: Path, outdir: Path, written: list[Path]) -> None:
    """Every screen of one theme at one screen size."""
    from ..review import SessionSummary
    from .dialogs.custom_study import CustomStudyDialog
    from .dialogs.import_result import ImportResultDialog
    from .dialogs.shortcuts import ShortcutsDialog
    from .main_window import Screen
    from .theme import ThemeChoice

    tag = f"{size[0]}x{size[1]}"

    def save(name: str, widget=None) -> None:
        _settle(app)
        path = outdir / f"{theme}-{name}-{tag}.png"
        (widget or window).grab().save(str(path))
        written.append(path)

    col = window.collection
    window.prefs.set_theme(ThemeChoice(theme))
    window.apply_theme()
    window.resize(*size)
    window.show_decks()
    save("decks")
    first_deck = window.decks.current_deck_id()
    for kind in KINDS:
        card = col.study.card(cards[kind], _now())
        window.reviewer.start(card.deck_id, card.deck_name)
        window.reviewer.show_card(card)
        view = window.reviewer.view
        if kind == "scenario":
            view.editor.setPlainText("I'd let them finish, say sorry that nobody called "
                                     "back, and promise to ring them tomorrow.")
        elif kind == "typed":
            view.editor.setText("the manager")
        save(f"{kind}-question")
        if kind == "choice":
            view.pick(1 if view.right_number != 1 else 2)  # a wrong pick
        else:
            window.reviewer.reveal()
        if kind == "scenario":
            for point in view.points[:2]:
                point.set_checked(True)
        save(f"{kind}-answer")
    window.reviewer.stop()
    window.summary.show_summary(SessionSummary(
        deck_id=first_deck, deck_name=window.decks.current_summary().name,
        studied=18, correct=15, answers=21, seconds=754, due_tomorrow=12))
    window.show_screen(Screen.SUMMARY)
    save("summary")
    window.show_decks()
    dialog = window.open_settings()
    _fit(dialog, size)
    save("settings", dialog)
    dialog.close()
    keys = ShortcutsDialog(window)
    _fit(keys, size)
    keys.show()
    save("keys", keys)
    keys.close()
    custom = CustomStudyDialog("Models", col.notes.tags(first_deck), window)
    _fit(custom, size)
    custom.show()
    save("custom-study", custom)
    custom.close()
    browser = window.show_browse()
    browser.resize(*size)
    _wait(app, browser.results_shown)
    browser._search.setText("")
    browser.select_row(2)
    save("browser", browser)
    browser.close()
    stats = window.show_statistics()
    stats.resize(*size)
    _wait(app, stats.shown_statistics)
    save("statistics", stats)
    stats.close()
    sheet = tmp / "week-3.csv"
    sheet.write_text(_SAMPLE_SHEET, encoding="utf-8")
    preview = window.preview_import([str(sheet)])
    _wait(app, preview.previewed)
    preview.resize(min(820, size[0]), min(560, size[1]))
    save("import", preview)
    preview.reject()
    result = ImportResultDialog.show_problems(window, [
        f"{sheet}:5: the front is empty (column 'front')",
        f"{sheet}:9: the choice has no right answer among its options (column 'back')"])
    _fit(result, size)
    save("import-problems", result)
    result.reject()
    classroom = window.show_class()
    classroom.resize(*size)
    if classroom.folder is None:
        with_class = _class_folder(tmp)
        classroom.set_folder(with_class)
        _wait(app, classroom.shown_class)
    save("class", classroom)
    classroom.close()
    _deck_shots(app, window, save, size)
    _files_shots(app, window, save, size)
    _add_shots(app, window, theme, size, outdir, written)


def _class_folder(tmp: Path) -> Path:
    """A class folder with three learners' shared summaries (made once):
    one steady, one ahead, one who stopped studying ten days ago."""
    from datetime import timedelta

    from ..collection import Collection
    from ..model import Grade
    from ..paths import bundled_decks
    from ..sync.classroom import share

    folder = tmp / "class"
    if folder.is_dir():
        return folder
    folder.mkdir()
    decks = [p for p in bundled_decks() if p.stem in ("models", "behaviour-types",
                                                      "misconceptions")]
    for name, grades, days_ago in (("Sam Patel", [1, 4, 3, 4, 1, 4], 0),
                                   ("Ana Costa", [4, 4, 5, 4, 4], 1),
                                   ("Kim Lee", [1, 1, 3], 10)):
        col = Collection.open(tmp / "learners" / name / "collection.db", bundled=False,
                              backups=False)
        try:
            col.files.import_files(decks)
            start = _now() - timedelta(days=days_ago)
            for day in range(6, -1, -1):
                when = start - timedelta(days=day)
                for grade in grades * 3:
                    card = col.study.next_card(None, when)
                    if card is None:
                        break
                    col.study.answer(card.id, Grade(grade), when)
            share(col, folder, name, None, _now())
        finally:
            col.close(backup=False)
    return folder


def _report_pages(col, outdir: Path) -> list[Path]:
    """The progress report PDF of the last four weeks, each page as a PNG at 110 dpi."""
    from datetime import timedelta

    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtPdf import QPdfDocument

    from .report import write_report_pdf

    now = _now()
    report = col.reports.progress_report((now - timedelta(days=27)).date(), now.date(), now)
    pdf = write_report_pdf(report, outdir / "report.pdf")
    doc = QPdfDocument()
    doc.load(str(pdf))
    pages = []
    for i in range(doc.pageCount()):
        points = doc.pagePointSize(i)
        image = doc.render(i, QSize(round(points.width() * 110 / 72),
                                    round(points.height() * 110 / 72)))
        paper = QImage(image.size(), QImage.Format.Format_RGB32)
        paper.fill(Qt.GlobalColor.white)  # the page is drawn transparent: on paper, as printed
        painter = QPainter(paper)
        painter.drawImage(0, 0, image)
        painter.end()
        path = outdir / f"report-page-{i + 1}.png"
        paper.save(str(path))
        pages.append(path)
    doc.close()
    pdf.unlink()
    return pages


def _deck_shots(app, window, save, size: tuple[int, int]) -> None:
    """The deck options, and the note editor with the learner's own card's info."""
    window.show_decks()
    deck = window.decks.current_deck_id()
    options = window.open_deck_options(deck)
    _fit(options, size)
    save("deck-options", options)
    options.reject()
    col = window.collection
    mine = col.decks.find("My workplace")
    card = col.notes.browse(_browse_deck(mine), _now())[0]
    from .dialogs.edit_note import EditNoteDialog

    dialog = EditNoteDialog(col, card.rsplit("#", 1)[0], _now, card, window)
    dialog.show()
    _fit(dialog, size)
    save("edit-note", dialog)
    dialog.reject()
    dialog.deleteLater()


def _files_shots(app, window, save, size: tuple[int, int]) -> None:
    """File › Export…, what Back up now says, and the list of backups."""
    from datetime import timedelta

    from ..backup import list_backups
    from .dialogs.backups import RestoreDialog, backed_up_message
    from .dialogs.export import ExportFormat
    from .dialogs.written import show_written

    window.show_decks()
    dialog = window.export_deck()
    dialog.set_format(ExportFormat.TOML)  # a deck with sub-decks: the longest note
    _fit(dialog, size)
    save("export", dialog)
    dialog.reject()
    col = window.collection
    if len(list_backups(col.path)) < 3:  # a few days of backups, the newest just made
        for days in (3, 1, 0):
            col.files.backup(_now() - timedelta(days=days, hours=2 * days))
    newest = list_backups(col.path)[0]
    box = show_written(window, *backed_up_message(newest.path, _now(), 10, 8))
    save("backed-up", box)
    box.close()
    restore = RestoreDialog(col.path, sync_on=False, parent=window)
    restore.show()
    if len(restore.checks) < len(restore.backups):
        _wait(app, restore.checked)
    _fit(restore, size)
    save("restore", restore)
    restore.reject()
    restore.deleteLater()


def _browse_deck(deck_id):
    from ..model import BrowseQuery

    return BrowseQuery(deck_id=deck_id)


def _add_shots(app, window, theme: str, size: tuple[int, int], outdir: Path,
               written: list[Path]) -> None:
    """The Add window with a note of each kind typed in, previewed."""
    from ..model import Kind

    window.show_decks()
    add = window.open_add(window.collection.decks.find("My workplace"))
    add.resize(*size)
    for kind in ADD_KINDS:
        add.set_kind(Kind(kind))
        add.form.set_texts(ADD_SAMPLES[kind])
        add.tags.setText("my-workplace")
        add.source.setText("")
        add.follow_now()
        _settle(app)
        path = outdir / f"{theme}-add-{kind}-{size[0]}x{size[1]}.png"
        add.grab().save(str(path))
        written.append(path)
    add.form.clear()
    add.close()


def _screen_config(size: tuple[int, int], folder: Path) -> str:
    """A QT_QPA_PLATFORM value: the off-screen platform with one screen of ``size``."""
    config = folder / f"screen-{size[0]}x{size[1]}.json"
    config.write_text(json.dumps({"screens": [{
        "name": "screenshots", "x": 0, "y": 0, "width": size[0], "height": size[1],
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    return f"offscreen:configfile={config}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flashdesk.ui.screenshots",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--size", action="append",
                        help="screen size, WxH (repeatable; default 1024x640 and 1366x768)")
    parser.add_argument("--font", type=int, help="card font size in points")
    parser.add_argument("--theme", choices=["light", "dark", "both"], default="both")
    parser.add_argument("--no-report", action="store_true", help="leave out the report's pages")
    args = parser.parse_args(argv)
    sizes = [(int(w), int(h)) for w, h in (v.lower().split("x") for v in args.size
                                          or [f"{w}x{h}" for w, h in ADD_SIZES])]
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None and os.environ.get("QT_QPA_PLATFORM",
                                                          "offscreen") == "offscreen":
        # a process per size, each on an off-screen screen of that size, so that
        # windows and dialogs open as they would on it
        with tempfile.TemporaryDirectory(prefix="flashdesk-screens-") as tmp:
            for i, size in enumerate(sizes):
                command = [sys.executable, "-m", "flashdesk.ui.screenshots", str(args.outdir),
                           "--size", f"{size[0]}x{size[1]}", "--theme", args.theme]
                command += ["--font", str(args.font)] if args.font else []
                command += ["--no-report"] if args.no_report or i else []
                env = {**os.environ, "QT_QPA_PLATFORM": _screen_config(size, Path(tmp))}
                done = subprocess.run(command, env=env, check=False)
                if done.returncode:
                    return done.returncode
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler

    # the off-screen platform notes that it cannot size real windows: not news here
    qInstallMessageHandler(lambda _mode, _context, message: None
                           if "propagateSizeHints" in message else print(message, file=sys.stderr))
    themes = ["light", "dark"] if args.theme == "both" else [args.theme]
    for path in take(args.outdir, sizes, args.font, themes, report=not args.no_report):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
