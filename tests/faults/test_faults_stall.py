"""A stalled event loop, for real: the app, in tmux, stopped with SIGSTOP for 5 s across two step
changes, then continued. Real time (about 15 s), real sound through ALSA's file plugin.

On wake the timer catches up: the history has every missed step with its scheduled times, the
screen shows the step it is really in, and the runner hears that step's cue once, then the
fresh cues: none of the pips that fell due while the app was stopped.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sqlite3
import sys
import time
import wave
from datetime import datetime
from pathlib import Path

import pytest

from speedtimer.sound.worker import PROBES
from tests.conftest import REPO
from tests.e2e.test_e2e_tmux import Tmux
from tests.helpers_app import alsa_config, leave_finished_session
from tests.reliability import tried
from tests.sound.test_audio_session import is_check_stream

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(
        importlib.util.find_spec("simpleaudio") is None, reason="simpleaudio is not installed"
    ),
]

PRESET = """
name = "Stall trial"
countdown = 2
[[steps]]
kind = "warmup"
duration = 3
[[steps]]
kind = "work"
duration = 3
[[steps]]
kind = "rest"
duration = 3
[[steps]]
kind = "cooldown"
duration = 3
"""
STOP_S = 5.0


def cue_sizes() -> dict[int, str]:
    sizes = {}
    for path in (REPO / "sounds").glob("*.wav"):
        with wave.open(str(path), "rb") as w:
            sizes[w.getnframes() * w.getsampwidth() * w.getnchannels()] = path.stem
    return sizes


def streams(folder: Path) -> list[Path]:
    """out.raw, out.raw.0001, ... in the order the sound device was opened."""

    def order(p: Path) -> int:
        suffix = p.name[len("out.raw") :]
        return int(suffix[1:]) if suffix else 0

    # but for the helper's check of a session stream: the null device has no clock, so
    # after it every cue plays in a stream of its own
    return sorted((p for p in folder.glob("out.raw*") if not is_check_stream(p)), key=order)


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def wait_streams(folder: Path, n: int, timeout: float = 10.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(streams(folder)) >= n:
            return time.monotonic()
        time.sleep(0.005)
    raise AssertionError(f"fewer than {n} sounds: {[p.name for p in streams(folder)]}")


@tried(
    "Stalled event loop",
    "the app stopped with SIGSTOP for 5 s across two step changes and four pips, then SIGCONT "
    "(tmux, real sound through ALSA's file plugin)",
    "on wake: the screen shows the real step, the history has every step in order with its "
    "scheduled times, the current step's cue plays once and no stale pip is heard",
)
def test_app_stopped_for_5_s_across_step_changes(tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "stall.toml").write_text(PRESET)
    capture = tmp_path / "capture"
    capture.mkdir()
    conf = alsa_config(
        tmp_path,
        "{ type file; slave.pcm { type null }; "
        f'file "{capture}/out.raw"; format "raw"; truncate false }}',
    )
    data = tmp_path / "data"
    tmux = Tmux(tmp_path)
    # Not exec'd: tmux continues a pane's own process the moment it stops, so the app runs
    # as the child of the pane's shell, as it does from a runner's shell prompt.
    command = (
        f"cd {REPO} && env TERM=xterm-256color ALSA_CONFIG_PATH={conf} "
        f"{sys.executable} -m speedtimer --presets-dir {presets} --data-dir {data} "
        f"--config-dir {tmp_path / 'config'} --get-ready 0 run 'Stall trial'; true"
    )
    try:
        tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
        shell = int(tmux.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())
        wait_streams(capture, PROBES + 1, timeout=20)  # the helper's probes, the warm-up cue at 0 s
        wait_streams(capture, PROBES + 2)  # the first pip, at 1 s
        [pid] = children(shell)
        time.sleep(0.4)
        os.kill(pid, signal.SIGSTOP)  # at 1.4 s: the pip at 2 s, work at 3 s, pips at 4 and 5
        try:  # and rest at 6 s all fall due while it is stopped
            stopped_at = time.monotonic()
            while state(pid) != "T":  # the signal lands within moments
                assert time.monotonic() - stopped_at < 1, state(pid)
                time.sleep(0.005)
            time.sleep(STOP_S - (time.monotonic() - stopped_at))
            assert state(pid) == "T"  # still stopped: nobody continued it
        finally:
            os.kill(pid, signal.SIGCONT)  # at 6.4 s, in the rest step
        screen = tmux.wait_for("REST", timeout=2)
        assert "WORK" not in screen and "WARM-UP" not in screen
        leave_finished_session(tmux)
    finally:
        tmux.close()

    names = cue_sizes()
    heard = [names.get(p.stat().st_size, f"? {p.stat().st_size} bytes") for p in streams(capture)]
    assert not set(heard[:PROBES]) & set(names.values())  # the probes: a few ms of silence
    print(
        "HEARD",
        heard,
        [
            round(p.stat().st_mtime - streams(capture)[0].stat().st_mtime, 2)
            for p in streams(capture)
        ],
    )
    assert heard[PROBES:] == [
        "warmup", "pip",  # before the stop
        "rest",  # on wake: where the runner is now, once; no pip, no work cue from the stall
        "pip", "pip", "cooldown", "pip", "pip", "finished",
    ]  # fmt: skip

    with sqlite3.connect(data / "history.sqlite3") as db:
        started, status = db.execute("SELECT started_at, status FROM sessions").fetchone()
        steps = db.execute(
            "SELECT kind, ended_how, actual_s, started_at, ended_at FROM steps ORDER BY idx"
        ).fetchall()
    assert status == "completed"
    t0 = datetime.fromisoformat(started)

    def offset(text: str) -> float:
        return (datetime.fromisoformat(text) - t0).total_seconds()

    assert [(k, how) for k, how, *_ in steps] == [
        ("warmup", "time"),
        ("work", "time"),
        ("rest", "time"),
        ("cooldown", "time"),
    ]
    # The true times: each step as scheduled, not when the stopped app got round to it.
    for n, (_, _, actual, began, ended) in enumerate(steps):
        assert actual == pytest.approx(3.0, abs=1e-3)
        assert offset(began) == pytest.approx(3.0 * n, abs=2e-3)
        assert offset(ended) == pytest.approx(3.0 * (n + 1), abs=2e-3)


@tried(
    "Stalled event loop",
    "the run screen's next wake-up due at once (a delay of 0, what a GIL-busy loop turns a few "
    "ms into), then the clock past a step's end (Pilot)",
    "the wake-up still comes and the countdown moves on by itself: no tick or key needed (a "
    "Textual one-shot timer dropped it and the countdown stopped for good)",
)
async def test_a_wake_up_due_at_once_still_comes(tmp_path, clock, monkeypatch):
    from tests.helpers_app import preset_paths, quiet_app, start_preset

    tagged = PRESET.replace("countdown = 2\n", 'countdown = 2\ntags = ["stallonly"]\n')
    paths = preset_paths(tmp_path, tagged)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_preset(app, pilot, "stallonly")
        session = screen.session
        real_next_wake = session.next_wake
        due_now = [clock.now]

        def next_wake():  # once: the wake-up is due this very instant
            return due_now.pop() if due_now else real_next_wake()

        monkeypatch.setattr(session, "next_wake", next_wake)
        screen._schedule()
        clock.advance(3.5)  # the warm-up is over while that wake-up is on its way
        for _ in range(50):
            await pilot.pause(0.01)
            if session.timer.current.kind == "work":
                break
        assert session.timer.current.kind == "work"
        assert "WORK" in str(screen.query_one("#phase").content)


def threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])


@tried(
    "Stalled event loop",
    "the app stopped (SIGSTOP) and continued three times in a long step, then quit with ctrl+q "
    "(tmux)",
    "no new threads after any of them, the countdown still drawn, and the app exits at once "
    "(before, each continue started two more terminal threads and quitting hung for good)",
)
def test_stopped_and_continued_again_and_again_then_quit(tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "long.toml").write_text(
        'name = "Long stall"\n[[steps]]\nkind = "work"\nduration = 60\n'
    )
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text("pcm.!default { type null }\n")
    tmux = Tmux(tmp_path)
    command = (  # a child of the pane's shell, as in the test above
        f"cd {REPO} && env HOME={home} TERM=xterm-256color {sys.executable} -m speedtimer "
        f"--mute --presets-dir {presets} --data-dir {tmp_path / 'data'} "
        f"--config-dir {tmp_path / 'config'} --get-ready 0 run 'Long stall'; true"
    )
    try:
        tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
        tmux.wait_for("WORK", timeout=20)
        shell = int(tmux.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())
        [pid] = children(shell)
        time.sleep(1.5)  # settled: the sound helper's threads are up
        before = threads(pid)
        for _ in range(3):
            os.kill(pid, signal.SIGSTOP)
            time.sleep(0.3)
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.7)
            assert threads(pid) <= before, (before, threads(pid))
            assert "WORK" in tmux.screen()
        tmux.keys("C-q")
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and state(pid) != "Z":
            assert time.monotonic() < deadline, "the app did not exit after ctrl+q"
            time.sleep(0.05)
    finally:
        tmux.close()
