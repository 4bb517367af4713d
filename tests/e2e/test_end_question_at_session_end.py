"""Issue 12, bug 1, exactly as reported, in a real terminal (tmux) with the real clock:
`speedtimer --get-ready 1 run --quick '0:06 work'`, q at about 2 s, the question left open;
the step runs out, the summary appears; esc (or ctrl+s) must reach the menu, not a dead
FINISHED run screen."""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time

import pytest

from tests.conftest import REPO
from tests.e2e.test_e2e_tmux import Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path)
    yield t
    t.close()


@pytest.mark.parametrize("leave", ["Escape", "C-s"])
def test_the_reported_case_in_a_real_terminal(tmp_path, tmux, leave):
    data, config = tmp_path / "data", tmp_path / "config"
    command = (
        f"cd {REPO} && env HOME={tmp_path} TERM=xterm-256color "
        f"{sys.executable} -m speedtimer --data-dir {data} --config-dir {config} --mute "
        "--get-ready 1 run --quick '0:06 work'"
    )
    tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
    tmux.wait_for("WORK", timeout=15)
    time.sleep(1.0)  # about 2 s into the session
    tmux.keys("q")
    tmux.wait_for("End this session now?")
    summary = tmux.wait_for("Session completed", timeout=15)  # the step ran out
    assert "End this session" not in summary
    tmux.keys(leave)
    menu = tmux.wait_for("Type to filter", timeout=10)
    assert "FINISHED" not in menu
    tmux.keys("C-q")
    deadline = time.monotonic() + 10
    while tmux.run("list-sessions") and time.monotonic() < deadline:
        time.sleep(0.2)
    with sqlite3.connect(data / "history.sqlite3") as db:
        assert db.execute("SELECT status FROM sessions").fetchall() == [("completed",)]
