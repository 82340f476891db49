"""Shared by the tests of issue 13: the tutors' files, what Anki 26.9.3 did
with each (tests/fixtures/import/tutors/anki-results.json, made by
tests/fixtures/import/make_fixtures.py) and readers of a collection."""

import json
from datetime import datetime

from flashdesk import cloze
from flashdesk.model import plain_text

from .conftest import FIXTURES

TUTORS = FIXTURES / "import" / "tutors"
ANKI = json.loads((TUTORS / "anki-results.json").read_text(encoding="utf-8"))
GOOD = 4


def anki_notes(name):
    return ANKI[name]["notes"]


def stored(col):
    """Every note: {front or text: (deck name, NoteData)}."""
    out = {}
    decks = {d.name: d for d in col.decks.summaries(datetime.now().astimezone())}
    for summary in decks.values():
        if summary.depth:
            continue
        for deck in col.files.export_data(summary.id):
            for note in deck.notes:
                first = note.fields.get("front", note.fields.get("text"))
                out[plain_text(cloze.reveal_all(first))] = (deck.name, note)
    return out


def cards_by_note(col):
    """note id → sorted card ords."""
    out = {}
    for note_id, ord_ in col.db.execute("SELECT n.id, c.ord FROM cards c "
                                        "JOIN notes n ON n.nid = c.nid"):
        out.setdefault(note_id, []).append(ord_)
    return {k: sorted(v) for k, v in out.items()}


def note_row(col, first_field):
    """The stored row of the note whose front (or cloze text, opened) reads ``first_field``."""
    def first(row):
        fields = json.loads(row["fields"])
        return plain_text(cloze.reveal_all(fields.get("front", fields.get("text", ""))))

    return next(r for r in col.db.query("SELECT * FROM notes") if first(r) == first_field)


def flat(text):
    return " ".join(plain_text(text.replace("<br>", " ")).split())


