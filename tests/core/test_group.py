"""Coach mode's pure core, case by case: what a coach does at the side of a track."""

from __future__ import annotations

import pytest

from speedtimer.core.group import GroupEvent, GroupKind, GroupSession, RepStatus
from speedtimer.core.preset import PresetError
from speedtimer.core.schedule import build_schedule
from speedtimer.core.timer import Ended, Event, EventKind
from speedtimer.formats.preset_toml import parse_preset

REPS_400 = """
name = "3 x 400 m"
countdown = 0
[[steps]]
repeat = 3
skip_last_rest = true
[[steps.steps]]
kind = "work"
until = "lap"
distance_m = 400
[[steps.steps]]
kind = "rest"
duration = 90
"""


def session(text: str = REPS_400, athletes=("Ana", "Ben", "Cy")) -> GroupSession:
    g = GroupSession(build_schedule(parse_preset(text)), list(athletes), get_ready_s=0)
    g.start(0.0)
    return g


def kinds(events) -> list:
    return [e.kind for e in events]


def test_athlete_keys_mark_finishes_and_the_last_one_in_ends_the_rep():
    g = session()
    g.athlete_key("Ben", 71.2)
    g.athlete_key("Ana", 72.5)
    assert g.timer.current_index == 0, "Cy is still out: the rep runs on"
    events = g.athlete_key("Cy", 75.0)
    ended = [e for e in events if isinstance(e, Event) and e.kind is EventKind.STEP_ENDED]
    assert ended and ended[0].how is Ended.LAP and ended[0].at == 75.0
    assert g.timer.current_index == 1 and g.timer.current.kind == "rest"
    assert [g.rep(a, 0).time_s for a in ("Ana", "Ben", "Cy")] == [72.5, 71.2, 75.0]
    assert g.rep("Ana", 0).status is RepStatus.FINISHED


def test_unassigned_marks_go_to_athlete_keys_oldest_first():
    g = session()
    g.mark(70.0)
    g.mark(70.4)
    assert [m.offset_s for m in g.queue] == [70.0, 70.4]
    g.athlete_key("Cy", 73.0)  # the coach types the keys after the bunch crossed
    g.athlete_key("Ana", 73.5)
    assert g.rep("Cy", 0).time_s == 70.0
    assert g.rep("Ana", 0).time_s == 70.4
    assert g.queue == ()
    g.athlete_key("Ben", 80.0)  # nobody waiting: a mark now
    assert g.rep("Ben", 0).time_s == 80.0


def test_undo_sends_a_wrong_assignment_back_to_the_queue_then_drops_the_mark():
    g = session()
    g.athlete_key("Ana", 70.0)  # meant Ben
    events = g.undo(71.0)
    assert kinds(events) == [GroupKind.UNASSIGNED]
    assert g.rep("Ana", 0).splits == ()
    assert [m.offset_s for m in g.queue] == [70.0], "the time is kept for the right key"
    g.athlete_key("Ben", 72.0)
    assert g.rep("Ben", 0).time_s == 70.0
    g.undo(73.0)
    g.undo(73.0)
    assert g.queue == () and g.rep("Ben", 0).splits == ()
    assert not g.can_undo
    assert kinds(g.undo(74.0)) == [GroupKind.IGNORED]


def test_undo_of_the_last_runner_in_reopens_the_rep_exactly():
    g = session()
    g.athlete_key("Ana", 70.0)
    g.athlete_key("Ben", 71.0)
    before = g.state()
    g.athlete_key("Cy", 72.0)
    assert g.timer.current.kind == "rest"
    events = g.undo(72.0)
    assert GroupKind.REOPENED in kinds(events)
    g.undo(72.0)
    assert g.state() == before
    assert g.timer.current_index == 0 and g.timer.step_elapsed(80.0) == 80.0
    g.athlete_key("Cy", 81.0)  # the right finish
    assert g.rep("Cy", 0).time_s == 81.0 and g.timer.current_index == 1


def test_coach_ends_early_and_those_still_out_did_not_finish():
    g = session()
    g.athlete_key("Ana", 70.0)
    g.end_step(90.0)
    assert g.timer.current.kind == "rest"
    assert g.rep("Ana", 0).status is RepStatus.FINISHED
    assert g.rep("Ben", 0).status is RepStatus.DNF and g.rep("Ben", 0).time_s is None
    # a bunch mark made before the end can still be given to its runner during the rest
    g2 = session()
    g2.mark(70.0)
    g2.end_step(75.0)
    assert g2.rep("Ana", 0).status is RepStatus.DNF
    g2.athlete_key("Ana", 100.0)
    assert g2.rep("Ana", 0).status is RepStatus.FINISHED and g2.rep("Ana", 0).time_s == 70.0


def test_out_takes_an_athlete_out_of_the_rest_of_the_session():
    g = session()
    g.athlete_key("Ana", 70.0)
    g.athlete_key("Ben", 71.0)
    events = g.out("Cy", 72.0)  # Cy stopped: the rep ends, everyone else is in
    assert GroupKind.OUT in kinds(events) and g.timer.current.kind == "rest"
    assert g.rep("Cy", 0).status is RepStatus.OUT
    g.tick(72.0 + 90)
    assert g.timer.current_index == 2 and g.present(2) == ("Ana", "Ben")
    assert kinds(g.athlete_key("Cy", 170.0)) == [GroupKind.IGNORED]
    g.athlete_key("Ana", 230.0)
    g.athlete_key("Ben", 231.0)
    assert g.timer.current_index == 3, "two in of two still in: the rep ended"
    assert g.rep("Cy", 2).status is RepStatus.OUT


def test_timed_steps_record_splits_on_the_clock():
    g = session(
        """
name = "hills"
countdown = 0
[[steps]]
repeat = 2
[[steps.steps]]
kind = "work"
duration = 60
[[steps.steps]]
kind = "rest"
duration = 120
""",
        ("Ana", "Ben"),
    )
    g.athlete_key("Ana", 20.0)
    g.athlete_key("Ana", 41.5)
    g.athlete_key("Ben", 52.0)
    assert g.timer.current_index == 0, "a timed step runs on the clock, all in or not"
    g.tick(60.0)
    assert g.timer.current_index == 1
    assert g.rep("Ana", 0).splits == pytest.approx((20.0, 21.5))
    assert g.rep("Ana", 0).status is RepStatus.TIMED
    assert g.rep("Ben", 0).time_s == 52.0


def test_marks_exclude_pauses():
    g = session()
    g.toggle_pause(30.0)
    g.toggle_pause(40.0)
    g.athlete_key("Ana", 80.0)
    assert g.rep("Ana", 0).time_s == 70.0


def test_last_runner_in_during_a_pause_ends_the_rep_on_resume():
    g = session(athletes=("Ana",))
    g.toggle_pause(30.0)
    g.athlete_key("Ana", 35.0)
    assert g.timer.current_index == 0
    events = g.toggle_pause(50.0)
    assert any(isinstance(e, Event) and e.kind is EventKind.STEP_ENDED for e in events)
    assert g.rep("Ana", 0).time_s == 30.0


SEND_OFF = """
name = "10 x 100 m on 1:00"
countdown = 0
[[steps]]
repeat = 10
cycle = "1:00"
[[steps.steps]]
kind = "work"
until = "lap"
distance_m = 100
"""


def test_send_off_starts_a_rep_every_cycle_whatever_the_finish_times():
    g = session(SEND_OFF, ("Ana", "Ben"))
    starts = []
    now = 0.0
    for finish in (16.0, 17.5, 15.2, 19.9):
        g.athlete_key("Ana", now + finish - 1)
        g.athlete_key("Ben", now + finish)
        assert g.timer.current.label == "Send-off"
        now += 60.0
        events = g.tick(now)
        starts += [
            e.at for e in events if isinstance(e, Event) and e.kind is EventKind.STEP_STARTED
        ]
    assert starts == [60.0, 120.0, 180.0, 240.0]


def test_send_off_with_a_rest_step_cuts_that_rest():
    preset = parse_preset(
        """
name = "6 x 200 m on 1:30"
[[steps]]
repeat = 6
cycle = "1:30"
[[steps.steps]]
kind = "work"
until = "lap"
distance_m = 200
[[steps.steps]]
kind = "rest"
duration = 60
"""
    )
    schedule = build_schedule(preset)
    assert len(schedule.steps) == 12
    g = GroupSession(schedule, ["Ana"], get_ready_s=0)
    g.start(0.0)
    g.athlete_key("Ana", 34.0)
    assert g.timer.step_remaining(34.0) == pytest.approx(56.0)


@pytest.mark.parametrize(
    ("cycle", "message"),
    [
        ('"0:30"', "as long as the cycle or longer"),
        ('"soon"', "cycle"),
    ],
)
def test_send_off_that_cannot_work_is_refused_with_its_key_path(cycle, message):
    text = f"""
name = "bad"
[[steps]]
repeat = 3
cycle = {cycle}
[[steps.steps]]
kind = "work"
duration = 40
"""
    with pytest.raises(PresetError) as err:
        parse_preset(text)
    assert "steps[0].cycle" in str(err.value) and message in str(err.value)


def test_cycle_survives_saving():
    from speedtimer.formats.preset_save import step_to_dict

    preset = parse_preset(SEND_OFF)
    assert step_to_dict(preset.steps[0])["cycle"] == "1:00"


def test_group_size_is_bounded_and_names_distinct():
    schedule = build_schedule(parse_preset(REPS_400))
    with pytest.raises(ValueError, match="at most 30"):
        GroupSession(schedule, [f"A{i}" for i in range(31)])
    with pytest.raises(ValueError, match="different names"):
        GroupSession(schedule, ["Ana", "Ana"])
    g = GroupSession(schedule, [f"A{i}" for i in range(30)], get_ready_s=0)
    g.start(0.0)
    for i in range(30):
        g.athlete_key(f"A{i}", 60.0 + i / 10)
    assert g.timer.current_index == 1


def test_marks_outside_a_rep_are_ignored_with_a_reason():
    g = session()
    g.athlete_key("Ana", 1.0)
    g.athlete_key("Ben", 2.0)
    g.athlete_key("Cy", 3.0)
    events = g.mark(10.0)  # the rest
    assert [e.reason for e in events if isinstance(e, GroupEvent)] == ["no rep running"]
