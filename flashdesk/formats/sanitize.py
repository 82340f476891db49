"""Card text is a small, safe subset of HTML: formatting only, nothing that
runs or loads anything."""

from __future__ import annotations

import nh3

__all__ = ["clean_html", "ALLOWED_TAGS"]

ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "s", "sub", "sup", "br", "p", "ul", "ol", "li",
    "code", "pre", "blockquote", "span", "div", "small", "mark", "hr",
})


def clean_html(text: str) -> str:
    """Remove every tag, attribute and URL that is not plain formatting."""
    return nh3.clean(text, tags=set(ALLOWED_TAGS), attributes={}, url_schemes=set(),
                     strip_comments=True, link_rel=None)
