"""Writing a session's activity file and attaching a watch file: the steps the command line and
the history screen share, so both name, write and refuse files the same way."""

from __future__ import annotations

from pathlib import Path

from speedtimer.core.text import safe_stem
from speedtimer.files import atomic_write
from speedtimer.history.activity import Activity, activity_from_session
from speedtimer.history.heart_rate import Attached, attach, read_watch_file
from speedtimer.history.rows import SessionSummary
from speedtimer.history.store import HistoryStore

FORMATS = ("fit", "tcx")


def activity_of(store: HistoryStore, session_id: int) -> Activity:
    """The session's activity, with the watch's heart rate when one is attached."""
    detail = store.get_session(session_id)
    hr = store.heart_rate(session_id)
    if hr is None:
        return activity_from_session(detail)
    return activity_from_session(detail, hr.per_step, hr.samples)


def file_bytes(activity: Activity, fmt: str) -> bytes:
    if fmt == "fit":
        from speedtimer.history.fit_activity import activity_bytes

        return activity_bytes(activity)
    if fmt == "tcx":
        from speedtimer.history.tcx import activity_tcx

        return activity_tcx(activity)
    raise ValueError(f"expected one of {', '.join(FORMATS)}, got {fmt!r}")


def file_name(session: SessionSummary, fmt: str) -> str:
    """2026-03-05-0730-8-x-400-m-track.fit: the runner's local start, then the preset."""
    when = session.local_started_at.strftime("%Y-%m-%d-%H%M")
    return f"{when}-{safe_stem(session.preset_name)}.{fmt}"


def free_path(folder: Path, name: str) -> Path:
    """`name` in `folder`, with -2, -3 ... before the extension when it is taken."""
    first = folder / name
    path, n = first, 2
    while path.exists():
        path = first.with_name(f"{first.stem}-{n}{first.suffix}")
        n += 1
    return path


def write_new_file(path: Path, data: bytes, *, force: bool = False) -> None:
    """Atomically, and never over an existing file unless `force` (FileExistsError then)."""
    if path.is_dir():
        raise IsADirectoryError(path)
    if path.exists() and not force:
        raise FileExistsError(path)
    atomic_write(path, data)


def export_session(
    store: HistoryStore, session_id: int, fmt: str, target: Path, *, force: bool = False
) -> Path:
    """Write the session's activity to `target` (a file, or a folder to name it in)."""
    session = store.get_session(session_id)
    if target.is_dir():
        target = target / file_name(session, fmt)
    write_new_file(target, file_bytes(activity_of(store, session_id), fmt), force=force)
    return target


def attach_watch_file(
    store: HistoryStore, session_id: int, watch_file: Path, *, offset_s: float | None = None
) -> Attached:
    """Read the watch file, align it with the session and keep its heart rate with it."""
    detail = store.get_session(session_id)
    result = attach(detail, read_watch_file(watch_file), offset_s=offset_s, name=str(watch_file))
    store.attach_heart_rate(
        session_id,
        per_step=result.per_step,
        samples=result.samples,
        offset_s=result.offset_s,
        source=watch_file.name,
    )
    return result
