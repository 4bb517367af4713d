"""Targets as a session runs them: a preset's symbolic paces resolved for the runner's race,
or one target the runner chose at start for every work rep.

A preset keeps what its author wrote ("5k-2s", "I"); the session, the history and the exports
use the absolute pace this module puts beside it for the VDOT in effect. Resolution happens
once, at session start, so a session keeps the targets it was run with whatever the runner's
race becomes later.

Pure: presets in, presets out; no clock, no files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from speedtimer.core.paces import (
    RACE_EXAMPLE,
    PaceError,
    Race,
    parse_race,
    parse_symbol,
    resolve_symbol,
)
from speedtimer.core.preset import (
    Preset,
    PresetError,
    Repeat,
    Step,
    format_pace,
    parse_pace,
    parse_target_time,
)


def has_symbolic_targets(preset: Preset) -> bool:
    return any(s.pace_symbol for s in _leaves(preset.steps))


def _leaves(items: tuple[Step | Repeat, ...]):
    for item in items:
        if isinstance(item, Repeat):
            yield from _leaves(item.steps)
        else:
            yield item


def _map_steps(items: tuple[Step | Repeat, ...], fn) -> tuple[Step | Repeat, ...]:
    out: list[Step | Repeat] = []
    for item in items:
        if isinstance(item, Repeat):
            out.append(replace(item, steps=_map_steps(item.steps, fn)))
        else:
            out.append(fn(item))
    return tuple(out)


def resolve_targets(preset: Preset, vdot: float | None) -> Preset:
    """The preset with each symbolic target given its pace at `vdot`.

    With no VDOT (no race known) symbolic steps keep no pace: the session shows no target for
    them rather than a made-up one. The symbol stays on the step, so screens can say "5k pace".
    """

    def resolve(step: Step) -> Step:
        if not step.pace_symbol:
            return step
        if vdot is None:
            return replace(step, pace_s_per_km=None, pace_hi_s_per_km=None)
        # E is a range (its fast and slow ends); every other symbol is one pace
        fast, slow = resolve_symbol(parse_symbol(step.pace_symbol), vdot)
        return replace(step, pace_s_per_km=fast, pace_hi_s_per_km=slow if slow != fast else None)

    return replace(preset, steps=_map_steps(preset.steps, resolve))


@dataclass(frozen=True)
class StartChoice:
    """What the runner chose for one session: a race, a pace or a rep time for every work rep."""

    race: Race | None = None
    pace_s_per_km: float | None = None
    rep_time_s: float | None = None
    pace_unit: str = "km"

    @property
    def text(self) -> str:
        if self.race is not None:
            return f"race {self.race.text}"
        if self.rep_time_s is not None:
            return f"every work rep in {self.rep_time_s:g}s"
        if self.pace_s_per_km is not None:
            return f"every work rep at {format_pace(self.pace_s_per_km)}"
        return ""


_LOOKS_TIME = re.compile(r"^\s*(?:\d{1,2}:)?\d{1,5}(?:\.\d)?\s*s?\s*$")
CHOICE_EXAMPLE = f'a pace like "3:40/km", a rep time like "84s" or a race like {RACE_EXAMPLE}'


def parse_start_choice(text: str) -> StartChoice:
    """ "3:40/km" or "6:00/mi" (pace), "84s" or "1:24" (rep time), "5k 19:30" (race)."""
    raw = text.strip()
    if not raw:
        raise PaceError(f"expected {CHOICE_EXAMPLE}")
    if "/" in raw:
        try:
            pace = parse_pace(raw, "target")
        except PresetError as exc:
            raise PaceError(exc.message) from None
        unit = "mi" if raw.rstrip().endswith("mi") else "km"
        return StartChoice(pace_s_per_km=pace, pace_unit=unit)
    if _LOOKS_TIME.match(raw):
        try:
            return StartChoice(rep_time_s=parse_target_time(raw, "target"))
        except PresetError as exc:
            raise PaceError(exc.message) from None
    if " " in raw:
        return StartChoice(race=parse_race(raw))
    raise PaceError(f"{raw!r} is not a target: expected {CHOICE_EXAMPLE}")


def choice_problem(preset: Preset, choice: StartChoice | None) -> str:
    """Why a chosen pace or rep time changes nothing in this preset, or "" when it applies."""
    if choice is None or (choice.pace_s_per_km is None and choice.rep_time_s is None):
        return ""
    if any(s.kind == "work" and s.distance_m for s in _leaves(preset.steps)):
        return ""
    return (
        f"{choice.text} changes nothing in {preset.name!r}: a target goes on work reps with a "
        "distance (distance_m), and it has none"
    )


def apply_choice(preset: Preset, choice: StartChoice) -> Preset:
    """One target for every work rep with a distance (a race choice changes nothing here: the
    caller resolves the preset for that race's VDOT)."""
    if choice.pace_s_per_km is None and choice.rep_time_s is None:
        return preset

    def apply(step: Step) -> Step:
        if step.kind != "work" or not step.distance_m:
            return step
        if choice.rep_time_s is not None:
            return replace(
                step,
                target_time_s=choice.rep_time_s,
                pace_s_per_km=choice.rep_time_s / step.distance_m * 1000,
                pace_hi_s_per_km=None,
                pace_symbol=None,
            )
        return replace(
            step,
            pace_s_per_km=choice.pace_s_per_km,
            pace_hi_s_per_km=None,
            pace_unit=choice.pace_unit,
            target_time_s=None,
            pace_symbol=None,
        )

    return replace(preset, steps=_map_steps(preset.steps, apply))


def session_preset(
    preset: Preset, race: Race | None, choice: StartChoice | None = None
) -> tuple[Preset, Race | None]:
    """The preset as this session runs it and the race in effect (a chosen race wins)."""
    if choice is not None and choice.race is not None:
        race = choice.race
    resolved = resolve_targets(preset, race.vdot if race is not None else None)
    if choice is not None:
        resolved = apply_choice(resolved, choice)
    return resolved, race
