"""A whole short session in a real process, heard through ALSA's file plugin, with and without
the voice.

No sound card is needed: the plugin writes every stream the app plays to its own raw file
(out.raw, out.raw.0001, ...), so the test can count the cues and check each one's length
against its WAV. Real time is used (a few seconds), because real playback is the point.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from speedtimer.core.cues import CUE_NAMES
from speedtimer.sound.voice import SpeechCache, VoiceConfig
from speedtimer.sound.worker import PROBE_FRAMES, PROBES
from tests.conftest import REPO

PRESET = """
name = "Audio trial"
category = "custom"
countdown = 2

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

# What a runner hears: each step's cue, two pips before the end of the 3 s steps, the fanfare.
EXPECTED = ["warmup", "pip", "pip", "work", "pip", "pip", "rest", "cooldown", "finished"]


def wav_bytes(name: str) -> int:
    with wave.open(str(REPO / "sounds" / f"{name}.wav"), "rb") as w:
        return w.getnframes() * w.getsampwidth() * w.getnchannels()


def captured(out: Path) -> list[Path]:
    """The streams the plugin wrote, in open order, but for the sound helper's check of a
    session stream: right after start-up it writes a stream of silence, which the null device
    takes at once (about 2 s of it in a few ms), so the helper knows there is no clock to
    place cues on and plays each in a stream of its own (tests/sound/test_stream.py)."""
    files = [p for p in out.parent.glob(out.name + "*") if not is_check_stream(p)]
    return sorted(files, key=lambda p: (len(p.name), p.name))


def is_check_stream(path: Path) -> bool:
    """The helper's start-up check of a session stream, as the null device's file plugin
    writes it: silence, longer than a probe (issue 19)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return len(data) > 2 * PROBE_FRAMES and data.count(0) == len(data)


@pytest.fixture
def alsa_to_files(tmp_path):
    pytest.importorskip("simpleaudio")
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "captured" / "out.raw"
    out.parent.mkdir()
    (home / ".asoundrc").write_text(
        "pcm.!default {\n  type file\n  slave.pcm { type null }\n"
        f'  file "{out}"\n  format "raw"\n  truncate false\n}}\n'
    )
    return home, out


def test_session_cues_reach_the_audio_output(tmp_path, alsa_to_files):
    home, out = alsa_to_files
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "audio.toml").write_text(PRESET)
    data = tmp_path / "data"
    env = {**os.environ, "HOME": str(home)}
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable, "-m", "speedtimer",
            "--presets-dir", str(presets), "--data-dir", str(data),
            "--config-dir", str(tmp_path / "config"),
            "--get-ready", "0",
            "run", "Audio trial", "--plain",
        ],
        capture_output=True, text=True, env=env, timeout=60, cwd=REPO,
    )  # fmt: skip
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""  # ALSA's chatter goes to the log, never to the terminal
    assert "Finished: 0:08 active" in proc.stdout
    assert 8 <= took < 30

    deadline = time.monotonic() + 5
    while len(captured(out)) < len(EXPECTED) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    files = captured(out)
    # The player opens the device PROBES times at start with a few ms of silence, to find out
    # early (before the first cue is due) whether there is a device at all, and how long it
    # takes to open.
    for probe in files[:PROBES]:
        assert set(probe.read_bytes()) == {0} and probe.stat().st_size < 4410
    del files[:PROBES]
    assert len(files) == len(EXPECTED), [f.name for f in files]
    # Each stream holds exactly one cue's samples; streams are opened in play order.
    assert [f.stat().st_size for f in files] == [wav_bytes(name) for name in EXPECTED]


def test_muted_session_plays_nothing(tmp_path, alsa_to_files):
    home, out = alsa_to_files
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "audio.toml").write_text(PRESET.replace("duration = 3", "duration = 1"))
    proc = subprocess.run(
        [
            sys.executable, "-m", "speedtimer",
            "--presets-dir", str(presets), "--data-dir", str(tmp_path / "data"),
            "--config-dir", str(tmp_path / "config"), "--get-ready", "0", "--mute",
            "run", "Audio trial", "--plain",
        ],
        capture_output=True, text=True, env={**os.environ, "HOME": str(home)}, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    time.sleep(0.3)
    assert captured(out) == []  # muted: the player is not even started


VOICE_PRESET = """
name = "Voice trial"
category = "custom"
countdown = 1

[[steps]]
repeat = 2
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  duration = 6
  [[steps.steps]]
  kind = "rest"
  duration = 4
"""

# What a runner hears, in order: each phrase in the quiet before the next pip, the cues.
VOICE_EXPECTED = [
    "Rep 1 of 2. Go.",  # in the 5 s get-ready, before its pip at 4 s
    "pip",
    "work",
    "Easy. 4 seconds.",  # the settings' own rest phrase, before the rep's pip at 5 s
    "pip",
    "rest",
    "Last rep. Go.",
    "pip",
    "work",
    "pip",
    "finished",
    "Session complete. 2 reps, 16 seconds.",  # after the fanfare
]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_a_spoken_session_is_heard_phrase_by_phrase_among_the_cues(tmp_path, alsa_to_files):
    home, out = alsa_to_files
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "voice.toml").write_text(VOICE_PRESET)
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text('[phrases]\nrest = "Easy. {duration}."\n')
    cache = tmp_path / "cache"
    env = {**os.environ, "HOME": str(home)}
    proc = subprocess.run(
        [
            sys.executable, "-m", "speedtimer",
            "--presets-dir", str(presets), "--data-dir", str(tmp_path / "data"),
            "--config-dir", str(config), "--cache-dir", str(cache),
            "--get-ready", "5", "--voice",
            "run", "Voice trial", "--plain",
        ],
        capture_output=True, text=True, env=env, timeout=90, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == "" and "warning" not in proc.stdout
    assert "Finished: 0:16 active" in proc.stdout

    speech = SpeechCache(cache / "speech", VoiceConfig())
    expected = []
    for item in VOICE_EXPECTED:
        if item in CUE_NAMES:
            expected.append(wav_data(REPO / "sounds" / f"{item}.wav"))
        else:
            phrase = speech.cached(item)
            assert phrase is not None, f"{item!r} was not rendered into the cache"
            expected.append(wav_data(phrase.path))
    deadline = time.monotonic() + 10
    while len(captured(out)) < len(expected) + PROBES and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    files = captured(out)
    assert all(set(probe.read_bytes()) == {0} for probe in files[:PROBES])
    del files[:PROBES]
    heard = [f.read_bytes() for f in files]
    names = {data: item for data, item in zip(expected, VOICE_EXPECTED, strict=True)}
    assert [names.get(h, f"unknown {len(h)} bytes") for h in heard] == VOICE_EXPECTED
    assert heard == expected  # every phrase whole, exactly its samples, in order


def wav_data(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


def test_without_espeak_ng_a_spoken_session_says_so_once_and_beeps(tmp_path, alsa_to_files):
    home, out = alsa_to_files
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "audio.toml").write_text(PRESET.replace("duration = 3", "duration = 1"))
    no_programs = tmp_path / "bin"
    no_programs.mkdir()
    proc = subprocess.run(
        [
            sys.executable, "-m", "speedtimer",
            "--presets-dir", str(presets), "--data-dir", str(tmp_path / "data"),
            "--config-dir", str(tmp_path / "config"), "--cache-dir", str(tmp_path / "cache"),
            "--get-ready", "0", "--voice",
            "run", "Audio trial", "--plain",
        ],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "HOME": str(home), "PATH": str(no_programs)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    warnings = [line for line in proc.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: Voice unavailable: the speech command 'espeak-ng' was not found: install it "
        "(sudo apt-get install espeak-ng) or name another in voice_command; beeps only."
    ]
    assert "Finished" in proc.stdout
    deadline = time.monotonic() + 5
    while len(captured(out)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(captured(out)) >= 2  # the probe and the cues: beeps only, but beeps
    assert not (tmp_path / "cache").exists()  # nothing was rendered
