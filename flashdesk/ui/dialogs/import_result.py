"""What an import did, or why nothing was imported."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget,
)

from ...text import deck_path, isolate, plural
from ...model import FileReport, ImportReport
from ..widgets import text_label

__all__ = ["ImportResultDialog", "report_lines"]


def report_lines(reports: list[ImportReport], files: list[FileReport] = ()) -> list[str]:
    """One paragraph per deck: counts, then anything to look at; after a
    file's decks, what it found that belongs to none of them (``files``)."""
    lines = []
    whole = {f.path: f for f in files}
    for i, r in enumerate(reports):
        counts = (f"{r.added} added, {r.updated} updated, {r.unchanged} unchanged, "
                  f"{len(r.missing)} missing")
        if r.moved:
            counts += f", {r.moved} moved here"
        if r.removed:
            counts += f", {r.removed} removed"
        if r.skipped:
            counts += f", {len(r.skipped)} skipped"
        if r.progress:
            counts += f", {r.progress} with Anki progress"
        if r.sanitised:
            counts += f", {r.sanitised} removed by the sanitiser"
        version = f" (version {r.version})" if r.version else ""
        lines.append(f"{isolate(deck_path(r.deck_name))}{version}: {counts}")
        lines.append(f"    from {r.path}")
        lines += [f"    {m}" for m in r.messages]
        lines += [f"    missing from the file (kept, with its progress): {n}"
                  for n in r.missing_named()]
        lines += [f"    skipped: {s}" for s in r.skipped]
        f = whole.pop(r.path, None) if i + 1 == len(reports) or reports[i + 1].path != r.path \
            else None
        if f is not None:
            counts = ", ".join(part for part in (
                f"{len(f.skipped)} skipped" if f.skipped else "",
                f"{f.sanitised} removed by the sanitiser" if f.sanitised else "") if part)
            lines.append(f"{f.path}, not under one deck: {counts}")
            lines += [f"    skipped: {s}" for s in f.skipped]
    return lines


def heading(reports: list[ImportReport]) -> str:
    """The summary's first sentence: what was added and updated, and what
    became of the progress – kept, unless notes that had progress were
    removed (then how much went, and the backup that still has it)."""
    decks = len(reports)
    added = sum(r.added for r in reports)
    updated = sum(r.updated for r in reports)
    removed = sum(r.removed for r in reports)
    studied = sum(r.removed_studied for r in reports)
    backup = next((r.backup for r in reports if r.backup), "")
    text = (f"Imported {plural(decks, 'deck')}: {plural(added, 'note')} added, "
            f"{updated} updated.")
    were = "was" if removed == 1 else "were"
    if studied:
        return (f"{text} {plural(removed, 'note')} no longer in the file {were} removed, "
                f"and with {'it' if removed == 1 else 'them'} the progress of "
                f"{plural(studied, 'studied card')}"
                + (f"; the backup made first, {Path(backup).name}, still has it." if backup
                   else ".") + " Other cards keep theirs.")
    if removed:
        return (f"{text} {plural(removed, 'note')} no longer in the file {were} removed "
                "(never studied). Your progress on the other cards is kept.")
    return f"{text} Your progress on existing cards is kept."


class ImportResultDialog(QDialog):
    """The summary of an import, or the list of problems that stopped it."""

    def __init__(self, title: str, heading: str, lines: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumSize(620, 340)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.lines = list(lines)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(12)
        self.heading = text_label(heading)
        layout.addWidget(self.heading)
        self.text = QPlainTextEdit("\n".join(lines))
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setAccessibleName(title)
        self.text.setTabChangesFocus(True)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        close.setFocus()
        layout.addWidget(buttons)

    @classmethod
    def show_reports(cls, parent: QWidget, reports: list[ImportReport],
                     files: list[FileReport] = ()) -> "ImportResultDialog":
        dialog = cls("Import finished", heading(reports), report_lines(reports, files), parent)
        dialog.open()
        return dialog

    @classmethod
    def show_problems(cls, parent: QWidget, problems: list[str]) -> "ImportResultDialog":
        n = len(problems)
        heading = (f"Nothing was imported: {n} problem{'s' if n != 1 else ''} found. "
                   "Each line names the file and line (FILE:LINE: message); fix them and "
                   "import again.")
        dialog = cls("Nothing was imported", heading, problems, parent)
        dialog.open()
        return dialog
