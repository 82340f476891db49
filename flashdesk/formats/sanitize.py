"""Card text is a small, safe subset of HTML: formatting, and images from the
profile's own media folder. Nothing that runs, and nothing that loads from
anywhere else. Names, descriptions, tags and sources are plain text.

What is stored, whatever the file held (see docs/import-export.md):

- card text: the allowed HTML, with control characters removed (C0 except tab
  and line breaks, DEL, C1); bidirectional marks and overrides are kept, as
  right-to-left text needs them and card text is only shown through Qt's
  sanitised HTML path (and ``terminal_safe`` in a terminal);
- deck names, descriptions, tags and sources (``clean_plain``): plain text with
  every control character and every bidirectional embedding, override and
  isolate removed; tabs and line breaks become spaces (a description keeps its
  line breaks). Markup in them is not interpreted: ``<b>`` stays those three
  characters.
"""

from __future__ import annotations

import html
import html.entities
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

__all__ = ["clean_html", "clean_field", "clean_text_field", "clean_plain", "remove_controls",
           "is_blank", "blank_field", "ALLOWED_TAGS", "media_name", "is_media_name", "media_references",
           "rename_media_references", "CONTROLS", "BIDI_CONTROLS", "Removals", "looks_like_html",
           "text_to_html", "MAX_MEDIA_NAME_BYTES", "escape_literal", "card_html", "stored_as_is",
           "editable_text"]

ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "s", "sub", "sup", "br", "p", "ul", "ol", "li",
    "code", "pre", "blockquote", "span", "div", "small", "mark", "hr", "img",
})
_EMPTY_IMG = re.compile(r"<img(?![^>]*\bsrc=)[^>]*>", re.I)
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc="([^"]+)\"""", re.I)

# -- media file names ---------------------------------------------------------------

#: the longest media file name, in UTF-8 bytes (Anki's limit)
MAX_MEDIA_NAME_BYTES = 120
#: characters some system refuses in a file name (Anki's list), and every control character
_NAME_DROP = re.compile('[\\[\\]<>:"/?*^\\\\|\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]')
_WINDOWS_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\.|$)", re.I)


def media_name(name: str) -> str:
    """The name a media file is kept under: ``name`` itself when every
    system can store it, else a safe name close to it.

    The rule is Anki's (``normalize_filename`` in ``rslib/src/media/files.rs``,
    read, not copied), so apostrophes, ``&``, ``+``, commas, ``%``, dashes and
    accents stay: Unicode NFC; ``[ ] < > : " / ? * ^ \\ |`` and control
    characters removed; a no-break space becomes a space; a Windows device
    name (``con.png``) gets ``_`` after it; a name ending in a space or dot
    gets ``_``; at most ``MAX_MEDIA_NAME_BYTES`` bytes, keeping the extension.
    flashdesk also removes bidirectional controls and replaces a leading dot
    (a hidden file) with ``_``; an empty result is ``_``."""
    name = unicodedata.normalize("NFC", name)
    name = _NAME_DROP.sub("", name).replace("\xa0", " ")
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cn")
    name = _WINDOWS_DEVICE.sub(r"\1_\2", name)
    if name.startswith("."):
        name = "_" + name[1:]
    if name.endswith((" ", ".")):
        name += "_"
    if len(name.encode("utf-8")) > MAX_MEDIA_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext.encode("utf-8")) > 20:
            stem, ext = name, ""
        room = MAX_MEDIA_NAME_BYTES - (len(ext.encode("utf-8")) + 1 if ext else 0)
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .") or "_"
        name = f"{stem}.{ext}" if ext else stem
    return name or "_"


def is_media_name(name: str) -> bool:
    """True when ``name`` is a media file name kept as it is (``media_name``)."""
    return bool(name) and media_name(name) == name


_IMG_SRC_ANY = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)""", re.I)


def rename_media_references(text: str, renames: dict[str, str]) -> str:
    """Card HTML as it came from a file, with each image whose source (once
    HTML entities are decoded) is a key of ``renames`` pointing at the new
    name instead. Quoting of any kind is understood; the new source is
    written in double quotes, escaped."""
    if not renames or "<" not in text:
        return text

    def fix(match: re.Match) -> str:
        value = match.group(2)
        if value[:1] in "\"'":
            value = value[1:-1]
        new = renames.get(html.unescape(value))
        if new is None:
            return match.group(0)
        return f'{match.group(1)}"{html.escape(new)}"'

    return _IMG_SRC_ANY.sub(fix, text)


def _attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if is_media_name(value) else None
    return value


#: control characters no stored text keeps: C0 except tab, line feed and carriage
#: return (which HTML cleaning turns into line feeds), DEL and C1
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: bidirectional formatting: the Arabic letter mark, LRM/RLM, embeddings and
#: overrides (U+202A–U+202E), isolates (U+2066–U+2069)
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: what plain text loses: control characters of every kind, bidirectional
#: embeddings, overrides and isolates (marks are kept: they reorder nothing)
_PLAIN_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_PLAIN_SPACE = re.compile("\r\n|[\t\n\r\u2028\u2029]")


def remove_controls(text: str) -> str:
    """``text`` without control characters (``CONTROLS``); tab, line feed
    and carriage return are kept."""
    return CONTROLS.sub("", text)


def clean_plain(text: str, *, lines: bool = False) -> str:
    """User text that is shown as plain text (a deck name, description, tag or
    source): control characters and bidirectional embeddings, overrides and
    isolates removed; tabs and line breaks become spaces, or with ``lines``
    (a description) line breaks stay as ``\\n``. Markup is left as it is:
    it is never interpreted. Not stripped: callers strip what they need."""
    if lines:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n") \
            .replace("\u2029", "\n").replace("\t", " ")
    else:
        text = _PLAIN_SPACE.sub(" ", text)
    return _PLAIN_DROP.sub("", text)


# characters nh3 rewrites: markup, NUL, CR, no-break space and a BOM (checked over the BMP)
_MARKUP = re.compile("[<>&\x00\r\xa0\ufeff]")


@dataclass
class Removals:
    """What the sanitiser removed from one file: a count for each kind of
    thing removed, and the first examples with their place."""

    counts: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    #: examples kept
    keep: int = 5
    #: removals so far (``total`` without the sum): a reader takes the
    #: difference across one row to know what that row's deck lost
    count: int = 0

    def add(self, kind: str, example: str, where: str = "") -> None:
        """Count one ``kind`` of removal (e.g. "tags flashdesk does not show");
        ``example`` is what was removed, ``where`` its place (a line or note)."""
        self.counts[kind] += 1
        self.count += 1
        if len(self.examples) < self.keep:
            example = example if len(example) <= 60 else example[:57] + "…"
            self.examples.append(f"{where}: {example}" if where else example)

    @property
    def total(self) -> int:
        """Everything removed so far (``count``, the sum of ``counts``)."""
        return self.count

    def summary(self, shown: str) -> str | None:
        """One message for the import summary (None when nothing was removed):
        the total, the count of each kind, and the first examples, each count
        agreeing with its noun ('1 comment', '2 comments')."""
        if not self.total:
            return None
        kinds = ", ".join(f"{n} {_ONE.get(kind, kind) if n == 1 else kind}"
                          for kind, n in self.counts.most_common())
        things = "thing" if self.total == 1 else "things"
        return (f"{shown}: the sanitiser removed {self.total} {things} from card text ({kinds}); "
                f"first: {'; '.join(self.examples)}")


#: each kind of removal (as ``Removals.add`` counts it) when there is one of it
_ONE = {
    "scripts and styles (with their content)": "script or style (with its content)",
    "tags flashdesk does not show": "tag flashdesk does not show",
    "images from outside the media folder": "image from outside the media folder",
    "attributes (styles, classes, links, events)": "attribute (a style, class, link or event)",
    "comments": "comment",
    "control characters": "control character",
}


_UNSAFE_CONTENT = frozenset({"script", "style"})


class _Explainer(HTMLParser):
    """Lists what ``clean_html`` removes from one fragment, in the words a
    tutor understands. Only run when cleaning changed the fragment."""

    def __init__(self, removals: Removals, where: str):
        super().__init__(convert_charrefs=True)
        self.removals, self.where = removals, where

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if tag in _UNSAFE_CONTENT:
            self.removals.add("scripts and styles (with their content)", raw, self.where)
            return
        if tag not in ALLOWED_TAGS:
            self.removals.add("tags flashdesk does not show", raw, self.where)
            return
        for name, value in attrs:
            if tag == "img" and name == "src":
                if not is_media_name(value or ""):
                    self.removals.add("images from outside the media folder", raw, self.where)
            elif not (tag == "img" and name == "alt"):
                self.removals.add("attributes (styles, classes, links, events)",
                                  f'{name}="{value or ""}" on <{tag}>', self.where)
        if tag == "img" and not any(name == "src" for name, _ in attrs):
            self.removals.add("images from outside the media folder", raw, self.where)

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_comment(self, data):
        self.removals.add("comments", f"<!--{data}-->", self.where)

    def handle_decl(self, decl):
        self.removals.add("tags flashdesk does not show", f"<!{decl}>", self.where)

    def handle_pi(self, data):
        self.removals.add("tags flashdesk does not show", f"<?{data}>", self.where)


def clean_html(text: str, removals: Removals | None = None, where: str = "") -> str:
    """Remove every tag, attribute and URL that is not plain formatting or a
    local media file name; script and style elements go with their content.
    Control characters (``CONTROLS``) are removed first.

    With ``removals``, each thing removed is counted there (its place given
    by ``where``, e.g. "line 4"); a fragment that comes out unchanged costs
    nothing more."""
    if not text.isprintable():  # printable text has no control character to remove
        if removals is not None:
            for ch in CONTROLS.findall(text):
                removals.add("control characters", f"U+{ord(ch):04X}", where)
        text = CONTROLS.sub("", text)
    if not _MARKUP.search(text):
        return text  # plain text: nothing to clean, and nh3 would return it unchanged
    cleaned = nh3.clean(text, tags=set(ALLOWED_TAGS), attributes={"img": {"src", "alt"}},
                        attribute_filter=_attribute, url_schemes=set(), strip_comments=True,
                        link_rel=None, clean_content_tags={"script", "style"})
    cleaned = _EMPTY_IMG.sub("", cleaned)  # an image whose source was refused shows nothing
    if removals is not None and cleaned != text and "<" in text:
        explainer = _Explainer(removals, where)
        explainer.feed(text)
        explainer.close()
    return cleaned


def media_references(text: str) -> list[str]:
    """The media file names a cleaned field refers to (entities decoded)."""
    return [html.unescape(name) for name in _IMG_SRC.findall(text)]


#: every element name of HTML (not only those flashdesk keeps): what makes ``<…>`` a tag
_ELEMENTS = (
    r"a|abbr|acronym|address|area|article|aside|audio|b|base|basefont|bdi|bdo|"
    r"big|blockquote|body|br|button|canvas|caption|center|cite|code|col|colgroup|dd|del|details|"
    r"dfn|dialog|dir|div|dl|dt|em|embed|fieldset|figcaption|figure|font|footer|form|frame|"
    r"frameset|h[1-6]|head|header|hr|html|i|iframe|img|input|ins|kbd|label|legend|li|link|main|"
    r"map|mark|meta|meter|nav|noscript|object|ol|optgroup|option|output|p|param|picture|pre|"
    r"progress|q|rp|rt|ruby|s|samp|script|section|select|small|source|span|strike|strong|style|"
    r"sub|summary|sup|svg|table|tbody|td|template|textarea|tfoot|th|thead|time|title|tr|track|tt|"
    r"u|ul|var|video|wbr")
#: a real HTML element (any element of HTML, not only those flashdesk keeps)
#: or a comment: what makes a file's text HTML rather than text with angle brackets
_HTML_SIGN = re.compile(rf"<!--|<\s*/?\s*(?:{_ELEMENTS})(?:\s[^<>]*)?/?\s*>", re.I)
#: one piece of card text that is markup: a comment, a tag of a real HTML element
#: (attribute values may hold anything in quotes), or an entity; else one of
#: ``<``, ``>``, ``&`` that is a character of the text
_PIECE = re.compile(
    rf"""<!--.*?-->|<\s*/?\s*(?:{_ELEMENTS})(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?/?\s*>"""
    r"|&(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)|[<>&]", re.I | re.S)

_ENTITY = re.compile(r"&(#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")


def looks_like_html(text: str) -> bool:
    """True when ``text`` holds a real HTML element (``<b>``, ``</div>``,
    ``<br/>``, ``<img src=…>``), an HTML comment or an HTML entity
    (``&amp;``, ``&lt;``, ``&#8211;``).

    Anki's own test (``is_html`` in ``rslib/src/text.rs``) counts anything in
    angle brackets, so ``Press <Esc> then <Enter>`` counts as HTML there and
    Anki hides those words; flashdesk asks for a real element, so such text
    stays text. Entities count because HTML writes ``<``, ``>`` and ``&``
    that are text as entities (Anki's exports; a flashdesk export writes
    them as characters unless they would read as markup)."""
    if "<" in text and _HTML_SIGN.search(text) is not None:
        return True
    if "&" in text:
        for match in _ENTITY.finditer(text):
            name = match.group(1)
            if name.startswith("#") or name in html.entities.html5:
                return True
    return False


def text_to_html(text: str) -> str:
    """Plain text as card HTML, as Anki imports a file that is not HTML:
    ``&``, ``<`` and ``>`` escaped, line breaks become ``<br>``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return html.escape(text, quote=False).replace("\n", "<br>")


def _piece(match: re.Match) -> str:
    piece = match.group(0)
    if len(piece) == 1:
        return {"<": "&lt;", ">": "&gt;", "&": "&amp;"}[piece]
    if piece[0] == "&" and piece[1] != "#" and piece[1:] not in html.entities.html5:
        return "&amp;" + piece[1:]  # "&name;" naming no entity: its "&" is a character
    return piece


def escape_literal(text: str) -> str:
    """``text`` with every ``<``, ``>`` and ``&`` that is not markup escaped,
    so it stays the character it is: the one rule for what card text means.

    Markup is a tag of a real HTML element (``<b>``, ``</div>``, ``<br/>``,
    ``<img src="a.png">``, ``<script>`` – any element of HTML, allowed or
    not), a whole comment, or an entity (``&amp;``, ``&lt;``, ``&#8211;``).
    Anything else is text: ``Hello <customer name>``, ``a<b``, ``AT&T``,
    ``&copy 2024`` and ``<Esc>`` show as written. Markup is then up to the
    sanitiser (``clean_html``), which keeps what flashdesk shows and
    reports what it removes."""
    if "<" not in text and ">" not in text and "&" not in text:
        return text
    return _PIECE.sub(_piece, text)


def stored_as_is(text: str) -> bool:
    """True when ``text`` has nothing to escape, remove or sanitise (no
    ``<``, ``>``, ``&``, control character, no-break or other special space):
    ``clean_field``, ``card_html`` and ``clean_text_field`` store it as it
    is, stripped. Lets a reader skip their passes for the usual cell."""
    return text.isprintable() and "<" not in text and ">" not in text and "&" not in text


def card_html(text: str, removals: Removals | None = None, where: str = "") -> str:
    """Card text as it is stored: what is not markup kept as text
    (``escape_literal``), then the markup sanitised (``clean_html``;
    removals counted in ``removals``)."""
    return clean_html(escape_literal(text), removals, where)


_BLOCK = re.compile(r"<(br|p|div|ul|ol|li|pre|blockquote|hr)\b", re.I)


def clean_field(text: str, removals: Removals | None = None, where: str = "") -> str:
    """A field as typed by a person (in the window or a deck file) as it is
    stored: stripped; what is not markup kept as text (``escape_literal``);
    line breaks become ``<br>`` unless the text lays itself out with HTML;
    then sanitised (``clean_html``; removals counted in ``removals``)."""
    text = escape_literal(text.strip().replace("\r\n", "\n").replace("\r", "\n"))
    if "\n" in text and not _BLOCK.search(text):
        text = text.replace("\n", "<br>")
    return clean_html(text, removals, where)


def clean_text_field(text: str) -> str:
    """A field of plain text (a file that says it holds no HTML) as card
    HTML, without parsing it: control characters removed, ``&``, ``<``, ``>``
    and no-break spaces escaped, line breaks as ``<br>`` – what ``clean_field``
    makes of the escaped text, never through the HTML sanitiser."""
    text = text.strip().replace("\r\n", "\n").replace("\r", "\n")
    if not text.isprintable():
        text = CONTROLS.sub("", text)
    text = html.escape(text, quote=False)
    if "\xa0" in text:
        text = text.replace("\xa0", "&nbsp;")
    return text.replace("\n", "<br>") if "\n" in text else text


def editable_text(stored: str) -> str:
    """A stored field as a person edits it: entities as the characters they
    stand for (``&lt;customer&gt;`` as ``<customer>``) whenever
    ``clean_field`` reads that back as the same stored text; otherwise
    (``&lt;b&gt;`` meant as those characters) the entities stay."""
    if "&" not in stored:
        return stored
    plain = html.unescape(stored)
    return plain if clean_field(plain) == clean_field(stored) else stored


_VISIBLE = re.compile(r"<img\b", re.I)
_TAGS = re.compile(r"<[^>]*>")


def is_blank(fragment: str) -> bool:
    """True when cleaned card HTML shows nothing: no text once tags are gone
    and no image. ``<b></b>``, ``<br>`` and ``&nbsp;`` are blank."""
    if not fragment or fragment.isspace():
        return True
    if "<" not in fragment and "&" not in fragment:  # no markup: blank only if empty
        return False
    if _VISIBLE.search(fragment):
        return False
    return not html.unescape(_TAGS.sub("", fragment)).strip()


def blank_field(required: tuple[str, ...] | list[str], fields: dict) -> str | None:
    """The first field of ``required`` that ``fields`` (cleaned card fields:
    text, or lists of texts) lacks or that is blank after cleaning (a list is
    blank when it is empty or any item is), else None."""
    for name in required:
        value = fields.get(name)
        if value is None:
            return name
        if isinstance(value, str) and is_blank(value):
            return name
        if isinstance(value, list) and (not value or any(
                isinstance(v, str) and is_blank(v) for v in value)):
            return name
    return None
