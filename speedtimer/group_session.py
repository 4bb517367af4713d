"""The imperative shell of a coach-mode session: the solo `Session` (clock, cues, voice) with a
squad's marks on top.

The pure `speedtimer.core.group.GroupSession` owns the shared timer, so this shell reads the
timer from it (undo may reopen a rep by putting back an earlier timer). Marks are stamped at
the moment the key arrived, not when the event loop got round to it: the screen passes how
long ago the key was pressed and the mark is placed that much before `now`.

Each athlete's target comes from their own race through the preset's race-derived targets
("5k pace", "I"), or is the preset's absolute one; an athlete without a race gets none for a
race-derived step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from speedtimer.core.group import AthleteRep, GroupEvent, GroupSession, RepStatus
from speedtimer.core.paces import PaceError, Race, parse_race
from speedtimer.core.preset import Preset
from speedtimer.core.schedule import build_schedule
from speedtimer.core.targets import StartChoice, session_preset
from speedtimer.core.timer import Event
from speedtimer.session import Session

MAX_KEY_LAG_S = 1.0  # a key event older than this is stamped "now": the loop was stalled


@dataclass(frozen=True)
class Runner:
    """One athlete of today's group, as the session uses them."""

    name: str
    key: str
    race: Race | None = None
    targets: tuple[float | None, ...] = ()  # per scheduled step: target seconds or None


def runners_for(
    preset: Preset, athletes: Sequence, choice: StartChoice | None = None
) -> tuple[Runner, ...]:
    """Today's runners with their own targets (athletes: anything with name, key and race)."""
    out = []
    for a in athletes:
        race = None
        if getattr(a, "race", ""):
            try:
                race = parse_race(a.race)
            except PaceError:
                race = None
        resolved, _ = session_preset(preset, race, choice)
        steps = build_schedule(resolved).steps
        out.append(Runner(a.name, a.key, race, tuple(s.target_s for s in steps)))
    return tuple(out)


class GroupShell(Session):
    """A `Session` whose timer belongs to a `GroupSession` of today's runners."""

    def __init__(self, preset: Preset, runners: Sequence[Runner], **kwargs) -> None:
        super().__init__(preset, **kwargs)
        self.runners = tuple(runners)
        self.by_key = {r.key: r for r in self.runners}
        self.group = GroupSession(
            self.schedule, [r.name for r in self.runners], get_ready_s=self._get_ready
        )
        self.group_events: list[GroupEvent] = []  # every mark, assignment and undo, in order

    # The group owns the timer; Session.__init__ assigns one, which is only kept for its
    # get-ready length.
    @property
    def timer(self):  # type: ignore[override]
        group = self.__dict__.get("group")
        return group.timer if group is not None else self.__dict__["_solo_timer"]

    @timer.setter
    def timer(self, value) -> None:
        self.__dict__["_solo_timer"] = value

    @property
    def _get_ready(self) -> float:
        return self.__dict__["_solo_timer"].get_ready_s

    # --- operations --------------------------------------------------------------------------

    def start(self) -> list[Event]:
        return self._group_op(self.group.start)

    def tick(self) -> list[Event]:
        now = self.now()
        events = self._split(self.group.tick(now), now)
        self._send_ahead(now)
        return events

    def toggle_pause(self) -> list[Event]:
        return self._group_op(self.group.toggle_pause)

    def skip(self) -> list[Event]:
        """`n`: the coach ends the rep now; those still out did not finish it."""
        return self._group_op(self.group.end_step)

    def abort(self, status: str = "aborted") -> list[Event]:
        self.status = status
        return self._group_op(self.group.abort)

    def mark(self, lag_s: float = 0.0) -> list[Event]:
        return self._group_op(self.group.mark, self._stamp(lag_s))

    def athlete_key(self, key: str, lag_s: float = 0.0) -> list[Event]:
        runner = self.by_key.get(key)
        if runner is None:
            return []
        return self._group_op(
            lambda now: self.group.athlete_key(runner.name, now), self._stamp(lag_s)
        )

    def out(self, key: str) -> list[Event]:
        runner = self.by_key.get(key)
        if runner is None:
            return []
        return self._group_op(lambda now: self.group.out(runner.name, now))

    def undo(self) -> list[Event]:
        return self._group_op(self.group.undo)

    # --- queries -----------------------------------------------------------------------------

    def target(self, runner: Runner, index: int) -> float | None:
        return runner.targets[index] if index < len(runner.targets) else None

    def reps(self, runner: Runner) -> list[AthleteRep]:
        return self.group.athlete_records(runner.name)

    def finished_times(self, runner: Runner) -> list[tuple[int, float | None]]:
        """(step index, time or None for did not finish) of each rep that has ended."""
        out = []
        for rep in self.reps(runner):
            if rep.status is RepStatus.RUNNING:
                continue
            if rep.status is RepStatus.OUT and not rep.splits:
                continue
            out.append((rep.index, rep.time_s))
        return out

    # --- internals ---------------------------------------------------------------------------

    def _stamp(self, lag_s: float) -> float:
        now = self.now()
        lag = min(max(0.0, lag_s), MAX_KEY_LAG_S)
        return now - lag

    def _group_op(self, operation, now: float | None = None) -> list[Event]:
        now = self.now() if now is None else now
        self._withdraw_ahead(now)
        events = self._split(operation(now), now)
        self._send_ahead(now)
        return events

    def _split(self, events, now: float) -> list[Event]:
        timer_events = [e for e in events if isinstance(e, Event)]
        self.group_events += [e for e in events if isinstance(e, GroupEvent)]
        self._handle(timer_events, now)
        return timer_events
