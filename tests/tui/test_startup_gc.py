"""The garbage collector is held through the app's start-up (some 80,000 objects made, next to
no garbage: its passes cost about 15 ms before the first frame) and goes on once the menu has
drawn its first list; every other command runs with it on, and it is on again whatever ends."""

from __future__ import annotations

import gc

import pytest

from speedtimer.cli import main as cli
from speedtimer.config.paths import Paths
from tests.helpers_app import after_first_frame, quiet_app


@pytest.fixture(autouse=True)
def collector_back_on():
    yield
    gc.enable()


def test_held_for_the_app_and_on_again_after(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(cli, "_run_app", lambda *a, **k: seen.append(gc.isenabled()) or 0)
    dirs = ["--config-dir", str(tmp_path / "c"), "--data-dir", str(tmp_path / "d")]
    assert cli.main(dirs) == 0
    assert seen == [False]
    assert gc.isenabled()


def test_on_for_other_commands(monkeypatch, tmp_path, capsys):
    seen = []
    real = cli.cmd_presets_list
    monkeypatch.setattr(
        cli, "cmd_presets_list", lambda args: seen.append(gc.isenabled()) or real(args)
    )
    dirs = ["--config-dir", str(tmp_path / "c"), "--data-dir", str(tmp_path / "d")]
    assert cli.main([*dirs, "presets", "list"]) == 0
    assert seen == [True]


def test_on_again_when_the_app_fails_before_its_first_frame(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("the terminal went away")

    monkeypatch.setattr(cli, "_run_app", broken)
    with pytest.raises(RuntimeError):
        cli.main(["--config-dir", str(tmp_path / "c"), "--data-dir", str(tmp_path / "d")])
    assert gc.isenabled()


async def test_the_app_lets_it_go_on_after_the_first_list(tmp_path, clock):
    app = quiet_app(Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data"), clock)
    gc.disable()  # as `speedtimer.cli.main.main` leaves it
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            if app.catalog.entries:
                break
            await pilot.pause(0.01)
        assert app.catalog.entries
        # The work after the first list, not one pause: that may come first on a busy machine.
        await after_first_frame(app, pilot)
        assert gc.isenabled()
