"""The preset model: steps, repeat blocks and presets, their limits and their scalar values.

A preset is a tree of `Step`s and `Repeat` blocks. This module holds that tree, the one list of
step kinds (`KINDS`), the limits every way of making a preset is held to, and the parsing and
formatting of the scalars a preset is written in (durations, paces, clock times). Pure: no
files, no clock. Reading and validating TOML files is speedtimer/formats/preset_toml.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from speedtimer.core.text import describe_value, printable

KINDS = ("warmup", "work", "rest", "cooldown")
CATEGORIES = (
    "intervals",
    "hills",
    "plyometrics",
    "strides",
    "tabata",
    "fartlek",
    "tempo",
    "custom",
)
PRESET_KEYS = ("name", "description", "category", "tags", "countdown", "halfway", "steps")
DEFAULTABLE_KEYS = ("countdown", "halfway")  # the settings file may give their default
STEP_KEYS = (
    "kind",
    "duration",
    "until",
    "label",
    "distance_m",
    "target_pace",
    "target_time",
    "target_text",
    "lap_button",
    "section",
)
BLOCK_KEYS = ("repeat", "skip_last_rest", "steps", "label", "cycle")

# Limits keep a hostile or mistaken file from eating memory or freezing the menu.
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 8
MAX_STEPS = 5000
MAX_REPEAT = 1000
MAX_STEP_SECONDS = 24 * 3600
MAX_TOTAL_SECONDS = 48 * 3600  # the timed steps of the whole session, every repeat counted
MAX_DISTANCE_M = 100_000
MAX_COUNTDOWN = 10
MAX_TEXT = 2000
MAX_TARGET_TEXT = 200  # one line on the run screen: "ramp 60-75% Pace 170-180rpm"


class PresetError(ValueError):
    """A preset problem a user can act on: file, key path and what was expected."""

    def __init__(self, message: str, path: Path | str | None = None, key: str = "") -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.key = key
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = printable(self.path) if self.path else "<preset>"
        if self.key:
            where = f"{where}: {printable(self.key)}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Step:
    kind: str
    label: str
    duration_s: int | None  # None: an open step, ended by the lap key
    distance_m: float | None = None
    pace_s_per_km: float | None = None
    pace_unit: str = "km"  # how the pace was written, so a saved file says it the same way
    # The slow end of a pace range ("3:13-3:18/km"); pace_s_per_km is then the fast end.
    pace_hi_s_per_km: float | None = None
    # A target speedtimer cannot measure (zone, heart rate, %, RPE, cadence, ramp), as written.
    target_text: str = ""
    # Ends on the lap button on a watch too (intervals.icu `press lap`): exporters write it so.
    # A distance step without it is exported as a distance step.
    lap_button: bool = False
    # The section header written above this step (intervals.icu "Warmup", "Main set"); only
    # carried so that exports write it back where it was.
    section: str = ""
    # A race-derived target as written ("5k-2s", "I", "T+5s"): pace_s_per_km is None until
    # speedtimer.core.targets resolves it for the runner's VDOT at session start.
    pace_symbol: str | None = None
    # A rep time for the distance ("400 m in 84 s"); pace_s_per_km is then derived from it.
    target_time_s: float | None = None

    @property
    def pace_mid_s_per_km(self) -> float | None:
        """The pace to plan with: the target, or the middle of a range."""
        if self.pace_s_per_km is None:
            return None
        if self.pace_hi_s_per_km is None:
            return self.pace_s_per_km
        return (self.pace_s_per_km + self.pace_hi_s_per_km) / 2

    @property
    def target_s(self) -> float | None:
        """Time the distance should take: the rep time, else at the target pace (the middle
        of a range)."""
        if self.target_time_s:
            return self.target_time_s
        pace = self.pace_mid_s_per_km
        if self.distance_m and pace:
            return self.distance_m / 1000 * pace
        return None


@dataclass(frozen=True)
class Repeat:
    count: int
    steps: tuple[Step | Repeat, ...]
    skip_last_rest: bool = False
    label: str = ""
    cycle_s: int | None = None  # send-off: an iteration starts every cycle_s (coach mode)


@dataclass(frozen=True)
class Preset:
    name: str
    steps: tuple[Step | Repeat, ...]
    description: str = ""
    category: str = "custom"
    tags: tuple[str, ...] = ()
    countdown: int = 3
    halfway: bool = False
    source: Path | None = None
    bundled: bool = False
    # Keys of DEFAULTABLE_KEYS the file left out: the user's settings may fill them in when
    # presets are loaded for a run, and saving leaves them out again, so a preset never gets
    # somebody's default written into it.
    unset: frozenset[str] = frozenset()

    @property
    def read_only(self) -> bool:
        return self.bundled

    def with_defaults(self, *, countdown: int, halfway: bool) -> Preset:
        """The user's defaults for the keys this preset did not set; set keys stay as they are."""
        changes: dict = {}
        if "countdown" in self.unset:
            changes["countdown"] = countdown
        if "halfway" in self.unset:
            changes["halfway"] = halfway
        return replace(self, **changes) if changes else self


@dataclass(frozen=True)
class BrokenPreset:
    """A file that failed to load; listed in the menu with its error, never hidden."""

    source: Path
    error: PresetError
    name: str = field(default="")

    @property
    def display_name(self) -> str:
        return printable(self.name or self.source.stem)


# --- scalar parsers ------------------------------------------------------------------------

_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
# A unit-less pace ("3:30") is per km, as intervals.icu reads it with metric settings.
_PACE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*(?:/\s*(km|mi))?\s*$")
_PACE_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*(?:/\s*(km|mi))?\s*$")
PACE_EXPECTED = 'a pace like "3:45/km", "6:00/mi", "3:30" (per km) or a range like "3:13-3:18/km"'
MILE_M = 1609.344


def parse_duration(value: object, key: str = "duration", path: Path | str | None = None) -> int:
    """Whole seconds from an int, "m:ss" or "h:mm:ss"."""
    expected = 'whole seconds (e.g. 90) or a time like "1:30" or "1:05:00"'
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PresetError(f"expected {expected}, got {describe_value(value)}", path, key)
    if isinstance(value, int):
        seconds = value
    else:
        text = value.strip()
        # isascii(): str.isdigit() alone accepts "²", which int() then rejects with a crash
        if text.isascii() and text.isdigit():
            seconds = int(text)
        else:
            m = _CLOCK.match(text)
            if not m:
                raise PresetError(f"expected {expected}, got {value!r}", path, key)
            hours = int(m.group(1) or 0)
            minutes, secs = int(m.group(2)), int(m.group(3))
            if secs >= 60 or (m.group(1) is not None and minutes >= 60):
                raise PresetError(f"{value!r} is not a valid time: {expected}", path, key)
            seconds = hours * 3600 + minutes * 60 + secs
    if seconds <= 0:
        raise PresetError(f"duration must be more than zero, got {value!r}", path, key)
    if seconds > MAX_STEP_SECONDS:
        raise PresetError(
            f"duration {value!r} is longer than the 24 hour limit for one step", path, key
        )
    return seconds


def pace_unit_of(value: str) -> str:
    m = _PACE.match(value) or _PACE_RANGE.match(value)
    return (m.group(m.lastindex) if m and m.lastindex in (3, 5) else None) or "km"


def _pace_seconds(minutes: str, seconds: str, value: str, key: str, path) -> int:
    if int(seconds) >= 60:
        raise PresetError(f"expected {PACE_EXPECTED}, got {value!r}", path, key)
    total = int(minutes) * 60 + int(seconds)
    if total <= 0:
        raise PresetError(f"pace must be more than zero, got {value!r}", path, key)
    return total


def _per_km(seconds: float, unit: str | None) -> float:
    return seconds * 1000 / MILE_M if unit == "mi" else float(seconds)


def parse_pace(value: object, key: str = "target_pace", path: Path | str | None = None) -> float:
    """Seconds per kilometre from "3:45/km", "6:02/mi" or a bare "3:30" (per km)."""
    if not isinstance(value, str):
        raise PresetError(f"expected {PACE_EXPECTED}, got {describe_value(value)}", path, key)
    m = _PACE.match(value)
    if not m:
        raise PresetError(f"expected {PACE_EXPECTED}, got {value!r}", path, key)
    return _per_km(_pace_seconds(m.group(1), m.group(2), value, key, path), m.group(3))


def parse_symbolic_pace(value: str, key: str, path: Path | str | None = None) -> str:
    """A race-derived target ("I", "5k-2s", "T+5s") in its canonical spelling."""
    from speedtimer.core.paces import PaceError, parse_symbol

    try:
        return parse_symbol(value, PACE_EXPECTED).text
    except PaceError as exc:
        raise PresetError(str(exc), path, key) from None


_REP_TIME = re.compile(r"^\s*(?:(\d{1,2}):)?(\d{1,5}(?:\.\d)?)\s*s?\s*$")


def parse_target_time(
    value: object, key: str = "target_time", path: Path | str | None = None
) -> float:
    """Seconds for a rep: 84, 84.5, "84s", "1:24", "1:24.5"."""
    expected = 'a rep time like "1:24", "84s" or 84'
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PresetError(f"expected {expected}, got {describe_value(value)}", path, key)
    if isinstance(value, str):
        m = _REP_TIME.match(value)
        if not m or (m.group(1) is not None and float(m.group(2)) >= 60):
            raise PresetError(f"expected {expected}, got {value!r}", path, key)
        seconds = int(m.group(1) or 0) * 60 + float(m.group(2))
    else:
        seconds = float(value)
    if not seconds > 0:
        raise PresetError(f"a rep time must be more than zero, got {value!r}", path, key)
    if seconds > MAX_STEP_SECONDS:
        raise PresetError(f"rep time {value!r} is longer than the 24 hour limit", path, key)
    return round(seconds, 1)


def parse_pace_range(
    value: object, key: str = "target_pace", path: Path | str | None = None
) -> tuple[float, float] | None:
    """(fast, slow) seconds per km from "3:13-3:18/km" (either order), or None if no range."""
    if not isinstance(value, str):
        return None
    m = _PACE_RANGE.match(value)
    if not m:
        return None
    a = _pace_seconds(m.group(1), m.group(2), value, key, path)
    b = _pace_seconds(m.group(3), m.group(4), value, key, path)
    fast, slow = sorted((a, b))
    return _per_km(fast, m.group(5)), _per_km(slow, m.group(5))


def parse_target_pace(
    value: object, key: str = "target_pace", path: Path | str | None = None
) -> tuple[float, float | None, str]:
    """(pace or fast end, slow end or None, unit) of a step's target_pace."""
    bounds = parse_pace_range(value, key, path)
    if bounds is not None:
        fast, slow = bounds
        return fast, (slow if slow != fast else None), pace_unit_of(str(value))
    return parse_pace(value, key, path), None, pace_unit_of(str(value))


# --- clocks and paces as text ------------------------------------------------------------
#
# Every formatter takes any number (or anything else): a value read from an old history file,
# an import, or a computation gone wrong must never crash a screen. Not a finite number shows
# as NO_TIME; beyond CLOCK_LIMIT_S a clock shows as more than the limit.

NO_TIME = "--:--"
CLOCK_LIMIT_S = 10_000 * 3600 - 1  # 9999:59:59, more than a year
PACE_LIMIT_S = 100 * 60 - 1  # 99:59 per km or mile


def finite_seconds(value: object) -> float | None:
    """`value` as a finite float, or None (NaN, infinite, not a number, an int too big)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def format_pace(s_per_km: float, unit: str = "km") -> str:
    """m:ss per km (or mile); "--:--/km" for nothing sensible, ">99:59/km" beyond that."""
    value = finite_seconds(s_per_km)
    if value is None or value <= 0:
        return f"{NO_TIME}/{unit}"
    if value > PACE_LIMIT_S:
        return f">{_pace_text(PACE_LIMIT_S)}/{unit}"
    return f"{_pace_text(round(value))}/{unit}"


def _pace_text(total: int) -> str:
    return f"{total // 60}:{total % 60:02d}"


def format_pace_range(fast: float, slow: float | None = None, unit: str = "km") -> str:
    """ "3:45/km", or a range "3:13–3:18/km" when a slow end is given (and differs once
    rounded); as safe with any value as format_pace."""
    a, b = finite_seconds(fast), finite_seconds(slow)
    if a is None or b is None or min(a, b) <= 0 or max(a, b) > PACE_LIMIT_S:
        return format_pace(fast, unit)
    if round(a) == round(b):
        return format_pace(fast, unit)
    return f"{_pace_text(round(a))}–{_pace_text(round(b))}/{unit}"


def format_clock(seconds: float, *, tenths: bool = False) -> str:
    """m:ss or h:mm:ss; negative values get a leading minus (used for deltas).

    Total: NaN, infinities and non-numbers give "--:--", more than 9999:59:59 gives
    ">9999:59:59" (with its sign)."""
    value = finite_seconds(seconds)
    if value is None:
        return NO_TIME
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value > CLOCK_LIMIT_S:
        return f"{sign}>{_hms(CLOCK_LIMIT_S)}"
    if tenths:
        whole, frac = divmod(round(value * 10), 10)
        return f"{sign}{_hms(whole)}.{frac}"
    return f"{sign}{_hms(round(value))}"


def preset_clock(seconds: float) -> int | str:
    """A duration as a preset file says it: plain seconds below a minute (`45`), else m:ss
    or h:mm:ss, so messages quote "25:00:00", not 90000. Total, like format_clock."""
    value = finite_seconds(seconds)
    if value is not None and 0 <= value < 60 and float(value).is_integer():
        return int(value)
    return format_clock(value if value is not None else float("nan"))


def _hms(total: int) -> str:
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
