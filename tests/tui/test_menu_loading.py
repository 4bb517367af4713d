"""The menu with many large preset files: drawn at once, filled from a worker thread, quit at
any moment; and kept in step with the preset folders when files change outside the app."""

from __future__ import annotations

import time

from textual.widgets import Input, Static

from benchmarks.common import write_big_presets
from speedtimer.config.paths import Paths
from speedtimer.tui.screens.menu import MenuScreen
from tests.helpers_app import quiet_app
from tests.reliability import tried

BIG_FILES = 16  # about 150 ms each to read: the loading lasts seconds


def big_paths(tmp_path) -> Paths:
    folder = tmp_path / "big"
    write_big_presets(folder, BIG_FILES)
    return Paths(
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        extra_presets_dirs=(folder,),
        cache_dir=tmp_path / "cache",
    )


def loading_line(menu: MenuScreen) -> str:
    line = menu.query_one("#menu-loading", Static)
    return str(line.content) if line.display else ""


def big_ones(app) -> int:
    return sum(e.name.startswith("Big ") for e in app.catalog.entries)


@tried(
    "Preset files",
    f"{BIG_FILES} valid preset files of 220 KB each (2,080 steps) in a presets folder, no index "
    "yet; then again with the index",
    "the menu was on screen with a loading line before the big files were read; entries appeared "
    "as they were read, on a worker thread; then every file listed; the second start read none",
)
async def test_the_menu_shows_at_once_and_fills_as_files_are_read(tmp_path, clock):
    paths = big_paths(tmp_path)
    app = quiet_app(paths, clock)
    counts = []
    async with app.run_test(size=(100, 30)) as pilot:
        # a short sleep, not pause(): pause() waits until the app is idle, which the worker's
        # stream of updates postpones until every file is read
        await pilot.pause(0.01)
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        assert loading_line(menu).startswith("Loading presets")
        assert big_ones(app) < BIG_FILES
        assert not menu.loading  # Textual's own loading state would cover and disable it
        assert not menu.query_one("#filter", Input).disabled
        for _ in range(600):
            counts.append(big_ones(app))
            if not menu.reading_files:
                break
            await pilot.pause(0.05)
        assert big_ones(app) == BIG_FILES and loading_line(menu) == ""
        assert len(set(counts)) > 2, counts  # entries appeared as they were read
        assert counts == sorted(counts)

    again = quiet_app(paths, clock)
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert big_ones(again) == BIG_FILES and not again.screen.reading_files


@tried(
    "Preset files",
    f"ctrl+q pressed while {BIG_FILES} large preset files are still being read",
    "the app ended at once, the rest of the files unread",
)
async def test_quit_while_presets_are_loading(tmp_path, clock):
    paths = big_paths(tmp_path)
    app = quiet_app(paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.01)  # not pause(): it would wait for the reading to end
        assert app.screen.reading_files
        started = time.monotonic()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert big_ones(app) < BIG_FILES
    assert time.monotonic() - started < 5  # generous: one file's read at most, on a busy box


async def test_the_menu_looks_at_the_folders_only_while_in_front(tmp_path, clock, monkeypatch):
    """Below a running session (which hides it all) the menu does not stat every preset file
    each POLL_S; back in front it does, and finds a file added meanwhile."""
    from speedtimer.tui.screens import menu as menu_module
    from speedtimer.tui.screens.run import RunScreen
    from tests.helpers_app import start_preset
    from tests.tui.test_app import SHORT

    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "short.toml").write_text(SHORT)
    paths = Paths(
        config_dir=tmp_path / "config", data_dir=tmp_path / "data", extra_presets_dirs=(folder,)
    )
    app = quiet_app(paths, clock)
    looked: list[int] = []
    files = menu_module.preset_files
    monkeypatch.setattr(menu_module, "preset_files", lambda f: looked.append(1) or files(f))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        looked.clear()
        menu.check_files()
        assert looked == [1]
        await start_preset(app, pilot, "testonly")
        assert isinstance(app.screen, RunScreen)
        looked.clear()
        menu.check_files()  # what the POLL_S interval calls
        menu.check_files()
        assert looked == []


async def test_the_list_never_shrinks_while_the_worker_reads_again(tmp_path, clock):
    """The worker reads again what the first pass read before the frame: its first partial
    lists have fewer presets than the list already shows, and are not shown (the list grew,
    dropped to nothing and grew back on a busy machine); its final list always is."""
    from speedtimer.formats.catalog import Catalog

    app = quiet_app(Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data"), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        menu = app.screen
        shown = len(menu.catalog.entries)
        assert shown >= 10
        menu._show_progress(Catalog(menu.catalog.entries[:3]))
        assert len(menu.catalog.entries) == shown and len(menu.shown) >= 10
        menu._show_progress(Catalog(menu.catalog.entries))
        assert len(menu.catalog.entries) == shown
