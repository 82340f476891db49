"""flashdesk and Anki side by side, on the same collection, in one run.

For each size (10k and 100k cards) the same collection is built in both apps:
ten decks ``Bench::Deck n`` of basic notes (front, back, two tags), 70 % of
the cards reviewed with about ten log entries each – real SM-2 states, dated
up to today, the last answers in the last weeks – 1 % suspended, 1 % tagged
``leech``. Then every operation runs alternately, flashdesk then Anki, for
``--pairs`` pairs, and the table gives the median of each side and the ratio
(flashdesk / Anki: below 1 is faster, or smaller; for rates, above 1 is faster).

Operations:

- CSV import (comma, HTML) and Anki text import (tab, plain text) of the same
  file into an empty collection, notes/s; the re-import of the unchanged CSV,
  s; the import of Anki's own .apkg export of the collection, notes/s. Each
  run is a fresh process; its peak memory is reported too. Anki's
  ``get_csv_metadata`` (its import dialog's preview) is left out of its time.
  The row "CSV import: floor" is what no import into flashdesk's schema can
  beat: the csv module's parse and the very inserts of the CSV import, with
  no check, cleaning or matching (``floor_import``), set against Anki's rate;
- the browser: every filter and every sort of flashdesk's browser, as the
  list of matching card ids in order (Anki: ``find_cards`` with the matching
  search and browser column);
- deck-tree counts (Anki: ``deck_due_tree``);
- the core answer, CPU only: both collections on a tmpfs (``/dev/shm``), where
  fsync costs nothing; the answer with its commit and the next card (Anki:
  ``get_queued_cards``, ``build_answer``, ``answer_card``);
- the collection file's size after building (both closed; WAL checkpointed).

Run:  python bench/compare_anki.py [--sizes 10000,100000] [--pairs 3]
Needs ``anki`` (pip install anki==26.9.3); without it the script says so and exits 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import NOW, WORDS, Answer, log_rows, make_history, replay  # noqa: E402

DECKS = 10
#: the issue's shape: 70 % of the cards reviewed, about ten answers each
REVIEWED = 0.70
ANSWERS_PER_CARD = 10
#: four buttons (Again, Hard, Good, Easy) as Anki's button numbers
ANKI_BUTTON = {1: 1, 3: 2, 4: 3, 5: 4}


def peak_rss_mb() -> int:
    """This process's peak resident memory (VmHWM), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return 0


# -- the shape both collections share ------------------------------------------------


@dataclass(frozen=True)
class Note:
    guid: str
    deck: str
    front: str
    back: str
    tags: tuple[str, ...]


def make_notes(size: int, rng: random.Random) -> list[Note]:
    notes = []
    for i in range(size):
        d = i % DECKS
        words = " ".join(rng.choice(WORDS) for _ in range(6))
        back = f"Answer {i}: {words}."
        if i % 10 == 0:
            back = f"<b>Answer {i}</b>: {words}."
        tags = (rng.choice(WORDS), f"part{d}") + (("leech",) if i % 100 == 7 else ())
        notes.append(Note(f"n{i}", f"Bench::Deck {d}", f"Question {i}: {words}?", back, tags))
    return notes


def write_text_file(path: Path, notes: list[Note], *, tab: bool) -> None:
    """Anki's "Notes in Plain Text" layout, which both apps read: header
    lines, then guid, deck, front, back, tags. Comma-separated with HTML, or
    tab-separated plain text."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(f"#separator:{'tab' if tab else 'comma'}\n#html:{'false' if tab else 'true'}\n"
                "#notetype:Basic\n#guid column:1\n#deck column:2\n#tags column:5\n")
        w = csv.writer(f, delimiter="\t" if tab else ",", lineterminator="\n")
        for n in notes:
            back = n.back.replace("<b>", "").replace("</b>", "") if tab else n.back
            w.writerow([n.guid, n.deck, n.front, back, " ".join(n.tags)])


# -- building ------------------------------------------------------------------------


def build_flashdesk(path: Path, notes: list[Note], history: list[Answer], today: int) -> None:
    """The shared collection in flashdesk: the notes through its importer,
    the history written straight into its log (the benchmark's own set-up,
    not the answer path), limits high enough to study everything."""
    from flashdesk.collection import Collection
    from flashdesk.model import DeckData, DeckId, Kind, NoteData, card_id, note_id
    from flashdesk.store import queries as q, transaction

    col = Collection.open(path, bundled=False, backups=False)
    by_deck: dict[str, list] = {}
    for n in notes:
        by_deck.setdefault(n.deck, []).append(NoteData(
            key=n.guid, kind=Kind.BASIC, fields={"front": n.front, "back": n.back}, tags=n.tags))
    col.files.import_decks([DeckData(id=DeckId(""), name=name, notes=tuple(ns), path="<bench>")
                            for name, ns in by_deck.items()])
    decks = {name: col.decks.find(name) for name in by_deck}
    ids = [card_id(note_id(decks[n.deck], n.guid), 0) for n in notes]
    log, states = log_rows(history, ids, today)
    with transaction(col.db):
        q.insert_logs(col.db, log)
        q.set_sm2_fields(col.db, states)
        q.set_queue(col.db, [ids[i] for i in range(len(notes)) if i % 100 == 3], -1)
    for summary in col.decks.summaries(NOW):
        col.decks.set_limits(summary.id, new_limit=9999, review_limit=9999)
    col.close()


def build_anki(path: Path, notes_file: Path, notes: list[Note], history: list[Answer],
               today: int) -> None:
    """The same collection in Anki: the notes through its own CSV import of
    ``notes_file`` (the same notes, guids, decks and tags), then card states
    and the log written into its file with SQLite while it is closed (Anki's
    Python access takes one call per row)."""
    import sqlite3

    from anki.collection import Collection
    from anki.import_export_pb2 import ImportCsvRequest

    col = Collection(str(path))
    # Anki counts days from the collection's creation: move it back 1,000 days
    col.db.execute("update col set crt = crt - ?", 1000 * 86400)
    col.close()
    col = Collection(str(path))
    offset = today - col.sched.today  # a flashdesk study day = Anki's + offset
    metadata = col.get_csv_metadata(str(notes_file), None)
    col.import_csv(ImportCsvRequest(path=str(notes_file), metadata=metadata))
    conf = col.decks.get_config(1)
    conf["new"]["perDay"] = conf["rev"]["perDay"] = 9999
    col.decks.update_config(conf)
    col.close()
    raw = sqlite3.connect(path)
    by_guid = dict(raw.execute("select n.guid, c.id from cards c join notes n on n.id = c.nid"))
    ids = [by_guid[n.guid] for n in notes]
    entries, finals = replay(history, today)
    answers: dict[int, int] = {}
    log = []
    for a, before, outcome in entries:
        answers[a.card] = answers.get(a.card, 0) + 1
        after = outcome.after
        log.append((a.ts, ids[a.card], -1, ANKI_BUTTON[a.quality], after.interval,
                    before.interval, after.ease * 10, a.time_ms, 0 if outcome.was_new else 1))
    with raw:
        raw.executemany("insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, "
                        "type) values (?, ?, ?, ?, ?, ?, ?, ?, ?)", log)
        raw.executemany(
            "update cards set type = 2, queue = 2, due = ?, ivl = ?, factor = ?, reps = ?, "
            "lapses = ? where id = ?", [(s.due - offset, s.interval, s.ease * 10, answers[c],
                                         s.lapses, ids[c]) for c, s in finals.items()])
        raw.executemany("update cards set queue = -1 where id = ?",
                        [(ids[i],) for i in range(len(notes)) if i % 100 == 3])
    raw.execute("pragma wal_checkpoint(truncate)")
    raw.close()


def file_mb(path: Path) -> float:
    """The collection file with its WAL and shared-memory files, MB."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


# -- the operations, each in the process that measures it --------------------------------


def floor_import(col, path: Path) -> int:
    """The least any import of ``path`` (``write_text_file``'s comma layout)
    into flashdesk's schema can do: the csv module's parse, one JSON text per
    note and the very inserts the import makes (notes, cards, the full-text
    and browser indexes, one commit) – no check, cleaning, matching or
    report. Returns the notes added. The row "CSV import: floor" sets it
    against Anki's import of the same file."""
    from flashdesk.store import queries as q, transaction

    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))
    db = col.db
    now = int(time.time() * 1000)
    with transaction(db), q.bulk_import(db, len(rows)):
        decks: dict[str, int] = {}
        for name in sorted({r[1] for r in rows}):
            decks[name] = 1000 + len(decks)
            db.conn.execute("INSERT INTO decks (did, id, name) VALUES (?, ?, ?)",
                            (decks[name], f"floor:{name}", name))
        nid, cid, _ = q.next_rowids(db)
        for start in range(0, len(rows), 2000):
            notes, cards = [], []
            for i, (guid, deck, front, back, tags) in enumerate(rows[start:start + 2000],
                                                                 start):
                fields = json.dumps({"back": back, "front": front}, ensure_ascii=False)
                notes.append((nid + i, f"anki:{guid}", f"anki:{guid}", decks[deck], guid,
                              "basic", fields, tags, "", hash(front), now, front, back, None))
                cards.append((cid + i, f"anki:{guid}#0", nid + i, decks[deck], 0, i))
            q.add_notes(db, notes)
            q.add_cards(db, cards)
    return len(rows)


def child_import(side: str, source: str, work: str, again: str) -> dict:
    """Import ``source`` into a fresh collection in ``work`` (and, with
    ``again``, the same file once more): seconds, notes, peak memory."""
    work_dir = Path(work)
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    out: dict = {}
    if side in ("flashdesk", "floor"):
        from flashdesk.collection import Collection

        col = Collection.open(work_dir / "collection.db", bundled=False, backups=False)

        def run() -> tuple[float, int]:
            t = time.perf_counter()
            if side == "floor":
                added = floor_import(col, Path(source))
                return time.perf_counter() - t, added
            reports = col.files.import_files([source])
            took = time.perf_counter() - t
            return took, sum(r.added + r.updated + r.unchanged for r in reports)
    else:
        from anki.collection import Collection as AnkiCollection, ImportAnkiPackageRequest
        from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportCsvRequest

        col = AnkiCollection(str(work_dir / "collection.anki2"))

        def run() -> tuple[float, int]:
            if source.endswith(".apkg"):
                request = ImportAnkiPackageRequest(package_path=source,
                                                   options=ImportAnkiPackageOptions())
                t = time.perf_counter()
                result = col.import_anki_package(request)
            else:
                metadata = col.get_csv_metadata(source, None)  # the dialog's preview: untimed
                t = time.perf_counter()
                result = col.import_csv(ImportCsvRequest(path=source, metadata=metadata))
            took = time.perf_counter() - t
            log = result.log
            return took, len(log.new) + len(log.updated) + len(log.duplicate)
    out["seconds"], out["notes"] = run()
    out["rss_mb"] = peak_rss_mb()  # the first import's peak: the file read, the import
    if again == "again":
        out["again_seconds"], out["again_notes"] = run()
    col.close()
    shutil.rmtree(work_dir, ignore_errors=True)
    return out


#: browser filters: (label, flashdesk BrowseQuery arguments, Anki search)
FILTERS = [
    ("all cards", {}, ""),
    ("due today", {"state": "due"}, "is:due"),
    ("new", {"state": "new"}, "is:new"),
    ("review", {"state": "review"}, "is:review"),
    ("learning", {"state": "learning"}, "is:learn"),
    ("suspended", {"state": "suspended"}, "is:suspended"),
    ("buried", {"state": "buried"}, "is:buried"),
    ("leech", {"state": "leech"}, "tag:leech"),
    ("one deck", {"deck": "Bench::Deck 3"}, '"deck:Bench::Deck 3"'),
    ("one tag", {"tag": "part3"}, "tag:part3"),
    ("text: two words", {"text": "escalate manager"}, "escalate manager"),
]
#: browser sorts: (flashdesk sort key, Anki browser column); flashdesk's
#: "state" has no Anki column: it is set against Anki's due column
SORTS = [("added", "noteCrt"), ("front", "noteFld"), ("deck", "deck"), ("kind", "note"),
         ("state", "cardDue"), ("due", "cardDue"), ("interval", "cardIvl"), ("ease", "cardEase"),
         ("answers", "cardReps"), ("lapses", "cardLapses")]


def _median_ms(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def child_queries(fd_path: str, anki_path: str, pairs: int, reps: int) -> dict:
    """Browser queries and deck-tree counts, both collections open in this
    process, flashdesk and Anki alternating per operation."""
    from anki.collection import Collection as AnkiCollection

    from flashdesk.collection import Collection
    from flashdesk.model import BrowseQuery, CardFilter, SortKey

    fd = Collection.open(fd_path, bundled=False, backups=False)
    anki = AnkiCollection(anki_path)
    ops = []
    for label, args, search in FILTERS:
        deck = fd.decks.find(args["deck"]) if "deck" in args else None
        query = BrowseQuery(text=args.get("text", ""), deck_id=deck, tag=args.get("tag"),
                            state=CardFilter(args.get("state", "any")))
        column = anki.get_browser_column("noteCrt")
        ops.append((f"browser: {label}", lambda query=query: fd.notes.browse(query, NOW),
                    lambda search=search, column=column: anki.find_cards(search, order=column)))
    for sort, key in SORTS:
        query = BrowseQuery(sort=SortKey(sort))
        column = anki.get_browser_column(key)
        ops.append((f"browser: all cards sorted by {sort}",
                    lambda query=query: fd.notes.browse(query, NOW),
                    lambda column=column: anki.find_cards("", order=column)))
    ops.append(("deck-tree counts", lambda: fd.decks.summaries(NOW),
                lambda: anki.sched.deck_due_tree()))
    # what each statistics screen computes differs: Anki's is shown for reference
    ops.append(("statistics window figures", lambda: [fd.reports.statistics(NOW)],
                lambda: [anki._backend.graphs(search="", days=90)]))
    results = {}
    for label, fd_op, anki_op in ops:
        fd_op(), anki_op()  # warm: the first call of each reads its pages
        fd_runs, anki_runs = [], []
        for _ in range(pairs):
            fd_runs.append(_median_ms(fd_op, reps))
            anki_runs.append(_median_ms(anki_op, reps))
        results[label] = (statistics.median(fd_runs), statistics.median(anki_runs),
                          len(fd_op()), None)
    fd.close()
    anki.close()
    return results


def child_answers(fd_path: str, anki_path: str, pairs: int, per_pair: int) -> dict:
    """The core answer on a tmpfs (fsync costs nothing): the answer, its
    commit and the next card; flashdesk and Anki alternating."""
    from anki.collection import Collection as AnkiCollection  # before anki.cards: import order
    from anki.cards import Card
    from anki.scheduler_pb2 import CardAnswer

    from flashdesk.collection import Collection
    from flashdesk.model import Grade

    fd = Collection.open(fd_path, bundled=False, backups=False)
    anki = AnkiCollection(anki_path)
    anki.decks.select(anki.decks.id_for_name("Bench"))  # study every deck, as flashdesk does
    step = fd.study.step(None, NOW)

    def fd_answers() -> list[float]:
        nonlocal step
        times = []
        for _ in range(per_pair):
            t = time.perf_counter()
            assert step is not None
            step = fd.study.answer(step.card.id, Grade.GOOD, NOW, time_ms=3000).next
            times.append((time.perf_counter() - t) * 1000)
        return times

    def anki_answers() -> list[float]:
        times = []
        for _ in range(per_pair):
            t = time.perf_counter()
            queued = anki.sched.get_queued_cards().cards[0]
            card = Card(anki, backend_card=queued.card)
            card.start_timer()
            anki.sched.answer_card(anki.sched.build_answer(card=card, states=queued.states,
                                                           rating=CardAnswer.GOOD))
            times.append((time.perf_counter() - t) * 1000)
        return times

    fd_answers(), anki_answers()  # warm
    fd_runs, anki_runs = [], []
    for _ in range(pairs):
        fd_runs.append(statistics.median(fd_answers()))
        anki_runs.append(statistics.median(anki_answers()))
    fd.close()
    anki.close()
    return {"core answer CPU (fsync off)": (statistics.median(fd_runs),
                                            statistics.median(anki_runs), per_pair, None)}


def run_child(*args: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the table -------------------------------------------------------------------------


def load() -> str:
    """The machine's load averages (1, 5 and 15 minutes)."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def compare(size: int, folder: Path, pairs: int) -> list[tuple]:
    """Every row of the comparison at ``size`` cards: (operation, unit,
    flashdesk, Anki, higher is better)."""
    from flashdesk.model import study_day

    today = study_day(NOW)
    rng = random.Random(size)
    notes = make_notes(size, rng)
    history = make_history(size, rng, today, REVIEWED, ANSWERS_PER_CARD)
    here = folder / f"size-{size}"
    shutil.rmtree(here, ignore_errors=True)
    (here / "fd").mkdir(parents=True)
    (here / "anki").mkdir()
    fd_path, anki_path = here / "fd" / "collection.db", here / "anki" / "collection.anki2"
    csv_path, tsv_path = here / "notes.csv", here / "notes.txt"
    write_text_file(csv_path, notes, tab=False)
    write_text_file(tsv_path, notes, tab=True)
    t = time.perf_counter()
    build_flashdesk(fd_path, notes, history, today)
    t2 = time.perf_counter()
    build_anki(anki_path, csv_path, notes, history, today)
    print(f"# {size:,} cards, {len(history):,} log entries: built in "
          f"{t2 - t:.0f} s (flashdesk) and {time.perf_counter() - t2:.0f} s (Anki), "
          f"load {load()}", file=sys.stderr)
    rows: list[tuple] = [("collection file", "MB", file_mb(fd_path), file_mb(anki_path), False)]
    apkg = here / "anki-export.apkg"
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import ExportAnkiPackageOptions

    exporter = AnkiCollection(str(anki_path))
    exporter.export_anki_package(out_path=str(apkg), options=ExportAnkiPackageOptions(),
                                 limit=None)
    exporter.close()

    def alternate(source: Path, again: bool) -> dict[str, list[dict]]:
        sides = ("flashdesk", "anki", "floor") if source == csv_path else ("flashdesk", "anki")
        runs: dict[str, list[dict]] = {side: [] for side in sides}
        for _ in range(pairs):
            for side in sides:
                runs[side].append(run_child("import", side, str(source), str(here / "work"),
                                            "again" if again and side != "floor" else "once"))
        return runs

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    for label, source, again in (("CSV import (comma, HTML)", csv_path, True),
                                 ("Anki text import (tab, plain)", tsv_path, False),
                                 (".apkg import (Anki's export)", apkg, False)):
        runs = alternate(source, again)
        fd, an = runs["flashdesk"], runs["anki"]
        rows.append((label, "notes/s", median(fd, "notes") / median(fd, "seconds"),
                     median(an, "notes") / median(an, "seconds"), True))
        if "floor" in runs:
            fl = runs["floor"]
            rows.append(("CSV import: floor (parse + inserts, no checks)", "notes/s",
                         median(fl, "notes") / median(fl, "seconds"),
                         median(an, "notes") / median(an, "seconds"), True))
        if again:
            rows.append(("re-import of the unchanged CSV", "s", median(fd, "again_seconds"),
                         median(an, "again_seconds"), False))
        rows.append((f"{label}: peak memory", "MB", median(fd, "rss_mb"), median(an, "rss_mb"),
                     False))
    queries = run_child("queries", str(fd_path), str(anki_path), str(pairs), "5")
    rows.extend((label, "ms", f, a, False) for label, (f, a, _n, _) in queries.items())
    shm = Path(tempfile.mkdtemp(prefix="flashdesk-compare-", dir="/dev/shm"))
    try:
        for src, name in ((fd_path, "fd"), (anki_path, "anki")):
            (shm / name).mkdir()
            shutil.copy(src, shm / name / src.name)
        answers = run_child("answers", str(shm / "fd" / fd_path.name),
                            str(shm / "anki" / anki_path.name), str(pairs), "200")
    finally:
        shutil.rmtree(shm, ignore_errors=True)
    rows.extend((label, "ms", f, a, False) for label, (f, a, _n, _) in answers.items())
    shutil.rmtree(here, ignore_errors=True)
    return rows


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--pairs", type=int, default=3, help="flashdesk/Anki pairs per operation")
    parser.add_argument("--dir", help="where to build (default: a temporary folder)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "import":
            result = child_import(*rest)
        elif kind == "queries":
            result = child_queries(rest[0], rest[1], int(rest[2]), int(rest[3]))
        else:
            result = child_answers(rest[0], rest[1], int(rest[2]), int(rest[3]))
        print(json.dumps(result))
        return 0
    try:
        import anki  # noqa: F401
    except ImportError:
        print("compare_anki needs anki in this environment: pip install anki==26.9.3",
              file=sys.stderr)
        return 2
    if args.pairs < 3:
        parser.error("at least 3 pairs")
    print(f"flashdesk vs Anki, {args.pairs} pairs per operation, alternating; "
          f"load at start {load()}")
    with tempfile.TemporaryDirectory(prefix="flashdesk-compare-", dir=args.dir) as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            rows = compare(size, Path(tmp), args.pairs)
            print(f"\n### {size:,} cards (load at end {load()})\n")
            print("| operation | unit | flashdesk | Anki | ratio | target |")
            print("|---|---|---|---|---|---|")
            for label, unit, fd, an, higher in rows:
                ratio = fd / an if an else float("inf")
                target = "≥ 1" if higher else ("≤ 2" if label.startswith("core answer") else
                                              "≤ 1.5" if label == "collection file" else
                                              "≤ 200 MB" if "memory" in label else
                                              "< 300 ms" if label.startswith("statistics") else
                                              "≤ 1")
                print(f"| {label} | {unit} | {_fmt(fd)} | {_fmt(an)} | {ratio:.2f} | {target} |",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
