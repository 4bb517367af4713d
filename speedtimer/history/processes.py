"""Whether the process that wrote an unfinished session is still running: such a session is
still in progress, not interrupted. Not storage: an operating-system question the store asks."""

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


def process_alive(pid: int | None, *, since: datetime | None = None) -> bool:
    """Is `pid` a live process on this computer that could have written since `since`?

    A zombie counts as dead; so does a process that started after `since` (its number was
    reused after a reboot or a crash), when /proc can tell.
    """
    if pid is None or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return True  # no /proc (macOS): trust kill()
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields and fields[0] in ("Z", "X"):
        return False
    if since is not None and len(fields) > 19:
        boot = _boot_time()
        try:
            started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK") if boot else None
        except (ValueError, OSError):
            started = None
        if started is not None and started > since.timestamp() + 60:
            return False
    return True
