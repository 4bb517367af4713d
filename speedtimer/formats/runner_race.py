"""Writes the runner's race into the settings file: the one line speedtimer changes there.

The settings file is the runner's own (comments, order, spacing): only the `race = ...` line of
its `[runner]` table is replaced, or the template's commented `# [runner]` / `# race = ""` lines
are uncommented, or a `[runner]` table is added at the end. The result is read back with
tomllib before it replaces the file (atomically), so an edit can never break the file.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from speedtimer.config.settings import MAX_SETTINGS_BYTES
from speedtimer.files import FileRefused, read_regular_file
from speedtimer.formats.preset_save import SaveError, write_atomic

_HEADER = re.compile(r"^\s*\[\s*runner\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")
_RACE = re.compile(r"^\s*race\s*=")
_TEMPLATE_HEADER = re.compile(r"^#\s*\[runner\]\s*$")
_TEMPLATE_RACE = re.compile(r"^#\s*race\s*=.*$")


def with_race(text: str, race: str) -> str:
    """The settings text with [runner] race set to `race` ("" for none)."""
    line = f"race = {json.dumps(race)}"
    lines = text.splitlines()
    for i, current in enumerate(lines):
        if not _HEADER.match(current):
            continue
        j = i + 1
        while j < len(lines) and not _ANY_HEADER.match(lines[j]):
            if _RACE.match(lines[j]):
                lines[j] = line
                return "\n".join(lines) + "\n"
            j += 1
        lines.insert(i + 1, line)
        return "\n".join(lines) + "\n"
    for i, current in enumerate(lines[:-1]):
        if _TEMPLATE_HEADER.match(current) and _TEMPLATE_RACE.match(lines[i + 1]):
            lines[i : i + 2] = ["[runner]", line]
            # the template keeps tables last; save_race checks that nothing else moved
            return "\n".join(lines) + "\n"
    tail = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{tail}\n[runner]\n{line}\n"


def save_race(path: Path, race: str) -> None:
    """Set [runner] race in the settings file at `path`; SaveError says why it could not."""
    path = Path(path)
    try:  # bounded, and never a FIFO or a device: the same read as the settings loader's
        old = (
            read_regular_file(path, MAX_SETTINGS_BYTES, "settings files").decode("utf-8")
            if path.exists()
            else ""
        )
    except FileRefused as exc:
        raise SaveError(f"cannot set the race in {path}: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SaveError(f"cannot read {path}: {exc}") from exc
    new = with_race(old, race)
    try:
        data = tomllib.loads(new)
        written = data["runner"]["race"]
        # what was there before must read the same, apart from the race
        before = tomllib.loads(old) if old else {}
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise SaveError(
            f"cannot set the race in {path}: the file would not read back ({exc}); "
            f'set it by hand: [runner] race = "{race}"'
        ) from exc
    before.setdefault("runner", {})
    if isinstance(before["runner"], dict):
        before["runner"]["race"] = race
    if written != race or data != before:
        raise SaveError(
            f"cannot set the race in {path} without changing other settings; "
            f'set it by hand: [runner] race = "{race}"'
        )
    write_atomic(path, new)
