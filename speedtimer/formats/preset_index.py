"""What the menu and `presets list` show of each preset file, kept in a cached index.

Reading and checking a preset costs about as much as its size: 400 files of 235 KB took a
minute, with a blank screen. The menu and the listing need only a line per preset (name,
category, tags, description, total time, outline, or the error of a broken file), so that line
is kept, per file, in `presets-index.json` in the cache folder, keyed by the file's path, size,
modification time and inode: a file whose stamp has not changed is not read again, so 500
presets cost little more than 14. A preset is read in full only when it is run, edited or
copied, at that moment, so nothing stale is ever run.

The index is the app's own, but it comes from disk: it is read with a size limit, every entry
is checked field by field (a bad entry is dropped and its file read again), and it is written
atomically, so a crash or a second app writing it at once leaves a whole file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat as stat_module
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from speedtimer import __version__
from speedtimer.core.preset import CATEGORIES, MAX_TEXT, BrokenPreset, Preset, PresetError
from speedtimer.core.text import printable
from speedtimer.files import FileRefused, atomic_write, read_regular_file

INDEX_FILE_NAME = "presets-index.json"
INDEX_FORMAT = 3  # 2: the total as its label (core/totals.py); 3: race_derived
MAX_INDEX_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 20_000
MAX_OUTLINE = 2_000
MAX_LABEL = 200
MAX_ERROR = 4_000
HEAD_BYTES = 16 * 1024  # the top-level keys of a preset come before its first [[steps]]


@dataclass(frozen=True)
class Stamp:
    """What says a file may have changed: any difference means read it again."""

    size: int
    mtime_ns: int
    ino: int

    @classmethod
    def of(cls, st: os.stat_result) -> Stamp:
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass(frozen=True)
class Summary:
    """One preset file as the menu and the listing show it."""

    path: Path
    stamp: Stamp | None  # None: the file could not be stat'ed (its error says why)
    bundled: bool
    name: str
    category: str = "custom"
    tags: tuple[str, ...] = ()
    description: str = ""
    estimate_s: float = 0.0  # the time counted (core/totals.py: timed plus estimated)
    total_label: str = ""  # the total as every screen says it: "~52:00 + 1 lap step"
    is_estimate: bool = False  # some lap-ended steps counted at their target pace
    left_out: bool = False  # some lap-ended steps without a pace, not counted
    work_reps: int = 0
    work_s: float = 0.0
    outline: str = ""
    error: str | None = None  # a broken file: the loader's message
    error_key: str = ""
    checked: bool = True  # False: only the file's first lines were read (a listing's budget)
    # Some targets come from the runner's race ("5k pace"): the totals above count them as
    # without a pace; Catalog.for_race works them out for a race.
    race_derived: bool = False
    preset: Preset | None = field(default=None, compare=False, repr=False)  # when just read

    @property
    def source(self) -> Path:
        return self.path

    @property
    def broken(self) -> bool:
        return self.error is not None

    @property
    def display_name(self) -> str:
        return printable(self.name or self.path.stem)

    def as_broken(self) -> BrokenPreset:
        assert self.error is not None
        return BrokenPreset(
            source=self.path,
            error=PresetError(self.error, self.path, self.error_key),
            name=self.name,
        )

    def to_json(self) -> dict:
        assert self.stamp is not None and self.checked
        return {
            "path": str(self.path),
            "size": self.stamp.size,
            "mtime_ns": self.stamp.mtime_ns,
            "ino": self.stamp.ino,
            "bundled": self.bundled,
            "name": self.name,
            "category": self.category,
            "tags": list(self.tags),
            "description": self.description,
            "estimate_s": self.estimate_s,
            "total_label": self.total_label,
            "is_estimate": self.is_estimate,
            "left_out": self.left_out,
            "work_reps": self.work_reps,
            "work_s": self.work_s,
            "outline": self.outline,
            "error": self.error,
            "error_key": self.error_key,
            "race_derived": self.race_derived,
        }


def summarize(path: Path, *, bundled: bool = False, stamp: Stamp | None = None) -> Summary:
    """Read and check one file in full (the only place the index learns anything)."""
    from speedtimer.core.schedule import build_schedule, outline
    from speedtimer.core.targets import has_symbolic_targets

    if stamp is None:
        stamp = stamp_of(path)
    try:
        from speedtimer.formats.preset_toml import load_preset  # a file read, not the index

        preset = load_preset(path, bundled=bundled)
    except PresetError as exc:
        return Summary(
            path,
            stamp,
            bundled,
            name=guess_name(path),
            error=exc.message[:MAX_ERROR],
            error_key=exc.key[:MAX_ERROR],
        )
    sched = build_schedule(preset)
    totals = sched.totals
    text = outline(preset)
    if len(text) > MAX_OUTLINE:
        text = text[: MAX_OUTLINE - 1] + "…"
    return Summary(
        path,
        stamp,
        bundled,
        name=preset.name,
        category=preset.category,
        tags=preset.tags,
        description=preset.description,
        estimate_s=totals.seconds,
        total_label=totals.label[:MAX_LABEL],
        is_estimate=totals.is_estimate,
        left_out=bool(totals.left_out),
        work_reps=sched.work_reps,
        work_s=sched.work_s,
        outline=text,
        race_derived=has_symbolic_targets(preset),
        preset=preset,
    )


def stamp_of(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return Stamp.of(st) if stat_module.S_ISREG(st.st_mode) else None


def guess_name(path: Path) -> str:
    """A broken file's own name = "..." line, if it has one, so the menu can show it."""
    head = _head_text(path)
    m = re.search(r'^\s*name\s*=\s*"([^"\n]{1,80})"', head, re.MULTILINE)
    return printable(m.group(1)) if m else ""


def _head_text(path: Path) -> str:
    try:
        if not path.is_file():  # opening a FIFO would wait for a writer
            return ""
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


def head_summary(path: Path, *, bundled: bool = False, stamp: Stamp | None = None) -> Summary:
    """The name, category, tags and description from the file's first lines only, without
    reading or checking its steps: what a listing over its time budget shows."""
    head = _head_text(path)
    cut = re.search(r"^\s*\[", head, re.MULTILINE)  # top-level keys end at the first table
    data: dict = {}
    if cut is not None:
        with contextlib.suppress(tomllib.TOMLDecodeError, ValueError, RecursionError):
            data = tomllib.loads(head[: cut.start()])

    def text(key: str, default: str = "") -> str:
        value = data.get(key, default)
        ok = isinstance(value, str) and len(value) <= MAX_TEXT
        return printable(value.strip()) if ok else default

    tags = data.get("tags", [])
    category = text("category", "custom")
    return Summary(
        path,
        stamp if stamp is not None else stamp_of(path),
        bundled,
        name=text("name") or guess_name(path) or path.stem,
        category=category if category in CATEGORIES else "custom",
        tags=tuple(printable(t) for t in tags[:50] if isinstance(t, str) and len(t) <= MAX_TEXT)
        if isinstance(tags, list)
        else (),
        description=text("description"),
        checked=False,
    )


# --- the index file ----------------------------------------------------------------------------


def _int(value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(value)
    return value


def _float(value: object, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
        raise ValueError(value)
    return float(value)


# What the loader refuses in text (terminal_text.control_char_problem: C0, DEL, C1), and lone
# surrogates: one regular expression, as an index holds thousands of strings.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSHOWABLE_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # \t \n ok


def _str(value: object, limit: int, *, lines: bool = False, raw: bool = False) -> str:
    """A string of at most `limit` characters without control characters (`lines`: newlines
    and tabs allowed, as in a description); `raw`: any characters (a path)."""
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(value)
    if not raw and (_UNSHOWABLE_IN_LINES if lines else _UNSHOWABLE).search(value):
        raise ValueError(value)  # never a control character from a file to the screen
    return value


def _entry(raw: object, known_path: Path | None = None) -> Summary:
    """One entry of the index file, checked field by field; ValueError for anything off.
    `known_path`: the file's path object when the caller has it (the same as the entry's)."""
    if not isinstance(raw, dict):
        raise ValueError(raw)
    error = raw.get("error")
    tags = raw.get("tags")
    if not isinstance(tags, list) or len(tags) > 1000:
        raise ValueError(tags)
    category = _str(raw.get("category"), 40)
    if category not in CATEGORIES or not isinstance(raw.get("bundled"), bool):
        raise ValueError(category)
    if not all(isinstance(raw.get(k), bool) for k in ("is_estimate", "left_out", "race_derived")):
        raise ValueError(raw)
    path = _str(raw.get("path"), 4096, raw=True)  # shown only through printable()
    if not os.path.isabs(path) or "\x00" in path:
        raise ValueError(path)
    return Summary(
        known_path if known_path is not None and str(known_path) == path else Path(path),
        Stamp(
            _int(raw.get("size"), 0, 1 << 62),
            _int(raw.get("mtime_ns"), -(1 << 62), 1 << 62),
            _int(raw.get("ino"), 0, 1 << 64),
        ),
        raw["bundled"],
        name=_str(raw.get("name"), MAX_TEXT),
        category=category,
        tags=tuple(_str(t, MAX_TEXT) for t in tags),
        description=_str(raw.get("description"), MAX_TEXT, lines=True),
        estimate_s=_float(raw.get("estimate_s"), 1e9),
        total_label=_str(raw.get("total_label"), MAX_LABEL),
        is_estimate=raw["is_estimate"],
        left_out=raw["left_out"],
        work_reps=_int(raw.get("work_reps"), 0, 10**7),
        work_s=_float(raw.get("work_s"), 1e9),
        outline=_str(raw.get("outline"), MAX_OUTLINE),
        error=None if error is None else _str(error, MAX_ERROR, lines=True),
        error_key=_str(raw.get("error_key"), MAX_ERROR),
        race_derived=raw["race_derived"],
    )


def read_index(index_file: Path | None) -> dict[Path, Summary]:
    """The entries of a good index; nothing (all files read again) for a missing, foreign,
    older, oversized or unreadable one. A single bad entry drops only that entry."""
    entries: dict[Path, Summary] = {}
    for raw in read_raw_index(index_file).values():
        try:
            entry = _entry(raw)
        except (ValueError, TypeError):
            continue
        entries[entry.path] = entry
    return entries


def read_raw_index(index_file: Path | None) -> dict[str, dict]:
    """The entries of a good index by path, each still to be checked by `_entry`."""
    if index_file is None:
        return {}
    try:
        data = json.loads(read_regular_file(index_file, MAX_INDEX_BYTES, "preset indexes"))
    except (OSError, FileRefused, ValueError, RecursionError):
        return {}
    if (
        not isinstance(data, dict)
        or data.get("format") != INDEX_FORMAT
        or data.get("speedtimer") != __version__  # the checks may have changed since
        or not isinstance(data.get("entries"), list)
    ):
        return {}
    return {
        raw["path"]: raw
        for raw in data["entries"][:MAX_ENTRIES]
        if isinstance(raw, dict) and isinstance(raw.get("path"), str)
    }


def write_index(index_file: Path, entries: Iterable[Summary]) -> None:
    """Atomically (a whole file or the old one, never a cut one); a cache that cannot be
    written is only slower next time, never an error."""
    rows = [
        e.to_json() for e in entries if e.checked and e.stamp is not None and _utf8(str(e.path))
    ][:MAX_ENTRIES]
    text = json.dumps(
        {"format": INDEX_FORMAT, "speedtimer": __version__, "entries": rows},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    try:
        index_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(index_file, text)
    except OSError:
        pass


def _utf8(text: str) -> bool:
    """A file name that is not UTF-8 (surrogate-escaped bytes) cannot go into JSON text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- folders -----------------------------------------------------------------------------------


def preset_files(folders: Iterable[tuple[Path, bool]]) -> list[tuple[Path, bool]]:
    """Every *.toml (not hidden) of each folder, sorted by name, each folder once."""
    files: list[tuple[Path, bool]] = []
    seen: set[Path] = set()
    for folder, bundled in folders:
        try:
            key = folder.resolve()
            if key in seen:
                continue
            seen.add(key)
            names = sorted(
                p for p in folder.iterdir() if p.suffix == ".toml" and not p.name.startswith(".")
            )
        except (OSError, ValueError):  # ValueError: a NUL in the folder's name
            continue
        files += [(p, bundled) for p in names]
    return files


@dataclass
class IndexRun:
    """Summaries of every preset file, from the index where a file has not changed.

    `budget_s` None reads every changed file in full; otherwise files beyond the budget get a
    `head_summary` (checked False). `cancelled` is asked between files; `on_progress` gets the
    summaries so far, at most every `progress_s`.
    """

    folders: list[tuple[Path, bool]]
    index_file: Path | None
    budget_s: float | None = None
    cancelled: Callable[[], bool] = lambda: False
    on_progress: Callable[[list[Summary], int], None] | None = None
    progress_s: float = 0.2
    read: int = 0  # files read in full this run
    total: int = 0

    def run(self, clock: Callable[[], float] = time.monotonic) -> list[Summary]:
        start = last = clock()
        known = read_raw_index(self.index_file)
        files = preset_files(self.folders)
        self.total = len(files)
        out: list[Summary] = []
        for path, bundled in files:
            if self.cancelled():
                break
            stamp = stamp_of(path)
            cached = _cached(known.pop(str(path), None), path, stamp)
            if cached is not None:
                out.append(cached if cached.bundled == bundled else _rebundle(cached, bundled))
            elif self.budget_s is None or clock() - start < self.budget_s:
                out.append(summarize(path, bundled=bundled, stamp=stamp))
                self.read += 1
            else:
                out.append(head_summary(path, bundled=bundled, stamp=stamp))
            if self.on_progress is not None and clock() - last >= self.progress_s:
                last = clock()
                self.on_progress(list(out), self.total)
        if self.read and self.index_file is not None:
            keep = {}  # other folders' entries (another --presets-dir) while their files exist
            for raw in known.values():
                with contextlib.suppress(ValueError, TypeError):
                    entry = _entry(raw)
                    if entry.path.exists():
                        keep[entry.path] = entry
            keep.update({s.path: s for s in out if s.checked})
            write_index(self.index_file, keep.values())
        return out


def _cached(raw: dict | None, path: Path, stamp: Stamp | None) -> Summary | None:
    """The index's entry for `path` if the file's stamp is the same and the entry is good."""
    if raw is None or stamp is None:
        return None
    if (raw.get("size"), raw.get("mtime_ns"), raw.get("ino")) != (
        stamp.size,
        stamp.mtime_ns,
        stamp.ino,
    ):
        return None  # changed: read again (no need to check the old entry)
    try:
        entry = _entry(raw, path)
    except (ValueError, TypeError):
        return None
    return entry if entry.stamp == stamp else None


def _rebundle(summary: Summary, bundled: bool) -> Summary:
    from dataclasses import replace

    return replace(summary, bundled=bundled)
