"""Terminal sizes a runner's laptop can throw at the app: resized again and again mid-session,
down to absurdly small, in every phase; 40x12 must stay readable from two metres.

Pilot resizes the real app (fake clock); tmux resizes a real terminal (SIGWINCH, real clock).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time

import pytest

from speedtimer.config.paths import Paths
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.conftest import REPO
from tests.e2e.test_e2e_tmux import Tmux, read_big_clock
from tests.helpers_app import (
    leave_finished_session,
    preset_paths,
    quiet_app,
    screen_text,
    start_preset,
)
from tests.reliability import tried

PRESET = """
name = "Size trial"
tags = ["sizeonly"]
[[steps]]
kind = "work"
duration = 80
label = "Hard"
[[steps]]
kind = "rest"
duration = 20
label = "Walk"
"""

# From a phone-sized split pane to a big monitor, the corners and the awkward ones between.
SIZES = [
    (10, 3), (200, 60), (20, 6), (12, 4), (120, 40), (40, 12),
    (25, 8), (59, 19), (80, 24), (200, 6), (10, 60), (100, 3),
]  # fmt: skip
PHASES = ("work", "paused", "rest", "summary")


@pytest.fixture
def paths(tmp_path) -> Paths:
    return preset_paths(tmp_path, PRESET)


async def into(phase: str, app, pilot, clock, screen: RunScreen) -> None:
    if phase == "paused":
        await pilot.press("space")
    elif phase == "rest":
        await pilot.press("space")  # resume
        clock.advance(80)
        screen.tick()
    elif phase == "summary":
        clock.advance(20)
        screen.tick()
    await pilot.pause()


@tried(
    "Terminal size",
    "terminal resized 12 times in each of work, paused, rest and summary, from 10x3 to 200x60 "
    "(Pilot)",
    "no crash; each size drawn; the timer unaffected: back at 80x24 the phase and time are right",
    cases=len(SIZES) * len(PHASES),
)
async def test_resized_again_and_again_in_every_phase(paths, clock):
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_preset(app, pilot, "sizeonly")
        clock.advance(3.5)
        screen.tick()
        for phase in PHASES:
            await into(phase, app, pilot, clock, screen)
            for width, height in SIZES:
                await pilot.resize_terminal(width, height)
                await pilot.pause()
                lines = screen_text(app).splitlines()
                assert (len(lines), max(map(len, lines))) == (height, width), phase
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            shown = screen_text(app)
            if phase == "summary":
                assert isinstance(app.screen, SummaryScreen)
                assert "Session complete" in shown and "Active 1:40" in shown
            else:
                word, clock_text = {
                    "work": ("WORK", "1:17"),
                    "paused": ("PAUSED · WORK", "1:17"),
                    "rest": ("REST", "0:17"),
                }[phase]
                assert word in shown and read_big_clock(shown) == clock_text, shown
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code in (None, 0)
    with sqlite3.connect(paths.history_db) as db:
        assert db.execute("SELECT count(*) FROM steps").fetchone() == (2,)


@tried(
    "Terminal size",
    "tiny terminals: 40x12 in get-ready, work, paused and rest, and 20x6, with two status "
    "lines (no sound, history problem) taking room (Pilot)",
    "40x12: the phase word and the big digits are on screen and read right; 20x6: the phase "
    "on the top line and the 3-row clock below it, the rest gives way",
)
async def test_40x12_is_usable_and_20x6_does_not_crash(paths, clock):
    app = quiet_app(paths, clock, get_ready_s=5)
    async with app.run_test(size=(40, 12)) as pilot:
        screen = await start_preset(app, pilot, "sizeonly")
        # The worst case for room: both standing problems on the status line.
        screen.set_status(RunScreen.SOUND_STATUS, "sound")
        screen.set_status(RunScreen.HISTORY_STATUS, "history")
        seen = {}
        for label, advance, keys in (
            ("GET READY", 1.5, ()),
            ("WORK", 5 + 3.5, ()),
            ("PAUSED · WORK", 0, ("space",)),
            ("REST", 80, ("space",)),
        ):
            for key in keys:
                await pilot.press(key)
            clock.advance(advance)
            screen.tick()
            await pilot.pause()
            shown = screen_text(app)
            assert label in shown, shown
            seen[label] = read_big_clock(shown)
            await pilot.resize_terminal(20, 6)
            await pilot.pause()
            small = screen_text(app)
            assert small.splitlines()[0].strip().startswith(label.split(" · ")[0][:10]), small
            digits = [line for line in small.splitlines()[1:4] if set(line) & set("━┃┏┓┗┛╺╸╻╹")]
            assert len(digits) == 3, small  # the 3-row clock right under it
            assert "▇" not in small and "▁" not in small, small  # nothing scrolled off
            await pilot.resize_terminal(40, 12)
            await pilot.pause()
        assert seen == {
            "GET READY": "0:04",
            "WORK": "1:15",
            "PAUSED · WORK": "1:15",
            "REST": "0:15",
        }


def redrawn(tmux: Tmux, height: int, timeout: float = 5.0) -> str:
    """The screen once the app has drawn itself at the new size: the phase on the top line,
    the footer's right end on the bottom one. Until then tmux shows the old picture, cropped."""
    deadline = time.monotonic() + timeout
    screen = before = ""
    while time.monotonic() < deadline:
        screen = tmux.screen()
        lines = screen.splitlines()
        drawn = (
            len(lines) == height
            and lines[0].strip().startswith(("WORK", "REST"))
            and "palette" in lines[-1]  # the footer's right end: only there once redrawn
        )
        if drawn and screen == before:  # and done drawing: the same twice in a row
            return screen
        before = screen
        time.sleep(0.1)
    raise AssertionError(f"not redrawn at height {height}:\n{screen}")


@tried(
    "Terminal size",
    "real terminal (tmux) resized 12 times mid-session, from 10x3 to 200x60, with COLUMNS/LINES "
    "exported by the launcher",
    "the app redraws at every size with the phase on the top line (no crash, no Python text), "
    "the clock reads right at 40x12, and the session ends with every step in the history",
)
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_real_terminal_resized_mid_session(tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "t.toml").write_text(
        'name = "Resize trial"\n[[steps]]\nkind = "work"\nduration = 7\n'
        '[[steps]]\nkind = "rest"\nduration = 2\n'
    )
    data = tmp_path / "data"
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text("pcm.!default { type null }\n")  # no sound notice on top
    tmux = Tmux(tmp_path)
    command = (
        # COLUMNS/LINES as a launcher using readline exports them: the real size must still win.
        f"cd {REPO} && exec env HOME={home} TERM=xterm-256color COLUMNS=80 LINES=24 "
        f"{sys.executable} "
        "-m speedtimer --mute "
        f"--presets-dir {presets} --data-dir {data} --config-dir {tmp_path / 'config'} "
        "--get-ready 0 run 'Resize trial'"
    )
    try:
        tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
        tmux.run("set-option", "-t", "app", "window-size", "manual")
        tmux.wait_for("WORK", timeout=20)
        for width, height in [(20, 6), (200, 60), (40, 12), (10, 3), (120, 40), (30, 8)] * 2:
            tmux.run("resize-window", "-t", "app", "-x", str(width), "-y", str(height))
            screen = redrawn(tmux, height)
            assert "Traceback" not in screen and "ALSA lib" not in screen, screen
            if (width, height) == (40, 12):
                value = read_big_clock(screen)
                assert value is not None and value.startswith("0:0"), screen
        tmux.run("resize-window", "-t", "app", "-x", "80", "-y", "24")
        leave_finished_session(tmux)
    finally:
        tmux.close()
    with sqlite3.connect(data / "history.sqlite3") as db:
        assert db.execute("SELECT status FROM sessions").fetchall() == [("completed",)]
        assert db.execute("SELECT kind FROM steps ORDER BY idx").fetchall() == [
            ("work",),
            ("rest",),
        ]
