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
import re

import nh3

__all__ = ["clean_html", "clean_field", "clean_text_field", "clean_plain", "remove_controls", "is_blank",
           "blank_field", "ALLOWED_TAGS", "MEDIA_NAME", "media_references", "CONTROLS",
           "BIDI_CONTROLS"]

ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "s", "sub", "sup", "br", "p", "ul", "ol", "li",
    "code", "pre", "blockquote", "span", "div", "small", "mark", "hr", "img",
})
#: a media file name: no folders, no scheme, no leading dot
MEDIA_NAME = re.compile(r"^[\w][\w\- .()]{0,200}$")
_EMPTY_IMG = re.compile(r"<img(?![^>]*\bsrc=)[^>]*>", re.I)
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc="([^"]+)\"""", re.I)


def _attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if MEDIA_NAME.match(value) else None
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


def clean_html(text: str) -> str:
    """Remove every tag, attribute and URL that is not plain formatting or a
    local media file name; script and style elements go with their content.
    Control characters (``CONTROLS``) are removed first."""
    if not text.isprintable():  # printable text has no control character to remove
        text = CONTROLS.sub("", text)
    if not _MARKUP.search(text):
        return text  # plain text: nothing to clean, and nh3 would return it unchanged
    cleaned = nh3.clean(text, tags=set(ALLOWED_TAGS), attributes={"img": {"src", "alt"}},
                        attribute_filter=_attribute, url_schemes=set(), strip_comments=True,
                        link_rel=None, clean_content_tags={"script", "style"})
    return _EMPTY_IMG.sub("", cleaned)  # an image whose source was refused shows nothing


def media_references(text: str) -> list[str]:
    """The media file names a cleaned field refers to."""
    return _IMG_SRC.findall(text)


_BLOCK = re.compile(r"<(br|p|div|ul|ol|li|pre|blockquote|hr)\b", re.I)


def clean_field(text: str) -> str:
    """A field as typed by a person: line breaks in plain text become ``<br>``
    (text that already lays itself out with HTML is left as it is), then cleaned."""
    text = text.strip().replace("\r\n", "\n")
    if "\n" in text and not _BLOCK.search(text):
        text = text.replace("\n", "<br>")
    return clean_html(text)


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
