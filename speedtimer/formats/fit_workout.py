"""Garmin FIT workout export: a preset as a workout file a watch can run.

The watch must run the very steps speedtimer's schedule runs, in the same order. FIT has no
`skip_last_rest`, so a block that skips its last rest is written as a repeat of one round
fewer followed by the last round written out without its trailing rest. A step with a distance
and no time is a distance step on the watch (it laps at the distance); it waits for the lap
button only when it was written so (`lap_button`, intervals.icu's `press lap`) or the runner
asks for it with `--lap-button` (on a track the line is exact, GPS distance is not). A pace
becomes a speed range: a range as it is, a single pace with a tolerance either side.

Imported lazily by the CLI: fit-tool takes a quarter of a second to import.
"""

from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.workout_message import WorkoutMessage
from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
from fit_tool.profile.profile_type import (
    FileType,
    Intensity,
    Manufacturer,
    Sport,
    WorkoutStepDuration,
    WorkoutStepTarget,
)

from speedtimer.core.preset import MILE_M, Preset, Repeat, Step, format_clock
from speedtimer.core.schedule import KIND_NAMES
from speedtimer.files import atomic_write
from speedtimer.formats.preset_save import SaveError, format_target_pace

INTENSITY = {
    "warmup": Intensity.WARMUP,
    "work": Intensity.ACTIVE,
    "rest": Intensity.REST,
    "cooldown": Intensity.COOLDOWN,
}
# A pace target becomes a speed range this wide either side of the pace: the watch alerts
# only when the runner drifts out of it, and +-3 % is about +-7 s/km at 3:45/km.
PACE_TOLERANCE = 0.03
# Names are kept to a line of a watch screen; the full label goes in the step notes.
WORKOUT_NAME_MAX = 40
STEP_NAME_MAX = 32
# A FIT string field is at most 255 bytes, its terminating zero included.
NOTES_MAX_BYTES = 254


# --- the plan: the preset tree reshaped into what FIT can say -------------------------------


@dataclass(frozen=True)
class _Leaf:
    step: Step


@dataclass(frozen=True)
class _Loop:
    count: int
    body: tuple[_Leaf | _Loop, ...]
    label: str = ""


_Node = _Leaf | _Loop


class _Planner:
    """Turns Repeat blocks into FIT loops, unrolling the last round where a rest is skipped."""

    def __init__(self) -> None:
        self.unrolled: list[str] = []

    def nodes(self, items: tuple[Step | Repeat, ...]) -> tuple[_Node, ...]:
        out: list[_Node] = []
        for item in items:
            if isinstance(item, Step):
                out.append(_Leaf(item))
                continue
            body = self.nodes(item.steps)
            if not item.skip_last_rest:
                out += _loop(item.count, body, item.label)
                continue
            last = _trim(body)
            if last == body:  # the round ends on something other than a rest: nothing to skip
                out += _loop(item.count, body, item.label)
                continue
            if item.count > 1:
                self.unrolled.append(_block_name(item))
            out += _loop(item.count - 1, body, item.label)
            out += last
        return tuple(out)


def _block_name(block: Repeat) -> str:
    if _clean(block.label):
        return _clean(block.label)
    titles = " + ".join(
        step_name(i) if isinstance(i, Step) else _block_name(i) for i in block.steps
    )
    return _shorten(f"{block.count} x [{titles}]", 48)


def _loop(count: int, body: tuple[_Node, ...], label: str) -> list[_Node]:
    """A FIT repeat only where it repeats something: one round is just its steps."""
    if count < 1 or not body:
        return []
    if count == 1:
        return list(body)
    return [_Loop(count, body, label)]


def _all_rest(nodes: tuple[_Node, ...]) -> bool:
    return all(_all_rest(n.body) if isinstance(n, _Loop) else n.step.kind == "rest" for n in nodes)


def _trim(nodes: tuple[_Node, ...]) -> tuple[_Node, ...]:
    """The same steps without the rests at the very end, as schedule.py drops them.

    Trimming reaches into a loop at the end: every round but its last stays a loop, and
    the last round is written out and trimmed in turn.
    """
    out = list(nodes)
    while out:
        last = out[-1]
        if isinstance(last, _Leaf):
            if last.step.kind != "rest":
                break
            out.pop()
            continue
        if _all_rest(last.body):
            out.pop()
            continue
        out[-1:] = [*_loop(last.count - 1, last.body, last.label), *_trim(last.body)]
        break
    return tuple(out)


# --- text ------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """One line without control characters: a NUL would end a FIT string early."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def _shorten(text: str, limit: int) -> str:
    """Cut at a word boundary where one is near, and say so with an ellipsis."""
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-·") + "…"


def _fit_bytes(text: str, limit: int = NOTES_MAX_BYTES) -> str:
    """At most `limit` bytes of UTF-8 without splitting a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    # "…" is 3 bytes; "ignore" drops a character the cut would split
    return data[: limit - 3].decode("utf-8", "ignore").rstrip() + "…"


def _distance(step: Step) -> str:
    return f"{step.distance_m:g} m" if step.distance_m else ""


def step_name(step: Step) -> str:
    """The label, with the distance in front when the label doesn't already say it."""
    label = _clean(step.label)
    dist = _distance(step)
    if dist and f"{step.distance_m:g}" not in label:
        label = f"{dist} {label}" if label else dist
    return label or KIND_NAMES[step.kind]


def ends_on_lap(step: Step, lap_button: bool = False) -> bool:
    """Does the watch wait for the lap button? An open step without a distance always does;
    a distance step only when it was written so or the runner asks (track sessions)."""
    if step.duration_s is not None:
        return False
    return step.distance_m is None or step.lap_button or lap_button


def step_notes(step: Step, lap_button: bool = False) -> str:
    """Everything speedtimer shows for the step, for watches that display step notes."""
    label = _clean(step.label)
    dist = _distance(step)
    parts = [label] if label and label != dist else []
    if dist:
        if step.pace_s_per_km and step.target_s:
            target = step.target_s
            dist += f" @ {format_target_pace(step)}, target "
            dist += format_clock(target, tenths=not float(target).is_integer())
        parts.append(dist)
    elif step.pace_s_per_km:
        parts.append(f"@ {format_target_pace(step)}")
    if step.target_text:
        parts.append(_clean(step.target_text))
    if ends_on_lap(step, lap_button):
        parts.append("press lap to end")
    return " · ".join(parts)


def speed_range(pace_s_per_km: float, slow_s_per_km: float | None = None) -> tuple[float, float]:
    """Slowest and fastest speed (m/s): a pace range as it is, one pace with a band around it."""
    if slow_s_per_km is not None:
        return 1000 / slow_s_per_km, 1000 / pace_s_per_km
    return (
        1000 / (pace_s_per_km * (1 + PACE_TOLERANCE)),
        1000 / (pace_s_per_km * (1 - PACE_TOLERANCE)),
    )


# --- messages --------------------------------------------------------------------------------


class _Writer:
    def __init__(self, lap_button: bool = False) -> None:
        self.lap_button = lap_button
        self.messages: list[WorkoutStepMessage] = []
        self.shortened: set[str] = set()  # names, so an unrolled round counts once

    def emit(self, nodes: tuple[_Node, ...]) -> None:
        for node in nodes:
            if isinstance(node, _Leaf):
                self.messages.append(self.step(node.step))
                continue
            first = len(self.messages)
            self.emit(node.body)
            self.messages.append(self.repeat(first, node.count, node.label))

    def _new(self) -> WorkoutStepMessage:
        msg = WorkoutStepMessage()
        msg.message_index = len(self.messages)
        return msg

    def step(self, step: Step) -> WorkoutStepMessage:
        msg = self._new()
        name = step_name(step)
        short = _shorten(name, STEP_NAME_MAX)
        if short != name:
            self.shortened.add(name)
        msg.workout_step_name = short
        notes = step_notes(step, self.lap_button)
        if notes and notes != short:
            msg.notes = _fit_bytes(notes)
        msg.intensity = INTENSITY[step.kind]
        # The type goes first: fit-tool picks the scale of the value from it.
        if step.duration_s is not None:
            msg.duration_type = WorkoutStepDuration.TIME
            msg.duration_time = float(step.duration_s)  # seconds; stored as ms
        elif ends_on_lap(step, self.lap_button):
            msg.duration_type = WorkoutStepDuration.OPEN
        else:
            msg.duration_type = WorkoutStepDuration.DISTANCE
            msg.duration_distance = float(step.distance_m or 0)  # metres; stored as cm
        if step.pace_s_per_km:
            low, high = speed_range(step.pace_s_per_km, step.pace_hi_s_per_km)
            msg.target_type = WorkoutStepTarget.SPEED
            msg.target_value = 0  # 0 = custom range, not a speed zone
            msg.custom_target_speed_low = low  # m/s; stored as mm/s
            msg.custom_target_speed_high = high
        else:
            msg.target_type = WorkoutStepTarget.OPEN
        return msg

    def repeat(self, first: int, count: int, label: str) -> WorkoutStepMessage:
        msg = self._new()
        name = _shorten(label, STEP_NAME_MAX)
        if name:  # shown by apps that list the blocks; watches say "Repeat 2-7 3x"
            msg.workout_step_name = name
        msg.duration_type = WorkoutStepDuration.REPEAT_UNTIL_STEPS_CMPLT
        msg.duration_step = first  # message_index of the block's first step
        msg.target_type = WorkoutStepTarget.OPEN  # as Garmin's cookbook writes repeat steps
        msg.target_repeat_steps = count  # rounds in all, not extra rounds
        return msg


def workout_bytes(
    preset: Preset, *, created: datetime | None = None, lap_button: bool = False
) -> tuple[bytes, list[str]]:
    """The FIT file as bytes, and notes on what the watch will do differently.

    `lap_button`: distance steps end on the lap button instead of at the distance.
    """
    planner = _Planner()
    plan = planner.nodes(preset.steps)
    writer = _Writer(lap_button)
    writer.emit(plan)
    steps = writer.messages

    created = created or datetime.now(UTC)
    file_id = FileIdMessage()
    file_id.type = FileType.WORKOUT
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    # type + manufacturer + product + serial names a workout file on the watch: a serial from
    # the content keeps two different presets from replacing each other there.
    file_id.serial_number = (zlib.crc32(repr((preset.name, plan)).encode()) & 0x7FFFFFFF) or 1
    file_id.time_created = round(created.timestamp() * 1000)

    workout = WorkoutMessage()
    name = _shorten(preset.name, WORKOUT_NAME_MAX)
    workout.workout_name = name
    workout.sport = Sport.RUNNING
    workout.num_valid_steps = len(steps)  # repeat steps included, as in Garmin's cookbook
    description = _clean(preset.description)
    if description:
        workout.workout_description = _fit_bytes(description)

    builder = FitFileBuilder(auto_define=True)
    builder.add(file_id)
    builder.add(workout)
    builder.add_all(steps)
    data = builder.build().to_bytes()
    notes = _notes(preset, name, planner, writer)
    if description and _fit_bytes(description) != description:
        notes.append(f"the description is cut to the {NOTES_MAX_BYTES} bytes a FIT text holds")
    return data, notes


def _notes(preset: Preset, name: str, planner: _Planner, writer: _Writer) -> list[str]:
    leaves = list(_leaves(preset.steps))
    notes = []
    if name != _clean(preset.name):
        notes.append(f"the workout name is shortened to {name!r} for the watch")
    if planner.unrolled:
        blocks = ", ".join(repr(b) for b in planner.unrolled)
        notes.append(
            "skip_last_rest: a FIT repeat cannot leave out its last rest, so the last round of "
            f"{blocks} is written out after a repeat of one round fewer; "
            "the watch runs the same steps as speedtimer"
        )
    dist = [s for s in leaves if s.duration_s is None and s.distance_m]
    on_lap = sum(1 for s in dist if ends_on_lap(s, writer.lap_button))
    if on_lap:
        notes.append(
            f"{on_lap} step(s) with a distance are lap-button steps on the watch (press lap "
            "at the line); the distance is in the step name and notes"
        )
    if len(dist) > on_lap:
        notes.append(
            f"{len(dist) - on_lap} step(s) with a distance end at their distance on the watch "
            "(GPS); on a track, export with --lap-button to end them on the lap button"
        )
    texts = sorted({s.target_text for s in leaves if s.target_text})
    if texts:
        notes.append(
            f"targets the watch is not given as targets ({', '.join(texts[:3])}) are in the "
            "step notes"
        )
    paced = next((s for s in leaves if s.pace_s_per_km and s.pace_hi_s_per_km is None), None)
    if paced is not None:
        unit = paced.pace_unit
        pace = paced.pace_s_per_km * (MILE_M / 1000 if unit == "mi" else 1)
        lo = format_clock(pace * (1 - PACE_TOLERANCE))
        hi = format_clock(pace * (1 + PACE_TOLERANCE))
        notes.append(
            f"target paces become speed ranges of ±{PACE_TOLERANCE:.0%} "
            f"(e.g. {format_target_pace(paced)} -> {lo}-{hi}/{unit}); "
            "target times are in the step notes"
        )
    if writer.shortened:
        notes.append(
            f"{len(writer.shortened)} step name(s) longer than {STEP_NAME_MAX} characters are "
            "shortened; the full label is in the step notes"
        )
    if preset.halfway:
        notes.append("the halfway cue has no FIT equivalent; the watch will not play it")
    return notes


def _leaves(items: tuple[Step | Repeat, ...]):
    for item in items:
        if isinstance(item, Step):
            yield item
        else:
            yield from _leaves(item.steps)


def write_fit_workout(
    preset: Preset, path: Path, *, created: datetime | None = None, lap_button: bool = False
) -> list[str]:
    """Write `preset` as a FIT workout file at `path`; return notes for the user."""
    data, notes = workout_bytes(preset, created=created, lap_button=lap_button)
    _write_atomic(Path(path), data)
    return notes


def _write_atomic(path: Path, data: bytes) -> None:
    """Temp file beside `path`, then rename: a watch never gets half a workout."""
    if path.is_dir():
        raise SaveError(f"cannot write {path}: it is a folder")
    if not path.parent.is_dir():
        raise SaveError(f"cannot write {path}: folder {path.parent} does not exist")
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise SaveError(f"cannot write {path}: {exc.strerror or exc}") from exc
