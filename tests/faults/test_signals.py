"""The app killed mid-session, for real: SIGHUP (terminal closed), SIGTERM and kill -9.

Each time the history must show the session with the steps finished before the signal.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.test_e2e_tmux import Tmux
from tests.reliability import tried

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

PRESET = """
name = "Signal trial"
category = "custom"
tags = ["signalonly"]
[[steps]]
kind = "warmup"
duration = 1
[[steps]]
kind = "work"
duration = 1
[[steps]]
kind = "rest"
duration = 60
"""


def start(tmp_path) -> tuple[Tmux, int, dict]:
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "s.toml").write_text(PRESET)
    dirs = {"data": tmp_path / "data", "config": tmp_path / "config"}
    tmux = Tmux(tmp_path)
    command = (
        f"cd {REPO} && exec env TERM=xterm-256color {sys.executable} -m speedtimer --mute "
        f"--presets-dir {presets} --data-dir {dirs['data']} --config-dir {dirs['config']} "
        "--get-ready 0 run 'Signal trial'"
    )
    tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
    tmux.wait_for("REST", timeout=15)  # two steps finished
    wait_written(dirs["data"] / "history.sqlite3", steps=2)
    pid = int(tmux.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())
    return tmux, pid, dirs


def wait_written(db: Path, steps: int, timeout: float = 10) -> None:
    """Until the recorder's thread has committed `steps` finished steps: the screen can show
    the next step a few milliseconds before the write of the last one lands."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                (count,) = conn.execute("SELECT count(*) FROM steps").fetchone()
            if count >= steps:
                return
        except sqlite3.Error:
            pass  # not created yet, or busy
        time.sleep(0.02)
    raise AssertionError(f"{db} did not get {steps} steps in {timeout} s")


def wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # A zombie still answers kill(0); tmux reaps its child, so poll /proc for the state.
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split()[2] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not exit")


def history(dirs) -> dict:
    """What the next start of speedtimer sees (it recovers sessions left behind)."""
    out = subprocess.run(
        [sys.executable, "-m", "speedtimer", "--data-dir", str(dirs["data"]),
         "--config-dir", str(dirs["config"]), "history", "export", "--format", "json"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@tried(
    "Signals",
    "SIGHUP (terminal closed), SIGTERM and kill -9 of the app in tmux mid-session",
    "next start shows the session interrupted/aborted with every finished step",
)
@pytest.mark.parametrize(
    ("sig", "status"),
    [(signal.SIGHUP, "interrupted"), (signal.SIGTERM, "aborted"), (signal.SIGKILL, "interrupted")],
)
def test_signal_mid_session_keeps_finished_steps(tmp_path, sig, status):
    tmux, pid, dirs = start(tmp_path)
    try:
        os.kill(pid, sig)
        wait_gone(pid)
    finally:
        tmux.close()
    if sig != signal.SIGKILL:
        # Ended cleanly by the app itself: the database says so before anyone recovers it.
        with sqlite3.connect(dirs["data"] / "history.sqlite3") as db:
            (raw_status,) = db.execute("SELECT status FROM sessions").fetchone()
        assert raw_status == status
    [session] = history(dirs)["sessions"]
    assert session["status"] == status
    kinds = [(s["kind"], s["ended_how"]) for s in session["steps"]]
    assert kinds[:2] == [("warmup", "time"), ("work", "time")]
    if sig != signal.SIGKILL:
        assert kinds[2][0] == "rest" and kinds[2][1] == "aborted"  # the step in progress
    else:
        assert len(kinds) == 2  # kill -9 loses at most the step in progress
