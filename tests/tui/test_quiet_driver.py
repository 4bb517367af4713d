"""The keyboard thread of the quiet driver, on a real pseudo-terminal and a real thread.

Textual's own Linux driver wakes ten times a second with no key pressed; ours must sleep, and
still deliver keys, a lone Escape (which only a timeout tells from the start of a sequence)
and stop at once when the app stops input.
"""

from __future__ import annotations

import os
import pty
import signal
import threading
import time
import tty
from pathlib import Path

import pytest
from textual import events
from textual.drivers.linux_driver import LinuxDriver

from speedtimer.tui.textual_patches.quiet_driver import QuietLinuxDriver, quiet_driver_for


def wakeups(thread: threading.Thread) -> int:
    status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
    (line,) = [x for x in status.splitlines() if x.startswith("voluntary_ctxt_switches")]
    return int(line.split()[1])


@pytest.fixture
def keyboard():
    """A driver of `cls` reading a pty: (driver, thread, write, keys received)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}
    started: list = []

    def start(cls):
        master, slave = pty.openpty()
        tty.setraw(slave)  # as Textual puts the terminal: each key as it comes
        received: list[str] = []

        class Recording(cls):
            def process_message(self, message):
                if isinstance(message, events.Key):
                    received.append(message.key)

        driver = Recording(app=None)
        driver.fileno = slave
        thread = threading.Thread(target=driver.run_input_thread, daemon=True)
        thread.start()
        started.append((driver, thread, master, slave))
        return driver, thread, (lambda text: os.write(master, text.encode())), received

    yield start
    for driver, thread, master, slave in started:
        driver.exit_event.set()
        thread.join(3)
        os.close(master)
        os.close(slave)
        if isinstance(driver, QuietLinuxDriver):
            driver.close()
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def wait_for(received: list[str], n: int, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while len(received) < n and time.monotonic() < deadline:
        time.sleep(0.01)


async def test_textual_driver_wakes_ten_times_a_second(keyboard):
    """The baseline the quiet driver exists for (if Textual changes this, so can we)."""
    _driver, thread, _write, _received = keyboard(LinuxDriver)
    time.sleep(0.3)
    before = wakeups(thread)
    time.sleep(1.5)
    assert wakeups(thread) - before >= 10


async def test_quiet_driver_sleeps_and_still_hears_every_key(keyboard):
    driver, thread, write, received = keyboard(QuietLinuxDriver)
    time.sleep(0.3)
    before = wakeups(thread)
    time.sleep(1.5)
    assert wakeups(thread) - before <= 2  # no key: at most its 2-second safety net

    write("n")
    wait_for(received, 1)
    write("\x1b")  # a lone Escape: delivered by the parser's timeout, not by the next key
    wait_for(received, 2, timeout=1.0)
    write("\x1b[A")  # a whole sequence is one key
    wait_for(received, 3)
    assert received == ["n", "escape", "up"]

    t0 = time.monotonic()
    driver.exit_event.set()  # what Textual does when the app stops input
    thread.join(1.0)
    assert not thread.is_alive() and time.monotonic() - t0 < 1.0


def test_only_textuals_own_linux_driver_is_replaced():
    from textual.drivers.headless_driver import HeadlessDriver

    assert quiet_driver_for(LinuxDriver) is QuietLinuxDriver
    assert quiet_driver_for(HeadlessDriver) is HeadlessDriver
