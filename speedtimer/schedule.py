"""A preset flattened into the ordered list of concrete steps the timer runs.

Screens need to say "Rep 3/8 · Set 1/2" and "Next: Jog back 1:30" without walking the preset
tree, so each scheduled step carries its own rep/set position. The innermost repeat block gives
the rep, the block around it gives the set.

Pure: no I/O, no clock. Part of the functional core (see the import-linter contract).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from speedtimer.preset import Preset, Repeat, Step, format_clock, format_pace

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
    pace_symbol: str | None = None  # the race-derived target it came from ("5k-2s")
    target_time_s: float | None = None  # a rep time given as such ("400 m in 84 s")
    cycle_s: int | None = None  # in a send-off block: its cycle (coach mode)
    cycle_first: bool = False  # the first step of a send-off iteration: the cycle starts
    cycle_last: bool = False  # the rest that gets what is left of the cycle

    @property
    def is_open(self) -> bool:
        return self.planned_s is None

    @property
    def target_s(self) -> float | None:
        if self.target_time_s:
            return self.target_time_s
        if self.distance_m and self.pace_s_per_km:
            return self.distance_m / 1000 * self.pace_s_per_km
        return None

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


def target_text(step: ScheduledStep) -> str:
    """The target as a screen shows it: "1:32 (3:50/km, 5k pace)", "1:24", or "" for none."""
    if not step.target_s:
        return ""
    parts = []
    if step.pace_s_per_km and not step.target_time_s:
        parts.append(format_pace(step.pace_s_per_km))
    if step.pace_symbol:
        parts.append(symbol_text(step.pace_symbol))
    extra = f" ({', '.join(parts)})" if parts else ""
    return f"{format_clock(step.target_s)}{extra}"


def outline(preset: Preset) -> str:
    """One readable line: warm-up 10:00 · 8 x [400 m @ 3:45/km, lap · jog 1:30] · cool-down 10:00"""
    return " · ".join(_outline_item(i) for i in preset.steps)


def _outline_item(item: Step | Repeat) -> str:
    if isinstance(item, Repeat):
        inner = " · ".join(_outline_item(i) for i in item.steps)
        return f"{item.count} x [{inner}]"
    name = item.label or KIND_NAMES[item.kind].lower()
    if item.distance_m:
        dist = f"{item.distance_m:g} m"
        if item.target_time_s:
            dist += f" in {format_clock(item.target_time_s, tenths=item.target_time_s % 1 != 0)}"
        elif item.pace_symbol:
            dist += f" @ {symbol_text(item.pace_symbol)}"
        elif item.pace_s_per_km:
            dist += f" @ {format_pace(item.pace_s_per_km)}"
        name = dist
    when = format_clock(item.duration_s) if item.duration_s else "lap"
    return f"{name} {when}" if item.duration_s else f"{name}, lap"
