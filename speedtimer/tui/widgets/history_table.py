"""The history's sessions table, drawn line by line.

Textual's DataTable renders each visible cell through Rich (padding, wrapping, styles): about
a millisecond per row, paid again for every row after each filter or sort, which was most of
the time from a key to the frame. Here a row is one string per cell, each with an optional
style, so a row's line is a few segments built once and then cached: the frame after a
filter costs next to nothing. It keeps what the history needs of DataTable: a fixed header
(a click sorts), a row cursor with zebra stripes and a hover highlight, keys and the mouse
wheel, a click to open, and only the visible rows drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

CELL_PADDING = 1  # spaces either side of a cell, as DataTable draws them


@dataclass(frozen=True)
class TableColumn:
    key: str
    label: str
    width: int
    right: bool = False


@dataclass(frozen=True)
class Cell:
    text: str
    style: str = ""  # a Rich style, e.g. "bold red"; drawn on the row's own style

    def __str__(self) -> str:
        return self.text


@dataclass
class TableMessage(Message):
    """What the table says, with the table itself as the control (for `@on(..., "#id")`)."""

    table: HistoryTable

    @property
    def control(self) -> HistoryTable:
        return self.table


class HistoryTable(ScrollView, can_focus=True):
    """Rows of cells under a fixed header; `cursor_row` is the highlighted row."""

    COMPONENT_CLASSES = {
        "history-table--header",
        "history-table--cursor",
        "history-table--hover",
        "history-table--even-row",
    }
    DEFAULT_CSS = """
    HistoryTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .history-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .history-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .history-table--even-row { background: $surface-darken-1 40%; }
        & > .history-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .history-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .history-table--even-row { background: $surface-lighten-1 50%; }
        & > .history-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .history-table--hover { background: $block-hover-background; }
    }
    """
    # home/end go to the first and last row loaded (the history then loads the next page)
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("left", "scroll_left", "Left", show=False),  # a table wider than the window
        Binding("right", "scroll_right", "Right", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First", show=False),
        Binding("end,ctrl+end", "last", "Last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, repaint=False)
    hover_row: reactive[int] = reactive(-1, repaint=False)

    @dataclass
    class RowHighlighted(TableMessage):
        cursor_row: int
        row_key: str | None

    @dataclass
    class RowSelected(TableMessage):
        """A row was clicked."""

        cursor_row: int
        row_key: str

    @dataclass
    class HeaderSelected(TableMessage):
        """A column's header was clicked."""

        column_key: str

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: tuple[TableColumn, ...] = ()
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._strips: LRUCache[tuple, tuple[Strip, Style]] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._parsed: dict[str, Style] = {}

    # --- data ------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    def get_row_at(self, index: int) -> tuple[Cell, ...]:
        return self._cells[self._keys[index]]

    def set_columns(self, columns: Sequence[TableColumn]) -> None:
        self.columns = tuple(columns)
        self._strips.clear()
        self._resize()

    def set_rows(self, rows: Iterable[tuple[str, Sequence[Cell]]]) -> None:
        """Replace every row; the cursor goes back to the first."""
        self._keys.clear()
        self._cells.clear()
        self._strips.clear()
        self.add_rows(rows)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.set_reactive(HistoryTable.cursor_row, 0)

    def add_rows(self, rows: Iterable[tuple[str, Sequence[Cell]]]) -> None:
        for key, cells in rows:
            if key not in self._cells:
                self._keys.append(key)
            self._cells[key] = tuple(cells)
        self._resize()

    def update_row(self, key: str, cells: Sequence[Cell]) -> None:
        if key not in self._cells:
            return
        self._cells[key] = tuple(cells)
        self._strips.clear()
        self.refresh()

    def remove_row(self, key: str) -> None:
        if key not in self._cells:
            return
        del self._cells[key]
        self._keys.remove(key)
        self._strips.clear()  # the rows below change stripes
        self._resize()
        if self.cursor_row >= len(self._keys):
            self.cursor_row = max(0, len(self._keys) - 1)
        else:
            self._post_highlighted()

    def _resize(self) -> None:
        width = sum(c.width + 2 * CELL_PADDING for c in self.columns)
        self.virtual_size = Size(width, len(self._keys) + 1)  # + the header
        self.refresh()

    # --- the cursor ------------------------------------------------------------------------

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._keys) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_to_row(new)
        self._post_highlighted()

    def watch_hover_row(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)

    def _post_highlighted(self) -> None:
        row = self.cursor_row
        key = self._keys[row] if 0 <= row < len(self._keys) else None
        self.post_message(self.RowHighlighted(self, row, key))

    def _refresh_row(self, row: int) -> None:
        if 0 <= row < len(self._keys):
            self.refresh_line(row + 1)  # a virtual line: the header is line 0

    def _scroll_to_row(self, row: int) -> None:
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + self._page:
            self.scroll_to(y=row - self._page + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= self._page

    def action_page_down(self) -> None:
        self.cursor_row += self._page

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self._keys) - 1

    # --- the mouse -------------------------------------------------------------------------

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row index under the mouse, -1 for the header, None outside the rows."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        if offset.y == 0:
            return -1
        row = int(self.scroll_y) + offset.y - 1
        return row if 0 <= row < len(self._keys) else None

    def _column_at(self, x: int) -> TableColumn | None:
        left = 0
        for column in self.columns:
            left += column.width + 2 * CELL_PADDING
            if x < left:
                return column
        return None

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is None:
            return
        event.stop()
        if row == -1:
            offset = event.get_content_offset(self)
            column = self._column_at(int(self.scroll_x) + offset.x) if offset else None
            if column is not None:
                self.post_message(self.HeaderSelected(self, column.key))
            return
        self.cursor_row = row
        self.post_message(self.RowSelected(self, row, self._keys[row]))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        self.hover_row = row if row is not None and row >= 0 else -1

    def on_leave(self, event: events.Leave) -> None:
        self.hover_row = -1

    # --- drawing ---------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        # focus, theme or hover changed the CSS: the cached lines carry the old styles
        self._styles.clear()
        self._strips.clear()
        super().notify_style_update()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            if name == "base":
                style = self.rich_style
            else:
                style = self.get_component_rich_style(f"history-table--{name}")
            self._styles[name] = style
        return style

    def _cell_style(self, text: str) -> Style:
        style = self._parsed.get(text)
        if style is None:
            style = self._parsed[text] = Style.parse(text) if text else Style()
        return style

    def _line(self, cells: Sequence[Cell | str], style: Style, on_top: Style | None) -> Strip:
        """One row (or the header) across the whole table width."""
        pad = " " * CELL_PADDING
        segments = []
        for column, cell in zip(self.columns, cells, strict=False):
            text = str(cell)[: column.width]
            text = text.rjust(column.width) if column.right else text.ljust(column.width)
            cell_style = style
            if isinstance(cell, Cell) and cell.style:
                cell_style = style + self._cell_style(cell.style)
            if on_top is not None:
                cell_style += on_top
            segments.append(Segment(pad + text + pad, cell_style))
        return Strip(segments)

    def _row_strip(self, row: int) -> tuple[Strip, Style]:
        """The row's line and the style that carries it on past the last column."""
        key = self._keys[row]
        if row == self.cursor_row:
            variant = "cursor"
        elif row == self.hover_row:
            variant = "hover"
        else:
            variant = "odd-row" if row % 2 else "even-row"  # DataTable's names: from row 0
        cache_key = (key, variant)
        cached = self._strips.get(cache_key)
        if cached is None:
            base = self._style("base")
            style = base if variant == "odd-row" else base + self._style(variant)
            # the cursor's colours win over a cell's own (a red status stays readable)
            on_top = self._style("cursor") if variant == "cursor" else None
            fill = style + on_top if on_top is not None else style
            cached = self._strips[cache_key] = (self._line(self._cells[key], style, on_top), fill)
        return cached

    def _header_strip(self) -> tuple[Strip, Style]:
        cached = self._strips.get(("header",))
        if cached is None:
            style = self._style("base") + self._style("header")
            labels = [Cell(c.label) for c in self.columns]
            cached = self._strips[("header",)] = (self._line(labels, style, None), style)
        return cached

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            strip, fill = self._header_strip()
        else:
            row = scroll_y + y - 1
            if not 0 <= row < len(self._keys):
                return Strip.blank(width, self._style("base"))
            strip, fill = self._row_strip(row)
        return strip.crop_extend(scroll_x, scroll_x + width, fill)
