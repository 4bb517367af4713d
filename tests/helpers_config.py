"""The settings checks as the app and `config show` run them: the real binding ids of the app
and the real verdict of the sound layer on the [sounds] files, handed down to the settings."""

from __future__ import annotations

from pathlib import Path

from textual.theme import BUILTIN_THEMES

from speedtimer.config.settings import Settings, deep_problems
from speedtimer.sound.audio import resolve_cue_files
from speedtimer.tui.app import SpeedTimerApp
from speedtimer.tui.keymap import binding_ids


def app_bindings() -> dict[str, tuple[str, str]]:
    return binding_ids(SpeedTimerApp)


def deep_check(settings: Settings, sounds_dir: Path) -> list[str]:
    _, messages = resolve_cue_files(sounds_dir, settings.sounds)
    return deep_problems(
        settings, known_bindings=app_bindings(), themes=BUILTIN_THEMES, sound_messages=messages
    )
