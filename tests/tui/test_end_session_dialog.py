"""The end-session question keeps the phase and the running clock in view while it asks."""

from __future__ import annotations

import pytest
from textual.containers import Vertical

from speedtimer.tui.app import make_app
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.widgets.big_time import BigTime
from tests.conftest import QuietAudio
from tests.tui.test_app import app_paths, presets_dir  # noqa: F401


def overlaps(a, b) -> bool:
    return bool(a.intersection(b).area)


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (40, 12), (120, 40)])
async def test_clock_and_phase_stay_visible_and_running(app_paths, clock, size):  # noqa: F811
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=QuietAudio(), get_ready_s=0)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"testonly", "enter")
        await pilot.pause()
        run = app.screen
        assert isinstance(run, RunScreen)
        clock.advance(10)  # the warm-up: the 400 m rep counts up from here
        run.tick()
        await pilot.press("q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        box = dialog.query_one(Vertical).region
        phase, big = run.query_one("#phase").region, run.query_one("#clock", BigTime)
        assert not overlaps(box, phase) and not overlaps(box, big.region)
        assert box.bottom == size[1]  # along the bottom edge
        assert "End this session now?" in str(dialog.query_one("#end-question").content)

        before = big.value
        clock.advance(7)  # the timer runs on while the runner decides
        run.tick()
        await pilot.pause()
        assert big.value != before and big.value == "0:07"
        assert run.query_one("#band").has_class("phase-work")

        await pilot.press("n")
        await pilot.pause()
        assert app.screen is run and not run.session.timer.done
        await pilot.press("q", "y")
        await pilot.pause()
        assert run.session.timer.done
