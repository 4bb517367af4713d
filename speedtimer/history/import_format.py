"""The history's export/import format (`speedtimer-history` JSON): each imported session
checked field by field, with the key path and what was expected, before anything is written."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from speedtimer.core.preset import KINDS, MAX_DISTANCE_M, MAX_REPEAT, MAX_STEPS, MAX_TOTAL_SECONDS
from speedtimer.core.statuses import STATUS_WORDS, status_code
from speedtimer.core.text import control_char_problem
from speedtimer.history.errors import ImportFormatError
from speedtimer.history.rows import ENDED_HOW, StepRow, from_iso, totals_from_steps

EXPORT_FORMAT = "speedtimer-history"
EXPORT_VERSION = 1


# --- validation of imported dicts --------------------------------------------------------


_MISSING = object()
_INT64 = (-(2**63), 2**63 - 1)  # what SQLite can store as an INTEGER

# Bounds on every number an import brings in (README, "History"). Time run is at most the
# preset limit of 48 hours of timed steps, in a step or in a whole session; a split or a lap
# is no longer than the step it was taken in. Plans (an open step's target, the session's
# estimate) and pauses (a laptop asleep through a holiday) are at most a year. Anything
# beyond these did not come from a run, and could not be shown.
MAX_STEP_S = float(MAX_TOTAL_SECONDS)  # one step: planned, run, split, each lap
MAX_SESSION_S = float(MAX_TOTAL_SECONDS)  # a session: active and work time
MAX_PAUSE_S = 366 * 24 * 3600.0  # paused in one step or one session; a target; a plan
MAX_PACE_S_PER_KM = MAX_STEP_S * 1000  # the longest step over one metre
MAX_STEP_ROWS = 1_000_000  # steps of one session, restarts and back counted
SPLIT_SLACK_S = 0.01  # rounding between a step's time and the sum of its laps
_YEARS = (1900, 9998)  # times outside these cannot be shifted by any UTC offset safely
_TIME_EXPECTED = "an ISO-8601 time like 2025-03-01T07:30:00Z"


def _finite_number(value: Any) -> bool:
    """A JSON number that is a float SQLite can hold: not NaN or infinite, not a huge int."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an int beyond the float range
        return False


class _Check:
    """Reads one dict field by field; every failure names where and what was expected."""

    def __init__(self, d: Any, where: str) -> None:
        if not isinstance(d, dict):
            raise ImportFormatError(f"{where}: expected an object, got {type(d).__name__}")
        self.d = d
        self.where = where

    def fail(self, key: str, expected: str) -> ImportFormatError:
        got = repr(self.d.get(key))
        if len(got) > 40:
            got = got[:37] + "..."
        return ImportFormatError(f"{self.where}: {key}: expected {expected}, got {got}")

    def _get(self, key: str, optional: bool, default: Any) -> tuple[bool, Any]:
        if key not in self.d or self.d[key] is None:
            if optional:
                return True, None
            if default is not _MISSING:
                return True, default
            raise ImportFormatError(f"{self.where}: {key}: missing")
        return False, self.d[key]

    def text(
        self,
        key: str,
        *,
        optional: bool = False,
        default: Any = _MISSING,
        allowed: str | None = "",
    ) -> Any:
        """`allowed`: the control characters the text may hold (None: any; the text is not
        shown on screen). Lone surrogates are never stored: SQLite holds only UTF-8."""
        done, value = self._get(key, optional, default)
        if done:
            return value
        if not isinstance(value, str):
            raise self.fail(key, "text")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise self.fail(key, f"text (character {exc.start + 1} is a lone surrogate)") from None
        if allowed is not None:
            problem = control_char_problem(value, allowed)
            if problem:
                raise ImportFormatError(f"{self.where}: {key}: {problem}")
        return value

    def integer(
        self,
        key: str,
        *,
        optional: bool = False,
        default: Any = _MISSING,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> Any:
        done, value = self._get(key, optional, default)
        if done:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "a whole number")
        lo = _INT64[0] if minimum is None else minimum
        hi = _INT64[1] if maximum is None else maximum
        if not lo <= value <= hi:
            raise self.fail(key, f"a whole number from {lo} to {hi}")
        return value

    def number(
        self,
        key: str,
        *,
        optional: bool = False,
        default: Any = _MISSING,
        most: float,
        positive: bool = False,
    ) -> Any:
        """Seconds (or metres) from 0 (more than 0 with `positive`) to `most`."""
        done, value = self._get(key, optional, default)
        if done:
            return value
        expected = _range_words(most, positive)
        if not _finite_number(value):
            raise self.fail(key, expected)
        number = float(value)
        low_ok = number > 0 if positive else number >= 0
        if not low_ok or number > most:
            raise self.fail(key, expected)
        return number

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.d.get(key)
        if value not in allowed:
            raise self.fail(key, "one of " + ", ".join(allowed))
        return value

    def time(self, key: str, *, optional: bool = False) -> datetime | None:
        done, value = self._get(key, optional, _MISSING)
        if done:
            return value
        if not isinstance(value, str):
            raise self.fail(key, _TIME_EXPECTED)
        try:
            when = from_iso(value)
        except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 with an offset
            raise self.fail(key, _TIME_EXPECTED) from None
        if not _YEARS[0] <= when.year <= _YEARS[1]:
            raise self.fail(key, f"{_TIME_EXPECTED}, in the years {_YEARS[0]} to {_YEARS[1]}")
        return when

    def status(self, key: str) -> str:
        """A session status as exported ("ended early"), or the older code ("aborted")."""
        value = self.d.get(key)
        code = status_code(value) if isinstance(value, str) else None
        if code is None:
            raise self.fail(key, "one of " + ", ".join(STATUS_WORDS.values()))
        return code

    def signed_number(self, key: str, *, default: float, most: float) -> float:
        """Seconds from -`most` to `most` (time taken off is negative)."""
        done, value = self._get(key, False, default)
        if done:
            return value
        if not _finite_number(value) or not -most <= float(value) <= most:
            raise self.fail(key, f"a number from {-most:g} to {most:g}")
        return float(value)

    def laps(self, key: str, most: float) -> tuple[float, ...]:
        value = self.d.get(key) or []
        if not isinstance(value, list):
            raise self.fail(key, "a list of seconds")
        for i, x in enumerate(value):
            if not _finite_number(x) or not 0 <= float(x) <= most:
                got = repr(x) if len(repr(x)) <= 40 else repr(x)[:37] + "..."
                raise ImportFormatError(
                    f"{self.where}: {key}[{i}]: expected {_range_words(most)}, got {got}"
                )
        return tuple(float(x) for x in value)


def _range_words(most: float, positive: bool = False) -> str:
    if positive:
        return f"a number more than 0 and at most {most:g}"
    if most >= 3600 and most % 3600 == 0:
        return f"seconds from 0 to {int(most)} ({int(most // 3600)} hours)"
    return f"a number from 0 to {most:g}"


@dataclass(frozen=True)
class _Imported:
    uuid: str
    preset_name: str
    preset_toml: str
    started_at: datetime
    utc_offset_min: int
    ended_at: datetime | None
    status: str
    planned_s: float
    active_s: float
    work_s: float
    reps_done: int
    reps_planned: int
    paused_s: float
    rpe: int | None
    note: str
    pid: int | None
    host: str | None
    steps: tuple[StepRow, ...]
    race: str = ""
    vdot: float | None = None
    athlete: str = ""
    squad: str = ""
    group_id: str | None = None


def step_from_dict(d: Any, where: str = "step") -> StepRow:
    """One imported step, checked field by field."""
    v = _Check(d, where)
    row = StepRow(
        idx=v.integer("idx", minimum=0, maximum=MAX_STEP_ROWS),
        step_index=v.integer("step_index", minimum=0, maximum=MAX_STEPS - 1),
        kind=v.choice("kind", KINDS),
        label=v.text("label", default=""),
        rep=v.integer("rep", optional=True, minimum=0, maximum=MAX_STEPS),
        rep_count=v.integer("rep_count", optional=True, minimum=0, maximum=MAX_STEPS),
        set_no=v.integer("set", optional=True, minimum=0, maximum=MAX_REPEAT),
        set_count=v.integer("set_count", optional=True, minimum=0, maximum=MAX_REPEAT),
        planned_s=v.number("planned_s", optional=True, most=MAX_STEP_S),
        actual_s=v.number("actual_s", most=MAX_STEP_S),
        paused_s=v.number("paused_s", default=0.0, most=MAX_PAUSE_S),
        ended_how=v.choice("ended_how", ENDED_HOW),
        started_at=v.time("started_at"),
        ended_at=v.time("ended_at"),
        distance_m=v.number("distance_m", optional=True, most=MAX_DISTANCE_M, positive=True),
        target_s=v.number("target_s", optional=True, most=MAX_PAUSE_S),
        split_s=v.number("split_s", optional=True, most=MAX_STEP_S),
        pace_s_per_km=v.number(
            "pace_s_per_km", optional=True, most=MAX_PACE_S_PER_KM, positive=True
        ),
        laps=v.laps("laps", MAX_STEP_S),
        target_lo_s=v.number("target_lo_s", optional=True, most=MAX_PAUSE_S),
        target_hi_s=v.number("target_hi_s", optional=True, most=MAX_PAUSE_S),
        adjusted_s=v.signed_number("adjusted_s", default=0.0, most=MAX_STEP_S),
    )
    # a split is part of its step: never longer than the time the step ran
    longest = row.actual_s + SPLIT_SLACK_S
    if row.split_s is not None and row.split_s > longest:
        raise v.fail("split_s", f"at most the step's actual_s ({row.actual_s:g} s)")
    if sum(row.laps) > longest:
        raise ImportFormatError(
            f"{where}: laps: expected laps adding up to at most the step's actual_s "
            f"({row.actual_s:g} s), got {sum(row.laps):g} s"
        )
    return row


def session_from_dict(d: Any, where: str = "session") -> _Imported:
    """Validate one exported session dict. A session still 'in_progress' (its program is gone)
    comes in as 'interrupted', its totals and end worked out from its steps."""
    v = _Check(d, where)
    uid = v.text("uuid")
    if not uid.strip() or len(uid) > 100:
        raise v.fail("uuid", "a session id (1 to 100 characters)")
    where = f"{where} ({uid})"
    v.where = where
    steps_raw = d.get("steps") or []
    if not isinstance(steps_raw, list):
        raise v.fail("steps", "a list of steps")
    steps = tuple(step_from_dict(s, f"{where}: steps[{i}]") for i, s in enumerate(steps_raw))
    if len({s.idx for s in steps}) != len(steps):
        raise ImportFormatError(f"{where}: steps: two steps share the same idx")
    started = v.time("started_at")
    status = v.status("status")
    ended = v.time("ended_at", optional=True)
    totals = {
        "active_s": v.number("active_s", default=0.0, most=MAX_SESSION_S),
        "work_s": v.number("work_s", default=0.0, most=MAX_SESSION_S),
        "reps_done": v.integer("reps_done", default=0, minimum=0, maximum=MAX_STEP_ROWS),
        "paused_s": v.number("paused_s", default=0.0, most=MAX_PAUSE_S),
    }
    if status == "in_progress":
        status = "interrupted"
        totals = totals_from_steps(steps)
        ended = max((s.ended_at for s in steps), default=started)
    return _Imported(
        uuid=uid,
        preset_name=v.text("preset_name"),
        preset_toml=v.text("preset_toml", default="", allowed=None),
        started_at=started,
        utc_offset_min=v.integer("utc_offset_min", default=0, minimum=-1440, maximum=1440),
        ended_at=ended,
        status=status,
        planned_s=v.number("planned_s", default=0.0, most=MAX_PAUSE_S),
        active_s=float(totals["active_s"]),
        work_s=float(totals["work_s"]),
        reps_done=int(totals["reps_done"]),
        reps_planned=v.integer("reps_planned", default=0, minimum=0, maximum=MAX_STEPS),
        paused_s=float(totals["paused_s"]),
        rpe=v.integer("rpe", optional=True, minimum=1, maximum=10),
        note=v.text("note", default="", allowed="\n\t"),
        pid=v.integer("pid", optional=True),
        host=v.text("host", optional=True),
        steps=steps,
        race=v.text("race", default="")[:60],
        vdot=_bounded_vdot(v.number("vdot", optional=True, most=MAX_VDOT)),
        athlete=_at_most(v, "athlete", 40, default=""),
        squad=_at_most(v, "squad", 40, default=""),
        group_id=_at_most(v, "group_id", 100, optional=True),
    )


def _at_most(v: _Check, key: str, most: int, **kw) -> Any:
    """A short text field (coach mode's athlete, squad, group id), refused when longer."""
    value = v.text(key, **kw)
    if value is not None and len(value) > most:
        raise v.fail(key, f"a text of at most {most} characters")
    return value


MAX_VDOT = 120.0  # far beyond any runner: the pace model itself stops at 90


def _bounded_vdot(value: float | None) -> float | None:
    """A VDOT from a file (0 to MAX_VDOT, checked by the reader): 0 means none."""
    if value is None or value < 1:
        return None
    return float(value)
