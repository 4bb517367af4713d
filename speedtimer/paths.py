"""Where speedtimer reads and writes: every folder can be moved by a CLI flag or an env variable.

Tests (and careful users) point everything at temp folders, so nothing here may fall back to
the real home folder when an override is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "speedtimer"
ENV_DATA_DIR = "SPEEDTIMER_DATA_DIR"
ENV_CONFIG_DIR = "SPEEDTIMER_CONFIG_DIR"
ENV_PRESETS_DIR = "SPEEDTIMER_PRESETS_DIR"  # extra preset folders, os.pathsep-separated

_PACKAGE = Path(__file__).resolve().parent


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

    @property
    def user_presets_dir(self) -> Path:
        return self.config_dir / "presets"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

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
        env: dict[str, str] | None = None,
    ) -> Paths:
        """Flags win over env variables, which win over the platform's per-user folders."""
        env = os.environ if env is None else env

        def pick(flag, var, default):
            if flag:
                return Path(flag).expanduser()
            if env.get(var):
                return Path(env[var]).expanduser()
            return default()

        def default_data() -> Path:
            import platformdirs

            return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))

        def default_config() -> Path:
            import platformdirs

            return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))

        extra = [Path(p).expanduser() for p in (presets_dirs or [])]
        if env.get(ENV_PRESETS_DIR):
            extra += [Path(p).expanduser() for p in env[ENV_PRESETS_DIR].split(os.pathsep) if p]
        return cls(
            config_dir=pick(config_dir, ENV_CONFIG_DIR, default_config),
            data_dir=pick(data_dir, ENV_DATA_DIR, default_data),
            extra_presets_dirs=tuple(extra),
        )
