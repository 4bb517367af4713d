"""What the voice says and when: phrase templates filled in for a step, and each phrase placed
in the quiet between cues so that it ends where its moment is.

Pure: no I/O, no clock. Part of the functional core (see the import-linter contract). The shell
renders the texts to WAV files, tells the planner how long each one lasts, and sends each
phrase to the sound helper with its start time, exactly like a cue sent ahead.

How phrases are placed ("pips win"):

* a step is announced at the end of the step before it, ending just before that step's first
  countdown pip (or its end, when it has none): "Rep 3 of 8. 400 metres. Go." pip, pip, pip,
  then the work cue. A step after an open (lap-ended) step, or after one too short to hold the
  phrase, is announced right after its own cue instead;
* "Halfway." ends just before the halfway cue, "10 seconds." ends at 10 s left;
* nothing ever overlaps a cue: a phrase keeps GAP_S of silence on both sides of every cue and
  of every other phrase, and a phrase that does not fit is left out, never squeezed in;
* the session's last words come after the finish fanfare.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from speedtimer.core.cues import cue_for
from speedtimer.core.phrases import PHRASE_KEYS, STEP_PHRASES
from speedtimer.core.preset import CLOCK_LIMIT_S, finite_seconds
from speedtimer.core.schedule import Schedule, ScheduledStep
from speedtimer.core.timer import HALFWAY_MIN_S, EventKind, SegmentView

GAP_S = 0.15  # silence kept between a phrase and any cue or other phrase
MOMENT_SLACK_S = 0.5  # "Halfway." / "10 seconds." may end this much early, never more
TEN_SECONDS_S = 10.0
TEN_SECONDS_MIN_S = HALFWAY_MIN_S  # "10 seconds." only in timed steps longer than this
CUE_FALLBACK_S = 1.0  # a cue of unknown length is taken to last this long

PHRASE_MEANINGS: dict[str, str] = {
    "warmup": "a warm-up step starts",
    "work": "a work rep starts",
    "rest": "a rest starts",
    "cooldown": "a cool-down step starts",
    "last_rep": "the session's last work rep starts (empty: announced like the others)",
    "halfway": "halfway through a step, with the halfway cue",
    "ten_seconds": "10 seconds before a timed step of over 20 s ends",
    "finished": "after the finish fanfare",
}
STEP_PLACEHOLDERS = (
    "rep",
    "reps",
    "set",
    "sets",
    "what",
    "label",
    "distance",
    "duration",
    "target",
)
FINISH_PLACEHOLDERS = ("reps", "minutes", "duration", "name")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    key: FINISH_PLACEHOLDERS if key == "finished" else STEP_PLACEHOLDERS for key in PHRASE_KEYS
}
PLACEHOLDER_MEANINGS: dict[str, str] = {
    "rep": "the rep's number in its repeat block",
    "reps": "how many reps the block has (in `finished`: work reps done)",
    "set": "the set's number, in a block of blocks",
    "sets": "how many sets",
    "what": 'the step\'s label, or its distance ("400 metres") when it has no label or the '
    "label only gives the distance",
    "label": "the step's label as written",
    "distance": 'the step\'s distance, "400 metres"',
    "duration": 'a timed step\'s length, "1 minute 30" (in `finished`: the time run, "24 minutes")',
    "target": "the target time of a distance at a pace",
    "minutes": "whole minutes run, pauses left out",
    "name": "the preset's name",
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_JUST_A_DISTANCE = re.compile(r"^\s*\d+(\.\d+)?\s*(m|metres?|meters?|km|k)?\s*$", re.IGNORECASE)


# --- templates ---------------------------------------------------------------------------------


def template_problem(key: str, template: str) -> str | None:
    """Why `template` cannot be the `key` phrase, or None. Says what to write instead."""
    allowed = PLACEHOLDERS[key]
    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(template)]
    except ValueError as exc:
        return f"not a phrase template ({exc}); write a literal brace as {{{{ or }}}}"
    for name, spec, conv in fields:
        if name is None:
            continue
        if name not in allowed:
            hint = difflib.get_close_matches(name, allowed, n=1)
            extra = f"did you mean {{{hint[0]}}}? " if hint else ""
            return f"unknown placeholder {{{name}}}; {extra}placeholders: " + ", ".join(
                f"{{{p}}}" for p in allowed
            )
        if spec or conv:
            return f"placeholders take no format or conversion; write {{{name}}}"
    return None


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with its placeholders filled; a sentence whose placeholder has no value
    (a step outside a repeat has no {rep}) is left out whole, so nothing half-said is heard."""
    kept = []
    for sentence in _SENTENCE_END.split(template.strip()):
        out = []
        try:
            parts = list(string.Formatter().parse(sentence))
        except ValueError:
            return ""  # settings reject such templates; never speak a broken one
        for literal, name, _, _ in parts:
            out.append(literal)
            if name is not None:
                value = values.get(name, "")
                if not value:
                    break
                out.append(value)
        else:
            text = "".join(out).strip()
            if any(ch.isalnum() for ch in text):
                kept.append(text)
    return " ".join(kept)


def _whole_seconds(seconds: float) -> int:
    """Seconds to say: rounded, never negative, never more than CLOCK_LIMIT_S; 0 for NaN."""
    value = finite_seconds(seconds)
    return 0 if value is None else round(min(max(value, 0.0), CLOCK_LIMIT_S))


def spoken_time(seconds: float) -> str:
    """90 -> "1 minute 30", 30 -> "30 seconds", 600 -> "10 minutes", as a coach says it."""
    total = _whole_seconds(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(_plural(hours, "hour"))
    if minutes:
        parts.append(_plural(minutes, "minute"))
    if secs:
        parts.append(str(secs) if parts else _plural(secs, "second"))
    return " ".join(parts) or "0 seconds"


def spoken_run_time(seconds: float) -> str:
    """Time run, for the last words: whole minutes from a minute up ("24 minutes")."""
    total = _whole_seconds(seconds)
    if total < 60:
        return _plural(total, "second")
    hours, minutes = divmod(round(total / 60), 60)
    parts = [_plural(hours, "hour")] if hours else []
    if minutes or not hours:
        parts.append(_plural(minutes, "minute"))
    return " ".join(parts)


def spoken_distance(metres: float) -> str:
    if metres >= 3000 and metres % 500 == 0:
        return _plural(metres / 1000, "kilometre")
    return _plural(metres, "metre")


def _plural(n: float, unit: str) -> str:
    return f"{n:g} {unit}" + ("" if n == 1 else "s")


def step_values(step: ScheduledStep) -> dict[str, str]:
    distance = spoken_distance(step.distance_m) if step.distance_m else ""
    label = step.label.strip()
    # "400 m" as a label would be read "four hundred em": say the distance instead
    plain_distance = bool(distance) and (not label or _JUST_A_DISTANCE.match(label) is not None)
    what = distance if plain_distance else label
    return {
        "rep": _number(step.rep),
        "reps": _number(step.rep_count),
        "set": _number(step.set),
        "sets": _number(step.set_count),
        "what": what,
        "label": label,
        "distance": distance,
        "duration": spoken_time(step.planned_s) if step.planned_s else "",
        "target": spoken_time(step.target_s) if step.target_s else "",
    }


def _number(n: int | None) -> str:
    return "" if n is None else str(n)


def step_phrase(phrases: Mapping[str, str], schedule: Schedule, index: int) -> str:
    """What is said as step `index` starts ("" when that phrase is switched off)."""
    step = schedule.steps[index]
    key = step.kind if step.kind in STEP_PHRASES else "work"
    if index == schedule.last_work_index and phrases.get("last_rep"):
        key = "last_rep"
    return fill(phrases.get(key, ""), step_values(step))


def moment_phrase(phrases: Mapping[str, str], key: str, step: ScheduledStep) -> str:
    return fill(phrases.get(key, ""), step_values(step))


def finished_phrase(
    phrases: Mapping[str, str], schedule: Schedule, *, reps_done: int, active_s: float
) -> str:
    values = {
        "reps": str(reps_done) if schedule.work_reps else "",
        "minutes": str(round(active_s / 60)),
        "duration": spoken_run_time(active_s),
        "name": schedule.name,
    }
    return fill(phrases.get("finished", ""), values)


def texts_for(phrases: Mapping[str, str], schedule: Schedule) -> list[str]:
    """Every phrase a run of `schedule` as planned will say, in the order they come up."""
    out: list[str] = []
    for step in schedule.steps:
        out.append(step_phrase(phrases, schedule, step.index))
        if step.planned_s is not None:
            if schedule.halfway and step.planned_s > HALFWAY_MIN_S:
                out.append(moment_phrase(phrases, "halfway", step))
            if step.planned_s > TEN_SECONDS_MIN_S:
                out.append(moment_phrase(phrases, "ten_seconds", step))
    out.append(
        finished_phrase(
            phrases, schedule, reps_done=schedule.work_reps, active_s=schedule.estimate_s
        )
    )
    return list(dict.fromkeys(t for t in out if t))


# --- placing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speech:
    """One phrase placed on the clock. `key` names it, so that it is sent once."""

    key: tuple[str, int, float]  # (what, step index, the segment's first start)
    text: str
    start: float
    seconds: float

    @property
    def end(self) -> float:
        return self.start + self.seconds

    @property
    def announces(self) -> int | None:
        """The step this phrase announces ahead of its start, if it does."""
        return self.key[1] + 1 if self.key[0] == "next" else None


Busy = list[tuple[float, float]]
_EPS = 1e-9


def _clear(start: float, end: float, busy: Busy) -> bool:
    return all(end + GAP_S <= b0 + _EPS or start + _EPS >= b1 + GAP_S for b0, b1 in busy)


def _latest_start(
    seconds: float,
    *,
    latest_end: float,
    earliest_start: float,
    busy: Busy,
    earliest_end: float = float("-inf"),
) -> float | None:
    """The latest start for a phrase of `seconds` within the bounds, clear of `busy`.

    The latest end that fits is either `latest_end` itself or just before a busy stretch,
    so those are the only candidates to try.
    """
    ends = sorted({latest_end, *(b0 - GAP_S for b0, _ in busy if b0 - GAP_S < latest_end)})
    for end in reversed(ends):
        start = end - seconds
        if end < earliest_end - _EPS or start < earliest_start - _EPS:
            return None
        if _clear(start, end, busy):
            return start
    return None


def cue_seconds_of(cue_seconds: Mapping[str, float], cue: str | None) -> float:
    return cue_seconds.get(cue, CUE_FALLBACK_S) if cue else 0.0


def finish_speech_start(finished_at: float, cue_seconds: Mapping[str, float]) -> float:
    """The last words start once the finish fanfare is over."""
    return finished_at + cue_seconds_of(cue_seconds, "finished") + GAP_S


def plan_segment(
    segment: SegmentView,
    schedule: Schedule,
    phrases: Mapping[str, str],
    *,
    seconds_of: Callable[[str], float | None],
    cue_seconds: Mapping[str, float],
    announce_own: bool,
) -> list[Speech]:
    """The phrases to say in this segment (get-ready or a step), by start time.

    `seconds_of` gives a rendered phrase's length, None while it is not ready: a phrase not
    ready is not placed. `announce_own`: the step was not announced ahead of its start, so it
    is announced after its own cue.
    """
    steps = schedule.steps
    idx, start = segment.index, segment.start
    boundary = start + segment.length if segment.length is not None else None
    busy: Busy = []

    def cue_at(at: float, cue: str | None) -> None:
        if cue:
            busy.append((at, at + cue_seconds_of(cue_seconds, cue)))

    own_cue = steps[idx].kind if idx >= 0 else None
    cue_at(start, own_cue)
    for ev in segment.cues:
        cue_at(ev.at, cue_for(ev, schedule))
    if boundary is not None:
        cue_at(boundary, steps[idx + 1].kind if idx + 1 < len(steps) else "finished")

    out: list[Speech] = []

    def place(what: str, text: str, at: float | None) -> None:
        if at is None:
            return
        seconds = seconds_of(text) or 0.0
        out.append(Speech((what, idx, segment.first_start), text, at, seconds))
        busy.append((at, at + seconds))

    def ready(text: str) -> float | None:
        return seconds_of(text) if text else None

    if announce_own and idx >= 0:
        text = step_phrase(phrases, schedule, idx)
        seconds = ready(text)
        if seconds:
            at = start + cue_seconds_of(cue_seconds, own_cue) + GAP_S
            if _clear(at, at + seconds, busy):
                place("own", text, at)

    if boundary is not None and idx + 1 < len(steps):
        text = step_phrase(phrases, schedule, idx + 1)
        seconds = ready(text)
        if seconds:
            pips = [ev.at for ev in segment.cues if ev.kind is EventKind.PIP]
            latest_end = (min(pips) if pips else boundary) - GAP_S
            at = _latest_start(seconds, latest_end=latest_end, earliest_start=start, busy=busy)
            place("next", text, at)

    if idx >= 0:
        step = steps[idx]
        moments = [(ev.at, "halfway") for ev in segment.cues if ev.kind is EventKind.HALFWAY]
        if boundary is not None and segment.length > TEN_SECONDS_MIN_S:
            moments.append((boundary - TEN_SECONDS_S, "ten_seconds"))
        for moment, key in moments:
            text = moment_phrase(phrases, key, step)
            seconds = ready(text)
            if seconds:
                at = _latest_start(
                    seconds,
                    latest_end=moment,
                    earliest_start=start,
                    busy=busy,
                    earliest_end=moment - GAP_S - MOMENT_SLACK_S,
                )
                place(key, text, at)

    return sorted(out, key=lambda s: s.start)
