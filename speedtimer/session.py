"""The imperative shell around one running session: clock, cues, history.

Both the Textual run screen and the plain line mode drive a `Session`; it owns the pure `Timer`
and turns the events it returns into sounds and history rows. The clock is injected so tests
run whole sessions in microseconds.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from speedtimer.audio import Audio
from speedtimer.cues import cues_for
from speedtimer.preset import Preset
from speedtimer.schedule import Schedule, build_schedule
from speedtimer.timer import Ended, Event, EventKind, State, Timer

# Cues go to the sound helper this long before they are due, with their due time; the helper
# starts each one itself so it is heard on time, whatever the event loop's wake-up latency.
LEAD_S = 0.1
SAME_TIME_S = 1e-6


@dataclass
class Summary:
    """What the summary screen shows and what the runner adds before it is saved."""

    preset_name: str
    status: str  # completed | aborted | interrupted
    planned_s: float
    active_s: float
    paused_s: float
    reps_done: int
    reps_planned: int
    laps: list[tuple[int, float, float | None, float | None]] = field(default_factory=list)
    # (step index, split seconds, distance m, target seconds)


class Session:
    def __init__(
        self,
        preset: Preset,
        *,
        audio: Audio,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        recorder_factory: Callable[..., object] | None = None,
        get_ready_s: float = 5,
        muted: bool = False,
        on_silent_cue: Callable[[str], None] | None = None,
    ) -> None:
        self.preset = preset
        self.schedule: Schedule = build_schedule(preset)
        self.timer = Timer(self.schedule, get_ready_s=get_ready_s)
        self.audio = audio
        self.clock = clock
        self.wall_clock = wall_clock
        self.muted = muted
        self.on_silent_cue = on_silent_cue
        self.recorder_factory = recorder_factory
        self.recorder = None
        self.status: str | None = None
        self.cues_played: list[str] = []
        self._ahead: tuple[float, list[str]] | None = None  # (due, cues sent ahead for it)

    # --- operations ----------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def start(self) -> list[Event]:
        now = self.now()
        if self.recorder_factory is not None:
            self.recorder = self.recorder_factory(
                preset=self.preset,
                schedule=self.schedule,
                started_wall=self.wall_clock(),
                started_mono=now,
            )
            self.recorder.begin()
        return self._op(self.timer.start, now)

    def tick(self) -> list[Event]:
        now = self.now()
        events = self._handle(self.timer.tick(now), now)
        self._send_ahead(now)
        return events

    def toggle_pause(self) -> list[Event]:
        return self._op(self.timer.toggle_pause)

    def lap(self) -> list[Event]:
        return self._op(self.timer.lap)

    def skip(self) -> list[Event]:
        return self._op(self.timer.skip)

    def back(self) -> list[Event]:
        return self._op(self.timer.back)

    def add_time(self, seconds: float) -> list[Event]:
        return self._op(lambda now: self.timer.add_time(now, seconds))

    def abort(self, status: str = "aborted") -> list[Event]:
        """End the session early; `status` is "interrupted" when the terminal went away."""
        self.status = status
        return self._op(self.timer.abort)

    def _op(self, operation: Callable[[float], list[Event]], now: float | None = None):
        """A runner's action: it changes what comes next, so cues sent ahead are withdrawn."""
        now = self.now() if now is None else now
        self._withdraw_ahead(now)
        events = self._handle(operation(now), now)
        self._send_ahead(now)
        return events

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        self._withdraw_ahead(self.now())

    # --- queries -------------------------------------------------------------------------

    def next_wake(self) -> float | None:
        """The sooner of the next cue/boundary and the next change of the shown seconds."""
        if self.timer.state not in (State.RUNNING, State.READY):
            return None
        now = self.now()
        times = []
        event_at = self.timer.next_event_time()
        if event_at is not None:
            times.append(event_at)
            if self._sends_ahead() and not self._ahead_for(event_at):
                times.append(event_at - LEAD_S)
        remaining = self.timer.step_remaining(now)
        if remaining is not None:
            frac = remaining - math.floor(remaining)
            times.append(now + (frac if frac > 1e-6 else 1.0))
        else:
            elapsed = self.timer.step_elapsed(now)
            times.append(now + (1.0 - (elapsed - math.floor(elapsed))))
        return min(times)

    def summary(self) -> Summary:
        now = self.now()
        records = self.timer.records
        by_index = self.schedule.steps
        laps = []
        for r in records:
            step = by_index[r.index]
            if r.how is Ended.LAP:
                laps.append((r.index, r.active_s, step.distance_m, step.target_s))
        return Summary(
            preset_name=self.preset.name,
            status=self.status
            or ("completed" if self.timer.state is State.FINISHED else "aborted"),
            planned_s=self.schedule.estimate_s,
            active_s=self.timer.active_elapsed(now),
            paused_s=sum(r.paused_s for r in records),
            reps_done=sum(
                1
                for r in records
                if by_index[r.index].kind == "work" and r.how in (Ended.TIME, Ended.LAP)
            ),
            reps_planned=self.schedule.work_reps,
            laps=laps,
        )

    def save_feedback(self, rpe: int | None, note: str) -> None:
        if self.recorder is not None:
            self.recorder.set_rpe_note(rpe, note)

    def close(self) -> None:
        """Let go of the history database once the runner has left the summary."""
        if self.recorder is not None:
            self.recorder.close()

    # --- event handling ------------------------------------------------------------------

    # --- cues sent ahead --------------------------------------------------------------------

    def _sends_ahead(self) -> bool:
        return not self.muted and self.audio.available

    def _ahead_for(self, due: float) -> bool:
        return self._ahead is not None and abs(self._ahead[0] - due) < SAME_TIME_S

    def _send_ahead(self, now: float) -> None:
        """Within LEAD_S of the next event, send its cues with their due time.

        What the cues will be comes from a copy of the timer run to that instant: the timer
        is pure, so the copy tells exactly what the real one will say then.
        """
        if not self._sends_ahead() or self.timer.state not in (State.RUNNING, State.READY):
            return
        due = self.timer.next_event_time()
        if due is None or due - now > LEAD_S + SAME_TIME_S or self._ahead_for(due):
            return
        twin = copy.deepcopy(self.timer, {id(self.schedule): self.schedule})
        sent = []
        for cue in cues_for(twin.tick(due), self.schedule, due):
            if self.audio.play(cue, max(0.0, due - now)):
                sent.append(cue)
        self._ahead = (due, sent)

    def _withdraw_ahead(self, now: float) -> None:
        if self._ahead is not None and self._ahead[0] > now:
            if self._ahead[1]:
                self.audio.cancel()
            self._ahead = None

    def _handle(self, events: list[Event], now: float) -> list[Event]:
        sent: list[str] = []
        if self._ahead is not None and any(self._ahead_for(e.at) for e in events):
            sent = list(self._ahead[1])  # already with the sound helper, due at e.at
            self._ahead = None
        cues = cues_for(events, self.schedule, now)
        heard_anyway = list(sent)  # went out on time even if this late call calls them stale
        for cue in cues:
            if cue in heard_anyway:
                heard_anyway.remove(cue)
        self.cues_played.extend(heard_anyway)
        for cue in cues:
            if cue in sent:
                sent.remove(cue)
                self.cues_played.append(cue)
            else:
                self._cue(cue)
        if self.recorder is not None:
            for ev in events:
                if ev.kind is EventKind.STEP_ENDED:
                    record = next(
                        r
                        for r in reversed(self.timer.records)
                        if r.index == ev.index and r.ended_at == ev.at
                    )
                    self.recorder.step_done(record)
                elif ev.kind in (EventKind.SESSION_FINISHED, EventKind.SESSION_ABORTED):
                    status = "completed" if ev.kind is EventKind.SESSION_FINISHED else self.status
                    self.status = status
                    self.recorder.finish(
                        status,
                        active_s=self.timer.active_elapsed(now),
                        paused_s=sum(r.paused_s for r in self.timer.records),
                        end_mono=ev.at,
                    )
        for ev in events:
            if ev.kind is EventKind.SESSION_FINISHED:
                self.status = "completed"
        return events

    def _cue(self, cue: str) -> None:
        self.cues_played.append(cue)
        if self.muted:
            return
        if not (self.audio.available and self.audio.play(cue)) and self.on_silent_cue:
            self.on_silent_cue(cue)
