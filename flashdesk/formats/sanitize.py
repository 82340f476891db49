"""Card text is a small, safe subset of HTML: formatting, and images from the
profile's own media folder. Nothing that runs, and nothing that loads from
anywhere else."""

from __future__ import annotations

import re

import nh3

__all__ = ["clean_html", "clean_field", "ALLOWED_TAGS", "MEDIA_NAME", "media_references"]

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


# characters nh3 rewrites: markup, NUL, CR, no-break space and a BOM (checked over the BMP)
_MARKUP = re.compile("[<>&\x00\r\xa0\ufeff]")


def clean_html(text: str) -> str:
    """Remove every tag, attribute and URL that is not plain formatting or a
    local media file name; script and style elements go with their content."""
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
