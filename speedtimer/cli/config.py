"""`speedtimer config path|show|edit`: find, inspect and change the settings file.

`show` answers "why is it doing that?": every setting in effect and whether it came from a
flag, an environment variable, the file or the default. `edit` checks the file as soon as the
editor closes, so a mistake is found at the desk and not at the track.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

PROG = "speedtimer"
FALLBACK_EDITORS = ("nano", "vi", "vim")


def add_config_commands(sub) -> None:
    config = sub.add_parser("config", help="the settings file: path, show, edit")
    csub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    p = csub.add_parser("path", help="print the settings file's path")
    p.set_defaults(func=cmd_config_path)
    p = csub.add_parser(
        "show", help="the settings in effect, each with where it comes from; exit 1 on problems"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_config_show)
    p = csub.add_parser(
        "edit",
        help="open the settings file in $VISUAL / $EDITOR (created first if missing), "
        "then check it; exit 1 on problems",
    )
    p.set_defaults(func=cmd_config_edit)


def _resolve(args: argparse.Namespace):
    from speedtimer.config.paths import resolve_paths

    return resolve_paths(
        data_dir=args.data_dir,
        config_dir=args.config_dir,
        presets_dirs=args.presets_dir,
        cache_dir=getattr(args, "cache_dir", None),
    )


def _binding_ids() -> dict[str, tuple[str, str]]:
    from speedtimer.tui.app import SpeedTimerApp
    from speedtimer.tui.keymap import binding_ids

    return binding_ids(SpeedTimerApp)


def _key_conflicts(settings) -> list[str]:
    """Keys a [keys] entry takes from another binding of the same screen (tui/keymap.py)."""
    from speedtimer.tui.app import SpeedTimerApp
    from speedtimer.tui.keymap import key_conflicts

    return key_conflicts(settings.keys, settings.file, SpeedTimerApp)


def _warn(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def cmd_config_path(args: argparse.Namespace) -> int:
    paths, _ = _resolve(args)
    print(paths.settings_file)
    if not paths.settings_file.exists():
        _warn("the file does not exist yet: the app or `speedtimer config edit` creates it")
    return 0


def effective_settings(args: argparse.Namespace) -> tuple[list[tuple[str, object, str]], list[str]]:
    """(key, value, source) rows and the problems found, for `config show`."""
    from dataclasses import replace
    from pathlib import Path

    from speedtimer.config.settings import (
        DEFAULT_THEME,
        deep_problems,
        load_settings,
        theme_problem,
    )
    from speedtimer.core.phrases import DEFAULT_PHRASES
    from speedtimer.sound.audio import resolve_cue_files

    paths, sources = _resolve(args)
    settings, problems = load_settings(paths.settings_file)

    def src(key: str, flag_value: object = None) -> str:
        if flag_value is not None:
            return "flag"
        return "file" if key in settings.from_file else "default"

    from textual.theme import BUILTIN_THEMES

    theme_bad = theme_problem(settings, BUILTIN_THEMES)
    known_ids = _binding_ids()
    files, sound_messages = resolve_cue_files(paths.sounds_dir, settings.sounds)
    get_ready = settings.get_ready_s if args.get_ready is None else args.get_ready
    mute = settings.mute if args.mute is None else args.mute
    voice = settings.voice if getattr(args, "voice", None) is None else args.voice
    problems += deep_problems(
        replace(settings, voice=voice),
        known_bindings=known_ids,
        themes=BUILTIN_THEMES,
        sound_messages=sound_messages,
        key_conflicts=_key_conflicts(settings),
    )
    rows: list[tuple[str, object, str]] = [
        ("config_dir", str(paths.config_dir), sources["config_dir"]),
        ("get_ready", get_ready, src("get_ready", args.get_ready)),
        ("countdown", settings.countdown, src("countdown")),
        ("halfway", settings.halfway, src("halfway")),
        ("mute", mute, src("mute", args.mute)),
        (
            "theme",
            DEFAULT_THEME if theme_bad else settings.theme,
            "default" if theme_bad else src("theme"),
        ),
        ("data_dir", str(paths.data_dir), sources["data_dir"]),
        ("presets_dirs", [str(p) for p in paths.extra_presets_dirs], sources["presets_dirs"]),
        ("cache_dir", str(paths.cache_root), sources["cache_dir"]),
        ("voice", voice, src("voice", getattr(args, "voice", None))),
        ("voice_command", list(settings.voice_command), src("voice_command")),
        ("voice_name", settings.voice_name, src("voice_name")),
        ("voice_speed", settings.voice_speed, src("voice_speed")),
        ("speak_marks", settings.speak_marks, src("speak_marks")),
    ]
    if settings.race is not None:
        race = settings.race
        rows.append(("runner.race", f"{race.text} (VDOT {race.vdot:.1f})", "file"))
    for cue, raw in settings.sounds.items():
        if files.get(cue) == Path(raw).expanduser().resolve():
            rows.append((f"sounds.{cue}", str(files[cue]), "file"))
    for bid, keys in settings.keys.items():
        if bid in known_ids:
            rows.append((f"keys.{bid}", keys, "file"))
    for key, text in settings.phrases.items():
        if text != DEFAULT_PHRASES[key]:
            rows.append((f"phrases.{key}", text, "file"))
    return rows, problems


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def cmd_config_show(args: argparse.Namespace) -> int:
    paths, _ = _resolve(args)
    rows, problems = effective_settings(args)
    if args.json:
        print(
            json.dumps(
                {
                    "file": str(paths.settings_file),
                    "file_exists": paths.settings_file.exists(),
                    "settings": {k: {"value": v, "from": s} for k, v, s in rows},
                    "problems": problems,
                },
                indent=2,
            )
        )
    else:
        state = "" if paths.settings_file.exists() else " (not created yet)"
        print(f"# {paths.settings_file}{state}")
        values = [_toml_value(v) for _, v, _ in rows]
        w0 = max(len(k) for k, _, _ in rows)
        w1 = max(len(v) for v in values)
        for (key, _, source), value in zip(rows, values, strict=True):
            print(f"{key:<{w0}} = {value:<{w1}}  # {source}")
    for p in problems:
        _warn(f"warning: {p}")
    return 1 if problems else 0


def choose_editor(env=None) -> list[str] | None:
    """$VISUAL, then $EDITOR (either may carry arguments, e.g. "code -w"), then a common one."""
    import shlex
    import shutil

    env = os.environ if env is None else env
    for var in ("VISUAL", "EDITOR"):
        value = env.get(var, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return [value]
    candidates = ("notepad",) if sys.platform == "win32" else FALLBACK_EDITORS
    for name in candidates:
        found = shutil.which(name)
        if found:
            return [found]
    return None


def cmd_config_edit(args: argparse.Namespace) -> int:
    import subprocess

    from speedtimer.config.template import create_settings_file

    paths, _ = _resolve(args)
    file = paths.settings_file
    if create_settings_file(file, sounds_dir=paths.sounds_dir, bindings=_binding_ids()):
        _warn(f"created {file}, every setting commented out at its default")
    if not file.exists():
        _warn(f"error: cannot create {file}: check that its folder is writable")
        return 1
    editor = choose_editor()
    if editor is None:
        _warn(f"error: no editor found: set $VISUAL or $EDITOR, or edit {file} by hand")
        return 1
    try:
        status = subprocess.call([*editor, str(file)])
    except OSError as exc:
        _warn(f"error: cannot start the editor {editor[0]!r}: {exc.strerror or exc}")
        return 1
    if status != 0:
        _warn(f"warning: the editor {editor[0]!r} exited with status {status}")
    _, problems = effective_settings(args)
    for p in problems:
        _warn(f"warning: {p}")
    if problems:
        _warn(
            f"{len(problems)} problem(s) in {file}: those settings use their defaults until "
            "fixed (`speedtimer config edit` again)"
        )
        return 1
    print(f"{file}: no problems")
    return 0
