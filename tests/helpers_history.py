"""Shared pieces for the history tests: a small schedule, quick session builders, an old-schema
database, and the worker the two-process test runs (importable, so `spawn` can find it)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from speedtimer.core.schedule import Schedule, ScheduledStep
from speedtimer.core.timer import Ended, StepRecord
from speedtimer.history.rows import StepRow
from speedtimer.history.schema import migrate
from speedtimer.history.store import HistoryStore

T0 = datetime(2025, 3, 5, 7, 30, tzinfo=UTC)  # a Wednesday


def small_schedule() -> Schedule:
    """Warm-up 60 s, 2 x [400 m open @ 3:45/km, jog 60 s] (last rest dropped), cool-down 60 s."""
    return Schedule(
        name="2 x 400 m",
        steps=(
            ScheduledStep(0, "warmup", "Easy jog", 60),
            ScheduledStep(1, "work", "", None, 400.0, 225.0, rep=1, rep_count=2),
            ScheduledStep(2, "rest", "Jog", 60, rep=1, rep_count=2),
            ScheduledStep(3, "work", "", None, 400.0, 225.0, rep=2, rep_count=2),
            ScheduledStep(4, "cooldown", "Easy jog", 60),
        ),
    )


def record(
    index: int,
    start: float,
    active: float,
    how: Ended = Ended.TIME,
    *,
    splits: tuple[float, ...] = (),
    paused: float = 0.0,
    planned: float | None = 60.0,
) -> StepRecord:
    return StepRecord(
        index=index,
        started_at=start,
        ended_at=start + active + paused,
        active_s=active,
        paused_s=paused,
        how=how,
        splits=splits,
        planned_s=planned,
    )


def step_row(
    idx: int,
    start: datetime,
    seconds: float,
    *,
    kind: str = "work",
    how: str = "time",
    split: float | None = None,
    distance: float | None = None,
) -> StepRow:
    return StepRow(
        idx=idx,
        step_index=idx,
        kind=kind,
        label=f"step {idx}",
        actual_s=seconds,
        ended_how=how,
        started_at=start,
        ended_at=start + timedelta(seconds=seconds),
        planned_s=None if how == "lap" else seconds,
        split_s=split,
        distance_m=distance,
        pace_s_per_km=(split / (distance / 1000)) if split and distance else None,
    )


def add_session(
    store: HistoryStore,
    *,
    preset: str = "8 x 400 m",
    started: datetime = T0,
    status: str = "completed",
    work: tuple[float, ...] = (60.0,),
    lap_splits: tuple[float, ...] = (),
    offset_min: int = 0,
    uuid: str | None = None,
    pid: int | None = None,
) -> int:
    """A session with a 60 s warm-up, timed work steps `work` and lap-ended 400 m `lap_splits`."""
    import uuid as uuidlib

    sid = store.start_session(
        uuid=uuid or str(uuidlib.uuid4()),
        preset_name=preset,
        preset_toml=f'name = "{preset}"\n',
        started_at=started,
        planned_s=60 + sum(work) + 90 * len(lap_splits),
        reps_planned=len(work) + len(lap_splits),
        utc_offset_min=offset_min,
        pid=pid,
    )
    t = started
    rows = [step_row(0, t, 60.0, kind="warmup")]
    t += timedelta(seconds=60)
    for w in work:
        rows.append(step_row(len(rows), t, w))
        t += timedelta(seconds=w)
    for s in lap_splits:
        rows.append(step_row(len(rows), t, s, how="lap", split=s, distance=400.0))
        t += timedelta(seconds=s)
    for r in rows:
        store.add_step(sid, r)
    if status != "in_progress":
        work_s = sum(work) + sum(lap_splits)
        store.finish_session(
            sid,
            status=status,
            ended_at=t,
            active_s=60 + work_s,
            work_s=work_s,
            reps_done=len(work) + len(lap_splits),
            paused_s=0.0,
        )
    return sid


def make_v1_database(path: Path) -> None:
    """A history file as speedtimer with schema version 1 made it (MIGRATIONS[:1] only)."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        assert migrate(conn, upto=1) == 1
    finally:
        conn.close()


def write_sessions_worker(db_path: str, tag: str, n: int, barrier) -> None:
    """Run in its own process: wait for the other writer, then write `n` sessions with steps."""
    store = HistoryStore.open(Path(db_path))
    barrier.wait(timeout=90)
    for i in range(n):
        add_session(
            store,
            preset=f"writer {tag}",
            started=T0 + timedelta(minutes=i),
            work=(30.0, 31.0, 32.0),
            lap_splits=(80.0,),
            uuid=f"{tag}-{i}",
        )
    store.close()
