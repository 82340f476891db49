"""The decks that ship with flashdesk (decks/*.toml): they validate, they are
big and varied enough, and together they cover every point of the two source
documents, as recorded in decks/coverage/coverage.toml.

The source documents ("Service excellence" and "Customer interactions") are
fixed, so the number of bullets in each of their sections is hard-coded below.

decks/COVERAGE.md is generated from the coverage map; after editing the map,
regenerate it with

    python tests/core/test_bundled_decks.py --write-coverage-md
"""

from __future__ import annotations

import html
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from flashdesk.formats import DeckFileError
from flashdesk.formats.deckfile import read_deck_file

DECKS = Path(__file__).resolve().parents[2] / "decks"
COVERAGE = DECKS / "coverage" / "coverage.toml"
COVERAGE_MD = DECKS / "COVERAGE.md"
DECK_FILES = sorted(DECKS.glob("*.toml"))

DOCUMENTS = ("Service excellence", "Customer interactions")
SECTIONS = ("Topic synopsis", "Key concepts", "Exam tips", "Common misconceptions",
            "Examiner marking points")
#: bullets per section of each source document. The synopses are prose; each
#: is split into five themes in the coverage map.
EXPECTED_POINTS = {
    ("Service excellence", "Topic synopsis"): 5,
    ("Service excellence", "Key concepts"): 5,
    ("Service excellence", "Exam tips"): 5,
    ("Service excellence", "Common misconceptions"): 5,
    ("Service excellence", "Examiner marking points"): 5,
    ("Customer interactions", "Topic synopsis"): 5,
    ("Customer interactions", "Key concepts"): 5,
    ("Customer interactions", "Exam tips"): 4,
    ("Customer interactions", "Common misconceptions"): 4,
    ("Customer interactions", "Examiner marking points"): 4,
}
SOURCE_LABELS = {f"{doc} – {section}" for doc, section in EXPECTED_POINTS}

BEHAVIOUR_DECK = "cc-behaviour-types"
EXAM_DECK = "cc-exam-technique"
MODELS_DECK = "cc-models"
MIN_NOTES = 120
MIN_BEHAVIOUR_CHOICES = 15
MIN_EXAM_SCENARIOS = 8

MODELS = {
    "HEAT": ["Hear", "Empathise", "Apologise", "Take ownership"],
    "LAST": ["Listen", "Acknowledge", "Solve", "Thank"],
    "STAR": ["Situation", "Task", "Action", "Result"],
}
#: the Acts as they must be named wherever they appear
ACT_YEARS = {"Consumer Rights Act": "2015", "Data Protection Act": "2018",
             "Equality Act": "2010", "Health and Safety at Work etc. Act": "1974"}
AMERICAN = re.compile(
    r"\b(organiz\w*|apologiz\w*|recogniz\w*|realiz\w*|emphasiz\w*|summariz\w*|prioritiz\w*|"
    r"minimiz\w*|analyz\w*|behavior\w*|favor\w*|color\w*|center|centers|judgment|"
    r"enroll\w*|canceled|canceling|fulfill)\b", re.I)
_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}", re.S)


# ---------------------------------------------------------------- helpers

def load_decks():
    """Every deck file read with the app's own validator (errors raise)."""
    return [read_deck_file(path) for path in DECK_FILES]


def all_notes() -> dict:
    """Full note id (DECK_ID/KEY) → (deck, note)."""
    return {f"{deck.id}/{note.key}": (deck, note) for deck in load_decks() for note in deck.notes}


def load_points() -> list[dict]:
    with COVERAGE.open("rb") as f:
        data = tomllib.load(f)
    assert set(data) == {"points"}, "the coverage map holds only [[points]] tables"
    return data["points"]


def plain(text: str) -> str:
    """Card text flattened for comparison: clozes revealed, tags gone,
    whitespace, case and trailing punctuation normalised."""
    text = _CLOZE.sub(r"\1", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.lower().split()).rstrip(" .?!:")


def sources(note) -> list[str]:
    return [part.strip() for part in note.source.split(";") if part.strip()]


def all_text(note) -> str:
    parts = []
    for value in note.fields.values():
        if isinstance(value, list):
            parts.extend(value)
        elif isinstance(value, str):
            parts.append(value)
    return "\n".join(parts)


def render_coverage_md(points: list[dict]) -> str:
    """decks/COVERAGE.md, generated from the coverage map."""
    counts = Counter((p["document"], p["section"]) for p in points)
    lines = [
        "# Coverage of the source documents",
        "",
        "<!-- Generated from decks/coverage/coverage.toml by",
        "     `python tests/core/test_bundled_decks.py --write-coverage-md`. Do not edit by hand. -->",
        "",
        "Every bullet of the two source documents – and the themes of each topic synopsis –",
        "with the notes that teach it. Note ids are `DECK_ID/NOTE_KEY`; each listed note names",
        "the document and section in its `source`.",
        "",
        "| Document | Section | Points | Notes listed |",
        "| --- | --- | ---: | ---: |",
    ]
    for doc in DOCUMENTS:
        for section in SECTIONS:
            listed = sum(len(p["notes"]) for p in points
                         if (p["document"], p["section"]) == (doc, section))
            lines.append(f"| {doc} | {section} | {counts[(doc, section)]} | {listed} |")
    for doc in DOCUMENTS:
        lines += ["", f"## {doc}"]
        for section in SECTIONS:
            rows = [p for p in points if (p["document"], p["section"]) == (doc, section)]
            if not rows:
                continue
            lines += ["", f"### {section}", "", "| # | Point | Notes |", "| ---: | --- | --- |"]
            for number, p in enumerate(rows, 1):
                notes = "<br>".join(f"`{n}`" for n in p["notes"])
                lines.append(f"| {number} | {p['point']} | {notes} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the deck files

def test_there_are_deck_files():
    assert DECK_FILES, f"no deck files in {DECKS}"


@pytest.mark.parametrize("path", DECK_FILES, ids=lambda p: p.name)
def test_deck_file_validates(path):
    try:
        read_deck_file(path)
    except DeckFileError as exc:
        pytest.fail("\n".join(str(problem) for problem in exc.problems))


@pytest.mark.parametrize("path", DECK_FILES, ids=lambda p: p.name)
def test_deck_has_description_and_version(path):
    deck = read_deck_file(path)
    assert deck.description.strip(), f"{path.name}: [deck] description is missing"
    assert deck.version.strip(), f"{path.name}: [deck] version is missing"
    assert deck.name.startswith("Challenging Customers::"), deck.name


def test_deck_ids_and_names_are_unique():
    decks = load_decks()
    assert len({d.id for d in decks}) == len(decks)
    assert len({d.name for d in decks}) == len(decks)


def test_every_note_has_a_source_naming_document_and_section():
    missing, unknown = [], []
    for note_id, (_, note) in all_notes().items():
        if not note.source.strip():
            missing.append(note_id)
        elif not set(sources(note)) <= SOURCE_LABELS:
            unknown.append(f"{note_id}: {note.source}")
    assert missing == [], f"notes without a source: {missing}"
    assert unknown == [], "sources must be 'DOCUMENT – SECTION' (several joined by '; '):\n" + \
        "\n".join(unknown)


def test_enough_notes_overall():
    assert len(all_notes()) >= MIN_NOTES


def test_behaviour_deck_has_enough_choice_scenarios_with_explanations():
    deck = next(d for d in load_decks() if d.id == BEHAVIOUR_DECK)
    choices = [n for n in deck.notes if n.kind.value == "choice"]
    assert len(choices) >= MIN_BEHAVIOUR_CHOICES
    assert [n.key for n in choices if not n.fields.get("explanation")] == []


def test_exam_deck_has_enough_scenarios():
    deck = next(d for d in load_decks() if d.id == EXAM_DECK)
    scenarios = [n for n in deck.notes if n.kind.value == "scenario"]
    assert len(scenarios) >= MIN_EXAM_SCENARIOS
    for note in scenarios:
        assert len(note.fields["marking_points"]) >= 3, note.key


def test_choice_notes_have_three_or_four_options_and_an_explanation():
    bad = [note_id for note_id, (_, n) in all_notes().items() if n.kind.value == "choice"
           and not (3 <= len(n.fields["options"]) <= 4 and n.fields.get("explanation"))]
    assert bad == []


def test_no_duplicate_prompts_across_decks():
    seen: dict[str, str] = {}
    duplicates = []
    for note_id, (_, note) in all_notes().items():
        f = note.fields
        prompts = [f.get("front") or f.get("text") or f.get("question") or f.get("prompt")]
        if f.get("reverse"):
            prompts.append(f["back"])  # the reverse card asks with the back
        for prompt in prompts:
            key = plain(prompt)
            if key in seen:
                duplicates.append(f"{note_id} repeats {seen[key]}: {prompt!r}")
            seen.setdefault(key, note_id)
    assert duplicates == []


def test_tags_are_single_lowercase_words():
    bad = [f"{note_id}: {t}" for note_id, (_, n) in all_notes().items() for t in n.tags
           if not re.fullmatch(r"[a-z][a-z0-9]*", t)]
    assert bad == []


def test_british_spelling():
    bad = [f"{note_id}: {m.group(0)}" for note_id, (_, n) in all_notes().items()
           for m in AMERICAN.finditer(all_text(n))]
    assert bad == []


def test_acts_are_named_with_the_right_year():
    bad = []
    for note_id, (_, note) in all_notes().items():
        text = all_text(note)
        for act, year in ACT_YEARS.items():
            for m in re.finditer(rf"{re.escape(act)}\s*(\d{{4}})?", text):
                if m.group(1) != year:
                    bad.append(f"{note_id}: {m.group(0)!r} (should be {act} {year})")
    assert bad == []


@pytest.mark.parametrize("model", sorted(MODELS))
def test_each_model_has_its_order_note_and_reversible_letters(model):
    deck = next(d for d in load_decks() if d.id == MODELS_DECK)
    steps = MODELS[model]
    orders = [n for n in deck.notes if n.kind.value == "order" and n.fields["items"] == steps]
    assert orders, f"no order note with the {model} steps {steps}"
    reversed_backs = {plain(n.fields["back"]) for n in deck.notes
                      if n.kind.value == "basic" and n.fields.get("reverse")}
    assert plain(", ".join(steps)) in reversed_backs, f"no reversed note for {model} as a whole"
    missing = [s for s in steps if plain(s) not in reversed_backs]
    assert missing == [], f"{model}: no reversed letter note for {missing}"
    assert any(n.kind.value == "scenario" and model.lower() in n.tags for n in deck.notes), \
        f"no applied scenario for {model}"


# ---------------------------------------------------------------- the coverage map

def test_coverage_points_are_well_formed():
    for p in load_points():
        assert set(p) == {"document", "section", "point", "notes"}, p
        assert p["document"] in DOCUMENTS and p["section"] in SECTIONS, p
        assert isinstance(p["point"], str) and p["point"].strip(), p
        assert isinstance(p["notes"], list), p
    texts = [p["point"] for p in load_points()]
    assert len(set(texts)) == len(texts), "two coverage points have the same text"


def test_every_coverage_point_lists_existing_notes():
    notes = all_notes()
    empty = [p["point"] for p in load_points() if not p["notes"]]
    unknown = [f"{p['point']}: {n}" for p in load_points() for n in p["notes"] if n not in notes]
    assert empty == [], f"coverage points without notes: {empty}"
    assert unknown == [], f"coverage points naming notes that do not exist: {unknown}"


def test_coverage_points_match_the_bullets_of_each_section():
    counts = Counter((p["document"], p["section"]) for p in load_points())
    assert dict(counts) == EXPECTED_POINTS


def test_notes_listed_for_a_point_cite_its_document_and_section():
    notes = all_notes()
    bad = []
    for p in load_points():
        label = f"{p['document']} – {p['section']}"
        for note_id in p["notes"]:
            if note_id in notes and label not in sources(notes[note_id][1]):
                bad.append(f"{note_id} is listed for '{label}' but its source is "
                           f"'{notes[note_id][1].source}'")
    assert bad == []


def test_every_note_appears_in_the_coverage_map():
    listed = {n for p in load_points() for n in p["notes"]}
    assert sorted(set(all_notes()) - listed) == []


def test_coverage_md_is_generated_from_the_map():
    assert COVERAGE_MD.read_text(encoding="utf-8") == render_coverage_md(load_points()), \
        "decks/COVERAGE.md is out of date: run python tests/core/test_bundled_decks.py --write-coverage-md"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-coverage-md"]:
        COVERAGE_MD.write_text(render_coverage_md(load_points()), encoding="utf-8")
        print(f"wrote {COVERAGE_MD}")
    else:
        sys.exit("usage: python tests/core/test_bundled_decks.py --write-coverage-md")
