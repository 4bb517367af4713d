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
    CLOCK_LIMIT_S,
    MAX_FILE_BYTES,
    MAX_TEXT,
    MILE_M,
    Preset,
    PresetError,
    Repeat,
    Step,
    finite_seconds,
    format_pace,
    preset_clock,
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
REST_WORDS = {"rest", "recover", "recovery", "jog", "walk", "float", "easy"}

EXPECT_STEP = "a duration (5m, 30s, 1m30, 1h), a distance (400mtr, 1km, 1mi) or press lap"

_A = re.ASCII | re.IGNORECASE
_HEADER_REPEAT = re.compile(r"^(?P<name>.*?)\s*(?P<count>\d+)\s*x$", _A)
_REPEAT_LINE = re.compile(r"^(\d+)\s*x$", _A)
_STEP_REPEAT = re.compile(r"^(\d+)x$", _A)
_UNITS = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", _A)
_MINUTES_ONLY = re.compile(r"^(\d+)m$", _A)
_MIN_SEC = re.compile(r"^(\d+)m(\d{1,2})$", _A)  # 1m30
_APOSTROPHE = re.compile(r"""^(?:(\d+)')?(?:(\d+)")?$""", _A)  # 5'  30"  1'30"
_DISTANCE = re.compile(
    r"^(\d+(?:\.\d+)?)(km|mi|mile|miles|mtr|meters|metres|yrd|yds|yd|yards)$", _A
)
_PACE_UNITS = "km|mi|100m|250m|400m|500m|100y"
_PACE = re.compile(
    rf"^(\d{{1,2}}):(\d{{2}})(?:/({_PACE_UNITS}))?(?:-(\d{{1,2}}):(\d{{2}}))?"
    rf"(?:/({_PACE_UNITS}))?$",
    _A,
)
_INTENSITY = re.compile(r"^intensity=(\w+)$", _A)
_TIMED_PROMPT = re.compile(r"\s\d+\^")
# Targets speedtimer cannot measure, kept as the step's target_text: zones (Z2, Z2-Z3, CZ1),
# percentages (75%, 60-70%, 50%-75%), watts, bpm, cadence (rpm), RPE9, options (hr=lap),
# freeride and maxeffort.
_ZONE = re.compile(r"^(c?z)(\d)(?:-c?z(\d))?$", _A)
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%?(?:-(\d+(?:\.\d+)?))?%$", _A)
_ABSOLUTE = re.compile(r"^\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?(?:w|bpm|rpm)$", _A)
_RPE = re.compile(r"^rpe(\d{1,2})(?:-(\d{1,2}))?$", _A)
_OPTION = re.compile(r"^[a-z_]+=\S+$", _A)
_TARGET_WORDS = {"hr", "lthr", "mhr", "pace", "power", "mmp", "ftp", "hrr"}
_LONE_TARGETS = {"freeride", "maxeffort"}
# Zone-like effort (1 = easiest) of a percentage, by what it is a percentage of. The bands are
# intervals.icu's default running zones (pace: % of threshold pace; LTHR: % of threshold heart
# rate; power: % of FTP) and the common five-zone split of maximum heart rate.
_PERCENT_BANDS = {
    "pace": (78, 88, 94, 100, 103, 111),
    "lthr": (85, 90, 95, 100),
    "hr": (76, 82, 87, 92),
    "power": (56, 76, 91, 106, 121),
}
_RPE_BANDS = (4, 5, 7, 8, 9)
EASY_EFFORT = 1.5  # zone 1 (or a Z1-Z2 range): a recovery
UNROLLED_NOTE = "Note: nested repeats unrolled by speedtimer"
IMPLAUSIBLE_MINUTES = 100
LONG_PACED_STEP_S = 3600

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
    return preset_clock(seconds)


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


@dataclass
class _Facts:
    """What a step says about how hard it is, for deciding its kind once its repeat is read."""

    explicit: str | None = None  # from intensity=
    header: str = ""  # the section header it sits under
    hint: str | None = None  # warmup / cooldown from that header
    rest_word: str = ""  # a recovery word in its label or after its time
    effort: float | None = None  # zone-like, 1 = easiest
    effort_text: str = ""
    pace: float | None = None  # absolute target pace, s/km (fast end)
    has_target: bool = False


@dataclass
class _Node:
    line_no: int
    data: dict[str, Any]  # a step dict, or a block dict whose "steps" holds _Nodes
    facts: _Facts | None = None


def _effort_of_percent(value: float, of: str) -> float:
    return 1 + sum(value >= band for band in _PERCENT_BANDS[of])


class _Reader:
    def __init__(self, text: str, path: Path | str | None) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.notes: list[tuple[int, str]] = []
        # Lines that are not steps, in order, for the name and description: (text, plain)
        # where plain means free text before the first step, which may be the name.
        self.text_lines: list[tuple[str, bool]] = []
        self.minute_hints: dict[int, str] = {}  # line -> "400mtr" (for "400m")

    def err(self, message: str, line_no: int) -> IcuError:
        return IcuError(message, line_no, self.lines[line_no - 1], self.path)

    def note(self, line_no: int, message: str) -> None:
        self.notes.append((line_no, f"line {line_no}: {message}"))

    def sorted_notes(self) -> list[str]:
        return [text for _, text in sorted(self.notes, key=lambda n: n[0])]

    # --- lines -----------------------------------------------------------------------------

    def _is_step_line(self, i: int) -> bool:
        if i >= len(self.lines):
            return False
        line = self.lines[i].strip()
        return line.startswith("-") and _looks_like_step(line[1:].strip())

    def _is_header(self, i: int) -> bool:
        """A text line straight above a step, or above an `Nx` line that is above a step."""
        if self._is_step_line(i + 1):
            return True
        nxt = self.lines[i + 1].strip() if i + 1 < len(self.lines) else ""
        return bool(_REPEAT_LINE.match(nxt)) and self._is_step_line(i + 2)

    def read(self) -> list[_Node]:
        """The top-level items, in order; free text goes to `text_lines`."""
        lines = self.lines
        items: list[_Node] = []
        block: _Node | None = None
        header, hint = "", None
        section: str | None = None  # a header waiting for its first step
        started = False
        i = 0
        while i < len(lines):
            line_no = i + 1
            line = lines[i].strip()
            i += 1
            if not line:
                block, header, hint, section = None, "", None, None  # a blank line ends both
                continue
            if line.startswith("-"):
                content = line[1:].strip()
                if not _looks_like_step(content):
                    self.describe(line_no, line, started)
                    continue
                started = True
                if m := _STEP_REPEAT.match(content):
                    self.note(
                        line_no,
                        f"'- {m.group(1)}x' on a line of its own is not a repeat form "
                        "intervals.icu documents: the steps under it are imported once. To "
                        f"repeat them, write '{m.group(1)}x' (or 'Main set {m.group(1)}x') "
                        "on its own line above them",
                    )
                    continue
                node = self.step(content, line_no, header, hint)
                if section is not None:
                    if "repeat" in node.data:  # "Strides" then "- 4x 100mtr": its name
                        node.data.setdefault("label", section)
                    else:
                        node.data["section"] = section
                    section = None
                if block is not None:
                    block.data["steps"].append(node)
                else:
                    items.append(node)
                continue
            if _REPEAT_LINE.match(line) and self._is_step_line(i):
                name, count = "", int(_REPEAT_LINE.match(line).group(1))
            elif self._is_header(i - 1):
                name, count = line, None
                if m := _HEADER_REPEAT.match(line):
                    name, count = m.group("name"), int(m.group("count"))
                elif m := _REPEAT_LINE.match(lines[i].strip()):  # "Main set" then "4x"
                    count = int(m.group(1))
                    i += 1
                name = name.strip().rstrip(":-– ").strip()
            else:
                if started:
                    self.describe(line_no, line, started)
                else:
                    self.text_lines.append((line, True))
                continue
            started = True
            low = name.lower()
            hint = "warmup" if "warm" in low else "cooldown" if "cool" in low else None
            header = name
            block, section = None, None
            if count is not None:
                data: dict[str, Any] = {"repeat": count, "steps": []}
                if name:
                    data["label"] = name
                block = _Node(line_no, data)
                items.append(block)
            elif name:
                section = name
        return items

    def describe(self, line_no: int, line: str, started: bool) -> None:
        """A line that is not a step: intervals.icu shows it as text, so it joins the
        description (but not the note export adds about unrolled repeats)."""
        if line.startswith(UNROLLED_NOTE):
            return
        self.text_lines.append((line, False))
        if started:
            self.note(line_no, "not a step; kept in the description")
        else:
            self.note(line_no, "not a step (no time, distance or target); kept in the description")

    # --- one step --------------------------------------------------------------------------

    def step(self, content: str, line_no: int, header: str, hint: str | None) -> _Node:
        label_parts: list[str] = []
        after: list[str] = []
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
        facts = _Facts(header=header, hint=hint)
        duration: int | None = None
        distance: float | None = None
        lap = False
        pace: str | None = None
        targets: list[str] = []
        ignored: list[str] = []
        structure = False
        minute_token = ""
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
                    facts.explicit = INTENSITY_TO_KIND[value]
                else:
                    self.note(line_no, f"unknown intensity={value}; the kind is guessed")
                i += 1
                continue
            secs = _duration(tok)
            if secs is not None:
                if duration is None:
                    duration, structure = secs, True
                    if _MINUTES_ONLY.match(tok):
                        minute_token = tok
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
            if (pm := _PACE.match(tok)) and (pm.group(3) or pm.group(6) or nxt == "pace"):
                structure = True
                if pace is None:
                    pace = self.pace(pm, tok, line_no, facts)
                else:
                    ignored.append(tok)
                i += 2 if nxt == "pace" else 1
                continue
            used = self.target(tokens, i, structure, facts)
            if used:
                targets.append(" ".join(tokens[i : i + used]))
                structure = True
                i += used
                continue
            if structure and low in REST_WORDS:
                facts.rest_word = low  # "- 2m rest": intervals.icu shows it, it makes the kind
            elif structure:
                after.append(tok)
            else:
                label_parts.append(tok)
            i += 1
        label = " ".join(label_parts + after)
        if ignored:
            self.note(
                line_no,
                f"ignored {' '.join(ignored)!r}: a step has one time, one distance and one "
                "target pace in speedtimer",
            )
        if duration is None and distance is None and not lap:
            raise self.err(f"expected {EXPECT_STEP} in this step", line_no)
        if not facts.rest_word:
            words = set(re.findall(r"[a-z]+", label.lower()))
            facts.rest_word = next((w for w in sorted(words & REST_WORDS)), "")
        facts.has_target = pace is not None or bool(targets)
        data: dict[str, Any] = {}
        if label:
            data["label"] = label
        if duration is not None:
            data["duration"] = _clock(duration)
            if lap:
                data["lap_button"] = True
                self.note(
                    line_no,
                    "press lap on a timed step: speedtimer ends it on time (lap records a split)",
                )
        else:
            data["until"] = "lap"  # speedtimer can't measure distance: you press lap at the end
            if lap and distance is not None:
                data["lap_button"] = True
        if distance is not None:
            data["distance_m"] = _number(distance)
        if pace is not None:
            data["target_pace"] = pace
        if targets:
            data["target_text"] = " ".join(targets)
        self.check_minutes(line_no, duration, minute_token, pace is not None)
        node = _Node(line_no, data, facts)
        if count is not None:
            return _Node(line_no, {"repeat": count, "steps": [node]})
        return node

    def target(self, tokens: list[str], i: int, structure: bool, facts: _Facts) -> int:
        """How many tokens from i make one target (Z2 HR, 60-70% Pace, ramp 50%-75%, 90rpm,
        RPE 8); 0 if tokens[i] starts none. Records the effort it says."""
        tok = tokens[i]
        low = tok.lower()
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if low == "ramp":
            nxt2 = tokens[i + 2].lower() if i + 2 < len(tokens) else ""
            pm = _PACE.match(tokens[i + 1]) if i + 1 < len(tokens) else None
            if pm and (pm.group(3) or pm.group(6) or nxt2 == "pace"):
                facts.has_target = True
                return 2 + (nxt2 == "pace")
            inner = self.target(tokens, i + 1, True, facts) if i + 1 < len(tokens) else 0
            return 1 + inner if inner else 0  # "ramp" alone is a word
        if low == "rpe" and structure and re.fullmatch(r"\d{1,2}(?:-\d{1,2})?", nxt):
            self._effort_rpe(nxt, f"RPE {nxt}", facts)
            return 2
        if m := _RPE.match(tok):
            if not structure:
                return 0
            self._effort_rpe(tok[3:], tok, facts)
            return 1
        n = 0
        effort: float | None = None
        if m := _ZONE.match(tok):
            n = 1
            lo = int(m.group(2))
            hi = int(m.group(3) or lo)
            effort = (lo + hi) / 2 if m.group(1).lower() == "z" else None
        elif m := _PERCENT.match(tok):
            n = 1
            lo = float(m.group(1))
            value = (lo + float(m.group(2) or lo)) / 2
            of = {"pace": "pace", "lthr": "lthr", "hr": "hr", "mhr": "hr"}.get(nxt, "power")
            effort = _effort_of_percent(value, of)
        elif _ABSOLUTE.match(tok) or (structure and (low in _LONE_TARGETS or _OPTION.match(tok))):
            n = 1
        if not n:
            return 0
        # "315w - 330w": a range written with spaces
        if (
            i + 2 < len(tokens)
            and tokens[i + 1] in ("-", "–")
            and (_ABSOLUTE.match(tokens[i + 2]) or _PERCENT.match(tokens[i + 2]))
        ):
            n += 2
        while i + n < len(tokens) and tokens[i + n].lower() in _TARGET_WORDS:
            word = tokens[i + n].lower()
            n += 1
            if word == "mmp" and i + n < len(tokens) and _duration(tokens[i + n]) is not None:
                n += 1  # "60% MMP 5m": the 5m belongs to the target
        text = " ".join(tokens[i : i + n])
        if effort is not None and (facts.effort is None or effort > facts.effort):
            facts.effort, facts.effort_text = effort, text
        return n

    @staticmethod
    def _effort_rpe(value: str, text: str, facts: _Facts) -> None:
        parts = [int(v) for v in value.split("-") if v.isdigit()]
        if not parts:
            return
        effort = 1 + sum(sum(parts) / len(parts) >= b for b in _RPE_BANDS)
        if facts.effort is None or effort > facts.effort:
            facts.effort, facts.effort_text = effort, text

    def check_minutes(self, line_no: int, duration: int | None, token: str, paced: bool) -> None:
        """`400m` is 400 minutes in intervals.icu: say so when that can't have been meant."""
        if duration is None or not token:
            return
        minutes = int(token[:-1])
        if minutes >= IMPLAUSIBLE_MINUTES or (paced and duration > LONG_PACED_STEP_S):
            hint = f"{minutes}mtr"
            self.minute_hints[line_no] = hint
            self.note(
                line_no,
                f"{token} is {minutes} minutes ({_clock(duration)}): in intervals.icu m means "
                f"minutes; did you mean {hint}? (imported as {minutes} minutes)",
            )

    def pace(self, m: re.Match, tok: str, line_no: int, facts: _Facts) -> str:
        unit = (m.group(6) or m.group(3) or "").lower()
        ends = [int(m.group(1)) * 60 + int(m.group(2))]
        if m.group(4) is not None:
            ends.append(int(m.group(4)) * 60 + int(m.group(5)))
        if not unit:
            self.note(line_no, f"pace {tok} has no unit; read as per km")
            unit = "km"
        if unit not in ("km", "mi"):
            ends = [round(e * 1000 / _PACE_UNIT_M[unit]) for e in ends]
            self.note(line_no, f"pace {tok} converted to per km")
            unit = "km"
        ends = sorted(set(ends))
        if ends[0] > 0:
            facts.pace = ends[0] * (1000 / MILE_M if unit == "mi" else 1)
        text = "-".join(f"{e // 60}:{e % 60:02d}" for e in ends)
        return f"{text}/{unit}"

    # --- kinds -----------------------------------------------------------------------------

    def decide_kinds(self, items: list[_Node]) -> None:
        """Every step's kind: intensity= if given, else its header (Warmup/Cooldown), its
        words, its target's zone or percentage, and inside a repeat, how it compares with
        the other steps (the hardest is work). Each decision is noted with its reason."""
        for node in items:
            if "repeat" in node.data:
                leaves = list(_leaves(node))
                for leaf in leaves:
                    self.decide(leaf, leaves)
            else:
                self.decide(node, [node])

    def decide(self, node: _Node, siblings: list[_Node]) -> None:
        f = node.facts
        assert f is not None
        kind, reason = self.kind_and_reason(node, siblings)
        node.data = {"kind": kind, **node.data}
        if f.explicit is None:
            self.note(node.line_no, f"read as {kind}: {reason}")

    @staticmethod
    def kind_and_reason(node: _Node, siblings: list[_Node]) -> tuple[str, str]:
        f = node.facts
        assert f is not None
        if f.explicit:
            return f.explicit, "intensity="
        if f.hint:
            return f.hint, f"under the {f.header!r} header"
        label = str(node.data.get("label", "")).lower()
        if "warm" in label:
            return "warmup", "'warm' in its label"
        if "cool" in label:
            return "cooldown", "'cool' in its label"
        if f.rest_word:
            return "rest", f"the recovery word {f.rest_word!r}"
        if f.effort is not None and f.effort <= EASY_EFFORT:
            return "rest", f"{f.effort_text} is an easy target (zone 1)"
        for other in siblings:
            o = other.facts
            if other is node or o is None or o.explicit == "rest":
                continue
            if _harder(o, f):
                what = o.effort_text or (
                    format_pace(o.pace) if o.pace is not None and f.pace is not None else "a target"
                )
                return "rest", f"easier than line {other.line_no} of this repeat ({what})"
        if len(siblings) > 1:
            return "work", "the hardest step of this repeat"
        return "work", "no recovery word, header or easy target"


def _harder(a: _Facts, b: _Facts) -> bool:
    """Is a harder than b? Only when they can be compared."""
    if a.effort is not None and b.effort is not None:
        return a.effort > b.effort
    if a.pace is not None and b.pace is not None:
        return a.pace < b.pace
    return a.has_target and not b.has_target


def _leaves(node: _Node):
    if "repeat" in node.data:
        for child in node.data["steps"]:
            yield from _leaves(child)
    else:
        yield node


def _looks_like_step(content: str) -> bool:
    """A `-` line is a step when it holds something a step is made of: a time, a distance, a
    pace, a target, press lap, intensity=, a repeat count or a bare number (a distance
    without its unit is a mistake to point out, not a note). Markdown rules (`---`) and
    bullet notes are not."""
    if "<!>" in content:
        return True
    tokens = content.split()
    for i, tok in enumerate(tokens):
        low = tok.lower()
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if (
            _duration(tok) is not None
            or _distance(tok) is not None
            or (i == 0 and _STEP_REPEAT.match(tok))
            or ((pm := _PACE.match(tok)) and (pm.group(3) or pm.group(6) or nxt == "pace"))
            or _ZONE.match(tok)
            or _PERCENT.match(tok)
            or _ABSOLUTE.match(tok)
            or _INTENSITY.match(tok)
            or (low, nxt) in (("press", "lap"), ("lap", "press"))
            or (low == "lap" and i == len(tokens) - 1)
            or re.fullmatch(r"\d+(?:\.\d+)?", tok)
        ):
            return True
    return False


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
    """A validated preset from intervals.icu workout text, and notes on what was decided or
    left out.

    The name is `name`, else the first line of free text before the workout, else the file's
    stem, else "Imported workout". Lines that are not steps become the description.
    """
    reader = _Reader(text, path)
    items = reader.read()
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
    reader.decide_kinds(items)
    items = _fold_last_rounds(items)
    described = [text for text, _ in reader.text_lines]
    first = next((i for i, (_, plain) in enumerate(reader.text_lines) if plain), None)
    if name is None:
        if first is not None:
            name = described.pop(first)
        elif path is not None:
            name = Path(path).stem
        else:
            name = "Imported workout"
    spans: dict[str, int] = {}
    data: dict[str, Any] = {
        "name": name[:NAME_LIMIT],
        "steps": _to_dicts(items, "steps", spans),
    }
    description = "\n".join(described)[:MAX_TEXT].strip()
    if description:
        data["description"] = description
    try:
        preset = preset_from_dict(data, path)
    except PresetError as exc:
        line_no = position_of(exc.key, spans) if exc.key.startswith("steps[") else None
        message = exc.message.replace("skip_last_rest", "the dropped last rest")
        if exc.key and line_no is None:
            message = f"{exc.key}: {message}"
        hint = reader.minute_hints.get(line_no or 0) or next(
            iter(reader.minute_hints.values()), None
        )
        if hint and ("hour" in message or "longer" in message):
            message += f" (in intervals.icu m means minutes: did you mean {hint}?)"
        line = reader.lines[line_no - 1] if line_no else ""
        raise IcuError(message, line_no, line, path) from None
    return IcuResult(preset, reader.sorted_notes())


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
    value = finite_seconds(seconds)
    if value is None or value <= 0:
        return "0s"
    seconds = round(min(value, CLOCK_LIMIT_S))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


def _icu_distance(metres: float) -> str:
    """Whole kilometres as km, whole quarter miles as mi (as runners write them), else mtr;
    always a value import reads back to the very same metres."""
    for unit, size in (("km", Decimal(1000)), ("mi", Decimal(str(MILE_M)))):
        count = Decimal(round(float(metres) / float(size) * 4)) / 4
        if count > 0 and float(count * size) == float(metres) and (unit == "mi" or count % 1 == 0):
            return f"{format(count.normalize(), 'f')}{unit}"
    if float(metres).is_integer():
        return f"{int(metres)}mtr"
    return f"{format(Decimal(repr(float(metres))), 'f')}mtr"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _step_line(step: Step, lap_button: bool = False) -> str:
    """One step. A distance step is a distance step (the watch laps at the distance); `press
    lap` only where the step ends on the lap button: an open step without a distance, a step
    imported with press lap, or every distance step when the runner asks (`lap_button`, for
    the track, where GPS distance is poor)."""
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
    if step.target_text:
        parts.append(_one_line(step.target_text))
    open_lap = step.duration_s is None and step.distance_m is None
    distance_lap = lap_button and step.duration_s is None
    if open_lap or step.lap_button or distance_lap:
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


def to_icu(preset: Preset, *, lap_button: bool = False) -> tuple[str, list[str]]:
    """intervals.icu text for the preset, and notes on what had to be changed to say it.

    `lap_button`: distance steps end on the lap button (`press lap`) instead of at the
    distance, for track sessions.
    """
    flattener = _Flattener()
    flat = flattener.items(preset.steps)
    notes: list[str] = []
    lines: list[str] = []
    name = _one_line(preset.name)
    if name and not name.startswith("-"):
        lines += [name, ""]
        described = [_one_line(d) for d in preset.description.splitlines()]
        described = [d for d in described if d]
        if described:
            lines += [*described, ""]
    titles: list[str] = []  # "Set 2/3" of unrolled rounds, waiting for their first line
    prev: str | None = None  # "block" after a repeat, "step" after a step
    for entry in flat:
        if isinstance(entry, str):
            titles.append(entry)
        elif isinstance(entry, Repeat):
            _blank(lines)  # intervals.icu wants a blank line before every repeat
            label = _one_line(entry.label)
            if titles:
                head = " · ".join([*titles, label] if label else titles)
                lines.append(f"{head}: {entry.count}x")
            else:
                lines.append(f"{label} {entry.count}x" if label else f"{entry.count}x")
            titles = []
            lines += [_step_line(s, lap_button) for s in entry.steps]  # type: ignore[arg-type]
            lines.append("")  # and one after it: a blank line ends the repeat
            prev = "block"
        else:
            heading = " · ".join(titles) or _one_line(entry.section)
            titles = []
            if heading:  # a header straight above a step, so it never reads as free text
                _blank(lines)
                lines.append(heading)
            elif prev == "block":
                _blank(lines)
            lines.append(_step_line(entry, lap_button))
            prev = "step"
    if flattener.unrolled:
        blocks = list(dict.fromkeys(flattener.unrolled))
        what = ", ".join(f"{b.label or 'a block'} ({b.count} x)" for b in blocks[:3])
        notes.append(
            f"nested repeats unrolled (intervals.icu has no repeats inside repeats): {what}; "
            "the session runs the same"
        )
        _blank(lines)  # last, so import never takes it for the description
        lines.append(f"{UNROLLED_NOTE} ({what}).")
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
            (s.kind, s.label, s.planned_s, s.distance_m, s.pace_s_per_km, s.pace_hi_s_per_km,
             s.target_text)
            for s in build_schedule(p).steps
        ]  # fmt: skip

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
    kind, label, planned, distance = s[:4]
    parts = [repr(label) if label else kind]
    if planned is not None:
        parts.append(_icu_duration(planned))
    if distance is not None:
        parts.append(_icu_distance(distance))
    return " ".join(parts)
