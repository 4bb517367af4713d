"""A send-off alone (issue 15.3: "useful alone too, 10 x 100 m on 1:00"): in a solo run a
repeat block with `cycle` starts a rep every cycle, whatever the finish time; the rest is what
is left. Before, only coach mode's group core knew the rule and a solo run kept the fixed rest.
"""

from __future__ import annotations

import pytest

from speedtimer.formats.preset_toml import parse_preset
from speedtimer.session import Session
from tests.conftest import QuietAudio
from tests.helpers_app import preset_paths, quiet_app, screen_text, start_preset

PRESET = """
name = "100s on the minute"
tags = ["sendoffsolo"]
countdown = 0
[[steps]]
repeat = 3
cycle = "1:00"
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  until = "lap"
  distance_m = 100
  [[steps.steps]]
  kind = "rest"
  duration = 40
[[steps]]
kind = "cooldown"
duration = 30
"""


def test_each_rep_starts_a_cycle_after_the_last_whatever_the_finish(clock):
    s = Session(parse_preset(PRESET), audio=QuietAudio(), clock=clock, get_ready_s=0)
    t0 = clock.now
    s.start()
    starts = []
    for finish in (15.0, 22.5):  # the runner's 100 m times
        starts.append(s.timer.segment().start - t0)
        clock.advance(finish)
        s.lap()
        assert s.timer.current.kind == "rest"
        assert s.timer.step_planned() == pytest.approx(60.0 - finish)
        clock.advance(60.0 - finish)
        s.tick()
        assert s.timer.current.kind == "work"
    starts.append(s.timer.segment().start - t0)
    assert starts == [pytest.approx(0.0), pytest.approx(60.0), pytest.approx(120.0)]
    clock.advance(30.0)
    s.lap()  # the last rep has no rest: the cool-down as planned
    assert s.timer.current.kind == "cooldown" and s.timer.step_planned() == 30.0
    assert s.summary().adjusted_s == 0.0  # the send-off is not the runner's +/-


def test_a_pause_in_the_rest_does_not_shorten_the_next_cycle(clock):
    s = Session(parse_preset(PRESET), audio=QuietAudio(), clock=clock, get_ready_s=0)
    s.start()
    clock.advance(20.0)
    s.lap()
    clock.advance(10.0)
    s.toggle_pause()
    clock.advance(100.0)  # a long pause: the rest's 40 s still left run after it
    s.toggle_pause()
    assert s.timer.step_remaining(clock.now) == pytest.approx(30.0)


async def test_the_run_screen_shows_the_rest_that_is_left_of_the_cycle(tmp_path, clock):
    app = quiet_app(preset_paths(tmp_path, PRESET), clock, record_history=False, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = await start_preset(app, pilot, "sendoffsolo")
        clock.advance(17.0)
        await pilot.press("l")  # 100 m in 17 s
        await pilot.pause()
        assert screen.session.timer.current.kind == "rest"
        assert screen.session.timer.step_remaining(clock.now) == pytest.approx(43.0)
        assert screen._shown["clock"] == "0:43"  # the big clock counts the rest down
        assert "Rest" in screen_text(app)
