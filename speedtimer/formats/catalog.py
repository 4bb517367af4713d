"""All presets the user can pick: bundled, the user's own folder and any extra folders.

A broken file shows up as a `BrokenPreset` entry beside the good ones; nothing here raises for a
bad preset, so one bad file can never hide the rest.

This is where presets are loaded to be run, so this is where the user's default `countdown` and
`halfway` (settings file) fill in what a preset left out. Loading a single file elsewhere
(`load_preset`, validation, saving) stays free of anybody's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from speedtimer.config.paths import Paths
from speedtimer.core.preset import BrokenPreset, Preset, PresetError
from speedtimer.formats.preset_toml import load_folder, load_preset

if TYPE_CHECKING:
    from speedtimer.config.settings import Settings


@dataclass(frozen=True)
class Catalog:
    entries: tuple[Preset | BrokenPreset, ...]
    countdown: int = 3  # defaults for presets that do not set these keys
    halfway: bool = False

    def _defaults(self, preset: Preset) -> Preset:
        return preset.with_defaults(countdown=self.countdown, halfway=self.halfway)

    @property
    def presets(self) -> list[Preset]:
        return [e for e in self.entries if isinstance(e, Preset)]

    @property
    def broken(self) -> list[BrokenPreset]:
        return [e for e in self.entries if isinstance(e, BrokenPreset)]

    def find(self, name_or_path: str) -> Preset:
        """By file path, then exact name (any case), then a unique name prefix or file stem."""
        try:
            path = Path(name_or_path).expanduser()
        except RuntimeError:  # "~nobody/x.toml": no home folder known for that user
            path = Path(name_or_path)
        if name_or_path.endswith(".toml") or path.is_file():
            return self._defaults(load_preset(path))
        wanted = name_or_path.strip().casefold()
        presets = self.presets
        for matcher in (
            lambda p: p.name.casefold() == wanted,
            lambda p: p.source is not None and p.source.stem.casefold() == wanted,
            lambda p: p.name.casefold().startswith(wanted),
        ):
            hits = [p for p in presets if matcher(p)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                names = ", ".join(repr(p.name) for p in hits)
                raise PresetError(f"{name_or_path!r} matches several presets: {names}")
        for broken in self.broken:
            if wanted in (broken.display_name.casefold(), broken.source.stem.casefold()):
                raise broken.error
        raise PresetError(
            f"no preset called {name_or_path!r}; `speedtimer presets list` shows the names"
        )


def load_catalog(paths: Paths, settings: Settings | None = None) -> Catalog:
    """`settings` None: read them from the settings file (its problems are reported by
    whoever loads the settings for use, so none are lost by ignoring them here)."""
    if settings is None:
        from speedtimer.config.settings import load_settings

        settings, _ = load_settings(paths.settings_file)
    entries: list[Preset | BrokenPreset] = []
    entries += load_folder(paths.bundled_presets_dir, bundled=True)
    seen = {paths.bundled_presets_dir.resolve()}
    for folder in (paths.user_presets_dir, *paths.extra_presets_dirs):
        try:
            key = folder.resolve()
        except (OSError, ValueError):  # ValueError: a NUL in the name; no such folder exists
            continue
        if key in seen:
            continue
        seen.add(key)
        entries += load_folder(folder)
    defaults = {"countdown": settings.countdown, "halfway": settings.halfway}
    return Catalog(
        tuple(e if isinstance(e, BrokenPreset) else e.with_defaults(**defaults) for e in entries),
        **defaults,
    )
