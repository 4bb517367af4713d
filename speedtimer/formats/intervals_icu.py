"""intervals.icu workout text: read it into presets, write presets out as it.

intervals.icu describes a workout as plain text: section headers (a trailing `8x` repeats the
section), steps as `- prompt 5m 3:45/km Pace`, `400mtr`, `press lap`. Runners plan there and
sync to their watch, so moving sessions both ways saves retyping. The format has no nested
repeats and no "skip the last rest"; export spells both out (unrolling with a note) so the
session runs exactly the same, and import folds a trailing "last round without its rest" back
into skip_last_rest.

What is and isn't read is documented in presets/README.md ("intervals.icu workout text"),
with the public descriptions of the format it relies on. Import builds the same dict a TOML
file holds and goes through `preset_from_dict`, so limits and rules are those of preset files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from speedtimer.core.preset import (
    MAX_FILE_BYTES,
    MAX_TEXT,
    MILE_M,
    Preset,
    PresetError,
    Repeat,
    Step,
)
from speedtimer.files import FileRefused, read_regular_file
from speedtimer.formats.keypath import position_of
from speedtimer.formats.preset_toml import preset_from_dict

YARD_M = 0.9144
NAME_LIMIT = 200

INTENSITY_TO_KIND = {
    "warmup": "warmup",
    "active": "work",
    "interval": "work",
    "recovery": "rest",
    "rest": "rest",
    "cooldown": "cooldown",
}
KIND_TO_INTENSITY = {"warmup": "warmup", "work": "active", "rest": "rest", "cooldown": "cooldown"}
REST_WORDS = {"rest", "recover", "recovery", "jog", "walk", "float"}

EXPECT_STEP = "a duration (5m, 30s, 1m30, 1h), a distance (400mtr, 1km, 1mi) or press lap"

_A = re.ASCII | re.IGNORECASE
_HEADER_REPEAT = re.compile(r"^(?P<name>.*?)\s*(?P<count>\d+)\s*x$", _A)
_STEP_REPEAT = re.compile(r"^(\d+)x$", _A)
_UNITS = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", _A)
_MIN_SEC = re.compile(r"^(\d+)m(\d{1,2})$", _A)  # 1m30
_APOSTROPHE = re.compile(r"""^(?:(\d+)')?(?:(\d+)")?$""", _A)  # 5'  30"  1'30"
_DISTANCE = re.compile(
    r"^(\d+(?:\.\d+)?)(km|mi|mile|miles|mtr|meters|metres|yrd|yds|yd|yards)$", _A
)
_PACE = re.compile(
    r"^(\d{1,2}):(\d{2})(?:-(\d{1,2}):(\d{2}))?"
    r"(?:/(km|mi|100m|250m|400m|500m|100y))?$",
    _A,
)
_INTENSITY = re.compile(r"^intensity=(\w+)$", _A)
_TIMED_PROMPT = re.compile(r"\s\d+\^")

_PACE_UNIT_M = {"km": 1000.0, "mi": MILE_M, "100m": 100.0, "250m": 250.0, "400m": 400.0,
                "500m": 500.0, "100y": 100 * YARD_M}  # fmt: skip
_DISTANCE_M = {"km": 1000, "mi": MILE_M, "mile": MILE_M, "miles": MILE_M, "mtr": 1,
               "meters": 1, "metres": 1, "yrd": YARD_M, "yds": YARD_M, "yd": YARD_M,
               "yards": YARD_M}  # fmt: skip


class IcuError(PresetError):
    """A problem in intervals.icu text: file, line number and that line, what was expected."""

    def __init__(
        self,
        message: str,
        line_no: int | None = None,
        line: str = "",
        path: Path | str | None = None,
    ) -> None:
        self.line_no = line_no
        self.line = line
        super().__init__(message, path, f"line {line_no}" if line_no else "")

    def __str__(self) -> str:
        head = super().__str__()
        if self.line_no and self.line.strip():
            shown = self.line.strip()
            if len(shown) > 100:
                shown = shown[:99] + "…"
            return f"{head}\n  {self.line_no} | {shown}"
        return head


@dataclass
class IcuResult:
    preset: Preset
    notes: list[str] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------------


def _duration(token: str) -> int | None:
    low = token.lower()
    if low.isdigit():
        return None  # a bare number is not a time in this format
    if m := _MIN_SEC.match(low):
        return int(m.group(1)) * 60 + int(m.group(2))
    m = _UNITS.match(low)
    if m and any(m.groups()):
        h, mi, s = (int(g) if g else 0 for g in m.groups())
        return h * 3600 + mi * 60 + s
    m = _APOSTROPHE.match(low)
    if m and any(m.groups()):
        return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    return None


def _distance(token: str) -> float | None:
    m = _DISTANCE.match(token)
    if not m:
        return None
    metres = Decimal(m.group(1)) * Decimal(str(_DISTANCE_M[m.group(2).lower()]))
    return float(metres)


def _clock(seconds: int) -> int | str:
    """As a preset file says it, so validator messages quote "25:00:00", not 90000."""
    if seconds < 60:
        return seconds
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


@dataclass
class _Node:
    line_no: int
    data: dict[str, Any]  # a step dict, or a block dict whose "steps" holds _Nodes


class _Reader:
    def __init__(self, text: str, path: Path | str | None) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.notes: list[str] = []

    def err(self, message: str, line_no: int) -> IcuError:
        return IcuError(message, line_no, self.lines[line_no - 1], self.path)

    def note(self, line_no: int, message: str) -> None:
        self.notes.append(f"line {line_no}: {message}")

    def read(self) -> tuple[list[str], list[_Node]]:
        """Leading free text (name, description) and the top-level items, in order."""
        lines = self.lines
        leading: list[str] = []
        items: list[_Node] = []
        block: _Node | None = None
        hint: str | None = None
        started = False
        for i, raw in enumerate(lines):
            line_no = i + 1
            line = raw.strip()
            if not line:
                block, hint = None, None  # a blank line ends a repeat and a section
                continue
            if line.startswith("-"):
                started = True
                node = self.step(line[1:].strip(), line_no, hint)
                if block is not None:
                    block.data["steps"].append(node)
                else:
                    items.append(node)
                continue
            follows_step = i + 1 < len(lines) and lines[i + 1].strip().startswith("-")
            if not follows_step:
                if not started:
                    leading.append(line)
                continue  # text between sections: shown by intervals.icu, not a step
            started = True
            name, count = line, None
            if m := _HEADER_REPEAT.match(line):
                name, count = m.group("name").strip().rstrip(":-– ").strip(), int(m.group("count"))
            low = name.lower()
            hint = "warmup" if "warm" in low else "cooldown" if "cool" in low else None
            block = None
            if count is not None:
                data: dict[str, Any] = {"repeat": count, "steps": []}
                if name:
                    data["label"] = name
                block = _Node(line_no, data)
                items.append(block)
        return leading, items

    def step(self, content: str, line_no: int, hint: str | None) -> _Node:
        label_parts: list[str] = []
        if "<!>" in content:  # timed prompts: "First 33^Second <!> 10m ..."
            prompts, content = content.split("<!>", 1)
            first = _TIMED_PROMPT.split(" " + prompts.strip(), maxsplit=1)[0].strip()
            if first:
                label_parts.append(first)
            self.note(line_no, "timed prompts (N^text) are not supported; kept the first one")
        tokens = content.split()
        count = None
        if tokens and (m := _STEP_REPEAT.match(tokens[0])):
            count = int(m.group(1))
            tokens = tokens[1:]
        duration: int | None = None
        distance: float | None = None
        lap = False
        pace: str | None = None
        kind: str | None = None
        ignored: list[str] = []
        structure = False
        trailing_rest = False
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            low = tok.lower()
            nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
            if (low, nxt) in (("press", "lap"), ("lap", "press")):
                lap, structure = True, True
                i += 2
                continue
            if low == "lap" and (structure or i == len(tokens) - 1):
                lap, structure = True, True
                i += 1
                continue
            if (m := _INTENSITY.match(tok)) is not None:
                value = m.group(1).lower()
                if value in INTENSITY_TO_KIND:
                    kind = INTENSITY_TO_KIND[value]
                else:
                    self.note(line_no, f"unknown intensity={value}; the kind is guessed")
                i += 1
                continue
            secs = _duration(tok)
            if secs is not None:
                if duration is None:
                    duration, structure = secs, True
                else:
                    ignored.append(tok)
                i += 1
                continue
            metres = _distance(tok)
            if metres is not None:
                if distance is None:
                    distance, structure = metres, True
                else:
                    ignored.append(tok)
                i += 1
                continue
            if (pm := _PACE.match(tok)) and (pm.group(5) or nxt == "pace"):
                structure = True
                if pace is None:
                    pace = self.pace(pm, tok, line_no)
                else:
                    ignored.append(tok)
                i += 2 if nxt == "pace" else 1
                continue
            if structure and low in REST_WORDS:
                trailing_rest = True  # "- 2m rest": intervals.icu shows it, we use it as kind
            elif structure:
                ignored.append(tok)
            else:
                label_parts.append(tok)
            i += 1
        label = " ".join(label_parts)
        if ignored:
            self.note(
                line_no,
                f"ignored {' '.join(ignored)!r}: speedtimer has no power, heart-rate, zone, "
                "cadence or percent targets, and one time and one distance per step",
            )
        if duration is None and distance is None and not lap:
            raise self.err(f"expected {EXPECT_STEP} in this step", line_no)
        if kind is None:
            kind = "rest" if trailing_rest and not hint else self.guess_kind(label, hint)
        data: dict[str, Any] = {"kind": kind}
        if label:
            data["label"] = label
        if duration is not None:
            data["duration"] = _clock(duration)
            if lap:
                self.note(
                    line_no,
                    "press lap on a timed step: speedtimer ends it on time (lap records a split)",
                )
        else:
            data["until"] = "lap"  # speedtimer can't measure distance: you press lap at the end
        if distance is not None:
            data["distance_m"] = _number(distance)
        if pace is not None:
            if distance is None:
                self.note(line_no, "pace dropped: speedtimer targets need a distance")
            else:
                data["target_pace"] = pace
        node = _Node(line_no, data)
        if count is not None:
            return _Node(line_no, {"repeat": count, "steps": [node]})
        return node

    def pace(self, m: re.Match, tok: str, line_no: int) -> str:
        seconds = int(m.group(1)) * 60 + int(m.group(2))
        if m.group(3) is not None:
            other = int(m.group(3)) * 60 + int(m.group(4))
            seconds = round((seconds + other) / 2)
            self.note(line_no, f"pace range {tok} read as its middle")
        unit = (m.group(5) or "").lower()
        if not unit:
            self.note(line_no, f"pace {tok} has no unit; read as per km")
            unit = "km"
        if unit not in ("km", "mi"):
            seconds = round(seconds * 1000 / _PACE_UNIT_M[unit])
            self.note(line_no, f"pace {tok} converted to per km")
            unit = "km"
        return f"{seconds // 60}:{seconds % 60:02d}/{unit}"

    @staticmethod
    def guess_kind(label: str, hint: str | None) -> str:
        if hint:
            return hint
        words = set(re.findall(r"[a-z]+", label.lower()))
        return "rest" if words & REST_WORDS else "work"


def _plain(node: _Node) -> dict[str, Any]:
    if "repeat" in node.data:
        return {**node.data, "steps": [_plain(n) for n in node.data["steps"]]}
    return dict(node.data)


def _trim_rests(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = list(steps)
    while out and out[-1].get("kind") == "rest":
        out.pop()
    return out


def _fold_last_rounds(items: list[_Node]) -> list[_Node]:
    """`7x [400, jog]` then a lone `400` is `8x [400, jog]` without the last jog.

    That is how export writes skip_last_rest (the format has no such flag), and folding it
    back keeps the rep counter ("Rep 8/8") on the last rep.
    """
    out: list[_Node] = []
    i = 0
    while i < len(items):
        node = items[i]
        i += 1
        body = node.data.get("steps")
        if body is None or node.data.get("skip_last_rest") or any("repeat" in n.data for n in body):
            out.append(node)
            continue
        steps = [_plain(n) for n in body]
        last = _trim_rests(steps)
        n = len(last)
        following = [_plain(x) for x in items[i : i + n]]
        if last and all("repeat" not in f for f in following) and following == last:
            data = dict(node.data, repeat=node.data["repeat"] + 1)
            if n < len(steps):
                data["skip_last_rest"] = True
            node = _Node(node.line_no, data)
            i += n
        out.append(node)
    return out


def _to_dicts(nodes: list[_Node], prefix: str, spans: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    for i, node in enumerate(nodes):
        key = f"{prefix}[{i}]"
        spans[key] = node.line_no
        if "repeat" in node.data:
            d = {k: v for k, v in node.data.items() if k != "steps"}
            d["steps"] = _to_dicts(node.data["steps"], f"{key}.steps", spans)
            out.append(d)
        else:
            out.append(dict(node.data))
    return out


def parse_icu(text: str, *, name: str | None = None, path: Path | str | None = None) -> IcuResult:
    """A validated preset from intervals.icu workout text, and notes on what was left out.

    The name is `name`, else the first line of free text before the workout, else the file's
    stem, else "Imported workout".
    """
    reader = _Reader(text, path)
    leading, items = reader.read()
    if not items:
        raise IcuError(
            f"no workout steps found: expected lines starting with '-' holding {EXPECT_STEP}",
            None,
            "",
            path,
        )
    for node in items:
        if "repeat" in node.data and not node.data["steps"]:  # pragma: no cover - defensive
            raise reader.err("this repeat has no steps under it", node.line_no)
    items = _fold_last_rounds(items)
    if name is None:
        if leading:
            name, leading = leading[0], leading[1:]
        elif path is not None:
            name = Path(path).stem
        else:
            name = "Imported workout"
    spans: dict[str, int] = {}
    data: dict[str, Any] = {
        "name": name[:NAME_LIMIT],
        "steps": _to_dicts(items, "steps", spans),
    }
    description = " ".join(leading)[:MAX_TEXT]
    if description:
        data["description"] = description
    try:
        preset = preset_from_dict(data, path)
    except PresetError as exc:
        line_no = position_of(exc.key, spans) if exc.key.startswith("steps[") else None
        message = exc.message.replace("skip_last_rest", "the dropped last rest")
        if exc.key and line_no is None:
            message = f"{exc.key}: {message}"
        line = reader.lines[line_no - 1] if line_no else ""
        raise IcuError(message, line_no, line, path) from None
    return IcuResult(preset, reader.notes)


def read_text(path: Path | str) -> str:
    """A file's text, with the size and encoding rules of preset files."""
    path = Path(path)
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES, "imports")
    except FileRefused as exc:
        raise IcuError(str(exc), path=path) from None
    except OSError as exc:
        raise IcuError(f"cannot read file: {exc.strerror or exc}", path=path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IcuError(f"not UTF-8 text (byte {exc.start})", path=path) from None


def load_icu(path: Path | str, *, name: str | None = None) -> IcuResult:
    return parse_icu(read_text(path), name=name, path=path)


# --- writing -----------------------------------------------------------------------------------


def _icu_duration(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


def _icu_distance(metres: float) -> str:
    if float(metres).is_integer():
        return f"{int(metres)}mtr"
    return f"{format(Decimal(repr(float(metres))), 'f')}mtr"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _step_line(step: Step) -> str:
    from speedtimer.formats.preset_save import format_target_pace

    parts = ["-"]
    if step.label:
        parts.append(_one_line(step.label))
    if step.duration_s is not None:
        parts.append(_icu_duration(step.duration_s))
    if step.distance_m is not None:
        parts.append(_icu_distance(step.distance_m))
    pace = format_target_pace(step)
    if pace is not None:
        parts += [pace, "Pace"]
    if step.duration_s is None:
        parts.append("press lap")
    parts.append(f"intensity={KIND_TO_INTENSITY[step.kind]}")
    return " ".join(parts)


def _is_flat(block: Repeat) -> bool:
    return all(isinstance(i, Step) for i in block.steps)


def _trim(items: list[Step | Repeat | str]) -> list[Step | Repeat | str]:
    """Drop the rests a skip_last_rest removes from the end of one round's flat output."""
    items = list(items)
    while items:
        last = items[-1]
        if isinstance(last, str):  # a round title whose whole round was trimmed away
            items.pop()
            continue
        if isinstance(last, Step):
            if last.kind != "rest":
                break
            items.pop()
            continue
        body = list(last.steps)
        kept = list(body)
        while kept and isinstance(kept[-1], Step) and kept[-1].kind == "rest":
            kept.pop()
        if len(kept) == len(body):
            break
        items.pop()
        if last.count > 1:
            items.append(replace(last, count=last.count - 1, skip_last_rest=False))
        items += kept
        if kept:
            break
    return items


class _Flattener:
    """Turns a preset's tree into top-level steps and one-level repeats (all the format has)."""

    def __init__(self) -> None:
        self.unrolled: list[Repeat] = []

    def items(self, items: tuple[Step | Repeat, ...]) -> list[Step | Repeat | str]:
        out: list[Step | Repeat | str] = []
        for item in items:
            out += self.item(item)
        return out

    def item(self, item: Step | Repeat) -> list[Step | Repeat | str]:
        if isinstance(item, Step):
            return [item]
        if _is_flat(item):
            if not item.skip_last_rest:
                return [item]
            last: list[Step | Repeat | str] = _trim(list(item.steps))
            if len(last) == len(item.steps):
                return [replace(item, skip_last_rest=False)]
            head = [replace(item, count=item.count - 1, skip_last_rest=False)]
            return (head if item.count > 1 else []) + last
        self.unrolled.append(item)
        out: list[Step | Repeat | str] = []
        title = item.label or "Round"
        for i in range(1, item.count + 1):
            round_items = self.items(item.steps)
            if item.skip_last_rest and i == item.count:
                round_items = _trim(round_items)
            out.append(f"{title} {i}/{item.count}")
            out += round_items
        return out


def to_icu(preset: Preset) -> tuple[str, list[str]]:
    """intervals.icu text for the preset, and notes on what had to be changed to say it."""
    flattener = _Flattener()
    flat = flattener.items(preset.steps)
    notes: list[str] = []
    lines: list[str] = []
    name = _one_line(preset.name)
    if name and not name.startswith("-"):
        lines += [name, ""]
        description = _one_line(preset.description)
        if description and not description.startswith("-"):
            lines += [description, ""]
    titles: list[str] = []  # "Set 2/3" of unrolled rounds, waiting for their first line
    prev: str | None = None  # "title", "block", or the group of the steps just written
    for entry in flat:
        if isinstance(entry, str):
            titles.append(entry)
        elif isinstance(entry, Repeat):
            _blank(lines)  # intervals.icu wants a blank line before every repeat
            name = " · ".join([*titles, _one_line(entry.label)] if entry.label else titles)
            titles = []
            lines.append(f"{name}: {entry.count}x" if name else f"{entry.count}x")
            lines += [_step_line(s) for s in entry.steps]  # type: ignore[arg-type]
            lines.append("")  # and one after it: a blank line ends the repeat
            prev = "block"
        else:
            group = entry.kind if entry.kind in ("warmup", "cooldown") else "main"
            if titles:  # a header straight above a step, so it never reads as free text
                _blank(lines)
                lines.append(" · ".join(titles))
                titles = []
            elif prev != group:
                _blank(lines)
                if group != "main":
                    lines.append("Warmup" if group == "warmup" else "Cooldown")
            lines.append(_step_line(entry))
            prev = group
    if flattener.unrolled:
        blocks = list(dict.fromkeys(flattener.unrolled))
        what = ", ".join(f"{b.label or 'a block'} ({b.count} x)" for b in blocks[:3])
        notes.append(
            f"nested repeats unrolled (intervals.icu has no repeats inside repeats): {what}; "
            "the session runs the same"
        )
        _blank(lines)  # last, so import never takes it for the description
        lines.append(f"Note: nested repeats unrolled by speedtimer ({what}).")
    while lines and lines[-1] == "":
        lines.pop()
    text = "\n".join(lines) + "\n"
    notes += _check_reads_back(preset, text)
    return text, notes


def _blank(lines: list[str]) -> None:
    if lines and lines[-1] != "":
        lines.append("")


def _check_reads_back(preset: Preset, text: str) -> list[str]:
    """Export is only useful if intervals.icu (and our import) read the same session back."""
    from speedtimer.core.schedule import build_schedule

    def run(p: Preset) -> list[tuple]:
        return [
            (s.kind, s.label, s.planned_s, s.distance_m, s.pace_s_per_km)
            for s in build_schedule(p).steps
        ]

    try:
        back = parse_icu(text).preset
    except PresetError as exc:
        return [f"the exported text does not read back: {exc}"]
    want, got = run(preset), run(back)
    if want == got:
        return []
    for i, (a, b) in enumerate(zip(want, got, strict=False)):
        if a != b:
            return [
                f"step {i + 1} reads back differently ({_describe(b)} instead of "
                f"{_describe(a)}): its label cannot be written as it is"
            ]
    return [f"the exported text reads back as {len(got)} steps instead of {len(want)}"]


def _describe(s: tuple) -> str:
    kind, label, planned, distance, _pace = s
    parts = [repr(label) if label else kind]
    if planned is not None:
        parts.append(_icu_duration(planned))
    if distance is not None:
        parts.append(_icu_distance(distance))
    return " ".join(parts)
