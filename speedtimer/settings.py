"""The user's settings file (TOML in the config folder).

A bad key never stops the app: it falls back to its default and the message says which file,
which key and what was expected, so the user can fix it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_GET_READY_S = 5
KEYS = ("get_ready", "mute", "sounds", "keys")


@dataclass(frozen=True)
class Settings:
    get_ready_s: int = DEFAULT_GET_READY_S
    mute: bool = False
    sounds: dict[str, str] = field(default_factory=dict)  # cue name -> WAV path
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> keys ("space,p")


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Returns the settings and the problems found (each naming file and key)."""
    if not path.is_file():
        return Settings(), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(), [f"{path}: cannot read settings ({exc}); using defaults"]
    except tomllib.TOMLDecodeError as exc:
        return Settings(), [f"{path}: TOML syntax error: {exc}; using defaults"]
    problems: list[str] = []
    values: dict = {}
    for key in data:
        if key not in KEYS:
            problems.append(f"{path}: {key}: unknown setting (known: {', '.join(KEYS)}); ignored")
    get_ready = data.get("get_ready", DEFAULT_GET_READY_S)
    if isinstance(get_ready, bool) or not isinstance(get_ready, int) or not 0 <= get_ready <= 60:
        problems.append(f"{path}: get_ready: expected whole seconds 0-60, got {get_ready!r}")
    else:
        values["get_ready_s"] = get_ready
    mute = data.get("mute", False)
    if not isinstance(mute, bool):
        problems.append(f"{path}: mute: expected true or false, got {mute!r}")
    else:
        values["mute"] = mute
    for table in ("sounds", "keys"):
        raw = data.get(table, {})
        if not isinstance(raw, dict):
            problems.append(f"{path}: {table}: expected a table [{table}]")
            continue
        good = {}
        for k, v in raw.items():
            if isinstance(v, str) and v:
                good[k] = v
            else:
                problems.append(f"{path}: {table}.{k}: expected a string, got {v!r}")
        values[table] = good
    return Settings(**values), problems
