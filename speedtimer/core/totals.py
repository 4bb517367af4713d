"""How long a session takes, said one way everywhere (menu, presets list/show, show --json,
editor, summary).

Timed steps count their planned time. A step that ends on the lap key has no planned time: it
counts as an estimate when it has a distance and a pace (its own target pace, the middle of a
range, or the runner's pace from `pace_for`), and otherwise the total says what it leaves out.
So a 12 km track session never reads as a quarter of an hour:

    47:00                 every step timed
    ~1:02:00              some steps estimated from their pace
    47:00 + 12 x 400 m    twelve 400 m reps with no pace, not counted
    ~52:00 + 1 lap step   an open step with no distance, not counted

Pure: no I/O, no clock (see the import-linter purity contract).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from speedtimer.core.preset import format_clock


class ScheduledStep(Protocol):
    """What the rule reads of a schedule's step (core/schedule.py, which imports this)."""

    @property
    def planned_s(self) -> int | None: ...
    @property
    def distance_m(self) -> float | None: ...
    @property
    def target_s(self) -> float | None: ...


PaceFor = Callable[[ScheduledStep], float | None]


@dataclass(frozen=True)
class Totals:
    timed_s: float  # planned time of the timed steps
    estimated_s: float  # lap-ended steps timed from a distance and a pace
    estimated_steps: int
    left_out: tuple[tuple[str, int], ...]  # ("400 m", 12), ("lap step", 1): not counted

    @property
    def seconds(self) -> float:
        """The time counted (timed plus estimated); what it leaves out is in `left_out`."""
        return self.timed_s + self.estimated_s

    @property
    def is_estimate(self) -> bool:
        return self.estimated_steps > 0

    @property
    def label(self) -> str:
        text = format_clock(self.seconds)
        if self.is_estimate:
            text = "~" + text
        for what, count in self.left_out:
            text += f" + {count} x {what}" if what != "lap step" else f" + {_lap_steps(count)}"
        return text

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "seconds": self.seconds,
            "timed_s": self.timed_s,
            "estimated_s": self.estimated_s,
            "estimated_steps": self.estimated_steps,
            "is_estimate": self.is_estimate,
            "not_counted": [{"what": what, "count": n} for what, n in self.left_out],
        }


def _lap_steps(count: int) -> str:
    return f"{count} lap step" if count == 1 else f"{count} lap steps"


def _distance_text(metres: float) -> str:
    if metres >= 1000 and (metres / 1000).is_integer():
        return f"{metres / 1000:g} km"
    return f"{metres:g} m"


def session_totals(steps: Iterable[ScheduledStep], pace_for: PaceFor | None = None) -> Totals:
    """The one totals rule. `pace_for` may give a pace (s/km) for a distance step without a
    target pace, e.g. from the runner's race times; its time is then an estimate too."""
    timed = estimated = 0.0
    estimated_steps = 0
    left: dict[str, int] = {}
    for step in steps:
        if step.planned_s is not None:
            timed += step.planned_s
            continue
        target = step.target_s
        if target is None and step.distance_m and pace_for is not None:
            pace = pace_for(step)
            if pace:
                target = step.distance_m / 1000 * pace
        if target is not None:
            estimated += target
            estimated_steps += 1
            continue
        what = _distance_text(step.distance_m) if step.distance_m else "lap step"
        left[what] = left.get(what, 0) + 1
    return Totals(timed, estimated, estimated_steps, tuple(left.items()))


def totals_text(total_label: str, work_reps: int, work_s: float) -> str:
    """The totals line from its figures (the menu has them from the preset index, without
    reading a preset or building its schedule)."""
    return f"Total {total_label} · {work_reps} work reps · work {format_clock(work_s)}"
