"""Pictures of the screens a runner sees, with the clock faked so they are stable.

Update after an intended change with: .venv/bin/python -m pytest tests/tui/test_snapshots.py
--snapshot-update, then look at the report before committing.
"""

from __future__ import annotations

import pytest

from speedtimer.config.paths import Paths
from speedtimer.tui.app import make_app
from tests.conftest import FakeClock, QuietAudio
from tests.tui.test_app import SHORT

SIZE = (80, 24)


@pytest.fixture
def snap_app(tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "short.toml").write_text(SHORT)
    paths = Paths(
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        extra_presets_dirs=(folder,),
    )
    clock = FakeClock()

    def build():
        app = make_app(
            paths,
            clock=clock,
            wall_clock=clock.wall,
            audio=QuietAudio(),  # no bell-and-flash fallback: a flash lasts 0.25 s of real time
            get_ready_s=3,
        )
        return app

    return build, clock


async def _start(pilot):
    await pilot.press(*"testonly", "enter")
    await pilot.pause()


def _advance(pilot, clock, seconds):
    clock.advance(seconds)
    pilot.app.screen.tick()


def test_menu(snap_compare, snap_app):
    build, _ = snap_app
    assert snap_compare(build(), terminal_size=SIZE, press=[*"track"])


def test_work_phase(snap_compare, snap_app):
    build, clock = snap_app

    async def run_before(pilot):
        await _start(pilot)
        _advance(pilot, clock, 13)  # get-ready 3 + warm-up 10: first rep
        _advance(pilot, clock, 42.5)
        await pilot.pause()

    assert snap_compare(build(), terminal_size=SIZE, run_before=run_before)


def test_rest_phase_with_split(snap_compare, snap_app):
    build, clock = snap_app

    async def run_before(pilot):
        await _start(pilot)
        _advance(pilot, clock, 13)
        _advance(pilot, clock, 88.4)
        await pilot.press("l")
        _advance(pilot, clock, 12)
        await pilot.pause()

    assert snap_compare(build(), terminal_size=SIZE, run_before=run_before)


def test_paused(snap_compare, snap_app):
    build, clock = snap_app

    async def run_before(pilot):
        await _start(pilot)
        _advance(pilot, clock, 7)
        await pilot.press("space")
        await pilot.pause()

    assert snap_compare(build(), terminal_size=SIZE, run_before=run_before)


def test_compact_work_phase(snap_compare, snap_app):
    build, clock = snap_app

    async def run_before(pilot):
        await _start(pilot)
        _advance(pilot, clock, 20)
        await pilot.pause()

    assert snap_compare(build(), terminal_size=(40, 12), run_before=run_before)


def test_summary(snap_compare, snap_app):
    build, clock = snap_app

    async def run_before(pilot):
        await _start(pilot)
        _advance(pilot, clock, 13)
        _advance(pilot, clock, 88.4)
        await pilot.press("l")
        _advance(pilot, clock, 30)
        _advance(pilot, clock, 91.2)
        await pilot.press("l")
        _advance(pilot, clock, 5)
        await pilot.pause()
        await pilot.press("8")

    assert snap_compare(build(), terminal_size=(80, 24), run_before=run_before)


def test_work_phase_with_a_race_derived_target(snap_compare, snap_app, tmp_path):
    """The bundled 8 x 400 m at 5k pace, for a runner whose race is 5k 20:00: the rep shows
    its target resolved (1:36 at 4:00/km) and where it came from."""
    build, clock = snap_app
    settings = tmp_path / "config" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('[runner]\nrace = "5k 20:00"\n')

    async def run_before(pilot):
        await pilot.press(*"8 x 400", "enter")
        await pilot.pause()
        _advance(pilot, clock, 3 + 21 * 60)  # get-ready and the warm-up: the first rep
        _advance(pilot, clock, 47.5)
        await pilot.pause()

    assert snap_compare(build(), terminal_size=SIZE, run_before=run_before)
