"""After a coach-mode session: the athletes x reps table a coach reads (and copies) at the track.

Each cell is the rep's time and its delta to that athlete's target; each athlete's row ends with
average, best, worst and fade (last rep minus first); the last row is the group's median per rep.
The numbers come from `group_table`, which is plain data so the history export can write the
same table.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import Static

from speedtimer.core.group import RepStatus
from speedtimer.core.preset import format_clock
from speedtimer.group_session import GroupShell
from speedtimer.tui.widgets.footer import QuietFooter


def delta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    sign = "+" if seconds >= 0.05 else "-" if seconds <= -0.05 else "±"
    return f"{sign}{abs(seconds):.1f}"


def split_text(seconds: float | None) -> str:
    return "" if seconds is None else format_clock(seconds, tenths=True)


@dataclass(frozen=True)
class AthleteRow:
    name: str
    cells: tuple[tuple[float | None, float | None, str], ...]  # (time, delta, status) per rep
    average: float | None
    best: float | None
    worst: float | None
    fade: float | None
    average_delta: float | None = None  # mean of the deltas to the athlete's targets


@dataclass(frozen=True)
class GroupTable:
    reps: tuple[int, ...]  # scheduled step index of each work rep that began
    rows: tuple[AthleteRow, ...]
    medians: tuple[float | None, ...]


def group_table(session: GroupShell) -> GroupTable:
    group = session.group
    reps = tuple(i for i in group.work_indexes() if group.started(i))
    rows = []
    for runner in session.runners:
        cells = []
        for i in reps:
            rep = group.rep(runner.name, i)
            time = rep.time_s
            delta = session.delta(runner, i, time)
            cells.append((time, delta, rep.status.value))
        times = [c[0] for c in cells if c[0] is not None]
        rows.append(
            AthleteRow(
                runner.name,
                tuple(cells),
                statistics.fmean(times) if times else None,
                min(times) if times else None,
                max(times) if times else None,
                times[-1] - times[0] if len(times) > 1 else None,
                statistics.fmean(deltas)
                if (deltas := [c[1] for c in cells if c[1] is not None])
                else None,
            )
        )
    medians = []
    for n in range(len(reps)):
        col = [r.cells[n][0] for r in rows if r.cells[n][0] is not None]
        medians.append(statistics.median(col) if col else None)
    return GroupTable(reps, tuple(rows), tuple(medians))


MAX_NOTE = 500
BURST_S = 0.5  # keys this soon after the summary appears belong to the run screen's burst


def parse_feedback(text: str) -> tuple[tuple[int | None, str] | None, str]:
    """ "7 strong last rep" -> (7, "strong last rep"); a note alone, or an RPE alone, too."""
    first, _, rest = text.strip().partition(" ")
    rpe = None
    note = text.strip()
    if first.isdigit():
        rpe = int(first)
        if not 1 <= rpe <= 10:
            return None, f"RPE is 1 (very easy) to 10 (maximal), not {first}"
        note = rest.strip()
    if len(note) > MAX_NOTE:
        return None, f"the note is longer than {MAX_NOTE} characters"
    if any(ord(c) < 32 for c in note):
        return None, "the note holds control characters"
    return (rpe, note), ""


def feedback_text(rpe: int | None, note: str) -> str:
    return " ".join(x for x in (str(rpe) if rpe is not None else "", note) if x)


def _delta_cell(delta: float | None) -> Text:
    if delta is None:
        return Text("")
    return Text(delta_text(delta), style="green" if delta < 0.05 else "red")


STATUS_SHORT = {RepStatus.DNF.value: "DNF", RepStatus.OUT.value: "out", "running": "–"}


class GroupSummaryScreen(Screen):
    BINDINGS = [
        Binding("escape", "close", "Done", id="group_done"),
        Binding("f", "feedback", "RPE & notes", id="group_feedback"),
    ]

    DEFAULT_CSS = """
    GroupSummaryScreen #group-summary { padding: 1 1 0 2; height: 1fr; overflow: auto auto; }
    GroupSummaryScreen #group-title { text-style: bold; height: auto; }
    GroupSummaryScreen #group-table { height: auto; width: auto; margin-top: 1; }
    """

    def __init__(self, session: GroupShell) -> None:
        super().__init__()
        self.session = session
        self.table = group_table(session)
        self.feedback: dict[str, tuple[int | None, str]] = {}  # athlete -> (RPE, note)
        self.shown_at = session.now()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The coach's keys of the last finish arrive in a burst: what follows it by a moment
        # (an athlete's key, enter for a bunch, f) must not close or open anything here.
        if self.session.now() - self.shown_at < BURST_S:
            return None  # shown, not yet taken
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        self._guard = self.set_interval(0.1, self._guard_over)

    def _guard_over(self) -> None:
        if self.session.now() - self.shown_at >= BURST_S:
            self._guard.stop()
            self.refresh_bindings()

    def compose(self) -> ComposeResult:
        s = self.session
        status = {"completed": "Session complete", "interrupted": "Session interrupted"}.get(
            s.status or "", "Session ended early"
        )
        who = len(s.runners)
        with ScrollableContainer(id="group-summary"):
            yield Static(
                f"{status} · {s.preset.name} · {who} athlete{'s' if who != 1 else ''}",
                markup=False,
                id="group-title",
            )
            yield Static(self._render_table(), id="group-table")
            yield Static("", markup=False, id="group-feedback")
        yield QuietFooter()

    def _render_table(self) -> Table:
        t = self.table
        width = self.app.size.width - 6
        name_w = min(16, max([7, *(len(r.name) for r in t.rows)]))
        # each rep's delta beside its split when the table fits that way, else only the
        # average delta (each column: its width, one space of padding, one of separator)
        wide = name_w + 2 + len(t.reps) * 14 + 5 * 8 <= width
        table = Table(
            box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), header_style="bold", show_edge=False
        )
        table.add_column("athlete", no_wrap=True, overflow="ellipsis", width=name_w)
        for n, _ in enumerate(t.reps, 1):
            table.add_column(f"#{n}", justify="right", width=12 if wide else 6, no_wrap=True)
        for name in ("avg", "Δ avg", "best", "worst", "fade"):
            table.add_column(name, justify="right", no_wrap=True, width=6)
        for row in t.rows:
            cells = []
            for time, delta, status in row.cells:
                if time is None:
                    cells.append(Text(STATUS_SHORT.get(status, ""), style="dim"))
                    continue
                cell = Text(split_text(time))
                if delta is not None and wide:
                    cell.append(f" {delta_text(delta)}", style="green" if delta < 0.05 else "red")
                cells.append(cell)
            table.add_row(
                Text(row.name),
                *cells,
                Text(split_text(row.average)),
                _delta_cell(row.average_delta),
                Text(split_text(row.best)),
                Text(split_text(row.worst)),
                Text(delta_text(row.fade)),
            )
        table.add_section()
        table.add_row(
            Text("median", style="italic"),
            *[Text(split_text(m), style="italic") for m in t.medians],
        )
        return table

    def action_feedback(self, start: int = 0) -> None:
        """Each athlete's RPE and note in turn, saved with their session: enter with nothing
        skips one athlete, escape stops asking."""
        from speedtimer.tui.modals.text_prompt import TextPrompt

        runners = self.session.runners
        if start >= len(runners):
            return
        runner = runners[start]

        def answered(value) -> None:
            if value is None:
                return  # escape: no more questions
            if value:
                rpe, note = value
                self.feedback[runner.name] = (rpe, note)
                self.session.save_athlete_feedback(runner.name, rpe, note)
                self._show_feedback()
            self.action_feedback(start + 1)

        before = self.feedback.get(runner.name)
        self.app.push_screen(
            TextPrompt(
                f"{runner.name} ({start + 1} of {len(runners)}): RPE 1-10 and a note",
                parse_feedback,
                value=feedback_text(*before) if before else "",
                placeholder="7 strong last rep",
                hint="enter with nothing: skip this athlete · escape: stop asking",
                allow_empty=True,
            ),
            answered,
        )

    def _show_feedback(self) -> None:
        lines = [f"{name}: {feedback_text(*fb)}" for name, fb in self.feedback.items()]
        self.query_one("#group-feedback", Static).update("\n".join(lines))

    def action_close(self) -> None:
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.session.close()


__all__ = ["GroupSummaryScreen", "GroupTable", "format_clock", "group_table"]
