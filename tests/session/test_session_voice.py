"""A session that speaks: phrases rendered by the real espeak-ng, placed by the planner and sent
to the sound helper ahead of time like cues, withdrawn like cues when the runner acts.

The session runs on a fake clock; the audio object records what it was asked to play and
when it would be heard (the real helper's timing is tested against ALSA in test_audio.py,
the whole path in test_audio_session.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from speedtimer.config.paths import sounds_dir
from speedtimer.core.announce import GAP_S
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.session import LEAD_S, Session
from speedtimer.sound.audio import cue_lengths, resolve_cue_files
from speedtimer.sound.voice import SpeechCache, Voice, VoiceConfig
from tests.session.test_session_ahead import Recorder as AheadRecorder
from tests.session.test_session_ahead import StallingClock
from tests.session.test_session_ahead import run_until as wake_and_tick_until

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
WAIT_S = 10.0
CUE_SECONDS = cue_lengths(resolve_cue_files(sounds_dir(), {})[0])

PRESET = """
name = "Voice session"
countdown = 3
halfway = true

[[steps]]
kind = "warmup"
duration = 60

[[steps]]
repeat = 2
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  label = "400 m"
  distance_m = 400
  until = "lap"
  [[steps.steps]]
  kind = "rest"
  duration = 90

[[steps]]
kind = "cooldown"
duration = 60
"""


class Recorder(AheadRecorder):
    """The sound helper's side of the pipe, spoken phrases included."""

    def __init__(self, clock) -> None:
        super().__init__(clock)
        self.loaded: dict[str, Path] = {}

    def load(self, name: str, path: Path) -> bool:
        self.loaded[name] = path
        return True


@pytest.fixture
def make(clock, tmp_path):
    def make_session(text: str = PRESET, *, get_ready_s: float = 5, voice_on=True, command=None):
        audio = Recorder(clock)
        config = VoiceConfig() if command is None else VoiceConfig(command=command)
        voice = Voice(SpeechCache(tmp_path / "speech", config), audio, clock=clock)
        session = Session(
            parse_preset(text),
            audio=audio,
            clock=clock,
            get_ready_s=get_ready_s,
            voice=voice,
            voice_on=voice_on,
            cue_seconds=CUE_SECONDS,
        )
        return session, audio, voice

    return make_session


def run_until(s: Session, clock, t_end: float) -> None:
    """Wake as the run screen does up to `t_end`, then be at `t_end`."""
    wake_and_tick_until(s, clock, t_end)
    clock.now = max(clock.now, t_end)
    s.tick()


def heard(audio: Recorder, voice: Voice, t0: float) -> list[tuple[str, float]]:
    """Everything sent, speech as its text, with when it is heard relative to t0."""
    texts = {voice.sound(t): t for t in voice._ready}
    return [(texts.get(name, name), round(at - t0, 3)) for name, at in audio.sent]


def assert_no_overlap(audio: Recorder, voice: Voice) -> None:
    """Pips win: every phrase keeps GAP_S clear of every cue and of the other phrases."""
    spans = []
    for name, at in audio.sent:
        phrase = next((p for p in voice._ready.values() if p.sound == name), None)
        seconds = phrase.seconds if phrase else CUE_SECONDS[name]
        spans.append((at, at + seconds, phrase is not None))
    spans.sort()
    for (a0, a1, a_speech), (b0, _, b_speech) in zip(spans, spans[1:], strict=False):
        if a_speech or b_speech:
            assert a1 + GAP_S <= b0 + 1e-6, ((a0, a1), b0)


def test_a_session_announces_every_step_in_the_quiet_before_its_pips(make, clock):
    s, audio, voice = make()
    t0 = clock.now
    s.start()
    assert voice.wait_idle(WAIT_S)  # rendered off the session's thread, before they are due
    run_until(s, clock, t0 + 5 + 60 + 80)
    s.lap()  # the first 400 m in 80 s: the rest starts unforeseen
    run_until(s, clock, t0 + 5 + 60 + 80 + 90 + 75)
    s.lap()  # the second in 75 s
    assert voice.wait_idle(WAIT_S)  # the last words, as they will be, rendered meanwhile
    run_until(s, clock, t0 + 400)
    assert s.timer.done
    said = [(text, at) for text, at in heard(audio, voice, t0) if " " in text or "." in text]
    assert [text for text, _ in said] == [
        "Warm-up. 1 minute.",  # in the get-ready, before its pips
        "Halfway.",
        "10 seconds.",
        "Rep 1 of 2. 400 metres. Go.",  # at the end of the warm-up, before its pips
        "Rest. 1 minute 30.",  # after the rest cue: the lap could not be foreseen
        "Halfway.",
        "10 seconds.",
        "Last rep. 400 metres. Go.",
        "Cool-down. 1 minute.",
        "Halfway.",
        "10 seconds.",
        "Session complete. 2 reps, 6 minutes.",
    ]
    seconds = {text: voice.seconds(text) for text, _ in said}
    at = dict(said)  # the last time each text is heard: in the cool-down, 310 s to 370 s
    assert at["Halfway."] + seconds["Halfway."] == pytest.approx(340 - GAP_S, abs=1e-3)
    assert at["10 seconds."] + seconds["10 seconds."] == pytest.approx(360, abs=1e-3)
    rep_1, rest = said[3], said[4]
    assert rep_1[1] + seconds[rep_1[0]] == pytest.approx(65 - 3 - GAP_S, abs=1e-3)  # 1st pip
    assert rest[1] == pytest.approx(145 + CUE_SECONDS["rest"] + GAP_S, abs=1e-3)
    assert said[-1][1] == pytest.approx(370 + CUE_SECONDS["finished"] + GAP_S, abs=1e-3)
    assert_no_overlap(audio, voice)
    assert [sp.text for sp in s.speech_sent] == [text for text, _ in said]
    assert s.cues_played.count("pip") == 12  # every cue still there: speech takes none


def test_each_phrase_is_sent_lead_s_before_it_starts(make, clock):
    s, audio, voice = make()
    t0 = clock.now
    s.start()
    assert voice.wait_idle(WAIT_S)
    first = s._plan()[0]
    assert first.text == "Warm-up. 1 minute."
    assert s.next_wake() == pytest.approx(min(first.start - LEAD_S, t0 + 1))
    run_until(s, clock, first.start - LEAD_S - 0.01)
    assert audio.sent == []
    run_until(s, clock, first.start - LEAD_S / 2)
    assert audio.sent == [(voice.sound(first.text), pytest.approx(first.start))]


def test_a_pause_withdraws_the_phrase_sent_ahead_and_resume_says_it_later(make, clock):
    s, audio, voice = make()
    t0 = clock.now
    s.start()
    assert voice.wait_idle(WAIT_S)
    run_until(s, clock, t0 + 5 + 60 - 8)  # the warm-up's "Rep 1" announcement is close
    nxt = next(sp for sp in s._plan() if sp.key[0] == "next")
    run_until(s, clock, nxt.start - LEAD_S / 2)
    assert audio.sent[-1] == (voice.sound(nxt.text), pytest.approx(nxt.start))
    s.toggle_pause()
    assert audio.cancels == [pytest.approx(nxt.start - LEAD_S / 2)]
    assert nxt.text not in [sp.text for sp in s.speech_sent]
    clock.advance(20)
    s.toggle_pause()
    run_until(s, clock, nxt.start + 20 + 0.01)
    assert audio.sent[-1] == (voice.sound(nxt.text), pytest.approx(nxt.start + 20))


def test_a_skip_mid_phrase_silences_it_and_the_new_step_speaks_for_itself(make, clock):
    s, audio, voice = make()
    t0 = clock.now
    s.start()
    assert voice.wait_idle(WAIT_S)
    run_until(s, clock, t0 + 5 + 60 - 8)
    nxt = next(sp for sp in s._plan() if sp.key[0] == "next")
    run_until(s, clock, nxt.start + 0.3)  # "Rep 1 of 2..." is being said
    cancels = len(audio.cancels)
    s.skip()  # to the rep: the helper silences the phrase, the work cue sounds
    assert len(audio.cancels) == cancels + 1
    assert audio.sent[-1][0] == "work"
    # it was heard in part: the rep is not announced again after its cue
    run_until(s, clock, clock.now + 5)
    assert [sp.text for sp in s.speech_sent].count(nxt.text) == 1


def test_skipping_before_the_announcement_announces_the_step_after_its_cue(make, clock):
    s, audio, voice = make()
    t0 = clock.now
    s.start()
    assert voice.wait_idle(WAIT_S)
    run_until(s, clock, t0 + 5 + 20)
    s.skip()  # out of the warm-up long before its announcement
    run_until(s, clock, clock.now + 5)
    last = s.speech_sent[-1]
    assert last.text == "Rep 1 of 2. 400 metres. Go."
    assert last.start == pytest.approx(t0 + 25 + CUE_SECONDS["work"] + GAP_S)


def test_voice_off_and_on_again_mid_session(make, clock):
    s, audio, voice = make(voice_on=False)
    t0 = clock.now
    s.start()
    run_until(s, clock, t0 + 40)
    assert s.speech_sent == [] and audio.loaded == {}  # off: nothing even rendered
    s.set_voice(True, voice)
    assert voice.wait_idle(WAIT_S)
    run_until(s, clock, t0 + 5 + 60 + 1)
    assert [sp.text for sp in s.speech_sent] == ["10 seconds.", "Rep 1 of 2. 400 metres. Go."]
    s.set_voice(False)
    run_until(s, clock, t0 + 5 + 60 + 60)
    s.lap()
    run_until(s, clock, clock.now + 60)
    assert len(s.speech_sent) == 2


def test_voice_off_withdraws_a_phrase_sent_ahead(make, clock):
    s, audio, voice = make()
    s.start()
    assert voice.wait_idle(WAIT_S)
    first = s._plan()[0]
    run_until(s, clock, first.start - LEAD_S / 2)
    s.set_voice(False)
    assert audio.cancels and s.speech_sent == []


def test_muted_means_no_voice_either(make, clock):
    s, audio, voice = make()
    s.set_muted(True)
    t0 = clock.now
    s.start()
    assert voice.wait_idle(WAIT_S)
    run_until(s, clock, t0 + 100)
    assert audio.sent == [] and s.speech_sent == []


def test_no_speech_command_means_beeps_only(make, clock):
    s, audio, voice = make(command=("no-such-speech-program", "{file}", "{text}"))
    t0 = clock.now
    s.start()
    run_until(s, clock, t0 + 5 + 61)
    assert not voice.available and s.speech_sent == []
    assert [c for c, _ in audio.sent] == ["pip"] * 3 + ["warmup", "halfway"] + ["pip"] * 3 + [
        "work"
    ]


def test_the_first_cue_never_waits_for_speech_and_a_phrase_not_ready_is_left_out(
    make, clock, tmp_path
):
    slow = tmp_path / "slow-speak"
    first = tmp_path / "first-done"  # only the first phrase is slow to come
    slow.write_text(
        f'#!/bin/sh\n[ -e "{first}" ] || {{ touch "{first}"; sleep 1; }}\n'
        f'exec {shutil.which("espeak-ng")} "$@"\n'
    )
    slow.chmod(0o755)
    s, audio, voice = make(get_ready_s=0, command=(str(slow), "-w", "{file}", "--", "{text}"))
    t0 = clock.now
    s.start()
    assert audio.sent == [("warmup", t0)]  # at once, while the voice is still rendering
    assert not voice.wait_idle(0)
    run_until(s, clock, t0 + 3)  # the warm-up's own words were due at about 0.7 s
    assert s.speech_sent == []
    assert voice.wait_idle(WAIT_S)
    run_until(s, clock, t0 + 60)
    assert [sp.text for sp in s.speech_sent] == [
        "Halfway.",
        "10 seconds.",
        "Rep 1 of 2. 400 metres. Go.",
    ]


def test_phrases_and_the_last_words_keep_their_time_through_a_stall(tmp_path):
    """Issue 19: speech goes out with its absolute start, like a cue; a main thread that stalls
    after each read of the clock moves nothing, the last words included."""
    clock = StallingClock()
    audio = Recorder(clock)
    voice = Voice(SpeechCache(tmp_path / "speech", VoiceConfig()), audio, clock=clock)
    s = Session(
        parse_preset(PRESET),
        audio=audio,
        clock=clock,
        get_ready_s=5,
        voice=voice,
        voice_on=True,
        cue_seconds=CUE_SECONDS,
    )
    t0 = clock.now
    s.start()
    assert voice.wait_idle(WAIT_S)
    clock.stall = 0.047
    run_until(s, clock, t0 + 5 + 60 + 80)
    s.lap()
    run_until(s, clock, t0 + 5 + 60 + 80 + 90 + 75)
    s.lap()
    assert voice.wait_idle(WAIT_S)
    run_until(s, clock, t0 + 400)
    assert s.timer.done
    sent_speech = [(name, at) for name, at in audio.sent if name not in CUE_SECONDS]
    assert len(sent_speech) == len(s.speech_sent) == 12
    assert [voice.sound(sp.text) for sp in s.speech_sent] == [n for n, _ in sent_speech]
    assert [at for _, at in sent_speech] == pytest.approx(
        [sp.start for sp in s.speech_sent], abs=1e-9
    )
