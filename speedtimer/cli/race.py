"""The race in effect for a command: --race on its line, else the settings' [runner] race.

Shared by `presets show`, `presets export` (and `run`, which also takes --target), so that each
reads and refuses a race the same way.
"""

from __future__ import annotations

import argparse


class RaceRefused(Exception):
    """--race was given and is not a race the model can use."""


def race_in_effect(args: argparse.Namespace, paths):
    """--race on the line, else the settings file's [runner] race, else None."""
    from speedtimer.core.paces import PaceError, parse_race

    if getattr(args, "race", None) is not None:
        try:
            return parse_race(args.race)
        except PaceError as exc:
            raise RaceRefused(f"--race: {exc}") from None
    from speedtimer.config.settings import load_settings

    return load_settings(paths.settings_file)[0].race
