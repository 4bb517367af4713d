"""Cues are handed to the sound helper ahead of time, with the moment they are due.

The app's event loop wakes a few milliseconds late; the helper starts each sound itself at its
due time. These tests drive a Session with a fake clock and an audio object that records what
it was asked; the real helper's timing is tested against ALSA in test_audio.py.
"""

from __future__ import annotations

import pytest

from speedtimer.formats.preset_toml import parse_preset
from speedtimer.session import LEAD_S, Session

PRESET = """
name = "Ahead"
countdown = 3
[[steps]]
kind = "work"
duration = 10
[[steps]]
kind = "rest"
duration = 10
"""


class Recorder:
    available = True
    problem = None

    def __init__(self, clock) -> None:
        self.clock = clock
        self.sent: list[tuple[str, float]] = []  # (cue, when it should be heard)
        self.cancels: list[float] = []

    def play(self, cue: str, delay: float = 0.0) -> bool:
        self.sent.append((cue, self.clock.now + delay))
        return True

    def cancel(self) -> None:
        self.cancels.append(self.clock.now)

    def close(self) -> None:
        pass


@pytest.fixture
def session(clock):
    audio = Recorder(clock)
    s = Session(parse_preset(PRESET), audio=audio, clock=clock, get_ready_s=0)
    s.start()
    return s, audio


def run_until(s: Session, clock, t_end: float) -> None:
    """What the run screen does: sleep until next_wake(), tick, repeat."""
    while True:
        wake = s.next_wake()
        if wake is None or wake > t_end:
            break
        clock.now = max(clock.now, wake)
        s.tick()


def test_each_cue_is_sent_before_it_is_due_with_its_due_time(session, clock):
    s, audio = session
    t0 = clock.now
    audio.sent.clear()
    # the first pip is due at t0 + 7; the screen wakes LEAD_S before it to send it
    assert s.next_wake() == pytest.approx(t0 + 1)  # the display second comes first
    run_until(s, clock, t0 + 7 - LEAD_S / 2)
    assert audio.sent == [("pip", pytest.approx(t0 + 7))]
    assert s.cues_played == ["work"]  # sent, not yet due
    run_until(s, clock, t0 + 10.5)
    assert [c for c, _ in audio.sent] == ["pip", "pip", "pip", "rest"]
    assert [at - t0 for _, at in audio.sent] == pytest.approx([7, 8, 9, 10])
    assert s.cues_played == ["work", "pip", "pip", "pip", "rest"]  # each played once


def test_the_wake_before_a_cue_is_lead_s_early(session, clock):
    s, _ = session
    t0 = clock.now
    clock.now = t0 + 6.5
    s.tick()
    assert s.next_wake() == pytest.approx(t0 + 7 - LEAD_S)
    clock.now = t0 + 7 - LEAD_S
    s.tick()
    assert s.next_wake() == pytest.approx(t0 + 7)  # sent: now the due time itself


def test_a_pause_inside_the_lead_withdraws_the_cue_and_resume_sends_it_again(session, clock):
    s, audio = session
    t0 = clock.now
    run_until(s, clock, t0 + 7 - LEAD_S / 2)
    assert audio.sent[-1] == ("pip", pytest.approx(t0 + 7))
    clock.now = t0 + 7 - 0.02
    s.toggle_pause()
    assert audio.cancels == [pytest.approx(t0 + 7 - 0.02)]
    clock.now = t0 + 30
    s.toggle_pause()  # 0.02 s of the step left before the pip: it is due right away
    run_until(s, clock, t0 + 30.5)
    heard = [(c, round(at - t0, 3)) for c, at in audio.sent[-2:]]
    assert heard == [("pip", 7.0), ("pip", 30.02)]
    assert s.cues_played.count("pip") == 1


def test_a_skip_inside_the_lead_withdraws_and_plays_the_new_step(session, clock):
    s, audio = session
    t0 = clock.now
    run_until(s, clock, t0 + 9 - LEAD_S / 2)
    clock.now = t0 + 9 - 0.01
    s.skip()
    assert audio.cancels and audio.sent[-1][0] == "rest"
    assert s.cues_played[-1] == "rest" and s.cues_played.count("pip") == 2


def test_nothing_is_sent_ahead_when_muted(session, clock):
    s, audio = session
    s.set_muted(True)
    audio.sent.clear()
    run_until(s, clock, clock.now + 25)
    assert audio.sent == []
    assert s.cues_played[-1] == "finished"


def test_a_late_wake_still_plays_every_cue_once(session, clock):
    """The loop woke past the due time (a stalled laptop): the cue goes out late, not twice."""
    s, audio = session
    t0 = clock.now
    clock.now = t0 + 6.95
    s.tick()  # sends the pip due at 7
    clock.now = t0 + 7.3
    s.tick()
    assert [c for c, _ in audio.sent].count("pip") == 1
    assert s.cues_played.count("pip") == 1
