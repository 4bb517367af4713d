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
import json
import logging
import math
import os
import random
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from speedtimer.core.statuses import status_word
from speedtimer.history.activity import HeartRate
from speedtimer.history.errors import StoreError, _is_busy, describe_sqlite_error
from speedtimer.history.import_format import _Imported, session_from_dict
from speedtimer.history.processes import process_alive, process_start
from speedtimer.history.rows import (
    _EXPORT_KEYS,
    _INSERT_STEP,
    _LOCAL_WEEK,
    _RECOVER_SQL,
    _STEP_SELECT,
    _SUMMARY_COLUMNS,
    FINAL_STATUSES,
    ORDER_COLUMNS,
    SessionDetail,
    SessionSummary,
    SplitStats,
    StepRow,
    TargetDelta,
    WeekTrend,
    _local_date,
    _offset_of,
    _step_dict,
    _step_from_row,
    _summary_values,
    from_iso,
    to_iso,
    week_start,
)
from speedtimer.history.schema import _precheck, _prepare

_COACH = "athlete, squad, group_id"  # coach mode's columns (schema 7)
log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

DEFAULT_BUSY_TIMEOUT_MS = 3000
DEFAULT_RETRIES = 2  # extra attempts after a "database is locked" that outlasted the timeout
OTHER_HOST_STALE = timedelta(hours=48)  # an in-progress session from another computer


@dataclass(frozen=True)
class PaceHeart:
    week_start: date
    pace_s_per_km: float
    avg_bpm: float
    reps: int


@dataclass(frozen=True)
class AttachedHeartRate:
    source: str  # the watch file's name
    offset_s: float  # added to the watch's times
    attached_at: datetime
    per_step: dict[int, HeartRate]  # by step idx
    samples: tuple[tuple[datetime, int], ...]


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
        pid_started: str | None = None,
        race: str = "",
        vdot: float | None = None,
        athlete: str = "",
        squad: str = "",
        group_id: str | None = None,
    ) -> int:
        """Insert a session 'in_progress'; returns its id. `utc_offset_min` defaults to the
        offset `started_at` carries, or this computer's local offset for a UTC time.
        `pid` defaults to this process, and then `pid_started` to its `process_start`."""
        if pid is None:
            pid = os.getpid()
            pid_started = process_start(pid) if pid_started is None else pid_started
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
            pid_started,
            race,
            vdot,
            athlete,
            squad,
            group_id,
        )
        sql = (
            "INSERT INTO sessions (uuid, preset_name, preset_toml, started_at, utc_offset_min,"
            " status, planned_s, reps_planned, pid, host, pid_started, race, vdot,"
            " athlete, squad, group_id)"
            " VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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

    # --- heart rate from a watch -------------------------------------------------------------

    def attach_heart_rate(
        self,
        session_id: int,
        *,
        per_step: dict[int, HeartRate],
        samples: tuple[tuple[datetime, int], ...],
        offset_s: float,
        source: str,
        now: datetime | None = None,
    ) -> None:
        """Keep a watch's heart rate with a session, replacing any attached before."""
        detail = self.get_session(session_id)
        start = min((s.started_at for s in detail.steps), default=detail.started_at)
        packed = json.dumps(
            [[round((t - start).total_seconds(), 3), int(b)] for t, b in samples],
            separators=(",", ":"),
        )
        rows = [
            (session_id, idx, hr.avg_bpm, hr.max_bpm, hr.drop_bpm)
            for idx, hr in sorted(per_step.items())
        ]
        attached_at = to_iso(now or datetime.now(UTC))

        def write(c: sqlite3.Connection) -> None:
            c.execute("DELETE FROM step_heart_rate WHERE session_id = ?", (session_id,))
            c.execute(
                "INSERT OR REPLACE INTO heart_rate (session_id, source, offset_s, attached_at,"
                " samples) VALUES (?, ?, ?, ?, ?)",
                (session_id, source, float(offset_s), attached_at, packed),
            )
            c.executemany(
                "INSERT INTO step_heart_rate (session_id, idx, avg_bpm, max_bpm, drop_bpm)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )

        self._write(write)

    def heart_rate(self, session_id: int) -> AttachedHeartRate | None:
        """The watch's heart rate kept with a session, or None."""

        def read(c: sqlite3.Connection):
            head = c.execute(
                "SELECT source, offset_s, attached_at, samples FROM heart_rate"
                " WHERE session_id = ?",
                (session_id,),
            ).fetchone()
            if head is None:
                return None
            steps = c.execute(
                "SELECT idx, avg_bpm, max_bpm, drop_bpm FROM step_heart_rate"
                " WHERE session_id = ? ORDER BY idx",
                (session_id,),
            ).fetchall()
            start = c.execute(
                "SELECT min(started_at) FROM steps WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            return head, steps, start

        got = self._read(read)
        if got is None:
            return None
        (source, offset_s, attached_at, packed), steps, start = got
        origin = from_iso(start) if start else None
        samples: list[tuple[datetime, int]] = []
        try:
            raw = json.loads(packed)
        except ValueError:
            raw = []
        if origin is not None and isinstance(raw, list):
            for item in raw:
                if (
                    isinstance(item, list)
                    and len(item) == 2
                    and all(isinstance(v, int | float) for v in item)
                    and math.isfinite(item[0])
                    and 0 <= item[0] <= 7 * 86400
                ):
                    samples.append((origin + timedelta(seconds=item[0]), int(item[1])))
        return AttachedHeartRate(
            source=source,
            offset_s=offset_s,
            attached_at=from_iso(attached_at),
            per_step={idx: HeartRate(avg_bpm=a, max_bpm=m, drop_bpm=d) for idx, a, m, d in steps},
            samples=tuple(samples),
        )

    def delete_session(self, session_id: int) -> bool:
        return self._write(
            lambda c: c.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0
        )

    def recover_interrupted(self, *, now: datetime | None = None) -> list[int]:
        """Mark 'interrupted' the sessions left 'in_progress' by a program that is gone.

        On this computer: its process is dead (or its pid was reused: told by the process's
        identity, `process_start`, not by the clock). From another computer (a synced folder):
        nothing written for 48 hours. The end becomes the last step's end
        (or the start) and the totals are added up from the steps that were saved.
        """
        now = now or datetime.now(UTC)
        rows = self._read(
            lambda c: c.execute(
                "SELECT s.id, s.pid, s.host, s.started_at,"
                " (SELECT max(ended_at) FROM steps WHERE session_id = s.id), s.pid_started"
                " FROM sessions s WHERE s.status = 'in_progress'"
            ).fetchall()
        )
        dead = []
        for sid, pid, host, started, last, pid_started in rows:
            started_dt = from_iso(started)
            if host == self.host or host is None:
                if process_alive(pid, since=started_dt, started=pid_started):
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
    def _where(
        preset: str | None,
        since: datetime | date | None,
        athlete: str | None = None,
        group_id: str | None = None,
    ) -> tuple[str, list]:
        clauses, params = [], []
        if athlete:
            clauses.append("athlete = ? COLLATE NOCASE")
            params.append(athlete.strip())
        if group_id:
            clauses.append("group_id = ?")
            params.append(group_id)
        if preset:
            escaped = preset.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            # coach mode: the filter finds an athlete's or a squad's sessions too
            clauses.append(
                "(preset_name LIKE ? ESCAPE '\\' OR athlete LIKE ? ESCAPE '\\'"
                " OR squad LIKE ? ESCAPE '\\')"
            )
            params += [f"%{escaped}%"] * 3
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
        athlete: str | None = None,
        group_id: str | None = None,
    ) -> list[SessionSummary]:
        """Sessions, newest first by default. `preset` matches a part of the name, any case;
        `since` is inclusive (a date means local midnight); `athlete` (any case) and
        `group_id` pick coach mode's sessions."""
        if order_by not in ORDER_COLUMNS:
            raise ValueError(f"order_by must be one of {', '.join(ORDER_COLUMNS)}")
        where, params = self._where(preset, since, athlete, group_id)
        direction = "DESC" if descending else "ASC"
        sql = (
            f"SELECT {_SUMMARY_COLUMNS}, athlete FROM sessions{where}"
            f" ORDER BY {order_by} {direction}, id {direction} LIMIT ? OFFSET ?"
        )
        params += [int(limit), int(offset)]
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return [SessionSummary(*_summary_values(r), athlete=r[15]) for r in rows]

    def count_sessions(
        self,
        *,
        preset: str | None = None,
        since: datetime | date | None = None,
        athlete: str | None = None,
        group_id: str | None = None,
    ) -> int:
        where, params = self._where(preset, since, athlete, group_id)
        return self._read(
            lambda c: c.execute(f"SELECT count(*) FROM sessions{where}", params).fetchone()[0]
        )

    def get_session(self, session_id: int) -> SessionDetail:
        """The session with its steps in the order run. KeyError when there is none."""

        def read(c: sqlite3.Connection):
            row = c.execute(
                f"SELECT {_SUMMARY_COLUMNS}, preset_toml, pid, host, race, vdot, {_COACH}"
                " FROM sessions"
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
            athlete=row[20],
            squad=row[21],
            group_id=row[22],
        )

    def group_sessions(self, group_id: str) -> list[SessionDetail]:
        """Coach mode: the athletes' sessions of one group run (`last`: the newest group; a
        number: the group of that session, as `history list` numbers them), by athlete name:
        each athlete's session is written by a thread of its own, so ids vary."""
        if group_id.isdigit() and len(group_id) <= 18:  # an SQLite integer, never a uuid
            row = self._read(
                lambda c: c.execute(
                    "SELECT group_id FROM sessions WHERE id = ?", (int(group_id),)
                ).fetchone()
            )
            if row is None or row[0] is None:
                return []
            group_id = row[0]
        elif group_id == "last":
            row = self._read(
                lambda c: c.execute(
                    "SELECT group_id FROM sessions WHERE group_id IS NOT NULL"
                    " ORDER BY started_at DESC, id DESC LIMIT 1"
                ).fetchone()
            )
            if row is None:
                return []
            group_id = row[0]
        ids = self._read(
            lambda c: c.execute(
                "SELECT id FROM sessions WHERE group_id = ?"
                " ORDER BY athlete COLLATE NOCASE, id LIMIT 1000",
                (group_id,),
            ).fetchall()
        )
        return [self.get_session(i) for (i,) in ids]

    def session_id_for_uuid(self, uuid: str) -> int | None:
        row = self._read(
            lambda c: c.execute("SELECT id FROM sessions WHERE uuid = ?", (uuid,)).fetchone()
        )
        return row[0] if row else None

    def weekly_trends(
        self, weeks: int = 12, now: datetime | None = None, *, athlete: str = ""
    ) -> list[WeekTrend]:
        """Sessions and work minutes per local week (Monday first), oldest first, `weeks` weeks
        ending with the current one; empty weeks included. Sessions still in progress are left
        out; aborted and interrupted ones count for what was run. The trends are the runner's
        own ("" athlete) or one athlete's of coach mode, here and below, never mixed."""
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
                  AND athlete = :athlete
                GROUP BY 1
            )
            SELECT weeks.w, coalesce(per.sessions, 0), coalesce(per.work_s, 0) / 60.0
            FROM weeks LEFT JOIN per ON per.w = weeks.w ORDER BY weeks.w
        """
        args = {"first": first.isoformat(), "weeks": weeks, "lo": lo, "hi": hi, "athlete": athlete}
        rows = self._read(lambda c: c.execute(sql, args).fetchall())
        return [WeekTrend(date.fromisoformat(w), n, m) for w, n, m in rows]

    def target_deltas(
        self, weeks: int = 12, now: datetime | None = None, *, athlete: str = ""
    ) -> list[TargetDelta]:
        """Per session of the last `weeks` local weeks (oldest first): how its lap-timed work
        reps compared to their targets on average. Each step keeps the target it was run with,
        so a session's figure never changes when the runner's race does."""
        weeks = max(1, int(weeks))
        first = week_start(_local_date(now)) - timedelta(weeks=weeks - 1)
        lo = to_iso(datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(days=1))
        sql = """
            SELECT date(s.started_at, printf('%+d minutes', s.utc_offset_min)),
                   avg(CASE WHEN st.target_lo_s <= st.target_hi_s THEN
                           CASE WHEN st.split_s < st.target_lo_s THEN st.split_s - st.target_lo_s
                                WHEN st.split_s > st.target_hi_s THEN st.split_s - st.target_hi_s
                                ELSE 0 END
                       ELSE st.split_s - st.target_s END),
                   count(*), s.race
            FROM sessions s JOIN steps st ON st.session_id = s.id
            WHERE s.started_at >= :lo AND s.status != 'in_progress' AND s.athlete = :athlete
              AND st.kind = 'work' AND st.ended_how = 'lap' AND st.split_s IS NOT NULL
              AND st.target_s > 0
            GROUP BY s.id
            HAVING date(s.started_at, printf('%+d minutes', s.utc_offset_min)) >= :first
            ORDER BY s.started_at, s.id
        """
        args = {"lo": lo, "first": first.isoformat(), "athlete": athlete}
        rows = self._read(lambda c: c.execute(sql, args).fetchall())
        # a session whose numbers no run could make (inf - inf is NULL in SQLite) is left out
        return [
            TargetDelta(date.fromisoformat(d), a, n, r)
            for d, a, n, r in rows
            if isinstance(a, int | float) and math.isfinite(a)
        ]

    def streak_weeks(self, now: datetime | None = None, *, athlete: str = "") -> int:
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
                      AND athlete = :athlete
                )
            )
            SELECT count(*) - 1 FROM walk
        """

        def read(c: sqlite3.Connection) -> int:
            def run_from(week: date) -> int:
                return c.execute(sql, {"start": week.isoformat(), "athlete": athlete}).fetchone()[0]

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
                FROM sessions s WHERE s.preset_name = ? AND s.athlete = ''
            )
            SELECT (SELECT min(a) FROM per),
                   (SELECT a FROM per WHERE a IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1)
        """
        best, latest = self._read(lambda c: c.execute(sql, (preset_name,)).fetchone())
        return SplitStats(best, latest)

    def pace_and_heart_rate_by_week(self, preset_name: str, weeks: int = 12) -> list[PaceHeart]:
        """Per local week with both, oldest first: the preset's average work pace (lap-timed
        reps with a distance) and the average heart rate over those same reps, from the watch
        files attached. The same pace at a lower heart rate is a fitter runner."""
        sql = f"""
            SELECT {
            _LOCAL_WEEK.replace("started_at", "s.started_at").replace(
                "utc_offset_min", "s.utc_offset_min"
            )
        } AS w,
                avg(st.pace_s_per_km), avg(h.avg_bpm), count(*)
            FROM sessions s
            JOIN steps st ON st.session_id = s.id
            JOIN step_heart_rate h ON h.session_id = st.session_id AND h.idx = st.idx
            WHERE s.preset_name = ? AND s.athlete = '' AND st.kind = 'work'
              AND st.pace_s_per_km IS NOT NULL
            GROUP BY 1 ORDER BY 1 DESC LIMIT ?
        """
        rows = self._read(lambda c: c.execute(sql, (preset_name, max(1, int(weeks)))).fetchall())
        return [PaceHeart(date.fromisoformat(w), p, b, n) for w, p, b, n in reversed(rows)]

    # --- export / import -------------------------------------------------------------------

    def export_sessions(self, *, batch: int = 500) -> Iterator[dict[str, Any]]:
        """Every session with its steps, oldest first, read in short batches."""
        last_id = 0
        while True:

            def read(c: sqlite3.Connection, last_id=last_id):
                rows = c.execute(
                    f"SELECT {_SUMMARY_COLUMNS}, preset_toml, pid, host, race, vdot, {_COACH}"
                    " FROM sessions"
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
                d["status"] = status_word(d["status"])  # the words everyone reads
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
                r.athlete,
                r.squad,
                r.group_id,
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
                    " note = ?, pid = ?, host = ?, race = ?, vdot = ?,"
                    " athlete = ?, squad = ?, group_id = ? WHERE id = ?",
                    (*values, sid),
                )
                c.execute("DELETE FROM steps WHERE session_id = ?", (sid,))
            else:
                sid = c.execute(
                    "INSERT INTO sessions (uuid, preset_name, preset_toml, started_at,"
                    " utc_offset_min, ended_at, status, planned_s, active_s, work_s, reps_done,"
                    " reps_planned, paused_s, rpe, note, pid, host, race, vdot, athlete, squad,"
                    f" group_id) VALUES ({', '.join('?' * 22)})",
                    (r.uuid, *values),
                ).lastrowid
            c.executemany(_INSERT_STEP, [s._params(sid) for s in r.steps])
            added += 1
        return added, skipped


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
