"""Opening a preset file that does not load in the editor, at its problem (ctrl+e on a
BROKEN entry of the menu), or saying plainly why it cannot be.

The file's TOML is read as it is and turned into an editor draft leniently: every value the
editor has a field for is kept as text (so a wrong one is shown beside the loader's message),
and whatever it has no field for (a misspelt key, a list where a number belongs) is named in
a note, since saving from the editor writes only what its fields hold. A file that is not
TOML at all (or not readable, not UTF-8, too big) is not opened: the runner is told why and
where to fix it by hand.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from speedtimer.core.preset import (
    BLOCK_KEYS,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_STEPS,
    PRESET_KEYS,
    STEP_KEYS,
)
from speedtimer.files import FileRefused, read_regular_file
from speedtimer.tui.editor_draft import DraftBlock, DraftPreset, DraftStep, Node

TEXT = (str, int, float)
SHOWN_LOST = 3  # left-out keys named in the note; the rest are counted


def read_broken(path: Path) -> tuple[dict[str, Any] | None, str, bytes]:
    """The file's TOML table, or None and why the editor cannot open it; and the bytes read
    (so a save can tell whether another program changed the file meanwhile)."""
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES, "presets")
    except FileRefused as exc:
        return None, str(exc), b""
    except OSError as exc:
        return None, f"cannot read it: {exc.strerror or exc}", b""
    try:
        return tomllib.loads(raw.decode("utf-8")), "", raw
    except UnicodeDecodeError as exc:
        return None, f"it is not UTF-8 text (byte {exc.start})", raw
    except tomllib.TOMLDecodeError as exc:
        return None, f"it is not valid TOML ({exc})", raw
    except (RecursionError, ValueError):
        return None, "its TOML cannot be read (nested too deeply, or a number too long)", raw


class _Reader:
    def __init__(self) -> None:
        self.lost: list[str] = []
        self.nodes = 0

    def leave_out(self, key: str, value: object) -> None:
        text = repr(value)
        self.lost.append(f"{key} = {text[:27] + '...' if len(text) > 30 else text}")

    def text(self, d: dict, key: str, where: str, default: str = "") -> str:
        if key not in d:
            return default
        value = d[key]
        if isinstance(value, TEXT) and not isinstance(value, bool):
            return str(value)
        self.leave_out(f"{where}{key}", value)
        return default

    def flag(self, d: dict, key: str, where: str) -> bool | None:
        if key not in d:
            return None
        if isinstance(d[key], bool):
            return d[key]
        self.leave_out(f"{where}{key}", d[key])
        return None

    def steps(self, value: object, where: str, depth: int) -> list[Node]:
        if not isinstance(value, list):
            self.leave_out(where.rstrip("."), value)
            return []
        out: list[Node] = []
        for i, item in enumerate(value):
            here = f"{where}[{i}]"
            if not isinstance(item, dict) or depth > MAX_DEPTH + 1 or self.nodes >= MAX_STEPS:
                self.leave_out(here, item)
                continue
            self.nodes += 1
            out.append(self.node(item, here + ".", depth))
        return out

    def node(self, d: dict, where: str, depth: int) -> Node:
        if "repeat" in d or "steps" in d:
            block = DraftBlock(
                repeat=self.text(d, "repeat", where, "1"),
                skip_last_rest=bool(self.flag(d, "skip_last_rest", where)),
                label=self.text(d, "label", where),
                steps=self.steps(d.get("steps", []), f"{where}steps", depth + 1),
            )
            known = BLOCK_KEYS
        else:
            until = d.get("until")
            block = DraftStep(
                kind=self.text(d, "kind", where, "work"),
                label=self.text(d, "label", where),
                duration=self.text(d, "duration", where),
                until_lap=until == "lap",
                distance=self.text(d, "distance_m", where),
                pace=self.text(d, "target_pace", where),
                target_text=self.text(d, "target_text", where),
                lap_button=bool(self.flag(d, "lap_button", where)),
                section=self.text(d, "section", where),
            )
            if until is not None and until != "lap":
                self.leave_out(f"{where}until", until)
            known = STEP_KEYS
        for key, value in d.items():
            if key not in known:
                self.leave_out(f"{where}{key}", value)
        return block


def draft_from_broken(data: dict[str, Any]) -> tuple[DraftPreset, list[str]]:
    """The draft the editor can show for a file's TOML, and the keys it had to leave out."""
    r = _Reader()
    tags = data.get("tags", [])
    if isinstance(tags, list) and all(isinstance(t, TEXT) for t in tags):
        tag_text = ", ".join(str(t) for t in tags)
    elif isinstance(tags, str):
        tag_text = tags
    else:
        r.leave_out("tags", tags)
        tag_text = ""
    halfway = r.flag(data, "halfway", "")
    draft = DraftPreset(
        name=r.text(data, "name", ""),
        description=r.text(data, "description", ""),
        category=r.text(data, "category", "", "custom"),
        tags=tag_text,
        countdown=r.text(data, "countdown", ""),
        halfway=bool(halfway),
        halfway_set=halfway is not None,
        steps=r.steps(data.get("steps", []), "steps", 1),
    )
    known = PRESET_KEYS
    for key, value in data.items():
        if key not in known:
            r.leave_out(key, value)
    return draft, r.lost


def broken_note(path: Path, message: str, lost: list[str]) -> str:
    note = f"{path.name} did not load: {message}. Fix it here and save with ctrl+s."
    if lost:
        shown = "; ".join(lost[:SHOWN_LOST])
        more = f" and {len(lost) - SHOWN_LOST} more" if len(lost) > SHOWN_LOST else ""
        them = "it" if len(lost) == 1 else "them"
        note += f" The editor has no field for {shown}{more}: saving leaves {them} out."
    return note
