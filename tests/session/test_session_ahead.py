"""Cues are handed to the sound helper ahead of time, with the moment they are due.

The app's event loop wakes a few milliseconds late; the helper starts each sound itself at its
due time. These tests drive a Session with a fake clock and an audio object that records what
it was asked; the real helper's timing is tested against ALSA in test_audio.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from speedtimer.formats.preset_toml import parse_preset
from speedtimer.session import LEAD_S, Session
from tests.conftest import FakeClock
from tests.reliability import tried

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

    def play(self, cue: str, delay: float = 0.0, *, at: float | None = None) -> bool:
        # A relative `delay` is anchored where the real client anchors it: on the clock as it
        # reads when the line is sent, after whatever stalled the caller since its `now`.
        self.sent.append((cue, self.clock.now + delay if at is None else at))
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


class StallingClock(FakeClock):
    """A main thread that stalls right after each read of the clock (a redraw, garbage
    collection, another thread holding the GIL): whoever reads the clock next sees the time
    moved on by `stall` seconds."""

    stall = 0.0

    def __call__(self) -> float:
        read = self.now
        self.now += self.stall
        return read


@tried(
    "Stalled event loop",
    "the main thread stalling 3, 47 or 90 ms after every read of the clock (a redraw, garbage "
    "collection, the GIL), through a session's cues",
    "every cue goes to the sound helper with its exact due time (to 1 ns), not late by the stall",
)
@pytest.mark.parametrize("stall", [0.003, 0.047, 0.09])
def test_a_stall_between_reading_now_and_sending_does_not_move_the_cue(stall):
    """Issue 19: a cue was sent as `due - now` and the client anchored that on a fresh clock,
    so a stall between the two came out as a late cue. The due time goes out as it is."""
    clock = StallingClock()
    audio = Recorder(clock)
    s = Session(parse_preset(PRESET), audio=audio, clock=clock, get_ready_s=0)
    t0 = clock.now
    s.start()
    audio.sent.clear()  # the work cue, played at once
    clock.stall = stall
    run_until(s, clock, t0 + 10.5)
    assert [c for c, _ in audio.sent] == ["pip", "pip", "pip", "rest"]
    assert [at - t0 for _, at in audio.sent] == pytest.approx([7, 8, 9, 10], abs=1e-9)


def test_the_start_is_stamped_on_both_clocks_at_the_same_instant():
    """Issue 19's class of problem: the session read the monotonic `now`, started the idle
    inhibitor (a process: 10 ms on a loaded machine) and only then read the wall clock, so
    every step's wall-clock time in the history was late by that, and so was the benchmark's
    reference for when each cue is due."""
    clock = FakeClock()
    stamped = {}

    class SlowToStart:
        running = False

        def start(self) -> bool:
            clock.advance(0.05)
            self.running = True
            return True

        def stop(self) -> None:
            self.running = False

    class History:
        def __init__(self, **kw) -> None:
            stamped.update(kw)

        def begin(self) -> None:
            pass

    s = Session(parse_preset(PRESET), audio=Recorder(clock), clock=clock, wall_clock=clock.wall,
                get_ready_s=0, keep_awake=SlowToStart(), recorder_factory=History)  # fmt: skip
    s.start()
    assert stamped["started_wall"] == clock.wall_start + timedelta(
        seconds=stamped["started_mono"] - 1000.0
    )


class Holding(Recorder):
    def __init__(self, clock) -> None:
        super().__init__(clock)
        self.holds: list[bool] = []

    def hold(self, on: bool) -> None:
        self.holds.append(on)


@pytest.mark.parametrize("end", ["finish", "abort"])
def test_the_sound_helper_is_held_while_the_session_runs(clock, end):
    """Told at the start (its stream then stays open through any quiet: issue 19's sleeping
    sink) and let go once, when the session finishes or is ended early."""
    audio = Holding(clock)
    s = Session(parse_preset(PRESET), audio=audio, clock=clock, get_ready_s=0)
    assert audio.holds == []
    s.start()
    assert audio.holds == [True]
    if end == "finish":
        run_until(s, clock, clock.now + 30)
        assert s.timer.done
    else:
        s.abort()
    assert audio.holds == [True, False]
    s.close()
    assert audio.holds == [True, False]


def test_a_group_session_holds_the_sound_helper_too(clock):
    from speedtimer.formats.squad import squad_from_dict
    from speedtimer.group_session import GroupShell, runners_for

    audio = Holding(clock)
    preset = parse_preset(PRESET)
    squad = squad_from_dict({"name": "S", "athletes": [{"name": "Ana"}, {"name": "Ben"}]})
    shell = GroupShell(preset, runners_for(preset, squad.athletes), audio=audio, clock=clock,
                       get_ready_s=0)  # fmt: skip
    shell.start()
    assert audio.holds == [True]
    shell.abort()
    assert audio.holds == [True, False]
