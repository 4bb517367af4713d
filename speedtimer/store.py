"""The training diary: every session and every step, in one SQLite file.

Rules this module keeps:

* A session goes to disk as it runs: each write is its own short transaction (WAL mode,
  ``synchronous=FULL``), so a crash or ``kill -9`` loses at most the step in progress.
* A file that is not ours is never changed: not a database, a damaged one, another program's
  SQLite file, or one made by a newer speedtimer all raise `StoreError` before anything is
  written, and the file keeps every byte.
* The schema moves forward only, through `MIGRATIONS` (``PRAGMA user_version`` counts the ones
  applied). Add a new script at the end; never edit an old one.
* Two processes may write at once: ``busy_timeout`` plus a few retries on "database is locked".
* Queries stay fast after years (10,000-100,000 sessions): filtering, counting and weekly
  totals run in SQL on indexed columns; exports stream in batches.

Times are stored as UTC ISO-8601 text with milliseconds (``2025-03-01T07:30:00.000Z``), which
sorts in time order; each session also keeps the runner's local UTC offset at its start, so
"which day / which week" is the runner's own.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import random
import socket
import sqlite3
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

from speedtimer.terminal_text import control_char_problem

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

APPLICATION_ID = 0x53505444  # "SPTD": marks a SQLite file as a speedtimer history
STATUSES = ("in_progress", "completed", "aborted", "interrupted")
FINAL_STATUSES = ("completed", "aborted", "interrupted")
ENDED_HOW = ("time", "lap", "skipped", "back", "aborted")
DONE_HOW = ("time", "lap")  # a work step ended this way counts as a rep done
KINDS = ("warmup", "work", "rest", "cooldown")
ORDER_COLUMNS = ("started_at", "preset_name", "status", "active_s", "work_s", "planned_s", "rpe")
DEFAULT_BUSY_TIMEOUT_MS = 3000
DEFAULT_RETRIES = 2  # extra attempts after a "database is locked" that outlasted the timeout
OTHER_HOST_STALE = timedelta(hours=48)  # an in-progress session from another computer
EXPORT_FORMAT = "speedtimer-history"
EXPORT_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100  # an SQLite file's header: the magic string, then application_id at 68


def is_history_header(head: bytes) -> bool:
    """Whether the first HEADER_BYTES of a file can be a speedtimer history's.

    An application_id of 0 passes: a new history's first page may still be in the WAL."""
    if not head.startswith(_SQLITE_MAGIC):
        return False
    app_id = int.from_bytes(head[68:72], "big") if len(head) >= 72 else 0
    return app_id in (0, APPLICATION_ID)


# --- schema ------------------------------------------------------------------------------

MIGRATIONS: list[str] = [
    # 1: the initial schema
    f"""
    PRAGMA application_id = {APPLICATION_ID};
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        preset_name TEXT NOT NULL,
        preset_toml TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL,
        utc_offset_min INTEGER NOT NULL DEFAULT 0,
        ended_at TEXT,
        status TEXT NOT NULL DEFAULT 'in_progress'
            CHECK (status IN ('in_progress', 'completed', 'aborted', 'interrupted')),
        planned_s REAL NOT NULL DEFAULT 0,
        active_s REAL NOT NULL DEFAULT 0,
        work_s REAL NOT NULL DEFAULT 0,
        reps_done INTEGER NOT NULL DEFAULT 0,
        reps_planned INTEGER NOT NULL DEFAULT 0,
        paused_s REAL NOT NULL DEFAULT 0,
        rpe INTEGER CHECK (rpe IS NULL OR rpe BETWEEN 1 AND 10),
        note TEXT NOT NULL DEFAULT '',
        pid INTEGER,
        host TEXT
    );
    CREATE TABLE steps (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        step_index INTEGER NOT NULL,
        kind TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        rep INTEGER,
        rep_count INTEGER,
        set_no INTEGER,
        set_count INTEGER,
        planned_s REAL,
        actual_s REAL NOT NULL,
        paused_s REAL NOT NULL DEFAULT 0,
        ended_how TEXT NOT NULL
            CHECK (ended_how IN ('time', 'lap', 'skipped', 'back', 'aborted')),
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        distance_m REAL,
        target_s REAL,
        split_s REAL,
        pace_s_per_km REAL,
        laps TEXT NOT NULL DEFAULT '[]',
        UNIQUE (session_id, idx)
    );
    """,
    # 2: indexes for a history that has grown for years
    """
    CREATE INDEX sessions_started_at ON sessions(started_at);
    CREATE INDEX sessions_preset_started ON sessions(preset_name, started_at);
    CREATE INDEX sessions_in_progress ON sessions(status) WHERE status = 'in_progress';
    CREATE INDEX steps_lap_splits ON steps(session_id, split_s)
        WHERE kind = 'work' AND ended_how = 'lap' AND split_s IS NOT NULL;
    """,
    # 3: the runner's race and its VDOT that a session's race-derived targets ("5k pace") were
    # worked out from; each step's target_s already holds the target it was run with
    """
    ALTER TABLE sessions ADD COLUMN race TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN vdot REAL;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


# --- errors ------------------------------------------------------------------------------


class StoreError(Exception):
    """A history problem in plain words, naming the file: what the runner is shown."""

    def __init__(self, path: Path | str, problem: str, action: str = "cannot open history") -> None:
        self.path = Path(path)
        self.problem = problem
        self.action = action
        super().__init__(f"{action} {path}: {problem}")


class ImportFormatError(ValueError):
    """A session dict (from an export or a pending file) that cannot be read."""


_PROBLEMS = {
    "SQLITE_NOTADB": "file is not a database",
    "SQLITE_CORRUPT": "the database file is damaged (corrupt)",
    "SQLITE_FULL": "database or disk is full",
    "SQLITE_BUSY": "database is locked (another program is writing to it)",
    "SQLITE_LOCKED": "database is locked (another program is writing to it)",
    "SQLITE_READONLY": "the database is read-only (permission denied or read-only disk)",
    "SQLITE_PERM": "permission denied",
    "SQLITE_AUTH": "permission denied",
    "SQLITE_CANTOPEN": "unable to open the database file (permission denied or missing folder)",
    "SQLITE_IOERR": "disk I/O error",
}


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _is_busy(exc: sqlite3.Error) -> bool:
    if _primary_code(exc) in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
        return True
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def describe_sqlite_error(exc: sqlite3.Error) -> str:
    name = getattr(exc, "sqlite_errorname", "") or ""
    primary = name.split("_")[0:2]
    key = "_".join(primary) if primary else ""
    if key in _PROBLEMS:
        return _PROBLEMS[key]
    text = str(exc)
    low = text.lower()
    for needle, problem in (
        ("not a database", _PROBLEMS["SQLITE_NOTADB"]),
        ("malformed", _PROBLEMS["SQLITE_CORRUPT"]),
        ("disk is full", _PROBLEMS["SQLITE_FULL"]),
        ("locked", _PROBLEMS["SQLITE_BUSY"]),
        ("readonly", _PROBLEMS["SQLITE_READONLY"]),
        ("unable to open", _PROBLEMS["SQLITE_CANTOPEN"]),
    ):
        if needle in low:
            return problem
    return text


def describe_os_error(exc: OSError) -> str:
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOSPC:
        return "database or disk is full"
    if exc.errno == errno.EROFS:
        return "read-only file system (permission denied)"
    return exc.strerror or str(exc)


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
        }

    @classmethod
    def from_dict(cls, d: Any, where: str = "step") -> StepRow:
        v = _Check(d, where)
        return cls(
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
        )


_STEP_COLUMNS = (
    "session_id, idx, step_index, kind, label, rep, rep_count, set_no, set_count, planned_s, "
    "actual_s, paused_s, ended_how, started_at, ended_at, distance_m, target_s, split_s, "
    "pace_s_per_km, laps"
)
_INSERT_STEP = f"INSERT OR REPLACE INTO steps ({_STEP_COLUMNS}) VALUES ({', '.join('?' * 20)})"


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

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["preset_toml"] = self.preset_toml
        d["host"] = self.host
        d["pid"] = self.pid
        d["race"] = self.race
        d["vdot"] = self.vdot
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
    "paused_s, ended_how, started_at, ended_at, distance_m, target_s, split_s, pace_s_per_km, laps "
    "FROM steps"
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
    steps = tuple(StepRow.from_dict(s, f"{where}: steps[{i}]") for i, s in enumerate(steps_raw))
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


# --- processes ---------------------------------------------------------------------------


def _boot_time() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def process_alive(pid: int | None, *, since: datetime | None = None) -> bool:
    """Is `pid` a live process on this computer that could have written since `since`?

    A zombie counts as dead; so does a process that started after `since` (its number was
    reused after a reboot or a crash), when /proc can tell.
    """
    if pid is None or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return True  # no /proc (macOS): trust kill()
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields and fields[0] in ("Z", "X"):
        return False
    if since is not None and len(fields) > 19:
        boot = _boot_time()
        try:
            started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK") if boot else None
        except (ValueError, OSError):
            started = None
        if started is not None and started > since.timestamp() + 60:
            return False
    return True


# --- the store ---------------------------------------------------------------------------


class HistoryStore:
    """One open history file. Thread-safe (one lock around the connection)."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, *, retries: int = DEFAULT_RETRIES
    ) -> None:
        self._conn = conn
        self.path = path
        self._retries = retries
        self._lock = threading.RLock()
        self.host = socket.gethostname()

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        retries: int = DEFAULT_RETRIES,
    ) -> HistoryStore:
        """Open (creating if missing) and bring the schema up to date. Raises StoreError."""
        path = Path(path)
        _precheck(path)
        for attempt in range(retries + 1):
            conn = None
            try:
                conn = sqlite3.connect(
                    str(path),
                    timeout=busy_timeout_ms / 1000,
                    isolation_level=None,
                    check_same_thread=False,
                )
                conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                _prepare(conn, path)
                return cls(conn, path, retries=retries)
            except StoreError:
                _close_quietly(conn)
                raise
            except sqlite3.Error as exc:
                _close_quietly(conn)
                if _is_busy(exc) and attempt < retries:
                    _backoff(attempt)
                    continue
                raise StoreError(path, describe_sqlite_error(exc)) from exc
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            _close_quietly(self._conn)

    def backup_to(self, target: Path) -> None:
        """A consistent copy of this history in a new file `target` (never over one)."""
        target = Path(target)
        if target.exists():
            raise StoreError(target, "a file is already there", "cannot copy history to")
        dest = sqlite3.connect(str(target))
        try:
            with self._lock:
                self._conn.backup(dest)
        finally:
            dest.close()

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the main file now, without waiting for anyone."""
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._read(lambda c: c.execute("PRAGMA user_version").fetchone()[0])

    # --- transactions ----------------------------------------------------------------------

    def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `fn` in one IMMEDIATE transaction, retrying while another process holds the lock."""
        for attempt in range(self._retries + 1):
            with self._lock:
                try:
                    self._conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = fn(self._conn)
                        self._conn.execute("COMMIT")
                    except BaseException:
                        with contextlib.suppress(sqlite3.Error):
                            if self._conn.in_transaction:
                                self._conn.execute("ROLLBACK")
                        raise
                    return result
                except sqlite3.IntegrityError as exc:
                    raise StoreError(self.path, _integrity(exc), "cannot save to history") from exc
                except sqlite3.Error as exc:
                    if not (_is_busy(exc) and attempt < self._retries):
                        problem = describe_sqlite_error(exc)
                        raise StoreError(self.path, problem, "cannot save to history") from exc
            _backoff(attempt)
        raise AssertionError("unreachable")

    def _read(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        for attempt in range(self._retries + 1):
            with self._lock:
                try:
                    return fn(self._conn)
                except sqlite3.Error as exc:
                    if not (_is_busy(exc) and attempt < self._retries):
                        problem = describe_sqlite_error(exc)
                        raise StoreError(self.path, problem, "cannot read history") from exc
            _backoff(attempt)
        raise AssertionError("unreachable")

    # --- writing a session as it runs ------------------------------------------------------

    def start_session(
        self,
        *,
        uuid: str,
        preset_name: str,
        preset_toml: str,
        started_at: datetime,
        planned_s: float,
        reps_planned: int,
        pid: int | None = None,
        host: str | None = None,
        utc_offset_min: int | None = None,
        race: str = "",
        vdot: float | None = None,
    ) -> int:
        """Insert a session 'in_progress'; returns its id. `utc_offset_min` defaults to the
        offset `started_at` carries, or this computer's local offset for a UTC time."""
        pid = os.getpid() if pid is None else pid
        host = self.host if host is None else host
        offset = _offset_of(started_at) if utc_offset_min is None else int(utc_offset_min)
        params = (
            uuid,
            preset_name,
            preset_toml,
            to_iso(started_at),
            offset,
            float(planned_s),
            int(reps_planned),
            pid,
            host,
            race,
            vdot,
        )
        sql = (
            "INSERT INTO sessions (uuid, preset_name, preset_toml, started_at, utc_offset_min,"
            " status, planned_s, reps_planned, pid, host, race, vdot)"
            " VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?, ?, ?)"
        )
        return self._write(lambda c: c.execute(sql, params).lastrowid)

    def add_step(self, session_id: int, step: StepRow) -> None:
        """Save one finished step (saving the same idx again replaces it)."""
        params = step._params(session_id)
        self._write(lambda c: c.execute(_INSERT_STEP, params))

    def finish_session(
        self,
        session_id: int,
        *,
        status: str,
        ended_at: datetime,
        active_s: float,
        work_s: float,
        reps_done: int,
        paused_s: float,
    ) -> None:
        if status not in FINAL_STATUSES:
            raise ValueError(f"status must be one of {', '.join(FINAL_STATUSES)}, got {status!r}")
        params = (
            status,
            to_iso(ended_at),
            float(active_s),
            float(work_s),
            int(reps_done),
            float(paused_s),
            session_id,
        )
        self._write(
            lambda c: c.execute(
                "UPDATE sessions SET status = ?, ended_at = ?, active_s = ?, work_s = ?,"
                " reps_done = ?, paused_s = ? WHERE id = ?",
                params,
            )
        )

    def set_rpe_note(self, session_id: int, rpe: int | None, note: str | None) -> None:
        if rpe is not None and (isinstance(rpe, bool) or not isinstance(rpe, int)):
            raise ValueError(f"RPE must be a whole number from 1 to 10, got {rpe!r}")
        if rpe is not None and not 1 <= rpe <= 10:
            raise ValueError(f"RPE must be from 1 to 10, got {rpe}")
        params = (rpe, note or "", session_id)
        self._write(
            lambda c: c.execute("UPDATE sessions SET rpe = ?, note = ? WHERE id = ?", params)
        )

    def delete_session(self, session_id: int) -> bool:
        return self._write(
            lambda c: c.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0
        )

    def recover_interrupted(self, *, now: datetime | None = None) -> list[int]:
        """Mark 'interrupted' the sessions left 'in_progress' by a program that is gone.

        On this computer: its process is dead (or its pid was reused). From another computer
        (a synced folder): nothing written for 48 hours. The end becomes the last step's end
        (or the start) and the totals are added up from the steps that were saved.
        """
        now = now or datetime.now(UTC)
        rows = self._read(
            lambda c: c.execute(
                "SELECT s.id, s.pid, s.host, s.started_at,"
                " (SELECT max(ended_at) FROM steps WHERE session_id = s.id)"
                " FROM sessions s WHERE s.status = 'in_progress'"
            ).fetchall()
        )
        dead = []
        for sid, pid, host, started, last in rows:
            started_dt = from_iso(started)
            if host == self.host or host is None:
                if process_alive(pid, since=started_dt):
                    continue
            elif now - from_iso(last or started) < OTHER_HOST_STALE:
                continue
            dead.append(sid)
        recovered = []
        for sid in dead:
            changed = self._write(lambda c, sid=sid: c.execute(_RECOVER_SQL, {"id": sid}).rowcount)
            if changed:
                recovered.append(sid)
        if recovered:
            log.info("history: %d interrupted session(s) recovered: %s", len(recovered), recovered)
        return recovered

    # --- reading ---------------------------------------------------------------------------

    @staticmethod
    def _where(preset: str | None, since: datetime | date | None) -> tuple[str, list]:
        clauses, params = [], []
        if preset:
            escaped = preset.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append("preset_name LIKE ? ESCAPE '\\'")
            params.append(f"%{escaped}%")
        if since is not None:
            if not isinstance(since, datetime):
                since = datetime(since.year, since.month, since.day).astimezone()
            elif since.tzinfo is None:
                since = since.astimezone()
            clauses.append("started_at >= ?")
            params.append(to_iso(since))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list_sessions(
        self,
        *,
        preset: str | None = None,
        since: datetime | date | None = None,
        limit: int = 100,
        offset: int = 0,
        order_by: str = "started_at",
        descending: bool = True,
    ) -> list[SessionSummary]:
        """Sessions, newest first by default. `preset` matches a part of the name, any case;
        `since` is inclusive (a date means local midnight)."""
        if order_by not in ORDER_COLUMNS:
            raise ValueError(f"order_by must be one of {', '.join(ORDER_COLUMNS)}")
        where, params = self._where(preset, since)
        direction = "DESC" if descending else "ASC"
        sql = (
            f"SELECT {_SUMMARY_COLUMNS} FROM sessions{where}"
            f" ORDER BY {order_by} {direction}, id {direction} LIMIT ? OFFSET ?"
        )
        params += [int(limit), int(offset)]
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return [_summary(r) for r in rows]

    def count_sessions(
        self, *, preset: str | None = None, since: datetime | date | None = None
    ) -> int:
        where, params = self._where(preset, since)
        return self._read(
            lambda c: c.execute(f"SELECT count(*) FROM sessions{where}", params).fetchone()[0]
        )

    def get_session(self, session_id: int) -> SessionDetail:
        """The session with its steps in the order run. KeyError when there is none."""

        def read(c: sqlite3.Connection):
            row = c.execute(
                f"SELECT {_SUMMARY_COLUMNS}, preset_toml, pid, host, race, vdot FROM sessions"
                " WHERE id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                return None, []
            steps = c.execute(
                f"{_STEP_SELECT} WHERE session_id = ? ORDER BY idx", (session_id,)
            ).fetchall()
            return row, steps

        row, steps = self._read(read)
        if row is None:
            raise KeyError(session_id)
        return SessionDetail(
            *_summary_values(row),
            preset_toml=row[15],
            pid=row[16],
            host=row[17],
            steps=tuple(_step_from_row(s) for s in steps),
            race=row[18],
            vdot=row[19],
        )

    def session_id_for_uuid(self, uuid: str) -> int | None:
        row = self._read(
            lambda c: c.execute("SELECT id FROM sessions WHERE uuid = ?", (uuid,)).fetchone()
        )
        return row[0] if row else None

    def weekly_trends(self, weeks: int = 12, now: datetime | None = None) -> list[WeekTrend]:
        """Sessions and work minutes per local week (Monday first), oldest first, `weeks` weeks
        ending with the current one; empty weeks included. Sessions still in progress are left
        out; aborted and interrupted ones count for what was run."""
        weeks = max(1, int(weeks))
        last = week_start(_local_date(now))
        first = last - timedelta(weeks=weeks - 1)
        # UTC bounds one day wider than the local weeks, so the started_at index does the work
        lo = to_iso(datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(days=1))
        end = last + timedelta(days=7)
        hi = to_iso(datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1))
        sql = f"""
            WITH RECURSIVE weeks(w, n) AS (
                SELECT :first, 1
                UNION ALL SELECT date(w, '+7 days'), n + 1 FROM weeks WHERE n < :weeks
            ),
            per AS (
                SELECT {_LOCAL_WEEK} AS w, count(*) AS sessions, total(work_s) AS work_s
                FROM sessions
                WHERE started_at >= :lo AND started_at < :hi AND status != 'in_progress'
                GROUP BY 1
            )
            SELECT weeks.w, coalesce(per.sessions, 0), coalesce(per.work_s, 0) / 60.0
            FROM weeks LEFT JOIN per ON per.w = weeks.w ORDER BY weeks.w
        """
        args = {"first": first.isoformat(), "weeks": weeks, "lo": lo, "hi": hi}
        rows = self._read(lambda c: c.execute(sql, args).fetchall())
        return [WeekTrend(date.fromisoformat(w), n, m) for w, n, m in rows]

    def target_deltas(self, weeks: int = 12, now: datetime | None = None) -> list[TargetDelta]:
        """Per session of the last `weeks` local weeks (oldest first): how its lap-timed work
        reps compared to their targets on average. Each step keeps the target it was run with,
        so a session's figure never changes when the runner's race does."""
        weeks = max(1, int(weeks))
        first = week_start(_local_date(now)) - timedelta(weeks=weeks - 1)
        lo = to_iso(datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(days=1))
        sql = """
            SELECT date(s.started_at, printf('%+d minutes', s.utc_offset_min)),
                   avg(st.split_s - st.target_s), count(*), s.race
            FROM sessions s JOIN steps st ON st.session_id = s.id
            WHERE s.started_at >= :lo AND s.status != 'in_progress'
              AND st.kind = 'work' AND st.ended_how = 'lap' AND st.split_s IS NOT NULL
              AND st.target_s > 0
            GROUP BY s.id
            HAVING date(s.started_at, printf('%+d minutes', s.utc_offset_min)) >= :first
            ORDER BY s.started_at, s.id
        """
        args = {"lo": lo, "first": first.isoformat()}
        rows = self._read(lambda c: c.execute(sql, args).fetchall())
        return [TargetDelta(date.fromisoformat(d), a, n, r) for d, a, n, r in rows]

    def streak_weeks(self, now: datetime | None = None) -> int:
        """Weeks in a row, up to this week (or last week, while this one has none yet), with
        at least one completed session that had work in it.

        SQLite walks back a week at a time, each step one look-up in the started_at index
        (a local week lies within its UTC dates widened by a day), and stops at the first
        week without such a session: the cost follows the streak, not the history's size.
        """
        current = week_start(_local_date(now))
        sql = f"""
            WITH RECURSIVE walk(w) AS (
                SELECT :start
                UNION ALL
                SELECT date(w, '-7 days') FROM walk WHERE EXISTS (
                    SELECT 1 FROM sessions
                    WHERE started_at >= date(w, '-1 day') AND started_at < date(w, '+8 days')
                      AND status = 'completed' AND work_s > 0 AND {_LOCAL_WEEK} = w
                )
            )
            SELECT count(*) - 1 FROM walk
        """

        def read(c: sqlite3.Connection) -> int:
            def run_from(week: date) -> int:
                return c.execute(sql, {"start": week.isoformat()}).fetchone()[0]

            streak = run_from(current)
            # this week is not over: having nothing yet cannot break the streak
            return streak or run_from(current - timedelta(days=7))

        return self._read(read)

    def preset_split_stats(self, preset_name: str) -> SplitStats:
        """Average lap split of the lap-ended work steps, per session of this preset: the best
        (lowest) such average, and the latest session's."""
        sql = """
            WITH per AS MATERIALIZED (
                SELECT s.id AS id, s.started_at AS started_at,
                    (SELECT avg(st.split_s) FROM steps st
                     WHERE st.session_id = s.id AND st.kind = 'work' AND st.ended_how = 'lap'
                       AND st.split_s IS NOT NULL) AS a
                FROM sessions s WHERE s.preset_name = ?
            )
            SELECT (SELECT min(a) FROM per),
                   (SELECT a FROM per WHERE a IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1)
        """
        best, latest = self._read(lambda c: c.execute(sql, (preset_name,)).fetchone())
        return SplitStats(best, latest)

    # --- export / import -------------------------------------------------------------------

    def export_sessions(self, *, batch: int = 500) -> Iterator[dict[str, Any]]:
        """Every session with its steps, oldest first, read in short batches."""
        last_id = 0
        while True:

            def read(c: sqlite3.Connection, last_id=last_id):
                rows = c.execute(
                    f"SELECT {_SUMMARY_COLUMNS}, preset_toml, pid, host, race, vdot FROM sessions"
                    " WHERE id > ? ORDER BY id LIMIT ?",
                    (last_id, batch),
                ).fetchall()
                if not rows:
                    return rows, []
                steps = c.execute(
                    f"SELECT session_id, {_STEP_SELECT[len('SELECT ') :]}"
                    " WHERE session_id BETWEEN ? AND ? ORDER BY session_id, idx",
                    (rows[0][0], rows[-1][0]),
                ).fetchall()
                return rows, steps

            rows, steps = self._read(read)
            if not rows:
                return
            # straight from the rows: the stored times are already canonical ISO text
            by_session: dict[int, list[dict[str, Any]]] = {}
            for s in steps:
                by_session.setdefault(s[0], []).append(_step_dict(s[1:]))
            for row in rows:
                d = dict(zip(_EXPORT_KEYS, row[1:], strict=True))
                d["steps"] = by_session.get(row[0], [])
                yield d
            last_id = rows[-1][0]

    def import_sessions(self, sessions: Iterable[Any], *, replace: bool = False) -> tuple[int, int]:
        """Add exported sessions; returns (added, skipped). A session whose uuid is already
        here is skipped, or with `replace` (pending files: the fuller copy of a session that
        was partly saved) updated in place unless it would lose steps.

        Everything is checked first: a bad session raises ImportFormatError and nothing is
        written. The sessions then go in as one transaction, so a failure part way (a full
        disk) leaves the history exactly as it was, never half imported.
        """
        records = [session_from_dict(d, f"session {i + 1}") for i, d in enumerate(sessions)]
        return self._write(lambda c: self._import_records(c, records, replace))

    @staticmethod
    def _import_records(
        c: sqlite3.Connection, records: list[_Imported], replace: bool
    ) -> tuple[int, int]:
        added = skipped = 0
        for r in records:
            values = (
                r.preset_name,
                r.preset_toml,
                to_iso(r.started_at),
                r.utc_offset_min,
                to_iso(r.ended_at) if r.ended_at else None,
                r.status,
                r.planned_s,
                r.active_s,
                r.work_s,
                r.reps_done,
                r.reps_planned,
                r.paused_s,
                r.rpe,
                r.note,
                r.pid,
                r.host,
                r.race,
                r.vdot,
            )
            row = c.execute("SELECT id FROM sessions WHERE uuid = ?", (r.uuid,)).fetchone()
            if row is not None:
                sid = row[0]
                have = c.execute("SELECT count(*) FROM steps WHERE session_id = ?", (sid,))
                if not replace or have.fetchone()[0] > len(r.steps):
                    skipped += 1
                    continue
                c.execute(
                    "UPDATE sessions SET preset_name = ?, preset_toml = ?, started_at = ?,"
                    " utc_offset_min = ?, ended_at = ?, status = ?, planned_s = ?, active_s = ?,"
                    " work_s = ?, reps_done = ?, reps_planned = ?, paused_s = ?, rpe = ?,"
                    " note = ?, pid = ?, host = ?, race = ?, vdot = ? WHERE id = ?",
                    (*values, sid),
                )
                c.execute("DELETE FROM steps WHERE session_id = ?", (sid,))
            else:
                sid = c.execute(
                    "INSERT INTO sessions (uuid, preset_name, preset_toml, started_at,"
                    " utc_offset_min, ended_at, status, planned_s, active_s, work_s, reps_done,"
                    " reps_planned, paused_s, rpe, note, pid, host, race, vdot)"
                    f" VALUES ({', '.join('?' * 19)})",
                    (r.uuid, *values),
                ).lastrowid
            c.executemany(_INSERT_STEP, [s._params(sid) for s in r.steps])
            added += 1
        return added, skipped


# --- opening helpers ---------------------------------------------------------------------


def _precheck(path: Path) -> None:
    """Refuse, before SQLite touches it, a path that is a folder or a file that isn't SQLite."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = f"cannot create folder {path.parent}: {describe_os_error(exc)}"
        raise StoreError(path, problem) from None
    if path.is_dir():
        raise StoreError(path, "it is a folder, not a history file")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        if not os.access(path.parent, os.W_OK):
            raise StoreError(path, f"permission denied (cannot write in {path.parent})") from None
        return
    except OSError as exc:
        raise StoreError(path, describe_os_error(exc)) from None
    if head and head != _SQLITE_MAGIC:
        raise StoreError(path, "file is not a database")
    if not os.access(path, os.W_OK):
        raise StoreError(path, "permission denied (the file is read-only)")
    if not os.access(path.parent, os.W_OK):
        raise StoreError(path, f"permission denied (cannot write in {path.parent})")


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Check the file is ours (reading only), then switch to WAL and migrate."""
    app_id, version, tables = _identity(conn)
    _check_identity(path, app_id, version, tables)
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            log.warning("history %s: WAL mode unavailable, using %s", path, mode)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    if version < SCHEMA_VERSION:
        migrate(conn, path=path)


def _identity(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """application_id, user_version and table count, read in one statement: one snapshot, so
    another process creating the file at the same moment is seen either before or after."""
    return conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id),"
        " (SELECT user_version FROM pragma_user_version),"
        " (SELECT count(*) FROM sqlite_schema)"
    ).fetchone()


def _check_identity(path: Path, app_id: int, version: int, tables: int) -> None:
    if app_id == 0 and version == 0 and tables == 0:
        return  # a new, empty file
    if app_id != APPLICATION_ID:
        raise StoreError(
            path, "the file is an SQLite database of another program, not a speedtimer history"
        )
    if version > SCHEMA_VERSION:
        raise StoreError(
            path,
            f"it was written by a newer speedtimer (history schema {version}; this version "
            f"knows up to {SCHEMA_VERSION}); please update speedtimer",
        )


def _statements(script: str) -> list[str]:
    out, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                out.append(buf.strip())
            buf = ""
    return out


def migrate(conn: sqlite3.Connection, *, upto: int | None = None, path: Path | None = None) -> int:
    """Apply the missing migrations, each in its own transaction; returns the new version.

    Safe to race: the version is read again inside the write lock. `upto` stops early (tests
    use it to build an old-schema file).
    """
    target = SCHEMA_VERSION if upto is None else upto
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            app_id, version, tables = _identity(conn)
            _check_identity(path or Path("?"), app_id, version, tables)
            if version >= target:
                conn.execute("COMMIT")
                return version
            for stmt in _statements(MIGRATIONS[version]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
            log.info("history: schema migrated to version %d", version + 1)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise


def _integrity(exc: sqlite3.IntegrityError) -> str:
    text = str(exc)
    if "FOREIGN KEY" in text:
        return "no such session (it may have been deleted)"
    if "UNIQUE" in text and "uuid" in text:
        return "a session with this id is already saved"
    return f"invalid data ({text})"


def _close_quietly(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        with contextlib.suppress(sqlite3.Error):
            conn.close()


def _backoff(attempt: int) -> None:
    time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)


# --- synthetic history (tests and benchmarks) --------------------------------------------

SYNTHETIC_PRESETS = (
    "8 x 400 m track",
    "10 x 1 min on / 1 min off",
    "Hill repeats 6 x 60 s",
    "Tempo 3 x 8 min",
    "Strides",
    "Pyramid 1-2-3-2-1",
)


def generate_synthetic(
    store: HistoryStore,
    n: int,
    *,
    seed: int = 0,
    presets: Iterable[str] = SYNTHETIC_PRESETS,
    end: datetime | None = None,
    every_hours: float = 20.0,
) -> int:
    """Insert `n` plausible sessions with their steps in one transaction (executemany).

    Sessions go back in time from `end` about every `every_hours`. `end` defaults to the start
    of the oldest session already there (so calls in chunks, with different seeds, make one
    long history), or 2026-01-01 07:00 UTC in an empty file. The same seeds give the same
    history. Returns the number of steps written.
    """
    rng = random.Random(seed)
    names = list(presets)
    if end is None:
        oldest = store._read(lambda c: c.execute("SELECT min(started_at) FROM sessions").fetchone())
        end = from_iso(oldest[0]) if oldest[0] else datetime(2026, 1, 1, 7, 0, tzinfo=UTC)
    host = socket.gethostname()
    toml = {p: f'name = "{p}"\n# synthetic\n' for p in names}

    def flush(c: sqlite3.Connection, sessions: list, steps: list) -> int:
        c.executemany(
            "INSERT INTO sessions (id, uuid, preset_name, preset_toml, started_at, utc_offset_min,"
            " ended_at, status, planned_s, active_s, work_s, reps_done, reps_planned, paused_s,"
            f" rpe, note, pid, host) VALUES ({', '.join('?' * 18)})",
            sessions,
        )
        c.executemany(_INSERT_STEP, steps)
        written = len(steps)
        sessions.clear()
        steps.clear()
        return written

    def build(c: sqlite3.Connection) -> int:
        base = c.execute("SELECT coalesce(max(id), 0) FROM sessions").fetchone()[0]
        sessions: list[tuple] = []
        steps: list[tuple] = []
        written = 0
        for i in range(n):
            if len(sessions) >= 2000:  # bounded memory, still one transaction
                written += flush(c, sessions, steps)
            sid = base + i + 1
            start = (
                end
                - timedelta(hours=every_hours * (n - i))
                + timedelta(minutes=rng.randint(-180, 180))
            )
            preset = rng.choice(names)
            reps = rng.randint(4, 10)
            open_work = rng.random() < 0.4
            status = rng.choices(FINAL_STATUSES, weights=(85, 10, 5))[0]
            plan = [("warmup", "Easy jog", 600.0, None)]
            for r in range(1, reps + 1):
                plan.append(("work", "", None if open_work else 60.0, r))
                if r < reps:
                    plan.append(("rest", "Jog", 90.0, r))
            plan.append(("cooldown", "Easy jog", 600.0, None))
            run = plan if status == "completed" else plan[: rng.randint(1, len(plan))]
            t = start
            active = work = 0.0
            done = 0
            for idx, (kind, label, planned, rep) in enumerate(run):
                if planned is None:
                    actual = round(rng.uniform(70, 95), 2)
                    how = "lap"
                    split, dist = actual, 400.0
                    pace = actual / 0.4
                else:
                    actual, how, split, dist, pace = planned, "time", None, None, None
                if idx == len(run) - 1 and status == "aborted":
                    actual, how, split, pace = round(actual / 2, 2), "aborted", None, None
                s_end = t + timedelta(seconds=actual)
                active += actual
                if kind == "work":
                    work += actual
                    done += how in DONE_HOW
                steps.append(
                    (
                        sid,
                        idx,
                        idx,
                        kind,
                        label,
                        rep,
                        reps if rep else None,
                        None,
                        None,
                        planned,
                        actual,
                        0.0,
                        how,
                        to_iso(t),
                        to_iso(s_end),
                        dist,
                        90.0 if dist else None,
                        split,
                        pace,
                        "[]",
                    )
                )
                t = s_end
            planned_total = sum(p[2] or 90.0 for p in plan)
            rpe = rng.randint(3, 9) if rng.random() < 0.6 else None
            uid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
            sessions.append(
                (
                    sid,
                    uid,
                    preset,
                    toml[preset],
                    to_iso(start),
                    60,
                    to_iso(t),
                    status,
                    planned_total,
                    active,
                    work,
                    done,
                    reps,
                    0.0,
                    rpe,
                    "",
                    None,
                    host,
                )
            )
        return written + flush(c, sessions, steps)

    return store._write(build)
