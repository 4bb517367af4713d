"""build_schedule: a preset tree flattened into the exact steps the timer runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speedtimer.core.schedule import Schedule, build_schedule, outline
from speedtimer.formats.preset_toml import load_preset, parse_preset

PRESETS_DIR = Path(__file__).resolve().parents[2] / "presets"


def sched(text: str) -> Schedule:
    return build_schedule(parse_preset('name = "T"\n' + text))


def kinds(s: Schedule) -> str:
    return " ".join(
        {"warmup": "W", "work": "w", "rest": "r", "cooldown": "C"}[x.kind] for x in s.steps
    )


WORK_REST = (
    '  [[steps.steps]]\n  kind = "work"\n  duration = 60\n'
    '  [[steps.steps]]\n  kind = "rest"\n  duration = 30\n'
)  # fmt: skip


def test_steps_outside_blocks_have_no_position():
    s = sched(
        '[[steps]]\nkind = "warmup"\nduration = 600\n[[steps]]\nkind = "cooldown"\nduration = 300\n'
    )
    assert [x.index for x in s.steps] == [0, 1]
    for x in s.steps:
        assert x.rep is None and x.set is None and x.position == ""
    assert s.steps[0].title == "Warm-up" and s.steps[1].title == "Cool-down"


def test_plain_repeat_numbers_reps():
    s = sched("[[steps]]\nrepeat = 3\n" + WORK_REST)
    assert kinds(s) == "w r w r w r"
    assert [(x.rep, x.rep_count) for x in s.steps] == [
        (1, 3),
        (1, 3),
        (2, 3),
        (2, 3),
        (3, 3),
        (3, 3),
    ]
    assert all(x.set is None for x in s.steps)
    assert s.steps[2].position == "Rep 2/3"
    assert [x.index for x in s.steps] == list(range(6))


def test_nested_blocks_number_reps_and_sets():
    s = sched(
        "[[steps]]\nrepeat = 2\n"
        "  [[steps.steps]]\n  repeat = 8\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    duration = 20\n'
    )  # fmt: skip
    assert len(s.steps) == 16
    assert s.steps[2].position == "Rep 3/8 · Set 1/2"
    assert s.steps[15].position == "Rep 8/8 · Set 2/2"
    assert [(x.set, x.rep) for x in s.steps[7:9]] == [(1, 8), (2, 1)]


def test_rest_between_sets_belongs_to_the_set():
    s = sched(
        "[[steps]]\nrepeat = 2\n"
        "  [[steps.steps]]\n  repeat = 2\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    duration = 20\n'
        '  [[steps.steps]]\n  kind = "rest"\n  label = "Set break"\n  duration = 180\n'
    )  # fmt: skip
    assert kinds(s) == "w w r w w r"
    set_break = s.steps[2]
    assert set_break.label == "Set break"
    assert (set_break.rep, set_break.set, set_break.set_count) == (None, 1, 2)
    assert set_break.position == "Set 1/2"
    assert s.steps[3].position == "Rep 1/2 · Set 2/2"


def test_skip_last_rest_drops_only_the_final_rest():
    s = sched("[[steps]]\nrepeat = 3\nskip_last_rest = true\n" + WORK_REST)
    assert kinds(s) == "w r w r w"
    assert [x.index for x in s.steps] == list(range(5))
    assert s.steps[-1].position == "Rep 3/3"


def test_skip_last_rest_false_keeps_it():
    s = sched("[[steps]]\nrepeat = 2\nskip_last_rest = false\n" + WORK_REST)
    assert kinds(s) == "w r w r"


def test_skip_last_rest_drops_every_trailing_rest_but_no_other_kind():
    s = sched(
        "[[steps]]\nrepeat = 2\nskip_last_rest = true\n"
        '  [[steps.steps]]\n  kind = "rest"\n  duration = 10\n'
        '  [[steps.steps]]\n  kind = "work"\n  duration = 60\n'
        '  [[steps.steps]]\n  kind = "rest"\n  label = "Jog"\n  duration = 30\n'
        '  [[steps.steps]]\n  kind = "rest"\n  label = "Walk"\n  duration = 30\n'
    )  # fmt: skip
    assert kinds(s) == "r w r r r w"


def test_skip_last_rest_on_a_single_repeat():
    s = sched("[[steps]]\nrepeat = 1\nskip_last_rest = true\n" + WORK_REST)
    assert kinds(s) == "w"


def test_nested_skip_last_rest_on_both_blocks():
    preset = load_preset(PRESETS_DIR / "3x4x200m-sets.toml")
    s = build_schedule(preset)
    main = [x for x in s.steps if x.kind in ("work", "rest")]
    pattern = " ".join(x.kind[0] + ("S" if x.planned_s == 180 else "") for x in main)
    one_set = "w r w r w r w"
    assert pattern == f"{one_set} rS {one_set} rS {one_set}"
    assert [x.index for x in s.steps] == list(range(len(s.steps)))
    work = [x for x in s.steps if x.kind == "work"]
    assert [x.position for x in work[3:5]] == ["Rep 4/4 · Set 1/3", "Rep 1/4 · Set 2/3"]
    set_breaks = [x for x in s.steps if x.kind == "rest" and x.planned_s == 180]
    assert [x.position for x in set_breaks] == ["Set 1/3", "Set 2/3"]
    assert s.work_reps == 12


def test_outer_skip_last_rest_reaches_into_an_inner_block():
    """The final iteration as run ends on work even when its last rest is an inner block's."""
    s = sched(
        "[[steps]]\nrepeat = 2\nskip_last_rest = true\n"
        "  [[steps.steps]]\n  repeat = 2\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    duration = 20\n'
        '    [[steps.steps.steps]]\n    kind = "rest"\n    duration = 10\n'
    )  # fmt: skip
    assert kinds(s) == "w r w r w r w"


def test_inner_skip_only_keeps_the_outer_set_rest():
    s = sched(
        "[[steps]]\nrepeat = 2\n"
        "  [[steps.steps]]\n  repeat = 2\n  skip_last_rest = true\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    duration = 20\n'
        '    [[steps.steps.steps]]\n    kind = "rest"\n    duration = 10\n'
        '  [[steps.steps]]\n  kind = "rest"\n  duration = 180\n'
    )  # fmt: skip
    assert kinds(s) == "w r w r w r w r"
    assert [x.planned_s for x in s.steps if x.kind == "rest"] == [10, 180, 10, 180]


@pytest.fixture
def eight_by_400():
    """The bundled 8 x 400 m at 5k pace, for a runner whose 5k pace is 3:45/km (18:45)."""
    from speedtimer.core.paces import parse_race
    from speedtimer.core.targets import resolve_targets

    written = load_preset(PRESETS_DIR / "8x400m-track.toml", bundled=True)
    return resolve_targets(written, parse_race("5k 18:45").vdot)


def test_totals_open_steps_and_targets(eight_by_400):
    s = build_schedule(eight_by_400)
    assert len(s.steps) == 3 + 8 + 7 + 1
    assert s.total_planned_s == (12 + 6 + 3) * 60 + 7 * 90 + 10 * 60  # timed steps only
    open_steps = [x for x in s.steps if x.is_open]
    assert len(open_steps) == 8
    for x in open_steps:
        assert x.planned_s is None and x.kind == "work"
        assert x.target_s == pytest.approx(90.0)  # 400 m at 3:45/km
        assert x.estimate_s == pytest.approx(90.0)
    assert s.estimate_s == pytest.approx(s.total_planned_s + 8 * 90)
    assert s.work_reps == 8
    assert s.work_s == pytest.approx(8 * 90)
    assert s.steps[3].position == "Rep 1/8"
    assert s.countdown == eight_by_400.countdown and s.halfway == eight_by_400.halfway
    assert s.name == "8 x 400 m track repeats"


def test_open_step_without_target_estimates_zero():
    s = sched('[[steps]]\nkind = "work"\nuntil = "lap"\n[[steps]]\nkind = "rest"\nduration = 90\n')
    open_step = s.steps[0]
    assert open_step.is_open and open_step.target_s is None and open_step.estimate_s == 0.0
    assert s.total_planned_s == 90 and s.estimate_s == 90.0


def test_mile_pace_target():
    s = sched(
        '[[steps]]\nkind = "work"\nuntil = "lap"\ndistance_m = 1609.344\ntarget_pace = "6:00/mi"\n'
    )
    assert s.steps[0].target_s == pytest.approx(360.0)


def test_timed_step_with_distance_keeps_its_planned_time():
    s = sched(
        '[[steps]]\nkind = "work"\nduration = 100\ndistance_m = 400\ntarget_pace = "4:00/km"\n'
    )
    (x,) = s.steps
    assert x.planned_s == 100 and x.target_s == pytest.approx(96.0) and x.estimate_s == 100.0


def test_outline_of_the_8x400(eight_by_400):
    assert outline(eight_by_400) == (
        "Easy jog 12:00 · Drills: A-skips, B-skips, high knees, butt kicks 6:00"
        " · 3 strides, walk back 3:00"
        " · 8 x [400 m @ 5k pace, lap · Jog 1:30] (no rest after the last)"
        " · Easy jog 10:00"
    )


def test_outline_without_labels_and_nested():
    preset = parse_preset(
        'name = "T"\n'
        '[[steps]]\nkind = "warmup"\nduration = 600\n'
        "[[steps]]\nrepeat = 3\n"
        "  [[steps.steps]]\n  repeat = 2\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    until = "lap"\n'
        '    [[steps.steps.steps]]\n    kind = "rest"\n    duration = 45\n'
        '[[steps]]\nkind = "cooldown"\nduration = "1:05:00"\n'
    )  # fmt: skip
    assert (
        outline(preset) == "warm-up 10:00 · 3 x [2 x [work, lap · rest 0:45]] · cool-down 1:05:00"
    )


def test_to_json_shape(eight_by_400):
    s = build_schedule(eight_by_400)
    data = s.to_json()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"name", "steps", "total_planned_s", "total", "countdown", "halfway"}
    assert (data["countdown"], data["halfway"]) == (s.countdown, s.halfway)
    assert data["name"] == "8 x 400 m track repeats"
    assert data["total_planned_s"] == s.total_planned_s
    assert len(data["steps"]) == len(s.steps)
    first_rep = data["steps"][3]
    assert first_rep.pop("target_pace_s_per_km") == pytest.approx(225.0)  # 5k pace, resolved
    assert first_rep.pop("target_s") == pytest.approx(90.0)
    assert first_rep == {
        "index": 3,
        "kind": "work",
        "label": "400 m",
        "planned_s": None,
        "open": True,
        "rep": 1,
        "rep_count": 8,
        "set": None,
        "set_count": None,
        "distance_m": 400.0,
        "target_pace_hi_s_per_km": None,
        "target_text": "",
        "target_pace_symbol": "5k",
    }
    warmup = data["steps"][0]
    assert warmup["open"] is False and warmup["planned_s"] == 720 and warmup["target_s"] is None


def test_outline_says_when_the_last_rest_is_skipped():
    preset = parse_preset(
        'name = "T"\n'
        "[[steps]]\nrepeat = 8\nskip_last_rest = true\n"
        '  [[steps.steps]]\n  kind = "work"\n  label = "Sprint"\n  duration = 15\n'
        '  [[steps.steps]]\n  kind = "rest"\n  label = "Walk back"\n  duration = 105\n'
        "[[steps]]\nrepeat = 2\nskip_last_rest = true\n"  # ends on work: nothing is skipped
        '  [[steps.steps]]\n  kind = "rest"\n  duration = 60\n'
        '  [[steps.steps]]\n  kind = "work"\n  duration = 60\n'
    )  # fmt: skip
    assert outline(preset) == (
        "8 x [Sprint 0:15 · Walk back 1:45] (no rest after the last) · 2 x [rest 1:00 · work 1:00]"
    )
    assert build_schedule(preset).estimate_s == 8 * 15 + 7 * 105 + 4 * 60


def test_outline_of_sets_says_which_rests_are_skipped():
    preset = parse_preset(
        'name = "T"\n'
        "[[steps]]\nrepeat = 3\nskip_last_rest = true\n"
        "  [[steps.steps]]\n  repeat = 4\n  skip_last_rest = true\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    until = "lap"\n'
        '    [[steps.steps.steps]]\n    kind = "rest"\n    duration = 60\n'
        '  [[steps.steps]]\n  kind = "rest"\n  duration = 180\n'
        "[[steps]]\nrepeat = 2\nskip_last_rest = true\n"  # inner block already ends on work
        "  [[steps.steps]]\n  repeat = 2\n  skip_last_rest = true\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    duration = 30\n'
        '    [[steps.steps.steps]]\n    kind = "rest"\n    duration = 30\n'
    )  # fmt: skip
    assert outline(preset) == (
        "3 x [4 x [work, lap · rest 1:00] (no rest after the last) · rest 3:00]"
        " (no rest after the last)"
        " · 2 x [2 x [work 0:30 · rest 0:30] (no rest after the last)]"
    )
