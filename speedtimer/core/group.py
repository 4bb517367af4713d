"""Coach mode's pure core: one shared session clock, many athletes, marks at the finish line.

A coach at the side of a track times a squad: everyone starts a rep on the same cue and crosses
the line seconds apart. The shared clock is the solo `Timer` (cues, pauses, rests, all as in a
solo run); this module adds what is per athlete on top of it:

- a *mark* is a moment in the step in progress, stamped with the time the key arrived (the
  shell passes the key event's own timestamp as `now`), measured in active step time (pauses
  excluded, like the timer's laps);
- an athlete key marks that athlete now, or, when marks are waiting unassigned (`enter`/`l`
  when several cross together), gives the oldest waiting mark to that athlete;
- undo takes back the last mark or assignment: an assignment's mark goes back to the queue
  (so a wrong key is fixed by `u` and the right key, keeping the time), a mark is dropped; an
  assignment that brought the last runner in and so ended the rep reopens it;
- a lap-ended work step ends for the group when every athlete still in has finished; the coach
  can end it earlier and those still out did not finish (a status derived from the data, never
  stored, so that late assignments and undo stay simple);
- `out(athlete)` takes an athlete out of the rest of the session;
- timed work steps run on the clock and athlete keys record splits there;
- a repeat block with a send-off (`cycle_s` on its scheduled steps) starts a rep every cycle:
  its last rest is cut to what is left of the cycle.

Pure: no clock, no I/O; every operation takes `now` and returns the events it caused (the
timer's events and this module's `GroupEvent`s, in order). Part of the purity contract.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import StrEnum

from speedtimer.core.schedule import Schedule, ScheduledStep
from speedtimer.core.send_off import send_off
from speedtimer.core.timer import Ended, Event, EventKind, State, Timer

MAX_ATHLETES = 30


class GroupKind(StrEnum):
    MARKED = "marked"  # an unassigned mark joined the queue
    ASSIGNED = "assigned"  # an athlete got a mark (a finish, or a split in a timed step)
    UNASSIGNED = "unassigned"  # undo: the mark went back to the queue
    MARK_DROPPED = "mark_dropped"  # undo: an unassigned mark was taken back
    OUT = "out"  # the athlete is out of the rest of the session
    BACK_IN = "back_in"  # undo of out
    REOPENED = "reopened"  # undo of the assignment that ended a lap-ended rep
    IGNORED = "ignored"  # a key that had nothing to do (said why in `reason`)


class RepStatus(StrEnum):
    RUNNING = "running"  # step in progress, not yet in
    FINISHED = "finished"
    DNF = "dnf"  # the step ended before this athlete was marked
    OUT = "out"  # taken out of the session at or before this step
    TIMED = "timed"  # a timed step: splits as marked, the step ran on the clock


@dataclass(frozen=True)
class GroupEvent:
    kind: GroupKind
    at: float
    index: int | None = None  # the step the mark belongs to
    athlete: str | None = None
    mark_id: int | None = None
    offset_s: float | None = None  # the mark's time in its step (active seconds)
    split_s: float | None = None  # ASSIGNED: time since the step start or the previous split
    reason: str = ""


@dataclass(frozen=True)
class Mark:
    id: int
    index: int  # scheduled step
    offset_s: float  # active seconds since the step started
    at: float  # the key's timestamp


@dataclass(frozen=True)
class AthleteRep:
    """One athlete's result for one work step (what the summary and history show)."""

    athlete: str
    index: int
    status: RepStatus
    splits: tuple[float, ...] = ()

    @property
    def time_s(self) -> float | None:
        """The rep time: finish offset of a lap-ended rep, last split's offset of a timed one."""
        return sum(self.splits) if self.splits else None


@dataclass
class _Data:
    """Everything undo restores: the queue, every athlete's marks, who is out."""

    queue: list[Mark] = field(default_factory=list)
    marks: dict[tuple[str, int], list[Mark]] = field(default_factory=dict)  # (athlete, step)
    out: dict[str, int] = field(default_factory=dict)  # athlete -> first step they miss
    next_id: int = 1


@dataclass
class _Undo:
    data: _Data
    timer: Timer | None  # set when the operation ended a step: undo reopens it
    ended_index: int | None
    events: tuple[GroupEvent, ...]  # what undo reports
    step_started: dict[int, float] | None = None  # with `timer`: the step starts then
    cycle_start: float | None = None


class GroupSession:
    """The shared timer plus every athlete's marks."""

    def __init__(
        self, schedule: Schedule, athletes: list[str] | tuple[str, ...], *, get_ready_s=5.0
    ) -> None:
        names = tuple(athletes)
        if not names:
            raise ValueError("a group session needs at least one athlete")
        if len(names) > MAX_ATHLETES:
            raise ValueError(f"at most {MAX_ATHLETES} athletes, got {len(names)}")
        if len(set(names)) != len(names):
            raise ValueError("athletes must have different names")
        self.schedule = schedule
        self.athletes = names
        self.timer = Timer(schedule, get_ready_s=get_ready_s)
        self._data = _Data()
        self._undo: list[_Undo] = []
        self._step_started: dict[int, float] = {}  # step index -> when it (last) began
        self._cycle_start: float | None = None
        # Counts the operations that may have changed what is shown (a screen redraws the
        # athletes' results only when it moved); never restored by undo, only ever grows.
        self.revision = 0

    # --- shared clock ------------------------------------------------------------------------

    def start(self, now: float) -> list[Event | GroupEvent]:
        return self._after(self.timer.start(now))

    def tick(self, now: float) -> list[Event | GroupEvent]:
        return self._after(self.timer.tick(now))

    def toggle_pause(self, now: float) -> list[Event | GroupEvent]:
        events = self._after(self.timer.toggle_pause(now))
        # the last runner marked during the pause: the rep ends as the clock runs again
        return events + self._all_in(now, reopenable=False)

    def abort(self, now: float) -> list[Event | GroupEvent]:
        return self._after(self.timer.abort(now))

    def end_step(self, now: float) -> list[Event | GroupEvent]:
        """The coach ends the step now (`n`): athletes still out did not finish this rep."""
        return self._after(self.timer.skip(now))

    # --- marks -------------------------------------------------------------------------------

    def mark(self, now: float) -> list[Event | GroupEvent]:
        """An unassigned mark now (`enter`/`l`): the next athlete key takes the oldest one."""
        self.revision += 1
        events: list[Event | GroupEvent] = list(self._after(self.timer.tick(now)))
        step = self._work_step()
        if step is None:
            return [*events, GroupEvent(GroupKind.IGNORED, now, reason="no rep running")]
        before = self._snapshot()
        mark = self._new_mark(step.index, now)
        self._data.queue.append(mark)
        ev = GroupEvent(GroupKind.MARKED, now, step.index, mark_id=mark.id, offset_s=mark.offset_s)
        drop = GroupEvent(GroupKind.MARK_DROPPED, now, step.index, mark_id=mark.id)
        self._undo.append(_Undo(before, None, None, (drop,)))
        return [*events, ev]

    def athlete_key(self, athlete: str, now: float) -> list[Event | GroupEvent]:
        """The athlete's key: take the oldest waiting mark, else mark this athlete now."""
        self.revision += 1
        self._check(athlete)
        events: list[Event | GroupEvent] = list(self._after(self.timer.tick(now)))
        if self._is_out(athlete, self._current_index()):
            return [*events, GroupEvent(GroupKind.IGNORED, now, athlete=athlete, reason="out")]
        queued = [m for m in self._data.queue if self._can_take(athlete, m.index)]
        before = self._snapshot()
        if queued:
            mark = queued[0]
            self._data.queue.remove(mark)
            undo = GroupEvent(
                GroupKind.UNASSIGNED, now, mark.index, athlete, mark.id, mark.offset_s
            )
        else:
            step = self._work_step()
            if step is None or not self._can_take(athlete, step.index):
                why = "no rep running" if step is None else "already in"
                return [*events, GroupEvent(GroupKind.IGNORED, now, athlete=athlete, reason=why)]
            mark = self._new_mark(step.index, now)
            undo = GroupEvent(
                GroupKind.UNASSIGNED, now, mark.index, athlete, mark.id, mark.offset_s
            )
        taken = self._data.marks.setdefault((athlete, mark.index), [])
        previous = taken[-1].offset_s if taken else 0.0
        taken.append(mark)
        events.append(
            GroupEvent(
                GroupKind.ASSIGNED,
                now,
                mark.index,
                athlete,
                mark.id,
                mark.offset_s,
                split_s=mark.offset_s - previous,
            )
        )
        if not queued:
            # a direct mark is a mark and an assignment: the first undo keeps the time waiting
            # in the queue (so the right key can take it), the second drops it
            drop = GroupEvent(GroupKind.MARK_DROPPED, now, mark.index, mark_id=mark.id)
            with_mark = self._snapshot()
            with_mark.marks[(athlete, mark.index)].pop()
            with_mark.queue.append(mark)
            with_mark.queue.sort(key=lambda m: (m.at, m.id))
            self._undo.append(_Undo(before, None, None, (drop,)))
            self._undo.append(_Undo(with_mark, None, None, (undo,)))
        else:
            self._undo.append(_Undo(before, None, None, (undo,)))
        events += self._all_in(now)
        return events

    def out(self, athlete: str, now: float) -> list[Event | GroupEvent]:
        """`x` + key: the athlete is out of the rest of the session (this rep, if not yet in)."""
        self.revision += 1
        self._check(athlete)
        events: list[Event | GroupEvent] = list(self._after(self.timer.tick(now)))
        if athlete in self._data.out or self.timer.done:
            return [*events, GroupEvent(GroupKind.IGNORED, now, athlete=athlete, reason="out")]
        before = self._snapshot()
        index = self._current_index()
        step = self._work_step()
        first = index if index is not None else 0
        if step is not None and self._marks(athlete, step.index) and not step.is_open:
            first = step.index + 1  # a timed rep with splits counts; out from the next step
        elif step is not None and step.is_open and self._marks(athlete, step.index):
            first = step.index + 1  # already in this rep
        self._data.out[athlete] = first
        back = GroupEvent(GroupKind.BACK_IN, now, index, athlete)
        self._undo.append(_Undo(before, None, None, (back,)))
        events.append(GroupEvent(GroupKind.OUT, now, index, athlete))
        events += self._all_in(now)
        return events

    def undo(self, now: float) -> list[Event | GroupEvent]:
        """Take back the last mark, assignment or out; reopen a rep its assignment ended."""
        self.revision += 1
        events: list[Event | GroupEvent] = list(self._after(self.timer.tick(now)))
        if not self._undo:
            return [*events, GroupEvent(GroupKind.IGNORED, now, reason="nothing to undo")]
        entry = self._undo.pop()
        self._data = entry.data
        events += [
            GroupEvent(e.kind, now, e.index, e.athlete, e.mark_id, e.offset_s) for e in entry.events
        ]
        if entry.timer is not None and entry.ended_index is not None:
            # Reopen only while the step after it is the one running: later steps have been
            # run since, and the rep they followed stays ended (its runner becomes not-in).
            # Not while paused: the reopened rep would run on through the pause. A last rep
            # whose end finished the session reopens too: nothing has run since.
            here = self.timer.current_index
            next_running = here == entry.ended_index + 1 and not self.timer.done
            finished_by_it = (
                self.timer.state is State.FINISHED
                and entry.ended_index == len(self.schedule.steps) - 1
            )
            if (next_running and not self.timer.paused) or finished_by_it:
                last = self.timer._last_now
                self.timer = entry.timer
                self.timer._last_now = max(self.timer._last_now, last)
                self._step_started = dict(entry.step_started or {})
                self._cycle_start = entry.cycle_start
                events.append(GroupEvent(GroupKind.REOPENED, now, entry.ended_index))
        return events

    # --- queries -----------------------------------------------------------------------------

    @property
    def queue(self) -> tuple[Mark, ...]:
        return tuple(self._data.queue)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def is_out(self, athlete: str) -> bool:
        return athlete in self._data.out

    def present(self, index: int) -> tuple[str, ...]:
        """Athletes still in at step `index`."""
        return tuple(a for a in self.athletes if not self._is_out(a, index))

    def rep(self, athlete: str, index: int) -> AthleteRep:
        """The athlete's result for step `index` as it stands now."""
        self._check(athlete)
        step = self.schedule.steps[index]
        splits = _splits(self._marks(athlete, index))
        current = self.timer.current_index
        ended = self.timer.done or current is None or current > index or self._ended(index)
        if self._is_out(athlete, index) and not splits:
            status = RepStatus.OUT
        elif not step.is_open:
            status = RepStatus.TIMED
        elif splits:
            status = RepStatus.FINISHED
        elif ended and index in self._step_started:
            status = RepStatus.DNF
        else:
            status = RepStatus.RUNNING
        return AthleteRep(athlete, index, status, splits)

    def work_indexes(self) -> tuple[int, ...]:
        return tuple(s.index for s in self.schedule.steps if s.kind == "work")

    def started(self, index: int) -> bool:
        return index in self._step_started

    def running_time(self, athlete: str, now: float) -> float | None:
        """The athlete's time in the rep in progress: running until marked, then their time."""
        step = self._work_step()
        if step is None:
            return None
        taken = self._marks(athlete, step.index)
        if step.is_open and taken:
            return taken[-1].offset_s
        if self._is_out(athlete, step.index):
            return None
        return self.timer.step_elapsed(now)

    def athlete_records(self, athlete: str) -> list[AthleteRep]:
        """Every work step that has begun, as this athlete ran it."""
        return [self.rep(athlete, i) for i in self.work_indexes() if i in self._step_started]

    def state(self) -> tuple:
        """A comparable picture of the whole state (tests: undo restores it exactly)."""
        d = self._data
        marks = tuple(sorted((k, tuple(v)) for k, v in d.marks.items() if v))
        t = self.timer
        timer = (t.state, t.current_index, tuple(t.records), t.step_planned())
        return (tuple(d.queue), marks, tuple(sorted(d.out.items())), timer)

    # --- internals ---------------------------------------------------------------------------

    def _check(self, athlete: str) -> None:
        if athlete not in self.athletes:
            raise KeyError(f"no athlete {athlete!r} in this session")

    def _snapshot(self) -> _Data:
        d = self._data
        return _Data(
            list(d.queue), {k: list(v) for k, v in d.marks.items()}, dict(d.out), d.next_id
        )

    def _new_mark(self, index: int, now: float) -> Mark:
        offset = self.timer.step_elapsed(now)
        seg = self.timer.segment()
        if seg is not None and not self.timer.paused:
            # A key stamped a moment before the last tick (the shell stamps the key event's
            # own time) keeps its time rather than the tick's.
            offset = min(offset, max(0.0, now - seg.start))
        mark = Mark(self._data.next_id, index, offset, now)
        self._data.next_id += 1
        return mark

    def _marks(self, athlete: str, index: int) -> list[Mark]:
        return self._data.marks.get((athlete, index), [])

    def _current_index(self) -> int | None:
        return self.timer.current_index

    def _work_step(self) -> ScheduledStep | None:
        """The work step in progress (marks belong to it), or None."""
        step = self.timer.current
        if step is None or step.kind != "work" or self.timer.state is State.IDLE:
            return None
        return step

    def _ended(self, index: int) -> bool:
        return any(r.index == index for r in self.timer.records)

    def _is_out(self, athlete: str, index: int | None) -> bool:
        first = self._data.out.get(athlete)
        return first is not None and (index is None or index >= first)

    def _can_take(self, athlete: str, index: int) -> bool:
        """May this athlete get a mark in step `index`? A lap-ended rep takes one finish."""
        if self._is_out(athlete, index):
            return False
        step = self.schedule.steps[index]
        return not (step.is_open and self._marks(athlete, index))

    def _all_in(self, now: float, *, reopenable: bool = True) -> list[Event | GroupEvent]:
        """End a lap-ended work step once everyone still in has finished it (not while paused)."""
        step = self._work_step()
        if step is None or not step.is_open or self.timer.paused:
            return []
        if any(not self._marks(a, step.index) for a in self.present(step.index)):
            return []
        entry = self._undo[-1] if self._undo else None
        saved = copy.deepcopy(self.timer)
        started = dict(self._step_started)
        cycle = self._cycle_start
        events = self._after(self.timer.lap(now))
        if entry is not None and reopenable:
            entry.timer = saved
            entry.ended_index = step.index
            entry.step_started = started
            entry.cycle_start = cycle
        return events

    def _after(self, events: list[Event]) -> list[Event | GroupEvent]:
        """Note step starts; cut a send-off block's rest to what is left of its cycle."""
        out: list[Event | GroupEvent] = []
        if events:
            self.revision += 1
        for ev in events:
            out.append(ev)
            if ev.kind is EventKind.STEP_STARTED and ev.index is not None:
                self._step_started[ev.index] = ev.at
                out += self._send_off(self.schedule.steps[ev.index], ev.at)
        return out

    def _send_off(self, step: ScheduledStep, at: float) -> list[Event | GroupEvent]:
        self._cycle_start, length = send_off(step, at, self._cycle_start)
        planned = self.timer.step_planned()
        if length is None or planned is None or abs(length - planned) < 1e-9:
            return []
        return list(self._after(self.timer.fit_step(at, length)))


def _splits(marks: list[Mark]) -> tuple[float, ...]:
    offsets = [m.offset_s for m in sorted(marks, key=lambda m: m.offset_s)]
    return tuple(b - a for a, b in zip([0.0, *offsets], offsets, strict=False))


__all__ = [
    "MAX_ATHLETES",
    "AthleteRep",
    "Ended",
    "GroupEvent",
    "GroupKind",
    "GroupSession",
    "Mark",
    "RepStatus",
]
