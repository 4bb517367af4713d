"""Which sound each timer event makes, and which of a batch of events are still worth playing.

Pure: no I/O, no clock. Part of the functional core; the shell passes `now` in.

The timer returns every event that fell due since the last call, each stamped with the time it
was due. After a stall (the laptop suspended, the process stopped for 5 s) one call can return a
whole burst: three countdown pips, a step change, maybe another step's pips. Played back to back
that is noise, and worse, it is wrong: the pips say "3, 2, 1" about a moment that has passed.
`cues_for` keeps what still tells the runner something true:

* countdown pips and the halfway cue only while fresh (due within `stale_after` seconds);
* of several step starts, only the last one (the step the runner is in now), even if late;
* nothing before a session's finish fanfare except laps;
* never the same cue twice at the same instant, and no lap blip on top of the step cue (or the
  finish fanfare) that the same lap caused: ending an open step by lap plays the next step's cue.
"""

from __future__ import annotations

from collections.abc import Iterable

from speedtimer.core.preset import KINDS
from speedtimer.core.schedule import Schedule
from speedtimer.core.timer import Event, EventKind

# The one list of cues: a step's start sounds its kind; the rest are moments in a step.
STEP_CUES = KINDS
CUE_NAMES: tuple[str, ...] = (*STEP_CUES, "pip", "halfway", "lap", "finished")
# Cues that mark a step boundary (a step starts, or the session ends): what cue timing is
# measured on.
BOUNDARY_CUES: tuple[str, ...] = (*STEP_CUES, "finished")

STALE_AFTER_S = 0.25
_SAME_INSTANT_S = 1e-6

_FIXED = {
    EventKind.PIP: "pip",
    EventKind.HALFWAY: "halfway",
    EventKind.LAP: "lap",
    EventKind.SESSION_FINISHED: "finished",
}
_PERISHABLE = frozenset({EventKind.PIP, EventKind.HALFWAY})
_STEP_OR_FINISH = frozenset({EventKind.STEP_STARTED, EventKind.SESSION_FINISHED})


def cue_for(event: Event, schedule: Schedule) -> str | None:
    """The cue name for one event, or None for events that make no sound."""
    if event.kind is EventKind.STEP_STARTED:
        if event.index is None or not 0 <= event.index < len(schedule.steps):
            return None
        kind = schedule.steps[event.index].kind
        return kind if kind in STEP_CUES else None
    return _FIXED.get(event.kind)


def cues_for(
    events: Iterable[Event],
    schedule: Schedule,
    now: float,
    stale_after: float = STALE_AFTER_S,
) -> list[str]:
    """The cues to play now for a batch of events from one timer call, in event order."""
    picked: list[tuple[Event, str]] = []
    for ev in events:
        cue = cue_for(ev, schedule)
        if cue is None:
            continue
        if ev.kind in _PERISHABLE and ev.at < now - stale_after:
            continue
        picked.append((ev, cue))

    finish = max(
        (i for i, (ev, _) in enumerate(picked) if ev.kind is EventKind.SESSION_FINISHED),
        default=None,
    )
    if finish is not None:
        picked = [p for i, p in enumerate(picked) if i >= finish or p[0].kind is EventKind.LAP]

    starts = [i for i, (ev, _) in enumerate(picked) if ev.kind is EventKind.STEP_STARTED]
    if len(starts) > 1:
        drop = set(starts[:-1])
        picked = [p for i, p in enumerate(picked) if i not in drop]

    louder = [ev.at for ev, _ in picked if ev.kind in _STEP_OR_FINISH]
    out: list[str] = []
    seen: list[tuple[str, float]] = []
    for ev, cue in picked:
        if ev.kind is EventKind.LAP and any(abs(ev.at - t) <= _SAME_INSTANT_S for t in louder):
            continue
        if any(c == cue and abs(ev.at - t) <= _SAME_INSTANT_S for c, t in seen):
            continue
        seen.append((cue, ev.at))
        out.append(cue)
    return out
