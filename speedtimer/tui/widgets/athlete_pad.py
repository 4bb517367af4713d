"""Coach mode's touch layout: a thumb-sized button per athlete, and Mark, Undo, End rep, Out.

Served to a phone held sideways (`speedtimer serve`), the group table's one-line rows are a
single terminal cell tall: measured in Chromium on an 800x360 to 844x390 landscape phone
viewport, textual-serve gives 88x17 to 93x18 cells of 9 x 21 CSS px, so a row is 21 px where
a thumb wants 44 (Apple's 44 pt, Google's 48 dp). Here each target is BUTTON_H = 3 rows
(63 px) tall; an athlete's is at least MIN_BUTTON_W = 15 columns (135 px) wide, a control
CONTROLS_W - 1 = 13 (117 px).

A tap acts on the press (mouse down, which xterm.js sends the moment a finger lands), stamped
with the event's own time, and goes to the screen as a `PadPressed` message: the screen marks
through the very code path an athlete's key takes. The buttons show what changes only when a
mark, an undo or a step changes it (a running athlete shows "on track", not a running time:
the big clock has it), so a rep in progress repaints no button at all.

Athletes that do not fit are on pages: a "More" button in the controls column says which
athletes the next page holds; athlete keys work for every athlete, shown or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Static

from speedtimer.core.group import RepStatus
from speedtimer.core.timer import State
from speedtimer.group_session import GroupShell
from speedtimer.tui.screens.group_summary import delta_text, split_text

BUTTON_H = 3  # rows: 3 x 21 CSS px = 63 px on a phone, over the 44 px a thumb needs
MIN_BUTTON_W = 15  # columns (9 CSS px each): room for a key and a name
CONTROLS_W = 14  # the controls column on the right
MIN_BAND = 5  # the clock band: phase line, 3-row digits, step label
MAX_BAND = 14
FIXED_ROWS = 2  # the footer and the unassigned-marks strip
# The controls column: Mark, Undo, End rep, Out and More, 3 rows each, above the footer. A
# smaller terminal (a phone at ?fontsize=24) keeps the table.
MIN_SIZE = Size(CONTROLS_W + 2 + MIN_BUTTON_W + 2, 5 * BUTTON_H + 1)


def fits(size: Size) -> bool:
    """Whether the touch layout fits a terminal of `size`."""
    return size.width >= MIN_SIZE.width and size.height >= MIN_SIZE.height


@dataclass(frozen=True)
class PadState:
    """What one athlete's button shows: `kind` picks its colours."""

    line: str
    kind: str  # ready, running, done, timed, rest, dnf, out


def pad_states(session: GroupShell, now: float) -> list[PadState]:
    """Each runner's button, from the group core; no running time (it changes every second)."""
    group = session.group
    timer = session.timer
    step = timer.current
    working = (
        step is not None and step.kind == "work" and timer.state in (State.RUNNING, State.PAUSED)
    )
    out = []
    for runner in session.runners:
        name = runner.name
        if group.is_out(name):
            out.append(PadState("out", "out"))
            continue
        if working:
            rep = group.rep(name, step.index)
            if rep.status is RepStatus.FINISHED:
                out.append(PadState(_with_delta(session, runner, step.index, rep.time_s), "done"))
                continue
            if rep.status is RepStatus.TIMED and rep.splits:
                line = f"split {split_text(rep.time_s)}"
                out.append(PadState(line, "timed"))
                continue
            out.append(PadState("on track", "running"))
            continue
        finished = session.finished_times(runner)
        if not finished:
            out.append(PadState("", "ready"))
            continue
        index, time = finished[-1]
        if time is None:
            out.append(PadState("last: DNF", "dnf"))
        else:
            line = "last " + _with_delta(session, runner, index, time)
            out.append(PadState(line, "rest"))
    return out


def _with_delta(session: GroupShell, runner, index: int, time: float | None) -> str:
    change = session.delta(runner, index, time)
    text = split_text(time)
    return f"{text} {delta_text(change)}" if change is not None else text


def fit(text: str, width: int) -> str:
    if width <= 1:
        return text[:width]
    return set_cell_size(text, width - 1) + "…" if cell_len(text) > width else text


@dataclass(frozen=True)
class PadPlan:
    """How the touch layout uses a terminal: grid columns and rows, athletes a page, band."""

    columns: int
    rows: int
    per_page: int
    band: int


def plan(size: Size, athletes: int) -> PadPlan:
    """Columns as many as fit at MIN_BUTTON_W, rows of BUTTON_H under a band of at least
    MIN_BAND; spread evenly (8 athletes on 4 + 4, not 5 + 3); the band takes what is left."""
    athletes = max(1, athletes)
    grid_w = max(MIN_BUTTON_W, size.width - CONTROLS_W - 2)  # the grid's padding: 1 a side
    room = max(BUTTON_H, size.height - FIXED_ROWS - MIN_BAND)
    most_columns = max(1, (grid_w + 1) // (MIN_BUTTON_W + 1))
    rows_fit = max(1, room // BUTTON_H)
    rows = min(rows_fit, math.ceil(athletes / most_columns))
    columns = min(most_columns, math.ceil(athletes / rows))
    band = size.height - FIXED_ROWS - rows * BUTTON_H
    return PadPlan(columns, rows, columns * rows, max(MIN_BAND, min(MAX_BAND, band)))


class PadPressed(Message):
    """A tap on the pad: `action` is athlete (with its `key`), lap, undo, skip, out or page.

    `pressed_at` is the pointer event's own time, on Textual's clock, like a key event's."""

    def __init__(self, action: str, key: str, pressed_at: float) -> None:
        super().__init__()
        self.action = action
        self.key = key
        self.pressed_at = pressed_at


class PadButton(Static):
    """One tap target; acts on the press, not on the release."""

    DEFAULT_CSS = """
    PadButton {
        height: 3;
        width: 1fr;
        padding: 0 1;
        background: $panel-lighten-1;
        color: $text;
        border-bottom: hkey $background;
    }
    PadButton.running { background: $primary-darken-2; }
    PadButton.done { background: $success-darken-3; }
    PadButton.timed { background: $accent-darken-3; }
    PadButton.out, PadButton.dnf { background: $panel; color: $text-muted; }
    PadButton.waiting { background: $warning-darken-3; }
    PadButton.off { background: $panel; color: $text-disabled; }
    """

    def __init__(self, action: str, key: str = "", **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.action = action
        self.key = key
        self._shown: tuple | None = None

    def show(self, content: Text, kind: str) -> bool:
        """Repaint only when the text or the colours change; True when it did."""
        shown = (content.plain, kind)
        if shown == self._shown:
            return False
        old = self._shown[1] if self._shown else None
        self._shown = shown
        if old != kind:
            if old:
                self.remove_class(old)
            if kind:
                self.add_class(kind)
        self.update(content, layout=False)
        return True

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self.post_message(PadPressed(self.action, self.key, event.time))


class AthletePad(Container):
    """The athletes' buttons in a grid, a page at a time."""

    DEFAULT_CSS = f"""
    AthletePad {{
        layout: grid;
        grid-size: 4;
        grid-columns: 1fr;
        grid-rows: {BUTTON_H};
        grid-gutter: 0 1;
        height: 1fr;
        padding: 0 1;
    }}
    """

    def __init__(self, keys_and_names: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.athletes = keys_and_names
        self.page = 0
        self.plan = PadPlan(4, 1, len(keys_and_names) or 1, MIN_BAND)
        self._states: list[PadState | None] = [None] * len(keys_and_names)

    def compose(self) -> ComposeResult:
        for i, (key, _name) in enumerate(self.athletes):
            yield PadButton("athlete", key, id=f"pad-athlete-{i}")

    @property
    def pages(self) -> int:
        return max(1, math.ceil(len(self.athletes) / self.plan.per_page))

    def fit(self, size: Size) -> int:
        """Lay the grid out for a terminal of `size`; returns the band's height."""
        self.plan = plan(size, len(self.athletes))
        self.styles.grid_size_columns = self.plan.columns
        self.styles.grid_size_rows = self.plan.rows
        self.page = min(self.page, self.pages - 1)
        # Docked, the controls would cover the footer's last keys (the palette among them).
        for controls in self.screen.query(PadControls):
            controls.styles.height = max(BUTTON_H, size.height - 1)
        self._show_page()
        self._states = [None] * len(self.athletes)  # the width a name gets has changed
        return self.plan.band

    def next_page(self) -> None:
        self.page = (self.page + 1) % self.pages
        self._show_page()

    def page_text(self) -> str:
        """The More button's line: which athletes the next page holds."""
        per = self.plan.per_page
        first = ((self.page + 1) % self.pages) * per
        last = min(len(self.athletes), first + per)
        return f"{first + 1}–{last} of {len(self.athletes)}"

    def _show_page(self) -> None:
        per = self.plan.per_page
        lo, hi = self.page * per, (self.page + 1) * per
        for i, button in enumerate(self.query(PadButton)):
            button.display = lo <= i < hi

    def show(self, states: list[PadState]) -> int:
        """Repaint the buttons whose state changed; returns how many did."""
        width = max(MIN_BUTTON_W, self._button_width()) - 2  # the button's padding
        changed = 0
        for i, (state, button) in enumerate(zip(states, self.query(PadButton), strict=False)):
            if state == self._states[i]:
                continue
            self._states[i] = state
            key, name = self.athletes[i]
            content = Text.assemble(
                (f" {key} ", "bold reverse"), " ", (fit(name, width - 4), "bold"), "\n",
                fit(state.line, width),
            )  # fmt: skip
            changed += button.show(content, state.kind)
        return changed

    def _button_width(self) -> int:
        columns = self.plan.columns
        inner = self.content_region.width or (self.app.size.width - CONTROLS_W - 2)
        return (inner - (columns - 1)) // columns


class PadControls(Vertical):
    """Mark (a bunch crossing), Undo, End rep, Out and, with more athletes than fit, More."""

    DEFAULT_CSS = f"""
    PadControls {{
        dock: right;
        width: {CONTROLS_W};
        height: 1fr;
        padding: 0 0 0 1;
    }}
    PadControls #pad-lap {{ height: 1fr; min-height: {BUTTON_H}; }}
    PadControls #pad-page {{ display: none; }}
    """

    BUTTONS = (
        ("lap", "Mark", "⏎ a bunch"),
        ("undo", "Undo", "u"),
        ("skip", "End rep", "n"),
        ("out", "Out…", "x + athlete"),
        ("page", "More ▶", ""),
    )

    def compose(self) -> ComposeResult:
        for action, _title, _hint in self.BUTTONS:
            yield PadButton(action, id=f"pad-{action}")

    def show(
        self, enabled: dict[str, bool], waiting: int, out_pending: bool, page: str, step: str
    ) -> None:
        """Each control's title and hint, grey when its action cannot be used now; `step` is
        the current step's kind (n ends a rest too)."""
        for action, title, hint in self.BUTTONS:
            kind = "" if enabled.get(action, True) else "off"
            if action == "skip" and step not in ("work", ""):
                title = f"End {step}"
            if action == "lap" and waiting:
                hint, kind = f"{waiting} waiting", "waiting"
            elif action == "out" and out_pending:
                title, hint, kind = "Cancel out", "tap athlete", "waiting"
            elif action == "page":
                hint = page
            button = self.query_one(f"#pad-{action}", PadButton)
            if action == "page":
                button.display = bool(page)
            button.show(Text.assemble((title, "bold"), "\n", hint), kind)
