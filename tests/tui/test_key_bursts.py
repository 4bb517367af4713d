"""Keys that arrive in one burst go where the keys before them moved the focus, in order.

Every key of a burst is posted to the app before any is handled (as a terminal read over SSH or
a `serve` websocket frame delivers them), unlike Pilot's `press`, which waits for each key to
be handled before sending the next.
"""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest
from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key
from textual.widgets import Input

from speedtimer.config.paths import Paths
from speedtimer.formats.preset_toml import load_preset
from speedtimer.tui.modals.history_edit import EditFeedbackScreen
from speedtimer.tui.screens.editor import EditorScreen
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.helpers_app import quiet_app
from tests.reliability import tried

ONE_STEP = """
name = "Burst {n}"
category = "intervals"
tags = ["burstonly"]
countdown = 0

[[steps]]
kind = "work"
duration = 30
label = "Run"
"""


def paths_with_presets(tmp_path, count: int = 2) -> Paths:
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    paths.user_presets_dir.mkdir(parents=True)
    for n in range(1, count + 1):
        (paths.user_presets_dir / f"burst-{n}.toml").write_text(ONE_STEP.format(n=n))
    return paths


NAMED = {"enter", "tab", "escape", "down", "up", "end", "home", "backspace"}


def key_events(*keys: str) -> list[events.Key]:
    """Key names ("enter", "ctrl+s") and text typed ("felt strong"), as Textual's driver
    makes them."""
    out = []
    for key in keys:
        for part in [key] if key in NAMED or "+" in key else list(key):
            name = _character_to_key(part) if len(part) == 1 and not part.isalnum() else part
            try:
                char = unicodedata.lookup(_get_unicode_name_from_key(name))
            except KeyError:
                char = part if len(part) == 1 else None
            out.append(events.Key(name, char))
    return out


async def burst(pilot, *keys: str) -> None:
    """Post every key at once, then let the app work through them."""
    for event in key_events(*keys):
        pilot.app.post_message(event)
    await pilot.pause()


async def wait_until(pilot, condition, timeout_steps: int = 200) -> None:
    for _ in range(timeout_steps):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never got there")


async def to_summary(app, pilot) -> SummaryScreen:
    """Start the first preset, end it at once (q, y): the summary asks for RPE and note."""
    await pilot.press(*"burst 1", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
    await pilot.press("q")
    await pilot.pause()
    await pilot.press("y")
    await wait_until(pilot, lambda: isinstance(app.screen, SummaryScreen))
    await wait_until(pilot, lambda: app.screen.focused is app.screen.query_one("#rpe"))
    return app.screen


def saved_feedback(paths: Paths):
    with sqlite3.connect(paths.history_db) as db:
        return db.execute("SELECT rpe, note FROM sessions").fetchall()


@tried(
    "Keyboard",
    "keys in one burst on the summary: 8, Enter, a note, Enter; and 8, Tab, a note, ctrl+s",
    "each key reached the field the key before it moved the focus to: RPE 8 and the note saved, "
    "the menu back",
)
@pytest.mark.parametrize(
    "keys",
    [("8", "enter", "felt strong", "enter"), ("8", "tab", "felt strong", "ctrl+s")],
    ids=["enter", "tab"],
)
async def test_summary_burst_rpe_then_note(tmp_path, clock, keys):
    paths = paths_with_presets(tmp_path)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_summary(app, pilot)
        await burst(pilot, *keys)
        await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
    assert saved_feedback(paths) == [(8, "felt strong")]


@tried(
    "Keyboard",
    "keys in one burst from the menu into the editor: ctrl+e, Enter (to the name field), End, "
    "more name, ctrl+s",
    "the editor opened, the typing reached its name field and ctrl+s saved it: the file holds "
    "the new name",
)
async def test_editor_burst_open_edit_and_save(tmp_path, clock):
    paths = paths_with_presets(tmp_path)
    app = quiet_app(paths, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"burst 2")
        await pilot.pause()
        await burst(pilot, "ctrl+e", "enter", "end", " fast", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
        assert not any(isinstance(s, EditorScreen) for s in app.screen_stack)
    assert load_preset(paths.user_presets_dir / "burst-2.toml").name == "Burst 2 fast"


@tried(
    "Keyboard",
    "keys in one burst in the history's edit dialog: e (opens it), 6, Enter, a note, ctrl+s",
    "the dialog opened, RPE 6 and the note went to their fields and were saved together",
)
async def test_history_edit_dialog_burst(tmp_path, clock):
    paths = paths_with_presets(tmp_path)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_summary(app, pilot)
        await pilot.press("escape")  # done, no RPE yet
        await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.screen.query("#history-table"))
        await wait_until(pilot, lambda: app.screen.query_one("#history-table").row_count == 1)
        await pilot.pause(0.2)
        await burst(pilot, "e", "6", "enter", "easy day", "ctrl+s")
        await wait_until(pilot, lambda: saved_feedback(paths) == [(6, "easy day")])
        assert not isinstance(app.screen, EditFeedbackScreen)


@tried(
    "Keyboard",
    "keys in one burst in the menu filter: a filter matching two presets, Down, Enter",
    "the filter was applied before the cursor moved: the second match started",
)
async def test_menu_filter_burst_then_down_and_enter(tmp_path, clock):
    paths = paths_with_presets(tmp_path)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await burst(pilot, "burstonly", "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        assert app.screen.session.preset.name == "Burst 2"
        menu = next(s for s in app.screen_stack if isinstance(s, MenuScreen))
        assert menu.query_one("#filter", Input).value == "burstonly"


@tried(
    "Keyboard",
    "keys in one burst the moment the app starts (a paste, a script, tmux): the preset's name "
    "and Enter",
    "none was lost before the menu was mounted: the whole name reached the filter and the "
    "session started",
)
async def test_keys_typed_at_start_up_reach_the_menu(tmp_path, clock):
    paths = paths_with_presets(tmp_path)
    app = quiet_app(paths, clock, get_ready_s=0)
    seen = {}

    async def at_start(pilot):  # runs when the app is ready, before the menu's first frame
        for event in key_events("burst 1", "enter"):
            app.post_message(event)
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        seen["filter"] = app.screen_stack[0].query_one("#filter", Input).value
        app.exit()

    await app.run_async(headless=True, size=(100, 30), auto_pilot=at_start)
    assert seen == {"filter": "burst 1"}
