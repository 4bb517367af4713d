"""Property tests for the pure session timer: random operations at random times over random
presets, checked against an independent model of wall, paused and active time.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from speedtimer.core.preset import KINDS, PresetError
from speedtimer.core.schedule import Schedule, build_schedule
from speedtimer.core.timer import HALFWAY_MIN_S, Ended, Event, EventKind, State, Timer
from speedtimer.formats.preset_toml import parse_preset, preset_from_dict
from tests.reliability import stateful_cases, tried

K = EventKind
TERMINAL = (K.SESSION_FINISHED, K.SESSION_ABORTED)
TOL = 1e-6


# --- random presets ------------------------------------------------------------------------

ANY_KIND = st.sampled_from(KINDS)

timed_step = st.fixed_dictionaries(
    {"kind": ANY_KIND, "duration": st.one_of(st.integers(1, 30), st.integers(1, 400))}
)
open_step = st.fixed_dictionaries({"kind": ANY_KIND, "until": st.just("lap")})
leaf = st.one_of(timed_step, timed_step, open_step)


def blocks(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "repeat": st.integers(1, 3),
            "skip_last_rest": st.booleans(),
            "steps": st.lists(children, min_size=1, max_size=3),
        }
    )


items = st.recursive(leaf, blocks, max_leaves=6)

presets = st.fixed_dictionaries(
    {
        "name": st.just("random"),
        "countdown": st.integers(0, 5),
        "halfway": st.booleans(),
        "steps": st.lists(items, min_size=1, max_size=4),
    }
).filter(lambda d: _loads(d))  # skip_last_rest can leave nothing to run: the loader rejects that


def _loads(d: dict) -> bool:
    try:
        preset_from_dict(d)
    except PresetError:
        return False
    return True


# mostly small steps forward, sometimes none, sometimes a long way (a sleeping laptop)
gaps = st.one_of(
    st.just(0.0),
    st.floats(0, 2, allow_nan=False),
    st.floats(0, 40, allow_nan=False),
    st.floats(0, 5000, allow_nan=False),
)


def expected_pips(length: float, countdown: int) -> list[int]:
    return [k for k in range(countdown, 0, -1) if length - k > 0]


class TimerMachine(RuleBasedStateMachine):
    @initialize(
        preset=presets,
        get_ready=st.one_of(st.just(0.0), st.sampled_from([2.0, 5.0, 10.0]), st.floats(0, 12)),
        t0=st.one_of(st.just(0.0), st.floats(0, 1e6, allow_nan=False)),
    )
    def setup(self, preset: dict, get_ready: float, t0: float) -> None:
        self.begin(build_schedule(preset_from_dict(preset)), get_ready, t0)

    def begin(self, schedule: Schedule, get_ready: float, t0: float) -> None:
        self.schedule = schedule
        self.get_ready = get_ready
        self.timer = Timer(self.schedule, get_ready_s=get_ready)
        self.now = t0  # the machine's clock: the last `now` passed, after clamping
        self.last_at = -math.inf  # latest event time seen
        self.started = False
        self.done = False
        self.terminal_seen = 0
        self.session_start: float | None = None
        self.session_end: float | None = None
        self.paused = False
        self.pause_began: float | None = None
        self.pauses: list[tuple[float, float]] = []
        self.step_ended: list[Event] = []
        self.added = 0.0  # positive seconds added with add_time
        # the segment (get-ready: index None, or a step) the event stream is in
        self.seg: dict | None = None

    # --- driving the timer ---------------------------------------------------------------

    def call(self, name: str, now: float, *args) -> list[Event]:
        before = self.now
        clamped = max(now, self.now)
        was_paused = self.paused
        was_active = self.started and not self.done
        events = getattr(self.timer, name)(now, *args)
        self.now = clamped
        self.check_events(events, clamped)

        if name == "start" and not self.started:
            self.started = True
            assert events[0] == Event(K.SESSION_STARTED, clamped)
        elif name == "start":
            assert K.SESSION_STARTED not in [e.kind for e in events]

        ended_now = any(e.kind in TERMINAL for e in events)
        if ended_now:
            self.done = True
        if name == "abort" and was_active:
            # aborted now, unless the session had already run to its end before `now`
            assert ended_now
            last = events[-1]
            assert last == Event(K.SESSION_ABORTED, clamped) or last.kind is K.SESSION_FINISHED
        if name == "toggle_pause":
            name = "resume" if was_paused else "pause"
        if name == "pause" and was_active and not self.done and not was_paused:
            self.paused = True
            self.pause_began = clamped
            assert events[-1].kind is K.PAUSED and events[-1].at == clamped
        elif name == "pause":
            assert K.PAUSED not in [e.kind for e in events]
        if name == "suspended":
            kinds = [e.kind for e in events]
            slept = args[0]
            if was_active and not self.done and 0 < slept < math.inf:
                assert kinds[-1] is K.SLEPT
                at = max(clamped - slept, before)
                # already paused: stamped where the paused time line stopped (ending the
                # session closes the step there), so the events stay in time order
                if was_paused:
                    assert self.pause_began <= events[-1].at <= at
                else:
                    assert events[-1].at == at
                assert events[-1].seconds == clamped - at
                if not was_paused:  # paused from the moment of sleep
                    assert kinds[-2] is K.PAUSED and events[-2].at == at
                    self.paused = True
                    self.pause_began = at
            else:
                assert K.SLEPT not in kinds and K.PAUSED not in kinds
        if name == "resume" and was_paused:
            assert events[0].kind is K.RESUMED and events[0].at == clamped
            self.unpause(clamped)
        elif name == "resume":
            assert K.RESUMED not in [e.kind for e in events]
        if self.done and self.paused:
            self.unpause(clamped)
        if not was_active and name != "start":
            assert events == []  # nothing happens before the start or after the end
        return events

    def unpause(self, at: float) -> None:
        assert self.pause_began is not None
        self.pauses.append((self.pause_began, at))
        self.pause_began = None
        self.paused = False

    def check_events(self, events: list[Event], now: float) -> None:
        if self.terminal_seen:
            assert events == [], "events after the session ended"
        prev = self.last_at
        for e in events:
            assert prev <= e.at <= now, (prev, e, now)
            prev = e.at
            self.follow(e)
        self.last_at = prev
        terminal = [e for e in events if e.kind in TERMINAL]
        self.terminal_seen += len(terminal)
        assert self.terminal_seen <= 1
        if terminal:
            assert events[-1] is terminal[0]

    def follow(self, e: Event) -> None:
        """Walk the event stream: segments, cues and records."""
        steps = self.schedule.steps
        if e.kind is K.GET_READY:
            assert self.seg is None
            self.seg = {"index": None, "length": self.get_ready, "pips": [], "dirty": False}
        elif e.kind is K.STEP_STARTED:
            assert 0 <= e.index < len(steps)
            if self.session_start is None:
                self.session_start = e.at
            if self.seg is not None:  # leaving get-ready
                assert self.seg["index"] is None
                self.check_pips(self.seg, complete=False)
            length = steps[e.index].planned_s
            self.seg = {
                "index": e.index,
                "length": length,
                "pips": [],
                "halfways": 0,
                "dirty": False,
                "started": e.at,
            }
        elif e.kind is K.PIP:
            assert self.seg is not None and e.index == self.seg["index"]
            assert self.seg["length"] is not None
            self.seg["pips"].append(e)
        elif e.kind is K.HALFWAY:
            assert self.seg is not None and self.seg["index"] is not None
            assert e.index == self.seg["index"]
            self.seg["halfways"] += 1
        elif e.kind is K.TIME_ADDED:
            assert self.seg is not None and e.index == self.seg["index"]
            assert self.seg["length"] is not None
            self.seg["dirty"] = True
        elif e.kind is K.LAP:
            assert self.seg is not None and e.index == self.seg["index"] is not None
            assert e.split_s is not None and e.split_s >= 0
        elif e.kind is K.STEP_ENDED:
            seg = self.seg
            assert seg is not None and e.index == seg["index"] is not None
            self.step_ended.append(e)
            if e.how is Ended.LAP:
                assert seg["length"] is None
            if e.how is Ended.TIME:
                assert seg["length"] is not None
            self.check_pips(seg, complete=e.how is Ended.TIME, end=e.at)
            self.seg = None
        elif e.kind in TERMINAL:
            if self.session_start is None:
                self.session_start = e.at  # a schedule with no steps
            self.session_end = e.at
            if e.kind is K.SESSION_FINISHED and self.seg is not None:
                # only a schedule with no steps finishes straight from the get-ready
                assert self.seg["index"] is None and not self.schedule.steps
            self.seg = None
        elif e.kind in (K.PAUSED, K.RESUMED, K.SLEPT):
            idx = self.seg["index"] if self.seg else None
            assert e.index == idx
            if self.seg is not None:
                self.seg["paused"] = True

    def check_pips(self, seg: dict, *, complete: bool, end: float | None = None) -> None:
        if seg["dirty"] or seg["length"] is None:
            return
        want = expected_pips(seg["length"], self.schedule.countdown)
        got = [p.n for p in seg["pips"]]
        if complete:
            assert got == want
            if not seg.get("paused"):  # a pause after a pip moves the end, not the pip
                for p in seg["pips"]:
                    assert p.at == pytest.approx(end - p.n, abs=TOL)
            if seg["index"] is not None:
                halfway = self.schedule.halfway and seg["length"] > HALFWAY_MIN_S
                assert seg["halfways"] == int(halfway)
        else:
            assert got == want[: len(got)]
            if seg["index"] is not None:
                assert seg["halfways"] <= 1

    # --- rules ---------------------------------------------------------------------------

    @rule(gap=gaps)
    def start(self, gap):
        self.call("start", self.now + gap)

    @rule(gap=gaps)
    def tick(self, gap):
        self.call("tick", self.now + gap)

    @rule(back=st.floats(0, 100, allow_nan=False))
    def tick_backwards(self, back):
        assert self.call("tick", self.now - back) == []

    @precondition(lambda self: self.timer.next_event_time() is not None)
    @rule()
    def tick_to_next_event(self):
        nxt = self.timer.next_event_time()
        events = self.call("tick", nxt)
        assert events and events[0].at == nxt

    @precondition(lambda self: self.timer.next_event_time() is not None)
    @rule(ulps=st.integers(1, 3))
    def tick_just_before_next_event(self, ulps):
        nxt = self.timer.next_event_time()
        t = nxt
        for _ in range(ulps):
            t = math.nextafter(t, -math.inf)
        if t <= self.now:
            return
        assert self.call("tick", t) == []
        assert self.timer.next_event_time() == nxt

    @rule(
        gap=gaps,
        slept=st.one_of(
            st.floats(0, 300, allow_nan=False),
            st.sampled_from([123.0, 1e9, 0.0, -5.0, math.inf, math.nan]),
        ),
    )
    def suspended(self, gap, slept):
        """The computer slept for `slept` s of the `gap` (or more, or nonsense)."""
        self.call("suspended", self.now + gap, slept)

    @rule(gap=gaps)
    def pause(self, gap):
        self.call("pause", self.now + gap)

    @rule(gap=gaps)
    def resume(self, gap):
        self.call("resume", self.now + gap)

    @rule(gap=gaps)
    def toggle_pause(self, gap):
        self.call("toggle_pause", self.now + gap)

    @rule(gap=gaps)
    def lap(self, gap):
        self.call("lap", self.now + gap)

    @rule(gap=gaps)
    def skip(self, gap):
        self.call("skip", self.now + gap)

    @rule(gap=gaps)
    def back(self, gap):
        self.call("back", self.now + gap)

    @rule(gap=gaps, seconds=st.sampled_from([10.0, -10.0, 30.0, -1000.0, 0.5, -0.5, 0.0]))
    def add_time(self, gap, seconds):
        events = self.call("add_time", self.now + gap, seconds)
        added = [e.seconds for e in events if e.kind is K.TIME_ADDED]
        assert len(added) <= 1
        if added:
            assert added[0] != 0
            assert added[0] <= seconds + TOL if seconds > 0 else seconds - TOL <= added[0] < 0
            self.added += max(0.0, added[0])

    @rule(gap=gaps)
    def abort(self, gap):
        self.call("abort", self.now + gap)

    # --- invariants ----------------------------------------------------------------------

    def model_active(self, now: float) -> float:
        if self.session_start is None:
            return 0.0
        lo = self.session_start
        hi = self.session_end if self.session_end is not None else now
        spans = list(self.pauses)
        if self.pause_began is not None:
            spans.append((self.pause_began, now))
        paused = sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in spans)
        return hi - lo - paused

    @invariant()
    def flags_agree(self):
        t = self.timer
        assert t.paused == self.paused
        assert t.done == self.done
        assert t.state is State.IDLE or self.started
        if self.done:
            assert t.current is None and t.current_index is None

    @invariant()
    def step_remaining_within_plan(self):
        t = self.timer
        planned = t.step_planned()
        for now in (self.now, self.now + 0.5, self.now + 1e5):
            rem = t.step_remaining(now)
            el = t.step_elapsed(now)
            assert el >= 0
            if planned is None:
                assert rem is None
            else:
                assert 0.0 <= rem <= planned
                assert el <= planned
        est = t.remaining_estimate(self.now)
        bound = self.schedule.estimate_s + self.get_ready + self.added
        assert 0.0 <= est <= bound + TOL

    @invariant()
    def active_time_matches_model(self):
        t = self.timer
        active = t.active_elapsed(self.now)
        assert active >= 0
        assert active == pytest.approx(self.model_active(self.now), abs=TOL)
        current = t.step_elapsed(self.now) if t.current_index is not None else 0.0
        assert sum(r.active_s for r in t.records) + current == pytest.approx(active, abs=TOL)

    @invariant()
    def next_event_not_in_the_past(self):
        t = self.timer
        nxt = t.next_event_time()
        if t.state in (State.RUNNING, State.READY):
            assert nxt is None or nxt > self.now
            if nxt is None:
                assert t.current is not None and t.current.is_open
        else:
            assert nxt is None

    @invariant()
    def records_match_step_ended_events(self):
        t = self.timer
        assert len(t.records) == len(self.step_ended)
        n = len(self.schedule.steps)
        for r, e in zip(t.records, self.step_ended, strict=True):
            assert 0 <= r.index < n
            assert (r.index, r.how, r.ended_at, r.active_s) == (e.index, e.how, e.at, e.seconds)
            assert r.active_s >= 0 and r.paused_s >= 0
            assert r.started_at <= r.ended_at
            if r.planned_s is not None:
                assert r.active_s <= r.planned_s
            if r.how is Ended.TIME:
                assert r.active_s == pytest.approx(r.planned_s, abs=TOL)

    @invariant()
    def current_index_follows_events(self):
        t = self.timer
        seg = self.seg
        if seg is None:
            assert t.current_index is None
        else:
            assert t.current_index == seg["index"]
            assert t.in_get_ready == (seg["index"] is None)


TimerMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_timer_state_machine = TimerMachine.TestCase
stateful_cases(
    "test_timer_stateful::test_timer_state_machine",
    test_timer_state_machine,
    "Timer state machine",
    "random operations (start, pause, resume, lap, skip, back, +/- time, abort, ticks up to "
    "5,000 s late) at random times on random nested presets",
    "every invariant held: remaining within [0, planned], active = wall - paused, step times "
    "sum to active time, events in time order, the session ends exactly once",
)


# --- long sessions -------------------------------------------------------------------------


def test_500_steps_by_coarse_ticks():
    preset = parse_preset(
        """
name = "500 steps"
halfway = true

[[steps]]
repeat = 250

  [[steps.steps]]
  kind = "work"
  duration = 60

  [[steps.steps]]
  kind = "rest"
  duration = 30
"""
    )
    sched = build_schedule(preset)
    assert len(sched.steps) == 500
    t = Timer(sched, get_ready_s=0)
    events = t.start(0.0)
    now = 0.0
    while not t.done:
        now += 37.3
        events += t.tick(now)
    assert [r.index for r in t.records] == list(range(500))
    assert all(r.how is Ended.TIME for r in t.records)
    assert [r.active_s for r in t.records] == [float(s.planned_s) for s in sched.steps]
    total = float(sched.total_planned_s)
    assert total == 250 * 90
    assert t.active_elapsed(now) == total
    assert sum(r.active_s for r in t.records) == total
    assert len([e for e in events if e.kind is K.PIP]) == 3 * 500
    assert len([e for e in events if e.kind is K.HALFWAY]) == 500
    assert [e.at for e in events if e.kind is K.SESSION_FINISHED] == [total]
    ats = [e.at for e in events]
    assert ats == sorted(ats)


SIX_HOURS = """
name = "Six hours"
countdown = 5
halfway = true

[[steps]]
kind = "warmup"
duration = "30:00"

[[steps]]
repeat = 4

  [[steps.steps]]
  repeat = 5
  skip_last_rest = true

    [[steps.steps.steps]]
    kind = "work"
    duration = "10:00"

    [[steps.steps.steps]]
    kind = "rest"
    duration = "5:00"

  [[steps.steps]]
  kind = "rest"
  duration = "5:00"

[[steps]]
kind = "cooldown"
duration = "30:00"
"""


@tried(
    "Timer state machine",
    "a 6-hour preset ticked every 61.7 s, and once after 6 hours, with a 10-minute pause",
    "every step ends on time, pips and the finish exactly where planned, no event lost",
)
@pytest.mark.parametrize("tick_every", [61.7, 6 * 3600 + 100.0])
def test_six_hour_preset_by_coarse_ticks(tick_every):
    sched = build_schedule(parse_preset(SIX_HOURS))
    assert sched.total_planned_s == 6 * 3600
    t0 = 12_345.678
    t = Timer(sched, get_ready_s=10)
    events = t.start(t0)
    now = t0
    paused = 0.0
    while not t.done:
        now += tick_every
        events += t.tick(now)
        if not t.done and len(t.records) == 20 and paused == 0.0:
            events += t.pause(now)
            now += 600.0
            events += t.resume(now)
            paused = 600.0
    assert [r.index for r in t.records] == list(range(len(sched.steps)))
    assert all(r.how is Ended.TIME for r in t.records)
    for r, s in zip(t.records, sched.steps, strict=True):
        assert r.active_s == pytest.approx(s.planned_s, abs=1e-6)
    assert t.active_elapsed(now) == pytest.approx(6 * 3600, abs=1e-6)
    assert sum(r.paused_s for r in t.records) == pytest.approx(paused, abs=1e-6)
    finished = [e for e in events if e.kind is K.SESSION_FINISHED]
    assert len(finished) == 1
    assert finished[0].at == pytest.approx(t0 + 10 + 6 * 3600 + paused, abs=1e-6)
    pips = [e for e in events if e.kind is K.PIP]
    assert len(pips) == 5 * (len(sched.steps) + 1)  # every step and the get-ready
    ats = [e.at for e in events]
    assert ats == sorted(ats)


# --- random operations on long sessions -------------------------------------------------------

LONG_PRESETS = {
    "1,200 steps": build_schedule(
        parse_preset(
            """
name = "1,200 steps"
halfway = true
[[steps]]
repeat = 400
  [[steps.steps]]
  kind = "work"
  duration = 30
  [[steps.steps]]
  kind = "rest"
  duration = 15
  [[steps.steps]]
  kind = "work"
  until = "lap"
"""
        )
    ),
    "six hours": build_schedule(parse_preset(SIX_HOURS)),
}


class LongTimerMachine(TimerMachine):
    """The same operations and invariants on a 1,200-step session and a 6-hour one, with
    jumps of up to 7 hours and bursts of up to 300 skips to get deep into them."""

    @initialize(
        which=st.sampled_from(sorted(LONG_PRESETS)),
        get_ready=st.sampled_from([0.0, 5.0, 10.0]),
        t0=st.one_of(st.just(0.0), st.floats(0, 1e9, allow_nan=False)),
    )
    def setup(self, which: str, get_ready: float, t0: float) -> None:
        self.begin(LONG_PRESETS[which], get_ready, t0)

    @rule(gap=st.floats(0, 7 * 3600, allow_nan=False))
    def tick_far(self, gap):
        self.call("tick", self.now + gap)

    @rule(n=st.integers(1, 300), gap=st.floats(0, 2, allow_nan=False))
    def skip_many(self, n, gap):
        for _ in range(n):
            self.call("skip", self.now + gap)


LongTimerMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_long_timer_state_machine = LongTimerMachine.TestCase
stateful_cases(
    "test_timer_stateful::test_long_timer_state_machine",
    test_long_timer_state_machine,
    "Timer state machine",
    "the same random operations on a 1,200-step session (timed and lap-ended reps) and the "
    "6-hour preset, with jumps of up to 7 hours, bursts of up to 300 skips, start times up "
    "to 10^9 s",
    "every invariant held through the whole session: remaining within [0, planned], active = "
    "wall - paused, step records match step-ended events, events in time order, one end",
)
