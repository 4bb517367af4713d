"""Pictures of every screen at the small sizes runners use (60x20, a phone's terminal or a
split pane; 40x12, a watch-sized pane): menu, run, summary, history and editor. The clock is
faked so they are stable.

Update after an intended change with --snapshot-update, then look at each picture.
"""

from __future__ import annotations

import pytest

from speedtimer.config.paths import Paths
from speedtimer.history.store import HistoryStore
from speedtimer.tui.app import make_app
from tests.conftest import FakeClock, QuietAudio
from tests.tui.test_app import SHORT
from tests.tui.test_history_screen import NOW, fill, settle
from tests.tui.test_summary_splits import SETS, TIMES

SIZES = [pytest.param((60, 20), id="60x20"), pytest.param((40, 12), id="40x12")]


@pytest.fixture
def snap_app(tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "short.toml").write_text(SHORT)
    (folder / "sets.toml").write_text(SETS)
    paths = Paths(
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        extra_presets_dirs=(folder,),
    )
    clock = FakeClock()

    def build(**kw):
        return make_app(
            paths,
            clock=clock,
            wall_clock=kw.pop("wall_clock", clock.wall),
            audio=QuietAudio(),
            get_ready_s=3,
            **kw,
        )

    return build, clock, paths


def _advance(pilot, clock, seconds):
    clock.advance(seconds)
    pilot.app.screen.tick()


@pytest.mark.parametrize("size", SIZES)
def test_menu(snap_compare, snap_app, size):
    build, _, _ = snap_app  # a bundled preset: its details show no temporary folder
    assert snap_compare(build(), terminal_size=size, press=[*"10 x 1 min"])


@pytest.mark.parametrize("size", SIZES)
def test_run_work_phase(snap_compare, snap_app, size):
    build, clock, _ = snap_app

    async def run_before(pilot):
        await pilot.press(*"testonly", "enter")
        await pilot.pause()
        _advance(pilot, clock, 13)  # get-ready 3 + warm-up 10: the first 400 m
        _advance(pilot, clock, 42.5)
        await pilot.pause()

    assert snap_compare(build(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_run_end_session_question(snap_compare, snap_app, size):
    build, clock, _ = snap_app

    async def run_before(pilot):
        await pilot.press(*"testonly", "enter")
        await pilot.pause()
        _advance(pilot, clock, 13)
        _advance(pilot, clock, 42.5)
        await pilot.press("q")
        await pilot.pause()

    assert snap_compare(build(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), *SIZES])
def test_summary_of_twelve_reps(snap_compare, snap_app, size):
    build, clock, _ = snap_app

    async def run_before(pilot):
        await pilot.press(*"splitsonly", "enter")
        await pilot.pause()
        _advance(pilot, clock, 13)
        for i, t in enumerate(TIMES):
            clock.advance(t)
            await pilot.press("l")
            await pilot.pause()
            if i != len(TIMES) - 1:
                _advance(pilot, clock, 30 if i % 4 != 3 else 60)
        _advance(pilot, clock, 5)
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(build(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_history(snap_compare, snap_app, size):
    build, _, paths = snap_app
    with HistoryStore.open(paths.history_db) as store:
        fill(store)

    async def run_before(pilot):
        await pilot.press("ctrl+r")
        await settle(pilot)

    app = build(wall_clock=lambda: NOW, record_history=False)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_editor_tree(snap_compare, snap_app, size):
    build, _, _ = snap_app

    async def run_before(pilot):
        await pilot.press(*"testonly", "ctrl+e")
        await pilot.pause()
        await pilot.press("down", "down", "down")  # the 400 m rep in the block
        await pilot.pause()

    assert snap_compare(build(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_editor_fields(snap_compare, snap_app, size):
    build, _, _ = snap_app

    async def run_before(pilot):
        await pilot.press(*"testonly", "ctrl+e")
        await pilot.pause()
        await pilot.press("down", "down", "down", "enter", "tab")  # its label
        await pilot.pause()

    assert snap_compare(build(), terminal_size=size, run_before=run_before)
