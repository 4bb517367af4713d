"""The preset editor, driven by keys in the real app at 80x24, saving real TOML files in
tmp_path and reading them back with the loader."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Static

from speedtimer.config.paths import Paths, bundled_presets_dir
from speedtimer.core.preset import Preset
from speedtimer.core.schedule import build_schedule
from speedtimer.formats.preset_toml import load_preset
from speedtimer.sound.audio import NullAudio
from speedtimer.tui.app import make_app
from speedtimer.tui.modals.choice import ChoiceScreen
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.screens.editor import EditorScreen
from speedtimer.tui.screens.menu import MenuScreen
from tests.conftest import FakeClock

SIZE = (80, 24)
SETS = bundled_presets_dir() / "3x4x200m-sets.toml"

MINE = """
name = "My tempo"
category = "tempo"
tags = ["road"]

[[steps]]
kind = "warmup"
duration = "10:00"

[[steps]]
repeat = 3
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  label = "Tempo"
  duration = "8:00"
  [[steps.steps]]
  kind = "rest"
  label = "Jog"
  duration = "2:00"

[[steps]]
kind = "cooldown"
duration = "10:00"
"""


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


def build(paths: Paths, clock):
    return make_app(
        paths,
        clock=clock,
        wall_clock=clock.wall,
        audio=NullAudio("test: no sound"),
        record_history=False,
    )


def write_mine(paths: Paths, text: str = MINE, name: str = "my-tempo.toml") -> Path:
    folder = paths.user_presets_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


async def choose(pilot, words: str) -> Preset:
    """Filter the menu down to one preset and return it."""
    await pilot.press(*words)
    await pilot.pause()
    entry = pilot.app.screen.selected()
    assert isinstance(entry, Preset), entry
    return entry


async def keys(pilot, *presses: str) -> None:
    for key in presses:
        await pilot.press(key)
    await pilot.pause()


def editor(pilot) -> EditorScreen:
    screen = pilot.app.screen
    assert isinstance(screen, EditorScreen), screen
    return screen


def cursor_data(pilot):
    return editor(pilot).tree.cursor_node.data


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def shown_error(screen, selector: str) -> str:
    widget = screen.query_one(selector, Static)
    return str(widget.content) if widget.display else ""


def user_files(paths: Paths) -> list[str]:
    folder = paths.user_presets_dir
    return sorted(p.name for p in folder.glob("*.toml")) if folder.is_dir() else []


# --- new -------------------------------------------------------------------------------------


async def test_new_preset_from_scratch_is_saved_listed_selected_and_loads(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await keys(pilot, "ctrl+n")
        ed = editor(pilot)
        assert ed.query_one("#f-name", Input).has_focus  # a new preset starts with its name
        assert "Preset › name: must not be empty" in text(ed, "#editor-status")
        assert "must not be empty" in shown_error(ed, "#e-name")
        # the outline does not wait for a name
        assert "Total 29:00 · 5 work reps · work 5:00" in text(ed, "#editor-outline")

        await pilot.press(*"Hill sprints 8x10s")
        await keys(pilot, "tab")  # to the category
        await keys(pilot, "enter", "home", "down", "enter")  # open the list, pick "hills"
        await keys(pilot, "tab", *"hills, short", "tab", "ctrl+u", "5")  # tags, countdown 5
        assert "Ready to save" in text(ed, "#editor-status")

        # the starter is warm-up, 5 x [work 1:00, rest 1:00], cool-down: make it 8 x 0:10
        await keys(pilot, "escape")  # back to the tree
        assert ed.tree.has_focus
        await keys(pilot, "down", "down")  # the block
        await keys(pilot, "enter", "ctrl+u", "8")  # repeat 8
        await keys(pilot, "escape", "down", "enter")  # its work step: kind has focus
        await keys(pilot, "tab", *"Sprint", "tab", "tab", "ctrl+u", *"10")
        outline = text(ed, "#editor-outline")
        assert "8 work reps" in outline and "work 1:20" in outline
        assert "8 x [Sprint 0:10 · Jog 1:00]" in outline

        await keys(pilot, "ctrl+s")
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        saved = app_paths.user_presets_dir / "hill-sprints-8x10s.toml"
        assert saved.is_file()
        selected = menu.selected()
        assert isinstance(selected, Preset) and selected.source == saved
        assert "Hill sprints 8x10s" in text(menu, "#details")

    preset = load_preset(saved)
    assert (preset.name, preset.category, preset.tags, preset.countdown) == (
        "Hill sprints 8x10s",
        "hills",
        ("hills", "short"),
        5,
    )
    sched = build_schedule(preset)
    assert [s.kind for s in sched.steps] == ["warmup"] + ["work", "rest"] * 7 + [
        "work",
        "cooldown",
    ]
    assert [s.planned_s for s in sched.steps if s.kind == "work"] == [10] * 8
    assert {s.label for s in sched.steps if s.kind == "work"} == {"Sprint"}


async def test_leaving_an_untouched_new_preset_asks_nothing_and_writes_nothing(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await keys(pilot, "ctrl+n", "escape", "escape")
        assert isinstance(app.screen, MenuScreen)
    assert user_files(app_paths) == []


async def test_new_preset_from_the_command_palette(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await keys(pilot, "ctrl+p")
        await pilot.press(*"New preset")
        await pilot.pause(0.3)
        await keys(pilot, "enter")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)


# --- bundled presets: duplicate and edit make copies -------------------------------------


async def test_duplicate_bundled_preset_saves_a_copy_and_leaves_the_bundled_file(app_paths, clock):
    before = SETS.read_bytes()
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        original = await choose(pilot, "3 sets of 4")
        assert original.bundled
        await keys(pilot, "ctrl+d")
        ed = editor(pilot)
        assert ed.draft.name == "3 sets of 4 x 200 m (copy)"
        await keys(pilot, "ctrl+s")
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        copy_path = app_paths.user_presets_dir / "3-sets-of-4-x-200-m-copy.toml"
        assert menu.selected().source == copy_path
        names = [p.name for p in menu.catalog.presets]
        assert "3 sets of 4 x 200 m" in names and "3 sets of 4 x 200 m (copy)" in names
    assert SETS.read_bytes() == before
    copy = load_preset(copy_path)
    assert build_schedule(copy).steps == build_schedule(original).steps
    assert (copy.description, copy.tags, copy.category) == (
        original.description,
        original.tags,
        original.category,
    )


async def test_editing_a_bundled_preset_edits_a_copy_in_the_user_folder(app_paths, clock):
    before = SETS.read_bytes()
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "3 sets of 4")
        await keys(pilot, "ctrl+e")
        ed = editor(pilot)
        assert "read-only" in " ".join(n.message for n in app._notifications)
        await keys(pilot, "enter")  # the root: its fields
        await keys(pilot, "ctrl+u", *"My 200s")
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, MenuScreen)
        assert ed.path is None
    assert SETS.read_bytes() == before
    assert user_files(app_paths) == ["my-200s.toml"]
    assert load_preset(app_paths.user_presets_dir / "my-200s.toml").name == "My 200s"


# --- a nested block ---------------------------------------------------------------------------


async def test_edit_inner_repeat_count_and_a_step_duration_of_a_nested_block(app_paths, clock):
    mine = write_mine(app_paths, SETS.read_text(encoding="utf-8"), "sets.toml")
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        preset = await choose(pilot, "3 sets of 4")
        if preset.bundled:  # both are listed; take the user's
            await keys(pilot, "down")
        assert pilot.app.screen.selected().source == mine
        await keys(pilot, "ctrl+e")
        ed = editor(pilot)
        assert ed.sub_title == "editing sets.toml"
        # root, 3 warm-ups, the set block, the rep block
        await keys(pilot, *["down"] * 5)
        inner = cursor_data(pilot)
        assert inner.repeat == "4"
        await keys(pilot, "enter", "ctrl+u", "5", "escape")
        assert "5 × 4 x 200 m" in str(ed.tree.cursor_node.label)
        await keys(pilot, "down", "down")  # the 200 m jog inside it
        assert cursor_data(pilot).label == "200 m jog"
        await keys(pilot, "enter", "tab", "tab", "tab", "ctrl+u", *"1:15")
        assert ed.dirty and "unsaved" in ed.sub_title
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, MenuScreen)
        assert app.screen.selected().source == mine

    assert user_files(app_paths) == ["sets.toml"]  # its own file, replaced
    sched = build_schedule(load_preset(mine))
    works = [s for s in sched.steps if s.kind == "work"]
    assert len(works) == 15 and {s.rep_count for s in works} == {5}
    jogs = [s for s in sched.steps if s.label == "200 m jog"]
    assert len(jogs) == 12 and {s.planned_s for s in jogs} == {75}
    assert sched.steps[-1].kind == "cooldown"


async def test_keys_the_file_left_to_the_settings_stay_out_when_saved(app_paths, clock):
    """A preset without countdown/halfway follows the runner's defaults; editing it must not
    write the defaults in (the settings file's countdown would stop applying to it)."""
    mine = write_mine(
        app_paths, 'name = "Plain reps"\n[[steps]]\nkind = "work"\nduration = 30\n', "plain.toml"
    )
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "Plain reps")
        await keys(pilot, "ctrl+e")
        ed = editor(pilot)
        await keys(pilot, "down")  # the step
        await keys(pilot, "enter", "tab", "tab", "tab", "ctrl+u", *"45")
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, MenuScreen)
    text = mine.read_text(encoding="utf-8")
    assert "duration = 45" in text
    assert "countdown" not in text and "halfway" not in text
    assert load_preset(mine).unset == frozenset({"countdown", "halfway"})
    del ed


# --- the tree's own keys ---------------------------------------------------------------------


async def test_tree_keys_add_remove_move_mark_wrap_and_unwrap(app_paths, clock):
    write_mine(app_paths)
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "my tempo")
        await keys(pilot, "ctrl+e")
        ed = editor(pilot)
        d = ed.draft
        await keys(pilot, "down")  # the warm-up
        await keys(pilot, "a")  # a step after it; after a warm-up, a work step
        added = cursor_data(pilot)
        assert d.steps[1] is added and added.kind == "work"
        await keys(pilot, "a")  # after a work step comes a rest
        assert d.steps[2].kind == "rest"
        # mark both and wrap them into a block
        await keys(pilot, "up", "space", "down", "space", "w")
        block = cursor_data(pilot)
        assert d.steps[1] is block and [s.kind for s in block.steps] == ["work", "rest"]
        await keys(pilot, "enter", "ctrl+u", "4", "tab", "space", "escape")  # 4 x, skip rest
        assert (block.repeat, block.skip_last_rest) == ("4", True)
        # move the warm-up below the new block and back
        await keys(pilot, "up", "shift+down")
        assert d.steps[0] is block and d.steps[1].kind == "warmup"
        await keys(pilot, "shift+up")
        assert d.steps[0].kind == "warmup" and d.steps[1] is block
        # the tempo block (lines: root, warm-up, 4 x, work, rest, 3 x): unwrap it
        await keys(pilot, "down", "down", "down", "down")
        assert cursor_data(pilot).repeat == "3"
        await keys(pilot, "u")
        assert [getattr(s, "label", "") for s in d.steps[2:4]] == ["Tempo", "Jog"]
        await keys(pilot, "down", "delete")  # remove the jog
        assert [getattr(s, "label", "") for s in d.steps] == ["", "", "Tempo", ""]
        # the new block's work step, moved up out of the block, lands before it
        await keys(pilot, "up", "up", "up")
        assert cursor_data(pilot) is block.steps[0]
        await keys(pilot, "shift+up")
        assert d.steps[1].kind == "work" and d.steps[2] is block and len(block.steps) == 1
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, MenuScreen)

    sched = build_schedule(load_preset(app_paths.user_presets_dir / "my-tempo.toml"))
    assert [(s.kind, s.planned_s) for s in sched.steps] == [
        ("warmup", 600),
        ("work", 60),
        ("rest", 60),
        ("rest", 60),
        ("rest", 60),
        ("work", 480),
        ("cooldown", 600),
    ]


# --- validation --------------------------------------------------------------------------------


async def test_invalid_input_is_shown_beside_its_field_and_save_is_refused(app_paths, clock):
    mine = write_mine(app_paths)
    before = mine.read_bytes()
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "my tempo")
        await keys(pilot, "ctrl+e", "down", "down", "down")  # the tempo step in the block
        ed = editor(pilot)
        step = cursor_data(pilot)
        assert step.label == "Tempo"
        await keys(pilot, "enter", "tab", "tab", "tab", "ctrl+u", *"8:75")
        message = shown_error(ed, "#e-duration")
        assert "'8:75' is not a valid time" in message
        assert shown_error(ed, "#e-repeat") == shown_error(ed, "#e-name") == ""
        assert "⚠" in str(ed.tree.cursor_node.label)
        status = text(ed, "#editor-status")
        assert "Work 8:75 · Tempo › duration: '8:75' is not a valid time" in status

        await keys(pilot, "ctrl+s")  # refused, and the field gets the focus
        assert app.screen is ed and mine.read_bytes() == before
        assert ed.query_one("#f-duration", Input).has_focus
        assert any("Not saved" in n.message for n in app._notifications)

        # from elsewhere in the tree, ctrl+g goes back to the problem
        await keys(pilot, "escape", "up", "up", "up")
        assert shown_error(ed, "#e-duration") == ""  # the root's fields are shown
        await keys(pilot, "ctrl+g")
        assert cursor_data(pilot) is step and ed.query_one("#f-duration", Input).has_focus

        # a pace on a timed step is fine (the run screen shows it); a wrong one is not; a bare
        # pace is per km
        await keys(pilot, "ctrl+u", *"8:00", "tab", "tab", *"3:50/kmh")
        assert 'or a range like "3:13-3:18/km", got' in shown_error(ed, "#e-pace")
        await keys(pilot, "backspace", "backspace", "backspace", "backspace")
        assert shown_error(ed, "#e-pace") == ""
        assert "Ready to save" in text(ed, "#editor-status")
        # a distance must be a number
        await keys(pilot, "shift+tab", *"2k")
        assert "expected metres as a number, got a string ('2k')" in shown_error(ed, "#e-distance")
        await keys(pilot, "backspace", "backspace", *"2000")
        assert "Ready to save" in text(ed, "#editor-status")

        # an empty name is shown by the name field
        await keys(pilot, "escape", "up", "up", "up", "enter", "ctrl+u")
        assert "must not be empty" in shown_error(ed, "#e-name")
        await keys(pilot, "ctrl+s")
        assert app.screen is ed and mine.read_bytes() == before


# --- leaving ------------------------------------------------------------------------------------


async def test_unsaved_changes_ask_before_leaving_keep_then_discard(app_paths, clock):
    mine = write_mine(app_paths)
    before = mine.read_bytes()
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "my tempo")
        await keys(pilot, "ctrl+e", "enter", "end", *" easy")
        ed = editor(pilot)
        assert ed.draft.name == "My tempo easy"
        await keys(pilot, "escape")  # field -> tree
        assert app.screen is ed
        await keys(pilot, "escape")  # tree -> leave?
        assert isinstance(app.screen, ChoiceScreen)
        await keys(pilot, "enter")  # the focused answer is "keep editing"
        assert app.screen is ed and ed.draft.name == "My tempo easy"
        await keys(pilot, "escape")
        await keys(pilot, "escape")  # escape on the question keeps editing too
        assert app.screen is ed
        await keys(pilot, "escape", "k")
        assert app.screen is ed
        await keys(pilot, "escape", "d")  # discard
        assert isinstance(app.screen, MenuScreen)
        assert [p.name for p in app.screen.catalog.presets if not p.bundled] == ["My tempo"]
    assert mine.read_bytes() == before


async def test_unsaved_changes_save_from_the_question(app_paths, clock):
    mine = write_mine(app_paths)
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "my tempo")
        await keys(pilot, "ctrl+e", "enter", "ctrl+u", *"Threshold", "escape", "escape")
        await keys(pilot, "s")
        assert isinstance(app.screen, MenuScreen)
        assert app.screen.selected().name == "Threshold"
    # renaming keeps the file
    assert user_files(app_paths) == ["my-tempo.toml"]
    assert load_preset(mine).name == "Threshold"


async def test_quitting_with_unsaved_changes_asks_first(app_paths, clock):
    write_mine(app_paths)
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "my tempo")
        await keys(pilot, "ctrl+e", "enter", "end", *"!")
        await keys(pilot, "ctrl+q")
        assert isinstance(app.screen, ChoiceScreen)
        await keys(pilot, "k")
        assert isinstance(app.screen, EditorScreen)
        assert app.is_running


async def test_a_taken_file_name_asks_before_replacing_it(app_paths, clock):
    other = write_mine(app_paths, MINE.replace("My tempo", "Sprints"), "sprints.toml")
    before = other.read_bytes()
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await keys(pilot, "ctrl+n")
        await pilot.press(*"Sprints")
        await keys(pilot, "ctrl+s")
        question = app.screen
        assert isinstance(question, ChoiceScreen)
        assert "sprints.toml already exists" in text(question, "#choice-question")
        await keys(pilot, "escape")  # back to the editor, nothing written
        assert isinstance(app.screen, EditorScreen) and other.read_bytes() == before
        await keys(pilot, "ctrl+s", "s")  # save beside it
        assert isinstance(app.screen, MenuScreen)
        assert app.screen.selected().source.name == "sprints-2.toml"
    assert other.read_bytes() == before
    assert user_files(app_paths) == ["sprints-2.toml", "sprints.toml"]


# --- delete ---------------------------------------------------------------------------------


async def test_delete_a_user_preset_after_confirmation(app_paths, clock):
    mine = write_mine(app_paths)
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "my tempo")
        shown = {b.binding.id for b in app.active_bindings.values() if b.enabled}
        assert "preset_delete" in shown
        await keys(pilot, "ctrl+x")
        assert isinstance(app.screen, ConfirmScreen)
        await keys(pilot, "n")
        assert mine.exists()
        await keys(pilot, "ctrl+x", "y")
        assert not mine.exists()
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        assert all(p.name != "My tempo" for p in menu.catalog.presets)


async def test_a_bundled_preset_cannot_be_deleted(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "3 sets of 4")
        shown = {b.binding.id for b in app.active_bindings.values() if b.enabled}
        assert "preset_delete" not in shown and "preset_edit" in shown
        await keys(pilot, "ctrl+x")
        assert isinstance(app.screen, MenuScreen)
    assert SETS.is_file()


# --- the draft: key paths to nodes ---------------------------------------------------------------


def test_key_paths_lead_to_the_node_and_field():
    from speedtimer.tui.editor_draft import draft_from_preset, locate

    draft = draft_from_preset(load_preset(SETS))
    outer = draft.steps[3]
    assert locate(draft, "name") == (draft, "name")
    assert locate(draft, "steps") == (draft, "steps")
    assert locate(draft, "steps[3].repeat") == (outer, "repeat")
    assert locate(draft, "steps[3].steps[0].steps[1].duration") == (
        outer.steps[0].steps[1],
        "duration",
    )
    assert locate(draft, "steps[3].steps[1]") == (outer.steps[1], "")


def test_every_bundled_preset_goes_through_the_editor_unchanged():
    """An untouched draft gives back the preset it came from (same schedule, same text)."""
    from speedtimer.formats.preset_save import preset_to_toml
    from speedtimer.tui.editor_draft import draft_from_preset

    for path in sorted(bundled_presets_dir().glob("*.toml")):
        preset = load_preset(path)
        again, problem = draft_from_preset(preset).validate()
        assert problem is None, (path, problem)
        assert build_schedule(again).steps == build_schedule(preset).steps
        assert preset_to_toml(again) == preset_to_toml(preset)


# --- picture -----------------------------------------------------------------------------------


def test_editor_snapshot(snap_compare, tmp_path):
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")

    async def run_before(pilot):
        await pilot.press(*"3 sets of 4", "ctrl+e")
        await pilot.pause()
        await pilot.press("down", "down", "down", "down", "down", "down")
        await pilot.pause()
        app = pilot.app
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(build(paths, FakeClock()), terminal_size=SIZE, run_before=run_before)


# --- targets (issue 18): ranges, target text, and what an import carries ----------------------

ICU_TEMPO = """
name = "Icu tempo"
category = "tempo"

[[steps]]
kind = "warmup"
duration = "10:00"
target_text = "Z1 HR"
section = "Warmup"

[[steps]]
repeat = 3
label = "Main set"
  [[steps.steps]]
  kind = "work"
  label = "Tempo"
  duration = "8:00"
  target_pace = "4:25-4:35/km"
  [[steps.steps]]
  kind = "rest"
  until = "lap"
  distance_m = 400
  lap_button = true
"""


async def test_the_editor_writes_back_ranges_target_text_and_imported_keys(app_paths, clock):
    mine = write_mine(app_paths, ICU_TEMPO, "icu-tempo.toml")
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "icu tempo")
        await keys(pilot, "ctrl+e", "down", "down", "down")  # the tempo step in the block
        ed = editor(pilot)
        assert cursor_data(pilot).label == "Tempo"
        await keys(pilot, "enter", *["tab"] * 6)
        target = ed.query_one("#f-target-text", Input)
        assert target.has_focus
        await keys(pilot, *"RPE 7")
        await keys(pilot, "escape", "down")  # the jog: an imported press lap, shown and kept
        assert cursor_data(pilot).lap_button is True
        assert ed.query_one("#f-lap-button", Checkbox).value is True
        await keys(pilot, "up")
        assert ed.query_one("#f-lap-button", Checkbox).value is False
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, MenuScreen)
    saved = load_preset(mine)
    warmup, block = saved.steps
    tempo, jog = block.steps
    assert (warmup.target_text, warmup.section) == ("Z1 HR", "Warmup")
    assert (tempo.pace_s_per_km, tempo.pace_hi_s_per_km, tempo.target_text) == (265, 275, "RPE 7")
    assert jog.lap_button and jog.distance_m == 400
    assert 'target_pace = "4:25-4:35/km"' in mine.read_text()


# --- targets from the runner's race, and rep times ----------------------------------------------


async def test_editor_takes_race_targets_with_did_you_mean_and_rep_times(app_paths, clock):
    mine = write_mine(app_paths)
    app = build(app_paths, clock)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "my tempo")
        await keys(pilot, "ctrl+e", "down", "down", "down")  # the tempo step in the block
        ed = editor(pilot)
        assert cursor_data(pilot).label == "Tempo"
        ed.query_one("#f-distance", Input).focus()
        await keys(pilot, *"2000", "tab", *"T+5")
        assert "Ready to save" in text(ed, "#editor-status")
        await keys(pilot, "ctrl+u", *"5l")
        assert "did you mean '5k'?" in shown_error(ed, "#e-pace")
        await keys(pilot, "backspace", *"k-2s")
        assert shown_error(ed, "#e-pace") == "" and "Ready to save" in text(ed, "#editor-status")
        ed.query_one("#f-time", Input).focus()  # the Rep time field, last of the step's
        await keys(pilot, *"7:30")  # a rep time as well as a pace: refused
        assert "not both" in shown_error(ed, "#e-time")
        ed.query_one("#f-pace", Input).focus()
        await keys(pilot, "ctrl+u")
        assert shown_error(ed, "#e-time") == "" and "Ready to save" in text(ed, "#editor-status")
        await keys(pilot, "ctrl+s")
        await pilot.pause()
    saved = load_preset(mine)
    tempo = saved.steps[1].steps[0]
    assert tempo.target_time_s == 450 and tempo.distance_m == 2000
    assert 'target_time = "7:30"' in mine.read_text()


async def test_editor_keeps_a_symbolic_target_it_did_not_touch(app_paths, clock):
    from speedtimer.tui.editor_draft import draft_from_preset

    preset = load_preset(bundled_presets_dir() / "5x1000m-track.toml")
    again, problem = draft_from_preset(preset).validate()
    assert problem is None
    work = [s for s in build_schedule(again).steps if s.kind == "work"]
    assert {s.pace_symbol for s in work} == {"I"}
