"""Shared fixtures: a fake clock and throw-away folders for everything the app writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from speedtimer.config.paths import Paths
from speedtimer.sound.audio import NullAudio

REPO = Path(__file__).resolve().parent.parent


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.wall_start = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)
        self._start = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now

    def wall(self) -> datetime:
        return self.wall_start + timedelta(seconds=self.now - self._start)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test may read or write the real home folder, whatever it calls."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for var in (
        "SPEEDTIMER_DATA_DIR",
        "SPEEDTIMER_CONFIG_DIR",
        "SPEEDTIMER_PRESETS_DIR",
        "SPEEDTIMER_CACHE_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    yield home


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def paths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


class QuietAudio(NullAudio):
    """Plays nothing but says it did, so no bell or flash runs between the steps."""

    def __init__(self) -> None:
        super().__init__(None)
        self.available = True
        self.played: list[str] = []
        self.loaded: dict[str, Path] = {}  # spoken phrases handed over, by sound name

    def play(self, cue: str, *, at: float | None = None) -> bool:
        self.played.append(cue)
        return True

    def load(self, name: str, path: Path) -> bool:
        self.loaded[name] = path
        return True
