"""The fields of whatever the step tree's cursor is on: the preset, a step or a repeat block.

One form with three groups of fields, only one shown at a time. The fields write straight into
the draft node they show and then say so (`NodeForm.Edited`), so the screen can check the
preset again. Filling the fields for another node is silent: it must not read as an edit.

Each field has a line under it for the loader's message about that field.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from speedtimer.core.preset import CATEGORIES, KINDS, MAX_TEXT
from speedtimer.core.schedule import KIND_NAMES
from speedtimer.tui.editor_draft import DraftBlock, DraftPreset, DraftStep, Node
from speedtimer.tui.widgets.tick_box import TickBox

HINTS = {
    "preset": "enter: edit these fields · ↓: the steps · a: add a step at the end",
    "step": (
        "enter: edit · a: add a step after · del: remove · d: copy · ⇧↑ ⇧↓: move (at the ends "
        "of a block, out of it) · space: mark, w: wrap marked steps into a repeat block"
    ),
    "block": (
        "Its steps run Repeat times. enter: edit · u: unwrap (its steps run once) · "
        "⇧↑ ⇧↓: move · w: wrap it in another block (sets of reps) · ←/→: close/open"
    ),
    # while a field has focus: what the keys above do to the tree does not apply here
    "fields": "enter or tab: next field · shift+tab: previous · esc: back to the steps",
}

# widget id -> draft attribute, per group
PRESET_FIELDS = {
    "f-name": "name",
    "f-category": "category",
    "f-tags": "tags",
    "f-countdown": "countdown",
    "f-halfway": "halfway",
    "f-description": "description",
}
STEP_FIELDS = {
    "f-kind": "kind",
    "f-step-label": "label",
    "f-until": "until_lap",
    "f-duration": "duration",
    "f-distance": "distance",
    "f-pace": "pace",
    "f-target-text": "target_text",
    "f-lap-button": "lap_button",
    "f-section": "section",
    "f-time": "rep_time",
}
BLOCK_FIELDS = {
    "f-repeat": "repeat",
    "f-skip": "skip_last_rest",
    "f-block-label": "label",
}

# loader key (last part of the path) -> widget id, per kind of node. "" is a problem with the
# node as a whole: for a step that is its missing duration, for a block its size.
PRESET_KEYS = {
    "name": "f-name",
    "description": "f-description",
    "category": "f-category",
    "tags": "f-tags",
    "countdown": "f-countdown",
    "halfway": "f-halfway",
}
STEP_KEYS = {
    "kind": "f-kind",
    "label": "f-step-label",
    "until": "f-until",
    "duration": "f-duration",
    "": "f-duration",
    "distance_m": "f-distance",
    "target_pace": "f-pace",
    "target_text": "f-target-text",
    "lap_button": "f-lap-button",
    "section": "f-section",
    "target_time": "f-time",
}
BLOCK_KEYS = {
    "repeat": "f-repeat",
    "": "f-repeat",
    "skip_last_rest": "f-skip",
    "label": "f-block-label",
}


def field_widget_id(node: DraftPreset | Node, key_field: str) -> str | None:
    """The widget showing a loader key of this node; None: about the node as a whole."""
    table = (
        PRESET_KEYS
        if isinstance(node, DraftPreset)
        else BLOCK_KEYS
        if isinstance(node, DraftBlock)
        else STEP_KEYS
    )
    return table.get(key_field)


def _row(label: str, widget: Widget) -> ComposeResult:
    with Horizontal(classes="field-row"):
        yield Label(label, classes="field-name")
        yield widget
    yield Static("", id=f"e-{widget.id[2:]}", classes="field-error")  # type: ignore[index]


class NodeForm(VerticalScroll):
    class Edited(Message):
        def __init__(self, node: DraftPreset | Node, attribute: str) -> None:
            super().__init__()
            self.node = node
            self.attribute = attribute

    def __init__(self, draft: DraftPreset, **kwargs) -> None:
        super().__init__(**kwargs)
        self.draft = draft
        self.node: DraftPreset | Node = draft
        self.editing = False  # a field of the form has focus (the hint says so)
        self._node_hint = HINTS["preset"]

    def compose(self) -> ComposeResult:
        yield Static("", markup=False, id="form-title")
        yield Static("", markup=False, id="e-general", classes="field-error")
        with Vertical(id="form-preset", classes="form-group"):
            yield from _row(
                "Name",
                Input(id="f-name", compact=True, max_length=MAX_TEXT, placeholder="8 x 400 m"),
            )
            yield from _row(
                "Category",
                Select(
                    [(c, c) for c in CATEGORIES],
                    value=self.draft.category if self.draft.category in CATEGORIES else "custom",
                    id="f-category",
                    compact=True,
                    allow_blank=False,
                ),
            )
            yield from _row(
                "Tags", Input(id="f-tags", compact=True, placeholder="track, 5k (comma between)")
            )
            yield from _row(
                "Countdown",
                Input(
                    id="f-countdown",
                    compact=True,
                    restrict=r"[0-9]*",
                    max_length=2,
                    placeholder="empty: your default (settings)",
                ),
            )
            yield from _row(
                "Halfway", TickBox("cue halfway through steps", id="f-halfway", compact=True)
            )
            yield Label("Description", classes="field-name")
            yield TextArea(id="f-description", compact=True, soft_wrap=True, tab_behavior="focus")
            yield Static("", markup=False, id="e-description", classes="field-error")
        with Vertical(id="form-step", classes="form-group"):
            yield from _row(
                "Kind",
                Select(
                    [(KIND_NAMES[k], k) for k in KINDS],
                    id="f-kind",
                    compact=True,
                    allow_blank=False,
                ),
            )
            yield from _row(
                "Label", Input(id="f-step-label", compact=True, placeholder="what the screen says")
            )
            yield from _row(
                "Ends", TickBox("on the lap key (until lap)", id="f-until", compact=True)
            )
            yield from _row(
                "Duration",
                Input(id="f-duration", compact=True, placeholder="1:30, or 90 for seconds"),
            )
            yield from _row(
                "Distance", Input(id="f-distance", compact=True, placeholder="metres, e.g. 400")
            )
            yield from _row(
                "Pace",
                Input(id="f-pace", compact=True, placeholder="3:45/km, 3:13-3:18/km, 5k, T+5s"),
            )
            yield from _row(
                "Target",
                Input(id="f-target-text", compact=True, placeholder="shown as written: Z2 HR"),
            )
            yield from _row(
                "Watch",
                TickBox("ends on the lap button (exports)", id="f-lap-button", compact=True),
            )
            yield from _row(
                "Header", Input(id="f-section", compact=True, placeholder="e.g. Warmup (exports)")
            )
            yield from _row(
                "Rep time",
                Input(id="f-time", compact=True, placeholder="instead of a pace: 84s or 1:24"),
            )
        with Vertical(id="form-block", classes="form-group"):
            yield from _row(
                "Repeat",
                Input(
                    id="f-repeat",
                    compact=True,
                    restrict=r"[0-9]*",
                    max_length=4,
                    placeholder="times, 1-1000",
                ),
            )
            yield from _row(
                "Last rest", TickBox("skip it the last time", id="f-skip", compact=True)
            )
            yield from _row(
                "Label", Input(id="f-block-label", compact=True, placeholder="e.g. Set")
            )
        yield Static("", markup=False, id="form-hint")

    def on_mount(self) -> None:
        self.show_node(self.node)

    # --- filling -------------------------------------------------------------------------------

    def show_node(self, node: DraftPreset | Node) -> None:
        """Show `node`'s fields with its values, without any of it counting as an edit."""
        self.node = node
        groups = {
            "form-preset": isinstance(node, DraftPreset),
            "form-step": isinstance(node, DraftStep),
            "form-block": isinstance(node, DraftBlock),
        }
        for group, shown in groups.items():
            self.query_one(f"#{group}").display = shown
        if isinstance(node, DraftPreset):
            title, fields, hint = "Preset", PRESET_FIELDS, HINTS["preset"]
        elif isinstance(node, DraftStep):
            title, fields, hint = "Step", STEP_FIELDS, HINTS["step"]
        else:
            title, fields = "Repeat block", BLOCK_FIELDS
            hint = HINTS["block"]
        self.query_one("#form-title", Static).update(title)
        self._node_hint = hint
        self.show_hint(self.editing)
        for widget_id, attribute in fields.items():
            self._set(self.query_one(f"#{widget_id}"), getattr(node, attribute))
        if isinstance(node, DraftStep):
            self.query_one("#f-duration", Input).disabled = node.until_lap
        self.scroll_home(animate=False)

    def show_hint(self, editing: bool) -> None:
        """The keys for where the focus is: a field of this form, or the tree beside it."""
        self.editing = editing
        self.query_one("#form-hint", Static).update(HINTS["fields"] if editing else self._node_hint)

    def _set(self, widget: Widget, value: object) -> None:
        if isinstance(widget, Input):
            with widget.prevent(Input.Changed):
                widget.value = str(value)
                widget.cursor_position = len(widget.value)
        elif isinstance(widget, Checkbox):
            with widget.prevent(Checkbox.Changed):
                widget.value = bool(value)
        elif isinstance(widget, Select):
            allowed = CATEGORIES if widget.id == "f-category" else KINDS
            if value in allowed:  # a loaded preset's value always is; nothing else to show
                with widget.prevent(Select.Changed):
                    widget.value = value
        elif isinstance(widget, TextArea):
            with widget.prevent(TextArea.Changed):
                widget.load_text(str(value))

    def first_field(self) -> Widget:
        if isinstance(self.node, DraftPreset):
            return self.query_one("#f-name")
        if isinstance(self.node, DraftStep):
            return self.query_one("#f-kind")
        return self.query_one("#f-repeat")

    # --- problems ------------------------------------------------------------------------------

    def show_problem(self, widget_id: str | None, message: str) -> None:
        """One message, under its field (or at the top when it is about the whole node)."""
        target = (f"e-{widget_id[2:]}" if widget_id else "e-general") if message else None
        for error in self.query(".field-error").results(Static):
            if error.id == target:
                error.update(f"⚠ {message}")
                error.display = True
            elif error.display:
                error.update("")
                error.display = False

    # --- edits ---------------------------------------------------------------------------------

    def _edited(self, widget_id: str | None, value: object) -> None:
        fields = {**PRESET_FIELDS, **STEP_FIELDS, **BLOCK_FIELDS}
        if widget_id not in fields:
            return
        attribute = fields[widget_id]
        if getattr(self.node, attribute, value) == value:  # not this node's field, or no change
            return
        setattr(self.node, attribute, value)
        if widget_id == "f-halfway":
            self.node.halfway_set = True  # chosen now: written to the file from here on
        if widget_id == "f-until":
            self.query_one("#f-duration", Input).disabled = bool(value)
        self.post_message(self.Edited(self.node, attribute))

    @on(Input.Changed)
    def _input(self, event: Input.Changed) -> None:
        event.stop()
        self._edited(event.input.id, event.value)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    @on(Checkbox.Changed)
    def _checkbox(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._edited(event.checkbox.id, event.value)

    @on(Select.Changed)
    def _select(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        self._edited(event.select.id, "" if value is Select.NULL else value)

    @on(TextArea.Changed)
    def _text_area(self, event: TextArea.Changed) -> None:
        event.stop()
        self._edited(event.text_area.id, event.text_area.text)
