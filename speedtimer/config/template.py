"""The settings file as first created: every setting commented out at its default.

The file documents itself, so a runner who opens it (`speedtimer config edit`) sees every
setting, what it does and what it is now, without looking anything up. It is written once, when
missing, and never again: a user's file is theirs.
"""

from __future__ import annotations

import os
from pathlib import Path

import tomli_w

from speedtimer.config.settings import (
    DEFAULT_COUNTDOWN,
    DEFAULT_GET_READY_S,
    DEFAULT_THEME,
    DEFAULT_VOICE_COMMAND,
    DEFAULT_VOICE_NAME,
    DEFAULT_VOICE_SPEED,
    KEY_DOCS,
)
from speedtimer.core.announce import FINISH_PLACEHOLDERS, PHRASE_MEANINGS, STEP_PLACEHOLDERS
from speedtimer.core.phrases import DEFAULT_PHRASES, PHRASE_KEYS
from speedtimer.files import atomic_write

HEADER = """\
# speedtimer settings.
#
# Every setting is listed below, commented out at its default. To change one, remove the "# "
# in front of it and edit the value. A bad value is reported (file, key, what was expected)
# and only that setting falls back to its default. speedtimer never rewrites this file, except
# the [runner] race line when you set your race in the app (ctrl+t in the menu).
#
# Precedence: command-line flag > environment variable > this file > default.
# `speedtimer config show` prints the settings in effect and where each one comes from;
# `speedtimer config edit` opens this file and checks it when you close the editor.
# Folders: "~" is your home folder; a relative folder is relative to this file's folder.
"""


def _line(key: str, value: object) -> str:
    """`key = value` on one line: tomli-w would spread a long list over several."""
    if isinstance(value, list) and value:
        items = (tomli_w.dumps({"x": v}).strip().removeprefix("x = ") for v in value)
        return f"{key} = [{', '.join(items)}]"
    return tomli_w.dumps({key: value}).strip()


def _home_short(path: Path) -> str:
    """The default data folder as `~/...`, so the file reads the same for any user name."""
    home = Path(os.path.expanduser("~"))
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return str(path)


def settings_template(
    *, default_data_dir: Path, sounds_dir: Path, bindings: dict[str, tuple[str, str]]
) -> str:
    values: dict[str, object] = {
        "get_ready": DEFAULT_GET_READY_S,
        "countdown": DEFAULT_COUNTDOWN,
        "halfway": False,
        "mute": False,
        "theme": DEFAULT_THEME,
        "data_dir": _home_short(default_data_dir),
        "presets_dirs": [],
        "voice": False,
        "voice_command": list(DEFAULT_VOICE_COMMAND),
        "voice_name": DEFAULT_VOICE_NAME,
        "voice_speed": DEFAULT_VOICE_SPEED,
        "speak_marks": False,
    }
    out = [HEADER]
    for doc in KEY_DOCS:
        overrides = ", ".join(x for x in (doc.flag, doc.env) if x)
        out.append(f"# {doc.meaning}" + (f"  [{overrides}]" if overrides else ""))
        if doc.name == "sounds":
            from speedtimer.core.cues import CUE_NAMES

            out.append("# [sounds]")
            for cue in CUE_NAMES:
                out.append("# " + _line(cue, str(Path(sounds_dir) / f"{cue}.wav")))
        elif doc.name == "keys":
            out.append("# [keys]")
            for bid, (keys, description) in bindings.items():
                out.append(f"# {_line(bid, keys):<32} # {description}")
        elif doc.name == "phrases":
            out += _phrases_section()
        elif doc.name == "runner":
            out.append("# [runner]")
            out.append('# race = ""')
        else:
            out.append("# " + _line(doc.name, values[doc.name]))
        out.append("")
    return "\n".join(out)


def _phrases_section() -> list[str]:
    def names(fields: tuple[str, ...]) -> str:
        return " ".join("{" + f + "}" for f in fields)

    lines = [
        f"# placeholders: {names(STEP_PLACEHOLDERS)}; in `finished`: {names(FINISH_PLACEHOLDERS)}",
        "# a sentence whose placeholder has no value (no {rep} outside a repeat) is left out",
        "# [phrases]",
    ]
    for key in PHRASE_KEYS:
        lines.append(f"# {_line(key, DEFAULT_PHRASES[key]):<46} # {PHRASE_MEANINGS[key]}")
    return lines


def create_settings_file(
    path: Path, *, sounds_dir: Path, bindings: dict[str, tuple[str, str]]
) -> bool:
    """Write the commented template if there is no file yet; True if it was written.

    `bindings` (id -> keys, description) comes from the UI, which alone knows them.
    Exclusive creation: a file that appears meanwhile (another speedtimer, the user's editor)
    is never overwritten. Failing to write is not an error: defaults apply either way.
    """
    import platformdirs

    from speedtimer.config.paths import APP_NAME

    path = Path(path)
    if path.exists():
        return False
    text = settings_template(
        default_data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        sounds_dir=sounds_dir,
        bindings=bindings,
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Atomically: a full disk or a kill leaves no file (the next start tries again),
        # never a cut one that would then stay for good.
        atomic_write(path, text, exclusive=True)
    except OSError:
        return False
    return True
