"""The history's rows as Python values (sessions, steps, weekly trends), the vocabularies of
their columns, and UTC/local time as stored (ISO-8601 UTC text plus the runner's offset)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, NamedTuple

STATUSES = ("in_progress", "completed", "aborted", "interrupted")
FINAL_STATUSES = ("completed", "aborted", "interrupted")
ENDED_HOW = ("time", "lap", "skipped", "back", "aborted")
DONE_HOW = ("time", "lap")  # a work step ended this way counts as a rep done
ORDER_COLUMNS = ("started_at", "preset_name", "status", "active_s", "work_s", "planned_s", "rpe")


# --- time helpers ------------------------------------------------------------------------


def to_iso(dt: datetime) -> str:
    """UTC text with milliseconds: 2025-03-01T07:30:00.123Z (sorts in time order)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {dt!r}")
    u = dt.astimezone(UTC)
    return u.strftime("%Y-%m-%dT%H:%M:%S.") + f"{u.microsecond // 1000:03d}Z"


def from_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def local_offset_min(at: datetime | None = None) -> int:
    """This computer's UTC offset in minutes at `at` (now by default)."""
    at = at or datetime.now(UTC)
    off = at.astimezone().utcoffset() or timedelta(0)
    return round(off.total_seconds() / 60)


def _offset_of(dt: datetime) -> int:
    """The offset `dt` carries; for a UTC time, the computer's local offset at that moment."""
    off = dt.utcoffset() or timedelta(0)
    if off == timedelta(0):
        return local_offset_min(dt)
    return round(off.total_seconds() / 60)


def _local_date(now: datetime | None) -> date:
    if now is None:
        return datetime.now().astimezone().date()
    if now.tzinfo is None:
        return now.date()
    return now.date()  # an aware `now` is read in its own offset


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


# SQL for "the Monday of the session's week, in the runner's local time"
_LOCAL_WEEK = "date(started_at, printf('%+d minutes', utc_offset_min), 'weekday 0', '-6 days')"


# --- rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    """One step as run. `idx` is the order it ran in; `step_index` its place in the schedule."""

    idx: int
    step_index: int
    kind: str
    label: str
    actual_s: float
    ended_how: str
    started_at: datetime
    ended_at: datetime
    paused_s: float = 0.0
    planned_s: float | None = None
    rep: int | None = None
    rep_count: int | None = None
    set_no: int | None = None
    set_count: int | None = None
    distance_m: float | None = None
    target_s: float | None = None
    split_s: float | None = None  # lap time, for lap-ended (open) steps
    pace_s_per_km: float | None = None  # actual pace, when the distance is known
    laps: tuple[float, ...] = ()  # intermediate splits taken inside the step
    adjusted_s: float = 0.0  # added (+) or removed (-) with the +/- keys; planned_s is the plan
    # a target range's fastest and slowest time for the distance (target_s is its middle)
    target_lo_s: float | None = None
    target_hi_s: float | None = None

    def delta_s(self) -> float | None:
        """Split minus target: 0 inside a target range, else the distance to its nearer end
        (as the run screen and the summary said it); None without a split or a target."""
        if self.split_s is None or not self.target_s:
            return None
        lo, hi = self.target_lo_s, self.target_hi_s
        if lo is not None and hi is not None and lo <= hi:
            if self.split_s < lo:
                return self.split_s - lo
            return max(0.0, self.split_s - hi)
        return self.split_s - self.target_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "idx": self.idx,
            "step_index": self.step_index,
            "kind": self.kind,
            "label": self.label,
            "rep": self.rep,
            "rep_count": self.rep_count,
            "set": self.set_no,
            "set_count": self.set_count,
            "planned_s": self.planned_s,
            "actual_s": self.actual_s,
            "paused_s": self.paused_s,
            "ended_how": self.ended_how,
            "started_at": to_iso(self.started_at),
            "ended_at": to_iso(self.ended_at),
            "distance_m": self.distance_m,
            "target_s": self.target_s,
            "split_s": self.split_s,
            "pace_s_per_km": self.pace_s_per_km,
            "laps": list(self.laps),
            "target_lo_s": self.target_lo_s,
            "target_hi_s": self.target_hi_s,
            "adjusted_s": self.adjusted_s,
        }

    def _params(self, session_id: int) -> tuple:
        return (
            session_id,
            self.idx,
            self.step_index,
            self.kind,
            self.label,
            self.rep,
            self.rep_count,
            self.set_no,
            self.set_count,
            self.planned_s,
            float(self.actual_s),
            float(self.paused_s),
            self.ended_how,
            to_iso(self.started_at),
            to_iso(self.ended_at),
            self.distance_m,
            self.target_s,
            self.split_s,
            self.pace_s_per_km,
            json.dumps([float(x) for x in self.laps]),
            self.target_lo_s,
            self.target_hi_s,
            float(self.adjusted_s),
        )


_STEP_COLUMNS = (
    "session_id, idx, step_index, kind, label, rep, rep_count, set_no, set_count, planned_s, "
    "actual_s, paused_s, ended_how, started_at, ended_at, distance_m, target_s, split_s, "
    "pace_s_per_km, laps, target_lo_s, target_hi_s, adjusted_s"
)
_INSERT_STEP = f"INSERT OR REPLACE INTO steps ({_STEP_COLUMNS}) VALUES ({', '.join('?' * 23)})"


@dataclass(frozen=True)
class SessionSummary:
    id: int
    uuid: str
    preset_name: str
    started_at: datetime  # UTC
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
    athlete: str = ""  # coach mode: whose session this is ("" for the runner's own)

    @property
    def display_name(self) -> str:
        """The preset, and for coach mode's sessions whose: "8 x 400 m · Ana"."""
        return f"{self.preset_name} · {self.athlete}" if self.athlete else self.preset_name

    @property
    def local_started_at(self) -> datetime:
        """The start in the runner's own local time then (the offset stored with it)."""
        return self.started_at.astimezone(timezone(timedelta(minutes=self.utc_offset_min)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "preset_name": self.preset_name,
            "started_at": to_iso(self.started_at),
            "utc_offset_min": self.utc_offset_min,
            "ended_at": to_iso(self.ended_at) if self.ended_at else None,
            "status": self.status,
            "planned_s": self.planned_s,
            "active_s": self.active_s,
            "work_s": self.work_s,
            "reps_done": self.reps_done,
            "reps_planned": self.reps_planned,
            "paused_s": self.paused_s,
            "rpe": self.rpe,
            "note": self.note,
        }


@dataclass(frozen=True)
class SessionDetail(SessionSummary):
    preset_toml: str = ""
    pid: int | None = None
    host: str | None = None
    steps: tuple[StepRow, ...] = field(default_factory=tuple)
    race: str = ""  # the race its targets came from ("5k 19:57"), "" for none
    vdot: float | None = None
    squad: str = ""  # coach mode: the squad of a group run
    group_id: str | None = None  # the sessions of one group run share it

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["preset_toml"] = self.preset_toml
        d["host"] = self.host
        d["pid"] = self.pid
        d["race"] = self.race
        d["vdot"] = self.vdot
        d["athlete"] = self.athlete
        d["squad"] = self.squad
        d["group_id"] = self.group_id
        d["steps"] = [s.to_dict() for s in self.steps]
        return d


class WeekTrend(NamedTuple):
    week_start: date  # Monday, runner's local calendar
    sessions: int
    work_minutes: float


class TargetDelta(NamedTuple):
    """One session's lap-timed work reps against their targets (as run)."""

    day: date  # the runner's local date
    avg_delta_s: float  # split minus target, averaged over its reps: + slower, - faster
    reps: int
    race: str  # the race the targets came from, "" for fixed paces


class SplitStats(NamedTuple):
    best_avg_split: float | None
    latest_avg_split: float | None


_SUMMARY_COLUMNS = (
    "id, uuid, preset_name, started_at, utc_offset_min, ended_at, status, planned_s, active_s, "
    "work_s, reps_done, reps_planned, paused_s, rpe, note"
)


def _summary(row: tuple) -> SessionSummary:
    return SessionSummary(*_summary_values(row))


def _summary_values(row: tuple) -> list:
    values = list(row[:15])
    values[3] = from_iso(values[3])
    values[5] = from_iso(values[5]) if values[5] else None
    return values


def _step_from_row(row: tuple) -> StepRow:
    (
        idx,
        step_index,
        kind,
        label,
        rep,
        rep_count,
        set_no,
        set_count,
        planned_s,
        actual_s,
        paused_s,
        ended_how,
        started_at,
        ended_at,
        distance_m,
        target_s,
        split_s,
        pace,
        laps,
        target_lo_s,
        target_hi_s,
        adjusted_s,
    ) = row
    try:
        laps_t = tuple(float(x) for x in json.loads(laps or "[]"))
    except (ValueError, TypeError):
        laps_t = ()
    return StepRow(
        idx=idx,
        step_index=step_index,
        kind=kind,
        label=label,
        rep=rep,
        rep_count=rep_count,
        set_no=set_no,
        set_count=set_count,
        planned_s=planned_s,
        actual_s=actual_s,
        paused_s=paused_s,
        ended_how=ended_how,
        started_at=from_iso(started_at),
        ended_at=from_iso(ended_at),
        distance_m=distance_m,
        target_s=target_s,
        split_s=split_s,
        pace_s_per_km=pace,
        laps=laps_t,
        target_lo_s=target_lo_s,
        target_hi_s=target_hi_s,
        adjusted_s=adjusted_s or 0.0,
    )


_RECOVER_SQL = """
    UPDATE sessions SET
        status = 'interrupted',
        ended_at = coalesce((SELECT max(ended_at) FROM steps WHERE session_id = :id), started_at),
        active_s = coalesce((SELECT sum(actual_s) FROM steps WHERE session_id = :id), 0),
        paused_s = coalesce((SELECT sum(paused_s) FROM steps WHERE session_id = :id), 0),
        work_s = coalesce(
            (SELECT sum(actual_s) FROM steps WHERE session_id = :id AND kind = 'work'), 0),
        reps_done = (SELECT count(*) FROM steps
            WHERE session_id = :id AND kind = 'work' AND ended_how IN ('time', 'lap'))
    WHERE id = :id AND status = 'in_progress'
"""

_STEP_SELECT = (
    "SELECT idx, step_index, kind, label, rep, rep_count, set_no, set_count, planned_s, actual_s, "
    "paused_s, ended_how, started_at, ended_at, distance_m, target_s, split_s, pace_s_per_km, "
    "laps, target_lo_s, target_hi_s, adjusted_s FROM steps"
)


_EXPORT_KEYS = (
    "uuid",
    "preset_name",
    "started_at",
    "utc_offset_min",
    "ended_at",
    "status",
    "planned_s",
    "active_s",
    "work_s",
    "reps_done",
    "reps_planned",
    "paused_s",
    "rpe",
    "note",
    "preset_toml",
    "pid",
    "host",
    "race",
    "vdot",
    "athlete",
    "squad",
    "group_id",
)
_STEP_KEYS = (
    "idx",
    "step_index",
    "kind",
    "label",
    "rep",
    "rep_count",
    "set",
    "set_count",
    "planned_s",
    "actual_s",
    "paused_s",
    "ended_how",
    "started_at",
    "ended_at",
    "distance_m",
    "target_s",
    "split_s",
    "pace_s_per_km",
)


def _step_dict(row: tuple) -> dict[str, Any]:
    """An export dict from a step row, without a trip through datetime (export speed)."""
    d = dict(zip(_STEP_KEYS, row[:18], strict=True))
    laps = row[18]
    if not laps or laps == "[]":
        d["laps"] = []
    else:
        try:
            d["laps"] = [float(x) for x in json.loads(laps)]
        except (ValueError, TypeError):
            d["laps"] = []
    d["target_lo_s"], d["target_hi_s"] = row[19], row[20]
    d["adjusted_s"] = row[21] or 0.0
    return d


def totals_from_steps(steps: Iterable[StepRow]) -> dict[str, float | int]:
    """active_s, work_s, reps_done and paused_s as a session's steps add them up."""
    active = work = paused = 0.0
    reps = 0
    for s in steps:
        active += s.actual_s
        paused += s.paused_s
        if s.kind == "work":
            work += s.actual_s
            if s.ended_how in DONE_HOW:
                reps += 1
    return {"active_s": active, "work_s": work, "reps_done": reps, "paused_s": paused}
