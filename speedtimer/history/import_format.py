"""The history's export/import format (`speedtimer-history` JSON): each imported session
checked field by field, with the key path and what was expected, before anything is written."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from speedtimer.core.preset import KINDS
from speedtimer.core.text import control_char_problem
from speedtimer.history.errors import ImportFormatError
from speedtimer.history.rows import ENDED_HOW, STATUSES, StepRow, from_iso, totals_from_steps

EXPORT_FORMAT = "speedtimer-history"
EXPORT_VERSION = 1


# --- validation of imported dicts --------------------------------------------------------


_MISSING = object()
_INT64 = (-(2**63), 2**63 - 1)  # what SQLite can store as an INTEGER
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

    def number(self, key: str, *, optional: bool = False, default: Any = _MISSING) -> Any:
        done, value = self._get(key, optional, default)
        if done:
            return value
        if not _finite_number(value):
            raise self.fail(key, "a number")
        return float(value)

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

    def laps(self, key: str) -> tuple[float, ...]:
        value = self.d.get(key) or []
        if not isinstance(value, list) or not all(_finite_number(x) for x in value):
            raise self.fail(key, "a list of seconds")
        return tuple(float(x) for x in value)


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


def step_from_dict(d: Any, where: str = "step") -> StepRow:
    """One imported step, checked field by field."""
    v = _Check(d, where)
    return StepRow(
        idx=v.integer("idx", minimum=0),
        step_index=v.integer("step_index", minimum=0),
        kind=v.choice("kind", KINDS),
        label=v.text("label", default=""),
        rep=v.integer("rep", optional=True),
        rep_count=v.integer("rep_count", optional=True),
        set_no=v.integer("set", optional=True),
        set_count=v.integer("set_count", optional=True),
        planned_s=v.number("planned_s", optional=True),
        actual_s=v.number("actual_s"),
        paused_s=v.number("paused_s", default=0.0),
        ended_how=v.choice("ended_how", ENDED_HOW),
        started_at=v.time("started_at"),
        ended_at=v.time("ended_at"),
        distance_m=v.number("distance_m", optional=True),
        target_s=v.number("target_s", optional=True),
        split_s=v.number("split_s", optional=True),
        pace_s_per_km=v.number("pace_s_per_km", optional=True),
        laps=v.laps("laps"),
    )


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
    status = v.choice("status", STATUSES)
    ended = v.time("ended_at", optional=True)
    totals = {
        "active_s": v.number("active_s", default=0.0),
        "work_s": v.number("work_s", default=0.0),
        "reps_done": v.integer("reps_done", default=0, minimum=0),
        "paused_s": v.number("paused_s", default=0.0),
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
        planned_s=v.number("planned_s", default=0.0),
        active_s=float(totals["active_s"]),
        work_s=float(totals["work_s"]),
        reps_done=int(totals["reps_done"]),
        reps_planned=v.integer("reps_planned", default=0, minimum=0),
        paused_s=float(totals["paused_s"]),
        rpe=v.integer("rpe", optional=True, minimum=1, maximum=10),
        note=v.text("note", default="", allowed="\n\t"),
        pid=v.integer("pid", optional=True),
        host=v.text("host", optional=True),
        steps=steps,
        race=v.text("race", default="")[:60],
        vdot=_bounded_vdot(v.number("vdot", optional=True)),
    )


def _bounded_vdot(value: float | None) -> float | None:
    """A VDOT from a file: kept only inside what the pace model covers."""
    if value is None or not 1 <= value <= 120:
        return None
    return float(value)
