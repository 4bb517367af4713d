"""Squads for coach mode: who runs, under which key, from which race, in TOML files.

A squad file lives in `<config>/squads/NAME.toml`:

    name = "Tuesday group"
    [[athletes]]
    name = "Ana"
    key = "1"            # optional: 1..9, 0, then letters no run-screen action uses
    race = "5k 19:57"    # optional: race-derived targets ("5k pace", "I") come from it
    group = "A"          # optional
    note = "back from injury"   # optional

Files are validated like presets: every problem names the file, the key path
(`athletes[2].key`) and what was expected, and nothing is half-loaded. Keys the group run screen
uses for its own actions are refused, as are two athletes on one key.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from speedtimer.core.group import MAX_ATHLETES
from speedtimer.core.paces import PaceError, parse_race
from speedtimer.core.text import printable
from speedtimer.files import FileRefused, atomic_write, read_regular_file

MAX_FILE_BYTES = 256 * 1024
MAX_NAME = 40
MAX_TEXT = 200
SQUAD_KEYS = ("name", "athletes")
ATHLETE_KEYS = ("name", "key", "race", "group", "note")

# The group run screen's own keys (pause, mark, next, back, time, mute, end, voice, undo, out):
# an athlete on one of them could never be marked.
RESERVED_KEYS = {
    " ": "space pauses",
    "l": "l marks (like enter)",
    "n": "n ends the rep",
    "b": "b goes back",
    "m": "m mutes",
    "q": "q ends the session",
    "v": "v turns the voice on or off, V the spoken marks",
    "u": "u undoes the last mark",
    "x": "x + key takes an athlete out",
    "+": "+ adds time",
    "=": "= adds time",
    "-": "- removes time",
}
DEFAULT_KEYS = tuple(
    [*"1234567890"]
    + [c for c in "abcdefghijklmnopqrstuvwxyz" if c not in RESERVED_KEYS]
    + [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c.lower() not in RESERVED_KEYS]
)
_KEY = re.compile(r"^[0-9A-Za-z]$")


class SquadError(ValueError):
    """A squad problem a coach can act on: file, key path and what was expected."""

    def __init__(self, message: str, path: Path | str | None = None, key: str = "") -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.key = key
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.path and not self.key:
            return self.message
        where = printable(self.path) if self.path else "<squad>"
        if self.key:
            where = f"{where}: {printable(self.key)}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Athlete:
    name: str
    key: str
    race: str = ""  # as written; parse_race reads it
    group: str = ""
    note: str = ""
    key_given: bool = False  # the file chose the key (saving keeps it; defaults stay implicit)


@dataclass(frozen=True)
class Squad:
    name: str
    athletes: tuple[Athlete, ...] = field(default_factory=tuple)
    source: Path | None = None

    def athlete(self, name: str) -> Athlete | None:
        folded = name.strip().casefold()
        return next((a for a in self.athletes if a.name.casefold() == folded), None)

    def pick(self, names: str | list[str] | None) -> tuple[Athlete, ...]:
        """The athletes here today: "Ana,Ben" (any case); None or "" means everyone."""
        if names is None:
            return self.athletes
        wanted = [n.strip() for n in names.split(",")] if isinstance(names, str) else names
        wanted = [n for n in wanted if n]
        if not wanted:
            return self.athletes
        picked: list[Athlete] = []
        for n in wanted:
            a = self.athlete(n)
            if a is None:
                hint = difflib.get_close_matches(n, [x.name for x in self.athletes], n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise SquadError(
                    f"no athlete {n!r} in squad {self.name!r}{extra}", self.source, "athletes"
                )
            if a not in picked:
                picked.append(a)
        return tuple(picked)


def _describe(value: object) -> str:
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(
        type(value), f"a {type(value).__name__}"
    )
    return kind


def _text(table: dict, key: str, prefix: str, path, limit: int, required=False) -> str:
    where = f"{prefix}.{key}" if prefix else key
    if key not in table:
        if required:
            raise SquadError("missing: expected a string", path, where)
        return ""
    value = table[key]
    if not isinstance(value, str):
        raise SquadError(f"expected a string, got {_describe(value)}", path, where)
    value = value.strip()
    if required and not value:
        raise SquadError("is empty", path, where)
    if len(value) > limit:
        raise SquadError(f"is longer than {limit} characters", path, where)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise SquadError("holds control characters", path, where)
    return value


def _unknown(table: dict, allowed: tuple[str, ...], prefix: str, path) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            extra = f"did you mean {hint[0]!r}? " if hint else ""
            where = f"{prefix}.{key}" if prefix else str(key)
            raise SquadError(
                f"unknown key {key!r}; {extra}allowed here: {', '.join(allowed)}", path, where
            )


def squad_from_dict(data: dict, path: Path | str | None = None) -> Squad:
    _unknown(data, SQUAD_KEYS, "", path)
    name = _text(data, "name", "", path, MAX_NAME, required=True)
    raw = data.get("athletes", [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise SquadError("expected a list of tables ([[athletes]])", path, "athletes")
    if len(raw) > MAX_ATHLETES:
        raise SquadError(
            f"{len(raw)} athletes; a squad has at most {MAX_ATHLETES}", path, "athletes"
        )
    rows: list[dict] = []
    seen_names: dict[str, int] = {}
    given: dict[str, int] = {}
    for i, table in enumerate(raw):
        prefix = f"athletes[{i}]"
        _unknown(table, ATHLETE_KEYS, prefix, path)
        row = {k: _text(table, k, prefix, path, MAX_TEXT) for k in ("race", "group", "note")}
        row["name"] = _text(table, "name", prefix, path, MAX_NAME, required=True)
        folded = row["name"].casefold()
        if folded in seen_names:
            raise SquadError(
                f"{row['name']!r} is already athletes[{seen_names[folded]}]: names must differ",
                path,
                f"{prefix}.name",
            )
        seen_names[folded] = i
        if row["race"]:
            try:
                parse_race(row["race"])
            except PaceError as exc:
                raise SquadError(str(exc), path, f"{prefix}.race") from None
        key = ""
        if "key" in table:
            key = table["key"]
            problem = key_problem(key)
            if problem:
                raise SquadError(problem, path, f"{prefix}.key")
            if key in given:
                first = given[key]
                raise SquadError(
                    f"{key!r} is already the key of athletes[{first}] ({rows[first]['name']})",
                    path,
                    f"{prefix}.key",
                )
            given[key] = i
        row["key"] = key
        rows.append(row)
    free = iter(k for k in DEFAULT_KEYS if k not in given)
    athletes = tuple(
        Athlete(
            name=r["name"],
            key=r["key"] or next(free),
            race=r["race"],
            group=r["group"],
            note=r["note"],
            key_given=bool(r["key"]),
        )
        for r in rows
    )
    return Squad(name=name, athletes=athletes, source=Path(path) if path else None)


def key_problem(key: object) -> str:
    """Why `key` cannot be an athlete's key, or "" when it can."""
    if not isinstance(key, str):
        return f"expected one letter or digit, got {_describe(key)}"
    if not _KEY.match(key):
        return f"expected one letter or digit, got {printable(repr(key))}"
    if key in RESERVED_KEYS or (key.isupper() and key.lower() in RESERVED_KEYS):
        reason = RESERVED_KEYS[key.lower()]
        return f"{key!r} is reserved on the group run screen ({reason})"
    return ""


def parse_squad(text: str, path: Path | str | None = None) -> Squad:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SquadError(f"not valid TOML: {exc}", path) from None
    return squad_from_dict(data, path)


def load_squad(path: Path | str) -> Squad:
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES, "squad files")
    except FileRefused as exc:
        raise SquadError(str(exc), path) from None
    except OSError as exc:
        raise SquadError(f"cannot read: {exc.strerror or exc}", path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SquadError("not UTF-8 text", path) from None
    return parse_squad(text, path)


def squad_to_toml(squad: Squad) -> str:
    lines = [f"name = {json.dumps(squad.name, ensure_ascii=False)}"]
    for a in squad.athletes:
        lines += ["", "[[athletes]]", f"name = {json.dumps(a.name, ensure_ascii=False)}"]
        if a.key_given:
            lines.append(f"key = {json.dumps(a.key)}")
        for k in ("race", "group", "note"):
            value = getattr(a, k)
            if value:
                lines.append(f"{k} = {json.dumps(value, ensure_ascii=False)}")
    text = "\n".join(lines) + "\n"
    parse_squad(text)  # what is written always reads back
    return text


def save_squad(squad: Squad, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, squad_to_toml(squad))


def squads_dir(config_dir: Path) -> Path:
    return Path(config_dir) / "squads"


def squad_files(config_dir: Path) -> list[Path]:
    folder = squads_dir(config_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


def find_squad(config_dir: Path, name_or_file: str) -> Squad:
    """A squad by file path, file stem or name (any case)."""
    as_path = Path(name_or_file).expanduser()
    if as_path.suffix == ".toml" or "/" in name_or_file:
        return load_squad(as_path)
    folded = name_or_file.strip().casefold()
    names: list[str] = []
    starting: list[Path] = []
    for p in squad_files(config_dir):
        if p.stem.casefold() == folded:
            return load_squad(p)
    for p in squad_files(config_dir):
        try:
            squad = load_squad(p)
        except SquadError:
            continue
        if squad.name.casefold() == folded:
            return squad
        if folded and (
            squad.name.casefold().startswith(folded) or p.stem.casefold().startswith(folded)
        ):
            starting.append(p)
        names.append(squad.name)
    if len(starting) == 1:  # "tuesday" for "Tuesday group": unambiguous
        return load_squad(starting[0])
    hint = difflib.get_close_matches(name_or_file, names, n=1)
    extra = f"; did you mean {hint[0]!r}?" if hint else ""
    where = squads_dir(config_dir)
    raise SquadError(f"no squad {name_or_file!r} in {printable(str(where))}{extra}")


def file_stem(name: str) -> str:
    stem = re.sub(r"[^0-9A-Za-z]+", "-", name).strip("-").lower()[:60]
    return stem or "squad"
