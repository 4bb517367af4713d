"""Saving a session while it runs: the seam between the run screen and the history.

The run screen calls `begin()`, `step_done()` for every finished step, `finish()` and maybe
`set_rpe_note()`. None of these ever raises. Each write goes straight to the history database
in its own transaction; if the database cannot be opened or a write fails (damaged file, not a
database, read-only, disk full, locked for too long), the runner is told once through
`on_problem`, the database file is left alone from then on, and the whole session, kept in
memory, is written to ``<data dir>/pending/<uuid>.json`` (atomically, after every step). The
next start-up calls `import_pending()` to move those files into the history.

The app records with `background=True`: the writes run in order in a thread of their own, so a
lock held by another program for longer than the busy timeout never freezes the countdown, and
`flush_all()` at exit waits (briefly) for them. Before every write the file at the path must
still be the one opened: a file moved over it or written into it by another program is left
exactly as it is (and a history moved over is copied out of the open connection first).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import socket
import sqlite3
import threading
import time
import uuid as uuidlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from speedtimer.core.schedule import Schedule
from speedtimer.core.timer import Ended, State, StepRecord
from speedtimer.files import atomic_writer
from speedtimer.history.errors import (
    ImportFormatError,
    StoreError,
    describe_os_error,
    describe_sqlite_error,
)
from speedtimer.history.processes import process_alive, process_start
from speedtimer.history.rows import (
    FINAL_STATUSES,
    StepRow,
    local_offset_min,
    to_iso,
    totals_from_steps,
)
from speedtimer.history.schema import HEADER_BYTES, is_history_header
from speedtimer.history.store import HistoryStore

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # never print into the TUI; the app decides where logs go

PENDING_DIR = "pending"
PENDING_FORMAT = "speedtimer-pending-session"
PENDING_VERSION = 1


def pending_dir(db_path: Path) -> Path:
    return Path(db_path).parent / PENDING_DIR


def pending_dirs(db_path: Path, spare: Path | None = None) -> tuple[Path, ...]:
    """Where sessions wait to go into the history: beside it, then a spare folder elsewhere
    (the config folder), for when the data folder itself cannot be written (read-only, full,
    on a drive that went away)."""
    first = pending_dir(db_path)
    return (first,) if spare is None or Path(spare) == first else (first, Path(spare))


def session_status(state: State, *, hangup: bool = False) -> str:
    """The history status for a session that stops with the timer in `state`.

    'completed' when the schedule ran to its end, 'aborted' when the runner aborted, and
    'interrupted' for everything else: SIGHUP, a closed terminal, a quit mid-session.
    """
    if state is State.FINISHED:
        return "completed"
    if state is State.ABORTED and not hangup:
        return "aborted"
    return "interrupted"


def step_row_for(
    schedule: Schedule, record: StepRecord, idx: int, to_wall: Callable[[float], datetime]
) -> StepRow:
    """The history row for one step as the timer recorded it."""
    step = schedule.steps[record.index]
    how = Ended(record.how)
    split = record.active_s if step.is_open and how is Ended.LAP else None
    pace = None
    if split is not None and step.distance_m:
        pace = split / (step.distance_m / 1000)
    splits = tuple(float(x) for x in record.splits)
    # an open step ends on its one lap: that lap is split_s, not an intermediate split
    laps = splits[:-1] if split is not None else splits
    bounds = step.target_range_s  # a pace range: a rep inside it is on target
    return StepRow(
        idx=idx,
        step_index=record.index,
        kind=step.kind,
        label=step.label,
        rep=step.rep,
        rep_count=step.rep_count,
        set_no=step.set,
        set_count=step.set_count,
        planned_s=None if step.planned_s is None else float(step.planned_s),  # the plan
        actual_s=float(record.active_s),
        paused_s=float(record.paused_s),
        ended_how=how.value,
        started_at=to_wall(record.started_at),
        ended_at=to_wall(record.ended_at),
        distance_m=step.distance_m,
        target_s=step.target_s,
        split_s=split,
        pace_s_per_km=pace,
        laps=laps,
        target_lo_s=bounds[0] if bounds is not None else None,
        target_hi_s=bounds[1] if bounds is not None else None,
        adjusted_s=float(record.adjusted_s),
    )


class SessionRecorder:
    def __init__(
        self,
        db_path: Path,
        *,
        preset_name: str,
        preset_toml: str,
        schedule: Schedule,
        started_wall: datetime,
        started_mono: float,
        on_problem: Callable[[str], None] | None = None,
        open_store: Callable[[Path], HistoryStore] | None = None,
        session_uuid: str | None = None,
        background: bool = False,
        spare_pending_dir: Path | None = None,
        race: str = "",
        vdot: float | None = None,
        athlete: str = "",
        squad: str = "",
        group_id: str | None = None,
    ) -> None:
        """`started_wall` (aware) and `started_mono` are the same instant on the wall clock and
        on the timer's monotonic scale. `open_store` replaces `HistoryStore.open` (tests).

        `background`: the writes happen in a thread of their own, in order, so a database
        locked by another program (or a slow disk) never stops the caller: the app's event
        loop, which draws the countdown. `flush()` waits for them."""
        self.db_path = Path(db_path)
        self._pending_dirs = pending_dirs(self.db_path, spare_pending_dir)
        self._pending_at = 0  # which of them holds this session's file
        self.preset_name = preset_name
        self.preset_toml = preset_toml
        self.schedule = schedule
        if started_wall.tzinfo is None:
            started_wall = started_wall.astimezone()
        self.started_wall = started_wall.astimezone(UTC)
        self.started_mono = float(started_mono)
        self.uuid = session_uuid or str(uuidlib.uuid4())
        self.on_problem = on_problem
        self._open_store = open_store or HistoryStore.open
        self._store: HistoryStore | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file opened
        self._io = threading.RLock()  # the database and the pending file
        self._state = threading.Lock()  # the session kept in memory; held only briefly
        self._writer = _Writer(f"speedtimer-history-{self.uuid[:8]}") if background else None
        self.session_id: int | None = None
        self.problem: str | None = None  # the message given to on_problem, if any
        self._fallback = False
        self._fallback_failed = False
        self._begun = False
        self._finished = False
        self._steps: list[StepRow] = []
        self._session: dict[str, Any] = {
            "uuid": self.uuid,
            "preset_name": preset_name,
            "preset_toml": preset_toml,
            "started_at": to_iso(self.started_wall),
            "utc_offset_min": local_offset_min(self.started_wall),
            "ended_at": None,
            "status": "in_progress",
            "planned_s": float(schedule.estimate_s),
            "active_s": 0.0,
            "work_s": 0.0,
            "reps_done": 0,
            "reps_planned": schedule.work_reps,
            "paused_s": 0.0,
            "rpe": None,
            "note": "",
            "pid": os.getpid(),
            "pid_started": process_start(os.getpid()),
            "host": socket.gethostname(),
            "race": race,  # what its race-derived targets were worked out from
            "vdot": vdot,
            "athlete": athlete,  # coach mode: one session per athlete, linked by group_id
            "squad": squad,
            "group_id": group_id,
        }
        if background:
            _LIVE.add(self)

    # --- what the run screen calls ---------------------------------------------------------

    @property
    def pending_path(self) -> Path:
        return self._pending_dirs[self._pending_at] / f"{self.uuid}.json"

    @property
    def saved_to(self) -> Path:
        """Where this session is being kept: the database, or the pending JSON file."""
        return self.pending_path if self._fallback else self.db_path

    @property
    def in_fallback(self) -> bool:
        return self._fallback

    @property
    def steps(self) -> tuple[StepRow, ...]:
        return tuple(self._steps)

    @property
    def totals(self) -> dict[str, float | int]:
        return totals_from_steps(self._steps)

    def wall(self, at: float) -> datetime:
        """A timer time (monotonic seconds) as a UTC datetime."""
        return self.started_wall + timedelta(seconds=float(at) - self.started_mono)

    def begin(self) -> None:
        with self._guard("begin"):
            with self._state:
                if self._begun:
                    return
                self._begun = True
            self._submit("begin", self._open)

    def step_done(self, record: StepRecord) -> None:
        with self._guard("step_done"):
            self.begin()
            with self._state:
                row = step_row_for(self.schedule, record, len(self._steps), self.wall)
                self._steps.append(row)
            self._submit("step_done", lambda: self._save(lambda s, sid: s.add_step(sid, row)))

    def put_step(self, row: StepRow) -> None:
        """Save a step row the caller built (coach mode: one athlete's view of a step). A row
        with the idx of one saved before replaces it: a rep reopened by undo, a mark assigned
        after the rep ended."""
        with self._guard("put_step"):
            self.begin()
            with self._state:
                self._steps = sorted(
                    [s for s in self._steps if s.idx != row.idx] + [row], key=lambda s: s.idx
                )
            self._submit("put_step", lambda: self._save(lambda s, sid: s.add_step(sid, row)))

    def finish(self, status: str, *, active_s: float, paused_s: float, end_mono: float) -> None:
        """Close the session (the first call wins; later ones are ignored)."""
        with self._guard("finish"):
            self.begin()
            with self._state:
                if self._finished:
                    return
                self._finished = True
                if status not in FINAL_STATUSES:
                    log.warning("history: unknown status %r saved as 'interrupted'", status)
                    status = "interrupted"
                totals = totals_from_steps(self._steps)
                ended = self.wall(end_mono)
                self._session.update(
                    status=status,
                    ended_at=to_iso(ended),
                    active_s=float(active_s),
                    paused_s=float(paused_s),
                    work_s=float(totals["work_s"]),
                    reps_done=int(totals["reps_done"]),
                )

            def write(s: HistoryStore, sid: int) -> None:
                s.finish_session(
                    sid,
                    status=status,
                    ended_at=ended,
                    active_s=float(active_s),
                    work_s=float(totals["work_s"]),
                    reps_done=int(totals["reps_done"]),
                    paused_s=float(paused_s),
                )

            self._submit("finish", lambda: self._save(write))

    def set_rpe_note(self, rpe: int | None, note: str | None) -> None:
        with self._guard("set_rpe_note"):
            if rpe is not None and (
                isinstance(rpe, bool) or not isinstance(rpe, int) or not 1 <= rpe <= 10
            ):
                log.warning("history: RPE %r is not 1-10; not saved", rpe)
                rpe = None
            with self._state:
                self._session.update(rpe=rpe, note=note or "")
            self._submit(
                "set_rpe_note",
                lambda: self._save(lambda s, sid: s.set_rpe_note(sid, rpe, note or "")),
            )

    def close(self) -> None:
        """Let go of the database once every write so far is done (in the background too)."""
        self._submit("close", self._close_store)

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait up to `timeout` s for the writes so far; True when they are all done.

        When they are not (the database is locked, the disk hangs), the whole session is
        written to the pending file now, from memory, so ending the program loses nothing.
        """
        if self._writer is None or self._writer.wait(timeout):
            return True
        log.warning(
            "history: writes still waiting after %.1f s; keeping %s", timeout, self.pending_path
        )
        self._write_pending()
        return False

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self.flush()

    def session_dict(self) -> dict[str, Any]:
        """The session as an export dict (what the pending file holds)."""
        with self._state:
            d = dict(self._session)
            d["steps"] = [s.to_dict() for s in self._steps]
        return d

    # --- internals -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, what: str):
        """Nothing escapes into the UI: an unexpected bug is logged, and the session goes to
        the pending file so it is not lost."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - the UI must never see an exception
            log.exception("history: %s failed", what)
            self._submit(what, lambda e=exc: self._fail(e), guarded=False)

    def _submit(self, what: str, job: Callable[[], None], *, guarded: bool = True) -> None:
        def run() -> None:
            if guarded:
                with self._guard(what), self._io:
                    job()
            else:
                with contextlib.suppress(Exception), self._io:
                    job()

        if self._writer is None:
            run()
        else:
            self._writer.put(run)

    def _open(self) -> None:
        try:
            self._store = self._open_store(self.db_path)
            self._identity = _identity_of(self.db_path)
            self.session_id = self._store.start_session(
                uuid=self.uuid,
                preset_name=self.preset_name,
                preset_toml=self.preset_toml,
                started_at=self.started_wall,
                planned_s=self._session["planned_s"],
                reps_planned=self._session["reps_planned"],
                utc_offset_min=self._session["utc_offset_min"],
                race=self._session["race"],
                vdot=self._session["vdot"],
                athlete=self._session["athlete"],
                squad=self._session["squad"],
                group_id=self._session["group_id"],
            )
            self._store.checkpoint()
        except (StoreError, sqlite3.Error, OSError) as exc:
            self._fail(exc)

    def _close_store(self) -> None:
        if self._store is not None:
            with contextlib.suppress(Exception):
                self._store.close()
            self._store = None

    def _save(self, write: Callable[[HistoryStore, int], None]) -> None:
        if not self._fallback and self._store is not None and self.session_id is not None:
            try:
                self._check_still_ours()
                write(self._store, self.session_id)
                # Into the main file at once: a WAL left to a later checkpoint would be
                # written over whatever another program has put at this path meanwhile.
                self._store.checkpoint()
                return
            except (StoreError, sqlite3.Error, OSError) as exc:
                self._fail(exc)
                return  # _fail wrote the pending file with everything so far
        if self._fallback:
            self._write_pending()

    def _check_still_ours(self) -> None:
        """The file at the path must still be the history opened, not something put there
        since (moved over it or written into it): writing would lose the session in a
        deleted file, or damage another program's file."""
        problem = _changed(self.db_path, self._identity)
        if problem is None:
            return
        if problem.startswith(REPLACED) and self._store is not None:
            # The history that was there is gone from the folder, but still open here.
            rescued = self._rescue()
            if rescued is not None:
                problem += f"; the history it replaced is kept in {rescued}"
        raise StoreError(self.db_path, problem, "cannot save to history")

    def _rescue(self) -> Path | None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.db_path.with_name(f"{self.db_path.stem}.replaced-{stamp}.sqlite3")
        try:
            self._store.backup_to(target)
        except (StoreError, sqlite3.Error, OSError) as exc:
            log.warning("history: could not keep the replaced history in %s: %s", target, exc)
            return None
        log.warning("history: %s was replaced; its old content is kept in %s", self.db_path, target)
        return target

    def _fail(self, exc: BaseException) -> None:
        """Stop using the database; keep the session in the pending file from now on."""
        first = not self._fallback
        self._fallback = True
        self._close_store()
        if first:
            log.warning("history: %s", exc)
        written = self._write_pending()
        if not first:
            return
        what = _plain(exc, self.db_path)
        if written:
            message = (
                f"History not saved: {what}. This session is kept in {self.pending_path} "
                "and will be added to the history next time speedtimer starts."
            )
        else:
            message = f"History not saved: {what}. {self._pending_problem}; {KEPT_IN_MEMORY}."
        self._tell(message)

    def _write_pending(self) -> bool:
        """Keep the session in its pending file; if that folder cannot be written, in the
        spare one (and stay there, so there is one up-to-date copy to import)."""
        payload = {
            "format": PENDING_FORMAT,
            "version": PENDING_VERSION,
            "session": self.session_dict(),
        }
        failures = []
        for index in range(self._pending_at, len(self._pending_dirs)):
            path = self._pending_dirs[index] / f"{self.uuid}.json"
            try:
                write_json_atomic(path, payload)
            except (OSError, TypeError, ValueError) as exc:
                why = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
                failures.append(f"{path} ({why})")
                continue
            moved, self._pending_at = index != self._pending_at, index
            if self._fallback_failed or (moved and self.problem is not None):
                self._tell(f"This session is now kept in {path}.")
            self._fallback_failed = False
            return True
        self._pending_problem = f"It could not be kept in {' or '.join(failures)} either"
        if not self._fallback_failed:
            log.error("history: %s", self._pending_problem)
        if not self._fallback_failed and self.problem is not None:
            self._tell(f"{self._pending_problem}; {KEPT_IN_MEMORY}.")
        self._fallback_failed = True
        return False

    _pending_problem = ""

    def _tell(self, message: str) -> None:
        if self.problem is None:
            self.problem = message
        if self.on_problem is not None:
            try:
                self.on_problem(message)
            except Exception:  # noqa: BLE001
                log.exception("history: on_problem callback failed")


class _Writer:
    """A thread that runs a recorder's writes in the order they were asked for.

    It ends after a few idle seconds and starts again on the next write, so a long-running
    app keeps no thread per session it has run."""

    IDLE_S = 5.0

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Condition()
        self._queued = 0
        self._thread: threading.Thread | None = None

    def put(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._queued += 1
            self._jobs.put(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def wait(self, timeout: float) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._queued == 0, timeout)

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self.IDLE_S)
            except queue.Empty:
                with self._lock:
                    if self._queued == 0:
                        self._thread = None
                        return
                continue
            try:
                job()
            except Exception:  # noqa: BLE001 - the jobs guard themselves; never die
                log.exception("history: a background write failed")
            finally:
                with self._lock:
                    self._queued -= 1
                    self._lock.notify_all()


_LIVE: weakref.WeakSet[SessionRecorder] = weakref.WeakSet()


def flush_all(timeout: float = 2.0) -> bool:
    """Wait for every background recorder's writes (at exit, before reading the history).

    `timeout` is shared: a locked database costs at most that long in all, and what is not
    written by then is kept in the pending files."""
    deadline = time.monotonic() + timeout
    done = True
    for rec in list(_LIVE):
        done = rec.flush(max(0.0, deadline - time.monotonic())) and done
    return done


KEPT_IN_MEMORY = "speedtimer keeps the session in memory and tries again after every step"
REPLACED = "the file was replaced by another program while this session ran"


def _identity_of(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _changed(path: Path, identity: tuple[int, int] | None) -> str | None:
    """Why the file at `path` is no longer the history opened as `identity`, or None."""
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
    except FileNotFoundError:
        return "the file was moved or deleted while this session ran"
    except OSError as exc:
        return describe_os_error(exc)
    if identity is not None and (st.st_dev, st.st_ino) != identity:
        return f"{REPLACED}; it is left as it is"
    if not is_history_header(head):
        return (
            "the file was overwritten by another program while this session ran (it is not "
            "a database any more); it is left as it is"
        )
    return None


def _plain(exc: BaseException, db_path: Path) -> str:
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        return f"cannot save to history {db_path}: {describe_sqlite_error(exc)}"
    if isinstance(exc, OSError):
        return f"cannot save to history {db_path}: {describe_os_error(exc)}"
    return f"cannot save to history {db_path}: unexpected error ({exc})"


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write JSON to a temp file beside `path`, fsync, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path) as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)


# --- start-up ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingResult:
    imported: tuple[str, ...]  # uuids added to (or completed in) the history
    problems: tuple[str, ...]


def pending_files(db_path: Path, spare: Path | None) -> list[Path]:
    """Beside the history first, then the spare folder: a session that moved to the spare
    folder is the newer copy, so it is imported last and replaces the older one."""
    files: list[Path] = []
    for folder in pending_dirs(db_path, spare):
        try:
            files += sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))
        except OSError:
            continue
    return files


def import_pending_detailed(
    db_path: Path,
    *,
    open_store: Callable[[Path], HistoryStore] | None = None,
    spare: Path | None = None,
) -> PendingResult:
    files = pending_files(db_path, spare)
    folder = files[0].parent if files else pending_dir(db_path)
    if not files:
        return PendingResult((), ())
    try:
        store = (open_store or HistoryStore.open)(Path(db_path))
    except (StoreError, sqlite3.Error, OSError) as exc:
        return PendingResult(
            (),
            (
                f"{len(files)} session(s) saved in {folder} could not be added to the history "
                f"yet: {_plain(exc, Path(db_path))}",
            ),
        )
    imported: list[str] = []
    problems: list[str] = []
    try:
        for f in files:
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
                if not isinstance(data, dict) or not isinstance(data.get("session"), dict):
                    raise ImportFormatError('expected {"session": {...}}')
                session = data["session"]
                if session.get("status") == "in_progress" and _still_running(session, store):
                    continue  # another speedtimer is writing it right now
                added, _ = store.import_sessions([session], replace=True)
                if not added:
                    problems.append(
                        f"{f} was not added: the history already holds this session with more "
                        "steps; the file is left in place"
                    )
                    continue
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                problems.append(
                    f"{f} could not be added to the history ({_short(exc)}); it is left in place"
                )
                continue
            except StoreError as exc:
                problems.append(f"{f} could not be added to the history yet: {exc}")
                break
            try:
                f.unlink()
            except OSError as exc:
                log.warning("history: imported %s but cannot remove it: %s", f, exc)
            imported.append(str(session.get("uuid")))
    finally:
        store.close()
    return PendingResult(tuple(imported), tuple(problems))


def import_pending(db_path: Path, spare: Path | None = None) -> list[str]:
    """Move sessions saved in pending JSON files into the history; call at start-up.

    Each file is removed only after its import committed. A file that cannot be read stays
    where it is. Returns the problems, one plain message each (empty when all went well).
    """
    try:
        return list(import_pending_detailed(db_path, spare=spare).problems)
    except Exception as exc:  # noqa: BLE001 - start-up must go on
        log.exception("history: import of pending sessions failed")
        return [f"sessions saved in {pending_dir(db_path)} could not be imported: {exc}"]


def has_history(db: Path, spare: Path | None = None) -> bool:
    """A history file, or sessions waiting in a pending folder to go into one."""
    db = Path(db)
    return db.exists() or bool(pending_files(db, spare))


def open_history_store(
    db: Path, now: datetime | None = None, spare: Path | None = None
) -> tuple[HistoryStore | None, list[str]]:
    """Open and tidy the history: pending sessions in, sessions of dead processes closed.

    None when there is no history yet (no file is created just by looking). StoreError when
    the file cannot be opened; it is then left exactly as it was. Problems while tidying
    come back as messages; the history still opens.
    """
    if not has_history(db, spare):
        return None, []
    store = HistoryStore.open(db)
    problems = list(import_pending(db, spare))
    try:
        store.recover_interrupted(now=now)
    except StoreError as exc:
        problems.append(str(exc))
    return store, problems


def _still_running(session: dict, store: HistoryStore) -> bool:
    if session.get("host") != store.host:
        return False
    pid = session.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool):
        return False
    try:
        since = datetime.fromisoformat(session["started_at"])
    except (KeyError, TypeError, ValueError):
        since = None
    started = session.get("pid_started")
    return process_alive(pid, since=since, started=started if isinstance(started, str) else None)


def _short(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return str(exc)
