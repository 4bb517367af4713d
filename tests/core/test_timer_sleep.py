"""The pure timer told that the computer slept: `Timer.suspended(now, slept_s)`.

The shell hands the timer a time scale that counted the sleep; the timer turns the sleep into a
pause that began when the computer went to sleep, so nothing falls due while it sleeps.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speedtimer.core.schedule import build_schedule
from speedtimer.core.timer import Ended, EventKind, State, Timer
from speedtimer.formats.preset_toml import parse_preset

K = EventKind


def rest_then_work() -> Timer:
    text = (
        'name = "t"\ncountdown = 3\n'
        '[[steps]]\nkind = "rest"\nduration = 60\n'
        '[[steps]]\nkind = "work"\nduration = 30\n'
    )
    t = Timer(build_schedule(parse_preset(text)), get_ready_s=0)
    t.start(0.0)
    return t


def test_a_sleep_is_a_pause_from_the_moment_of_sleep():
    t = rest_then_work()
    t.tick(30.0)  # 30 s of rest left
    # asleep at 30.5 for 123 s; the shell notices at 153.5 + 0.2 awake
    events = t.suspended(153.7, 123.0)
    assert [e.kind for e in events] == [K.PAUSED, K.SLEPT]
    assert events[0].at == pytest.approx(30.7)
    assert events[1].seconds == pytest.approx(123.0)
    assert t.state is State.PAUSED
    # still 30 s of rest left less the 0.7 s awake: the sleep did not eat the rest
    assert t.step_remaining(153.7) == pytest.approx(29.3)
    assert t.tick(159.0) == []  # nothing falls due while paused
    t.resume(160.0)
    assert t.step_remaining(160.0) == pytest.approx(29.3)
    out = t.tick(160.0 + 29.3)
    assert [e.kind for e in out if e.kind is K.STEP_ENDED] == [K.STEP_ENDED]
    rest = t.records[0]
    assert rest.how is Ended.TIME
    assert rest.active_s == pytest.approx(60.0)
    assert rest.paused_s == pytest.approx(160.0 - 30.7)  # the sleep's true length, and more


def test_events_due_before_the_sleep_still_come_once():
    t = rest_then_work()
    t.tick(50.0)
    events = t.suspended(58.5 + 200, 200.0)  # asleep at 58.5: pips at 57 and 58 were due
    assert [(e.kind, e.n) for e in events if e.kind is K.PIP] == [(K.PIP, 3), (K.PIP, 2)]
    assert t.state is State.PAUSED


def test_a_paused_or_finished_session_is_only_told():
    t = rest_then_work()
    t.pause(10.0)
    events = t.suspended(200.0, 120.0)
    assert [e.kind for e in events] == [K.SLEPT]
    assert t.state is State.PAUSED
    t2 = rest_then_work()
    t2.tick(1000.0)
    assert t2.state is State.FINISHED
    assert t2.suspended(2000.0, 120.0) == []


def test_a_sleep_longer_than_the_time_since_the_last_call_pauses_there():
    t = rest_then_work()
    t.tick(40.0)
    # a sleep clock that says more than the session clock moved: pause where the timer was
    events = t.suspended(50.0, 1e9)
    assert events[0].kind is K.PAUSED and events[0].at == 40.0


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=0, max_value=200),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_any_sleep_value_is_safe(before: float, slept: float):
    t = rest_then_work()
    t.tick(before)
    t.suspended(before + 1000.0, slept)
    assert t.state in (State.PAUSED, State.RUNNING, State.FINISHED)
    assert t.step_remaining(before + 2000.0) is None or t.step_remaining(before + 2000) >= 0
