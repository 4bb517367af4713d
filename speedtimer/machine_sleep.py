"""The computer going to sleep during a session: noticing it, and asking it not to.

The session clock is CLOCK_MONOTONIC, which stands still while the machine is suspended: a lid
closed for two minutes would come back with the same 30 s of rest left, the rest silently 2:30
long, and every later step's wall-clock time two minutes early in the history.

`SleepWatch` reads a second clock that keeps counting through a suspend (CLOCK_BOOTTIME on
Linux; the wall clock elsewhere) beside the monotonic one. The gap between them only grows while
the machine sleeps, so a jump in the gap is a sleep of that length. The session's clock is the
monotonic one plus every sleep noticed so far: it keeps step with real time, so wall-clock times
derived from it stay true, and the shell hands the pure timer the sleep as an event
(`Timer.suspended(now, slept_s)`), which turns it into a pause from the moment of sleep.

`KeepAwake` asks the system not to fall asleep on idle while a session runs, through logind's
inhibitor (`systemd-inhibit`, holding a child process for the length of the session). Where
that command is missing or refuses, nothing happens and nothing is said: it is a courtesy, the
sleep watch is the safety net.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

# A gap that grows by less than this is not a sleep: the wall clock is slewed by NTP, and a
# suspend shorter than a second changes nothing a runner would notice.
MIN_SLEEP_S = 1.0
# The wall clock can also be set forward by hand or by NTP; off Linux that looks like a sleep
# too, so it has to be a clear one.
MIN_WALL_SLEEP_S = 2.0


def _boottime() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def default_sleep_clock() -> tuple[Callable[[], float], float]:
    """A clock that counts the time the machine sleeps, and the smallest jump that is a sleep."""
    if sys.platform.startswith("linux") and hasattr(time, "CLOCK_BOOTTIME"):
        try:
            _boottime()
        except OSError:
            pass
        else:
            return _boottime, MIN_SLEEP_S
    return time.time, MIN_WALL_SLEEP_S


class SleepWatch:
    """The session's clock, and how long the computer slept since it was last read.

    `monotonic` stops while the machine sleeps; `sleep_clock` does not. Both are injectable:
    tests simulate a two-minute sleep with a fake sleep clock that jumps while the monotonic
    one does not.
    """

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        sleep_clock: Callable[[], float] | None = None,
        *,
        min_sleep_s: float | None = None,
    ) -> None:
        default, threshold = default_sleep_clock()
        self._mono = monotonic
        self._other = sleep_clock or default
        self.min_sleep_s = threshold if min_sleep_s is None else float(min_sleep_s)
        self._gap = self._read_gap()
        self.slept_total = 0.0  # every sleep noticed so far, in seconds

    def _read_gap(self) -> float:
        return float(self._other()) - float(self._mono())

    def now(self) -> float:
        """Monotonic seconds plus every sleep noticed: keeps step with real time."""
        return float(self._mono()) + self.slept_total

    def check(self) -> float:
        """Seconds slept since the last check (0.0 if none); `now()` counts them from here."""
        gap = self._read_gap()
        grew = gap - self._gap
        self._gap = gap  # a wall clock set back, or a small slew: the new normal
        if not grew >= self.min_sleep_s:  # also refuses NaN from a broken clock
            return 0.0
        self.slept_total += grew
        return grew


class KeepAwake:
    """Hold logind's idle inhibitor while a session runs; end it with the session.

    The inhibitor is `systemd-inhibit ... cat` with `cat` reading a pipe from this process: if
    speedtimer dies without ending it (kill -9), the pipe closes, `cat` ends and the inhibitor
    goes with it, so the machine is never kept awake by a session that is gone.
    """

    COMMAND = "systemd-inhibit"

    def __init__(self, command: str | None = None) -> None:
        self.command = command or self.COMMAND
        self.process: subprocess.Popen | None = None

    def start(self) -> bool:
        """Ask; True when the inhibitor process runs. Silently False when it cannot."""
        if self.process is not None:
            return self.process.poll() is None
        exe = shutil.which(self.command)
        if exe is None:
            return False
        argv = [
            exe,
            "--what=idle",
            "--who=speedtimer",
            "--why=A training session is running",
            "--mode=block",
            "cat",
        ]
        try:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # "Failed to inhibit" without logind: say nothing
                close_fds=True,
                start_new_session=True,  # ctrl+c in the terminal is the app's, not the child's
            )
        except OSError as exc:
            log.info("keep awake: %s", exc)
            self.process = None
            return False
        return True

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 1.0) -> None:
        """Let go of the inhibitor: close its pipe, then make sure it is gone."""
        proc, self.process = self.process, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout)
