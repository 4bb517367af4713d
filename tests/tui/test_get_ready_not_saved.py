"""A session ended during the get-ready countdown is not a training session: it is not saved
(issue 12, bug 12). Real SQLite history, the real app and the real plain mode."""

from __future__ import annotations

import sqlite3

import pytest

from speedtimer.config.paths import Paths
from speedtimer.formats.quick import parse_quick
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.helpers_app import notices, quiet_app


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


def sessions(paths: Paths) -> list[tuple]:
    if not paths.history_db.exists():
        return []
    with sqlite3.connect(paths.history_db) as db:
        return db.execute("SELECT status, started_at, reps_done FROM sessions").fetchall()


async def end_after(app, pilot, clock, seconds: float, leave: str) -> None:
    await pilot.pause()
    run = app.screen
    assert isinstance(run, RunScreen)
    clock.advance(seconds)
    run.tick()
    await pilot.press("q")
    await pilot.pause()
    await pilot.press("y")
    await pilot.pause()
    assert isinstance(app.screen, SummaryScreen)
    await pilot.press(leave)
    await pilot.pause()
    assert isinstance(app.screen, MenuScreen)


@pytest.mark.parametrize("leave", ["escape", "ctrl+s"])
async def test_ended_during_get_ready_is_not_saved(app_paths, clock, leave):
    app = quiet_app(
        app_paths, clock, start_preset=parse_quick("8x(0:30 work, 0:30 rest)"), get_ready_s=5
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        run = app.screen
        clock.advance(2)
        run.tick()
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        assert "not saved" in str(summary.query_one("#summary-title").content)
        await pilot.press(leave)
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
        if leave == "ctrl+s":
            assert any("Nothing saved" in n for n in notices(app))
            assert not any("Saved to your history" in n for n in notices(app))
    app.run  # noqa: B018 - the app has exited: every write it had is flushed
    assert sessions(app_paths) == []


async def test_ended_just_after_the_first_step_began_is_saved(app_paths, clock):
    app = quiet_app(app_paths, clock, start_preset=parse_quick("0:30 work"), get_ready_s=5)
    async with app.run_test(size=(80, 24)) as pilot:
        await end_after(app, pilot, clock, 5.5, "ctrl+s")
    [(status, started, reps)] = sessions(app_paths)
    assert status == "aborted" and reps == 0
    # the session starts when its first step did, not when the countdown did
    assert started.startswith(clock.wall_start.strftime("%Y-%m-%dT%H:%M:05"))


async def test_without_get_ready_a_session_is_saved_from_its_start(app_paths, clock):
    app = quiet_app(app_paths, clock, start_preset=parse_quick("0:30 work"), get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await end_after(app, pilot, clock, 0.5, "escape")
    assert [s[0] for s in sessions(app_paths)] == ["aborted"]


async def test_skipping_the_get_ready_then_ending_is_saved(app_paths, clock):
    """`n` during get-ready starts the first step: from then on it is a session."""
    app = quiet_app(app_paths, clock, start_preset=parse_quick("0:30 work"), get_ready_s=5)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("q", "y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert "not saved" not in str(app.screen.query_one("#summary-title").content)
    assert [s[0] for s in sessions(app_paths)] == ["aborted"]


def test_plain_mode_ended_in_get_ready_saves_nothing(tmp_path):
    """The plain mode, in a real process, Ctrl+C (SIGINT) during the countdown."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    data = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "speedtimer",
            "--data-dir",
            str(data),
            "--config-dir",
            str(tmp_path / "config"),
            "--mute",
            "--get-ready",
            "30",
            "run",
            "--plain",
            "--quick",
            "0:30 work",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "Get ready" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
        assert "Get ready" in line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert "not saved" in out, (out, err)
    paths = Paths(config_dir=tmp_path / "config", data_dir=data)
    assert sessions(paths) == []
