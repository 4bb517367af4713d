"""The preset model: steps, repeat blocks and presets, their limits and their scalar values.

A preset is a tree of `Step`s and `Repeat` blocks. This module holds that tree, the one list of
step kinds (`KINDS`), the limits every way of making a preset is held to, and the parsing and
formatting of the scalars a preset is written in (durations, paces, clock times). Pure: no
files, no clock. Reading and validating TOML files is speedtimer/formats/preset_toml.py.
"""

from __future__ import annotations

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
STEP_KEYS = ("kind", "duration", "until", "label", "distance_m", "target_pace", "target_time")
BLOCK_KEYS = ("repeat", "skip_last_rest", "steps", "label")

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
    # A race-derived target as written ("5k-2s", "I", "T+5s"): pace_s_per_km is None until
    # speedtimer.core.targets resolves it for the runner's VDOT at session start.
    pace_symbol: str | None = None
    # A rep time for the distance ("400 m in 84 s"); pace_s_per_km is then derived from it.
    target_time_s: float | None = None

    @property
    def target_s(self) -> float | None:
        """Time the distance should take: the rep time, else at the target pace."""
        if self.target_time_s:
            return self.target_time_s
        if self.distance_m and self.pace_s_per_km:
            return self.distance_m / 1000 * self.pace_s_per_km
        return None


@dataclass(frozen=True)
class Repeat:
    count: int
    steps: tuple[Step | Repeat, ...]
    skip_last_rest: bool = False
    label: str = ""


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
_PACE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*/\s*(km|mi)\s*$")
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
    m = _PACE.match(value)
    return m.group(3) if m else "km"


def parse_pace(value: object, key: str = "target_pace", path: Path | str | None = None) -> float:
    """Seconds per kilometre from "3:45/km" or "6:02/mi"."""
    expected = 'a pace like "3:45/km" or "6:00/mi"'
    if not isinstance(value, str):
        raise PresetError(f"expected {expected}, got {describe_value(value)}", path, key)
    m = _PACE.match(value)
    if not m or int(m.group(2)) >= 60:
        raise PresetError(f"expected {expected}, got {value!r}", path, key)
    seconds = int(m.group(1)) * 60 + int(m.group(2))
    if seconds <= 0:
        raise PresetError(f"pace must be more than zero, got {value!r}", path, key)
    if m.group(3) == "mi":
        return seconds * 1000 / MILE_M
    return float(seconds)


def parse_symbolic_pace(value: str, key: str, path: Path | str | None = None) -> str:
    """A race-derived target ("I", "5k-2s", "T+5s") in its canonical spelling."""
    from speedtimer.core.paces import PaceError, parse_symbol

    try:
        return parse_symbol(value).text
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


def format_pace(s_per_km: float) -> str:
    total = round(s_per_km)
    return f"{total // 60}:{total % 60:02d}/km"


def format_clock(seconds: float, *, tenths: bool = False) -> str:
    """m:ss or h:mm:ss; negative values get a leading minus (used for deltas)."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if tenths:
        whole, frac = divmod(round(seconds * 10), 10)
        return f"{sign}{_hms(whole)}.{frac}"
    return f"{sign}{_hms(round(seconds))}"


def _hms(total: int) -> str:
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
