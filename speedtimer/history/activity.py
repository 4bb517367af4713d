"""A session as run, reshaped into what training logs import: an activity of laps.

Garmin Connect, Strava, intervals.icu, Runalyze and Golden Cheetah take a completed session as
a FIT activity or a TCX file. Both say the same things, so both writers (`fit_activity.py`,
`tcx.py`) start from the `Activity` made here: one lap per step that actually ran (a skipped
step that ran for a moment is a lap of that moment; a step that never started is none), with
the step's wall-clock start and end, its time running (pauses excluded), its distance when the
step had one and was finished, how it ended (the lap button or the clock) and, when a watch's
heart rate is attached (`heart_rate.py`), its average and maximum.

The history keeps each step's total pause, not when in the step the pauses were: the writers
put a step's pause at its end (the timer stops when the step's running time is up and starts
again when the step ends). Totals and lap times are exact either way.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta

from speedtimer.core.schedule import KIND_NAMES
from speedtimer.history.rows import SessionDetail, StepRow

# Laps end on the lap button for a lap-ended step or any step ended by a key (next, back, end),
# and on the clock for a timed step that ran out.
BY_THE_CLOCK = ("time",)
# A track session: every work rep has a distance (400 m repeats), so the logs show it as such.
DONE_HOW = ("time", "lap")
# Records between lap boundaries, for the logs that draw a time line (Strava needs records);
# each costs fit-tool about 2 ms to build, so a 2-hour session takes a second at 10 s.
RECORD_EVERY_S = 10.0


@dataclass(frozen=True)
class HeartRate:
    """A watch's heart rate over one step: average and maximum (bpm); for a rest, how far it
    fell from the rest's start to its end (recovery)."""

    avg_bpm: int
    max_bpm: int
    drop_bpm: int | None = None


@dataclass(frozen=True)
class Lap:
    index: int
    kind: str  # warmup, work, rest, cooldown
    name: str  # the step's label, else its kind in words
    start: datetime  # UTC
    end: datetime  # UTC, pauses included
    timer_s: float  # running time, pauses excluded
    paused_s: float
    distance_m: float | None  # only for a finished step with a distance
    by_clock: bool  # the lap ended on the clock (a timed step), not on a key
    heart_rate: HeartRate | None = None

    @property
    def elapsed_s(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def running_until(self) -> datetime:
        """When the step's running time was up: its pause (if any) is placed after this."""
        return self.start + timedelta(seconds=self.timer_s)


@dataclass(frozen=True)
class Activity:
    uuid: str
    name: str
    start: datetime  # UTC
    end: datetime
    utc_offset_min: int
    laps: tuple[Lap, ...]
    track: bool  # every work lap has a distance: a track session
    rpe: int | None
    note: str
    samples: tuple[tuple[datetime, int], ...] = ()  # the watch's heart rate, when attached

    @property
    def timer_s(self) -> float:
        return sum(lap.timer_s for lap in self.laps)

    @property
    def distance_m(self) -> float | None:
        known = [lap.distance_m for lap in self.laps if lap.distance_m]
        return sum(known) if known else None

    def heart_rate(self) -> HeartRate | None:
        bpm = [b for _, b in self.samples]
        if not bpm:
            return None
        return HeartRate(avg_bpm=round(sum(bpm) / len(bpm)), max_bpm=max(bpm))

    def record_times(self) -> list[datetime]:
        """The instants the writers put a record at: every lap's start and end, and every
        RECORD_EVERY_S of running time in between (none in a pause)."""
        times: set[datetime] = set()
        for lap in self.laps:
            times.add(lap.start)
            times.add(lap.end)
            step = timedelta(seconds=RECORD_EVERY_S)
            t = lap.start + step
            while t < lap.running_until:
                times.add(t)
                t += step
            times.add(lap.running_until)
        return sorted(times)

    def bpm_at(self, when: datetime) -> int | None:
        """The watch's last heart rate at or before `when` (within 10 s), if attached."""
        at = bisect.bisect_right(self.samples, when, key=lambda s: s[0])
        if at == 0:
            return None
        t, bpm = self.samples[at - 1]
        return None if (when - t).total_seconds() > 10 else bpm


class NothingToExport(ValueError):
    """The session has no step that ran: there is no activity to write."""


def lap_name(step: StepRow) -> str:
    return step.label.strip() or KIND_NAMES.get(step.kind, step.kind)


def activity_from_session(
    detail: SessionDetail,
    heart: dict[int, HeartRate] | None = None,
    samples: tuple[tuple[datetime, int], ...] = (),
) -> Activity:
    """The activity of a session from the history; `heart` maps a step's idx to its heart rate."""
    heart = heart or {}
    laps: list[Lap] = []
    for step in sorted(detail.steps, key=lambda s: s.idx):
        if step.actual_s <= 0:
            continue
        finished = step.ended_how in DONE_HOW
        laps.append(
            Lap(
                index=len(laps),
                kind=step.kind,
                name=lap_name(step),
                start=step.started_at,
                end=max(step.ended_at, step.started_at + timedelta(seconds=step.actual_s)),
                timer_s=float(step.actual_s),
                paused_s=float(step.paused_s),
                distance_m=step.distance_m if finished and step.distance_m else None,
                by_clock=step.ended_how in BY_THE_CLOCK,
                heart_rate=heart.get(step.idx),
            )
        )
    if not laps:
        raise NothingToExport(
            f"session {detail.id} ({detail.preset_name}) has no step that ran: nothing to export"
        )
    work = [lap for lap in laps if lap.kind == "work"]
    return Activity(
        uuid=detail.uuid,
        name=detail.preset_name,
        start=laps[0].start,
        end=laps[-1].end,
        utc_offset_min=detail.utc_offset_min,
        laps=tuple(laps),
        track=bool(work) and all(lap.distance_m for lap in work),
        rpe=detail.rpe,
        note=detail.note,
        samples=samples,
    )
