"""The imperative shell around one running session: clock, cues, history.

Both the Textual run screen and the plain line mode drive a `Session`; it owns the pure `Timer`
and turns the events it returns into sounds and history rows. The clock is injected so tests
run whole sessions in microseconds.
"""

from __future__ import annotations

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
        return self._handle(self.timer.start(now), now)

    def tick(self) -> list[Event]:
        now = self.now()
        return self._handle(self.timer.tick(now), now)

    def toggle_pause(self) -> list[Event]:
        now = self.now()
        return self._handle(self.timer.toggle_pause(now), now)

    def lap(self) -> list[Event]:
        now = self.now()
        return self._handle(self.timer.lap(now), now)

    def skip(self) -> list[Event]:
        now = self.now()
        return self._handle(self.timer.skip(now), now)

    def back(self) -> list[Event]:
        now = self.now()
        return self._handle(self.timer.back(now), now)

    def add_time(self, seconds: float) -> list[Event]:
        now = self.now()
        return self._handle(self.timer.add_time(now, seconds), now)

    def abort(self, status: str = "aborted") -> list[Event]:
        """End the session early; `status` is "interrupted" when the terminal went away."""
        now = self.now()
        events = self.timer.abort(now)
        self.status = status
        return self._handle(events, now)

    def set_muted(self, muted: bool) -> None:
        self.muted = muted

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

    def _handle(self, events: list[Event], now: float) -> list[Event]:
        for cue in cues_for(events, self.schedule, now):
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
