"""Spoken marks heard through ALSA's file plugin (issue 15.4): a group session on the real
clock, the real sound helper process and espeak-ng rendering each mark's phrase.

Ana's split at 1 s is said ("Ana 1"), in the quiet before the countdown; Ben's at 3.6 s would
run into the pips at 4, 5 and 6 s, so it is rendered but never played: pips win. Real time is
used (about ten seconds), because real playback is the point.
"""

from __future__ import annotations

import shutil
import time
import wave
from pathlib import Path

import pytest

from speedtimer.config.paths import sounds_dir
from speedtimer.core.cues import CUE_NAMES
from speedtimer.core.phrases import PHRASE_KEYS
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.formats.squad import squad_from_dict
from speedtimer.group_session import GroupShell, runners_for
from speedtimer.sound.audio import ProcessAudio, cue_lengths, resolve_cue_files
from speedtimer.sound.voice import SpeechCache, Voice, VoiceConfig
from speedtimer.sound.worker import PROBES
from tests.sound.test_audio_session import alsa_to_files, captured

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
__all__ = ["alsa_to_files"]  # the fixture

PRESET = """
name = "Hill marks"
countdown = 3
[[steps]]
kind = "work"
duration = 7
[[steps]]
kind = "rest"
duration = 1
"""
HEARD = ["work", "Ana 1", "pip", "pip", "pip", "rest", "finished"]


def wav_data(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


def test_a_mark_is_heard_and_a_mark_that_would_meet_the_pips_is_not(tmp_path, alsa_to_files):
    home, out = alsa_to_files
    files = resolve_cue_files(sounds_dir(), {})[0]
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    audio = ProcessAudio(files, tmp_path / "audio.log", env=env)
    assert audio.wait_ready(10.0), audio.problem
    cache = SpeechCache(tmp_path / "speech", VoiceConfig())
    voice = Voice(cache, audio)
    squad = squad_from_dict({"name": "S", "athletes": [{"name": "Ana"}, {"name": "Ben"}]})
    preset = parse_preset(PRESET)
    shell = GroupShell(
        preset,
        runners_for(preset, squad.athletes),
        audio=audio,
        get_ready_s=0,
        voice=voice,
        voice_on=True,
        speak_marks=True,
        phrases={key: "" for key in PHRASE_KEYS},  # only the marks speak
        cue_seconds=cue_lengths(files),
    )
    try:
        shell.start()
        t0 = shell.timer.segment().start
        keys = [(t0 + 1.0, "1"), (t0 + 3.6, "2")]
        while not shell.timer.done:
            wake = shell.next_wake()
            due = min([w for w in (wake,) if w is not None] + [at for at, _ in keys[:1]])
            time.sleep(max(0.0, due - time.monotonic()))
            if keys and time.monotonic() >= keys[0][0]:
                shell.athlete_key(keys.pop(0)[1])
            else:
                shell.tick()
        assert voice.wait_idle(5.0)
        assert [m.text for m in shell.marks_said] == ["Ana 1"]
        ben = cache.cached("Ben 3")
        assert ben is not None  # rendered when the key came, then left out
        time.sleep(1.5)  # the fanfare plays out
    finally:
        audio.close()
    expected = {wav_data(files[c]): c for c in CUE_NAMES}
    expected[wav_data(cache.cached("Ana 1").path)] = "Ana 1"
    expected[wav_data(ben.path)] = "Ben 3"
    deadline = time.monotonic() + 5
    while len(captured(out)) < len(HEARD) + PROBES and time.monotonic() < deadline:
        time.sleep(0.05)
    streams = captured(out)[PROBES:]
    heard = [expected.get(f.read_bytes(), f"unknown {f.stat().st_size} bytes") for f in streams]
    assert heard == HEARD
