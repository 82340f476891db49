"""The File menu: what it offers and what each entry says it does."""

from __future__ import annotations


def test_the_import_tooltip_names_every_kind_of_file_it_takes(window):
    tip = window.import_action.toolTip()
    assert "(.toml)" not in tip
    for kind in ("deck files", "spreadsheets", "Anki text", "Anki packages"):
        assert kind in tip
