"""The training diary: past sessions in a table, filters, trends, detail, edit and delete.

Everything heavy runs in SQL through `HistoryStore` (filter, sort, count, weekly totals) and
the table loads a page at a time (more at the end of the table or with `m`), so the screen
opens at once even with years of sessions. Opening reads the first page in place when there is
nothing to write (the first frame then has the rows); every later query and every write runs
off the UI thread.

A history file that cannot be opened (damaged, another program's, a newer speedtimer's) is
explained on the screen and never touched: the store refuses it before writing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from speedtimer.config.paths import Paths
from speedtimer.core.preset import format_clock
from speedtimer.history.errors import StoreError
from speedtimer.history.recorder import flush_all, open_history_store, pending_dir, pending_files
from speedtimer.history.rows import SessionSummary, SplitStats
from speedtimer.history.store import HistoryStore
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.modals.history_edit import EditFeedbackScreen
from speedtimer.tui.screens.history_detail import (
    DetailOutcome,
    HistoryDetailScreen,
    delete_question,
    session_date,
    status_text,
)
from speedtimer.tui.textual_patches.watchers import forget_closed_watchers
from speedtimer.tui.widgets.footer import QuietFooter
from speedtimer.tui.widgets.history_charts import TrendsPanel
from speedtimer.tui.widgets.history_table import CELL_PADDING, Cell, HistoryTable, TableColumn

PAGE_SIZE = 200
OPEN_IN_PLACE = True  # a history with nothing to import opens on the UI thread (see above)
FIRST_PAGE = 60  # a screenful and then some: the fewer rows, the sooner the first frame
TREND_WEEKS = 12
PRESET_WIDTH = 26  # the preset column's width when the terminal has room
PRESET_MIN = 12
PRESET_MAX = 40
DATE_FORMATS = {20: "%a %Y-%m-%d %H:%M", 16: "%Y-%m-%d %H:%M", 10: "%Y-%m-%d"}

# (label, days back or None for all)
PERIODS: dict[str, tuple[str, int | None]] = {
    "all": ("all time", None),
    "7d": ("last 7 days", 7),
    "4w": ("last 4 weeks", 28),
}
PERIOD_ORDER = ("all", "7d", "4w")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    order_by: str | None  # the store's ORDER BY column, None: cannot sort by it
    descending: bool = True  # the natural first direction
    right: bool = False


COLUMNS = (
    Column("date", "Date", 20, "started_at"),  # 20, 16 or 10 wide (DATE_FORMATS)
    Column("preset", "Preset", PRESET_WIDTH, "preset_name", descending=False),
    Column("status", "Status", 11, "status", descending=False),
    Column("planned", "Planned", 7, "planned_s", right=True),
    Column("active", "Active", 7, "active_s", right=True),
    Column("reps", "Reps", 5, None, right=True),
    Column("rpe", "RPE", 3, "rpe", right=True),
)
SORTABLE = tuple(c for c in COLUMNS if c.order_by)
SORT_WORDS = {
    ("started_at", True): "newest first",
    ("started_at", False): "oldest first",
    ("preset_name", False): "preset A-Z",
    ("preset_name", True): "preset Z-A",
    ("status", False): "status A-Z",
    ("status", True): "status Z-A",
    ("planned_s", True): "longest planned first",
    ("planned_s", False): "shortest planned first",
    ("active_s", True): "longest active first",
    ("active_s", False): "shortest active first",
    ("rpe", True): "hardest RPE first",
    ("rpe", False): "easiest RPE first",
}
STATUS_STYLES = {  # rich styles, drawn on the row's: read on dark and light themes
    "completed": "",
    "aborted": "yellow",
    "interrupted": "bold red",
    "in_progress": "cyan",
}


@dataclass(frozen=True)
class Query:
    preset: str = ""
    period: str = "all"
    order_by: str = "started_at"
    descending: bool = True


def fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def quick_open_possible(db: Path, spare: Path | None = None) -> bool:
    """An existing history and no pending sessions: opening only reads."""
    return db.is_file() and not pending_files(db, spare)


@dataclass(frozen=True)
class Page:
    rows: list[SessionSummary]
    total: int


def fetch_page(store: HistoryStore, query: Query, since: datetime | None, offset: int) -> Page:
    """One page of sessions (filtered and sorted in SQL) and how many match in all."""
    preset = query.preset or None
    rows = store.list_sessions(
        preset=preset,
        since=since,
        limit=FIRST_PAGE if offset == 0 else PAGE_SIZE,
        offset=offset,
        order_by=query.order_by,
        descending=query.descending,
    )
    return Page(rows, store.count_sessions(preset=preset, since=since))


def choose_columns(width: int) -> tuple[Column, ...]:
    """The columns that fit `width` cells, in their usual order, each at the width it gets.

    A narrow terminal keeps what tells sessions apart and how they went: the date (down to
    2025-03-05), the preset (at least PRESET_MIN), reps and RPE; then, as room allows, the
    status, active and planned times, a wider preset, the time of day and the weekday.
    What does not fit is left out whole rather than cut (`ended ear`); the detail shows all.
    """
    pad = 2 * CELL_PADDING
    by_key = {c.key: c for c in COLUMNS}
    widths = {"date": 10, "preset": PRESET_MIN, "reps": by_key["reps"].width, "rpe": 3}
    room = width - sum(w + pad for w in widths.values())

    def grow(key: str, to: int) -> None:
        nonlocal room
        extra = to - widths.get(key, -pad)
        if extra <= room:
            widths[key] = to
            room -= extra

    for key in ("status", "active", "planned"):
        grow(key, by_key[key].width)
    grow("preset", min(20, widths["preset"] + max(0, room)))  # as much of 20 as fits
    grow("date", 16)
    grow("date", 20)
    widths["preset"] += max(0, min(room, PRESET_MAX - widths["preset"]))
    return tuple(replace(c, width=widths[c.key]) for c in COLUMNS if c.key in widths)


def row_cells(s: SessionSummary, columns: tuple[Column, ...] = COLUMNS) -> list[Cell]:
    reps = f"{s.reps_done}/{s.reps_planned}" if s.reps_planned else str(s.reps_done or "-")
    cells = {
        "status": Cell(status_text(s.status), STATUS_STYLES.get(s.status, "")),
        "planned": Cell(format_clock(s.planned_s)),
        "active": Cell(format_clock(s.active_s)),
        "reps": Cell(reps),
        "rpe": Cell(str(s.rpe) if s.rpe is not None else "-"),
    }
    out = []
    for c in columns:
        if c.key == "date":
            fmt = DATE_FORMATS.get(c.width)
            out.append(Cell(s.local_started_at.strftime(fmt) if fmt else session_date(s)))
        elif c.key == "preset":
            out.append(Cell(fit(s.display_name, c.width)))
        else:
            out.append(cells[c.key])
    return out


class HistoryScreen(Screen):
    CSS_PATH = Path(__file__).with_name("history.tcss")  # read when one first opens, not at start
    BINDINGS = [
        Binding("enter", "open", "Details", id="history_open"),
        Binding("escape", "back", "Back", id="history_back"),
        Binding("slash,f", "focus_filter", "Filter", id="history_filter", key_display="/"),
        Binding("p", "cycle_period", "Period", id="history_period"),
        Binding("s", "cycle_sort", "Sort", id="history_sort"),
        Binding("r", "reverse_sort", "Reverse", id="history_reverse", show=False),
        Binding("t", "toggle_trends", "Trends", id="history_trends"),
        Binding("e", "edit", "Edit", id="history_edit", tooltip="Change RPE and note"),
        Binding("d,delete", "delete", "Delete", id="history_delete"),
        Binding("m", "more", "More", id="history_more", show=False),
    ]

    def __init__(
        self,
        paths: Paths,
        *,
        now: Callable[[], datetime] | None = None,
        show_trends: bool = False,
    ) -> None:
        super().__init__()
        self.paths = paths
        self._now_fn = now
        self.store: HistoryStore | None = None
        self.problem: str | None = None
        self.query_state = Query()
        self.rows: dict[int, SessionSummary] = {}
        self.order: list[int] = []  # ids in table order
        self.columns: tuple[Column, ...] = COLUMNS  # those that fit (choose_columns)
        self.total = 0
        self._busy = True
        self._generation = 0
        self._show_trends = show_trends
        self._split_cache: dict[str, SplitStats] = {}
        self._heart_cache: dict[str, list] = {}  # preset -> its weeks of pace vs heart rate
        self._split_preset: str | None = None
        self._trend_athlete = ""  # coach mode: whose trends the panel shows ("": the runner)
        self._closed = False
        self._opening = True
        self._binding_state: tuple[bool, bool, bool] = (True, True, True)
        self.sub_title = "History"

    # --- time ------------------------------------------------------------------------------

    def now(self) -> datetime:
        """Now, aware, in this computer's local time (weeks and days are the runner's)."""
        fn = self._now_fn or getattr(self.app, "wall_clock", None)
        value = fn() if fn is not None else datetime.now(UTC)
        if value.tzinfo is None:
            value = value.astimezone()
        return value.astimezone()

    def since(self, period: str) -> datetime | None:
        days = PERIODS[period][1]
        return None if days is None else self.now() - timedelta(days=days)

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="history"):
            with Horizontal(id="history-bar"):
                yield Input(placeholder="Filter by preset name…", id="history-filter")
                yield Static("", markup=False, id="history-period")
            yield Static("Opening the history…", markup=False, id="history-status")
            yield Static("", markup=False, id="history-message")
            yield HistoryTable(id="history-table")
            if self._show_trends:  # otherwise built on the first `t`: a faster first frame
                yield TrendsPanel(id="history-trends")
        yield QuietFooter()

    def on_mount(self) -> None:
        flush_all(timeout=1.0)  # the session just run is in the list (its writes are quick)
        self._add_columns()
        self.query_one("#history-message").display = False
        self._show_period()
        self.query_one("#history-table", HistoryTable).focus()
        self.watch(self.query_one("#history-table"), "scroll_y", self._scrolled, init=False)
        if OPEN_IN_PLACE and quick_open_possible(
            self.paths.history_db, self.paths.spare_pending_dir
        ):
            self._open_in_place()
        else:
            self._open()

    def on_unmount(self) -> None:
        forget_closed_watchers(self.app)  # this screen's header watched the app's title
        self._closed = True
        if self.store is not None:
            self.store.close()
            self.store = None

    def _table_width(self) -> int:
        """Cells the table can show: the screen less a scroll bar (none before the first
        layout: the app's width then)."""
        width = self.size.width or self.app.size.width
        return max(0, width - 2)

    def on_resize(self) -> None:
        if not self.is_mounted or choose_columns(self._table_width()) == self.columns:
            return
        self._add_columns()
        table = self.query_one("#history-table", HistoryTable)
        for key in self.order:
            table.update_row(str(key), row_cells(self.rows[key], self.columns))

    def _add_columns(self) -> None:
        """The headers, with an arrow on the column the table is sorted by."""
        q = self.query_state
        columns = []
        self.columns = choose_columns(self._table_width())
        for c in self.columns:
            label = c.label
            if c.order_by == q.order_by:
                label += " ▼" if q.descending else " ▲"
            columns.append(TableColumn(c.key, label, max(c.width, len(label)), c.right))
        self.query_one("#history-table", HistoryTable).set_columns(columns)

    # --- opening ---------------------------------------------------------------------------

    def _opener(self) -> Callable[[], tuple[HistoryStore | None, list[str], Page | None]]:
        """What opening does, to run here or in a thread: open, tidy, read the first page."""
        query = self.query_state
        since = self.since(query.period)
        db, now, spare = self.paths.history_db, self.now(), self.paths.spare_pending_dir

        def opening() -> tuple[HistoryStore | None, list[str], Page | None]:
            store, problems = open_history_store(db, now, spare)
            if store is None:
                return None, problems, None
            try:
                page = fetch_page(store, query, since, 0)
            except StoreError:
                store.close()
                raise
            return store, problems, page

        return opening

    def _open_in_place(self) -> None:
        """Open right here, so the very first frame has the rows: only when nothing will
        write (no pending sessions to import), which is a few milliseconds of reading even
        with years of sessions. WAL readers never wait for a writer."""
        opening = self._opener()
        query = self.query_state
        self._generation += 1
        try:
            store, problems, page = opening()
        except StoreError as exc:
            self._opening = False
            self._show_problem(exc)
            return
        self._opened(store, problems, page, self._generation, query)

    @work(exclusive=True, group="history-open")
    async def _open(self) -> None:
        """Open the store and read the first page in one trip off the UI thread."""
        opening = self._opener()
        query = self.query_state
        self._generation += 1
        generation = self._generation
        task = asyncio.ensure_future(asyncio.to_thread(opening))
        try:
            store, problems, page = await asyncio.shield(task)
        except StoreError as exc:
            self._opening = False
            self._show_problem(exc)
            return
        except asyncio.CancelledError:
            task.add_done_callback(_close_result)
            raise
        if self._closed:
            if store is not None:
                store.close()
            return
        self._opened(store, problems, page, generation, query)

    def _opened(
        self,
        store: HistoryStore | None,
        problems: list[str],
        page: Page | None,
        generation: int,
        query: Query,
    ) -> None:
        self._opening = False
        for p in problems:
            self.notify(p, title="History", severity="warning", timeout=10)
        if store is None or page is None:
            self._busy = False
            self._set_status("No sessions recorded yet. Finish a session and it shows up here.")
            if (panel := self._panel()) is not None:
                panel.show_split(None, None)
            self._bindings_changed()
            return
        self.store = store
        if generation == self._generation and query == self.query_state:
            self._apply_page(page.rows, page.total, 0)
        else:  # the filter changed while opening
            self.reload()
        if self._show_trends:
            self._load_trends()

    def _show_problem(self, exc: StoreError) -> None:
        self._busy = False
        self.problem = exc.problem
        message = self.query_one("#history-message", Static)
        message.update(
            Text.assemble(
                ("The history cannot be opened\n\n", "bold"),
                (f"{exc.problem}\n", "bold"),
                f"{exc.path}\n\n",
                "The file has been left exactly as it is. Move or repair it, then open the "
                f"history again. New sessions wait in {pending_dir(exc.path)} until then.",
            )
        )
        message.display = True
        self.query_one("#history-table").display = False
        if (panel := self._panel()) is not None:
            panel.display = False
        self.query_one("#history-bar").display = False
        self._set_status("")
        self._bindings_changed()

    # --- rows ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Start again from the first page with the current filter and sort."""
        if self.store is None:
            return
        self._generation += 1
        self._busy = True
        self._load_page(self._generation, self.query_state, 0)

    def action_more(self) -> None:
        if self.store is None or self._busy or len(self.order) >= self.total:
            return
        self._busy = True
        self._load_page(self._generation, self.query_state, len(self.order))

    @work(exclusive=True, group="history-rows")
    async def _load_page(self, generation: int, query: Query, offset: int) -> None:
        store = self.store
        if store is None:
            return
        since = self.since(query.period)
        try:
            page = await asyncio.to_thread(fetch_page, store, query, since, offset)
        except StoreError as exc:
            if generation == self._generation:
                self._busy = False
                self.notify(str(exc), title="History", severity="error", timeout=10)
            return
        if generation != self._generation or self._closed:
            return
        self._apply_page(page.rows, page.total, offset)

    def _apply_page(self, rows: list[SessionSummary], total: int, offset: int) -> None:
        table = self.query_one("#history-table", HistoryTable)
        if offset == 0:
            self._add_columns()
            self.rows.clear()
            self.order.clear()
        fresh = [r for r in rows if r.id not in self.rows]
        for r in fresh:
            self.rows[r.id] = r
            self.order.append(r.id)
        cells = [(str(r.id), row_cells(r, self.columns)) for r in fresh]
        if offset == 0:
            table.set_rows(cells)
        else:
            table.add_rows(cells)
        self.total = max(total, len(self.order))
        self._busy = False
        self._show_counts()
        if offset == 0:
            self._highlighted_preset()
        self._bindings_changed()

    def _show_counts(self) -> None:
        q = self.query_state
        if self.total == 0:
            filtered = q.preset or q.period != "all"
            self._set_status(
                "No sessions match the filter."
                if filtered
                else "No sessions recorded yet. Finish a session and it shows up here."
            )
            return
        shown = len(self.order)
        words = SORT_WORDS.get((q.order_by, q.descending), q.order_by)
        text = f"{shown:,} of {self.total:,} sessions · {words} · {PERIODS[q.period][0]}"
        if shown < self.total:
            text += " · more at the end (m)"
        self._set_status(text)

    def _set_status(self, text: str) -> None:
        self.query_one("#history-status", Static).update(text)

    def _scrolled(self, value: float) -> None:
        table = self.query_one("#history-table", HistoryTable)
        if table.max_scroll_y and value >= table.max_scroll_y - 2:
            self.action_more()

    @on(HistoryTable.RowHighlighted, "#history-table")
    def _row_highlighted(self, event: HistoryTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.order) - 5:
            self.action_more()
        self._highlighted_preset()

    def highlighted(self) -> SessionSummary | None:
        table = self.query_one("#history-table", HistoryTable)
        if not self.order or table.row_count == 0:
            return None
        row = table.cursor_row
        if not 0 <= row < len(self.order):
            return None
        return self.rows.get(self.order[row])

    # --- filter, period, sort --------------------------------------------------------------

    @on(Input.Changed, "#history-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_state = replace(self.query_state, preset=event.value.strip())
        self.reload()

    @on(Input.Submitted, "#history-filter")
    def _filter_submitted(self) -> None:
        self.query_one("#history-table", HistoryTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#history-filter", Input).focus()

    def action_cycle_period(self) -> None:
        i = PERIOD_ORDER.index(self.query_state.period)
        self.set_period(PERIOD_ORDER[(i + 1) % len(PERIOD_ORDER)])

    def set_period(self, period: str) -> None:
        self.query_state = replace(self.query_state, period=period)
        self._show_period()
        self.reload()

    def _show_period(self) -> None:
        label = PERIODS[self.query_state.period][0]
        self.query_one("#history-period", Static).update(
            Text.assemble(("Period: ", "dim"), (label, "bold"), ("  (p)", "dim"))
        )

    def on_click(self, event) -> None:
        if getattr(event.widget, "id", None) == "history-period":
            self.action_cycle_period()

    def set_sort(self, order_by: str, descending: bool) -> None:
        self.query_state = replace(self.query_state, order_by=order_by, descending=descending)
        self.reload()

    def action_cycle_sort(self) -> None:
        keys = [c.order_by for c in SORTABLE]
        i = keys.index(self.query_state.order_by) if self.query_state.order_by in keys else -1
        nxt = SORTABLE[(i + 1) % len(SORTABLE)]
        self.set_sort(nxt.order_by or "started_at", nxt.descending)

    def action_reverse_sort(self) -> None:
        self.set_sort(self.query_state.order_by, not self.query_state.descending)

    @on(HistoryTable.HeaderSelected, "#history-table")
    def _header_selected(self, event: HistoryTable.HeaderSelected) -> None:
        column = next((c for c in COLUMNS if c.key == event.column_key), None)
        if column is None:
            return
        if column.order_by is None:
            self.notify(f"The table cannot be sorted by {column.label.lower()}", timeout=3)
            return
        if column.order_by == self.query_state.order_by:
            self.action_reverse_sort()
        else:
            self.set_sort(column.order_by, column.descending)

    # --- detail, edit, delete --------------------------------------------------------------

    @on(HistoryTable.RowSelected, "#history-table")
    def _row_selected(self, event: HistoryTable.RowSelected) -> None:
        """A click on a row."""
        self.open_detail(int(event.row_key))

    def action_open(self) -> None:
        s = self.highlighted()
        if s is not None:
            self.open_detail(s.id)

    @work(exclusive=True, group="history-detail")
    async def open_detail(self, session_id: int) -> None:
        store = self.store
        if store is None:
            return
        try:
            detail = await asyncio.to_thread(store.get_session, session_id)
        except KeyError:
            self.notify("That session is no longer in the history", timeout=5)
            self.reload()
            return
        except StoreError as exc:
            self.notify(str(exc), title="History", severity="error", timeout=10)
            return
        if self._closed or self.app.screen is not self:
            return
        screen = HistoryDetailScreen(detail, store, exports_dir=self.paths.exports_dir)
        self.app.push_screen(screen, self._detail_closed)

    def _detail_closed(self, outcome: DetailOutcome | None) -> None:
        if outcome is None:
            return
        # a watch file attached there changes the preset's pace against heart rate
        self._heart_cache.pop(outcome.session.preset_name, None)
        self._split_cache.pop(outcome.session.preset_name, None)
        self._split_preset = None
        if outcome.deleted:
            self._remove_row(outcome.session.id)
        elif outcome.edited:
            self._update_row(outcome.session)
        self._highlighted_preset()

    def action_edit(self) -> None:
        s = self.highlighted()
        if s is None or self.store is None:
            return

        def done(result: tuple[int | None, str] | None) -> None:
            if result is not None:
                self._save_feedback(s, *result)

        self.app.push_screen(
            EditFeedbackScreen(f"{s.preset_name}, {session_date(s)}", s.rpe, s.note), done
        )

    @work(group="history-write")  # never cancelled by the next write: each one must land
    async def _save_feedback(self, s: SessionSummary, rpe: int | None, note: str) -> None:
        store = self.store
        if store is None:
            return
        try:
            await asyncio.to_thread(store.set_rpe_note, s.id, rpe, note)
        except StoreError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        self._update_row(replace(s, rpe=rpe, note=note))
        self.notify("RPE and note saved", timeout=3)

    def _update_row(self, s: SessionSummary) -> None:
        if s.id not in self.rows:
            return
        # a SessionDetail from the detail screen: keep only the summary (no steps in memory)
        summary = SessionSummary(**{f.name: getattr(s, f.name) for f in fields(SessionSummary)})
        self.rows[s.id] = summary
        self.query_one("#history-table", HistoryTable).update_row(
            str(s.id), row_cells(summary, self.columns)
        )

    def action_delete(self) -> None:
        s = self.highlighted()
        if s is None or self.store is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(s.id)

        self.app.push_screen(
            ConfirmScreen(delete_question(s), yes="Delete (y)", no="Keep (n)"), answered
        )

    @work(group="history-write")
    async def _delete(self, session_id: int) -> None:
        store = self.store
        if store is None:
            return
        try:
            await asyncio.to_thread(store.delete_session, session_id)
        except StoreError as exc:
            self.notify(str(exc), title="Not deleted", severity="error", timeout=10)
            return
        self._remove_row(session_id)
        self.notify("Session deleted", timeout=3)

    def _remove_row(self, session_id: int) -> None:
        table = self.query_one("#history-table", HistoryTable)
        removed = self.rows.pop(session_id, None)
        if removed is not None:
            self.order.remove(session_id)
            table.remove_row(str(session_id))
            self.total = max(0, self.total - 1)
            self._split_cache.pop(removed.preset_name, None)
            self._heart_cache.pop(removed.preset_name, None)
        self._show_counts()
        self._split_preset = None
        self._highlighted_preset()
        if self._trends_visible():
            self._load_trends()
        self._bindings_changed()

    # --- trends ----------------------------------------------------------------------------

    def _panel(self) -> TrendsPanel | None:
        return next(iter(self.query(TrendsPanel)), None)

    def _trends_visible(self) -> bool:
        panel = self._panel()
        return panel is not None and bool(panel.display) and self.store is not None

    async def action_toggle_trends(self) -> None:
        panel = self._panel()
        if panel is None:
            panel = TrendsPanel(id="history-trends")
            await self.query_one("#history").mount(panel)
        else:
            panel.display = not panel.display
        self._show_trends = bool(panel.display)
        if panel.display:
            self._load_trends()
            self._split_preset = None
            self._highlighted_preset()

    @work(exclusive=True, group="history-trends")
    async def _load_trends(self) -> None:
        store = self.store
        if store is None:
            return
        now = self.now()
        whose = self._trend_athlete  # the highlighted session's athlete, "" for the runner

        def fetch():
            return (
                store.weekly_trends(TREND_WEEKS, now=now, athlete=whose),
                store.streak_weeks(now=now, athlete=whose),
                store.target_deltas(TREND_WEEKS, now=now, athlete=whose),
            )

        try:
            trends, streak, deltas = await asyncio.to_thread(fetch)
        except StoreError as exc:
            self.notify(str(exc), title="History", severity="error", timeout=10)
            return
        if not self._closed and (panel := self._panel()) is not None:
            panel.show_trends(trends, streak, whose)
            panel.show_targets(deltas)

    def _highlighted_preset(self) -> None:
        """The trends panel follows the highlighted session's preset."""
        if not self._trends_visible():
            return
        s = self.highlighted()
        athlete = s.athlete if s is not None else ""
        if athlete != self._trend_athlete:  # coach mode: the trends follow the athlete
            self._trend_athlete = athlete
            self._load_trends()
        preset = s.preset_name if s is not None else None
        if preset == self._split_preset:
            return
        self._split_preset = preset
        panel = self._panel()
        if panel is None:
            return
        if preset is None:
            panel.show_split(None, None)
            panel.show_pace_heart(None, [])
        elif preset in self._split_cache:
            panel.show_split(preset, self._split_cache[preset])
            panel.show_pace_heart(preset, self._heart_cache.get(preset, []))
        else:
            panel.show_split(preset, None)
            panel.show_pace_heart(None, [])
            self._load_split(preset)

    @work(exclusive=True, group="history-split")
    async def _load_split(self, preset: str) -> None:
        store = self.store
        if store is None:
            return

        def fetch():
            return store.preset_split_stats(preset), store.pace_and_heart_rate_by_week(preset)

        try:
            stats, heart = await asyncio.to_thread(fetch)
        except StoreError as exc:
            self.notify(str(exc), title="History", severity="error", timeout=10)
            return
        self._split_cache[preset] = stats
        self._heart_cache[preset] = heart
        if not self._closed and self._split_preset == preset and (panel := self._panel()):
            panel.show_split(preset, stats)
            panel.show_pace_heart(preset, heart)

    # --- keys ------------------------------------------------------------------------------

    def _key_state(self) -> tuple[bool, bool, bool]:
        """(rows to act on, an open history, no problem). While opening, the keys a history
        usually has, so the footer is built once and not again when the rows arrive."""
        if self._opening:
            return (True, True, True)
        has_store = self.store is not None
        return (has_store and bool(self.order), has_store, self.problem is None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        rows, has_store, no_problem = self._key_state()
        if action in ("edit", "delete", "open"):
            return rows
        if action in ("cycle_period", "cycle_sort", "reverse_sort", "focus_filter"):
            return no_problem
        if action == "toggle_trends":
            return has_store
        return True

    def _bindings_changed(self) -> None:
        """Refresh the footer only when a key's availability changed (each refresh rebuilds
        it, which costs a frame)."""
        state = self._key_state()
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    def action_back(self) -> None:
        if self.query_one("#history-filter", Input).has_focus:
            self.query_one("#history-table", HistoryTable).focus()
            return
        self.app.pop_screen()


def _close_result(task: asyncio.Future) -> None:
    """An open that finished after the screen went away: close what it opened."""
    with contextlib.suppress(BaseException):
        store, _ = task.result()
        if store is not None:
            store.close()
