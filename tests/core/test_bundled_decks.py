"""The decks that ship with flashdesk (decks/*.toml): they validate, they are
big and varied enough, they follow the rules of good card writing, and
together they cover every point of the two source documents and every topic
the course promises, as recorded in decks/coverage/coverage.toml.

The source documents ("Service excellence" and "Customer interactions") are
fixed, so the number of bullets in each of their sections is hard-coded below,
as are the course topics the coverage map must list (issue 15).

The card-writing rules (SuperMemo's "20 rules", minimum information) checked
here:

* choice items carry no length cue: across all choice notes the right option
  is the strictly longest (or the strictly shortest) no more often than chance
  plus a small margin, and no single right option is far longer than every
  distractor;
* no answer enumerates more than three items (model steps that an acronym
  cues letter by letter excepted);
* one question per card; a reversed note's front is not a question (its
  reverse card would ask the learner to produce the question);
* no cloze gap is given away by the text left visible around it;
* no two basic notes give (nearly) the same answer;
* every scenario marking point says where it comes from: the source
  documents ("Examiner"), an Act or Regulations ("Law"), or the course's own
  advice ("Good practice");
* law is cited: a note that names an Act or Regulations cites it in its
  `source`, with the right year.

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
from itertools import combinations
from pathlib import Path

import pytest

from flashdesk.cards import key_terms

from flashdesk.cards import cloze_numbers, cloze_question
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

#: the course topics (issue 15) the coverage map must list, and the fewest
#: notes that may teach each: the thin topics, then what a candidate needs
EXPECTED_TOPICS = {
    "Service improvement from feedback data": 5,
    "Root cause analysis: 5 Whys, fishbone, Pareto, a worked example": 5,
    "The service-profit chain as an ordered chain": 3,
    "First impressions in each channel": 4,
    "Emotional intelligence": 4,
    "Leadership: motivating a team, setting standards, coaching": 5,
    "Role-play: separating own emotions from the professional persona": 5,
    "Duty of care and legal boundaries with abusive customers": 5,
    "What an abusive-customer policy contains": 4,
    "Team working when a colleague is being abused": 3,
    "Own wellbeing": 4,
    "Regulators, ombudsmen and alternative dispute resolution": 5,
    "Incident reports: prompt, factual, secure, not a case note": 4,
    "Aggressive or abusive: where the line is": 3,
    "What each step of HEAT, LAST and STAR is for": 10,
    "The widely circulated LAST: Listen, Apologise, Solve, Thank": 1,
    "Reflective accounts: the STAR scaffold": 5,
    "Reflective accounts: the assessor's checklist": 4,
    "Reflective accounts: critique this account": 3,
    "Phrase bank: do and don't pairs": 6,
    "Phrase bank: setting expectations": 3,
    "Phrase bank: paraphrasing drills": 4,
    "What would you say: face to face": 3,
    "What would you say: phone": 3,
    "What would you say: email": 3,
    "What would you say: chat": 3,
    "Warning, then ending the call": 3,
    "Warm handover to a manager": 3,
    "Incident reports: the fields": 3,
    "Incident reports: fact or opinion": 6,
    "Incident reports: write the report": 2,
    "Authority limits: within or beyond, and what to say": 6,
    "Mock questions: command words and mark allocations": 8,
    "Law: an apology is not of itself an admission (Compensation Act 2006, s.2)": 2,
    "Law: preventing sexual harassment of staff (Worker Protection Act 2023)": 2,
    "Law: telling the customer about ADR at deadlock (ADR Regulations 2015, then DMCC Act 2024)": 2,
}

#: the legal instruments a `source` may cite (after the seed section), each with
#: the pattern that finds it in card text; a citation may add a pinpoint:
#: "Consumer Rights Act 2015, s.9", "UK GDPR, Art. 15"
INSTRUMENTS = {
    "Consumer Rights Act 2015": r"Consumer Rights Act",
    "Consumer Contracts (Information, Cancellation and Additional Charges) Regulations 2013":
        r"Consumer Contracts (?:\(Information, Cancellation and Additional Charges\) )?Regulations",
    "UK GDPR": r"UK GDPR",
    "Data Protection Act 2018": r"Data Protection Act",
    "Equality Act 2010": r"Equality Act(?! 2006)",
    "Equality Act 2006": r"Equality Act(?= 2006)",
    "Health and Safety at Work etc. Act 1974": r"Health and Safety at Work etc\. Act",
    "Management of Health and Safety at Work Regulations 1999":
        r"Management of Health and Safety at Work Regulations",
    "Compensation Act 2006": r"Compensation Act",
    "Worker Protection (Amendment of Equality Act 2010) Act 2023":
        r"Worker Protection \(Amendment of Equality Act 2010\) Act",
    "Alternative Dispute Resolution for Consumer Disputes (Competent Authorities and "
    "Information) Regulations 2015":
        r"Alternative Dispute Resolution for Consumer Disputes "
        r"(?:\(Competent Authorities and Information\) )?Regulations",
    "Public Order Act 1986": r"Public Order Act",
    "Criminal Justice and Immigration Act 2008": r"Criminal Justice and Immigration Act",
    "Apologies (Scotland) Act 2016": r"Apologies \(Scotland\) Act",
    "Data (Use and Access) Act 2025": r"Data \(Use and Access\) Act",
    "Digital Markets, Competition and Consumers Act 2024":
        r"Digital Markets, Competition and Consumers Act",
    "Employment Rights Act 2025": r"Employment Rights Act",
    "FCA Handbook": r"FCA Handbook",
    "Ofcom General Conditions of Entitlement": r"General Conditions of Entitlement",
    # guidance rather than law, cited where a card quotes it
    "HSE guidance, Work-related violence": r"HSE guidance",
}
_PINPOINT = re.compile(r"^(s|ss|reg|regs|Art|Arts|Sch|Part|DISP)\.? ?\S")

BEHAVIOUR_DECK = "cc-behaviour-types"
EXAM_DECK = "cc-exam-technique"
MODELS_DECK = "cc-models"
MIN_NOTES = 350
MIN_BEHAVIOUR_CHOICES = 15
MIN_EXAM_SCENARIOS = 8

MODELS = {
    "HEAT": ["Hear", "Empathise", "Apologise", "Take ownership"],
    "LAST": ["Listen", "Acknowledge", "Solve", "Thank"],
    "STAR": ["Situation", "Task", "Action", "Result"],
}
#: a widely circulated LAST; the source's is the one above
LAST_VARIANT = ["Listen", "Apologise", "Solve", "Thank"]
#: model step names, which may label the parts of a model answer ("Task: …")
STEP_WORDS = {s.lower() for steps in MODELS.values() for s in steps} | {"reflection"}
AMERICAN = re.compile(
    r"\b(organiz\w*|apologiz\w*|recogniz\w*|realiz\w*|emphasiz\w*|summariz\w*|prioritiz\w*|"
    r"minimiz\w*|analyz\w*|behavior\w*|favor\w*|color\w*|center|centers|judgment|"
    r"enroll\w*|canceled|canceling|fulfill)\b", re.I)
_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}", re.S)

#: the most items an answer may enumerate (SuperMemo rule 9: avoid sets)
MAX_LIST = 3
#: how far above chance the right option may be the strictly longest (or
#: shortest) option. With about 1/k chance per k-option item and over a hundred
#: items, the count a length-blind writer would produce has a standard
#: deviation of about 4 percentage points; 5 points lets such a deck pass and
#: fails any habit of lengthening (or trimming) the key: the decks this test
#: was written against keyed the longest option in 51% of items, chance 29%.
LENGTH_CUE_MARGIN = 0.05
#: one item gives its answer away when the right option is this much longer
#: than every distractor (both conditions)
FAR_LONGER_RATIO, FAR_LONGER_CHARS = 1.25, 10
#: the most any answer position (1st, 2nd, …) may be keyed
MAX_POSITION_SHARE = 0.40
#: two basic notes whose backs share this share of their content words teach
#: the same answer
SAME_ANSWER_JACCARD = 0.6
#: a gap is given away when its opposite stays visible
OPPOSITES = [("internal", "external"), ("open", "closed"), ("direct", "indirect"),
             ("fact", "opinion"), ("within", "beyond"), ("aggressive", "passive"),
             ("verbal", "non-verbal"), ("short-term", "final")]
QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how",
                  "is", "are", "was", "were", "do", "does", "did", "can", "could", "should",
                  "would", "will", "must", "may", "name", "list", "give", "state", "describe",
                  "explain", "identify", "outline"}
STOP_WORDS = {"a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "is", "it",
              "be", "as", "at", "by", "that", "this", "you", "your", "they", "their", "them",
              "not", "so", "if", "from", "are", "was", "what", "can", "when", "but", "i", "we"}
MARK_LABEL = re.compile(r"^(Examiner|Law|Good practice)( \(\d marks?\))?: \S")


# ---------------------------------------------------------------- helpers

def load_decks():
    """Every deck file read with the app's own validator (errors raise)."""
    return [read_deck_file(path) for path in DECK_FILES]


def all_notes() -> dict:
    """Full note id (DECK_ID/KEY) → (deck, note)."""
    return {f"{deck.id}/{note.key}": (deck, note) for deck in load_decks() for note in deck.notes}


def load_map() -> dict:
    with COVERAGE.open("rb") as f:
        data = tomllib.load(f)
    assert set(data) == {"points", "topics"}, "the coverage map holds [[points]] and [[topics]]"
    return data


def load_points() -> list[dict]:
    return load_map()["points"]


def load_topics() -> list[dict]:
    return load_map()["topics"]


def plain(text: str) -> str:
    """Card text flattened for comparison: clozes revealed, tags gone,
    whitespace, case and trailing punctuation normalised."""
    text = _CLOZE.sub(r"\1", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.lower().split()).rstrip(" .?!:")


def sources(note) -> list[str]:
    return [part.strip() for part in note.source.split(";") if part.strip()]


def legal_instrument(part: str) -> str | None:
    """The instrument a source part cites, or None if it cites none."""
    for name in INSTRUMENTS:
        if part == name:
            return name
        if part.startswith(name + ", ") and _PINPOINT.match(part[len(name) + 2:]):
            return name
    return None


def all_text(note) -> str:
    parts = []
    for value in note.fields.values():
        if isinstance(value, list):
            parts.extend(value)
        elif isinstance(value, str):
            parts.append(value)
    return "\n".join(parts)


#: quoted speech: "…", “…”, ‘…’, or '…' whose quote marks are not apostrophes
_QUOTE = re.compile(r"“[^”]*”|‘[^’]*’|\"[^\"]*\"|(?<![\w])'.*?'(?![\w])", re.S)


def without_quotes(text: str) -> str:
    """Text with quoted speech removed: a customer's two questions in quotes
    are the situation, not two questions to the learner."""
    return _QUOTE.sub(" ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


#: a comma-separated part starting with one of these is a clause, not a list item
_CLAUSE = re.compile(r"^(so|which|who|whose|because|although|though|while|unless|not|especially|"
                     r"even|rather than)\b", re.I)
#: … and so is a first part starting with one of these ("If it continues, …")
_LEADING = re.compile(r"^(if|when|once|as|after|before|until|since|but|instead|otherwise|"
                      r"for example|e\.g|dear|thank you|yes|no|under|in|on|at|by|for|with|"
                      r"during|within|without|from|to|like)\b", re.I)


def list_size(text: str) -> int:
    """How many items a piece of answer text enumerates, by the most telling of:
    list items (<li>), lines, semicolon-separated parts of a sentence, labelled
    parts ("Phone: … Email: …"), and a comma-separated run that ends in
    "and"/"or" inside one clause ("a, b, c and d" is four; a leading "If …,"
    or "Under …," and a ", so …" or ", which …" clause are not items)."""
    for steps in [*MODELS.values(), LAST_VARIANT]:  # an acronym cues each step by its letter
        text = re.sub(r",\s*".join(map(re.escape, steps)), "the steps", text, flags=re.I)
    counts = [len(re.findall(r"<li\b", text, re.I))]
    lines = [ln for ln in re.split(r"<br\s*/?>|</p>|\n", text, flags=re.I)
             if re.sub(r"<[^>]+>", "", ln).strip()]
    counts.append(len(lines) if len(lines) > 1 else 0)
    flat = html.unescape(re.sub(r"<[^>]+>", " ", _CLOZE.sub(r"\1", text)))
    flat = " ".join(flat.split())
    labels = re.findall(r"(?:^|[.;!?]\s+|\s[–—]\s)([A-Z][\w' -]{0,24}): ", flat)
    counts.append(len([x for x in labels if x.lower() not in STEP_WORDS]))
    # quoted speech is one item of the sentence around it, and a text of its own
    quoted = [m.group(0)[1:-1] for m in _QUOTE.finditer(flat)]
    outside = _QUOTE.sub(lambda m: "Q." if re.search(r"[.!?]$", m.group(0)[1:-1]) else "Q", flat)
    texts = [outside, *quoted]
    for sentence in (s for t in texts for s in re.split(r"(?<=[.!?])\s+", t)):
        counts.append(sentence.count(";") + 1 if ";" in sentence else 0)
        for clause in re.split(r"[;:()]|\s[–—]\s", sentence):
            parts = [p.strip() for p in clause.strip(" .!?").split(",")]
            if parts and _LEADING.match(parts[0]):
                parts = parts[1:]
            parts = [p for p in parts if not _CLAUSE.match(p)]
            if len(parts) < 2:
                continue
            last = parts[-1]
            if re.match(r"(and|or)\b", last):        # "a, b, and c": the comma ends the run
                counts.append(len(parts))
            elif re.search(r"\b(and|or)\b", last):   # "a, b and c"
                counts.append(len(parts) + 1)
            elif all(len(p.split()) <= 4 for p in parts):  # "date, time, place, people"
                counts.append(len(parts))
    return max(counts)


def answer_fields(note) -> list[tuple[str, str]]:
    """(field, text) of everything a card shows as its answer."""
    f, kind = note.fields, note.kind.value
    out = []
    if kind == "basic":
        out.append(("back", f["back"]))
        if f.get("reverse"):
            out.append(("front", f["front"]))
    elif kind == "cloze":
        out.append(("text", f["text"]))
    elif kind == "scenario":
        out.append(("model_answer", f["model_answer"]))
        out += [("marking_points", p) for p in f["marking_points"]]
    elif kind == "choice":
        out += [("options", o) for o in f["options"]]
    elif kind == "order":
        out += [("items", i) for i in f["items"]]
    out += [(name, f[name]) for name in ("extra", "explanation") if f.get(name)]
    return out


def question_fields(note) -> list[tuple[str, str]]:
    """(field, text) of what a card asks with."""
    f, kind = note.fields, note.kind.value
    if kind == "basic":
        return [("front", f["front"])] + ([("back", f["back"])] if f.get("reverse") else [])
    return [(name, f[name]) for name in ("text", "question", "prompt") if name in f]


def choice_notes() -> list[tuple[str, list[int], int]]:
    """(note id, option lengths in plain characters, index of the right one)."""
    return [(note_id, [len(plain(o)) for o in n.fields["options"]], n.fields["answer"] - 1)
            for note_id, (_, n) in all_notes().items() if n.kind.value == "choice"]


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", plain(text)) if w not in STOP_WORDS}


def render_coverage_md(points: list[dict], topics: list[dict]) -> str:
    """decks/COVERAGE.md, generated from the coverage map."""
    counts = Counter((p["document"], p["section"]) for p in points)
    lines = [
        "# Coverage of the source documents",
        "",
        "<!-- Generated from decks/coverage/coverage.toml by",
        "     `python tests/core/test_bundled_decks.py --write-coverage-md`. Do not edit by hand. -->",
        "",
        "Every bullet of the two source documents – and the themes of each topic synopsis –",
        "with the notes that teach it; then the course topics the decks promise beyond the",
        "bullets. Note ids are `DECK_ID/NOTE_KEY`; each note listed for a bullet names the",
        "document and section in its `source`.",
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
    lines += ["", "## Course topics", "",
              "Topics the source documents name only briefly, and the practice a candidate",
              "needs for the portfolio, the role-play and the exam.", "",
              "| # | Topic | Notes |", "| ---: | --- | --- |"]
    for number, t in enumerate(topics, 1):
        notes = "<br>".join(f"`{n}`" for n in t["notes"])
        lines.append(f"| {number} | {t['topic']} | {notes} |")
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
    missing, unknown, no_seed = [], [], []
    for note_id, (_, note) in all_notes().items():
        if not note.source.strip():
            missing.append(note_id)
            continue
        parts = sources(note)
        bad = [p for p in parts if p not in SOURCE_LABELS and legal_instrument(p) is None]
        if bad:
            unknown.append(f"{note_id}: {bad}")
        if not set(parts) & SOURCE_LABELS:
            no_seed.append(note_id)
    assert missing == [], f"notes without a source: {missing}"
    assert unknown == [], "sources must be 'DOCUMENT – SECTION' or a known Act or Regulations " \
        "(several joined by '; '):\n" + "\n".join(unknown)
    assert no_seed == [], f"notes citing no section of the source documents: {no_seed}"


def test_an_instrument_named_on_a_card_is_cited_with_its_year():
    wrong_year, uncited = [], []
    for note_id, (_, note) in all_notes().items():
        text = re.sub(r"\s+", " ", html.unescape(all_text(note)))
        cited = {legal_instrument(p) for p in sources(note)}
        for name, pattern in INSTRUMENTS.items():
            year = re.search(r"(\d{4})$", name)
            for m in re.finditer(rf"{pattern}\s*(\d{{4}})?", text):
                if year and m.group(1) != year.group(1):
                    wrong_year.append(f"{note_id}: {m.group(0)!r} (should be {name})")
                if name not in cited:
                    uncited.append(f"{note_id}: names {name} but its source does not cite it")
    assert wrong_year == [], "\n".join(wrong_year)
    assert sorted(set(uncited)) == [], "\n".join(sorted(set(uncited)))


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
    assert bad == [], "\n".join(bad)


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
    assert bad == [], "\n".join(bad)


def test_british_spelling():
    bad = [f"{note_id}: {m.group(0)}" for note_id, (_, n) in all_notes().items()
           for m in AMERICAN.finditer(all_text(n))]
    assert bad == [], "\n".join(bad)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_each_model_has_its_order_note_letters_purposes_and_practice(model):
    deck = next(d for d in load_decks() if d.id == MODELS_DECK)
    steps = MODELS[model]
    tag = model.lower()
    orders = [n for n in deck.notes if n.kind.value == "order" and n.fields["items"] == steps]
    assert orders, f"no order note with the {model} steps {steps}"
    basics = [n for n in deck.notes if n.kind.value in ("basic", "typed")]
    whole = [n for n in basics if plain(n.fields.get("back") or n.fields["answer"]).replace(
        "*", "") == plain(", ".join(steps))]
    assert whole, f"no note for {model} as a whole"
    # recalled, not recognised: the steps are typed, each one a key term
    assert any(n.kind.value == "typed" and len(key_terms(n.fields["answer"])) == len(steps)
               for n in whole), f"{model} as a whole is not a typed card"
    # reversed, the initials of the steps would spell the answer
    assert not any(n.fields.get("reverse") for n in whole), f"{model} as a whole is reversed"
    letters = {plain(n.fields["back"]): n for n in basics if n.fields.get("reverse")}
    missing = [s for s in steps if plain(s) not in letters]
    assert missing == [], f"{model}: no reversed letter note for {missing}"
    for step in steps:
        front = plain(letters[plain(step)].fields["front"])
        assert model.lower() in front, f"{model}: the letter note for {step} does not name {model}"

    def asks_about(n, step):
        return step.split()[0].lower() in plain(n.fields.get("front") or n.fields.get("question")
                                                or n.fields.get("prompt") or "")

    no_purpose = [s for s in steps if not any(
        tag in n.tags and "purpose" in n.tags and asks_about(n, s) for n in deck.notes)]
    no_practice = [s for s in steps if not any(
        tag in n.tags and "practice" in n.tags and asks_about(n, s) for n in deck.notes)]
    assert no_purpose == [], f"{model}: no note on what these steps are for: {no_purpose}"
    assert no_practice == [], f"{model}: no note on how these steps are done: {no_practice}"
    assert any(n.kind.value == "scenario" and tag in n.tags for n in deck.notes), \
        f"no applied scenario for {model}"


# ---------------------------------------------------------------- card-writing rules

def test_choice_items_carry_no_length_cue_overall():
    items = choice_notes()
    chance = sum(1 / len(lengths) for _, lengths, _ in items) / len(items)
    longest = [i for i, lengths, a in items
               if lengths[a] > max(n for j, n in enumerate(lengths) if j != a)]
    shortest = [i for i, lengths, a in items
                if lengths[a] < min(n for j, n in enumerate(lengths) if j != a)]
    limit = chance + LENGTH_CUE_MARGIN
    assert len(longest) / len(items) <= limit, (
        f"the right option is the longest in {len(longest)} of {len(items)} choice items "
        f"({len(longest) / len(items):.0%}; chance {chance:.0%}, limit {limit:.0%}): {longest}")
    assert len(shortest) / len(items) <= limit, (
        f"the right option is the shortest in {len(shortest)} of {len(items)} choice items "
        f"({len(shortest) / len(items):.0%}; chance {chance:.0%}, limit {limit:.0%}): {shortest}")


def test_no_right_option_is_far_longer_than_every_distractor():
    bad = []
    for note_id, lengths, a in choice_notes():
        rival = max(n for j, n in enumerate(lengths) if j != a)
        if lengths[a] > FAR_LONGER_RATIO * rival and lengths[a] - rival >= FAR_LONGER_CHARS:
            bad.append(f"{note_id}: right option {lengths[a]} characters, "
                       f"longest distractor {rival}")
    assert bad == [], "\n".join(bad)


def test_no_answer_position_is_keyed_too_often():
    positions = Counter(a for _, _, a in choice_notes())
    total = sum(positions.values())
    assert max(positions.values()) / total <= MAX_POSITION_SHARE, positions


def test_no_answer_enumerates_more_than_three_items():
    bad = []
    for note_id, (_, note) in all_notes().items():
        for field, text in answer_fields(note):
            size = list_size(text)
            if size > MAX_LIST:
                bad.append(f"{note_id} {field}: {size} items: {plain(text)[:90]}")
    assert bad == [], "answers must not enumerate more than three items (split the card, " \
        "or use cloze or order cards):\n" + "\n".join(bad)


def test_one_question_per_card():
    bad = []
    for note_id, (_, note) in all_notes().items():
        for field, text in question_fields(note):
            asked = without_quotes(text)
            if asked.count("?") > 1:
                bad.append(f"{note_id} {field}: two question marks")
            elif re.search(r"\b(and|or)\s+(what|why|how|which|when|who|where)\b", asked, re.I) \
                    and "?" in asked:
                bad.append(f"{note_id} {field}: two questions joined: {plain(text)[:80]}")
    assert bad == [], "\n".join(bad)


def test_reversed_notes_do_not_ask_with_a_question():
    bad = []
    for note_id, (_, note) in all_notes().items():
        f = note.fields
        if note.kind.value != "basic" or not f.get("reverse"):
            continue
        front, back = plain(f["front"]), plain(f["back"])
        first = re.match(r"[a-z']+", front)
        if f["front"].rstrip().endswith("?") or (first and first.group(0) in QUESTION_WORDS):
            bad.append(f"{note_id}: the front is a question, so the reverse asks for a question")
        if f["back"].rstrip().endswith("?"):
            bad.append(f"{note_id}: the back is a question")
        if not back:
            bad.append(f"{note_id}: empty back")
    assert bad == [], "\n".join(bad)


def test_no_cloze_gap_is_given_away_by_the_visible_text():
    bad = []
    for note_id, (_, note) in all_notes().items():
        if note.kind.value != "cloze":
            continue
        text = note.fields["text"]
        for number in cloze_numbers(text):
            visible = plain(cloze_question(text, number, blank=" "))
            hidden = [plain(m.group(1)) for m in _CLOZE.finditer(text)
                      if m.group(0).startswith(f"{{{{c{number}::")]
            for gap in hidden:
                if re.search(rf"\b{re.escape(gap)}", visible):
                    bad.append(f"{note_id} c{number}: '{gap}' is visible on the card")
                for a, b in OPPOSITES:
                    for word, other in ((a, b), (b, a)):
                        if re.search(rf"\b{word}\b", gap) and re.search(rf"\b{other}\b", visible):
                            bad.append(f"{note_id} c{number}: '{gap}' is given away by '{other}'")
    assert bad == [], "\n".join(bad)


def test_no_two_basic_notes_give_the_same_answer():
    backs = [(note_id, content_words(n.fields["back"])) for note_id, (_, n) in all_notes().items()
             if n.kind.value == "basic"]
    bad = []
    for (a, wa), (b, wb) in combinations(backs, 2):
        if wa and wb and len(wa & wb) / len(wa | wb) >= SAME_ANSWER_JACCARD:
            bad.append(f"{a} and {b}")
    assert bad == [], "\n".join(bad)


def test_scenario_marking_points_say_whose_they_are():
    bad, unsourced = [], []
    for note_id, (_, note) in all_notes().items():
        if note.kind.value != "scenario":
            continue
        points = note.fields["marking_points"]
        bad += [f"{note_id}: {p}" for p in points if not MARK_LABEL.match(plain_case(p))]
        if all(plain_case(p).startswith("Good practice") for p in points):
            unsourced.append(note_id)
    assert bad == [], "marking points start 'Examiner: ' (from the source documents), " \
        "'Law: ' (from an Act) or 'Good practice: ' (the course's own advice), optionally " \
        "with '(N marks)':\n" + "\n".join(bad)
    assert unsourced == [], f"scenarios with no marking point from the sources or the law: {unsourced}"


def plain_case(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


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
    assert bad == [], "\n".join(bad)


def test_every_note_appears_in_the_coverage_map():
    listed = {n for p in load_points() for n in p["notes"]}
    assert sorted(set(all_notes()) - listed) == []


def test_coverage_topics_are_the_course_topics():
    topics = load_topics()
    for t in topics:
        assert set(t) == {"topic", "notes"}, t
        assert isinstance(t["notes"], list), t
    names = [t["topic"] for t in topics]
    assert len(set(names)) == len(names), "two topics have the same name"
    assert sorted(names) == sorted(EXPECTED_TOPICS)


@pytest.mark.parametrize("topic", sorted(EXPECTED_TOPICS))
def test_each_course_topic_is_taught_by_enough_existing_notes(topic):
    notes = all_notes()
    listed = next((t["notes"] for t in load_topics() if t["topic"] == topic), [])
    assert [n for n in listed if n not in notes] == [], "topic names notes that do not exist"
    assert len(set(listed)) == len(listed), "a note is listed twice"
    assert len(listed) >= EXPECTED_TOPICS[topic], \
        f"'{topic}' is taught by {len(listed)} notes; at least {EXPECTED_TOPICS[topic]} expected"


def test_coverage_md_is_generated_from_the_map():
    assert COVERAGE_MD.read_text(encoding="utf-8") == render_coverage_md(
        load_points(), load_topics()), \
        "decks/COVERAGE.md is out of date: run python tests/core/test_bundled_decks.py --write-coverage-md"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-coverage-md"]:
        COVERAGE_MD.write_text(render_coverage_md(load_points(), load_topics()), encoding="utf-8")
        print(f"wrote {COVERAGE_MD}")
    else:
        sys.exit("usage: python tests/core/test_bundled_decks.py --write-coverage-md")
