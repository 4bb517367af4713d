"""Shared pieces for the tests that run the whole app against faults: folders with one preset,
the app as the runner starts it, what it shows, and leaving a finished session in tmux."""

from __future__ import annotations

import math
import sys
import time
import wave
from array import array
from pathlib import Path

from speedtimer.config.paths import Paths
from speedtimer.tui.app import SpeedTimerApp, make_app
from speedtimer.tui.screens.run import RunScreen
from tests.conftest import QuietAudio


def alsa_config(folder: Path, pcm: str) -> Path:
    """An ALSA config file whose default device is `pcm`, for ALSA_CONFIG_PATH."""
    conf = folder / "asound.conf"
    system = Path("/usr/share/alsa/alsa.conf")
    lines = [f"<{system}>"] if system.is_file() else []
    conf.write_text("\n".join([*lines, f"pcm.!default {pcm}", ""]))
    return conf


# Reads a stream from stdin no faster than `rate` bytes a second (a sound card's pace), into
# `target`: that file, or when it is a folder a new file in it per stream (named by start time).
PACER = """
import os, sys, time
target, rate = sys.argv[1], int(sys.argv[2])
path = os.path.join(target, f"{time.monotonic_ns():020d}.raw") if os.path.isdir(target) else target
t0, total = time.monotonic(), 0
with open(path, "ab") as out:
    while True:
        allowed = int((time.monotonic() - t0) * rate) + 4096 - total
        if allowed <= 0:
            time.sleep(0.002)
            continue
        chunk = sys.stdin.buffer.read1(min(allowed, 65536))
        if not chunk:
            break
        out.write(chunk)
        out.flush()
        total += len(chunk)
"""


def paced_pcm(folder: Path, target: Path, bytes_per_s: int) -> str:
    """An ALSA device (for `alsa_config`) that is the file plugin piping each stream through
    PACER into `target`: a sound then lasts about as long as on a sound card, so it can be cut
    off while it plays, and cues land at their frames (the null device swallows them at once)."""
    pacer = folder / "pacer.py"
    pacer.write_text(PACER)
    return (
        "{ type file; slave.pcm { type null }; "
        f'file "|{sys.executable} {pacer} {target} {bytes_per_s}"; format "raw" }}'
    )


def speech_wav(path: Path, seconds: float, rate: int = 22050) -> Path:
    """A stand-in phrase with the shape of espeak-ng's output: 16-bit mono at 22050 Hz."""
    frames = int(seconds * rate)
    tone = array("h", (int(8000 * math.sin(2 * math.pi * 220 * i / rate)) for i in range(frames)))
    if sys.byteorder == "big":
        tone.byteswap()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone.tobytes())
    return path


def preset_paths(tmp_path: Path, preset: str, data_dir: Path | None = None) -> Paths:
    """Temp folders, with `preset` (TOML text) as the one extra preset."""
    presets = tmp_path / "presets"
    presets.mkdir(exist_ok=True)
    (presets / "trial.toml").write_text(preset)
    return Paths(
        config_dir=tmp_path / "config",
        data_dir=data_dir or tmp_path / "data",
        extra_presets_dirs=(presets,),
    )


def quiet_app(paths: Paths, clock, **kw) -> SpeedTimerApp:
    """The app on the fake clock, its cues played nowhere (no bell, no flash)."""
    return make_app(
        paths, clock=clock, wall_clock=clock.wall, audio=kw.pop("audio", QuietAudio()), **kw
    )


async def start_preset(app, pilot, tag: str) -> RunScreen:
    """Type the preset's tag in the menu filter and press enter, as a runner does."""
    await pilot.press(*tag)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, RunScreen)
    return app.screen


async def after_first_frame(app, pilot, timeout: float = 10.0) -> None:
    """Until the work the app leaves for after the menu's first list of presets has run (the
    sound helper's start, the history's tidy, a first run's settings file: `presets_listed`
    and `_after_first_frame` in speedtimer/tui/app.py), its workers done and their notices
    drawn. A first `pilot.pause()` does not promise it: on a busy machine the menu may still
    be reading the folders (then a 1 s fallback timer starts it), and a test that checks what
    that work did, or did not do, before it ran proves nothing."""
    deadline = time.monotonic() + timeout
    while not app._first_frame_done:
        assert time.monotonic() < deadline, "the work after the first frame never started"
        await pilot.pause(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


def screen_text(app) -> str:
    """What the terminal shows, as text (Pilot)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def leave_finished_session(tmux, timeout: float = 20) -> str:
    """In tmux: wait for the summary, close it, quit from the menu. The summary's screen."""
    summary = tmux.wait_for("Session complete", timeout=timeout)
    tmux.keys("Escape")
    tmux.wait_for("Type to filter")
    tmux.keys("C-q")
    time.sleep(0.5)
    return summary
