"""Writing presets back to TOML: the inverse of `preset.py`, for the editor, imports and
`presets new`.

A saved file must load back to the very same schedule, so every value is written in the
form the loader reads without loss (durations as whole seconds or m:ss, paces in the unit
they were given). Files are only ever written inside the folder asked for, under a name
made from the preset's name that cannot climb out of it, and atomically, so a crash never
leaves half a preset behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomli_w

from speedtimer.core.preset import MILE_M, Preset, Repeat, Step, preset_clock
from speedtimer.core.text import safe_stem
from speedtimer.files import atomic_write
from speedtimer.formats.preset_toml import parse_preset


class SaveError(OSError):
    """A preset could not be written; the message names the file and why."""


def _clock(seconds: int) -> str | int:
    """Short durations stay plain seconds (`45`); longer ones read better as m:ss."""
    return preset_clock(seconds)


def format_target_pace(step: Step) -> str | None:
    """The pace as the file had it: per mile when it was given per mile, else per km; a range
    as "fast-slow"."""
    if step.pace_s_per_km is None:
        return None
    ends = [step.pace_s_per_km]
    if step.pace_hi_s_per_km is not None:
        ends.append(step.pace_hi_s_per_km)
    scale = MILE_M / 1000 if step.pace_unit == "mi" else 1.0
    unit = "mi" if step.pace_unit == "mi" else "km"
    texts = []
    for end in ends:
        total = round(end * scale)
        texts.append(f"{total // 60}:{total % 60:02d}")
    if len(texts) == 2 and texts[0] == texts[1]:
        texts.pop()
    return "-".join(texts) + f"/{unit}"


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def step_to_dict(item: Step | Repeat) -> dict[str, Any]:
    if isinstance(item, Repeat):
        d: dict[str, Any] = {"repeat": item.count}
        if item.skip_last_rest:
            d["skip_last_rest"] = True
        if item.label:
            d["label"] = item.label
        if item.cycle_s:
            d["cycle"] = preset_clock(item.cycle_s)
        d["steps"] = [step_to_dict(s) for s in item.steps]
        return d
    d = {"kind": item.kind}
    if item.label:
        d["label"] = item.label
    if item.duration_s is None:
        d["until"] = "lap"
    else:
        d["duration"] = _clock(item.duration_s)
    if item.distance_m is not None:
        d["distance_m"] = _number(item.distance_m)
    if item.target_time_s is not None:
        d["target_time"] = format_rep_time(item.target_time_s)
    elif item.pace_symbol is not None:
        d["target_pace"] = item.pace_symbol
    else:
        pace = format_target_pace(item)
        if pace is not None:
            d["target_pace"] = pace
    if item.target_text:
        d["target_text"] = item.target_text
    if item.lap_button:
        d["lap_button"] = True
    if item.section:
        d["section"] = item.section
    return d


def format_rep_time(seconds: float) -> str:
    """A rep time as a coach writes it: "84s" under a minute, else "1:24" (tenths kept)."""
    whole = float(seconds).is_integer()
    if seconds < 60:
        return f"{seconds:g}s"
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{int(s):02d}" if whole else f"{int(m)}:{s:04.1f}"


def preset_to_dict(preset: Preset) -> dict[str, Any]:
    d: dict[str, Any] = {"name": preset.name}
    if preset.description:
        d["description"] = preset.description
    d["category"] = preset.category
    if preset.tags:
        d["tags"] = list(preset.tags)
    # A key the file left out stays out: the value in memory may be the user's settings
    # default (see Preset.with_defaults), which must not be written into the preset.
    if "countdown" not in preset.unset:
        d["countdown"] = preset.countdown
    if "halfway" not in preset.unset:
        d["halfway"] = preset.halfway
    d["steps"] = [step_to_dict(s) for s in preset.steps]
    return d


def preset_to_toml(preset: Preset) -> str:
    text = tomli_w.dumps(preset_to_dict(preset), indent=2)
    parse_preset(text)  # never write what the loader would refuse
    return text


def target_path(folder: Path, preset: Preset) -> Path:
    return Path(folder) / f"{safe_stem(preset.name)}.toml"


def free_path(folder: Path, preset: Preset) -> Path:
    """The preset's file name, with -2, -3 ... added when another file already has it."""
    first = target_path(folder, preset)
    path, n = first, 2
    while path.exists():
        path = first.with_name(f"{first.stem}-{n}.toml")
        n += 1
    return path


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename over."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text)
    except OSError as exc:
        raise SaveError(f"cannot write {path}: {exc.strerror or exc}") from exc


def save_preset(
    preset: Preset, folder: Path, *, path: Path | None = None, overwrite: bool = False
) -> Path:
    """Save `preset` as TOML in `folder` and return the file.

    `path` (an existing file of this folder, when editing) is replaced in place; otherwise
    the name comes from the preset's name, and an existing file of that name is replaced
    only with `overwrite=True` (FileExistsError otherwise, so the caller can ask first).
    """
    folder = Path(folder)
    text = preset_to_toml(preset)
    if path is not None:
        dest = Path(path)
        if dest.resolve().parent != folder.resolve():
            raise SaveError(f"cannot write {dest}: it is not in the presets folder {folder}")
    else:
        dest = target_path(folder, preset)
        if dest.exists() and not overwrite:
            raise FileExistsError(dest)
    write_atomic(dest, text)
    return dest
