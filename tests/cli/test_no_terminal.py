"""The full-screen app with no terminal exits at once with a message that suggests --plain,
instead of spinning a core while drawing into nothing (issue 12, bug 7). Real processes, real
pseudo-terminals, each with a timeout."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

TIMEOUT_S = 30


def command(tmp_path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "speedtimer",
        "--config-dir", str(tmp_path / "config"), "--data-dir", str(tmp_path / "data"),
        *args,
    ]  # fmt: skip


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    return dict(e, PYTHONPATH=str(REPO), TERM="xterm-256color")


@pytest.mark.parametrize(
    "args",
    [("run", "--quick", "0:06 work"), ()],
    ids=["run", "menu"],
)
@pytest.mark.parametrize("missing", ["stdin", "stdout", "all"])
def test_no_terminal_exits_with_a_message(tmp_path, args, missing):
    master, slave = pty.openpty()
    streams = {"stdin": slave, "stdout": slave, "stderr": slave}
    err_file = tmp_path / "err.txt"
    if missing == "stdin":
        streams["stdin"] = subprocess.DEVNULL
    elif missing == "stdout":
        streams["stdout"] = subprocess.PIPE
    else:
        streams = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE}
        streams["stderr"] = err_file.open("w")
    started = time.monotonic()
    try:
        proc = subprocess.run(
            command(tmp_path, *args), env=env(), timeout=TIMEOUT_S, **streams, check=False
        )
    finally:
        os.close(slave)
    took = time.monotonic() - started
    said = _drain(master)
    os.close(master)
    if missing == "all":
        said += err_file.read_text()
    assert proc.returncode == 1
    assert "needs a terminal" in said and "--plain" in said, said
    assert took < TIMEOUT_S
    assert not (tmp_path / "data" / "history.sqlite3").exists()


def test_with_a_terminal_the_app_still_starts(tmp_path):
    """The check does not stop the app where it can run: all three streams on a pty."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        command(tmp_path), env=env(), stdin=slave, stdout=slave, stderr=slave, close_fds=True
    )
    os.close(slave)
    try:
        shown = ""
        deadline = time.monotonic() + TIMEOUT_S
        while "Type to filter" not in shown and time.monotonic() < deadline:
            shown += _drain(master, wait=0.5)
        assert "Type to filter" in shown
        assert "needs a terminal" not in shown
        os.write(master, b"\x11")  # ctrl+q
        assert proc.wait(timeout=TIMEOUT_S) == 0
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def _drain(fd: int, wait: float = 0.2) -> str:
    out = b""
    while select.select([fd], [], [], wait)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        wait = 0.05
    return out.decode("utf-8", "replace")
