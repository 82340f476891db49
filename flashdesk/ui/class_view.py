"""The tutor's Class screen: every learner's shared summary in a class
folder as a learner × topic grid, the hardest cards across the class and who
has not studied for a week; saved as CSV or PDF. The tables come from
``flashdesk.sync.class_report``, the same ones the CSV and the command line
show."""

from __future__ import annotations

import html
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import (
    QAbstractTableModel, QMarginsF, QModelIndex, QPersistentModelIndex, QSettings, QSize, Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QMainWindow,
    QMessageBox, QSplitter, QTableView, QToolBar, QVBoxLayout, QWidget,
)

from ..collection import Collection
from ..model import FlashdeskError
from ..sync.class_report import Table, class_tables, write_class_csv
from ..sync.classroom import VIEW_KEY, ClassView, read_class
from ..text import plural
from .geometry import restore_geometry, save_geometry
from .theme import current_theme
from .widgets import ElidedLabel, text_label
from .workers import run_task

__all__ = ["ClassWindow", "TableModel", "write_class_pdf", "class_html", "SaveClassFile"]

_Index = QModelIndex | QPersistentModelIndex
#: the line at the top with no class folder chosen: what to do
NO_FOLDER = ("No class folder chosen yet: choose the folder where your learners share their "
             "summaries with the Class folder button in the tool bar.")
NO_FOLDER_SHORT = "No class folder chosen yet: choose one with the Class folder button above."


def _today() -> date:
    return datetime.now().astimezone().date()


def _retention_of(cell: str) -> float | None:
    """The retention a grid cell shows (``12/40 · 85%``), as a share."""
    if "·" not in cell:
        return None
    text = cell.rsplit("·", 1)[1].strip().rstrip("%")
    return int(text) / 100 if text.isdigit() else None


class TableModel(QAbstractTableModel):
    """One ``class_report.Table``, read-only. In the grid (``grid=True``)
    topic cells are tinted by retention: kept well (85% or more), fair, weak
    (under 70%)."""

    def __init__(self, table: Table | None = None, *, grid: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._table = table or Table("", (), ())
        self._grid = grid

    def set_table(self, table: Table) -> None:
        self.beginResetModel()
        self._table = table
        self.endResetModel()

    @property
    def table(self) -> Table:
        return self._table

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self._table.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self._table.header)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        text = self._table.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole):
            return text
        if self._grid and index.column() >= 2:
            retention = _retention_of(text)
            if role == Qt.ItemDataRole.BackgroundRole and retention is not None:
                theme = current_theme()
                return theme.color("right_bg" if retention >= 0.85 else
                                   "wrong_bg" if retention < 0.7 else "notice_bg")
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt override)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._table.header):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._table.shown_header[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._table.header[section]
        return None


def _view(name: str) -> QTableView:
    view = QTableView()
    view.setAccessibleName(name)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setHighlightSections(False)
    return view


class SaveClassFile:
    """The save dialog for exports (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget, suffix: str) -> str:
        filters = {"csv": "CSV spreadsheet (*.csv)", "pdf": "PDF document (*.pdf)"}
        path, _ = QFileDialog.getSaveFileName(parent, "Save the class view",
                                              f"class-progress.{suffix}", filters[suffix])
        return path


class ChooseClassFolder:
    """The folder dialog (tests replace ``ask``)."""

    @classmethod
    def ask(cls, parent: QWidget, start: str) -> str:
        return QFileDialog.getExistingDirectory(parent, "Choose the class folder", start)


class ClassWindow(QMainWindow):
    """A class folder as the tutor sees it (see the module's text)."""

    #: the class view is on screen (ClassView)
    shown_class = Signal(object)

    TOPICS = (("Decks", "deck"), ("Tags", "tag"), ("Decks and tags", None))

    def __init__(self, col: Collection, parent: QWidget | None = None,
                 settings: QSettings | None = None, today: Callable[[], date] = _today):
        super().__init__(parent)
        self._col = col
        self._settings = settings
        self._today = today
        self.view: ClassView | None = None
        self.setWindowTitle("Class – flashdesk")
        self.setMinimumSize(QSize(640, 420))
        restore_geometry(self, settings, "class/geometry", QSize(1100, 720))

        bar = QToolBar("Class")
        bar.setObjectName("classToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        choose = QAction("Class folder…", self)
        choose.setToolTip("Choose the folder where your learners share their summaries")
        choose.triggered.connect(self.choose_folder)
        bar.addAction(choose)
        self._topics = QComboBox()
        self._topics.setAccessibleName("Topics")
        for label, kind in self.TOPICS:
            self._topics.addItem(label, kind)
        self._topics.currentIndexChanged.connect(lambda _i: self._show())
        topics_label = QLabel(" Topics ")
        topics_label.setBuddy(self._topics)
        bar.addWidget(topics_label)
        bar.addWidget(self._topics)
        bar.addSeparator()
        refresh = QAction("Refresh", self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.setToolTip("Read the class folder again (F5)")
        refresh.triggered.connect(self.refresh)
        bar.addAction(refresh)
        self.csv_action = QAction("Save CSV…", self)
        self.csv_action.setToolTip("Save the grid and the lists as a spreadsheet")
        self.csv_action.triggered.connect(lambda: self.export("csv"))
        bar.addAction(self.csv_action)
        self.pdf_action = QAction("Save PDF…", self)
        self.pdf_action.setToolTip("Save the grid and the lists as a PDF")
        self.pdf_action.triggered.connect(lambda: self.export("pdf"))
        bar.addAction(self.pdf_action)
        close = QAction("Close", self)
        close.setShortcut(QKeySequence("Esc"))
        close.triggered.connect(self.close)
        self.addAction(close)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(8)
        self.folder_label = ElidedLabel("")
        self.folder_label.setObjectName("classFolder")
        layout.addWidget(self.folder_label)
        self.summary = text_label("", "muted")
        layout.addWidget(self.summary)
        self.grid_model = TableModel(grid=True, parent=self)
        self.grid = _view("Learners by topic")
        self.grid.setModel(self.grid_model)
        self.hard_model = TableModel(parent=self)
        self.hard = _view("Hardest cards across the class")
        self.hard.setModel(self.hard_model)
        self.idle_model = TableModel(parent=self)
        self.idle = _view("Not studied for a week")
        self.idle.setModel(self.idle_model)
        self._titles: dict[str, QLabel] = {}
        bottom = QWidget()
        row = QHBoxLayout(bottom)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        for key, view, stretch in (("hard", self.hard, 3), ("idle", self.idle, 1)):
            column = QVBoxLayout()
            self._titles[key] = self._section_title()
            column.addWidget(self._titles[key])
            column.addWidget(view, 1)
            row.addLayout(column, stretch)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        self._titles["grid"] = self._section_title()
        top_layout.addWidget(self._titles["grid"])
        top_layout.addWidget(self.grid, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self.setCentralWidget(body)
        self.refresh()

    @staticmethod
    def _section_title() -> QLabel:
        """A table's title and what it says when empty: it wraps (on a
        small screen the lists below the grid are narrow)."""
        title = text_label("")
        title.setObjectName("sectionTitle")
        return title

    # -- the folder ------------------------------------------------------------------

    @property
    def folder(self) -> Path | None:
        """The class folder chosen (None: none yet)."""
        value = self._col.setting(VIEW_KEY)
        return Path(value) if isinstance(value, str) and value else None

    def choose_folder(self) -> None:
        start = str(self.folder or Path.home())
        chosen = ChooseClassFolder.ask(self, start)
        if chosen:
            self.set_folder(chosen)

    def set_folder(self, folder: str | Path) -> None:
        """Show the class folder ``folder`` (remembered with the profile)."""
        self._col.set_setting(VIEW_KEY, str(Path(folder).expanduser().resolve()))
        self.refresh()

    def refresh(self) -> None:
        """Read the class folder again (on a worker: the files may be many)."""
        folder = self.folder
        if folder is None:
            self.view = None
            self.folder_label.set_full_text(NO_FOLDER, [NO_FOLDER_SHORT])
            self._show()
            return
        self.folder_label.set_full_text(f"Class folder: {folder}")
        run_task(self, lambda _progress: read_class(folder), self._loaded,
                 on_failed=self._failed)

    def _loaded(self, view: ClassView) -> None:
        self.view = view
        self._show()
        self.shown_class.emit(view)

    def _failed(self, error: BaseException) -> None:
        self.view = None
        self._show()
        self.summary.setText(str(error) if isinstance(error, (FlashdeskError, OSError))
                             else repr(error))

    def _show(self) -> None:
        kind = self._topics.currentData()
        view = self.view or ClassView(self.folder or Path("."))
        tables = class_tables(view, self._today(), kind)
        grid, hard, idle = tables[:3]
        for key, table, model in (("grid", grid, self.grid_model), ("hard", hard, self.hard_model),
                                  ("idle", idle, self.idle_model)):
            model.set_table(table)
            empty = table.empty if self.folder is not None else "No class folder chosen yet."
            self._titles[key].setText(table.title if table.rows or not empty
                                      else f"{table.title} – {empty}")
        for view_widget in (self.grid, self.hard, self.idle):
            header = view_widget.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.hard.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.idle.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # a card's question is read whole: it wraps, and its row grows to fit
        self.hard.setWordWrap(True)
        self.hard.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.hard.resizeRowsToContents()
        n = len(view.learners)
        idle_count = len(idle.rows)
        parts = [f"{plural(n, 'learner')} sharing"]
        if n:
            parts.append(f"{idle_count} not studied for a week" if idle_count
                         else "everyone studied this week")
        if view.unreadable:
            parts.append(f"{plural(len(view.unreadable), 'file')} could not be read: "
                         + "; ".join(view.unreadable[:3]))
        self.summary.setText(" · ".join(parts) if self.view is not None else "")
        has = self.view is not None and bool(view.learners)
        self.csv_action.setEnabled(has)
        self.pdf_action.setEnabled(has)

    # -- saving ----------------------------------------------------------------------

    def export(self, suffix: str, path: str | None = None) -> Path | None:
        """Save the class view as CSV or PDF (asking where, unless ``path``)."""
        if self.view is None:
            return None
        path = path or SaveClassFile.ask(self, suffix)
        if not path:
            return None
        target = Path(path)
        if target.suffix.lower() != f".{suffix}":
            target = target.with_name(target.name + f".{suffix}")
        kind = self._topics.currentData()
        try:
            if suffix == "csv":
                written = write_class_csv(self.view, self._today(), target, kind)
            else:
                written = write_class_pdf(self.view, self._today(), target, kind)
        except OSError as exc:
            QMessageBox.warning(self, "flashdesk", f"The class view was not saved: "
                                f"{exc.strerror or exc}")
            return None
        self.statusBar().showMessage(f"Saved to {written}", 8000)
        return written

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        save_geometry(self, self._settings, "class/geometry")
        super().closeEvent(event)


# -- PDF -------------------------------------------------------------------------------

_CSS = """
body { font-family: 'DejaVu Sans', 'Segoe UI', sans-serif; font-size: 8.5pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 2pt 0; }
h2 { font-size: 11pt; margin: 12pt 0 4pt 0; color: #1f3a5f; }
p.sub { color: #444; margin: 0 0 8pt 0; }
th { background: #e8eef6; text-align: left; }
td.good { background: #e4f4e9; } td.fair { background: #fff6dc; } td.weak { background: #fbe8e6; }
p.note { color: #555; font-size: 7.5pt; margin-top: 10pt; }
"""


#: learners side by side in one table of the PDF (more go to the next table)
PDF_LEARNERS = 6
#: column widths of the hardest cards (5 columns): room for the question, no word broken
_WIDTHS = {5: (" width='40%'", " width='19%'", " width='23%'", " width='8%'", " width='10%'")}


def _cell(text: str) -> str:
    retention = _retention_of(text)
    cls = "" if retention is None else (" class='good'" if retention >= 0.85 else
                                        " class='weak'" if retention < 0.7 else " class='fair'")
    return f"<td{cls}>{html.escape(text)}</td>"


def _grid_html(grid: Table) -> list[str]:
    """The learner × topic grid turned on its side for paper: a row per
    topic, a column per learner, ``PDF_LEARNERS`` learners per table."""
    e = html.escape
    parts = []
    learners = list(grid.rows)
    for start in range(0, len(learners), PDF_LEARNERS):
        chunk = learners[start:start + PDF_LEARNERS]
        parts.append("<table width='100%' cellpadding='3' cellspacing='0' border='0.5'><tr>"
                     "<th>Topic</th>" + "".join(f"<th>{e(row[0])}</th>" for row in chunk)
                     + "</tr><tr><td><i>Last studied</i></td>"
                     + "".join(f"<td>{e(row[1])}</td>" for row in chunk) + "</tr>")
        for column, topic in enumerate(grid.header[2:], 2):
            parts.append(f"<tr><td>{e(topic)}</td>" + "".join(_cell(row[column]) for row in chunk)
                         + "</tr>")
        parts.append("</table><br>")
    return parts


def class_html(view: ClassView, today: date, kind: str | None = None) -> str:
    """The class view as rich text for QTextDocument: the grid (a row per
    topic, a column per learner), then the hardest cards and who has not
    studied for a week."""
    e = html.escape
    parts = [f"<style>{_CSS}</style>", "<h1>Class progress</h1>",
             f"<p class='sub'>{e(str(view.folder))} · {today:%d %B %Y} · "
             f"{plural(len(view.learners), 'learner')} · flashdesk</p>"]
    for index, table in enumerate(class_tables(view, today, kind)):
        parts.append(f"<h2>{e(table.title)}</h2>")
        if not table.rows:
            parts.append(f"<p>{e(table.empty)}</p>")
        elif index == 0:
            parts.extend(_grid_html(table))
        else:
            widths = _WIDTHS.get(len(table.header), ())
            parts.append("<table width='100%' cellpadding='3' cellspacing='0' border='0.5'><tr>"
                         + "".join(f"<th{widths[i] if i < len(widths) else ''}>{e(h)}</th>"
                                   for i, h in enumerate(table.header)) + "</tr>")
            parts.extend("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>"
                         for row in table.rows)
            parts.append("</table>")
    parts.append("<p class='note'>Each learner chose to share this summary and can withdraw "
                 "it at any time. Studied/cards: cards answered at least once. Retention: the "
                 "share of review answers rated Hard or better over the last 30 days. No "
                 "answers are shared.</p>")
    return "".join(parts)


def write_class_pdf(view: ClassView, today: date, path: str | Path,
                    kind: str | None = None) -> Path:
    """Write the class view as an A4 PDF (``kind``: the topics, as in
    ``class_tables``). Raises ``OSError`` when it cannot be written."""
    from .report import _ensure_app

    _ensure_app()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setTitle(f"flashdesk class progress {today.isoformat()}")
    writer.setCreator("flashdesk")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(14, 12, 14, 12), QPageLayout.Unit.Millimeter))
    doc = QTextDocument()
    doc.setPageSize(writer.pageLayout().paintRectPoints().size().toSizeF())
    doc.setHtml(class_html(view, today, kind))
    doc.print_(writer)
    if not path.exists():
        raise OSError(f"{path} could not be written")
    return path
