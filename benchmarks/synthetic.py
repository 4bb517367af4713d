"""Synthetic training histories for the benchmarks and the tests: years of plausible sessions
written straight into a history file, fast (one transaction, executemany).

Not part of speedtimer: no runner ever needs made-up sessions. It writes through the store's
own connection handling (`_read`, `_write`) and row format, so what it makes is what the app
would have written.
"""

from __future__ import annotations

import random
import socket
import sqlite3
import uuid as uuidlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from speedtimer.history.rows import _INSERT_STEP, DONE_HOW, FINAL_STATUSES, from_iso, to_iso
from speedtimer.history.store import HistoryStore

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
                        None,  # target_lo_s, target_hi_s: no target range
                        None,
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
