"""Property tests for coach mode's pure core: random marks, assignments, undos, outs, early ends
and pauses at random times over random presets, checked against an independent model.

- no mark is lost or counted twice: every mark ever made and not taken back is either waiting in
  the queue or held by exactly one athlete;
- every athlete's splits in a step sum to their active time at their last mark, computed here
  from the step's start and the pauses seen (not from the timer's own arithmetic);
- undo restores the exact previous state (the timer included when no time passed since).
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from speedtimer.core.group import GroupEvent, GroupKind, GroupSession, RepStatus
from speedtimer.core.preset import PresetError
from speedtimer.core.schedule import build_schedule
from speedtimer.core.timer import Event, EventKind
from speedtimer.formats.preset_toml import preset_from_dict

TOL = 1e-6
ATHLETES = ("Ana", "Ben", "Cy", "Dee")

work = st.one_of(
    st.fixed_dictionaries({"kind": st.just("work"), "until": st.just("lap")}),
    st.fixed_dictionaries({"kind": st.just("work"), "duration": st.integers(1, 60)}),
)
rest = st.fixed_dictionaries({"kind": st.just("rest"), "duration": st.integers(1, 60)})
block = st.fixed_dictionaries(
    {"repeat": st.integers(1, 3), "steps": st.lists(st.one_of(work, rest), min_size=1, max_size=3)},
    optional={"cycle": st.integers(61, 240), "skip_last_rest": st.booleans()},
)
presets = st.fixed_dictionaries(
    {
        "name": st.just("random"),
        "countdown": st.integers(0, 3),
        "steps": st.lists(st.one_of(work, rest, block), min_size=1, max_size=3),
    }
)

gaps = st.one_of(st.just(0.0), st.floats(0, 3, allow_nan=False), st.floats(0, 90, allow_nan=False))


class GroupMachine(RuleBasedStateMachine):
    @initialize(
        data=presets, count=st.integers(1, len(ATHLETES)), get_ready=st.sampled_from([0.0, 3.0])
    )
    def setup(self, data, count, get_ready):
        try:
            preset = preset_from_dict(data)
        except PresetError:
            preset = preset_from_dict({"name": "x", "steps": [{"kind": "work", "until": "lap"}]})
        self.g = GroupSession(build_schedule(preset), ATHLETES[:count], get_ready_s=get_ready)
        self.now = 0.0
        self.live: set[int] = set()  # marks made and not taken back
        self.step_start: dict[int, float] = {}
        self.step_end: dict[int, float] = {}
        self.pauses: list[list[float]] = []  # [start, end or inf]
        self.undo_stack: list[tuple] = []  # (expected state, clock ops count at push, kind)
        self.clock_ops = 0
        self.reopened = 0
        self.seen(self.g.start(self.now))

    # --- the oracle ------------------------------------------------------------------------

    def seen(self, events: list[Event | GroupEvent]) -> None:
        for ev in events:
            if isinstance(ev, Event):
                if ev.kind is EventKind.STEP_STARTED:
                    self.step_start[ev.index] = ev.at
                    self.step_end.pop(ev.index, None)
                elif ev.kind is EventKind.STEP_ENDED:
                    self.step_end[ev.index] = ev.at
                elif ev.kind is EventKind.PAUSED:
                    self.pauses.append([ev.at, math.inf])
                elif ev.kind is EventKind.RESUMED or (
                    ev.kind is EventKind.SESSION_ABORTED
                    and self.pauses
                    and self.pauses[-1][1] == math.inf
                ):
                    self.pauses[-1][1] = ev.at
                continue
            if ev.kind is GroupKind.MARKED:
                assert ev.mark_id not in self.live
                self.live.add(ev.mark_id)
            elif ev.kind is GroupKind.ASSIGNED:
                self.live.add(ev.mark_id)
            elif ev.kind is GroupKind.MARK_DROPPED:
                self.live.remove(ev.mark_id)
            elif ev.kind is GroupKind.REOPENED:
                # the rest that had begun is gone: so are its pauses
                ended = self.step_end.pop(ev.index)
                self.pauses = [p for p in self.pauses if p[0] < ended]

    def active(self, index: int, at: float) -> float:
        start = self.step_start[index]
        paused = sum(
            max(0.0, min(end, at) - max(begin, start)) for begin, end in self.pauses if begin < at
        )
        return at - start - paused

    def push(self, before: tuple, kind: str = "op") -> None:
        self.undo_stack.append((before, self.clock_ops, kind))

    # --- rules -----------------------------------------------------------------------------

    @rule(gap=gaps)
    def tick(self, gap):
        self.now += gap
        if gap:
            self.clock_ops += 1
        self.seen(self.g.tick(self.now))

    @rule(gap=gaps)
    def mark(self, gap):
        self.now += gap
        self.clock_ops += 1 if gap else 0
        self.seen(self.g.tick(self.now))
        before = self.g.state()
        events = self.g.mark(self.now)
        self.seen(events)
        if any(e.kind is GroupKind.MARKED for e in events if isinstance(e, GroupEvent)):
            self.push(before)

    @rule(gap=gaps, who=st.sampled_from(ATHLETES))
    def athlete_key(self, gap, who):
        if who not in self.g.athletes:
            return
        self.now += gap
        self.clock_ops += 1 if gap else 0
        self.seen(self.g.tick(self.now))
        before = self.g.state()
        queued = {m.id for m in self.g.queue}
        events = self.g.athlete_key(who, self.now)
        self.seen(events)
        got = [e for e in events if isinstance(e, GroupEvent) and e.kind is GroupKind.ASSIGNED]
        if got:
            mark = got[0]
            assert mark.athlete == who
            self.push(before)
            if mark.mark_id not in queued:
                self.push(before, "direct")  # a direct mark: undo first puts it in the queue

    @rule(who=st.sampled_from(ATHLETES))
    def out(self, who):
        if who not in self.g.athletes:
            return
        before = self.g.state()
        events = self.g.out(who, self.now)
        self.seen(events)
        if any(isinstance(e, GroupEvent) and e.kind is GroupKind.OUT for e in events):
            self.push(before)

    @rule()
    def end_step(self):
        self.clock_ops += 1
        self.seen(self.g.end_step(self.now))

    @rule()
    def pause(self):
        self.clock_ops += 1
        self.seen(self.g.toggle_pause(self.now))

    @precondition(lambda self: self.undo_stack)
    @rule()
    def undo(self):
        expected, ops, kind = self.undo_stack.pop()
        after = self.g.state()
        events = self.g.undo(self.now)
        self.seen(events)
        state = self.g.state()
        if kind == "direct":
            # the athlete's last mark went back to the queue, time kept
            undone = [
                e for e in events if isinstance(e, GroupEvent) and e.kind is GroupKind.UNASSIGNED
            ]
            assert len(undone) == 1
            assert undone[0].mark_id in {m.id for m in state[0]}
            assert undone[0].mark_id not in {m.id for m in after[0]}
            if ops == self.clock_ops:
                assert state[3] == expected[3], "undo reopens the rep the mark ended, exactly"
            self.clock_ops += 1
            return
        if ops == self.clock_ops:
            assert state == expected, "undo restores the exact previous state"
        else:
            assert state[:3] == expected[:3], "undo restores every mark, assignment and out"
        if any(isinstance(e, GroupEvent) and e.kind is GroupKind.REOPENED for e in events):
            self.reopened += 1
        self.clock_ops += 1

    @rule()
    def abort(self):
        self.clock_ops += 1
        self.seen(self.g.abort(self.now))

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def no_mark_lost_or_counted_twice(self):
        held = [m.id for m in self.g.queue]
        for a in self.g.athletes:
            for i in self.g.work_indexes():
                held += [m.id for m in self.g._marks(a, i)]
        assert len(held) == len(set(held)), "a mark is held twice"
        assert set(held) == self.live, "a mark was lost (or one appeared from nowhere)"

    @invariant()
    def splits_sum_to_active_time(self):
        for a in self.g.athletes:
            for i in self.g.work_indexes():
                marks = self.g._marks(a, i)
                rep = self.g.rep(a, i)
                if not marks:
                    assert rep.splits == ()
                    continue
                last = max(marks, key=lambda m: m.offset_s)
                assert math.isclose(sum(rep.splits), last.offset_s, abs_tol=TOL)
                assert math.isclose(sum(rep.splits), self.active(i, last.at), abs_tol=TOL), (
                    "splits sum to the athlete's active time at their last mark"
                )
                assert all(s >= -TOL for s in rep.splits)
                if self.g.schedule.steps[i].is_open:
                    assert len(marks) == 1, "a lap-ended rep has one finish"
                    assert rep.status is RepStatus.FINISHED

    @invariant()
    def everyone_in_ends_a_lap_rep(self):
        step = self.g.timer.current
        if step is None or step.kind != "work" or not step.is_open or self.g.timer.paused:
            return
        present = self.g.present(step.index)
        assert not present or any(not self.g._marks(a, step.index) for a in present), (
            "a lap-ended rep with everyone in is still running"
        )

    @invariant()
    def ended_reps_have_a_status(self):
        for a in self.g.athletes:
            for rep in self.g.athlete_records(a):
                if rep.index in self.step_end and self.g.schedule.steps[rep.index].is_open:
                    assert rep.status is not RepStatus.RUNNING


GroupMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestGroupMachine = GroupMachine.TestCase
