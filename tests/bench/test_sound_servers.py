"""The sound-server routes' ear: cue onsets found in a recording and held against the plan.

The recording is built here from the bundled WAVs (48 kHz, as the null sinks record), with
known faults put in: one cue late by a known time, one missing, one with its start cut off.
"""

from __future__ import annotations

import array
import wave
from pathlib import Path

import pytest

from benchmarks.sound_servers import analyse, naive_script, read_mono, wav_starts
from speedtimer.config.paths import sounds_dir
from speedtimer.sound.audio import resolve_cue_files

RATE = 48000


def _resampled(path: Path) -> array.array:
    """The WAV at 48 kHz (nearest sample: enough for onsets to a fraction of a ms)."""
    data, rate = read_mono(path)
    n = int(len(data) * RATE / rate)
    return array.array("h", (data[int(i * rate / RATE)] for i in range(n)))


def _recording(path: Path, cues: list[tuple[str, float]], files, *, cut: str | None = None):
    total = max(at for _, at in cues) + 2.0
    out = array.array("h", bytes(2 * int(total * RATE)))
    for cue, at in cues:
        samples = _resampled(files[cue])
        if cue == cut:
            samples = array.array("h", bytes(2 * int(0.02 * RATE))) + samples[int(0.02 * RATE) :]
        start = int(at * RATE)
        out[start : start + len(samples)] = samples
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(out.tobytes())


@pytest.fixture(scope="module")
def files():
    return resolve_cue_files(sounds_dir(), {})[0]


PLAN = [("work", 1.0), ("pip", 2.0), ("rest", 3.0), ("work", 4.0), ("pip", 5.0), ("rest", 6.0),
        ("work", 7.0), ("pip", 8.0), ("rest", 9.0), ("finished", 10.0)]  # fmt: skip


def test_on_time_cues_give_no_error_whatever_the_constant_latency(tmp_path, files):
    rec = tmp_path / "rec.wav"
    _recording(rec, [(c, at + 0.137) for c, at in PLAN], files)  # 137 ms of path latency
    got = analyse(rec, PLAN, wav_starts(files))
    assert (got["heard"], got["missed"], got["clipped"]) == (len(PLAN), 0, 0)
    assert got["interval_max"] < 0.1 and got["drift"] < 0.1
    assert abs(got["clock_ppm"]) < 100


def test_a_late_cue_a_missing_one_and_a_clipped_start_are_each_found(tmp_path, files):
    rec = tmp_path / "rec.wav"
    heard = [(c, at + 0.05) for c, at in PLAN]
    heard[4] = ("pip", 5.05 + 0.012)  # 12 ms late
    del heard[7]  # the pip at 8 s never sounded
    _recording(rec, heard, files, cut="finished")  # its first 20 ms lost
    got = analyse(rec, PLAN, wav_starts(files))
    assert (got["heard"], got["missed"]) == (len(PLAN) - 1, 1)
    assert got["clipped"] >= 1
    assert got["interval_max"] == pytest.approx(12, abs=0.5)
    assert sorted(got["errors_ms"])[-1] == pytest.approx(12, abs=0.5)


def test_the_naive_baseline_is_aplay_in_the_background_and_sleep(files):
    script = naive_script(PLAN[:3], files)
    assert script.splitlines() == [
        "#!/bin/sh",
        f"aplay -q '{files['work']}' &",
        "sleep 1.000",
        f"aplay -q '{files['pip']}' &",
        "sleep 1.000",
        f"aplay -q '{files['rest']}' &",
        "sleep 1.5",
    ]
