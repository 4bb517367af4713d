"""The run screen shows what each step asks for (issue 18, point 3): a timed step's target
pace, a pace range as a range with the split's delta against the range, and the targets
speedtimer cannot measure (zones, heart rate, RPE, ramps) as written. The summary says the
same, and the totals everywhere follow one rule (issue 12, bug 10)."""

from __future__ import annotations

import re

from textual.widgets import Static

from speedtimer.tui.screens.summary import SummaryScreen
from tests.helpers_app import preset_paths, quiet_app, start_preset

PRESET = """
name = "Targets on screen"
tags = ["targetsonly"]
countdown = 0

[[steps]]
kind = "work"
label = "Tempo"
duration = 20
target_pace = "4:30/km"
target_text = "Z3 HR"

[[steps]]
repeat = 2
  [[steps.steps]]
  kind = "work"
  until = "lap"
  distance_m = 400
  target_pace = "3:13-3:18/km"
  [[steps.steps]]
  kind = "rest"
  duration = 10
  target_text = "ramp 60-75% Pace"

[[steps]]
kind = "cooldown"
until = "lap"
distance_m = 1000
"""


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def advance(pilot, screen, clock, seconds: float) -> None:
    clock.advance(seconds)
    screen.tick()
    await pilot.pause()


async def test_targets_ranges_and_target_text_on_the_run_screen_and_summary(tmp_path, clock):
    app = quiet_app(preset_paths(tmp_path, PRESET), clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start_preset(app, pilot, "targetsonly")
        label = text_of(screen, "#step-label")
        assert "Tempo" in label and "target 4:30/km" in label and "Z3 HR" in label
        # the next step says its target time as a range: 400 m at 3:13-3:18/km
        assert "Next: Work lap, target 1:17–1:19" in text_of(screen, "#next")

        await advance(pilot, screen, clock, 20)
        label = text_of(screen, "#step-label")
        assert "target 1:17–1:19 (3:13–3:18/km)" in label
        await advance(pilot, screen, clock, 78.0)  # inside the range: on target
        await pilot.press("l")
        await pilot.pause()
        assert "ramp 60-75% Pace" in text_of(screen, "#step-label")
        splits = text_of(screen, "#splits")
        assert "1:18.0" in splits and "+0:00.0" in splits

        await advance(pilot, screen, clock, 10)
        await advance(pilot, screen, clock, 75.2)  # faster than the fast end (77.2 s)
        await pilot.press("l")
        await pilot.pause()
        assert "-0:02.0" in text_of(screen, "#splits")

        await advance(pilot, screen, clock, 1)  # the last rest is run, then the cool-down
        await advance(pilot, screen, clock, 9)
        await advance(pilot, screen, clock, 300)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        summary = app.screen
        # 20 + 2 x (400 m at 3:15.5/km + 10 s) = ~3:16.4; the 1 km cool-down has no pace
        totals = text_of(summary, "#summary-totals")
        assert "Planned ~3:16 + 1 x 1 km" in totals
        # the split grid: each rep against its range (0 inside it, else to the nearer end)
        grid = text_of(summary, "#summary-splits")
        assert re.search(r"Reps +1 1:18\.0 ±0\.0 +2 1:15\.2 -2\.0", grid), grid
