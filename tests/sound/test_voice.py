"""Speech from the real espeak-ng: rendered to WAV, trimmed, cached by text and voice, handed to
the sound helper; a missing or broken speech command is said once and costs only the voice.

Every test renders with the real program (Debian's espeak-ng, which setup.sh installs); the
speech command's runs are counted by a small wrapper script that then runs espeak-ng itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import wave
from array import array
from pathlib import Path

import pytest

from speedtimer.config.settings import DEFAULT_VOICE_COMMAND
from speedtimer.sound.audio import check_wav
from speedtimer.sound.voice import (
    EDGE_S,
    SILENCE,
    SpeechCache,
    SpeechError,
    Voice,
    VoiceConfig,
)
from tests.conftest import QuietAudio
from tests.sound.test_audio import _problem_catcher

ESPEAK = shutil.which("espeak-ng")
pytestmark = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
WAIT_S = 10.0


def counting_command(tmp_path: Path) -> tuple[tuple[str, ...], Path]:
    """espeak-ng behind a script that writes one line per run: how often speech was made."""
    runs = tmp_path / "runs.txt"
    script = tmp_path / "bin" / "speak"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f'#!/bin/sh\necho "$@" >> "{runs}"\nexec "{ESPEAK}" "$@"\n')
    script.chmod(0o755)
    return (str(script), *DEFAULT_VOICE_COMMAND[1:]), runs


def run_count(runs: Path) -> int:
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def samples(path: Path) -> tuple[wave._wave_params, array]:
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        return params, array("h", w.readframes(params.nframes))


# --- rendering -----------------------------------------------------------------------------


def test_a_phrase_is_rendered_to_a_trimmed_16_bit_wav(tmp_path):
    cache = SpeechCache(tmp_path / "speech", VoiceConfig())
    phrase = cache.render("Rep 3 of 8. 400 metres. Go.")
    assert phrase.path.parent == tmp_path / "speech" and phrase.path.suffix == ".wav"
    assert check_wav(phrase.path) is None  # playable as a cue is
    params, data = samples(phrase.path)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 22050)
    assert phrase.seconds == pytest.approx(params.nframes / 22050)
    assert 1.5 < phrase.seconds < 5
    # espeak-ng's own file ends in about 0.3 s of silence; ours keeps EDGE_S at each end
    raw = tmp_path / "raw.wav"
    subprocess.run([ESPEAK, "-w", str(raw), "--", phrase.text], check=True)
    raw_params, _ = samples(raw)
    assert raw_params.nframes / 22050 - phrase.seconds > 0.2
    edge = int(EDGE_S * 22050)
    loud = [i for i, x in enumerate(data) if abs(x) > SILENCE]
    assert loud[0] <= edge  # the speech starts at once (espeak-ng starts it without a pause)
    assert len(data) - 1 - loud[-1] == edge  # and ends EDGE_S before the file does
    assert phrase.sound == f"say-{phrase.path.stem}"
    assert list(tmp_path.joinpath("speech").iterdir()) == [phrase.path]  # no leftovers


def test_the_cache_is_keyed_on_text_voice_speed_and_command(tmp_path):
    command, runs = counting_command(tmp_path)
    folder = tmp_path / "speech"
    first = SpeechCache(folder, VoiceConfig(command=command))
    a = first.render("Halfway.")
    assert run_count(runs) == 1
    again = SpeechCache(folder, VoiceConfig(command=command)).render("Halfway.")
    assert again == a and run_count(runs) == 1  # a new session: nothing rendered
    us = SpeechCache(folder, VoiceConfig(command=command, name="en-us")).render("Halfway.")
    fast = SpeechCache(folder, VoiceConfig(command=command, speed=260)).render("Halfway.")
    other = first.render("Rest.")
    assert run_count(runs) == 4
    assert len({a.path, us.path, fast.path, other.path}) == 4
    assert fast.seconds < a.seconds  # the speed really went to espeak-ng
    assert "-v en-us" in runs.read_text()
    default_command = SpeechCache(folder, VoiceConfig()).render("Halfway.")
    assert default_command.path != a.path  # another command may sound different


def test_a_damaged_cache_file_is_rendered_again(tmp_path):
    command, runs = counting_command(tmp_path)
    cache = SpeechCache(tmp_path / "speech", VoiceConfig(command=command))
    phrase = cache.render("Last rep. Go.")
    phrase.path.write_bytes(b"RIFF nonsense")
    assert cache.cached("Last rep. Go.") is None
    again = cache.render("Last rep. Go.")
    assert run_count(runs) == 2 and check_wav(again.path) is None


def test_phrases_are_never_read_as_options_or_fields(tmp_path):
    cache = SpeechCache(tmp_path / "speech", VoiceConfig())
    assert cache.render("-10 seconds").seconds > 0.5  # "--" before the text
    argv = VoiceConfig().argv("say {file} and {voice}", Path("/tmp/x.wav"))
    assert argv[-1] == "say {file} and {voice}" and "/tmp/x.wav" in argv


def test_the_cache_keeps_the_phrases_used_last(tmp_path):
    cache = SpeechCache(tmp_path / "speech", VoiceConfig())
    phrases = [cache.render(text) for text in ("One.", "Two.", "Three.", "Four.")]
    for n, phrase in enumerate(phrases):
        os.utime(phrase.path, (1000 + n, 1000 + n))
    cache.cached("One.")  # used again just now
    leftover = tmp_path / "speech" / ".abc.1.2.raw.wav"
    leftover.write_bytes(b"x")
    os.utime(leftover, (1000, 1000))
    assert cache.prune(keep=2) == 3
    assert sorted(p.name for p in (tmp_path / "speech").iterdir()) == sorted(
        [phrases[0].path.name, phrases[3].path.name]
    )


# --- the background renderer -----------------------------------------------------------------


def test_the_voice_renders_in_the_background_and_hands_each_phrase_to_the_sound_helper(tmp_path):
    command, runs = counting_command(tmp_path)
    audio = QuietAudio()
    texts = ["Rep 1 of 2. Go.", "Rest. 1 minute 30.", "Last rep. Go."]
    voice = Voice(SpeechCache(tmp_path / "speech", VoiceConfig(command=command)), audio)
    assert voice.available and voice.problem is None
    voice.request(texts)
    assert voice.wait_idle(WAIT_S)
    assert run_count(runs) == 3
    for text in texts:
        phrase = voice.phrase(text)
        assert phrase is not None and voice.seconds(text) == phrase.seconds > 0.5
        assert audio.loaded[phrase.sound] == phrase.path
    assert list(audio.loaded) == [voice.sound(t) for t in texts]  # first needed, first made
    voice.request(texts)  # already there: nothing to do
    assert voice.wait_idle(WAIT_S) and run_count(runs) == 3

    later = Voice(SpeechCache(tmp_path / "speech", VoiceConfig(command=command)), QuietAudio())
    later.request(texts)  # the next session
    assert later.wait_idle(WAIT_S)
    assert run_count(runs) == 3 and all(later.seconds(t) for t in texts)


def test_a_phrase_asked_for_late_is_said_when_ready(tmp_path):
    audio = QuietAudio()
    voice = Voice(SpeechCache(tmp_path / "speech", VoiceConfig()), audio)
    voice.say_when_ready("Session complete. 3 reps, 4 minutes.", at=time.monotonic() + 0.5)
    assert voice.wait_idle(WAIT_S)
    assert audio.played == [voice.sound("Session complete. 3 reps, 4 minutes.")]
    voice.say_when_ready("Session complete. 3 reps, 4 minutes.", at=time.monotonic())  # at once
    assert len(audio.played) == 2
    voice.say_when_ready(
        "Too late.", at=time.monotonic() - 5.0
    )  # its moment has passed by the time it is ready
    assert voice.wait_idle(WAIT_S)
    assert len(audio.played) == 2 and voice.seconds("Too late.") is not None


# --- when there is no speech ---------------------------------------------------------------


def test_a_speech_command_that_does_not_exist_is_said_once(tmp_path):
    calls, _, on_problem = _problem_catcher()
    config = VoiceConfig(command=("no-such-speech-program", "-w", "{file}", "{text}"))
    voice = Voice(SpeechCache(tmp_path / "speech", config), QuietAudio(), on_problem=on_problem)
    assert not voice.available
    assert voice.problem == (
        "Voice unavailable: the speech command 'no-such-speech-program' was not found: "
        "check voice_command; beeps only."
    )
    voice.request(["Halfway."])
    assert voice.wait_idle(1.0) and voice.seconds("Halfway.") is None
    assert calls == []  # the app shows `problem` itself when it asks for the voice
    assert not (tmp_path / "speech").exists()


def test_no_espeak_ng_on_the_path(tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    cache = SpeechCache(tmp_path / "speech", VoiceConfig(), env={"PATH": str(empty)})
    voice = Voice(cache, QuietAudio())
    assert not voice.available
    assert "'espeak-ng' was not found" in voice.problem
    assert "sudo apt-get install espeak-ng" in voice.problem and "beeps only" in voice.problem
    with pytest.raises(SpeechError, match="'espeak-ng' was not found"):
        cache.render("Halfway.")


def test_a_failing_speech_command_gives_up_once_with_its_message(tmp_path):
    script = tmp_path / "broken-speak"
    script.write_text('#!/bin/sh\necho "cannot open the voice data" >&2\nexit 3\n')
    script.chmod(0o755)
    calls, got, on_problem = _problem_catcher()
    config = VoiceConfig(command=(str(script), "-w", "{file}", "{text}"))
    voice = Voice(SpeechCache(tmp_path / "speech", config), QuietAudio(), on_problem=on_problem)
    assert voice.available  # it exists: only running it tells
    voice.request(["Halfway.", "Rest.", "Go."])
    assert got.wait(WAIT_S) and voice.wait_idle(WAIT_S)
    assert not voice.available
    assert calls == [
        f"Voice unavailable: the speech command '{script}' failed "
        "(exit 3: cannot open the voice data); beeps only."
    ]


def test_a_command_that_writes_no_wav_is_explained(tmp_path):
    config = VoiceConfig(command=("true", "{file}", "{text}"))
    with pytest.raises(SpeechError, match=r"wrote no WAV file: voice_command must pass \{file\}"):
        SpeechCache(tmp_path / "speech", config).render("Halfway.")


def test_a_phrase_too_long_is_left_out_and_the_others_are_said(tmp_path):
    calls, got, on_problem = _problem_catcher()
    voice = Voice(
        SpeechCache(tmp_path / "speech", VoiceConfig()), QuietAudio(), on_problem=on_problem
    )
    long_text = "This phrase goes on and on about the weather and the track. " * 4
    voice.request([long_text, "Halfway."])
    assert voice.wait_idle(WAIT_S) and got.wait(WAIT_S)
    assert voice.available and voice.seconds("Halfway.") is not None
    assert voice.seconds(long_text) is None
    (message,) = calls
    assert message.startswith("Voice: the phrase 'This phrase goes on") and "left out" in message
