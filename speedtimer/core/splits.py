"""A session's rep splits as the summary shows them: grouped by set, with the average, the
best, the worst and the fade (first rep against the last) of each group and of them all.

A split is a lap time the runner took: a rep ended by the lap key, or a lap pressed inside a
timed rep (the history has kept those all along; the summary showed only the first kind).
Times are compared as times when the reps are the same distance (or none is given), as paces
when they differ (a pyramid), and not at all when only some have a distance.

Pure: plain values in, plain values out; part of the functional core (import-linter contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from speedtimer.core.schedule import Schedule, ScheduledStep
from speedtimer.core.timer import Ended, StepRecord


@dataclass(frozen=True)
class Split:
    rep: str  # "3"; "3.2" for the second lap inside rep 3
    seconds: float
    distance_m: float | None = None
    target_s: float | None = None
    what: str = ""  # the step's name: splits of no known distance compare only with their kind
    delta: float | None = None  # seconds over (+) or under (-) the target; 0 inside a range

    @property
    def pace(self) -> float | None:
        """Seconds per km, when the distance is known."""
        return self.seconds / self.distance_m * 1000 if self.distance_m else None


@dataclass(frozen=True)
class Stats:
    by_pace: bool  # the values are seconds per km, not seconds
    average: float
    best: float
    worst: float
    first: float
    last: float

    @property
    def fade(self) -> float:
        """Last minus first: positive is slower at the end."""
        return self.last - self.first

    @property
    def fade_pct(self) -> float:
        return self.fade / self.first * 100 if self.first else 0.0


@dataclass(frozen=True)
class Group:
    title: str  # "Set 2/3", the reps' name, or "Reps"
    splits: tuple[Split, ...]
    stats: Stats | None  # None: fewer than two splits, or distances that cannot be compared
    work: bool = True  # False: laps taken in warm-ups, recoveries and cool-downs


@dataclass(frozen=True)
class Splits:
    groups: tuple[Group, ...]
    overall: Stats | None  # every work split, when there is more than one group

    @property
    def work_count(self) -> int:
        return sum(len(g.splits) for g in self.groups if g.work)

    def __bool__(self) -> bool:
        return bool(self.groups)


def stats_of(splits: Sequence[Split]) -> Stats | None:
    if len(splits) < 2:
        return None
    distances = {s.distance_m for s in splits}
    if distances == {None} and len({s.what for s in splits}) > 1:
        return None  # "400 m" and "200 m" laps, neither with a distance: not comparable
    if len(distances) == 1:
        values = [s.seconds for s in splits]
        by_pace = False
    elif None not in distances:
        values = [s.pace or 0.0 for s in splits]
        by_pace = True
    else:
        return None
    return Stats(
        by_pace=by_pace,
        average=sum(values) / len(values),
        best=min(values),
        worst=max(values),
        first=values[0],
        last=values[-1],
    )


def _splits_of(step: ScheduledStep, record: StepRecord, number: int) -> list[Split]:
    laps = record.splits
    if not laps:
        return []
    rep = str(step.rep if step.rep is not None else number)
    if len(laps) == 1:  # the rep's own time (lap-ended), or one lap inside a timed rep
        split = laps[0]
        return [Split(rep, split, step.distance_m, step.target_s, step.title, step.delta_s(split))]
    # Several laps in one step: parts of it, whose distances are not known.
    part = f"{step.title}, part"
    return [Split(f"{rep}.{n}", lap, what=part) for n, lap in enumerate(laps, start=1)]


def _starts_group(step: ScheduledStep, prev: ScheduledStep | None) -> bool:
    if prev is None:
        return True
    if step.set != prev.set or step.set_count != prev.set_count:
        return True
    if step.rep is None and prev.rep is None:
        return False
    return (
        step.rep is None
        or prev.rep is None
        or step.rep <= prev.rep
        or step.rep_count != prev.rep_count
    )


def session_splits(schedule: Schedule, records: Sequence[StepRecord]) -> Splits:
    """Every split of the session, work reps grouped by set (or by block), other laps last."""
    steps = schedule.steps
    work: list[tuple[ScheduledStep, list[Split]]] = []
    prev: ScheduledStep | None = None
    number = 0
    other: dict[str, list[Split]] = {}
    for record in records:
        if record.how is Ended.BACK:  # abandoned and run again: the rerun counts
            continue
        step = steps[record.index]
        if step.kind != "work":
            for split in _splits_of(step, record, 0):
                bucket = other.setdefault(step.title, [])
                bucket.append(Split(str(len(bucket) + 1), split.seconds, split.distance_m))
            continue
        number += 1
        found = _splits_of(step, record, number)
        if not found:
            prev = step
            continue
        if not work or _starts_group(step, prev):
            work.append((step, []))
        work[-1][1].extend(found)
        prev = step
    groups = [
        Group(_title(first, len(work)), tuple(found), stats_of(found)) for first, found in work
    ]
    groups += [Group(title, tuple(found), None, work=False) for title, found in other.items()]
    every = [s for g in groups if g.work for s in g.splits]
    overall = stats_of(every) if len(work) > 1 else None
    return Splits(tuple(groups), overall)


def _title(first: ScheduledStep, count: int) -> str:
    if first.set is not None:
        return f"Set {first.set}/{first.set_count}"
    if count > 1:
        return first.title
    return "Reps"
