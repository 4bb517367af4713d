"""Rep splits for the summary: which laps count, how they group, and their statistics."""

from __future__ import annotations

import pytest

from speedtimer.core.schedule import build_schedule
from speedtimer.core.splits import Split, session_splits, stats_of
from speedtimer.core.timer import Ended, StepRecord
from speedtimer.formats.preset_toml import parse_preset


def record(index: int, *, how: Ended = Ended.TIME, laps: tuple[float, ...] = (), active=60.0):
    return StepRecord(index, 0.0, active, active, 0.0, how, laps, None)


SETS = build_schedule(
    parse_preset(
        'name = "T"\n'
        '[[steps]]\nkind = "warmup"\nduration = 60\n'
        "[[steps]]\nrepeat = 2\nskip_last_rest = true\n"
        "  [[steps.steps]]\n  repeat = 3\n  skip_last_rest = true\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    until = "lap"\n'
        '    distance_m = 400\n    target_pace = "3:45/km"\n'
        '    [[steps.steps.steps]]\n    kind = "rest"\n    duration = 30\n'
        '  [[steps.steps]]\n  kind = "rest"\n  duration = 120\n'
    )  # fmt: skip
)


def run_sets(times: list[float]) -> list[StepRecord]:
    out, t = [record(0)], iter(times)
    for s in SETS.steps[1:]:
        if s.kind == "work":
            split = next(t)
            out.append(record(s.index, how=Ended.LAP, laps=(split,), active=split))
        else:
            out.append(record(s.index))
    return out


def test_lap_ended_reps_grouped_by_set_with_their_statistics():
    result = session_splits(SETS, run_sets([88.0, 90.0, 92.0, 89.0, 91.0, 95.0]))
    first, second = result.groups
    assert (first.title, second.title) == ("Set 1/2", "Set 2/2")
    assert [s.rep for s in first.splits] == ["1", "2", "3"]
    assert first.splits[0].target_s == pytest.approx(90.0)
    assert first.splits[0].delta == pytest.approx(-2.0)
    stats = first.stats
    assert (stats.average, stats.best, stats.worst) == pytest.approx((90.0, 88.0, 92.0))
    assert stats.fade == pytest.approx(4.0) and stats.fade_pct == pytest.approx(4 / 88 * 100)
    assert not stats.by_pace
    overall = result.overall
    assert overall.first == 88.0 and overall.last == 95.0 and overall.worst == 95.0
    assert result.work_count == 6


def test_laps_inside_timed_reps_are_splits_too():
    sched = build_schedule(
        parse_preset(
            'name = "T"\n[[steps]]\nrepeat = 4\n'
            '  [[steps.steps]]\n  kind = "work"\n  duration = 100\n  distance_m = 400\n'
            '  target_pace = "3:45/km"\n'
            '  [[steps.steps]]\n  kind = "rest"\n  duration = 60\n'
        )  # fmt: skip
    )
    records = [
        record(0, laps=(89.0,)),  # one lap: the 400 m mark, against its target
        record(1),
        record(2),  # a timed rep without a lap: nothing to show
        record(3),
        record(4, laps=(45.0, 46.0)),  # two laps: parts of the rep, distance unknown
        record(5),
        record(6, how=Ended.BACK, laps=(30.0,)),  # abandoned: run again
        record(6, laps=(91.0,)),
    ]
    (group,) = session_splits(sched, records).groups
    assert group.title == "Reps"
    assert [(s.rep, s.seconds, s.target_s) for s in group.splits] == [
        ("1", 89.0, pytest.approx(90.0)),
        ("3.1", 45.0, None),
        ("3.2", 46.0, None),
        ("4", 91.0, pytest.approx(90.0)),
    ]
    assert group.stats is None  # 400 m laps and laps of no known distance: not comparable


def test_a_pyramid_is_compared_by_pace_and_other_laps_come_last():
    sched = build_schedule(
        parse_preset(
            'name = "T"\n'
            '[[steps]]\nkind = "warmup"\nuntil = "lap"\n'
            + "".join(
                f'[[steps]]\nkind = "work"\nuntil = "lap"\ndistance_m = {d}\n'
                '[[steps]]\nkind = "rest"\nuntil = "lap"\nlabel = "Jog"\n'
                for d in (200, 400, 600)
            )
        )
    )
    laps = [300.0, 40.0, 60.0, 84.0, 70.0, 132.0, 80.0]
    records = [record(i, how=Ended.LAP, laps=(t,), active=t) for i, t in enumerate(laps)]
    result = session_splits(sched, records)
    work, *others = result.groups
    assert work.title == "Reps" and [s.seconds for s in work.splits] == [40.0, 84.0, 132.0]
    assert work.stats.by_pace
    assert work.stats.first == pytest.approx(200.0) and work.stats.last == pytest.approx(220.0)
    assert work.stats.best == pytest.approx(200.0)
    assert [(g.title, g.work, len(g.splits)) for g in others] == [
        ("Warm-up", False, 1),
        ("Jog", False, 3),
    ]
    assert result.overall is None  # one group of work


def test_statistics_need_two_comparable_splits():
    assert stats_of([Split("1", 80.0, 400.0)]) is None
    assert stats_of([Split("1", 80.0, 400.0), Split("2", 40.0)]) is None
    assert stats_of([Split("1", 80.0, what="a"), Split("2", 40.0, what="b")]) is None
    both = stats_of([Split("1", 80.0), Split("2", 78.0)])
    assert both.fade == -2.0 and both.best == 78.0


def test_separate_blocks_are_separate_groups():
    sched = build_schedule(
        parse_preset(
            'name = "T"\n'
            '[[steps]]\nrepeat = 2\n  [[steps.steps]]\n  kind = "work"\n  until = "lap"\n'
            '  label = "400 m"\n'
            '[[steps]]\nrepeat = 2\n  [[steps.steps]]\n  kind = "work"\n  until = "lap"\n'
            '  label = "200 m"\n'
        )  # fmt: skip
    )
    records = [
        record(i, how=Ended.LAP, laps=(t,), active=t) for i, t in enumerate([80, 81, 38, 37])
    ]
    result = session_splits(sched, records)
    assert [g.title for g in result.groups] == ["400 m", "200 m"]
    assert result.groups[0].stats.worst == 81
    assert result.overall is None  # 400 m against 200 m, no distances given: no comparison
