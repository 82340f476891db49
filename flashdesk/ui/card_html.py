"""Card fields (sanitised HTML fragments) made ready for Qt's rich text.

Qt's rich text knows most of the subset the deck format allows; ``<mark>``
becomes a highlighted span, and an image may only come from the profile's
media folder: its plain file name is resolved there, and anything else is
dropped, so nothing is ever loaded from elsewhere.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..formats.sanitize import is_media_name

__all__ = ["qt_html", "highlight", "blank", "escape"]

_IMG = re.compile(r"<img\b([^>]*)>", re.I)
_SRC = re.compile(r"""\bsrc\s*=\s*"([^"]*)\"""", re.I)
_ALT = re.compile(r"""\balt\s*=\s*"([^"]*)\"""", re.I)
_MARK_OPEN = re.compile(r"<mark\b[^>]*>", re.I)
_MARK_CLOSE = re.compile(r"</mark\s*>", re.I)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def highlight(text: str, colors: dict[str, str]) -> str:
    """``text`` (already HTML) highlighted like a marker pen."""
    return (f'<span style="background-color:{colors["mark_bg"]}; color:{colors["mark_text"]}; '
            f'font-weight:600;">&nbsp;{text}&nbsp;</span>')


def blank(colors: dict[str, str], text: str = "[ … ]") -> str:
    """The gap a cloze leaves in the question."""
    return f'<span style="color:{colors["accent"]}; font-weight:600;">{escape(text)}</span>'


def _image(match: re.Match, media_dir: Path | None) -> str:
    attrs = match.group(1)
    src = _SRC.search(attrs)
    alt = _ALT.search(attrs)
    name = html.unescape(src.group(1)) if src else ""
    if media_dir is not None and is_media_name(name):
        path = (media_dir / name)
        if path.parent == media_dir and path.is_file():
            return f'<img src="{html.escape(path.as_uri())}">'
    return f"<i>[{escape(html.unescape(alt.group(1)))}]</i>" if alt and alt.group(1) else ""


def qt_html(fragment: str, colors: dict[str, str], media_dir: Path | None = None) -> str:
    """A card field as Qt rich text."""
    text = str(fragment)
    text = _MARK_OPEN.sub(f'<span style="background-color:{colors["mark_bg"]}; '
                          f'color:{colors["mark_text"]};">', text)
    text = _MARK_CLOSE.sub("</span>", text)
    return _IMG.sub(lambda m: _image(m, media_dir), text)
