"""The user's settings file (TOML in the config folder).

A bad key never stops the app: it falls back to its default and the message says which file,
which key, what was expected and what was found, so the user can fix it. Nothing here ever
writes the file; `settings_template.py` creates it once, when it is missing.

Reading stays cheap (tomllib only): the CLI reads the file for folder settings on every command.
Checks that need Textual (theme names, binding ids) live in `deep_problems()`, used by the app and
`speedtimer config`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from speedtimer.bounded_read import FileRefused, read_regular_file

DEFAULT_GET_READY_S = 5
DEFAULT_COUNTDOWN = 3
DEFAULT_THEME = "textual-dark"
MAX_GET_READY_S = 60
MAX_COUNTDOWN = 10  # as in preset files
MAX_SETTINGS_BYTES = 1024 * 1024


@dataclass(frozen=True)
class KeyDoc:
    """One documented setting: the docs table, the template file and `config show` use it."""

    name: str
    type: str
    default: str  # as TOML, the way the template writes it
    meaning: str
    flag: str = ""
    env: str = ""


# Order = order in the template and in `config show`. Tables ([sounds], [keys]) come last,
# because in TOML every plain key must come before the first table.
KEY_DOCS: tuple[KeyDoc, ...] = (
    KeyDoc(
        "get_ready",
        "integer 0-60",
        str(DEFAULT_GET_READY_S),
        "seconds of get-ready countdown before the first step",
        flag="--get-ready",
    ),
    KeyDoc(
        "countdown",
        "integer 0-10",
        str(DEFAULT_COUNTDOWN),
        "pips at the end of each timed step, for presets that do not set `countdown`",
    ),
    KeyDoc(
        "halfway",
        "boolean",
        "false",
        "halfway cue in timed steps over 20 s, for presets that do not set `halfway`",
    ),
    KeyDoc("mute", "boolean", "false", "start with sound off", flag="--mute / --no-mute"),
    KeyDoc(
        "theme",
        "string",
        f'"{DEFAULT_THEME}"',
        'colour theme: a Textual built-in theme name, e.g. "nord" or "gruvbox"',
    ),
    KeyDoc(
        "data_dir",
        "string (folder)",
        "the platform's user data folder",
        "where the history database and log file live",
        flag="--data-dir",
        env="SPEEDTIMER_DATA_DIR",
    ),
    KeyDoc(
        "presets_dirs",
        "list of strings (folders)",
        "[]",
        "extra folders of presets to list, besides the bundled and your own",
        flag="--presets-dir",
        env="SPEEDTIMER_PRESETS_DIR",
    ),
    KeyDoc(
        "sounds",
        "table: cue name = WAV file",
        "the bundled sounds",
        "your own 16-bit PCM WAV file for a cue, by cue name",
    ),
    KeyDoc(
        "keys",
        'table: binding id = "key,key"',
        "the keys shown in the footer",
        "keys by binding id; an entry replaces that action's default keys",
    ),
)
KEYS = tuple(k.name for k in KEY_DOCS)


@dataclass(frozen=True)
class Settings:
    get_ready_s: int = DEFAULT_GET_READY_S
    countdown: int = DEFAULT_COUNTDOWN
    halfway: bool = False
    mute: bool = False
    theme: str = DEFAULT_THEME
    data_dir: Path | None = None  # None: not in the file; the platform default applies
    presets_dirs: tuple[Path, ...] = ()
    sounds: dict[str, str] = field(default_factory=dict)  # cue name -> WAV path
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> keys ("space,p")
    file: Path | None = None  # where they were read from, for messages
    from_file: frozenset[str] = frozenset()  # keys the file set validly, for `config show`


def _what(value: object) -> str:
    kind = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} ({text})"


_TOML_POSITION = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def toml_error_message(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    """`file:line:column: message`, the form editors and terminals make clickable."""
    m = _TOML_POSITION.match(str(exc))
    if m:
        where = f"{path}:{m['line']}:{m['col']}"
        return f"{where}: TOML syntax error: {m['msg']}; every setting uses its default"
    return f"{path}: TOML syntax error: {exc}; every setting uses its default"


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Returns the settings and the problems found (each naming file and key)."""
    path = Path(path)
    if not path.exists():
        return Settings(file=path), []
    try:
        raw = read_regular_file(path, MAX_SETTINGS_BYTES, "settings files")
        data = tomllib.loads(raw.decode("utf-8"))
    except FileRefused as exc:
        return Settings(file=path), [f"{path}: {exc}; using defaults"]
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(file=path), [f"{path}: cannot read settings ({exc}); using defaults"]
    except tomllib.TOMLDecodeError as exc:
        return Settings(file=path), [toml_error_message(path, exc)]
    except RecursionError:
        return Settings(file=path), [f"{path}: TOML nests too deeply to read; using defaults"]
    except ValueError:  # int() refuses a number of more than 4300 digits
        message = "a number has too many digits to read; every setting uses its default"
        return Settings(file=path), [f"{path}: TOML syntax error: {message}"]
    return settings_from_dict(data, path)


def settings_from_dict(data: dict, path: Path) -> tuple[Settings, list[str]]:
    problems: list[str] = []
    values: dict = {}

    def bad(key: str, expected: str, default: str) -> None:
        problems.append(
            f"{path}: {key}: expected {expected}, got {_what(data[key])}; using the default "
            f"{default}"
        )

    for key in data:
        if key not in KEYS:
            hint = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
            extra = f"did you mean {hint[0]!r}? " if hint else ""
            problems.append(
                f"{path}: {key}: unknown setting; {extra}known settings: {', '.join(KEYS)}; ignored"
            )

    if "get_ready" in data:
        v = data["get_ready"]
        if _is_int(v) and 0 <= v <= MAX_GET_READY_S:
            values["get_ready_s"] = v
        else:
            bad("get_ready", f"whole seconds 0-{MAX_GET_READY_S}", str(DEFAULT_GET_READY_S))
    if "countdown" in data:
        v = data["countdown"]
        if _is_int(v) and 0 <= v <= MAX_COUNTDOWN:
            values["countdown"] = v
        else:
            bad("countdown", f"an integer 0-{MAX_COUNTDOWN}", str(DEFAULT_COUNTDOWN))
    for key in ("halfway", "mute"):
        if key in data:
            if isinstance(data[key], bool):
                values[key] = data[key]
            else:
                bad(key, "true or false", "false")
    if "theme" in data:
        v = data["theme"]
        if isinstance(v, str) and v.strip():
            values["theme"] = v.strip()
        else:
            bad("theme", 'a theme name such as "nord"', DEFAULT_THEME)
    if "data_dir" in data:
        v = data["data_dir"]
        folder = _folder(v, path) if isinstance(v, str) else None
        if folder is not None:
            values["data_dir"] = folder
        else:
            bad("data_dir", "a folder as a string", "(the platform's user data folder)")
    if "presets_dirs" in data:
        v = data["presets_dirs"]
        listed = v if isinstance(v, list) else [None]
        folders = [_folder(p, path) if isinstance(p, str) else None for p in listed]
        if all(f is not None for f in folders):
            values["presets_dirs"] = tuple(folders)
        else:
            bad("presets_dirs", 'a list of folders, e.g. ["~/runs/presets"]', "[]")
    for table in ("sounds", "keys"):
        if table not in data:
            continue
        raw = data[table]
        if not isinstance(raw, dict):
            problems.append(
                f"{path}: {table}: expected a table [{table}], got {_what(raw)}; ignored"
            )
            continue
        good = {}
        for k, v in raw.items():
            if isinstance(v, str) and v.strip():
                good[k] = v.strip()
            else:
                problems.append(
                    f"{path}: {table}.{k}: expected a non-empty string, got {_what(v)}; ignored"
                )
        values[table] = good
    from_file = frozenset(
        "get_ready" if k == "get_ready_s" else k
        for k, v in values.items()
        if k not in ("sounds", "keys") or v
    )
    return Settings(**values, file=path, from_file=from_file), problems


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _folder(text: str, settings_file: Path) -> Path | None:
    """`~` is the home folder; a relative folder is relative to the settings file's folder.

    None for text that names no folder: blank, a NUL character, or `~user` of no such user.
    """
    if not text.strip() or "\x00" in text:
        return None
    try:
        p = Path(text.strip()).expanduser()
    except RuntimeError:  # "~nobody/x": no home folder known for that user
        return None
    return p if p.is_absolute() else settings_file.parent / p


# --- checks that need Textual ------------------------------------------------------------------


def theme_problem(settings: Settings, available: set[str] | None = None) -> str | None:
    """A theme name Textual does not know; `available` is the running app's themes."""
    if available is None:
        from textual.theme import BUILTIN_THEMES

        available = set(BUILTIN_THEMES)
    if settings.theme in available:
        return None
    hint = difflib.get_close_matches(settings.theme, sorted(available), n=1)
    extra = f" (did you mean {hint[0]!r}?)" if hint else ""
    return (
        f"{settings.file}: theme: expected a Textual theme name{extra}, one of "
        f"{', '.join(sorted(available))}; got {settings.theme!r}; using {DEFAULT_THEME}"
    )


def key_problems(settings: Settings, known: dict[str, str]) -> list[str]:
    """[keys] entries naming no binding: Textual would silently ignore them."""
    problems = []
    for bid in settings.keys:
        if bid in known:
            continue
        hint = difflib.get_close_matches(bid, sorted(known), n=1)
        extra = f"did you mean {hint[0]!r}? " if hint else ""
        problems.append(
            f"{settings.file}: keys.{bid}: no key binding has the id {bid!r}; {extra}"
            f"ids: {', '.join(sorted(known))}; ignored"
        )
    return problems


def deep_problems(settings: Settings, sounds_dir: Path) -> list[str]:
    """Everything `load_settings` cannot see cheaply: theme names, binding ids, sound files."""
    from speedtimer.audio import resolve_cue_files
    from speedtimer.keymap import binding_ids

    problems = []
    theme = theme_problem(settings)
    if theme:
        problems.append(theme)
    problems += key_problems(settings, binding_ids())
    _, sound_messages = resolve_cue_files(sounds_dir, settings.sounds)
    problems += [f"{settings.file}: sounds: {m}" for m in sound_messages]
    return problems
