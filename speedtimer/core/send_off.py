"""Send-off: a repeat block with `cycle = "3:00"` starts an iteration every 3:00, whatever the
finish times; the block's last rest is what is left of the cycle ("10 x 100 m on 1:00").

One rule for the solo session and for coach mode's group (where the group's rep ends when the
last runner is in). Pure: the shell (or the group core) calls `send_off` as each step starts
and gives the rest the length it returns (`Timer.fit_step`).
"""

from __future__ import annotations

from speedtimer.core.schedule import ScheduledStep


def send_off(
    step: ScheduledStep, at: float, cycle_start: float | None
) -> tuple[float | None, float | None]:
    """`step` has just started at `at`: (when the cycle in progress started, from now on;
    the length the step must have, or None to leave it as planned)."""
    cycle = step.cycle_s
    if not cycle:
        return None, None
    if step.cycle_first or cycle_start is None:
        cycle_start = at
    if not step.cycle_last or step.is_open:
        return cycle_start, None
    return None, max(0.0, cycle_start + cycle - at)
