"""The editor's two widgets on their own: the step tree and the form of the node under it.

The editor screen's tests (test_editor.py) drive them through the whole screen; these pin what
each widget promises by itself, so a change to one shows here first."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Checkbox, Input

from speedtimer.config.paths import bundled_presets_dir
from speedtimer.core.preset import STEP_KEYS
from speedtimer.formats.preset_toml import load_preset
from speedtimer.tui.editor_draft import DraftBlock, DraftStep, draft_from_preset, starter_draft
from speedtimer.tui.widgets.step_form import (
    BLOCK_FIELDS,
    PRESET_FIELDS,
    STEP_FIELDS,
    NodeForm,
    field_widget_id,
)
from speedtimer.tui.widgets.step_tree import StepTree, node_title


class Host(App):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def _labels(node) -> list[str]:
    out = [str(node.label)]
    for child in node.children:
        out += _labels(child)
    return out


async def test_tree_shows_every_node_of_the_draft_in_order_and_finds_each():
    draft = draft_from_preset(load_preset(bundled_presets_dir() / "8x400m-track.toml"))
    tree = StepTree(draft)
    async with Host(tree).run_test() as pilot:
        tree.rebuild()
        await pilot.pause()
        labels = _labels(tree.root)
        assert labels[0] == draft.name
        expected = []

        def walk(items):
            for item in items:
                expected.append(node_title(item))
                if isinstance(item, DraftBlock):
                    walk(item.steps)

        walk(draft.steps)
        assert labels[1:] == expected
        block = next(s for s in draft.steps if isinstance(s, DraftBlock))
        assert tree.find(block).data is block
        assert tree.find(object()) is None


async def test_tree_label_is_plain_text_and_puts_the_cursor_on_the_node_asked_for():
    draft = starter_draft()
    step = DraftStep(kind="work", label="[b]not bold[/b]", duration="0:30")
    block = next(s for s in draft.steps if isinstance(s, DraftBlock))
    block.steps.append(step)
    block.expanded = False
    tree = StepTree(draft)
    async with Host(tree).run_test() as pilot:
        tree.rebuild(select=step)
        await pilot.pause()
        assert tree.cursor_node is not None and tree.cursor_node.data is step
        assert "[b]not bold[/b]" in str(tree.cursor_node.label)  # shown as typed
        assert tree.find(block).is_expanded  # opened to show the cursor


def test_node_titles_say_what_each_node_does():
    assert node_title(DraftStep(kind="rest", label="Jog", duration="1:30")) == "Rest 1:30 · Jog"
    assert node_title(DraftStep(kind="work", until_lap=True, distance="400")) == "Work lap 400 m"
    block = DraftBlock(repeat="8", skip_last_rest=True, steps=[], label="Main")
    assert node_title(block) == "8 × Main · no last rest"
    assert node_title(starter_draft()) == "(no name yet)"


async def test_form_shows_the_fields_of_each_kind_of_node_with_their_values():
    draft = starter_draft()
    draft.name = "Hills"
    form = NodeForm(draft)
    async with Host(form).run_test() as pilot:
        await pilot.pause()
        assert form.query_one("#form-preset").display
        assert not form.query_one("#form-step").display
        assert form.query_one("#f-name", Input).value == "Hills"
        assert form.first_field().id == "f-name"

        block = next(s for s in draft.steps if isinstance(s, DraftBlock))
        form.show_node(block)
        await pilot.pause()
        assert form.query_one("#form-block").display
        assert form.query_one("#f-repeat", Input).value == "5"
        assert form.query_one("#f-skip", Checkbox).value is True
        assert form.first_field().id == "f-repeat"

        lap_step = DraftStep(kind="work", until_lap=True, distance="400", pace="3:45/km")
        form.show_node(lap_step)
        await pilot.pause()
        assert form.query_one("#form-step").display
        assert form.query_one("#f-until", Checkbox).value is True
        assert form.query_one("#f-duration", Input).disabled  # a lap-ended step has no time
        assert form.query_one("#f-distance", Input).value == "400"


def test_every_loader_key_of_a_step_has_its_field():
    """A problem the validator finds at `steps[2].distance_m` is shown under its field."""
    step, block, draft = DraftStep(kind="work"), DraftBlock(), starter_draft()
    for key in STEP_KEYS:
        assert field_widget_id(step, key) in STEP_FIELDS, key
    assert field_widget_id(block, "repeat") in BLOCK_FIELDS
    assert field_widget_id(draft, "name") in PRESET_FIELDS
    assert field_widget_id(draft, "no such key") is None
