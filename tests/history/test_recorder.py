"""The recorder on real files: sessions saved as they run, bad databases, full disks, kill -9."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from speedtimer.core.schedule import Schedule, ScheduledStep
from speedtimer.core.timer import EventKind, State, Timer
from speedtimer.history.recorder import (
    SessionRecorder,
    import_pending,
    import_pending_detailed,
    pending_dir,
    session_status,
)
from speedtimer.history.store import HistoryStore
from tests.helpers_history import T0, add_session, record, small_schedule
from tests.reliability import tried

REPO = Path(__file__).resolve().parents[2]
MONO0 = 100.0


@pytest.fixture
def db(tmp_path):
    return tmp_path / "data" / "history.sqlite3"


def make_recorder(db, schedule=None, problems=None, **kw) -> SessionRecorder:
    schedule = schedule or small_schedule()
    return SessionRecorder(
        db,
        preset_name=schedule.name,
        preset_toml=f'name = "{schedule.name}"\n',
        schedule=schedule,
        started_wall=T0,
        started_mono=MONO0,
        on_problem=(problems.append if problems is not None else None),
        **kw,
    )


def run_small_session(rec: SessionRecorder, *, abort_at: float | None = None) -> Timer:
    """Drive a real Timer through the small schedule, feeding the recorder as the shell does."""
    timer = Timer(rec.schedule, get_ready_s=0)
    rec.begin()
    actions = [
        ("tick", 160.0),  # warm-up ends on time
        ("lap", 248.5),  # rep 1: 88.5 s
        ("tick", 308.5),  # jog ends
        ("lap", 400.0),  # rep 2: 91.5 s
        ("tick", 460.0),  # cool-down ends: finished
    ]
    events = timer.start(MONO0)
    for name, at in actions:
        if abort_at is not None and at > abort_at:
            events += timer.abort(abort_at)
            break
        events += getattr(timer, name)(at)
    seen = 0
    for ev in events:
        if ev.kind is EventKind.STEP_ENDED:
            rec.step_done(timer.records[seen])
            seen += 1
        elif ev.kind in (EventKind.SESSION_FINISHED, EventKind.SESSION_ABORTED):
            rec.finish(
                session_status(timer.state),
                active_s=timer.active_elapsed(ev.at),
                paused_s=sum(r.paused_s for r in timer.records),
                end_mono=ev.at,
            )
    return timer


def test_a_completed_session_is_saved_step_by_step(db):
    problems: list[str] = []
    with make_recorder(db, problems=problems) as rec:
        run_small_session(rec)
        rec.set_rpe_note(8, "windy back straight")
        assert rec.saved_to == db
        sid = rec.session_id
    assert problems == []
    with HistoryStore.open(db) as store:
        s = store.get_session(sid)
    assert s.status == "completed"
    assert s.uuid == rec.uuid
    assert s.started_at == T0
    assert s.ended_at == T0 + timedelta(seconds=360)
    assert (s.active_s, s.work_s, s.reps_done, s.reps_planned) == (360.0, 180.0, 2, 2)
    assert (s.rpe, s.note) == (8, "windy back straight")
    assert s.preset_toml == 'name = "2 x 400 m"\n'
    assert [st.ended_how for st in s.steps] == ["time", "lap", "time", "lap", "time"]
    rep1 = s.steps[1]
    assert rep1.split_s == 88.5
    assert rep1.pace_s_per_km == pytest.approx(221.25)
    assert rep1.target_s == 90.0
    assert rep1.distance_m == 400.0
    assert rep1.laps == ()
    assert (rep1.rep, rep1.rep_count) == (1, 2)
    assert rep1.started_at == T0 + timedelta(seconds=60)
    assert rep1.ended_at == T0 + timedelta(seconds=148.5)
    assert s.steps[0].split_s is None and s.steps[0].pace_s_per_km is None
    assert not pending_dir(db).exists()


def test_an_aborted_session(db):
    with make_recorder(db) as rec:
        timer = run_small_session(rec, abort_at=200.0)
        sid = rec.session_id
    assert timer.state is State.ABORTED
    with HistoryStore.open(db) as store:
        s = store.get_session(sid)
    assert s.status == "aborted"
    assert [st.ended_how for st in s.steps] == ["time", "aborted"]
    assert (s.reps_done, s.work_s) == (0, 40.0)


def test_session_status():
    assert session_status(State.FINISHED) == "completed"
    assert session_status(State.ABORTED) == "aborted"
    assert session_status(State.ABORTED, hangup=True) == "interrupted"
    assert session_status(State.RUNNING) == "interrupted"
    assert session_status(State.PAUSED, hangup=True) == "interrupted"


def test_intermediate_laps_of_a_timed_step(db):
    with make_recorder(db) as rec:
        rec.begin()
        rec.step_done(record(0, MONO0, 60.0, splits=(20.0, 21.5)))
        rec.finish("completed", active_s=60, paused_s=0, end_mono=MONO0 + 60)
        sid = rec.session_id
    with HistoryStore.open(db) as store:
        [step] = store.get_session(sid).steps
    assert step.laps == (20.0, 21.5)
    assert step.split_s is None


def test_finish_twice_keeps_the_first(db):
    with make_recorder(db) as rec:
        rec.begin()
        rec.finish("completed", active_s=1, paused_s=0, end_mono=MONO0 + 1)
        rec.finish("interrupted", active_s=9, paused_s=0, end_mono=MONO0 + 9)
        sid = rec.session_id
    with HistoryStore.open(db) as store:
        assert store.get_session(sid).status == "completed"


# --- when the database fails -------------------------------------------------------------


def read_pending(rec: SessionRecorder) -> dict:
    return json.loads(rec.pending_path.read_text(encoding="utf-8"))["session"]


@tried(
    "History database",
    "history file of random bytes when a session starts",
    "one message naming both files; the session kept in a pending file and imported once the bad "
    "file is moved; the bad file never touched",
)
def test_corrupt_database_falls_back_to_a_pending_file(db):
    db.parent.mkdir(parents=True)
    garbage = os.urandom(5000)
    db.write_bytes(garbage)
    problems: list[str] = []
    rec = make_recorder(db, problems=problems)
    run_small_session(rec)
    rec.set_rpe_note(6, "")
    assert len(problems) == 1
    assert str(db) in problems[0] and "file is not a database" in problems[0]
    assert str(rec.pending_path) in problems[0]
    assert rec.saved_to == rec.pending_path == db.parent / "pending" / f"{rec.uuid}.json"
    assert db.read_bytes() == garbage  # never touched
    saved = read_pending(rec)
    assert saved["status"] == "completed"
    assert saved["rpe"] == 6
    assert len(saved["steps"]) == 5

    # while the database is still bad, the file stays
    assert len(import_pending(db)) == 1
    assert rec.pending_path.exists()
    assert db.read_bytes() == garbage

    # the runner moves the bad file away; next start-up brings the session in
    db.rename(db.with_suffix(".broken"))
    assert import_pending(db) == []
    assert not rec.pending_path.exists()
    with HistoryStore.open(db) as store:
        [summary] = store.list_sessions()
        s = store.get_session(summary.id)
    assert (s.uuid, s.status, s.rpe, len(s.steps)) == (rec.uuid, "completed", 6, 5)
    assert s.steps[1].split_s == 88.5


@tried(
    "History database",
    "read-only database (query_only) during a session",
    "one 'read-only' message; every step in the pending file, imported next start",
)
def test_read_only_database_falls_back(db):
    HistoryStore.open(db).close()

    def read_only(path):
        store = HistoryStore.open(path)
        store._conn.execute("PRAGMA query_only = ON")
        return store

    problems: list[str] = []
    rec = make_recorder(db, problems=problems, open_store=read_only)
    run_small_session(rec)
    assert len(problems) == 1 and "read-only" in problems[0] and str(db) in problems[0]
    assert len(read_pending(rec)["steps"]) == 5
    assert import_pending(db) == []
    with HistoryStore.open(db) as store:
        assert store.count_sessions() == 1


@tried(
    "History database",
    "database locked by another connection for the whole session",
    "one 'database is locked' message; the session imported next start",
)
def test_locked_database_falls_back(db):
    problems: list[str] = []
    with write_locked(db):
        rec = make_recorder(
            db,
            problems=problems,
            open_store=lambda p: HistoryStore.open(p, busy_timeout_ms=50, retries=0),
        )
        run_small_session(rec)
    assert len(problems) == 1 and "database is locked" in problems[0]
    assert import_pending(db) == []
    with HistoryStore.open(db) as store:
        assert store.get_session(store.session_id_for_uuid(rec.uuid)).status == "completed"


@contextlib.contextmanager
def write_locked(db: Path, how: str = "IMMEDIATE"):
    """Another connection holds the history's write lock for the duration."""
    import sqlite3

    HistoryStore.open(db).close()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute(f"BEGIN {how}")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def long_schedule(n: int) -> Schedule:
    return Schedule(
        name="long",
        steps=tuple(
            ScheduledStep(i, "work" if i % 2 else "rest", f"step {i} " + "x" * 600, 10)
            for i in range(n)
        ),
    )


@tried(
    "History database",
    "database full (max_page_count) part-way through a 60-step session",
    "steps saved before stay; all 60 in the pending file, imported next start",
)
def test_disk_full_mid_session_keeps_every_step(db):
    HistoryStore.open(db).close()

    def nearly_full(path):
        store = HistoryStore.open(path)
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages + 3}")
        return store

    problems: list[str] = []
    schedule = long_schedule(60)
    rec = make_recorder(db, schedule=schedule, problems=problems, open_store=nearly_full)
    rec.begin()
    for i in range(60):
        rec.step_done(record(i, MONO0 + 10 * i, 10.0))
    rec.finish("completed", active_s=600, paused_s=0, end_mono=MONO0 + 600)
    rec.close()
    assert len(problems) == 1 and "database or disk is full" in problems[0]
    with HistoryStore.open(db) as store:
        partial = store.get_session(rec.session_id)
    assert 0 < len(partial.steps) < 60  # what was saved before the disk filled is still there
    assert partial.status == "in_progress"
    assert len(read_pending(rec)["steps"]) == 60

    assert import_pending(db) == []
    with HistoryStore.open(db) as store:
        assert store.count_sessions() == 1
        full = store.get_session(rec.session_id)
    assert full.status == "completed"
    assert [s.idx for s in full.steps] == list(range(60))
    assert full.work_s == 300.0 and full.reps_done == 30


@tried(
    "History database",
    "a session started while its data folder cannot be written at all (the folder's path "
    "is a file: no database, no pending folder, for root too)",
    "kept in the spare folder in the config folder, step by step, with a message naming it; "
    "imported with every step at the next start once the data folder works again",
)
def test_data_folder_unusable_keeps_the_session_in_the_spare_folder(tmp_path):
    data = tmp_path / "data"
    data.write_text("not a folder\n")  # what a read-only or vanished drive looks like, as root
    spare = tmp_path / "config" / "pending-history"
    problems: list[str] = []
    rec = make_recorder(data / "history.sqlite3", problems=problems, spare_pending_dir=spare)
    run_small_session(rec)
    kept = spare / f"{rec.uuid}.json"
    assert rec.saved_to == kept
    assert problems and str(kept) in problems[0] and "next time speedtimer starts" in problems[0]
    assert len(json.loads(kept.read_text())["session"]["steps"]) == 5
    assert data.read_text() == "not a folder\n"  # nothing written over what is there

    data.unlink()
    data.mkdir()  # the drive is back
    db = data / "history.sqlite3"
    assert import_pending(db, spare) == []
    with HistoryStore.open(db) as store:
        (summary,) = store.list_sessions()
        session = store.get_session(summary.id)
    assert session.uuid == rec.uuid and session.status == "completed"
    assert len(session.steps) == 5 and not kept.exists()


def test_a_newer_copy_in_the_spare_folder_wins(tmp_path):
    """A session that moved to the spare folder mid-way leaves an older copy beside the
    history; the import takes both in order, so the newer one stands and both files go."""
    db = tmp_path / "data" / "history.sqlite3"
    spare = tmp_path / "config" / "pending-history"
    rec = make_recorder(db, spare_pending_dir=spare)
    run_small_session(rec)
    full = rec.session_dict()
    older = dict(full, steps=full["steps"][:2], status="in_progress", pid=None)
    for folder, session in ((pending_dir(db), older), (spare, full)):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rec.uuid}.json").write_text(json.dumps({"session": session}))
    with HistoryStore.open(db) as store:
        store.delete_session(rec.session_id)
    assert import_pending(db, spare) == []
    with HistoryStore.open(db) as store:
        (summary,) = store.list_sessions()
        assert len(store.get_session(summary.id).steps) == 5
    assert not list(pending_dir(db).glob("*.json")) and not list(spare.glob("*.json"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions; chmod proves nothing")
def test_unwritable_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    problems: list[str] = []
    try:
        rec = make_recorder(folder / "history.sqlite3", problems=problems)
        run_small_session(rec)  # nothing raises
        assert problems and "permission denied" in problems[0]
    finally:
        folder.chmod(0o700)


@tried(
    "History database",
    "a broken UI callback, a step the schedule lacks, an RPE of 42, an unknown status, on a "
    "garbage file",
    "nothing raised into the app; the session kept in the pending file",
)
def test_the_recorder_never_raises(db):
    def boom(message):
        raise RuntimeError("the UI callback is broken")

    db.parent.mkdir(parents=True)
    db.write_bytes(b"not a database at all" * 100)
    rec = make_recorder(db)
    rec.on_problem = boom
    rec.begin()
    rec.step_done(record(99, MONO0, 1.0))  # a step the schedule does not have
    rec.step_done(record(0, MONO0, 60.0))
    rec.set_rpe_note(42, None)
    rec.finish("weird", active_s=1, paused_s=0, end_mono=MONO0 + 1)
    saved = read_pending(rec)
    assert saved["status"] == "interrupted"
    assert saved["rpe"] is None
    assert len(saved["steps"]) == 1


# --- import_pending ----------------------------------------------------------------------


@tried(
    "History database",
    "pending folder with invalid JSON, a wrong shape, a live session and a good one",
    "the good one imported; the others left in place with a message each",
)
def test_import_pending_leaves_bad_files_and_running_sessions(db):
    folder = pending_dir(db)
    folder.mkdir(parents=True)
    (folder / "bad.json").write_text("{ not json", encoding="utf-8")
    (folder / "wrong.json").write_text('{"session": {"uuid": "w"}}', encoding="utf-8")
    live = make_recorder(db.parent / "elsewhere" / "h.sqlite3").session_dict()  # this process
    (folder / "live.json").write_text(json.dumps({"session": live}), encoding="utf-8")
    done = dict(live, uuid="done-1", status="completed", pid=None)
    (folder / "done-1.json").write_text(json.dumps({"session": done}), encoding="utf-8")

    result = import_pending_detailed(db)
    assert result.imported == ("done-1",)
    assert len(result.problems) == 2
    assert any("bad.json" in p and "not valid JSON" in p for p in result.problems)
    assert any("wrong.json" in p for p in result.problems)
    assert sorted(p.name for p in folder.iterdir()) == ["bad.json", "live.json", "wrong.json"]
    with HistoryStore.open(db) as store:
        assert store.count_sessions() == 1
    assert len(import_pending(db)) == 2  # reported again, still not deleted


def test_import_pending_without_files_does_not_create_anything(db):
    assert import_pending(db) == []
    assert not db.parent.exists()


# --- kill -9 -----------------------------------------------------------------------------

KILL_SCRIPT = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from speedtimer.history.recorder import SessionRecorder
from speedtimer.core.timer import Ended
from tests.helpers_history import record, small_schedule

rec = SessionRecorder(
    Path(sys.argv[1]), preset_name="2 x 400 m", preset_toml="", schedule=small_schedule(),
    started_wall=datetime(2025, 3, 5, 7, 30, tzinfo=UTC), started_mono=100.0,
    on_problem=lambda m: print("problem:", m, flush=True),
)
rec.begin()
rec.step_done(record(0, 100.0, 60.0))
rec.step_done(record(1, 160.0, 88.0, Ended.LAP, splits=(88.0,), planned=None))
rec.step_done(record(2, 248.0, 60.0))
print("ready", rec.uuid, flush=True)
time.sleep(120)
"""


def run_and_kill(db: Path) -> tuple[str, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(db)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = []
    try:
        while True:
            line = proc.stdout.readline()
            assert line, f"the child ended early: {lines}"
            lines.append(line.strip())
            if line.startswith("ready"):
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return lines[-1].split()[1], lines[:-1]


@tried(
    "Signals",
    "kill -9 of a process recording a session",
    "next start marks it interrupted with its 3 finished steps and right totals",
)
def test_kill_9_mid_session_leaves_an_interrupted_session(db):
    uuid, problems = run_and_kill(db)
    assert problems == []
    with HistoryStore.open(db) as store:
        sid = store.session_id_for_uuid(uuid)
        assert store.get_session(sid).status == "in_progress"
        assert store.recover_interrupted() == [sid]
        s = store.get_session(sid)
    assert s.status == "interrupted"
    assert len(s.steps) == 3
    assert s.ended_at == T0 + timedelta(seconds=208)
    assert (s.active_s, s.work_s, s.reps_done) == (208.0, 88.0, 1)


@tried(
    "Signals",
    "kill -9 while the session is kept in a pending file (garbage database)",
    "the pending file holds the 3 steps and imports as interrupted",
)
def test_kill_9_while_saving_to_the_pending_file(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(os.urandom(4096))
    uuid, problems = run_and_kill(db)
    assert len(problems) == 1 and "file is not a database" in problems[0]
    pending = pending_dir(db) / f"{uuid}.json"
    assert len(json.loads(pending.read_text())["session"]["steps"]) == 3
    db.unlink()
    assert import_pending(db) == []
    with HistoryStore.open(db) as store:
        s = store.get_session(store.session_id_for_uuid(uuid))
    assert s.status == "interrupted"
    assert len(s.steps) == 3
    assert s.ended_at == datetime(2025, 3, 5, 7, 33, 28, tzinfo=UTC)


@tried(
    "History database",
    "a pending file with fewer steps than the history holds for that session",
    "not imported, left in place, with a message; the history keeps its 3 steps",
)
def test_import_pending_never_drops_steps_the_history_has(db):
    with make_recorder(db) as rec:
        rec.begin()
        for i in range(3):
            rec.step_done(record(i, MONO0 + 60 * i, 60.0))
        shorter = rec.session_dict()
    shorter["steps"] = shorter["steps"][:1]
    shorter["status"] = "completed"
    folder = pending_dir(db)
    folder.mkdir()
    (folder / f"{rec.uuid}.json").write_text(json.dumps({"session": shorter}), encoding="utf-8")
    [problem] = import_pending(db)
    assert "more steps" in problem
    assert (folder / f"{rec.uuid}.json").exists()
    with HistoryStore.open(db) as store:
        assert len(store.get_session(rec.session_id).steps) == 3


# --- the file changed under a running session ---------------------------------------------


def _overwrite_in_place(db: Path, garbage: bytes) -> None:
    with open(db, "r+b") as fh:  # same inode, new bytes: what a careless program does
        fh.write(garbage)
        fh.truncate()


def _replace_by_rename(db: Path, garbage: bytes) -> None:
    other = db.with_name("incoming.tmp")
    other.write_bytes(garbage)
    os.replace(other, db)  # what a sync tool or an "atomic save" does


@tried(
    "History database",
    "history file replaced by garbage mid-session, in place and by a rename over it (recorder)",
    "the garbage is never written to; the session goes to a pending file and is imported once "
    "the file is moved away; a history renamed over is kept in a .replaced file",
)
@pytest.mark.parametrize("replace", [_overwrite_in_place, _replace_by_rename])
def test_history_replaced_by_garbage_mid_session(db, replace):
    with HistoryStore.open(db) as store:
        add_session(store)
    problems: list[str] = []
    rec = make_recorder(db, problems=problems)
    rec.begin()
    rec.step_done(record(0, MONO0, 60.0))
    garbage = os.urandom(20_000)
    replace(db, garbage)
    rec.step_done(record(1, MONO0 + 60, 88.0, splits=(88.0,), planned=None))
    rec.finish("completed", active_s=148, paused_s=0, end_mono=MONO0 + 148)
    rec.close()
    assert db.read_bytes() == garbage  # not one byte of it written over
    assert len(problems) == 1, problems
    assert str(db) in problems[0] and "another program" in problems[0]
    assert str(rec.pending_path) in problems[0]
    assert len(read_pending(rec)["steps"]) == 2
    rescued = sorted(db.parent.glob("history.replaced-*.sqlite3"))
    if replace is _replace_by_rename:
        [copy] = rescued  # the history that was renamed over, saved from the open connection
        assert str(copy) in problems[0]
        with HistoryStore.open(copy) as old:
            assert old.count_sessions() == 2  # the earlier one and this one's first step
    else:
        assert rescued == []
    db.rename(db.with_name("garbage.bin"))
    assert import_pending(db) == []
    with HistoryStore.open(db) as store:
        s = store.get_session(store.session_id_for_uuid(rec.uuid))
    assert (s.status, len(s.steps)) == ("completed", 2)


def test_background_writes_never_wait_for_a_locked_database(db):
    """The app records in the background: a lock held for longer than the busy timeout
    costs the caller (the event loop) nothing, and the session still lands in a file."""
    import time

    problems: list[str] = []
    with write_locked(db, "EXCLUSIVE"):
        rec = make_recorder(
            db,
            problems=problems,
            open_store=lambda p: HistoryStore.open(p, busy_timeout_ms=1000, retries=0),
            background=True,
        )
        t0 = time.perf_counter()
        run_small_session(rec)
        # A write that waited would take the whole 1 s busy timeout; five were queued.
        assert time.perf_counter() - t0 < 0.5
        assert rec.flush(10.0)
    rec.close()
    assert len(problems) == 1 and "database is locked" in problems[0]
    assert len(read_pending(rec)["steps"]) == 5
    assert import_pending(db) == []
    with HistoryStore.open(db) as store:
        assert len(store.get_session(store.session_id_for_uuid(rec.uuid)).steps) == 5


def test_flush_that_times_out_keeps_the_whole_session_in_the_pending_file(db):
    with write_locked(db, "EXCLUSIVE"):
        rec = make_recorder(db, background=True)
        run_small_session(rec)
        assert rec.flush(0.2) is False  # still waiting for the lock: exit now, lose nothing
        saved = read_pending(rec)
    assert saved["status"] == "completed" and len(saved["steps"]) == 5
    assert rec.flush(15.0)
    assert import_pending(db) == []
    with HistoryStore.open(db) as store:
        assert len(store.get_session(store.session_id_for_uuid(rec.uuid)).steps) == 5
