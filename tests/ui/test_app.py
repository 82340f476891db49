"""Starting up (the collection opens off the UI thread), workers, the icon
and the screenshot script."""

import threading
from pathlib import Path

import pytest

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from flashdesk.model import FlashdeskError, Kind
from flashdesk.paths import bundled_decks
from flashdesk.ui import screenshots
from flashdesk.ui.app import Launcher
from flashdesk.ui.theme import app_icon
from flashdesk.ui.workers import run_op, run_task

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_the_launcher_opens_the_profile_on_a_worker_and_shows_the_window(qtbot, tmp_path):
    profile = tmp_path / "p" / "collection.db"
    launcher = Launcher(profile, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    with qtbot.waitSignal(launcher.opened, timeout=30000) as blocker:
        launcher.start()
    window = blocker.args[0]
    qtbot.addWidget(window)
    try:
        assert profile.exists()
        assert window.windowTitle() == "flashdesk"
        assert not window.windowIcon().isNull()
        names = [s.id for s in window.decks.model.summaries()]
        assert bool(names) == bool(bundled_decks())
        window.close()
    finally:
        launcher.close()


def test_a_profile_that_cannot_be_opened_says_why(qtbot, tmp_path):
    blocker_file = tmp_path / "not-a-folder"
    blocker_file.write_text("x")
    launcher = Launcher(blocker_file / "collection.db")
    with qtbot.waitSignal(launcher.failed, timeout=10000) as blocker:
        launcher.start(splash=False)
    assert "profile folder" in blocker.args[0]


def test_run_task_returns_results_and_errors_on_the_ui_thread(qtbot):
    main = threading.get_ident()
    threads = []

    def work(progress):
        threads.append(threading.get_ident())
        assert progress(1, 2) is True
        return 42

    results = []
    op = run_task(QApplication.instance(), work, lambda r: results.append((r, threading.get_ident())))
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert results == [(42, main)] and threads[0] != main

    errors = []

    def broken(progress):
        raise FlashdeskError("nope")

    op = run_task(QApplication.instance(), broken, results.append, on_failed=errors.append)
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert [str(e) for e in errors] == ["nope"]


def test_the_window_is_busy_while_an_op_runs(qtbot, window):
    gate = threading.Event()
    states = []
    op = run_op(window, lambda col, progress: gate.wait(5), states.append)
    assert window.busy and not window.decks.isEnabled() and not window.settings_action.isEnabled()
    with qtbot.waitSignal(op.finished, timeout=5000):
        gate.set()
    assert states == [True]
    assert not window.busy and window.decks.isEnabled()


def test_the_icon_is_an_svg_that_renders():
    image = app_icon().pixmap(64, 64).toImage()
    assert not image.isNull() and image.width() == 64
    assert image.pixelColor(32, 10).alpha() > 0


def test_the_screenshot_script_writes_every_screen(qtbot, tmp_path):
    out = tmp_path / "shots"
    assert screenshots.main([str(out), "--theme", "dark", "--size", "1024x640"]) == 0
    names = sorted(p.name for p in out.glob("*.png"))
    screens = ["decks", "summary", "settings", "keys", "custom-study", "browser", "statistics",
               "import", "import-problems", "deck-options", "edit-note", "class", "export",
               "backed-up", "restore"] + [
        f"{kind}-{side}" for kind in screenshots.KINDS for side in ("question", "answer")
    ] + [f"add-{kind}" for kind in screenshots.ADD_KINDS]
    pages = sorted(p for p in names if p.startswith("report-page-"))
    assert names == sorted([f"dark-{s}-1024x640.png" for s in screens] + pages)
    assert set(screenshots.ADD_KINDS) == {k.value for k in Kind}  # every kind there is
    assert set(screenshots.KINDS) == {k.value for k in Kind}
    assert len(pages) >= 2 and pages == sorted(f"report-page-{i}.png"
                                               for i in range(1, len(pages) + 1))
    image = QImage(str(out / "dark-decks-1024x640.png"))
    assert (image.width(), image.height()) == (1024, 640)
    assert image.pixelColor(500, 300).lightness() < 80  # dark
    for screen in screens:  # no window or dialog is bigger than the screen
        image = QImage(str(out / f"dark-{screen}-1024x640.png"))
        assert image.width() <= 1024 and image.height() <= 640, screen
    page = QImage(str(out / "report-page-1.png"))
    assert page.height() > page.width() and page.pixelColor(5, 5).lightness() > 240  # paper


def test_a_damaged_collection_offers_the_latest_backup(qtbot, tmp_path, monkeypatch):
    from flashdesk.backup import list_backups
    from flashdesk.collection import Collection
    from flashdesk.ui.app import Launcher, RestoreOffer, offer_restore

    path = tmp_path / "p" / "collection.db"
    col = Collection.open(path)  # with the bundled decks, backed up when it closes
    col.close()
    assert list_backups(path)
    path.write_bytes(b"\0" * 8192)  # the disk damaged it
    launcher = Launcher(path)
    with qtbot.waitSignal(launcher.failed, timeout=10000) as blocker:
        launcher.start(splash=False)
    message = blocker.args[0]
    assert "not a flashdesk collection" in message
    asked = []
    monkeypatch.setattr(RestoreOffer, "ask",
                        classmethod(lambda cls, parent, problem, label: asked.append(label) or True))
    restored, _ = offer_restore(path, message)
    assert restored and asked
    kept = [p for p in path.parent.iterdir() if ".before-restore-" in p.name and p.suffix != ""]
    assert any(p.read_bytes() == b"\0" * 8192 for p in kept)  # the damaged file is kept
    with qtbot.waitSignal(launcher.opened, timeout=10000):
        launcher.start(splash=False)
    assert launcher.collection.decks.summaries(__import__("datetime").datetime.now().astimezone())
    launcher.window.close()
    launcher.close()


def test_no_backup_means_no_offer(tmp_path, monkeypatch):
    from flashdesk.ui.app import RestoreOffer, offer_restore

    monkeypatch.setattr(RestoreOffer, "ask", classmethod(lambda *a: pytest.fail("asked")))
    path = tmp_path / "collection.db"
    path.write_bytes(b"junk")
    assert offer_restore(path, "broken") == (False, "broken")


def test_the_splash_shows_how_an_upgrade_of_the_collection_goes(qtbot, tmp_path, monkeypatch):
    import shutil

    from flashdesk.ui import app as app_module

    profile = tmp_path / "p" / "collection.db"
    profile.parent.mkdir()
    shutil.copy(FIXTURES / "upgrade" / "v3-collection.db", profile)  # the previous schema
    shown: list[tuple[int, int, str]] = []
    original = app_module._Splash.show_progress

    def record(self, done, total):
        original(self, done, total)
        shown.append((done, total, self.message))

    monkeypatch.setattr(app_module._Splash, "show_progress", record)
    launcher = Launcher(profile, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    with qtbot.waitSignal(launcher.opened, timeout=30000) as blocker:
        launcher.start()
    qtbot.addWidget(blocker.args[0])
    try:
        assert shown and shown[-1][0] == shown[-1][1] > 0
        assert "Compacting" in shown[-1][2]
        blocker.args[0].close()
    finally:
        launcher.close()
