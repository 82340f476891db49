"""The statistics window: charts of what is due, what was done and how well
it stuck, mastery per topic with the weakest first, and the progress report.
QtCharts loads here, when the window first opens, not at start-up."""

from __future__ import annotations

import html

from datetime import datetime
from pathlib import Path

from PySide6.QtCharts import (
    QAreaSeries, QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QHorizontalBarSeries,
    QLineSeries, QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, QSettings, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
    QGridLayout, QHeaderView, QLabel, QLineEdit, QMainWindow, QMessageBox,
    QScrollArea, QTableWidget, QTableWidgetItem, QToolBar, QVBoxLayout, QWidget,
)

from ..text import deck_label, isolate
from ..collection import Collection
from ..formats.report import percent, write_report_csv
from ..model import FlashdeskError
from ..statistics import REPORT_DAYS, Statistics
from .geometry import restore_geometry, save_geometry
from .theme import current_theme
from .widgets import fit_placeholder
from .workers import run_task

__all__ = ["StatisticsWindow", "ReportDialog"]


def _topic(m) -> str:
    """A mastery row's topic among other words: a deck as its own name with
    its parents ('Models (Challenging Customers)'), a tag as it is spelt;
    each name isolated, so right-to-left names do not reorder the line."""
    return deck_label(m.topic, isolated=True) if m.kind == "deck" else isolate(m.topic)


def _now() -> datetime:
    return datetime.now().astimezone()


def _chart(title: str) -> QChart:
    theme = current_theme()
    chart = QChart()
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if theme.is_dark
                   else QChart.ChartTheme.ChartThemeLight)
    chart.setTitle(title)
    chart.setBackgroundBrush(theme.color("surface"))
    chart.setTitleBrush(theme.color("text"))
    chart.legend().setVisible(False)
    chart.setMargins(QMargins(6, 6, 6, 6))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


def _style_axis(axis, theme) -> None:
    axis.setLabelsColor(theme.color("muted"))
    axis.setGridLineColor(theme.color("border"))
    axis.setLinePenColor(theme.color("border_strong"))


def _value_axis(low: float, high: float, title: str, fmt: str, ticks: int,
                every: float | None = None) -> QValueAxis:
    """An axis from ``low`` to ``high``; with ``every``, ticks at whole
    multiples of it (0, 7, 14…) instead of ``ticks`` evenly spread ones."""
    axis = QValueAxis()
    axis.setRange(low, high)
    axis.setLabelFormat(fmt)
    if every:
        axis.setTickType(QValueAxis.TickType.TicksDynamic)
        axis.setTickAnchor(0)
        axis.setTickInterval(every)
    else:
        axis.setTickCount(ticks)
    if title:
        axis.setTitleText(title)
    return axis


def _attach(chart: QChart, series, x, y) -> None:
    theme = current_theme()
    chart.addSeries(series)
    for axis, side in ((x, Qt.AlignmentFlag.AlignBottom), (y, Qt.AlignmentFlag.AlignLeft)):
        _style_axis(axis, theme)
        axis.setTitleBrush(theme.color("muted"))
        chart.addAxis(axis, side)
        series.attachAxis(axis)


def _nice_top(values, ticks: int = 5) -> float:
    """A round top for an axis of ``ticks`` ticks: 4, 8, 20, 40, 80, 200…"""
    top = max(max(values, default=0) * 1.05, 1)
    step = 1.0
    while step * (ticks - 1) < top:
        for factor in (2, 2.5, 2):  # 1, 2, 5, 10, 20, 50…
            step *= factor
            if step * (ticks - 1) >= top:
                break
    return step * (ticks - 1)


def day_bar_chart(title: str, values: list[int], color: str, x_title: str,
                  y_title: str) -> QChart:
    """One bar per day from today on; the x axis counts days ahead."""
    chart = _chart(title)
    series = QBarSeries()
    series.append(_bars(title, values, color))
    series.setBarWidth(0.85)
    x = _value_axis(-0.5, len(values) - 0.5, x_title, "%d", 7, every=7)
    y = _value_axis(0, _nice_top(values), y_title, "%d", 5)
    _attach(chart, series, x, y)
    return chart


def day_area_chart(title: str, values: list[int], color: str, x_title: str,
                   y_title: str) -> QChart:
    """Daily figures ending today, as a filled step line; x counts days ago
    (today on the right)."""
    theme = current_theme()
    chart = _chart(title)
    upper = QLineSeries()
    n = len(values)
    for i, v in enumerate(values):
        ago = (n - 1) - i
        upper.append(ago + 0.5, v)
        upper.append(ago - 0.5, v)
    series = QAreaSeries(upper)
    upper.setParent(series)  # the area series does not own its line; keep it alive with it
    fill = theme.color(color)
    series.setColor(fill)
    series.setBorderColor(fill)
    x = _value_axis(-0.5, n - 0.5, x_title, "%d", 7, every=15)
    x.setReverse(True)  # days ago: 0 (today) on the right
    y = _value_axis(0, _nice_top(values), y_title, "%d", 5)
    _attach(chart, series, x, y)
    return chart


def _bars(title: str, values: list[int], color: str) -> QBarSet:
    theme = current_theme()
    bars = QBarSet(title)
    bars.append([float(v) for v in values])
    bars.setColor(theme.color(color))
    bars.setBorderColor(theme.color(color))
    return bars


def category_chart(title: str, labels: list[str], values: list[int], color: str,
                   x_title: str) -> QChart:
    """Horizontal bars, one per named category (the names need the room)."""
    chart = _chart(title)
    series = QHorizontalBarSeries()
    series.append(_bars(title, values, color))
    series.setBarWidth(0.7)
    y = QBarCategoryAxis()
    y.append(labels)
    x = _value_axis(0, _nice_top(values), x_title, "%d", 5)
    _attach(chart, series, x, y)
    return chart


def retention_chart(title: str, weeks: list[tuple[int, int, int]], color: str) -> QChart:
    """Weekly retention as a line; x counts weeks back from this one."""
    theme = current_theme()
    chart = _chart(title)
    series = QLineSeries()
    n = len(weeks)
    for i, (_, passed, answered) in enumerate(weeks):
        if answered:
            series.append((n - 1) - i, passed / answered * 100)
    if series.count() == 0:  # say why the chart is empty
        chart.setTitle(f"{title}<br><span style='font-weight: normal'>Shown once cards learnt "
                       "on an earlier day come back for review</span>")
    pen = series.pen()
    pen.setWidth(3)
    pen.setColor(theme.color(color))
    series.setPen(pen)
    series.setPointsVisible(True)
    x = _value_axis(-0.25, n - 0.75, "weeks ago (0 = this week)", "%d", n, every=2)
    x.setReverse(True)
    y = _value_axis(0, 100, "", "%d%%", 5)
    _attach(chart, series, x, y)
    return chart


class ChartView(QChartView):
    def __init__(self, chart: QChart, name: str, rows: int = 0):
        super().__init__(chart)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        # category labels need a line of room each, or Qt elides them
        line = self.fontMetrics().height()
        self.setMinimumHeight(max(270, 110 + rows * (line + 14)))
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)


class StatisticsWindow(QMainWindow):
    """Charts for one deck tree (or all decks) and the mastery table."""

    #: the figures are on screen (tests wait on this)
    shown_statistics = Signal(object)

    #: charts side by side from this width (px) on; one column below it
    TWO_COLUMNS = 900

    def __init__(self, col: Collection, parent=None, deck_id=None,
                 settings: QSettings | None = None):
        super().__init__(parent)
        self._col = col
        self._settings = settings
        self._generation = 0
        self._charts: list[QWidget] = []
        self.statistics: Statistics | None = None
        self.setWindowTitle("Statistics – flashdesk")
        self.setMinimumSize(QSize(560, 420))
        restore_geometry(self, settings, "statistics/geometry", QSize(1100, 760))
        bar = QToolBar("Statistics")
        bar.setObjectName("statsToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        self._deck = QComboBox()
        self._deck.setAccessibleName("Deck")
        self._deck.setMinimumContentsLength(24)
        deck_label = QLabel(" Deck ")
        deck_label.setBuddy(self._deck)
        bar.addWidget(deck_label)
        bar.addWidget(self._deck)
        report = QAction("Progress report…", self)
        report.setShortcut(QKeySequence("Ctrl+P"))
        report.setToolTip("Save a progress report (PDF or CSV) for a date range (Ctrl+P)")
        report.triggered.connect(self.open_report)
        bar.addSeparator()
        bar.addAction(report)
        close = QAction("Close", self)
        close.setShortcut(QKeySequence("Esc"))
        close.triggered.connect(self.close)
        self.addAction(close)

        self._summary = QLabel()
        self._summary.setWordWrap(True)
        self._summary.setObjectName("statsSummary")
        self._grid = QGridLayout()
        self._grid.setSpacing(12)
        self._mastery = QTableWidget(0, 7)
        self._mastery.setHorizontalHeaderLabels(
            ["Topic", "By", "Cards", "Studied", "Mastered", "Mastery", "Retention (30 d)"])
        self._mastery.setAccessibleName("Mastery by topic, weakest first")
        self._mastery.verticalHeader().setVisible(False)
        self._mastery.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._mastery.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self._mastery.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._mastery.setMinimumHeight(260)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(12)
        layout.addWidget(self._summary)
        layout.addLayout(self._grid)
        mastery_title = QLabel("<b>Mastery by topic</b> – weakest first, so you know what to revise")
        layout.addWidget(mastery_title)
        layout.addWidget(self._mastery)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setCentralWidget(scroll)

        self._deck.addItem("All decks", None)
        for s in col.decks.summaries(_now()):
            self._deck.addItem("    " * s.depth + s.short_name, s.id)
        self._deck.setCurrentIndex(max(0, self._deck.findData(deck_id)))
        self._deck.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self._generation += 1
        generation, deck, now = self._generation, self._deck.currentData(), _now()
        self._summary.setText("Counting…")
        run_task(self, lambda progress: self._col.reports.statistics(now, deck),
                 lambda stats: self._show(generation, stats),
                 on_failed=lambda e: self._summary.setText(f"Statistics failed: {e}"))

    def _show(self, generation: int, s: Statistics) -> None:
        if generation != self._generation:
            return
        self.statistics = s
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        charts = [
            ("Due in the next 30 days", day_bar_chart(
                "Due in the next 30 days", s.forecast, "due", "days from today (0 = today)",
                "cards")),
            ("Reviews per day, last 90 days", day_area_chart(
                "Reviews per day, last 90 days", [n for _, n in s.reviews_per_day], "new",
                "days ago (0 = today)", "answers")),
            ("Retention per week (Hard or better)", retention_chart(
                "Retention per week (Hard or better)", s.retention_by_week, "good")),
            ("Cards by state", category_chart(
                "Cards by state", [k.capitalize() for k in s.cards_by_state],
                list(s.cards_by_state.values()), "accent", "cards")),
            ("Intervals of cards in review", category_chart(
                "Intervals of cards in review", [label for label, _ in s.intervals],
                [n for _, n in s.intervals], "learning", "cards")),
        ]
        self._charts = []
        for name, chart in charts:
            rows = len(s.intervals) if name.startswith("Intervals") else 0
            self._charts.append(ChartView(chart, name, rows))
        self._reflow()
        self._mastery.setRowCount(len(s.mastery))
        for row, m in enumerate(s.mastery):
            values = [_topic(m), m.kind, f"{m.cards:,}", f"{m.studied:,}", f"{m.mastered:,}",
                      percent(m.mastery), percent(m.retention)]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self._mastery.setItem(row, col, item)
        weakest = [_topic(m) for m in s.mastery if m.studied][:3]
        answered = sum(n for _, n in s.reviews_per_day)
        total = sum(s.cards_by_state.values())
        text = (f"<b>{total:,}</b> cards · <b>{s.forecast[0]:,}</b> due today · "
                f"<b>{answered:,}</b> answers in the last 90 days")
        if weakest:
            text += f" · revise next: <b>{html.escape(', '.join(weakest))}</b>"
        self._summary.setText(text)
        self.shown_statistics.emit(s)

    def _reflow(self) -> None:
        """Charts two to a row when the window is wide enough, else one."""
        columns = 2 if self.width() >= self.TWO_COLUMNS else 1
        for w in self._charts:
            self._grid.removeWidget(w)
        for i, w in enumerate(self._charts):
            self._grid.addWidget(w, i // columns, i % columns)
        for c in range(2):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self._charts:
            self._reflow()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        save_geometry(self, self._settings, "statistics/geometry")
        super().closeEvent(event)

    def open_report(self) -> None:
        ReportDialog(self._col, self).exec()


class SavedReport:
    """'Saved to …' with a button that opens the file (tests patch ``tell``)."""

    @classmethod
    def tell(cls, parent, path: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Progress report saved",
                          f"Saved to {path}", QMessageBox.StandardButton.Close, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        open_button = box.addButton("Open", QMessageBox.ButtonRole.AcceptRole)
        open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve()))))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()


class ReportDialog(QDialog):
    """Choose a date range and a file; writes the PDF or CSV report."""

    def __init__(self, col: Collection, parent=None):
        super().__init__(parent)
        self._col = col
        self.setWindowTitle("Progress report")
        today = QDate.currentDate()
        self._name = QLineEdit(col.setting("learner_name", ""))
        self._name.setPlaceholderText("Your name, as it should appear on the report")
        fit_placeholder(self._name)
        self._name.setAccessibleName("Learner name")
        self._from = QDateEdit(today.addDays(-(REPORT_DAYS - 1)))
        self._to = QDateEdit(today)
        for edit, name in ((self._from, "From"), (self._to, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setAccessibleName(name)
        form = QFormLayout(self)
        form.addRow("Learner", self._name)
        form.addRow("From", self._from)
        form.addRow("To", self._to)
        note = QLabel("Save as .pdf for your portfolio, or .csv for a spreadsheet.")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choose_path(self) -> str:
        path, _ = QFileDialog.getSaveFileName(self, "Save progress report", "progress-report.pdf",
                                              "PDF (*.pdf);;CSV (*.csv)")
        return path

    def save(self, path: str | None = None) -> str | None:
        path = path or self.choose_path()
        if not path:
            return None
        start = self._from.date().toPython()
        end = self._to.date().toPython()
        try:
            self._col.set_setting("learner_name", self._name.text().strip())
            report = self._col.reports.progress_report(start, end, _now())
            if path.lower().endswith(".csv"):
                write_report_csv(report, path)
            else:
                from .report import write_report_pdf

                write_report_pdf(report, path if path.lower().endswith(".pdf") else path + ".pdf")
        except (FlashdeskError, OSError) as exc:
            QMessageBox.warning(self, "flashdesk", f"The report was not saved: {exc}")
            return None
        self.saved_path = path if path.lower().endswith((".pdf", ".csv")) else path + ".pdf"
        self.accept()
        SavedReport.tell(self.parentWidget(), self.saved_path)
        return self.saved_path
