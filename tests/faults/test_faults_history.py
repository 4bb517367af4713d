"""History database faults met through the real app, mid-session, with real processes and files.

Each test runs a session in the app (Pilot, fake clock), breaks the history file part-way
through (another process locks it, garbage lands on it, its disk fills up) and then checks
what a runner gets: the countdown goes on, one clear message names the file, the session is
kept in a pending file and goes into the history on the next good start, and the sessions
saved before are row for row what they were. The read-only case is in tmux: this machine's
tests run as root, which chmod cannot stop, so that app runs without the override capability.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from speedtimer.config.paths import Paths
from speedtimer.history.recorder import pending_dir
from speedtimer.history.store import HistoryStore
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.conftest import REPO
from tests.helpers_app import (
    after_first_frame,
    leave_finished_session,
    notices,
    preset_paths,
    quiet_app,
    screen_text,
    start_preset,
)
from tests.helpers_history import add_session
from tests.reliability import tried

PRESET = """
name = "Fault trial"
tags = ["faultonly"]
[[steps]]
kind = "warmup"
duration = 10
[[steps]]
kind = "work"
duration = 10
[[steps]]
kind = "rest"
duration = 10
[[steps]]
kind = "work"
duration = 10
[[steps]]
kind = "cooldown"
duration = 10
"""
STEPS = 5
LONG_PRESET = """
name = "Fault trial"
tags = ["faultonly"]
[[steps]]
kind = "warmup"
duration = 10
[[steps]]
repeat = 40
  [[steps.steps]]
  kind = "work"
  duration = 10
  label = "Hard along the back straight, relaxed shoulders, quick arms"
  [[steps.steps]]
  kind = "rest"
  duration = 10
  label = "Walk the bend, breathe, get ready for the next one"
"""
LONG_STEPS = 81
OLD_UUID = "earlier-session"


def make_paths(tmp_path: Path, data_dir: Path | None = None, preset: str = PRESET) -> Paths:
    return preset_paths(tmp_path, preset, data_dir)


def saved_before(db: Path) -> list[tuple]:
    """An earlier session in the history, to prove later that nothing touched it."""
    with HistoryStore.open(db) as store:
        add_session(store, uuid=OLD_UUID, work=(60.0, 61.0, 62.0), lap_splits=(80.0,))
    return old_rows(db)


def old_rows(db: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as c:
        session = c.execute("SELECT * FROM sessions WHERE uuid = ?", (OLD_UUID,)).fetchall()
        steps = c.execute(
            "SELECT * FROM steps WHERE session_id = (SELECT id FROM sessions WHERE uuid = ?)"
            " ORDER BY idx",
            (OLD_UUID,),
        ).fetchall()
    return session + steps


def pending_files(paths: Paths) -> list[Path]:
    return sorted(pending_dir(paths.history_db).glob("*.json"))


class Run:
    """One session in the app, a step at a time."""

    def __init__(self, app, pilot, clock) -> None:
        self.app, self.pilot, self.clock = app, pilot, clock
        self.screen: RunScreen | None = None

    async def start(self) -> None:
        self.screen = await start_preset(self.app, self.pilot, "faultonly")

    async def step(self) -> None:
        self.clock.advance(10)
        self.screen.tick()
        await self.pilot.pause()

    async def wait_for_notice(self, text: str, timeout: float = 30) -> str:
        """Real time: the recorder's writer thread is up against a real fault."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await self.pilot.pause(0.05)
            found = [m for m in notices(self.app) if text in m]
            if found:
                return found[0]
        raise AssertionError(f"no notice with {text!r}; notices: {notices(self.app)}")

    async def on_screen(self, text: str) -> bool:
        for _ in range(50):
            if text in screen_text(self.app):
                return True
            await self.pilot.pause(0.02)
        return False

    async def leave_summary(self) -> None:
        assert isinstance(self.app.screen, SummaryScreen)
        await self.pilot.press("escape")
        await self.pilot.pause()


async def next_start(paths: Paths, clock) -> list[str]:
    """Start the app again, as the runner does the next day; what it says."""
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await after_first_frame(app, pilot)  # the history is tidied then, not at the start
        said = notices(app)
    return said


def the_session(paths: Paths) -> tuple[str, list[tuple[str, str]]]:
    with contextlib.closing(sqlite3.connect(paths.history_db)) as c:
        [(sid, status)] = c.execute(
            "SELECT id, status FROM sessions WHERE uuid != ?", (OLD_UUID,)
        ).fetchall()
        steps = c.execute(
            "SELECT kind, ended_how FROM steps WHERE session_id = ? ORDER BY idx", (sid,)
        ).fetchall()
    return status, steps


EVERY_STEP = [
    ("warmup", "time"),
    ("work", "time"),
    ("rest", "time"),
    ("work", "time"),
    ("cooldown", "time"),
]


# --- another process locks the file ---------------------------------------------------------

HOLD_LOCK = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()  # until the test lets go
c.execute("ROLLBACK")
"""


@tried(
    "History database",
    "locked mid-session by another process (BEGIN EXCLUSIVE) for longer than the busy timeout "
    "and its retries, in the app",
    "the countdown went on while the write waited; one error notice naming the file and the "
    "pending file; imported on the next start",
)
async def test_database_locked_by_another_process_mid_session(tmp_path, clock):
    paths = make_paths(tmp_path)
    before = saved_before(paths.history_db)
    app = quiet_app(paths, clock, get_ready_s=0)
    holder = None
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            run = Run(app, pilot, clock)
            await run.start()
            await run.step()  # the warm-up is saved
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLD_LOCK, str(paths.history_db)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert holder.stdout.readline().strip() == "locked"
            await run.step()  # the work step's write now waits for the lock...
            await run.step()
            # ...and the app did not: it is in the second work step, drawn, while the
            # lock is still held and the writer has not yet given up.
            shown = screen_text(app)
            assert "WORK" in shown and "0:30 done" in shown and "Next: Cool-down" in shown
            assert holder.poll() is None and not any("History" in m for m in notices(app))
            message = await run.wait_for_notice("History not saved")
            assert "database is locked" in message and str(paths.history_db) in message
            [pending] = pending_files(paths)
            assert str(pending) in message
            assert await run.on_screen("History not saved")  # the toast
            status = str(run.screen.query_one("#status").content)
            assert status == RunScreen.HISTORY_STATUS
            holder.communicate("\n", timeout=10)  # the other program lets go
            await run.step()
            await run.step()
            await run.leave_summary()
            assert sum("History" in m for m in notices(app)) == 1
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
    [pending] = pending_files(paths)
    assert old_rows(paths.history_db) == before
    assert await next_start(paths, clock) == []
    assert pending_files(paths) == []
    assert the_session(paths) == ("completed", EVERY_STEP)
    assert old_rows(paths.history_db) == before


# --- garbage lands on the file --------------------------------------------------------------


def overwrite_in_place(db: Path, garbage: bytes) -> None:
    with open(db, "r+b") as fh:
        fh.write(garbage)
        fh.truncate()


def rename_over(db: Path, garbage: bytes) -> None:
    incoming = db.with_name("download.part")
    incoming.write_bytes(garbage)
    os.replace(incoming, db)


@tried(
    "History database",
    "history file replaced by garbage mid-session in the app, written in place or renamed over",
    "the garbage is never written to (byte for byte); one error notice names the file; the "
    "session waits in a pending file until the garbage is moved away, then is imported",
)
@pytest.mark.parametrize("replace", [overwrite_in_place, rename_over])
async def test_database_replaced_by_garbage_mid_session(tmp_path, clock, replace):
    paths = make_paths(tmp_path)
    db = paths.history_db
    before = saved_before(db)
    garbage = os.urandom(50_000)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        run = Run(app, pilot, clock)
        await run.start()
        await run.step()
        await run.step()
        replace(db, garbage)
        await run.step()
        message = await run.wait_for_notice("History not saved")
        assert str(db) in message and "another program" in message
        await run.step()
        await run.step()
        await run.leave_summary()
        assert sum("History" in m for m in notices(app)) == 1
    assert db.read_bytes() == garbage
    [pending] = pending_files(paths)
    said = await next_start(paths, clock)  # the file is still garbage: said, and left alone
    assert any(str(db) in m and "not a database" in m for m in said), said
    assert db.read_bytes() == garbage and pending_files(paths) == [pending]

    db.rename(tmp_path / "garbage.bin")  # the runner moves it away
    if replace is rename_over:  # the history it replaced was kept from the open connection
        [kept] = db.parent.glob("history.replaced-*.sqlite3")
        assert old_rows(kept) == before
    assert await next_start(paths, clock) == []
    assert pending_files(paths) == []
    with contextlib.closing(sqlite3.connect(db)) as c:
        [(status, n)] = c.execute(
            "SELECT status, (SELECT count(*) FROM steps WHERE session_id = sessions.id)"
            " FROM sessions"
        ).fetchall()
    assert (status, n) == ("completed", STEPS)


# --- the disk fills up ----------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB file system (tmpfs), for a history that runs out of room."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(folder: Path) -> Path:
    """Take every free byte, as a big download would."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        with contextlib.suppress(OSError):
            while os.write(fd, b"\xff" * 4096):
                pass
        with contextlib.suppress(OSError):
            while os.write(fd, b"\xff"):
                pass
    finally:
        os.close(fd)
    assert os.statvfs(folder).f_bavail == 0
    return filler


def spare_files(paths: Paths) -> list[Path]:
    return sorted(paths.spare_pending_dir.glob("*.json"))


@tried(
    "History database",
    "disk full mid-session in the app: a real 1 MB tmpfs holding the data folder and the "
    "config folder (so neither the database, the pending file nor the spare folder can "
    "grow) filled up, then space freed",
    "the countdown went on; a notice that the session is kept in memory, another once it is in "
    "the pending file; nothing on stderr; imported on the next start",
)
async def test_disk_full_mid_session(tmp_path, clock, small_disk, capfd):
    paths = make_paths(tmp_path, data_dir=small_disk / "data", preset=LONG_PRESET)
    paths = dataclasses.replace(paths, config_dir=small_disk / "config")
    before = saved_before(paths.history_db)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        run = Run(app, pilot, clock)
        await run.start()
        recorder = run.screen.session.recorder
        await run.step()
        filler = fill(small_disk)
        done = await steps_until_a_notice(run, recorder)
        message = await run.wait_for_notice("History not saved")
        assert "full" in message and str(paths.history_db) in message
        assert "could not be kept" in message and str(recorder.pending_path) in message
        assert str(paths.spare_pending_dir) in message and "in memory" in message
        await run.step()
        assert pending_files(paths) == [] == spare_files(paths)  # no room for it either
        filler.unlink()  # the runner frees some space
        await run.step()
        await run.wait_for_notice("is now kept in")
        assert isinstance(app.screen, RunScreen)
        for _ in range(done + 2, LONG_STEPS):
            await run.step()
        await run.leave_summary()
    # The log file is on the full disk too: its lines are dropped, never printed instead.
    assert capfd.readouterr().err == ""
    assert old_rows(paths.history_db) == before
    assert len(pending_files(paths)) == 1
    assert await next_start(paths, clock) == []
    assert pending_files(paths) == []
    status, steps = the_session(paths)
    assert (status, len(steps)) == ("completed", LONG_STEPS)
    assert old_rows(paths.history_db) == before


async def steps_until_a_notice(run: Run, recorder) -> int:
    """A full disk bites when the database must grow: steps still fit in its last page."""
    done = 1
    while not notices(run.app) and done < LONG_STEPS - 3:
        await run.step()
        done += 1
        assert recorder.flush(10)
    return done


@tried(
    "History database",
    "disk full mid-session in the app with only the data folder on the full disk (a real 1 MB "
    "tmpfs); the config folder elsewhere",
    "the countdown went on; one notice: the session is kept in the spare folder in the config "
    "folder, step by step; nothing on stderr; imported with every step on the next start",
)
async def test_disk_full_keeps_the_session_in_the_spare_folder(tmp_path, clock, small_disk, capfd):
    paths = make_paths(tmp_path, data_dir=small_disk / "data", preset=LONG_PRESET)
    before = saved_before(paths.history_db)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        run = Run(app, pilot, clock)
        await run.start()
        recorder = run.screen.session.recorder
        await run.step()
        fill(small_disk)
        done = await steps_until_a_notice(run, recorder)
        message = await run.wait_for_notice("History not saved")
        assert "full" in message and str(paths.history_db) in message
        [kept] = spare_files(paths)
        assert str(kept) in message and "next time speedtimer starts" in message
        for _ in range(done, LONG_STEPS):
            await run.step()
        await run.leave_summary()
        assert sum("History" in m for m in notices(app)) == 1
    assert capfd.readouterr().err == ""
    assert spare_files(paths) == [kept] and pending_files(paths) == []
    for filler in small_disk.glob("filler.bin"):
        filler.unlink()  # space again, before the next start
    assert await next_start(paths, clock) == []
    assert spare_files(paths) == []
    status, steps = the_session(paths)
    assert (status, len(steps)) == ("completed", LONG_STEPS)
    assert old_rows(paths.history_db) == before


# --- made read-only mid-session -------------------------------------------------------------

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
# Root writes through chmod; without these capabilities it is held to it like anyone else.
NO_OVERRIDE = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
    if os.geteuid() == 0
    else []
)

SECONDS_PRESET = """
name = "Read-only trial"
[[steps]]
kind = "warmup"
duration = 2
[[steps]]
kind = "work"
duration = 2
[[steps]]
kind = "rest"
duration = 2
[[steps]]
kind = "cooldown"
duration = 1
"""


@tried(
    "History database",
    "history file and its folder made read-only (chmod) mid-session, app in tmux without "
    "root's override capability",
    "the open database kept every step; the next start says on screen that the history is "
    "read-only; the earlier session's rows unchanged, this one complete after chmod back",
)
@needs_tmux
@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None, reason="setpriv is not installed"
)
def test_database_made_read_only_mid_session(tmp_path):
    from tests.e2e.test_e2e_tmux import Tmux

    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "ro.toml").write_text(SECONDS_PRESET)
    data, config = tmp_path / "data", tmp_path / "config"
    db = data / "history.sqlite3"
    data.mkdir()
    before = saved_before(db)
    args = [
        sys.executable, "-m", "speedtimer", "--mute", "--presets-dir", str(presets),
        "--data-dir", str(data), "--config-dir", str(config), "--get-ready", "0",
    ]  # fmt: skip
    tmux = Tmux(tmp_path)
    try:
        command = " ".join([f"cd {REPO} && exec env TERM=xterm-256color", *NO_OVERRIDE, *args])
        tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24",
                 command + " run 'Read-only trial'")  # fmt: skip
        tmux.wait_for("WORK", timeout=20)
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            path.chmod(0o444)
        data.chmod(0o555)
        assert "History not saved" not in leave_finished_session(tmux)
        # The next start, still read-only: a clear message, and the file unchanged.
        tmux.run("kill-server")
        tmux = Tmux(tmp_path)
        tmux.run("new-session", "-d", "-s", "app", "-x", "120", "-y", "30", command)
        # "read-only" and "History" alone are on the menu at once (a bundled preset's details,
        # the footer): wait for the history's own notice, which comes after the first frame.
        # Its first words start a line; the rest wraps with the length of the temp path.
        screen = tmux.wait_for("cannot open history", timeout=20)
        assert "read-only" in " ".join(screen.split("cannot open history", 1)[1].split()), screen
        assert "Traceback" not in screen
        tmux.keys("C-q")
        time.sleep(0.5)
    finally:
        tmux.close()
        data.chmod(0o755)
        for path in data.iterdir():
            path.chmod(0o644)
    assert old_rows(db) == before
    with contextlib.closing(sqlite3.connect(db)) as c:
        [(status, n)] = c.execute(
            "SELECT status, (SELECT count(*) FROM steps WHERE session_id = sessions.id)"
            " FROM sessions WHERE uuid != ?",
            (OLD_UUID,),
        ).fetchall()
    assert (status, n) == ("completed", 4)
