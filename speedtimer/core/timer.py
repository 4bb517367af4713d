"""The session timer as a pure state machine: the functional core of speedtimer.

It never reads a clock. Every operation takes `now` (seconds on any monotonic scale) and returns
the events it caused, each stamped with the exact time it was due, not the time of the call.
Step boundaries are computed from where the step started plus its planned length, so however late
or irregular the calls are, nothing drifts and nothing is lost: a call that comes seven seconds
late returns every pip, step change and cue that fell in those seven seconds, in order.

The shell (TUI, audio, storage) asks `next_event_time()` to know when to wake up next, and turns
the returned events into sounds, pixels and database rows.

A computer that sleeps (a laptop's lid closed) is told to the timer by the shell, which reads the
clocks: `suspended(now, slept_s)` on the first call after waking, with `now` on a scale that
counted the sleep. The timer decides what that means: a pause that began when the computer went
to sleep, so nothing fell due while it slept and the pause has its true length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from speedtimer.core.schedule import Schedule, ScheduledStep

HALFWAY_MIN_S = 20  # halfway cue only in timed steps longer than this
BACK_GRACE_S = 2.0  # "back" within this many seconds of a step's start goes to the previous step


class State(StrEnum):
    IDLE = "idle"
    READY = "ready"  # get-ready countdown before the first step
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    ABORTED = "aborted"


class EventKind(StrEnum):
    SESSION_STARTED = "session_started"
    GET_READY = "get_ready"
    STEP_STARTED = "step_started"
    PIP = "pip"
    HALFWAY = "halfway"
    LAP = "lap"
    STEP_ENDED = "step_ended"
    TIME_ADDED = "time_added"
    PAUSED = "paused"
    RESUMED = "resumed"
    SLEPT = "slept"  # the computer was asleep for `seconds`, from `at`
    SESSION_FINISHED = "session_finished"
    SESSION_ABORTED = "session_aborted"


class Ended(StrEnum):
    TIME = "time"  # the planned time ran out
    LAP = "lap"  # an open step ended by the lap key
    SKIPPED = "skipped"
    BACK = "back"  # abandoned by the back key (restarted or went to the previous step)
    ABORTED = "aborted"  # the step in progress when the session was aborted


@dataclass(frozen=True)
class Event:
    kind: EventKind
    at: float
    index: int | None = None  # step index; None for session-level events and get-ready
    how: Ended | None = None  # STEP_ENDED
    n: int | None = None  # PIP: seconds left (3, 2, 1)
    split_s: float | None = None  # LAP: time since the step start or the previous lap
    seconds: float | None = None  # STEP_ENDED: active seconds in the step; TIME_ADDED: change


@dataclass(frozen=True)
class StepRecord:
    """One step as actually run: what history stores."""

    index: int
    started_at: float
    ended_at: float
    active_s: float
    paused_s: float
    how: Ended
    splits: tuple[float, ...] = ()
    planned_s: float | None = None  # the length it ran to: the plan plus `adjusted_s`
    adjusted_s: float = 0.0  # seconds added (+) or removed (-) with the +/- keys


@dataclass(frozen=True)
class SegmentView:
    """Where the timer is: what the voice needs to place phrases around the cues.

    `cues` are every pip and halfway cue of the segment at the time each is (or was) due,
    heard or not, assuming nothing is pressed; the next step starts at `start + length`.
    """

    index: int  # -1: the get-ready countdown
    start: float  # when the segment's offset 0 is, moved later by every pause
    first_start: float  # when it really began: tells a restarted step from the first run
    length: float | None  # None: an open step, it ends on lap
    cues: tuple[Event, ...] = ()


@dataclass
class _Segment:
    """The get-ready phase (index -1) or one step, with pause-shifted start."""

    index: int
    start: float  # wall start, moved later by every pause so start + offset stays exact
    length: float | None  # None for open steps
    first_start: float  # wall time it really began (for records)
    watermark: float = 0.0  # cues at offsets <= watermark were emitted (or passed: add_time)
    halfway_done: bool = False
    paused_s: float = 0.0
    laps: list[float] = field(default_factory=list)  # offsets of laps taken
    adjusted: float = 0.0  # net seconds added (+) or removed (-) in this run of the step


class Timer:
    def __init__(self, schedule: Schedule, *, get_ready_s: float = 5.0) -> None:
        self.schedule = schedule
        self.get_ready_s = max(0.0, float(get_ready_s))
        self.state = State.IDLE
        self.records: list[StepRecord] = []
        self._seg: _Segment | None = None
        self._paused_at: float | None = None
        self._state_before_pause: State | None = None
        self._session_start: float | None = None  # when the first step began
        self._session_end: float | None = None
        self._started_at: float | None = None  # when start() was called
        self._paused_total = 0.0  # paused seconds after the session start
        self._last_now = float("-inf")

    # --- operations ------------------------------------------------------------------------

    def start(self, now: float) -> list[Event]:
        now = self._clock(now)
        if self.state is not State.IDLE:
            return self._advance(now)  # like every other call: emit what fell due by `now`
        self._started_at = now
        events = [Event(EventKind.SESSION_STARTED, now)]
        if self.get_ready_s > 0:
            self.state = State.READY
            self._seg = _Segment(-1, now, self.get_ready_s, now)
            events.append(Event(EventKind.GET_READY, now, seconds=self.get_ready_s))
        else:
            self.state = State.RUNNING
            events += self._begin(0, now)
        events += self._advance(now)
        return events

    def tick(self, now: float) -> list[Event]:
        """Emit everything due up to `now`. Safe to call at any time, as often as wanted."""
        return self._advance(self._clock(now))

    advance = tick

    def pause(self, now: float) -> list[Event]:
        now = self._clock(now)
        events = self._advance(now)
        if self.state in (State.RUNNING, State.READY):
            self._state_before_pause = self.state
            self.state = State.PAUSED
            self._paused_at = now
            events.append(Event(EventKind.PAUSED, now, index=self._index()))
        return events

    def resume(self, now: float) -> list[Event]:
        now = self._clock(now)
        if self.state is not State.PAUSED:
            return self._advance(now)
        self._unpause(now)
        events = [Event(EventKind.RESUMED, now, index=self._index())]
        return events + self._advance(now)

    def suspended(self, now: float, slept_s: float) -> list[Event]:
        """The computer was asleep for `slept_s` seconds just before `now`.

        The session is paused from the moment it went to sleep (`now - slept_s`), as if the
        runner had pressed pause then: what fell due during the sleep is not emitted, the pause
        keeps its true length, and the runner resumes when ready. A session already paused
        stays paused; one not running is left alone. SLEPT says how long, for the screen.
        """
        before = self._last_now  # the timer has already been brought up to here
        now = self._clock(now)
        slept = float(slept_s)
        if not 0 < slept < float("inf"):
            return self._advance(now)
        at = max(now - slept, before)
        events = self._advance(at)
        if self.state in (State.RUNNING, State.READY):
            self._state_before_pause = self.state
            self.state = State.PAUSED
            self._paused_at = at
            events.append(Event(EventKind.PAUSED, at, index=self._index()))
        if self.state is State.PAUSED:
            # Stamped at the pause's start: nothing happens to a paused session's time line
            # after it (ending it closes the step there), so the events stay in time order.
            when = self._paused_at if self._paused_at is not None else at
            events.append(Event(EventKind.SLEPT, when, index=self._index(), seconds=now - at))
        return events

    def toggle_pause(self, now: float) -> list[Event]:
        return self.resume(now) if self.state is State.PAUSED else self.pause(now)

    def lap(self, now: float) -> list[Event]:
        """End an open step, or record a split in a timed one."""
        now = self._clock(now)
        events = self._advance(now)
        seg = self._seg
        if self.state is not State.RUNNING or seg is None or seg.index < 0:
            return events
        offset = now - seg.start
        split = offset - (seg.laps[-1] if seg.laps else 0.0)
        seg.laps.append(offset)
        events.append(Event(EventKind.LAP, now, index=seg.index, split_s=split))
        if seg.length is None:
            events += self._end_and_next(now, Ended.LAP)
        return events

    def skip(self, now: float) -> list[Event]:
        """End the current step (or the get-ready countdown) now and start the next."""
        return self._while_unpaused(now, self._skip)

    def back(self, now: float) -> list[Event]:
        """Restart the current step; within its first 2 s, go to the previous step instead."""
        return self._while_unpaused(now, self._back)

    def add_time(self, now: float, seconds: float) -> list[Event]:
        """Lengthen (or, with a negative value, shorten) the current timed step or get-ready."""
        return self._while_unpaused(now, lambda t: self._add_time(t, seconds))

    def fit_step(self, now: float, length: float) -> list[Event]:
        """Give the current timed step `length` seconds from its start: a send-off's rest gets
        what is left of its cycle (core/send_off.py). Not the runner's +/-: not counted as an
        adjustment in the step's record."""
        seg = self._seg
        if seg is None or seg.length is None:
            return []
        change = length - seg.length
        return self._while_unpaused(now, lambda t: self._add_time(t, change, counted=False))

    def abort(self, now: float) -> list[Event]:
        now = self._clock(now)
        events = self._advance(now)
        if self.state in (State.IDLE, State.FINISHED, State.ABORTED):
            return events
        end = self._paused_at if self.state is State.PAUSED else now
        if self.state is State.PAUSED:
            self._unpause(end)
        seg = self._seg
        if seg is not None and seg.index >= 0:
            events.append(self._close(end, Ended.ABORTED))
        self._seg = None
        self.state = State.ABORTED
        self._session_end = end
        events.append(Event(EventKind.SESSION_ABORTED, now))
        return events

    # --- queries ---------------------------------------------------------------------------

    @property
    def current(self) -> ScheduledStep | None:
        seg = self._seg
        if seg is None or seg.index < 0:
            return None
        return self.schedule.steps[seg.index]

    @property
    def current_index(self) -> int | None:
        return self._index()

    @property
    def next_step(self) -> ScheduledStep | None:
        seg = self._seg
        if seg is None:
            return (
                self.schedule.steps[0] if self.state is State.IDLE and self.schedule.steps else None
            )
        nxt = seg.index + 1
        return self.schedule.steps[nxt] if nxt < len(self.schedule.steps) else None

    @property
    def in_get_ready(self) -> bool:
        return self._seg is not None and self._seg.index < 0

    @property
    def paused(self) -> bool:
        return self.state is State.PAUSED

    @property
    def done(self) -> bool:
        return self.state in (State.FINISHED, State.ABORTED)

    @property
    def current_splits(self) -> tuple[float, ...]:
        seg = self._seg
        if seg is None or not seg.laps:
            return ()
        return tuple(b - a for a, b in zip([0.0, *seg.laps], seg.laps, strict=False))

    def step_planned(self) -> float | None:
        """The current step's length including added time; None for open steps."""
        return self._seg.length if self._seg else None

    def step_elapsed(self, now: float) -> float:
        seg = self._seg
        if seg is None:
            return 0.0
        elapsed = self._effective_now(now) - seg.start
        if seg.length is not None:
            elapsed = min(elapsed, seg.length)
        return max(0.0, elapsed)

    def step_remaining(self, now: float) -> float | None:
        seg = self._seg
        if seg is None or seg.length is None:
            return None
        return max(0.0, seg.length - self.step_elapsed(now))

    def active_elapsed(self, now: float) -> float:
        """Seconds of session time since the first step began, pauses excluded."""
        if self._session_start is None:
            return 0.0
        end = self._session_end if self._session_end is not None else self._effective_now(now)
        paused = self._paused_total
        return max(0.0, end - self._session_start - paused)

    def remaining_estimate(self, now: float) -> float:
        """Planned time still to run: the rest of this step plus every later step.

        Open steps count their target time (distance at target pace) when they have one.
        """
        seg = self._seg
        if self.done:
            return 0.0
        if seg is None:
            return self.schedule.estimate_s + self.get_ready_s
        if seg.length is not None:
            here = max(0.0, seg.length - self.step_elapsed(now))
        else:
            here = max(0.0, self.schedule.steps[seg.index].estimate_s - self.step_elapsed(now))
        later = sum(s.estimate_s for s in self.schedule.steps[seg.index + 1 :])
        return here + later

    def segment(self) -> SegmentView | None:
        """The segment in progress (get-ready or a step), or None before start and after the end."""
        seg = self._seg
        if seg is None:
            return None
        cues = tuple(
            Event(ev.kind, seg.start + off, index=ev.index, n=ev.n)
            for off, ev in self._cue_offsets(seg, heard=True)
        )
        return SegmentView(seg.index, seg.start, seg.first_start, seg.length, cues)

    def next_event_time(self) -> float | None:
        """When the next cue or step boundary is due, so the shell can sleep until then."""
        seg = self._seg
        if seg is None or self.state not in (State.RUNNING, State.READY):
            return None
        times = [seg.start + off for off, _ in self._pending_cues(seg)]
        if seg.length is not None:
            times.append(seg.start + seg.length)
        return min(times) if times else None

    # --- internals -------------------------------------------------------------------------

    def _clock(self, now: float) -> float:
        """Time never runs backwards inside the machine, whatever the caller passes."""
        now = float(now)
        if now < self._last_now:
            now = self._last_now
        self._last_now = now
        return now

    def _index(self) -> int | None:
        seg = self._seg
        return None if seg is None or seg.index < 0 else seg.index

    def _effective_now(self, now: float) -> float:
        if self.state is State.PAUSED and self._paused_at is not None:
            return self._paused_at
        return max(now, self._last_now)

    def _unpause(self, now: float) -> None:
        assert self._paused_at is not None
        gap = now - self._paused_at
        if self._seg is not None:
            self._seg.start += gap
            self._seg.paused_s += gap
        if self._session_start is not None:
            self._paused_total += gap
        self.state = self._state_before_pause or State.RUNNING
        self._paused_at = None

    def _while_unpaused(self, now: float, op) -> list[Event]:
        """Run `op` as if running; a session that was paused stays paused afterwards."""
        now = self._clock(now)
        events = self._advance(now)
        if self.state not in (State.RUNNING, State.READY, State.PAUSED):
            return events
        was_paused = self.state is State.PAUSED
        if was_paused:
            self._unpause(now)
        events += op(now)
        if was_paused and self.state in (State.RUNNING, State.READY):
            self._state_before_pause = self.state
            self.state = State.PAUSED
            self._paused_at = now
        return events

    def _cue_offsets(self, seg: _Segment, heard: bool = False) -> list[tuple[float, Event]]:
        """The segment's cues by offset; `heard` keeps a halfway cue that has already sounded."""
        if seg.length is None:
            return []
        cues: list[tuple[float, Event]] = []
        idx = None if seg.index < 0 else seg.index
        if (
            seg.index >= 0
            and self.schedule.halfway
            and (heard or not seg.halfway_done)
            and seg.length > HALFWAY_MIN_S
        ):
            cues.append((seg.length / 2, Event(EventKind.HALFWAY, 0.0, index=idx)))
        for k in range(self.schedule.countdown, 0, -1):
            off = seg.length - k
            if off > 0:
                cues.append((off, Event(EventKind.PIP, 0.0, index=idx, n=k)))
        cues.sort(key=lambda c: c[0])
        return cues

    def _pending_cues(self, seg: _Segment) -> list[tuple[float, Event]]:
        return [(off, ev) for off, ev in self._cue_offsets(seg) if off > seg.watermark]

    def _advance(self, now: float) -> list[Event]:
        events: list[Event] = []
        while self.state in (State.RUNNING, State.READY) and self._seg is not None:
            seg = self._seg
            for off, ev in self._pending_cues(seg):
                at = seg.start + off
                if at > now:
                    break
                seg.watermark = off
                if ev.kind is EventKind.HALFWAY:
                    seg.halfway_done = True
                events.append(Event(ev.kind, at, index=ev.index, n=ev.n))
            if seg.length is None or seg.start + seg.length > now:
                break
            events += self._end_and_next(seg.start + seg.length, Ended.TIME)
        return events

    def _close(self, at: float, how: Ended) -> Event:
        """Record the current step as ended at `at`; returns its STEP_ENDED event."""
        seg = self._seg
        assert seg is not None and seg.index >= 0
        active = max(0.0, at - seg.start)
        if seg.length is not None:
            active = min(active, seg.length)
        splits = tuple(b - a for a, b in zip([0.0, *seg.laps], seg.laps, strict=False))
        self.records.append(
            StepRecord(
                index=seg.index,
                started_at=seg.first_start,
                ended_at=at,
                active_s=active,
                paused_s=seg.paused_s,
                how=how,
                splits=splits,
                planned_s=seg.length,
                adjusted_s=seg.adjusted,
            )
        )
        return Event(EventKind.STEP_ENDED, at, index=seg.index, how=how, seconds=active)

    def _end_and_next(self, at: float, how: Ended) -> list[Event]:
        seg = self._seg
        assert seg is not None
        events = []
        if seg.index >= 0:
            events.append(self._close(at, how))
        return events + self._begin(seg.index + 1, at)

    def _begin(self, index: int, at: float) -> list[Event]:
        if index >= len(self.schedule.steps):
            self._seg = None
            self.state = State.FINISHED
            if self._session_start is None:
                self._session_start = at
            self._session_end = at
            return [Event(EventKind.SESSION_FINISHED, at)]
        if self._session_start is None:
            self._session_start = at
        self.state = State.RUNNING
        step = self.schedule.steps[index]
        length = float(step.planned_s) if step.planned_s is not None else None
        self._seg = _Segment(index, at, length, at)
        return [Event(EventKind.STEP_STARTED, at, index=index)]

    def _skip(self, now: float) -> list[Event]:
        return self._end_and_next(now, Ended.SKIPPED)

    def _back(self, now: float) -> list[Event]:
        seg = self._seg
        if seg is None or seg.index < 0:
            return []
        elapsed = now - seg.start
        target = seg.index - 1 if elapsed < BACK_GRACE_S and seg.index > 0 else seg.index
        return [self._close(now, Ended.BACK), *self._begin(target, now)]

    def _add_time(self, now: float, seconds: float, *, counted: bool = True) -> list[Event]:
        seg = self._seg
        if seg is None or seg.length is None:
            return []
        elapsed = now - seg.start
        new_length = max(seg.length + seconds, elapsed)
        change = new_length - seg.length
        if change == 0:
            return []
        # Cues already heard or already passed stay silent (the watermark); a countdown pushed
        # later plays again. The watermark moves to `elapsed` only here, where cue offsets
        # change: in _advance a cue is due by `start + offset <= now`, and `now - start` can
        # round to the offset while `start + offset` is still just after `now`.
        seg.watermark = max(seg.watermark, elapsed)
        seg.length = new_length
        if not counted:
            return self._advance(now)
        seg.adjusted += change
        return [Event(EventKind.TIME_ADDED, now, index=self._index(), seconds=change)] + (
            self._advance(now)
        )
