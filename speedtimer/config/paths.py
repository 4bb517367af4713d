"""Where speedtimer reads and writes: every folder can be moved by a CLI flag, an env variable
or (data and preset folders) the settings file.

Tests (and careful users) point everything at temp folders, so nothing here may fall back to
the real home folder when an override is given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "speedtimer"
ENV_DATA_DIR = "SPEEDTIMER_DATA_DIR"
ENV_CONFIG_DIR = "SPEEDTIMER_CONFIG_DIR"
ENV_PRESETS_DIR = "SPEEDTIMER_PRESETS_DIR"  # extra preset folders, os.pathsep-separated
ENV_CACHE_DIR = "SPEEDTIMER_CACHE_DIR"
SETTINGS_FILE_NAME = "settings.toml"

_PACKAGE = Path(__file__).resolve().parents[1]  # the speedtimer package folder


def _bundled(name: str) -> Path:
    """Inside an installed wheel the data sits in speedtimer/_bundled; in a checkout, at the top."""
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def bundled_presets_dir() -> Path:
    return _bundled("presets")


def sounds_dir() -> Path:
    return _bundled("sounds")


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    extra_presets_dirs: tuple[Path, ...] = field(default_factory=tuple)
    cache_dir: Path | None = None  # None: a "cache" folder in the data folder

    @property
    def cache_root(self) -> Path:
        """Files that can be made again (the rendered speech): safe to delete at any time."""
        return self.cache_dir if self.cache_dir is not None else self.data_dir / "cache"

    @property
    def speech_cache_dir(self) -> Path:
        return self.cache_root / "speech"

    @property
    def user_presets_dir(self) -> Path:
        return self.config_dir / "presets"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / SETTINGS_FILE_NAME

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def spare_pending_dir(self) -> Path:
        """Sessions that cannot be kept beside the history (its folder read-only or full) wait
        here, in another user folder, to go into it at the next start."""
        return self.config_dir / "pending-history"

    @property
    def exports_dir(self) -> Path:
        """Where the history screen writes a session's FIT or TCX activity file."""
        return self.data_dir / "exports"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "speedtimer.log"

    @property
    def bundled_presets_dir(self) -> Path:
        return bundled_presets_dir()

    @property
    def sounds_dir(self) -> Path:
        return sounds_dir()

    @classmethod
    def resolve(
        cls,
        *,
        data_dir: str | Path | None = None,
        config_dir: str | Path | None = None,
        presets_dirs: list[str | Path] | None = None,
        cache_dir: str | Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Paths:
        """Flags win over env variables, which win over the settings file, which wins over the
        platform's per-user folders."""
        return resolve_paths(
            data_dir=data_dir,
            config_dir=config_dir,
            presets_dirs=presets_dirs,
            cache_dir=cache_dir,
            env=env,
        )[0]


def resolve_paths(
    *,
    data_dir: str | Path | None = None,
    config_dir: str | Path | None = None,
    presets_dirs: list[str | Path] | None = None,
    cache_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[Paths, dict[str, str]]:
    """The folders and where each came from ("flag", "env", "file" or "default").

    The config folder cannot come from the settings file, which lives in it. The file is read
    only when a flag or variable leaves a folder open; its problems are reported by whoever
    loads the settings for use (the app, `run --plain`, `config show`), not here.
    """
    env = os.environ if env is None else env
    sources: dict[str, str] = {}

    config, sources["config_dir"] = _flag_env_or_platform(config_dir, env, ENV_CONFIG_DIR, "config")

    file_settings = None

    def from_file():
        nonlocal file_settings
        if file_settings is None:
            from speedtimer.config.settings import load_settings

            file_settings = load_settings(config / SETTINGS_FILE_NAME)[0]
        return file_settings

    if data_dir:
        data, sources["data_dir"] = Path(data_dir).expanduser(), "flag"
    elif env.get(ENV_DATA_DIR):
        data, sources["data_dir"] = Path(env[ENV_DATA_DIR]).expanduser(), "env"
    elif from_file().data_dir is not None:
        data, sources["data_dir"] = from_file().data_dir, "file"
    else:
        data, sources["data_dir"] = _platform_dir("data"), "default"

    env_extra = [p for p in env.get(ENV_PRESETS_DIR, "").split(os.pathsep) if p]
    if presets_dirs:
        extra, sources["presets_dirs"] = [Path(p).expanduser() for p in presets_dirs], "flag"
    elif env_extra:
        extra, sources["presets_dirs"] = [Path(p).expanduser() for p in env_extra], "env"
    elif from_file().presets_dirs:
        extra, sources["presets_dirs"] = list(from_file().presets_dirs), "file"
    else:
        extra, sources["presets_dirs"] = [], "default"

    cache, sources["cache_dir"] = _flag_env_or_platform(cache_dir, env, ENV_CACHE_DIR, "cache")

    paths = Paths(
        config_dir=config, data_dir=data, extra_presets_dirs=tuple(extra), cache_dir=cache
    )
    return paths, sources


def _flag_env_or_platform(
    flag: str | Path | None, env: Mapping[str, str], var: str, which: str
) -> tuple[Path, str]:
    """A folder that the settings file cannot set: the flag, else the variable, else the
    platform's per-user folder, with where it came from."""
    if flag:
        return Path(flag).expanduser(), "flag"
    if env.get(var):
        return Path(env[var]).expanduser(), "env"
    return _platform_dir(which), "default"


def _platform_dir(which: str) -> Path:
    import platformdirs

    if which == "config":
        return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    if which == "cache":
        return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
