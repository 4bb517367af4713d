"""What can go wrong with the history file, said so that a runner can act on it."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

# --- errors ------------------------------------------------------------------------------


class StoreError(Exception):
    """A history problem in plain words, naming the file: what the runner is shown."""

    def __init__(self, path: Path | str, problem: str, action: str = "cannot open history") -> None:
        self.path = Path(path)
        self.problem = problem
        self.action = action
        super().__init__(f"{action} {path}: {problem}")


class ImportFormatError(ValueError):
    """A session dict (from an export or a pending file) that cannot be read."""


_PROBLEMS = {
    "SQLITE_NOTADB": "file is not a database",
    "SQLITE_CORRUPT": "the database file is damaged (corrupt)",
    "SQLITE_FULL": "database or disk is full",
    "SQLITE_BUSY": "database is locked (another program is writing to it)",
    "SQLITE_LOCKED": "database is locked (another program is writing to it)",
    "SQLITE_READONLY": "the database is read-only (permission denied or read-only disk)",
    "SQLITE_PERM": "permission denied",
    "SQLITE_AUTH": "permission denied",
    "SQLITE_CANTOPEN": "unable to open the database file (permission denied or missing folder)",
    "SQLITE_IOERR": "disk I/O error",
}


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _is_busy(exc: sqlite3.Error) -> bool:
    if _primary_code(exc) in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
        return True
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def describe_sqlite_error(exc: sqlite3.Error) -> str:
    name = getattr(exc, "sqlite_errorname", "") or ""
    primary = name.split("_")[0:2]
    key = "_".join(primary) if primary else ""
    if key in _PROBLEMS:
        return _PROBLEMS[key]
    text = str(exc)
    low = text.lower()
    for needle, problem in (
        ("not a database", _PROBLEMS["SQLITE_NOTADB"]),
        ("malformed", _PROBLEMS["SQLITE_CORRUPT"]),
        ("disk is full", _PROBLEMS["SQLITE_FULL"]),
        ("locked", _PROBLEMS["SQLITE_BUSY"]),
        ("readonly", _PROBLEMS["SQLITE_READONLY"]),
        ("unable to open", _PROBLEMS["SQLITE_CANTOPEN"]),
    ):
        if needle in low:
            return problem
    return text


def describe_os_error(exc: OSError) -> str:
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOSPC:
        return "database or disk is full"
    if exc.errno == errno.EROFS:
        return "read-only file system (permission denied)"
    return exc.strerror or str(exc)
