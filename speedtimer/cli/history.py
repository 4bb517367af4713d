"""`speedtimer history list | export | import | attach`: the training diary from the command line.

Every handler takes the argparse Namespace and returns an exit code; problems are one line on
stderr and exit code 1, never a traceback. The store (sqlite3) is imported only when a history
command runs, so adding these commands to the parser costs nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as dtime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from speedtimer.core.statuses import status_word

if TYPE_CHECKING:
    from speedtimer.config.paths import Paths
    from speedtimer.history.rows import SessionSummary
    from speedtimer.history.store import HistoryStore

PROG = "speedtimer"
DEFAULT_LIMIT = 20
MAX_IMPORT_BYTES = 512 * 1024 * 1024
CSV_COLUMNS = (
    "uuid",
    "date_local",
    "started_at",
    "utc_offset_min",
    "ended_at",
    "preset",
    "status",
    "planned_s",
    "active_s",
    "work_s",
    "paused_s",
    "reps_done",
    "reps_planned",
    "rpe",
    "note",
    "steps",
    "adjusted_s",  # added (+) or removed (-) with +/- in all; planned_s is the plan
    "athlete",  # coach mode: whose session, and the group run it belongs to
    "group_id",
)

GetPaths = Callable[[], "Paths"]


def add_history_commands(
    subparsers: Any, get_paths: GetPaths | None = None
) -> argparse.ArgumentParser:
    """Add `history` (with list, export, import) to a parser's subparsers.

    `get_paths` gives the folders; without it they come from the parsed arguments
    (`data_dir`, `config_dir`, `presets_dir`, as the main parser defines them) and the env.
    """
    history = subparsers.add_parser(
        "history",
        help="list, export and import past sessions",
        description="Your training diary: every session run, with its steps.",
    )
    history.set_defaults(
        func=partial(history_list, get_paths=get_paths),
        preset=None,
        since=None,
        limit=DEFAULT_LIMIT,
    )
    sub = history.add_subparsers(dest="history_command", metavar="{list,export,import,attach}")

    ls = sub.add_parser("list", help="show past sessions, newest first")
    ls.add_argument(
        "--preset",
        metavar="NAME",
        help="only sessions whose preset (or athlete, or squad) name contains NAME",
    )
    ls.add_argument(
        "--athlete", metavar="NAME", help="coach mode: only this athlete's sessions (any case)"
    )
    ls.add_argument(
        "--since", type=parse_date_arg, metavar="YYYY-MM-DD", help="only sessions from this day on"
    )
    ls.add_argument(
        "--limit",
        type=positive_int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"show at most N sessions (default {DEFAULT_LIMIT})",
    )
    ls.set_defaults(func=partial(history_list, get_paths=get_paths))

    ex = sub.add_parser(
        "export",
        help="write every session as JSON or CSV, or sessions as FIT or TCX activities",
        description="json/csv: the whole history, to the screen or --output FILE. "
        "fit/tcx: completed sessions as activity files for a training log (Garmin Connect, "
        "Strava, intervals.icu...), one lap per step: --session ID (see `history list`; "
        "`last` is the newest) into --output FILE, or every session of --since/--until into "
        "the folder --output DIR (default: the current folder), one file each.",
    )
    ex.add_argument(
        "--format", choices=("json", "csv", "fit", "tcx"), default="json", help="default: json"
    )
    ex.add_argument(
        "--output", "-o", type=Path, metavar="PATH", help="the file (or, for many, the folder)"
    )
    ex.add_argument("--session", metavar="ID", help="fit/tcx: this session (`last`: the newest)")
    ex.add_argument(
        "--since", type=parse_date_arg, metavar="YYYY-MM-DD", help="fit/tcx: from this day on"
    )
    ex.add_argument(
        "--until", type=parse_date_arg, metavar="YYYY-MM-DD", help="fit/tcx: up to this day"
    )
    ex.add_argument("--force", action="store_true", help="replace files that exist")
    ex.add_argument(
        "--group",
        metavar="ID",
        help="csv: one group run of coach mode as athletes x reps: the number of any of its "
        "athletes' sessions in `history list`, its group_id, or `last`",
    )
    ex.set_defaults(func=partial(history_export, get_paths=get_paths))

    at = sub.add_parser(
        "attach",
        help="add the heart rate a watch recorded during a session",
        description="Read a FIT activity your watch recorded during the session (Garmin, "
        "COROS, Wahoo, Polar exports) and keep its heart rate with the session: per step "
        "average and maximum, and the drop over each rest. The watch's clock is matched to "
        "this computer's from its laps when it has them; --offset S shifts it by hand.",
    )
    at.add_argument("watch_file", type=Path, metavar="WATCH.fit")
    at.add_argument("--session", required=True, metavar="ID", help="see `history list`")
    at.add_argument(
        "--offset",
        type=float,
        metavar="SECONDS",
        help="add this to the watch's times (its clock was behind by that much)",
    )
    at.set_defaults(func=partial(history_attach, get_paths=get_paths))

    im = sub.add_parser("import", help="add the sessions of a JSON export (no duplicates)")
    im.add_argument("file", type=Path, metavar="FILE", help="a file made by history export")
    im.set_defaults(func=partial(history_import, get_paths=get_paths))
    return history


# --- argument types ----------------------------------------------------------------------


def parse_date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


# --- handlers ----------------------------------------------------------------------------


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 1


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def resolve_paths(args: argparse.Namespace, get_paths: GetPaths | None) -> Paths:
    from speedtimer.config.paths import Paths

    if get_paths is not None:
        return get_paths()
    return Paths.resolve(
        data_dir=getattr(args, "data_dir", None),
        config_dir=getattr(args, "config_dir", None),
        presets_dirs=getattr(args, "presets_dir", None),
    )


def _has_history(paths: Paths) -> bool:
    from speedtimer.history.recorder import has_history

    return has_history(paths.history_db, paths.spare_pending_dir)


def open_history(paths: Paths) -> HistoryStore:
    """Open the history and tidy it first: pending sessions in, crashed ones closed.

    Problems with that tidying are warnings; only failing to open is an error (StoreError).
    """
    from speedtimer.history.recorder import open_history_store
    from speedtimer.history.store import HistoryStore

    store, problems = open_history_store(paths.history_db, spare=paths.spare_pending_dir)
    for problem in problems:
        _warn(problem)
    return store if store is not None else HistoryStore.open(paths.history_db)


def history_list(args: argparse.Namespace, *, get_paths: GetPaths | None = None) -> int:
    from speedtimer.history.errors import StoreError

    try:
        paths = resolve_paths(args, get_paths)
        if not _has_history(paths):
            print("No sessions recorded yet.")
            return 0
        since = _local_midnight(args.since) if args.since else None
        limit = int(getattr(args, "limit", DEFAULT_LIMIT) or DEFAULT_LIMIT)
        with open_history(paths) as store:
            athlete = getattr(args, "athlete", None)
            rows = store.list_sessions(
                preset=args.preset, since=since, limit=limit, athlete=athlete
            )
            total = store.count_sessions(preset=args.preset, since=since, athlete=athlete)
    except StoreError as exc:
        return _fail(str(exc))
    if not rows:
        filtered = args.preset or args.since or getattr(args, "athlete", None)
        print("No sessions match." if filtered else "No sessions recorded yet.")
        return 0
    print(format_table(rows))
    if total > len(rows):
        print(f"\n{len(rows)} of {total} sessions shown; use --limit {total} to see them all.")
    return 0


def history_export(args: argparse.Namespace, *, get_paths: GetPaths | None = None) -> int:
    from speedtimer.history.errors import StoreError, describe_os_error

    fmt = getattr(args, "format", "json") or "json"
    if getattr(args, "group", None) is not None:
        return export_group(args, get_paths)
    if fmt in ("fit", "tcx"):
        return export_activities(args, get_paths)
    for option in ("session", "since", "until"):
        if getattr(args, option, None) is not None:
            return _fail(f"--{option} is for --format fit or tcx; json and csv export everything")
    output: Path | None = getattr(args, "output", None)
    try:
        paths = resolve_paths(args, get_paths)
        store = open_history(paths) if _has_history(paths) else None
    except StoreError as exc:
        return _fail(str(exc))
    try:
        sessions: Iterable[dict] = store.export_sessions() if store else ()
        chunks = _json_chunks(sessions) if fmt == "json" else _csv_chunks(sessions)
        if output is None:
            count = _write_stream(getattr(sys.stdout, "for_data", lambda: sys.stdout)(), chunks)
        else:
            count = _write_file(output, chunks)
            print(f"Exported {count} session(s) to {output}", file=sys.stderr)
    except StoreError as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    except OSError as exc:
        return _fail(f"cannot write {output or 'output'}: {describe_os_error(exc)}")
    finally:
        if store is not None:
            store.close()
    return 0


def export_group(args: argparse.Namespace, get_paths: GetPaths | None) -> int:
    """`history export --group ID --format csv`: the athletes x reps table of one group run."""
    from speedtimer.history.errors import StoreError, describe_os_error
    from speedtimer.history.group_table import group_table

    if (getattr(args, "format", "json") or "json") != "csv":
        return _fail("--group writes the athletes x reps table as CSV: add --format csv")
    group_id = str(args.group).strip()
    if not group_id or len(group_id) > 100:
        return _fail(
            "--group: expected a session number from `history list`, a group id (see history "
            "export's group_id) or `last`"
        )
    try:
        paths = resolve_paths(args, get_paths)
        if not _has_history(paths):
            return _fail("no sessions recorded yet")
        with open_history(paths) as store:
            sessions = store.group_sessions(group_id)
    except StoreError as exc:
        return _fail(str(exc))
    if not sessions:
        if group_id.isdigit():
            return _fail(
                f"session {group_id} is not one of a group run (coach mode): see "
                "`history list --athlete NAME`"
            )
        return _fail(f"no group run {group_id!r} in the history")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(group_table(sessions))
    output: Path | None = getattr(args, "output", None)
    try:
        if output is None:
            getattr(sys.stdout, "for_data", lambda: sys.stdout)().write(buf.getvalue())
        else:
            if output.exists() and not args.force:
                return _fail(f"{output} exists: add --force to replace it")
            from speedtimer.files import atomic_write

            atomic_write(output, buf.getvalue())
            print(f"Exported the group of {len(sessions)} athlete(s) to {output}", file=sys.stderr)
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    except OSError as exc:
        return _fail(f"cannot write {output or 'output'}: {describe_os_error(exc)}")
    return 0


def history_import(args: argparse.Namespace, *, get_paths: GetPaths | None = None) -> int:
    from speedtimer.history.errors import ImportFormatError, StoreError

    file: Path = args.file
    try:
        sessions = read_export(file)
    except ValueError as exc:
        return _fail(f"cannot import {file}: {exc}")
    try:
        paths = resolve_paths(args, get_paths)
        with open_history(paths) as store:
            added, skipped = store.import_sessions(sessions)
    except ImportFormatError as exc:
        return _fail(f"cannot import {file}: {exc}; nothing was imported")
    except StoreError as exc:
        return _fail(str(exc))
    msg = f"Imported {added} session(s) from {file}"
    if skipped:
        msg += f"; {skipped} already in the history were skipped"
    print(msg + ".")
    return 0


# --- activities: FIT and TCX, and a watch's heart rate -------------------------------------

MAX_SESSIONS_PER_EXPORT = 10_000


def _session_id(store: HistoryStore, text: str) -> int:
    """A session id from the command line: a number from `history list`, or `last`."""
    from speedtimer.history.errors import StoreError

    text = (text or "").strip()
    if text == "last":
        newest = store.list_sessions(limit=1)
        if not newest:
            raise StoreError(store.path, "no sessions recorded yet")
        return newest[0].id
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValueError(
            f"--session: expected a session id from `history list` or last, got {text!r}"
        )
    return int(text)


def export_activities(args: argparse.Namespace, get_paths: GetPaths | None) -> int:
    from speedtimer.history.activity import NothingToExport
    from speedtimer.history.activity_files import export_session, file_name
    from speedtimer.history.errors import StoreError, describe_os_error

    fmt: str = args.format
    output: Path | None = getattr(args, "output", None)
    force = bool(getattr(args, "force", False))
    one = getattr(args, "session", None)
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if one is None and since is None and until is None:
        return _fail(
            f"--format {fmt}: say which session (--session ID, see `history list`) "
            "or which days (--since/--until)"
        )
    if one is not None and (since or until):
        return _fail("--session and --since/--until: give one or the other")
    try:
        paths = resolve_paths(args, get_paths)
        if not _has_history(paths):
            return _fail("no sessions recorded yet")
        with open_history(paths) as store:
            if one is not None:
                sid = _session_id(store, one)
                detail = store.get_session(sid)
                target = (output or Path(file_name(detail, fmt))).expanduser()
                target = export_session(store, sid, fmt, target, force=force)
                print(f"Exported session {sid} ({detail.preset_name}) to {target}", file=sys.stderr)
                return 0
            folder = (output or Path(".")).expanduser()
            if folder.exists() and not folder.is_dir():
                return _fail(f"{folder}: for many sessions --output is a folder")
            folder.mkdir(parents=True, exist_ok=True)
            start = _local_midnight(since) if since else None
            rows = store.list_sessions(since=start, limit=MAX_SESSIONS_PER_EXPORT)
            if until is not None:
                end = _local_midnight(until + timedelta(days=1))
                rows = [r for r in rows if r.started_at < end]
            written, skipped = 0, []
            for row in sorted(rows, key=lambda r: r.started_at):
                if row.status == "in_progress":
                    continue
                target = folder / file_name(row, fmt)
                try:
                    export_session(store, row.id, fmt, target, force=force)
                except NothingToExport:
                    continue
                except FileExistsError:
                    skipped.append(target.name)
                    continue
                written += 1
            print(f"Exported {written} session(s) to {folder}", file=sys.stderr)
            if skipped:
                _warn(
                    f"{len(skipped)} file(s) already there were kept (--force replaces them): "
                    + ", ".join(skipped[:5])
                    + (" ..." if len(skipped) > 5 else "")
                )
            return 0
    except ValueError as exc:
        return _fail(str(exc))
    except FileExistsError as exc:
        return _fail(f"{exc.args[0]} exists; --force replaces it")
    except IsADirectoryError as exc:
        return _fail(f"{exc.args[0]} is a folder")
    except NothingToExport as exc:
        return _fail(str(exc))
    except KeyError:
        return _fail(f"no session with id {one} (see `speedtimer history list`)")
    except StoreError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {output or 'the file'}: {describe_os_error(exc)}")


def history_attach(args: argparse.Namespace, *, get_paths: GetPaths | None = None) -> int:
    import math

    from speedtimer.history.activity_files import attach_watch_file
    from speedtimer.history.errors import StoreError
    from speedtimer.history.heart_rate import WatchFileError

    offset = getattr(args, "offset", None)
    if offset is not None and not (math.isfinite(offset) and abs(offset) <= 120):
        return _fail("--offset: expected seconds between -120 and 120")
    try:
        paths = resolve_paths(args, get_paths)
        if not _has_history(paths):
            return _fail("no sessions recorded yet")
        with open_history(paths) as store:
            sid = _session_id(store, args.session)
            detail = store.get_session(sid)
            result = attach_watch_file(store, sid, args.watch_file, offset_s=offset)
    except (WatchFileError, ValueError, StoreError) as exc:
        return _fail(str(exc))
    except KeyError:
        return _fail(f"no session with id {args.session} (see `speedtimer history list`)")
    print(f"Heart rate attached to session {sid} ({detail.preset_name}):")
    for line in result.report:
        print(f"  {line}")
    return 0


# --- reading an export -------------------------------------------------------------------


def read_export(file: Path) -> list[Any]:
    """The sessions list of a JSON export. ValueError with a plain message otherwise."""
    from speedtimer.files import FileRefused, read_regular_file
    from speedtimer.history.errors import describe_os_error

    try:
        raw = read_regular_file(file, MAX_IMPORT_BYTES, "history exports")
    except FileRefused as exc:
        raise ValueError(str(exc)) from None
    except OSError as exc:
        raise ValueError(describe_os_error(exc)) from None
    made_by = "expected a file made by 'speedtimer history export --format json'"
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValueError("not a text file (expected a JSON export)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); {made_by}"
        ) from None
    except RecursionError:
        raise ValueError(f"JSON nests lists or objects too deeply to read; {made_by}") from None
    except ValueError:  # int() refuses a number of more than 4300 digits
        raise ValueError(f"JSON holds a number with too many digits to read; {made_by}") from None
    if isinstance(data, dict) and isinstance(data.get("sessions"), list):
        return data["sessions"]
    if isinstance(data, list):
        return data
    raise ValueError(
        'expected a history export: {"sessions": [...]} '
        "(made by 'speedtimer history export --format json')"
    )


# --- formatting --------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, dtime()).astimezone()


def _clock(seconds: float | None) -> str:
    from speedtimer.core.preset import format_clock

    return format_clock(seconds) if seconds else "-"


def _fit(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(rows: list[SessionSummary]) -> str:
    headers = ("ID", "Date", "Preset", "Status", "Planned", "Active", "Reps", "RPE")
    cells = [
        (
            str(r.id),
            r.local_started_at.strftime("%Y-%m-%d %H:%M"),
            _fit(r.display_name, 32),
            status_word(r.status),
            _clock(r.planned_s),
            _clock(r.active_s),
            f"{r.reps_done}/{r.reps_planned}" if r.reps_planned else str(r.reps_done or "-"),
            str(r.rpe) if r.rpe is not None else "-",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    right = {0, 4, 5, 6, 7}

    def line(values: tuple[str, ...]) -> str:
        parts = [
            v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), line(tuple("-" * w for w in widths)), *map(line, cells)])


def _json_chunks(sessions: Iterable[dict]) -> Iterator[tuple[str, int]]:
    """Stream the export; each chunk comes with how many sessions it holds."""
    from speedtimer.history.import_format import EXPORT_FORMAT, EXPORT_VERSION
    from speedtimer.history.rows import to_iso

    head = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": to_iso(datetime.now(UTC)),
    }
    yield json.dumps(head, indent=1)[:-2] + ',\n "sessions": [', 0
    first = True
    for s in sessions:
        text = json.dumps(s, ensure_ascii=False)
        yield ("\n  " if first else ",\n  ") + text, 1
        first = False
    yield "\n ]\n}\n", 0


def csv_row(s: dict) -> list[Any]:
    from speedtimer.history.rows import from_iso

    started = from_iso(s["started_at"])
    local = started.astimezone(timezone(timedelta(minutes=s.get("utc_offset_min") or 0)))

    def num(key: str) -> Any:
        value = s.get(key)
        return "" if value is None else round(float(value), 3)

    return [
        s["uuid"],
        local.strftime("%Y-%m-%d %H:%M"),
        s["started_at"],
        s.get("utc_offset_min", 0),
        s.get("ended_at") or "",
        s["preset_name"],
        s["status"],
        num("planned_s"),
        num("active_s"),
        num("work_s"),
        num("paused_s"),
        s.get("reps_done", 0),
        s.get("reps_planned", 0),
        "" if s.get("rpe") is None else s["rpe"],
        s.get("note") or "",
        len(s.get("steps") or ()),
        round(sum(float(st.get("adjusted_s") or 0) for st in s.get("steps") or ()), 3),
        s.get("athlete") or "",
        s.get("group_id") or "",
    ]


def _csv_chunks(sessions: Iterable[dict]) -> Iterator[tuple[str, int]]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield buf.getvalue(), 0
    for s in sessions:
        buf.seek(0)
        buf.truncate()
        writer.writerow(csv_row(s))
        yield buf.getvalue(), 1


def _write_stream(out: TextIO, chunks: Iterable[tuple[str, int]]) -> int:
    count = 0
    for text, n in chunks:
        out.write(text)
        count += n
    out.flush()
    return count


def _write_file(path: Path, chunks: Iterable[tuple[str, int]]) -> int:
    """All or nothing: a temp file beside `path`, renamed over it when complete."""
    from speedtimer.files import atomic_writer

    with atomic_writer(path.expanduser(), newline="") as fh:
        return _write_stream(fh, chunks)


def _quiet_stdout() -> None:
    """After a closed pipe (`... | head`), keep Python from complaining at exit."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
