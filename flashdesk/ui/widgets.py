"""Small widgets the screens share: wrapping rich-text labels, buttons whose
text wraps, and a check box with a wrapping label."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QSizePolicy,
    QVBoxLayout, QWidget,
)

from ..cards import plain_text

__all__ = ["text_label", "ElidedLabel", "elide_words", "CardLabel", "RichButton", "OptionButton",
           "GradeButton", "CheckItem", "divider", "set_role", "plain_tip", "fit_placeholder", "HintEdit",
           "LINE_EDIT_CHROME"]


def plain_tip(text: str) -> str:
    """Text from a file or the learner, ready for a tooltip or a rich label:
    Qt would take ``<img src=…>`` in a tooltip as markup (and read the file),
    so every character is escaped and line breaks kept."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>" if text else ""


def set_role(label: QLabel, role: str) -> QLabel:
    label.setProperty("role", role)
    return label


def text_label(text: str = "", role: str | None = None, *, rich: bool = False,
               parent: QWidget | None = None) -> QLabel:
    """A wrapping label; ``role`` picks its look in the style sheet."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setText(text)
    if role:
        set_role(label, role)
    return label


#: what a styled line edit takes beside its text: border, padding, Qt's margin, the cursor
LINE_EDIT_CHROME = 24


def fit_placeholder(edit: QLineEdit) -> QLineEdit:
    """A line edit never narrower than its placeholder text (it says what to type)."""
    edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(edit.placeholderText())
                         + LINE_EDIT_CHROME)
    return edit


class HintEdit(QLineEdit):
    """A line edit whose placeholder is the longest of its ``hints`` that fits
    its width (the first is the fullest), so what to type is never cut off."""

    def __init__(self, *hints: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._hints = hints
        self._fit_hint()

    def _fit_hint(self) -> None:
        room = self.width() - LINE_EDIT_CHROME
        metrics = self.fontMetrics()
        self.setPlaceholderText(next((h for h in self._hints
                                      if metrics.horizontalAdvance(h) <= room),
                                     self._hints[-1] if self._hints else ""))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_hint()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_hint()


def divider(parent: QWidget | None = None) -> QFrame:
    line = QFrame(parent)
    line.setObjectName("divider")
    line.setFrameShape(QFrame.Shape.NoFrame)
    line.setFixedHeight(1)
    return line


def column_scroll(content: QWidget) -> QScrollArea:
    """``content`` (a column of fields) in a frameless area that scrolls up
    and down only: the column takes the area's width."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(content)
    return scroll


def elide_words(text: str, fits) -> str:
    """``text`` cut at a word boundary and ended with … so that ``fits(text)``;
    a single word too long for the room is cut where it must be."""
    if fits(text):
        return text
    words = text.split(" ")
    for k in range(len(words) - 1, 0, -1):
        shorter = " ".join(words[:k]).rstrip(" ·›,:(–") + "…"
        if fits(shorter):
            return shorter
    for k in range(len(text) - 1, 0, -1):
        if fits(text[:k] + "…"):
            return text[:k] + "…"
    return ""


class ElidedLabel(QLabel):
    """One line of plain text that, when there is no room for all of it,
    shows the first of its shorter forms that fits (``set_full_text``), else
    the shortest cut at a word boundary and ended with …"""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = text
        self._shorter: tuple[str, ...] = ()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str, shorter: tuple[str, ...] | list[str] = ()) -> None:
        """Show ``text``; ``shorter``: what to show instead when it does not
        fit, in order of preference (the tooltip always has all of it)."""
        self._full = text
        self._shorter = tuple(shorter)
        self.setToolTip(plain_tip(text))
        self.setAccessibleName(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        width = max(0, self.contentsRect().width())

        def fits(text: str) -> bool:
            return metrics.horizontalAdvance(text) <= width

        forms = (self._full, *self._shorter)
        shown = next((f for f in forms if fits(f)), None)
        self.setText(shown if shown is not None else elide_words(forms[-1], fits))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._elide()


class CardLabel(QLabel):
    """Card text: rich text that wraps, can be selected with the mouse, and
    opens nothing (no links, no external resources)."""

    def __init__(self, html: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.set_html(html)

    def set_html(self, html: str) -> None:
        self.setText(html)
        self.setAccessibleName(plain_text(html)[:300])


class RichButton(QPushButton):
    """A push button laid out with child labels, so long text wraps instead of
    being cut off. Enter or Space presses it when it has the focus."""

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("kind", kind)
        self.setAutoDefault(True)  # Enter presses the focused button
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        return layout.totalSizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        return layout.totalMinimumSize() if layout is not None else super().minimumSizeHint()

    @staticmethod
    def _inert(label: QLabel) -> QLabel:
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return label


class OptionButton(RichButton):
    """One option of a multiple-choice card: a key badge and wrapping text."""

    def __init__(self, number: int, html: str, parent: QWidget | None = None):
        super().__init__("option", parent)
        self.number = number
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 7, 14, 7)
        layout.setSpacing(12)
        badge = self._inert(QLabel(str(number)))
        badge.setObjectName("keyBadge")
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignVCenter)
        self._text = self._inert(CardLabel(html))
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self._text, 1)
        self._mark = self._inert(QLabel(""))
        self._mark.setObjectName("optionMark")
        layout.addWidget(self._mark, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setAccessibleName(f"Option {number}: {plain_text(html)}")
        self.setToolTip(f"Choose option {number} (key {number})")

    def set_verdict(self, verdict: str, mark: str = "") -> None:
        """'right', 'wrong' or 'other' once the learner has chosen."""
        self.setProperty("verdict", verdict)
        self._mark.setText(mark)


class GradeButton(RichButton):
    """An answer button: the grade's name, its key and the next interval."""

    def __init__(self, key: int, quality: int, name: str, parent: QWidget | None = None):
        super().__init__("grade", parent)
        self.setProperty("suggested", "false")
        self.key = key
        self.quality = quality
        self.grade_name = name
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 7, 14, 8)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(8)
        badge = self._inert(QLabel(str(key)))
        badge.setObjectName("keyBadge")
        self._name = self._inert(QLabel(name))
        self._name.setObjectName("gradeName")
        self._name.setProperty("grade", name.lower())
        top.addStretch(1)
        top.addWidget(badge)
        top.addWidget(self._name)
        top.addStretch(1)
        layout.addLayout(top)
        self._interval = self._inert(QLabel(""))
        self._interval.setObjectName("gradeInterval")
        self._interval.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._interval)
        self.setMinimumWidth(96)

    def set_interval(self, text: str, again_today: bool) -> None:
        self._interval.setText(text)
        when = "today" if text == "today" else f"in {text.replace(' ↻', '')}"
        tip = f"{self.grade_name} (key {self.key}): next due {when}"
        if again_today:
            tip += ("\n↻ It also comes back later in this session, until you answer "
                    "it Good or better.")
        self.setToolTip(tip)
        self.setAccessibleName(f"{self.grade_name}, key {self.key}, next due {when}"
                               + (", and again this session" if again_today else ""))

    @property
    def interval_text(self) -> str:
        return self._interval.text()


class CheckItem(QWidget):
    """A check box whose label wraps; clicking the label toggles it too."""

    toggled = Signal(bool)

    def __init__(self, html: str, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.box = QCheckBox(self)
        self.box.setAccessibleName(plain_text(html))
        self.box.setToolTip("Space ticks or clears this point; Tab moves to the next")
        self.box.toggled.connect(self.toggled)
        layout.addWidget(self.box, 0, Qt.AlignmentFlag.AlignTop)
        self._label = CardLabel(html)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self._label, 1)
        self.setFocusProxy(self.box)

    @property
    def checked(self) -> bool:
        return self.box.isChecked()

    def set_checked(self, checked: bool) -> None:
        self.box.setChecked(checked)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and self.box.isEnabled():
            self.box.toggle()
            self.box.setFocus(Qt.FocusReason.MouseFocusReason)
            event.accept()
            return
        super().mousePressEvent(event)
