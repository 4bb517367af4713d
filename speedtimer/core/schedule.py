"""A preset flattened into the ordered list of concrete steps the timer runs.

Screens need to say "Rep 3/8 · Set 1/2" and "Next: Jog back 1:30" without walking the preset
tree, so each scheduled step carries its own rep/set position. The innermost repeat block gives
the rep, the block around it gives the set.

Pure: no I/O, no clock. Part of the functional core (see the import-linter contract).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from speedtimer.core.preset import Preset, Repeat, Step, format_clock, format_pace_range

KIND_NAMES = {
    "warmup": "Warm-up",
    "work": "Work",
    "rest": "Rest",
    "cooldown": "Cool-down",
}


@dataclass(frozen=True)
class ScheduledStep:
    index: int
    kind: str
    label: str
    planned_s: int | None  # None: open step, ends on lap
    distance_m: float | None = None
    pace_s_per_km: float | None = None
    rep: int | None = None  # 1-based
    rep_count: int | None = None
    set: int | None = None
    set_count: int | None = None
    pace_hi_s_per_km: float | None = None  # slow end of a pace range
    target_text: str = ""  # a target speedtimer cannot measure, shown as written
    pace_symbol: str | None = None  # the race-derived target it came from ("5k-2s")
    target_time_s: float | None = None  # a rep time given as such ("400 m in 84 s")
    cycle_s: int | None = None  # in a send-off block: its cycle (coach mode)
    cycle_first: bool = False  # the first step of a send-off iteration: the cycle starts
    cycle_last: bool = False  # the rest that gets what is left of the cycle

    @property
    def is_open(self) -> bool:
        return self.planned_s is None

    @property
    def pace_mid_s_per_km(self) -> float | None:
        if self.pace_s_per_km is None:
            return None
        if self.pace_hi_s_per_km is None:
            return self.pace_s_per_km
        return (self.pace_s_per_km + self.pace_hi_s_per_km) / 2

    @property
    def target_s(self) -> float | None:
        """The time the distance should take: a rep time given as such, else at the target
        pace (the middle of a pace range)."""
        if self.target_time_s:
            return self.target_time_s
        pace = self.pace_mid_s_per_km
        if self.distance_m and pace:
            return self.distance_m / 1000 * pace
        return None

    @property
    def target_range_s(self) -> tuple[float, float] | None:
        """(fastest, slowest) target time for the distance, when the pace is a range."""
        if not self.distance_m or self.pace_s_per_km is None or self.pace_hi_s_per_km is None:
            return None
        km = self.distance_m / 1000
        return km * self.pace_s_per_km, km * self.pace_hi_s_per_km

    @property
    def pace_text(self) -> str:
        """ "3:45/km", "3:13–3:18/km", or "" without a target pace."""
        if self.pace_s_per_km is None:
            return ""
        return format_pace_range(self.pace_s_per_km, self.pace_hi_s_per_km)

    @property
    def target_time_text(self) -> str:
        """ "1:30", "1:17–1:19" for a pace range, or "" without a target time."""
        bounds = self.target_range_s
        if bounds is not None and round(bounds[0]) != round(bounds[1]):
            return f"{format_clock(bounds[0])}–{format_clock(bounds[1])}"
        return format_clock(self.target_s) if self.target_s else ""

    @property
    def targets_text(self) -> str:
        """What the step asks for, as every screen says it: "target 1:17–1:19 (3:13–3:18/km)",
        a timed step's "target 4:30/km", then the targets speedtimer cannot measure, as
        written ("Z3 HR"); "" when it asks for nothing."""
        parts = []
        source = symbol_text(self.pace_symbol) if self.pace_symbol else ""  # "5k pace"
        if self.target_s and self.target_time_s:  # a rep time given as such: no pace to add
            parts.append(f"target {self.target_time_text}")
        elif self.target_s:
            inner = ", ".join(x for x in (self.pace_text, source) if x)
            parts.append(f"target {self.target_time_text} ({inner})")
        elif self.pace_text:
            parts.append(f"target {self.pace_text}" + (f" ({source})" if source else ""))
        elif source:  # from the runner's race, and no race is known
            parts.append(f"{source}: no race set")
        if self.target_text:
            parts.append(self.target_text)
        return " · ".join(parts)

    def delta_s(self, split: float) -> float | None:
        """Split minus target: 0 inside a target range, else the distance to its nearer end."""
        bounds = self.target_range_s
        if bounds is not None:
            fast, slow = bounds
            if split < fast:
                return split - fast
            return max(0.0, split - slow)
        target = self.target_s
        return None if target is None else split - target

    @property
    def estimate_s(self) -> float:
        """Best guess of how long the step takes: planned, else target, else nothing."""
        if self.planned_s is not None:
            return float(self.planned_s)
        return self.target_s or 0.0

    @property
    def title(self) -> str:
        return self.label or KIND_NAMES[self.kind]

    @property
    def position(self) -> str:
        """ "Rep 3/8 · Set 1/2", or "" outside repeat blocks."""
        parts = []
        if self.rep is not None:
            parts.append(f"Rep {self.rep}/{self.rep_count}")
        if self.set is not None:
            parts.append(f"Set {self.set}/{self.set_count}")
        return " · ".join(parts)

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "kind": self.kind,
            "label": self.label,
            "planned_s": self.planned_s,
            "open": self.is_open,
            "rep": self.rep,
            "rep_count": self.rep_count,
            "set": self.set,
            "set_count": self.set_count,
            "distance_m": self.distance_m,
            "target_pace_s_per_km": self.pace_s_per_km,
            "target_pace_hi_s_per_km": self.pace_hi_s_per_km,
            "target_text": self.target_text,
            "target_s": self.target_s,
            "target_pace_symbol": self.pace_symbol,
        }


@dataclass(frozen=True)
class Schedule:
    name: str
    steps: tuple[ScheduledStep, ...]
    countdown: int = 3
    halfway: bool = False

    @property
    def total_planned_s(self) -> int:
        """Sum of the timed steps; open steps have no planned time."""
        return sum(s.planned_s for s in self.steps if s.planned_s is not None)

    @property
    def estimate_s(self) -> float:
        return sum(s.estimate_s for s in self.steps)

    @property
    def totals(self):  # -> speedtimer.core.totals.Totals
        """The session's total as every screen and command says it (see core/totals.py)."""
        from speedtimer.core.totals import session_totals

        return session_totals(self.steps)

    @property
    def last_work_index(self) -> int | None:
        """The index of the session's last work rep, when there is more than one."""
        works = [s.index for s in self.steps if s.kind == "work"]
        return works[-1] if len(works) > 1 else None

    @property
    def work_reps(self) -> int:
        return sum(1 for s in self.steps if s.kind == "work")

    @property
    def work_s(self) -> float:
        return sum(s.estimate_s for s in self.steps if s.kind == "work")

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "steps": [s.to_json() for s in self.steps],
            "total_planned_s": self.total_planned_s,
            "total": self.totals.to_json(),
            "countdown": self.countdown,
            "halfway": self.halfway,
        }


def build_schedule(preset: Preset) -> Schedule:
    flat: list[ScheduledStep] = []
    _expand(preset.steps, flat, levels=())
    return Schedule(
        name=preset.name,
        steps=tuple(flat),
        countdown=preset.countdown,
        halfway=preset.halfway,
    )


def _expand(
    items: tuple[Step | Repeat, ...],
    out: list[ScheduledStep],
    levels: tuple[tuple[int, int, bool], ...],
) -> None:
    """`levels` holds (iteration, count, holds_blocks) of each enclosing block, outermost first.

    A step sitting directly in a block that itself holds blocks (the rest between sets) belongs
    to the set, not to a rep: it gets set = that block's iteration and no rep.
    """
    for item in items:
        if isinstance(item, Step):
            if levels and levels[-1][2]:
                rep, st = (None, None), levels[-1][:2]
            else:
                rep = levels[-1][:2] if levels else (None, None)
                st = levels[-2][:2] if len(levels) > 1 else (None, None)
            out.append(
                ScheduledStep(
                    index=len(out),
                    kind=item.kind,
                    label=item.label,
                    planned_s=item.duration_s,
                    distance_m=item.distance_m,
                    pace_s_per_km=item.pace_s_per_km,
                    rep=rep[0],
                    rep_count=rep[1],
                    set=st[0],
                    set_count=st[1],
                    pace_hi_s_per_km=item.pace_hi_s_per_km,
                    target_text=item.target_text,
                    pace_symbol=item.pace_symbol,
                    target_time_s=item.target_time_s,
                )
            )
            continue
        holds_blocks = any(isinstance(i, Repeat) for i in item.steps)
        for i in range(1, item.count + 1):
            start = len(out)
            _expand(item.steps, out, levels + ((i, item.count, holds_blocks),))
            if item.cycle_s:
                _send_off(out, start, item.cycle_s)
            if item.skip_last_rest and i == item.count:
                # Trailing rest of the final iteration as run, also when it comes from a
                # nested block (3 x [4 x [work, rest]] ends on work, not on a jog).
                while len(out) > start and out[-1].kind == "rest":
                    out.pop()


def _send_off(out: list[ScheduledStep], start: int, cycle: int) -> None:
    """Mark one iteration of a send-off block; add a rest if it has none to absorb the cycle."""
    rests = [i for i in range(start, len(out)) if out[i].kind == "rest"]
    if not rests:
        last = out[-1]
        out.append(
            replace(
                last,
                index=len(out),
                kind="rest",
                label="Send-off",
                planned_s=cycle,
                distance_m=None,
                pace_s_per_km=None,
                pace_symbol=None,
                target_time_s=None,
            )
        )
        rests = [len(out) - 1]
    for i in range(start, len(out)):
        out[i] = replace(out[i], cycle_s=cycle, cycle_first=i == start, cycle_last=i == rests[-1])


def symbol_text(symbol: str) -> str:
    """ "5k-2s" -> "5k pace -2s", "I" -> "I pace": how a screen names a race-derived target."""
    for i, ch in enumerate(symbol):
        if ch in "+-" and i:
            return f"{symbol[:i]} pace {symbol[i:]}"
    return f"{symbol} pace"


def totals_line(preset: Preset) -> str:
    """The one totals line the menu and the editor show for a preset."""
    from speedtimer.core.totals import totals_text

    sched = build_schedule(preset)
    return totals_text(sched.totals.label, sched.work_reps, sched.work_s)


def outline(preset: Preset) -> str:
    """One readable line: warm-up 10:00 · 8 x [400 m @ 3:45/km, lap · jog 1:30] · cool-down 10:00"""
    return " · ".join(_outline_item(i) for i in preset.steps)


def _drops_last_rest(block: Repeat) -> bool:
    """The block's last time through runs without the rest it ends on (skip_last_rest), so
    the outline must say so: "8 x [Sprint 0:15 · Walk back 1:45]" alone reads 1:45 too long."""
    if not block.skip_last_rest:
        return False
    once: list[ScheduledStep] = []
    _expand(block.steps, once, levels=((1, 1, False),))  # the last time through, before the cut
    return bool(once) and once[-1].kind == "rest"


def _outline_item(item: Step | Repeat) -> str:
    if isinstance(item, Repeat):
        inner = " · ".join(_outline_item(i) for i in item.steps)
        text = f"{item.count} x [{inner}]"
        return text + " (no rest after the last)" if _drops_last_rest(item) else text
    name = item.label or KIND_NAMES[item.kind].lower()
    if item.distance_m:
        dist = f"{item.distance_m:g} m"
        if item.target_time_s:
            dist += f" in {format_clock(item.target_time_s, tenths=item.target_time_s % 1 != 0)}"
        elif item.pace_symbol:
            dist += f" @ {symbol_text(item.pace_symbol)}"
        elif item.pace_s_per_km:
            dist += f" @ {format_pace_range(item.pace_s_per_km, item.pace_hi_s_per_km)}"
        name = dist
    elif item.pace_symbol:
        name += f" @ {symbol_text(item.pace_symbol)}"
    elif item.pace_s_per_km:
        name += f" @ {format_pace_range(item.pace_s_per_km, item.pace_hi_s_per_km)}"
    when = format_clock(item.duration_s) if item.duration_s else "lap"
    return f"{name} {when}" if item.duration_s else f"{name}, lap"
