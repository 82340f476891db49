"""Files tutors share are not trusted: every refusal is one clear message, and
a refused import changes nothing, inside the collection or on disk."""

import sqlite3
import zipfile

import pytest

from flashdesk.formats import DeckFileError
from flashdesk.formats import anki

from .conftest import FIXTURES

GENANKI = FIXTURES / "import" / "genanki.apkg"


def content(col):
    """Everything the collection holds, as comparable data."""
    return {t: sorted(map(tuple, col.db.execute(f"SELECT * FROM [{t}]").fetchall()))
            for t in ("decks", "notes", "cards", "revlog", "config")}


def refused(col, path, match):
    before = content(col)
    with pytest.raises(DeckFileError) as info:
        col.files.import_files([path])
    assert len(info.value.problems) == 1
    message = str(info.value)
    assert message.startswith(str(path)) and match in message, message
    assert content(col) == before
    return message


def repack(tmp_path, name, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def genanki_members():
    with zipfile.ZipFile(GENANKI) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def with_fields(tmp_path, fields: str, media=None):
    """The genanki fixture with its first note's fields replaced."""
    members = genanki_members()
    db = tmp_path / "c.anki2"
    db.write_bytes(members["collection.anki2"])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE notes SET flds = ? WHERE id = (SELECT min(id) FROM notes)", [fields])
    conn.commit()
    conn.close()
    members["collection.anki2"] = db.read_bytes()
    if media is not None:
        members.update(media)
    return repack(tmp_path, "edited.apkg", members)


@pytest.fixture
def example_col(example):
    return example


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt", "C:/evil.txt", "a/../../evil"])
def test_unsafe_member_paths_are_refused(example_col, tmp_path, member):
    path = repack(tmp_path, "slip.apkg", {**genanki_members(), member: b"x"})
    refused(example_col, path, f"refused: it contains an unsafe path '{member}'")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zip_bomb_by_ratio_is_refused(example_col, tmp_path):
    path = repack(tmp_path, "bomb.apkg", {**genanki_members(), "0": b"\0" * (4 * 2**20)})
    refused(example_col, path, "compressed suspiciously well")


def test_oversized_member_is_refused(example_col, tmp_path, monkeypatch):
    monkeypatch.setitem(anki.LIMITS, "member_bytes", 2**20)
    path = repack(tmp_path, "big.apkg", {**genanki_members(), "0": b"x" * (2 * 2**20)},
                  zipfile.ZIP_STORED)
    refused(example_col, path, "too large once unpacked")


def test_zstd_bomb_inside_a_modern_package_is_refused(example_col, tmp_path, monkeypatch):
    import zstandard

    monkeypatch.setitem(anki.LIMITS, "member_bytes", 2**20)
    bomb = zstandard.ZstdCompressor().compress(b"\0" * (8 * 2**20))
    path = repack(tmp_path, "zbomb.apkg", {"collection.anki21b": bomb, "meta": b"\x08\x03"})
    refused(example_col, path, "too large once unpacked")


def test_a_file_that_is_not_a_zip_is_refused(example_col, tmp_path):
    path = tmp_path / "fake.apkg"
    path.write_bytes(b"%PDF-1.4 not a package")
    refused(example_col, path, "not an Anki package (an .apkg file is a zip archive)")


def test_a_zip_without_a_collection_is_refused(example_col, tmp_path):
    path = repack(tmp_path, "empty.apkg", {"readme.txt": b"hello"})
    refused(example_col, path, "no collection inside")


def test_a_collection_that_is_not_sqlite_is_refused(example_col, tmp_path):
    path = repack(tmp_path, "fake-db.apkg", {"collection.anki2": b"not sqlite" * 100})
    refused(example_col, path, "its collection is not an SQLite database")


def test_a_damaged_collection_is_refused(example_col, tmp_path):
    data = genanki_members()["collection.anki2"]
    path = repack(tmp_path, "cut.apkg", {"collection.anki2": data[:3000]})
    refused(example_col, path, "refused: its collection")


def test_card_html_is_sanitised(col, tmp_path):
    evil = ('<script>alert(1)</script><b onclick="steal()">Bold</b>'
            '<iframe src="http://evil.example/"></iframe><img src="http://evil.example/t.png">'
            '<img src="blue-dot.png" onerror="x()"><span style="background:url(http://e/x)">s</span>'
            '\x1fBack<a href="javascript:alert(1)">link</a>')
    col.files.import_files([with_fields(tmp_path, evil)])
    front = next(n for d in col.files.export_data(col.decks.find("Shared::From genanki")) for n in d.notes
                 if "Bold" in n.fields.get("front", ""))
    assert front.fields["front"] == '<b>Bold</b><img src="blue-dot.png"><span>s</span>'
    assert front.fields["back"] == "Backlink"


def test_media_names_cannot_escape_the_media_folder(col, tmp_path):
    members = {"media": b'{"0": "../../escape.png", "1": "/tmp/abs.png", "2": "ok.png"}',
               "0": b"a", "1": b"b", "2": b"\x89PNG"}
    fields = '<img src="../../escape.png"><img src="/tmp/abs.png"><img src="ok.png">Q\x1fA'
    [report] = col.files.import_files([with_fields(tmp_path, fields, members)])
    # the slashes go (as Anki's own rule does), a leading dot too: plain names
    # inside the media folder, and the card shows them under those names
    assert sorted(p.name for p in col.media_dir.iterdir()) == [
        "_...escape.png", "ok.png", "tmpabs.png"]
    assert not (col.media_dir.parent.parent / "escape.png").exists()
    assert not (tmp_path / "abs.png").exists()
    front = next(n for d in col.files.export_data(col.decks.find("Shared::From genanki"))
                 for n in d.notes if n.fields.get("back") == "A")
    assert front.fields["front"] == ('<img src="_...escape.png"><img src="tmpabs.png">'
                                     '<img src="ok.png">Q')
    assert any("renamed" in m for m in report.messages)


def test_binary_file_as_csv_is_refused(example_col, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    refused(example_col, path, "not a text file")


def test_a_csv_with_no_usable_row_is_refused(example_col, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("front,back\n,\n,only back\n", encoding="utf-8")
    before = content(example_col)
    with pytest.raises(DeckFileError, match="no row could be imported"):
        example_col.files.import_files([path])
    assert content(example_col) == before


def test_the_plain_text_shortcut_agrees_with_nh3():
    import random

    import nh3

    from flashdesk.formats.sanitize import ALLOWED_TAGS, clean_html, remove_controls

    rng = random.Random(5)  # fixed: the same 5,000 texts every run
    alphabet = [chr(i) for i in range(0, 0x2100)] + ["\uFEFF", "\u2028", "\U0001F600"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        # control characters are removed before cleaning, so compare with nh3 on text without them
        expected = nh3.clean(remove_controls(text), tags=set(ALLOWED_TAGS), attributes={"img": {"src", "alt"}},
                             url_schemes=set(), link_rel=None)
        if "<" not in text:
            assert clean_html(text) == expected, repr(text)


@pytest.mark.parametrize("media", [b'\x08"0": "blue-dot.png"}', b"[1, 2]", b"\x0a\x03\x08\x05\x01"])
def test_a_damaged_media_list_is_refused(example_col, tmp_path, media):
    # found by the property tests: a media list that is neither JSON nor Anki's records
    path = repack(tmp_path, "media.apkg", {**genanki_members(), "media": media})
    refused(example_col, path, "refused:")


@pytest.mark.parametrize("front", [
    "x" * 100_001,                  # too long as it is
    "a" + "&" * 25_000,             # each '&' is stored as '&amp;': 125,001 characters
    "a" + "\xa0" * 16_667 + "b",    # each no-break space as '&nbsp;': 100,004
    # 1,365 characters of markup the sanitiser makes 101,951: each paragraph reopens 100 tags
    "<p>" + "".join(f"<b a={i}>" for i in range(100)) + "<p>y" * 143,
])
def test_an_anki_field_that_grows_past_the_limit_is_refused(example_col, tmp_path, front):
    path = with_fields(tmp_path, f"{front}\x1fback")
    refused(example_col, path, "too long")


def test_the_studied_cards_of_a_package_are_counted_as_their_states_say():
    progress = anki.AnkiProgress()
    progress.add("anki:a", {0: (0, 0, 1, 0, 0, 0, 0), 1: (2, 2, 30, 10, 2500, 4, 0)})
    progress.add("anki:b", {0: (1, 1, 1700000000, 0, 2500, 1, 0)})
    progress.add("anki:c", {0: (3, 1, 1700000000, 0, 2300, 9, 2), 1: (0, -1, 2, 0, 0, 0, 0)})
    by_state = sum(1 for _, cards in progress.items() for state in cards.values()
                   if state.type in (1, 2, 3))
    assert progress.studied() == by_state == 3


def test_a_package_card_due_beyond_any_calendar_imports_with_its_progress(example_col, tmp_path,
                                                                           now):
    """A damaged package: a learning card due at a time no calendar holds and
    a review card a billion days out. Its progress comes over, due today and
    at most 100 years ahead; nothing fails."""
    members = genanki_members()
    db = tmp_path / "c.anki2"
    db.write_bytes(members["collection.anki2"])
    conn = sqlite3.connect(db)
    first, second = [r[0] for r in conn.execute("SELECT id FROM cards ORDER BY id LIMIT 2")]
    conn.execute("UPDATE cards SET type = 1, queue = 1, due = ?, ivl = 0, factor = 2500, "
                 "reps = 3 WHERE id = ?", [2**62, first])
    conn.execute("UPDATE cards SET type = 2, queue = 2, due = ?, ivl = ?, factor = 2500, "
                 "reps = 9 WHERE id = ?", [999_999_999 - 1, 10**9, second])
    conn.commit()
    conn.close()
    members["collection.anki2"] = db.read_bytes()
    path = repack(tmp_path, "damaged.apkg", members)
    reports = example_col.files.import_files([path], with_scheduling=True, now=now)
    assert sum(r.progress for r in reports) == 2
    today = example_col.today(now)
    rows = example_col.db.execute(
        "SELECT due, interval, last_day FROM cards WHERE type = 2 ORDER BY due").fetchall()
    assert rows[0][0] == today and rows[-1][0] == today + 36_500 and rows[-1][1] == 36_500
    assert all(last < today for _, _, last in rows)
