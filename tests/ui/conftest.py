"""Fixtures for the window tests: a real collection file in tmp_path, a
window whose settings live in tmp_path, and deck files written for the test."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from flashdesk.collection import Collection
from flashdesk.ui.main_window import MainWindow
from flashdesk.ui.theme import apply_theme

from uihelpers import BAD_DECK, KINDS_DECK, Clock, write_deck


@pytest.fixture
def kinds_deck(tmp_path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir(exist_ok=True)
    return write_deck(folder, "kinds.toml", KINDS_DECK)


@pytest.fixture
def bad_deck(tmp_path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir(exist_ok=True)
    return write_deck(folder, "bad.toml", BAD_DECK)


@pytest.fixture
def profile_path(tmp_path) -> Path:
    return tmp_path / "p" / "collection.db"


@pytest.fixture
def col(profile_path):
    """A real collection file without the bundled decks (tests choose their content)."""
    c = Collection.open(profile_path, bundled=False)
    yield c
    c.close()


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """Build a shown, active MainWindow on a collection."""

    def make(collection: Collection, qsettings: QSettings | None = None) -> MainWindow:
        window = MainWindow(collection, qsettings or settings, rng=random.Random(1), timer=Clock())
        qtbot.addWidget(window)
        window.resize(1024, 640)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        return window

    return make


@pytest.fixture(autouse=True)
def light_theme(qapp):
    """Every test starts, and leaves the application, in the light theme."""
    apply_theme("light", qapp)
    yield
    apply_theme("light", qapp)


@pytest.fixture
def window(make_window, col) -> MainWindow:
    return make_window(col)


