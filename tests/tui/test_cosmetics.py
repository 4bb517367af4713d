"""Issue 12, bug 13, the screen items: the editor footer, the unsaved-changes question and the
run screen's splits line, each in the real app."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import Input

from speedtimer.config.paths import Paths
from speedtimer.formats.quick import parse_quick
from speedtimer.tui.modals.choice import ChoiceScreen
from speedtimer.tui.screens.editor import EditorScreen
from speedtimer.tui.screens.run import RunScreen, splits_text
from speedtimer.tui.widgets.step_tree import StepTree
from tests.helpers_app import quiet_app, screen_text


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


async def open_copy_of_first_preset(app, pilot) -> EditorScreen:
    await pilot.pause()
    await pilot.press("ctrl+d")  # duplicate the selected (bundled) preset
    await pilot.pause()
    await pilot.pause()
    assert isinstance(app.screen, EditorScreen)
    return app.screen


@pytest.mark.parametrize("width", [100, 140])
async def test_editor_footer_keeps_a_space_after_a_key_group(app_paths, clock, width):
    app = quiet_app(app_paths, clock, record_history=False)
    async with app.run_test(size=(width, 30)) as pilot:
        editor = await open_copy_of_first_preset(app, pilot)
        editor.query_one(StepTree).focus()
        await pilot.pause()
        await pilot.press("down", "down")  # a step: the move keys show
        await pilot.pause()
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "Move" in footer and "Mark" in footer
        assert "Movespace" not in footer
        assert "Move space Mark" in footer


async def test_unsaved_changes_question_starts_with_a_capital(app_paths, clock):
    app = quiet_app(app_paths, clock, record_history=False)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await open_copy_of_first_preset(app, pilot)
        editor.query_one("#f-name", Input).value = "tempo in lower case"
        await pilot.pause()
        assert editor.dirty
        editor.request_leave()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        question = str(app.screen.query_one("#choice-question").content)
        assert question == "The preset 'tempo in lower case' has unsaved changes."
        await pilot.press("k")
        await pilot.pause()
        editor.query_one("#f-name", Input).value = ""  # no name at all
        await pilot.pause()
        editor.request_leave()
        await pilot.pause()
        question = str(app.screen.query_one("#choice-question").content)
        assert question == "This new preset has unsaved changes."
        assert question[0].isupper()


async def test_changed_file_question_starts_with_a_capital(tmp_path, clock):
    """The question before saving over a file changed meanwhile names the file, which is in
    lower case: the sentence still starts with a capital (the same class as above)."""
    from tests.tui.test_stale_files import open_editor, wait_until, write

    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    paths.user_presets_dir.mkdir(parents=True)
    write(paths, "Tempo before", 20)
    app = quiet_app(paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await open_editor(app, pilot)
        await pilot.press("enter", "end", *" (mine)")
        await wait_until(pilot, lambda: editor.draft.name == "Tempo before (mine)")
        write(paths, "Tempo from outside", 25)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        question = str(app.screen.query_one("#choice-question").content)
        assert question.startswith("The file mine.toml was changed by another program"), question


# --- the splits line -------------------------------------------------------------------------

PARTS = [f"#{n} 1:2{n}.0  3:3{n}/km  -0:0{n}.5" for n in range(1, 7)]


@pytest.mark.parametrize("width", [20, 40, 60, 76, 100, 200])
def test_splits_line_keeps_whole_entries_within_the_width(width):
    text = splits_text(PARTS, width)
    assert text.startswith("Splits: ")
    shown = text.removeprefix("Splits: ").split("   ")
    assert all(p in PARTS for p in shown)  # none cut
    assert shown[-1] == PARTS[-1]  # the newest always
    assert shown == PARTS[-len(shown) :]  # the latest ones, in order
    assert len(shown) <= 4
    assert len(shown) == 1 or cell_len(text) <= width
    if len(shown) < 4:  # and no room was left for one more
        assert cell_len("Splits: " + "   ".join(PARTS[-len(shown) - 1 :])) > width


def test_no_splits_no_line():
    assert splits_text([], 80) == ""


@pytest.mark.parametrize("width", [62, 80, 120])
async def test_run_screen_splits_never_wrap_mid_entry(app_paths, clock, width):
    preset = parse_quick("6x(400m lap @3:45/km, 0:30 rest)!")
    app = quiet_app(app_paths, clock, start_preset=preset, get_ready_s=0, record_history=False)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        run = app.screen
        assert isinstance(run, RunScreen)
        for _ in range(5):
            clock.advance(88.3)
            await pilot.press("enter")  # lap
            clock.advance(30)
            run.tick()
            await pilot.pause()
        splits = run.query_one("#splits")
        text = str(splits.content)
        assert text.startswith("Splits: #")
        assert splits.size.height == 1  # on one line, whole
        assert "#5 1:28.3" in text
        await pilot.resize_terminal(width + 40, 30)
        await pilot.pause()
        await pilot.pause()
        wider = str(run.query_one("#splits").content)
        assert wider.count("#") >= text.count("#")
