"""Unit tests for the pure session timer (speedtimer.core.timer).

Every call takes `now`; events come back stamped with the exact time they were due. The tests
assert exact event lists wherever the timings are representable exactly in floating point.
"""

from __future__ import annotations

import random

import pytest

from speedtimer.core.schedule import Schedule, ScheduledStep, build_schedule
from speedtimer.core.timer import (
    BACK_GRACE_S,
    Ended,
    Event,
    EventKind,
    State,
    StepRecord,
    Timer,
)
from speedtimer.formats.preset_toml import parse_preset

K = EventKind


# --- helpers -------------------------------------------------------------------------------


def schedule_from(body: str, *, countdown: int = 3, halfway: bool = False) -> Schedule:
    text = f'name = "test"\ncountdown = {countdown}\nhalfway = {str(halfway).lower()}\n{body}'
    return build_schedule(parse_preset(text))


def steps(*durations: int | None, countdown: int = 3, halfway: bool = False) -> Schedule:
    """A flat schedule: an int is a timed work step of that many seconds, None an open step."""
    body = []
    for d in durations:
        body.append('[[steps]]\nkind = "work"')
        body.append(f"duration = {d}" if d is not None else 'until = "lap"')
    return schedule_from("\n".join(body) + "\n", countdown=countdown, halfway=halfway)


def started(sched: Schedule, at: float = 0.0, get_ready_s: float = 0.0) -> Timer:
    t = Timer(sched, get_ready_s=get_ready_s)
    t.start(at)
    return t


def pip(at: float, n: int, index: int | None = 0) -> Event:
    return Event(K.PIP, at, index=index, n=n)


def began(at: float, index: int) -> Event:
    return Event(K.STEP_STARTED, at, index=index)


def ended(at: float, index: int, how: Ended, seconds: float) -> Event:
    return Event(K.STEP_ENDED, at, index=index, how=how, seconds=seconds)


def of_kind(events: list[Event], *kinds: EventKind) -> list[Event]:
    return [e for e in events if e.kind in kinds]


def run_ticks(t: Timer, start: float, stop: float, step: float) -> list[Event]:
    events = []
    now = start
    while now <= stop:
        events += t.tick(now)
        now += step
    return events


# --- start ---------------------------------------------------------------------------------


def test_idle_timer_before_start():
    sched = steps(10, 20)
    t = Timer(sched, get_ready_s=5)
    assert t.state is State.IDLE
    assert t.current is None
    assert t.current_index is None
    assert t.next_step == sched.steps[0]
    assert not t.in_get_ready
    assert not t.paused
    assert not t.done
    assert t.next_event_time() is None
    assert t.step_planned() is None
    assert t.step_elapsed(3) == 0.0
    assert t.step_remaining(3) is None
    assert t.active_elapsed(3) == 0.0
    assert t.remaining_estimate(3) == 35.0
    assert t.tick(100) == []
    assert t.records == []


def test_start_without_get_ready():
    sched = steps(10, 20)
    t = Timer(sched, get_ready_s=0)
    assert t.start(100.0) == [Event(K.SESSION_STARTED, 100.0), began(100.0, 0)]
    assert t.state is State.RUNNING
    assert t.current_index == 0
    assert t.current == sched.steps[0]
    assert t.next_step == sched.steps[1]
    assert not t.in_get_ready
    assert t.step_planned() == 10.0
    assert t.next_event_time() == 107.0


def test_start_with_get_ready_pips_then_first_step_exactly_on_time():
    sched = steps(10)
    t = Timer(sched, get_ready_s=5)
    assert t.start(100.0) == [
        Event(K.SESSION_STARTED, 100.0),
        Event(K.GET_READY, 100.0, seconds=5.0),
    ]
    assert t.state is State.READY
    assert t.in_get_ready
    assert t.current is None
    assert t.current_index is None
    assert t.next_step == sched.steps[0]
    assert t.step_planned() == 5.0
    assert t.step_remaining(101.0) == 4.0
    assert t.next_event_time() == 102.0
    assert t.active_elapsed(104.0) == 0.0
    assert t.tick(105.0) == [
        pip(102.0, 3, None),
        pip(103.0, 2, None),
        pip(104.0, 1, None),
        began(105.0, 0),
    ]
    assert t.state is State.RUNNING
    assert not t.in_get_ready
    assert t.active_elapsed(106.5) == 1.5


def test_get_ready_pips_emitted_one_by_one():
    t = Timer(steps(10), get_ready_s=5)
    t.start(0.0)
    got = [t.tick(now) for now in (1.0, 2.0, 2.5, 3.0, 4.0, 4.999, 5.0)]
    assert got == [
        [],
        [pip(2.0, 3, None)],
        [],
        [pip(3.0, 2, None)],
        [pip(4.0, 1, None)],
        [],
        [began(5.0, 0)],
    ]


def test_get_ready_without_countdown_has_no_pips():
    t = Timer(steps(10, countdown=0), get_ready_s=5)
    t.start(0.0)
    assert t.tick(5.0) == [began(5.0, 0)]


def test_get_ready_shorter_than_countdown_gets_only_pips_after_its_start():
    t = Timer(steps(10), get_ready_s=2)
    t.start(0.0)
    assert t.tick(2.0) == [pip(1.0, 1, None), began(2.0, 0)]


def test_negative_get_ready_means_none():
    t = Timer(steps(10), get_ready_s=-3)
    assert t.start(0.0) == [Event(K.SESSION_STARTED, 0.0), began(0.0, 0)]


def test_start_twice_does_not_restart():
    t = started(steps(10))
    assert t.start(1.0) == []
    assert t.current_index == 0
    assert t.next_event_time() == 7.0
    # like every call, a late second start emits what fell due; the clock never skips events
    assert t.start(8.0) == [pip(7.0, 3), pip(8.0, 2)]
    assert t.next_event_time() == 9.0
    assert len(t.records) == 0


def test_operations_before_start_do_nothing():
    t = Timer(steps(10, None), get_ready_s=5)
    for op in (t.tick, t.pause, t.resume, t.toggle_pause, t.lap, t.skip, t.back, t.abort):
        assert op(1.0) == []
    assert t.add_time(1.0, 10) == []
    assert t.state is State.IDLE
    assert t.records == []


def test_empty_schedule_finishes_at_once():
    t = Timer(Schedule("empty", ()), get_ready_s=0)
    assert t.start(3.0) == [Event(K.SESSION_STARTED, 3.0), Event(K.SESSION_FINISHED, 3.0)]
    assert t.done
    assert t.state is State.FINISHED


# --- countdown pips ------------------------------------------------------------------------


def test_countdown_pips_at_3_2_1_then_boundary():
    t = started(steps(10, 5))
    got = [t.tick(float(now)) for now in range(1, 16)]
    assert got == [
        [],
        [],
        [],
        [],
        [],
        [],
        [pip(7.0, 3)],
        [pip(8.0, 2)],
        [pip(9.0, 1)],
        [ended(10.0, 0, Ended.TIME, 10.0), began(10.0, 1)],
        [],
        [pip(12.0, 3, 1)],
        [pip(13.0, 2, 1)],
        [pip(14.0, 1, 1)],
        [ended(15.0, 1, Ended.TIME, 5.0), Event(K.SESSION_FINISHED, 15.0)],
    ]
    assert t.done
    assert t.state is State.FINISHED
    assert t.records == [
        StepRecord(0, 0.0, 10.0, 10.0, 0.0, Ended.TIME, (), 10.0),
        StepRecord(1, 10.0, 15.0, 5.0, 0.0, Ended.TIME, (), 5.0),
    ]


def test_countdown_zero_gives_no_pips():
    t = started(steps(10, 5, countdown=0))
    events = run_ticks(t, 0.0, 20.0, 0.5)
    assert of_kind(events, K.PIP) == []
    assert events == [
        ended(10.0, 0, Ended.TIME, 10.0),
        began(10.0, 1),
        ended(15.0, 1, Ended.TIME, 5.0),
        Event(K.SESSION_FINISHED, 15.0),
    ]
    assert t.next_event_time() is None


def test_countdown_of_five():
    t = started(steps(30, countdown=5))
    assert of_kind(t.tick(30.0), K.PIP) == [pip(float(30 - n), n) for n in (5, 4, 3, 2, 1)]


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (1, []),
        (2, [pip(1.0, 1)]),
        (3, [pip(1.0, 2), pip(2.0, 1)]),
        (4, [pip(1.0, 3), pip(2.0, 2), pip(3.0, 1)]),
    ],
)
def test_short_steps_only_get_pips_after_their_start(length, expected):
    t = started(steps(length))
    assert of_kind(t.tick(100.0), K.PIP) == expected


# --- halfway -------------------------------------------------------------------------------


def test_halfway_cue_in_long_timed_step():
    t = started(steps(60, halfway=True))
    assert t.next_event_time() == 30.0
    assert t.tick(29.9) == []
    assert t.tick(30.0) == [Event(K.HALFWAY, 30.0, index=0)]
    assert t.next_event_time() == 57.0
    assert t.tick(45.0) == []
    assert of_kind(t.tick(60.0), K.HALFWAY) == []


def test_halfway_emitted_once_per_step_in_order_with_pips():
    t = started(steps(21, 40, halfway=True))
    events = t.tick(100.0)
    assert [(e.kind, e.at, e.index) for e in of_kind(events, K.HALFWAY, K.PIP)] == [
        (K.HALFWAY, 10.5, 0),
        (K.PIP, 18.0, 0),
        (K.PIP, 19.0, 0),
        (K.PIP, 20.0, 0),
        (K.HALFWAY, 41.0, 1),
        (K.PIP, 58.0, 1),
        (K.PIP, 59.0, 1),
        (K.PIP, 60.0, 1),
    ]


def test_no_halfway_for_steps_of_20_s_or_less():
    t = started(steps(20, 10, 5, halfway=True))
    assert of_kind(t.tick(100.0), K.HALFWAY) == []


def test_no_halfway_when_disabled():
    t = started(steps(60, halfway=False))
    assert of_kind(t.tick(100.0), K.HALFWAY) == []


def test_no_halfway_in_open_steps():
    t = started(steps(None, halfway=True))
    assert t.tick(1000.0) == []
    assert t.next_event_time() is None


def test_no_halfway_during_get_ready():
    t = Timer(steps(10, halfway=True), get_ready_s=30)
    t.start(0.0)
    assert t.next_event_time() == 27.0
    events = t.tick(30.0)
    assert of_kind(events, K.HALFWAY) == []
    assert events == [pip(27.0, 3, None), pip(28.0, 2, None), pip(29.0, 1, None), began(30.0, 0)]


# --- late and irregular ticks ---------------------------------------------------------------


def test_late_tick_emits_everything_in_between_in_order():
    t = started(steps(10, 5))
    assert t.tick(6.0) == []
    assert t.tick(13.0) == [  # seven seconds late
        pip(7.0, 3),
        pip(8.0, 2),
        pip(9.0, 1),
        ended(10.0, 0, Ended.TIME, 10.0),
        began(10.0, 1),
        pip(12.0, 3, 1),
        pip(13.0, 2, 1),
    ]
    assert t.next_event_time() == 14.0


def test_one_tick_after_a_whole_session():
    sched = steps(10, 25, 4, halfway=True)
    t = Timer(sched, get_ready_s=5)
    t.start(0.0)
    assert t.tick(10_000.0) == [
        pip(2.0, 3, None),
        pip(3.0, 2, None),
        pip(4.0, 1, None),
        began(5.0, 0),
        pip(12.0, 3),
        pip(13.0, 2),
        pip(14.0, 1),
        ended(15.0, 0, Ended.TIME, 10.0),
        began(15.0, 1),
        Event(K.HALFWAY, 27.5, index=1),
        pip(37.0, 3, 1),
        pip(38.0, 2, 1),
        pip(39.0, 1, 1),
        ended(40.0, 1, Ended.TIME, 25.0),
        began(40.0, 2),
        pip(41.0, 3, 2),
        pip(42.0, 2, 2),
        pip(43.0, 1, 2),
        ended(44.0, 2, Ended.TIME, 4.0),
        Event(K.SESSION_FINISHED, 44.0),
    ]
    assert t.tick(20_000.0) == []
    assert t.active_elapsed(20_000.0) == 39.0
    assert [r.active_s for r in t.records] == [10.0, 25.0, 4.0]


def test_no_drift_with_irregular_ticks():
    durations = [30, 45, 60, 15, 90, 7, 120]
    t = Timer(steps(*durations, halfway=True), get_ready_s=0)
    events = t.start(1000.0)
    rng = random.Random(1234)
    now = 1000.0
    while not t.done:
        now += 0.37 + rng.uniform(-0.2, 0.2)
        got = t.tick(now)
        assert all(e.at <= now for e in got)
        events += got
    expected_boundaries = []
    b = 1000.0
    for d in durations:
        b += d
        expected_boundaries.append(b)
    assert [e.at for e in of_kind(events, K.STEP_ENDED)] == expected_boundaries
    assert [e.at for e in of_kind(events, K.STEP_STARTED)] == [1000.0] + expected_boundaries[:-1]
    assert of_kind(events, K.SESSION_FINISHED) == [
        Event(K.SESSION_FINISHED, expected_boundaries[-1])
    ]
    pips = of_kind(events, K.PIP)
    assert len(pips) == 3 * len(durations)
    for i, end in enumerate(expected_boundaries):
        mine = [p for p in pips if p.index == i]
        assert [p.n for p in mine] == [3, 2, 1]
        for p in mine:
            assert p.at == pytest.approx(end - p.n, abs=1e-9)
    ats = [e.at for e in events]
    assert ats == sorted(ats)
    assert t.active_elapsed(now) == pytest.approx(sum(durations), abs=1e-9)


def test_tick_between_representable_times_does_not_lose_a_pip():
    # 86.468 + 131 rounds up to 217.46800000000002 while 217.468 - 86.468 == 131.0 exactly: a
    # tick at 217.468 is just before the pip and must leave it pending, not mark it as heard.
    start = 86.468
    assert 217.468 - start == 131.0
    assert start + 131.0 > 217.468
    t = started(steps(134), at=start)
    assert t.tick(217.468) == []
    assert t.next_event_time() == start + 131.0
    assert t.tick(217.5) == [pip(start + 131.0, 3)]
    assert [e.n for e in of_kind(t.tick(300.0), K.PIP)] == [2, 1]


def test_tick_at_next_event_time_always_emits_it():
    t = started(steps(30, 31, None, 10, halfway=True), at=12.345)
    seen = []
    while (nxt := t.next_event_time()) is not None:
        got = t.tick(nxt)
        assert got and got[0].at == nxt
        seen += got
    assert t.current_index == 2  # open step: nothing due until a lap
    assert [e.n for e in of_kind(seen, K.PIP)] == [3, 2, 1, 3, 2, 1]
    assert len(of_kind(seen, K.HALFWAY)) == 2


# --- pause / resume ------------------------------------------------------------------------


def test_pause_and_resume_shift_later_boundaries():
    t = started(steps(10, 5))
    assert t.pause(3.0) == [Event(K.PAUSED, 3.0, index=0)]
    assert t.paused
    assert t.state is State.PAUSED
    assert t.next_event_time() is None
    assert t.tick(50.0) == []
    assert t.step_elapsed(50.0) == 3.0
    assert t.step_remaining(50.0) == 7.0
    assert t.active_elapsed(50.0) == 3.0
    assert t.resume(13.0 + 40.0) == [Event(K.RESUMED, 53.0, index=0)]
    assert not t.paused
    assert t.next_event_time() == 57.0
    assert t.active_elapsed(55.0) == 5.0
    assert t.tick(100.0) == [
        pip(57.0, 3),
        pip(58.0, 2),
        pip(59.0, 1),
        ended(60.0, 0, Ended.TIME, 10.0),
        began(60.0, 1),
        pip(62.0, 3, 1),
        pip(63.0, 2, 1),
        pip(64.0, 1, 1),
        ended(65.0, 1, Ended.TIME, 5.0),
        Event(K.SESSION_FINISHED, 65.0),
    ]
    assert t.records[0].paused_s == 50.0
    assert t.records[0].started_at == 0.0
    assert t.records[0].active_s == 10.0
    assert t.records[1].paused_s == 0.0
    assert t.active_elapsed(100.0) == 15.0


def test_pause_between_pips_neither_repeats_nor_loses_one():
    t = started(steps(10))
    assert t.tick(8.0) == [pip(7.0, 3), pip(8.0, 2)]
    assert t.pause(8.5) == [Event(K.PAUSED, 8.5, index=0)]
    assert t.tick(60.0) == []
    assert t.resume(100.5) == [Event(K.RESUMED, 100.5, index=0)]
    assert t.next_event_time() == 101.0
    assert t.tick(100.9) == []
    assert t.tick(102.0) == [
        pip(101.0, 1),
        ended(102.0, 0, Ended.TIME, 10.0),
        Event(K.SESSION_FINISHED, 102.0),
    ]


def test_pause_exactly_on_a_pip_keeps_it_heard():
    t = started(steps(10))
    assert t.pause(8.0) == [pip(7.0, 3), pip(8.0, 2), Event(K.PAUSED, 8.0, index=0)]
    t.resume(20.0)
    assert of_kind(t.tick(30.0), K.PIP) == [pip(21.0, 1)]


def test_paused_time_excluded_from_active_elapsed():
    t = started(steps(100))
    t.tick(10.0)
    t.pause(10.0)
    assert t.active_elapsed(25.0) == 10.0
    t.resume(30.0)
    assert t.active_elapsed(35.0) == 15.0
    t.toggle_pause(40.0)
    assert t.paused
    t.toggle_pause(41.5)
    assert not t.paused
    assert t.active_elapsed(50.0) == 28.5
    assert t.step_elapsed(50.0) == 28.5
    assert t.step_remaining(50.0) == 71.5


def test_pause_twice_and_resume_unpaused_do_nothing():
    t = started(steps(10))
    assert t.resume(1.0) == []
    t.pause(2.0)
    assert t.pause(3.0) == []
    assert t.resume(4.0) == [Event(K.RESUMED, 4.0, index=0)]
    assert t.active_elapsed(4.0) == 2.0


def test_pause_in_get_ready_lengthens_it_without_counting_active_time():
    t = Timer(steps(10), get_ready_s=5)
    t.start(0.0)
    assert t.pause(1.0) == [Event(K.PAUSED, 1.0, index=None)]
    assert t.in_get_ready
    assert t.tick(10.0) == []
    assert t.resume(11.0) == [Event(K.RESUMED, 11.0, index=None)]
    assert t.state is State.READY
    assert t.tick(15.0) == [
        pip(12.0, 3, None),
        pip(13.0, 2, None),
        pip(14.0, 1, None),
        began(15.0, 0),
    ]
    assert t.active_elapsed(16.0) == 1.0


def test_pause_at_a_boundary_pauses_the_next_step():
    t = started(steps(10, 5))
    events = t.pause(10.0)
    assert events[-1] == Event(K.PAUSED, 10.0, index=1)
    assert t.current_index == 1
    assert t.step_elapsed(20.0) == 0.0


def test_pause_after_finish_does_nothing():
    t = started(steps(1))
    t.tick(5.0)
    assert t.pause(6.0) == []
    assert t.toggle_pause(7.0) == []
    assert not t.paused


# --- lap -----------------------------------------------------------------------------------


def test_lap_ends_an_open_step():
    sched = steps(None, 10)
    t = started(sched)
    assert t.step_planned() is None
    assert t.step_remaining(5.0) is None
    assert t.next_event_time() is None
    assert t.tick(37.5) == []
    assert t.step_elapsed(37.5) == 37.5
    assert t.lap(37.5) == [
        Event(K.LAP, 37.5, index=0, split_s=37.5),
        ended(37.5, 0, Ended.LAP, 37.5),
        began(37.5, 1),
    ]
    assert t.records == [StepRecord(0, 0.0, 37.5, 37.5, 0.0, Ended.LAP, (37.5,), None)]
    assert t.next_event_time() == 44.5


def test_lap_in_a_timed_step_records_a_split_and_continues():
    t = started(steps(60, 10))
    assert t.lap(20.0) == [Event(K.LAP, 20.0, index=0, split_s=20.0)]
    assert t.lap(45.0) == [Event(K.LAP, 45.0, index=0, split_s=25.0)]
    assert t.current_index == 0
    assert t.current_splits == (20.0, 25.0)
    assert t.step_remaining(45.0) == 15.0
    events = t.tick(60.0)
    assert events[-2:] == [ended(60.0, 0, Ended.TIME, 60.0), began(60.0, 1)]
    assert t.records[0].splits == (20.0, 25.0)
    assert t.records[0].how is Ended.TIME
    assert t.current_splits == ()


def test_lap_split_excludes_pause():
    t = started(steps(None))
    t.pause(10.0)
    t.resume(30.0)
    assert t.lap(35.0)[0] == Event(K.LAP, 35.0, index=0, split_s=15.0)
    assert t.records[0].active_s == 15.0
    assert t.records[0].paused_s == 20.0
    assert t.records[0].ended_at == 35.0


def test_late_lap_first_runs_the_due_boundaries():
    t = started(steps(10, None))
    assert t.lap(12.0) == [
        pip(7.0, 3),
        pip(8.0, 2),
        pip(9.0, 1),
        ended(10.0, 0, Ended.TIME, 10.0),
        began(10.0, 1),
        Event(K.LAP, 12.0, index=1, split_s=2.0),
        ended(12.0, 1, Ended.LAP, 2.0),
        Event(K.SESSION_FINISHED, 12.0),
    ]


def test_lap_during_get_ready_does_nothing():
    t = Timer(steps(None), get_ready_s=5)
    t.start(0.0)
    assert t.lap(1.0) == []
    assert t.in_get_ready
    assert t.current_splits == ()


def test_lap_while_paused_does_nothing():
    t = started(steps(None))
    t.pause(5.0)
    assert t.lap(6.0) == []
    assert t.paused
    assert t.current_splits == ()
    assert t.records == []


def test_lap_after_finish_does_nothing():
    t = started(steps(None))
    t.lap(3.0)
    assert t.done
    assert t.lap(4.0) == []


# --- skip ----------------------------------------------------------------------------------


def test_skip_ends_the_step_now_and_starts_the_next():
    t = started(steps(10, 20))
    assert t.skip(4.0) == [ended(4.0, 0, Ended.SKIPPED, 4.0), began(4.0, 1)]
    assert t.current_index == 1
    assert t.next_event_time() == 21.0
    assert t.records[0] == StepRecord(0, 0.0, 4.0, 4.0, 0.0, Ended.SKIPPED, (), 10.0)


def test_skip_the_last_step_finishes_exactly_once():
    t = started(steps(10, 20))
    t.skip(1.0)
    assert t.skip(2.0) == [ended(2.0, 1, Ended.SKIPPED, 1.0), Event(K.SESSION_FINISHED, 2.0)]
    assert t.done
    assert t.skip(3.0) == []
    assert t.tick(100.0) == []
    assert t.abort(101.0) == []
    assert t.state is State.FINISHED
    assert t.active_elapsed(200.0) == 2.0
    assert t.remaining_estimate(200.0) == 0.0


def test_skip_during_get_ready_starts_step_0():
    t = Timer(steps(10), get_ready_s=5)
    t.start(0.0)
    assert t.tick(2.0) == [pip(2.0, 3, None)]
    assert t.skip(2.5) == [began(2.5, 0)]
    assert not t.in_get_ready
    assert t.records == []
    assert t.tick(20.0)[0] == pip(9.5, 3)
    assert t.active_elapsed(20.0) == 10.0


def test_skip_while_paused_stays_paused_on_the_next_step():
    t = started(steps(10, 20))
    t.pause(4.0)
    assert t.skip(9.0) == [ended(9.0, 0, Ended.SKIPPED, 4.0), began(9.0, 1)]
    assert t.paused
    assert t.current_index == 1
    assert t.next_event_time() is None
    assert t.step_elapsed(30.0) == 0.0
    assert t.tick(30.0) == []
    assert t.records[0].paused_s == 5.0
    assert t.active_elapsed(30.0) == 4.0
    assert t.resume(30.0) == [Event(K.RESUMED, 30.0, index=1)]
    assert t.next_event_time() == 47.0
    assert t.records[-1].index == 0
    t.tick(50.0)
    assert t.records[1] == StepRecord(1, 9.0, 50.0, 20.0, 21.0, Ended.TIME, (), 20.0)
    assert t.active_elapsed(50.0) == 24.0


def test_skip_during_paused_get_ready_stays_paused_on_step_0():
    t = Timer(steps(10), get_ready_s=5)
    t.start(0.0)
    t.pause(1.0)
    assert t.skip(3.0) == [began(3.0, 0)]
    assert t.paused
    assert t.active_elapsed(10.0) == 0.0
    t.resume(10.0)
    assert t.active_elapsed(12.0) == 2.0
    assert t.next_event_time() == 17.0


def test_skip_last_step_while_paused_finishes():
    t = started(steps(10))
    t.pause(4.0)
    assert t.skip(9.0) == [ended(9.0, 0, Ended.SKIPPED, 4.0), Event(K.SESSION_FINISHED, 9.0)]
    assert not t.paused
    assert t.done
    assert t.active_elapsed(20.0) == 4.0


# --- back ----------------------------------------------------------------------------------


def test_back_after_grace_restarts_the_current_step():
    t = started(steps(10, 20))
    t.tick(10.0)
    assert t.back(15.0) == [ended(15.0, 1, Ended.BACK, 5.0), began(15.0, 1)]
    assert t.current_index == 1
    assert t.next_event_time() == 32.0
    assert t.records[-1] == StepRecord(1, 10.0, 15.0, 5.0, 0.0, Ended.BACK, (), 20.0)


def test_back_exactly_at_grace_restarts():
    t = started(steps(10, 20))
    t.tick(10.0)
    assert t.back(10.0 + BACK_GRACE_S) == [
        ended(12.0, 1, Ended.BACK, 2.0),
        began(12.0, 1),
    ]


def test_back_within_grace_goes_to_the_previous_step():
    t = started(steps(10, 20, 30))
    t.tick(30.0)
    assert t.current_index == 2
    assert t.back(31.5) == [ended(31.5, 2, Ended.BACK, 1.5), began(31.5, 1)]
    assert t.current_index == 1
    assert t.step_remaining(31.5) == 20.0
    events = t.tick(100.0)
    assert [e for e in events if e.kind is K.STEP_STARTED] == [began(51.5, 2)]
    assert [(r.index, r.how) for r in t.records] == [
        (0, Ended.TIME),
        (1, Ended.TIME),
        (2, Ended.BACK),
        (1, Ended.TIME),
        (2, Ended.TIME),
    ]
    assert t.active_elapsed(200.0) == pytest.approx(sum(r.active_s for r in t.records))


def test_back_at_the_first_step_restarts_it():
    t = started(steps(10, 20))
    assert t.back(1.0) == [ended(1.0, 0, Ended.BACK, 1.0), began(1.0, 0)]
    assert t.current_index == 0
    assert t.next_event_time() == 8.0
    assert t.back(5.0) == [ended(5.0, 0, Ended.BACK, 4.0), began(5.0, 0)]


def test_back_grace_counts_active_time_not_paused_time():
    t = started(steps(10, 20))
    t.tick(10.0)
    t.pause(11.0)
    t.resume(50.0)
    assert t.back(50.5)[-1] == began(50.5, 0)  # 1.5 s active in step 1


def test_back_while_paused_stays_paused():
    t = started(steps(10, 20))
    t.tick(10.0)
    t.pause(13.0)
    assert t.back(20.0) == [ended(20.0, 1, Ended.BACK, 3.0), began(20.0, 1)]
    assert t.paused
    assert t.records[-1].paused_s == 7.0
    assert t.step_elapsed(25.0) == 0.0


def test_back_during_get_ready_does_nothing():
    t = Timer(steps(10), get_ready_s=5)
    t.start(0.0)
    assert t.back(1.0) == []
    assert t.in_get_ready
    assert t.tick(5.0)[-1] == began(5.0, 0)


# --- add_time ------------------------------------------------------------------------------


def test_add_ten_seconds():
    t = started(steps(30, 5))
    assert t.add_time(10.0, 10) == [Event(K.TIME_ADDED, 10.0, index=0, seconds=10.0)]
    assert t.step_planned() == 40.0
    assert t.step_remaining(10.0) == 30.0
    assert t.next_event_time() == 37.0
    assert t.remaining_estimate(10.0) == 35.0
    events = t.tick(40.0)
    assert events[-2:] == [ended(40.0, 0, Ended.TIME, 40.0), began(40.0, 1)]
    assert t.records[0].planned_s == 40.0


def test_remove_ten_seconds():
    t = started(steps(30, 5))
    assert t.add_time(5.0, -10) == [Event(K.TIME_ADDED, 5.0, index=0, seconds=-10.0)]
    assert t.step_planned() == 20.0
    assert t.step_remaining(5.0) == 15.0
    assert t.tick(20.0) == [
        pip(17.0, 3),
        pip(18.0, 2),
        pip(19.0, 1),
        ended(20.0, 0, Ended.TIME, 20.0),
        began(20.0, 1),
    ]


def test_adding_time_during_the_countdown_sounds_it_again():
    t = started(steps(10))
    assert t.tick(8.0) == [pip(7.0, 3), pip(8.0, 2)]
    assert t.add_time(8.5, 10) == [Event(K.TIME_ADDED, 8.5, index=0, seconds=10.0)]
    assert t.next_event_time() == 17.0
    assert t.tick(20.0) == [
        pip(17.0, 3),
        pip(18.0, 2),
        pip(19.0, 1),
        ended(20.0, 0, Ended.TIME, 20.0),
        Event(K.SESSION_FINISHED, 20.0),
    ]


def test_removing_time_does_not_replay_passed_pips():
    t = started(steps(20))
    assert t.add_time(6.5, -12) == [Event(K.TIME_ADDED, 6.5, index=0, seconds=-12.0)]
    # 1.5 s remain: pips 3 and 2 would have been at 5 s and 6 s, already passed
    assert t.tick(8.0) == [
        pip(7.0, 1),
        ended(8.0, 0, Ended.TIME, 8.0),
        Event(K.SESSION_FINISHED, 8.0),
    ]


def test_removing_more_than_remains_ends_the_step_now():
    t = started(steps(10, 5))
    assert t.add_time(4.0, -100) == [
        Event(K.TIME_ADDED, 4.0, index=0, seconds=-6.0),
        ended(4.0, 0, Ended.TIME, 4.0),
        began(4.0, 1),
    ]
    assert t.records[0].planned_s == 4.0
    assert t.records[0].active_s == 4.0


def test_add_time_on_an_open_step_does_nothing():
    t = started(steps(None))
    assert t.add_time(3.0, 10) == []
    assert t.add_time(3.0, -10) == []
    assert t.step_planned() is None
    assert t.next_event_time() is None


def test_add_zero_does_nothing():
    t = started(steps(10))
    assert t.add_time(3.0, 0) == []
    assert t.step_planned() == 10.0


def test_add_time_during_get_ready():
    t = Timer(steps(10), get_ready_s=5)
    t.start(0.0)
    assert t.add_time(1.0, 10) == [Event(K.TIME_ADDED, 1.0, index=None, seconds=10.0)]
    assert t.in_get_ready
    assert t.tick(15.0) == [
        pip(12.0, 3, None),
        pip(13.0, 2, None),
        pip(14.0, 1, None),
        began(15.0, 0),
    ]


def test_add_time_while_paused_stays_paused():
    t = started(steps(10))
    t.pause(3.0)
    assert t.add_time(5.0, 10) == [Event(K.TIME_ADDED, 5.0, index=0, seconds=10.0)]
    assert t.paused
    assert t.step_remaining(50.0) == 17.0
    assert t.active_elapsed(50.0) == 3.0
    t.resume(100.0)
    assert t.next_event_time() == 114.0
    assert t.tick(117.0)[-2] == ended(117.0, 0, Ended.TIME, 20.0)


def test_remove_all_time_while_paused_ends_the_step_and_stays_paused():
    t = started(steps(10, 5))
    t.pause(3.0)
    assert t.add_time(8.0, -30) == [
        Event(K.TIME_ADDED, 8.0, index=0, seconds=-7.0),
        ended(8.0, 0, Ended.TIME, 3.0),
        began(8.0, 1),
    ]
    assert t.paused
    assert t.current_index == 1


def test_add_time_moves_a_pending_halfway_cue():
    t = started(steps(30, halfway=True))
    t.add_time(5.0, 30)
    assert t.next_event_time() == 30.0
    assert of_kind(t.tick(60.0), K.HALFWAY) == [Event(K.HALFWAY, 30.0, index=0)]


def test_halfway_already_heard_is_not_repeated_after_add_time():
    t = started(steps(30, halfway=True))
    t.tick(16.0)
    t.add_time(16.0, 30)
    assert of_kind(t.tick(100.0), K.HALFWAY) == []


# --- abort ---------------------------------------------------------------------------------


def test_abort_records_the_partial_step():
    t = started(steps(10, 20))
    t.lap(3.0)
    assert t.abort(4.5) == [ended(4.5, 0, Ended.ABORTED, 4.5), Event(K.SESSION_ABORTED, 4.5)]
    assert t.state is State.ABORTED
    assert t.done
    assert t.current is None
    assert t.current_index is None
    assert t.next_step is None
    assert t.next_event_time() is None
    # splits are the laps taken; aborting adds none
    assert t.records == [StepRecord(0, 0.0, 4.5, 4.5, 0.0, Ended.ABORTED, (3.0,), 10.0)]
    assert t.active_elapsed(100.0) == 4.5
    assert t.remaining_estimate(100.0) == 0.0
    for op in (t.tick, t.pause, t.resume, t.toggle_pause, t.lap, t.skip, t.back, t.abort):
        assert op(200.0) == []
    assert t.add_time(200.0, 10) == []
    assert t.start(200.0) == []
    assert len(t.records) == 1


def test_abort_while_paused_uses_the_pause_time():
    t = started(steps(10, 20))
    t.tick(10.0)
    t.pause(12.0)
    assert t.abort(50.0) == [ended(12.0, 1, Ended.ABORTED, 2.0), Event(K.SESSION_ABORTED, 50.0)]
    assert not t.paused
    assert t.records[-1].ended_at == 12.0
    assert t.active_elapsed(60.0) == 12.0


def test_abort_during_get_ready_records_nothing():
    t = Timer(steps(10), get_ready_s=5)
    t.start(0.0)
    assert t.abort(2.5) == [pip(2.0, 3, None), Event(K.SESSION_ABORTED, 2.5)]
    assert t.records == []
    assert t.active_elapsed(3.0) == 0.0
    assert t.tick(10.0) == []


def test_late_abort_runs_due_events_first():
    t = started(steps(3, 5))
    assert t.abort(4.0) == [
        pip(1.0, 2),
        pip(2.0, 1),
        ended(3.0, 0, Ended.TIME, 3.0),
        began(3.0, 1),
        ended(4.0, 1, Ended.ABORTED, 1.0),
        Event(K.SESSION_ABORTED, 4.0),
    ]


# --- nested sets ---------------------------------------------------------------------------

NESTED = """
[[steps]]
kind = "warmup"
duration = 60

[[steps]]
repeat = 2
skip_last_rest = true

  [[steps.steps]]
  repeat = 3
  skip_last_rest = true

    [[steps.steps.steps]]
    kind = "work"
    duration = 20

    [[steps.steps.steps]]
    kind = "rest"
    duration = 10

  [[steps.steps]]
  kind = "rest"
  label = "Set rest"
  duration = 90

[[steps]]
kind = "cooldown"
until = "lap"
"""


def test_nested_sets_with_skip_last_rest_run_in_order():
    sched = schedule_from(NESTED)
    t = started(sched, at=0.0)
    seen = [(t.current.kind, t.current.rep, t.current.set, 0.0)]
    for e in t.tick(320.0):
        if e.kind is K.STEP_STARTED:
            s = t.schedule.steps[e.index]
            seen.append((s.kind, s.rep, s.set, e.at))
    assert seen == [
        ("warmup", None, None, 0.0),
        ("work", 1, 1, 60.0),
        ("rest", 1, 1, 80.0),
        ("work", 2, 1, 90.0),
        ("rest", 2, 1, 110.0),
        ("work", 3, 1, 120.0),
        ("rest", None, 1, 140.0),  # the rest between sets belongs to set 1, no rep
        ("work", 1, 2, 230.0),
        ("rest", 1, 2, 250.0),
        ("work", 2, 2, 260.0),
        ("rest", 2, 2, 280.0),
        ("work", 3, 2, 290.0),
        ("cooldown", None, None, 310.0),
    ]
    assert sched.steps[6].label == "Set rest"
    assert sched.steps[6].rep is None
    assert t.current.kind == "cooldown"
    assert t.next_step is None
    assert t.next_event_time() is None
    assert t.lap(400.0)[-1] == Event(K.SESSION_FINISHED, 400.0)
    assert [r.index for r in t.records] == list(range(13))
    assert t.active_elapsed(500.0) == 400.0


# --- next_event_time -----------------------------------------------------------------------


def test_next_event_time_walks_every_cue_and_boundary():
    t = started(steps(60, 2, halfway=True), at=100.0)
    times = []
    while (nxt := t.next_event_time()) is not None:
        times.append(nxt)
        t.tick(nxt)
    assert times == [130.0, 157.0, 158.0, 159.0, 160.0, 161.0, 162.0]
    assert t.done


def test_next_event_time_none_for_an_open_step_without_cues():
    t = started(steps(None, 10))
    assert t.next_event_time() is None
    t.tick(500.0)
    assert t.next_event_time() is None
    t.lap(500.0)
    assert t.next_event_time() == 507.0


def test_next_event_time_for_a_timed_step_without_countdown_is_its_end():
    t = started(steps(10, countdown=0), at=1.0)
    assert t.next_event_time() == 11.0


def test_next_event_time_follows_pause_and_resume():
    t = started(steps(10))
    t.pause(2.0)
    assert t.next_event_time() is None
    t.resume(5.0)
    assert t.next_event_time() == 10.0
    t.tick(10.0)
    assert t.next_event_time() == 11.0


# --- clamping ------------------------------------------------------------------------------


def test_now_going_backwards_is_clamped():
    t = started(steps(10, 5), at=100.0)
    assert t.tick(50.0) == []
    assert t.step_elapsed(50.0) == 0.0
    assert t.active_elapsed(50.0) == 0.0
    assert t.step_remaining(50.0) == 10.0
    assert t.tick(104.0) == []
    assert t.lap(90.0) == [Event(K.LAP, 104.0, index=0, split_s=4.0)]
    assert t.step_elapsed(0.0) == 4.0
    assert t.active_elapsed(0.0) == 4.0
    assert t.pause(80.0) == [Event(K.PAUSED, 104.0, index=0)]
    assert t.resume(70.0) == [Event(K.RESUMED, 104.0, index=0)]
    assert t.skip(60.0) == [ended(104.0, 0, Ended.SKIPPED, 4.0), began(104.0, 1)]
    assert all(r.active_s >= 0 for r in t.records)
    assert t.abort(0.0) == [ended(104.0, 1, Ended.ABORTED, 0.0), Event(K.SESSION_ABORTED, 104.0)]


def test_start_with_backwards_clock_after_queries_is_fine():
    t = Timer(steps(10), get_ready_s=0)
    t.tick(10.0)  # idle: nothing happens, but the clock still moves on
    assert t.start(5.0) == [Event(K.SESSION_STARTED, 10.0), began(10.0, 0)]


# --- remaining estimates -------------------------------------------------------------------


def test_step_remaining_and_elapsed_stay_within_the_plan():
    t = started(steps(10, 20))
    assert t.step_remaining(0.0) == 10.0
    assert t.step_remaining(4.0) == 6.0
    # a query beyond the boundary before the tick that moves on: clamped, never negative
    assert t.step_remaining(15.0) == 0.0
    assert t.step_elapsed(15.0) == 10.0
    for now in [x * 0.25 for x in range(0, 200)]:
        t.tick(now)
        if t.done:
            break
        planned = t.step_planned()
        assert 0.0 <= t.step_remaining(now) <= planned
        assert 0.0 <= t.step_elapsed(now) <= planned


def test_remaining_estimate():
    sched = schedule_from(
        """
[[steps]]
kind = "work"
duration = 30

[[steps]]
kind = "work"
until = "lap"
distance_m = 400
target_pace = "3:45/km"

[[steps]]
kind = "rest"
duration = 60

[[steps]]
kind = "cooldown"
until = "lap"
"""
    )
    t = Timer(sched, get_ready_s=5)
    assert t.remaining_estimate(0.0) == 30 + 90 + 60 + 5
    t.start(0.0)
    assert t.remaining_estimate(2.0) == 3 + 30 + 90 + 60
    t.tick(5.0)
    assert t.remaining_estimate(15.0) == 20 + 90 + 60
    assert t.remaining_estimate(500.0) == 90 + 60  # clamped, never below the later steps
    t.tick(35.0)
    assert t.remaining_estimate(75.0) == 50 + 60
    assert t.remaining_estimate(200.0) == 60  # open step past its target time counts zero
    t.lap(200.0)
    assert t.remaining_estimate(200.0) == 60
    t.tick(260.0)
    assert t.remaining_estimate(260.0) == 0.0
    t.lap(300.0)
    assert t.done
    assert t.remaining_estimate(300.0) == 0.0


# --- direct Schedule construction -----------------------------------------------------------


def test_schedule_built_directly():
    sched = Schedule(
        "direct",
        (
            ScheduledStep(0, "work", "", 5),
            ScheduledStep(1, "rest", "", None),
        ),
        countdown=1,
    )
    t = started(sched)
    assert t.tick(6.0) == [pip(4.0, 1), ended(5.0, 0, Ended.TIME, 5.0), began(5.0, 1)]
