"""The preset file format: TOML in, validated `Preset` trees out.

Presets are written by hand, so every error must say which file, which key (as a path like
`steps[1].steps[0].duration`) and what was expected. Loading a folder never fails as a whole:
each file is either a `Preset` or a `BrokenPreset` carrying its message.

The format is documented for users in presets/README.md; keep the two in step.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from speedtimer.bounded_read import FileRefused, read_regular_file
from speedtimer.terminal_text import control_char_problem, printable

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
_PACE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*/\s*(km|mi)\s*$")
MILE_M = 1609.344


def parse_duration(value: object, key: str = "duration", path: Path | str | None = None) -> int:
    """Whole seconds from an int, "m:ss" or "h:mm:ss"."""
    expected = 'whole seconds (e.g. 90) or a time like "1:30" or "1:05:00"'
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PresetError(f"expected {expected}, got {_describe(value)}", path, key)
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
        raise PresetError(f"expected {expected}, got {_describe(value)}", path, key)
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
        raise PresetError(f"expected {expected}, got {_describe(value)}", path, key)
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


def _describe(value: object) -> str:
    kind = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} ({text})"


# --- tree validation -----------------------------------------------------------------------


class _Validator:
    def __init__(self, path: Path | str | None) -> None:
        self.path = path
        self.leaf_count = 0
        self.seconds = 0  # timed steps so far, repeats multiplied out

    def err(self, key: str, message: str) -> PresetError:
        return PresetError(message, self.path, key)

    def unknown_keys(self, table: dict, allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                extra = f"did you mean {hint[0]!r}? " if hint else ""
                raise self.err(
                    _join(prefix, _key_text(key)),
                    f"unknown key {key!r}; {extra}allowed here: {', '.join(allowed)}",
                )

    def text(self, table: dict, key: str, prefix: str, default: str = "") -> str:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, str):
            raise self.err(_join(prefix, key), f"expected a string, got {_describe(value)}")
        self.check_text(value, _join(prefix, key), allowed="\n\t" if key == "description" else "")
        return value

    def check_text(self, value: str, key: str, allowed: str = "") -> None:
        if len(value) > MAX_TEXT:
            raise self.err(key, f"is longer than {MAX_TEXT} characters")
        problem = control_char_problem(value, allowed)
        if problem:
            raise self.err(key, problem)

    def preset(self, data: dict) -> Preset:
        self.unknown_keys(data, PRESET_KEYS, "")
        if "name" not in data:
            raise self.err("name", 'missing: every preset needs a name, e.g. name = "8 x 400 m"')
        name = self.text(data, "name", "").strip()
        if not name:
            raise self.err("name", "must not be empty")
        description = self.text(data, "description", "")
        category = self.text(data, "category", "", "custom")
        if category not in CATEGORIES:
            raise self.err("category", f"expected one of {', '.join(CATEGORIES)}; got {category!r}")
        tags_raw = data.get("tags", [])
        if not isinstance(tags_raw, list) or not all(isinstance(t, str) for t in tags_raw):
            raise self.err("tags", f"expected a list of strings, got {_describe(tags_raw)}")
        for i, tag in enumerate(tags_raw):
            self.check_text(tag, f"tags[{i}]")
        countdown = data.get("countdown", 3)
        if isinstance(countdown, bool) or not isinstance(countdown, int):
            raise self.err("countdown", f"expected an integer 0-10, got {_describe(countdown)}")
        if not 0 <= countdown <= MAX_COUNTDOWN:
            raise self.err("countdown", f"expected an integer 0-10, got {countdown}")
        halfway = data.get("halfway", False)
        if not isinstance(halfway, bool):
            raise self.err("halfway", f"expected true or false, got {_describe(halfway)}")
        if "steps" not in data:
            raise self.err("steps", "missing: a preset needs at least one [[steps]] table")
        steps = self.step_list(data["steps"], "steps", 0)  # depth = blocks around a list
        return Preset(
            name=name,
            description=description,
            category=category,
            tags=tuple(tags_raw),
            countdown=countdown,
            halfway=halfway,
            steps=steps,
            unset=frozenset(k for k in DEFAULTABLE_KEYS if k not in data),
        )

    def step_list(self, raw: object, prefix: str, depth: int) -> tuple[Step | Repeat, ...]:
        if depth > MAX_DEPTH:
            raise self.err(prefix, f"repeat blocks nest deeper than the limit of {MAX_DEPTH}")
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            raise self.err(
                prefix, f"expected a list of tables ([[{prefix}]]), got {_describe(raw)}"
            )
        if not raw:
            raise self.err(prefix, "is empty: expected at least one step")
        return tuple(self.item(t, f"{prefix}[{i}]", depth) for i, t in enumerate(raw))

    def item(self, table: dict, prefix: str, depth: int) -> Step | Repeat:
        if "repeat" in table or "steps" in table:
            return self.block(table, prefix, depth)
        return self.step(table, prefix)

    def block(self, table: dict, prefix: str, depth: int) -> Repeat:
        self.unknown_keys(table, BLOCK_KEYS, prefix)
        if "repeat" not in table:
            raise self.err(
                _join(prefix, "repeat"), "missing: a block with steps needs repeat = N (N >= 1)"
            )
        count = table["repeat"]
        if isinstance(count, bool) or not isinstance(count, int):
            raise self.err(
                _join(prefix, "repeat"), f"expected an integer >= 1, got {_describe(count)}"
            )
        if not 1 <= count <= MAX_REPEAT:
            raise self.err(_join(prefix, "repeat"), f"expected 1 to {MAX_REPEAT}, got {count}")
        skip = table.get("skip_last_rest", False)
        if not isinstance(skip, bool):
            raise self.err(
                _join(prefix, "skip_last_rest"), f"expected true or false, got {_describe(skip)}"
            )
        if "steps" not in table:
            raise self.err(_join(prefix, "steps"), "missing: a repeat block needs [[...steps]]")
        before, before_s = self.leaf_count, self.seconds
        steps = self.step_list(table["steps"], _join(prefix, "steps"), depth + 1)
        self.leaf_count = before + (self.leaf_count - before) * count
        self.seconds = before_s + (self.seconds - before_s) * count
        self._check_total(prefix)
        cycle = self.cycle(table, steps, prefix)
        return Repeat(
            count=count,
            steps=steps,
            skip_last_rest=skip,
            label=self.text(table, "label", prefix),
            cycle_s=cycle,
        )

    def cycle(self, table: dict, steps: tuple[Step | Repeat, ...], prefix: str) -> int | None:
        """`cycle = "3:00"`: a send-off, every iteration starts 3:00 after the one before."""
        if "cycle" not in table:
            return None
        key = _join(prefix, "cycle")
        cycle = parse_duration(table["cycle"], key, self.path)
        if any(isinstance(s, Repeat) for s in steps):
            raise self.err(key, "a send-off block holds steps only, not other blocks")
        fixed = sum(s.duration_s or 0 for s in steps if isinstance(s, Step) and s.kind != "rest")
        if fixed >= cycle:
            raise self.err(
                key, f"the timed steps take {fixed} s, as long as the cycle or longer: no rest left"
            )
        return cycle

    def step(self, table: dict, prefix: str) -> Step:
        self.unknown_keys(table, STEP_KEYS, prefix)
        if "kind" not in table:
            raise self.err(_join(prefix, "kind"), f"missing: expected one of {', '.join(KINDS)}")
        kind = table["kind"]
        if kind not in KINDS:
            raise self.err(
                _join(prefix, "kind"), f"expected one of {', '.join(KINDS)}; got {kind!r}"
            )
        has_duration, has_until = "duration" in table, "until" in table
        if has_duration and has_until:
            raise self.err(
                prefix, "has both duration and until: a step is either timed or lap-ended"
            )
        if not has_duration and not has_until:
            raise self.err(
                prefix, 'needs duration (e.g. duration = "1:30") or until = "lap" for an open step'
            )
        duration: int | None = None
        if has_duration:
            duration = parse_duration(table["duration"], _join(prefix, "duration"), self.path)
        elif table["until"] != "lap":
            raise self.err(
                _join(prefix, "until"), f'expected "lap", got {_describe(table["until"])}'
            )
        distance = None
        if "distance_m" in table:
            distance = table["distance_m"]
            if isinstance(distance, bool) or not isinstance(distance, int | float):
                raise self.err(
                    _join(prefix, "distance_m"),
                    f"expected metres as a number, got {_describe(distance)}",
                )
            if not 0 < distance <= MAX_DISTANCE_M:
                raise self.err(
                    _join(prefix, "distance_m"),
                    f"expected more than 0 and at most {MAX_DISTANCE_M}",
                )
            distance = float(distance)
        pace, pace_unit = None, "km"
        symbol = None
        if "target_pace" in table:
            raw = table["target_pace"]
            key = _join(prefix, "target_pace")
            if isinstance(raw, str) and ":" not in raw:
                symbol = parse_symbolic_pace(raw, key, self.path)
            else:
                pace = parse_pace(raw, key, self.path)
                pace_unit = pace_unit_of(raw)
            if distance is None:
                raise self.err(key, "needs distance_m too, to give a target time")
        target_time = None
        if "target_time" in table:
            key = _join(prefix, "target_time")
            if "target_pace" in table:
                raise self.err(key, "give target_pace or target_time, not both")
            target_time = parse_target_time(table["target_time"], key, self.path)
            if distance is None:
                raise self.err(key, "needs distance_m too: a rep time is for a distance")
            pace = target_time / distance * 1000
        label = self.text(table, "label", prefix)
        self.leaf_count += 1
        self.seconds += duration or 0
        self._check_total(prefix)
        return Step(
            kind=kind,
            label=label,
            duration_s=duration,
            distance_m=distance,
            pace_s_per_km=pace,
            pace_unit=pace_unit,
            pace_symbol=symbol,
            target_time_s=target_time,
        )

    def _check_total(self, prefix: str) -> None:
        if self.leaf_count > MAX_STEPS:
            raise self.err(prefix, f"the preset expands to more than {MAX_STEPS} steps")
        if self.seconds > MAX_TOTAL_SECONDS:
            raise self.err(
                prefix,
                f"the timed steps add up to more than {MAX_TOTAL_SECONDS // 3600} hours "
                "(every repeat counted)",
            )


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key_text(key: str) -> str:
    """A key as TOML writes it in a dotted path: bare, or quoted (`""`, `"ste ps"`)."""
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def preset_from_dict(
    data: dict, path: Path | str | None = None, *, bundled: bool = False
) -> Preset:
    from speedtimer.schedule import build_schedule  # schedule imports this module

    preset = _Validator(path).preset(data)
    if not build_schedule(preset).steps:
        raise PresetError(
            "nothing left to run: skip_last_rest removes every step of this preset",
            path,
            "steps",
        )
    source = Path(path) if path is not None else None
    return replace(preset, source=source, bundled=bundled)


def parse_preset(text: str, path: Path | str | None = None, *, bundled: bool = False) -> Preset:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"TOML syntax error: {exc}", path) from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise PresetError("TOML nests arrays or tables too deeply to read", path) from None
    except ValueError:  # int() refuses a number of more than 4300 digits
        raise PresetError("TOML value cannot be read: a number has too many digits", path) from None
    return preset_from_dict(data, path, bundled=bundled)


def load_preset(path: Path | str, *, bundled: bool = False) -> Preset:
    path = Path(path)
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES, "presets")
    except FileRefused as exc:
        raise PresetError(str(exc), path) from None
    except OSError as exc:
        raise PresetError(f"cannot read file: {exc.strerror or exc}", path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PresetError(
            f"not UTF-8 text (byte {exc.start}): is this a TOML file?", path
        ) from None
    return parse_preset(text, path, bundled=bundled)


def _guess_name(path: Path) -> str:
    """A broken file's own name = "..." line, if it has one, so the menu can show it."""
    try:
        if not path.is_file():  # opening a FIFO would wait for a writer
            return ""
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", "replace")
    except OSError:
        return ""
    m = re.search(r'^\s*name\s*=\s*"([^"\n]{1,80})"', head, re.MULTILINE)
    return printable(m.group(1)) if m else ""


def load_folder(folder: Path, *, bundled: bool = False) -> list[Preset | BrokenPreset]:
    """Every *.toml in a folder, sorted by file name; a bad file becomes a BrokenPreset."""
    results: list[Preset | BrokenPreset] = []
    try:
        files = sorted(
            p for p in folder.iterdir() if p.suffix == ".toml" and not p.name.startswith(".")
        )
    except (OSError, ValueError):  # ValueError: a NUL in the folder's name
        return results
    for path in files:
        try:
            results.append(load_preset(path, bundled=bundled))
        except PresetError as exc:
            results.append(BrokenPreset(source=path, error=exc, name=_guess_name(path)))
    return results
