"""The summary's splits: lap-ended reps and laps inside timed reps, grouped by set with
average, best, worst and fade; 12 reps without scrolling at 80x24; usable at 60x20 and 40x12."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from speedtimer.tui.app import make_app
from speedtimer.tui.screens.summary import SummaryScreen
from tests.conftest import QuietAudio
from tests.helpers_app import preset_paths, screen_text, start_preset

SETS = """
name = "3 x 4 x 400"
tags = ["splitsonly"]
[[steps]]
kind = "warmup"
duration = 10
[[steps]]
repeat = 3
skip_last_rest = true
  [[steps.steps]]
  repeat = 4
  skip_last_rest = true
    [[steps.steps.steps]]
    kind = "work"
    until = "lap"
    distance_m = 400
    target_pace = "3:45/km"
    [[steps.steps.steps]]
    kind = "rest"
    duration = 30
  [[steps.steps]]
  kind = "rest"
  duration = 60
[[steps]]
kind = "cooldown"
duration = 5
"""
TIMES = [88.4, 89.1, 90.0, 91.2, 88.0, 89.5, 90.3, 92.0, 89.9, 90.4, 91.8, 93.1]

TIMED = """
name = "Timed reps"
tags = ["splitsonly"]
[[steps]]
repeat = 3
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  duration = 100
  distance_m = 400
  target_pace = "3:45/km"
  [[steps.steps]]
  kind = "rest"
  duration = 30
"""


async def run_sets(app, pilot, clock) -> SummaryScreen:
    run = await start_preset(app, pilot, "splitsonly")
    clock.advance(10)
    run.tick()
    for i, t in enumerate(TIMES):
        clock.advance(t)
        await pilot.press("l")
        await pilot.pause()
        if i != len(TIMES) - 1:
            clock.advance(30 if i % 4 != 3 else 60)
            run.tick()
    clock.advance(5)
    run.tick()
    await pilot.pause()
    assert isinstance(app.screen, SummaryScreen)
    return app.screen


async def test_twelve_reps_in_three_sets_fit_at_80x24(tmp_path, clock):
    app = make_app(
        preset_paths(tmp_path, SETS), clock=clock, wall_clock=clock.wall, audio=QuietAudio(),
        get_ready_s=0,
    )  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        summary = await run_sets(app, pilot, clock)
        await pilot.pause()
        box = summary.query_one("#summary-splits-box")
        assert box.max_scroll_y == 0  # no scrolling
        text = screen_text(app)
        lines = text.splitlines()
        for n, t in enumerate(TIMES):
            assert f"{n % 4 + 1} 1:{t - 60:04.1f}" in text, t
        assert "Set 1/3   1 1:28.4 -1.6    2 1:29.1 -0.9    3 1:30.0 ±0.0    4 1:31.2 +1.2" in text
        assert "avg 1:29.7  best 1:28.4  worst 1:31.2  fade +2.8 s (+3.2%)" in text
        assert "avg 1:31.3  best 1:29.9  worst 1:33.1  fade +3.2 s (+3.6%)" in text
        assert any(
            line.strip().startswith("All") and "best 1:28.0  worst 1:33.1  fade +4.7 s" in line
            for line in lines
        )
        assert "Session complete" in text and "Reps 12/12" in text
        assert summary.query_one("#rpe", Input).region.bottom <= 24


@pytest.mark.parametrize("size", [(60, 20), (40, 12)])
async def test_small_terminals_keep_the_title_and_the_form(tmp_path, clock, size):
    app = make_app(
        preset_paths(tmp_path, SETS), clock=clock, wall_clock=clock.wall, audio=QuietAudio(),
        get_ready_s=0,
    )  # fmt: skip
    async with app.run_test(size=size) as pilot:
        summary = await run_sets(app, pilot, clock)
        await pilot.pause()
        text = screen_text(app)
        assert "Session complete" in text and "Set 1/3" in text
        assert "Reps 12/12" in text  # the totals wrap between entries, never inside one
        assert all(len(line.rstrip()) <= size[0] for line in text.splitlines())
        for widget in ("#rpe", "#note", "#save", "#close"):
            region = summary.query_one(widget).region
            assert region.height >= 1 and region.bottom <= size[1] - 1, widget  # above the footer
        box = summary.query_one("#summary-splits-box")
        if size == (40, 12):
            assert box.max_scroll_y > 0  # the rest of the splits scroll, the form stays
        await pilot.press("3", "enter")
        await pilot.press(*"windy", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, SummaryScreen)  # saved


async def test_laps_inside_timed_reps_show_on_the_summary(tmp_path, clock):
    app = make_app(
        preset_paths(tmp_path, TIMED), clock=clock, wall_clock=clock.wall, audio=QuietAudio(),
        get_ready_s=0,
    )  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        run = await start_preset(app, pilot, "splitsonly")
        for mark in (88.0, 91.5, 95.0):  # the 400 m mark, inside each 100 s rep
            clock.advance(mark)
            await pilot.press("l")
            clock.advance(100 - mark + 30)
            run.tick()
            await pilot.pause()
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        text = str(summary.query_one("#summary-splits").content)
        assert "1 1:28.0 -2.0" in text and "2 1:31.5 +1.5" in text and "3 1:35.0 +5.0" in text
        assert "fade +7.0 s (+8.0%)" in text


async def test_timed_reps_without_laps_say_how_to_get_splits(tmp_path, clock):
    app = make_app(
        preset_paths(tmp_path, TIMED), clock=clock, wall_clock=clock.wall, audio=QuietAudio(),
        get_ready_s=0,
    )  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        run = await start_preset(app, pilot, "splitsonly")
        clock.advance(400)
        run.tick()
        await pilot.pause()
        text = str(app.screen.query_one("#summary-splits").content)
        assert text.startswith("No splits: press lap")
