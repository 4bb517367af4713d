"""The run screen: readable from two metres, driven by the timer's own next-event times.

It wakes exactly when the next cue or step boundary is due (a one-shot timer from
`Session.next_wake`) and otherwise only when the shown seconds change, so it costs next to no
CPU while a rep runs and a cue is never late by a display tick.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, ProgressBar, Static

from speedtimer.core.preset import KINDS, format_clock, format_pace
from speedtimer.core.schedule import ScheduledStep
from speedtimer.core.timer import Ended, EventKind, State
from speedtimer.session import Session
from speedtimer.tui import textual_patches
from speedtimer.tui.modals.end_session import EndSessionScreen
from speedtimer.tui.widgets.big_time import BigTime
from speedtimer.tui.widgets.footer import QuietFooter

PHASES = ("ready", *KINDS, "paused", "finished")
PHASE_WORDS = {
    "ready": "GET READY",
    "warmup": "WARM-UP",
    "work": "WORK",
    "rest": "REST",
    "cooldown": "COOL-DOWN",
    "paused": "PAUSED",
    "finished": "FINISHED",
}
COMPACT_WIDTH = 60
COMPACT_HEIGHT = 20
TINY_WIDTH = 30  # below these only the phase and the clock are drawn
TINY_HEIGHT = 10


def step_time_text(step: ScheduledStep) -> str:
    if step.planned_s is not None:
        return format_clock(step.planned_s)
    if step.target_s:
        return f"lap, target {step.target_time_text}"
    return "until lap"


def split_line(n: int, split: float, step: ScheduledStep) -> str:
    text = f"#{n} {format_clock(split, tenths=True)}"
    if step.distance_m:
        text += f"  {format_pace(split / step.distance_m * 1000)}"
    delta = step.delta_s(split)  # 0 inside a target range, else to its nearer end
    if delta is not None:
        text += f"  {'+' if delta >= 0 else '-'}{format_clock(abs(delta), tenths=True)}"
    return text


SPLITS_SHOWN = 4  # at most the latest four splits
SPLITS_GAP = "   "


def splits_text(parts: list[str], width: int) -> str:
    """The latest splits that fit whole on one line of `width` cells, newest last.

    Joined and left to wrap, an entry was cut in two at the end of the line ("#3 1:2" /
    "8.0  3:40/km"); an older split now gives way instead."""
    shown: list[str] = []
    for part in reversed(parts[-SPLITS_SHOWN:]):
        line = "Splits: " + SPLITS_GAP.join([part, *shown])
        if shown and cell_len(line) > width:
            break
        shown.insert(0, part)
    return ("Splits: " + SPLITS_GAP.join(shown)) if shown else ""


# Widgets updated every second whose size depends only on the length of their one-line text.
REPAINT_ONLY = frozenset({"totals"})


def sleep_status(seconds: float, paused: bool) -> str:
    """What the run screen says after the computer slept."""
    slept = format_clock(seconds)
    if paused:
        return f"The computer was asleep for {slept}; paused"
    return f"The computer was asleep for {slept}; the session went on from where it was"


class StepProgress(ProgressBar):
    """A ProgressBar that repaints only when the run screen sets a new percentage.

    Textual's ProgressBar starts a once-a-second timer on mount to recompute its ETA, and the
    new ETA repaints it even when the ETA is not shown: an extra wake-up and frame every
    second, out of step with the clock's own. The run screen shows no ETA, so the timer is
    never started.
    """

    def on_mount(self, event: events.Mount) -> None:
        # Handlers run subclass first; this stops ProgressBar.on_mount (the timer) and
        # Widget._on_mount (scrollbars for overflow: scroll, which a progress bar never has).
        event.prevent_default()
        self.update()


class RunScreen(Screen):
    CSS_PATH = Path(__file__).with_name("run.tcss")  # read when one first opens, not at start
    BINDINGS = [
        Binding("space", "pause", "Pause", id="pause"),
        Binding("space", "resume", "Resume", id="resume"),
        Binding("enter,l", "lap", "Lap", id="lap"),
        Binding("n", "skip", "Next", id="skip"),
        Binding("b", "back", "Back", id="back"),
        Binding("plus,equals_sign", "add_time(10)", "+10s", id="add_time", key_display="+"),
        Binding("minus", "add_time(-10)", "-10s", id="remove_time", key_display="-"),
        Binding("m", "toggle_mute", "Mute", id="mute"),
        Binding("q,escape", "abort", "End", id="abort"),
        # after End: on a narrow footer the way out stays visible, the voice key may not
        Binding("v", "toggle_voice", "Voice", id="voice"),
    ]

    SOUND_STATUS = "No sound: cues use the terminal bell and a flash (see the log)"
    HISTORY_STATUS = "History: the session is kept in a pending file (see the notice)"
    VOICE_STATUS = "No voice: beeps only (why: in the notice after the session)"

    def __init__(self, session: Session, status: dict[str, str] | None = None) -> None:
        """`status`: lines about this session shown from its start (no race set...)."""
        super().__init__()
        self.session = session
        self._wake: asyncio.TimerHandle | None = None
        self._shown: dict[str, object] = {}
        self._ended = False
        self._blinkers: list[Input] = []
        self._status: dict[str, str] = {}
        self._start_status = dict(status or {})

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="band"):
            with Horizontal(id="phase-line"):
                yield Static("", markup=False, id="phase")
                yield Static("", markup=False, id="position")
            yield BigTime("0:00", id="clock")
            yield Static("", markup=False, id="step-label")
        with Vertical(id="info"):
            yield Static("", markup=False, id="next")
            with Horizontal(id="progress-line"):
                yield StepProgress(total=100, show_eta=False, show_percentage=True, id="progress")
                yield Static("", markup=False, id="totals")
            yield Static("", markup=False, id="splits")
            yield Static("", markup=False, id="status")
        yield QuietFooter()  # rebuilt only when its keys change; lets old keys go

    def on_mount(self) -> None:
        hold = getattr(self.app, "hold_notices", None)
        if hold is not None:
            hold()  # nothing covers the step, target and progress (app.py)
        self._quiet_screens_below()
        self._apply_size()
        audio = self.session.audio
        if not audio.available and audio.problem:
            self.set_status(self.SOUND_STATUS, "sound")
        voice = self.session.voice
        if self.session.voice_on and voice is not None and voice.problem:
            self.set_status(self.VOICE_STATUS, "voice")
        for key, text in self._start_status.items():
            self.set_status(text, key)
        events = self.session.start()
        self._after(events)

    def _quiet_screens_below(self) -> None:
        """Stop the cursor blinking in the menu's filter box under this screen.

        A hidden Input keeps its blink timer: two wake-ups and repaints a second for
        nothing, for the whole session. The menu turns it back on when it is shown again.
        """
        for screen in self.app.screen_stack:
            if screen is self:
                continue
            for box in screen.query(Input):
                if box.cursor_blink:
                    box.cursor_blink = False
                    self._blinkers.append(box)

    def on_unmount(self) -> None:
        self._cancel_wake()
        after = getattr(self.app, "after_session", None)
        if after is not None:
            after()  # the notices held back while the clock ran (app.py)
        if self.session.keep_awake is not None:  # the app quit mid-session: let it sleep
            self.session.keep_awake.stop()
        for box in self._blinkers:
            if box.is_attached:
                box.cursor_blink = True
        self._blinkers.clear()

    def on_resize(self) -> None:
        self._apply_size()
        self.refresh_display()  # the splits that fit change with the width

    def _apply_size(self) -> None:
        size = self.app.size
        self.set_class(size.width < COMPACT_WIDTH or size.height < COMPACT_HEIGHT, "compact")
        self.set_class(size.width < TINY_WIDTH or size.height < TINY_HEIGHT, "tiny")

    # --- the clock -------------------------------------------------------------------------

    def tick(self) -> None:
        """Bring the timer up to now; called by the one-shot wake timer (and tests)."""
        self._after(self.session.tick())

    def _schedule(self) -> None:
        """One wake-up at the next cue, boundary or change of the shown seconds.

        Straight on the event loop, not a Textual timer: a one-shot Textual timer whose start
        is already past its (short) delay when its task first runs skips its only tick, and
        a delay of 0 kills its task; either way the countdown stopped for good. With other
        threads holding the GIL (the sound helper's reader, the history writer) a delay of a
        few ms came round every few minutes."""
        self._cancel_wake()
        at = self.session.next_wake()
        if at is None:
            return
        delay = max(0.0, at - self.session.now())
        self._wake = asyncio.get_running_loop().call_later(delay, self._woken)

    def _woken(self) -> None:
        self._wake = None
        if not self.is_attached:
            return
        try:
            self.tick()
        except Exception as exc:  # noqa: BLE001 - what a Textual timer would have done
            textual_patches.report_crash(self.app, exc)

    def _cancel_wake(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None

    def _after(self, events) -> None:
        for e in events:
            if e.kind is EventKind.SLEPT:
                self.set_status(sleep_status(e.seconds or 0.0, self.session.timer.paused), "sleep")
            elif e.kind is EventKind.RESUMED and "sleep" in self._status:
                self.set_status("", "sleep")
        self.refresh_display()
        if any(e.kind in (EventKind.SESSION_FINISHED, EventKind.SESSION_ABORTED) for e in events):
            self._finish()
            return
        if any(
            e.kind in (EventKind.PAUSED, EventKind.RESUMED, EventKind.STEP_STARTED) for e in events
        ):
            self.refresh_bindings()
        self._schedule()

    def _finish(self) -> None:
        """The session is over: the summary takes this screen's place.

        Whatever was opened over this screen (the end-session question, the command palette)
        asked about a session that no longer runs, so it goes first, unanswered. Switching
        with it still open replaced the dialog instead of this screen: closing the summary
        then left a finished run screen with no key that did anything."""
        if self._ended:
            return
        self._ended = True
        self._cancel_wake()
        app = self.app
        if self not in app.screen_stack:  # the app is closing
            return
        from speedtimer.tui.screens.summary import SummaryScreen

        while app.screen is not self:
            app.pop_screen()
        app.switch_screen(SummaryScreen(self.session))

    # --- drawing ---------------------------------------------------------------------------

    def _set(self, widget_id: str, value) -> None:
        """Update a widget only when its text changed: no needless repaints."""
        old = self._shown.get(widget_id)
        if old == value:
            return
        self._shown[widget_id] = value
        widget = self.query_one(f"#{widget_id}")
        if widget_id in REPAINT_ONLY and isinstance(old, str) and len(old) == len(value):
            # Same width: a repaint is enough. A layout pass of the whole screen every
            # second was most of the CPU this screen used while counting down.
            widget.update(value, layout=False)
        else:
            widget.update(value)

    def current_phase(self) -> str:
        timer = self.session.timer
        if timer.state is State.PAUSED:
            return "paused"
        if timer.done:
            return "finished"
        if timer.in_get_ready or timer.state is State.IDLE:
            return "ready"
        step = timer.current
        return step.kind if step else "ready"

    def refresh_display(self) -> None:
        session = self.session
        timer = session.timer
        now = session.now()
        phase = self.current_phase()
        band = self.query_one("#band")
        for p in PHASES:
            band.set_class(p == phase, f"phase-{p}")

        step = timer.current
        remaining = timer.step_remaining(now)
        if timer.state is State.PAUSED and step is None and not timer.in_get_ready:
            remaining = None
        if remaining is not None:
            clock = format_clock(math.ceil(remaining - 1e-9))
        else:
            clock = format_clock(math.floor(timer.step_elapsed(now)))
        self._set("clock", clock)

        word = PHASE_WORDS[phase]
        if phase == "paused":
            kind = step.kind if step else "ready"
            word = f"PAUSED · {PHASE_WORDS.get(kind, kind.upper())}"
        if session.muted:
            word += "  🔇"
        self._set("phase", word)
        self._set("position", step.position if step else "")

        if step is not None:
            label = step.title
            if step.is_open:
                label += "  · counting up, lap to finish"
            if step.targets_text:  # target time and pace, a range as a range, target text
                label += f"  · {step.targets_text}"
        elif timer.in_get_ready:
            label = "Get ready"
        else:
            label = ""
        self._set("step-label", label)

        nxt = timer.next_step
        if nxt is not None and not timer.done:
            self._set("next", f"Next: {nxt.title} {step_time_text(nxt)}")
        else:
            self._set("next", "Next: finish" if not timer.done else "")

        done = timer.active_elapsed(now)
        left = timer.remaining_estimate(now)
        total = max(1.0, done + left)
        pct = round(100 * done / total)
        if self._shown.get("progress") != pct:
            self._shown["progress"] = pct
            self.query_one("#progress", ProgressBar).update(total=100, progress=pct)
        self._set("totals", f"{format_clock(done)} done · {format_clock(left)} left")

        # Lap-ended reps so far, then any splits taken inside the current step.
        steps = session.schedule.steps
        reps = [r for r in timer.records if r.how is Ended.LAP]
        parts = [split_line(n, r.active_s, steps[r.index]) for n, r in enumerate(reps, 1)]
        if step is not None:
            parts += [
                split_line(len(reps) + n, split, step)
                for n, split in enumerate(timer.current_splits, 1)
            ]
        # the line's width: the screen less #info's padding (2 each side; 1 when compact)
        pad = 2 if self.has_class("compact") else 4
        self._set("splits", splits_text(parts, max(20, self.app.size.width - pad)))

    def flash(self) -> None:
        """The visual half of a cue when there is no sound."""
        band = self.query_one("#band")
        band.add_class("flash")
        self.set_timer(0.25, lambda: band.remove_class("flash"))

    def set_status(self, text: str, key: str = "status") -> None:
        """One line for each kind of standing problem (sound, history), each said once."""
        self._status[key] = text
        self._set("status", "\n".join(t for t in self._status.values() if t))

    # --- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        timer = self.session.timer
        if timer.done:
            return False
        running = timer.state in (State.RUNNING, State.READY)
        paused = timer.state is State.PAUSED
        step = timer.current
        if action == "pause":
            return running
        if action == "resume":
            return paused
        if action == "lap":
            return timer.state is State.RUNNING and step is not None
        if action == "back":
            return (running or paused) and step is not None
        if action == "skip":
            return running or paused
        if action == "add_time":
            length = timer.step_planned()
            if length is None:
                return False
            if parameters and float(parameters[0]) < 0:
                return timer.step_elapsed(self.session.now()) < length - 1
            return True
        return True

    def action_pause(self) -> None:
        self._after(self.session.toggle_pause())

    def action_resume(self) -> None:
        self._after(self.session.toggle_pause())

    def action_lap(self) -> None:
        self._after(self.session.lap())

    def action_skip(self) -> None:
        self._after(self.session.skip())

    def action_back(self) -> None:
        self._after(self.session.back())

    def action_add_time(self, seconds: float) -> None:
        self._after(self.session.add_time(float(seconds)))

    def action_toggle_mute(self) -> None:
        self.session.set_muted(not self.session.muted)
        self.notify("Sound off" if self.session.muted else "Sound on", timeout=2)
        self.refresh_display()

    def action_toggle_voice(self) -> None:
        """Voice on or off for this session and the next ones while the app runs."""
        on = not self.session.voice_on
        voice = getattr(self.app, "voice", None) if on else None
        if on and (voice is None or not voice.available):
            problem = voice.problem if voice is not None else None
            self.notify(problem or "No voice in this app", severity="warning", timeout=8)
            return
        self.session.set_voice(on, voice)
        if hasattr(self.app, "voice_on"):
            self.app.voice_on = on
        self.notify("Voice on" if on else "Voice off", timeout=2)
        self._schedule()

    def action_abort(self) -> None:
        def answered(end: bool | None) -> None:
            if end:
                self._after(self.session.abort())

        self.app.push_screen(EndSessionScreen(), answered)
