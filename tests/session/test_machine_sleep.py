"""A laptop that sleeps mid-session, and the session asking the machine not to sleep.

A fake monotonic clock stands still while a fake sleep clock (CLOCK_BOOTTIME's part) jumps, as
they do when a lid is closed. The session must pause at the moment of sleep, record the pause
with its true length, keep wall-clock times true, say so on screen, and play nothing stale.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from speedtimer.core.timer import EventKind, State
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.history.recorder import SessionRecorder
from speedtimer.history.store import from_iso
from speedtimer.machine_sleep import KeepAwake, SleepWatch
from speedtimer.session import Session
from speedtimer.tui.screens.run import RunScreen
from tests.helpers_app import preset_paths, quiet_app, screen_text, start_preset
from tests.reliability import tried

PRESET = """
name = "Sleepy"
countdown = 3
[[steps]]
kind = "rest"
duration = 60
[[steps]]
kind = "work"
duration = 30
[[steps]]
kind = "rest"
duration = 20
"""

WALL0 = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)


class Machine:
    """Three clocks of one computer: monotonic (stops in a sleep), boottime and the wall clock
    (both keep counting)."""

    def __init__(self) -> None:
        self.now = 1000.0  # monotonic: the name FakeClock uses, for helpers that read .now
        self.boot = 5000.0
        self._boot0 = self.boot

    def __call__(self) -> float:
        return self.now

    def sleep_clock(self) -> float:
        return self.boot

    def wall(self) -> datetime:
        return WALL0 + timedelta(seconds=self.boot - self._boot0)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.boot += seconds

    def suspend(self, seconds: float) -> None:
        self.boot += seconds


class Audio:
    available = True
    problem = None

    def __init__(self) -> None:
        self.sent: list[tuple[str, float | None]] = []  # (cue, due time)
        self.cancels = 0

    def play(self, cue: str, *, at: float | None = None) -> bool:
        self.sent.append((cue, at))
        return True

    def cancel(self) -> None:
        self.cancels += 1

    def close(self) -> None:
        pass


def make_session(machine: Machine, db: Path, audio: Audio, **kw) -> Session:
    def recorder(*, preset, schedule, started_wall, started_mono):
        return SessionRecorder(
            db,
            preset_name=preset.name,
            preset_toml="",
            schedule=schedule,
            started_wall=started_wall,
            started_mono=started_mono,
        )

    return Session(
        parse_preset(PRESET),
        audio=audio,
        wall_clock=machine.wall,
        recorder_factory=recorder,
        get_ready_s=0,
        sleep_watch=SleepWatch(machine, machine.sleep_clock),
        **kw,
    )


def run_to(session: Session, machine: Machine, until_mono: float) -> None:
    """What the run screen does: wake at next_wake(), tick, until `until_mono`."""
    while True:
        wake = session.next_wake()
        if wake is None:
            break
        step = max(0.0, min(wake - session.now(), until_mono - machine.now))
        machine.advance(step)
        session.tick()
        if machine.now >= until_mono - 1e-9:
            break


def step_rows(db: Path) -> list[tuple[str, float, float, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT kind, actual_s, paused_s, started_at, ended_at FROM steps ORDER BY idx"
        ).fetchall()


@tried(
    "Sleeping computer",
    "laptop lid closed for 2:03 with 30 s of rest left (fake CLOCK_BOOTTIME jumps, monotonic "
    "does not)",
    "paused at the moment of sleep; the rest still had its 30 s; pause recorded with its true "
    "length (123 s + 5 s to resume); every later wall-clock time true to the millisecond; no "
    "cue played on waking",
)
def test_a_two_minute_sleep_becomes_a_pause(tmp_path):
    machine = Machine()
    audio = Audio()
    db = tmp_path / "history.sqlite3"
    session = make_session(machine, db, audio)
    session.start()
    run_to(session, machine, 1030.0)  # 30 s of rest left
    sent_before = len(audio.sent)
    played_before = list(session.cues_played)
    machine.suspend(123.0)
    machine.advance(0.25)  # the event loop's next wake-up, after the lid opens
    events = session.tick()
    assert [e.kind for e in events] == [EventKind.PAUSED, EventKind.SLEPT]
    assert events[1].seconds == pytest.approx(123.0)
    assert session.timer.state is State.PAUSED
    assert session.timer.step_remaining(session.now()) == pytest.approx(29.75)
    assert session.cues_played == played_before and len(audio.sent) == sent_before
    assert session.sleeps == [pytest.approx(123.0)]

    machine.advance(5.0)  # the runner reads the screen and presses space
    session.toggle_pause()
    run_to(session, machine, 1030.25 + 5 + 29.75 + 30 + 20 + 1)
    assert session.timer.state is State.FINISHED
    session.close()

    rows = step_rows(db)
    assert [r[0] for r in rows] == ["rest", "work", "rest"]
    assert rows[0][1] == pytest.approx(60.0)  # the rest kept its length
    assert rows[0][2] == pytest.approx(128.0)  # the pause: the sleep and the 5 s after
    # wall-clock times follow the real clock: the work step began 60 s of rest + 128 s later
    work_start = from_iso(rows[1][3])
    assert work_start == WALL0 + timedelta(seconds=60 + 128)
    assert from_iso(rows[2][4]) == WALL0 + timedelta(seconds=60 + 128 + 30 + 20)
    assert from_iso(rows[2][4]) == machine.wall()
    with sqlite3.connect(db) as conn:
        paused, ended = conn.execute("SELECT paused_s, ended_at FROM sessions").fetchone()
    assert paused == pytest.approx(128.0)
    assert from_iso(ended) == WALL0 + timedelta(seconds=238)


def test_no_stale_sound_after_waking(tmp_path):
    """A pip sent ahead just before the lid closed is taken back; the pips of the rest are
    heard after resuming, at their time, once each."""
    machine = Machine()
    audio = Audio()
    session = make_session(machine, tmp_path / "h.sqlite3", audio)
    session.start()
    run_to(session, machine, 1056.95)  # the pip due at 57 s has gone to the sound helper
    assert audio.sent[-1][0] == "pip" and machine.now < 1057.0
    machine.suspend(120.0)
    session.tick()  # woken at once: the pip was not due yet when the lid closed
    assert audio.cancels == 1
    assert session.timer.state is State.PAUSED
    assert "pip" not in session.cues_played[-1:]
    machine.advance(2.0)
    session.toggle_pause()
    run_to(session, machine, machine.now + 3.2)
    pips = [c for c in session.cues_played if c == "pip"]
    assert len(pips) == 3  # 3, 2, 1: each once, none lost, none doubled


def test_plain_mode_goes_on_after_sleep_with_the_pause_recorded(tmp_path):
    machine = Machine()
    session = make_session(machine, tmp_path / "h.sqlite3", Audio(), resume_after_sleep=True)
    session.start()
    run_to(session, machine, 1010.0)
    machine.suspend(90.0)
    machine.advance(0.5)
    events = session.tick()
    kinds = [e.kind for e in events]
    assert kinds[:3] == [EventKind.PAUSED, EventKind.SLEPT, EventKind.RESUMED]
    assert session.timer.state is State.RUNNING
    assert session.timer.step_remaining(session.now()) == pytest.approx(49.5)
    session.toggle_pause()  # paused by hand before a sleep: still paused after it
    machine.suspend(30.0)
    kinds = [e.kind for e in session.tick()]
    assert kinds == [EventKind.SLEPT] and session.timer.state is State.PAUSED


def test_small_clock_differences_are_not_sleeps():
    machine = Machine()
    watch = SleepWatch(machine, machine.sleep_clock)
    machine.suspend(0.4)
    assert watch.check() == 0.0
    machine.boot -= 30  # a wall clock set back: the new normal, not a sleep
    assert watch.check() == 0.0
    machine.suspend(float("nan"))
    assert watch.check() == 0.0


def test_the_real_clocks_see_no_sleep_when_there_is_none():
    watch = SleepWatch()
    time.sleep(0.05)
    assert watch.check() == 0.0
    assert abs(watch.now() - time.monotonic()) < 0.01


async def test_the_run_screen_says_the_computer_was_asleep(tmp_path):
    machine = Machine()
    paths = preset_paths(tmp_path, PRESET.replace('"Sleepy"', '"Sleepy"\ntags = ["zz"]'))
    app = quiet_app(paths, machine, sleep_clock=machine.sleep_clock, get_ready_s=0)
    app.wall_clock = machine.wall
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start_preset(app, pilot, "zz")
        machine.advance(30.0)
        screen.tick()
        machine.suspend(123.0)
        machine.advance(0.2)
        screen.tick()
        await pilot.pause()
        assert "The computer was asleep for 2:03; paused" in screen_text(app)
        assert screen.session.timer.state is State.PAUSED
        await pilot.press("space")
        await pilot.pause()
        assert screen.session.timer.state is State.RUNNING
        assert "asleep" not in screen_text(app)


# --- keeping the machine awake ----------------------------------------------------------------

FAKE_INHIBIT = """#!/bin/sh
# a stand-in for systemd-inhibit: says it started, runs the held command, says it ended
echo "start $$ $*" >> "{log}"
trap 'echo "end $$" >> "{log}"' EXIT
shift 4
"$@"
"""


def fake_inhibit(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "inhibit.log"
    script = folder / "systemd-inhibit"
    script.write_text(FAKE_INHIBIT.format(log=log))
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return log


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@tried(
    "Sleeping computer",
    "two sessions in the app with systemd-inhibit on PATH (a stand-in script that logs its "
    "start and end): one run to its end, one left by quitting the app mid-session",
    "the idle inhibitor (--what=idle --mode=block) ran for exactly each session: started with "
    "it, ended with it (stop takes about 8 ms: the pipe closes, `cat` ends)",
    cases=2,
)
async def test_the_idle_inhibitor_lives_as_long_as_the_session(tmp_path, monkeypatch, clock):
    log = fake_inhibit(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    paths = preset_paths(tmp_path, PRESET.replace('"Sleepy"', '"Sleepy"\ntags = ["zz"]'))
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        assert not log.exists()  # the menu holds nothing
        screen = await start_preset(app, pilot, "zz")
        assert wait_for(log.exists)
        line = log.read_text().splitlines()[0].split()
        pid = int(line[1])
        assert {"--what=idle", "--who=speedtimer", "--mode=block"} <= set(line)
        assert line[-1] == "cat"  # held on a pipe from speedtimer
        assert alive(pid)
        clock.advance(200.0)
        screen.tick()  # the session ends
        await pilot.pause()
        assert screen.session.timer.done
        assert wait_for(lambda: f"end {pid}" in log.read_text(), 3.0)
        assert wait_for(lambda: not alive(pid), 3.0)
        # a second session, left by quitting the app mid-session
        await pilot.press("escape")  # the summary closes; the menu still filters on "zz"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert wait_for(lambda: log.read_text().count("start") == 2)
        pid2 = int(log.read_text().splitlines()[-1].split()[1])
        assert alive(pid2)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert wait_for(lambda: not alive(pid2), 3.0)


@tried(
    "Sleeping computer",
    "speedtimer gone without ending the inhibitor (its pipe to the held command closed, as "
    "when it is killed with SIGKILL)",
    "the inhibitor ends by itself: the machine is never kept awake by a session that is gone",
)
def test_killed_speedtimer_does_not_keep_the_machine_awake(tmp_path, monkeypatch):
    """The held command reads a pipe from speedtimer: when the pipe closes (speedtimer killed),
    the inhibitor ends."""
    log = fake_inhibit(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    awake = KeepAwake()
    assert awake.start()
    assert wait_for(log.exists)
    pid = awake.process.pid
    awake.process.stdin.close()  # what the kernel does when speedtimer dies
    assert wait_for(lambda: awake.process.poll() is not None, 3.0)
    assert not alive(pid)
    awake.stop()


@tried(
    "Sleeping computer",
    "a session with no systemd-inhibit on PATH",
    "the session runs; no notice, no status line, nothing on screen about it",
)
async def test_no_inhibitor_command_says_nothing(tmp_path, monkeypatch, clock):
    empty = tmp_path / "nobin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    paths = preset_paths(tmp_path, PRESET.replace('"Sleepy"', '"Sleepy"\ntags = ["zz"]'))
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start_preset(app, pilot, "zz")
        assert screen.session.keep_awake is not None
        assert not screen.session.keep_awake.running
        assert app._notifications == [] or all(
            "inhibit" not in n.message and "sleep" not in n.message for n in app._notifications
        )
        assert "inhibit" not in screen_text(app).lower()
        assert isinstance(app.screen, RunScreen)


def test_plain_mode_says_the_computer_slept(tmp_path):
    import io

    from speedtimer.cli.plain import _print_events

    machine = Machine()
    session = make_session(machine, tmp_path / "h.sqlite3", Audio(), resume_after_sleep=True)
    session.start()
    run_to(session, machine, 1010.0)
    machine.suspend(123.0)
    out = io.StringIO()
    _print_events(session, session.tick(), out)
    assert out.getvalue() == "The computer was asleep for 2:03; paused for that time\n"
