"""Preset files changed by another program while the app is open: the editor never saves a
stale copy over them, and the menu never shows or runs a stale preset."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from speedtimer.config.paths import Paths
from speedtimer.formats.preset_toml import load_preset
from speedtimer.tui.modals.choice import ChoiceScreen
from speedtimer.tui.screens import menu as menu_screen
from speedtimer.tui.screens.editor import EditorScreen
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.screens.run import RunScreen
from tests.helpers_app import quiet_app
from tests.reliability import tried

MINE = """name = "{name}"
category = "tempo"
tags = ["staleonly"]
countdown = 0

[[steps]]
kind = "work"
label = "Tempo"
duration = "{minutes}:00"
"""


@pytest.fixture
def paths(tmp_path) -> Paths:
    p = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    p.user_presets_dir.mkdir(parents=True)
    return p


def mine(paths: Paths) -> Path:
    return paths.user_presets_dir / "mine.toml"


def write(paths: Paths, name: str, minutes: int) -> None:
    mine(paths).write_text(MINE.format(name=name, minutes=minutes), encoding="utf-8")


async def wait_until(pilot, condition, steps: int = 250) -> None:
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never got there")


def names(app) -> set[str]:
    return {e.name for e in app.catalog.entries if not e.bundled}


async def open_editor(app, pilot) -> EditorScreen:
    await pilot.press(*"staleonly")
    await pilot.pause()
    await pilot.press("ctrl+e")
    await wait_until(pilot, lambda: isinstance(app.screen, EditorScreen))
    await pilot.pause()
    return app.screen


@tried(
    "Preset files",
    "mine.toml changed by another program while the app is open, then ctrl+e and ctrl+s with "
    "no edits (the issue's case)",
    "the editor opened the file as it is now: saving kept the other program's change",
)
async def test_the_editor_opens_the_file_as_it_is_now(paths, clock):
    write(paths, "Tempo before", 20)
    app = quiet_app(paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        write(paths, "Tempo from outside", 25)
        editor = await open_editor(app, pilot)
        assert editor.draft.name == "Tempo from outside"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
    saved = load_preset(mine(paths))
    assert (saved.name, saved.steps[0].duration_s) == ("Tempo from outside", 25 * 60)


@tried(
    "Preset files",
    "the file being edited rewritten by another program before ctrl+s; each answer tried: "
    "reload, overwrite, save as a new file, back",
    "never written without asking; reload showed the other version, overwrite wrote the "
    "editor's, save-as kept both files, back wrote nothing",
)
@pytest.mark.parametrize("answer", ["r", "o", "s", "b"])
async def test_saving_over_a_file_changed_meanwhile_asks_first(paths, clock, answer):
    write(paths, "Tempo before", 20)
    app = quiet_app(paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await open_editor(app, pilot)
        await pilot.press("enter")  # to the name field
        await pilot.press("end", *" (mine)")
        await wait_until(pilot, lambda: editor.draft.name == "Tempo before (mine)")
        write(paths, "Tempo from outside", 25)
        outside = mine(paths).read_bytes()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert "changed by another program" in app.screen.question
        assert mine(paths).read_bytes() == outside  # nothing written while asking
        await pilot.press(answer)
        await pilot.pause()
        files = sorted(p.name for p in paths.user_presets_dir.glob("*.toml"))
        if answer == "r":
            assert app.screen is editor and editor.draft.name == "Tempo from outside"
            assert not editor.dirty and mine(paths).read_bytes() == outside
            await pilot.press("ctrl+s")  # the reloaded version saves without a question
            await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
            assert load_preset(mine(paths)).name == "Tempo from outside"
        elif answer == "o":
            await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
            assert load_preset(mine(paths)).name == "Tempo before (mine)"
        elif answer == "s":
            await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
            assert mine(paths).read_bytes() == outside
            files = sorted(p.name for p in paths.user_presets_dir.glob("*.toml"))
            assert len(files) == 2
            other = next(f for f in files if f != "mine.toml")
            assert load_preset(paths.user_presets_dir / other).name == "Tempo before (mine)"
        else:
            assert app.screen is editor and editor.dirty
            assert mine(paths).read_bytes() == outside and files == ["mine.toml"]


@tried(
    "Preset files",
    "the file being edited removed by another program before ctrl+s",
    "asked first (save again, save as a new file, back); saving again wrote it back",
)
async def test_saving_over_a_removed_file_asks_first(paths, clock):
    write(paths, "Tempo before", 20)
    app = quiet_app(paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_editor(app, pilot)
        mine(paths).unlink()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert "was removed" in app.screen.question
        assert not mine(paths).exists()
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
    assert load_preset(mine(paths)).name == "Tempo before"


@tried(
    "Preset files",
    "preset files changed, added and removed by another program while the menu is shown: "
    "noticed on the terminal regaining focus, on coming back to the menu, and by the menu's "
    "own look every few seconds",
    "the menu listed the files as they are on disk each time; nothing stale stayed listed",
    cases=3,
)
@pytest.mark.parametrize("how", ["focus", "back", "poll"])
async def test_the_menu_follows_files_changed_outside(paths, clock, how, monkeypatch):
    write(paths, "Tempo before", 20)
    if how == "poll":
        monkeypatch.setattr(menu_screen, "POLL_S", 0.1)
    else:
        monkeypatch.setattr(menu_screen, "POLL_S", 3600.0)
    app = quiet_app(paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert names(app) == {"Tempo before"}
        write(paths, "Tempo changed", 30)
        (paths.user_presets_dir / "new.toml").write_text(MINE.format(name="Brand new", minutes=5))
        if how == "focus":
            app.post_message(events.AppBlur())
            app.post_message(events.AppFocus())
        elif how == "back":
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: not isinstance(app.screen, MenuScreen))
            await pilot.press("escape")
        await wait_until(pilot, lambda: names(app) == {"Tempo changed", "Brand new"})
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        shown = [e.name for e in menu.shown if not e.bundled]
        assert "Tempo before" not in shown and "Tempo changed" in shown
        (paths.user_presets_dir / "new.toml").unlink()
        if how == "focus":
            app.post_message(events.AppFocus())
        elif how == "back":
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: not isinstance(app.screen, MenuScreen))
            await pilot.press("escape")
        await wait_until(pilot, lambda: names(app) == {"Tempo changed"})


@tried(
    "Preset files",
    "a preset changed on disk a moment before Enter, before the menu noticed",
    "the session ran the file as it is on disk, not the listed copy; the menu then showed it",
)
async def test_enter_runs_the_file_as_it_is_now(paths, clock, monkeypatch):
    monkeypatch.setattr(menu_screen, "POLL_S", 3600.0)
    write(paths, "Tempo before", 20)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"staleonly")
        await pilot.pause()
        write(paths, "Tempo before", 7)  # same name, other steps
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        assert app.screen.session.preset.steps[0].duration_s == 7 * 60
