"""Sound faults met in the real app: the player process killed mid-session, no simpleaudio, no
audio device. The app's own sound (no audio injected) plays through ALSA's file plugin, so what
the runner would hear is counted from the capture files.

Whatever breaks, the session goes on: a cue that cannot be played rings the terminal bell and
flashes the band, the runner is told once (a notification and the status line), nothing
reaches stderr, and the history gets every step.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from speedtimer.config.paths import Paths
from speedtimer.sound.audio import ProcessAudio
from speedtimer.sound.worker import PROBES
from speedtimer.tui.app import make_app
from speedtimer.tui.screens.run import RunScreen
from tests.faults.test_faults_history import PRESET, STEPS
from tests.helpers_app import (
    alsa_config,
    leave_finished_session,
    notices,
    preset_paths,
    screen_text,
    start_preset,
)
from tests.reliability import tried
from tests.sound.test_audio_session import is_check_stream

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("simpleaudio") is None, reason="simpleaudio is not installed"
)

WAIT_S = 10.0


@pytest.fixture
def paths(tmp_path) -> Paths:
    return preset_paths(tmp_path, PRESET)  # five 10 s steps, tagged "faultonly"


@pytest.fixture
def capture(tmp_path, monkeypatch) -> Path:
    """ALSA's default device writes each stream the helper opens to its own file."""
    folder = tmp_path / "capture"
    folder.mkdir()
    pcm = (
        "{ type file; slave.pcm { type null }; "
        f'file "{folder}/out.raw"; format "raw"; truncate false }}'
    )
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(alsa_config(tmp_path, pcm)))
    return folder


def streams(folder: Path) -> int:
    """Streams opened, but for the helpers' check of a session stream (the null device has
    no clock, so after it every cue plays in a stream of its own)."""
    return len([p for p in folder.glob("out.raw*") if not is_check_stream(p)])


def wait_until(predicate, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    return predicate()


def wait_dead(pid: int) -> None:
    def gone() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        return state in ("Z", "X")

    assert wait_until(gone), f"process {pid} did not die"


class Cues:
    """Counts the terminal bells the app rings and the flashes of the band (both still
    happen: the real methods are called). A flash lasts 0.25 s of real time, too short to be
    caught reliably on the screen of a loaded machine."""

    def __init__(self, app, monkeypatch) -> None:
        self.bells = self.flashes = 0
        real_bell, real_flash = app.bell, RunScreen.flash

        def bell() -> None:
            self.bells += 1
            real_bell()

        def flash(screen: RunScreen) -> None:
            self.flashes += 1
            real_flash(screen)

        app.bell = bell
        monkeypatch.setattr(RunScreen, "flash", flash)


async def start(app, pilot) -> RunScreen:
    return await start_preset(app, pilot, "faultonly")


async def step(pilot, screen: RunScreen, clock) -> None:
    clock.advance(10)
    screen.tick()
    await pilot.pause()


async def settle(pilot, until, timeout: float = WAIT_S) -> bool:
    """Let the app process messages (notifications come from the sound's threads)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until():
            return True
        await pilot.pause(0.02)
    return bool(until())


def sound_notices(app) -> list[str]:
    return [m for m in notices(app) if "Sound unavailable" in m]


def history_steps(paths: Paths) -> list[tuple[str, str]]:
    with sqlite3.connect(paths.history_db) as db:
        return db.execute("SELECT kind, ended_how FROM steps ORDER BY idx").fetchall()


@tried(
    "Audio",
    "sound helper process killed (SIGKILL) mid-session in the app: once, then again and again "
    "(more restarts than a minute allows)",
    "killed once: restarted, the next cue heard, no notice; killed repeatedly: the status line "
    "while the session runs (nothing over the run screen), exactly one notice after it, later "
    "cues ring the bell and flash; every step in the history, nothing on stderr",
)
async def test_sound_helper_killed_mid_session(paths, clock, capture, capfd, monkeypatch):
    app = make_app(paths, clock=clock, wall_clock=clock.wall, get_ready_s=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        cues = Cues(app, monkeypatch)
        await pilot.pause()
        audio = app.audio
        assert isinstance(audio, ProcessAudio) and audio.wait_ready(WAIT_S), audio.problem
        screen = await start(app, pilot)
        assert wait_until(lambda: streams(capture) == PROBES + 1)  # the probes, the warm-up cue

        first = audio.pid
        os.kill(first, signal.SIGKILL)
        wait_dead(first)
        await step(pilot, screen, clock)  # work starts: its cue goes to a new helper
        assert wait_until(lambda: streams(capture) == 2 * PROBES + 2)  # its probes, the work cue
        assert audio.pid != first and audio.restarts == 1 and audio.available
        assert (cues.bells, cues.flashes) == (0, 0) and sound_notices(app) == []

        for _ in range(10):  # the helper keeps dying: sound gives up after a few restarts
            pid = audio.pid
            if pid is None or not audio.available:
                break
            audio.wait_ready(WAIT_S)
            os.kill(pid, signal.SIGKILL)
            wait_dead(pid)
            wait_until(lambda pid=pid: audio.pid != pid or not audio.available)
        assert await settle(pilot, lambda: not audio.available)
        status = screen.query_one("#status")
        assert await settle(pilot, lambda: str(status.content) == RunScreen.SOUND_STATUS)
        # the status line says it; no notice covers the step, target and progress meanwhile
        await pilot.pause(0.2)
        assert sound_notices(app) == [] and "Sound unavailable" not in screen_text(app)

        heard = streams(capture)
        await step(pilot, screen, clock)  # rest: no sound now, so the bell and a flash
        assert (cues.bells, cues.flashes) == (1, 1)
        for _ in range(STEPS - 2):
            await step(pilot, screen, clock)
        assert (cues.bells, cues.flashes) == (4, 4)  # and work, cool-down, finished
        assert streams(capture) == heard
        assert await settle(pilot, lambda: sound_notices(app))  # on the summary: why
        assert "Sound unavailable" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert len(sound_notices(app)) == 1
    assert len(history_steps(paths)) == STEPS
    assert capfd.readouterr().err == ""


def no_device(tmp_path: Path, monkeypatch) -> str:
    pcm = '{ type hw; card "speedtimer_no_such_card" }'
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(alsa_config(tmp_path, pcm)))
    return "no usable audio output"


def no_simpleaudio(tmp_path: Path, monkeypatch) -> str:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "simpleaudio.py").write_text('raise ImportError("not installed here")\n')
    monkeypatch.setenv("PYTHONPATH", str(shadow))  # the helper's, not this process's
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(alsa_config(tmp_path, "{ type null }")))
    return "simpleaudio package is not installed"


@tried(
    "Audio",
    "no sound possible in the app: ALSA pointed at a card that does not exist, or simpleaudio "
    "missing (shadowed for the helper)",
    "the session runs on the bell and a flash for every cue; exactly one notice saying why and "
    "the status line; libasound's complaints only in the log; every step in the history",
)
@pytest.mark.parametrize("break_sound", [no_device, no_simpleaudio])
async def test_no_sound_possible(paths, clock, tmp_path, monkeypatch, capfd, break_sound):
    why = break_sound(tmp_path, monkeypatch)
    app = make_app(paths, clock=clock, wall_clock=clock.wall, get_ready_s=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        cues = Cues(app, monkeypatch)
        await pilot.pause()
        assert await settle(pilot, lambda: sound_notices(app))
        [notice] = sound_notices(app)
        assert why in notice and "terminal bell" in notice and str(paths.log_file) in notice
        screen = await start(app, pilot)
        assert str(screen.query_one("#status").content) == RunScreen.SOUND_STATUS
        assert (cues.bells, cues.flashes) == (1, 1)  # the warm-up's cue
        for _ in range(STEPS):
            await step(pilot, screen, clock)
        assert (cues.bells, cues.flashes) == (STEPS + 1, STEPS + 1)  # each step's, the finish
        await pilot.press("escape")
        await pilot.pause()
        assert len(sound_notices(app)) == 1
    assert len(history_steps(paths)) == STEPS
    assert capfd.readouterr().err == ""
    if break_sound is no_device:
        assert "ALSA lib" in paths.log_file.read_text()


# --- in a real terminal ---------------------------------------------------------------------

TMUX_PRESET = """
name = "Sound trial tmux"
[[steps]]
kind = "warmup"
duration = 3
[[steps]]
kind = "work"
duration = 3
[[steps]]
kind = "rest"
duration = 1
[[steps]]
kind = "cooldown"
duration = 1
"""
STRAYS = ("ALSA lib", "snd_", "Traceback", "Error opening", "Exception", "simpleaudio.")


def helper_pids(app_pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{app_pid}/task/{app_pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


@tried(
    "Audio",
    "sound helper killed again and again mid-session, app in a real terminal (tmux)",
    "the screen shows only the app's drawing (no ALSA or Python text), the status line while "
    "the session runs and one notice on its summary; every step in the history",
)
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_sound_helper_killed_in_a_real_terminal(tmp_path, capture):
    from tests.e2e.test_e2e_tmux import Tmux

    presets = tmp_path / "tmux-presets"
    presets.mkdir()
    (presets / "t.toml").write_text(TMUX_PRESET)
    data = tmp_path / "data"
    tmux = Tmux(tmp_path)
    command = (
        f"cd {tmp_path} && exec env TERM=xterm-256color ALSA_CONFIG_PATH="
        f"{os.environ['ALSA_CONFIG_PATH']} {sys.executable} -m speedtimer --presets-dir {presets}"
        f" --data-dir {data} --config-dir {tmp_path / 'config'} --get-ready 0"
        " run 'Sound trial tmux'"
    )
    try:
        tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
        tmux.wait_for("WARM-UP", timeout=20)
        app_pid = int(tmux.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())
        killed: set[int] = set()
        deadline = time.monotonic() + 8
        gave_up = "No sound: cues use the terminal bell"
        while time.monotonic() < deadline and gave_up not in tmux.screen():
            for pid in helper_pids(app_pid):
                if pid not in killed:
                    killed.add(pid)
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        screen = tmux.wait_for(gave_up, timeout=5)
        assert len(killed) >= 2
        assert "Sound unavailable" not in screen  # nothing over the run screen: its status
        for stray in STRAYS:
            assert stray not in screen, screen
        summary = tmux.wait_for("Session complete", timeout=20)
        summary = tmux.wait_for("Sound unavailable", timeout=5)  # said once, after the run
        assert summary.count("Sound unavailable") == 1
        final = leave_finished_session(tmux)
        for stray in STRAYS:
            assert stray not in final, final
    finally:
        tmux.close()
    with sqlite3.connect(data / "history.sqlite3") as db:
        rows = db.execute("SELECT status FROM sessions").fetchall()
        steps = db.execute("SELECT kind FROM steps ORDER BY idx").fetchall()
    assert rows == [("completed",)]
    assert [k for (k,) in steps] == ["warmup", "work", "rest", "cooldown"]
