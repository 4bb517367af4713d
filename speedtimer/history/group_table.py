"""A group run (coach mode) from the history as the table a coach pastes into a spreadsheet.

One row per athlete (their own session of the group), a column pair per work rep (the time in
seconds, DNF, or "out" for a rep run after the athlete was taken out, and the delta to that
athlete's own target, counted as the run screen and the group summary count it: inside a
target range is 0), then average, best, worst and fade (last rep minus first); a last row holds
the group's median per rep. Numbers stay plain
seconds so a spreadsheet can compute with them. `history export --group ID --format csv`
writes it.
"""

from __future__ import annotations

import statistics
from dataclasses import replace
from typing import Any

from speedtimer.history.rows import SessionDetail

DONE = ("lap", "time")


def _num(value: float | None) -> Any:
    return "" if value is None else round(float(value), 2)


def group_table(sessions: list[SessionDetail]) -> list[list[Any]]:
    """The header, then a row per athlete, then the medians (CSV cells)."""
    reps = sorted({s.step_index for d in sessions for s in d.steps if s.kind == "work"})
    header: list[Any] = ["athlete"]
    for n in range(1, len(reps) + 1):
        header += [f"rep{n}_s", f"rep{n}_delta_s"]
    header += ["avg_s", "best_s", "worst_s", "fade_s"]
    out = [header]
    columns: list[list[float]] = [[] for _ in reps]
    for d in sessions:
        by_step = {s.step_index: s for s in d.steps if s.kind == "work"}
        row: list[Any] = [d.athlete]
        times = []
        for n, index in enumerate(reps):
            step = by_step.get(index)
            if step is None:  # the others ran it: this athlete was out by then
                row += ["out", ""]
                continue
            if step.ended_how not in DONE:
                row += ["DNF", ""]
                continue
            time = step.split_s if step.split_s is not None else step.actual_s
            times.append(time)
            columns[n].append(time)
            delta = replace(step, split_s=time).delta_s()
            row += [_num(time), _num(delta)]
        row += [
            _num(statistics.fmean(times) if times else None),
            _num(min(times) if times else None),
            _num(max(times) if times else None),
            _num(times[-1] - times[0] if len(times) > 1 else None),
        ]
        out.append(row)
    medians: list[Any] = ["median"]
    for col in columns:
        medians += [_num(statistics.median(col) if col else None), ""]
    out.append(medians + ["", "", "", ""])
    return out
