"""The trends panel: weekly bar charts drawn in the terminal, the streak, a preset's splits.

Bars start from zero (a sparkline scaled from the smallest week would show a 30-minute week
as nothing), the value sits above each bar and the week dates below, so the chart reads from
two metres without a legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from speedtimer.core.preset import finite_seconds, format_clock, format_pace
from speedtimer.history.rows import SplitStats, TargetDelta, WeekTrend
from speedtimer.history.store import PaceHeart

BLOCKS = "▁▂▃▄▅▆▇█"
CHART_LIMIT = 1e9  # more minutes (or sessions) in a week than any real one


def short_date(day: date) -> str:
    return f"{day.day} {day.strftime('%b')}"


def chart_value(value: object) -> float:
    """A value a chart can draw: not negative, not NaN, not beyond CHART_LIMIT (a history
    damaged or imported before its numbers were bounded may hold anything)."""
    number = finite_seconds(value)
    return 0.0 if number is None or number < 0 else min(number, CHART_LIMIT)


def number(value: float) -> str:
    """Whole numbers without a decimal point; small fractions with one."""
    value = chart_value(value)
    if abs(value - round(value)) < 0.05:
        return str(round(value))
    return f"{value:.1f}"


class WeekBars(Widget):
    """A bar per week: its value on top (whole numbers), a bar from zero, the week's Monday
    below."""

    COMPONENT_CLASSES = {"weekbars--bar", "weekbars--current", "weekbars--axis"}
    DEFAULT_CSS = """
    WeekBars { height: 6; }
    WeekBars > .weekbars--bar { color: $primary; }
    WeekBars > .weekbars--current { color: $accent; text-style: bold; }
    WeekBars > .weekbars--axis { color: $text-muted; }
    """

    values: reactive[tuple[float, ...]] = reactive(tuple)
    weeks: reactive[tuple[date, ...]] = reactive(tuple)

    def set_data(self, weeks: Sequence[date], values: Sequence[float]) -> None:
        self.weeks = tuple(weeks)
        self.values = tuple(chart_value(v) for v in values)

    def render(self) -> Text:
        values = self.values
        width, height = self.size.width, self.size.height
        n = len(values)
        if not n or width < n or height < 3:
            return Text("")
        col = width // n
        bar_w = max(1, col - 1) if col > 1 else 1
        bar_rows = height - 2  # one line for the values, one for the dates
        levels = bar_rows * len(BLOCKS)
        peak = max(values) or 1.0
        bar_style = self.get_component_rich_style("weekbars--bar")
        current_style = self.get_component_rich_style("weekbars--current")
        axis_style = self.get_component_rich_style("weekbars--axis")
        units = [0 if v <= 0 else max(1, round(v / peak * levels)) for v in values]

        text = Text(no_wrap=True, overflow="crop")
        # the values, centred over their bars when they fit
        for i, v in enumerate(values):
            label = str(round(v)) if v > 0 else ""
            cell = label.center(bar_w) if len(label) <= bar_w else ""
            text.append(cell.ljust(col), current_style if i == n - 1 else axis_style)
        text.append("\n")
        for row in reversed(range(bar_rows)):
            for i, u in enumerate(units):
                fill = u - row * len(BLOCKS)
                if fill <= 0:
                    ch = " "
                elif fill >= len(BLOCKS):
                    ch = BLOCKS[-1]
                else:
                    ch = BLOCKS[fill - 1]
                text.append(ch * bar_w, current_style if i == n - 1 else bar_style)
                text.append(" " * (col - bar_w))
            text.append("\n")
        text.append(self._axis(col, n, width), axis_style)
        return text

    def _axis(self, col: int, n: int, width: int) -> str:
        """First week's date on the left, "this wk" under the last bar, the middle if it fits."""
        line = [" "] * width
        if not self.weeks:
            return ""

        def put(at: int, label: str) -> bool:
            at = max(0, min(at, width - len(label)))
            if any(c != " " for c in line[max(0, at - 1) : at + len(label) + 1]):
                return False
            line[at : at + len(label)] = label
            return True

        put((n - 1) * col + col - 1 - len("this wk"), "this wk")
        put(0, short_date(self.weeks[0]))
        mid = n // 2
        if 0 < mid < n - 1:
            put(mid * col, short_date(self.weeks[mid]))
        return "".join(line).rstrip()


class TrendsPanel(Vertical):
    """Work minutes and sessions per week, the streak, and one preset's average splits."""

    def compose(self) -> ComposeResult:
        yield Static("Trends: loading…", markup=False, id="trends-title")
        with Horizontal(id="trends-charts"):
            with Vertical(classes="trends-chart"):
                yield Static("Work minutes per week", markup=False, classes="trends-chart-title")
                yield WeekBars(id="trends-minutes")
                yield Static("", markup=False, id="trends-minutes-stats", classes="trends-stats")
            with Vertical(classes="trends-chart"):
                yield Static("Sessions per week", markup=False, classes="trends-chart-title")
                yield WeekBars(id="trends-sessions")
                yield Static("", markup=False, id="trends-sessions-stats", classes="trends-stats")
        yield Static("", markup=False, id="trends-split")
        yield Static("", markup=False, id="trends-heart")
        yield Static("", markup=False, id="trends-targets")

    def show_trends(self, trends: Sequence[WeekTrend], streak: int, whose: str = "") -> None:
        """`whose`: an athlete's name for coach mode's trends, "" for the runner's own."""
        weeks = [t.week_start for t in trends]
        minutes = [chart_value(t.work_minutes) for t in trends]
        sessions = [chart_value(t.sessions) for t in trends]
        self.query_one("#trends-minutes", WeekBars).set_data(weeks, minutes)
        self.query_one("#trends-sessions", WeekBars).set_data(weeks, sessions)
        n = len(trends)
        if streak == 0:
            streak_text = "no speed work streak yet this week or last"
        else:
            streak_text = f"streak {streak} week{'s' if streak != 1 else ''} in a row"
        self.query_one("#trends-title", Static).update(
            Text.assemble(
                ("Trends", "bold"),
                (f" · {whose}" if whose else "", "bold"),
                f" · last {n} weeks · ",
                (streak_text, "bold"),
            )
        )
        if n:
            self.query_one("#trends-minutes-stats", Static).update(
                f"this week {round(minutes[-1])} min · average {round(sum(minutes) / n)}"
                f" · best {round(max(minutes))}"
            )
            self.query_one("#trends-sessions-stats", Static).update(
                f"this week {number(sessions[-1])} · average {number(sum(sessions) / n)}"
                f" · best {number(max(sessions))}"
            )

    def show_targets(self, deltas: Sequence[TargetDelta]) -> None:
        self.query_one("#trends-targets", Static).update(targets_text(deltas))

    def show_split(self, preset: str | None, stats: SplitStats | None) -> None:
        label = self.query_one("#trends-split", Static)
        if not preset:
            label.update("Highlight a session to see its preset's average splits.")
            return
        if stats is None:
            label.update(Text.assemble((preset, "bold"), ": average split loading…"))
            return
        if stats.best_avg_split is None:
            label.update(Text.assemble((preset, "bold"), ": no lap-timed reps recorded"))
            return
        best = format_clock(stats.best_avg_split, tenths=True)
        parts: list = [(preset, "bold"), ": best average split ", (best, "bold")]
        if stats.latest_avg_split is not None:
            latest = format_clock(stats.latest_avg_split, tenths=True)
            diff = stats.latest_avg_split - stats.best_avg_split
            parts += [" · latest ", (latest, "bold")]
            if diff >= 0.05:
                parts.append(f" (+{format_clock(diff, tenths=True)} off best)")
            else:
                parts.append(" (the best)")
        label.update(Text.assemble(*parts))

    def show_pace_heart(self, preset: str | None, weeks: Sequence[PaceHeart]) -> None:
        """The preset's work pace against heart rate, week by week (watch files attached)."""
        label = self.query_one("#trends-heart", Static)
        if not preset or not weeks:
            label.update("")
            label.display = False
            return
        label.display = True
        shown = [
            f"{short_date(w.week_start)} {format_pace(w.pace_s_per_km)} at {round(w.avg_bpm)}"
            for w in weeks[-4:]
        ]
        parts: list = [("Pace vs heart rate", "bold"), ": ", " · ".join(shown)]
        if len(weeks) >= 2:
            first, last = beats_per_km(weeks[0]), beats_per_km(weeks[-1])
            verdict = "fitter" if last < first else "no fitter yet"
            parts.append(f" · heartbeats per km {first} → {last} ({verdict})")
        label.update(Text.assemble(*parts))


def beats_per_km(week: PaceHeart) -> int:
    """Heartbeats a kilometre of the reps took: the same pace at a lower heart rate is fewer."""
    return round(week.avg_bpm * week.pace_s_per_km / 60)


SHOWN_SESSIONS = 8
OUT_OF_DATE_S = 2.0  # a rep this far off its target, session after session, says so
OUT_OF_DATE_RUN = 3


def _signed(seconds: float) -> str:
    value = finite_seconds(seconds)
    if value is None or abs(value) > CHART_LIMIT:
        return "--"
    return f"{'+' if value >= 0 else '-'}{abs(value):.1f}"


def targets_text(deltas: Sequence[TargetDelta]) -> Text:
    """Reps against their targets, a figure per session (oldest first), and what a run of
    sessions far off their targets suggests: a race result that is out of date."""
    if not deltas:
        return Text("Reps vs target: no lap-timed reps with a target in these weeks", "dim")
    shown = deltas[-SHOWN_SESSIONS:]
    text = Text.assemble(("Reps vs target", "bold"), " per session, s: ")
    for i, d in enumerate(shown):
        if i:
            text.append(" · ")
        text.append(
            f"{short_date(d.day)} {_signed(d.avg_delta_s)}", "bold" if i == len(shown) - 1 else ""
        )
    if len(deltas) > len(shown):
        text.append(f" (last {len(shown)} of {len(deltas)})", "dim")
    recent = [d for d in deltas[-OUT_OF_DATE_RUN:] if d.race]
    if len(recent) == OUT_OF_DATE_RUN:
        if all(d.avg_delta_s <= -OUT_OF_DATE_S for d in recent):
            text.append(
                f"\nFaster than your race's targets {OUT_OF_DATE_RUN} sessions in a row: "
                "a newer race result would set harder ones (ctrl+t in the menu).",
                "bold",
            )
        elif all(d.avg_delta_s >= OUT_OF_DATE_S for d in recent):
            text.append(
                f"\nSlower than your race's targets {OUT_OF_DATE_RUN} sessions in a row: is "
                "your race result still current? (ctrl+t in the menu)",
                "bold",
            )
    return text
