"""Every bundled preset runs from the menu to the summary in the real app (fake clock)."""

from __future__ import annotations

import pytest

from speedtimer.config.paths import Paths, bundled_presets_dir
from speedtimer.formats.preset_toml import load_preset
from speedtimer.tui.app import make_app
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.conftest import QuietAudio

BUNDLED = sorted(bundled_presets_dir().glob("*.toml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
async def test_bundled_preset_runs_to_the_summary(path, tmp_path, clock):
    preset = load_preset(path)
    audio = QuietAudio()
    paths = Paths(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    app = make_app(paths, clock=clock, wall_clock=clock.wall, audio=audio)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*preset.name)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen) and screen.session.preset.name == preset.name
        timer = screen.session.timer
        for i in range(10_000):
            if isinstance(app.screen, SummaryScreen):
                break
            step = timer.current
            if step is not None and step.is_open:
                clock.advance(step.target_s or 30)
                await pilot.press("l")
            else:
                # straight to the next cue or boundary: the display seconds between them are
                # the run screen tests' business, and would make this test crawl
                due = timer.next_event_time()
                if due is None:  # finished; the summary is on its way
                    await pilot.pause()
                    continue
                clock.advance(max(0.001, due - clock.now))
                screen.tick()
                if i % 25:  # let the screen draw now and then, not after every pip
                    continue
            await pilot.pause()
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        assert summary.summary.status == "completed"
        assert summary.summary.reps_done == summary.summary.reps_planned
        assert screen.session.cues_played[-1] == "finished"
        assert audio.played == screen.session.cues_played
        assert len(timer.records) == len(screen.session.schedule.steps)
