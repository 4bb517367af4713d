"""Spoken marks through the real shell (issue 15.4): a `GroupShell` on a fake clock, phrases
rendered by the real espeak-ng, and an audio object that records what it was asked to play
and when it would be heard (the sound helper's side; the whole path through ALSA is in
tests/sound/test_group_marks_audio.py)."""

from __future__ import annotations

import shutil

import pytest

from speedtimer.core.announce import GAP_S
from speedtimer.core.mark_speech import MARK_WAIT_S
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.formats.squad import squad_from_dict
from speedtimer.group_session import RENDER_POLL_S, GroupShell, runners_for
from speedtimer.sound.voice import SpeechCache, Voice, VoiceConfig
from tests.session.test_session_voice import CUE_SECONDS, WAIT_S, Recorder, run_until

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

OPEN = """
name = "Open 400"
countdown = 3
[[steps]]
repeat = 2
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  until = "lap"
  distance_m = 400
  [[steps.steps]]
  kind = "rest"
  duration = 60
"""

HILL = """
name = "Hill"
countdown = 3
[[steps]]
kind = "work"
duration = 20
[[steps]]
kind = "rest"
duration = 30
"""


@pytest.fixture
def make(clock, tmp_path):
    def make_shell(text: str = OPEN, *, speak_marks=True, voice_on=True, names=("Ana", "Ben")):
        audio = Recorder(clock)
        voice = Voice(SpeechCache(tmp_path / "speech", VoiceConfig()), audio, clock=clock)
        squad = squad_from_dict({"name": "S", "athletes": [{"name": n} for n in names]})
        preset = parse_preset(text)
        shell = GroupShell(
            preset,
            runners_for(preset, squad.athletes),
            audio=audio,
            clock=clock,
            get_ready_s=5,
            voice=voice,
            voice_on=voice_on,
            speak_marks=speak_marks,
            cue_seconds=CUE_SECONDS,
        )
        return shell, audio, voice

    return make_shell


def said_marks(audio: Recorder, voice: Voice, t0: float) -> list[tuple[str, float]]:
    texts = {voice.sound(t): t for t in voice._ready}
    return [
        (texts[name], round(at - t0, 3))
        for name, at in audio.sent
        if name in texts and texts[name][:1].isupper() and texts[name].split()[0] in NAMES
    ]


NAMES = {"Ana", "Ben", "Cid"}


def key(shell, voice, clock, k: str) -> None:
    """An athlete's key, then the few milliseconds its phrase takes to render."""
    shell.athlete_key(k)
    assert voice.wait_idle(WAIT_S)


def test_a_finish_is_said_at_once_with_name_and_whole_seconds(make, clock):
    shell, audio, voice = make()
    t0 = clock.now
    shell.start()
    assert voice.wait_idle(WAIT_S)
    run_until(shell, clock, t0 + 5 + 71.4)
    shell.athlete_key("1")
    # its text is new: the screen wakes in a moment to look for it (rendered meanwhile)
    assert shell.next_wake() == pytest.approx(clock.now + RENDER_POLL_S)
    assert voice.wait_idle(WAIT_S)
    run_until(shell, clock, t0 + 5 + 72)
    assert said_marks(audio, voice, t0) == [("Ana 71", pytest.approx(5 + 71.4, abs=0.01))]
    assert [m.text for m in shell.marks_said] == ["Ana 71"]


def test_marks_are_never_said_when_spoken_marks_are_off_or_the_voice_is(make, clock, tmp_path):
    for speak, voice_on in ((False, True), (True, False)):
        shell, audio, voice = make(speak_marks=speak, voice_on=voice_on)
        t0 = clock.now
        shell.start()
        assert voice.wait_idle(WAIT_S)
        run_until(shell, clock, t0 + 5 + 71.4)
        key(shell, voice, clock, "1")
        run_until(shell, clock, t0 + 5 + 80)
        assert said_marks(audio, voice, t0) == [] and shell.marks_said == []
        assert SpeechCache(tmp_path / "speech", VoiceConfig()).cached("Ana 71") is None


def test_the_next_mark_does_not_cut_a_phrase_off_and_follows_it(make, clock):
    shell, audio, voice = make(names=("Ana", "Ben", "Cid", "Dee"))  # Dee is still out
    t0 = clock.now
    shell.start()
    assert voice.wait_idle(WAIT_S)
    run_until(shell, clock, t0 + 5 + 71.2)
    key(shell, voice, clock, "1")
    run_until(shell, clock, t0 + 5 + 71.5)
    key(shell, voice, clock, "2")  # while "Ana 71" is being said
    key(shell, voice, clock, "3")
    run_until(shell, clock, t0 + 5 + 76)
    assert audio.cancels == []  # nothing silenced
    said = said_marks(audio, voice, t0)
    assert [text for text, _ in said] == ["Ana 71", "Ben 71, Cid 71"]
    ana = voice.seconds("Ana 71")
    assert said[1][1] == pytest.approx(5 + 71.2 + ana + GAP_S, abs=0.01)


def test_a_mark_just_before_the_countdown_is_left_out_and_an_early_one_is_said(make, clock):
    shell, audio, voice = make(HILL)
    t0 = clock.now
    shell.start()
    assert voice.wait_idle(WAIT_S)
    run_until(shell, clock, t0 + 5 + 8.3)
    key(shell, voice, clock, "1")  # a split at 8 s: the pips are at 17, 18, 19
    run_until(shell, clock, t0 + 5 + 16.9)
    key(shell, voice, clock, "2")  # a split at 16.9 s: its phrase would run into the pips
    run_until(shell, clock, t0 + 5 + 16.9 + MARK_WAIT_S + 1)
    assert [text for text, _ in said_marks(audio, voice, t0)] == ["Ana 8"]
    assert shell.marks.waiting == ()


def test_undo_before_the_phrase_is_said_takes_it_back_and_undo_while_said_silences_it(make, clock):
    shell, audio, voice = make()
    t0 = clock.now
    shell.start()
    assert voice.wait_idle(WAIT_S)
    run_until(shell, clock, t0 + 5 + 71.4)
    shell.athlete_key("1")
    shell.undo()  # the wrong key, taken back before its phrase was rendered
    assert voice.wait_idle(WAIT_S)
    run_until(shell, clock, t0 + 5 + 73)
    assert said_marks(audio, voice, t0) == []
    key(shell, voice, clock, "2")  # the mark went back to the queue; Ben takes it
    run_until(shell, clock, t0 + 5 + 73.2)
    assert [t for t, _ in said_marks(audio, voice, t0)] == ["Ben 71"]
    cancels = len(audio.cancels)
    shell.undo()  # "Ben 71" is being said: silenced
    assert len(audio.cancels) == cancels + 1


def test_the_last_finish_that_ends_the_rep_is_said_after_the_rest_starts(make, clock):
    shell, audio, voice = make()
    t0 = clock.now
    shell.start()
    assert voice.wait_idle(WAIT_S)
    run_until(shell, clock, t0 + 5 + 70)
    key(shell, voice, clock, "1")
    run_until(shell, clock, t0 + 5 + 74)
    key(shell, voice, clock, "2")  # all in: the rep ends, the rest cue sounds
    run_until(shell, clock, t0 + 5 + 74 + MARK_WAIT_S + 1)
    said = said_marks(audio, voice, t0)
    assert [t for t, _ in said] == ["Ana 70", "Ben 74"]
    rest_cue = CUE_SECONDS["rest"]
    assert said[1][1] >= 5 + 74 + rest_cue + GAP_S - 1e-6  # after the rest's cue, never over it
