"""The editor as a new user meets it: the hint says what the focused place does, the
checkboxes read without colour, narrow terminals get a layout that works, and ctrl+e on a
broken preset opens it at its problem or says why not."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from speedtimer.core.preset import BrokenPreset
from speedtimer.formats.preset_toml import load_preset
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.widgets.step_form import HINTS
from speedtimer.tui.widgets.tick_box import TickBox
from tests.helpers_app import notices
from tests.tui.test_editor import MINE, app_paths, build, editor, keys, text, write_mine  # noqa: F401


async def test_the_hint_follows_the_focus(app_paths, clock):  # noqa: F811
    app = build(app_paths, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await keys(pilot, "ctrl+n")
        ed = editor(pilot)
        assert ed.query_one("#f-name", Input).has_focus
        hint = text(ed, "#form-hint")
        assert hint == HINTS["fields"] and "esc: back to the steps" in hint
        assert "enter: edit these fields" not in hint
        await keys(pilot, "escape")
        assert ed.tree.has_focus and text(ed, "#form-hint") == HINTS["preset"]
        await keys(pilot, "enter")  # edit these fields: the name again
        assert ed.query_one("#f-name", Input).has_focus
        assert text(ed, "#form-hint") == HINTS["fields"]
        await keys(pilot, "escape", "down")  # the warm-up step, from the tree
        assert text(ed, "#form-hint") == HINTS["step"]


async def test_checkboxes_read_without_colour(app_paths, clock):  # noqa: F811
    write_mine(app_paths)
    app = build(app_paths, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"My tempo")
        await keys(pilot, "ctrl+e")
        ed = editor(pilot)
        await keys(pilot, "down", "down")  # the block: skip_last_rest = true
        skip = ed.query_one("#f-skip", TickBox)
        assert skip.value and "✓" in str(skip.render())
        await keys(pilot, "enter", "tab", "space")  # untick it from the keyboard
        assert not skip.value
        shown = str(skip.render())
        assert "✓" not in shown and "X" not in shown
        await keys(pilot, "escape", "up")  # the warm-up: "ends on the lap key" is off
        until = ed.query_one("#f-until", TickBox)
        assert not until.value and "✓" not in str(until.render())


@pytest.mark.parametrize("size", [(60, 20), (40, 12)])
async def test_narrow_terminals_show_the_tree_then_the_fields_full_width(
    app_paths,  # noqa: F811
    clock,
    size,
):
    write_mine(app_paths)
    app = build(app_paths, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"My tempo")
        await keys(pilot, "ctrl+e")
        ed = editor(pilot)
        tree, form = ed.tree, ed.form
        assert tree.display and tree.region.width >= size[0] - 1
        assert form.region.width == 0  # waits for enter
        await keys(pilot, "down", "down", "down")  # the tempo step in the block
        await keys(pilot, "enter")
        assert ed.query_one("#f-kind").has_focus
        assert tree.region.width == 0 and form.region.width >= size[0] - 1
        duration = ed.query_one("#f-duration", Input)
        await keys(pilot, "tab", "tab", "tab")  # label, "ends on lap", duration
        assert duration.has_focus and duration.region.width >= size[0] - 16
        assert duration.region.bottom <= size[1] - 1  # scrolled into view above the footer
        await keys(pilot, "ctrl+u", *"7:30")
        assert "esc: back to the steps" in text(ed, "#form-hint")
        await keys(pilot, "escape")
        assert tree.has_focus and tree.region.width >= size[0] - 1
        assert "Tempo" in str(tree.cursor_node.label) and "7:30" in str(tree.cursor_node.label)
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, MenuScreen)
    assert "7:30" in (app_paths.user_presets_dir / "my-tempo.toml").read_text()


async def test_wide_terminals_keep_tree_and_fields_side_by_side(app_paths, clock):  # noqa: F811
    write_mine(app_paths)
    app = build(app_paths, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"My tempo")
        await keys(pilot, "ctrl+e")
        ed = editor(pilot)
        await keys(pilot, "enter")
        assert ed.tree.region.width >= 26 and ed.form.region.width >= 40


BROKEN = """
name = "Broken one"
category = "intervals"

[[steps]]
kind = "warmup"
duration = "5:00"

[[steps]]
kind = "work"
duraton = 5
label = "Sprint"
"""


async def test_ctrl_e_opens_a_broken_preset_at_its_problem(app_paths, clock):  # noqa: F811
    path = write_mine(app_paths, BROKEN, "broken.toml")
    app = build(app_paths, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press(*"broken")
        await pilot.pause()
        assert isinstance(app.screen.selected(), BrokenPreset)
        await keys(pilot, "ctrl+e")
        ed = editor(pilot)
        assert ed.path == path
        duration = ed.query_one("#f-duration", Input)
        assert duration.has_focus  # the second step's missing duration
        assert "Sprint" in str(ed.tree.cursor_node.label)
        [note] = [m for m in notices(app) if "did not load" in m]
        assert "broken.toml did not load:" in note and "duraton" in note
        assert "steps[1].duraton = 5" in note and "saving leaves it out" in note
        await keys(pilot, *"0:30", "ctrl+s")
        assert isinstance(app.screen, MenuScreen)
    fixed = load_preset(path)
    assert fixed.name == "Broken one" and fixed.steps[1].duration_s == 30


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('name = "Not TOML"\n[[steps]\nkind = "work"\n', "it is not valid TOML"),
        (b'name = "\xff"\n', "it is not UTF-8 text"),
    ],
)
async def test_ctrl_e_says_why_a_broken_preset_cannot_be_opened(
    app_paths,  # noqa: F811
    clock,
    content,
    why,
):
    folder = app_paths.user_presets_dir
    folder.mkdir(parents=True)
    path = folder / "mangled.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    app = build(app_paths, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press(*"mangled")
        await pilot.pause()
        assert isinstance(app.screen.selected(), BrokenPreset)
        await keys(pilot, "ctrl+e")
        assert isinstance(app.screen, MenuScreen)
        [said] = [m for m in notices(app) if m.startswith("Cannot open")]
        assert why in said and str(path) in said and "text editor" in said


def test_every_value_of_a_broken_file_is_kept_or_named():
    from speedtimer.tui.broken_preset import draft_from_broken

    data = {
        "name": "X",
        "tags": "road",
        "countdown": 12,
        "halfway": "yes",
        "colour": "red",
        "steps": [
            {"kind": "work", "duration": [1, 2], "distance_m": 400, "target_pace": "3:45"},
            "not a table",
            {"repeat": "x", "steps": [{"kind": "rest", "until": "never"}], "extra": 1},
        ],
    }
    draft, lost = draft_from_broken(data)
    assert (draft.name, draft.tags, draft.countdown, draft.halfway_set) == (
        "X",
        "road",
        "12",
        False,
    )
    step, block = draft.steps
    assert (step.distance, step.pace, step.duration) == ("400", "3:45", "")
    assert block.repeat == "x" and not block.steps[0].until_lap
    assert lost == [
        "halfway = 'yes'",
        "steps[0].duration = [1, 2]",
        "steps[1] = 'not a table'",
        "steps[2].steps[0].until = 'never'",
        "steps[2].extra = 1",
        "colour = 'red'",
    ]
    assert draft.validate()[1] is not None  # the loader's verdict, shown in the editor
