"""Presets as files: TOML text in, validated `Preset` trees out, and whole folders read.

Presets are written by hand, so every error must say which file, which key (as a path like
`steps[1].steps[0].duration`) and what was expected. Loading a folder never fails as a whole:
each file is either a `Preset` or a `BrokenPreset` carrying its message. Every way of making a
preset (this file format, the quick grammar, intervals.icu text, the editor) goes through the
one validator here, `preset_from_dict`.

The format is documented for users in presets/README.md; keep the two in step. The model it
builds lives in speedtimer/core/preset.py.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import replace
from pathlib import Path

from speedtimer.core.preset import (
    BLOCK_KEYS,
    CATEGORIES,
    DEFAULTABLE_KEYS,
    KINDS,
    MAX_COUNTDOWN,
    MAX_DEPTH,
    MAX_DISTANCE_M,
    MAX_FILE_BYTES,
    MAX_REPEAT,
    MAX_STEPS,
    MAX_TARGET_TEXT,
    MAX_TEXT,
    MAX_TOTAL_SECONDS,
    PRESET_KEYS,
    STEP_KEYS,
    BrokenPreset,
    Preset,
    PresetError,
    Repeat,
    Step,
    parse_duration,
    parse_symbolic_pace,
    parse_target_pace,
    parse_target_time,
)
from speedtimer.core.schedule import build_schedule
from speedtimer.core.text import control_char_problem, describe_value, printable
from speedtimer.files import FileRefused, read_regular_file

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
            raise self.err(_join(prefix, key), f"expected a string, got {describe_value(value)}")
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
            raise self.err("tags", f"expected a list of strings, got {describe_value(tags_raw)}")
        for i, tag in enumerate(tags_raw):
            self.check_text(tag, f"tags[{i}]")
        countdown = data.get("countdown", 3)
        if isinstance(countdown, bool) or not isinstance(countdown, int):
            raise self.err(
                "countdown", f"expected an integer 0-10, got {describe_value(countdown)}"
            )
        if not 0 <= countdown <= MAX_COUNTDOWN:
            raise self.err("countdown", f"expected an integer 0-10, got {countdown}")
        halfway = data.get("halfway", False)
        if not isinstance(halfway, bool):
            raise self.err("halfway", f"expected true or false, got {describe_value(halfway)}")
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
                prefix, f"expected a list of tables ([[{prefix}]]), got {describe_value(raw)}"
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
                _join(prefix, "repeat"), f"expected an integer >= 1, got {describe_value(count)}"
            )
        if not 1 <= count <= MAX_REPEAT:
            raise self.err(_join(prefix, "repeat"), f"expected 1 to {MAX_REPEAT}, got {count}")
        skip = table.get("skip_last_rest", False)
        if not isinstance(skip, bool):
            raise self.err(
                _join(prefix, "skip_last_rest"),
                f"expected true or false, got {describe_value(skip)}",
            )
        if "steps" not in table:
            raise self.err(_join(prefix, "steps"), "missing: a repeat block needs [[...steps]]")
        before, before_s = self.leaf_count, self.seconds
        steps = self.step_list(table["steps"], _join(prefix, "steps"), depth + 1)
        self.leaf_count = before + (self.leaf_count - before) * count
        self.seconds = before_s + (self.seconds - before_s) * count
        self._check_total(prefix)
        return Repeat(
            count=count,
            steps=steps,
            skip_last_rest=skip,
            label=self.text(table, "label", prefix),
            cycle_s=self.cycle(table, steps, prefix),
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
                _join(prefix, "until"), f'expected "lap", got {describe_value(table["until"])}'
            )
        distance = None
        if "distance_m" in table:
            distance = table["distance_m"]
            if isinstance(distance, bool) or not isinstance(distance, int | float):
                raise self.err(
                    _join(prefix, "distance_m"),
                    f"expected metres as a number, got {describe_value(distance)}",
                )
            if not 0 < distance <= MAX_DISTANCE_M:
                raise self.err(
                    _join(prefix, "distance_m"),
                    f"expected more than 0 and at most {MAX_DISTANCE_M}",
                )
            distance = float(distance)
        pace, pace_hi, pace_unit = None, None, "km"
        symbol = None
        if "target_pace" in table:
            raw = table["target_pace"]
            key = _join(prefix, "target_pace")
            if isinstance(raw, str) and ":" not in raw:  # "I", "5k-2s": from the runner's race
                symbol = parse_symbolic_pace(raw, key, self.path)
            else:
                pace, pace_hi, pace_unit = parse_target_pace(raw, key, self.path)
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
        target_text = self.one_line(table, "target_text", prefix, MAX_TARGET_TEXT)
        section = self.one_line(table, "section", prefix, MAX_TARGET_TEXT)
        lap_button = table.get("lap_button", False)
        if not isinstance(lap_button, bool):
            raise self.err(
                _join(prefix, "lap_button"),
                f"expected true or false, got {describe_value(lap_button)}",
            )
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
            pace_hi_s_per_km=pace_hi,
            target_text=target_text,
            lap_button=lap_button,
            section=section,
            pace_symbol=symbol,
            target_time_s=target_time,
        )

    def one_line(self, table: dict, key: str, prefix: str, limit: int) -> str:
        """A short one-line text (target_text, section), stripped."""
        value = self.text(table, key, prefix).strip()
        if len(value) > limit:
            raise self.err(_join(prefix, key), f"is longer than {limit} characters")
        return value

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
