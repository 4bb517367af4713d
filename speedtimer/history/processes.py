"""Whether the process that wrote an unfinished session is still running: such a session is
still in progress, not interrupted. Not storage: an operating-system question the store asks.

The answer never depends on the wall clock: the writer's identity (`process_start`: boot id
and start ticks since boot on Linux) is saved with the session and compared as it is, so a
clock set forward or back cannot make a live session look abandoned."""

from __future__ import annotations

import os
from datetime import datetime

# --- processes ---------------------------------------------------------------------------


def _boot_time() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _proc_stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name, or None without /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


def process_start(pid: int) -> str | None:
    """Who process `pid` is, in a form no clock change can move: on Linux this boot's id and
    the clock ticks from boot to the process's start (/proc), elsewhere its start time as the
    system recorded it when it started (psutil). None when it cannot be told.

    A pid with the same identity later is the same process; a reused pid (after a reboot or
    a crash) has another one, whatever the wall clock did in between."""
    fields = _proc_stat_fields(pid)
    if fields is not None:
        try:
            with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
                boot = fh.read().strip()
        except OSError:
            boot = "?"
        return f"linux:{boot}:{fields[19]}" if len(fields) > 19 else None
    try:
        import psutil

        return f"psutil:{psutil.Process(pid).create_time():.3f}"
    except Exception:  # noqa: BLE001 - psutil missing, process gone, access denied
        return None


def process_alive(
    pid: int | None, *, since: datetime | None = None, started: str | None = None
) -> bool:
    """Is `pid` a live process on this computer: the one that wrote the session?

    A zombie counts as dead. With `started` (the writer's `process_start`, saved with the
    session) the process must still have that identity: a pid reused by another process is
    dead, and no change of the wall clock matters. Without it (sessions written before it was
    saved), a process that started more than a minute after `since` counts as a reused pid
    when /proc can tell; that comparison goes by the wall clock.
    """
    if pid is None or isinstance(pid, bool) or pid <= 0:
        return False
    if pid == os.getpid():
        return started is None or started == process_start(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    except (OSError, OverflowError):
        return False
    fields = _proc_stat_fields(pid)
    if fields is not None and fields and fields[0] in ("Z", "X"):
        return False
    if started is not None:
        now = process_start(pid)
        return now is None or now == started  # None: nothing to tell by; trust kill()
    if fields is None:
        return True  # no /proc (macOS): trust kill()
    if since is not None and len(fields) > 19:
        boot = _boot_time()
        try:
            begun = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK") if boot else None
        except (ValueError, OSError):
            begun = None
        if begun is not None and begun > since.timestamp() + 60:
            return False
    return True
