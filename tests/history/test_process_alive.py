"""Is an unfinished session's program still running? Told by the process, not by the clock.

A session left 'in_progress' is marked 'interrupted' once its process is gone. That used to be
decided by comparing the process's start (boot time from /proc/stat, which moves with the wall
clock) with the session's start on the wall clock: setting the clock forward by more than a
minute made a live session look abandoned. The process's identity (boot id and start ticks
since boot) is saved with the session now, and compared as it is.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from speedtimer.history import processes as store_module
from speedtimer.history.store import HistoryStore, process_alive, process_start
from tests.reliability import tried


@pytest.fixture
def child():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    proc.kill()
    proc.wait()


def wall_jump(monkeypatch, seconds: float) -> None:
    """What the kernel reports after the wall clock is set `seconds` forward: /proc/stat's
    btime is the wall clock minus the time since boot, so it moves with it."""
    real = store_module._boot_time

    def jumped() -> float | None:
        boot = real()
        return None if boot is None else boot + seconds

    monkeypatch.setattr(store_module, "_boot_time", jumped)


def start(store: HistoryStore, pid: int, started: datetime, pid_started: str | None) -> int:
    return store.start_session(
        uuid=f"s-{pid}-{pid_started}",
        preset_name="Live",
        preset_toml="",
        started_at=started,
        planned_s=600,
        reps_planned=1,
        pid=pid,
        pid_started=pid_started,
    )


@tried(
    "History database",
    "a live session's process (a real child process) while the wall clock is set forward "
    "2 minutes, 10 minutes and a day, and back an hour",
    "still running: never marked interrupted; the same pid with another identity (reused) and "
    "a dead process are marked interrupted",
)
@pytest.mark.parametrize("jump_s", [120.0, 600.0, 86400.0, -3600.0])
def test_a_wall_clock_jump_does_not_end_a_live_session(tmp_path, monkeypatch, child, jump_s):
    identity = process_start(child.pid)
    assert identity is not None
    now = datetime.now(UTC)
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        live = start(store, child.pid, now, identity)
        reused = start(store, child.pid, now, identity + "0")  # another process, same pid
        wall_jump(monkeypatch, jump_s)
        recovered = store.recover_interrupted(now=now + timedelta(seconds=jump_s))
        assert live not in recovered
        assert reused in recovered
        assert store.get_session(live).status == "in_progress"
        assert process_alive(child.pid, since=now, started=identity)
        child.kill()
        child.wait()
        assert not process_alive(child.pid, since=now, started=identity)
        assert store.recover_interrupted(now=now + timedelta(seconds=jump_s)) == [live]


def test_this_process_is_itself_only_with_its_own_identity():
    import os

    me = process_start(os.getpid())
    assert process_alive(os.getpid(), started=me)
    assert not process_alive(os.getpid(), started="linux:another-boot:1")
    assert not process_alive(None) and not process_alive(0) and not process_alive(True)
    assert not process_alive(2**70)


def test_a_recorded_session_saves_its_process_identity(tmp_path):
    import os
    import sqlite3

    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.start_session(
            uuid="mine",
            preset_name="x",
            preset_toml="",
            started_at=datetime.now(UTC),
            planned_s=1,
            reps_planned=1,
        )
    with sqlite3.connect(tmp_path / "h.sqlite3") as conn:
        pid, ident = conn.execute("SELECT pid, pid_started FROM sessions").fetchone()
    assert pid == os.getpid() and ident == process_start(os.getpid())


@pytest.mark.parametrize("same_process", [True, False], ids=["its-own", "pid-reused"])
def test_a_pending_session_of_a_live_process_waits_whatever_the_clock(
    tmp_path, monkeypatch, child, same_process
):
    """A session kept in a pending file by a speedtimer still running stays there (that
    program is writing it); one whose pid now belongs to another process goes in."""
    import json
    import socket

    from speedtimer.history.recorder import import_pending_detailed, pending_dir

    db = tmp_path / "history.sqlite3"
    identity = process_start(child.pid)
    session = {
        "uuid": "pending-live",
        "preset_name": "Live",
        "started_at": datetime.now(UTC).isoformat(),
        "status": "in_progress",
        "pid": child.pid,
        "host": socket.gethostname(),
        "pid_started": identity if same_process else f"{identity}9",
        "steps": [],
    }
    folder = pending_dir(db)
    folder.mkdir(parents=True)
    (folder / "pending-live.json").write_text(json.dumps({"session": session}))
    with HistoryStore.open(db):
        pass
    wall_jump(monkeypatch, 300.0)
    result = import_pending_detailed(db)
    assert result.imported == (() if same_process else ("pending-live",))
    assert (folder / "pending-live.json").exists() == same_process
