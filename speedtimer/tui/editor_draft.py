"""The preset being edited: a mutable tree of what the runner typed, checked by the loader.

The editor never keeps its own rules. Whatever is in the fields, half-typed or wrong, is turned
into the same dict a TOML file would give and handed to `preset_from_dict`, so the editor
accepts exactly what loading accepts and its messages are the loader's messages. A
`PresetError` key path (`steps[1].steps[0].duration`) leads back to the node and the field.

Text fields stay text until then ("1:30", "400", "6:00/mi"), so a value is saved the way it
was written and a wrong one is shown back unchanged beside its message.

Nodes compare by identity: two steps with the same values are still two steps.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from speedtimer.core.preset import Preset, PresetError
from speedtimer.formats.preset_save import preset_to_dict
from speedtimer.formats.preset_toml import preset_from_dict


@dataclass(eq=False)
class DraftStep:
    kind: str = "work"
    label: str = ""
    duration: str = "1:00"
    until_lap: bool = False
    distance: str = ""
    pace: str = ""
    target_text: str = ""
    lap_button: bool = False  # ends on the lap button on a watch too (exports: press lap)
    section: str = ""  # the header written above it in intervals.icu text
    rep_time: str = ""  # target_time: "400 m in 84 s", instead of a pace

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        if self.label:
            d["label"] = self.label
        if self.until_lap:
            d["until"] = "lap"
        elif self.duration.strip():
            d["duration"] = self.duration.strip()
        if self.distance.strip():
            d["distance_m"] = _number(self.distance)
        if self.pace.strip():
            d["target_pace"] = self.pace.strip()
        if self.target_text.strip():
            d["target_text"] = self.target_text.strip()
        if self.lap_button:
            d["lap_button"] = True
        if self.section.strip():
            d["section"] = self.section.strip()
        if self.rep_time.strip():
            d["target_time"] = self.rep_time.strip()
        return d


@dataclass(eq=False)
class DraftBlock:
    repeat: str = "2"
    skip_last_rest: bool = False
    label: str = ""
    steps: list[DraftStep | DraftBlock] = field(default_factory=list)
    expanded: bool = True  # how the tree shows it; not part of the preset

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"repeat": _number(self.repeat, whole=True)}
        if self.skip_last_rest:
            d["skip_last_rest"] = True
        if self.label:
            d["label"] = self.label
        d["steps"] = [s.to_dict() for s in self.steps]
        return d


Node = DraftStep | DraftBlock


@dataclass(eq=False)
class DraftPreset:
    name: str = ""
    description: str = ""
    category: str = "custom"
    tags: str = ""  # comma-separated, as typed
    # Empty countdown and an untouched halfway box leave the keys out of the file, so the
    # runner's defaults from the settings file apply (as for a preset written by hand).
    countdown: str = ""
    halfway: bool = False
    halfway_set: bool = False
    steps: list[Node] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        if self.category:  # empty: no choice made (Select.NULL); the loader's default applies
            d["category"] = self.category
        d["tags"] = tag_list(self.tags)
        if self.countdown.strip():
            d["countdown"] = _number(self.countdown, whole=True)
        if self.halfway_set:
            d["halfway"] = self.halfway
        d["steps"] = [s.to_dict() for s in self.steps]
        return d

    def validate(self) -> tuple[Preset | None, PresetError | None]:
        """The preset as the loader reads it, or the loader's first complaint."""
        try:
            return preset_from_dict(self.to_dict()), None
        except PresetError as exc:
            return None, exc


def tag_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")


def _number(text: str, *, whole: bool = False) -> object:
    """A number when the text is one; otherwise the text itself, for the loader to reject
    with its own message ("expected an integer ..., got a string ('x')")."""
    t = text.strip()
    if _INT.match(t) and len(t) < 12:
        return int(t)
    if not whole and _FLOAT.match(t) and len(t) < 24:
        return float(t)
    return text


# --- from a loaded preset --------------------------------------------------------------------


def draft_from_preset(preset: Preset) -> DraftPreset:
    """Via the save format, so what the editor shows is what the file would say."""
    return draft_from_dict(preset_to_dict(preset))


def draft_from_dict(d: dict[str, Any]) -> DraftPreset:
    return DraftPreset(
        name=d.get("name", ""),
        description=d.get("description", ""),
        category=d.get("category", "custom"),
        tags=", ".join(d.get("tags", [])),
        countdown=str(d["countdown"]) if "countdown" in d else "",
        halfway=bool(d.get("halfway", False)),
        halfway_set="halfway" in d,
        steps=[_node_from_dict(s) for s in d.get("steps", [])],
    )


def _node_from_dict(d: dict[str, Any]) -> Node:
    if "repeat" in d or "steps" in d:
        return DraftBlock(
            repeat=str(d.get("repeat", 1)),
            skip_last_rest=bool(d.get("skip_last_rest", False)),
            label=d.get("label", ""),
            steps=[_node_from_dict(s) for s in d.get("steps", [])],
        )
    distance = d.get("distance_m")
    return DraftStep(
        kind=d.get("kind", "work"),
        label=d.get("label", ""),
        duration="" if "duration" not in d else str(d["duration"]),
        until_lap=d.get("until") == "lap",
        distance="" if distance is None else str(distance),
        pace=d.get("target_pace", ""),
        target_text=d.get("target_text", ""),
        lap_button=bool(d.get("lap_button", False)),
        section=d.get("section", ""),
        rep_time=str(d.get("target_time", "")),
    )


def starter_draft() -> DraftPreset:
    """A new preset starts as the most common shape: warm-up, reps with rests, cool-down."""
    return DraftPreset(
        name="",
        category="custom",
        steps=[
            DraftStep(kind="warmup", label="Easy jog", duration="10:00"),
            DraftBlock(
                repeat="5",
                skip_last_rest=True,
                steps=[
                    DraftStep(kind="work", duration="1:00"),
                    DraftStep(kind="rest", label="Jog", duration="1:00"),
                ],
            ),
            DraftStep(kind="cooldown", label="Easy jog", duration="10:00"),
        ],
    )


# --- where a node sits -----------------------------------------------------------------------


def container_of(draft: DraftPreset, node: Node) -> tuple[list[Node], int, DraftBlock | None]:
    """The list holding `node`, its index there and the block owning that list (None: top)."""

    def walk(items: list[Node], owner: DraftBlock | None):
        for i, item in enumerate(items):
            if item is node:
                return items, i, owner
            if isinstance(item, DraftBlock):
                found = walk(item.steps, item)
                if found:
                    return found
        return None

    found = walk(draft.steps, None)
    if found is None:
        raise LookupError("node is not in this preset")
    return found


def ancestors(draft: DraftPreset, node: Node) -> list[DraftBlock]:
    """Blocks around `node`, outermost first."""
    out: list[DraftBlock] = []
    owner = container_of(draft, node)[2]
    while owner is not None:
        out.insert(0, owner)
        owner = container_of(draft, owner)[2]
    return out


def walk_nodes(items: list[Node]):
    for item in items:
        yield item
        if isinstance(item, DraftBlock):
            yield from walk_nodes(item.steps)


_SEGMENT = re.compile(r"^steps\[(\d+)\]$")


def locate(draft: DraftPreset, key: str) -> tuple[DraftPreset | Node, str]:
    """The node and field a loader key path points at.

    `steps[1].steps[0].duration` -> (that step, "duration"); `steps[2]` -> (that node, "");
    `name` -> (the preset, "name"). A path that leads nowhere (it should not happen) gives the
    deepest node it reached.
    """
    target: DraftPreset | Node = draft
    items = draft.steps
    parts = key.split(".") if key else []
    for n, part in enumerate(parts):
        m = _SEGMENT.match(part)
        if m is None:
            return target, ".".join(parts[n:])
        i = int(m.group(1))
        if i >= len(items):
            return target, ""
        target = items[i]
        items = target.steps if isinstance(target, DraftBlock) else []
    return target, ""


# --- changes to the tree ---------------------------------------------------------------------


def add_step(draft: DraftPreset, at: DraftPreset | Node, new: Node | None = None) -> Node:
    """After `at`; at the end when `at` is the preset; inside an empty block."""
    new = new or DraftStep()
    if at is draft:
        draft.steps.append(new)
    elif isinstance(at, DraftBlock) and not at.steps:
        at.steps.append(new)
    else:
        items, i, _ = container_of(draft, at)
        items.insert(i + 1, new)
    return new


def duplicate(draft: DraftPreset, node: Node) -> Node:
    twin = copy.deepcopy(node)
    items, i, _ = container_of(draft, node)
    items.insert(i + 1, twin)
    return twin


def remove(draft: DraftPreset, node: Node) -> DraftPreset | Node:
    """Remove `node`; returns what the cursor should go to next."""
    items, i, owner = container_of(draft, node)
    del items[i]
    if i < len(items):
        return items[i]
    if items:
        return items[-1]
    return owner if owner is not None else draft


def move(draft: DraftPreset, node: Node, delta: int) -> bool:
    """One place up (-1) or down (+1) among its siblings; from the first or last place of a
    block, out of the block to just before or after it. False when it cannot move."""
    items, i, owner = container_of(draft, node)
    j = i + delta
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]
        return True
    if owner is None:
        return False
    outer, k, _ = container_of(draft, owner)
    del items[i]
    outer.insert(k if delta < 0 else k + 1, node)
    return True


class DraftError(ValueError):
    """An edit that cannot be done, in words for the runner."""


def wrap(draft: DraftPreset, nodes: list[Node]) -> DraftBlock:
    """Put `nodes` (next to each other in one list) into a new repeat block in their place."""
    if not nodes:
        raise DraftError("choose a step to wrap")
    places = [container_of(draft, n) for n in nodes]
    items = places[0][0]
    if any(p[0] is not items for p in places):
        raise DraftError("the marked steps must be in the same block to wrap them together")
    indices = sorted(p[1] for p in places)
    if indices != list(range(indices[0], indices[0] + len(indices))):
        raise DraftError("the marked steps must follow one another to wrap them together")
    block = DraftBlock(repeat="2", steps=[items[i] for i in indices])
    items[indices[0] : indices[-1] + 1] = [block]
    return block


def unwrap(draft: DraftPreset, block: DraftBlock) -> list[Node]:
    """Replace a block by its own steps, run once."""
    items, i, _ = container_of(draft, block)
    items[i : i + 1] = block.steps
    return list(block.steps)
