"""The history file's identity and schema: what marks a SQLite file as ours, the migrations
that move it forward (never back), and the checks made before anything is written to it.

Add a migration at the end of `MIGRATIONS`; never edit an old one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from pathlib import Path

from speedtimer.history.errors import StoreError, describe_os_error

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

APPLICATION_ID = 0x53505444  # "SPTD": marks a SQLite file as a speedtimer history
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
    # 3: heart rate from the runner's watch, attached after the session (heart_rate.py)
    """
    CREATE TABLE heart_rate (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        source TEXT NOT NULL DEFAULT '',
        offset_s REAL NOT NULL DEFAULT 0,
        attached_at TEXT NOT NULL,
        samples TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE step_heart_rate (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        avg_bpm INTEGER NOT NULL CHECK (avg_bpm BETWEEN 20 AND 250),
        max_bpm INTEGER NOT NULL CHECK (max_bpm BETWEEN 20 AND 250),
        drop_bpm INTEGER,
        PRIMARY KEY (session_id, idx)
    );
    """,
    # 4: which process wrote an unfinished session, by an identity no clock change can move
    """
    ALTER TABLE sessions ADD COLUMN pid_started TEXT;
    """,
    # 5: the runner's race and its VDOT that a session's race-derived targets ("5k pace") were
    # worked out from; each step's target_s already holds the target it was run with, and a
    # target range ("3:13-3:18/km", E pace) its two ends, so a rep inside it is on target
    """
    ALTER TABLE sessions ADD COLUMN race TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN vdot REAL;
    ALTER TABLE steps ADD COLUMN target_lo_s REAL;
    ALTER TABLE steps ADD COLUMN target_hi_s REAL;
    """,
    # 6: the time added or removed with +/- kept apart from the plan: planned_s is the plan
    # again. Steps written before keep 0 here (and their planned_s includes what was added).
    """
    ALTER TABLE steps ADD COLUMN adjusted_s REAL NOT NULL DEFAULT 0;
    """,
    # 7: coach mode: a group session is one session per athlete, linked by its group id
    """
    ALTER TABLE sessions ADD COLUMN athlete TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN squad TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN group_id TEXT;
    CREATE INDEX sessions_group ON sessions(group_id) WHERE group_id IS NOT NULL;
    CREATE INDEX sessions_athlete ON sessions(athlete, started_at) WHERE athlete != '';
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


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
