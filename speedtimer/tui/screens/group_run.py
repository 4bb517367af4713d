"""Coach mode's run screen: the shared clock and phase band on top, one row per athlete below.

It is the solo run screen (same band, same clock, same wake-ups at the timer's own times) with
the athletes' table where the solo splits were. Athlete keys are read in `on_key`, stamped with
the key event's own time (how long it waited in the queue is taken off), so a busy redraw never
makes a split longer. `enter`/`l` mark without a name (for a bunch crossing together), `u`
undoes, `x` then a key takes an athlete out, `n` ends the rep for everyone still out.

Served to a browser (a phone as the coach's remote) the athletes are thumb-sized buttons
instead (widgets/athlete_pad.py), with Mark, Undo, End rep and Out beside them; a tap goes
through the same methods as the keys. `tab` switches between the table and the buttons.

Rows shrink to one line each when space is short (80x24 with 12 athletes), and what does not
fit is counted in a last line rather than cut off silently.
"""

from __future__ import annotations

import math
import statistics

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from speedtimer.core.group import RepStatus
from speedtimer.core.preset import format_clock
from speedtimer.core.timer import State
from speedtimer.group_session import GroupShell, Runner
from speedtimer.tui import textual_patches
from speedtimer.tui.screens.group_summary import GroupSummaryScreen, delta_text, split_text
from speedtimer.tui.screens.run import RunScreen, StepProgress
from speedtimer.tui.widgets.athlete_pad import (
    AthletePad,
    PadControls,
    PadPressed,
    pad_states,
)
from speedtimer.tui.widgets.athlete_pad import fits as pad_fits
from speedtimer.tui.widgets.big_time import BigTime
from speedtimer.tui.widgets.footer import QuietFooter

SPARK = "▁▂▃▄▅▆▇█"
DOUBLE_TAP_S = 0.6  # a second tap this soon on one of DOUBLE_TAP_ONCE is the same tap
DOUBLE_TAP_ONCE = ("skip", "out", "page")
TREND_REPS = 6


KEY_W = 1 + 3 + 2  # " key  " before the name
TIMES_W = 1 + 9  # this rep's time
REST_W = 1 + 8 + 1 + 8 + 1 + 6 + 2 + 12  # last, target, delta, trend
FIXED_W = KEY_W + TIMES_W + REST_W  # every column but the name
MIN_NAME_W = 6


def fit_text(text: str, width: int) -> str:
    """`text` in exactly `width` cells (wide characters count two), cut with an ellipsis."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def trend_text(times: list[float]) -> str:
    """A sparkline of the last reps' times (higher = slower) and the fade: last minus first."""
    times = times[-TREND_REPS:]
    if len(times) < 2:
        return ""
    lo, hi = min(times), max(times)
    span = hi - lo
    bars = "".join(SPARK[0 if span < 0.05 else round((t - lo) / span * 7)] for t in times)
    return f"{bars} {delta_text(times[-1] - times[0])}"


def key_lag(event_time: float) -> float:
    """How long ago a key event was made: Textual stamps events on its own clock."""
    return textual_patches.event_age(event_time)


class GroupRunScreen(RunScreen):
    """One row per athlete: key, name, this rep, last split, target, delta, trend."""

    BINDINGS = [
        Binding("space", "pause", "Pause", id="pause"),
        Binding("space", "resume", "Resume", id="resume"),
        Binding("enter,l", "lap", "Mark", id="group_mark"),
        Binding("u,backspace", "undo", "Undo", id="group_undo"),
        Binding("x", "out", "Out…", id="group_out"),
        Binding("n", "skip", "End rep", id="group_end"),
        Binding(
            "plus,equals_sign", "add_time(10)", "+10s", id="add_time", key_display="+", show=False
        ),
        Binding("minus", "add_time(-10)", "-10s", id="remove_time", key_display="-", show=False),
        Binding("m", "toggle_mute", "Mute", id="mute", show=False),
        Binding("q,escape", "abort", "End", id="abort"),
        Binding("v", "toggle_voice", "Voice", id="voice", show=False),
        # V (shift+v): no athlete can have it (v is reserved, and so is its capital)
        Binding("V", "toggle_speak_marks", "Say marks", id="speak_marks", show=False),
        Binding("tab", "pad(True)", "Buttons", id="group_pad", show=False),
        Binding("tab", "pad(False)", "Table", id="group_table", show=False),
    ]

    DEFAULT_CSS = f"""
    GroupRunScreen #athletes {{ height: 1fr; padding: 0 1; }}
    GroupRunScreen #athletes > Static {{ height: 1fr; text-wrap: nowrap; text-overflow: clip; }}
    GroupRunScreen #athletes-names {{ width: 1fr; }}
    GroupRunScreen #athletes-times {{ width: {TIMES_W}; }}
    GroupRunScreen #athletes-rest {{ width: {REST_W}; }}
    GroupRunScreen.rows-narrow #athletes-rest {{ display: none; }}
    GroupRunScreen #overflow {{ height: auto; padding: 0 2; text-style: italic; }}
    GroupRunScreen #queue {{ height: auto; padding: 0 2; color: $warning; text-style: bold; }}
    GroupRunScreen #info {{ height: auto; }}
    GroupRunScreen #splits {{ display: none; }}
    GroupRunScreen.rows-compact #info {{ display: none; }}
    GroupRunScreen #pad, GroupRunScreen #pad-controls {{ display: none; }}
    GroupRunScreen.pad #pad, GroupRunScreen.pad #pad-controls {{ display: block; }}
    GroupRunScreen.pad #athletes, GroupRunScreen.pad #overflow {{ display: none; }}
    GroupRunScreen.pad #info {{ display: none; }}
    """

    session: GroupShell

    def __init__(self, session: GroupShell) -> None:
        super().__init__(session)
        self._out_pending = False
        self._rows_state: tuple | None = None
        self._rows: list[tuple] = []
        self._columns: dict[str | None, tuple] = {}
        self._could_undo: bool | None = None
        self._pad_wanted: bool | None = None  # None: buttons when served to a browser
        self._pad_on = False  # wanted, and the terminal has room for them
        self._pad_last: dict[str, float] = {}  # control -> when it was last tapped

    def compose(self) -> ComposeResult:
        with Vertical(id="band"):
            with Horizontal(id="phase-line"):
                yield Static("", markup=False, id="phase")
                yield Static("", markup=False, id="position")
            yield BigTime("0:00", id="clock")
            yield Static("", markup=False, id="step-label")
        # Three columns of text, not one: the running times change every second and are all
        # that is drawn again then (a tenth of the cells); names and results change with marks.
        with Horizontal(id="athletes"):
            yield Static("", id="athletes-names")
            yield Static("", id="athletes-times")
            yield Static("", id="athletes-rest")
        yield Static("", markup=False, id="overflow")
        yield Static("", markup=False, id="queue")
        with Vertical(id="info"):
            yield Static("", markup=False, id="next")
            with Horizontal(id="progress-line"):
                yield StepProgress(total=100, show_eta=False, show_percentage=True, id="progress")
                yield Static("", markup=False, id="totals")
            yield Static("", markup=False, id="splits")
            yield Static("", markup=False, id="status")
        yield QuietFooter()
        yield AthletePad([(r.key, r.name) for r in self.session.runners], id="pad")
        yield PadControls(id="pad-controls")

    # --- layout ------------------------------------------------------------------------------

    def _apply_size(self) -> None:
        """Give the athletes every line they need; the band takes what is left (3 to 14 lines).

        With too little room the next-step and progress lines go first, then rows beyond the
        last one that fits are counted in a final "+N more" line.
        """
        super()._apply_size()
        if self._pad_wanted is None:
            self._pad_wanted = self.app.is_web
        self._pad_on = self._pad_wanted and pad_fits(self.app.size)
        self.set_class(self._pad_on, "pad")
        if self._pad_on:
            self.query_one("#band").styles.height = self.query_one(AthletePad).fit(self.app.size)
            return
        height = self.app.size.height
        count = len(self.session.runners)
        fixed = 1 + 1 + 1  # table header, unassigned strip, footer
        band = height - fixed - 4 - count  # 4: next step, progress, status and a spare line
        info = band >= 5
        if not info:
            band = height - fixed - count
        band = max(3, min(14, band))
        self.query_one("#band").styles.height = band
        self.set_class(not info, "rows-compact")
        # too narrow for every column: key, name and this rep's time stay
        self.set_class(self.app.size.width - 2 < FIXED_W + MIN_NAME_W, "rows-narrow")
        self._fits = max(1, height - band - fixed - (2 if info else 0))
        self._rows_state = None
        self._columns.clear()
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """Count the rows that really fit once the layout is done (the band has padding)."""
        if not self.is_attached or self._pad_on:
            return
        room = self.query_one("#athletes").content_region.height - 1  # the header line
        drawn = self._columns.get("athletes-names")  # (the names' width, ...) as last drawn
        width = self.query_one("#athletes-names").content_region.width
        if room > 0 and room != self._fits:
            self._fits = room
            self._draw_rows(self.session.now())
        elif drawn is None or drawn[0] != max(MIN_NAME_W, width - KEY_W):
            self._columns.pop("athletes-names", None)  # the names' width is known now
            self._draw_rows(self.session.now())

    # --- drawing -----------------------------------------------------------------------------

    def _set(self, widget_id: str, value) -> None:
        if widget_id == "step-label":
            value = self._step_label(value)
        super()._set(widget_id, value)

    def _step_label(self, solo: str) -> str:
        """Targets are per athlete (their rows): the band says what the rep is. Set in place
        of the solo label, never after it: two texts a second would lay out the screen twice."""
        step = self.session.timer.current
        if step is None:
            return solo
        label = step.title
        if step.distance_m and f"{step.distance_m:g}" not in label:
            label += f" {step.distance_m:g} m"
        if step.kind == "work" and self._pad_on:
            label += (
                "  · tap an athlete at the finish, Mark for a bunch"
                if step.is_open
                else "  · on the clock: tap an athlete for a split"
            )
        elif step.kind == "work":
            label += (
                "  · athletes' keys mark the finish, enter marks a bunch"
                if step.is_open
                else "  · on the clock: athletes' keys take splits"
            )
        return label

    def refresh_display(self) -> None:
        super().refresh_display()
        session = self.session
        now = session.now()
        group = session.group
        queue = group.queue
        if self._out_pending:  # said first: the next athlete key means out, not a finish
            self._set(
                "queue",
                "Out: tap the athlete who stops (Cancel out: cancel)"
                if self._pad_on
                else "Out: press the key of the athlete who stops (escape: cancel)",
            )
        elif queue:
            marks = "  ".join(format_clock(m.offset_s, tenths=True) for m in queue[:8])
            more = f" +{len(queue) - 8}" if len(queue) > 8 else ""
            who = "tap an athlete" if self._pad_on else "press an athlete's key"
            self._set("queue", f"Unassigned: {marks}{more}  ← {who}")
        else:
            self._set("queue", "")
        if self._pad_on:
            self._draw_pad(now)
        else:
            self._draw_rows(now)

    def _draw_pad(self, now: float) -> None:
        """The buttons that changed, and the controls as usable now (grey when not)."""
        pad = self.query_one(AthletePad)
        pad.show(pad_states(self.session, now))
        enabled = {a: self.check_action(a, ()) is True for a in ("lap", "undo", "skip", "out")}
        step = self.session.timer.current
        kind = step.kind if step is not None else ""
        enabled["lap"] &= kind == "work"  # a mark in a rest is ignored: say so
        page = pad.page_text() if pad.pages > 1 else ""
        self.query_one(PadControls).show(
            enabled, len(self.session.group.queue), self._out_pending, page, kind
        )

    def action_pad(self, on: bool) -> None:
        """tab: the athletes as buttons (a touch screen) or as the table (a keyboard)."""
        self._pad_wanted = bool(on)
        self._apply_size()
        self.refresh_display()
        self.refresh_bindings()

    def on_pad_pressed(self, message: PadPressed) -> None:
        """A tap: the same methods as the athlete's key and the screen's keys, stamped alike.

        A finger that taps End rep, Out or More twice in a moment meant it once: the second
        tap would end the rest, cancel the out, turn the page back."""
        message.stop()
        action = message.action
        if action in DOUBLE_TAP_ONCE:
            now = self.session.now()
            last = self._pad_last.get(action)
            self._pad_last[action] = now
            if last is not None and now - last < DOUBLE_TAP_S:
                return
        if action == "athlete":
            self._athlete(message.key, self._lag(message.pressed_at))
        elif action == "page":
            self.query_one(AthletePad).next_page()
            self.refresh_display()
        elif action == "out" and self._out_pending:
            self._out_pending = False
            self.refresh_display()
        elif self.check_action(action, ()) is True:
            self._key_time = message.pressed_at
            getattr(self, f"action_{action}")()

    def _visible_rows(self) -> int:
        return getattr(self, "_fits", len(self.session.runners))

    def _draw_rows(self, now: float) -> None:
        """The athletes' three columns. What a row says changes only with what the session
        did (a mark, an undo, a step's end: the group's `revision` counts each) or the size, so
        rows are worked out again only then; every other second only the running athletes'
        times are read, and only the column of times is drawn again."""
        session = self.session
        step = session.timer.current
        index = step.index if step is not None else None
        working = (
            step is not None
            and step.kind == "work"
            and session.timer.state in (State.RUNNING, State.PAUSED)
        )
        fits = self._visible_rows()
        state = (session.group.revision, index, working, self.has_class("rows-compact"), fits)
        if state != self._rows_state:
            self._rows_state = state
            self._rows = [self._row(r, index if working else None, now) for r in session.runners]
        else:
            group = session.group
            for i, row in enumerate(self._rows):
                if row[-1]:  # running: the one thing a second changes
                    running = group.running_time(session.runners[i].name, now)
                    rep = format_clock(math.floor(running)) if running is not None else ""
                    self._rows[i] = (*row[:2], rep, *row[3:])
        rows = self._rows
        shown = rows[:fits]  # the "+N more" line has its own widget below
        # Plain lines of fixed columns, not a rich Table: laid out once a second for up to 30
        # athletes, a table's measuring cost more than the rest of the screen together.
        names = self.query_one("#athletes-names", Static)
        width = names.content_region.width or self._names_width()
        name_w = max(MIN_NAME_W, width - KEY_W)
        self._column(
            names,
            (name_w, tuple((r[0], r[1]) for r in shown)),
            lambda: [
                Text.assemble((" key  ", "bold"), (fit_text("athlete", name_w), "bold")),
                *(
                    Text.assemble(" ", (f"{k:^3}", "bold reverse"), "  ", fit_text(n, name_w))
                    for k, n in ((r[0], r[1]) for r in shown)
                ),
            ],
        )
        self._column(
            self.query_one("#athletes-times", Static),
            tuple((r[2], r[7]) for r in shown),
            lambda: [
                Text(f" {'this rep':>9}", "bold"),
                *(Text(f" {r[2]:>9}", r[7]) for r in shown),
            ],
        )
        self._column(
            self.query_one("#athletes-rest", Static),
            tuple(r[3:7] for r in shown),
            lambda: [
                Text(f" {'last':>8} {'target':>8} {'Δ':>6}  trend", "bold"),
                *(
                    Text.assemble(
                        f" {last:>8} {target:>8} ",
                        (f"{delta:>6}", _delta_color(delta)),
                        f"  {trend}",
                    )
                    for last, target, delta, trend in (r[3:7] for r in shown)
                ),
            ],
        )
        more = ""
        if len(shown) < len(rows):
            rest = rows[len(shown) :]
            more = f"+{len(rest)} more (keys still work): {' '.join(r[0] for r in rest)}"
            # a key of a hidden athlete is seen to be taken: who is in, and in what time
            done = [f"{r[1]} {r[2]}" for r in rest if r[2] and not r[-1] and r[2] != "out"]
            if done:
                more += f" · in: {', '.join(done)}"
        self._set("overflow", more)

    def _names_width(self) -> int:
        """The names column's width before the first layout has measured it."""
        width = self.app.size.width - 2 - TIMES_W
        return width if self.has_class("rows-narrow") else width - REST_W

    def _column(self, widget: Static, key: tuple, lines) -> None:
        """Draw one column again only when what it shows changed. Its height is the screen's
        to give (1fr), never its text's: a repaint is enough, where a layout pass of the whole
        screen every second doubled the CPU this screen used."""
        if self._columns.get(widget.id) == key:
            return
        self._columns[widget.id] = key
        widget.update(Text("\n").join(lines()), layout=False)

    def _row(self, runner: Runner, index: int | None, now: float) -> tuple:
        session = self.session
        group = session.group
        finished = session.finished_times(runner)
        times = [t for _, t in finished if t is not None]
        last_index, last_time = finished[-1] if finished else (None, None)
        rep, style, live = "", "", False
        target_index = (
            index
            if index is not None
            else session.timer.next_step and (session.timer.next_step.index)
        )
        if group.is_out(runner.name):
            rep, style = "out", "dim"
        elif index is not None:
            state = group.rep(runner.name, index)
            if state.status is RepStatus.FINISHED:
                rep, style = split_text(state.time_s), "bold green"
            elif state.status is RepStatus.TIMED and state.splits:
                rep, style = split_text(state.time_s), "bold"
            else:
                running = session.group.running_time(runner.name, now)
                rep = format_clock(math.floor(running)) if running is not None else ""
                live = running is not None
        last = split_text(last_time) if last_time is not None else ("DNF" if finished else "")
        shown_index = last_index if index is None and last_index is not None else index
        if index is not None and group.rep(runner.name, index).status is RepStatus.FINISHED:
            shown_index = index
            last = split_text(group.rep(runner.name, index).time_s)
        target = session.target(runner, shown_index) if shown_index is not None else None
        if target is None and isinstance(target_index, int):
            target = session.target(runner, target_index)
        mine = group.rep(runner.name, shown_index) if shown_index is not None else None
        done = mine.time_s if mine is not None and mine.status is not RepStatus.RUNNING else None
        change = session.delta(runner, shown_index, done) if shown_index is not None else None
        delta = delta_text(change) if change is not None and target else ""
        return (
            runner.key,
            runner.name,
            rep,
            last,
            split_text(target) if target else "",
            delta,
            trend_text(times),
            style,
            live,  # the time runs on: read again every second
        )

    # --- keys --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        timer = self.session.timer
        if action == "undo":
            return self.session.group.can_undo and not timer.done
        if action == "out":
            return not timer.done
        if action == "back":
            return False  # a rep with marks is not restarted; undo takes a mark back
        if action == "pad":
            return bool(parameters[0]) != self._pad_on and pad_fits(self.app.size)
        return super().check_action(action, parameters)

    def action_lap(self) -> None:
        lag = self._lag(getattr(self, "_key_time", None))
        self._after(self.session.mark(lag))

    def _after(self, events) -> None:
        super()._after(events)
        if self.is_attached and not self._ended:
            # undo comes and goes with the marks: the footer asked again only when it did
            # (asking each second, with a rep's every tick, cost a tenth of this screen's CPU)
            can_undo = self.check_action("undo", ())
            if can_undo != self._could_undo:
                self._could_undo = can_undo
                self.refresh_bindings()

    def action_undo(self) -> None:
        self._after(self.session.undo())

    MARKS_STATUS = "Marks are spoken (V: stop)"
    MARKS_NO_VOICE = "Marks are spoken when the voice is on (v)"

    def on_mount(self) -> None:
        # Textual runs RunScreen.on_mount after this one (handlers walk the classes)
        self._marks_status()

    def action_toggle_speak_marks(self) -> None:
        """Say each mark ("Ana 71") or stop, for this session and the next while the app runs."""
        on = not self.session.marks.on
        self.session.set_speak_marks(on)
        if hasattr(self.app, "speak_marks"):
            self.app.speak_marks = on
        self.notify("Marks spoken" if on else "Marks not spoken", timeout=2)
        self._marks_status()
        self._schedule()

    def action_toggle_voice(self) -> None:
        super().action_toggle_voice()
        self._marks_status()

    def _marks_status(self) -> None:
        session = self.session
        text = ""
        if session.marks.on:
            text = self.MARKS_STATUS if session.voice_on else self.MARKS_NO_VOICE
        self.set_status(text, "marks")

    def action_out(self) -> None:
        self._out_pending = True
        self.refresh_display()

    def _lag(self, when: float | None) -> float:
        return key_lag(when) if when is not None else 0.0

    async def _on_key(self, event: events.Key) -> None:
        self._key_time = event.time  # the mark action reads it: the key's own moment
        char = event.character or ""
        if char in self.session.by_key and len(char) == 1:
            event.stop()
            event.prevent_default()
            self._athlete(char, self._lag(event.time))
            return
        if self._out_pending and event.key == "escape":
            event.stop()
            event.prevent_default()
            self._out_pending = False
            self.refresh_display()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """A click on an athlete's row of the table (a tap, through a browser) marks them as
        their key does; the buttons of the touch layout stop their own presses."""
        if self._pad_on:
            return
        offset = event.get_content_offset(self.query_one("#athletes"))
        if offset is None:
            return
        row = offset.y - 1  # the header line
        if 0 <= row < min(self._visible_rows(), len(self.session.runners)):
            self._athlete(self.session.runners[row].key, self._lag(event.time))

    def _athlete(self, key: str, lag: float) -> None:
        """An athlete's key or button: their finish (or split), or out after `x`."""
        if self._out_pending:
            self._out_pending = False
            self._after(self.session.out(key))
        else:
            self._after(self.session.athlete_key(key, lag))

    def _finish(self) -> None:
        if self._ended:
            return
        self._ended = True
        self._cancel_wake()
        self.app.switch_screen(GroupSummaryScreen(self.session))


def _delta_color(delta: str) -> str:
    return "green" if delta.startswith("-") else "red" if delta.startswith("+") else ""


def group_median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
