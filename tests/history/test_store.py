"""The history database on real files: schema, migrations, bad files, concurrency, queries."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from benchmarks.synthetic import generate_synthetic
from speedtimer.history.errors import ImportFormatError, StoreError
from speedtimer.history.processes import process_alive
from speedtimer.history.rows import StepRow, week_start
from speedtimer.history.schema import APPLICATION_ID, SCHEMA_VERSION
from speedtimer.history.store import HistoryStore
from tests.helpers_history import T0, add_session, make_v1_database, step_row, write_sessions_worker
from tests.reliability import tried


@pytest.fixture
def db(tmp_path):
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def store(db):
    s = HistoryStore.open(db)
    yield s
    s.close()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def siblings(path):
    return sorted(p.name for p in path.parent.iterdir())


# --- opening -----------------------------------------------------------------------------


def test_open_creates_folder_and_schema(tmp_path):
    db = tmp_path / "a" / "b" / "history.sqlite3"
    with HistoryStore.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 3000
    assert db.is_file()
    # opening again is a no-op
    with HistoryStore.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION


def test_empty_file_is_a_new_history(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    with HistoryStore.open(db) as store:
        assert store.count_sessions() == 0


@tried(
    "History database",
    "8 KB of random bytes where the history file should be",
    "refused with 'file is not a database' naming the file; every byte kept, no -wal/-shm beside "
    "it",
)
def test_garbage_file_is_refused_and_left_untouched(db):
    db.parent.mkdir(parents=True)
    garbage = os.urandom(8192)
    db.write_bytes(garbage)
    before = siblings(db)
    with pytest.raises(StoreError) as info:
        HistoryStore.open(db)
    assert str(info.value) == f"cannot open history {db}: file is not a database"
    assert db.read_bytes() == garbage
    assert siblings(db) == before  # no -wal / -shm / journal next to it


@tried(
    "History database",
    "an SQLite header followed by random bytes",
    "refused with a message naming the file; every byte kept",
)
def test_damaged_sqlite_file_is_refused_and_left_untouched(db):
    db.parent.mkdir(parents=True)
    damaged = b"SQLite format 3\x00" + os.urandom(4096)
    db.write_bytes(damaged)
    with pytest.raises(StoreError) as info:
        HistoryStore.open(db)
    assert str(db) in str(info.value)
    assert db.read_bytes() == damaged


@tried(
    "History database",
    "a real 30-session history with every page but the header scrambled",
    "a plain 'damaged'/'not a database' error naming the file, no crash",
)
def test_damaged_pages_of_a_real_history_give_a_store_error(db):
    with HistoryStore.open(db) as s:
        for i in range(30):
            add_session(s, started=T0 + timedelta(days=i), work=(60.0,) * 8)
        s._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    for p in range(1, len(data) // page):  # keep page 1 (the header), scramble the rest
        data[p * page : (p + 1) * page] = os.urandom(page)
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info, HistoryStore.open(db) as s:
        s.list_sessions()
        s.get_session(1)
    assert str(db) in str(info.value)
    assert "corrupt" in str(info.value) or "not a database" in str(info.value)


@tried(
    "History database",
    "another program's SQLite database at the history's path",
    "refused as another program's file; its tables and bytes unchanged",
)
def test_another_programs_sqlite_file_is_not_touched(db):
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        HistoryStore.open(db)
    assert db.read_bytes() == before
    conn = sqlite3.connect(db)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema")}
    conn.close()
    assert names == {"recipes"}


def test_history_from_a_newer_speedtimer_is_refused(db):
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer speedtimer"):
        HistoryStore.open(db)
    assert db.read_bytes() == before


def test_folder_in_the_way(db):
    db.mkdir(parents=True)
    with pytest.raises(StoreError, match="folder"):
        HistoryStore.open(db)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions; chmod proves nothing")
def test_permission_denied(db):
    HistoryStore.open(db).close()
    db.chmod(0o444)
    try:
        with pytest.raises(StoreError, match="permission denied") as info:
            HistoryStore.open(db)
        assert str(db) in str(info.value)
    finally:
        db.chmod(0o644)


def test_read_only_database_gives_a_plain_error(store, db):
    sid = add_session(store)
    store._conn.execute("PRAGMA query_only = ON")  # what a read-only file looks like to SQLite
    with pytest.raises(StoreError) as info:
        store.set_rpe_note(sid, 5, "x")
    assert str(info.value).startswith(f"cannot save to history {db}: ")
    assert "read-only" in str(info.value)


@tried(
    "History database",
    "database full (max_page_count) while 200 large steps are written",
    "'database or disk is full' naming the file; every row saved before is still there",
)
def test_disk_full_gives_a_plain_error_and_loses_nothing_saved(store, db):
    sid = add_session(store, work=(60.0,) * 3)
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    big = dataclasses.replace(step_row(0, T0, 1.0), label="x" * 3000)
    with pytest.raises(StoreError) as info:
        for i in range(200):
            store.add_step(sid, dataclasses.replace(big, idx=10 + i))
    assert str(info.value) == f"cannot save to history {db}: database or disk is full"
    store.close()
    with HistoryStore.open(db) as again:
        assert len(again.get_session(sid).steps) >= 4  # warm-up + 3 work, all still there
        assert again.get_session(sid).status == "completed"


# --- locking and two processes -----------------------------------------------------------


@tried(
    "History database",
    "another connection holding the write lock for 0.4 s, then for good",
    "waits out the short lock and saves; reports the long one as 'database is locked'",
)
def test_waits_for_a_short_lock_and_reports_a_long_one(db):
    HistoryStore.open(db).close()
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.4, lambda: other.execute("COMMIT")).start()
    with HistoryStore.open(db, busy_timeout_ms=100, retries=5) as store:
        add_session(store)  # waits for the lock to go
        assert store.count_sessions() == 1
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError) as info:
                add_session(store)
            assert str(info.value).startswith(f"cannot save to history {db}: database is locked")
        finally:
            other.execute("ROLLBACK")
            other.close()


@tried(
    "History database",
    "two processes writing 50 sessions each at the same moment",
    "all 100 sessions and 500 steps saved",
)
def test_two_processes_writing_at_once_both_succeed(db):
    HistoryStore.open(db).close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=write_sessions_worker, args=(str(db), tag, 50, barrier))
        for tag in ("a", "b")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with HistoryStore.open(db) as store:
        assert store.count_sessions() == 100
        assert store.count_sessions(preset="writer a") == 50
        steps = store._conn.execute("SELECT count(*) FROM steps").fetchone()[0]
        assert steps == 100 * 5


def test_two_processes_creating_the_same_new_file(tmp_path):
    db = tmp_path / "fresh" / "history.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=write_sessions_worker, args=(str(db), tag, 5, barrier))
        for tag in ("a", "b")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with HistoryStore.open(db) as store:
        assert store.count_sessions() == 10
        assert store.schema_version == SCHEMA_VERSION


# --- migrations --------------------------------------------------------------------------


def test_a_version_1_history_is_upgraded_with_its_data(db):
    db.parent.mkdir(parents=True)
    make_v1_database(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.execute(
        "INSERT INTO sessions (id, uuid, preset_name, preset_toml, started_at, status,"
        " planned_s, active_s, work_s, reps_done, reps_planned, rpe, note)"
        " VALUES (7, 'old-1', 'Old preset', 'name = \"Old preset\"', '2024-05-01T06:00:00.000Z',"
        " 'completed', 600, 590, 300, 3, 3, 6, 'windy')"
    )
    conn.execute(
        "INSERT INTO steps (session_id, idx, step_index, kind, label, actual_s, ended_how,"
        " started_at, ended_at, split_s, laps)"
        " VALUES (7, 0, 0, 'work', 'rep', 95.5, 'lap', '2024-05-01T06:00:00.000Z',"
        " '2024-05-01T06:01:35.500Z', 95.5, '[]')"
    )
    conn.commit()
    indexes_before = {
        r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='index'")
    }
    conn.close()
    assert "sessions_started_at" not in indexes_before

    with HistoryStore.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        names = {
            r[0] for r in store._conn.execute("SELECT name FROM sqlite_schema WHERE type='index'")
        }
        assert {"sessions_started_at", "sessions_preset_started"} <= names
        old = store.get_session(7)
        assert (old.uuid, old.preset_name, old.rpe, old.note) == ("old-1", "Old preset", 6, "windy")
        assert old.steps[0].split_s == 95.5
        add_session(store)  # and it takes new sessions
        assert store.count_sessions() == 2
        plan = store._conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM sessions ORDER BY started_at DESC LIMIT 10"
        ).fetchall()
        assert any("sessions_started_at" in str(row) for row in plan)


# --- writing and reading -----------------------------------------------------------------


def test_round_trip(store):
    sid = store.start_session(
        uuid="u-1",
        preset_name="8 x 400 m",
        preset_toml='name = "8 x 400 m"\n',
        started_at=T0,
        planned_s=1800,
        reps_planned=8,
        utc_offset_min=60,
    )
    row = StepRow(
        idx=0,
        step_index=3,
        kind="work",
        label="400 m",
        rep=2,
        rep_count=8,
        set_no=1,
        set_count=2,
        planned_s=None,
        actual_s=88.25,
        paused_s=1.5,
        ended_how="lap",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=89.75),
        distance_m=400.0,
        target_s=90.0,
        split_s=88.25,
        pace_s_per_km=220.625,
        laps=(44.0, 44.25),
    )
    store.add_step(sid, row)
    store.finish_session(
        sid,
        status="completed",
        ended_at=T0 + timedelta(minutes=30),
        active_s=1790,
        work_s=88.25,
        reps_done=1,
        paused_s=1.5,
    )
    store.set_rpe_note(sid, 7, "felt good")
    got = store.get_session(sid)
    assert got.steps == (row,)
    assert got.uuid == "u-1"
    assert got.status == "completed"
    assert got.started_at == T0
    assert got.ended_at == T0 + timedelta(minutes=30)
    assert got.local_started_at.hour == 8  # +60 min
    assert (got.rpe, got.note, got.reps_planned, got.planned_s) == (7, "felt good", 8, 1800)
    assert got.preset_toml == 'name = "8 x 400 m"\n'
    assert got.pid == os.getpid()
    [summary] = store.list_sessions()
    assert summary.id == sid and summary.active_s == 1790


def test_saving_a_step_twice_keeps_one(store):
    sid = add_session(store, status="in_progress", work=())
    row = step_row(1, T0, 10.0)
    store.add_step(sid, row)
    store.add_step(sid, row)
    assert len(store.get_session(sid).steps) == 2  # warm-up + this one


def test_bad_values_are_refused(store):
    sid = add_session(store)
    with pytest.raises(ValueError):
        store.set_rpe_note(sid, 11, "")
    with pytest.raises(ValueError):
        store.finish_session(
            sid, status="done", ended_at=T0, active_s=0, work_s=0, reps_done=0, paused_s=0
        )
    with pytest.raises(StoreError, match="no such session"):
        store.add_step(9999, step_row(0, T0, 1.0))
    with pytest.raises(KeyError):
        store.get_session(9999)


def test_delete_takes_the_steps_too(store):
    sid = add_session(store, work=(60.0, 60.0))
    keep = add_session(store)
    assert store.delete_session(sid)
    assert not store.delete_session(sid)
    assert (
        store._conn.execute("SELECT count(*) FROM steps WHERE session_id = ?", (sid,)).fetchone()[0]
        == 0
    )
    assert len(store.get_session(keep).steps) == 2


# --- recovering sessions whose program died ----------------------------------------------


def test_recover_interrupted(store):
    gone = add_session(store, status="in_progress", work=(60.0, 45.0), pid=dead_pid())
    running = add_session(store, status="in_progress", pid=os.getpid())
    finished = add_session(store)
    store._conn.execute(
        "INSERT INTO sessions (uuid, preset_name, started_at, status, pid, host) VALUES"
        " ('far-new', 'x', ?, 'in_progress', 1, 'another-computer'),"
        " ('far-old', 'x', '2020-01-01T00:00:00.000Z', 'in_progress', 1, 'another-computer')",
        (datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),),
    )
    far_old = store.session_id_for_uuid("far-old")
    assert sorted(store.recover_interrupted()) == sorted([gone, far_old])
    g = store.get_session(gone)
    assert g.status == "interrupted"
    assert g.ended_at == T0 + timedelta(seconds=60 + 60 + 45)
    assert (g.active_s, g.work_s, g.reps_done) == (165.0, 105.0, 2)
    assert store.get_session(running).status == "in_progress"
    assert store.get_session(finished).status == "completed"
    assert store.get_session(store.session_id_for_uuid("far-new")).status == "in_progress"
    assert store.get_session(far_old).ended_at == datetime(2020, 1, 1, tzinfo=UTC)
    assert store.recover_interrupted() == []


def test_process_alive():
    assert process_alive(os.getpid())
    assert not process_alive(dead_pid())
    assert not process_alive(None)
    # pid 1 exists but started long after this imaginary session: a reused number
    assert not process_alive(1, since=datetime(1999, 1, 1, tzinfo=UTC)) or not os.path.exists(
        "/proc/1/stat"
    )


# --- queries on a small fixed history ----------------------------------------------------

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)  # Wednesday; this week starts Monday 3 March


@pytest.fixture
def diary(store):
    add_session(store, started=datetime(2025, 3, 4, 8, tzinfo=UTC), work=(60.0, 60.0))
    add_session(store, started=datetime(2025, 3, 3, 9, tzinfo=UTC), work=(120.0,), status="aborted")
    # Sunday 23:30 UTC is Monday 00:30 for a runner at UTC+1: this week, not last
    add_session(
        store,
        preset="Hill Sprints",
        started=datetime(2025, 3, 2, 23, 30, tzinfo=UTC),
        work=(30.0,),
        offset_min=60,
    )
    add_session(store, started=datetime(2025, 2, 25, 10, tzinfo=UTC), work=(90.0,))
    add_session(
        store, preset="Warm-up only", started=datetime(2025, 2, 18, 10, tzinfo=UTC), work=()
    )
    add_session(store, started=datetime(2025, 2, 12, 10, tzinfo=UTC), work=(60.0,))
    add_session(
        store, started=datetime(2025, 3, 5, 7, tzinfo=UTC), status="in_progress", pid=os.getpid()
    )
    add_session(store, preset="50%_off", started=datetime(2025, 1, 1, 10, tzinfo=UTC))
    return store


def test_weekly_trends(diary):
    assert diary.weekly_trends(weeks=4, now=NOW) == [
        (date(2025, 2, 10), 1, 1.0),
        (date(2025, 2, 17), 1, 0.0),
        (date(2025, 2, 24), 1, 1.5),
        (date(2025, 3, 3), 3, 4.5),
    ]
    assert len(diary.weekly_trends(now=NOW)) == 12
    assert diary.weekly_trends(weeks=1, now=datetime(2030, 1, 1, tzinfo=UTC)) == [
        (date(2029, 12, 31), 0, 0.0)
    ]


def test_streak_weeks(diary):
    assert diary.streak_weeks(now=NOW) == 2  # this week and last; 17 Feb had no work
    # next week, nothing run yet: the streak still stands
    assert diary.streak_weeks(now=datetime(2025, 3, 12, tzinfo=UTC)) == 2
    assert diary.streak_weeks(now=datetime(2025, 3, 19, tzinfo=UTC)) == 0
    assert diary.streak_weeks(now=datetime(2025, 2, 13, tzinfo=UTC)) == 1


def test_streak_weeks_matches_a_plain_count(tmp_path):
    """The streak SQLite walks, against the definition counted by hand: random gaps, runners
    on either side of UTC (a session near midnight falls in another local week), aborted
    sessions and sessions without work, which never count."""
    import random

    rng = random.Random(7)
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        counted: set[date] = set()
        t = datetime(2024, 1, 1, 6, tzinfo=UTC)
        for _ in range(160):
            t += timedelta(
                hours=rng.choice([10, 30, 70, 160, 200, 400]), minutes=rng.randint(0, 59)
            )
            offset = rng.choice([-600, -300, 0, 60, 330, 780])
            status = rng.choices(["completed", "aborted"], weights=(8, 2))[0]
            work = rng.choice([(), (60.0,), (60.0, 90.0)])
            add_session(store, started=t, status=status, work=work, offset_min=offset)
            if status == "completed" and work:
                counted.add(week_start((t + timedelta(minutes=offset)).date()))

        def by_hand(now: datetime) -> int:
            week = week_start(now.date())
            if week not in counted:
                week -= timedelta(days=7)  # this week may still come
            streak = 0
            while week in counted:
                streak += 1
                week -= timedelta(days=7)
            return streak

        checked = {}
        day = datetime(2024, 1, 1, 12, tzinfo=UTC)
        while day < t + timedelta(days=21):
            checked[day.date()] = (store.streak_weeks(now=day), by_hand(day))
            day += timedelta(days=3)
        assert all(got == want for got, want in checked.values()), checked
        assert max(want for _, want in checked.values()) >= 4  # long streaks were tried


def test_list_filters_and_paging(diary):
    assert diary.count_sessions() == 8
    assert diary.count_sessions(preset="hill") == 1
    assert diary.count_sessions(preset="X 400") == 5
    assert diary.count_sessions(preset="50%") == 1  # % is literal, not a wildcard
    assert diary.count_sessions(preset="0_o") == 0  # _ too
    since = diary.list_sessions(since=datetime(2025, 3, 3, tzinfo=UTC))
    assert [s.started_at.day for s in since] == [5, 4, 3]
    assert diary.count_sessions(since=datetime(2025, 3, 3, tzinfo=UTC)) == 3
    assert diary.count_sessions(since=datetime(2025, 2, 1, tzinfo=UTC), preset="400") == 5
    newest = diary.list_sessions(limit=3)
    assert [s.started_at for s in newest] == sorted((s.started_at for s in newest), reverse=True)
    pages = [diary.list_sessions(limit=3, offset=o) for o in (0, 3, 6)]
    ids = [s.id for page in pages for s in page]
    assert len(ids) == len(set(ids)) == 8
    oldest = diary.list_sessions(descending=False, limit=1)[0]
    assert oldest.preset_name == "50%_off"
    by_name = diary.list_sessions(order_by="preset_name", descending=False, limit=1)[0]
    assert by_name.preset_name == "50%_off"
    with pytest.raises(ValueError):
        diary.list_sessions(order_by="id; DROP TABLE sessions")


def test_preset_split_stats(store):
    for day, splits in ((1, (40.0, 42.0)), (8, (38.0, 40.0)), (15, (41.0, 43.0))):
        add_session(
            store,
            preset="6 x 200",
            started=datetime(2025, 2, day, 9, tzinfo=UTC),
            work=(10.0,),  # a timed work step: not a lap split
            lap_splits=splits,
        )
    add_session(
        store, preset="other", started=datetime(2025, 2, 20, tzinfo=UTC), lap_splits=(30.0,)
    )
    assert store.preset_split_stats("6 x 200") == (39.0, 42.0)
    assert store.preset_split_stats("nothing") == (None, None)
    assert store.preset_split_stats("8 x 400 m") == (None, None)


# --- export / import ---------------------------------------------------------------------


def test_export_import_round_trip(tmp_path, diary):
    exported = list(diary.export_sessions(batch=3))
    assert len(exported) == 8
    with HistoryStore.open(tmp_path / "other" / "history.sqlite3") as other:
        assert other.import_sessions(exported) == (8, 0)
        assert other.import_sessions(exported) == (0, 8)
        again = list(other.export_sessions())
        assert other.count_sessions() == 8
    by_uuid = {d["uuid"]: d for d in again}
    for d in exported:
        got = by_uuid[d["uuid"]]
        if d["status"] == "in_progress":  # its program is not here: it comes in interrupted
            assert got["status"] == "interrupted"
            continue
        for key in ("pid",):
            d.pop(key), got.pop(key)
        assert got == d


@tried(
    "History import",
    "a good session followed by a bad one, an RPE of 12, a start of 'yesterday', a session "
    "that is not an object",
    "ImportFormatError naming the session and key; not even the good session was written",
    cases=4,
)
def test_import_refuses_a_bad_session_and_writes_nothing(store):
    good = {
        "uuid": "g",
        "preset_name": "p",
        "started_at": "2025-01-01T10:00:00Z",
        "status": "completed",
        "steps": [],
    }
    bad = dict(good, uuid="b", steps=[{"idx": 0, "kind": "sprint"}])
    with pytest.raises(ImportFormatError, match=r"session 2 \(b\): steps\[0\]"):
        store.import_sessions([good, bad])
    assert store.count_sessions() == 0
    with pytest.raises(ImportFormatError, match="rpe"):
        store.import_sessions([dict(good, rpe=12)])
    with pytest.raises(ImportFormatError, match="started_at"):
        store.import_sessions([dict(good, started_at="yesterday")])
    with pytest.raises(ImportFormatError, match="expected an object"):
        store.import_sessions(["nope"])
    assert store.import_sessions([good]) == (1, 0)


# --- scale -------------------------------------------------------------------------------


def test_synthetic_history_pages_and_counts(store):
    steps = generate_synthetic(store, 2000, seed=1)
    assert steps > 2000 * 5
    assert store.count_sessions() == 2000
    seen = set()
    offset = 0
    while page := store.list_sessions(limit=500, offset=offset):
        seen.update(s.id for s in page)
        offset += len(page)
    assert len(seen) == 2000
    per_preset = sum(
        store.count_sessions(preset=p)
        for p in {s.preset_name for s in store.list_sessions(limit=2000)}
    )
    assert per_preset == 2000
    end = datetime(2026, 1, 1, tzinfo=UTC)
    trends = store.weekly_trends(weeks=52, now=end)
    assert 300 < sum(t.sessions for t in trends) < 500  # a session every ~20 hours
    assert store.streak_weeks(now=end) > 10
    assert len(list(store.export_sessions())) == 2000
    start = time.perf_counter()
    store.list_sessions(preset="track", since=datetime(2025, 6, 1, tzinfo=UTC), limit=50)
    assert time.perf_counter() - start < 5  # a sanity bound, not a benchmark
