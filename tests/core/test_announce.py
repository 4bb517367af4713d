"""The voice's pure core: which phrase, with which words, placed when.

The planner is given the timer's segment (its start, length and cue times), how long each cue
and each rendered phrase lasts, and says when every phrase starts. Nothing here renders speech
or reads a clock: the timer runs on numbers.
"""

from __future__ import annotations

import pytest

from speedtimer.core.announce import (
    GAP_S,
    PLACEHOLDERS,
    fill,
    finish_speech_start,
    finished_phrase,
    plan_segment,
    spoken_distance,
    spoken_run_time,
    spoken_time,
    step_phrase,
    template_problem,
    texts_for,
)
from speedtimer.core.phrases import DEFAULT_PHRASES, PHRASE_KEYS
from speedtimer.core.schedule import build_schedule
from speedtimer.core.timer import Timer
from speedtimer.formats.preset_toml import parse_preset

CUES = {
    "warmup": 0.5,
    "work": 0.45,
    "rest": 0.6,
    "cooldown": 0.6,
    "pip": 0.12,
    "halfway": 0.3,
    "lap": 0.08,
    "finished": 1.0,
}

TRACK = """
name = "Track"
countdown = 3
halfway = true
[[steps]]
kind = "warmup"
label = "Easy jog"
duration = "10:00"
[[steps]]
repeat = 8
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  label = "400 m"
  until = "lap"
  distance_m = 400
  target_pace = "3:45/km"
  [[steps.steps]]
  kind = "rest"
  label = "Jog"
  duration = "1:30"
[[steps]]
kind = "cooldown"
duration = "10:00"
"""


def schedule_of(text: str):
    return build_schedule(parse_preset(text))


def seconds_by_length(text: str) -> float:
    """A stand-in for a rendered phrase's length: 0.08 s a character (about espeak's pace)."""
    return 0.08 * len(text)


def plan(timer: Timer, schedule, *, own: bool = False, phrases=None, seconds_of=None):
    return plan_segment(
        timer.segment(),
        schedule,
        DEFAULT_PHRASES if phrases is None else phrases,
        seconds_of=seconds_by_length if seconds_of is None else seconds_of,
        cue_seconds=CUES,
        announce_own=own,
    )


def busy_spans(timer: Timer, schedule) -> list[tuple[float, float]]:
    """Every cue the segment will sound, as (start, end): what speech must keep clear of."""
    seg = timer.segment()
    spans = []
    if seg.index >= 0:
        spans.append((seg.start, seg.start + CUES[schedule.steps[seg.index].kind]))
    for ev in seg.cues:
        spans.append((ev.at, ev.at + CUES[ev.kind.value]))
    if seg.length is not None:
        nxt = seg.index + 1
        cue = schedule.steps[nxt].kind if nxt < len(schedule.steps) else "finished"
        end = seg.start + seg.length
        spans.append((end, end + CUES[cue]))
    return spans


def assert_clear(speech, spans):
    for sp in speech:
        for a, b in spans:
            assert sp.end + GAP_S <= a + 1e-9 or sp.start + 1e-9 >= b + GAP_S, (sp, (a, b))
    for x, y in zip(speech, speech[1:], strict=False):
        assert x.end + GAP_S <= y.start + 1e-9, (x, y)


# --- the words ---------------------------------------------------------------------------------


def test_the_issue_s_phrases():
    sched = schedule_of(TRACK)
    assert step_phrase(DEFAULT_PHRASES, sched, 0) == "Warm-up. Easy jog. 10 minutes."
    assert step_phrase(DEFAULT_PHRASES, sched, 1) == "Rep 1 of 8. 400 metres. Go."
    assert step_phrase(DEFAULT_PHRASES, sched, 2) == "Rest. 1 minute 30."
    assert step_phrase(DEFAULT_PHRASES, sched, 5) == "Rep 3 of 8. 400 metres. Go."
    assert step_phrase(DEFAULT_PHRASES, sched, 15) == "Last rep. 400 metres. Go."
    assert step_phrase(DEFAULT_PHRASES, sched, 16) == "Cool-down. 10 minutes."
    done = finished_phrase(DEFAULT_PHRASES, sched, reps_done=8, active_s=24 * 60 + 10)
    assert done == "Session complete. 8 reps, 24 minutes."


def test_a_sentence_with_an_empty_placeholder_is_left_out():
    sched = schedule_of(
        """
name = "Loose"
[[steps]]
kind = "work"
duration = 30
[[steps]]
kind = "rest"
until = "lap"
"""
    )
    assert step_phrase(DEFAULT_PHRASES, sched, 0) == "Go."  # no rep, no label, no distance
    assert step_phrase(DEFAULT_PHRASES, sched, 1) == "Rest."  # an open rest has no duration
    # a session with one work step has no "last rep"
    assert finished_phrase(DEFAULT_PHRASES, sched, reps_done=1, active_s=45) == (
        "Session complete. 1 reps, 45 seconds."
    )
    no_work = schedule_of('name = "Easy"\n[[steps]]\nkind = "warmup"\nduration = 600\n')
    assert finished_phrase(DEFAULT_PHRASES, no_work, reps_done=0, active_s=600) == (
        "Session complete."
    )
    assert fill("Rep {rep} of {reps}. {what}. Go.", {"rep": "2", "reps": "6"}) == "Rep 2 of 6. Go."
    assert fill("{{literal}} {rep}!", {"rep": "1"}) == "{literal} 1!"
    assert fill("", {}) == ""


def test_labels_are_said_and_a_bare_distance_label_is_said_as_a_distance():
    sched = schedule_of(
        """
name = "Hills"
[[steps]]
repeat = 6
  [[steps.steps]]
  kind = "work"
  label = "Sprint uphill"
  duration = 10
  [[steps.steps]]
  kind = "rest"
  duration = 90
[[steps]]
kind = "work"
label = "1000m"
distance_m = 1000
until = "lap"
"""
    )
    assert step_phrase(DEFAULT_PHRASES, sched, 0) == "Rep 1 of 6. Sprint uphill. Go."
    # the last work step ("1000m" would be read "one thousand em")
    assert step_phrase(DEFAULT_PHRASES, sched, 12) == "Last rep. 1000 metres. Go."


def test_a_switched_off_phrase_says_nothing_and_last_rep_falls_back_to_work():
    sched = schedule_of(TRACK)
    quiet = {**DEFAULT_PHRASES, "rest": "", "last_rep": ""}
    assert step_phrase(quiet, sched, 2) == ""
    assert step_phrase(quiet, sched, 15) == "Rep 8 of 8. 400 metres. Go."
    assert "Rest. 1 minute 30." not in texts_for(quiet, sched)


@pytest.mark.parametrize(
    ("seconds", "spoken"),
    [
        (90, "1 minute 30"),
        (60, "1 minute"),
        (30, "30 seconds"),
        (1, "1 second"),
        (600, "10 minutes"),
        (3600, "1 hour"),
        (3725, "1 hour 2 minutes 5"),
    ],
)
def test_spoken_time(seconds, spoken):
    assert spoken_time(seconds) == spoken


def test_spoken_run_time_and_distance():
    assert spoken_run_time(24 * 60 + 29) == "24 minutes"
    assert spoken_run_time(59) == "59 seconds"
    assert spoken_run_time(3600 + 5 * 60) == "1 hour 5 minutes"
    assert spoken_run_time(2 * 3600) == "2 hours"
    assert spoken_distance(400) == "400 metres"
    assert spoken_distance(1600) == "1600 metres"
    assert spoken_distance(5000) == "5 kilometres"
    assert spoken_distance(10500) == "10.5 kilometres"


def test_every_phrase_the_session_needs_in_the_order_it_comes_up():
    sched = schedule_of(TRACK)
    texts = texts_for(DEFAULT_PHRASES, sched)
    assert texts[:5] == [
        "Warm-up. Easy jog. 10 minutes.",
        "Halfway.",
        "10 seconds.",
        "Rep 1 of 8. 400 metres. Go.",
        "Rest. 1 minute 30.",
    ]
    assert "Last rep. 400 metres. Go." in texts and "Cool-down. 10 minutes." in texts
    assert texts[-1].startswith("Session complete. 8 reps, ")
    assert len(texts) == len(set(texts))  # each rendered once


def test_templates_are_checked_with_a_clear_reason():
    assert template_problem("work", DEFAULT_PHRASES["work"]) is None
    assert all(template_problem(k, DEFAULT_PHRASES[k]) is None for k in PHRASE_KEYS)
    assert template_problem("work", "Rep {rpe}.") == (
        "unknown placeholder {rpe}; did you mean {rep}? placeholders: "
        + ", ".join("{" + p + "}" for p in PLACEHOLDERS["work"])
    )
    assert "{minutes}" in template_problem("work", "{minutes} left")  # only in `finished`
    assert template_problem("finished", "{minutes} minutes") is None
    assert "no format" in template_problem("work", "Rep {rep:02}")
    assert "literal brace" in template_problem("rest", "Rest {")
    assert "unknown placeholder {}" in template_problem("rest", "Rest {}")


# --- where the phrases go ------------------------------------------------------------------


def test_the_next_step_is_announced_ending_just_before_the_first_pip():
    sched = schedule_of(TRACK)
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    timer.lap(80.0 + 600)  # warm-up over at 600, first rep lapped at 680: the rest runs
    seg = timer.segment()
    assert seg.index == 2 and seg.start == 680.0
    speech = plan(timer, sched)
    (nxt,) = [sp for sp in speech if sp.key[0] == "next"]
    assert nxt.text == "Rep 2 of 8. 400 metres. Go." and nxt.announces == 3
    first_pip = 680.0 + 90 - 3
    assert nxt.end == pytest.approx(first_pip - GAP_S)
    assert_clear(speech, busy_spans(timer, sched))


def test_halfway_and_ten_seconds_end_at_their_moment():
    sched = schedule_of(TRACK)
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    speech = {sp.key[0]: sp for sp in plan(timer, sched)}
    assert speech["halfway"].text == "Halfway."
    assert speech["halfway"].end == pytest.approx(300.0 - GAP_S)  # just before the cue
    assert speech["ten_seconds"].text == "10 seconds."
    assert speech["ten_seconds"].end == pytest.approx(590.0)  # said as 10 s are left
    assert speech["next"].end == pytest.approx(597.0 - GAP_S)
    assert "own" not in speech  # announced in the get-ready (or not at all): not asked for
    assert_clear(list(speech.values()), busy_spans(timer, sched))


def test_a_step_after_an_open_step_is_announced_after_its_own_cue():
    sched = schedule_of(TRACK)
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    timer.tick(600.0)  # the first rep (until lap) starts
    timer.lap(690.0)  # lapped: the rest starts now, unforeseen
    speech = plan(timer, sched, own=True)
    own = speech[0]
    assert own.key[0] == "own" and own.text == "Rest. 1 minute 30."
    assert own.start == pytest.approx(690.0 + CUES["rest"] + GAP_S)
    assert_clear(speech, busy_spans(timer, sched))


def test_an_open_step_announces_nothing_ahead():
    sched = schedule_of(TRACK)
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    timer.tick(600.0)
    speech = plan(timer, sched, own=True)
    assert [sp.key[0] for sp in speech] == ["own"]  # the rep's own words, then it is open


def test_pips_win_a_phrase_that_does_not_fit_is_left_out():
    sched = schedule_of(
        """
name = "Short"
countdown = 3
[[steps]]
repeat = 2
  [[steps.steps]]
  kind = "work"
  duration = 4
  [[steps.steps]]
  kind = "rest"
  duration = 4
"""
    )
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    # work 0-4 s: its cue until 0.45, pips at 1, 2, 3 s: no room for "Rest. 4 seconds."
    assert plan(timer, sched) == []
    # nor for the rep's own words after its cue (they would run into the pip at 1 s)
    assert plan(timer, sched, own=True) == []
    # a short phrase fits in the gap between the cue and the first pip; a second one does not
    speech = plan(timer, sched, own=True, seconds_of=lambda text: 0.2)
    assert [sp.key[0] for sp in speech] == ["own"]
    assert speech[0].start == pytest.approx(0.45 + GAP_S)
    assert_clear(speech, busy_spans(timer, sched))


def test_the_announcement_never_goes_between_the_pips():
    """0.5 s of speech would fit between two pips; it goes before the first one instead."""
    sched = schedule_of(TRACK.replace('duration = "1:30"', "duration = 20"))
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    timer.tick(600.0)
    timer.lap(690.0)
    speech = plan(timer, sched, own=True, seconds_of=lambda text: 0.5)
    nxt = next(sp for sp in speech if sp.key[0] == "next")
    assert nxt.end == pytest.approx(690.0 + 17 - GAP_S)


def test_phrases_make_way_for_each_other():
    """A long announcement pushes the moment phrase out, never on top of it."""
    sched = schedule_of(
        'name = "Long rest"\ncountdown = 3\n[[steps]]\nkind = "rest"\nduration = 30\n'
        '[[steps]]\nkind = "work"\nlabel = "Hills"\nduration = 30\n'
    )
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    long_words = {**DEFAULT_PHRASES, "work": "Rep {what}. " + "And now the long story. " * 4}
    speech = plan(timer, sched, phrases=long_words)
    assert [sp.key[0] for sp in speech] == ["next"]  # "10 seconds." had no room left
    assert speech[0].end == pytest.approx(27 - GAP_S)
    speech = plan(timer, sched)
    assert [sp.key[0] for sp in speech] == ["ten_seconds", "next"]
    assert_clear(speech, busy_spans(timer, sched))


def test_a_phrase_not_rendered_yet_is_not_placed():
    sched = schedule_of(TRACK)
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    ready = {"Halfway.": 0.8}
    speech = plan(timer, sched, seconds_of=ready.get)
    assert [sp.text for sp in speech] == ["Halfway."]


def test_the_get_ready_announces_the_first_step_when_it_has_room():
    sched = schedule_of(TRACK)
    timer = Timer(sched, get_ready_s=10)
    timer.start(0.0)
    (sp,) = plan(timer, sched)
    assert sp.key[:2] == ("next", -1) and sp.announces == 0
    assert sp.end == pytest.approx(7 - GAP_S)  # before the get-ready's own pips at 7, 8, 9
    short = Timer(sched, get_ready_s=3)
    short.start(0.0)
    assert plan(short, sched) == []  # pips at 0... no room: said after the warm-up cue


def test_last_words_come_after_the_fanfare():
    assert finish_speech_start(100.0, CUES) == pytest.approx(101.0 + GAP_S)


def test_a_pause_moves_every_phrase_with_the_step():
    sched = schedule_of(TRACK)
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    before = plan(timer, sched)
    timer.pause(100.0)
    timer.resume(130.0)
    after = plan(timer, sched)
    assert [sp.start for sp in after] == pytest.approx([sp.start + 30 for sp in before])
    assert [sp.key for sp in after] == [sp.key for sp in before]  # same phrases, same keys


def test_a_restarted_step_is_a_new_segment():
    sched = schedule_of(TRACK)
    timer = Timer(sched, get_ready_s=0)
    timer.start(0.0)
    first = plan(timer, sched)
    timer.back(50.0)  # restart the warm-up
    again = plan(timer, sched)
    assert {sp.key for sp in first}.isdisjoint({sp.key for sp in again})
