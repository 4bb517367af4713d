"""Spoken marks in coach mode (issue 15.4), the pure part: what is said for a mark and when.

The marks are real: a `GroupSession` (the pure group core) makes them from athlete keys at
chosen times, and the caller places their phrases among the real timer segment's cues.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speedtimer.core.announce import GAP_S
from speedtimer.core.group import GroupSession
from speedtimer.core.mark_speech import (
    MARK_WAIT_S,
    MAX_MARKS_SAID,
    MarkCaller,
    MarkSpeech,
    cue_busy,
    earliest_start,
    mark_text,
    spoken_split,
)
from speedtimer.core.schedule import build_schedule
from speedtimer.core.timer import EventKind
from speedtimer.formats.preset_toml import parse_preset

CUES = {"warmup": 0.7, "work": 0.35, "rest": 0.4, "cooldown": 0.8, "pip": 0.12}
CUES |= {"halfway": 0.23, "lap": 0.05, "finished": 1.0}
LEAD_S = 0.1  # the shell sends a phrase this long before it starts
EPS = 1e-6


def seconds_of(text: str) -> float:
    """A stand-in for the rendered WAV's length: about what espeak-ng takes."""
    return 0.25 + 0.07 * len(text)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0.0, "0"),
        (7.9, "7"),
        (71.0, "71"),
        (71.96, "71"),  # the screen shows 1:11.9: whole seconds as it shows them
        (99.99, "99"),
        (100.0, "1 40"),
        (125.4, "2 oh 5"),
        (180.0, "3 flat"),
        (599.0, "9 59"),
        (3725.0, "1 hour 2 oh 5"),
        (-3.0, "0"),
        (float("nan"), "0"),
    ],
)
def test_a_split_is_said_as_a_coach_says_it(seconds, said):
    assert spoken_split(seconds) == said


def test_a_burst_is_said_in_one_phrase_in_the_order_it_came():
    caller = MarkCaller(on=True)
    group = GroupSession(build_schedule(parse_preset(OPEN)), ["Ana", "Ben", "Cid", "Dee"])
    group.start(0.0)
    events = []
    for name, at in (("Ben", 76.2), ("Ana", 76.5), ("Dee", 77.0), ("Cid", 77.1)):
        events += group.athlete_key(name, at)
    caller.note(events, timed=lambda i: False)
    assert caller.next_text() == "Ben 71, Ana 71, Dee 72"  # 5 s of get-ready first
    placed = caller.place(now=77.2, seconds_of=seconds_of, busy=[], segment_end=None)
    assert placed is not None and placed.start == pytest.approx(77.2)
    assert [c.athlete for c in placed.calls] == ["Ben", "Ana", "Dee"]
    caller.said(placed)
    assert caller.next_text() == "Cid 72"  # the fourth waits for the next phrase
    assert len(placed.calls) == MAX_MARKS_SAID


def test_long_names_make_shorter_bursts_and_one_mark_is_always_said():
    long = ["Maximiliana Oberhausen-Kleinschmidt", "Bartholomew Featherstonehaugh", "Cid"]
    group = GroupSession(build_schedule(parse_preset(OPEN)), long)
    group.start(0.0)
    caller = MarkCaller(on=True)
    for name in long:
        caller.note(group.athlete_key(name, 76.0), timed=lambda i: False)
    assert caller.next_text() == "Maximiliana Oberhausen-Kleinschmidt 71"
    placed = caller.place(now=76.1, seconds_of=seconds_of, busy=[], segment_end=None)
    caller.said(placed)
    assert caller.next_text() == "Bartholomew Featherstonehaugh 71, Cid 71"


def test_undo_takes_a_waiting_mark_back_and_a_reassigned_mark_is_said_with_its_new_name():
    caller = MarkCaller(on=True)
    group = GroupSession(build_schedule(parse_preset(OPEN)), ["Ana", "Ben"])
    group.start(0.0)
    timed = {"timed": lambda i: False}
    caller.note(group.mark(76.0), **timed)  # a bunch: unassigned, nothing to say yet
    assert caller.next_text() == ""
    caller.note(group.athlete_key("Ana", 76.4), **timed)  # the wrong athlete took it
    assert caller.next_text() == "Ana 71"
    taken = caller.note(group.undo(76.6), **timed)
    assert taken and caller.next_text() == ""
    caller.note(group.athlete_key("Ben", 76.8), **timed)
    assert caller.next_text() == "Ben 71"  # the mark's own time, under the right name


def test_nothing_is_queued_or_placed_when_off_or_not_speaking():
    group = GroupSession(build_schedule(parse_preset(OPEN)), ["Ana"])
    group.start(0.0)
    events = group.athlete_key("Ana", 76.0)
    off = MarkCaller(on=False)
    off.note(events, timed=lambda i: False)
    assert off.waiting == () and off.next_text() == ""
    assert off.place(now=76.0, seconds_of=seconds_of, busy=[], segment_end=None) is None
    silent = MarkCaller(on=True)
    silent.note(events, timed=lambda i: False, say=False)
    assert silent.waiting == ()
    on = MarkCaller(on=True)
    on.note(events, timed=lambda i: False)
    on.set_on(False)
    assert on.waiting == ()


def test_a_phrase_waits_for_the_cue_and_is_dropped_when_it_cannot_start_in_time():
    caller = MarkCaller(on=True)
    group = GroupSession(build_schedule(parse_preset(OPEN)), ["Ana"])
    group.start(0.0)
    caller.note(group.athlete_key("Ana", 76.0), timed=lambda i: False)
    # a phrase is being said until 77.0: "Ana 71" follows it, after the gap
    placed = caller.place(now=76.0, seconds_of=seconds_of, busy=[(75.5, 77.0)], segment_end=None)
    assert placed is not None and placed.start == pytest.approx(77.0 + GAP_S)
    # busy until after the wait: left out, and not tried again
    placed = caller.place(now=76.0, seconds_of=seconds_of, busy=[(75.5, 80.0)], segment_end=None)
    assert placed is None and caller.waiting == ()


def test_earliest_start_never_returns_a_start_that_overlaps():
    assert earliest_start(1.0, earliest=0, latest_start=9, latest_end=None, busy=[]) == 0
    assert earliest_start(0.0, earliest=0, latest_start=9, latest_end=None, busy=[]) is None
    start = earliest_start(1.0, earliest=0, latest_start=9, latest_end=None, busy=[(0.5, 1.0)])
    assert start == pytest.approx(1.0 + GAP_S)
    assert earliest_start(1.0, earliest=0, latest_start=9, latest_end=1.5, busy=[(0.5, 1)]) is None


OPEN = """
name = "Open 400"
[[steps]]
repeat = 3
  [[steps.steps]]
  kind = "work"
  until = "lap"
  distance_m = 400
  [[steps.steps]]
  kind = "rest"
  duration = 60
"""


def timed_preset(length: int, countdown: int, halfway: bool) -> str:
    return f"""
name = "Hills"
countdown = {countdown}
halfway = {str(halfway).lower()}
[[steps]]
repeat = 2
  [[steps.steps]]
  kind = "work"
  duration = {length}
  [[steps.steps]]
  kind = "rest"
  duration = 30
"""


def test_the_countdown_is_one_block_from_its_first_pip_to_the_end_of_its_cue():
    schedule = build_schedule(parse_preset(timed_preset(30, 3, True)))
    group = GroupSession(schedule, ["Ana"], get_ready_s=0)
    group.start(0.0)
    segment = group.timer.segment()
    busy, end = cue_busy(segment, schedule, CUES)
    assert end == pytest.approx(30.0)
    assert (27.0, 30.0 + CUES["rest"]) in [(pytest.approx(a), pytest.approx(b)) for a, b in busy]
    assert (0.0, CUES["work"]) in [(pytest.approx(a), pytest.approx(b)) for a, b in busy]
    assert (15.0, 15.0 + CUES["halfway"]) in [(pytest.approx(a), pytest.approx(b)) for a, b in busy]


@settings(max_examples=150, deadline=None)
@given(
    length=st.integers(12, 120),
    countdown=st.integers(0, 5),
    halfway=st.booleans(),
    on=st.booleans(),
    marks=st.lists(
        st.tuples(st.sampled_from(["Ana", "Ben", "Cid", "Dee"]), st.floats(0.0, 1.0)),
        max_size=12,
    ),
    speaking=st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(0.2, 3.0)), max_size=3),
    undo_after=st.integers(0, 12),
)
def test_a_mark_phrase_never_overlaps_a_cue_or_a_phrase_and_is_never_said_when_off(
    length, countdown, halfway, on, marks, speaking, undo_after
):
    """Splits taken anywhere in a timed step (a hill, with pips and halfway): every phrase
    placed starts within MARK_WAIT_S of its marks, ends before the step does, keeps GAP_S
    clear of every cue (nothing between the countdown's pips) and of every other phrase, says
    each mark at most once and never a mark undone (unless given again); with spoken marks
    off, nothing at all."""
    schedule = build_schedule(parse_preset(timed_preset(length, countdown, halfway)))
    group = GroupSession(schedule, ["Ana", "Ben", "Cid", "Dee"], get_ready_s=0)
    group.start(0.0)
    segment = group.timer.segment()
    step_end = float(length)
    # the cues as heard, from the timer's own events: own cue, pips, halfway, the end's cue
    cues = [(0.0, CUES["work"]), (step_end, step_end + CUES["rest"])]
    pips = []
    for ev in segment.cues:
        if ev.kind is EventKind.PIP:
            pips.append(ev.at)
            cues.append((ev.at, ev.at + CUES["pip"]))
        elif ev.kind is EventKind.HALFWAY:
            cues.append((ev.at, ev.at + CUES["halfway"]))
    phrases = [(length * a, length * a + s) for a, s in speaking]  # step phrases being said
    caller = MarkCaller(on=on)
    timed = {"timed": lambda i: not schedule.steps[i].is_open}
    times = sorted((name, round(f * (length - 0.5), 2)) for name, f in marks)
    times.sort(key=lambda t: t[1])
    placed: list[tuple[float, MarkSpeech]] = []
    undone: set[int] = set()
    said_ids: list[int] = []
    now = 0.0
    pending = list(times)
    n = 0
    while now < step_end:
        while pending and pending[0][1] <= now + EPS:
            name, at = pending.pop(0)
            events = group.athlete_key(name, at)
            caller.note(events, **timed)
            undone -= {e.mark_id for e in events if getattr(e, "kind", None) == "assigned"}
            n += 1
            if n == undo_after:
                undone |= caller.note(group.undo(at), **timed)
        busy, end = cue_busy(segment, schedule, CUES)
        busy += phrases + [(p.start, p.end) for _, p in placed]
        speech = caller.place(now=now, seconds_of=seconds_of, busy=busy, segment_end=end)
        if speech is not None and speech.start - now <= LEAD_S + EPS:
            caller.said(speech)
            placed.append((now, speech))
            said_ids += [c.mark_id for c in speech.calls]
        now = round(now + 0.05, 6)
    if not on:
        assert placed == [] and caller.waiting == ()
        return
    assert len(said_ids) == len(set(said_ids))  # no mark said twice
    assert not set(said_ids) & undone
    others = cues + phrases
    for sent_at, p in placed:
        assert p.start >= sent_at - EPS
        assert p.text == mark_text(p.calls)
        assert p.start <= min(c.at for c in p.calls) + MARK_WAIT_S + EPS
        assert p.end <= step_end - GAP_S + EPS
        if pips:
            assert p.end + GAP_S <= min(pips) + EPS or p.start >= step_end  # no word among pips
        for b0, b1 in others + [(q.start, q.end) for _, q in placed if q is not p]:
            assert p.end + GAP_S <= b0 + EPS or p.start + EPS >= b1 + GAP_S, (p, (b0, b1))
