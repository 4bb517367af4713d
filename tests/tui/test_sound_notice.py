"""The sound-unavailable notice: said once per app run, never over a running session (the run
screen's status line says it there), with real ALSA pointed at a card that does not exist."""

from __future__ import annotations

import importlib.util
import time

import pytest

from speedtimer.formats.catalog import load_catalog
from speedtimer.tui.app import make_app
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.faults.test_faults_history import PRESET
from tests.helpers_app import alsa_config, notices, preset_paths, screen_text, start_preset

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("simpleaudio") is None, reason="simpleaudio is not installed"
)


def sound_notices(app) -> list[str]:
    return [m for m in notices(app) if "Sound unavailable" in m]


async def settle(pilot, until, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not until():
        await pilot.pause(0.02)
    return bool(until())


@pytest.fixture
def no_card(tmp_path, monkeypatch):
    pcm = '{ type hw; card "speedtimer_no_such_card" }'
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(alsa_config(tmp_path, pcm)))


async def run_through(pilot, screen: RunScreen, clock) -> None:
    while screen.is_attached:
        clock.advance(10)
        screen.tick()
        await pilot.pause()


async def test_run_x_keeps_the_notice_off_the_run_screen_and_says_it_once(tmp_path, clock, no_card):
    """`speedtimer run X` with no sound: the session starts at once, the sound helper's
    verdict arrives during it; only the status line says so until the summary."""
    paths = preset_paths(tmp_path, PRESET)
    preset = next(p for p in load_catalog(paths).presets if "faultonly" in p.tags)
    app = make_app(paths, clock=clock, wall_clock=clock.wall, get_ready_s=0, start_preset=preset)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        status = screen.query_one("#status")
        assert await settle(pilot, lambda: str(status.content) == RunScreen.SOUND_STATUS)
        await pilot.pause(0.3)
        assert sound_notices(app) == []
        text = screen_text(app)
        assert "Sound unavailable" not in text and "No sound: cues use" in text
        await run_through(pilot, screen, clock)
        assert isinstance(app.screen, SummaryScreen)
        assert await settle(pilot, lambda: sound_notices(app))  # now, once: why and the log
        assert "Sound unavailable" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)

        second = await start_preset(app, pilot, "faultonly")  # a second session, same app run
        assert str(second.query_one("#status").content) == RunScreen.SOUND_STATUS
        await run_through(pilot, second, clock)
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert len(sound_notices(app)) == 1


async def test_a_notice_seen_on_the_menu_is_not_said_again(tmp_path, clock, no_card):
    paths = preset_paths(tmp_path, PRESET)
    app = make_app(paths, clock=clock, wall_clock=clock.wall, get_ready_s=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        assert await settle(pilot, lambda: sound_notices(app))
        app.clear_notifications()
        screen = await start_preset(app, pilot, "faultonly")
        assert str(screen.query_one("#status").content) == RunScreen.SOUND_STATUS
        await run_through(pilot, screen, clock)
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert sound_notices(app) == []
