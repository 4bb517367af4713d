"""All presets the user can pick: bundled, the user's own folder and any extra folders.

A broken file shows up as a broken entry beside the good ones; nothing here raises for a
bad preset, so one bad file can never hide the rest.

The catalog holds a `Summary` per file (formats/preset_index.py: what the menu and the listing
show, from the cached index when the file has not changed); a preset is read in full only when
asked for (`load`, `find`), from the file as it is at that moment. That is also where the
user's default `countdown` and `halfway` (settings file) fill in what a preset left out.
Loading a single file elsewhere (`load_preset`, validation, saving) stays free of anybody's
settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from speedtimer.config.paths import Paths
from speedtimer.core.preset import BrokenPreset, Preset, PresetError
from speedtimer.formats.preset_index import INDEX_FILE_NAME, IndexRun, Summary

if TYPE_CHECKING:
    from speedtimer.config.settings import Settings
    from speedtimer.core.paces import Race


@dataclass(frozen=True)
class Catalog:
    entries: tuple[Summary, ...]
    countdown: int = 3  # defaults for presets that do not set these keys
    halfway: bool = False
    complete: bool = True  # False: still loading, or a listing's budget ran out
    unchecked: int = field(default=0)  # files known by their first lines only

    def _defaults(self, preset: Preset) -> Preset:
        return preset.with_defaults(countdown=self.countdown, halfway=self.halfway)

    def load(self, entry: Summary) -> Preset:
        """The preset in full, read now from its file (PresetError if it is broken now)."""
        from speedtimer.formats.preset_toml import load_preset  # not for the index's list

        return self._defaults(load_preset(entry.path, bundled=entry.bundled))

    def for_race(self, entry: Summary, race: Race | None) -> Summary:
        """`entry` with its totals worked out for the runner's race when some of its targets
        come from it ("5k pace"); the index counts those as without a pace. The file is read
        in full for that (few presets say "5k pace"); as listed if it cannot be read now."""
        if race is None or not entry.race_derived or entry.broken or not entry.checked:
            return entry
        from speedtimer.core.schedule import build_schedule
        from speedtimer.core.targets import session_preset

        try:
            preset = self.load(entry)
        except PresetError:
            return entry  # broken since it was listed: the next look at the folders says so
        sched = build_schedule(session_preset(preset, race)[0])
        totals = sched.totals
        return replace(
            entry,
            estimate_s=totals.seconds,
            total_label=totals.label,
            is_estimate=totals.is_estimate,
            left_out=bool(totals.left_out),
            work_reps=sched.work_reps,
            work_s=sched.work_s,
        )

    @property
    def good(self) -> list[Summary]:
        return [e for e in self.entries if not e.broken]

    @property
    def presets(self) -> list[Preset]:
        """Every good preset read in full (slow for big folders: the menu uses `good`)."""
        out = []
        for entry in self.good:
            try:
                out.append(self.load(entry))
            except PresetError:
                continue  # broken since it was listed
        return out

    @property
    def broken(self) -> list[BrokenPreset]:
        return [e.as_broken() for e in self.entries if e.broken]

    def find(self, name_or_path: str) -> Preset:
        """By file path, then exact name (any case), then a unique name prefix or file stem."""
        try:
            path = Path(name_or_path).expanduser()
        except RuntimeError:  # "~nobody/x.toml": no home folder known for that user
            path = Path(name_or_path)
        if name_or_path.endswith(".toml") or path.is_file():
            from speedtimer.formats.preset_toml import load_preset

            return self._defaults(load_preset(path))
        wanted = name_or_path.strip().casefold()
        good = self.good
        for matcher in (
            lambda p: p.name.casefold() == wanted,
            lambda p: p.path.stem.casefold() == wanted,
            lambda p: p.name.casefold().startswith(wanted),
        ):
            hits = [p for p in good if matcher(p)]
            if len(hits) == 1:
                return self.load(hits[0])
            if len(hits) > 1:
                names = ", ".join(repr(p.name) for p in hits)
                raise PresetError(f"{name_or_path!r} matches several presets: {names}")
        for broken in self.broken:
            if wanted in (broken.display_name.casefold(), broken.source.stem.casefold()):
                raise broken.error
        raise PresetError(
            f"no preset called {name_or_path!r}; `speedtimer presets list` shows the names"
        )


def preset_folders(paths: Paths) -> list[tuple[Path, bool]]:
    """The folders in the order their presets are listed, each with: bundled?"""
    return [
        (paths.bundled_presets_dir, True),
        (paths.user_presets_dir, False),
        *((folder, False) for folder in paths.extra_presets_dirs),
    ]


def index_file(paths: Paths) -> Path:
    return paths.cache_root / INDEX_FILE_NAME


def load_catalog(
    paths: Paths,
    settings: Settings | None = None,
    *,
    budget_s: float | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[[Catalog], None] | None = None,
) -> Catalog:
    """`settings` None: read them from the settings file (its problems are reported by
    whoever loads the settings for use, so none are lost by ignoring them here).

    `budget_s`: read changed files in full for about this long, the rest by their first
    lines (`Catalog.unchecked`). `on_progress` gets the catalog so far while files are read.
    """
    if settings is None:
        from speedtimer.config.settings import load_settings

        settings, _ = load_settings(paths.settings_file)
    defaults = {"countdown": settings.countdown, "halfway": settings.halfway}

    def progress(entries: list[Summary], total: int) -> None:
        if on_progress is not None:
            on_progress(Catalog(tuple(entries), **defaults, complete=False))

    run = IndexRun(
        preset_folders(paths),
        index_file(paths),
        budget_s=budget_s,
        cancelled=cancelled,
        on_progress=progress,
    )
    entries = run.run()
    unchecked = sum(not e.checked for e in entries)
    complete = not unchecked and len(entries) == run.total
    return Catalog(tuple(entries), **defaults, complete=complete, unchecked=unchecked)
