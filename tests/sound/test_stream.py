"""The session stream (issue 19): cues mixed into one stream held open, at their samples.

The pure part (the timeline from due time to frame, the mixer) on made-up readings; then the
real helper process through ALSA's file plugin: into a reader that takes the stream at the
pace of a sound card (so the stream runs in real time and says how much it has queued), the
cues must land in the recorded stream at the frames their due times say; into the bare null
device (no pace, no clock), the helper must notice and fall back to one stream per cue.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
import wave
from array import array
from pathlib import Path

import pytest

from speedtimer.config.paths import sounds_dir
from speedtimer.sound.audio import ProcessAudio, resolve_cue_files
from speedtimer.sound.stream import (
    MIN_OBSERVATIONS,
    AlsaError,
    Mixer,
    Placed,
    SessionStream,
    Timeline,
    convert,
    mix,
)
from tests.helpers_app import alsa_config, paced_pcm, speech_wav

RATE = 44100
WAIT_S = 5.0

needs_simpleaudio = pytest.mark.skipif(
    importlib.util.find_spec("simpleaudio") is None, reason="simpleaudio is not installed"
)


def _tone(n: int, value: int) -> array:
    return array("h", [value] * n)


# --- due time -> frame --------------------------------------------------------------------------


def test_a_due_time_maps_to_the_frame_heard_then():
    line = Timeline(RATE)
    # 4410 frames written at t=100.0, 2205 of them (50 ms) still queued: frame 4410 is heard
    # at 100.05, so frame 0 was heard at 99.95
    for k in range(MIN_OBSERVATIONS):
        line.observe(100.0 + k * 0.01, 4410 + 441 * k, 2205)
    assert line.ready
    assert line.base == pytest.approx(99.95)
    assert line.frame_for(100.05) == 4410
    assert line.frame_for(101.0) == round(1.05 * RATE)
    assert line.heard_at(line.frame_for(102.5)) == pytest.approx(102.5, abs=1 / RATE)


def test_one_stalled_reading_does_not_move_the_cues():
    line = Timeline(RATE)
    for k in range(9):
        line.observe(10.0 + 0.01 * k, 441 * (k + 1), 1764)
    before = line.frame_for(12.0)
    line.observe(10.5, 441 * 10, 1764)  # read 400 ms after the write: a stalled thread
    assert line.frame_for(12.0) == before


def test_no_cue_is_placed_before_the_stream_has_told_its_delay():
    line = Timeline(RATE)
    mixer = Mixer(line, 1, 441)
    mixer.waiting.append((0.0, "pip", _tone(100, 1000), False))
    assert mixer.next_chunk(0) == _tone(441, 0)
    assert mixer.waiting and not mixer.playing


# --- mixing -------------------------------------------------------------------------------------


def test_a_sound_starts_at_its_frame_inside_a_period():
    out = mix(1000, 441, 1, [Placed("pip", _tone(50, 7), 1200)])
    assert list(out[:200]) == [0] * 200
    assert list(out[200:250]) == [7] * 50
    assert list(out[250:]) == [0] * 191


def test_two_overlapping_cues_are_summed_and_clipped():
    a = Placed("a", _tone(300, 20000), 0)
    b = Placed("b", _tone(300, 20000), 100)
    c = Placed("c", _tone(300, -500), 150)
    out = mix(0, 441, 1, [a, b, c])
    assert list(out[:100]) == [20000] * 100
    assert list(out[100:150]) == [32767] * 50  # 40000 clipped
    assert list(out[150:300]) == [32767] * 150  # 39500 clipped
    assert list(out[300:400]) == [19500] * 100  # b and c
    assert list(out[400:441]) == [-500] * 41  # c alone


def test_stereo_frames_are_interleaved():
    sound = Placed("s", array("h", [1, 2] * 10), 5)
    out = mix(0, 20, 2, [sound])
    assert list(out[:10]) == [0] * 10
    assert list(out[10:30]) == [1, 2] * 10
    assert list(out[30:]) == [0] * 10


def _ready(line: Timeline, base: float) -> None:
    for _ in range(MIN_OBSERVATIONS):
        line.observe(base, 0, 0)


def test_each_cue_lands_at_its_frame_across_periods():
    line = Timeline(RATE)
    _ready(line, 50.0)  # frame 0 heard at 50.0
    mixer = Mixer(line, 1, 441)
    mixer.waiting += [(50.1, "a", _tone(10, 1), False), (50.2513, "b", _tone(10, 2), False)]
    stream = array("h")
    for written in range(0, 441 * 30, 441):
        stream += mixer.next_chunk(written)
    assert stream.index(1) == 4410
    assert stream.index(2) == round(0.2513 * RATE)
    assert not mixer.waiting and not mixer.playing


def test_a_cue_whose_moment_has_passed_starts_at_once_and_whole():
    line = Timeline(RATE)
    _ready(line, 50.0)
    mixer = Mixer(line, 1, 441)
    samples = array("h", range(1, 601))
    mixer.waiting.append((50.01, "late", samples, False))  # frame 441: already written
    chunk = mixer.next_chunk(4410)
    assert list(chunk) == list(range(1, 442))  # from its first sample, at the period's start
    assert list(mixer.next_chunk(4851)[:159]) == list(range(442, 601))
    assert mixer.placed == [] and mixer.playing == []


def test_a_cue_silences_speech_but_speech_does_not_silence_a_cue():
    line = Timeline(RATE)
    _ready(line, 0.0)
    mixer = Mixer(line, 1, 441)
    mixer.waiting.append((0.0, "say", _tone(5000, 3), True))
    assert set(mixer.next_chunk(0)) == {3}
    mixer.waiting.append((0.0, "pip", _tone(100, 1000), False))
    chunk = mixer.next_chunk(441)
    assert list(chunk[:100]) == [1000] * 100 and list(chunk[100:]) == [0] * 341
    mixer.waiting.append((0.0, "pip", _tone(2000, 1000), False))
    mixer.waiting.append((0.01, "say2", _tone(5000, 3), True))
    chunk = mixer.next_chunk(882)
    assert set(chunk) == {1003}  # a phrase placed after the cue plays with it


def test_convert_to_the_streams_format():
    mono = array("h", [0, 100, 200, 300])
    if sys.byteorder == "big":
        mono.byteswap()
    data = mono.tobytes()
    assert list(convert(data, 1, 22050, 1, 44100)) == [0, 0, 100, 100, 200, 200, 300, 300]
    assert list(convert(data, 1, 44100, 2, 44100)) == [0, 0, 100, 100, 200, 200, 300, 300]
    assert list(convert(data, 1, 44100, 1, 22050)) == [0, 200]
    stretched = convert(data, 1, 40000, 1, 50000)
    assert len(stretched) == 5 and stretched[0] == 0 and stretched[-1] <= 300


# --- through the real helper --------------------------------------------------------------------


def _env(tmp_path: Path, pcm: str) -> dict[str, str]:
    env = dict(os.environ)
    env["ALSA_CONFIG_PATH"] = str(alsa_config(tmp_path, pcm))
    env["SPEEDTIMER_AUDIO_TRACE"] = "1"
    env.pop("SPEEDTIMER_AUDIO_STREAM", None)  # the default
    return env


def _cue_files() -> dict[str, Path]:
    files, messages = resolve_cue_files(sounds_dir(), {})
    assert messages == []
    return files


def _samples(path: Path) -> array:
    with wave.open(str(path), "rb") as w:
        a = array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        a.byteswap()
    return a


def _find(stream: array, cue: array, start: int = 0) -> int:
    """Where the cue's first 64 samples are found in the stream, from `start`."""
    head = cue[:64].tobytes()
    at = stream.tobytes().find(head, 2 * start)
    assert at >= 0 and at % 2 == 0, "cue not found in the stream"
    return at // 2


@needs_simpleaudio
def test_cues_land_at_the_frames_of_their_due_times_in_one_stream(tmp_path):
    out = tmp_path / "stream.raw"
    # the pacer takes 44100 frames of 16-bit mono a second: a sound card's pace
    pcm = paced_pcm(tmp_path, out, 2 * RATE)
    log = tmp_path / "speedtimer.log"
    files = _cue_files()
    audio = ProcessAudio(files, log, env=_env(tmp_path, pcm))
    try:
        assert audio.wait_ready(WAIT_S), audio.problem
        t0 = time.monotonic() + 0.5
        plan = [("work", 0.0), ("pip", 0.6173), ("pip", 1.2), ("rest", 1.9041)]
        for cue, offset in plan:
            assert audio.play(cue, at=t0 + offset)
        time.sleep(max(0.0, t0 + 2.5 - time.monotonic()))
    finally:
        audio.close(timeout=WAIT_S)
    text = log.read_text()
    assert "session stream opened" in text, text
    assert "failed" not in text and "per cue" not in text, text
    stream = array("h", out.read_bytes()[: len(out.read_bytes()) // 2 * 2])
    if sys.byteorder == "big":
        stream.byteswap()
    frames, at = [], 0
    for cue, _ in plan:
        at = _find(stream, _samples(files[cue]), at)
        frames.append(at)
        at += 1
    first = frames[0]
    for (cue, offset), frame in zip(plan, frames, strict=True):
        error_ms = 1000 * ((frame - first) / RATE - offset)
        assert abs(error_ms) <= 2.0, (cue, error_ms, frames)
    # one stream: the cues are in a single recording, with silence between them
    assert set(stream[frames[0] - 400 : frames[0]]) == {0}


@needs_simpleaudio
def test_a_device_without_a_clock_falls_back_to_one_stream_per_cue(tmp_path):
    capture = tmp_path / "capture"
    capture.mkdir()
    pcm = (
        "{ type file; slave.pcm { type null }; "
        f'file "{capture}/out.raw"; format "raw"; truncate false }}'
    )
    log = tmp_path / "speedtimer.log"
    files = _cue_files()
    audio = ProcessAudio(files, log, env=_env(tmp_path, pcm))
    try:
        assert audio.wait_ready(WAIT_S), audio.problem
        deadline = time.monotonic() + WAIT_S
        while "one stream per cue" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert audio.play("lap", at=time.monotonic() + 0.1)
        time.sleep(0.5)
    finally:
        audio.close(timeout=WAIT_S)
    text = log.read_text()
    assert "does not play in real time" in text, text
    assert "one stream per cue" in text, text
    lap = _samples(files["lap"]).tobytes()
    assert any(p.read_bytes() == lap for p in capture.iterdir()), "the lap cue, its own stream"


@needs_simpleaudio
def test_speech_a_cue_that_silences_it_and_a_withdrawn_cue_in_the_session_stream(tmp_path):
    """The client's whole interface through the session stream: a phrase at 22050 Hz (the
    stream plays at the cues' 44100) is heard from its frame, a pip silences it at the pip's
    frame, a cue withdrawn by cancel() is never heard, and the next one still is."""
    out = tmp_path / "stream.raw"
    pcm = paced_pcm(tmp_path, out, 2 * RATE)
    log = tmp_path / "speedtimer.log"
    files = _cue_files()
    say = speech_wav(tmp_path / "say.wav", 1.0)
    audio = ProcessAudio(files, log, env=_env(tmp_path, pcm))
    try:
        assert audio.wait_ready(WAIT_S), audio.problem
        assert audio.load("say-1", say)
        time.sleep(0.2)
        t0 = time.monotonic() + 0.4
        assert audio.play("say-1", at=t0)
        assert audio.play("pip", at=t0 + 0.5)
        assert audio.play("work", at=t0 + 1.2)
        time.sleep(max(0.0, t0 + 1.0 - time.monotonic()))
        audio.cancel()  # the work cue, sent ahead, is withdrawn
        assert audio.play("lap", at=t0 + 1.5)
        time.sleep(max(0.0, t0 + 2.0 - time.monotonic()))
    finally:
        audio.close(timeout=WAIT_S)
    text = log.read_text()
    assert "session stream opened" in text and "per cue" not in text, text
    raw = out.read_bytes()
    stream = array("h", raw[: len(raw) // 2 * 2])
    if sys.byteorder == "big":
        stream.byteswap()
    with wave.open(str(say), "rb") as w:
        spoken = convert(w.readframes(w.getnframes()), 1, 22050, 1, RATE)
    said = _find(stream, spoken)
    pip = _find(stream, _samples(files["pip"]), said)
    lap = _find(stream, _samples(files["lap"]), pip)
    assert abs((pip - said) / RATE - 0.5) < 0.002
    assert abs((lap - said) / RATE - 1.5) < 0.002
    assert stream[said:pip] == spoken[: pip - said]  # the phrase as it was, up to the pip
    pip_samples = _samples(files["pip"])
    assert stream[pip : pip + len(pip_samples)] == pip_samples  # then the pip alone
    assert set(stream[pip + len(pip_samples) : lap]) == {0}  # no rest of the phrase, no work
    assert "speech stopped: the 'pip' cue is due" in text
    assert "cancelled work" in text


def test_a_device_clock_that_drifts_is_followed():
    line = Timeline(RATE, keep=8)
    for _ in range(8):
        line.observe(0.0, 0, 0)
    assert line.base == 0.0
    for _ in range(5):  # the device has fallen 3 ms behind CLOCK_MONOTONIC
        line.observe(0.0, 0, round(0.003 * RATE))
    assert line.base == pytest.approx(0.003, abs=1 / RATE)
    assert line.frame_for(1.0) == round(0.997 * RATE)


def test_a_stream_that_fails_hands_back_what_it_had_not_started():
    """The helper then plays those cues one stream each (worker.check_stream)."""
    go = threading.Event()
    closed = []

    class Failing:
        period_frames, buffer_frames = 441, 1764

        def write(self, samples):
            go.wait(WAIT_S)
            raise AlsaError("the server went away")

        def delay(self):
            return 0

        def close(self, drain):
            closed.append(drain)

    logs: list[str] = []
    stream = SessionStream(1, RATE, logs.append, pcm_factory=lambda channels, rate: Failing())
    assert stream.alive
    stream.add("pip", _tone(100, 1), 123.0, False)
    go.set()
    stream.close(timeout=WAIT_S)
    assert stream.failed == "the server went away" and not stream.alive
    assert stream.take_back() == [(123.0, "pip")]
    assert closed == [False]
    assert logs == ["session stream closed (failed: the server went away)"]


class _PacedPcm:
    """A device that plays in real time and says how much it holds: a sound card's pace."""

    period_frames, buffer_frames = 441, 1764

    def __init__(self) -> None:
        self.closed = False

    def write(self, samples):
        time.sleep(self.period_frames / RATE)

    def delay(self):
        return self.buffer_frames

    def close(self, drain):
        self.closed = True


def test_a_held_stream_stays_open_through_a_long_quiet_and_closes_after_the_session():
    """While a session runs (hold) the quiet between two cues may last minutes (a warm-up's
    halves): the stream stays open, so a sound server never suspends the sink and wakes it
    late for the next cue. Once the session is over it closes after the idle time."""
    logs: list[str] = []
    pcm = _PacedPcm()
    stream = SessionStream(1, RATE, logs.append, idle_close_s=0.3, pcm_factory=lambda c, r: pcm)
    try:
        stream.hold = True
        stream.add("pip", _tone(441, 100), time.monotonic(), False)
        time.sleep(1.0)  # three idle times
        assert stream.alive and not pcm.closed, logs
        time.sleep(1.0)  # past CHECK_S too
        assert stream.alive and not pcm.closed, logs
        stream.hold = False
        deadline = time.monotonic() + WAIT_S
        while stream.alive and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not stream.alive and pcm.closed
        assert any("nothing to play" in line for line in logs), logs
    finally:
        stream.close(timeout=WAIT_S)


@needs_simpleaudio
def test_a_session_start_opens_the_stream_before_its_first_cue(tmp_path):
    """`hold(True)` at a session's start reaches the real helper: it opens its stream then
    (and keeps it), rather than with the first cue; `hold(False)` is told too."""
    out = tmp_path / "stream.raw"
    pcm = paced_pcm(tmp_path, out, 2 * RATE)
    log = tmp_path / "speedtimer.log"
    audio = ProcessAudio(_cue_files(), log, env=_env(tmp_path, pcm))
    try:
        assert audio.wait_ready(WAIT_S), audio.problem
        audio.hold(True)
        deadline = time.monotonic() + WAIT_S
        while "stream held open" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(2.0)  # past the start-up check's time: a stream not held would close
        text = log.read_text()
        assert "session running: stream held open" in text, text
        held = text.split("session running: stream held open")
        assert "session stream opened" in held[0] + held[1], text
        assert "session stream closed" not in held[1], text  # open since the hold
        audio.hold(False)
        deadline = time.monotonic() + WAIT_S
        while "session over" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "session over" in log.read_text()
    finally:
        audio.close(timeout=WAIT_S)
