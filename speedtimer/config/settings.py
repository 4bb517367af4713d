"""The user's settings file (TOML in the config folder).

A bad key never stops the app: it falls back to its default and the message says which file,
which key, what was expected and what was found, so the user can fix it. Nothing here ever
writes the file; `template.py` beside it creates it once, when it is missing.

Reading stays cheap (tomllib only): the CLI reads the file for folder settings on every command.
Checks that need what only the layers above know (Textual's theme names, the UI's binding ids,
the sound layer's verdict on the [sounds] files) live in `deep_problems()`, which takes them as
arguments: `speedtimer config` and the tests call it; settings never import the UI or audio.
"""

from __future__ import annotations

import difflib
import re
import shlex
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from speedtimer.core.paces import PaceError, Race, parse_race
from speedtimer.core.phrases import DEFAULT_PHRASES, PHRASE_KEYS
from speedtimer.core.text import describe_value
from speedtimer.files import FileRefused, read_regular_file

DEFAULT_GET_READY_S = 5
DEFAULT_COUNTDOWN = 3
DEFAULT_THEME = "textual-dark"
MAX_GET_READY_S = 60
MAX_COUNTDOWN = 10  # as in preset files
# The speech command: an argv list whose items may hold {text}, {file}, {voice} and {speed};
# it must write a 16-bit PCM WAV file to {file}. "--" keeps a phrase from reading as an option.
DEFAULT_VOICE_COMMAND = (
    "espeak-ng",
    "-v",
    "{voice}",
    "-s",
    "{speed}",
    "-w",
    "{file}",
    "--",
    "{text}",
)
VOICE_COMMAND_FIELDS = ("text", "file", "voice", "speed")
DEFAULT_VOICE_NAME = "en"
DEFAULT_VOICE_SPEED = 175  # words per minute, espeak-ng's own default
MIN_VOICE_SPEED, MAX_VOICE_SPEED = 80, 450
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
        "voice",
        "boolean",
        "false",
        "speak announcements: each step before it starts, halfway, 10 seconds left, the end",
        flag="--voice / --no-voice",
    ),
    KeyDoc(
        "voice_command",
        "list of strings (a command)",
        "espeak-ng (see below)",
        "the speech command; {text}, {file}, {voice} and {speed} are filled in, and it must "
        "write a 16-bit PCM WAV file to {file}",
    ),
    KeyDoc(
        "voice_name",
        "string",
        f'"{DEFAULT_VOICE_NAME}"',
        'the voice, {voice} in the command: for espeak-ng a language such as "en", "en-us" or '
        '"de" (`espeak-ng --voices` lists them)',
    ),
    KeyDoc(
        "voice_speed",
        f"integer {MIN_VOICE_SPEED}-{MAX_VOICE_SPEED}",
        str(DEFAULT_VOICE_SPEED),
        "speaking speed in words per minute, {speed} in the command",
    ),
    KeyDoc(
        "speak_marks",
        "boolean",
        "false",
        'coach mode: with the voice on, say each athlete\'s mark as it is taken ("Ana 71"), '
        "where it does not collide with a cue",
        flag="the `V` key on the group screen",
    ),
    KeyDoc(
        "runner",
        'table: race = "distance time"',
        'race = "" (none)',
        'your recent race, e.g. race = "5k 19:57": presets\' race-derived targets ("5k", "I") '
        "become paces from it",
        flag="--race, ctrl+t in the menu",
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
    KeyDoc(
        "phrases",
        "table: moment = phrase template",
        "the phrases in the created file",
        'what the voice says at each moment, with placeholders such as {rep}; "" switches '
        "that phrase off",
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
    voice: bool = False
    voice_command: tuple[str, ...] = DEFAULT_VOICE_COMMAND
    voice_name: str = DEFAULT_VOICE_NAME
    voice_speed: int = DEFAULT_VOICE_SPEED
    speak_marks: bool = False
    sounds: dict[str, str] = field(default_factory=dict)  # cue name -> WAV path
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> keys ("space,p")
    phrases: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PHRASES))
    race: Race | None = None  # [runner] race: symbolic targets are resolved from it
    file: Path | None = None  # where they were read from, for messages
    from_file: frozenset[str] = frozenset()  # keys the file set validly, for `config show`


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
            f"{path}: {key}: expected {expected}, got {describe_value(data[key])}; "
            f"using the default {default}"
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
    for key in ("halfway", "mute", "voice", "speak_marks"):
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
    if "voice_command" in data:
        argv, problem = _voice_command(data["voice_command"])
        if problem is None:
            values["voice_command"] = argv
        else:
            problems.append(
                f"{path}: voice_command: {problem}, got {describe_value(data['voice_command'])}; "
                "using the default (espeak-ng)"
            )
    if "voice_name" in data:
        v = data["voice_name"]
        if isinstance(v, str) and v.strip():
            values["voice_name"] = v.strip()
        else:
            bad("voice_name", 'a voice name such as "en-us"', f'"{DEFAULT_VOICE_NAME}"')
    if "voice_speed" in data:
        v = data["voice_speed"]
        if _is_int(v) and MIN_VOICE_SPEED <= v <= MAX_VOICE_SPEED:
            values["voice_speed"] = v
        else:
            bad(
                "voice_speed",
                f"words per minute {MIN_VOICE_SPEED}-{MAX_VOICE_SPEED}",
                str(DEFAULT_VOICE_SPEED),
            )
    if "phrases" in data:
        phrases, phrase_problems = _phrases(data["phrases"], path)
        problems += phrase_problems
        if phrases:
            values["phrases"] = {**DEFAULT_PHRASES, **phrases}
    if "runner" in data:
        race, runner_problems = _runner(data["runner"], path)
        problems += runner_problems
        if race is not None:
            values["race"] = race
    for table in ("sounds", "keys"):
        if table not in data:
            continue
        raw = data[table]
        if not isinstance(raw, dict):
            problems.append(
                f"{path}: {table}: expected a table [{table}], got {describe_value(raw)}; ignored"
            )
            continue
        good = {}
        for k, v in raw.items():
            if isinstance(v, str) and v.strip():
                good[k] = v.strip()
            else:
                problems.append(
                    f"{path}: {table}.{k}: expected a non-empty string, "
                    f"got {describe_value(v)}; ignored"
                )
        values[table] = good
    from_file = frozenset(
        {"get_ready_s": "get_ready", "race": "runner"}.get(k, k)
        for k, v in values.items()
        if k not in ("sounds", "keys") or v
    )
    if isinstance(data.get("runner"), dict) and data["runner"].get("race") == "":
        from_file |= {"runner"}  # race = "" says "no race" on purpose
    return Settings(**values, file=path, from_file=from_file), problems


def _runner(raw: object, path: Path) -> tuple[Race | None, list[str]]:
    """[runner] race = "5k 19:57"; "" means no race. A bad race is reported, never fatal."""
    if not isinstance(raw, dict):
        return None, [
            f"{path}: runner: expected a table [runner], got {describe_value(raw)}; ignored"
        ]
    problems = []
    for key in raw:
        if key != "race":
            problems.append(f"{path}: runner.{key}: unknown setting; known: race; ignored")
    if "race" not in raw or raw["race"] == "":
        return None, problems
    value = raw["race"]
    try:
        return parse_race(value), problems
    except PaceError as exc:
        problems.append(f"{path}: runner.race: {exc}; no race is used")
        return None, problems


def _voice_command(value: object) -> tuple[tuple[str, ...], str | None]:
    """The command as an argv tuple, or why it cannot be one. A string is split like a shell."""
    expected = 'expected a list of strings, e.g. ["espeak-ng", "-w", "{file}", "{text}"]'
    if isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError as exc:
            return (), f"{expected} ({exc})"
    if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
        return (), expected
    argv = tuple(value)
    if not argv[0].strip():
        return (), f"{expected} (the program name is empty)"
    joined = " ".join(argv)
    unknown = sorted(set(re.findall(r"\{(\w*)\}", joined)) - set(VOICE_COMMAND_FIELDS))
    if unknown:
        return (), (
            f"{expected} with the placeholders {{text}}, {{file}}, {{voice}}, {{speed}} "
            f"(unknown: {', '.join('{' + u + '}' for u in unknown)})"
        )
    missing = [f"{{{f}}}" for f in ("text", "file") if "{" + f + "}" not in joined]
    if missing:
        return (), f"{expected} that holds {' and '.join(missing)}"
    return argv, None


def _phrases(raw: object, path: Path) -> tuple[dict[str, str], list[str]]:
    """The valid [phrases] entries and a message for each bad one (which keeps its default)."""
    from speedtimer.core.announce import template_problem  # only a file with [phrases]

    if not isinstance(raw, dict):
        return {}, [
            f"{path}: phrases: expected a table [phrases], got {describe_value(raw)}; ignored"
        ]
    good: dict[str, str] = {}
    problems = []
    for key, value in raw.items():
        if key not in PHRASE_KEYS:
            hint = difflib.get_close_matches(key, PHRASE_KEYS, n=1, cutoff=0.6)
            extra = f"did you mean {hint[0]!r}? " if hint else ""
            problems.append(
                f"{path}: phrases.{key}: no phrase has that name; {extra}"
                f"phrases: {', '.join(PHRASE_KEYS)}; ignored"
            )
            continue
        default = f"using the default {DEFAULT_PHRASES[key]!r}"
        if not isinstance(value, str):
            problems.append(
                f'{path}: phrases.{key}: expected a string ("" switches it off), got '
                f"{describe_value(value)}; {default}"
            )
            continue
        problem = template_problem(key, value)
        if problem:
            problems.append(f"{path}: phrases.{key}: {problem}; got {value!r}; {default}")
            continue
        good[key] = value
    return good, problems


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


# --- checks that need what the layers above know (Textual's themes, the UI's bindings) ---


def theme_problem(settings: Settings, available: Iterable[str]) -> str | None:
    """A theme name Textual does not know; `available` comes from the UI (the running app's
    themes, or Textual's built-in ones), which alone imports Textual."""
    available = set(available)
    if settings.theme in available:
        return None
    hint = difflib.get_close_matches(settings.theme, sorted(available), n=1)
    extra = f" (did you mean {hint[0]!r}?)" if hint else ""
    return (
        f"{settings.file}: theme: expected a Textual theme name{extra}, one of "
        f"{', '.join(sorted(available))}; got {settings.theme!r}; using {DEFAULT_THEME}"
    )


def key_problems(settings: Settings, known: Mapping[str, object]) -> list[str]:
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


def voice_problem(settings: Settings, path: str | None = None) -> str | None:
    """With the voice on, a speech command that is not there to run."""
    import shutil

    if not settings.voice or shutil.which(settings.voice_command[0], path=path) is not None:
        return None
    name = settings.voice_command[0]
    hint = " (sudo apt-get install espeak-ng)" if Path(name).name == "espeak-ng" else ""
    return (
        f"{settings.file}: voice_command: the speech command {name!r} was not found{hint}; "
        "the voice stays silent (beeps only) until it is installed"
    )


NOTICE_NAMES = 4  # settings named in the start-up notice; the rest are counted
_PROBLEM_KEY = re.compile(r"^([A-Za-z_][\w.-]{0,40}): ")
_HINT = re.compile(r"did you mean ('[^']{1,40}')\?")
# a [keys] entry that takes a key from another binding (tui/keymap.py's key_conflicts)
_TAKES = re.compile(r"^(keys\.[\w-]{1,40}) = .{1,80}? takes (\S{1,40}) from ('[\w-]{1,40}')")


def problems_notice(problems: list[str], file: Path | None) -> str:
    """The one short notice the app shows for all the settings' problems: which settings, a
    "did you mean" where there is one, and where to read each problem in full.

    Five separate notices showed only the last one or two, and one bad key name listed every
    binding id over half the screen; `speedtimer config show` has the room for all of that.
    """
    prefix = f"{file}: " if file is not None else ""
    names: list[str] = []
    moved = 0
    for problem in problems:
        rest = problem[len(prefix) :] if prefix and problem.startswith(prefix) else ""
        key = _PROBLEM_KEY.match(rest)
        takes = _TAKES.match(rest)
        if takes:  # which binding lost the key is the point: said here, not only in full
            name = f"{takes.group(1)} (takes {takes.group(2)} from {takes.group(3)})"
            moved += 1
        else:
            name = key.group(1) if key else "the file"
            hint = _HINT.search(problem)
            name += f" (did you mean {hint.group(1)}?)" if hint else ""
        if name not in names:
            names.append(name)
    shown = ", ".join(names[:NOTICE_NAMES])
    if len(names) > NOTICE_NAMES:
        shown += f" and {len(names) - NOTICE_NAMES} more"
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    where = f" in {file}" if file is not None else ""
    if not moved:
        applied = "Defaults apply there"
    elif moved == len(problems):
        # a conflict is applied, not defaulted
        applied = "The key is moved as asked" if moved == 1 else "The keys are moved as asked"
    else:
        applied = "Defaults apply there (keys taken from another binding are moved as asked)"
    return f"Settings: {count}{where}: {shown}. {applied}; " + (
        "`speedtimer config show` lists each problem in full."
    )


def deep_problems(
    settings: Settings,
    *,
    known_bindings: Mapping[str, object],
    themes: Iterable[str],
    sound_messages: Iterable[str] = (),
    key_conflicts: Iterable[str] = (),
) -> list[str]:
    """Everything `load_settings` cannot see cheaply: theme names, binding ids, sound files,
    the speech command. The layers above hand down what only they know (the UI's binding ids,
    the sound layer's verdict on the files), so settings never import the UI or the audio."""
    problems = []
    theme = theme_problem(settings, themes)
    if theme:
        problems.append(theme)
    problems += key_problems(settings, dict(known_bindings))
    problems += list(key_conflicts)  # found by the UI layer (tui/keymap.py)
    problems += [f"{settings.file}: sounds: {m}" for m in sound_messages]
    voice = voice_problem(settings)
    if voice:
        problems.append(voice)
    return problems
