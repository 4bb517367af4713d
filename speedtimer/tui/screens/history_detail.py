"""One past session in full: every step planned vs actual, the lap splits, fade and pauses,
and the heart rate a watch recorded, once attached.

The runner can change the RPE and note here (`e`), delete the session (`d`, asks first),
export it as a FIT or TCX activity for a training log (`x`) or attach a watch's FIT file for
its heart rate (`h`). The screen hands back what changed, so the list behind it updates
without a reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from speedtimer.core.preset import NO_TIME, finite_seconds, format_clock, format_pace
from speedtimer.core.schedule import KIND_NAMES
from speedtimer.core.statuses import status_word
from speedtimer.history.errors import StoreError
from speedtimer.history.rows import SessionDetail, SessionSummary, StepRow
from speedtimer.history.store import AttachedHeartRate, HistoryStore
from speedtimer.tui.modals.ask_path import AskPathScreen
from speedtimer.tui.modals.choice import Choice, ChoiceScreen
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.modals.history_edit import EditFeedbackScreen
from speedtimer.tui.textual_patches.watchers import forget_closed_watchers
from speedtimer.tui.widgets.footer import QuietFooter

ENDED_WORDS = {  # for "time": "on time", or "shortened"/"lengthened" after +/- (ended_text)
    "time": "on time",
    "lap": "lap",
    "skipped": "skipped",
    "back": "went back",
    "aborted": "ended",
}


# --- words for one session (pure functions, shared with the list) --------------------------


def session_date(s: SessionSummary) -> str:
    """The start in the runner's own local time then: Wed 2025-03-05 08:30."""
    return s.local_started_at.strftime("%a %Y-%m-%d %H:%M")


def status_text(status: str) -> str:
    return status_word(status)


def signed(seconds: float) -> str:
    if finite_seconds(seconds) is None:
        return NO_TIME
    if abs(seconds) < 0.05:
        return "±0.0"
    return ("+" if seconds > 0 else "-") + format_clock(abs(seconds), tenths=True)


def step_name(step: StepRow) -> str:
    name = step.label or KIND_NAMES.get(step.kind, step.kind)
    if step.rep is not None:
        name += f" · rep {step.rep}/{step.rep_count}" if step.rep_count else f" · rep {step.rep}"
    if step.set_no is not None:
        name += f" · set {step.set_no}/{step.set_count}" if step.set_count else ""
    return name


def ended_text(step: StepRow) -> str:
    """How the step ended; a step whose time ran out after +/- did not end "on time"."""
    if step.ended_how == "time" and abs(step.adjusted_s) >= 0.05:
        return "shortened" if step.adjusted_s < 0 else "lengthened"
    return ENDED_WORDS.get(step.ended_how, step.ended_how)


def adjusted_text(step: StepRow) -> str:
    return signed(step.adjusted_s) if abs(step.adjusted_s) >= 0.05 else ""


def planned_text(step: StepRow) -> str:
    if step.planned_s is not None:
        return format_clock(step.planned_s)
    if step.target_s:
        return f"lap ({target_time_text(step)})"
    return "lap"


def target_time_text(step: StepRow) -> str:
    """ "1:30", or "1:17–1:19" for a range (as the run screen said it)."""
    lo, hi = step.target_lo_s, step.target_hi_s
    if lo is not None and hi is not None and round(lo) != round(hi):
        return f"{format_clock(lo)}–{format_clock(hi)}"
    return format_clock(step.target_s) if step.target_s else ""


def step_delta(step: StepRow) -> float | None:
    """Actual minus plan: the planned time, or the target for a lap-ended step."""
    if step.planned_s is not None:
        return step.actual_s - step.planned_s
    return step.delta_s()  # 0 inside a target range


def step_pace(step: StepRow) -> float | None:
    if step.pace_s_per_km:
        return step.pace_s_per_km
    if step.split_s and step.distance_m:
        return step.split_s / step.distance_m * 1000
    return None


def split_rows(steps: tuple[StepRow, ...]) -> list[tuple[str, float, str, str, str]]:
    """(name, split, pace, target, delta) for each lap: lap-ended steps and laps inside steps."""
    rows = []
    for s in steps:
        for n, lap in enumerate(s.laps, start=1):
            rows.append((f"{step_name(s)} · lap {n}", lap, "", "", ""))
        if s.split_s is None:
            continue
        pace = step_pace(s)
        rows.append(
            (
                step_name(s),
                s.split_s,
                format_pace(pace) if pace else "",
                target_time_text(s),
                signed(d) if (d := s.delta_s()) is not None else "",
            )
        )
    return rows


def fade_text(steps: tuple[StepRow, ...]) -> str:
    """First lap-timed rep against the last: how much slower (or faster) the end was."""
    reps = [s for s in steps if s.kind == "work" and s.split_s is not None]
    if len(reps) < 2:
        return "Fade: needs two or more lap-timed reps"
    first, last = reps[0], reps[-1]
    same_distance = first.distance_m == last.distance_m
    first_pace, last_pace = step_pace(first), step_pace(last)
    if not same_distance and first_pace and last_pace:
        a, b, show = first_pace, last_pace, format_pace
        unit = "/km"
    else:
        a, b = first.split_s or 0.0, last.split_s or 0.0

        def show(x: float) -> str:
            return format_clock(x, tenths=True)

        unit = ""
    diff = b - a
    pct = diff / a * 100 if a else 0.0
    verdict = "even" if abs(diff) < 0.05 else ("slower" if diff > 0 else "faster")
    return (
        f"Fade: first rep {show(a)} → last rep {show(b)}: "
        f"{signed(diff)}{unit} ({pct:+.1f}%) {verdict}"
    )


def pauses_text(session: SessionSummary, steps: tuple[StepRow, ...]) -> str:
    paused = [s for s in steps if s.paused_s > 0]
    total = max(session.paused_s, sum(s.paused_s for s in paused))
    if total <= 0:
        return "Pauses: none"
    word = "pause" if len(paused) == 1 else "pauses"
    text = f"Pauses: {format_clock(total)} in all"
    if paused:
        shown = " · ".join(f"{step_name(s)} {format_clock(s.paused_s)}" for s in paused[:4])
        more = f" · +{len(paused) - 4} more" if len(paused) > 4 else ""
        text += f" ({len(paused)} {word}: {shown}{more})"
    return text


def planned_label(s: SessionSummary, steps: tuple[StepRow, ...] = ()) -> str:
    """The session's plan as the summary said it (core/totals.py: `~` when lap steps were
    counted at their target pace, `+ 6 x 200 m` for those left out), not a bare time that
    reads as exact and complete.

    It comes from the preset as it was run (kept with the session) or, for a session that ran
    every step, from its steps; either only when it adds up to the stored plan. Otherwise (a
    quick session ended early, an imported file) the stored time is all there is."""
    from speedtimer.core.totals import session_totals

    plain = format_clock(s.planned_s)
    planned = finite_seconds(s.planned_s)
    if planned is None:
        return plain
    candidates = []
    toml_text = getattr(s, "preset_toml", "")
    if toml_text:
        from speedtimer.core.schedule import build_schedule
        from speedtimer.formats.preset_toml import parse_preset

        # a file imported from elsewhere may hold anything: then the stored time stands
        # (PresetError is a ValueError)
        with contextlib.suppress(ValueError, TypeError, ArithmeticError, RecursionError):
            preset = parse_preset(toml_text)
            vdot = finite_seconds(getattr(s, "vdot", None))  # "5k pace" as it was run
            if vdot is not None:
                from speedtimer.core.targets import resolve_targets

                preset = resolve_targets(preset, vdot)
            candidates.append(build_schedule(preset).totals)
    if s.status == "completed" and steps:
        candidates.append(session_totals(steps))
    for totals in candidates:
        seconds = finite_seconds(totals.seconds)
        if seconds is not None and abs(seconds - planned) < 0.5:
            return totals.label
    return plain


def totals_text(s: SessionSummary, steps: tuple[StepRow, ...] = ()) -> str:
    rpe = str(s.rpe) if s.rpe is not None else "-"
    adjusted = sum(st.adjusted_s for st in steps)
    plan = f"Planned {planned_label(s, steps)}"
    if abs(adjusted) >= 0.05:
        plan += f" ({signed(adjusted)} with +/-)"
    return (
        f"{plan} · Active {format_clock(s.active_s)}"
        f" · Work {format_clock(s.work_s)} · Paused {format_clock(s.paused_s)}"
        f" · Reps {s.reps_done}/{s.reps_planned} · RPE {rpe}"
    )


def heart_rate_text(hr: AttachedHeartRate | None) -> str:
    if hr is None:
        return "Heart rate: none (h: attach the FIT file your watch recorded)"
    bpm = [b for _, b in hr.samples]
    text = f"Heart rate: from {hr.source}"
    if abs(hr.offset_s) >= 0.05:
        text += f" (watch clock {hr.offset_s:+.1f} s)"
    if bpm:
        text += f" · average {round(sum(bpm) / len(bpm))} · max {max(bpm)} bpm"
    return text


def step_heart_rate(hr: AttachedHeartRate | None, step: StepRow) -> str:
    """avg/max bpm of a step, and for a rest how far it fell: 152/171 ↓38."""
    if hr is None or step.idx not in hr.per_step:
        return ""
    h = hr.per_step[step.idx]
    text = f"{h.avg_bpm}/{h.max_bpm}"
    if h.drop_bpm is not None:
        text += f" ↓{h.drop_bpm}"
    return text


def targets_text(d: SessionDetail) -> str:
    """The race a session's targets came from, and its reps against their targets on average
    (the targets as run: stored per step, whatever the runner's race is now)."""
    deltas = [x for s in d.steps if s.kind == "work" and (x := s.delta_s()) is not None]
    deltas = [x for x in deltas if finite_seconds(x) is not None]  # an old import's inf
    parts = []
    if deltas:
        parts.append(f"Reps vs target: {signed(sum(deltas) / len(deltas))} on average")
    if d.race:
        vdot = f" (VDOT {d.vdot:.1f})" if d.vdot is not None else ""
        parts.append(f"targets from {d.race}{vdot}")
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def delete_question(s: SessionSummary) -> str:
    return f"Delete this session?\n{s.preset_name}, {session_date(s)}\nThis cannot be undone."


# --- the screen ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetailOutcome:
    """What changed while the detail was open: the list behind applies it."""

    session: SessionSummary
    deleted: bool = False
    edited: bool = False


class HistoryDetailScreen(Screen[DetailOutcome]):
    CSS_PATH = Path(__file__).with_name("history.tcss")  # read when one first opens, not at start
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="history_detail_back"),
        Binding("e", "edit", "Edit RPE/note", id="history_detail_edit"),
        Binding("d,delete", "delete", "Delete", id="history_detail_delete"),
        Binding("x", "export", "Export FIT/TCX", id="history_detail_export"),
        Binding("h", "attach", "Heart rate", id="history_detail_heart_rate"),
        Binding("g", "group", "Group", id="history_detail_group"),
    ]

    def __init__(
        self, detail: SessionDetail, store: HistoryStore, *, exports_dir: Path | None = None
    ) -> None:
        super().__init__()
        self.detail = detail
        self.store = store
        self.exports_dir = exports_dir
        self.heart: AttachedHeartRate | None = None
        self.edited = False
        self.sub_title = "Session"

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="detail"):
            yield Static("", markup=False, id="detail-title")
            yield Static("", markup=False, id="detail-totals")
            yield Static("", markup=False, id="detail-note")
            yield Static("", markup=False, id="detail-fade")
            yield Static("", markup=False, id="detail-pauses")
            yield Static("", markup=False, id="detail-hr")
            yield Static("Steps: planned vs actual", markup=False, classes="detail-heading")
            yield DataTable(id="detail-steps", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Lap splits", markup=False, id="detail-splits-heading", classes="detail-heading"
            )
            yield DataTable(id="detail-splits", cursor_type="row", zebra_stripes=True)
        yield QuietFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "group":
            return bool(self.detail.group_id)  # coach mode's sessions only
        return True

    def action_group(self) -> None:
        self._open_group()

    @work(group="history-detail-read")
    async def _open_group(self) -> None:
        """The group run this athlete's session belongs to, as athletes x reps."""
        from speedtimer.history.group_table import group_table
        from speedtimer.tui.modals.group_table import GroupTableScreen

        group_id = self.detail.group_id
        if not group_id:
            return
        try:
            sessions = await asyncio.to_thread(self.store.group_sessions, group_id)
        except StoreError as exc:
            self.notify(str(exc), title="Group", severity="error", timeout=10)
            return
        if not sessions:
            return
        d = self.detail
        title = f"{d.preset_name} · {session_date(d)} · {d.squad or 'group'}: {len(sessions)}"
        self.app.push_screen(GroupTableScreen(title + " athletes", group_table(sessions)))

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#detail-steps", DataTable).focus()
        self._load_heart_rate()

    @work(group="history-detail-read")
    async def _load_heart_rate(self) -> None:
        try:
            heart = await asyncio.to_thread(self.store.heart_rate, self.detail.id)
        except StoreError as exc:
            self.notify(str(exc), title="Heart rate", severity="error", timeout=10)
            return
        if heart is not None:
            self.heart = heart
            self._fill()

    def on_unmount(self) -> None:
        forget_closed_watchers(self.app)  # this screen's header watched the app's title

    def _fill(self) -> None:
        d = self.detail
        title = Text.assemble(
            (d.display_name, "bold"), f" · {session_date(d)} · ", (status_text(d.status), "bold")
        )
        self.query_one("#detail-title", Static).update(title)
        targets = targets_text(d)
        totals = totals_text(d, d.steps) + (f"\n{targets}" if targets else "")
        self.query_one("#detail-totals", Static).update(totals)
        note = Text.assemble(("Note: ", "bold"), d.note or "(none: press e to add one)")
        self.query_one("#detail-note", Static).update(note)
        self.query_one("#detail-fade", Static).update(fade_text(d.steps))
        self.query_one("#detail-pauses", Static).update(pauses_text(d, d.steps))
        self.query_one("#detail-hr", Static).update(heart_rate_text(self.heart))

        steps = self.query_one("#detail-steps", DataTable)
        steps.clear(columns=True)
        steps.add_column("#", key="n")
        steps.add_column("Step", key="step")
        steps.add_column(Text("Planned", justify="right"), key="planned")
        steps.add_column(Text("+/-", justify="right"), key="adjusted")
        steps.add_column(Text("Actual", justify="right"), key="actual")
        steps.add_column(Text("Δ", justify="right"), key="delta")
        steps.add_column("Ended", key="ended")
        steps.add_column(Text("Paused", justify="right"), key="paused")
        if self.heart is not None:
            steps.add_column(Text("HR", justify="right"), key="hr")
        for s in d.steps:
            delta = step_delta(s)
            steps.add_row(
                Text(str(s.idx + 1), justify="right"),
                Text(step_name(s)),
                Text(planned_text(s), justify="right"),
                Text(adjusted_text(s), justify="right"),
                Text(format_clock(s.actual_s, tenths=True), justify="right"),
                Text(signed(delta) if delta is not None else "", justify="right"),
                Text(ended_text(s)),
                Text(format_clock(s.paused_s) if s.paused_s > 0 else "", justify="right"),
                *(
                    [Text(step_heart_rate(self.heart, s), justify="right")]
                    if self.heart is not None
                    else []
                ),
            )
        if not d.steps:
            steps.display = False

        splits = self.query_one("#detail-splits", DataTable)
        splits.clear(columns=True)
        rows = split_rows(d.steps)
        splits.add_column("Rep", key="rep")
        splits.add_column(Text("Split", justify="right"), key="split")
        splits.add_column(Text("Pace", justify="right"), key="pace")
        splits.add_column(Text("Target", justify="right"), key="target")
        splits.add_column(Text("Δ target", justify="right"), key="delta")
        for name, split, pace, target, delta in rows:
            splits.add_row(
                Text(name),
                Text(format_clock(split, tenths=True), justify="right"),
                Text(pace, justify="right"),
                Text(target, justify="right"),
                Text(delta, justify="right"),
            )
        heading = self.query_one("#detail-splits-heading", Static)
        splits.display = bool(rows)
        heading.update("Lap splits" if rows else "Lap splits: none (timed reps)")

    # --- keys ------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(DetailOutcome(self.detail, edited=self.edited))

    def action_edit(self) -> None:
        d = self.detail
        self.app.push_screen(
            EditFeedbackScreen(f"{d.preset_name}, {session_date(d)}", d.rpe, d.note),
            self._edited,
        )

    def _edited(self, result: tuple[int | None, str] | None) -> None:
        if result is not None:
            self._save_feedback(*result)

    @work(group="history-detail-write")
    async def _save_feedback(self, rpe: int | None, note: str) -> None:
        try:
            await asyncio.to_thread(self.store.set_rpe_note, self.detail.id, rpe, note)
        except StoreError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        self.detail = dataclasses.replace(self.detail, rpe=rpe, note=note)
        self.edited = True
        self._fill()
        self.notify("RPE and note saved", timeout=3)

    def action_delete(self) -> None:
        self.app.push_screen(
            ConfirmScreen(delete_question(self.detail), yes="Delete (y)", no="Keep (n)"),
            self._confirmed,
        )

    def _confirmed(self, yes: bool | None) -> None:
        if yes:
            self._delete()

    @work(group="history-detail-write")
    async def _delete(self) -> None:
        try:
            await asyncio.to_thread(self.store.delete_session, self.detail.id)
        except StoreError as exc:
            self.notify(str(exc), title="Not deleted", severity="error", timeout=10)
            return
        self.notify("Session deleted", timeout=3)
        self.dismiss(DetailOutcome(self.detail, deleted=True, edited=self.edited))

    # --- export and heart rate --------------------------------------------------------------

    def action_export(self) -> None:
        if self.exports_dir is None:
            self.notify("No folder to export to", severity="error", timeout=5)
            return
        self.app.push_screen(
            ChoiceScreen(
                "Export this session for a training log (Garmin Connect, Strava,"
                f" intervals.icu...)\ninto {self.exports_dir}",
                [
                    Choice("fit", "FIT", "f", "primary"),
                    Choice("tcx", "TCX", "t"),
                    Choice("cancel", "Cancel", "c"),
                ],
                safe="cancel",
            ),
            self._export_chosen,
        )

    def _export_chosen(self, fmt: str | None) -> None:
        if fmt in ("fit", "tcx"):
            self._export_activity(fmt)

    @work(group="history-detail-write")
    async def _export_activity(self, fmt: str) -> None:
        from speedtimer.history.activity import NothingToExport
        from speedtimer.history.activity_files import export_session, file_name, free_path

        folder = self.exports_dir
        assert folder is not None

        def write() -> Path:
            folder.mkdir(parents=True, exist_ok=True)
            target = free_path(folder, file_name(self.detail, fmt))
            return export_session(self.store, self.detail.id, fmt, target)

        try:
            path = await asyncio.to_thread(write)
        except NothingToExport as exc:
            self.notify(str(exc), title="Not exported", severity="warning", timeout=8)
            return
        except (OSError, StoreError) as exc:
            self.notify(str(exc), title="Not exported", severity="error", timeout=10)
            return
        self.notify(f"Exported to {path}", title=fmt.upper(), timeout=10)

    def action_attach(self) -> None:
        self.app.push_screen(
            AskPathScreen(
                "The FIT file your watch recorded during this session (its heart rate is "
                "matched to the steps by time):"
            ),
            self._attach_chosen,
        )

    def _attach_chosen(self, path: Path | None) -> None:
        if path is not None:
            self._attach_watch(path)

    @work(group="history-detail-write")
    async def _attach_watch(self, path: Path) -> None:
        from speedtimer.history.activity_files import attach_watch_file
        from speedtimer.history.heart_rate import WatchFileError

        def run():
            result = attach_watch_file(self.store, self.detail.id, path)
            return result, self.store.heart_rate(self.detail.id)

        try:
            result, heart = await asyncio.to_thread(run)
        except (WatchFileError, StoreError, KeyError) as exc:
            message = str(exc) if not isinstance(exc, KeyError) else "the session is gone"
            self.notify(message, title="Heart rate not attached", severity="error", timeout=12)
            return
        self.heart = heart
        self._fill()
        self.notify("\n".join(result.report), title="Heart rate attached", timeout=12)
